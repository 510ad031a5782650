"""The chains part of the demo: true chain nodes and main-products texts for the synthetic
population, their truth rows, the 链主 tags' chains, the scorer's proposals, a few official
decisions and enterprise declarations; and ``measure()``, how well placement does on it.

Everything written here is synthetic and marked so; running it again changes nothing.

Use (src/eco311/demo.py)::

    counts = load_population(spec, products=products(seed))   # texts written at creation
    setup_chains_demo(Actor.of, counts.get("nodes"))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib.auth import get_user_model
from django.db import transaction

from eco311.chains import placements, textgen
from eco311.chains.models import Placement, SyntheticTruth
from eco311.chains.taxonomy import Taxonomy
from eco311.chains.taxonomy import load as load_taxonomy
from eco311.enterprises.models import Enterprise
from eco311.enterprises.survey.synthetic import Population

#: The reasons the demo's official decisions give (data, so in the officials' language).
CONFIRM_REASON = "经核对企业主营产品与现场情况，确认系统建议的产业链环节（演示）"
CORRECT_REASON = "系统建议与企业实际主营业务不符，按核实情况更正产业链环节（演示）"
#: How many enterprises the demo's administrator confirms and corrects, and how many declare.
CONFIRMATIONS = 2
CORRECTIONS = 2
DECLARATIONS = 3


def products(
    seed: int = 1, taxonomy: Taxonomy | None = None
) -> Callable[[Population], list[tuple[list[str], str, str | None]]]:
    """The ``products`` hook of enterprises.demo.load_population for a population's seed.

    textgen.population_products says what each enterprise gets.
    """

    def hook(population: Population) -> list[tuple[list[str], str, str | None]]:
        return textgen.population_products(
            population.enterprises, taxonomy or load_taxonomy(), seed=seed
        )

    return hook


@transaction.atomic
def setup_chains_demo(
    actor_of: Callable, nodes: Mapping[str, list[str]] | None = None
) -> dict[str, int]:
    """Truth rows, proposals, decisions and declarations for the synthetic enterprises.

    ``nodes``: uscc -> true nodes (what load_population returned with the products hook);
    without them (the population was loaded before) nothing is written. ``actor_of`` makes the
    accounts' Actor of a user (chains may not import accounts).

    Rule: truth rows only for synthetic enterprises, once; every synthetic enterprise is
    proposed for by the scorer; the demo administrator confirms a few proposals that are right
    and corrects a few that are wrong, each with a reason; a few enterprises (the enterprise
    persona's first) declare their nodes. Enterprises already decided or declared are skipped.
    """
    if not nodes or SyntheticTruth.objects.exists():
        return {}
    ids = dict(Enterprise.objects.filter(synthetic=True).values_list("uscc", "id"))
    truth = {ids[u]: list(n) for u, n in nodes.items() if u in ids}
    SyntheticTruth.objects.bulk_create(
        [SyntheticTruth(enterprise_id=pk, nodes=n) for pk, n in truth.items()], batch_size=2000
    )
    counts = {"truth": len(truth)}
    counts.update(placements.propose(Enterprise.objects.filter(synthetic=True)))
    counts.update(_decisions(actor_of, truth))
    return counts


def _decisions(actor_of: Callable, truth: dict[int, list[str]]) -> dict[str, int]:
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    effective = placements.effective()
    by_uscc = list(Enterprise.objects.filter(pk__in=list(truth)).order_by("uscc"))
    done: set[int] = set()
    confirmed = corrected = declared = 0
    if admin is not None:
        actor = actor_of(admin)
        for e in by_uscc:
            if confirmed >= CONFIRMATIONS and corrected >= CORRECTIONS:
                break
            placed = set(effective.get(e.pk, []))
            right = placed == set(truth[e.pk])
            if right and confirmed < CONFIRMATIONS:
                placements.decide(actor, e, truth[e.pk], CONFIRM_REASON)
                confirmed += 1
            elif placed and not right and corrected < CORRECTIONS:
                placements.decide(actor, e, truth[e.pk], CORRECT_REASON)
                corrected += 1
            else:
                continue
            done.add(e.pk)
    # The enterprise persona acts for the first synthetic enterprise (demo.demo_accounts).
    persona = User.objects.filter(username="enterprise").first()
    first = by_uscc[0].pk if by_uscc else None
    for e in by_uscc:
        if declared >= DECLARATIONS:
            break
        if e.pk in done:
            continue
        user = persona if e.pk == first else None
        placements.declare(e, truth[e.pk], user=user)
        declared += 1
    return {"confirmed": confirmed, "corrected": corrected, "declared": declared}


# -- measuring placement on the demo --------------------------------------------------------------


def compare(
    truth: Mapping[int, list[str]],
    effective: Mapping[int, list[str]],
    confidence: Mapping[tuple[int, str], float | None],
    taxonomy: Taxonomy,
) -> dict:
    """Placement against the truth: n, placed, top-1, precision and recall, overall and per chain.

    top-1: the share of firms whose most confident effective node (a decided node counts as
    certain) is one of their true nodes; a firm placed nowhere counts as a miss. Precision and
    recall are over (firm, node) pairs. Per chain: the firms whose first true node is on the
    chain (n, top-1) and the pairs of the chain's nodes (precision, recall).
    """
    chain_of = {n.code: taxonomy.chain_of(n.code).code for n in taxonomy.nodes}
    chains = {c.code: dict(n=0, hit=0, tp=0, placed=0, true=0) for c in taxonomy.chains}
    hits = tp = n_placed = n_true = placed_firms = 0
    for firm, true_list in truth.items():
        true = set(true_list)
        got = list(effective.get(firm, []))
        first_chain = chain_of.get(true_list[0]) if true_list else None
        hit = False
        if got:
            placed_firms += 1
            best = max(got, key=lambda c: _certainty(confidence.get((firm, c))))
            hit = best in true
        hits += hit
        tp += len(true & set(got))
        n_placed += len(got)
        n_true += len(true)
        if first_chain in chains:
            chains[first_chain]["n"] += 1
            chains[first_chain]["hit"] += hit
        for code in got:
            if chain_of.get(code) in chains:
                chains[chain_of[code]]["placed"] += 1
                chains[chain_of[code]]["tp"] += code in true
        for code in true:
            if chain_of.get(code) in chains:
                chains[chain_of[code]]["true"] += 1
    n = len(truth)
    return {
        "synthetic_truth": True,
        "n": n,
        "placed": placed_firms,
        "top1": _ratio(hits, n),
        "precision": _ratio(tp, n_placed),
        "recall": _ratio(tp, n_true),
        "chains": [
            {
                "chain": c.code,
                "name": c.name.zh,
                "n": chains[c.code]["n"],
                "top1": _ratio(chains[c.code]["hit"], chains[c.code]["n"]),
                "precision": _ratio(chains[c.code]["tp"], chains[c.code]["placed"]),
                "recall": _ratio(chains[c.code]["tp"], chains[c.code]["true"]),
            }
            for c in taxonomy.chains
        ],
    }


def _certainty(confidence: float | None) -> float:
    return 1.0 if confidence is None else confidence


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def measure() -> dict:
    """:func:`compare` on the database: effective placements against the synthetic truth.

    Without truth rows (production: only the demo writes them) the result says so:
    ``{"synthetic_truth": False, "n": 0}``.
    """
    truth = dict(SyntheticTruth.objects.values_list("enterprise_id", "nodes"))
    if not truth:
        return {"synthetic_truth": False, "n": 0}
    effective = {e: nodes for e, nodes in placements.effective().items() if e in truth}
    proposed = Placement.Status.PROPOSED
    confidence = {  # a person's decision is certain, whatever the scorer's confidence was
        (e, node): c if status == proposed else None
        for e, node, status, c in Placement.objects.values_list(
            "enterprise_id", "node", "status", "confidence"
        )
        if e in truth
    }
    return compare(truth, effective, confidence, load_taxonomy())
