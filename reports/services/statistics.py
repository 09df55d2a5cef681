"""システム統計情報（資源の計測・月次統計・テンプレート）.

The workbook is the city's template (a .xlsx whose defined names say where each figure
goes) filled by the job; a built-in default template is generated here. A template
missing any required name is refused with the names, and never swapped for the default.
"""

import hashlib
import io
import logging
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta

import psutil
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.workbook.defined_name import DefinedName

from core import progress
from core.timeutil import now_jst
from reports.models.statistics import ResourceSample, StatisticsReport, StatisticsTemplate
from reports.selectors import statistics as selectors

logger = logging.getLogger(__name__)

SLOT_SECONDS = 300
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024

# name → what it holds (shown to the city admin on the template page).
CELL_NAMES = {
    "stats_month": "対象年月",
    "stats_generated_at": "作成日時",
    "summary_requests": "アクセス総数",
    "summary_errors": "エラー総数（ステータス500以上）",
    "summary_logins": "ログイン総数",
    "summary_busiest_hours": "最も混雑した時間帯",
}
TABLE_NAMES = {
    "logins_table": ("日別ログイン", ["日付", "ログイン数", "利用者数"]),
    "roles_table": ("役割別ログイン", ["役割", "ログイン数", "利用者数"]),
    "functions_table": (
        "機能別アクセス・応答時間",
        [
            "機能名",
            "ビュー名",
            "アクセス数",
            "利用者数",
            "応答時間50%(ms)",
            "応答時間95%(ms)",
            "応答時間99%(ms)",
            "エラー数",
            "エラー率(%)",
        ],
    ),
    "hours_table": ("時間帯別アクセス", ["時台", "アクセス数", "混雑順位"]),
    "resources_table": ("サーバ資源", ["項目", "値"]),
    "trend_table": ("過去12か月の推移", ["年月", "アクセス数", "エラー数", "ログイン数"]),
    "anomalies_table": (
        "異常の検知",
        ["機能名", "指標", "当月", "過去12か月の中央値", "内容"],
    ),
}
REQUIRED_NAMES = (*CELL_NAMES, *TABLE_NAMES)
BUILD_STEPS = 4


# --- resource samples ---------------------------------------------------------


def slot_of(at: datetime) -> datetime:
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % SLOT_SECONDS, tz=UTC)


def _disk_percent(path) -> float | None:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return round(usage.used * 100 / usage.total, 1) if usage.total else None


@transaction.atomic
def resource_sample_take(*, now: datetime | None = None) -> ResourceSample:
    """Measure CPU, memory, disks and the database size; one row per 5-minute slot."""
    now = now or timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        db_bytes = cur.fetchone()[0]
    sample, _created = ResourceSample.objects.update_or_create(
        slot=slot_of(now),
        defaults={
            "taken_at": now,
            "cpu_percent": psutil.cpu_percent(interval=0.5),
            "memory_percent": psutil.virtual_memory().percent,
            "disk_root_percent": _disk_percent("/") or 0.0,
            "disk_backup_percent": _disk_percent(settings.BACKUP_DIR),
            "db_bytes": db_bytes,
        },
    )
    return sample


# --- templates ----------------------------------------------------------------


def _anchors(wb) -> dict[str, tuple[str, str]]:
    """Defined name → (sheet title, top-left cell), workbook- and sheet-scoped alike."""
    found: dict[str, tuple[str, str]] = {}

    def add(name: str, defined: DefinedName) -> None:
        try:
            destinations = list(defined.destinations)
        except Exception:  # a formula that is not a plain reference
            return
        for title, ref in destinations:
            if title in wb.sheetnames:
                min_col, min_row, _c, _r = range_boundaries(ref.replace("$", ""))
                found[name] = (title, f"{_col(min_col)}{min_row}")
                return

    for name, defined in wb.defined_names.items():
        add(name, defined)
    for ws in wb.worksheets:
        for name, defined in ws.defined_names.items():
            add(name, defined)
    return found


def _col(index: int) -> str:
    return get_column_letter(index)


def template_missing_names(content: bytes) -> list[str]:
    """Required names the workbook lacks; ValidationError when it is not an .xlsx at all."""
    try:
        wb = load_workbook(io.BytesIO(content))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationError(
            {"file": _("Excel ブック（.xlsx）として読めません。")}, code="unreadable"
        ) from exc
    anchors = _anchors(wb)
    return [name for name in REQUIRED_NAMES if name not in anchors]


