"""Taking generations: what counts, what never counts, and what the operator is told."""

import errno
import json
import threading
import time

import psutil
import pytest
from django.core import mail

from backups import engine, services
from backups.models import BackupRun, Event, Generation
from backups.services import WindowConfirmationRequired, backup_create, generations_verify

pytestmark = pytest.mark.django_db


def _take(**kw) -> BackupRun:
    kw.setdefault("kind", Generation.Kind.MANUAL)
    kw.setdefault("requested_by", "900007 テスト 保守")
    return backup_create(**kw)


def _flip_byte(path, offset=None):
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if offset is None else offset
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_generation_is_encrypted_checksummed_and_described_by_a_manifest(backup_env, in_window):
    run = _take()

    assert run.status == BackupRun.Status.SUCCEEDED, run.error
    generation = run.generation
    directory = services.generation_path(generation)
    assert sorted(p.name for p in directory.iterdir()) == [
        engine.DB_FILE,
        engine.KEYCHECK_FILE,
        engine.MANIFEST_FILE,
        engine.MEDIA_FILE,
    ]
    # Encrypted at rest: age files, no PostgreSQL custom-format magic, no plain text.
    db_bytes = (directory / engine.DB_FILE).read_bytes()
    assert db_bytes.startswith(b"age-encryption.org/v1")
    assert b"PGDMP" not in db_bytes
    assert "添付ファイルの本文".encode() not in (directory / engine.MEDIA_FILE).read_bytes()
    # The checksum recorded in the database and in the manifest is the file's.
    manifest = json.loads((directory / engine.MANIFEST_FILE).read_text())
    assert manifest["files"][engine.DB_FILE]["sha256"] == generation.db_sha256
    assert engine.sha256_file(directory / engine.DB_FILE) == generation.db_sha256
    assert generation.media_files == 1
    # Row counts were taken in the dump's snapshot, e.g. the users of the demo personas.
    assert "accounts_user" in generation.tables
    assert generation.status == Generation.Status.VERIFIED
    assert not list(backup_env.BACKUP_DIR.glob("*.partial"))


def test_without_a_public_key_nothing_unencrypted_is_written(backup_env, in_window):
    backup_env.BACKUP_AGE_RECIPIENTS = []

    run = _take()

    assert run.status == BackupRun.Status.FAILED
    assert "BACKUP_AGE_RECIPIENTS" in run.error
    assert list(backup_env.BACKUP_DIR.iterdir()) == []


def test_a_manual_run_in_office_hours_needs_confirmation_and_records_who_forced_it(
    backup_env, office_hours
):
    with pytest.raises(WindowConfirmationRequired, match="業務時間帯"):
        _take()
    assert not BackupRun.objects.exists()

    run = _take(force_window=True)

    assert run.status == BackupRun.Status.SUCCEEDED, run.error
    assert run.forced_in_office_hours
    assert Event.objects.filter(action="force_window", actor="900007 テスト 保守").exists()


def test_the_nightly_job_refuses_to_run_in_office_hours_and_alerts(backup_env, office_hours):
    run = backup_create(kind=Generation.Kind.NIGHTLY)

    assert run.status == BackupRun.Status.FAILED
    assert "時間帯" in run.error
    assert not Generation.objects.exists()


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        ("2026-11-26 21:14", False),  # Thursday, desk closes 17:15 + 4 h
        ("2026-11-26 21:15", True),
        ("2026-11-27 04:29", True),
        ("2026-11-27 04:30", False),  # Friday opens 08:30 − 4 h
        ("2026-11-28 12:00", True),  # Saturday
        ("2026-11-23 12:00", True),  # 勤労感謝の日 (Monday holiday)
        ("2026-12-30 10:00", True),  # year-end closure
    ],
)
def test_backup_window_is_office_hours_widened_by_four_hours(local, open_):
    from datetime import datetime

    from core.timeutil import JST

    at = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=JST)
    assert services.window_status(at)[0] is open_


def test_pg_dump_older_than_the_server_fails_loudly(backup_env, in_window, monkeypatch):
    monkeypatch.setattr(engine, "tool_major", lambda name: (9, "9.6"))

    run = _take()

    assert run.status == BackupRun.Status.FAILED
    assert "pg_dump の版（9.6）がデータベースサーバ" in run.error
    assert not Generation.objects.exists()


