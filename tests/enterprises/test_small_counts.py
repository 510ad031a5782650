"""Indicator values built from fewer than three enterprises are not public: one firm's figures
would show. The public sees "—" with a note (pages, charts, map and API); officials whose
scope covers the area still see the value."""

import pytest
from django.test import override_settings
from django.utils import translation

from eco311.accounts.models import Membership
from eco311.enterprises import kpi_data, kpis
from eco311.enterprises.models import IndicatorValue
from eco311.geo.models import Area

pytestmark = pytest.mark.django_db

YEAR = 2024
SECRET = 98765.43  # what the lone enterprise's figure would disclose


@pytest.fixture
def lone_park(personas):
    """The park committee persona's park, with a value made of one enterprise, and a city
    value made of many (shown to everyone)."""
    ind = next(i for i in kpis.indicators() if "park" in i.scopes and "city" in i.scopes)
    park = Membership.objects.get(user__username="park").area
    city = Area.objects.filter(kind="city").exclude(pk=park.parent_id).order_by("code").first()
    # update_or_create: the session's survey population has computed values of its own here.
    IndicatorValue.objects.update_or_create(
        indicator=ind.key,
        scope_key=park.key,
        year=YEAR,
        defaults={"scope_kind": "park", "value": SECRET, "n_enterprises": 1},
    )
    IndicatorValue.objects.update_or_create(
        indicator=ind.key,
        scope_key=city.key,
        year=YEAR,
        defaults={"scope_kind": "city", "value": 4321.5, "n_enterprises": 12},
    )
    return ind, park, city


def _api_values(client, ind, scope):
    response = client.get(f"/api/indicators/{ind.key}/values?scope={scope}&year={YEAR}")
    assert response.status_code == 200
    return response.json()["values"]


@pytest.mark.parametrize("role", ["public", "bank", "enterprise"])
def test_the_public_never_gets_a_value_of_one_enterprise(lone_park, client_for, role):
    ind, park, city = lone_park
    c = client_for(role)
    [value] = _api_values(c, ind, park.key)
    assert value["value"] is None and value["display"] == "—" and value["withheld"] is True
    assert value["n_enterprises"] == 1
    [many] = _api_values(c, ind, city.key)
    assert many["value"] == "4321.5" and many["withheld"] is False

    body = c.get(f"/kpi/{ind.key}/?scope={park.key}").content.decode()
    assert kpi_data.format_value(SECRET, ind) not in body and "98765" not in body
    assert 'data-testid="withheld-note"' in body
    with translation.override("zh-hans"):  # the catalogue's Chinese
        assert kpi_data.withheld_note() in body


def test_the_note_is_in_english_too(lone_park, client_for):
    ind, park, _city = lone_park
    c = client_for("public")
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = c.get(f"/kpi/{ind.key}/?scope={park.key}").content.decode()
    assert "fewer than 3 enterprises: not shown to protect individual firms" in body


@pytest.mark.parametrize("role", ["admin", "dept", "park"])
def test_officials_in_scope_still_see_it(lone_park, client_for, role):
    ind, park, _city = lone_park
    c = client_for(role)
    [value] = _api_values(c, ind, park.key)
    assert float(value["value"]) == SECRET and value["withheld"] is False
    body = c.get(f"/kpi/{ind.key}/?scope={park.key}").content.decode()
    assert kpi_data.format_value(SECRET, ind) in body


def test_an_official_of_another_area_does_not(lone_park, client_for):
    ind, park, _city = lone_park
    other = Area.objects.filter(kind="park").exclude(pk=park.pk).first()
    IndicatorValue.objects.filter(scope_key=other.key).delete()  # the population's own values
    IndicatorValue.objects.filter(scope_key=park.key).update(scope_key=other.key)
    [value] = _api_values(client_for("park"), ind, other.key)
    assert value["value"] is None and value["withheld"] is True


def test_the_map_and_the_comparison_leave_it_out(lone_park):
    ind, park, city = lone_park
    rows = kpi_data.comparison(ind, YEAR)
    lone = next(r for r in rows if r.key == park.key)
    assert lone.value is None and lone.text == "—" and lone.withheld
    chart = kpi_data.comparison_chart(ind, rows, YEAR)
    assert SECRET not in chart["series"][0]["data"]
    IndicatorValue.objects.filter(scope_key=city.key).update(n_enterprises=2)
    shown = {d["adcode"]: d["value"] for d in kpi_data.city_map(ind, YEAR)["data"]}
    assert shown[city.code] is None
    everything = kpi_data.city_map(ind, YEAR, reveal=lambda key: True)
    assert 4321.5 in [d["value"] for d in everything["data"]]


@override_settings(ECO311_MIN_PUBLIC_ENTERPRISES=1)
def test_the_minimum_is_a_setting(lone_park, client_for):
    ind, park, _city = lone_park
    [value] = _api_values(client_for("public"), ind, park.key)
    assert float(value["value"]) == SECRET
