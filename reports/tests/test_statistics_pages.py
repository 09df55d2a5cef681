"""System statistics pages: who may see, generate, download and replace the template."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName

from accounts import roles
from reports.models import StatisticsReport, StatisticsTemplate
from reports.services import statistics as services

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to("2026-06-15 10:00 +0900")


@pytest.fixture
def done_report(vendor_operator):
    report, _ = services.report_request(month=MAY, user=vendor_operator)
    return services.report_build(report_id=report.pk)


def _workbook(names) -> io.BytesIO:
    wb = Workbook()
    for i, name in enumerate(names):
        wb.defined_names[name] = DefinedName(name, attr_text=f"'Sheet'!$A${i + 1}")
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "city.xlsx"
    return out


@pytest.mark.parametrize(
    ("persona", "month_page", "download"),
    [
        ("vendor_operator", 200, 200),
        ("city_admin", 200, 200),
        ("attendee", 403, 200),
        ("caseworker", 403, 403),
        ("supervisor", 403, 403),
    ],
)
def test_access_per_role(client, request, persona, month_page, download, done_report):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:statistics_month")).status_code == month_page
    response = client.get(reverse("reports:statistics_download", args=[done_report.pk]))
    assert response.status_code == download
    files = client.get(reverse("reports:statistics_files")).status_code
    assert files == (200 if download == 200 else 403)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("reports:statistics_month"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_month_page_shows_the_figures_and_the_job_state(client, vendor_operator):
    client.force_login(vendor_operator)
    from core import request_log

    request_log.record(user_id=None, view_name="x:y", method="GET", status=500, duration_us=1)
    request_log.flush_buffer()  # a June row: the current month, shown as far as it goes
    response = client.get(reverse("reports:statistics_month"), {"month": "2026-06"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="total-errors">1<' in body
    client.post(reverse("reports:statistics_generate"), {"month": "2026-06"})
    report = StatisticsReport.objects.get()
    response = client.get(reverse("reports:statistics_month"), {"month": "2026-06"})
    body = response.content.decode()
    assert f'id="report-{report.pk}" data-status="queued"' in body
    assert 'http-equiv="refresh"' in body


def test_a_future_month_is_refused_in_japanese(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.get(reverse("reports:statistics_month"), {"month": "2026-07"})
    assert "未来の月は集計できません" in response.content.decode()
    response = client.post(
        reverse("reports:statistics_generate"), {"month": "2026-07"}, follow=True
    )
    assert "未来の月は集計できません" in response.content.decode()
    assert not StatisticsReport.objects.exists()


def test_download_is_the_workbook_and_is_logged(client, attendee, done_report):
    from core.models import AccessLog

    client.force_login(attendee)
    response = client.get(reverse("reports:statistics_download", args=[done_report.pk]))
    assert response.content == bytes(done_report.content)
    assert "system-statistics-2026-05.xlsx" in response["Content-Disposition"]
    assert AccessLog.objects.filter(user_id=attendee.pk, object_id=str(done_report.pk)).exists()


def test_an_unfinished_report_cannot_be_downloaded(client, attendee, vendor_operator):
    report, _ = services.report_request(month=MAY, user=vendor_operator)
    client.force_login(attendee)
    response = client.get(reverse("reports:statistics_download", args=[report.pk]))
    assert response.status_code == 404


def test_city_admin_uploads_a_template(client, city_admin):
    client.force_login(city_admin)
    response = client.post(
        reverse("reports:statistics_template"),
        {"file": _workbook(services.REQUIRED_NAMES)},
    )
    assert response.status_code == 302
    assert StatisticsTemplate.objects.get(active=True).uploaded_by == city_admin


def test_an_upload_missing_names_is_refused_on_the_page(client, city_admin):
    client.force_login(city_admin)
    names = [n for n in services.REQUIRED_NAMES if n != "anomalies_table"]
    response = client.post(reverse("reports:statistics_template"), {"file": _workbook(names)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "anomalies_table" in body and "必要な名前付きセル" in body
    assert not StatisticsTemplate.objects.exists()


@pytest.mark.parametrize("persona", ["vendor_operator", "attendee", "caseworker"])
def test_only_the_city_admin_replaces_the_template(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    upload = client.post(
        reverse("reports:statistics_template"), {"file": _workbook(services.REQUIRED_NAMES)}
    )
    reset = client.post(reverse("reports:statistics_template_reset"))
    assert upload.status_code == 403 and reset.status_code == 403
    assert not StatisticsTemplate.objects.exists()


def test_a_city_admin_who_is_also_vendor_staff_may_not_replace_it(client, make_user):
    user = make_user(roles.CITY_ADMIN, roles.VENDOR_OPERATOR)
    client.force_login(user)
    upload = client.post(
        reverse("reports:statistics_template"), {"file": _workbook(services.REQUIRED_NAMES)}
    )
    assert upload.status_code == 403


def test_reset_goes_back_to_the_default(client, city_admin, vendor_operator):
    services.template_upload(
        name="a.xlsx", content=_workbook(services.REQUIRED_NAMES).getvalue(), user=city_admin
    )
    client.force_login(city_admin)
    client.post(reverse("reports:statistics_template_reset"))
    assert not StatisticsTemplate.objects.filter(active=True).exists()
    report, _ = services.report_request(month=MAY, user=vendor_operator)
    assert report.template is None


def test_default_template_download(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.get(reverse("reports:statistics_template_file", args=["default"]))
    assert response.status_code == 200
    assert services.template_missing_names(response.content) == []


@pytest.mark.parametrize("count", [3, 30])
def test_files_list_query_count(
    client, attendee, vendor_operator, count, django_assert_max_num_queries
):
    StatisticsReport.objects.bulk_create(
        StatisticsReport(
            month=date(2024 + i // 12, i % 12 + 1, 1),
            status=StatisticsReport.Status.DONE,
            requested_by=vendor_operator,
            requested_at="2026-06-01T00:00+09:00",
            finished_at="2026-06-01T00:00+09:00",
            content=b"x",
        )
        for i in range(count)
    )
    client.force_login(attendee)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:statistics_files")).status_code == 200


def test_month_page_query_count_does_not_grow_with_reports(
    client, vendor_operator, django_assert_max_num_queries
):
    for _ in range(5):
        report, _ = services.report_request(month=MAY, user=vendor_operator)
        services.report_build(report_id=report.pk)
    client.force_login(vendor_operator)
    with django_assert_max_num_queries(20):
        assert (
            client.get(reverse("reports:statistics_month"), {"month": "2026-05"}).status_code == 200
        )


def test_menu_entries(client, vendor_operator, attendee):
    from core.navigation import items_for

    assert "reports_statistics" in [i["key"] for i in items_for(vendor_operator)]
    keys = [i["key"] for i in items_for(attendee)]
    assert "reports_statistics_files" in keys and "reports_statistics" not in keys


def test_template_page_lists_the_names_for_vendor_staff_without_the_upload_form(
    client, vendor_operator, city_admin
):
    client.force_login(vendor_operator)
    body = client.get(reverse("reports:statistics_template")).content.decode()
    assert "functions_table" in body and 'id="upload"' not in body
    client.force_login(city_admin)
    body = client.get(reverse("reports:statistics_template")).content.decode()
    assert 'id="upload"' in body