def test_two_runs_at_once_one_runs_and_one_is_skipped(backup_env, in_window):
    # Hold the same lock a running backup holds, from another connection.
    with engine.exclusive_lock(engine.db_settings()) as held:
        assert held is not None
        run = _take()
    assert run.status == BackupRun.Status.SKIPPED
    assert "見送り" in run.summary
    assert _take().status == BackupRun.Status.SUCCEEDED


def _wait_for_child(name: str, arg: str, timeout: float = 20) -> psutil.Process:
    me = psutil.Process()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in me.children(recursive=True):
            try:
                if child.name() == name and arg in child.cmdline():
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.01)
    raise AssertionError(f"{name} never started")


def _in_thread(result):
    from django.db import connection

    try:
        result["run"] = _take()
    finally:
        connection.close()


# The backup runs in a thread with its own connection, so the test cannot roll it back.
@pytest.mark.django_db(transaction=True)
def test_pg_dump_killed_mid_run_records_no_generation_and_the_next_run_succeeds(
    backup_env, in_window, monkeypatch
):
    # Slow the copy down so the kill lands mid-stream.
    real_write = engine._write_all

    def slow_write(fd, data):
        time.sleep(0.05)
        real_write(fd, data)

    monkeypatch.setattr(engine, "_write_all", slow_write)
    monkeypatch.setattr(engine, "CHUNK", 4096)
    result = {}
    worker = threading.Thread(target=_in_thread, args=(result,))
    worker.start()
    _wait_for_child("pg_dump", "--format=custom").kill()
    worker.join(60)

    run = result["run"]
    assert run.status == BackupRun.Status.FAILED
    assert "pg_dump" in run.error
    assert not Generation.objects.exists()
    assert list(backup_env.BACKUP_DIR.iterdir()) == []

    monkeypatch.undo()
    assert _take().status == BackupRun.Status.SUCCEEDED


def test_disk_full_fails_with_a_clear_reason_and_keeps_earlier_generations(
    backup_env, in_window, monkeypatch
):
    first = _take().generation
    written = {"n": 0}
    real_write = engine._write_all

    def fill_up(fd, data):
        written["n"] += len(data)
        if written["n"] > 64 * 1024:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(fd, data)

    monkeypatch.setattr(engine, "_write_all", fill_up)
    monkeypatch.setattr(engine, "CHUNK", 16 * 1024)

    run = _take()

    assert run.status == BackupRun.Status.FAILED
    assert "ディスクが一杯" in run.error
    assert [p.name for p in backup_env.BACKUP_DIR.iterdir()] == [first.name]
    monkeypatch.undo()
    outcome = generations_verify()
    assert [(o.generation.name, o.problems) for o in outcome] == [(first.name, [])]


def test_a_crash_leftover_is_cleaned_and_the_interrupted_run_closed(backup_env, in_window):
    leftover = backup_env.BACKUP_DIR / ".20261127-220000-nightly.partial"
    leftover.mkdir()
    (leftover / engine.DB_FILE).write_bytes(b"half a dump")
    stuck = BackupRun.objects.create(
        kind=Generation.Kind.NIGHTLY, status=BackupRun.Status.RUNNING, started_at=in_window_at()
    )

    assert _take().status == BackupRun.Status.SUCCEEDED

    assert not leftover.exists()
    stuck.refresh_from_db()
    assert stuck.status == BackupRun.Status.FAILED
    assert "中断" in stuck.error


def in_window_at():
    from django.utils import timezone

    return timezone.now()


def test_a_published_generation_whose_row_was_lost_is_registered_again(backup_env, in_window):
    generation = _take().generation
    name = generation.name
    Generation.objects.filter(pk=generation.pk).delete()

    report = services.recover_after_crash()

    assert report["registered"] == [name]
    assert Generation.objects.get(name=name).status == Generation.Status.VERIFIED


def test_retention_keeps_the_profile_generations_and_never_system_backups(backup_env, in_window):
    backup_env.BACKUP_GENERATIONS = 2
    system = _take(kind=Generation.Kind.SYSTEM, label="変更前", change_ref="CR-12").generation
    names = [_take().generation.name for _ in range(3)]

    kept = set(
        Generation.objects.filter(status=Generation.Status.VERIFIED).values_list("name", flat=True)
    )
    assert kept == {names[1], names[2], system.name}
    oldest = Generation.objects.get(name=names[0])
    assert oldest.status == Generation.Status.EXPIRED
    assert not services.generation_path(oldest).exists()
    assert services.generation_path(system).exists()

    services.generation_release(generation=system, actor="900006 市 管理")
    system.refresh_from_db()
    assert system.status == Generation.Status.RELEASED
    assert system.removed_by == "900006 市 管理"
    assert not services.generation_path(system).exists()


