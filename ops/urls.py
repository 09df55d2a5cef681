from django.urls import path

from ops import urls_extraction, urls_handover, urls_registry, urls_routine
from ops.views import status

app_name = "ops"
urlpatterns = [
    path("status/", status.system_status, name="status"),
    *urls_registry.urlpatterns,
    *urls_routine.urlpatterns,
    *urls_extraction.urlpatterns,
    *urls_handover.urlpatterns,
]
