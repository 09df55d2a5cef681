"""One check for every uploaded file: type by name *and* content, size, emptiness.

A file is refused with a Japanese reason naming it when its extension is not allowed,
when it is empty or over the size cap, or when its content is not what the extension
claims (an ``.exe`` renamed ``.pdf``, a Word file renamed ``.xlsx``). Types whose content
cannot be told apart reliably (plain text, logs) are checked for being text.
"""

import zipfile
from collections.abc import Iterable
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt (Compound File)

# extension → (label, content kind); the kind is what sniff() must find.
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("PDF", "pdf"),
    "png": ("PNG", "png"),
    "jpg": ("JPEG", "jpg"),
    "jpeg": ("JPEG", "jpg"),
    "xlsx": ("Excel", "xlsx"),
    "xlsm": ("Excel", "xlsx"),
    "docx": ("Word", "docx"),
    "pptx": ("PowerPoint", "pptx"),
    "xls": ("Excel", "ole"),
    "doc": ("Word", "ole"),
    "ppt": ("PowerPoint", "ole"),
    "zip": ("ZIP", "zip"),
    "txt": ("テキスト", "text"),
    "csv": ("CSV", "text"),
    "log": ("ログ", "text"),
}


def _ooxml_kind(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" in names:
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        if "ppt/presentation.xml" in names:
            return "pptx"
    return "zip"


def _is_text(head: bytes, *, truncated: bool) -> bool:
    if b"\x00" in head:
        return False
    sample = head[:-4] if truncated else head  # a multibyte character may be cut at the end
    for encoding in ("utf-8", "cp932"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff(upload) -> str | None:
    """What the file really is, from its first bytes: a kind of TYPES, or None."""
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(OLE):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_kind(upload)
    if _is_text(head, truncated=len(head) == 4096):
        return "text"
    return None


def upload_problem(
    upload, *, allowed: Iterable[str], max_bytes: int, verb: str = "添付"
) -> str | None:
    """A Japanese reason why this file is refused, or None. ``allowed``: extensions
    without the dot; ``verb``: the screen's word, 添付 (attach) or 登録 (register)."""
    name = PurePath(getattr(upload, "name", "") or "").name
    ext = PurePath(name).suffix.lower().lstrip(".")
    allowed = sorted({a.lower().lstrip(".") for a in allowed})
    registering = verb == "登録"
    if ext not in allowed:
        message = (
            _("登録できるファイルの種類は %(types)s です（「%(name)s」は登録できません）。")
            if registering
            else _("添付できるファイルの種類は %(types)s です（「%(name)s」は添付できません）。")
        )
        return message % {"types": "・".join(allowed), "name": name}
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        return _("ファイルが大きすぎます（%(size)s MB、上限 %(limit)s MB、%(name)s）。") % {
            "size": f"{size / 1024 / 1024:.1f}",
            "limit": f"{max_bytes / 1024 / 1024:g}",
            "name": name,
        }
    if not size:
        message = (
            _("空のファイルは登録できません（%(name)s）。")
            if registering
            else _("空のファイルは添付できません（%(name)s）。")
        )
        return message % {"name": name}
    if ext in TYPES:
        label, kind = TYPES[ext]
        found = sniff(upload)
        # A zip-based Office file is also a valid .zip; nothing else may pass as another.
        if found != kind and not (kind == "zip" and found in ("xlsx", "docx", "pptx")):
            message = _(
                "ファイルの中身が拡張子（.%(ext)s）と一致しません。%(label)s のファイルとして"
                "開けるものを選んでください（%(name)s）。"
            )
            return message % {"ext": ext, "label": label, "name": name}
    return None


def check_upload(
    upload, *, field: str, allowed: Iterable[str], max_bytes: int, verb: str = "添付"
) -> None:
    """Raise a ValidationError on ``field`` when upload_problem() finds one; no file is fine."""
    if not upload:
        return
    problem = upload_problem(upload, allowed=allowed, max_bytes=max_bytes, verb=verb)
    if problem:
        raise ValidationError({field: problem})
