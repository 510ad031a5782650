"""The schedule core: which reminders are due on a day (pure, no database)."""

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eco311.supervision.schedule import (
    SCHEDULE_PATH,
    PartyRef,
    ReturnFacts,
    ScheduleError,
    TargetFacts,
    due_reminders,
    load_schedule,
)

SCHEDULE = load_schedule()
DEADLINE = date(2025, 12, 31)
UNIT = PartyRef("unit", 7, "省生态环境厅")
ASSIST = PartyRef("unit", 9, "省工业和信息化厅")


def target(**fields) -> TargetFacts:
    values = {
        "id": 1,
        "key": "a1-a",
        "kind": "numeric",
        "deadline": DEADLINE,
        "status": "on_track",
        "parties": (UNIT,),
        "leads": (UNIT,),
        "plan_start": date(2023, 1, 1),
        "plan": "shandong-311",
        "period": "2025-Q3",
        "period_end": date(2025, 9, 30),
        "has_report": True,
    }
    values.update(fields)
    return TargetFacts(**values)


def due(targets=(), returns=(), as_of=DEADLINE):
    return due_reminders(SCHEDULE, list(targets), list(returns), as_of)


def rules(found) -> list[str]:
    return [d.rule for d in found]


# -- deadlines -----------------------------------------------------------------------------------


def test_exactly_30_days_before_the_deadline_a_reminder_is_due():
    found = due([target()], as_of=DEADLINE - timedelta(days=30))
    assert rules(found) == ["deadline_30"]
    assert found[0].level == "remind"
    assert found[0].party == UNIT
    assert "2025-12-31" in found[0].reason_zh and "30" in found[0].reason_en


def test_31_days_before_nothing_is_due():
    assert due([target()], as_of=DEADLINE - timedelta(days=31)) == []


def test_the_day_after_the_30_day_mark_it_is_the_same_reminder():
    on_the_day = due([target()], as_of=DEADLINE - timedelta(days=30))
    next_day = due([target()], as_of=DEADLINE - timedelta(days=29))
    assert [d.dedupe_key for d in next_day] == [d.dedupe_key for d in on_the_day]


def test_seven_days_before_it_urges_and_the_30_day_window_has_closed():
    found = due([target()], as_of=DEADLINE - timedelta(days=7))
    assert rules(found) == ["deadline_7"]
    assert found[0].level == "urge"
    assert rules(due([target()], as_of=DEADLINE - timedelta(days=8))) == ["deadline_30"]


def test_the_deadline_day_itself_is_in_the_last_window():
    assert rules(due([target()], as_of=DEADLINE)) == ["deadline_7"]


def test_a_met_target_gets_no_reminder():
    met = target(status="achieved", has_report=False)
    for days in (30, 7, 0, -1, -60):
        assert due([met], as_of=DEADLINE - timedelta(days=days)) == []


def test_every_responsible_unit_is_reminded():
    found = due([target(parties=(UNIT, ASSIST))], as_of=DEADLINE - timedelta(days=10))
    assert [d.party for d in found] == [UNIT, ASSIST]
    assert len({d.dedupe_key for d in found}) == 2


def test_a_target_nobody_answers_for_sends_nothing():
    assert due([target(parties=(), leads=())], as_of=DEADLINE - timedelta(days=10)) == []


# -- overdue -------------------------------------------------------------------------------------


def test_an_overdue_target_is_supervised_from_the_day_after():
    late = target(status="overdue")
    assert rules(due([late], as_of=DEADLINE)) == []  # a deadline rule needs a live target
    found = due([late], as_of=DEADLINE + timedelta(days=1))
    assert rules(found) == ["overdue"]
    assert found[0].level == "supervise"


def test_overdue_repeats_every_30_days_and_not_in_between():
    late = target(status="overdue")
    keys = {
        day: due([late], as_of=DEADLINE + timedelta(days=day))[0].dedupe_key
        for day in (1, 2, 30, 31, 60, 61)
    }
    assert keys[1] == keys[2] == keys[30]
    assert keys[31] == keys[60] != keys[1]
    assert keys[61] != keys[31]


