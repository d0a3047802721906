"""Benchmark a synthetic province: one process against tiles on a Dask LocalCluster(2).

Run by hand (not part of the test suite; about 15-25 minutes on 2 cores, 12 GB at the peak):

    .venv/bin/python benchmarks/bench_province.py            # the full size below
    .venv/bin/python benchmarks/bench_province.py --copies 2 # a quick look

The province: the real Heidelberg road network (../shared/data/osm, 164,051
nodes) laid side by side COPIES x COPIES times (default 8 x 8 = 64 copies:
10.5 million nodes, 11.1 million segments, about 184 x 160 km), 20 million
residential points of one household each scattered up to 80 m from the
streets (weighted by street length), and 2,048 stations on random streets.
Deterministic (seed 0). Inputs are GeoParquet.

Runs, at 15 minutes and 4.8 km/h with a 30-minute horizon (the tiled default):

* tiles on a Dask LocalCluster(2): ``assess_tiled(..., tiles="grid:20000", scheduler="local:2")``;
* the same tiles one after another in one process (``scheduler=None``);
* with ``--untiled`` (smaller provinces), ``assess(..., horizon_min=30)`` on the whole province at once,
  for the tiling overhead.

Reports wall times, the peak memory of the single process, of the
coordinator and of each worker, the tiling overhead (tile nodes processed
against the province's, and CPU seconds), and checks that both runs give the
same summary. Results: benchmarks/results/province.json.
"""

from __future__ import annotations

import argparse
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


def build(copies: int, n_households: int, n_stations: int, work: Path):
    """The synthetic province: network (WalkNetwork), stations and households (GeoParquet files)."""
    import geopandas as gpd
    import pandas as pd

    from coverage import load_network
    from coverage.network import WalkNetwork

    base = load_network(OSM / "heidelberg-roads.osm.pbf")
    x0, y0, x1, y1 = base.bounds_lonlat
    dx, dy = (x1 - x0) + 0.002, (y1 - y0) + 0.002
    k = np.arange(copies * copies)
    ox, oy = (k % copies) * dx, (k // copies) * dy
    n, m = base.n_nodes, base.n_edges
    net = WalkNetwork(
        node_id=(np.repeat(k, n) * 10**11 + np.tile(base.node_id, k.size)).astype(np.int64),
        lon=(np.tile(base.lon, k.size) + np.repeat(ox, n)),
        lat=(np.tile(base.lat, k.size) + np.repeat(oy, n)),
        edge_u=(np.tile(base.edge_u, k.size) + np.repeat(k * n, m)).astype(base.edge_u.dtype),
        edge_v=(np.tile(base.edge_v, k.size) + np.repeat(k * n, m)).astype(base.edge_v.dtype),
        edge_length_m=np.tile(base.edge_length_m, k.size),
        edge_way=np.tile(base.edge_way, k.size),
        meta={"source": f"synthetic province: Heidelberg x {k.size}"},
    )
    rng = np.random.default_rng(0)
    p = net.edge_length_m / net.edge_length_m.sum()
    e = rng.choice(net.n_edges, size=n_households, p=p)
    t = rng.random(n_households)
    lon = net.lon[net.edge_u[e]] + t * (net.lon[net.edge_v[e]] - net.lon[net.edge_u[e]])
    lat = net.lat[net.edge_u[e]] + t * (net.lat[net.edge_v[e]] - net.lat[net.edge_u[e]])
    r = 80 * np.sqrt(rng.random(n_households))
    a = rng.random(n_households) * 2 * np.pi
    lon += r * np.cos(a) / (111_320 * np.cos(np.deg2rad(lat)))
    lat += r * np.sin(a) / 110_540
    hh = gpd.GeoDataFrame(
        {"id": np.arange(n_households), "households": np.ones(n_households, dtype=np.int32)},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    hh.to_parquet(work / "households.parquet", index=False, row_group_size=200_000)
    del hh
    s = rng.choice(net.n_edges, size=n_stations, p=p)
    st = gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(n_stations)]},
        geometry=gpd.points_from_xy(net.lon[net.edge_u[s]], net.lat[net.edge_u[s]]),
        crs="EPSG:4326",
    )
    st.to_parquet(work / "stations.parquet", index=False)
    pd.DataFrame({"n": [net.n_nodes]}).to_csv(work / "nodes.csv", index=False)
    return net


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: not inherited from the parent, unlike ru_maxrss)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def single(work: Path, net_path: Path, out: Path):
    """One process on the whole province (its own process, so its peak memory is its own)."""
    from coverage import assess, settings
    from coverage.network import WalkNetwork

    settings.cache_folder = work / "cache"
    t = time.perf_counter()
    net = WalkNetwork.load(net_path)
    r = assess(
        net, work / "stations.parquet", work / "households.parquet", weight="households", horizon_min=30
    )
    wall = time.perf_counter() - t
    doc = {"wall_s": wall, "peak_mb": _peak_mb(), "summary": r.summary.to_dict()}
    out.write_text(json.dumps(doc, default=str), encoding="utf-8")


