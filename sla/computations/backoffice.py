"""Back-office items: batch processing time (#8), operations on schedule (#9), parameters
current (#10), work requests handled (#11), backups as planned (#23), recovery point (#24),
virus definitions (#28), security patches (#29) and the manual items.

Figures come from each app's own selectors (ops.selectors.routine / registry,
backups.selectors, helpdesk); the rows link to those apps' pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from backups.models import BackupRun, Generation
from backups.selectors import backups_done_as_planned, recovery_point_met
from core.calendar import current_calendar
from core.timeutil import JST
from helpdesk.models import WorkRequest
from helpdesk.selectors import work_request_stats
from ops.selectors.registry import patches_on_time, virus_definitions_on_time
from ops.selectors.routine import operations_on_schedule, parameters_current
from sla.computations import MET, MISSED, NO_EVENTS, PENDING, Outcome, Row, rule
from sla.computations._common import (
    calendar_for,
    effective_end,
    first_day,
    fmt,
    fmt_dt,
    fmt_minutes,
    in_unit,
    judge_item,
    last_day,
    link,
    not_started,
    params,
    rate_outcome,
)
from sla.computations._common import now as _now

# --- #8 batch processing time -----------------------------------------------------------------


@rule("batch_processing_time", "バッチ処理時間（夜間ジョブの所要時間）")
def compute_batch_time(item, start: datetime, end: datetime) -> Outcome:
    """The longest run of the nightly jobs started in the period: backups.BackupRun of the
    kinds in rule_params backup_kinds (default nightly) and, while Celery keeps them, the task
    results of rule_params celery_tasks (default the request-accounting roll-up). A run still
    going counts with its time so far; skipped runs did not run."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    p = params(item)
    kinds = p.get("backup_kinds", [Generation.Kind.NIGHTLY])
    tasks = p.get("celery_tasks", ["core.maintain_request_log"])
    runs = []  # (label, started, minutes, running, url)
    for run in (
        BackupRun.objects.filter(kind__in=kinds, started_at__gte=start, started_at__lt=stop_at)
        .exclude(status=BackupRun.Status.SKIPPED)
        .order_by("started_at", "pk")
    ):
        finished = run.finished_at or (at if run.status == BackupRun.Status.RUNNING else None)
        if finished is None:
            continue
        minutes = (finished - run.started_at).total_seconds() / 60
        label = f"{run.get_kind_display()}バックアップ {fmt_dt(run.started_at)}（{run.get_status_display()}）"
        runs.append((label, minutes, link("backups:index")))
    if tasks:
        from django_celery_results.models import TaskResult

        for task in TaskResult.objects.filter(
            task_name__in=tasks, date_created__gte=start, date_created__lt=stop_at
        ).order_by("date_created"):
            began = getattr(task, "date_started", None) or task.date_created
            if task.date_done is None or began is None:
                continue
            minutes = max(0.0, (task.date_done - began).total_seconds() / 60)
            runs.append((f"{task.task_name} {fmt_dt(began)}（{task.status}）", minutes, ""))
    if not runs:
        return Outcome(state=NO_EVENTS, detail="期間内に記録された夜間ジョブの実行はありません。")
    rows, values = [], []
    for label, minutes, url in runs:
        value = in_unit(minutes, item.unit)
        values.append(value)
        rows.append(Row(label, fmt_minutes(minutes), judge_item(item, value) != MISSED, url))
    worst = max(values)
    return Outcome(
        state=judge_item(item, worst, default=("le", Decimal(2))),
        value=worst,
        value_text=f"最長 {fmt(worst, item.unit)}（{len(runs)}回）",
        in_scope=len(runs),
        rows=rows,
        detail=(
            "期間内に開始した夜間ジョブ（バックアップ実行の記録と、保持されているジョブ結果）の"
            "開始から終了までの時間を測り、最長のものを目標と比べた（見送りは除外）。"
        ),
    )


# --- #9 operations on schedule / #10 parameters current (ops) -----------------------------------


