"""Scoped lookups: one helper per object kind, used by the pages and the API alike.

healthchecks' ``_get_check_for_user`` habit (docs/house-style.md): a view asks for an object by
its key *for a user* and gets it, or an error, from here; no view or endpoint writes its own
query with an access check beside it, so row-level access lives in one place. The rules
themselves are the Actor's (accounts/scopes.py); this module only loads and asks.

Every helper takes a request or an Actor (a job or a test has no request). An object outside
the user's scope answers 404, like one that does not exist, so that its existence is not
revealed. 403 is kept where the page itself is not for the role at all (a bank asking for an
enterprise, a park committee for the import ledger): that says nothing about any one object.

Layer: above the domains (plans, enterprises, ranking), below web and api.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from eco311.accounts.scopes import Actor, actor


def _actor(who) -> Actor:
    return who if isinstance(who, Actor) else actor(who)


# -- plans: targets and progress reports -------------------------------------------------------


def get_target_for_user(who, plan_key: str, target_key: str):
    """The target and what the user may do with it: (target, can_see_details, can_report).

    Targets are public (everyone reads them and their status): only an unknown key is a 404.
    """
    from eco311.plans.models import Target

    target = (
        Target.objects.select_related("plan", "task__section", "scope")
        .prefetch_related("unit_links__unit")
        .filter(plan__key=plan_key, key=target_key)
        .first()
    )
    if target is None:
        raise Http404
    a = _actor(who)
    return target, a.can_see_details(target), a.can_report(target)


def get_report_for_user(who, report_id: int):
    """A progress report the user may see (its target must be in scope), or 404."""
    from eco311.plans.models import ProgressReport

    report = (
        ProgressReport.objects.select_related("target__plan", "target__scope")
        .prefetch_related("target__unit_links")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not _actor(who).can_see_details(report.target):
        raise Http404
    return report


def reports_to_review_for_user(who):
    """The submitted progress reports waiting for a decision, limited to the user's scope
    (officials only: 403 for anyone else)."""
    from eco311.plans.models import ProgressReport

    a = _actor(who)
    if not a.is_official:
        raise PermissionDenied
    return (
        ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED)
        .filter(a.scope_q("target__"))
        .distinct()
    )


# -- enterprises and their annual returns ------------------------------------------------------


def enterprises_for_user(who, qs=None):
    """The enterprises (of ``qs``, default all) the user may see; none for a role that never
    sees enterprises. The caller decides whether such a role gets a 403 or an empty list."""
    from eco311.enterprises.models import Enterprise

    a = _actor(who)
    qs = Enterprise.objects.all() if qs is None else qs
    return a.scoped_enterprises(qs)


def get_enterprise_for_user(who, uscc: str):
    """An enterprise the user may see, or 403 (role never sees enterprises) / 404 (not in scope).

    A bank, the public and an enterprise user without an enterprise get 403: the page exists but
    is not for them. For the other roles an enterprise outside their scope answers 404, like one
    that does not exist, so that the registry does not reveal who is in it.
    """
    from eco311.enterprises.models import Enterprise

    a = _actor(who)
    if not a.can_see_enterprises:
        raise PermissionDenied
    enterprise = (
        Enterprise.objects.select_related("city", "park", "industry")
        .filter(uscc=uscc.upper())
        .first()
    )
    if enterprise is None or not a.can_see_enterprise(enterprise):
        raise Http404
    return enterprise


def get_own_enterprise_for_user(who):
    """The enterprise whose returns the user files online (an enterprise user's own), or 403
    for everyone else: nobody but the enterprise types its return in."""
    from eco311.enterprises.models import Enterprise

    a = _actor(who)
    if not a.can_file_returns:
        raise PermissionDenied
    enterprise = (
        Enterprise.objects.select_related("city", "park", "industry")
        .filter(pk=a.enterprise_id)
        .first()
    )
    if enterprise is None:
        raise Http404
    return enterprise


def returns_to_review_for_user(who):
    """The annual returns the user may review (never a draft), or 403 for a role that reviews
    none (Actor.can_review_returns)."""
    from eco311.enterprises.models import AnnualReturn

    a = _actor(who)
    if not a.can_review_returns:
        raise PermissionDenied
    return AnnualReturn.objects.filter(a.returns_to_review_q())


def get_return_for_user(who, uscc: str, year: int):
    """An annual return opened on the review pages: one the user may review, or 403 (not a
    reviewer) / 404 (no such return, a draft, or another city's)."""
    found = (
        returns_to_review_for_user(who)
        .select_related("enterprise__city", "enterprise__park", "enterprise__industry")
        .filter(enterprise__uscc=uscc.upper(), year=year)
        .first()
    )
    if found is None:
        raise Http404
    return found


# -- the survey import ledger ------------------------------------------------------------------


def batches_for_user(who):
    """The import ledger, or 403 for a role that may not see it (Actor.can_see_import_ledger)."""
    from eco311.enterprises.models import ImportBatch

    a = _actor(who)
    if not a.can_see_import_ledger:
        raise PermissionDenied
    return ImportBatch.objects.select_related("imported_by", "job")


def get_batch_for_user(who, batch_id: int):
    """One import of the ledger, or 403 (may not see the ledger) / 404 (no such import)."""
    batch = batches_for_user(who).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


# -- the Top-100 ranking -----------------------------------------------------------------------


def get_ranking_for_user(who, ranking_id: int):
    """A ranking list the user may see, or 404 (never 403).

    A published list is for everyone, the anonymous public included. A list that is not
    published (in progress, a draft, failed or discarded) is only for
    Actor.can_see_ranking_drafts (the administrator and the provincial departments); for anyone
    else it answers 404, like a list that does not exist, so that unpublished runs stay unseen.
    """
    from eco311.ranking.models import RankingList

    ranking = RankingList.objects.select_related("job").filter(pk=ranking_id).first()
    if ranking is None or not (ranking.is_published or _actor(who).can_see_ranking_drafts):
        raise Http404
    return ranking


def get_entry_for_user(who, ranking, uscc: str):
    """An entry of ``ranking`` whose details the user may see, or 403 / 404 as for enterprises.

    A role that never sees enterprises (a bank, the public, an enterprise user without an
    enterprise) gets 403: the page exists but is not for them. For the other roles an entry
    outside their scope (Actor.can_see_ranking_entry) answers 404, like one that does not exist.
    ``ranking`` comes from get_ranking_for_user.
    """
    a = _actor(who)
    if not a.can_see_enterprises:
        raise PermissionDenied
    entry = ranking.entries.select_related("enterprise").filter(uscc=uscc.upper()).first()
    if entry is None or not a.can_see_ranking_entry(entry):
        raise Http404
    return entry


# -- notices (通知公告) --------------------------------------------------------------------------


def notices_for_user(who):
    """The notices the user may open: what Actor.notices_q lets him read (published, not
    withdrawn, addressed to him; public ones for the anonymous public), and for the plan owner
    (Actor.can_publish_notices) every notice, drafts and withdrawn ones included."""
    from eco311.supervision.models import Notice

    a = _actor(who)
    if a.can_publish_notices:
        return Notice.objects.all()
    # The recipients join can match one notice several times.
    return Notice.objects.filter(pk__in=Notice.objects.filter(a.notices_q()).values("pk"))


def get_notice_for_user(who, notice_id: int):
    """A notice the user may read, or 404: a draft, a withdrawn notice or one addressed to
    others answers like one that does not exist (the plan owner opens every notice)."""
    notice = notices_for_user(who).select_related("published_by").filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    return notice


def get_notice_attachment_for_user(who, notice_id: int, attachment_id: int):
    """An attachment of a notice the user may read (get_notice_for_user), or 404."""
    notice = get_notice_for_user(who, notice_id)
    found = notice.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise Http404
    return notice, found


# -- the supervision loop: reminders -----------------------------------------------------------


def reminders_for_user(who):
    """The reminders the user may list (/reminders/): those addressed to its party and, for the
    plan owner and city bureaus, those sent on its side; 403 for a role that has none
    (Actor.can_see_reminders)."""
    from eco311.supervision.models import Reminder

    a = _actor(who)
    if not a.can_see_reminders:
        raise PermissionDenied
    return Reminder.objects.filter(a.reminders_q() | a.sent_reminders_q())


def get_reminder_for_user(who, reminder_id: int):
    """A reminder the user may see (Actor.can_see_reminder: the addressee, the sender's side),
    or 404 like one that does not exist."""
    from eco311.supervision.models import Reminder

    reminder = (
        Reminder.objects.select_related(
            "target__plan", "target__scope", "unit", "area", "enterprise", "sent_by", "follows"
        )
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None or not _actor(who).can_see_reminder(reminder):
        raise Http404
    return reminder


def get_target_by_id_for_user(who, target_id):
    """A target by its id (the reminder form's ?target=), with what the user may do with it,
    as get_target_for_user; 404 for an unknown or malformed id."""
    from eco311.plans.models import Target

    if not str(target_id).isdigit():
        raise Http404
    found = Target.objects.filter(pk=int(target_id)).values_list("plan__key", "key").first()
    if found is None:
        raise Http404
    return get_target_for_user(who, *found)


# -- the evaluation report ---------------------------------------------------------------------


def evaluations_for_user(who):
    """The evaluation reports the user may open (Actor.evaluations_q), or 403 for a role that
    reads none (Actor.can_read_evaluations)."""
    from eco311.evaluation.models import EvaluationDraft

    a = _actor(who)
    if not a.can_read_evaluations:
        raise PermissionDenied
    return EvaluationDraft.objects.filter(a.evaluations_q()).select_related("plan", "issued_by")


def get_evaluation_for_user(who, draft_id: int):
    """One evaluation report: 403 for a role that reads none; 404 for a draft a department asks
    for (drafts are the plan owner's), like one that does not exist."""
    found = evaluations_for_user(who).filter(pk=draft_id).first()
    if found is None:
        raise Http404
    return found


# -- the chain map: placements and chain-leader tags -------------------------------------------


def placements_for_user(who):
    """The chain placements of the enterprises in the user's scope, or 403 for a role that sees
    no chain enterprises (Actor.can_see_chain_enterprises: officials only)."""
    from eco311.chains.models import Placement

    a = _actor(who)
    if not a.can_see_chain_enterprises:
        raise PermissionDenied
    return Placement.objects.filter(a.enterprises_q("enterprise__")).select_related(
        "enterprise", "decided_by"
    )


def get_chain_leader_tag_for_user(who, tag_id: int):
    """A chain-leader tag the user may change (Actor.can_tag_chain_leaders: the plan owner), or
    403 for anyone else; 404 for no chain-leader tag of that id."""
    from eco311.enterprises.models import Tag

    a = _actor(who)
    if not a.can_tag_chain_leaders:
        raise PermissionDenied
    found = (
        Tag.objects.select_related("enterprise")
        .filter(pk=tag_id, kind=Tag.Kind.CHAIN_LEADER)
        .first()
    )
    if found is None:
        raise Http404
    return found


# -- the chain-map analysis ---------------------------------------------------------------------


def get_chain_report_for_user(who, report_id: int):
    """An issued chain-map analysis the user may read (Actor.can_read_chain_reports: the
    administrator and the departments); 404 for anyone else, so its existence is not told."""
    from eco311.chains.models import ChainReport

    a = _actor(who)
    if not a.can_read_chain_reports:
        raise Http404
    found = ChainReport.objects.filter(pk=report_id).select_related("issued_by").first()
    if found is None:
        raise Http404
    return found
