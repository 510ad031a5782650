"""The inbox page (/inbox/) and the header's to-do badge."""

import io
import re
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eco311.accounts.scopes import Actor
from eco311.supervision import inbox, notices

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank"]
AS_OF = "2025-10-15"


def inbox_date():
    return date.fromisoformat(AS_OF)


@pytest.fixture
def notice(personas):
    admin = Actor.of(personas["admin"])
    return notices.publish(
        admin, notices.save_draft(admin, title="待办页面测试通知", body="正文", audience="all")
    )


def badge(page: str) -> int | None:
    m = re.search(r'data-testid="inbox-badge">(\d+)<', page)
    return int(m.group(1)) if m else None


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_has_an_inbox_grouped_by_kind(client_for, personas, notice, role):
    c = client_for(role)
    response = c.get(reverse("inbox") + f"?as_of={AS_OF}")
    assert response.status_code == 200
    page = response.content.decode()
    # The plan owner published it: it is not news to him.
    assert (f'href="/notices/{notice.pk}/"' in page) is (role != "admin")
    items = inbox.items_for(Actor.of(personas[role]), inbox_date())
    for kind, _heading, count, _items in inbox.grouped(items):
        assert f'data-testid="inbox-count-{kind}">{count}<' in page
    assert 'data-testid="nav-inbox"' in page


def test_the_department_sees_its_reports_due_with_links_to_the_form(client_for, personas):
    page = client_for("dept").get(reverse("inbox") + f"?as_of={AS_OF}").content.decode()
    assert 'data-testid="inbox-report_due"' in page
    assert re.search(r'href="/plans/[^"]+/targets/[^"]+/#report"', page)


def test_the_public_is_sent_to_log_in_and_has_no_badge(client_for):
    c = client_for("public")
    response = c.get(reverse("inbox"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    home = c.get(reverse("notices")).content.decode()
    assert 'data-testid="nav-inbox"' not in home and badge(home) is None
    assert 'data-testid="nav-notices"' in home


def test_the_header_badge_counts_the_inbox_and_drops_when_an_item_is_done(
    client_for, personas, notice, settings
):
    settings.DEFAULT_AS_OF = AS_OF
    c = client_for("bank")  # a bank has notices only: the count is easy to follow
    before = badge(c.get(reverse("notices")).content.decode())
    assert before == inbox.count_for(Actor.of(personas["bank"]), inbox_date())
    assert before >= 1
    c.get(reverse("notice", args=[notice.pk]))  # reading it is doing it
    after = badge(c.get(reverse("notices")).content.decode()) or 0
    assert after == before - 1


@pytest.mark.parametrize("role", ["admin", "dept", "jinan", "enterprise"])
def test_the_badge_adds_few_queries_to_a_page(
    client_for, monkeypatch, role, django_assert_max_num_queries
):
    c = client_for(role)
    url = reverse("notices")
    c.get(url)  # warm caches (sessions, the plan bindings)
    monkeypatch.setattr(inbox, "count_for", lambda actor, as_of=None: 0)
    with CaptureQueriesContext(connection) as without:
        c.get(url)
    monkeypatch.undo()
    with django_assert_max_num_queries(len(without) + 10):
        response = c.get(url)
    assert 'data-testid="nav-inbox"' in response.content.decode()


def test_the_inbox_downloads_as_excel(client_for, notice):
    response = client_for("dept").get(reverse("inbox") + f"?as_of={AS_OF}&format=xlsx")
    assert response.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    mine = [r for r in rows if r[1] == "待办页面测试通知"]
    assert mine and mine[0][2] == notice.number
    assert isinstance(mine[0][5], int | float) and mine[0][6].endswith(f"/notices/{notice.pk}/")
    assert len(rows) - 1 == len(inbox.items_for(Actor.of(response.wsgi_request.user), inbox_date()))
