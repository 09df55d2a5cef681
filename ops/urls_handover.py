"""URLs of the handover area (included by ops/urls.py)."""

from django.urls import path

from ops.views import handover as views

urlpatterns: list = [
    path("handover/", views.handover_index, name="handover_index"),
    path("handover/request/", views.handover_request, name="handover_request"),
    path("handover/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handover/<int:pk>/approve/", views.handover_approve, name="handover_approve"),
    path("handover/<int:pk>/start/", views.handover_start, name="handover_start"),
    path("handover/<int:pk>/restart/", views.handover_restart, name="handover_restart"),
    path("handover/<int:pk>/cancel/", views.handover_cancel, name="handover_cancel"),
    path("handover/<int:pk>/remove-file/", views.handover_remove_file, name="handover_remove_file"),
    path("handover/<int:pk>/download/", views.handover_download, name="handover_download"),
]
