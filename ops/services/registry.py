"""構成管理・ライセンス・文書・リリース、ウイルス定義・パッチ・マルウェア検知.

Writes of the registry. Every function validates the whole input first and raises one
``ValidationError`` naming each field at fault in Japanese, so bad input leaves the data
as it was (and ``@transaction.atomic`` undoes anything a later step refuses). Edits go
through ``core.concurrency.update_with_version`` (optimistic locking).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import uploads
from core.concurrency import update_with_version
from core.timeutil import to_jst
from ops.models.registry import (
    Document,
    Environment,
    InstalledVersion,
    Licence,
    MalwareDetection,
    Patch,
    RegistryWarning,
    Release,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)

DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_UPLOAD_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".txt",
    ".csv",
    ".zip",
)
INCIDENT_NUMBER = re.compile(r"^I\d{1,3}-\d{4,}$")


def _today() -> date:
    return to_jst(timezone.now()).date()


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _text(value) -> str:
    return (value or "").strip()


def _update(instance, *, expected_version: int, fields: dict, editable: Iterable[str]):
    unknown = set(fields) - set(editable)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return update_with_version(instance, expected_version=expected_version, fields=fields)


# --- uploads ------------------------------------------------------------------------------


def upload_max_bytes() -> int:
    return getattr(settings, "OPS_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)


def upload_extensions() -> tuple[str, ...]:
    return tuple(getattr(settings, "OPS_UPLOAD_EXTENSIONS", DEFAULT_UPLOAD_EXTENSIONS))


def upload_error(upload) -> str | None:
    """A Japanese reason why this uploaded file is refused, or None when it is acceptable."""
    return uploads.upload_problem(
        upload, allowed=upload_extensions(), max_bytes=upload_max_bytes(), verb="登録"
    )


# --- environments and servers -------------------------------------------------------------


def _environment_errors(*, code: str, name: str, kind: str, pk=None) -> dict:
    errors = {}
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,29}", code or ""):
        errors["code"] = _("コードは半角英小文字・数字・「-」「_」で入力してください。")
    elif Environment.objects.filter(code=code).exclude(pk=pk).exists():
        errors["code"] = _("このコードの環境は既に登録されています。")
    if not name:
        errors["name"] = _("名称を入力してください。")
    if kind not in Environment.Kind.values:
        errors["kind"] = _("種別を選んでください。")
    return errors


@transaction.atomic
def environment_create(
    *, code: str, name: str, kind: str, order: int = 0, note: str = ""
) -> Environment:
    code, name = _text(code), _text(name)
    _raise(_environment_errors(code=code, name=name, kind=kind))
    return Environment.objects.create(code=code, name=name, kind=kind, order=order, note=note)


@transaction.atomic
def environment_update(*, environment: Environment, expected_version: int, **fields) -> Environment:
    data = {
        "code": _text(fields.get("code", environment.code)),
        "name": _text(fields.get("name", environment.name)),
        "kind": fields.get("kind", environment.kind),
    }
    _raise(_environment_errors(**data, pk=environment.pk))
    fields.update({k: v for k, v in data.items() if k in fields})
    return _update(
        environment,
        expected_version=expected_version,
        fields=fields,
        editable=("code", "name", "kind", "order", "note"),
    )


def _server_errors(*, environment, name: str, pk=None) -> dict:
    errors = {}
    if environment is None:
        errors["environment"] = _("環境を選んでください。")
    if not name:
        errors["name"] = _("サーバー名を入力してください。")
    elif (
        environment is not None
        and Server.objects.filter(environment=environment, name=name).exclude(pk=pk).exists()
    ):
        errors["name"] = _("この環境には同じ名前のサーバーが登録されています。")
    return errors


@transaction.atomic
def server_create(
    *,
    environment: Environment,
    name: str,
    role: str = "",
    os: str = "",
    active: bool = True,
    note: str = "",
) -> Server:
    name = _text(name)
    _raise(_server_errors(environment=environment, name=name))
    return Server.objects.create(
        environment=environment, name=name, role=role, os=os, active=active, note=note
    )


@transaction.atomic
def server_update(*, server: Server, expected_version: int, **fields) -> Server:
    if "name" in fields:
        fields["name"] = _text(fields["name"])
    _raise(
        _server_errors(
            environment=fields.get("environment", server.environment),
            name=fields.get("name", server.name),
            pk=server.pk,
        )
    )
    return _update(
        server,
        expected_version=expected_version,
        fields=fields,
        editable=("environment", "name", "role", "os", "active", "note"),
    )


# --- software and installed versions ------------------------------------------------------


def _software_errors(*, name: str, category: str, source: str, pk=None) -> dict:
    errors = {}
    if not name:
        errors["name"] = _("名称を入力してください。")
    elif SoftwareItem.objects.filter(source=source, name=name).exclude(pk=pk).exists():
        errors["name"] = _("同じ名称のソフトウェアが既に登録されています。")
    if category not in SoftwareItem.Category.values:
        errors["category"] = _("分類を選んでください。")
    return errors


@transaction.atomic
def software_create(
    *,
    name: str,
    category: str,
    vendor: str = "",
    support_ends_on: date | None = None,
    note: str = "",
) -> SoftwareItem:
    name = _text(name)
    source = SoftwareItem.Source.MANUAL
    _raise(_software_errors(name=name, category=category, source=source))
    return SoftwareItem.objects.create(
        name=name,
        category=category,
        source=source,
        vendor=_text(vendor),
        support_ends_on=support_ends_on,
        note=note,
    )


@transaction.atomic
def software_update(*, software: SoftwareItem, expected_version: int, **fields) -> SoftwareItem:
    if "name" in fields:
        fields["name"] = _text(fields["name"])
    _raise(
        _software_errors(
            name=fields.get("name", software.name),
            category=fields.get("category", software.category),
            source=software.source,
            pk=software.pk,
        )
    )
    return _update(
        software,
        expected_version=expected_version,
        fields=fields,
        editable=("name", "category", "vendor", "support_ends_on", "note"),
    )


@transaction.atomic
def installed_version_set(
    *,
    software: SoftwareItem,
    environment: Environment,
    installed_version: str,
    installed_on: date | None = None,
) -> InstalledVersion:
    """Record the version of ``software`` in ``environment`` (adds or updates the one row;
    the earlier version stays in its history)."""
    installed_version = _text(installed_version)
    errors = {}
    if software is None:
        errors["software"] = _("ソフトウェアを選んでください。")
    if environment is None:
        errors["environment"] = _("環境を選んでください。")
    if not installed_version:
        errors["installed_version"] = _("バージョンを入力してください。")
    if installed_on and installed_on > _today():
        errors["installed_on"] = _("導入日が未来になっています。")
    _raise(errors)
    row = (
        InstalledVersion.objects.select_for_update()
        .filter(software=software, environment=environment)
        .first()
    )
    if row is None:
        return InstalledVersion.objects.create(
            software=software,
            environment=environment,
            installed_version=installed_version,
            installed_on=installed_on,
        )
    if row.installed_version == installed_version and row.installed_on == installed_on:
        return row
    row.installed_version = installed_version
    row.installed_on = installed_on
    row.version += 1
    row.save()
    return row


@dataclass(frozen=True)
class Package:
    source: str  # SoftwareItem.Source
    name: str
    version: str
    category: str  # SoftwareItem.Category


@dataclass
class FillSummary:
    environment: Environment
    read: dict  # source -> packages read
    items_created: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.items_created or self.added or self.updated or self.removed)


@transaction.atomic
def installed_versions_fill(
    *, environment: Environment, packages: Iterable[Package], sources: Iterable[str]
) -> FillSummary:
    """Make the environment's rows for ``sources`` (python / debian / product) equal to
    ``packages``: new ones added, changed versions updated (history keeps the old one),
    ones no longer installed removed (history keeps them too). A second run with the same
    packages changes nothing."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    sources = set(sources)
    wanted: dict[tuple[str, str], Package] = {}
    for package in packages:
        if package.source in sources and package.name and package.version:
            wanted[(package.source, package.name)] = package
    summary = FillSummary(
        environment=environment,
        read={
            s: sum(1 for k in wanted if k[0] == s)
            for s in SoftwareItem.Source.values
            if s in sources
        },
    )
    items = {
        (s.source, s.name): s
        for s in SoftwareItem.objects.select_for_update().filter(source__in=sources)
    }
    missing = [
        SoftwareItem(name=p.name, category=p.category, source=p.source)
        for key, p in wanted.items()
        if key not in items
    ]
    if missing:
        for item in bulk_create_with_history(missing, SoftwareItem, batch_size=500):
            items[(item.source, item.name)] = item
        summary.items_created = len(missing)
    current = {
        (row.software.source, row.software.name): row
        for row in InstalledVersion.objects.select_for_update(of=("self",))
        .filter(environment=environment, software__source__in=sources)
        .select_related("software")
    }
    new_rows, changed = [], []
    for key, package in wanted.items():
        row = current.get(key)
        if row is None:
            new_rows.append(
                InstalledVersion(
                    software=items[key], environment=environment, installed_version=package.version
                )
            )
        elif row.installed_version != package.version:
            row.installed_version = package.version
            row.version += 1
            changed.append(row)
        else:
            summary.unchanged += 1
    if new_rows:
        bulk_create_with_history(new_rows, InstalledVersion, batch_size=500)
        summary.added = len(new_rows)
    if changed:
        bulk_update_with_history(
            changed, InstalledVersion, ["installed_version", "version"], batch_size=500
        )
        summary.updated = len(changed)
    for key, row in current.items():
        if key not in wanted:
            row.delete()
            summary.removed += 1
    return summary


