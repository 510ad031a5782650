"""PDF: WeasyPrint prints the HTML report with its print stylesheet."""

from __future__ import annotations

from weasyprint import HTML

from .document import EvaluationReport
from .html import render_html


def render_pdf(report: EvaluationReport) -> bytes:
    document = HTML(string=render_html(report), base_url=None)
    return document.write_pdf(
        pdf_identifier=f"{report.plan_key}-{report.as_of.isoformat()}-{report.lang}".encode(),
        uncompressed_pdf=False,
    )
