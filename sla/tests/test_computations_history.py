"""#27 operation history: the change ledger against the history rows, table by table."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from incidents.models import Problem
from sla import computations as C
from sla.computations.history import change_ledger_compact, change_ledger_status, tracked_tables
from sla.models import ChangeLedgerDay, ChangeLedgerEntry, Item, Policy

pytestmark = pytest.mark.django_db


def item(**params):
    return Item(
        policy=Policy(profile="sendai", name="試験", version=1),
        number="27",
        name="操作履歴",
        unit="percent",
        comparison="ge",
        target_value=Decimal(100),
        measurement="computed",
        period="monthly",
        rule="operation_history",
        rule_params=params,
    )


def compute(it=None):
    # The ledger is stamped by the database clock, history by Django's: no frozen time here.
    now = timezone.now()
    return C.get("operation_history").compute(
        it or item(), now - timedelta(hours=1), now + timedelta(hours=1)
    )


def row_of(out, table):
    return next(r for r in out.rows if r.label == table)


def test_the_migrated_test_database_has_the_triggers_on_every_table_with_history():
    status = change_ledger_status()
    assert "incidents_incident" in status and "cases_consultation" in status
    assert "sla_changeledgerentry" not in status  # the ledger itself keeps no history
    assert set(status.values()) == {3}
    assert set(status) == set(tracked_tables())


def test_changes_through_the_orm_are_fully_covered():
    problem = Problem.objects.create(title="メモリ不足")
    problem.status = Problem.Status.FIXING
    problem.save()
    Problem.objects.filter(pk=problem.pk).delete()  # post_delete records history too

    out = compute()

    assert (out.state, out.value) == (C.MET, Decimal("100.00"))
    assert row_of(out, "incidents_problem").ok is True
    assert "追加1・更新1・削除1" in row_of(out, "incidents_problem").value


def test_a_queryset_update_without_history_is_detected():
    Problem.objects.create(title="ディスク逼迫")
    Problem.objects.create(title="証明書期限")
    Problem.objects.all().update(status=Problem.Status.RESOLVED)  # 2 rows, no history

    out = compute()

    assert out.state == C.MISSED
    assert out.value == Decimal("50.00")  # 2 inserts with history, 2 updates without
    problem = row_of(out, "incidents_problem")
    assert problem.ok is False
    assert problem.note == "履歴のない変更あり"
    assert out.rows[0] is problem  # tables with gaps come first


def test_bulk_writes_count_rows_and_bulk_with_history_is_covered():
    Problem.objects.bulk_create([Problem(title=f"一括{i}") for i in range(5)])
    assert compute().value == Decimal("0.00")
    bulk_create_with_history([Problem(title=f"履歴付き{i}") for i in range(5)], Problem)
    assert compute().value == Decimal("50.00")
    assert ChangeLedgerEntry.objects.filter(table_name="incidents_problem").count() == 2


def test_compacted_days_are_read_like_the_raw_entries():
    Problem.objects.create(title="A")
    Problem.objects.all().update(title="B")
    before = compute()
    change_ledger_compact(before=timezone.localdate() + timedelta(days=1))
    assert not ChangeLedgerEntry.objects.exists()
    assert ChangeLedgerDay.objects.filter(table_name="incidents_problem").exists()
    now = timezone.now()
    day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    after = C.get("operation_history").compute(item(), day, day + timedelta(days=1))
    assert (
        (after.value, after.state) == (before.value, before.state) == (Decimal("50.00"), C.MISSED)
    )


def test_a_table_without_its_triggers_cannot_be_measured_and_the_command_repairs_it():
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER sla_ledger_update ON incidents_problem")
    out = compute()
    assert out.state == C.DATA_MISSING
    assert row_of(out, "incidents_problem").value == "変更台帳のトリガーなし"

    call_command("sla_install_change_ledger", verbosity=0)
    assert change_ledger_status()["incidents_problem"] == 3
    assert compute().state == C.NO_EVENTS


def test_known_outside_writes_can_be_excluded_with_their_reason():
    Problem.objects.create(title="A")
    Problem.objects.all().update(title="B")
    out = compute(item(ignore_tables={"incidents_problem": "移行時の一括補正（承認済み）"}))
    assert out.state == C.NO_EVENTS
    assert out.excluded == [("incidents_problem", "移行時の一括補正（承認済み）")]
