"""Assigning responsibility: lead and assisting units for a target or a task, and contact persons.

The plan's own naming (plans.TargetUnit) is the first word and is never replaced: the plan owner
adds units where the plan is silent or needs help, always with a reason, and every change is a
history row (simple_history) with that reason. Removing deactivates; nothing is deleted.

The actor is duck-typed (accounts.scopes.Actor): supervision never imports accounts.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from eco311.core.forms import control_character_message
from eco311.geo.models import Area
from eco311.plans.models import Target, TargetUnit, Unit
from eco311.supervision.models import Assignment, Contact
from eco311.supervision.responsibility import parties_of

#: Area kinds whose own office (city bureau, park or cluster committee) answers for a target.
OFFICE_KINDS = ("city", "park", "cluster")


def _text(value, field: str, *, required: bool) -> str:
    """A trimmed text, refused when required and empty or when it holds a control character."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("Give a reason: it is kept in the history.")})
    problem = control_character_message(text)
    if problem:
        raise ValidationError({field: problem})
    return text


def responsible_areas(target: Target) -> list[Area]:
    """The area offices answering for a target: the city, cluster or park it is scoped to, and
    the city that area lies in (the city bureau answers for its parks and clusters too)."""
    found = []
    scope = target.scope
    if scope.kind in OFFICE_KINDS:
        found.append(scope)
        parent = scope.parent
        if scope.kind != "city" and parent is not None and parent.kind == "city":
            found.append(parent)
    return found


def _plan_links(targets) -> dict[int, list[TargetUnit]]:
    links: dict[int, list[TargetUnit]] = {}
    for link in TargetUnit.objects.filter(target__in=targets).select_related("unit", "target"):
        links.setdefault(link.target_id, []).append(link)
    return links


@transaction.atomic
def assign(actor, *, unit: Unit, role: str, reason: str, target=None, task=None) -> Assignment:
    """Make ``unit`` lead or assisting unit of ``target``, or of every target of ``task``.

    Only the plan owner assigns (Actor.can_assign), and always with a reason. A unit the plan
    already names for the target is not assigned again, and where the plan names a lead unit no
    other lead is assigned beside it (the plan is not silently replaced): assisting units may be
    added. A unit already assigned (to the target or its task) is not assigned twice.
    """
    if not actor.can_assign:
        raise PermissionDenied
    reason = _text(reason, "reason", required=True)
    if (target is None) == (task is None):
        raise ValidationError(_("Assign a unit either to one target or to a whole task."))
    if role not in Assignment.Role.values:
        raise ValidationError({"role": _("Choose lead or assisting unit.")})
    if unit is None or not unit.is_active or unit.collective:
        # A collective name ("各市人民政府") is nobody in particular: assign one of its bodies.
        raise ValidationError({"unit": _("Choose an active responsible unit.")})
    targets = [target] if target is not None else list(task.targets.filter(is_active=True))
    links = _plan_links(targets)
    for t in targets:
        for link in links.get(t.id, []):
            if link.unit_id == unit.id:
                raise ValidationError(
                    {
                        "unit": _(
                            "The plan itself names %(unit)s for target %(key)s: it cannot be "
                            "assigned again or replaced."
                        )
                        % {"unit": unit.name, "key": t.key}
                    }
                )
        plan_leads = [link.unit.name for link in links.get(t.id, []) if link.role == "lead"]
        if role == Assignment.Role.LEAD and plan_leads:
            raise ValidationError(
                {
                    "role": _(
                        "The plan names %(lead)s as lead unit of target %(key)s: the plan's lead "
                        "stays lead. Add %(unit)s as an assisting unit instead."
                    )
                    % {"lead": "、".join(plan_leads), "key": t.key, "unit": unit.name}
                }
            )
    task_id = task.id if task is not None else target.task_id
    already = Assignment.objects.select_for_update().filter(unit=unit, is_active=True)
    clash = already.filter(task_id=task_id).first()
    if clash is None and target is not None:
        clash = already.filter(target=target).first()
    if clash is not None:
        where = _("the whole task") if clash.task_id else _("this target")
        raise ValidationError(
            {
                "unit": _("%(unit)s is already assigned to %(where)s (%(role)s).")
                % {"unit": unit.name, "where": where, "role": clash.get_role_display()}
            }
        )
    a = Assignment(
        target=target,
        task=task,
        unit=unit,
        role=role,
        reason=reason,
        created_by=actor.user,
        modified_by=actor.user,
    )
    a._history_user = actor.user
    a._change_reason = reason
    a.save()
    return a


