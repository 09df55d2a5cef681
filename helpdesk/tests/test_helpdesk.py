"""Inquiries, liaison slips, FAQ and work requests: rules, permissions, list cost."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core.timeutil import JST
from helpdesk import services
from helpdesk.models import Countermeasure, Faq, Inquiry, LiaisonSlip, WorkRequest
from helpdesk.selectors import monthly_counts

pytestmark = pytest.mark.django_db


def phone(actor, **kw):
    data = dict(
        actor=actor,
        received_at=timezone.now() - timedelta(minutes=1),
        channel="phone",
        subject="帳票が印刷できない",
        content="児童記録票の印刷ボタンを押しても反応がない。",
    )
    data.update(kw)
    return services.inquiry_create(**data)


def test_inquiry_numbers_follow_the_fiscal_year_in_reiwa(vendor_operator, time_machine):
    time_machine.move_to("2027-03-31 10:00 +0900")
    first = phone(vendor_operator)
    time_machine.move_to("2027-04-01 10:00 +0900")
    second = phone(vendor_operator)
    assert (first.number, second.number) == ("Q8-00001", "Q9-00001")


def test_a_phone_inquiry_in_desk_hours_is_due_one_desk_day_later(
    vendor_operator, time_machine, settings
):
    settings.CITY_PROFILE = "sendai"
    time_machine.move_to("2026-12-01 10:00 +0900")  # Tuesday
    inquiry = phone(vendor_operator, received_at=datetime(2026, 12, 1, 10, 0, tzinfo=JST))
    assert inquiry.due_at == datetime(2026, 12, 2, 10, 0, tzinfo=JST)
    assert inquiry.due_explanation


def test_mail_after_hours_on_the_last_day_before_the_closure_is_due_after_new_year(
    vendor_operator, time_machine
):
    time_machine.move_to("2026-12-28 20:00 +0900")
    inquiry = services.inquiry_create(
        actor=None,
        received_at=timezone.now(),
        channel="mail",
        subject="年末のメール",
        content="システムにログインできません。",
    )
    due = inquiry.due_at.astimezone(JST)
    assert due.date() == date(2027, 1, 4)
    assert "1/4" in inquiry.due_explanation


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"subject": "  "}, "件名"),
        ({"content": ""}, "内容"),
        ({"case_number": "山田さんのケース"}, "受付番号"),
        ({"received_at": timezone.now() + timedelta(days=1)}, "未来"),
    ],
)
def test_bad_inquiries_are_refused_in_japanese(vendor_operator, kw, message):
    with pytest.raises(ValidationError, match=message):
        phone(vendor_operator, **kw)
    assert Inquiry.objects.count() == 0


def test_an_answer_before_the_receipt_is_refused(vendor_operator):
    inquiry = phone(vendor_operator)
    with pytest.raises(ValidationError, match="受付日時より前"):
        services.inquiry_answer(
            inquiry=inquiry,
            actor=vendor_operator,
            answer="再起動してください。",
            answered_at=inquiry.received_at - timedelta(hours=1),
            expected_version=inquiry.version,
        )


def test_escalation_countermeasures_and_closure(vendor_operator):
    inquiry = phone(vendor_operator)
    slip = services.slip_raise(actor=vendor_operator, event="印刷できない事象", inquiry=inquiry)
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ESCALATED
    assert slip.number.startswith("R")
    with pytest.raises(ValidationError, match="既に連絡票"):
        services.slip_raise(actor=vendor_operator, event="二重起票", inquiry=inquiry)
    provisional = services.countermeasure_add(
        slip=slip,
        kind="provisional",
        description="別端末から印刷",
        owner=vendor_operator,
        due_on=date(2026, 12, 1),
    )
    services.countermeasure_add(
        slip=slip,
        kind="permanent",
        description="プリンタドライバ更新",
        owner=vendor_operator,
        due_on=date(2026, 12, 20),
    )
    slip.refresh_from_db()
    slip = services.slip_update(
        slip=slip, expected_version=slip.version, judgement="defect", triage="端末固有"
    )

    with pytest.raises(ValidationError, match="完了していない対応策"):
        services.slip_close(slip=slip, actor=vendor_operator, expected_version=slip.version)

    services.countermeasure_set_status(countermeasure=provisional, status="done")
    for cm in slip.countermeasures.exclude(pk=provisional.pk):
        services.countermeasure_set_status(countermeasure=cm, status="done")
    slip.refresh_from_db()
    closed = services.slip_close(slip=slip, actor=vendor_operator, expected_version=slip.version)
    assert closed.status == LiaisonSlip.Status.CLOSED
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CLOSED
    assert set(Countermeasure.history.values_list("status", flat=True)) >= {"todo", "done"}


def test_a_slip_needs_a_judgement_before_closing(vendor_operator):
    slip = services.slip_raise(actor=vendor_operator, event="事象")
    with pytest.raises(ValidationError, match="判定"):
        services.slip_close(slip=slip, actor=vendor_operator, expected_version=slip.version)


def test_faq_draft_from_an_answered_inquiry_then_publish(vendor_operator, caseworker, client):
    inquiry = phone(vendor_operator)
    with pytest.raises(ValidationError, match="回答"):
        services.faq_draft_from_inquiry(inquiry=inquiry, actor=vendor_operator)
    inquiry = services.inquiry_answer(
        inquiry=inquiry,
        actor=vendor_operator,
        answer="ブラウザを再起動してください。",
        answered_at=timezone.now(),
        expected_version=inquiry.version,
    )
    faq = services.faq_draft_from_inquiry(inquiry=inquiry, actor=vendor_operator)
    assert faq.status == Faq.Status.DRAFT and list(faq.inquiries.all()) == [inquiry]

    client.force_login(caseworker)
    assert (
        client.get(reverse("helpdesk:faq", args=[faq.pk])).status_code == 403
    )  # drafts are not for readers
    services.faq_set_status(faq=faq, status="published", expected_version=faq.version)
    page = client.get(reverse("helpdesk:faq", args=[faq.pk]))
    assert page.status_code == 200 and "ブラウザを再起動" in page.content.decode()


def test_work_request_runs_from_request_to_report(city_admin, vendor_operator):
    wr = services.work_request_create(
        requester=city_admin,
        title="帳票の項目追加",
        content="児童記録票に欄を追加したい。",
        desired_on=date.today() + timedelta(days=30),
    )
    wr = services.work_request_review(
        wr=wr,
        actor=vendor_operator,
        feasibility="yes",
        estimate="2人日",
        expected_version=wr.version,
    )
    with pytest.raises(ValidationError):
        services.work_request_complete(
            wr=wr, report="完了", completed_on=date.today(), expected_version=wr.version
        )
    wr = services.work_request_approve(
        wr=wr, actor=city_admin, plan="検証環境で確認後に適用", expected_version=wr.version
    )
    wr = services.work_request_complete(
        wr=wr, report="適用しました。", completed_on=date.today(), expected_version=wr.version
    )
    assert wr.status == WorkRequest.Status.COMPLETED
    assert wr.history.count() >= 4


def test_city_desk_sees_only_its_units_inquiries_and_caseworkers_none(
    client, city, make_user, vendor_operator
):
    from accounts.models import Assignment

    ward_user = make_user(roles.WARD_STAFF)
    Assignment.objects.create(user=ward_user, org_unit=city.ward, valid_from=date(2026, 4, 1))
    mine = phone(vendor_operator, caller_unit=city.ward)
    other = phone(vendor_operator, caller_unit=city.sec1)
    client.force_login(ward_user)
    page = client.get(reverse("helpdesk:inquiries")).content.decode()
    assert mine.number in page and other.number not in page
    assert client.get(reverse("helpdesk:inquiry", args=[other.pk])).status_code == 403
    assert client.post(reverse("helpdesk:inquiry_answer", args=[mine.pk]), {}).status_code == 403
    client.force_login(city.worker1)
    assert client.get(reverse("helpdesk:inquiries")).status_code == 403
    assert client.get(reverse("helpdesk:faqs")).status_code == 200


def test_search_finds_japanese_fragments_across_inquiries_slips_and_faq(client, vendor_operator):
    inquiry = phone(
        vendor_operator,
        subject="ログインできない",
        content="パスワードを変更した後にログインできない。",
    )
    services.slip_raise(
        actor=vendor_operator, event="パスワード変更後のログイン不可", inquiry=inquiry
    )
    client.force_login(vendor_operator)
    page = client.get(reverse("helpdesk:search"), {"q": "ﾊﾟｽﾜｰﾄﾞ"}).content.decode()
    assert inquiry.number in page and "R8-" in page


def test_inquiry_list_costs_the_same_queries_for_any_page_size(
    client, vendor_operator, django_assert_max_num_queries
):
    for i in range(60):
        inquiry = phone(vendor_operator, subject=f"問合せ{i}")
        if i % 3 == 0:
            services.slip_raise(actor=vendor_operator, event="事象", inquiry=inquiry)
    client.force_login(vendor_operator)
    client.get(reverse("helpdesk:inquiries"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("helpdesk:inquiries"))
    assert len(re.findall(r'href="/helpdesk/inquiries/\d+/"', page.content.decode())) == 50


def test_escaped_html_in_inquiries(client, vendor_operator):
    inquiry = phone(vendor_operator, content="<script>alert('x')</script>")
    client.force_login(vendor_operator)
    page = client.get(reverse("helpdesk:inquiry", args=[inquiry.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_monthly_trend_counts_twelve_months(vendor_operator, time_machine):
    time_machine.move_to("2026-10-15 10:00 +0900")
    phone(vendor_operator)
    time_machine.move_to("2026-11-20 10:00 +0900")
    phone(vendor_operator)
    phone(vendor_operator)
    trend = monthly_counts(months=12)
    assert len(trend) == 12
    assert trend[-1] == {"month": date(2026, 11, 1), "count": 2}
    assert trend[-2] == {"month": date(2026, 10, 1), "count": 1}


def test_work_request_stats_count_reviewed_and_completed(city_admin, vendor_operator, time_machine):
    from helpdesk.selectors import work_request_stats

    time_machine.move_to("2026-11-10 10:00 +0900")
    done = services.work_request_create(requester=city_admin, title="完了する依頼", content="内容")
    open_one = services.work_request_create(
        requester=city_admin, title="未検討の依頼", content="内容"
    )
    done = services.work_request_review(
        wr=done,
        actor=vendor_operator,
        feasibility="no",
        estimate="対応不可",
        expected_version=done.version,
    )
    stats = work_request_stats(start=date(2026, 11, 1), end=date(2026, 12, 1))
    assert (stats["received"], stats["reviewed"], stats["completed"]) == (2, 1, 1)
    assert stats["completed_rate"] == 0.5
    assert open_one.status == WorkRequest.Status.REQUESTED


def test_the_inquiry_list_pages_without_counting_everything(client, vendor_operator):
    for i in range(55):
        phone(vendor_operator, subject=f"ページ送り{i}")
    client.force_login(vendor_operator)
    first = client.get(reverse("helpdesk:inquiries")).content.decode()
    assert "次へ" in first and "前へ" not in first
    second = client.get(
        reverse("helpdesk:inquiries"), {"page": 2, "q": "ページ送り"}
    ).content.decode()
    assert len(re.findall(r'href="/helpdesk/inquiries/\d+/"', second)) == 5
    assert "前へ" in second and "次へ" not in second
    assert "page=1" in second and "page=2&amp;page" not in second
    assert client.get(reverse("helpdesk:inquiries"), {"page": "x"}).status_code == 200
