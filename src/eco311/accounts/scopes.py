"""Row-level access in one place: the Actor holds every access rule.

Every view and API call asks an Actor what the user may see or do; nothing relies on hiding
links. Loading an object by its key for a user (with its 403 or 404) is accounts/lookups.py. The rules (see docs/adr/0003-roles-and-scopes.md):

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

from eco311.accounts.models import Role

OFFICIAL_ROLES = (Role.ADMIN, Role.DEPARTMENT, Role.CITY, Role.PARK)

#: AnnualReturn.Status.DRAFT: an online return the enterprise has not submitted yet.
DRAFT_RETURN = "draft"


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
            # Named in the plan, or assigned by the plan owner to the target or to its task.
            from eco311.supervision.responsibility import targets_of_unit_q

            return targets_of_unit_q(self.unit_id, prefix)
        if self.role in (Role.CITY, Role.PARK) and self.area_ids:
            return Q(**{f"{prefix}scope_id__in": self.area_ids})
        return Q(pk__in=[])

    def in_scope(self, target) -> bool:
        if self.is_admin:
            return True
        if self.role == Role.DEPARTMENT:
            if any(link.unit_id == self.unit_id for link in target.unit_links.all()):
                return True
            return self.unit_id is not None and self._assigned(target)
        if self.role in (Role.CITY, Role.PARK):
            return target.scope_id in self.area_ids
        return False

    def _assigned(self, target) -> bool:
        """The plan owner assigned this department's unit to the target or to its task."""
        from eco311.supervision.responsibility import targets_of_unit_q

        return type(target).objects.filter(targets_of_unit_q(self.unit_id), pk=target.pk).exists()

    def scoped_targets(self, qs):
        return qs.filter(self.scope_q()).distinct() if not self.is_admin else qs

    def can_see_details(self, target) -> bool:
        return self.in_scope(target)

    def can_report(self, target) -> bool:
        return self.is_official and self.in_scope(target)

    def can_review(self, target) -> bool:
        return self.is_admin

    def can_decide(self, report) -> bool:
        """May approve or return this submission: a reviewer of its target who did not submit
        it himself (four eyes; plans/workflow.py refuses it too)."""
        own = self.user is not None and report.submitted_by_id == self.user.pk
        return self.can_review(report.target) and not own

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

    def can_place(self, enterprise) -> bool:
        """May confirm or correct the chain nodes an enterprise is on: the administrator (the
        plan owner) for any enterprise, a city bureau for its city's enterprises and a park
        committee for its park's. The provincial departments read placements but never decide;
        the enterprise itself declares its nodes through the survey, it does not confirm them."""
        if self.is_admin:
            return True
        if self.role == Role.CITY:
            return self.area_id is not None and enterprise.city_id == self.area_id
        if self.role == Role.PARK:
            return self.area_id is not None and enterprise.park_id == self.area_id
        return False

    def sees_small_counts(self, area) -> bool:
        """May see an indicator value of ``area`` (an Area, or None for an unknown scope) that
        is built from fewer than settings.ECO311_MIN_PUBLIC_ENTERPRISES enterprises: such a
        value can disclose one firm's figures, so only the officials whose scope covers the
        area see it (the administrator and departments everywhere, a city bureau its city and
        the parks in it, a park committee its park); the public, banks and enterprises see "—".
        """
        if self.role in (Role.ADMIN, Role.DEPARTMENT):
            return True
        if self.role in (Role.CITY, Role.PARK) and area is not None:
            return area.pk in self.area_ids
        return False

    def withheld_targets(self, targets) -> set[int]:
        """Ids of the targets whose values this actor must not see: a source (the survey)
        builds one of them from fewer than settings.ECO311_MIN_PUBLIC_ENTERPRISES enterprises,
        and the target's area is not one whose small counts this actor may see. The badge
        stays (it is computed); the figures, the chart and the forecast are "—"."""
        from eco311.enterprises.kpi_data import min_enterprises
        from eco311.plans.sources import fewest_enterprises

        targets = list(targets)
        few = {tid for tid, n in fewest_enterprises(targets).items() if n < min_enterprises()}
        return {t.id for t in targets if t.id in few and not self.sees_small_counts(t.scope)}

    # -- the chain map: placements and the official 链主 tag (chains/) ----------------------

    @property
    def can_see_chain_enterprises(self) -> bool:
        """May see which enterprises sit on a chain node, their placements and the computed
        chain-leader scores: the officials, and of those only the enterprises in their scope
        (enterprises_q); banks, enterprise users and the public get the chains' aggregates."""
        return self.is_official and self.can_see_enterprises

    @property
    def can_tag_chain_leaders(self) -> bool:
        """Only the plan owner (the province administrator) grants and revokes the official
        chain-leader (链主) tag: the score proposes candidates, the tag is a decision."""
        return self.is_admin

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
        bureau (by the enterprise's registered city), none for anyone else. Never a draft:
        an unsubmitted return is the enterprise's alone, the administrator's view included."""
        not_draft = ~Q(**{f"{prefix}status": DRAFT_RETURN})
        if self.is_admin:
            return not_draft
        if self.role == Role.CITY and self.area_id:
            return Q(**{f"{prefix}enterprise__city_id": self.area_id}) & not_draft
        return Q(pk__in=[])

    def can_review_return(self, annual_return) -> bool:
        """May approve or return this return: the administrator, or the bureau of the city
        the enterprise is registered in; nobody while it is an unsubmitted draft."""
        if annual_return.status == DRAFT_RETURN:
            return False
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

    # -- the supervision loop (督办) ----------------------------------------------------------

    @property
    def can_assign(self) -> bool:
        """Only the plan owner (the administrator) assigns lead and assisting units: who answers
        for a target decides whom the reminders reach and who may report."""
        return self.is_admin

    def can_set_contacts(self, target) -> bool:
        """The administrator names contacts for any target; a department for the targets it
        answers for; a city bureau or park committee for the targets of its own area."""
        if self.is_admin:
            return True
        if self.role in (Role.DEPARTMENT, Role.CITY, Role.PARK):
            return self.in_scope(target)
        return False

    def can_set_contact_for(self, target, *, unit_id=None, area_id=None) -> bool:
        """Whose contact person this actor names on ``target``: the administrator any party's;
        a department only its own unit's; a city bureau or park committee only its own area's
        (supervision/assign.py checks that the party answers for the target)."""
        if not self.can_set_contacts(target):
            return False
        if self.is_admin:
            return True
        if self.role == Role.DEPARTMENT:
            return area_id is None and unit_id is not None and unit_id == self.unit_id
        return unit_id is None and area_id is not None and area_id == self.area_id

    @property
    def can_see_contacts(self) -> bool:
        """Contact persons (name, post, phone, e-mail) are for signed-in officials: the public
        sees which units answer for a target, not whom to call."""
        return self.is_official

    def can_remind(self, target) -> bool:
        """The plan owner reminds on any target; a city bureau on the targets of its city (and
        of the clusters and parks in it). Departments, parks and others answer reminders."""
        if self.is_admin:
            return True
        return self.role == Role.CITY and self.in_scope(target)

    @property
    def can_remind_returns(self) -> bool:
        """Reminding enterprises of their annual return: whoever reviews returns."""
        return self.can_review_returns

    def can_remind_party(self, *, unit_id=None, area_id=None) -> bool:
        """Whom this actor may remind (on a target it may remind on): the plan owner any unit or
        area office; a city bureau the offices of the parks and clusters in its city, never
        itself nor a provincial department (those answer to the plan owner)."""
        if self.is_admin:
            return True
        if self.role == Role.CITY and self.area_id is not None:
            return unit_id is None and area_id in self.area_ids and area_id != self.area_id
        return False

    @property
    def sends_reminders(self) -> bool:
        """Sends reminders at all: the plan owner, and a city bureau for its own scope. Lists of
        the actor's own scope (the warnings page) offer "send a reminder" on every row."""
        return self.is_admin or (self.role == Role.CITY and self.area_id is not None)

    @property
    def can_see_reminders(self) -> bool:
        """Opens the reminders page: officials (what their party received; the plan owner and
        city bureaus also what they sent) and enterprise users (annual-return reminders)."""
        return self.is_official or (self.role == Role.ENTERPRISE and self.enterprise_id is not None)

    def reminders_q(self, prefix: str = "") -> Q:
        """A filter on reminders (or rows reached through ``prefix``) addressed to this actor:
        its unit, its area, or its enterprise. The administrator's account belongs to the plan
        owner's department (山东省生态环境厅), which itself leads many targets: reminders to
        that unit are his too."""
        if self.role in (Role.DEPARTMENT, Role.ADMIN) and self.unit_id:
            return Q(**{f"{prefix}unit_id": self.unit_id})
        if self.role in (Role.CITY, Role.PARK) and self.area_id:
            return Q(**{f"{prefix}area_id": self.area_id})
        if self.role == Role.ENTERPRISE and self.enterprise_id:
            return Q(**{f"{prefix}enterprise_id": self.enterprise_id})
        return Q(pk__in=[])

    def sent_reminders_q(self, prefix: str = "") -> Q:
        """Reminders this actor may follow as the sender's side: all for the administrator; for
        a city bureau those about its own targets and its city's enterprises."""
        if self.is_admin:
            # Not Q(): an empty Q vanishes when OR-ed ("received | sent" would be "received").
            return Q(**{f"{prefix}pk__isnull": False})
        if self.role == Role.CITY and self.area_id:
            return Q(**{f"{prefix}target__scope_id__in": self.area_ids}) | Q(
                **{f"{prefix}enterprise__city_id": self.area_id}
            )
        return Q(pk__in=[])

    def can_see_reminder(self, reminder) -> bool:
        return self.is_admin or self.is_addressee(reminder) or self._follows(reminder)

    def is_addressee(self, reminder) -> bool:
        if self.role in (Role.DEPARTMENT, Role.ADMIN):
            return self.unit_id is not None and reminder.unit_id == self.unit_id
        if self.role in (Role.CITY, Role.PARK):
            return self.area_id is not None and reminder.area_id == self.area_id
        if self.role == Role.ENTERPRISE:
            return self.enterprise_id is not None and reminder.enterprise_id == self.enterprise_id
        return False

    def _follows(self, reminder) -> bool:
        if self.role != Role.CITY or self.area_id is None:
            return False
        if reminder.target_id is not None:
            return reminder.target.scope_id in self.area_ids
        return reminder.enterprise_id is not None and reminder.enterprise.city_id == self.area_id

    def can_answer_reminder(self, reminder) -> bool:
        """The addressed party acknowledges and answers; nobody answers a closed reminder."""
        return self.is_addressee(reminder) and reminder.status != "closed"

    @property
    def owes_reports(self) -> bool:
        """Progress reports are owed by the departments, city bureaus and park committees that
        answer for targets (the inbox lists what is due); the plan owner reviews them: he may
        file one, but none is due from him."""
        return self.role in (Role.DEPARTMENT, Role.CITY, Role.PARK)

    def party_reports_q(self, prefix: str = "") -> Q:
        """A filter on progress reports (or rows reached through ``prefix``) submitted by this
        actor's party: any user of its department, city bureau or park committee (a colleague's
        returned report is the party's to correct); for anyone else, by the user himself."""
        by = f"{prefix}submitted_by__membership__"
        if self.role == Role.DEPARTMENT and self.unit_id:
            return Q(**{f"{by}role": self.role, f"{by}unit_id": self.unit_id})
        if self.role in (Role.CITY, Role.PARK) and self.area_id:
            return Q(**{f"{by}role": self.role, f"{by}area_id": self.area_id})
        if self.user is not None:
            return Q(**{f"{prefix}submitted_by": self.user})
        return Q(pk__in=[])

    @property
    def can_publish_notices(self) -> bool:
        """Notices (通知公告) go out under the plan owner's name: the administrator only."""
        return self.is_admin

    def notices_q(self, prefix: str = "") -> Q:
        """Published, not withdrawn notices this actor may read: public ones for everyone;
        "all accounts" ones for any signed-in user; chosen ones for the parties named."""
        live = Q(**{f"{prefix}published_on__isnull": False}) & Q(
            **{f"{prefix}withdrawn_on__isnull": True}
        )
        if self.is_admin:
            return live
        if self.role is None and self.user is None:
            return live & Q(**{f"{prefix}audience": "public"})
        mine = Q(**{f"{prefix}audience__in": ["public", "all"]})
        r = f"{prefix}recipients__"
        if self.role == Role.DEPARTMENT and self.unit_id:
            mine |= Q(**{f"{r}unit_id": self.unit_id})
        elif self.role in (Role.CITY, Role.PARK) and self.area_id:
            mine |= Q(**{f"{r}area_id": self.area_id})
        elif self.role == Role.ENTERPRISE and self.enterprise_id:
            mine |= Q(**{f"{r}enterprise_id": self.enterprise_id})
        return live & mine

    # -- the evaluation report as an official document --------------------------------------

    @property
    def can_draft_evaluations(self) -> bool:
        """The plan owner (the administrator, for the provincial Department of Ecology and
        Environment) drafts, edits and issues the evaluation report under its own number."""
        return self.is_admin

    @property
    def can_read_evaluations(self) -> bool:
        """Issued evaluation reports are for the administrator and the provincial departments
        (the responsible units the report judges); drafts are the plan owner's alone."""
        return self.role in (Role.ADMIN, Role.DEPARTMENT)

    def evaluations_q(self, prefix: str = "") -> Q:
        """A filter on evaluation reports this actor may open: every draft and issued report for
        the plan owner; the issued ones for the departments; none for anyone else."""
        if self.can_draft_evaluations:
            return Q()
        if self.can_read_evaluations:
            return Q(**{f"{prefix}issued_at__isnull": False})
        return Q(pk__in=[])

    # -- the chain-map analysis (优势产业链图谱分析) as an official document -----------------

    @property
    def can_issue_chain_reports(self) -> bool:
        """The plan owner (the administrator, for the provincial Department of Ecology and
        Environment, which section 四(二)1 makes responsible) issues the chain-map analysis
        under its own number; issuing files it as the evidence of target 4-2-1-a."""
        return self.is_admin

    @property
    def can_read_chain_reports(self) -> bool:
        """The issued analyses and the current drafts are for the administrator and the
        provincial departments: the document names enterprises and figures of the whole
        province, built from any number of enterprises, which only officials whose scope is
        the province may see (sees_all_enterprises, sees_small_counts)."""
        return self.sees_all_enterprises

    # -- accounts ----------------------------------------------------------------------------

    @property
    def can_manage_accounts(self) -> bool:
        """Only the province administrator creates, deactivates and reactivates accounts and
        sets their passwords: an account's role and scope decide what its user sees."""
        return self.is_admin

    def require(self, allowed: bool):
        if not allowed:
            raise PermissionDenied


def actor(request) -> Actor:
    cached = getattr(request, "_eco311_actor", None)
    if cached is None:
        cached = request._eco311_actor = Actor.of(request.user)
    return cached