@transaction.atomic
def unassign(actor, assignment: Assignment, reason: str) -> Assignment:
    """Remove an assignment: only the plan owner, with a reason. The row stays (inactive) and
    its history keeps who assigned it, who removed it, when and why. The plan's own naming is
    not an assignment and cannot be removed here."""
    if not actor.can_assign:
        raise PermissionDenied
    reason = _text(reason, "reason", required=True)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_active:
        raise ValidationError(_("This assignment was already removed."))
    assignment.is_active = False
    assignment.modified_by = actor.user
    assignment._history_user = actor.user
    assignment._change_reason = reason
    assignment.save()
    return assignment


def contact_parties(actor, target: Target) -> list[tuple[str, object]]:
    """The parties whose contact ``actor`` may name on ``target``, as ("unit:ID" | "area:ID",
    unit or area): the responsible units and area offices the actor's role allows."""
    found = []
    for p in parties_of(target):
        if actor.can_set_contact_for(target, unit_id=p.unit.id):
            found.append((f"unit:{p.unit.id}", p.unit))
    for area in responsible_areas(target):
        if actor.can_set_contact_for(target, area_id=area.id):
            found.append((f"area:{area.id}", area))
    return found


def _check_party(actor, target, unit, area) -> None:
    if (unit is None) == (area is None):
        raise ValidationError(_("Name the contact of one unit or of one area office."))
    if not actor.can_set_contact_for(
        target, unit_id=unit.id if unit else None, area_id=area.id if area else None
    ):
        raise PermissionDenied
    if unit is not None and unit.id not in {p.unit.id for p in parties_of(target)}:
        raise ValidationError(
            {"unit": _("%(unit)s does not answer for this target.") % {"unit": unit.name}}
        )
    if area is not None and area.id not in {a.id for a in responsible_areas(target)}:
        raise ValidationError(
            {"area": _("%(area)s does not answer for this target.") % {"area": area.name}}
        )


@transaction.atomic
def set_contact(
    actor, target: Target, *, unit=None, area=None, name, post="", phone="", email=""
) -> Contact:
    """Name (or change) the contact person of one responsible party of a target.

    Actor.can_set_contacts(target) and Actor.can_set_contact_for: the administrator for any
    party; a department for its own unit; a city bureau or park committee for its own area.
    The party must answer for the target. One current contact per party: a change updates it,
    and the history keeps the earlier person.
    """
    if not actor.can_set_contacts(target):
        raise PermissionDenied
    _check_party(actor, target, unit, area)
    name = _text(name, "name", required=False)
    if not name:
        raise ValidationError({"name": _("Give the contact person's name.")})
    post = _text(post, "post", required=False)
    phone = _text(phone, "phone", required=False)
    email = _text(email, "email", required=False)
    if not phone and not email:
        raise ValidationError({"phone": _("Give a phone number or an e-mail address.")})
    contact = (
        Contact.objects.select_for_update()
        .filter(target=target, unit=unit, area=area, is_active=True)
        .first()
    )
    if contact is None:
        contact = Contact(target=target, unit=unit, area=area, created_by=actor.user)
    contact.name, contact.post, contact.phone, contact.email = name, post, phone, email
    contact.modified_by = actor.user
    contact.full_clean(exclude=["target", "unit", "area", "created_by", "modified_by"])
    contact._history_user = actor.user
    contact._change_reason = "contact set"
    contact.save()
    return contact


@transaction.atomic
def remove_contact(actor, contact: Contact) -> Contact:
    """Remove a contact person: whoever may name that party's contact. The row stays inactive
    and its history keeps it."""
    if not actor.can_set_contact_for(
        contact.target, unit_id=contact.unit_id, area_id=contact.area_id
    ):
        raise PermissionDenied
    if not contact.is_active:
        raise ValidationError(_("This contact was already removed."))
    contact.is_active = False
    contact.modified_by = actor.user
    contact._history_user = actor.user
    contact._change_reason = "contact removed"
    contact.save()
    return contact
