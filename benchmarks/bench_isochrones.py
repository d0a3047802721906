"""Benchmark the isochrones (the verdicts drawn), their honesty, and the whole ``analyze`` run.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_isochrones.py            # all cases
    .venv/bin/python benchmarks/bench_isochrones.py harbin     # one case

Each case runs in its own process with a fresh cache folder, so the first
(cold) build of the nearest-segment raster is measured too. Cases:

* ``harbin``: harbin-central.osm.pbf, 88 街道 place nodes, 8,935 residential
  buildings, 15 min at 4.8 km/h: raster build (cold), isochrones for 88 stations
  x 3 bands (warm, median of 5), honesty per band.
* ``demo``: the embedded demos (Harbin 红旗街道 at 15 minutes, Helsinki at 5): honesty per band.
* ``heidelberg-1000``: heidelberg-roads.osm.pbf, 1,000 stations along streets:
  raster build and isochrones for 1,000 stations x 3 bands.
* ``harbin-cli``: the whole ``service-coverage analyze`` on Harbin with the
  network and raster cached (median of 5 runs, interpreter start-up and map
  included), and the time to import the CLI.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _iso_case(net, stations, households, minutes=None, repeats=5):
    import shapely

    from coverage import assess
    from coverage.isochrones import honesty
    from coverage.raster import snap_raster

    t = time.perf_counter()
    raster = snap_raster(net)
    t_raster = time.perf_counter() - t
    r = assess(net, stations, households, minutes=minutes)
    r.isochrones()  # warm-up (imports)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        per, uni = r.isochrones()
        times.append(time.perf_counter() - t)
    return (
        r,
        (per, uni),
        {
            "stations": len(r.stations),
            "households": len(r.households),
            "bands_min": r.bands_min,
            "raster_cells": raster.nx * raster.ny,
            "raster_cells_on_network": int(raster.cell.size),
            "raster_build_s": t_raster,
            "isochrones_s_median": statistics.median(times),
            "isochrones_s_all": times,
            "vertices_per_station": int(shapely.get_num_coordinates(per.geometry.values).sum()),
            "vertices_union": int(shapely.get_num_coordinates(uni.geometry.values).sum()),
            "honesty": honesty(r, (per, uni)).to_dict(orient="records")
            if len(r.households) < 200_000
            else None,
        },
    )


def case_harbin():
    from coverage import load_network
    from coverage.osm import place_nodes, residential_buildings

    p = OSM / "harbin-central.osm.pbf"
    _, _, out = _iso_case(load_network(p), place_nodes(p), residential_buildings(p))
    return out


def case_demo():
    from coverage import assess, load_network
    from coverage.demo import DEMO_MINUTES, demo_inputs
    from coverage.isochrones import honesty

    out = {}
    for city in ("hongqi", "helsinki"):
        path, st, hh = demo_inputs(city)
        r = assess(load_network(path), st, hh, minutes=DEMO_MINUTES[city], weight="households")
        out[city] = {"minutes": DEMO_MINUTES[city], "honesty": honesty(r).to_dict(orient="records")}
    return out


def case_heidelberg_1000():
    import geopandas as gpd
    import pyproj

    from coverage import load_network

    net = load_network(OSM / "heidelberg-roads.osm.pbf")
    rng = np.random.default_rng(1)
    e = rng.choice(net.n_edges, size=1000, p=net.edge_length_m / net.edge_length_m.sum())
    xy = net.xy
    t = rng.uniform(0, 1, 1000)[:, None]
    p = xy[net.edge_u[e]] + t * (xy[net.edge_v[e]] - xy[net.edge_u[e]])
    lon, lat = pyproj.Transformer.from_crs(net.crs, 4326, always_xy=True).transform(p[:, 0], p[:, 1])
    st = gpd.GeoDataFrame({"id": np.arange(1000)}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    hh = st.iloc[:10].copy()
    _, _, out = _iso_case(net, st, hh, repeats=1)
    out.pop("honesty")
    return out


def case_harbin_cli():
    from coverage.osm import place_nodes, residential_buildings
    from coverage.output.files import to_csv

    p = OSM / "harbin-central.osm.pbf"
    with tempfile.TemporaryDirectory() as tmp:
        to_csv(place_nodes(p), Path(tmp) / "s.csv")
        to_csv(residential_buildings(p), Path(tmp) / "h.csv")
        env = dict(os.environ, SERVICE_COVERAGE_CACHE=str(Path(tmp) / "cache"))
        exe = [
            sys.executable,
            "-m",
            "coverage",
            "-q",
            "analyze",
            "--network",
            str(p),
            "--stations",
            f"{tmp}/s.csv",
            "--households",
            f"{tmp}/h.csv",
            "--out",
            f"{tmp}/out",
        ]
        t = time.perf_counter()
        subprocess.run(exe, check=True, env=env, capture_output=True)
        cold = time.perf_counter() - t
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(exe, check=True, env=env, capture_output=True)
            runs.append(time.perf_counter() - t)
        imports = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import coverage.cli"], check=True)
            imports.append(time.perf_counter() - t)
    return {
        "analyze_cold_cache_s": cold,
        "analyze_cached_s_median": statistics.median(runs),
        "analyze_cached_s_all": runs,
        "import_cli_s_median": statistics.median(imports),
    }


CASES = {
    "harbin": case_harbin,
    "demo": case_demo,
    "heidelberg-1000": case_heidelberg_1000,
    "harbin-cli": case_harbin_cli,
}


def main(argv):
    if len(argv) == 2 and argv[0] == "--one":
        with tempfile.TemporaryDirectory() as cache:
            from coverage import settings

            settings.cache_folder = Path(cache)
            res = CASES[argv[1]]()
        res["peak_mb"] = peak_mb()
        print(json.dumps(res, default=float))
        return 0
    names = argv or list(CASES)
    out = REPO / "benchmarks" / "results" / "isochrones.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    for name in names:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(name, json.dumps(results[name], indent=1, default=float), flush=True)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