@transaction.atomic
def template_upload(*, name: str, content: bytes, user) -> StatisticsTemplate:
    """Register the city's template; refused (naming the missing cells) if incomplete."""
    if len(content) > MAX_TEMPLATE_BYTES:
        raise ValidationError({"file": _("ファイルが大きすぎます（5MBまで）。")})
    missing = template_missing_names(content)
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "テンプレートに必要な名前付きセル・範囲がありません: %(names)s"
                    "（既定のテンプレートには置き換えず、登録していません）"
                )
                % {"names": "、".join(missing)}
            },
            code="missing_names",
        )
    StatisticsTemplate.objects.filter(active=True).update(active=False)
    return StatisticsTemplate.objects.create(
        name=name[:200],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
        uploaded_at=timezone.now(),
        active=True,
    )


@transaction.atomic
def template_reset(*, user) -> None:
    """Go back to the built-in default template (the uploaded ones stay on record)."""
    StatisticsTemplate.objects.filter(active=True).update(active=False)


def default_template() -> bytes:
    """The built-in template: a summary sheet and a sheet per table, A4, names defined."""
    wb = Workbook()
    bold = Font(bold=True)
    ws = wb.active
    ws.title = "概要"
    ws["A1"] = "システム統計情報"
    ws["A1"].font = Font(bold=True, size=14)
    names: list[tuple[str, str, str]] = []
    row = 3
    for key, label in CELL_NAMES.items():
        ws.cell(row=row, column=1, value=label).font = bold
        names.append((key, ws.title, f"$B${row}"))
        row += 1
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 28
    sheets = {
        "resources_table": ws,
        "anomalies_table": ws,
        "logins_table": wb.create_sheet("ログイン"),
        "functions_table": wb.create_sheet("機能別"),
        "hours_table": wb.create_sheet("時間帯"),
        "trend_table": wb.create_sheet("推移"),
    }
    sheets["roles_table"] = sheets["logins_table"]
    next_row = {ws.title: row + 1}
    col_of = {"roles_table": 5}
    for key, (title, headers) in TABLE_NAMES.items():
        sheet = sheets[key]
        start_col = col_of.get(key, 1)
        top = next_row.get(sheet.title, 1)
        if key == "roles_table":
            top = 1
        sheet.cell(row=top, column=start_col, value=title).font = Font(bold=True, size=12)
        for i, header in enumerate(headers):
            sheet.cell(row=top + 1, column=start_col + i, value=header).font = bold
            width = 30 if i == 0 else 16
            letter = _col(start_col + i)
            sheet.column_dimensions[letter].width = max(
                sheet.column_dimensions[letter].width or 0, width
            )
        names.append((key, sheet.title, f"${_col(start_col)}${top + 2}"))
        if key == "resources_table":
            next_row[sheet.title] = top + 2 + 12
        elif key != "roles_table":
            next_row[sheet.title] = top + 40
    for sheet in wb.worksheets:
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for key, title, ref in names:
        quoted = f"'{title}'!{ref}"
        wb.defined_names[key] = DefinedName(key, attr_text=quoted)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- filling ------------------------------------------------------------------


def _table_rows(figures: selectors.MonthFigures) -> dict[str, list[list]]:
    res = figures.resources
    mb = 1024 * 1024

    def pct(value):
        return round(value, 1) if value is not None else "計測なし"

    busiest = {h: i + 1 for i, h in enumerate(figures.busiest_hours)}
    return {
        "logins_table": [[d, n, u] for d, n, u in figures.logins_by_day],
        "roles_table": [[label, n, u] for label, n, u in figures.logins_by_role],
        "functions_table": [
            [
                f.label,
                f.view_name,
                f.requests,
                f.users,
                f.p50_ms,
                f.p95_ms,
                f.p99_ms,
                f.errors,
                round(f.error_rate * 100, 2),
            ]
            for f in figures.functions
        ],
        "hours_table": [[f"{h}時", n, busiest.get(h, "")] for h, n in figures.hours],
        "resources_table": [
            ["計測回数（5分毎）", f"{res['samples']} / {res['expected_samples']}"],
            ["CPU使用率 平均(%)", pct(res["cpu_avg"])],
            ["CPU使用率 最大(%)", pct(res["cpu_max"])],
            ["メモリ使用率 平均(%)", pct(res["mem_avg"])],
            ["メモリ使用率 最大(%)", pct(res["mem_max"])],
            ["ディスク使用率 / 最大(%)", pct(res["disk_root_max"])],
            ["ディスク使用率 バックアップ領域 最大(%)", pct(res["disk_backup_max"])],
            [
                "データベースサイズ 月末(MB)",
                round(res["db_bytes_last"] / mb, 1) if res["db_bytes_last"] else "計測なし",
            ],
        ],
        "trend_table": [
            [f"{t['month']:%Y-%m}", t["requests"], t["errors"], t["logins"]] for t in figures.trend
        ],
        "anomalies_table": [
            [
                a.label,
                "応答時間95%(ms)" if a.measure == "p95" else "エラー率(%)",
                a.current,
                a.median,
                a.reason,
            ]
            for a in figures.anomalies
        ]
        or [["（検知なし）"]],
    }


