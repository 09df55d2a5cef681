"""Writes of incidents: open (clocks start), stops, recovery, planned stops, monitoring."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.numbering import next_sequence
from core.profiles import current_profile
from core.timeutil import fiscal_year, reiwa, to_jst
from incidents import clocks
from incidents.models import (
    HealthSample,
    Incident,
    MilestoneDefinition,
    PlannedStop,
    StopInterval,
    TimelineEntry,
)

START_ON_AWARENESS = ("認知", "検知", "障害発生")
MONITORED = ("database", "redis", "celery_worker", "celery_beat")
OUTAGE_MINUTES = 3  # consecutive failed samples before monitoring opens an incident


def milestones_in_force(on: datetime):
    day = to_jst(on).date()
    return MilestoneDefinition.objects.filter(
        profile=current_profile().code, valid_from__lte=day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


@transaction.atomic
def incident_open(
    *,
    actor,
    source: str,
    title: str,
    aware_at: datetime,
    severity: int = 3,
    kind: str = Incident.Kind.FAILURE,
    affected_functions: str = "",
    scope: str = "",
    monitored_component: str = "",
) -> Incident:
    if not (title or "").strip():
        raise ValidationError({"title": _("件名を入力してください。")})
    if aware_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"aware_at": _("認知日時が未来になっています。")})
    fy = fiscal_year(aware_at)
    seq = next_sequence(Incident, fy)
    incident = Incident.objects.create(
        number=f"I{reiwa(fy)}-{seq:04d}",
        fiscal_year=fy,
        sequence=seq,
        source=source,
        title=title.strip(),
        aware_at=aware_at,
        severity=severity,
        kind=kind,
        affected_functions=affected_functions,
        scope=scope,
        created_by=actor,
        monitored_component=monitored_component,
    )
    for definition in milestones_in_force(aware_at).filter(start_event__in=START_ON_AWARENESS):
        if definition.unit != MilestoneDefinition.Unit.AGREED:
            clocks.clock_start(incident=incident, definition=definition, at=aware_at)
    return incident


@transaction.atomic
def stop_add(
    *,
    incident: Incident,
    started_at: datetime,
    ended_at: datetime | None = None,
    partial: bool = False,
    functions: str = "",
    city_network: bool = False,
) -> StopInterval:
    if ended_at is not None and ended_at <= started_at:
        raise ValidationError(
            {"ended_at": _("停止終了が停止開始より前（または同時）になっています。")}
        )
    overlapping = incident.stops.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=started_at),
        **({"started_at__lt": ended_at} if ended_at else {}),
    )
    if overlapping.exists():
        raise ValidationError(_("この障害の別の停止区間と重なっています。"))
    return StopInterval.objects.create(
        incident=incident,
        started_at=started_at,
        ended_at=ended_at,
        partial=partial,
        functions=functions,
        city_network=city_network,
    )


@transaction.atomic
def incident_recover(*, incident: Incident, recovered_at: datetime) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if recovered_at < incident.aware_at:
        raise ValidationError({"recovered_at": _("復旧日時が認知日時より前になっています。")})
    for stop in incident.stops.filter(ended_at__isnull=True):
        if recovered_at <= stop.started_at:
            raise ValidationError({"recovered_at": _("復旧日時が停止開始より前になっています。")})
        stop.ended_at = recovered_at
        stop.save(update_fields=["ended_at"])
    for clock in incident.clocks.filter(definition__unit=MilestoneDefinition.Unit.AGREED).exclude(
        state="stopped"
    ):
        clocks.clock_stop(clock=clock, at=recovered_at, note="復旧")
    incident.recovered_at = recovered_at
    incident.status = Incident.Status.RECOVERED
    incident.version += 1
    incident.save(update_fields=["recovered_at", "status", "version"])
    return incident


@transaction.atomic
def planned_stop_create(
    *, actor, starts_at: datetime, ends_at: datetime, reason: str
) -> PlannedStop:
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("計画停止の開始が過去になっています。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("終了予定が開始予定より前です。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("理由を入力してください。")})
    return PlannedStop.objects.create(
        starts_at=starts_at, ends_at=ends_at, reason=reason.strip(), created_by=actor
    )


# --- monitoring -----------------------------------------------------------------------------


def health_sample_record(*, now: datetime | None = None, results=None) -> list[HealthSample]:
    """Store one minute's checks (idempotent per minute), then open or recover incidents."""
    from core.health import run_checks

    now = (now or timezone.now()).replace(second=0, microsecond=0)
    results = results if results is not None else run_checks()
    samples = [
        HealthSample(at=now, component=r.name, ok=r.ok, detail=r.detail[:200]) for r in results
    ]
    HealthSample.objects.bulk_create(samples, ignore_conflicts=True)
    for component in MONITORED:
        _watch(component, now)
    return samples


