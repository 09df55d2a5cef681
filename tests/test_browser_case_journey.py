import pytest

from core.timeutil import now_jst

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_abuse_report_intake_safety_check_note_and_search(live_server, page, world, password):
    stamp = now_jst().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("職員番号").fill(world.city.worker1.employee_number)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator('[data-nav="cases_intake"]').click()
    page.get_by_label("受付日時").fill(stamp)
    page.get_by_label("受付方法").select_option(label="通告")
    page.get_by_label("相談経路").select_option(label="近隣・知人")
    page.get_by_label("相談種別").select_option(label="養護相談／児童虐待相談")
    page.get_by_label("主訴").fill("夜間に子どもの泣き声と大人の怒鳴り声が続いている。")
    page.get_by_label("児童氏名").fill("試験 歩夢")
    page.get_by_label("児童フリガナ").fill("しけん あゆむ")
    page.get_by_label("生年月日").first.fill("2019-06-15")
    page.get_by_label("通告者は匿名").check()
    page.get_by_label("虐待通告として受け付ける（48時間以内の安全確認）").check()
    page.get_by_label("身体的虐待").check()
    page.get_by_label("緊急度").select_option(value="A")
    page.get_by_role("button", name="受け付ける").click()

    assert "試験 歩夢" in page.locator("h1").inner_text()
    assert "安全確認期限" in page.locator("#safety-due").inner_text()

    page.get_by_role("link", name="安全確認を記録").click()
    page.get_by_label("方法").select_option(label="目視")
    page.get_by_label("結果").select_option(label="安全を確認")
    page.get_by_role("button", name="保存").click()
    assert "安全確認済み" in page.locator("#safety").inner_text()

    page.get_by_role("link", name="経過記録を追加").click()
    page.get_by_label("種別").select_option(label="家庭訪問")
    page.get_by_label("内容").fill("家庭訪問し、児童と面会。けがは見られない。")
    page.get_by_role("button", name="保存").click()
    assert "けがは見られない" in page.locator("#notes").inner_text()

    page.locator('[data-nav="cases_search"]').click()
    page.get_by_label("氏名（漢字・かな）").fill("アユム")
    page.get_by_role("button", name="検索").click()
    assert "試験 歩夢" in page.locator("#results").inner_text()
