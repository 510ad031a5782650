"""Targets that count things to build: whole numbers, and reaching the number is achieved."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from eco311.accounts.scopes import Actor
from eco311.plans import tracking, workflow
from eco311.plans.models import ProgressReport, Target
from eco311.plans.planfile import is_count_unit
from eco311.plans.progress import Observation, compute_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre():
    """2-3-0-a: the Zibo cluster is built around “1个中心”."""
    return Target.objects.get(plan__key="shandong-311", key="2-3-0-a")


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


@pytest.mark.parametrize("built", [1, 2])
def test_building_the_centre_or_more_is_achieved(centre, built):
    as_of = date(2025, 6, 30)
    obs = [Observation(date(2024, 12, 31), value=0), Observation(date(2025, 3, 31), value=built)]
    st = compute_status(tracking.spec_for(centre), obs, as_of)
    assert st.status == "achieved" and st.met
    assert st.measure is None or st.measure.status != "deterioration"


def test_a_report_of_1_04_centres_is_refused_in_chinese(centre, admin):
    count = ProgressReport.objects.count()
    with pytest.raises(ValidationError) as exc:
        workflow.submit(admin, centre, period_kind="quarter", year=2025, index=1, value=1.04)
    [message] = exc.value.message_dict["value"]
    assert "整数" in message and "个" in message
    assert ProgressReport.objects.count() == count


def test_the_report_form_refuses_1_04_centres_with_a_chinese_message(client_for, centre):
    c = client_for("admin")
    count = ProgressReport.objects.count()
    url = f"/plans/{centre.plan.key}/targets/{centre.key}/report/"
    response = c.post(url, {"period_kind": "quarter", "year": 2025, "index": 1, "value": "1.04"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请输入整数" in body or "整数" in body
    assert "1.04" in body  # the user's input is kept in the form
    assert ProgressReport.objects.count() == count
    # A whole number goes through.
    ok = c.post(url, {"period_kind": "quarter", "year": 2025, "index": 1, "value": "1"})
    assert ok.status_code == 302
    assert ProgressReport.objects.filter(target=centre, value=1).exists()


def test_the_report_form_marks_a_count_value_as_whole(centre):
    from eco311.plans.forms import ReportForm

    field = ReportForm(target=centre).fields["value"]
    assert field.widget.attrs.get("step") == "1"


def test_fractions_stay_allowed_for_other_units(admin):
    t = Target.objects.filter(kind="numeric", unit_zh="亿元", is_active=True).first()
    workflow.check_payload(t, 12.34, False, None, None)  # no error


def test_the_demo_reports_whole_numbers_on_count_targets():
    reports = ProgressReport.objects.filter(synthetic=True, value__isnull=False).select_related(
        "target"
    )
    counted = [r for r in reports if is_count_unit(r.target.unit_zh)]
    assert counted, "the demo reports on count targets"
    assert all(float(r.value).is_integer() for r in counted)
    others = [r for r in reports if not is_count_unit(r.target.unit_zh)]
    assert any(not float(r.value).is_integer() for r in others)  # money is not rounded away


def test_no_demo_count_target_reads_as_deterioration():
    as_of = date(2025, 6, 30)
    targets = [
        t
        for t in Target.objects.filter(is_active=True, kind="numeric").select_related("plan")
        if is_count_unit(t.unit_zh)
    ]
    computed = tracking.statuses(targets, as_of)
    for t in targets:
        st = computed[t.id]
        if st.latest is not None and st.latest.value >= t.value and t.direction == 1:
            assert st.status == "achieved", t.key


def test_the_api_refuses_1_04_centres_too(client, personas, centre):
    from eco311.accounts.models import ApiToken

    token = ApiToken.issue(personas["admin"], "test")[1]
    count = ProgressReport.objects.count()
    response = client.post(
        f"/api/plans/{centre.plan.key}/targets/{centre.key}/reports",
        {"period_kind": "quarter", "year": 2025, "index": 1, "value": 1.04},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code in (400, 422)
    assert "value" in response.content.decode()
    assert ProgressReport.objects.count() == count
