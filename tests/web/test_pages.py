"""Pages show what the data says: counts, filters, flags, scopes and both languages."""

import re

import pytest

from eco311.plans.models import Target

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_every_active_target(client):
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


def test_switching_to_english_translates_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "3-10-100 at a glance" in body and "synthetic" in body
    assert '<html lang="en">' in body


def test_an_unknown_target_is_a_404_page_of_the_platform(client):
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
