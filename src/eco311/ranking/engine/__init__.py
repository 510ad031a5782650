"""The composite-indicator engine: pure NumPy, no Django (docs/adr/0006).

    methodology = load_methodology("examples/coinr-asem.yaml")
    result = run(read_csv("data.csv", methodology.unit_column), methodology)
    result.table()          # unit, score, rank, best first
    result.normalised       # ...and every other stage, for tracing a number back
    analyse(data, methodology).table()   # rank bands and P(top N) of every unit

The methodology format is documented in docs/ranking-methodology.md.
"""

from eco311.ranking.engine.methodology import (
    Methodology,
    MethodologyError,
    load_methodology,
    parse_methodology,
)
from eco311.ranking.engine.pipeline import Result, run
from eco311.ranking.engine.table import DataError, DataTable, Frame, parse_csv, read_csv
from eco311.ranking.engine.uncertainty import Analysis, analyse

__all__ = [
    "Analysis",
    "DataError",
    "DataTable",
    "Frame",
    "Methodology",
    "MethodologyError",
    "Result",
    "analyse",
    "load_methodology",
    "parse_csv",
    "parse_methodology",
    "read_csv",
    "run",
]
