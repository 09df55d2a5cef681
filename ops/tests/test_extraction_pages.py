"""データ抽出の画面: who may open what, the request form, approve/run buttons, progress
(meta refresh), downloads, and that vendor pages never show what is in the file."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from core import progress
from core.models import AccessLog
from core.timeutil import now_jst
from ops.models import ExtractionRequest
from ops.services import extraction as services

Status = ExtractionRequest.Status
LIST = reverse("ops:extraction_list")
PURPOSE = "虐待相談の受付状況を確認するため"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def period():
    today = now_jst().date()
    return {
        "received_from": (today - timedelta(days=1)).isoformat(),
        "received_to": (today + timedelta(days=1)).isoformat(),
    }


def new_request(user, code="cases.consultation_list", params=None):
    return services.extraction_request_create(
        requester=user,
        definition_code=code,
        parameters=params if params is not None else period(),
        columns=None,
        output_format="xlsx",
        purpose=PURPOSE,
    )


def completed(world):
    extraction = new_request(world.city.sv1)
    extraction = services.extraction_request_approve(
        extraction=extraction, approver=world.city_admin, expected_version=1
    )
    extraction = services.extraction_run_start(
        extraction=extraction, operator=world.vendor, expected_version=extraction.version
    )
    return services.extraction_execute(request_id=extraction.pk)


def detail(pk):
    return reverse("ops:extraction_detail", args=[pk])


# --- who may open the pages --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("caseworker", 403),
        ("attendee", 403),
        ("ward", 403),
        ("supervisor", 200),
        ("director", 200),
        ("city_admin", 200),
        ("vendor", 200),
    ],
)
def test_the_list_is_for_requesters_city_admins_and_vendor_staff(
    client, world, attendee, who, status
):
    user = {
        "caseworker": world.city.worker1,
        "attendee": attendee,
        "ward": world.city.ward_staff,
        "supervisor": world.city.sv1,
        "director": world.city.director,
        "city_admin": world.city_admin,
        "vendor": world.vendor,
    }[who]
    client.force_login(user)
    assert client.get(LIST).status_code == status
    nav = 'data-nav="ops_extraction"' in client.get(reverse("home"), follow=True).content.decode()
    assert nav == (status == 200)


def test_requesters_see_their_own_requests_admins_and_vendors_see_all(client, world):
    mine = new_request(world.city.sv1)
    theirs = new_request(world.city.sv2)
    client.force_login(world.city.sv1)
    page = client.get(LIST).content.decode()
    assert f'id="extraction-{mine.pk}"' in page and f'id="extraction-{theirs.pk}"' not in page
    assert client.get(detail(theirs.pk)).status_code == 403
    assert client.get(detail(999_999)).status_code == 404
    for user in (world.city_admin, world.vendor):
        client.force_login(user)
        page = client.get(LIST).content.decode()
        assert f'id="extraction-{mine.pk}"' in page and f'id="extraction-{theirs.pk}"' in page


def test_vendor_staff_cannot_open_the_request_form(client, world):
    client.force_login(world.vendor)
    assert client.get(reverse("ops:extraction_definitions")).status_code == 403
    url = reverse("ops:extraction_new", args=["cases.consultation_list"])
    assert client.get(url).status_code == 403
    assert client.post(url, {**period(), "purpose": PURPOSE}).status_code == 403
    assert not ExtractionRequest.objects.exists()


# --- the request form --------------------------------------------------------------------


def test_a_supervisor_requests_through_the_form(client, world):
    client.force_login(world.city.sv1)
    page = client.get(reverse("ops:extraction_definitions")).content.decode()
    assert "相談受付一覧（期間・種別）" in page and "指定した相談番号の経過" in page
    url = reverse("ops:extraction_new", args=["cases.consultation_list"])
    form = client.get(url).content.decode()
    assert 'name="received_from"' in form and 'value="main_concern"' in form

    response = client.post(
        url,
        {
            **period(),
            "consultation_type": "10",
            "status": "",
            "columns": ["number", "child_name", "main_concern"],
            "output_format": "csv",
            "purpose": PURPOSE,
        },
    )

    extraction = ExtractionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(extraction.pk)
    assert extraction.requested_by == world.city.sv1
    assert extraction.parameters["consultation_type"] == "10"
    assert extraction.columns == ["number", "child_name", "main_concern"]
    page = client.get(detail(extraction.pk)).content.decode()
    assert "承認待ち" in page and PURPOSE in page and "10 養護相談（区分全体）" in page


def test_the_form_names_a_case_outside_the_requesters_scope_and_saves_nothing(client, world):
    client.force_login(world.city.sv1)
    url = reverse("ops:extraction_new", args=["cases.case_progress"])
    page = client.post(
        url,
        {
            "numbers": f"{world.case1.number}\n{world.case2.number}",
            "columns": ["number", "text"],
            "output_format": "xlsx",
            "purpose": PURPOSE,
        },
    ).content.decode()
    assert f"相談番号 {world.case2.number} はあなたが閲覧できない相談" in page
    assert not ExtractionRequest.objects.exists()


def test_the_form_refuses_a_column_the_role_may_not_see(client, world):
    client.force_login(world.city_admin)
    url = reverse("ops:extraction_new", args=["cases.consultation_list"])
    page = client.get(url).content.decode()
    assert "主訴（あなたの役割では不可）" in page
    page = client.post(
        url,
        {**period(), "columns": ["main_concern"], "output_format": "xlsx", "purpose": PURPOSE},
    ).content.decode()
    assert "列「主訴」は、あなたの役割では閲覧できない" in page
    assert not ExtractionRequest.objects.exists()


def test_an_unknown_definition_is_404(client, world):
    client.force_login(world.city.sv1)
    url = reverse("ops:extraction_new", args=["cases.free_sql"])
    assert client.get(url).status_code == 404


# --- approve, run, progress --------------------------------------------------------------


def test_the_admin_approves_on_the_page_and_the_requester_cannot(client, world, make_user):
    extraction = new_request(world.city.sv1)
    client.force_login(world.city.sv1)
    assert 'id="decide"' not in client.get(detail(extraction.pk)).content.decode()
    url = reverse("ops:extraction_approve", args=[extraction.pk])
    assert client.post(url, {"version": 1}).status_code == 403

    client.force_login(world.city_admin)
    assert 'id="decide"' in client.get(detail(extraction.pk)).content.decode()
    client.post(url, {"version": 1, "note": "目的を確認済み"})
    extraction.refresh_from_db()
    assert (extraction.status, extraction.decided_by) == (Status.APPROVED, world.city_admin)


def test_a_city_admins_own_request_waits_for_another_admin(client, world, make_user):
    from accounts.models import Assignment

    both = make_user(roles.CITY_ADMIN, roles.SUPERVISOR)
    Assignment.objects.create(
        user=both, org_unit=world.city.sec1, valid_from=world.city.center.valid_from
    )
    extraction = new_request(both)
    client.force_login(both)
    page = client.get(detail(extraction.pk)).content.decode()
    assert 'id="decide"' not in page and "自分の依頼は承認できません" in page
    client.post(reverse("ops:extraction_approve", args=[extraction.pk]), {"version": 1})
    extraction.refresh_from_db()
    assert extraction.status == Status.REQUESTED


def test_vendor_presses_run_and_watches_progress(client, world):
    extraction = new_request(world.city.sv1)
    services.extraction_request_approve(
        extraction=extraction, approver=world.city_admin, expected_version=1
    )
    client.force_login(world.vendor)
    page = client.get(detail(extraction.pk)).content.decode()
    assert 'id="run"' in page
    client.post(reverse("ops:extraction_run", args=[extraction.pk]), {"version": 2})
    extraction.refresh_from_db()
    assert extraction.status == Status.QUEUED and extraction.run_by == world.vendor

    progress.report(extraction.progress_key, done=250, total=1000)
    page = client.get(detail(extraction.pk)).content.decode()
    assert '<meta http-equiv="refresh" content="5">' in page
    assert "250 / 1000 件（25%）" in page
    assert '<meta http-equiv="refresh"' in client.get(LIST).content.decode()

    services.extraction_execute(request_id=extraction.pk)
    page = client.get(detail(extraction.pk)).content.decode()
    assert '<meta http-equiv="refresh"' not in page and "完了" in page


# --- downloads and what vendor staff see -------------------------------------------------


def test_the_requester_downloads_and_each_case_is_logged(client, world):
    extraction = completed(world)
    client.force_login(world.city.sv1)
    page = client.get(detail(extraction.pk)).content.decode()
    assert reverse("ops:extraction_download", args=[extraction.pk]) in page
    response = client.get(reverse("ops:extraction_download", args=[extraction.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert AccessLog.objects.filter(
        action="export", object_type="consultation", object_id=str(world.case1.pk)
    ).exists()
    assert world.city.sv1.name in client.get(detail(extraction.pk)).content.decode()


def test_vendor_pages_never_show_what_is_in_the_file_and_download_is_403(client, world):
    world.case1.child.name = "試験 秘密子"
    world.case1.child.save()
    extraction = completed(world)
    assert extraction.row_count == 1
    client.force_login(world.vendor)
    pages = [
        client.get(LIST).content.decode(),
        client.get(detail(extraction.pk)).content.decode(),
    ]
    for page in pages:
        assert "試験 秘密子" not in page
        assert world.case1.number not in page and PURPOSE not in page
        assert reverse("ops:extraction_download", args=[extraction.pk]) not in page
    assert "完了" in pages[1] and ">1 / 1<" in pages[1]  # rows and cases: counts only
    response = client.get(reverse("ops:extraction_download", args=[extraction.pk]))
    assert response.status_code == 403
    assert "事業者の職員は" in response.content.decode()
    assert not AccessLog.objects.filter(action="export").exists()


def test_a_refused_run_shows_its_reason_to_the_city_but_only_its_kind_to_the_vendor(client, world):
    from accounts.models import Assignment

    extraction = new_request(world.city.sv1, "cases.case_progress", {"numbers": world.case1.number})
    extraction = services.extraction_request_approve(
        extraction=extraction, approver=world.city_admin, expected_version=1
    )
    services.extraction_run_start(extraction=extraction, operator=world.vendor, expected_version=2)
    Assignment.objects.filter(user=world.city.sv1).update(org_unit=world.city.sec2)
    services.extraction_execute(request_id=extraction.pk)

    client.force_login(world.vendor)
    page = client.get(detail(extraction.pk)).content.decode()
    assert "失敗" in page and "実行前の確認で中止" in page
    assert world.case1.number not in page
    client.force_login(world.city_admin)
    assert world.case1.number in client.get(detail(extraction.pk)).content.decode()


# --- query count -------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_for_3_and_30_requests(
    client, world, django_assert_max_num_queries
):
    def make(n):
        for _ in range(n):
            new_request(world.city.sv1)

    make(3)
    client.force_login(world.vendor)
    client.get(LIST)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    make(27)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        page = client.get(LIST).content.decode()
    assert page.count('<tr id="extraction-') == 30
    assert len(many) == len(few)
    assert len(few) <= 6, [q["sql"][:100] for q in few.captured_queries]
