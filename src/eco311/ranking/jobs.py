"""The ranking's background job (core/jobs.py finds it here)."""

from typing import Any

from eco311.core import jobs
from eco311.ranking.engine import parse_methodology
from eco311.ranking.models import RankingList
from eco311.ranking.service import JOB_KIND, METHODOLOGY_FILE, compute, save


@jobs.handler(JOB_KIND)
def run_job(ctx: jobs.Context, ranking: int) -> dict[str, Any]:
    """The background job behind ``start``: compute, then save; a failure fails the list."""
    target = RankingList.objects.get(pk=ranking)
    try:
        methodology = parse_methodology(target.methodology_text, METHODOLOGY_FILE.name)
        draft = compute(
            target.year,
            methodology,
            top_n=target.top_n,
            samples=target.uncertainty.get("samples", 0),
            seed=target.uncertainty.get("seed", 0),
            progress=ctx.progress,
        )
        ctx.progress(0.95, "保存草稿", "saving the draft")
        save(target, draft)
    except Exception:
        RankingList.objects.filter(pk=ranking).update(status=RankingList.Status.FAILED)
        raise
    return {"ranking": ranking, "ranked": draft.summary["ranked"]}
