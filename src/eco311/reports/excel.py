"""XLSX with xlsxwriter: one sheet per table, a native Excel chart, real Excel dates.

Sheets, in this order: Summary, By section, By unit, Targets, Warnings, About (names translated).
"""

from __future__ import annotations

import io
import math
from datetime import datetime

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .document import STATUS_ORDER, EvaluationReport, GroupRow
from .i18n import (
    as_of_line,
    display_width,
    doc_labels,
    generated_line,
    kpi_heading,
    labels,
    local_datetime,
    measure_label,
    method_paragraphs,
    page_template,
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
    STATUS_COLOURS,
    SYNTHETIC_FILL,
    SYNTHETIC_INK,
    WARNING_COLOUR,
)


class Formats:
    def __init__(self, wb: xlsxwriter.Workbook, lang: str):
        base = {"font_name": SANS, "font_size": 10, "font_color": INK, "valign": "top"}
        date_fmt = 'yyyy"年"m"月"d"日"' if lang == "zh" else "d mmmm yyyy"
        datetime_fmt = 'yyyy"年"m"月"d"日" hh:mm' if lang == "zh" else "d mmmm yyyy hh:mm"

        def f(**kw):
            return wb.add_format({**base, **kw})

        self.text = f(text_wrap=True)
        self.plain = f()
        self.bold = f(bold=True)
        self.muted = f(font_color=MUTED, text_wrap=True)
        self.int = f(num_format="0")
        self.int_bold = f(num_format="0", bold=True, top=1)
        self.pct = f(num_format="0.0%")
        self.pct_bold = f(num_format="0.0%", bold=True, top=1)
        self.total_label = f(bold=True, top=1)
        self.date = f(num_format=date_fmt, align="left")
        self.datetime = f(num_format=datetime_fmt, align="left")
        self.title = f(bold=True, font_size=15, text_wrap=True, valign="vcenter")
        self.subtitle = f(bold=True, font_size=12, font_color=ACCENT)
        self.header = f(
            bold=True,
            bg_color=HEADER_FILL,
            bottom=1,
            bottom_color=RULE,
            text_wrap=True,
            valign="bottom",
        )
        self.synthetic = f(
            bold=True,
            bg_color=SYNTHETIC_FILL,
            font_color=SYNTHETIC_INK,
            border=1,
            border_color=SYNTHETIC_INK,
            text_wrap=True,
            valign="vcenter",
        )
        self.zero = f(num_format="0", font_color="#B0B7BE")
        self.status_fill = {
            s: f(bg_color=c.fill, font_color=c.ink, bold=True) for s, c in STATUS_COLOURS.items()
        }
        self.status_tint = {
            s: f(bg_color=c.tint, num_format="0") for s, c in STATUS_COLOURS.items()
        }
        self.status_header = {
            s: f(
                bold=True,
                bg_color=HEADER_FILL,
                top=5,
                top_color=c.fill,
                text_wrap=True,
                align="right",
                valign="bottom",
            )
            for s, c in STATUS_COLOURS.items()
        }
        self.header_right = f(
            bold=True,
            bg_color=HEADER_FILL,
            bottom=1,
            bottom_color=RULE,
            align="right",
            valign="bottom",
        )
        # Conditional formats take a format without the base font settings.
        self.cond = {
            s: wb.add_format({"bg_color": c.fill, "font_color": c.ink, "bold": True})
            for s, c in STATUS_COLOURS.items()
        }


def excel_datetime(value: datetime) -> datetime:
    """Excel has no time zones: the local (Asia/Shanghai) wall-clock time, without tzinfo."""
    return local_datetime(value).replace(tzinfo=None)


def sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31]


