"""The evaluation report's words, drafted from plain data: the overall judgement, 存在问题
(problems) and 下一步工作 (next steps), in Chinese or English.

Pure: no Django. evaluation/draft.py reads the database into `Facts`; this module only writes.
Every sentence names its figures and the targets or units they come from, so an official can
check each one against the tables of the same report (the as-of date and the sources are
stated there). A paragraph about lagging targets is written only when some target lags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from eco311.reports.document import Narrative

STATUSES = ("achieved", "on_track", "at_risk", "off_track", "overdue", "no_data")
LAGGING = ("overdue", "off_track", "at_risk")  # worst first

STATUS_WORDS = {
    "zh": {
        "achieved": "已完成",
        "on_track": "进展顺利",
        "at_risk": "存在风险",
        "off_track": "进度滞后",
        "overdue": "逾期未完成",
        "no_data": "暂无数据",
    },
    "en": {
        "achieved": "achieved",
        "on_track": "on track",
        "at_risk": "at risk",
        "off_track": "off track",
        "overdue": "overdue",
        "no_data": "no data",
    },
}

CN_ORDINALS = "一二三四五六七八九十"

#: How many lagging targets the problems paragraph names one by one; the rest are counted
#: (the warnings table lists them all).
MAX_NAMED = 12


@dataclass
class LaggingTarget:
    key: str
    text: str
    status: str  # one of LAGGING
    reasons: list[str]  # the status engine's reasons, already in the report language
    deadline: date | None
    target_display: str
    latest: str | None = None
    forecast: str | None = None
    forecast_year: int | None = None  # the year the trend reaches the target, when it does
    units: list[str] = field(default_factory=list)  # lead units first
    kind: str = "numeric"  # numeric, milestone, recurring
    no_recent_report: bool = False


@dataclass
class SilentUnit:
    """A unit that answers for targets without a report this period (missing-report warnings)."""

    name: str
    targets: list[str]  # target keys
    days: int  # the longest gap, in days since the last report


@dataclass
class Facts:
    lang: str
    as_of: date
    counts: dict[str, int]
    warnings: int = 0
    lagging: list[LaggingTarget] = field(default_factory=list)
    silent_units: list[SilentUnit] = field(default_factory=list)
    # (section label, counts) for the sections of the plan
    sections: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    period_end: date | None = None  # the plan period's end
    #: Keys of targets without a report this period for which no unit answers.
    unreported_unassigned: list[str] = field(default_factory=list)


def _date(d: date | None, lang: str) -> str:
    if d is None:
        return "—"
    if lang == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    months = (
        "January February March April May June July August September October November December"
    ).split()
    return f"{d.day} {months[d.month - 1]} {d.year}"


def _share(n: int, total: int) -> str:
    return f"{(n / total * 100) if total else 0.0:.1f}%"


def _join(items: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# -- the overall judgement ---------------------------------------------------------------------


def judgement(f: Facts) -> str:
    """Counts and shares by status, a verdict from the share achieved or on track, and the best
    and the weakest section."""
    c = {s: f.counts.get(s, 0) for s in STATUSES}
    total = sum(c.values())
    zh = f.lang == "zh"
    words = STATUS_WORDS[f.lang]
    good = c["achieved"] + c["on_track"]
    bad = c["at_risk"] + c["off_track"] + c["overdue"]
    share_good = good / total if total else 0.0
    if total == 0:
        return (
            f"截至{_date(f.as_of, 'zh')}，本计划尚无纳入评估的目标。"
            if zh
            else f"As of {_date(f.as_of, 'en')}, the plan has no targets to evaluate."
        )
    if zh:
        first = (
            f"截至{_date(f.as_of, 'zh')}，纳入评估的{total}项目标中，"
            f"{words['achieved']}{c['achieved']}项、{words['on_track']}{c['on_track']}项，"
            f"合计{good}项，占{_share(good, total)}；"
            f"{words['at_risk']}{c['at_risk']}项、{words['off_track']}{c['off_track']}项、"
            f"{words['overdue']}{c['overdue']}项，合计{bad}项，占{_share(bad, total)}；"
            f"{words['no_data']}{c['no_data']}项。"
        )
    else:
        first = (
            f"As of {_date(f.as_of, 'en')}, {total} targets were evaluated: {c['achieved']} "
            f"achieved and {c['on_track']} on track, {good} in all ({_share(good, total)}); "
            f"{c['at_risk']} at risk, {c['off_track']} off track and {c['overdue']} overdue, "
            f"{bad} in all ({_share(bad, total)}); {c['no_data']} without data."
        )
    if bad == 0 and c["no_data"] == 0:
        verdict = (
            "行动计划各项目标均已完成或进展顺利。"
            if zh
            else "Every target of the plan is achieved or on track."
        )
    elif share_good >= 0.8:
        verdict = (
            "行动计划总体进展顺利，少数目标需加强跟踪。"
            if zh
            else "Overall the plan is progressing well; a few targets need closer follow-up."
        )
    elif share_good >= 0.6:
        verdict = (
            "行动计划总体进展基本符合预期，但部分目标进度滞后，需加大推进力度。"
            if zh
            else "Overall the plan is broadly on course, but some targets lag and need a "
            "stronger push."
        )
    else:
        verdict = (
            "行动计划总体进展滞后于预期，完成情况不容乐观，需重点督办。"
            if zh
            else "Overall the plan is behind expectations; the lagging targets need supervision."
        )
    parts = [first + verdict if zh else f"{first} {verdict}"]
    ranked = [(label, cs) for label, cs in f.sections if sum(cs.values())]
    if len(ranked) >= 2:

        def good_share(cs):
            return (cs.get("achieved", 0) + cs.get("on_track", 0)) / sum(cs.values())

        def lag_count(cs):
            return sum(cs.get(s, 0) for s in LAGGING)

        best = max(ranked, key=lambda x: good_share(x[1]))
        worst = max(ranked, key=lambda x: lag_count(x[1]))
        if lag_count(worst[1]) and worst[0] != best[0]:
            parts.append(
                f"从计划章节看，“{best[0]}”完成情况最好（完成或进展顺利占"
                f"{good_share(best[1]) * 100:.1f}%），“{worst[0]}”滞后目标最多"
                f"（{lag_count(worst[1])}项）。"
                if zh
                else f"By section, “{best[0]}” is doing best ({good_share(best[1]) * 100:.1f}% "
                f"achieved or on track) and “{worst[0]}” has the most lagging targets "
                f"({lag_count(worst[1])})."
            )
    return "\n\n".join(parts)


# -- 存在问题 ------------------------------------------------------------------------------------


def _why(t: LaggingTarget, lang: str, period_end: date | None) -> str:
    """The reasons for one lagging target: the forecast against the deadline first, then the
    status engine's own reasons."""
    zh = lang == "zh"
    bits = []
    deadline_year = t.deadline.year if t.deadline else None
    if t.forecast_year and deadline_year and t.forecast_year > deadline_year:
        bits.append(
            f"按当前趋势预计{t.forecast_year}年才能达到目标，晚于{deadline_year}年的期限"
            if zh
            else f"forecast {t.forecast_year}, beyond the {deadline_year} deadline"
        )
    elif t.forecast and t.kind == "numeric":
        bits.append(
            f"预计截止时达到{t.forecast}，目标为{t.target_display}"
            if zh
            else f"forecast {t.forecast} at the deadline against a target of {t.target_display}"
        )
    if t.latest:
        bits.append(f"最新值{t.latest}" if zh else f"latest value {t.latest}")
    bits.extend(t.reasons)
    if t.no_recent_report:
        bits.append("本期未报送进展" if zh else "no report this period")
    sep = "；" if zh else "; "
    return sep.join(dict.fromkeys(b for b in bits if b))


