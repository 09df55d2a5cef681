"""構成管理・ライセンス・文書・リリース、ウイルス定義・パッチ・マルウェア検知.

Vendor staff keep the registry; the city's system administrator reads it; nobody else
sees it (403). Every create/edit form goes through one generic pair of views driven by
``EDITORS``: access check, form, one service call, redirect.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.access import role_required, user_has_role
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from ops.forms import registry as forms
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
from ops.selectors import registry as selectors
from ops.services import registry as services

READ_ROLES = (*roles.VENDOR_ROLES, roles.CITY_ADMIN)
EDIT_ROLES = tuple(roles.VENDOR_ROLES)

NAV_ITEMS = [
    NavItem(
        "ops_registry",
        gettext_lazy("構成管理"),
        "ops:registry_home",
        frozenset(READ_ROLES),
        order=510,
    ),
    NavItem(
        "ops_security",
        gettext_lazy("セキュリティ管理"),
        "ops:registry_security",
        frozenset(READ_ROLES),
        order=511,
    ),
]

CONFLICT = gettext_lazy(
    "他の担当者が先に更新しました。下の「保存されている内容」を確かめてから、"
    "画面を開き直して入力し直してください（入力は保存していません）。"
)


def can_edit(user) -> bool:
    return user_has_role(user, *EDIT_ROLES)


# --- pages ----------------------------------------------------------------------------------


DUE_SHOWN = 20


def _due_context(today) -> dict:
    """The most urgent items (the rest are in the security page's lists), and the base URL
    the templates build row links from (one reverse() per page instead of one per link)."""
    due, total = selectors.due_summary(today=today, limit=DUE_SHOWN)
    return {
        "due": due,
        "due_more": total - len(due),
        "due_overdue": any(i.state in ("overdue", "today") for i in due),
        "base": reverse("ops:registry_home"),
    }


@role_required(*READ_ROLES)
def home(request):
    today = selectors.today_jst()
    filter_form = forms.SoftwareFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    envs = list(selectors.environments())
    page = page_of(
        selectors.software_items(q=filters.get("q", ""), category=filters.get("category", "")),
        request.GET.get("page"),
    )
    return render(
        request,
        "ops/registry/home.html",
        {
            "today": today,
            **_due_context(today),
            "environments": envs,
            "servers": list(selectors.servers()),
            "filter_form": filter_form,
            "page": page,
            "software_rows": selectors.software_rows(list(page), envs, today=today),
            "licences": selectors.licences(today=today),
            "documents": list(selectors.documents()[:200]),
            "releases": list(selectors.releases()[:20]),
            "can_edit": can_edit(request.user),
        },
    )


@role_required(*READ_ROLES)
def security(request):
    today = selectors.today_jst()
    filter_form = forms.PatchFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    page = page_of(
        selectors.patches(
            state=filters.get("state") or "open", q=filters.get("q", ""), today=today
        ),
        request.GET.get("page"),
    )
    return render(
        request,
        "ops/registry/security.html",
        {
            "today": today,
            **_due_context(today),
            "virus_servers": selectors.virus_status_by_server(today=today),
            "virus_open": [
                {"row": row, "state": selectors.due_state(row.due_on, today)}
                for row in selectors.virus_definitions(open_only=True)[:50]
            ],
            "virus_recent": list(selectors.virus_definitions()[:20]),
            "filter_form": filter_form,
            "page": page,
            "patch_rows": [{"patch": p, "state": selectors.patch_state(p, today)} for p in page],
            "detections": list(selectors.detections()[:30]),
            "can_edit": can_edit(request.user),
        },
    )


# --- create / edit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Editor:
    model: type[Model]
    form: type
    create: Callable  # (request, data) -> object
    update: Callable  # (obj, expected_version, data) -> object
    noun: str
    back: str  # url name of the page the record is shown on
    locked: bool = True  # optimistic locking (a version field)
    fixed_on_edit: tuple[str, ...] = ()  # shown but not changeable once recorded


def _env_update(obj, version, data):
    return services.environment_update(environment=obj, expected_version=version, **data)


EDITORS: dict[str, Editor] = {
    "environment": Editor(
        Environment,
        forms.EnvironmentForm,
        lambda request, data: services.environment_create(**data),
        _env_update,
        gettext_lazy("環境"),
        "ops:registry_home",
    ),
    "server": Editor(
        Server,
        forms.ServerForm,
        lambda request, data: services.server_create(**data),
        lambda obj, version, data: services.server_update(
            server=obj, expected_version=version, **data
        ),
        gettext_lazy("サーバー"),
        "ops:registry_home",
    ),
    "software": Editor(
        SoftwareItem,
        forms.SoftwareForm,
        lambda request, data: services.software_create(**data),
        lambda obj, version, data: services.software_update(
            software=obj, expected_version=version, **data
        ),
        gettext_lazy("ソフトウェア"),
        "ops:registry_home",
    ),
    "installed": Editor(
        InstalledVersion,
        forms.InstalledVersionForm,
        lambda request, data: services.installed_version_set(**data),
        lambda obj, version, data: services.installed_version_set(**data),
        gettext_lazy("導入バージョン"),
        "ops:registry_home",
        locked=False,
        fixed_on_edit=("software", "environment"),
    ),
    "licence": Editor(
        Licence,
        forms.LicenceForm,
        lambda request, data: services.licence_create(**data),
        lambda obj, version, data: services.licence_update(
            licence=obj, expected_version=version, **data
        ),
        gettext_lazy("ライセンス"),
        "ops:registry_home",
    ),
    "document": Editor(
        Document,
        forms.DocumentForm,
        lambda request, data: services.document_create(**data),
        lambda obj, version, data: services.document_update(
            document=obj, expected_version=version, **data
        ),
        gettext_lazy("文書"),
        "ops:registry_home",
    ),
    "release": Editor(
        Release,
        forms.ReleaseForm,
        lambda request, data: services.release_create(actor=request.user, **data),
        lambda obj, version, data: services.release_update(
            release=obj, expected_version=version, **data
        ),
        gettext_lazy("リリース"),
        "ops:registry_home",
    ),
    "virus": Editor(
        VirusDefinitionUpdate,
        forms.VirusDefinitionForm,
        lambda request, data: services.virus_definition_create(**data),
        lambda obj, version, data: services.virus_definition_update(
            update=obj, expected_version=version, **data
        ),
        gettext_lazy("ウイルス定義の更新"),
        "ops:registry_security",
    ),
    "patch": Editor(
        Patch,
        forms.PatchForm,
        lambda request, data: services.patch_create(**data),
        lambda obj, version, data: services.patch_update(
            patch=obj, expected_version=version, **data
        ),
        gettext_lazy("パッチ"),
        "ops:registry_security",
    ),
    "detection": Editor(
        MalwareDetection,
        forms.MalwareDetectionForm,
        lambda request, data: services.malware_detection_create(**data),
        lambda obj, version, data: services.malware_detection_update(
            detection=obj, expected_version=version, **data
        ),
        gettext_lazy("マルウェア検知"),
        "ops:registry_security",
    ),
}

FILE_FIELDS = {"file", "change_document"}


def _editor(kind: str) -> Editor:
    editor = EDITORS.get(kind)
    if editor is None:
        raise Http404
    return editor


def _initial_from(obj, form_class) -> dict:
    initial = {
        name: getattr(obj, name)
        for name in form_class.base_fields
        if name not in FILE_FIELDS and name != "version" and hasattr(obj, name)
    }
    if "version" in form_class.base_fields:
        initial["version"] = obj.version
    return initial


def _initial_for_new(request, form_class) -> dict:
    """Prefill choices named in the query string (e.g. ?software=3&environment=1)."""
    initial = {}
    for name in ("software", "environment", "server"):
        value = request.GET.get(name, "")
        if name in form_class.base_fields and value.isdigit():
            initial[name] = int(value)
    return initial


def _conflict_rows(form, current) -> list[dict]:
    rows = []
    for name, field in form.fields.items():
        if name == "version" or name in FILE_FIELDS:
            continue
        stored = getattr(current, name, "")
        display = getattr(current, f"get_{name}_display", None)
        rows.append(
            {
                "label": field.label,
                "stored": display() if callable(display) else stored,
                "typed": form.cleaned_data.get(name, ""),
            }
        )
    return rows


def _form_page(request, form, *, title, editor, kind="", obj=None, conflict=None):
    return render(
        request,
        "ops/registry/form.html",
        {
            "form": form,
            "title": title,
            "back": reverse(editor.back),
            "obj": obj,
            "history_url": reverse("ops:registry_history", args=[kind, obj.pk]) if obj else "",
            "conflict": conflict,
        },
    )


@role_required(*EDIT_ROLES)
def edit_new(request, kind):
    editor = _editor(kind)
    form = editor.form(
        request.POST or None,
        request.FILES or None,
        initial=_initial_for_new(request, editor.form),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            editor.create(request, data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(noun)sを登録しました。") % {"noun": editor.noun})
            return redirect(editor.back)
    return _form_page(
        request, form, title=_("%(noun)sの登録") % {"noun": editor.noun}, editor=editor
    )


@role_required(*EDIT_ROLES)
def edit_existing(request, kind, pk):
    editor = _editor(kind)
    obj = get_object_or_404(editor.model, pk=pk)
    form = editor.form(
        request.POST or None, request.FILES or None, initial=_initial_from(obj, editor.form)
    )
    for name in editor.fixed_on_edit:
        form.fields[name].disabled = True
    title = _("%(noun)sの編集: %(obj)s") % {"noun": editor.noun, "obj": obj}
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        if editor.locked and version is None:
            version = -1
        try:
            editor.update(obj, version, data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError as exc:
            form.add_error(None, CONFLICT)
            conflict = _conflict_rows(form, exc.current)
        else:
            messages.success(request, _("%(noun)sを更新しました。") % {"noun": editor.noun})
            return redirect(editor.back)
    return _form_page(
        request, form, title=title, editor=editor, kind=kind, obj=obj, conflict=conflict
    )


@role_required(*EDIT_ROLES)
def virus_bulk(request):
    form = forms.VirusBulkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.virus_definition_record_many(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("ウイルス定義 %(v)s を %(n)d 台分記録しました。")
                % {"v": form.cleaned_data["definition_version"], "n": len(rows)},
            )
            return redirect("ops:registry_security")
    return _form_page(
        request,
        form,
        title=_("ウイルス定義の一括登録"),
        editor=EDITORS["virus"],
    )


# --- history and files ----------------------------------------------------------------------


def _history_rows(records) -> list[dict]:
    rows = []
    records = list(records)
    for record, older in zip(records, [*records[1:], None], strict=True):
        changes = []
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older)
            labels = {f.name: f.verbose_name for f in record.instance_type._meta.fields}
            changes = [
                {"field": labels.get(c.field, c.field), "old": c.old, "new": c.new}
                for c in delta.changes
                if c.field != "version"
            ]
        rows.append({"record": record, "changes": changes})
    return rows


@role_required(*READ_ROLES)
def history(request, kind, pk):
    editor = _editor(kind)
    obj = get_object_or_404(editor.model, pk=pk)
    records = obj.history.select_related("history_user").order_by("-history_date", "-pk")[:100]
    installed = []
    if isinstance(obj, SoftwareItem):
        installed = list(
            InstalledVersion.history.filter(software_id=obj.pk)
            .select_related("history_user", "environment")
            .order_by("-history_date", "-pk")[:200]
        )
    return render(
        request,
        "ops/registry/history.html",
        {
            "obj": obj,
            "noun": editor.noun,
            "rows": _history_rows(records),
            "installed": installed,
            "back": reverse(editor.back),
        },
    )


def _download(field_file):
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(field_file.name))


@role_required(*READ_ROLES)
def document_file(request, pk):
    return _download(get_object_or_404(Document, pk=pk).file)


@role_required(*READ_ROLES)
def release_file(request, pk):
    return _download(get_object_or_404(Release, pk=pk).change_document)
