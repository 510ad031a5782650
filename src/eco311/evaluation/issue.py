"""The business actions on an evaluation report: draft, edit the narrative, redraft, issue.

Each takes the Actor (duck-typed: this package never imports accounts) and checks the rule it
enforces; a refusal is a PermissionDenied, a bad value a ValidationError with its field.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eco311.core.text import has_nul
from eco311.plans.models import Plan
from eco311.reports.document import EvaluationReport, Narrative, from_dict, to_dict

from .draft import Gathered, drafted, gather
from .models import EvaluationDraft

LANGS = ("zh", "en")
FIELDS = Narrative.FIELDS
MAX_TEXT = 20000
#: 鲁环311评〔2025〕1号: the issuing office's prefix, the year in tortoise-shell brackets, the
#: running number of that year (the form of the plan's own number, 鲁环发〔2023〕22号).
NUMBER_PREFIX = "鲁环311评"
NUMBER_RE = re.compile(r"〔(\d{4})〕(\d+)号$")
#: Who issues the evaluation: section 六(二) gives it to the provincial Department of Ecology and
#: Environment (the plan itself was issued by it with ten other departments).
ISSUER = {
    "zh": "山东省生态环境厅",
    "en": "Shandong Provincial Department of Ecology and Environment",
}


def _require_owner(actor) -> None:
    if not actor.can_draft_evaluations:
        raise PermissionDenied


def new_draft(actor, plan: Plan, as_of: date) -> EvaluationDraft:
    """Only the plan owner starts a draft; any number of drafts may exist for a plan."""
    _require_owner(actor)
    d = EvaluationDraft(plan=plan, as_of=as_of, created_by=actor.user, modified_by=actor.user)
    d._change_reason = "drafted from the data"
    d.save()
    return d


def _require_editable(actor, draft: EvaluationDraft) -> None:
    _require_owner(actor)
    if draft.is_issued:
        raise PermissionDenied


def narrative_for(draft: EvaluationDraft, g: Gathered) -> tuple[Narrative, set[str]]:
    """The narrative shown and rendered: each paragraph the owner edited, the others as drafted
    from the current data; with the names of the edited ones."""
    fresh = drafted(g)
    edited = draft.edited(g.report.lang)
    for name, text in edited.items():
        if name in FIELDS:
            setattr(fresh, name, text)
    return fresh, set(edited) & set(FIELDS)


def _clean(name: str, text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if has_nul(text) or any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ValidationError({name: _("The text contains control characters; remove them.")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {name: _("The text is too long (at most %(n)s characters).") % {"n": MAX_TEXT}}
        )
    return text


def save_narrative(actor, draft: EvaluationDraft, lang: str, texts: dict[str, str]):
    """The plan owner edits the narrative of a draft not yet issued. A paragraph left as drafted
    (or emptied) is not stored: it follows the data. Every save is a history record."""
    _require_editable(actor, draft)
    if lang not in LANGS:
        raise ValidationError({"lang": _("Unknown language.")})
    g = gather(draft.plan, draft.as_of, lang)
    fresh = drafted(g)
    mine = draft.edited(lang)
    for name, text in texts.items():
        if name not in FIELDS:
            continue
        text = _clean(name, text)
        if not text or text == (getattr(fresh, name) or "").strip():
            mine.pop(name, None)
        else:
            mine[name] = text
    narrative = dict(draft.narrative or {})
    narrative[lang] = mine
    draft.narrative = narrative
    draft.modified_by = actor.user
    draft._change_reason = f"narrative edited ({lang})"
    draft.save()
    return draft


def redraft(actor, draft: EvaluationDraft, lang: str, name: str) -> EvaluationDraft:
    """Forget the owner's text of one paragraph: it is drafted from the data again (the earlier
    text stays in the history)."""
    _require_editable(actor, draft)
    if name not in FIELDS or lang not in LANGS:
        raise ValidationError({"field": _("Unknown paragraph.")})
    narrative = dict(draft.narrative or {})
    mine = dict(narrative.get(lang, {}))
    mine.pop(name, None)
    narrative[lang] = mine
    draft.narrative = narrative
    draft.modified_by = actor.user
    draft._change_reason = f"{name} redrafted from data ({lang})"
    draft.save()
    return draft


def suggest_number(year: int) -> str:
    """The next number of the year: one more than the highest issued so far."""
    highest = 0
    for number in EvaluationDraft.objects.filter(issue_number__contains=f"〔{year}〕").values_list(
        "issue_number", flat=True
    ):
        m = NUMBER_RE.search(number or "")
        if m and int(m.group(1)) == year:
            highest = max(highest, int(m.group(2)))
    return f"{NUMBER_PREFIX}〔{year}〕{highest + 1}号"


def report_for(draft: EvaluationDraft, lang: str) -> EvaluationReport:
    """What is rendered: an issued report from its snapshot (never from today's data); a draft
    from the current data with its narrative."""
    lang = "en" if lang == "en" else "zh"
    if draft.is_issued:
        return from_dict(draft.snapshot[lang])
    g = gather(draft.plan, draft.as_of, lang)
    g.report.extras.narrative, _edited = narrative_for(draft, g)
    return g.report


def issue(actor, draft: EvaluationDraft, number: str, on: date) -> EvaluationDraft:
    """Issue a draft under a number and a date: only the plan owner; once; the number unique.

    The report is frozen as it reads now, in both languages (a JSON snapshot of the data and
    the narrative), so it renders the same document whatever happens to the data later; from
    then on the row refuses every change (models.EvaluationDraft.save)."""
    _require_editable(actor, draft)
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter the issue number.")})
    if has_nul(number) or any(ord(c) < 32 for c in number) or len(number) > 60:
        raise ValidationError({"number": _("The issue number is not valid.")})
    if on is None:
        raise ValidationError({"date": _("Enter the issue date.")})
    if on < draft.as_of:
        raise ValidationError({"date": _("The issue date cannot be before the evaluation date.")})
    if EvaluationDraft.objects.filter(issue_number=number).exclude(pk=draft.pk).exists():
        raise ValidationError({"number": _("This issue number is already used.")})
    now = timezone.now()
    snapshot = {}
    for lang in LANGS:
        report = report_for(draft, lang)
        report.generated_at = timezone.localtime(now)
        report.extras.issue_number = number
        report.extras.issued_on = on
        report.extras.issuer = ISSUER[lang]
        snapshot[lang] = to_dict(report)
    draft.snapshot = snapshot
    draft.issue_number = number
    draft.issued_on = on
    draft.issued_at = now
    draft.issued_by = actor.user
    draft.modified_by = actor.user
    draft._change_reason = f"issued as {number}"
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        draft.issued_at = None
        raise ValidationError({"number": _("This issue number is already used.")}) from None
    return draft
