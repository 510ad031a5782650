"""A menu never offers a link its user cannot open: every role's menu, every link, followed."""

import re

import pytest

ROLES = ["public", "admin", "dept", "jinan", "park", "enterprise", "bank"]


def menu_links(body: str) -> list[str]:
    nav = re.search(r"<nav\b[^>]*>(.*?)</nav>", body, re.S)
    assert nav, "the page has a menu"
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_link_in_the_menu_opens_for_its_user(client_for, role):
    c = client_for(role)
    links = menu_links(c.get("/").content.decode())
    assert "/" in links and "/plans/" in links
    refused = {link: c.get(link).status_code for link in links}
    assert {k: v for k, v in refused.items() if v != 200} == {}


@pytest.mark.django_db
def test_officials_menus_offer_their_work_and_others_do_not(client_for):
    def links(role):
        return menu_links(client_for(role).get("/").content.decode())

    assert "/warnings/" in links("jinan") and "/review/" in links("park")
    assert "/accounts/manage/" in links("admin")
    assert "/returns/mine/" in links("enterprise")
    for role in ("enterprise", "bank", "public"):
        assert "/warnings/" not in links(role) and "/evaluation/" not in links(role)
        assert "/review/" not in links(role)
