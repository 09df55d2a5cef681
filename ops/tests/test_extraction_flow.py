"""The life of an extraction request: approval by another city admin, the job (run as
the requester, idempotent), the file, downloads logged per case, and expiry."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from accounts import roles
from accounts.models import Assignment
from core.concurrency import ConflictError
from core.models import AccessLog, OutboxMessage
from core.timeutil import now_jst
from ops.models import ExtractionDownload, ExtractionRequest
from ops.services import extraction as services
from ops.tasks.extraction import extraction_expire, extraction_run

Status = ExtractionRequest.Status
LIST = "cases.consultation_list"
PROGRESS = "cases.case_progress"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def period():
    today = now_jst().date()
    return {
        "received_from": (today - timedelta(days=1)).isoformat(),
        "received_to": (today + timedelta(days=1)).isoformat(),
    }


def new_request(user, code=LIST, params=None, **kwargs):
    return services.extraction_request_create(
        requester=user,
        definition_code=code,
        parameters=params if params is not None else period(),
        columns=kwargs.pop("columns", None),
        output_format=kwargs.pop("output_format", "xlsx"),
        purpose="虐待相談の受付状況を確認するため",
    )


def approve(extraction, admin):
    return services.extraction_request_approve(
        extraction=extraction, approver=admin, expected_version=extraction.version
    )


def start(extraction, vendor):
    return services.extraction_run_start(
        extraction=extraction, operator=vendor, expected_version=extraction.version
    )


def done(world, user=None, **kwargs):
    """A request by the section-one supervisor, approved, run to completion."""
    extraction = new_request(user or world.city.sv1, **kwargs)
    extraction = start(approve(extraction, world.city_admin), world.vendor)
    return services.extraction_execute(request_id=extraction.pk)


def more_cases(world, n):
    """Copies of case 1 (section one) under new numbers; ops tests may not import cases."""
    model = type(world.case1)
    for i in range(n):
        copy = model.objects.get(pk=world.case1.pk)
        copy.pk = copy.id = None
        copy.sequence = 80_000 + i
        copy.number = f"{copy.fiscal_year}-{copy.sequence:05d}"
        copy.save()


def http(user, ip="10.0.0.5"):
    req = RequestFactory().get("/ops/extracts/", REMOTE_ADDR=ip)
    req.user = user
    return req


# --- approval ----------------------------------------------------------------------------


def test_a_city_admin_may_not_approve_their_own_request_but_another_may(world, make_user):
    both = make_user(roles.CITY_ADMIN, roles.SUPERVISOR)
    Assignment.objects.create(
        user=both,
        org_unit=world.city.sec1,
        position="係長",
        valid_from=world.city.center.valid_from,
    )
    extraction = new_request(both)
    with pytest.raises(ValidationError, match="自分が依頼した"):
        approve(extraction, both)
    extraction.refresh_from_db()
    assert extraction.status == Status.REQUESTED and extraction.decided_by is None

    approved = approve(extraction, world.city_admin)
    assert (approved.status, approved.decided_by) == (Status.APPROVED, world.city_admin)
    assert approved.history.count() == 2


def test_only_city_admins_approve_and_vendors_cannot(world):
    extraction = new_request(world.city.sv1)
    for user in (world.vendor, world.city.director, world.city.sv2):
        with pytest.raises(PermissionDenied):
            approve(extraction, user)
    assert ExtractionRequest.objects.get().status == Status.REQUESTED


def test_a_rejection_needs_a_reason_and_a_decided_request_is_final(world, make_user):
    extraction = new_request(world.city.sv1)
    with pytest.raises(ValidationError) as no_reason:
        services.extraction_request_reject(
            extraction=extraction, approver=world.city_admin, expected_version=1, reason=" "
        )
    assert "理由" in " ".join(no_reason.value.message_dict["reason"])
    rejected = services.extraction_request_reject(
        extraction=extraction, approver=world.city_admin, expected_version=1, reason="目的が不明確"
    )
    assert rejected.status == Status.REJECTED
    other_admin = make_user(roles.CITY_ADMIN)
    with pytest.raises(ValidationError, match="却下"):
        approve(rejected, other_admin)
    with pytest.raises(ValidationError, match="実行できません"):
        start(rejected, world.vendor)


def test_a_decision_on_a_request_another_admin_just_decided_is_refused(world, make_user):
    extraction = new_request(world.city.sv1)
    approve(extraction, world.city_admin)  # both admins opened the page at version 1
    with pytest.raises(ValidationError, match="承認済"):
        services.extraction_request_reject(
            extraction=extraction,
            approver=make_user(roles.CITY_ADMIN),
            expected_version=1,
            reason="重複",
        )
    assert ExtractionRequest.objects.get().status == Status.APPROVED


def test_a_run_on_an_old_version_is_refused(world, make_user):
    extraction = approve(new_request(world.city.sv1), world.city_admin)
    with pytest.raises(ConflictError):
        services.extraction_run_start(
            extraction=extraction, operator=world.vendor, expected_version=1
        )
    assert not OutboxMessage.objects.filter(task_name="ops.extraction_run").exists()


def test_vendor_cannot_run_before_approval(world):
    extraction = new_request(world.city.sv1)
    with pytest.raises(ValidationError, match="承認待ち"):
        start(extraction, world.vendor)
    with pytest.raises(PermissionDenied):
        start(approve(extraction, world.city_admin), world.city_admin)


# --- the job -----------------------------------------------------------------------------


def test_run_enqueues_the_job_and_the_task_writes_a_japanese_workbook(world, media):
    extraction = start(approve(new_request(world.city.sv1), world.city_admin), world.vendor)
    message = OutboxMessage.objects.get(task_name="ops.extraction_run")
    assert message.args == [extraction.pk]
    assert extraction.status == Status.QUEUED

    # Eagerly, in this process (apply() would fire config.celery's connection-closing
    # signals inside the test transaction).
    assert extraction_run(*message.args) == Status.SUCCEEDED

    extraction.refresh_from_db()
    assert extraction.status == Status.SUCCEEDED, extraction.error
    assert (extraction.row_count, extraction.object_count) == (1, 1)
    assert extraction.object_ids == [world.case1.pk]
    path = Path(media) / extraction.file.name
    assert path.parent == Path(media) / "extracts" and len(path.stem) >= 30
    sheet = load_workbook(path, read_only=True)["抽出結果"]
    header, *data = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("受付番号", "受付日時", "受付方法")
    assert data[0][0] == world.case1.number
    assert extraction.expires_at == extraction.finished_at + timedelta(days=7)


def test_the_job_is_idempotent(world, media):
    extraction = done(world)
    first = (extraction.file.name, extraction.version, extraction.finished_at)
    again = services.extraction_execute(request_id=extraction.pk)
    extraction_run(extraction.pk)
    extraction.refresh_from_db()
    assert again.status == Status.SUCCEEDED
    assert (extraction.file.name, extraction.version, extraction.finished_at) == first
    assert len(list((Path(media) / "extracts").iterdir())) == 1
    # Not queued (requested, approved): nothing happens.
    pending = new_request(world.city.sv1)
    assert services.extraction_execute(request_id=pending.pk).status == Status.REQUESTED
    assert services.extraction_execute(request_id=999_999) is None


def test_the_job_runs_as_the_requester_and_refuses_when_a_named_case_left_their_scope(world, media):
    extraction = new_request(world.city.sv1, PROGRESS, {"numbers": world.case1.number})
    extraction = start(approve(extraction, world.city_admin), world.vendor)
    # April transfer: the supervisor moves to section two before the vendor's job runs.
    Assignment.objects.filter(user=world.city.sv1).update(org_unit=world.city.sec2)

    failed = services.extraction_execute(request_id=extraction.pk)

    assert failed.status == Status.FAILED
    assert failed.failure_kind == ExtractionRequest.FailureKind.REFUSED
    assert world.case1.number in failed.error
    assert not failed.file and not list((Path(media) / "extracts").glob("*"))


def test_csv_is_utf8_with_bom_and_formula_cells_are_neutralised(world, media):
    case = world.case1
    case.main_concern = '=HYPERLINK("http://example.invalid")'
    case.save()
    case.child.name = "試験 計算式"
    case.child.save()
    extraction = done(world, output_format="csv", columns=["number", "child_name", "main_concern"])
    raw = (Path(media) / extraction.file.name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["受付番号", "児童氏名", "主訴"]
    concerns = {row[1]: row[2] for row in table[1:]}
    assert concerns["試験 計算式"] == '\'=HYPERLINK("http://example.invalid")'


def test_a_failed_run_can_be_run_again(world, media):
    extraction = new_request(world.city.sv1, PROGRESS, {"numbers": world.case1.number})
    extraction = start(approve(extraction, world.city_admin), world.vendor)
    Assignment.objects.filter(user=world.city.sv1).update(org_unit=world.city.sec2)
    failed = services.extraction_execute(request_id=extraction.pk)
    Assignment.objects.filter(user=world.city.sv1).update(org_unit=world.city.sec1)
    rerun = start(failed, world.vendor)
    assert rerun.status == Status.QUEUED and rerun.error == ""
    assert services.extraction_execute(request_id=rerun.pk).status == Status.SUCCEEDED


# --- downloads ---------------------------------------------------------------------------


def test_a_download_logs_a_read_of_every_case_in_the_file(world):
    more_cases(world, 3)
    extraction = done(world)
    assert extraction.object_count == 4

    download = services.extraction_download(
        extraction=extraction, user=world.city.sv1, request=http(world.city.sv1)
    )

    assert download.path.is_file() and download.filename.endswith(".xlsx")
    logs = AccessLog.objects.filter(action="export", object_type="consultation")
    assert logs.count() == 4
    assert set(logs.values_list("object_id", flat=True)) == {
        str(pk) for pk in extraction.object_ids
    }
    assert set(logs.values_list("user_id", "ip")) == {(world.city.sv1.pk, "10.0.0.5")}
    assert ExtractionDownload.objects.get().object_count == 4


def test_vendor_staff_cannot_download_and_nothing_is_logged(world):
    extraction = done(world)
    with pytest.raises(PermissionDenied, match="事業者"):
        services.extraction_download(
            extraction=extraction, user=world.vendor, request=http(world.vendor)
        )
    assert not AccessLog.objects.filter(action="export").exists()
    assert not ExtractionDownload.objects.exists()


def test_only_the_requester_or_a_city_admin_who_may_read_the_cases_downloads(world):
    extraction = done(world)
    with pytest.raises(PermissionDenied, match="依頼者と市の管理者"):
        services.extraction_download(
            extraction=extraction, user=world.city.director, request=http(world.city.director)
        )
    # A city admin without a case role never reads case data (cases.access), here too.
    with pytest.raises(PermissionDenied, match=world.case1.number):
        services.extraction_download(
            extraction=extraction, user=world.city_admin, request=http(world.city_admin)
        )
    assert not AccessLog.objects.filter(action="export").exists()


def test_a_requester_who_lost_access_to_a_case_in_the_file_cannot_download_it(world):
    extraction = done(world)
    Assignment.objects.filter(user=world.city.sv1).update(org_unit=world.city.sec2)
    with pytest.raises(PermissionDenied, match=world.case1.number):
        services.extraction_download(
            extraction=extraction, user=world.city.sv1, request=http(world.city.sv1)
        )
    assert not AccessLog.objects.filter(action="export").exists()


# --- expiry ------------------------------------------------------------------------------


def test_files_expire_after_seven_days_and_are_deleted(world, media, time_machine):
    time_machine.move_to(timezone.now())
    extraction = done(world)
    path = Path(media) / extraction.file.name
    time_machine.shift(timedelta(days=6, hours=23))
    assert services.extraction_expire_due() == 0
    assert path.exists()

    time_machine.shift(timedelta(hours=1, minutes=1))
    assert services.extraction_expire_due() == 1  # the file goes at commit (next test)
    extraction.refresh_from_db()
    assert extraction.status == Status.EXPIRED and extraction.expired_at
    assert not extraction.file
    with pytest.raises(PermissionDenied, match="期限"):
        services.extraction_download(
            extraction=extraction, user=world.city.sv1, request=http(world.city.sv1)
        )


def test_expiry_deletes_the_file_after_commit(world, media, django_capture_on_commit_callbacks):
    extraction = done(world)
    path = Path(media) / extraction.file.name
    later = extraction.expires_at + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.extraction_expire_due(now=later) == 1
    assert not path.exists()
    assert services.extraction_expire_due(now=later) == 0  # idempotent
    assert ExtractionRequest.objects.get().status == Status.EXPIRED


def test_the_expiry_is_a_setting(world, settings):
    settings.OPS_EXTRACT_EXPIRY_DAYS = 2
    extraction = done(world)
    assert extraction.expires_at - extraction.finished_at == timedelta(days=2)


def test_the_beat_schedule_deletes_expired_files_hourly_and_keeps_an_admins_edit(db):
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("ops.migrations.0004_extraction")
    PeriodicTask.objects.filter(task="ops.extraction_expire").delete()  # a flushed test database
    migration.schedules(apps, None)
    PeriodicTask.objects.filter(task="ops.extraction_expire").update(enabled=False)
    migration.schedules(apps, None)  # a later deploy

    task = PeriodicTask.objects.get(task="ops.extraction_expire")
    assert not task.enabled  # the admin's edit stands
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == (
        "15",
        "*",
        "Asia/Tokyo",
    )
    assert extraction_expire() == 0