# --- licences -----------------------------------------------------------------------------


def _licence_errors(*, name, count, holder, warn_days) -> dict:
    errors = {}
    if not name:
        errors["name"] = _("ライセンス名を入力してください。")
    if count is None or count < 0:
        errors["count"] = _("ライセンス数は0以上の整数で入力してください。")
    if not holder:
        errors["holder"] = _("名義を入力してください。")
    if warn_days is None or warn_days < 0:
        errors["warn_days"] = _("警告の日数は0以上で入力してください。")
    return errors


@transaction.atomic
def licence_create(
    *,
    name: str,
    count: int,
    holder: str,
    expires_on: date | None = None,
    warn_days: int = 30,
    software: SoftwareItem | None = None,
    note: str = "",
) -> Licence:
    name, holder = _text(name), _text(holder)
    _raise(_licence_errors(name=name, count=count, holder=holder, warn_days=warn_days))
    return Licence.objects.create(
        name=name,
        count=count,
        holder=holder,
        expires_on=expires_on,
        warn_days=warn_days,
        software=software,
        note=note,
    )


@transaction.atomic
def licence_update(*, licence: Licence, expected_version: int, **fields) -> Licence:
    for key in ("name", "holder"):
        if key in fields:
            fields[key] = _text(fields[key])
    _raise(
        _licence_errors(
            **{k: fields.get(k, getattr(licence, k)) for k in ("name", "count", "holder")},
            warn_days=fields.get("warn_days", licence.warn_days),
        )
    )
    return _update(
        licence,
        expected_version=expected_version,
        fields=fields,
        editable=("name", "count", "holder", "expires_on", "warn_days", "software", "note"),
    )


