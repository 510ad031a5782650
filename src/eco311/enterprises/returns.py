"""Filling in annual returns online, and their review by the city bureaus. No HTTP here.

The rules (who may do what is asked of the Actor, accounts/scopes.py):

* an enterprise user fills in its own enterprise's return for a survey year. It may save an
  incomplete draft (blanks allowed, but every value given must be valid on its own) and submit
  it; a submission must pass the same validation as an Excel import: the same data dictionary,
  the same validator, the same messages, and it stores the same values;
* the registry part of the row (name, city, county, park, industry, segment) comes from the
  registry: the enterprise cannot change it online;
* a correction of a submitted or approved return is a new submission: the return goes back to
  "submitted" and, if it was approved, leaves the indicators until it is approved again;
* the bureau of the enterprise's city, or the administrator, approves a submitted return or
  returns it with a comment saying why; the enterprise corrects a returned one and resubmits;
* approving recomputes the indicators (they count approved returns only);
* every change to a return writes a history row (django-simple-history) with its reason and
  user, and every submission and decision a ReturnEvent (who, when, the reviewer's comment).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eco311.enterprises import kpis
from eco311.enterprises.directory import field_value, lang, return_fields
from eco311.enterprises.importer import validation_context
from eco311.enterprises.models import AnnualReturn, Enterprise, ReturnEvent
from eco311.enterprises.survey.dictionary import Dictionary, FieldSpec, load_dictionary
from eco311.enterprises.survey.validate import RETURNS_SHEET, CellError, validate_rows

Status = AnnualReturn.Status

#: The states a reviewer sees and filters by: every state but the enterprise's own draft.
REVIEWABLE_STATES = tuple(s for s in Status.values if s != Status.DRAFT)

#: Reasons written to the history table (what the history pages show).
REASON_DRAFT = "online draft"
REASON_SUBMITTED = "online submission"
REASON_CORRECTED = "online correction"
REASON_APPROVED = "approved"
REASON_RETURNED = "returned"

#: The row number an online return is validated as (never shown: online errors have no cell).
_ROW = 1


@functools.cache
def return_keys() -> tuple[str, ...]:
    """The dictionary fields a return stores, in the dictionary's order (the form's fields)."""
    return tuple(f.key for f in return_fields())


# ---------------------------------------------------------------------------------------------
# Survey years
# ---------------------------------------------------------------------------------------------


def survey_year() -> int:
    """The current survey year: the latest year any return reports on (last year if none)."""
    latest = AnnualReturn.objects.aggregate(latest=Max("year"))["latest"]
    return latest or timezone.localdate().year - 1


def last_open_year() -> int:
    """The latest year a return may be filled in for: the survey year, or last year once the
    calendar has moved past it (a year is surveyed after it ends)."""
    return max(survey_year(), timezone.localdate().year - 1)


def first_open_year() -> int:
    spec = load_dictionary().by_key["year"]
    return int(spec.min) if spec.min is not None else 2000


def years_for(enterprise: Enterprise) -> list[int]:
    """The years the enterprise's page offers, newest first: the open survey years and every
    year it has a return for (older returns can still be corrected)."""
    years = set(enterprise.returns.values_list("year", flat=True))
    years |= {survey_year(), last_open_year()}
    return sorted(years, reverse=True)


def check_year(year: int) -> None:
    if not first_open_year() <= year <= last_open_year():
        raise ValidationError(
            _("Returns can be filled in for the years %(first)s to %(last)s.")
            % {"first": first_open_year(), "last": last_open_year()}
        )


# ---------------------------------------------------------------------------------------------
# Validation: the import's validator, on one row
# ---------------------------------------------------------------------------------------------


def registry_values(enterprise: Enterprise) -> dict[str, Any]:
    """The registry part of a return's row, as the registry holds it."""
    return {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "city_code": enterprise.city.code,
        "county_code": enterprise.county_code or None,
        "park_key": enterprise.park.key if enterprise.park_id else None,
        "industry_code": enterprise.industry.code,
        "segment": enterprise.segment,
        "main_products": enterprise.main_products or None,
    }


