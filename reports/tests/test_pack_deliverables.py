"""Monthly deliverable lists (問合せ一覧, 連絡票一覧表, 完了連絡票, FAQ, 作業結果): rows against
hand-built help-desk data, the .xlsx cells and print setup, the PDF text, the month rules,
permissions and the .zip."""

import re
import subprocess
import zipfile
from datetime import date, datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from core.navigation import items_for
from core.timeutil import JST
from helpdesk import services as hd
from helpdesk.models import Category, Countermeasure, Inquiry, LiaisonSlip, WorkRequest
from helpdesk.xlsx import HEADER_ROW as SLIP_HEADER_ROW
from helpdesk.xlsx import HEADERS as SLIP_HEADERS
from reports.services import pack

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sendai(settings):
    """Dates below are inside Sendai's contract (from 2024-04-01), whatever the env says."""
    settings.CITY_PROFILE = "sendai"


MAY = date(2025, 5, 1)
EMPTY = date(2024, 12, 1)  # inside the Sendai contract (from 2024-04-01), no data


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def _inquiry(actor, when, subject, channel=Inquiry.Channel.PHONE, category=None):
    return hd.inquiry_create(
        actor=actor,
        received_at=at(when),
        channel=channel,
        subject=subject,
        content="内容",
        category=category,
    )


@pytest.fixture
def may(vendor_operator, make_user, time_machine):
    """Help-desk data around May 2025, built through the help-desk services."""
    city = make_user(roles.CITY_ADMIN, name="市 担当")
    forms = Category.objects.create(name="帳票")
    data = {}

    time_machine.move_to("2025-04-15 10:00 +0900")
    old_faq_source = _inquiry(vendor_operator, "2025-04-15 09:00", "四月の問合せ")
    old_faq_source = hd.inquiry_answer(
        inquiry=old_faq_source,
        actor=vendor_operator,
        answer="四月の回答",
        answered_at=at("2025-04-15 09:30"),
        expected_version=old_faq_source.version,
    )
    faq_old = hd.faq_draft_from_inquiry(inquiry=old_faq_source, actor=vendor_operator)
    faq_old = hd.faq_set_status(faq=faq_old, status="published", expected_version=faq_old.version)

    time_machine.move_to("2025-04-20 10:00 +0900")
    old_slip = hd.slip_raise(actor=vendor_operator, event="四月に起票した事象")
    old_slip = hd.slip_update(slip=old_slip, expected_version=old_slip.version, judgement="defect")
    cm = hd.countermeasure_add(
        slip=old_slip,
        kind=Countermeasure.Kind.PROVISIONAL,
        description="再起動で回避",
        owner=vendor_operator,
        due_on=date(2025, 5, 1),
    )
    hd.countermeasure_set_status(
        countermeasure=cm, status=Countermeasure.Status.DONE, done_on=date(2025, 4, 22)
    )
    wr_carried = hd.work_request_create(
        requester=city,
        title="四月からの帳票改修",
        content="改修",
        requested_at=at("2025-04-10 10:00"),
    )
    wr_carried = hd.work_request_review(
        wr=wr_carried,
        actor=vendor_operator,
        feasibility="yes",
        estimate="2日",
        expected_version=wr_carried.version,
    )
    wr_carried = hd.work_request_approve(
        wr=wr_carried, actor=city, plan="五月に実施", expected_version=wr_carried.version
    )

    time_machine.move_to("2025-05-10 10:00 +0900")
    data["q_may"] = _inquiry(
        vendor_operator, "2025-05-10 09:00", "五月の印刷不具合", category=forms
    )
    data["q_may"] = hd.inquiry_answer(
        inquiry=data["q_may"],
        actor=vendor_operator,
        answer="ドライバを更新しました",
        answered_at=at("2025-05-10 09:45"),
        expected_version=data["q_may"].version,
    )
    _inquiry(vendor_operator, "2025-04-30 23:30", "四月末の問合せ")  # April in JST

    time_machine.move_to("2025-05-12 10:00 +0900")
    data["slip_may"] = hd.slip_raise(
        actor=vendor_operator, event="五月の帳票が出ない", inquiry=data["q_may"]
    )

    time_machine.move_to("2025-05-15 10:00 +0900")
    hd.faq_update(
        faq=faq_old, expected_version=faq_old.version, question="四月の質問（改）", answer="改訂"
    )
    time_machine.move_to("2025-05-16 10:00 +0900")
    data["faq_new"] = hd.faq_draft_from_inquiry(inquiry=data["q_may"], actor=vendor_operator)
    hd.faq_set_status(
        faq=data["faq_new"], status="published", expected_version=data["faq_new"].version
    )
    drafted = _inquiry(vendor_operator, "2025-05-16 09:00", "下書きのまま")
    drafted = hd.inquiry_answer(
        inquiry=drafted,
        actor=vendor_operator,
        answer="回答",
        answered_at=at("2025-05-16 09:10"),
        expected_version=drafted.version,
    )
    hd.faq_draft_from_inquiry(inquiry=drafted, actor=vendor_operator)  # a draft: not delivered
    data["q_drafted"] = drafted

    time_machine.move_to("2025-05-20 10:00 +0900")
    old_slip.refresh_from_db()
    hd.slip_close(slip=old_slip, actor=vendor_operator, expected_version=old_slip.version)
    wr_may = hd.work_request_create(
        requester=city, title="五月の設定変更", content="設定", requested_at=at("2025-05-08 10:00")
    )
    wr_may = hd.work_request_review(
        wr=wr_may,
        actor=vendor_operator,
        feasibility="yes",
        estimate="1日",
        expected_version=wr_may.version,
    )
    wr_may = hd.work_request_approve(
        wr=wr_may, actor=city, plan="手順書どおり", expected_version=wr_may.version
    )
    hd.work_request_complete(
        wr=wr_may,
        report="設定を変更し確認した",
        completed_on=date(2025, 5, 20),
        expected_version=wr_may.version,
    )

    time_machine.move_to("2025-05-31 23:50 +0900")
    data["q_last"] = _inquiry(
        vendor_operator, "2025-05-31 23:40", "月末のメール", channel=Inquiry.Channel.MAIL
    )
    time_machine.move_to("2025-06-01 00:10 +0900")
    _inquiry(vendor_operator, "2025-06-01 00:05", "六月の問合せ")  # June in JST

    time_machine.move_to("2025-06-10 10:00 +0900")
    data.update(old_slip=old_slip, faq_old=faq_old, wr_may=wr_may, wr_carried=wr_carried)
    return data


