"""The chain analytics' population read from the database, and the analyses the pages, the API
and the report call.

Thin glue around the pure core (chains/analytics.py): enterprises (city, park), their
environmental revenue per survey year from *approved* annual returns (the returns the KPIs
count, enterprises/kpis.py), their effective chain placements (chains/placements.py) and the
official 链主 tags (enterprises.Tag kind ``chain_leader``, active at the year's end, ``stage``
= chain code) become one columnar :class:`~eco311.chains.analytics.Population`.

Public API::

    years() -> list[int]                                   # survey years with approved returns
    build(years=None) -> Population                        # from the database, uncached
    population() -> Population                             # cached; rebuilt when the data change
    mask(population, kind, key) -> np.ndarray              # province | cluster | city | park
    analysis_for(year, kind="province", key="370000") -> Analysis
    specialisation_for(year) -> Specialisation
"""

from __future__ import annotations

import threading
from datetime import date

import numpy as np
from django.db.models import FloatField, Max, Value
from django.db.models.functions import Cast, Coalesce

from eco311.chains import analytics, placements
from eco311.chains import taxonomy as taxonomy_module
from eco311.chains.analytics import Analysis, Population, Specialisation
from eco311.chains.models import Placement
from eco311.enterprises import kpis
from eco311.enterprises.models import AnnualReturn, Enterprise, Tag
from eco311.geo.models import Area

PROVINCE = "370000"
SCOPE_KINDS = ("province", "cluster", "city", "park")
_PARTS = ("env_revenue_manufacturing", "env_revenue_services", "env_revenue_resource")


def _approved():
    return AnnualReturn.objects.filter(status=AnnualReturn.Status.APPROVED).order_by()


def _survey_years() -> list[int]:
    return sorted(set(_approved().values_list("year", flat=True).distinct()))


def years() -> list[int]:
    """The survey years with at least one approved return, ascending."""
    return _survey_years()


def build(years: list[int] | None = None) -> Population:
    """The population of ``years`` (every survey year with data when None) from the database.

    Rules: every registered enterprise is a row; its revenue in a year is the environmental
    revenue (manufacturing + services + resource utilisation, a blank part counting 0) of its
    approved return, NaN without one (the core counts it absent that year). Placements are the
    effective ones (placements.effective_pairs); nodes the taxonomy no longer has are left out.
    A chain-leader tag counts in a year when it is active on 31 December and names a chain of
    the taxonomy in ``stage``.
    """
    tax = taxonomy_module.load()
    ys = sorted(set(years)) if years is not None else _survey_years()
    cities = list(
        Area.objects.filter(kind=Area.Kind.CITY).order_by("code").values_list("code", flat=True)
    )
    parks = list(
        Area.objects.filter(kind=Area.Kind.PARK).order_by("key").values_list("key", flat=True)
    )
    city_index = {c: i for i, c in enumerate(cities)}
    park_index = {k: i for i, k in enumerate(parks)}
    rows = list(Enterprise.objects.order_by("id").values_list("id", "city__code", "park__key"))
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    firm = {int(e): i for i, e in enumerate(ids)}
    city = np.array([city_index.get(r[1], -1) for r in rows], dtype=np.int64)
    park = np.array([park_index.get(r[2], -1) if r[2] else -1 for r in rows], dtype=np.int64)

    revenue = np.full((len(ids), len(ys)), np.nan)
    year_index = {y: j for j, y in enumerate(ys)}
    env = sum(
        (Coalesce(Cast(p, FloatField()), Value(0.0)) for p in _PARTS[1:]),
        Coalesce(Cast(_PARTS[0], FloatField()), Value(0.0)),
    )
    for ent, year, value in (
        _approved()
        .filter(year__in=ys)
        .annotate(env=env)
        .values_list("enterprise_id", "year", "env")
    ):
        revenue[firm[ent], year_index[year]] = value

    node_index = {n.code: j for j, n in enumerate(tax.nodes)}
    pairs = [
        (firm[e], node_index[n])
        for e, n in placements.effective_pairs()
        if n in node_index and e in firm
    ]
    place = np.array(sorted(set(pairs)), dtype=np.int64).reshape(-1, 2)

    chain_index = {c.code: j for j, c in enumerate(tax.chains)}
    leaders: list[tuple[int, int, int]] = []
    for ent, stage, granted, revoked in Tag.objects.filter(kind=Tag.Kind.CHAIN_LEADER).values_list(
        "enterprise_id", "stage", "granted_on", "revoked_on"
    ):
        if stage not in chain_index or ent not in firm:
            continue
        for y in ys:
            end = date(y, 12, 31)
            if granted <= end and (revoked is None or revoked > end):
                leaders.append((firm[ent], chain_index[stage], y))
    tags = np.array(leaders, dtype=np.int64).reshape(-1, 3)
    return Population(
        ids=ids,
        city=city,
        park=park,
        years=ys,
        revenue=revenue,
        place_firm=place[:, 0],
        place_node=place[:, 1],
        cities=cities,
        parks=parks,
        leader_firm=tags[:, 0],
        leader_chain=tags[:, 1],
        leader_year=tags[:, 2],
    )


