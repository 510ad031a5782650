"""The survey's optional chain-node column (dictionary field ``chain_nodes``).

enterprises may not import chains, so the chains app plugs into the survey when it starts
(chains/apps.py ready()): a field check that refuses codes the taxonomy does not know, located
like every other survey error, and an import hook that makes the listed nodes the enterprise's
DECLARED placements (placements.declare) once its row is written.
"""

from __future__ import annotations

import re

from eco311.chains import taxonomy

KEY = "chain_nodes"
#: Separators firms type between codes: 顿号, commas, semicolons, slashes, spaces.
_SPLIT = re.compile(r"[、，,；;／/\s]+")

MESSAGES = {
    "unknown_chain_node": {
        "zh": "{loc}中的“{codes}”不是产业链图谱的环节代码（如 water-membrane；"
        "可选代码见“产业链图谱”页面）",
        "en": "{loc}: “{codes}” is not a node code of the chain map (e.g. water-membrane; "
        "the codes are listed on the chain map pages)",
    },
}


_NAMES: dict[int, dict[str, str]] = {}


def _names(tax) -> dict[str, str]:
    """Folded code or name -> node code, made once per taxonomy (a workbook has many rows)."""
    found = _NAMES.get(id(tax))
    if found is None:
        found = {}
        for node in tax.nodes:
            for spelling in (node.name.en, node.name.zh, node.code):
                found[spelling.casefold()] = node.code
        _NAMES.clear()
        _NAMES[id(tax)] = found
    return found


def parse(text: str) -> tuple[list[str], list[str]]:
    """(known node codes, unknown entries) of a cell: codes in any case, or a node's Chinese
    or English name; each code once, in the order given."""
    names = _names(taxonomy.load())
    known: list[str] = []
    unknown: list[str] = []
    for entry in _SPLIT.split(text or ""):
        entry = entry.strip()
        if not entry:
            continue
        code = names.get(entry.casefold())
        if code is None:
            unknown.append(entry)
        elif code not in known:
            known.append(code)
    return known, unknown


def check(value) -> tuple[str, dict] | None:
    """The survey field check: every entry must be a node of the taxonomy."""
    _known, unknown = parse(str(value))
    if unknown:
        return "unknown_chain_node", {"codes": "、".join(unknown)}
    return None


def declare_rows(batch, enterprise_ids: list[int], values: dict[str, list], user) -> None:
    """The import hook. Rule: a row whose chain-node cell lists nodes declares them for its
    enterprise (placements.declare: an official's decision still wins); a blank cell says
    nothing and changes nothing."""
    from eco311.chains import placements
    from eco311.enterprises.models import Enterprise

    wanted = {}
    for pk, text in zip(enterprise_ids, values.get(KEY, []), strict=True):
        if text:
            codes, _unknown = parse(text)  # the check refused the unknown ones already
            if codes:
                wanted[pk] = codes
    if not wanted:
        return
    for pk, enterprise in Enterprise.objects.in_bulk(list(wanted)).items():
        placements.declare(enterprise, wanted[pk], user=user)


def register() -> None:
    from eco311.enterprises.importer import register_import_hook
    from eco311.enterprises.survey.validate import register_field_check

    register_field_check(KEY, check, MESSAGES)
    register_import_hook("chains", (KEY,), declare_rows)
