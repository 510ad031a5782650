"""Running, saving, publishing and discarding a year's ranking. Business rules live here.

    ranking = start(year=2024, actor=admin)     # a draft in the making; a job computes it
    publish(ranking, actor=admin)               # immutable from now on, version 1, 2, …

``actor`` is the caller's ``accounts.scopes.Actor`` (built by the web or API layer): the
ranking package sits below accounts and never imports it; it only asks the Actor.

The computing (``compute``) reads approved returns, applies the eligibility rules, runs the
methodology file with the pure engine and, if asked, the uncertainty analysis; ``save`` writes
every entry in one transaction, so a failed run leaves nothing behind but the failed list.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.core import jobs
from eco311.enterprises.models import AnnualReturn
from eco311.ranking.engine import DataTable, Methodology, parse_methodology, run
from eco311.ranking.engine.uncertainty import analyse
from eco311.ranking.inputs import RETURN_FIELDS, input_rows
from eco311.ranking.models import RankingEntry, RankingList

METHODOLOGY_FILE = Path(__file__).parent / "data" / "methodology-311.yaml"
METHODOLOGY_KEY = "311-top100"
JOB_KIND = "ranking.run"

Progress = Callable[[float, str, str], None]


def methodology_text() -> str:
    """The current default methodology file, as text (what a new list is computed with)."""
    return METHODOLOGY_FILE.read_text(encoding="utf-8")


def load_default() -> Methodology:
    return parse_methodology(methodology_text(), METHODOLOGY_FILE.name)


# ---------------------------------------------------------------------------------------------
# Starting and computing
# ---------------------------------------------------------------------------------------------


def survey_years() -> list[int]:
    """Years with approved returns, newest first: the years that can be ranked."""
    return sorted(
        set(
            AnnualReturn.objects.filter(status=AnnualReturn.Status.APPROVED)
            .values_list("year", flat=True)
            .distinct()
        ),
        reverse=True,
    )


def start(
    *, year: int, actor, top_n: int = 100, samples: int | None = None, seed: int | None = None
) -> RankingList:
    """Create a list for ``year`` and queue the job that computes it (admin only).

    ``samples`` and ``seed`` override the methodology's uncertainty analysis (base sample size
    N; 0 runs none); by default the file's settings apply.
    """
    if not actor.can_run_rankings:
        raise PermissionDenied
    user = actor.user
    if year not in survey_years():
        raise ValidationError({"year": _("There are no approved returns for this year.")})
    if top_n < 1:
        raise ValidationError({"top_n": _("The list needs at least one place.")})
    if samples is not None and samples != 0 and samples < 2:
        raise ValidationError({"samples": _("The uncertainty analysis needs at least 2 samples.")})
    text = methodology_text()
    methodology = parse_methodology(text, METHODOLOGY_FILE.name)
    spec = methodology.uncertainty
    if samples is None:
        samples = spec.samples if spec.enabled else 0
    settings = {"samples": samples, "seed": spec.seed if seed is None else seed}
    with transaction.atomic():
        ranking = RankingList.objects.create(
            year=year,
            top_n=top_n,
            methodology_key=METHODOLOGY_KEY,
            methodology_name_zh=methodology.name.zh or methodology.name.en or "",
            methodology_name_en=methodology.name.en or methodology.name.zh or "",
            methodology_text=text,
            methodology_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            uncertainty=settings,
            created_by=user,
            modified_by=user,
        )
        ranking.job = jobs.enqueue(JOB_KIND, {"ranking": ranking.pk}, user=user)
        ranking.save(update_fields=["job"])
    return ranking


def _returns(year: int) -> list[dict[str, Any]]:
    qs = AnnualReturn.objects.filter(year=year, status=AnnualReturn.Status.APPROVED).order_by()
    rows = qs.values(
        "enterprise_id",
        "enterprise__uscc",
        "enterprise__name",
        "enterprise__city__code",
        "enterprise__segment",
        *RETURN_FIELDS,
    )
    return [
        {
            **{k: r[k] for k in RETURN_FIELDS},
            "enterprise_id": r["enterprise_id"],
            "uscc": r["enterprise__uscc"],
            "name": r["enterprise__name"],
            "city_code": r["enterprise__city__code"],
            "segment": r["enterprise__segment"],
        }
        for r in rows
    ]


@dataclass
class Draft:
    """A computed ranking before it is saved: one dict per enterprise (RankingEntry fields)."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def _plain(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def compute(
    year: int,
    methodology: Methodology,
    *,
    top_n: int = 100,
    samples: int = 0,
    seed: int = 0,
    progress: Progress | None = None,
) -> Draft:
    """Rank the approved returns of ``year`` with ``methodology`` (nothing is written).

    With ``samples`` (at least 2), the methodology's uncertainty analysis runs too, with that
    base sample size and ``seed``: every ranked entry gets its rank band and P(top ``top_n``).
    """
    say = progress or (lambda fraction, zh, en: None)
    say(0.05, "读取已审核年报", "reading the approved returns")
    current = _returns(year)
    if not current:
        raise ValueError(f"no approved returns for {year}")
    ids = {r["uscc"]: r["enterprise_id"] for r in current}
    rows = input_rows(current, _returns(year - 1))

    say(0.2, "计算综合指数", "computing the index")
    table = DataTable.from_records(rows, methodology.unit_column)
    result = run(table, methodology)
    if len(result.excluded) == len(rows):
        raise ValueError(f"no enterprise of {year} meets the eligibility rules")
    rules = {r.code: r for r in methodology.eligibility.rules}
    excluded = {
        unit: (
            code,
            rules[code].reason.zh or rules[code].reason.en or code,
            rules[code].reason.en or rules[code].reason.zh or code,
        )
        for unit, code in result.excluded.items()
    }
    bands: dict[str, dict[str, float]] = {}
    sobol: dict[str, dict[str, float]] = {}
    if samples:
        say(0.35, "不确定性与敏感性分析", "uncertainty and sensitivity analysis")
        analysis = analyse(table, _with_top_n(methodology, top_n), samples=samples, seed=seed)
        bands = {row["unit"]: row for row in analysis.table()}
        sobol = {
            factor: {"first_order": s.first_order, "total": s.total}
            for factor, s in analysis.sobol.items()
        }
    codes = [i.code for i in methodology.indicators]
    removed = set(result.removed)
    kept = {u: i for i, u in enumerate(result.ranks.units)}
    group_codes = [c for frame in result.aggregated.values() for c in frame.columns]
    index = result.index
    index_ranks = result.ranks.column(methodology.index_code)

    say(0.8, "整理结果", "assembling the entries")
    entries = []
    for row in rows:
        uscc = row["uscc"]
        entry: dict[str, Any] = {
            "enterprise_id": ids[uscc],
            "uscc": uscc,
            "name": row["name"] or "",
            "city_code": row["city_code"] or "",
            "segment": row["segment"] or "",
        }
        reason = excluded.get(uscc)
        if reason is None and uscc in removed:
            reason = (
                "too_little_data",
                "缺报指标过多，未参加排名",
                "Too many indicators left blank to be ranked",
            )
        if reason is not None:
            entry.update(
                eligible=False,
                excluded_code=reason[0],
                excluded_zh=reason[1],
                excluded_en=reason[2],
            )
            entries.append(entry)
            continue
        i = kept[uscc]
        entry.update(
            eligible=True,
            score=_plain(index[i]),
            rank=int(index_ranks[i]) if not math.isnan(index_ranks[i]) else None,
            values={c: _plain(result.denominated.value(uscc, c)) for c in codes},
            normalised={c: _plain(result.normalised.value(uscc, c)) for c in codes},
            imputed=[
                c
                for c in codes
                if math.isnan(result.denominated.value(uscc, c))
                and not math.isnan(result.imputed.value(uscc, c))
            ],
            group_scores={
                c: _plain(frame.value(uscc, c))
                for frame in result.aggregated.values()
                for c in frame.columns
            },
            group_ranks={c: _plain(result.ranks.value(uscc, c)) for c in group_codes},
        )
        band = bands.get(uscc)
        if band is not None:
            entry.update(
                median_rank=band["median_rank"],
                rank_p05=band["rank_q05"],
                rank_p95=band["rank_q95"],
                p_top=band["p_top"],
            )
        entries.append(entry)
    ranked = sum(1 for e in entries if e.get("rank") is not None)
    summary = {
        "candidates": len(rows),
        "eligible": len(rows) - len(excluded),
        "ranked": ranked,
        "excluded": {
            code: sum(1 for e in entries if e.get("excluded_code") == code)
            for code in sorted({e["excluded_code"] for e in entries if e.get("excluded_code")})
        },
        "warnings": list(result.warnings),
        "treatments": {code: t.outcome for code, t in result.treatments.items()},
        "top_n": top_n,
        "uncertainty": {"samples": samples, "seed": seed, "sobol": sobol} if samples else None,
    }
    return Draft(entries, summary)


