import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.personnel_import.normalize import code, email, is_katakana, kana, parse_date, text

# Excel's 1900 date system, for dates after its fictional 1900-02-29.
EXCEL_DAY_ZERO = datetime.date(1899, 12, 30)
REIWA_START = datetime.date(2019, 5, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (123, "123"),
        (123.0, "123"),
        (1.5, "1.5"),
        ("１２３４５６", "123456"),
        ("  山田\u3000\u3000太郎  ", "山田 太郎"),
        ("a \t\n b", "a b"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
    ],
)
def test_text_normalises_width_numbers_and_whitespace(value, expected):
    assert text(value) == expected


def test_code_drops_spaces_upper_cases_and_unifies_dashes():
    assert code(" ａｂ－１２ ３ ") == "AB-123"
    assert code("A−001") == "A-001"  # U+2212 from a pasted document
    assert code("k1ー2") == "K1-2"  # 長音 typed in kana mode
    assert code(12345.0) == "12345"
    assert code("１２３４５６") == "123456"
    assert code(None) == ""


def test_kana_turns_hiragana_and_half_width_into_katakana_with_one_space():
    assert kana("やまだ\u3000たろう") == "ヤマダ タロウ"
    assert kana("ﾔﾏﾀﾞ  ﾀﾛｳ") == "ヤマダ タロウ"
    assert kana("ゔぁいおりん") == "ヴァイオリン"
    assert kana(" スズキ・ハナコ ") == "スズキ・ハナコ"


def test_is_katakana_accepts_katakana_long_vowel_dot_and_space_only():
    assert is_katakana("ヤマダ タロウ")
    assert is_katakana("スミス・ジョーンズ")
    assert not is_katakana("やまだ")
    assert not is_katakana("山田")
    assert not is_katakana("YAMADA")
    assert not is_katakana("")


def test_email_is_normalised_and_lower_cased():
    assert email(" Taro.Yamada＠City.Example.JP ") == "taro.yamada@city.example.jp"
    assert email(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026/4/1", datetime.date(2026, 4, 1)),
        ("2026-04-01", datetime.date(2026, 4, 1)),
        ("2026.4.1", datetime.date(2026, 4, 1)),
        ("2026年4月1日", datetime.date(2026, 4, 1)),
        ("20260401", datetime.date(2026, 4, 1)),
        ("２０２６／４／１", datetime.date(2026, 4, 1)),
        (" 2026 / 4 / 1 ", datetime.date(2026, 4, 1)),
        ("令和8年4月1日", datetime.date(2026, 4, 1)),
        ("令和 ８年 ４月 １日", datetime.date(2026, 4, 1)),
        ("令和元年5月1日", datetime.date(2019, 5, 1)),
        ("R8.4.1", datetime.date(2026, 4, 1)),
        ("R8/4/1", datetime.date(2026, 4, 1)),
        ("r8.4.1", datetime.date(2026, 4, 1)),
        ("㋿8年4月1日", datetime.date(2026, 4, 1)),
        ("平成31年4月30日", datetime.date(2019, 4, 30)),
        ("H31.4.30", datetime.date(2019, 4, 30)),
        ("平成元年1月8日", datetime.date(1989, 1, 8)),
        ("昭和64年1月7日", datetime.date(1989, 1, 7)),
        ("S64.1.7", datetime.date(1989, 1, 7)),
        ("大正15年12月24日", datetime.date(1926, 12, 24)),
        ("昭和元年12月25日", datetime.date(1926, 12, 25)),
        ("T1.7.30", datetime.date(1912, 7, 30)),
        ("明治45年7月29日", datetime.date(1912, 7, 29)),
        (46113, datetime.date(2026, 4, 1)),
        (46113.0, datetime.date(2026, 4, 1)),
        (46113.75, datetime.date(2026, 4, 1)),
        (datetime.datetime(2026, 4, 1, 9, 30), datetime.date(2026, 4, 1)),
        (datetime.date(2026, 4, 1), datetime.date(2026, 4, 1)),
    ],
)
def test_parse_date_reads_western_japanese_era_and_excel_forms(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "令和1年4月1日",  # before 令和 began
        "令和元年4月30日",
        "平成31年5月1日",  # already 令和
        "H31.5.1",
        "昭和64年1月8日",  # already 平成
        "平成元年1月7日",
        "大正15年12月25日",
        "令和0年5月1日",
        "2026/2/30",
        "令和8年13月1日",
        "2026/4-1",
        "26/4/1",
        "2026/4",
        "2026041",
        "来年度",
        "X8.4.1",
        "",
        "   ",
        None,
        True,
        19999,  # below the serial window: a code typed into the date column
        80001,
        float("nan"),
        -1,
    ],
)
def test_parse_date_rejects_unreadable_and_out_of_era_dates(value):
    with pytest.raises(ValueError, match="日付"):
        parse_date(value)


def test_parse_date_message_quotes_the_cell_and_says_why():
    with pytest.raises(ValueError, match="日付として読めません: 「令和8年13月1日」") as excinfo:
        parse_date("令和8年13月1日")
    assert "存在しない日付" in str(excinfo.value)
    with pytest.raises(ValueError, match="令和は2019年5月1日から"):
        parse_date("令和1年4月1日")
    with pytest.raises(ValueError, match="平成は1989年1月8日から2019年4月30日まで"):
        parse_date("平成31年5月1日")


dates = st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2060, 12, 31))


@given(dates)
def test_any_date_written_y_m_d_reads_back(day):
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day


@given(st.dates(min_value=REIWA_START, max_value=datetime.date(2060, 12, 31)))
def test_any_reiwa_date_written_in_wareki_reads_back(day):
    n = day.year - 2018
    year = "元" if n == 1 else str(n)
    assert parse_date(f"令和{year}年{day.month}月{day.day}日") == day
    assert parse_date(f"R{n}.{day.month}.{day.day}") == day


@given(dates, st.booleans())
def test_any_date_as_an_excel_serial_reads_back(day, as_float):
    serial = (day - EXCEL_DAY_ZERO).days
    assert parse_date(float(serial) if as_float else serial) == day
