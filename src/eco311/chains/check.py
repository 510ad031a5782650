"""What in the database no longer fits the chain taxonomy (``eco311 chains check``).

Nodes and chains are referred to by code (chains/data/chains.yaml), not by foreign key, so a
taxonomy version that renames or drops a code leaves rows pointing at nothing. They are kept
(history, decisions) and listed here, each with what to do about it.

Public API::

    findings(tax=None) -> list[Finding]
"""

from __future__ import annotations

from dataclasses import dataclass

from eco311.chains import taxonomy
from eco311.chains.models import Placement, SyntheticTruth
from eco311.enterprises.models import Tag


@dataclass(frozen=True)
class Finding:
    kind: str  # placement, chain_leader_tag, synthetic_truth
    row: int  # the row's id
    text: str  # one line, Chinese / English, saying what is wrong and what to do


def findings(tax: taxonomy.Taxonomy | None = None) -> list[Finding]:
    """Placements on a node the taxonomy lacks, chain-leader tags whose stage is empty or not a
    chain code, and synthetic-truth rows naming an unknown node; in that order, by id."""
    tax = tax or taxonomy.load()
    chains = {c.code for c in tax.chains}
    found: list[Finding] = []
    off_map = Placement.objects.exclude(node__in=[n.code for n in tax.nodes])
    for p in off_map.select_related("enterprise").order_by("pk"):
        found.append(
            Finding(
                "placement",
                p.pk,
                f"placement {p.pk}：企业 {p.enterprise.uscc} 的环节 {p.node!r} 不在产业链图谱中"
                f"（{p.status}），请改放到现有环节或驳回 / enterprise {p.enterprise.uscc} is "
                f"placed on node {p.node!r} ({p.status}), which the taxonomy does not have: "
                "move it to a current node or reject it",
            )
        )
    for t in (
        Tag.objects.filter(kind=Tag.Kind.CHAIN_LEADER)
        .exclude(stage__in=chains)
        .select_related("enterprise")
        .order_by("pk")
    ):
        held = "revoked " + t.revoked_on.isoformat() if t.revoked_on else "active"
        if not t.stage:
            what_zh, what_en = "未注明产业链", "names no chain (empty stage)"
        else:
            what_zh, what_en = f"产业链 {t.stage!r} 不存在", f"names unknown chain {t.stage!r}"
        found.append(
            Finding(
                "chain_leader_tag",
                t.pk,
                f"tag {t.pk}：企业 {t.enterprise.uscc} 的链主标签{what_zh}（{held}），请撤销后"
                f"按产业链重新授予 / enterprise {t.enterprise.uscc}'s chain-leader tag "
                f"{what_en} ({held}): revoke it and grant it again for a chain of the map",
            )
        )
    for s in SyntheticTruth.objects.select_related("enterprise").order_by("pk"):
        unknown = [n for n in s.nodes if not tax.has_node(n)]
        if unknown:
            names = ", ".join(unknown)
            found.append(
                Finding(
                    "synthetic_truth",
                    s.pk,
                    f"synthetic truth {s.pk}：合成企业 {s.enterprise.uscc} 的真实环节 {names} "
                    f"不在图谱中，请重新生成演示数据 / synthetic enterprise "
                    f"{s.enterprise.uscc}'s true node(s) {names} are not in the taxonomy: "
                    "regenerate the demo data",
                )
            )
    return found
