"""Gather what the official evaluation report says, from the database, for a plan and a date.

reports/build.py gives the tables report (statuses, sections, targets, warnings); this module
adds the city section, responsibility as the supervision loop knows it (named in the plan and
assigned), the survey KPIs, the Top-100 summary, and the plain facts narrative.py drafts its
paragraphs from. Every section carries its source and as-of date.

Source and section notes are written in both languages here rather than through the UI
catalogue: the report's language is the document's, fixed by its `lang`, whatever the reader's
interface language (the renderers' headings work the same way, reports/i18n.doc_label).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.utils.translation import override

from eco311.enterprises import kpi_data
from eco311.geo.models import Area
from eco311.plans import display, tracking
from eco311.plans.models import Plan
from eco311.plans.overview import by_section, rows_for, targets_qs
from eco311.ranking.models import RankingList
from eco311.reports.build import build_report
from eco311.reports.document import (
    EvaluationReport,
    Extras,
    GroupRow,
    KpiRow,
    Narrative,
    RankingRow,
    RankingSummary,
    StatusCounts,
)
from eco311.supervision.responsibility import responsible_for

from . import narrative as words

TOP_SHOWN = 10


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


@dataclass
class Gathered:
    report: EvaluationReport
    facts: words.Facts


def gather(plan: Plan, as_of, lang: str = "zh") -> Gathered:
    """The report's data (every section but the narrative) and the facts behind its words."""
    lang = "en" if lang == "en" else "zh"
    report = build_report(plan, as_of, lang)
    with override("en" if lang == "en" else "zh-hans"):
        rows = rows_for(targets_qs(plan=plan), as_of)
        targets = [r.target for r in rows]
        parties = responsible_for(targets)
        computed = {r.target.id: r.status for r in rows}
        warns = tracking.warnings(targets, as_of, computed)
        names = {t.id: [p.unit.name for p in parties[t.id]] for t in targets}
        for row in report.targets:
            tid = next(t.id for t in targets if t.key == row.key)
            row.responsible = names[tid] or row.responsible
        report.by_unit = _by_unit(rows, parties, lang)
        ex = Extras(
            by_city=_by_city(rows),
            by_city_source=_t(
                lang,
                "范围为某市或其所辖集群、园区的目标计入该市；省级目标不计入任何城市。",
                "A target scoped to a city, or to a cluster or park in it, counts for that city; "
                "provincial targets count for none.",
            ),
            by_unit_source=_t(
                lang,
                "责任单位包括计划明确的单位和省生态环境厅指定的牵头、协办单位；"
                "一项目标有多个责任单位的，分别计入各单位。",
                "Responsible units are those the plan names and those the plan owner assigned as "
                "lead or assisting; a target with several units counts for each of them.",
            ),
        )
        _kpis(ex, as_of, lang)
        ex.ranking = _ranking(as_of, lang)
        report.extras = ex
        facts = _facts(plan, as_of, lang, rows, parties, warns)
    return Gathered(report, facts)


def _by_unit(rows, parties, lang) -> list[GroupRow]:
    groups: dict[str, list] = {}
    unnamed = []
    for r in rows:
        ps = parties[r.target.id]
        for p in ps:
            groups.setdefault(p.unit.name, []).append(r)
        if not ps:
            unnamed.append(r)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    out = [GroupRow(k, k, StatusCounts.from_statuses(r.code for r in rs)) for k, rs in ordered]
    if unnamed:
        label = _t(lang, "未明确责任单位", "No responsible unit")
        out.append(GroupRow(label, label, StatusCounts.from_statuses(r.code for r in unnamed)))
    return out


def _by_city(rows) -> list[GroupRow]:
    """Cities in code order, each with its targets' status counts (cities with none left out)."""
    per: dict[str, list[str]] = {}
    for r in rows:
        code = r.target.scope.city_code()
        if code:
            per.setdefault(code, []).append(r.code)
    cities = Area.objects.filter(kind=Area.Kind.CITY, code__in=per).order_by("code")
    return [GroupRow(c.code, c.name, StatusCounts.from_statuses(per[c.code])) for c in cities]