def mask(population: Population, kind: str, key: str) -> np.ndarray:
    """The enterprises of one scope: the province (its key "370000"), a cluster (the enterprises
    of its city, as the KPIs count them), a city (its code) or a park (its key).

    Raises ValueError for an unknown kind or key.
    """
    n = len(population.ids)
    if kind == "province":
        if key != PROVINCE:
            raise ValueError(f"unknown province {key!r}")
        return np.ones(n, dtype=bool)
    if kind == "cluster":
        city = dict(kpis.scopes().clusters).get(key)
        if city is None:
            raise ValueError(f"unknown cluster {key!r}")
        return mask(population, "city", city)
    if kind == "city":
        if key not in population.cities:
            raise ValueError(f"unknown city {key!r}")
        return np.asarray(population.city) == population.cities.index(key)
    if kind == "park":
        if key not in population.parks:
            raise ValueError(f"unknown park {key!r}")
        return np.asarray(population.park) == population.parks.index(key)
    raise ValueError(f"unknown scope kind {kind!r} (one of {', '.join(SCOPE_KINDS)})")


# -- the cached population ------------------------------------------------------------------


def fingerprint() -> tuple:
    """A cheap summary that changes whenever the population would: the latest history row of
    enterprises, returns, placements and tags (every save, bulk write with history, approval
    and delete writes one) and the latest live row (a plain bulk insert writes no history).

    Only primary-key maxima: index look-ups, so a page can ask on every request whatever the
    size of the survey.
    """
    out = []
    for model in (Enterprise, AnnualReturn, Placement, Tag):
        out.append(model.objects.order_by().aggregate(last=Max("pk"))["last"])
        out.append(model.history.order_by().aggregate(last=Max("history_id"))["last"])
    out.append(taxonomy_module.load().version)
    return tuple(out)


_lock = threading.Lock()
_cache: dict = {"key": None, "population": None, "results": {}}
#: Analyses kept per population (scopes x years); a page asks for a handful.
_RESULTS = 512


def population() -> Population:
    """The population of every survey year, built once per process and rebuilt when
    :func:`fingerprint` changes."""
    key = fingerprint()
    with _lock:
        if _cache["key"] == key and _cache["population"] is not None:
            return _cache["population"]
    pop = build()
    with _lock:
        _cache.update(key=key, population=pop, results={})
    return pop


def _memo(name: tuple, compute):
    pop = population()
    with _lock:
        results = _cache["results"] if _cache["population"] is pop else {}
        if name in results:
            return results[name]
    value = compute(pop)
    with _lock:
        if _cache["population"] is pop:
            if len(results) >= _RESULTS:
                results.clear()
            results[name] = value
    return value


def analysis_for(year: int, kind: str = "province", key: str = PROVINCE) -> Analysis:
    """The chain analysis of ``year`` for one scope (see :func:`mask`), on the cached population.

    A year without approved returns gives an analysis with nobody on any node.
    """
    tax = taxonomy_module.load()

    def compute(pop: Population) -> Analysis:
        scope = mask(pop, kind, key)
        return analytics.analyse(tax, pop, year, None if kind == "province" else scope)

    return _memo(("analysis", year, kind, key), compute)


def specialisation_for(year: int) -> Specialisation:
    """The 16 cities' specialisation over the nodes in ``year``, on the cached population."""
    tax = taxonomy_module.load()
    return _memo(("specialisation", year), lambda pop: analytics.specialisation(tax, pop, year))
