"""What the ranking pages show, as plain data: a run's state, the top N of a list, why
enterprises were left out, what a reviewer checks, an enterprise's profile in a list and the
methodology page.

Everything here is drawn from what a list stored (its entries and its methodology snapshot),
never from the current methodology file, so a published page cannot change. Who may see a list
or an entry is decided before these are called (accounts/scopes.py); the views
(web/views/rankings.py) render what they return and the exports (ranking/exports.py) reuse them.
"""

from __future__ import annotations

import functools
import hashlib
import statistics
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from eco311.core.jobs import JobState
from eco311.core.models import Job, is_english
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.geo.models import Area
from eco311.ranking import service
from eco311.ranking.engine import Methodology, parse_methodology
from eco311.ranking.models import RankingEntry, RankingList


class Viewer(Protocol):
    """What the pages ask of the caller's ``accounts.scopes.Actor`` (passed in by the views:
    ranking sits below accounts and does not import it)."""

    @property
    def can_see_enterprises(self) -> bool: ...

    def can_see_ranking_entry(self, entry: RankingEntry) -> bool: ...


#: Normalisations whose scores end at the high end of steps.normalise.range: only for these
#: can a group's bar show how far the enterprise is from full marks.
BOUNDED = ("minmax", "goalposts")

#: Columns of the ranking's input rows made from survey fields (ranking/inputs.py): shown
#: on the methodology page as the fields they add up.
DERIVED = {
    "env_revenue": ("env_revenue_manufacturing", "env_revenue_services", "env_revenue_resource"),
    "standards": ("standards_national", "standards_industry"),
    "credit_score": ("credit_rating",),
}

#: Indicators made from several survey fields take the unit of the first of them.
UNIT_FIELD = {"env_revenue": "env_revenue_manufacturing", "standards": "standards_national"}

STEP_TITLES = {
    "denominate": gettext_lazy("Denomination"),
    "impute": gettext_lazy("Imputation of missing values"),
    "screen": gettext_lazy("Screening by data availability"),
    "transform": gettext_lazy("Indicator transforms"),
    "treat": gettext_lazy("Outlier treatment"),
    "normalise": gettext_lazy("Normalisation"),
}

SETTING_LABELS = {
    "method": gettext_lazy("Method"),
    "group_column": gettext_lazy("Grouping column"),
    "threshold": gettext_lazy("Minimum share of indicators with a value"),
    "measured_on": gettext_lazy("Counted on"),
    "skew_threshold": gettext_lazy("Skewness threshold"),
    "kurtosis_threshold": gettext_lazy("Kurtosis threshold"),
    "winsorise_max_points": gettext_lazy("Most points winsorised"),
    "fallback": gettext_lazy("Fallback"),
    "range": gettext_lazy("Range"),
    "mean_sd": gettext_lazy("Mean and standard deviation"),
    "truncate": gettext_lazy("Truncate at the goalposts"),
    "cap_at_target": gettext_lazy("No credit beyond the target"),
}

AGGREGATION_LABELS = {
    "arithmetic": gettext_lazy("weighted arithmetic mean"),
    "geometric": gettext_lazy("weighted geometric mean"),
    "harmonic": gettext_lazy("weighted harmonic mean"),
    "generalised": gettext_lazy("weighted generalised mean"),
    "median": gettext_lazy("weighted median"),
    "copeland": gettext_lazy("Copeland (pairwise wins)"),
}

TREATMENT_LABELS = {
    "winsorised": gettext_lazy("winsorised"),
    "log_ct": gettext_lazy("log-transformed (log_CT)"),
    "still_failing": gettext_lazy("still skewed after treatment"),
}

#: The uncertain choices of the analysis, as the engine names its Sobol factors.
FACTOR_LABELS = {
    "weights": gettext_lazy("Weights"),
    "treatment": gettext_lazy("Outlier treatment"),
    "normalisation": gettext_lazy("Normalisation"),
    "aggregation": gettext_lazy("Aggregation"),
}

CONTRIBUTION_COLOUR = "#0b5d52"
GAP_COLOUR = "#d9e2e0"
MEDIAN_COLOUR = "#e65100"