def _kpis(ex: Extras, as_of, lang) -> None:
    """The indicators province-wide for the latest survey year up to the evaluation date, with
    the public small-count rule: an issued report is a document that leaves the platform, so a
    value built from too few enterprises is "—" whoever drafts it."""
    # A survey year's figures stand for the whole year: year Y counts once 31 December of Y is
    # past (as the survey-fed targets do), never "2025's figures as of June 2025".
    years = [y for y in kpi_data.years() if date(y, 12, 31) <= as_of]
    if not years:
        return
    year = years[0]
    ex.kpi_year = year
    rows = kpi_data.overview(year, reveal=None)
    ex.kpis = [
        KpiRow(
            key=r.indicator.key,
            label=r.label,
            value=r.value,
            unit=r.unit,
            n_enterprises=r.n_enterprises,
            withheld=r.withheld,
            number=_number(r.value),
        )
        for r in rows
        if r.n_enterprises is not None
    ]
    ex.kpi_source = _t(
        lang,
        f"来源：{year}年度生态环保企业年报（已审核）汇总，全省口径；"
        f"由少于{kpi_data.min_enterprises()}家企业构成的数值不予公布（“—”）。",
        f"Source: approved {year} annual returns of the enterprises, province-wide; values "
        f"built from fewer than {kpi_data.min_enterprises()} enterprises are not shown (“—”).",
    )


def _number(text: str) -> float | None:
    """The number a formatted KPI value shows ("1,224.00" → 1224.0; "—" → None)."""
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _ranking(as_of, lang) -> RankingSummary | None:
    """The latest Top-100 list published by the evaluation date."""
    published = (
        RankingList.objects.filter(status=RankingList.Status.PUBLISHED)
        .filter(published_on__date__lte=as_of)
        .order_by("-year", "-version")
        .first()
    )
    if published is None:
        return None
    ranked = list(
        published.entries.filter(rank__isnull=False, rank__lte=published.top_n).order_by("rank")
    )
    cities = {a.code: a.name for a in Area.objects.filter(kind=Area.Kind.CITY)}
    by_city = Counter(cities.get(e.city_code, e.city_code or "—") for e in ranked)
    pub = published.published_on.date() if published.published_on else None
    return RankingSummary(
        year=published.year,
        version=published.version,
        published_on=pub,
        count=len(ranked),
        top=[
            RankingRow(
                e.rank,
                e.name,
                cities.get(e.city_code, ""),
                "—" if e.score is None or math.isnan(e.score) else f"{e.score:.1f}",
            )
            for e in ranked[:TOP_SHOWN]
        ],
        by_city=sorted(by_city.items(), key=lambda kv: (-kv[1], kv[0])),
        source=_t(
            lang,
            f"来源：{published.year}年度生态环保产业百强榜单（第{published.version}版，"
            f"{display.long_date(pub)}发布）。",
            f"Source: the {published.year} Top-100 list (version {published.version}, published "
            f"{display.long_date(pub)}).",
        ),
    )


def _facts(plan, as_of, lang, rows, parties, warns) -> words.Facts:
    missing: dict[int, int] = {
        w.target.id: w.days or 0 for w in warns if w.kind == "missing_report"
    }
    lagging = []
    for r in rows:
        if r.code not in words.LAGGING:
            continue
        t, st = r.target, r.status
        fc = display.deciding_forecast(st)
        reach = getattr(fc, "reach_year", None) if fc is not None else None
        lagging.append(
            words.LaggingTarget(
                key=t.key,
                text=t.text,
                status=r.code,
                reasons=display.reasons_display(st),
                deadline=tracking.effective_deadline(t),
                target_display=display.target_display(t),
                latest=r.latest if st.latest else None,
                forecast=r.forecast if r.forecast != "—" else None,
                forecast_year=math.floor(reach) if reach is not None else None,
                units=[p.unit.name for p in parties[t.id]],
                kind=t.kind,
                no_recent_report=t.id in missing,
            )
        )
    silent: dict[str, tuple[list[str], int]] = {}
    keys = {r.target.id: r.target.key for r in rows}
    for tid, days in missing.items():
        ps = parties.get(tid) or []
        leads = [p for p in ps if p.is_lead] or ps
        for p in leads:
            ts, longest = silent.get(p.unit.name, ([], 0))
            silent[p.unit.name] = ([*ts, keys[tid]], max(longest, days))
    unassigned = sorted(keys[tid] for tid in missing if not parties.get(tid))
    return words.Facts(
        unreported_unassigned=unassigned,
        lang=lang,
        as_of=as_of,
        counts=StatusCounts.from_statuses(r.code for r in rows).counts,
        warnings=len(warns),
        lagging=lagging,
        silent_units=[words.SilentUnit(n, sorted(ts), d) for n, (ts, d) in silent.items()],
        sections=[
            (label, StatusCounts.from_statuses(r.code for r in rs).counts)
            for label, rs in by_section(rows)
        ],
        period_end=plan.period_end,
    )


def drafted(g: Gathered) -> Narrative:
    """The narrative as drafted from the data alone (before any edit)."""
    return words.draft(g.facts)
