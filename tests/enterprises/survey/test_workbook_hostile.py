"""Hostile workbooks: refused before any spreadsheet library trusts them, cheaply.

The files are built with zipfile and openpyxl and stay small; where the old reader would have
allocated hundreds of gigabytes, the read runs in a subprocess under a 1 GiB address-space
limit, so that the old code fails fast (killed or MemoryError) instead of taking the machine.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import zipfile

import openpyxl
import pytest

from eco311.enterprises.survey.archive import Limits, inspect_xlsx
from eco311.enterprises.survey.workbook import (
    RETURNS_SHEET,
    check_workbook,
    read_returns_workbook,
    write_returns_workbook,
)

from .conftest import YEAR

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)  # fmt: skip
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)  # fmt: skip
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    f'<sheets><sheet name="{RETURNS_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)  # fmt: skip


def xlsx(sheet_xml: bytes | list[bytes]) -> bytes:
    """A minimal one-sheet .xlsx around ``sheet_xml`` (written in pieces, deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for piece in sheet_xml if isinstance(sheet_xml, list) else [sheet_xml]:
                f.write(piece)
    return out.getvalue()


def sheet(rows: bytes, dimension: str | None = None) -> list[bytes]:
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return [head, dim, b"<sheetData>", rows, b"</sheetData></worksheet>"]


def far_cell_workbook() -> bytes:
    """The 28 KB kind of file: a value in A1 and one at XFD1048576, the last cell of Excel."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = RETURNS_SHEET
    ws["A1"] = "统一社会信用代码"
    ws["XFD1048576"] = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_bomb(n: int) -> bytes:
    """A sheet of ``n`` identical rows: a few hundred KB that inflate many times over."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, n + 1))
    return xlsx(sheet(rows))


def read_in_subprocess(data: bytes, tmp_path) -> dict:
    """Read ``data`` in a child limited to 1 GiB of address space; what it found, as JSON."""
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(data)
    script = textwrap.dedent(
        f"""
        import json, resource, sys
        from eco311.enterprises.survey.workbook import read_returns_workbook
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        read = read_returns_workbook({str(path)!r})
        json.dump([[p.code, dict(p.params), p.message("zh"), p.message("en")]
                   for p in read.problems], sys.stdout, ensure_ascii=False)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"the reader died ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout)


def test_a_cell_at_the_last_excel_cell_is_refused_without_allocating(tmp_path):
    data = far_cell_workbook()
    assert len(data) < 30_000
    problems = read_in_subprocess(data, tmp_path)
    assert [p[0] for p in problems] == ["too_large"]
    code, params, zh, en = problems[0]
    assert params["reason"] in ("rows", "columns")
    assert "XFD1048576" in params["ref"]
    assert "文件未被读取" in zh and not re.search(r"[A-Za-z]{4,}", zh.replace(params["ref"], ""))
    assert "was not read" in en


def test_a_zip_bomb_of_rows_is_refused_in_a_small_process(tmp_path):
    data = row_bomb(300_000)  # beyond the default limit of 200,000 rows
    assert len(data) < 2_000_000
    problems = read_in_subprocess(data, tmp_path)
    assert [(p[0], p[1]["reason"]) for p in problems] == [("too_large", "rows")]
    assert problems[0][1]["limit"] == Limits().max_rows


def test_a_declared_dimension_beyond_the_limits_is_refused():
    data = xlsx(sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', dimension="A1:XFD1048576"))
    found = inspect_xlsx(data)
    assert found.refusal[0] == "too_large"
    assert found.refusal[1]["ref"] == "A1:XFD1048576"


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (
            b'<row r="1"><c r="A1"><v>1</v></c></row><row r="51"><c r="A51"><v>1</v></c></row>',
            "rows",
        ),
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="K1"><v>1</v></c></row>', "columns"),
        # a row or a cell beyond the limits by position, without a reference
        (b'<row r="1">' + b"<c><v>1</v></c>" * 11 + b"</row>", "columns"),
        (b"<row><c><v>1</v></c></row>" * 51, "rows"),
        # a cell that claims a far row from inside an early one
        (b'<row r="1"><c r="A900"><v>1</v></c></row>', "rows"),
        # a reference in lower case, which calamine reads as well
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="xfd1"><v>1</v></c></row>', "columns"),
        (b'<row r="1"><c r="a1"><v>1</v></c><c r="a1048576"><v>1</v></c></row>', "rows"),
    ],
)
def test_rows_and_columns_are_checked_against_the_limits(rows, reason):
    limits = Limits(max_rows=50, max_columns=10)
    found = inspect_xlsx(xlsx(sheet(rows)), limits)
    assert found.refusal is not None and found.refusal[0] == "too_large"
    assert found.refusal[1]["reason"] == reason
    assert found.refusal[1]["limit"] == (50 if reason == "rows" else 10)


def test_a_merged_range_beyond_the_limits_is_refused():
    # openpyxl, which writes the marked copy, makes an object for every merged cell
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    rows += b'<mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells><sheetData>'
    found = inspect_xlsx(xlsx(sheet(rows)))
    assert found.refusal is not None and found.refusal[1]["ref"] == "A3:XFD1048576"


def test_a_sheet_stored_elsewhere_is_found_through_the_workbook():
    data = xlsx(sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="99"/>'))
    moved = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(moved, "w") as new:
        for info in old.infolist():
            body = old.read(info)
            name = info.filename
            if name == "xl/worksheets/sheet1.xml":
                name = "xl/hidden/data.xml"
            elif name == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"worksheets/sheet1.xml", b"hidden/data.xml")
            new.writestr(name, body)
    found = inspect_xlsx(moved.getvalue(), Limits(max_rows=50))
    assert found.refusal is not None and found.refusal[1]["reason"] == "rows"


def test_a_sheet_at_the_limits_is_accepted():
    limits = Limits(max_rows=50, max_columns=10)
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="J%d"><v>2</v></c></row>' % (i, i, i)
        for i in range(1, 51)
    )
    assert inspect_xlsx(xlsx(sheet(rows)), limits).ok


def test_sizes_are_counted_while_inflating_and_a_high_ratio_is_refused():
    filler = b" " * (3 << 20)  # whitespace between rows: valid XML, compresses ~1000 times
    data = xlsx(sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>' + filler))
    assert len(data) < 100_000
    total = inspect_xlsx(data, Limits(max_uncompressed=1 << 20))
    assert (total.refusal[0], total.refusal[1]["reason"]) == ("too_large", "total")
    member = inspect_xlsx(data, Limits(max_member=1 << 20))
    assert (member.refusal[0], member.refusal[1]["reason"]) == ("too_large", "member")
    ratio = inspect_xlsx(data, Limits(ratio_from=1 << 20, max_ratio=100))
    assert (ratio.refusal[0], ratio.refusal[1]["reason"]) == ("too_large", "ratio")
    assert inspect_xlsx(data).ok  # 3 MB is fine by default


def test_a_refused_file_says_so_in_both_languages(survey_dictionary):
    read = read_returns_workbook(row_bomb(60), survey_dictionary, limits=Limits(max_rows=50))
    assert [p.code for p in read.problems] == ["too_large"]
    zh, en = read.problems[0].message("zh"), read.problems[0].message("en")
    assert "第 51 行" in zh and "上限 50 行" in zh
    assert "row 51" in en and "limit of 50 rows" in en


def test_the_chinese_unreadable_message_has_no_english(survey_dictionary):
    read = read_returns_workbook(b"%PDF-1.4 not a workbook at all", survey_dictionary)
    assert [p.code for p in read.problems] == ["unreadable"]
    zh = read.problems[0].message("zh")
    assert not re.search(r"[A-Za-z]{3,}", zh.replace("Excel", "").replace("xlsx", ""))
    assert "zip" in read.problems[0].message("en")  # the reason stays in English


def formula_workbook(tmp_path, survey_dictionary, survey_row) -> bytes:
    path = tmp_path / "r.xlsx"
    write_returns_workbook(path, [survey_row(1), survey_row(2)], survey_dictionary, YEAR)
    wb = openpyxl.load_workbook(path)
    ws = wb[RETURNS_SHEET]
    employees = survey_dictionary.by_key["employees"].letter
    ws[f"{employees}3"] = f"={employees}4+1"  # saved without a computed value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_formula_cell_is_reported_as_a_formula(
    tmp_path, survey_dictionary, survey_row, survey_context
):
    data = formula_workbook(tmp_path, survey_dictionary, survey_row)
    employees = survey_dictionary.by_key["employees"].letter
    _read, result = check_workbook(
        data, year=YEAR, context=survey_context, dictionary=survey_dictionary
    )
    at_cell = [e for e in result.errors if (e.row, e.column) == (3, employees)]
    assert [e.code for e in at_cell] == ["formula"]  # not "required" for the empty value
    zh = at_cell[0].message("zh", survey_dictionary)
    assert "公式单元格" in zh and "粘贴" in zh and f"={employees}4+1" in zh
    assert "formula" in at_cell[0].message("en", survey_dictionary)
    assert not result.ok


def test_the_archive_check_sees_no_formula_in_a_plain_workbook(
    tmp_path, survey_dictionary, survey_row
):
    path = tmp_path / "r.xlsx"
    write_returns_workbook(path, [survey_row(1)], survey_dictionary, YEAR)
    found = inspect_xlsx(path.read_bytes())
    assert found.ok and found.formulas == {}