def test_a_late_but_achieved_target_is_not_supervised():
    assert due([target(status="achieved")], as_of=DEADLINE + timedelta(days=40)) == []


# -- missing reports -----------------------------------------------------------------------------


def test_a_missing_report_is_reminded_after_the_grace_days():
    missing = target(has_report=False, deadline=date(2026, 12, 31))
    end = date(2025, 9, 30)
    assert due([missing], as_of=end + timedelta(days=14)) == []
    found = due([missing], as_of=end + timedelta(days=15))
    assert rules(found) == ["report_missing"]
    assert "2025-Q3" in found[0].reason_zh
    # The next day it is the same reminder; the next period is another.
    again = due([missing], as_of=end + timedelta(days=16))
    assert again[0].dedupe_key == found[0].dedupe_key
    later = replace(missing, period="2025-Q4", period_end=date(2025, 12, 31))
    assert due([later], as_of=date(2026, 1, 20))[0].dedupe_key != found[0].dedupe_key


def test_a_target_with_its_report_or_fed_by_the_survey_is_not_reminded():
    as_of = date(2025, 10, 20)
    far = {"deadline": date(2026, 12, 31)}
    assert due([target(has_report=True, **far)], as_of=as_of) == []
    assert due([target(has_report=False, takes_reports=False, **far)], as_of=as_of) == []


def test_a_milestone_reports_only_once_overdue():
    as_of = date(2025, 10, 20)
    ms = target(kind="milestone", has_report=False, deadline=date(2026, 12, 31))
    assert due([ms], as_of=as_of) == []
    late = replace(ms, deadline=date(2025, 6, 30), status="overdue")
    assert "report_missing" in rules(due([late], as_of=as_of))


# -- annual returns ------------------------------------------------------------------------------


def firm(status=None, year=2024, **fields) -> ReturnFacts:
    values = {"enterprise_id": 5, "uscc": "91370100MA0000001X", "name": "某环保公司"}
    values.update(fields)
    return ReturnFacts(year=year, status=status, **values)


SURVEY_DEADLINE = date(2025, 5, 31)  # of the 2024 returns


def test_the_survey_deadline_is_declared_in_the_file():
    assert SCHEDULE.survey_deadline_for(2024) == SURVEY_DEADLINE
    assert SCHEDULE.survey_year_due(SURVEY_DEADLINE) == 2024
    assert SCHEDULE.survey_year_due(SURVEY_DEADLINE + timedelta(days=1)) == 2025


def test_an_enterprise_without_its_return_is_reminded_before_the_survey_deadline():
    assert due(returns=[firm()], as_of=SURVEY_DEADLINE - timedelta(days=31)) == []
    found = due(returns=[firm()], as_of=SURVEY_DEADLINE - timedelta(days=30))
    assert rules(found) == ["return_due"]
    assert found[0].party == PartyRef("enterprise", 5)
    assert (found[0].uscc, found[0].year) == ("91370100MA0000001X", 2024)
    assert "2025-05-31" in found[0].reason_zh
    assert rules(due(returns=[firm("draft")], as_of=SURVEY_DEADLINE)) == ["return_due_7"]


def test_a_filed_return_is_not_reminded():
    for status in ("submitted", "approved"):
        assert due(returns=[firm(status)], as_of=SURVEY_DEADLINE - timedelta(days=3)) == []


def test_a_returned_return_not_resubmitted_is_urged_after_14_days_and_again():
    back = firm("returned", returned_on=date(2025, 3, 1))
    assert due(returns=[back], as_of=date(2025, 3, 14)) == []
    first = due(returns=[back], as_of=date(2025, 3, 15))
    assert rules(first) == ["return_returned"]
    assert first[0].level == "urge"
    same = due(returns=[back], as_of=date(2025, 3, 28))
    assert same[0].dedupe_key == first[0].dedupe_key
    assert due(returns=[back], as_of=date(2025, 3, 29))[0].dedupe_key != first[0].dedupe_key


# -- properties ----------------------------------------------------------------------------------

