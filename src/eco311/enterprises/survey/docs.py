"""The generated parts of ``docs/survey.md``: the data dictionary and the message table.

Pure module.  The two tables sit between marker comments in the document::

    <!-- BEGIN GENERATED: dictionary -->  ...  <!-- END GENERATED: dictionary -->
    <!-- BEGIN GENERATED: messages -->    ...  <!-- END GENERATED: messages -->

Regenerate after changing ``dictionary.yaml`` or ``validate.MESSAGES``::

    uv run python -m eco311.enterprises.survey.docs            # rewrites docs/survey.md
    uv run python -m eco311.enterprises.survey.docs --check    # exit 1 if out of date
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

from .dictionary import Dictionary, FieldSpec, load_dictionary
from .validate import MESSAGES

__all__ = ["DOC_FILE", "render_dictionary", "render_messages", "update_document"]

DOC_FILE = Path(__file__).resolve().parents[4] / "docs" / "survey.md"

_TYPES = {
    "text": "text",
    "code": "code (text)",
    "integer": "integer",
    "decimal": "decimal",
    "enum": "choice",
    "bool": "是/否 yes/no",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _number(d: Decimal) -> str:
    if d != d.to_integral_value():
        return f"{d:,}"
    return f"{int(d):,}" if abs(d) >= 10000 else str(int(d))


def _rules_of(f: FieldSpec) -> str:
    parts = []
    if f.min is not None and f.max is not None:
        parts.append(f"{_number(f.min)} … {_number(f.max)}")
    elif f.min is not None:
        parts.append(f"≥ {_number(f.min)}")
    if f.decimals is not None:
        parts.append(f"{f.decimals} decimals")
    if f.max_length is not None and f.type == "text":
        parts.append(f"≤ {f.max_length} characters")
    if f.format == "uscc":
        parts.append("GB 32100-2015, check character")
    elif f.format == "division":
        parts.append("6 digits, GB/T 2260")
    elif f.format == "industry":
        parts.append("4 digits, GB/T 4754-2017")
    if f.lookup:
        parts.append(f"in the {f.lookup} table")
    if f.values is not None:
        parts.append(", ".join(f"`{o.value}` {o.label.zh}" for o in f.values))
    if f.values_from == "parks":
        parts.append("a park key of `geo/data/areas.yaml`")
    if f.optional_column:
        parts.append("the column may be absent (older templates)")
    return "; ".join(parts)


def render_dictionary(d: Dictionary | None = None) -> str:
    """The fields as a Markdown table, one section per group, then the rules."""
    d = d or load_dictionary()
    out: list[str] = []
    for group in d.groups:
        fields = [f for f in d.fields if f.group == group.key]
        if not fields:
            continue
        out.append(f"### {group.label.zh} {group.label.en}\n")
        out.append("| Col | Key | 名称 / Label | Unit | Type | Req. | Values | 定义 / Definition |")
        out.append("|---|---|---|---|---|---|---|---|")
        for f in fields:
            unit = f"{f.unit.zh} / {f.unit.en}" if f.unit else ""
            out.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        f.letter,
                        f"`{f.key}`",
                        f"{f.label.zh}<br>{f.label.en}",
                        unit,
                        _TYPES[f.type],
                        "yes" if f.required else "",
                        _rules_of(f),
                        f"{f.definition.zh}<br>{f.definition.en}",
                    )
                )
                + " |"
            )
        out.append("")
    out.append("### 校验规则 Cross-field rules\n")
    out.append("| Code | Level | Rule |")
    out.append("|---|---|---|")
    for rule in d.rules:
        out.append(
            f"| `{rule.code}` | {rule.severity} | {_cell(rule.text.zh)}<br>{_cell(rule.text.en)} |"
        )
    return "\n".join(out).rstrip() + "\n"


def render_messages() -> str:
    """The message table (``validate.MESSAGES``) as Markdown."""
    out = ["| Code | 中文 | English |", "|---|---|---|"]
    for code, texts in MESSAGES.items():
        out.append(f"| `{code}` | {_cell(texts['zh'])} | {_cell(texts['en'])} |")
    return "\n".join(out) + "\n"


def _replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(
        rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S
    )
    if not pattern.search(text):
        raise ValueError(f"no '{name}' markers in the document")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), text, count=1)


def update_document(path: Path = DOC_FILE, *, check: bool = False) -> bool:
    """Rewrite the generated parts of ``path``; return True if it changed (or would)."""
    text = path.read_text(encoding="utf-8")
    new = _replace(text, "dictionary", render_dictionary())
    new = _replace(new, "messages", render_messages())
    if new != text and not check:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # pragma: no cover
    checking = "--check" in sys.argv[1:]
    changed = update_document(check=checking)
    if checking and changed:
        print(f"{DOC_FILE} is out of date: run python -m eco311.enterprises.survey.docs")
        sys.exit(1)
