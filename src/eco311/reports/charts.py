"""Report charts with matplotlib: SVG for html/pdf, PNG for docx.

Figures are built with `matplotlib.figure.Figure` rather than pyplot, so no global figure state
is shared between requests. Text is drawn as paths in SVG, so the charts need no font on the
reader's side; the font is the Noto Sans SC file shipped with the package (core/fonts.py),
registered by path, so a chart looks the same on every machine.
"""

from __future__ import annotations

import io
import re
import textwrap
import unicodedata
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from eco311.core.fonts import font_files  # noqa: E402

from .document import STATUS_ORDER, GroupRow, StatusCounts  # noqa: E402
from .i18n import format_share, status_label  # noqa: E402
from .theme import CHART_SANS, INK, MUTED, RULE, STATUS_COLOURS  # noqa: E402

RC = {
    "font.family": "sans-serif",
    # DejaVu only for what Noto Sans SC lacks; no system CJK face, so output is machine-independent.
    "font.sans-serif": [CHART_SANS, "DejaVu Sans"],
    "font.size": 9,
    "axes.unicode_minus": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "eco311",
    "text.color": INK,
    "axes.labelcolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": INK,
}


@cache
def register_fonts() -> None:
    for path in font_files():
        font_manager.fontManager.addfont(str(path))


def wrap_label(text: str, width: int) -> str:
    """Wrap a label to `width` columns, counting a CJK character as two columns."""
    if not any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        return "\n".join(textwrap.wrap(text, width)) or text
    lines, line, used = [], "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width and line:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    if line:
        lines.append(line)
    return "\n".join(lines)


def status_figure(counts: StatusCounts, axis_label: str) -> Figure:
    register_fonts()
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(6.3, 2.6))
        ax = fig.add_subplot()
        statuses = list(reversed(STATUS_ORDER))  # best status on top
        values = [counts.counts.get(s, 0) for s in statuses]
        ax.barh(
            [status_label(s) for s in statuses],
            values,
            color=[STATUS_COLOURS[s].fill for s in statuses],
            height=0.68,
        )
        top = max(values + [1])
        for y, (status, value) in enumerate(zip(statuses, values, strict=True)):
            ax.text(
                value + top * 0.015,
                y,
                f"{value}  ({format_share(counts.share(status))})",
                va="center",
                fontsize=8.5,
                color=INK,
            )
        ax.set_xlim(0, top * 1.28)
        ax.set_xlabel(axis_label)
        _tidy(ax)
        fig.tight_layout(pad=0.4)
    return fig


def section_figure(rows: list[GroupRow], legend_title: str = "") -> Figure:
    """One 100 % bar per plan section, split by status."""
    register_fonts()
    with matplotlib.rc_context(RC):
        height = 0.9 + 0.36 * max(len(rows), 1)
        fig = Figure(figsize=(6.3, height))
        ax = fig.add_subplot()
        labels = [wrap_label(r.label, 36) for r in reversed(rows)]
        left = [0.0] * len(rows)
        for status in STATUS_ORDER:
            shares = [r.counts.share(status) * 100 for r in reversed(rows)]
            ax.barh(
                labels,
                shares,
                left=left,
                color=STATUS_COLOURS[status].fill,
                height=0.66,
                label=status_label(status),
            )
            left = [a + b for a, b in zip(left, shares, strict=True)]
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
        ax.tick_params(axis="y", labelsize=8)
        _tidy(ax)
        fig.legend(
            loc="lower center",
            ncols=len(STATUS_ORDER),
            frameon=False,
            fontsize=7.5,
            handlelength=1.0,
            columnspacing=1.0,
            title=legend_title or None,
        )
        fig.tight_layout(pad=0.4, rect=(0, 0.42 / height, 1, 1))
    return fig


def _tidy(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(RULE)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=RULE, linewidth=0.5, alpha=0.7)
    ax.set_axisbelow(True)


def to_png(fig: Figure, dpi: int = 200) -> bytes:
    buf = io.BytesIO()
    # Font families are resolved when the figure is drawn, so the rc settings must apply here.
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def to_svg(fig: Figure, id_prefix: str) -> str:
    """An `<svg>` element for inlining: no XML prolog, ids prefixed so charts cannot clash."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, transparent=True)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{id_prefix}-\1"', svg)
    svg = re.sub(r'(href=")#([^"]+)"', rf'\1#{id_prefix}-\2"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{id_prefix}-\1)", svg)
    return svg