def test_a_failed_run_deletes_no_old_generation(backup_env, in_window):
    backup_env.BACKUP_GENERATIONS = 1
    only = _take().generation
    backup_env.BACKUP_AGE_RECIPIENTS = []

    assert _take().status == BackupRun.Status.FAILED

    only.refresh_from_db()
    assert only.status == Generation.Status.VERIFIED
    assert services.generation_path(only).exists()


def test_a_flipped_byte_is_found_by_verification_and_alerted(
    backup_env, in_window, vendor_operator
):
    generation = _take().generation
    _flip_byte(services.generation_path(generation) / engine.DB_FILE)
    mail.outbox.clear()

    outcomes = generations_verify()

    assert outcomes[0].problems
    generation.refresh_from_db()
    assert generation.status == Generation.Status.CORRUPT
    assert "SHA-256" in generation.check_error
    assert len(mail.outbox) == 1
    assert generation.name in mail.outbox[0].subject
    assert vendor_operator.email in mail.outbox[0].to


def test_full_verification_with_the_key_reads_every_byte(backup_env, in_window, age_keys):
    generation = _take().generation

    assert generations_verify(identity=age_keys[0])[0].problems == []

    # Same bytes, recorded checksum updated: only decryption can notice now.
    path = services.generation_path(generation) / engine.DB_FILE
    _flip_byte(path)
    Generation.objects.filter(pk=generation.pk).update(db_sha256=engine.sha256_file(path))
    problems = generations_verify(identity=age_keys[0])[0].problems
    assert any("復号に失敗" in p for p in problems)


def test_a_failed_nightly_run_opens_one_monitoring_incident_and_success_recovers_it(
    backup_env, in_window, age_keys
):
    from incidents.models import Incident

    backup_env.BACKUP_AGE_RECIPIENTS = []
    backup_create(kind=Generation.Kind.NIGHTLY)
    backup_create(kind=Generation.Kind.NIGHTLY)

    incident = Incident.objects.get(monitored_component="alert:backup")
    assert incident.source == Incident.Source.MONITORING
    assert incident.timeline.count() == 2  # the second failure adds to the same incident
    assert incident.recovered_at is None

    backup_env.BACKUP_AGE_RECIPIENTS = [age_keys[1]]
    assert backup_create(kind=Generation.Kind.NIGHTLY).status == BackupRun.Status.SUCCEEDED
    incident.refresh_from_db()
    assert incident.recovered_at is not None


def _run_in_thread(results, barrier):
    from django.db import connection

    try:
        barrier.wait()
        results.append(_take())
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_runs_started_together_one_runs_and_one_reports_it_was_skipped(backup_env, in_window):
    results: list[BackupRun] = []
    barrier = threading.Barrier(2)
    workers = [threading.Thread(target=_run_in_thread, args=(results, barrier)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)

    assert sorted(r.status for r in results) == [
        BackupRun.Status.SKIPPED,
        BackupRun.Status.SUCCEEDED,
    ]
    assert Generation.objects.count() == 1


def test_a_failed_night_is_retried_while_the_window_lasts(backup_env, in_window, monkeypatch):
    from backups import tasks

    backup_env.BACKUP_AGE_RECIPIENTS = []
    queued = []
    monkeypatch.setattr(tasks.nightly_backup, "apply_async", lambda **kw: queued.append(kw))

    tasks.nightly_backup()
    assert queued == [{"kwargs": {"attempt": 2}, "countdown": tasks.RETRY_AFTER_SECONDS}]

    queued.clear()
    tasks.nightly_backup(attempt=tasks.MAX_ATTEMPTS)
    assert queued == []


def test_no_retry_when_the_window_is_about_to_close(backup_env, monkeypatch):
    from datetime import datetime

    import time_machine

    from backups import tasks
    from core.timeutil import JST

    backup_env.BACKUP_AGE_RECIPIENTS = []
    queued = []
    monkeypatch.setattr(tasks.nightly_backup, "apply_async", lambda **kw: queued.append(kw))
    with time_machine.travel(datetime(2026, 11, 27, 3, 30, tzinfo=JST), tick=True):
        tasks.nightly_backup()
    assert queued == []
