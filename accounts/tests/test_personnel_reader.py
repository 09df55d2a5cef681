import datetime
import os
import zipfile
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from accounts import roles
from accounts.personnel_import import reader
from accounts.personnel_import.reader import (
    ORG_HEADERS,
    STAFF_HEADERS,
    ImportFileError,
    Problem,
    read_personnel_workbook,
)
from accounts.personnel_import.template import build_template

STAFF_ROW = [
    "00123",
    "山田 太郎",
    "ヤマダ タロウ",
    "J01",
    "係長",
    "児童福祉司",
    "supervisor",
    "異動",
    "2026/4/1",
    "yamada@example.jp",
]
ORG_ROW = ["J01", "中央児童相談所", "児童相談所", "HQ", "新設", None, "令和8年4月1日"]


def xlsx(sheets: dict[str, list[list]], setup=None) -> bytes:
    """An in-memory workbook with the given rows per sheet; setup(wb) may adjust it."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
    if setup:
        setup(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def staff_file(*rows, setup=None) -> bytes:
    return xlsx({"職員": [STAFF_HEADERS, *rows]}, setup=setup)


def problem_texts(parsed) -> list[str]:
    return [str(p) for p in parsed.problems]


# --- reading rows -----------------------------------------------------------------


def test_staff_rows_are_keyed_by_header_with_their_excel_row_number():
    parsed = read_personnel_workbook(
        staff_file(STAFF_ROW, ["00124", None, None, None, None, None, None, "退職", "2026/3/31"])
    )
    assert parsed.problems == []
    assert parsed.org is None
    assert parsed.staff.name == "職員"
    assert parsed.staff.kind == "staff"
    assert parsed.staff.header_row == 1
    first, second = parsed.staff.rows
    assert first == {"_row": 2, **dict(zip(STAFF_HEADERS, STAFF_ROW, strict=True))}
    assert second["_row"] == 3
    assert second["職員番号"] == "00124"
    assert second["メール"] is None


def test_raw_values_keep_their_excel_types():
    when = datetime.datetime(2026, 4, 1)
    parsed = read_personnel_workbook(
        xlsx(
            {"s": [["職員番号", "異動区分", "発令日"], [123, "新規", when], [45.5, "異動", 46113]]}
        )
    )
    assert [(r["職員番号"], r["発令日"]) for r in parsed.staff.rows] == [(123, when), (45.5, 46113)]


def test_columns_are_matched_by_header_text_in_any_order():
    headers = list(reversed(STAFF_HEADERS))
    parsed = read_personnel_workbook(xlsx({"Sheet1": [headers, list(reversed(STAFF_ROW))]}))
    row = parsed.staff.rows[0]
    assert row["職員番号"] == "00123"
    assert row["発令日"] == "2026/4/1"
    assert row["メール"] == "yamada@example.jp"


def test_header_below_a_merged_title_is_found_and_the_title_is_not_a_problem():
    def title(workbook):
        workbook["人事"].merge_cells("A1:D1")

    data = xlsx({"人事": [["令和8年4月1日付 人事異動"], [], STAFF_HEADERS, STAFF_ROW]}, setup=title)
    parsed = read_personnel_workbook(data)
    assert parsed.problems == []
    assert parsed.staff.header_row == 3
    assert parsed.staff.rows[0]["_row"] == 4


def test_header_further_down_than_row_ten_is_not_searched():
    data = xlsx({"s": [[f"メモ{i}"] for i in range(10)] + [STAFF_HEADERS, STAFF_ROW]})
    with pytest.raises(ImportFileError, match="見出し行が見つかりません"):
        read_personnel_workbook(data)


def test_unknown_columns_are_ignored():
    parsed = read_personnel_workbook(
        xlsx(
            {
                "s": [
                    ["備考", "職員番号", "異動区分", "内線", "発令日"],
                    ["メモ", "001", "新規", "1234", "2026/4/1"],
                ]
            }
        )
    )
    assert parsed.staff.rows == [
        {"_row": 2, "職員番号": "001", "異動区分": "新規", "発令日": "2026/4/1"}
    ]


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("ふりがな", "フリガナ"),
        ("カナ", "フリガナ"),
        ("ﾌﾘｶﾞﾅ", "フリガナ"),
        ("メールアドレス", "メール"),
        ("E-mail", "メール"),
        ("所属", "所属コード"),
        ("職員 番号", "職員番号"),
        ("職員\u3000番号", "職員番号"),
        ("発令日（必須）", "発令日"),
        ("※異動区分", "異動区分"),
    ],
)
def test_header_spelling_variants_are_recognised(written, meant):
    headers = ["職員番号", "異動区分", "発令日"]
    headers = [written if h == meant else h for h in headers] + (
        [written] if meant not in headers else []
    )
    row = ["001", "新規", "2026/4/1", "value"][: len(headers)]
    parsed = read_personnel_workbook(xlsx({"s": [headers, row]}))
    assert parsed.problems == []
    assert parsed.staff.rows[0][meant] == row[headers.index(written)]


def test_shozoku_is_ignored_when_a_shozoku_code_column_exists():
    parsed = read_personnel_workbook(
        xlsx(
            {
                "s": [
                    ["職員番号", "所属", "所属コード", "異動区分", "発令日"],
                    ["001", "中央児童相談所", "J01", "新規", "2026/4/1"],
                ]
            }
        )
    )
    assert parsed.problems == []
    assert parsed.staff.rows[0]["所属コード"] == "J01"


def test_blank_and_whitespace_only_rows_are_skipped():
    parsed = read_personnel_workbook(
        staff_file(STAFF_ROW, [], [None, "  ", "\u3000"], STAFF_ROW[:1] + [" "] * 9)
    )
    assert [r["_row"] for r in parsed.staff.rows] == [2, 5]
    assert parsed.staff.rows[1]["氏名"] is None


def test_whitespace_only_cells_become_none_but_other_strings_stay_raw():
    parsed = read_personnel_workbook(staff_file([" 00123 ", "\u3000", *STAFF_ROW[2:]]))
    row = parsed.staff.rows[0]
    assert row["職員番号"] == " 00123 "
    assert row["氏名"] is None


# --- problems -------------------------------------------------------------------


def test_formula_cells_are_reported_for_their_row_and_column():
    parsed = read_personnel_workbook(staff_file(STAFF_ROW, [*STAFF_ROW[:8], "=DATE(2026,4,1)"]))
    assert parsed.problems == [Problem("職員", 3, "発令日", "数式ではなく値を入力してください")]
    assert parsed.staff.rows[1]["発令日"] == "=DATE(2026,4,1)"


def test_formula_in_an_ignored_column_is_not_a_problem():
    parsed = read_personnel_workbook(
        xlsx(
            {"s": [["職員番号", "異動区分", "発令日", "メモ"], ["001", "新規", "2026/4/1", "=1+1"]]}
        )
    )
    assert parsed.problems == []


def test_merged_cells_in_data_rows_are_reported_at_their_top_left():
    def merge(workbook):
        workbook["職員"].merge_cells("B3:C3")
        workbook["職員"].merge_cells("H2:H3")

    parsed = read_personnel_workbook(staff_file(STAFF_ROW, STAFF_ROW, setup=merge))
    merged = "結合されたセルがあります（{}）。結合を解除してください"
    assert problem_texts(parsed) == [
        "シート「職員」 2行目 「異動区分」: " + merged.format("H2:H3"),
        "シート「職員」 3行目 「氏名」: " + merged.format("B3:C3"),
    ]


def test_merged_header_cells_are_reported():
    def merge(workbook):
        workbook["職員"].merge_cells("B1:C1")

    parsed = read_personnel_workbook(staff_file(STAFF_ROW, setup=merge))
    assert [(p.row, p.column) for p in parsed.problems] == [(1, "氏名")]
    assert "B1:C1" in parsed.problems[0].message


def test_merges_only_in_ignored_columns_are_not_problems():
    def merge(workbook):
        workbook["s"].merge_cells("D2:D3")

    data = xlsx(
        {
            "s": [
                ["職員番号", "異動区分", "発令日", "メモ"],
                ["001", "新規", "2026/4/1", "まとめて"],
                ["002", "新規", "2026/4/1"],
            ]
        },
        setup=merge,
    )
    assert read_personnel_workbook(data).problems == []


def test_duplicated_header_is_a_problem_and_the_first_column_is_read():
    parsed = read_personnel_workbook(
        xlsx(
            {"s": [["職員番号", "発令日", "異動区分", "発令日"], ["001", "2026/4/1", "新規", "x"]]}
        )
    )
    assert len(parsed.problems) == 1
    problem = parsed.problems[0]
    assert (problem.sheet, problem.row, problem.column) == ("s", 1, "発令日")
    assert "B列とD列" in problem.message
    assert parsed.staff.rows[0]["発令日"] == "2026/4/1"


def test_an_alias_and_the_exact_header_together_are_a_duplicate():
    parsed = read_personnel_workbook(
        xlsx(
            {
                "s": [
                    ["職員番号", "異動区分", "発令日", "フリガナ", "ふりがな"],
                    ["001", "新規", "2026/4/1", "ア", "イ"],
                ]
            }
        )
    )
    assert [p.column for p in parsed.problems] == ["フリガナ"]


def test_problem_text_names_sheet_row_and_column():
    assert str(Problem("職員", 5, "発令日", "日付として読めません: 「令和8年13月1日」")) == (
        "シート「職員」 5行目 「発令日」: 日付として読めません: 「令和8年13月1日」"
    )
    assert str(Problem("組織", None, None, "データ行がありません")) == (
        "シート「組織」: データ行がありません"
    )
    assert str(Problem("組織", 3, None, "x")) == "シート「組織」 3行目: x"


def test_a_second_staff_sheet_is_reported_not_silently_merged():
    data = xlsx({"職員": [STAFF_HEADERS, STAFF_ROW], "職員(2)": [STAFF_HEADERS, STAFF_ROW]})
    parsed = read_personnel_workbook(data)
    assert parsed.staff.name == "職員"
    assert [(p.sheet, p.row) for p in parsed.problems] == [("職員(2)", None)]
    assert "複数" in parsed.problems[0].message


# --- org sheet ------------------------------------------------------------------


def test_org_sheet_is_read_alongside_the_staff_sheet():
    data = xlsx({"職員": [STAFF_HEADERS, STAFF_ROW], "組織": [ORG_HEADERS, ORG_ROW]})
    parsed = read_personnel_workbook(data)
    assert parsed.problems == []
    assert parsed.staff.rows[0]["職員番号"] == "00123"
    assert parsed.org.kind == "org"
    assert parsed.org.rows == [{"_row": 2, **dict(zip(ORG_HEADERS, ORG_ROW, strict=True))}]


def test_a_workbook_with_only_org_changes_is_accepted():
    parsed = read_personnel_workbook(xlsx({"機構改革": [ORG_HEADERS, ORG_ROW]}))
    assert parsed.staff is None
    assert parsed.org.name == "機構改革"
    assert parsed.org.rows[0]["組織コード"] == "J01"


def test_header_only_sheet_beside_a_filled_one_is_fine():
    # The template has both sheets; most files fill only 職員.
    data = xlsx({"職員": [STAFF_HEADERS, STAFF_ROW], "組織": [ORG_HEADERS]})
    parsed = read_personnel_workbook(data)
    assert parsed.org.rows == []
    assert parsed.problems == []


def test_no_data_rows_anywhere_is_a_file_error():
    with pytest.raises(ImportFileError, match="データ行がありません"):
        read_personnel_workbook(staff_file([], [None, " "]))


# --- limits ---------------------------------------------------------------------


def test_more_rows_than_the_limit_is_a_file_error_that_gives_the_count():
    data = xlsx({"職員": [STAFF_HEADERS] + [STAFF_ROW] * 6, "組織": [ORG_HEADERS] + [ORG_ROW] * 5})
    with pytest.raises(ImportFileError, match=r"上限（10行）を超えています（11行）"):
        read_personnel_workbook(data, max_rows=10)


def test_exactly_the_row_limit_is_accepted():
    parsed = read_personnel_workbook(staff_file(*[STAFF_ROW] * 10), max_rows=10)
    assert len(parsed.staff.rows) == 10


def test_default_row_limit_message_uses_a_thousands_separator():
    data = staff_file(*[STAFF_ROW] * 11)
    with pytest.raises(ImportFileError) as excinfo:
        read_personnel_workbook(data, max_rows=10)
    assert excinfo.value.message.startswith("行数が上限（10行）を超えています（11行）")
    assert f"{reader.MAX_ROWS:,}" == "5,000"


def test_file_larger_than_the_limit_is_refused_before_parsing():
    data = staff_file(STAFF_ROW)
    with pytest.raises(ImportFileError, match="ファイルが大きすぎます") as excinfo:
        read_personnel_workbook(data, max_bytes=len(data) - 1)
    assert "上限" in excinfo.value.message
    assert read_personnel_workbook(data, max_bytes=len(data)).staff is not None


def test_default_size_limit_is_ten_megabytes():
    with pytest.raises(ImportFileError, match="上限10MB"):
        read_personnel_workbook(b"\0" * (reader.MAX_BYTES + 1))


def test_zip_that_inflates_beyond_the_cap_is_refused(monkeypatch):
    monkeypatch.setattr(reader, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(ImportFileError, match="展開後の容量"):
        read_personnel_workbook(staff_file(*[STAFF_ROW] * 20))


# --- files that are not a readable .xlsx ----------------------------------------

OLE = bytes.fromhex("D0CF11E0A1B11AE1")


def test_legacy_xls_asks_for_xlsx():
    with pytest.raises(ImportFileError, match=r"\.xls.*対応していません") as excinfo:
        read_personnel_workbook(OLE + b"\0" * 1024, filename="人事異動.xlsx")
    assert "xlsx" in excinfo.value.message


def test_password_protected_xlsx_asks_to_remove_the_password():
    data = OLE + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 64
    with pytest.raises(ImportFileError, match="パスワード") as excinfo:
        read_personnel_workbook(data, filename="人事異動.xlsx")
    assert "パスワードを解除" in excinfo.value.message


def test_ole_file_named_xls_gets_the_xls_message_even_if_encrypted():
    data = OLE + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(ImportFileError, match="対応していません"):
        read_personnel_workbook(data, filename="人事異動.XLS")


def test_xlsx_content_under_an_xls_name_is_read_by_content():
    parsed = read_personnel_workbook(staff_file(STAFF_ROW), filename="人事異動.xls")
    assert parsed.staff.rows[0]["職員番号"] == "00123"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(os.urandom(4096), id="random"),
        pytest.param("職員番号,異動区分,発令日\n001,新規,2026/4/1\n".encode(), id="csv"),
        pytest.param("職員番号,異動区分\n".encode("cp932"), id="csv-sjis"),
        pytest.param(b"PK\x03\x04" + b"\0" * 100, id="truncated-zip"),
    ],
)
def test_non_excel_content_is_a_file_error(data):
    with pytest.raises(ImportFileError, match=r"Excel（\.xlsx）ファイルとして読み込めません"):
        read_personnel_workbook(data, filename="人事異動.xlsx")


def test_zip_that_is_not_a_workbook_is_a_file_error():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="読み込めません"):
        read_personnel_workbook(buffer.getvalue())


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_only_ever_raise_import_file_error(data):
    with pytest.raises(ImportFileError):
        read_personnel_workbook(data)


def test_workbook_without_any_values_says_the_sheet_is_empty():
    with pytest.raises(ImportFileError, match=r"^シートが空です"):
        read_personnel_workbook(xlsx({"Sheet1": [], "Sheet2": [[None, "  "]]}))


def test_workbook_without_the_headers_lists_the_required_ones():
    with pytest.raises(ImportFileError) as excinfo:
        read_personnel_workbook(xlsx({"s": [["番号", "名前"], ["1", "山田"]]}))
    message = excinfo.value.message
    assert message.startswith("見出し行が見つかりません")
    assert "職員番号・異動区分・発令日" in message
    assert "組織コード・変更区分・発令日" in message


# --- template -------------------------------------------------------------------


def test_blank_template_reads_back_as_no_data_rows():
    with pytest.raises(ImportFileError, match="データ行がありません"):
        read_personnel_workbook(build_template())


def test_filled_template_reads_back():
    workbook = load_workbook(BytesIO(build_template()))
    workbook["職員"].append(STAFF_ROW)
    workbook["組織"].append(ORG_ROW)
    buffer = BytesIO()
    workbook.save(buffer)
    parsed = read_personnel_workbook(buffer.getvalue())
    assert parsed.problems == []
    assert parsed.staff.rows[0]["フリガナ"] == "ヤマダ タロウ"
    assert parsed.org.rows[0]["変更区分"] == "新設"


def test_template_sheets_have_headers_dropdowns_and_formats():
    workbook = load_workbook(BytesIO(build_template()))
    assert workbook.sheetnames == ["職員", "組織", "記入方法"]
    staff, org = workbook["職員"], workbook["組織"]
    assert [c.value for c in staff[1]] == STAFF_HEADERS
    assert [c.value for c in org[1]] == ORG_HEADERS
    assert all(c.font.b for c in staff[1])
    assert staff.freeze_panes == org.freeze_panes == "A2"
    assert all(staff.column_dimensions[c].width for c in "ABCDEFGHIJ")
    assert staff.column_dimensions["I"].number_format == "yyyy/mm/dd"  # 発令日
    assert staff.column_dimensions["A"].number_format == "@"  # 職員番号 keeps leading zeros

    def lists(ws):
        return {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}

    assert lists(staff) == {"H2:H5001": '"新規,異動,退職,休職,復職"'}
    assert lists(org) == {
        "E2:E5001": '"新設,名称変更,統合,廃止"',
        "C2:C5001": '"児童相談所,一時保護所,区役所,本庁,委託事業者"',
    }


def test_template_guide_explains_every_column_role_and_limit():
    workbook = load_workbook(BytesIO(build_template()))
    guide = "\n".join(
        str(v) for row in workbook["記入方法"].iter_rows(values_only=True) for v in row if v
    )
    for header in STAFF_HEADERS + ORG_HEADERS:
        assert header in guide
    for code, label in roles.ROLES.items():
        assert code in guide
        assert str(label) in guide
    for text in (
        "「、」",
        "「,」",
        "2026/4/1",
        "令和8年4月1日",
        "10MB",
        "5,000行",
        "数式",
        "結合",
        "パスワード",
        ".xlsx",
    ):
        assert text in guide
