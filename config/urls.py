from django.contrib import admin
from django.urls import include, path

from core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ops/", include("ops.urls")),
    path("cases/", include("cases.urls")),
    path("helpdesk/", include("helpdesk.urls")),
    path("incidents/", include("incidents.urls")),
    path("backups/", include("backups.urls")),
    path("sla/", include("sla.urls")),
    path("reports/", include("reports.urls")),
    path("", include("accounts.urls")),
]
