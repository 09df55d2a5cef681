import pytest
from django.apps import apps

from core.timeutil import now_jst
from incidents.presets import ensure_milestone_presets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_an_incident_record_the_city_notification_and_see_the_milestone_met(
    live_server, page, vendor_operator, password, settings
):
    settings.CITY_PROFILE = "sendai"
    # A transactional test before this one may have flushed the shipped milestone rows.
    ensure_milestone_presets(apps)
    stamp = now_jst().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("職員番号").fill(vendor_operator.employee_number)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator('[data-nav="incidents"]').click()
    page.get_by_role("link", name="障害を登録").click()
    page.get_by_label("件名").fill("ログイン画面が表示されない")
    page.get_by_label("発見経路").select_option(label="市からの連絡")
    page.get_by_label("認知日時").fill(stamp)
    page.get_by_role("button", name="保存").click()

    row = page.locator('[data-milestone="first_report"]')
    assert "あと" in row.inner_text()
    page.locator("form:has(button[name='stop-first_report'])").get_by_label("方法・相手").fill(
        "電話 こども家庭支援課 試験氏"
    )
    page.locator("button[name='stop-first_report']").click()

    assert (
        page.locator('[data-milestone="first_report"] [data-state]').get_attribute("data-state")
        == "met"
    )
    assert "電話 こども家庭支援課" in page.locator("#timeline").inner_text()
