"""The handover export's workflow: two people, one job at a time, restart, who may do what."""

# ruff: noqa: F811 - fixtures imported from ops.tests.handover_support are parameters here

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from ops.models.handover import HandoverExport
from ops.services import handover as services
from ops.services import handover_archive as archive
from ops.tests.handover_support import (  # noqa: F401 - fixtures
    approved_export,
    city_admin_b,
    handover_env,
    published,
)

Status = HandoverExport.Status
pytestmark = pytest.mark.django_db


def _jobs():
    return list(
        OutboxMessage.objects.filter(task_name=services.TASK_NAME).values_list("args", flat=True)
    )


# --- two-person rule ----------------------------------------------------------------------


def test_a_request_by_one_city_admin_is_approved_by_another(city_admin, city_admin_b):
    export = services.handover_request(actor=city_admin, encoding="cp932", reason="次期事業者へ")
    assert export.status == Status.REQUESTED

    export = services.handover_approve(export=export, actor=city_admin_b)

    export.refresh_from_db()
    assert export.status == Status.APPROVED
    assert export.approved_by == city_admin_b
    assert export.encoding == "cp932"
    assert [h.status for h in export.history.order_by("history_id")] == ["requested", "approved"]


def test_the_requester_cannot_approve_their_own_request(city_admin):
    export = services.handover_request(actor=city_admin, encoding="utf-8-sig", reason="引継ぎ")

    with pytest.raises(ValidationError, match="申請者本人は承認できません"):
        services.handover_approve(export=export, actor=city_admin)

    export.refresh_from_db()
    assert export.status == Status.REQUESTED and export.approved_by is None


def test_the_database_refuses_an_approval_by_the_requester(city_admin):
    export = services.handover_request(actor=city_admin, encoding="utf-8-sig", reason="引継ぎ")
    with pytest.raises(IntegrityError), transaction.atomic():
        HandoverExport.objects.filter(pk=export.pk).update(approved_by=city_admin)


def test_the_requester_sees_no_approve_button_and_a_forged_post_changes_nothing(client, city_admin):
    export = services.handover_request(actor=city_admin, encoding="utf-8-sig", reason="引継ぎ")
    client.force_login(city_admin)

    page = client.get(reverse("ops:handover_detail", args=[export.pk])).content.decode()
    assert "承認する" not in page and "申請者本人は承認できません" in page

    response = client.post(reverse("ops:handover_approve", args=[export.pk]), follow=True)
    assert "申請者本人は承認できません" in response.content.decode()
    export.refresh_from_db()
    assert export.status == Status.REQUESTED


def test_an_unapproved_export_cannot_start(city_admin, city_admin_b):
    export = services.handover_request(actor=city_admin, encoding="utf-8-sig", reason="引継ぎ")
    with pytest.raises(ValidationError, match="承認後に開始できます"):
        services.handover_start(export=export, actor=city_admin_b)
    assert _jobs() == []


def test_the_request_form_names_the_missing_reason_and_saves_nothing(client, city_admin):
    client.force_login(city_admin)
    response = client.post(
        reverse("ops:handover_request"), {"encoding": "utf-8-sig", "reason": "  "}
    )
    assert response.status_code == 200
    assert "目的・理由" in response.content.decode()
    assert response.context["form"].errors["reason"]
    assert not HandoverExport.objects.exists()


def test_the_request_form_refuses_an_unknown_encoding(client, city_admin):
    client.force_login(city_admin)
    response = client.post(reverse("ops:handover_request"), {"encoding": "latin-1", "reason": "x"})
    assert response.context["form"].errors["encoding"]
    assert not HandoverExport.objects.exists()


# --- one export at a time -----------------------------------------------------------------


def test_starting_the_same_export_twice_queues_one_job(city_admin, city_admin_b):
    export = approved_export(city_admin, city_admin_b)
    services.handover_start(export=export, actor=city_admin_b)

    with pytest.raises(ValidationError, match="すでに実行中です"):
        services.handover_start(export=export, actor=city_admin)

    assert _jobs() == [[export.pk, 1]]


