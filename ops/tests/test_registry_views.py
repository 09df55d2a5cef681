"""Registry and security pages: who sees and edits them, forms with bad input, uploads,
optimistic locking, and the query count of the lists."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from ops.models.registry import (
    Document,
    Environment,
    InstalledVersion,
    Licence,
    MalwareDetection,
    Patch,
    Release,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.services import registry as services

pytestmark = pytest.mark.django_db

HOME = reverse("ops:registry_home")
SECURITY = reverse("ops:registry_security")


def new(kind):
    return reverse("ops:registry_new", args=[kind])


def edit(kind, pk):
    return reverse("ops:registry_edit", args=[kind, pk])


@pytest.fixture
def envs():
    prod, _ = Environment.objects.get_or_create(
        code="production", defaults={"name": "本番", "kind": "production", "order": 0}
    )
    stg, _ = Environment.objects.get_or_create(
        code="staging", defaults={"name": "検証・保守", "kind": "staging", "order": 10}
    )
    return prod, stg


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def vendor_manager(make_user):
    return make_user(roles.VENDOR_MANAGER, name="試験 運用責任者")


@pytest.fixture
def records(envs, make_user):
    """One of everything, entered by another vendor staff member."""
    prod, stg = envs
    make_user(roles.VENDOR_OPERATOR)  # the one who entered them (history only)
    server = services.server_create(environment=prod, name="ap01")
    software = services.software_create(name="PostgreSQL", category="middleware")
    services.installed_version_set(software=software, environment=prod, installed_version="15.8")
    services.installed_version_set(software=software, environment=stg, installed_version="15.9")
    licence = services.licence_create(name="帳票ツール", count=5, holder="市")
    definition = services.virus_definition_create(
        server=server, definition_version="v1", released_on=timezone.localdate()
    )
    fix = services.patch_create(
        software=software,
        identifier="DSA-1",
        title="修正",
        released_on=timezone.localdate(),
    )
    detection = services.malware_detection_create(
        server=server, detected_at=timezone.now(), name="EICAR", incident_number="I8-0001"
    )
    return {
        "server": server,
        "software": software,
        "licence": licence,
        "virus": definition,
        "patch": fix,
        "detection": detection,
        "environment": prod,
    }


# --- who sees what --------------------------------------------------------------------------


def test_vendor_staff_edit_city_admins_read_and_everyone_else_gets_403(
    client, records, vendor_operator, vendor_manager, city_admin, caseworker, supervisor, attendee
):
    for user in (vendor_operator, vendor_manager):
        client.force_login(user)
        page = client.get(HOME).content.decode()
        assert "PostgreSQL" in page and edit("software", records["software"].pk) in page
        assert client.get(SECURITY).status_code == 200
        assert client.get(new("patch")).status_code == 200
        assert client.get(edit("licence", records["licence"].pk)).status_code == 200

    client.force_login(city_admin)
    page = client.get(HOME).content.decode()
    assert "PostgreSQL" in page and "帳票ツール" in page
    assert edit("software", records["software"].pk) not in page and new("licence") not in page
    security = client.get(SECURITY).content.decode()
    assert "DSA-1" in security and "EICAR" in security
    for kind in ("environment", "server", "software", "licence", "virus", "patch", "detection"):
        assert client.get(new(kind)).status_code == 403
        assert client.get(edit(kind, records[kind].pk)).status_code == 403
    assert (
        client.post(new("licence"), {"name": "x", "count": "1", "holder": "x"}).status_code == 403
    )
    assert client.get(reverse("ops:registry_virus_bulk")).status_code == 403
    assert Licence.objects.count() == 1

    for user in (caseworker, supervisor, attendee):
        client.force_login(user)
        assert client.get(HOME).status_code == 403
        assert client.get(SECURITY).status_code == 403
        assert client.get(new("patch")).status_code == 403
        assert client.get(edit("patch", records["patch"].pk)).status_code == 403
        assert (
            client.get(reverse("ops:registry_history", args=["patch", records["patch"].pk]))
        ).status_code == 403

    client.logout()
    assert client.get(HOME).status_code == 302


def test_the_menu_shows_the_registry_to_vendor_staff_and_city_admins_only(
    client, vendor_operator, city_admin, caseworker
):
    for user, shown in ((vendor_operator, True), (city_admin, True), (caseworker, False)):
        client.force_login(user)
        page = client.get(reverse("home"), follow=True).content.decode()
        assert ('data-nav="ops_registry"' in page) is shown
        assert ('data-nav="ops_security"' in page) is shown


# --- the pages ------------------------------------------------------------------------------


def test_versions_per_environment_are_shown_side_by_side(client, records, vendor_operator):
    client.force_login(vendor_operator)
    page = client.get(HOME).content.decode()
    row = page[page.index(f'id="software-{records["software"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-differs="1"' in row
    assert row.index("15.8") < row.index("15.9")  # 本番 before 検証・保守


def test_overdue_items_are_red_and_items_due_soon_amber(client, envs, vendor_operator):
    prod, _ = envs
    server = services.server_create(environment=prod, name="ap01")
    today = timezone.localdate()
    late = services.virus_definition_create(
        server=server, definition_version="late", released_on=today - timedelta(days=10)
    )
    soon = services.virus_definition_create(
        server=server, definition_version="soon", released_on=today - timedelta(days=5)
    )
    client.force_login(vendor_operator)
    for url in (HOME, SECURITY):
        page = client.get(url).content.decode()
        assert 'class="card alert" id="due-items"' in page
        assert f'id="due-virus_definition-{late.pk}" data-state="overdue" class="ng"' in page
        soon_row = page[page.index(f'id="due-virus_definition-{soon.pk}"') :]
        assert 'data-state="soon">' in soon_row[:80]
        assert '<mark class="due-soon">期限間近</mark>' in soon_row[: soon_row.index("</tr>")]


def test_a_detection_links_to_its_security_incident_by_number(client, records, city_admin):
    client.force_login(city_admin)
    page = client.get(SECURITY).content.decode()
    assert reverse("incidents:by_number", args=["I8-0001"]) in page


def test_the_registry_home_costs_the_same_queries_for_3_and_30_rows(
    client, envs, vendor_operator, django_assert_max_num_queries, media
):
    prod, stg = envs

    def rows(start, n):
        for i in range(start, start + n):
            sw = services.software_create(name=f"lib{i:03d}", category="library")
            services.installed_version_set(software=sw, environment=prod, installed_version="1.0")
            services.installed_version_set(software=sw, environment=stg, installed_version="1.1")
            services.server_create(environment=prod, name=f"ap{i:03d}")
            services.licence_create(
                name=f"L{i}", count=1, holder="市", expires_on=timezone.localdate()
            )
            Document.objects.create(
                kind="other", title=f"D{i}", doc_version="1", issued_on=timezone.localdate()
            )
            Release.objects.create(
                environment=prod,
                released_at=timezone.now(),
                title=f"R{i}",
                description="x",
                release_version="1",
                software=sw,
            )

    rows(0, 3)
    client.force_login(vendor_operator)
    client.get(HOME)  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(HOME).status_code == 200
    rows(3, 27)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        page = client.get(HOME).content.decode()
    assert page.count('<tr id="software-') == 30
    assert page.count('<tr id="licence-') == 30
    assert len(many) == len(few) <= 20, [q["sql"][:120] for q in few]


def test_the_security_page_costs_the_same_queries_for_3_and_30_rows(
    client, envs, vendor_operator, django_assert_max_num_queries
):
    prod, _ = envs
    software = services.software_create(name="Debian", category="os")
    today = timezone.localdate()

    def rows(start, n):
        for i in range(start, start + n):
            server = services.server_create(environment=prod, name=f"ap{i:03d}")
            services.virus_definition_create(
                server=server, definition_version="v1", released_on=today - timedelta(days=i % 9)
            )
            services.patch_create(
                software=software,
                identifier=f"DSA-{i}",
                title="修正",
                released_on=today - timedelta(days=i),
            )
            services.malware_detection_create(
                server=server, detected_at=timezone.now(), name=f"M{i}"
            )

    rows(0, 3)
    client.force_login(vendor_operator)
    client.get(SECURITY)
    with CaptureQueriesContext(connection) as few:
        assert client.get(SECURITY).status_code == 200
    rows(3, 27)
    with django_assert_max_num_queries(len(few)), CaptureQueriesContext(connection) as many:
        page = client.get(SECURITY).content.decode()
    assert page.count('<tr id="patch-') == 30
    assert page.count('<tr id="virus-server-') == 30
    assert page.count('<tr id="detection-') == 30
    assert len(many) == len(few) <= 20, [q["sql"][:120] for q in few]


# --- forms: bad input leaves the data as it was ----------------------------------------------


def test_a_negative_licence_count_is_a_japanese_error_on_the_field(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.post(
        new("licence"), {"name": "帳票ツール", "count": "-1", "holder": "市", "warn_days": "30"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["count"] == [
        "ライセンス数は0以上の整数で入力してください。"
    ]
    assert Licence.objects.count() == 0
    with pytest.raises(Exception, match="ライセンス数は0以上"):
        services.licence_create(name="x", count=-3, holder="市")
    assert Licence.objects.count() == 0


def test_patch_form_refuses_applied_before_release_and_unverified_production(
    client, records, vendor_operator
):
    client.force_login(vendor_operator)
    today = timezone.localdate()
    data = {
        "software": records["software"].pk,
        "identifier": "DSA-2",
        "title": "修正",
        "released_on": today.isoformat(),
        "applied_on": (today - timedelta(days=1)).isoformat(),
    }
    response = client.post(new("patch"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "公開前のパッチは適用できません" in errors["applied_on"][0]
    data["applied_on"] = today.isoformat()
    errors = client.post(new("patch"), data).context["form"].errors
    assert "検証前に適用した理由" in errors["unverified_reason"][0]
    data.update(decision="not_applicable", applied_on="")
    errors = client.post(new("patch"), data).context["form"].errors
    assert "「不適用」とする場合は" in errors["decision_reason"][0]
    assert Patch.objects.count() == 1  # only the fixture's

    data.update(decision="", applied_on=today.isoformat(), unverified_reason="緊急対応")
    response = client.post(new("patch"), data)
    assert response.status_code == 302
    assert Patch.objects.get(identifier="DSA-2").decision == "apply"


def test_a_stale_edit_is_refused_and_shows_what_is_stored(client, records, vendor_operator):
    licence = records["licence"]
    form = {
        "name": licence.name,
        "count": "7",
        "holder": "市",
        "warn_days": "30",
        "version": str(licence.version),
    }
    services.licence_update(licence=licence, expected_version=licence.version, count=9)
    client.force_login(vendor_operator)
    response = client.post(edit("licence", licence.pk), form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "他の担当者が先に更新しました" in page and 'id="conflict"' in page
    licence.refresh_from_db()
    assert (licence.count, licence.version) == (9, 2)

    form["version"] = "2"
    assert client.post(edit("licence", licence.pk), form).status_code == 302
    licence.refresh_from_db()
    assert (licence.count, licence.version) == (7, 3)
    history = client.get(reverse("ops:registry_history", args=["licence", licence.pk]))
    assert "ライセンス数: 9 → 7" in history.content.decode()


def test_an_edit_of_a_virus_definition_records_its_application(client, records, vendor_operator):
    definition = records["virus"]
    client.force_login(vendor_operator)
    response = client.post(
        edit("virus", definition.pk),
        {
            "server": definition.server_id,
            "definition_version": "v1",
            "released_on": definition.released_on.isoformat(),
            "applied_on": (definition.released_on - timedelta(days=1)).isoformat(),
            "version": "1",
        },
    )
    assert "公開前の定義は適用できません" in response.content.decode()
    definition.refresh_from_db()
    assert definition.applied_on is None


def test_one_definition_can_be_recorded_for_several_servers(client, envs, vendor_operator):
    prod, stg = envs
    servers = [services.server_create(environment=env, name="ap01") for env in (prod, stg)]
    client.force_login(vendor_operator)
    today = timezone.localdate()
    response = client.post(
        reverse("ops:registry_virus_bulk"),
        {
            "servers": [s.pk for s in servers],
            "definition_version": "2026.11.28",
            "released_on": today.isoformat(),
            "applied_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    assert VirusDefinitionUpdate.objects.filter(applied_on=today).count() == 2


# --- documents and releases -----------------------------------------------------------------


def test_a_document_upload_is_checked_for_type_and_size(
    client, vendor_operator, city_admin, caseworker, media, settings
):
    client.force_login(vendor_operator)
    data = {
        "kind": "operation_manual",
        "title": "操作マニュアル",
        "doc_version": "1.0",
        "issued_on": "2026-04-01",
    }
    response = client.post(
        new("document"), {**data, "file": SimpleUploadedFile("tool.exe", b"MZ...")}
    )
    assert "登録できるファイルの種類" in response.context["form"].errors["file"][0]
    response = client.post(new("document"), data)
    assert response.context["form"].errors["file"] == ["ファイルを選んでください。"]
    settings.OPS_UPLOAD_MAX_BYTES = 10
    response = client.post(
        new("document"), {**data, "file": SimpleUploadedFile("m.pdf", b"%PDF-1.7 " * 5)}
    )
    assert "ファイルが大きすぎます" in response.context["form"].errors["file"][0]
    assert Document.objects.count() == 0
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    del settings.OPS_UPLOAD_MAX_BYTES
    response = client.post(
        new("document"), {**data, "file": SimpleUploadedFile("操作.pdf", b"%PDF-1.7 ok")}
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (media / document.file.name).is_file()

    url = reverse("ops:registry_document_file", args=[document.pk])
    client.force_login(city_admin)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 ok"
    client.force_login(caseworker)
    assert client.get(url).status_code == 403


def test_a_release_with_its_software_moves_the_installed_version(
    client, records, vendor_operator, media
):
    software, prod = records["software"], records["environment"]
    client.force_login(vendor_operator)
    released_at = timezone.localtime().replace(second=0, microsecond=0) - timedelta(hours=1)
    response = client.post(
        new("release"),
        {
            "environment": prod.pk,
            "released_at": released_at.strftime("%Y-%m-%dT%H:%M"),
            "title": "マイナーバージョンアップ",
            "description": "PostgreSQL 15.9 へ更新",
            "software": software.pk,
            "release_version": "15.9",
            "change_document": SimpleUploadedFile("変更内容説明書.docx", _docx()),
        },
    )
    assert response.status_code == 302
    release = Release.objects.get()
    assert release.created_by == vendor_operator and release.change_document
    row = InstalledVersion.objects.get(software=software, environment=prod)
    assert row.installed_version == "15.9"
    assert list(row.history.values_list("installed_version", flat=True)) == ["15.9", "15.8"]
    page = client.get(HOME).content.decode()
    assert reverse("ops:registry_release_file", args=[release.pk]) in page


def test_the_software_history_lists_the_versions_per_environment(client, records, city_admin):
    software, prod = records["software"], records["environment"]
    services.installed_version_set(software=software, environment=prod, installed_version="15.10")
    client.force_login(city_admin)
    page = client.get(reverse("ops:registry_history", args=["software", software.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "15.10" in text and "15.8" in text


def test_unknown_kinds_are_404(client, vendor_operator):
    client.force_login(vendor_operator)
    assert client.get(new("cases")).status_code == 404


def test_servers_and_detections_can_be_entered_through_the_forms(client, envs, vendor_operator):
    prod, _ = envs
    client.force_login(vendor_operator)
    assert (
        client.post(new("server"), {"environment": prod.pk, "name": "db01", "active": "on"})
    ).status_code == 302
    server = Server.objects.get(name="db01")
    response = client.post(new("server"), {"environment": prod.pk, "name": "db01"})
    assert "同じ名前のサーバー" in response.context["form"].errors["name"][0]
    response = client.post(
        new("detection"),
        {
            "server": server.pk,
            "detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "name": "Trojan.X",
            "status": "open",
            "incident_number": "I8-0012",
        },
    )
    assert response.status_code == 302
    assert MalwareDetection.objects.get().incident_number == "I8-0012"
    assert SoftwareItem.objects.count() == 0


def test_an_installed_version_is_edited_in_place(client, records, vendor_operator):
    software, prod = records["software"], records["environment"]
    row = InstalledVersion.objects.get(software=software, environment=prod)
    other_env = Environment.objects.get(code="staging")
    client.force_login(vendor_operator)
    response = client.post(
        edit("installed", row.pk),
        {"software": software.pk, "environment": other_env.pk, "installed_version": "15.10"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.environment, row.installed_version) == (prod, "15.10")
    staging_row = InstalledVersion.objects.get(software=software, environment=other_env)
    assert staging_row.installed_version == "15.9"


def test_the_warning_list_shows_the_20_most_urgent_and_counts_the_rest(
    client, envs, vendor_operator
):
    software = services.software_create(name="Debian", category="os")
    today = timezone.localdate()
    for i in range(25):
        services.patch_create(
            software=software,
            identifier=f"DSA-{i:02d}",
            title="修正",
            released_on=today - timedelta(days=40 + i),
        )
    client.force_login(vendor_operator)
    page = client.get(HOME).content.decode()
    assert page.count('<tr id="due-patch-') == 20
    assert "ほか 5 件" in page
    assert "DSA-24" in page  # the oldest (most overdue) first


def _docx() -> bytes:
    """The smallest file the upload check accepts as Word: a zip with the OOXML parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return out.getvalue()