def _watch(component: str, now: datetime) -> None:
    recent = list(
        HealthSample.objects.filter(component=component, at__lte=now)
        .order_by("-at")
        .values_list("at", "ok")[:OUTAGE_MINUTES]
    )
    open_incident = Incident.objects.filter(
        monitored_component=component, recovered_at__isnull=True
    ).first()
    if recent and recent[0][1] and open_incident is not None:
        incident_recover(incident=open_incident, recovered_at=recent[0][0])
        return
    if open_incident is not None or len(recent) < OUTAGE_MINUTES or any(ok for _at, ok in recent):
        return
    last_ok = (
        HealthSample.objects.filter(component=component, ok=True, at__lt=now)
        .order_by("-at")
        .first()
    )
    first_failure = (
        HealthSample.objects.filter(
            component=component,
            ok=False,
            at__gt=last_ok.at if last_ok else now - timedelta(days=3650),
        )
        .order_by("at")
        .first()
    )
    with transaction.atomic():
        incident = incident_open(
            actor=None,
            source=Incident.Source.MONITORING,
            title=f"監視: {component} の応答なし",
            aware_at=first_failure.at,
            severity=2,
            affected_functions=component,
            monitored_component=component,
        )
        stop_add(incident=incident, started_at=first_failure.at, functions=component)


# --- warnings -------------------------------------------------------------------------------


def send_clock_warnings(*, now: datetime | None = None) -> int:
    """Warn the on-call vendor staff at 75 % and 100 % of each running deadline, once each."""
    from django.core.mail import send_mail
    from django.db import IntegrityError

    from accounts.selectors import vendor_staff_emails
    from incidents.models import ClockWarning, MilestoneClock

    now = now or timezone.now()
    staff = vendor_staff_emails()
    sent = 0
    for clock in MilestoneClock.objects.filter(state=MilestoneClock.State.RUNNING).select_related(
        "definition", "incident"
    ):
        percent = clocks.progress_percent(clock, now)
        if percent is None:
            continue
        for level in clocks.warning_levels():
            if percent < level:
                continue
            try:
                with transaction.atomic():
                    ClockWarning.objects.create(
                        clock=clock, level=level, recipients=",".join(staff)
                    )
            except IntegrityError:
                continue  # already sent (beat ran twice, or restarted)
            due = clocks.due_at(clock)
            word = "期限超過" if level >= 100 else f"期限の{level}%経過"
            send_mail(
                subject=f"【{word}】{clock.incident.number} {clock.definition.name}",
                message=(
                    f"{clock.incident.number} {clock.incident.title}\n"
                    f"{clock.definition.name} の期限: {to_jst(due):%Y/%m/%d %H:%M}\n"
                ),
                from_email=None,
                recipient_list=staff,
                fail_silently=True,
            )
            sent += 1
    return sent


# --- security ------------------------------------------------------------------------------

FAILED_LOGIN_THRESHOLD = (
    50  # failed logins in 24 hours that make a suspicion of unauthorised access
)


def security_check_failed_logins(
    *, now: datetime | None = None, threshold: int = FAILED_LOGIN_THRESHOLD
):
    """Daily: open one security incident when failed logins or lockouts pass the threshold."""
    from axes.models import AccessAttempt, AccessFailureLog

    now = now or timezone.now()
    since = now - timedelta(hours=24)
    failures = AccessFailureLog.objects.filter(attempt_time__gte=since).count()
    locked = AccessAttempt.objects.filter(attempt_time__gte=since).count()
    if failures < threshold:
        return None
    day = to_jst(now).date()
    title = f"不正アクセスの疑い: {day:%Y/%m/%d} までの24時間にログイン失敗 {failures} 件"
    if Incident.objects.filter(
        kind=Incident.Kind.SECURITY, monitored_component=f"axes:{day}"
    ).exists():
        return None  # one per day, whatever runs twice
    return incident_open(
        actor=None,
        source=Incident.Source.MONITORING,
        title=title,
        aware_at=now,
        severity=2,
        kind=Incident.Kind.SECURITY,
        scope=f"ロックされたアカウント等 {locked} 件",
        monitored_component=f"axes:{day}",
    )


EDITABLE = (
    "title",
    "severity",
    "affected_functions",
    "scope",
    "cause",
    "vendor_caused",
    "countermeasure",
    "prevention",
    "onsite_needed",
    "onsite_arrived_at",
    "aware_at",
    "investigation_result",
    "reported_to_city_at",
    "problem",
)


