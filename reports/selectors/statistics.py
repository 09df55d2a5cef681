"""システム統計情報（資源の計測・月次統計・テンプレート）.

Monthly figures from core's request accounting, aggregated in SQL: one statement per
table, a few hundred rows back at most, however many requests the month had.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core.navigation import _registry as nav_registry
from core.timeutil import JST
from reports.models.statistics import (
    FunctionName,
    ResourceSample,
    StatisticsReport,
    StatisticsTemplate,
)

LOGIN_VIEW = "login"
TREND_MONTHS = 12
CLOSED_MONTH_CACHE_SECONDS = 7 * 24 * 3600
# A function's figures are compared with its 12-month median when it had at least this
# many requests in the month (too few requests make a p95 meaningless).
DEFAULT_ANOMALY_FACTOR = 2.0
DEFAULT_ANOMALY_MIN_REQUESTS = 20
DEFAULT_ANOMALY_MIN_ERRORS = 5

BUILTIN_LABELS = {
    "login": "ログイン",
    "logout": "ログアウト",
    "": "（URL不一致）",
}


def anomaly_factor() -> float:
    return float(getattr(settings, "REPORTS_STATS_ANOMALY_FACTOR", DEFAULT_ANOMALY_FACTOR))


def anomaly_min_requests() -> int:
    return int(
        getattr(settings, "REPORTS_STATS_ANOMALY_MIN_REQUESTS", DEFAULT_ANOMALY_MIN_REQUESTS)
    )


def anomaly_min_errors() -> int:
    return int(getattr(settings, "REPORTS_STATS_ANOMALY_MIN_ERRORS", DEFAULT_ANOMALY_MIN_ERRORS))


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    nxt = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=JST),
        datetime(nxt.year, nxt.month, 1, tzinfo=JST),
    )


# --- function names -----------------------------------------------------------


def function_labels() -> dict[str, str]:
    """view name → Japanese function name: the table first, then the menu labels."""
    labels = dict(BUILTIN_LABELS)
    for item in nav_registry.values():
        labels.setdefault(item.url_name, str(item.label))
    labels.update(dict(FunctionName.objects.values_list("view_name", "label")))
    return labels


def function_label(view_name: str, labels: dict[str, str]) -> str:
    return labels.get(view_name) or view_name


# --- figures ------------------------------------------------------------------


@dataclass
class FunctionRow:
    view_name: str
    label: str
    requests: int
    users: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass
class Anomaly:
    view_name: str
    label: str
    measure: str  # "p95" / "error_rate"
    current: float
    median: float
    reason: str


@dataclass
class MonthFigures:
    month: date
    total_requests: int = 0
    total_errors: int = 0
    logins_total: int = 0
    logins_by_day: list[tuple[date, int, int]] = field(default_factory=list)  # day, logins, users
    logins_by_role: list[tuple[str, int, int]] = field(default_factory=list)  # label, logins, users
    functions: list[FunctionRow] = field(default_factory=list)
    hours: list[tuple[int, int]] = field(default_factory=list)  # hour 0-23, requests
    busiest_hours: list[int] = field(default_factory=list)
    resources: dict = field(default_factory=dict)
    trend: list[dict] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def logins_by_day(month: date) -> list[tuple[date, int, int]]:
    """Successful logins: a POST to the login view answered with a redirect, signed in."""
    lo, hi = month_bounds(month)
    rows = dict(
        (r[0], (r[1], r[2]))
        for r in _fetch(
            """
            SELECT (requested_at AT TIME ZONE 'Asia/Tokyo')::date, count(*), count(DISTINCT user_id)
            FROM core_requestlog
            WHERE requested_at >= %s AND requested_at < %s AND view_name = %s
              AND method = 'POST' AND status BETWEEN 300 AND 399 AND user_id IS NOT NULL
            GROUP BY 1
            """,
            [lo, hi, LOGIN_VIEW],
        )
    )
    out, day = [], month
    while day < next_month(month):
        logins, users = rows.get(day, (0, 0))
        out.append((day, logins, users))
        day += timedelta(days=1)
    return out


def logins_by_role(month: date) -> list[tuple[str, int, int]]:
    """Each login counted once, under the user's first role (the roles' priority order)."""
    lo, hi = month_bounds(month)
    per_user = _fetch(
        """
        SELECT user_id, count(*) FROM core_requestlog
        WHERE requested_at >= %s AND requested_at < %s AND view_name = %s
          AND method = 'POST' AND status BETWEEN 300 AND 399 AND user_id IS NOT NULL
        GROUP BY 1
        """,
        [lo, hi, LOGIN_VIEW],
    )
    role_of: dict[int, str | None] = {}
    ids = [u for u, _n in per_user]
    codes: dict[int, set[str]] = {i: set() for i in ids}
    for uid, code in User.groups.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "group__name"
    ):
        codes[uid].add(code)
    for uid in ids:
        role_of[uid] = roles.primary_role(codes[uid])
    totals: dict[str | None, list[int]] = {}
    for uid, n in per_user:
        entry = totals.setdefault(role_of[uid], [0, 0])
        entry[0] += n
        entry[1] += 1
    out = []
    for code in [*roles.ROLES, None]:
        if code in totals:
            label = roles.role_label(code) if code else _("役割なし")
            out.append((label, totals[code][0], totals[code][1]))
    return out


def functions(month: date, labels: dict[str, str] | None = None) -> list[FunctionRow]:
    labels = labels if labels is not None else function_labels()
    lo, hi = month_bounds(month)
    rows = _fetch(
        """
        SELECT view_name, count(*), count(DISTINCT user_id),
               percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_us),
               count(*) FILTER (WHERE status >= 500)
        FROM core_requestlog
        WHERE requested_at >= %s AND requested_at < %s
        GROUP BY view_name
        ORDER BY count(*) DESC, view_name
        """,
        [lo, hi],
    )
    return [
        FunctionRow(
            view_name=v,
            label=function_label(v, labels),
            requests=n,
            users=u,
            p50_ms=round(p[0] / 1000, 1),
            p95_ms=round(p[1] / 1000, 1),
            p99_ms=round(p[2] / 1000, 1),
            errors=e,
        )
        for v, n, u, p, e in rows
    ]


def hours(month: date) -> list[tuple[int, int]]:
    lo, hi = month_bounds(month)
    counts = dict(
        _fetch(
            """
            SELECT extract(hour FROM requested_at AT TIME ZONE 'Asia/Tokyo')::int, count(*)
            FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s GROUP BY 1
            """,
            [lo, hi],
        )
    )
    return [(h, counts.get(h, 0)) for h in range(24)]


def busiest(hour_counts: list[tuple[int, int]], top: int = 3) -> list[int]:
    ranked = sorted((h for h in hour_counts if h[1]), key=lambda h: (-h[1], h[0]))
    return [h for h, _n in ranked[:top]]


def resources(month: date) -> dict:
    lo, hi = month_bounds(month)
    qs = ResourceSample.objects.filter(slot__gte=lo, slot__lt=hi)
    summary = qs.aggregate(
        samples=Count("id"),
        cpu_avg=Avg("cpu_percent"),
        cpu_max=Max("cpu_percent"),
        mem_avg=Avg("memory_percent"),
        mem_max=Max("memory_percent"),
        disk_root_max=Max("disk_root_percent"),
        disk_backup_max=Max("disk_backup_percent"),
        db_bytes_max=Max("db_bytes"),
    )
    last = qs.order_by("-slot").first()
    summary["db_bytes_last"] = last.db_bytes if last else None
    summary["expected_samples"] = int((hi - lo).total_seconds() // 300)
    return summary


def closed_month_cached(kind: str, month: date, compute):
    """A month that ended more than a day ago no longer changes: its figures are kept in
    the cache, so the 12-month comparisons cost one month's scan, not thirteen."""
    if month_bounds(month)[1] + timedelta(days=1) > timezone.now():
        return compute(month)
    key = f"reports:statistics:{kind}:{month:%Y-%m}"
    value = cache.get(key)
    if value is None:
        value = compute(month)
        cache.set(key, value, CLOSED_MONTH_CACHE_SECONDS)
    return value


