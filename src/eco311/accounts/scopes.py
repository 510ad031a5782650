"""Row-level access in one place.

Every view and API call asks an Actor what the user may see or do; nothing relies on hiding
links. The rules (see docs/adr/0003-roles-and-scopes.md):

* everyone, the anonymous public included, may read plans, targets and their computed status;
* a target's *details* (individual reports, notes, attachments, pending submissions, history)
  are visible to the province administrator and to the officials in whose scope it lies:
  the departments named as lead or assisting unit, the city bureau of the city it is scoped
  to (or of the city its cluster or park lies in), and the committee of the park it is scoped to;
* the same officials may submit progress for it; only the province administrator reviews;
* warnings are for officials and cover their own scope; the evaluation report is for the
  administrator and the provincial departments;
* individual enterprises and their annual survey returns are visible to the administrator
  (all), the provincial departments (all, read only), a city bureau (the enterprises of its
  city), a park committee (the enterprises of its park) and an enterprise user (its own
  enterprise only); banks and the public see aggregated indicator values only;
* the drill-down behind an indicator value (which enterprises make up the number) is for
  officials and lists only the enterprises in their scope; only the administrator imports
  survey workbooks; the administrator and the departments see the import ledger.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from eco311.accounts.models import Role

OFFICIAL_ROLES = (Role.ADMIN, Role.DEPARTMENT, Role.CITY, Role.PARK)


@dataclass
class Actor:
    user: object = None
    role: str | None = None  # None: the anonymous public
    unit_id: int | None = None
    area_id: int | None = None
    area_ids: set[int] = field(default_factory=set)
    enterprise_id: int | None = None

    @classmethod
    def of(cls, user) -> "Actor":
        if user is None or not user.is_authenticated:
            return cls()
        m = getattr(user, "membership", None)
        if m is None:
            return cls(user=user, role=Role.ADMIN if user.is_superuser else None)
        area_ids = set()
        if m.area_id:
            area_ids = {m.area_id}
            if m.role == Role.CITY:
                area_ids |= set(m.area.children.values_list("id", flat=True))
        return cls(
            user=user,
            role=m.role,
            unit_id=m.unit_id,
            area_id=m.area_id,
            area_ids=area_ids,
            enterprise_id=m.enterprise_id,
        )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    def scope_q(self, prefix: str = "") -> Q:
        """A filter on targets (or on rows reached through `prefix`) for this actor's scope."""
        if self.is_admin:
            return Q()
        if self.role == Role.DEPARTMENT and self.unit_id:
            return Q(**{f"{prefix}unit_links__unit_id": self.unit_id})
        if self.role in (Role.CITY, Role.PARK) and self.area_ids:
            return Q(**{f"{prefix}scope_id__in": self.area_ids})
        return Q(pk__in=[])

    def in_scope(self, target) -> bool:
        if self.is_admin:
            return True
        if self.role == Role.DEPARTMENT:
            return any(link.unit_id == self.unit_id for link in target.unit_links.all())
        if self.role in (Role.CITY, Role.PARK):
            return target.scope_id in self.area_ids
        return False

    def scoped_targets(self, qs):
        return qs.filter(self.scope_q()).distinct() if not self.is_admin else qs

    def can_see_details(self, target) -> bool:
        return self.in_scope(target)

    def can_report(self, target) -> bool:
        return self.is_official and self.in_scope(target)

    def can_review(self, target) -> bool:
        return self.is_admin

    @property
    def can_see_warnings(self) -> bool:
        return self.is_official

    @property
    def can_evaluate(self) -> bool:
        return self.role in (Role.ADMIN, Role.DEPARTMENT)

    # -- enterprise data (the annual survey) -------------------------------------------

    @property
    def sees_all_enterprises(self) -> bool:
        """The administrator and the provincial departments (the latter read only)."""
        return self.role in (Role.ADMIN, Role.DEPARTMENT)

    @property
    def can_see_enterprises(self) -> bool:
        """May open enterprise pages at all (what they list is limited by enterprises_q)."""
        if self.sees_all_enterprises:
            return True
        if self.role in (Role.CITY, Role.PARK):
            return self.area_id is not None
        return self.role == Role.ENTERPRISE and self.enterprise_id is not None

    def enterprises_q(self, prefix: str = "") -> Q:
        """A filter on enterprises (or on rows reached through `prefix`, e.g. "enterprise__")."""
        if self.sees_all_enterprises:
            return Q()
        if self.role == Role.CITY and self.area_id:
            return Q(**{f"{prefix}city_id": self.area_id})
        if self.role == Role.PARK and self.area_id:
            return Q(**{f"{prefix}park_id": self.area_id})
        if self.role == Role.ENTERPRISE and self.enterprise_id:
            return Q(**{f"{prefix}pk": self.enterprise_id})
        return Q(pk__in=[])

    def scoped_enterprises(self, qs):
        return qs if self.sees_all_enterprises else qs.filter(self.enterprises_q())

    def can_see_enterprise(self, enterprise) -> bool:
        if self.sees_all_enterprises:
            return True
        if self.role == Role.CITY:
            return self.area_id is not None and enterprise.city_id == self.area_id
        if self.role == Role.PARK:
            return self.area_id is not None and enterprise.park_id == self.area_id
        if self.role == Role.ENTERPRISE:
            return self.enterprise_id is not None and enterprise.pk == self.enterprise_id
        return False

    @property
    def can_drill_down(self) -> bool:
        """May see which enterprises are behind an indicator value (limited to their scope)."""
        return self.is_official and self.can_see_enterprises

    @property
    def can_import_survey(self) -> bool:
        return self.is_admin

    @property
    def can_see_import_ledger(self) -> bool:
        return self.sees_all_enterprises

    # -- filling in and reviewing annual returns online --------------------------------

    @property
    def can_file_returns(self) -> bool:
        """An enterprise user fills in, corrects and submits its own enterprise's returns.

        Nobody else types a return in: officials import workbooks, and the departments, parks,
        banks and the public only read.
        """
        return self.role == Role.ENTERPRISE and self.enterprise_id is not None

    def can_edit_return(self, annual_return) -> bool:
        """Only the enterprise's own user edits a return, whatever its state: a correction of a
        submitted or approved return goes back for review (enterprises/returns.py)."""
        return self.can_file_returns and annual_return.enterprise_id == self.enterprise_id

    def sees_draft_returns_of(self, enterprise) -> bool:
        """A draft is the enterprise's own working copy until it is submitted: only its user
        sees it (officials see a return once it is submitted, and its history from then on)."""
        return self.role == Role.ENTERPRISE and self.enterprise_id == enterprise.pk

    @property
    def can_review_returns(self) -> bool:
        """The city bureaus review their city's returns; the administrator may review any.

        Provincial departments and park committees read returns but never decide on them.
        """
        if self.is_admin:
            return True
        return self.role == Role.CITY and self.area_id is not None

    def returns_to_review_q(self, prefix: str = "") -> Q:
        """A filter on returns (or on rows reached through `prefix`) this actor may review:
        every return for the administrator, the returns of its city's enterprises for a city
        bureau (by the enterprise's registered city), none for anyone else."""
        if self.is_admin:
            return Q()
        if self.role == Role.CITY and self.area_id:
            return Q(**{f"{prefix}enterprise__city_id": self.area_id})
        return Q(pk__in=[])

    def can_review_return(self, annual_return) -> bool:
        """May approve or return this return: the administrator, or the bureau of the city
        the enterprise is registered in."""
        if self.is_admin:
            return True
        if self.role == Role.CITY and self.area_id is not None:
            return annual_return.enterprise.city_id == self.area_id
        return False

    # -- the Top-100 ranking ---------------------------------------------------------------

    @property
    def can_run_rankings(self) -> bool:
        """Only the administrator (the department that owns the plan) computes, publishes and
        discards ranking lists: a list decides who gets support."""
        return self.is_admin

    @property
    def can_see_ranking_drafts(self) -> bool:
        """Drafts and failed runs are for the officials who review them before publication:
        the administrator and the provincial departments. Everyone else sees published lists."""
        return self.is_admin or self.role == Role.DEPARTMENT

    def can_see_ranking_entry(self, entry) -> bool:
        """The details behind a rank (indicator values, group scores, rank band) are for the
        officials who see the enterprise anyway and for the enterprise itself; the public and
        banks see the published list (rank, name, score) only."""
        if not entry.ranking.is_published and not self.can_see_ranking_drafts:
            return False
        return self.can_see_enterprises and self.can_see_enterprise(entry.enterprise)

    def require(self, allowed: bool):
        if not allowed:
            raise PermissionDenied


