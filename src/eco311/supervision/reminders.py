"""Manual reminders up the ladder 提醒 → 催办 → 督办, and their answers.

The plan owner (or a city bureau, for its own scope) sends a reminder to a party that answers
for a target: a responsible unit (named in the plan or assigned) or the target's area office.
The party acknowledges it and answers it, with a note or with a progress report (a report the
party submits for the target answers its open reminders by itself: ``answer_by_report``, wired
to ProgressReport's post_save in SupervisionConfig.ready, for plans must not import us). The
sender closes it, or escalates it: the next level follows it and the lower one is closed.
Every change is a history row, and the chain is the target's history.

States (the only moves allowed; anything else is refused with a message):

================  ==============================  ============  ====================
action            from                            to            who
================  ==============================  ============  ====================
send              —                               sent          sender (can_remind)
acknowledge       sent                            acknowledged  addressee
answer            sent, acknowledged              answered      addressee
close             sent, acknowledged, answered    closed        sender's side
escalate          sent, acknowledged, answered    closed (+ a   sender's side
                                                  new one sent)
================  ==============================  ============  ====================

The actor is duck-typed (accounts.scopes.Actor): supervision never imports accounts.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eco311.core.forms import control_character_message
from eco311.supervision.assign import responsible_areas
from eco311.supervision.models import Reminder
from eco311.supervision.responsibility import parties_of

S = Reminder.Status
#: action -> (states it may start from, state it leads to)
TRANSITIONS = {
    "acknowledge": ({S.SENT}, S.ACKNOWLEDGED),
    "answer": ({S.SENT, S.ACKNOWLEDGED}, S.ANSWERED),
    "close": ({S.SENT, S.ACKNOWLEDGED, S.ANSWERED}, S.CLOSED),
    "escalate": ({S.SENT, S.ACKNOWLEDGED, S.ANSWERED}, S.CLOSED),
}
OPEN = (S.SENT, S.ACKNOWLEDGED)
#: The ladder, lowest first: 提醒 → 催办 → 督办.
LADDER = [Reminder.Level.REMIND, Reminder.Level.URGE, Reminder.Level.SUPERVISE]


def next_level(level: str) -> str | None:
    """The level above ``level``, or None at the top (督办)."""
    i = LADDER.index(level)
    return LADDER[i + 1] if i + 1 < len(LADDER) else None


def _check_move(reminder: Reminder, action: str) -> None:
    allowed, _to = TRANSITIONS[action]
    if reminder.status not in allowed:
        raise ValidationError(
            _("This reminder is %(status)s: it cannot be %(action)s now.")
            % {"status": reminder.get_status_display(), "action": _ACTION_LABELS[action]()}
        )


_ACTION_LABELS = {
    "acknowledge": lambda: _("acknowledged"),
    "answer": lambda: _("answered"),
    "close": lambda: _("closed"),
    "escalate": lambda: _("escalated"),
}


def _clean_text(value, field: str, required_message: str | None) -> str:
    text = (value or "").strip()
    if required_message and not text:
        raise ValidationError({field: required_message})
    problem = control_character_message(text)
    if problem:
        raise ValidationError({field: problem})
    limit = settings.ECO311_MAX_NOTE_CHARS
    if len(text) > limit:
        raise ValidationError(
            {field: _("At most %(limit)s characters, please.") % {"limit": limit}}
        )
    return text


def _deliver_later(reminder: Reminder) -> None:
    """Hand the reminder to delivery (in the platform, by e-mail or digest) once it is stored."""

    def go():
        from eco311.supervision.delivery import deliver_reminder

        deliver_reminder(reminder)

    transaction.on_commit(go)


def may_send_about(actor, reminder: Reminder) -> bool:
    """The sender's side of a reminder (who may close or escalate it): whoever may send such a
    reminder to its party now."""
    if reminder.enterprise_id is not None:
        return actor.can_remind_returns and actor.can_see_enterprise(reminder.enterprise)
    return actor.can_remind(reminder.target) and actor.can_remind_party(
        unit_id=reminder.unit_id, area_id=reminder.area_id
    )


def remindable_parties(actor, target) -> list[tuple[str, object, str]]:
    """The parties of ``target`` that ``actor`` may remind, as ("unit:ID" | "area:ID", unit or
    area, label): its responsible units, then its area offices, as the actor's role allows."""
    if not actor.can_remind(target):
        return []
    found = []
    for p in parties_of(target):
        if p.unit.collective:
            continue  # "各相关部门、单位": nobody receives as it
        if actor.can_remind_party(unit_id=p.unit.id):
            role = _("lead") if p.is_lead else _("assisting")
            found.append((f"unit:{p.unit.id}", p.unit, f"{p.unit.name} ({role})"))
    for area in responsible_areas(target):
        if actor.can_remind_party(area_id=area.id):
            found.append((f"area:{area.id}", area, f"{area.name} ({_('area office')})"))
    return found


