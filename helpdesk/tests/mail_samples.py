"""Sample messages for the mail tests, built in code (no binary fixtures).

ISO-2022-JP is produced the way Windows mailers do (CP50220-style): text is
encoded to CP932 and its two-byte characters rewritten as JIS X 0208 pairs, so
NEC special characters (①, ㈱, Ⅲ) and NEC-selected IBM extensions (髙) appear
in ESC $ B segments, which Python's own iso2022_jp codec cannot produce or read.
"""

import base64
import contextlib
import urllib.parse
from datetime import datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
DATE = format_datetime(datetime(2026, 6, 1, 10, 0, tzinfo=JST))
HARD = "①㈱髙Ⅲ～"
CITY = "〒980-8671 仙台市青葉区 髙橋 ①番窓口 ㈱仙台システム Ⅲ期 10:00～12:00"

# NEC-selected IBM extensions (lead bytes 0xED/0xEE) stand in for the IBM
# extension area (0xFA–0xFC), which has no JIS row in ISO-2022-JP.
_NEC_SELECTED = {}
for _lead in (0xED, 0xEE):
    for _trail in list(range(0x40, 0x7F)) + list(range(0x80, 0xFD)):
        code = bytes((_lead, _trail))
        with contextlib.suppress(UnicodeDecodeError):
            _NEC_SELECTED.setdefault(code.decode("cp932"), code)


def _sjis_to_jis(s1: int, s2: int) -> bytes:
    j1 = (s1 - (0x70 if s1 < 0xA0 else 0xB0)) * 2
    if s2 < 0x9F:
        j1 -= 1
        j2 = s2 - (0x20 if s2 >= 0x80 else 0x1F)
    else:
        j2 = s2 - 0x7E
    return bytes((j1, j2))


def jis(text: str) -> bytes:
    """ISO-2022-JP (CP50220 style) bytes of ``text``."""
    out = bytearray()
    mode = "ascii"
    for ch in text:
        sj = ch.encode("cp932")
        if len(sj) == 2 and sj[0] >= 0xF0:
            sj = _NEC_SELECTED[ch]
        if len(sj) == 1 and sj[0] < 0x80:
            want, chunk = "ascii", sj
        elif len(sj) == 1:  # half-width katakana
            want, chunk = "kana", bytes((sj[0] - 0x80,))
        else:
            want, chunk = "kanji", _sjis_to_jis(sj[0], sj[1])
        if want != mode and chunk not in (b"\r", b"\n"):
            out += {"ascii": b"\x1b(B", "kana": b"\x1b(I", "kanji": b"\x1b$B"}[want]
            mode = want
        if chunk in (b"\r", b"\n") and mode != "ascii":
            out += b"\x1b(B"
            mode = "ascii"
        out += chunk
    if mode != "ascii":
        out += b"\x1b(B"
    return bytes(out)


def encoded_word(text: str, charset: str = "ISO-2022-JP") -> str:
    data = jis(text) if charset.upper() == "ISO-2022-JP" else text.encode(charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="


def q_word(text: str, charset: str) -> str:
    data = text.encode("cp932" if charset.lower() == "shift_jis" else charset)
    encoded = "".join(
        chr(b) if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) else f"={b:02X}"
        for b in data
    )
    return f"=?{charset}?Q?{encoded}?="


def build(headers: list[tuple[str, str]], body: bytes, *, crlf: bool = True) -> bytes:
    nl = b"\r\n" if crlf else b"\n"
    head = nl.join(f"{k}: {v}".encode("ascii", "surrogateescape") for k, v in headers)
    return head + nl + nl + body.replace(b"\r\n", b"\n").replace(b"\n", nl)


def base_headers(
    *,
    subject: str | None,
    message_id: str | None = "<m1@city.example.jp>",
    sender: str = "yamada@city.example.jp",
    sender_name: str | None = "山田 太郎",
    extra: list[tuple[str, str]] | None = None,
) -> list[tuple[str, str]]:
    display = f"{encoded_word(sender_name)} " if sender_name else ""
    headers = [("From", f"{display}<{sender}>"), ("To", "desk@vendor.example.jp"), ("Date", DATE)]
    if subject is not None:
        headers.append(("Subject", subject))
    if message_id:
        headers.append(("Message-ID", message_id))
    headers += extra or []
    headers.append(("MIME-Version", "1.0"))
    return headers


