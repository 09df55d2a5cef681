from django.urls import path

from incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.incident_new, name="new"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("number/<str:number>/", views.incident_by_number, name="by_number"),
    path("<int:pk>/clocks/<int:clock_pk>/stop/", views.clock_stop, name="clock_stop"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline_add"),
    path("<int:pk>/recover/", views.recover, name="recover"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/clocks/<int:clock_pk>/pause/", views.clock_pause, name="clock_pause"),
    path("<int:pk>/clocks/<int:clock_pk>/resume/", views.clock_resume, name="clock_resume"),
    path("<int:pk>/clocks/<int:clock_pk>/confirm/", views.clock_confirm, name="clock_confirm"),
    path("<int:pk>/recovery-target/", views.agree_recovery, name="agree_recovery"),
    path("planned/", views.planned_stops, name="planned_stops"),
    path("planned/<int:stop_pk>/approve/", views.planned_stop_approve, name="planned_stop_approve"),
    path("<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
]