@functools.cache
def _draft_dictionary() -> Dictionary:
    """The dictionary a draft is checked with: the same fields with no required ones and no
    cross-field rules (those wait for the submission); every value given is checked alike."""
    d = load_dictionary()
    fields = [f.model_copy(update={"required": False}) for f in d.fields]
    draft = d.model_copy(update={"fields": fields, "rules": []})
    draft.__dict__.pop("by_key", None)  # a cached lookup copied from the original
    return draft


@dataclass
class Checked:
    """One return checked: its typed values (None if it has errors), errors and warnings."""

    values: dict[str, Any] | None
    errors: list[CellError] = field(default_factory=list)
    warnings: list[CellError] = field(default_factory=list)


def _online(error: CellError) -> CellError:
    """An online form has no cells: the same error, located by the field's label alone."""
    return replace(error, row=None, column=None)


@dataclass(frozen=True)
class TooPrecise(CellError):
    """A figure typed online with more decimals than the dictionary keeps (1.2345 where it
    keeps 2). The import rounds spreadsheet cells, whose floats carry noise; a person who
    types 1.2345 means it, so it is refused rather than silently stored as 1.23."""

    def message(self, lang: str = "zh", dictionary: Dictionary | None = None) -> str:
        spec = (dictionary or load_dictionary()).by_key[self.field_key]
        with translation.override("en" if lang == "en" else "zh-hans"):
            return _(
                "「%(field)s」: %(value)s has more than %(n)s decimal places; this field keeps "
                "%(n)s (round it yourself, e.g. to %(rounded)s)."
            ) % {
                "field": spec.label.get("en" if lang == "en" else "zh"),
                "value": self.value,
                "n": spec.decimals,
                "rounded": self.params["rounded"],
            }


def _too_precise(data: Mapping[str, Any]) -> list[CellError]:
    """The decimal fields whose typed text has more decimals than the dictionary keeps."""
    errors: list[CellError] = []
    for spec in return_fields():
        raw = data.get(spec.key)
        if spec.type != "decimal" or spec.decimals is None or not isinstance(raw, str):
            continue
        text = raw.strip().replace(",", "")
        try:
            typed = Decimal(text)
        except ArithmeticError:
            continue  # not a number: the validator says so
        if not typed.is_finite() or typed.as_tuple().exponent >= -spec.decimals:
            continue
        rounded = typed.quantize(Decimal(1).scaleb(-spec.decimals))
        errors.append(
            TooPrecise(
                RETURNS_SHEET,
                None,
                None,
                spec.key,
                raw.strip(),
                "too_precise",
                {"rounded": format(rounded, "f")},
            )
        )
    return errors


def check(
    enterprise: Enterprise, year: int, data: Mapping[str, Any], *, complete: bool = True
) -> Checked:
    """Validate what the enterprise entered (``data``: field key -> text, as a form posts it)
    as the import validates a workbook row. ``complete=False`` checks a draft."""
    row: dict[str, Any] = {key: data.get(key) for key in return_keys()}
    row.update(registry_values(enterprise))
    row["year"] = year
    result = validate_rows(
        [(_ROW, row)],
        year=year,
        sheet=RETURNS_SHEET,
        context=validation_context(),
        dictionary=load_dictionary() if complete else _draft_dictionary(),
    )
    precise = _too_precise(data)
    flagged = {e.field_key for e in precise}
    errors = precise + [_online(e) for e in result.errors if e.field_key not in flagged]
    warnings = [_online(w) for w in result.warnings]
    if errors:
        return Checked(None, errors, warnings)
    [clean] = result.rows
    return Checked({key: _stored(key, clean[key]) for key in return_keys()}, errors, warnings)


def _stored(key: str, value: Any) -> Any:
    """A typed value as the table stores it (what the importer writes): a blank text is "",
    a blank flag False, a blank number NULL."""
    model_field = AnnualReturn._meta.get_field(key)
    if value is None and not model_field.null:
        return model_field.get_default()
    return value


def message(error: CellError, language: str | None = None) -> str:
    """The error in the user's language, as a sentence."""
    text = error.message(language or lang())
    return text[:1].upper() + text[1:]


