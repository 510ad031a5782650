"""One entry point for every format: `render(report, fmt) -> bytes`.

The whole render runs under `override(...)` for the report's language, so every label, heading
and chart text is translated the same way whatever the caller's active language.
"""

from __future__ import annotations

from django.utils.translation import override

from .document import EvaluationReport
from .i18n import django_language

FORMATS = ("pdf", "docx", "xlsx", "html")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def render(report: EvaluationReport, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if report.lang not in ("zh", "en"):
        raise ValueError(f"unknown report language {report.lang!r}; expected 'zh' or 'en'")
    # Imported here so that asking for one format does not load the libraries of the others.
    with override(django_language(report.lang)):
        if fmt == "html":
            from .html import render_html

            return render_html(report).encode("utf-8")
        if fmt == "pdf":
            from .pdf import render_pdf

            return render_pdf(report)
        if fmt == "docx":
            from .word import render_docx

            return render_docx(report)
        from .excel import render_xlsx

        return render_xlsx(report)


def filename(report: EvaluationReport, fmt: str) -> str:
    """e.g. "shandong-311-evaluation-2025-06-30-zh.pdf"."""
    return f"{report.plan_key}-evaluation-{report.as_of.isoformat()}-{report.lang}.{fmt}"
