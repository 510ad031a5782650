"""Confirming or correcting the chain nodes an enterprise is on (/enterprises/<uscc>/chains/).

The rules are in chains/placements.py (decide) and the Actor (can_place); this view loads the
enterprise through accounts/lookups.py (404 outside the user's scope), asks, and renders.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eco311.accounts.lookups import get_enterprise_for_user
from eco311.accounts.scopes import actor
from eco311.chains import placements
from eco311.chains import taxonomy as taxonomy_module
from eco311.chains.models import Placement
from eco311.core.forms import limit_note, refuse_control_characters

HISTORY_LIMIT = 100


def _lang() -> str:
    return get_language() or "zh-hans"


def describe(rows) -> list[dict]:
    """Placement rows as the pages show them: chain › node in the user's language, the status,
    and for a proposal its confidence and the words that decided."""
    tax = taxonomy_module.load()
    lang = _lang()
    out = []
    for row in rows:
        known = tax.has_node(row.node)
        out.append(
            {
                "code": row.node,
                "chain": tax.chain_of(row.node).name.get(lang) if known else "",
                "node": tax.node(row.node).name.get(lang) if known else row.node,
                "status": row.status,
                "status_label": row.get_status_display(),
                "confidence": row.confidence,
                "words": "、".join(row.words or []),
                "reason": row.reason,
            }
        )
    return out


class PlacementForm(forms.Form):
    nodes = forms.MultipleChoiceField(
        label=gettext_lazy("Chain nodes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    # Required (blank or spaces refused, CharField strips): Django's own message, in the
    # user's language, shown under the field and in the summary that links to it.
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nodes"].choices = [(n.code, n.code) for n in taxonomy_module.load().nodes]
        refuse_control_characters(self)
        limit_note(self.fields["reason"])


def _groups(selected: set[str], rows: dict[str, Placement]) -> list[dict]:
    """The taxonomy's chains with their nodes, each marked ticked or not, for the checkboxes;
    a node with a placement row carries its status (and a proposal its confidence and words)."""
    lang = _lang()
    return [
        {
            "code": chain.code,
            "name": chain.name.get(lang),
            "nodes": [
                {
                    "code": n.code,
                    "name": n.name.get(lang),
                    "checked": n.code in selected,
                    "row": describe([rows[n.code]])[0] if n.code in rows else None,
                }
                for n in chain.nodes
            ],
        }
        for chain in taxonomy_module.load().chains
    ]


def _history(enterprise) -> list[dict]:
    tax = taxonomy_module.load()
    lang = _lang()
    status = dict(Placement.Status.choices)
    records = (
        Placement.history.filter(enterprise_id=enterprise.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]
    )
    out = []
    for h in records:
        user = h.history_user
        known = tax.has_node(h.node)
        out.append(
            {
                "when": h.history_date,
                "who": (user.get_full_name() or user.username) if user else _("system"),
                "node": (
                    f"{tax.chain_of(h.node).name.get(lang)} › {tax.node(h.node).name.get(lang)}"
                    if known
                    else h.node
                ),
                "deleted": h.history_type == "-",
                "status": status.get(h.status, h.status),
                "reason": h.reason or h.history_change_reason or "",
            }
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def chain_placement(request, uscc):
    """An official (Actor.can_place) sets the enterprise's chain nodes with a reason; the
    proposals, declarations and earlier decisions are pre-ticked, the history is below."""
    enterprise = get_enterprise_for_user(request, uscc)
    a = actor(request)
    if not a.can_place(enterprise):
        raise PermissionDenied
    current = placements.effective([enterprise.pk]).get(enterprise.pk, [])
    if request.method == "POST":
        form = PlacementForm(request.POST)
        if form.is_valid():
            try:
                placements.decide(
                    a, enterprise, form.cleaned_data["nodes"], form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error("nodes", exc)
            else:
                messages.success(request, _("The chain nodes of this enterprise are saved."))
                return redirect("enterprise", enterprise.uscc)
        selected = set(request.POST.getlist("nodes"))
        status = 400
    else:
        form = PlacementForm(initial={"nodes": current})
        selected = set(current)
        status = 200
    context = {
        "enterprise": enterprise,
        "form": form,
        "groups": _groups(selected, {p.node: p for p in enterprise.chain_placements.all()}),
        "current": describe(placements.effective_rows(enterprise)),
        "history": _history(enterprise),
    }
    return render(request, "web/chain_placement_form.html", context, status=status)
