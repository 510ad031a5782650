"""Pages of the supervision loop: who answers for a target (assignments, contacts), and the
reminders 提醒 → 催办 → 督办 with their answers.

Thin views: the rules are the Actor's (accounts/scopes.py) and supervision's (assign.py,
reminders.py); a refused action comes back as a message on the page it was sent from.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from eco311.accounts.lookups import (
    get_reminder_for_user,
    get_target_by_id_for_user,
    get_target_for_user,
    reminders_for_user,
)
from eco311.accounts.scopes import actor
from eco311.supervision import assign as assigning
from eco311.supervision import reminders as reminding
from eco311.supervision.forms import (
    AnswerForm,
    AssignForm,
    ContactForm,
    EscalateForm,
    ReminderForm,
    UnassignForm,
)
from eco311.supervision.models import Assignment, Contact, Reminder
from eco311.supervision.responsibility import parties_of
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response


def _problems(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.message_dict.values() for m in errors]
    return list(exc.messages)


def _form_errors(request, form) -> None:
    """Each error of a refused form as a message naming its field."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        text = " ".join(errors)
        messages.error(request, f"{label}: {text}" if label else text)


def _to_target(target, anchor: str = "responsibility"):
    url = reverse("target", kwargs={"plan_key": target.plan.key, "target_key": target.key})
    return redirect(f"{url}#{anchor}")


# -- the target page's blocks ---------------------------------------------------------------------


def responsibility_context(request, target, can_see_details: bool) -> dict:
    """What the target page shows of who answers for it, and the forms the user may use."""
    a = actor(request)
    parties = parties_of(target)
    areas = assigning.responsible_areas(target)
    contacts = {}
    if a.can_see_contacts:
        for c in Contact.objects.filter(target=target, is_active=True):
            contacts[("unit", c.unit_id) if c.unit_id else ("area", c.area_id)] = c
    rows = [
        {"party": p, "contact": contacts.get(("unit", p.unit.id)), "unit": p.unit} for p in parties
    ]
    area_rows = [{"area": area, "contact": contacts.get(("area", area.id))} for area in areas]
    context = {
        "parties": parties,
        "lead": [p.unit for p in parties if p.is_lead],
        "assist": [p.unit for p in parties if not p.is_lead],
        "party_rows": rows,
        "area_rows": area_rows,
        "plan_names_units": any(p.named_in_plan for p in parties),
        "can_see_contacts": a.can_see_contacts,
        "can_assign": a.can_assign,
        "can_remind": a.can_remind(target) and bool(reminding.remindable_parties(a, target)),
    }
    if a.can_assign:
        context["assign_form"] = AssignForm(task=target.task)
        context["unassign_form"] = UnassignForm()
    parties_for_contact = assigning.contact_parties(a, target)
    if parties_for_contact:
        context["contact_form"] = ContactForm(parties=parties_for_contact)
        context["contact_removable"] = {
            c.pk
            for c in contacts.values()
            if a.can_set_contact_for(target, unit_id=c.unit_id, area_id=c.area_id)
        }
    if can_see_details:
        found = list(
            Reminder.objects.filter(target=target)
            .select_related("unit", "area", "sent_by", "acknowledged_by", "answered_by")
            .order_by("sent_on", "id")
        )
        for r in found:
            r.can_open = a.can_see_reminder(r)
        context["target_reminders"] = found
        context["reminder_history"] = (
            Reminder.history.filter(target_id=target.id)
            .select_related("history_user", "unit", "area")
            .order_by("-history_date")[:100]
        )
        context["assignment_history"] = (
            Assignment.history.filter(target_id=target.id)
            .select_related("history_user", "unit")
            .order_by("-history_date")[:50]
        )
    return context


@login_required
@require_POST
def assign_target(request, plan_key, target_key):
    """The plan owner assigns a unit to the target, or to every target of its task."""
    target, _details, _report = get_target_for_user(request, plan_key, target_key)
    a = actor(request)
    if not a.can_assign:
        raise PermissionDenied
    form = AssignForm(request.POST, task=target.task)
    if not form.is_valid():
        _form_errors(request, form)
        return _to_target(target)
    data = form.cleaned_data
    where = {"task": target.task} if data["whole_task"] else {"target": target}
    try:
        assigning.assign(a, unit=data["unit"], role=data["role"], reason=data["reason"], **where)
    except ValidationError as exc:
        for text in _problems(exc):
            messages.error(request, text)
    else:
        messages.success(request, _("%(unit)s assigned.") % {"unit": data["unit"].name})
    return _to_target(target)