# --- rows and figures -------------------------------------------------------------------


def test_inquiry_list_holds_the_months_inquiries_by_jst_receipt(may):
    table = pack.deliverable_table(key="inquiries", month=MAY)
    assert [r[0] for r in table.rows] == [
        may["q_may"].number,
        may["q_drafted"].number,
        may["q_last"].number,
    ]
    first = dict(zip([c.header for c in table.columns], table.rows[0], strict=True))
    assert first["件名"] == "五月の印刷不具合"
    assert first["分類"] == "帳票"
    assert first["受付方法"] == "電話"
    assert first["回答"] == "ドライバを更新しました"
    assert first["連絡票"] == may["slip_may"].number
    assert table.summary[0] == "受付件数: 3件"
    assert "帳票・電話 1件" in table.summary[1]
    assert "分類なし・メール 1件" in table.summary[1]
    assert "分類なし・電話 1件" in table.summary[1]


def test_slip_list_has_the_slips_raised_and_the_completed_list_those_closed(may):
    raised = pack.deliverable_table(key="slips", month=MAY)
    closed = pack.deliverable_table(key="slips_closed", month=MAY)
    assert [r[0] for r in raised.rows] == [may["slip_may"].number]
    assert [r[0] for r in closed.rows] == [may["old_slip"].number]
    assert closed.rows[0][10] == "対応完了"
    assert "再起動で回避" in closed.rows[0][7]


def test_faq_list_marks_added_and_updated_and_leaves_out_drafts(may):
    table = pack.deliverable_table(key="faq", month=MAY)
    assert [(r[0], r[1]) for r in table.rows] == [
        (may["faq_old"].pk, "更新"),
        (may["faq_new"].pk, "追加"),
    ]
    assert table.summary == ["追加: 1件　更新: 1件"]


def test_work_results_list_the_months_and_carried_requests_with_the_sla_rates(may):
    table = pack.deliverable_table(key="work", month=MAY)
    assert [r[0] for r in table.rows] == [may["wr_carried"].number, may["wr_may"].number]
    done = table.rows[1]
    assert done[7] == "設定を変更し確認した"
    assert done[8] == date(2025, 5, 20)
    assert done[9] == "完了報告済"
    assert "当月受付: 1件　検討済: 1件（100.0%）　対応済: 1件（100.0%）" in table.summary[1]
    assert WorkRequest.objects.count() == 2


def test_a_list_costs_the_same_queries_for_3_or_30_inquiries(
    vendor_operator, time_machine, django_assert_max_num_queries
):
    time_machine.move_to("2025-05-20 10:00 +0900")
    for i in range(3):
        _inquiry(vendor_operator, f"2025-05-0{i + 1} 10:00", f"件名{i}")
    with django_assert_max_num_queries(3):
        assert len(pack.deliverable_table(key="inquiries", month=MAY).rows) == 3
    for i in range(27):
        _inquiry(vendor_operator, f"2025-05-1{i % 9} 1{i % 10}:00", f"追加{i}")
    with django_assert_max_num_queries(3):
        assert len(pack.deliverable_table(key="inquiries", month=MAY).rows) == 30


