from django.urls import path

from cases.views import dashboard, detail, intake, printing, records, search

app_name = "cases"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("search/", search.search, name="search"),
    path("intake/", intake.intake, name="intake"),
    path("<int:pk>/", detail.case_detail, name="detail"),
    path("<int:pk>/history/", detail.case_history, name="history"),
    path("<int:pk>/readers/", detail.case_readers, name="readers"),
    path("<int:pk>/break-glass/", detail.break_glass_view, name="break_glass"),
    path("<int:pk>/accept/", records.accept, name="accept"),
    path("<int:pk>/notes/add/", records.note_add, name="note_add"),
    path("<int:pk>/safety-checks/add/", records.safety_check_add, name="safety_check_add"),
    path("<int:pk>/protections/add/", records.protection_add, name="protection_add"),
    path(
        "<int:pk>/protections/<int:protection_pk>/edit/",
        records.protection_edit,
        name="protection_edit",
    ),
    path("<int:pk>/meetings/add/", records.meeting_add, name="meeting_add"),
    path("<int:pk>/diagnoses/add/", records.diagnosis_add, name="diagnosis_add"),
    path("<int:pk>/measures/add/", records.measure_add, name="measure_add"),
    path("<int:pk>/close/", records.close, name="close"),
    path("<int:pk>/people/<int:person_pk>/edit/", records.person_edit, name="person_edit"),
    path("<int:pk>/people/<int:person_pk>/address/", detail.reveal_address, name="reveal_address"),
    path("<int:pk>/print/record.pdf", printing.record_pdf, name="print_record"),
    path("<int:pk>/print/protection.pdf", printing.protection_pdf, name="print_protection"),
]
