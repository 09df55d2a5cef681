"""Reading the personnel-transfer workbook into rows, without interpreting them.

The reader only finds the sheets and columns and reports what makes a cell unusable
(formulas, merged cells); turning values into users and org units is the importer's job.
Every message is Japanese and tells the user what to change in the file.
"""

import math
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from accounts.personnel_import.normalize import kana

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
# An .xlsx is a zip; a small file can inflate into gigabytes of XML that openpyxl would
# hold in memory. Genuine 5,000-row files are a few MB uncompressed.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
HEADER_SCAN_ROWS = 10

STAFF_HEADERS = [
    "職員番号",
    "氏名",
    "フリガナ",
    "所属コード",
    "役職",
    "職種",
    "権限",
    "異動区分",
    "発令日",
    "メール",
]
STAFF_REQUIRED_HEADERS = ["職員番号", "異動区分", "発令日"]
ORG_HEADERS = ["組織コード", "名称", "種別", "上位組織コード", "変更区分", "統合先コード", "発令日"]
ORG_REQUIRED_HEADERS = ["組織コード", "変更区分", "発令日"]

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel wraps a password-protected .xlsx in an OLE container whose stream directory
# names the EncryptionInfo stream (UTF-16-LE, as OLE stores names).
_ENCRYPTION_MARKER = "EncryptionInfo".encode("utf-16-le")

_KINDS = {
    "staff": ("職員", STAFF_HEADERS, STAFF_REQUIRED_HEADERS),
    "org": ("組織", ORG_HEADERS, ORG_REQUIRED_HEADERS),
}

# Keys are header_key() output: NFKC, no spaces, hiragana as katakana, ASCII upper-case.
_ALIASES = {
    "カナ": "フリガナ",
    "ヨミガナ": "フリガナ",
    "氏名カナ": "フリガナ",
    "氏名(カナ)": "フリガナ",
    "氏名フリガナ": "フリガナ",
    "メールアドレス": "メール",
    "EMAIL": "メール",
    "E-MAIL": "メール",
    "Eメール": "メール",
    "組織名": "名称",
}
# Only an alias while the exact header is missing: "所属" beside "所属コード" is
# usually the unit's name, which the import does not read.
_FALLBACK_ALIASES = {"所属": "所属コード"}
# Marks people add to headers to flag them as required.
_HEADER_DECORATIONS = ("(必須)", "(任意)", "※", "*")


