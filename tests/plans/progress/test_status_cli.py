"""Tests of ``eco311 progress status`` (eco311.plans.progress.status_cli)."""

import json
import subprocess
import sys
from datetime import date

import pytest

from eco311.plans.progress.cli import main
from eco311.plans.progress.status import Observation, TargetSpec, compute_status
from eco311.plans.progress.status_cli import COLUMNS, MESSAGES, read_cases

HEADER = (
    "id,kind,op,value,value_max,direction,start,deadline,recurring_count,recurring_per,"
    "as_of,observations"
)
ROWS = [
    "count,numeric,=,1,,1,2023-01-01,2025-12-31,,,2025-06-30,2023-12-31:0;2024-12-31:1.04",
    "linear,numeric,>=,200,,1,2021-01-01,2030-12-31,,,2025-02-01,"
    "2021-12-31:100;2022-12-31:112;2023-12-31:124;2024-12-31:136",
    "short,numeric,>=,100,,,2021-01-01,2025-12-31,,,2025-02-01,"
    "2021-12-31:80;2022-12-31:84;2023-12-31:88;2024-12-31:92",
    "milestone,milestone,,,,,2024-01-01,2024-12-31,,,2024-10-01,2024-09-30:progress=40",
    "events,recurring,,,,,2023-01-01,2025-12-31,4,year,2024-07-01,2024-02-01:done;2024-05-01:count=1",
    "late,numeric,<=,35,,-1,2021-01-01,2024-12-31,,,2025-03-01,2022-12-31:40;2023-12-31:38",
]


