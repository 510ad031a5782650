"""The Top-100 pages: the lists, a run's progress, a draft's review, a published list, an
enterprise's profile in a list, the methodology page and the exports (issue 4, part 5).

Who sees what is the Actor's decision (accounts/scopes.py): everyone sees published lists; the
administrator and the provincial departments also see runs in progress, drafts and failed or
discarded runs; the numbers behind a rank are for the officials who see the enterprise and for
the enterprise itself. Only the administrator starts, publishes and discards (ranking/service.py
checks that again).

The views only look up, authorise and render: what a page shows is built in ranking/pages.py,
the workbook and the PDF in ranking/exports.py, both from what the list stored (its entries and
its methodology snapshot), never from the current methodology file, so a published page cannot
change.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eco311.accounts.lookups import get_entry_for_user, get_ranking_for_user
from eco311.accounts.scopes import actor
from eco311.ranking import service
from eco311.ranking.exports import filename, list_pdf, list_workbook
from eco311.ranking.forms import StartForm
from eco311.ranking.models import RankingList
from eco311.ranking.pages import (
    city_names,
    default_samples,
    exclusions,
    methodology_context,
    methodology_of,
    profile,
    review,
    run_state,
    top_list,
)
from eco311.web.views.survey import xlsx_response

# ---------------------------------------------------------------------------------------------
# The lists
# ---------------------------------------------------------------------------------------------


def _lists_context(request, form: StartForm | None = None) -> dict[str, Any]:
    a = actor(request)
    lists = RankingList.objects.select_related("job")
    if not a.can_see_ranking_drafts:
        lists = lists.filter(status=RankingList.Status.PUBLISHED)
    lists = list(lists.order_by("-year", "-created_on"))
    if a.can_run_rankings and form is None:
        years = service.survey_years()
        initial = {"year": years[0] if years else None, "samples": default_samples()}
        form = StartForm(years=years, initial=initial)
    return {
        "published": [r for r in lists if r.is_published],
        "others": [(r, run_state(r)) for r in lists if not r.is_published],
        "can_see_drafts": a.can_see_ranking_drafts,
        "form": form if a.can_run_rankings else None,
        "has_years": form is not None and bool(form.fields["year"].choices),
    }


def ranking_list(request):
    """Published lists for everyone; drafts and runs for their reviewers; the start form for
    the administrator."""
    return render(request, "web/ranking_list.html", _lists_context(request))


@require_POST
def ranking_start(request):
    """Start a year's ranking: the list is created and its job queued (administrator only)."""
    a = actor(request)
    if not a.can_run_rankings:
        raise PermissionDenied
    form = StartForm(request.POST, years=service.survey_years())
    if form.is_valid():
        try:
            ranking = service.start(
                year=form.cleaned_data["year"],
                actor=a,
                top_n=form.cleaned_data["top_n"],
                samples=form.cleaned_data["samples"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("ranking", ranking.pk)
    return render(request, "web/ranking_list.html", _lists_context(request, form), status=400)


# ---------------------------------------------------------------------------------------------
# One list
# ---------------------------------------------------------------------------------------------


def ranking_detail(request, ranking_id: int):
    """A run in progress (with its progress bar), a draft for review, or a published list."""
    ranking = get_ranking_for_user(request, ranking_id)
    a = actor(request)
    state = run_state(ranking)
    context: dict[str, Any] = {
        "ranking": ranking,
        "run": state,
        "can_run": a.can_run_rankings,
        "can_review": a.can_see_ranking_drafts,
    }
    if ranking.status in (
        RankingList.Status.DRAFT,
        RankingList.Status.PUBLISHED,
        RankingList.Status.DISCARDED,
    ):
        m = methodology_of(ranking.methodology_text)
        context.update(
            top=top_list(ranking, m, a),
            excluded=exclusions(ranking),
            not_ranked=ranking.entries.filter(rank__isnull=True).count(),
            n_entries=ranking.entries.count(),
            ranked=ranking.entries.filter(rank__isnull=False).count(),
        )
        if a.can_see_ranking_drafts:
            context["review"] = review(ranking, m)
    return render(request, "web/ranking_detail.html", context)


def ranking_progress(request, ranking_id: int):
    """The progress bar alone, polled by the page every second while the run is computing.

    Once the run has finished the fragment no longer polls, and an htmx request is answered
    with HX-Refresh so that the page reloads and shows the draft (or the failure)."""
    ranking = get_ranking_for_user(request, ranking_id)
    state = run_state(ranking)
    response = render(request, "web/ranking_progress.html", {"ranking": ranking, "run": state})
    if state.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
def ranking_publish(request, ranking_id: int):
    """Publish a draft as the year's next version (administrator only; final)."""
    a = actor(request)
    if not a.can_run_rankings:
        raise PermissionDenied
    ranking = get_ranking_for_user(a, ranking_id)
    if request.POST.get("confirm") != "yes":
        # The checkbox is required in the form; a post without it (no browser check) is refused.
        messages.error(request, _("Tick the confirmation to publish: a published list is final."))
        return redirect("ranking", ranking_id)
    try:
        ranking = service.publish(ranking, actor=a)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Published as version %(version)s of %(year)s.")
            % {"version": ranking.version, "year": ranking.year},
        )
    return redirect("ranking", ranking_id)


@require_POST
def ranking_discard(request, ranking_id: int):
    """Set a draft or a failed run aside (administrator only); it stays on record."""
    a = actor(request)
    if not a.can_run_rankings:
        raise PermissionDenied
    ranking = get_ranking_for_user(a, ranking_id)
    try:
        service.discard(ranking, actor=a)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The run was discarded; it stays on record."))
    return redirect("ranking", ranking_id)


# ---------------------------------------------------------------------------------------------
# An enterprise's profile in a list
# ---------------------------------------------------------------------------------------------


def ranking_entry(request, ranking_id: int, uscc: str):
    """One enterprise in one list: the numbers behind its rank, or why it is not ranked."""
    ranking = get_ranking_for_user(request, ranking_id)
    entry = get_entry_for_user(request, ranking, uscc)
    m = methodology_of(ranking.methodology_text)
    context = {
        "ranking": ranking,
        "entry": entry,
        "city": city_names().get(entry.city_code, entry.city_code),
        "ranked": ranking.entries.filter(rank__isnull=False).count(),
        "has_previous_list": RankingList.objects.filter(
            year=ranking.year - 1, status=RankingList.Status.PUBLISHED
        ).exists(),
    }
    if entry.eligible and entry.score is not None:
        context.update(profile(ranking, entry, m))
    return render(request, "web/ranking_entry.html", context)


# ---------------------------------------------------------------------------------------------
# The methodology page
# ---------------------------------------------------------------------------------------------


def methodology_current(request):
    """The methodology file that the next run will use."""
    text = service.methodology_text()
    context = methodology_context(methodology_of(text), text)
    context["ranking"] = None
    return render(request, "web/ranking_methodology.html", context)


def methodology_snapshot(request, ranking_id: int):
    """The methodology a list was computed with, as the list stored it."""
    ranking = get_ranking_for_user(request, ranking_id)
    context = methodology_context(
        methodology_of(ranking.methodology_text), ranking.methodology_text
    )
    context["ranking"] = ranking
    context["current_sha256"] = hashlib.sha256(service.methodology_text().encode()).hexdigest()
    return render(request, "web/ranking_methodology.html", context)


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------


def _exportable(request, ranking_id: int) -> RankingList:
    """A list with entries to export (a run in progress or a failed run has none)."""
    ranking = get_ranking_for_user(request, ranking_id)
    if ranking.status in (RankingList.Status.COMPUTING, RankingList.Status.FAILED):
        raise Http404
    return ranking


def ranking_xlsx(request, ranking_id: int) -> HttpResponse:
    """The list as Excel: the top N for everyone; and, on a second sheet, every entry the
    user may see in detail (all of them for the administrator and the departments, the
    enterprises in scope for a city or a park, its own for an enterprise) with its values."""
    ranking = _exportable(request, ranking_id)
    a = actor(request)
    m = methodology_of(ranking.methodology_text)
    detailed = []
    if a.can_see_enterprises:
        entries = ranking.entries.select_related("enterprise").order_by("rank", "uscc")
        detailed = [e for e in entries if a.can_see_ranking_entry(e)]
    body = list_workbook(ranking, m, top_list(ranking, m, a), detailed, user=request.user)
    return xlsx_response(body, filename(ranking, "xlsx"))


def ranking_pdf(request, ranking_id: int) -> HttpResponse:
    """The top N as a printable PDF (ranking/exports.py), for whoever may see the list."""
    ranking = _exportable(request, ranking_id)
    m = methodology_of(ranking.methodology_text)
    top = top_list(ranking, m, actor(request))
    body = list_pdf(ranking, top, exclusions(ranking), request=request)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(ranking, "pdf")}"'
    return response
