"""The Top-100 pages: lists, progress, review, publication, profiles, methodology and exports.

Every role on every page and action (admin, dept, jinan, park, enterprise, bank and the
anonymous public); the server decides, whatever the links show. The tests check markers
(data-testid, data values) rather than interface texts, whose Chinese translations are merged
separately (ranking-po.txt).
"""

import io
import json
import re

import pytest
from django.db.models import F
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from openpyxl import load_workbook

from eco311.accounts.models import Membership
from eco311.accounts.scopes import Actor
from eco311.core import jobs
from eco311.core.models import Job
from eco311.enterprises.models import AnnualReturn
from eco311.ranking import service
from eco311.ranking.models import RankingEntry, RankingList

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
REVIEWERS = {"admin", "dept"}
OTHERS = [r for r in ROLES if r != "admin"]
JINAN = "370100"
TOP_N = 40


def _run(ranking):
    job = jobs.run_next("test")
    assert job is not None and job.status == Job.Status.DONE, job and job.error
    ranking.refresh_from_db()
    return ranking


@pytest.fixture
def draft(survey_population, personas):
    """A draft Top-40 of 2024 in which two enterprises are not ranked (a major environmental
    violation); the enterprise persona acts for a ranked Jinan enterprise."""
    violators = AnnualReturn.objects.filter(year=2024, status="approved").order_by("-id")[:2]
    AnnualReturn.objects.filter(pk__in=[r.pk for r in violators]).update(major_violation=True)
    ranking = _run(
        service.start(year=2024, actor=Actor.of(personas["admin"]), top_n=TOP_N, samples=0)
    )
    own = (
        ranking.entries.filter(city_code=JINAN, rank__isnull=False, rank__lte=TOP_N)
        .order_by("rank")
        .first()
    )
    assert own is not None
    Membership.objects.filter(user__username="enterprise").update(enterprise=own.enterprise)
    return ranking


@pytest.fixture
def published(draft, personas):
    return service.publish(draft, actor=Actor.of(personas["admin"]))


def _with_bands(ranking):
    """Rank bands and probabilities as the uncertainty analysis would store them."""
    RankingEntry.objects.filter(ranking=ranking, rank__isnull=False).update(
        median_rank=F("rank"), rank_p05=F("rank"), rank_p95=F("rank") + 3, p_top=0.75
    )


def _body(response) -> str:
    return response.content.decode()


