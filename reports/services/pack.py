"""定例報告会議 報告書（図表7-1）と成果物一覧.

This module builds the monthly deliverable lists (問合せ一覧, 連絡票一覧表, 完了した連絡票,
FAQ 追加・更新一覧, 作業計画書兼作業結果報告書) as .xlsx (A4, print area and title rows set)
and A4 PDF, and the one .zip of all of them. A list with no rows says so in words.
The 連絡票一覧表 workbooks are helpdesk.xlsx's own export, called with the month's slips.
"""

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from core.pdf import render_pdf
from core.profiles import current_profile
from core.timeutil import fiscal_year as fiscal_year_of
from core.timeutil import month_label, now_jst, to_jst
from helpdesk import xlsx as helpdesk_xlsx
from helpdesk.models import Inquiry
from helpdesk.selectors import counts_by_category_and_channel, work_request_stats
from reports.selectors import pack as selectors

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW_GAP = 1  # blank row between the summary lines and the table header


# --- the month ------------------------------------------------------------------------------


def deliverable_month(value: str | date, *, today: date | None = None) -> date:
    """The first day of the month named by ``value`` ("YYYY-MM" or a date), or a Japanese
    ValidationError on "month": not a month, a future month, before the contract start."""
    if isinstance(value, date):
        month = value.replace(day=1)
    else:
        try:
            year, mon = (int(p) for p in str(value).strip().split("-"))
            month = date(year, mon, 1)
        except (ValueError, TypeError):
            raise ValidationError(
                {"month": _("対象月は「2025-04」の形（西暦年-月）で指定してください。")}
            ) from None
    today = today or now_jst().date()
    if month > today.replace(day=1):
        raise ValidationError(
            {
                "month": _("%(month)sは未来の月のため、成果物を作成できません。")
                % {"month": month_label(month)}
            }
        )
    start = current_profile().contract_start
    if month < start.replace(day=1):
        raise ValidationError(
            {
                "month": _("%(month)sは契約開始（%(start)s）より前のため、成果物はありません。")
                % {
                    "month": month_label(month),
                    "start": f"{start.year}年{start.month}月{start.day}日",
                }
            }
        )
    return month


# --- the lists as tables -----------------------------------------------------------------


@dataclass
class Column:
    header: str
    width: int  # Excel character units; also the PDF's relative width
    wrap: bool = False


@dataclass
class DeliverableTable:
    key: str
    title: str
    month: date
    columns: list[Column]
    rows: list[list]
    empty_message: str
    summary: list[str] = field(default_factory=list)
    period: str = ""  # the period in words when not a month (e.g. 「2025年度」)
    stem: str = ""  # the file name without extension when not title_YYYYMM

    @property
    def label(self) -> str:
        return self.period or month_label(self.month)

    @property
    def filename(self) -> str:
        return self.stem or f"{self.title}_{self.month:%Y%m}"


def _d(value: datetime | None) -> date | None:
    return to_jst(value).date() if value else None


def _dt(value: datetime | None) -> str:
    return f"{to_jst(value):%Y/%m/%d %H:%M}" if value else ""


def _name(user) -> str:
    return (getattr(user, "name", "") or user.get_username()) if user else ""


def inquiry_table(month: date) -> DeliverableTable:
    rows = [
        [
            i.number,
            _dt(i.received_at),
            str(i.get_channel_display()),
            i.caller_unit.name if i.caller_unit_id else "",
            i.caller_name,
            i.category.name if i.category_id else "",
            i.subject,
            i.answer,
            _dt(i.answered_at),
            _name(i.handled_by),
            str(i.get_status_display()),
            i.slip.number if hasattr(i, "slip") else "",
        ]
        for i in selectors.inquiries_received_in(month)
    ]
    channels = dict(Inquiry.Channel.choices)
    breakdown = "、".join(
        f"{c['category__name'] or '分類なし'}・{channels.get(c['channel'], c['channel'])} {c['n']}件"
        for c in counts_by_category_and_channel(month=month)
    )
    summary = [f"受付件数: {len(rows)}件"]
    if breakdown:
        summary.append(f"分類・受付方法別: {breakdown}")
    return DeliverableTable(
        key="inquiries",
        title="問合せ一覧",
        month=month,
        columns=[
            Column("問合せ番号", 11),
            Column("受付日時", 16),
            Column("受付方法", 8),
            Column("所属", 14, True),
            Column("問合せ者", 12, True),
            Column("分類", 12, True),
            Column("件名", 30, True),
            Column("回答", 40, True),
            Column("回答日時", 16),
            Column("対応者", 12, True),
            Column("状態", 10),
            Column("連絡票", 11),
        ],
        rows=rows,
        empty_message=f"{month_label(month)}に受け付けた問合せはありません。",
        summary=summary,
    )


