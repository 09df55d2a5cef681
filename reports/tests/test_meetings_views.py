"""定例報告会議: pages, permissions per role, downloads (PDF text, .xlsx cells), list queries."""

import io
import subprocess
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.timeutil import JST
from reports.models.meetings import Meeting
from reports.services import meetings as services

pytestmark = pytest.mark.django_db


def make_meeting(user, day=date(2026, 6, 10), *, profile="sendai", attendees=()):
    return services.meeting_create(
        user=user,
        profile=profile,
        held_at=datetime(day.year, day.month, day.day, 14, 0, tzinfo=JST),
        place="市役所本庁舎 会議室A",
        agenda_titles=["運用状況の報告", "障害報告"],
        attendees=attendees,
        outside_attendees="外部 有識者",
    )


def confirmed(vendor, city_admin, **kwargs):
    meeting = make_meeting(vendor, **kwargs)
    items = {i.pk: (f"{i.title}：報告あり", f"{i.title}：了承") for i in meeting.agenda_items.all()}
    meeting = services.minutes_save(
        meeting=meeting, user=vendor, expected_version=1, summary="前月の運用を報告", items=items
    )
    services.action_item_add(
        meeting=meeting,
        user=vendor,
        title="バックアップ媒体の補充",
        owner="運用担当",
        due=date(2026, 7, 1),
    )
    services.minutes_submit(meeting=meeting, user=vendor)
    return services.minutes_confirm(meeting=meeting, user=city_admin)


