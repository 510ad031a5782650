from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eco311.accounts.models import ApiToken
from eco311.accounts.scopes import actor


@login_required
def account(request):
    tokens = request.user.tokens.filter(revoked=False).order_by("-created_on")
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": tokens,
            "actor": actor(request),
            "new_token": request.session.pop("new_token", None),
        },
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
    request.user.tokens.filter(pk=token_id).update(revoked=True)
    messages.success(request, _("Token revoked."))
    return redirect("account")
