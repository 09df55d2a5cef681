"""Shared pieces of the reports tests: a Sendai policy built through the models with a few
items computed by real rules (#8 batch processing time from the recorded backup runs, a
manual item) and helpers to record runs and run a report's job."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest

from accounts import roles
from backups.models import BackupRun, Generation
from core.timeutil import JST
from sla.models import Item, Policy, Report, ReportJob
from sla.services import reports as services


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture
def manager(make_user):
    return make_user(roles.VENDOR_MANAGER, name="試験 責任者")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_policy(
    profile: str = "sendai",
    *,
    version: int = 1,
    effective_from: date | None = None,
    effective_to: date | None = None,
    status: str = Policy.Status.APPROVED,
) -> Policy:
    contract = {
        "sendai": (date(2024, 4, 1), date(2029, 3, 31)),
        "kobe": (date(2025, 6, 2), date(2030, 3, 31)),
    }[profile]
    return Policy.objects.create(
        profile=profile,
        name=f"{'仙台市' if profile == 'sendai' else '神戸市'} SLA",
        contract_start=contract[0],
        contract_end=contract[1],
        version=version,
        effective_from=effective_from or contract[0],
        effective_to=effective_to,
        status=status,
        approved_at=jst(2024, 3, 15, 10) if status == Policy.Status.APPROVED else None,
    )


def batch_item(policy: Policy, number: str = "8", order: int = 8, **kw) -> Item:
    fields = {
        "name": "バッチ処理時間",
        "unit": Item.Unit.HOURS,
        "target_value": Decimal(2),
        "comparison": "le",
        "measurement": Item.Measurement.COMPUTED,
        "period": Item.Period.MONTHLY,
        "rule": "batch_processing_time",
        "rule_params": {"celery_tasks": []},
        "exclusions": "見送り（重複）の実行",
        "method": "夜間ジョブの開始から終了まで",
    }
    fields.update(kw)
    return Item.objects.create(policy=policy, number=number, order=order, **fields)


def manual_item(policy: Policy, number: str = "27", order: int = 27, **kw) -> Item:
    fields = {
        "name": "操作履歴の取得",
        "unit": Item.Unit.PERCENT,
        "target_value": Decimal(100),
        "comparison": "ge",
        "measurement": Item.Measurement.MANUAL,
        "period": Item.Period.MONTHLY,
        "rule": "manual",
    }
    fields.update(kw)
    return Item.objects.create(policy=policy, number=number, order=order, **fields)


def yearly_item(policy: Policy, number: str = "Y1", order: int = 99, **kw) -> Item:
    fields = {
        "name": "年間のバッチ処理時間",
        "unit": Item.Unit.HOURS,
        "target_value": Decimal(2),
        "comparison": "le",
        "measurement": Item.Measurement.COMPUTED,
        "period": Item.Period.YEARLY,
        "rule": "batch_processing_time",
        "rule_params": {"celery_tasks": []},
    }
    fields.update(kw)
    return Item.objects.create(policy=policy, number=number, order=order, **fields)


def nightly_run(start: datetime, minutes: int, status=BackupRun.Status.SUCCEEDED) -> BackupRun:
    return BackupRun.objects.create(
        kind=Generation.Kind.NIGHTLY,
        status=status,
        started_at=start,
        finished_at=start + timedelta(minutes=minutes),
    )


def run_job(report: Report) -> ReportJob:
    job = ReportJob.objects.filter(report=report).order_by("-pk").first()
    services.report_job_execute(job_id=job.pk)
    job.refresh_from_db()
    report.refresh_from_db()
    return job


def pdf_text(data: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return out.stdout.decode()


def workbook(data: bytes):
    from openpyxl import load_workbook

    return load_workbook(BytesIO(data))