def write(tmp_path, text, name="targets.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def good_file(tmp_path):
    return write(tmp_path, "\n".join([HEADER, *ROWS]) + "\n")


def test_it_prints_the_status_of_each_target_in_input_order(tmp_path, capsys):
    code, out, err = run(["status", good_file(tmp_path), "--format", "json"], capsys)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [d["id"] for d in data] == ["count", "linear", "short", "milestone", "events", "late"]
    assert all(set(d) == {"id", "status", "reasons", "forecast", "projected_date"} for d in data)
    by_id = {d["id"]: d for d in data}
    # Each row equals what the core computes for the same target.
    linear = TargetSpec(
        kind="numeric", op=">=", value=200.0, start=date(2021, 1, 1), deadline=date(2030, 12, 31)
    )
    obs = [Observation(date(y, 12, 31), v) for y, v in [(2021, 100), (2022, 112), (2023, 124)]]
    obs.append(Observation(date(2024, 12, 31), 136.0))
    st = compute_status(linear, obs, date(2025, 2, 1))
    assert by_id["linear"] == {
        "id": "linear",
        "status": st.status,
        "reasons": list(st.reasons),
        "forecast": st.forecast.value_at_deadline,
        "projected_date": st.projected_date.isoformat(),
    }
    assert by_id["linear"]["status"] == "on_track"
    assert (by_id["count"]["status"], by_id["count"]["reasons"]) == ("achieved", ["target_met"])
    assert by_id["short"]["projected_date"] is None and by_id["short"]["forecast"] < 100
    assert by_id["milestone"]["status"] == "at_risk"
    assert by_id["events"]["status"] == "on_track"
    assert by_id["late"]["status"] == "overdue" and by_id["late"]["forecast"] is None


def test_it_prints_csv_with_reasons_joined(tmp_path, capsys):
    code, out, _ = run(["status", good_file(tmp_path), "--format", "csv"], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "id,status,reasons,forecast,projected_date"
    assert lines[1] == "count,achieved,target_met,,"
    assert lines[2].startswith("linear,on_track,measure_substantial_progress;forecast_reaches,")


def test_it_accepts_a_file_with_only_the_required_columns_and_a_bom(tmp_path, capsys):
    text = "\ufeffid,kind,start,as_of\n目标,milestone,2024-01-01,2024-03-01\n"
    code, out, _ = run(["status", write(tmp_path, text)], capsys)
    assert code == 0
    assert json.loads(out) == [
        {
            "id": "目标",
            "status": "no_data",
            "reasons": ["no_reports"],
            "forecast": None,
            "projected_date": None,
        }
    ]


def test_the_optional_columns_carry_the_base_point(tmp_path):
    text = (
        "id,kind,op,value,start,deadline,as_of,base_year,base_value,observations\n"
        "b,numeric,>=,150,2021-01-01,2025-12-31,2023-03-01,2020,100,2022-12-31:120\n"
    )
    [(case_id, spec, obs, as_of)] = read_cases(text)
    assert (spec.base_year, spec.base_value) == (2020.0, 100.0)
    assert obs == [Observation(date(2022, 12, 31), 120.0)] and as_of == date(2023, 3, 1)


@pytest.mark.parametrize(
    "column,value,reason_en,reason_zh",
    [
        ("kind", "vague", "must be one of numeric, milestone, recurring", "应为 numeric"),
        ("op", "~", "must be one of", "应为以下之一"),
        ("value", "lots", "is not a number", "不是数字"),
        ("value", "inf", "is not a finite number", "不是有限数值"),
        ("direction", "0", "must be 1 or -1", "应为 1 或 -1"),
        ("start", "2024/01/01", "is not an ISO date", "不是 ISO 日期"),
        ("deadline", "2020-12-31", "is before the start date", "早于"),
        ("recurring_count", "2.5", "must be a positive whole number", "应为正整数"),
        ("recurring_per", "week", "must be one of year", "应为以下之一"),
        ("as_of", "", "must not be empty", "不能为空"),
        ("observations", "2024-12-31", "expected DATE:CONTENT", "日期:内容"),
        ("observations", "2024-02-30:5", "date is not an ISO date", "日期不是 ISO 日期"),
        ("observations", "2024-12-31:done", "a numeric target's observation", "数值目标"),
    ],
)
def test_it_rejects_a_bad_cell_naming_row_column_value_and_reason(
    tmp_path, capsys, column, value, reason_en, reason_zh
):
    cells = {
        "id": "x",
        "kind": "numeric",
        "op": ">=",
        "value": "10",
        "value_max": "",
        "direction": "1",
        "start": "2024-01-01",
        "deadline": "2025-12-31",
        "recurring_count": "",
        "recurring_per": "",
        "as_of": "2025-01-01",
        "observations": "2024-06-30:5",
    }
    cells[column] = value
    good = ",".join(HEADER.split(","))
    row = ",".join(cells[c] for c in HEADER.split(","))
    path = write(tmp_path, f"{good}\n{ROWS[0]}\n{row}\n")
    for lang, reason, located in [
        ("en", reason_en, f"row 3, column '{column}': '{value}' "),
        ("zh", reason_zh, f"第 3 行，“{column}”列：“{value}”"),
    ]:
        code, out, err = run(["status", path, "--lang", lang], capsys)
        assert (code, out) == (2, "")
        assert len(err.strip().splitlines()) == 1
        assert path in err and located in err and reason in err
        assert "Traceback" not in err


@pytest.mark.parametrize(
    "kind,item,key",
    [
        ("milestone", "2024-06-30:progress=120", "bad_milestone_item"),
        ("milestone", "2024-06-30:count=1", "bad_milestone_item"),
        ("recurring", "2024-06-30:count=-1", "bad_recurring_item"),
        ("recurring", "2024-06-30:progress=50", "bad_recurring_item"),
    ],
)
def test_it_rejects_an_observation_of_the_wrong_form_for_its_kind(
    tmp_path, capsys, kind, item, key
):
    text = f"id,kind,start,deadline,as_of,observations\nx,{kind},2024-01-01,2024-12-31,2024-07-01,{item}\n"
    code, out, err = run(["status", write(tmp_path, text), "--lang", "en"], capsys)
    assert (code, out) == (2, "")
    assert MESSAGES[key][1].format(item=item) in err


def test_a_comparator_without_a_value_is_rejected(tmp_path, capsys):
    text = "id,kind,op,start,as_of\nx,numeric,>=,2024-01-01,2024-07-01\n"
    code, _, err = run(["status", write(tmp_path, text), "--lang", "en"], capsys)
    assert code == 2 and "row 2, column 'value'" in err and "comparator '>='" in err


def test_it_rejects_a_missing_required_column_and_an_unreadable_file(tmp_path, capsys):
    code, _, err = run(["status", write(tmp_path, "id,kind,start\n")], capsys)
    assert code == 2 and err.strip() == MESSAGES["missing_column"][0].format(
        file=str(tmp_path / "targets.csv"), column="as_of"
    )
    code, _, err = run(["status", str(tmp_path / "missing.csv")], capsys)
    assert code == 2 and "无法读取文件" in err
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,kind,start,as_of\né,numeric,2024-01-01,2024-02-01\n".encode("latin-1"))
    code, _, err = run(["status", str(path), "--lang", "en"], capsys)
    assert code == 2 and "not UTF-8" in err


def test_every_column_is_documented():
    doc = (
        __import__("pathlib").Path(__file__).resolve().parents[3] / "docs" / "progress-method.md"
    ).read_text(encoding="utf-8")
    section = doc.split("eco311 progress status", 1)[1]
    for column in COLUMNS:
        assert f"`{column}`" in section, column


def test_the_eco311_command_runs_it_and_exits_with_two_on_bad_input(tmp_path):
    good = good_file(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "eco311.plans.progress.cli", "status", good],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == len(ROWS)
    bad = write(tmp_path, f"{HEADER}\nx,numeric,>=,abc,,1,2024-01-01,,,,2024-02-01,\n", "bad.csv")
    proc = subprocess.run(
        [sys.executable, "-m", "eco311.plans.progress.cli", "status", bad],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
