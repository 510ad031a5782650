"""What the target lists share: who answers for each target, the filter by responsible unit and
the columns of their Excel export.

Every target list (a plan's targets, an area's, the warnings, the review queue) shows the units
answering for a target: those the plan names, and those the plan owner assigned
(supervision/responsibility.py). The filter by unit matches both; filtering on the plan's naming
alone hid every target the owner had assigned to a unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from eco311.plans import display, tracking
from eco311.plans.models import Unit
from eco311.supervision.responsibility import Party, responsible_for
from eco311.web.tables import Column

#: The legend of the "*" beside an assigned unit (web/_parties.html).
ASSIGNED_LEGEND = _("* assigned by the plan owner; the other units are named in the plan.")


def parties_by_target(targets: Iterable) -> dict[int, list[Party]]:
    """Target id → its responsible parties (plan-named first), for the rows of a list."""
    return responsible_for(targets)


def unit_choices(parties: dict[int, list[Party]]) -> list[Unit]:
    """The filter's options: every unit that answers for at least one target of the list."""
    units = {p.unit.id: p.unit for ps in parties.values() for p in ps}
    return sorted(units.values(), key=lambda u: (str(u.name), u.key))


def answers_for(parties: dict[int, list[Party]], target_id: int, unit_key: str) -> bool:
    """Whether the unit ``unit_key`` answers for the target, named in the plan or assigned."""
    return any(p.unit.key == unit_key for p in parties.get(target_id, ()))


def filter_by_unit(items: list, parties, unit_key: str, target: Callable[[Any], Any]) -> list:
    """The items whose target the unit answers for (all of them without a unit)."""
    if not unit_key:
        return items
    return [i for i in items if answers_for(parties, target(i).id, unit_key)]


def names(parties: list[Party], *, named_in_plan: bool) -> str:
    """The units named in the plan (or assigned), lead units first, separated by "、"."""
    return "、".join(str(p.unit.name) for p in parties if p.named_in_plan == named_in_plan)


def _latest_number(target, status) -> float | None:
    """The latest approved figure as a number: the value, the count of a recurring target or
    the progress in per cent of a milestone (100 when done)."""
    latest = status.latest
    if latest is None:
        return None
    if target.kind == "milestone":
        return 100.0 if latest.done else latest.progress
    if target.kind == "recurring":
        return latest.count
    return latest.value


def _unit(target) -> str:
    return "%" if target.kind == "milestone" else target.unit


def target_columns(
    parties: dict[int, list[Party]],
    *,
    target: Callable[[Any], Any],
    status: Callable[[Any], Any],
    withheld: Callable[[Any], bool] = lambda item: False,
) -> list[Column]:
    """The columns a target list exports: reference, wording, scope, responsible units,
    deadline, target, latest and forecast figures as numbers (empty when withheld from the
    viewer, as on the page), the unit and the status."""

    def figure(read):
        return lambda i: None if withheld(i) else read(target(i), status(i))

    return [
        Column(_("Ref."), lambda i: target(i).task.ref),
        Column(_("Target key"), lambda i: target(i).key),
        Column(_("Target"), lambda i: target(i).text),
        Column(_("Scope"), lambda i: target(i).scope.short_name),
        Column(
            _("Responsible units (named in the plan)"),
            lambda i: names(parties.get(target(i).id, []), named_in_plan=True),
        ),
        Column(
            _("Responsible units (assigned)"),
            lambda i: names(parties.get(target(i).id, []), named_in_plan=False),
        ),
        Column(_("Deadline"), lambda i: tracking.effective_deadline(target(i)), kind="date"),
        Column(
            _("Target value"),
            lambda i: target(i).value if target(i).kind == "numeric" else None,
            kind="number",
        ),
        Column(
            _("Target value (upper bound)"),
            lambda i: target(i).value_max if target(i).kind == "numeric" else None,
            kind="number",
        ),
        Column(_("Latest"), figure(_latest_number), kind="number"),
        Column(
            _("Latest period end"),
            figure(lambda t, s: s.latest.period_end if s.latest is not None else None),
            kind="date",
        ),
        Column(_("Forecast at deadline"), figure(display.forecast_value), kind="number"),
        Column(_("Unit"), lambda i: _unit(target(i))),
        Column(_("Status"), lambda i: display.STATUS_LABELS[status(i).status]),
    ]


def about_lines(withheld_any: bool) -> list[tuple[str, str, str]]:
    """The About sheet's notes for a target list: the withheld figures, when there are some."""
    lines = []
    if withheld_any:
        lines.append(
            (
                "空白单元格 Empty cells",
                "部分目标的最新值和预测值来自少于规定数量的企业，为保护个别企业不予显示。",
                "Some targets' latest and forecast figures rest on too few enterprises and are "
                "not shown, to protect individual firms.",
            )
        )
    return lines
