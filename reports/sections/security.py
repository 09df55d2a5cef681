"""定例報告会議 報告書: セキュリティ・構成管理・バックアップ・バッチ処理の節.

Four read-only builders (``security``, ``configuration``, ``backups``, ``batch``) that turn
one month of the ops and backups records into ``Section`` objects. Registry state
(software, licences, documents, patches, detections, servers) is read from the
simple-history tables as it stood just before ``period.end`` (the first instant of the
next month), so edits made after the month never rewrite its report. Backups and batch
runs are events and are read by their start time inside [period.start, period.end).

Nothing here reads case contents: the report goes to vendor staff and meeting attendees.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, DateField, ExpressionWrapper, F, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from backups.models import BackupRun, Drill, Event, Generation, Restore
from backups.selectors import backups_done_as_planned, recovery_point_met
from core.calendar import BusinessCalendar, using_calendar
from core.timeutil import JST, to_jst
from incidents.models import HealthSample
from ops.models.extraction import ExtractionRequest
from ops.models.handover import HandoverExport
from ops.models.registry import (
    PATCH_DAYS,
    VIRUS_DEFINITION_DAYS,
    Document,
    Environment,
    InstalledVersion,
    Licence,
    MalwareDetection,
    Patch,
    Release,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.models.routine import RoutineOccurrence
from ops.selectors.registry import patches_on_time, virus_definitions_on_time
from reports.models.statistics import ResourceSample
from reports.sections.base import (
    MB,
    NO_SOURCE,
    Chart,
    Figure,
    Period,
    Section,
    Series,
    Table,
    choice_labels,
    short_month,
)
from sla.models import ReportJob

AS_OF_NOTE = "構成・ライセンス・文書・パッチ・検知の状態は、月末（翌月1日0時の直前）時点の変更履歴によります。"
UNFINISHED = "対象月が終わっていないため未確定です。"


# Scheduled jobs that keep no per-run row (or only a cache overwritten each night).
UNRECORDED_JOBS = (
    "バックアップ世代の検証（失敗したときだけ操作記録が残ります）、夜間バックアップ未実施の確認、"
    "SLA 実績の夜間再計算（最新の算出日時だけが残ります）、操作履歴の変更台帳の日次集約、"
    "リクエスト記録の書き込み・パーティション保守・日次集計、送信待ちジョブの再送、定常運用の予定作成、"
    "構成管理・セキュリティの期限警告、障害対応の期限警告、ログイン失敗の日次確認、"
    "48時間安全確認の期限超過の通知、予約された人事異動取込の反映、データ抽出ファイルの期限切れ削除、"
    "資源計測データの保存期間超過分の削除、定例報告会議の期限警告、SLA 改善策の期限通知"
)


# --- helpers ----------------------------------------------------------------------------------


def _as_of(model, moment: datetime):
    """Each row of ``model`` as its history last recorded it before ``moment`` (deleted
    rows dropped): one SQL query, usable with filter/values/aggregate."""
    return model.history.filter(history_date__lt=moment).latest_of_each().exclude(history_type="-")


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


def _mb(value: int | None) -> float | None:
    return None if value is None else round(value / MB, 1)


def _jst(value: datetime | None) -> datetime | None:
    return None if value is None else to_jst(value)


def _month_over(period: Period, grace: timedelta = timedelta(0)) -> bool:
    # Only decides whether a share can be given at all: before the month (plus the night
    # that runs past it) is over, an SLA helper would count the nights to come as misses.
    return timezone.now() >= period.end + grace


def _in_month(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _days_in_month(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.first, f"{field}__lte": period.last})


def _share(label: str, met: int, counted: int, absent: str) -> Figure:
    if not counted:
        return Figure(label, None, "%", absent=absent)
    return Figure(label, round(met / counted * 100, 1), "%", note=f"{met}/{counted}件")


# --- セキュリティ ----------------------------------------------------------------------------

VIRUS_COLUMNS = ["環境", "サーバー", "公開（当月）", "適用（当月）", "期限到来（当月）"]
VIRUS_COLUMNS += ["期限内", "期限超過", "月末の未適用", "月末時点の適用済み最新定義"]
PATCH_COLUMNS = ["識別子", "対象ソフトウェア", "件名", "公開日", "期限", "検証日"]


def _sla_figure(label: str, compute, period: Period, none: str, **kwargs) -> Figure:
    """An SLA share from its helper, judged as at ``now``; not given before the month ends."""
    if not _month_over(period):
        return Figure(label, None, "%", absent=UNFINISHED)
    result = compute(period.first, period.last, **kwargs)
    return _share(label, result.met, result.counted, none)


def security(period: Period) -> Section:
    section = Section("security", "セキュリティ（パターンファイル更新・ウイルス検知・パッチ適用）")
    virus_rows = _virus_by_server(period)
    detections = _detections(period)
    patch_figures, patch_tables = _patches(period)
    recorded = [r for r in virus_rows if r[2] is not None]
    if not recorded and not detections and not patch_tables:
        section.absent = "当月のウイルス定義・パッチ・マルウェア検知の記録はありません。"
        return section

    label = "ウイルス定義の公開（当月・全サーバー）"
    section.figures += [
        Figure(label, sum(r[2] for r in recorded), "件")
        if recorded
        else Figure(label, None, "件", absent="ウイルス定義の記録なし"),
        _sla_figure(
            "ウイルス定義 期限内適用率（SLA #28）",
            virus_definitions_on_time,
            period,
            "当月に適用期限を迎えたウイルス定義はありません。",
            now=period.end,
        ),
        # The anti-virus records are the evidence that detection was running that month.
        Figure("マルウェア検知（当月）", len(detections), "件")
        if recorded or detections
        else Figure("マルウェア検知（当月）", None, "件", absent="ウイルス対策の記録なし"),
        *patch_figures,
    ]
    section.tables += [
        Table(
            "サーバー別ウイルス定義の更新",
            VIRUS_COLUMNS,
            virus_rows,
            empty="稼働中のサーバーもウイルス定義の記録もありません。",
            note=(
                f"公開は公開日が当月、適用は適用日が当月、期限到来は公開日＋{VIRUS_DEFINITION_DAYS}日"
                "が当月のもの。期限超過は期限までに適用されなかったもの。空欄は記録なし。"
            ),
        ),
        Table(
            "マルウェア検知（当月）",
            ["検知日時", "環境", "サーバー", "検知名", "状態（月末時点）", "障害番号"],
            detections,
            empty="当月のマルウェア検知はありません。",
        ),
        *patch_tables,
    ]
    section.notes += [
        AS_OF_NOTE,
        "ウイルス定義の件数と SLA の率は、公開日・適用日の記録から求めます。",
    ]
    return section


def _virus_by_server(period: Period) -> list[list]:
    shift = timedelta(days=VIRUS_DEFINITION_DAYS)
    released = _days_in_month(period, "released_on")
    applied = _days_in_month(period, "applied_on")
    due = Q(released_on__gte=period.first - shift, released_on__lte=period.last - shift)
    due_on = ExpressionWrapper(F("released_on") + shift, output_field=DateField())
    on_time = due & Q(applied_on__lte=due_on)
    unapplied = Q(applied_on__isnull=True) | Q(applied_on__gt=period.last)
    open_at_end = Q(released_on__lte=period.last) & unapplied
    counts = {
        row[0]: [*row[1:5], row[3] - row[4], row[5]]
        for row in VirusDefinitionUpdate.objects.filter(released | applied | due | open_at_end)
        .values("server_id")
        .annotate(
            released=Count("pk", filter=released),
            applied=Count("pk", filter=applied),
            due=Count("pk", filter=due),
            on_time=Count("pk", filter=on_time),
            open=Count("pk", filter=open_at_end),
        )
        .order_by("server_id")
        .values_list("server_id", "released", "applied", "due", "on_time", "open")
    }
    newest = dict(
        VirusDefinitionUpdate.objects.filter(applied_on__lte=period.last)
        .order_by("server_id", "-released_on", "-pk")
        .distinct("server_id")
        .values_list("server_id", "definition_version")
    )
    active = set(_as_of(Server, period.end).filter(active=True).values_list("id", flat=True))
    return [
        [env, name, *counts.get(pk, [None] * 6), newest.get(pk)]
        for pk, env, name in Server.objects.filter(pk__in=active | set(counts))
        .order_by("environment__order", "environment__code", "name", "pk")
        .values_list("pk", "environment__name", "name")
    ]


def _detections(period: Period) -> list[list]:
    status = choice_labels(MalwareDetection.Status.choices)
    fields = ("server__environment__name", "server__name", "name", "status", "incident_number")
    return [
        [_jst(at), env, server, name, status.get(state), incident or None]
        for at, env, server, name, state, incident in _as_of(MalwareDetection, period.end)
        .filter(_in_month(period, "detected_at"))
        .order_by("detected_at", "id")
        .values_list("detected_at", *fields)
    ]


def _patches(period: Period) -> tuple[list[Figure], list[Table]]:
    base = _as_of(Patch, period.end)
    month = _days_in_month(period, "released_on")
    not_applicable = Q(decision=Patch.Decision.NOT_APPLICABLE)
    unapplied = Q(applied_on__isnull=True) | Q(applied_on__gt=period.last)
    open_ = Q(released_on__lte=period.last) & unapplied & ~not_applicable
    overdue = open_ & Q(released_on__lte=period.last - timedelta(days=PATCH_DAYS))
    n = base.aggregate(
        released=Count("id", filter=month),
        apply=Count("id", filter=month & Q(decision=Patch.Decision.APPLY)),
        not_applicable=Count("id", filter=month & not_applicable),
        verified=Count("id", filter=_days_in_month(period, "verified_on")),
        applied=Count("id", filter=_days_in_month(period, "applied_on")),
        open=Count("id", filter=open_),
        overdue=Count("id", filter=overdue),
        total=Count("id", filter=Q(released_on__lte=period.last)),
    )
    if not n["total"]:
        return [Figure("パッチの公開（当月）", None, "件", absent="パッチの登録なし")], []
    labels = {
        "released": "パッチの公開（当月）",
        "apply": "うち適用と判断",
        "not_applicable": "うち不適用と判断",
        "verified": "検証環境での適用（当月）",
        "applied": "本番環境への適用（当月）",
        "open": "未対応（月末時点）",
        "overdue": "うち期限超過（月末時点）",
    }
    figures = [Figure(label, n[key], "件") for key, label in labels.items()]
    figures.append(
        _sla_figure(
            "パッチ 期限内対応率（SLA #29）",
            patches_on_time,
            period,
            "当月に適用期限を迎えたパッチはありません。",
            now=period.end,
        )
    )
    decision = {"": "未判断", **choice_labels(Patch.Decision.choices)}
    result = {"": None, **choice_labels(Patch.Result.choices)}
    fields = ("identifier", "software__name", "title", "released_on", "verified_on")
    order = ("released_on", "identifier", "id")
    due = timedelta(days=PATCH_DAYS)
    released_rows, open_rows = [], []
    for *head, day, verified, res, dec, reason, applied in (
        base.filter(month)
        .order_by(*order)
        .values_list(*fields, "verification_result", "decision", "decision_reason", "applied_on")
    ):
        row = [*head, day, day + due, verified, result.get(res), decision.get(dec)]
        released_rows.append([*row, reason or None, applied])
    for *head, day, verified, dec in (
        base.filter(open_).order_by(*order).values_list(*fields, "decision")
    ):
        late = "期限超過" if day + due <= period.last else "期限内"
        open_rows.append([*head, day, day + due, verified, decision.get(dec), late])
    return figures, [
        Table(
            "当月公開のパッチと適用可否",
            [*PATCH_COLUMNS, "検証結果", "適用可否", "理由", "本番適用日"],
            released_rows,
            empty="当月に公開されたパッチはありません。",
            note=f"期限は公開日＋{PATCH_DAYS}日。検証・適用可否・適用日は月末時点の記録。",
        ),
        Table(
            "未対応のパッチ（月末時点）",
            [*PATCH_COLUMNS, "適用可否", "期限の状況"],
            open_rows,
            empty="月末時点で未対応のパッチはありません。",
            note="本番未適用で、不適用とも判断していないもの。",
        ),
    ]


# --- 構成管理 ---------------------------------------------------------------------------------


def configuration(period: Period) -> Section:
    section = Section("configuration", "構成管理（ソフトウェア・ライセンス・ドキュメント）")
    end = period.end
    envs = _environments(end)
    items = list(
        _as_of(SoftwareItem, end)
        .order_by("category", "name", "id")
        .values("id", "name", "category", "source", "support_ends_on")
    )
    releases = _releases(period)
    licences = _licences(period)
    documents, doc_figures = _documents(period)
    if not items and not releases and not licences and not documents:
        section.absent = "構成管理（ソフトウェア・ライセンス・文書・リリース）の登録がありません。"
        return section

    installed = {
        (software, env): version
        for software, env, version in _as_of(InstalledVersion, end).values_list(
            "software_id", "environment_id", "installed_version"
        )
    }
    category = choice_labels(SoftwareItem.Category.choices)
    main_rows, package_rows = [], []
    packages = {"python": 0, "debian": 0}
    for item in items:
        versions = [installed.get((item["id"], env["id"])) for env in envs]
        differs = len({v for v in versions if v}) > 1 or (any(versions) and None in versions)
        row = [item["name"], category.get(item["category"]), *versions]
        if item["source"] in packages:
            # Hundreds of packages: counted, and listed only where environments disagree.
            packages[item["source"]] += 1
            if differs:
                package_rows.append(row)
            continue
        support = item["support_ends_on"]
        state = ["環境間で異なる"] if differs else []
        if support and support < period.last:
            state.insert(0, "サポート終了")
        elif support and support <= period.last + timedelta(days=180):
            state.insert(0, "サポート終了間近")
        main_rows.append([*row, support, "、".join(state) or None])

    section.figures += [
        Figure("ソフトウェア（手入力・本システム）", len(main_rows), "件"),
        # Packages exist only once registry_fill_versions ran: none is "not filled", not 0.
        *(
            Figure(f"{label} パッケージ", packages[key] or None, "件", absent="登録なし")
            for key, label in (("python", "Python"), ("debian", "Debian"))
        ),
        Figure("リリース（当月）", len(releases), "件"),
        Figure("ライセンス", len(licences), "件"),
        Figure("うち期限切れ", sum(1 for r in licences if r[-1] == "期限切れ"), "件"),
        Figure("うち期限間近", sum(1 for r in licences if r[-1] == "期限間近"), "件"),
        *doc_figures,
    ]
    env_names = [env["name"] for env in envs]
    section.tables += [
        Table(
            "ソフトウェアと環境ごとの導入バージョン（月末時点）",
            ["名称", "分類", *env_names, "サポート終了日", "状況"],
            main_rows,
            empty="ソフトウェアの登録はありません。",
            note="空欄はその環境に導入なし。サポート終了間近は月末から180日以内。",
        ),
        Table(
            "環境間でバージョンが異なるパッケージ（月末時点）",
            ["名称", "分類", *env_names],
            package_rows,
            empty="環境間でバージョンが異なるパッケージはありません。",
            note="Python・Debian パッケージは件数のみ示し、環境間の差異だけを列挙します。",
        ),
        Table(
            "リリース（当月）",
            ["リリース日時", "環境", "件名", "対象ソフトウェア", "バージョン"],
            releases,
            empty="当月のリリースはありません。",
        ),
        Table(
            "ライセンス（月末時点）",
            ["ライセンス名", "対象ソフトウェア", "ライセンス数", "名義", "有効期限", "状態"],
            licences,
            empty="ライセンスの登録はありません。",
            note="状態は月末日時点。期限間近は各ライセンスの警告日数以内。",
        ),
        Table(
            "文書（月末時点）",
            ["種類", "文書名", "版", "発行日", "当月の更新"],
            documents,
            empty="文書の登録はありません。",
        ),
    ]
    section.notes.append(AS_OF_NOTE)
    return section


def _environments(end: datetime) -> list[dict]:
    """Environments as of ``end``; the two the migration seeded wrote no history row, so
    while nobody has edited them they are taken as they are now."""
    fields = ("id", "order", "code", "name")
    rows = list(_as_of(Environment, end).values(*fields))
    tracked = Environment.history.values("id")
    rows += Environment.objects.exclude(id__in=tracked).values(*fields)
    return sorted(rows, key=lambda r: (r["order"], r["code"], r["id"]))


def _releases(period: Period) -> list[list]:
    return [
        [_jst(r["released_at"]), r["environment__name"], r["title"], r["software__name"], r["v"]]
        for r in _as_of(Release, period.end)
        .filter(_in_month(period, "released_at"))
        .order_by("released_at", "id")
        .values(
            "released_at", "environment__name", "title", "software__name", v=F("release_version")
        )
    ]


def _licence_state(expires: date | None, warn_days: int, on: date) -> str:
    if expires is None:
        return "有効（無期限）"
    if on > expires:
        return "期限切れ"
    if expires - timedelta(days=warn_days) <= on:
        return "期限間近"
    return "有効"


LICENCE_FIELDS = ("name", "software__name", "count", "holder", "expires_on")


def _licences(period: Period) -> list[list]:
    return [
        [
            *(r[f] for f in LICENCE_FIELDS),
            _licence_state(r["expires_on"], r["warn_days"], period.last),
        ]
        for r in _as_of(Licence, period.end)
        .order_by(F("expires_on").asc(nulls_last=True), "name", "id")
        .values(*LICENCE_FIELDS, "warn_days")
    ]


def _documents(period: Period) -> tuple[list[list], list[Figure]]:
    changes: dict[int, set[str]] = {}
    for doc_id, kind in (
        Document.history.filter(_in_month(period, "history_date"))
        .values_list("id", "history_type")
        .distinct()
    ):
        changes.setdefault(doc_id, set()).add(kind)
    kind_label = choice_labels(Document.Kind.choices)
    rows = []
    for r in (
        _as_of(Document, period.end)
        .order_by("kind", "title", "-issued_on", "id")
        .values("id", "kind", "title", "doc_version", "issued_on")
    ):
        kinds = changes.get(r["id"], set())
        mark = "新規" if "+" in kinds else ("更新" if "~" in kinds else None)
        rows.append([kind_label.get(r["kind"]), r["title"], r["doc_version"], r["issued_on"], mark])
    figures = [
        Figure("文書（月末時点）", len(rows), "件"),
        Figure(
            "うち当月の新規", sum(1 for k in changes.values() if "+" in k and "-" not in k), "件"
        ),
        Figure("うち当月の更新", sum(1 for k in changes.values() if k == {"~"}), "件"),
        Figure("当月に削除した文書", sum(1 for k in changes.values() if "-" in k), "件"),
    ]
    return rows, figures


# --- バックアップ ------------------------------------------------------------------------------

RUN_DURATION = F("finished_at") - F("started_at")
MEDIA_STOCK = "媒体在庫は本システムでは記録していません（紙の管理台帳を参照）。"


def backups(period: Period) -> Section:
    section = Section("backups", "バックアップ（ジョブ結果・ディスク容量・媒体在庫）")
    media = Figure("媒体在庫", None, absent=f"{NO_SOURCE}（紙の管理台帳を参照）")
    runs, drills, kept = _backup_runs(period), _drills(period), _kept_generations(period)
    disk_figures, disk_chart = _disk(period)
    section.notes.append(MEDIA_STOCK)
    if not runs and not drills and not kept and disk_chart is None:
        section.absent = "当月のバックアップ実行記録はありません。"
        section.figures.append(media)
        return section

    generated = Generation.objects.filter(_in_month(period, "started_at")).exists()
    failed = Event.objects.filter(_in_month(period, "at"), action="verify_failed").count()
    section.figures.append(
        Figure("世代検証の失敗（当月）", failed, "件")
        if generated or failed
        else Figure("世代検証の失敗（当月）", None, "件", absent="当月に取得した世代なし")
    )
    section.figures += [*_backup_shares(period), *disk_figures, media]
    run_columns = ["種別", "実行", "成功", "失敗", "見送り", "実行中", "平均所要時間（分）"]
    section.tables += [
        Table(
            "バックアップ実行（当月）",
            [*run_columns, "最長所要時間（分）", "取得サイズ合計（MB）", "最大サイズ（MB）"],
            runs,
            empty="当月のバックアップ実行記録はありません。",
            note="見送りは別のバックアップと重なり実施しなかったもの。サイズは DB とファイルの合計。",
        ),
        Table(
            "失敗したバックアップ（当月）",
            ["開始", "種別", "失敗理由"],
            _failed_runs(period),
            empty="当月に失敗したバックアップはありません。",
        ),
        Table(
            "復元訓練（当月）",
            ["開始", "結果", "世代", "復元所要時間（分）", "照合した表", "照合した行", "不一致"],
            drills,
            empty="当月の復元訓練の記録はありません。",
        ),
        Table(
            "保存している世代（月末時点）",
            ["種別", "世代数", "うち現在も検証済", "最古の取得", "最新の取得"],
            kept,
            empty="月末時点で保存している世代はありません。",
            note="月末までに取得し、月末時点で削除・解放されていない世代（検証状態は現在の値）。",
        ),
    ]
    if disk_chart is not None:
        section.charts.append(disk_chart)
    section.notes.append(
        "ディスク容量は5分ごとの資源計測の記録から算出しています（現在値ではありません）。"
        "世代検証は成功時の実行記録を残さないため、失敗件数のみ示します。"
    )
    return section


def _backup_runs(period: Period) -> list[list]:
    s = BackupRun.Status
    size = F("generation__db_bytes") + F("generation__media_bytes")
    ran = ~Q(status=s.SKIPPED)
    by_kind = {
        r["kind"]: r
        for r in BackupRun.objects.filter(_in_month(period, "started_at"))
        .values("kind")
        .annotate(
            runs=Count("pk"),
            ok=Count("pk", filter=Q(status=s.SUCCEEDED)),
            failed=Count("pk", filter=Q(status=s.FAILED)),
            skipped=Count("pk", filter=Q(status=s.SKIPPED)),
            running=Count("pk", filter=Q(status=s.RUNNING)),
            avg=Avg(RUN_DURATION, filter=ran),
            longest=Max(RUN_DURATION, filter=ran),
            total=Sum(size, filter=Q(status=s.SUCCEEDED)),
            biggest=Max(size, filter=Q(status=s.SUCCEEDED)),
        )
        .order_by("kind")
    }
    return [
        [
            label,
            *(r[k] for k in ("runs", "ok", "failed", "skipped", "running")),
            _minutes(r["avg"]),
            _minutes(r["longest"]),
            _mb(r["total"]),
            _mb(r["biggest"]),
        ]
        for kind, label in choice_labels(Generation.Kind.choices).items()
        if (r := by_kind.get(kind))
    ]


def _failed_runs(period: Period) -> list[list]:
    kinds = choice_labels(Generation.Kind.choices)
    return [
        [_jst(r["started_at"]), kinds.get(r["kind"]), (r["error"] or "")[:200] or None]
        for r in BackupRun.objects.filter(
            _in_month(period, "started_at"), status=BackupRun.Status.FAILED
        )
        .order_by("started_at", "pk")
        .values("started_at", "kind", "error")
    ]


def _drills(period: Period) -> list[list]:
    labels = choice_labels(Drill.Status.choices)
    fields = ("tables_checked", "rows_checked")
    return [
        [
            _jst(r["started_at"]),
            labels.get(r["status"]),
            r["generation__name"],
            None if r["restore_seconds"] is None else round(r["restore_seconds"] / 60, 1),
            *(r[f] for f in fields),
            len(r["mismatches"] or []),
        ]
        for r in Drill.objects.filter(_in_month(period, "started_at"))
        .order_by("started_at", "pk")
        .values(
            "started_at", "status", "generation__name", "restore_seconds", "mismatches", *fields
        )
    ]


def _kept_generations(period: Period) -> list[list]:
    by_kind = {
        r["kind"]: r
        for r in Generation.objects.filter(started_at__lt=period.end)
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gte=period.end))
        .exclude(status=Generation.Status.MISSING)
        .values("kind")
        .annotate(
            n=Count("pk"),
            verified=Count("pk", filter=Q(status=Generation.Status.VERIFIED)),
            oldest=Min("started_at"),
            newest=Max("started_at"),
        )
        .order_by("kind")
    }
    return [
        [label, r["n"], r["verified"], _jst(r["oldest"]), _jst(r["newest"])]
        for kind, label in choice_labels(Generation.Kind.choices).items()
        if (r := by_kind.get(kind))
    ]


def _backup_shares(period: Period) -> list[Figure]:
    labels = ("夜間バックアップの計画どおりの実施（SLA #23）", "復旧ポイントの達成（SLA #24）")
    # The month's last night runs into the next morning: judge once that window has closed.
    night = timedelta(days=1)
    if not _month_over(period, night):
        return [Figure(label, None, "%", absent=UNFINISHED) for label in labels]
    with using_calendar(BusinessCalendar.load(period.profile)):
        planned = backups_done_as_planned(period.first, period.last, now=period.end + night)
        point = recovery_point_met(period.first, period.last, now=period.end)
    return [
        _share(labels[0], planned.met, planned.counted, "対象となる夜がありません（導入前）。"),
        _share(labels[1], point.met, point.counted, "対象となる営業日がありません（導入前）。"),
    ]


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _disk(period: Period) -> tuple[list[Figure], Chart | None]:
    month = ResourceSample.objects.filter(_in_month(period, "slot"))
    agg = month.aggregate(
        n=Count("pk"),
        backup=Max("disk_backup_percent"),
        root=Max("disk_root_percent"),
        root_avg=Avg("disk_root_percent"),
    )
    labels = (
        "バックアップ領域の使用率（月最大）",
        "バックアップ領域の使用率（月末の計測）",
        "システム領域（/）の使用率（月最大）",
        "データベースサイズ（月末の計測）",
    )
    if not agg["n"]:
        return [Figure(x, None, absent="当月の資源計測の記録がありません。") for x in labels], None
    last = month.order_by("-slot").values("slot", "disk_backup_percent", "db_bytes").first()
    no_disk = "バックアップ領域が計測されていません。"
    at = f"{to_jst(last['slot']):%m/%d %H:%M} の計測"
    figures = [
        Figure(labels[0], _pct(agg["backup"]), "%", absent=no_disk),
        Figure(labels[1], _pct(last["disk_backup_percent"]), "%", absent=no_disk, note=at),
        Figure(labels[2], _pct(agg["root"]), "%", note=f"平均 {_pct(agg['root_avg'])}%"),
        Figure(labels[3], _mb(last["db_bytes"]), "MB", note=at),
    ]
    months = period.previous_months(12)
    since = datetime.combine(months[0], time.min, tzinfo=JST)
    trend = {
        to_jst(r["month"]).date(): r
        for r in ResourceSample.objects.filter(slot__gte=since, slot__lt=period.end)
        .annotate(month=TruncMonth("slot", tzinfo=JST))
        .values("month")
        .annotate(backup=Max("disk_backup_percent"), root=Max("disk_root_percent"))
        .order_by("month")
    }
    series = [
        Series(name, [_pct(trend.get(m, {}).get(key)) for m in months])
        for name, key in (("バックアップ領域", "backup"), ("システム領域（/）", "root"))
    ]
    title = "ディスク使用率の推移（月最大）"
    return figures, Chart(title, [short_month(m) for m in months], series, unit="%")


# --- バッチ処理状況 ----------------------------------------------------------------------------


# (job, model, successful statuses, failed statuses, source); other statuses (skipped,
# still running, cancelled…) are the remainder.
BATCH_JOBS = (
    ("復元訓練（週次）", Drill, "passed", "failed", "backups（復元訓練）"),
    ("復元", Restore, "succeeded", "failed", "backups（復元）"),
    ("SLA 報告書の作成", ReportJob, "succeeded", "failed", "sla（報告書作成ジョブ）"),
    ("データ抽出", ExtractionRequest, "succeeded expired", "failed", "ops（データ抽出依頼）"),
    ("引継ぎデータ出力", HandoverExport, "done", "failed", "ops（引継ぎデータ出力）"),
)
BATCH_NOTE = (
    "実行は当月に開始したもの（定常運用は期限日が当月のもの）。その他は見送り・未実施・実行中・"
    "取消など。データ抽出の成功には期限切れで削除済みのものを含む。計測ジョブの実行は当月の枠数、"
    "成功は記録のある枠数、失敗は欠測の枠数。所要時間の空欄は当月の実行なし。"
)


def batch(period: Period) -> Section:
    section = Section("batch", "バッチ処理状況")
    jobs = [
        (
            f"{label}バックアップ",
            BackupRun.objects.filter(kind=kind),
            "succeeded",
            "failed",
            "backups（バックアップ実行）",
        )
        for kind, label in choice_labels(Generation.Kind.choices).items()
    ]
    jobs += [(name, model.objects, *rest) for name, model, *rest in BATCH_JOBS]
    rows = []
    for name, qs, ok, failed, source in jobs:
        r = qs.filter(_in_month(period, "started_at")).aggregate(
            runs=Count("pk"),
            ok=Count("pk", filter=Q(status__in=ok.split())),
            failed=Count("pk", filter=Q(status__in=failed.split())),
            longest=Max(RUN_DURATION, filter=Q(finished_at__isnull=False)),
        )
        other = r["runs"] - r["ok"] - r["failed"]
        counts = [r["runs"], r["ok"], r["failed"], other, _minutes(r["longest"])]
        rows.append([name, *counts, source, None])
    rows += [*_sampling_rows(period), _routine_row(period)]
    columns = ["ジョブ", "実行", "成功", "失敗", "その他", "最長所要時間（分）", "記録元", "備考"]
    section.tables.append(Table("バッチ処理の実行結果（当月）", columns, rows, note=BATCH_NOTE))
    nightly, none = rows[0], "当月の夜間バックアップの実行記録なし"
    ran = f"実行 {nightly[1]} 回" if nightly[1] else ""
    section.figures += [
        Figure("夜間バックアップの成功", nightly[2] if ran else None, "回", absent=none, note=ran),
        Figure("夜間バックアップの最長所要時間", nightly[5], "分", absent=none),
    ]
    section.notes.append(
        f"次のジョブは実行ごとの記録を残さないため、本表に含めていません：{UNRECORDED_JOBS}。"
        "Celery のタスク結果は短期間で削除されるため月次の記録には使っていません。"
    )
    if not any(row[1] for row in rows):
        section.absent = "当月のバッチ処理の実行記録はありません。"
    return section


def _sampling_rows(period: Period) -> list[list]:
    minutes = int((period.end - period.start).total_seconds() // 60)
    resource = ResourceSample.objects.filter(_in_month(period, "slot")).count()
    # One row per component and minute: the minutes sampled are the distinct times.
    health = HealthSample.objects.filter(_in_month(period, "at")).aggregate(
        n=Count("at", distinct=True)
    )["n"]
    out = []
    for name, slots, taken, source in (
        ("システム資源の計測（5分毎）", minutes // 5, resource, "reports（資源計測）"),
        ("稼働監視（1分ごと）", minutes, health, "incidents（稼働監視の記録）"),
    ):
        if not taken:
            out.append([name, None, None, None, None, None, source, "当月の記録なし"])
            continue
        share = f"取得率 {round(taken / slots * 100, 1)}%"
        out.append([name, slots, taken, slots - taken, None, None, source, share])
    return out


def _routine_row(period: Period) -> list:
    s = RoutineOccurrence.Status
    r = RoutineOccurrence.objects.filter(_days_in_month(period, "due_date")).aggregate(
        runs=Count("pk"),
        done=Count("pk", filter=Q(status=s.DONE)),
        late=Count("pk", filter=Q(status=s.LATE)),
        missed=Count("pk", filter=Q(status=s.MISSED)),
        planned=Count("pk", filter=Q(status=s.PLANNED)),
    )
    name, source = "定常運用（運用カレンダー）", "ops（定常運用）"
    if not r["runs"]:
        return [name, None, None, None, None, None, source, "当月の予定なし"]
    note = f"成功のうち遅延完了 {r['late']} 件。その他は予定のまま"
    return [name, r["runs"], r["done"] + r["late"], r["missed"], r["planned"], None, source, note]