def test_meeting_registered_from_the_form_shows_deadlines(client, vendor_operator, city_admin):
    client.force_login(vendor_operator)
    response = client.post(
        reverse("reports:meetings_new"),
        {
            "profile": "sendai",
            "held_on": "2026-05-07",
            "held_time": "14:00",
            "place": "本庁舎",
            "attendees": [city_admin.pk, vendor_operator.pk],
            "outside_attendees": "外部 委員",
            "agenda": "運用報告\n障害報告\n",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert set(meeting.attendees.all()) == {city_admin, vendor_operator}
    page = client.get(reverse("reports:meetings_detail", args=[meeting.pk])).content.decode()
    assert "2026/04/30 17:15" in page  # materials (Golden Week skipped)
    assert "2026/05/12 17:15" in page  # minutes: 5/8, 5/11, 5/12
    assert "振替休日" in page


def test_meeting_form_names_the_field_at_fault(client, vendor_operator):
    make_meeting(vendor_operator)
    client.force_login(vendor_operator)
    response = client.post(
        reverse("reports:meetings_new"),
        {
            "profile": "sendai",
            "held_on": "2026-06-24",
            "held_time": "14:00",
            "place": "x",
            "agenda": "a",
        },
    )
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert "すでに登録されています" in response.content.decode()
    assert Meeting.objects.count() == 1


def test_vendor_confirm_is_refused_in_japanese_with_nothing_changed(client, vendor_operator):
    meeting = make_meeting(vendor_operator)
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    client.force_login(vendor_operator)
    response = client.post(reverse("reports:meetings_confirm", args=[meeting.pk]), follow=True)
    assert "市のシステム管理者だけ" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_status == Meeting.MinutesStatus.AWAITING
    assert meeting.confirmed_by is None


def test_minutes_edit_page_saves_the_draft(client, vendor_operator):
    meeting = make_meeting(vendor_operator)
    item = meeting.agenda_items.first()
    client.force_login(vendor_operator)
    url = reverse("reports:meetings_minutes_edit", args=[meeting.pk])
    assert client.get(url).status_code == 200
    data = {
        "version": 1,
        "summary": "概要",
        f"reported_{item.pk}": "報告",
        f"decided_{item.pk}": "決定",
    }
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert (item.reported, item.decided) == ("報告", "決定")
    response = client.post(url, {**data, "summary": "古い版から"})  # version 1 is stale now
    assert response.status_code == 400
    assert "他の担当者が先に更新しました" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes_summary == "概要"


def test_pdf_has_the_minutes_in_japanese(client, vendor_operator, city_admin):
    meeting = confirmed(vendor_operator, city_admin, attendees=[city_admin])
    client.force_login(city_admin)
    response = client.get(reverse("reports:meetings_pdf", args=[meeting.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "2026年6月 定例報告会議 議事録",
        "運用状況の報告：報告あり",
        "障害報告：了承",
        "バックアップ媒体の補充",
        "外部 有識者",
        city_admin.name,
        "確定",
    ):
        assert expected in text
    info = subprocess.run(
        ["pdfinfo", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "595.276 x 841.89" in info  # A4


def test_xlsx_cells_and_print_setup(client, vendor_operator, city_admin):
    meeting = confirmed(vendor_operator, city_admin)
    client.force_login(vendor_operator)
    response = client.get(reverse("reports:meetings_xlsx", args=[meeting.pk]))
    ws = load_workbook(io.BytesIO(response.content))["議事録"]
    values = {row[0]: row[1:] for row in ws.iter_rows(values_only=True) if row[0] is not None}
    assert ws["A1"].value == "2026年6月 定例報告会議 議事録"
    assert values["状態"][0] == "確定"
    assert values["開催日時"][0] == "2026/06/10 14:00"
    assert values[1][:3] == ("運用状況の報告", "運用状況の報告：報告あり", "運用状況の報告：了承")
    assert values["バックアップ媒体の補充"][:3] == ("運用担当", "2026/07/01", "未着手")
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_area


def test_permissions_per_role(
    client, vendor_operator, city_admin, attendee, caseworker, supervisor
):
    draft_meeting = make_meeting(vendor_operator)
    final = confirmed(vendor_operator, city_admin, day=date(2026, 7, 8))
    urls = lambda m: [  # noqa: E731
        reverse("reports:meetings_detail", args=[m.pk]),
        reverse("reports:meetings_pdf", args=[m.pk]),
        reverse("reports:meetings_xlsx", args=[m.pk]),
    ]
    for user in (caseworker, supervisor):
        client.force_login(user)
        assert client.get(reverse("reports:meetings_index")).status_code == 403
        for url in urls(final) + urls(draft_meeting):
            assert client.get(url).status_code == 403
    client.force_login(attendee)
    page = client.get(reverse("reports:meetings_index")).content.decode()
    assert f"meeting-{final.pk}" in page and f"meeting-{draft_meeting.pk}" not in page
    for url in urls(final):
        assert client.get(url).status_code == 200
    for url in urls(draft_meeting):
        assert client.get(url).status_code == 403
    assert client.get(reverse("reports:meetings_new")).status_code == 403
    assert (
        client.post(reverse("reports:meetings_confirm", args=[draft_meeting.pk])).status_code == 403
    )
    for user in (vendor_operator, city_admin):
        client.force_login(user)
        for url in urls(draft_meeting):
            assert client.get(url).status_code == 200
    client.force_login(city_admin)
    assert (
        client.get(reverse("reports:meetings_minutes_edit", args=[draft_meeting.pk])).status_code
        == 403
    )


def test_question_and_answer_through_the_pages(client, vendor_operator, city_admin):
    meeting = make_meeting(vendor_operator)
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    client.force_login(city_admin)
    page = client.get(reverse("reports:meetings_detail", args=[meeting.pk])).content.decode()
    assert 'id="confirm-form"' in page and 'id="question-form"' in page
    client.post(reverse("reports:meetings_question", args=[meeting.pk]), {"text": "件数の根拠は？"})
    question = meeting.questions.get()
    client.force_login(vendor_operator)
    client.post(
        reverse("reports:meetings_answer", args=[meeting.pk, question.pk]),
        {"text": "集計表のとおり"},
    )
    page = client.get(reverse("reports:meetings_detail", args=[meeting.pk])).content.decode()
    assert "件数の根拠は？" in page and "集計表のとおり" in page


def test_menu_entry_for_meeting_roles_only(attendee, vendor_operator, city_admin, caseworker):
    from core.navigation import items_for

    for user in (attendee, vendor_operator, city_admin):
        assert "reports_meetings" in {i["key"] for i in items_for(user)}
    assert "reports_meetings" not in {i["key"] for i in items_for(caseworker)}


def test_list_query_count_does_not_grow_with_rows(
    client, vendor_operator, django_assert_max_num_queries
):
    def add(n, start_year):
        for i in range(n):
            year, month = start_year + i // 12, i % 12 + 1
            make_meeting(vendor_operator, date(year, month, 10), profile=("sendai", "kobe")[i % 2])

    client.force_login(vendor_operator)
    add(3, 2020)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("reports:meetings_index")).status_code == 200
    add(27, 2022)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reports:meetings_index"))
    assert response.content.decode().count('id="meeting-') == min(30, len(response.context["page"]))


def test_action_items_through_the_pages_carry_over(client, vendor_operator):
    june = make_meeting(vendor_operator)
    july = make_meeting(vendor_operator, date(2026, 7, 8))
    client.force_login(vendor_operator)
    add = reverse("reports:meetings_action_add", args=[june.pk])
    response = client.post(
        add, {"title": "手順書の改訂", "owner": "運用担当", "due": "不明"}, follow=True
    )
    assert "期限: " in response.content.decode()  # the field at fault, in the message
    assert not june.action_items.exists()
    client.post(add, {"title": "手順書の改訂", "owner": "運用担当", "due": "2026-06-30"})
    item = june.action_items.get()
    page = client.get(reverse("reports:meetings_detail", args=[july.pk])).content.decode()
    assert f'id="action-{item.pk}" data-status="todo"' in page
    client.post(
        reverse("reports:meetings_action_status", args=[july.pk, item.pk]), {"status": "done"}
    )
    item.refresh_from_db()
    assert (item.status, item.done_in_id) == ("done", july.pk)
