"""A production install: `eco311 setup` and the check that the database is ready.

`eco311 setup` migrates, loads the reference data (areas, counties, industry classes) and the
shipped plans, and creates the first administrator. It never loads the demo. Running it again
changes nothing and says so, which makes it the upgrade step too (docs/deploy.md).

Messages go to the console in both languages, Chinese first, because an operator's terminal
has no language setting the platform could follow.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

NOT_SET_UP = (
    "数据库尚未初始化，请先运行 eco311 setup / The database is not set up: run eco311 setup"
)
OUTDATED = (
    "数据库结构不是最新版本，请先运行 eco311 setup --no-input（或 eco311 manage migrate）"
    " / The database is not up to date: run eco311 setup --no-input (or eco311 manage migrate)"
)
UNREACHABLE = (
    "无法连接数据库（{error}），请检查 DATABASE_URL 或 ECO311_DATA_DIR"
    " / Cannot use the database ({error}): check DATABASE_URL or ECO311_DATA_DIR"
)

ENV_USERNAME = "ECO311_ADMIN_USERNAME"
ENV_PASSWORD = "ECO311_ADMIN_PASSWORD"  # noqa: S105 -- the name of a variable, not a secret
ENV_EMAIL = "ECO311_ADMIN_EMAIL"


class SetupRefused(Exception):
    """Setup cannot go on; the message says why and what to do, in both languages."""


def pending_migrations() -> list:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def database_problem() -> str | None:
    """None when the database is migrated; otherwise what to run instead, in both languages."""
    from django.db import DatabaseError, connection
    from django.db.migrations.recorder import MigrationRecorder

    try:
        if not pending_migrations():
            return None
        recorder = MigrationRecorder(connection)
        applied = recorder.has_table() and recorder.migration_qs.exists()
    except DatabaseError as exc:
        return UNREACHABLE.format(error=str(exc).strip().splitlines()[0] if str(exc) else exc)
    return OUTDATED if applied else NOT_SET_UP


def explain_database_error(exc: BaseException) -> str | None:
    """For a database error raised by a command: the message to print when the cause is a
    database that is not (or not fully) migrated or not reachable; None for any other error,
    which is then raised as it is (a bug should show its traceback)."""
    if "django.db" not in sys.modules:
        return None
    from django.db import DatabaseError, connections

    if not isinstance(exc, DatabaseError):
        return None
    # A failed statement may have left the connection unusable (PostgreSQL aborts the
    # transaction); ask on a fresh one.
    connections.close_all()
    return database_problem()


# -- the first administrator ----------------------------------------------------------------


@dataclass
class AdminSpec:
    username: str
    password: str
    email: str = ""


def _validate(spec: AdminSpec) -> list[str]:
    """Django's username and password validators, as messages "中文 / English"."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    User = get_user_model()
    by_language = {}
    for language in ("zh-hans", "en"):
        # The validators translate when they raise, so each language is a run of its own.
        with translation.override(language):
            problems = []
            try:
                User.username_validator(spec.username)
            except ValidationError as exc:
                problems.extend(exc.messages)
            try:
                validate_password(spec.password, User(username=spec.username, email=spec.email))
            except ValidationError as exc:
                problems.extend(exc.messages)
            by_language[language] = problems
    return [
        zh if zh == en else f"{zh} / {en}"
        for zh, en in zip(by_language["zh-hans"], by_language["en"], strict=True)
    ]


def admin_from_environment(environ=os.environ) -> AdminSpec:
    missing = [k for k in (ENV_USERNAME, ENV_PASSWORD) if not environ.get(k, "").strip()]
    if missing:
        names = ", ".join(missing)
        raise SetupRefused(
            f"没有管理员账户，且未设置环境变量 {names}：请设置后再运行 eco311 setup --no-input"
            f"（{ENV_EMAIL} 可选） / There is no administrator and {names} "
            f"{'is' if len(missing) == 1 else 'are'} not set: set "
            f"{'it' if len(missing) == 1 else 'them'} and run eco311 setup --no-input again "
            f"({ENV_EMAIL} is optional)"
        )
    spec = AdminSpec(
        environ[ENV_USERNAME].strip(), environ[ENV_PASSWORD], environ.get(ENV_EMAIL, "").strip()
    )
    problems = _validate(spec)
    if problems:
        raise SetupRefused(
            f"{ENV_USERNAME} / {ENV_PASSWORD} 不符合要求 / are not acceptable: "
            + "；".join(problems)
        )
    return spec


