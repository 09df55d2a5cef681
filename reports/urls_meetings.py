"""URLs of the meetings part (included by reports/urls.py)."""

from django.urls import path

from reports.views import meetings as views

urlpatterns = [
    path("meetings/", views.meetings_index, name="meetings_index"),
    path("meetings/new/", views.meeting_new, name="meetings_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meetings_detail"),
    path("meetings/<int:pk>/minutes/", views.minutes_edit, name="meetings_minutes_edit"),
    path("meetings/<int:pk>/submit/", views.minutes_submit, name="meetings_submit"),
    path("meetings/<int:pk>/confirm/", views.minutes_confirm, name="meetings_confirm"),
    path("meetings/<int:pk>/question/", views.minutes_question, name="meetings_question"),
    path(
        "meetings/<int:pk>/questions/<int:question_pk>/answer/",
        views.minutes_answer,
        name="meetings_answer",
    ),
    path("meetings/<int:pk>/actions/", views.action_add, name="meetings_action_add"),
    path(
        "meetings/<int:pk>/actions/<int:item_pk>/status/",
        views.action_status,
        name="meetings_action_status",
    ),
    path("meetings/<int:pk>/minutes.pdf", views.minutes_pdf, name="meetings_pdf"),
    path("meetings/<int:pk>/minutes.xlsx", views.minutes_xlsx, name="meetings_xlsx"),
]
