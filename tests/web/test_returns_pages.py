"""The return pages: an enterprise fills in its own return, the city bureau reviews its city's.

Every role on every page and action; the server decides, whatever the links show.
"""

import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils.html import escape

from eco311.accounts.models import Membership
from eco311.enterprises import returns
from eco311.enterprises.directory import return_fields
from eco311.enterprises.models import AnnualReturn, Enterprise, IndicatorValue
from eco311.enterprises.survey.dictionary import load_dictionary

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
REVIEWERS = {"admin", "jinan"}
JINAN = "370100"
NEW_YEAR = 2025
ZH_PO = Path(__file__).resolve().parents[2] / "src/eco311/locale/zh_Hans/LC_MESSAGES/django.po"


@pytest.fixture
def own(survey_population, personas):
    """The session's survey population; the enterprise persona acts for a Jinan enterprise with
    approved 2023 and 2024 returns."""
    e = (
        Enterprise.objects.filter(city__code=JINAN, returns__year=2024)
        .filter(pk__in=AnnualReturn.objects.filter(year=2023).values("enterprise_id"))
        .order_by("uscc")
        .first()
    )
    assert e is not None
    Membership.objects.filter(user__username="enterprise").update(enterprise=e)
    return e


@pytest.fixture
def outside(own):
    return (
        Enterprise.objects.exclude(city__code=JINAN)
        .filter(returns__year=2024)
        .order_by("uscc")
        .first()
    )


