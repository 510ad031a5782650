"""Loading the areas and counties into the database, and where counties are used and shown."""

from __future__ import annotations

import pytest

from eco311.geo.areafile import COUNTY_FILE
from eco311.geo.loader import load_areas
from eco311.geo.models import Area, county_label

pytestmark = pytest.mark.django_db


def counties():
    return Area.objects.filter(kind=Area.Kind.COUNTY)


def county_file_without(tmp_path, code: str):
    lines = COUNTY_FILE.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if f'code: "{code}"' not in line]
    assert len(kept) == len(lines) - 1
    path = tmp_path / "counties.yaml"
    path.write_text("".join(kept), encoding="utf-8")
    return path


def test_the_session_load_has_the_counties_under_their_cities():
    assert counties().count() == 136
    assert not counties().filter(is_active=False).exists()
    lixia = Area.objects.select_related("parent").get(key="370102")
    assert (lixia.kind, lixia.code, lixia.name_zh, lixia.name_en) == (
        "county",
        "370102",
        "历下区",
        "Lixia District",
    )
    assert (lixia.parent.kind, lixia.parent.code) == ("city", "370100")
    assert lixia.city_code() == "370100"
    for county in counties().select_related("parent"):
        assert county.parent.kind == "city" and county.code[:4] == county.parent.code[:4]


def test_loading_again_changes_nothing():
    before = list(Area.objects.order_by("key").values())
    assert load_areas() == 30 + 136
    assert list(Area.objects.order_by("key").values()) == before


def test_a_county_removed_from_the_file_is_disabled_not_deleted(tmp_path):
    load_areas(county_path=county_file_without(tmp_path, "370102"))
    lixia = Area.objects.get(key="370102")
    assert not lixia.is_active and lixia.disabled_on is not None
    assert counties().filter(is_active=True).count() == 135
    assert Area.objects.filter(kind="city", is_active=False).count() == 0

    load_areas()  # back in the file: enabled again
    lixia.refresh_from_db()
    assert lixia.is_active and lixia.disabled_on is None


def test_the_import_checks_returns_against_the_active_counties(tmp_path):
    from eco311.enterprises.importer import validation_context

    context = validation_context()
    assert len(context.counties) == 136
    assert context.counties["370102"] == "370100"
    assert context.counties["371503"] == "371500"

    load_areas(county_path=county_file_without(tmp_path, "370102"))
    context = validation_context()
    assert "370102" not in context.counties and len(context.counties) == 135


def test_county_label():
    assert county_label("370102") == "历下区 (370102)"
    assert county_label("379999") == "379999"
    assert county_label("") == ""


def test_county_label_follows_the_language():
    from django.utils import translation

    with translation.override("en"):
        assert county_label("370102") == "Lixia District (370102)"


# ---------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------


@pytest.fixture
def enterprise():
    from eco311.enterprises.models import Enterprise, IndustryCode

    industry, _ = IndustryCode.objects.get_or_create(
        code="7721", defaults={"name_zh": "水污染治理", "name_en": "Water pollution control"}
    )
    return Enterprise.objects.create(
        uscc="91370102YY0000001X",
        name="测试环保科技有限公司（合成）",
        city=Area.objects.get(key="370100"),
        county_code="370102",
        industry=industry,
        segment="services",
    )


def test_the_enterprise_profile_shows_the_county_name_and_code(client_for, enterprise):
    body = client_for("admin").get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert "· 历下区 (370102)</span>" in body


def test_an_unknown_county_code_is_shown_as_a_code(client_for, enterprise):
    enterprise.county_code = "370199"
    enterprise.save()
    body = client_for("admin").get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert "· 县（市、区）代码 370199</span>" in body


def test_the_history_shows_county_names(enterprise):
    from eco311.enterprises.directory import history

    enterprise.county_code = "370112"
    enterprise.save()
    changes = [c for h in history(enterprise) for c in h.changes]
    assert [(c.old, c.new) for c in changes] == [("历下区 (370102)", "历城区 (370112)")]


def test_the_area_pages_leave_the_counties_out(client):
    body = client.get("/areas/").content.decode()
    assert "历下区" not in body and "/areas/370100/" in body
    body = client.get("/areas/370100/").content.decode()
    assert "历下区" not in body and "/areas/cluster-jinan/" in body
