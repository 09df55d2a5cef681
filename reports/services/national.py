"""福祉行政報告例の相談統計: the national tables for a month, a half-year or a fiscal year.

The counts come from cases.selectors (aggregated in SQL); this module only lays
them out following the table layout (reports/layouts/national.json, data not code)
and adds row and column totals. Nothing is stored: the same data always gives the
same tables.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from accounts import roles
from accounts.access import user_has_role
from cases import selectors as case_selectors
from core.timeutil import now_jst
from reports.selectors.national import layout

NATIONAL_ROLES = (roles.SUPERVISOR, roles.CENTER_DIRECTOR, roles.CITY_ADMIN)
DEFAULT_SMALL_CELL = 3
SUPPRESSED = "＊"


class PeriodKind:
    MONTH = "month"
    HALF = "half"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    label: str


def period_for(*, kind: str, fiscal_year: int, month: int | None = None, half: int | None = None):
    """A month (1–12, in the fiscal year), a half (1 = 4–9月, 2 = 10–3月) or the year."""
    if kind == PeriodKind.MONTH:
        if not month or not 1 <= month <= 12:
            raise ValidationError({"month": _("月を選んでください。")})
        year = fiscal_year if month >= 4 else fiscal_year + 1
        last = calendar.monthrange(year, month)[1]
        return Period(
            kind,
            date(year, month, 1),
            date(year, month, last),
            _("%(fy)s年度 %(y)s年%(m)s月") % {"fy": fiscal_year, "y": year, "m": month},
        )
    if kind == PeriodKind.HALF:
        if half == 1:
            return Period(
                kind,
                date(fiscal_year, 4, 1),
                date(fiscal_year, 9, 30),
                _("%(fy)s年度 上半期（4月〜9月）") % {"fy": fiscal_year},
            )
        if half == 2:
            return Period(
                kind,
                date(fiscal_year, 10, 1),
                date(fiscal_year + 1, 3, 31),
                _("%(fy)s年度 下半期（10月〜3月）") % {"fy": fiscal_year},
            )
        raise ValidationError({"half": _("上半期か下半期を選んでください。")})
    if kind == PeriodKind.YEAR:
        return Period(
            kind,
            date(fiscal_year, 4, 1),
            date(fiscal_year + 1, 3, 31),
            _("%(fy)s年度") % {"fy": fiscal_year},
        )
    raise ValidationError({"kind": _("集計期間の種類を選んでください。")})


def small_cell_threshold() -> int:
    value = getattr(settings, "NATIONAL_STATS_SMALL_CELL", DEFAULT_SMALL_CELL)
    if not isinstance(value, int) or value <= 0:
        raise ImproperlyConfigured("NATIONAL_STATS_SMALL_CELL must be a positive integer")
    return value


def may_view(user) -> bool:
    """Supervisors, centre directors and city admins only."""
    return user_has_role(user, *NATIONAL_ROLES)


@dataclass
class TableRow:
    label: str
    cells: list[int]
    total: int
    subtotal: bool = False


@dataclass
class NationalTable:
    key: str
    title: str
    row_heading: str
    columns: list[str]
    rows: list[TableRow] = field(default_factory=list)
    column_totals: list[int] = field(default_factory=list)
    total: int = 0


@dataclass
class NationalReport:
    period: Period
    form: str
    tables: list[NationalTable]


# --- sources: counts keyed by tuples, and which dimension sits at which position ---

_SOURCES = {
    "received": ({"soudan_shubetsu": 0, "keiro": 1}, "stat_received_counts"),
    "dealt": ({"soudan_shubetsu": 0, "enjo": 1}, "stat_dealt_counts"),
    "abuse": (
        {"abuse_type": 0, "age_band": 1, "perpetrator": 2, "keiro": 3},
        "stat_abuse_counts",
    ),
    "protection": ({"protection_reason": 0, "protection_place": 1}, "stat_protection_counts"),
    "placement": ({"enjo": 0, "count": 1}, "stat_measure_counts"),
}


def _source_counts(name: str, period: "Period") -> dict:
    counts = getattr(case_selectors, name)(period.start, period.end)
    if name == "stat_measure_counts":  # one dimension: a single 件数 column
        return {(code_id, "n"): n for code_id, n in counts.items()}
    return counts


_ROW_HEADINGS = {
    "soudan_shubetsu": "相談の種類",
    "keiro": "相談経路",
    "enjo": "対応",
    "abuse_type": "虐待の種別",
    "age_band": "被虐待者の年齢",
    "perpetrator": "主な虐待者",
    "protection_reason": "保護理由",
    "protection_place": "保護場所",
    "count": "",
}


@dataclass
class _Axis:
    """One axis: ordered entries (key, label, is_subtotal, member keys) and a key mapper."""

    entries: list[tuple[object, str, bool, tuple]]
    mapper: dict

    def map(self, key):
        return self.mapper.get(key, key)


def _dimension_name(spec: dict) -> str:
    return spec.get("code_list") or spec["dimension"]


def _code_axis(spec: dict, period: Period, used_keys: set) -> _Axis:
    codes = case_selectors.stat_codes(spec["code_list"], period.start, period.end)
    known = {c["pk"] for c in codes}
    missing = {k for k in used_keys if k is not None and k not in known}
    if missing:
        # A case may keep a code retired before the period: still counted, never lost.
        extra = case_selectors.stat_codes_by_id(missing)
        groups = {c["group_id"] for c in extra if c["group_id"]} - known - missing
        extra += case_selectors.stat_codes_by_id(groups)
        codes = sorted(codes + extra, key=lambda c: (c["order"], c["code"], c["pk"]))
    by_id = {c["pk"]: c for c in codes}
    groups = [c for c in codes if not c["group_id"]]
    members = defaultdict(list)
    for c in codes:
        if c["group_id"]:
            members[c["group_id"]].append(c)
    wanted = spec.get("groups")
    if wanted:
        groups = [g for g in groups if g["code"] in wanted]
    entries = []
    mapper = {}
    if spec.get("level") == "group":
        for g in groups:
            entries.append((g["pk"], g["name"], False, ()))
        for c in codes:
            if c["group_id"] and c["group_id"] in by_id:
                mapper[c["pk"]] = c["group_id"]
        return _Axis(entries, mapper)
    for g in groups:
        kids = members.get(g["pk"], [])
        if not kids:
            entries.append((g["pk"], g["name"], False, ()))
            continue
        own = g["pk"] in used_keys  # a case coded with the group itself
        if spec.get("subtotals"):
            member_keys = tuple(k["pk"] for k in kids) + ((g["pk"],) if own else ())
            entries.append((("group", g["pk"]), g["name"], True, member_keys))
        if own:
            entries.append((g["pk"], _("%(name)s（細分なし）") % {"name": g["name"]}, False, ()))
        for k in kids:
            entries.append(
                (
                    k["pk"],
                    k["name"] if spec.get("subtotals") else f"{g['name']}／{k['name']}",
                    False,
                    (),
                )
            )
    return _Axis(entries, mapper)


def _fixed_axis(spec: dict, dimensions: dict, used_keys: set) -> _Axis:
    items = dimensions[spec["dimension"]]
    entries = [(item["key"], item["label"], False, ()) for item in items]
    listed = {item["key"] for item in items}
    for key in sorted(k for k in used_keys if k not in listed):
        entries.append((key, _("様式外（%(key)s）") % {"key": key}, False, ()))
    return _Axis(entries, {})


def _axis(spec, dimensions, period, used_keys) -> _Axis:
    if spec.get("code_list"):
        return _code_axis(spec, period, used_keys)
    return _fixed_axis(spec, dimensions, used_keys)


def _build_table(definition: dict, dimensions: dict, period: Period, counts: dict, positions):
    row_dim = _dimension_name(definition["rows"])
    col_dim = _dimension_name(definition["columns"])
    ri, ci = positions[row_dim], positions[col_dim]
    # Marginalise the source over the other dimensions (in-memory: a few hundred keys).
    cells: dict[tuple, int] = defaultdict(int)
    for key, n in counts.items():
        cells[(key[ri], key[ci])] += n
    rows_axis = _axis(definition["rows"], dimensions, period, {k[0] for k in cells})
    cols_axis = _axis(definition["columns"], dimensions, period, {k[1] for k in cells})
    grid: dict[tuple, int] = defaultdict(int)
    for (r, c), n in cells.items():
        grid[(rows_axis.map(r), cols_axis.map(c))] += n
    col_keys = [e[0] for e in cols_axis.entries if not e[2]]
    listed_cols = set(col_keys)
    listed_rows = {e[0] for e in rows_axis.entries if not e[2]}
    # Keys the layout filters out (e.g. placement keeps only 施設入所・里親委託) are left out.
    table = NationalTable(
        key=definition["key"],
        title=definition["title"],
        row_heading=definition.get("row_heading") or _ROW_HEADINGS.get(row_dim, ""),
        columns=[e[1] for e in cols_axis.entries if not e[2]],
    )
    column_totals = [0] * len(col_keys)
    for key, label, is_subtotal, member_keys in rows_axis.entries:
        row_keys = member_keys if is_subtotal else (key,)
        values = [sum(grid.get((rk, ck), 0) for rk in row_keys) for ck in col_keys]
        table.rows.append(TableRow(label, values, sum(values), subtotal=is_subtotal))
        if not is_subtotal:
            column_totals = [a + b for a, b in zip(column_totals, values, strict=True)]
    table.column_totals = column_totals
    table.total = sum(n for (r, c), n in grid.items() if r in listed_rows and c in listed_cols)
    return table


def national_tables(*, period: Period) -> NationalReport:
    """Every table of the layout for the period (read-only; same data, same numbers)."""
    definition = layout()
    dimensions = definition["dimensions"]
    fetched: dict[str, dict] = {}
    tables = []
    for table_def in definition["tables"]:
        positions, source = _SOURCES[table_def["source"]]
        if table_def["source"] not in fetched:
            fetched[table_def["source"]] = _source_counts(source, period)
        tables.append(
            _build_table(table_def, dimensions, period, fetched[table_def["source"]], positions)
        )
    return NationalReport(period=period, form=definition.get("form", ""), tables=tables)


# --- .xlsx export ---------------------------------------------------------------


def published_value(n: int, *, threshold: int):
    """A count as it may leave in a publication: small non-zero cells become ＊."""
    return SUPPRESSED if 0 < n < threshold else n


_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def national_workbook(report: NationalReport, *, publication: bool, user) -> bytes:
    """A sheet per table, A4 landscape, one page wide. ``publication`` suppresses small cells."""
    threshold = small_cell_threshold()

    def value(n):
        return published_value(n, threshold=threshold) if publication else n

    wb = Workbook()
    wb.remove(wb.active)
    for table in report.tables:
        ws = wb.create_sheet(table.title[:31].replace("／", "・").replace("/", "・"))
        ws["A1"] = table.title
        ws["A1"].font = Font(size=14, bold=True)
        note = f"{report.period.label}　{report.form}"
        if publication:
            note += "　" + _("公表用（%(n)s未満の件数は「＊」で秘匿）") % {"n": threshold}
        else:
            note += "　" + _("内部用（秘匿なし・公表不可）")
        ws["A2"] = note
        ws["A3"] = _("作成 %(at)s %(by)s") % {
            "at": f"{now_jst():%Y/%m/%d %H:%M}",
            "by": getattr(user, "name", "") or user.get_username(),
        }
        header = [table.row_heading, *table.columns, _("合計")]
        for col, text in enumerate(header, start=1):
            cell = ws.cell(row=5, column=col, value=text)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        r = 6
        for row in table.rows:
            data = [row.label, *(value(n) for n in row.cells), value(row.total)]
            for col, v in enumerate(data, start=1):
                cell = ws.cell(row=r, column=col, value=v)
                cell.border = _BORDER
                if row.subtotal:
                    cell.fill = _SUBTOTAL_FILL
                    cell.font = Font(bold=True)
            r += 1
        totals = [_("合計"), *(value(n) for n in table.column_totals), value(table.total)]
        for col, v in enumerate(totals, start=1):
            cell = ws.cell(row=r, column=col, value=v)
            cell.border = _BORDER
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 34
        for col in range(2, len(header) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 10
        ws.print_area = f"A1:{get_column_letter(len(header))}{r}"
        ws.print_title_rows = "5:5"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
