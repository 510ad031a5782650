"""The JSON API: plans, targets, progress reports and statuses, with the same scopes as the UI.

The enterprise survey, its import ledger and the computed indicators are in their own routers
(api/enterprises.py, api/survey.py, api/indicators.py); docs/api.md lists every endpoint.

Authentication is a bearer token (Authorization: Bearer eco_…) or the browser session;
anonymous callers get what the public sees.
"""

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import APIKeyHeader

from eco311.accounts.models import ApiToken
from eco311.accounts.scopes import actor, get_report_for_user, get_target_for_user
from eco311.api import enterprises, indicators, survey
from eco311.plans import display, tracking, workflow
from eco311.plans.export import plan_to_dict, target_to_dict
from eco311.plans.models import Plan, ProgressReport
from eco311.plans.overview import rows_for, targets_qs
from eco311.plans.progress.forecast import year_to_date


class BearerToken(APIKeyHeader):
    """Resolves the token's user onto the request; a missing token means the public."""

    param_name = "Authorization"

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if request.method not in ("GET", "HEAD", "OPTIONS") and not header:
            # Writes need a token: a session cookie alone would open the API to CSRF.
            request.user = AnonymousUser()
            request._eco311_actor = None
        if header.startswith("Bearer "):
            token = ApiToken.lookup(header.removeprefix("Bearer ").strip())
            if token is None:
                raise HttpError(401, "invalid or revoked token")
            ApiToken.objects.filter(pk=token.pk).update(last_used_on=timezone.now())
            request.user = token.user
            request._eco311_actor = None
        return True

    def authenticate(self, request, key):  # pragma: no cover - __call__ handles it
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


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


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


def _status_dict(target, st, as_of) -> dict:
    f = st.forecast_linear or st.forecast_cagr
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
        "projected_date": year_to_date(f.reach_year) if f and f.reach_year else None,
        "as_of": as_of,
    }


@api.get("/plans", summary="List plans")
def list_plans(request):
    return [plan_to_dict(p) for p in Plan.objects.all()]


@api.get("/plans/{plan_key}", summary="One plan with its targets")
def get_plan(request, plan_key: str):
    plan = Plan.objects.filter(key=plan_key).first()
    if plan is None:
        raise HttpError(404, "no such plan")
    return {
        "plan": plan_to_dict(plan),
        "targets": [target_to_dict(t) for t in targets_qs(plan=plan)],
    }


@api.get("/plans/{plan_key}/statuses", response=list[StatusOut], summary="Computed statuses")
def plan_statuses(request, plan_key: str, as_of: str | None = None):
    day = _as_of(as_of)
    rows = rows_for(targets_qs(plan__key=plan_key), day)
    return [_status_dict(r.target, r.status, day) for r in rows]


@api.get("/plans/{plan_key}/targets/{target_key}", summary="One target with its status")
def get_target(request, plan_key: str, target_key: str, as_of: str | None = None):
    target, _details, _report = get_target_for_user(request, plan_key, target_key)
    day = _as_of(as_of)
    return {
        "target": target_to_dict(target),
        "status": _status_dict(target, tracking.status_of(target, day), day),
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
    response=list[ReportOut],
    summary="Progress reports of a target (officials in scope)",
)
def list_reports(request, plan_key: str, target_key: str):
    target, can_see_details, _report = get_target_for_user(request, plan_key, target_key)
    if not can_see_details:
        raise PermissionDenied
    return [_report_dict(r) for r in target.reports.select_related("target", "submitted_by")]


@api.post(
    "/plans/{plan_key}/targets/{target_key}/reports",
    response={201: ReportOut},
    summary="Submit a progress report",
)
def create_report(request, plan_key: str, target_key: str, payload: ReportIn):
    target, _details, can_report = get_target_for_user(request, plan_key, target_key)
    if not can_report:
        raise PermissionDenied
    report = workflow.submit(actor(request), target, **payload.dict())
    return Status(201, _report_dict(report))


class ReviewIn(Schema):
    action: str
    comment: str = ""


@api.post("/reports/{report_id}/review", response=ReportOut, summary="Approve or return a report")
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
