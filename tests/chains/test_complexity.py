"""Golden test: regional specialisation (RCA … COG) against py-ecomplexity 0.5.3 on the
226 countries × 785 products of ../shared/testdata/econ-complexity (its README states the
conventions and the tolerances used here: M, diversity, ubiquity exact; RCA rel 1e-12;
density abs 1e-12; ECI, PCI, COI, COG abs 1e-6)."""

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from eco311.chains import complexity

DATA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "econ-complexity"

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/testdata is not here")


def _read(name):
    opener = gzip.open if name.endswith(".gz") else open
    with opener(DATA / name, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def result():
    rows = _read("inputs_world_trade_avg_1998_2000_long.csv")
    return complexity.from_rows((r["loc"], r["prod"], float(r["val"])) for r in rows)


@pytest.fixture(scope="module")
def expected_loc_prod():
    return _read("expected_loc_prod.csv.gz")


def _cells(result, rows, field):
    li = {k: i for i, k in enumerate(result.locs)}
    pi = {k: j for j, k in enumerate(result.prods)}
    idx = (np.array([li[r["loc"]] for r in rows]), np.array([pi[r["prod"]] for r in rows]))
    return idx, np.array([float(r[field]) for r in rows])


def test_presence_diversity_and_ubiquity_are_exact(result, expected_loc_prod):
    idx, mcp = _cells(result, expected_loc_prod, "mcp")
    assert len(expected_loc_prod) == len(result.locs) * len(result.prods)
    assert np.array_equal(result.mcp[idx], mcp)
    assert int(result.mcp.sum()) == int(mcp.sum())
    by_loc = {r["loc"]: int(r["diversity"]) for r in _read("expected_loc.csv")}
    by_prod = {r["prod"]: int(r["ubiquity"]) for r in _read("expected_prod.csv")}
    assert dict(zip(result.locs, result.diversity.astype(int).tolist(), strict=True)) == by_loc
    assert dict(zip(result.prods, result.ubiquity.astype(int).tolist(), strict=True)) == by_prod


def test_rca_and_density(result, expected_loc_prod):
    idx, rca = _cells(result, expected_loc_prod, "rca")
    np.testing.assert_allclose(result.rca[idx], rca, rtol=1e-12, atol=0)
    idx, density = _cells(result, expected_loc_prod, "density")
    np.testing.assert_allclose(result.density[idx], density, rtol=0, atol=1e-12)


def test_eci_pci_and_coi(result):
    loc = {r["loc"]: r for r in _read("expected_loc.csv")}
    prod = {r["prod"]: r for r in _read("expected_prod.csv")}
    eci = np.array([float(loc[k]["eci"]) for k in result.locs])
    coi = np.array([float(loc[k]["coi"]) for k in result.locs])
    pci = np.array([float(prod[k]["pci"]) for k in result.prods])
    np.testing.assert_allclose(result.eci, eci, rtol=0, atol=1e-6)
    np.testing.assert_allclose(result.coi, coi, rtol=0, atol=1e-6)
    np.testing.assert_allclose(result.pci, pci, rtol=0, atol=1e-6)
    # The convention that makes PCI comparable: a location's ECI is the mean PCI of its nodes.
    mean_pci = (result.mcp @ result.pci) / result.diversity
    np.testing.assert_allclose(result.eci, mean_pci, atol=1e-9)


def test_complexity_outlook_gain(result, expected_loc_prod):
    idx, cog = _cells(result, expected_loc_prod, "cog")
    np.testing.assert_allclose(result.cog[idx], cog, rtol=0, atol=1e-6)
    assert (result.cog[result.mcp == 1] == 0).all()  # no gain from what a city already has


def test_proximity_is_symmetric_with_a_unit_diagonal(result):
    p = result.proximity
    assert np.allclose(p, p.T) and np.allclose(np.diag(p), 1.0)
    assert p.min() >= 0 and p.max() <= 1