def test_a_second_export_cannot_start_while_one_runs(city_admin, city_admin_b):
    first = approved_export(city_admin, city_admin_b)
    second = approved_export(city_admin_b, city_admin)
    services.handover_start(export=first, actor=city_admin)

    with pytest.raises(ValidationError, match=f"#{first.pk}）が実行中です"):
        services.handover_start(export=second, actor=city_admin)

    second.refresh_from_db()
    assert second.status == Status.APPROVED
    assert _jobs() == [[first.pk, 1]]


def test_the_database_allows_only_one_running_export(city_admin, city_admin_b):
    first = approved_export(city_admin, city_admin_b)
    second = approved_export(city_admin_b, city_admin)
    HandoverExport.objects.filter(pk=first.pk).update(status=Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        HandoverExport.objects.filter(pk=second.pk).update(status=Status.RUNNING)


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_the_same_moment_run_exactly_one_export(city_admin, city_admin_b, published):
    exports = [approved_export(city_admin, city_admin_b), approved_export(city_admin_b, city_admin)]
    same = exports[0]
    barrier = threading.Barrier(4)
    outcomes = []

    def start(export, actor):
        try:
            barrier.wait()
            services.handover_start(export=export, actor=actor)
            outcomes.append("started")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=start, args=(same, city_admin)),
        threading.Thread(target=start, args=(same, city_admin_b)),
        threading.Thread(target=start, args=(exports[1], city_admin)),
        threading.Thread(target=start, args=(exports[1], city_admin_b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert outcomes.count("started") == 1, outcomes
    assert all("実行中" in o for o in outcomes if o != "started")
    assert HandoverExport.objects.filter(status=Status.RUNNING).count() == 1
    assert len(_jobs()) == 1
    assert len(published) == 1


# --- restart ------------------------------------------------------------------------------


def test_a_failed_export_restarts_as_a_new_attempt_and_the_old_task_does_nothing(
    city_admin, city_admin_b, handover_env
):
    export = approved_export(city_admin, city_admin_b)
    export = services.handover_start(export=export, actor=city_admin)
    HandoverExport.objects.filter(pk=export.pk).update(status=Status.FAILED, error="ディスク不足")

    export = services.handover_restart(export=export, actor=city_admin_b)

    assert export.status == Status.RUNNING and export.attempt == 2 and export.error == ""
    assert _jobs() == [[export.pk, 1], [export.pk, 2]]
    outdated = services.handover_export_execute(export_id=export.pk, attempt=1)
    assert outdated.status == Status.RUNNING and not outdated.file_name


def test_a_running_export_restarts_only_once_its_worker_is_gone(
    city_admin, city_admin_b, time_machine
):
    time_machine.move_to(timezone.now())
    export = services.handover_start(
        export=approved_export(city_admin, city_admin_b), actor=city_admin
    )
    with pytest.raises(ValidationError, match="やり直せません"):
        services.handover_restart(export=export, actor=city_admin)

    time_machine.shift(services.STALE_AFTER + timedelta(minutes=1))
    with archive.raw_connection() as worker:  # a live worker holds the export lock
        assert archive.try_lock(worker)
        assert not services.is_stalled(export)
        with pytest.raises(ValidationError, match="やり直せません"):
            services.handover_restart(export=export, actor=city_admin)

    assert services.is_stalled(export)
    export = services.handover_restart(export=export, actor=city_admin)
    assert export.attempt == 2


def test_requested_and_approved_exports_can_be_cancelled_running_ones_cannot(
    city_admin, city_admin_b
):
    export = approved_export(city_admin, city_admin_b)
    services.handover_cancel(export=export, actor=city_admin)
    export.refresh_from_db()
    assert export.status == Status.CANCELLED and export.cancelled_by == city_admin

    running = services.handover_start(
        export=approved_export(city_admin, city_admin_b), actor=city_admin
    )
    with pytest.raises(ValidationError, match="実行中のため取り消せません"):
        services.handover_cancel(export=running, actor=city_admin)


# --- who may do what ----------------------------------------------------------------------


def test_city_admins_see_the_menu_and_the_request_form(client, city_admin):
    client.force_login(city_admin)
    page = client.get(reverse("ops:handover_index")).content.decode()
    assert 'data-nav="ops_handover"' in page
    assert 'id="handover-request"' in page


def test_vendor_staff_watch_the_state_but_cannot_act_or_download(
    client, vendor_operator, city_admin, city_admin_b, handover_env
):
    export = approved_export(city_admin, city_admin_b)
    client.force_login(vendor_operator)

    index = client.get(reverse("ops:handover_index")).content.decode()
    assert 'data-nav="ops_handover"' in index and 'id="handover-request"' not in index
    detail = client.get(reverse("ops:handover_detail", args=[export.pk]))
    assert detail.status_code == 200 and "出力を開始する" not in detail.content.decode()
    for name in ("approve", "start", "restart", "cancel", "remove_file"):
        response = client.post(reverse(f"ops:handover_{name}", args=[export.pk]))
        assert response.status_code == 403, name
    assert client.get(reverse("ops:handover_download", args=[export.pk])).status_code == 403
    assert client.post(reverse("ops:handover_request"), {"reason": "x"}).status_code == 403
    export.refresh_from_db()
    assert export.status == Status.APPROVED


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "attendee"])
def test_nobody_else_sees_the_handover_pages(client, request, persona, city_admin, city_admin_b):
    export = approved_export(city_admin, city_admin_b)
    client.force_login(request.getfixturevalue(persona))
    home = client.get(reverse("home")).content.decode()
    assert 'data-nav="ops_handover"' not in home
    for url in (
        reverse("ops:handover_index"),
        reverse("ops:handover_detail", args=[export.pk]),
        reverse("ops:handover_download", args=[export.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("ops:handover_start", args=[export.pk])).status_code == 403


def test_a_city_admin_holding_a_vendor_role_cannot_act(client, make_user, city_admin):
    from accounts import roles

    both = make_user(roles.CITY_ADMIN, roles.VENDOR_MANAGER, name="試験 兼務")
    export = services.handover_request(actor=city_admin, encoding="utf-8-sig", reason="引継ぎ")
    client.force_login(both)
    assert client.post(reverse("ops:handover_approve", args=[export.pk])).status_code == 403
    export.refresh_from_db()
    assert export.status == Status.REQUESTED


def test_the_city_admin_pages_walk_request_approve_start(client, city_admin, city_admin_b):
    client.force_login(city_admin)
    response = client.post(
        reverse("ops:handover_request"), {"encoding": "utf-8-sig", "reason": "引継ぎ"}
    )
    export = HandoverExport.objects.get()
    assert response.url == reverse("ops:handover_detail", args=[export.pk])

    client.force_login(city_admin_b)
    client.post(reverse("ops:handover_approve", args=[export.pk]))
    client.post(reverse("ops:handover_start", args=[export.pk]))

    export.refresh_from_db()
    assert (export.status, export.approved_by, export.started_by) == (
        Status.RUNNING,
        city_admin_b,
        city_admin_b,
    )
    page = client.get(reverse("ops:handover_detail", args=[export.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page


def test_the_list_page_costs_the_same_queries_for_3_or_30_exports(
    client, city_admin, city_admin_b, django_assert_max_num_queries
):
    client.force_login(city_admin)

    def make(n):
        for _ in range(n):
            services.handover_cancel(
                export=approved_export(city_admin, city_admin_b), actor=city_admin
            )

    make(3)
    client.get(reverse("ops:handover_index"))  # warm the session and the menu
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("ops:handover_index"))
    make(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:handover_index"))
    assert response.content.decode().count('id="export-') == 30
