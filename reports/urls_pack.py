"""URLs of the pack part (included by reports/urls.py)."""

from django.urls import path

from reports.views import pack as views

urlpatterns: list = [
    path("pack/deliverables/", views.deliverables, name="pack_deliverables"),
    path(
        "pack/deliverables/<str:month>/all.zip",
        views.deliverables_zip,
        name="pack_deliverables_zip",
    ),
    path(
        "pack/deliverables/<str:month>/<slug:key>.<slug:fmt>",
        views.deliverable_file,
        name="pack_deliverable_file",
    ),
]
urlpatterns += [
    path("pack/annual/<str:fiscal_year>.<slug:fmt>", views.annual_file, name="pack_annual_file"),
]
