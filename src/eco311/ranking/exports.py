"""The exports of a list: the Excel workbook and the printable PDF of the top N.

Like the pages (ranking/pages.py), they are drawn from what the list stored. Who may export a
list, and which entries the workbook may detail, is decided by the view before these are called.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import override

from eco311.core.models import is_english
from eco311.core.workbooks import write_about_sheet
from eco311.geo.models import Area
from eco311.ranking.engine import Methodology
from eco311.ranking.models import RankingEntry, RankingList
from eco311.ranking.pages import TopList


def list_workbook(
    ranking: RankingList, m: Methodology, top: TopList, detailed: list[RankingEntry], *, user
) -> bytes:
    """The workbook: the top N, the detailed entries (if any) and what the list is; headings
    in Chinese (row 1) and English (row 2), like the other exports."""
    import xlsxwriter

    english = is_english()
    cities = {
        c.code: (c.short_name_en or c.name_en) if english else (c.short_name_zh or c.name_zh)
        for c in Area.objects.filter(kind="city")
    }
    groups = [
        (g.code, g.name.zh if g.name else g.code, g.name.en if g.name else g.code)
        for g in m.levels[0].groups
    ]
    names = [
        (i.code, i.name.zh if i.name else i.code, i.name.en if i.name else i.code)
        for i in m.indicators
    ]

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#E9EEF0", "text_wrap": True, "border": 1})
    head_en = wb.add_format({"italic": True, "bg_color": "#F3F5F6", "text_wrap": True, "border": 1})
    score = wb.add_format({"num_format": "0.00"})
    number = wb.add_format({"num_format": "#,##0.00"})
    percent = wb.add_format({"num_format": "0.0%"})

    def headings(ws, columns):
        for j, (zh, en, width) in enumerate(columns):
            ws.write_string(0, j, zh, head)
            ws.write_string(1, j, en, head_en)
            ws.set_column(j, j, width)
        ws.freeze_panes(2, 3)

    def put(ws, i, j, value, fmt=None):
        if value is None:
            return
        if isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(i, j, float(value), fmt)
        else:
            ws.write_string(i, j, str(value))

    uncertainty = [
        ("排名中位数", "Median rank", 10, "median_rank", score),
        ("排名下限（5%）", "Rank, 5th percentile", 10, "rank_p05", score),
        ("排名上限（95%）", "Rank, 95th percentile", 10, "rank_p95", score),
        (f"进入前 {ranking.top_n} 名的概率", f"P(top {ranking.top_n})", 12, "p_top", percent),
    ]

    ws = wb.add_worksheet("名单 List")
    show_band = top.has_band or top.has_p_top
    columns = [
        ("排名", "Rank", 6),
        ("统一社会信用代码", "Unified social credit code", 22),
        ("企业名称", "Enterprise", 36),
        ("城市", "City", 10),
        ("综合得分", "Index score", 10),
        *[(zh, en, 12) for _c, zh, en in groups],
        ("上年排名", "Rank last year", 10),
        ("名次变化", "Places gained", 10),
        *([(zh, en, w) for zh, en, w, _k, _f in uncertainty] if show_band else []),
    ]
    headings(ws, columns)
    for i, row in enumerate(top.rows, start=2):
        e = row.entry
        values = [
            e.rank,
            e.uscc,
            e.name,
            cities.get(e.city_code, e.city_code),
            e.score,
            *row.groups,
            e.previous_rank,
            e.movement,
        ]
        for j, v in enumerate(values):
            put(ws, i, j, v, score if isinstance(v, float) else None)
        if show_band:
            for j, (*_t, key, fmt) in enumerate(uncertainty, start=len(values)):
                put(ws, i, j, getattr(e, key), fmt)

    if detailed:
        ws = wb.add_worksheet("明细 Entries")
        columns = [
            ("排名", "Rank", 6),
            ("统一社会信用代码", "Unified social credit code", 22),
            ("企业名称", "Enterprise", 36),
            ("城市", "City", 10),
            ("未排名原因", "Why not ranked", 24),
            ("综合得分", "Index score", 10),
            *[(zh, en, 12) for _c, zh, en in groups],
            *[(zh, en, 14) for _c, zh, en in names],
            *[(f"{zh}（标准化）", f"{en} (normalised)", 14) for _c, zh, en in names],
            ("插补的指标", "Imputed indicators", 24),
            ("上年排名", "Rank last year", 10),
            *[(zh, en, w) for zh, en, w, _k, _f in uncertainty],
        ]
        headings(ws, columns)
        for r, e in enumerate(detailed, start=2):
            reason = (e.excluded_en or e.excluded_zh) if english else e.excluded_zh
            values = [
                e.rank,
                e.uscc,
                e.name,
                cities.get(e.city_code, e.city_code),
                reason or None,
                e.score,
                *[(e.group_scores or {}).get(code) for code, _zh, _en in groups],
            ]
            for j, v in enumerate(values):
                put(ws, r, j, v, score if isinstance(v, float) else None)
            j = len(values)
            for code, _zh, _en in names:
                put(ws, r, j, (e.values or {}).get(code), number)
                j += 1
            for code, _zh, _en in names:
                put(ws, r, j, (e.normalised or {}).get(code), score)
                j += 1
            put(ws, r, j, ", ".join(e.imputed or []) or None)
            put(ws, r, j + 1, e.previous_rank)
            for k, (*_t, key, fmt) in enumerate(uncertainty, start=j + 2):
                put(ws, r, k, getattr(e, key), fmt)

    lines = [
        ("名单 List", ranking.methodology_name_zh, ranking.methodology_name_en),
        ("年份 Year", str(ranking.year), str(ranking.year)),
        ("状态 Status", *_in_both(ranking.get_status_display)),
        ("版本 Version", str(ranking.version or "—"), str(ranking.version or "—")),
        (
            "发布日期 Published",
            _date(ranking.published_on),
            _date(ranking.published_on),
        ),
        ("名单长度 List length", str(ranking.top_n), str(ranking.top_n)),
        (
            "方法 Methodology (SHA-256)",
            ranking.methodology_sha256,
            ranking.methodology_sha256,
        ),
        (
            "导出 Exported",
            timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            user.get_username() if user.is_authenticated else "",
        ),
    ]
    if detailed:
        lines.append(
            (
                "明细 Entries",
                f"“明细”表列出您有权查看的 {len(detailed)} 家企业",
                f"The Entries sheet lists the {len(detailed)} enterprises you may see in detail",
            )
        )
    write_about_sheet(wb, lines, demo=settings.DEMO_MODE)
    wb.close()
    return out.getvalue()


def _in_both(text) -> tuple[str, str]:
    """A translated text in Chinese and in English (the workbook shows both)."""
    with override("zh-hans"):
        zh = str(text())
    with override("en"):
        en = str(text())
    return zh, en


def _date(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else "—"


def filename(ranking: RankingList, ext: str) -> str:
    """The download name of an export: the list's length, year and version (or status)."""
    version = f"v{ranking.version}" if ranking.version else ranking.status
    return f"eco311-top{ranking.top_n}-{ranking.year}-{version}.{ext}"


