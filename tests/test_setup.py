"""A production install: `eco311 setup`, reference data without the demo, and commands on a
database that is not set up.

The end-to-end tests run the real `eco311` command in subprocesses on a fresh data directory
(SQLite), as a new operator would.
"""

import os
import sqlite3
import subprocess
import sys

import pytest

from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.validate import ValidationContext, validate_rows
from eco311.enterprises.survey.workbook import write_returns_workbook
from eco311.install import NOT_SET_UP, OUTDATED

YEAR = 2024
GOOD_PASSWORD = "Huanbao-311-Operator"  # noqa: S105 -- a test password


def eco311(data_dir, *args, **env):
    """Run `eco311 ARGS` in a fresh process on its own SQLite data directory."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "ECO311_SQLITE") and not k.startswith("ECO311_ADMIN_")
    }
    environ.update(ECO311_DATA_DIR=str(data_dir), ECO311_DEMO="false", **env)
    return subprocess.run(
        [sys.executable, "-m", "eco311.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def returns_in(data_dir, year=YEAR) -> int:
    """The returns stored in the data directory's SQLite database (read by the test itself, so
    that it does not depend on the wording of the import command's summary)."""
    with sqlite3.connect(data_dir / "eco311.sqlite3") as db:
        sql = "SELECT count(*) FROM enterprises_annualreturn WHERE year = ?"
        return db.execute(sql, (year,)).fetchone()[0]


def admin_env(username="operator", password=GOOD_PASSWORD):
    return {"ECO311_ADMIN_USERNAME": username, "ECO311_ADMIN_PASSWORD": password}


# -- end to end ----------------------------------------------------------------------------------


