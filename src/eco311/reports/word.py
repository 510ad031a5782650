"""DOCX with python-docx: the same sections as the HTML report, charts as PNG.

Word picks a run's font by script: `w:ascii`/`w:hAnsi` for Latin text and `w:eastAsia` for Han
characters. python-docx only sets the first two, so `set_font` also writes `w:eastAsia`;
without it Word shows Chinese in whatever East Asian font the reader's Office defaults to.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from . import charts
from .document import STATUS_ORDER, EvaluationReport, GroupRow
from .i18n import (
    _,
    as_of_line,
    deadline_display,
    doc_label,
    doc_labels,
    format_date,
    format_datetime,
    format_share,
    generated_line,
    kpi_heading,
    labels,
    measure_label,
    method_paragraphs,
    page_template,
    ranking_line,
    status_label,
    summary_paragraphs,
    warning_label,
)
from .theme import (
    ACCENT,
    HEADER_FILL,
    INK,
    MUTED,
    RULE,
    SANS,
    SERIF,
    STATUS_COLOURS,
    SYNTHETIC_FILL,
    SYNTHETIC_INK,
    WARNING_COLOUR,
    hex_rgb,
)

A4_SHORT, A4_LONG = Cm(21.0), Cm(29.7)


def rgb(colour: str) -> RGBColor:
    return RGBColor(*hex_rgb(colour))


def set_font(target, name: str) -> None:
    """Set the Latin and the East Asian font of a style or run."""
    target.font.name = name
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def set_language(document, lang: str) -> None:
    """Default proofing language, which Word also uses for East Asian line breaking."""
    rpr = (
        document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    )
    node = rpr.find(qn("w:lang"))
    if node is None:
        node = OxmlElement("w:lang")
        rpr.append(node)
    node.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-GB")
    node.set(qn("w:eastAsia"), "zh-CN")


def shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill.lstrip("#"))
    tcpr.append(shd)


def set_borders(table, colour: str = RULE) -> None:
    """Horizontal rules only, like the HTML tables."""
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "bottom", "insideH"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), colour.lstrip("#"))
        borders.append(el)
    for edge in ("left", "right", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def keep_row_together(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def add_field(paragraph, instruction: str) -> None:
    """A Word field such as PAGE or NUMPAGES, updated by Word when the page is laid out."""
    run = paragraph.add_run()
    for kind, text in (
        ("begin", None),
        (None, instruction),
        ("separate", None),
        (None, "1"),
        ("end", None),
    ):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
            run._r.append(el)
        else:
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)


class Builder:
    def __init__(self, report: EvaluationReport):
        self.report = report
        self.L = labels()
        self.doc = Document()
        self.lang = report.lang
        self._styles()

    # -- setup -------------------------------------------------------------------------------
    def _styles(self) -> None:
        styles = self.doc.styles
        normal = styles["Normal"]
        set_font(normal, SERIF)
        normal.font.size = Pt(10.5)  # 五号
        normal.font.color.rgb = rgb(INK)
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.25
        for name, size in (("Title", 20), ("Subtitle", 14), ("Heading 1", 15), ("Heading 2", 12)):
            style = styles[name]
            set_font(style, SANS)
            style.font.size = Pt(size)
            style.font.bold = True
            style.font.italic = False
            style.font.color.rgb = rgb(ACCENT if name != "Title" else INK)
            style.paragraph_format.space_before = Pt(14 if name.startswith("Heading") else 0)
            style.paragraph_format.space_after = Pt(6)
            style.paragraph_format.keep_with_next = True
        title = styles["Title"]
        # The default Title style has a blue bottom border and a display font; keep it plain.
        pbdr = title.element.pPr.find(qn("w:pBdr")) if title.element.pPr is not None else None
        if pbdr is not None:
            title.element.pPr.remove(pbdr)
        for name in ("Caption", "Header", "Footer"):
            set_font(styles[name], SANS)
            styles[name].font.size = Pt(8)
            styles[name].font.color.rgb = rgb(MUTED)
            styles[name].font.italic = False
            styles[name].font.bold = False
        set_language(self.doc, self.lang)
        props = self.doc.core_properties
        props.title = f"{self.report.plan_title} {self.L['report']}"
        props.language = "zh-CN" if self.lang == "zh" else "en-GB"
        props.author = "eco311"
        props.comments = self.L["synthetic"] if self.report.synthetic else ""

    def _page(self, section, landscape: bool) -> None:
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = (
            (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
        )
        margin = Cm(1.5) if landscape else Cm(2.0)
        section.left_margin = section.right_margin = margin
        section.top_margin = Cm(2.0)
        section.bottom_margin = Cm(1.8)
        section.header_distance = section.footer_distance = Cm(0.9)

    def _header_footer(self, section) -> None:
        header = section.header.paragraphs[0]
        header.text = ""
        run = header.add_run(self.report.plan_title)
        set_font(run, SANS)
        if self.report.synthetic:
            run = header.add_run("    " + self.L["synthetic"])
            set_font(run, SANS)
            run.font.bold = True
            run.font.color.rgb = rgb(SYNTHETIC_INK)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        template = page_template()
        head, _sep, rest = template.partition("%(page)s")
        middle, _sep, tail = rest.partition("%(pages)s")
        footer.add_run(head)
        add_field(footer, "PAGE")
        footer.add_run(middle)
        add_field(footer, "NUMPAGES")
        footer.add_run(tail)

    @property
    def text_width(self):
        section = self.doc.sections[-1]
        return section.page_width - section.left_margin - section.right_margin

    # -- pieces ------------------------------------------------------------------------------
    def paragraph(
        self, text: str = "", *, size=None, colour=None, bold=False, sans=False, style=None
    ):
        p = self.doc.add_paragraph(style=style)
        if text:
            run = p.add_run(text)
            if sans:
                set_font(run, SANS)
            if size:
                run.font.size = Pt(size)
            if colour:
                run.font.color.rgb = rgb(colour)
            run.font.bold = bold
        return p

    def cell_text(
        self, cell, text: str, *, bold=False, colour=None, size=8.5, align=None, first=True
    ):
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = 1.1
        if align:
            p.alignment = align
        run = p.add_run(text)
        set_font(run, SANS)
        run.font.size = Pt(size)
        run.font.bold = bold
        if colour:
            run.font.color.rgb = rgb(colour)
        return p

    def table(
        self,
        headers: list[str],
        widths: list[float],
        numeric: set[int] = frozenset(),
        repeat: bool = True,
    ):
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        set_borders(table)
        total = sum(widths)
        self._widths = [int(self.text_width * w / total) for w in widths]
        # Word reads the cell widths, LibreOffice the grid: set both.
        for column, width in zip(table.columns, self._widths, strict=True):
            column.width = width
        row = table.rows[0]
        if repeat:
            repeat_header(row)
        for i, (cell, text) in enumerate(zip(row.cells, headers, strict=True)):
            shade(cell, HEADER_FILL)
            cell.width = self._widths[i]
            self.cell_text(
                cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None
            )
        return table

    def add_row(self, table) -> list:
        """The new row's cells (`row.cells` rebuilds the grid on every call, so ask once)."""
        row = table.add_row()
        keep_row_together(row)
        cells = row.cells
        for cell, width in zip(cells, self._widths, strict=True):
            cell.width = width
        return cells

    def status_chip(self, cell, status: str, text: str, first=True) -> None:
        """The status as a coloured label: run shading, so the cell itself stays white."""
        colour = STATUS_COLOURS.get(status, STATUS_COLOURS["no_data"])
        p = self.cell_text(cell, f"\u00a0{text}\u00a0", bold=True, colour=colour.ink, first=first)
        rpr = p.runs[-1]._r.get_or_add_rPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), colour.fill.lstrip("#"))
        rpr.append(shd)

    def picture(self, png: bytes, width) -> None:
        self.doc.add_picture(io.BytesIO(png), width=width)
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    # -- sections ----------------------------------------------------------------------------
    def cover(self) -> None:
        report, L = self.report, self.L
        if report.synthetic:
            p = self.paragraph(
                f"{L['synthetic']}  {L['synthetic_note']}", size=9, colour=SYNTHETIC_INK, sans=True
            )
            ppr = p._p.get_or_add_pPr()
            shd = OxmlElement("w:shd")
            shd.set(qn("w:val"), "clear")
            shd.set(qn("w:fill"), SYNTHETIC_FILL.lstrip("#"))
            ppr.append(shd)
        ex = report.extras
        if ex is not None and ex.narrative is not None and not ex.issue_number:
            p = self.paragraph(
                doc_label("draft_mark", self.lang),
                size=11,
                bold=True,
                colour=SYNTHETIC_INK,
                sans=True,
            )
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if ex is not None and ex.issue_number:
            p = self.paragraph(ex.issue_number, size=12, sans=True)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.doc.add_paragraph(report.plan_title, style="Title")
        self.doc.add_paragraph(L["report"], style="Subtitle")
        self.paragraph(as_of_line(report), size=9.5, colour=MUTED, sans=True)
        if ex is not None and ex.issue_number:
            sep = "：" if self.lang == "zh" else ": "
            for key, value in (
                ("issuer", ex.issuer),
                ("issued_on", format_date(ex.issued_on, self.lang)),
            ):
                self.paragraph(
                    f"{doc_label(key, self.lang)}{sep}{value}", size=9.5, colour=MUTED, sans=True
                )
        else:
            self.paragraph(generated_line(report), size=9.5, colour=MUTED, sans=True)

    def prose(self, heading: str, paragraphs: list[str]) -> None:
        """A heading and paragraphs of the narrative (editable text, Normal style)."""
        self.doc.add_heading(heading, level=1)
        for text in paragraphs:
            p = self.paragraph(text)
            if self.lang == "zh":
                p.paragraph_format.first_line_indent = Pt(21)

    def source(self, text: str) -> None:
        if text:
            self.paragraph(text, size=8, colour=MUTED, sans=True)

    def kpis(self) -> None:
        ex, lang = self.report.extras, self.lang
        heading = kpi_heading(ex.kpi_year, lang)
        self.doc.add_heading(heading, level=1)
        if not ex.kpis:
            self.paragraph(doc_label("no_kpis", lang))
            return
        d = doc_labels(lang)
        table = self.table(
            [d["indicator"], d["value"], d["unit"], d["n_enterprises"]],
            [6, 1.6, 1.2, 1.3],
            numeric={1, 3},
        )
        right = WD_ALIGN_PARAGRAPH.RIGHT
        for k in ex.kpis:
            cells = self.add_row(table)
            self.cell_text(cells[0], k.label)
            self.cell_text(cells[1], k.value, align=right)
            self.cell_text(cells[2], k.unit)
            n = "—" if k.withheld or k.n_enterprises is None else str(k.n_enterprises)
            self.cell_text(cells[3], n, align=right)
        self.source(ex.kpi_source)

    def ranking(self) -> None:
        ex, lang = self.report.extras, self.lang
        d = doc_labels(lang)
        self.doc.add_heading(d["ranking"], level=1)
        r = ex.ranking
        if r is None:
            self.paragraph(d["no_ranking"])
            return
        self.paragraph(ranking_line(r, lang))
        self.doc.add_heading(d["top_ten"], level=2)
        right = WD_ALIGN_PARAGRAPH.RIGHT
        table = self.table(
            [d["rank"], d["enterprise"], d["city"], d["score"]], [1, 6, 2, 1.4], numeric={0, 3}
        )
        for e in r.top:
            cells = self.add_row(table)
            self.cell_text(cells[0], str(e.rank), align=right)
            self.cell_text(cells[1], e.name)
            self.cell_text(cells[2], e.city)
            self.cell_text(cells[3], e.score, align=right)
        self.doc.add_heading(d["ranking_by_city"], level=2)
        table = self.table([d["city"], d["count"]], [3, 1], numeric={1})
        for city, n in r.by_city:
            cells = self.add_row(table)
            self.cell_text(cells[0], city)
            self.cell_text(cells[1], str(n), align=right)
        self.source(r.source)

    def summary(self) -> None:
        L = self.L
        ex = self.report.extras
        if ex is not None and ex.narrative is not None:
            if ex.narrative.foreword:
                self.prose(doc_label("foreword", self.lang), ex.narrative.paragraphs("foreword"))
            self.prose(doc_label("judgement", self.lang), ex.narrative.paragraphs("judgement"))
        else:
            self.prose(L["summary"], summary_paragraphs(self.report))
        self.picture(
            charts.to_png(charts.status_figure(self.report.summary, L["count_axis"])), Cm(15.5)
        )
        self.paragraph(L["status_chart"], style="Caption")
        counts = self.report.summary
        table = self.table([L["status"], L["count"], L["share"]], [3, 1, 1], numeric={1, 2})
        for s in STATUS_ORDER:
            cells = self.add_row(table)
            self.status_chip(cells[0], s, status_label(s))
            self.cell_text(cells[1], str(counts.counts.get(s, 0)), align=WD_ALIGN_PARAGRAPH.RIGHT)
            self.cell_text(cells[2], format_share(counts.share(s)), align=WD_ALIGN_PARAGRAPH.RIGHT)
        cells = self.add_row(table)
        self.cell_text(cells[0], L["total"], bold=True)
        self.cell_text(cells[1], str(counts.total), bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self.cell_text(cells[2], "100.0%", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)

    def groups(
        self, heading: str, first_col: str, rows: list[GroupRow], with_total: bool, chart=None
    ) -> None:
        L = self.L
        self.doc.add_heading(heading, level=1)
        if chart is not None:
            self.picture(chart, Cm(15.5))
            self.paragraph(L["section_chart"], style="Caption")
        headers = [first_col] + [status_label(s) for s in STATUS_ORDER] + [L["total"]]
        numeric = set(range(1, len(headers)))
        table = self.table(headers, [3.2] + [1.05] * len(STATUS_ORDER) + [0.8], numeric=numeric)
        for i, s in enumerate(STATUS_ORDER, start=1):
            shade(table.rows[0].cells[i], STATUS_COLOURS[s].tint)
        right = WD_ALIGN_PARAGRAPH.RIGHT
        for g in rows:
            cells = self.add_row(table)
            self.cell_text(cells[0], g.label)
            for i, s in enumerate(STATUS_ORDER, start=1):
                n = g.counts.counts.get(s, 0)
                if n:
                    shade(cells[i], STATUS_COLOURS[s].tint)
                self.cell_text(cells[i], str(n), align=right, colour=None if n else "#B0B7BE")
            self.cell_text(cells[-1], str(g.counts.total), bold=True, align=right)
        if with_total:
            counts = self.report.summary
            cells = self.add_row(table)
            self.cell_text(cells[0], L["total"], bold=True)
            for i, s in enumerate(STATUS_ORDER, start=1):
                self.cell_text(cells[i], str(counts.counts.get(s, 0)), bold=True, align=right)
            self.cell_text(cells[-1], str(counts.total), bold=True, align=right)

    def targets(self) -> None:
        L, lang = self.L, self.lang
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._page(section, landscape=True)
        self.doc.add_heading(L["targets"], level=1)
        headers = [
            L["key"], L["section"], L["target"], L["scope"], L["responsible"], L["deadline"],
            L["target_value"], L["latest"], L["forecast"], L["status"],
        ]  # fmt: skip
        table = self.table(headers, [5.5, 6.5, 25.5, 7, 11, 9, 8, 9.5, 8.5, 9.5])
        joiner = "、" if lang == "zh" else "; "
        for t in self.report.targets:
            c = self.add_row(table)
            self.cell_text(c[0], t.key, bold=True)
            self.cell_text(c[1], t.section_ref)
            self.cell_text(c[2], t.text)
            for flag in t.flags:
                self.cell_text(c[2], "※ " + flag, size=7.5, colour=SYNTHETIC_INK, first=False)
            self.cell_text(c[3], t.scope)
            self.cell_text(c[4], joiner.join(t.responsible))
            self.cell_text(c[5], deadline_display(t.deadline, t.deadline_text, lang))
            if t.deadline_text and t.deadline:
                self.cell_text(
                    c[5], format_date(t.deadline, lang), size=7.5, colour=MUTED, first=False
                )
            self.cell_text(c[6], t.target_display)
            self.cell_text(c[7], t.latest_value or "—", colour=None if t.latest_value else MUTED)
            if t.latest_value and t.latest_period:
                self.cell_text(c[7], t.latest_period, size=7.5, colour=MUTED, first=False)
            self.cell_text(
                c[8], t.forecast_display or "—", colour=None if t.forecast_display else MUTED
            )
            if t.projected_date:
                projected = _("Projected: %(date)s") % {"date": format_date(t.projected_date, lang)}
                self.cell_text(c[8], projected, size=7.5, colour=MUTED, first=False)
            self.status_chip(c[9], t.status, status_label(t.status))
            if t.measure_status:
                ink = STATUS_COLOURS.get(t.status, STATUS_COLOURS["no_data"]).ink
                self.cell_text(
                    c[9], measure_label(t.measure_status), size=7.5, colour=ink, first=False
                )

    def warnings(self) -> None:
        L = self.L
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._page(section, landscape=False)
        self.doc.add_heading(L["warnings"], level=1)
        if not self.report.warnings:
            self.paragraph(L["no_warnings"])
            return
        table = self.table([L["type"], L["key"], L["target"], L["detail"]], [2.4, 1.6, 7, 4])
        for w in self.report.warnings:
            cells = self.add_row(table)
            self.status_chip(cells[0], WARNING_COLOUR.get(w.kind, "no_data"), warning_label(w.kind))
            self.cell_text(cells[1], w.target_key, bold=True)
            self.cell_text(cells[2], w.text)
            self.cell_text(cells[3], w.detail)

    def method(self) -> None:
        L, report = self.L, self.report
        self.doc.add_heading(L["method"], level=1)
        for text in method_paragraphs(report):
            p = self.paragraph(text)
            if self.lang == "zh":
                p.paragraph_format.first_line_indent = Pt(21)
        table = self.table([L["plan"], report.plan_title], [1, 3.5], repeat=False)
        ex = report.extras
        issued = (
            (
                (doc_label("issue_number", self.lang), ex.issue_number),
                (doc_label("issued_on", self.lang), format_date(ex.issued_on, self.lang)),
            )
            if ex is not None and ex.issue_number
            else ()
        )
        facts = (
            *issued,
            (L["plan_key"], report.plan_key),
            (L["as_of"], format_date(report.as_of, self.lang)),
            (L["generated"], format_datetime(report.generated_at, self.lang)),
            (L["source"], report.source_note),
            (L["synthetic_data"], L["yes"] if report.synthetic else L["no"]),
        )
        for name, value in facts:
            cells = self.add_row(table)
            shade(cells[0], HEADER_FILL)
            self.cell_text(cells[0], name, bold=True)
            self.cell_text(cells[1], value)

    def build(self) -> bytes:
        L, report = self.L, self.report
        first = self.doc.sections[0]
        self._page(first, landscape=False)
        self._header_footer(first)
        self.cover()
        self.summary()
        self.doc.add_page_break()
        chart = (
            charts.to_png(charts.section_figure(report.by_section)) if report.by_section else None
        )
        self.groups(L["by_section"], L["section"], report.by_section, with_total=True, chart=chart)
        self.groups(L["by_unit"], L["unit"], report.by_unit, with_total=False)
        ex = report.extras
        if ex is not None:
            self.source(ex.by_unit_source)
            if ex.by_city:
                self.groups(
                    doc_label("by_city", self.lang),
                    doc_label("city", self.lang),
                    ex.by_city,
                    with_total=False,
                )
                self.source(ex.by_city_source)
            self.doc.add_page_break()
            self.kpis()
            self.ranking()
            if ex.narrative is not None:
                self.doc.add_page_break()
                self.prose(doc_label("problems", self.lang), ex.narrative.paragraphs("problems"))
                self.prose(
                    doc_label("next_steps", self.lang), ex.narrative.paragraphs("next_steps")
                )
        self.targets()
        self.warnings()
        self.method()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def render_docx(report: EvaluationReport) -> bytes:
    return Builder(report).build()
