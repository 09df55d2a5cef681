"""The monthly report as .xlsx (a sheet per section, A4 print setup) and A4 PDF.

Both are made from the same ``Section`` objects, so the two files always show the same
figures. A missing value is printed as words, never as 0.
"""

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from core.pdf import render_pdf_with_pages
from core.timeutil import month_label, to_jst
from reports.sections.base import NO_DATA, Cell, Section
from reports.services.charts import chart_svg

TITLE = "運用・保守定例報告会議 報告書"
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
WRAP = Alignment(wrap_text=True, vertical="top")
EMPTY_CELL = "—"


@dataclass(frozen=True)
class Meta:
    city: str
    month: date
    revision: int
    issued_at: datetime
    issued_by: str
    reason: str = ""

    @property
    def month_label(self) -> str:
        return month_label(self.month)


# --- values ---------------------------------------------------------------------------------


def display(value: Cell) -> str:
    """A cell as printed text (PDF); None is a dash in tables, never 0."""
    if value is None:
        return EMPTY_CELL
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime):
        return f"{to_jst(value):%Y-%m-%d %H:%M}" if value.tzinfo else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    return str(value)


def _excel_value(value: Cell):
    if value is None:
        return EMPTY_CELL
    if isinstance(value, datetime):
        return to_jst(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if not isinstance(value, str | int | float | date):
        return str(value)  # lazy translations (choice labels) and the like
    return value


def figure_text(fig) -> str:
    if fig.value is None:
        return fig.absent or NO_DATA
    return f"{display(fig.value)}{fig.unit and ' ' + fig.unit}"


# --- xlsx ------------------------------------------------------------------------------------

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(number: int, section: Section) -> str:
    title = _BAD_SHEET_CHARS.sub("・", section.title.split("（")[0])
    return f"{number:02d} {title}"[:31]


def _print_setup(ws, *, last_row: int, last_col: int, title: str) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if last_col > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_area = f"A1:{get_column_letter(max(last_col, 1))}{max(last_row, 1)}"
    ws.oddHeader.left.text = title
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.right.text = "&A"


def _widths(ws, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)


def _text_width(value) -> int:
    text = display(value) if not isinstance(value, str) else value
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _write_section(ws, number: int, section: Section, meta: Meta) -> None:
    widths: dict[int, int] = {}
    last_col = 1

    def put(row: int, col: int, value, *, bold=False, fill=None, box=False, wrap=False):
        nonlocal last_col
        cell = ws.cell(row=row, column=col, value=_excel_value(value))
        if bold:
            cell.font = Font(bold=True)
        if fill:
            cell.fill = fill
        if box:
            cell.border = BOX
        if wrap:
            cell.alignment = WRAP
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(cell.value, float):
            cell.number_format = "#,##0.00"
        elif isinstance(cell.value, int):
            cell.number_format = "#,##0"
        widths[col] = max(widths.get(col, 0), min(_text_width(value), 60))
        last_col = max(last_col, col)
        return cell

    ws.cell(row=1, column=1, value=f"{number}. {section.title}").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=f"{meta.city} {meta.month_label}（第{meta.revision}版）")
    row = 4
    if section.absent:
        put(row, 1, section.absent, wrap=True)
        row += 2
    if section.figures:
        for col, head in enumerate(("項目", "値", "備考"), start=1):
            put(row, col, head, bold=True, fill=HEADER_FILL, box=True)
        row += 1
        for fig in section.figures:
            put(row, 1, fig.label, box=True)
            if fig.value is None:
                put(row, 2, fig.absent or NO_DATA, box=True, wrap=True)
            else:
                put(row, 2, fig.value, box=True)
                if fig.unit:
                    ws.cell(row=row, column=2).number_format += f' "{fig.unit}"'
            put(row, 3, fig.note, box=True, wrap=True)
            row += 1
        row += 1
    for table in section.tables:
        put(row, 1, table.caption, bold=True)
        row += 1
        for col, head in enumerate(table.columns, start=1):
            put(row, col, head, bold=True, fill=HEADER_FILL, box=True, wrap=True)
        row += 1
        if not table.rows:
            put(row, 1, table.empty)
            row += 1
        for values in table.rows:
            for col, value in enumerate(values, start=1):
                put(row, col, value, box=True, wrap=isinstance(value, str) and len(value) > 30)
            row += 1
        if table.note:
            put(row, 1, table.note)
            row += 1
        row += 1
    for chart in section.charts:
        put(row, 1, chart.title + (f"（{chart.unit}）" if chart.unit else ""), bold=True)
        row += 1
        head_row = row
        put(row, 1, "", box=True)
        for col, cat in enumerate(chart.categories, start=2):
            put(row, col, cat, bold=True, fill=HEADER_FILL, box=True)
        for series in chart.series:
            row += 1
            put(row, 1, series.name, box=True)
            for col, v in enumerate(series.values, start=2):
                if v is not None:  # an empty cell is a gap in the chart, not a zero
                    put(row, col, float(v), box=True)
                else:
                    ws.cell(row=row, column=col).border = BOX
        xl_chart = BarChart() if chart.kind == "bar" else LineChart()
        xl_chart.title = chart.title
        xl_chart.y_axis.title = chart.unit or None
        xl_chart.height, xl_chart.width = 7, 18
        data = Reference(
            ws,
            min_col=1,
            max_col=1 + len(chart.categories),
            min_row=head_row + 1,
            max_row=row,
        )
        xl_chart.add_data(data, from_rows=True, titles_from_data=True)
        xl_chart.set_categories(
            Reference(ws, min_col=2, max_col=1 + len(chart.categories), min_row=head_row)
        )
        ws.add_chart(xl_chart, f"A{row + 2}")
        row += 17
    for note in section.notes:
        put(row, 1, f"※ {note}", wrap=False)
        row += 1
    _widths(ws, widths)
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 24)
    _print_setup(ws, last_row=row, last_col=last_col, title=f"{TITLE} {meta.month_label}")


