"""What every Excel export of the platform shares: the "说明 About" sheet.

An exported table travels without the page it came from, so its About sheet says what it is,
who exported it when, and, on the demo, that the data are synthetic.
"""

#: The demo's line of every About sheet.
SYNTHETIC = (
    "合成数据 Synthetic data",
    "演示平台：所有企业数据均为测试用合成数据，不是官方统计。",
    "Demonstration platform: all enterprise data are synthetic, not official statistics.",
)


def write_about_sheet(workbook, lines, *, demo: bool, width: int = 64) -> None:
    """Add the About sheet to an xlsxwriter ``workbook``: one row per ``(label, Chinese,
    English)`` line, then the synthetic-data line when ``demo``."""
    about = workbook.add_worksheet("说明 About")
    about.set_column(0, 0, 26)
    about.set_column(1, 2, width)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True, "valign": "top"})
    for i, (label, zh, en) in enumerate([*lines, *([SYNTHETIC] if demo else [])]):
        about.write_string(i, 0, label, bold)
        about.write_string(i, 1, zh, wrap)
        about.write_string(i, 2, en, wrap)
