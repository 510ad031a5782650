from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eco311.plans.models import ProgressReport

ALLOWED_ATTACHMENTS = (".pdf", ".docx", ".xlsx", ".jpg", ".jpeg", ".png", ".zip", ".txt")


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

    def __init__(self, *args, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        if target is not None:
            keep = {"numeric": "value", "milestone": ("done", "progress_pct"), "recurring": "count"}
            wanted = keep[target.kind]
            for name in ("value", "done", "progress_pct", "count"):
                if name not in wanted:
                    del self.fields[name]

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if f and not f.name.lower().endswith(ALLOWED_ATTACHMENTS):
            raise forms.ValidationError(
                _("Attachments must be one of: %(types)s")
                % {"types": ", ".join(ALLOWED_ATTACHMENTS)}
            )
        return f


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
