"""Drills and restores: the restored data is the data that was backed up, or nothing changes."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from psycopg import sql

from backups import engine, services
from backups.engine import BackupError
from backups.models import BackupRun, Drill, Generation, Restore
from backups.restore import drill_run, restore_run
from core.models import ClosureDay

pytestmark = pytest.mark.django_db


def _take(kind=Generation.Kind.MANUAL) -> Generation:
    run = services.backup_create(kind=kind, requested_by="テスト")
    assert run.status == BackupRun.Status.SUCCEEDED, run.error
    return run.generation


def _flip_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _databases() -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cur.fetchall()}


def test_a_drill_restores_into_a_scratch_database_compares_and_drops_it(
    backup_env, in_window, age_keys
):
    generation = _take()
    before = _databases()

    drill = drill_run(identity_path=str(age_keys[0]))

    assert drill.status == Drill.Status.PASSED, (drill.error, drill.mismatches)
    assert drill.generation == generation
    assert drill.restore_seconds > 0
    assert drill.tables_checked == len(generation.tables) > 50
    assert drill.mismatches == []
    assert _databases() == before  # the scratch database is gone


def test_a_drill_flags_a_flipped_byte(backup_env, in_window, age_keys):
    generation = _take()
    _flip_byte(services.generation_path(generation) / engine.DB_FILE)

    drill = drill_run(identity_path=str(age_keys[0]))

    assert drill.status == Drill.Status.FAILED
    assert "SHA-256" in drill.error


def test_a_drill_notices_when_the_data_differs_from_what_the_backup_recorded(
    backup_env, in_window, age_keys
):
    generation = _take()
    tables = dict(generation.tables)
    tables["core_closureday"] = {"rows": tables["core_closureday"]["rows"] + 1, "sample": ""}
    Generation.objects.filter(pk=generation.pk).update(tables=tables)

    drill = drill_run(identity_path=str(age_keys[0]))

    assert drill.status == Drill.Status.FAILED
    assert any(m.startswith("core_closureday: 行数") for m in drill.mismatches)


def test_without_a_key_on_this_host_the_drill_is_recorded_as_not_done(backup_env, in_window):
    _take()

    drill = drill_run()

    assert drill.status == Drill.Status.SKIPPED
    assert "BACKUP_IDENTITY_FILE" in drill.error


def test_a_restore_with_the_wrong_key_is_refused_before_touching_anything(
    backup_env, in_window, other_age_keys
):
    generation = _take()
    databases = _databases()

    with pytest.raises(BackupError, match="別の鍵"):
        restore_run(
            generation=generation,
            actor="900006 市 管理",
            reason="市の指示（試験）",
            identity_path=str(other_age_keys[0]),
        )

    assert not Restore.objects.exists()
    assert Generation.objects.count() == 1  # no pre-restore backup either
    assert _databases() == databases


def test_a_corrupt_generation_is_refused_unless_forced(backup_env, in_window, age_keys):
    generation = _take()
    _flip_byte(services.generation_path(generation) / engine.DB_FILE)

    with pytest.raises(BackupError, match="検証に失敗"):
        restore_run(
            generation=generation,
            actor="900006 市 管理",
            reason="市の指示（試験）",
            identity_path=str(age_keys[0]),
        )
    assert not Restore.objects.exists()


def test_a_restore_without_a_reason_is_refused(backup_env, in_window, age_keys):
    from django.core.exceptions import ValidationError

    generation = _take()
    with pytest.raises(ValidationError):
        restore_run(generation=generation, actor="x", reason=" ", identity_path=str(age_keys[0]))


def _drop(name: str) -> None:
    sd = engine.db_settings()
    with engine.connect(sd, engine.maintenance_db(), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _live_stats() -> dict:
    with engine.connect(engine.db_settings(), autocommit=True) as conn:
        stats = engine.table_stats(conn)
    # The backup catalogue is carried over on purpose, the restore records itself as an
    # incident afterwards, and the SLA change ledger counts those writes; everything else
    # must match.
    skip = ("backups_", "incidents_", "sla_changeledger")
    return {k: v for k, v in stats.items() if not k.startswith(skip)}


# Restoring renames the test database under Django's feet: it must own its transactions.
@pytest.mark.django_db(transaction=True)
def test_round_trip_back_up_change_and_delete_restore_identical(backup_env, in_window, age_keys):
    from incidents.models import Incident

    User = get_user_model()
    User.objects.create_user(
        employee_number="700001", password="x", name="復元 前", name_kana="フクゲン マエ"
    )
    ClosureDay.objects.create(date=date(2026, 12, 28), reason="庁舎点検")
    ClosureDay.objects.create(date=date(2027, 1, 4), reason="システム更新")
    memo = backup_env.MEDIA_ROOT / "attachments" / "memo.txt"
    expected_users = list(User.objects.order_by("pk").values())
    expected_days = list(ClosureDay.objects.order_by("pk").values())
    expected_stats = _live_stats()
    generation = _take()

    # Life goes on after the backup: edits, deletions, new rows, files changed.
    ClosureDay.objects.filter(date=date(2026, 12, 28)).update(reason="変更後")
    ClosureDay.objects.filter(date=date(2027, 1, 4)).delete()
    User.objects.create_user(
        employee_number="700002", password="x", name="復元 後", name_kana="フクゲン アト"
    )
    memo.write_text("上書きされた本文\n")
    (backup_env.MEDIA_ROOT / "attachments" / "new.txt").write_text("後から追加\n")

    restore = None
    try:
        restore = restore_run(
            generation=generation,
            actor="900006 市 管理",
            reason="誤操作による削除の回復（市の指示）",
            identity_path=str(age_keys[0]),
        )
        assert restore.status == Restore.Status.SUCCEEDED, restore.error

        assert list(User.objects.order_by("pk").values()) == expected_users
        assert list(ClosureDay.objects.order_by("pk").values()) == expected_days
        assert _live_stats() == expected_stats
        assert memo.read_text() == "添付ファイルの本文\n"
        assert not (backup_env.MEDIA_ROOT / "attachments" / "new.txt").exists()
        # The catalogue survived: the pre-restore backup of the changed data is still known.
        pre = Generation.objects.get(kind=Generation.Kind.PRE_RESTORE)
        assert restore.pre_restore == pre
        assert pre.status == Generation.Status.VERIFIED
        assert Restore.objects.get(pk=restore.pk).status == Restore.Status.SUCCEEDED
        # And the incidents app recorded it.
        incident = Incident.objects.get(number=restore.incident_number)
        assert "データ復元" in incident.title
        assert incident.timeline.filter(text__contains=generation.name).exists()
    finally:
        if restore is not None and restore.previous_database:
            _drop(restore.previous_database)