statuses = st.sampled_from(["achieved", "on_track", "at_risk", "off_track", "overdue", "no_data"])
days = st.integers(min_value=-400, max_value=400)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(status=statuses, offset=days, has_report=st.booleans())
def test_a_rerun_the_same_or_the_next_day_sends_nothing_new(status, offset, has_report):
    t = target(status=status, has_report=has_report)
    as_of = DEADLINE + timedelta(days=offset)
    today = {d.dedupe_key for d in due([t], as_of=as_of)}
    tomorrow = {d.dedupe_key for d in due([t], as_of=as_of + timedelta(days=1))}
    # Keys are unique within a run, and a key once sent is never due under another rule.
    assert len(today) == len(due([t], as_of=as_of))
    for key in tomorrow & today:
        assert key.split("|")[0] in {d.rule for d in due([t], as_of=as_of)}
    if status == "achieved":
        assert today == set()


@settings(derandomize=True, max_examples=200, deadline=None)
@given(offset=st.integers(min_value=0, max_value=60))
def test_at_most_one_deadline_reminder_a_day_per_party(offset):
    found = due([target()], as_of=DEADLINE - timedelta(days=offset))
    deadline_rules = [d for d in found if d.kind == "deadline"]
    assert len(deadline_rules) == (1 if offset <= 30 else 0)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(offset=st.integers(min_value=-400, max_value=400))
def test_the_result_is_sorted_and_stable(offset):
    ts = [target(id=2, key="b2"), target(id=1, key="a1", status="overdue", has_report=False)]
    as_of = DEADLINE + timedelta(days=offset)
    first = due(ts, as_of=as_of)
    assert first == due(list(reversed(ts)), as_of=as_of)
    assert first == sorted(first, key=lambda d: d.sort_key())


# -- the file ------------------------------------------------------------------------------------


def bad_schedule(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "schedule.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path)
    return caught.value.messages


def test_the_shipped_schedule_loads_with_the_rules_of_the_brief():
    keys = {r.key for r in SCHEDULE.rules}
    assert {
        "deadline_30",
        "deadline_7",
        "overdue",
        "report_missing",
        "return_due",
        "return_returned",
    } <= keys


def test_a_bad_level_is_located(tmp_path):
    text = SCHEDULE_PATH.read_text(encoding="utf-8").replace("level: urge", "level: shout", 1)
    messages = bad_schedule(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith("schedule.yaml: rules[1].level:")
    assert "(line " in messages[0]


def test_an_unknown_placeholder_is_located(tmp_path):
    text = SCHEDULE_PATH.read_text(encoding="utf-8").replace(
        "尚未报送 {period}", "尚未报送 {periode}"
    )
    messages = bad_schedule(tmp_path, text)
    assert any("rules[3].reason.zh" in m and "{periode}" in m for m in messages)


def test_an_impossible_survey_deadline_and_an_unknown_key_are_refused(tmp_path):
    text = SCHEDULE_PATH.read_text(encoding="utf-8").replace('"05-31"', '"02-30"')
    text = text.replace("    days: 30\n", "    days: 30\n    dayz: 3\n", 1)
    messages = bad_schedule(tmp_path, text)
    assert any("survey_deadline" in m and "02-30" in m for m in messages)
    assert any("rules[0].dayz" in m for m in messages)


def test_two_deadline_rules_with_the_same_days_are_refused(tmp_path):
    text = SCHEDULE_PATH.read_text(encoding="utf-8").replace("days: 7\n", "days: 30\n", 1)
    messages = bad_schedule(tmp_path, text)
    assert any("rules[1].days" in m and "30 days" in m for m in messages)


def test_every_key_and_kind_of_the_schedule_is_documented():
    from eco311.supervision.schedule import KINDS, PLACEHOLDERS, Rule, Schedule

    doc = (Path(__file__).resolve().parents[2] / "docs" / "supervision.md").read_text("utf-8")
    fields = [f.alias or name for name, f in Schedule.model_fields.items()]
    fields += list(Rule.model_fields)
    missing = [k for k in (*fields, *KINDS) if f"`{k}`" not in doc]
    missing += [p for names in PLACEHOLDERS.values() for p in names if f"`{{{p}}}`" not in doc]
    assert missing == []