def _rows(body: str) -> list[str]:
    table = body[body.index('data-testid="ranking-table"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'<tr data-uscc="(\w+)"', table)


def _own(personas):
    return Membership.objects.get(user=personas["enterprise"]).enterprise


# -- the lists ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_lists_page_shows_drafts_to_their_reviewers_only(client_for, published, role):
    admin = published.created_by
    other = _run(service.start(year=2024, actor=Actor.of(admin), top_n=10, samples=0))
    response = client_for(role).get("/rankings/")
    assert response.status_code == 200
    body = _body(response)
    assert f'data-ranking="{published.pk}"' in body
    assert f"/rankings/{published.pk}/" in body
    assert (f'data-ranking="{other.pk}"' in body) == (role in REVIEWERS)
    assert ('data-testid="other-runs"' in body) == (role in REVIEWERS)
    assert ('data-testid="start-form"' in body) == (role == "admin")


def test_the_nav_links_to_the_lists(client_for, survey_population):
    body = _body(client_for("public").get("/"))
    assert 'data-testid="nav-rankings"' in body and 'href="/rankings/"' in body


def test_the_start_form_offers_the_years_with_approved_returns(client_for, survey_population):
    body = _body(client_for("admin").get("/rankings/"))
    form = body[body.index('data-testid="start-form"') :]
    form = form[: form.index("</form>")]
    assert re.findall(r'<option value="(\d+)"', form) == ["2024", "2023"]
    assert 'name="top_n" value="100"' in form
    assert re.search(r'name="samples" value="\d+"', form)


def test_the_administrator_starts_a_run_and_sees_its_progress(client_for, survey_population):
    client = client_for("admin")
    response = client.post("/rankings/start/", {"year": 2024, "top_n": 50, "samples": 0})
    ranking = RankingList.objects.get()
    assert response.status_code == 302 and response.url == f"/rankings/{ranking.pk}/"
    assert (ranking.year, ranking.top_n, ranking.status) == (2024, 50, "computing")
    assert ranking.job.status == Job.Status.QUEUED

    body = _body(client.get(response.url))
    assert 'data-testid="ranking-progress"' in body
    assert 'hx-trigger="every 1s"' in body
    assert f'hx-get="/rankings/{ranking.pk}/progress/"' in body
    assert 'data-testid="ranking-table"' not in body

    _run(ranking)
    body = _body(client.get(response.url))
    assert 'data-testid="ranking-progress"' not in body
    assert 'data-testid="ranking-table"' in body and 'data-testid="publish"' in body


@pytest.mark.parametrize("role", OTHERS)
def test_the_others_cannot_start_a_run(client_for, survey_population, role, refused):
    response = client_for(role).post("/rankings/start/", {"year": 2024, "top_n": 50, "samples": 0})
    assert refused(response)
    assert not RankingList.objects.exists() and not Job.objects.exists()


def test_a_wrong_start_form_is_shown_again_with_its_errors(client_for, survey_population):
    response = client_for("admin").post(
        "/rankings/start/", {"year": 2019, "top_n": 0, "samples": -1}
    )
    assert response.status_code == 400
    body = _body(response)
    assert body.count('class="errorlist"') == 3
    assert not RankingList.objects.exists()


def test_the_start_page_needs_a_post(client_for, survey_population):
    assert client_for("admin").get("/rankings/start/").status_code == 405


# -- progress -----------------------------------------------------------------------------------


def test_the_progress_fragment_polls_until_the_run_has_finished(client_for, survey_population):
    client = client_for("admin")
    ranking = service.start(year=2024, actor=Actor.of(_admin()), top_n=TOP_N, samples=0)
    url = f"/rankings/{ranking.pk}/progress/"

    body = _body(client.get(url))
    assert 'data-state="queued"' in body and 'hx-trigger="every 1s"' in body
    assert "<html" not in body  # a fragment, not a page

    Job.objects.filter(pk=ranking.job_id).update(
        status=Job.Status.RUNNING, progress=0.3, step_zh="计算综合指数", step_en="computing"
    )
    body = _body(client.get(url))
    assert 'data-state="running"' in body and 'hx-trigger="every 1s"' in body
    assert 'value="30"' in body and ">30%<" in body
    assert "计算综合指数" in body

    Job.objects.filter(pk=ranking.job_id).update(status=Job.Status.QUEUED)
    _run(ranking)
    response = client.get(url, headers={"HX-Request": "true"})
    body = _body(response)
    assert 'data-state="done"' in body and "hx-trigger" not in body
    assert response["HX-Refresh"] == "true"
    assert "HX-Refresh" not in client.get(url)  # only htmx is told to reload


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def test_a_failed_run_shows_its_reason_and_can_be_discarded(client_for, survey_population):
    ranking = service.start(year=2024, actor=Actor.of(_admin()), top_n=TOP_N, samples=0)
    RankingList.objects.filter(pk=ranking.pk).update(methodology_text="schema: nonsense")
    job = jobs.run_next("test")
    assert job.status == Job.Status.FAILED
    client = client_for("admin")

    response = client.get(f"/rankings/{ranking.pk}/progress/", headers={"HX-Request": "true"})
    body = _body(response)
    assert 'data-state="failed"' in body and "hx-trigger" not in body
    assert "MethodologyError" in body and response["HX-Refresh"] == "true"

    body = _body(client.get(f"/rankings/{ranking.pk}/"))
    assert 'data-testid="run-error"' in body and "MethodologyError" in body
    assert 'data-testid="discard"' in body
    assert 'data-state="failed"' in _body(client_for("dept").get(f"/rankings/{ranking.pk}/"))

    assert client.post(f"/rankings/{ranking.pk}/discard/").status_code == 302
    assert RankingList.objects.get(pk=ranking.pk).status == RankingList.Status.DISCARDED


def test_a_run_whose_job_failed_outside_the_handler_shows_as_failed(client_for, draft):
    ranking = service.start(year=2024, actor=Actor.of(_admin()), top_n=TOP_N, samples=0)
    Job.objects.filter(pk=ranking.job_id).update(
        status=Job.Status.FAILED, error="the worker stopped before the job ended"
    )
    body = _body(client_for("admin").get(f"/rankings/{ranking.pk}/progress/"))
    assert 'data-state="failed"' in body and "the worker stopped" in body


# -- drafts: who sees them, who decides ----------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_draft_is_for_its_reviewers_only(client_for, draft, role):
    client = client_for(role)
    expected = 200 if role in REVIEWERS else 404
    for path in ("", "progress/", "methodology/", "export.xlsx", "export.pdf"):
        assert client.get(f"/rankings/{draft.pk}/{path}").status_code == expected, path


@pytest.mark.parametrize("role", OTHERS)
def test_only_the_administrator_publishes_or_discards(client_for, draft, role, refused):
    client = client_for(role)
    assert refused(client.post(f"/rankings/{draft.pk}/publish/"))
    assert refused(client.post(f"/rankings/{draft.pk}/discard/"))
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (RankingList.Status.DRAFT, None)
    if role in REVIEWERS:
        body = _body(client.get(f"/rankings/{draft.pk}/"))
        assert 'data-testid="review"' in body
        assert 'data-testid="publish"' not in body and 'data-testid="discard"' not in body


def test_the_review_shows_what_the_run_found(client_for, draft):
    body = _body(client_for("admin").get(f"/rankings/{draft.pk}/"))
    s = draft.summary
    assert f'data-testid="n-candidates">{s["candidates"]}<' in body
    assert f'data-testid="n-eligible">{s["eligible"]}<' in body
    assert f'data-testid="n-ranked">{s["ranked"]}<' in body
    reasons = body[body.index('data-testid="excluded-by-reason"') :]
    for code, n in s["excluded"].items():
        assert re.search(rf'data-code="{code}"><td>[^<]+</td><td class="num">{n}</td>', reasons)
    for code, outcome in s["treatments"].items():
        if outcome not in ("passed", "not_checked"):
            assert f'<li data-code="{code}">' in body
    assert 'data-testid="draft-note"' in body
    assert _rows(body)  # the table as it would be published


def test_publishing_asks_for_a_confirmation(client_for, draft):
    client = client_for("admin")
    body = _body(client.get(f"/rankings/{draft.pk}/"))
    assert 'data-testid="publish-confirm"' in body and "required" in body
    response = client.post(f"/rankings/{draft.pk}/publish/", follow=True)
    assert 'class="msg-error"' in _body(response)
    assert RankingList.objects.get(pk=draft.pk).status == RankingList.Status.DRAFT


def test_the_administrator_publishes_a_draft(client_for, draft):
    client = client_for("admin")
    response = client.post(f"/rankings/{draft.pk}/publish/", {"confirm": "yes"})
    assert response.status_code == 302 and response.url == f"/rankings/{draft.pk}/"
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (RankingList.Status.PUBLISHED, 1)
    body = _body(client.get(response.url))
    assert 'class="msg-success"' in body
    assert 'data-testid="ranking-version">v1<' in body
    assert 'data-testid="publish"' not in body

    again = client.post(f"/rankings/{draft.pk}/publish/", {"confirm": "yes"}, follow=True)
    assert 'class="msg-error"' in _body(again)
    assert RankingList.objects.get(pk=draft.pk).version == 1


def test_the_administrator_discards_a_draft(client_for, draft):
    client = client_for("admin")
    assert client.post(f"/rankings/{draft.pk}/discard/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == RankingList.Status.DISCARDED
    body = _body(client.get(f"/rankings/{draft.pk}/"))
    assert 'data-testid="discarded-note"' in body and 'data-testid="publish"' not in body
    assert client_for("public").get(f"/rankings/{draft.pk}/").status_code == 404


def test_publishing_needs_a_post(client_for, draft):
    assert client_for("admin").get(f"/rankings/{draft.pk}/publish/").status_code == 405
    assert RankingList.objects.get(pk=draft.pk).status == RankingList.Status.DRAFT


# -- the published list -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_a_published_list(client_for, published, role):
    response = client_for(role).get(f"/rankings/{published.pk}/")
    assert response.status_code == 200
    body = _body(response)
    top = published.entries.filter(rank__lte=TOP_N).order_by("rank", "uscc")
    assert _rows(body) == [e.uscc for e in top]
    first = top[0]
    assert escape(first.name) in body
    assert f"{first.score:.1f}" in body
    for code in ("scale", "growth", "innovation", "quality", "credit"):
        assert f'data-group="{code}"' in body
    assert ('data-testid="review"' in body) == (role in REVIEWERS)
    assert f"/rankings/{published.pk}/export.xlsx" in body
    assert f"/rankings/{published.pk}/export.pdf" in body
    assert f"/rankings/{published.pk}/methodology/" in body
    note = body[body.index('data-testid="exclusion-note"') :]
    note = note[: note.index("</p>")]
    excluded = published.entries.filter(eligible=False).values_list("excluded_zh", flat=True)
    assert len(excluded) == 2
    for x in excluded:
        assert x in note
    # no uncertainty analysis, no last year's list: no band, probability or movement columns
    assert 'data-testid="band-head"' not in body and 'data-testid="p-top-head"' not in body
    assert 'data-testid="movement-head"' not in body
    assert 'data-testid="no-band-note"' in body


def test_officials_see_links_to_the_profiles_they_may_open(client_for, published, personas):
    top = list(published.entries.filter(rank__lte=TOP_N).select_related("enterprise"))
    own = _own(personas)
    expected = {
        "admin": {e.uscc for e in top},
        "dept": {e.uscc for e in top},
        "jinan": {e.uscc for e in top if e.enterprise.city.code == JINAN},
        "park": {e.uscc for e in top if e.enterprise.park_id == _park_id(personas)},
        "enterprise": {own.uscc},
        "bank": set(),
        "public": set(),
    }
    for role, linked in expected.items():
        body = _body(client_for(role).get(f"/rankings/{published.pk}/"))
        found = set(re.findall(rf'href="/rankings/{published.pk}/enterprises/(\w+)/"', body))
        assert found == linked, role


def _park_id(personas):
    return Membership.objects.get(user=personas["park"]).area_id


def test_bands_and_probabilities_show_when_the_analysis_made_them(client_for, draft, personas):
    _with_bands(draft)
    ranking = service.publish(draft, actor=Actor.of(personas["admin"]))
    body = _body(client_for("public").get(f"/rankings/{ranking.pk}/"))
    assert 'data-testid="band-head"' in body and 'data-testid="p-top-head"' in body
    assert 'data-testid="no-band-note"' not in body
    assert re.search(r'data-testid="band">1–4<', body)
    assert body.count('data-testid="p-top">75%<') == len(_rows(body))


def test_a_run_with_the_uncertainty_analysis_shows_bands_and_sensitivities(
    client_for, survey_population, personas
):
    ranking = _run(
        service.start(year=2024, actor=Actor.of(personas["admin"]), top_n=TOP_N, samples=8)
    )
    body = _body(client_for("admin").get(f"/rankings/{ranking.pk}/"))
    assert 'data-testid="n-samples">8<' in body
    assert 'data-testid="sobol"' in body
    for factor in ranking.summary["uncertainty"]["sobol"]:
        assert f'data-factor="{factor}"' in body
    ranking = service.publish(ranking, actor=Actor.of(personas["admin"]))
    body = _body(client_for("public").get(f"/rankings/{ranking.pk}/"))
    assert 'data-testid="band-head"' in body and 'data-testid="p-top-head"' in body
    first = ranking.entries.get(rank=1)
    band = f"{floatformat(first.rank_p05, 0)}–{floatformat(first.rank_p95, 0)}"
    assert re.search(rf'data-rank="1">.*?data-testid="band">{band}<', body, re.S)
    profile = _body(client_for("admin").get(f"/rankings/{ranking.pk}/enterprises/{first.uscc}/"))
    assert f'data-testid="entry-band">{band}<' in profile


def test_the_list_shows_the_movement_since_last_years_list(client_for, survey_population):
    admin = _admin()
    last = _run(service.start(year=2023, actor=Actor.of(admin), top_n=TOP_N, samples=0))
    service.publish(last, actor=Actor.of(admin))
    this = service.publish(
        _run(service.start(year=2024, actor=Actor.of(admin), top_n=TOP_N, samples=0)),
        actor=Actor.of(admin),
    )
    body = _body(client_for("public").get(f"/rankings/{this.pk}/"))
    assert 'data-testid="movement-head"' in body
    shown = dict(re.findall(r'<tr data-uscc="(\w+)".*?data-movement="(-?\w+)"', body, re.S))
    assert shown
    for e in this.entries.filter(rank__lte=TOP_N):
        movement = "new" if e.movement is None else str(e.movement)
        assert shown[e.uscc] == movement
    assert any(m.lstrip("-").isdigit() and m != "0" for m in shown.values())


def test_an_unknown_list_is_a_404(client_for, survey_population):
    assert client_for("admin").get("/rankings/999/").status_code == 404


# -- profiles ----------------------------------------------------------------------------------


@pytest.fixture
def entries(published, personas):
    """A ranked entry in Jinan (the enterprise persona's), one elsewhere outside the park."""
    park = _park_id(personas)
    ranked = published.entries.filter(rank__isnull=False).select_related("enterprise")
    own = ranked.get(enterprise=_own(personas))
    jinan = ranked.filter(city_code=JINAN).exclude(pk=own.pk).first()
    elsewhere = ranked.exclude(city_code=JINAN).exclude(enterprise__park_id=park).first()
    in_park = ranked.filter(enterprise__park_id=park).first()
    return {"own": own, "jinan": jinan, "elsewhere": elsewhere, "park": in_park}


EXPECTED = {  # role -> entry -> status
    "admin": {"own": 200, "jinan": 200, "elsewhere": 200, "park": 200},
    "dept": {"own": 200, "jinan": 200, "elsewhere": 200, "park": 200},
    "jinan": {"own": 200, "jinan": 200, "elsewhere": 404},
    "park": {"own": None, "jinan": None, "elsewhere": 404, "park": 200},
    "enterprise": {"own": 200, "jinan": 404, "elsewhere": 404, "park": 404},
    "bank": {"own": 403, "jinan": 403, "elsewhere": 403, "park": 403},
    # The anonymous public is sent to the login page (web/views/errors.py).
    "public": {"own": 302, "jinan": 302, "elsewhere": 302, "park": 302},
}


@pytest.mark.parametrize("role", ROLES)
def test_a_profile_is_for_officials_in_scope_and_the_enterprise_itself(
    client_for, published, entries, personas, role
):
    client = client_for(role)
    for which, status in EXPECTED[role].items():
        entry = entries[which]
        if entry is None or status is None:  # the park and Jinan may overlap or be empty
            continue
        if which == "park" and role == "enterprise" and entry.enterprise == _own(personas):
            continue
        url = f"/rankings/{published.pk}/enterprises/{entry.uscc}/"
        assert client.get(url).status_code == status, (role, which)
    unknown = f"/rankings/{published.pk}/enterprises/91370000XXXXXXXXXX/"
    assert client.get(unknown).status_code == {"bank": 403, "public": 302}.get(role, 404)


def test_the_enterprise_user_sees_its_own_profile(client_for, published, personas):
    own = _own(personas)
    client = client_for("enterprise")
    body = _body(client.get(f"/rankings/{published.pk}/enterprises/{own.uscc}/"))
    entry = published.entries.get(enterprise=own)
    assert f'data-testid="entry-rank">{entry.rank}<' in body
    lowercase = client.get(f"/rankings/{published.pk}/enterprises/{own.uscc.lower()}/")
    assert lowercase.status_code == 200


def test_a_draft_profile_is_for_the_reviewers_only(client_for, draft, personas):
    own = _own(personas)
    url = f"/rankings/{draft.pk}/enterprises/{own.uscc}/"
    assert client_for("admin").get(url).status_code == 200
    assert client_for("dept").get(url).status_code == 200
    for role in ("jinan", "enterprise", "bank", "public"):
        assert client_for(role).get(url).status_code == 404, role


def _json_script(body: str, element_id: str):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body)
    assert found, element_id
    return json.loads(found.group(1))


def test_a_profile_explains_the_rank(client_for, published):
    entry = published.entries.get(rank=1)
    body = _body(client_for("admin").get(f"/rankings/{published.pk}/enterprises/{entry.uscc}/"))
    methodology = service.load_default()
    for ind in methodology.indicators:
        assert f'data-indicator="{ind.code}"' in body
        assert escape(ind.name.zh) in body
    assert body.count('data-testid="imputed"') == len(entry.imputed)
    assert f'data-testid="entry-score">{entry.score:.1f}<' in body
    assert 'data-testid="entry-band">—<' in body  # no uncertainty analysis in this list

    chart = _json_script(body, "contribution-chart")
    names = [g.name.zh for g in methodology.levels[0].groups]
    assert chart["categories"] == names
    contribution, gap = chart["series"]
    assert sum(contribution["data"]) == pytest.approx(entry.score, abs=0.05)
    assert sum(contribution["data"]) + sum(gap["data"]) == pytest.approx(100, abs=0.05)

    radar = _json_script(body, "radar-chart")
    assert [a["name"] for a in radar["indicators"]] == names
    assert all(a["max"] == 100 for a in radar["indicators"]) and radar["min"] == 0
    mine, median = radar["series"]
    assert mine["values"] == [entry.group_scores[g.code] for g in methodology.levels[0].groups]
    assert all(v is not None for v in median["values"])
    assert 'data-chart="radar"' in body and 'data-chart="stacked-bar"' in body


def test_a_profile_shows_the_rank_band_and_movement_when_they_exist(client_for, draft, personas):
    _with_bands(draft)
    entry = draft.entries.get(rank=1)
    RankingEntry.objects.filter(pk=entry.pk).update(previous_rank=5)
    ranking = service.publish(draft, actor=Actor.of(personas["admin"]))
    body = _body(client_for("admin").get(f"/rankings/{ranking.pk}/enterprises/{entry.uscc}/"))
    assert 'data-testid="entry-band">1–4<' in body
    assert 'data-testid="entry-p-top"' in body and "75%" in body
    assert 'data-movement="4"' in body and "↑4" in body


def test_an_excluded_enterprise_shows_why(client_for, published):
    entry = published.entries.filter(eligible=False).first()
    body = _body(client_for("admin").get(f"/rankings/{published.pk}/enterprises/{entry.uscc}/"))
    assert 'data-testid="excluded-reason"' in body and entry.excluded_zh in body
    assert 'data-chart="radar"' not in body


# -- methodology --------------------------------------------------------------------------------


def _check_methodology_page(body: str, methodology, lang: str):
    def text(t):
        return escape(getattr(t, lang) or "")

    assert text(methodology.name) in body and text(methodology.rationale) in body
    for ind in methodology.indicators:
        row = body[body.index(f'data-indicator="{ind.code}"') :]
        row = row[: row.index("</tr>")]
        assert text(ind.name) in row and text(ind.rationale) in row
    for group in methodology.levels[0].groups:
        assert f'data-group="{group.code}"' in body and text(group.rationale) in body
    for step in ("denominate", "impute", "screen", "transform", "treat", "normalise"):
        rationale = getattr(methodology.steps, step).rationale
        assert f'data-step="{step}"' in body and text(rationale) in body
    for rule in methodology.eligibility.rules:
        assert f'data-rule="{rule.code}"' in body and text(rule.reason) in body


@pytest.mark.parametrize("role", ["public", "bank", "admin"])
def test_the_methodology_page_is_generated_from_the_file(client_for, db, role):
    response = client_for(role).get("/rankings/methodology/")
    assert response.status_code == 200
    body = _body(response)
    _check_methodology_page(body, service.load_default(), "zh")
    assert 'data-testid="current-note"' in body
    # the weights as the file gives them: env_revenue counts twice within scale
    row = body[body.index('data-indicator="env_revenue"') :]
    assert re.search(r'<td class="num">2 <span class="muted small">\(67%\)</span>', row)


def test_the_methodology_page_speaks_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = _body(client.get("/rankings/methodology/"))
    _check_methodology_page(body, service.load_default(), "en")


def test_a_list_shows_the_methodology_it_was_computed_with(
    client_for, published, monkeypatch, tmp_path
):
    changed = tmp_path / "m.yaml"
    text = service.methodology_text().replace("weight: 25", "weight: 50", 1)
    changed.write_text(text.replace("百强综合评价指数", "百强综合评价指数（修订）"))
    monkeypatch.setattr(service, "METHODOLOGY_FILE", changed)

    snapshot = _body(client_for("public").get(f"/rankings/{published.pk}/methodology/"))
    assert published.methodology_sha256 in snapshot
    assert 'data-testid="current-differs"' in snapshot and "（修订）" not in snapshot
    current = _body(client_for("public").get("/rankings/methodology/"))
    assert "（修订）" in current and published.methodology_sha256 not in current


# -- exports -----------------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content), read_only=True)


def _sheet_rows(wb, name):
    return [r for r in wb[name].iter_rows(min_row=3, values_only=True) if any(r)]


def test_the_public_exports_the_top_n_only(client_for, published, demo_mode):
    wb = _workbook(client_for("public").get(f"/rankings/{published.pk}/export.xlsx"))
    assert wb.sheetnames == ["名单 List", "说明 About"]
    rows = _sheet_rows(wb, "名单 List")
    top = list(published.entries.filter(rank__lte=TOP_N).order_by("rank", "uscc"))
    assert [(r[0], r[1]) for r in rows] == [(e.rank, e.uscc) for e in top]
    assert rows[0][4] == pytest.approx(top[0].score)
    about = {r[0]: r[1] for r in wb["说明 About"].iter_rows(values_only=True)}
    assert about["方法 Methodology (SHA-256)"] == published.methodology_sha256
    assert about["版本 Version"] == "1"
    assert "合成数据 Synthetic data" in about


@pytest.mark.parametrize("role", ["admin", "dept", "jinan", "enterprise", "bank"])
def test_officials_export_the_entries_they_may_see_with_values(
    client_for, published, personas, role
):
    wb = _workbook(client_for(role).get(f"/rankings/{published.pk}/export.xlsx"))
    every = published.entries.select_related("enterprise")
    expected = {
        "admin": {e.uscc for e in every},
        "dept": {e.uscc for e in every},
        "jinan": {e.uscc for e in every if e.enterprise.city.code == JINAN},
        "enterprise": {_own(personas).uscc},
        "bank": set(),
    }[role]
    if not expected:
        assert "明细 Entries" not in wb.sheetnames
        return
    rows = _sheet_rows(wb, "明细 Entries")
    assert {r[1] for r in rows} == expected
    heads = next(wb["明细 Entries"].iter_rows(max_row=1, values_only=True))
    first = published.entries.get(rank=1)
    if first.uscc in expected:
        row = next(r for r in rows if r[1] == first.uscc)
        column = heads.index(service.load_default().indicators[0].name.zh)
        assert row[column] == pytest.approx(first.values["env_revenue"])


def test_the_pdf_prints_the_published_list(client_for, draft, personas, demo_mode):
    from pypdf import PdfReader

    _with_bands(draft)
    ranking = service.publish(draft, actor=Actor.of(personas["admin"]))
    response = client_for("public").get(f"/rankings/{ranking.pk}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))
    assert ranking.methodology_sha256 in text
    assert "2024" in text and "v1" in text
    for e in ranking.entries.filter(rank__lte=3):
        assert re.sub(r"\s+", "", e.name) in text
    assert "合成" in text  # the synthetic-data note, in Chinese by default
    fonts = set()
    for page in reader.pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            fonts.add(str(ref.get_object().get("/BaseFont", "")))
    assert any("CJK" in f or "Noto" in f for f in fonts), fonts
