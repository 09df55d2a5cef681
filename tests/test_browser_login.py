import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_caseworker_logs_in_through_the_form_and_sees_the_japanese_home(
    live_server, page, caseworker, password
):
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "ログイン"

    page.get_by_label("職員番号").fill(caseworker.employee_number)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "相談業務ホーム"
    assert caseworker.name in page.locator(".user-name").inner_text()
    assert page.locator('[data-nav="admin"]').count() == 0

    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(f"{live_server.url}/login/")