class ImportFileError(Exception):
    """The file as a whole cannot be read; .message is Japanese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self):
        where = f"シート「{self.sheet}」"
        if self.row is not None:
            where += f" {self.row}行目"
        if self.column is not None:
            where += f" 「{self.column}」"
        return f"{where}: {self.message}"


@dataclass
class SheetRows:
    name: str
    kind: str
    header_row: int
    rows: list[dict]


@dataclass
class ParsedWorkbook:
    staff: SheetRows | None
    org: SheetRows | None
    problems: list[Problem] = field(default_factory=list)


def header_key(value) -> str:
    """The comparable form of a header cell, before aliases are applied."""
    key = kana(value).replace(" ", "")
    for mark in _HEADER_DECORATIONS:
        key = key.replace(mark, "")
    return "".join(c.upper() if c.isascii() else c for c in key)


def _format_bytes(size: int) -> str:
    # Rounded up, so a file just over the limit never shows the limit's own figure.
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            tenths = math.ceil(size * 10 / scale)
            return f"{tenths // 10}{unit}" if tenths % 10 == 0 else f"{tenths / 10}{unit}"
    return f"{size}バイト"


def _check_container(data: bytes, filename: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ImportFileError(
            f"ファイルが大きすぎます（上限{_format_bytes(max_bytes)}、"
            f"このファイルは{_format_bytes(len(data))}）。"
            "不要なシートや画像を削除するか、ファイルを分けて読み込んでください。"
        )
    if data.startswith(OLE_SIGNATURE):
        is_xls_name = filename.lower().endswith(".xls")
        if _ENCRYPTION_MARKER in data and not is_xls_name:
            raise ImportFileError(
                "パスワードで保護されたファイルは読み込めません。"
                "Excelでパスワードを解除し（ファイル → 情報 → ブックの保護 → パスワードを使用して"
                "暗号化 で空欄にする）、.xlsx 形式で保存し直してください。"
            )
        raise ImportFileError(
            "Excel 97-2003 形式（.xls）のファイルには対応していません。"
            "Excelで開き、「名前を付けて保存」で「Excel ブック（*.xlsx）」を選んで"
            "保存し直してください。"
        )
    unreadable = ImportFileError(
        "Excel（.xlsx）ファイルとして読み込めません。CSVや他の形式の場合は、"
        "Excelで開いて「Excel ブック（*.xlsx）」形式で保存し直してください。"
    )
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise unreadable from exc
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise ImportFileError(
            "ファイルの内容が大きすぎます（展開後の容量が上限を超えています）。"
            "書式や不要なシートを削除するか、ファイルを分けて読み込んでください。"
        )


def _load(data: bytes):
    try:
        return load_workbook(BytesIO(data), data_only=False, keep_links=False)
    # openpyxl fails on malformed input with whatever its parsers raise (KeyError for
    # a missing part, InvalidFileException, XML ParseError, TypeError, ...); to the
    # user they all mean the same thing. The cause stays chained for the logs.
    except Exception as exc:
        raise ImportFileError(
            "Excel（.xlsx）ファイルとして読み込めません。ファイルが壊れていないか確認し、"
            "Excelで開いて「Excel ブック（*.xlsx）」形式で保存し直してください。"
        ) from exc


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _match_header_row(values: list, known: list[str], required: list[str]):
    """Map column index → header if this row holds all required headers, else None."""
    keys = [header_key(v) for v in values]
    present = set(keys)
    columns: list[tuple[int, str]] = []
    for index, key in enumerate(keys, start=1):
        header = _ALIASES.get(key, key)
        fallback = _FALLBACK_ALIASES.get(header)
        if fallback and fallback not in present:
            header = fallback
        if header in known:
            columns.append((index, header))
    if not set(required) <= {header for _, header in columns}:
        return None
    return columns


@dataclass
class _Found:
    ws: object
    kind: str
    header_row: int
    columns: dict[int, str]


def _find_header(ws, sheet_problems: list[Problem]) -> _Found | None:
    rows = ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)
    for row_number, values in enumerate(rows, start=1):
        for kind, (_, known, required) in _KINDS.items():
            columns = _match_header_row(list(values), known, required)
            if columns is None:
                continue
            mapped: dict[int, str] = {}
            first_column: dict[str, int] = {}
            for index, header in columns:
                if header in first_column:
                    first = get_column_letter(first_column[header])
                    sheet_problems.append(
                        Problem(
                            ws.title,
                            row_number,
                            header,
                            f"見出し「{header}」が複数の列（{first}列と"
                            f"{get_column_letter(index)}列）にあります。"
                            "1つの列にまとめてください",
                        )
                    )
                    continue
                first_column[header] = index
                mapped[index] = header
            return _Found(ws, kind, row_number, mapped)
    return None


def _read_rows(found: _Found, problems: list[Problem]) -> list[dict]:
    ws = found.ws
    rows = []
    for cells in ws.iter_rows(min_row=found.header_row + 1, max_row=ws.max_row):
        row: dict = {}
        formulas = []
        for cell in cells:
            header = found.columns.get(cell.column)
            if header is None:
                continue
            value = None if _is_blank(cell.value) else cell.value
            row[header] = value
            if cell.data_type == "f":
                formulas.append(header)
        if all(value is None for value in row.values()):
            continue
        row_number = cells[0].row
        for header in formulas:
            problems.append(
                Problem(ws.title, row_number, header, "数式ではなく値を入力してください")
            )
        # A row shorter than the header (openpyxl stops at the last stored cell) still
        # gets every known key, so the importer can rely on them.
        rows.append({"_row": row_number} | {h: row.get(h) for h in found.columns.values()})
    return rows


def _merged_problems(found: _Found) -> list[Problem]:
    ws = found.ws
    problems = []
    for merged in ws.merged_cells.ranges:
        if merged.max_row < found.header_row:
            continue  # a title above the header is harmless
        hit = [
            found.columns[col]
            for col in range(merged.min_col, merged.max_col + 1)
            if col in found.columns
        ]
        if not hit:
            continue  # only touches columns the import ignores
        problems.append(
            Problem(
                ws.title,
                merged.min_row,
                hit[0],
                f"結合されたセルがあります（{merged.coord}）。結合を解除してください",
            )
        )
    return problems


def _has_any_value(workbook) -> bool:
    return any(
        not _is_blank(value)
        for ws in workbook.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
    )


def read_personnel_workbook(
    data: bytes, *, filename: str = "", max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> ParsedWorkbook:
    _check_container(data, filename, max_bytes)
    workbook = _load(data)
    try:
        return _read(workbook, max_rows)
    finally:
        workbook.close()


def _read(workbook, max_rows: int) -> ParsedWorkbook:
    problems: list[Problem] = []
    found: dict[str, _Found] = {}
    for ws in workbook.worksheets:
        header_problems: list[Problem] = []
        match = _find_header(ws, header_problems)
        if match is None:
            continue
        label = _KINDS[match.kind][0]
        if match.kind in found:
            problems.append(
                Problem(
                    ws.title,
                    None,
                    None,
                    f"{label}の見出し行があるシートが複数あります。"
                    f"シート「{found[match.kind].ws.title}」だけを読み込みました。"
                    "1つのシートにまとめてください",
                )
            )
            continue
        found[match.kind] = match
        problems.extend(header_problems)

    if not found:
        if not _has_any_value(workbook):
            raise ImportFileError("シートが空です。職員または組織の異動データを入力してください。")
        raise ImportFileError(
            "見出し行が見つかりません。"
            f"1行目に {'・'.join(STAFF_REQUIRED_HEADERS)}（職員の異動）または "
            f"{'・'.join(ORG_REQUIRED_HEADERS)}（組織の変更）の見出しを置いてください"
            "（10行目までにあれば読み込めます）。"
        )

    sheets: dict[str, SheetRows] = {}
    for kind, match in found.items():
        sheet_problems = _merged_problems(match)
        rows = _read_rows(match, sheet_problems)
        problems.extend(sheet_problems)
        sheets[kind] = SheetRows(match.ws.title, kind, match.header_row, rows)

    total = sum(len(sheet.rows) for sheet in sheets.values())
    if total > max_rows:
        raise ImportFileError(
            f"行数が上限（{max_rows:,}行）を超えています（{total:,}行）。"
            "ファイルを分けて読み込んでください。"
        )
    if total == 0:
        names = "・".join(f"「{sheet.name}」" for sheet in sheets.values())
        raise ImportFileError(
            f"データ行がありません。シート{names}の見出し行の下に、1行に1件ずつ入力してください。"
        )
    # A header-only sheet beside a filled one is normal (the template has both
    # sheets; most files only fill 職員), so it is not a problem.

    # Stable sort: within a row, merged-cell problems stay ahead of formula problems.
    order = {name: index for index, name in enumerate(workbook.sheetnames)}
    problems.sort(key=lambda p: (order.get(p.sheet, 0), p.row or 0))
    return ParsedWorkbook(staff=sheets.get("staff"), org=sheets.get("org"), problems=problems)