def fill_workbook(content: bytes, figures: selectors.MonthFigures) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    anchors = _anchors(wb)
    missing = [name for name in REQUIRED_NAMES if name not in anchors]
    if missing:
        raise ValidationError(
            _("テンプレートに必要な名前付きセル・範囲がありません: %(names)s")
            % {"names": "、".join(missing)}
        )

    def put(name: str, value) -> None:
        title, cell = anchors[name]
        wb[title][cell] = value

    put("stats_month", f"{figures.month.year}年{figures.month.month}月")
    put("stats_generated_at", now_jst().strftime("%Y-%m-%d %H:%M"))
    put("summary_requests", figures.total_requests)
    put("summary_errors", figures.total_errors)
    put("summary_logins", figures.logins_total)
    put(
        "summary_busiest_hours",
        "、".join(f"{h}時台" for h in figures.busiest_hours) or "アクセスなし",
    )
    for name, rows in _table_rows(figures).items():
        title, cell = anchors[name]
        ws = wb[title]
        letters, top = coordinate_from_string(cell)
        left = range_boundaries(f"{letters}{top}")[0]
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                ws.cell(row=top + r, column=left + c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- jobs ---------------------------------------------------------------------


def validate_month(month: date) -> date:
    month = month.replace(day=1)
    if month > now_jst().date().replace(day=1):
        raise ValidationError({"month": _("未来の月は集計できません。")})
    return month


def report_request(*, month: date, user) -> tuple[StatisticsReport, bool]:
    """Queue a month's workbook; a job already queued or running for it is joined.

    Returns (report, created)."""
    from reports.tasks.statistics import statistics_report_build

    month = validate_month(month)
    try:
        with transaction.atomic():
            report = StatisticsReport.objects.create(
                month=month,
                template=selectors.active_template(),
                requested_by=user,
                requested_at=timezone.now(),
            )
            transaction.on_commit(lambda: statistics_report_build.delay(report.pk))
    except IntegrityError:
        existing = StatisticsReport.objects.filter(
            month=month,
            status__in=[StatisticsReport.Status.QUEUED, StatisticsReport.Status.RUNNING],
        ).first()
        if existing is None:  # finished in between: ask again
            return report_request(month=month, user=user)
        return existing, False
    return report, True


def report_build(*, report_id: int) -> StatisticsReport | None:
    """Build a queued report; running it again after it finished does nothing."""
    with transaction.atomic():
        report = (
            StatisticsReport.objects.select_for_update(of=("self",))
            .select_related("template")
            .filter(pk=report_id)
            .first()
        )
        if report is None or not report.in_progress:
            return report
        report.status = StatisticsReport.Status.RUNNING
        report.save(update_fields=["status"])
    key = report.progress_key
    try:
        progress.report(key, done=0, total=BUILD_STEPS)
        template = bytes(report.template.content) if report.template else default_template()
        progress.report(key, done=1, total=BUILD_STEPS)
        figures = selectors.month_figures(report.month)
        progress.report(key, done=2, total=BUILD_STEPS)
        content = fill_workbook(template, figures)
        progress.report(key, done=3, total=BUILD_STEPS)
    except Exception as exc:
        logger.exception("system statistics %s failed", report.month)
        detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        StatisticsReport.objects.filter(pk=report.pk).update(
            status=StatisticsReport.Status.FAILED, error=detail[:2000], finished_at=timezone.now()
        )
        report.refresh_from_db()
        return report
    with transaction.atomic():
        report.content = content
        report.sha256 = hashlib.sha256(content).hexdigest()
        report.status = StatisticsReport.Status.DONE
        report.finished_at = timezone.now()
        report.save(update_fields=["content", "sha256", "status", "finished_at"])
    progress.report(key, done=BUILD_STEPS, total=BUILD_STEPS)
    return report


def report_filename(report: StatisticsReport) -> str:
    return f"system-statistics-{report.month:%Y-%m}.xlsx"


SAMPLE_RETENTION_DAYS = 400  # 13 months: the monthly report compares with the last 12


def resource_samples_purge(*, now: datetime | None = None) -> int:
    """Delete samples older than the retention (about 8,900 rows a month otherwise pile up)."""
    now = now or timezone.now()
    deleted, _ = ResourceSample.objects.filter(
        slot__lt=now - timedelta(days=SAMPLE_RETENTION_DAYS)
    ).delete()
    return deleted
