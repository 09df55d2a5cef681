"""Response times (Sendai #5 data search, #6 online response, #7 screen transition; Kobe
response time ≤ 3 s) from core's request accounting.

Every request is classed by what it did, from what the accounting keeps (view name, method):
search (view names matching ``search_views``, default any name containing "search"), update
(POST/PUT/PATCH/DELETE) and transition (every other GET). File downloads, health checks and
unresolved URLs are left out (``exclude_views``). Figures: p50, p95, p99 and the share within
the threshold (3 s), overall and in office hours (core.calendar business time).

The judged figure (rule_params ``measure``) is by default p95 for an item in seconds — "95 % of
requests answered within the target" — and the share within the threshold for an item in %.
p95 ≤ 3 s holds exactly when at least 95 % of requests took ≤ 3 s, so months whose raw rows
were already dropped (only the daily roll-ups remain, with counts over 3 s but no percentiles)
are still judged, with the share shown instead of the percentile.

Each day that is over is read from the accounting once and kept (sla.RequestFiguresDay, per
classification settings and desk hours), so a month or a fiscal year is a read of stored days
plus a scan of the days not yet seen.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection

from core.calendar import current_calendar
from core.models import RequestDailyStat
from core.request_log import existing_partitions, partition_name
from core.timeutil import JST, to_jst
from incidents.availability import merge_spans, span_minutes
from sla.computations import DATA_MISSING, MET, MISSED, NO_EVENTS, Outcome, Row, rule
from sla.computations._common import (
    HUNDRED,
    calendar_for,
    dec,
    effective_end,
    fmt,
    judge_item,
    not_started,
    params,
)
from sla.computations._common import now as _now
from sla.computations.availability import load_stops

CLASSES = {"search": "検索", "update": "更新", "transition": "画面遷移", "all": "全体"}
UPDATE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DEFAULT_SEARCH_VIEWS = ["*search*"]
DEFAULT_EXCLUDE_VIEWS = [
    "",  # unresolved URLs (404s)
    "healthz",
    "set_language",
    "*pdf*",
    "*xlsx*",
    "*download*",
    "*_file",
    "*material*",
    "*print_*",
]


@dataclass
class Settings:
    search_views: list[str]
    exclude_views: list[str]
    threshold_us: int

    @classmethod
    def of(cls, item) -> Settings:
        p = params(item)
        return cls(
            search_views=list(p.get("search_views", DEFAULT_SEARCH_VIEWS)),
            exclude_views=list(p.get("exclude_views", DEFAULT_EXCLUDE_VIEWS)),
            # Whole milliseconds, so the ceil-ms buckets split exactly at the threshold.
            threshold_us=int(Decimal(str(p.get("threshold_seconds", 3))) * 1000) * 1000,
        )

    def is_search(self, view: str) -> bool:
        return any(fnmatch.fnmatchcase(view, p) for p in self.search_views)

    def is_excluded(self, view: str) -> bool:
        return any(fnmatch.fnmatchcase(view, p) for p in self.exclude_views)


@dataclass
class Figures:
    """What one slice (or a merge of slices) of the accounting holds.

    hist: (class, office) -> Counter of ceil-ms buckets (raw rows only);
    within: (class, office) -> [requests, within threshold]; office None = unknown (roll-up);
    views: (view, class) -> [requests (roll-ups only), over threshold, max µs] for the views
    with slow requests; days: date -> requests (all rows, also the ones left out).
    """

    hist: dict = field(default_factory=lambda: defaultdict(Counter))
    within: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    views: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    days: Counter = field(default_factory=Counter)
    rollup_days: set = field(default_factory=set)
    rollup_unusable: bool = False  # roll-ups count over 3 s only; another threshold can't use them

    def merge(self, other: Figures) -> None:
        for k, c in other.hist.items():
            self.hist[k].update(c)
        for k, (n, w) in other.within.items():
            self.within[k][0] += n
            self.within[k][1] += w
        for k, (n, o, m) in other.views.items():
            v = self.views[k]
            v[0], v[1], v[2] = v[0] + n, v[1] + o, max(v[2], m)
        self.days.update(other.days)
        self.rollup_days |= other.rollup_days
        self.rollup_unusable |= other.rollup_unusable

    # --- serialisation for the cache ---
    def dump(self) -> dict:
        return {
            "hist": [[k[0], k[1], list(c.items())] for k, c in self.hist.items()],
            "within": [[k[0], k[1], v] for k, v in self.within.items()],
            "views": [[k[0], k[1], v] for k, v in self.views.items()],
            "days": [[d.isoformat(), n] for d, n in self.days.items()],
            "rollup_days": [d.isoformat() for d in self.rollup_days],
            "rollup_unusable": self.rollup_unusable,
        }

    @classmethod
    def load(cls, data: dict) -> Figures:
        f = cls()
        for c, o, items in data["hist"]:
            f.hist[(c, o)] = Counter({int(ms): n for ms, n in items})
        for c, o, v in data["within"]:
            f.within[(c, o)] = list(v)
        for view, c, v in data["views"]:
            f.views[(view, c)] = list(v)
        f.days = Counter({date.fromisoformat(d): n for d, n in data["days"]})
        f.rollup_days = {date.fromisoformat(d) for d in data["rollup_days"]}
        f.rollup_unusable = data["rollup_unusable"]
        return f


# --- reading the accounting ------------------------------------------------------------------


# --- reading the accounting ------------------------------------------------------------------
#
# Durations go into buckets fine enough for the judgement and coarse enough to keep a day small:
# 1 ms up to 0.1 s, 10 ms up to 3 s, 100 ms up to 60 s, 1 s beyond (capped at 10 min). Each
# bucket is an upper bound, so a percentile is never reported better than it was; the share
# within the threshold is counted exactly from the durations.

BUCKET_SQL = """CASE WHEN duration_us <= 100000 THEN (duration_us + 999) / 1000
     WHEN duration_us <= 3000000 THEN ((duration_us + 9999) / 10000) * 10
     WHEN duration_us <= 60000000 THEN ((duration_us + 99999) / 100000) * 100
     ELSE LEAST(((duration_us + 999999) / 1000000) * 1000, 600000) END"""
FIGURES_VERSION = 2  # bump when the buckets or the stored layout change
DAY = "date_bin('1 day', requested_at, '2000-01-01 00:00+09')"  # JST midnight, no tz lookups
SETTLED = timedelta(hours=1)  # a day is stored once the request buffer surely reached the table

VIEWS_SQL = """
WITH RECURSIVE v AS (
    (SELECT view_name FROM core_requestlog
     WHERE requested_at >= %(lo)s AND requested_at < %(hi)s ORDER BY view_name LIMIT 1)
    UNION ALL
    SELECT (SELECT r.view_name FROM core_requestlog r
            WHERE r.view_name > v.view_name AND r.requested_at >= %(lo)s
              AND r.requested_at < %(hi)s ORDER BY r.view_name LIMIT 1)
    FROM v WHERE v.view_name IS NOT NULL
) SELECT view_name FROM v WHERE view_name IS NOT NULL
"""  # a loose index scan over (view_name, requested_at): milliseconds, not a table scan

HIST_SQL = f"""
SELECT ds, cls, (tod >= %(opens)s AND tod < %(closes)s), bucket, count(*),
       count(*) FILTER (WHERE duration_us <= %(thr)s)
