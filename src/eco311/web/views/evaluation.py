"""The periodic evaluation report (plan section 六(二)) from the UI."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from eco311.accounts.scopes import actor
from eco311.plans import display
from eco311.plans.models import Plan
from eco311.reports.build import build_report
from eco311.reports.render import CONTENT_TYPES, FORMATS, filename
from eco311.reports.render import render as render_report


def evaluation(request):
    if not actor(request).can_evaluate:
        raise PermissionDenied
    plans = Plan.objects.all()
    fmt = request.GET.get("format")
    if fmt:
        errors = {}
        plan = plans.filter(key=request.GET.get("plan", "")).first()
        if plan is None:
            errors["plan"] = True
        if fmt not in FORMATS:
            errors["format"] = True
        lang = request.GET.get("lang", "zh")
        try:
            as_of = date.fromisoformat(request.GET.get("as_of", ""))
        except ValueError:
            as_of = display.as_of_from(None)
        if not errors:
            report = build_report(plan, as_of, "en" if lang == "en" else "zh")
            body = render_report(report, fmt)
            response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
            disposition = "inline" if fmt == "html" else "attachment"
            response["Content-Disposition"] = f'{disposition}; filename="{filename(report, fmt)}"'
            return response
        return render(
            request, "web/evaluation.html", {"plans": plans, "errors": errors}, status=400
        )
    return render(
        request,
        "web/evaluation.html",
        {"plans": plans, "formats": FORMATS, "as_of": display.as_of_from(request)},
    )
