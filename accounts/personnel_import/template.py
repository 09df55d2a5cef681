"""The blank workbook users download, fill in and upload back."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts import roles
from accounts.personnel_import.reader import MAX_BYTES, MAX_ROWS, ORG_HEADERS, STAFF_HEADERS

STAFF_SHEET = "職員"
ORG_SHEET = "組織"
GUIDE_SHEET = "記入方法"

TRANSFER_KINDS = ["新規", "異動", "退職", "休職", "復職"]
ORG_CHANGE_KINDS = ["新設", "名称変更", "統合", "廃止"]
ORG_TYPES = ["児童相談所", "一時保護所", "区役所", "本庁", "委託事業者"]

# The order people look for their role in, not the app's home-page priority.
ROLE_ORDER = [
    roles.CASEWORKER,
    roles.SUPERVISOR,
    roles.CENTER_DIRECTOR,
    roles.PROTECTION_STAFF,
    roles.WARD_STAFF,
    roles.CITY_ADMIN,
    roles.VENDOR_OPERATOR,
    roles.VENDOR_MANAGER,
    roles.MEETING_ATTENDEE,
]

DATE_FORMAT = "yyyy/mm/dd"
# Codes typed into a General cell lose their leading zeros ("00123" becomes 123).
TEXT_FORMAT = "@"
# Validation covers the rows the reader accepts, so a dropdown never stops early.
VALIDATION_LAST_ROW = MAX_ROWS + 1

STAFF_WIDTHS = {
    "職員番号": 12,
    "氏名": 16,
    "フリガナ": 20,
    "所属コード": 12,
    "役職": 14,
    "職種": 14,
    "権限": 30,
    "異動区分": 10,
    "発令日": 12,
    "メール": 30,
}
ORG_WIDTHS = {
    "組織コード": 12,
    "名称": 28,
    "種別": 14,
    "上位組織コード": 16,
    "変更区分": 12,
    "統合先コード": 14,
    "発令日": 12,
}
STAFF_COLUMN_FORMATS = {"職員番号": TEXT_FORMAT, "所属コード": TEXT_FORMAT, "発令日": DATE_FORMAT}
ORG_COLUMN_FORMATS = {
    "組織コード": TEXT_FORMAT,
    "上位組織コード": TEXT_FORMAT,
    "統合先コード": TEXT_FORMAT,
    "発令日": DATE_FORMAT,
}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _role_help() -> str:
    codes = "、".join(f"{code}（{roles.role_label(code)}）" for code in ROLE_ORDER)
    return (
        "システムで使う役割。複数あるときは「、」または「,」で区切ります。"
        f"コードか日本語の名称のどちらでも書けます: {codes}"
    )


def _staff_guide() -> list[tuple[str, str]]:
    return [
        ("職員番号", "必須。人事の職員番号。先頭の0も省略せずに入力してください。"),
        ("氏名", "姓と名の間に空白を1つ。"),
        ("フリガナ", "カタカナ（ひらがなは自動でカタカナにします）。姓と名の間に空白を1つ。"),
        ("所属コード", "発令後の所属の組織コード。"),
        ("役職", "係長、主査など。"),
        ("職種", "児童福祉司、児童心理司、保健師など。"),
        ("権限", _role_help()),
        ("異動区分", "必須。一覧から選択: " + "、".join(TRANSFER_KINDS)),
        ("発令日", "必須。2026/4/1 または 令和8年4月1日 の形。"),
        ("メール", "職場のメールアドレス。"),
    ]


def _org_guide() -> list[tuple[str, str]]:
    return [
        ("組織コード", "必須。組織を表すコード。"),
        ("名称", "組織の正式名称。名称変更のときは変更後の名称。"),
        ("種別", "一覧から選択: " + "、".join(ORG_TYPES)),
        ("上位組織コード", "上位の組織がある場合、その組織コード。"),
        ("変更区分", "必須。一覧から選択: " + "、".join(ORG_CHANGE_KINDS)),
        ("統合先コード", "変更区分が「統合」のとき、統合先の組織コード。"),
        ("発令日", "必須。2026/4/1 または 令和8年4月1日 の形。"),
    ]


def _general_rules() -> list[str]:
    megabytes = MAX_BYTES // (1024 * 1024)
    return [
        "1行に1件ずつ入力してください。見出し（1行目）の文字は変更しないでください。",
        "列の順番は入れ替えてもかまいません。上の一覧にない見出しの列は読み込みません。",
        f"ファイルの大きさは{megabytes}MBまで、行数は「職員」「組織」の合計で{MAX_ROWS:,}行までです。",
        "数式は使わず、値を直接入力してください。",
        "セルを結合しないでください。",
        "Excel ブック（.xlsx）形式で、パスワードを設定せずに保存してください。",
    ]


def _list_validation(values: list[str]) -> DataValidation:
    validation = DataValidation(
        type="list", formula1='"' + ",".join(values) + '"', allow_blank=True
    )
    validation.errorTitle = "入力できない値です"
    validation.error = "一覧から選んでください: " + "、".join(values)
    validation.showErrorMessage = True
    return validation


def _data_sheet(ws, headers, widths, formats, validations) -> None:
    ws.append(headers)
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        dimension = ws.column_dimensions[letter]
        dimension.width = widths[header]
        # A column style (not 5,000 styled cells) keeps the file small and the reader's
        # row scan short; Excel applies it to whatever the user types in.
        if header in formats:
            dimension.number_format = formats[header]
        if header in validations:
            validation = _list_validation(validations[header])
            ws.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{VALIDATION_LAST_ROW}")
    ws.freeze_panes = "A2"


def _guide_sheet(ws) -> None:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.append(["人事異動データの記入方法"])
    ws["A1"].font = Font(bold=True, size=14)
    for title, guide in (
        (f"「{STAFF_SHEET}」シート", _staff_guide()),
        (f"「{ORG_SHEET}」シート", _org_guide()),
    ):
        ws.append([])
        ws.append([title])
        ws.cell(row=ws.max_row, column=1).font = _HEADER_FONT
        for header, explanation in guide:
            ws.append([header, explanation])
            ws.cell(row=ws.max_row, column=2).alignment = wrap
    ws.append([])
    ws.append(["共通の注意"])
    ws.cell(row=ws.max_row, column=1).font = _HEADER_FONT
    for rule in _general_rules():
        ws.append(["・", rule])


def build_template() -> bytes:
    workbook = Workbook()
    staff = workbook.active
    staff.title = STAFF_SHEET
    _data_sheet(
        staff,
        STAFF_HEADERS,
        STAFF_WIDTHS,
        STAFF_COLUMN_FORMATS,
        {"異動区分": TRANSFER_KINDS},
    )
    _data_sheet(
        workbook.create_sheet(ORG_SHEET),
        ORG_HEADERS,
        ORG_WIDTHS,
        ORG_COLUMN_FORMATS,
        {"変更区分": ORG_CHANGE_KINDS, "種別": ORG_TYPES},
    )
    _guide_sheet(workbook.create_sheet(GUIDE_SHEET))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
