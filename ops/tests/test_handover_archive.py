"""The handover archive: every table, spreadsheet-safe CSV, CP932 refused honestly, a load
into an empty database that matches the source table by table, flat memory."""

# ruff: noqa: F811 - fixtures imported from ops.tests.handover_support are parameters here

import csv
import io
import json
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AccessLog
from ops.models.handover import HandoverDownload, HandoverExport
from ops.services import handover as services
from ops.services import handover_archive as archive
from ops.tests.handover_support import (  # noqa: F401 - fixtures
    approved_export,
    city_admin_b,
    finished_export,
    handover_env,
    handover_target_url,
    model,
    published,
    run_queued_jobs,
)

Status = HandoverExport.Status
pytestmark = pytest.mark.django_db(transaction=True)

TRICKY = {
    "formula": '=HYPERLINK("http://example.com","開く")',
    "plus": "+81-22-000-0000",
    "minus": "-1+2",
    "at": "@SUM(A1:A2)",
    "tab": "\tタブで始まる",
    "cr": "\r復帰で始まる",
    "quote": "'引用符で始まる",
    "marker": "\\N",
    "empty": "",
    "lines": '一行目\r\n二行目\n三行目\r「"引用"」, カンマ',
    "plain": "児童相談所 髙﨑 ①～",
}
UTF8_ONLY = {"kanji": "𠮷野 太郎", "wave": "9:00〜17:00"}


def _seed(*, utf8_only: bool = True):
    """Rows in several apps, through the ORM by label (ops never imports those apps)."""
    now = timezone.now()
    Event = model("backups.Event")
    values = {**TRICKY, **(UTF8_ONLY if utf8_only else {})}
    for action, detail in values.items():
        Event.objects.create(at=now, actor="試験 運用担当", action=action, detail=detail)
    TaskResult = model("django_celery_results.TaskResult")
    TaskResult.objects.create(task_id="result-null", status="SUCCESS", result=None)
    TaskResult.objects.create(task_id="result-empty", status="SUCCESS", result="")
    Drill = model("backups.Drill")
    Drill.objects.create(
        status="passed",
        started_at=now,
        restore_seconds=0.1 + 0.2,
        mismatches=[{"表": "cases", "値": "=1", "改行": "a\nb"}],
    )
    Drill.objects.create(status="failed", started_at=now, restore_seconds=-1.5)
    model("core.RequestLog").objects.create(
        requested_at=now, user_id=None, view_name="home", method="GET", status=200, duration_us=7
    )


def _attachment(user, content: bytes = b"\x00\x01 personnel \xe3\x81\x82"):
    PersonnelImport = model("accounts.PersonnelImport")
    record = PersonnelImport(
        original_name="異動.xlsx", sha256="0" * 64, size=len(content), uploaded_by=user
    )
    record.file.save("transfer.xlsx", ContentFile(content), save=False)
    record.save()
    return record


def _zip(export) -> zipfile.ZipFile:
    return zipfile.ZipFile(services.archive_path(export))


def _rows(zf, table: str, encoding: str = "utf-8-sig") -> list[list[str]]:
    with zf.open(f"tables/{table}.csv") as raw:
        return list(csv.reader(io.TextIOWrapper(raw, encoding=encoding, newline="")))


def _target(url):
    return archive.raw_connection(archive.settings_for_url(url), alias="handover_target")


# --- the round trip -----------------------------------------------------------------------