# --- documents and releases ---------------------------------------------------------------


def _document_errors(*, kind, title, doc_version, issued_on, file, file_required) -> dict:
    errors = {}
    if kind not in Document.Kind.values:
        errors["kind"] = _("文書の種類を選んでください。")
    if not title:
        errors["title"] = _("文書名を入力してください。")
    if not doc_version:
        errors["doc_version"] = _("版を入力してください。")
    if issued_on is None:
        errors["issued_on"] = _("発行日を入力してください。")
    elif issued_on > _today():
        errors["issued_on"] = _("発行日が未来になっています。")
    if file:
        problem = upload_error(file)
        if problem:
            errors["file"] = problem
    elif file_required:
        errors["file"] = _("ファイルを選んでください。")
    return errors


@transaction.atomic
def document_create(
    *, kind: str, title: str, doc_version: str, issued_on: date, file, note: str = ""
) -> Document:
    title, doc_version = _text(title), _text(doc_version)
    _raise(
        _document_errors(
            kind=kind,
            title=title,
            doc_version=doc_version,
            issued_on=issued_on,
            file=file,
            file_required=True,
        )
    )
    return Document.objects.create(
        kind=kind, title=title, doc_version=doc_version, issued_on=issued_on, file=file, note=note
    )


@transaction.atomic
def document_update(*, document: Document, expected_version: int, file=None, **fields) -> Document:
    """Edit a document's details; a new ``file`` replaces the current one (the earlier file
    stays on disk, named in the history)."""
    for key in ("title", "doc_version"):
        if key in fields:
            fields[key] = _text(fields[key])
    _raise(
        _document_errors(
            **{
                k: fields.get(k, getattr(document, k))
                for k in ("kind", "title", "doc_version", "issued_on")
            },
            file=file,
            file_required=False,
        )
    )
    if file:
        fields["file"] = file
    return _update(
        document,
        expected_version=expected_version,
        fields=fields,
        editable=("kind", "title", "doc_version", "issued_on", "note", "file"),
    )


