"""The survey's optional chain-node column: in the template, checked against the chain taxonomy
(a located error, nothing written), declared placements once the import is applied, and older
workbooks without the column still import."""

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from eco311.chains import taxonomy
from eco311.chains.models import Placement
from eco311.enterprises.importer import import_returns
from eco311.enterprises.models import AnnualReturn, Enterprise
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.validate import RETURNS_SHEET
from eco311.enterprises.survey.workbook import write_returns_workbook, write_template

pytestmark = pytest.mark.django_db
YEAR = 2024
KEY = "chain_nodes"


@pytest.fixture
def rows(factories):
    load_industry_codes()
    population = generate(PopulationSpec(enterprises=6, years=(YEAR,), seed=11))
    return factories.unregistered(list(population.returns(YEAR)))


def _nodes():
    nodes = taxonomy.load().nodes
    return nodes[0], nodes[-1]


def _bytes(rows, dictionary=None) -> bytes:
    out = io.BytesIO()
    write_returns_workbook(out, rows, dictionary, year=YEAR)
    return out.getvalue()


def _old_dictionary():
    """The dictionary as it was before the column: every field but chain_nodes."""
    d = load_dictionary()
    old = d.model_copy(update={"fields": [f for f in d.fields if f.key != KEY]})
    old.__dict__.pop("by_key", None)  # a cached lookup copied from the original
    return old


def test_the_template_has_the_optional_column_last():
    d = load_dictionary()
    spec = d.by_key[KEY]
    assert spec.column == len(d.fields) and spec.group == "registry"
    assert not spec.required and spec.optional_column
    out = io.BytesIO()
    write_template(out, year=YEAR)
    sheet = load_workbook(io.BytesIO(out.getvalue()))[RETURNS_SHEET]
    assert sheet[f"{spec.letter}1"].value.startswith(spec.label.zh)
    assert sheet[f"{spec.letter}2"].value.startswith(spec.label.en)


def test_good_codes_become_declared_placements(rows, personas):
    a, b = _nodes()
    rows[0][KEY] = f"{a.code}、{b.code.upper()}"
    rows[1][KEY] = a.name.zh  # a node's name is taken too
    outcome = import_returns(_bytes(rows), year=YEAR, file_name="r.xlsx", user=personas["admin"])
    assert outcome.ok, [e.message("en") for e in outcome.errors]
    first = Enterprise.objects.get(uscc=rows[0]["uscc"])
    second = Enterprise.objects.get(uscc=rows[1]["uscc"])
    declared = Placement.objects.filter(status=Placement.Status.DECLARED)
    assert set(declared.filter(enterprise=first).values_list("node", flat=True)) == {
        a.code,
        b.code,
    }
    assert list(declared.filter(enterprise=second).values_list("node", flat=True)) == [a.code]
    # a blank cell declares nothing
    third = Enterprise.objects.get(uscc=rows[2]["uscc"])
    assert not Placement.objects.filter(enterprise=third, status="declared").exists()
    row = declared.filter(enterprise=first).first()
    assert row.history.count() == 1 and row.decided_by == personas["admin"]


def test_an_unknown_code_is_a_located_error_and_nothing_is_written(rows):
    a, _b = _nodes()
    rows[3][KEY] = f"{a.code}、no-such-node"
    before = (
        Enterprise.objects.count(),
        AnnualReturn.objects.count(),
        Placement.objects.count(),
    )
    outcome = import_returns(_bytes(rows), year=YEAR, file_name="bad.xlsx")
    assert not outcome.ok
    [error] = [e for e in outcome.errors if e.field_key == KEY]
    letter = load_dictionary().by_key[KEY].letter
    assert (error.sheet, error.row, error.column, error.code) == (
        RETURNS_SHEET,
        3 + 3,  # data starts in row 3: the fourth row
        letter,
        "unknown_chain_node",
    )
    zh = error.message("zh")
    assert f"第 6 行 {letter} 列" in zh and "“no-such-node”" in zh
    assert error.params["codes"] == "no-such-node"  # the known code is not blamed
    with translation.override("en"):
        en = error.message("en")
    assert f"Row 6, column {letter}" in en and "not a node code of the chain map" in en
    after = (
        Enterprise.objects.count(),
        AnnualReturn.objects.count(),
        Placement.objects.count(),
    )
    assert after == before


def test_an_old_workbook_without_the_column_still_imports(rows):
    data = _bytes(rows, _old_dictionary())
    header = load_workbook(io.BytesIO(data))[RETURNS_SHEET][1]
    assert load_dictionary().by_key[KEY].label.zh not in [c.value for c in header]
    outcome = import_returns(data, year=YEAR, file_name="old.xlsx")
    assert outcome.ok, [e.message("en") for e in outcome.errors]
    assert not [w for w in outcome.warnings if w.field_key == KEY]
    assert outcome.batch.created == len(rows)
    ids = Enterprise.objects.filter(uscc__in=[r["uscc"] for r in rows]).values_list("pk", flat=True)
    assert not Placement.objects.filter(enterprise_id__in=list(ids), status="declared").exists()


def test_a_missing_ordinary_column_is_still_an_error(rows):
    """Only a column marked optional may be absent."""
    d = load_dictionary()
    without = d.model_copy(update={"fields": [f for f in d.fields if f.key != "main_products"]})
    without.__dict__.pop("by_key", None)
    outcome = import_returns(_bytes(rows, without), year=YEAR, file_name="x.xlsx")
    assert not outcome.ok
    assert "missing_column" in {e.code for e in outcome.errors if e.field_key == "main_products"}
