"""URLs of the routine area (included by ops/urls.py)."""

from django.urls import path

from ops.views import routine as views

urlpatterns: list = [
    path("routine/", views.routine_calendar, name="routine_calendar"),
    path("routine/occurrences/<int:pk>/", views.routine_occurrence, name="routine_occurrence"),
    path(
        "routine/occurrences/<int:pk>/done/",
        views.routine_occurrence_done,
        name="routine_occurrence_done",
    ),
    path(
        "routine/occurrences/<int:pk>/undo/",
        views.routine_occurrence_undo,
        name="routine_occurrence_undo",
    ),
    path(
        "routine/occurrences/<int:pk>/evidence/",
        views.routine_evidence,
        name="routine_evidence",
    ),
    path("routine/operations/", views.routine_operations, name="routine_operations"),
    path("routine/operations/new/", views.routine_operation_new, name="routine_operation_new"),
    path(
        "routine/operations/<int:pk>/edit/",
        views.routine_operation_edit,
        name="routine_operation_edit",
    ),
    path("routine/parameters/", views.routine_parameters, name="routine_parameters"),
    path("routine/parameters/new/", views.routine_parameter_new, name="routine_parameter_new"),
    path("routine/parameters/<int:pk>/", views.routine_parameter, name="routine_parameter"),
    path(
        "routine/parameters/<int:pk>/approve/",
        views.routine_parameter_approve,
        name="routine_parameter_approve",
    ),
    path(
        "routine/parameters/<int:pk>/reject/",
        views.routine_parameter_reject,
        name="routine_parameter_reject",
    ),
    path(
        "routine/parameters/<int:pk>/apply/",
        views.routine_parameter_apply,
        name="routine_parameter_apply",
    ),
    path(
        "routine/parameters/<int:pk>/emergency/",
        views.routine_parameter_emergency,
        name="routine_parameter_emergency",
    ),
    path("routine/training/", views.routine_trainings, name="routine_trainings"),
    path("routine/training/new/", views.routine_training_new, name="routine_training_new"),
    path("routine/training/<int:pk>/", views.routine_training, name="routine_training"),
    path(
        "routine/training/<int:pk>/edit/", views.routine_training_edit, name="routine_training_edit"
    ),
    path(
        "routine/training/<int:pk>/material/",
        views.routine_training_material,
        name="routine_training_material",
    ),
]
