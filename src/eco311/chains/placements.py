"""Placing enterprises on chain nodes: the scorer proposes, the enterprise declares, an official
decides; every change is kept in history and an official's decision wins over later proposals.

Public API::

    propose(enterprises=None, scorer=None) -> {"created", "updated", "removed", "kept"}
    effective(enterprise_ids=None) -> {enterprise id: [node codes]}
    effective_pairs() -> [(enterprise id, node code)]
    effective_rows(enterprise) -> [Placement]                 # the rows behind effective()
    decide(actor, enterprise, nodes, reason) -> [Placement]     # officials (Actor.can_place)
    declare(enterprise, nodes, user=None) -> [Placement]        # the survey's chain-node column
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from eco311.chains import taxonomy as taxonomy_module
from eco311.chains.models import Placement
from eco311.chains.scorer import THRESHOLD, Scorer
from eco311.enterprises.models import Enterprise

S = Placement.Status
BATCH = 2000
#: Rows that say a person (the enterprise or an official) has spoken for the enterprise.
DECIDED = (S.CONFIRMED, S.DECLARED, S.REJECTED)
_UPDATED_FIELDS = ["confidence", "words", "synthetic"]


def _scorer(scorer: Scorer | None) -> Scorer:
    return scorer or Scorer(taxonomy_module.load())


def propose(enterprises=None, scorer: Scorer | None = None) -> dict[str, int]:
    """Run the scorer on enterprises (all unless given) and store its proposals.

    Rule: PROPOSED rows follow the scorer: new nodes are created, changed confidences or words
    updated, nodes it no longer proposes removed. A DECLARED, CONFIRMED or REJECTED row is never
    touched, so a correction wins over every later proposal. Works in batches of enterprises
    with a constant number of queries per batch (bulk writes, history kept in bulk too).
    """
    scorer = _scorer(scorer)
    counts = dict(created=0, updated=0, removed=0, kept=0)
    if enterprises is None:
        ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))
    elif hasattr(enterprises, "values_list"):
        ids = list(enterprises.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(e.pk if hasattr(e, "pk") else int(e) for e in enterprises)
    for i in range(0, len(ids), BATCH):
        _propose_batch(ids[i : i + BATCH], scorer, counts)
    return counts


def _propose_batch(ids: list[int], scorer: Scorer, counts: dict[str, int]) -> None:
    rows = Enterprise.objects.filter(pk__in=ids).values_list(
        "pk", "main_products", "industry__code", "segment", "synthetic"
    )
    existing: dict[tuple[int, str], Placement] = {
        (p.enterprise_id, p.node): p for p in Placement.objects.filter(enterprise_id__in=ids)
    }
    to_create, to_update, to_remove = [], [], []
    wanted: set[tuple[int, str]] = set()
    for pk, text, industry, segment, synthetic in rows:
        for p in scorer.propose(text or "", industry=industry, segment=segment):
            key = (pk, p.node)
            wanted.add(key)
            row = existing.get(key)
            if row is None:
                to_create.append(
                    Placement(
                        enterprise_id=pk,
                        node=p.node,
                        status=S.PROPOSED,
                        confidence=p.confidence,
                        words=list(p.words),
                        synthetic=synthetic,
                    )
                )
            elif row.status != S.PROPOSED:
                counts["kept"] += 1  # somebody decided: corrections win
            elif row.confidence != p.confidence or row.words != list(p.words):
                row.confidence, row.words, row.synthetic = p.confidence, list(p.words), synthetic
                to_update.append(row)
            else:
                counts["kept"] += 1
    for key, row in existing.items():
        if key not in wanted:
            if row.status == S.PROPOSED:
                to_remove.append(row)
            else:
                counts["kept"] += 1
    with transaction.atomic():
        if to_create:
            bulk_create_with_history(
                to_create, Placement, batch_size=500, default_change_reason="proposed by the scorer"
            )
        if to_update:
            bulk_update_with_history(
                to_update,
                Placement,
                _UPDATED_FIELDS,
                batch_size=500,
                default_change_reason="proposal revised by the scorer",
            )
        if to_remove:
            _delete_with_history(to_remove, "no longer proposed by the scorer")
    counts["created"] += len(to_create)
    counts["updated"] += len(to_update)
    counts["removed"] += len(to_remove)


def _delete_with_history(rows: list[Placement], reason: str) -> None:
    """Delete rows in bulk and record each deletion as simple_history would.

    A queryset delete would send post_delete for every row and simple_history would insert its
    record one row at a time; for 100,000 enterprises that is too slow, so the records are
    bulk-created here and the rows deleted by key (nothing refers to a placement).
    """
    History = Placement.history.model
    now = timezone.now()
    fields = [f.attname for f in Placement._meta.concrete_fields]
    History.objects.bulk_create(
        [
            History(
                history_date=now,
                history_type="-",
                history_change_reason=reason,
                **{name: getattr(row, name) for name in fields},
            )
            for row in rows
        ],
        batch_size=500,
    )
    table = connection.ops.quote_name(Placement._meta.db_table)
    ids = [r.pk for r in rows]
    with connection.cursor() as cursor:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)


# -- what counts --------------------------------------------------------------------------------


def effective(enterprise_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """The nodes each enterprise is on, by the rule of the Placement docstring.

    Rule: once a person has spoken for the enterprise (any DECLARED, CONFIRMED or REJECTED
    row; an official who removes every node has decided too), its nodes are its confirmed and
    declared ones; otherwise its proposals with confidence >= scorer.THRESHOLD. Enterprises on
    no node are absent. Nodes in taxonomy file order.
    """
    qs = Placement.objects.exclude(status=S.PROPOSED, confidence__lt=THRESHOLD)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
    decided: set[int] = set()
    proposed: dict[int, list[str]] = {}
    kept: dict[int, list[str]] = {}
    for ent, node, status, confidence in qs.values_list(
        "enterprise_id", "node", "status", "confidence"
    ).iterator(chunk_size=5000):
        if status in DECIDED:
            decided.add(ent)
            if status != S.REJECTED:
                kept.setdefault(ent, []).append(node)
        elif confidence is not None:
            proposed.setdefault(ent, []).append(node)
    out = {e: nodes for e, nodes in proposed.items() if e not in decided}
    out.update(kept)
    order = {n.code: i for i, n in enumerate(taxonomy_module.load().nodes)}
    return {
        e: sorted(nodes, key=lambda c: (order.get(c, len(order)), c)) for e, nodes in out.items()
    }


def effective_rows(enterprise) -> list[Placement]:
    """The rows behind ``effective`` for one enterprise (its page shows them with their
    status, confidence and words), in taxonomy file order."""
    nodes = effective([enterprise.pk]).get(enterprise.pk, [])
    rows = {
        p.node: p for p in Placement.objects.filter(enterprise_id=enterprise.pk, node__in=nodes)
    }
    return [rows[n] for n in nodes if n in rows]


def effective_pairs() -> list[tuple[int, str]]:
    """(enterprise id, node code) for every effective placement, by enterprise then node."""
    return [(e, n) for e, nodes in sorted(effective().items()) for n in nodes]


#: The directory's placement filter (?placement=...): where an enterprise stands.
STATES = ("proposed", "decided", "unplaced")


def in_state(enterprises, state: str):
    """The enterprises of ``enterprises`` (a queryset) in ``state``, by the rule of effective():
    "proposed": only the scorer has spoken and it places them (an official should confirm);
    "decided": a person has spoken (confirmed, declared or rejected);
    "unplaced": on no node at all (no proposal above the threshold, or every node rejected).
    """
    from django.db.models import Exists, OuterRef

    def has(**kw):
        return Exists(Placement.objects.filter(enterprise=OuterRef("pk"), **kw))

    decided = has(status__in=DECIDED)
    on_node = has(status__in=(S.CONFIRMED, S.DECLARED))
    strong = has(status=S.PROPOSED, confidence__gte=THRESHOLD)
    if state == "proposed":
        return enterprises.filter(~decided & strong)
    if state == "decided":
        return enterprises.filter(decided)
    if state == "unplaced":
        return enterprises.filter(~on_node & (decided | ~strong))
    raise ValueError(f"unknown placement state {state!r}")


# -- people speaking for an enterprise ---------------------------------------------------------


def _check_nodes(nodes: Iterable[str]) -> list[str]:
    tax = taxonomy_module.load()
    codes = []
    for code in nodes:
        code = str(code).strip()
        if not code:
            continue
        if not tax.has_node(code):
            raise ValidationError(
                _("Unknown chain node %(code)s.") % {"code": code}, code="unknown_node"
            )
        if code not in codes:
            codes.append(code)
    return codes


def decide(actor, enterprise: Enterprise, nodes: Iterable[str], reason: str) -> list[Placement]:
    """An official sets the enterprise's nodes: the listed ones CONFIRMED, every other row of
    the enterprise REJECTED, each stamped with who, when and why.

    Rule: only an actor whose ``can_place(enterprise)`` is true (the administrator, or the city
    bureau or park committee of the enterprise) decides; a reason is required; an unknown node
    code is refused by name. Rows whose status does not change are left as they are; every
    change is kept in history. Returns all the enterprise's rows.
    """
    if not actor.can_place(enterprise):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for this decision."), code="reason_required")
    codes = _check_nodes(nodes)
    user = getattr(actor, "user", None)
    now = timezone.now()
    with transaction.atomic():
        rows = {
            p.node: p
            for p in Placement.objects.select_for_update().filter(enterprise_id=enterprise.pk)
        }
        for code in codes:
            row = rows.get(code) or Placement(enterprise=enterprise, node=code)
            if row.pk and row.status == S.CONFIRMED:
                continue
            _stamp(row, S.CONFIRMED, user, now, reason, enterprise.synthetic)
            rows[code] = row
        for code, row in rows.items():
            if code not in codes and row.status != S.REJECTED:
                _stamp(row, S.REJECTED, user, now, reason, enterprise.synthetic)
    return list(Placement.objects.filter(enterprise_id=enterprise.pk))


def _stamp(
    row: Placement, status: str, user, now, reason: str, synthetic: bool, why: str = ""
) -> None:
    """Set the row's status, who decided, when and why (``why``: the history's reason when it
    is not the decision's own), and save it (simple_history records the change)."""
    row.status = status
    row.decided_by = user if getattr(user, "pk", None) else None
    row.decided_on = now
    row.reason = reason
    if row.pk is None:
        row.synthetic = synthetic
    row._change_reason = (why or reason)[:100]
    if row.decided_by is not None:
        row._history_user = row.decided_by
    row.save()


def declare(enterprise: Enterprise, nodes: Iterable[str], user=None) -> list[Placement]:
    """The enterprise's own statement of its nodes (the survey's optional chain-node column).

    Rule: the listed nodes become DECLARED (a proposal of the same node is taken over); a node
    an official CONFIRMED or REJECTED stays as the official decided; nodes the enterprise
    declared before and no longer lists are removed. An empty list withdraws its declaration.
    Unknown node codes are refused by name. History kept. Returns all the enterprise's rows.
    """
    codes = _check_nodes(nodes)
    now = timezone.now()
    with transaction.atomic():
        rows = {
            p.node: p
            for p in Placement.objects.select_for_update().filter(enterprise_id=enterprise.pk)
        }
        for code in codes:
            row = rows.get(code) or Placement(enterprise=enterprise, node=code)
            if row.pk and row.status in (S.CONFIRMED, S.REJECTED, S.DECLARED):
                continue
            _stamp(
                row, S.DECLARED, user, now, "", enterprise.synthetic, "declared by the enterprise"
            )
        for code, row in rows.items():
            if code not in codes and row.status == S.DECLARED:
                row._change_reason = "no longer declared by the enterprise"
                row.delete()
    return list(Placement.objects.filter(enterprise_id=enterprise.pk))
