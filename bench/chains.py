"""Chain-analytics benchmark: `uv run python bench/chains.py [--enterprises 100000]`.

A synthetic population (default 100,000 enterprises x 2021-2025, 16 cities, about 1.4
placements per enterprise over the real taxonomy, chains/data/chains.yaml; heavy-tailed
revenue, entries and exits, a few leader tags and recorded purchases; seeded) is analysed two
ways, "the whole set" of a year being: the province's analysis of every chain, each of the 16
cities' analysis, and the cities' specialisation over the nodes.

1. ``chains.analytics``: ``analyse()`` x 17 scopes + ``specialisation()``, numpy (bincount over
   the placements, one pass per scope and year). Each run starts from a fresh Population object
   (nothing cached but the taxonomy's graph measures, which do not depend on the data).
   Target: the whole set under 1 s per year.
2. The baseline, measured in the same run: a straightforward pandas version (merge and groupby
   over the placements per scope, networkx for PageRank and betweenness, pandas for RCA,
   proximity, density and COG). ``nx.pagerank`` needs scipy, which is not installed: the
   baseline takes PageRank as the leading eigenvector of ``nx.google_matrix``, the same number.
   Before anything is timed the two must agree on every figure (checked for every year).
   Target: at least 5x faster.

Results are printed and written to bench/results/chains.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 1.0
TARGET_RATIO = 5.0
CITIES = [
    "370100", "370200", "370300", "370400", "370500", "370600", "370700", "370800",
    "370900", "371000", "371100", "371300", "371400", "371500", "371600", "371700",
]  # fmt: skip


def years_of(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def synthetic(tax, enterprises: int, years: list[int], seed: int):
    """A population of the platform's shape: cities of different sizes with their own
    specialities, firms mostly on one node and some on a second of the same chain."""
    from eco311.chains.analytics import Population

    rng = np.random.default_rng(seed)
    n, n_nodes, n_years = enterprises, len(tax.nodes), len(years)
    size = rng.dirichlet(np.full(len(CITIES), 3.0))
    city = rng.choice(len(CITIES), size=n, p=size)
    park = np.where(rng.random(n) < 0.08, rng.integers(0, 10, n), -1)
    common = rng.dirichlet(np.full(n_nodes, 2.0))
    first = np.empty(n, dtype=np.int64)
    for c in range(len(CITIES)):
        own = rng.dirichlet(np.full(n_nodes, 0.3))
        at = np.nonzero(city == c)[0]
        first[at] = rng.choice(n_nodes, size=len(at), p=0.5 * common + 0.5 * own)
    chain_of = np.array([ci for ci, ch in enumerate(tax.chains) for _ in ch.nodes])
    lo = np.array([sum(len(c.nodes) for c in tax.chains[:ci]) for ci in range(len(tax.chains))])
    width = np.array([len(c.nodes) for c in tax.chains])
    two = np.nonzero(rng.random(n) < 0.42)[0]
    same = rng.random(len(two)) < 0.7
    ch = chain_of[first[two]]
    second = np.where(
        same,
        lo[ch] + rng.integers(0, 1 << 30, len(two)) % width[ch],
        rng.integers(0, n_nodes, len(two)),
    )
    pairs = np.unique(np.concatenate([np.arange(n) * n_nodes + first, two * n_nodes + second]))
    place_firm, place_node = pairs // n_nodes, pairs % n_nodes

    base = rng.lognormal(7.0, 1.6, n)
    growth = np.cumprod(1 + rng.normal(0.06, 0.15, (n, n_years)), axis=1)
    revenue = base[:, None] * growth
    entry = rng.integers(-4, n_years, n)  # the index of the first year filed
    exit_ = np.where(rng.random(n) < 0.05, rng.integers(1, n_years + 1, n), n_years + 1)
    col = np.arange(n_years)[None, :]
    filed = (col >= entry[:, None]) & (col < exit_[:, None]) & (rng.random((n, n_years)) > 0.04)
    revenue[~filed] = np.nan

    leaders = []
    for ci in range(len(tax.chains)):
        on = np.unique(place_firm[chain_of[place_node] == ci])
        if len(on):
            best = on[np.argsort(-np.nan_to_num(revenue[on, -1]))[:3]]
            leaders += [(f, ci, y) for f in best for y in years]
    tags = np.array(leaders, dtype=np.int64).reshape(-1, 3)
    buys = rng.integers(0, n, (n // 2, 2))
    return Population(
        ids=np.arange(n, dtype=np.int64) + 1,
        city=city,
        park=park,
        years=list(years),
        revenue=revenue,
        place_firm=place_firm,
        place_node=place_node,
        cities=list(CITIES),
        parks=[f"park-{i}" for i in range(10)],
        leader_firm=tags[:, 0],
        leader_chain=tags[:, 1],
        leader_year=tags[:, 2],
        buys_buyer=buys[:, 0],
        buys_supplier=buys[:, 1],
    )


# ---------------------------------------------------------------------------------------------
# 1. The platform's core
# ---------------------------------------------------------------------------------------------


def fast_year(tax, pop, year):
    """The whole set of one year with chains.analytics."""
    from eco311.chains.analytics import analyse, specialisation

    out = {"province": analyse(tax, pop, year)}
    city = np.asarray(pop.city)
    for i, code in enumerate(pop.cities):
        out[code] = analyse(tax, pop, year, mask=city == i)
    return out, specialisation(tax, pop, year)


# ---------------------------------------------------------------------------------------------
# 2. The baseline: pandas groupby + networkx, written as one would without the core
# ---------------------------------------------------------------------------------------------


def baseline_importance(tax):
    import networkx as nx
    import pandas as pd

    rows = []
    for chain in tax.chains:
        codes = chain.node_codes()
        g = nx.DiGraph()
        g.add_nodes_from(codes)
        g.add_edges_from(chain.edges())
        google = nx.google_matrix(g.reverse(), alpha=0.85, nodelist=codes)
        values, vectors = np.linalg.eig(google.T)
        lead = np.real(vectors[:, np.argmax(np.real(values))])
        pr = pd.Series(lead / lead.sum(), index=codes)
        bc = pd.Series(nx.betweenness_centrality(g, normalized=True))[codes]
        imp = pr / pr.max()
        if bc.max() > 0:
            imp = 0.5 * imp + 0.5 * bc / bc.max()
        for code in codes:
            rows.append((code, chain.code, pr[code], bc[code], imp[code]))
    return pd.DataFrame(rows, columns=["node", "chain", "pagerank", "betweenness", "importance"])


def baseline_frames(tax, pop):
    import pandas as pd

    codes = [n.code for n in tax.nodes]
    firms = pd.DataFrame(
        {"firm": np.arange(len(pop.ids)), "id": pop.ids, "city": np.asarray(pop.cities)[pop.city]}
    )
    for j, y in enumerate(pop.years):
        firms[f"rev{y}"] = pop.revenue[:, j]
    places = pd.DataFrame({"firm": pop.place_firm, "node": np.asarray(codes)[pop.place_node]})
    places["k"] = places.groupby("firm")["node"].transform("size")
    buys = pd.DataFrame({"buyer": pop.buys_buyer, "supplier": pop.buys_supplier})
    buys = buys[buys.buyer != buys.supplier].drop_duplicates()
    suppliers = buys.groupby("buyer").size()
    chains = [c.code for c in tax.chains]
    tags = pd.DataFrame(
        {
            "firm": pop.leader_firm,
            "chain": np.asarray(chains)[pop.leader_chain],
            "year": pop.leader_year,
        }
    )
    return firms, places, suppliers, tags


def baseline_year(tax, pop, frames, year):
    """The same figures as fast_year, as dictionaries, with pandas and networkx."""
    import pandas as pd

    firms, places, suppliers, tags = frames
    imp = baseline_importance(tax).set_index("node")
    codes = list(imp.index)
    weights = {"importance": 0.3, "coverage_gap": 0.3, "concentration": 0.2}
    total_w = sum(weights.values())

    def long(y):
        if y not in pop.years:
            return None
        d = places.merge(firms[["firm", "id", "city", f"rev{y}"]], on="firm")
        d = d.dropna(subset=[f"rev{y}"])
        d["r"] = d[f"rev{y}"] / d["k"]
        d["r2"] = d["r"] ** 2
        d["chain"] = d["node"].map(imp["chain"])
        return d

    cur, prev = long(year), long(year - 1)
    if cur is None:
        raise SystemExit("the baseline is only checked on survey years")
    prov = cur.groupby("node")["r"].sum().reindex(codes, fill_value=0.0)
    year_tags = tags[tags.year == year]
    tagged = set(zip(year_tags.chain, year_tags.firm, strict=True))
    cur["share"] = cur["r"] / cur["node"].map(prov)
    cur["score"] = (
        cur["share"] * cur["node"].map(imp["importance"])
        * (1 + cur["firm"].map(suppliers).fillna(0))
    )  # fmt: skip

    scopes = {"province": (cur, prev)}
    for code in pop.cities:
        scopes[code] = (
            cur[cur.city == code],
            None if prev is None else prev[prev.city == code],
        )
    out = {}
    for scope, (d, p) in scopes.items():
        g = d.groupby("node").agg(
            enterprises=("firm", "size"), revenue=("r", "sum"), sq=("r2", "sum")
        )
        g = g.reindex(codes, fill_value=0).join(imp)
        g["share"] = g["revenue"] / g.index.map(prov)
        g["hhi"] = g["sq"] / g["revenue"] ** 2
        g.loc[g["revenue"] <= 0, "hhi"] = np.nan
        if p is not None:
            before = p.groupby("node")["r"].sum().reindex(codes, fill_value=0.0)
            g["growth"] = np.where(before > 0, g["revenue"] / before.where(before > 0) - 1, np.nan)
        else:
            g["growth"] = np.nan
        g["coverage_gap"] = 1 / (1 + g["enterprises"])
        g["concentration"] = g["hhi"].fillna(1.0)
        g["weak"] = sum(w * g[k] for k, w in weights.items()) / total_w
        g["covered"] = g["enterprises"] > 0
        g["wcov"] = g["importance"] * g["covered"]
        per_chain = g.groupby("chain", sort=False).agg(
            revenue=("revenue", "sum"),
            wcov=("wcov", "sum"),
            imp=("importance", "sum"),
            covered=("covered", "mean"),
        )
        firms_on = d.groupby("chain")["firm"].nunique()
        best = d[d.score > 0].sort_values("score", ascending=False, kind="stable")
        best = best.drop_duplicates(["chain", "firm"])
        best["tagged"] = [(c, f) in tagged for c, f in zip(best.chain, best.firm, strict=True)]
        chains = {}
        for chain in tax.chains:
            rows = g[g.chain == chain.code]
            on = best[best.chain == chain.code]
            listed = pd.concat([on[~on.tagged].head(10), on[on.tagged]]).sort_values(
                "score", ascending=False, kind="stable"
            )
            cands = set(on[~on.tagged].head(3)["id"])
            # Tagged firms of the scope with nothing to score (no return, or on no node of the
            # chain) are listed too, last.
            held = year_tags[year_tags.chain == chain.code].merge(firms, on="firm")
            if scope != "province":
                held = held[held.city == scope]
            unscored = [
                (int(i), 0.0, True, False)
                for f, i in sorted(zip(held.firm, held.id, strict=True))
                if f not in set(listed.firm)
            ]
            chains[chain.code] = {
                "enterprises": int(firms_on.get(chain.code, 0)),
                "revenue": float(per_chain.loc[chain.code, "revenue"]),
                "completeness": float(
                    per_chain.loc[chain.code, "wcov"] / per_chain.loc[chain.code, "imp"]
                ),
                "unweighted": float(per_chain.loc[chain.code, "covered"]),
                "gaps": list(rows.index[rows.enterprises == 0]),
                "single": list(rows.index[rows.enterprises == 1]),
                "nodes": {
                    code: {
                        "enterprises": int(r.enterprises),
                        "revenue": float(r.revenue),
                        "share": _num(r.share),
                        "growth": _num(r.growth),
                        "hhi": _num(r.hhi),
                        "importance": float(r.importance),
                        "weak": float(r.weak),
                    }
                    for code, r in rows.iterrows()
                },
                "leaders": [
                    (int(r.id), float(r.score), bool(r.tagged), r.id in cands)
                    for r in listed.itertuples()
                ]
                + unscored,
            }
        out[scope] = chains
    return out, baseline_specialisation(cur, pop.cities, codes)


def _num(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def baseline_specialisation(cur, cities, codes):
    """RCA, presence, proximity, density, ECI/PCI and COG in pandas (py-ecomplexity's formulas)."""
    import pandas as pd

    x = cur.pivot_table(index="city", columns="node", values="r", aggfunc="sum")
    x = x.reindex(index=cities, columns=codes).fillna(0.0)
    rca = (x.div(x.sum(axis=1), axis=0)).div(x.sum(axis=0) / x.values.sum(), axis=1)
    rca = rca.replace([np.inf, -np.inf], np.nan).fillna(0.0)
    m = (rca >= 1).astype(float)
    d, u = m.sum(axis=1), m.sum(axis=0)
    prox = (m.T @ m) / pd.DataFrame(
        np.maximum.outer(u.values, u.values), index=codes, columns=codes
    )
    prox = prox.fillna(0.0)
    density = (m @ prox).div(prox.sum(axis=0), axis=1).fillna(0.0)
    m_d, m_u = m.div(d, axis=0).fillna(0.0), m.div(u, axis=1).fillna(0.0)
    values, vectors = np.linalg.eig((m_u.T @ m_d).values)
    kp = pd.Series(np.real(vectors[:, np.argsort(np.real(values))[-2]]), index=codes)
    kc = m_d @ kp
    if np.corrcoef(d, kc)[0, 1] < 0:
        kp, kc = -kp, -kc
    std = kc.std(ddof=0)
    eci, pci = (kc - kc.mean()) / std, (kp - kc.mean()) / std
    weighted = prox.mul((kp / prox.sum(axis=1)).fillna(0.0), axis=0)
    cog = (1 - m) * ((1 - m) @ weighted) / std
    recs = {}
    for city in cities:
        if d[city] == 0:
            recs[city] = []
            continue
        t = pd.DataFrame({"density": density.loc[city], "cog": cog.loc[city], "m": m.loc[city]})
        t = t[t.m == 0].sort_values(["density", "cog"], ascending=False, kind="stable")
        recs[city] = list(t.index[:5])
    return {"rca": rca, "density": density, "cog": cog, "eci": eci, "pci": pci, "recs": recs}


# ---------------------------------------------------------------------------------------------
# The check and the timing
# ---------------------------------------------------------------------------------------------


def _close(a, b, what):
    if a is None or b is None:
        if a is not b:
            raise SystemExit(f"disagree on {what}: {a} vs {b}")
        return
    if not math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9):
        raise SystemExit(f"disagree on {what}: {a} vs {b}")


