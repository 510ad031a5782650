"""Account management: only the province administrator creates, deactivates and reactivates
accounts and sets their passwords, with Django's password validators; nothing is deleted."""

import re
from pathlib import Path

import polib
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client

from eco311.accounts.models import ApiToken, Membership, Role
from eco311.accounts.scopes import Actor
from eco311.geo.models import Area
from eco311.plans.models import Unit

pytestmark = pytest.mark.django_db

ROLES = ["admin", "dept", "jinan", "park", "enterprise", "bank", "public"]
GOOD = "Qingdao-Bureau-2025"  # noqa: S105 -- a test password
ACCOUNTS = Path(__file__).resolve().parents[2] / "src" / "eco311" / "accounts"
LOCALE = ACCOUNTS.parent / "locale"


def expect_refused(response, role):
    if role == "public":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


def new_account(**fields):
    data = {
        "username": "qingdao",
        "full_name": "青岛市生态环境局 用户",
        "email": "",
        "role": Role.CITY,
        "city": str(Area.objects.get(key="370200").pk),
        "password1": GOOD,
        "password2": GOOD,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def target(personas):
    """An account the walk acts on: the bank persona."""
    return personas["bank"]


# -- every role through every view ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_administrator_opens_the_account_pages(client_for, target, role):
    c = client_for(role)
    calls = [
        ("get", "/accounts/manage/", {}),
        ("get", "/accounts/manage/?role=city&active=yes", {}),
        ("get", "/accounts/manage/new/", {}),
        ("post", "/accounts/manage/new/", new_account()),
        ("get", f"/accounts/manage/{target.pk}/", {}),
        ("post", f"/accounts/manage/{target.pk}/active/", {"active": "no"}),
        (
            "post",
            f"/accounts/manage/{target.pk}/password/",
            {"new_password1": GOOD, "new_password2": GOOD},
        ),
    ]
    for method, path, data in calls:
        response = getattr(c, method)(path, data)
        if role == "admin":
            assert response.status_code in (200, 302), (path, response.status_code)
        else:
            expect_refused(response, role)
    target.refresh_from_db()
    created = get_user_model().objects.filter(username="qingdao").exists()
    if role == "admin":
        assert created and not target.is_active and target.check_password(GOOD)
    else:
        assert not created and target.is_active and target.check_password("pw")


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_accounts_to_the_administrator_only(client_for, role):
    body = client_for(role).get("/").content.decode()
    assert ('data-testid="nav-accounts"' in body) == (role == "admin")


def test_a_superuser_without_a_membership_manages_accounts(db):
    root = get_user_model().objects.create_superuser("root", "", GOOD)
    assert Actor.of(root).can_manage_accounts
    c = Client()
    c.force_login(root)
    body = c.get("/").content.decode()
    assert 'data-testid="nav-accounts"' in body
    assert c.get("/accounts/manage/").status_code == 200


# -- the list -----------------------------------------------------------------------------------


def test_the_list_filters_by_role_and_by_status(client_for, personas):
    c = client_for("admin")
    everyone = c.get("/accounts/manage/").context["page"].object_list
    assert {u.username for u in everyone} >= set(personas)
    cities = c.get("/accounts/manage/?role=city").context["page"].object_list
    assert "jinan" in {u.username for u in cities}
    assert {u.membership.role for u in cities} == {Role.CITY}
    # The demo's report filers (inactive, demo.py) are accounts too: count from what exists.
    before = get_user_model().objects.filter(is_active=False).count()
    personas["park"].is_active = False
    personas["park"].save()
    inactive = c.get("/accounts/manage/?active=no").context["page"]
    assert "park" in {u.username for u in inactive.object_list}
    assert {u.is_active for u in inactive.object_list} == {False}
    assert inactive.paginator.count == before + 1


# -- creating ---------------------------------------------------------------------------------------


def test_the_administrator_creates_a_city_bureau_account_that_can_log_in(client_for):
    response = client_for("admin").post("/accounts/manage/new/", new_account())
    user = get_user_model().objects.get(username="qingdao")
    assert response.status_code == 302 and response["Location"] == f"/accounts/manage/{user.pk}/"
    m = user.membership
    assert (m.role, m.area.key, m.unit, m.enterprise) == (Role.CITY, "370200", None, None)
    assert not user.is_staff and user.is_active
    assert Actor.of(user).enterprises_q() is not None and Actor.of(user).area_id == m.area_id
    assert Client().login(username="qingdao", password=GOOD)
    assert LogEntry.objects.filter(object_id=str(user.pk), change_message="created").exists()


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.DEPARTMENT, "unit"),
        (Role.PARK, "park"),
        (Role.ENTERPRISE, "enterprise"),
        (Role.ADMIN, None),
        (Role.BANK, None),
    ],
)
def test_each_role_gets_its_scope_object(client_for, role, scope, enterprise):
    value = {
        "unit": lambda: str(Unit.objects.order_by("pk").first().pk),
        "park": lambda: str(Area.objects.filter(kind="park").order_by("key").first().pk),
        "enterprise": lambda: enterprise.uscc,
    }
    fields = {"role": role, "city": None, "organisation": "示例银行济南分行"}
    if scope:
        fields[scope] = value[scope]()
    response = client_for("admin").post("/accounts/manage/new/", new_account(**fields))
    assert response.status_code == 302, response.context["form"].errors
    m = Membership.objects.get(user__username="qingdao")
    assert m.role == role
    if scope == "unit":
        assert m.unit_id == int(fields["unit"]) and m.area is None
    if scope == "park":
        assert m.area_id == int(fields["park"]) and m.area.kind == "park"
    if scope == "enterprise":
        assert m.enterprise == enterprise and m.area is None
    if role == Role.BANK:
        assert m.organisation == "示例银行济南分行"
    assert m.user.is_staff == (role == Role.ADMIN)