@transaction.atomic
def incident_update(*, incident: Incident, expected_version: int, **fields) -> Incident:
    """Edit an incident. A corrected awareness time moves the clocks that start at
    awareness with it (their first interval and elapsed minutes are recomputed)."""
    from django.db.models import Sum

    from core.concurrency import update_with_version
    from incidents.models import ClockInterval

    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    aware_at = fields.get("aware_at", incident.aware_at)
    if aware_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"aware_at": _("認知日時が未来になっています。")})
    if incident.recovered_at and aware_at > incident.recovered_at:
        raise ValidationError({"aware_at": _("認知日時が復旧日時より後になっています。")})
    if fields.get("onsite_arrived_at") and fields["onsite_arrived_at"] < aware_at:
        raise ValidationError({"onsite_arrived_at": _("現地到着が認知日時より前になっています。")})
    moving = incident.clocks.filter(definition__start_event__in=START_ON_AWARENESS).select_related(
        "definition"
    )
    if aware_at != incident.aware_at:
        for clock in moving:
            first = clock.intervals.order_by("started_at").first()
            if first and first.ended_at and first.ended_at < aware_at:
                raise ValidationError(
                    {
                        "aware_at": _("「%(name)s」の記録より後の認知日時にはできません。")
                        % {"name": clock.definition.name}
                    }
                )
    updated = update_with_version(incident, expected_version=expected_version, fields=fields)
    if aware_at != incident.aware_at:
        for clock in moving:
            first = clock.intervals.order_by("started_at").first()
            clock.started_at = aware_at
            if first:
                first.started_at = aware_at
                if first.ended_at:
                    first.minutes = clocks.interval_minutes(
                        clock.definition, aware_at, first.ended_at
                    )
                first.save()
            clock.elapsed_minutes = (
                ClockInterval.objects.filter(clock=clock, ended_at__isnull=False).aggregate(
                    t=Sum("minutes")
                )["t"]
                or 0
            )
            clock.save(update_fields=["started_at", "elapsed_minutes"])
    return updated


@transaction.atomic
def recovery_target_agree(
    *, incident: Incident, agreed_due_at: datetime, at: datetime, note: str = ""
):
    """Start the recovery clock with the target agreed with the city at the time."""
    from incidents.models import TimelineEntry

    definition = (
        milestones_in_force(incident.aware_at).filter(unit=MilestoneDefinition.Unit.AGREED).first()
    )
    if definition is None:
        raise ValidationError(_("この自治体の契約には、都度合意する復旧目標がありません。"))
    if incident.clocks.filter(definition=definition).exists():
        raise ValidationError(_("復旧目標は既に合意済みです。"))
    if agreed_due_at <= at:
        raise ValidationError(
            {"agreed_due_at": _("合意した復旧目標が合意日時より前になっています。")}
        )
    clock = clocks.clock_start(
        incident=incident,
        definition=definition,
        at=max(at, incident.aware_at),
        agreed_due_at=agreed_due_at,
    )
    TimelineEntry.objects.create(
        incident=incident,
        at=at,
        text=f"復旧目標を合意: {to_jst(agreed_due_at):%m/%d %H:%M} {note}".strip(),
    )
    return clock


@transaction.atomic
def clock_confirm(*, clock, user):
    """The city's confirmation of a recorded notification or an agreed target."""
    if clock.confirmed_at is not None:
        raise ValidationError(_("既に確認済みです。"))
    if (
        clock.state != clock.State.STOPPED
        and clock.definition.unit != MilestoneDefinition.Unit.AGREED
    ):
        raise ValidationError(_("記録される前の期限は確認できません。"))
    clock.confirmed_by, clock.confirmed_at = user, timezone.now()
    clock.save(update_fields=["confirmed_by", "confirmed_at"])
    return clock


@transaction.atomic
def planned_stop_approve(*, planned_stop: PlannedStop, user) -> PlannedStop:
    if planned_stop.approved_at is not None:
        raise ValidationError(_("既に承認済みです。"))
    planned_stop.approved_by, planned_stop.approved_at = user, timezone.now()
    planned_stop.save(update_fields=["approved_by", "approved_at"])
    return planned_stop


# --- alerts from other apps (core.alerts) ----------------------------------------------


def alert_handle(alert) -> str | None:
    """Open a monitoring incident for a failure (or add to the open one of that component),
    close it when the component reports recovery, and record notices on the timeline."""
    component = f"alert:{alert.component}"[:30]
    if alert.level == "notice":
        incident = (
            Incident.objects.filter(number=alert.incident_number).first()
            if alert.incident_number
            else None
        )
        with transaction.atomic():
            if incident is None:
                incident = incident_open(
                    actor=None,
                    source=Incident.Source.CITY,
                    title=alert.title[:200],
                    aware_at=alert.at,
                    severity=3,
                    affected_functions=alert.component,
                )
            TimelineEntry.objects.create(incident=incident, at=alert.at, text=alert.detail[:5000])
        return incident.number
    open_incident = Incident.objects.filter(
        monitored_component=component, recovered_at__isnull=True
    ).first()
    if alert.level == "recovered":
        if open_incident is not None:
            with transaction.atomic():
                TimelineEntry.objects.create(
                    incident=open_incident,
                    at=alert.at,
                    text=f"{alert.title}\n{alert.detail}"[:5000],
                )
                incident_recover(incident=open_incident, recovered_at=alert.at)
            return open_incident.number
        return None
    with transaction.atomic():
        if open_incident is None:
            open_incident = incident_open(
                actor=None,
                source=Incident.Source.MONITORING,
                title=f"監視: {alert.title}"[:200],
                aware_at=alert.at,
                severity=3,
                affected_functions=alert.component,
                monitored_component=component,
            )
        TimelineEntry.objects.create(
            incident=open_incident, at=alert.at, text=f"{alert.title}\n{alert.detail}"[:5000]
        )
    return open_incident.number
