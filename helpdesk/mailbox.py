"""Taking received mail into the help desk: ingestion and the IMAP poller.

``ingest_mail(raw)`` stores one message and threads it to an inquiry (or opens a
new one); ``poll_imap()`` feeds it the unseen messages of the desk's mailbox
(``settings.HELPDESK_IMAP_URL``; empty = off). Run by the beat task
``helpdesk.poll_mailbox`` and by ``manage.py ingest_mail``.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import re
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk.mail import MailError, ParsedMail, parse_message
from helpdesk.models import Inquiry, MailAttachment, MailMessage
from helpdesk.services import inquiry_create

logger = logging.getLogger(__name__)

CONTENT_LIMIT = 20000
TRUNCATED_NOTE = (
    "\n\n（本文が長いため{n}文字で切り詰めました。全文は受信メールを参照してください。）"
)
NO_BODY = "（本文なし）"
INQUIRY_NUMBER = re.compile(r"(?<![0-9A-Za-z])Q\d{1,2}-\d{5}(?!\d)")
REOPEN_FROM = (Inquiry.Status.ANSWERED, Inquiry.Status.CLOSED)
IMAP_TIMEOUT = 60


@dataclass
class IngestResult:
    inquiry: Inquiry
    message: MailMessage
    created: bool  # a new inquiry was opened for this mail
    duplicate: bool  # this Message-ID was already taken in; nothing was written

    @property
    def threaded(self) -> bool:
        return not self.created and not self.duplicate


def _content(parsed: ParsedMail) -> str:
    body = parsed.body.strip()
    if not body:
        n = len(parsed.attachments)
        return f"{NO_BODY}（添付ファイル{n}件）" if n else NO_BODY
    if len(body) > CONTENT_LIMIT:
        note = TRUNCATED_NOTE.format(n=f"{CONTENT_LIMIT:,}")
        body = body[: CONTENT_LIMIT - len(note)].rstrip() + note
    return body


def _thread_target(parsed: ParsedMail) -> Inquiry | None:
    """The inquiry a reply belongs to: by In-Reply-To/References, then by number in the subject."""
    wanted = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if wanted:
        known = dict(
            MailMessage.objects.filter(message_id__in=wanted).values_list(
                "message_id", "inquiry_id"
            )
        )
        for message_id in wanted:
            if message_id in known:
                return Inquiry.objects.select_for_update().get(pk=known[message_id])
    numbers = INQUIRY_NUMBER.findall(unicodedata.normalize("NFKC", parsed.subject))
    for number in dict.fromkeys(numbers):
        inquiry = Inquiry.objects.select_for_update().filter(number=number).first()
        if inquiry is not None:
            return inquiry
    return None


def _existing(message_id: str) -> MailMessage | None:
    return MailMessage.objects.select_related("inquiry").filter(message_id=message_id).first()


def _duplicate(existing: MailMessage) -> IngestResult:
    return IngestResult(inquiry=existing.inquiry, message=existing, created=False, duplicate=True)


def _safe_ext(filename: str) -> str:
    match = re.search(r"\.([A-Za-z0-9]{1,10})$", filename)
    return f".{match.group(1).lower()}" if match else ".bin"


def _store(
    parsed: ParsedMail, raw: bytes, inquiry: Inquiry, received_at: datetime, saved: list
) -> MailMessage:
    sha = hashlib.sha256(raw).hexdigest()
    message = MailMessage(
        inquiry=inquiry,
        message_id=parsed.message_id[:500],
        in_reply_to=parsed.in_reply_to[:500],
        references=" ".join(parsed.references),
        sender=parsed.sender[:500],
        recipients=", ".join(parsed.recipients),
        subject=parsed.subject[:500],
        sent_at=parsed.sent_at,
        received_at=received_at,
        body=parsed.body,
    )
    message.raw.save(f"{sha[:16]}.eml", ContentFile(raw), save=False)
    saved.append(message.raw)
    message.save()
    for filename, content_type, data in parsed.attachments:
        attachment = MailAttachment(
            message=message,
            filename=filename[:255],
            content_type=content_type[:100],
            size=len(data),
        )
        name = hashlib.sha256(data).hexdigest()[:16] + _safe_ext(filename)
        attachment.file.save(name, ContentFile(data), save=False)
        saved.append(attachment.file)
        attachment.save()
    return message


def _reopen(inquiry: Inquiry) -> None:
    if inquiry.status in REOPEN_FROM:
        inquiry.status = Inquiry.Status.INVESTIGATING
        inquiry.version += 1
        inquiry.save(update_fields=["status", "version"])  # save(): keeps a history row


def ingest_mail(raw: bytes, *, received_at: datetime | None = None) -> IngestResult:
    """Take one message in. Raises ``MailError`` (Japanese) for mail that cannot be.

    Idempotent by Message-ID (synthesised from the bytes when missing): a message
    seen before, or being taken in by another worker at the same moment, comes
    back as ``duplicate=True`` with nothing written.
    """
    parsed = parse_message(raw)
    received_at = received_at or timezone.now()
    existing = _existing(parsed.message_id)
    if existing is not None:
        return _duplicate(existing)
    saved: list = []
    try:
        with transaction.atomic():
            inquiry = _thread_target(parsed)
            created = inquiry is None
            if created:
                inquiry = inquiry_create(
                    actor=None,
                    received_at=received_at,
                    channel=Inquiry.Channel.MAIL,
                    subject=parsed.subject[:200],
                    content=_content(parsed),
                    caller_name=parsed.sender_name[:100],
                    caller_contact=parsed.sender_address[:200],
                )
            message = _store(parsed, raw, inquiry, received_at, saved)
            if not created:
                _reopen(inquiry)
    except IntegrityError:
        _discard(saved)
        existing = _existing(parsed.message_id)
        if existing is None:
            raise
        logger.info("mail %s taken in concurrently by another worker", parsed.message_id)
        return _duplicate(existing)
    except ValidationError as exc:
        _discard(saved)
        raise MailError("問合せとして登録できません：" + "／".join(exc.messages)) from exc
    except BaseException:
        _discard(saved)
        raise
    logger.info(
        "mail %s %s inquiry %s",
        parsed.message_id,
        "opened" if created else "added to",
        inquiry.number,
    )
    return IngestResult(inquiry=inquiry, message=message, created=created, duplicate=False)


def _discard(saved: list) -> None:
    for fieldfile in saved:
        try:
            fieldfile.storage.delete(fieldfile.name)
        except Exception:  # an orphan file is only wasted space
            logger.warning("could not remove %s", fieldfile.name, exc_info=True)


# --- IMAP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapTarget:
    tls: bool
    host: str
    port: int
    user: str
    password: str
    folder: str


def imap_target(url: str, default_folder: str = "INBOX") -> ImapTarget:
    """``imaps://user:pass@host:993/FOLDER`` (or ``imap://`` without TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError("HELPDESK_IMAP_URL must look like imaps://user:pass@host:993/INBOX")
    tls = parts.scheme == "imaps"
    return ImapTarget(
        tls=tls,
        host=parts.hostname,
        port=parts.port or (993 if tls else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or default_folder or "INBOX",
    )


def _quote_mailbox(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.\-/]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(target: ImapTarget):
    if target.tls:
        return imaplib.IMAP4_SSL(
            target.host,
            target.port,
            ssl_context=ssl.create_default_context(),
            timeout=IMAP_TIMEOUT,
        )
    return imaplib.IMAP4(target.host, target.port, timeout=IMAP_TIMEOUT)


def _fetched_bytes(data) -> bytes | None:
    for item in data or []:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _flag(conn, uid: bytes, flags: str) -> None:
    typ, _ = conn.uid("STORE", uid, "+FLAGS", flags)
    if typ != "OK":
        logger.warning("IMAP could not set %s on uid %s", flags, uid)


def poll_imap() -> int:
    """Ingest the unseen messages of the desk mailbox; returns how many were taken in.

    A message is marked \\Seen only after it was stored (or found to be a
    duplicate). Mail that can never be taken in (``MailError``) is marked \\Seen and
    \\Flagged for a person to look at; any other failure leaves it unseen, so the
    next poll retries it.
    """
    url = getattr(settings, "HELPDESK_IMAP_URL", "")
    if not url:
        return 0
    target = imap_target(url, getattr(settings, "HELPDESK_IMAP_FOLDER", "INBOX"))
    conn = _connect(target)
    ingested = 0
    selected = False
    try:
        conn.login(target.user, target.password)
        typ, _ = conn.select(_quote_mailbox(target.folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select {target.folder!r}")
        selected = True
        typ, data = conn.uid("SEARCH", None, "UNSEEN")
        if typ != "OK":
            raise imaplib.IMAP4.error("UID SEARCH UNSEEN failed")
        uids = (data[0] or b"").split() if data else []
        for uid in uids:
            # BODY.PEEK[] = the whole RFC 822 message without setting \Seen on fetch.
            typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = _fetched_bytes(fetched) if typ == "OK" else None
            if raw is None:
                logger.warning("IMAP fetch of uid %s returned no message", uid)
                continue
            try:
                result = ingest_mail(raw)
            except MailError as exc:
                logger.warning("mail uid %s refused: %s", uid, exc)
                _flag(conn, uid, "(\\Seen \\Flagged)")
                continue
            except Exception:
                logger.exception("mail uid %s could not be taken in; left unseen", uid)
                continue
            _flag(conn, uid, "(\\Seen)")
            if not result.duplicate:
                ingested += 1
    finally:
        try:
            if selected:
                conn.close()
            conn.logout()
        except Exception:  # the session is over either way
            logger.debug("IMAP logout failed", exc_info=True)
    return ingested
