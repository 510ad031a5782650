"""Control characters in what users type: found here, refused by core/forms.py and the API.

Pure (no Django): a NUL byte cannot be stored by PostgreSQL at all (the request failed with a
server error), and the other C0 control characters and DEL are never part of a name, a note or
a figure; they come from copying out of binary files or from hostile input. Tab, line feed and
carriage return are ordinary text.
"""

from __future__ import annotations

import re

ALLOWED = "\t\n\r"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def first_control_character(text: str) -> tuple[int, str] | None:
    """(1-based position, the character as U+XXXX) of the first control character, or None."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    return found.start() + 1, f"U+{ord(found.group()):04X}"


def has_nul(text: str) -> bool:
    return "\x00" in text
