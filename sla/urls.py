"""URLs of the SLA app: the dashboard and reports (this module) and the catalogue
(sla/urls_catalog.py)."""

from django.urls import path

from sla import urls_catalog
from sla.views import dashboard, reports

app_name = "sla"

urlpatterns = [
    *urls_catalog.urlpatterns,
    path("", dashboard.dashboard, name="dashboard"),
    path("dashboard/recompute/", dashboard.dashboard_recompute, name="dashboard_recompute"),
    path(
        "dashboard/items/<int:item_id>/<int:year>-<int:month>/",
        dashboard.dashboard_item,
        name="dashboard_item",
    ),
    path(
        "dashboard/items/<int:item_id>/fy<int:fiscal_year>/",
        dashboard.dashboard_item_year,
        name="dashboard_item_year",
    ),
    path("reports/", reports.reports_index, name="reports_index"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/file.<str:fmt>", reports.report_file, name="report_file"),
    path("reports/<int:pk>/generate/", reports.report_generate, name="report_generate"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/comment/", reports.report_comment, name="report_comment"),
    path("reports/<int:pk>/check/", reports.report_check, name="report_check"),
    path("reports/<int:pk>/return/", reports.report_return, name="report_return"),
    path("reports/<int:pk>/approve/", reports.report_approve, name="report_approve"),
    path("reports/<int:pk>/reissue/", reports.report_reissue, name="report_reissue"),
]
