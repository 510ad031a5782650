"""The placement scorer: which chain nodes an enterprise's products text points to.

Pure module (no Django). ``Scorer(taxonomy)`` compiles the nodes' words once; ``propose`` and
``classify`` then read any number of texts. chains/placements.py stores what it proposes;
``eco311 chains classify`` and ``eco311 chains accuracy`` run it on any table.

Method (docs/chains.md, "Placement", says the same for readers):

1. *Normalise.* NFKC (full-width letters and punctuation become ASCII), lower case. Clauses
   that exclude something ("（不含危险化学品）", "危险废物除外", "不含…") are blanked: a firm
   that says it does *not* handle hazardous waste is not a hazardous-waste firm.
2. *Split* the text into list items at 、，,；;/。 and line breaks; a word never spans two
   items. 及/和/与 inside an item need no rule of their own: no word of the taxonomy spans
   them, and a word that contained one would be matched whole.
3. *Match* every node's keywords and synonyms as substrings (Chinese has no spaces), longest
   first over the whole item, each character counted once: "反渗透膜" takes its four
   characters and a shorter word inside it ("膜") can no longer match there. A word with ASCII
   letters or digits at an edge (PAC, SCR, RO膜, CEMS, VOCs) matches only where no other ASCII
   letter or digit touches that edge, in any case ("pac" in "PAC", not in "PACK" or
   "SPAC"); an all-capital abbreviation also matches with a plural s (VOC, VOCs).
4. *Evidence* of a node: 1 for each distinct keyword found, 0.6 for each distinct synonym (a
   synonym is vaguer: "一体化设备", "EPC"), capped at 3. ``rel`` is the node's evidence over the
   best node's (1 for the best).
5. *Priors.* The enterprise's GB/T 4754 class among the node's classes, and its segment equal to
   the node's, raise the score; they are added only to nodes some word already points to, so
   they are never enough alone.
6. *Confidence* = logistic(B0 + B_EVIDENCE·evidence + B_REL·rel + B_CLASS·class + B_SEGMENT·seg).
   The coefficients were fitted by logistic regression (one node candidate a row, "is a true
   node" the outcome) on the labelled set tests/chains/data/placement-labelled.tsv, which was
   written before the scorer was run on it; so a confidence of 0.5 is a coin flip on that set,
   and ``THRESHOLD`` (0.5) keeps the nodes more likely right than wrong. A multi-node firm gets
   every node above it.

``classify(text)`` is for a text alone (no class, no segment): the nodes above the threshold,
and the GB/T 4754 class (the node's first) and plan segment of the best one; segment "other"
and class "" when no node is found.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from eco311.chains.taxonomy import Taxonomy

#: Proposals at or above this confidence are kept (and count as effective placements).
THRESHOLD = 0.5

KEYWORD_WEIGHT = 1.0
SYNONYM_WEIGHT = 0.6
EVIDENCE_CAP = 3.0

# Fitted on the labelled set (see the module docstring); refit when the taxonomy changes much.
B0 = -2.24
B_EVIDENCE = 1.00
B_REL = 2.47
B_CLASS = 1.31
B_SEGMENT = 0.14

_SEPARATORS = re.compile(r"[、,;/。\n\r\t|]+")
# What a firm says it does not do: a parenthesis holding 不含/除外/不得, or a 不含… clause.
_EXCLUSIONS = re.compile(
    r"[(][^()]*?(?:不含|除外|不得|不包括|禁止)[^()]*[)]"
    r"|(?:不含|不包括)[^,;、。()]*"
    r"|[^,;、。()]*除外"
)


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def normalise(text: str) -> str:
    """NFKC, lower case, exclusion clauses blanked (same length, so positions still hold)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _EXCLUSIONS.sub(lambda m: " " * len(m.group(0)), text)


@dataclass(frozen=True)
class Proposal:
    """A node the text points to, how sure the scorer is (0..1), and the words that decided."""

    node: str
    confidence: float
    words: tuple[str, ...]


@dataclass(frozen=True)
class Classified:
    """A text alone, classified: the best node's GB/T 4754 class and segment, all nodes found."""

    gb4754: str
    segment: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class _Word:
    text: str  # normalised
    shown: str  # as the taxonomy writes it
    nodes: tuple[tuple[str, float], ...]  # (node, weight): a keyword there, or a synonym
    ascii_start: bool
    ascii_end: bool
    plural: bool  # an all-capital ASCII abbreviation: VOC also matches VOCs


