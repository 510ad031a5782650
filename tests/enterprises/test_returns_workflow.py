"""Returns online: an enterprise fills in and corrects its own, its city bureau reviews them.

The rules (enterprises/returns.py, Actor in accounts/scopes.py): drafts may be incomplete,
submissions pass the import's validation in full; a correction of a submitted or approved
return is a new submission; the bureau of the enterprise's city or the administrator approves
or returns (with a comment); approving recomputes the indicators; every change is in history.
"""

from dataclasses import replace

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.models import Membership
from eco311.accounts.scopes import Actor
from eco311.enterprises import importer, returns
from eco311.enterprises.models import AnnualReturn, Enterprise, IndicatorValue
from eco311.enterprises.survey.workbook import write_returns_workbook

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
JINAN = "370100"
NEW_YEAR = 2025  # the population has 2023 and 2024; 2025 is open (today is later)


def actor_of(name: str) -> Actor:
    if name == "public":
        return Actor.of(None)
    return Actor.of(get_user_model().objects.select_related("membership").get(username=name))


@pytest.fixture
def own(survey_population):
    """A Jinan enterprise with approved 2023 and 2024 returns, the enterprise persona's own."""
    e = (
        Enterprise.objects.filter(city__code=JINAN, returns__year=2024)
        .filter(pk__in=AnnualReturn.objects.filter(year=2023).values("enterprise_id"))
        .order_by("uscc")
        .first()
    )
    Membership.objects.filter(user__username="enterprise").update(enterprise=e)
    return e


@pytest.fixture
def outside(survey_population):
    """An enterprise of another city, with its approved 2024 return."""
    return (
        Enterprise.objects.exclude(city__code=JINAN)
        .filter(returns__year=2024)
        .order_by("uscc")
        .first()
    )


@pytest.fixture
def complete(own):
    """A complete, valid return as the form posts it: the enterprise's 2024 figures."""
    return returns.form_values(own.returns.get(year=2024))


def count_in(scope: str, year: int, indicator: str = "enterprise_count"):
    found = IndicatorValue.objects.filter(indicator=indicator, scope_key=scope, year=year).first()
    return found.value if found else None


# -- who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_actor_says_who_files_and_who_reviews(own, outside, role):
    a = actor_of(role)
    mine = own.returns.get(year=2024)
    theirs = outside.returns.get(year=2024)
    assert a.can_file_returns is (role == "enterprise")
    assert a.can_edit_return(mine) is (role == "enterprise")
    assert a.can_edit_return(theirs) is False
    assert a.can_review_returns is (role in ("admin", "jinan"))
    assert a.can_review_return(mine) is (role in ("admin", "jinan"))
    assert a.can_review_return(theirs) is (role == "admin")
    reviewable = AnnualReturn.objects.filter(a.returns_to_review_q())
    if role == "admin":
        assert reviewable.count() == AnnualReturn.objects.count()
    elif role == "jinan":
        assert mine in reviewable and theirs not in reviewable
        assert set(reviewable.values_list("enterprise__city__code", flat=True)) == {JINAN}
    else:
        assert not reviewable.exists()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "enterprise"])
def test_only_the_enterprise_itself_fills_in_its_return(own, complete, role):
    with pytest.raises(PermissionDenied):
        returns.save_draft(actor_of(role), own, NEW_YEAR, complete)
    with pytest.raises(PermissionDenied):
        returns.submit(actor_of(role), own, NEW_YEAR, complete)
    assert not own.returns.filter(year=NEW_YEAR).exists()


def test_an_enterprise_cannot_file_for_another(own, outside, complete):
    with pytest.raises(PermissionDenied):
        returns.submit(actor_of("enterprise"), outside, NEW_YEAR, complete)


# -- drafts and submissions --------------------------------------------------------------------


def test_the_survey_year_is_the_latest_year_with_returns(own):
    assert returns.survey_year() == 2024
    assert returns.last_open_year() >= NEW_YEAR
    assert returns.years_for(own)[:3] == sorted(returns.years_for(own), reverse=True)[:3]
    assert {2023, 2024, NEW_YEAR} <= set(returns.years_for(own))


