"""Time helpers: business rules are always in Asia/Tokyo, whatever the server's zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

JST = ZoneInfo("Asia/Tokyo")


def now_jst() -> datetime:
    return timezone.now().astimezone(JST)


def to_jst(value: datetime) -> datetime:
    if timezone.is_naive(value):
        raise ValueError("naive datetime: business rules need an aware time")
    return value.astimezone(JST)


def month_start(value: datetime | date) -> date:
    """First day of the month containing ``value`` (in JST for datetimes)."""
    if isinstance(value, datetime):
        value = to_jst(value).date()
    return value.replace(day=1)


def fiscal_year(value: datetime | date) -> int:
    """年度: the Japanese fiscal year starts on April 1."""
    if isinstance(value, datetime):
        value = to_jst(value).date()
    return value.year if value.month >= 4 else value.year - 1


def reiwa(fiscal_year_value: int) -> int:
    """令和 year of a fiscal year (FY2026 → 令和8), used in document numbers."""
    return fiscal_year_value - 2018


def month_label(value: date) -> str:
    """「2026年10月」: how every screen and deliverable names a month."""
    return f"{value.year}年{value.month}月"