def _target_line(i: int, t: LaggingTarget, lang: str, period_end: date | None) -> str:
    zh = lang == "zh"
    word = STATUS_WORDS[lang][t.status]
    units = _join(t.units, lang) if t.units else ("计划未明确责任单位" if zh else "no unit named")
    deadline = _date(t.deadline, lang)
    if zh:
        return (
            f"（{i}）{t.key}“{t.text}”（责任单位：{units}；期限：{deadline}）——{word}："
            f"{_why(t, lang, period_end)}。"
        )
    return (
        f"({i}) {t.key} “{t.text}” (responsible: {units}; deadline {deadline}): {word}: "
        f"{_why(t, lang, period_end)}."
    )


def problems(f: Facts) -> str:
    """Which targets lag and why (worst first), which units have not reported this period, and
    the targets without any data. Empty of lagging paragraphs when nothing lags."""
    zh = f.lang == "zh"
    heads = []
    out = []
    lagging = sorted(f.lagging, key=lambda t: (LAGGING.index(t.status), t.key))
    if lagging:
        by = {s: sum(1 for t in lagging if t.status == s) for s in LAGGING}
        words = STATUS_WORDS[f.lang]
        mix = _join(
            [f"{words[s]}{by[s]}项" if zh else f"{by[s]} {words[s]}" for s in LAGGING if by[s]],
            f.lang,
        )
        heads.append(
            f"部分目标进度滞后。共{len(lagging)}项目标未能按期推进（{mix}）："
            if zh
            else f"Some targets lag: {len(lagging)} are not progressing as planned ({mix}):"
        )
        lines = [
            _target_line(i, t, f.lang, f.period_end) for i, t in enumerate(lagging[:MAX_NAMED], 1)
        ]
        rest = len(lagging) - MAX_NAMED
        if rest > 0:
            lines.append(
                f"另有{rest}项，详见预警清单和目标明细。"
                if zh
                else f"{rest} more are listed in the warnings and the targets table."
            )
        out.append((heads[-1], lines))
    if f.silent_units or f.unreported_unassigned:
        units = sorted(f.silent_units, key=lambda u: (-u.days, u.name))
        if zh:
            heads.append(
                f"部分责任单位本期未报送进展。{len(units)}个单位负责的目标超过报送周期未报送进展情况："
                if units
                else "部分目标本期无人报送进展："
            )
        else:
            heads.append(
                f"Some responsible units have not reported this period: {len(units)} units "
                "answer for targets without a report within the reporting interval:"
                if units
                else "Some targets had no report this period:"
            )
        lines = []
        for u in units:
            keys = _join(u.targets, f.lang)
            lines.append(
                f"{u.name}：{keys}，最长已{u.days}天未报送。"
                if zh
                else f"{u.name}: {keys}; the longest gap is {u.days} days."
            )
        if f.unreported_unassigned:
            keys = _join(f.unreported_unassigned, f.lang)
            lines.append(
                f"另有{len(f.unreported_unassigned)}项目标计划未明确责任单位，本期无人报送：{keys}。"
                if zh
                else f"{len(f.unreported_unassigned)} more targets, with no unit named, had no "
                f"report this period: {keys}."
            )
        out.append((heads[-1], lines))
    no_data = f.counts.get("no_data", 0)
    if no_data:
        heads.append(
            f"部分目标暂无数据。{no_data}项目标尚无经审核的进展数据，无法评价其进展。"
            if zh
            else f"Some targets have no data: {no_data} have no approved progress figure yet "
            "and cannot be judged."
        )
        out.append((heads[-1], []))
    if not out:
        return (
            f"截至{_date(f.as_of, 'zh')}，未发现进度滞后、逾期或未按期报送的情况。"
            if zh
            else f"As of {_date(f.as_of, 'en')}, no target lags, none is overdue and every unit "
            "has reported."
        )
    paragraphs = []
    for i, (head, lines) in enumerate(out):
        lead = f"{CN_ORDINALS[i]}是" if zh else ""
        paragraphs.append(lead + head)
        paragraphs.extend(lines)
    return "\n\n".join(paragraphs)


