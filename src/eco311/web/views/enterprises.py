"""Enterprise pages: the directory and one enterprise's profile, limited by the user's scope."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from eco311.accounts.lookups import enterprises_for_user, get_enterprise_for_user
from eco311.accounts.scopes import actor
from eco311.enterprises import directory
from eco311.geo.models import county_of


def enterprise_list(request):
    a = actor(request)
    if not a.can_see_enterprises:
        raise PermissionDenied
    scoped = enterprises_for_user(a)
    filters = directory.Filters.from_query(request.GET)
    found = directory.search(scoped, filters)
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
    }
    return render(request, "web/enterprise_list.html", context)


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
    }
    return render(request, "web/enterprise_detail.html", context)