_COLLECTIVE = gettext_lazy(
    "%(unit)s names many bodies at once and nobody receives as it: remind one of its units "
    "(assign it first if the plan names none)."
)


@transaction.atomic
def send(
    actor,
    *,
    target=None,
    year=None,
    unit=None,
    area=None,
    enterprise=None,
    level,
    message,
    follows=None,
    synthetic: bool = False,
) -> Reminder:
    """Send a reminder to exactly one party: a unit or an area office about a target, or an
    enterprise about its annual return of ``year``.

    About a target: Actor.can_remind(target) and Actor.can_remind_party, and the party must
    answer for the target (a responsible unit, named in the plan or assigned, or the target's
    area office). About a return: Actor.can_remind_returns, for an enterprise the actor sees.
    ``follows`` makes it the next step of a chain: same party and subject, a higher level, and
    the lower reminder is closed.
    """
    if [unit, area, enterprise].count(None) != 2:
        raise ValidationError(_("Send a reminder to one party: a unit, an area or an enterprise."))
    if level not in LADDER:
        raise ValidationError({"level": _("Choose a level: 提醒, 催办 or 督办.")})
    message = _clean_text(message, "message", _("Write the message of the reminder."))
    if enterprise is not None:
        if not (actor.can_remind_returns and actor.can_see_enterprise(enterprise)):
            raise PermissionDenied
        if target is not None or not year:
            raise ValidationError(_("A reminder to an enterprise names the survey year only."))
    else:
        if target is None:
            raise ValidationError(_("A reminder to a unit or an area is about a target."))
        if not actor.can_remind(target):
            raise PermissionDenied
        if not actor.can_remind_party(
            unit_id=unit.id if unit else None, area_id=area.id if area else None
        ):
            raise PermissionDenied
        if unit is not None and unit.collective:
            raise ValidationError(_COLLECTIVE % {"unit": unit.name})
        if unit is not None and unit.id not in {p.unit.id for p in parties_of(target)}:
            raise ValidationError(
                {
                    "party": _(
                        "%(unit)s does not answer for this target: assign it first, or remind a "
                        "responsible unit."
                    )
                    % {"unit": unit.name}
                }
            )
        if area is not None and area.id not in {a.id for a in responsible_areas(target)}:
            raise ValidationError(
                {"party": _("%(area)s does not answer for this target.") % {"area": area.name}}
            )
    if follows is not None:
        follows = Reminder.objects.select_for_update().get(pk=follows.pk)
        same = (
            follows.target_id == (target.id if target else None)
            and follows.unit_id == (unit.id if unit else None)
            and follows.area_id == (area.id if area else None)
            and follows.enterprise_id == (enterprise.id if enterprise else None)
        )
        if not same:
            raise ValidationError(_("An escalation goes to the same party about the same thing."))
        if LADDER.index(level) <= LADDER.index(follows.level):
            raise ValidationError(
                {"level": _("An escalation is of a higher level than the reminder it follows.")}
            )
        _check_move(follows, "escalate")
    reminder = Reminder(
        target=target,
        year=year if enterprise is not None else None,
        unit=unit,
        area=area,
        enterprise=enterprise,
        level=level,
        message=message,
        reason="manual",
        follows=follows,
        sent_by=actor.user,
        as_of=timezone.localdate(),
        synthetic=synthetic,
    )
    reminder._history_user = actor.user
    reminder._change_reason = "sent"
    reminder.save()
    if follows is not None:
        follows.status = S.CLOSED
        follows._history_user = actor.user
        follows._change_reason = f"escalated to #{reminder.pk}"
        follows.save()
    _deliver_later(reminder)
    return reminder