def _release_errors(*, environment, released_at, title, description, release_version, file):
    errors = {}
    if environment is None:
        errors["environment"] = _("環境を選んでください。")
    if released_at is None:
        errors["released_at"] = _("リリース日時を入力してください。")
    elif released_at > timezone.now() + timedelta(minutes=5):
        errors["released_at"] = _("リリース日時が未来になっています（実施後に記録してください）。")
    if not title:
        errors["title"] = _("件名を入力してください。")
    if not description:
        errors["description"] = _("変更内容を入力してください。")
    if not release_version:
        errors["release_version"] = _("バージョンを入力してください。")
    if file:
        problem = upload_error(file)
        if problem:
            errors["change_document"] = problem
    return errors


@transaction.atomic
def release_create(
    *,
    actor,
    environment: Environment,
    released_at: datetime,
    title: str,
    description: str,
    release_version: str,
    software: SoftwareItem | None = None,
    change_document=None,
) -> Release:
    """Record a release; with ``software`` the environment's installed version follows."""
    title, description, release_version = _text(title), _text(description), _text(release_version)
    _raise(
        _release_errors(
            environment=environment,
            released_at=released_at,
            title=title,
            description=description,
            release_version=release_version,
            file=change_document,
        )
    )
    release = Release.objects.create(
        environment=environment,
        released_at=released_at,
        title=title,
        description=description,
        release_version=release_version,
        software=software,
        change_document=change_document or "",
        created_by=actor,
    )
    if software is not None:
        installed_version_set(
            software=software,
            environment=environment,
            installed_version=release_version,
            installed_on=to_jst(released_at).date(),
        )
    return release


@transaction.atomic
def release_update(
    *, release: Release, expected_version: int, change_document=None, **fields
) -> Release:
    for key in ("title", "description", "release_version"):
        if key in fields:
            fields[key] = _text(fields[key])
    _raise(
        _release_errors(
            **{
                k: fields.get(k, getattr(release, k))
                for k in ("environment", "released_at", "title", "description", "release_version")
            },
            file=change_document,
        )
    )
    if change_document:
        fields["change_document"] = change_document
    return _update(
        release,
        expected_version=expected_version,
        fields=fields,
        editable=(
            "environment",
            "released_at",
            "title",
            "description",
            "release_version",
            "software",
            "change_document",
        ),
    )


# --- virus definitions --------------------------------------------------------------------


