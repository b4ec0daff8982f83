"""Printable PDF documents drawn from HTML templates with xhtml2pdf (pure Python wheels: no
system library, so `make demo` needs nothing but Python).

Templates extend templates/pdf/base.html, which prints the PSWP label in a footer frame on
every page. Charts go in as SVG data URIs; nothing else is fetched: the link callback refuses
every other address, so a document can never read a file or reach the network.
"""

import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from xhtml2pdf import pisa


class PdfError(RuntimeError):
    pass


def _only_inline(uri, rel):
    return uri if uri.startswith("data:") else ""


def render_pdf(template: str, context: dict, request=None) -> bytes:
    html = render_to_string(template, context, request=request)
    output = io.BytesIO()
    status = pisa.CreatePDF(html, dest=output, link_callback=_only_inline, encoding="utf-8")
    if status.err:
        raise PdfError(f"The PDF could not be drawn ({status.err} error(s)).")
    return output.getvalue()


def pdf_response(template: str, context: dict, filename: str, request=None) -> HttpResponse:
    response = HttpResponse(render_pdf(template, context, request),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
