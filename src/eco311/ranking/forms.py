"""The form that starts a year's ranking (administrator only): the survey year, the list's
length and the uncertainty analysis's base sample. ranking/service.start checks them again."""

from django import forms
from django.utils.translation import gettext_lazy


class StartForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Survey year"), coerce=int)
    top_n = forms.IntegerField(
        label=gettext_lazy("List length"), min_value=1, max_value=1000, initial=100
    )
    samples = forms.IntegerField(
        label=gettext_lazy("Monte Carlo samples"),
        min_value=0,
        max_value=100_000,
        initial=0,
        help_text=gettext_lazy(
            "Base sample of the uncertainty analysis (0: none, so no rank bands and no "
            "P(top N)). The analysis runs this many samples for every uncertain choice."
        ),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