def _virus_errors(*, server, definition_version, released_on, applied_on, pk=None) -> dict:
    errors = {}
    today = _today()
    if server is None:
        errors["server"] = _("サーバーを選んでください。")
    if not definition_version:
        errors["definition_version"] = _("定義バージョンを入力してください。")
    elif (
        server is not None
        and VirusDefinitionUpdate.objects.filter(
            server=server, definition_version=definition_version
        )
        .exclude(pk=pk)
        .exists()
    ):
        errors["definition_version"] = _(
            "このサーバーには同じ定義バージョンが既に登録されています。"
        )
    if released_on is None:
        errors["released_on"] = _("公開日を入力してください。")
    elif released_on > today:
        errors["released_on"] = _("公開日が未来になっています。")
    if applied_on is not None:
        if released_on is not None and applied_on < released_on:
            errors["applied_on"] = _(
                "適用日が公開日（%(day)s）より前です。公開前の定義は適用できません。"
            ) % {"day": f"{released_on:%Y/%m/%d}"}
        elif applied_on > today:
            errors["applied_on"] = _("適用日が未来になっています。")
    return errors


def _cover_older(update: VirusDefinitionUpdate) -> None:
    """Definitions are cumulative: applying one also brings the server past every older
    definition still open on it."""
    if update.applied_on is None:
        return
    for older in (
        VirusDefinitionUpdate.objects.select_for_update()
        .filter(
            server=update.server,
            applied_on__isnull=True,
            released_on__lte=update.released_on,
        )
        .exclude(pk=update.pk)
    ):
        older.applied_on = update.applied_on
        older.covered_by = update
        older.version += 1
        older.save()


@transaction.atomic
def virus_definition_create(
    *,
    server: Server,
    definition_version: str,
    released_on: date,
    applied_on: date | None = None,
    note: str = "",
) -> VirusDefinitionUpdate:
    definition_version = _text(definition_version)
    _raise(
        _virus_errors(
            server=server,
            definition_version=definition_version,
            released_on=released_on,
            applied_on=applied_on,
        )
    )
    update = VirusDefinitionUpdate.objects.create(
        server=server,
        definition_version=definition_version,
        released_on=released_on,
        applied_on=applied_on,
        note=note,
    )
    _cover_older(update)
    return update


@transaction.atomic
def virus_definition_update(
    *, update: VirusDefinitionUpdate, expected_version: int, **fields
) -> VirusDefinitionUpdate:
    if "definition_version" in fields:
        fields["definition_version"] = _text(fields["definition_version"])
    _raise(
        _virus_errors(
            **{
                k: fields.get(k, getattr(update, k))
                for k in ("server", "definition_version", "released_on", "applied_on")
            },
            pk=update.pk,
        )
    )
    if "applied_on" in fields and fields["applied_on"] is None:
        fields["covered_by"] = None
    updated = _update(
        update,
        expected_version=expected_version,
        fields=fields,
        editable=(
            "server",
            "definition_version",
            "released_on",
            "applied_on",
            "note",
            "covered_by",
        ),
    )
    _cover_older(updated)
    return updated


@transaction.atomic
def virus_definition_record_many(
    *,
    servers: Iterable[Server],
    definition_version: str,
    released_on: date,
    applied_on: date | None = None,
) -> list[VirusDefinitionUpdate]:
    """Record one definition release for several servers at once; with ``applied_on`` it is
    recorded as applied on each (an open row of that definition is completed)."""
    servers = list(servers)
    if not servers:
        raise ValidationError({"servers": _("サーバーを1台以上選んでください。")})
    rows = []
    for server in servers:
        existing = VirusDefinitionUpdate.objects.filter(
            server=server, definition_version=_text(definition_version)
        ).first()
        if existing is None:
            rows.append(
                virus_definition_create(
                    server=server,
                    definition_version=definition_version,
                    released_on=released_on,
                    applied_on=applied_on,
                )
            )
        elif existing.applied_on is None and applied_on is not None:
            rows.append(
                virus_definition_update(
                    update=existing, expected_version=existing.version, applied_on=applied_on
                )
            )
    return rows


# --- patches ------------------------------------------------------------------------------


