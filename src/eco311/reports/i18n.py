"""Translation and formatting helpers shared by every report format.

Labels come from the project catalogue (src/eco311/locale) through Django's gettext; status and
progress-measure labels are the platform's own (plans/display.py), so reports and pages agree.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.plans.display import MEASURE_LABELS, STATUS_LABELS

from .document import STATUS_ORDER, EvaluationReport

EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def django_language(lang: str) -> str:
    return "zh-hans" if lang == "zh" else "en"


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


def measure_label(code: str | None) -> str:
    """Open SDG progress categories; an unknown code is shown as it is."""
    if not code:
        return ""
    return str(MEASURE_LABELS.get(code, code.replace("_", " ")))


def warning_label(kind: str) -> str:
    return {
        "overdue": _("Overdue"),
        "due_soon": _("Due soon"),
        "slow_progress": _("Slow progress"),
        "missing_report": _("Missing report"),
    }.get(kind, kind)


def format_date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {EN_MONTHS[value.month - 1]} {value.year}"


def local_datetime(value: datetime) -> datetime:
    """Aware datetimes in the project's time zone; naive ones are taken as already local."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def format_datetime(value: datetime, lang: str) -> str:
    value = local_datetime(value)
    offset = ""
    if value.utcoffset() is not None:
        minutes = int(value.utcoffset().total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        offset = f" (UTC{sign}{hours}" + (f":{mins:02d}" if mins else "") + ")"
    clock = f"{value.hour:02d}:{value.minute:02d}"
    if lang == "zh":
        return f"{format_date(value.date(), lang)} {clock}{offset}"
    return f"{format_date(value.date(), lang)}, {clock}{offset}"


def format_share(share: float) -> str:
    return f"{share * 100:.1f}%"


def display_width(text: str) -> int:
    """Width in half-em columns: Han characters and CJK punctuation count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def deadline_display(deadline: date | None, deadline_text: str | None, lang: str) -> str:
    """The plan's own wording when there is one ("2025年年底前"), else the date."""
    return deadline_text or format_date(deadline, lang)


def labels() -> dict[str, str]:
    """Every heading and column label, translated for the active language."""
    return {
        "report": _("Evaluation report"),
        "synthetic": _("SYNTHETIC DEMO DATA"),
        "synthetic_note": _(
            "This report was generated from synthetic demonstration data. Its figures do not "
            "describe real progress and must not be cited."
        ),
        "summary": _("Overall progress"),
        "status_chart": _("Targets by status"),
        "section_chart": _("Status mix by plan section"),
        "count_axis": _("Number of targets"),
        "by_section": _("Status by plan section"),
        "by_unit": _("Status by responsible unit"),
        "targets": _("All targets"),
        "warnings": _("Warnings"),
        "no_warnings": _("No warnings."),
        "method": _("Method and sources"),
        "section": _("Section"),
        "unit": _("Responsible unit"),
        "total": _("Total"),
        "count": _("Count"),
        "share": _("Share"),
        "status": _("Status"),
        "key": _("Key"),
        "target": _("Target"),
        "scope": _("Scope"),
        "responsible": _("Responsible"),
        "deadline": _("Deadline"),
        "deadline_text": _("Deadline as written"),
        "target_value": _("Target value"),
        "latest": _("Latest value"),
        "period": _("Period"),
        "forecast": _("Forecast"),
        "projected": _("Projected date"),
        "measure": _("Progress measure"),
        "notes": _("Notes"),
        "status_code": _("Status code"),
        "type": _("Type"),
        "detail": _("Detail"),
        "plan": _("Plan"),
        "plan_key": _("Plan key"),
        "as_of": _("As of"),
        "generated": _("Generated"),
        "source": _("Source"),
        "synthetic_data": _("Synthetic data"),
        "yes": _("Yes"),
        "no": _("No"),
        "sheet_summary": _("Summary"),
        "sheet_sections": _("By section"),
        "sheet_units": _("By unit"),
        "sheet_targets": _("Targets"),
        "sheet_warnings": _("Warnings"),
        "sheet_about": _("About"),
    }


def title_line(report: EvaluationReport) -> str:
    joiner = "" if report.lang == "zh" else ": "
    return f"{report.plan_title}{joiner}{_('Evaluation report')}"


def as_of_line(report: EvaluationReport) -> str:
    return _("Data as of %(date)s") % {"date": format_date(report.as_of, report.lang)}


def generated_line(report: EvaluationReport) -> str:
    return _("Generated %(datetime)s") % {
        "datetime": format_datetime(report.generated_at, report.lang)
    }


def page_template() -> str:
    """Page footer text with `%(page)s` and `%(pages)s` placeholders."""
    return _("Page %(page)s of %(pages)s")


def summary_paragraphs(report: EvaluationReport) -> list[str]:
    """The summary in a few sentences: totals, each status with its share, and warnings."""
    counts = report.summary
    total = counts.total
    lang = report.lang
    paragraphs = [
        _("As of %(date)s, %(total)s targets of the plan are evaluated.")
        % {"date": format_date(report.as_of, lang), "total": total}
    ]
    parts = [
        _("%(status)s: %(count)s (%(share)s)")
        % {
            "status": status_label(s),
            "count": counts.counts.get(s, 0),
            "share": format_share(counts.share(s)),
        }
        for s in STATUS_ORDER
    ]
    separator = "；" if lang == "zh" else "; "
    paragraphs.append(_("By status: %(list)s.") % {"list": separator.join(parts)})
    good = counts.counts.get("achieved", 0) + counts.counts.get("on_track", 0)
    bad = sum(counts.counts.get(s, 0) for s in ("at_risk", "off_track", "overdue"))
    paragraphs.append(
        _(
            "%(good)s targets (%(good_share)s) are achieved or on track; %(bad)s "
            "(%(bad_share)s) are at risk, off track or overdue."
        )
        % {
            "good": good,
            "good_share": format_share(good / total if total else 0.0),
            "bad": bad,
            "bad_share": format_share(bad / total if total else 0.0),
        }
    )
    paragraphs.append(
        _("Warnings needing attention: %(count)s (see the warnings table).")
        % {"count": len(report.warnings)}
    )
    return paragraphs


def method_paragraphs(report: EvaluationReport) -> list[str]:
    """The method in general terms; `report.source_note` is shown beside it as the source."""
    paragraphs = [
        _(
            "Section VI(2) of the plan asks the provincial Department of Ecology and Environment, "
            "with the departments concerned, to evaluate the implementation of the plan's tasks "
            "periodically. This report covers every quantified or milestone target taken from the "
            "plan text, with its section, scope, responsible units and deadline."
        ),
        _(
            "Values come from approved progress reports only. A target's status compares its "
            "latest approved value and a forecast to its deadline with the target value: achieved "
            "means the target has been reached; on track, that the forecast reaches it by the "
            "deadline; at risk, that the forecast falls slightly short; off track, that it falls "
            "clearly short; overdue, that the deadline has passed without the target being "
            "reached; no data, that there is no approved value yet."
        ),
        _(
            "The progress measure follows the Open SDG progress categories. Notes flag values "
            "that need a caveat. Figures are shown as reported, in the units of the plan."
        ),
    ]
    return paragraphs


#: Headings of the official document's own sections, in the document's language. Kept here
#: with both languages rather than in the UI catalogue: an issued report is a document in its
#: own language, and its wording must not change with a later catalogue edit.
DOC_LABELS = {
    "foreword": ("前言", "Foreword"),
    "judgement": ("总体评价", "Overall judgement"),
    "by_city": ("各市进展情况", "Progress by city"),
    "city": ("城市", "City"),
    "kpis": ("生态环保产业主要指标", "Key indicators of the industry"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "unit": ("单位", "Unit"),
    "n_enterprises": ("企业数", "Enterprises"),
    "ranking": ("生态环保产业百强企业", "The Top-100 enterprises"),
    "rank": ("名次", "Rank"),
    "enterprise": ("企业", "Enterprise"),
    "score": ("综合得分", "Score"),
    "ranking_by_city": ("入选企业分布（按城市）", "Listed enterprises by city"),
    "top_ten": ("前十名", "The top ten"),
    "no_ranking": (
        "截至评估日尚无已发布的百强榜单。",
        "No Top-100 list was published by the evaluation date.",
    ),
    "no_kpis": (
        "截至评估日尚无已审核的企业年报数据。",
        "No approved annual returns by the evaluation date.",
    ),
    "problems": ("存在问题", "Problems"),
    "next_steps": ("下一步工作", "Next steps"),
    "issue_number": ("文号", "Number"),
    "issued_on": ("印发日期", "Issued on"),
    "issuer": ("印发单位", "Issued by"),
    "draft_mark": ("征求意见稿（未印发）", "DRAFT — not issued"),
    "count": ("数量", "Count"),
    "narrative": ("评估意见", "Narrative"),
    "kpis_sheet": ("主要指标", "Indicators"),
}


def doc_label(key: str, lang: str) -> str:
    zh, en = DOC_LABELS[key]
    return zh if lang == "zh" else en


def doc_labels(lang: str) -> dict[str, str]:
    return {k: doc_label(k, lang) for k in DOC_LABELS}


def ranking_line(ranking, lang: str) -> str:
    """ "2024年度百强榜单（第1版）共100家企业" / "The 2024 list (version 1): 100 enterprises"."""
    if lang == "zh":
        return f"{ranking.year}年度百强榜单（第{ranking.version}版）共入选{ranking.count}家企业。"
    return f"The {ranking.year} list (version {ranking.version}) has {ranking.count} enterprises."


def kpi_heading(year: int | None, lang: str) -> str:
    if year is None:
        return doc_label("kpis", lang)
    return (
        f"{doc_label('kpis', lang)}（{year}年）"
        if lang == "zh"
        else f"{doc_label('kpis', lang)} ({year})"
    )