def _with_top_n(methodology: Methodology, top_n: int) -> Methodology:
    """The methodology with the list's length as the N of P(top N)."""
    spec = methodology.uncertainty.model_copy(update={"enabled": True, "top_n": top_n})
    return methodology.model_copy(update={"uncertainty": spec})


def _previous_ranks(year: int) -> dict[str, int]:
    """uscc -> rank in the latest published list of ``year``."""
    latest = (
        RankingList.objects.filter(year=year, status=RankingList.Status.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if latest is None:
        return {}
    return dict(latest.entries.filter(rank__isnull=False).values_list("uscc", "rank"))


@transaction.atomic
def save(ranking: RankingList, draft: Draft) -> None:
    """Write the draft's entries (replacing any earlier ones) and mark the list a draft."""
    previous = _previous_ranks(ranking.year - 1)
    ranking.entries.all().delete()
    RankingEntry.objects.bulk_create(
        RankingEntry(ranking=ranking, previous_rank=previous.get(e["uscc"]), **e)
        for e in draft.entries
    )
    ranking.summary = draft.summary
    ranking.status = RankingList.Status.DRAFT
    ranking.save(update_fields=["summary", "status", "modified_on"])


# ---------------------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------------------


def _locked(ranking: RankingList) -> RankingList:
    """The list's row as stored, locked until the transaction ends, with every other list of
    its year (in one order, so that two decisions never wait for each other).

    Two decisions on one list (publish and discard at the same moment, or publish twice) queue
    here, and the second sees the state the first left instead of the one it loaded; two
    drafts of one year published at once get different versions.
    """
    rows = RankingList.objects.select_for_update().filter(year=ranking.year).order_by("pk")
    return {r.pk: r for r in rows}[ranking.pk]


def _already_decided(ranking: RankingList) -> ValidationError:
    return ValidationError(
        _("This list has already been decided on: it is %(status)s now.")
        % {"status": ranking.get_status_display()},
        code="already_decided",
    )


@transaction.atomic
def publish(ranking: RankingList, *, actor) -> RankingList:
    """Publish a draft as the year's next version; from then on it never changes."""
    if not actor.can_run_rankings:
        raise PermissionDenied
    ranking = _locked(ranking)
    if ranking.status != RankingList.Status.DRAFT:
        if ranking.status in (RankingList.Status.PUBLISHED, RankingList.Status.DISCARDED):
            raise _already_decided(ranking)
        raise ValidationError(_("Only a draft can be published."))
    latest = RankingList.objects.filter(year=ranking.year).aggregate(v=Max("version"))["v"]
    ranking.version = (latest or 0) + 1
    ranking.status = RankingList.Status.PUBLISHED
    ranking.published_on = timezone.now()
    ranking.published_by = actor.user
    ranking.modified_by = actor.user
    ranking._change_reason = "publish"
    ranking.save()
    return ranking


@transaction.atomic
def discard(ranking: RankingList, *, actor) -> RankingList:
    """Set a draft (or a failed run) aside; it stays on record, it is not deleted.

    A published list is never discarded, even by a discard sent while it was being published:
    the decision is taken on the locked row.
    """
    if not actor.can_run_rankings:
        raise PermissionDenied
    ranking = _locked(ranking)
    if ranking.status not in (RankingList.Status.DRAFT, RankingList.Status.FAILED):
        if ranking.status in (RankingList.Status.PUBLISHED, RankingList.Status.DISCARDED):
            raise _already_decided(ranking)
        raise ValidationError(_("Only a draft or a failed run can be discarded."))
    ranking.status = RankingList.Status.DISCARDED
    ranking.modified_by = actor.user
    ranking._change_reason = "discard"
    ranking.save()
    return ranking
