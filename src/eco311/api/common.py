"""Shapes and helpers the API modules share: error bodies, pages, bilingual texts, numbers."""

import math
from decimal import Decimal

from django.core.paginator import Paginator
from django.utils import translation
from ninja import Field, Schema
from ninja.errors import HttpError

MAX_PAGE_SIZE = 500

#: A survey field's value: decimals as strings, counts as integers, flags as booleans.
Value = str | int | bool | None


class ErrorOut(Schema):
    """Every error answers with one `detail`: a sentence, or field -> messages for a form."""

    detail: str | dict | list = Field(
        description="What went wrong: a sentence, or an object of field -> list of messages."
    )


#: The error answers every operation may give, all with the ErrorOut body: 400 a malformed
#: request (e.g. a broken multipart body), 401 a wrong or revoked token, 403 a role or scope
#: that may not (or a session write without its CSRF token), 404 nothing of that key (or
#: outside the caller's scope), 422 invalid parameters or input.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

#: `openapi_extra` of an operation open to the public: ninja appends this empty requirement to
#: the bearer-token one, so the schema reads "a token, or nothing" (OpenAPI 3 security).
PUBLIC = {"security": [{}]}


class Bilingual(Schema):
    zh: str = Field(description="Chinese (the first language of the platform)")
    en: str = Field(description="English")


class PageInfo(Schema):
    count: int = Field(description="How many items match, on all pages together")
    page: int = Field(description="This page's number, from 1")
    pages: int = Field(description="How many pages there are")
    page_size: int = Field(description="Items per page")


def bilingual(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


def label_in_both(label) -> dict:
    """A translatable label (e.g. a TextChoices label) in Chinese and in English."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label)
    return bilingual(zh, en)


def decimal_text(value) -> str | None:
    """A number as the text of its exact decimal value: Decimals as stored (money to the fen),
    floats by their shortest repr, never in exponent notation; None and NaN are None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = Decimal(repr(value))
    return format(value, "f")


def plain_value(value) -> Value:
    """A stored field value for JSON: decimals as exact text, blank text as None."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value or None
    return decimal_text(value)


def paginate(items, page: int, page_size: int) -> tuple[dict, list]:
    """(page info, the page's items); a page after the last one is a 404."""
    paginator = Paginator(items, page_size)
    if page > paginator.num_pages:
        raise HttpError(404, f"no such page: there are {paginator.num_pages}")
    info = {
        "count": paginator.count,
        "page": page,
        "pages": paginator.num_pages,
        "page_size": page_size,
    }
    return info, list(paginator.page(page).object_list)
