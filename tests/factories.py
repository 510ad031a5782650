"""Small factories: one enterprise, one annual return, one user of a role, built with the models.

For tests that need a single object: the session data (tests/conftest.py) already holds the
areas, the plans, the personas and a 200-enterprise survey population, so a test adds only what
it checks. Tests get this module through the `factories` fixture (the suite imports its files
with --import-mode=importlib, so they cannot import one another by name).
"""

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from eco311.accounts.models import Membership, Role
from eco311.enterprises.models import AnnualReturn, Enterprise, IndustryCode, Segment
from eco311.enterprises.reference import load_industry_codes
from eco311.enterprises.survey.synthetic import MAX_ENTERPRISES, synthetic_uscc
from eco311.geo.models import Area

# Generated populations number their enterprises 1, 2, 3, ...; the factories count down from the
# top of the serial range, so their codes never meet a population's.
_serials = itertools.count(MAX_ENTERPRISES, -1)
_usernames = itertools.count(1)

JINAN = "370100"

# A complete return as the survey asks for it (万元, persons, counts): plausible, not random.
RETURN_VALUES = {
    "total_revenue": Decimal("52000.00"),
    "env_revenue_manufacturing": Decimal("12000.00"),
    "env_revenue_services": Decimal("3000.00"),
    "env_revenue_resource": Decimal("0.00"),
    "output_value": Decimal("48000.00"),
    "added_value": Decimal("15000.00"),
    "profit": Decimal("4200.00"),
    "taxes": Decimal("1800.00"),
    "exports": Decimal("2500.00"),
    "rd_spending": Decimal("1600.00"),
    "rd_staff": 35,
    "employees": 420,
    "invention_patents": 6,
    "standards_national": 0,
    "standards_industry": 1,
    "env_violations": 0,
}


def uscc(city_code: str = JINAN) -> str:
    """A fresh synthetic unified social credit code, unused by any generated population."""
    return synthetic_uscc(next(_serials), city_code)


def enterprise(city_code: str = JINAN, **fields) -> Enterprise:
    """An enterprise of the city (Jinan unless told), in the first industry class."""
    industry = IndustryCode.objects.order_by("code").first()
    if industry is None:
        load_industry_codes()
        industry = IndustryCode.objects.order_by("code").first()
    values = {
        "uscc": uscc(city_code),
        "city": Area.objects.get(kind="city", code=city_code),
        "industry": industry,
        "segment": Segment.values[0],
        "synthetic": True,
    }
    values.update(fields)
    values.setdefault("name", f"测试环保科技有限公司{values['uscc'][-6:]}（合成）")
    return Enterprise.objects.create(**values)


def annual_return(
    of: Enterprise | None = None,
    year: int = 2024,
    status: str = AnnualReturn.Status.APPROVED,
    **fields,
) -> AnnualReturn:
    """One annual return (approved unless told) with complete figures, of a new enterprise
    unless one is given."""
    values = {**RETURN_VALUES, **fields}
    return AnnualReturn.objects.create(
        enterprise=of or enterprise(), year=year, status=status, synthetic=True, **values
    )


def user(role: str = Role.CITY, username: str | None = None, **membership):
    """A user with a membership of the role; a city user acts for Jinan unless told."""
    if role == Role.CITY and "area" not in membership:
        membership["area"] = Area.objects.get(kind="city", code=JINAN)
    u = get_user_model().objects.create_user(
        username=username or f"user-{next(_usernames)}", password="pw"
    )
    Membership.objects.create(user=u, role=role, **membership)
    return u


def unregistered(rows: list[dict]) -> list[dict]:
    """The generated rows whose enterprise is not yet in the registry: a workbook of them
    creates every one, whatever the session population holds."""
    known = set(
        Enterprise.objects.filter(uscc__in=[r["uscc"] for r in rows]).values_list("uscc", flat=True)
    )
    return [r for r in rows if r["uscc"] not in known]
