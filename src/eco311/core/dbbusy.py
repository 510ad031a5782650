"""A write that waits too long for the database gets "busy, try again", not a server error.

SQLite has one writer at a time: while an import or a ranking commits, other writes wait up to
the busy timeout (settings ``ECO311_SQLITE_TIMEOUT``, OPTIONS "timeout") and then fail with
``OperationalError: database is locked``. PostgreSQL gives the same kind of error when a lock
or statement timeout is set. Nothing is wrong with the request: the user should simply try
again in a moment, so this middleware answers 503 with ``Retry-After`` and a message in the
user's language (JSON for the API), and logs the event instead of a traceback.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds, for the client
_BUSY = (
    "database is locked",  # SQLite, after the busy timeout
    "database table is locked",
    "canceling statement due to lock timeout",  # PostgreSQL lock_timeout
    "could not obtain lock",  # PostgreSQL NOWAIT
)


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means "another writer holds the database", not a real failure."""
    return isinstance(exc, OperationalError) and any(s in str(exc).lower() for s in _BUSY)


def busy_message() -> str:
    return _("The database is busy with another change; try again in a moment.")


class DatabaseBusyMiddleware:
    """Turn a "database is locked" error into a 503 page (or JSON body) with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_busy(exc):
            return None
        log.warning("database busy: %s %s (%s)", request.method, request.path, exc)
        message = busy_message()
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            try:
                body = render_to_string("busy.html", {"message": message}, request=request)
            except Exception:  # the page itself needs the database: fall back to plain HTML
                body = f"<!doctype html><meta charset=utf-8><title>503</title><p>{message}</p>"
            response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
