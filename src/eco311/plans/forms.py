from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eco311.core.forms import limit_note, refuse_control_characters
from eco311.plans.models import ProgressReport
from eco311.plans.planfile import is_count_unit
from eco311.plans.workflow import current_period

#: The attachment types a report accepts: PDF, images and office files (documented in
#: docs/api.md and on the form). Archives and text files are not: an archive can hold anything.
ALLOWED_ATTACHMENTS = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".pptx")


class ReportForm(forms.Form):
    period_kind = forms.ChoiceField(label=_("Period"), choices=ProgressReport.Period.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    index = forms.IntegerField(
        label=_("Period number"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("Quarter 1–4, half 1–2, month 1–12; 1 for a year."),
    )
    value = forms.FloatField(label=_("Value"), required=False)
    done = forms.BooleanField(label=_("Completed"), required=False)
    progress_pct = forms.FloatField(label=_("Progress (%)"), required=False)
    count = forms.IntegerField(label=_("Number of events"), required=False, min_value=0)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args, target=None, as_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        # The evaluation date the page shows (ECO311_AS_OF in the demo), else today.
        as_of = as_of or timezone.localdate()
        limit_note(self.fields["note"])
        self.fields["attachment"].widget.attrs["accept"] = ",".join(ALLOWED_ATTACHMENTS)
        self.fields["attachment"].help_text = _(
            "PDF, an image or an office file (%(types)s), at most %(mb)s MB."
        ) % {"types": ", ".join(ALLOWED_ATTACHMENTS), "mb": settings.ECO311_MAX_ATTACHMENT_MB}
        self.fields["year"].initial = as_of.year
        if target is not None:
            keep = {"numeric": "value", "milestone": ("done", "progress_pct"), "recurring": "count"}
            wanted = keep[target.kind]
            for name in ("value", "done", "progress_pct", "count"):
                if name not in wanted:
                    del self.fields[name]
            # Default to the period a report is due for now, not month 1 of this year.
            kind, year, index = current_period(target, as_of)
            self.fields["period_kind"].initial = kind
            self.fields["year"].initial = year
            self.fields["index"].initial = index
            if "value" in self.fields and is_count_unit(target.unit_zh):
                # The server refuses fractions (plans.workflow.check_payload); say so up front.
                self.fields["value"].widget.attrs["step"] = "1"
                self.fields["value"].help_text = _("A whole number (%(unit)s).") % {
                    "unit": target.unit
                }

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if f and not f.name.lower().endswith(ALLOWED_ATTACHMENTS):
            raise forms.ValidationError(
                _("Attachments must be one of: %(types)s")
                % {"types": ", ".join(ALLOWED_ATTACHMENTS)}
            )
        limit = settings.ECO311_MAX_ATTACHMENT_MB
        if f and f.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The attachment is %(size)s MB; attachments may be at most %(limit)s MB.")
                % {"size": f"{f.size / 1024 / 1024:.1f}", "limit": limit}
            )
        return f


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return"))]
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        limit_note(self.fields["comment"])
