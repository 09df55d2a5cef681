"""The yearly 運用保守報告書: open problems at the fiscal year's end and the year's cases."""

import re
from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from helpdesk import services as hd
from helpdesk.models import Inquiry
from incidents import services as inc
from incidents.models import Incident, Problem
from reports.services import pack
from reports.tests.test_pack_deliverables import at, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sendai(settings):
    """Dates below are inside Sendai's contract (from 2024-04-01), whatever the env says."""
    settings.CITY_PROFILE = "sendai"


@pytest.fixture
def year(vendor_operator, make_user, time_machine):
    """Fiscal year 2025 (2025-04-01 … 2026-03-31) with cases on both edges."""
    time_machine.move_to("2026-04-10 10:00 +0900")
    data = {}
    data["inq"] = hd.inquiry_create(
        actor=vendor_operator,
        received_at=at("2025-04-01 00:05"),
        channel=Inquiry.Channel.PHONE,
        subject="年度初日の問合せ",
        content="内容",
    )
    hd.inquiry_create(
        actor=vendor_operator,
        received_at=at("2026-04-01 00:05"),
        channel=Inquiry.Channel.PHONE,
        subject="翌年度の問合せ",
        content="内容",
    )
    data["slip"] = hd.slip_raise(
        actor=vendor_operator, event="調査を依頼する事象", raised_at=at("2025-10-01 10:00")
    )
    wr = hd.work_request_create(
        requester=vendor_operator,
        title="帳票追加の見積",
        content="帳票を追加したい",
        requested_at=at("2025-11-01 10:00"),
    )
    data["wr"] = hd.work_request_review(
        wr=wr,
        actor=vendor_operator,
        feasibility="conditional",
        estimate="3人日",
        expected_version=wr.version,
    )
    open_problem = Problem.objects.create(
        title="証明書更新手順の漏れ", root_cause="手順書に記載なし"
    )
    late_fix = Problem.objects.create(
        title="翌年度に解決した問題", status=Problem.Status.RESOLVED, resolved_on=date(2026, 4, 5)
    )
    Problem.objects.create(
        title="年度内に解決した問題", status=Problem.Status.RESOLVED, resolved_on=date(2026, 3, 1)
    )
    later = Problem.objects.create(title="翌年度に見つかった問題")
    data["incident"] = inc.incident_open(
        actor=vendor_operator,
        source=Incident.Source.MONITORING,
        title="ログイン不可",
        aware_at=at("2026-03-31 23:00"),
    )
    Incident.objects.filter(pk=data["incident"].pk).update(problem=open_problem)
    after = inc.incident_open(
        actor=vendor_operator,
        source=Incident.Source.VENDOR,
        title="翌年度の障害",
        aware_at=at("2026-04-02 09:00"),
    )
    Incident.objects.filter(pk=after.pk).update(problem=later)
    data.update(open_problem=open_problem, late_fix=late_fix)
    return data


def test_annual_lists_open_problems_at_year_end_and_the_years_cases(year):
    tables = {t.key: t for t in pack.annual_tables(fiscal_year=2025)}
    assert [r[1] for r in tables["problems"].rows] == [
        "証明書更新手順の漏れ",
        "翌年度に解決した問題",
    ]
    assert tables["problems"].rows[0][5] == 1  # related incidents
    assert [r[0] for r in tables["inquiries"].rows] == [year["inq"].number]
    assert [r[0] for r in tables["investigations"].rows] == [year["slip"].number]
    assert tables["estimates"].rows[0][3:5] == ["条件付き可", "3人日"]
    assert [r[0] for r in tables["incidents"].rows] == [year["incident"].number]
    assert tables["incidents"].rows[0][7] == "証明書更新手順の漏れ"


def test_annual_workbook_has_a_sheet_per_list_with_a4_setup(year, vendor_operator):
    name, data = pack.annual_report_file(fiscal_year=2025, fmt="xlsx", user=vendor_operator)
    assert name == "運用保守報告書_2025年度.xlsx"
    wb = load_workbook(BytesIO(data))
    assert wb.sheetnames == [
        "未解決の問題一覧",
        "問合せ一覧",
        "調査依頼一覧（連絡票）",
        "見積一覧（作業依頼の検討結果）",
        "障害一覧",
    ]
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9
        assert ws.print_area and ws.print_title_rows
    assert wb["障害一覧"]["A1"].value == "障害一覧（2025年度）"
    assert year["incident"].number in [c.value for c in wb["障害一覧"]["A"]]


def test_annual_pdf_has_every_section(year, vendor_operator):
    _, data = pack.annual_report_file(fiscal_year=2025, fmt="pdf", user=vendor_operator)
    text = pdf_text(data)
    assert "運用保守報告書（2025年度）" in text
    for heading in ("1. 未解決の問題一覧", "2. 問合せ一覧", "5. 障害一覧"):
        assert heading in text
    assert "証明書更新手順の漏れ" in text and year["incident"].number in text
    assert re.search(r"1\s*/\s*\d", text)


def test_annual_empty_lists_say_so(vendor_operator, time_machine):
    time_machine.move_to("2026-04-10 10:00 +0900")
    tables = pack.annual_tables(fiscal_year=2024)
    assert all(t.rows == [] for t in tables)
    text = pdf_text(pack.annual_report_file(fiscal_year=2024, fmt="pdf", user=vendor_operator)[1])
    assert "2024年度に発生した障害はありません。" in text.replace(" ", "")


def test_annual_year_rules(time_machine):
    time_machine.move_to("2026-04-10 10:00 +0900")
    assert pack.annual_fiscal_year("2026") == 2026
    for value, words in [
        ("2027", "まだ始まっていない"),
        ("2023", "契約開始（2024年度）より前"),
        ("x", "数字"),
    ]:
        with pytest.raises(ValidationError) as exc:
            pack.annual_fiscal_year(value)
        assert words in exc.value.message_dict["fiscal_year"][0]


def test_annual_downloads_and_refusals_through_the_page(client, year, attendee, caseworker):
    client.force_login(attendee)
    page = client.get(
        reverse("reports:pack_deliverables"), {"fiscal_year": "2025"}
    ).content.decode()
    assert reverse("reports:pack_annual_file", args=["2025", "xlsx"]) in page
    response = client.get(reverse("reports:pack_annual_file", args=["2025", "pdf"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    refused = client.get(reverse("reports:pack_annual_file", args=["2027", "pdf"]))
    assert refused.status_code == 400
    assert "2027年度はまだ始まっていない" in refused.content.decode()
    client.force_login(caseworker)
    assert client.get(reverse("reports:pack_annual_file", args=["2025", "pdf"])).status_code == 403