def _patch_errors(data: dict, *, pk=None) -> dict:
    """The verification-first rules of SLA #29. ``data`` holds every field of the patch
    as it would be saved; ``decision`` may be filled in (適用) by the caller."""
    errors = {}
    today = _today()
    software, identifier = data["software"], data["identifier"]
    released, verified, applied = data["released_on"], data["verified_on"], data["applied_on"]
    if software is None:
        errors["software"] = _("対象ソフトウェアを選んでください。")
    if not identifier:
        errors["identifier"] = _("識別子を入力してください。")
    elif (
        software is not None
        and Patch.objects.filter(software=software, identifier=identifier).exclude(pk=pk).exists()
    ):
        errors["identifier"] = _("このソフトウェアには同じ識別子のパッチが登録されています。")
    if not data["title"]:
        errors["title"] = _("件名を入力してください。")
    if released is None:
        errors["released_on"] = _("公開日を入力してください。")
    elif released > today:
        errors["released_on"] = _("公開日が未来になっています。")
    if verified is not None:
        if released is not None and verified < released:
            errors["verified_on"] = _("検証日が公開日より前になっています。")
        elif verified > today:
            errors["verified_on"] = _("検証日が未来になっています。")
        if not data["verification_result"]:
            errors["verification_result"] = _("検証結果を選んでください。")
    elif data["verification_result"]:
        errors["verified_on"] = _("検証結果を記録するには検証日を入力してください。")
    decision = data["decision"]
    if decision == Patch.Decision.NOT_APPLICABLE and not data["decision_reason"]:
        errors["decision_reason"] = _("「不適用」とする場合は、その理由を入力してください。")
    if applied is not None:
        if released is not None and applied < released:
            errors["applied_on"] = _(
                "本番適用日が公開日（%(day)s）より前です。公開前のパッチは適用できません。"
            ) % {"day": f"{released:%Y/%m/%d}"}
        elif applied > today:
            errors["applied_on"] = _("本番適用日が未来になっています。")
        if decision not in ("", Patch.Decision.APPLY):
            errors["decision"] = _(
                "本番に適用したパッチの適用可否は「適用」にしてください（現在: %(d)s）。"
            ) % {"d": Patch.Decision(decision).label}
        if (verified is None or verified > applied) and not data["unverified_reason"]:
            errors["unverified_reason"] = _(
                "検証環境での検証を記録する前に本番へ適用しています。"
                "検証日と検証結果を記録するか、検証前に適用した理由を入力してください。"
            )
    return errors


PATCH_FIELDS = (
    "software",
    "identifier",
    "title",
    "released_on",
    "verified_on",
    "verification_result",
    "verification_note",
    "decision",
    "decision_reason",
    "applied_on",
    "unverified_reason",
)
PATCH_TEXT = (
    "identifier",
    "title",
    "verification_note",
    "decision_reason",
    "unverified_reason",
)


def _patch_data(data: dict) -> dict:
    data = dict(data)
    for key in PATCH_TEXT:
        data[key] = _text(data.get(key))
    for key in ("verification_result", "decision"):
        data[key] = data.get(key) or ""
    if data["applied_on"] is not None and not data["decision"]:
        data["decision"] = Patch.Decision.APPLY
    return data


@transaction.atomic
def patch_create(
    *,
    software: SoftwareItem,
    identifier: str,
    title: str,
    released_on: date,
    verified_on: date | None = None,
    verification_result: str = "",
    verification_note: str = "",
    decision: str = "",
    decision_reason: str = "",
    applied_on: date | None = None,
    unverified_reason: str = "",
) -> Patch:
    data = _patch_data(
        {
            "software": software,
            "identifier": identifier,
            "title": title,
            "released_on": released_on,
            "verified_on": verified_on,
            "verification_result": verification_result,
            "verification_note": verification_note,
            "decision": decision,
            "decision_reason": decision_reason,
            "applied_on": applied_on,
            "unverified_reason": unverified_reason,
        }
    )
    _raise(_patch_errors(data))
    return Patch.objects.create(**data)


