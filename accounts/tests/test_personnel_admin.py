"""The city admin's screens: template, upload, preview, apply, result, one-person transfer."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import PersonnelImport
from accounts.personnel_import.reader import ImportFileError, read_personnel_workbook
from accounts.selectors import current_assignments
from accounts.tests.personnel_files import staff_row, xlsx

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post_file(client, data, name="idou.xlsx"):
    return client.post(
        reverse("admin:accounts_personnelimport_add"),
        {"file": SimpleUploadedFile(name, data, content_type=XLSX)},
    )


def test_the_template_downloads_with_japanese_headers(client, city_admin):
    client.force_login(city_admin)
    response = client.get(reverse("admin:accounts_personnelimport_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb["職員"][1]][:3] == ["職員番号", "氏名", "フリガナ"]
    with pytest.raises(ImportFileError, match="データ行がありません"):
        read_personnel_workbook(response.content)


def test_upload_shows_the_preview_then_apply_and_download_the_result(
    client, city, city_admin, time_machine
):
    time_machine.move_to("2027-04-01 09:00 +0900")
    client.force_login(city_admin)

    response = post_file(client, xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-12")]))

    record = PersonnelImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:accounts_personnelimport_change", args=[record.pk])
    page = client.get(response.url).content.decode()
    assert "確認待ち" in page
    assert 'data-count="異動">1<' in page
    assert "相談第一係" in page and "相談第二係" in page
    assert current_assignments(user=city.worker1).get().org_unit == city.sec1  # nothing yet

    client.post(reverse("admin:accounts_personnelimport_apply", args=[record.pk]))

    record.refresh_from_db()
    assert record.status == PersonnelImport.Status.APPLIED
    assert current_assignments(user=city.worker1).get().org_unit == city.sec2
    result = client.get(reverse("admin:accounts_personnelimport_result", args=[record.pk]))
    assert result.status_code == 200
    assert b"".join(result.streaming_content)[:2] == b"PK"


def test_errors_are_listed_with_sheet_row_and_column(client, city, city_admin):
    client.force_login(city_admin)
    response = post_file(client, xlsx(staff=[staff_row("800004", "異動", 所属コード="ZZ9")]))
    page = client.get(response.url).content.decode()
    assert "エラーあり" in page
    assert "<td>職員</td><td>2</td><td>所属コード</td>" in page
    assert 'name="apply"' not in page


def test_a_file_over_10mb_is_refused_on_the_form(client, city_admin):
    client.force_login(city_admin)
    response = post_file(client, b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 200
    assert "10MB" in response.content.decode()
    assert not PersonnelImport.objects.exists()


def test_apply_needs_post(client, city, city_admin):
    client.force_login(city_admin)
    post_file(client, xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-12")]))
    record = PersonnelImport.objects.get()
    assert (
        client.get(reverse("admin:accounts_personnelimport_apply", args=[record.pk])).status_code
        == 403
    )


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "vendor_operator"])
def test_only_city_admins_reach_the_import(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:accounts_personnelimport_add"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_one_person_transfer_from_the_user_screen(client, city, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:accounts_user_transfer", args=[city.worker1.pk])
    assert "所属の履歴" in client.get(url).content.decode()

    response = client.post(
        url, {"kind": "異動", "issued_on": "2026-11-28", "unit": city.sec2.pk, "position": "主査"}
    )

    assert response.status_code == 302
    current = current_assignments(user=city.worker1).get()
    assert (current.org_unit, current.position) == (city.sec2, "主査")


def test_one_person_transfer_shows_the_same_errors_as_the_import(client, city, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:accounts_user_transfer", args=[city.on_leave.pk])
    response = client.post(url, {"kind": "異動", "issued_on": "2026-11-28", "unit": city.sec2.pk})
    assert response.status_code == 200
    assert "復職として記入" in response.content.decode()


def test_the_committed_sample_file_is_the_one_the_demo_generates():
    from pathlib import Path

    from django.conf import settings

    from accounts.demo import SAMPLE_PATH, sample_transfer_workbook

    committed = read_personnel_workbook((Path(settings.BASE_DIR) / SAMPLE_PATH).read_bytes())
    generated = read_personnel_workbook(sample_transfer_workbook())
    assert committed.staff.rows == generated.staff.rows
    assert committed.org.rows == generated.org.rows


def test_admin_edits_leave_history_naming_the_screen(client, city, city_admin):
    client.force_login(city_admin)
    url = reverse("admin:accounts_orgunit_change", args=[city.sec2.pk])
    data = {
        "code": "C1-12",
        "name": "相談第二係（改）",
        "kind": "center",
        "parent": city.division.pk,
        "valid_from": "2026-04-01",
        "valid_to": "",
        "successor": "",
    }
    assert client.post(url, data).status_code == 302
    latest = city.sec2.history.latest("history_date")
    assert (latest.name, latest.history_user, latest.history_change_reason) == (
        "相談第二係（改）",
        city_admin,
        "管理サイト（組織）",
    )
