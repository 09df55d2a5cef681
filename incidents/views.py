from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import user_has_role
from core.forms import add_service_errors
from core.timeutil import now_jst
from incidents import access, clocks, services
from incidents.forms import (
    AgreeForm,
    ClockStopForm,
    IncidentForm,
    PauseForm,
    RecoverForm,
    TimelineForm,
)
from incidents.models import Incident, MilestoneClock, TimelineEntry


def _now():
    return now_jst().replace(second=0, microsecond=0)


def _clock_rows(incident, now):
    rows = []
    for clock in sorted(incident.clocks.all(), key=lambda c: c.definition.order):
        rows.append(
            {
                "clock": clock,
                "due": clocks.due_at(clock),
                "met": clocks.met(clock),
                "percent": clocks.progress_percent(clock, now),
            }
        )
    return rows


@login_required
def board(request):
    if not access.can_read(request.user):
        raise PermissionDenied
    now = timezone.now()
    open_incidents = list(
        access.incidents_for(request.user)
        .exclude(status=Incident.Status.CLOSED)
        .prefetch_related("clocks__definition", "clocks__intervals")
        .order_by("-aware_at")[:100]
    )
    recent = list(
        access.incidents_for(request.user)
        .filter(status=Incident.Status.CLOSED)
        .order_by("-aware_at")[:20]
    )
    return render(
        request,
        "incidents/board.html",
        {
            "rows": [{"incident": i, "clocks": _clock_rows(i, now)} for i in open_incidents],
            "recent": recent,
            "can_work": access.can_work(request.user),
            "now": now,
        },
    )


@login_required
def incident_new(request):
    if not access.can_work(request.user):
        raise PermissionDenied
    form = IncidentForm(request.POST or None, initial={"aware_at": _now()})
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_open(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"障害 {incident.number} を登録しました。契約上の期限の計測を開始しました。",
            )
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/form.html", {"form": form, "title": "障害の登録"})


@login_required
def incident_detail(request, pk):
    incident = access.get_incident_for_user(request.user, pk)
    now = timezone.now()
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "clocks": _clock_rows(incident, now),
            "now": now,
            "timeline": incident.timeline.select_related("by"),
            "stops": incident.stops.all(),
            "can_work": access.can_work(request.user),
            "stop_form": ClockStopForm(initial={"at": _now()}),
            "timeline_form": TimelineForm(initial={"at": _now()}),
            "recover_form": RecoverForm(initial={"recovered_at": _now()}),
        },
    )


def _work(request, pk):
    if not access.can_work(request.user):
        raise PermissionDenied
    return access.get_incident_for_user(request.user, pk)


