"""定例報告会議 報告書（図表7-1）: one Celery job per month builds every section, the .xlsx,
the PDF and the bundle (report + deliverable lists + minutes + system statistics).

Issued reports never change (a database trigger refuses it); reissuing adds a revision.
Only one job per month runs at a time: a second request joins it.
"""

import hashlib
import logging
import zipfile
from datetime import date
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation

from core import progress
from core.outbox import outbox_enqueue
from core.profiles import PROFILES, current_profile
from core.timeutil import month_label, now_jst
from reports.models.meetings import Meeting
from reports.models.pack import FILE_FIELDS, MonthlyReport
from reports.models.statistics import StatisticsReport
from reports.sections.base import Period, Section
from reports.sections.registry import SECTIONS
from reports.services import meetings as meeting_services
from reports.services import pack as pack_services
from reports.services.monthly_render import Meta, report_pdf, report_xlsx

logger = logging.getLogger(__name__)

STEPS_AFTER_SECTIONS = 3 + len(pack_services.DELIVERABLES)  # xlsx, PDF, each list, the zip
TASK_NAME = "reports.monthly_report_build"


def _queue() -> str:
    """The Celery queue of the job ("" = the default); tests point it at a live worker."""
    return getattr(settings, "REPORTS_QUEUE", "")


def report_month(value: str | date, *, today: date | None = None) -> date:
    """The first day of a finished month inside the contract, or a Japanese error on "month"."""
    month = pack_services.deliverable_month(value, today=today)
    today = today or now_jst().date()
    if month == today.replace(day=1):
        raise ValidationError(
            {"month": f"{month_label(month)}はまだ終わっていないため、報告書を発行できません。"}
        )
    end = current_profile().contract_end
    if month > end:
        raise ValidationError(
            {
                "month": f"{month_label(month)}は契約終了（{end.year}年{end.month}月{end.day}日）"
                "より後のため、報告書はありません。"
            }
        )
    return month


def file_stem(month: date, revision: int) -> str:
    return f"定例報告会議報告書_{month:%Y%m}_第{revision}版"


def monthly_report_request(
    *, month: date | str, user, reason: str = ""
) -> tuple[MonthlyReport, bool]:
    """Queue the month's report; a job already queued or running for it is joined.

    A month that already has an issued revision needs a reason: the new one is a reissue."""
    month = report_month(month)
    profile = current_profile().code
    reason = (reason or "").strip()
    issued = MonthlyReport.objects.filter(
        profile=profile, month=month, status=MonthlyReport.Status.DONE
    ).exists()
    if issued and not reason:
        running = _running(profile, month)
        if running is not None:
            return running, False
        raise ValidationError(
            {
                "reason": f"{month_label(month)}の報告書は発行済みです。"
                "再発行する場合は理由を入力してください（発行済みの版はそのまま残ります）。"
            }
        )
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(
                profile=profile,
                month=month,
                reason=reason if issued else "",
                requested_by=user,
                requested_at=timezone.now(),
            )
            # Through the outbox: a request accepted while the broker is down still runs.
            outbox_enqueue(task_name=TASK_NAME, args=[report.pk], queue=_queue())
    except IntegrityError:
        running = _running(profile, month)
        if running is None:  # finished in between: ask again
            return monthly_report_request(month=month, user=user, reason=reason)
        return running, False
    return report, True


def _running(profile: str, month: date) -> MonthlyReport | None:
    return (
        MonthlyReport.objects.filter(
            profile=profile,
            month=month,
            status__in=[MonthlyReport.Status.QUEUED, MonthlyReport.Status.RUNNING],
        )
        .defer(*FILE_FIELDS)
        .first()
    )