def _function_month(month: date) -> dict[str, tuple[float, float, int]]:
    lo, hi = month_bounds(month)
    return {
        v: (p95 / 1000, e / n if n else 0.0, n)
        for v, n, p95, e in _fetch(
            """
            SELECT view_name, count(*),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_us),
                   count(*) FILTER (WHERE status >= 500)
            FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s
            GROUP BY 1
            """,
            [lo, hi],
        )
    }


def monthly_function_history(month: date) -> dict[str, list[tuple[float, float, int]]]:
    """Per function, (p95 ms, error rate, requests) of each of the 12 months before ``month``."""
    out: dict[str, list[tuple[float, float, int]]] = {}
    m = month
    for _i in range(TREND_MONTHS):
        m = previous_month(m)
        for view, figures in closed_month_cached("functions", m, _function_month).items():
            out.setdefault(view, []).append(figures)
    return out


def month_totals(month: date) -> dict:
    """Requests, errors and logins of a month: the daily roll-ups for the days rolled up
    (months whose raw rows were dropped still count), raw rows for the others."""
    lo, hi = month_bounds(month)
    end = next_month(month)
    rolled_days = set()
    requests = errors = 0
    for day, n, e in _fetch(
        """
        SELECT day, sum(requests), coalesce(sum(requests) FILTER (WHERE status_class = 5), 0)
        FROM core_requestdailystat WHERE day >= %s AND day < %s GROUP BY 1
        """,
        [month, end],
    ):
        rolled_days.add(day)
        requests += int(n)
        errors += int(e)
    logins = 0
    for day, n, e, lg in _fetch(
        """
        SELECT (requested_at AT TIME ZONE 'Asia/Tokyo')::date, count(*),
               count(*) FILTER (WHERE status >= 500),
               count(*) FILTER (WHERE view_name = %s AND method = 'POST'
                                AND status BETWEEN 300 AND 399 AND user_id IS NOT NULL)
        FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s GROUP BY 1
        """,
        [LOGIN_VIEW, lo, hi],
    ):
        logins += lg
        if day not in rolled_days:
            requests += n
            errors += e
    return {"month": month, "requests": requests, "errors": errors, "logins": logins}


