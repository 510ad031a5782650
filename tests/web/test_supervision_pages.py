"""The supervision pages per role: the target's responsible units and their forms, the reminder
pages; 403 where the role may not, forms only for those who may use them."""

import pytest

from eco311.accounts.scopes import Actor
from eco311.plans import workflow
from eco311.plans.models import Target, Unit
from eco311.supervision import assign as assigning
from eco311.supervision import reminders
from eco311.supervision.models import Assignment, Contact, Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture
def unnamed():
    return next(
        t
        for t in Target.objects.filter(
            plan__key="shandong-311", unit_links__isnull=True, is_active=True
        ).order_by("order")
        if workflow.takes_reports(t)
    )


@pytest.fixture
def dept_target(personas):
    unit_id = personas["dept"].membership.unit_id
    return next(
        t
        for t in Target.objects.filter(unit_links__unit_id=unit_id, is_active=True)
        if workflow.takes_reports(t)
    )


def url(t):
    return f"/plans/{t.plan.key}/targets/{t.key}/"


def test_an_unassigned_target_says_so_and_offers_the_administrator_a_form(client_for, unnamed):
    body = client_for("admin").get(url(unnamed)).content.decode()
    assert 'data-testid="plan-names-none"' in body and 'data-testid="assign-form"' in body
    for role in ("public", "dept", "jinan", "bank"):
        body = client_for(role).get(url(unnamed)).content.decode()
        assert 'data-testid="plan-names-none"' in body
        assert 'data-testid="assign-form"' not in body


def test_the_administrator_assigns_and_the_page_says_by_whom_and_why(client_for, unnamed, personas):
    dept_unit = personas["dept"].membership.unit
    c = client_for("admin")
    r = c.post(
        url(unnamed) + "assign/",
        {"unit": dept_unit.pk, "role": "lead", "reason": "按职能分工由该部门牵头"},
    )
    assert r.status_code == 302
    a = Assignment.objects.get(target=unnamed, unit=dept_unit, is_active=True)
    body = c.get(url(unnamed)).content.decode()
    assert 'data-testid="assigned"' in body and "按职能分工由该部门牵头" in body
    assert dept_unit.name_zh in body and 'data-testid="unassign-form"' in body
    # The department now sees the target as its own and may report on it.
    body = client_for("dept").get(url(unnamed)).content.decode()
    assert 'data-testid="report-form"' in body and 'data-testid="unassign-form"' not in body
    # Removing needs a reason; the history keeps both steps.
    c.post(f"/assignments/{a.pk}/remove/", {"reason": ""})
    assert Assignment.objects.get(pk=a.pk).is_active
    c.post(f"/assignments/{a.pk}/remove/", {"reason": "职能调整", "target": unnamed.pk})
    assert not Assignment.objects.get(pk=a.pk).is_active
    assert "职能调整" in c.get(url(unnamed)).content.decode()


def test_a_refused_assignment_says_why(client_for, dept_target):
    lead = dept_target.unit_links.filter(role="lead").first().unit
    other = (
        Unit.objects.exclude(target_links__target=dept_target)
        .exclude(key__in=["relevant-units", "cities"])
        .first()
    )
    c = client_for("admin")
    r = c.post(
        url(dept_target) + "assign/", {"unit": other.pk, "role": "lead", "reason": "x"}, follow=True
    )
    assert lead.name_zh in r.content.decode()
    assert not Assignment.objects.filter(target=dept_target, unit=other).exists()


def test_only_the_administrator_may_post_an_assignment(client_for, unnamed, personas):
    unit = personas["dept"].membership.unit
    for role in ("dept", "jinan", "bank"):
        r = client_for(role).post(url(unnamed) + "assign/", {"unit": unit.pk, "role": "lead"})
        assert r.status_code == 403
    assert client_for("public").post(url(unnamed) + "assign/").status_code in (302, 403)


def test_contacts_are_for_signed_in_officials(client_for, dept_target, personas):
    unit = personas["dept"].membership.unit
    assigning.set_contact(
        Actor.of(personas["admin"]), dept_target, unit=unit, name="张明（合成）", phone="0531-8"
    )
    assert "0531-8" in client_for("dept").get(url(dept_target)).content.decode()
    for role in ("public", "bank", "enterprise"):
        body = client_for(role).get(url(dept_target)).content.decode()
        assert "0531-8" not in body and unit.name_zh in body