# -- 下一步工作 ----------------------------------------------------------------------------------


STEP_ORDER = ("overdue_done", "overdue_value", "off_track", "milestone", "recurring", "at_risk")


def _category(t: LaggingTarget) -> str:
    if t.status == "overdue":
        return "overdue_done" if t.kind == "milestone" else "overdue_value"
    if t.kind in ("milestone", "recurring"):
        return t.kind
    return "off_track" if t.status == "off_track" else "at_risk"


def _step(category: str, ts: list[LaggingTarget], lang: str) -> str:
    """One next step for the targets of one unit in the same situation, naming them."""
    zh = lang == "zh"
    keys = _join([t.key for t in ts], lang)
    n = len(ts)
    if category == "overdue_done":
        return (
            f"对已逾期的{keys}（{n}项），尽快完成并报送完成佐证材料，书面说明逾期原因和完成时限"
            if zh
            else f"for {keys} (overdue), complete the work, file the evidence and state in "
            "writing why it is late and by when it will be done"
        )
    if category == "overdue_value":
        detail = _join([f"{t.key}{t.target_display}" for t in ts], lang)
        return (
            f"对已超过期限仍未达标的{keys}，提出整改措施和达标时限，按月报送进展（目标：{detail}）"
            if zh
            else f"for {keys}, past the deadline without reaching the target, set out corrective "
            f"measures and a date and report monthly (targets: {detail})"
        )
    if category == "off_track":
        detail = _join(
            [
                f"{t.key}于{_date(t.deadline, lang)}前达到{t.target_display}"
                if zh
                else f"{t.key} {t.target_display} by {_date(t.deadline, lang)}"
                for t in ts
            ],
            lang,
        )
        return (
            f"对进度滞后的{keys}，制定赶超计划，按月调度（{detail}）"
            if zh
            else f"for {keys}, off track, draw up a catch-up plan and follow it monthly ({detail})"
        )
    if category == "milestone":
        return (
            f"对{keys}，明确完成时间表，在期限前报送阶段性佐证材料"
            if zh
            else f"for {keys}, set a timetable and file interim evidence before the deadline"
        )
    if category == "recurring":
        return (
            f"对{keys}，按周期要求组织开展，补齐本周期应开展的次数"
            if zh
            else f"for {keys}, hold the events the current period still requires"
        )
    return (
        f"对存在风险的{keys}，加强调度，按季度跟踪，防止进一步滞后"
        if zh
        else f"for {keys}, at risk, follow them quarterly to keep them from slipping further"
    )


