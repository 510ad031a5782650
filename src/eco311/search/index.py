"""What is searchable of each kind of object, and keeping the index (SearchEntry) up to date.

A kind's ``documents(ids)`` loads the objects and returns their searchable fields: the *title*
fields (names, keys, titles, credit codes: a match there lists the object first) and the *body*
fields. The same documents make the index tokens and, at query time, the snippets, so what is
shown as matching is what was indexed.

``reindex(kind, ids)`` brings the entries of those objects (all of the kind when ``ids`` is None)
in line with the database: new entries for new objects, rewritten entries for changed ones,
removed entries for objects that are gone or no longer searchable (a target a reloaded plan
dropped). It compares tokens first, so reindexing what did not change writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from eco311.enterprises.models import Enterprise, FormerName
from eco311.plans.models import ProgressReport, Target
from eco311.search.models import SearchEntry
from eco311.search.tokenise import compact, tokens
from eco311.supervision.models import Notice

CHUNK = 2000


@dataclass(frozen=True)
class Field:
    """One searchable text of an object. ``label`` is a key the page translates (LABELS in
    web/views/search.py); ``lang`` is "zh" or "en" for bilingual texts, "" otherwise."""

    label: str
    text: str
    lang: str = ""
    #: Indexed but never shown as the snippet (the compacted form of a key).
    hidden: bool = False


@dataclass
class Document:
    title: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)

    def tokens(self, prefix: str = "") -> tuple[str, str]:
        return (
            tokens(*(f.text for f in self.title), prefix=prefix),
            tokens(*(f.text for f in self.body), prefix=prefix),
        )

    @property
    def fields(self) -> list[Field]:
        return [*self.title, *self.body]


def _present(*fields: Field) -> list[Field]:
    return [f for f in fields if f.text]


# -- the kinds ------------------------------------------------------------------------------------


def target_documents(ids: Iterable[int]) -> dict[int, Document]:
    """Active targets: key, wording (zh, en) and metric; the source sentence, the section and
    task they sit in (reference and title), the notes."""
    out = {}
    rows = Target.objects.filter(pk__in=list(ids), is_active=True).select_related("task__section")
    for t in rows:
        section, task = t.task.section, t.task
        out[t.pk] = Document(
            title=_present(
                Field("key", t.key),
                Field("key", compact(t.key), hidden=True),
                Field("text", t.text_zh, "zh"),
                Field("text", t.text_en, "en"),
            ),
            body=_present(
                Field("source", t.source, "zh"),
                Field("metric", t.metric_zh, "zh"),
                Field("metric", t.metric_en, "en"),
                Field("section", f"{section.ref} {section.title_zh}", "zh"),
                Field("section", f"{section.ref} {section.title_en}", "en"),
                Field("task", f"{task.ref} {task.title_zh}", "zh"),
                Field("task", f"{task.ref} {task.title_en}", "en"),
                Field("note", t.note_zh, "zh"),
                Field("note", t.note_en, "en"),
            ),
        )
    return out


def enterprise_documents(ids: Iterable[int]) -> dict[int, Document]:
    """Enterprises: name, former names, credit code; main products and industry.

    Former names are the recorded ones (FormerName, written by the survey import on a rename)
    and every other name the enterprise's history holds: a rename made any other way is still
    found by the old name."""
    ids = list(ids)
    former: dict[int, list[str]] = {}
    for pk, name in FormerName.objects.filter(enterprise_id__in=ids).values_list(
        "enterprise_id", "name"
    ):
        former.setdefault(pk, []).append(name)
    for pk, name in (
        Enterprise.history.filter(id__in=ids).order_by().values_list("id", "name").distinct()
    ):
        former.setdefault(pk, []).append(name)
    out = {}
    rows = Enterprise.objects.filter(pk__in=ids).values_list(
        "pk", "name", "uscc", "main_products", "industry__name_zh", "industry__name_en"
    )
    for pk, name, uscc, products, industry_zh, industry_en in rows:
        old = [n for n in dict.fromkeys(former.get(pk, ())) if n != name]
        out[pk] = Document(
            title=_present(
                Field("name", name),
                *(Field("former_name", n) for n in old),
                Field("uscc", uscc),
            ),
            body=_present(
                Field("products", products),
                Field("industry", industry_zh or "", "zh"),
                Field("industry", industry_en or "", "en"),
            ),
        )
    return out


def report_documents(ids: Iterable[int]) -> dict[int, Document]:
    """Progress reports: the target's key; the note and the reviewer's comment."""
    out = {}
    for r in ProgressReport.objects.filter(pk__in=list(ids)).select_related("target"):
        out[r.pk] = Document(
            title=_present(
                Field("key", r.target.key), Field("key", compact(r.target.key), hidden=True)
            ),
            body=_present(Field("note", r.note), Field("review_comment", r.review_comment)),
        )
    return out


def notice_documents(ids: Iterable[int]) -> dict[int, Document]:
    """Notices, drafts included (who may read which is Actor.notices_q, at query time)."""
    out = {}
    for n in Notice.objects.filter(pk__in=list(ids)):
        out[n.pk] = Document(
            title=_present(Field("number", n.number), Field("title", n.title)),
            body=_present(Field("body", n.body)),
        )
    return out


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    documents: Callable[[Iterable[int]], dict[int, Document]]
    prefix: str  # of every token (tokenise.tokens): one full-text index, partitioned by kind


KINDS: dict[str, Kind] = {
    "target": Kind("target", Target, target_documents, "t"),
    "enterprise": Kind("enterprise", Enterprise, enterprise_documents, "e"),
    "report": Kind("report", ProgressReport, report_documents, "r"),
    "notice": Kind("notice", Notice, notice_documents, "n"),
}


def documents(kind: str, ids: Iterable[int]) -> dict[int, Document]:
    return KINDS[kind].documents(ids)


# -- keeping the index ------------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


@transaction.atomic
def reindex(kind: str | None = None, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Bring the entries of ``ids`` of ``kind`` (every object of every kind when None) in line
    with the objects. Returns the number of entries written or removed per kind."""
    kinds = [kind] if kind else list(KINDS)
    written = {}
    for name in kinds:
        spec = KINDS[name]
        fk = f"{name}_id"
        entries = SearchEntry.objects.filter(kind=name)
        if ids is None:
            wanted = list(spec.model.objects.order_by("pk").values_list("pk", flat=True))
            # Entries of objects that no longer exist cannot be: the foreign key cascades.
        else:
            wanted = sorted(set(ids))
        count = 0
        for chunk in _chunks(wanted):
            docs = spec.documents(chunk)
            stored = {
                oid: (pk, title, body)
                for pk, oid, title, body in entries.filter(**{f"{fk}__in": chunk}).values_list(
                    "pk", fk, "title_tokens", "body_tokens"
                )
            }
            stale, new, removed = [], [], 0
            for oid in chunk:
                doc = docs.get(oid)
                old = stored.get(oid)
                if doc is None:
                    if old is not None:
                        stale.append(old[0])
                        removed += 1
                    continue
                title, body = doc.tokens(spec.prefix)
                if old is not None and old[1:] == (title, body):
                    continue
                if old is not None:
                    stale.append(old[0])
                new.append(
                    SearchEntry(kind=name, title_tokens=title, body_tokens=body, **{fk: oid})
                )
            if stale:
                SearchEntry.objects.filter(pk__in=stale).delete()
            SearchEntry.objects.bulk_create(new, batch_size=500)
            count += len(new) + removed
        written[name] = count
    return written


def reindex_targets_of(*, task_ids: Iterable[int] = (), section_ids: Iterable[int] = ()) -> None:
    """A task's or section's title is part of its targets' documents."""
    pks = Target.objects.filter(task_id__in=list(task_ids)) | Target.objects.filter(
        task__section_id__in=list(section_ids)
    )
    reindex("target", pks.values_list("pk", flat=True))
