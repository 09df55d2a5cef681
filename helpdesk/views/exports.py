# Placeholder until the export views land (same session); every URL answers 404.
from django.http import Http404


def slip_list_xlsx(request):
    raise Http404


def slip_pdf(request, pk):
    raise Http404


def work_request_pdf(request, pk):
    raise Http404