def next_steps(f: Facts) -> str:
    """Per responsible unit, what to do about its lagging targets (grouped by situation); for
    targets with no unit, that the plan owner names one; then the units that owe a report; then
    how the plan owner will follow up. Built from the same facts as the problems, so every step
    names its targets or unit."""
    zh = f.lang == "zh"
    lagging = sorted(f.lagging, key=lambda t: (LAGGING.index(t.status), t.key))
    by_unit: dict[str, list[LaggingTarget]] = {}
    unnamed = []
    for t in lagging:
        if t.units:
            by_unit.setdefault(t.units[0], []).append(t)
        else:
            unnamed.append(t)
    paragraphs = []
    n = 0
    sep = "；" if zh else "; "
    for unit, ts in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        n += 1
        groups: dict[str, list[LaggingTarget]] = {}
        for t in ts:
            groups.setdefault(_category(t), []).append(t)
        steps = sep.join(_step(c, groups[c], f.lang) for c in STEP_ORDER if c in groups)
        paragraphs.append(f"（{n}）{unit}：{steps}。" if zh else f"({n}) {unit}: {steps}.")
    if unnamed:
        n += 1
        keys = _join([t.key for t in unnamed], f.lang)
        paragraphs.append(
            f"（{n}）{len(unnamed)}项滞后目标计划未明确责任单位（{keys}），"
            "由省生态环境厅指定牵头单位和联系人，纳入督办台账。"
            if zh
            else f"({n}) {len(unnamed)} lagging targets have no unit named in the plan ({keys}): "
            "the plan owner assigns a lead unit and a contact to each and adds them to the "
            "supervision ledger."
        )
    for u in sorted(f.silent_units, key=lambda u: (-u.days, u.name)):
        n += 1
        keys = _join(u.targets, f.lang)
        paragraphs.append(
            f"（{n}）{u.name}：在下一报送期内补报{keys}的进展情况和佐证材料。"
            if zh
            else f"({n}) {u.name}: file the missing progress reports for {keys}, with evidence, "
            "in the next reporting period."
        )
    if not paragraphs:
        return (
            "继续按季度跟踪各项目标进展，巩固已完成目标成果，确保行动计划全面完成。"
            if zh
            else "Keep following every target quarterly, consolidate what has been achieved, and "
            "see the plan through to its end."
        )
    close = (
        "省生态环境厅将对上述目标和单位实行“提醒—催办—督办”，在下一次评估中逐项复核整改情况。"
        if zh
        else "The plan owner will follow these targets and units up with reminders, urging and "
        "supervision (提醒—催办—督办), and check each of them again at the next evaluation."
    )
    intro = (
        "针对上述问题，下一步重点做好以下工作："
        if zh
        else "To address these problems, the next steps are:"
    )
    return "\n\n".join([intro, *paragraphs, close])


def draft(f: Facts, foreword: str = "") -> Narrative:
    """The whole narrative drafted from the facts (what "redraft from data" restores)."""
    return Narrative(
        judgement=judgement(f), problems=problems(f), next_steps=next_steps(f), foreword=foreword
    )
