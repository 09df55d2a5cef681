"""Who may open a case, from every door: detail, history, prints, search, admin."""

import pytest
from django.urls import reverse

from accounts import roles
from cases.access import get_consultation_for_user, visible_consultations
from cases.tests.factories import ConsultationFactory, post
from core.models import AccessLog, Notification

pytestmark = pytest.mark.django_db

CASE_URLS = ["cases:detail", "cases:history", "cases:note_add", "cases:close", "cases:print_record"]


def test_the_assigned_worker_opens_their_case(client, world):
    client.force_login(world.city.worker1)
    response = client.get(reverse("cases:detail", args=[world.case1.pk]))
    assert response.status_code == 200
    assert world.case1.child.name in response.content.decode()


def test_the_unit_supervisor_and_the_centre_director_see_the_units_cases(world):
    assert set(visible_consultations(world.city.sv1)) == {world.case1}
    assert set(visible_consultations(world.city.director)) == {world.case1, world.case2}


def test_another_units_worker_is_sent_to_break_the_glass_and_sees_nothing(client, world):
    client.force_login(world.city.worker2)
    response = client.get(reverse("cases:detail", args=[world.case1.pk]))
    assert response.status_code == 302
    assert response.url == reverse("cases:break_glass", args=[world.case1.pk])
    page = client.get(response.url)
    assert page.status_code == 403
    body = page.content.decode()
    assert world.case1.number in body
    assert world.case1.child.name not in body  # kana only
    assert world.case1.main_concern not in body
    for name in CASE_URLS[1:]:
        assert client.get(reverse(name, args=[world.case1.pk])).status_code == 403, name


@pytest.mark.parametrize("who", ["city_admin", "vendor"])
def test_city_admins_and_vendors_get_no_case_data_anywhere(client, world, who):
    user = getattr(world, who)
    client.force_login(user)
    for name in CASE_URLS:
        assert client.get(reverse(name, args=[world.case1.pk])).status_code == 403, name
    for name in ("cases:dashboard", "cases:search", "cases:intake"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("cases:search"), {"q": "シケン"}).status_code == 403
    assert list(visible_consultations(user)) == []


def test_case_models_are_not_in_the_admin(client, world):
    client.force_login(world.city_admin)
    for path in (
        "/admin/cases/consultation/",
        "/admin/cases/person/",
        "/admin/cases/progressnote/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_vendor_who_also_holds_a_case_role_still_sees_nothing(world, make_user):
    mixed = make_user(roles.VENDOR_OPERATOR, roles.SUPERVISOR)
    post(mixed, world.city.sec1)
    assert list(visible_consultations(mixed)) == []


def test_unknown_case_is_404_and_foreign_case_is_403(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(Http404):
        get_consultation_for_user(world.city.worker1, 999_999)
    with pytest.raises(PermissionDenied):
        get_consultation_for_user(world.city.worker1, world.case2.pk)


def test_every_view_is_logged_with_user_ip_and_case(client, world):
    client.force_login(world.city.worker1)
    client.get(reverse("cases:detail", args=[world.case1.pk]), REMOTE_ADDR="10.1.2.3")
    log = AccessLog.objects.get(action="view", object_id=str(world.case1.pk))
    assert (log.user_id, log.object_type, log.ip) == (
        world.city.worker1.pk,
        "consultation",
        "10.1.2.3",
    )


def test_the_read_log_cannot_be_rewritten(world):
    from django.db import DatabaseError, transaction

    log = AccessLog.objects.create(
        user_id=1, action="view", object_type="consultation", object_id="1"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=log.pk).update(user_id=2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=log.pk).delete()


def test_breaking_the_glass_needs_a_reason_is_logged_and_tells_the_supervisor(client, world):
    client.force_login(world.city.worker2)
    url = reverse("cases:break_glass", args=[world.case1.pk])
    assert "理由" in client.post(url, {"reason": "急ぎ"}).content.decode()  # too short
    assert not AccessLog.objects.filter(action="break_glass").exists()

    response = client.post(url, {"reason": "夜間の緊急通報で兄弟の安全確認が必要なため"})

    assert response.status_code == 302
    assert client.get(reverse("cases:detail", args=[world.case1.pk])).status_code == 200
    log = AccessLog.objects.get(action="break_glass")
    assert log.user_id == world.city.worker2.pk and "兄弟" in log.detail
    note = Notification.objects.get(user_id=world.city.sv1.pk)
    assert world.case1.number in note.text and world.city.worker2.name in note.text


def test_supervisors_review_who_read_a_case(client, world):
    client.force_login(world.city.worker1)
    client.get(reverse("cases:detail", args=[world.case1.pk]))
    client.force_login(world.city.sv1)
    page = client.get(reverse("cases:readers", args=[world.case1.pk]))
    assert page.status_code == 200
    assert world.city.worker1.name in page.content.decode()
    client.force_login(world.city.worker1)
    assert client.get(reverse("cases:readers", args=[world.case1.pk])).status_code == 403


def test_search_shows_full_results_only_for_visible_cases(client, world):
    other = ConsultationFactory(
        unit=world.city.sec2,
        receiver=world.city.worker2,
        child__name="試験 検索太郎",
        child__name_kana="シケン ケンサクタロウ",
    )
    mine = ConsultationFactory(
        unit=world.city.sec1,
        receiver=world.city.worker1,
        child__name="試験 検索次郎",
        child__name_kana="シケン ケンサクジロウ",
    )
    from cases.tests.factories import assign

    assign(mine, world.city.worker1)
    client.force_login(world.city.worker1)

    page = client.get(reverse("cases:search"), {"q": "けんさく"}).content.decode()

    assert "試験 検索次郎" in page
    assert "試験 検索太郎" not in page  # not even the kanji name
    assert other.number in page and "シケン ケンサクタロウ" in page  # the minimal hit
    assert AccessLog.objects.filter(action="search", object_id=str(mine.pk)).exists()


def test_the_reporter_is_shown_to_the_team_but_not_to_a_break_glass_reader(client, world):
    from cases.models import Reporter

    Reporter.objects.create(consultation=world.case1, name="通告 太郎", contact="090-0000-0000")
    client.force_login(world.city.worker1)
    assert (
        "通告 太郎" in client.get(reverse("cases:detail", args=[world.case1.pk])).content.decode()
    )
    client.force_login(world.city.worker2)
    client.post(
        reverse("cases:break_glass", args=[world.case1.pk]),
        {"reason": "兄弟ケースの確認のため必要"},
    )
    page = client.get(reverse("cases:detail", args=[world.case1.pk])).content.decode()
    assert world.case1.child.name in page
    assert "通告 太郎" not in page
