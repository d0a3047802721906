"""Map size and browser load time: Harbin and 100k synthetic households on Harbin's network.

.venv/bin/python benchmarks/bench_maps.py
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def load_time(path: Path, shot: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ctx = b.new_context(viewport={"width": 1400, "height": 900})
        ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        t = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function("() => Object.values(window).some(v => v instanceof L.Map)")
        dt = time.perf_counter() - t
        if shot:
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot))
        b.close()
    return {"load_s": dt, "js_errors": errors}


def main():
    from coverage import assess, load_network
    from coverage.osm import place_nodes, residential_buildings
    from coverage.output.explore import coverage_map
    from coverage.output.html_map import save_map

    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    path = OSM / "harbin-central.osm.pbf"
    net = load_network(path)
    st = place_nodes(path)
    res = {}
    for label, hh in (("harbin", residential_buildings(path)), ("synthetic_100k", None)):
        if hh is None:
            rng = np.random.default_rng(0)
            lon0, lat0, lon1, lat1 = net.bounds_lonlat
            lon = rng.uniform(lon0 + 0.02, lon1 - 0.02, 100_000)
            lat = rng.uniform(lat0 + 0.02, lat1 - 0.02, 100_000)
            hh = gpd.GeoDataFrame(
                {"id": np.arange(lon.size)}, geometry=gpd.points_from_xy(lon, lat), crs=4326
            )
        r = assess(net, st, hh)
        t = time.perf_counter()
        iso = r.isochrones()
        t_iso = time.perf_counter() - t
        t = time.perf_counter()
        html = save_map(coverage_map(r, isochrones=iso, lang="zh"), out_dir / f"map_{label}.html")
        t_map = time.perf_counter() - t
        res[label] = {
            "households": len(hh),
            "isochrones_s": t_iso,
            "map_build_s": t_map,
            "html_mb": html.stat().st_size / 1e6,
            **load_time(html, out_dir / f"map_{label}.png"),
        }
        print(label, json.dumps(res[label]), flush=True)
    (out_dir / "maps.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    sys.exit(main())
