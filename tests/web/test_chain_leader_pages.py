"""The chain-leader page /chains/<chain>/leaders/: scores beside the official tag for officials in
their scope, the grant and revoke forms for the plan owner only, located errors in Chinese."""

import re
from datetime import date

import pytest
from django import forms
from django.utils import translation

from eco311.accounts.scopes import Actor
from eco311.chains import leaders, population, taxonomy
from eco311.chains.models import Placement
from eco311.enterprises.models import AnnualReturn, Enterprise, Tag

pytestmark = pytest.mark.django_db

JINAN = "370100"


def _url(code, suffix=""):
    return f"/chains/{code}/leaders/{suffix}"


@pytest.fixture
def chain(survey_population, personas):
    """The first chain with four Jinan and four other enterprises on its first node, one of the
    others holding the official tag."""
    year = max(population.years())
    c = taxonomy.load().chains[0]
    node = c.nodes[0].code
    filed = Enterprise.objects.filter(
        returns__year=year, returns__status=AnnualReturn.Status.APPROVED
    ).order_by("uscc")
    firms = list(filed.filter(city__code=JINAN)[:4]) + list(filed.exclude(city__code=JINAN)[:4])
    for e in firms:
        Placement.objects.update_or_create(
            enterprise=e, node=node, defaults={"status": Placement.Status.CONFIRMED}
        )
    tagged = firms[-1]
    leaders.grant(Actor.of(personas["admin"]), tagged, c.code, date(year, 1, 1), "示范")
    return {"code": c.code, "year": year, "tagged": tagged}


def _scored(chain):
    result = next(
        c for c in population.analysis_for(chain["year"]).chains if c.code == chain["code"]
    )
    return result.leaders


def _rows(body):
    return re.findall(r'data-testid="leader-row" data-uscc="([0-9A-Z]+)"', body)


@pytest.mark.parametrize("role", ["admin", "dept", "jinan", "park"])
def test_officials_see_the_scores_of_their_scope(client_for, chain, role):
    response = client_for(role).get(_url(chain["code"]) + f"?year={chain['year']}")
    assert response.status_code == 200
    body = response.content.decode()
    a = Actor.of(response.wsgi_request.user)
    scored = _scored(chain)
    firms = {e.pk: e for e in Enterprise.objects.filter(pk__in=[lr.enterprise for lr in scored])}
    visible = [
        firms[lr.enterprise].uscc for lr in scored if a.can_see_enterprise(firms[lr.enterprise])
    ]
    assert _rows(body) == visible
    if len(visible) < len(scored):
        assert 'data-testid="hidden-leaders"' in body
    if role == "jinan":
        cities = {e.uscc: e.city.code for e in firms.values()}
        assert visible and {cities[u] for u in visible} == {JINAN}
    forms = 'data-testid="grant-form"' in body, 'data-testid="revoke-form"' in body
    assert forms == ((True, True) if role == "admin" else (False, False))


def test_the_score_its_components_the_tag_and_the_candidates_are_shown(client_for, chain):
    body = client_for("admin").get(_url(chain["code"])).content.decode()
    scored = _scored(chain)
    firms = {e.pk: e for e in Enterprise.objects.filter(pk__in=[lr.enterprise for lr in scored])}
    tagged_uscc = chain["tagged"].uscc
    assert any(lr.tagged and lr.enterprise == chain["tagged"].pk for lr in scored)
    candidates = [firms[lr.enterprise].uscc for lr in scored if lr.candidate]
    assert candidates  # the analysis proposes some
    for lr in scored:
        uscc = firms[lr.enterprise].uscc
        start = body.index(f'data-uscc="{uscc}"')
        row = body[start : body.index("</tr>", start)]
        assert f"{lr.score:.4f}" in row and f"{lr.share:.3f}" in row
        assert f"{lr.importance:.3f}" in row
        assert ('data-testid="tagged"' in row) is (uscc == tagged_uscc)
        assert ('data-testid="candidate"' in row) is (uscc in candidates)
    tags = body[body.index('data-testid="leader-tags"') :]
    assert f'data-testid="tag-row" data-uscc="{tagged_uscc}"' in tags
    assert 'data-testid="history-reason">示范<' in body


@pytest.mark.parametrize("role", ["enterprise", "bank", "public"])
def test_others_are_refused(client_for, chain, refused, role):
    assert refused(client_for(role).get(_url(chain["code"])))


def test_an_unknown_chain_is_404(client_for, chain):
    assert client_for("admin").get(_url("no-such-chain")).status_code == 404


