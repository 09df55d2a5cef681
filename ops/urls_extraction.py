"""URLs of the extraction area (included by ops/urls.py)."""

from django.urls import path

from ops.views import extraction as views

urlpatterns = [
    path("extracts/", views.extraction_list, name="extraction_list"),
    path("extracts/new/", views.extraction_definitions, name="extraction_definitions"),
    path("extracts/new/<str:code>/", views.extraction_new, name="extraction_new"),
    path("extracts/<int:pk>/", views.extraction_detail, name="extraction_detail"),
    path("extracts/<int:pk>/approve/", views.extraction_approve, name="extraction_approve"),
    path("extracts/<int:pk>/reject/", views.extraction_reject, name="extraction_reject"),
    path("extracts/<int:pk>/run/", views.extraction_run, name="extraction_run"),
    path("extracts/<int:pk>/download/", views.extraction_download, name="extraction_download"),
]