def tiled(work: Path, net_path: Path, out: Path, tile_m: float, workers: int):
    from coverage import settings
    from coverage.network import WalkNetwork
    from coverage.tiles.run import assess_tiled

    settings.cache_folder = work / "cache"
    t = time.perf_counter()
    net = WalkNetwork.load(net_path)
    r = assess_tiled(
        net,
        work / "stations.parquet",
        work / "households.parquet",
        weight="households",
        tiles=f"grid:{tile_m:g}",
        scheduler=f"local:{workers}" if workers else None,
        out_dir=work / f"tiled-out-{workers}",
        horizon_min=30,
    )
    wall = time.perf_counter() - t
    tiles = r.tiles
    doc = {
        "wall_s": wall,
        "coordinator_peak_mb": _peak_mb(),
        "timings": r.timings,
        "n_tiles": int(len(tiles)),
        "tile_nodes_total": int(tiles["n_nodes"].sum()),
        "tile_seconds_total": float(tiles["seconds"].sum()),
        "tile_seconds_median": float(tiles["seconds"].median()),
        "tile_rows_median": float(tiles["rows"].median()),
        "worker_peak_mb_max": float(tiles["peak_rss_mb"].max()),
        "summary": r.summary.to_dict(),
    }
    out.write_text(json.dumps(doc, default=str), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--households", type=int, default=20_000_000)
    ap.add_argument("--stations", type=int, default=2048)
    ap.add_argument("--tile-m", type=float, default=20_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", default=None)
    ap.add_argument("--step", choices=["all", "single", "tiled"], default="all")
    ap.add_argument(
        "--untiled",
        action="store_true",
        help="also run the whole province untiled in one process (needs about 0.6 GB per million households)",
    )
    args = ap.parse_args()
    import subprocess

    work = Path(args.work or tempfile.mkdtemp(prefix="province-"))
    net_path = work / "network.npz"
    if args.step == "single":
        single(work, net_path, work / "single.json")
        return 0
    if args.step == "tiled":
        tiled(work, net_path, work / f"tiled{args.workers}.json", args.tile_m, args.workers)
        return 0
    t = time.perf_counter()
    net = build(args.copies, args.households, args.stations, work)
    net.save(net_path)
    build_s = time.perf_counter() - t
    print(f"built {net} with {args.households:,} households in {build_s:.0f} s", flush=True)
    n_nodes, n_edges = net.n_nodes, net.n_edges
    del net
    me = [sys.executable, __file__, "--work", str(work)]
    runs = [("tiled", args.workers), ("tiled", 0)] + ([("single", 0)] if args.untiled else [])
    for step, w in runs:
        t = time.perf_counter()
        proc = subprocess.run(
            [*me, "--step", step, "--tile-m", str(args.tile_m), "--workers", str(w)], check=False
        )
        print(f"{step} {w}: exit {proc.returncode} in {time.perf_counter() - t:.0f} s", flush=True)
    names = {
        "single": "untiled_one_process",
        f"tiled{args.workers}": f"tiles_local_cluster_{args.workers}",
        "tiled0": "tiles_one_process",
    }
    res = {
        v: json.loads((work / f"{k}.json").read_text())
        for k, v in names.items()
        if (work / f"{k}.json").exists()
    }
    out = {
        "network_nodes": n_nodes,
        "network_edges": n_edges,
        "households": args.households,
        "stations": args.stations,
        "tile_m": args.tile_m,
        "workers": args.workers,
        "build_s": build_s,
        **res,
    }
    keys = ("n_covered", "n_uncovered", "n_off_network", "bands", "n_beyond_horizon", "weight_covered")
    sums = [v["summary"] for v in res.values()]
    out["same_summary"] = all(all(s[k] == sums[0][k] for k in keys) for s in sums)
    tl = res.get(f"tiles_local_cluster_{args.workers}")
    one = res.get("tiles_one_process")
    if tl and one:
        out["speedup_local_cluster_over_one_process"] = one["wall_s"] / tl["wall_s"]
    if tl:
        out["tiling_overhead"] = {"tile_nodes_over_network_nodes": tl["tile_nodes_total"] / n_nodes}
        if "untiled_one_process" in res:
            out["tiling_overhead"]["tile_cpu_s_over_untiled_wall_s"] = (
                tl["tile_seconds_total"] / res["untiled_one_process"]["wall_s"]
            )
    print(json.dumps(out, indent=2, default=str))
    name = (
        "province.json"
        if args.copies == 8 and args.households == 20_000_000
        else f"province-{args.copies}x.json"
    )
    (REPO / "benchmarks" / "results" / name).write_text(json.dumps(out, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
