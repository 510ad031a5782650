"""The to-do inbox (待办): what the user has to act on, grouped by kind (supervision/inbox.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from eco311.accounts.scopes import actor
from eco311.plans import display
from eco311.supervision import inbox as service
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response


@login_required
def inbox(request):
    """Every item of the signed-in user's inbox, as of the evaluation date (today unless the
    page is asked for another), each linking to where it is acted on."""
    a = actor(request)
    as_of = display.as_of_from(request)
    items = service.items_for(a, as_of)
    if wants_xlsx(request):
        site = request.build_absolute_uri("/").rstrip("/")
        return xlsx_response(
            request,
            title=_("To-do inbox"),
            columns=[
                Column(_("Kind"), lambda i: i.kind_label),
                Column(_("Item"), lambda i: i.title),
                Column(_("Details"), lambda i: i.detail),
                Column(_("Since"), lambda i: i.since, kind="date"),
                Column(_("Due"), lambda i: i.due, kind="date"),
                Column(_("Number"), lambda i: i.count, kind="int"),
                Column(_("Address"), lambda i: site + i.url),
            ],
            rows=items,
            filename="inbox.xlsx",
            as_of=as_of,
        )
    groups = service.grouped(items)
    return render(
        request,
        "web/inbox.html",
        {
            "groups": groups,
            "total": sum(g[2] for g in groups),
            "as_of": as_of,
            "export_query": export_query(request),
        },
    )