def build_sections(period: Period, *, on_section=None) -> list[Section]:
    sections = []
    for index, spec in enumerate(SECTIONS):
        try:
            section = spec.build(period)
        except Exception as exc:
            raise RuntimeError(f"「{spec.title}」の作成に失敗しました: {exc}") from exc
        sections.append(section)
        if on_section:
            on_section(index + 1)
    return sections


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bundle(
    report: MonthlyReport, revision: int, xlsx: bytes, pdf: bytes, *, on_file=None
) -> bytes:
    """The meeting's materials in one .zip, with a manifest of SHA-256 per file."""
    stem = file_stem(report.month, revision)
    files: list[tuple[str, bytes]] = [(f"{stem}.xlsx", xlsx), (f"{stem}.pdf", pdf)]
    notes: list[str] = []
    user = report.requested_by
    for key in pack_services.DELIVERABLES:
        table = pack_services.deliverable_table(key=key, month=report.month)
        files.append(
            (f"成果物/{table.filename}.xlsx", pack_services.deliverable_xlsx(table, user=user))
        )
        files.append(
            (f"成果物/{table.filename}.pdf", pack_services.deliverable_pdf(table, user=user))
        )
        if on_file:  # the lists' PDFs are the slow part of the bundle: show each
            on_file()
    meeting = (
        Meeting.objects.filter(
            profile=report.profile, year=report.month.year, month=report.month.month
        )
        .select_related("confirmed_by")
        .first()
    )
    if meeting is None:
        notes.append(
            f"{month_label(report.month)}の定例報告会議は登録されていません（議事録なし）。"
        )
    elif not meeting.is_final:
        notes.append(
            f"{month_label(report.month)}の議事録は未確定（{meeting.get_minutes_status_display()}）の"
            "ため含めていません。"
        )
    else:
        name = f"議事録/議事録_{report.month:%Y%m}"
        files.append((f"{name}.pdf", meeting_services.minutes_pdf(meeting)))
        files.append((f"{name}.xlsx", meeting_services.minutes_xlsx(meeting)))
    stats = (
        StatisticsReport.objects.filter(month=report.month, status=StatisticsReport.Status.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )
    if stats is None or not stats.content:
        notes.append("当月のシステム統計情報（Excel）は未作成のため含めていません。")
    else:
        files.append((f"システム統計情報_{report.month:%Y%m}.xlsx", bytes(stats.content)))
    manifest = [
        f"{month_label(report.month)} 定例報告会議 資料一式（第{revision}版）",
        "",
        "SHA-256  ファイル",
        *(f"{_sha(data)}  {name}" for name, data in files),
    ]
    if notes:
        manifest += ["", "含めていないもの:", *(f"- {n}" for n in notes)]
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(f"{stem}/{name}", data)
        zf.writestr(f"{stem}/README.txt", "\r\n".join(manifest) + "\r\n")
    return out.getvalue()


def _build_files(report: MonthlyReport, key: str, total: int):
    """Sections, .xlsx, PDF and bundle of one report, reporting progress as it goes."""
    period = Period(month=report.month, profile=report.profile)
    sections = build_sections(
        period, on_section=lambda n: progress.report(key, done=n, total=total)
    )
    # One job per month at a time (constraint), so no other revision can appear meanwhile.
    revision = (
        MonthlyReport.objects.filter(
            profile=report.profile, month=report.month, status=MonthlyReport.Status.DONE
        ).aggregate(m=Max("revision"))["m"]
        or 0
    ) + 1
    profile = PROFILES.get(report.profile) or current_profile()
    meta = Meta(
        city=profile.name,
        month=report.month,
        revision=revision,
        issued_at=now_jst(),
        issued_by=report.requested_by.name,
        reason=report.reason,
    )
    xlsx = report_xlsx(sections, meta)
    progress.report(key, done=len(SECTIONS) + 1, total=total)
    pdf, pages = report_pdf(sections, meta)
    progress.report(key, done=len(SECTIONS) + 2, total=total)
    step = iter(range(len(SECTIONS) + 3, total))
    bundle = _bundle(
        report,
        revision,
        xlsx,
        pdf,
        on_file=lambda: progress.report(key, done=next(step), total=total),
    )
    return xlsx, pdf, pages, bundle, sections, revision


def monthly_report_build(*, report_id: int) -> MonthlyReport | None:
    """Build a queued report; running it again after it finished does nothing."""
    with transaction.atomic():
        report = (
            MonthlyReport.objects.select_for_update(of=("self",))
            .select_related("requested_by")
            .defer(*FILE_FIELDS)
            .filter(pk=report_id)
            .first()
        )
        if report is None or not report.in_progress:
            return report
        report.status = MonthlyReport.Status.RUNNING
        report.started_at = timezone.now()
        report.save(update_fields=["status", "started_at"])
    key = report.progress_key
    total = len(SECTIONS) + STEPS_AFTER_SECTIONS
    progress.report(key, done=0, total=total)
    try:
        # The deliverable is Japanese whatever the worker's language: lazy labels in the
        # sections are turned into text while rendering, inside this block.
        with translation.override("ja"):
            xlsx, pdf, pages, bundle, sections, revision = _build_files(report, key, total)
    except Exception as exc:
        logger.exception("monthly report %s failed", report.month)
        detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        MonthlyReport.objects.filter(pk=report.pk).update(
            status=MonthlyReport.Status.FAILED, error=detail[:2000], finished_at=timezone.now()
        )
        progress.report(key, done=total, total=total)
        return MonthlyReport.objects.defer(*FILE_FIELDS).get(pk=report.pk)
    with transaction.atomic():
        report.revision = revision
        report.status = MonthlyReport.Status.DONE
        report.finished_at = timezone.now()
        report.sections = [{"key": s.key, "title": s.title, "absent": s.absent} for s in sections]
        report.pdf_pages = pages
        report.xlsx, report.xlsx_sha256 = xlsx, _sha(xlsx)
        report.pdf, report.pdf_sha256 = pdf, _sha(pdf)
        report.bundle, report.bundle_sha256 = bundle, _sha(bundle)
        report.save()
    progress.report(key, done=total, total=total)
    return report


FILE_KINDS = {
    "xlsx": ("xlsx", "xlsx_sha256", ".xlsx"),
    "pdf": ("pdf", "pdf_sha256", ".pdf"),
    "zip": ("bundle", "bundle_sha256", "_資料一式.zip"),
}


def report_file(report: MonthlyReport, kind: str) -> tuple[str, bytes]:
    """(file name, bytes) of an issued report, after checking its SHA-256 against the one
    recorded at issue; a mismatch is refused (ValidationError), never served."""
    field, sha_field, suffix = FILE_KINDS[kind]
    data = getattr(report, field)
    if report.status != MonthlyReport.Status.DONE or data is None:
        raise ValidationError("この報告書はまだ発行されていません。")
    data = bytes(data)
    if _sha(data) != getattr(report, sha_field):
        raise ValidationError(
            "ファイルのチェックサム（SHA-256）が発行時の値と一致しません。"
            "改ざんまたは破損の可能性があるため提供を停止しました。保守事業者に連絡してください。"
        )
    return f"{file_stem(report.month, report.revision)}{suffix}", data
