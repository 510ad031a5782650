"""The static assets that ship with the package: the map and the vendored libraries."""

import hashlib
import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "src" / "eco311" / "web" / "static" / "eco311"


def test_the_map_has_todays_16_cities_with_their_codes():
    from eco311.geo.areafile import load_area_file

    features = json.loads((STATIC / "maps" / "shandong.json").read_text(encoding="utf-8"))[
        "features"
    ]
    cities = {a.code: a.name.zh for a in load_area_file().areas if a.kind == "city"}
    assert {f["properties"]["adcode"]: f["properties"]["name"] for f in features} == cities
    assert "371200" not in {f["properties"]["adcode"] for f in features}  # Laiwu, merged 2019


def test_vendored_files_match_their_recorded_checksums():
    readme = (STATIC / "vendor" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"\| `?([\w.]+\.js)`? \|.*\| `?([0-9a-f]{64})`? \|", readme)
    assert {name for name, _ in rows} == {"echarts.min.js", "htmx.min.js"}
    for name, digest in rows:
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == digest
