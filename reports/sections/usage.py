"""定例報告会議 報告書: the usage sections — resources, Q&A, support work, investigations.

Every figure is counted in SQL from the month's own records and, where a state "at the
end of the month" is shown, from the dates recorded on the rows (answered_at, closed_at,
completed_on…) rather than their current status, so a past month reads the same later.
No case contents are shown: free texts (inquiry subjects, slip events) may name a child
or a case, so only numbers, categories and dates appear.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from django.db import connection
from django.db.models import Avg, Count, F, Max, Min, Q
from django.db.models.functions import TruncDate

from accounts.models import OrgUnit
from core.models import RequestLog
from core.timeutil import JST
from helpdesk import selectors as helpdesk_selectors
from helpdesk.models import Inquiry, LiaisonSlip, WorkRequest
from reports.models.statistics import FunctionName, ResourceSample
from reports.sections.base import (
    MB,
    NO_DATA,
    NO_SOURCE,
    Cell,
    Chart,
    Figure,
    Period,
    Section,
    Series,
    Table,
    choice_labels,
    day_label,
    short_month,
)
from reports.selectors import statistics

TOP_FUNCTIONS = 20
OPEN_SLIP_ROWS = 50  # the oldest open slips listed; the figure gives the full count


def _days(period: Period) -> list[date]:
    return [period.first + timedelta(days=i) for i in range(period.last.day)]


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


# --- リソース -------------------------------------------------------------------------


def _labels_as_of(period: Period) -> dict[str, str]:
    """Function names as the name table stood at the month's end (built-ins and menu
    labels first), so renaming a function later does not rewrite a past report."""
    labels = dict(statistics.BUILTIN_LABELS)
    for item in statistics.nav_registry.values():
        labels.setdefault(item.url_name, str(item.label))
    labels.update(dict(FunctionName.history.as_of(period.end).values_list("view_name", "label")))
    return labels


def _login_users(period: Period) -> int:
    return RequestLog.objects.filter(
        requested_at__gte=period.start,
        requested_at__lt=period.end,
        view_name=statistics.LOGIN_VIEW,
        method="POST",
        status__gte=300,
        status__lte=399,
        user_id__isnull=False,
    ).aggregate(n=Count("user_id", distinct=True))["n"]


def _functions(period: Period) -> list[statistics.FunctionRow]:
    """The month's per-function rows, kept in the cache once the month is closed (their
    percentiles are the costliest scan here), named with the month-end labels."""
    rows = statistics.closed_month_cached(
        "functions_rows", period.month, lambda m: statistics.functions(m, labels={})
    )
    labels = _labels_as_of(period)
    return [replace(r, label=statistics.function_label(r.view_name, labels)) for r in rows]


def _month_p95(month: date) -> dict[str, float | None]:
    """Wrapped in a dict so that a month without rows is cached too (None is a miss)."""
    lo, hi = statistics.month_bounds(month)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_us)"
            " FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s",
            [lo, hi],
        )
        value = cur.fetchone()[0]
    return {"p95_ms": None if value is None else round(value / 1000, 1)}


def _resource_days(period: Period) -> list[dict]:
    return list(
        ResourceSample.objects.filter(slot__gte=period.start, slot__lt=period.end)
        .annotate(day=TruncDate("slot", tzinfo=JST))
        .values("day")
        .annotate(
            n=Count("id"),
            cpu_avg=Avg("cpu_percent"),
            cpu_max=Max("cpu_percent"),
            mem_avg=Avg("memory_percent"),
            mem_max=Max("memory_percent"),
            disk_avg=Avg("disk_root_percent"),
            disk_max=Max("disk_root_percent"),
            backup_max=Max("disk_backup_percent"),
            db_avg=Avg("db_bytes"),
            db_max=Max("db_bytes"),
        )
        .order_by("day")
    )


def resources(period: Period) -> Section:
    """Logins, accesses per function and server resources, from request accounting
    (core_requestlog and its daily roll-ups) and the 5-minute resource samples."""
    section = Section("resources", "リソース（ログイン・機能別アクセス・サーバ資源）")
    # The pieces of statistics.month_figures this section prints, called one by one: the
    # busiest hours and the 12-month anomaly history it also computes are not shown here
    # and would cost a scan of the month and of a year of accounting rows.
    functions = _functions(period)
    logins_by_day = statistics.logins_by_day(period.month)
    # Counts the rolled-up days whose raw rows are gone; shares the trend's cache entry.
    totals = statistics.closed_month_cached("totals", period.month, statistics.month_totals)
    raw = bool(functions)
    days = _resource_days(period)
    if not totals["requests"] and not days:
        section.absent = "当月のリクエスト記録・サーバ資源の計測記録はありません。"
        return section

    no_requests = "当月のリクエスト記録はありません。"
    no_raw = "当月の明細記録は保存期間を過ぎて削除済みのため集計できません。"
    if raw:
        section.figures += [
            Figure("ログイン件数", sum(n for _d, n, _u in logins_by_day), "件"),
            Figure("ログイン利用者数（実人数）", _login_users(period), "人"),
        ]
    else:
        why = no_raw if totals["requests"] else no_requests
        section.figures += [
            Figure("ログイン件数", None, "件", absent=why),
            Figure("ログイン利用者数（実人数）", None, "人", absent=why),
        ]
    if totals["requests"]:
        section.figures += [
            Figure("リクエスト件数", totals["requests"], "件"),
            Figure("エラー件数（HTTP 500番台）", totals["errors"], "件"),
        ]
    else:
        section.figures += [
            Figure("リクエスト件数", None, "件", absent=no_requests),
            Figure("エラー件数（HTTP 500番台）", None, "件", absent=no_requests),
        ]
    samples = sum(d["n"] for d in days)
    expected = int((period.end - period.start).total_seconds() // 300)
    section.figures.append(
        Figure(
            "サーバ資源の計測数",
            samples if samples else None,
            "件",
            absent="当月のサーバ資源の計測記録はありません。",
            note=f"5分ごと、当月の想定 {expected} 件",
        )
    )

    empty_logins = no_raw if totals["requests"] else no_requests
    section.tables.append(
        Table(
            "役割別ログイン件数",
            ["役割", "ログイン件数", "利用者数"],
            [[label, n, users] for label, n, users in statistics.logins_by_role(period.month)],
            empty="当月のログインはありません。" if raw else empty_logins,
            note="複数の役割を持つ職員は優先順位が最上位の役割で数えています（役割は集計時点）。",
        )
    )
    section.tables.append(
        Table(
            f"機能別アクセス（上位{TOP_FUNCTIONS}機能）",
            ["機能", "アクセス件数", "利用者数", "応答時間95%値(ms)", "エラー件数"],
            [
                [
                    f.label,
                    f.requests,
                    f.users,
                    f.p95_ms,
                    f.errors,
                ]
                for f in functions[:TOP_FUNCTIONS]
            ],
            empty=empty_logins if not raw else "当月のアクセスはありません。",
            note="機能名は月末時点の機能名対応表によります。エラーはHTTP 500番台。",
        )
    )
    section.tables.append(
        Table(
            "サーバ資源（日別）",
            [
                "日付",
                "計測数",
                "CPU平均(%)",
                "CPU最大(%)",
                "メモリ平均(%)",
                "メモリ最大(%)",
                "ディスク平均(%)",
                "ディスク最大(%)",
                "バックアップ領域最大(%)",
                "DBサイズ平均(MB)",
                "DBサイズ最大(MB)",
            ],
            [
                [
                    d["day"],
                    d["n"],
                    _round(d["cpu_avg"]),
                    _round(d["cpu_max"]),
                    _round(d["mem_avg"]),
                    _round(d["mem_max"]),
                    _round(d["disk_avg"]),
                    _round(d["disk_max"]),
                    _round(d["backup_max"]),
                    _round(d["db_avg"] / MB),
                    _round(d["db_max"] / MB),
                ]
                for d in days
            ],
            empty="当月のサーバ資源の計測記録はありません。",
            note="計測のない日は行がありません。バックアップ領域の空欄は計測なし。",
        )
    )

    categories = [day_label(d) for d in _days(period)]
    per_day = {d: n for d, n, _users in logins_by_day}
    section.charts.append(
        Chart(
            "日別ログイン件数",
            categories,
            [Series("ログイン件数", [per_day[d] if raw else None for d in _days(period)])],
            unit="件",
            kind="bar",
        )
    )
    by_day = {d["day"]: d for d in days}

    def daily(key: str) -> list[float | None]:
        return [_round(by_day[d][key]) if d in by_day else None for d in _days(period)]

    section.charts.append(
        Chart(
            "サーバ資源（日別最大）",
            categories,
            [
                Series("CPU", daily("cpu_max")),
                Series("メモリ", daily("mem_max")),
                Series("ディスク", daily("disk_max")),
            ],
            unit="%",
        )
    )
    months = period.previous_months(12)
    section.charts.append(
        Chart(
            "応答時間95%値の推移（全機能）",
            [short_month(m) for m in months],
            [
                Series(
                    "応答時間95%値",
                    [
                        statistics.closed_month_cached("p95_all", m, _month_p95)["p95_ms"]
                        for m in months
                    ],
                )
            ],
            unit="ms",
        )
    )
    section.notes.append(
        "ログインは認証に成功したもの。利用者数は当月にログインした職員の実人数。"
        "明細記録が保存期間を過ぎた月の応答時間は空欄です。"
    )
    return section


# --- Q&A ------------------------------------------------------------------------------

ASKER_ORDER = [
    (OrgUnit.Kind.HQ, "所管課（本庁）"),
    (OrgUnit.Kind.CENTER, "一般利用者（児童相談所）"),
    (OrgUnit.Kind.PROTECTION, "一般利用者（一時保護所）"),
    (OrgUnit.Kind.WARD, "一般利用者（区役所）"),
    (OrgUnit.Kind.VENDOR, "事業者"),
    (None, "所属未登録（メール受付等）"),
]


def _inquiry_open_at(end) -> Q:
    """Not answered by ``end`` and not settled by a slip closed before it."""
    return (
        Q(received_at__lt=end)
        & (Q(answered_at__isnull=True) | Q(answered_at__gte=end))
        & ~Q(slip__closed_at__lt=end)
    )


def qa(period: Period) -> Section:
    """Help-desk inquiries of the month by asker, category and channel; FAQ changes."""
    section = Section("qa", "Q&A（所管課・一般利用者・問合せ件数の推移）")
    lo, hi = period.start, period.end
    received = Q(received_at__gte=lo, received_at__lt=hi)
    open_end = _inquiry_open_at(hi)
    counts = Inquiry.objects.aggregate(
        received=Count("pk", filter=received),
        answered=Count("pk", filter=Q(answered_at__gte=lo, answered_at__lt=hi)),
        answered_late=Count(
            "pk",
            filter=Q(answered_at__gte=lo, answered_at__lt=hi, answered_at__gt=F("due_at")),
        ),
        open_end=Count("pk", filter=open_end),
        overdue_end=Count("pk", filter=open_end & Q(due_at__lt=hi)),
    )
    faq = helpdesk_selectors.faq_changes(month=period.month).aggregate(
        added=Count("pk", filter=Q(created_at__gte=lo, created_at__lt=hi)),
        updated=Count("pk", filter=Q(created_at__lt=lo)),
    )
    if not any(counts.values()) and not any(faq.values()):
        section.absent = "当月の問合せ・FAQの記録はありません。"
        return section

    section.figures += [
        Figure("受付件数", counts["received"], "件"),
        Figure("回答件数", counts["answered"], "件", note="当月に回答したもの（受付月を問わない）"),
        Figure("うち回答期限超過", counts["answered_late"], "件"),
        Figure("未回答（月末時点）", counts["open_end"], "件"),
        Figure("うち回答期限超過（月末時点）", counts["overdue_end"], "件"),
        Figure("FAQ追加", faq["added"], "件"),
        Figure("FAQ更新", faq["updated"], "件"),
    ]

    by_kind = {
        r["caller_unit__kind"]: r["n"]
        for r in Inquiry.objects.filter(received)
        .values("caller_unit__kind")
        .annotate(n=Count("pk"))
        .order_by("caller_unit__kind")
    }
    section.tables.append(
        Table(
            "問合せ元別の受付件数",
            ["問合せ元", "件数"],
            [[label, by_kind[kind]] for kind, label in ASKER_ORDER if kind in by_kind],
            empty="当月に受け付けた問合せはありません。",
            note="問合せ元の所属の種別によります（本庁＝所管課、その他の所属＝一般利用者）。",
        )
    )

    channels = list(Inquiry.Channel)
    grid: dict[str, dict[str, int]] = {}
    for r in helpdesk_selectors.counts_by_category_and_channel(month=period.month):
        name = r["category__name"] or "未分類"
        grid.setdefault(name, {})[r["channel"]] = r["n"]
    names = sorted(n for n in grid if n != "未分類") + (["未分類"] if "未分類" in grid else [])
    rows: list[list[Cell]] = []
    for name in names:
        cells = [grid[name].get(c.value, 0) for c in channels]
        rows.append([name, *cells, sum(cells)])
    if rows:
        col_totals = [sum(r[i] for r in rows) for i in range(1, len(channels) + 2)]
        rows.append(["合計", *col_totals])
    section.tables.append(
        Table(
            "分類別・受付方法別の受付件数",
            ["分類", *[str(c.label) for c in channels], "計"],
            rows,
            empty="当月に受け付けた問合せはありません。",
        )
    )

    months = period.previous_months(12)
    first = Inquiry.objects.aggregate(first=Min("received_at"))["first"]
    first_month = first.astimezone(JST).date().replace(day=1) if first else None
    trend = {
        r["month"]: r["count"]
        for r in helpdesk_selectors.monthly_counts(months=12, until=period.month)
    }
    section.charts.append(
        Chart(
            "問合せ件数の推移",
            [short_month(m) for m in months],
            # Months before the first inquiry ever recorded are gaps, not zeros.
            [
                Series(
                    "受付件数",
                    [trend.get(m) if first_month and m >= first_month else None for m in months],
                )
            ],
            unit="件",
            kind="bar",
        )
    )
    section.notes.append(
        "未回答（月末時点）は月末までに回答日時がなく、連絡票の完了もしていない問合せ。"
        "FAQは公開・廃止されたもの（下書きを除く）を、当月作成なら追加、それ以前の作成なら更新と数えています。"
    )
    return section


# --- 技術支援・作業実績 --------------------------------------------------------------


def support_work(period: Period) -> Section:
    """Work requests and liaison slips: what was received, reviewed and done in the month."""
    section = Section("support_work", "技術支援・作業実績")
    lo, hi = period.start, period.end
    wr = helpdesk_selectors.work_request_activity(start=lo, end=hi)
    slips = LiaisonSlip.objects.aggregate(
        opened=Count("pk", filter=Q(raised_at__gte=lo, raised_at__lt=hi)),
        closed=Count("pk", filter=Q(closed_at__gte=lo, closed_at__lt=hi)),
        open_end=Count(
            "pk",
            filter=Q(raised_at__lt=hi) & (Q(closed_at__isnull=True) | Q(closed_at__gte=hi)),
        ),
    )
    if not any(wr.values()) and not any(slips.values()):
        section.absent = "当月の作業依頼・連絡票の記録はありません。"
        return section

    # A group with nothing at all in the month (nor open at its end) has no record to
    # count from: its figures are words, while a zero next to other activity is counted.
    no_wr = "当月の作業依頼の記録はありません。" if not any(wr.values()) else ""
    no_slip = "当月の連絡票の記録はありません。" if not any(slips.values()) else ""

    def counted(label: str, value: int, why: str, note: str = "") -> Figure:
        if why:
            return Figure(label, None, "件", absent=why)
        return Figure(label, value, "件", note=note)

    section.figures += [
        counted("作業依頼 受付", wr["received"], no_wr),
        counted("作業依頼 検討", wr["reviewed"], no_wr, f"うち対応不可 {wr['refused']} 件"),
        counted("作業依頼 承認", wr["approved"], no_wr),
        counted("作業依頼 完了", wr["completed"], no_wr),
        counted("作業依頼 未完了（月末時点）", wr["open_at_end"], no_wr),
        Figure("作業時間", None, "時間", absent=f"作業時間は{NO_SOURCE}（作業報告書を参照）。"),
        counted("連絡票 起票", slips["opened"], no_slip),
        counted("連絡票 完了", slips["closed"], no_slip),
        counted("連絡票 未完了（月末時点）", slips["open_end"], no_slip),
    ]
    done = (
        WorkRequest.objects.filter(completed_on__gte=period.first, completed_on__lte=period.last)
        .order_by("completed_on", "number")
        .values_list("number", "title", "requester_unit__name", "requested_at", "completed_on")
    )
    section.tables.append(
        Table(
            "当月完了の作業依頼",
            ["依頼番号", "件名", "依頼元", "依頼日", "完了日"],
            [
                [number, title, unit or NO_DATA, at.astimezone(JST).date(), on]
                for number, title, unit, at, on in done
            ],
            empty="当月に完了した作業依頼はありません。",
        )
    )
    section.notes.append(
        "件数はそれぞれの日付（依頼日時・検討日時・承認日時・完了日）が当月のもの。"
        "未完了（月末時点）は月末までに完了も対応不可の検討もされていないもの。"
    )
    return section


# --- 調査結果・完了報告 --------------------------------------------------------------


def _countermeasures_done(period: Period):
    return Count(
        "countermeasures",
        filter=Q(countermeasures__done_on__lte=period.last),
        distinct=True,
    )


def investigations(period: Period) -> Section:
    """調査依頼 = liaison slips (as in the annual deliverables): those completed in the
    month with their result, and those still open at the month's end."""
    section = Section("investigations", "調査結果・完了報告")
    lo, hi = period.start, period.end
    open_q = Q(raised_at__lt=hi) & (Q(closed_at__isnull=True) | Q(closed_at__gte=hi))
    closed_q = Q(closed_at__gte=lo, closed_at__lt=hi)
    counts = LiaisonSlip.objects.aggregate(
        closed=Count("pk", filter=closed_q), open_end=Count("pk", filter=open_q)
    )
    if not counts["closed"] and not counts["open_end"]:
        section.absent = "当月に完了した調査依頼（連絡票）も、月末時点で調査中のものもありません。"
        return section
    judgement = choice_labels(LiaisonSlip.Judgement.choices)
    section.figures += [
        Figure("完了した調査依頼", counts["closed"], "件"),
        Figure("調査中（月末時点）", counts["open_end"], "件"),
    ]

    by_judgement = {
        r["judgement"]: r["n"]
        for r in LiaisonSlip.objects.filter(closed_q)
        .values("judgement")
        .annotate(n=Count("pk"))
        .order_by("judgement")
    }
    section.tables.append(
        Table(
            "完了した調査依頼の判定別件数",
            ["判定", "件数"],
            [
                [str(label), by_judgement[code]]
                for code, label in judgement.items()
                if code in by_judgement
            ]
            + ([["判定なし", by_judgement[""]]] if "" in by_judgement else []),
            empty="当月に完了した調査依頼はありません。",
        )
    )
    measures = _countermeasures_done(period)
    total = Count("countermeasures", distinct=True)
    closed = (
        LiaisonSlip.objects.filter(closed_q)
        .annotate(done=measures, total=total)
        .order_by("closed_at", "number")
        .values_list(
            "number",
            "raised_at",
            "inquiry__number",
            "inquiry__category__name",
            "judgement",
            "replied_on",
            "closed_at",
            "done",
            "total",
        )
    )
    section.tables.append(
        Table(
            "当月に完了した調査依頼と調査結果",
            [
                "連絡票番号",
                "起票日",
                "元の問合せ",
                "分類",
                "判定（調査結果）",
                "市への回答日",
                "完了日",
                "対応策（完了/全体）",
            ],
            [
                [
                    number,
                    raised.astimezone(JST).date(),
                    inquiry or "",
                    category or "未分類",
                    str(judgement.get(code, "判定なし")),
                    replied,
                    closed_at.astimezone(JST).date(),
                    f"{done}/{total_n}",
                ]
                for number, raised, inquiry, category, code, replied, closed_at, done, total_n in closed
            ],
            empty="当月に完了した調査依頼はありません。",
        )
    )

    still = (
        LiaisonSlip.objects.filter(open_q)
        .annotate(done=_countermeasures_done(period), total=Count("countermeasures", distinct=True))
        .order_by("raised_at", "number")
        .values_list("number", "raised_at", "inquiry__number", "replied_on", "done", "total")
    )[:OPEN_SLIP_ROWS]
    rows: list[list[Cell]] = []
    for number, raised, inquiry, replied, done, total_n in still:
        answered = replied is not None and replied <= period.last
        rows.append(
            [
                number,
                raised.astimezone(JST).date(),
                inquiry or "",
                (period.last - raised.astimezone(JST).date()).days,
                replied if answered else None,
                "回答済・対応中" if answered else "調査中",
                f"{done}/{total_n}",
            ]
        )
    section.tables.append(
        Table(
            "調査中の調査依頼（月末時点）",
            [
                "連絡票番号",
                "起票日",
                "元の問合せ",
                "経過日数",
                "市への回答日",
                "状況",
                "対応策（完了/全体）",
            ],
            rows,
            empty="月末時点で調査中の調査依頼はありません。",
            note=(
                f"起票の古い順に最大{OPEN_SLIP_ROWS}件。"
                if counts["open_end"] > OPEN_SLIP_ROWS
                else ""
            )
            + "経過日数は起票日から月末日まで。",
        )
    )
    section.notes.append(
        "調査依頼は連絡票として記録しています。事象・原因の本文は案件の情報を含みうるため載せず、"
        "連絡票番号で参照します。判定・回答日・対応策の完了は月末までの日付によります"
        f"（対応策の完了日が{period.last:%Y/%m/%d}以前のものを完了と数えます）。"
    )
    return section