@login_required
@require_POST
def unassign(request, assignment_id):
    """The plan owner removes an assignment, with a reason (the history keeps it)."""
    a = actor(request)
    if not a.can_assign:
        raise PermissionDenied
    assignment = get_object_or_404(
        Assignment.objects.select_related("target__plan", "task", "unit"), pk=assignment_id
    )
    target = assignment.target
    if target is None:  # a task assignment removed from one of its targets' pages
        target = get_target_by_id_for_user(request, request.POST.get("target", ""))[0]
    form = UnassignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _to_target(target)
    try:
        assigning.unassign(a, assignment, form.cleaned_data["reason"])
    except ValidationError as exc:
        for text in _problems(exc):
            messages.error(request, text)
    else:
        messages.success(request, _("Assignment removed."))
    return _to_target(target)


@login_required
@require_POST
def set_contact(request, plan_key, target_key):
    """Name the contact person of one party of the target (Actor.can_set_contact_for)."""
    target, _details, _report = get_target_for_user(request, plan_key, target_key)
    a = actor(request)
    if not a.can_set_contacts(target):
        raise PermissionDenied
    parties = assigning.contact_parties(a, target)
    if not parties:
        raise PermissionDenied
    form = ContactForm(request.POST, parties=parties)
    if not form.is_valid():
        _form_errors(request, form)
        return _to_target(target)
    data = form.cleaned_data
    try:
        assigning.set_contact(
            a,
            target,
            name=data["name"],
            post=data["post"],
            phone=data["phone"],
            email=data["email"],
            **form.party_kwargs(),
        )
    except ValidationError as exc:
        for text in _problems(exc):
            messages.error(request, text)
    else:
        messages.success(request, _("Contact person saved."))
    return _to_target(target)


@login_required
@require_POST
def remove_contact(request, contact_id):
    contact = get_object_or_404(Contact.objects.select_related("target__plan"), pk=contact_id)
    try:
        assigning.remove_contact(actor(request), contact)
    except ValidationError as exc:
        for text in _problems(exc):
            messages.error(request, text)
    else:
        messages.success(request, _("Contact person removed."))
    return _to_target(contact.target)


# -- reminders ------------------------------------------------------------------------------------

STATUS_FILTERS = [
    ("open", pgettext_lazy("reminder state", "Not yet done")),
    *Reminder.Status.choices,
    ("", gettext_lazy("All")),  # lazy: a module-level list is built before any request
]


def _party_name(r) -> str:
    party = r.unit or r.area or r.enterprise
    return party.name if party is not None else ""


def _subject(r) -> str:
    if r.target_id:
        return f"{r.target.key} {r.target.text}"
    return _("Annual return %(year)s") % {"year": r.year}


@login_required
def reminder_list(request):
    """Reminders received by the user's party and, for the plan owner and city bureaus, those
    sent on their side; filtered by state; also as Excel (?format=xlsx)."""
    a = actor(request)
    qs = reminders_for_user(a).select_related(
        "target__plan", "unit", "area", "enterprise", "sent_by"
    )
    status = request.GET.get("status", "open")
    box = request.GET.get("box", "")
    if status == "open":
        qs = qs.filter(status__in=reminding.OPEN)
    elif status in Reminder.Status.values:
        qs = qs.filter(status=status)
    if box == "received":
        qs = qs.filter(a.reminders_q())
    elif box == "sent":
        qs = qs.filter(a.sent_reminders_q())
    rows = list(qs.order_by("-sent_on", "-id")[:1000])
    for r in rows:
        r.received = a.is_addressee(r)
    if wants_xlsx(request):
        columns = [
            Column(_("Level"), lambda r: r.get_level_display()),
            Column(_("Subject"), _subject),
            Column(_("Responsible unit"), _party_name),
            Column(_("Message"), lambda r: r.text),
            Column(_("Sent on"), lambda r: r.sent_on, kind="date"),
            Column(
                _("Sent by"),
                lambda r: (
                    r.sent_by.get_full_name() or r.sent_by.username
                    if r.sent_by
                    else _("the schedule")
                ),
            ),
            Column(_("State"), lambda r: r.get_status_display()),
            Column(_("Answer"), lambda r: r.answer),
        ]
        return xlsx_response(
            request, title=_("Reminders"), columns=columns, rows=rows, filename="reminders.xlsx"
        )
    context = {
        "rows": rows,
        "status": status,
        "box": box,
        "status_filters": STATUS_FILTERS,
        "sends": a.sends_reminders,
        "receives": not a.is_admin,
        "export_query": export_query(request),
    }
    return render(request, "web/reminder_list.html", context)


