"""Checks every form (and the API's input schemas) shares: no control characters in text.

``no_control_characters`` is a Django validator; ``refuse_control_characters(form)`` adds it to
every text field of a form, so a form cannot forget one of its fields. The message says where
the character is, in the user's language.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _

from eco311.core.text import first_control_character


def control_character_message(text: str) -> str | None:
    """The error for ``text`` in the active language, or None if it is clean."""
    found = first_control_character(text)
    if found is None:
        return None
    position, char = found
    return _(
        "The text contains a control character (%(char)s, character %(position)s); "
        "remove it and try again."
    ) % {"char": char, "position": position}


def no_control_characters(value) -> None:
    """Validator: refuse text holding a NUL byte or another control character."""
    if not isinstance(value, str):
        return
    problem = control_character_message(value)
    if problem is not None:
        raise ValidationError(problem, code="control_character")


def refuse_control_characters(form: forms.BaseForm) -> None:
    """Add the validator to every text field of ``form`` (call it in the form's __init__)."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField) and no_control_characters not in field.validators:
            field.validators.append(no_control_characters)


def limit_note(field: forms.CharField) -> None:
    """A note or comment: at most settings.ECO311_MAX_NOTE_CHARS characters. Read when the form
    is built, not when its class is defined, so that the setting applies as it is now."""
    limit = settings.ECO311_MAX_NOTE_CHARS
    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)
