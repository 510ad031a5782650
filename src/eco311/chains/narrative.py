"""The words of the 优势产业链图谱分析 (chain-map analysis), drafted from plain data, zh or en.

Pure: no Django. chains/report.py gathers an :class:`~eco311.chains.analytics.Analysis`, a
:class:`~eco311.chains.analytics.Specialisation`, the taxonomy and the names of the cities and
enterprises; this module only writes. Every sentence names its figures with their units and
the nodes, cities or enterprises they come from, so that an official can check it against the
tables of the same document. A sentence about a weakness is written only when the component
that shows it says so (no local enterprise, a single one, a concentrated node, a short board
the plan names, open needs), never as boilerplate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eco311.chains.analytics import (
    Analysis,
    ChainResult,
    LeaderResult,
    Specialisation,
)
from eco311.chains.lists import CONCENTRATED_HHI, WEAK_THRESHOLD
from eco311.chains.taxonomy import Chain, Taxonomy

#: The thresholds are the chain lists' (chains/lists.py), so the document and the pages call
#: the same nodes weak and concentrated.
CONCENTRATED = CONCENTRATED_HHI
WEAK_SCORE = WEAK_THRESHOLD
#: How many nodes, cities and leaders a sentence names; the tables list them all.
TOP = 3

STAGE_WORDS = {
    "zh": {"upstream": "上游", "midstream": "中游", "downstream": "下游"},
    "en": {"upstream": "upstream", "midstream": "midstream", "downstream": "downstream"},
}


@dataclass
class ChainText:
    code: str
    title: str
    summary: list[str] = field(default_factory=list)
    strengths: list[str] = field(default_factory=list)
    weak_links: list[str] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)


@dataclass
class ChainNarrative:
    lang: str
    overview: list[str]
    chains: list[ChainText]
    specialisation: list[str]
    recommendations: list[str]


# -- formatting ------------------------------------------------------------------------------


def money(wan: float, lang: str) -> str:
    """万元 as officials write it: 亿元 from 10,000 万元 up (two decimals), else 万元."""
    if lang == "zh":
        if abs(wan) >= 10000:
            return f"{wan / 10000:,.2f}亿元"
        return f"{wan:,.0f}万元"
    yuan = wan * 10000
    if abs(yuan) >= 1e9:
        return f"CNY {yuan / 1e9:,.2f} billion"
    return f"CNY {yuan / 1e6:,.1f} million"


def pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def firms(n: int, lang: str) -> str:
    if lang == "zh":
        return f"{n}家"
    return f"{n} enterprise" + ("" if n == 1 else "s")


def num(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def _join(items: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _q(text: str, lang: str) -> str:
    return f"“{text}”"


# -- weak links ------------------------------------------------------------------------------


@dataclass
class Weakness:
    """A weak node and the reasons its components give, as codes (kind, detail)."""

    node: str
    score: float
    reasons: list[tuple[str, str]]  # ("none"|"single"|"concentrated"|"short_board"|"demand", ..)


def weaknesses(taxonomy: Taxonomy, chain: ChainResult) -> list[Weakness]:
    """The chain's weak nodes, weakest first: those with a reason, or a high weak-link score.

    Each reason appears exactly when its component says so: no enterprise in scope, exactly
    one, an HHI at or above :data:`CONCENTRATED` among two or more, a short-board flag of the
    plan (with its sentence), open needs once matchmaking records them."""
    out = []
    for n in chain.nodes:
        reasons: list[tuple[str, str]] = []
        if n.enterprises == 0:
            reasons.append(("none", ""))
        elif n.enterprises == 1:
            reasons.append(("single", ""))
        elif n.hhi is not None and n.hhi >= CONCENTRATED:
            reasons.append(("concentrated", num(n.hhi)))
        node = taxonomy.node(n.code) if taxonomy.has_node(n.code) else None
        for flag in node.flags if node else []:
            if flag.kind == "short_board":
                reasons.append(("short_board", f"{flag.ref}\x00{flag.source}"))
        if n.weak.unmet_demand:
            reasons.append(("demand", pct(n.weak.unmet_demand)))
        if reasons or n.weak.score >= WEAK_SCORE:
            out.append(Weakness(n.code, n.weak.score, reasons))
    out.sort(key=lambda w: (-w.score, w.node))
    return out


def _reason_words(kind: str, detail: str, lang: str) -> str:
    zh = lang == "zh"
    if kind == "none":
        return "省内尚无企业布局" if zh else "no enterprise in the province works on it"
    if kind == "single":
        return "仅有1家企业，供应单一" if zh else "a single enterprise supplies it"
    if kind == "concentrated":
        return (
            f"营业收入高度集中（HHI {detail}）"
            if zh
            else f"its revenue is highly concentrated (HHI {detail})"
        )
    if kind == "short_board":
        ref, source = detail.split("\x00", 1)
        return (
            f"规划列为短板领域（{ref}：{_q(source, lang)}）"
            if zh
            else f"the plan names it a short board ({ref}: {_q(source, lang)})"
        )
    if kind == "demand":
        return f"未满足需求占{detail}" if zh else f"{detail} of the open needs are unmet"
    raise ValueError(kind)


# -- the narrative ---------------------------------------------------------------------------


def _name(taxonomy: Taxonomy, code: str, lang: str) -> str:
    return taxonomy.node(code).name.get(lang) if taxonomy.has_node(code) else code


def _chain_summary(chain: Chain, r: ChainResult, lang: str) -> str:
    zh = lang == "zh"
    n_nodes = len(r.nodes)
    covered = n_nodes - len(r.gaps)
    if zh:
        return (
            f"{chain.name.get(lang)}共{n_nodes}个环节，其中{covered}个环节有省内企业布局；"
            f"全链共有{firms(r.enterprises, lang)}企业，环保业务营业收入{money(r.revenue, lang)}，"
            f"按环节重要性加权的完整度为{pct(r.completeness)}"
            f"（不加权{pct(r.completeness_unweighted)}）。"
        )
    return (
        f"The {chain.name.get(lang)} has {n_nodes} links, {covered} of them with enterprises in "
        f"the province; {firms(r.enterprises, lang)} earn {money(r.revenue, lang)} of "
        f"environmental revenue on it, and its completeness weighted by link importance is "
        f"{pct(r.completeness)} ({pct(r.completeness_unweighted)} unweighted)."
    )


def _strengths(
    taxonomy: Taxonomy,
    chain: Chain,
    r: ChainResult,
    spec: Specialisation | None,
    city_names: dict[str, str],
    lang: str,
) -> list[str]:
    zh = lang == "zh"
    out: list[str] = []
    ranked = sorted((n for n in r.nodes if n.revenue > 0), key=lambda n: (-n.revenue, n.code))
    if ranked and r.revenue > 0:
        parts = []
        for n in ranked[:TOP]:
            part = (
                f"{_name(taxonomy, n.code, lang)}（{firms(n.enterprises, lang)}，"
                f"{money(n.revenue, lang)}，占全链{pct(n.revenue / r.revenue)}"
                if zh
                else f"{_name(taxonomy, n.code, lang)} ({firms(n.enterprises, lang)}, "
                f"{money(n.revenue, lang)}, {pct(n.revenue / r.revenue)} of the chain"
            )
            if n.growth is not None:
                part += (
                    f"，比上年{'增长' if n.growth >= 0 else '下降'}{pct(abs(n.growth))}"
                    if zh
                    else f", {'up' if n.growth >= 0 else 'down'} {pct(abs(n.growth))} on the year"
                )
            parts.append(part + ("）" if zh else ")"))
        out.append(
            f"营业收入居前的环节是{_join(parts, lang)}。"
            if zh
            else f"The links with the largest revenue are {_join(parts, lang)}."
        )
    if spec is not None:
        m = spec.measures
        cities = []
        for n in ranked[:TOP]:
            if n.code not in m.prods:
                continue
            j = m.prods.index(n.code)
            col = m.value[:, j]
            total = float(col.sum())
            if total <= 0:
                continue
            i = int(max(range(len(m.locs)), key=lambda k: (float(m.rca[k, j]), -k)))
            if not float(m.rca[i, j]) >= 1:
                continue
            city = city_names.get(m.locs[i], m.locs[i])
            cities.append(
                f"{city}的{_name(taxonomy, n.code, lang)}（RCA {num(float(m.rca[i, j]))}，"
                f"占全省该环节{pct(float(col[i]) / total)}）"
                if zh
                else f"{city} in {_name(taxonomy, n.code, lang)} (RCA "
                f"{num(float(m.rca[i, j]))}, {pct(float(col[i]) / total)} of the province's)"
            )
        if cities:
            out.append(
                f"比较优势最突出的是{_join(cities, lang)}。"
                if zh
                else f"The strongest specialisations are {_join(cities, lang)}."
            )
    return out


def _weak_sentences(taxonomy: Taxonomy, weak: list[Weakness], lang: str) -> list[str]:
    zh = lang == "zh"
    out = []
    for w in weak:
        name = _name(taxonomy, w.node, lang)
        reasons = [_reason_words(k, d, lang) for k, d in w.reasons]
        if zh:
            why = "；".join(reasons) if reasons else "综合薄弱度较高"
            out.append(f"{name}（薄弱度{num(w.score)}）：{why}。")
        else:
            why = "; ".join(reasons) if reasons else "its combined weak-link score is high"
            out.append(f"{name} (weak-link score {num(w.score)}): {why}.")
    if not out:
        out.append(
            "各环节均有多家省内企业布局，未发现明显薄弱环节。"
            if zh
            else "Every link has several enterprises in the province; no weak link stands out."
        )
    return out


def _leader_line(taxonomy: Taxonomy, lead: LeaderResult, names: dict[int, str], lang: str) -> str:
    name = names.get(lead.enterprise, f"#{lead.enterprise}")
    node = _name(taxonomy, lead.node, lang)
    if lang == "zh":
        return f"{name}（{node}，占全省该环节营业收入{pct(lead.share)}，链主得分{num(lead.score)}）"
    return f"{name} ({node}, {pct(lead.share)} of the link's revenue, score {num(lead.score)})"


def _leaders(taxonomy: Taxonomy, r: ChainResult, names: dict[int, str], lang: str) -> list[str]:
    zh = lang == "zh"
    tagged = [x for x in r.leaders if x.tagged]
    candidates = [x for x in r.leaders if x.candidate and not x.tagged]
    out = []
    if tagged:
        lines = [_leader_line(taxonomy, x, names, lang) for x in tagged]
        out.append(
            f"已认定的链主企业：{'；'.join(lines)}。"
            if zh
            else f"Designated chain leaders: {'; '.join(lines)}."
        )
    else:
        out.append("本链尚无认定的链主企业。" if zh else "No chain leader has been designated yet.")
    if candidates:
        lines = [_leader_line(taxonomy, x, names, lang) for x in candidates[:TOP]]
        out.append(
            f"按链主得分，可作为链主培育对象的企业：{'；'.join(lines)}。"
            if zh
            else f"By their chain-leader score, candidates for the tag are: {'; '.join(lines)}."
        )
    return out


def best_placed(spec: Specialisation | None, node: str) -> list[tuple[str, float, float]]:
    """(city code, density, COG) of the cities whose recommendations name ``node``, best first
    (density, then COG): the cities whose present specialisations lie closest to it."""
    if spec is None:
        return []
    rows = [
        (city, rec.density, rec.cog)
        for city, recs in spec.recommendations.items()
        for rec in recs
        if rec.node == node
    ]
    rows.sort(key=lambda t: (-t[1], -t[2], t[0]))
    return rows


def _recommendations(
    taxonomy: Taxonomy,
    chain: Chain,
    r: ChainResult,
    weak: list[Weakness],
    spec: Specialisation | None,
    city_names: dict[str, str],
    names: dict[int, str],
    lang: str,
) -> list[str]:
    zh = lang == "zh"
    out = []
    by_code = {n.code: n for n in r.nodes}
    for w in weak:
        name = _name(taxonomy, w.node, lang)
        cities = best_placed(spec, w.node)[:TOP]
        if cities:
            listed = [
                f"{city_names.get(c, c)}（关联密度{num(d)}，复杂度增益{num(g)}）"
                if zh
                else f"{city_names.get(c, c)} (density {num(d)}, COG {num(g)})"
                for c, d, g in cities
            ]
            out.append(
                f"补齐{name}：{_join(listed, lang)}现有优势环节与之关联最紧密，宜作为招商引资和培育的重点地区。"
                if zh
                else f"To close the gap in {name}: {_join(listed, lang)} "
                f"{'has' if len(listed) == 1 else 'have'} the specialisations closest to it "
                f"and {'is' if len(listed) == 1 else 'are'} best placed to attract and grow it."
            )
        users = [
            by_code[t]
            for t in (taxonomy.node(w.node).input_to if taxonomy.has_node(w.node) else [])
            if t in by_code and by_code[t].enterprises > 0
        ]
        if users:
            listed = [
                f"{_name(taxonomy, u.code, lang)}（{firms(u.enterprises, lang)}）"
                if zh
                else f"{_name(taxonomy, u.code, lang)} ({firms(u.enterprises, lang)})"
                for u in users
            ]
            here = by_code.get(w.node)
            if here is not None and here.enterprises == 0:
                # No supplier in the province to match with: the buyers' demand is the pull.
                out.append(
                    f"以{_join(listed, lang)}企业的采购需求为牵引，引进{name}企业或项目落地。"
                    if zh
                    else f"Use the demand of the buyers in {_join(listed, lang)} to attract "
                    f"firms or projects in {name} to the province."
                )
            else:
                out.append(
                    f"组织{_join(listed, lang)}企业与{name}供应商开展供需对接，以省内采购带动本环节发展。"
                    if zh
                    else f"Match the buyers in {_join(listed, lang)} with suppliers of {name}, so "
                    f"that purchases in the province grow the link."
                )
    tagged = [x for x in r.leaders if x.tagged]
    candidates = [x for x in r.leaders if x.candidate and not x.tagged]
    if not tagged and candidates:
        top = candidates[0]
        out.append(
            f"培育链主：建议将{names.get(top.enterprise, f'#{top.enterprise}')}作为本链链主培育对象，"
            f"发挥其在{_name(taxonomy, top.node, lang)}环节的带动作用。"
            if zh
            else f"Cultivate a chain leader: {names.get(top.enterprise, f'#{top.enterprise}')} "
            f"is the first candidate, from its position in {_name(taxonomy, top.node, lang)}."
        )
    return out


def _specialisation(
    taxonomy: Taxonomy, spec: Specialisation | None, city_names: dict[str, str], lang: str
) -> list[str]:
    zh = lang == "zh"
    if spec is None or not spec.measures.locs:
        return [
            "本年度数据不足以计算各市的专业化程度。"
            if zh
            else "The year's data are too few to compute the cities' specialisation."
        ]
    m = spec.measures
    order = sorted(range(len(m.locs)), key=lambda i: (-float(m.eci[i]), m.locs[i]))
    ranked = [
        f"{city_names.get(m.locs[i], m.locs[i])}"
        + (f"（{num(float(m.eci[i]))}）" if zh else f" ({num(float(m.eci[i]))})")
        for i in order
        if float(m.eci[i]) == float(m.eci[i])  # NaN: a city without any presence
    ]
    out = []
    if ranked:
        out.append(
            f"按经济复杂度指数（ECI）排序：{_join(ranked, lang)}。"
            if zh
            else f"By economic complexity index (ECI): {_join(ranked, lang)}."
        )
    for i in order:
        present = [j for j in range(len(m.prods)) if m.mcp[i, j]]
        if not present:
            continue
        present.sort(key=lambda j: (-float(m.rca[i, j]), m.prods[j]))
        city = city_names.get(m.locs[i], m.locs[i])
        listed = [
            f"{_name(taxonomy, m.prods[j], lang)}（RCA {num(float(m.rca[i, j]))}）"
            if zh
            else f"{_name(taxonomy, m.prods[j], lang)} (RCA {num(float(m.rca[i, j]))})"
            for j in present[:TOP]
        ]
        more = len(present) - len(listed)
        recs = spec.recommendations.get(m.locs[i], [])[:1]
        if zh:
            tail = f"等{len(present)}个环节" if more > 0 else ""
            line = f"{city}在{_join(listed, lang)}{tail}具有比较优势"
            if recs:
                line += (
                    f"，最宜发展{_name(taxonomy, recs[0].node, lang)}"
                    f"（关联密度{num(recs[0].density)}）"
                )
            out.append(line + "。")
        else:
            tail = f", {len(present)} links in all" if more > 0 else ""
            line = f"{city} is specialised in {_join(listed, lang)}{tail}"
            if recs:
                line += (
                    f"; it is best placed to develop {_name(taxonomy, recs[0].node, lang)} "
                    f"(density {num(recs[0].density)})"
                )
            out.append(line + ".")
    return out


def draft(
    taxonomy: Taxonomy,
    analysis: Analysis,
    spec: Specialisation | None,
    lang: str,
    *,
    city_names: dict[str, str] | None = None,
    enterprise_names: dict[int, str] | None = None,
) -> ChainNarrative:
    """The document's words for ``analysis`` (a scope and year) and ``spec`` (the cities)."""
    lang = "en" if lang == "en" else "zh"
    city_names = city_names or {}
    names = enterprise_names or {}
    zh = lang == "zh"
    chains: list[ChainText] = []
    all_weak = 0
    tagged = 0
    no_leader = []
    for r in analysis.chains:
        if not any(c.code == r.code for c in taxonomy.chains):
            continue
        chain = taxonomy.chain(r.code)
        weak = weaknesses(taxonomy, r)
        all_weak += len(weak)
        tagged += sum(1 for x in r.leaders if x.tagged)
        if not any(x.tagged for x in r.leaders):
            no_leader.append(chain.name.get(lang))
        chains.append(
            ChainText(
                code=r.code,
                title=chain.name.get(lang),
                summary=[_chain_summary(chain, r, lang)],
                strengths=_strengths(taxonomy, chain, r, spec, city_names, lang),
                weak_links=_weak_sentences(taxonomy, weak, lang),
                leaders=_leaders(taxonomy, r, names, lang),
                recommendations=_recommendations(
                    taxonomy, chain, r, weak, spec, city_names, names, lang
                ),
            )
        )
    results = [r for r in analysis.chains if any(c.code == r.code for c in taxonomy.chains)]
    overview = []
    if results:
        revenue = sum(r.revenue for r in results)
        best = max(results, key=lambda r: (r.completeness, r.code))
        worst = min(results, key=lambda r: (r.completeness, r.code))
        best_name = taxonomy.chain(best.code).name.get(lang)
        worst_name = taxonomy.chain(worst.code).name.get(lang)
        if zh:
            text = (
                f"{analysis.year}年，全省生态环保产业{len(results)}条产业链环保业务营业收入合计"
                f"{money(revenue, lang)}（同一企业按其所在环节平均分摊）。"
            )
            if len(results) > 1:
                text += (
                    f"完整度最高的是{best_name}（{pct(best.completeness)}），"
                    f"最低的是{worst_name}（{pct(worst.completeness)}）；"
                )
            text += f"共识别薄弱环节{all_weak}个，已认定链主企业{tagged}家。"
        else:
            chains_word = "chain" if len(results) == 1 else "chains"
            text = (
                f"In {analysis.year} the province's {len(results)} eco-environmental industry "
                f"{chains_word} earned {money(revenue, lang)} of environmental revenue (an "
                f"enterprise's revenue split equally among its links). "
            )
            if len(results) > 1:
                text += (
                    f"The most complete is the {best_name} ({pct(best.completeness)}), the "
                    f"least the {worst_name} ({pct(worst.completeness)}). "
                )
            text += (
                f"{all_weak} weak {'link was' if all_weak == 1 else 'links were'} found and "
                f"{tagged} chain {'leader is' if tagged == 1 else 'leaders are'} designated."
            )
        overview.append(text)
    general = []
    if no_leader:
        general.append(
            f"培育链主企业：{_join(no_leader, lang)}尚无认定的链主企业，建议从各链候选企业中择优培育，"
            f"支持其牵头组建产业联盟、带动上下游配套。"
            if zh
            else f"Cultivate chain leaders: the {_join(no_leader, lang)} have no designated "
            f"leader yet; the best candidates of each chain should be supported to lead "
            f"industry alliances and bring suppliers along."
        )
    if all_weak:
        general.append(
            f"供需对接：围绕{all_weak}个薄弱环节，以各链下游企业的采购需求为牵引，组织省内供需对接和定向招商。"
            if zh
            else f"Matchmaking: around the {all_weak} weak links, organise supply-and-demand "
            f"matchmaking and targeted investment attraction led by the downstream buyers' needs."
        )
    return ChainNarrative(
        lang=lang,
        overview=overview,
        chains=chains,
        specialisation=_specialisation(taxonomy, spec, city_names, lang),
        recommendations=general,
    )


__all__ = [
    "CONCENTRATED",
    "WEAK_SCORE",
    "ChainNarrative",
    "ChainText",
    "Weakness",
    "best_placed",
    "draft",
    "money",
    "pct",
    "weaknesses",
]
