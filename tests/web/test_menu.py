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


# -- every link a role sees, not only the menu's ----------------------------------------------

SKIP = re.compile(
    r"^/(api|admin|static|media|i18n)/|^/accounts/logout/|\.(pdf|docx|xlsx|html)$|format="
)
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_link_a_role_sees_answers_403(client_for, role):
    """A breadth-first walk from the dashboard over the links each role is shown (a bounded
    number of pages, the downloads left out): none answers 403 or 404, and none sends a
    signed-in user to the login page."""
    c = client_for(role)
    seen, queue, opened, bad = set(), ["/"], 0, {}
    while queue and opened < 70:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = c.get(path)
        opened += 1
        if response.status_code in (403, 404) or (
            role != "public"
            and response.status_code == 302
            and "/accounts/login/" in response["Location"]
        ):
            bad[path] = response.status_code
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for link in HREF.findall(response.content.decode()):
            link = link.replace("&amp;", "&")
            if not SKIP.search(link) and link not in seen:
                queue.append(link)
    assert opened > 10
    assert bad == {}


@pytest.mark.django_db
def test_an_anonymous_visitor_of_a_private_page_is_sent_to_the_login_page(client_for):
    c = client_for("public")
    for path in ("/warnings/", "/evaluation/", "/review/", "/enterprises/"):
        response = c.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}"
    assert client_for("bank").get("/warnings/").status_code == 403
    assert c.get("/api/enterprises").status_code in (401, 403)
