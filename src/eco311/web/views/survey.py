"""The enterprise survey: data dictionary, template, workbook import and the import ledger."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from eco311.accounts.scopes import actor
from eco311.enterprises import uploads
from eco311.enterprises.directory import lang
from eco311.enterprises.forms import SurveyUploadForm
from eco311.enterprises.models import ImportBatch
from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.enterprises.survey.validate import CellError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEEP_WARNINGS = 200


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
    upload = form.cleaned_data["file"]
    outcome = uploads.import_upload(
        upload.read(),
        file_name=upload.name[:255],
        year=form.cleaned_data["year"],
        user=request.user,
        approve=form.cleaned_data["approve"],
    )
    batch = outcome.batch
    if outcome.warnings:
        request.session[f"import-warnings-{batch.pk}"] = [
            w.to_dict() for w in outcome.warnings[:KEEP_WARNINGS]
        ]
    return redirect("survey_batch", batch_id=batch.pk)


def _batch_for(request, batch_id) -> ImportBatch:
    if not actor(request).can_see_import_ledger:
        raise PermissionDenied
    return get_object_or_404(ImportBatch.objects.select_related("imported_by"), pk=batch_id)


def import_batch(request, batch_id):
    """One import: its counts, and for a rejected file the located errors in the user's language."""
    batch = _batch_for(request, batch_id)
    language = lang()
    warnings = [
        CellError.from_dict(w) for w in request.session.pop(f"import-warnings-{batch.pk}", [])
    ]
    a = actor(request)
    context = {
        "batch": batch,
        "errors": [(e, e.message(language)) for e in uploads.errors(batch)],
        "warnings": [(w, w.message(language)) for w in warnings],
        "truncated": uploads.truncated(batch),
        "can_download": a.can_import_survey
        and batch.outcome == ImportBatch.Outcome.REJECTED
        and uploads.stored_path(batch).is_file(),
        "can_import": a.can_import_survey,
    }
    return render(request, "web/survey_batch.html", context)


def import_errors(request, batch_id):
    """The rejected workbook with every error marked, regenerated in the user's language."""
    if not actor(request).can_import_survey:
        raise PermissionDenied
    batch = get_object_or_404(ImportBatch, pk=batch_id, outcome=ImportBatch.Outcome.REJECTED)
    body = uploads.marked_workbook(batch, lang())
    if body is None:
        raise Http404
    stem = batch.file_name.rsplit(".", 1)[0] or "returns"
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem)
    return xlsx_response(body, f"{safe}-errors-{batch.pk}.xlsx")