def admin_from_prompt(
    ask: Callable[[str], str] = input, ask_secret: Callable[[str], str] = getpass.getpass
) -> AdminSpec:
    """Ask for the username, the e-mail address and the password (twice), until valid."""
    while True:
        username = ask("管理员用户名 / Administrator username [admin]: ").strip() or "admin"
        email = ask("电子邮箱（可留空） / E-mail (may be blank): ").strip()
        password = ask_secret("密码 / Password: ")
        if ask_secret("再次输入密码 / Password (again): ") != password:
            print("两次输入的密码不一致 / The passwords do not match", file=sys.stderr)
            continue
        spec = AdminSpec(username, password, email)
        problems = _validate(spec)
        if not problems:
            return spec
        for p in problems:
            print(p, file=sys.stderr)


def create_administrator(spec: AdminSpec):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from eco311.accounts.models import Membership, Role
    from eco311.plans.models import Unit

    User = get_user_model()
    if User.objects.filter(username=spec.username).exists():
        raise SetupRefused(
            f"用户“{spec.username}”已存在但不是管理员 / "
            f"The user “{spec.username}” exists but is not an administrator"
        )
    with transaction.atomic():
        # The operator's account: the platform's administrator, and Django's admin site too.
        user = User.objects.create_superuser(spec.username, spec.email, spec.password)
        Membership.objects.create(
            user=user,
            role=Role.ADMIN,
            # The plan owner, as in the demo; None when no plan names it.
            unit=Unit.objects.filter(key="ecology-environment").first(),
        )
    return user


# -- setup ----------------------------------------------------------------------------------


@dataclass
class SetupResult:
    lines: list[str] = field(default_factory=list)
    changed: bool = False


def setup(
    *,
    interactive: bool,
    environ=os.environ,
    ask: Callable[[str], str] = input,
    ask_secret: Callable[[str], str] = getpass.getpass,
    out=sys.stdout,
) -> SetupResult:
    """Migrate, load the reference data and the plans, create the first administrator.

    The administrator's details are gathered (and checked) before anything is written, so a
    refused setup leaves the database as it was. Raises SetupRefused.
    """
    from django.core.management import call_command

    from eco311.accounts.people import administrators

    result = SetupResult()

    def say(line: str, changed: bool) -> None:
        result.lines.append(line)
        result.changed |= changed
        print(line, file=out, flush=True)

    def gather() -> AdminSpec:
        return (
            admin_from_prompt(ask, ask_secret) if interactive else admin_from_environment(environ)
        )

    from django.db import DatabaseError, connection
    from django.db.migrations.recorder import MigrationRecorder

    try:
        plan = pending_migrations()
        recorder = MigrationRecorder(connection)
        fresh = not (recorder.has_table() and recorder.migration_qs.exists())
    except DatabaseError as exc:
        raise SetupRefused(UNREACHABLE.format(error=exc)) from exc
    # On a fresh database, ask first: a refusal then leaves nothing half set up. On an existing
    # one, whether it has an administrator is only known once its tables are up to date.
    spec = gather() if fresh else None
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
        say(f"数据库迁移 / migrations: {len(plan)} applied", True)
    else:
        say("数据库迁移 / migrations: up to date", False)
    if spec is None and not administrators().exists():
        spec = gather()

    from eco311.enterprises.reference import sync_industry_codes
    from eco311.geo.loader import sync_areas

    areas = sync_areas()
    say(f"地区与县（市、区） / areas and counties: {areas}", areas.changed)
    industries = sync_industry_codes()
    say(f"国民经济行业代码 / industry classes: {industries}", industries.changed)

    from eco311.plans.loader import PlanLoadError, load_plan
    from eco311.plans.planfile import plan_files

    for path in plan_files():
        try:
            r = load_plan(str(path))
        except PlanLoadError as exc:
            raise SetupRefused("\n".join(exc.messages)) from exc
        say(
            f"规划 / plan {r.plan_key}: {r.created} created, {r.updated} updated, "
            f"{r.unchanged} unchanged, {r.deactivated} deactivated",
            bool(r.created or r.updated or r.deactivated),
        )

    if spec is not None:
        user = create_administrator(spec)
        say(f"管理员 / administrator: {user.username} created", True)
    else:
        names = ", ".join(administrators().order_by("username").values_list("username", flat=True))
        say(f"管理员 / administrator: {names} (unchanged)", False)

    if not result.changed:
        say("无变化：平台已完成初始化 / Nothing changed: the platform was already set up", False)
    return result
