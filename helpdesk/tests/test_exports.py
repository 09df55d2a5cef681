"""Help-desk outputs: 連絡票一覧表 (.xlsx), 連絡票 (PDF), 作業依頼書・作業報告書 (PDF)."""

import subprocess
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.tests.factories import OrgUnitFactory
from helpdesk import services
from helpdesk.models import Countermeasure, Inquiry
from helpdesk.xlsx import HEADER_ROW, HEADERS

pytestmark = pytest.mark.django_db

EXPECTED_HEADERS = [
    "連絡票番号",
    "起票日",
    "元の問合せ",
    "事象",
    "切り分け",
    "原因",
    "判定",
    "暫定対応",
    "恒久対応",
    "市への回答日",
    "状態",
    "完了日",
]
COL = {name: i for i, name in enumerate(EXPECTED_HEADERS)}


def pdf_text(pdf_bytes: bytes) -> str:
    assert pdf_bytes.startswith(b"%PDF-")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf_bytes, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def make_inquiry(actor, subject="帳票の出力ができない") -> Inquiry:
    return services.inquiry_create(
        actor=actor,
        received_at=timezone.now() - timedelta(hours=2),
        channel=Inquiry.Channel.PHONE,
        subject=subject,
        content="児童記録票の印刷ボタンを押しても反応がない。",
    )


def make_slip(actor, event="印刷ボタンを押しても帳票が出力されない。", *, inquiry=None):
    return services.slip_raise(actor=actor, event=event, inquiry=inquiry)


def add_cm(slip, owner, kind, description, due=None):
    return services.countermeasure_add(
        slip=slip,
        kind=kind,
        description=description,
        owner=owner,
        due_on=due or timezone.localdate() + timedelta(days=7),
    )


def close_slip(slip, actor):
    for cm in slip.countermeasures.all():
        services.countermeasure_set_status(countermeasure=cm, status=Countermeasure.Status.DONE)
    slip.refresh_from_db()
    slip = services.slip_update(slip=slip, expected_version=slip.version, judgement="defect")
    return services.slip_close(slip=slip, actor=actor, expected_version=slip.version)


def get_sheet(response):
    assert response.status_code == 200, response.status_code
    wb = load_workbook(BytesIO(response.content))
    return wb.active


def data_rows(ws):
    return [
        list(row)
        for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(HEADERS), values_only=True)
    ]


def rows_by_number(ws):
    return {row[COL["連絡票番号"]]: row for row in data_rows(ws)}


@pytest.fixture
def operator_client(client, vendor_operator):
    client.force_login(vendor_operator)
    return client


# --- 連絡票一覧表 (.xlsx) ---------------------------------------------------------------


def test_slip_list_xlsx_has_title_header_and_one_row_per_slip(operator_client, vendor_operator):
    inquiry = make_inquiry(vendor_operator)
    slip1 = make_slip(vendor_operator, inquiry=inquiry)
    slip2 = make_slip(vendor_operator, event="検索結果の件数が画面と一致しない。")

    response = operator_client.get(reverse("helpdesk:slips_xlsx"))

    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('連絡票一覧表_')}" in disposition
    assert disposition.endswith(".xlsx")
    assert "no-store" in response["Cache-Control"]
    ws = get_sheet(response)
    assert ws["A1"].value == "連絡票一覧表"
    assert "抽出条件: すべて" in ws["A2"].value
    assert "出力日時" in ws["A3"].value
    assert vendor_operator.name in ws["A3"].value
    header = [c.value for c in ws[HEADER_ROW]][: len(EXPECTED_HEADERS)]
    assert header == EXPECTED_HEADERS
    rows = rows_by_number(ws)
    assert set(rows) == {slip1.number, slip2.number}
    assert rows[slip1.number][COL["元の問合せ"]] == inquiry.number
    assert rows[slip2.number][COL["元の問合せ"]] is None
    assert rows[slip1.number][COL["事象"]] == "印刷ボタンを押しても帳票が出力されない。"
    assert rows[slip1.number][COL["状態"]] == "起票"
    assert rows[slip1.number][COL["起票日"]].date() == timezone.localdate(slip1.raised_at)


def test_slip_list_xlsx_print_setup(operator_client, vendor_operator):
    make_slip(vendor_operator)

    ws = get_sheet(operator_client.get(reverse("helpdesk:slips_xlsx")))

    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ws.page_setup.fitToWidth) == 1
    assert int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows.replace("$", "") == f"{HEADER_ROW}:{HEADER_ROW}"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    event = ws.cell(row=HEADER_ROW + 1, column=COL["事象"] + 1)
    assert event.alignment.wrap_text is True
    assert event.border.left.style == "thin"
    assert ws.column_dimensions["D"].width >= 30


