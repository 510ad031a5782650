"""The report as one self-contained HTML document; the PDF is printed from the same HTML."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from . import charts
from .document import STATUS_ORDER, EvaluationReport, GroupRow, StatusCounts, TargetRow
from .i18n import (
    _,
    as_of_line,
    deadline_display,
    display_width,
    doc_labels,
    format_date,
    format_datetime,
    format_share,
    generated_line,
    kpi_heading,
    labels,
    measure_label,
    method_paragraphs,
    page_template,
    ranking_line,
    status_label,
    summary_paragraphs,
    warning_label,
)
from .theme import (
    ACCENT,
    CSS_SANS,
    CSS_SERIF,
    HEADER_FILL,
    INK,
    MUTED,
    RULE,
    STATUS_COLOURS,
    SYNTHETIC_FILL,
    SYNTHETIC_INK,
    WARNING_COLOUR,
)


@dataclass
class Cell:
    value: int
    status: str


def css_content(template: str) -> str:
    """`"Page %(page)s of %(pages)s"` as a CSS `content` value with page counters."""
    marker = "\x00"
    text = template.replace("%(page)s", marker + "page" + marker).replace(
        "%(pages)s", marker + "pages" + marker
    )
    out = []
    for i, piece in enumerate(text.split(marker)):
        if i % 2:
            out.append(f"counter({piece})")
        elif piece:
            out.append(css_string(piece))
    return " ".join(out)


def css_string(text: str) -> str:
    """A CSS string literal; `<` and newlines escaped so it cannot end the `<style>` block."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("<", "\\3c ").replace("\n", "\\a ")
    return f'"{escaped}"'


def theme_css() -> dict:
    """The style-sheet values every printed document shares (reports/theme.py): the shipped
    fonts and the palette, for a template's ``css`` context."""
    return {
        "sans": mark_safe(CSS_SANS),
        "serif": mark_safe(CSS_SERIF),
        "ink": INK,
        "muted": MUTED,
        "rule": RULE,
        "header": HEADER_FILL,
        "accent": ACCENT,
        "synthetic_fill": SYNTHETIC_FILL,
        "synthetic_ink": SYNTHETIC_INK,
    }


def distribution_bar(counts: StatusCounts, width: int = 120, height: int = 10) -> SafeString:
    """A 100 % bar of the status mix, as a tiny inline SVG."""
    total = counts.total
    parts, x = [], 0.0
    for status in STATUS_ORDER:
        n = counts.counts.get(status, 0)
        if not n or not total:
            continue
        w = width * n / total
        parts.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" '
            f'fill="{STATUS_COLOURS[status].fill}"/>'
        )
        x += w
    if not parts:
        parts.append(f'<rect width="{width}" height="{height}" fill="{RULE}"/>')
    return mark_safe(
        f'<svg class="dist" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-hidden="true">{"".join(parts)}</svg>'
    )


def sparkline(row: TargetRow, width: int = 72, height: int = 18) -> SafeString:
    """Approved values as a small line, with the target value dashed when there is one."""
    if len(row.series) < 2:
        return mark_safe("")
    points = sorted(row.series)
    values = [v for _d, v in points]
    lo, hi = min(values), max(values)
    if row.target_value is not None:
        lo, hi = min(lo, row.target_value), max(hi, row.target_value)
    if hi == lo:
        hi = lo + 1
    t0, t1 = points[0][0].toordinal(), points[-1][0].toordinal()
    span = max(t1 - t0, 1)
    pad = 2

    def xy(d, v):
        x = pad + (width - 2 * pad) * (d.toordinal() - t0) / span
        y = height - pad - (height - 2 * pad) * (v - lo) / (hi - lo)
        return f"{x:.1f},{y:.1f}"

    colour = STATUS_COLOURS.get(row.status, STATUS_COLOURS["no_data"]).fill
    line = " ".join(xy(d, v) for d, v in points)
    last = xy(*points[-1]).split(",")
    target = ""
    if row.target_value is not None:
        ty = height - pad - (height - 2 * pad) * (row.target_value - lo) / (hi - lo)
        target = (
            f'<line x1="{pad}" x2="{width - pad}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{MUTED}" stroke-width="0.8" stroke-dasharray="2 2"/>'
        )
    return mark_safe(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true">{target}'
        f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.4" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{last[0]}" cy="{last[1]}" r="1.8" fill="{colour}"/></svg>'
    )


def group_rows(rows: list[GroupRow]) -> list[dict]:
    return [
        {
            "key": r.key,
            "label": r.label,
            "cells": [Cell(r.counts.counts.get(s, 0), s) for s in STATUS_ORDER],
            "total": r.counts.total,
            "bar": distribution_bar(r.counts),
        }
        for r in rows
    ]


def projected_html(value, lang: str) -> SafeString:
    """ "Projected: <date>" with the date kept on one line."""
    if value is None:
        return mark_safe("")
    date_html = format_html('<span class="nowrap">{}</span>', format_date(value, lang))
    return mark_safe(conditional_escape(_("Projected: %(date)s")) % {"date": date_html})


