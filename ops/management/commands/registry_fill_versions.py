"""Record the running installation's Python and Debian package versions (and the product's
own version) in the configuration registry for one environment, so the registry starts true.

    manage.py registry_fill_versions --environment production

Idempotent: a second run changes nothing; a changed version updates the row (the old one
stays in its history); a package no longer installed is removed from that environment.
"""

import importlib.metadata
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.models.registry import SoftwareItem
from ops.selectors import registry as selectors
from ops.services.registry import Package, installed_versions_fill

Source = SoftwareItem.Source
Category = SoftwareItem.Category

DPKG_FORMAT = "${db:Status-Status}\t${Package}\t${Version}\n"
# Debian packages that are the product's middleware rather than the OS itself.
MIDDLEWARE_NAMES = frozenset({"age", "poppler-utils"})
MIDDLEWARE_PREFIXES = (
    "postgresql",
    "redis",
    "nginx",
    "apache2",
    "chromium",
    "python3",
    "gunicorn",
    "openjdk",
)


def canonical(name: str) -> str:
    """PEP 503 normalised name (Django, django, django_x → django-x)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def python_packages() -> list[Package]:
    seen: dict[str, Package] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name or not dist.version:
            continue
        key = canonical(name)
        seen.setdefault(key, Package(Source.PYTHON, key, dist.version, Category.LIBRARY))
    return list(seen.values())


def debian_category(name: str) -> str:
    if name in MIDDLEWARE_NAMES or name.startswith(MIDDLEWARE_PREFIXES):
        return Category.MIDDLEWARE
    if name.startswith("lib"):
        return Category.LIBRARY
    return Category.OS


def parse_dpkg(output: str) -> list[Package]:
    """Lines of ``status<TAB>package<TAB>version`` (or ``package<TAB>version``); only
    installed packages with a version are kept."""
    seen: dict[str, Package] = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            status, name, version = parts
            if status.strip() != "installed":
                continue
        elif len(parts) == 2:
            name, version = parts
        else:
            continue
        name, version = name.strip(), version.strip()
        if name and version:
            seen.setdefault(name, Package(Source.DEBIAN, name, version, debian_category(name)))
    return list(seen.values())


def debian_packages() -> list[Package] | None:
    """None when dpkg-query is not available (not a Debian system)."""
    dpkg = shutil.which("dpkg-query")
    if dpkg is None:
        return None
    result = subprocess.run(
        [dpkg, "-W", "-f", DPKG_FORMAT], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CommandError(f"dpkg-query が失敗しました: {result.stderr.strip()[:500]}")
    return parse_dpkg(result.stdout)


def product_package() -> Package | None:
    path = Path(settings.BASE_DIR) / "pyproject.toml"
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if not project.get("name") or not project.get("version"):
        return None
    return Package(Source.PRODUCT, project["name"], str(project["version"]), Category.PRODUCT)


class Command(BaseCommand):
    help = (
        "稼働中の環境の Python・Debian パッケージと本システムのバージョンを"
        "構成管理（ソフトウェア・導入バージョン）に記録する。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--environment", required=True, help="記録する環境のコード（例: production）"
        )

    def handle(self, *args, environment, **options):
        env = selectors.environment_by_code(environment)
        if env is None:
            codes = "、".join(selectors.environments().values_list("code", flat=True)) or "なし"
            raise CommandError(
                f"環境「{environment}」は登録されていません（登録済みのコード: {codes}）。"
            )
        packages = python_packages()
        sources = {Source.PYTHON}
        debian = debian_packages()
        if debian is None:
            self.stdout.write(
                "dpkg-query が見つからないため、Debian パッケージは記録しませんでした。"
            )
        else:
            packages += debian
            sources.add(Source.DEBIAN)
        product = product_package()
        if product is not None:
            packages.append(product)
            sources.add(Source.PRODUCT)
        summary = installed_versions_fill(environment=env, packages=packages, sources=sources)
        read = "・".join(
            f"{Source(source).label} {count}件" for source, count in summary.read.items()
        )
        self.stdout.write(
            f"{env.name}（{env.code}）: {read}を確認 — ソフトウェア追加 {summary.items_created}、"
            f"バージョン追加 {summary.added}・更新 {summary.updated}・削除 {summary.removed}・"
            f"変更なし {summary.unchanged}"
        )
