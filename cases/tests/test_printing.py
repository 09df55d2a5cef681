"""Printed case documents: what appears, what never appears, who may print."""

import re
import subprocess
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.display import MASK
from cases.models import Diagnosis, Meeting, ProgressNote, Reporter
from cases.tests.factories import abuse_report, guardian, note, protection
from core.models import AccessLog
from core.timeutil import JST

pytestmark = pytest.mark.django_db


def pdf_text(pdf_bytes: bytes) -> str:
    assert pdf_bytes.startswith(b"%PDF-")
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf_bytes, capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def record_url(case, **query):
    url = reverse("cases:print_record", args=[case.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def protection_url(case):
    return reverse("cases:print_protection", args=[case.pk])


def print_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


@pytest.fixture
def worker_client(client, world):
    client.force_login(world.city.worker1)
    return client


def test_assigned_worker_prints_record_with_child_number_and_notes(worker_client, world):
    case = world.case1
    note(case, world.city.worker1, text="児童と面接し、学校での様子を聞き取った。")

    response = worker_client.get(record_url(case))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "児童記録票" in text
    assert case.child.name in text
    assert case.number in text
    assert "児童と面接し、学校での様子を聞き取った。" in text
    assert "この文書には個人情報が含まれます。取扱注意" in text
    assert re.search(r"\b1\s*/\s*1\b", text)  # page numbers: a one-page record


def test_notes_are_printed_oldest_first(worker_client, world):
    case = world.case1
    worker = world.city.worker1
    note(case, worker, text="二番目の記録", occurred_at=datetime(2026, 11, 20, 10, 0, tzinfo=JST))
    note(case, worker, text="一番目の記録", occurred_at=datetime(2026, 11, 10, 10, 0, tzinfo=JST))

    text = print_text(worker_client, record_url(case))

    assert text.index("一番目の記録") < text.index("二番目の記録")
    assert "2026/11/10 10:00" in text


def test_confidential_addresses_are_masked_never_printed(worker_client, world):
    case = world.case1
    child = case.child
    child.address = "架空市秘匿町9-8-7"
    child.address_confidential = True
    child.save()
    guardian(child, relation="実母", address="架空市隠れ町5-5-5", address_confidential=True)

    for url in (record_url(case), protection_url(case)):
        text = print_text(worker_client, url)
        assert "秘匿町" not in text
        assert "隠れ町" not in text
        assert MASK in text


def test_household_is_printed_with_relation_and_guardian(worker_client, world):
    case = world.case1
    mother = guardian(case.child, relation="実母", name="試験 母子")

    text = print_text(worker_client, record_url(case))

    assert "実母" in text
    assert mother.name in text
    assert mother.address in text  # not confidential: printed as is


def test_reporter_is_never_printed(worker_client, world):
    case = world.case1
    Reporter.objects.create(
        consultation=case, name="通告 太郎", contact="090-1111-2222", relation="隣人"
    )
    abuse_report(case)

    for url in (record_url(case), record_url(case, redacted=1), protection_url(case)):
        text = print_text(worker_client, url)
        assert "太郎" not in text
        assert "090-1111-2222" not in text
        assert "隣人" not in text


def test_abuse_report_shows_types_and_safety_deadline(worker_client, world):
    case = world.case1
    accepted = datetime(2026, 11, 26, 9, 15, tzinfo=JST)
    abuse_report(case, accepted_at=accepted, urgency="AA")

    text = print_text(worker_client, record_url(case))

    assert "身体的虐待" in text
    assert "AA（緊急一時保護を要する）" in text
    assert "2026/11/26 09:15" in text
    assert "2026/11/28 09:15" in text  # 48 hours later


def test_redacted_copy_withholds_non_open_notes_and_assessments(worker_client, world):
    case = world.case1
    worker = world.city.worker1
    note(
        case, worker, text="母と面談し生活状況を確認した。", disclosure=ProgressNote.Disclosure.OPEN
    )
    note(
        case, worker, text="リスクは高いと判断する。", disclosure=ProgressNote.Disclosure.ASSESSMENT
    )
    note(case, worker, text="学校の担任から聴取した。", disclosure=ProgressNote.Disclosure.AGENCY)
    Diagnosis.objects.create(
        consultation=case,
        kind="social",
        made_on=date(2026, 11, 1),
        author=worker,
        findings="養育能力に課題。",
    )
    Meeting.objects.create(
        consultation=case,
        kind="intake",
        held_on=date(2026, 11, 2),
        attendees="係長、担当",
        decisions="一時保護を検討する。",
        recorded_by=worker,
    )

    full = print_text(worker_client, record_url(case))
    redacted = print_text(worker_client, record_url(case, redacted=1))

    for secret in (
        "リスクは高いと判断する。",
        "学校の担任から聴取した。",
        "養育能力に課題。",
        "一時保護を検討する。",
    ):
        assert secret in full
        assert secret not in redacted
    assert "母と面談し生活状況を確認した。" in redacted
    assert "（不開示：評価・判断情報）" in redacted
    assert "（不開示：関係機関情報）" in redacted
    assert "（不開示" not in full


def test_markup_in_case_text_is_printed_literally(worker_client, world):
    case = world.case1
    note(case, world.city.worker1, text="<script>alert(1)</script>")

    text = print_text(worker_client, record_url(case))

    assert "<script>alert(1)</script>" in text


def test_printing_writes_a_print_entry_to_the_read_log(worker_client, world):
    case = world.case1

    print_text(worker_client, record_url(case))
    print_text(worker_client, protection_url(case))

    entries = AccessLog.objects.filter(
        action=AccessLog.Action.PRINT,
        object_type="consultation",
        object_id=str(case.pk),
        user_id=world.city.worker1.pk,
    )
    assert entries.count() == 2


@pytest.mark.parametrize("who", ["other_section_worker", "city_admin", "vendor"])
@pytest.mark.parametrize("which", ["record", "protection"])
def test_people_outside_the_case_are_refused(client, world, who, which):
    user = {
        "other_section_worker": world.city.worker2,
        "city_admin": world.city_admin,
        "vendor": world.vendor,
    }[who]
    client.force_login(user)
    url = record_url(world.case1) if which == "record" else protection_url(world.case1)

    response = client.get(url)

    assert response.status_code == 403
    assert response["Content-Type"] != "application/pdf"
    assert not AccessLog.objects.filter(action=AccessLog.Action.PRINT).exists()


def test_supervisor_of_the_section_may_print(client, world):
    client.force_login(world.city.sv1)

    text = print_text(client, record_url(world.case1))

    assert world.case1.number in text


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(record_url(world.case1))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_protection_without_consent_shows_warrant_deadline(worker_client, world):
    case = world.case1
    protection(
        case,
        consent=False,
        start_at=datetime(2026, 11, 20, 10, 30, tzinfo=JST),
        facility="試験委託里親",
    )

    text = print_text(worker_client, protection_url(case))

    assert "一時保護記録" in text
    assert "2026/11/27 10:30" in text  # 一時保護状の請求期限: 7 days
    assert "未請求" in text
    assert "2027年1月20日" in text  # two months
    assert "試験委託里親" in text


def test_protection_with_consent_has_no_warrant_deadline(worker_client, world):
    case = world.case1
    protection(case, consent=True, start_at=datetime(2026, 11, 20, 10, 30, tzinfo=JST))

    text = print_text(worker_client, protection_url(case))

    assert "2026/11/27 10:30" not in text
    assert "同意あり" in text


def test_record_queries_do_not_grow_with_the_number_of_notes(worker_client, world):
    case = world.case1
    worker = world.city.worker1
    abuse_report(case)
    protection(case)
    print_text(worker_client, record_url(case))  # warm caches (content types, session)

    for i in range(2):
        note(case, worker, text=f"記録{i}")
    with CaptureQueriesContext(connection) as few:
        print_text(worker_client, record_url(case))

    for i in range(2, 20):
        note(case, worker, text=f"記録{i}")
    with CaptureQueriesContext(connection) as many:
        text = print_text(worker_client, record_url(case))

    assert "記録19" in text
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
