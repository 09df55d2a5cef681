"""Computations behind SLA items: ``rule`` code → function(item, start, end) → Outcome.

Each module of this package registers its rules with ``@rule("code", "日本語の説明")``.
A rule reads the other apps' selectors (incidents, helpdesk, backups, ops, accounts, core's
request accounting) — never case content — and returns the figure, the judgement and the
records behind it for the drill-down.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

MET = "met"
MISSED = "missed"
NO_EVENTS = "no_events"  # 対象なし: nothing happened that the item counts
DATA_MISSING = "data_missing"  # データ欠損: the source has a gap; never guessed
PENDING = "pending"  # 確認待ち: a manual item without confirmed evidence yet


@dataclass
class Row:
    """One record behind a figure: what it is, its value, whether it met the target and a
    link to where it lives (an incident, an inquiry, a backup generation…)."""

    label: str
    value: str = ""
    ok: bool | None = None
    url: str = ""
    note: str = ""


@dataclass
class Outcome:
    state: str
    value: Decimal | None = None
    value_text: str = ""
    in_scope: int = 0
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (what, reason)
    rows: list[Row] = field(default_factory=list)
    detail: str = ""


Compute = Callable[..., Outcome]  # (item, start: datetime, end: datetime) -> Outcome


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    compute: Compute


_rules: dict[str, Rule] = {}
MODULES = (
    "availability",
    "response",
    "incidents",
    "backoffice",
    "accounts",
    "history",
)


def rule(code: str, label: str):
    def decorate(fn: Compute) -> Compute:
        _rules[code] = Rule(code, label, fn)
        return fn

    return decorate


def load() -> None:
    for name in MODULES:
        try:
            importlib.import_module(f"sla.computations.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sla.computations.{name}":
                raise


def get(code: str) -> Rule | None:
    load()
    return _rules.get(code)


def all_rules() -> dict[str, Rule]:
    load()
    return dict(_rules)


def judge(value: Decimal | float | None, comparison: str, target: Decimal | None) -> str:
    """MET/MISSED for a figure against the item's target (no target: MET when a value exists)."""
    if value is None:
        return NO_EVENTS
    if target is None or not comparison:
        return MET
    value = Decimal(str(value))
    ok = {
        "le": value <= target,
        "lt": value < target,
        "ge": value >= target,
        "gt": value > target,
        "eq": value == target,
    }[comparison]
    return MET if ok else MISSED


__all__ = [
    "DATA_MISSING",
    "MET",
    "MISSED",
    "NO_EVENTS",
    "PENDING",
    "Outcome",
    "Row",
    "Rule",
    "all_rules",
    "datetime",
    "get",
    "judge",
    "rule",
]
