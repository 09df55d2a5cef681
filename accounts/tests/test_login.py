import pytest
from axes.models import AccessAttempt
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login(client, employee_number, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": employee_number, "password": password}, REMOTE_ADDR=ip
    )


def test_login_with_employee_number_lands_on_the_home_page(client, caseworker, password):
    response = _login(client, caseworker.employee_number, password)
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert "相談業務ホーム" in home.content.decode()


def test_wrong_password_shows_a_japanese_error(client, caseworker):
    response = _login(client, caseworker.employee_number, "wrong-password")
    assert response.status_code == 200
    assert "職員番号またはパスワードが正しくありません" in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client, caseworker, password):
    _login(client, caseworker.employee_number, password)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # back to login


def test_inactive_user_cannot_log_in(client, make_user, password):
    user = make_user("caseworker", is_active=False)
    response = _login(client, user.employee_number, password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_account_locks_after_repeated_failures_even_from_changing_addresses(
    client, caseworker, password, settings
):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, caseworker.employee_number, "wrong-password", ip=f"10.0.0.{i + 1}")

    response = _login(client, caseworker.employee_number, password, ip="10.0.9.9")

    assert response.status_code == 429
    assert "ロックされ" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=caseworker.employee_number).exists()


def test_lockout_of_one_account_does_not_lock_colleagues_behind_the_same_nat(
    client, caseworker, supervisor, password, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, caseworker.employee_number, "wrong-password", ip="10.0.0.1")

    response = _login(client, supervisor.employee_number, password, ip="10.0.0.1")

    assert response.status_code == 302
    assert response.url == reverse("home")
