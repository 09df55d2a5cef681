import hashlib
import imaplib
import threading
from collections import defaultdict
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.timeutil import JST
from helpdesk import mailbox
from helpdesk.mail import (
    NO_SUBJECT,
    MailError,
    ParsedMail,
    decode_bytes,
    decode_header_value,
    parse_message,
)
from helpdesk.mailbox import imap_target, ingest_mail, poll_imap
from helpdesk.models import Inquiry, MailAttachment, MailMessage
from helpdesk.services import inquiry_answer, inquiry_due
from helpdesk.tests import mail_samples as samples

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CITY_PROFILE = "sendai"
    settings.HELPDESK_MAIL_MAX_BYTES = 25 * 1024 * 1024
    settings.HELPDESK_IMAP_URL = ""
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def counts():
    return (Inquiry.objects.count(), MailMessage.objects.count(), MailAttachment.objects.count())


# --- decoding ------------------------------------------------------------------------


def test_python_codec_alone_cannot_read_windows_iso2022jp():
    with pytest.raises(UnicodeDecodeError):
        samples.jis(samples.HARD).decode("iso2022_jp")


def test_iso2022jp_nec_and_ibm_characters_survive_in_subject_and_body():
    result = ingest_mail(samples.iso2022jp_hard_mail())

    inquiry = result.inquiry
    assert result.created and not result.duplicate
    assert inquiry.subject == f"【至急】{samples.HARD} の表示"
    assert samples.CITY in inquiry.content
    assert f"機種依存文字：{samples.HARD}" in inquiry.content
    assert inquiry.channel == Inquiry.Channel.MAIL
    assert inquiry.caller_name == "山田 太郎"
    assert inquiry.caller_contact == "yamada@city.example.jp"
    assert inquiry.created_by is None
    message = result.message
    assert message.subject == inquiry.subject
    assert message.sender == "山田 太郎 <yamada@city.example.jp>"
    assert message.recipients == "desk@vendor.example.jp"
    assert message.sent_at == datetime(2026, 6, 1, 10, 0, tzinfo=JST)
    message.raw.open("rb")
    assert message.raw.read() == samples.iso2022jp_hard_mail()
    assert message.raw.name.endswith(
        hashlib.sha256(samples.iso2022jp_hard_mail()).hexdigest()[:16] + ".eml"
    )


def test_shift_jis_body_and_q_encoded_subject():
    parsed = parse_message(samples.sjis_mail())

    assert parsed.subject == "住所の文字化け①"
    assert samples.CITY in parsed.body
    assert "ﾃｽﾄ" in parsed.body


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (samples.encoded_word("①㈱髙Ⅲ～"), "①㈱髙Ⅲ～"),
        ("=?UTF-8?B?" + "44GC44GE44GG" + "?=", "あいう"),
        (samples.q_word("髙橋", "Shift_JIS"), "髙橋"),
        ("=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"),
        (
            "Re: " + samples.encoded_word("問合せ") + " " + samples.encoded_word("です"),
            "Re: 問合せです",
        ),
        ("=?x-bogus?B?" + "5ZWP5ZCI44Gb" + "?=", "問合せ"),  # unknown label, UTF-8 bytes
        ("=?ISO-2022-JP?B?broken", "=?ISO-2022-JP?B?broken"),
    ],
)
def test_encoded_words_in_headers(header, expected):
    assert decode_header_value(header) == expected


def test_encoded_word_split_in_the_middle_of_a_jis_sequence():
    import base64

    data = samples.jis("髙橋①")
    first, second = data[:6], data[6:]
    header = " ".join(
        f"=?ISO-2022-JP?B?{base64.b64encode(part).decode()}?=" for part in (first, second)
    )

    assert decode_header_value(header) == "髙橋①"


def test_charset_aliases_and_fallbacks():
    text = "髙橋①～"
    for label in ("Shift_JIS", "SJIS", "x-sjis", "windows-31j"):
        assert decode_bytes(text.encode("cp932"), label) == text
    assert decode_bytes("﨑①㈱Ⅲ".encode("euc_jis_2004"), "EUC-JP") == "﨑①㈱Ⅲ"
    assert decode_bytes("漢字".encode("euc_jp"), "x-euc-jp") == "漢字"
    assert decode_bytes(text.encode(), "utf-8") == text
    assert decode_bytes(text.encode("cp932"), "utf-8") == text  # mislabelled
    assert decode_bytes(samples.jis(text), "us-ascii") == text  # unlabelled JIS
    assert decode_bytes(samples.jis(text), None) == text


