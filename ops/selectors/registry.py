"""構成管理・ライセンス・文書・リリース、ウイルス定義・パッチ・マルウェア検知.

Reads for the registry and security pages, the due-date warnings, and the SLA items
#28 (virus definitions applied ≤ 7 days after release) and #29 (patches applied ≤ 30 days
after release, verified first).

SLA rule used by ``virus_definitions_on_time`` / ``patches_on_time``: a row counts in the
period its due date (release + 7 / 30 days) falls in, so each row is judged exactly once.
It is met when applied on or before the due date (for patches also when decided 不適用,
which needs a reason); a row still open whose due date has passed is missed; a row still
open and not yet due (the period is still running) is not counted yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from core.timeutil import to_jst
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

WARN_WITHIN_DAYS = 3
SUPPORT_WARN_DAYS = 180


def today_jst(now: datetime | None = None) -> date:
    return to_jst(now or timezone.now()).date()


# --- configuration ------------------------------------------------------------------------


def environments() -> QuerySet[Environment]:
    return Environment.objects.order_by("order", "code")


def environment_by_code(code: str) -> Environment | None:
    return Environment.objects.filter(code=code).first()


def servers() -> QuerySet[Server]:
    return Server.objects.select_related("environment").order_by(
        "environment__order", "environment__code", "name"
    )


def software_items(*, q: str = "", category: str = "") -> QuerySet[SoftwareItem]:
    qs = SoftwareItem.objects.order_by("category", "name", "pk")
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(vendor__icontains=q))
    return qs


def software_rows(
    items: list[SoftwareItem], envs: list[Environment], *, today: date | None = None
) -> list[dict]:
    """One row per software item with its installed version in each environment, side by side
    (one query for all of them)."""
    today = today or today_jst()
    installed = {
        (v.software_id, v.environment_id): v
        for v in InstalledVersion.objects.filter(software__in=[s.pk for s in items])
    }
    rows = []
    for item in items:
        versions = [installed.get((item.pk, env.pk)) for env in envs]
        present = {v.installed_version for v in versions if v is not None}
        support = None
        if item.support_ends_on:
            if item.support_ends_on < today:
                support = "ended"
            elif item.support_ends_on <= today + timedelta(days=SUPPORT_WARN_DAYS):
                support = "soon"
        rows.append(
            {
                "software": item,
                "versions": versions,
                "differs": len(present) > 1 or (bool(present) and None in versions),
                "support": support,
            }
        )
    return rows


def licence_state(licence: Licence, today: date) -> str:
    """ "overdue" (expired), "today" (expires today), "soon" (inside the licence's warning
    days) or "" (fine, or no expiry)."""
    if licence.expires_on is None:
        return ""
    return due_state(licence.expires_on, today, within_days=licence.warn_days)


def licences(*, today: date | None = None) -> list[dict]:
    today = today or today_jst()
    return [
        {"licence": lic, "state": licence_state(lic, today), "warn_from": lic.warn_from}
        for lic in Licence.objects.select_related("software").order_by("expires_on", "name", "pk")
    ]


def documents() -> QuerySet[Document]:
    return Document.objects.order_by("kind", "title", "-issued_on", "pk")


def releases() -> QuerySet[Release]:
    return Release.objects.select_related("environment", "software", "created_by").order_by(
        "-released_at", "-pk"
    )


# --- security -----------------------------------------------------------------------------


def due_state(due_on: date, today: date, *, within_days: int = WARN_WITHIN_DAYS) -> str:
    """ "overdue" (past the due date), "today" (the due date), "soon" (within N days) or ""."""
    if today > due_on:
        return "overdue"
    if today == due_on:
        return "today"
    if due_on - today <= timedelta(days=within_days):
        return "soon"
    return ""


def virus_status_by_server(*, today: date | None = None) -> list[dict]:
    """Per active server: the newest definition recorded, and its open (unapplied) ones."""
    today = today or today_jst()
    server_list = list(servers().filter(active=True))
    newest = {
        row.server_id: row
        for row in VirusDefinitionUpdate.objects.filter(server__in=server_list)
        .order_by("server_id", "-released_on", "-pk")
        .distinct("server_id")
    }
    pending = {
        row["server_id"]: row
        for row in VirusDefinitionUpdate.objects.filter(
            server__in=server_list, applied_on__isnull=True
        )
        .values("server_id")
        .annotate(n=Count("pk"), oldest=Min("released_on"))
    }
    rows = []
    for server in server_list:
        open_row = pending.get(server.pk)
        oldest_due = (
            open_row["oldest"] + timedelta(days=VIRUS_DEFINITION_DAYS) if open_row else None
        )
        rows.append(
            {
                "server": server,
                "newest": newest.get(server.pk),
                "open_count": open_row["n"] if open_row else 0,
                "oldest_due": oldest_due,
                "state": due_state(oldest_due, today) if oldest_due else "",
            }
        )
    return rows


def virus_definitions(*, open_only: bool = False) -> QuerySet[VirusDefinitionUpdate]:
    qs = VirusDefinitionUpdate.objects.select_related("server__environment", "covered_by").order_by(
        "-released_on", "-pk"
    )
    if open_only:
        qs = qs.filter(applied_on__isnull=True)
    return qs


PATCH_FILTERS = ("open", "overdue", "all")


def _open_patches() -> Q:
    return Q(applied_on__isnull=True) & ~Q(decision=Patch.Decision.NOT_APPLICABLE)


def patches(*, state: str = "open", q: str = "", today: date | None = None) -> QuerySet[Patch]:
    today = today or today_jst()
    qs = Patch.objects.select_related("software")
    if state == "open":
        qs = qs.filter(_open_patches()).order_by("released_on", "pk")
    elif state == "overdue":
        qs = qs.filter(
            _open_patches(), released_on__lt=today - timedelta(days=PATCH_DAYS)
        ).order_by("released_on", "pk")
    else:
        qs = qs.order_by("-released_on", "-pk")
    if q:
        qs = qs.filter(
            Q(identifier__icontains=q) | Q(title__icontains=q) | Q(software__name__icontains=q)
        )
    return qs


def patch_state(patch: Patch, today: date) -> dict:
    """What the security page shows for a patch: a label and whether it is late/soon."""
    if patch.decision == Patch.Decision.NOT_APPLICABLE:
        return {"label": Patch.Decision.NOT_APPLICABLE.label, "due": "", "closed": True}
    if patch.applied_on:
        late = patch.applied_on > patch.due_on
        return {
            "label": "適用済み（期限超過）" if late else "適用済み",
            "due": "late" if late else "",
            "closed": True,
        }
    if patch.decision == Patch.Decision.HOLD:
        label = "保留"
    elif patch.verified_on:
        label = "検証済み・本番未適用"
    else:
        label = "未検証"
    return {"label": label, "due": due_state(patch.due_on, today), "closed": False}


def detections() -> QuerySet[MalwareDetection]:
    return MalwareDetection.objects.select_related("server__environment").order_by(
        "-detected_at", "-pk"
    )


# --- due-date warnings --------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    kind: str  # "virus_definition" | "patch" | "licence"
    obj: object
    due_on: date
    state: str  # "overdue" | "today" | "soon"
    label: str

    @property
    def object_id(self) -> int:
        return self.obj.pk

    @property
    def level(self) -> str:
        """The warning level for mail: "due" on or after the due date, else "before"."""
        return "before" if self.state == "soon" else "due"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


KIND_LABELS = {
    "virus_definition": "ウイルス定義",
    "patch": "パッチ",
    "licence": "ライセンス",
}


def _due_virus(today: date, within_days: int):
    horizon = today + timedelta(days=within_days)
    return VirusDefinitionUpdate.objects.filter(
        applied_on__isnull=True,
        released_on__lte=horizon - timedelta(days=VIRUS_DEFINITION_DAYS),
        server__active=True,
    ).order_by("released_on", "pk")


def _due_patches(today: date, within_days: int):
    horizon = today + timedelta(days=within_days)
    return Patch.objects.filter(
        _open_patches(), released_on__lte=horizon - timedelta(days=PATCH_DAYS)
    ).order_by("released_on", "pk")


def _due_rows(today: date, within_days: int, limit: int | None):
    virus = [
        DueItem(
            "virus_definition",
            row,
            row.due_on,
            due_state(row.due_on, today, within_days=within_days),
            f"{row.server.name}: {row.definition_version}",
        )
        for row in _due_virus(today, within_days).select_related("server")[:limit]
    ]
    patches = [
        DueItem(
            "patch",
            row,
            row.due_on,
            due_state(row.due_on, today, within_days=within_days),
            f"{row.software.name}: {row.identifier} {row.title}",
        )
        for row in _due_patches(today, within_days).select_related("software")[:limit]
    ]
    licences = []
    for lic in Licence.objects.filter(expires_on__isnull=False):
        state = due_state(lic.expires_on, today, within_days=lic.warn_days)
        if state:
            licences.append(
                DueItem("licence", lic, lic.expires_on, state, f"{lic.name}（{lic.holder}）")
            )
    return virus, patches, licences


def _most_urgent(*groups, limit: int | None) -> list[DueItem]:
    items = sorted(
        (item for group in groups for item in group),
        key=lambda i: (i.due_on, i.kind, i.object_id),
    )
    return items[:limit]


def due_items(*, within_days: int = WARN_WITHIN_DAYS, today: date | None = None) -> list[DueItem]:
    """Open virus definitions and patches due within ``within_days`` days or overdue, and
    licences inside their own warning days (or expired), most urgent first."""
    today = today or today_jst()
    return _most_urgent(*_due_rows(today, within_days, None), limit=None)


def due_summary(
    *, today: date | None = None, limit: int = 20, within_days: int = WARN_WITHIN_DAYS
) -> tuple[list[DueItem], int]:
    """The ``limit`` most urgent due items and how many there are in all (for the pages;
    the same five queries however many there are)."""
    today = today or today_jst()
    virus, patches, licences = _due_rows(today, within_days, limit)
    total = (
        _due_virus(today, within_days).count()
        + _due_patches(today, within_days).count()
        + len(licences)
    )
    return _most_urgent(virus, patches, licences, limit=limit), total


# --- SLA #28 / #29 ------------------------------------------------------------------------


@dataclass
class OnTimeResult:
    counted: int = 0
    met: int = 0
    missed: list = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        """Percent met, or None when nothing was counted."""
        return None if self.counted == 0 else self.met / self.counted * 100

    @property
    def misses(self) -> list:
        return self.missed


def virus_definitions_on_time(
    start: date, end: date, *, now: datetime | None = None
) -> OnTimeResult:
    """SLA #28: definitions due in [start, end] applied within 7 days of release."""
    today = today_jst(now)
    shift = timedelta(days=VIRUS_DEFINITION_DAYS)
    result = OnTimeResult()
    for row in (
        VirusDefinitionUpdate.objects.filter(
            released_on__gte=start - shift, released_on__lte=end - shift
        )
        .select_related("server")
        .order_by("released_on", "pk")
    ):
        if row.applied_on is not None:
            result.counted += 1
            if row.applied_on <= row.due_on:
                result.met += 1
            else:
                result.missed.append(row)
        elif today > row.due_on:
            result.counted += 1
            result.missed.append(row)
    return result


def patches_on_time(start: date, end: date, *, now: datetime | None = None) -> OnTimeResult:
    """SLA #29: patches due in [start, end] applied in 本番 within 30 days of release, or
    decided 不適用 (with its reason)."""
    today = today_jst(now)
    shift = timedelta(days=PATCH_DAYS)
    result = OnTimeResult()
    for row in (
        Patch.objects.filter(released_on__gte=start - shift, released_on__lte=end - shift)
        .select_related("software")
        .order_by("released_on", "pk")
    ):
        if row.decision == Patch.Decision.NOT_APPLICABLE:
            result.counted += 1
            result.met += 1
        elif row.applied_on is not None:
            result.counted += 1
            if row.applied_on <= row.due_on:
                result.met += 1
            else:
                result.missed.append(row)
        elif today > row.due_on:
            result.counted += 1
            result.missed.append(row)
    return result
