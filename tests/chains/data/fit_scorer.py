"""Fit the placement scorer's confidence coefficients on the labelled set, and report.

    uv run python tests/chains/data/fit_scorer.py

Prints the coefficients to copy into chains/scorer.py (B0, B_EVIDENCE, B_REL, B_CLASS,
B_SEGMENT), the calibration by confidence band, the accuracy in-sample, and a two-fold check
(fit on the odd lines, measure on the even ones, and the reverse) so that the in-sample figure
is not read as more than it is. Logistic regression by Newton's method with a small ridge
(0.1) on the slopes; one row per candidate node (a node some word points to), "is a true node"
the outcome, each text scored twice: alone, and with its labelled class and segment as priors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from eco311.chains import scorer as scorer_module
from eco311.chains import taxonomy
from eco311.chains.classify_cli import accuracy, read_labelled

LABELLED = Path(__file__).with_name("placement-labelled.tsv")
NAMES = ("B0", "B_EVIDENCE", "B_REL", "B_CLASS", "B_SEGMENT")


def design(s, rows):
    X, y = [], []
    for text, gb, seg, nodes in rows:
        for industry, segment in ((None, None), (gb or None, seg)):
            for code, (_conf, _words, features, _span) in s.scores(text, industry, segment).items():
                X.append([1.0, *features])
                y.append(1.0 if code in nodes else 0.0)
    return np.array(X), np.array(y)


def fit(X, y, ridge=0.1):
    b = np.zeros(X.shape[1])
    penalty = ridge * np.diag(np.r_[0.0, np.ones(X.shape[1] - 1)])
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ b))
        step = np.linalg.solve((X.T * (p * (1 - p))) @ X + penalty, X.T @ (p - y) + penalty @ b)
        b -= step
        if np.abs(step).max() < 1e-9:
            break
    return b


def use(b):
    for name, value in zip(NAMES, b, strict=True):
        setattr(scorer_module, name, float(value))


def main():
    tax = taxonomy.load()
    s = scorer_module.Scorer(tax)
    rows = read_labelled(str(LABELLED), tax)
    keys = ("n", "top1", "precision", "recall", "segment_accuracy", "class_accuracy")
    before = {k: accuracy(s, rows)[k] for k in keys}
    folds = []
    for train, test in ((rows[1::2], rows[0::2]), (rows[0::2], rows[1::2])):
        use(fit(*design(s, train)))
        folds.append({k: accuracy(s, test)[k] for k in keys})
    X, y = design(s, rows)
    b = fit(X, y)
    use(b)
    p = 1 / (1 + np.exp(-X @ b))
    bands = []
    for lo, hi in ((0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01)):
        m = (p >= lo) & (p < hi)
        if m.any():
            bands.append(
                {
                    "band": f"{lo:.1f}-{min(hi, 1):.1f}",
                    "n": int(m.sum()),
                    "true": round(y[m].mean(), 2),
                }
            )
    report = {
        "coefficients": {n: round(float(v), 2) for n, v in zip(NAMES, b, strict=True)},
        "with_the_shipped_coefficients": before,
        "in_sample_after_fit": {k: accuracy(s, rows)[k] for k in keys},
        "two_fold": folds,
        "calibration": bands,
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