def test_an_archive_loads_into_an_empty_database_with_every_table_equal(
    city_admin,
    city_admin_b,
    caseworker,
    vendor_operator,
    handover_env,
    published,
    handover_target_url,
    tmp_path,
):
    _seed()
    attachment = _attachment(caseworker)
    export = finished_export(city_admin, city_admin_b)
    assert export.status == Status.DONE, export.error
    with _zip(export) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    tables = {t["table"]: t for t in manifest["tables"]}
    assert export.tables_count == len(tables) >= 100
    for name in (
        "accounts_user",
        "accounts_historicaluser",
        "accounts_user_groups",
        "auth_group",
        "django_celery_beat_periodictask",
        "core_requestlog",
        "ops_handoverexport",
        "ops_historicalhandoverexport",
        "backups_event",
    ):
        assert name in tables, name
    assert tables["backups_event"]["rows"] == len(TRICKY) + len(UTF8_ONLY)
    assert {e["table"] for e in manifest["excluded_tables"]} >= {"django_session"}
    assert "password" not in [c["name"] for c in tables["accounts_user"]["columns"]]

    out = io.StringIO()
    media = tmp_path / "media-target"
    call_command(
        "import_handover",
        str(services.archive_path(export)),
        database_url=handover_target_url,
        no_migrate=True,
        media_root=media,
        stdout=out,
    )
    assert "全テーブルの行数と SHA-256 が出力元と一致しました" in out.getvalue()

    with _target(handover_target_url) as target:
        assert archive.verify_database(target, manifest) == []
        detail = dict(target.execute("SELECT action, detail FROM backups_event").fetchall())
        assert detail == {**TRICKY, **UTF8_ONLY}
        results = dict(
            target.execute(
                "SELECT task_id, result FROM django_celery_results_taskresult"
            ).fetchall()
        )
        assert results == {"result-null": None, "result-empty": ""}
        seconds = sorted(
            r[0] for r in target.execute("SELECT restore_seconds FROM backups_drill").fetchall()
        )
        assert seconds == [-1.5, 0.1 + 0.2]
        users = target.execute(
            "SELECT employee_number, password FROM accounts_user ORDER BY id"
        ).fetchall()
        assert {n for n, _ in users} >= {city_admin.employee_number, caseworker.employee_number}
        assert all(p == "!" for _, p in users)  # no password hash is handed over
        next_id = target.execute("SELECT nextval(pg_get_serial_sequence('backups_event', 'id'))")
        assert next_id.fetchone()[0] > max(
            model("backups.Event").objects.values_list("pk", flat=True)
        )
    assert (media / attachment.file.name).read_bytes() == attachment.file.read()

    # The source itself still matches, except what changed after the snapshot: the export's
    # own row finishing (and a change ledger counting that update, if one is installed).
    with archive.raw_connection() as source:
        changed = {m.table for m in archive.verify_database(source, manifest)}
    changed -= {t for t in changed if "ledger" in t}
    assert changed <= {"ops_handoverexport", "ops_historicalhandoverexport"}


def test_a_cp932_archive_round_trips_text_cp932_can_hold(
    city_admin, city_admin_b, handover_env, published, handover_target_url
):
    _seed(utf8_only=False)
    export = finished_export(city_admin, city_admin_b, encoding="cp932")
    assert export.status == Status.DONE, export.error
    with _zip(export) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read("tables/backups_event.csv")[:3] != b"\xef\xbb\xbf"
        rows = _rows(zf, "backups_event", "cp932")
    assert "児童相談所 髙﨑 ①～" in [r[-1] for r in rows]

    call_command(
        "import_handover",
        str(services.archive_path(export)),
        database_url=handover_target_url,
        no_migrate=True,
        stdout=io.StringIO(),
    )
    with _target(handover_target_url) as target:
        assert archive.verify_database(target, manifest) == []
        detail = dict(target.execute("SELECT action, detail FROM backups_event").fetchall())
    assert detail == TRICKY


# --- spreadsheet safety -------------------------------------------------------------------


def test_cells_a_spreadsheet_would_run_as_formulas_get_a_quote_and_load_back_unchanged(
    city_admin, city_admin_b, handover_env, published
):
    _seed()
    export = finished_export(city_admin, city_admin_b)
    with _zip(export) as zf:
        assert zf.read("tables/backups_event.csv").startswith(b"\xef\xbb\xbf")
        events = _rows(zf, "backups_event")
        drills = _rows(zf, "backups_drill")
        results = _rows(zf, "django_celery_results_taskresult")
        readme = zf.read("README.txt").decode("utf-8-sig")

    header, *data = events
    cell = {row[header.index("action")]: row[header.index("detail")] for row in data}
    assert cell["formula"] == "'" + TRICKY["formula"]
    assert cell["plus"] == "'+81-22-000-0000"
    assert cell["minus"] == "'-1+2"
    assert cell["at"] == "'@SUM(A1:A2)"
    assert cell["tab"] == "'\tタブで始まる"
    assert cell["cr"] == "'\r復帰で始まる"
    assert cell["quote"] == "''引用符で始まる"
    assert cell["marker"] == "'\\N"  # the text "\N", not NULL
    assert cell["empty"] == ""
    assert cell["lines"] == TRICKY["lines"]  # newlines and quotes survive CSV quoting
    assert cell["kanji"] == "𠮷野 太郎"
    assert {k: archive.restore_value(v) for k, v in cell.items()} == {**TRICKY, **UTF8_ONLY}

    header, *data = drills
    assert sorted(r[header.index("restore_seconds")] for r in data) == [
        "-1.5",  # a negative number stays a number
        "0.30000000000000004",
    ]
    mismatches = [
        r[header.index("mismatches")] for r in data if r[header.index("mismatches")] != "[]"
    ]
    assert json.loads(mismatches[0]) == [{"表": "cases", "値": "=1", "改行": "a\nb"}]
    header, *data = results
    by_id = {r[header.index("task_id")]: r[header.index("result")] for r in data}
    assert by_id == {"result-null": "\\N", "result-empty": ""}
    assert "\\N" in readme and "先頭に ' を 1 文字" in readme


