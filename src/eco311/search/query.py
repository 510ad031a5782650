"""Searching the index for an actor: each kind within the actor's scope, best matches first.

Who may find what is the Actor's (accounts/scopes.py), applied to the index rows through their
foreign key: targets for everyone (they are public); enterprises within ``enterprises_q`` for
those who may see enterprises at all; progress reports within ``scope_q`` (a target's details)
for officials; notices within ``notices_q``. The actor is duck-typed: search sits below accounts.

A kind is searched in at most two indexed queries, each stopping at the first rows it needs: the
title tokens first (names, keys, codes), then all tokens. There is no ranking over all matches:
"环保" matches most enterprise names, and ordering 100,000 matches to show five would cost more
than the whole search may (bench/search.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from eco311.enterprises.models import Enterprise
from eco311.plans.models import ProgressReport, Target
from eco311.search.index import KINDS, Document, Field, documents
from eco311.search.models import SearchEntry
from eco311.search.tokenise import Query, fts5_expression, matches, snippet, tsquery
from eco311.supervision.models import Notice

KIND_ORDER = ("target", "enterprise", "report", "notice")


def kinds_for(actor) -> list[str]:
    """The kinds this actor may search: targets always; enterprises if it may see enterprise
    pages; reports if it is an official (reports are target details); notices always (the
    public reads public notices)."""
    kinds = ["target"]
    if actor.can_see_enterprises:
        kinds.append("enterprise")
    if actor.is_official:
        kinds.append("report")
    kinds.append("notice")
    return kinds


def scope_of(actor, kind: str) -> Q:
    """The index rows of ``kind`` this actor may find."""
    if kind == "target":
        return Q(target__is_active=True)
    if kind == "enterprise":
        return actor.enterprises_q("enterprise__")
    if kind == "report":
        return actor.scope_q("report__target__")
    if kind == "notice":
        return actor.notices_q("notice__")
    raise ValueError(kind)


def _matching(qs, kind: str, query: Query, title_only: bool):
    table = SearchEntry._meta.db_table
    prefix = KINDS[kind].prefix
    if connection.vendor == "sqlite":
        expression = fts5_expression(query, "title_tokens" if title_only else None, prefix)
        # A subquery, not a join: joined, SQLite runs the full-text query once per entry row.
        return qs.extra(
            where=[f"{table}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"],
            params=[expression],
        )
    if connection.vendor == "postgresql":
        return qs.extra(
            where=[f"{table}.tsv @@ %s::tsquery"],
            params=[tsquery(query, "A" if title_only else "", prefix)],
        )
    raise RuntimeError(f"search: no full-text index for the {connection.vendor} database")


def matching_ids(actor, kind: str, query: Query, limit: int) -> tuple[list[int], set[int]]:
    """Up to ``limit`` ids of ``kind`` matching ``query`` within the actor's scope, the title
    matches first; and which of them matched in the title."""
    fk = f"{kind}_id"
    base = SearchEntry.objects.filter(kind=kind).filter(scope_of(actor, kind)).order_by()
    if kind == "notice":
        base = base.distinct()  # the audience join may repeat a notice
    found = list(_matching(base, kind, query, True).values_list(fk, flat=True)[:limit])
    in_title = set(found)
    if len(found) < limit:
        rest = _matching(base, kind, query, False).exclude(**{f"{fk}__in": found})
        found += list(rest.values_list(fk, flat=True)[: limit - len(found)])
    return found, in_title


@dataclass
class Hit:
    kind: str
    obj: object
    field: Field | None  # the field the snippet is from
    pieces: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class KindResult:
    kind: str
    hits: list[Hit]
    more: bool  # there are more than ``limit`` hits


_LOAD = {
    "target": lambda ids: Target.objects.filter(pk__in=ids).select_related("plan", "task__section"),
    "enterprise": lambda ids: Enterprise.objects.filter(pk__in=ids).select_related("city"),
    "report": lambda ids: ProgressReport.objects.filter(pk__in=ids).select_related("target__plan"),
    "notice": lambda ids: Notice.objects.filter(pk__in=ids),
}


def best_field(doc: Document, query: Query, lang: str) -> Field | None:
    """The field to show as the snippet: the one containing the most terms; among equals a
    title field, then one in the reader's language (or language-neutral)."""
    best, best_key = None, None
    for order, f in enumerate(doc.fields):
        if f.hidden:
            continue
        found = sum(1 for t in query.terms if matches(f.text, Query((t,))))
        if not found:
            continue
        key = (-found, f.lang not in ("", lang), order)
        if best_key is None or key < best_key:
            best, best_key = f, key
    return best


def search(
    actor, query: Query, *, kinds=None, limit: int = 5, lang: str = "zh"
) -> list[KindResult]:
    """Search ``query`` for ``actor``: per kind (those it may search, of ``kinds`` if given),
    up to ``limit`` hits with their snippet, and whether there are more."""
    allowed = kinds_for(actor)
    out = []
    for kind in KIND_ORDER:
        if kind not in allowed or (kinds and kind not in kinds):
            continue
        ids, _in_title = matching_ids(actor, kind, query, limit + 1)
        more = len(ids) > limit
        ids = ids[:limit]
        objects = {o.pk: o for o in _LOAD[kind](ids)} if ids else {}
        docs = documents(kind, ids) if ids else {}
        hits = []
        for pk in ids:
            if pk not in objects:
                continue
            doc = docs.get(pk, Document())
            chosen = best_field(doc, query, lang)
            pieces = snippet(chosen.text, query) if chosen else []
            hits.append(Hit(kind, objects[pk], chosen, pieces))
        out.append(KindResult(kind, hits, more))
    return out
