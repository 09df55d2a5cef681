"""Turning what people type into Excel cells into comparable values.

Everything here is pure: no Django, no database. Each function takes a raw cell value
as openpyxl returns it (str, int, float, datetime, None).
"""

import datetime
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass

from openpyxl.utils.datetime import from_excel

# Serials outside this window are almost certainly a number typed into a date column
# (an employee number, a year), not a date: 20000 is 1954-10-03, 80000 is 2119-01-10.
EXCEL_SERIAL_MIN = 20000
EXCEL_SERIAL_MAX = 80000

# People paste codes from Word or type them in kana mode, which gives look-alike dashes.
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # A number typed into a General cell comes back as 123.0; the user typed "123".
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return str(value)
    if not isinstance(value, str):
        value = str(value)
    return " ".join(unicodedata.normalize("NFKC", value).split())


def code(value) -> str:
    cleaned = text(value).replace(" ", "").translate(_DASHES)
    return "".join(c.upper() if c.isascii() else c for c in cleaned)


def kana(value) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text(value))


def is_katakana(s: str) -> bool:
    """True when s is made only of katakana, ー, ・ and spaces.

    Like str.isalpha(), an empty string is not katakana; whether a blank フリガナ is
    acceptable is the caller's decision.
    """
    return bool(s) and all("\u30a1" <= c <= "\u30f4" or c in "ー・ " for c in s)


def email(value) -> str:
    return text(value).lower()


@dataclass(frozen=True)
class _Era:
    name: str
    letter: str
    start: datetime.date


# 明治 starts at the Gregorian equivalent of 明治元年1月1日 because the era name was
# applied to the whole year retroactively; dates before 1873 were lunar anyway, which
# no personnel record needs.
_ERAS = (
    _Era("明治", "M", datetime.date(1868, 1, 25)),
    _Era("大正", "T", datetime.date(1912, 7, 30)),
    _Era("昭和", "S", datetime.date(1926, 12, 25)),
    _Era("平成", "H", datetime.date(1989, 1, 8)),
    _Era("令和", "R", datetime.date(2019, 5, 1)),
)
_ERA_BY_KEY = {key: era for era in _ERAS for key in (era.name, era.letter)}
_ERA_END = {era.name: nxt.start for era, nxt in itertools.pairwise(_ERAS)}

_WESTERN = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
_WAREKI = re.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])"
    r"(?P<y>元|\d{1,2})(?:年|[/.-])(?P<m>\d{1,2})(?:月|[/.-])(?P<d>\d{1,2})日?"
)


_HOW = "2026/4/1 または 令和8年4月1日 の形で入力してください"


def _ja(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _unreadable(shown: str, reason: str = "") -> ValueError:
    # One prefix for every failure, so the user always sees which cell text was rejected.
    return ValueError(f"日付として読めません: 「{shown}」" + (f"（{reason}）" if reason else ""))


def _make_date(year: int, month: int, day: int, shown: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _unreadable(shown, "存在しない日付です") from None


def _from_serial(value: float, shown: str) -> datetime.date:
    if not math.isfinite(value) or not EXCEL_SERIAL_MIN <= value <= EXCEL_SERIAL_MAX:
        raise _unreadable(shown, f"数値が日付のシリアル値の範囲外です。{_HOW}")
    return from_excel(value).date()


def _from_wareki(match: re.Match, shown: str) -> datetime.date:
    era = _ERA_BY_KEY[match["era"]]
    n = 1 if match["y"] == "元" else int(match["y"])
    if n < 1:
        raise _unreadable(shown, _HOW)
    result = _make_date(era.start.year + n - 1, int(match["m"]), int(match["d"]), shown)
    end = _ERA_END.get(era.name)
    if result < era.start or (end is not None and result >= end):
        until = f"{_ja(end - datetime.timedelta(days=1))}まで" if end else ""
        raise _unreadable(shown, f"{era.name}は{_ja(era.start)}から{until}です")
    return result


def parse_date(value) -> datetime.date:
    """Read a date the way Japanese offices write it; ValueError (Japanese) otherwise."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if value is None:
        raise ValueError("日付が入力されていません")
    shown = text(value)
    if isinstance(value, bool):
        raise _unreadable(shown, _HOW)
    if isinstance(value, int | float):
        return _from_serial(value, shown)
    if not shown:
        raise ValueError("日付が入力されていません")
    compact = shown.replace(" ", "").upper()
    for pattern in _WESTERN:
        if match := pattern.fullmatch(compact):
            return _make_date(int(match["y"]), int(match["m"]), int(match["d"]), shown)
    if match := _WAREKI.fullmatch(compact):
        return _from_wareki(match, shown)
    raise _unreadable(shown, _HOW)