class ReturnInvalid(ValidationError):
    """The return does not pass the survey's validation.

    ``cell_errors`` are the validator's errors; the ValidationError's own messages (per field
    key, registry problems under NON_FIELD_ERRORS) are in the active language.
    """

    def __init__(self, errors: list[CellError], warnings: Iterable[CellError] = ()):
        self.cell_errors = list(errors)
        self.cell_warnings = list(warnings)
        keys = set(return_keys())
        by_field: dict[str, list[str]] = {}
        for e in self.cell_errors:
            target = e.field_key if e.field_key in keys else NON_FIELD_ERRORS
            by_field.setdefault(target, []).append(message(e))
        super().__init__(by_field)


# ---------------------------------------------------------------------------------------------
# The states of a return: what may be done with it in each (the pages ask these, and so do the
# actions below, so a button is offered exactly when its action would be accepted)
# ---------------------------------------------------------------------------------------------


def may_save_draft(annual_return: AnnualReturn | None) -> bool:
    """The enterprise may keep unsubmitted work on a return not started yet (None), a draft or
    a returned return (which stays returned). A submitted or approved return is changed only by
    a correction, sent with ``submit``: saving a draft would hide it from its reviewer."""
    return annual_return is None or annual_return.status in (Status.DRAFT, Status.RETURNED)


def is_correction(annual_return: AnnualReturn | None) -> bool:
    """A submission now corrects a return already submitted or approved: it goes back to
    review, and an approved one leaves the indicators until it is approved again."""
    return (
        annual_return is not None
        and annual_return.pk is not None
        and annual_return.status in (Status.SUBMITTED, Status.APPROVED)
    )


def awaits_decision(annual_return: AnnualReturn | None) -> bool:
    """Only a submitted return waits for the reviewer: it alone may be approved or returned."""
    return annual_return is not None and annual_return.status == Status.SUBMITTED


def queue_status(raw: str | None) -> str:
    """The state the review queue lists: the submitted returns (waiting for a decision) unless
    another reviewable state is asked for; "" (every state) for anything else. Never the
    draft: an unsubmitted return is the enterprise's alone."""
    if raw is None:
        return Status.SUBMITTED
    return raw if raw in REVIEWABLE_STATES else ""


# ---------------------------------------------------------------------------------------------
# The enterprise: drafts and submissions
# ---------------------------------------------------------------------------------------------


def current(enterprise: Enterprise, year: int) -> AnnualReturn | None:
    return enterprise.returns.filter(year=year).first()


def form_values(annual_return: AnnualReturn | None) -> dict[str, str]:
    """A stored return as the form shows it (the text the enterprise would type)."""
    if annual_return is None:
        return {}
    out = {}
    for key in return_keys():
        value = getattr(annual_return, key)
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, Decimal):
            out[key] = format(value, "f")
        else:
            out[key] = str(value)
    return out


@dataclass
class Saved:
    annual_return: AnnualReturn
    changed: bool
    warnings: list[CellError] = field(default_factory=list)


def _for_update(enterprise: Enterprise, year: int) -> AnnualReturn:
    found = AnnualReturn.objects.select_for_update().filter(enterprise=enterprise, year=year)
    annual_return = found.first()
    if annual_return is None:
        annual_return = AnnualReturn(enterprise=enterprise, year=year, status=Status.DRAFT)
    annual_return.enterprise = enterprise  # the caller's instance, registry already loaded
    return annual_return


def _differs(annual_return: AnnualReturn, values: Mapping[str, Any]) -> bool:
    return annual_return.pk is None or any(
        getattr(annual_return, key) != value for key, value in values.items()
    )


def _write(actor, annual_return: AnnualReturn, values, status: str, reason: str) -> None:
    for key, value in values.items():
        setattr(annual_return, key, value)
    annual_return.status = status
    annual_return.batch = None  # the figures are no longer those of an imported file
    if annual_return.pk is None:
        annual_return.created_by = actor.user
    annual_return.modified_by = actor.user
    annual_return._change_reason = reason
    annual_return._history_user = actor.user
    annual_return.save()


