"""Annual returns online: an enterprise fills in its own, the city bureau reviews its city's.

The rules are in enterprises/returns.py and the Actor (accounts/scopes.py); these views load,
ask, and render. Every action is a POST with the CSRF token.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from eco311.accounts.scopes import actor
from eco311.enterprises import returns
from eco311.enterprises.directory import lang
from eco311.enterprises.forms import ReturnForm, ReturnReviewForm
from eco311.enterprises.models import AnnualReturn, Enterprise
from eco311.enterprises.survey.dictionary import load_dictionary

PAGE_SIZE = 50


def _year(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _my_return_url(year: int) -> str:
    return f"{reverse('my_return')}?year={year}"


# -- the enterprise ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_return(request):
    """The enterprise's own return for a survey year: fill in, save a draft, submit, correct."""
    a = actor(request)
    if not a.can_file_returns:
        raise PermissionDenied
    enterprise = Enterprise.objects.select_related("city", "park", "industry").get(
        pk=a.enterprise_id
    )
    source = request.POST if request.method == "POST" else request.GET
    year = _year(source.get("year")) or returns.survey_year()
    try:
        returns.check_year(year)
    except ValidationError:
        raise Http404 from None
    language = lang()
    status = 200
    warnings = []
    if request.method == "POST":
        form = ReturnForm(request.POST, language=language)
        form.is_valid()  # text fields only: the survey validator does the checking
        submitting = request.POST.get("action") == "submit"
        try:
            if submitting:
                saved = returns.submit(a, enterprise, year, form.raw())
            else:
                saved = returns.save_draft(a, enterprise, year, form.raw())
        except returns.ReturnInvalid as exc:
            for key, problems in exc.message_dict.items():
                form.add_error(None if key == NON_FIELD_ERRORS else key, problems)
            warnings = exc.cell_warnings
            status = 400
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            status = 400
        else:
            for w in saved.warnings:
                messages.warning(request, returns.message(w, language))
            if submitting:
                messages.success(request, _("Your return has been submitted for review."))
            elif saved.changed:
                messages.success(request, _("Draft saved. It is not submitted yet."))
            else:
                messages.info(request, _("Nothing has changed since the last save."))
            return redirect(_my_return_url(year))
    else:
        form = ReturnForm(
            initial=returns.form_values(returns.current(enterprise, year)), language=language
        )
    annual_return = returns.current(enterprise, year)
    state = annual_return.status if annual_return else None
    context = {
        "enterprise": enterprise,
        "year": year,
        "years": returns.years_for(enterprise),
        "annual_return": annual_return,
        "form": form,
        "groups": form.groups(load_dictionary(), language),
        "registry_label": load_dictionary().group("registry").label.get(language),
        "warnings": [returns.message(w, language) for w in warnings],
        "decision": returns.latest_decision(annual_return),
        "can_save_draft": state in (None, AnnualReturn.Status.DRAFT, AnnualReturn.Status.RETURNED),
        "correcting": state in (AnnualReturn.Status.SUBMITTED, AnnualReturn.Status.APPROVED),
        "history": returns.history(annual_return) if annual_return else [],
    }
    return render(request, "web/return_form.html", context, status=status)


# -- the city bureau --------------------------------------------------------------------------


@login_required
def returns_queue(request):
    """The returns the user may review: its city's (all, for the administrator), filtered."""
    a = actor(request)
    if not a.can_review_returns:
        raise PermissionDenied
    status = request.GET.get("status", AnnualReturn.Status.SUBMITTED)
    if status not in AnnualReturn.Status.values:
        status = ""  # "all"
    year = _year(request.GET.get("year"))
    q = (request.GET.get("q") or "").strip()[:100]
    found = returns.for_review(a, status=status, year=year, q=q).order_by(
        "year", "enterprise__name", "pk"
    )
    if status == AnnualReturn.Status.SUBMITTED:
        found = found.order_by("modified_on", "pk")  # oldest waiting first
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    changes = returns.comparisons(rows)
    query = request.GET.copy()
    query.pop("page", None)
    scoped = AnnualReturn.objects.filter(a.returns_to_review_q())
    context = {
        "page": page,
        "rows": [(r, changes[r.pk]) for r in rows],
        "status": status,
        "year": year,
        "q": q,
        "query": query.urlencode(),
        "statuses": AnnualReturn.Status.choices,
        "years": sorted(
            set(scoped.order_by().values_list("year", flat=True).distinct()), reverse=True
        ),
        "waiting": scoped.filter(status=AnnualReturn.Status.SUBMITTED).count(),
        "is_admin": a.is_admin,
    }
    return render(request, "web/return_queue.html", context)


def _return_for_review(request, uscc: str, year: int) -> AnnualReturn:
    """A return the user may review, or 403 (not a reviewer) / 404 (none, or not in scope)."""
    a = actor(request)
    if not a.can_review_returns:
        raise PermissionDenied
    found = (
        AnnualReturn.objects.filter(a.returns_to_review_q())
        .select_related("enterprise__city", "enterprise__park", "enterprise__industry")
        .filter(enterprise__uscc=uscc.upper(), year=year)
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
def return_review(request, uscc, year):
    """One return as the reviewer sees it: the figures, what changed, its history, a decision."""
    annual_return = _return_for_review(request, uscc, year)
    comparison = returns.comparisons([annual_return])[annual_return.pk]
    context = {
        "annual_return": annual_return,
        "enterprise": annual_return.enterprise,
        "comparison": comparison,
        "groups": _grouped(comparison),
        "events": annual_return.events.select_related("by").order_by("-on", "-pk"),
        "history": returns.history(annual_return),
        "form": ReturnReviewForm()
        if annual_return.status == AnnualReturn.Status.SUBMITTED
        else None,
    }
    return render(request, "web/return_review.html", context)


def _grouped(comparison):
    """The comparison's rows by dictionary group: (group label, rows)."""
    language = lang()
    d = load_dictionary()
    groups = []
    for g in d.groups:
        rows = [r for r in comparison.rows if r.spec.group == g.key]
        if rows:
            groups.append((g.label.get(language), rows))
    return groups


@login_required
@require_POST
def review_return(request, uscc, year):
    """Approve a submitted return, or send it back with a comment."""
    annual_return = _return_for_review(request, uscc, year)
    a = actor(request)
    form = ReturnReviewForm(request.POST)
    if not form.is_valid():
        problems = [m for errors in form.errors.values() for m in errors]
        messages.error(request, " ".join(problems))
        return redirect("return_review", uscc=annual_return.enterprise.uscc, year=year)
    comment = form.cleaned_data["comment"]
    try:
        if form.cleaned_data["action"] == "approve":
            returns.approve(a, annual_return, comment)
            messages.success(
                request,
                _("The %(year)s return of %(name)s is approved.")
                % {"year": year, "name": annual_return.enterprise.name},
            )
        else:
            returns.return_to_enterprise(a, annual_return, comment)
            messages.success(
                request,
                _("The %(year)s return of %(name)s is sent back to the enterprise.")
                % {"year": year, "name": annual_return.enterprise.name},
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("return_review", uscc=annual_return.enterprise.uscc, year=year)
    return redirect("returns_queue")