def test_utf8_multipart_attachment_with_rfc2231_japanese_name_is_stored(_media):
    result = ingest_mail(samples.utf8_multipart_mail())

    assert result.inquiry.caller_name == "佐藤 花子"
    assert result.inquiry.content == "添付の帳票をご確認ください。"
    (attachment,) = result.message.attachments.all()
    assert attachment.filename == samples.ATTACHMENT_NAME
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(samples.ATTACHMENT_BYTES)
    with attachment.file.open("rb") as f:
        assert f.read() == samples.ATTACHMENT_BYTES
    assert attachment.file.name.endswith(".pdf")


@pytest.mark.parametrize("style", ["rfc2231", "encoded-word"])
def test_iso2022jp_attachment_names(style):
    parsed = parse_message(samples.iso2022jp_attachment_mail("①報告書（髙橋）.txt", style=style))

    assert parsed.body == "本文です。"
    (attachment,) = parsed.attachments
    assert attachment.filename == "①報告書（髙橋）.txt"
    assert attachment.data == samples.jis("添付の中身")


def test_html_only_mail_becomes_plain_text():
    parsed = parse_message(samples.html_only_mail())

    assert (
        parsed.body
        == "ログインできません。\n\nエラー 番号：<E-101> & 再試行\n\nよろしく\nお願いします"
    )
    assert "alert" not in parsed.body and "color" not in parsed.body


def test_unknown_charset_label_falls_back_instead_of_failing():
    result = ingest_mail(samples.unknown_charset_mail())

    assert result.inquiry.content == "文字コード不明の本文です。①"


def test_undecodable_body_is_kept_with_a_note():
    raw = samples.build(
        [
            *samples.base_headers(subject="x", message_id="<undecodable@x.jp>"),
            ("Content-Type", "text/plain; charset=x-unknown"),
        ],
        b"abc \x80\xff\xfe\x80 def",
    )

    parsed = parse_message(raw)

    assert parsed.body.startswith("abc ")
    assert "［注記］文字コード「x-unknown」を判別できなかった" in parsed.body
    assert parsed.notes


def test_empty_subject():
    result = ingest_mail(samples.text_mail(subject=""))

    assert result.inquiry.subject == NO_SUBJECT == "（件名なし）"
    assert parse_message(samples.text_mail(subject="   ")).subject == NO_SUBJECT


def test_long_body_is_truncated_with_a_note():
    result = ingest_mail(samples.text_mail("あ" * 30000, message_id="<long@x.jp>"))

    assert len(result.inquiry.content) <= 20000
    assert result.inquiry.content.endswith("全文は受信メールを参照してください。）")
    assert len(result.message.body) == 30000


# --- idempotence and threading -------------------------------------------------------


def test_missing_message_id_twice_gives_one_inquiry():
    raw = samples.text_mail(message_id=None)

    first = ingest_mail(raw)
    second = ingest_mail(raw)

    assert first.message.message_id == f"<{hashlib.sha256(raw).hexdigest()}@childcase.invalid>"
    assert second.duplicate and second.inquiry == first.inquiry
    assert counts() == (1, 1, 0)


def test_the_same_message_twice_is_a_duplicate_and_writes_nothing(_media):
    first = ingest_mail(samples.utf8_multipart_mail())
    before, files = counts(), stored_files(_media)

    second = ingest_mail(samples.utf8_multipart_mail())

    assert second.duplicate and not second.created
    assert second.message == first.message and second.inquiry == first.inquiry
    assert counts() == before == (1, 1, 1)
    assert stored_files(_media) == files


def reply(*, in_reply_to=None, references=None, subject="Re: 帳票の印刷について", mid="<r1@x.jp>"):
    extra = []
    if in_reply_to:
        extra.append(("In-Reply-To", in_reply_to))
    if references:
        extra.append(("References", references))
    return samples.text_mail("追記です。", subject=subject, message_id=mid, extra=extra)


def test_reply_with_in_reply_to_is_threaded():
    first = ingest_mail(samples.text_mail())

    result = ingest_mail(reply(in_reply_to="<m1@city.example.jp>"))

    assert not result.created and not result.duplicate and result.threaded
    assert result.inquiry == first.inquiry
    assert list(first.inquiry.messages.values_list("message_id", flat=True)) == [
        "<m1@city.example.jp>",
        "<r1@x.jp>",
    ]
    assert Inquiry.objects.count() == 1


def test_reply_found_through_references_only():
    first = ingest_mail(samples.text_mail())

    result = ingest_mail(reply(references="<unknown@elsewhere> <m1@city.example.jp> <gone@x>"))

    assert result.inquiry == first.inquiry and Inquiry.objects.count() == 1