def test_a_department_sets_its_own_contact_on_the_page(client_for, dept_target, personas):
    unit = personas["dept"].membership.unit
    c = client_for("dept")
    assert 'data-testid="contact-form"' in c.get(url(dept_target)).content.decode()
    r = c.post(
        url(dept_target) + "contact/",
        {"party": f"unit:{unit.pk}", "name": "李华（合成）", "post": "科长", "phone": "0531-9"},
    )
    assert r.status_code == 302
    assert Contact.objects.get(target=dept_target, unit=unit, is_active=True).name == "李华（合成）"
    # Another unit's contact is not its to set.
    r = c.post(url(dept_target) + "contact/", {"party": "unit:999999", "name": "x", "phone": "1"})
    assert Contact.objects.filter(target=dept_target, name="x").count() == 0
    body = client_for("bank").get(url(dept_target)).content.decode()
    assert 'data-testid="contact-form"' not in body
    assert client_for("bank").post(url(dept_target) + "contact/", {}).status_code == 403


def test_the_reminders_page_is_for_officials_and_enterprises(client_for):
    for role in ("admin", "dept", "jinan", "park", "enterprise"):
        assert client_for(role).get("/reminders/").status_code == 200
    assert client_for("bank").get("/reminders/").status_code == 403
    assert client_for("public").get("/reminders/").status_code in (302, 403)
    assert 'data-testid="nav-reminders"' in client_for("dept").get("/").content.decode()
    assert 'data-testid="nav-reminders"' not in client_for("bank").get("/").content.decode()


def test_the_administrator_sends_a_reminder_from_the_page(client_for, dept_target, personas):
    unit = personas["dept"].membership.unit
    c = client_for("admin")
    form = c.get(f"/reminders/new/?target={dept_target.pk}&unit={unit.key}")
    assert form.status_code == 200 and f'value="unit:{unit.pk}" selected' in form.content.decode()
    r = c.post(
        "/reminders/new/",
        {"target": dept_target.pk, "party": f"unit:{unit.pk}", "level": "urge", "message": ""},
    )
    assert r.status_code == 400 and "errorlist" in r.content.decode()
    r = c.post(
        "/reminders/new/",
        {
            "target": dept_target.pk,
            "party": f"unit:{unit.pk}",
            "level": "urge",
            "message": "请于月底前报送",
        },
    )
    reminder = Reminder.objects.get(target=dept_target, unit=unit, message="请于月底前报送")
    assert r.status_code == 302 and r["Location"] == f"/reminders/{reminder.pk}/"
    for role in ("dept", "park", "bank", "enterprise"):
        assert client_for(role).get(f"/reminders/new/?target={dept_target.pk}").status_code == 403


def test_the_addressee_acknowledges_and_answers_on_the_reminder_page(
    client_for, dept_target, personas
):
    unit = personas["dept"].membership.unit
    r = reminders.send(
        Actor.of(personas["admin"]), target=dept_target, unit=unit, level="urge", message="催办"
    )
    page = f"/reminders/{r.pk}/"
    dept = client_for("dept")
    assert str(r.pk) in dept.get("/reminders/").content.decode()
    body = dept.get(page).content.decode()
    assert 'data-testid="ack-form"' in body and 'data-testid="answer-with-report"' in body
    assert 'data-testid="escalate-form"' not in body
    dept.post(page + "ack/")
    dept.post(page + "answer/", {"note": "已部署"})
    r.refresh_from_db()
    assert r.status == "answered" and r.answer == "已部署"
    # Others: the sender closes and escalates; a stranger sees nothing.
    body = client_for("admin").get(page).content.decode()
    assert 'data-testid="close-form"' in body and 'data-testid="ack-form"' not in body
    assert client_for("park").get(page).status_code == 404
    assert client_for("park").post(page + "ack/").status_code == 404
    assert dept.post(page + "close/").status_code == 403
    r.refresh_from_db()
    assert r.status == "answered"  # the department is not the sender's side


