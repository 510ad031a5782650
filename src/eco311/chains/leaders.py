"""The official 链主 (chain-leader) tag: granting it to an enterprise for one chain, revoking it.

The tag is an enterprises.Tag of kind ``chain_leader`` whose ``stage`` holds the chain's code
(chains/data/chains.yaml). The computed chain-leader score (chains/analytics.py) only proposes
candidates; the tag is the plan owner's decision, taken with a reason that the tag's history
keeps as its change reason. Revoking sets ``revoked_on``: the row stays, so that a past year's
leaders can still be told.

Public API::

    grant(actor, enterprise, chain_code, on, reason) -> Tag
    revoke(actor, tag, on, reason) -> Tag
    active_tags(chain_code, day=None) -> list[Tag]
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from eco311.chains import taxonomy
from eco311.core.forms import control_character_message
from eco311.enterprises.models import Enterprise, Tag

KIND = Tag.Kind.CHAIN_LEADER


def reason_limit() -> int:
    """The longest reason the history can keep (its change-reason column)."""
    return Tag.history.model._meta.get_field("history_change_reason").max_length


def _reason(value) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give a reason: it is kept in the history.")})
    problem = control_character_message(text)
    if problem:
        raise ValidationError({"reason": problem})
    if len(text) > reason_limit():
        raise ValidationError(
            {
                "reason": _("The reason is %(n)s characters long; keep it to %(max)s.")
                % {"n": len(text), "max": reason_limit()}
            }
        )
    return text


def _day(value, field: str) -> date:
    if not isinstance(value, date):
        raise ValidationError({field: _("Give the date as YYYY-MM-DD.")})
    return value


def known_chain(chain_code: str) -> bool:
    """Whether ``chain_code`` names a chain of the taxonomy in force."""
    return any(c.code == chain_code for c in taxonomy.load().chains)


def active_tags(chain_code: str | None = None, day: date | None = None):
    """The chain-leader tags held on ``day`` (default: held now, i.e. not revoked by today),
    of one chain or of all chains; oldest grant first."""
    day = day or date.today()
    qs = Tag.objects.filter(kind=KIND, granted_on__lte=day).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)
    )
    if chain_code is not None:
        qs = qs.filter(stage=chain_code)
    return qs.select_related("enterprise").order_by("granted_on", "pk")


@transaction.atomic
def grant(actor, enterprise: Enterprise, chain_code: str, on: date, reason: str) -> Tag:
    """Tag ``enterprise`` as 链主 of the chain ``chain_code`` from ``on``.

    Only the plan owner grants it (Actor.can_tag_chain_leaders), always with a reason. The
    chain must be one of the taxonomy; an enterprise holds at most one tag of the same chain at
    a time, so a tag of that chain not yet revoked (or revoked only after ``on``) refuses a
    second one. Other enterprises may lead the same chain beside it (the plan names a group).
    """
    if not actor.can_tag_chain_leaders:
        raise PermissionDenied
    reason = _reason(reason)
    on = _day(on, "granted_on")
    code = (chain_code or "").strip()
    if not known_chain(code):
        raise ValidationError(
            {
                "chain": _("Unknown chain %(code)s: choose a chain of the chain map.")
                % {"code": code}
            }
        )
    # Locks the enterprise's row so that two grants at once cannot both pass the check.
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    clash = (
        Tag.objects.filter(enterprise=enterprise, kind=KIND, stage=code)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "chain": _(
                    "%(name)s already holds the chain-leader tag of this chain (granted on "
                    "%(day)s): revoke it first."
                )
                % {"name": enterprise.name, "day": clash.granted_on.isoformat()}
            }
        )
    tag = Tag(enterprise=enterprise, kind=KIND, stage=code, granted_on=on)
    tag._change_reason = reason
    tag._history_user = actor.user
    tag.save()
    return tag


@transaction.atomic
def revoke(actor, tag: Tag, on: date, reason: str) -> Tag:
    """End the chain-leader tag ``tag`` on ``on`` (the last day it is held is the day before).

    Only the plan owner revokes it (Actor.can_tag_chain_leaders), with a reason kept in the
    history. The row stays with ``revoked_on`` set; a tag already revoked, a tag of another
    kind and a date before the grant are refused.
    """
    if not actor.can_tag_chain_leaders:
        raise PermissionDenied
    reason = _reason(reason)
    on = _day(on, "revoked_on")
    tag = Tag.objects.select_for_update().get(pk=tag.pk)
    if tag.kind != KIND:
        raise ValidationError(_("This is not a chain-leader tag."))
    if tag.revoked_on is not None:
        raise ValidationError(
            {
                "revoked_on": _("This tag was already revoked on %(day)s.")
                % {"day": tag.revoked_on.isoformat()}
            }
        )
    if on < tag.granted_on:
        raise ValidationError(
            {
                "revoked_on": _(
                    "The tag was granted on %(granted)s: it cannot be revoked before that day."
                )
                % {"granted": tag.granted_on.isoformat()}
            }
        )
    tag.revoked_on = on
    tag._change_reason = reason
    tag._history_user = actor.user
    tag.save()
    return tag
