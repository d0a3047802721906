"""Benchmark the what-if map: its size, and how fast the page recomputes a scenario.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_whatif.py            # all cases
    .venv/bin/python benchmarks/bench_whatif.py harbin

Cases:

* ``hongqi``: the embedded demo (955 residential points, points drawn one by one).
* ``harbin``: harbin-central.osm.pbf, 88 stations, 8,935 buildings (hex cells).
* ``heidelberg-100k``: heidelberg-roads.osm.pbf, 100,000 synthetic households
  along streets and 100 stations (hex cells).

For each: the time to build the what-if table and the map, the map's size,
the pairs it carries, the page's load time, and the time of
``serviceCoverage.apply`` (median of 20 random scenarios: close 3 stations,
open 3 candidates), in headless Chromium with the network blocked. The page's
numbers are checked against Python's ``Scenario.evaluate`` for each scenario.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _inputs(name):
    if name == "hongqi":
        from coverage.demo import demo_inputs

        path, st, hh = demo_inputs()
        return path, st, hh, "households"
    if name == "harbin":
        from coverage.osm import place_nodes, residential_buildings

        p = OSM / "harbin-central.osm.pbf"
        return str(p), place_nodes(p), residential_buildings(p), None
    import geopandas as gpd
    import pyproj

    from coverage import load_network

    net = load_network(OSM / "heidelberg-roads.osm.pbf")
    rng = np.random.default_rng(0)

    def along(n, off):
        e = rng.choice(net.n_edges, size=n, p=net.edge_length_m / net.edge_length_m.sum())
        xy = net.xy
        a, b = xy[net.edge_u[e]], xy[net.edge_v[e]]
        p = a + rng.uniform(0, 1, n)[:, None] * (b - a) + rng.uniform(-off, off, (n, 2))
        lon, lat = pyproj.Transformer.from_crs(net.crs, 4326, always_xy=True).transform(p[:, 0], p[:, 1])
        return gpd.GeoDataFrame({"id": np.arange(n)}, geometry=gpd.points_from_xy(lon, lat), crs=4326)

    return net, along(100, 5), along(100_000, 30), None


def case(name):
    from coverage import assess, save_map
    from coverage.output.explore import coverage_map
    from coverage.scenario import scenario

    net, st, hh, weight = _inputs(name)
    r = assess(net, st, hh, weight=weight)
    iso = r.isochrones()
    t = time.perf_counter()
    sc = scenario(r)
    t_table = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.html"
        t = time.perf_counter()
        save_map(coverage_map(r, isochrones=iso), path)
        t_map = time.perf_counter() - t
        size = path.stat().st_size
        rng = np.random.default_rng(2)
        scen = []
        for _ in range(20):
            rem = [
                str(x)
                for x in rng.choice(sc.site_id[: sc.n_stations], size=min(3, sc.n_stations), replace=False)
            ]
            add = [str(x) for x in rng.choice(sc.site_id[sc.n_stations :], size=3, replace=False)]
            scen.append({"remove": rem, "add": add})
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            ctx = b.new_context(viewport={"width": 1300, "height": 900})
            ctx.route(re.compile(r"^https?://"), lambda route: route.abort())
            pg = ctx.new_page()
            t = time.perf_counter()
            pg.goto(path.as_uri())
            pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=120_000)
            t_load = time.perf_counter() - t
            times, agree = [], True
            for s in scen:
                times.append(pg.evaluate("(s) => serviceCoverage.time(s)", s))
                page = pg.evaluate("serviceCoverage.summary()")
                ref = sc.evaluate(sc.open_mask(remove=s["remove"], add=s["add"]))
                agree &= (
                    page["households_covered"] == ref["households_covered"]
                    and abs(page["weight_covered"] - ref["weight_covered"]) < 1e-6
                )
            b.close()
    return {
        "households": len(hh),
        "stations": len(st),
        "sites": sc.n_sites,
        "candidates": sc.n_sites - sc.n_stations,
        "pairs": int(sc.household.size),
        "table_s": t_table,
        "map_build_s": t_map,
        "map_mb": size / 2**20,
        "page_load_s": t_load,
        "apply_ms_median": statistics.median(times),
        "apply_ms_max": max(times),
        "page_equals_python": bool(agree),
    }


def main(argv):
    if len(argv) == 2 and argv[0] == "--one":
        with tempfile.TemporaryDirectory() as cache:
            from coverage import settings

            settings.cache_folder = Path(cache)
            print(json.dumps(case(argv[1]), default=float))
        return 0
    out = REPO / "benchmarks" / "results" / "whatif.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    for name in argv or ["hongqi", "harbin", "heidelberg-100k"]:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(name, json.dumps(results[name], indent=1), flush=True)
    out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
