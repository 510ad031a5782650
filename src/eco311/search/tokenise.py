"""Search tokens: overlapping character pairs (bigrams), so that any substring of two or more
characters is found, in Chinese and in Latin text alike (docs/adr/0010-search.md).

Chinese has no spaces, and the names users type are often a part of a longer word: "污水处理"
inside "某某污水处理有限公司", "环保" inside "环保装备". A word segmenter (jieba) cuts "环保装备"
one way and the query another; overlapping pairs have no such choice to make. Text is split into
runs of letters and digits; each run of n characters gives its n-1 pairs in order, and runs are
separated by BREAK so that a phrase never matches across a space or punctuation. A query term is
the phrase of its own pairs: "污水处理" -> "污水 水处 处理", which occurs in the indexed sequence
exactly where the text contains "污水处理". The database does the phrase matching (SQLite FTS5,
PostgreSQL tsvector); this module only makes the tokens, the query terms and the snippets.

Pure: no Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Letters and digits (any script); the underscore is punctuation here, as for the tokenizers.
_RUN = re.compile(r"[^\W_]+")
#: Between runs: three characters long, so that no query pair (two characters) ever equals it.
BREAK = "brk"
#: Shortest term searched: one character would match most of the index.
MIN_TERM = 2
#: Longest query accepted (characters): a pasted paragraph is not a search.
MAX_QUERY = 100
#: Most terms in one query.
MAX_TERMS = 8
#: Text indexed per field (characters): PostgreSQL keeps positions up to 16,383 per row, and a
#: notice's first pages say what it is about.
MAX_FIELD = 4000


def normalise(text: str) -> str:
    """Full-width forms to ASCII, compatibility characters folded, lower case."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def runs(text: str) -> list[str]:
    return _RUN.findall(normalise(text))


def compact(text: str) -> str:
    """A code without its punctuation: target key "1-2-1-a" -> "121a". Keys are indexed this
    way too, so that a key, whose parts are mostly one character long, can be searched."""
    return "".join(runs(text))


def tokens(*texts: str, prefix: str = "") -> str:
    """The space-separated bigram tokens of ``texts`` (each cut to MAX_FIELD), BREAK between
    runs. A run of one character gives no token: it is shorter than any term searched.

    ``prefix`` (one letter per kind of object, search/index.py) starts every bigram: the kinds
    share one full-text index, and "e环保" is looked up among the enterprises only, without
    reading the postings of the 100,000 enterprise names when searching the targets."""
    out: list[str] = []
    for text in texts:
        for run in runs((text or "")[:MAX_FIELD]):
            if len(run) < MIN_TERM:
                continue
            if out:
                out.append(BREAK)
            out.extend(prefix + run[i : i + 2] for i in range(len(run) - 1))
    return " ".join(out)


class QueryError(ValueError):
    """A query that cannot be searched; ``code`` says why (the page words the message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Query:
    """A parsed query: its terms (normalised runs of at least MIN_TERM characters), each
    searched as the phrase of its bigrams, all of them required."""

    terms: tuple[str, ...]
    dropped: tuple[str, ...] = ()  # one-character runs left out

    def phrases(self, prefix: str = "") -> list[list[str]]:
        return [[prefix + t[i : i + 2] for i in range(len(t) - 1)] for t in self.terms]


_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


def parse(text: str) -> Query:
    """Check and parse a query. Raises QueryError: "empty", "control" (control or invisible
    format characters), "long" (over MAX_QUERY characters), "short" (no term of MIN_TERM or
    more characters), "terms" (more than MAX_TERMS terms)."""
    text = (text or "").strip()
    if not text:
        raise QueryError("empty")
    if any(unicodedata.category(c) in _CONTROL for c in text if c not in " \t"):
        raise QueryError("control")
    if len(text) > MAX_QUERY:
        raise QueryError("long")
    kept, dropped = [], []
    for word in text.split():
        found = runs(word)
        if len(found) > 1 and any(len(r) < MIN_TERM for r in found):
            kept.append("".join(found))  # a code such as a target key (see compact)
            continue
        kept.extend(r for r in found if len(r) >= MIN_TERM)
        dropped.extend(r for r in found if len(r) < MIN_TERM)
    terms = tuple(dict.fromkeys(kept))
    dropped = tuple(dropped)
    if not terms:
        raise QueryError("short")
    if len(terms) > MAX_TERMS:
        raise QueryError("terms")
    return Query(terms, dropped)


def fts5_expression(query: Query, column: str | None = None, prefix: str = "") -> str:
    """An SQLite FTS5 MATCH expression: every term's bigram phrase, optionally in one column.
    Tokens are letters and digits only, so quoting them needs no escaping."""
    phrases = " AND ".join('"' + " ".join(p) + '"' for p in query.phrases(prefix))
    return f"{column} : ({phrases})" if column else phrases


def tsquery(query: Query, weight: str = "", prefix: str = "") -> str:
    """A PostgreSQL tsquery literal: ``'ab' <-> 'bc' & 'cd'``, optionally limited to one weight
    (A: the title tokens)."""
    suffix = f":{weight}" if weight else ""
    return " & ".join(
        "(" + " <-> ".join(f"'{token}'{suffix}" for token in p) + ")" for p in query.phrases(prefix)
    )


# -- snippets -------------------------------------------------------------------------------------


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` normalised character by character, and for each normalised character the index
    of the original one it came from (NFKC may turn one character into several)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = normalise(ch)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def matches(text: str, query: Query) -> list[tuple[int, int]]:
    """Spans (start, end) of ``text`` where a term occurs, in order, not overlapping."""
    folded, origin = _folded(text)
    spans = []
    for term in query.terms:
        start = folded.find(term)
        while start != -1:
            end = start + len(term)
            spans.append((origin[start], origin[end - 1] + 1))
            start = folded.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def snippet(text: str, query: Query, width: int = 80) -> list[tuple[str, bool]]:
    """A window of about ``width`` characters of ``text`` around its first match, as
    ``(part, is_match)`` pieces; the template escapes each piece and marks the matches.
    Empty when the text does not contain a term."""
    spans = matches(text, query)
    if not spans:
        return []
    first = spans[0][0]
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        if s > at:
            pieces.append((text[at:s], False))
        pieces.append((text[s:e], True))
        at = e
    if at < end:
        pieces.append((text[at:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces
