"""URLs of the national part (included by reports/urls.py)."""

from django.urls import path

from reports.views import national

urlpatterns: list = [
    path("national/", national.national_index, name="national_index"),
    path("national/tables.xlsx", national.national_xlsx, name="national_xlsx"),
]
