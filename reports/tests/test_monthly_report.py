"""定例報告会議 報告書: issuing, the files, immutability, revisions, access and bad input."""

import hashlib
import io
import re
import subprocess
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import MonthlyReport
from reports.sections.registry import SECTIONS
from reports.services import monthly as services

pytestmark = pytest.mark.django_db
OCTOBER = date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _november(time_machine, settings):
    settings.CITY_PROFILE = "sendai"
    time_machine.move_to("2026-11-16 10:00 +0900")


def _issue(user, month=OCTOBER, reason=""):
    report, created = services.monthly_report_request(month=month, user=user, reason=reason)
    assert created
    return services.monthly_report_build(report_id=report.pk)


def _pdf_text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_pages(data: bytes) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", out.stdout.decode()).group(1))


@pytest.fixture
def issued(vendor_operator):
    return _issue(vendor_operator)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "words"),
    [
        ("2026-12", "未来の月"),
        ("2026-11", "まだ終わっていない"),
        ("2024-03", "契約開始"),
        ("2029-04", "未来の月"),
        ("2026/10", "2025-04"),
        ("", "2025-04"),
    ],
)
def test_months_that_cannot_have_a_report_are_refused_in_japanese(vendor_operator, month, words):
    with pytest.raises(ValidationError) as exc:
        services.monthly_report_request(month=month, user=vendor_operator)
    assert words in " ".join(exc.value.message_dict["month"])
    assert not MonthlyReport.objects.exists()


def test_a_month_after_the_contract_end_is_refused(vendor_operator, time_machine):
    time_machine.move_to("2029-06-10 10:00 +0900")
    with pytest.raises(ValidationError) as exc:
        services.monthly_report_request(month="2029-04", user=vendor_operator)
    assert "契約終了" in " ".join(exc.value.message_dict["month"])


def test_a_second_request_while_one_is_queued_joins_it(vendor_operator, city_admin):
    first, created = services.monthly_report_request(month=OCTOBER, user=vendor_operator)
    second, created_again = services.monthly_report_request(month=OCTOBER, user=city_admin)
    assert created and not created_again
    assert second.pk == first.pk
    assert MonthlyReport.objects.count() == 1


def test_building_twice_issues_one_revision(vendor_operator):
    report, _ = services.monthly_report_request(month=OCTOBER, user=vendor_operator)
    services.monthly_report_build(report_id=report.pk)
    again = services.monthly_report_build(report_id=report.pk)  # a redelivered task
    assert again.revision == 1
    assert MonthlyReport.objects.filter(status="done").count() == 1


# --- the files ------------------------------------------------------------------------------


def test_the_workbook_has_a_cover_and_one_a4_sheet_per_section(issued):
    wb = load_workbook(io.BytesIO(bytes(issued.xlsx)))
    assert len(wb.sheetnames) == 1 + len(SECTIONS)
    assert wb.sheetnames[0] == "表紙・目次"
    cover = wb["表紙・目次"]
    assert cover["B4"].value == "2026年10月"
    assert cover["B5"].value == "第1版"
    for number, (name, spec) in enumerate(zip(wb.sheetnames[1:], SECTIONS, strict=True), 1):
        ws = wb[name]
        assert ws["A1"].value == f"{number}. {spec.title}"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.print_area and ws.print_area.startswith(f"'{name}'!$A$1:")
        assert ws.page_setup.fitToWidth == 1
        assert ws.oddFooter.center.text == "&P / &N"


def test_the_pdf_is_a4_with_contents_headings_and_page_numbers(issued):
    data = bytes(issued.pdf)
    text = _pdf_text(data)
    pages = _pdf_pages(data)
    assert issued.pdf_pages == pages
    assert pages >= 2 + len(SECTIONS)  # cover, contents, a page per section
    squashed = _squash(text)
    assert "目次" in text
    for number, spec in enumerate(SECTIONS, 1):
        assert _squash(f"{number}. {spec.title}") in squashed
    assert f"1/{pages}" in squashed and f"{pages}/{pages}" in squashed
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True)
    assert "595.276 x 841.89 pts (A4)" in info.stdout.decode() or "(A4)" in info.stdout.decode()


def test_sections_without_data_say_so_in_words_in_both_files(issued):
    # An empty database: every section that has nothing says why instead of printing 0.
    absent = [s for s in issued.sections if s["absent"]]
    assert absent, "an empty month should leave at least one section without data"
    pdf = _squash(_pdf_text(bytes(issued.pdf)))
    wb = load_workbook(io.BytesIO(bytes(issued.xlsx)))
    cover_status = [wb["表紙・目次"].cell(row=r, column=4).value for r in range(1, 40)]
    for s in absent:
        assert _squash(s["absent"]) in pdf
        assert s["absent"] in cover_status


def test_checksums_are_those_of_the_issued_files_and_the_bundle_lists_them(issued):
    assert hashlib.sha256(bytes(issued.pdf)).hexdigest() == issued.pdf_sha256
    assert hashlib.sha256(bytes(issued.xlsx)).hexdigest() == issued.xlsx_sha256
    assert hashlib.sha256(bytes(issued.bundle)).hexdigest() == issued.bundle_sha256
    with zipfile.ZipFile(io.BytesIO(bytes(issued.bundle))) as zf:
        names = zf.namelist()
        stem = "定例報告会議報告書_202610_第1版"
        assert f"{stem}/{stem}.pdf" in names and f"{stem}/{stem}.xlsx" in names
        assert sum(n.startswith(f"{stem}/成果物/") and n.endswith(".pdf") for n in names) == 5
        assert zf.read(f"{stem}/{stem}.pdf") == bytes(issued.pdf)
        readme = zf.read(f"{stem}/README.txt").decode()
    assert f"{issued.pdf_sha256}  {stem}.pdf" in readme
    assert "定例報告会議は登録されていません" in readme  # no meeting: no minutes, said so


