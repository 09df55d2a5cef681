import pytest
from django.urls import reverse

from accounts import roles

pytestmark = pytest.mark.django_db

HOMES = {
    roles.CASEWORKER: "相談業務ホーム",
    roles.SUPERVISOR: "相談業務ホーム",
    roles.CENTER_DIRECTOR: "相談業務ホーム",
    roles.PROTECTION_STAFF: "相談業務ホーム",
    roles.WARD_STAFF: "相談業務ホーム",
    roles.CITY_ADMIN: "システム管理ホーム",
    roles.VENDOR_OPERATOR: "運用・保守ホーム",
    roles.VENDOR_MANAGER: "運用・保守ホーム",
    roles.MEETING_ATTENDEE: "定例報告会議ホーム",
}


@pytest.mark.parametrize(("role", "heading"), HOMES.items())
def test_each_role_has_its_own_japanese_home(client, make_user, role, heading):
    user = make_user(role)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "<h1 data-home=" in page
    assert heading in page
    assert user.name in page


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _nav(client):
    page = client.get(reverse("home")).content.decode()
    return {key for key in ("home", "admin", "ops_status") if f'data-nav="{key}"' in page}


def test_menus_show_each_role_only_what_it_may_use(
    client, caseworker, vendor_operator, city_admin, attendee
):
    client.force_login(caseworker)
    assert _nav(client) == {"home"}
    client.force_login(vendor_operator)
    assert _nav(client) == {"home", "ops_status"}
    client.force_login(city_admin)
    assert _nav(client) == {"home", "admin", "ops_status"}
    client.force_login(attendee)
    assert _nav(client) == {"home"}


def test_case_roles_cannot_open_the_vendor_status_page(client, caseworker, vendor_operator):
    client.force_login(caseworker)
    assert client.get(reverse("ops:status")).status_code == 403
    client.force_login(vendor_operator)
    page = client.get(reverse("ops:status"))
    assert page.status_code == 200
    assert "データベース" in page.content.decode()


@pytest.mark.parametrize("persona", ["caseworker", "supervisor", "vendor_operator", "attendee"])
def test_admin_is_denied_to_everyone_but_city_admins(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_city_admin_opens_the_admin_and_can_manage_staff(client, city_admin):
    client.force_login(city_admin)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_authenticated_pages_are_never_cached(client, caseworker):
    client.force_login(caseworker)
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_security_headers_are_sent(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_english_is_available(client, caseworker):
    client.force_login(caseworker)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page
    assert "Consultation work home" in page
    assert "Log out" in page
    assert "相談業務ホーム" not in page


def test_home_page_query_count_is_pinned(client, caseworker, django_assert_num_queries):
    client.force_login(caseworker)
    client.get(reverse("home"))  # the session is now cached
    # user, role codes, current assignments
    with django_assert_num_queries(3):
        assert client.get(reverse("home")).status_code == 200