def test_the_data_dictionary_names_labels_codes_and_relations(
    city_admin, city_admin_b, handover_env, published
):
    export = finished_export(city_admin, city_admin_b)
    with _zip(export) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("data_dictionary.csv").decode("utf-8-sig"))))
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(zf.read("data_dictionary.xlsx")), read_only=True)
        assert book.sheetnames == ["データ辞書", "説明"]
    header = rows[0]
    entry = {(r[0], r[3]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    status = entry[("ops_handoverexport", "status")]
    assert status["日本語名"] == "状態"
    assert "requested=申請" in status["コード値と意味"] and "done=完了" in status["コード値と意味"]
    assert (
        entry[("ops_handoverexport", "requested_by_id")]["参照先（テーブル.列）"]
        == "accounts_user.id"
    )
    assert entry[("ops_handoverexport", "id")]["主キー"] == "はい"
    assert entry[("accounts_user", "password")]["出力"] == "出力しない"
    assert entry[("accounts_user", "name")]["先頭に ' を付ける対象"] == "あり"
    assert entry[("accounts_user", "id")]["先頭に ' を付ける対象"] == "なし"
    assert any(r[0] == "django_session" and r[11] == "出力しない" for r in rows[1:])


# --- CP932 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "char", "code"), [("𠮷野家", "𠮷", "U+20BB7"), ("9:00〜17:00", "〜", "U+301C")]
)
def test_cp932_names_the_character_it_cannot_hold_and_leaves_no_archive(
    city_admin, city_admin_b, handover_env, published, text, char, code
):
    event = model("backups.Event").objects.create(
        at=timezone.now(), actor="試験", action="note", detail=text
    )
    export = finished_export(city_admin, city_admin_b, encoding="cp932")

    assert export.status == Status.FAILED
    assert (
        f"backups_event.detail（id={event.pk}）の文字「{char}」({code}) は CP932 で表せません"
        in export.error
    )
    assert not export.file_name
    assert list(Path(handover_env.HANDOVER_DIR).iterdir()) == []


# --- the job ------------------------------------------------------------------------------


def test_a_restart_after_a_dead_worker_starts_over_and_leaves_one_complete_archive(
    city_admin, city_admin_b, handover_env, published
):
    export = services.handover_start(
        export=approved_export(city_admin, city_admin_b), actor=city_admin
    )
    directory = archive.handover_dir()
    half = directory / f".handover-{export.pk}-1-deadbeef.zip.partial"
    half.write_bytes(b"PK\x03\x04 half written by a worker that died")
    HandoverExport.objects.filter(pk=export.pk).update(
        heartbeat_at=timezone.now() - services.STALE_AFTER * 2
    )

    services.handover_restart(export=export, actor=city_admin_b)
    outcomes = run_queued_jobs()  # attempt 1's task comes back too, and does nothing

    export.refresh_from_db()
    assert outcomes == ["running", "done"]
    assert export.status == Status.DONE and export.attempt == 2
    assert [p.name for p in directory.iterdir()] == [export.file_name]
    assert archive.file_sha256(services.archive_path(export)) == export.sha256
    with _zip(export) as zf:
        assert zf.testzip() is None


def test_a_finished_export_ignores_its_task_delivered_again(
    city_admin, city_admin_b, handover_env, published
):
    export = finished_export(city_admin, city_admin_b)
    again = services.handover_export_execute(export_id=export.pk, attempt=export.attempt)
    assert again.status == Status.DONE and again.file_name == export.file_name
    assert len(list(archive.handover_dir().iterdir())) == 1


def test_exporting_100000_rows_keeps_memory_flat(city_admin, city_admin_b, handover_env, published):
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_accesslog (at, user_id, action, object_type, object_id, detail, ip)"
            " SELECT now(), g, 'view', 'cases.consultation', g::text,"
            " repeat('相談記録の閲覧', 30) || g, '10.0.0.1'"
            " FROM generate_series(1, 100000) g"
        )
    export = services.handover_start(
        export=approved_export(city_admin, city_admin_b), actor=city_admin
    )
    tracemalloc.start()
    try:
        export = services.handover_export_execute(export_id=export.pk, attempt=export.attempt)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert export.status == Status.DONE, export.error
    with _zip(export) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    rows = {t["table"]: t["rows"] for t in manifest["tables"]}
    assert rows["core_accesslog"] == 100_000
    size = next(t["bytes"] for t in manifest["tables"] if t["table"] == "core_accesslog")
    assert size > 40 * 1024**2  # the table's CSV is ~ 40+ MB …
    assert peak < 16 * 1024**2, f"peak {peak / 1024**2:.1f} MB"  # … memory is not


