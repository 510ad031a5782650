from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD = 50 * 1024 * 1024


class SurveyUploadForm(forms.Form):
    """A filled survey workbook for one reporting year (administrator only)."""

    file = forms.FileField(
        label=_("Filled survey workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    year = forms.IntegerField(
        label=_("Reporting year"),
        min_value=2000,
        max_value=2100,
        help_text=_("Every row of the workbook must report this year."),
    )
    approve = forms.BooleanField(
        label=_("Approve the returns on import"),
        required=False,
        help_text=_(
            "Approved returns count in the indicators at once; otherwise they wait as submitted."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload the survey workbook as an .xlsx file."))
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return f