def test_a_draft_can_be_saved_incomplete(own):
    saved = returns.save_draft(actor_of("enterprise"), own, NEW_YEAR, {"total_revenue": "1,234.5"})
    r = AnnualReturn.objects.get(enterprise=own, year=NEW_YEAR)
    assert saved.changed and r.status == "draft"
    assert str(r.total_revenue) == "1234.50" and r.employees is None and r.credit_rating == ""
    assert r.created_by.username == "enterprise"
    [h] = r.history.all()
    assert h.history_change_reason == "online draft" and h.history_user.username == "enterprise"
    assert not r.events.exists()  # a draft is no submission

    again = returns.save_draft(actor_of("enterprise"), own, NEW_YEAR, {"total_revenue": "1234.50"})
    assert not again.changed and r.history.count() == 1  # nothing changed, nothing written


def test_a_draft_still_checks_every_value_given(own):
    with pytest.raises(returns.ReturnInvalid) as exc:
        returns.save_draft(
            actor_of("enterprise"), own, NEW_YEAR, {"total_revenue": "abc", "employees": "-3"}
        )
    codes = {(e.field_key, e.code) for e in exc.value.cell_errors}
    assert codes == {("total_revenue", "not_a_number"), ("employees", "negative")}
    assert exc.value.message_dict["total_revenue"] == ["「营业收入」的值“abc”不是数字"]
    assert not own.returns.filter(year=NEW_YEAR).exists()


def test_a_submission_must_pass_the_whole_validation(own):
    with pytest.raises(returns.ReturnInvalid) as exc:
        returns.submit(actor_of("enterprise"), own, NEW_YEAR, {"total_revenue": "100"})
    assert ("employees", "required") in {(e.field_key, e.code) for e in exc.value.cell_errors}
    assert not own.returns.filter(year=NEW_YEAR).exists()


def test_a_submission_keeps_who_when_and_why(own, complete):
    saved = returns.submit(actor_of("enterprise"), own, NEW_YEAR, complete)
    r = saved.annual_return
    r.refresh_from_db()
    assert r.status == "submitted" and r.modified_by.username == "enterprise"
    [event] = r.events.all()
    assert event.action == "submitted" and event.by.username == "enterprise"
    [h] = r.history.all()
    assert h.history_change_reason == "online submission" and h.status == "submitted"


