"""The bulk writer of the survey import: the history rows django-simple-history would write."""

import io
from datetime import timedelta

import pytest
from django.test import override_settings

from eco311.enterprises import importer
from eco311.enterprises.importer import import_returns
from eco311.enterprises.models import AnnualReturn, Enterprise, FormerName
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.synthetic import PopulationSpec, generate
from eco311.enterprises.survey.workbook import write_returns_workbook

pytestmark = pytest.mark.django_db
YEAR = 2024


@pytest.fixture
def rows(factories):
    load_industry_codes()
    population = generate(PopulationSpec(enterprises=60, years=(YEAR,), seed=15))
    return factories.unregistered(list(population.returns(YEAR)))  # each one a new enterprise


def workbook(rows) -> bytes:
    out = io.BytesIO()
    write_returns_workbook(out, rows, year=YEAR)
    return out.getvalue()


def tracked(record, model):
    """The tracked fields of a row or of a history row, by attname."""
    return {f.attname: getattr(record, f.attname) for f in model.history.model.tracked_fields}


def history_counts() -> tuple[int, int]:
    """(Enterprise, AnnualReturn) history rows: the session's survey population has its own,
    so the tests count what an import adds."""
    return Enterprise.history.count(), AnnualReturn.history.count()


def test_every_written_row_gets_a_history_row_with_its_full_state(rows, personas):
    admin = personas["admin"]
    before = {m: (m.history.count(), m.objects.count()) for m in (Enterprise, AnnualReturn)}
    first = import_returns(workbook(rows), year=YEAR, file_name="a.xlsx", user=admin)
    assert first.ok and first.batch.created == len(rows)
    for model in (Enterprise, AnnualReturn):
        history, objects = before[model]
        assert model.history.count() - history == model.objects.count() - objects == len(rows)
        record = model.objects.order_by("pk").last()
        [h] = record.history.all()
        assert h.history_type == "+" and h.history_user_id == admin.pk
        assert h.history_change_reason == f"import {first.batch.pk}"
        assert tracked(h, model) == tracked(record, model)
        assert record.created_on == record.modified_on
        assert abs(record.created_on - first.batch.imported_on) < timedelta(minutes=1)
        assert abs(h.history_date - record.created_on) < timedelta(minutes=1)


def test_a_changed_enterprise_and_return_get_an_update_row(rows, personas):
    admin = personas["admin"]
    enterprises, returns = history_counts()
    former = FormerName.objects.count()
    import_returns(workbook(rows), year=YEAR, file_name="a.xlsx", user=admin)
    old_name = rows[0]["name"]
    rows[0]["name"] = "改名后的环保科技有限公司"
    rows[1]["employees"] = (rows[1]["employees"] or 0) + 5
    second = import_returns(workbook(rows), year=YEAR, file_name="b.xlsx", user=admin)
    b = second.batch
    assert (b.created, b.updated, b.unchanged) == (0, 1, len(rows) - 1)  # returns

    renamed = Enterprise.objects.get(uscc=rows[0]["uscc"])
    assert renamed.name == rows[0]["name"] and renamed.modified_by_id == admin.pk
    assert list(renamed.former_names.values_list("name", flat=True)) == [old_name]
    latest = renamed.history.order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_change_reason == f"import {b.pk}"
    assert tracked(latest, Enterprise) == tracked(renamed, Enterprise)
    assert renamed.history.count() == 2

    changed = AnnualReturn.objects.get(enterprise__uscc=rows[1]["uscc"], year=YEAR)
    assert changed.employees == rows[1]["employees"] and changed.batch_id == b.pk
    latest = changed.history.order_by("-history_id").first()
    assert latest.history_type == "~" and tracked(latest, AnnualReturn) == tracked(
        changed, AnnualReturn
    )
    assert AnnualReturn.history.count() - returns == len(rows) + 1
    assert Enterprise.history.count() - enterprises == len(rows) + 1  # the renamed one only
    assert FormerName.objects.count() - former == 1


def test_approving_unchanged_returns_updates_their_status(rows):
    data = workbook(rows)
    import_returns(data, year=YEAR, file_name="a.xlsx")
    again = import_returns(data, year=YEAR, file_name="a.xlsx", approve=True)
    assert (again.batch.updated, again.batch.unchanged) == (len(rows), 0)
    mine = AnnualReturn.objects.filter(enterprise__uscc__in=[r["uscc"] for r in rows])
    assert set(mine.values_list("status", flat=True)) == {"approved"}
    assert AnnualReturn.history.filter(history_type="~", status="approved").count() == len(rows)
    third = import_returns(data, year=YEAR, file_name="a.xlsx", approve=True)
    assert third.batch.unchanged == len(rows)


def test_the_registry_is_read_whole_or_in_chunks_alike(rows, monkeypatch):
    _enterprises, returns = history_counts()
    import_returns(workbook(rows[:40]), year=YEAR, file_name="a.xlsx")
    monkeypatch.setattr(importer, "_SCAN_FROM", 10)  # read the whole table instead
    monkeypatch.setattr(importer, "_CHUNK", 7)
    rows[3]["exports"] = (rows[3]["exports"] or 0) + 1
    outcome = import_returns(workbook(rows), year=YEAR, file_name="b.xlsx")
    b = outcome.batch
    assert (b.created, b.updated, b.unchanged) == (len(rows) - 40, 1, 39)
    assert AnnualReturn.history.count() - returns == len(rows) + 1


@override_settings(SIMPLE_HISTORY_ENABLED=False)
def test_no_history_rows_when_history_is_off(rows):
    before = history_counts()
    assert import_returns(workbook(rows), year=YEAR, file_name="a.xlsx").ok
    assert history_counts() == before