def actor(request) -> Actor:
    cached = getattr(request, "_eco311_actor", None)
    if cached is None:
        cached = request._eco311_actor = Actor.of(request.user)
    return cached


def get_target_for_user(request, plan_key: str, target_key: str):
    """The target and what the user may do with it: (target, can_see_details, can_report)."""
    from eco311.plans.models import Target

    target = (
        Target.objects.select_related("plan", "task__section", "scope")
        .prefetch_related("unit_links__unit")
        .filter(plan__key=plan_key, key=target_key)
        .first()
    )
    if target is None:
        raise Http404
    a = actor(request)
    return target, a.can_see_details(target), a.can_report(target)


def get_enterprise_for_user(request, uscc: str):
    """An enterprise the user may see, or 403 (role never sees enterprises) / 404 (not in scope).

    A bank, the public and an enterprise user without an enterprise get 403: the page exists but
    is not for them. For the other roles an enterprise outside their scope answers 404, like one
    that does not exist, so that the registry does not reveal who is in it.
    """
    from eco311.enterprises.models import Enterprise

    a = actor(request)
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


def get_report_for_user(request, report_id: int):
    """A progress report the user may see (its target must be in scope), or 404."""
    from eco311.plans.models import ProgressReport

    report = (
        ProgressReport.objects.select_related("target__plan", "target__scope")
        .prefetch_related("target__unit_links")
        .filter(pk=report_id)
        .first()
    )
    if report is None or not actor(request).can_see_details(report.target):
        raise Http404
    return report


