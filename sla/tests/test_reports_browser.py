"""Chromium journey: a vendor operator opens the SLA dashboard, drills into the missed item
and follows its records to where they live."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from core.timeutil import JST, now_jst
from sla.tests.reports_support import batch_item, make_policy, manual_item, nightly_run
from tests.conftest import browser_context_args, browser_type_launch_args  # noqa: F401

# serialized_rollback: the flush after the test must not take the migrations' rows (beat
# schedules) away from the tests that run after it on the same worker.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_open_the_dashboard_drill_into_the_missed_item_and_see_its_records(
    live_server, page, vendor_operator, password, settings
):
    settings.CITY_PROFILE = "sendai"
    policy = make_policy()
    # A target no nightly run can meet, so the item is missed whatever the day of the month.
    batch_item(policy, target_value=Decimal("0.001"))
    manual_item(policy)
    now = now_jst()
    month_start = datetime.combine(now.date().replace(day=1), time.min, tzinfo=JST)
    started = max(month_start, now - timedelta(seconds=90))
    run = nightly_run(started, 0)
    run.finished_at = started + timedelta(seconds=30)
    run.save()

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("職員番号").fill(vendor_operator.employee_number)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator('[data-nav="sla_dashboard"]').click()
    first = page.locator("#items tbody tr").first
    assert first.get_attribute("id") == "item-8"
    assert first.get_attribute("data-state") == "missed"
    assert first.locator("svg rect").count() == 12

    first.get_by_role("link", name="バッチ処理時間").click()
    assert page.locator("#state").get_attribute("data-state") == "missed"
    records = page.locator("#records tbody tr")
    assert records.count() == 1
    assert "夜間バックアップ" in records.first.inner_text()

    records.first.get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/backups/")
    assert page.locator(f"#run-{run.pk}").is_visible()
