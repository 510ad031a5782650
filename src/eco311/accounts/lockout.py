"""Log-in throttling with django-axes: the backend in front and the lockout page.

settings.py configures the limits (ECO311_LOGIN_FAILURE_LIMIT failures for one user name from
one address, then ECO311_LOGIN_COOLOFF_MINUTES locked out).
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, for log-ins that come with a request.

    What is throttled is guessing over the web: the log-in form and the admin's. A call to
    authenticate() without a request (a management command, the test client's login()) is not
    reachable from outside, so it goes on to the password check; axes itself would raise.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_out(request, original_response=None, credentials=None):
    """The log-in page again, saying the account is locked and for how long (429, not a bare
    403 page). The form is empty: nothing typed is sent back."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "accounts/login.html",
        {
            "form": AuthenticationForm(request),
            "locked_out": True,
            "cooloff_minutes": minutes,
            "next": request.POST.get("next", request.GET.get("next", "")),
        },
        status=429,
    )
