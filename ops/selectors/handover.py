"""引継ぎ用の全データ出力（神戸 6.1）."""

from django.db.models import QuerySet

from ops.models.handover import HandoverDownload, HandoverExport

PEOPLE = ("requested_by", "approved_by", "started_by", "cancelled_by", "file_removed_by")


def handover_exports() -> QuerySet[HandoverExport]:
    return HandoverExport.objects.select_related(*PEOPLE).order_by("-requested_at", "-pk")


def handover_export(pk: int) -> HandoverExport:
    return handover_exports().get(pk=pk)


def handover_running() -> HandoverExport | None:
    return handover_exports().filter(status=HandoverExport.Status.RUNNING).first()


def handover_downloads(export: HandoverExport) -> QuerySet[HandoverDownload]:
    return export.downloads.select_related("user").order_by("-downloaded_at", "-pk")
