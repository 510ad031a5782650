"""The synthetic generator takes its counties from the county file, and nothing else changed.

``synthetic.COUNTIES`` used to be a literal in synthetic.py. The digests below were taken from
that literal and from a population generated with it; the county file must reproduce both
exactly. (A numpy upgrade that changes its random streams would change the population digest
too: check the county digest first.)
"""

from __future__ import annotations

import ast
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from eco311.enterprises.survey import synthetic
from eco311.enterprises.survey.synthetic import PopulationSpec, generate

#: sha256 of json.dumps({city: [[code, name], ...]}, ensure_ascii=False) of the old literal.
COUNTIES_DIGEST = "9fe6278c4d0183a852663c962213f78f5b291cb283fc6beec36d5ba5fe6aad47"
#: sha256 of every enterprise and return of SMALL (see population_digest), old literal.
SMALL = PopulationSpec(enterprises=200, years=(2023, 2024, 2025), seed=7)
SMALL_DIGEST = "686e879893fce3b5d0f07de28a8c3904c747ba3f459225e7fc0ffb73061f8f72"


def population_digest(spec: PopulationSpec) -> str:
    population = generate(spec)
    digest = hashlib.sha256()
    for e in population.enterprises:
        digest.update(
            json.dumps(asdict(e), sort_keys=True, ensure_ascii=False, default=str).encode()
        )
    for row in population.all_returns():
        digest.update(json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()


def test_the_county_list_is_unchanged():
    counties = synthetic.COUNTIES
    assert all(
        type(rows) is tuple and all(type(r) is tuple for r in rows) for rows in counties.values()
    )
    text = json.dumps(
        {city: [list(r) for r in rows] for city, rows in counties.items()}, ensure_ascii=False
    )
    assert hashlib.sha256(text.encode()).hexdigest() == COUNTIES_DIGEST
    assert counties["370100"][0] == ("370102", "历下区")
    assert sum(len(rows) for rows in counties.values()) == 136


def test_the_same_seed_still_gives_the_same_population():
    assert population_digest(SMALL) == SMALL_DIGEST


def test_counties_can_be_imported_by_name():
    from eco311.enterprises.survey.synthetic import COUNTIES

    assert COUNTIES is synthetic.COUNTIES


def test_the_generator_stays_free_of_django():
    tree = ast.parse(Path(synthetic.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {m for m in imported if m.split(".")[0] == "django"}
    assert not {m for m in imported if m.startswith("eco311.") and m.endswith(".models")}