@functools.lru_cache(maxsize=32)
def methodology_of(text: str) -> Methodology:
    """The methodology a list was computed with, parsed from its snapshot (cached by text)."""
    return parse_methodology(text, service.METHODOLOGY_FILE.name)


def text_of(text) -> str:
    """A methodology Text (zh/en) in the active language, Chinese first."""
    if text is None:
        return ""
    zh, en = text.zh or "", text.en or ""
    if is_english():
        return en or zh
    return zh or en


def samples_of(ranking: RankingList) -> int:
    """The base sample of a list's uncertainty analysis (0: it had none)."""
    return int((ranking.uncertainty or {}).get("samples") or 0)


def city_names() -> dict[str, str]:
    """City code -> its short name (in the active language)."""
    return {a.code: a.short_name for a in Area.objects.filter(kind="city")}


def _number(value: float | None, digits: int = 2) -> str:
    """A value for a table: counts without decimals, other values with ``digits``."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


# ---------------------------------------------------------------------------------------------
# The state of a run
# ---------------------------------------------------------------------------------------------


def run_state(ranking: RankingList) -> JobState:
    job = ranking.job
    if ranking.status == RankingList.Status.COMPUTING:
        if job is None:
            return JobState("failed", error=_("The job of this run is missing."))
        if job.status == Job.Status.FAILED:
            return JobState("failed", round(job.progress * 100), job.step, job.error)
        if job.status == Job.Status.QUEUED:
            return JobState("queued", 0, _("Waiting for a worker to start the job"))
        if job.status == Job.Status.DONE:  # the handler always saves before it ends
            return JobState("failed", 100, job.step, _("The job ended without saving the list."))
        return JobState("running", round(job.progress * 100), job.step)
    if ranking.status == RankingList.Status.FAILED:
        if job is not None and not job.finished:
            # The handler marked the list failed; the worker is about to record the reason.
            return JobState("running", round(job.progress * 100), job.step)
        return JobState(
            "failed",
            round(job.progress * 100) if job else 0,
            job.step if job else "",
            job.error if job else "",
        )
    return JobState("done", 100, job.step if job else "")


# ---------------------------------------------------------------------------------------------
# The lists
# ---------------------------------------------------------------------------------------------


def default_samples() -> int:
    """The base sample of the methodology file's uncertainty analysis (0 when it has none)."""
    spec = methodology_of(service.methodology_text()).uncertainty
    return spec.samples if spec.enabled else 0


@dataclass
class Row:
    entry: RankingEntry
    city: str
    groups: list[float | None]
    linked: bool
    p_top: float | None = None


@dataclass
class TopList:
    """The top N of a list as the page, the PDF and the workbook show it."""

    groups: list[tuple[str, str]]  # (code, name) of the first level's groups
    rows: list[Row] = field(default_factory=list)
    has_band: bool = False
    has_p_top: bool = False
    has_previous: bool = False


def top_list(ranking: RankingList, m: Methodology, viewer: Viewer) -> TopList:
    """The top N; a row links to the entry's page when ``viewer`` may see its details."""
    cities = city_names()
    groups = [(g.code, text_of(g.name) or g.code) for g in m.levels[0].groups]
    entries = ranking.entries.filter(rank__isnull=False, rank__lte=ranking.top_n)
    entries = entries.select_related("enterprise").order_by("rank", "uscc")
    top = TopList(groups)
    for e in entries:
        top.rows.append(
            Row(
                entry=e,
                city=cities.get(e.city_code, e.city_code),
                groups=[e.group_scores.get(code) for code, _name in groups],
                linked=viewer.can_see_enterprises and viewer.can_see_ranking_entry(e),
                p_top=e.p_top * 100 if e.p_top is not None else None,
            )
        )
    top.has_band = any(r.entry.rank_p05 is not None for r in top.rows)
    top.has_p_top = any(r.entry.p_top is not None for r in top.rows)
    top.has_previous = RankingList.objects.filter(
        year=ranking.year - 1, status=RankingList.Status.PUBLISHED
    ).exists() or any(r.entry.previous_rank is not None for r in top.rows)
    return top


