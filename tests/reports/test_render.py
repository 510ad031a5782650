"""The evaluation report renders in every format and language, from a plain data object.

No database: the report comes from `sample_report`, and each format is rendered once per
language and shared by the tests below (the PDFs take several seconds each).
"""

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from django.utils.translation import override

from eco311.reports import render as render_mod
from eco311.reports.document import STATUS_ORDER, EvaluationReport, StatusCounts
from eco311.reports.i18n import _, format_date, format_datetime, page_template
from eco311.reports.render import CONTENT_TYPES, FORMATS, filename, render
from eco311.reports.sample import sample_report

REPORTS_SRC = Path(render_mod.__file__).resolve().parent
LANGS = ("zh", "en")
N = 100


@pytest.fixture(scope="module")
def reports():
    return {lang: sample_report(lang, n_targets=N, seed=1) for lang in LANGS}


@pytest.fixture(scope="module")
def rendered(reports):
    cache = {}

    def get(lang, fmt):
        if (lang, fmt) not in cache:
            cache[lang, fmt] = render(reports[lang], fmt)
        return cache[lang, fmt]

    return get


def squeeze(text: str) -> str:
    """Text without whitespace: PDF extraction breaks table cells and titles into lines."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# -- every format, every language ------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_it_renders_a_file_of_its_kind(rendered, lang, fmt):
    data = rendered(lang, fmt)
    assert isinstance(data, bytes) and data
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
    elif fmt in ("docx", "xlsx"):
        assert zipfile.is_zipfile(io.BytesIO(data))
    else:
        assert data.lstrip().lower().startswith(b"<!doctype html>")


def test_it_names_files_and_content_types(reports):
    assert filename(reports["zh"], "pdf") == "shandong-311-evaluation-2025-06-30-zh.pdf"
    assert filename(reports["en"], "xlsx") == "shandong-311-evaluation-2025-06-30-en.xlsx"
    assert set(CONTENT_TYPES) == set(FORMATS)


def test_it_rejects_unknown_formats_and_languages(reports):
    with pytest.raises(ValueError):
        render(reports["zh"], "odt")
    report = sample_report("zh", n_targets=3)
    report.lang = "fr"
    with pytest.raises(ValueError):
        render(report, "html")


# -- PDF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_text_has_the_title_and_target_texts(rendered, reports, lang):
    """Extractable text proves the glyphs are embedded with a ToUnicode map."""
    report = reports[lang]
    text = squeeze(pdf_text(rendered(lang, "pdf")))
    assert squeeze(report.plan_title) in text
    for target in (report.targets[0], report.targets[N // 2], report.targets[-1]):
        assert squeeze(target.text) in text
    if lang == "zh":
        assert "山东省生态环保产业高质量发展" in text
        assert squeeze(format_date(report.as_of, "zh")) in text  # 2025年6月30日


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_numbers_pages_in_the_report_language(rendered, lang):
    from pypdf import PdfReader

    data = rendered(lang, "pdf")
    pages = len(PdfReader(io.BytesIO(data)).pages)
    with override("zh-hans" if lang == "zh" else "en"):
        footer = page_template() % {"page": 1, "pages": pages}
    assert squeeze(footer) in squeeze(pdf_text(data))


def test_pdf_embeds_a_cjk_font(rendered):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(rendered("zh", "pdf")))
    embedded = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font.get("/BaseFont", ""))
            for desc in font.get("/DescendantFonts", [font]):
                descriptor = desc.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(name)
            assert "/ToUnicode" in font, f"{name} has no ToUnicode map"
    assert any("CJK" in n or "Noto" in n for n in embedded), embedded


def test_pdf_prints_the_synthetic_notice(rendered):
    text = squeeze(pdf_text(rendered("en", "pdf")))
    assert "SYNTHETICDEMODATA" in text


# -- DOCX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_docx_tables_have_a_row_per_item(rendered, reports, lang):
    import docx

    report = reports[lang]
    document = docx.Document(io.BytesIO(rendered(lang, "docx")))
    rows = [len(t.rows) for t in document.tables]
    assert rows == [
        len(STATUS_ORDER) + 2,  # header, statuses, total
        len(report.by_section) + 2,  # header, sections, total
        len(report.by_unit) + 1,
        len(report.targets) + 1,
        len(report.warnings) + 1,
        6,  # plan, key, as of, generated, source, synthetic
    ]
    targets = document.tables[3]
    assert targets.rows[1].cells[0].text == report.targets[0].key
    assert report.targets[0].text in targets.rows[1].cells[2].text
    assert len(document.inline_shapes) == 2  # the two charts


def test_docx_sets_the_east_asian_font(rendered):
    import docx
    from docx.oxml.ns import qn

    from eco311.reports.theme import SANS, SERIF

    document = docx.Document(io.BytesIO(rendered("zh", "docx")))
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == SERIF
    assert fonts.get(qn("w:ascii")) == SERIF
    heading = document.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading.get(qn("w:eastAsia")) == SANS
    assert document.core_properties.language == "zh-CN"


# -- XLSX ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_xlsx_has_a_row_per_target(rendered, reports, lang):
    import openpyxl

    report = reports[lang]
    data = rendered(lang, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == 6
    targets = book.worksheets[3]
    with override("zh-hans" if lang == "zh" else "en"):
        assert targets.title == _("Targets")[:31]
    assert targets.max_row == len(report.targets) + 1
    assert [c.value for c in targets[2][:3]] == [
        report.targets[0].key,
        report.targets[0].section_ref,
        report.targets[0].text,
    ]
    deadline = targets.cell(row=2, column=6).value
    assert isinstance(deadline, datetime) and deadline.date() == report.targets[0].deadline
    assert targets.freeze_panes == "B2"
    assert targets.auto_filter.ref.startswith("A1:")
    assert targets.conditional_formatting  # status colours
    warnings = book.worksheets[4]
    assert warnings.max_row == len(report.warnings) + 1
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_xlsx_dates_are_real_dates(rendered, reports):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(rendered("zh", "xlsx")))
    about = book.worksheets[5]
    values = [c.value for row in about.iter_rows() for c in row]
    assert datetime.combine(reports["zh"].as_of, datetime.min.time()) in values
    generated = reports["zh"].generated_at
    assert generated.replace(tzinfo=None) in values  # Asia/Shanghai wall-clock time


# -- HTML ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_html_is_self_contained_and_lists_every_target(rendered, reports, lang):
    html = rendered(lang, "html").decode("utf-8")
    for target in reports[lang].targets:
        assert f'id="t-{target.key}"' in html
    assert "<svg" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html
    assert f'lang="{"zh-Hans" if lang == "zh" else "en"}"' in html


def test_html_shows_the_synthetic_notice_only_for_synthetic_data():
    report = sample_report("en", n_targets=5)
    assert "SYNTHETIC DEMO DATA" in render(report, "html").decode()
    report.synthetic = False
    assert "SYNTHETIC DEMO DATA" not in render(report, "html").decode()


def test_it_renders_in_the_report_language_whatever_the_active_one():
    report = sample_report("zh", n_targets=5)
    with override("en"):
        html = render(report, "html").decode()
    with override("zh-hans"):
        assert _("All targets") in html
        assert _("Achieved") in html
    assert "2025年6月30日" in html


def test_it_escapes_text_from_the_data():
    report = sample_report("en", n_targets=3)
    report.plan_title = 'Plan "A" </style><script>alert(1)</script>'
    report.targets[0].text = "<b>bold</b>"
    html = render(report, "html").decode()
    assert "<script>" not in html and "<b>bold</b>" not in html


# -- an empty report still renders -----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_renders_a_report_without_targets(fmt):
    report = EvaluationReport(
        lang="zh",
        plan_key="empty",
        plan_title="空计划",
        as_of=date(2025, 6, 30),
        generated_at=datetime(2025, 7, 1, 9, 30),
        synthetic=False,
        summary=StatusCounts(dict.fromkeys(STATUS_ORDER, 0)),
        by_section=[],
        by_unit=[],
        targets=[],
        warnings=[],
    )
    assert render(report, fmt)


# -- language helpers -------------------------------------------------


def test_dates_follow_each_language():
    assert format_date(date(2025, 6, 30), "zh") == "2025年6月30日"
    assert format_date(date(2025, 6, 30), "en") == "30 June 2025"
    assert format_datetime(datetime(2025, 7, 1, 9, 5), "en") == "1 July 2025, 09:05"


def test_chinese_status_labels():
    with override("zh-hans"):
        assert [_(s) for s in ("Achieved", "On track", "At risk")] == [
            "已完成",
            "进展顺利",
            "存在风险",
        ]