class Scorer:
    """Places texts on the nodes of ``taxonomy``; build once, call many times."""

    def __init__(self, taxonomy: Taxonomy):
        self.taxonomy = taxonomy
        self._nodes = {n.code: n for n in taxonomy.nodes}
        # One entry per distinct normalised word: a word on two nodes (a deliberate exception,
        # docs/chains.md) credits both from the same span, each with its own weight there.
        found: dict[str, dict] = {}
        for node in taxonomy.nodes:
            for weight, words in ((KEYWORD_WEIGHT, node.keywords), (SYNONYM_WEIGHT, node.synonyms)):
                for shown in words:
                    key = unicodedata.normalize("NFKC", shown).strip().lower()
                    entry = found.setdefault(key, {"shown": shown, "nodes": {}})
                    entry["nodes"][node.code] = max(entry["nodes"].get(node.code, 0.0), weight)
        self._words: dict[str, list[_Word]] = {}  # first character -> words, longest first
        for key, entry in found.items():
            shown = entry["shown"]
            ascii_word = shown.isascii() and shown.replace("-", "").isalnum()
            word = _Word(
                text=key,
                shown=shown,
                nodes=tuple(entry["nodes"].items()),
                ascii_start=_is_ascii_alnum(key[0]),
                ascii_end=_is_ascii_alnum(key[-1]),
                plural=ascii_word and shown.isupper(),
            )
            self._words.setdefault(key[0], []).append(word)
        for words in self._words.values():
            words.sort(key=lambda w: -len(w.text))
        # One pass of the regex engine finds where any word may start; Python checks only there.
        starts = sorted({re.escape(k) for k in found}, key=len, reverse=True)
        self._starts = re.compile("(?=(?:" + "|".join(starts) + "))") if starts else None

    # -- matching ----------------------------------------------------------------------------

    def _candidates(self, item: str) -> list[tuple[int, int, _Word]]:
        """Every (start, end, word) occurrence in one list item, boundaries checked."""
        out = []
        for m in self._starts.finditer(item):
            i = m.start()
            for word in self._words.get(item[i], ()):
                if not item.startswith(word.text, i):
                    continue
                end = i + len(word.text)
                if word.ascii_start and i > 0 and _is_ascii_alnum(item[i - 1]):
                    continue
                if word.plural and end < len(item) and item[end] == "s":
                    end += 1
                if word.ascii_end and end < len(item) and _is_ascii_alnum(item[end]):
                    continue
                out.append((i, end, word))
        return out

    def matches(self, text: str) -> list[_Word]:
        """The words found in ``text``, longest first, each character counted once."""
        if self._starts is None:
            return []
        found = []
        for item in _SEPARATORS.split(normalise(text)):
            if not item.strip():
                continue
            taken = [False] * len(item)
            for start, end, word in sorted(
                self._candidates(item), key=lambda c: (-(c[1] - c[0]), c[0])
            ):
                if any(taken[start:end]):
                    continue
                taken[start:end] = [True] * (end - start)
                found.append(word)
        return found

    # -- scoring -----------------------------------------------------------------------------

    def scores(self, text: str, industry: str | None = None, segment: str | None = None):
        """Every node some word points to: {node: (confidence, words, features, span)}.

        ``features`` (evidence, rel, class, segment) are what the confidence is computed from,
        for the calibration and for readers who ask why; ``span`` is the number of characters
        the node's words cover, which breaks ties (the more specific reading wins).
        """
        evidence: dict[str, dict[str, float]] = {}
        span: dict[str, int] = {}  # characters matched: the tie-break, longer is more specific
        for word in self.matches(text):
            for code, weight in word.nodes:
                seen = evidence.setdefault(code, {})
                seen[word.shown] = max(seen.get(word.shown, 0.0), weight)
                span[code] = span.get(code, 0) + len(word.text)
        if not evidence:
            return {}
        totals = {c: min(sum(ws.values()), EVIDENCE_CAP) for c, ws in evidence.items()}
        best = max(totals.values())
        out = {}
        for code, total in totals.items():
            node = self._nodes[code]
            rel = total / best
            cls = 1.0 if industry and industry in node.gb4754 else 0.0
            seg = 1.0 if segment and segment == node.segment else 0.0
            z = B0 + B_EVIDENCE * total + B_REL * rel + B_CLASS * cls + B_SEGMENT * seg
            confidence = 1.0 / (1.0 + math.exp(-z))
            words = tuple(sorted(evidence[code], key=lambda w: (-evidence[code][w], w)))
            out[code] = (confidence, words, (total, rel, cls, seg), span[code])
        return out

    def propose(
        self,
        text: str,
        industry: str | None = None,
        segment: str | None = None,
        threshold: float = THRESHOLD,
    ) -> list[Proposal]:
        """The nodes of ``text`` at or above ``threshold``, best first (ties: the node whose
        words cover more characters, then file order).

        ``industry`` is the enterprise's GB/T 4754 class (four digits), ``segment`` its plan
        segment; both only raise nodes the words already point to.
        """
        order = {code: i for i, code in enumerate(self._nodes)}
        scored = self.scores(text, industry, segment)
        found = [
            Proposal(code, round(conf, 4), words)
            for code, (conf, words, _f, _span) in scored.items()
            if conf >= threshold
        ]
        found.sort(key=lambda p: (-p.confidence, -scored[p.node][3], order[p.node]))
        return found

    def classify(self, text: str) -> Classified:
        """A text alone: the best node's first GB/T 4754 class and its segment, and every node
        above the threshold; ("", "other", ()) when none is."""
        proposals = self.propose(text)
        if not proposals:
            return Classified(gb4754="", segment="other", nodes=())
        best = self._nodes[proposals[0].node]
        return Classified(
            gb4754=best.gb4754[0],
            segment=best.segment,
            nodes=tuple(p.node for p in proposals),
        )
