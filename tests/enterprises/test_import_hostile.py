"""Imports that survive hostile files and each other: the command line, the pages and the API
refuse bad input with a message, and large uploads are imported by queued jobs, one at a time."""

import io
import re
import zipfile

import openpyxl
import pytest

from eco311.cli import main
from eco311.core import jobs
from eco311.core.models import Job
from eco311.enterprises import uploads
from eco311.enterprises.jobs import JOB_KIND
from eco311.enterprises.models import AnnualReturn, Enterprise, ImportBatch
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.workbook import RETURNS_SHEET, write_returns_workbook

pytestmark = pytest.mark.django_db
YEAR = 2024
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture
def workbooks(tmp_path, settings, factories):
    """A good workbook of 30 synthetic enterprises, a non-workbook, a far-cell file."""
    settings.MEDIA_ROOT = tmp_path / "media"
    load_industry_codes()
    # New to the registry (the session population's seed is 3): every row creates its enterprise.
    generated = generate(PopulationSpec(enterprises=30, years=(YEAR,), seed=17)).returns(YEAR)
    rows = factories.unregistered(list(generated))
    good = tmp_path / "returns.xlsx"
    write_returns_workbook(good, rows, year=YEAR)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"%PDF-1.4 this is not a workbook")
    wb = openpyxl.Workbook()
    wb.active.title = RETURNS_SHEET
    wb.active["A1"] = "x"
    wb.active["XFD1048576"] = 1
    far = tmp_path / "far.xlsx"
    wb.save(far)
    return {"good": good, "junk": junk, "far": far, "rows": rows, "dir": tmp_path}


def upload(client, path, year=YEAR, approve=True):
    with open(path, "rb") as fh:
        data = {"file": fh, "year": year}
        if approve:
            data["approve"] = "on"
        return client.post("/survey/import/", data)


@pytest.fixture
def token_for(personas):
    """Request headers with a bearer token of the named persona (as tests/api/conftest.py)."""
    from eco311.accounts.models import ApiToken

    return lambda name: {
        "HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(personas[name], 'test')[1]}"
    }


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


# -- the command line ----------------------------------------------------------------------