def target_rows(report: EvaluationReport) -> list[dict]:
    lang = report.lang
    out = []
    for t in report.targets:
        out.append(
            {
                "t": t,
                "responsible": ("、" if lang == "zh" else "; ").join(t.responsible),
                "deadline": deadline_display(t.deadline, t.deadline_text, lang),
                "deadline_date": format_date(t.deadline, lang) if t.deadline_text else "",
                "projected": projected_html(t.projected_date, lang),
                "status_label": status_label(t.status),
                "measure": measure_label(t.measure_status),
                "spark": sparkline(t),
            }
        )
    return out


def warning_rows(report: EvaluationReport) -> list[dict]:
    return [
        {
            "w": w,
            "kind": warning_label(w.kind),
            "colour": WARNING_COLOUR.get(w.kind, "no_data"),
        }
        for w in report.warnings
    ]


def title_lines(title: str, lang: str, max_width: int = 48) -> list[str]:
    """Chinese titles may break between any two characters, so a long one is split before an
    opening quote or bracket near its middle rather than wherever the first line fills up."""
    if lang != "zh" or display_width(title) <= max_width:
        return [title]
    candidates = [i for i, ch in enumerate(title) if ch in "“《（(「" and i > 0]
    candidates += [i + 1 for i, ch in enumerate(title) if ch in "，、：" and i + 1 < len(title)]
    fitting = [
        i
        for i in candidates
        if display_width(title[:i]) <= max_width and display_width(title[i:]) <= max_width
    ]
    if not fitting:
        return [title]
    half = display_width(title) / 2
    cut = min(fitting, key=lambda i: abs(half - display_width(title[:i])))
    return [title[:cut], title[cut:]]


def context(report: EvaluationReport) -> dict:
    """Everything the template shows, already translated (call inside `override`)."""
    L = labels()
    summary = report.summary
    status_svg = charts.to_svg(charts.status_figure(summary, L["count_axis"]), "chart-status")
    section_svg = (
        charts.to_svg(charts.section_figure(report.by_section), "chart-sections")
        if report.by_section
        else ""
    )
    status_css = "\n".join(
        f".st-{s} {{ background: {c.fill}; color: {c.ink}; }}\n"
        f"table td.tint-{s}, table tbody tr td.tint-{s} {{ background-color: {c.tint}; }}\n"
        f".sw-{s} {{ border-top: 3px solid {c.fill}; }}"
        for s, c in STATUS_COLOURS.items()
    )
    return {
        "report": report,
        "L": L,
        "html_lang": "zh-Hans" if report.lang == "zh" else "en",
        "title": report.plan_title,
        "title_lines": title_lines(report.plan_title, report.lang),
        "subtitle": L["report"],
        "as_of": as_of_line(report),
        "generated": generated_line(report),
        "as_of_date": format_date(report.as_of, report.lang),
        "generated_at": format_datetime(report.generated_at, report.lang),
        "summary_paragraphs": summary_paragraphs(report),
        "status_rows": [
            {
                "code": s,
                "label": status_label(s),
                "count": summary.counts.get(s, 0),
                "share": format_share(summary.share(s)),
            }
            for s in STATUS_ORDER
        ],
        "status_headers": [{"code": s, "label": status_label(s)} for s in STATUS_ORDER],
        "summary_total": summary.total,
        "status_svg": mark_safe(status_svg),
        "section_svg": mark_safe(section_svg),
        "sections": group_rows(report.by_section),
        "units": group_rows(report.by_unit),
        "targets": target_rows(report),
        "warnings": warning_rows(report),
        "method_paragraphs": method_paragraphs(report),
        "css": {
            **theme_css(),
            "status": mark_safe(status_css),
            "page_footer": mark_safe(css_content(page_template())),
            "running_title": mark_safe(css_string(report.plan_title)),
            "synthetic_mark": mark_safe(css_string(L["synthetic"])),
        },
    }


def document_context(report: EvaluationReport) -> dict:
    """The official document's sections (narrative, cities, KPIs, Top-100, issue number); empty
    for the tables report."""
    ex = report.extras
    if ex is None:
        return {"doc": None}
    n = ex.narrative
    return {
        "doc": {
            "D": doc_labels(report.lang),
            "narrative": None
            if n is None
            else {
                name: n.paragraphs(name)
                for name in ("foreword", "judgement", "problems", "next_steps")
            },
            "cities": group_rows(ex.by_city),
            "by_city_source": ex.by_city_source,
            "by_unit_source": ex.by_unit_source,
            "kpis": ex.kpis,
            "kpi_year": ex.kpi_year,
            "kpi_heading": kpi_heading(ex.kpi_year, report.lang),
            "kpi_source": ex.kpi_source,
            "ranking": ex.ranking,
            "ranking_line": ranking_line(ex.ranking, report.lang) if ex.ranking else "",
            "issue_number": ex.issue_number,
            "issued_on": format_date(ex.issued_on, report.lang) if ex.issued_on else "",
            "issuer": ex.issuer,
            "is_draft": not ex.issue_number and n is not None,
            "sep": "：" if report.lang == "zh" else ": ",
        }
    }


def render_html(report: EvaluationReport) -> str:
    return render_to_string(
        "reports/evaluation.html", {**context(report), **document_context(report)}
    )
