"""The JSON API: the same data and the same scopes as the UI, with bearer tokens."""

import json

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


REPORT = {"period_kind": "year", "year": 2024, "value": 1}


@pytest.fixture
def csrf_client(personas):
    """A browser-like client of the department user: logged in, CSRF checks enforced (the
    default test client skips them), and the CSRF cookie a page of the site sets."""
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(personas["dept"])
    c.get("/accounts/")
    return c


def _reports_url(target) -> str:
    return f"/api/plans/shandong-311/targets/{target.key}/reports"


def test_a_session_alone_cannot_write(csrf_client, dept_target):
    response = csrf_client.post(_reports_url(dept_target), REPORT, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not dept_target.reports.filter(note="csrf").exists()


def test_another_authorization_scheme_does_not_skip_the_csrf_check(csrf_client, dept_target):
    before = dept_target.reports.count()
    for header in ("Basic ZGVwdDpwdw==", "Token abc", "Bearerx", "eco_not_a_scheme"):
        response = csrf_client.post(
            _reports_url(dept_target),
            {**REPORT, "note": "csrf"},
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )
        assert response.status_code == 403, header
        assert "CSRF" in response.json()["detail"]
    assert dept_target.reports.count() == before


def test_a_session_write_with_its_csrf_token_is_accepted(csrf_client, dept_target):
    response = csrf_client.post(
        _reports_url(dept_target),
        {**REPORT, "note": "with csrf"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201, response.content
    assert response.json()["submitted_by"] == "dept"


def test_a_bearer_token_needs_no_csrf_token(personas, dept_target):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    _token, raw = ApiToken.issue(personas["dept"], "script")
    for scheme in ("Bearer", "bearer"):  # the scheme is case-insensitive (RFC 9110)
        response = c.post(
            _reports_url(dept_target),
            {**REPORT, "note": scheme},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"{scheme} {raw}",
        )
        assert response.status_code == 201, response.content
        assert response.json()["note"] == scheme


def test_a_bearer_token_acts_as_its_user_not_as_the_session(csrf_client, personas, dept_target):
    _token, raw = ApiToken.issue(personas["jinan"], "script")
    response = csrf_client.post(
        _reports_url(dept_target),
        REPORT,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403  # the city bureau does not report this target
    assert response.json()["detail"] == "forbidden"


def test_a_deactivated_users_token_stops_working(client, personas, dept_target):
    _token, raw = ApiToken.issue(personas["dept"], "t")
    personas["dept"].is_active = False
    personas["dept"].save()
    response = client.get(_reports_url(dept_target), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_revoked_tokens_stop_working(client, personas, dept_target):
    token, raw = ApiToken.issue(personas["dept"], "t")
    url = f"/api/plans/shandong-311/targets/{dept_target.key}/reports"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token.revoked = True
    token.save()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


PUBLIC_OPERATIONS = {
    ("get", "/api/plans"),
    ("get", "/api/plans/{plan_key}"),
    ("get", "/api/plans/{plan_key}/statuses"),
    ("get", "/api/plans/{plan_key}/targets/{target_key}"),
    ("get", "/api/indicators"),
    ("get", "/api/indicators/{key}"),
    ("get", "/api/indicators/{key}/values"),
    # The chain map's aggregates (api/chains.py); the placements are for officials.
    ("get", "/api/chains"),
    ("get", "/api/chains/{code}"),
    ("get", "/api/chains/{code}/nodes/{node}"),
    ("get", "/api/chains/specialisation"),
    ("get", "/api/chains/cities/{code}/recommendations"),
}


def test_the_schema_says_which_operations_are_public(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "eco_…",
    }
    operations = {
        (method, path): op for path, ops in schema["paths"].items() for method, op in ops.items()
    }
    assert PUBLIC_OPERATIONS <= set(operations)
    for key, op in operations.items():
        if key in PUBLIC_OPERATIONS:
            # OpenAPI 3: an empty requirement means "no credentials needed".
            assert {} in op["security"] and {"BearerToken": []} in op["security"], key
        else:
            assert op["security"] == [{"BearerToken": []}], key


def test_every_operation_documents_its_error_answers(client):
    schema = client.get("/api/openapi.json").json()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            for status in ("400", "401", "403", "404", "422"):
                assert status in op["responses"], (method, path, status)
                assert "application/json" in op["responses"][status]["content"], (method, path)


def test_a_malformed_request_is_a_json_400_not_the_html_page(rf):
    """Django answers a broken multipart body (or another SuspiciousOperation) with its HTML
    400 page; an API client gets the platform's JSON error body instead."""
    from django.core.exceptions import SuspiciousOperation
    from django.http.multipartparser import MultiPartParserError

    from eco311.api.views import api

    for exc in (MultiPartParserError("Invalid boundary"), SuspiciousOperation("too many fields")):
        response = api.on_exception(rf.post("/api/survey/import"), exc)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert str(exc) in json.loads(response.content)["detail"]


def test_statuses_of_targets_fed_by_the_survey_do_not_fail(survey_population, client):
    """A target fed by the survey's indicators can have a trend that meets it only millennia
    later (found by schemathesis: a 500, "year 15995 is out of range"); the answer gives the
    engine's projected day, which is never after the deadline."""
    rows = client.get("/api/plans/shandong-311/statuses?as_of=2025-06-30")
    assert rows.status_code == 200, rows.content
    targets = {t.key: t for t in Target.objects.filter(plan__key="shandong-311")}
    for row in rows.json():
        if row["projected_date"] is not None and targets[row["key"]].deadline:
            assert row["projected_date"] <= targets[row["key"]].deadline.isoformat(), row
    assert any(r["forecast_value"] is not None for r in rows.json())