def test_only_the_scope_of_the_chosen_role_is_kept(client_for):
    park = Area.objects.filter(kind="park").first()
    client_for("admin").post("/accounts/manage/new/", new_account(park=str(park.pk)))
    m = Membership.objects.get(user__username="qingdao")
    assert m.area.key == "370200"  # the city, not the park given as well


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"city": None}, "city", "A city bureau's account needs its city."),
        ({"role": Role.BANK, "city": None}, "organisation", "A bank's account needs the name"),
        ({"role": Role.ENTERPRISE, "enterprise": "91370000XXXXXXXXXX"}, "enterprise", "valid"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "too common"),
        ({"password1": "qingdao1", "password2": "qingdao1"}, "password1", "too similar"),
        ({"password2": GOOD + "x"}, "password2", "do not match"),
        ({"username": "jinan"}, "username", "already exists"),
        ({"username": "bad name!"}, "username", "valid username"),
    ],
)
def test_a_bad_account_is_refused_at_its_field_and_nothing_is_saved(
    client_for, fields, field, message
):
    c = client_for("admin")
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    before = get_user_model().objects.count()
    response = c.post("/accounts/manage/new/", new_account(**fields))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert get_user_model().objects.count() == before


# -- deactivating and reactivating -------------------------------------------------------------------


def test_a_deactivated_account_cannot_log_in_or_use_its_tokens_and_is_kept(client_for, personas):
    bank = personas["bank"]
    _token, raw = ApiToken.issue(bank, "script")
    session = client_for("bank")
    admin = client_for("admin")
    response = admin.post(f"/accounts/manage/{bank.pk}/active/", {"active": "no"})
    assert response.status_code == 302
    bank.refresh_from_db()
    assert not bank.is_active and Membership.objects.filter(user=bank).exists()
    assert not ApiToken.objects.filter(user=bank, revoked=False).exists()
    assert ApiToken.lookup(raw) is None
    assert not Client().login(username="bank", password="pw")
    assert session.get("/accounts/").status_code == 302  # its open session has ended
    page = admin.get(f"/accounts/manage/{bank.pk}/").content.decode()
    assert 'data-testid="account-reactivate"' in page

    admin.post(f"/accounts/manage/{bank.pk}/active/", {"active": "yes"})
    bank.refresh_from_db()
    assert bank.is_active and Client().login(username="bank", password="pw")
    events = list(
        LogEntry.objects.filter(object_id=str(bank.pk))
        .order_by("action_time", "pk")
        .values_list("change_message", flat=True)
    )
    assert events == ["deactivated", "reactivated"]