FROM (
    SELECT ds, requested_at - ds AS tod, duration_us, cls, bucket FROM (
        SELECT {DAY} AS ds, requested_at, duration_us,
               CASE WHEN view_name = ANY(%(excluded)s) OR method IN ('HEAD', 'OPTIONS') THEN 'x'
                    WHEN view_name = ANY(%(search)s) THEN 'search'
                    WHEN method = ANY(%(updates)s) THEN 'update' ELSE 'transition' END AS cls,
               {BUCKET_SQL} AS bucket
        FROM core_requestlog
        WHERE requested_at >= %(lo)s AND requested_at < %(hi)s
    ) a OFFSET 0
) r
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - constant SQL fragments; OFFSET 0 keeps date_bin computed once a row

SLOW_SQL = f"""
SELECT {DAY}, view_name, method, count(*), max(duration_us)
FROM core_requestlog
WHERE requested_at >= %(lo)s AND requested_at < %(hi)s AND duration_us > %(thr)s
GROUP BY 1, 2, 3
"""  # noqa: S608 - constant SQL fragments


def _class_of(s: Settings, view: str, method: str) -> str:
    if s.is_search(view):
        return "search"
    return "update" if method in UPDATE_METHODS else "transition"


def _raw_run(lo: datetime, hi: datetime, s: Settings, hours) -> dict[date, Figures]:
    """Figures per JST day of [lo, hi), in one scan (plus one over the slow requests).
    ``hours`` = (opens, closes) of the business days in the run (runs are split where the
    desk hours change); office hours = within them on a business day."""
    out: dict[date, Figures] = defaultdict(Figures)
    cal = current_calendar()
    opens, closes = hours or (datetime.min.time(), datetime.min.time())
    with connection.cursor() as cur:
        cur.execute(VIEWS_SQL, {"lo": lo, "hi": hi})
        views = [v for (v,) in cur.fetchall()]
        args = {
            "lo": lo,
            "hi": hi,
            "thr": s.threshold_us,
            "search": [v for v in views if s.is_search(v)],
            "excluded": [v for v in views if s.is_excluded(v)],
            "updates": list(UPDATE_METHODS),
            "opens": timedelta(hours=opens.hour, minutes=opens.minute),
            "closes": timedelta(hours=closes.hour, minutes=closes.minute),
        }
        cur.execute(HIST_SQL, args)
        for ds, cls, in_hours, bucket, n, within in cur.fetchall():
            day = to_jst(ds).date()
            f = out[day]
            f.days[day] += n
            if cls == "x":
                continue
            office = bool(in_hours) and cal.is_business_day(day)
            f.hist[(cls, office)][int(bucket)] += n
            entry = f.within[(cls, office)]
            entry[0] += n
            entry[1] += within
        cur.execute(SLOW_SQL, args)
        for ds, view, method, over, mx in cur.fetchall():
            if s.is_excluded(view) or method in ("HEAD", "OPTIONS"):
                continue
            v = out[to_jst(ds).date()].views[(view, _class_of(s, view, method))]
            v[1], v[2] = v[1] + over, max(v[2], mx or 0)
    return out


