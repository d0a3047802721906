"""Benchmark demand: household points from buildings, community totals and a population grid.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_demand.py

Harbin centre (harbin-central.osm.pbf): ``from_buildings`` reads the
residential buildings with pyosmium's area assembler (timed against
osm.residential_buildings, which reads the same buildings through
pyrosm); ``from_totals`` spreads the totals of a 20 x 20 grid of synthetic
communities (400 polygons, households and elderly residents) and of the
extract's own landuse=residential compounds onto them; ``from_grid`` spreads a
synthetic 100 m population grid in UTM zone 52 (gamma-distributed people per
cell) and a 65+ grid on the same cells. Every total is checked. Times are the
median of 5 runs.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def _median_time(fn, runs: int = 5):
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def main() -> int:
    import geopandas as gpd
    import rasterio
    import shapely
    from rasterio.transform import from_origin

    from coverage import demand as dm
    from coverage.osm import residential_areas, residential_buildings

    p = OSM / "harbin-central.osm.pbf"
    rng = np.random.default_rng(0)
    out: dict = {"extract": p.name, "load_average_1min_at_start": os.getloadavg()[0]}

    s, d = _median_time(lambda: dm.from_buildings(p))
    s_read, _ = _median_time(lambda: dm._read_osm(p, True))  # the pyosmium pass alone (areas, tags, WKB)
    t = time.perf_counter()
    ref = residential_buildings(p)
    pyrosm_s = time.perf_counter() - t
    out["from_buildings"] = {
        "seconds_median": s,
        "osm_read_seconds_median": s_read,
        "buildings": len(d),
        "households": d.households,
        "levels_from": d.summary.levels_from,
        "pyrosm_residential_buildings_seconds": pyrosm_s,
        "pyrosm_buildings": len(ref),
        "same_ids_as_pyrosm": len(set(ref["id"]) & set(d.points["id"])),
    }

    x0, y0, x1, y1 = d.points.total_bounds
    n = 20
    xs, ys = np.linspace(x0 - 1e-4, x1 + 1e-4, n + 1), np.linspace(y0 - 1e-4, y1 + 1e-4, n + 1)
    zones = gpd.GeoDataFrame(
        {
            "id": [f"C{i:02d}{j:02d}" for i in range(n) for j in range(n)],
            "户数": rng.integers(0, 5000, n * n),
            "老年人": rng.integers(0, 1500, n * n),
        },
        geometry=[shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(n) for j in range(n)],
        crs=4326,
    )
    s, tot = _median_time(lambda: dm.from_totals(zones, d, total_col="户数", group_cols=["老年人"]))
    s_path, tot_path = _median_time(
        lambda: dm.from_totals(zones, p, total_col="户数", group_cols=["老年人"]), 3
    )
    kept = all(
        int(tot.points[c].sum()) == int(zones[src].sum())
        for c, src in (("households", "户数"), ("老年人", "老年人"))
    )
    per_zone = tot.points.groupby("zone_id")["households"].sum().reindex(zones["id"], fill_value=0)
    out["from_totals_grid_of_communities"] = {
        "polygons": len(zones),
        "seconds_median_with_buildings_read_once": s,
        "seconds_median_from_the_extract": s_path,
        "points": len(tot),
        "polygons_without_buildings": len(tot.summary.zones_without_buildings),
        "buildings_left_out": tot.summary.buildings_left_out,
        "totals_kept_exactly": bool(
            kept and (per_zone.to_numpy() == zones["户数"].to_numpy()).all() and len(tot_path) == len(tot)
        ),
    }
    comp = residential_areas(p)
    comp["户数"] = rng.integers(0, 900, len(comp))
    s, tc = _median_time(lambda: dm.from_totals(comp, d, total_col="户数"))
    out["from_totals_osm_compounds"] = {
        "polygons": len(comp),
        "seconds_median": s,
        "points": len(tc),
        "polygons_without_buildings": len(tc.summary.zones_without_buildings),
        "buildings_in_several": tc.summary.buildings_in_several,
        "totals_kept_exactly": int(tc.points["households"].sum()) == int(comp["户数"].sum()),
    }

    with tempfile.TemporaryDirectory() as tmp:
        utm = "EPSG:32652"
        b = d.points.to_crs(utm).total_bounds
        w, h = int((b[2] - b[0]) // 100) + 1, int((b[3] - b[1]) // 100) + 1
        pop = rng.gamma(0.6, 40.0, (h, w)).astype("float32")
        old = (pop * rng.uniform(0.1, 0.25, pop.shape)).astype("float32")
        paths = []
        for name, arr in (("pop", pop), ("pop65", old)):
            path = Path(tmp) / f"{name}.tif"
            with rasterio.open(
                path,
                "w",
                driver="GTiff",
                width=w,
                height=h,
                count=1,
                dtype="float32",
                crs=utm,
                transform=from_origin(b[0], b[3], 100, 100),
                nodata=-1,
            ) as ds:
                ds.write(arr, 1)
            paths.append(path)
        s, g = _median_time(lambda: dm.from_grid(paths[0], d, group_rasters={"age_65_plus": paths[1]}))
        out["from_grid_100m"] = {
            "cells": w * h,
            "seconds_median": s,
            "points": len(g),
            "points_on_buildings": g.summary.points["on a building"],
            "cells_without_buildings": g.summary.points["at a cell centre"],
            "population_in": g.summary.totals_in["population"],
            "population_out": g.summary.totals_out["population"],
            "households_out": g.summary.totals_out["households"],
            "age_65_plus_in": g.summary.totals_in["age_65_plus"],
            "age_65_plus_out": g.summary.totals_out["age_65_plus"],
            "totals_kept_to_rounding": bool(
                abs(g.summary.totals_out["population"] - g.summary.totals_in["population"]) <= 0.5
                and abs(g.summary.totals_out["age_65_plus"] - g.summary.totals_in["age_65_plus"]) <= 0.5
            ),
        }
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_average_1min_at_end"] = os.getloadavg()[0]  # other jobs on this 2-core machine slow it
    print(json.dumps(out, indent=1, ensure_ascii=False))
    (REPO / "benchmarks" / "results" / "demand.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
