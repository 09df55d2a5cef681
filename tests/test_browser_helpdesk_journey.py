import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.timeutil import now_jst

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phone_inquiry_escalated_to_a_slip_with_a_provisional_fix_and_exported(
    live_server, page, vendor_operator, password
):
    stamp = now_jst().replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("職員番号").fill(vendor_operator.employee_number)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="問合せ・連絡票").click()
    page.get_by_role("link", name="問合せを登録").click()
    page.get_by_label("受付日時").fill(stamp)
    page.get_by_label("受付方法").select_option(label="電話")
    page.get_by_label("問合せ者").fill("試験 区役所職員")
    page.get_by_label("件名").fill("児童記録票が印刷できない")
    page.get_by_label("内容").fill("印刷ボタンを押すと白紙のPDFが出る。")
    page.get_by_role("button", name="保存").click()
    assert "児童記録票が印刷できない" in page.locator("h1").inner_text()

    page.get_by_role("button", name="連絡票を起票").click()
    assert "連絡票" in page.locator("h1").inner_text()
    slip_number = page.locator("h1").inner_text().split()[1]

    page.locator("#id_kind").select_option(label="暫定対応")
    page.locator("#id_description").fill("別の端末から印刷するよう案内")
    page.locator("#id_owner").select_option(index=1)
    page.locator("#id_due_on").fill("2030-12-01")
    page.get_by_role("button", name="追加").click()
    assert "別の端末から印刷" in page.locator("#countermeasures").inner_text()

    page.get_by_role("link", name="連絡票", exact=True).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel（.xlsx）に出力").click()
    data = Path(download_info.value.path()).read_bytes()
    ws = load_workbook(io.BytesIO(data)).active
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert slip_number in cells
    assert any("別の端末から印刷" in c for c in cells)