def test_a_fresh_install_with_setup_imports_a_survey_workbook(tmp_path):
    data = tmp_path / "var"
    workbook = tmp_path / "returns.xlsx"

    refused = eco311(data, "plan", "load")
    assert refused.returncode == 2
    assert NOT_SET_UP in refused.stderr and "Traceback" not in refused.stderr

    missing = eco311(data, "setup", "--no-input")
    assert missing.returncode == 2
    assert "ECO311_ADMIN_USERNAME" in missing.stderr and "ECO311_ADMIN_PASSWORD" in missing.stderr
    # Refused before anything was written: the database is still not set up.
    assert NOT_SET_UP in eco311(data, "plan", "load").stderr

    first = eco311(data, "setup", "--no-input", **admin_env())
    assert first.returncode == 0, first.stderr
    assert "operator created" in first.stdout
    assert "Nothing changed" not in first.stdout

    again = eco311(data, "setup", "--no-input", **admin_env())
    assert again.returncode == 0, again.stderr
    assert "Nothing changed" in again.stdout and "operator (unchanged)" in again.stdout
    # Upgrades run it without the administrator's variables: an administrator exists.
    upgrade = eco311(data, "setup", "--no-input")
    assert upgrade.returncode == 0 and "Nothing changed" in upgrade.stdout, upgrade.stderr

    written = eco311(
        data, "demo-data", "--enterprises", "20", "--years", str(YEAR), "--seed", "1",
        "--xlsx", str(workbook),
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    imported = eco311(data, "survey", "import", str(workbook), "--year", str(YEAR), "--lang", "en")
    assert imported.returncode == 0, imported.stderr
    assert returns_in(data) == 20
    assert not (tmp_path / "returns-errors.xlsx").exists()


def test_migrate_and_plan_load_alone_give_a_database_the_survey_imports_into(tmp_path):
    """The issue's report: the industry classes came only with the demo, so a valid workbook
    was rejected row by row after `manage migrate` and `plan load`."""
    data = tmp_path / "var"
    workbook = tmp_path / "returns.xlsx"
    assert eco311(data, "manage", "migrate", "--verbosity", "0").returncode == 0
    assert eco311(data, "plan", "load").returncode == 0
    assert (
        eco311(
            data, "demo-data", "--enterprises", "20", "--years", str(YEAR), "--xlsx", str(workbook)
        ).returncode
        == 0
    )
    imported = eco311(data, "survey", "import", str(workbook), "--year", str(YEAR), "--lang", "en")
    assert imported.returncode == 0, imported.stderr
    assert "国民经济行业" not in imported.stderr
    assert returns_in(data) == 20


def test_a_partly_migrated_database_says_to_upgrade(tmp_path):
    data = tmp_path / "var"
    assert eco311(data, "manage", "migrate", "contenttypes", "--verbosity", "0").returncode == 0
    for command in (["plan", "load"], ["worker", "--once"], ["serve", "--port", "1"]):
        refused = eco311(data, *command)
        assert refused.returncode == 2, command
        assert OUTDATED in refused.stderr and "Traceback" not in refused.stderr


def test_a_weak_administrator_password_is_refused_with_the_validators_message(tmp_path):
    data = tmp_path / "var"
    weak = eco311(data, "setup", "--no-input", **admin_env(password="12345678"))
    assert weak.returncode == 2
    assert "too common" in weak.stderr and "entirely numeric" in weak.stderr
    assert NOT_SET_UP in eco311(data, "plan", "load").stderr


# -- an empty reference table ----------------------------------------------------------------------


def rows(n=5):
    population = generate(PopulationSpec(enterprises=n, years=(YEAR,), seed=2))
    return [(i + 3, dict(r)) for i, r in enumerate(population.returns(YEAR))]


def test_an_empty_industry_table_is_one_error_not_one_per_row():
    result = validate_rows(
        rows(), year=YEAR, context=ValidationContext.from_areas(industries=set())
    )
    [error] = result.errors
    assert (error.code, error.row, error.field_key) == ("empty_reference", None, "industry_code")
    assert error.message("zh").startswith("国民经济行业代码表为空")
    assert "eco311 setup" in error.message("zh")
    assert error.message("en") == (
        "The industry code table is empty, so industry codes cannot be checked: "
        "run eco311 setup to load the reference data"
    )
    assert list(result.rows) == []


def test_an_empty_city_table_is_one_error():
    context = ValidationContext.from_areas(industries={"3591"})
    context.cities = frozenset()
    [error] = validate_rows(rows(), year=YEAR, context=context).errors
    assert (error.code, error.params["reason"]) == ("empty_reference", "city")
    assert "The city table is empty" in error.message("en")


def test_a_known_but_wrong_industry_code_is_still_reported_per_row():
    result = validate_rows(
        rows(3), year=YEAR, context=ValidationContext.from_areas(industries={"0000"})
    )
    codes = [e.code for e in result.errors]
    assert codes == ["unknown_industry"] * 3


@pytest.mark.django_db
def test_the_import_of_a_workbook_into_an_empty_industry_table_says_to_run_setup(tmp_path):
    from eco311.enterprises.importer import import_returns
    from eco311.enterprises.models import ImportBatch, IndustryCode

    path = tmp_path / "returns.xlsx"
    population = generate(PopulationSpec(enterprises=30, years=(YEAR,), seed=4))
    write_returns_workbook(path, population.returns(YEAR), year=YEAR)
    IndustryCode.objects.update(is_active=False)  # as on a database where none were loaded
    outcome = import_returns(path.read_bytes(), year=YEAR, file_name=path.name)
    assert not outcome.ok and outcome.batch.outcome == ImportBatch.Outcome.REJECTED
    assert [e.code for e in outcome.errors] == ["empty_reference"]
    assert "请先运行 eco311 setup" in outcome.errors[0].message("zh")


# -- the loaders and setup in process ----------------------------------------------------------------


@pytest.mark.django_db
def test_loading_the_reference_data_again_writes_nothing():
    from eco311.enterprises.reference import sync_industry_codes
    from eco311.geo.loader import sync_areas

    sync_areas()
    sync_industry_codes()
    areas, industries = sync_areas(), sync_industry_codes()
    assert not areas.changed and not industries.changed
    assert areas.unchanged == 30 + 136 and industries.created == industries.updated == 0


@pytest.mark.django_db
def test_a_changed_industry_name_is_updated_and_counted(tmp_path):
    from eco311.enterprises.models import IndustryCode
    from eco311.enterprises.reference import INDUSTRY_FILE, sync_industry_codes

    sync_industry_codes()
    IndustryCode.objects.filter(code="3591").update(name_zh="旧名称")
    changes = sync_industry_codes()
    assert (changes.updated, changes.created, changes.disabled) == (1, 0, 0)
    assert IndustryCode.objects.get(code="3591").name_zh == "环境保护专用设备制造"
    lines = INDUSTRY_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    smaller = tmp_path / "codes.yaml"
    smaller.write_text("".join(x for x in lines if '"3591"' not in x), encoding="utf-8")
    assert sync_industry_codes(smaller).disabled == 1
    assert not IndustryCode.objects.get(code="3591").is_active


@pytest.mark.django_db
def test_interactive_setup_asks_until_the_password_is_valid_and_confirmed(capsys):
    from django.contrib.auth import get_user_model

    from eco311.accounts.models import Role
    from eco311.accounts.people import administrators
    from eco311.install import setup

    get_user_model().objects.update(is_active=False)  # no administrator left
    assert not administrators().exists()
    answers = iter(["chief", "ops@example.org"] * 3)
    secrets = iter(["short", "short", GOOD_PASSWORD, "a typo", GOOD_PASSWORD, GOOD_PASSWORD])
    result = setup(
        interactive=True, ask=lambda _prompt: next(answers), ask_secret=lambda _p: next(secrets)
    )
    err = capsys.readouterr().err
    assert "This password is too short" in err and "do not match" in err
    assert result.changed and "管理员 / administrator: chief created" in result.lines
    user = get_user_model().objects.get(username="chief", is_active=True)
    assert user.check_password(GOOD_PASSWORD) and user.email == "ops@example.org"
    assert user.membership.role == Role.ADMIN and user.membership.unit.key == "ecology-environment"

    again = setup(interactive=True, ask=lambda _p: pytest.fail("asked again"))
    assert not again.changed and again.lines[-1].endswith("the platform was already set up")
