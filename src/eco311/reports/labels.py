"""Chinese (zh-hans) text for every msgid the report renderers use.

To be merged into the project's zh-hans catalogue; until then `i18n._` falls back to it.
A test checks that every `_("...")` msgid in this package has an entry here.
"""

ZH: dict[str, str] = {
    # Statuses
    "Achieved": "已完成",
    "On track": "进展顺利",
    "At risk": "存在风险",
    "Off track": "进度滞后",
    "Overdue": "逾期未完成",
    "No data": "暂无数据",
    # Open SDG progress measure
    "Target achieved": "已实现目标",
    "Substantial progress": "进展显著",
    "Moderate progress": "进展一般，需加快",
    "Limited progress": "进展有限",
    "Deterioration": "出现倒退",
    "Not measurable": "无法测算",
    # Warning kinds ("Overdue" is shared with the statuses)
    "Due soon": "即将到期",
    "Slow progress": "进展缓慢",
    "Missing report": "未按期报送",
    # Headings
    "Evaluation report": "实施情况评估报告",
    "SYNTHETIC DEMO DATA": "合成演示数据",
    "This report was generated from synthetic demonstration data. Its figures do not "
    "describe real progress and must not be cited.": (
        "本报告由合成演示数据生成，所列数字不反映真实进展，不得引用。"
    ),
    "Overall progress": "总体进展情况",
    "Targets by status": "各状态目标数量",
    "Status mix by plan section": "各章节目标状态构成",
    "Number of targets": "目标数量（项）",
    "Status by plan section": "按计划章节统计",
    "Status by responsible unit": "按责任单位统计",
    "All targets": "目标明细",
    "Warnings": "预警清单",
    "No warnings.": "无预警。",
    "Method and sources": "评估方法与数据来源",
    # Column labels
    "Section": "章节",
    "Responsible unit": "责任单位",
    "Total": "合计",
    "Count": "数量",
    "Share": "占比",
    "Status": "状态",
    "Key": "编号",
    "Target": "目标内容",
    "Scope": "范围",
    "Responsible": "责任单位",
    "Deadline": "完成时限",
    "Deadline as written": "时限（原文）",
    "Target value": "目标值",
    "Latest value": "最新值",
    "Period": "报告期",
    "Forecast": "预测",
    "Projected date": "预计达成日期",
    "Progress measure": "进展度量",
    "Notes": "说明",
    "Status code": "状态代码",
    "Type": "类型",
    "Detail": "详情",
    "Plan": "计划",
    "Plan key": "计划编号",
    "As of": "数据截至",
    "Generated": "生成时间",
    "Source": "数据来源",
    "Synthetic data": "合成数据",
    "Yes": "是",
    "No": "否",
    # Spreadsheet sheet names (Excel allows at most 31 characters)
    "Summary": "概览",
    "By section": "按章节",
    "By unit": "按责任单位",
    "Targets": "目标明细",
    "About": "说明",
    # Sentences
    "Data as of %(date)s": "数据截至%(date)s",
    "Generated %(datetime)s": "生成于%(datetime)s",
    "Page %(page)s of %(pages)s": "第 %(page)s 页 / 共 %(pages)s 页",
    "Projected: %(date)s": "预计达成：%(date)s",
    "As of %(date)s, %(total)s targets of the plan are evaluated.": (
        "截至%(date)s，纳入评估的目标共 %(total)s 项。"
    ),
    "%(status)s: %(count)s (%(share)s)": "%(status)s %(count)s 项（%(share)s）",
    "By status: %(list)s.": "按状态分：%(list)s。",
    "%(good)s targets (%(good_share)s) are achieved or on track; %(bad)s "
    "(%(bad_share)s) are at risk, off track or overdue.": (
        "已完成或进展顺利的目标 %(good)s 项（%(good_share)s），"
        "存在风险、进度滞后或逾期未完成的目标 %(bad)s 项（%(bad_share)s）。"
    ),
    "Warnings needing attention: %(count)s (see the warnings table).": (
        "需关注的预警 %(count)s 条（详见预警清单）。"
    ),
    "Section VI(2) of the plan asks the provincial Department of Ecology and Environment, "
    "with the departments concerned, to evaluate the implementation of the plan's tasks "
    "periodically. This report covers every quantified or milestone target taken from the "
    "plan text, with its section, scope, responsible units and deadline.": (
        "《行动计划》第六部分第（二）项规定，省生态环境厅将会同有关部门定期对行动计划任务落实情况"
        "进行评估。本报告覆盖从计划文本中提取的全部量化目标和节点目标，并列明其所属章节、适用范围、"
        "责任单位和完成时限。"
    ),
    "Values come from approved progress reports only. A target's status compares its "
    "latest approved value and a forecast to its deadline with the target value: achieved "
    "means the target has been reached; on track, that the forecast reaches it by the "
    "deadline; at risk, that the forecast falls slightly short; off track, that it falls "
    "clearly short; overdue, that the deadline has passed without the target being "
    "reached; no data, that there is no approved value yet.": (
        "数据仅取自已审核通过的进展报送。各目标的状态由最新审核值及其至完成时限的预测值与目标值比较得出："
        "“已完成”指已达到目标值；“进展顺利”指预测可按期达到目标；“存在风险”指预测值略低于目标；"
        "“进度滞后”指预测值明显低于目标；“逾期未完成”指已过完成时限仍未达到目标；"
        "“暂无数据”指尚无审核通过的数据。"
    ),
    "The progress measure follows the Open SDG progress categories. Notes flag values "
    "that need a caveat. Figures are shown as reported, in the units of the plan.": (
        "进展度量采用 Open SDG 进展分类。“说明”栏标注需要特别提示的数据。"
        "数字按报送口径列示，计量单位与计划一致。"
    ),
}
