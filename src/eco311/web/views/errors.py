"""The 403 and 500 pages. A 500's cause is in the log; the page gives the request id to quote."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseServerError
from django.template import loader
from django.views.defaults import permission_denied as default_permission_denied

from eco311.core.middleware import current_request_id


def server_error(request):
    """Rendered without the context processors (no user, no database): the error may be the
    database itself. The id is the request's, the same as in X-Request-ID and the log."""
    request_id = getattr(request, "request_id", None) or current_request_id()
    body = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(body)


def permission_denied(request, exception=None):
    """A private page asked for by an anonymous visitor sends him to the login page (and back
    here after it); a signed-in user whose role may not open it gets the 403 page."""
    if not request.user.is_authenticated and not request.path.startswith("/api/"):
        return redirect_to_login(request.get_full_path())
    return default_permission_denied(request, exception, template_name="403.html")