@pytest.mark.parametrize("fmt", ["Re: [{n}] 帳票の件", "Re:【問合せ番号：{w}】帳票の件"])
def test_reply_with_only_the_inquiry_number_in_the_subject_is_threaded(fmt):
    first = ingest_mail(samples.text_mail())
    number = first.inquiry.number
    wide = number.translate(str.maketrans("Q0123456789-", "Ｑ０１２３４５６７８９－"))

    result = ingest_mail(reply(subject=fmt.format(n=number, w=wide)))

    assert result.inquiry == first.inquiry and result.threaded
    assert Inquiry.objects.count() == 1


def test_unknown_inquiry_number_opens_a_new_inquiry():
    ingest_mail(samples.text_mail())

    result = ingest_mail(reply(subject="Re: [Q8-99999] 帳票の件"))

    assert result.created and Inquiry.objects.count() == 2


def test_reply_to_a_closed_inquiry_reopens_it(vendor_operator):
    inquiry = ingest_mail(samples.text_mail()).inquiry
    inquiry = inquiry_answer(
        inquiry=inquiry,
        actor=vendor_operator,
        answer="設定を変更してください。",
        answered_at=timezone.now(),
        expected_version=inquiry.version,
        close=True,
    )
    assert inquiry.status == Inquiry.Status.CLOSED
    history_before = inquiry.history.count()

    ingest_mail(reply(in_reply_to="<m1@city.example.jp>"))

    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.INVESTIGATING
    assert inquiry.get_status_display() == "調査中"
    assert inquiry.history.count() == history_before + 1
    assert inquiry.history.first().status == Inquiry.Status.INVESTIGATING


def test_concurrent_ingest_of_one_message_is_caught_by_the_unique_message_id(monkeypatch):
    # Both calls get past the "seen before?" check, as two workers would.
    calls = defaultdict(int)
    real = mailbox._existing

    def first_check_misses(message_id):
        calls[message_id] += 1
        return None if calls[message_id] in (1, 2) else real(message_id)

    monkeypatch.setattr(mailbox, "_existing", first_check_misses)
    first = ingest_mail(samples.text_mail())
    second = ingest_mail(samples.text_mail())

    assert second.duplicate and second.inquiry == first.inquiry
    assert counts() == (1, 1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_open_one_inquiry(monkeypatch):
    local = threading.local()
    real = mailbox._existing

    def first_check_misses(message_id):
        local.calls = getattr(local, "calls", 0) + 1
        return None if local.calls == 1 else real(message_id)

    monkeypatch.setattr(mailbox, "_existing", first_check_misses)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(ingest_mail(samples.text_mail()))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert not errors
    assert sorted(r.duplicate for r in results) == [False, True]
    assert counts() == (1, 1, 0)


# --- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        bytes(range(256)) * 4,
        b"",
        b"\r\n\r\n",
        b"just some text\nwith lines\n",
        b"X-Whatever: 1\n\nno sender, no date, no id\n",
    ],
)
def test_not_a_mail_is_refused_in_japanese_and_nothing_is_written(raw, _media):
    with pytest.raises(MailError) as exc:
        ingest_mail(raw)

    assert "メールとして読み込めません" in str(exc.value)
    assert counts() == (0, 0, 0)
    assert stored_files(_media) == []


def test_mail_over_the_size_limit_is_refused(settings, _media):
    settings.HELPDESK_MAIL_MAX_BYTES = 2000
    raw = samples.text_mail("あ" * 2000)
    assert len(raw) > 2000

    with pytest.raises(MailError) as exc:
        ingest_mail(raw)

    assert "メールが大きすぎます" in str(exc.value)
    assert counts() == (0, 0, 0)
    assert stored_files(_media) == []


def test_20mb_attachment_within_the_25mb_limit_is_stored():
    raw, data = samples.big_attachment_mail(20 * 1000 * 1000)
    assert len(raw) < 25 * 1024 * 1024

    result = ingest_mail(raw)

    (attachment,) = result.message.attachments.all()
    assert attachment.filename == "big.csv"
    assert attachment.size == len(data) == 20_000_000
    with attachment.file.open("rb") as f:
        assert hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest()


# --- due time ------------------------------------------------------------------------


def test_mail_received_at_night_before_the_year_end_is_due_on_the_first_working_day(
    time_machine,
):
    time_machine.move_to(datetime(2026, 12, 28, 20, 0, tzinfo=JST), tick=False)

    inquiry = ingest_mail(samples.text_mail()).inquiry

    assert inquiry.received_at == timezone.now()
    assert inquiry.number == "Q8-00001"
    assert inquiry.due_at == inquiry_due(inquiry.received_at).due
    assert inquiry.due_at.astimezone(JST).date() == date(2027, 1, 4)