@transaction.atomic
def acknowledge(actor, reminder: Reminder) -> Reminder:
    """The addressed party confirms it has read the reminder (Actor.can_answer_reminder)."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if not actor.can_answer_reminder(reminder):
        raise PermissionDenied
    _check_move(reminder, "acknowledge")
    reminder.status = S.ACKNOWLEDGED
    reminder.acknowledged_by = actor.user
    reminder.acknowledged_on = timezone.now()
    reminder._history_user = actor.user
    reminder._change_reason = "acknowledged"
    reminder.save()
    return reminder


@transaction.atomic
def answer(actor, reminder: Reminder, note: str = "", report=None) -> Reminder:
    """The addressed party answers: with a note, or with a progress report on the reminder's
    target (Actor.can_answer_reminder). An answer is one of the two, never empty."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if not actor.can_answer_reminder(reminder):
        raise PermissionDenied
    _check_move(reminder, "answer")
    note = _clean_text(
        note, "note", None if report else _("Write an answer, or answer with a report.")
    )
    if report is not None and report.target_id != reminder.target_id:
        raise ValidationError(_("The report answering a reminder is for the reminder's target."))
    _mark_answered(reminder, actor.user, note, report)
    return reminder


def _mark_answered(reminder: Reminder, user, note: str, report) -> None:
    reminder.status = S.ANSWERED
    reminder.answer = note
    reminder.answer_report = report
    reminder.answered_by = user
    reminder.answered_on = timezone.now()
    if reminder.acknowledged_on is None:  # an answer says it was read
        reminder.acknowledged_by, reminder.acknowledged_on = user, reminder.answered_on
    reminder._history_user = user
    reminder._change_reason = f"answered by report #{report.pk}" if report else "answered"
    reminder.save()


@transaction.atomic
def close(actor, reminder: Reminder) -> Reminder:
    """The sender's side closes a reminder (answered, or no longer needed)."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if not may_send_about(actor, reminder):
        raise PermissionDenied
    _check_move(reminder, "close")
    reminder.status = S.CLOSED
    reminder._history_user = actor.user
    reminder._change_reason = "closed"
    reminder.save()
    return reminder


def escalate(actor, reminder: Reminder, message: str) -> Reminder:
    """Send the next level (提醒 → 催办 → 督办) to the same party, following ``reminder``;
    the lower one is closed. Nothing follows 督办."""
    if not may_send_about(actor, reminder):
        raise PermissionDenied
    level = next_level(reminder.level)
    if level is None:
        raise ValidationError(_("Supervision (督办) is the highest level: nothing goes above it."))
    return send(
        actor,
        target=reminder.target,
        year=reminder.year,
        unit=reminder.unit,
        area=reminder.area,
        enterprise=reminder.enterprise,
        level=level,
        message=message,
        follows=reminder,
    )


def chain_of(reminder: Reminder) -> list[Reminder]:
    """The whole escalation chain ``reminder`` is part of, lowest level first (the viewer may
    see every step: they share the party and the subject)."""
    root, seen = reminder, {reminder.pk}
    while root.follows_id and root.follows_id not in seen:
        root = root.follows
        seen.add(root.pk)
    chain = [root]
    while True:
        nxt = (
            Reminder.objects.filter(follows=chain[-1])
            .select_related("sent_by", "acknowledged_by", "answered_by", "answer_report")
            .first()
        )
        if nxt is None or nxt.pk in {r.pk for r in chain}:
            return chain
        chain.append(nxt)


def _party_q(user) -> Q | None:
    """The party a user acts for, read off the membership as Actor.reminders_q reads it (a
    department its unit, a city bureau or park committee its area); None for anyone else.
    Duplicated here because supervision may not import accounts."""
    m = getattr(user, "membership", None)
    if m is None:
        return None
    if m.role == "department" and m.unit_id:
        return Q(unit_id=m.unit_id)
    if m.role in ("city", "park") and m.area_id:
        return Q(area_id=m.area_id)
    return None


def answer_by_report(report) -> int:
    """A progress report submitted for a target answers the open (sent or acknowledged)
    reminders of that target addressed to the submitter's party. Returns how many."""
    party = _party_q(report.submitted_by)
    if party is None:
        return 0
    found = Reminder.objects.select_for_update().filter(
        party, target_id=report.target_id, status__in=OPEN
    )
    n = 0
    for reminder in found:
        _mark_answered(reminder, report.submitted_by, "", report)
        n += 1
    return n


def on_report_saved(sender, instance, created, raw=False, **kwargs):
    """post_save of plans.ProgressReport: a new submission answers its reminders."""
    if raw or not created or instance.status != "submitted":
        return
    answer_by_report(instance)
