"""Every target list shows who answers for a target and filters by it: the units the plan names
and the units the plan owner assigned (an Assignment), the latter marked as assigned. The filter
once read the plan's naming only, so an assigned target vanished under its unit."""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.utils.translation import gettext as _
from django.utils.translation import override

from eco311.plans import tracking
from eco311.plans.models import ProgressReport, Unit
from eco311.plans.overview import targets_qs
from eco311.supervision.models import Assignment
from eco311.supervision.responsibility import responsible_for

pytestmark = pytest.mark.django_db

AS_OF = "2025-06-30"


def zh(msgid: str) -> str:
    with override("zh-hans"):
        return str(_(msgid))


@pytest.fixture
def unit():
    """A unit the plan names for no target: whatever it answers for, it was assigned."""
    return Unit.objects.create(
        key="test-assigned-unit", name_zh="测试指派厅", name_en="Test Bureau"
    )


@pytest.fixture
def assigned(unit, personas):
    """A target with a warning on the evaluation date, assigned to the unit."""
    warned = tracking.warnings(
        list(targets_qs(plan__key="shandong-311")), date.fromisoformat(AS_OF)
    )
    target = warned[0].target
    Assignment.objects.create(
        target=target, unit=unit, role="assist", reason="督办测试", created_by=personas["admin"]
    )
    return target


def keys_on(page: str) -> list[str]:
    return re.findall(r'<tr data-target="([^"]+)"', page)


def sheet_rows(response) -> list[dict]:
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("url", ["/plans/shandong-311/", "/warnings/"])
def test_an_assigned_target_shows_under_its_units_filter(client_for, unit, assigned, url):
    client = client_for("admin")
    page = client.get(f"{url}?unit={unit.key}&as_of={AS_OF}").content.decode()
    assert assigned.key in keys_on(page)
    assert set(keys_on(page)) == {assigned.key}  # the unit answers for nothing else
    # The unit is offered as a filter, and shown as assigned, not as named in the plan.
    assert f'<option value="{unit.key}" selected>' in page
    assert re.search(rf'data-unit="{unit.key}">测试指派厅<abbr class="assigned-mark"', page)
    assert 'data-testid="assigned-legend"' in page


@pytest.mark.parametrize("url", ["/plans/shandong-311/", "/warnings/"])
def test_an_assigned_target_is_in_the_units_workbook(client_for, unit, assigned, url):
    rows = sheet_rows(client_for("admin").get(f"{url}?unit={unit.key}&as_of={AS_OF}&format=xlsx"))
    assert rows and {r[zh("Target key")] for r in rows} == {assigned.key}
    assert all("测试指派厅" in r[zh("Responsible units (assigned)")] for r in rows)
    assert all(
        "测试指派厅" not in (r[zh("Responsible units (named in the plan)")] or "") for r in rows
    )


def test_a_task_assignment_covers_every_target_of_the_task(client_for, unit, personas):
    target = targets_qs(plan__key="shandong-311").first()
    Assignment.objects.create(
        task=target.task, unit=unit, role="lead", reason="督办测试", created_by=personas["admin"]
    )
    page = client_for("admin").get(f"/plans/shandong-311/?unit={unit.key}").content.decode()
    expected = set(targets_qs(task=target.task).values_list("key", flat=True))
    assert set(keys_on(page)) == expected


def test_the_filter_by_a_named_unit_still_keeps_its_targets(client_for):
    client = client_for("admin")
    targets = list(targets_qs(plan__key="shandong-311"))
    parties = responsible_for(targets)
    named = next(p.unit for ps in parties.values() for p in ps if p.named_in_plan)
    page = client.get(f"/plans/shandong-311/?unit={named.key}").content.decode()
    expected = [t.key for t in targets if any(p.unit.id == named.id for p in parties[t.id])]
    assert keys_on(page) == expected and expected


def test_the_filters_options_are_the_units_answering_for_the_list(client_for, unit):
    page = client_for("admin").get("/plans/shandong-311/").content.decode()
    assert f'<option value="{unit.key}"' not in page  # answers for nothing yet
    offered = set(re.findall(r'<option value="([^"]+)"[^>]*>', page))
    targets = list(targets_qs(plan__key="shandong-311"))
    answering = {p.unit.key for ps in responsible_for(targets).values() for p in ps}
    assert answering and answering <= offered


def test_the_review_queue_filters_by_assigned_unit(client_for, unit, assigned, personas):
    ProgressReport.objects.create(
        target=assigned,
        period_kind="year",
        period_start=date(2024, 1, 1),
        period_end=date(2024, 12, 31),
        value=1.0,
        submitted_by=personas["dept"],
    )
    client = client_for("admin")
    page = client.get(f"/review/?unit={unit.key}").content.decode()
    assert set(keys_on(page)) == {assigned.key}
    rows = sheet_rows(client.get(f"/review/?unit={unit.key}&format=xlsx"))
    assert {r[zh("Target key")] for r in rows} == {assigned.key}


def test_an_areas_list_filters_by_assigned_unit(client_for, unit, personas):
    target = targets_qs(scope__kind="city").first()
    Assignment.objects.create(
        target=target, unit=unit, role="lead", reason="督办测试", created_by=personas["admin"]
    )
    page = client_for("jinan").get(f"/areas/{target.scope.key}/?unit={unit.key}").content.decode()
    assert set(keys_on(page)) == {target.key}