def _rollup_day(d: date, s: Settings) -> Figures:
    f = Figures()
    usable = s.threshold_us == 3_000_000
    for view, n, over, mx in RequestDailyStat.objects.filter(day=d).values_list(
        "view_name", "requests", "over_3s", "max_duration_us"
    ):
        f.days[d] += n
        f.rollup_days.add(d)
        f.rollup_unusable = not usable
        if s.is_excluded(view):
            continue
        cls = "search" if s.is_search(view) else "other"
        entry = f.within[(cls, None)]
        entry[0] += n
        entry[1] += n - over if usable else 0
        v = f.views[(view, cls)]
        v[0], v[1], v[2] = v[0] + n, v[1] + over, max(v[2], mx)
    return f


def _day_key(s: Settings, hours) -> str:
    raw = json.dumps([FIGURES_VERSION, s.search_views, s.exclude_views, s.threshold_us, str(hours)])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _day_bounds(d: date) -> tuple[datetime, datetime]:
    lo = datetime.combine(d, datetime.min.time(), JST)
    return lo, lo + timedelta(days=1)


def figures(start: datetime, end: datetime, s: Settings, *, at: datetime) -> Figures:
    """The accounting of [start, end): whole days that are over are stored once per day
    (RequestFiguresDay) and read back; the rest (today, partial days) is read live."""
    from sla.models import RequestFiguresDay

    cal = current_calendar()
    total = Figures()
    first, last = to_jst(start).date(), to_jst(end - timedelta(microseconds=1)).date()
    whole, partial = [], []
    d = first
    while d <= last:
        lo, hi = _day_bounds(d)
        if lo >= start and hi <= end and hi <= at - SETTLED:
            whole.append(d)
        else:
            partial.append((max(lo, start), min(hi, end)))
        d += timedelta(days=1)

    keys = {d: _day_key(s, cal.business_hours(d)) for d in whole}
    stored = {
        row.day: row
        for row in RequestFiguresDay.objects.filter(day__in=whole, key__in=set(keys.values())).only(
            "day", "key", "data"
        )
        if keys.get(row.day) == row.key
    }
    missing = [d for d in whole if d not in stored]
    for d in whole:
        if d in stored:
            total.merge(Figures.load(stored[d].data))

    # Missing days: one scan per run of consecutive days with the same desk hours.
    partitions = set(existing_partitions())
    runs: list[list[date]] = []
    for d in missing:
        hours = cal.business_hours(d)
        shared = _hours_of(cal, runs[-1]) if runs else None
        if (
            runs
            and runs[-1][-1] + timedelta(days=1) == d
            and (hours is None or shared is None or hours == shared)
        ):
            runs[-1].append(d)
        else:
            runs.append([d])
    new_rows = []
    for run in runs:
        lo, hi = _day_bounds(run[0])[0], _day_bounds(run[-1])[1]
        per_day = _raw_run(lo, hi, s, _hours_of(cal, run))
        for d in run:
            f = per_day.get(d) or Figures()
            source = "raw"
            if not f.days and partition_name(d.replace(day=1)) not in partitions:
                f, source = _rollup_day(d, s), "rollup"
            total.merge(f)
            if f.days:  # an empty day is never stored: rows may still arrive for it
                new_rows.append(
                    RequestFiguresDay(
                        day=d,
                        key=keys[d],
                        source=source,
                        requests=sum(f.days.values()),
                        data=f.dump(),
                        computed_at=at,
                    )
                )
    if new_rows:
        RequestFiguresDay.objects.bulk_create(
            new_rows,
            update_conflicts=True,
            unique_fields=["day", "key"],
            update_fields=["source", "requests", "data", "computed_at"],
        )

    for lo, hi in partial:
        hours = cal.business_hours(to_jst(lo).date())
        for f in _raw_run(lo, hi, s, hours).values():
            total.merge(f)
    return total