def get_ranking_for_user(request, ranking_id: int):
    """A ranking list the user may see, or 404 (never 403).

    A published list is for everyone, the anonymous public included. A list that is not
    published (in progress, a draft, failed or discarded) is only for
    Actor.can_see_ranking_drafts (the administrator and the provincial departments); for anyone
    else it answers 404, like a list that does not exist, so that unpublished runs stay unseen.
    """
    from eco311.ranking.models import RankingList

    ranking = RankingList.objects.select_related("job").filter(pk=ranking_id).first()
    if ranking is None or not (ranking.is_published or actor(request).can_see_ranking_drafts):
        raise Http404
    return ranking


def get_entry_for_user(request, ranking, uscc: str):
    """An entry of ``ranking`` whose details the user may see, or 403 / 404 as for enterprises.

    A role that never sees enterprises (a bank, the public, an enterprise user without an
    enterprise) gets 403: the page exists but is not for them. For the other roles an entry
    outside their scope (Actor.can_see_ranking_entry) answers 404, like one that does not exist.
    ``ranking`` comes from get_ranking_for_user.
    """
    a = actor(request)
    if not a.can_see_enterprises:
        raise PermissionDenied
    entry = ranking.entries.select_related("enterprise").filter(uscc=uscc.upper()).first()
    if entry is None or not a.can_see_ranking_entry(entry):
        raise Http404
    return entry
