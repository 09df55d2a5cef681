"""Handover export (Kobe 6.1) in Chromium with a real Celery worker: city admin A requests,
city admin B approves and starts, watches the progress page refresh itself to 完了, downloads
the archive, and the zip holds the manifest.

The worker is the session's ``live_worker`` (a ``celery worker`` process on the test
database); the job is routed to its queue through settings.HANDOVER_QUEUE. The worker has
its own settings, so the archive goes to the default HANDOVER_DIR (var/handover); the test
removes it at the end.
"""

import json
import zipfile

import pytest
from django.db import connection
from playwright.sync_api import expect

from accounts import roles
from ops.models.handover import HandoverDownload, HandoverExport
from ops.services.handover import archive_path

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


def test_two_city_admins_run_a_handover_export_and_download_it(
    live_server, live_worker, page, city_admin, make_user, password, settings, tmp_path
):
    settings.HANDOVER_QUEUE = live_worker.queue
    second = make_user(roles.CITY_ADMIN, name="試験 管理者二")
    with connection.cursor() as cur:  # enough rows that the job takes a few seconds
        cur.execute(
            "INSERT INTO core_accesslog (at, user_id, action, object_type, object_id, detail)"
            " SELECT now(), g, 'view', 'cases.consultation', g::text, repeat('閲覧', 100)"
            " FROM generate_series(1, 100000) g"
        )
    base = live_server.url

    _login(page, base, city_admin, password)
    page.locator('[data-nav="ops_handover"]').click()
    page.get_by_label("目的・理由").fill("契約終了に伴う次期事業者へのデータ引継ぎ")
    page.get_by_role("button", name="申請する").click()
    expect(page.locator("#status")).to_have_text("申請")
    assert page.get_by_role("button", name="承認する").count() == 0  # not by the requester
    page.get_by_role("button", name="ログアウト").click()

    _login(page, base, second, password)
    page.locator('[data-nav="ops_handover"]').click()
    export = HandoverExport.objects.get()
    page.get_by_role("link", name=f"#{export.pk}").click()
    page.get_by_role("button", name="承認する").click()
    expect(page.locator("#status")).to_have_text("承認")
    page.get_by_role("button", name="出力を開始する").click()

    expect(page.locator("#status")).to_have_text("実行中")
    expect(page.locator("#progress progress")).to_be_visible()
    # The page refreshes itself (meta refresh) until the worker is done.
    expect(page.locator("#status")).to_have_attribute("data-status", "done", timeout=120_000)
    expect(page.locator("#progress [data-percent]")).to_have_text("100%")

    try:
        with page.expect_download() as info:
            page.locator("#download").click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        with zipfile.ZipFile(saved) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            assert "data_dictionary.csv" in zf.namelist()
        tables = {t["table"]: t["rows"] for t in manifest["tables"]}
        assert tables["core_accesslog"] == 100_000
        export.refresh_from_db()
        assert export.status == HandoverExport.Status.DONE
        assert HandoverDownload.objects.filter(export=export, user=second).count() == 1
    finally:
        export.refresh_from_db()
        if export.file_name:
            archive_path(export).unlink(missing_ok=True)