# --- the command ---------------------------------------------------------------------


def test_command_takes_in_files_and_reports_each(tmp_path):
    first = tmp_path / "first.eml"
    second = tmp_path / "second.eml"
    first.write_bytes(samples.text_mail())
    second.write_bytes(reply(in_reply_to="<m1@city.example.jp>"))
    out = StringIO()

    call_command("ingest_mail", str(first), str(second), stdout=out)
    call_command("ingest_mail", str(first), stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"{first}: 新しい問合せ Q8-00001 を登録しました",
        f"{second}: 問合せ Q8-00001 に追加しました",
        f"{first}: 取込済みのメールです（問合せ Q8-00001）",
    ]


def test_command_fails_for_a_bad_file_but_takes_in_the_others(tmp_path):
    good = tmp_path / "good.eml"
    bad = tmp_path / "bad.eml"
    good.write_bytes(samples.text_mail())
    bad.write_bytes(b"%PDF-1.4\n")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError) as exc:
        call_command(
            "ingest_mail",
            str(bad),
            str(good),
            str(tmp_path / "missing.eml"),
            stdout=out,
            stderr=err,
        )

    assert exc.value.returncode != 0
    assert "3件中2件を取り込めませんでした" in str(exc.value)
    assert "新しい問合せ" in out.getvalue()
    assert f"{bad}: エラー: メールとして読み込めません" in err.getvalue()
    assert "ファイルを読み込めません" in err.getvalue()
    assert Inquiry.objects.count() == 1


# --- IMAP ----------------------------------------------------------------------------


class FakeIMAP:
    """The far side of IMAP: a mailbox of uid -> (bytes, flags)."""

    mailbox: dict = {}
    sessions: list = []

    def __init__(self, host, port, **kwargs):
        self.host, self.port, self.kwargs = host, port, kwargs
        self.log = []
        FakeIMAP.sessions.append(self)

    def login(self, user, password):
        self.log.append(("LOGIN", user, password))
        return "OK", [b"ok"]

    def select(self, mailbox):
        self.log.append(("SELECT", mailbox))
        return "OK", [str(len(self.mailbox)).encode()]

    def uid(self, command, *args):
        self.log.append((command, *args))
        if command == "SEARCH":
            assert args == (None, "UNSEEN")
            unseen = [u for u, (_, flags) in self.mailbox.items() if "\\Seen" not in flags]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            uid, what = args
            assert what == "(BODY.PEEK[])"  # fetching must not mark it seen
            raw = self.mailbox[uid][0]
            return "OK", [(b"%s (UID %s BODY[] {%d}" % (uid, uid, len(raw)), raw), b")"]
        if command == "STORE":
            uid, op, flags = args
            assert op == "+FLAGS"
            self.mailbox[uid][1].update(flags.strip("()").split())
            return "OK", [b""]
        raise AssertionError(command)

    def close(self):
        self.log.append(("CLOSE",))

    def logout(self):
        self.log.append(("LOGOUT",))
        return "BYE", [b""]


@pytest.fixture
def fake_imap(monkeypatch, settings):
    FakeIMAP.mailbox = {}
    FakeIMAP.sessions = []
    monkeypatch.setattr(imaplib, "IMAP4_SSL", FakeIMAP)
    settings.HELPDESK_IMAP_URL = "imaps://desk%40vendor.example.jp:p%40ss@imap.example.jp/INBOX"
    return FakeIMAP


def test_poll_imap_takes_in_unseen_mail_and_marks_it_seen(fake_imap):
    ingest_mail(samples.sjis_mail())  # taken in before, e.g. by hand
    fake_imap.mailbox = {
        b"7": (samples.text_mail(), set()),
        b"8": (b"%PDF-1.4\nnot mail", set()),
        b"9": (samples.utf8_multipart_mail(), set()),
        b"10": (samples.sjis_mail(), set()),
        b"11": (samples.html_only_mail(), {"\\Seen"}),
    }

    assert poll_imap() == 2

    box = fake_imap.mailbox
    assert box[b"7"][1] == box[b"9"][1] == box[b"10"][1] == {"\\Seen"}
    assert box[b"8"][1] == {"\\Seen", "\\Flagged"}  # refused: for a person, not retried
    assert MailMessage.objects.count() == 3
    assert not MailMessage.objects.filter(message_id="<html@x.jp>").exists()
    (session,) = fake_imap.sessions
    assert (session.host, session.port) == ("imap.example.jp", 993)
    assert session.log[0] == ("LOGIN", "desk@vendor.example.jp", "p@ss")
    assert session.log[1] == ("SELECT", "INBOX")
    assert session.log[-1] == ("LOGOUT",)
    assert poll_imap() == 0  # nothing unseen any more


