"""Eligibility: which units may be ranked at all, before any other step runs.

A list that decides who gets support excludes some units outright (for the 311 list: a major
environmental violation in the year). The rules are part of the methodology file, so the
published methodology says who was never in the running, and the excluded units take no part in
imputation, normalisation or any other statistic of the run.
"""

from __future__ import annotations

import operator

import numpy as np

from eco311.ranking.engine.methodology import EligibilityRule, Methodology
from eco311.ranking.engine.table import DataTable

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def meets(rule: EligibilityRule, values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (NaN = missing) meet the rule's exclusion condition."""
    condition = rule.exclude_if
    missing = np.isnan(values)
    with np.errstate(invalid="ignore"):
        met = _OPS[condition.op](values, condition.value) & ~missing
    return met | missing if condition.missing else met


def exclusions(data: DataTable, methodology: Methodology) -> dict[str, str]:
    """Unit -> code of the first rule that excludes it, in data order (units not listed are
    eligible)."""
    rules = methodology.eligibility.rules
    if not rules:
        return {}
    hits = np.column_stack([meets(r, data.numbers(r.exclude_if.column)) for r in rules])
    return {
        data.units[i]: rules[int(np.argmax(hits[i]))].code for i in np.flatnonzero(hits.any(axis=1))
    }
