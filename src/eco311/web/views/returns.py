"""Annual returns online: an enterprise fills in its own, the city bureau reviews its city's.

The rules are in enterprises/returns.py and the Actor (accounts/scopes.py); these views load,
ask, and render. Every action is a POST with the CSRF token.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from eco311.accounts.lookups import (
    get_own_enterprise_for_user,
    get_return_for_user,
    returns_to_review_for_user,
)
from eco311.accounts.scopes import actor
from eco311.enterprises import returns
from eco311.enterprises.directory import lang, return_fields
from eco311.enterprises.forms import ReturnForm, ReturnReviewForm
from eco311.enterprises.models import AnnualReturn
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response

PAGE_SIZE = 50


def _year(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


class _FormErrors(Exception):
    """The form itself refused a field (a control character): nothing is checked or saved."""


def _my_return_url(year: int) -> str:
    return f"{reverse('my_return')}?year={year}"


# -- the enterprise ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_return(request):
    """The enterprise's own return for a survey year: fill in, save a draft, submit, correct."""
    a = actor(request)
    enterprise = get_own_enterprise_for_user(a)
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
        # The text fields check only for control characters (core/forms.py): the survey
        # validator does the rest, so a form error here means nothing may be saved.
        clean = form.is_valid()
        submitting = request.POST.get("action") == "submit"
        try:
            if not clean:
                raise _FormErrors
            if submitting:
                saved = returns.submit(a, enterprise, year, form.raw())
            else:
                saved = returns.save_draft(a, enterprise, year, form.raw())
        except _FormErrors:
            status = 400  # the errors are on the form's fields already
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
        "can_save_draft": returns.may_save_draft(annual_return),
        "correcting": returns.is_correction(annual_return),
        "history": returns.history(annual_return) if annual_return else [],
    }
    return render(request, "web/return_form.html", context, status=status)


# -- the city bureau --------------------------------------------------------------------------


@login_required
def returns_queue(request):
    """The returns the user may review: its city's (all, for the administrator), filtered."""
    a = actor(request)
    scoped = returns_to_review_for_user(a)  # 403 for a role that reviews none
    status = returns.queue_status(request.GET.get("status"))
    year = _year(request.GET.get("year"))
    q = (request.GET.get("q") or "").strip()[:100]
    found = returns.for_review(a, status=status, year=year, q=q).order_by(
        "year", "enterprise__name", "pk"
    )
    if status == AnnualReturn.Status.SUBMITTED:
        found = found.order_by("modified_on", "pk")  # oldest waiting first
    if wants_xlsx(request):
        return _returns_xlsx(request, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [returns.as_others_see_it(r) for r in page]
    changes = returns.comparisons(rows)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows": [(r, changes[r.pk]) for r in rows],
        "status": status,
        "year": year,
        "q": q,
        "query": query.urlencode(),
        "statuses": [c for c in AnnualReturn.Status.choices if c[0] in returns.REVIEWABLE_STATES],
        "years": sorted(
            set(scoped.order_by().values_list("year", flat=True).distinct()), reverse=True
        ),
        "waiting": scoped.filter(status=AnnualReturn.Status.SUBMITTED).count(),
        "is_admin": a.is_admin,
        "export_query": export_query(request),
    }
    return render(request, "web/return_queue.html", context)


def _returns_xlsx(request, found):
    """The queue as Excel: every return the filters keep (not one page), as the reviewer sees
    it (a returned return's unsubmitted corrections stay the enterprise's draft), with the
    return's figures as numbers in the dictionary's units."""
    language = lang()
    rows = [returns.as_others_see_it(r) for r in found.select_related("enterprise__city")]
    figures = [f for f in return_fields() if f.type in ("integer", "decimal")]

    def figure(spec):
        def read(r):
            value = getattr(r, spec.key, None)
            return float(value) if value is not None else None

        return read

    columns = [
        Column(_("Enterprise"), lambda r: r.enterprise.name),
        Column(_("Unified social credit code"), lambda r: r.enterprise.uscc),
        Column(_("City"), lambda r: r.enterprise.city.short_name if r.enterprise.city else ""),
        Column(_("Year"), lambda r: r.year, kind="int"),
        Column(_("State"), lambda r: r.get_status_display()),
        Column(_("Last change"), lambda r: r.modified_on, kind="date"),
        *[
            Column(
                f.label.get(language),
                figure(f),
                unit=f.unit.get(language) if f.unit else "",
                kind="int" if f.type == "integer" else "number",
            )
            for f in figures
        ],
    ]
    return xlsx_response(
        request,
        title=_("Returns to review"),
        columns=columns,
        rows=rows,
        filename="returns-queue.xlsx",
    )


@login_required
def return_review(request, uscc, year):
    """One return as the reviewer sees it: the figures, what changed, its history, a decision."""
    annual_return = returns.as_others_see_it(get_return_for_user(request, uscc, year))
    comparison = returns.comparisons([annual_return])[annual_return.pk]
    context = {
        "annual_return": annual_return,
        "enterprise": annual_return.enterprise,
        "comparison": comparison,
        "groups": _grouped(comparison),
        "events": annual_return.events.select_related("by").order_by("-on", "-pk"),
        "history": returns.history(annual_return, drafts=False),
        "form": ReturnReviewForm() if returns.awaits_decision(annual_return) else None,
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
    annual_return = get_return_for_user(request, uscc, year)
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
