"""The chain-map analysis (优势产业链图谱分析, plan 四(二)1) as an official document.

/chain-reports/ lists the issued analyses with their PDF and Word downloads (rendered from the
frozen snapshot; the issued Chinese PDF is the stored file itself) and the current drafts of
the survey years; the plan owner also sees the issue form. Readers: the administrator and the
provincial departments (Actor.can_read_chain_reports); anyone else gets a 404.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eco311.accounts.lookups import get_chain_report_for_user
from eco311.accounts.scopes import actor
from eco311.chains import issue as service
from eco311.chains import report as chain_report
from eco311.chains.models import ChainReport
from eco311.core.forms import refuse_control_characters
from eco311.plans.display import as_of_from
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response

FORMATS = (("pdf", "PDF"), ("docx", "Word"))
LANGS = (("zh", "中文"), ("en", "English"))


class IssueForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Survey year"), coerce=int)
    number = forms.CharField(label=gettext_lazy("Issue number"), max_length=60)
    issued_on = forms.DateField(
        label=gettext_lazy("Issue date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        refuse_control_characters(self)


def _reader(request):
    a = actor(request)
    if not a.can_read_chain_reports:
        raise Http404
    return a


def _page(request, a, form, status=200):
    issued = list(ChainReport.objects.select_related("issued_by").order_by("-issued_on", "-pk"))
    if wants_xlsx(request):
        return xlsx_response(
            request,
            title=_("Issued chain-map analyses"),
            columns=[
                Column(_("Issue number"), value=lambda r: r.number),
                Column(_("Survey year"), value=lambda r: r.year, kind="int"),
                Column(_("Issue date"), value=lambda r: r.issued_on, kind="date"),
                Column(_("Issued by"), value=lambda r: r.issued_by.get_username()),
            ],
            rows=issued,
            filename="chain-reports.xlsx",
        )
    return render(
        request,
        "web/chain_reports.html",
        {
            "issued": issued,
            "years": sorted(chain_report.years(), reverse=True),
            "formats": FORMATS,
            "langs": LANGS,
            "form": form,
            "export_query": export_query(request),
        },
        status=status,
    )


def _form(years, data=None) -> IssueForm:
    today = as_of_from(None)
    initial = {
        "year": years[-1] if years else None,
        "number": service.suggest_number(today),
        "issued_on": today,
    }
    return IssueForm(data, years=years, initial=initial)


def chain_reports(request):
    """The issued analyses and the drafts of the survey years; the issue form for the plan
    owner only (a form is never offered to someone who cannot use it)."""
    a = _reader(request)
    form = _form(chain_report.years()) if a.can_issue_chain_reports else None
    return _page(request, a, form)


def chain_report_issue(request):
    """POST: issue a year's analysis (the plan owner only); errors are shown on the form."""
    a = _reader(request)
    if not a.can_issue_chain_reports:
        raise PermissionDenied
    if request.method != "POST":
        return redirect("chain_reports")
    form = _form(chain_report.years(), request.POST)
    if form.is_valid():
        try:
            issued = service.issue(
                a,
                form.cleaned_data["year"],
                form.cleaned_data["number"],
                form.cleaned_data["issued_on"],
            )
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                field = {"date": "issued_on"}.get(name, name)
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Issued as %(number)s.") % {"number": issued.number})
            return redirect("chain_reports")
    return _page(request, a, form, status=400)


def _send(body: bytes, fmt: str, name: str, inline: bool):
    return FileResponse(
        io.BytesIO(body),
        content_type=chain_report.CONTENT_TYPES[fmt],
        as_attachment=not inline,
        filename=name,
    )


def _check(fmt: str, lang: str) -> None:
    if fmt not in dict(FORMATS) or lang not in dict(LANGS):
        raise Http404


def chain_report_file(request, report_id: int, fmt: str, lang: str):
    """An issued analysis in PDF or Word, as it was issued: the stored PDF for Chinese, the
    snapshot rendered for the rest."""
    _check(fmt, lang)
    issued = get_chain_report_for_user(actor(request), report_id)
    doc = service.document(issued, lang)
    name = chain_report.filename(doc, fmt)
    if fmt == "pdf" and lang == "zh" and issued.pdf:
        with issued.pdf.open("rb") as f:
            body = f.read()
    else:
        body = chain_report.render(doc, fmt)
    return _send(body, fmt, name, inline=fmt == "pdf")


def chain_report_draft_file(request, year: int, fmt: str, lang: str):
    """The current draft of a survey year, from today's data (marked as a draft)."""
    _check(fmt, lang)
    _reader(request)
    try:
        doc = chain_report.build(year, lang)
    except chain_report.NoData:
        raise Http404 from None
    return _send(chain_report.render(doc, fmt), fmt, chain_report.filename(doc, fmt), fmt == "pdf")