@transaction.atomic
def save_draft(actor, enterprise: Enterprise, year: int, data: Mapping[str, Any]) -> Saved:
    """Keep what the enterprise has entered so far, complete or not.

    Blanks are allowed and the cross-field rules wait for the submission, but every value given
    must be valid on its own (a number where a number belongs, within its bounds): a draft
    stores typed values, as a submission does. A submitted or approved return is not turned
    back into a draft: changes to it are a correction, sent with ``submit``. A returned return
    stays returned while the enterprise works on it.
    """
    annual_return = _for_update(enterprise, year)
    if not actor.can_edit_return(annual_return):
        raise PermissionDenied
    check_year(year)
    if not may_save_draft(annual_return):
        raise ValidationError(
            _(
                "This return has already been submitted; submit your changes as a correction "
                "instead of saving a draft."
            )
        )
    checked = check(enterprise, year, data, complete=False)
    if checked.errors:
        raise ReturnInvalid(checked.errors, checked.warnings)
    if not _differs(annual_return, checked.values):
        return Saved(annual_return, changed=False)
    status = Status.RETURNED if annual_return.status == Status.RETURNED else Status.DRAFT
    _write(actor, annual_return, checked.values, status, REASON_DRAFT)
    return Saved(annual_return, changed=True)


@transaction.atomic
def submit(actor, enterprise: Enterprise, year: int, data: Mapping[str, Any]) -> Saved:
    """Send the return for review; it must pass the import's validation in full.

    A correction of a submitted or approved return is a new submission: the return is
    submitted again, and an approved one leaves the indicators (which are recomputed) until it
    is approved again. Resubmitting an unchanged submitted or approved return is refused.
    """
    annual_return = _for_update(enterprise, year)
    if not actor.can_edit_return(annual_return):
        raise PermissionDenied
    check_year(year)
    checked = check(enterprise, year, data, complete=True)
    if checked.errors:
        raise ReturnInvalid(checked.errors, checked.warnings)
    was = annual_return.status if annual_return.pk else None
    correction = is_correction(annual_return)
    if correction and not _differs(annual_return, checked.values):
        raise ValidationError(_("Nothing has changed since the return was submitted."))
    reason = REASON_CORRECTED if correction else REASON_SUBMITTED
    _write(actor, annual_return, checked.values, Status.SUBMITTED, reason)
    ReturnEvent.objects.create(
        annual_return=annual_return, action=ReturnEvent.Action.SUBMITTED, by=actor.user
    )
    if was == Status.APPROVED:
        kpis.recompute()
    return Saved(annual_return, changed=True, warnings=checked.warnings)


# ---------------------------------------------------------------------------------------------
# The city bureau: review
# ---------------------------------------------------------------------------------------------


def _decide(actor, annual_return: AnnualReturn, status: str, comment: str, reason: str):
    annual_return.status = status
    annual_return.modified_by = actor.user
    annual_return._change_reason = reason
    annual_return._history_user = actor.user
    annual_return.save(update_fields=["status", "modified_on", "modified_by"])
    ReturnEvent.objects.create(
        annual_return=annual_return, action=status, comment=comment.strip(), by=actor.user
    )
    return annual_return


def _reviewable(actor, annual_return: AnnualReturn) -> AnnualReturn:
    """The return with its row locked until the decision's transaction ends: two reviewers
    deciding at the same moment queue here, and the second sees the first one's decision."""
    if not actor.can_review_return(annual_return):
        raise PermissionDenied
    locked = AnnualReturn.objects.select_for_update().get(pk=annual_return.pk)
    annual_return.status = locked.status  # decide on the state as stored, not as loaded
    return annual_return


def _not_pending(annual_return: AnnualReturn, otherwise: str) -> ValidationError:
    """Refusal of a decision on a return no longer waiting for one: "already decided" when a
    reviewer approved or returned it (maybe a moment ago), ``otherwise`` for other states."""
    if annual_return.status in (Status.APPROVED, Status.RETURNED):
        return ValidationError(
            _("This return has already been decided on: it is %(status)s now.")
            % {"status": annual_return.get_status_display()},
            code="already_decided",
        )
    return ValidationError(otherwise)


