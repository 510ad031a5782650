import logging
import re
import sys
import uuid
from contextvars import ContextVar

# A request id may come from a proxy in front (X-Request-ID): it is taken only when it is short
# and plain, since it is written into log lines and the error page.
REQUEST_ID_HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
NO_REQUEST = "-"

_current = ContextVar("eco311_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request this thread is serving, or "-" outside a request."""
    return _current.get()


class RequestIdMiddleware:
    """Give every request an id: the incoming X-Request-ID when well formed, else a new one.

    The id is on ``request.request_id``, in the response's X-Request-ID header, on every log
    record written while the request is served (RequestIdFilter) and on the 500 page, so a user
    who quotes it leads straight to the traceback.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (the log format in settings.LOGGING shows it)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class StderrHandler(logging.StreamHandler):
    """Writes each record to whatever ``sys.stderr`` is when the record is written.

    logging's own StreamHandler binds the stream it is configured with: when the settings are
    loaded while something has replaced ``sys.stderr`` (a test capturing output, a command run
    in-process), every later record goes to that replaced, possibly closed, stream.
    ``setStream`` still pins a stream of one's choosing.
    """

    def __init__(self):
        logging.Handler.__init__(self)
        self._pinned = None

    @property
    def stream(self):
        return self._pinned if self._pinned is not None else sys.stderr

    @stream.setter
    def stream(self, value):
        self._pinned = None if value is sys.stderr else value


class ChineseFirstMiddleware:
    """Chinese is the platform's first language: the browser's Accept-Language is ignored, so
    the interface is Chinese until the user picks English (kept in the language cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
