"""A safety net under the forms' checks: a NUL byte anywhere in a request is refused with 400.

The forms and the API schemas refuse control characters field by field, with a located message
(core/forms.py). Anything they do not cover -- a query parameter read directly, a path, a form
of another part of the platform -- would otherwise reach PostgreSQL, which cannot store NUL and
answers with a server error. This middleware answers 400 with a message in both languages.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from eco311.core.text import has_nul

NUL_MESSAGE = gettext_noop(
    "The request contains a NUL character (U+0000); remove it and try again."
)
MALFORMED_MESSAGE = gettext_noop("The request body is not well-formed multipart data.")


def _has_nul(request) -> bool:
    if has_nul(request.path):
        return True
    if any(has_nul(k) or any(has_nul(v) for v in vs) for k, vs in request.GET.lists()):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            for key, values in request.POST.lists():
                if has_nul(key) or any(has_nul(v) for v in values):
                    return True
        elif content_type.startswith("application/json"):
            body = request.body
            if b"\x00" in body or b"\\u0000" in body:
                return True
    return False


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refused = _has_nul(request)
        except MultiPartParserError:
            # Reading the body here consumes it: a malformed multipart body must be answered
            # here too, or the view would see an empty form and no error.
            return _bad_request(request, MALFORMED_MESSAGE)
        if refused:
            return _bad_request(request, NUL_MESSAGE)
        return self.get_response(request)


def _bad_request(request, english: str):
    message = _(english)
    text = message if message == english else f"{message}\n{english}"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=400)
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
