"""seed_helpdesk_volume at a tiny size: counts, numbering, search text, answers, refusal."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.textnorm import search_form
from core.timeutil import fiscal_year
from helpdesk import services
from helpdesk.models import Countermeasure, Faq, Inquiry, LiaisonSlip
from helpdesk.volume import DESK_STAFF, KEYWORDS, MARKER, TOPICS, HelpdeskVolumeLoader

SIZES = {"inquiries": 400, "slips": 40, "faqs": 20, "years": 2}


class Volume:
    def __init__(self, output, before, app_inquiry):
        self.output = output
        self.before = before
        self.app_inquiry = app_inquiry

    def inquiries(self):
        return Inquiry.objects.filter(pk__gt=self.before[Inquiry])

    def slips(self):
        return LiaisonSlip.objects.filter(pk__gt=self.before[LiaisonSlip])


def _max_ids():
    return {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in (Inquiry, LiaisonSlip, Faq, Countermeasure)
    }


@pytest.fixture
def volume(db):
    call_command("seed_demo", stdout=io.StringIO())
    # one inquiry filed through the service first: the load must number after it
    app_inquiry = services.inquiry_create(
        actor=User.objects.get(employee_number="900007"),
        received_at=timezone.now() - timedelta(minutes=5),
        channel="phone",
        subject="帳票が印刷できない",
        content="児童記録票の印刷ボタンを押しても反応がない。",
    )
    before = _max_ids()
    out = io.StringIO()
    call_command("seed_helpdesk_volume", **SIZES, stdout=out)
    return Volume(out.getvalue(), before, app_inquiry)


def test_counts_and_progress_lines(volume):
    b = volume.before
    assert volume.inquiries().count() == 400
    assert volume.slips().count() == 40
    assert Faq.objects.filter(pk__gt=b[Faq]).count() == 20
    per_slip = [s.countermeasures.count() for s in volume.slips()]
    assert set(per_slip) <= {1, 2, 3}
    assert Countermeasure.objects.filter(pk__gt=b[Countermeasure]).count() == sum(per_slip)
    for label in ("計画", "FAQ: 20 行", "問合せ: 400 行", "連絡票: 40 行", "ANALYZE", "投入完了"):
        assert label in volume.output


def test_numbers_are_unique_well_formed_and_follow_the_app(volume):
    rows = list(Inquiry.objects.values_list("number", "fiscal_year", "sequence"))
    assert len({n for n, *_ in rows}) == len(rows)
    assert len({(fy, seq) for _, fy, seq in rows}) == len(rows)
    for number, fy, seq in volume.inquiries().values_list("number", "fiscal_year", "sequence"):
        assert re.fullmatch(r"Q\d+-\d{5}", number)
        assert number == f"Q{fy - 2018}-{seq:05d}"
    # the inquiry filed through the service keeps its number; the load continues after it
    app = volume.app_inquiry
    this_year = volume.inquiries().filter(fiscal_year=app.fiscal_year)
    assert app.sequence == 1
    assert this_year.order_by("sequence").values_list("sequence", flat=True).first() == 2
    for slip in volume.slips():
        assert re.fullmatch(r"R\d+-\d{4}", slip.number)
        assert slip.number == f"R{slip.fiscal_year - 2018}-{slip.sequence:04d}"
        assert slip.fiscal_year == fiscal_year(slip.raised_at)
    slip_numbers = list(LiaisonSlip.objects.values_list("number", flat=True))
    assert len(set(slip_numbers)) == len(slip_numbers)


def test_search_text_is_filled_like_the_services(volume):
    for inquiry in volume.inquiries():
        assert inquiry.search_text
        assert search_form(inquiry.subject) in inquiry.search_text
        assert inquiry.search_text == services.inquiry_search_text(inquiry)
        assert inquiry.fiscal_year == fiscal_year(inquiry.received_at)
    for slip in volume.slips():
        assert slip.search_text == services.slip_search_text(slip)
    for faq in Faq.objects.filter(pk__gt=volume.before[Faq]):
        assert faq.search_text == services.faq_search_text(faq)


def test_answers_follow_receipt_and_most_are_answered(volume):
    qs = volume.inquiries()
    assert not qs.filter(answered_at__lt=F("received_at")).exists()
    assert not qs.filter(due_at__lte=F("received_at")).exists()
    assert not qs.filter(due_explanation="").exists()
    S = Inquiry.Status
    done = qs.filter(status__in=[S.ANSWERED, S.CLOSED]).count()
    assert done / qs.count() > 0.85
    assert not qs.filter(status=S.ANSWERED, answered_at__isnull=True).exists()
    assert not qs.filter(answered_at__isnull=False, answer="").exists()
    # closed without an answer only when a slip settled it (as inquiry_set_status requires)
    assert not qs.filter(status=S.CLOSED, answer="", slip__isnull=True).exists()
    assert qs.filter(channel="mail", created_by__isnull=True).exists()


def test_slips_close_with_judgement_and_vendor_owners(volume):
    slips = volume.slips()
    S = LiaisonSlip.Status
    assert slips.filter(status=S.CLOSED).exists()
    assert not slips.filter(status=S.CLOSED, judgement="").exists()
    assert not slips.filter(status=S.CLOSED, closed_at__isnull=True).exists()
    assert not slips.filter(raised_at__lt=F("inquiry__received_at")).exists()
    assert not Countermeasure.objects.filter(
        slip__in=slips.filter(status=S.CLOSED), status__in=["todo", "doing"]
    ).exists()
    owners = set(
        Countermeasure.objects.filter(slip__in=slips).values_list(
            "owner__employee_number", flat=True
        )
    )
    assert owners <= set(DESK_STAFF)
    # an inquiry waits (連絡票起票) exactly while its slip is unfinished
    for slip in slips.select_related("inquiry"):
        escalated = slip.inquiry.status == Inquiry.Status.ESCALATED
        assert escalated == (slip.status != S.CLOSED)


def test_second_run_refuses_without_force(volume):
    count = Inquiry.objects.count()
    with pytest.raises(CommandError, match=r"既に投入済み.*--force"):
        call_command("seed_helpdesk_volume", **SIZES, stdout=io.StringIO())
    assert Inquiry.objects.count() == count
    marker = HelpdeskVolumeLoader.existing_marker()
    first = volume.inquiries().order_by("pk").first()
    assert marker.startswith(MARKER)
    assert f"[first {first.pk} {first.number}]" in marker


def test_force_appends_with_fresh_numbers(volume):
    count = Inquiry.objects.count()
    call_command(
        "seed_helpdesk_volume", inquiries=30, slips=3, faqs=2, force=True, stdout=io.StringIO()
    )
    assert Inquiry.objects.count() == count + 30
    numbers = list(Inquiry.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)


def test_benchmark_keywords_come_from_the_phrase_pools():
    pool = search_form(" ".join(s for topic in TOPICS for part in topic[1:] for s in part))
    for word in KEYWORDS:
        assert 2 <= len(word) <= 6
        assert search_form(word) in pool, word
