import io
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD_DEFAULT, SAMPLE_PATH
from accounts.models import PersonnelImport, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]


def test_city_admin_uploads_the_sample_previews_and_applies_it(live_server, page, time_machine):
    call_command("seed_demo", stdout=io.StringIO())
    time_machine.move_to("2027-04-01 09:00 +0900")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("職員番号").fill("900006")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD_DEFAULT)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/admin/accounts/personnelimport/add/")
    page.set_input_files("#id_file", str(ROOT / SAMPLE_PATH))
    page.get_by_role("button", name="確認する").click()

    assert page.locator("[data-status]").inner_text() == "確認待ち"
    for kind in ("新規", "異動", "退職", "休職", "復職", "新設", "名称変更", "統合", "廃止"):
        assert int(page.locator(f'[data-count="{kind}"]').inner_text()) >= 1, kind
    assert page.locator("#staff-changes tbody tr").count() == 9

    page.get_by_role("button", name="反映する").click()

    assert page.locator("[data-status]").inner_text() == "反映済み"
    assert page.get_by_text("結果ファイル（.xlsx）をダウンロード").is_visible()
    record = PersonnelImport.objects.get()
    assert record.status == PersonnelImport.Status.APPLIED
    assert User.objects.get(employee_number="910001").name == "試験 新人一"
    assert not User.objects.get(employee_number="100003").is_active
