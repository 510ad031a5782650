"""The drafted words of the evaluation report, from plain facts (no database)."""

from datetime import date

from eco311.evaluation.narrative import Facts, LaggingTarget, SilentUnit, draft, judgement, problems

AS_OF = date(2025, 6, 30)


def lagging(**kw) -> LaggingTarget:
    fields = {
        "key": "1-2-3-b",
        "text": "培育环保企业300家",
        "status": "off_track",
        "reasons": ["预测值明显低于目标"],
        "deadline": date(2025, 12, 31),
        "target_display": "≥ 300 家",
        "forecast": "240 家",
        "units": ["山东省生态环境厅"],
    }
    fields.update(kw)
    return LaggingTarget(**fields)


def facts(lang="zh", **kw) -> Facts:
    base = {
        "lang": lang,
        "as_of": AS_OF,
        "counts": {"achieved": 3, "on_track": 1, "off_track": 1, "no_data": 0},
    }
    base.update(kw)
    return Facts(**base)


def test_a_lagging_target_appears_in_the_problems_with_its_reason():
    text = problems(facts(lagging=[lagging()]))
    assert "1-2-3-b" in text and "培育环保企业300家" in text
    assert "预测值明显低于目标" in text
    assert "山东省生态环境厅" in text
    assert "进度滞后" in text


def test_a_forecast_beyond_the_deadline_is_said_with_both_years():
    t = lagging(forecast_year=2027, reasons=[])
    assert "预计2027年才能达到目标，晚于2025年的期限" in problems(facts(lagging=[t]))
    en = problems(facts("en", lagging=[t]))
    assert "forecast 2027, beyond the 2025 deadline" in en


def test_a_unit_that_has_not_reported_appears_in_problems_and_next_steps():
    silent = SilentUnit("山东省商务厅", ["5-1-2-b", "5-1-2-f"], 200)
    f = facts(silent_units=[silent])
    text = problems(f)
    assert "山东省商务厅" in text and "5-1-2-b、5-1-2-f" in text and "200天" in text
    steps = draft(f).next_steps
    assert "山东省商务厅" in steps and "补报5-1-2-b、5-1-2-f" in steps


def test_all_achieved_gives_no_lagging_paragraph():
    f = facts(counts={"achieved": 5})
    text = problems(f)
    assert "滞后" not in text.replace("未发现进度滞后", "")
    assert text.startswith("截至2025年6月30日，未发现")
    assert "各项目标均已完成或进展顺利" in judgement(f)


def test_next_steps_name_each_lagging_target_under_its_lead_unit():
    ts = [
        lagging(),
        lagging(key="4-2-1-a", status="overdue", kind="milestone", units=["山东省工业和信息化厅"]),
        lagging(key="2-3-3-b", status="at_risk", units=[]),
    ]
    steps = draft(facts(lagging=ts)).next_steps
    assert "山东省生态环境厅：对进度滞后的1-2-3-b" in steps
    assert "山东省工业和信息化厅：对已逾期的4-2-1-a" in steps
    # a target without a unit: the plan owner names one
    assert "2-3-3-b" in steps and "指定牵头单位" in steps


def test_the_judgement_counts_and_shares_come_from_the_status_counts():
    f = facts(counts={"achieved": 6, "on_track": 2, "at_risk": 1, "off_track": 1, "no_data": 0})
    text = judgement(f)
    assert "纳入评估的10项目标" in text
    assert "合计8项，占80.0%" in text
    en = judgement(facts("en", counts=f.counts))
    assert "10 targets were evaluated" in en and "80.0%" in en
    assert "without data. Overall" in en  # the verdict is a sentence of its own


def test_lagging_targets_are_listed_worst_first_and_the_rest_counted():
    ts = [lagging(key=f"k{i:02d}", status="at_risk") for i in range(14)]
    ts.append(lagging(key="zz", status="overdue"))
    text = problems(facts(lagging=ts))
    assert text.index("zz") < text.index("k00")
    assert "另有3项" in text
