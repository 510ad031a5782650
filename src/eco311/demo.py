"""The demo: plans, demo accounts (one per role) and synthetic progress reports.

Everything generated here is synthetic and marked so; running it again changes nothing.
"""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eco311.accounts.models import Membership, Role
from eco311.accounts.scopes import Actor
from eco311.core.signals import rows_written
from eco311.enterprises import kpis
from eco311.enterprises.demo import load_population
from eco311.enterprises.models import Enterprise
from eco311.enterprises.survey.synthetic import PopulationSpec
from eco311.geo.loader import load_areas
from eco311.geo.models import Area
from eco311.plans import workflow
from eco311.plans.loader import load_plan
from eco311.plans.models import ProgressReport, Target, Unit
from eco311.plans.planfile import is_count_unit, plan_files
from eco311.supervision.models import Reminder

DEMO_END = date(2025, 6, 30)
SYNTHETIC_NOTE = "合成演示数据 / synthetic demo data"


def demo_accounts() -> list[dict]:
    """One account per role; the department is the unit that leads the most 311 targets."""
    lead = (
        Unit.objects.filter(
            target_links__role="lead", target_links__target__plan__key="shandong-311"
        )
        .exclude(key__in=["ecology-environment", "relevant-units", "cities"])
        .order_by()
        .values_list("key", flat=True)
    )
    counts = {}
    for key in lead:
        counts[key] = counts.get(key, 0) + 1
    dept_key = max(counts, key=counts.get) if counts else None
    owner = Unit.objects.filter(key="ecology-environment").first()
    park = (
        Area.objects.filter(kind="park", targets__isnull=False).first()
        or Area.objects.filter(kind="park").first()
    )
    # The enterprise persona acts for the first synthetic enterprise, once the population exists.
    enterprise = Enterprise.objects.filter(synthetic=True).order_by("uscc").first()
    return [
        {"username": "admin", "role": Role.ADMIN, "unit": owner, "name": "省生态环境厅 管理员"},
        {
            "username": "dept",
            "role": Role.DEPARTMENT,
            "unit": Unit.objects.filter(key=dept_key).first(),
            "name": "省级部门 演示用户",
        },
        {
            "username": "jinan",
            "role": Role.CITY,
            "area": Area.objects.get(code="370100", kind="city"),
            "name": "济南市生态环境局 演示用户",
        },
        {"username": "park", "role": Role.PARK, "area": park, "name": "园区管委会 演示用户"},
        {
            "username": "enterprise",
            "role": Role.ENTERPRISE,
            "enterprise": enterprise,
            "organisation": enterprise.name if enterprise else "示例环保科技有限公司（合成）",
            "name": "企业 演示用户",
        },
        {
            "username": "bank",
            "role": Role.BANK,
            "organisation": "示例银行山东分行（合成）",
            "name": "银行 演示用户",
        },
    ]


def create_accounts(password: str) -> list[tuple[str, str, str]]:
    User = get_user_model()
    logins = []
    for spec in demo_accounts():
        user, created = User.objects.get_or_create(username=spec["username"])
        if created:
            # Knowingly past AUTH_PASSWORD_VALIDATORS (set_password checks nothing): the demo's
            # one shared password is printed for everyone, and the banner says it is a demo.
            user.set_password(password)
            user.first_name = spec["name"]
            user.is_staff = spec["role"] == Role.ADMIN
            user.save()
        m, _ = Membership.objects.update_or_create(
            user=user,
            defaults={
                "role": spec["role"],
                "unit": spec.get("unit"),
                "area": spec.get("area"),
                "enterprise": spec.get("enterprise"),
                "organisation": spec.get("organisation", ""),
            },
        )
        scope = m.unit or m.area or m.organisation or ""
        logins.append((user.username, m.get_role_display(), str(scope)))
    return logins


def _quarters(start: date, end: date):
    y, q = start.year, (start.month - 1) // 3 + 1
    while True:
        if date(y, 3 * q, 1) > end:
            return
        yield y, q
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)