def list_pdf(
    ranking: RankingList, top: TopList, excluded: list[dict[str, Any]], *, request=None
) -> bytes:
    """The top N as a printable PDF (WeasyPrint, the shipped CJK fonts: reports/pdf.py), with
    the list's year, version and methodology hash in the header and the synthetic-data note on
    every page.

    ``top`` and ``excluded`` come from ranking/pages.py (top_list, exclusions); ``request``, if
    given, renders the template with the context processors, as the pages are."""
    from eco311.reports.html import css_content, css_string
    from eco311.reports.i18n import page_template
    from eco311.reports.pdf import html_to_pdf
    from eco311.reports.theme import CSS_SANS, SYNTHETIC_FILL, SYNTHETIC_INK

    html = render_to_string(
        "web/ranking_pdf.html",
        {
            "ranking": ranking,
            "top": top,
            "excluded": excluded,
            "demo": settings.DEMO_MODE,
            "generated": timezone.localtime(),
            # CSS values, not HTML: quoted already (css_string), so not to be escaped again.
            "css": {
                "sans": mark_safe(CSS_SANS),
                "synthetic_fill": SYNTHETIC_FILL,
                "synthetic_ink": SYNTHETIC_INK,
                "page_footer": mark_safe(css_content(page_template())),
                "synthetic_mark": mark_safe(css_string(_("SYNTHETIC DEMO DATA"))),
                "running_title": mark_safe(
                    css_string(
                        f"{ranking.methodology_name} · {ranking.year}"
                        + (f" v{ranking.version}" if ranking.version else "")
                    )
                ),
            },
        },
        request=request,
    )
    return html_to_pdf(html, f"eco311-ranking-{ranking.pk}")