def exclusions(ranking: RankingList) -> list[dict[str, Any]]:
    """Why the enterprises that are not ranked were left out, most frequent reason first."""
    rows = (
        ranking.entries.filter(eligible=False)
        .values("excluded_code", "excluded_zh", "excluded_en")
        .annotate(n=Count("id"))
        .order_by("-n", "excluded_code")
    )
    english = is_english()
    return [
        {
            "code": r["excluded_code"],
            "reason": (r["excluded_en"] or r["excluded_zh"])
            if english
            else (r["excluded_zh"] or r["excluded_en"]),
            "n": r["n"],
        }
        for r in rows
    ]


def review(ranking: RankingList, m: Methodology) -> dict[str, Any]:
    """What a reviewer checks before publishing: counts, warnings and outlier treatments."""
    summary = ranking.summary or {}
    names = {i.code: text_of(i.name) or i.code for i in m.indicators}
    sobol = [
        {
            "factor": factor,
            "label": FACTOR_LABELS.get(factor, factor),
            "first": s.get("first_order"),
            "total": s.get("total"),
        }
        for factor, s in ((summary.get("uncertainty") or {}).get("sobol") or {}).items()
    ]
    treatments = [
        {"code": code, "name": names.get(code, code), "outcome": TREATMENT_LABELS[outcome]}
        for code, outcome in (summary.get("treatments") or {}).items()
        if outcome in TREATMENT_LABELS
    ]
    return {
        "candidates": summary.get("candidates"),
        "eligible": summary.get("eligible"),
        "ranked": summary.get("ranked"),
        "warnings": summary.get("warnings") or [],
        "treatments": treatments,
        "samples": samples_of(ranking),
        "seed": (ranking.uncertainty or {}).get("seed"),
        "sobol": sobol,
    }


# ---------------------------------------------------------------------------------------------
# An enterprise's profile in a list
# ---------------------------------------------------------------------------------------------


def _units() -> dict[str, str]:
    """Survey field -> its unit in the active language."""
    lang = "en" if is_english() else "zh"
    out = {}
    for key, spec in load_dictionary().by_key.items():
        if spec.unit is not None:
            out[key] = spec.unit.get(lang) or ""
    return out


def indicator_unit(indicator, units: dict[str, str]) -> str:
    """The unit of a value as stored: the survey field's when the indicator is not a ratio
    (ratios carry their unit in their name, e.g. "研发经费投入强度（%）")."""
    if indicator.denominator:
        return ""
    return units.get(UNIT_FIELD.get(indicator.source_column, indicator.source_column), "")


def weight_shares(m: Methodology, scores: dict[str, float | None] | None = None):
    """Each group's share of the index: its weight over its present siblings' weights, times
    its parent's share. With ``scores``, groups without a score weigh nothing (the engine
    re-normalises weights over the values present); without, the nominal shares."""
    where = {g.code: (k, g) for k, level in enumerate(m.levels) for g in level.groups}

    def present(code):
        return scores is None or scores.get(code) is not None

    @functools.cache
    def share(code: str) -> float:
        k, group = where[code]
        if group.parent is None:
            return 1.0
        siblings = [g for g in m.levels[k].groups if g.parent == group.parent and present(g.code)]
        total = sum(g.weight for g in siblings)
        if not present(code) or not total:
            return 0.0
        return group.weight / total * share(group.parent)

    return {code: share(code) for code in where}


def _group_medians(ranking: RankingList, codes: list[str]) -> dict[str, float | None]:
    columns: dict[str, list[float]] = {c: [] for c in codes}
    for scores in ranking.entries.filter(rank__isnull=False).values_list("group_scores", flat=True):
        for c in codes:
            v = scores.get(c)
            if v is not None:
                columns[c].append(v)
    return {c: statistics.median(v) if v else None for c, v in columns.items()}