def test_the_administrator_grants_with_a_reason(client_for, chain, factories):
    e = factories.enterprise()
    c = client_for("admin")
    r = c.post(
        _url(chain["code"], "grant/"),
        {"uscc": e.uscc, "granted_on": "2025-01-02", "reason": "牵头补链"},
    )
    assert r.status_code == 302
    tag = Tag.objects.get(enterprise=e, kind=Tag.Kind.CHAIN_LEADER)
    assert tag.stage == chain["code"] and tag.granted_on == date(2025, 1, 2)
    assert tag.history.latest().history_change_reason == "牵头补链"
    body = c.get(r["Location"]).content.decode()
    assert f'data-testid="tag-row" data-uscc="{e.uscc}"' in body


def test_a_grant_without_reason_says_where_in_chinese(client_for, chain, factories):
    e = factories.enterprise()
    r = client_for("admin").post(
        _url(chain["code"], "grant/"), {"uscc": e.uscc, "granted_on": "2025-01-02", "reason": ""}
    )
    assert r.status_code == 200
    body = r.content.decode()
    form = body[body.index('data-testid="grant-form"') :]
    with translation.override("zh-hans"):
        required = str(forms_required_message())
    reason_at = form.index('name="reason"')
    assert required in form[: reason_at + 400] and "errorlist" in form
    assert not Tag.objects.filter(enterprise=e).exists()


def forms_required_message():
    return forms.Field.default_error_messages["required"]


def test_a_second_tag_and_an_unknown_enterprise_are_refused_on_the_form(client_for, chain):
    c = client_for("admin")
    tagged = chain["tagged"]
    c.cookies["django_language"] = "en"
    r = c.post(
        _url(chain["code"], "grant/"),
        {"uscc": tagged.uscc, "granted_on": "2025-06-01", "reason": "again"},
    )
    assert r.status_code == 200 and "already holds the chain-leader tag" in r.content.decode()
    r = c.post(
        _url(chain["code"], "grant/"),
        {"uscc": "9" * 18, "granted_on": "2025-06-01", "reason": "nobody"},
    )
    assert "No enterprise has this credit code" in r.content.decode()
    assert Tag.objects.filter(enterprise=tagged, kind=Tag.Kind.CHAIN_LEADER).count() == 1


def test_the_administrator_revokes_and_a_date_before_the_grant_is_refused(client_for, chain):
    tag = Tag.objects.get(enterprise=chain["tagged"], kind=Tag.Kind.CHAIN_LEADER)
    c = client_for("admin")
    c.cookies["django_language"] = "en"
    early = date(chain["year"] - 1, 12, 31).isoformat()
    r = c.post(_url(chain["code"], f"{tag.pk}/revoke/"), {"revoked_on": early, "reason": "早"})
    assert r.status_code == 200 and "cannot be revoked before" in r.content.decode()
    assert Tag.objects.get(pk=tag.pk).revoked_on is None
    r = c.post(
        _url(chain["code"], f"{tag.pk}/revoke/"), {"revoked_on": "2025-12-01", "reason": "退出"}
    )
    assert r.status_code == 302
    assert Tag.objects.get(pk=tag.pk).revoked_on == date(2025, 12, 1)


@pytest.mark.parametrize("role", ["dept", "jinan", "bank"])
def test_only_the_administrator_may_post(client_for, chain, factories, role):
    e = factories.enterprise()
    tag = Tag.objects.get(enterprise=chain["tagged"], kind=Tag.Kind.CHAIN_LEADER)
    c = client_for(role)
    grant = c.post(
        _url(chain["code"], "grant/"), {"uscc": e.uscc, "granted_on": "2025-01-02", "reason": "x"}
    )
    revoke = c.post(
        _url(chain["code"], f"{tag.pk}/revoke/"), {"revoked_on": "2025-12-01", "reason": "x"}
    )
    assert grant.status_code == revoke.status_code == 403
    assert not Tag.objects.filter(enterprise=e).exists()
    assert Tag.objects.get(pk=tag.pk).revoked_on is None


def test_the_page_has_nothing_inline_and_refuses_control_characters(client_for, chain, factories):
    c = client_for("admin")
    body = c.get(_url(chain["code"])).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert not re.search(r"\sstyle=|\son[a-z]+=", body)
    e = factories.enterprise()
    r = c.post(
        _url(chain["code"], "grant/"),
        {"uscc": e.uscc, "granted_on": "2025-01-02", "reason": "理由\x07"},
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not Tag.objects.filter(enterprise=e).exists()
