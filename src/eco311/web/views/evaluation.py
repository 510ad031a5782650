"""The periodic evaluation report (plan section 六(二)) as an official document.

/evaluation/ lists the drafts (the plan owner's) and the issued reports (also the provincial
departments'); a draft page shows the report's sections as computed now, the narrative with
its edit forms and "redraft from data" buttons, the render buttons and the issue form; an
issued report's page is read only, with its downloads. Files are rendered by a background job
(evaluation/jobs.py) and kept until what they show changes.

The old ``/evaluation/?format=…`` download (the tables report, rendered in the request) stays
for scripts; the pages use the job.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from eco311.accounts.lookups import evaluations_for_user, get_evaluation_for_user
from eco311.accounts.scopes import actor
from eco311.core.forms import refuse_control_characters
from eco311.core.jobs import JobState
from eco311.evaluation import issue as service
from eco311.evaluation import jobs as render_jobs
from eco311.evaluation.draft import gather
from eco311.evaluation.models import EvaluationDraft
from eco311.plans import display
from eco311.plans.models import Plan
from eco311.reports.build import build_report
from eco311.reports.html import render_html
from eco311.reports.render import CONTENT_TYPES, FORMATS, filename
from eco311.reports.render import render as render_report
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response

LANGS = (("zh", "中文"), ("en", "English"))
FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "html": "HTML", "xlsx": "Excel"}


class NewDraftForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.all(), label=gettext_lazy("Plan"))
    as_of = forms.DateField(
        label=gettext_lazy("Evaluation date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class NarrativeForm(forms.Form):
    foreword = forms.CharField(
        label=gettext_lazy("Foreword (optional)"), required=False, widget=forms.Textarea
    )
    judgement = forms.CharField(
        label=gettext_lazy("Overall judgement"), required=False, widget=forms.Textarea
    )
    problems = forms.CharField(
        label=gettext_lazy("Problems"), required=False, widget=forms.Textarea
    )
    next_steps = forms.CharField(
        label=gettext_lazy("Next steps"), required=False, widget=forms.Textarea
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        for f in self.fields.values():
            f.max_length = service.MAX_TEXT
            f.widget.attrs.update(rows="10", maxlength=str(service.MAX_TEXT))


class IssueForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Issue number"), max_length=60)
    issued_on = forms.DateField(
        label=gettext_lazy("Issue date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have read this report and confirm its issue; an issued report cannot be changed."
        ),
        required=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


# -- the list ----------------------------------------------------------------------------------


def evaluation(request):
    """The list of drafts and issued reports, with the "new draft" form for the plan owner;
    ``?format=`` keeps the old direct download of the tables report."""
    a = actor(request)
    if not a.can_evaluate:
        raise PermissionDenied
    reports = list(evaluations_for_user(a).order_by("-as_of", "-created_on"))
    if wants_xlsx(request) and "plan" not in request.GET:
        return _list_xlsx(request, reports)
    if request.GET.get("format"):
        return _direct_download(request)
    form = None
    if a.can_draft_evaluations:
        form = NewDraftForm(
            initial={"plan": Plan.objects.first(), "as_of": display.as_of_from(request)}
        )
    return _list(request, reports, form)


def _list_xlsx(request, reports):
    """The list as on screen (the reports this user may open), as a workbook."""
    return xlsx_response(
        request,
        title=_("Evaluation reports"),
        columns=[
            Column(_("Issue number"), lambda r: r.issue_number or ""),
            Column(_("Issue date"), lambda r: r.issued_on, kind="date"),
            Column(_("Plan"), lambda r: r.plan.short_title),
            Column(_("Evaluation date"), lambda r: r.as_of, kind="date"),
            Column(
                _("Last saved"), lambda r: timezone.localtime(r.modified_on).date(), kind="date"
            ),
        ],
        rows=reports,
        filename="evaluation-reports.xlsx",
    )


def _list(request, reports, form, status=200):
    return render(
        request,
        "web/evaluation.html",
        {
            "drafts": [r for r in reports if not r.is_issued],
            "issued": [r for r in reports if r.is_issued],
            "form": form,
            "export_query": export_query(request),
        },
        status=status,
    )


@require_POST
def evaluation_new(request):
    """Start a draft for a plan and an evaluation date (the plan owner only)."""
    a = actor(request)
    if not a.can_draft_evaluations:
        raise PermissionDenied
    form = NewDraftForm(request.POST)
    if form.is_valid():
        d = service.new_draft(a, form.cleaned_data["plan"], form.cleaned_data["as_of"])
        return redirect("evaluation_draft", d.pk)
    return _list(request, list(evaluations_for_user(a)), form, status=400)


def _direct_download(request):
    plans = Plan.objects.all()
    fmt = request.GET.get("format")
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
    if errors:
        messages.error(request, _("Choose a plan and one of the formats."))
        return _list(request, list(evaluations_for_user(request)), None, status=400)
    report = build_report(plan, as_of, "en" if lang == "en" else "zh")
    body = render_report(report, fmt)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename(report, fmt)}"'
    return response


# -- one report --------------------------------------------------------------------------------


def _lang(request) -> str:
    return "en" if request.GET.get("lang", request.POST.get("lang")) == "en" else "zh"


def _renders(draft: EvaluationDraft, lang: str) -> list[dict]:
    out = []
    for code, name in LANGS:
        if code != lang and not draft.is_issued:
            # A draft's page renders the language being edited; both once issued.
            continue
        for fmt, st in render_jobs.state_of(draft, code).items():
            job = st["job"].job if st["job"] else None
            out.append(
                {
                    "fmt": fmt,
                    "fmt_name": FORMAT_NAMES[fmt],
                    "lang": code,
                    "lang_name": name,
                    "file": st["file"],
                    "state": None
                    if job is None
                    else JobState(job.status, int(round(job.progress * 100)), job.step, job.error),
                }
            )
    return out


def evaluation_draft(request, draft_id: int):
    """A draft (sections as computed now, narrative forms, renders, the issue step) or an
    issued report (read only)."""
    a = actor(request)
    draft = get_evaluation_for_user(a, draft_id)
    lang = _lang(request)
    if draft.is_issued:
        report = service.report_for(draft, lang)
        edited: set[str] = set()
        form = None
    else:
        g = gather(draft.plan, draft.as_of, lang)
        narrative, edited = service.narrative_for(draft, g)
        g.report.extras.narrative = narrative
        report = g.report
        form = NarrativeForm(initial={k: getattr(narrative, k) for k in service.FIELDS})
    return _page(request, draft, report, lang, form, edited)


def _page(request, draft, report, lang, form, edited, issue_form=None, status=200):
    a = actor(request)
    can_edit = a.can_draft_evaluations and not draft.is_issued
    renders = _renders(draft, lang)
    return render(
        request,
        "web/evaluation_draft.html",
        {
            "draft": draft,
            "report": report,
            "ex": report.extras,
            "lang": lang,
            "langs": LANGS,
            "form": form if can_edit else None,
            "edited": edited,
            "fields": [
                (name, form[name] if form is not None and can_edit else None, name in edited)
                for name in ("foreword", "judgement", "problems", "next_steps")
            ],
            "can_edit": can_edit,
            "status_rows": [
                (code, display.STATUS_LABELS[code], report.summary.counts.get(code, 0))
                for code in display.STATUS_ORDER
            ],
            "renders": renders,
            "rendering": any(r["state"] and not r["state"].finished for r in renders),
            "issue_form": issue_form,
            "suggested_number": service.suggest_number(timezone.localdate().year)
            if can_edit
            else "",
        },
        status=status,
    )


@require_POST
def evaluation_narrative(request, draft_id: int):
    """Save the edited narrative of a draft (the plan owner only; never once issued)."""
    a = actor(request)
    draft = get_evaluation_for_user(a, draft_id)
    if not a.can_draft_evaluations or draft.is_issued:
        raise PermissionDenied
    lang = _lang(request)
    form = NarrativeForm(request.POST)
    if form.is_valid():
        try:
            service.save_narrative(a, draft, lang, form.cleaned_data)
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            messages.success(
                request,
                _(
                    "The narrative is saved. Paragraphs you edited are kept when the data part "
                    "is computed again."
                ),
            )
            return redirect(f"{_url(draft)}?lang={lang}")
    g = gather(draft.plan, draft.as_of, lang)
    narrative, edited = service.narrative_for(draft, g)
    g.report.extras.narrative = narrative
    return _page(request, draft, g.report, lang, form, edited, status=400)


def _url(draft) -> str:
    return reverse("evaluation_draft", args=[draft.pk])


@require_POST
def evaluation_redraft(request, draft_id: int):
    """Put one paragraph back to the text drafted from the data (the edit stays in history)."""
    a = actor(request)
    draft = get_evaluation_for_user(a, draft_id)
    if not a.can_draft_evaluations or draft.is_issued:
        raise PermissionDenied
    lang = _lang(request)
    try:
        service.redraft(a, draft, lang, request.POST.get("field", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The paragraph is drafted from the data again."))
    return redirect(f"{_url(draft)}?lang={lang}")


@require_POST
def evaluation_render(request, draft_id: int):
    """Render a file in the background (or find it already rendered for the same content)."""
    a = actor(request)
    draft = get_evaluation_for_user(a, draft_id)
    fmt = request.POST.get("format")
    if fmt not in FORMATS:
        raise Http404
    lang = _lang(request)
    render_jobs.start(draft, fmt, lang, user=a.user)
    return redirect(f"{_url(draft)}?lang={lang}#renders")


def evaluation_renders(request, draft_id: int):
    """The render states alone, polled by the page while a job runs."""
    draft = get_evaluation_for_user(request, draft_id)
    lang = _lang(request)
    renders = _renders(draft, lang)
    rendering = any(r["state"] and not r["state"].finished for r in renders)
    return render(
        request,
        "web/evaluation_renders.html",
        {"draft": draft, "renders": renders, "rendering": rendering, "lang": lang},
    )


def evaluation_file(request, draft_id: int, fmt: str, lang: str):
    """The kept file for what the report shows now; 404 until it has been rendered."""
    draft = get_evaluation_for_user(request, draft_id)
    if fmt not in FORMATS or lang not in ("zh", "en"):
        raise Http404
    rf = render_jobs.cached(service.report_for(draft, lang), fmt)
    if rf is None:
        raise Http404
    response = FileResponse(rf.file.open("rb"), content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{rf.filename}"'
    response["X-Content-SHA256"] = rf.sha256
    return response


def evaluation_preview(request, draft_id: int):
    """The report as HTML, rendered now (fast: no PDF layout), to read before rendering files."""
    draft = get_evaluation_for_user(request, draft_id)
    lang = _lang(request)
    return HttpResponse(render_html(service.report_for(draft, lang)))


def evaluation_issue(request, draft_id: int):
    """The confirmation step: number and date, a checkbox; POST issues (the plan owner only)."""
    a = actor(request)
    draft = get_evaluation_for_user(a, draft_id)
    if not a.can_draft_evaluations or draft.is_issued:
        raise PermissionDenied
    if request.method == "POST":
        form = IssueForm(request.POST)
        if form.is_valid():
            try:
                service.issue(a, draft, form.cleaned_data["number"], form.cleaned_data["issued_on"])
            except ValidationError as exc:
                for name, errs in exc.message_dict.items():
                    field = {"date": "issued_on"}.get(name, name)
                    form.add_error(field if field in form.fields else None, errs)
            else:
                for fmt in FORMATS:  # the issued files, rendered once and kept with their hash
                    for code, _name in LANGS:
                        render_jobs.start(draft, fmt, code, user=a.user)
                messages.success(
                    request, _("Issued as %(number)s.") % {"number": draft.issue_number}
                )
                return redirect("evaluation_draft", draft.pk)
        status = 400
    else:
        form = IssueForm(
            initial={
                "number": service.suggest_number(timezone.localdate().year),
                "issued_on": timezone.localdate(),
            }
        )
        status = 200
    return render(
        request, "web/evaluation_issue.html", {"draft": draft, "form": form}, status=status
    )
