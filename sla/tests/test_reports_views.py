"""The dashboard, the drill-down and the report pages: who gets in (per role, 403 for the
rest), breaches first with server-drawn charts, the records behind a figure, the query
count of the dashboard pinned, and the report flow through the screens."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sla.models import Item, Report
from sla.services import reports as services
from sla.services.results import results_compute
from sla.tests import reports_support
from sla.tests.reports_support import (
    batch_item,
    jst,
    make_policy,
    manual_item,
    nightly_run,
    run_job,
)

manager = reports_support.manager  # a fixture
media = reports_support.media  # a fixture

pytestmark = pytest.mark.django_db
JUNE = (date(2026, 6, 1), date(2026, 6, 30))


@pytest.fixture(autouse=True)
def _now(time_machine, settings):
    settings.CITY_PROFILE = "sendai"
    time_machine.move_to(jst(2026, 6, 10, 12, 0), tick=False)


@pytest.fixture
def policy():
    policy = make_policy()
    batch_item(policy)
    manual_item(policy)
    return policy


def draft_report(manager) -> Report:
    report = services.report_create(
        profile="sendai", kind="monthly", period_start=date(2026, 5, 1), actor=manager
    )
    run_job(report)
    return report


def approve(report, manager, city_admin) -> Report:
    report = services.report_check(report=report, actor=manager, expected_version=report.version)
    return services.report_approve(report=report, actor=city_admin, expected_version=report.version)


# --- who ----------------------------------------------------------------------------------------


def test_the_dashboard_is_for_vendor_staff_and_city_admins_only(
    client, policy, manager, city_admin, vendor_operator, attendee, caseworker, supervisor
):
    url = reverse("sla:dashboard")
    drill = reverse("sla:dashboard_item", args=[policy.items.get(number="8").pk, 2026, 5])
    for user in (vendor_operator, manager, city_admin):
        client.force_login(user)
        assert client.get(url).status_code == 200
        assert client.get(drill).status_code == 200
    for user in (attendee, caseworker, supervisor):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(drill).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_reports_are_read_by_managers_and_admins_and_by_attendees_once_approved(
    client, policy, manager, city_admin, vendor_operator, attendee, caseworker, media
):
    report = draft_report(manager)
    detail = reverse("sla:report_detail", args=[report.pk])
    pdf = reverse("sla:report_file", args=[report.pk, "pdf"])
    index = reverse("sla:reports_index")

    for user in (manager, city_admin):
        client.force_login(user)
        assert client.get(detail).status_code == 200
        assert client.get(pdf).status_code == 200
    client.force_login(attendee)
    assert client.get(index).status_code == 200
    assert f"report-{report.pk}" not in client.get(index).content.decode()
    assert client.get(detail).status_code == 403
    assert client.get(pdf).status_code == 403
    for user in (vendor_operator, caseworker):
        client.force_login(user)
        assert client.get(index).status_code == 403
        assert client.get(detail).status_code == 403

    approve(report, manager, city_admin)
    client.force_login(attendee)
    assert f"report-{report.pk}" in client.get(index).content.decode()
    assert client.get(detail).status_code == 200
    response = client.get(pdf)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    xlsx = client.get(reverse("sla:report_file", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    # Attendees read; they do not act.
    for name in ("report_check", "report_approve", "report_generate", "report_reissue"):
        assert client.post(reverse(f"sla:{name}", args=[report.pk])).status_code == 403


def test_each_step_of_the_flow_belongs_to_its_role(client, policy, manager, city_admin, media):
    report = draft_report(manager)
    client.force_login(city_admin)
    assert client.post(reverse("sla:report_generate", args=[report.pk])).status_code == 403
    client.force_login(manager)
    response = client.post(
        reverse("sla:report_check", args=[report.pk]), {"version": report.version}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.CHECKED
    assert (
        client.post(
            reverse("sla:report_approve", args=[report.pk]), {"version": report.version}
        ).status_code
        == 403
    )
    client.force_login(city_admin)
    page = client.get(reverse("sla:report_detail", args=[report.pk])).content.decode()
    assert 'id="approve-form"' in page
    client.post(reverse("sla:report_approve", args=[report.pk]), {"version": report.version})
    report.refresh_from_db()
    assert report.status == Report.Status.APPROVED and report.approved_by == city_admin


def test_the_approve_button_is_not_offered_on_ones_own_report(
    client, policy, make_user, manager, media
):
    from accounts import roles

    both = make_user(roles.VENDOR_MANAGER, roles.CITY_ADMIN, name="兼務 管理者")
    report = draft_report(both)
    report = services.report_check(report=report, actor=manager, expected_version=report.version)
    client.force_login(both)
    page = client.get(reverse("sla:report_detail", args=[report.pk])).content.decode()
    assert 'id="approve-form"' not in page and "自分が作成した報告書は承認できません" in page
    response = client.post(
        reverse("sla:report_approve", args=[report.pk]), {"version": report.version}, follow=True
    )
    assert "自分が作成した報告書は承認できません" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.CHECKED


# --- the dashboard ------------------------------------------------------------------------------


def test_breaches_come_first_each_with_a_twelve_month_chart_and_no_script(
    client, policy, vendor_operator
):
    batch_item(policy, number="2", order=2, name="別のバッチ", target_value=10)
    nightly_run(jst(2026, 6, 2, 22), 185)  # 3.08 h: #8 (≤ 2 h) missed, #2 (≤ 10 h) met
    results_compute(policy=policy, start=date(2026, 5, 1), end=date(2026, 5, 31))
    client.force_login(vendor_operator)
    page = client.get(reverse("sla:dashboard")).content.decode()

    order = [page.index(f'id="item-{n}"') for n in ("8", "27", "2")]
    assert order == sorted(order)  # missed, pending, met
    row = page[page.index('id="item-8"') :]
    row = row[: row.index("</tr>")]
    assert 'data-state="missed"' in row
    assert row.count("<rect ") == 12
    assert "<line " in row  # the target
    assert '<a href="/sla/dashboard/items/' in row
    assert "<script" not in page
    assert "未達 1" in page


def _dashboard_queries(client, user, n_items: int) -> int:
    policy = make_policy()
    for n in range(n_items):
        batch_item(policy, number=str(100 + n), order=n)
    results_compute(policy=policy, start=JUNE[0], end=JUNE[1])
    results_compute(policy=policy, start=date(2026, 5, 1), end=date(2026, 5, 31))
    client.force_login(user)
    client.get(reverse("sla:dashboard"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("sla:dashboard"))
    assert response.status_code == 200
    assert response.content.decode().count("<svg ") == n_items
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_the_items(
    client, vendor_operator, django_assert_max_num_queries
):
    few = _dashboard_queries(client, vendor_operator, 3)
    Item.objects.all().delete()
    from sla.models import Policy, Result

    Result.objects.all().delete()
    Policy.objects.all().delete()
    many = _dashboard_queries(client, vendor_operator, 30)
    assert few == many, (few, many)
    # session, user, roles, policy in force, items, results, evidence times, the trend
    with django_assert_max_num_queries(8):
        client.get(reverse("sla:dashboard"))


def test_the_dashboard_computes_this_month_on_demand_and_recomputes_on_request(
    client, policy, vendor_operator, time_machine
):
    client.force_login(vendor_operator)
    assert 'data-state="no_events"' in client.get(reverse("sla:dashboard")).content.decode()
    nightly_run(jst(2026, 6, 3, 22), 185)
    time_machine.shift(timedelta(minutes=1))
    assert (
        'id="item-8" data-state="no_events"'
        in client.get(reverse("sla:dashboard")).content.decode()
    )
    response = client.post(
        reverse("sla:dashboard_recompute"), {"profile": "sendai", "month": "2026-06"}, follow=True
    )
    assert 'id="item-8" data-state="missed"' in response.content.decode()


def test_the_drill_down_lists_the_records_behind_the_figure_with_links(
    client, policy, vendor_operator
):
    nightly_run(jst(2026, 5, 10, 22), 45)
    nightly_run(jst(2026, 5, 20, 22), 185)
    client.force_login(vendor_operator)
    url = reverse("sla:dashboard_item", args=[policy.items.get(number="8").pk, 2026, 5])
    page = client.get(url).content.decode()
    assert 'data-state="missed"' in page
    assert page.count('<a href="/backups/">') == 2
    assert "2件（うち目標未達 1件）" in page
    only = client.get(url, {"only": "ng"}).content.decode()
    records = only[only.index('id="records"') :]
    assert records.count('<a href="/backups/">') == 1
    assert "05/20 22:00" in records


def test_the_drill_down_of_a_future_month_says_so(client, policy, vendor_operator):
    client.force_login(vendor_operator)
    url = reverse("sla:dashboard_item", args=[policy.items.get(number="8").pk, 2026, 9])
    response = client.get(url)
    assert response.status_code == 200
    assert "未来の期間（2026年9月）の実績は算出できません" in response.content.decode()
    assert client.get(url.replace("2026-9", "2026-13")).status_code == 404


# --- the report screens -----------------------------------------------------------------------------


def test_creating_a_report_with_a_bad_period_names_the_field_and_saves_nothing(
    client, policy, manager
):
    client.force_login(manager)
    url = reverse("sla:report_new")
    assert client.get(url).status_code == 200
    response = client.post(url, {"profile": "sendai", "kind": "monthly", "month": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["month"] == ["対象月を入力してください（例: 2025-05）。"]
    response = client.post(url, {"profile": "sendai", "kind": "monthly", "month": "2026-06"})
    assert response.status_code == 400
    assert "まだ終わっていない期間（2026年6月）" in response.context["form"].errors["month"][0]
    response = client.post(url, {"profile": "sendai", "kind": "yearly", "fiscal_year": "2029"})
    assert "未来の期間" in response.context["form"].errors["fiscal_year"][0]
    assert not Report.objects.exists()


def test_a_new_report_shows_its_progress_until_the_job_is_done(client, policy, manager, media):
    client.force_login(manager)
    response = client.post(
        reverse("sla:report_new"), {"profile": "sendai", "kind": "monthly", "month": "2026-05"}
    )
    report = Report.objects.get()
    assert response.url == reverse("sla:report_detail", args=[report.pk])
    page = client.get(response.url).content.decode()
    assert '<meta http-equiv="refresh"' in page and "開始を待っています" in page
    run_job(report)
    page = client.get(response.url).content.decode()
    assert '<meta http-equiv="refresh"' not in page
    assert 'id="job" data-status="succeeded"' in page
    assert "令和8年5月分" in page


def test_the_report_page_shows_data_changed_after_approval_as_a_difference(
    client, policy, manager, city_admin, attendee, media, time_machine
):
    nightly_run(jst(2026, 5, 10, 22), 45)
    report = approve(draft_report(manager), manager, city_admin)
    client.force_login(attendee)
    url = reverse("sla:report_detail", args=[report.pk])
    assert 'id="no-difference"' in client.get(url).content.decode()

    nightly_run(jst(2026, 5, 28, 22), 185)
    results_compute(policy=policy, start=date(2026, 5, 1), end=date(2026, 5, 31))  # nightly
    page = client.get(url).content.decode()
    assert 'id="difference"' in page
    diff = page[page.index('id="difference"') :]
    assert "達成" in diff and "未達" in diff
    items = page[page.index('id="items"') :]
    assert 'data-number="8" data-state="met"' in items  # the snapshot, unchanged


def test_item_comments_go_into_the_report_at_the_next_generation(client, policy, manager, media):
    report = draft_report(manager)
    client.force_login(manager)
    response = client.post(
        reverse("sla:report_comment", args=[report.pk]),
        {"item_number": "8", "body": "計画停止に伴う遅延"},
    )
    assert response.status_code == 302
    client.post(reverse("sla:report_generate", args=[report.pk]))
    run_job(report)
    entry = next(e for e in report.snapshot["items"] if e["number"] == "8")
    assert entry["comment"] == "計画停止に伴う遅延（試験 責任者）"


def test_a_yearly_report_page_links_its_yearly_items_to_their_drill_down(
    client, policy, manager, media, time_machine
):
    from sla.tests.reports_support import yearly_item

    item = yearly_item(policy)
    time_machine.move_to(jst(2026, 4, 15, 9, 0), tick=False)
    report = services.report_create(
        profile="sendai", kind="yearly", period_start=date(2025, 4, 1), actor=manager
    )
    run_job(report)
    client.force_login(manager)
    page = client.get(reverse("sla:report_detail", args=[report.pk])).content.decode()
    assert "令和7年度" in page
    assert reverse("sla:dashboard_item_year", args=[item.pk, 2025]) in page
    drill = client.get(reverse("sla:dashboard_item_year", args=[item.pk, 2025]))
    assert drill.status_code == 200 and "2025年度" in drill.content.decode()