@transaction.atomic
def approve(actor, annual_return: AnnualReturn, comment: str = "") -> AnnualReturn:
    """The bureau of the enterprise's city (or the administrator) accepts a submitted return:
    from now on it counts in the indicators, which are recomputed."""
    annual_return = _reviewable(actor, annual_return)
    if not awaits_decision(annual_return):
        raise _not_pending(annual_return, _("Only a submitted return can be approved."))
    _decide(actor, annual_return, Status.APPROVED, comment, REASON_APPROVED)
    kpis.recompute()
    return annual_return


@transaction.atomic
def return_to_enterprise(actor, annual_return: AnnualReturn, comment: str) -> AnnualReturn:
    """The bureau sends a submitted return back to the enterprise; the comment says what to
    correct (it is required). The enterprise corrects it and submits again."""
    annual_return = _reviewable(actor, annual_return)
    if not awaits_decision(annual_return):
        raise _not_pending(annual_return, _("Only a submitted return can be returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the enterprise should correct.")})
    return _decide(actor, annual_return, Status.RETURNED, comment, REASON_RETURNED)


def for_review(actor, *, status: str = "", year: int | None = None, q: str = ""):
    """The returns this actor may review, filtered; each with ``submitted_on``, the time of its
    latest online submission (None for an imported return)."""
    qs = AnnualReturn.objects.filter(actor.returns_to_review_q())
    if status:
        qs = qs.filter(status=status)
    if year is not None:
        qs = qs.filter(year=year)
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__uscc__icontains=q.upper()))
    return qs.select_related("enterprise__city", "enterprise__park", "modified_by").annotate(
        submitted_on=Max("events__on", filter=Q(events__action=ReturnEvent.Action.SUBMITTED))
    )


def as_others_see_it(annual_return: AnnualReturn) -> AnnualReturn:
    """The return as everyone but its enterprise sees it.

    The enterprise corrects a returned return in place (it stays "returned" while it saves its
    work); until it submits again, those unsubmitted figures are its draft, so the others see
    the figures it was returned with: the latest version not saved as a draft.
    """
    if annual_return.status != Status.RETURNED or annual_return.pk is None:
        return annual_return
    versions = AnnualReturn.history.filter(id=annual_return.pk).order_by(
        "-history_date", "-history_id"
    )
    latest = versions.first()
    if latest is None or latest.history_change_reason != REASON_DRAFT:
        return annual_return
    kept = versions.exclude(history_change_reason=REASON_DRAFT).first()
    if kept is None:
        return annual_return
    shown = kept.instance
    shown.enterprise = annual_return.enterprise
    shown.submitted_on = getattr(annual_return, "submitted_on", None)  # for_review's annotation
    return shown


