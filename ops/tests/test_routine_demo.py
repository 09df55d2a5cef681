"""The routine demo seed: the usual operations, a month of records, idempotent."""

import io

import pytest

from accounts import roles
from ops import demo_routine
from ops.models import ParameterChange, RoutineOccurrence, RoutineOperation, TrainingSession

pytestmark = pytest.mark.django_db


def test_the_demo_seed_fills_the_calendar_once(make_user, time_machine):
    time_machine.move_to("2026-11-16 10:00 +0900")
    make_user(roles.CITY_ADMIN, employee_number="900006")
    make_user(roles.VENDOR_OPERATOR, employee_number="900007")
    make_user(roles.VENDOR_MANAGER, employee_number="900008")
    make_user(roles.CASEWORKER)
    out = io.StringIO()

    demo_routine.seed(stdout=out)
    counts = (
        RoutineOperation.objects.count(),
        RoutineOccurrence.objects.count(),
        ParameterChange.objects.count(),
        TrainingSession.objects.count(),
    )
    demo_routine.seed(stdout=out)
    demo_routine.seed()

    assert counts[0] == len(demo_routine.OPERATIONS) and counts[2:] == (3, 2)
    assert counts == (
        RoutineOperation.objects.count(),
        RoutineOccurrence.objects.count(),
        ParameterChange.objects.count(),
        TrainingSession.objects.count(),
    )
    names = set(RoutineOperation.objects.values_list("name", flat=True))
    assert {"統計情報収集", "バックアップ確認", "死活監視確認", "運用・保守定例報告会議"} <= names
    assert {"FAQ 配信", "システム統計情報（月次）", "4月人事異動反映", "異動時研修"} <= names
    statuses = set(RoutineOccurrence.objects.values_list("status", flat=True))
    assert {"done", "late", "missed", "planned"} <= statuses
    assert "既存のデータがあるため追加しません" in out.getvalue()