def trend(month: date) -> list[dict]:
    """The 12 previous months and this one: requests, errors (status 500 and over), logins."""
    months = [month]
    for _i in range(TREND_MONTHS):
        months.insert(0, previous_month(months[0]))
    return [closed_month_cached("totals", m, month_totals) for m in months]


def anomalies(
    month_rows: list[FunctionRow], history: dict[str, list[tuple[float, float, int]]]
) -> list[Anomaly]:
    factor = anomaly_factor()
    min_requests = anomaly_min_requests()
    min_errors = anomaly_min_errors()
    found = []
    for row in month_rows:
        past = [h for h in history.get(row.view_name, []) if h[2] >= min_requests]
        if row.requests < min_requests or not past:
            continue
        p95_median = median(h[0] for h in past)
        if p95_median > 0 and row.p95_ms > factor * p95_median:
            found.append(
                Anomaly(
                    row.view_name,
                    row.label,
                    "p95",
                    row.p95_ms,
                    round(p95_median, 1),
                    _("応答時間(95%%)が過去12か月の中央値の%(f)s倍を超えました")
                    % {"f": f"{factor:g}"},
                )
            )
        rate_median = median(h[1] for h in past)
        if row.errors >= min_errors and (
            (rate_median == 0) or row.error_rate > factor * rate_median
        ):
            found.append(
                Anomaly(
                    row.view_name,
                    row.label,
                    "error_rate",
                    round(row.error_rate * 100, 2),
                    round(rate_median * 100, 2),
                    _("エラー率が過去12か月の中央値の%(f)s倍を超えました") % {"f": f"{factor:g}"},
                )
            )
    return found


def month_figures(month: date) -> MonthFigures:
    labels = function_labels()
    figures = MonthFigures(month=month)
    figures.logins_by_day = logins_by_day(month)
    figures.logins_total = sum(r[1] for r in figures.logins_by_day)
    figures.logins_by_role = logins_by_role(month)
    figures.functions = functions(month, labels)
    figures.total_requests = sum(f.requests for f in figures.functions)
    figures.total_errors = sum(f.errors for f in figures.functions)
    figures.hours = hours(month)
    figures.busiest_hours = busiest(figures.hours)
    figures.resources = resources(month)
    figures.trend = trend(month)
    figures.anomalies = anomalies(figures.functions, monthly_function_history(month))
    return figures


# --- rows for the pages -------------------------------------------------------


def active_template() -> StatisticsTemplate | None:
    return StatisticsTemplate.objects.filter(active=True).select_related("uploaded_by").first()


def templates() -> QuerySet[StatisticsTemplate]:
    return StatisticsTemplate.objects.select_related("uploaded_by").defer("content")


def reports_for_month(month: date) -> QuerySet[StatisticsReport]:
    return (
        StatisticsReport.objects.filter(month=month)
        .select_related("requested_by", "template")
        .defer("content", "template__content")
    )
