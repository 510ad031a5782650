"""Enterprises of the annual survey: the directory and one enterprise with its returns.

The same rules as the enterprise pages (accounts/scopes.py): the administrator and the
provincial departments see every enterprise, a city bureau its city's, a park committee its
park's, an enterprise user its own; banks and the public get 403. An enterprise outside the
caller's scope answers 404, like one that does not exist.
"""

from datetime import date
from typing import Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from eco311.accounts.lookups import enterprises_for_user, get_enterprise_for_user
from eco311.accounts.scopes import actor
from eco311.api.common import (
    ERRORS,
    MAX_PAGE_SIZE,
    Bilingual,
    PageInfo,
    Value,
    bilingual,
    label_in_both,
    paginate,
    plain_value,
)
from eco311.core.forms import control_character_message
from eco311.enterprises import directory
from eco311.enterprises.models import AnnualReturn, Enterprise, Segment, Tag

router = Router(tags=["enterprises"])

SegmentKey = Literal[tuple(Segment.values)]
TagKind = Literal[tuple(Tag.Kind.values)]


class EnterpriseFilters(Schema):
    city: str = Field("", description="City code (GB/T 2260), e.g. 370100")
    park: str = Field("", description="Park key, e.g. park-taian-feicheng")
    segment: SegmentKey | None = Field(None, description="Business segment")
    tag: TagKind | None = Field(None, description="Holds this cultivation tag today")
    q: str = Field("", description="Part of the name, a former name or the credit code")

    @field_validator("city", "park", "q")
    @classmethod
    def no_control_characters(cls, value: str) -> str:
        """A control character (a NUL byte: a server error on PostgreSQL) is refused, 422."""
        problem = control_character_message(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class CityRef(Schema):
    code: str = Field(description="GB/T 2260 code")
    name: Bilingual


class ParkRef(Schema):
    key: str
    name: Bilingual


class IndustryRef(Schema):
    code: str = Field(description="GB/T 4754-2017 four-digit class")
    name: Bilingual


class EnterpriseSummary(Schema):
    uscc: str = Field(description="Unified social credit code (18 characters)")
    name: str
    city: CityRef
    park: ParkRef | None = Field(description="The characteristic park it lies in, if any")
    segment: SegmentKey
    industry: str = Field(description="GB/T 4754-2017 industry class code")
    latest_year: int | None = Field(description="The latest year it has a return for")
    tags: list[TagKind] = Field(description="Cultivation tags it holds today")
    synthetic: bool = Field(description="Generated demonstration data, not a real enterprise")


class EnterprisePage(PageInfo):
    total_in_scope: int = Field(description="Enterprises in the caller's scope, before filters")
    items: list[EnterpriseSummary]


class TagOut(Schema):
    kind: TagKind
    label: Bilingual
    stage: str
    granted_on: date
    revoked_on: date | None = Field(description="Set when the tag was revoked; the row stays")
    active: bool = Field(description="Held today")


class FormerNameOut(Schema):
    name: str
    until: date | None = Field(description="The last day it was used, if known")


class ReturnOut(Schema):
    year: int
    status: Literal[tuple(AnnualReturn.Status.values)]
    batch: int | None = Field(description="The import batch that last wrote it")
    values: dict[str, Value] = Field(
        description="Survey field key -> value, as the data dictionary (/survey/) defines "
        "them: money and other decimals as strings (万元, exact to the fen), counts as "
        "integers, blank as null"
    )


class EnterpriseDetail(Schema):
    uscc: str
    name: str
    city: CityRef
    county_code: str
    park: ParkRef | None
    industry: IndustryRef
    segment: SegmentKey
    segment_label: Bilingual
    main_products: str
    synthetic: bool
    tags: list[TagOut] = Field(description="Every tag it held or holds, oldest first")
    former_names: list[FormerNameOut]
    returns: list[ReturnOut] = Field(description="Its annual returns, by year")


def _city(e: Enterprise) -> dict:
    return {"code": e.city.code, "name": bilingual(e.city.name_zh, e.city.name_en)}


def _park(e: Enterprise) -> dict | None:
    if e.park_id is None:
        return None
    return {"key": e.park.key, "name": bilingual(e.park.name_zh, e.park.name_en)}


def _summary(e: Enterprise) -> dict:
    return {
        "uscc": e.uscc,
        "name": e.name,
        "city": _city(e),
        "park": _park(e),
        "segment": e.segment,
        "industry": e.industry.code,
        "latest_year": e.latest_year,
        "tags": sorted({t.kind for t in e.active_tags}),
        "synthetic": e.synthetic,
    }


def _return(r: AnnualReturn, fields) -> dict:
    return {
        "year": r.year,
        "status": r.status,
        "batch": r.batch_id,
        "values": {f.key: plain_value(getattr(r, f.key)) for f in fields},
    }


@router.get(
    "/enterprises",
    response={200: EnterprisePage, **ERRORS},
    summary="Enterprises in the caller's scope",
)
def list_enterprises(
    request,
    filters: Query[EnterpriseFilters],
    page: int = Query(1, ge=1, description="Page number, from 1"),
    page_size: int = Query(directory.PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    """The enterprise directory, filtered like the /enterprises/ page and limited to the
    caller's scope: all for the administrator and departments, a city's or a park's for
    their officials, its own for an enterprise user; 403 for banks and the public."""
    a = actor(request)
    if not a.can_see_enterprises:
        raise PermissionDenied
    scoped = enterprises_for_user(a)
    found = directory.search(scoped, directory.Filters.from_query(filters.dict()))
    info, items = paginate(directory.for_listing(found), page, page_size)
    return {**info, "total_in_scope": scoped.count(), "items": [_summary(e) for e in items]}


@router.get(
    "/enterprises/{uscc}",
    response={200: EnterpriseDetail, **ERRORS},
    summary="One enterprise: registry, tags, former names and returns",
)
def get_enterprise(request, uscc: str):
    """One enterprise the caller may see; 404 if it is outside their scope (or unknown),
    403 for roles that never see enterprises."""
    e = get_enterprise_for_user(request, uscc)
    fields = directory.return_fields()
    return {
        "uscc": e.uscc,
        "name": e.name,
        "city": _city(e),
        "county_code": e.county_code,
        "park": _park(e),
        "industry": {
            "code": e.industry.code,
            "name": bilingual(e.industry.name_zh, e.industry.name_en),
        },
        "segment": e.segment,
        "segment_label": label_in_both(Segment(e.segment).label),
        "main_products": e.main_products,
        "synthetic": e.synthetic,
        "tags": [
            {
                "kind": t.kind,
                "label": label_in_both(Tag.Kind(t.kind).label),
                "stage": t.stage,
                "granted_on": t.granted_on,
                "revoked_on": t.revoked_on,
                "active": active,
            }
            for t, active in directory.tags_of(e)
        ],
        "former_names": [{"name": f.name, "until": f.until} for f in e.former_names.all()],
        "returns": [
            _return(r, fields)
            for r in directory.visible_returns(e, drafts=actor(request).sees_draft_returns_of(e))
        ],
    }
