"""Virus definitions and patches: due dates, the warnings, SLA #28/#29, and bad input."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from ops.models.registry import (
    Environment,
    MalwareDetection,
    Patch,
    RegistryWarning,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.selectors import registry as selectors
from ops.services import registry as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def production():
    env, _ = Environment.objects.get_or_create(
        code="production", defaults={"name": "本番", "kind": "production"}
    )
    return env


@pytest.fixture
def server(production):
    return Server.objects.create(environment=production, name="ap01", role="AP")


@pytest.fixture
def software():
    return SoftwareItem.objects.create(name="Django", category="library", vendor="DSF")


@pytest.fixture
def at(time_machine):
    """Freeze the clock at 10:00 JST on a day."""

    def travel(day: date):
        time_machine.move_to(f"{day:%Y-%m-%d} 10:00 +0900", tick=False)
        return day

    return travel


def virus(server, version, released, applied=None):
    return services.virus_definition_create(
        server=server, definition_version=version, released_on=released, applied_on=applied
    )


def patch(software, identifier, released, **extra):
    return services.patch_create(
        software=software,
        identifier=identifier,
        title=f"{identifier} の修正",
        released_on=released,
        **extra,
    )


# --- due dates ------------------------------------------------------------------------------


def test_definitions_are_due_7_days_and_patches_30_days_after_release(at, server, software):
    at(date(2026, 11, 10))
    definition = virus(server, "2026.11.01", date(2026, 11, 1))
    fix = patch(software, "DSA-1", date(2026, 11, 1))
    assert definition.due_on == date(2026, 11, 8)
    assert fix.due_on == date(2026, 12, 1)


def test_due_items_list_what_is_due_within_3_days_and_what_is_overdue(at, server, software):
    today = at(date(2026, 11, 20))
    soon = virus(server, "v-soon", today - timedelta(days=5))  # due in 2 days
    overdue = virus(server, "v-late", today - timedelta(days=9))  # due 2 days ago
    virus(server, "v-later", today - timedelta(days=2))  # due in 5 days: not yet
    due_today = patch(software, "P-today", today - timedelta(days=30))
    patch(
        software,
        "P-na",
        today - timedelta(days=40),
        decision="not_applicable",
        decision_reason="該当機能を使っていない",
    )
    patch_soon = patch(software, "P-soon", today - timedelta(days=28))

    items = {(i.kind, i.object_id): i for i in selectors.due_items()}

    assert set(items) == {
        ("virus_definition", soon.pk),
        ("virus_definition", overdue.pk),
        ("patch", due_today.pk),
        ("patch", patch_soon.pk),
    }
    assert items["virus_definition", soon.pk].state == "soon"
    assert items["virus_definition", overdue.pk].state == "overdue"
    assert items["patch", due_today.pk].state == "today"
    assert items["patch", patch_soon.pk].state == "soon"
    assert items["patch", patch_soon.pk].level == "before"
    assert items["patch", due_today.pk].level == "due"


def test_applying_a_newer_definition_brings_the_server_past_the_older_open_ones(at, server):
    at(date(2026, 11, 20))
    older = virus(server, "v1", date(2026, 11, 10))
    newer = virus(server, "v2", date(2026, 11, 12), applied=date(2026, 11, 13))
    older.refresh_from_db()
    assert older.applied_on == date(2026, 11, 13)
    assert older.covered_by == newer
    assert older.history.count() == 2


# --- warnings -------------------------------------------------------------------------------


@pytest.fixture
def staff(make_user, city_admin):
    from accounts import roles

    return [
        make_user(roles.VENDOR_OPERATOR, email="op@vendor.example.jp"),
        make_user(roles.VENDOR_MANAGER, email="mgr@vendor.example.jp"),
    ]


def test_a_patch_is_warned_3_days_before_and_on_its_due_date_once_each(at, staff, software):
    at(date(2026, 11, 1))
    fix = patch(software, "DSA-9", date(2026, 11, 1))  # due 12/01

    at(date(2026, 11, 27))  # 4 days before: nothing yet
    assert services.due_warnings_send() == 0

    at(date(2026, 11, 28))  # 3 days before
    assert services.due_warnings_send() == 1
    assert services.due_warnings_send() == 0  # the job ran twice
    assert len(mail.outbox) == 1
    assert "期限間近" in mail.outbox[0].subject and "DSA-9" in mail.outbox[0].subject
    assert sorted(mail.outbox[0].to) == ["mgr@vendor.example.jp", "op@vendor.example.jp"]

    at(date(2026, 11, 30))
    assert services.due_warnings_send() == 0  # "before" was sent already

    at(date(2026, 12, 1))  # the due date
    assert services.due_warnings_send() == 1
    assert "期限到来" in mail.outbox[1].subject
    at(date(2026, 12, 5))
    assert services.due_warnings_send() == 0  # overdue, but "at due" was sent already
    assert list(
        RegistryWarning.objects.filter(object_id=fix.pk).values_list("level", flat=True)
    ) == ["before", "due"]


def test_a_definition_first_seen_overdue_gets_only_the_due_warning(at, staff, server):
    at(date(2026, 11, 20))
    virus(server, "v-old", date(2026, 11, 1))  # due 11/08
    assert services.due_warnings_send() == 1
    assert "期限超過" in mail.outbox[0].subject
    assert RegistryWarning.objects.get().level == "due"


def test_applied_or_not_applicable_items_are_not_warned(at, staff, server, software):
    at(date(2026, 11, 20))
    virus(server, "v", date(2026, 11, 1), applied=date(2026, 11, 2))
    patch(
        software,
        "P",
        date(2026, 10, 1),
        decision="not_applicable",
        decision_reason="対象外の機能",
    )
    assert services.due_warnings_send() == 0
    assert mail.outbox == []


def test_a_licence_is_warned_from_its_own_warning_days(at, staff):
    at(date(2026, 11, 1))
    licence = services.licence_create(
        name="DB ライセンス", count=2, holder="市", expires_on=date(2026, 11, 30), warn_days=30
    )
    items = selectors.due_items()
    assert [(i.kind, i.object_id, i.state) for i in items] == [("licence", licence.pk, "soon")]
    assert services.due_warnings_send() == 1
    assert "ライセンス" in mail.outbox[0].subject


def test_the_daily_warning_job_is_scheduled_at_8_jst():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("ops.migrations.0002_registry")
    migration.defaults(apps, None)
    migration.defaults(apps, None)  # idempotent
    task = PeriodicTask.objects.get(task="ops.tasks.registry.send_due_warnings")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "8",
        "0",
        "Asia/Tokyo",
    )
    from ops.tasks.registry import registry_send_due_warnings

    assert registry_send_due_warnings.name == "ops.tasks.registry.send_due_warnings"


# --- SLA #28 / #29 --------------------------------------------------------------------------


@pytest.fixture
def november(at, server, production):
    """Definitions around November 2026, entered on 1 December, on two servers (applying a
    newer definition also completes the older open ones of its server)."""
    at(date(2026, 12, 1))
    db01 = Server.objects.create(environment=production, name="db01", role="DB")
    virus(server, "A", date(2026, 10, 28), applied=date(2026, 11, 3))  # due 11/04: met
    b = virus(server, "B", date(2026, 10, 30))  # due 11/06
    services.virus_definition_update(
        update=b, expected_version=b.version, applied_on=date(2026, 11, 8)
    )  # late: missed
    virus(server, "E", date(2026, 10, 20), applied=date(2026, 10, 21))  # due 10/27: October's
    virus(server, "F", date(2026, 11, 23), applied=date(2026, 11, 30))  # due 11/30: met
    virus(db01, "C", date(2026, 11, 20))  # due 11/27, still open: missed
    virus(db01, "D", date(2026, 11, 25))  # due 12/02: December's


def test_virus_definitions_on_time_for_a_month(november):
    result = selectors.virus_definitions_on_time(date(2026, 11, 1), date(2026, 11, 30))
    assert (result.counted, result.met) == (4, 2)
    assert result.rate == 50.0
    assert [r.definition_version for r in result.missed] == ["B", "C"]


def test_an_open_definition_not_yet_due_is_not_counted_while_the_month_runs(at, server):
    at(date(2026, 11, 25))
    virus(server, "open", date(2026, 11, 20))  # due 11/27
    result = selectors.virus_definitions_on_time(date(2026, 11, 1), date(2026, 11, 30))
    assert (result.counted, result.met, result.rate) == (0, 0, None)
    at(date(2026, 12, 1))
    result = selectors.virus_definitions_on_time(date(2026, 11, 1), date(2026, 11, 30))
    assert (result.counted, result.met, result.rate) == (1, 0, 0.0)


def test_patches_on_time_for_a_month(at, software):
    at(date(2026, 12, 1))
    patch(
        software,
        "P1",
        date(2026, 10, 5),
        verified_on=date(2026, 10, 20),
        verification_result="ok",
        applied_on=date(2026, 11, 1),
    )  # due 11/04: met
    patch(
        software,
        "P2",
        date(2026, 10, 10),
        decision="not_applicable",
        decision_reason="該当するパッケージを使っていない",
    )  # due 11/09: met (不適用 with a reason)
    patch(
        software,
        "P3",
        date(2026, 10, 15),
        verified_on=date(2026, 11, 10),
        verification_result="ok",
        applied_on=date(2026, 11, 20),
    )  # due 11/14: late
    patch(software, "P4", date(2026, 10, 25), decision="hold")  # due 11/24, open: missed
    patch(software, "P5", date(2026, 11, 5))  # due 12/05: December's

    result = selectors.patches_on_time(date(2026, 11, 1), date(2026, 11, 30))

    assert (result.counted, result.met) == (4, 2)
    assert result.rate == 50.0
    assert [p.identifier for p in result.missed] == ["P3", "P4"]
    empty = selectors.patches_on_time(date(2026, 6, 1), date(2026, 6, 30))
    assert (empty.counted, empty.rate, empty.missed) == (0, None, [])


# --- bad input: nothing saved ---------------------------------------------------------------


def _errors(excinfo) -> dict:
    return {k: " ".join(v) for k, v in excinfo.value.message_dict.items()}


def test_a_patch_applied_before_its_release_is_refused(at, software):
    at(date(2026, 11, 20))
    with pytest.raises(ValidationError) as excinfo:
        patch(
            software,
            "P",
            date(2026, 11, 10),
            verified_on=date(2026, 11, 10),
            verification_result="ok",
            applied_on=date(2026, 11, 9),
        )
    assert "公開日（2026/11/10）より前" in _errors(excinfo)["applied_on"]
    assert Patch.objects.count() == 0


def test_applying_in_production_before_a_recorded_verification_needs_a_reason(at, software):
    at(date(2026, 11, 20))
    with pytest.raises(ValidationError) as excinfo:
        patch(software, "P", date(2026, 11, 10), applied_on=date(2026, 11, 12))
    assert "検証前に適用した理由" in _errors(excinfo)["unverified_reason"]
    with pytest.raises(ValidationError) as excinfo:  # verified only after applying
        patch(
            software,
            "P",
            date(2026, 11, 10),
            verified_on=date(2026, 11, 14),
            verification_result="ok",
            applied_on=date(2026, 11, 12),
        )
    assert "unverified_reason" in excinfo.value.message_dict
    assert Patch.objects.count() == 0

    urgent = patch(
        software,
        "P",
        date(2026, 11, 10),
        applied_on=date(2026, 11, 10),
        unverified_reason="緊急の脆弱性のため市の指示で即日適用",
    )
    assert urgent.decision == Patch.Decision.APPLY


def test_not_applicable_without_a_reason_is_refused(at, software):
    at(date(2026, 11, 20))
    with pytest.raises(ValidationError) as excinfo:
        patch(software, "P", date(2026, 11, 10), decision="not_applicable", decision_reason=" ")
    assert "理由を入力" in _errors(excinfo)["decision_reason"]
    assert Patch.objects.count() == 0


def test_a_refused_edit_leaves_the_patch_as_it_was(at, software):
    at(date(2026, 11, 20))
    fix = patch(software, "P", date(2026, 11, 10))
    with pytest.raises(ValidationError):
        services.patch_update(patch=fix, expected_version=fix.version, applied_on=date(2026, 11, 1))
    fix.refresh_from_db()
    assert (fix.applied_on, fix.version, fix.history.count()) == (None, 1, 1)


def test_a_definition_applied_before_its_release_is_refused(at, server):
    at(date(2026, 11, 20))
    with pytest.raises(ValidationError) as excinfo:
        virus(server, "v", date(2026, 11, 10), applied=date(2026, 11, 9))
    assert "公開日（2026/11/10）より前" in _errors(excinfo)["applied_on"]
    assert VirusDefinitionUpdate.objects.count() == 0


def test_a_detection_keeps_the_incident_number_as_text_and_checks_its_shape(at, server):
    at(date(2026, 11, 20))
    from django.utils import timezone

    with pytest.raises(ValidationError) as excinfo:
        services.malware_detection_create(
            server=server, detected_at=timezone.now(), name="EICAR", incident_number="12345"
        )
    assert "障害番号の形式" in _errors(excinfo)["incident_number"]
    assert MalwareDetection.objects.count() == 0
    detection = services.malware_detection_create(
        server=server, detected_at=timezone.now(), name="EICAR", incident_number="ｉ８－０００３"
    )
    assert detection.incident_number == "I8-0003"