def _filer(target: Target, cache: dict):
    """The synthetic account that files a target's reports: the staff of its lead unit, else of
    the city or park it is scoped to, else the plan owner's planning office. Never the
    administrator who reviews them: a report is decided by someone other than its submitter
    (four eyes, plans/workflow.py). Filers cannot log in (no usable password, inactive)."""
    lead = next(
        (
            link.unit
            for link in sorted(target.unit_links.all(), key=lambda x: (x.role != "lead", x.order))
            if not link.unit.collective  # "各市人民政府": nobody files as it
        ),
        None,
    )
    if lead is not None:
        key, spec = f"filer-{lead.key}"[:150], {"role": Role.DEPARTMENT, "unit": lead}
        name = f"{lead.name_zh} 填报员（合成）"
    elif target.scope.kind in ("city", "park", "cluster"):
        area = target.scope
        role = Role.CITY if area.kind == "city" else Role.PARK
        key, spec = f"filer-{area.key}"[:150], {"role": role, "area": area}
        name = f"{area.name_zh} 填报员（合成）"
    else:
        owner = Unit.objects.filter(key="ecology-environment").first()
        key, spec = "filer-plan-office", {"role": Role.ADMIN, "unit": owner}
        name = "省生态环境厅 规划处填报员（合成）"
    if key not in cache:
        user, created = get_user_model().objects.get_or_create(
            username=key, defaults={"first_name": name, "is_active": False}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(user=user, defaults=spec)
        cache[key] = Actor.of(get_user_model().objects.get(pk=user.pk))
    return cache[key]


@transaction.atomic
def synthetic_reports(seed: int = 1, end: date = DEMO_END) -> int:
    """Quarterly values along a random pace per target.

    Earlier quarters are written in bulk as approved (with their history rows); the latest
    quarter of each target goes through the real workflow, so a few stay pending or returned.
    """
    if ProgressReport.objects.filter(synthetic=True).exists():
        return 0
    rng = random.Random(seed)
    admin_user = get_user_model().objects.get(username="admin")
    admin = Actor.of(admin_user)
    now = timezone.now()
    earlier, latest = [], []
    filers: dict = {}
    targets = (
        Target.objects.filter(is_active=True)
        .select_related("plan", "scope")
        .prefetch_related("unit_links__unit")
        .order_by("plan", "order")
    )
    for t in targets:
        if not workflow.takes_reports(t):
            continue  # the enterprise survey feeds this target
        start = t.plan.period_start
        stop = min(end, t.deadline or end)
        pace = rng.choice([0.0, 0.6, 0.8, 0.95, 1.05, 1.2, 1.3])
        quarters = list(_quarters(start, stop))
        if pace == 0.0 or not quarters:
            continue  # some targets have no reports at all: "no data" and "missing report"
        span = max((t.deadline or t.plan.period_end) - start, (stop - start)).days or 1
        for i, (y, q) in enumerate(quarters):
            period_start, period_end = workflow.period_bounds("quarter", y, q)
            payload = _payload(t, pace * min(1.0, (period_end - start).days / span), rng)
            if payload is None:
                continue
            if i < len(quarters) - 1:
                earlier.append(
                    ProgressReport(
                        target=t,
                        period_kind="quarter",
                        period_start=period_start,
                        period_end=period_end,
                        status=ProgressReport.Status.APPROVED,
                        submitted_by=_filer(t, filers).user,
                        reviewed_by=admin_user,
                        reviewed_at=now,
                        synthetic=True,
                        note=SYNTHETIC_NOTE,
                        **payload,
                    )
                )
            else:
                latest.append((t, y, q, payload))
    bulk_create_with_history(
        earlier,
        ProgressReport,
        batch_size=500,
        default_user=admin_user,
        default_change_reason="approved (synthetic demo data)",
    )
    rows_written.send(ProgressReport, ids=None)  # bulk_create sends no post_save (search index)
    for t, y, q, payload in latest:
        report = workflow.submit(
            _filer(t, filers),
            t,
            period_kind="quarter",
            year=y,
            index=q,
            synthetic=True,
            note=SYNTHETIC_NOTE,
            **payload,
        )
        roll = rng.random()
        if roll < 0.1:
            continue  # left pending for review
        if roll < 0.15:
            workflow.return_report(
                admin, report, "请补充佐证材料（演示） / please add evidence (demo)"
            )
        else:
            workflow.approve(admin, report)
    return len(earlier) + len(latest)


def _payload(t: Target, progress: float, rng: random.Random):
    if t.kind == Target.Kind.MILESTONE:
        if progress >= 1.0:
            return {"done": True}
        return {"progress_pct": round(min(95.0, 100 * progress), 0)}
    if t.kind == Target.Kind.RECURRING:
        return {
            "count": max(
                0, round((t.recurring_count or 1) * min(progress, 1.2) + rng.uniform(-0.4, 0.4))
            )
        }
    if t.value is None:
        return None
    goal = t.value_max if t.op == "range" else t.value
    counted = is_count_unit(t.unit_zh)
    base = t.base_value
    if base is None and counted and t.direction == 1 and goal <= 10:
        base = 0.0  # a few things to build ("1个中心", "4个功能区"): none at the start
    if base is None:
        base = goal * (0.55 if t.direction == 1 else 1.5)
    value = base + (goal - base) * progress
    value *= 1 + rng.uniform(-0.03, 0.03)
    if t.limit is not None:
        value = min(value, t.limit)
    if counted:  # centres and enterprises are counted whole, as the report form requires
        return {"value": float(max(0, round(value)))}
    return {"value": round(value, 2)}


def setup_demo(seed: int = 1, password: str = "eco311-demo", enterprises: int = 3700):
    call_command("migrate", interactive=False, verbosity=0)
    load_areas()
    for path in plan_files():
        load_plan(str(path))
    create_accounts(password)  # the admin first: the population's history rows name it
    from eco311.chains.demo import products, setup_chains_demo

    # The chains' demo writes the main-products texts from true chain nodes (chains/textgen.py).
    counts = load_population(
        PopulationSpec(enterprises=enterprises, seed=seed), products=products(seed)
    )
    logins = create_accounts(password)  # again: links the enterprise persona to its enterprise
    # Truth rows, the scorer's proposals, a few decisions and declarations (placements).
    setup_chains_demo(Actor.of, counts.get("nodes"))
    kpis.recompute()
    synthetic_reports(seed)
    from eco311.chains.demo_report import issue_demo_report

    # The issued chain-map analysis, the evidence of target 4-2-1-a (四(二)1). After the
    # synthetic reports: they write nothing once any synthetic report exists.
    issue_demo_report(Actor.of)
    publish_demo_rankings()
    from eco311.supervision.demo import setup_supervision_demo

    # Assignments, contacts and reminders (提醒/催办/督办) for the supervision pages.
    setup_supervision_demo(Actor.of)
    from eco311.supervision.demo_notices import setup_notices_demo

    # Notices (通知公告): a public announcement, one to every account, one to chosen cities.
    setup_notices_demo(Actor.of)
    from eco311.supervision import auto

    # What the schedule (supervision/data/schedule.yaml) sends on the demo's evaluation date:
    # overdue targets' 督办 and missing reports' 提醒, as the daily worker job would.
    sent = auto.run(as_of=DEMO_END).created
    # Sent on the demo's date, not the day the demo was built, and marked as generated.
    stamp = timezone.make_aware(datetime.combine(DEMO_END, time(8, 0)))
    Reminder.objects.filter(pk__in=[r.pk for r in sent]).update(sent_on=stamp, synthetic=True)
    # The demo's hand-sent reminders: two weeks before the date, answered four days later.
    manual = Reminder.objects.filter(synthetic=True, reason="manual")
    manual.update(sent_on=stamp - timedelta(days=14))
    manual.exclude(acknowledged_on=None).update(acknowledged_on=stamp - timedelta(days=12))
    manual.exclude(answered_on=None).update(answered_on=stamp - timedelta(days=10))
    draft_demo_evaluation()
    return logins


def draft_demo_evaluation() -> None:
    """A draft evaluation report of the 311 plan on the demo's date, for the plan owner to edit
    and issue (nothing is issued: issuing is the owner's act)."""
    from eco311.evaluation.issue import new_draft
    from eco311.evaluation.models import EvaluationDraft
    from eco311.plans.models import Plan

    plan = Plan.objects.filter(key="shandong-311").first()
    if plan is None or EvaluationDraft.objects.filter(plan=plan).exists():
        return
    new_draft(Actor.of(get_user_model().objects.get(username="admin")), plan, DEMO_END)


def publish_demo_rankings(years: int = 2) -> None:
    """The Top-100 lists of the latest survey years, computed and published once (oldest
    first, so the newer list shows the movement), so that the ranking pages have lists."""
    from django.contrib.auth import get_user_model

    from eco311.core import jobs
    from eco311.ranking import service
    from eco311.ranking.models import RankingList

    admin = get_user_model().objects.get(username="admin")
    for year in sorted(service.survey_years()[:years]):
        if RankingList.objects.filter(year=year, status=RankingList.Status.PUBLISHED).exists():
            continue
        ranking = service.start(year=year, actor=Actor.of(admin))
        while jobs.run_next("demo") is not None:
            pass
        ranking.refresh_from_db()
        service.publish(ranking, actor=Actor.of(admin))
        # A year's list follows its returns (due by 31 May of the next year): on the demo's
        # timeline the list of a year whose returns are in by the demo date was published in
        # mid-June; a later year's list stays dated the day the demo was built.
        published_on = timezone.make_aware(datetime(year + 1, 6, 15, 10, 0))
        if published_on.date() <= DEMO_END:
            RankingList.objects.filter(pk=ranking.pk).update(published_on=published_on)