def profile(ranking: RankingList, entry: RankingEntry, m: Methodology) -> dict[str, Any]:
    """The numbers behind a ranked entry's score: its groups (score, rank, share of the index,
    contribution, the median of the ranked) with their indicators, and the two charts."""
    units = _units()
    scores = entry.group_scores or {}
    shares = weight_shares(m, scores)
    high = m.steps.normalise.range[1] if m.steps.normalise.method in BOUNDED else None
    codes = [g.code for g in m.levels[0].groups]
    medians = _group_medians(ranking, codes)
    groups = []
    for g in m.levels[0].groups:
        score = scores.get(g.code)
        members = [i for i in m.indicators if i.parent == g.code]
        weights = sum(i.weight for i in members) or 1.0
        groups.append(
            {
                "code": g.code,
                "name": text_of(g.name) or g.code,
                "score": score,
                "rank": (entry.group_ranks or {}).get(g.code),
                "share": shares[g.code] * 100,
                "contribution": shares[g.code] * score if score is not None else None,
                "median": medians[g.code],
                "indicators": [
                    {
                        "code": i.code,
                        "name": text_of(i.name) or i.code,
                        "unit": indicator_unit(i, units),
                        "value": _number((entry.values or {}).get(i.code)),
                        "normalised": (entry.normalised or {}).get(i.code),
                        "imputed": i.code in (entry.imputed or []),
                        "direction": i.direction,
                        "weight": i.weight / weights * 100,
                    }
                    for i in members
                ],
            }
        )
    contribution_chart = {
        "categories": [g["name"] for g in groups],
        "horizontal": True,
        "series": [
            {
                "code": "contribution",
                "name": _("Contribution to the index"),
                "color": CONTRIBUTION_COLOUR,
                "data": [round(g["contribution"] or 0, 2) for g in groups],
            }
        ],
    }
    if high is not None:
        contribution_chart["series"].append(
            {
                "code": "gap",
                "name": _("Short of full marks"),
                "color": GAP_COLOUR,
                "data": [
                    round(shares[g["code"]] * (high - g["score"]), 2)
                    if g["score"] is not None
                    else 0
                    for g in groups
                ],
            }
        )
        contribution_chart["totalLabel"] = _("Most the group can add")
    radar: dict[str, Any] = {
        "indicators": [{"name": g["name"], "max": high} for g in groups],
        "series": [
            {
                "name": entry.name,
                "values": [g["score"] for g in groups],
                "color": CONTRIBUTION_COLOUR,
                "area": True,
            },
            {
                "name": _("Median of the ranked enterprises"),
                "values": [g["median"] for g in groups],
                "color": MEDIAN_COLOUR,
                "dashed": True,
            },
        ],
    }
    if high is not None:
        radar["min"] = m.steps.normalise.range[0]
    return {
        "groups": groups,
        "contribution_chart": contribution_chart,
        "radar": radar,
        "additive": all(level.aggregation.method == "arithmetic" for level in m.levels),
        "p_top": entry.p_top * 100 if entry.p_top is not None else None,
    }


# ---------------------------------------------------------------------------------------------
# The methodology page
# ---------------------------------------------------------------------------------------------