def _hours_of(cal, run: list[date]):
    """The desk hours shared by the business days of a run (None if it has none)."""
    for d in run:
        hours = cal.business_hours(d)
        if hours is not None:
            return hours
    return None


def _accounted_before(start: datetime) -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s LIMIT 1",
            [start - timedelta(days=7), start],
        )
        if cur.fetchone():
            return True
    return RequestDailyStat.objects.filter(day__lt=to_jst(start).date()).exists()


# --- figures out of a histogram ---------------------------------------------------------------


def percentile_ms(counter: Counter, p: Decimal) -> int | None:
    """Nearest rank: the smallest bucket with at least p % of the requests at or below it."""
    n = sum(counter.values())
    if n == 0:
        return None
    rank = -(-n * p // HUNDRED)  # ceil
    seen = 0
    for ms in sorted(counter):
        seen += counter[ms]
        if seen >= rank:
            return ms
    return max(counter)


def _pick(f: Figures, cls: str, office: bool | None):
    """(histogram, [n, within]) for a class over all rows (office None) or office hours."""
    classes = ("search", "update", "transition") if cls == "all" else (cls,)
    hist, within = Counter(), [0, 0]
    for (c, o), counter in f.hist.items():
        if c in classes and (office is None or o == office):
            hist.update(counter)
    for (c, o), (n, w) in f.within.items():
        roll = c == "other" and cls in ("update", "transition", "all")
        if (c in classes or roll) and (office is None or o == office):
            within[0] += n
            within[1] += w
    return hist, within


def _seconds(ms: int | None) -> Decimal | None:
    return None if ms is None else dec(Decimal(ms) / 1000, 3)


MEASURES = {"p50": Decimal(50), "p95": Decimal(95), "p99": Decimal(99), "max": Decimal(100)}


def _response(item, start: datetime, end: datetime, cls: str) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    p = params(item)
    cls = p.get("class", cls)
    s = Settings.of(item)
    measure = p.get("measure") or ("share_within" if item.unit == "percent" else "p95")
    office_only = bool(p.get("office_hours_only", False))
    threshold_s = dec(Decimal(s.threshold_us) / 1_000_000, 3)
    label = CLASSES.get(cls, cls)

    with calendar_for(item):
        f = figures(start, stop_at, s, at=at)
        cal = current_calendar()
        complete_days = []
        d = to_jst(start).date()
        while datetime.combine(d + timedelta(days=1), datetime.min.time(), JST) <= stop_at:
            complete_days.append(d)
            d += timedelta(days=1)
        business = [d for d in complete_days if cal.is_business_day(d)]

    rows: list[Row] = []
    excluded: list[tuple[str, str]] = []
    hist_all, within_all = _pick(f, cls, None)
    hist_office, within_office = _pick(f, cls, True)
    n_total = within_all[0]

    if not f.days:
        return Outcome(
            state=NO_EVENTS,
            detail="期間内にリクエストの記録がなく、対象はありません。",
        )
    # Gaps in the accounting: a business day without a single row while the service ran.
    gap_check = p.get("gap_days", "business")
    candidates = business if gap_check == "business" else complete_days
    if gap_check != "none":
        accounted_from = min(f.days)
        if not _accounted_before(start):
            for d in candidates:
                if d < accounted_from:
                    excluded.append((f"{d:%m/%d}", "リクエスト記録の開始前"))
            candidates = [d for d in candidates if d >= accounted_from]
        gaps = []
        for d in candidates:
            if f.days.get(d):
                continue
            lo = datetime.combine(d, datetime.min.time(), JST)
            hi = lo + timedelta(days=1)
            stops = load_stops(lo, hi, at)
            down = stops.excluded_spans + [p for st in stops.full for p in stops.unplanned(st)]
            if span_minutes(merge_spans(down)) >= 24 * 60 - 1:
                excluded.append((f"{d:%m/%d}", "終日停止（記録なしは正常）"))
                continue
            gaps.append(d)
        if gaps:
            return Outcome(
                state=DATA_MISSING,
                value_text=f"記録のない日 {len(gaps)}日",
                excluded=excluded,
                rows=[Row(f"{d:%Y/%m/%d} リクエスト記録なし", "0件", False) for d in gaps],
                detail=(
                    "サービス稼働中にリクエストの記録が1件もない営業日があり、"
                    "応答時間を判定できません（データ欠損）。"
                ),
            )
    if f.rollup_unusable and f.rollup_days:
        return Outcome(
            state=DATA_MISSING,
            excluded=excluded,
            detail="日次集計しか残っていない月は3秒超の件数しか持たないため、この閾値では判定できません。",
        )
    if n_total == 0:
        return Outcome(
            state=NO_EVENTS,
            excluded=excluded,
            detail=f"期間内に「{label}」に当たるリクエストはありません。",
        )

    # Figures, overall and in office hours.
    raw_only = not f.rollup_days
    for scope, hist, within in (
        ("全体", hist_all, within_all),
        ("業務時間内", hist_office, within_office),
    ):
        share = dec(Decimal(within[1]) * HUNDRED / within[0], 2) if within[0] else None
        parts = []
        if raw_only and hist:
            parts += [
                f"{m} {fmt(_seconds(percentile_ms(hist, MEASURES[m])), 'seconds')}"
                for m in ("p50", "p95", "p99")
            ]
        parts.append(f"{fmt(threshold_s, 'seconds')}以内 {fmt(share, 'percent')}")
        note = (
            "日次集計の日は業務時間内外を区別できないため含まない"
            if scope != "全体" and f.rollup_days
            else ""
        )
        rows.append(Row(f"{label} {scope}（{within[0]}件）", "、".join(parts), None, "", note))
    slow = sorted(
        (
            (view, c, v)
            for (view, c), v in f.views.items()
            if v[1] > 0
            and (cls == "all" or c == cls or (c == "other" and cls in ("update", "transition")))
        ),
        key=lambda t: (-t[2][1], t[0]),
    )[:10]
    for view, _c, (_n, over, mx) in slow:
        longest = fmt(_seconds(mx // 1000), "seconds")
        rows.append(
            Row(
                f"画面 {view}",
                f"{over}件が{fmt(threshold_s, 'seconds')}超（最長 {longest}）",
                False,
            )
        )
    if f.rollup_days:
        excluded.append(
            (
                f"{min(f.rollup_days):%Y/%m/%d}〜{max(f.rollup_days):%Y/%m/%d}",
                "生の記録は保存期間を過ぎ日次集計のみ（更新と画面遷移は区別できず、検索以外をまとめて判定）",
            )
        )

    hist, within = (hist_office, within_office) if office_only else (hist_all, within_all)
    scope_text = "業務時間内の" if office_only else ""
    if within[0] == 0:
        return Outcome(
            state=NO_EVENTS if raw_only else DATA_MISSING,
            excluded=excluded,
            rows=rows,
            detail=f"期間内に{scope_text}「{label}」のリクエストはありません。",
        )
    share = dec(Decimal(within[1]) * HUNDRED / within[0], 2)
    in_scope = within[0]
    if measure == "share_within":
        value = share
        return Outcome(
            state=judge_item(item, value, default=("ge", Decimal(95))),
            value=value,
            value_text=f"{fmt(threshold_s, 'seconds')}以内 {fmt(share, 'percent')}（{in_scope}件）",
            in_scope=in_scope,
            excluded=excluded,
            rows=rows,
            detail=(
                f"{scope_text}「{label}」のリクエストのうち、処理時間が{fmt(threshold_s, 'seconds')}"
                "以内だったものの割合（リクエスト記録から算出）。"
            ),
        )
    pct = MEASURES.get(measure, MEASURES["p95"])
    target = item.target_value
    if raw_only:
        value = _seconds(percentile_ms(hist, pct))
        state = judge_item(item, value, default=("le", threshold_s))
        value_text = f"{measure} {fmt(value, 'seconds')}（{in_scope}件）"
    else:
        # Only the share over 3 s is known: p ≤ threshold ⇔ share within ≥ p.
        if target is not None and Decimal(target) != threshold_s:
            return Outcome(
                state=DATA_MISSING,
                excluded=excluded,
                rows=rows,
                detail="日次集計しか残っていない期間では、目標値と異なる閾値の百分位は求められません。",
            )
        value = None
        state = MET if share >= pct else MISSED
        value_text = (
            f"{fmt(threshold_s, 'seconds')}以内 {fmt(share, 'percent')}"
            f"（{measure} は{'目標以内' if state == MET else '目標超過'}、{in_scope}件）"
        )
    return Outcome(
        state=state,
        value=value,
        value_text=value_text,
        in_scope=in_scope,
        excluded=excluded,
        rows=rows,
        detail=(
            f"{scope_text}「{label}」のリクエストの処理時間の{measure}（{pct}%の要求がこの時間以内に"
            "応答）をリクエスト記録から求め、目標と比べた（1ミリ秒単位で切り上げ）。"
        ),
    )


@rule("response_search", "データ検索時間（検索画面のリクエスト）")
def compute_response_search(item, start: datetime, end: datetime) -> Outcome:
    return _response(item, start, end, "search")


@rule("response_update", "オンラインレスポンス時間（登録・更新のリクエスト）")
def compute_response_update(item, start: datetime, end: datetime) -> Outcome:
    return _response(item, start, end, "update")


@rule("response_transition", "画面遷移時間（検索・更新を伴わない画面表示）")
def compute_response_transition(item, start: datetime, end: datetime) -> Outcome:
    return _response(item, start, end, "transition")