def _slip_table(key: str, title: str, month: date, slips, empty: str) -> DeliverableTable:
    # helpdesk.xlsx's columns and row layout: the PDF shows what the workbook shows.
    rows = [helpdesk_xlsx._row(slip) for slip in slips]
    return DeliverableTable(
        key=key,
        title=title,
        month=month,
        columns=[Column(h, w, wrap) for h, w, wrap in helpdesk_xlsx.COLUMNS],
        rows=rows,
        empty_message=empty,
        summary=[f"件数: {len(rows)}件"],
    )


def slip_table(month: date) -> DeliverableTable:
    return _slip_table(
        "slips",
        "連絡票一覧表",
        month,
        selectors.slips_raised_in(month),
        f"{month_label(month)}に起票した連絡票はありません。",
    )


def closed_slip_table(month: date) -> DeliverableTable:
    return _slip_table(
        "slips_closed",
        "完了連絡票一覧",
        month,
        selectors.slips_closed_in(month),
        f"{month_label(month)}に対応完了となった連絡票はありません。",
    )


def faq_table(month: date) -> DeliverableTable:
    lo, hi = selectors.month_bounds(month)
    rows, added = [], 0
    for faq in selectors.faqs_changed_in(month):
        new = lo <= faq.created_at < hi
        added += new
        rows.append(
            [
                faq.pk,
                "追加" if new else "更新",
                faq.category.name if faq.category_id else "",
                faq.question,
                faq.answer,
                str(faq.get_status_display()),
                _d(faq.created_at),
                _d(faq.updated_at),
            ]
        )
    return DeliverableTable(
        key="faq",
        title="FAQ追加・更新一覧",
        month=month,
        columns=[
            Column("FAQ番号", 8),
            Column("区分", 6),
            Column("分類", 12, True),
            Column("質問", 40, True),
            Column("回答", 50, True),
            Column("状態", 8),
            Column("作成日", 11),
            Column("更新日", 11),
        ],
        rows=rows,
        empty_message=f"{month_label(month)}に追加・更新したFAQはありません。",
        summary=[f"追加: {added}件　更新: {len(rows) - added}件"],
    )


def _rate(value: float | None) -> str:
    return "－（依頼なし）" if value is None else f"{value * 100:.1f}%"


def work_table(month: date) -> DeliverableTable:
    rows = [
        [
            w.number,
            _d(w.requested_at),
            " ".join(
                p
                for p in (w.requester_unit.name if w.requester_unit_id else "", _name(w.requester))
                if p
            ),
            w.title,
            str(w.get_feasibility_display()) if w.feasibility else "",
            w.plan,
            w.execution_record,
            w.report,
            w.completed_on,
            str(w.get_status_display()),
        ]
        for w in selectors.work_requests_in(month)
    ]
    stats = work_request_stats(start=month, end=selectors.next_month(month))
    summary = [
        f"対象件数: {len(rows)}件（当月受付・当月完了・前月からの継続）",
        f"当月受付: {stats['received']}件　検討済: {stats['reviewed']}件"
        f"（{_rate(stats['reviewed_rate'])}）　対応済: {stats['completed']}件"
        f"（{_rate(stats['completed_rate'])}）",
    ]
    return DeliverableTable(
        key="work",
        title="作業計画書兼作業結果報告書",
        month=month,
        columns=[
            Column("依頼番号", 11),
            Column("依頼日", 11),
            Column("依頼者", 16, True),
            Column("件名", 26, True),
            Column("可否", 10),
            Column("作業計画", 32, True),
            Column("作業記録", 32, True),
            Column("作業結果", 32, True),
            Column("完了日", 11),
            Column("状態", 11),
        ],
        rows=rows,
        empty_message=f"{month_label(month)}に対象となる作業依頼はありません。",
        summary=summary,
    )


# key → (title, builder); the order of the page and of the .zip
DELIVERABLES: dict[str, tuple[str, Callable[[date], DeliverableTable]]] = {
    "inquiries": ("問合せ一覧", inquiry_table),
    "slips": ("連絡票一覧表", slip_table),
    "slips_closed": ("完了連絡票一覧", closed_slip_table),
    "faq": ("FAQ追加・更新一覧", faq_table),
    "work": ("作業計画書兼作業結果報告書", work_table),
}
FORMATS = ("xlsx", "pdf")


