"""The official document's sections in every format, and its JSON snapshot (no database)."""

import io
import json
import re

import pytest

from eco311.reports.document import from_dict, to_dict
from eco311.reports.html import render_html
from eco311.reports.render import render
from eco311.reports.sample import sample_document

NUMBER = "鲁环311评〔2025〕1号"


@pytest.fixture(scope="module")
def issued():
    return sample_document("zh", n_targets=20, seed=2, issue_number=NUMBER)


@pytest.fixture(scope="module")
def pdf(issued):
    return render(issued, "pdf")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_snapshot_gives_back_the_same_report(issued):
    data = to_dict(issued)
    again = from_dict(json.loads(json.dumps(data, ensure_ascii=False)))
    assert to_dict(again) == data
    assert render_html(again) == render_html(issued)


def test_the_pdf_text_has_the_judgement_and_the_issue_number(pdf, issued):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    text = squeeze("\n".join(p.extract_text() or "" for p in reader.pages))
    assert NUMBER in text
    assert squeeze(issued.extras.narrative.judgement) in text
    for heading in ("总体评价", "各市进展情况", "存在问题", "下一步工作", "生态环保产业百强企业"):
        assert heading in text
    # every page is numbered and carries the synthetic mark
    first = squeeze(reader.pages[0].extract_text())
    assert f"第1页/共{len(reader.pages)}页" in first and "合成演示数据" in first


def test_the_docx_is_editable_with_headings(issued):
    from docx import Document

    doc = Document(io.BytesIO(render(issued, "docx")))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for h in ("总体评价", "各市进展情况", "存在问题", "下一步工作", "生态环保产业百强企业"):
        assert h in headings
    texts = [p.text for p in doc.paragraphs]
    assert NUMBER in texts
    assert issued.extras.narrative.judgement in texts  # real text, not a picture
    # the KPI table keeps the withheld value as "—"
    kpi = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标")
    assert any(r.cells[1].text == "—" for r in kpi.rows[1:])


def test_a_draft_is_marked_as_not_issued():
    draft = sample_document("en", n_targets=5, seed=3)
    html = render_html(draft)
    assert "DRAFT — not issued" in html
    assert "Overall judgement" in html and "Problems" in html


def test_the_tables_report_has_no_document_sections():
    from eco311.reports.sample import sample_report

    html = render_html(sample_report("zh", n_targets=5, seed=1))
    assert "存在问题" not in html and "征求意见稿" not in html


def test_the_xlsx_has_the_document_sheets_with_numbers_as_numbers(issued):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render(issued, "xlsx")))
    for name in ("各市进展情况", "主要指标", "生态环保产业百强企业", "评估意见"):
        assert name in wb.sheetnames
    kpis = wb["主要指标"]
    values = {row[0].value: row[1].value for row in kpis.iter_rows(min_row=2) if row[0].value}
    assert values["环保企业数量"] == 3712 and isinstance(values["环保企业数量"], float | int)
    assert values["“链主”企业数量"] == "—"
    narrative = [c.value for c in wb["评估意见"]["B"] if c.value]
    assert NUMBER in narrative and issued.extras.narrative.judgement in narrative
