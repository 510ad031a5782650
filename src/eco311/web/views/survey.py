"""The enterprise survey: data dictionary, template, workbook import and the import ledger."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from eco311.accounts.lookups import get_batch_for_user
from eco311.accounts.scopes import actor
from eco311.enterprises import uploads
from eco311.enterprises.directory import lang
from eco311.enterprises.forms import SurveyUploadForm
from eco311.enterprises.models import ImportBatch
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.enterprises.survey.validate import CellError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _dictionary_groups():
    d = load_dictionary()
    language = lang()
    groups = []
    for g in d.groups:
        fields = [f for f in d.fields if f.group == g.key]
        groups.append((g.label.get(language), fields))
    return d, groups


def _home_context(request, form=None):
    a = actor(request)
    d, groups = _dictionary_groups()
    return {
        "title": d.title.get(lang()),
        "groups": groups,
        "rules": d.rules,
        "n_fields": len(d.fields),
        "lang": lang(),
        "form": form if form is not None else (SurveyUploadForm() if a.can_import_survey else None),
        "can_import": a.can_import_survey,
        "ledger": uploads.ledger() if a.can_see_import_ledger else None,
        "can_see_enterprises": a.can_see_enterprises,
    }


def survey_home(request):
    """The data dictionary, the template, and for the administrator the import form."""
    return render(request, "web/survey.html", _home_context(request))


def survey_template(request):
    """The empty survey workbook, generated from the data dictionary (open to everyone)."""
    try:
        year = int(request.GET["year"])
    except (KeyError, ValueError):
        year = None
    if year is not None and not 2000 <= year <= 2100:
        year = None
    body = uploads.template(lang(), year)
    suffix = f"-{year}" if year else ""
    return xlsx_response(body, f"eco311-survey-template{suffix}.xlsx")


@login_required
@require_POST
def survey_import(request):
    a = actor(request)
    if not a.can_import_survey:
        raise PermissionDenied
    form = SurveyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "web/survey.html", _home_context(request, form), status=400)
    data = form.cleaned_data
    batch, outcome = uploads.receive_upload(
        data["file"], year=data["year"], user=request.user, approve=data["approve"]
    )
    if outcome is None:
        # A large file: the ledger entry now, the import by a job; the batch page shows progress.
        return redirect("survey_batch", batch_id=batch.pk)
    if outcome.warnings:
        request.session[f"import-warnings-{batch.pk}"] = [
            w.to_dict() for w in outcome.warnings[: uploads.KEEP_WARNINGS]
        ]
    return redirect("survey_batch", batch_id=batch.pk)


def _batch_warnings(request, batch: ImportBatch) -> list[CellError]:
    """The warnings of an import: kept in the session (at once) or in its job's result."""
    kept = request.session.pop(f"import-warnings-{batch.pk}", None)
    if kept is None and batch.job is not None and isinstance(batch.job.result, dict):
        kept = batch.job.result.get("warnings")
    return [CellError.from_dict(w) for w in kept or []]


def import_batch(request, batch_id):
    """One import: its counts, and for a rejected file the located errors in the user's language."""
    batch = get_batch_for_user(request, batch_id)
    language = lang()
    a = actor(request)
    pending = batch.outcome == ImportBatch.Outcome.PENDING
    context = {
        "batch": batch,
        "pending": pending,
        "run": uploads.import_state(batch) if pending else None,
        "errors": [(e, e.message(language)) for e in uploads.errors(batch)],
        "warnings": []
        if pending
        else [(w, w.message(language)) for w in _batch_warnings(request, batch)],
        "truncated": uploads.truncated(batch),
        # only when the marked file can really be made (a refused or vanished file cannot)
        "can_download": a.can_import_survey and uploads.can_mark(batch),
        "can_import": a.can_import_survey,
    }
    return render(request, "web/survey_batch.html", context)


def import_progress(request, batch_id):
    """The progress of a queued import alone, polled by the batch page every second.

    Once the import has ended the fragment stops polling, and an htmx request is answered with
    HX-Refresh so that the page reloads with the outcome."""
    batch = get_batch_for_user(request, batch_id)
    state = uploads.import_state(batch)
    response = render(request, "web/survey_progress.html", {"batch": batch, "run": state})
    if state.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def import_errors(request, batch_id):
    """The rejected workbook with every error marked, regenerated in the user's language."""
    if not actor(request).can_import_survey:
        raise PermissionDenied
    batch = get_batch_for_user(request, batch_id)
    if batch.outcome != ImportBatch.Outcome.REJECTED:
        raise Http404  # only a rejected file has errors to mark
    body = uploads.marked_workbook(batch, lang())
    if body is None:
        raise Http404
    stem = batch.file_name.rsplit(".", 1)[0] or "returns"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem)
    return xlsx_response(body, f"{safe}-errors-{batch.pk}.xlsx")
