"""A plan target fed by the survey shows no figure built from fewer than three enterprises to
those who may not see it (the public, banks, enterprises, officials of other areas): the
target page, the target lists and the API keep the badge and leave the figures out."""

from datetime import date

import pytest

from eco311.enterprises.models import IndicatorValue
from eco311.plans import display, tracking
from eco311.plans.models import Target

pytestmark = pytest.mark.django_db

KEY = "3-10-2-b"  # 滨州惠民 park's total revenue (the park persona's park), fed by the survey
AS_OF = date(2025, 6, 30)
SECRET = 7.6543  # what the lone enterprise's revenue would disclose


@pytest.fixture
def lone():
    target = Target.objects.get(plan__key="shandong-311", key=KEY)
    for year in (2023, 2024):
        IndicatorValue.objects.update_or_create(
            indicator="total_revenue",
            scope_key=target.scope.key,
            year=year,
            defaults={"scope_kind": "park", "value": SECRET + year - 2024, "n_enterprises": 1},
        )
    shown = display.latest_display(target, tracking.status_of(target, AS_OF))
    assert "7.65" in shown  # what an official sees, and nobody else may
    return target, shown


def page(client, target):
    url = f"/plans/shandong-311/targets/{target.key}/?as_of={AS_OF.isoformat()}"
    return client.get(url).content.decode()


@pytest.mark.parametrize("role", ["public", "bank", "enterprise", "jinan"])
def test_the_target_page_leaves_out_a_figure_of_one_enterprise(client_for, lone, role):
    target, shown = lone
    body = page(client_for(role), target)
    assert shown not in body and "7.65" not in body and "6.65" not in body
    assert 'data-testid="withheld-note"' in body
    status = tracking.status_of(target, AS_OF).status
    assert f'class="status status-{status}"' in body  # the badge still shows


@pytest.mark.parametrize("role", ["park", "admin", "dept"])
def test_officials_whose_scope_covers_the_park_see_it(client_for, lone, role):
    target, shown = lone
    body = page(client_for(role), target)
    assert shown in body and 'data-testid="withheld-note"' not in body


def test_the_plans_target_list_leaves_it_out_too(client_for, lone):
    target, shown = lone
    assert (
        shown
        not in client_for("public").get("/plans/shandong-311/?as_of=2025-06-30").content.decode()
    )
    assert shown in client_for("park").get("/plans/shandong-311/?as_of=2025-06-30").content.decode()


def test_the_api_gives_the_status_without_the_figures(client_for, lone):
    target, _shown = lone
    statuses = client_for("public").get("/api/plans/shandong-311/statuses?as_of=2025-06-30").json()
    [row] = [s for s in statuses if s["key"] == KEY]
    assert row["withheld"] is True and row["latest_value"] is None
    assert row["forecast_value"] is None and row["status"]
    one = client_for("public").get(f"/api/plans/shandong-311/targets/{KEY}?as_of=2025-06-30")
    assert one.json()["status"]["latest_value"] is None
    mine = client_for("park").get("/api/plans/shandong-311/statuses?as_of=2025-06-30").json()
    [row] = [s for s in mine if s["key"] == KEY]
    assert row["withheld"] is False and row["latest_value"] == pytest.approx(SECRET)


def test_a_value_of_many_enterprises_is_public(client_for, lone):
    target, _shown = lone
    IndicatorValue.objects.filter(scope_key=target.scope.key, indicator="total_revenue").update(
        n_enterprises=12
    )
    body = page(client_for("public"), target)
    assert "7.65" in body and 'data-testid="withheld-note"' not in body
