"""The CJK fonts shipped with the package, for every renderer that draws Chinese.

A bare server has no CJK system font, and one that has some may have other versions or other
faces than the machine the reports were checked on. So the PDFs (WeasyPrint) and the charts
(matplotlib) use the Noto Sans SC / Noto Serif SC files of the `pylopdf-fonts-zh-cn` wheel
(SIL Open Font License 1.1; docs/adr/0008-shipped-cjk-font.md), never a system font for Han
characters. Only the Regular weight is shipped; bold text is emboldened by the renderer.

Pure: no Django, no WeasyPrint or matplotlib import (callers register the files themselves).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pylopdf_fonts_zh_cn


@dataclass(frozen=True)
class ShippedFont:
    path: Path
    family: str  # the family name inside the file (what matplotlib and PDF readers see)
    css_family: str  # the name the PDF stylesheets declare it under (@font-face)
    generic: str  # "sans-serif" or "serif"


# The CSS family names are our own, not "Noto Sans SC": WeasyPrint adds an @font-face beside the
# system fonts, so a system font of the same name could otherwise be chosen instead of ours.
SANS = ShippedFont(
    Path(pylopdf_fonts_zh_cn.sans_path()), "Noto Sans SC", "eco311 Noto Sans SC", "sans-serif"
)
SERIF = ShippedFont(
    Path(pylopdf_fonts_zh_cn.serif_path()), "Noto Serif SC", "eco311 Noto Serif SC", "serif"
)
SHIPPED = (SANS, SERIF)


def font_files() -> tuple[Path, ...]:
    """The shipped font files; a clear error if the wheel is broken rather than empty boxes."""
    missing = [str(f.path) for f in SHIPPED if not f.path.is_file()]
    if missing:
        raise FileNotFoundError(
            "缺少随软件提供的中文字体文件 / shipped CJK font file missing: "
            + ", ".join(missing)
            + " (reinstall pylopdf-fonts-zh-cn)"
        )
    return tuple(f.path for f in SHIPPED)


def font_face_css() -> str:
    """`@font-face` rules for the shipped faces, for WeasyPrint's `stylesheets=`.

    Declared as weight 400 only: bold text still matches this family (the closest weight) and
    fontconfig's synthetic emboldening (conf.d/90-synthetic.conf, on by default) thickens it."""
    font_files()
    return "\n".join(
        f'@font-face {{ font-family: "{f.css_family}"; '
        f'src: url("{f.path.as_uri()}") format("opentype"); '
        "font-weight: 400; font-style: normal; }"
        for f in SHIPPED
    )
