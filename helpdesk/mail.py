"""Parsing received e-mail for the help desk (no database access here).

``parse_message(raw)`` turns the bytes of one message into a ``ParsedMail`` or
raises ``MailError`` with a Japanese message; no other exception escapes, whatever
the bytes.

Japanese mail is decoded the way Japanese mailers (Outlook, Becky!, Thunderbird
on Windows) actually write it:

* ISO-2022-JP is read as CP932 in 7-bit form (Microsoft's CP50220/50221): the
  two-byte segments are turned into Shift_JIS arithmetically and decoded with
  ``cp932``, so NEC special characters (①, ㈱, Ⅲ), NEC-selected IBM extensions
  (髙, 﨑) and the Windows mappings (～ U+FF5E rather than 〜 U+301C, － U+FF0D …)
  survive. Python's ``iso2022_jp`` codec fails on the former and maps the latter
  differently, so it is only a fallback (with ``iso2022_jp_2``/``_ext``/``_2004``)
  for streams using designations CP932 lacks (JIS X 0212, ISO-2022-JP-2 …).
* Shift_JIS and its aliases are read as ``cp932``; EUC-JP as ``euc_jis_2004``,
  then ``euc_jp``.
* Unknown or wrong charset labels: utf-8, then cp932, then euc_jp, and as a last
  resort latin-1 with a note appended to the body.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.policy
import email.utils
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser
from typing import NamedTuple

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 35 * 1024 * 1024
NO_SUBJECT = "（件名なし）"
SYNTHETIC_DOMAIN = "childcase.invalid"
MAX_ID_LENGTH = 500
MAX_REFERENCES = 50
MAX_DEPTH = 40


class MailError(Exception):
    """A message that cannot be taken in; ``str(error)`` is for the desk (Japanese)."""

    def __init__(self, message_ja: str):
        super().__init__(message_ja)
        self.message_ja = message_ja


class Attachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str]
    sender: str  # "名前 <address>" (or just the address)
    sender_name: str
    sender_address: str
    recipients: list[str]
    subject: str
    sent_at: datetime | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # decoding problems, in Japanese


# --- charsets ---------------------------------------------------------------------------

_ISO2022JP = {
    "iso-2022-jp",
    "iso2022jp",
    "iso2022-jp",
    "iso-2022jp",
    "csiso2022jp",
    "iso-2022-jp-1",
    "iso-2022-jp-2",
    "iso-2022-jp-3",
    "iso-2022-jp-2004",
    "iso-2022-jp-ms",
    "iso-2022-jp-ext",
    "cp50220",
    "cp50221",
    "cp50222",
    "x-cp50220",
    "x-cp50221",
    "x-cp50222",
    "jis",
    "x-jis",
}
_SJIS = {
    "shift_jis",
    "shift-jis",
    "shiftjis",
    "sjis",
    "x-sjis",
    "s-jis",
    "x-shift_jis",
    "x-shift-jis",
    "csshiftjis",
    "ms_kanji",
    "ms-kanji",
    "windows-31j",
    "cswindows31j",
    "cp932",
    "ms932",
    "x-ms-cp932",
    "ibm-943",
    "shift_jis-2004",
    "shift_jisx0213",
}
_EUCJP = {
    "euc-jp",
    "euc_jp",
    "eucjp",
    "x-euc-jp",
    "x-euc",
    "ujis",
    "euc-jp-ms",
    "eucjp-ms",
    "cp51932",
    "cseucpkdfmtjapanese",
    "euc-jis-2004",
    "euc-jisx0213",
}
_UTF8 = {"utf-8", "utf8", "utf_8", "x-utf-8", "unicode-1-1-utf-8"}
# Text codecs Python has but that no mail should name (escape decoders, platform-only…).
_REFUSED = {
    "unicode_escape",
    "raw_unicode_escape",
    "unicode_internal",
    "idna",
    "punycode",
    "undefined",
    "mbcs",
    "oem",
    "palmos",
}
_GUESS = ("utf-8", "cp932", "euc_jp")
# C1 controls and cp932's single bytes 0xFD–0xFF: never in real text.
_IMPLAUSIBLE = re.compile("[\x80-\x9f\uf8f0-\uf8f3]")


def _norm_label(charset: str | None) -> str:
    if not charset:
        return ""
    label = str(charset).strip().strip("\"'").lower()
    return label.split("*", 1)[0]  # RFC 2231 language suffix: iso-2022-jp*ja


def _has_jis_escape(data: bytes) -> bool:
    return b"\x1b$" in data or b"\x1b(I" in data or b"\x1b(J" in data


def iso2022jp_to_cp932_bytes(data: bytes) -> bytes:
    """Rewrite an ISO-2022-JP byte stream as CP932 bytes (raises ValueError if not one).

    ESC ( B / ESC ( J: ASCII; ESC ( I or SO…SI: JIS X 0201 katakana;
    ESC $ @ / ESC $ B (optionally after ESC & @): JIS X 0208 pairs, NEC row 13 and
    the NEC-selected IBM extensions (rows 89–92) included. Other designations
    (JIS X 0212, ISO-2022-JP-2 sets) are refused so that a codec can try them.
    """
    out = bytearray()
    mode = "ascii"
    saved = "ascii"
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x1B:
            seq3 = data[i : i + 3]
            if seq3 in (b"\x1b(B", b"\x1b(J", b"\x1b(H"):
                mode = "ascii"
                i += 3
            elif seq3 == b"\x1b(I":
                mode = "kana"
                i += 3
            elif seq3 in (b"\x1b$@", b"\x1b$B"):
                mode = "kanji"
                i += 3
            elif seq3 == b"\x1b&@":  # JIS X 0208-1990 announcer, followed by ESC $ B
                i += 3
            elif data[i : i + 4] == b"\x1b$(B":
                mode = "kanji"
                i += 4
            else:
                raise ValueError(f"unsupported escape sequence at {i}")
            continue
        if b >= 0x80:
            raise ValueError(f"8-bit byte at {i}")
        if b == 0x0E:  # SO: JIS X 0201 katakana until SI
            saved, mode = mode, "kana"
            i += 1
            continue
        if b == 0x0F:
            mode = saved if saved != "kana" else "ascii"
            i += 1
            continue
        if b < 0x21 or b == 0x7F:  # controls and space pass through in every mode
            out.append(b)
            i += 1
            continue
        if mode == "ascii":
            out.append(b)
            i += 1
        elif mode == "kana":
            if b > 0x5F:
                raise ValueError(f"bad JIS X 0201 katakana byte at {i}")
            out.append(b + 0x80)
            i += 1
        else:
            if i + 1 >= n:
                raise ValueError("truncated two-byte character")
            j1, j2 = b, data[i + 1]
            if not (0x21 <= j2 <= 0x7E):
                raise ValueError(f"bad second byte at {i + 1}")
            s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
            if j1 & 1:
                s2 = j2 + 0x1F
                if s2 >= 0x7F:
                    s2 += 1
            else:
                s2 = j2 + 0x7E
            out += bytes((s1, s2))
            i += 2
    return bytes(out)


def decode_iso2022jp(data: bytes) -> str:
    """ISO-2022-JP read as CP932 (see module docstring); raises UnicodeDecodeError."""
    try:
        return iso2022jp_to_cp932_bytes(data).decode("cp932")
    except (ValueError, UnicodeDecodeError):
        pass
    for codec in ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp"):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    raise UnicodeDecodeError("iso-2022-jp", data, 0, len(data), "not ISO-2022-JP")


def _try_codecs(data: bytes, label: str) -> tuple[str, str] | None:
    """Decode strictly with the codecs a label stands for: (text, codec) or None."""
    if label in _ISO2022JP:
        attempts = ["iso-2022-jp"]
    elif label in _SJIS:
        attempts = ["cp932", "shift_jis_2004"]
    elif label in _EUCJP:
        attempts = ["euc_jis_2004", "euc_jp"]
    elif label in _UTF8:
        attempts = ["utf-8"]
    else:
        try:
            info = codecs.lookup(label)
        except (LookupError, TypeError, ValueError):
            return None
        if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
            return None
        if info.name in ("ascii", "latin_1", "iso8859-1", "cp1252") and _has_jis_escape(data):
            attempts = ["iso-2022-jp", info.name]  # mislabelled JIS: very common
        else:
            attempts = [info.name]
    for codec in attempts:
        try:
            if codec == "iso-2022-jp":
                return decode_iso2022jp(data), codec
            return data.decode(codec), codec
        except (UnicodeError, LookupError, ValueError, TypeError):
            continue
    return None


def decode_bytes(data: bytes, charset: str | None, notes: list[str] | None = None) -> str:
    """Decode ``data`` labelled ``charset`` (may be None, unknown or wrong). Never raises."""
    label = _norm_label(charset)
    if label:
        got = _try_codecs(data, label)
        if got is not None:
            return got[0]
    if _has_jis_escape(data):
        try:
            return decode_iso2022jp(data)
        except UnicodeDecodeError:
            pass
    for codec in _GUESS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _IMPLAUSIBLE.search(text):
            continue  # cp932 "decodes" stray 0x80/0xFD–0xFF bytes: a wrong guess
        if label and label not in ("us-ascii", "ascii") and notes is not None:
            logger.info("charset %r did not decode, read as %s", label, codec)
        return text
    if notes is not None:
        notes.append(
            "文字コード「%s」を判別できなかったため、一部の文字が正しく表示されていない"
            "可能性があります。原文（.eml）を確認してください。"
            % (_clean(label, single_line=True)[:40] or "指定なし")
        )
    return data.decode("latin-1", errors="replace")


# --- headers ----------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def _to_bytes(value: str) -> bytes:
    """Header text from the parser back to its bytes (8-bit bytes are surrogateescaped)."""
    return value.encode("utf-8", "surrogateescape")


def _clean(text: str, *, single_line: bool = False) -> str:
    """Text safe for PostgreSQL: no lone surrogates, no NUL/control characters."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    if single_line:
        return " ".join(_LINE_CONTROLS.sub(" ", text).split())
    return _CONTROLS.sub("", text)


def _decode_word_payload(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "bB":
            raw = re.sub(rb"[^A-Za-z0-9+/]", b"", payload.encode("ascii"))
            if len(raw) % 4 == 1:  # one stray character cannot encode anything
                raw = raw[:-1]
            return base64.b64decode(raw + b"=" * (-len(raw) % 4))
        return binascii.a2b_qp(payload.encode("ascii"), header=True)
    except (binascii.Error, ValueError, UnicodeError):
        return None


def decode_header_value(value, notes: list[str] | None = None) -> str:
    """Unfold and decode one header value: raw 8-bit text and RFC 2047 encoded-words.

    Adjacent encoded-words in the same charset are joined before decoding, so
    multi-byte characters (or ISO-2022-JP escape state) split across words survive.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = _FOLD.sub("", value)
    if any("\udc80" <= ch <= "\udcff" for ch in value) or any(ord(ch) > 0x7F for ch in value):
        value = decode_bytes(_to_bytes(value), None, notes)
    pieces: list[tuple[str, str | bytes]] = []  # ("text", str) or (charset, bytes)
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        decoded = _decode_word_payload(match.group(2), match.group(3))
        if decoded is None:
            continue  # leave the malformed word as literal text
        # RFC 2047: whitespace between two encoded-words is not part of the text.
        joins_words = between.strip() == "" and pieces and pieces[-1][0] != "text"
        if between and not joins_words:
            pieces.append(("text", between))
        charset = _norm_label(match.group(1))
        if pieces and pieces[-1][0] == charset:
            pieces[-1] = (charset, pieces[-1][1] + decoded)
        else:
            pieces.append((charset, decoded))
        pos = match.end()
    # Re-add text after the last decoded word (and literal malformed words).
    tail = value[pos:]
    out = []
    for kind, content in pieces:
        out.append(content if kind == "text" else decode_bytes(content, kind, notes))
    out.append(tail)
    return "".join(out)


def _raw_headers(msg: Message, name: str) -> list[str]:
    name = name.lower()
    return [str(v) for k, v in msg.raw_items() if str(k).lower() == name]


def _first_header(msg: Message, name: str) -> str | None:
    values = _raw_headers(msg, name)
    return values[0] if values else None


_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


def _norm_id(value: str) -> str:
    value = _clean(value, single_line=True).replace(" ", "")
    if not value:
        return ""
    value = f"<{value.strip('<>')}>"
    if len(value) > MAX_ID_LENGTH:
        digest = hashlib.sha256(value.encode()).hexdigest()
        value = f"<{digest}@long.{SYNTHETIC_DOMAIN}>"
    return value


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    value = _FOLD.sub("", value)
    found = _ANGLE_ID.findall(value)
    if not found and value.strip():
        found = [value.strip().split()[0]]
    return [i for i in (_norm_id(f) for f in found) if i]


def _addresses(msg: Message, names: tuple[str, ...], notes: list[str]) -> list[tuple[str, str]]:
    values = []
    for name in names:
        values += [_FOLD.sub("", v) for v in _raw_headers(msg, name)]
    if not values:
        return []
    decoded_values = []
    for v in values:
        # 8-bit (unencoded) display names: decode bytes first, encoded-words later.
        if any(ord(ch) > 0x7F for ch in v):
            v = decode_bytes(_to_bytes(v), None, notes)
        decoded_values.append(v)
    try:
        pairs = email.utils.getaddresses(decoded_values)
    except Exception:  # a broken address list must not stop the mail
        pairs = []
    result = []
    for display, address in pairs:
        display = _clean(decode_header_value(display, notes), single_line=True).strip("\"' ")
        address = _clean(address, single_line=True).replace(" ", "")
        if display or address:
            result.append((display, address))
    if not result:
        # Unparseable list: keep what we can read.
        for v in decoded_values:
            text = _clean(decode_header_value(v, notes), single_line=True)
            if text:
                result.append(("", text))
    return result


def _format_address(display: str, address: str) -> str:
    if display and address:
        return f"{display} <{address}>"
    return address or display


def _sent_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_clean(value, single_line=True))
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # "-0000": time zone unknown, read as UTC
        parsed.astimezone(UTC)  # raises for instants outside datetime's range
        if not 1970 <= parsed.year <= 2200:
            return None
        return parsed
    except Exception:  # any unreadable Date is simply absent
        return None


# --- bodies -----------------------------------------------------------------------------


class _HTMLText(HTMLParser):
    BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "dt",
        "dd",
    }
    SKIP = {"script", "style", "head", "title", "noscript", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # fall back to a crude strip
        text = re.sub(r"<[^>]*>", " ", html)
    text = text.replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def _part_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # bogus transfer encoding: keep the raw payload
        data = None
    if data is None:
        payload = part.get_payload()
        data = _to_bytes(payload) if isinstance(payload, str) else b""
    return data


def _part_charset(part: Message) -> str | None:
    try:
        charset = part.get_param("charset")
    except Exception:
        return None
    if isinstance(charset, tuple):  # RFC 2231 form
        charset = charset[2]
    return str(charset) if charset else None


def _param(part: Message, name: str, header: str, notes: list[str]) -> str:
    try:
        value = part.get_param(name, header=header)
    except Exception:
        return ""
    if not value:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, latin-1 text of the bytes)
        charset, _lang, text = value
        text = email.utils.unquote(str(text))
        try:
            data = text.encode("latin-1")
        except UnicodeEncodeError:
            data = _to_bytes(text)
        return decode_bytes(data, charset, notes)
    return decode_header_value(email.utils.unquote(str(value)), notes)


def _filename(part: Message, notes: list[str]) -> str:
    name = _param(part, "filename", "content-disposition", notes) or _param(
        part, "name", "content-type", notes
    )
    name = _clean(name, single_line=True)
    name = re.split(r"[\\/]", name)[-1].strip().lstrip(".")
    return unicodedata.normalize("NFC", name)[:255]


def _disposition(part: Message) -> str:
    try:
        value = part.get("Content-Disposition", "")
    except Exception:
        return ""
    return str(value).split(";", 1)[0].strip().lower()


@dataclass
class _Collected:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


_EXT = {
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
}


def _walk(part: Message, out: _Collected, notes: list[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        notes.append("入れ子が深すぎる部分は読み飛ばしました。")
        return
    ctype = part.get_content_type()
    if part.is_multipart() and ctype != "message/rfc822":
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _walk(sub, out, notes, depth + 1)
        return
    disposition = _disposition(part)
    filename = _filename(part, notes)
    if ctype == "message/rfc822":
        inner = part.get_payload()
        try:
            inner = inner[0] if isinstance(inner, list) else inner
            data = inner.as_bytes() if isinstance(inner, Message) else _part_bytes(part)
        except Exception:
            data = _part_bytes(part)
        filename = filename or "forwarded.eml"
        out.attachments.append(Attachment(filename, ctype, data))
        return
    is_body = disposition != "attachment" and not filename
    if is_body and ctype in ("text/plain", "text/html"):
        data = _part_bytes(part)
        charset = _part_charset(part)
        if ctype == "text/html":
            if not charset:
                meta = _META_CHARSET.search(data[:4096])
                charset = meta.group(1).decode("ascii") if meta else None
            out.html.append(html_to_text(decode_bytes(data, charset, notes)))
        else:
            out.plain.append(decode_bytes(data, charset, notes))
        return
    data = _part_bytes(part)
    if not data and not filename:
        return
    if not filename:
        filename = f"attachment-{len(out.attachments) + 1}{_EXT.get(ctype, '.bin')}"
    out.attachments.append(Attachment(filename, _clean(ctype, single_line=True)[:100], data))


# --- the message ------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")


def _looks_like_message(raw: bytes) -> bool:
    head = raw.lstrip(b"\r\n")
    if head.startswith(b"From "):  # mbox separator line
        head = head.split(b"\n", 1)[1] if b"\n" in head else b""
    header_block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    if not header_block or b"\x00" in header_block:
        return False
    return bool(_HEADER_LINE.match(header_block))


def _max_bytes() -> int:
    return int(getattr(settings, "HELPDESK_MAIL_MAX_BYTES", DEFAULT_MAX_BYTES))


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}MB" if n >= 1024 * 1024 else f"{n:,}バイト"


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one RFC 822 message. Raises only ``MailError`` (Japanese message)."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MailError("メールとして読み込めません（バイト列ではありません）。")
    raw = bytes(raw)
    limit = _max_bytes()
    if len(raw) > limit:
        raise MailError(
            f"メールが大きすぎます（上限{_mb(limit)}、このメールは{_mb(len(raw))}）。"
            "添付ファイルを分けるか、共有フォルダ等でお送りいただくよう依頼してください。"
        )
    if not _looks_like_message(raw):
        raise MailError("メールとして読み込めません（メールのヘッダーがありません）。")
    try:
        return _parse(raw)
    except MailError:
        raise
    except Exception as exc:  # the contract: only MailError escapes
        logger.warning("unparseable mail (%d bytes)", len(raw), exc_info=True)
        raise MailError("メールとして読み込めません（形式が壊れています）。") from exc


def _parse(raw: bytes) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    msg_id_header = _first_header(msg, "Message-ID")
    from_header = _raw_headers(msg, "From")
    date_header = _first_header(msg, "Date")
    if not any(v.strip() for v in [msg_id_header or "", date_header or "", *from_header]):
        raise MailError(
            "メールとして読み込めません（差出人・日付・Message-IDのいずれもありません）。"
        )
    notes: list[str] = []

    ids = _ids(msg_id_header)
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_DOMAIN}>"
    reply_ids = _ids(_first_header(msg, "In-Reply-To"))
    references = _ids(" ".join(_raw_headers(msg, "References")))[-MAX_REFERENCES:]

    senders = _addresses(msg, ("From",), notes) or _addresses(msg, ("Sender",), notes)
    sender_name, sender_address = senders[0] if senders else ("", "")
    recipients = [_format_address(d, a) for d, a in _addresses(msg, ("To", "Cc"), notes)]

    subject = _clean(decode_header_value(_first_header(msg, "Subject"), notes), single_line=True)

    collected = _Collected()
    _walk(msg, collected, notes)
    if collected.plain:
        body = "\n".join(t.rstrip() for t in collected.plain)
    else:
        body = "\n\n".join(collected.html)
    body = _clean(body.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")
    lossy = [n for n in notes if n.startswith("文字コード")]
    if lossy:
        body = f"{body}\n\n［注記］{lossy[0]}".lstrip("\n")

    return ParsedMail(
        message_id=message_id,
        in_reply_to=reply_ids[0] if reply_ids else "",
        references=references,
        sender=_format_address(sender_name, sender_address)[:500],
        sender_name=sender_name,
        sender_address=sender_address,
        recipients=recipients,
        subject=subject or NO_SUBJECT,
        sent_at=_sent_at(date_header),
        body=body,
        attachments=collected.attachments,
        notes=list(dict.fromkeys(notes)),
    )
