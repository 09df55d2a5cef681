"""Pages caseworkers use: search normalisation, intake, masking, escaping, query counts."""

from datetime import date

import pytest
from django.urls import reverse

from cases.models import Consultation, Person
from cases.selectors import SearchQuery, search_consultations
from cases.tests.factories import (
    ConsultationFactory,
    PersonFactory,
    abuse_report,
    assign,
    guardian,
    note,
    protection,
)
from core.models import AccessLog
from core.textnorm import search_form

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("髙橋 美咲", "高橋"),
        ("山﨑 健", "山崎"),
        ("渡邊 大輔", "渡辺"),
        ("ＡＢＣ 太郎", "abc"),
    ],
)
def test_kanji_search_folds_variants_and_width(stored, typed):
    assert search_form(typed) in search_form(stored)


def _mine(world, **child):
    case = ConsultationFactory(
        unit=world.city.sec1, receiver=world.city.worker1, child=PersonFactory(**child)
    )
    assign(case, world.city.worker1)
    return case


@pytest.mark.parametrize("typed", ["たかはし", "タカハシ", "ﾀｶﾊｼ", "かはし", "高橋", "髙橋", "高"])
def test_search_finds_by_kana_or_kanji_whatever_the_form(world, typed):
    case = _mine(world, name="髙橋 美咲", name_kana="タカハシ ミサキ")
    result = search_consultations(world.city.worker1, SearchQuery(text=typed))
    assert case in result.visible


def test_search_by_birth_date_number_guardian_status_and_worker(world):
    case = _mine(world, name="試験 一郎", name_kana="シケン イチロウ", birth_date=date(2016, 2, 29))
    guardian(case.child, name="試験 母子", name_kana="シケン ボシ")
    w1 = world.city.worker1
    assert search_consultations(w1, SearchQuery(birth_date=date(2016, 2, 29))).visible == [case]
    assert case in search_consultations(w1, SearchQuery(number=case.number[:8])).visible
    assert search_consultations(w1, SearchQuery(guardian="ぼし")).visible == [case]
    assert case in search_consultations(w1, SearchQuery(status="open", worker_id=w1.pk)).visible
    assert (
        case not in search_consultations(w1, SearchQuery(text="いちろう", status="closed")).visible
    )


def test_intake_warns_of_a_likely_existing_child_and_links_the_chosen_one(client, world):
    existing = PersonFactory(
        name="試験 重複", name_kana="シケン チョウフク", birth_date=date(2019, 1, 2)
    )
    client.force_login(world.city.worker1)
    form = {
        "received_at": "2026-11-28T09:00",
        "channel": "phone",
        "route": world.case1.route.pk,
        "consultation_type": world.case1.consultation_type.pk,
        "main_concern": "保育所から、登園時のあざについて相談。",
        "child_name": "試験 重複",
        "child_kana": "しけん ちょうふく",
        "child_sex": "M",
        "child_birth_date": "2019-01-02",
    }
    page = client.post(reverse("cases:intake"), form)
    assert page.status_code == 200
    assert "既に登録されている可能性" in page.content.decode()
    assert not Consultation.objects.filter(child=existing).exists()

    response = client.post(reverse("cases:intake"), {**form, "child_id": existing.pk})

    assert response.status_code == 302
    case = Consultation.objects.get(child=existing)
    assert Person.objects.filter(name="試験 重複").count() == 1
    assert case.number.startswith("2026-")


def test_intake_of_an_abuse_report_needs_types_and_urgency(client, world):
    client.force_login(world.city.worker1)
    page = client.post(
        reverse("cases:intake"),
        {
            "received_at": "2026-11-28T09:00",
            "channel": "report",
            "route": world.case1.route.pk,
            "consultation_type": world.case1.consultation_type.pk,
            "main_concern": "通告。",
            "child_name": "試験 通告",
            "child_kana": "シケン ツウコク",
            "child_sex": "F",
            "is_abuse": "on",
            "reporter_anonymous": "on",
        },
    )
    body = page.content.decode()
    assert "虐待種別を1つ以上選んでください" in body and "緊急度を選んでください" in body
    assert not Person.objects.filter(name="試験 通告").exists()


