"""URLs of the statistics part (included by reports/urls.py)."""

from django.urls import path

from reports.views import statistics as views

urlpatterns = [
    path("statistics/", views.statistics_month, name="statistics_month"),
    path("statistics/generate/", views.statistics_generate, name="statistics_generate"),
    path("statistics/files/", views.statistics_files, name="statistics_files"),
    path("statistics/<int:pk>/download/", views.statistics_download, name="statistics_download"),
    path("statistics/template/", views.statistics_template, name="statistics_template"),
    path(
        "statistics/template/reset/",
        views.statistics_template_reset,
        name="statistics_template_reset",
    ),
    path(
        "statistics/template/<str:which>.xlsx",
        views.statistics_template_file,
        name="statistics_template_file",
    ),
]
