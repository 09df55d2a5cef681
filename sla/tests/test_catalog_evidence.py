"""Evidence for manual items: who, when, met/value/note/file; files checked by content
(magic bytes, not only the extension) and capped in size; nothing half-saved."""

# ruff: noqa: F811 - fixtures imported from sla.tests.catalog_support are parameters here

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from sla.models import Evidence, Item
from sla.selectors import catalog as selectors
from sla.services import catalog as services
from sla.tests.catalog_support import jst, make_policy, manager, manual_item  # noqa: F401

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active["A1"] = "受領確認"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _setup(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(jst(2026, 11, 16, 10, 0), tick=False)


@pytest.fixture
def item():
    return manual_item(make_policy())


def record(item, actor, **kw):
    fields = {"month": NOVEMBER, "met": True, "note": "受領印のある送付状を確認"}
    fields.update(kw)
    return services.evidence_record(item=item, actor=actor, **fields)


def test_a_vendor_manager_confirms_a_manual_item_with_who_and_when(item, manager):
    evidence = record(item, manager, month=date(2026, 11, 20))
    assert (evidence.period_start, evidence.period_end) == (NOVEMBER, date(2026, 11, 30))
    assert evidence.confirmed_by == manager
    assert evidence.confirmed_at == jst(2026, 11, 16, 10, 0)
    assert evidence.met is True
    assert evidence.history.count() == 1


def test_the_latest_confirmation_of_a_month_counts(item, manager, time_machine):
    record(item, manager, met=False, note="一次確認")
    time_machine.move_to(jst(2026, 11, 17, 9, 0), tick=False)
    second = record(item, manager, met=True, note="再確認")
    assert selectors.evidence_for(item, NOVEMBER) == second
    assert selectors.evidence_by_item([item], NOVEMBER) == {item.pk: second}
    assert selectors.evidence_for(item, date(2026, 10, 1)) is None


def test_a_value_is_judged_against_the_target_when_met_is_not_given(item, manager):
    evidence = record(item, manager, met=None, value=Decimal("98"))
    assert evidence.met is False  # target ≥ 100 %


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("受領確認.pdf", PDF),
        ("受領確認.xlsx", None),
        ("報告.docx", None),
        ("画面.png", PNG),
        ("写真.jpg", JPG),
        ("写真.JPEG", JPG),
    ],
)
def test_files_of_the_allowed_types_are_kept(item, manager, name, content):
    if content is None:
        content = xlsx_bytes() if name.endswith("xlsx") else docx_bytes()
    evidence = record(item, manager, note="", file=SimpleUploadedFile(name, content))
    with evidence.file.open("rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("受領確認.pdf", "これはテキストです".encode(), "拡張子（.pdf）と一致しません"),
        ("受領確認.xlsx", None, "拡張子（.xlsx）と一致しません"),  # a Word file renamed
        ("画面.png", JPG, "拡張子（.png）と一致しません"),
        ("集計.xlsx", b"PK\x03\x04 not really a zip", "拡張子（.xlsx）と一致しません"),
        ("手順.exe", b"MZ\x90\x00", "添付できるファイルの種類は docx・jpeg・jpg・pdf・png・xlsx"),
        ("memo.txt", b"hello", "添付できるファイルの種類は docx・jpeg・jpg・pdf・png・xlsx"),
        ("空.pdf", b"", "空のファイル"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(
    item, manager, tmp_path, name, content, message
):
    if content is None:
        content = docx_bytes()
    with pytest.raises(ValidationError) as exc:
        record(item, manager, file=SimpleUploadedFile(name, content))
    assert message in exc.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_files_over_10_mb_are_refused(item, manager):
    big = SimpleUploadedFile("大きい.pdf", PDF + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        record(item, manager, file=big)
    assert "上限 10 MB" in exc.value.message_dict["file"][0]
    assert not Evidence.objects.exists()
    exactly = SimpleUploadedFile("ちょうど.pdf", PDF + b"0" * (10 * 1024 * 1024 - len(PDF)))
    assert record(item, manager, file=exactly).file


def test_a_note_or_a_file_is_required(item, manager):
    with pytest.raises(ValidationError) as exc:
        record(item, manager, note=" ")
    assert "確認内容を入力するか" in exc.value.message_dict["note"][0]


def test_manual_items_need_met_or_a_value(item, manager):
    with pytest.raises(ValidationError) as exc:
        record(item, manager, met=None)
    assert "達成・未達を選ぶか" in exc.value.message_dict["met"][0]


def test_computed_manual_items_take_evidence_without_a_judgement(manager):
    policy = make_policy()
    item = manual_item(policy, measurement=Item.Measurement.COMPUTED_MANUAL, rule="")
    evidence = record(item, manager, met=None, note="負荷試験報告書を確認")
    assert evidence.met is None


def test_computed_items_take_no_evidence(manager):
    policy = make_policy()
    with pytest.raises(ValidationError, match="自動計測"):
        record(policy.items.get(), manager)


def test_future_months_and_months_of_another_version_are_refused(item, manager):
    with pytest.raises(ValidationError) as exc:
        record(item, manager, month=date(2026, 12, 1))
    assert "未来の月" in exc.value.message_dict["month"][0]
    with pytest.raises(ValidationError) as exc:
        record(item, manager, month=date(2024, 3, 1))
    assert "この版（第1版）で判定する月ではありません" in exc.value.message_dict["month"][0]
    assert not Evidence.objects.exists()


def test_a_value_out_of_range_is_refused(item, manager):
    with pytest.raises(ValidationError) as exc:
        record(item, manager, value=Decimal("101"))
    assert "0〜100" in exc.value.message_dict["value"][0]


def test_only_vendor_managers_enter_evidence(item, city_admin, vendor_operator, attendee):
    for actor in (city_admin, vendor_operator, attendee):
        with pytest.raises(PermissionDenied):
            record(item, actor)
    assert not Evidence.objects.exists()
