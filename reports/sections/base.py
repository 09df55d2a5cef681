"""What a section of the monthly report is made of, independent of xlsx or PDF.

A value of ``None`` is never printed as 0: it is shown as the words in ``Figure.absent``
(or ``NO_DATA``). A section whose source is not built, or that has nothing for the month,
says so in ``Section.absent`` instead of showing empty tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import translation

from core.timeutil import month_label

JST = ZoneInfo("Asia/Tokyo")

Cell = str | int | float | Decimal | date | datetime | None

NO_DATA = "データなし"
NO_SOURCE = "本システムでは記録していません"
MB = 1024 * 1024


@dataclass(frozen=True)
class Period:
    """The report's month: first day, and the aware JST bounds [start, end)."""

    month: date
    profile: str  # city profile code ("sendai", "kobe")

    @property
    def first(self) -> date:
        return self.month

    @property
    def last(self) -> date:
        nxt = (self.month.replace(day=28) + timedelta(days=4)).replace(day=1)
        return nxt - timedelta(days=1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=JST)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=JST)

    @property
    def next_month(self) -> date:
        return self.last + timedelta(days=1)

    def previous_months(self, count: int) -> list[date]:
        """The ``count`` months ending with this one, oldest first."""
        months = [self.month]
        for _ in range(count - 1):
            months.append((months[-1] - timedelta(days=1)).replace(day=1))
        return list(reversed(months))

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass
class Figure:
    """One headline number or fact: label, value, unit; ``None`` = not known (see absent)."""

    label: str
    value: Cell
    unit: str = ""
    absent: str = ""  # words shown instead of a missing value
    note: str = ""


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    empty: str = "該当なし"  # words shown when rows is empty (e.g. "当月の障害はありません")
    note: str = ""


@dataclass
class Series:
    name: str
    values: list[float | None]  # None = no data for that category (a gap, never 0)


@dataclass
class Chart:
    """A trend: one value per category (months or days) per series."""

    title: str
    categories: list[str]
    series: list[Series]
    unit: str = ""
    kind: str = "line"  # "line" or "bar"


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    absent: str = ""  # set when the whole section has no source or no data: the sentence why

    @property
    def has_content(self) -> bool:
        return bool(self.figures or self.tables or self.charts)


def short_month(month: date) -> str:
    return f"{month.year % 100:02d}/{month.month:02d}"


def day_label(day: date) -> str:
    return f"{day.month}/{day.day}"


def choice_labels(choices) -> dict[str, str]:
    """A model's choice labels in Japanese: the labels are lazy translations, and the
    report is Japanese whatever language the request or worker has active."""
    with translation.override("ja"):
        return {key: str(label) for key, label in choices}


def choice_label(choices, value: str) -> str:
    return choice_labels(choices).get(value, value)
