from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eco311.core.forms import limit_note, refuse_control_characters
from eco311.enterprises.directory import return_fields

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


class ReturnForm(forms.Form):
    """An enterprise's annual return, one text field per return field of the data dictionary.

    The form only carries what was typed: checking it is the survey validator's job
    (enterprises/returns.py), so that the form and an Excel import give the same errors and
    store the same values. Choices are drop-downs of the dictionary's options.
    """

    def __init__(self, *args, language: str = "zh", **kwargs):
        super().__init__(*args, **kwargs)
        self.specs = return_fields()
        for spec in self.specs:
            self.fields[spec.key] = _return_field(spec, language)
        refuse_control_characters(self)

    def raw(self) -> dict[str, str]:
        """What was typed, by field key (blank: "")."""
        return {spec.key: self.data.get(spec.key, "") for spec in self.specs}

    def groups(self, dictionary, language: str):
        """(group label, [(bound field, field spec, unit)]) in the dictionary's order."""
        out = []
        for group in dictionary.groups:
            rows = [
                (self[s.key], s, s.unit.get(language) if s.unit else "")
                for s in self.specs
                if s.group == group.key
            ]
            if rows:
                out.append((group.label.get(language), rows))
        return out


def _option(value) -> str:
    """An option's value as the form posts it (the validator reads "true"/"false" as flags)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _return_field(spec, language: str) -> forms.Field:
    attrs = {"autocomplete": "off"}
    if spec.type in ("enum", "bool"):
        options = [(_option(value), label.get(language)) for value, label in spec.options()]
        widget = forms.Select(choices=[("", "—"), *options], attrs=attrs)
    else:
        if spec.type == "integer":
            attrs["inputmode"] = "numeric"
        elif spec.type == "decimal":
            attrs["inputmode"] = "decimal"
        widget = forms.TextInput(attrs=attrs)
    return forms.CharField(
        label=spec.label.get(language),
        help_text=spec.definition.get(language),
        required=False,
        strip=False,  # the validator decides what a blank is
        widget=widget,
    )


class ReturnReviewForm(forms.Form):
    """A city bureau's decision on a submitted return."""

    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the return is sent back: say what to correct."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        limit_note(self.fields["comment"])
