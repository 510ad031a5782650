"""The chain taxonomy: Shandong's eco-environmental industry chains as a validated data file.

Pure module (no Django). ``chains/data/chains.yaml`` (schema ``eco311.chains/1``, documented in
docs/chains.md) lists the chains; each chain lists its nodes (links, 环节) with their stage, the
nodes they are an input to, the GB/T 4754-2017 classes and plan segment they belong to, the
words firms use for them, and the flags the plan gives them, each with its source sentence.

Public API::

    load(path=None) -> Taxonomy            # cached for the default file; raises TaxonomyError
    Taxonomy.chains / .nodes / .node(code) / .chain_of(code) / .edges(chain_code)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from eco311.core.datafile import (
    DataFileError,
    DataFileModel,
    Location,
    StrictModel,
    Text,
    load_data_file,
)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "chains.yaml"
SCHEMA = "eco311.chains/1"
CODE_PATTERN = r"^[a-z][a-z0-9-]{1,31}$"

Stage = Literal["upstream", "midstream", "downstream"]
#: The plan's three segments (enterprises.models.Segment) and "other" for what is none of them.
SEGMENTS = ("manufacturing", "services", "resource", "other")
FlagKind = Literal["short_board", "international_brand", "high_end", "strengthen"]


class TaxonomyError(DataFileError):
    """The chain file could not be loaded; ``messages`` are located."""


class Flag(StrictModel):
    """Something the plan says of a node, with the sentence that says it."""

    kind: FlagKind
    ref: str = Field(min_length=1, description="plan section, e.g. 四(一)")
    source: str = Field(min_length=4, description="the plan's sentence, verbatim")


class Node(StrictModel):
    code: str = Field(pattern=CODE_PATTERN)
    name: Text
    stage: Stage
    input_to: list[str] = []
    gb4754: list[str] = Field(min_length=1)
    segment: Literal["manufacturing", "services", "resource", "other"]
    keywords: list[str] = Field(min_length=1)
    synonyms: list[str] = []
    flags: list[Flag] = []

    @field_validator("gb4754")
    @classmethod
    def _classes(cls, v: list[str]) -> list[str]:
        for c in v:
            if not (len(c) == 4 and c.isdigit()):
                raise ValueError(f"a GB/T 4754-2017 class has four digits (got {c!r})")
        return v

    @field_validator("keywords", "synonyms")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        for w in v:
            if not w.strip():
                raise ValueError("a keyword must not be empty")
        return v

    def words(self) -> list[str]:
        """Every word that places a firm on this node: keywords, then synonyms."""
        return [*self.keywords, *self.synonyms]


class Chain(StrictModel):
    code: str = Field(pattern=CODE_PATTERN)
    name: Text
    description: Text
    #: "370000" for a province-wide chain, a city's code for a city's own chain (Zibo's hydrogen).
    area: str = Field(default="370000", pattern=r"^\d{6}$")
    ref: str = Field(min_length=1, description="the plan section the chain comes from")
    source: str = Field(min_length=4, description="the plan's sentence that names the chain")
    nodes: list[Node] = Field(min_length=2)

    def node_codes(self) -> list[str]:
        return [n.code for n in self.nodes]

    def edges(self) -> list[tuple[str, str]]:
        """(supplier node, user node) pairs: ``a`` is an input to ``b``."""
        return [(n.code, t) for n in self.nodes for t in n.input_to]


class Taxonomy(DataFileModel):
    schema_: Literal["eco311.chains/1"] = Field(alias="schema")
    version: str = Field(min_length=1)
    chains: list[Chain] = Field(min_length=1)

    def cross_check(self) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
        seen_chain: set[str] = set()
        seen_node: dict[str, tuple[int, int]] = {}
        for ci, chain in enumerate(self.chains):
            if chain.code in seen_chain:
                problems.append((("chains", ci, "code"), f"duplicate chain code {chain.code!r}"))
            seen_chain.add(chain.code)
            codes = set(chain.node_codes())
            for ni, node in enumerate(chain.nodes):
                if node.code in seen_node or node.code in seen_chain:
                    problems.append(
                        (("chains", ci, "nodes", ni, "code"), f"duplicate code {node.code!r}")
                    )
                seen_node.setdefault(node.code, (ci, ni))
                for ti, target in enumerate(node.input_to):
                    if target == node.code:
                        problems.append(
                            (
                                ("chains", ci, "nodes", ni, "input_to", ti),
                                "a node cannot be an input to itself",
                            )
                        )
                    elif target not in codes:
                        problems.append(
                            (
                                ("chains", ci, "nodes", ni, "input_to", ti),
                                f"unknown node {target!r}: input_to names nodes of the same chain",
                            )
                        )
            cycle = _cycle(chain)
            if cycle:
                problems.append(
                    (("chains", ci, "nodes"), "the input edges form a cycle: " + " -> ".join(cycle))
                )
        return problems

    # -- lookups ---------------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        return [n for c in self.chains for n in c.nodes]

    def node(self, code: str) -> Node:
        return self._index()[0][code]

    def chain(self, code: str) -> Chain:
        return self._index()[1][code]

    def chain_of(self, node_code: str) -> Chain:
        return self._index()[2][node_code]

    def has_node(self, code: str) -> bool:
        return code in self._index()[0]

    def _index(self):
        idx = self.__dict__.get("_idx")
        if idx is None:
            nodes = {n.code: n for n in self.nodes}
            chains = {c.code: c for c in self.chains}
            owner = {n.code: c for c in self.chains for n in c.nodes}
            idx = (nodes, chains, owner)
            self.__dict__["_idx"] = idx
        return idx


def _cycle(chain: Chain) -> list[str]:
    """One cycle of the chain's input edges, as a list of codes, or [] (depth-first search)."""
    graph = {n.code: [t for t in n.input_to if t != n.code] for n in chain.nodes}
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(code: str) -> list[str]:
        state[code] = 1
        stack.append(code)
        for nxt in graph.get(code, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt in graph and state.get(nxt) is None:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[code] = 2
        return []

    for code in graph:
        if state.get(code) is None:
            found = visit(code)
            if found:
                return found
    return []


def load_file(path: str | Path) -> Taxonomy:
    """Load and check one chain file; raise :class:`TaxonomyError` with located messages."""
    return load_data_file(path, Taxonomy, TaxonomyError)


@lru_cache(maxsize=1)
def _default() -> Taxonomy:
    return load_file(DEFAULT_PATH)


def load(path: str | Path | None = None) -> Taxonomy:
    """The chain taxonomy: the packaged file (cached) unless ``path`` names another."""
    return _default() if path is None else load_file(path)
