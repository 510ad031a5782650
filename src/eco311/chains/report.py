"""The 优势产业链图谱分析 (chain-map analysis) as a document: gathered, frozen, rendered.

``build(year, lang)`` gathers the province's analysis and the cities' specialisation of a year
(chains/population.py), the taxonomy and the narrative (chains/narrative.py) into a
:class:`ChainMapReport`: plain data, so that ``to_dict``/``from_dict`` make the JSON snapshot an
issued analysis keeps (chains/issue.py) and an issued document renders the same whatever
happens to the data later. The chain maps are drawn at render time from the snapshot's nodes
and edges (matplotlib, with the shipped CJK font of reports/charts.py).

Rendering: ``render_pdf`` (WeasyPrint, reports/templates/reports/chain_map.html) and
``render_docx`` (python-docx, the helpers of reports/word.py), the same content in both.

The document is for the province's officials (the administrator and the departments, who see
every figure: accounts.scopes.Actor.sees_small_counts), so it withholds no small count; it is
never shown to the public.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

import matplotlib
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from eco311.chains import narrative as words
from eco311.chains.analytics import Analysis, Specialisation
from eco311.chains.lists import coverage, is_weak
from eco311.chains.taxonomy import Taxonomy
from eco311.chains.taxonomy import load as load_taxonomy
from eco311.reports import charts
from eco311.reports.html import css_content, css_string, theme_css
from eco311.reports.i18n import format_date
from eco311.reports.theme import (
    ACCENT,
    HEADER_FILL,
    INK,
    MUTED,
    RULE,
    SYNTHETIC_INK,
)

LANGS = ("zh", "en")
TITLE = {
    "zh": "山东省生态环保产业优势产业链图谱分析",
    "en": "Shandong eco-environmental industry chain map analysis",
}
#: The file name the CLI and the downloads give the document.
FILE_STEM = {"zh": "优势产业链图谱分析", "en": "chain-map-analysis"}
ISSUER = {
    "zh": "山东省生态环境厅",
    "en": "Shandong Provincial Department of Ecology and Environment",
}
#: Coverage classes (chains/lists.py coverage) and their colours on the maps.
COVERAGE_COLOURS = {"none": "#E4572E", "one": "#F2A900", "several": "#2E7D32"}
STAGES = ("upstream", "midstream", "downstream")


class NoData(Exception):
    """No analysis can be made for the year: no enterprise return, or no taxonomy node."""


@dataclass
class NodeRow:
    code: str
    name: str
    stage: str
    input_to: list[str]
    enterprises: int
    revenue: float  # 万元
    chain_share: float | None  # of the chain's revenue
    growth: float | None
    hhi: float | None
    importance: float
    weak_score: float
    coverage_gap: float
    weak: bool
    coverage: str  # none, one, several
    flags: list[str] = field(default_factory=list)  # "short_board" etc.


@dataclass
class LeaderRow:
    enterprise: int
    name: str
    node: str  # node name
    share: float
    score: float
    tagged: bool
    candidate: bool


@dataclass
class ChainSection:
    code: str
    name: str
    description: str
    ref: str
    source: str
    enterprises: int
    revenue: float
    completeness: float
    completeness_unweighted: float
    gaps: int
    single: int
    weak: int
    nodes: list[NodeRow]
    leaders: list[LeaderRow]
    summary: list[str]
    strengths: list[str]
    weak_links: list[str]
    leader_text: list[str]
    recommendations: list[str]


@dataclass
class CityRow:
    code: str
    name: str
    eci: float | None
    diversity: int
    specialised: list[str]  # "node (RCA 1.23)"
    recommended: list[str]  # "node (density 0.45)"


@dataclass
class ChainMapReport:
    year: int
    lang: str
    title: str
    generated_at: str  # ISO datetime
    synthetic: bool
    overview: list[str]
    chains: list[ChainSection]
    cities: list[CityRow]
    specialisation: list[str]
    recommendations: list[str]
    taxonomy_version: str = ""
    issue_number: str = ""
    issued_on: str = ""  # ISO date
    issuer: str = ""

    @property
    def is_draft(self) -> bool:
        return not self.issue_number


def to_dict(report: ChainMapReport) -> dict:
    return asdict(report)


def _load(cls, data: dict):
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def from_dict(data: dict) -> ChainMapReport:
    """The document from its snapshot; keys a later version does not know are ignored."""
    report = _load(ChainMapReport, data)
    report.chains = []
    for c in data.get("chains", []):
        section = _load(ChainSection, c)
        section.nodes = [_load(NodeRow, n) for n in c.get("nodes", [])]
        section.leaders = [_load(LeaderRow, x) for x in c.get("leaders", [])]
        report.chains.append(section)
    report.cities = [_load(CityRow, x) for x in data.get("cities", [])]
    return report


# -- composing -------------------------------------------------------------------------------


def _finite(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def compose(
    taxonomy: Taxonomy,
    analysis: Analysis,
    spec: Specialisation | None,
    lang: str,
    *,
    city_names: dict[str, str],
    enterprise_names: dict[int, str],
    synthetic: bool,
    now: datetime | None = None,
) -> ChainMapReport:
    """The document of one language from the analysis objects and the names they refer to."""
    lang = "en" if lang == "en" else "zh"
    text = words.draft(
        taxonomy,
        analysis,
        spec,
        lang,
        city_names=city_names,
        enterprise_names=enterprise_names,
    )
    by_chain = {t.code: t for t in text.chains}
    sections = []
    for r in analysis.chains:
        if r.code not in by_chain:
            continue
        chain = taxonomy.chain(r.code)
        t = by_chain[r.code]
        weak_nodes = {w.node for w in words.weaknesses(taxonomy, r)}
        nodes = []
        for n in r.nodes:
            spec_node = taxonomy.node(n.code)
            nodes.append(
                NodeRow(
                    code=n.code,
                    name=spec_node.name.get(lang),
                    stage=spec_node.stage,
                    input_to=list(spec_node.input_to),
                    enterprises=int(n.enterprises),
                    revenue=float(n.revenue),
                    chain_share=(float(n.revenue) / r.revenue) if r.revenue > 0 else None,
                    growth=_finite(n.growth),
                    hhi=_finite(n.hhi),
                    importance=float(n.importance),
                    weak_score=float(n.weak.score),
                    coverage_gap=float(n.weak.coverage_gap),
                    weak=is_weak(n) or n.code in weak_nodes,
                    coverage=coverage(n),
                    flags=sorted({f.kind for f in spec_node.flags}),
                )
            )
        leaders = [
            LeaderRow(
                enterprise=int(x.enterprise),
                name=enterprise_names.get(int(x.enterprise), f"#{x.enterprise}"),
                # A tagged firm on none of the chain's nodes (its placement changed) has none.
                node=taxonomy.node(x.node).name.get(lang) if x.node else "—",
                share=float(x.share),
                score=float(x.score),
                tagged=bool(x.tagged),
                candidate=bool(x.candidate),
            )
            for x in r.leaders
            if x.tagged or x.candidate
        ]
        sections.append(
            ChainSection(
                code=r.code,
                name=chain.name.get(lang),
                description=chain.description.get(lang),
                ref=chain.ref,
                source=chain.source,
                enterprises=int(r.enterprises),
                revenue=float(r.revenue),
                completeness=float(r.completeness),
                completeness_unweighted=float(r.completeness_unweighted),
                gaps=len(r.gaps),
                single=len(r.single),
                weak=sum(1 for n in nodes if n.weak),
                nodes=nodes,
                leaders=leaders,
                summary=t.summary,
                strengths=t.strengths,
                weak_links=t.weak_links,
                leader_text=t.leaders,
                recommendations=t.recommendations,
            )
        )
    return ChainMapReport(
        year=analysis.year,
        lang=lang,
        title=TITLE[lang],
        generated_at=(now or timezone.now()).isoformat(),
        synthetic=synthetic,
        overview=text.overview,
        chains=sections,
        cities=_cities(taxonomy, spec, city_names, lang),
        specialisation=text.specialisation,
        recommendations=text.recommendations,
        taxonomy_version=taxonomy.version,
    )


def _cities(
    taxonomy: Taxonomy, spec: Specialisation | None, city_names: dict[str, str], lang: str
) -> list[CityRow]:
    if spec is None:
        return []
    m = spec.measures

    def name(code: str) -> str:
        return taxonomy.node(code).name.get(lang) if taxonomy.has_node(code) else code

    rows = []
    for i, code in enumerate(m.locs):
        present = sorted(
            (j for j in range(len(m.prods)) if m.mcp[i, j]),
            key=lambda j: (-float(m.rca[i, j]), m.prods[j]),
        )
        recs = spec.recommendations.get(code, [])[: words.TOP]
        rows.append(
            CityRow(
                code=code,
                name=city_names.get(code, code),
                eci=_finite(m.eci[i]),
                diversity=len(present),
                specialised=[
                    f"{name(m.prods[j])} ({float(m.rca[i, j]):.2f})" for j in present[: words.TOP]
                ],
                recommended=[f"{name(r.node)} ({r.density:.2f})" for r in recs],
            )
        )
    rows.sort(key=lambda r: (-(r.eci if r.eci is not None else -1e9), r.code))
    return rows


def years() -> list[int]:
    """The years an analysis can be made for (the survey years with returns)."""
    from eco311.chains import population

    return list(population.years())


def build(year: int, lang: str = "zh") -> ChainMapReport:
    """The current draft of ``year``'s analysis in ``lang``; :class:`NoData` for a year without
    data."""
    from eco311.chains import population
    from eco311.enterprises.models import Enterprise
    from eco311.geo.models import Area

    if year not in set(population.years()):
        raise NoData(year)
    taxonomy = load_taxonomy()
    analysis = population.analysis_for(year)
    spec = population.specialisation_for(year)
    lang = "en" if lang == "en" else "zh"
    ids = {x.enterprise for r in analysis.chains for x in r.leaders}
    names = dict(Enterprise.objects.filter(pk__in=ids).values_list("pk", "name"))
    city_names = {
        a.code: (a.short_name_en or a.name_en) if lang == "en" else (a.short_name_zh or a.name_zh)
        for a in Area.objects.filter(kind="city")
    }
    # Marked like the evaluation report: a demonstration instance, or synthetic rows in the data.
    synthetic = settings.DEMO_MODE or Enterprise.objects.filter(synthetic=True).exists()
    return compose(
        taxonomy,
        analysis,
        spec,
        lang,
        city_names=city_names,
        enterprise_names=names,
        synthetic=synthetic,
    )


# -- the chain maps --------------------------------------------------------------------------


def map_labels(lang: str) -> dict[str, str]:
    zh = lang == "zh"
    return {
        "upstream": "上游" if zh else "Upstream",
        "midstream": "中游" if zh else "Midstream",
        "downstream": "下游" if zh else "Downstream",
        "none": "无省内企业" if zh else "No local enterprise",
        "one": "仅1家企业" if zh else "One enterprise",
        "several": "2家及以上" if zh else "Two or more",
        "weak": "薄弱环节" if zh else "Weak link",
        "size": "圆面积表示营业收入" if zh else "Circle area: revenue",
    }


def chain_figure(section: ChainSection, lang: str) -> Figure:
    """The chain's map: its nodes in stage columns, the input edges as arrows, circle area by
    revenue, colour by coverage, weak links ringed in red, with a legend."""
    charts.register_fonts()
    labels = map_labels(lang)
    columns = {s: [n for n in section.nodes if n.stage == s] for s in STAGES}
    rows = max([len(v) for v in columns.values()] + [1])
    with matplotlib.rc_context(charts.RC):
        fig = Figure(figsize=(6.6, 1.5 + 0.95 * rows))
        ax = fig.add_subplot()
        pos = {}
        for x, stage in enumerate(STAGES):
            nodes = columns[stage]
            for k, n in enumerate(nodes):
                # Centred vertically: a column of two sits in the middle of a column of four.
                pos[n.code] = (x, (len(nodes) - 1) / 2 - k)
            ax.text(
                x,
                rows / 2 + 0.1,
                labels[stage],
                ha="center",
                va="bottom",
                fontsize=9.5,
                color=MUTED,
            )
        top = max([n.revenue for n in section.nodes] + [1.0])
        for n in section.nodes:
            for t in n.input_to:
                if t in pos:
                    ax.add_patch(
                        FancyArrowPatch(
                            pos[n.code],
                            pos[t],
                            arrowstyle="-|>",
                            mutation_scale=10,
                            color=RULE,
                            linewidth=1.1,
                            shrinkA=16,
                            shrinkB=16,
                            # Within a column an arrow bows out, clear of the labels below.
                            connectionstyle=(
                                "arc3,rad=0.5" if pos[n.code][0] == pos[t][0] else "arc3,rad=0.08"
                            ),
                            zorder=1,
                        )
                    )
        for n in section.nodes:
            x, y = pos[n.code]
            size = 60 + 900 * math.sqrt(max(n.revenue, 0.0) / top)
            ax.scatter(
                [x],
                [y],
                s=size,
                color=COVERAGE_COLOURS[n.coverage],
                alpha=0.9,
                zorder=3,
                edgecolors="white",
                linewidths=1.0,
            )
            if n.weak:
                ax.scatter(
                    [x],
                    [y],
                    s=size + 260,
                    facecolors="none",
                    edgecolors="#8E1B1B",
                    linewidths=1.6,
                    linestyle=(0, (3, 2)),
                    zorder=2,
                )
            ax.text(
                x,
                y - 0.36,
                charts.wrap_label(n.name, 22),
                ha="center",
                va="top",
                fontsize=7.5,
                color=INK,
                zorder=4,
                linespacing=1.15,
            )
        ax.set_xlim(-0.6, 2.6)
        ax.set_ylim(-rows / 2 - 0.45, rows / 2 + 0.45)
        ax.axis("off")
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=8,
                markerfacecolor=COVERAGE_COLOURS[k],
                markeredgecolor="white",
                label=labels[k],
            )
            for k in ("several", "one", "none")
        ]
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=10,
                markerfacecolor="none",
                markeredgecolor="#8E1B1B",
                label=labels["weak"],
            )
        )
        handles.append(Line2D([], [], linestyle="", label=labels["size"]))
        fig.legend(
            handles=handles,
            loc="lower center",
            ncols=5,
            frameon=False,
            fontsize=7.5,
            handlelength=1.2,
            columnspacing=1.2,
        )
        fig.tight_layout(pad=0.3, rect=(0, 0.08, 1, 1))
    return fig


def chain_png(section: ChainSection, lang: str, dpi: int = 170) -> bytes:
    return charts.to_png(chain_figure(section, lang), dpi=dpi)


# -- labels and figures ------------------------------------------------------------------------


def labels(lang: str) -> dict[str, str]:
    """The document's fixed words (headings, column heads), in the report's language."""
    zh = lang == "zh"
    return {
        "draft": "征求意见稿（未印发）" if zh else "DRAFT (not issued)",
        "synthetic": "合成数据 / SYNTHETIC" if zh else "SYNTHETIC / 合成数据",
        "synthetic_note": "本文件由演示用合成数据生成，不反映真实企业情况。"
        if zh
        else "This document is generated from synthetic demonstration data; it describes no real "
        "enterprise.",
        "year": "{year}年度" if zh else "Survey year {year}",
        "issuer": "印发单位" if zh else "Issued by",
        "issued_on": "印发日期" if zh else "Issued on",
        "generated": "生成时间" if zh else "Generated",
        "contents": "目录" if zh else "Contents",
        "overview": "一、总体情况" if zh else "1. Overview",
        "province_table": "全省产业链概况" if zh else "The chains in the province",
        "chains": "二、分链分析" if zh else "2. The chains one by one",
        "cities": "三、各市专业化分析" if zh else "3. The cities' specialisation",
        "recommendations": "四、对策建议" if zh else "4. Recommendations",
        "method": "五、数据与方法" if zh else "5. Data and method",
        "map": "产业链图谱" if zh else "Chain map",
        "strengths": "优势与基础" if zh else "Strengths",
        "weak_links": "薄弱环节及原因" if zh else "Weak links and why",
        "leaders": "链主企业" if zh else "Chain leaders",
        "chain_recs": "补链强链建议" if zh else "Recommendations",
        "node_table": "各环节指标" if zh else "Links",
        "chain": "产业链" if zh else "Chain",
        "node": "环节" if zh else "Link",
        "stage": "环节位置" if zh else "Stage",
        "enterprises": "企业数（家）" if zh else "Enterprises",
        "revenue": "营业收入（亿元）" if zh else "Revenue (CNY 100m)",
        "share": "占全链" if zh else "Share of chain",
        "node_share": "占该环节" if zh else "Share of node",
        "growth": "增速" if zh else "Growth",
        "hhi": "HHI",
        "importance": "重要性" if zh else "Importance",
        "weak_score": "薄弱度" if zh else "Weak-link score",
        "completeness": "完整度" if zh else "Completeness",
        "gaps": "空白环节" if zh else "Empty links",
        "single": "单一供应" if zh else "Single supplier",
        "weak": "薄弱环节" if zh else "Weak links",
        "enterprise": "企业" if zh else "Enterprise",
        "score": "链主得分" if zh else "Score",
        "tag": "认定情况" if zh else "Tag",
        "tagged": "已认定链主" if zh else "Designated",
        "candidate": "候选" if zh else "Candidate",
        "city": "城市" if zh else "City",
        "eci": "ECI",
        "diversity": "优势环节数" if zh else "Diversity",
        "specialised": "主要优势环节（RCA）" if zh else "Main specialisations (RCA)",
        "recommended": "宜发展环节（关联密度）" if zh else "Best placed to develop (density)",
        "no_leaders": "本链暂无链主企业或候选企业。" if zh else "No chain leader or candidate.",
        "source_line": "数据来源：年度企业调查已审核报表；产业链分类{version}版。"
        if zh
        else "Source: approved returns of the annual enterprise survey; chain taxonomy "
        "version {version}.",
        "page": "第 {page} 页 / 共 {pages} 页" if zh else "Page {page} of {pages}",
        "yes": "是" if zh else "yes",
        "no": "否" if zh else "no",
        "synthetic_data": "合成数据" if zh else "Synthetic data",
        "issue_number": "文号" if zh else "Number",
    }


def method_paragraphs(report: ChainMapReport) -> list[str]:
    zh = report.lang == "zh"
    if zh:
        return [
            f"本分析依据{report.year}年度企业调查中已审核的环保业务营业收入。企业按其主营产品、行业代码和"
            "所属板块定位到产业链环节（系统提出、主管部门确认或企业申报）；一家企业位于多个环节时，其营业收入"
            "在各环节间平均分摊，因此各环节之和等于全链和全省合计。",
            "环节重要性由产业链投入关系图的PageRank和介数中心性综合得出；完整度为有省内企业布局的环节按重要性"
            "加权的占比；薄弱度综合重要性、覆盖缺口、集中度（HHI）及未满足需求，各分项见环节表。",
            "各市专业化采用显示性比较优势（RCA，Balassa指数）、关联密度、经济复杂度（ECI/PCI）和复杂度增益"
            "（COG），口径与哈佛增长实验室py-ecomplexity 0.5.3一致。",
            "本文件供省级主管部门使用，所列数字不作小样本隐藏；对外发布时，由不足3家企业构成的数字须隐去。",
        ]
    return [
        f"The analysis reads the environmental revenue of the approved returns of the {report.year} "
        "enterprise survey. Enterprises are placed on chain links from their main products, "
        "industry code and segment (proposed by the platform, confirmed by officials or declared "
        "by the enterprise); an enterprise on several links has its revenue split equally among "
        "them, so the links add up to the chain and the province.",
        "A link's importance combines PageRank and betweenness in the chain's input graph; "
        "completeness is the importance-weighted share of links with enterprises in the "
        "province; the weak-link score combines importance, coverage gap, concentration (HHI) "
        "and unmet demand, each shown in the link table.",
        "The cities' specialisation uses revealed comparative advantage (RCA, Balassa), density, "
        "economic complexity (ECI/PCI) and complexity outlook gain (COG) with the conventions of "
        "the Harvard Growth Lab's py-ecomplexity 0.5.3.",
        "This document is for the province's officials and withholds no small count; a "
        "published extract must hide every figure built from fewer than three enterprises.",
    ]


def yi(wan: float) -> str:
    return f"{wan / 10000:,.2f}"


def share(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def dec(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def stage_word(stage: str, lang: str) -> str:
    return words.STAGE_WORDS[lang].get(stage, stage)


def format_day(value: str, lang: str) -> str:
    """An ISO date or date-time of the snapshot as the documents write dates."""
    return format_date(date.fromisoformat(value[:10]), lang) if value else ""


# -- PDF ---------------------------------------------------------------------------------------


def html(report: ChainMapReport) -> str:
    """The document as one HTML page for WeasyPrint (not served: the PDF is what users get)."""
    lang = report.lang
    L = labels(lang)
    footer = css_content(L["page"].replace("{page}", "%(page)s").replace("{pages}", "%(pages)s"))
    chains = []
    for i, c in enumerate(report.chains, start=1):
        chains.append(
            {
                "c": c,
                "n": i,
                "anchor": f"chain-{c.code}",
                # PNG, not inline SVG: WeasyPrint lays out the SVG's thousands of glyph paths
                # slowly (a 10-chain document took 16 s with SVG maps).
                "png": "data:image/png;base64,"
                + base64.b64encode(chain_png(c, lang, dpi=220)).decode(),
                "nodes": [
                    {
                        "n": n,
                        "stage": stage_word(n.stage, lang),
                        "revenue": yi(n.revenue),
                        "share": share(n.chain_share),
                        "growth": share(n.growth),
                        "hhi": dec(n.hhi),
                        "importance": dec(n.importance),
                        "weak_score": dec(n.weak_score),
                    }
                    for n in c.nodes
                ],
                "leaders": [
                    {
                        "x": x,
                        "share": share(x.share),
                        "score": dec(x.score),
                        "tag": L["tagged"] if x.tagged else L["candidate"],
                    }
                    for x in c.leaders
                ],
            }
        )
    list_sep = "；" if lang == "zh" else "; "
    province = [
        {
            "c": c,
            "revenue": yi(c.revenue),
            "completeness": share(c.completeness),
        }
        for c in report.chains
    ]
    context = {
        "r": report,
        "L": L,
        "html_lang": "zh-Hans" if lang == "zh" else "en",
        "chains": chains,
        "province": province,
        "cities": [
            {
                "x": x,
                "eci": dec(x.eci),
                "specialised": list_sep.join(x.specialised),
                "recommended": list_sep.join(x.recommended),
            }
            for x in report.cities
        ],
        "method": method_paragraphs(report),
        "year_line": L["year"].format(year=report.year),
        "issued_on": format_day(report.issued_on, lang),
        "generated": format_day(report.generated_at, lang),
        "source_line": L["source_line"].format(version=report.taxonomy_version),
        "sep": "：" if lang == "zh" else ": ",
        "css": {
            **theme_css(),
            "footer": mark_safe(footer),
            "running_title": mark_safe(css_string(report.title)),
            "synthetic_mark": mark_safe(css_string(L["synthetic"])),
        },
    }
    return render_to_string("reports/chain_map.html", context)


def render_pdf(report: ChainMapReport) -> bytes:
    from eco311.reports.pdf import html_to_pdf

    return html_to_pdf(html(report), f"chain-map-{report.year}-{report.lang}-{report.issue_number}")


# -- Word --------------------------------------------------------------------------------------


def render_docx(report: ChainMapReport) -> bytes:
    """The same content as the PDF in Word: headings, paragraphs, tables (header rows repeat
    across pages) and the chain maps as PNG; every run carries the East Asian font."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from eco311.reports.theme import SANS, SERIF
    from eco311.reports.word import (
        add_field,
        repeat_header,
        rgb,
        set_borders,
        set_font,
        set_language,
        shade,
    )

    lang = report.lang
    L = labels(lang)
    doc = Document()
    set_language(doc, lang)
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Caption"):
        style = doc.styles[style_name]
        set_font(style, SERIF if style_name == "Normal" else SANS)
        if style_name != "Normal":
            style.font.color.rgb = rgb(INK if style_name != "Title" else ACCENT)
    doc.styles["Normal"].font.size = Pt(10.5)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    # Running title (and the synthetic mark) above, "第 N 页 / 共 M 页" below, as in the PDF.
    head = section.header.paragraphs[0]
    set_font(head.add_run(report.title), SANS)
    if report.synthetic:
        mark = head.add_run("    " + L["synthetic"])
        set_font(mark, SANS)
        mark.bold = True
        mark.font.color.rgb = rgb(SYNTHETIC_INK)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _sep, rest = L["page"].partition("{page}")
    middle, _sep, after = rest.partition("{pages}")
    for text, code in ((before, "PAGE"), (middle, "NUMPAGES"), (after, None)):
        if text:
            set_font(foot.add_run(text), SANS)
        if code:
            add_field(foot, code)

    def para(text: str, *, bold=False, size=None, colour=None, align=None, font=None, style=None):
        p = doc.add_paragraph(style=style)
        run = p.add_run(text)
        set_font(run, font or (SERIF if style is None else SANS))
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = rgb(colour)
        if align:
            p.alignment = align
        if lang == "zh" and style is None and not align:
            p.paragraph_format.first_line_indent = Pt(21)
        return p

    def heading(text: str, level: int):
        h = doc.add_heading(level=level)
        run = h.add_run(text)
        set_font(run, SANS)
        return h

    def table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()):
        t = doc.add_table(rows=1, cols=len(headers))
        set_borders(t)
        for i, h in enumerate(headers):
            cell = t.rows[0].cells[i]
            cell.text = ""
            run = cell.paragraphs[0].add_run(h)
            run.bold = True
            run.font.size = Pt(8.5)
            set_font(run, SANS)
            shade(cell, HEADER_FILL)
        repeat_header(t.rows[0])
        for row in rows:
            cells = t.add_row().cells
            for i, value in enumerate(row):
                cells[i].text = ""
                p = cells[i].paragraphs[0]
                run = p.add_run(value)
                run.font.size = Pt(8.5)
                set_font(run, SANS)
                if i in numeric:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        doc.add_paragraph()
        return t

    if report.synthetic:
        para(
            f"{L['synthetic']}　{L['synthetic_note']}",
            bold=True,
            colour=SYNTHETIC_INK,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            font=SANS,
        )
    if report.is_draft:
        para(
            L["draft"], bold=True, colour=SYNTHETIC_INK, align=WD_ALIGN_PARAGRAPH.CENTER, font=SANS
        )
    if report.issue_number:
        para(report.issue_number, align=WD_ALIGN_PARAGRAPH.CENTER, font=SANS)
    title = doc.add_paragraph(style="Title")
    set_font(title.add_run(report.title), SANS)
    para(
        L["year"].format(year=report.year),
        bold=True,
        size=14,
        colour=ACCENT,
        font=SANS,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )
    if report.issue_number:
        sep = "：" if lang == "zh" else ": "
        para(
            f"{L['issuer']}{sep}{report.issuer}",
            colour=MUTED,
            font=SANS,
            align=WD_ALIGN_PARAGRAPH.LEFT,
        )
        para(
            f"{L['issued_on']}{sep}{format_day(report.issued_on, lang)}",
            colour=MUTED,
            font=SANS,
            align=WD_ALIGN_PARAGRAPH.LEFT,
        )

    doc.add_page_break()
    heading(L["overview"], 1)
    for p in report.overview:
        para(p)
    heading(L["province_table"], 2)
    table(
        [L["chain"], L["enterprises"], L["revenue"], L["completeness"], L["gaps"], L["weak"]],
        [
            [
                c.name,
                str(c.enterprises),
                yi(c.revenue),
                share(c.completeness),
                str(c.gaps),
                str(c.weak),
            ]
            for c in report.chains
        ],
        numeric={1, 2, 3, 4, 5},
    )

    heading(L["chains"], 1)
    for i, c in enumerate(report.chains, start=1):
        if i > 1:
            doc.add_page_break()
        heading(f"（{_cn(i)}）{c.name}" if lang == "zh" else f"2.{i} {c.name}", 2)
        for p in c.summary:
            para(p)
        doc.add_picture(io.BytesIO(chain_png(c, lang)), width=Cm(16.5))
        cap = para(
            f"{L['map']}：{c.name}" if lang == "zh" else f"{L['map']}: {c.name}",
            size=9,
            colour=MUTED,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            font=SANS,
        )
        cap.style = doc.styles["Caption"]
        heading(L["node_table"], 3)
        table(
            [
                L["node"],
                L["stage"],
                L["enterprises"],
                L["revenue"],
                L["share"],
                L["growth"],
                L["hhi"],
                L["importance"],
                L["weak_score"],
            ],
            [
                [
                    n.name + (" ▲" if n.weak else ""),
                    stage_word(n.stage, lang),
                    str(n.enterprises),
                    yi(n.revenue),
                    share(n.chain_share),
                    share(n.growth),
                    dec(n.hhi),
                    dec(n.importance),
                    dec(n.weak_score),
                ]
                for n in c.nodes
            ],
            numeric={2, 3, 4, 5, 6, 7, 8},
        )
        for key, items in (
            ("strengths", c.strengths),
            ("weak_links", c.weak_links),
            ("leaders", c.leader_text),
        ):
            heading(L[key], 3)
            for p in items:
                para(p)
        if c.leaders:
            table(
                [L["enterprise"], L["node"], L["node_share"], L["score"], L["tag"]],
                [
                    [
                        x.name,
                        x.node,
                        share(x.share),
                        dec(x.score),
                        L["tagged"] if x.tagged else L["candidate"],
                    ]
                    for x in c.leaders
                ],
                numeric={2, 3},
            )
        if c.recommendations:
            heading(L["chain_recs"], 3)
            for p in c.recommendations:
                para(p)

    heading(L["cities"], 1)
    for p in report.specialisation:
        para(p)
    if report.cities:
        table(
            [L["city"], L["eci"], L["diversity"], L["specialised"], L["recommended"]],
            [
                [
                    x.name,
                    dec(x.eci),
                    str(x.diversity),
                    "；".join(x.specialised) if lang == "zh" else "; ".join(x.specialised),
                    ("；" if lang == "zh" else "; ").join(x.recommended),
                ]
                for x in report.cities
            ],
            numeric={1, 2},
        )
    heading(L["recommendations"], 1)
    for p in report.recommendations:
        para(p)
    heading(L["method"], 1)
    for p in method_paragraphs(report):
        para(p)
    para(L["source_line"].format(version=report.taxonomy_version), size=9, colour=MUTED)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _cn(i: int) -> str:
    digits = "一二三四五六七八九十"
    if i <= 10:
        return digits[i - 1]
    if i < 20:
        return "十" + digits[i - 11]
    return str(i)


def render(report: ChainMapReport, fmt: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "docx":
        return render_docx(report)
    raise ValueError(fmt)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def filename(report: ChainMapReport, fmt: str) -> str:
    suffix = f"-{report.issue_number}" if report.issue_number else ""
    return f"{FILE_STEM[report.lang]}-{report.year}{suffix}.{fmt}"
