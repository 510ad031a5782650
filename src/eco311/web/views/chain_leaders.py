"""The chain leaders (链主) of one chain: the computed scores beside the official tag.

For officials (Actor.can_see_chain_enterprises), listing the enterprises of their own scope: the
chain-leader score of chains/analytics.py with its components (the enterprise's share of its
node's revenue in the province, the node's importance, the local suppliers it buys from), the
official tag, and the candidates the score proposes. The plan owner
(Actor.can_tag_chain_leaders) grants and revokes the tag here, always with a reason
(chains/leaders.py enforces the rules; the history keeps the reason).
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from eco311.accounts.lookups import enterprises_for_user, get_chain_leader_tag_for_user
from eco311.accounts.scopes import actor
from eco311.chains import leaders as chain_leaders
from eco311.chains import population
from eco311.chains import taxonomy as chain_taxonomy
from eco311.core.forms import refuse_control_characters
from eco311.enterprises.directory import lang
from eco311.enterprises.models import Enterprise, Tag


class _ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.TextInput,
        help_text=gettext_lazy("Kept in the tag's history."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        limit = chain_leaders.reason_limit()
        self.fields["reason"].max_length = limit
        self.fields["reason"].widget.attrs["maxlength"] = str(limit)
        self.fields["reason"].validators.append(MaxLengthValidator(limit))


class GrantForm(_ReasonForm):
    uscc = forms.CharField(
        label=gettext_lazy("Unified social credit code"), max_length=18, min_length=18
    )
    granted_on = forms.DateField(
        label=gettext_lazy("Granted on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    field_order = ["uscc", "granted_on", "reason"]


class RevokeForm(_ReasonForm):
    revoked_on = forms.DateField(
        label=gettext_lazy("Revoked on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    field_order = ["revoked_on", "reason"]


def _chain(chain_code: str):
    try:
        return chain_taxonomy.load().chain(chain_code)
    except KeyError:
        raise Http404 from None


def _year(raw) -> int | None:
    years = sorted(population.years(), reverse=True)
    try:
        asked = int(raw)
    except (TypeError, ValueError):
        asked = None
    if asked in years:
        return asked
    return years[0] if years else None


def _add_errors(form, exc: ValidationError, fields: dict[str, str]) -> None:
    """The service's refusal on the form: each message on the field it names (``fields`` maps
    the service's names onto the form's), the others above the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            target = fields.get(key)
            for text in errors:
                form.add_error(target if target in form.fields else None, text)
    else:
        for text in exc.messages:
            form.add_error(None, text)


def _context(request, chain, year, grant_form=None, revoke_forms=None) -> dict:
    a = actor(request)
    language = lang()
    node_names = {n.code: n.name.get(language) for n in chain.nodes}
    rows, hidden = [], 0
    tags = list(chain_leaders.active_tags(chain.code))
    tagged_ids = {t.enterprise_id for t in tags}
    if year is not None:
        result = next(
            (c for c in population.analysis_for(year).chains if c.code == chain.code), None
        )
        scored = result.leaders if result else []
        ids = [lr.enterprise for lr in scored]
        visible = {
            e.pk: e
            for e in enterprises_for_user(a, Enterprise.objects.filter(pk__in=ids)).select_related(
                "city"
            )
        }
        hidden = len(set(ids) - set(visible))
        for rank, lr in enumerate(scored, start=1):
            e = visible.get(lr.enterprise)
            if e is None:
                continue
            rows.append(
                {
                    "rank": rank,
                    "enterprise": e,
                    "node": node_names.get(lr.node, lr.node),
                    "share": lr.share,
                    "importance": lr.importance,
                    "local_suppliers": lr.local_suppliers,
                    "score": lr.score,
                    "tagged": lr.tagged,
                    "held_now": lr.enterprise in tagged_ids,
                    "candidate": lr.candidate,
                }
            )
    visible_tags = [t for t in tags if a.can_see_enterprise(t.enterprise)]
    history = (
        Tag.history.filter(kind=Tag.Kind.CHAIN_LEADER, stage=chain.code)
        .filter(enterprise_id__in=enterprises_for_user(a).values("pk"))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:100]
    )
    names = dict(
        Enterprise.objects.filter(pk__in={h.enterprise_id for h in history}).values_list(
            "pk", "name"
        )
    )
    for h in history:
        h.enterprise_name = names.get(h.enterprise_id, "")
    can_tag = a.can_tag_chain_leaders
    revoke_forms = revoke_forms or {}
    context = {
        "chain": chain,
        "chain_name": chain.name.get(language),
        "year": year,
        "years": sorted(population.years(), reverse=True),
        "rows": rows,
        "hidden": hidden,
        "tags": visible_tags,
        "history": history,
        "can_tag": can_tag,
        "today": date.today(),
    }
    if can_tag:
        context["grant_form"] = grant_form or GrantForm(initial={"granted_on": date.today()})
        context["revoke_forms"] = {
            t.pk: revoke_forms.get(t.pk) or RevokeForm(initial={"revoked_on": date.today()})
            for t in visible_tags
        }
    return context


def _page(chain_code: str, year=None):
    url = reverse("chain_leaders", kwargs={"chain_code": chain_code})
    return redirect(f"{url}?year={year}" if year else url)


@login_required
def chain_leaders_page(request, chain_code):
    """The chain's leader scores and official tags, for officials in their scope."""
    chain = _chain(chain_code)
    if not actor(request).can_see_chain_enterprises:
        raise PermissionDenied
    year = _year(request.GET.get("year"))
    return render(request, "web/chain_leaders.html", _context(request, chain, year))


@login_required
@require_POST
def chain_leader_grant(request, chain_code):
    """The plan owner grants the chain's 链主 tag to an enterprise (chains/leaders.grant)."""
    chain = _chain(chain_code)
    a = actor(request)
    if not a.can_tag_chain_leaders:
        raise PermissionDenied
    year = _year(request.POST.get("year"))
    form = GrantForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        enterprise = enterprises_for_user(a).filter(uscc=data["uscc"].strip().upper()).first()
        if enterprise is None:
            form.add_error("uscc", _("No enterprise has this credit code."))
        else:
            try:
                chain_leaders.grant(a, enterprise, chain.code, data["granted_on"], data["reason"])
            except ValidationError as exc:
                _add_errors(form, exc, {"reason": "reason", "granted_on": "granted_on"})
            else:
                messages.success(
                    request,
                    _("%(name)s now holds the chain-leader tag of %(chain)s.")
                    % {"name": enterprise.name, "chain": chain.name.get(lang())},
                )
                return _page(chain.code, year)
    context = _context(request, chain, year, grant_form=form)
    return render(request, "web/chain_leaders.html", context)


@login_required
@require_POST
def chain_leader_revoke(request, chain_code, tag_id):
    """The plan owner revokes a 链主 tag of the chain (chains/leaders.revoke); the row stays."""
    chain = _chain(chain_code)
    tag = get_chain_leader_tag_for_user(request, tag_id)
    if tag.stage != chain.code:
        raise Http404
    year = _year(request.POST.get("year"))
    form = RevokeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            chain_leaders.revoke(actor(request), tag, data["revoked_on"], data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc, {"reason": "reason", "revoked_on": "revoked_on"})
        else:
            messages.success(
                request,
                _("The chain-leader tag of %(name)s was revoked.") % {"name": tag.enterprise.name},
            )
            return _page(chain.code, year)
    context = _context(request, chain, year, revoke_forms={tag.pk: form})
    return render(request, "web/chain_leaders.html", context)