def deliverable_table(*, key: str, month: date) -> DeliverableTable:
    if key not in DELIVERABLES:
        raise KeyError(key)
    return DELIVERABLES[key][1](month)


# --- .xlsx -----------------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _print_setup(ws, *, title: str, header_row: int, last_row: int, last_col: int) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    ws.oddHeader.left.text = title
    ws.oddFooter.right.text = "&P / &N"


def table_workbook(table: DeliverableTable, *, user) -> bytes:
    """One sheet: title, month and print line, summary, header, rows (or the empty wording)."""
    wb = Workbook()
    wb.properties.title = table.title
    wb.properties.creator = _name(user)
    fill_sheet(wb.active, table, user=user)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def fill_sheet(ws, table: DeliverableTable, *, user) -> None:
    ws.title = table.title[:31]
    ws.cell(row=1, column=1, value=f"{table.title}（{table.label}）").font = Font(
        size=14, bold=True
    )
    ws.cell(
        row=2,
        column=1,
        value=f"対象期間: {table.label}　出力日時: {now_jst():%Y/%m/%d %H:%M}（日本時間）"
        f"　出力者: {_name(user)}",
    )
    row = 3
    for line in table.summary:
        helpdesk_xlsx._write_text(ws, row, 1, line)
        row += 1
    header_row = row + HEADER_ROW_GAP
    for col, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=col, value=column.header)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = column.width
    r = header_row
    for r, values in enumerate(table.rows, start=header_row + 1):
        lines = 1
        for col, (column, value) in enumerate(zip(table.columns, values, strict=True), start=1):
            if isinstance(value, date):
                cell = ws.cell(row=r, column=col, value=value)
                cell.number_format = "yyyy/mm/dd"
            elif isinstance(value, int):
                cell = ws.cell(row=r, column=col, value=value)
            else:
                cell = helpdesk_xlsx._write_text(ws, r, col, value or "")
                if column.wrap and cell.value:
                    lines = max(lines, helpdesk_xlsx._lines(cell.value, column.width))
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=column.wrap, vertical="top")
        ws.row_dimensions[r].height = min(409, 13.0 * lines + 4)
    if not table.rows:
        r = header_row + 1
        ws.cell(row=r, column=1, value=table.empty_message)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(table.columns))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    _print_setup(
        ws, title=table.title, header_row=header_row, last_row=r, last_col=len(table.columns)
    )


def _slip_workbook(table: DeliverableTable, slips, note: str, *, user) -> bytes:
    """helpdesk's 連絡票一覧表 export; an empty month gets its sentence under the header."""
    data = helpdesk_xlsx.slip_list_workbook(slips, title_note=note, user=user)
    if table.rows:
        return data
    wb = load_workbook(BytesIO(data))
    ws = wb.active
    r = helpdesk_xlsx.HEADER_ROW + 1
    ws.cell(row=r, column=1, value=table.empty_message)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(table.columns))
    ws.print_area = f"A1:{get_column_letter(len(table.columns))}{r}"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def deliverable_xlsx(table: DeliverableTable, *, user) -> bytes:
    label = month_label(table.month)
    if table.key == "slips":
        slips = selectors.slips_raised_in(table.month)
        return _slip_workbook(table, slips, f"{label} 起票分", user=user)
    if table.key == "slips_closed":
        slips = selectors.slips_closed_in(table.month)
        return _slip_workbook(table, slips, f"{label} 対応完了分", user=user)
    return table_workbook(table, user=user)


# --- PDF -------------------------------------------------------------------------------------


# Long texts (answers, descriptions) are cut in the PDF: the .xlsx of the same list keeps
# them whole, and a month of full texts in one table made WeasyPrint take minutes.
PDF_CELL_MAX_CHARS = 200


def _pdf_value(value):
    if isinstance(value, str) and len(value) > PDF_CELL_MAX_CHARS:
        return value[: PDF_CELL_MAX_CHARS - 1] + "…"
    return value


def _section(table: DeliverableTable) -> dict:
    total = sum(c.width for c in table.columns) or 1
    return {
        "table": table,
        "columns": [
            {"header": c.header, "wrap": c.wrap, "percent": round(c.width * 100 / total, 2)}
            for c in table.columns
        ],
        "rows": [
            [
                {"value": _pdf_value(v), "wrap": c.wrap}
                for c, v in zip(table.columns, row, strict=True)
            ]
            for row in table.rows
        ],
    }


