"""The chain-map analysis as a document (chains/report.py): the snapshot round trip, the PDF
(cover, contents, page numbers, synthetic marks), the Word file read back with python-docx
(headings, tables, one map per chain, the East Asian font on every run), and
``eco311 chains report``."""

from __future__ import annotations

import importlib.util
import io
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from eco311.chains import report
from eco311.cli import main

_spec = importlib.util.spec_from_file_location(
    "chainmap_fixtures", Path(__file__).with_name("chainmap_fixtures.py")
)
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)


def doc(tmp_path, lang="zh", synthetic=True):
    return report.compose(
        fx.taxonomy(tmp_path),
        fx.analysis(),
        fx.specialisation(),
        lang,
        city_names=fx.CITY_NAMES,
        enterprise_names=fx.NAMES,
        synthetic=synthetic,
    )


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(body)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    # Chinese lines break anywhere: compare without the line breaks and spaces pdftotext adds,
    # keeping the form feeds that end the pages.
    return "\f".join("".join(page.split()) for page in text.split("\f"))


def test_the_snapshot_gives_back_the_same_document(tmp_path):
    d = doc(tmp_path)
    again = report.from_dict(report.to_dict(d))
    assert again == d
    assert again.chains[0].nodes[0].code == "wet-membrane"


def test_a_snapshot_with_keys_of_a_later_version_still_loads(tmp_path):
    data = report.to_dict(doc(tmp_path))
    data["new_field"] = 1
    data["chains"][0]["nodes"][0]["new_field"] = 2
    assert report.from_dict(data).chains[0].nodes[0].name == "膜材料"


def test_the_map_marks_weak_links_and_coverage(tmp_path):
    d = doc(tmp_path)
    by_code = {n.code: n for n in d.chains[0].nodes}
    assert by_code["wet-membrane"].coverage == "none" and by_code["wet-membrane"].weak
    assert by_code["wet-dose"].coverage == "one"
    assert by_code["wet-run"].coverage == "several" and not by_code["wet-run"].weak
    assert report.chain_png(d.chains[0], "zh").startswith(b"\x89PNG")


def test_the_pdf_has_cover_contents_page_numbers_and_synthetic_marks(tmp_path):
    d = doc(tmp_path)
    text = pdf_text(report.render_pdf(d), tmp_path)
    assert "山东省生态环保产业优势产业链图谱分析" in text
    assert "2024年度" in text
    assert "目录" in text
    assert "合成数据/SYNTHETIC" in text
    assert "征求意见稿（未印发）" in text  # not issued: a draft
    pages = text.rstrip("\f").count("\f") + 1
    assert f"第2页/共{pages}页" in text
    # The narrative's words are in the document, with the plan's sentence for the short board.
    assert "在材料药剂等短板领域引导创立自主品牌" in text


def test_an_issued_pdf_carries_its_number_and_no_draft_mark(tmp_path):
    d = doc(tmp_path, synthetic=False)
    d.issue_number, d.issued_on, d.issuer = "鲁环311链〔2024〕1号", "2024-06-20", "山东省生态环境厅"
    text = pdf_text(report.render_pdf(d), tmp_path)
    assert "鲁环311链〔2024〕1号" in text
    assert "2024年6月20日" in text
    assert "征求意见稿" not in text
    assert "SYNTHETIC" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_word_file_has_headings_tables_maps_and_the_east_asian_font(tmp_path, lang):
    d = doc(tmp_path, lang)
    w = Document(io.BytesIO(report.render_docx(d)))
    L = report.labels(lang)
    headings = [p.text for p in w.paragraphs if p.style.name.startswith("Heading")]
    for key in ("overview", "chains", "cities", "recommendations", "method"):
        assert L[key] in headings
    assert any(d.chains[0].name in h for h in headings)
    # Province table, node table, leaders table, cities table.
    assert len(w.tables) == 4
    assert w.tables[0].rows[0].cells[0].text == L["chain"]
    assert w.tables[0].rows[1].cells[0].text == d.chains[0].name
    header = w.tables[1].rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None  # repeats on every page
    assert len(w.inline_shapes) == len(d.chains)  # one map per chain
    footer = w.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer  # page numbers
    assert L["synthetic"] in w.sections[0].header.paragraphs[0].text
    runs = [r for p in w.paragraphs for r in p.runs if r.text.strip()]
    runs += [r for t in w.tables for row in t.rows for c in row.cells for p in c.paragraphs
             for r in p.runs if r.text.strip()]  # fmt: skip
    assert runs
    for run in runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), run.text


@pytest.mark.django_db
def test_the_cli_refuses_a_year_without_data_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["chains", "report", "--year", "1999", "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert "--year 1999：该年度没有已审核的企业调查报表" in err
    assert "no approved survey returns for that year" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_the_cli_writes_the_word_file_of_a_survey_year(tmp_path, capsys, monkeypatch):
    year = max(report.years())
    monkeypatch.chdir(tmp_path)
    assert main(["chains", "report", "--year", str(year), "--format", "docx"]) == 0
    out = tmp_path / f"优势产业链图谱分析-{year}.docx"
    assert capsys.readouterr().out.strip() == str(out)
    w = Document(str(out))
    assert any(p.text == report.TITLE["zh"] for p in w.paragraphs)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no .part file left
