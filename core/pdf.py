"""PDF output: Django templates rendered by WeasyPrint (A4, installed CJK fonts).

Templates set the page (``@page { size: A4 portrait }``), the footer and the
font family ("Noto Sans CJK JP", installed from Debian's fonts-noto-cjk). The
renderer never goes to the network: only ``data:`` URLs and ``file:`` URLs
inside the static directories are fetched, so a stray ``<img src="https://…">``,
``@import`` or ``file:///…/var/.env`` can neither leak anything nor hang the request.
"""

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

PDF_CONTENT_TYPE = "application/pdf"


def _readable_dirs() -> list[Path]:
    dirs = [*getattr(settings, "STATICFILES_DIRS", ()), getattr(settings, "STATIC_ROOT", None)]
    return [Path(d).resolve() for d in dirs if d]


def _local_fetcher():
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Fetches data: URLs and static files; refuses everything else."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                target = Path(unquote(parts.path)).resolve()
                if not any(base in target.parents for base in _readable_dirs()):
                    raise ValueError(f"PDF rendering reads only static files, not {url}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render a Django template to PDF bytes (auto-escaped, like any page)."""
    return render_pdf_with_pages(template_name, context, request=request)[0]


def render_pdf_with_pages(template_name: str, context: dict, *, request=None) -> tuple[bytes, int]:
    """The PDF bytes and its number of pages (laid out once)."""
    from weasyprint import HTML  # heavy import; only when a PDF is made

    html = render_to_string(template_name, context, request=request)
    document = HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=_local_fetcher()
    ).render()
    return document.write_pdf(), len(document.pages)


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """Show the PDF in the browser; never kept by a browser cache or proxy."""
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename, safe='')}"
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(data))
    return response