def test_slip_list_xlsx_respects_the_list_filters(operator_client, vendor_operator):
    open_slip = make_slip(vendor_operator, event="未完了の連絡票")
    closed = make_slip(vendor_operator, event="完了した連絡票")
    add_cm(closed, vendor_operator, Countermeasure.Kind.PROVISIONAL, "手順を案内")
    close_slip(closed, vendor_operator)

    ws = get_sheet(operator_client.get(reverse("helpdesk:slips_xlsx"), {"status": "unfinished"}))

    assert set(rows_by_number(ws)) == {open_slip.number}
    assert "状態: 未完了" in ws["A2"].value

    ws = get_sheet(operator_client.get(reverse("helpdesk:slips_xlsx")))
    rows = rows_by_number(ws)
    assert set(rows) == {open_slip.number, closed.number}
    assert rows[closed.number][COL["状態"]] == "対応完了"
    assert rows[closed.number][COL["判定"]] == "不具合"
    assert rows[closed.number][COL["完了日"]] is not None


def test_countermeasures_appear_in_their_columns(operator_client, vendor_operator, make_user):
    other = make_user("vendor_operator", name="試験 保守担当")
    slip = make_slip(vendor_operator)
    add_cm(
        slip,
        vendor_operator,
        Countermeasure.Kind.PROVISIONAL,
        "手作業で帳票を出力して送付",
        due=date(2030, 1, 15),
    )
    add_cm(slip, other, Countermeasure.Kind.PERMANENT, "印刷処理を修正して本番へ反映")
    done = add_cm(slip, other, Countermeasure.Kind.PROVISIONAL, "利用者へ回避手順を周知")
    services.countermeasure_set_status(countermeasure=done, status=Countermeasure.Status.DONE)

    ws = get_sheet(operator_client.get(reverse("helpdesk:slips_xlsx")))

    row = rows_by_number(ws)[slip.number]
    provisional, permanent = row[COL["暫定対応"]], row[COL["恒久対応"]]
    assert "手作業で帳票を出力して送付" in provisional
    assert vendor_operator.name in provisional
    assert "2030/01/15" in provisional
    assert "未着手" in provisional
    assert "利用者へ回避手順を周知" in provisional
    assert "完了" in provisional
    assert len(provisional.splitlines()) == 2
    assert "印刷処理を修正して本番へ反映" in permanent
    assert other.name in permanent
    assert "印刷処理" not in provisional
    assert "手作業" not in permanent


def test_markup_and_formulas_stay_literal_text(operator_client, vendor_operator):
    script = make_slip(vendor_operator, event="<script>alert('x')</script> が表示される")
    formula = make_slip(vendor_operator, event='=HYPERLINK("http://evil.example","click")')

    ws = get_sheet(operator_client.get(reverse("helpdesk:slips_xlsx")))

    rows = rows_by_number(ws)
    assert rows[script.number][COL["事象"]] == "<script>alert('x')</script> が表示される"
    assert rows[formula.number][COL["事象"]] == '=HYPERLINK("http://evil.example","click")'
    for cell in ws.iter_rows(min_row=HEADER_ROW + 1):
        assert all(c.data_type != "f" for c in cell)