@pytest.fixture
def complete(own):
    """The enterprise's 2024 figures as the form posts them (complete and valid)."""
    return returns.form_values(own.returns.get(year=2024))


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def errors_of(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="error-(\w+)"><li>(.*?)</li>', body))


def submit_online(client, data, year=NEW_YEAR, action="submit"):
    return client.post("/returns/mine/", {**data, "year": year, "action": action})


def indicator(scope, year, key="enterprise_count"):
    found = IndicatorValue.objects.filter(indicator=key, scope_key=scope, year=year).first()
    return found.value if found else None


def expect_refused(response, role):
    if role == "public":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


# -- the enterprise's page ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_my_return_is_for_the_enterprise_user_only(own, client_for, role):
    response = client_for(role).get("/returns/mine/")
    if role == "enterprise":
        assert response.status_code == 200
        assert response.context["enterprise"] == own
        assert response.context["year"] == 2024  # the latest survey year
    else:
        expect_refused(response, role)


def test_an_enterprise_user_without_an_enterprise_is_refused(db, client_for):
    # As before any population is loaded (the session data links the persona to one).
    Membership.objects.filter(user__username="enterprise").update(enterprise=None)
    assert client_for("enterprise").get("/returns/mine/").status_code == 403


def test_the_form_is_built_from_the_data_dictionary(own, client_for):
    body = client_for("enterprise").get(f"/returns/mine/?year={NEW_YEAR}").content.decode()
    form = body[body.index('data-testid="return-form"') :]
    for spec in return_fields():
        assert f'name="{spec.key}"' in form
        assert escape(spec.label.zh) in form and escape(spec.definition.zh) in form
    assert "（万元）" in form and "（人）" in form
    assert '<option value="A">A级</option>' in form
    assert '<option value="true">是</option>' in form
    for registry_key in ("name", "uscc", "city_code", "park_key", "industry_code", "segment"):
        assert f'name="{registry_key}"' not in form  # shown, not editable
    assert escape(own.name) in form[: form.index("</dl>")]
    assert 'name="csrfmiddlewaretoken"' in form
    headings = re.findall(r"<h2>(.*?)</h2>", form)
    assert headings[:5] == [g.label.zh for g in load_dictionary().groups]


def test_a_year_that_is_not_open_is_not_found(own, client_for):
    c = client_for("enterprise")
    assert c.get("/returns/mine/?year=1999").status_code == 404
    assert c.get(f"/returns/mine/?year={returns.last_open_year() + 1}").status_code == 404


def test_errors_are_shown_next_to_their_fields_in_chinese(own, client_for, complete):
    c = client_for("enterprise")
    bad = {**complete, "total_revenue": "abc", "employees": "", "rd_staff": "-1"}
    response = submit_online(c, bad)
    assert response.status_code == 400
    errors = errors_of(response.content.decode())
    assert errors["total_revenue"] == "「营业收入」的值“abc”不是数字"
    assert errors["employees"] == "「年末从业人员」为必填项，不能为空"
    assert "不能为负数" in errors["rd_staff"]
    assert 'value="abc"' in response.content.decode()  # what was typed stays in the form
    assert not own.returns.filter(year=NEW_YEAR).exists()


def test_errors_are_shown_next_to_their_fields_in_english(own, client_for, complete):
    c = english(client_for("enterprise"))
    response = submit_online(c, {**complete, "total_revenue": "abc", "employees": ""})
    assert response.status_code == 400
    errors = errors_of(response.content.decode())
    assert errors["total_revenue"] == "Operating revenue: “abc” is not a number"
    assert errors["employees"] == "Employees at year end: a value is required"
    assert "Please correct the errors below" in response.content.decode()


def test_a_draft_is_saved_incomplete_and_submitted_later(own, client_for, complete):
    c = client_for("enterprise")
    response = submit_online(c, {"total_revenue": "2,000"}, action="save")
    assert response.status_code == 302 and response["Location"] == f"/returns/mine/?year={NEW_YEAR}"
    draft = own.returns.get(year=NEW_YEAR)
    assert draft.status == "draft" and str(draft.total_revenue) == "2000.00"
    page = c.get(response["Location"]).content.decode()
    assert 'value="2000.00"' in page and "草稿" in page and 'data-testid="save-draft"' in page

    response = submit_online(c, complete)
    assert response.status_code == 302
    r = own.returns.get(year=NEW_YEAR)
    assert r.status == "submitted"
    rows = list(r.history.order_by("history_date"))
    assert [h.history_change_reason for h in rows] == ["online draft", "online submission"]
    assert {h.history_user.username for h in rows} == {"enterprise"}
    page = c.get(response["Location"]).content.decode()
    assert 'data-testid="save-draft"' not in page  # a submitted return is corrected, not drafted
    assert 'data-testid="return-history"' in page and "网上报送" in page


def test_a_correction_of_the_approved_return_leaves_the_indicators(own, client_for, complete):
    before = indicator(JINAN, 2024)
    c = client_for("enterprise")
    page = c.get("/returns/mine/?year=2024").content.decode()
    assert "提交更正" in page and "已审核通过" in page
    corrected = {**complete, "employees": str(int(complete["employees"]) + 2)}
    assert submit_online(c, corrected, year=2024).status_code == 302
    assert own.returns.get(year=2024).status == "submitted"
    assert indicator(JINAN, 2024) == before - 1
    again = submit_online(c, corrected, year=2024)
    assert again.status_code == 400 and "没有任何改动" in again.content.decode()


# -- the city bureau's pages --------------------------------------------------------------------


@pytest.fixture
def submitted(own, complete, client_for):
    assert submit_online(client_for("enterprise"), complete).status_code == 302
    return own.returns.get(year=NEW_YEAR)


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_is_for_reviewers_and_scoped(submitted, outside, client_for, role):
    c = client_for(role)
    response = c.get("/returns/?status=")
    if role not in REVIEWERS:
        expect_refused(response, role)
        return
    assert response.status_code == 200
    listed = {r.enterprise.city.code for r, _c in response.context["rows"]}
    if role == "jinan":
        assert listed == {JINAN}
        assert (
            response.context["page"].paginator.count
            == AnnualReturn.objects.filter(enterprise__city__code=JINAN).count()
        )
        assert outside.uscc not in response.content.decode()
    else:
        assert response.context["page"].paginator.count == AnnualReturn.objects.count()


def test_the_queue_filters_by_state_and_shows_what_changed(own, submitted, client_for, complete):
    c = client_for("jinan")
    waiting = c.get("/returns/")  # submitted returns by default
    assert [r for r, _c in waiting.context["rows"]] == [submitted]
    body = waiting.content.decode()
    assert "与 2024 年相比" in body and own.name in body
    assert not c.get(f"/returns/?status=approved&q={own.uscc}&year={NEW_YEAR}").context["rows"]

    corrected = {**complete, "employees": str(int(complete["employees"]) + 2)}
    submit_online(client_for("enterprise"), corrected, year=2024)
    body = c.get("/returns/?year=2024").content.decode()
    changes = body[body.index('data-testid="changes"') :]
    assert "1 个字段与审核通过的版本不同" in changes and "年末从业人员" in changes


@pytest.mark.parametrize("role", ROLES)
def test_the_review_page_is_scoped(submitted, outside, client_for, role):
    c = client_for(role)
    response = c.get(f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/")
    if role not in REVIEWERS:
        expect_refused(response, role)
        return
    assert response.status_code == 200
    assert 'data-testid="review-return-form"' in response.content.decode()
    other = c.get(f"/returns/{outside.uscc}/2024/")
    assert other.status_code == (200 if role == "admin" else 404)
    assert c.get(f"/returns/{submitted.enterprise.uscc}/2001/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_only_a_reviewer_may_approve(submitted, client_for, role):
    url = f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/review/"
    response = client_for(role).post(url, {"action": "approve"})
    submitted.refresh_from_db()
    if role in REVIEWERS:
        assert response.status_code == 302 and response["Location"] == "/returns/"
        assert submitted.status == "approved"
    else:
        expect_refused(response, role)
        assert submitted.status == "submitted"


def test_review_actions_are_post_only_and_need_the_csrf_token(submitted, personas):
    url = f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/review/"
    c = Client(enforce_csrf_checks=True)
    c.force_login(personas["jinan"])
    assert c.get(url).status_code == 405
    assert c.post(url, {"action": "approve"}).status_code == 403
    e = Client(enforce_csrf_checks=True)
    e.force_login(personas["enterprise"])
    assert e.post("/returns/mine/", {"year": NEW_YEAR, "action": "submit"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_approving_through_the_page_recomputes_the_indicators(submitted, client_for):
    assert indicator(JINAN, NEW_YEAR) is None
    c = client_for("jinan")
    page = c.get(f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/").content.decode()
    assert "从未审核通过：与 2024 年审核通过的年报比较。" in page
    response = c.post(
        f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/review/",
        {"action": "approve", "comment": "ok"},
    )
    assert response.status_code == 302
    assert indicator(JINAN, NEW_YEAR) == 1
    latest = submitted.history.order_by("-history_date").first()
    assert (latest.status, latest.history_change_reason, latest.history_user.username) == (
        "approved",
        "approved",
        "jinan",
    )
    assert "已审核通过" in c.get("/returns/?status=approved").content.decode()


def test_a_return_sent_back_needs_a_comment_and_shows_it(submitted, client_for):
    c = client_for("jinan")
    url = f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/review/"
    response = c.post(url, {"action": "return", "comment": ""}, follow=True)
    assert "请说明企业需要更正的内容" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    c.post(url, {"action": "return", "comment": "研发经费偏高，请核实"})
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    page = client_for("enterprise").get(f"/returns/mine/?year={NEW_YEAR}").content.decode()
    comment = page[page.index('data-testid="review-comment"') :]
    assert "研发经费偏高，请核实" in comment[:500]
    assert 'data-testid="save-draft"' in page  # the enterprise works on it again


# -- links -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_navigation_links_follow_the_role(own, client_for, role):
    body = client_for(role).get("/").content.decode()
    assert ('data-testid="nav-my-return"' in body) is (role == "enterprise")
    assert ('data-testid="nav-returns"' in body) is (role in REVIEWERS)


@pytest.mark.parametrize("role", ["admin", "dept", "jinan", "enterprise"])
def test_the_enterprise_profile_links_to_the_return_pages(own, client_for, role):
    body = client_for(role).get(f"/enterprises/{own.uscc}/").content.decode()
    assert ('data-testid="my-return-link"' in body) is (role == "enterprise")
    assert ('data-testid="review-returns-link"' in body) is (role in REVIEWERS)
    assert (f'href="/returns/{own.uscc}/2024/"' in body) is (role in REVIEWERS)


def test_the_return_pages_have_no_untranslated_text(submitted, client_for):
    po = polib.pofile(str(ZH_PO))
    pages = [
        client_for("enterprise").get(f"/returns/mine/?year={NEW_YEAR}"),
        client_for("jinan").get("/returns/?status="),
        client_for("jinan").get(f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/"),
    ]
    for page in pages:
        body = page.content.decode()
        leaked = [
            e.msgid
            for e in po
            if e.msgstr and e.msgstr != e.msgid and len(e.msgid) > 4 and f">{e.msgid}<" in body
        ]
        assert leaked == []


def test_a_decision_needs_a_valid_action(submitted, client_for):
    url = f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/review/"
    response = client_for("jinan").post(url, {"action": "maybe"})
    assert response.status_code == 302 and response["Location"] == url.removesuffix("review/")
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


# -- drafts are the enterprise's alone ------------------------------------------------------------


@pytest.fixture
def draft(own, client_for):
    response = submit_online(client_for("enterprise"), {"total_revenue": "1234"}, action="save")
    assert response.status_code == 302
    return own.returns.get(year=NEW_YEAR)


@pytest.mark.parametrize("role", sorted(REVIEWERS))
def test_reviewers_never_see_an_unsubmitted_draft(draft, client_for, role):
    c = client_for(role)
    for query in ("?status=draft", "?status=", f"?status=draft&q={draft.enterprise.uscc}"):
        response = c.get(f"/returns/{query}")
        assert response.status_code == 200
        link = f"/returns/{draft.enterprise.uscc}/{NEW_YEAR}/"
        assert link not in response.content.decode(), query
    assert "draft" not in [value for value, _label in response.context["statuses"]]
    assert c.get(f"/returns/{draft.enterprise.uscc}/{NEW_YEAR}/").status_code == 404
    review = c.post(f"/returns/{draft.enterprise.uscc}/{NEW_YEAR}/review/", {"action": "approve"})
    assert review.status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize("role", ["admin", "dept", "jinan"])
def test_the_api_and_the_profile_leave_the_draft_out(draft, client_for, role):
    c = client_for(role)
    api = c.get(f"/api/enterprises/{draft.enterprise.uscc}").json()
    assert NEW_YEAR not in [r["year"] for r in api["returns"]]
    body = c.get(f"/enterprises/{draft.enterprise.uscc}/").content.decode()
    assert "1,234" not in body and "1234" not in body
    own_view = client_for("enterprise").get(f"/api/enterprises/{draft.enterprise.uscc}").json()
    assert NEW_YEAR in [r["year"] for r in own_view["returns"]]


def test_a_returned_return_being_corrected_shows_the_reviewer_what_was_returned(
    submitted, client_for, complete
):
    url = f"/returns/{submitted.enterprise.uscc}/{NEW_YEAR}/"
    client_for("jinan").post(url + "review/", {"action": "return", "comment": "请核实营业收入"})
    was = AnnualReturn.objects.get(pk=submitted.pk).total_revenue
    working = {**complete, "total_revenue": "987654.32"}
    assert submit_online(client_for("enterprise"), working, action="save").status_code == 302
    assert str(AnnualReturn.objects.get(pk=submitted.pk).total_revenue) == "987654.32"

    page = client_for("jinan").get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "987,654.32" not in body and "987654.32" not in body
    shown = page.context["annual_return"]
    assert shown.total_revenue == was and shown.status == "returned"
    assert "online draft" not in [h.reason for h in page.context["history"]]
    assert "网上保存草稿" not in body
    queue = client_for("jinan").get("/returns/?status=returned").content.decode()
    assert "987,654.32" not in queue


# -- what is typed is kept or refused, never changed ------------------------------------------------


def test_a_figure_with_more_decimals_than_the_field_keeps_is_refused(own, client_for, complete):
    spec = next(s for s in return_fields() if s.type == "decimal" and s.decimals == 2)
    base = Decimal(complete[spec.key])
    typed, kept = str(base + Decimal("0.0045")), str(base + Decimal("0.01"))  # e.g. 1.2345
    c = client_for("enterprise")
    for action in ("save", "submit"):
        response = submit_online(c, {**complete, spec.key: typed}, action=action)
        assert response.status_code == 400, action
        errors = errors_of(response.content.decode())
        assert typed in errors[spec.key] and "2" in errors[spec.key]
        assert not own.returns.filter(year=NEW_YEAR).exists()
    assert submit_online(c, {**complete, spec.key: kept}).status_code == 302
    assert str(getattr(own.returns.get(year=NEW_YEAR), spec.key)) == kept


def test_a_control_character_in_a_return_is_refused(own, client_for, complete):
    text = next(s.key for s in return_fields() if s.type == "text")
    c = client_for("enterprise")
    response = submit_online(c, {**complete, text: "膜\x0b组件"}, action="save")
    assert response.status_code == 400
    assert "U+000B" in response.content.decode()
    assert not own.returns.filter(year=NEW_YEAR).exists()