@rule("operations_on_schedule", "定常運用の予定どおりの実施・成果物の納品")
def compute_operations(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    result = operations_on_schedule(first_day(start), last_day(stop_at), now=at)
    rows = [
        Row(
            f"{occ.operation.name}（期限 {fmt_dt(occ.due_at)}）",
            f"実施 {fmt_dt(occ.done_at)}" if occ.done_at else "未実施",
            False,
            link("ops:routine_occurrence", occ.pk),
        )
        for occ in result.missed
    ]
    return rate_outcome(
        item,
        counted=result.counted,
        met=result.met,
        rows=rows,
        excluded=[],
        what="定常運用",
        detail=(
            "期限が期間内に到来した定常運用のうち、期限までに実施し（成果物があるものは納品も）"
            "終えたものの割合（運用カレンダーから算出）。"
        ),
    )


@rule("parameters_current", "パラメータの最新化（承認済み変更記録による反映）")
def compute_parameters(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    result = parameters_current(first_day(start), last_day(stop_at))
    rows = [
        Row(
            f"パラメータ変更 #{c.pk}（反映 {fmt_dt(c.applied_at)}）",
            c.get_status_display() if hasattr(c, "get_status_display") else "",
            False,
            link("ops:routine_parameter", c.pk),
            "承認前の反映",
        )
        for c in result.exceptions
    ]
    excluded = [
        (f"パラメータ変更 #{c.pk}", "承認済み・未反映（期間末時点）") for c in result.waiting
    ]
    return rate_outcome(
        item,
        counted=result.counted,
        met=result.met,
        rows=rows,
        excluded=excluded,
        what="パラメータ変更",
        detail="期間内に反映したパラメータ変更のうち、市の承認を得てから反映したものの割合。",
    )


# --- #11 work requests ----------------------------------------------------------------------


@rule("work_requests_handled", "作業依頼の取りまとめ・検討・対応")
def compute_work_requests(item, start: datetime, end: datetime) -> Outcome:
    """Requests received in the period: handled when completed or declined (a refusal is an
    answer); one still open counts against the item once its desired date has passed, or when
    it was not even reviewed within rule_params review_business_days (default 3); otherwise it
    is listed as still in progress."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    review_days = int(params(item).get("review_business_days", 3))
    stats = work_request_stats(start=first_day(start), end=last_day(stop_at) + timedelta(days=1))
    S = WorkRequest.Status
    rows, excluded = [], []
    counted = met = 0
    today = timezone.localtime(at, JST).date()
    with calendar_for(item):
        cal = current_calendar()
        for wr in WorkRequest.objects.filter(
            requested_at__gte=start, requested_at__lt=stop_at
        ).order_by("requested_at", "pk"):
            url = link("helpdesk:work_request", wr.pk)
            label = f"{wr.number}（受付 {fmt_dt(wr.requested_at)}）"
            if wr.status in (S.COMPLETED, S.REJECTED):
                counted += 1
                met += 1
                rows.append(Row(label, wr.get_status_display(), True, url))
                continue
            review_due = cal.add_business_days(wr.requested_at, review_days)
            late_review = wr.reviewed_at is None and review_due < at
            overdue = wr.desired_on is not None and wr.desired_on < today
            if late_review or overdue:
                counted += 1
                reason = "期限内に検討されていない" if late_review else "希望日を過ぎて未完了"
                rows.append(Row(label, wr.get_status_display(), False, url, reason))
            else:
                excluded.append((wr.number, f"対応中（{wr.get_status_display()}、期限前）"))
    outcome = rate_outcome(
        item,
        counted=counted,
        met=met,
        rows=rows,
        excluded=excluded,
        what="作業依頼",
        detail=(
            "期間内に受け付けた作業依頼のうち、完了報告済み・不可回答済みのものの割合"
            f"（対応中のものは、{review_days}営業日以内に未検討か希望日を過ぎたときだけ未対応と数える）。"
        ),
    )
    if stats.get("received") is not None and outcome.state != NO_EVENTS:
        outcome.value_text += f"、受付 {stats['received']}件"
    return outcome


# --- #23 / #24 backups -----------------------------------------------------------------------


@rule("backups_as_planned", "データバックアップの計画どおりの実施")
def compute_backups(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    with calendar_for(item):
        result = backups_done_as_planned(first_day(start), last_day(stop_at), now=at)
    rows = [
        Row(f"{d:%Y/%m/%d} の夜", "検証済みの世代なし", False, link("backups:index"))
        for d in result.misses
    ]
    return rate_outcome(
        item,
        counted=result.counted,
        met=result.met,
        rows=rows,
        excluded=[],
        what="夜間バックアップ",
        detail="期間内の各夜に、夜間バックアップの検証済み世代が取得できた夜の割合。",
    )


@rule("recovery_point", "データ復旧ポイント（前営業日の業務終了時点）")
def compute_recovery_point(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    with calendar_for(item):
        result = recovery_point_met(first_day(start), last_day(stop_at), now=at)
    rows = [
        Row(
            f"{d:%Y/%m/%d} 始業時",
            "前営業日終業後の検証済み世代なし",
            False,
            link("backups:index"),
        )
        for d in result.misses
    ]
    return rate_outcome(
        item,
        counted=result.counted,
        met=result.met,
        rows=rows,
        excluded=[],
        what="営業日",
        detail=(
            "期間内の各営業日の始業時に、前営業日の業務終了時点より後に取得した検証済みの"
            "バックアップ世代があった日の割合。"
        ),
    )


# --- #28 / #29 security -------------------------------------------------------------------------


def _on_time(item, result, *, what: str, kind: str, detail: str, days: int) -> Outcome:
    rows = []
    for row in result.missed:
        applied = getattr(row, "applied_on", None)
        name = (
            f"{row.server.name} {row.definition_version}"
            if kind == "virus"
            else f"{row.identifier}"
        )
        rows.append(
            Row(
                f"{name}（公開 {row.released_on:%Y/%m/%d}、期限 {row.due_on:%Y/%m/%d}）",
                f"適用 {applied:%Y/%m/%d}" if applied else "未適用",
                False,
                link("ops:registry_edit", kind, row.pk),
            )
        )
    outcome = rate_outcome(
        item,
        counted=result.counted,
        met=result.met,
        rows=rows,
        excluded=[],
        what=what,
        detail=detail,
    )
    if item.unit == "days" and result.counted:
        # "≤ n days" items: every release counted had to be on time; the share is the text.
        outcome.value = None
        outcome.state = MISSED if result.missed else MET
        outcome.value_text = f"{days}日以内 {result.met}/{result.counted}件"
    return outcome


@rule("virus_definitions_on_time", "ウイルス定義ファイルの公開後の適用（7日以内）")
def compute_virus(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    from ops.models.registry import VIRUS_DEFINITION_DAYS

    result = virus_definitions_on_time(first_day(start), last_day(stop_at), now=at)
    return _on_time(
        item,
        result,
        what="ウイルス定義の適用期限",
        kind="virus",
        days=VIRUS_DEFINITION_DAYS,
        detail=(
            f"適用期限（公開後{VIRUS_DEFINITION_DAYS}日）が期間内に到来したウイルス定義のうち、"
            "期限内に各サーバーへ適用したものの割合。"
        ),
    )


@rule("patches_on_time", "セキュリティパッチの公開後の適用（30日以内）")
def compute_patches(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    from ops.models.registry import PATCH_DAYS

    result = patches_on_time(first_day(start), last_day(stop_at), now=at)
    return _on_time(
        item,
        result,
        what="パッチの適用期限",
        kind="patch",
        days=PATCH_DAYS,
        detail=(
            f"適用期限（公開後{PATCH_DAYS}日）が期間内に到来したパッチのうち、期限内に本番環境へ"
            "適用したもの（検証の上で不適用と判断したものを含む）の割合。"
        ),
    )


# --- manual items ------------------------------------------------------------------------------


@rule("manual", "確認資料による判定（手動項目）")
def compute_manual(item, start: datetime, end: datetime) -> Outcome:
    """The newest evidence confirmed for this item covering the period: 確認待ち without one;
    otherwise met/missed as confirmed (or judged from its value against the target)."""
    from sla.models import Evidence

    evidence = (
        Evidence.objects.filter(
            item=item,
            period_start__lte=first_day(start),
            period_end__gte=last_day(end),
        )
        .select_related("confirmed_by")
        .order_by("-confirmed_at", "-pk")
        .first()
    )
    if evidence is None:
        return Outcome(
            state=PENDING,
            detail="この期間の確認資料がまだ登録されていません（確認待ち）。",
        )
    if evidence.met is not None:
        state = MET if evidence.met else MISSED
    else:
        state = judge_item(item, evidence.value)
        if evidence.value is None:
            state = PENDING
    who = getattr(evidence.confirmed_by, "name", "") or str(evidence.confirmed_by)
    return Outcome(
        state=state,
        value=evidence.value,
        value_text=fmt(evidence.value, item.unit) if evidence.value is not None else "",
        in_scope=1,
        rows=[
            Row(
                f"確認資料（{who}、{fmt_dt(evidence.confirmed_at)}）",
                "達成" if state == MET else ("未達" if state == MISSED else "確認待ち"),
                None if state == PENDING else state == MET,
                "",
                "ファイルあり" if evidence.file else "",
            )
        ],
        detail=f"{who}が{fmt_dt(evidence.confirmed_at)}に確認した資料による判定。",
    )