class Builder:
    def __init__(self, report: EvaluationReport):
        self.report = report
        self.L = labels()
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False}
        )
        self.fmt = Formats(self.wb, report.lang)
        self.wb.set_properties(
            {
                "title": f"{report.plan_title} {self.L['report']}",
                "author": "eco311",
                "comments": self.L["synthetic"] if report.synthetic else "",
                "created": excel_datetime(report.generated_at),
            }
        )

    def sheet(self, name: str, landscape: bool = False, header_rows: bool = False):
        """A worksheet that prints on A4, one page wide, with the report's footer."""
        ws = self.wb.add_worksheet(sheet_name(name))
        ws.set_paper(9)
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if header_rows:
            ws.repeat_rows(0)
        footer = page_template().replace("&", "&&")  # "&" starts an Excel footer code
        ws.set_footer("&C" + footer.replace("%(page)s", "&P").replace("%(pages)s", "&N"))
        return ws

    def header(self, ws, row: int, headers: list[str], widths: list[float]) -> None:
        for col, (text, width) in enumerate(zip(headers, widths, strict=True)):
            ws.write(row, col, text, self.fmt.header)
            ws.set_column(col, col, width)

    # -- sheets ------------------------------------------------------------------------------
    def summary(self) -> None:
        L, report, fmt = self.L, self.report, self.fmt
        ws = self.sheet(L["sheet_summary"], landscape=True)
        ws.hide_gridlines(2)
        widths = [22, 22, 12] + [11] * 6  # columns A..I, the span of the merged text rows
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        span = sum(widths) * 0.9  # usable characters per line, allowing for padding
        row = 0
        if report.synthetic:
            ws.merge_range(
                row, 0, row, 8, f"{L['synthetic']}  {L['synthetic_note']}", fmt.synthetic
            )
            ws.set_row(row, 36)
            row += 2
        ws.merge_range(row, 0, row, 8, report.plan_title, fmt.title)
        ws.set_row(row, 42)
        row += 1
        ws.write(row, 0, L["report"], fmt.subtitle)
        row += 1
        ws.write(row, 0, L["as_of"], fmt.muted)
        ws.write_datetime(row, 1, datetime.combine(report.as_of, datetime.min.time()), fmt.date)
        row += 1
        ws.write(row, 0, L["generated"], fmt.muted)
        ws.write_datetime(row, 1, excel_datetime(report.generated_at), fmt.datetime)
        row += 2
        for text in summary_paragraphs(report):
            ws.merge_range(row, 0, row, 8, text, fmt.text)
            ws.set_row(row, 16 * math.ceil(display_width(text) / span) + 2)
            row += 1
        row += 1
        # Status table: counts are values, shares are formulas over them.
        top = row
        ws.write(row, 0, L["status"], fmt.header)
        ws.write(row, 1, L["count"], fmt.header_right)
        ws.write(row, 2, L["share"], fmt.header_right)
        total_cell = xl_rowcol_to_cell(top + len(STATUS_ORDER) + 1, 1, row_abs=True, col_abs=True)
        total = report.summary.total
        for i, s in enumerate(STATUS_ORDER, start=1):
            n = report.summary.counts.get(s, 0)
            ws.write(top + i, 0, status_label(s), fmt.status_fill[s])
            ws.write_number(top + i, 1, n, fmt.int)
            ws.write_formula(
                top + i, 2, f"=IF({total_cell}=0,0,{xl_rowcol_to_cell(top + i, 1)}/{total_cell})", fmt.pct,
                n / total if total else 0,
            )  # fmt: skip
        last = top + len(STATUS_ORDER)
        ws.write(last + 1, 0, L["total"], fmt.total_label)
        ws.write_formula(last + 1, 1, f"=SUM(B{top + 2}:B{last + 1})", fmt.int_bold, total)
        ws.write_formula(last + 1, 2, f"=IF({total_cell}=0,0,1)", fmt.pct_bold, 1 if total else 0)

        chart = self.wb.add_chart({"type": "bar"})
        name = ws.get_name()
        chart.add_series(
            {
                "name": L["count"],
                "categories": [name, top + 1, 0, last, 0],
                "values": [name, top + 1, 1, last, 1],
                "points": [
                    {"fill": {"color": STATUS_COLOURS[s].fill}, "border": {"none": True}}
                    for s in STATUS_ORDER
                ],
                "data_labels": {"value": True, "font": {"name": SANS, "size": 9}},
                "gap": 40,
            }
        )
        chart.set_title(
            {"name": L["status_chart"], "name_font": {"name": SANS, "size": 12, "bold": True}}
        )
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True, "num_font": {"name": SANS, "size": 9}})
        chart.set_x_axis(
            {
                "name": L["count_axis"],
                "name_font": {"name": SANS, "size": 9, "bold": False},
                "num_font": {"name": SANS, "size": 9},
                "min": 0,
                "major_gridlines": {"visible": True, "line": {"color": RULE}},
            }
        )
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(top, 4, chart, {"x_offset": 10})

    def groups(self, title: str, first_col: str, rows: list[GroupRow], with_total: bool) -> None:
        L, fmt = self.L, self.fmt
        ws = self.sheet(title, header_rows=True)
        ws.write(0, 0, first_col, fmt.header)
        ws.set_column(0, 0, 40)
        for i, s in enumerate(STATUS_ORDER, start=1):
            ws.write(0, i, status_label(s), fmt.status_header[s])
        ws.set_column(1, len(STATUS_ORDER), 11)
        total_col = len(STATUS_ORDER) + 1
        ws.write(0, total_col, L["total"], fmt.header_right)
        ws.set_column(total_col, total_col, 9)
        ws.set_row(0, 30)
        for r, g in enumerate(rows, start=1):
            ws.write(r, 0, g.label, fmt.text)
            for i, s in enumerate(STATUS_ORDER, start=1):
                n = g.counts.counts.get(s, 0)
                ws.write_number(r, i, n, fmt.status_tint[s] if n else fmt.zero)
            first, last = xl_rowcol_to_cell(r, 1), xl_rowcol_to_cell(r, len(STATUS_ORDER))
            ws.write_formula(r, total_col, f"=SUM({first}:{last})", fmt.bold, g.counts.total)
        if with_total and rows:
            r = len(rows) + 1
            ws.write(r, 0, L["total"], fmt.total_label)
            for i, s in enumerate(STATUS_ORDER, start=1):
                col = xl_col_to_name(i)
                ws.write_formula(
                    r,
                    i,
                    f"=SUM({col}2:{col}{r})",
                    fmt.int_bold,
                    self.report.summary.counts.get(s, 0),
                )
            col = xl_col_to_name(total_col)
            ws.write_formula(
                r, total_col, f"=SUM({col}2:{col}{r})", fmt.int_bold, self.report.summary.total
            )
        ws.freeze_panes(1, 1)

    def targets(self) -> None:
        L, fmt, lang = self.L, self.fmt, self.report.lang
        ws = self.sheet(L["sheet_targets"], landscape=True, header_rows=True)
        columns = [
            (L["key"], 10), (L["section"], 10), (L["target"], 60), (L["scope"], 14),
            (L["responsible"], 26), (L["deadline"], 15), (L["deadline_text"], 15),
            (L["target_value"], 16), (L["latest"], 16), (L["period"], 14), (L["forecast"], 16),
            (L["projected"], 15), (L["status"], 12), (L["status_code"], 12),
            (L["measure"], 18), (L["notes"], 30),
        ]  # fmt: skip
        self.header(ws, 0, [c for c, _w in columns], [w for _c, w in columns])
        ws.set_row(0, 30)
        joiner = "、" if lang == "zh" else "; "
        for r, t in enumerate(self.report.targets, start=1):
            ws.write_string(r, 0, t.key, fmt.bold)
            ws.write_string(r, 1, t.section_ref, fmt.plain)
            ws.write_string(r, 2, t.text, fmt.text)
            ws.write_string(r, 3, t.scope, fmt.text)
            ws.write_string(r, 4, joiner.join(t.responsible), fmt.text)
            if t.deadline:
                ws.write_datetime(r, 5, datetime.combine(t.deadline, datetime.min.time()), fmt.date)
            else:
                ws.write_blank(r, 5, None, fmt.plain)
            ws.write_string(r, 6, t.deadline_text or "", fmt.plain)
            ws.write_string(r, 7, t.target_display, fmt.text)
            ws.write_string(r, 8, t.latest_value or "", fmt.text)
            ws.write_string(r, 9, t.latest_period or "", fmt.plain)
            ws.write_string(r, 10, t.forecast_display or "", fmt.text)
            if t.projected_date:
                ws.write_datetime(
                    r, 11, datetime.combine(t.projected_date, datetime.min.time()), fmt.date
                )
            else:
                ws.write_blank(r, 11, None, fmt.plain)
            ws.write_string(r, 12, status_label(t.status), fmt.plain)
            ws.write_string(r, 13, t.status, fmt.muted)
            ws.write_string(r, 14, measure_label(t.measure_status), fmt.plain)
            ws.write_string(r, 15, "\n".join(t.flags), fmt.text)
        last = len(self.report.targets)
        ws.autofilter(0, 0, last, len(columns) - 1)
        ws.freeze_panes(1, 1)
        # Colour the status column from the status code beside it, so the colours survive
        # sorting and filtering and do not depend on the translated label.
        for s in STATUS_ORDER:
            ws.conditional_format(
                1, 12, max(last, 1), 12,
                {"type": "formula", "criteria": f'=$N2="{s}"', "format": fmt.cond[s]},
            )  # fmt: skip

    def warnings(self) -> None:
        L, fmt = self.L, self.fmt
        ws = self.sheet(L["sheet_warnings"], landscape=True, header_rows=True)
        self.header(ws, 0, [L["type"], L["key"], L["target"], L["detail"]], [14, 10, 70, 40])
        for r, w in enumerate(self.report.warnings, start=1):
            ws.write_string(
                r, 0, warning_label(w.kind), fmt.status_fill[WARNING_COLOUR.get(w.kind, "no_data")]
            )
            ws.write_string(r, 1, w.target_key, fmt.bold)
            ws.write_string(r, 2, w.text, fmt.text)
            ws.write_string(r, 3, w.detail, fmt.text)
        if self.report.warnings:
            ws.autofilter(0, 0, len(self.report.warnings), 3)
        else:
            ws.write_string(1, 0, L["no_warnings"], fmt.muted)
        ws.freeze_panes(1, 0)

    def document_sheets(self) -> None:
        """The official document's sections: by city, the KPIs (numbers as numbers, the unit
        in its own column), the Top-100 summary and the narrative."""
        ex, lang, fmt = self.report.extras, self.report.lang, self.fmt
        d = doc_labels(lang)
        if ex.by_city:
            self.groups(d["by_city"], d["city"], ex.by_city, with_total=False)
        ws = self.sheet(d["kpis_sheet"], header_rows=True)
        ws.write_string(0, 5, kpi_heading(ex.kpi_year, lang), fmt.bold)
        self.header(
            ws, 0, [d["indicator"], d["value"], d["unit"], d["n_enterprises"]], [56, 14, 16, 12]
        )
        num = self.wb.add_format({"font_name": SANS, "font_size": 10, "num_format": "#,##0.00"})
        r = 0
        for r, k in enumerate(ex.kpis, start=1):
            ws.write_string(r, 0, k.label, fmt.text)
            if k.number is None:
                ws.write_string(r, 1, k.value, fmt.plain)
            else:
                ws.write_number(r, 1, k.number, num)
            ws.write_string(r, 2, k.unit, fmt.plain)
            if k.n_enterprises is None or k.withheld:
                ws.write_string(r, 3, "—", fmt.plain)
            else:
                ws.write_number(r, 3, k.n_enterprises, fmt.int)
        ws.write_string(r + 2, 0, ex.kpi_source or d["no_kpis"], fmt.muted)
        ws = self.sheet(d["ranking"], header_rows=True)
        self.header(ws, 0, [d["rank"], d["enterprise"], d["city"], d["score"]], [8, 50, 14, 12])
        if ex.ranking is None:
            ws.write_string(1, 0, d["no_ranking"], fmt.muted)
        else:
            score = self.wb.add_format({"font_name": SANS, "font_size": 10, "num_format": "0.0"})
            for r, e in enumerate(ex.ranking.top, start=1):
                ws.write_number(r, 0, e.rank, fmt.int)
                ws.write_string(r, 1, e.name, fmt.text)
                ws.write_string(r, 2, e.city, fmt.plain)
                try:
                    ws.write_number(r, 3, float(e.score), score)
                except ValueError:
                    ws.write_string(r, 3, e.score, fmt.plain)
            r = len(ex.ranking.top) + 2
            ws.write_string(r, 0, d["ranking_by_city"], fmt.subtitle)
            for i, (city, n) in enumerate(ex.ranking.by_city, start=r + 1):
                ws.write_string(i, 1, city, fmt.plain)
                ws.write_number(i, 2, n, fmt.int)
            ws.write_string(r + len(ex.ranking.by_city) + 2, 0, ex.ranking.source, fmt.muted)
        if ex.narrative is None:
            return
        ws = self.sheet(d["narrative"])
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 100)
        r = 0
        if ex.issue_number:
            ws.write_string(r, 0, d["issue_number"], fmt.header)
            ws.write_string(r, 1, ex.issue_number, fmt.bold)
            r += 2
        for name in ("foreword", "judgement", "problems", "next_steps"):
            paragraphs = ex.narrative.paragraphs(name)
            if not paragraphs:
                continue
            ws.write_string(r, 0, d[name], fmt.subtitle)
            for text in paragraphs:
                ws.write_string(r, 1, text, fmt.text)
                ws.set_row(r, 16 * math.ceil(display_width(text) / 95) + 2)
                r += 1
            r += 1

    def about(self) -> None:
        L, fmt, report = self.L, self.fmt, self.report
        ws = self.sheet(L["sheet_about"])
        ws.hide_gridlines(2)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 100)
        rows = [
            (L["plan"], report.plan_title),
            (L["plan_key"], report.plan_key),
            (L["as_of"], datetime.combine(report.as_of, datetime.min.time())),
            (L["generated"], excel_datetime(report.generated_at)),
            (L["source"], report.source_note),
            (L["synthetic_data"], L["yes"] if report.synthetic else L["no"]),
        ]
        r = 0
        if report.synthetic:
            ws.merge_range(r, 0, r, 1, f"{L['synthetic']}  {L['synthetic_note']}", fmt.synthetic)
            ws.set_row(r, 32)
            r += 2
        for name, value in rows:
            ws.write_string(r, 0, name, fmt.header)
            if isinstance(value, datetime):
                is_date = value.hour == value.minute == 0 and name == L["as_of"]
                ws.write_datetime(r, 1, value, fmt.date if is_date else fmt.datetime)
            else:
                ws.write_string(r, 1, value, fmt.text)
            r += 1
        r += 1
        ws.write_string(r, 0, L["method"], fmt.subtitle)
        r += 1
        for text in method_paragraphs(report):
            ws.write_string(r, 1, text, fmt.text)
            ws.set_row(r, 16 * math.ceil(display_width(text) / 95) + 2)  # column B: 100 wide
            r += 1
        r += 1
        ws.write_string(r, 1, as_of_line(report) + "  ·  " + generated_line(report), fmt.muted)

    def build(self) -> bytes:
        L, report = self.L, self.report
        self.summary()
        self.groups(L["sheet_sections"], L["section"], report.by_section, with_total=True)
        self.groups(L["sheet_units"], L["unit"], report.by_unit, with_total=False)
        if report.extras is not None:
            self.document_sheets()
        self.targets()
        self.warnings()
        self.about()
        self.wb.close()
        return self.buf.getvalue()


def render_xlsx(report: EvaluationReport) -> bytes:
    return Builder(report).build()
