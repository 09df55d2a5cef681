from django.urls import path

from helpdesk.views import exports, faq, inquiries, slips, work

app_name = "helpdesk"
urlpatterns = [
    path("", inquiries.inquiry_list, name="inquiries"),
    path("search/", inquiries.search, name="search"),
    path("inquiries/new/", inquiries.inquiry_new, name="inquiry_new"),
    path("inquiries/upload/", inquiries.mail_upload, name="mail_upload"),
    path("inquiries/<int:pk>/", inquiries.inquiry_detail, name="inquiry"),
    path("inquiries/<int:pk>/answer/", inquiries.inquiry_answer, name="inquiry_answer"),
    path("inquiries/<int:pk>/escalate/", inquiries.inquiry_escalate, name="inquiry_escalate"),
    path("inquiries/<int:pk>/faq/", inquiries.inquiry_to_faq, name="inquiry_to_faq"),
    path("slips/", slips.slip_list, name="slips"),
    path("slips/export.xlsx", exports.slip_list_xlsx, name="slips_xlsx"),
    path("slips/<int:pk>/", slips.slip_detail, name="slip"),
    path("slips/<int:pk>/countermeasures/", slips.countermeasure_add, name="countermeasure_add"),
    path(
        "slips/<int:pk>/countermeasures/<int:cm_pk>/",
        slips.countermeasure_status,
        name="countermeasure_status",
    ),
    path("slips/<int:pk>/close/", slips.slip_close, name="slip_close"),
    path("slips/<int:pk>/slip.pdf", exports.slip_pdf, name="slip_pdf"),
    path("faq/", faq.faq_list, name="faqs"),
    path("faq/<int:pk>/", faq.faq_detail, name="faq"),
    path("faq/<int:pk>/edit/", faq.faq_edit, name="faq_edit"),
    path("faq/<int:pk>/status/", faq.faq_status, name="faq_status"),
    path("work/", work.work_list, name="work_requests"),
    path("work/new/", work.work_new, name="work_new"),
    path("work/<int:pk>/", work.work_detail, name="work_request"),
    path("work/<int:pk>/<str:step>/", work.work_step, name="work_step"),
    path("work/<int:pk>/request.pdf", exports.work_request_pdf, name="work_request_pdf"),
]
