"""Every role's scope on every view: checked on the server, not by hiding links."""

import pytest

from eco311.enterprises import kpis
from eco311.plans.models import ProgressReport, Target

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]


@pytest.fixture
def targets(personas):
    """One target in each official's scope, and one outside every non-admin scope."""
    dept_unit = personas["dept"].membership.unit
    jinan = personas["jinan"].membership.area
    park = personas["park"].membership.area
    survey_fed = kpis.bound("shandong-311")  # these take values from the survey, not reports
    active = Target.objects.filter(is_active=True, plan__key="shandong-311").exclude(
        key__in=survey_fed
    )
    in_dept = active.filter(unit_links__unit=dept_unit, scope__kind="province").first()
    in_jinan = (
        active.filter(scope__in=[jinan, *jinan.children.all()])
        .exclude(unit_links__unit=dept_unit)
        .first()
    )
    in_park = active.filter(scope=park).exclude(unit_links__unit=dept_unit).first()
    outside = active.filter(scope__kind="province").exclude(unit_links__unit=dept_unit).first()
    return {"dept": in_dept, "jinan": in_jinan, "park": in_park, "outside": outside}


def url(t, suffix=""):
    return f"/plans/{t.plan.key}/targets/{t.key}/{suffix}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", ["/", "/plans/", "/plans/shandong-311/", "/areas/", "/areas/cluster-jinan/"]
)
def test_public_pages_are_open_to_every_role(client_for, role, path):
    assert client_for(role).get(path).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_report_details_only_within_scope(client_for, targets, role):
    for owner, target in targets.items():
        if target is None:
            continue
        body = client_for(role).get(url(target)).content.decode()
        expected = role == "admin" or role == owner
        assert ('data-testid="reports"' in body) is expected, (role, owner, target.key)


@pytest.mark.parametrize("role", ROLES)
def test_it_requires_scope_to_submit_progress(client_for, targets, role):
    for owner, target in targets.items():
        if target is None:
            continue
        before = ProgressReport.objects.filter(target=target).count()
        data = {
            "period_kind": "year",
            "year": 2024,
            "index": 1,
            "value": 1,
            "count": 1,
            "done": "on",
        }
        response = client_for(role).post(url(target, "report/"), data)
        allowed = role == "admin" or role == owner
        after = ProgressReport.objects.filter(target=target).count()
        if allowed:
            assert response.status_code == 302, response.content[:500]
            assert after == before + 1
        else:
            assert response.status_code in (302, 403) and after == before
            if role == "public":
                assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_only_the_plan_owner_reviews(client_for, targets, personas, role):
    target = targets["dept"]
    from eco311.accounts.scopes import Actor
    from eco311.plans import workflow

    report = workflow.submit(
        Actor.of(personas["dept"]),
        target,
        period_kind="year",
        year=2024,
        value=1,
        count=1,
        done=True,
    )
    response = client_for(role).post(f"/reports/{report.id}/review/", {"action": "approve"})
    report.refresh_from_db()
    if role == "admin":
        assert response.status_code == 302 and report.status == "approved"
    else:
        assert report.status == "submitted"
        assert response.status_code in (302, 403, 404)


@pytest.mark.parametrize(
    "role,warnings,evaluation,queue",
    [
        ("admin", 200, 200, 200),
        ("dept", 200, 200, 200),
        ("jinan", 200, 403, 200),
        ("park", 200, 403, 200),
        ("enterprise", 403, 403, 403),
        ("bank", 403, 403, 403),
        ("public", 302, 302, 302),  # the login page
    ],
)
def test_it_limits_official_pages_by_role(client_for, role, warnings, evaluation, queue):
    c = client_for(role)
    assert c.get("/warnings/").status_code == warnings
    assert c.get("/evaluation/").status_code == evaluation
    assert c.get("/review/").status_code == queue


def test_warnings_cover_only_the_users_scope(client_for, targets):
    body = client_for("jinan").get("/warnings/?as_of=2025-06-30").content.decode()
    outside = targets["outside"]
    assert f"/targets/{outside.key}/" not in body


def test_attachment_is_hidden_outside_scope(client_for, targets, personas, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from eco311.accounts.scopes import Actor
    from eco311.plans import workflow

    settings.MEDIA_ROOT = tmp_path
    target = targets["dept"]
    report = workflow.submit(
        Actor.of(personas["dept"]),
        target,
        period_kind="year",
        year=2024,
        value=1,
        count=1,
        done=True,
        attachment=SimpleUploadedFile("evidence.txt", b"proof"),
    )
    assert client_for("dept").get(f"/reports/{report.id}/attachment/").status_code == 200
    assert client_for("admin").get(f"/reports/{report.id}/attachment/").status_code == 200
    for role in ("jinan", "enterprise", "bank"):
        assert client_for(role).get(f"/reports/{report.id}/attachment/").status_code == 404
    assert client_for("public").get(f"/reports/{report.id}/attachment/").status_code == 302
