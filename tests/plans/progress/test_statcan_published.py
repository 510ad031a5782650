"""Golden test: Statistics Canada's 247 published Open SDG progress results, reproduced exactly.

The data live in ../shared/testdata/statcan-progress (see its README-provenance.md): the
indicator_calculation_components.yml that sdg-build 2.4 wrote for sdg-data-canada-odd-donnees,
reduced to the input columns of ``eco311 progress measure`` (canada-cases.csv) and the
published status, score and progress value per series (canada-expected.json). It is read in
place, never copied into the repository.
"""

import json
from pathlib import Path

import pytest

from eco311.plans.progress.cli import read_series
from eco311.plans.progress.measure import MeasureConfig, measure

STATCAN = Path(__file__).resolve().parents[3].parent / "shared" / "testdata" / "statcan-progress"

pytestmark = pytest.mark.skipif(
    not STATCAN.is_dir(), reason=f"Statistics Canada test data not available at {STATCAN}"
)


@pytest.fixture(scope="module")
def cases():
    text = (STATCAN / "canada-cases.csv").read_text(encoding="utf-8")
    series = read_series(text, "canada-cases.csv")
    expected = json.loads((STATCAN / "canada-expected.json").read_text(encoding="utf-8"))
    return series, {e["id"]: e for e in expected}


def test_the_data_set_holds_247_series_with_published_results(cases):
    series, expected = cases
    assert len(series) == len(expected) == 247
    assert {s.id for s in series} == set(expected)


def test_every_published_status_score_and_progress_value_is_reproduced(cases):
    series, expected = cases
    mismatches = []
    for s in series:
        got, want = measure(s), expected[s.id]
        if got.status != want["status"]:
            mismatches.append((s.id, "status", got.status, want["status"]))
        for key in ("score", "progress_value"):
            g, w = getattr(got, key), want[key]
            if (g is None) != (w is None) or (g is not None and abs(g - w) > 1e-9):
                mismatches.append((s.id, key, g, w))
    assert mismatches == []


def test_exact_interpolated_lines_would_miss_the_published_scores(cases):
    # Why the default keeps sdg-build's rounded constants: exact lines drift by up to ~7e-5.
    series, expected = cases
    exact = MeasureConfig(score_lines="interpolated")
    drift = max(
        abs(measure(s, exact).score - expected[s.id]["score"])
        for s in series
        if expected[s.id]["score"] is not None and measure(s, exact).score is not None
    )
    assert 1e-9 < drift < 1e-4