@login_required
@require_POST
def clock_stop(request, pk, clock_pk):
    incident = _work(request, pk)
    clock = get_object_or_404(MilestoneClock, pk=clock_pk, incident=incident)
    form = ClockStopForm(request.POST)
    if form.is_valid():
        try:
            clocks.clock_stop(
                clock=clock, at=form.cleaned_data["at"], note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            TimelineEntry.objects.create(
                incident=incident,
                at=form.cleaned_data["at"],
                by=request.user,
                text=f"{clock.definition.stop_event}: {form.cleaned_data['note']}",
            )
            messages.success(request, f"{clock.definition.name} を記録しました。")
    else:
        messages.error(request, "日時と方法・相手を入力してください。")
    return redirect("incidents:detail", pk=pk)


@login_required
@require_POST
def timeline_add(request, pk):
    incident = _work(request, pk)
    form = TimelineForm(request.POST)
    if form.is_valid():
        TimelineEntry.objects.create(incident=incident, by=request.user, **form.cleaned_data)
    else:
        messages.error(request, "日時と内容を入力してください。")
    return redirect("incidents:detail", pk=pk)


@login_required
@require_POST
def recover(request, pk):
    incident = _work(request, pk)
    form = RecoverForm(request.POST)
    if form.is_valid():
        try:
            services.incident_recover(
                incident=incident, recovered_at=form.cleaned_data["recovered_at"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "復旧を記録しました。")
    return redirect("incidents:detail", pk=pk)


@login_required
def report_pdf(request, pk):
    from core.pdf import pdf_response, render_pdf

    incident = access.get_incident_for_user(request.user, pk)
    now = timezone.now()
    data = render_pdf(
        "incidents/print/report.html",
        {
            "incident": incident,
            "clocks": _clock_rows(incident, now),
            "printed_at": now,
            "stops": incident.stops.all(),
            "timeline": incident.timeline.select_related("by"),
        },
    )
    return pdf_response(data, f"障害報告書_{incident.number}.pdf")


@login_required
def incident_edit(request, pk):
    from core.concurrency import ConflictError
    from incidents.forms import IncidentEditForm

    incident = _work(request, pk)
    names = [n for n in IncidentEditForm.base_fields if n != "version"]
    form = IncidentEditForm(
        request.POST or None,
        initial={**{n: getattr(incident, n) for n in names}, "version": incident.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.incident_update(incident=incident, expected_version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            form.add_error(
                None,
                "他の担当者が先に更新しました。画面を開き直してください（入力は保存していません）。",
            )
        else:
            messages.success(request, "障害の内容を更新しました。")
            return redirect("incidents:detail", pk=pk)
    return render(
        request, "incidents/form.html", {"form": form, "title": f"{incident.number} の編集"}
    )


def _clock_of(request, pk, clock_pk):
    incident = _work(request, pk)
    return get_object_or_404(
        MilestoneClock.objects.select_related("definition"), pk=clock_pk, incident=incident
    )


@login_required
@require_POST
def clock_pause(request, pk, clock_pk):

    clock = _clock_of(request, pk, clock_pk)
    form = PauseForm(request.POST)
    if form.is_valid():
        try:
            clocks.clock_pause(
                clock=clock,
                at=form.cleaned_data["at"],
                reason=form.cleaned_data["reason"],
                approver=form.cleaned_data["approver"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, "一時停止には日時・理由・承認者が必要です。")
    return redirect("incidents:detail", pk=pk)


@login_required
@require_POST
def clock_resume(request, pk, clock_pk):
    clock = _clock_of(request, pk, clock_pk)
    try:
        clocks.clock_resume(clock=clock, at=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("incidents:detail", pk=pk)


@login_required
@require_POST
def agree_recovery(request, pk):

    incident = _work(request, pk)
    form = AgreeForm(request.POST)
    if form.is_valid():
        try:
            services.recovery_target_agree(
                incident=incident, at=timezone.now(), **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "復旧目標を記録しました。")
    else:
        messages.error(request, "合意した復旧目標を入力してください。")
    return redirect("incidents:detail", pk=pk)


@login_required
@require_POST
def clock_confirm(request, pk, clock_pk):

    if not user_has_role(request.user, roles.CITY_ADMIN):
        raise PermissionDenied
    incident = access.get_incident_for_user(request.user, pk)
    clock = get_object_or_404(
        MilestoneClock.objects.select_related("definition"), pk=clock_pk, incident=incident
    )
    try:
        services.clock_confirm(clock=clock, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{clock.definition.name} を確認しました。")
    return redirect("incidents:detail", pk=pk)


@login_required
def planned_stops(request):
    from incidents.forms import PlannedStopForm
    from incidents.models import PlannedStop

    if not access.can_read(request.user):
        raise PermissionDenied
    form = PlannedStopForm(request.POST or None)
    if request.method == "POST":
        if not access.can_work(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.planned_stop_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "計画停止を登録しました。市の承認を待っています。")
                return redirect("incidents:planned_stops")
    return render(
        request,
        "incidents/planned_stops.html",
        {
            "form": form,
            "stops": PlannedStop.objects.select_related("approved_by", "created_by")[:100],
            "can_work": access.can_work(request.user),
            "can_approve": user_has_role(request.user, roles.CITY_ADMIN),
        },
    )


@login_required
@require_POST
def planned_stop_approve(request, stop_pk):
    from incidents.models import PlannedStop

    if not user_has_role(request.user, roles.CITY_ADMIN):
        raise PermissionDenied
    try:
        services.planned_stop_approve(
            planned_stop=get_object_or_404(PlannedStop, pk=stop_pk), user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("incidents:planned_stops")


@login_required
def incident_by_number(request, number):
    """Other apps (e.g. a malware detection in ops) refer to an incident by its number."""
    if not access.can_read(request.user):
        raise PermissionDenied
    incident = access.incidents_for(request.user).filter(number=number).first()
    if incident is None:
        raise Http404
    return redirect("incidents:detail", pk=incident.pk)