# --- immutability and revisions ----------------------------------------------------------


def test_an_issued_report_cannot_be_changed_or_deleted_even_directly(issued):
    with pytest.raises(DatabaseError, match="変更・削除できません"), transaction.atomic():
        MonthlyReport.objects.filter(pk=issued.pk).update(pdf=b"forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        MonthlyReport.objects.filter(pk=issued.pk).delete()
    issued.refresh_from_db()
    assert hashlib.sha256(bytes(issued.pdf)).hexdigest() == issued.pdf_sha256


def test_reissuing_needs_a_reason_and_makes_a_new_revision(issued, vendor_operator):
    with pytest.raises(ValidationError) as exc:
        services.monthly_report_request(month=OCTOBER, user=vendor_operator)
    assert "理由" in " ".join(exc.value.message_dict["reason"])
    second = _issue(vendor_operator, reason="障害件数の訂正")
    assert second.revision == 2 and second.reason == "障害件数の訂正"
    first = MonthlyReport.objects.get(pk=issued.pk)
    assert first.revision == 1
    assert hashlib.sha256(bytes(first.pdf)).hexdigest() == issued.pdf_sha256
    assert "障害件数の訂正" in _squash(_pdf_text(bytes(second.pdf)))


def test_a_failing_section_fails_the_job_naming_it_and_uses_no_revision(
    vendor_operator, monkeypatch
):
    def broken(self, period):
        if self.key == "backups":
            raise RuntimeError("disk unreadable")
        return original(self, period)

    original = type(SECTIONS[0]).build
    monkeypatch.setattr(type(SECTIONS[0]), "build", broken)
    report, _ = services.monthly_report_request(month=OCTOBER, user=vendor_operator)
    report = services.monthly_report_build(report_id=report.pk)
    assert report.status == "failed"
    assert "バックアップ" in report.error and "disk unreadable" in report.error
    assert report.revision is None
    monkeypatch.undo()
    assert _issue(vendor_operator).revision == 1


def test_the_same_data_gives_the_same_sections(vendor_operator):
    from reports.sections.base import Period

    period = Period(month=OCTOBER, profile="sendai")
    assert services.build_sections(period) == services.build_sections(period)


# --- pages and access --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "list_status", "download"),
    [
        ("vendor_operator", 200, 200),
        ("city_admin", 200, 200),
        ("attendee", 200, 200),
        ("caseworker", 403, 403),
        ("supervisor", 403, 403),
    ],
)
def test_who_may_see_and_download(client, request, issued, persona, list_status, download):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:monthly_list")).status_code == list_status
    response = client.get(reverse("reports:monthly_download", args=[issued.pk, "pdf"]))
    assert response.status_code == download
    if download == 200:
        assert hashlib.sha256(response.content).hexdigest() == issued.pdf_sha256


def test_attendees_cannot_issue_and_do_not_see_jobs(client, attendee, vendor_operator):
    queued, _ = services.monthly_report_request(month=OCTOBER, user=vendor_operator)
    client.force_login(attendee)
    assert client.post(reverse("reports:monthly_issue"), {"month": "2026-10"}).status_code == 403
    assert client.get(reverse("reports:monthly_detail", args=[queued.pk])).status_code == 404
    assert f"report-{queued.pk}" not in client.get(reverse("reports:monthly_list")).content.decode()


def test_the_page_names_the_field_at_fault(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.post(reverse("reports:monthly_issue"), {"month": "2026-12"})
    assert response.status_code == 400
    assert "未来の月" in response.content.decode()
    assert not MonthlyReport.objects.exists()


def test_a_tampered_file_is_not_served(client, issued, attendee):
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks before ALTER
        cur.execute("ALTER TABLE reports_monthlyreport DISABLE TRIGGER reports_monthly_immutable")
        cur.execute("UPDATE reports_monthlyreport SET pdf = %s WHERE id = %s", [b"x", issued.pk])
        cur.execute("ALTER TABLE reports_monthlyreport ENABLE TRIGGER reports_monthly_immutable")
    client.force_login(attendee)
    response = client.get(reverse("reports:monthly_download", args=[issued.pk, "pdf"]))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "チェックサム" in page


def test_downloads_are_logged_with_the_checksum(client, issued, attendee):
    from core.models import AccessLog

    client.force_login(attendee)
    client.get(reverse("reports:monthly_download", args=[issued.pk, "xlsx"]))
    log = AccessLog.objects.get(object_type="reports.monthlyreport", user_id=attendee.pk)
    assert issued.xlsx_sha256 in log.detail


def test_the_list_page_query_count_does_not_grow_with_reports(
    client, vendor_operator, django_assert_max_num_queries
):
    for month in ("2026-06", "2026-07", "2026-08", "2026-09"):
        services.monthly_report_request(month=month, user=vendor_operator)
    client.force_login(vendor_operator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:monthly_list")).status_code == 200


def test_the_job_reports_its_progress_to_the_end(issued):
    from core import progress

    state = progress.read(issued.progress_key)
    assert state["total"] == len(SECTIONS) + services.STEPS_AFTER_SECTIONS
    assert state["done"] == state["total"]


def test_the_deliverables_page_points_to_the_issued_pack(client, issued, attendee):
    client.force_login(attendee)
    page = client.get(reverse("reports:pack_deliverables"), {"month": "2026-10"})
    html = page.content.decode()
    assert 'id="issued-pack"' in html
    assert reverse("reports:monthly_download", args=[issued.pk, "zip"]) in html
    other = client.get(reverse("reports:pack_deliverables"), {"month": "2026-09"})
    assert 'id="issued-pack"' not in other.content.decode()