def tables_pdf(title: str, period: str, tables: list[DeliverableTable], *, user) -> bytes:
    """A4 landscape PDF: one section per table (a heading each when there are several)."""
    context = {
        "title": title,
        "month_label": period,
        "sections": [_section(t) for t in tables],
        "printed_at": now_jst(),
        "printed_by": _name(user),
        "city": current_profile().name,
    }
    return render_pdf("reports/pack/deliverable_pdf.html", context)


def deliverable_pdf(table: DeliverableTable, *, user) -> bytes:
    return tables_pdf(table.title, table.label, [table], user=user)


def deliverable_file(*, key: str, fmt: str, month: date, user) -> tuple[str, bytes]:
    """(file name, bytes) of one deliverable in one format."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    table = deliverable_table(key=key, month=month)
    data = (
        deliverable_xlsx(table, user=user) if fmt == "xlsx" else deliverable_pdf(table, user=user)
    )
    return f"{table.filename}.{fmt}", data


def deliverables_zip(*, month: date, user) -> tuple[str, bytes]:
    """Every deliverable of the month in both formats, as one .zip (UTF-8 file names)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in DELIVERABLES:
            table = deliverable_table(key=key, month=month)
            zf.writestr(f"{table.filename}.xlsx", deliverable_xlsx(table, user=user))
            zf.writestr(f"{table.filename}.pdf", deliverable_pdf(table, user=user))
    return f"成果物一覧_{month:%Y%m}.zip", out.getvalue()


def deliverable_counts(*, month: date) -> dict[str, int]:
    """Rows per list, for the month page (one count query each)."""
    return {
        "inquiries": selectors.inquiries_received_in(month).count(),
        "slips": selectors.slips_raised_in(month).count(),
        "slips_closed": selectors.slips_closed_in(month).count(),
        "faq": selectors.faqs_changed_in(month).count(),
        "work": selectors.work_requests_in(month).count(),
    }


# --- the yearly 運用保守報告書 (Kobe) ----------------------------------------------------------

ANNUAL_TITLE = "運用保守報告書"


def annual_fiscal_year(value, *, today: date | None = None) -> int:
    """A fiscal year (年度) from the contract's first to the current one, or a Japanese
    ValidationError on "fiscal_year"."""
    try:
        fy = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            {"fiscal_year": _("年度は西暦の数字（例: 2025）で指定してください。")}
        ) from None
    today = today or now_jst().date()
    first = fiscal_year_of(current_profile().contract_start)
    if fy > fiscal_year_of(today):
        raise ValidationError(
            {
                "fiscal_year": _("%(fy)s年度はまだ始まっていないため、報告書を作成できません。")
                % {"fy": fy}
            }
        )
    if fy < first:
        raise ValidationError(
            {
                "fiscal_year": _(
                    "%(fy)s年度は契約開始（%(first)s年度）より前のため、報告書はありません。"
                )
                % {"fy": fy, "first": first}
            }
        )
    return fy


def _annual(key: str, title: str, fy: int, columns, rows, empty: str, summary=None):
    return DeliverableTable(
        key=key,
        title=title,
        month=date(fy, 4, 1),
        columns=columns,
        rows=rows,
        empty_message=empty,
        summary=summary if summary is not None else [f"件数: {len(rows)}件"],
        period=f"{fy}年度",
        stem=f"{ANNUAL_TITLE}_{fy}年度",
    )


