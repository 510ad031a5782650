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