def test_a_confidential_address_is_masked_until_revealed_and_the_reveal_is_logged(client, world):
    child = world.case1.child
    child.address_confidential = True
    child.address = "架空市秘匿町9-9-9"
    child.save()
    client.force_login(world.city.worker1)
    url = reverse("cases:detail", args=[world.case1.pk])
    assert "架空市秘匿町" not in client.get(url).content.decode()
    edit = client.get(
        reverse("cases:person_edit", args=[world.case1.pk, child.pk])
    ).content.decode()
    assert "架空市秘匿町" not in edit

    revealed = client.post(reverse("cases:reveal_address", args=[world.case1.pk, child.pk]))

    assert "架空市秘匿町9-9-9" in revealed.content.decode()
    assert AccessLog.objects.filter(
        action="reveal", object_type="person", object_id=str(child.pk)
    ).exists()


def test_an_adversary_link_warns_before_documents_go_out(client, world):
    guardian(world.case1.child, relation="実父", adversary=True, name="試験 加害")
    client.force_login(world.city.worker1)
    page = client.get(reverse("cases:detail", args=[world.case1.pk])).content.decode()
    assert "住所を知られてはならない相手" in page and "試験 加害" in page


def test_script_in_notes_is_shown_as_text(client, world):
    note(world.case1, world.city.worker1, text="<script>alert(1)</script>")
    client.force_login(world.city.worker1)
    page = client.get(reverse("cases:detail", args=[world.case1.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _warm(client, url):
    client.get(url)  # caches the session and the nav


@pytest.mark.parametrize("extra", [1, 15])
def test_case_detail_queries_do_not_grow_with_its_contents(
    client, world, django_assert_max_num_queries, extra
):
    case = world.case1
    abuse_report(case)
    protection(case)
    for i in range(extra):
        note(case, world.city.worker1, text=f"記録{i}")
        guardian(case.child, relation=f"同居人{i}")
    client.force_login(world.city.worker1)
    url = reverse("cases:detail", args=[case.pk])
    _warm(client, url)
    with django_assert_max_num_queries(32):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("extra", [1, 20])
def test_dashboard_queries_do_not_grow_with_the_caseload(
    client, world, django_assert_max_num_queries, extra
):
    for _ in range(extra):
        case = _mine(world)
        abuse_report(case)
        note(case, world.city.worker1)
    client.force_login(world.city.sv1)
    _warm(client, reverse("cases:dashboard"))
    with django_assert_max_num_queries(16):
        assert client.get(reverse("cases:dashboard")).status_code == 200


@pytest.mark.parametrize("extra", [1, 20])
def test_search_queries_do_not_grow_with_the_hits(
    client, world, django_assert_max_num_queries, extra
):
    for _ in range(extra):
        _mine(world)
    client.force_login(world.city.worker1)
    _warm(client, reverse("cases:search"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("cases:search"), {"q": "しけん"}).status_code == 200


def test_dashboard_shows_review_dates_of_the_latest_meeting_only(client, world):
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Meeting

    today = timezone.localdate()
    common = {
        "consultation": world.case1,
        "attendees": "係内",
        "decisions": "継続",
        "recorded_by": world.city.worker1,
    }
    Meeting.objects.create(
        kind="case_review",
        held_on=today - timedelta(days=60),
        next_review_on=today - timedelta(days=30),
        **common,
    )  # superseded
    Meeting.objects.create(
        kind="support_policy",
        held_on=today - timedelta(days=10),
        next_review_on=today + timedelta(days=5),
        **common,
    )
    client.force_login(world.city.worker1)
    page = client.get(reverse("cases:dashboard"))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('data-due="見直し') == 1
    assert 'data-due="見直し（援助方針会議）"' in body
