"""Pages show what the data says: counts, filters, flags, scopes and both languages."""

import re

import pytest

from eco311.plans.models import Target

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_every_active_target(client, demo_mode):
    body = client.get("/?as_of=2025-06-30").content.decode()
    n = Target.objects.filter(plan__key="shandong-311", is_active=True).count()
    assert re.search(rf'data-testid="kpi-total">{n}<', body)
    assert "合成数据" in body  # the synthetic-data banner, in Chinese by default


def test_the_status_filter_shows_only_that_status(client):
    body = client.get("/plans/shandong-311/?status=overdue&as_of=2025-06-30").content.decode()
    table = body[body.index('data-testid="target-table"') :]
    statuses = set(re.findall(r'class="status status-(\w+)"', table))
    assert statuses <= {"overdue"}
    all_rows = client.get("/api/plans/shandong-311/statuses?as_of=2025-06-30").json()
    expected = sum(1 for r in all_rows if r["status"] == "overdue")
    assert table.count("status status-overdue") == expected


def test_the_evaluation_date_changes_statuses(client):
    early = client.get("/api/plans/shandong-311/statuses?as_of=2023-01-15").json()
    late = client.get("/api/plans/shandong-311/statuses?as_of=2026-06-30").json()
    assert sum(r["status"] == "no_data" for r in early) > sum(
        r["status"] == "no_data" for r in late
    )
    assert sum(r["status"] == "overdue" for r in late) > sum(
        r["status"] == "overdue" for r in early
    )


def test_a_flagged_target_shows_its_flag(client):
    t = next(
        t for t in Target.objects.all() if any(f["code"] == "ambiguous_deadline" for f in t.flags)
    )
    body = client.get(f"/plans/{t.plan.key}/targets/{t.key}/").content.decode()
    assert 'data-testid="flag"' in body
    assert "202 年年底前" in body


def test_a_cluster_page_lists_its_own_targets(client):
    body = client.get("/areas/cluster-jinan/").content.decode()
    keys = Target.objects.filter(scope__key="cluster-jinan", is_active=True).values_list(
        "key", flat=True
    )
    assert keys
    for key in keys:
        assert f"/targets/{key}/" in body


def test_a_city_page_includes_its_clusters_and_parks(client):
    body = client.get("/areas/370100/").content.decode()
    assert "/areas/cluster-jinan/" in body


def test_switching_to_english_translates_the_page(client, demo_mode):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "3-10-100 at a glance" in body and "synthetic" in body
    assert '<html lang="en">' in body


def test_an_unknown_target_is_a_404_page_of_the_platform(client, demo_mode):
    response = client.get("/plans/shandong-311/targets/nope/")
    assert response.status_code == 404
    assert "此页面不存在" in response.content.decode()
    assert "合成数据" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/plans/shandong-311/", "/api/docs", "/accounts/login/"])
def test_pages_load_nothing_from_the_internet(client, path):
    body = client.get(path).content.decode()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', body)
    assert external == []


def test_chinese_is_the_default_whatever_the_browser_prefers(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in body


def _json_script(body: str, element_id: str):
    import html
    import json

    m = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(html.unescape(m.group(1)))


def test_the_map_shows_each_citys_achieved_targets_out_of_its_total(client):
    from datetime import date

    from eco311.plans import tracking

    body = client.get("/?as_of=2025-06-30").content.decode()
    data = {d["adcode"]: d for d in _json_script(body, "map-data")["data"]}
    targets = list(
        Target.objects.filter(plan__key="shandong-311", is_active=True).select_related(
            "plan", "scope__parent"
        )
    )
    computed = tracking.statuses(targets, date(2025, 6, 30))
    qingdao = [t for t in targets if t.scope.city_code() == "370200"]
    achieved = sum(computed[t.id].status == "achieved" for t in qingdao)
    assert data["370200"]["value"] == achieved
    assert data["370200"]["total"] == len(qingdao)
    assert achieved < len(qingdao)  # the old map showed the total under "已完成"
    assert all(d["value"] <= d["total"] for d in data.values())
    assert _json_script(body, "map-data")["valueLabel"] == "已完成"


def test_a_count_target_page_reads_right(client):
    """2-3-0-a (“1个中心”): the target reads "≥ 1 个", the reading of the plan is shown, and no
    reason speaks of deterioration."""
    body = client.get("/plans/shandong-311/targets/2-3-0-a/?as_of=2025-06-30").content.decode()
    assert "≥ 1 个" in body
    assert 'data-testid="target-note"' in body and "至少1" in body
    assert "出现倒退" not in body and "Deterioration" not in body


def test_the_forecast_line_starts_on_the_fitted_trend_not_the_last_point(client):
    from datetime import date

    from eco311.plans import display, tracking

    as_of = date(2025, 6, 30)
    numeric = Target.objects.filter(plan__key="shandong-311", kind="numeric", is_active=True)
    computed = tracking.statuses(list(numeric.select_related("plan")), as_of)
    deciding = {t.id: display.deciding_forecast(computed[t.id]) for t in numeric}
    t = next(
        t
        for t in numeric
        if deciding[t.id] and deciding[t.id].method == "linear" and deciding[t.id].intercept
    )
    fl = deciding[t.id]
    body = client.get(f"/plans/{t.plan.key}/targets/{t.key}/?as_of=2025-06-30").content.decode()
    chart = _json_script(body, "series-chart")
    start, end = chart["forecast"]
    assert start["value"] == pytest.approx(fl.intercept)
    assert end["value"] == pytest.approx(min(fl.value_at_deadline, t.limit or float("inf")))


def test_a_target_reached_only_after_its_deadline_shows_no_reach_date(client):
    """“3个集聚区” (2-2-0-a), 1 built by mid-2025: its trend gets there years after the plan
    ends, so the page gives no "reached around" date beside the 2025 deadline."""
    from datetime import date

    from eco311.plans import tracking

    t = Target.objects.select_related("plan").get(plan__key="shandong-311", key="2-2-0-a")
    st = tracking.status_of(t, date(2025, 6, 30))
    assert st.status != "on_track" and "forecast_reaches" not in st.reasons
    body = client.get(f"/plans/shandong-311/targets/{t.key}/?as_of=2025-06-30").content.decode()
    assert "预计达标时间" not in body and "target reached around" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("key,whole", [("2-3-0-a", True), ("5-3-3-a", False)])
def test_a_count_targets_chart_asks_for_whole_number_ticks(client, key, whole):
    """“1个中心” is drawn on an axis of whole centres, not 0.3, 0.6, 0.9, 1.2 个."""
    body = client.get(f"/plans/shandong-311/targets/{key}/?as_of=2025-06-30").content.decode()
    assert _json_script(body, "series-chart")["whole"] is whole