# --- download -----------------------------------------------------------------------------


def test_city_admins_download_the_archive_and_every_download_is_logged(
    client, city_admin, city_admin_b, vendor_operator, handover_env, published
):
    export = finished_export(city_admin, city_admin_b)
    url = reverse("ops:handover_download", args=[export.pk])

    client.force_login(vendor_operator)
    assert client.get(url).status_code == 403
    client.force_login(city_admin_b)
    response = client.get(url, REMOTE_ADDR="10.1.2.3")
    body = b"".join(response.streaming_content)

    assert response["Content-Type"] == "application/zip"
    assert export.file_name in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert "manifest.json" in zf.namelist()
    download = HandoverDownload.objects.get()
    assert (download.export_id, download.user, download.ip) == (export.pk, city_admin_b, "10.1.2.3")
    assert AccessLog.objects.filter(
        user_id=city_admin_b.pk,
        action="export",
        object_type="ops.handoverexport",
        object_id=str(export.pk),
    ).exists()
    page = client.get(reverse("ops:handover_detail", args=[export.pk])).content.decode()
    assert "10.1.2.3" in page

    client.post(reverse("ops:handover_remove_file", args=[export.pk]))
    assert not services.archive_path(export).exists()
    page = client.get(reverse("ops:handover_detail", args=[export.pk])).content.decode()
    assert "試験 管理者二 が削除" in page and 'id="download"' not in page
    assert client.get(url).status_code == 302
    assert HandoverDownload.objects.count() == 1


def test_import_handover_refuses_the_live_database(tmp_path):
    live = f"{os.environ['DATABASE_URL'].rpartition('/')[0]}/{connection.settings_dict['NAME']}"
    archive_file = tmp_path / "handover.zip"
    archive_file.write_bytes(b"PK")
    with pytest.raises(CommandError, match="稼働中のデータベースには取り込めません"):
        call_command("import_handover", str(archive_file), database_url=live, no_migrate=True)


def test_import_handover_refuses_a_database_where_people_can_log_in(
    city_admin, city_admin_b, handover_env, published, handover_target_url
):
    export = finished_export(city_admin, city_admin_b)
    with _target(handover_target_url) as target:
        target.execute(
            "INSERT INTO accounts_user (employee_number, name, name_kana, email, is_active,"
            " is_staff, is_superuser, date_joined, password)"
            " VALUES ('LIVE0001', '稼働 職員', 'カドウ', '', true, false, false, now(), 'md5$a$b')"
        )
    try:
        with pytest.raises(CommandError, match="ログインできる職員が 1 人"):
            call_command(
                "import_handover",
                str(services.archive_path(export)),
                database_url=handover_target_url,
                no_migrate=True,
                stdout=io.StringIO(),
            )
    finally:
        with _target(handover_target_url) as target:
            target.execute("DELETE FROM accounts_user WHERE employee_number = 'LIVE0001'")
