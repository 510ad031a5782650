"""Forms of the account pages (accounts/views.py): a new account, and a password set by the
administrator. Passwords go through Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from eco311.accounts.models import Role
from eco311.enterprises.models import Enterprise
from eco311.geo.models import Area
from eco311.plans.models import Unit

#: The scope field each role needs (None: the role acts province-wide or for an organisation).
SCOPE_FIELD = {
    Role.ADMIN: None,
    Role.DEPARTMENT: "unit",
    Role.CITY: "city",
    Role.PARK: "park",
    Role.ENTERPRISE: "enterprise",
    Role.BANK: None,
}

SCOPE_MISSING = {
    "unit": _("A provincial department's account needs its department."),
    "city": _("A city bureau's account needs its city."),
    "park": _("A park committee's account needs its park."),
    "enterprise": _("An enterprise user's account needs its enterprise."),
}


class _AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class _EnterpriseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.uscc})"


class AccountForm(forms.Form):
    """A new account: who, which role, the scope object that role acts in, a first password."""

    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Unit.objects.order_by("name_zh"),
        required=False,
        help_text=_("For a provincial department (and optionally the administrator)."),
    )
    city = _AreaChoice(
        label=_("City"),
        queryset=Area.objects.filter(kind=Area.Kind.CITY, is_active=True).order_by("code"),
        required=False,
        help_text=_("For a city bureau."),
    )
    park = _AreaChoice(
        label=_("Park"),
        queryset=Area.objects.filter(kind=Area.Kind.PARK, is_active=True).order_by("key"),
        required=False,
        help_text=_("For a park committee."),
    )
    enterprise = _EnterpriseChoice(
        label=_("Enterprise"),
        queryset=Enterprise.objects.order_by("name"),
        to_field_name="uscc",
        required=False,
        help_text=_("For an enterprise user."),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("Required for a bank: the bank and branch."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("An account with this username already exists."))
        return username

    def clean(self):
        data = super().clean()
        role = data.get("role")
        needed = SCOPE_FIELD.get(role)
        if needed and not data.get(needed):
            self.add_error(needed, SCOPE_MISSING[needed])
        if role == Role.BANK and not data.get("organisation", "").strip():
            self.add_error("organisation", _("A bank's account needs the name of the bank."))
        # Only the scope of the chosen role is kept: a city bureau with a park would see more.
        for name in ("unit", "city", "park", "enterprise"):
            if name != needed and not (name == "unit" and role == Role.ADMIN):
                data[name] = None
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1 and data.get("username"):
            user = get_user_model()(
                username=data["username"],
                email=data.get("email", ""),
                first_name=data.get("full_name", ""),
            )
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def membership_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "role": d["role"],
            "unit": d.get("unit"),
            "area": d.get("city") or d.get("park"),
            "enterprise": d.get("enterprise"),
            "organisation": d.get("organisation", "").strip(),
        }


# Django 5.2 messages its own zh_Hans catalogue does not translate yet (it still has the
# older %(min_length)d wording). Marked here so that our catalogue carries them.
DJANGO_MESSAGES = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        10,
    ),
]
