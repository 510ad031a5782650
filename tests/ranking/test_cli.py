"""``eco311 rank run`` (eco311.ranking.engine.cli), called in-process."""

import argparse
import csv
import io
import json

import pytest

from eco311.ranking.engine.cli import main, register


@pytest.fixture
def files(tmp_path, doc_blocks):
    """Worked example 1 of the methodology page, written to disk."""
    data = tmp_path / "data.csv"
    data.write_text(doc_blocks["small-data"], encoding="utf-8")
    method = tmp_path / "method.yaml"
    method.write_text(doc_blocks["small-methodology"], encoding="utf-8")
    return data, method


def rank(*args):
    return main(["run", *map(str, args)])


def test_it_prints_unit_score_and_rank_of_every_unit_as_json(files, capsys):
    data, method = files
    assert rank("--data", data, "--method", method, "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["unit"], r["rank"]) for r in out] == [("A", 1), ("D", 2), ("B", 3), ("C", 4)]
    # index = (scale + innovation + 2 compliance) / 4, derived in docs/ranking-methodology.md
    assert [r["score"] for r in out] == pytest.approx([75, 50, 1525 / 36, 125 / 3], rel=1e-14)
    assert set(out[0]) == {"unit", "score", "rank"}


def test_json_is_the_default_and_csv_is_available(files, capsys):
    data, method = files
    assert rank("--data", data, "--method", method) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert rank("--data", data, "--method", method, "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["unit"] for r in rows] == [r["unit"] for r in as_json]
    assert [float(r["score"]) for r in rows] == [r["score"] for r in as_json]


def test_screened_out_units_are_listed_last_without_score(files, capsys):
    data, method = files
    data.write_text(
        "unit,sales,staff,patents,fines\nA,100,10,5,0\nB,,,,\nC,200,10,1,5\nD,500,40,20,20\n"
    )
    text = method.read_text().replace("screen: {enabled: false}", "screen: {enabled: true}")
    method.write_text(text)
    assert rank("--data", data, "--method", method, "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "B,,"


def test_a_bad_methodology_prints_located_problems_and_exits_2(files, capsys):
    data, method = files
    method.write_text(method.read_text().replace("weight: 2}", "weight: -2}", 1))
    assert rank("--data", data, "--method", method) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "method.yaml: indicators[0].weight: Input should be greater than or equal to 0 "
        "(got -2) (line 5)\n"
    )


def test_data_that_do_not_fit_exit_2(files, capsys):
    data, method = files
    data.write_text("unit,sales,staff,patents\nA,1,2,3\n")
    assert rank("--data", data, "--method", method) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"{data}: no column 'fines' in the data\n"


def test_an_unreadable_data_file_exits_2(files, capsys, tmp_path):
    _, method = files
    missing = tmp_path / "missing.csv"
    assert rank("--data", missing, "--method", method) == 2
    assert capsys.readouterr().err == f"{missing}: cannot read file: No such file or directory\n"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("unit,sales\nM\xfcller,1\n".encode("latin-1"))
    assert rank("--data", latin1, "--method", method) == 2
    assert capsys.readouterr().err == f"{latin1}: the file is not UTF-8 text\n"


def test_warnings_go_to_stderr(files, capsys):
    data, method = files
    data.write_text("unit,sales,staff,patents,fines\nA,100,10,5,7\nB,300,20,4,7\nC,200,10,1,7\n")
    assert rank("--data", data, "--method", method) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 3
    assert "indicator fines cannot be normalised" in captured.err


def test_register_adds_run_under_the_lead_clis_rank_command(files):
    data, method = files
    parser = argparse.ArgumentParser(prog="eco311")
    rank_parser = parser.add_subparsers(dest="command").add_parser("rank")
    register(rank_parser.add_subparsers(dest="rank_command", required=True))
    args = parser.parse_args(["rank", "run", "--data", str(data), "--method", str(method)])
    assert (args.command, args.rank_command, args.format) == ("rank", "run", "json")
    assert args.func(args) == 0