@transaction.atomic
def patch_update(*, patch: Patch, expected_version: int, **fields) -> Patch:
    unknown = set(fields) - set(PATCH_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    data = _patch_data({k: fields.get(k, getattr(patch, k)) for k in PATCH_FIELDS})
    _raise(_patch_errors(data, pk=patch.pk))
    changed = {k: data[k] for k in PATCH_FIELDS if k in fields or data[k] != getattr(patch, k)}
    return _update(patch, expected_version=expected_version, fields=changed, editable=PATCH_FIELDS)


# --- malware detections -------------------------------------------------------------------


def normalise_incident_number(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def _detection_errors(*, server, detected_at, name, status, incident_number) -> dict:
    errors = {}
    if server is None:
        errors["server"] = _("サーバーを選んでください。")
    if detected_at is None:
        errors["detected_at"] = _("検知日時を入力してください。")
    elif detected_at > timezone.now() + timedelta(minutes=5):
        errors["detected_at"] = _("検知日時が未来になっています。")
    if not name:
        errors["name"] = _("検知名を入力してください。")
    if status not in MalwareDetection.Status.values:
        errors["status"] = _("状態を選んでください。")
    if incident_number and not INCIDENT_NUMBER.match(incident_number):
        errors["incident_number"] = _(
            "障害番号の形式が違います（例: I8-0001）。障害の画面に表示される番号を入力してください。"
        )
    return errors


@transaction.atomic
def malware_detection_create(
    *,
    server: Server,
    detected_at: datetime,
    name: str,
    handling: str = "",
    status: str = MalwareDetection.Status.OPEN,
    incident_number: str = "",
) -> MalwareDetection:
    name, incident_number = _text(name), normalise_incident_number(incident_number)
    _raise(
        _detection_errors(
            server=server,
            detected_at=detected_at,
            name=name,
            status=status,
            incident_number=incident_number,
        )
    )
    return MalwareDetection.objects.create(
        server=server,
        detected_at=detected_at,
        name=name,
        handling=_text(handling),
        status=status,
        incident_number=incident_number,
    )


@transaction.atomic
def malware_detection_update(
    *, detection: MalwareDetection, expected_version: int, **fields
) -> MalwareDetection:
    if "name" in fields:
        fields["name"] = _text(fields["name"])
    if "incident_number" in fields:
        fields["incident_number"] = normalise_incident_number(fields["incident_number"])
    _raise(
        _detection_errors(
            **{
                k: fields.get(k, getattr(detection, k))
                for k in ("server", "detected_at", "name", "status", "incident_number")
            }
        )
    )
    return _update(
        detection,
        expected_version=expected_version,
        fields=fields,
        editable=("server", "detected_at", "name", "handling", "status", "incident_number"),
    )


# --- due-date warnings --------------------------------------------------------------------


def vendor_staff_emails() -> list[str]:
    from accounts.selectors import vendor_staff_emails as emails

    return emails()


def due_warnings_send(*, today: date | None = None, within_days: int | None = None) -> int:
    """Mail vendor staff about each item due within N days (level "before") and each item at
    or past its due date (level "due"), once per item, level and due date. Returns how many
    mails were sent. Safe to run twice: the warning row is written before the mail."""
    from django.core.mail import send_mail

    from ops.selectors import registry as selectors

    today = today or _today()
    items = selectors.due_items(
        within_days=selectors.WARN_WITHIN_DAYS if within_days is None else within_days,
        today=today,
    )
    staff = vendor_staff_emails()
    if not items or not staff:
        return 0  # nothing due, or nobody to tell yet (kept for the next run)
    sent = 0
    for item in items:
        try:
            with transaction.atomic():
                RegistryWarning.objects.create(
                    kind=item.kind,
                    object_id=item.object_id,
                    level=item.level,
                    due_on=item.due_on,
                    recipients=",".join(staff),
                )
        except IntegrityError:
            continue  # already sent (the job ran twice, or restarted)
        word = "期限到来" if item.level == "due" else "期限間近"
        if item.state == "overdue":
            word = "期限超過"
        send_mail(
            subject=f"【{word}】{item.kind_label} {item.label}"[:200],
            message=(
                f"{item.kind_label}: {item.label}\n"
                f"期限: {item.due_on:%Y/%m/%d}\n"
                "構成管理・セキュリティ管理の画面で対応を記録してください。\n"
            ),
            from_email=None,
            recipient_list=staff,
            fail_silently=True,
        )
        sent += 1
    return sent
