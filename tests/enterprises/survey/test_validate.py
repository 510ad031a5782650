"""Row validation: typed clean rows, and every error code located with bilingual messages."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from stdnum.cn import uscc as stdnum_uscc

from eco311.enterprises.survey.validate import (
    MESSAGES,
    CellError,
    ValidationContext,
    display_value,
    validate_rows,
)

YEAR = 2024
SHEET = "年报 Returns"

_BODY = "91370100MA0000001"
_CHECK = stdnum_uscc.calc_check_digit(_BODY)
#: The code of survey_row(1) with a wrong check character.
BAD_CHECK = _BODY + ("0" if _CHECK != "0" else "1")


def check(rows, context, **kwargs):
    """Validate ``rows`` given as dicts; Excel rows are numbered from 3."""
    numbered = [(i, row) for i, row in enumerate(rows, start=3)]
    return validate_rows(numbered, year=YEAR, sheet=SHEET, context=context, **kwargs)


def test_a_valid_row_gives_typed_values(survey_context, survey_row):
    result = check([survey_row(1)], survey_context)
    assert result.ok and result.errors == [] and result.warnings == []
    assert result.checked == 1
    [row] = result.rows
    assert row.row == 3
    v = row.values
    assert v["year"] == 2024 and type(v["year"]) is int
    assert v["uscc"] == survey_row(1)["uscc"]
    assert v["total_revenue"] == Decimal("12345.67")
    assert isinstance(v["profit"], Decimal) and v["profit"] == Decimal("-120.50")
    assert v["employees"] == 320 and type(v["employees"]) is int
    assert v["segment"] == "manufacturing"
    assert v["credit_rating"] == "A"
    assert v["major_violation"] is False
    assert v["park_key"] is None
    assert row["county_code"] == "370102"


def test_values_as_calamine_gives_them(survey_context, survey_row, survey_uscc):
    """Floats for numbers and numeric-looking codes, labels for enums, text for bools."""
    row = survey_row(
        2,
        year=2024.0,
        uscc=survey_uscc(2),
        city_code=370100.0,
        county_code=370102.0,
        industry_code="3591",
        segment="环境服务业",
        total_revenue=1234.56,
        env_revenue_manufacturing=0.1,
        env_revenue_services=0.2,
        env_revenue_resource=1000.0,
        employees=320.0,
        rd_staff=41.0,
        credit_rating="B级",
        major_violation="是",
        park_key="济南集群",  # not a park: a cluster's name
    )
    result = check([row], survey_context)
    assert [e.code for e in result.errors] == ["unknown_park"]
    row["park_key"] = None
    result = check([row], survey_context)
    assert result.ok, [e.message("en") for e in result.errors]
    v = result.rows[0].values
    assert v["year"] == 2024 and type(v["year"]) is int
    assert v["city_code"] == "370100" and v["county_code"] == "370102"
    assert v["total_revenue"] == Decimal("1234.56")  # not 1234.5599999999999
    assert v["env_revenue_manufacturing"] == Decimal("0.10")
    assert v["segment"] == "services"
    assert v["credit_rating"] == "B"
    assert v["major_violation"] is True
    assert v["employees"] == 320 and type(v["employees"]) is int


def test_codes_stay_text(survey_context, survey_row):
    """Leading zeros and long digit strings survive; no code becomes a float."""
    row = survey_row(3, industry_code="0111", county_code="370102")
    result = check([row], survey_context)
    assert result.ok
    v = result.rows[0].values
    assert v["industry_code"] == "0111"
    assert v["county_code"] == "370102"
    assert v["uscc"].startswith("91370100") and len(v["uscc"]) == 18
    assert all(type(v[k]) is str for k in ("uscc", "city_code", "county_code", "industry_code"))


def test_numbers_in_text_cells(survey_context, survey_row):
    row = survey_row(
        4,
        total_revenue="12,345.60",
        env_revenue_manufacturing=" 100 ",
        employees="320",
        rd_staff="41.0",
        major_violation="否",
        segment="Resource recycling",
    )
    result = check([row], survey_context)
    assert result.ok, [e.message("en") for e in result.errors]
    v = result.rows[0].values
    assert v["total_revenue"] == Decimal("12345.60")
    assert v["env_revenue_manufacturing"] == Decimal("100")
    assert v["employees"] == 320 and v["rd_staff"] == 41
    assert v["segment"] == "resource"


def test_drop_down_entries_and_names(survey_context, survey_row):
    """The template's drop-downs read "370100 济南市"; park names are accepted too."""
    row = survey_row(
        5,
        city_code="370200 青岛市",
        county_code="370211",
        park_key="park-qingdao-shanghe 青岛上合生态环保产业特色园区",
    )
    result = check([row], survey_context)
    assert result.ok, [e.message("en") for e in result.errors]
    assert result.rows[0]["city_code"] == "370200"
    assert result.rows[0]["park_key"] == "park-qingdao-shanghe"
    row = survey_row(6, city_code="青岛市", county_code="370211", park_key="青岛上合")
    result = check([row], survey_context)
    assert result.ok and result.rows[0]["park_key"] == "park-qingdao-shanghe"
    assert result.rows[0]["city_code"] == "370200"


