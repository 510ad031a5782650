"""Forms of the supervision loop: assigning units, contact persons, reminders and answers.

They validate input only; the rules (who may, what the plan already names) are in assign.py and
reminders.py, whose ValidationErrors the views put back on the fields.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from eco311.core.forms import limit_note, refuse_control_characters
from eco311.plans.models import Unit
from eco311.supervision.models import Assignment, Reminder


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        for name in ("reason", "message", "note"):
            if name in self.fields:
                limit_note(self.fields[name])


class AssignForm(_Form):
    unit = forms.ModelChoiceField(
        label=_("Responsible unit"),
        queryset=Unit.objects.filter(is_active=True, collective=False),
        empty_label=_("— choose a unit —"),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Assignment.Role.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history, e.g. 按职能分工由省工业和信息化厅牵头."),
    )
    whole_task = forms.BooleanField(label=_("For every target of the task"), required=False)

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is not None:
            self.fields["whole_task"].label = _("For every target of task %(ref)s") % {
                "ref": task.ref
            }


class UnassignForm(_Form):
    reason = forms.CharField(label=_("Reason for removing"), max_length=2000)


class ContactForm(_Form):
    party = forms.ChoiceField(label=_("Responsible party"))
    name = forms.CharField(label=_("Contact person"), max_length=100)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(key, obj.name) for key, obj in parties]
        self.parties = dict(parties)

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and "phone" not in self.errors:
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        return data

    def party_kwargs(self) -> dict:
        """unit= or area= for the chosen party."""
        key = self.cleaned_data["party"]
        return {"unit" if key.startswith("unit:") else "area": self.parties[key]}


class ReminderForm(_Form):
    party = forms.ChoiceField(label=_("To"))
    level = forms.ChoiceField(label=_("Level"), choices=Reminder.Level.choices)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(key, label) for key, _obj, label in parties]
        self.parties = {key: obj for key, obj, _label in parties}

    def party_kwargs(self) -> dict:
        key = self.cleaned_data["party"]
        return {"unit" if key.startswith("unit:") else "area": self.parties[key]}


class AnswerForm(_Form):
    note = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was done, or when the report will come."),
    )


class EscalateForm(_Form):
    message = forms.CharField(
        label=_("Message of the next level"), widget=forms.Textarea(attrs={"rows": 3})
    )
