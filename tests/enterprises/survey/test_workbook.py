"""The survey workbook: template, filled returns, the reader, the bad workbook and highlighting."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl  # only to inspect what the code wrote (the code reads with calamine)
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from eco311.enterprises.survey.dictionary import column_letter
from eco311.enterprises.survey.validate import validate_rows
from eco311.enterprises.survey.workbook import (
    DICTIONARY_SHEET,
    ERRORS_SHEET,
    LISTS_SHEET,
    RETURNS_SHEET,
    check_workbook,
    highlight_errors,
    merged_ranges_from_xlsx,
    read_returns_workbook,
    write_returns_workbook,
    write_template,
)

YEAR = 2024


def user_workbook(
    dictionary,
    rows,
    *,
    headers=None,
    merges=(),
    extra_sheets=(),
    sheet_name=RETURNS_SHEET,
    numbers_as_numbers=True,
):
    """Bytes of a workbook as a person might make it: two heading rows, then ``rows``.

    ``rows``: Excel row number -> {field key: value}; strings are typed as text,
    numbers as numbers.  ``headers``: the two heading rows as lists (default:
    the dictionary's).  ``extra_sheets``: (name, hidden, has_content).
    """
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"strings_to_numbers": False, "in_memory": True})
    ws = wb.add_worksheet(sheet_name)
    if headers is None:
        headers = (
            [("*" if f.required else "") + f.header("zh") for f in dictionary.fields],
            [f.header("en") for f in dictionary.fields],
        )
    keys = [f.key for f in dictionary.fields]
    for r, heading in enumerate(headers):
        for c, text in enumerate(heading):
            if text is not None:
                ws.write_string(r, c, text)
    for excel_row, row in rows.items():
        for c, key in enumerate(keys):
            v = row.get(key)
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_string(excel_row - 1, c, "是" if v else "否")
            elif isinstance(v, (int, float, Decimal)) and numbers_as_numbers:
                ws.write_number(excel_row - 1, c, float(v))
            else:
                ws.write_string(excel_row - 1, c, str(v))
    for ref, value in merges:
        ws.merge_range(ref, value)
    for name, hidden, has_content in extra_sheets:
        other = wb.add_worksheet(name)
        if has_content:
            other.write_string(0, 0, "备注")
        if hidden:
            other.hide()
    wb.close()
    return out.getvalue()


def triples(errors):
    return [(e.sheet, e.row, e.column, e.code) for e in errors]


# -- the template ------------------------------------------------------------------------


def test_template_layout(tmp_path, survey_dictionary):
    path = tmp_path / "template.xlsx"
    write_template(path, survey_dictionary, year=YEAR)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [RETURNS_SHEET, DICTIONARY_SHEET, LISTS_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    ws = wb[RETURNS_SHEET]
    assert ws.freeze_panes == "D3"
    assert ws["A1"].value == "*报告年份"
    assert ws["B1"].value == "*统一社会信用代码"
    assert ws["B2"].value == "*Unified social credit code"
    assert ws["J1"].value == "*营业收入（万元）"
    assert ws["J2"].value == "*Operating revenue (10k yuan)"
    assert ws["E1"].value == "所在县（市、区）代码"
    assert ws["A3"].value is None
    for letter in ("B", "D", "E", "G"):  # codes are formatted as text
        assert ws.column_dimensions[letter].number_format == "@"
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert validations["B3"].type == "textLength" and validations["B3"].formula1 == "18"
    assert validations["H3"].type == "list"
    assert validations["H3"].formula1 == f"{LISTS_SHEET}!$C$2:$C$4"
    assert validations["J3"].type == "decimal" and float(validations["J3"].formula1) == 0
    assert validations["S3"].type == "whole"
    assert validations["A3"].operator == "equal" and validations["A3"].formula1 == "2024"
    assert validations["D3"].type == "list" and validations["D3"].errorStyle == "warning"
    assert validations["F3"].type == "list"
    assert validations["AD3"].type == "list"
    assert str(validations["J3"].sqref) == "J3:J1048576"
    assert validations["B3"].promptTitle == "统一社会信用代码"
    assert "GB 32100-2015" in validations["B3"].prompt
    assert "【必填】" in validations["B3"].prompt
    lists = wb[LISTS_SHEET]
    assert lists["A1"].value == "city_code" and lists["A2"].value == "370100 济南市"
    assert lists["B1"].value == "park_key"
    assert lists["B2"].value.startswith("park-") and lists["B11"].value
    assert [lists[f"C{i}"].value for i in (2, 3, 4)] == [
        "环保制造业",
        "环境服务业",
        "资源综合利用业",
    ]
    dictionary_sheet = wb[DICTIONARY_SHEET]
    assert dictionary_sheet["B3"].value == "year"
    last = 3 + len(survey_dictionary.fields)
    keys = [dictionary_sheet.cell(row=r, column=2).value for r in range(3, last)]
    assert keys == survey_dictionary.keys()
    total = next(
        r for r in range(3, last) if dictionary_sheet.cell(row=r, column=2).value == "profit"
    )
    assert dictionary_sheet.cell(row=total, column=11).value.startswith(
        "企业报告期内实现的盈亏总额"
    )


def test_empty_template_reads_clean_but_without_data(tmp_path, survey_dictionary):
    path = tmp_path / "template.xlsx"
    write_template(path, survey_dictionary)
    read = read_returns_workbook(path, survey_dictionary)
    assert read.sheet == RETURNS_SHEET
    assert read.rows == []
    assert [p.code for p in read.problems] == ["no_data"]
    assert read.columns == {f.key: f.letter for f in survey_dictionary.fields}


def test_english_first_template_reads_the_same(tmp_path, survey_dictionary):
    path = tmp_path / "template-en.xlsx"
    write_template(path, survey_dictionary, lang_order=("en", "zh"))
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(RETURNS_SHEET)
    head = sheet.to_python()[:2]
    assert head[0][1] == "*Unified social credit code" and head[1][1] == "*统一社会信用代码"
    read = read_returns_workbook(path, survey_dictionary)
    assert [p.code for p in read.problems] == ["no_data"]


# -- round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["fast", "xlsxwriter"])
def test_round_trip(tmp_path, survey_dictionary, survey_context, survey_row, engine):
    rows = [survey_row(n) for n in range(1, 201)]
    rows[5]["park_key"] = "park-yantai-laishan"
    rows[5].update(city_code="370600", county_code="370613")
    rows[6]["segment"] = "resource"
    rows[7]["major_violation"] = True
    rows[8]["main_products"] = "  前后有空格 & <特殊> 字符  "
    rows[9]["industry_code"] = "0111"
    path = tmp_path / "returns.xlsx"
    assert write_returns_workbook(path, rows, survey_dictionary, YEAR, engine=engine) == 200
    read, result = check_workbook(
        path.read_bytes(), year=YEAR, context=survey_context, dictionary=survey_dictionary
    )
    assert read.problems == []
    assert result.ok and result.warnings == [], [e.message("en") for e in result.errors]
    assert [r.row for r in result.rows] == list(range(3, 203))
    direct = validate_rows(list(enumerate(rows, start=3)), year=YEAR, context=survey_context).rows
    assert [r.values for r in result.rows] == [r.values for r in direct]
    assert result.rows[9]["industry_code"] == "0111"
    assert result.rows[8]["main_products"] == "前后有空格 & <特殊> 字符"
    assert result.rows[0]["total_revenue"] == Decimal("12345.67")


def test_both_engines_write_the_same_cells(tmp_path, survey_dictionary, survey_row):
    rows = [survey_row(n) for n in range(1, 30)]
    rows[3]["employees"] = "三百"  # wrong type: written as text, for a demonstration
    rows[4]["year"] = 2023
    del rows[5]["year"]  # filled in with the year given
    read = {}
    for engine in ("fast", "xlsxwriter"):
        path = tmp_path / f"{engine}.xlsx"
        write_returns_workbook(path, rows, survey_dictionary, YEAR, engine=engine)
        read[engine] = read_returns_workbook(path, survey_dictionary).rows
    assert read["fast"] == read["xlsxwriter"]
    assert read["fast"][3][1]["employees"] == "三百"
    assert read["fast"][5][1]["year"] == 2024.0


def test_filled_workbook_keeps_the_layout(tmp_path, survey_dictionary, survey_row):
    out = io.BytesIO()
    write_returns_workbook(out, [survey_row(1)], survey_dictionary, YEAR)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == [RETURNS_SHEET, DICTIONARY_SHEET, LISTS_SHEET]
    ws = wb[RETURNS_SHEET]
    assert ws.freeze_panes == "D3"
    assert ws["B3"].value == survey_row(1)["uscc"]
    assert ws["B3"].number_format == "@"  # the cell keeps its column's text format
    assert ws["H3"].value == "环保制造业" and ws["AD3"].value == "否"
    assert ws["J3"].value == pytest.approx(12345.67)
    assert ws.max_row == 3
    assert len(ws.data_validations.dataValidation) >= 25


def test_codes_typed_as_numbers(survey_dictionary, survey_context, survey_row, survey_uscc):
    """Excel turns digit codes into numbers unless the column is text."""
    rows = {3: survey_row(1, county_code=370102, city_code=370100)}
    rows[4] = survey_row(2, uscc=913701001234567890)
    data = user_workbook(survey_dictionary, rows)
    _read, result = check_workbook(data, year=YEAR, context=survey_context)
    assert triples(result.errors) == [(RETURNS_SHEET, 4, "B", "mangled_code")]
    assert result.rows[0]["county_code"] == "370102"
    assert result.rows[0]["city_code"] == "370100"
    message = result.errors[0].message("zh")
    assert message.startswith("第 4 行 B 列「统一社会信用代码」的值“9.13701001234")
    assert "e+17”已被 Excel 转成科学计数法" in message


def test_empty_rows_are_skipped(survey_dictionary, survey_context, survey_row):
    rows = {3: survey_row(1), 4: {}, 5: {"name": "   "}, 6: survey_row(2)}
    data = user_workbook(survey_dictionary, rows)
    read = read_returns_workbook(data, survey_dictionary)
    assert [r for r, _ in read.rows] == [3, 6]
    assert read.rows[0][1]["exports"] == pytest.approx(55.8)
    assert read.rows[0][1]["park_key"] is None


def test_sources_path_bytes_and_file(tmp_path, survey_dictionary, survey_row):
    data = user_workbook(survey_dictionary, {3: survey_row(1)})
    path = tmp_path / "u.xlsx"
    path.write_bytes(data)
    a = read_returns_workbook(path, survey_dictionary)
    b = read_returns_workbook(data, survey_dictionary)
    c = read_returns_workbook(io.BytesIO(data), survey_dictionary)
    d = read_returns_workbook(str(path), survey_dictionary)
    assert a.rows == b.rows == c.rows == d.rows and len(a.rows) == 1


# -- the bad workbook of the issue ------------------------------------------------------


def bad_workbook(dictionary, survey_row, survey_uscc):
    good = survey_uscc(2)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = {
        3: survey_row(1),
        4: survey_row(2, uscc=wrong_check),
        5: survey_row(3, employees="三百人"),
        6: survey_row(4, total_revenue=-100),
        7: survey_row(5, city_code="379900", county_code=None),
        8: survey_row(1, name="同一家企业"),
        9: survey_row(7, name=None),
        10: survey_row(8),
        11: survey_row(9, name=None),  # merged into C10: Excel keeps only C10
        12: survey_row(10, year=2023),
    }
    merges = [("C10:C11", "合并的企业名称")]
    return user_workbook(dictionary, rows, merges=merges, extra_sheets=[("Sheet2", False, True)])


def test_bad_workbook_is_reported_precisely(
    survey_dictionary, survey_context, survey_row, survey_uscc
):
    data = bad_workbook(survey_dictionary, survey_row, survey_uscc)
    read, result = check_workbook(data, year=YEAR, context=survey_context)
    assert not result.ok
    assert triples(result.errors) == [
        ("Sheet2", None, None, "extra_sheet"),
        (RETURNS_SHEET, 3, "B", "duplicate_enterprise"),
        (RETURNS_SHEET, 4, "B", "bad_uscc"),
        (RETURNS_SHEET, 5, "S", "not_a_number"),
        (RETURNS_SHEET, 6, "J", "negative"),
        (RETURNS_SHEET, 7, "D", "unknown_city"),
        (RETURNS_SHEET, 8, "B", "duplicate_enterprise"),
        (RETURNS_SHEET, 9, "C", "required"),
        (RETURNS_SHEET, 10, "C", "merged_cells"),
        (RETURNS_SHEET, 11, "C", "required"),
        (RETURNS_SHEET, 12, "A", "wrong_year"),
    ]
    assert result.warnings == []
    assert result.rows == []  # every row has something wrong (row 10 is merged)
    by_code = {e.code: e for e in result.errors}
    assert by_code["merged_cells"].params["range"] == "C10:C11"
    assert by_code["merged_cells"].message("zh") == (
        "第 10 行 C 列「企业名称」处有合并单元格 C10:C11，请取消合并后在每个单元格中分别填写"
    )
    assert (
        by_code["extra_sheet"]
        .message("en")
        .startswith("The workbook has an unexpected sheet “Sheet2”")
    )
    assert by_code["not_a_number"].message("zh") == (
        "第 5 行 S 列「年末从业人员」的值“三百人”不是数字"
    )
    assert by_code["negative"].message("en") == (
        "Row 6, column J (operating revenue): “-100” is negative, which is not allowed"
    )
    assert by_code["unknown_city"].message("zh") == (
        "第 7 行 D 列「所在设区市代码」的值“379900”不是有效的设区市行政区划代码"
    )
    assert by_code["wrong_year"].message("en") == (
        "Row 12, column A (reporting year): “2023” is not the year of this import, 2024"
    )
    assert read.ok is False and [p.code for p in read.problems] == ["extra_sheet", "merged_cells"]


def test_merged_cells_fallback_reads_the_zip(survey_dictionary, survey_row, survey_uscc):
    data = bad_workbook(survey_dictionary, survey_row, survey_uscc)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(RETURNS_SHEET)
    assert merged_ranges_from_xlsx(data, RETURNS_SHEET) == sheet.merged_cell_ranges
    assert merged_ranges_from_xlsx(data, RETURNS_SHEET) == [((9, 2), (10, 2))]
    assert merged_ranges_from_xlsx(data, "no such sheet") == []
    assert merged_ranges_from_xlsx(b"not a zip", RETURNS_SHEET) == []


# -- sheets and headings ------------------------------------------------------------------


def test_extra_sheets_hidden_or_empty_only_warn(survey_dictionary, survey_row):
    data = user_workbook(
        survey_dictionary,
        {3: survey_row(1)},
        extra_sheets=[("Sheet3", False, False), ("WpsReserved", True, True), ("备注", False, True)],
    )
    read = read_returns_workbook(data, survey_dictionary)
    assert [(p.sheet, p.code, p.severity) for p in read.problems] == [
        ("备注", "extra_sheet", "error"),  # errors first, then warnings
        ("Sheet3", "extra_sheet", "warning"),
        ("WpsReserved", "extra_sheet", "warning"),
    ]


def test_known_sheets_are_not_extra(tmp_path, survey_dictionary, survey_row):
    path = tmp_path / "r.xlsx"
    write_returns_workbook(path, [survey_row(1)], survey_dictionary, YEAR)
    marked = highlight_errors(path.read_bytes(), [], "zh")  # adds the Errors sheet
    read = read_returns_workbook(marked, survey_dictionary)
    assert read.problems == [] and len(read.rows) == 1


def test_missing_sheet_and_unreadable_file(survey_dictionary, survey_row):
    data = user_workbook(survey_dictionary, {3: survey_row(1)}, sheet_name="Sheet1")
    read = read_returns_workbook(data, survey_dictionary)
    assert [(p.code, p.sheet) for p in read.problems] == [
        ("extra_sheet", "Sheet1"),
        ("missing_sheet", RETURNS_SHEET),
    ]
    assert (
        read.problems[1].message("zh") == "工作簿中没有“年报 Returns”工作表，请使用统计调查模板填报"
    )
    read = read_returns_workbook(b"PK\x03\x04 this is not a workbook", survey_dictionary)
    assert [p.code for p in read.problems] == ["unreadable"]
    assert read.problems[0].message("en").startswith("The file cannot be read (")


def test_returns_sheet_found_by_a_near_name(survey_dictionary, survey_row):
    data = user_workbook(survey_dictionary, {3: survey_row(1)}, sheet_name="2024年报")
    read = read_returns_workbook(data, survey_dictionary)
    assert read.sheet == "2024年报" and read.problems == [] and len(read.rows) == 1


def test_reordered_unknown_missing_and_duplicate_columns(
    survey_dictionary, survey_context, survey_row
):
    fields = survey_dictionary.fields
    zh = [f.header("zh") for f in fields]
    en = [f.header("en") for f in fields]
    # swap name (C) and uscc (B); drop main_products (I); add a notes column; repeat profit
    order = list(range(len(fields)))
    order[1], order[2] = 2, 1
    order.remove(8)
    head_zh = [zh[i] for i in order] + ["备注", zh[15]]
    head_en = [en[i] for i in order] + ["Notes", en[15]]
    row = survey_row(1, name=None)
    values = [row[fields[i].key] for i in order] + ["一些备注", 1.0]
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet(RETURNS_SHEET)
    ws.write_row(0, 0, head_zh)
    ws.write_row(1, 0, head_en)
    for c, v in enumerate(values):
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            ws.write_number(2, c, float(v))
        elif v is not None:
            ws.write_string(2, c, "否" if v is False else str(v))
    wb.close()
    read, result = check_workbook(out.getvalue(), year=YEAR, context=survey_context)
    problems = [(p.row, p.column, p.field_key, p.code, p.severity) for p in read.problems]
    assert (None, None, "main_products", "missing_column", "error") in problems
    assert (1, "B", "name", "columns_reordered", "warning") in problems
    assert (1, "C", "uscc", "columns_reordered", "warning") in problems
    notes, repeated = column_letter(len(order)), column_letter(len(order) + 1)  # after the rest
    assert (1, notes, None, "unknown_column", "error") in problems
    assert (1, repeated, "profit", "duplicate_column", "error") in problems
    assert read.columns["name"] == "B" and read.columns["uscc"] == "C"
    assert "main_products" not in read.columns
    # the row's own error is located in the column where the value really is
    assert [(e.row, e.column, e.code) for e in result.errors if e.row == 3] == [
        (3, "B", "required")
    ]
    messages = {p.code: p.message("zh") for p in read.problems}
    assert messages["missing_column"] == "缺少「主要产品及服务」列（模板中为 I 列）"
    assert (
        messages["unknown_column"]
        == f"第 1 行 {notes} 列的表头“备注”不是数据字典中的字段，该列不会被导入"
    )
    assert messages["duplicate_column"] == (
        f"第 1 行 {repeated} 列「利润总额」与 O 列是同一字段，只导入 O 列"
    )


def test_headings_that_disagree_or_are_missing(survey_dictionary, survey_row):
    zh = [("*" if f.required else "") + f.header("zh") for f in survey_dictionary.fields]
    en = [f.header("en") for f in survey_dictionary.fields]
    en[2] = "City code"  # the name column's English heading names another field
    en[3] = "Town"  # not a field: tolerated (the Chinese heading identifies it), with a warning
    zh.append(None)
    en.append(None)
    rows = {3: dict(survey_row(1)), 4: survey_row(2)}
    data = user_workbook(survey_dictionary, rows, headers=(zh, en))
    read = read_returns_workbook(data, survey_dictionary)
    assert [(p.row, p.column, p.code, p.severity) for p in read.problems] == [
        (2, "C", "bad_header", "error"),
        (2, "D", "bad_header", "warning"),
    ]
    assert read.problems[0].message("en") == (
        "Row 2, column C (enterprise name): heading “City code” should be "
        "“企业名称 / Enterprise name”"
    )


def test_no_heading_rows(survey_dictionary, survey_row):
    values = [survey_row(1)[f.key] for f in survey_dictionary.fields]
    values = [("否" if v is False else v) for v in values]
    data = user_workbook(
        survey_dictionary, {}, headers=([str(v) if v is not None else None for v in values],)
    )
    read = read_returns_workbook(data, survey_dictionary)
    assert [p.code for p in read.problems] == ["no_header"]
    assert read.rows == []


def test_english_heading_row_deleted(survey_dictionary, survey_row):
    """Data typed straight under the Chinese headings: row 2 is data, reported, not lost."""
    zh = [f.header("zh") for f in survey_dictionary.fields]
    row = survey_row(1)
    first = [("否" if row[f.key] is False else row[f.key]) for f in survey_dictionary.fields]
    data = user_workbook(
        survey_dictionary,
        {3: survey_row(2)},
        headers=(zh, [str(v) if v is not None else None for v in first]),
    )
    read = read_returns_workbook(data, survey_dictionary)
    assert [(p.row, p.code) for p in read.problems] == [(2, "no_header")]
    assert [r for r, _ in read.rows] == [2, 3]


def test_data_in_a_column_without_heading(survey_dictionary, survey_row):
    zh = [f.header("zh") for f in survey_dictionary.fields] + [None]
    en = [f.header("en") for f in survey_dictionary.fields] + [None]
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet(RETURNS_SHEET)
    for r, heading in enumerate((zh, en)):
        for c, text in enumerate(heading):
            if text:
                ws.write_string(r, c, text)
    ws.write_string(2, 0, "2024")
    ws.write_string(4, len(zh) - 1, "stray")
    wb.close()
    read = read_returns_workbook(out.getvalue(), survey_dictionary)
    [problem] = read.problems
    assert (problem.code, problem.column, problem.params["first_row"]) == (
        "unnamed_column",
        column_letter(len(zh) - 1),
        5,
    )


# -- the highlighted workbook ---------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_highlight_errors(survey_dictionary, survey_context, survey_row, survey_uscc, lang):
    data = bad_workbook(survey_dictionary, survey_row, survey_uscc)
    _read, result = check_workbook(data, year=YEAR, context=survey_context)
    marked = highlight_errors(data, result.errors, lang)
    wb = openpyxl.load_workbook(io.BytesIO(marked))
    assert wb.sheetnames == [RETURNS_SHEET, "Sheet2", ERRORS_SHEET]
    assert wb.active.title == ERRORS_SHEET
    ws = wb[RETURNS_SHEET]
    located = [e for e in result.errors if e.sheet == RETURNS_SHEET]
    for e in located:
        # C11 lies in the merged range C10:C11: its message goes to C10, the visible cell
        ref = "C10" if (e.column, e.row) == ("C", 11) else f"{e.column}{e.row}"
        cell = ws[ref]
        assert cell.fill.fgColor.rgb.endswith("FFC7CE"), ref
        assert e.message(lang) in cell.comment.text
        assert cell.comment.author == "eco311"
    assert ws["C3"].comment is None and ws["C3"].fill.fill_type is None  # untouched
    assert len(ws["B4"].value) == 18 and ws["S5"].value == "三百人"  # the data is kept
    listing = wb[ERRORS_SHEET]
    assert listing["A1"].value == "工作表 Sheet" and listing["H1"].value == "说明 Message"
    assert listing.max_row == len(result.errors) + 1
    body = [[c.value for c in row] for row in listing.iter_rows(min_row=2)]
    assert body[0][0] == "Sheet2" and body[0][1] is None
    assert body[0][7] == result.errors[0].message(lang)
    negative = next(r for r in body if r[5] == "negative")
    assert negative[:5] == [
        RETURNS_SHEET,
        6,
        "J",
        "营业收入" if lang == "zh" else "Operating revenue",
        "-100",
    ]
    assert negative[6] == ("错误" if lang == "zh" else "Error")


def test_highlight_again_replaces_the_old_marks(
    survey_dictionary, survey_context, survey_row, survey_uscc
):
    data = bad_workbook(survey_dictionary, survey_row, survey_uscc)
    _read, result = check_workbook(data, year=YEAR, context=survey_context)
    first = highlight_errors(data, result.errors, "zh")
    only = [e for e in result.errors if e.code == "wrong_year"]
    warning = next(e for e in result.errors if e.code == "required")
    warning = type(warning)(**{**warning.to_dict(), "severity": "warning"})
    second = highlight_errors(first, [*only, warning], "en")
    wb = openpyxl.load_workbook(io.BytesIO(second))
    ws = wb[RETURNS_SHEET]
    assert ws["B4"].comment is None and ws["B4"].fill.fill_type is None
    assert ws["A12"].comment.text == only[0].message("en")
    assert ws["C9"].fill.fgColor.rgb.endswith("FFEB9C")  # warnings are yellow
    assert wb[ERRORS_SHEET].max_row == 3
    assert wb.sheetnames.count(ERRORS_SHEET) == 1


def test_highlight_rejects_a_non_workbook():
    with pytest.raises(ValueError, match="not an .xlsx workbook"):
        highlight_errors(b"nothing", [], "zh")
