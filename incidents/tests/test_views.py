"""Incident screens: who may see and work them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(vendor_operator):
    return services.incident_open(
        actor=vendor_operator, source="city", title="帳票が出ない", aware_at=timezone.now()
    )


def test_vendor_staff_work_incidents_city_admins_read_and_caseworkers_see_nothing(
    client, incident, vendor_operator, city_admin, caseworker
):
    client.force_login(vendor_operator)
    assert incident.number in client.get(reverse("incidents:board")).content.decode()
    client.force_login(city_admin)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert incident.title in page and "記録する" not in page
    assert client.post(reverse("incidents:recover", args=[incident.pk]), {}).status_code == 403
    client.force_login(caseworker)
    assert client.get(reverse("incidents:board")).status_code == 403
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 403


def test_board_lists_every_open_incident_with_its_milestones(client, vendor_operator, settings):
    settings.CITY_PROFILE = "sendai"
    for i in range(3):
        services.incident_open(
            actor=vendor_operator, source="vendor", title=f"障害{i}", aware_at=timezone.now()
        )
    client.force_login(vendor_operator)
    page = client.get(reverse("incidents:board")).content.decode()
    assert page.count('data-milestone="first_report"') == 3


def test_caseworkers_see_a_banner_while_a_function_is_stopped(client, incident, caseworker):
    client.force_login(caseworker)
    assert "停止しています" not in client.get(reverse("home")).content.decode()
    services.stop_add(incident=incident, started_at=incident.aware_at, functions="児童記録票の印刷")
    from django.core.cache import cache

    cache.delete("incidents:banners")
    page = client.get(reverse("home")).content.decode()
    assert "児童記録票の印刷が停止しています" in page


def test_the_incident_report_pdf_shows_milestones_and_the_timeline(
    client, vendor_operator, settings, time_machine
):
    import subprocess

    from incidents import clocks
    from incidents.models import TimelineEntry

    settings.CITY_PROFILE = "sendai"
    time_machine.move_to("2026-12-01 10:40 +0900")
    incident = services.incident_open(
        actor=vendor_operator,
        source="city",
        title="帳票が出ない",
        aware_at=timezone.now() - timedelta(minutes=40),
    )
    clock = incident.clocks.get(definition__code="first_report")
    clocks.clock_stop(clock=clock, at=incident.aware_at + timedelta(minutes=20), note="電話")
    TimelineEntry.objects.create(
        incident=incident, at=timezone.now(), by=vendor_operator, text="印刷サーバを再起動"
    )
    client.force_login(vendor_operator)
    response = client.get(reverse("incidents:report_pdf", args=[incident.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "障害報告書兼復旧完了報告書" in text
    assert "第一報" in text and "達成" in text
    assert "印刷サーバを再起動" in text


@pytest.mark.parametrize("count", [1, 6])
def test_board_queries_do_not_grow_with_incidents(
    client, vendor_operator, django_assert_max_num_queries, count
):
    for i in range(count):
        services.incident_open(
            actor=vendor_operator, source="vendor", title=f"障害{i}", aware_at=timezone.now()
        )
    client.force_login(vendor_operator)
    client.get(reverse("incidents:board"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("incidents:board")).status_code == 200


def test_vendor_staff_edit_an_incident_and_a_stale_form_is_refused(
    client, incident, vendor_operator
):
    client.force_login(vendor_operator)
    url = reverse("incidents:edit", args=[incident.pk])
    form = {
        "title": incident.title,
        "severity": 2,
        "aware_at": timezone.localtime(incident.aware_at).strftime("%Y-%m-%dT%H:%M"),
        "cause": "証明書の期限切れ",
        "version": incident.version,
    }
    assert client.post(url, form).status_code == 302
    incident.refresh_from_db()
    assert incident.cause == "証明書の期限切れ"
    page = client.post(url, {**form, "cause": "別の原因"})
    assert "他の担当者が先に更新しました" in page.content.decode()


def test_pause_resume_agreed_recovery_and_city_confirmation(
    client, vendor_operator, city_admin, settings
):
    from accounts import roles
    from incidents.models import MilestoneClock

    settings.CITY_PROFILE = "sendai"
    manager = type(vendor_operator).objects.create_user(
        "700999", password="x" * 16, name="試験 責任者", name_kana="シケン セキニンシャ"
    )
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get_or_create(name=roles.VENDOR_MANAGER)[0])
    incident = services.incident_open(
        actor=vendor_operator,
        source="city",
        title="停止",
        aware_at=timezone.now() - timedelta(minutes=10),
    )
    clock = incident.clocks.get(definition__code="first_report")
    client.force_login(vendor_operator)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("incidents:clock_pause", args=[incident.pk, clock.pk]),
        {"at": now, "reason": "市の担当者不在", "approver": manager.pk},
    )
    clock.refresh_from_db()
    assert clock.state == MilestoneClock.State.PAUSED
    client.post(reverse("incidents:clock_resume", args=[incident.pk, clock.pk]))
    clock.refresh_from_db()
    assert clock.state == MilestoneClock.State.RUNNING
    later = (timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("incidents:agree_recovery", args=[incident.pk]),
        {"agreed_due_at": later, "note": "電話 試験氏"},
    )
    recovery = incident.clocks.get(definition__code="recovery")
    assert recovery.agreed_due_at is not None

    client.force_login(city_admin)
    client.post(reverse("incidents:clock_confirm", args=[incident.pk, recovery.pk]))
    recovery.refresh_from_db()
    assert recovery.confirmed_by == city_admin
    client.force_login(vendor_operator)
    assert (
        client.post(reverse("incidents:clock_confirm", args=[incident.pk, recovery.pk])).status_code
        == 403
    )

    services.incident_recover(incident=incident, recovered_at=timezone.now())
    recovery.refresh_from_db()
    assert recovery.state == MilestoneClock.State.STOPPED


def test_planned_stops_are_registered_by_the_vendor_and_approved_by_the_city(
    client, vendor_operator, city_admin
):
    from incidents.models import PlannedStop

    client.force_login(vendor_operator)
    start = timezone.localtime() + timedelta(days=3)
    client.post(
        reverse("incidents:planned_stops"),
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "OSパッチ適用",
        },
    )
    stop = PlannedStop.objects.get()
    assert stop.approved_at is None
    assert client.post(reverse("incidents:planned_stop_approve", args=[stop.pk])).status_code == 403
    client.force_login(city_admin)
    client.post(reverse("incidents:planned_stop_approve", args=[stop.pk]))
    stop.refresh_from_db()
    assert stop.approved_by == city_admin
    past = client.post(
        reverse("incidents:planned_stops"),
        {"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00", "reason": "過去"},
    )
    assert past.status_code == 403  # city admins approve; vendors register


def test_two_incidents_share_a_problem_through_the_edit_form(client, vendor_operator):
    from incidents.models import Problem

    problem = Problem.objects.create(title="証明書更新手順の漏れ")
    first = services.incident_open(
        actor=vendor_operator, source="vendor", title="ログイン不可1", aware_at=timezone.now()
    )
    client.force_login(vendor_operator)
    form = {
        "title": first.title,
        "severity": 3,
        "aware_at": timezone.localtime(first.aware_at).strftime("%Y-%m-%dT%H:%M"),
        "problem": problem.pk,
        "version": first.version,
    }
    assert client.post(reverse("incidents:edit", args=[first.pk]), form).status_code == 302
    assert list(problem.incidents.all()) == [first]
