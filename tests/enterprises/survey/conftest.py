"""Fixtures for the survey core tests (pure: no database).

Fixture names start with ``survey_`` so they do not clash with other modules' fixtures.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from stdnum.cn import uscc as stdnum_uscc

from eco311.enterprises.survey.dictionary import load_dictionary
from eco311.enterprises.survey.validate import ValidationContext

YEAR = 2024

#: A few real GB/T 2260 county codes -> their city.
COUNTIES = {
    "370102": "370100",  # 历下区
    "370103": "370100",  # 市中区
    "370202": "370200",  # 市南区
    "370211": "370200",  # 黄岛区
    "370613": "370600",  # 莱山区
    "370784": "370700",  # 安丘市
}
#: A small set of GB/T 4754-2017 classes.
INDUSTRIES = {"3591", "4021", "4620", "7721", "7820", "4220", "0111"}


def make_uscc(n: int, region: str = "370100") -> str:
    """A valid synthetic USCC: 9 1 <region> MA<7 digits> + check character (stdnum)."""
    body = f"91{region}MA{n:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


def valid_row(n: int = 1, **changes) -> dict:
    """A complete, valid return (values as Python code would give them)."""
    row = {
        "year": YEAR,
        "uscc": make_uscc(n),
        "name": f"山东示例环保科技有限公司{n}",
        "city_code": "370100",
        "county_code": "370102",
        "park_key": None,
        "industry_code": "3591",
        "segment": "manufacturing",
        "main_products": "污水处理成套设备、膜组件",
        "total_revenue": Decimal("12345.67"),
        "env_revenue_manufacturing": Decimal("8000"),
        "env_revenue_services": Decimal("1500.5"),
        "env_revenue_resource": Decimal("0"),
        "output_value": Decimal("13000"),
        "added_value": Decimal("3900.25"),
        "profit": Decimal("-120.5"),
        "taxes": Decimal("410"),
        "exports": Decimal("55.8"),
        "employees": 320,
        "main_product_unit": "台（套）",
        "main_product_capacity": Decimal("500"),
        "main_product_output": Decimal("430"),
        "rd_spending": Decimal("610.3"),
        "rd_staff": 41,
        "invention_patents": 12,
        "standards_national": 1,
        "standards_industry": 2,
        "credit_rating": "A",
        "env_violations": 0,
        "major_violation": False,
        "chain_nodes": None,  # optional: most enterprises leave it to the platform's proposal
    }
    row.update(changes)
    return row


@pytest.fixture(scope="session")
def survey_dictionary():
    return load_dictionary()


@pytest.fixture(scope="session")
def survey_context():
    return ValidationContext.from_areas(counties=COUNTIES, industries=INDUSTRIES)


@pytest.fixture(scope="session")
def survey_row():
    """``survey_row(n, **changes)``: a complete valid return dict."""
    return valid_row


@pytest.fixture(scope="session")
def survey_uscc():
    """``survey_uscc(n)``: a valid synthetic unified social credit code."""
    return make_uscc
