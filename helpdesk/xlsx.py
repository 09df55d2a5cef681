"""連絡票一覧表 as an .xlsx workbook laid out for printing (A4 landscape, one page wide).

Cells are always written as text or dates, never as formulas: a slip whose event
starts with "=" stays the text the user typed. Queries: the slips' own query plus
the queryset's prefetches (countermeasures and their owners), whatever the number of rows.
"""

import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from io import BytesIO
from math import ceil

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from core.timeutil import now_jst, to_jst
from helpdesk.models import Countermeasure, LiaisonSlip

MAX_ROWS = 10_000
TITLE = "連絡票一覧表"
SHEET_NAME = "連絡票一覧"
HEADER_ROW = 4
DATE_FORMAT = "yyyy/mm/dd"
CELL_LIMIT = 32_767  # Excel's limit on the characters of one cell
LINE_HEIGHT = 13.0  # points per line of 10 pt text
MAX_ROW_HEIGHT = 409  # Excel's largest row height

# (header, width in Excel character units, wrap)
COLUMNS = [
    ("連絡票番号", 11, False),
    ("起票日", 11, False),
    ("元の問合せ", 11, False),
    ("事象", 40, True),
    ("切り分け", 28, True),
    ("原因", 28, True),
    ("判定", 13, True),
    ("暫定対応", 36, True),
    ("恒久対応", 36, True),
    ("市への回答日", 12, False),
    ("状態", 9, False),
    ("完了日", 11, False),
]
HEADERS = [c[0] for c in COLUMNS]

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BODY_FONT = Font(size=10)
_HEADER_FONT = Font(size=10, bold=True)
_TITLE_FONT = Font(size=14, bold=True)
_NOTE_FONT = Font(size=10)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_PLAIN = Alignment(vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _clean(value: str) -> str:
    """Text a cell can hold: no control characters, within Excel's length limit."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value or "")
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - 1] + "…"
    return value


def _write_text(ws, row: int, col: int, value: str):
    cell = ws.cell(row=row, column=col, value=_clean(value) or None)
    if cell.data_type == "f":  # openpyxl reads "=…" as a formula; it is text here
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)


def _lines(text: str, width: int) -> int:
    """Printed lines of ``text`` wrapped to a column ``width`` characters wide."""
    if not text:
        return 1
    usable = max(width - 1, 1)
    return sum(max(1, ceil(_display_width(line) / usable)) for line in text.split("\n"))


def _fmt_date(value: date | None) -> str:
    return value.strftime("%Y/%m/%d") if value else ""


def _countermeasure_text(cm: Countermeasure) -> str:
    parts = [
        f"担当: {cm.owner.name}",
        f"期限: {_fmt_date(cm.due_on)}",
        str(cm.get_status_display()),
    ]
    if cm.done_on:
        parts.append(f"完了: {_fmt_date(cm.done_on)}")
    return f"・{cm.description}（{'／'.join(parts)}）"


def _countermeasures(slip: LiaisonSlip, kind: str) -> str:
    # .all() reads the prefetched rows, already in the model's order (kind, due, pk).
    return "\n".join(
        _countermeasure_text(cm) for cm in slip.countermeasures.all() if cm.kind == kind
    )


def _jst_date(value: datetime | None) -> date | None:
    return to_jst(value).date() if value else None


def _row(slip: LiaisonSlip) -> list:
    return [
        slip.number,
        _jst_date(slip.raised_at),
        slip.inquiry.number if slip.inquiry_id else "",
        slip.event,
        slip.triage,
        slip.cause,
        str(slip.get_judgement_display()) if slip.judgement else "",
        _countermeasures(slip, Countermeasure.Kind.PROVISIONAL),
        _countermeasures(slip, Countermeasure.Kind.PERMANENT),
        slip.replied_on,
        str(slip.get_status_display()),
        _jst_date(slip.closed_at),
    ]


def _user_label(user) -> str:
    return getattr(user, "name", "") or user.get_username()


def _page_setup(ws, last_row: int) -> None:
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{get_column_letter(len(COLUMNS))}{last_row}"
    ws.oddHeader.left.text = TITLE
    ws.oddHeader.left.size = 9
    ws.oddFooter.right.text = "&P / &N"
    ws.oddFooter.right.size = 9


def slip_list_workbook(slips: Iterable[LiaisonSlip], *, title_note: str, user) -> bytes:
    """The slip list as .xlsx bytes; at most MAX_ROWS slips (the title says when cut)."""
    if hasattr(slips, "__getitem__"):
        rows = list(slips[: MAX_ROWS + 1])
    else:
        rows = []
        for slip in slips:
            rows.append(slip)
            if len(rows) > MAX_ROWS:
                break
    truncated = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    wb.properties.title = TITLE
    wb.properties.creator = _clean(_user_label(user))

    title = TITLE
    if truncated:
        title += f"（{MAX_ROWS:,}件を超えるため、先頭の{MAX_ROWS:,}件のみ出力）"
    ws.cell(row=1, column=1, value=title).font = _TITLE_FONT
    _write_text(ws, 2, 1, f"抽出条件: {title_note}").font = _NOTE_FONT
    printed = now_jst()
    _write_text(
        ws,
        3,
        1,
        f"出力日時: {printed:%Y/%m/%d %H:%M}（日本時間）　出力者: {_user_label(user)}　件数: {len(rows):,}件",
    ).font = _NOTE_FONT

    for col, (header, width, _wrap) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font, cell.fill, cell.border, cell.alignment = (
            _HEADER_FONT,
            _HEADER_FILL,
            _BORDER,
            _HEADER_ALIGN,
        )
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 18

    for r, slip in enumerate(rows, start=HEADER_ROW + 1):
        lines = 1
        for col, value in enumerate(_row(slip), start=1):
            _header, width, wrap = COLUMNS[col - 1]
            if isinstance(value, date):
                cell = ws.cell(row=r, column=col, value=value)
                cell.number_format = DATE_FORMAT
                cell.alignment = _CENTER
            else:
                cell = _write_text(ws, r, col, value or "")
                cell.alignment = _WRAP if wrap else _PLAIN
                if wrap and cell.value:
                    lines = max(lines, _lines(cell.value, width))
            cell.font, cell.border = _BODY_FONT, _BORDER
        ws.row_dimensions[r].height = min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 4)

    last_row = HEADER_ROW + len(rows)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(COLUMNS))}{last_row}"
    _page_setup(ws, last_row)

    out = BytesIO()
    wb.save(out)
    return out.getvalue()