def report_xlsx(sections: list[Section], meta: Meta) -> bytes:
    wb = Workbook()
    cover = wb.active
    cover.title = "表紙・目次"
    cover["A1"] = TITLE
    cover["A1"].font = Font(bold=True, size=16)
    rows = [
        ("契約（自治体）", meta.city),
        ("対象月", meta.month_label),
        ("版数", f"第{meta.revision}版"),
        ("発行日時", meta.issued_at),
        ("発行者", meta.issued_by),
    ]
    if meta.reason:
        rows.append(("再発行の理由", meta.reason))
    for i, (label, value) in enumerate(rows, start=3):
        cover.cell(row=i, column=1, value=label).font = Font(bold=True)
        cell = cover.cell(row=i, column=2, value=_excel_value(value))
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
    start = len(rows) + 4
    cover.cell(row=start, column=1, value="目次").font = Font(bold=True, size=13)
    for col, head in enumerate(("No.", "項目", "シート", "状況"), start=1):
        c = cover.cell(row=start + 1, column=col, value=head)
        c.font, c.fill, c.border = Font(bold=True), HEADER_FILL, BOX
    for i, section in enumerate(sections, start=1):
        r = start + 1 + i
        name = sheet_name(i, section)
        values = (i, section.title, name, section.absent or "記載あり")
        for col, value in enumerate(values, start=1):
            c = cover.cell(row=r, column=col, value=value)
            c.border = BOX
        cover.cell(row=r, column=3).hyperlink = f"#'{name}'!A1"
        ws = wb.create_sheet(name)
        _write_section(ws, i, section, meta)
    for col, width in zip("ABCD", (16, 48, 30, 60), strict=True):
        cover.column_dimensions[col].width = width
    _print_setup(
        cover, last_row=start + 1 + len(sections), last_col=4, title=f"{TITLE} {meta.month_label}"
    )
    cover.page_setup.orientation = "portrait"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _column_class(table, index: int) -> str:
    """ "num" (right-aligned) for numbers, "nw" (no wrap) for dates, "" otherwise."""
    sample = [r[index] for r in table.rows[:50] if index < len(r) and r[index] is not None]
    if sample and all(isinstance(v, int | float | Decimal) for v in sample):
        return "num"
    if sample and all(isinstance(v, date) for v in sample):
        return "nw"
    return ""


def _pdf_table(table) -> dict:
    classes = [_column_class(table, i) for i in range(len(table.columns))]
    return {
        "t": table,
        "rows": [[(display(v), classes[i]) for i, v in enumerate(r)] for r in table.rows],
    }


def _pdf_section(number: int, section: Section) -> dict:
    return {
        "number": number,
        "anchor": f"s-{section.key}",
        "s": section,
        "figures": [
            {"label": f.label, "text": figure_text(f), "note": f.note, "absent": f.value is None}
            for f in section.figures
        ],
        "figure_notes": any(f.note for f in section.figures),
        "tables": [_pdf_table(t) for t in section.tables],
        "charts": [{"c": c, "src": _svg_uri(chart_svg(c))} for c in section.charts],
    }


def report_pdf(sections: list[Section], meta: Meta) -> tuple[bytes, int]:
    """The PDF and its page count."""
    context = {
        "title": TITLE,
        "meta": meta,
        "sections": [_pdf_section(i, s) for i, s in enumerate(sections, start=1)],
    }
    return render_pdf_with_pages("reports/monthly/report_pdf.html", context)
