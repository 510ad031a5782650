"""Enterprise pages: the directory and one enterprise's profile, limited by the user's scope."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eco311.accounts.lookups import enterprises_for_user, get_enterprise_for_user
from eco311.accounts.scopes import actor
from eco311.chains import placements
from eco311.enterprises import directory
from eco311.geo.models import county_of
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response
from eco311.web.views.chain_placements import describe as describe_placements

PLACEMENT_CHOICES = (
    ("proposed", gettext_lazy("Chain nodes proposed, to confirm")),
    ("decided", gettext_lazy("Chain nodes decided")),
    ("unplaced", gettext_lazy("On no chain node")),
)


def enterprise_list(request):
    a = actor(request)
    if not a.can_see_enterprises:
        raise PermissionDenied
    scoped = enterprises_for_user(a)
    filters = directory.Filters.from_query(request.GET)
    found = directory.search(scoped, filters)
    # Officials find the enterprises whose chain nodes await a decision (chains/placements.py).
    placement = request.GET.get("placement", "")
    if placement not in placements.STATES or not a.can_see_chain_enterprises:
        placement = ""
    if placement:
        found = placements.in_state(found, placement)
    if wants_xlsx(request):
        return _directory_xlsx(request, directory.for_listing(found))
    page = Paginator(directory.for_listing(found), directory.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "total": scoped.count(),
        "choices": directory.filter_choices(scoped),
        "sees_all": a.sees_all_enterprises,
        "export_query": export_query(request),
        "placement": placement,
        "placement_choices": PLACEMENT_CHOICES if a.can_see_chain_enterprises else (),
    }
    return render(request, "web/enterprise_list.html", context)


def _directory_xlsx(request, listing):
    """The directory as Excel: every enterprise in the user's scope the filters keep."""
    columns = [
        Column(_("Enterprise"), lambda e: e.name),
        Column(_("Unified social credit code"), lambda e: e.uscc),
        Column(_("City"), lambda e: e.city.short_name if e.city else ""),
        Column(_("Park"), lambda e: e.park.short_name if e.park else ""),
        Column(_("Segment"), lambda e: e.get_segment_display()),
        Column(_("Industry code"), lambda e: e.industry.code if e.industry else ""),
        Column(_("Industry"), lambda e: e.industry.name if e.industry else ""),
        Column(
            _("Tags held"), lambda e: "、".join(str(t.get_kind_display()) for t in e.active_tags)
        ),
        Column(_("Latest return"), lambda e: e.latest_year, kind="int"),
    ]
    return xlsx_response(
        request,
        title=_("Enterprise directory"),
        columns=columns,
        rows=listing,
        filename="enterprises.xlsx",
    )


def enterprise_detail(request, uscc):
    enterprise = get_enterprise_for_user(request, uscc)
    drafts = actor(request).sees_draft_returns_of(enterprise)
    context = {
        "enterprise": enterprise,
        "county": county_of(enterprise.county_code),
        "former_names": enterprise.former_names.all(),
        "tags": directory.tags_of(enterprise),
        "returns": directory.returns_by_year(enterprise, drafts=drafts),
        "history": directory.history(enterprise, drafts=drafts),
        # The chain nodes it is on (chains/placements.py's rule), and whether the user decides.
        "chain_nodes": describe_placements(placements.effective_rows(enterprise)),
        "can_place": actor(request).can_place(enterprise),
    }
    return render(request, "web/enterprise_detail.html", context)