# --- files ------------------------------------------------------------------------------


def test_inquiry_workbook_cells_and_a4_print_setup(may, vendor_operator):
    name, data = pack.deliverable_file(key="inquiries", fmt="xlsx", month=MAY, user=vendor_operator)
    assert name == "問合せ一覧_202505.xlsx"
    ws = load_workbook(BytesIO(data)).active
    assert ws["A1"].value == "問合せ一覧（2025年5月）"
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "問合せ番号")
    assert ws.cell(row=header_row, column=7).value == "件名"
    assert ws.cell(row=header_row + 1, column=1).value == may["q_may"].number
    assert ws.cell(row=header_row + 3, column=1).value == may["q_last"].number
    assert ws.cell(row=header_row + 4, column=1).value is None
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.print_area == f"'{ws.title}'!$A$1:$L${header_row + 3}"


def test_slip_workbook_is_the_help_desk_export_of_the_months_slips(may, vendor_operator):
    _, data = pack.deliverable_file(key="slips", fmt="xlsx", month=MAY, user=vendor_operator)
    ws = load_workbook(BytesIO(data)).active
    assert ws["A1"].value == "連絡票一覧表"
    assert "2025年5月 起票分" in ws["A2"].value
    assert [c.value for c in ws[SLIP_HEADER_ROW]] == SLIP_HEADERS
    assert ws.cell(row=SLIP_HEADER_ROW + 1, column=1).value == may["slip_may"].number
    assert ws.cell(row=SLIP_HEADER_ROW + 2, column=1).value is None
    assert int(ws.page_setup.paperSize) == 9  # A4


def test_pdf_shows_title_month_rows_and_page_numbers(may, vendor_operator):
    name, data = pack.deliverable_file(key="work", fmt="pdf", month=MAY, user=vendor_operator)
    assert name == "作業計画書兼作業結果報告書_202505.pdf"
    text = pdf_text(data)
    assert "作業計画書兼作業結果報告書（2025年5月）" in text
    assert may["wr_may"].number in text
    assert "設定を変更し確認した" in text
    assert re.search(r"1\s*/\s*1", text)  # page numbers
    slips = pdf_text(
        pack.deliverable_file(key="slips_closed", fmt="pdf", month=MAY, user=vendor_operator)[1]
    )
    assert may["old_slip"].number in slips and "再起動で回避" in slips


@pytest.mark.parametrize("key", list(pack.DELIVERABLES))
def test_an_empty_month_says_so_in_words_in_both_formats(key, vendor_operator, time_machine):
    time_machine.move_to("2025-06-10 10:00 +0900")
    table = pack.deliverable_table(key=key, month=EMPTY)
    assert table.rows == []
    assert "2024年12月" in table.empty_message and "ありません" in table.empty_message
    _, xlsx = pack.deliverable_file(key=key, fmt="xlsx", month=EMPTY, user=vendor_operator)
    ws = load_workbook(BytesIO(xlsx)).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert table.empty_message in values
    assert 0 not in values  # no fabricated zero row
    _, pdf = pack.deliverable_file(key=key, fmt="pdf", month=EMPTY, user=vendor_operator)
    assert table.empty_message in pdf_text(pdf).replace(" ", "")


# --- the month ----------------------------------------------------------------------------


def test_month_rules(time_machine):
    time_machine.move_to("2025-06-10 10:00 +0900")
    assert pack.deliverable_month("2025-06") == date(2025, 6, 1)
    assert pack.deliverable_month("2024-04") == date(2024, 4, 1)
    for value, words in [
        ("2025-07", "未来の月"),
        ("2024-03", "契約開始（2024年4月1日）より前"),
        ("2025-13", "2025-04"),
        ("abc", "西暦年-月"),
    ]:
        with pytest.raises(ValidationError) as exc:
            pack.deliverable_month(value)
        assert words in exc.value.message_dict["month"][0]


def test_future_month_and_month_before_contract_are_refused_in_japanese(
    client, vendor_operator, time_machine
):
    time_machine.move_to("2025-06-10 10:00 +0900")
    client.force_login(vendor_operator)
    page = client.get(reverse("reports:pack_deliverables"), {"month": "2025-07"})
    assert page.status_code == 400
    assert "2025年7月は未来の月のため、成果物を作成できません。" in page.content.decode()
    for url in (
        reverse("reports:pack_deliverable_file", args=["2025-07", "inquiries", "pdf"]),
        reverse("reports:pack_deliverables_zip", args=["2024-03"]),
    ):
        response = client.get(url)
        assert response.status_code == 400
        assert "成果物" in response.content.decode()


# --- pages, permissions, zip --------------------------------------------------------------