def test_the_administrator_cannot_deactivate_itself(client_for, personas):
    admin = personas["admin"]
    c = client_for("admin")
    response = c.post(f"/accounts/manage/{admin.pk}/active/", {"active": "no"}, follow=True)
    admin.refresh_from_db()
    assert admin.is_active
    assert 'data-testid="account-deactivate"' not in response.content.decode()
    # Another administrator may: the platform keeps one who can manage it.
    other = get_user_model().objects.create_user("second", "", GOOD)
    Membership.objects.create(user=other, role=Role.ADMIN)
    c2 = Client()
    c2.force_login(other)
    c2.post(f"/accounts/manage/{admin.pk}/active/", {"active": "no"})
    admin.refresh_from_db()
    assert not admin.is_active


# -- setting a password ------------------------------------------------------------------------------


def test_the_administrator_sets_a_new_password_through_the_validators(client_for, personas):
    jinan = personas["jinan"]
    session = client_for("jinan")
    c = client_for("admin")
    weak = c.post(
        f"/accounts/manage/{jinan.pk}/password/",
        {"new_password1": "password", "new_password2": "password"},
    )
    assert weak.status_code == 400 and "new_password2" in weak.context["password_form"].errors
    jinan.refresh_from_db()
    assert jinan.check_password("pw")

    ok = c.post(
        f"/accounts/manage/{jinan.pk}/password/", {"new_password1": GOOD, "new_password2": GOOD}
    )
    assert ok.status_code == 302
    jinan.refresh_from_db()
    assert jinan.check_password(GOOD)
    assert session.get("/accounts/").status_code == 302  # the old sessions end
    assert c.get("/accounts/manage/").status_code == 200  # the administrator's does not
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = c.get(f"/accounts/manage/{jinan.pk}/").content.decode()
    history = page[page.index('data-testid="account-history"') :]
    assert "<td>admin</td><td>New password set by the administrator</td>" in history


def test_an_unknown_account_is_not_found(client_for):
    assert client_for("admin").get("/accounts/manage/999999/").status_code == 404


# -- Chinese first, English complete ---------------------------------------------------------------


def catalogue() -> dict[str, str]:
    """The Chinese catalogue with the pending translations not yet merged into it."""
    entries = {}
    for path in [
        LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po",
        *sorted((LOCALE / "pending").glob("*.po")),
    ]:
        for e in polib.pofile(str(path)):
            if e.msgstr or e.msgstr_plural:
                entries[e.msgid] = e.msgstr or e.msgstr_plural[0]
    return entries


def test_every_string_of_the_account_pages_has_a_chinese_translation():
    zh = catalogue()
    texts = [
        p.read_text(encoding="utf-8")
        for p in (ACCOUNTS / "templates" / "accounts").glob("manage_*.html")
    ]
    msgids = {m for t in texts for m in re.findall(r'{% translate "([^"]+)" %}', t)}
    for py in ("forms.py", "views.py"):
        source = (ACCOUNTS / py).read_text(encoding="utf-8")
        msgids |= set(re.findall(r'(?:_|gettext_lazy)\(\s*"([^"]+)"', source))
    msgids |= {"Accounts"}  # the menu entry in base.html
    assert len(msgids) > 40
    missing = sorted(m for m in msgids if m not in zh)
    assert missing == []
    assert all(zh[m] != m for m in msgids)


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture
def enterprise(db):
    from eco311.enterprises.models import Enterprise, IndustryCode

    industry, _ = IndustryCode.objects.get_or_create(
        code="7721", defaults={"name_zh": "水污染治理", "name_en": "Water pollution control"}
    )
    return Enterprise.objects.create(
        uscc="91370102YY0000002X",
        name="测试账户环保有限公司（合成）",
        city=Area.objects.get(key="370100"),
        industry=industry,
        segment="services",
    )