def latest_decision(annual_return: AnnualReturn) -> ReturnEvent | None:
    """The latest review decision (approved or returned), with its comment."""
    if annual_return is None or annual_return.pk is None:
        return None
    return (
        annual_return.events.filter(
            action__in=[ReturnEvent.Action.APPROVED, ReturnEvent.Action.RETURNED]
        )
        .select_related("by")
        .order_by("-on", "-pk")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# What changed: against the last approved version, or else the previous year
# ---------------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    spec: FieldSpec
    label: str  # in the active language
    unit: str
    old: str
    new: str
    changed: bool
    change_pct: float | None  # relative change of a number, in per cent


@dataclass
class Comparison:
    """A return compared with its basis: ``basis`` is "approved" (the last approved version of
    the same return), "previous_year" (the enterprise's approved return of the year before) or
    "" (nothing to compare with)."""

    basis: str
    basis_year: int | None = None
    basis_date: datetime | None = None
    rows: list[FieldChange] = field(default_factory=list)

    @property
    def changed(self) -> list[FieldChange]:
        return [r for r in self.rows if r.changed]

    def largest(self, n: int = 3) -> list[FieldChange]:
        """The changed fields with the largest relative changes first (then the others)."""
        return sorted(
            self.changed,
            key=lambda r: -abs(r.change_pct) if r.change_pct is not None else 0,
        )[:n]


def _change_pct(old, new) -> float | None:
    numbers = (int, float, Decimal)
    if isinstance(old, bool) or isinstance(new, bool):
        return None
    if not isinstance(old, numbers) or not isinstance(new, numbers) or not old:
        return None
    return float((Decimal(new) - Decimal(old)) / abs(Decimal(old)) * 100)


def _compare(annual_return, before, basis: str, **where) -> Comparison:
    """``annual_return`` field by field against ``before`` (None: the figures alone)."""
    rows = []
    language = lang()
    for spec in return_fields():
        new = getattr(annual_return, spec.key)
        old = getattr(before, spec.key) if before is not None else None
        rows.append(
            FieldChange(
                spec,
                spec.label.get(language),
                spec.unit.get(language) if spec.unit else "",
                field_value(spec, old) if before is not None else "",
                field_value(spec, new),
                before is not None and old != new,
                _change_pct(old, new) if before is not None else None,
            )
        )
    return Comparison(basis, rows=rows, **where)


def comparisons(returns: Iterable[AnnualReturn]) -> dict[int, Comparison]:
    """What changed in each return, in few queries: versus its last approved version, or, if it
    was never approved, versus the enterprise's approved return of the year before."""
    returns = [r for r in returns if r.pk is not None]
    approved = {}
    versions = (
        AnnualReturn.history.filter(id__in=[r.pk for r in returns], status=Status.APPROVED)
        .order_by("id", "-history_date", "-history_id")
        .iterator()
    )
    for version in versions:
        approved.setdefault(version.id, version)
    wanted = [r for r in returns if r.pk not in approved]
    earlier = {}
    if wanted:
        found = AnnualReturn.objects.filter(
            enterprise_id__in={r.enterprise_id for r in wanted},
            year__in={r.year - 1 for r in wanted},
            status=Status.APPROVED,
        )
        earlier = {(r.enterprise_id, r.year): r for r in found}
    out = {}
    for r in returns:
        if r.pk in approved:
            version = approved[r.pk]
            out[r.pk] = _compare(
                r, version, "approved", basis_year=r.year, basis_date=version.history_date
            )
        elif (r.enterprise_id, r.year - 1) in earlier:
            out[r.pk] = _compare(
                r, earlier[(r.enterprise_id, r.year - 1)], "previous_year", basis_year=r.year - 1
            )
        else:
            out[r.pk] = _compare(r, None, "")
    return out


_REASONS = {
    REASON_DRAFT: gettext_lazy("draft saved online"),
    REASON_SUBMITTED: gettext_lazy("submitted online"),
    REASON_CORRECTED: gettext_lazy("correction submitted online"),
    REASON_APPROVED: gettext_lazy("approved"),
    REASON_RETURNED: gettext_lazy("returned for correction"),
}


@dataclass
class HistoryRow:
    when: datetime
    who: str
    status: str
    reason: str


def history(
    annual_return: AnnualReturn, limit: int = 50, *, drafts: bool = True
) -> list[HistoryRow]:
    """The return's history rows, newest first: when, who, the state it was left in, and why
    (an import says "import <batch id>").

    ``drafts=False`` (anyone but the enterprise itself) leaves out the states it saved while
    working on an unsubmitted draft, or on a returned return before resubmitting it.
    """
    records = AnnualReturn.history.filter(id=annual_return.pk)
    if not drafts:
        records = records.exclude(status=Status.DRAFT).exclude(history_change_reason=REASON_DRAFT)
    records = records.select_related("history_user").order_by("-history_date", "-history_id")[
        :limit
    ]
    rows = []
    for h in records:
        user = h.history_user
        reason = h.history_change_reason or ""
        rows.append(
            HistoryRow(
                when=h.history_date,
                who=(user.get_full_name() or user.username) if user else _("system"),
                status=h.get_status_display(),
                reason=str(_REASONS.get(reason, reason)),
            )
        )
    return rows
