"""The evaluation report as plain data.

Section 六(二) of the "311" plan asks the provincial Department of Ecology and Environment to
evaluate progress on the plan's tasks periodically. The code that reads the database fills an
`EvaluationReport`; the renderers in `render.py` turn it into pdf, docx, xlsx or html. Nothing
here imports Django, so the renderers can be fed from tests, the CLI or a preview script.

Every string in these objects is already formatted and localised for `lang` (numbers, units,
flag notes); the renderers only add headings, labels and dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Best to worst, then "no data"; every table and chart uses this order.
STATUS_ORDER = ("achieved", "on_track", "at_risk", "off_track", "overdue", "no_data")

WARNING_KINDS = ("overdue", "due_soon", "slow_progress", "missing_report")


@dataclass
class StatusCounts:
    counts: dict[str, int]  # status code -> count, all six keys present

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, status: str) -> float:
        """Share of `status` in the total, 0.0 when there is nothing to count."""
        total = self.total
        return self.counts.get(status, 0) / total if total else 0.0

    @classmethod
    def from_statuses(cls, statuses) -> StatusCounts:
        counts = dict.fromkeys(STATUS_ORDER, 0)
        for status in statuses:
            counts[status] += 1
        return cls(counts)


@dataclass
class GroupRow:
    """One row of the by-section or by-responsible-unit table."""

    key: str
    label: str
    counts: StatusCounts


@dataclass
class TargetRow:
    key: str
    section_ref: str
    text: str
    scope: str
    responsible: list[str]
    deadline: date | None
    deadline_text: str | None
    target_display: str  # e.g. "≥ 300 家", "约 30 %", "建成 (milestone)"
    latest_value: str | None  # display strings, already formatted
    latest_period: str | None
    forecast_display: str | None
    projected_date: date | None
    status: str  # one of STATUS_ORDER
    measure_status: str | None  # Open SDG status code, e.g. "substantial_progress"
    flags: list[str]  # already-localised flag notes
    series: list[tuple[date, float]] = field(default_factory=list)  # approved values, for charts
    target_value: float | None = None


@dataclass
class WarningRow:
    kind: str  # "overdue", "due_soon", "slow_progress", "missing_report"
    target_key: str
    text: str
    detail: str


@dataclass
class EvaluationReport:
    lang: str  # "zh" or "en"
    plan_key: str
    plan_title: str
    as_of: date
    generated_at: datetime
    synthetic: bool
    summary: StatusCounts
    by_section: list[GroupRow]
    by_unit: list[GroupRow]
    targets: list[TargetRow]
    warnings: list[WarningRow]
    source_note: str = ""  # where the data came from, e.g. "approved progress reports as of …"
    extras: Extras | None = None  # the official document's further sections (None: tables only)


# -- the parts of the official document (issue 9, item 7) -------------------------------------


@dataclass
class KpiRow:
    """One headline indicator, province-wide, for the latest survey year."""

    key: str
    label: str
    value: str  # formatted; "—" when withheld (fewer enterprises than the public minimum)
    unit: str
    n_enterprises: int | None
    withheld: bool = False
    number: float | None = None  # the value as a number (None when withheld), for Excel


@dataclass
class RankingRow:
    rank: int
    name: str
    city: str
    score: str


@dataclass
class RankingSummary:
    """The latest published Top-100 list: year, version, size, its top ten, count by city."""

    year: int
    version: int | None
    published_on: date | None
    count: int
    top: list[RankingRow]
    by_city: list[tuple[str, int]]
    source: str = ""


@dataclass
class Narrative:
    """The judgement and the paragraphs an official writes (drafted from the data, then edited).

    Each field holds paragraphs separated by blank lines; the renderers set one paragraph each.
    """

    judgement: str = ""
    problems: str = ""
    next_steps: str = ""
    foreword: str = ""

    FIELDS = ("foreword", "judgement", "problems", "next_steps")

    def paragraphs(self, name: str) -> list[str]:
        text = getattr(self, name) or ""
        return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


@dataclass
class Extras:
    """What the official document adds to the tables: city and KPI sections, the Top-100
    summary, the narrative and, once issued, the number and date. All optional, so the plain
    tables report (`eco311 evaluate`) stays as it was."""

    by_city: list[GroupRow] = field(default_factory=list)
    kpis: list[KpiRow] = field(default_factory=list)
    kpi_year: int | None = None
    kpi_source: str = ""
    ranking: RankingSummary | None = None
    narrative: Narrative | None = None
    issue_number: str = ""
    issued_on: date | None = None
    issuer: str = ""
    by_city_source: str = ""
    by_unit_source: str = ""


# -- a JSON snapshot (an issued report is kept with the data it was computed from) -----------


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _pd(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _group(g: GroupRow) -> dict:
    return {"key": g.key, "label": g.label, "counts": dict(g.counts.counts)}


def _ungroup(d: dict) -> GroupRow:
    return GroupRow(d["key"], d["label"], StatusCounts(dict(d["counts"])))


def to_dict(report: EvaluationReport) -> dict:
    """Everything a renderer reads, as JSON-ready data; `from_dict` gives the same report."""
    ex = report.extras or Extras()
    return {
        "lang": report.lang,
        "plan_key": report.plan_key,
        "plan_title": report.plan_title,
        "as_of": _d(report.as_of),
        "generated_at": report.generated_at.isoformat(),
        "synthetic": report.synthetic,
        "summary": dict(report.summary.counts),
        "by_section": [_group(g) for g in report.by_section],
        "by_unit": [_group(g) for g in report.by_unit],
        "targets": [
            {
                **{k: getattr(t, k) for k in _TARGET_PLAIN},
                "deadline": _d(t.deadline),
                "projected_date": _d(t.projected_date),
                "series": [[_d(d), v] for d, v in t.series],
            }
            for t in report.targets
        ],
        "warnings": [
            {"kind": w.kind, "target_key": w.target_key, "text": w.text, "detail": w.detail}
            for w in report.warnings
        ],
        "source_note": report.source_note,
        "extras": {
            "by_city": [_group(g) for g in ex.by_city],
            "kpis": [vars(k).copy() for k in ex.kpis],
            "kpi_year": ex.kpi_year,
            "kpi_source": ex.kpi_source,
            "ranking": None
            if ex.ranking is None
            else {
                "year": ex.ranking.year,
                "version": ex.ranking.version,
                "published_on": _d(ex.ranking.published_on),
                "count": ex.ranking.count,
                "top": [vars(r).copy() for r in ex.ranking.top],
                "by_city": [list(x) for x in ex.ranking.by_city],
                "source": ex.ranking.source,
            },
            "narrative": None
            if ex.narrative is None
            else {k: getattr(ex.narrative, k) for k in Narrative.FIELDS},
            "issue_number": ex.issue_number,
            "issued_on": _d(ex.issued_on),
            "issuer": ex.issuer,
            "by_city_source": ex.by_city_source,
            "by_unit_source": ex.by_unit_source,
        },
    }


_TARGET_PLAIN = (
    "key",
    "section_ref",
    "text",
    "scope",
    "responsible",
    "deadline_text",
    "target_display",
    "latest_value",
    "latest_period",
    "forecast_display",
    "status",
    "measure_status",
    "flags",
    "target_value",
)


def from_dict(d: dict) -> EvaluationReport:
    """The report `to_dict` stored, rebuilt exactly (an issued report re-renders the same)."""
    ex = d.get("extras") or {}
    rk = ex.get("ranking")
    report = EvaluationReport(
        lang=d["lang"],
        plan_key=d["plan_key"],
        plan_title=d["plan_title"],
        as_of=_pd(d["as_of"]),
        generated_at=datetime.fromisoformat(d["generated_at"]),
        synthetic=d["synthetic"],
        summary=StatusCounts(dict(d["summary"])),
        by_section=[_ungroup(g) for g in d["by_section"]],
        by_unit=[_ungroup(g) for g in d["by_unit"]],
        targets=[
            TargetRow(
                **{k: t[k] for k in _TARGET_PLAIN},
                deadline=_pd(t["deadline"]),
                projected_date=_pd(t["projected_date"]),
                series=[(_pd(x), v) for x, v in t["series"]],
            )
            for t in d["targets"]
        ],
        warnings=[WarningRow(**w) for w in d["warnings"]],
        source_note=d.get("source_note", ""),
    )
    report.extras = Extras(
        by_city=[_ungroup(g) for g in ex.get("by_city", [])],
        kpis=[KpiRow(**k) for k in ex.get("kpis", [])],
        kpi_year=ex.get("kpi_year"),
        kpi_source=ex.get("kpi_source", ""),
        ranking=None
        if rk is None
        else RankingSummary(
            year=rk["year"],
            version=rk["version"],
            published_on=_pd(rk["published_on"]),
            count=rk["count"],
            top=[RankingRow(**r) for r in rk["top"]],
            by_city=[(c, n) for c, n in rk["by_city"]],
            source=rk.get("source", ""),
        ),
        narrative=None if ex.get("narrative") is None else Narrative(**ex["narrative"]),
        issue_number=ex.get("issue_number", ""),
        issued_on=_pd(ex.get("issued_on")),
        issuer=ex.get("issuer", ""),
        by_city_source=ex.get("by_city_source", ""),
        by_unit_source=ex.get("by_unit_source", ""),
    )
    return report
