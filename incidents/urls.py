from django.urls import path

from incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.incident_new, name="new"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/clocks/<int:clock_pk>/stop/", views.clock_stop, name="clock_stop"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline_add"),
    path("<int:pk>/recover/", views.recover, name="recover"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
]
