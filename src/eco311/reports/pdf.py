"""PDF: WeasyPrint prints the HTML report with its print stylesheet."""

from __future__ import annotations

import threading

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from eco311.core.fonts import font_face_css

from .document import EvaluationReport
from .html import render_html

_local = threading.local()


def _shipped_fonts() -> tuple[FontConfiguration, CSS]:
    """The font configuration with the shipped faces, made once per thread: registering them
    copies 20 MB of font files and has fontconfig scan them, about a second per PDF otherwise.
    Per thread, because a Pango font map is not safe to share between threads."""
    if not hasattr(_local, "fonts"):
        font_config = FontConfiguration()
        _local.fonts = font_config, CSS(string=font_face_css(), font_config=font_config)
    return _local.fonts


def html_to_pdf(html: str, identifier: str) -> bytes:
    """Print an HTML page with the shipped CJK fonts (core/fonts.py) declared by @font-face.

    The fonts go in as an extra stylesheet rather than in the templates, so the HTML report a
    browser shows does not link to font files on the server's disk. Used by every PDF we make."""
    font_config, fonts = _shipped_fonts()
    return HTML(string=html, base_url=None).write_pdf(
        stylesheets=[fonts],
        font_config=font_config,
        pdf_identifier=identifier.encode(),
        uncompressed_pdf=False,
    )


def render_pdf(report: EvaluationReport) -> bytes:
    return html_to_pdf(
        render_html(report), f"{report.plan_key}-{report.as_of.isoformat()}-{report.lang}"
    )
