"""Tests of ``eco311 progress measure`` (eco311.plans.progress.cli)."""

import argparse
import csv
import io
import json
import subprocess
import sys

import pytest

from eco311.plans.progress.cli import COLUMNS, MESSAGES, main, register, run_measure
from eco311.plans.progress.measure import Series, measure

HEADER = ",".join(COLUMNS)
ROWS = [
    # open-sdg tests/data 1-5-3 and 1-5-4 (see test_measure.py), a no-target row, a row with
    # nothing measurable, and a lower-is-better row with a limit.
    "1-5-3,2015,10,2016,30,1,2030,-1,1",
    "1-5-4,2015,5,2016,6,9,2030,1,9",
    "plain,2015,100,2020,110,,,1,",
    "empty,,,,,,,,",
    "floor,2019.5,12,2024.25,9,,,-1,5",
]


def write(tmp_path, text, name="in.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def good_file(tmp_path):
    return write(tmp_path, "\n".join([HEADER, *ROWS]) + "\n")


def expected_results():
    series = [
        Series(2015, 10, 2016, 30, 1, 2030, -1, 1, "1-5-3"),
        Series(2015, 5, 2016, 6, 9, 2030, 1, 9, "1-5-4"),
        Series(2015, 100, 2020, 110, id="plain"),
        Series(None, None, None, None, id="empty"),
        Series(2019.5, 12, 2024.25, 9, direction=-1, limit=5, id="floor"),
    ]
    return [measure(s) for s in series]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_it_prints_json_in_input_order(tmp_path, capsys):
    code, out, err = run(["measure", good_file(tmp_path)], capsys)
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [d["id"] for d in data] == ["1-5-3", "1-5-4", "plain", "empty", "floor"]
    for got, want in zip(data, expected_results(), strict=True):
        assert set(got) == {"id", "status", "score", "progress_value"}
        assert got["status"] == want.status
        assert got["score"] == want.score
        assert got["progress_value"] == want.progress_value
    assert data[0]["status"] == "deterioration" and data[1]["status"] == "substantial_progress"


def test_it_writes_null_for_missing_numbers_in_json(tmp_path, capsys):
    _, out, _ = run(["measure", good_file(tmp_path), "--format", "json"], capsys)
    assert '"score": null' in out and '"progress_value": null' in out
    assert json.loads(out)[3] == {
        "id": "empty",
        "status": "not_available",
        "score": None,
        "progress_value": None,
    }


def test_it_prints_csv_with_empty_cells_for_none(tmp_path, capsys):
    code, out, _ = run(["measure", good_file(tmp_path), "--format", "csv"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["id", "status", "score", "progress_value"]
    assert rows[3] == {"id": "empty", "status": "not_available", "score": "", "progress_value": ""}
    want = expected_results()
    assert float(rows[2]["progress_value"]) == want[2].progress_value  # repr round-trips
    assert [r["status"] for r in rows] == [w.status for w in want]


def test_it_reads_a_utf8_file_with_a_byte_order_mark_and_chinese_ids(tmp_path, capsys):
    text = HEADER + "\n" + "细颗粒物,2020,40,2023,33,35,2025,-1,\n"
    path = write(tmp_path, text, encoding="utf-8-sig")
    code, out, _ = run(["measure", path], capsys)
    assert code == 0 and json.loads(out)[0]["id"] == "细颗粒物"
    assert json.loads(out)[0]["status"] == "target_achieved"


def test_it_accepts_columns_in_any_order_and_an_empty_direction(tmp_path, capsys):
    cols = list(reversed(COLUMNS))
    values = dict(zip(COLUMNS, "x,2015,100,2020,110,,,,".split(","), strict=True))
    path = write(tmp_path, ",".join(cols) + "\n" + ",".join(values[c] for c in cols) + "\n")
    code, out, _ = run(["measure", path], capsys)
    want = measure(Series(2015, 100, 2020, 110, direction=1, id="x"))
    assert code == 0 and json.loads(out)[0]["progress_value"] == want.progress_value


def test_it_prints_an_empty_list_for_a_header_only_file(tmp_path, capsys):
    code, out, _ = run(["measure", write(tmp_path, HEADER + "\n")], capsys)
    assert (code, json.loads(out)) == (0, [])


# ---------------------------------------------------------------------------------------------
# Bad input: message naming row and column on stderr, nothing on stdout, exit 2.


def assert_bad(tmp_path, capsys, text, *fragments):
    code, out, err = run(["measure", write(tmp_path, text)], capsys)
    assert code == 2
    assert out == ""
    for fragment in fragments:
        assert fragment in err
    return err


def test_it_rejects_a_missing_column(tmp_path, capsys):
    header = ",".join(c for c in COLUMNS if c != "limit")
    assert_bad(tmp_path, capsys, header + "\nx,2015,1,2020,2,,,1\n", "row 1", "'limit'")


def test_it_rejects_an_empty_file(tmp_path, capsys):
    assert_bad(tmp_path, capsys, "", "row 1", "missing column 'id'")


def test_it_rejects_a_non_numeric_cell_naming_row_and_column(tmp_path, capsys):
    text = "\n".join([HEADER, ROWS[0], "bad,2015,ten,2020,2,,,1,"]) + "\n"
    err = assert_bad(tmp_path, capsys, text, "row 3", "'base_value'", "'ten'")
    assert err.count("\n") == 1


def test_it_rejects_a_non_finite_number(tmp_path, capsys):
    text = "\n".join([HEADER, "x,2015,1,2020,nan,,,1,"]) + "\n"
    assert_bad(tmp_path, capsys, text, "row 2", "'current_value'")


@pytest.mark.parametrize("direction", ["0", "2", "-2", "up", "positive", "0.5"])
def test_it_rejects_a_direction_other_than_plus_or_minus_one(tmp_path, capsys, direction):
    text = "\n".join([HEADER, ROWS[0], ROWS[1], f"x,2015,1,2020,2,,,{direction},"]) + "\n"
    assert_bad(tmp_path, capsys, text, "row 4", "'direction'")


@pytest.mark.parametrize("direction", ["1", "-1", "+1", "1.0", " -1 "])
def test_it_accepts_plus_or_minus_one_in_any_numeric_spelling(tmp_path, capsys, direction):
    text = "\n".join([HEADER, f"x,2015,1,2020,2,,,{direction},"]) + "\n"
    code, out, _ = run(["measure", write(tmp_path, text)], capsys)
    assert code == 0 and len(json.loads(out)) == 1


def test_it_counts_blank_lines_in_row_numbers(tmp_path, capsys):
    text = "\n".join([HEADER, ROWS[0], "", "x,2015,1,2020,oops,,,1,"]) + "\n"
    assert_bad(tmp_path, capsys, text, "row 4", "'current_value'")


def test_it_rejects_a_row_with_too_many_cells(tmp_path, capsys):
    text = "\n".join([HEADER, ROWS[0] + ",extra"]) + "\n"
    assert_bad(tmp_path, capsys, text, "row 2")


def test_it_rejects_a_missing_file(tmp_path, capsys):
    code, out, err = run(["measure", str(tmp_path / "nope.csv")], capsys)
    assert (code, out) == (2, "") and "nope.csv" in err


def test_it_rejects_a_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "\n细颗粒物,2015,1,2020,2,,,1,\n").encode("gbk"))
    code, out, err = run(["measure", str(path)], capsys)
    assert (code, out) == (2, "") and "UTF-8" in err


def test_every_message_is_kept_in_the_message_table():
    assert {"missing_column", "not_a_number", "bad_direction"} <= set(MESSAGES)


# ---------------------------------------------------------------------------------------------
# Wiring


def test_register_adds_measure_to_the_progress_subcommands(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="eco311")
    commands = parser.add_subparsers(dest="command")
    progress = commands.add_parser("progress").add_subparsers(dest="progress_command")
    register(progress)
    args = parser.parse_args(["progress", "measure", good_file(tmp_path), "--format", "csv"])
    assert args.func is run_measure and args.format == "csv"
    assert args.func(args) == 0
    assert capsys.readouterr().out.startswith("id,status,score,progress_value")


def test_it_runs_standalone_as_a_module(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "eco311.plans.progress.cli", "measure", good_file(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert [d["status"] for d in json.loads(proc.stdout)] == [r.status for r in expected_results()]


def test_it_exits_with_code_two_standalone_on_bad_input(tmp_path):
    path = write(tmp_path, "id\nx\n")
    proc = subprocess.run(
        [sys.executable, "-m", "eco311.plans.progress.cli", "measure", path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "missing column 'base_year'" in proc.stderr