def test_the_target_page_shows_the_chain(client_for, dept_target, personas):
    admin = Actor.of(personas["admin"])
    unit = personas["dept"].membership.unit
    first = reminders.send(admin, target=dept_target, unit=unit, level="remind", message="提醒")
    reminders.escalate(admin, first, "催办")
    body = client_for("admin").get(url(dept_target)).content.decode()
    assert 'data-testid="target-reminders"' in body and 'data-testid="history-reminder"' in body
    assert body.count('data-testid="history-reminder"') >= 3  # sent, closed, sent
    assert (
        'data-testid="target-reminders"'
        not in client_for("public").get(url(dept_target)).content.decode()
    )


def test_the_reminders_list_exports_to_excel(client_for, dept_target, personas):
    reminders.send(
        Actor.of(personas["admin"]),
        target=dept_target,
        unit=personas["dept"].membership.unit,
        level="supervise",
        message="督办",
    )
    r = client_for("dept").get("/reminders/?format=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")


def test_the_sender_and_the_addressee_both_list_a_reminder(client_for, dept_target, personas):
    """The plan owner follows what he sent; the department sees what it received."""
    sent = reminders.send(
        Actor.of(personas["admin"]),
        target=dept_target,
        unit=personas["dept"].membership.unit,
        level="urge",
        message="请于月底前报送",
    )
    for role in ("admin", "dept"):
        listed = client_for(role).get("/reminders/").context["rows"]
        assert sent.pk in {r.pk for r in listed}, role
    assert sent.pk not in {r.pk for r in client_for("park").get("/reminders/").context["rows"]}


def test_the_warnings_page_offers_a_reminder_to_those_who_send_them(client_for):
    assert 'data-testid="remind-row"' in client_for("admin").get("/warnings/").content.decode()
    assert 'data-testid="remind-row"' not in client_for("dept").get("/warnings/").content.decode()


# -- the "Done when" path in a real browser --------------------------------------------------------


@pytest.mark.browser
def test_assign_remind_answer_with_a_report_approve_and_see_the_chain(demo_server):
    import shutil

    from playwright.sync_api import sync_playwright

    server, key = demo_server, "2-1-2-a"  # a milestone the plan names no unit for
    target = f"{server}/plans/shandong-311/targets/{key}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        def login(username):
            page.context.clear_cookies()
            page.goto(f"{server}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "pw")
            page.click("[data-testid=login-form] button[type=submit]")
            page.wait_for_url(f"{server}/")

        # The plan owner assigns the demo department and sends a 催办.
        login("admin")
        page.goto(target)
        assert page.locator("[data-testid=plan-names-none]").count() == 1
        form = page.locator("[data-testid=assign-form]")
        form.locator("select[name=unit]").select_option(label="山东省地方金融监督管理局")
        form.locator("select[name=role]").select_option("lead")
        form.locator("textarea[name=reason]").fill("按职能分工由省地方金融监管局牵头（测试）")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-testid=assigned]")
        page.click("[data-testid=send-reminder]")
        rform = page.locator("[data-testid=reminder-form]")
        rform.locator("select[name=level]").select_option("urge")
        rform.locator("textarea[name=message]").fill("请于月底前报送进展（测试）")
        rform.locator("button[type=submit]").click()
        page.wait_for_selector("[data-testid=reminder-title]")
        assert "催办" in page.inner_text("[data-testid=reminder-title]")

        # The department finds it under Reminders and answers with a report.
        login("dept")
        page.click("[data-testid=nav-reminders]")
        page.click("[data-testid=reminders] tbody tr:first-child td:first-child a")
        page.click("[data-testid=answer-with-report]")
        report = page.locator("[data-testid=report-form]")
        report.locator("input[name=done]").check()
        report.locator("button[type=submit]").click()
        page.wait_for_selector("[data-testid=target-title]")

        # The owner approves; the chain is on the target's page.
        login("admin")
        page.goto(target)
        page.locator(".review-form button[value=approve]").first.click()
        page.wait_for_selector("[data-testid=target-reminders]")
        row = page.locator("[data-testid=target-reminders] tbody tr[data-level=urge]")
        assert "已答复" in row.inner_text() or "Answered" in row.inner_text()
        history = page.inner_text("[data-testid=history]")
        assert "answered by report" in history and "sent" in history
        browser.close()
    assert errors == []