@login_required
def reminder_detail(request, reminder_id):
    reminder = get_reminder_for_user(request, reminder_id)
    a = actor(request)
    can_answer = a.can_answer_reminder(reminder)
    sender_side = reminding.may_send_about(a, reminder)
    status = reminder.status
    context = {
        "reminder": reminder,
        "chain": reminding.chain_of(reminder),
        "history": reminder.history.select_related("history_user").order_by("history_date"),
        "can_ack": can_answer and status == Reminder.Status.SENT,
        "can_answer": can_answer and status in reminding.OPEN,
        "can_report": reminder.target_id is not None
        and can_answer
        and status in reminding.OPEN
        and a.can_report(reminder.target),
        "can_close": sender_side and status != Reminder.Status.CLOSED,
        "can_escalate": sender_side
        and status != Reminder.Status.CLOSED
        and reminding.next_level(reminder.level) is not None,
        "answer_form": AnswerForm(),
        "escalate_form": EscalateForm(),
    }
    return render(request, "web/reminder_detail.html", context)


@login_required
def reminder_new(request):
    """Send a reminder about a target (?target=<id>&unit=<key> preselects the party)."""
    target, _details, _report = get_target_by_id_for_user(
        request, request.GET.get("target") or request.POST.get("target", "")
    )
    a = actor(request)
    if not a.can_remind(target):
        raise PermissionDenied
    parties = reminding.remindable_parties(a, target)
    form_kwargs = {"parties": parties}
    if request.method == "POST":
        form = ReminderForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                reminder = reminding.send(
                    a,
                    target=target,
                    level=data["level"],
                    message=data["message"],
                    **form.party_kwargs(),
                )
            except ValidationError as exc:
                problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for field, errors in problems.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Reminder sent."))
                return redirect("reminder", reminder_id=reminder.pk)
        status = 400
    else:
        initial = {"level": request.GET.get("level", Reminder.Level.REMIND)}
        wanted = request.GET.get("unit", "")
        for key, obj, _label in parties:
            if wanted and key.startswith("unit:") and wanted in (obj.key, str(obj.pk)):
                initial["party"] = key
            if request.GET.get("area") and key == f"area:{request.GET['area']}":
                initial["party"] = key
        form = ReminderForm(initial=initial, **form_kwargs)
        status = 200
    return render(
        request, "web/reminder_form.html", {"target": target, "form": form}, status=status
    )


def _act(request, reminder_id, fn, done: str):
    reminder = get_reminder_for_user(request, reminder_id)
    try:
        result = fn(actor(request), reminder)
    except ValidationError as exc:
        for text in _problems(exc):
            messages.error(request, text)
        return redirect("reminder", reminder_id=reminder.pk)
    messages.success(request, done)
    return redirect("reminder", reminder_id=(result or reminder).pk)


@login_required
@require_POST
def reminder_ack(request, reminder_id):
    return _act(request, reminder_id, reminding.acknowledge, _("Reminder acknowledged."))


@login_required
@require_POST
def reminder_answer(request, reminder_id):
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reminder", reminder_id=reminder_id)
    note = form.cleaned_data["note"]
    return _act(
        request,
        reminder_id,
        lambda a, r: reminding.answer(a, r, note=note),
        _("Answer sent."),
    )


@login_required
@require_POST
def reminder_close(request, reminder_id):
    return _act(request, reminder_id, reminding.close, _("Reminder closed."))


@login_required
@require_POST
def reminder_escalate(request, reminder_id):
    form = EscalateForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("reminder", reminder_id=reminder_id)
    message = form.cleaned_data["message"]
    return _act(
        request,
        reminder_id,
        lambda a, r: reminding.escalate(a, r, message),
        _("Escalated: the next level was sent."),
    )
