"""Back-office items (#8–#11, #23, #24, #28, #29, manual) against hand-built data."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from backups.models import BackupRun, Generation
from core.timeutil import JST
from helpdesk.models import WorkRequest
from ops.models.registry import Environment, Patch, Server, SoftwareItem, VirusDefinitionUpdate
from ops.models.routine import ParameterChange, RoutineOccurrence, RoutineOperation
from sla import computations as C
from sla.models import Evidence, Item, Policy

pytestmark = pytest.mark.django_db

MAY = (datetime(2026, 5, 1, tzinfo=JST), datetime(2026, 6, 1, tzinfo=JST))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def item(code, *, unit="percent", comparison="ge", target="100", **params):
    return Item(
        policy=Policy(profile="sendai", name="試験", version=1),
        number="9",
        name="試験項目",
        unit=unit,
        comparison=comparison,
        target_value=Decimal(target) if target is not None else None,
        measurement="computed",
        period="monthly",
        rule=code,
        rule_params=params,
    )


def compute(it, start=MAY[0], end=MAY[1]):
    return C.get(it.rule).compute(it, start, end)


@pytest.fixture(autouse=True)
def june():
    with time_machine.travel(at("2026-06-10 12:00"), tick=False):
        yield


# --- #8 batch processing time --------------------------------------------------------------


def run(start: str, minutes: int | None, status=BackupRun.Status.SUCCEEDED, kind="nightly"):
    began = at(start)
    return BackupRun.objects.create(
        kind=kind,
        status=status,
        started_at=began,
        finished_at=began + timedelta(minutes=minutes) if minutes is not None else None,
    )


def test_the_longest_nightly_run_is_judged_against_two_hours():
    run("2026-05-10 22:00", 45)
    run("2026-05-20 22:00", 95, status=BackupRun.Status.FAILED)
    run("2026-05-21 22:00", 0, status=BackupRun.Status.SKIPPED)
    run("2026-05-22 10:00", 300, kind="manual")  # a manual backup is not the nightly batch
    out = compute(item("batch_processing_time", unit="hours", comparison="le", target="2"))
    assert out.state == C.MET
    assert out.value == Decimal("1.583")
    assert out.in_scope == 2
    assert all(r.url == "/backups/" for r in out.rows)


def test_a_run_over_the_last_night_of_the_month_counts_its_full_length():
    run("2026-05-31 23:30", 150)  # finishes 6/1 02:00: 2.5 hours, May's run
    out = compute(item("batch_processing_time", unit="hours", comparison="le", target="2"))
    assert (out.state, out.value) == (C.MISSED, Decimal("2.500"))


def test_a_month_without_runs_has_no_events():
    out = compute(item("batch_processing_time", unit="hours", comparison="le", target="2"))
    assert out.state == C.NO_EVENTS


# --- #9 operations on schedule, #10 parameters current -------------------------------------


def occurrence(op, due: str, done: str | None = None, delivered: str | None = None):
    due_at = at(due)
    return RoutineOccurrence.objects.create(
        operation=op,
        rule_date=due_at.date(),
        due_date=due_at.date(),
        due_at=due_at,
        status="done" if done else "planned",
        done_at=at(done) if done else None,
        deliverable_delivered_at=at(delivered) if delivered else None,
    )


def test_operations_on_schedule_counts_what_was_due_in_the_month():
    op = RoutineOperation.objects.create(
        name="月次統計", category="statistics", frequency="monthly", day_of_month=5,
        due_time=time(17, 0), deliverable="統計表", valid_from=date(2026, 4, 1),
    )  # fmt: skip
    occurrence(op, "2026-05-07 17:00", done="2026-05-07 10:00", delivered="2026-05-07 11:00")
    late = occurrence(op, "2026-05-29 17:00", done="2026-05-29 16:00", delivered="2026-06-01 09:00")
    occurrence(op, "2026-06-05 17:00", done="2026-06-05 10:00", delivered="2026-06-05 10:00")
    out = compute(item("operations_on_schedule"))
    assert (out.state, out.value, out.in_scope) == (C.MISSED, Decimal("50.00"), 2)
    assert [r.url for r in out.rows] == [f"/ops/routine/occurrences/{late.pk}/"]


def test_parameters_applied_before_approval_are_the_exceptions(city_admin, vendor_operator):
    def change(n, approved, applied):
        return ParameterChange.objects.create(
            number=f"P8-{n:04d}", fiscal_year=2026, sequence=n, target_kind="setting",
            target="SESSION_IDLE", description="変更", requested_side="vendor",
            requested_by=vendor_operator, requested_at=at("2026-05-01 09:00"), status="applied",
            approved_by=city_admin if approved else None,
            approved_at=at(approved) if approved else None, applied_at=at(applied),
        )  # fmt: skip

    change(1, "2026-05-02 10:00", "2026-05-03 10:00")
    emergency = change(2, "2026-05-12 10:00", "2026-05-11 22:00")
    out = compute(item("parameters_current"))
    assert (out.state, out.value) == (C.MISSED, Decimal("50.00"))
    assert out.rows[0].url == f"/ops/routine/parameters/{emergency.pk}/"
    assert (
        compute(item("parameters_current"), *(at("2026-04-01 00:00"), at("2026-05-01 00:00"))).state
        == C.NO_EVENTS
    )


# --- #11 work requests -------------------------------------------------------------------


def test_work_requests_count_when_handled_overdue_or_unreviewed(city_admin):
    def wr(n, requested, status, **kw):
        return WorkRequest.objects.create(
            number=f"W8-{n:04d}", fiscal_year=2026, sequence=n, requested_at=at(requested),
            requester=city_admin, title="作業", content="内容", status=status, **kw,
        )  # fmt: skip

    wr(1, "2026-05-07 10:00", "completed", reviewed_at=at("2026-05-07 15:00"))
    wr(2, "2026-05-08 10:00", "rejected", reviewed_at=at("2026-05-08 15:00"))
    overdue = wr(3, "2026-05-11 10:00", "in_progress", reviewed_at=at("2026-05-11 15:00"),
                 desired_on=date(2026, 6, 1))  # fmt: skip
    wr(4, "2026-05-29 16:00", "approved", reviewed_at=at("2026-05-29 17:00"),
       desired_on=date(2026, 6, 30))  # fmt: skip
    out = compute(item("work_requests_handled"))
    assert out.in_scope == 3
    assert out.value == Decimal("66.66")
    assert out.state == C.MISSED
    assert [r.url for r in out.rows if r.ok is False] == [f"/helpdesk/work/{overdue.pk}/"]
    assert [what for what, _r in out.excluded] == ["W8-0004"]


# --- #23 / #24 backups -------------------------------------------------------------------


def _gen(day: date, hour=22):
    started = datetime(day.year, day.month, day.day, hour, 0, tzinfo=JST)
    return Generation.objects.create(
        name=f"{started:%Y%m%d-%H%M%S}-nightly", kind="nightly", started_at=started,
        finished_at=started + timedelta(minutes=1), status=Generation.Status.VERIFIED,
        db_bytes=1, media_bytes=1, db_sha256="0" * 64, media_sha256="0" * 64,
        manifest_sha256="0" * 64, server_version="15", dump_version="15", recipients="age1",
    )  # fmt: skip


def test_backups_and_recovery_point_over_golden_week():
    MigrationRecorder.Migration.objects.filter(app="backups").update(
        applied=datetime(2026, 4, 1, tzinfo=JST)
    )
    d = date(2026, 4, 25)
    while d < date(2026, 6, 1):
        if d not in (date(2026, 5, 5), date(2026, 5, 19)):
            _gen(d)
        d += timedelta(days=1)
    backups = compute(item("backups_as_planned"))
    assert backups.in_scope == 31
    assert backups.value == Decimal("93.54")  # 29 of 31 nights
    assert [r.label for r in backups.rows] == ["2026/05/05 の夜", "2026/05/19 の夜"]

    point = compute(item("recovery_point"))
    # 18 business days; the night of 5/5 (a holiday) is not needed, 5/19's is (for 5/20).
    assert point.in_scope == 18
    assert [r.label for r in point.rows] == ["2026/05/20 始業時"]


# --- #28 / #29 security ------------------------------------------------------------------


def test_virus_definitions_and_patches_applied_within_their_days():
    env = Environment.objects.create(code="sla-test", name="本番", kind="production")
    server = Server.objects.create(environment=env, name="ap1")
    VirusDefinitionUpdate.objects.create(
        server=server, definition_version="v1", released_on=date(2026, 5, 1),
        applied_on=date(2026, 5, 3),
    )  # fmt: skip
    late = VirusDefinitionUpdate.objects.create(
        server=server, definition_version="v2", released_on=date(2026, 5, 10),
        applied_on=date(2026, 5, 20),
    )  # fmt: skip
    virus = compute(item("virus_definitions_on_time", unit="days", comparison="le", target="7"))
    assert virus.state == C.MISSED
    assert virus.value_text == "7日以内 1/2件"
    assert virus.rows[0].url == f"/ops/registry/virus/{late.pk}/edit/"

    software = SoftwareItem.objects.create(name="PostgreSQL", category="middleware")
    Patch.objects.create(
        software=software, identifier="DSA-1", title="修正", released_on=date(2026, 4, 10),
        applied_on=date(2026, 5, 1),
    )  # fmt: skip
    Patch.objects.create(
        software=software, identifier="DSA-2", title="修正", released_on=date(2026, 4, 20),
        decision="not_applicable", decision_reason="該当機能を使っていない",
    )  # fmt: skip
    patches = compute(item("patches_on_time"))
    assert (patches.state, patches.value, patches.in_scope) == (C.MET, Decimal("100.00"), 2)


# --- manual items --------------------------------------------------------------------------


def test_a_manual_item_is_pending_until_evidence_is_confirmed(city_admin):
    policy = Policy.objects.create(
        profile="sendai", name="仙台市 SLA", contract_start=date(2024, 4, 1),
        contract_end=date(2029, 3, 31), version=1, effective_from=date(2024, 4, 1),
    )  # fmt: skip
    manual = Item.objects.create(
        policy=policy, number="2", name="バッチ稼働", unit="text", measurement="manual",
        period="monthly", rule="manual",
    )  # fmt: skip
    assert compute(manual).state == C.PENDING
    Evidence.objects.create(
        item=manual, period_start=date(2026, 5, 1), period_end=date(2026, 5, 31), met=False,
        note="夜間バッチを停止した日があった", confirmed_by=city_admin,
        confirmed_at=timezone.now(),
    )  # fmt: skip
    out = compute(manual)
    assert out.state == C.MISSED
    assert city_admin.name in out.rows[0].label
    assert compute(manual, at("2026-04-01 00:00"), at("2026-05-01 00:00")).state == C.PENDING
