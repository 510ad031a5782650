"""Small hand-built chain analyses for the narrative and report tests (no database)."""

from __future__ import annotations

import numpy as np

from eco311.chains import complexity
from eco311.chains.analytics import (
    Analysis,
    ChainResult,
    LeaderResult,
    NodeResult,
    Recommendation,
    Specialisation,
    WeakLink,
)
from eco311.chains.taxonomy import load_file

TAXONOMY = """\
schema: eco311.chains/1
version: "test.1"
chains:
  - code: wet
    name: {zh: 测试水链, en: Test water chain}
    description: {zh: 测试用。, en: For tests.}
    ref: 四(一)1
    source: 在材料药剂等短板领域引导创立自主品牌
    nodes:
      - code: wet-membrane
        name: {zh: 膜材料, en: Membranes}
        stage: upstream
        input_to: [wet-kit]
        gb4754: ["3463"]
        segment: manufacturing
        keywords: [膜组件]
        flags:
          - kind: short_board
            ref: 四(一)1
            source: 在材料药剂等短板领域引导创立自主品牌
      - code: wet-dose
        name: {zh: 水处理药剂, en: Chemicals}
        stage: upstream
        input_to: [wet-kit]
        gb4754: ["2666"]
        segment: manufacturing
        keywords: [絮凝剂]
      - code: wet-kit
        name: {zh: 水处理装备, en: Equipment}
        stage: midstream
        input_to: [wet-run]
        gb4754: ["3591"]
        segment: manufacturing
        keywords: [污水处理设备]
      - code: wet-run
        name: {zh: 运营服务, en: Operation}
        stage: downstream
        gb4754: ["4620"]
        segment: services
        keywords: [污水处理服务]
"""


def taxonomy(tmp_path):
    path = tmp_path / "chains.yaml"
    path.write_text(TAXONOMY, encoding="utf-8")
    return load_file(path)


def node(code, enterprises, revenue, *, hhi=None, score=0.2, growth=None, demand=None):
    return NodeResult(
        code=code,
        enterprises=enterprises,
        revenue=revenue,
        share=1.0 if revenue else None,
        growth=growth,
        hhi=hhi,
        pagerank=0.25,
        betweenness=0.0,
        importance=0.4,
        weak=WeakLink(
            score=score,
            importance=0.4,
            coverage_gap=1.0 if enterprises == 0 else 0.2,
            concentration=hhi or 0.0,
            unmet_demand=demand,
        ),
    )


def analysis(nodes=None, leaders=None, year=2024):
    nodes = nodes or [
        node("wet-membrane", 0, 0.0, score=0.8),
        node("wet-dose", 1, 5000.0, hhi=1.0, score=0.6),
        node("wet-kit", 12, 123456.0, hhi=0.4, score=0.3, growth=0.125),
        node("wet-run", 30, 45678.0, hhi=0.05, score=0.1, growth=-0.02),
    ]
    leaders = (
        leaders
        if leaders is not None
        else [
            LeaderResult(101, "wet-kit", 0.31, 0.4, 0, 0.5, tagged=True, candidate=False),
            LeaderResult(102, "wet-run", 0.22, 0.3, 0, 0.3, tagged=False, candidate=True),
        ]
    )
    revenue = sum(n.revenue for n in nodes)
    chain = ChainResult(
        code="wet",
        enterprises=40,
        revenue=revenue,
        completeness=0.75,
        completeness_unweighted=0.75,
        gaps=[n.code for n in nodes if n.enterprises == 0],
        single=[n.code for n in nodes if n.enterprises == 1],
        nodes=nodes,
        leaders=leaders,
    )
    return Analysis(year=year, chains=[chain])


def specialisation(year=2024):
    locs = ["370100", "370200", "370300"]
    prods = ["wet-membrane", "wet-dose", "wet-kit", "wet-run"]
    x = np.array(
        [
            [0.0, 4000.0, 100000.0, 5000.0],
            [0.0, 1000.0, 20000.0, 30000.0],
            [0.0, 0.0, 3456.0, 10678.0],
        ]
    )
    measures = complexity.compute(locs, prods, x)
    recs = {
        "370300": [Recommendation("wet-membrane", 0.62, 0.31, 0.5)],
        "370200": [Recommendation("wet-membrane", 0.41, 0.12, 0.5)],
        "370100": [Recommendation("wet-run", 0.5, 0.2, 0.1)],
    }
    return Specialisation(year=year, measures=measures, recommendations=recs)


CITY_NAMES = {"370100": "济南", "370200": "青岛", "370300": "淄博"}
NAMES = {101: "甲环保装备有限公司", 102: "乙水务集团"}
