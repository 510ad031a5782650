"""``eco311 chains classify FILE.tsv --format tsv`` and ``eco311 chains accuracy FILE.tsv``.

Pure (no Django, no database), so the placement scorer (chains/scorer.py) can be checked on any
table:

- ``classify`` reads ``id<TAB>text`` lines (UTF-8, a BOM is fine, no header, blank lines skipped)
  and prints ``id<TAB>gb4754_class<TAB>segment<TAB>nodes`` for each, in order (nodes
  comma-separated, empty when none; the class empty and the segment "other" then);
- ``accuracy`` reads a labelled file ``id<TAB>text<TAB>gb4754<TAB>segment<TAB>nodes`` and prints
  JSON: ``n``; ``top1``, the share of lines whose best node is a true node (a line with no true
  node counts as right when no node is found); ``precision`` and ``recall`` over the node sets
  (micro-averaged: found-and-true over found, over true); ``segment_accuracy``,
  ``class_accuracy``; and ``per_chain`` {chain: {n, top1, precision, recall}}, a line counting
  for every chain one of its true nodes is on.

A bad line prints a located message in Chinese and English (``file:line``) to stderr, nothing on
stdout, and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from eco311.chains import taxonomy as taxonomy_module
from eco311.chains.cli import EXIT_BAD_INPUT, InputError, reading
from eco311.chains.scorer import Scorer


def read_lines(path: str, columns: int) -> list[tuple[int, list[str]]]:
    """(line number, fields) of every non-blank line; each must have ``columns`` fields (the
    last may hold tabs only when columns is 2: a text is everything after the first tab)."""
    with reading(path), open(path, encoding="utf-8-sig", newline="") as f:
        raw = f.read().splitlines()
    out = []
    for number, line in enumerate(raw, start=1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise InputError(
                f"{path}:{number}：缺少制表符（每行应为 id<TAB>文本） / {path}:{number}: no tab "
                "(each line is id<TAB>text)"
            )
        fields = line.split("\t", columns - 1) if columns == 2 else line.split("\t")
        if len(fields) != columns:
            raise InputError(
                f"{path}:{number}：应有 {columns} 列，实有 {len(fields)} 列 / {path}:{number}: "
                f"expected {columns} tab-separated columns, found {len(fields)}"
            )
        if not fields[0].strip():
            raise InputError(f"{path}:{number}：id 为空 / {path}:{number}: the id is empty")
        out.append((number, fields))
    return out


def run_classify(args: argparse.Namespace) -> int:
    try:
        lines = read_lines(args.file, 2)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    scorer = Scorer(taxonomy_module.load())
    out = []
    for _number, (ident, text) in lines:
        c = scorer.classify(text)
        out.append(f"{ident.strip()}\t{c.gb4754}\t{c.segment}\t{','.join(c.nodes)}\n")
    sys.stdout.write("".join(out))
    return 0


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def accuracy(scorer: Scorer, rows: list[tuple[str, str, str, tuple[str, ...]]]) -> dict:
    """The measures of the module docstring for (text, gb4754, segment, true nodes) rows."""
    tax = scorer.taxonomy
    chains = {c.code: dict(n=0, top1=0, hit=0, found=0, true=0) for c in tax.chains}
    n = top1 = hit = found = true = seg_ok = cls_ok = 0
    for text, gb, segment, nodes in rows:
        c = scorer.classify(text)
        predicted, truth = set(c.nodes), set(nodes)
        best_ok = (c.nodes[0] in truth) if c.nodes else not truth
        n += 1
        top1 += best_ok
        hit += len(predicted & truth)
        found += len(predicted)
        true += len(truth)
        seg_ok += c.segment == segment
        cls_ok += c.gb4754 == gb
        for code in {tax.chain_of(x).code for x in truth}:
            chains[code]["n"] += 1
            chains[code]["top1"] += best_ok
        for x in predicted:
            chains[tax.chain_of(x).code]["found"] += 1
            chains[tax.chain_of(x).code]["hit"] += x in truth
        for x in truth:
            chains[tax.chain_of(x).code]["true"] += 1
    return {
        "n": n,
        "top1": _ratio(top1, n),
        "precision": _ratio(hit, found),
        "recall": _ratio(hit, true),
        "segment_accuracy": _ratio(seg_ok, n),
        "class_accuracy": _ratio(cls_ok, n),
        "per_chain": {
            code: {
                "n": v["n"],
                "top1": _ratio(v["top1"], v["n"]),
                "precision": _ratio(v["hit"], v["found"]),
                "recall": _ratio(v["hit"], v["true"]),
            }
            for code, v in chains.items()
        },
    }


def read_labelled(path: str, tax) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """The rows of a labelled file, every label checked: a class of four digits or empty, a
    segment of the four, nodes of the taxonomy."""
    rows = []
    for number, (_ident, text, gb, segment, nodes) in read_lines(path, 5):
        gb, segment = gb.strip(), segment.strip()
        codes = tuple(x.strip() for x in nodes.split(",") if x.strip())
        where = f"{path}:{number}"
        if gb and not (len(gb) == 4 and gb.isdigit()):
            raise InputError(
                f"{where}：行业类别应为四位数字，而不是 {gb!r} / {where}: the GB/T 4754 class has "
                f"four digits, not {gb!r}"
            )
        if segment not in taxonomy_module.SEGMENTS:
            raise InputError(
                f"{where}：未知板块 {segment!r}（应为 {', '.join(taxonomy_module.SEGMENTS)}）"
                f" / {where}: unknown segment {segment!r}"
            )
        for code in codes:
            if not tax.has_node(code):
                raise InputError(
                    f"{where}：未知产业链环节 {code!r} / {where}: unknown chain node {code!r}"
                )
        rows.append((text, gb, segment, codes))
    return rows


def run_accuracy(args: argparse.Namespace) -> int:
    tax = taxonomy_module.load()
    try:
        rows = read_labelled(args.file, tax)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    result = accuracy(Scorer(tax), rows)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


def register(subparsers) -> None:
    """Add ``classify`` and ``accuracy`` to the subparsers of ``eco311 chains``."""
    help_text = "place id<TAB>text lines on chain nodes: id, GB/T 4754 class, segment, nodes"
    p = subparsers.add_parser("classify", help=help_text, description=help_text)
    p.add_argument("file", metavar="FILE.tsv", help="id<TAB>text lines, UTF-8, no header")
    p.add_argument("--format", choices=("tsv",), default="tsv")
    p.set_defaults(func=run_classify)
    help_text = "the placement scorer's accuracy on a labelled file (JSON)"
    p = subparsers.add_parser("accuracy", help=help_text, description=help_text)
    p.add_argument(
        "file", metavar="FILE.tsv", help="id<TAB>text<TAB>gb4754<TAB>segment<TAB>nodes lines"
    )
    p.set_defaults(func=run_accuracy)