def test_poll_imap_leaves_mail_unseen_when_ingest_fails_for_another_reason(fake_imap, monkeypatch):
    fake_imap.mailbox = {b"1": (samples.text_mail(), set())}

    def broken(raw, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(mailbox, "ingest_mail", broken)

    assert poll_imap() == 0
    assert fake_imap.mailbox[b"1"][1] == set()
    assert fake_imap.sessions[0].log[-1] == ("LOGOUT",)


def test_poll_imap_is_off_without_a_url(monkeypatch):
    monkeypatch.setattr(imaplib, "IMAP4_SSL", lambda *a, **k: pytest.fail("connected"))

    assert poll_imap() == 0


def test_imap_urls():
    target = imap_target("imap://u:p@mail.local/%E5%8F%97%E4%BF%A1", "INBOX")
    assert (target.tls, target.host, target.port, target.folder) == (
        False,
        "mail.local",
        143,
        "受信",
    )
    assert imap_target("imaps://u:p@h:1993", "Desk").folder == "Desk"
    with pytest.raises(ValueError):
        imap_target("https://h/")


def test_the_beat_task_is_scheduled_every_two_minutes_once():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from helpdesk.tasks import poll_mailbox

    migration = importlib.import_module("helpdesk.migrations.0003_mail_poll_schedule")
    PeriodicTask.objects.filter(task=poll_mailbox.name).delete()  # a flushed test database
    migration.create(apps, None)
    task = PeriodicTask.objects.get(task=poll_mailbox.name)
    task.enabled = False  # an admin's edit
    task.save()
    migration.create(apps, None)

    task = PeriodicTask.objects.get(task=poll_mailbox.name)
    assert task.name == "ヘルプデスク受信メールの取込" and not task.enabled
    assert (task.interval.every, task.interval.period) == (120, "seconds")
    assert poll_mailbox() == 0  # no HELPDESK_IMAP_URL: off


# --- any bytes: a ParsedMail or a MailError, nothing else -------------------------------

SAMPLES = [
    samples.iso2022jp_hard_mail(),
    samples.sjis_mail(),
    samples.utf8_multipart_mail(),
    samples.iso2022jp_attachment_mail(),
    samples.iso2022jp_attachment_mail(style="encoded-word"),
    samples.html_only_mail(),
    samples.unknown_charset_mail(),
    reply(in_reply_to="<m1@city.example.jp>", references="<a@b> <c@d>"),
]


def parse_or_refuse(raw: bytes) -> None:
    try:
        parsed = parse_message(raw)
    except MailError as exc:
        assert str(exc)
        return
    assert isinstance(parsed, ParsedMail)
    assert parsed.message_id and parsed.subject
    for text in [parsed.subject, parsed.body, parsed.sender, *parsed.recipients]:
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: PostgreSQL must accept it
    for attachment in parsed.attachments:
        assert attachment.filename and isinstance(attachment.data, bytes)


@hsettings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise_anything_but_mail_error(raw):
    parse_or_refuse(raw)


header_names = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Date",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
    ]
)
header_values = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            'multipart/mixed; boundary="B"',
            "text/plain; charset=iso-2022-jp",
            "text/html; charset=x-bogus",
            "message/rfc822",
            "base64",
            "quoted-printable",
            "x-uuencode",
            "attachment; filename*=ISO-2022-JP''%1B%24B%21",
            "=?ISO-2022-JP?B?GyRCLSEbKEI=?=",
            "=?UTF-8?Q?=E3=81?=",
            "Mon, 99 Foo 10000 99:99:99 +9999",
        ]
    ),
)


@hsettings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(st.tuples(header_names, header_values), min_size=1, max_size=8),
    body=st.binary(max_size=500),
)
def test_random_headers_never_raise_anything_but_mail_error(headers, body):
    head = "\r\n".join(f"{k}: {v}" for k, v in headers).encode("utf-8", "surrogateescape")
    parse_or_refuse(head + b"\r\n\r\n" + body)


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**6), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.none()),
)


@hsettings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.sampled_from(SAMPLES), mutations=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_samples_never_raise_anything_but_mail_error(raw, mutations):
    data = bytearray(raw)
    for kind, position, arg in mutations:
        at = position % (len(data) + 1)
        if kind == "flip" and data:
            data[at % len(data)] = arg
        elif kind == "cut":
            del data[at : at + arg]
        elif kind == "insert":
            data[at:at] = arg
        elif kind == "truncate":
            del data[at:]
    parse_or_refuse(bytes(data))
