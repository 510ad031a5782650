"""``eco311 chains complexity``: the measures of any long table as JSON; bad files refused with
a located message in Chinese and English, nothing on stdout, exit 2."""

import json

import numpy as np

from eco311.chains import complexity
from eco311.cli import main

# Four cities × four chain nodes: two cities hold the common nodes, one the rare ones.
ROWS = [
    ("济南", "membranes", 40), ("济南", "pumps", 30), ("济南", "catalysts", 5),
    ("青岛", "membranes", 10), ("青岛", "pumps", 50), ("青岛", "monitoring", 20),
    ("淄博", "catalysts", 60), ("淄博", "monitoring", 25), ("淄博", "membranes", 5),
    ("德州", "pumps", 35), ("德州", "membranes", 30),
]  # fmt: skip


def _write(tmp_path, rows, header="time,loc,prod,val"):
    path = tmp_path / "long.csv"
    lines = [header] + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_it_prints_the_measures_of_the_latest_period(tmp_path, capsys):
    older = [(2023, loc, prod, 1) for loc, prod, _ in ROWS]
    path = _write(tmp_path, older + [(2024, *r) for r in ROWS])
    assert main(["chains", "complexity", "--data", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = complexity.from_rows(ROWS)
    assert out["time"] == "2024"
    assert {r["loc"] for r in out["loc"]} == {"济南", "青岛", "淄博", "德州"}
    assert len(out["loc_prod"]) == 4 * 4
    by_loc = {r["loc"]: r for r in out["loc"]}
    for i, loc in enumerate(expected.locs):
        assert by_loc[loc]["diversity"] == int(expected.diversity[i])
        assert np.isclose(by_loc[loc]["eci"], expected.eci[i])
    cell = next(r for r in out["loc_prod"] if r["loc"] == "淄博" and r["prod"] == "catalysts")
    assert cell["mcp"] == 1 and cell["cog"] == 0  # held already: nothing to gain
    absent = next(r for r in out["loc_prod"] if r["loc"] == "德州" and r["prod"] == "catalysts")
    assert absent["mcp"] == 0 and absent["rca"] == 0


def test_a_bad_value_is_refused_with_its_line(tmp_path, capsys):
    path = _write(tmp_path, [(2024, "济南", "pumps", 3), (2024, "青岛", "pumps", "many")])
    assert main(["chains", "complexity", "--data", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}:3" in captured.err and "非负数字" in captured.err and "many" in captured.err


def test_a_missing_column_is_named(tmp_path, capsys):
    path = _write(tmp_path, [(2024, "济南", "pumps")], header="time,loc,prod")
    assert main(["chains", "complexity", "--data", str(path)]) == 2
    err = capsys.readouterr().err
    assert "缺少列 val" in err and "missing column(s) val" in err
