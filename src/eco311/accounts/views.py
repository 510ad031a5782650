from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from eco311.accounts.forms import AccountForm
from eco311.accounts.models import ApiToken, Membership, Role
from eco311.accounts.scopes import actor
from eco311.supervision import delivery


@login_required
def account(request):
    """The user's own account; a POST sets how reminders and notices reach him by e-mail."""
    mail_error = ""
    if request.method == "POST":
        choice = request.POST.get("mail", "")
        if choice in delivery.MAIL_CHOICES:
            delivery.set_mail_choice(request.user, choice)
            messages.success(request, _("Your e-mail choice is saved."))
            return redirect("account")
        mail_error = _("Choose one of the three ways to receive e-mail.")
    tokens = request.user.tokens.filter(revoked=False).order_by("-created_on")
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": tokens,
            "actor": actor(request),
            "new_token": request.session.pop("new_token", None),
            "mail_choice": delivery.mail_choice(request.user),
            "mail_choices": [
                ("single", _("One e-mail for each reminder or notice")),
                ("digest", _("One daily digest")),
                ("off", _("No e-mail (the inbox only)")),
            ],
            "mail_error": mail_error,
        },
        status=400 if mail_error else 200,
    )


@login_required
@require_POST
def create_token(request):
    name = request.POST.get("name", "").strip() or _("API token")
    _token, raw = ApiToken.issue(request.user, name[:100])
    request.session["new_token"] = raw
    messages.success(request, _("Token created. Copy it now: it will not be shown again."))
    return redirect("account")


@login_required
@require_POST
def revoke_token(request, token_id):
    """Revoke one of the caller's own tokens. Any other id (another user's token, an unknown
    or an already revoked one) changes nothing and says so, rather than claiming success."""
    if request.user.tokens.filter(pk=token_id, revoked=False).update(revoked=True):
        messages.success(request, _("Token revoked."))
    else:
        messages.error(request, _("No such token among yours: nothing was revoked."))
    return redirect("account")


# -- account management (the province administrator) -------------------------------------------
#
# Every view below checks Actor.can_manage_accounts on the server; the menu only mirrors it.
# Accounts are deactivated, never deleted: progress reports, reviews and returns name their
# users. Each action is written to Django's admin log (LogEntry), the account's history.

MANAGED_PAGE = 50

#: What the account history records (LogEntry.change_message holds the key; the label is
#: translated when shown, so the history reads in the reader's language).
EVENTS = {
    "created": gettext_lazy("Account created"),
    "deactivated": gettext_lazy("Deactivated"),
    "reactivated": gettext_lazy("Reactivated"),
    "password": gettext_lazy("New password set by the administrator"),
}


def _require_account_admin(request):
    if not actor(request).can_manage_accounts:
        raise PermissionDenied


def _log(request, user, flag, event: str) -> None:
    """One line of the account's history (shown on its page and in Django's admin site)."""
    LogEntry.objects.create(
        user=request.user,
        content_type=ContentType.objects.get_for_model(user),
        object_id=str(user.pk),
        object_repr=str(user)[:200],
        action_flag=flag,
        change_message=event,
    )


def _managed_user(user_id: int):
    return get_object_or_404(
        get_user_model().objects.select_related(
            "membership__unit", "membership__area", "membership__enterprise"
        ),
        pk=user_id,
    )


@login_required
def account_list(request):
    """Every account, filtered by role and by whether it is active."""
    _require_account_admin(request)
    users = (
        get_user_model()
        .objects.select_related("membership__unit", "membership__area", "membership__enterprise")
        .order_by("username")
    )
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(membership__role=role)
    elif role == "none":
        users = users.filter(membership__isnull=True)
    else:
        role = ""
    active = request.GET.get("active", "")
    if active in ("yes", "no"):
        users = users.filter(is_active=active == "yes")
    else:
        active = ""
    page = Paginator(users, MANAGED_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/manage_list.html",
        {
            "page": page,
            "roles": Role.choices,
            "filters": {"role": role, "active": active},
            "query": urlencode({k: v for k, v in (("role", role), ("active", active)) if v}),
        },
    )


@login_required
def account_create(request):
    """A new account with its role, the scope object of that role and a first password."""
    _require_account_admin(request)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                d["username"], d.get("email", ""), d["password1"], first_name=d.get("full_name", "")
            )
            # Django's admin site is for the province administrator only.
            user.is_staff = d["role"] == Role.ADMIN
            user.save(update_fields=["is_staff"])
            Membership.objects.create(user=user, **form.membership_fields())
            _log(request, user, ADDITION, "created")
        messages.success(request, _("Account %(username)s created.") % {"username": user.username})
        return redirect("account_detail", user_id=user.pk)
    return render(
        request,
        "accounts/manage_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _history(user, limit: int = 50) -> list[dict]:
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(user), object_id=str(user.pk)
    ).select_related("user")[:limit]
    return [
        {
            "when": e.action_time,
            "by": e.user.username,
            "what": EVENTS.get(e.change_message) or e.get_change_message(),
        }
        for e in entries
    ]


@login_required
def account_detail(request, user_id):
    """One account: its role and scope, deactivate or reactivate, set a new password."""
    _require_account_admin(request)
    user = _managed_user(user_id)
    form = SetPasswordForm(user)
    return render(request, "accounts/manage_detail.html", _detail_context(request, user, form))


def _detail_context(request, user, form):
    return {
        "account": user,
        "membership": getattr(user, "membership", None),
        "password_form": form,
        "history": _history(user),
        "is_self": user.pk == request.user.pk,
    }


@login_required
@require_POST
def account_set_active(request, user_id):
    """Deactivate (the user can no longer log in, its API tokens are revoked) or reactivate.

    Never the administrator's own account: the one acting stays, so the platform always keeps
    an administrator who can manage it.
    """
    _require_account_admin(request)
    user = _managed_user(user_id)
    active = request.POST.get("active") == "yes"
    if not active and user.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    elif user.is_active != active:
        with transaction.atomic():
            user.is_active = active
            user.save(update_fields=["is_active"])
            if not active:
                # A deactivated user's tokens would otherwise keep the API open to it.
                user.tokens.filter(revoked=False).update(revoked=True)
            _log(request, user, CHANGE, "reactivated" if active else "deactivated")
        if active:
            messages.success(request, _("Account %(username)s reactivated.") % {"username": user})
        else:
            messages.success(
                request,
                _("Account %(username)s deactivated; its API tokens were revoked.")
                % {"username": user},
            )
    return redirect("account_detail", user_id=user.pk)


@login_required
@require_POST
def account_set_password(request, user_id):
    """The administrator sets a new password (checked by the validators); the user's open
    sessions end, as with any password change."""
    _require_account_admin(request)
    user = _managed_user(user_id)
    form = SetPasswordForm(user, request.POST)
    if not form.is_valid():
        return render(
            request, "accounts/manage_detail.html", _detail_context(request, user, form), status=400
        )
    form.save()
    if user.pk == request.user.pk:
        update_session_auth_hash(request, user)  # keep the administrator logged in
    _log(request, user, CHANGE, "password")
    messages.success(request, _("New password set for %(username)s.") % {"username": user})
    return redirect("account_detail", user_id=user.pk)