def text_mail(
    body: str = "お世話になっております。\n帳票の印刷ができません。\n",
    *,
    subject: str = "帳票の印刷について",
    message_id: str | None = "<m1@city.example.jp>",
    extra: list[tuple[str, str]] | None = None,
    sender: str = "yamada@city.example.jp",
) -> bytes:
    """A plain ISO-2022-JP mail, as Japanese mailers send by default."""
    headers = base_headers(
        subject=encoded_word(subject) if subject else "",
        message_id=message_id,
        extra=extra,
        sender=sender,
    )
    headers += [
        ("Content-Type", "text/plain; charset=ISO-2022-JP"),
        ("Content-Transfer-Encoding", "7bit"),
    ]
    return build(headers, jis(body))


def iso2022jp_hard_mail() -> bytes:
    return text_mail(
        f"{CITY}\n機種依存文字：{HARD}\n",
        subject=f"【至急】{HARD} の表示",
        message_id="<hard@x.jp>",
    )


def sjis_mail() -> bytes:
    headers = base_headers(subject=q_word("住所の文字化け①", "Shift_JIS"), message_id="<sj@x.jp>")
    headers += [
        ("Content-Type", 'text/plain; charset="Shift_JIS"'),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    return build(headers, f"{CITY}\n表示・ソフト・ﾃｽﾄ\n".encode("cp932"))


ATTACHMENT_NAME = "児童票_②（髙橋）.pdf"
ATTACHMENT_BYTES = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def utf8_multipart_mail(*, filename: str = ATTACHMENT_NAME, data: bytes = ATTACHMENT_BYTES):
    msg = MIMEMultipart()
    msg["From"] = (
        "=?UTF-8?B?" + base64.b64encode("佐藤 花子".encode()).decode() + "?= <sato@ward.example.jp>"
    )
    msg["To"] = "desk@vendor.example.jp"
    msg["Date"] = DATE
    msg["Subject"] = "=?UTF-8?B?" + base64.b64encode("添付の帳票について".encode()).decode() + "?="
    msg["Message-ID"] = "<mp@ward.example.jp>"
    msg.attach(MIMEText("添付の帳票をご確認ください。\n", "plain", "utf-8"))
    part = MIMEApplication(data, "pdf")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
    msg.attach(part)
    return msg.as_bytes()


def iso2022jp_attachment_mail(filename: str = "①報告書.txt", *, style: str = "rfc2231") -> bytes:
    """An attachment named by filename*=ISO-2022-JP''%1B%24B… (RFC 2231) or an encoded-word."""
    if style == "rfc2231":
        param = "filename*=ISO-2022-JP''" + urllib.parse.quote(jis(filename), safe="")
    else:
        param = f'filename="{encoded_word(filename)}"'
    body = (
        b"--B\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
        + jis("本文です。\r\n")
        + b"\r\n--B\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"
        + f"Content-Disposition: attachment; {param}\r\n".encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(jis("添付の中身"))
        + b"\r\n--B--\r\n"
    )
    headers = base_headers(subject="report", message_id=f"<{style}@x.jp>")
    headers.append(("Content-Type", 'multipart/mixed; boundary="B"'))
    return build(headers, body)


def html_only_mail() -> bytes:
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<p>ログインできません。</p><p>エラー&nbsp;番号：&lt;E-101&gt; &amp; 再試行</p>"
        "<script>alert(1)</script><div>よろしく<br>お願いします</div></body></html>"
    )
    headers = base_headers(subject="HTML", message_id="<html@x.jp>")
    headers += [
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Content-Transfer-Encoding", "base64"),
    ]
    return build(headers, base64.encodebytes(html.encode()))


def unknown_charset_mail() -> bytes:
    headers = base_headers(subject="charset", message_id="<unknown@x.jp>")
    headers += [
        ("Content-Type", "text/plain; charset=x-unknown"),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    return build(headers, "文字コード不明の本文です。①".encode("cp932"))


def big_attachment_mail(size: int) -> tuple[bytes, bytes]:
    """(mail, attachment bytes): a ``size``-byte CSV attachment sent 8bit, so raw ≈ size.

    The size limit counts raw bytes; the same file base64-encoded would be 4/3 larger.
    """
    line = b"0123456789," * 90 + b"\r\n"
    data = (line * (size // len(line) + 1))[:size]
    headers = base_headers(subject="big", message_id=f"<big{size}@x.jp>")
    headers.append(("Content-Type", 'multipart/mixed; boundary="B"'))
    body = (
        b"--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nsee attached\r\n"
        b"--B\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: 8bit\r\n"
        b'Content-Disposition: attachment; filename="big.csv"\r\n\r\n' + data + b"\r\n--B--\r\n"
    )
    return build(headers, body), data