def annual_tables(*, fiscal_year: int) -> list[DeliverableTable]:
    """The yearly report's lists: open problems at the year's end, then the year's cases
    (inquiries, investigation requests = liaison slips, estimates = work-request reviews,
    incidents). Service levels are the SLA part's report and are not repeated here."""
    fy = fiscal_year
    problems = [
        [
            p.pk,
            p.title,
            str(p.get_status_display()),
            p.root_cause,
            p.permanent_fix,
            p.incident_count,
            _d(p.first_aware_at),
            p.resolved_on,
        ]
        for p in selectors.open_problems_at_year_end(fy)
    ]
    inquiries = [
        [
            i.number,
            _dt(i.received_at),
            str(i.get_channel_display()),
            i.category.name if i.category_id else "",
            i.subject,
            _dt(i.answered_at),
            str(i.get_status_display()),
            i.slip.number if hasattr(i, "slip") else "",
        ]
        for i in selectors.inquiries_in_year(fy)
    ]
    slips = [
        [
            s.number,
            _d(s.raised_at),
            s.inquiry.number if s.inquiry_id else "",
            s.event,
            str(s.get_judgement_display()) if s.judgement else "",
            s.replied_on,
            str(s.get_status_display()),
            _d(s.closed_at),
        ]
        for s in selectors.slips_in_year(fy)
    ]
    estimates = [
        [
            w.number,
            _d(w.requested_at),
            w.title,
            str(w.get_feasibility_display()) if w.feasibility else "",
            w.estimate,
            _d(w.reviewed_at),
            str(w.get_status_display()),
        ]
        for w in selectors.estimates_in_year(fy)
    ]
    incidents = [
        [
            n.number,
            _dt(n.aware_at),
            str(n.get_kind_display()),
            n.severity,
            n.title,
            _dt(n.recovered_at),
            str(n.get_status_display()),
            n.problem.title if n.problem_id else "",
        ]
        for n in selectors.incidents_in_year(fy)
    ]
    year = f"{fy}年度"
    return [
        _annual(
            "problems",
            "未解決の問題一覧",
            fy,
            [
                Column("問題番号", 8),
                Column("件名", 26, True),
                Column("状態（年度末）", 12),
                Column("根本原因", 34, True),
                Column("恒久対策", 34, True),
                Column("関連障害数", 10),
                Column("最初の認知日", 12),
                Column("解決日", 11),
            ],
            problems,
            f"{year}末に未解決の問題はありません。",
            [f"{year}末に未解決の問題: {len(problems)}件"],
        ),
        _annual(
            "inquiries",
            "問合せ一覧",
            fy,
            [
                Column("問合せ番号", 11),
                Column("受付日時", 16),
                Column("受付方法", 8),
                Column("分類", 12, True),
                Column("件名", 40, True),
                Column("回答日時", 16),
                Column("状態", 10),
                Column("連絡票", 11),
            ],
            inquiries,
            f"{year}に受け付けた問合せはありません。",
        ),
        _annual(
            "investigations",
            "調査依頼一覧（連絡票）",
            fy,
            [
                Column("連絡票番号", 11),
                Column("起票日", 11),
                Column("元の問合せ", 11),
                Column("事象", 50, True),
                Column("判定", 13),
                Column("市への回答日", 12),
                Column("状態", 9),
                Column("完了日", 11),
            ],
            slips,
            f"{year}に起票した連絡票（調査依頼）はありません。",
        ),
        _annual(
            "estimates",
            "見積一覧（作業依頼の検討結果）",
            fy,
            [
                Column("依頼番号", 11),
                Column("依頼日", 11),
                Column("件名", 30, True),
                Column("可否", 10),
                Column("見積・影響", 50, True),
                Column("検討日", 11),
                Column("状態", 11),
            ],
            estimates,
            f"{year}に受け付けた作業依頼はありません。",
        ),
        _annual(
            "incidents",
            "障害一覧",
            fy,
            [
                Column("障害番号", 11),
                Column("認知日時", 16),
                Column("種別", 12),
                Column("重大度", 7),
                Column("件名", 36, True),
                Column("復旧日時", 16),
                Column("状態", 8),
                Column("問題（根本原因）", 24, True),
            ],
            incidents,
            f"{year}に発生した障害はありません。",
        ),
    ]


def annual_report_file(*, fiscal_year: int, fmt: str, user) -> tuple[str, bytes]:
    """(file name, bytes) of the yearly 運用保守報告書: .xlsx with a sheet per list, or PDF."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    tables = annual_tables(fiscal_year=fiscal_year)
    name = f"{tables[0].filename}.{fmt}"
    if fmt == "pdf":
        return name, tables_pdf(ANNUAL_TITLE, tables[0].label, tables, user=user)
    wb = Workbook()
    wb.properties.title = ANNUAL_TITLE
    wb.properties.creator = _name(user)
    for n, table in enumerate(tables):
        fill_sheet(wb.active if n == 0 else wb.create_sheet(), table, user=user)
    out = BytesIO()
    wb.save(out)
    return name, out.getvalue()


__all__ = [
    "DELIVERABLES",
    "FORMATS",
    "annual_fiscal_year",
    "annual_report_file",
    "annual_tables",
    "deliverable_counts",
    "deliverable_file",
    "deliverable_month",
    "deliverables_zip",
]
