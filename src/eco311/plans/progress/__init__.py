"""Pure computational core for target progress (no Django; standard library only).

* measure  - the Open SDG 2.4 / Statistics Canada progress measure (status, -5..+5 score).
* forecast - value at a deadline by CAGR extrapolation or recency-weighted linear trend.
* status   - the deadline-aware status officials see ("achieved", "on_track", ...).
* cli      - ``eco311 progress measure FILE.csv`` (import eco311.plans.progress.cli directly).
* status_cli - ``eco311 progress status FILE.csv``: the status of arbitrary targets.

The method, with citations of the Open SDG sources it follows, is in docs/progress-method.md.

Note: the package attribute ``measure`` is the function, not the submodule; import module
contents with ``from eco311.plans.progress.measure import ...``.
"""

from eco311.plans.progress.forecast import (
    Forecast,
    forecast_cagr,
    forecast_linear,
    recency_weights,
    year_to_date,
)
from eco311.plans.progress.measure import (
    DEFAULT as DEFAULT_MEASURE,
)
from eco311.plans.progress.measure import (
    STATUSES,
    MeasureConfig,
    MeasureResult,
    Series,
    indicator_progress,
    indicator_score,
    indicator_status,
    limit_coefficient,
    measure,
    measure_observations,
    period_to_year,
    score_for_value,
    status_for_value,
    status_from_score,
)
from eco311.plans.progress.status import (
    DEFAULT_STATUS,
    TARGET_STATUSES,
    Observation,
    StatusConfig,
    TargetSpec,
    TargetStatus,
    base_point_year,
    compute_status,
    is_met,
)

__all__ = [
    "DEFAULT_MEASURE",
    "DEFAULT_STATUS",
    "STATUSES",
    "TARGET_STATUSES",
    "Forecast",
    "MeasureConfig",
    "MeasureResult",
    "Observation",
    "Series",
    "StatusConfig",
    "TargetSpec",
    "TargetStatus",
    "base_point_year",
    "compute_status",
    "forecast_cagr",
    "forecast_linear",
    "indicator_progress",
    "indicator_score",
    "indicator_status",
    "is_met",
    "limit_coefficient",
    "measure",
    "measure_observations",
    "period_to_year",
    "recency_weights",
    "score_for_value",
    "status_for_value",
    "status_from_score",
    "year_to_date",
]
