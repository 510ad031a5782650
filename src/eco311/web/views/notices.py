"""Notices (通知公告): the list, reading one, and the plan owner's drafting and publishing.

The rules are in supervision/notices.py and the Actor (accounts/scopes.py); these views load
(accounts/lookups.py), ask, and render. Public notices are on the public pages: the list and a
notice open without logging in; everything that writes needs the plan owner.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from eco311.accounts.lookups import (
    enterprises_for_user,
    get_notice_attachment_for_user,
    get_notice_for_user,
    notices_for_user,
)
from eco311.accounts.scopes import actor
from eco311.core.forms import limit_note, refuse_control_characters
from eco311.geo.models import Area
from eco311.plans.models import Unit
from eco311.supervision import notices as service
from eco311.supervision.models import Notice, NoticeReceipt
from eco311.web.tables import Column, export_query, wants_xlsx, xlsx_response

MAX_BODY_CHARS = 20000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class NoticeForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text of the notice"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("For"),
        choices=Notice.Audience.choices,
        widget=forms.RadioSelect,
        initial=Notice.Audience.ALL,
    )
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    areas = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Cities and parks"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    enterprises = forms.CharField(
        label=gettext_lazy("Enterprises addressed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Unified social credit codes, one per line."),
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)
    remove = forms.MultipleChoiceField(
        label=gettext_lazy("Remove attachments"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, who=None, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.who = who
        refuse_control_characters(self)
        limit_note(self.fields["enterprises"])
        self.fields["units"].queryset = Unit.objects.filter(is_active=True).order_by("key")
        self.fields["areas"].queryset = Area.objects.filter(
            kind__in=("city", "park"), is_active=True
        ).order_by("kind", "code", "key")
        self.fields["attachments"].widget.attrs["accept"] = ",".join(service.ALLOWED_ATTACHMENTS)
        self.fields["attachments"].help_text = _(
            "PDF, an image, an office or a text file (%(types)s), at most %(mb)s MB each."
        ) % {"types": ", ".join(service.ALLOWED_ATTACHMENTS), "mb": service.attachment_limit_mb()}
        if notice is not None and notice.pk:
            self.fields["remove"].choices = [
                (str(a.pk), a.name) for a in notice.attachments.order_by("pk")
            ]
        else:
            del self.fields["remove"]

    def clean_enterprises(self):
        codes = [c.strip().upper() for c in self.cleaned_data["enterprises"].split() if c.strip()]
        codes = list(dict.fromkeys(codes))
        found = {e.uscc: e for e in enterprises_for_user(self.who).filter(uscc__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("No enterprise has the code %(codes)s.") % {"codes": "、".join(unknown[:5])}
            )
        return [found[c] for c in codes]


def _initial(notice: Notice) -> dict:
    return {
        "title": notice.title,
        "body": notice.body,
        "audience": notice.audience,
        "units": [r.unit_id for r in notice.recipients.all() if r.unit_id],
        "areas": [r.area_id for r in notice.recipients.all() if r.area_id],
        "enterprises": "\n".join(
            r.enterprise.uscc
            for r in notice.recipients.select_related("enterprise")
            if r.enterprise_id
        ),
    }


def _state(notice: Notice, read_ids: set[int], user=None) -> str:
    if notice.published_on is None:
        return "draft"
    if notice.withdrawn_on is not None:
        return "withdrawn"
    if user is not None and notice.published_by_id == user.pk:
        return "published"  # his own notice is not news to the publisher
    return "read" if notice.pk in read_ids else "unread"


STATE_LABELS = {
    "draft": gettext_lazy("Draft"),
    "published": gettext_lazy("Published"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "read": gettext_lazy("Read"),
    "unread": gettext_lazy("Unread"),
}


def notice_list(request):
    """The notices the visitor may read, newest first, with read or unread; the plan owner's
    drafts and withdrawn notices too. Public notices for the anonymous public."""
    a = actor(request)
    qs = notices_for_user(a).prefetch_related("attachments")
    # Drafts (no date yet) first for the plan owner, then the newest publication first.
    rows = list(qs.order_by(F("published_on").desc(nulls_first=True), "-id"))
    read_ids = set()
    if a.user is not None:
        read_ids = set(
            NoticeReceipt.objects.filter(user=a.user).values_list("notice_id", flat=True)
        )
    state = request.GET.get("state", "")
    listed = [(n, _state(n, read_ids, a.user)) for n in rows]
    if state in STATE_LABELS:
        listed = [(n, s) for n, s in listed if s == state]
    if wants_xlsx(request):
        return xlsx_response(
            request,
            title=_("Notices"),
            columns=[
                Column(_("Number"), lambda r: r[0].number),
                Column(_("Title"), lambda r: r[0].title),
                Column(_("For"), lambda r: r[0].get_audience_display()),
                Column(_("Published on"), lambda r: r[0].published_on, kind="date"),
                Column(_("State"), lambda r: str(STATE_LABELS[r[1]])),
                Column(_("Attachments"), lambda r: len(r[0].attachments.all()), kind="int"),
            ],
            rows=listed,
            filename="notices.xlsx",
        )
    return render(
        request,
        "web/notice_list.html",
        {
            "listed": listed,
            "state": state,
            "states": STATE_LABELS,
            "can_publish": a.can_publish_notices,
            "signed_in": a.user is not None,
            "export_query": export_query(request),
        },
    )


def _save(request, a, form, notice=None):
    """Save the form as a draft; put the service's refusals on the form's fields."""
    d = form.cleaned_data
    try:
        return service.save_draft(
            a,
            title=d["title"],
            body=d["body"],
            audience=d["audience"],
            units=list(d["units"]),
            areas=list(d["areas"]),
            enterprises=d["enterprises"],
            attachments=d["attachments"],
            remove_attachments=[int(x) for x in d.get("remove", [])],
            notice=notice,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, problems in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, problems)
        else:
            form.add_error(None, exc.messages)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request):
    """The plan owner drafts a notice (published from its page)."""
    a = actor(request)
    a.require(a.can_publish_notices)
    form = NoticeForm(request.POST or None, request.FILES or None, who=a)
    if request.method == "POST" and form.is_valid():
        notice = _save(request, a, form)
        if notice is not None:
            messages.success(request, _("The draft is saved. Check it, then publish it."))
            return redirect("notice", notice.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/notice_form.html", {"form": form, "notice": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, notice_id):
    """The plan owner changes a draft; a published notice is not edited."""
    a = actor(request)
    a.require(a.can_publish_notices)
    notice = get_notice_for_user(a, notice_id)
    if notice.published_on is not None:
        messages.error(
            request, _("A published notice is not changed: publish a correction as a new notice.")
        )
        return redirect("notice", notice.pk)
    if request.method == "POST":
        form = NoticeForm(request.POST, request.FILES, who=a, notice=notice)
        if form.is_valid() and _save(request, a, form, notice) is not None:
            messages.success(request, _("The draft is saved."))
            return redirect("notice", notice.pk)
        status = 400
    else:
        form = NoticeForm(initial=_initial(notice), who=a, notice=notice)
        status = 200
    return render(request, "web/notice_form.html", {"form": form, "notice": notice}, status=status)


def notice_detail(request, notice_id):
    """A notice; opening it records the reader's receipt. The plan owner also sees the draft's
    actions (edit, publish), withdrawal, and the receipts per addressed party."""
    a = actor(request)
    notice = get_notice_for_user(a, notice_id)
    service.mark_read(a.user, notice)
    context = {
        "notice": notice,
        "attachments": notice.attachments.order_by("pk"),
        "recipients": notice.recipients.select_related("unit", "area", "enterprise"),
        "can_publish": a.can_publish_notices,
    }
    if a.can_publish_notices:
        context["receipts"] = service.receipts(notice) if notice.published_on else []
        context["history"] = notice.history.select_related("history_user").order_by("-history_date")
    return render(request, "web/notice_detail.html", context)


@login_required
@require_POST
def notice_publish(request, notice_id):
    """Publish a draft, once the plan owner has ticked the confirmation."""
    a = actor(request)
    a.require(a.can_publish_notices)
    notice = get_notice_for_user(a, notice_id)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request, _("Tick the confirmation to publish: a published notice cannot be changed.")
        )
        return redirect("notice", notice.pk)
    try:
        notice = service.publish(a, notice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Published as %(number)s.") % {"number": notice.number})
    return redirect("notice", notice.pk)


@login_required
@require_POST
def notice_withdraw(request, notice_id):
    """Withdraw a published notice, with the reason."""
    a = actor(request)
    a.require(a.can_publish_notices)
    notice = get_notice_for_user(a, notice_id)
    reason = request.POST.get("reason", "")
    try:
        service.withdraw(a, notice, reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The notice is withdrawn."))
    return redirect("notice", notice.pk)


def notice_attachment(request, notice_id, attachment_id):
    """An attachment, to the notice's readers only, always as a download (never shown inline
    by the browser) under its safe name."""
    _notice, attachment = get_notice_attachment_for_user(request, notice_id, attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