def _export_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("helpdesk:slips_xlsx"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_xlsx_export_queries_do_not_grow_with_the_rows(operator_client, vendor_operator):
    def slip_with_measures(i):
        slip = make_slip(
            vendor_operator, event=f"事象その{i}", inquiry=make_inquiry(vendor_operator)
        )
        add_cm(slip, vendor_operator, Countermeasure.Kind.PROVISIONAL, f"暫定{i}")
        add_cm(slip, vendor_operator, Countermeasure.Kind.PERMANENT, f"恒久{i}")

    for i in range(2):
        slip_with_measures(i)
    _export_queries(operator_client)  # warm-up: one-time lookups are not per row
    with_2 = _export_queries(operator_client)
    for i in range(2, 20):
        slip_with_measures(i)
    with_20 = _export_queries(operator_client)

    assert with_2 == with_20
    ws = get_sheet(operator_client.get(reverse("helpdesk:slips_xlsx")))
    assert len(data_rows(ws)) == 20


# --- 連絡票 (PDF) ------------------------------------------------------------------------


def test_slip_pdf_shows_event_inquiry_and_countermeasures(operator_client, vendor_operator):
    inquiry = make_inquiry(vendor_operator, subject="児童記録票が印刷できない")
    slip = make_slip(
        vendor_operator, event="印刷ボタンを押すと「<エラー>」と表示される。", inquiry=inquiry
    )
    add_cm(slip, vendor_operator, Countermeasure.Kind.PROVISIONAL, "手作業で帳票を出力して送付")

    response = operator_client.get(reverse("helpdesk:slip_pdf", args=[slip.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "連絡票" in text
    assert slip.number in text
    assert "印刷ボタンを押すと「<エラー>」と表示される。" in text
    assert inquiry.number in text
    assert "児童記録票が印刷できない" in text
    assert "暫定対応" in text
    assert "手作業で帳票を出力して送付" in text
    assert vendor_operator.name in text


# --- 作業依頼書・作業報告書 (PDF) --------------------------------------------------------


def test_work_request_pdf_has_request_and_report(
    client, vendor_operator, city_admin, operator_client
):
    unit = OrgUnitFactory(name="こども家庭課")
    wr = services.work_request_create(
        requester=city_admin,
        requester_unit=unit,
        title="月次統計帳票の項目追加",
        content="月次統計に一時保護の日数を追加してほしい。",
        desired_on=timezone.localdate() + timedelta(days=30),
    )
    wr = services.work_request_review(
        wr=wr,
        actor=vendor_operator,
        feasibility="yes",
        estimate="改修2人日、影響は月次帳票のみ。",
        expected_version=wr.version,
    )
    wr = services.work_request_approve(
        wr=wr, actor=city_admin, plan="検証環境で確認後に本番反映。", expected_version=wr.version
    )
    wr = services.work_request_record(
        wr=wr, execution_record="帳票定義を変更し検証環境で確認した。", expected_version=wr.version
    )
    wr = services.work_request_complete(
        wr=wr,
        report="本番環境へ反映し、出力結果を確認した。",
        completed_on=timezone.localdate(),
        expected_version=wr.version,
    )

    response = operator_client.get(reverse("helpdesk:work_request_pdf", args=[wr.pk]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in (
        "作業依頼書",
        "作業報告書",
        wr.number,
        "月次統計帳票の項目追加",
        "月次統計に一時保護の日数を追加してほしい。",
        "こども家庭課",
        city_admin.name,
        "対応可",
        "改修2人日",
        "検証環境で確認後に本番反映。",
        "帳票定義を変更し検証環境で確認した。",
        "本番環境へ反映し、出力結果を確認した。",
    ):
        assert expected in text, expected

    client.force_login(city_admin)  # the requester prints their own request too
    assert client.get(reverse("helpdesk:work_request_pdf", args=[wr.pk])).status_code == 200


# --- who may export -----------------------------------------------------------------------


def test_caseworker_gets_403_on_every_export(client, caseworker, vendor_operator, city_admin):
    slip = make_slip(vendor_operator)
    wr = services.work_request_create(requester=city_admin, title="件名", content="内容")
    client.force_login(caseworker)

    for url in (
        reverse("helpdesk:slips_xlsx"),
        reverse("helpdesk:slip_pdf", args=[slip.pk]),
        reverse("helpdesk:work_request_pdf", args=[wr.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_city_desk_exports_only_slips_from_its_own_inquiries(client, city_admin, vendor_operator):
    own = make_slip(vendor_operator, inquiry=make_inquiry(city_admin))
    other = make_slip(vendor_operator, inquiry=make_inquiry(vendor_operator))
    client.force_login(city_admin)

    ws = get_sheet(client.get(reverse("helpdesk:slips_xlsx")))

    assert set(rows_by_number(ws)) == {own.number}
    assert client.get(reverse("helpdesk:slip_pdf", args=[own.pk])).status_code == 200
    assert client.get(reverse("helpdesk:slip_pdf", args=[other.pk])).status_code == 403


def test_at_most_max_rows_and_the_title_says_so(monkeypatch, vendor_operator):
    from helpdesk import xlsx
    from helpdesk.models import LiaisonSlip
    from helpdesk.selectors import slip_list

    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    for i in range(3):
        make_slip(vendor_operator, event=f"事象{i}")

    data = xlsx.slip_list_workbook(
        slip_list(LiaisonSlip.objects.all()), title_note="すべて", user=vendor_operator
    )

    ws = load_workbook(BytesIO(data)).active
    assert ws["A1"].value.startswith("連絡票一覧表")
    assert "先頭の2件のみ" in ws["A1"].value
    assert len(data_rows(ws)) == 2
