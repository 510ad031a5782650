"""Where target values come from besides progress reports.

Some targets are not reported by hand: the annual enterprise survey computes them
(enterprises/kpi/indicators.yaml binds indicators to target keys). plans sits below
enterprises in the layer order, so it must not import it; instead a source registers itself
here when its app starts (enterprises/apps.py ``ready()``), and plans asks the registry.

A source answers two questions:

* ``bindings(plan_key)`` -- target key -> :class:`Binding` for the targets it feeds;
* ``series(targets)`` -- target id -> ``[(year, value), ...]`` of the values it holds for them,
  one per survey year, oldest first (the value stands for the state at that year's end);
* optionally ``counts(targets)`` -- target id -> the fewest enterprises any of those values is
  built from, so that a value that could disclose one firm's figures is withheld from the
  public (the rule is Actor.withheld_targets, above plans).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Binding:
    """A target fed by a source: which indicator of it, for which scope."""

    source: str  # the source's name, e.g. "survey"
    indicator: str  # the indicator key in that source
    scope: str  # the area key the indicator is computed for


@dataclass(frozen=True)
class ValueSource:
    name: str
    bindings: Callable[[str], dict[str, Binding]]
    series: Callable[[list], dict[int, list[tuple[int, float]]]]
    counts: Callable[[list], dict[int, int]] | None = None


_SOURCES: dict[str, ValueSource] = {}


def register_value_source(
    name: str,
    *,
    bindings: Callable[[str], dict[str, Binding]],
    series: Callable[[list], dict[int, list[tuple[int, float]]]],
    counts: Callable[[list], dict[int, int]] | None = None,
) -> None:
    """Register (or replace, so that a second ``ready()`` is harmless) a source of values."""
    _SOURCES[name] = ValueSource(name, bindings, series, counts)


def unregister_value_source(name: str) -> None:
    _SOURCES.pop(name, None)


def sources() -> list[ValueSource]:
    return list(_SOURCES.values())


def binding_for(target) -> Binding | None:
    """The source binding of a target, or None when it takes progress reports."""
    for source in _SOURCES.values():
        found = source.bindings(target.plan.key).get(target.key)
        if found is not None:
            return found
    return None


def bound_keys(plan_key: str) -> set[str]:
    """Keys of the targets of a plan that some source feeds."""
    keys: set[str] = set()
    for source in _SOURCES.values():
        keys |= set(source.bindings(plan_key))
    return keys


def fewest_enterprises(targets) -> dict[int, int]:
    """Target id -> the fewest enterprises a value feeding it is built from (sources that
    count them; a target no such source feeds is absent)."""
    targets = list(targets)
    found: dict[int, int] = {}
    for source in _SOURCES.values():
        if source.counts is not None:
            for tid, n in source.counts(targets).items():
                found[tid] = min(n, found.get(tid, n))
    return found


def year_end(year: int) -> date:
    """The day a source's yearly value stands for (the survey asks for the year's figures)."""
    return date(year, 12, 31)


def series_for(targets: Iterable) -> dict[int, list[tuple[int, float]]]:
    """Target id -> [(year, value), ...] for the targets a source feeds (others are absent)."""
    targets = list(targets)
    out: dict[int, list[tuple[int, float]]] = {}
    for source in _SOURCES.values():
        mine = [t for t in targets if t.id not in out and t.key in source.bindings(t.plan.key)]
        if mine:
            found = source.series(mine)
            for t in mine:
                out[t.id] = found.get(t.id, [])
    return out
