"""The chain nodes on the enterprise page, and the officials' form that confirms or corrects them
(/enterprises/<uscc>/chains/): who sees the link, who may post, and what a correction shows."""

import pytest
from django.urls import reverse

from eco311.chains import placements, taxonomy
from eco311.chains.models import Placement
from eco311.geo.models import Area

pytestmark = pytest.mark.django_db


def _node():
    return taxonomy.load().nodes[0]


def _firm(factories, city="370100", **fields):
    node = _node()
    return factories.enterprise(
        city_code=city, main_products="、".join(node.keywords[:2]), **fields
    )


def _form_url(firm):
    return reverse("chain_placement", args=[firm.uscc])


def test_the_page_shows_the_proposed_nodes_with_their_words(client_for, factories):
    firm = _firm(factories)
    placements.propose([firm])
    node = _node()
    page = client_for("dept").get(reverse("enterprise", args=[firm.uscc]))
    html = page.content.decode()
    assert page.status_code == 200
    assert node.name.zh in html and 'data-status="proposed"' in html
    assert node.keywords[0] in html.split('data-testid="chain-nodes"')[1]


@pytest.mark.parametrize(
    "name, sees", [("admin", True), ("jinan", True), ("dept", False), ("enterprise", False)]
)
def test_only_who_may_decide_sees_the_link(client_for, factories, personas, name, sees):
    firm = _firm(factories)
    if name == "enterprise":
        firm = personas["enterprise"].membership.enterprise
    page = client_for(name).get(reverse("enterprise", args=[firm.uscc]))
    assert page.status_code == 200
    assert ('data-testid="chain-placement-link"' in page.content.decode()) is sees


def test_a_park_committee_sees_the_link_for_its_parks_enterprises(client_for, factories, personas):
    park = Area.objects.get(pk=personas["park"].membership.area_id)
    firm = _firm(factories, park=park)
    page = client_for("park").get(reverse("enterprise", args=[firm.uscc]))
    assert 'data-testid="chain-placement-link"' in page.content.decode()
    assert client_for("park").get(_form_url(firm)).status_code == 200


def test_others_may_not_open_or_post_the_form(client_for, factories, personas, refused):
    firm = _firm(factories)
    qingdao = _firm(factories, city="370200")
    node = _node()
    post = {"nodes": [node.code], "reason": "核实"}
    for name in ("dept", "bank"):
        assert client_for(name).get(_form_url(firm)).status_code == 403
        assert client_for(name).post(_form_url(firm), post).status_code == 403
    assert refused(client_for("public").post(_form_url(firm), post))
    assert client_for("jinan").get(_form_url(qingdao)).status_code == 404
    assert client_for("jinan").post(_form_url(qingdao), post).status_code == 404
    own = personas["enterprise"].membership.enterprise
    assert client_for("enterprise").post(_form_url(own), post).status_code == 403
    assert not Placement.objects.filter(enterprise__in=[firm, qingdao, own], status="confirmed")


def test_a_correction_shows_on_the_page_and_in_the_history(client_for, factories):
    firm = _firm(factories)
    placements.propose([firm])
    proposed = _node()
    other = next(n for n in taxonomy.load().nodes if n.code != proposed.code)
    form = client_for("jinan").get(_form_url(firm)).content.decode()
    assert f'value="{proposed.code}" checked' in form  # the proposal is pre-ticked
    response = client_for("jinan").post(
        _form_url(firm), {"nodes": [other.code], "reason": "现场核查：主营为后者"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/{firm.uscc}/")
    html = client_for("admin").get(reverse("enterprise", args=[firm.uscc])).content.decode()
    section = html.split('data-testid="chain-nodes"')[1].split("</section>")[0]
    assert other.name.zh in section and 'data-status="confirmed"' in section
    assert proposed.name.zh not in section
    history = client_for("jinan").get(_form_url(firm)).content.decode()
    assert "现场核查：主营为后者" in history.split('data-testid="placement-history"')[1]


def test_a_missing_reason_is_refused_next_to_the_field_in_chinese(client_for, factories):
    firm = _firm(factories)
    response = client_for("admin").post(_form_url(firm), {"nodes": [_node().code], "reason": " "})
    html = response.content.decode()
    assert response.status_code == 400
    error = html.split('data-testid="error-reason"')[1].split("</ul>")[0]
    assert "必填" in error  # Chinese by default
    assert 'href="#id_reason"' in html  # the summary points at the field
    assert not Placement.objects.filter(enterprise=firm, status="confirmed").exists()


def test_an_unknown_node_is_refused_by_name(client_for, factories):
    firm = _firm(factories)
    response = client_for("admin").post(_form_url(firm), {"nodes": ["no-such-node"], "reason": "x"})
    assert response.status_code == 400
    assert "no-such-node" in response.content.decode().split('data-testid="error-nodes"')[1]


def test_a_control_character_in_the_reason_is_refused(client_for, factories):
    firm = _firm(factories)
    response = client_for("admin").post(
        _form_url(firm), {"nodes": [_node().code], "reason": "核实\x07"}
    )
    assert response.status_code == 400
    assert "控制字符" in response.content.decode().split('data-testid="error-reason"')[1]
    assert not Placement.objects.filter(enterprise=firm, status="confirmed").exists()


def test_officials_filter_the_directory_on_placements_awaiting_a_decision(client_for, factories):
    """The directory's placement filter (and the chain overview's counts linking to it) are an
    official's; for other roles the parameter is ignored, so nothing about placements leaks."""
    proposed = _firm(factories)
    unplaced = factories.enterprise(city_code="370100", main_products="面包、糕点零售")
    placements.propose([proposed, unplaced])
    url = reverse("enterprises")
    html = client_for("jinan").get(url, {"placement": "proposed"}).content.decode()
    assert proposed.name in html and unplaced.name not in html
    assert 'data-testid="placement-filter"' in html
    # Narrowed by name: the session population's firms are on no node either.
    for firm in (unplaced, proposed):
        page = client_for("jinan").get(url, {"placement": "unplaced", "q": firm.uscc})
        assert page.status_code == 200
        listed = reverse("enterprise", args=[firm.uscc]) in page.content.decode()
        assert listed == (firm is unplaced), firm.name
    overview = client_for("jinan").get(reverse("chains")).content.decode()
    assert 'data-testid="to-place"' in overview and "?placement=unplaced" in overview
    # The enterprise persona's directory has no placement filter, and the parameter is ignored.
    page = client_for("enterprise").get(url, {"placement": "unplaced"})
    if page.status_code == 200:
        assert 'data-testid="placement-filter"' not in page.content.decode()
    assert (
        'data-testid="to-place"' not in client_for("public").get(reverse("chains")).content.decode()
    )
