"""Shared fixtures: the worked examples of docs/ranking-methodology.md and the ASEM data.

The tests run the documentation's own examples, so the page cannot drift from the engine.
"""

import re
from pathlib import Path

import pytest
import yaml

from eco311.ranking.engine import parse_csv

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ranking-methodology.md"
ASEM = REPO.parent / "shared" / "testdata" / "coinr-asem"


def merge(base, changes):
    """Deep merge: mappings key by key, lists item by item (extra base items are kept)."""
    if isinstance(base, dict) and isinstance(changes, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in changes.items()}}
    if isinstance(base, list) and isinstance(changes, list):
        return [merge(b, c) for b, c in zip(base, changes, strict=False)] + base[len(changes) :]
    return changes


@pytest.fixture(scope="session")
def doc_blocks():
    """The fenced blocks of the methodology page that carry a name (```yaml name)."""
    text = DOC.read_text(encoding="utf-8")
    return dict(re.findall(r"```\w+ ([\w-]+)\n(.*?)```", text, re.S))


@pytest.fixture
def small_text(doc_blocks):
    """Worked example 1 (min-max, arithmetic means) as YAML text."""
    return doc_blocks["small-methodology"]


@pytest.fixture
def goalposts_text(doc_blocks):
    """Worked example 2: example 1 with the documented goalposts changes merged in."""
    base = yaml.safe_load(doc_blocks["small-methodology"])
    changes = yaml.safe_load(doc_blocks["goalposts-changes"])
    merged = merge(base, changes)
    return yaml.safe_dump(merged, allow_unicode=True, sort_keys=False, default_flow_style=None)


@pytest.fixture
def small_data(doc_blocks):
    return parse_csv(doc_blocks["small-data"], "unit")
