"""Regional specialisation over the chain nodes: RCA, presence, diversity and ubiquity,
proximity, density, ECI/PCI and the complexity outlook (COI/COG).

A pure core (no Django): locations × products (for eco311: cities × chain nodes) in, plain
arrays out. The conventions are those of the Harvard Growth Lab's py-ecomplexity 0.5.3, so
that the results can be checked against it (tests/chains/test_complexity.py reads
../shared/testdata/econ-complexity; its README gives the formulas):

* RCA (Balassa): ``(X_cp / Σ_p X_cp) / (Σ_c X_cp / Σ_cp X_cp)``; presence ``M_cp = RCA_cp >= 1``;
* diversity ``d_c = Σ_p M_cp``, ubiquity ``u_p = Σ_c M_cp``;
* proximity ``φ_pp' = (MᵀM)_pp' / max(u_p, u_p')`` (symmetric, diagonal 1);
* density ``ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp'``;
* ECI/PCI: the eigenvector ``kp`` of the second largest eigenvalue of ``(M/u)ᵀ (M/d)``,
  ``kc = (M/d) kp``, signed so that ECI rises with diversity; ``ECI = (kc − mean kc) / std kc``
  and ``PCI = (kp − mean kc) / std kc`` (population std: a city's ECI is the mean PCI of
  the nodes it is specialised in);
* COI ``Σ_p ω_cp (1 − M_cp) kp``, z-scored; COG
  ``(1 − M_cp) Σ_p' (1 − M_cp') φ_p'p / Σ_p'' φ_p'p'' · kp'`` divided by std kc: how much a
  city would gain in outlook by developing node p, i.e. "which missing link is each city best
  placed to develop".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Complexity:
    locs: list[str]
    prods: list[str]
    value: np.ndarray  # X, locations × products (0 where absent)
    rca: np.ndarray
    mcp: np.ndarray  # 0/1
    diversity: np.ndarray
    ubiquity: np.ndarray
    proximity: np.ndarray  # products × products
    density: np.ndarray
    eci: np.ndarray
    pci: np.ndarray
    coi: np.ndarray
    cog: np.ndarray

    def as_dict(self) -> dict:
        """The CLI's JSON shape: loc_prod, loc and prod rows, sorted by their keys."""

        def num(x) -> float | None:
            x = float(x)
            return None if math.isnan(x) else x

        loc_prod = [
            {
                "loc": loc,
                "prod": prod,
                "rca": num(self.rca[i, j]),
                "mcp": int(self.mcp[i, j]),
                "density": num(self.density[i, j]),
                "cog": num(self.cog[i, j]),
            }
            for i, loc in enumerate(self.locs)
            for j, prod in enumerate(self.prods)
        ]
        loc = [
            {
                "loc": name,
                "diversity": int(self.diversity[i]),
                "eci": num(self.eci[i]),
                "coi": num(self.coi[i]),
            }
            for i, name in enumerate(self.locs)
        ]
        prod = [
            {"prod": name, "ubiquity": int(self.ubiquity[j]), "pci": num(self.pci[j])}
            for j, name in enumerate(self.prods)
        ]
        return {"loc_prod": loc_prod, "loc": loc, "prod": prod}


def matrix(rows) -> tuple[list[str], list[str], np.ndarray]:
    """``(loc, prod, value)`` triples → sorted location and product keys and the value matrix
    (repeated pairs add up; absent pairs are 0)."""
    rows = list(rows)
    locs = sorted({r[0] for r in rows})
    prods = sorted({r[1] for r in rows})
    li = {k: i for i, k in enumerate(locs)}
    pi = {k: j for j, k in enumerate(prods)}
    x = np.zeros((len(locs), len(prods)))
    for loc, prod, val in rows:
        x[li[loc], pi[prod]] += float(val)
    return locs, prods, x


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with 0 where b is 0 (a location or product with no activity has no share)."""
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b != 0)
    return out


def compute(locs: list[str], prods: list[str], x: np.ndarray) -> Complexity:
    """Every measure for the value matrix ``x`` (locations × products, non-negative).

    Locations or products with no value at all, or no presence, cannot be placed in the
    product space: their ECI/PCI is NaN rather than a number made up from nothing.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape != (len(locs), len(prods)):
        raise ValueError("the value matrix must be locations × products")
    if (x < 0).any():
        raise ValueError("values must not be negative")
    total = x.sum()
    share_in_loc = _divide(x, x.sum(axis=1, keepdims=True))
    share_of_prod = _divide(x.sum(axis=0, keepdims=True), np.array(total))
    rca = _divide(share_in_loc, share_of_prod)
    mcp = (rca >= 1).astype(float)
    d = mcp.sum(axis=1)
    u = mcp.sum(axis=0)

    co = mcp.T @ mcp
    proximity = _divide(co, np.maximum(u[:, None], u[None, :]))
    density = _divide(mcp @ proximity, proximity.sum(axis=0, keepdims=True))

    m_d = _divide(mcp, d[:, None])
    m_u = _divide(mcp, u[None, :])
    eigvals, eigvecs = np.linalg.eig(m_u.T @ m_d)
    kp = np.real(eigvecs[:, np.argsort(np.real(eigvals))[-2]])
    kc = m_d @ kp
    # ECI rises with diversity, as the literature reads it (no sign to fix when either is flat).
    if d.std() > 0 and kc.std() > 0 and np.corrcoef(d, kc)[0, 1] < 0:
        kp, kc = -kp, -kc
    mean, std = kc.mean(), kc.std()
    eci = (kc - mean) / std
    pci = (kp - mean) / std

    coi_raw = (density * (1 - mcp) * kp[None, :]).sum(axis=1)
    coi = (coi_raw - coi_raw.mean()) / coi_raw.std()
    weighted = proximity * _divide(kp, proximity.sum(axis=1))[:, None]
    cog = (1 - mcp) * ((1 - mcp) @ weighted) / std
    return Complexity(
        locs=locs,
        prods=prods,
        value=x,
        rca=rca,
        mcp=mcp,
        diversity=d,
        ubiquity=u,
        proximity=proximity,
        density=density,
        eci=eci,
        pci=pci,
        coi=coi,
        cog=cog,
    )


def from_rows(rows) -> Complexity:
    return compute(*matrix(rows))
