"""定例報告会議 報告書 in Chromium with a real Celery worker: the vendor operator issues the
month's report, the page refreshes itself while the worker builds it (the progress bar is
seen), then the attendee downloads the issued PDF and its checksum is the one shown."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.timeutil import now_jst
from reports.models import MonthlyReport

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def _login(page, base, user, password):
    page.goto(f"{base}/login/")
    page.get_by_label("職員番号").fill(user.employee_number)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/")


def test_a_report_is_built_by_the_worker_while_the_page_shows_progress(
    live_server, live_worker, page, vendor_operator, attendee, password, settings
):
    settings.REPORTS_QUEUE = live_worker.queue
    base = live_server.url
    month = (now_jst().date().replace(day=1) - timedelta(days=1)).replace(day=1)

    _login(page, base, vendor_operator, password)
    page.locator('[data-nav="reports_monthly"]').click()
    # The form proposes the previous month (the one the next meeting reports on).
    expect(page.get_by_label("対象年月")).to_have_value(f"{month:%Y-%m}")
    page.get_by_role("button", name="報告書を作成").click()

    state = page.locator("#state")
    # Queued or running: the progress bar is on the page while the worker builds.
    expect(page.locator("#progress")).to_be_visible()
    expect(state).to_have_attribute("data-status", "done", timeout=120_000)
    report = MonthlyReport.objects.get()
    assert report.revision == 1
    expect(page.locator("#files")).to_contain_text(report.pdf_sha256)
    page.get_by_role("button", name="ログアウト").click()

    _login(page, base, attendee, password)
    page.locator('[data-nav="reports_monthly"]').click()
    page.get_by_role("link", name=f"{month.year}年{month.month}月").click()
    with page.expect_download() as info:
        page.locator("#download-pdf").click()
    data = Path(info.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == report.pdf_sha256
    assert info.value.suggested_filename == f"定例報告会議報告書_{month:%Y%m}_第1版.pdf"
