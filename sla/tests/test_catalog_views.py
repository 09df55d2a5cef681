"""Catalogue, evidence and improvement-plan pages: who may see and do what (403 otherwise),
the forms' Japanese errors, and the query count of the list pages."""

# ruff: noqa: F811 - fixtures imported from sla.tests.catalog_support are parameters here

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sla.models import CatalogComment, Evidence, ImprovementPlan, Item, Policy
from sla.services import catalog as services
from sla.tests.catalog_support import (  # noqa: F401
    URLS,
    item_fields,
    jst,
    make_policy,
    manager,
    manual_item,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]
S = Policy.Status
PDF = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _setup(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(jst(2026, 11, 16, 10, 0), tick=False)


def url(name, *args):
    return reverse(f"sla:{name}", args=args)


@pytest.fixture
def catalog():
    approved = make_policy(items=2)
    item = manual_item(approved)
    plan = services.improvement_plan_open(
        item=approved.items.first(), period_start=date(2026, 10, 1)
    )
    return {"policy": approved, "item": item, "plan": plan}


# --- permissions -------------------------------------------------------------------------------


def read_pages(w):
    return {
        "catalog": [
            url("catalog_index"),
            url("catalog_policy", w["policy"].pk),
            url("catalog_item", w["item"].pk),
        ],
        "work": [
            url("catalog_evidence"),
            url("catalog_evidence_entry", w["item"].pk, 2026, 11),
            url("catalog_plans"),
            url("catalog_plan", w["plan"].pk),
        ],
        "manager": [
            url("catalog_policy_new"),
            url("catalog_policy_new_version", w["policy"].pk),
            url("catalog_plan_edit", w["plan"].pk),
        ],
    }


def test_caseworkers_supervisors_and_vendor_operators_get_403_everywhere(
    client, caseworker, supervisor, vendor_operator, catalog
):
    pages = read_pages(catalog)
    posts = [
        url("catalog_policy_submit", catalog["policy"].pk),
        url("catalog_policy_approve", catalog["policy"].pk),
        url("catalog_policy_return", catalog["policy"].pk),
        url("catalog_policy_comment", catalog["policy"].pk),
        url("catalog_item_delete", catalog["item"].pk),
        url("catalog_plan_comment", catalog["plan"].pk),
    ]
    for user in (caseworker, supervisor, vendor_operator):
        client.force_login(user)
        for page in [*pages["catalog"], *pages["work"], *pages["manager"]]:
            assert client.get(page).status_code == 403, (user, page)
        for page in posts:
            assert client.post(page, {"version": 1, "body": "x"}).status_code == 403, page
    assert not CatalogComment.objects.exists()


def test_meeting_attendees_read_the_catalogue_only(client, attendee, catalog):
    client.force_login(attendee)
    pages = read_pages(catalog)
    for page in pages["catalog"]:
        assert client.get(page).status_code == 200, page
    for page in [*pages["work"], *pages["manager"]]:
        assert client.get(page).status_code == 403, page
    response = client.get(url("catalog_policy", catalog["policy"].pk))
    assert b"submit-form" not in response.content and b"approve-form" not in response.content


def test_city_admins_read_everything_but_cannot_prepare(client, city_admin, catalog):
    client.force_login(city_admin)
    pages = read_pages(catalog)
    for page in [*pages["catalog"], *pages["work"]]:
        assert client.get(page).status_code == 200, page
    for page in pages["manager"]:
        assert client.get(page).status_code == 403, page
    response = client.post(
        url("catalog_evidence_entry", catalog["item"].pk, 2026, 11), {"met": "1", "note": "x"}
    )
    assert response.status_code == 403
    assert not Evidence.objects.exists()


def test_anonymous_users_are_sent_to_login(client, catalog):
    response = client.get(url("catalog_index"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the catalogue flow through the screens -------------------------------------------------------


def test_manager_prepares_a_version_and_the_city_admin_approves_it(
    client, manager, city_admin, catalog
):
    old = catalog["policy"]
    client.force_login(manager)
    response = client.post(
        url("catalog_policy_new_version", old.pk), {"effective_from": "2026-12-01"}
    )
    draft = Policy.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == url("catalog_policy", draft.pk)

    item = draft.items.get(number="1")
    form = {**item_fields("1"), "target_value": "99.9", "version": draft.version_lock}
    form.update(rule="", rule_params="", exclusions="", order="1")
    response = client.post(url("catalog_item_edit", item.pk), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    response = client.post(url("catalog_policy_submit", draft.pk), {"version": draft.version_lock})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.NEGOTIATING

    client.force_login(city_admin)
    page = client.get(url("catalog_policy", draft.pk)).content.decode()
    assert "approve-form" in page and "return-form" in page
    client.post(url("catalog_policy_approve", draft.pk), {"version": draft.version_lock})
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.status == S.APPROVED and draft.approved_by == city_admin
    assert old.effective_to == date(2026, 11, 30)
    assert draft.items.get(number="1").target_value == Decimal("99.9")


def test_a_wrong_unit_shows_a_japanese_error_on_the_field_and_saves_nothing(client, manager):
    draft = make_policy(status=S.DRAFT, items=0)
    client.force_login(manager)
    form = {
        **item_fields("4"),
        "unit": "percent",
        "target_value": "150",
        "version": draft.version_lock,
    }
    form.update(rule="", rule_params="", exclusions="", order="")
    response = client.post(url("catalog_item_new", draft.pk), form)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "0〜100" in errors["target_value"][0]
    assert not Item.objects.exists()


def test_editing_an_approved_version_through_the_screen_is_refused(client, manager, catalog):
    item = catalog["policy"].items.first()
    client.force_login(manager)
    form = {**item_fields("1"), "name": "変えた", "version": catalog["policy"].version_lock}
    form.update(rule="", rule_params="", exclusions="", order="1")
    response = client.post(url("catalog_item_edit", item.pk), form)
    assert response.status_code == 400
    assert "承認済みの版（第1版）は変更できません" in response.content.decode()
    item.refresh_from_db()
    assert item.name == "項目1"
    page = client.get(url("catalog_policy", catalog["policy"].pk)).content.decode()
    assert url("catalog_item_edit", item.pk) not in page


def test_an_overlapping_version_shows_a_clear_error_on_approval(client, city_admin):
    make_policy(effective_to=date(2026, 3, 31), version=1)
    make_policy(effective_from=date(2026, 4, 1), version=2)
    v3 = make_policy(status=S.NEGOTIATING, effective_from=date(2025, 10, 1), version=3)
    client.force_login(city_admin)
    response = client.post(
        url("catalog_policy_approve", v3.pk), {"version": v3.version_lock}, follow=True
    )
    assert "第2版（2026/04/01〜2029/03/31）と重なります" in response.content.decode()
    v3.refresh_from_db()
    assert v3.status == S.NEGOTIATING


def test_city_admin_sends_a_version_back_with_a_comment(client, manager, city_admin):
    v = make_policy(status=S.NEGOTIATING)
    client.force_login(city_admin)
    client.post(
        url("catalog_policy_return", v.pk), {"version": v.version_lock, "body": "目標値を再確認"}
    )
    v.refresh_from_db()
    assert v.status == S.DRAFT
    assert CatalogComment.objects.get(policy=v).body == "目標値を再確認"
    assert "目標値を再確認" in client.get(url("catalog_policy", v.pk)).content.decode()


# --- evidence ---------------------------------------------------------------------------------------


def test_manager_uploads_evidence_and_city_admin_downloads_it(client, manager, city_admin, catalog):
    item = catalog["item"]
    client.force_login(manager)
    response = client.post(
        url("catalog_evidence_entry", item.pk, 2026, 11),
        {"met": "1", "note": "受領確認", "file": SimpleUploadedFile("受領.pdf", PDF)},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.confirmed_by == manager
    client.force_login(city_admin)
    listing = client.get(url("catalog_evidence") + "?profile=sendai&month=2026-11").content.decode()
    assert "受領確認" in listing and manager.name in listing
    response = client.get(url("catalog_evidence_file", evidence.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_a_text_file_named_pdf_is_refused_on_the_form(client, manager, catalog, tmp_path):
    client.force_login(manager)
    response = client.post(
        url("catalog_evidence_entry", catalog["item"].pk, 2026, 11),
        {"met": "1", "note": "x", "file": SimpleUploadedFile("受領.pdf", b"just text, not a pdf")},
    )
    assert response.status_code == 400
    assert "拡張子（.pdf）と一致しません" in response.context["form"].errors["file"][0]
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_the_size_cap_is_applied_on_the_form(client, manager, catalog, settings):
    settings.SLA_EVIDENCE_MAX_BYTES = 1024
    client.force_login(manager)
    response = client.post(
        url("catalog_evidence_entry", catalog["item"].pk, 2026, 11),
        {"met": "1", "note": "x", "file": SimpleUploadedFile("大.pdf", PDF + b"0" * 2048)},
    )
    assert response.status_code == 400
    assert "ファイルが大きすぎます" in response.context["form"].errors["file"][0]
    assert not Evidence.objects.exists()


# --- improvement plans ----------------------------------------------------------------------------


def test_manager_reports_the_policy_then_completes_the_plan(client, manager, city_admin, catalog):
    plan = catalog["plan"]
    client.force_login(manager)
    response = client.post(
        url("catalog_plan_edit", plan.pk),
        {"action": "report_policy", "version": plan.version, "cause": "", "policy_text": ""},
    )
    assert response.status_code == 400
    assert "原因を入力してください" in response.context["form"].errors["cause"][0]
    response = client.post(
        url("catalog_plan_edit", plan.pk),
        {
            "action": "report_policy",
            "version": plan.version,
            "owner": manager.pk,
            "cause": "夜間バッチの遅延",
            "policy_text": "ジョブの並列化",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == ImprovementPlan.Status.POLICY_REPORTED and plan.owner == manager
    client.force_login(city_admin)
    client.post(url("catalog_plan_comment", plan.pk), {"body": "方針を了承します。"})
    page = client.get(url("catalog_plan", plan.pk)).content.decode()
    assert "方針を了承します。" in page and "方針報告済・改善中" in page
    assert url("catalog_plan_edit", plan.pk) not in page


# --- query counts ----------------------------------------------------------------------------------


def _grow(catalog, n, start=0):
    policy = catalog["policy"]
    for i in range(start, start + n):
        Item.objects.create(policy=policy, order=10 + i, **item_fields(str(100 + i)))
        manual = manual_item(policy, number=str(200 + i))
        services.improvement_plan_open(item=manual, period_start=date(2026, 10, 1))


@pytest.mark.parametrize("which", ["policy", "plans", "evidence", "index"])
def test_list_pages_run_a_fixed_number_of_queries(
    client, city_admin, manager, catalog, django_assert_max_num_queries, which
):
    client.force_login(city_admin)
    target = {
        "policy": url("catalog_policy", catalog["policy"].pk),
        "plans": url("catalog_plans"),
        "evidence": url("catalog_evidence") + "?profile=sendai&month=2026-11",
        "index": url("catalog_index"),
    }[which]

    def evidence_for_all():
        for item in Item.objects.filter(measurement="manual"):
            if not Evidence.objects.filter(item=item).exists():
                services.evidence_record(
                    item=item, month=date(2026, 11, 1), actor=manager, met=True, note="確認"
                )

    _grow(catalog, 2)
    evidence_for_all()
    client.get(target)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(target).status_code == 200
    _grow(catalog, 28, start=2)
    evidence_for_all()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(target).status_code == 200


def test_vendor_managers_open_every_page_of_their_work(client, manager, catalog):
    draft = services.policy_new_version(
        policy=catalog["policy"], actor=manager, effective_from=date(2026, 12, 1)
    )
    client.force_login(manager)
    pages = [
        *read_pages(catalog)["catalog"],
        *read_pages(catalog)["work"],
        *read_pages(catalog)["manager"][:1],
        url("catalog_plan_edit", catalog["plan"].pk),
        url("catalog_policy_edit", draft.pk),
        url("catalog_item_new", draft.pk),
        url("catalog_item_edit", draft.items.first().pk),
        url("catalog_policy", draft.pk),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    page = client.get(url("catalog_policy", draft.pk)).content.decode()
    assert "submit-form" in page and url("catalog_item_new", draft.pk) in page
