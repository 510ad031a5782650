"""What officials read: forecasts within the indicator's natural limit."""

from types import SimpleNamespace

from eco311.plans import display
from eco311.plans.progress import TargetStatus
from eco311.plans.progress.forecast import Forecast


def _status(at_deadline):
    linear = Forecast("linear", at_deadline, 2025.5)
    return TargetStatus("on_track", ("forecast_reaches",), None, None, linear, None, False)


def _target(limit):
    return SimpleNamespace(kind="numeric", limit=limit, unit="%")


def test_a_forecast_beyond_the_natural_limit_is_shown_at_the_limit():
    """5-3-3-a: a trend of 97 % matched enterprises does not forecast 110 % of them."""
    assert display.forecast_value(_target(100), _status(110.31)) == 100
    assert display.forecast_display(_target(100), _status(110.31)) == "100 %"


def test_a_forecast_within_the_limit_or_without_one_is_shown_as_computed():
    assert display.forecast_display(_target(100), _status(96.5)) == "96.5 %"
    assert display.forecast_display(_target(None), _status(110.31)) == "110.31 %"


def test_a_count_forecast_is_a_whole_number():
    chains = SimpleNamespace(kind="numeric", limit=None, unit="条", unit_zh="条")
    assert display.forecast_display(chains, _status(1.97)) == "2 条"


def test_the_reasons_name_the_measure_when_it_took_part():
    """At risk = Open SDG "substantial progress" weighed against a forecast well short: both
    are said, or the badge reads as contradicting its only reason."""
    from django.utils import translation

    st = TargetStatus(
        "at_risk", ("measure_substantial_progress", "forecast_short"), None, None, None, None, False
    )
    with translation.override("zh-hans"):
        measure, forecast = display.reasons_display(st)
    assert measure == "Open SDG 进展度量：进展显著"
    assert forecast == str(display.REASON_LABELS["forecast_short"])
    with translation.override("en"):
        assert display.reasons_display(st)[0] == "Open SDG progress measure: Substantial progress"