def test_blank_optional_cells_are_none(survey_context, survey_row):
    row = survey_row(7)
    for key in ("county_code", "main_products", "profit", "credit_rating", "major_violation"):
        row[key] = "  " if key == "main_products" else None
    del row["exports"]  # a missing key is a blank cell
    result = check([row], survey_context)
    assert result.ok
    v = result.rows[0].values
    assert v["county_code"] is None and v["main_products"] is None and v["exports"] is None
    assert v["profit"] is None and v["major_violation"] is None


# -- every error code, from a real case ------------------------------------------------

CASES = [
    # (code, changes, field, column, zh fragment, en fragment)
    ("required", {"name": None}, "name", "C", "为必填项", "a value is required"),
    ("required", {"uscc": ""}, "uscc", "B", "为必填项", "a value is required"),
    (
        "bad_uscc",
        {"uscc": BAD_CHECK},
        "uscc",
        "B",
        "校验位错误",
        "check character is wrong",
    ),
    ("bad_uscc", {"uscc": "9137010012345"}, "uscc", "B", "应为 18 位", "13 characters"),
    (
        "bad_uscc",
        {"uscc": "91370100MA0000000I"},
        "uscc",
        "B",
        "不允许的字符",
        "characters a unified social credit code cannot have",
    ),
    (
        "mangled_code",
        {"uscc": 9.13701001234568e17},
        "uscc",
        "B",
        "科学计数法",
        "scientific notation",
    ),
    ("mangled_code", {"uscc": "9.13701E+17"}, "uscc", "B", "科学计数法", "scientific notation"),
    ("mangled_code", {"industry_code": 111.0}, "industry_code", "G", "开头的 0", "leading zeros"),
    ("bad_code", {"city_code": "3701"}, "city_code", "D", "应为 6 位数字", "should be 6 digits"),
    ("bad_code", {"industry_code": "C3591"}, "industry_code", "G", "应为 4 位数字", "4 digits"),
    (
        "not_a_number",
        {"total_revenue": "一万二"},
        "total_revenue",
        "J",
        "不是数字",
        "is not a number",
    ),
    ("not_a_number", {"employees": "约300"}, "employees", "S", "不是数字", "is not a number"),
    ("not_an_integer", {"employees": 12.5}, "employees", "S", "不是整数", "not a whole number"),
    (
        "negative",
        {"total_revenue": Decimal("-5")},
        "total_revenue",
        "J",
        "不能为负数",
        "is negative",
    ),
    ("negative", {"rd_staff": -1}, "rd_staff", "X", "不能为负数", "is negative"),
    ("below_min", {"profit": -2e8}, "profit", "P", "小于下限 -100000000万元", "below the minimum"),
    ("below_min", {"year": 1999}, "year", "A", "小于下限 2000", "below the minimum of 2000"),
    (
        "above_max",
        {"total_revenue": 123456789012},
        "total_revenue",
        "J",
        "大于上限 100000000万元",
        "above the maximum of 100000000 10k yuan",
    ),
    (
        "text_too_long",
        {"name": "企" * 101},
        "name",
        "C",
        "有 101 个字符，超过上限 100 个字符",
        "101 characters",
    ),
    ("bad_enum", {"segment": "其他"}, "segment", "H", "可选：环保制造业、环境服务业", "allowed"),
    ("bad_enum", {"credit_rating": "E"}, "credit_rating", "AB", "不是可选值", "(Grade A, Grade B"),
    ("bad_enum", {"major_violation": "不清楚"}, "major_violation", "AD", "是、否", "Yes, No"),
    (
        "unknown_city",
        {"city_code": "379900", "county_code": None},
        "city_code",
        "D",
        "不是有效的设区市",
        "not the code of a known city",
    ),
    (
        "unknown_county",
        {"county_code": "370199"},
        "county_code",
        "E",
        "不是有效的县",
        "known county",
    ),
    (
        "county_not_in_city",
        {"city_code": "370200"},
        "county_code",
        "E",
        "不属于所填设区市“370200”（D 列）",
        "is not in the city “370200” given in column D",
    ),
    (
        "unknown_park",
        {"park_key": "park-nowhere"},
        "park_key",
        "F",
        "不是“311”工程",
        "park-qingdao-shanghe",
    ),
    (
        "park_not_in_city",
        {"park_key": "park-qingdao-shanghe"},
        "park_key",
        "F",
        "不在所填设区市“370100”",
        "not in the city “370100”",
    ),
    (
        "unknown_industry",
        {"industry_code": "9999"},
        "industry_code",
        "G",
        "GB/T 4754-2017",
        "GB/T 4754-2017",
    ),
    (
        "wrong_year",
        {"year": 2023},
        "year",
        "A",
        "与本次导入的年份 2024 不一致",
        "year of this import, 2024",
    ),
    (
        "sum_exceeds_total",
        {"total_revenue": Decimal("9000")},
        "total_revenue",
        "J",
        "小于「环保制造业收入」、「环境服务业收入」、「资源综合利用业收入」之和 9500.5（K+L+M 列）",
        "less than the sum of environmental manufacturing revenue, environmental services "
        "revenue, resource recycling revenue, 9500.5 (columns K+L+M)",
    ),
    (
        "rd_staff_exceeds_employees",
        {"rd_staff": 400},
        "rd_staff",
        "X",
        "多于年末从业人员 320（S 列）",
        "more than the employees at year end, 320 (column S)",
    ),
    (
        "required_with",
        {"main_product_unit": None},
        "main_product_unit",
        "T",
        "已填写「主要产品生产能力」、「主要产品产量」",
        "because main product capacity, main product output is given",
    ),
]


