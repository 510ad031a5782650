"""Enterprise-based KPIs of the "311" plan, computed from the annual survey returns.

Pure package (pydantic, PyYAML and numpy; no Django).  ``indicators.yaml`` declares the
indicators and the plan targets they feed (:mod:`.definitions`); :mod:`.engine` computes
them for every scope and year.  See docs/kpi.md.

    from eco311.enterprises.kpi import ReturnsTable, ScopeMap, compute, load_indicators

    table = ReturnsTable.from_rows(rows)
    values = compute(table, load_indicators(), scopes=ScopeMap.from_areas())
"""

from __future__ import annotations

import importlib
from typing import Any

# Names are imported on first use, so that ``python -m eco311.enterprises.kpi.definitions``
# (which regenerates docs/kpi.md) does not find its module already imported.
_EXPORTS = {
    "INDICATOR_FILE": "definitions",
    "Indicator": "definitions",
    "IndicatorSet": "definitions",
    "KpiFileError": "definitions",
    "check_binds": "definitions",
    "load_indicators": "definitions",
    "KpiValue": "engine",
    "ReturnsTable": "engine",
    "ScopeMap": "engine",
    "compute": "engine",
    "index": "engine",
    "members": "engine",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
