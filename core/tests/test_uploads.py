"""The one upload check: type by name and content, size, emptiness, named in Japanese."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import check_upload, sniff, upload_problem

ALLOWED = ("pdf", "xlsx", "docx", "xls", "txt", "csv", "zip", "pptx")


def _ooxml(part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(part, "<x/>")
    return out.getvalue()


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("手順書.pdf", b"%PDF-1.7\n..."),
        ("集計.xlsx", _ooxml("xl/workbook.xml")),
        ("報告.docx", _ooxml("word/document.xml")),
        ("研修.pptx", _ooxml("ppt/presentation.xml")),
        ("旧形式.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ("ログ.txt", "バックアップ完了 2026-11-16".encode("cp932")),
        ("一覧.csv", "番号,件名\r\n1,試験\r\n".encode()),
        ("資料.zip", _ooxml("word/document.xml")),  # an Office file is also a zip
    ],
)
def test_files_that_are_what_they_claim_pass(name, content):
    assert upload_problem(_file(name, content), allowed=ALLOWED, max_bytes=10**6) is None


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("手順.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "拡張子（.pdf）と一致しません"),
        ("集計.xlsx", _ooxml("word/document.xml"), "拡張子（.xlsx）と一致しません"),
        ("集計.xlsx", b"PK\x03\x04 broken", "拡張子（.xlsx）と一致しません"),
        ("memo.txt", b"\x00\x01\x02binary", "拡張子（.txt）と一致しません"),
        ("ツール.exe", b"MZ", "ファイルの種類は csv・docx・pdf・pptx・txt・xls・xlsx・zip"),
        ("空.pdf", b"", "空のファイルは添付できません（空.pdf）"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_by_name(name, content, words):
    problem = upload_problem(_file(name, content), allowed=ALLOWED, max_bytes=10**6)
    assert words in problem
    assert name in problem


def test_the_size_cap_is_named_and_the_screen_word_is_used():
    big = _file("大きい.pdf", b"%PDF-1.7" + b"0" * 2_000_000)
    problem = upload_problem(big, allowed=ALLOWED, max_bytes=1024 * 1024, verb="登録")
    assert "ファイルが大きすぎます（1.9 MB、上限 1 MB、大きい.pdf）" in problem
    exe = upload_problem(_file("a.exe", b"MZ"), allowed=ALLOWED, max_bytes=10, verb="登録")
    assert exe.startswith("登録できるファイルの種類は")


def test_check_upload_raises_on_the_field_and_leaves_the_file_readable():
    upload = _file("手順.pdf", b"%PDF-1.7 ok")
    check_upload(upload, field="material", allowed=ALLOWED, max_bytes=10**6)
    assert upload.read() == b"%PDF-1.7 ok"  # the sniff rewound it
    with pytest.raises(ValidationError) as exc:
        check_upload(_file("手順.pdf", b"MZ"), field="material", allowed=ALLOWED, max_bytes=10**6)
    assert "material" in exc.value.message_dict
    check_upload(None, field="material", allowed=ALLOWED, max_bytes=1)  # no file is fine


def test_sniff_tells_office_files_apart():
    assert sniff(_file("x", _ooxml("xl/workbook.xml"))) == "xlsx"
    assert sniff(_file("x", _ooxml("word/document.xml"))) == "docx"
    assert sniff(_file("x", b"\x89PNG\r\n\x1a\n....")) == "png"
    assert sniff(_file("x", b"\xff\xd8\xff\xe0")) == "jpg"
