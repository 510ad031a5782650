"""The 500 page: what went wrong is in the log; the page gives the request id to quote."""

from django.http import HttpResponseServerError
from django.template import loader

from eco311.core.middleware import current_request_id


def server_error(request):
    """Rendered without the context processors (no user, no database): the error may be the
    database itself. The id is the request's, the same as in X-Request-ID and the log."""
    request_id = getattr(request, "request_id", None) or current_request_id()
    body = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(body)
