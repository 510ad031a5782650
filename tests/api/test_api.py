"""The JSON API: the same data and the same scopes as the UI, with bearer tokens."""

import pytest

from eco311.accounts.models import ApiToken
from eco311.enterprises import kpis
from eco311.plans.models import ProgressReport, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def dept_target(personas):
    unit = personas["dept"].membership.unit
    return (
        Target.objects.filter(
            kind="numeric", unit_links__unit=unit, scope__kind="province", is_active=True
        )
        .exclude(key__in=kpis.bound("shandong-311"))
        .first()
    )


def test_the_openapi_schema_is_served(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/plans" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_plans_and_targets_are_public(client):
    plans = client.get("/api/plans").json()
    assert {p["key"] for p in plans} >= {"shandong-311"}
    data = client.get("/api/plans/shandong-311").json()
    assert (
        len(data["targets"])
        == Target.objects.filter(plan__key="shandong-311", is_active=True).count()
    )


def test_statuses_are_computed_for_every_target(client):
    rows = client.get("/api/plans/shandong-311/statuses?as_of=2025-06-30").json()
    assert len(rows) == Target.objects.filter(plan__key="shandong-311", is_active=True).count()
    assert {r["status"] for r in rows} <= {
        "achieved",
        "on_track",
        "at_risk",
        "off_track",
        "overdue",
        "no_data",
    }
    assert len({r["status"] for r in rows}) >= 3


def test_a_bad_date_is_a_clear_error(client):
    response = client.get("/api/plans/shandong-311/statuses?as_of=30/06/2025")
    assert response.status_code == 422
    assert "as_of" in response.json()["detail"]


def test_reports_need_a_token_in_scope(client, token_for, dept_target):
    url = f"/api/plans/shandong-311/targets/{dept_target.key}/reports"
    assert client.get(url).status_code == 403
    assert client.get(url, **token_for("bank")).status_code == 403
    assert client.get(url, **token_for("dept")).status_code == 200
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_submit_and_review_through_the_api(client, token_for, dept_target):
    url = f"/api/plans/shandong-311/targets/{dept_target.key}/reports"
    payload = {"period_kind": "year", "year": 2024, "value": 42.5, "note": "api"}
    assert (
        client.post(url, payload, content_type="application/json", **token_for("jinan")).status_code
        == 403
    )
    created = client.post(url, payload, content_type="application/json", **token_for("dept"))
    assert created.status_code == 201, created.content
    report_id = created.json()["id"]
    review = f"/api/reports/{report_id}/review"
    body = {"action": "approve"}
    assert (
        client.post(review, body, content_type="application/json", **token_for("dept")).status_code
        == 403
    )
    ok = client.post(review, body, content_type="application/json", **token_for("admin"))
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert ProgressReport.objects.get(pk=report_id).reviewed_by.username == "admin"


def test_invalid_payload_is_rejected_with_the_field(client, token_for, dept_target):
    url = f"/api/plans/shandong-311/targets/{dept_target.key}/reports"
    response = client.post(
        url,
        {"period_kind": "year", "year": 2024},
        content_type="application/json",
        **token_for("dept"),
    )
    assert response.status_code == 422
    assert "value" in response.json()["detail"]


def test_a_session_alone_cannot_write(client, personas, dept_target):
    client.force_login(personas["dept"])
    url = f"/api/plans/shandong-311/targets/{dept_target.key}/reports"
    response = client.post(
        url, {"period_kind": "year", "year": 2024, "value": 1}, content_type="application/json"
    )
    assert response.status_code == 403


def test_revoked_tokens_stop_working(client, personas, dept_target):
    token, raw = ApiToken.issue(personas["dept"], "t")
    url = f"/api/plans/shandong-311/targets/{dept_target.key}/reports"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token.revoked = True
    token.save()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