def check(fast, slow, year):
    analyses, spec = fast
    tables, base = slow
    for scope, analysis in analyses.items():
        for chain in analysis.chains:
            b = tables[scope][chain.code]
            where = f"{year} {scope} {chain.code}"
            assert chain.enterprises == b["enterprises"], where
            _close(chain.revenue, b["revenue"], where + " revenue")
            _close(chain.completeness, b["completeness"], where + " completeness")
            _close(chain.completeness_unweighted, b["unweighted"], where + " unweighted")
            assert chain.gaps == b["gaps"] and chain.single == b["single"], where
            for node in chain.nodes:
                bn = b["nodes"][node.code]
                assert node.enterprises == bn["enterprises"], where + node.code
                for name in ("revenue", "share", "growth", "hhi", "importance"):
                    _close(getattr(node, name), bn[name], f"{where} {node.code} {name}")
                _close(node.weak.score, bn["weak"], f"{where} {node.code} weak")
            mine = [(lr.enterprise, lr.score, lr.tagged, lr.candidate) for lr in chain.leaders]
            assert len(mine) == len(b["leaders"]), f"{where} leaders {mine} {b['leaders']}"
            for x, y in zip(mine, b["leaders"], strict=True):
                assert x[0] == y[0] and x[2:] == y[2:], f"{where} leaders {x} {y}"
                _close(x[1], y[1], where + " leader score")
    m = spec.measures
    for name in ("rca", "density", "cog"):
        np.testing.assert_allclose(getattr(m, name), base[name].values, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(m.eci, base["eci"].values, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(m.pci, base["pci"].values, rtol=1e-7, atol=1e-9)
    for city, recs in spec.recommendations.items():
        assert [r.node for r in recs] == base["recs"][city], f"{year} {city} recommendations"


def timed(fn, repeat: int):
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--years", default="2021-2025")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from eco311.chains import taxonomy

    tax = taxonomy.load()
    years = years_of(args.years)
    pop = synthetic(tax, args.enterprises, years, args.seed)
    frames = baseline_frames(tax, pop)
    fresh = lambda: dataclasses.replace(pop)  # noqa: E731  (a new object: no cached arrays)
    for year in years:  # agree first, on every year
        check(fast_year(tax, fresh(), year), baseline_year(tax, pop, frames, year), year)

    year = years[-1]
    fast_one = timed(lambda: fast_year(tax, fresh(), year), args.repeat)

    def all_years():
        p = fresh()
        for y in years:
            fast_year(tax, p, y)

    fast_all = timed(all_years, args.repeat)
    slow_one = timed(lambda: baseline_year(tax, pop, frames, year), max(1, args.repeat - 2))
    result = {
        "enterprises": args.enterprises,
        "years": years,
        "nodes": len(tax.nodes),
        "chains": len(tax.chains),
        "placements": int(len(pop.place_firm)),
        "scopes_per_year": 1 + len(pop.cities),
        "fast_one_year_seconds": fast_one,
        "fast_all_years_seconds": fast_all,
        "fast_per_year_seconds": fast_all / len(years),
        "baseline_one_year_seconds": slow_one,
        "ratio": slow_one / fast_one,
        "target_seconds": TARGET_SECONDS,
        "target_ratio": TARGET_RATIO,
        "agree": True,
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "chains.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"chains: {args.enterprises:,} enterprises x {len(years)} years, {len(tax.nodes)} nodes, "
        f"{result['placements']:,} placements, {result['scopes_per_year']} scopes a year"
    )
    print(f"  core, one year      {fast_one * 1000:9.1f} ms  (target < {TARGET_SECONDS:.0f} s)")
    print(f"  core, all years     {fast_all * 1000:9.1f} ms")
    print(f"  baseline, one year  {slow_one * 1000:9.1f} ms")
    print(f"  ratio               {result['ratio']:9.1f} x  (target >= {TARGET_RATIO:.0f}x)")
    ok = fast_all / len(years) < TARGET_SECONDS and result["ratio"] >= TARGET_RATIO
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
