"""Synthetic demo data for the operations registry and routine operations (idempotent)."""

from datetime import timedelta

from core.timeutil import now_jst
from ops import demo_routine
from ops.models import (
    Environment,
    InstalledVersion,
    Licence,
    Patch,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)

SOFTWARE = [
    # name, category, vendor, production version, staging version, support end (years ahead)
    ("Debian GNU/Linux", "os", "Debian Project", "12.8", "12.9", 2),
    ("PostgreSQL", "middleware", "PostgreSQL Global Development Group", "15.10", "15.10", 2),
    ("Redis", "middleware", "Redis Ltd.", "7.0.15", "7.0.15", 2),
    ("nginx", "middleware", "F5", "1.22.1", "1.22.1", 2),
    ("Django", "library", "Django Software Foundation", "5.2.8", "5.2.9", 2),
    ("児童相談システム", "product", "（保守事業者）", "1.4.0", "1.5.0", 4),
]


def seed(*, stdout=None) -> None:
    _seed_registry(stdout)
    demo_routine.seed(stdout=stdout)


def _seed_registry(stdout) -> None:
    if Server.objects.exists():
        return
    today = now_jst().date()
    production = Environment.objects.filter(kind="production").order_by("order").first()
    staging = Environment.objects.exclude(pk=getattr(production, "pk", None)).first()
    if production is None or staging is None:
        return
    servers = [
        Server.objects.create(environment=production, name="ap01", role="AP", os="Debian 12"),
        Server.objects.create(environment=production, name="db01", role="DB", os="Debian 12"),
        Server.objects.create(environment=staging, name="stg01", role="AP/DB", os="Debian 12"),
    ]
    items = {}
    for name, category, vendor, prod, stg, years in SOFTWARE:
        item = SoftwareItem.objects.create(
            name=name,
            category=category,
            vendor=vendor,
            support_ends_on=today.replace(year=today.year + years, month=3, day=31),
        )
        InstalledVersion.objects.create(
            software=item, environment=production, installed_version=prod
        )
        InstalledVersion.objects.create(software=item, environment=staging, installed_version=stg)
        items[name] = item
    Licence.objects.create(
        name="ウイルス対策ソフト（サーバー用）",
        count=3,
        holder="市（情報政策課）",
        expires_on=today + timedelta(days=45),
        warn_days=60,
    )
    for weeks_ago in range(4, 0, -1):
        released = today - timedelta(weeks=weeks_ago)
        for server in servers:
            VirusDefinitionUpdate.objects.create(
                server=server,
                definition_version=f"{released:%Y%m%d}.001",
                released_on=released,
                applied_on=released + timedelta(days=1) if weeks_ago > 1 else None,
            )
    Patch.objects.create(
        software=items["PostgreSQL"],
        identifier="DSA-0001-1",
        title="postgresql-15 のセキュリティ更新（架空）",
        released_on=today - timedelta(days=40),
        verified_on=today - timedelta(days=35),
        verification_result="ok",
        decision="apply",
        applied_on=today - timedelta(days=30),
    )
    Patch.objects.create(
        software=items["Django"],
        identifier="DJ-0002",
        title="Django のセキュリティ更新（架空）",
        released_on=today - timedelta(days=20),
        verified_on=today - timedelta(days=15),
        verification_result="ok",
        decision="apply",
    )
    Patch.objects.create(
        software=items["nginx"],
        identifier="DSA-0003-1",
        title="nginx の更新（架空、HTTP/3 のみ影響）",
        released_on=today - timedelta(days=10),
        decision="not_applicable",
        decision_reason="HTTP/3 を使用していないため影響なし。",
    )
    if stdout:
        stdout.write("ops: 構成管理・セキュリティのデモデータを投入しました")