def test_month_page_lists_each_deliverable_with_counts_and_links(client, may, vendor_operator):
    client.force_login(vendor_operator)
    page = client.get(reverse("reports:pack_deliverables"), {"month": "2025-05"}).content.decode()
    for key, (title, _b) in pack.DELIVERABLES.items():
        assert title in page
        assert reverse("reports:pack_deliverable_file", args=["2025-05", key, "xlsx"]) in page
        assert reverse("reports:pack_deliverable_file", args=["2025-05", key, "pdf"]) in page
    assert reverse("reports:pack_deliverables_zip", args=["2025-05"]) in page
    assert "まとめてダウンロード" in page
    assert "2件" in page


def test_month_page_of_an_empty_month_says_none(client, vendor_operator, time_machine):
    time_machine.move_to("2025-06-10 10:00 +0900")
    client.force_login(vendor_operator)
    page = client.get(reverse("reports:pack_deliverables"), {"month": "2024-12"}).content.decode()
    assert page.count("該当なし") == len(pack.DELIVERABLES)


@pytest.mark.parametrize(
    "role,status",
    [
        (roles.VENDOR_OPERATOR, 200),
        (roles.VENDOR_MANAGER, 200),
        (roles.CITY_ADMIN, 200),
        (roles.MEETING_ATTENDEE, 200),
        (roles.CASEWORKER, 403),
        (roles.SUPERVISOR, 403),
        (roles.CENTER_DIRECTOR, 403),
        (roles.WARD_STAFF, 403),
    ],
)
def test_who_may_download(client, make_user, time_machine, role, status):
    time_machine.move_to("2025-06-10 10:00 +0900")
    user = make_user(role)
    client.force_login(user)
    urls = [
        reverse("reports:pack_deliverables"),
        reverse("reports:pack_deliverable_file", args=["2025-05", "faq", "xlsx"]),
    ]
    for url in urls:
        assert client.get(url).status_code == status
    visible = {i["key"] for i in items_for(user)}
    assert ("reports_pack_deliverables" in visible) == (status == 200)


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:pack_deliverables"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unknown_deliverable_or_format_is_404(client, vendor_operator):
    client.force_login(vendor_operator)
    for args in (["2025-05", "nothing", "pdf"], ["2025-05", "faq", "docx"]):
        assert client.get(reverse("reports:pack_deliverable_file", args=args)).status_code == 404


def test_download_is_an_attachment_with_the_japanese_file_name(client, may, attendee):
    client.force_login(attendee)
    response = client.get(
        reverse("reports:pack_deliverable_file", args=["2025-05", "inquiries", "pdf"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert (
        "%E5%95%8F%E5%90%88%E3%81%9B%E4%B8%80%E8%A6%A7_202505.pdf"
        in response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"]


def test_zip_contains_every_deliverable_in_both_formats(client, may, city_admin):
    client.force_login(city_admin)
    response = client.get(reverse("reports:pack_deliverables_zip", args=["2025-05"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(BytesIO(response.content)) as zf:
        names = sorted(zf.namelist())
        expected = sorted(
            f"{title}_202505.{fmt}"
            for title, _b in pack.DELIVERABLES.values()
            for fmt in ("xlsx", "pdf")
        )
        assert names == expected
        inquiries = load_workbook(BytesIO(zf.read("問合せ一覧_202505.xlsx"))).active
        assert may["q_may"].number in [c.value for c in inquiries["A"]]
        assert may["slip_may"].number in pdf_text(zf.read("連絡票一覧表_202505.pdf"))
    assert LiaisonSlip.objects.count() == 2


def test_a_long_list_runs_over_pages_with_the_header_on_each(vendor_operator, time_machine):
    time_machine.move_to("2025-05-31 20:00 +0900")
    for i in range(90):
        _inquiry(vendor_operator, f"2025-05-{i % 28 + 1:02d} 10:{i % 60:02d}", f"長い一覧の件名{i}")
    _, data = pack.deliverable_file(key="inquiries", fmt="pdf", month=MAY, user=vendor_operator)
    pages = pdf_text(data).split("\f")[:-1]
    assert len(pages) >= 2
    assert all("問合せ番号" in page for page in pages)
    assert re.search(rf"{len(pages)}\s*/\s*{len(pages)}", pages[-1])


def test_kobe_refuses_months_before_its_contract_start(settings, time_machine):
    settings.CITY_PROFILE = "kobe"
    time_machine.move_to("2025-07-10 10:00 +0900")
    assert pack.deliverable_month("2025-06") == date(2025, 6, 1)  # starts 2025-06-02
    with pytest.raises(ValidationError) as exc:
        pack.deliverable_month("2025-05")
    assert "契約開始（2025年6月2日）より前" in exc.value.message_dict["month"][0]