def _setting_value(key: str, value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, tuple | list):
        return " – ".join("—" if v is None else f"{v:g}" for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _relevant(step_key: str, step) -> set[str]:
    """The settings of a step that its method uses (the others are kept but do nothing)."""
    keys = set(step.model_dump().keys()) - {"enabled", "rationale"}
    if step_key == "impute" and not step.method.startswith("group_"):
        keys.discard("group_column")
    if step_key == "normalise":
        used = {
            "minmax": {"range"},
            "goalposts": {"range", "truncate"},
            "zscore": {"mean_sd"},
            "distance_to_target": {"cap_at_target"},
        }.get(step.method, set())
        keys -= {"range", "mean_sd", "truncate", "cap_at_target"} - used
    return keys


def _choice_text(choice: dict[str, Any]) -> str:
    """An alternative of the uncertainty analysis: the settings it changes, or the nominal."""
    if not choice:
        return _("as set in the step")
    if choice.get("enabled") is False:
        return pgettext("step", "off")
    return ", ".join(f"{k} = {_setting_value(k, v)}" for k, v in choice.items())


def _transform_text(transform) -> str:
    parts = []
    low, high = transform.cap
    if low is not None or high is not None:
        parts.append(
            _("capped at %(low)s and %(high)s")
            % {
                "low": "—" if low is None else f"{low:g}",
                "high": "—" if high is None else f"{high:g}",
            }
        )
    if transform.log:
        offset = transform.log_offset
        parts.append(f"ln(x + {offset:g})" if offset else "ln(x)")
    return "; ".join(parts)


def methodology_context(m: Methodology, text: str) -> dict[str, Any]:
    """Everything the methodology page shows, generated from the file (nothing typed twice)."""
    d = load_dictionary().by_key
    lang = "en" if is_english() else "zh"

    def column(name: str | None) -> str:
        """A data column in words: a survey field's label, or how a derived column is made."""
        if not name:
            return ""
        if name in d:
            return d[name].label.get(lang)
        if name in DERIVED:
            return " + ".join(column(part) for part in DERIVED[name])
        if name.endswith("_growth"):
            return _("%(column)s, growth over the previous year") % {
                "column": column(name.removesuffix("_growth"))
            }
        return name

    steps = []
    for key, title in STEP_TITLES.items():
        step = getattr(m.steps, key)
        used = _relevant(key, step)
        settings_ = [
            (SETTING_LABELS.get(k, k), k, _setting_value(k, v))
            for k, v in step.model_dump().items()
            if k in used
        ]
        steps.append(
            {
                "key": key,
                "title": title,
                "enabled": step.enabled,
                "rationale": text_of(step.rationale),
                "settings": settings_,
            }
        )
    nominal = weight_shares(m)
    levels = []
    for k, level in enumerate(m.levels):
        groups = []
        for g in level.groups:
            siblings = [s for s in level.groups if s.parent == g.parent]
            total = sum(s.weight for s in siblings) or 1.0
            groups.append(
                {
                    "code": g.code,
                    "name": text_of(g.name) or g.code,
                    "weight": g.weight,
                    "share": g.weight / total * 100 if g.parent else None,
                    "direction": g.direction,
                    "rationale": text_of(g.rationale),
                    "parent": g.parent,
                }
            )
        levels.append(
            {
                "name": level.name,
                "number": k + 1,
                "aggregation": AGGREGATION_LABELS[level.aggregation.method],
                "p": level.aggregation.p,
                "groups": groups,
            }
        )
    group_names = {g.code: text_of(g.name) or g.code for lv in m.levels for g in lv.groups}
    indicators = []
    for g in m.levels[0].groups:
        members = [i for i in m.indicators if i.parent == g.code]
        total = sum(i.weight for i in members) or 1.0
        for i in members:
            indicators.append(
                {
                    "code": i.code,
                    "name": text_of(i.name) or i.code,
                    "group": group_names[g.code],
                    "column": column(i.source_column),
                    "direction": i.direction,
                    "weight": i.weight,
                    "share": i.weight / total * 100,
                    "index_share": i.weight / total * nominal[g.code] * 100,
                    "denominator": column(i.denominator),
                    "denominator_scale": f"{i.denominator_scale:g}",
                    "transform": _transform_text(i.transform),
                    "rationale": text_of(i.rationale),
                }
            )
    eligibility = [
        {"code": rule.code, "rule": text_of(rule.reason)} for rule in m.eligibility.rules
    ]
    u = m.uncertainty
    return {
        "m": m,
        "name": text_of(m.name),
        "rationale": text_of(m.rationale),
        "steps": steps,
        "levels": levels,
        "indicators": indicators,
        "eligibility": eligibility,
        "eligibility_rationale": text_of(m.eligibility.rationale),
        "screen": m.steps.screen,
        "screen_percent": m.steps.screen.threshold * 100,
        "uncertainty": {
            "enabled": u.enabled,
            "rationale": text_of(u.rationale),
            "samples": u.samples,
            "seed": u.seed,
            "top_n": u.top_n,
            "weight_noise": [
                (_("indicators") if key == "indicators" else key, noise * 100)
                for key, noise in u.weight_noise.items()
            ],
            "treatments": [_choice_text(c.model_dump(exclude_none=True)) for c in u.treatments],
            "normalisations": [
                _choice_text(c.model_dump(exclude_none=True)) for c in u.normalisations
            ],
            "aggregations": [
                f"{AGGREGATION_LABELS[a.method]}" + (f" (p = {a.p:g})" if a.p is not None else "")
                for a in u.aggregations
            ],
        },
        "text": text,
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "file": service.METHODOLOGY_FILE.name,
    }
