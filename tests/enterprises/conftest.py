"""A small synthetic enterprise population for the page and scope tests."""

import pytest

SMALL = dict(enterprises=200, years=(2023, 2024), seed=3)


@pytest.fixture
def survey_population(db, personas):
    """200 synthetic enterprises with approved 2023 and 2024 returns, the KPI values computed,
    and the enterprise persona linked to the first of them (as `eco311 demo` does)."""
    from eco311.demo import create_accounts
    from eco311.enterprises import kpis
    from eco311.enterprises.demo import load_population
    from eco311.enterprises.survey.synthetic import PopulationSpec

    counts = load_population(PopulationSpec(**SMALL))
    kpis.recompute()
    create_accounts("pw")
    return counts
