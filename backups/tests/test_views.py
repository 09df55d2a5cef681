"""Backup pages: who sees them, taking a backup now, releasing, and the restore request."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backups import tasks
from backups.models import BackupRun, Drill, Event, Generation, Restore

pytestmark = pytest.mark.django_db

INDEX = reverse("backups:index")
CREATE = reverse("backups:create")


def make_generation(name=None, *, kind=Generation.Kind.NIGHTLY, status=None, ago=None, **extra):
    started = timezone.now() - (ago if ago is not None else timedelta(hours=1))
    make_generation.n = getattr(make_generation, "n", 0) + 1
    return Generation.objects.create(
        name=name or f"20261127-220000-{kind}-{make_generation.n}",
        kind=kind,
        status=status or Generation.Status.VERIFIED,
        started_at=started,
        finished_at=started + timedelta(seconds=95),
        db_bytes=12 * 1024**2,
        media_bytes=3 * 1024**2,
        db_sha256="ab" * 32,
        media_sha256="cd" * 32,
        manifest_sha256="ef" * 32,
        server_version="16.4",
        dump_version="16.4",
        recipients="age1example",
        tables={"cases_case": {"rows": 10, "sample": ""}},
        last_checked_at=started + timedelta(minutes=5),
        **extra,
    )


# --- the overview ------------------------------------------------------------------------


def test_vendor_staff_and_the_city_admin_see_the_page_others_do_not(
    client, backup_env, vendor_operator, city_admin, caseworker, attendee
):
    generation = make_generation(kind=Generation.Kind.SYSTEM, label="変更前", change_ref="CHG-7")
    for user in (vendor_operator, city_admin):
        client.force_login(user)
        response = client.get(INDEX)
        assert response.status_code == 200
        page = response.content.decode()
        assert generation.name in page and "CHG-7" in page and "解放" in page
        assert f'title="{generation.db_sha256}"' in page
    for user in (caseworker, attendee):
        client.force_login(user)
        assert client.get(INDEX).status_code == 403
        assert client.post(CREATE, {"kind": "manual"}).status_code == 403


def test_restore_links_are_for_the_city_admin_only(client, backup_env, vendor_operator, city_admin):
    generation = make_generation()
    restore_url = reverse("backups:restore", args=[generation.name])
    client.force_login(vendor_operator)
    assert restore_url not in client.get(INDEX).content.decode()
    client.force_login(city_admin)
    assert restore_url in client.get(INDEX).content.decode()


def test_a_missed_recovery_point_is_shown_in_red(client, backup_env, vendor_operator):
    make_generation(ago=timedelta(days=10))
    client.force_login(vendor_operator)
    page = client.get(INDEX).content.decode()
    assert 'class="card alert" id="recovery-point"' in page
    assert "満たしていません" in page


def test_a_running_backup_shows_its_progress_and_the_page_refreshes(
    client, backup_env, vendor_operator
):
    from core import progress

    client.force_login(vendor_operator)
    assert 'http-equiv="refresh"' not in client.get(INDEX).content.decode()
    run = BackupRun.objects.create(
        kind="manual", status=BackupRun.Status.RUNNING, started_at=timezone.now()
    )
    progress.report(f"backup:{run.pk}", done=5 * 1024**2, total=0)
    page = client.get(INDEX).content.decode()
    assert '<meta http-equiv="refresh" content="10">' in page
    assert "5.0 MB 書き込み済み" in page


def test_the_index_page_costs_the_same_queries_for_3_and_30_generations(
    client, backup_env, vendor_operator, django_assert_max_num_queries
):
    def history(n):
        for _ in range(n):
            generation = make_generation(kind=Generation.Kind.SYSTEM)
            now = timezone.now()
            BackupRun.objects.create(
                kind="system", status="succeeded", started_at=now, generation=generation
            )
            Drill.objects.create(generation=generation, status="passed", started_at=now)
            Restore.objects.create(
                generation=generation,
                pre_restore=generation,
                status="succeeded",
                requested_by="x",
                reason="y",
                started_at=now,
            )
            Event.objects.create(at=now, action="release", generation_name=generation.name)

    history(3)
    client.force_login(vendor_operator)
    client.get(INDEX)  # warm the caches (calendar, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(INDEX).status_code == 200
    history(27)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        page = client.get(INDEX).content.decode()
    assert page.count('<tr id="generation-') == 30
    assert len(many) == len(few)
    # session user, roles, calendar (2), recovery point, beat schedule, generations (2),
    # runs, drills, restores, events
    assert len(few) == 12, [q["sql"][:100] for q in few]


# --- 今すぐバックアップ ---------------------------------------------------------------------


def test_in_office_hours_the_reason_is_shown_and_nothing_starts_without_the_checkbox(
    client, backup_env, office_hours, vendor_operator, django_capture_on_commit_callbacks
):
    client.force_login(vendor_operator)
    assert "業務時間帯でも実行する" in client.get(INDEX).content.decode()
    with (
        mock.patch.object(tasks.backup_on_request, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(CREATE, {"kind": "manual"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "業務時間帯とその前後4時間" in page
    assert "「業務時間帯でも実行する」にチェックしてください" in page
    delay.assert_not_called()

    with (
        mock.patch.object(tasks.backup_on_request, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(CREATE, {"kind": "manual", "force_window": "on"}, follow=True)
    assert "バックアップを開始しました" in response.content.decode()
    delay.assert_called_once()
    args, kwargs = delay.call_args
    assert args == ("manual",)
    assert kwargs["force_window"] is True
    assert kwargs["requested_by"].startswith(vendor_operator.employee_number)


def test_in_the_window_a_manual_backup_starts_without_the_checkbox(
    client, backup_env, in_window, city_admin, django_capture_on_commit_callbacks
):
    client.force_login(city_admin)
    assert "業務時間帯でも実行する" not in client.get(INDEX).content.decode()
    with (
        mock.patch.object(tasks.backup_on_request, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(CREATE, {"kind": "manual"})
    assert response.status_code == 302
    delay.assert_called_once_with(
        "manual", requested_by=mock.ANY, label="", change_ref="", force_window=False
    )


def test_a_system_backup_needs_its_label_and_change_reference(
    client, backup_env, in_window, vendor_operator, django_capture_on_commit_callbacks
):
    client.force_login(vendor_operator)
    with (
        mock.patch.object(tasks.backup_on_request, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(CREATE, {"kind": "system", "label": "変更前", "change_ref": " "})
        assert response.status_code == 200
        assert "システムバックアップには変更番号が必要です。" in response.content.decode()
        delay.assert_not_called()
        response = client.post(
            CREATE, {"kind": "system", "label": "変更後", "change_ref": "CHG-2026-031"}
        )
    assert response.status_code == 302
    delay.assert_called_once_with(
        "system",
        requested_by=mock.ANY,
        label="変更後",
        change_ref="CHG-2026-031",
        force_window=False,
    )


# --- release ---------------------------------------------------------------------------


def test_a_system_backup_is_released_after_confirming(client, backup_env, vendor_operator):
    generation = make_generation(kind=Generation.Kind.SYSTEM, label="変更前", change_ref="C-1")
    (backup_env.BACKUP_DIR / generation.name).mkdir()
    url = reverse("backups:release", args=[generation.name])
    client.force_login(vendor_operator)
    confirm = client.get(url)
    assert confirm.status_code == 200 and "解放する" in confirm.content.decode()
    generation.refresh_from_db()
    assert generation.status == Generation.Status.VERIFIED  # GET changes nothing
    response = client.post(url, follow=True)
    assert "を解放しました" in response.content.decode()
    generation.refresh_from_db()
    assert generation.status == Generation.Status.RELEASED
    assert generation.removed_by.startswith(vendor_operator.employee_number)
    assert not (backup_env.BACKUP_DIR / generation.name).exists()
    assert Event.objects.filter(action="release", generation_name=generation.name).exists()


def test_a_nightly_generation_cannot_be_released(client, backup_env, city_admin):
    generation = make_generation(kind=Generation.Kind.NIGHTLY)
    client.force_login(city_admin)
    assert f"/backups/{generation.name}/release/" not in client.get(INDEX).content.decode()
    response = client.post(reverse("backups:release", args=[generation.name]), follow=True)
    assert "夜間・手動の世代は保存世代数で管理されます" in response.content.decode()
    generation.refresh_from_db()
    assert generation.status == Generation.Status.VERIFIED and generation.removed_at is None


# --- restore ---------------------------------------------------------------------------


def _key_file(age_keys):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = age_keys[0].read_bytes()
    return content, SimpleUploadedFile("identity.txt", content)


def _secret_line(content: bytes) -> str:
    return next(
        line for line in content.decode().splitlines() if line.startswith("AGE-SECRET-KEY-")
    )


def test_vendor_staff_cannot_open_or_post_a_restore(client, backup_env, vendor_operator):
    generation = make_generation()
    url = reverse("backups:restore", args=[generation.name])
    client.force_login(vendor_operator)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x", "confirm_name": generation.name}).status_code == 403


def test_the_restore_page_shows_what_happens_and_what_is_lost(client, backup_env, city_admin):
    generation = make_generation()
    client.force_login(city_admin)
    page = client.get(reverse("backups:restore", args=[generation.name])).content.decode()
    assert "より後に登録・更新・添付したデータはすべて失われます" in page
    assert "復元前バックアップを取ります" in page
    # No files in BACKUP_DIR for this row: the check says so, in red, and offers force.
    assert '<li class="ng">世代のディレクトリがありません。</li>' in page
    assert 'name="force"' in page


def test_a_wrong_confirmation_starts_nothing(
    client, backup_env, city_admin, age_keys, django_capture_on_commit_callbacks
):
    generation = make_generation()
    content, upload = _key_file(age_keys)
    client.force_login(city_admin)
    with (
        mock.patch.object(tasks.restore_on_request, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("backups:restore", args=[generation.name]),
            {
                "reason": "市の指示（課長）",
                "confirm_name": generation.name + "x",
                "identity": upload,
            },
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "世代名が一致しません" in page
    assert _secret_line(content) not in page
    delay.assert_not_called()


def test_a_file_that_is_not_an_age_key_is_refused(
    client, backup_env, city_admin, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    generation = make_generation()
    client.force_login(city_admin)
    for content in (b"hello\n", b"AGE-SECRET-KEY-1" + b"Q" * 11000):
        with (
            mock.patch.object(tasks.restore_on_request, "delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(
                reverse("backups:restore", args=[generation.name]),
                {
                    "reason": "市の指示",
                    "confirm_name": generation.name,
                    "identity": SimpleUploadedFile("k.txt", content),
                },
            )
        page = response.content.decode()
        assert "age の秘密鍵ファイルではありません" in page or "鍵ファイルが大きすぎます" in page
        delay.assert_not_called()


def test_a_confirmed_restore_hands_the_key_to_the_worker_through_the_cache_only(
    client, backup_env, city_admin, age_keys, django_capture_on_commit_callbacks
):
    generation = make_generation()
    content, upload = _key_file(age_keys)
    client.force_login(city_admin)
    with (
        mock.patch.object(tasks.restore_on_request, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("backups:restore", args=[generation.name]),
            {
                "reason": "市の指示（こども家庭支援課長）",
                "incident_number": "INC-2026-0042",
                "confirm_name": generation.name,
                "identity": upload,
                "force": "on",
            },
            follow=True,
        )
    page = response.content.decode()
    assert "の復元を開始しました" in page
    assert _secret_line(content) not in page
    delay.assert_called_once()
    (token,) = delay.call_args.args
    assert _secret_line(content) not in token
    payload = cache.get(tasks.restore_payload_key(token))
    assert payload == {
        "generation_id": generation.pk,
        "actor": payload["actor"],
        "reason": "市の指示（こども家庭支援課長）",
        "incident_number": "INC-2026-0042",
        "force": True,
        "key": content,
    }
    assert payload["actor"].startswith(city_admin.employee_number)

    # The worker takes the payload once; this generation has no files, so the restore is
    # refused before anything changes and the refusal is on the page.
    assert tasks.restore_on_request(token) is None
    assert cache.get(tasks.restore_payload_key(token)) is None
    refused = Event.objects.get(action="restore_refused")
    assert refused.generation_name == generation.name
    assert refused.actor == payload["actor"]
    assert _secret_line(content) not in refused.detail
    assert tasks.restore_on_request(token) is None
    assert Event.objects.filter(action="restore_refused").count() == 1
    page = client.get(INDEX).content.decode()
    assert "復元を中止" in page and _secret_line(content) not in page


def test_city_admin_reads_the_backup_ledger_in_admin_but_cannot_change_it(client, city_admin):
    client.force_login(city_admin)

    assert client.get("/admin/backups/generation/").status_code == 200
    assert client.get("/admin/backups/generation/add/").status_code == 403
