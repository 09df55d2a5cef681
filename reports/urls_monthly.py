"""URLs of the monthly report (included by reports/urls.py)."""

from django.urls import path

from reports.views import monthly as views

urlpatterns = [
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/issue/", views.monthly_issue, name="monthly_issue"),
    path("monthly/<int:pk>/", views.monthly_detail, name="monthly_detail"),
    path("monthly/<int:pk>/<slug:kind>/", views.monthly_download, name="monthly_download"),
]
