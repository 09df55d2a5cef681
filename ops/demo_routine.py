"""Demo data for the routine area: the usual 定常運用, their last 30 days mostly done (a few
late or missed, so the calendar shows red), a few parameter changes and transfer-time
training. Synthetic; idempotent (nothing is added once any routine operation exists)."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from django.db import transaction

from accounts import roles
from accounts.models import OrgUnit, User
from core.timeutil import fiscal_year, now_jst
from ops.models.routine import (
    ParameterChange,
    RoutineOccurrence,
    RoutineOperation,
    TrainingSession,
)
from ops.services import routine as services

C = RoutineOperation.Category
F = RoutineOperation.Frequency
P = RoutineOperation.NonBusinessDay

# name, category, frequency, rule, due time, deliverable, role, lead days, closed days, what
OPERATIONS = [
    (
        "統計情報収集",
        C.STATISTICS,
        F.DAILY,
        {},
        time(10, 0),
        "",
        roles.VENDOR_OPERATOR,
        0,
        P.SKIP,
        "前日分のアクセスログ・稼働データ（ログイン数、機能別アクセス数、CPU・メモリ・ディスク）を収集する。",
    ),
    (
        "バックアップ確認",
        C.BACKUP,
        F.DAILY,
        {},
        time(9, 30),
        "",
        roles.VENDOR_OPERATOR,
        0,
        P.SKIP,
        "夜間バックアップの結果（世代・検証・ディスク容量）を「バックアップ」画面で確認する。",
    ),
    (
        "死活監視確認",
        C.MONITORING,
        F.DAILY,
        {},
        time(9, 0),
        "",
        roles.VENDOR_OPERATOR,
        0,
        P.SKIP,
        "「システム状態」画面と監視記録で、夜間に停止・異常がなかったことを確認する。",
    ),
    (
        "ウイルス定義ファイル適用確認",
        C.SECURITY,
        F.WEEKLY,
        {"weekday": 0},
        time(12, 0),
        "",
        roles.VENDOR_OPERATOR,
        0,
        P.NEXT,
        "各サーバのウイルス定義ファイルが公開後7日以内に適用されていることを確認する。",
    ),
    (
        "システムバックアップ（月次）",
        C.BACKUP,
        F.MONTHLY,
        {"business_day_ordinal": 1},
        time(17, 0),
        "",
        roles.VENDOR_OPERATOR,
        2,
        P.PREVIOUS,
        "月初の夜間にシステムバックアップを取得し、世代を確認する。",
    ),
    (
        "システム統計情報（月次）",
        C.STATISTICS,
        F.MONTHLY,
        {"business_day_ordinal": 5},
        time(17, 0),
        "システム統計情報（市指定様式）",
        roles.VENDOR_OPERATOR,
        5,
        P.PREVIOUS,
        "前月の稼働・アクセス状況を市指定の Excel 様式にまとめ、傾向と異常を分析する。",
    ),
    (
        "運用・保守定例報告会議",
        C.MEETING,
        F.MONTHLY,
        {"business_day_ordinal": 10},
        time(14, 0),
        "定例報告書・議事録",
        roles.VENDOR_MANAGER,
        5,
        P.PREVIOUS,
        "前月の運用・保守状況、SLA 実績、翌月の予定を報告する（図表7-1 の項目）。",
    ),
    (
        "FAQ 配信",
        C.FAQ,
        F.MONTHLY,
        {"day_of_month": 25},
        time(17, 0),
        "FAQ 追加・更新分",
        roles.VENDOR_OPERATOR,
        3,
        P.PREVIOUS,
        "当月に追加・更新した FAQ を市へ配信する。",
    ),
    (
        "4月人事異動反映",
        C.PERSONNEL,
        F.YEARLY,
        {"month": 4, "day_of_month": 1},
        time(8, 30),
        "",
        roles.VENDOR_OPERATOR,
        14,
        P.KEEP,
        "市から受領した異動者の Excel を取り込み、組織・所属・権限を4月1日付で反映する。",
    ),
    (
        "異動時研修",
        C.TRAINING,
        F.YEARLY,
        {"month": 4, "day_of_month": 10},
        time(17, 0),
        "研修実施記録",
        roles.VENDOR_OPERATOR,
        14,
        P.PREVIOUS,
        "異動で新たにシステムを使う職員向けの操作研修を行い、「研修」画面に記録する。",
    ),
    (
        "SLA 年次報告",
        C.MEETING,
        F.YEARLY,
        {"month": 4, "day_of_month": 30},
        time(17, 0),
        "年次 SLA 報告書",
        roles.VENDOR_MANAGER,
        14,
        P.PREVIOUS,
        "前年度の SLA 実績を年次報告書にまとめる。",
    ),
]


class _Null:
    def write(self, *_args, **_kwargs):
        pass


@transaction.atomic
def seed(stdout=None) -> None:
    out = stdout or _Null()
    if RoutineOperation.objects.exists():
        out.write("定常運用: 既存のデータがあるため追加しません")
        return
    now = now_jst()
    today = now.date()
    start_fy = date(fiscal_year(today), 4, 1)
    for name, category, freq, rule, due, deliverable, role, lead, policy, what in OPERATIONS:
        RoutineOperation.objects.create(
            name=name,
            category=category,
            frequency=freq,
            due_time=due,
            deliverable=deliverable,
            responsible_role=role,
            lead_days=lead,
            on_non_business_day=policy,
            description=what,
            valid_from=start_fy,
            **rule,
        )
    created = services.occurrences_generate(
        since=today - timedelta(days=30), until=today + timedelta(days=services.HORIZON_DAYS)
    )
    vendor = User.objects.filter(employee_number="900007").first()
    manager = User.objects.filter(employee_number="900008").first()
    admin = User.objects.filter(employee_number="900006").first()
    done = _mark_past(vendor, now) if vendor else 0
    services.occurrences_mark_missed(now=now)
    changes = _parameter_changes(vendor, manager, admin, now) if vendor and admin else 0
    trainings = _training(vendor, today) if vendor else 0
    out.write(
        f"定常運用 {len(OPERATIONS)} 件（予定 {created} 件、うち実施記録 {done} 件）、"
        f"パラメータ変更 {changes} 件、研修 {trainings} 件"
    )


def _mark_past(vendor, now) -> int:
    """Most past occurrences done on time; every 9th late, every 13th left undone."""
    rng = random.Random(9)  # noqa: S311 - synthetic demo data
    past = RoutineOccurrence.objects.select_related("operation").filter(due_at__lt=now)
    count = 0
    for i, occ in enumerate(past.order_by("due_at", "pk")):
        if i % 13 == 5:
            continue
        late = i % 9 == 4
        done_at = occ.due_at + (
            timedelta(hours=rng.randint(1, 20))
            if late
            else -timedelta(minutes=rng.randint(10, 240))
        )
        done_at = min(done_at, now)
        services.occurrence_mark_done(
            occurrence=occ,
            actor=vendor,
            done_at=done_at,
            expected_version=occ.version,
            evidence_note="手順書どおり実施し、結果に異常がないことを確認した。",
            deliverable_delivered_at=done_at if occ.operation.deliverable else None,
            now=now,
        )
        count += 1
    return count


def _parameter_changes(vendor, manager, admin, now) -> int:
    if ParameterChange.objects.exists():
        return 0
    applied = services.parameter_change_request(
        actor=vendor,
        target_kind=ParameterChange.TargetKind.CODE_LIST,
        target="コード表「相談経路」",
        description="「SNS 相談」を追加する（表示順 15 の後）。",
        reason="市の SNS 相談窓口の開設に合わせるため。",
        requested_at=now - timedelta(days=20),
        now=now,
    )
    applied = services.parameter_change_approve(
        change=applied, actor=admin, expected_version=applied.version, now=now - timedelta(days=18)
    )
    services.parameter_change_apply(
        change=applied,
        actor=manager or vendor,
        applied_at=now - timedelta(days=15),
        expected_version=applied.version,
        note="検証環境で確認後、本番に反映。画面表示と帳票を確認した。",
        now=now,
    )
    waiting = services.parameter_change_request(
        actor=vendor,
        target_kind=ParameterChange.TargetKind.SETTING,
        target="受付時間の設定",
        description="年末の受付終了時刻を 17:15 から 17:00 に変更する。",
        requested_at=now - timedelta(days=3),
        now=now,
    )
    services.parameter_change_approve(
        change=waiting, actor=admin, expected_version=waiting.version, now=now - timedelta(days=2)
    )
    services.parameter_change_request(
        actor=vendor,
        target_kind=ParameterChange.TargetKind.CODE_LIST,
        target="コード表「関係機関」",
        description="統合した2つの保育所を1件にまとめる。",
        requested_at=now - timedelta(hours=5),
        now=now,
    )
    return 3


def _training(vendor, today) -> int:
    if TrainingSession.objects.exists():
        return 0
    units = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.CENTER, valid_to__isnull=True).order_by("code")[:3]
    )
    staff = list(
        User.objects.filter(groups__name=roles.CASEWORKER, is_active=True).order_by(
            "employee_number"
        )[:6]
    )
    fy = fiscal_year(today)
    held = date(fy, 4, 9)
    if held <= today:
        services.training_session_create(
            actor=vendor,
            title=f"{fy}年度 異動者向け システム操作研修",
            planned_date=held,
            held_date=held,
            status=TrainingSession.Status.HELD,
            target_units=units,
            attendees=staff,
            attendee_count=len(staff) + 2,
            attendee_names_note="区役所 会計年度任用職員 2名",
            notes="相談受付・記録入力・帳票出力の操作。質疑は FAQ に追加した。",
        )
    services.training_session_create(
        actor=vendor,
        title=f"{fy + 1}年度 異動者向け システム操作研修",
        planned_date=date(fy + 1, 4, 8),
        status=TrainingSession.Status.PLANNED,
        target_units=units,
        notes="4月1日の人事異動反映後に実施する。",
    )
    return 2 if held <= today else 1