def run_cli(capsys, *args):
    code = main(["survey", "import", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cli_refuses_a_non_workbook_in_one_line_without_a_traceback(workbooks, capsys, lang):
    code, out, err = run_cli(capsys, workbooks["junk"], "--year", YEAR, "--lang", lang)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    if lang == "zh":
        assert "无法读取该文件" in err
        assert not LATIN_WORD.search(err.replace("Excel", "").replace("xlsx", ""))
    else:
        assert err.startswith("The file cannot be read (")
    assert not (workbooks["dir"] / "junk-errors.xlsx").exists()  # nothing to mark
    assert ImportBatch.objects.get().outcome == "rejected"


@pytest.mark.parametrize(
    ("lang", "expected"), [("zh", "不是文件"), ("en", "not a file (a directory?)")]
)
def test_the_cli_refuses_a_directory(workbooks, capsys, lang, expected):
    code, _out, err = run_cli(capsys, workbooks["dir"], "--year", YEAR, "--lang", lang)
    assert code == 2 and expected in err and len(err.strip().splitlines()) == 1
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("year", [1999, 2101, 24])
def test_the_cli_refuses_a_year_outside_2000_to_2100(workbooks, capsys, year):
    code, _out, err = run_cli(capsys, workbooks["good"], "--year", year)
    assert code == 2 and f"--year {year}" in err and "2000—2100" in err
    code, _out, err = run_cli(capsys, workbooks["good"], "--year", year, "--lang", "en")
    assert code == 2 and "between 2000 and 2100" in err
    assert not ImportBatch.objects.exists()


def test_the_cli_refuses_a_file_beyond_the_limits_without_reading_it(workbooks, capsys):
    code, _out, err = run_cli(capsys, workbooks["far"], "--year", YEAR)
    assert code == 1 and "XFD1048576" in err and "文件未被读取" in err
    assert len(err.strip().splitlines()) == 1
    assert not (workbooks["dir"] / "far-errors.xlsx").exists()
    assert ImportBatch.objects.get().errors[0]["code"] == "too_large"


def test_the_cli_reports_a_formula_cell_as_a_formula(workbooks, capsys):
    wb = openpyxl.load_workbook(workbooks["good"])
    employees = load_dictionary().by_key["employees"]
    column = employees.letter
    wb[RETURNS_SHEET][f"{column}3"] = f"={column}4+1"
    path = workbooks["dir"] / "formula.xlsx"
    wb.save(path)
    code, _out, err = run_cli(capsys, path, "--year", YEAR)
    assert code == 1
    assert f"第 3 行 {column} 列「{employees.label.zh}」是公式单元格（={column}4+1）" in err
    assert "粘贴" in err and "数值" in err
    assert "不是数字" not in err and "必填" not in err.split("\n")[0]
    code, _out, err = run_cli(capsys, path, "--year", YEAR, "--lang", "en")
    assert f"Row 3, column {column}" in err and "holds a formula" in err
    assert "errors; nothing was imported; marked copy:" in err.splitlines()[-1]


# -- the pages: refused files offer no marked copy -------------------------------------------


@pytest.mark.parametrize("which", ["junk", "far"])
def test_a_refused_upload_offers_no_marked_workbook(client_for, workbooks, which):
    admin = client_for("admin")
    response = upload(admin, workbooks[which])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.outcome == "rejected"
    assert uploads.stored_path(batch).is_file()  # the file is kept for the ledger
    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="marked-link"' not in page
    assert f"/survey/import/{batch.pk}/errors.xlsx" not in page
    assert admin.get(f"/survey/import/{batch.pk}/errors.xlsx").status_code == 404
    expected = "无法读取该文件" if which == "junk" else "文件未被读取"
    assert expected in page


# -- large uploads: background jobs, one at a time -------------------------------------------


@pytest.fixture
def background(settings):
    """Every upload is "large": imported by a queued job."""
    settings.ECO311_IMPORT_BACKGROUND_KB = 0


def test_a_large_upload_gets_its_ledger_entry_at_once_and_a_job(client_for, workbooks, background):
    admin = client_for("admin")
    response = upload(admin, workbooks["good"])
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/survey/import/{batch.pk}/"
    assert batch.outcome == "pending" and batch.job.kind == JOB_KIND
    assert batch.job.status == Job.Status.QUEUED and batch.job.created_by.username == "admin"
    assert not AnnualReturn.objects.filter(batch=batch).exists()  # nothing imported yet
    assert uploads.stored(batch) == workbooks["good"].read_bytes()

    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="import-progress"' in page and 'data-state="queued"' in page
    assert f'hx-get="/survey/import/{batch.pk}/progress/"' in page
    ledger = admin.get("/survey/").content.decode()
    assert "导入中" in ledger[ledger.index('data-testid="ledger"') :] or "Importing" in ledger

    done = jobs.run_next("w1")
    assert done.status == Job.Status.DONE, done.error
    batch.refresh_from_db()
    assert batch.outcome == "applied" and batch.created == len(workbooks["rows"])
    imported = AnnualReturn.objects.filter(batch=batch, year=YEAR, status="approved")
    assert imported.count() == batch.created
    assert done.result["batch"] == batch.pk and done.progress == 1.0

    fragment = admin.get(f"/survey/import/{batch.pk}/progress/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert 'data-state="done"' in fragment.content.decode()
    assert "hx-trigger" not in fragment.content.decode()  # it stops polling
    page = admin.get(response["Location"]).content.decode()
    assert 'data-testid="import-progress"' not in page
    assert f'<div class="kpi-value">{batch.created}</div>' in page


def test_a_second_import_waits_in_the_queue_while_one_runs(client_for, workbooks, background):
    admin = client_for("admin")
    upload(admin, workbooks["good"])
    upload(admin, workbooks["good"], approve=False)
    first, second = ImportBatch.objects.order_by("pk")
    other = jobs.enqueue("ranking.run", {"ranking": 0})  # another kind is not held back

    running = jobs.claim("w1")
    assert running.pk == first.job_id and running.status == Job.Status.RUNNING
    taken = jobs.claim("w2")  # the second import is passed over, the other kind is not
    assert taken is not None and taken.pk == other.pk
    assert jobs.claim("w3") is None
    second.job.refresh_from_db()
    assert second.job.status == Job.Status.QUEUED
    page = admin.get(f"/survey/import/{second.pk}/progress/").content.decode()
    assert 'data-state="queued"' in page and 'hx-trigger="every 1s"' in page
    english(admin)
    page = admin.get(f"/survey/import/{second.pk}/progress/").content.decode()
    assert "1 import(s) ahead in the queue" in page

    assert jobs.run(running).status == Job.Status.DONE
    then = jobs.claim("w2")
    assert then is not None and then.pk == second.job_id  # now it runs
    assert jobs.run(then).status == Job.Status.DONE
    first.refresh_from_db(), second.refresh_from_db()
    assert first.created == len(workbooks["rows"])
    assert (second.created, second.unchanged) == (0, len(workbooks["rows"]))


def test_a_failed_import_job_rejects_its_entry_with_a_message(client_for, workbooks, background):
    admin = client_for("admin")
    registry = Enterprise.objects.count()  # the session's survey population
    upload(admin, workbooks["good"])
    batch = ImportBatch.objects.get()
    uploads.stored_path(batch).unlink()  # the file vanished before the job ran
    job = jobs.run_next("w1")
    assert job.status == Job.Status.FAILED and "gone" in job.error
    batch.refresh_from_db()
    assert batch.outcome == "rejected" and batch.errors[0]["code"] == "import_failed"
    page = admin.get(f"/survey/import/{batch.pk}/").content.decode()
    assert "导入未能完成" in page and 'data-testid="marked-link"' not in page
    assert Enterprise.objects.count() == registry


def test_a_large_upload_through_the_api_answers_202_with_the_pending_entry(
    client, token_for, workbooks, background
):
    with open(workbooks["good"], "rb") as fh:
        response = client.post(
            "/api/survey/import", {"file": fh, "year": YEAR}, **token_for("admin")
        )
    assert response.status_code == 202, response.content
    body = response.json()
    batch = ImportBatch.objects.get()
    assert body["id"] == batch.pk and body["outcome"] == "pending" and body["created"] == 0
    assert jobs.run_next("w1").status == Job.Status.DONE
    detail = client.get(f"/api/survey/batches/{batch.pk}", **token_for("admin")).json()
    assert detail["outcome"] == "applied" and detail["created"] == len(workbooks["rows"])


def test_a_refused_api_upload_answers_the_declared_422_body(client, token_for, tmp_path):
    text = tmp_path / "returns.csv"
    text.write_text("uscc,name\n")
    with open(text, "rb") as fh:
        response = client.post(
            "/api/survey/import", {"file": fh, "year": YEAR}, **token_for("admin")
        )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "batch"} and body["batch"] is None
    assert "file" in body["detail"]
    schema = client.get("/api/openapi.json").json()
    declared = schema["paths"]["/api/survey/import"]["post"]["responses"]["422"]
    ref = declared["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][ref]["properties"]
    assert set(body) <= set(properties)
    assert not ImportBatch.objects.exists()


def test_the_archive_check_reads_the_limits_from_the_settings(client_for, workbooks, settings):
    settings.ECO311_IMPORT_MAX_ROWS = 10  # the good workbook has 32 rows
    admin = client_for("admin")
    upload(admin, workbooks["good"])
    batch = ImportBatch.objects.get()
    assert batch.outcome == "rejected"
    assert (batch.errors[0]["code"], batch.errors[0]["params"]["limit"]) == ("too_large", 10)
    with zipfile.ZipFile(io.BytesIO(workbooks["good"].read_bytes())) as z:
        assert z.testzip() is None  # a sound file, refused by the limit alone
