"""Importing survey workbooks: clean, idempotent, all-or-nothing, recorded in the ledger."""

import io

import pytest
from openpyxl import load_workbook

from eco311.cli import main
from eco311.enterprises.importer import highlighted, import_returns
from eco311.enterprises.models import AnnualReturn, Enterprise, ImportBatch
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.workbook import write_returns_workbook

pytestmark = pytest.mark.django_db
YEAR = 2024


@pytest.fixture
def workbook(tmp_path, factories):
    load_industry_codes()
    population = generate(PopulationSpec(enterprises=120, years=(YEAR,), seed=7))
    rows = factories.unregistered(list(population.returns(YEAR)))  # each one a new enterprise
    path = tmp_path / "returns.xlsx"
    write_returns_workbook(path, rows, year=YEAR)
    return path.read_bytes(), rows


def test_a_generated_workbook_imports_cleanly_and_again_changes_nothing(workbook, personas):
    data, rows = workbook
    first = import_returns(data, year=YEAR, file_name="returns.xlsx", user=personas["admin"])
    assert first.ok, [e.message("en") for e in first.errors[:5]]
    assert first.batch.created == len(rows) and first.batch.updated == 0
    assert AnnualReturn.objects.filter(year=YEAR, batch=first.batch).count() == len(rows)
    history = AnnualReturn.history.count()
    second = import_returns(data, year=YEAR, file_name="returns.xlsx", user=personas["admin"])
    assert second.ok
    assert (second.batch.created, second.batch.updated, second.batch.unchanged) == (0, 0, len(rows))
    assert AnnualReturn.history.count() == history
    assert first.batch.sha256 == second.batch.sha256


def test_a_corrected_value_updates_one_return_and_keeps_its_history(workbook, tmp_path, personas):
    data, rows = workbook
    import_returns(data, year=YEAR, file_name="a.xlsx", user=personas["admin"])
    rows[0]["employees"] = rows[0]["employees"] + 7
    path = tmp_path / "b.xlsx"
    write_returns_workbook(path, rows, year=YEAR)
    outcome = import_returns(
        path.read_bytes(), year=YEAR, file_name="b.xlsx", user=personas["admin"]
    )
    assert (outcome.batch.created, outcome.batch.updated) == (0, 1)
    ret = AnnualReturn.objects.get(enterprise__uscc=rows[0]["uscc"], year=YEAR)
    assert ret.employees == rows[0]["employees"]
    assert ret.history.count() == 2


def test_a_bad_workbook_is_rejected_whole_with_located_errors(workbook, tmp_path):
    data, rows = workbook
    rows[1]["total_revenue"] = -5
    rows[2]["city_code"] = "379900"
    rows[3]["uscc"] = rows[4]["uscc"]
    path = tmp_path / "bad.xlsx"
    write_returns_workbook(path, rows, year=YEAR)
    bad = path.read_bytes()
    before = Enterprise.objects.count(), AnnualReturn.objects.count()  # the session population
    outcome = import_returns(bad, year=YEAR, file_name="bad.xlsx")
    assert not outcome.ok
    codes = {e.code for e in outcome.errors}
    assert {"negative", "unknown_city", "duplicate_enterprise"} <= codes
    assert (Enterprise.objects.count(), AnnualReturn.objects.count()) == before
    batch = ImportBatch.objects.get()
    assert batch.outcome == "rejected" and batch.errors
    assert all(e.row and e.column for e in outcome.errors)
    assert "行" in outcome.errors[0].message("zh")
    marked = load_workbook(io.BytesIO(highlighted(bad, outcome.errors, "zh")))
    assert "错误清单 Errors" in marked.sheetnames


def test_import_from_the_command_line(workbook, tmp_path, capsys):
    data, rows = workbook
    path = tmp_path / "returns.xlsx"
    path.write_bytes(data)
    assert main(["survey", "import", str(path), "--year", str(YEAR), "--approve"]) == 0
    assert f"新建 {len(rows)} 条" in capsys.readouterr().out  # Chinese unless --lang en
    imported = AnnualReturn.objects.filter(enterprise__uscc__in=[r["uscc"] for r in rows])
    assert imported.filter(status="approved").count() == len(rows)
    assert main(["survey", "import", str(path), "--year", str(YEAR), "--lang", "en"]) == 0
    assert f"0 created, 0 updated, {len(rows)} unchanged" in capsys.readouterr().out


def test_a_rejected_import_writes_the_highlighted_workbook(workbook, tmp_path, capsys):
    data, rows = workbook
    rows[0]["employees"] = "many"
    path = tmp_path / "bad.xlsx"
    write_returns_workbook(path, rows, year=YEAR)
    assert main(["survey", "import", str(path), "--year", str(YEAR)]) == 1
    out = capsys.readouterr()
    assert "bad-errors.xlsx" in out.err
    assert (tmp_path / "bad-errors.xlsx").exists()


def test_the_template_command_writes_a_workbook(tmp_path):
    out = tmp_path / "template.xlsx"
    assert main(["survey", "template", str(out)]) == 0
    wb = load_workbook(out)
    assert len(wb.sheetnames) >= 2
