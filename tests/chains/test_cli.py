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


# -- eco311 chains classify / accuracy (the placement scorer) ------------------------------------


def _tsv(tmp_path, text, name="firms.tsv", bom=False):
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def test_classify_prints_one_line_per_input_line_in_order(tmp_path, capsys):
    from eco311.chains import taxonomy
    from eco311.chains.scorer import Scorer

    node = taxonomy.load().nodes[0]
    texts = {"b-2": "、".join(node.keywords[:2]), "a-1": "面包、蛋糕", "c-3": node.keywords[0]}
    lines = "".join(f"{k}\t{v}\n" for k, v in texts.items())
    path = _tsv(tmp_path, lines.replace("a-1", "\n\na-1"), bom=True)  # BOM and blank lines
    assert main(["chains", "classify", str(path), "--format", "tsv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in out] == list(texts)
    scorer = Scorer(taxonomy.load())
    for line, (ident, text) in zip(out, texts.items(), strict=True):
        fields = line.split("\t")
        assert len(fields) == 4
        c = scorer.classify(text)
        assert fields == [ident, c.gb4754, c.segment, ",".join(c.nodes)]
    assert out[0].split("\t")[3].split(",")[0] == node.code
    assert out[1].split("\t")[1:] == ["", "other", ""]


def test_classify_refuses_a_line_without_a_tab_with_its_line(tmp_path, capsys):
    path = _tsv(tmp_path, "1\t反渗透膜\n2 没有制表符\n")
    assert main(["chains", "classify", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}:2" in captured.err and "制表符" in captured.err and "no tab" in captured.err


def test_accuracy_reports_the_measures_of_a_labelled_file(tmp_path, capsys):
    from eco311.chains import taxonomy

    tax = taxonomy.load()
    a, b = tax.nodes[0], tax.nodes[-1]
    rows = [
        ("1", a.keywords[0], a.gb4754[0], a.segment, a.code),  # right
        ("2", "面包、蛋糕", "1411", "other", ""),  # right: no node
        ("3", "面包、蛋糕", "1411", "other", b.code),  # missed
    ]
    path = _tsv(tmp_path, "".join("\t".join(r) + "\n" for r in rows))
    assert main(["chains", "accuracy", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 3
    assert out["top1"] == round(2 / 3, 4)
    assert out["precision"] == 1.0 and out["recall"] == 0.5
    # A text placed nowhere gets no class: the bakery's 1411 counts as missed.
    assert out["segment_accuracy"] == 1.0 and out["class_accuracy"] == round(1 / 3, 4)
    assert out["per_chain"][tax.chain_of(b.code).code]["recall"] == (
        0.5 if tax.chain_of(a.code) == tax.chain_of(b.code) else 0.0
    )


def test_accuracy_refuses_an_unknown_node_label(tmp_path, capsys):
    path = _tsv(tmp_path, "1\t反渗透膜\t3463\tmanufacturing\tno-such-node\n")
    assert main(["chains", "accuracy", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and f"{path}:1" in captured.err and "no-such-node" in captured.err
