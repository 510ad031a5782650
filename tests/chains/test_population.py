"""The chain population read from the database: approved returns only, effective placements,
leader tags active at the year's end, scopes as masks, and a cache that notices changes."""

from datetime import date

import numpy as np
import pytest

from eco311.chains import population as chain_population
from eco311.chains import taxonomy
from eco311.chains.models import Placement
from eco311.enterprises.models import AnnualReturn, Tag
from eco311.geo.models import Area

pytestmark = pytest.mark.django_db

PARK = "park-qingdao-shanghe"  # a park of Qingdao (370200)


def _nodes():
    tax = taxonomy.load()
    first = tax.chains[0]
    return tax, first, [n.code for n in first.nodes]


def _firm(pop, enterprise):
    return int(np.nonzero(pop.ids == enterprise.pk)[0][0])


def _placed(pop, i):
    tax = taxonomy.load()
    return sorted(tax.nodes[j].code for j in pop.place_node[pop.place_firm == i])


def test_it_reads_approved_revenue_placements_and_tags(factories):
    tax, chain, codes = _nodes()
    a = factories.enterprise("370200", park=Area.objects.get(key=PARK))
    factories.annual_return(a, year=2023)  # 12000 + 3000 + 0
    factories.annual_return(a, year=2024, status=AnnualReturn.Status.SUBMITTED)
    Placement.objects.create(enterprise=a, node=codes[0], status="declared")
    Placement.objects.create(enterprise=a, node=codes[1], status="proposed", confidence=0.9)
    b = factories.enterprise()
    factories.annual_return(b, year=2024, env_revenue_services=None, env_revenue_manufacturing=7)
    Placement.objects.create(enterprise=b, node=codes[1], status="proposed", confidence=0.9)
    Placement.objects.create(enterprise=b, node="no-such-node", status="proposed", confidence=0.9)
    Tag.objects.create(
        enterprise=a, kind="chain_leader", stage=chain.code, granted_on=date(2024, 3, 1)
    )
    Tag.objects.create(
        enterprise=b,
        kind="chain_leader",
        stage=chain.code,
        granted_on=date(2020, 1, 1),
        revoked_on=date(2024, 6, 1),
    )

    pop = chain_population.build([2023, 2024])
    ia, ib = _firm(pop, a), _firm(pop, b)
    assert pop.years == [2023, 2024]
    assert pop.revenue[ia].tolist()[0] == 15000.0
    assert np.isnan(pop.revenue[ia, 1])  # submitted, not approved: no revenue that year
    assert pop.revenue[ib, 1] == 7.0  # blank parts count 0
    assert np.isnan(pop.revenue[ib, 0])
    # A declaration outranks the proposals; an unknown node is left out.
    assert _placed(pop, ia) == [codes[0]]
    assert _placed(pop, ib) == [codes[1]]
    assert pop.cities[pop.city[ia]] == "370200" and pop.parks[pop.park[ia]] == PARK
    assert pop.park[ib] == -1
    ci = [c.code for c in tax.chains].index(chain.code)
    tags = set(
        zip(
            pop.leader_firm.tolist(),
            pop.leader_chain.tolist(),
            pop.leader_year.tolist(),
            strict=True,
        )
    )
    assert (ia, ci, 2024) in tags and (ia, ci, 2023) not in tags
    assert (ib, ci, 2023) in tags and (ib, ci, 2024) not in tags


def test_masks_select_each_scope(factories):
    a = factories.enterprise("370200", park=Area.objects.get(key=PARK))
    b = factories.enterprise("370300")  # Zibo: the Zibo cluster's city
    pop = chain_population.build([2024])
    ia, ib = _firm(pop, a), _firm(pop, b)
    province = chain_population.mask(pop, "province", "370000")
    assert province.all() and len(province) == len(pop.ids)
    assert chain_population.mask(pop, "city", "370200")[ia]
    assert not chain_population.mask(pop, "city", "370200")[ib]
    park = chain_population.mask(pop, "park", PARK)
    assert (
        park[ia]
        and not park[ib]
        and park.sum() <= chain_population.mask(pop, "city", "370200").sum()
    )
    cluster = chain_population.mask(pop, "cluster", "cluster-zibo")
    assert (cluster == chain_population.mask(pop, "city", "370300")).all() and cluster[ib]
    for kind, key in [("city", "999999"), ("park", "nowhere"), ("county", "370102")]:
        with pytest.raises(ValueError):
            chain_population.mask(pop, kind, key)


def test_the_cache_is_rebuilt_when_a_return_is_approved_or_a_placement_changes(factories):
    _, _, codes = _nodes()
    a = factories.enterprise()
    ret = factories.annual_return(a, year=2024, status=AnnualReturn.Status.SUBMITTED)
    first = chain_population.population()
    assert chain_population.population() is first  # unchanged data: the same object
    assert np.isnan(first.revenue[_firm(first, a), first.years.index(2024)])

    ret.status = AnnualReturn.Status.APPROVED
    ret.save()
    second = chain_population.population()
    assert second is not first
    assert second.revenue[_firm(second, a), second.years.index(2024)] == 15000.0

    p = Placement.objects.create(enterprise=a, node=codes[0], status="declared")
    third = chain_population.population()
    assert third is not second and _placed(third, _firm(third, a)) == [codes[0]]
    p.node = codes[1]
    p.save()
    fourth = chain_population.population()
    assert fourth is not third and _placed(fourth, _firm(fourth, a)) == [codes[1]]

    tag = Tag.objects.create(
        enterprise=a, kind="chain_leader", stage=taxonomy.load().chains[0].code,
        granted_on=date(2020, 1, 1),
    )  # fmt: skip
    fifth = chain_population.population()
    assert fifth is not fourth and _firm(fifth, a) in fifth.leader_firm.tolist()
    tag.revoked_on = date(2021, 1, 1)
    tag.save()
    sixth = chain_population.population()
    held = sixth.leader_year[sixth.leader_firm == _firm(sixth, a)].tolist()
    assert sixth is not fifth and 2024 not in held


def test_analysis_for_counts_the_scope(factories):
    _, chain, codes = _nodes()
    a = factories.enterprise("370200")
    factories.annual_return(a, year=2024)
    Placement.objects.create(enterprise=a, node=codes[0], status="confirmed")
    year = 2024
    province = chain_population.analysis_for(year)
    city = chain_population.analysis_for(year, "city", "370200")
    assert chain_population.analysis_for(year) is province  # memoised
    pn = next(c for c in province.chains if c.code == chain.code).nodes[0]
    cn = next(c for c in city.chains if c.code == chain.code).nodes[0]
    assert cn.enterprises >= 1 and pn.enterprises >= cn.enterprises
    assert cn.revenue >= 15000.0 and cn.share is not None and 0 < cn.share <= 1
    spec = chain_population.specialisation_for(year)
    assert len(spec.measures.locs) == 16 and "370200" in spec.recommendations
    assert year in chain_population.years()
    # A year nobody has reported for: every node empty, nothing made up.
    empty = chain_population.analysis_for(1990)
    assert all(n.enterprises == 0 and n.share is None for c in empty.chains for n in c.nodes)
