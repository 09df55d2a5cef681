"""manage.py registry_fill_versions: the running installation's packages into the registry."""

import io
import subprocess

import pytest
from django.core.management import CommandError, call_command

from ops.management.commands import registry_fill_versions as command
from ops.models.registry import Environment, InstalledVersion, SoftwareItem

pytestmark = pytest.mark.django_db

DPKG_OUTPUT = (
    "installed\tbash\t5.2.15-2+b7\n"
    "installed\tlibc6\t2.36-9+deb12u9\n"
    "installed\tlibc6\t2.36-9+deb12u9\n"  # a second architecture
    "installed\tpostgresql-15\t15.10-0+deb12u1\n"
    "config-files\told-tool\t1.0-1\n"  # removed, configuration left behind
    "not-installed\tghost\t\n"
)


@pytest.fixture
def production():
    env, _ = Environment.objects.get_or_create(
        code="production", defaults={"name": "本番", "kind": "production"}
    )
    return env


@pytest.fixture
def dpkg(monkeypatch):
    """A fake dpkg-query whose output the test can change."""
    state = {"output": DPKG_OUTPUT, "calls": []}

    def run(argv, **kwargs):
        state["calls"].append(argv)
        return subprocess.CompletedProcess(argv, 0, stdout=state["output"], stderr="")

    monkeypatch.setattr(command.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(command.subprocess, "run", run)
    return state


def fill(code="production") -> str:
    out = io.StringIO()
    call_command("registry_fill_versions", environment=code, stdout=out)
    return out.getvalue()


def rows(env, source):
    return dict(
        InstalledVersion.objects.filter(environment=env, software__source=source).values_list(
            "software__name", "installed_version"
        )
    )


def test_python_debian_and_product_versions_are_recorded_for_the_environment(production, dpkg):
    import importlib.metadata

    output = fill()

    python = rows(production, "python")
    assert python["django"] == importlib.metadata.version("Django")
    assert "django-simple-history" in python  # PEP 503 names: django_simple_history → …
    assert rows(production, "debian") == {
        "bash": "5.2.15-2+b7",
        "libc6": "2.36-9+deb12u9",
        "postgresql-15": "15.10-0+deb12u1",
    }
    assert rows(production, "product") == {"childcase": "0.1.0"}
    categories = dict(SoftwareItem.objects.values_list("name", "category"))
    assert categories["libc6"] == "library"
    assert categories["postgresql-15"] == "middleware"
    assert categories["bash"] == "os"
    assert categories["childcase"] == "product"
    assert dpkg["calls"][0][1:] == ["-W", "-f", command.DPKG_FORMAT]
    assert len(output.strip().splitlines()) == 1
    assert "本番（production）" in output and "Debian パッケージ 3件" in output


def test_a_second_run_changes_nothing(production, dpkg):
    fill()
    history = InstalledVersion.history.count()
    items = SoftwareItem.objects.count()
    versions = dict(InstalledVersion.objects.values_list("pk", "version"))

    output = fill()

    assert "ソフトウェア追加 0、バージョン追加 0・更新 0・削除 0" in output
    assert InstalledVersion.history.count() == history
    assert SoftwareItem.objects.count() == items
    assert dict(InstalledVersion.objects.values_list("pk", "version")) == versions


def test_a_changed_version_updates_the_row_and_leaves_history(production, dpkg):
    fill()
    dpkg["output"] = DPKG_OUTPUT.replace("5.2.15-2+b7", "5.2.15-2+b8").replace(
        "installed\tlibc6\t2.36-9+deb12u9\n", ""
    )

    output = fill()

    assert "更新 1・削除 1" in output
    row = InstalledVersion.objects.get(environment=production, software__name="bash")
    assert row.installed_version == "5.2.15-2+b8"
    assert list(row.history.values_list("installed_version", flat=True)) == [
        "5.2.15-2+b8",
        "5.2.15-2+b7",
    ]
    assert not InstalledVersion.objects.filter(software__name="libc6").exists()
    assert InstalledVersion.history.filter(software__name="libc6", history_type="-").exists()


def test_other_environments_and_manual_entries_are_left_alone(production, dpkg):
    staging, _ = Environment.objects.get_or_create(
        code="staging", defaults={"name": "検証・保守", "kind": "staging"}
    )
    manual = SoftwareItem.objects.create(name="ウイルス対策ソフト", category="middleware")
    InstalledVersion.objects.create(software=manual, environment=production, installed_version="12")
    fill("staging")
    fill("production")
    assert InstalledVersion.objects.get(software=manual).installed_version == "12"
    assert rows(staging, "debian") == rows(production, "debian")


def test_without_dpkg_query_debian_packages_are_skipped_with_a_message(production, monkeypatch):
    monkeypatch.setattr(command.shutil, "which", lambda name: None)
    output = fill()
    lines = output.strip().splitlines()
    assert lines[0] == "dpkg-query が見つからないため、Debian パッケージは記録しませんでした。"
    assert len(lines) == 2 and "Debian" not in lines[1]
    assert rows(production, "debian") == {}
    assert rows(production, "python")


def test_an_unknown_environment_is_refused_with_the_known_codes(production):
    with pytest.raises(CommandError, match=r"環境「nowhere」は登録されていません.*production"):
        fill("nowhere")