def test_a_draft_then_a_submission_of_the_same_return(own, complete):
    ent = actor_of("enterprise")
    returns.save_draft(ent, own, NEW_YEAR, {"employees": complete["employees"]})
    returns.submit(ent, own, NEW_YEAR, complete)
    r = own.returns.get(year=NEW_YEAR)
    reasons = list(
        r.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == ["online draft", "online submission"]
    assert AnnualReturn.objects.filter(enterprise=own, year=NEW_YEAR).count() == 1


def test_a_submitted_return_is_not_turned_back_into_a_draft(own, complete):
    ent = actor_of("enterprise")
    returns.submit(ent, own, NEW_YEAR, complete)
    with pytest.raises(ValidationError):
        returns.save_draft(ent, own, NEW_YEAR, {**complete, "employees": "1"})
    assert own.returns.get(year=NEW_YEAR).status == "submitted"


def test_the_year_must_be_open(own, complete):
    for year in (1999, returns.last_open_year() + 1):
        with pytest.raises(ValidationError):
            returns.save_draft(actor_of("enterprise"), own, year, complete)


# -- the same dictionary, the same validator as an Excel import --------------------------------


def test_online_and_import_give_the_same_errors(own, complete, tmp_path):
    bad = {
        **complete,
        "total_revenue": "-5",
        "employees": "",
        "rd_staff": "abc",
        "credit_rating": "Z",
        "main_product_capacity": "10",
        "main_product_unit": "",
        "env_violations": "1.5",
    }
    with pytest.raises(returns.ReturnInvalid) as exc:
        returns.submit(actor_of("enterprise"), own, NEW_YEAR, bad)
    online = exc.value.cell_errors

    row = {**bad, **returns.registry_values(own), "year": NEW_YEAR}
    path = tmp_path / "one.xlsx"
    write_returns_workbook(path, [row], year=NEW_YEAR)
    outcome = importer.import_returns(path.read_bytes(), year=NEW_YEAR, file_name="one.xlsx")
    assert not outcome.ok
    imported = [e for e in outcome.errors if e.row is not None]

    def same(errors):
        return sorted(
            (e.field_key, e.code, replace(e, row=None, column=None).message(lang))
            for e in errors
            for lang in ("zh", "en")
        )

    assert len(online) >= 6
    assert same(online) == same(imported)


def test_online_and_import_store_the_same_values(own, complete, tmp_path):
    figures = {**complete, "total_revenue": "12,345.68", "profit": "-1.5", "major_violation": ""}
    returns.submit(actor_of("enterprise"), own, NEW_YEAR, figures)
    stored = own.returns.get(year=NEW_YEAR)
    assert str(stored.total_revenue) == "12345.68" and stored.major_violation is False

    row = {**figures, **returns.registry_values(own), "year": NEW_YEAR}
    path = tmp_path / "same.xlsx"
    write_returns_workbook(path, [row], year=NEW_YEAR)
    outcome = importer.import_returns(path.read_bytes(), year=NEW_YEAR, file_name="same.xlsx")
    assert outcome.ok, [e.message("en") for e in outcome.errors]
    batch = outcome.batch
    assert (batch.created, batch.updated, batch.unchanged) == (0, 0, 1)


def test_a_figure_typed_with_too_many_decimals_is_refused_not_rounded(own, complete):
    """Typed online, 12345.675 (a field of 2 decimals) is refused: rounding it silently would
    store a figure the enterprise never gave."""
    too_precise = {**complete, "total_revenue": "12345.675"}
    for send in (returns.submit, returns.save_draft):
        with pytest.raises(returns.ReturnInvalid) as exc:
            send(actor_of("enterprise"), own, NEW_YEAR, too_precise)
        [problem] = exc.value.message_dict["total_revenue"]
        assert "12345.675" in problem and "12345.68" in problem
    assert not own.returns.filter(year=NEW_YEAR).exists()
    kept = returns.submit(actor_of("enterprise"), own, NEW_YEAR, {**complete, "profit": "-1.50"})
    assert str(kept.annual_return.profit) == "-1.50"


# -- corrections -------------------------------------------------------------------------------


def test_a_correction_of_an_approved_return_is_a_new_submission(own, complete):
    before = count_in(JINAN, 2024)
    corrected = {**complete, "employees": str(int(complete["employees"]) + 1)}
    returns.submit(actor_of("enterprise"), own, 2024, corrected)
    r = own.returns.get(year=2024)
    assert r.status == "submitted"
    latest = r.history.order_by("-history_date").first()
    assert latest.history_change_reason == "online correction"
    assert count_in(JINAN, 2024) == before - 1  # out of the indicators until approved again

    comparison = returns.comparisons([r])[r.pk]
    assert comparison.basis == "approved"
    assert [c.spec.key for c in comparison.changed] == ["employees"]


def test_an_unchanged_correction_is_refused(own, complete):
    with pytest.raises(ValidationError):
        returns.submit(actor_of("enterprise"), own, 2024, complete)
    assert own.returns.get(year=2024).status == "approved"


# -- review ------------------------------------------------------------------------------------


@pytest.fixture
def submitted(own, complete):
    return returns.submit(actor_of("enterprise"), own, NEW_YEAR, complete).annual_return


@pytest.mark.parametrize("role", ROLES)
def test_only_the_city_bureau_or_the_administrator_reviews(submitted, role):
    a = actor_of(role)
    if role in ("admin", "jinan"):
        returns.approve(a, submitted, "ok")
        assert AnnualReturn.objects.get(pk=submitted.pk).status == "approved"
        return
    with pytest.raises(PermissionDenied):
        returns.approve(a, submitted)
    with pytest.raises(PermissionDenied):
        returns.return_to_enterprise(a, submitted, "no")
    assert AnnualReturn.objects.get(pk=submitted.pk).status == "submitted"


def test_another_city_cannot_review(outside, complete, submitted):
    theirs = outside.returns.get(year=2024)
    theirs.status = "submitted"
    theirs.save()
    with pytest.raises(PermissionDenied):
        returns.approve(actor_of("jinan"), theirs)
    returns.approve(actor_of("admin"), theirs)


def test_approval_counts_the_return_in_the_indicators(submitted, own):
    assert count_in(JINAN, NEW_YEAR) is None
    returns.approve(actor_of("jinan"), submitted, "checked")
    assert count_in(JINAN, NEW_YEAR) == 1
    assert count_in(JINAN, NEW_YEAR, "env_revenue_total") == pytest.approx(
        float(submitted.env_revenue) / 10000
    )
    decision = returns.latest_decision(submitted)
    assert (decision.action, decision.comment, decision.by.username) == (
        "approved",
        "checked",
        "jinan",
    )
    latest = submitted.history.order_by("-history_date").first()
    assert (latest.history_change_reason, latest.history_user.username) == ("approved", "jinan")


def test_a_returned_return_is_corrected_and_submitted_again(submitted, own, complete):
    jinan, ent = actor_of("jinan"), actor_of("enterprise")
    with pytest.raises(ValidationError) as exc:
        returns.return_to_enterprise(jinan, submitted, "  ")
    assert "comment" in exc.value.message_dict
    returns.return_to_enterprise(jinan, submitted, "R&D spending looks too high")
    r = own.returns.get(year=NEW_YEAR)
    assert r.status == "returned"
    assert returns.latest_decision(r).comment == "R&D spending looks too high"

    returns.save_draft(ent, own, NEW_YEAR, {**complete, "rd_spending": "1"})
    assert own.returns.get(year=NEW_YEAR).status == "returned"  # still with the enterprise
    returns.submit(ent, own, NEW_YEAR, {**complete, "rd_spending": "1"})
    r = own.returns.get(year=NEW_YEAR)
    assert r.status == "submitted" and str(r.rd_spending) == "1.00"
    assert list(r.events.values_list("action", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
    ]


def test_only_a_submitted_return_is_reviewed(own):
    approved = own.returns.get(year=2024)
    with pytest.raises(ValidationError):
        returns.approve(actor_of("jinan"), approved)
    with pytest.raises(ValidationError):
        returns.return_to_enterprise(actor_of("jinan"), approved, "why")


def test_a_new_return_is_compared_with_the_previous_year(submitted, own):
    comparison = returns.comparisons([submitted])[submitted.pk]
    assert comparison.basis == "previous_year" and comparison.basis_year == 2024
    assert comparison.rows and not comparison.changed  # the 2024 figures, filed for 2025
    first = own.returns.get(year=2023)
    assert returns.comparisons([first])[first.pk].basis == "approved"


def test_the_queue_filters_and_is_scoped(submitted, own, outside):
    queue = returns.for_review(actor_of("jinan"), status="submitted")
    assert list(queue) == [submitted] and queue[0].submitted_on is not None
    assert not returns.for_review(actor_of("jinan"), q=outside.uscc).exists()
    assert returns.for_review(actor_of("admin"), q=outside.uscc).exists()
    assert not returns.for_review(actor_of("dept")).exists()


def test_only_the_enterprise_sees_its_unsubmitted_draft(own, client_for):
    returns.save_draft(actor_of("enterprise"), own, NEW_YEAR, {"total_revenue": "98765.4"})
    assert actor_of("enterprise").sees_draft_returns_of(own)
    for name in ("admin", "dept", "jinan"):
        assert not actor_of(name).sees_draft_returns_of(own)
        page = client_for(name).get(f"/enterprises/{own.uscc}/")
        assert page.status_code == 200
        assert "98,765.4" not in page.content.decode() and "98765.4" not in page.content.decode()
    mine = client_for("enterprise").get(f"/enterprises/{own.uscc}/").content.decode()
    assert "98,765.4" in mine or "98765.4" in mine
