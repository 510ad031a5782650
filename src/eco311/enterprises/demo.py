"""Load a synthetic enterprise population (enterprises/survey/synthetic.py) into the database.

Everything written here is marked synthetic. Returns are written as approved, in bulk, with
their history rows; loading again with the same seed changes nothing.
"""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from eco311.core.signals import rows_written
from eco311.enterprises.models import (
    RETURN_FIELDS,
    AnnualReturn,
    Enterprise,
    FormerName,
    IndustryCode,
    Tag,
)
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.synthetic import Population, PopulationSpec, generate
from eco311.geo.models import Area


def _value(field: str, raw):
    if raw is None:
        return None
    model_field = AnnualReturn._meta.get_field(field)
    if model_field.get_internal_type() == "DecimalField":
        return Decimal(str(round(float(raw), 2)))
    return raw


#: What a domain above enterprises adds to each generated enterprise (the chains' demo: its true
#: chain nodes, a main-products text written from them, and the chain its 链主 tag is for).
#: Called with the population; returns one (nodes, text, chain_leader_stage or None) per
#: enterprise, in order. enterprises may not import chains, so the caller passes it in.
ProductsHook = Callable[[Population], Sequence[tuple[list[str], str, str | None]]]


@transaction.atomic
def load_population(spec: PopulationSpec, products: ProductsHook | None = None) -> dict:
    """Load the population of ``spec`` once (a second call changes nothing and returns zeros).

    ``products``: see :data:`ProductsHook`. Its texts are the enterprises' main products from
    their first history row on (and in the population's returns); its stages are the stages of
    their chain_leader tags; the result then also holds ``nodes``, uscc -> the true nodes.
    """
    if Enterprise.objects.filter(synthetic=True).exists():
        return {"enterprises": 0, "returns": 0}
    load_industry_codes()
    population = generate(spec)
    nodes = {}
    if products is not None:
        made = list(products(population))
        population.set_main_products([text for _nodes, text, _stage in made])
        for e, (true, _text, stage) in zip(population.enterprises, made, strict=True):
            nodes[e.uscc] = list(true)
            for t in e.tags:
                if t["kind"] == "chain_leader" and stage:
                    t["stage"] = stage
    cities = {a.code: a for a in Area.objects.filter(kind="city")}
    parks = {a.key: a for a in Area.objects.filter(kind="park")}
    industries = {c.code: c for c in IndustryCode.objects.all()}
    user = get_user_model().objects.filter(username="admin").first()

    enterprises = [
        Enterprise(
            uscc=e.uscc,
            name=e.name,
            city=cities[e.city_code],
            county_code=e.county_code or "",
            park=parks.get(e.park_key) if e.park_key else None,
            industry=industries[e.industry_code],
            segment=e.segment,
            main_products=e.main_products or "",
            synthetic=True,
        )
        for e in population.enterprises
    ]
    bulk_create_with_history(
        enterprises,
        Enterprise,
        batch_size=2000,
        default_user=user,
        default_change_reason="synthetic demo data",
    )
    ids = dict(Enterprise.objects.filter(synthetic=True).values_list("uscc", "id"))
    tags, names = [], []
    for e in population.enterprises:
        for t in e.tags:
            tags.append(
                Tag(
                    enterprise_id=ids[e.uscc],
                    kind=t["kind"],
                    stage=t.get("stage") or "",
                    granted_on=date.fromisoformat(t["granted_on"]),
                    revoked_on=date.fromisoformat(t["revoked_on"]) if t.get("revoked_on") else None,
                )
            )
        for n in e.former_names:
            names.append(
                FormerName(
                    enterprise_id=ids[e.uscc],
                    name=n["name"],
                    until=date.fromisoformat(n["until"]) if n.get("until") else None,
                )
            )
    bulk_create_with_history(tags, Tag, batch_size=2000, default_user=user)
    FormerName.objects.bulk_create(names, batch_size=2000)
    returns = [
        AnnualReturn(
            enterprise_id=ids[row["uscc"]],
            year=row["year"],
            status=AnnualReturn.Status.APPROVED,
            synthetic=True,
            **{f: _value(f, row.get(f)) for f in RETURN_FIELDS},
        )
        for row in population.all_returns()
    ]
    bulk_create_with_history(
        returns,
        AnnualReturn,
        batch_size=2000,
        default_user=user,
        default_change_reason="approved (synthetic demo data)",
    )
    rows_written.send(Enterprise, ids=list(ids.values()))  # e.g. the search index
    counts = {"enterprises": len(enterprises), "returns": len(returns)}
    if products is not None:
        counts["nodes"] = nodes
    return counts
