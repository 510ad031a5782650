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
  administrator and the provincial departments.
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
        return cls(user=user, role=m.role, unit_id=m.unit_id, area_id=m.area_id, area_ids=area_ids)

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
