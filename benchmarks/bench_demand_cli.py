"""Benchmark the prepared-input commands end to end, as a planner runs them (a fresh process each time).

Run by hand (not part of the test suite):

    PYTHONPATH=. .venv/bin/python benchmarks/bench_demand_cli.py

On Harbin centre (harbin-central.osm.pbf, 8,933 residential buildings):

* ``demand --buildings osm`` (households from the buildings alone);
* ``demand --totals 社区.gpkg --total-col 户数 --group-cols 老年人``: a 20 x 20 grid of synthetic communities
  over the buildings (Chinese headers, random totals), the issue's command;
* ``demand --totals 社区.xlsx --crs gcj02``: the same communities as an Excel sheet with GCJ-02 WKT outlines;
* ``geocode``: 88 subdistrict offices by name plus 12 addresses (a station list of 100 rows), offline from the
  extract, the index cache cold (``--no-cache``) and warm.

Wall time of the whole command (Python start, imports, reading, writing), median of 3 runs; the in-process
times of the library functions are in results/demand.json (bench_demand.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def _run(argv: list[str], runs: int = 3) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(
            [sys.executable, "-m", "coverage", "-q", *argv],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        times.append(time.perf_counter() - t)
        if p.returncode != 0:
            raise SystemExit(f"{argv[0]} failed: {p.stderr}")
    return {
        "seconds_median": float(np.median(times)),
        "seconds": [round(x, 3) for x in times],
        "stdout_head": p.stdout.splitlines()[:3],
    }


def main() -> int:
    import geopandas as gpd
    import pandas as pd
    import shapely

    from coverage.crs import wgs84_to_gcj02
    from coverage.demand import from_buildings
    from coverage.osm import place_nodes

    p = OSM / "harbin-central.osm.pbf"
    out: dict = {"extract": p.name, "load_average_1min_at_start": os.getloadavg()[0]}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out["demand_buildings_osm"] = _run(
            ["demand", "--network", str(p), "--buildings", "osm", "--out", str(tmp / "b")]
        )
        d = from_buildings(p)
        x0, y0, x1, y1 = d.points.total_bounds
        n = 20
        xs, ys = np.linspace(x0 - 1e-4, x1 + 1e-4, n + 1), np.linspace(y0 - 1e-4, y1 + 1e-4, n + 1)
        zones = gpd.GeoDataFrame(
            {
                "编号": [f"SQ{i:02d}{j:02d}" for i in range(n) for j in range(n)],
                "社区名称": [f"示意社区{i:02d}{j:02d}" for i in range(n) for j in range(n)],
                "户数": rng.integers(0, 5000, n * n),
                "老年人": rng.integers(0, 1500, n * n),
            },
            geometry=[shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(n) for j in range(n)],
            crs=4326,
        )
        zones.to_file(tmp / "社区.gpkg")
        r = _run(
            [
                "demand",
                "--network",
                str(p),
                "--buildings",
                "osm",
                "--totals",
                str(tmp / "社区.gpkg"),
                "--total-col",
                "户数",
                "--group-cols",
                "老年人",
                "--out",
                str(tmp / "t"),
            ]
        )
        h = pd.read_csv(tmp / "t" / "households.csv", dtype={"zone_id": str})
        sums = h.groupby("zone_id")[["households", "老年人"]].sum().reindex(zones["编号"]).fillna(0)
        r["communities"] = n * n
        r["points"] = len(h)
        r["totals_kept_exactly"] = bool(
            (sums["households"].to_numpy() == zones["户数"].to_numpy()).all()
            and (sums["老年人"].to_numpy() == zones["老年人"].to_numpy()).all()
        )
        out["demand_totals_gpkg"] = r

        def to_gcj(xy):
            return np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))

        sheet = pd.DataFrame(zones.drop(columns="geometry"))
        sheet["边界"] = shapely.to_wkt(
            shapely.transform(np.asarray(zones.geometry.values, dtype=object), to_gcj), rounding_precision=8
        )
        sheet.to_excel(tmp / "社区.xlsx", index=False)
        r = _run(
            [
                "demand",
                "--network",
                str(p),
                "--buildings",
                "osm",
                "--totals",
                str(tmp / "社区.xlsx"),
                "--total-col",
                "户数",
                "--group-cols",
                "老年人",
                "--crs",
                "gcj02",
                "--out",
                str(tmp / "x"),
            ]
        )
        hx = pd.read_csv(tmp / "x" / "households.csv")
        r["totals_kept_exactly"] = bool(hx["households"].sum() == zones["户数"].sum())
        out["demand_totals_xlsx_gcj02"] = r

        places = place_nodes(p)
        streets = ["红旗大街", "中山路", "东大直街", "学府路", "和兴路", "大成街"]
        table = pd.DataFrame(
            {
                "名称": [*places["name"], *[f"社工站{k}" for k in range(12)]],
                "地址": [""] * len(places) + [f"{streets[k % 6]}{100 + k}号" for k in range(12)],
            }
        )
        table.to_csv(tmp / "社工站.csv", index=False)
        argv = ["geocode", str(tmp / "社工站.csv"), "--network", str(p), "--out", str(tmp / "g")]
        r_cold = _run([*argv, "--no-cache"])
        r_warm = _run(argv)
        g = pd.read_csv(tmp / "g" / "geocoded.csv")
        out["geocode"] = {
            "rows": len(table),
            "index_cold": r_cold,
            "index_warm": r_warm,
            "quality": {str(k): int(v) for k, v in g["quality"].value_counts().items()},
        }
    out["load_average_1min_at_end"] = os.getloadavg()[0]
    dest = REPO / "benchmarks" / "results" / "demand_cli.json"
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
