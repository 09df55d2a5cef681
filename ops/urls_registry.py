"""URLs of the registry area (included by ops/urls.py)."""

from django.urls import path

from ops.views import registry as views

urlpatterns = [
    path("registry/", views.home, name="registry_home"),
    path("registry/security/", views.security, name="registry_security"),
    path("registry/virus/bulk/", views.virus_bulk, name="registry_virus_bulk"),
    path("registry/<slug:kind>/new/", views.edit_new, name="registry_new"),
    path("registry/<slug:kind>/<int:pk>/edit/", views.edit_existing, name="registry_edit"),
    path("registry/<slug:kind>/<int:pk>/history/", views.history, name="registry_history"),
    path("registry/document/<int:pk>/file/", views.document_file, name="registry_document_file"),
    path("registry/release/<int:pk>/file/", views.release_file, name="registry_release_file"),
]
