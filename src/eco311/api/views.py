"""The JSON API: plans, targets, progress reports and statuses, with the same scopes as the UI.

The enterprise survey, its import ledger and the computed indicators are in their own routers
(api/enterprises.py, api/survey.py, api/indicators.py); docs/api.md lists every endpoint.

Authentication is a bearer token (Authorization: Bearer eco_…) or the browser session;
anonymous callers get what the public sees. A write with the session (no bearer token) must
carry the session's CSRF token, like any form of the site: otherwise another site could make a
logged-in browser write through the API.
"""

from datetime import date

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
    ValidationError,
)
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security.http import HttpAuthBase
from ninja.utils import check_csrf

from eco311.accounts.lookups import get_report_for_user, get_target_for_user
from eco311.accounts.models import ApiToken
from eco311.accounts.scopes import actor
from eco311.api import chains, enterprises, indicators, survey
from eco311.api.common import ERRORS, PUBLIC
from eco311.plans import display, tracking, workflow
from eco311.plans.export import plan_to_dict, target_to_dict
from eco311.plans.models import Plan, ProgressReport
from eco311.plans.overview import rows_for, targets_qs

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer …` header (the scheme is case-insensitive, as
    RFC 9110 says); None for no header or any other scheme."""
    scheme, _sep, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class BearerToken(HttpAuthBase):
    """Who is asking: the token's user, else the browser session, else the public.

    Only a bearer token is a credential the browser does not add by itself. Any other request
    that writes with a logged-in session, whatever else its Authorization header says, passes
    Django's CSRF check first (403 without the session's CSRF token).
    """

    openapi_scheme = "bearer"
    openapi_bearerFormat = "eco_…"

    def __call__(self, request):
        raw = bearer_token(request.headers.get("Authorization", ""))
        if raw is not None:
            token = ApiToken.lookup(raw) if raw else None
            if token is None or not token.user.is_active:
                raise HttpError(401, _("invalid or revoked token"))
            ApiToken.objects.filter(pk=token.pk).update(last_used_on=timezone.now())
            request.user = token.user
            request._eco311_actor = None
        elif request.method not in SAFE_METHODS and request.user.is_authenticated:
            if check_csrf(request) is not None:
                raise HttpError(
                    403,
                    _(
                        "CSRF check failed: a write with the browser session needs the "
                        "session's CSRF token (X-CSRFToken header); scripts use a bearer token"
                    ),
                )
        return True


api = NinjaAPI(
    title="eco311 API",
    version="1",
    description="Plans, targets, progress reports and computed statuses of the 311 programme; "
    "the enterprises of the annual survey, its import ledger and the indicators computed "
    "from it. Scopes are those of the pages: see docs/api.md.",
    auth=BearerToken(),
    urls_namespace="api",
)
api.add_router("", enterprises.router)
api.add_router("", indicators.router)
api.add_router("", survey.router)
api.add_router("", chains.router)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def bad_request(request, exc):
    # Django would answer these with its HTML 400 page; the API keeps to its JSON error body.
    return api.create_response(
        request, {"detail": _("malformed request: %(reason)s") % {"reason": exc}}, status=400
    )


# Real keys as examples (the singular `example`: ninja would copy a list of `examples` onto
# the parameter, where OpenAPI wants a map): the reference shows them, and schemathesis tries them
# first, so its run reaches the code behind a found plan and target, not only the 404s of
# invented keys.
PLAN_KEY = Path(..., description="Plan key", example="shandong-311")
TARGET_KEY = Path(..., description="Target key in the plan", example="1-2-2-a")
AS_OF = Query(
    None,
    description="Evaluation date, ISO (YYYY-MM-DD); default: the platform's as-of date",
    example="2025-06-30",
)


def _as_of(value: str | None) -> date:
    if not value:
        return display.as_of_from(None)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise HttpError(422, "as_of must be an ISO date (YYYY-MM-DD)") from exc


class StatusOut(Schema):
    key: str
    status: str
    met: bool
    measure_status: str | None
    measure_score: float | None
    progress_value: float | None
    latest_value: float | None
    latest_period_end: date | None
    forecast_value: float | None
    projected_date: date | None
    as_of: date
    withheld: bool = False  # figures left out: built from too few enterprises for this caller


def _status_dict(target, st, as_of, *, withheld: bool = False) -> dict:
    # The engine's deciding forecast and its projected day (capped at the deadline): a trend
    # that crosses the target only in the year 15995 has no day a date can hold.
    f = st.forecast or st.forecast_linear or st.forecast_cagr
    if withheld:
        # Built from too few enterprises for this caller (Actor.withheld_targets): the status
        # stays, the figures that could disclose one firm's do not.
        return {
            "key": target.key,
            "status": st.status,
            "met": st.met,
            "measure_status": st.measure.status if st.measure else None,
            "measure_score": None,
            "progress_value": None,
            "latest_value": None,
            "latest_period_end": st.latest.period_end if st.latest else None,
            "forecast_value": None,
            "projected_date": None,
            "as_of": as_of,
            "withheld": True,
        }
    return {
        "key": target.key,
        "status": st.status,
        "met": st.met,
        "measure_status": st.measure.status if st.measure else None,
        "measure_score": st.measure.score if st.measure else None,
        "progress_value": st.measure.progress_value if st.measure else None,
        "latest_value": st.latest.value if st.latest else None,
        "latest_period_end": st.latest.period_end if st.latest else None,
        "forecast_value": f.value_at_deadline if f else None,
        "projected_date": st.projected_date,
        "as_of": as_of,
        "withheld": False,
    }


@api.get("/plans", response={200: list[dict], **ERRORS}, summary="List plans", openapi_extra=PUBLIC)
def list_plans(request):
    return [plan_to_dict(p) for p in Plan.objects.all()]


@api.get(
    "/plans/{plan_key}",
    response={200: dict, **ERRORS},
    summary="One plan with its targets",
    openapi_extra=PUBLIC,
)
def get_plan(request, plan_key: str = PLAN_KEY):
    plan = Plan.objects.filter(key=plan_key).first()
    if plan is None:
        raise HttpError(404, "no such plan")
    return {
        "plan": plan_to_dict(plan),
        "targets": [target_to_dict(t) for t in targets_qs(plan=plan)],
    }


@api.get(
    "/plans/{plan_key}/statuses",
    response={200: list[StatusOut], **ERRORS},
    summary="Computed statuses",
    openapi_extra=PUBLIC,
)
def plan_statuses(request, plan_key: str = PLAN_KEY, as_of: str | None = AS_OF):
    day = _as_of(as_of)
    rows = rows_for(targets_qs(plan__key=plan_key), day, withheld=actor(request).withheld_targets)
    return [_status_dict(r.target, r.status, day, withheld=r.withheld) for r in rows]


@api.get(
    "/plans/{plan_key}/targets/{target_key}",
    response={200: dict, **ERRORS},
    summary="One target with its status",
    openapi_extra=PUBLIC,
)
def get_target(
    request, plan_key: str = PLAN_KEY, target_key: str = TARGET_KEY, as_of: str | None = AS_OF
):
    target, _details, _report = get_target_for_user(request, plan_key, target_key)
    day = _as_of(as_of)
    return {
        "target": target_to_dict(target),
        "status": _status_dict(
            target,
            tracking.status_of(target, day),
            day,
            withheld=bool(actor(request).withheld_targets([target])),
        ),
    }


class ReportIn(Schema):
    period_kind: str
    year: int
    index: int = 1
    value: float | None = None
    done: bool = False
    progress_pct: float | None = None
    count: int | None = None
    note: str = ""


class ReportOut(Schema):
    id: int
    target: str
    period_kind: str
    period_start: date
    period_end: date
    value: float | None
    done: bool
    progress_pct: float | None
    count: int | None
    note: str
    status: str
    review_comment: str
    submitted_by: str
    submitted_at: str


def _report_dict(r: ProgressReport) -> dict:
    return {
        "id": r.id,
        "target": r.target.key,
        "period_kind": r.period_kind,
        "period_start": r.period_start,
        "period_end": r.period_end,
        "value": r.value,
        "done": r.done,
        "progress_pct": r.progress_pct,
        "count": r.count,
        "note": r.note,
        "status": r.status,
        "review_comment": r.review_comment,
        "submitted_by": r.submitted_by.username,
        "submitted_at": r.submitted_at.isoformat(),
    }


@api.get(
    "/plans/{plan_key}/targets/{target_key}/reports",
    response={200: list[ReportOut], **ERRORS},
    summary="Progress reports of a target (officials in scope)",
)
def list_reports(request, plan_key: str = PLAN_KEY, target_key: str = TARGET_KEY):
    target, can_see_details, _report = get_target_for_user(request, plan_key, target_key)
    if not can_see_details:
        raise PermissionDenied
    return [_report_dict(r) for r in target.reports.select_related("target", "submitted_by")]


@api.post(
    "/plans/{plan_key}/targets/{target_key}/reports",
    response={201: ReportOut, **ERRORS},
    summary="Submit a progress report",
)
def create_report(
    request, payload: ReportIn, plan_key: str = PLAN_KEY, target_key: str = TARGET_KEY
):
    target, _details, can_report = get_target_for_user(request, plan_key, target_key)
    if not can_report:
        raise PermissionDenied
    report = workflow.submit(actor(request), target, **payload.dict())
    return Status(201, _report_dict(report))


class ReviewIn(Schema):
    action: str
    comment: str = ""


@api.post(
    "/reports/{report_id}/review",
    response={200: ReportOut, **ERRORS},
    summary="Approve or return a report",
)
def review(request, report_id: int, payload: ReviewIn):
    report = get_report_for_user(request, report_id)
    a = actor(request)
    if payload.action == "approve":
        report = workflow.approve(a, report, payload.comment)
    elif payload.action == "return":
        report = workflow.return_report(a, report, payload.comment)
    else:
        raise HttpError(422, "action must be 'approve' or 'return'")
    return _report_dict(report)