@pytest.mark.parametrize(
    ("code", "changes", "field", "column", "zh", "en"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_error_codes(survey_context, survey_row, code, changes, field, column, zh, en):
    result = check([survey_row(10, **changes)], survey_context)
    assert [(e.code, e.field_key, e.column, e.row) for e in result.errors] == [
        (code, field, column, 3)
    ], [e.message("en") for e in result.errors]
    assert result.rows == []  # a row with an error is not clean
    error = result.errors[0]
    label_zh = error.location("zh").split("「")[1].rstrip("」")
    message_zh, message_en = error.message("zh"), error.message("en")
    assert message_zh.startswith(f"第 3 行 {column} 列「{label_zh}」")
    assert message_en.startswith(f"Row 3, column {column} (")
    assert zh in message_zh
    assert en in message_en
    for message in (message_zh, message_en):
        assert "{" not in message and "}" not in message
    stored = json.loads(json.dumps(error.to_dict()))  # storable as JSON (import ledger)
    assert CellError.from_dict(stored).message("en") == message_en


def test_message_format_of_the_issue(survey_context, survey_row):
    bad = BAD_CHECK
    [error] = check([survey_row(1, uscc=bad)], survey_context).errors
    assert error.message("zh") == f"第 3 行 B 列「统一社会信用代码」的值“{bad}”校验位错误"
    assert error.message("en") == (
        f"Row 3, column B (unified social credit code): check character is wrong for “{bad}”"
    )
    assert error.message("zh-hans") == error.message("zh")
    assert error.value == bad and error.sheet == SHEET


def test_long_values_are_clipped_in_messages(survey_context, survey_row):
    [error] = check([survey_row(1, segment="环" * 150)], survey_context).errors
    assert error.value == "环" * 150
    assert "“" + "环" * 39 + "…”" in error.message("zh")


def test_every_row_level_code_is_exercised():
    workbook_codes = {
        "unreadable",
        "missing_sheet",
        "extra_sheet",
        "no_header",
        "unknown_column",
        "unnamed_column",
        "missing_column",
        "duplicate_column",
        "bad_header",
        "columns_reordered",
        "merged_cells",
        "no_data",
        "too_large",  # tests/enterprises/survey/test_workbook_hostile.py
        "import_failed",  # tests/enterprises/test_import_hostile.py
    }
    # Row-level codes exercised in other files: a formula cell (test_workbook_hostile.py), an
    # empty reference table (tests/test_setup.py).
    elsewhere = {"formula", "empty_reference"}
    tested = {c[0] for c in CASES} | {"duplicate_enterprise", "output_exceeds_capacity"} | elsewhere
    codes = {key.split(".")[0] for key in MESSAGES}
    assert codes - workbook_codes == tested


def test_duplicate_enterprise_reports_every_row(survey_context, survey_row):
    rows = [survey_row(1), survey_row(2), survey_row(1, name="重复企业"), survey_row(3)]
    result = check(rows, survey_context)
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (3, "B", "duplicate_enterprise"),
        (5, "B", "duplicate_enterprise"),
    ]
    assert result.errors[0].params["other_rows"] == [5]
    assert "另见第 5 行" in result.errors[0].message("zh")
    assert "see also row 3" in result.errors[1].message("en")
    assert [r.row for r in result.rows] == [4, 6]


def test_warning_does_not_block(survey_context, survey_row):
    row = survey_row(1, main_product_capacity=Decimal("100"), main_product_output=Decimal("151"))
    result = check([row], survey_context)
    assert result.ok and len(result.rows) == 1
    [warning] = result.warnings
    assert (warning.code, warning.column, warning.severity) == (
        "output_exceeds_capacity",
        "V",
        "warning",
    )
    assert "超过主要产品生产能力 100（U 列）的 1.5 倍" in warning.message("zh")
    assert "more than 1.5 times the main product capacity, 100 (column U)" in warning.message("en")
    row["main_product_output"] = Decimal("150")
    assert check([row], survey_context).warnings == []


def test_several_errors_in_one_row_in_column_order(survey_context, survey_row):
    row = survey_row(1, name=None, total_revenue="n/a", employees=-3, year=2023)
    result = check([row], survey_context)
    assert [(e.column, e.code) for e in result.errors] == [
        ("A", "wrong_year"),
        ("C", "required"),
        ("J", "not_a_number"),
        ("S", "negative"),
    ]


def test_rules_skip_cells_that_already_failed(survey_context, survey_row):
    # employees is not a number: no rd_staff_exceeds_employees on top of it
    result = check([survey_row(1, employees="many", rd_staff=10**5)], survey_context)
    assert [e.code for e in result.errors] == ["not_a_number"]


def test_counties_without_a_table_use_the_code_prefix(survey_row):
    context = ValidationContext(cities={"370100", "370200"}, parks=["park-qingdao-shanghe"])
    assert check([survey_row(1, county_code="370102")], context).ok
    result = check([survey_row(1, county_code="370211")], context)
    assert [e.code for e in result.errors] == ["county_not_in_city"]
    # industries=None: only the form of the code is checked; a bare set of parks: no city check
    assert check([survey_row(1, industry_code="9999")], context).ok
    assert check([survey_row(1, park_key="park-qingdao-shanghe")], context).ok


def test_columns_locate_errors_and_skip_absent_fields(
    survey_context, survey_dictionary, survey_row
):
    columns = {f.key: f.letter for f in survey_dictionary.fields}
    columns["name"], columns["uscc"] = "B", "C"  # swapped in the user's sheet
    del columns["main_products"]  # missing column: reported by the reader, not per row
    row = survey_row(1, name=None, main_products="x" * 500)
    result = check([row], survey_context, columns=columns)
    assert [(e.column, e.field_key, e.code) for e in result.errors] == [("B", "name", "required")]


def test_display_value():
    assert display_value(370102.0) == "370102"
    assert display_value(1234.5) == "1234.5"
    assert display_value(9.13701e17) == "9.13701e+17"
    assert display_value(True) == "TRUE"
    assert display_value(Decimal("1E+2")) == "100"
    assert display_value(None) == ""


def test_cell_error_without_a_cell():
    error = CellError("Sheet2", None, None, None, "Sheet2", "extra_sheet", {"expected": SHEET})
    assert error.message("zh") == (
        "工作簿中有多余的工作表“Sheet2”，其内容不会被导入；请只在“年报 Returns”中填报"
    )
    assert error.message("en").startswith("The workbook has an unexpected sheet “Sheet2”")


def test_validation_of_many_rows_is_streamed(survey_context, survey_row):
    rows = ((i, survey_row(i)) for i in range(3, 503))
    result = validate_rows(rows, year=YEAR, sheet=SHEET, context=survey_context)
    assert result.ok and len(result.rows) == 500 and result.checked == 500
