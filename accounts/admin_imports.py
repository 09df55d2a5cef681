"""Django admin screens for the personnel import: upload, preview, apply, cancel."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import PersonnelImport
from accounts.personnel_import import services
from accounts.personnel_import.reader import MAX_BYTES
from accounts.personnel_import.template import build_template
from core.timeutil import now_jst

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Status = PersonnelImport.Status


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("人事異動ファイル（.xlsx）"),
        help_text=_("市から受け取った職員・組織の異動ファイル。10MB・5,000行まで。"),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise ValidationError(_("ファイルが大きすぎます（上限10MB）。"))
        return f


@admin.register(PersonnelImport)
class PersonnelImportAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "original_name",
        "status",
        "effective_date",
        "row_count",
        "uploaded_by",
        "uploaded_at",
        "applied_by",
        "applied_at",
    ]
    list_filter = ["status"]
    list_select_related = ["uploaded_by", "applied_by"]
    search_fields = ["original_name"]
    ordering = ["-uploaded_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # every import is kept with its file and who did what

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("template/", wrap(self.template_view), name="accounts_personnelimport_template"),
            path("<int:pk>/apply/", wrap(self.apply_view), name="accounts_personnelimport_apply"),
            path(
                "<int:pk>/cancel/", wrap(self.cancel_view), name="accounts_personnelimport_cancel"
            ),
            path(
                "<int:pk>/result/", wrap(self.result_view), name="accounts_personnelimport_result"
            ),
            path("<int:pk>/file/", wrap(self.file_view), name="accounts_personnelimport_file"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = services.personnel_import_upload(
                    data=upload.read(), filename=upload.name, user=request.user
                )
            except ValidationError as exc:
                form.add_error("file", exc)
            else:
                return HttpResponseRedirect(
                    reverse("admin:accounts_personnelimport_change", args=[record.pk])
                )
        return TemplateResponse(
            request,
            "admin/accounts/personnelimport/upload.html",
            self._context(request, form=form, title=_("人事異動ファイルの取込")),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = get_object_or_404(PersonnelImport, pk=object_id)
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        preview = record.preview or {}
        staff = preview.get("staff", [])
        working = record.status in (Status.VALIDATING, Status.APPLYING)
        return TemplateResponse(
            request,
            "admin/accounts/personnelimport/detail.html",
            self._context(
                request,
                title=_("人事異動取込 #%(pk)s") % {"pk": record.pk},
                record=record,
                counts=preview.get("counts", {}),
                notes=preview.get("notes", []),
                staff=[c for c in staff if not c.get("noop")],
                unchanged=[c for c in staff if c.get("noop")],
                org=preview.get("org", []),
                results=preview.get("results", []),
                progress=services.import_progress(record) if working else None,
                refresh=working,
                can_apply=record.status == Status.READY and self.has_change_permission(request),
                can_cancel=record.is_pending and self.has_change_permission(request),
                today=now_jst().date(),
            ),
        )

    def _post_action(self, request, pk, action):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            record = action(import_id=pk, user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            label = {
                Status.SCHEDULED: _("%(date)s 00:00 に反映するよう予約しました。"),
                Status.APPLIED: _("反映しました。結果ファイルをダウンロードできます。"),
                Status.APPLYING: _("反映を開始しました。進捗はこの画面に表示されます。"),
                Status.CANCELLED: _("取り消しました。"),
                Status.INVALID: _(
                    "反映直前の再確認でエラーが見つかりました。何も変更していません。"
                ),
                Status.FAILED: _("反映に失敗しました。何も変更していません。"),
            }.get(record.status, "")
            level = (
                messages.SUCCESS
                if record.status not in (Status.INVALID, Status.FAILED)
                else messages.ERROR
            )
            date_text = f"{record.effective_date:%Y/%m/%d}" if record.effective_date else ""
            self.message_user(
                request,
                label % {"date": date_text} if label else record.get_status_display(),
                level,
            )
        return HttpResponseRedirect(reverse("admin:accounts_personnelimport_change", args=[pk]))

    def apply_view(self, request, pk):
        return self._post_action(request, pk, services.personnel_import_apply)

    def cancel_view(self, request, pk):
        return self._post_action(request, pk, services.personnel_import_cancel)

    def template_view(self, request):
        response = HttpResponse(build_template(), content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''jinji_idou_template.xlsx"
        return response

    def _file(self, request, pk, field, name):
        record = get_object_or_404(PersonnelImport, pk=pk)
        if not self.has_view_permission(request, record) or not getattr(record, field):
            raise PermissionDenied
        return FileResponse(
            getattr(record, field).open("rb"), as_attachment=True, filename=name(record)
        )

    def result_view(self, request, pk):
        return self._file(request, pk, "result_file", lambda r: f"jinji_idou_result_{r.pk}.xlsx")

    def file_view(self, request, pk):
        return self._file(request, pk, "file", lambda r: r.original_name)
