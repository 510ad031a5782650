"""Colours and fonts shared by every report format, so a status looks the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from eco311.core.fonts import SANS as SHIPPED_SANS
from eco311.core.fonts import SERIF as SHIPPED_SERIF


@dataclass(frozen=True)
class StatusColour:
    fill: str  # solid colour: chart bars, status chips
    ink: str  # text drawn on `fill`
    tint: str  # light background for table cells and rows


STATUS_COLOURS: dict[str, StatusColour] = {
    "achieved": StatusColour("#2E7D32", "#FFFFFF", "#E3F1E4"),
    "on_track": StatusColour("#00838F", "#FFFFFF", "#DDF1F3"),
    "at_risk": StatusColour("#F2A900", "#2B2100", "#FDF1D3"),
    "off_track": StatusColour("#E4572E", "#FFFFFF", "#FBE2D9"),
    "overdue": StatusColour("#8E1B1B", "#FFFFFF", "#F2DADA"),
    "no_data": StatusColour("#8A8F96", "#FFFFFF", "#ECEDEF"),
}

# Warning kinds borrow the colour of the status they are closest to.
WARNING_COLOUR = {
    "overdue": "overdue",
    "due_soon": "at_risk",
    "slow_progress": "off_track",
    "missing_report": "no_data",
}

# Neutral colours for headings, rules and table headers.
INK = "#1F2933"
MUTED = "#5F6B76"
RULE = "#C9D1D9"
HEADER_FILL = "#E8EDF2"
ACCENT = "#1D5C8C"
SYNTHETIC_FILL = "#FFF4CE"
SYNTHETIC_INK = "#7A4B00"

# Font names for the formats the reader's own software renders (docx, xlsx): those files name a
# font rather than embed one, and office machines in China commonly have these.
SANS = "Noto Sans CJK SC"
SERIF = "Noto Serif CJK SC"
# CSS stacks. The PDF prints with the shipped faces (core/fonts.py) declared by @font-face under
# their own names, first in the stack, so a machine's fonts cannot change the output; a browser
# showing the HTML report has no @font-face and takes the first system font it has.
CSS_SANS = (
    f'"{SHIPPED_SANS.css_family}", "{SHIPPED_SANS.family}", "{SANS}", "Noto Sans CJK", '
    '"Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'
)
CSS_SERIF = (
    f'"{SHIPPED_SERIF.css_family}", "{SHIPPED_SERIF.family}", "{SERIF}", "Noto Serif CJK", '
    '"Source Han Serif SC", "Songti SC", "SimSun", serif'
)
# The chart fonts (matplotlib): the shipped faces, registered from their files.
CHART_SANS = SHIPPED_SANS.family


def hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)
