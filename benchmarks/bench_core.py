"""Benchmark the walking-coverage core against the classic osmnx notebook approach.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_core.py            # all cases
    .venv/bin/python benchmarks/bench_core.py harbin     # one case

Each case runs in its own process so its peak memory (ru_maxrss) is its own.
Cases:

* ``harbin``: harbin-central.osm.pbf, the 88 街道 place nodes as stations and the
  residential buildings (typed, or untyped inside landuse=residential) as
  households; 15 minutes at 4.8 km/h = 1,200 m. Also crow-fly 1,200 m circles.
* The whole ``service-coverage analyze`` run is timed by ``bench_isochrones.py harbin-cli``.
* ``heidelberg-100k`` / ``heidelberg-1m``: heidelberg-roads.osm.pbf with synthetic
  households along streets (100k / 1M) and 100 / 1,000 stations.

The classic approach is the one in many osmnx notebooks: per station
``networkx.ego_graph`` with the walking radius, the convex hull of the reached
nodes, then point-in-polygon for the households.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))
RADIUS_M = 1200.0  # 15 min at 4.8 km/h


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, *a, **k):
    t = time.perf_counter()
    out = fn(*a, **k)
    return out, time.perf_counter() - t


def classic_hulls(net, st_xy, hh_xy, radius_m):
    """ego_graph per station -> convex hull -> point in polygon. Returns covered mask."""
    import networkx as nx
    import shapely
    from scipy.spatial import cKDTree

    t0 = time.perf_counter()
    g = net.to_networkx()
    t_graph = time.perf_counter() - t0
    xy = net.xy
    tree = cKDTree(xy)
    _, src = tree.query(st_xy)  # classic: nearest node, no edge snapping
    hulls = []
    t0 = time.perf_counter()
    for s in src:
        sub = nx.ego_graph(g, int(s), radius=radius_m, distance="length")
        nodes = np.fromiter(sub.nodes, dtype=np.int64)
        hulls.append(shapely.convex_hull(shapely.multipoints(xy[nodes])))
    t_ego = time.perf_counter() - t0
    t0 = time.perf_counter()
    hull_tree = shapely.STRtree(hulls)
    pts = shapely.points(hh_xy)
    idx = hull_tree.query(pts, predicate="within")
    covered = np.zeros(len(hh_xy), dtype=bool)
    covered[idx[0]] = True
    t_pip = time.perf_counter() - t0
    return covered, {"graph_s": t_graph, "ego_hull_s": t_ego, "point_in_polygon_s": t_pip}


def case_harbin():
    from scipy.spatial import cKDTree

    from coverage import assess, load_network
    from coverage.osm import place_nodes, residential_buildings

    path = OSM / "harbin-central.osm.pbf"
    net, t_build = timed(load_network, path, cache=False)
    stations = place_nodes(path)
    households, t_feat = timed(residential_buildings, path)
    assess(net, stations, households)  # warm-up (imports, index build)
    net2 = load_network(path, cache=False)
    result, t_assess_cold = timed(assess, net2, stations, households)
    result, t_assess = timed(assess, net2, stations, households)
    h = result.households
    walk_cov = h["covered"].to_numpy()
    on = (h["status"].astype(str) != "off_network").to_numpy()
    # crow-fly circles
    from coverage.locate import project

    sx, sy = project(net, result.station_points.lon, result.station_points.lat)
    hx, hy = project(net, result.household_points.lon, result.household_points.lat)
    d, _ = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([hx, hy]))
    crow = d <= RADIUS_M
    classic, t_classic = classic_hulls(net, np.column_stack([sx, sy]), np.column_stack([hx, hy]), RADIUS_M)
    t_classic_total = sum(t_classic.values())
    return {
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "stations": len(stations),
        "households": len(households),
        "build_network_s": t_build,
        "osm_s": t_feat,
        "assess_first_s": t_assess_cold,
        "assess_s": t_assess,
        "covered_share": result.summary.share_covered,
        "crowfly_covered_share": float(crow[on].mean()),
        "crowfly_false_covered": int((crow & ~walk_cov & on).sum()),
        "crowfly_missed": int((~crow & walk_cov & on).sum()),
        "crowfly_misclassified_share": float(((crow != walk_cov) & on).sum() / on.sum()),
        "classic_hull_false_covered": int((classic & ~walk_cov & on).sum()),
        "classic_hull_missed": int((~classic & walk_cov & on).sum()),
        "classic_s": t_classic_total,
        "classic_breakdown": t_classic,
        "speedup_vs_classic": t_classic_total / t_assess,
    }


def synthetic_points(net, n, rng, max_offset_m=40.0):
    """Points along streets: random segment (by length), random position, random side offset."""
    xy = net.xy
    p = net.edge_length_m / net.edge_length_m.sum()
    e = rng.choice(net.n_edges, size=n, p=p)
    t = rng.uniform(0, 1, n)
    a, b = xy[net.edge_u[e]], xy[net.edge_v[e]]
    d = b - a
    norm = np.hypot(d[:, 0], d[:, 1])[:, None]
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(norm, 1e-9)
    off = rng.uniform(-max_offset_m, max_offset_m, n)[:, None]
    return a + t[:, None] * d + off * normal


def case_heidelberg(n_households, n_stations, classic=True):
    from coverage import load_network
    from coverage.reach import (
        nearest_for_points,
        nearest_station,
        same_chain_pairs,
        station_reach,
        within_pairs,
    )
    from coverage.snapping import segment_index, snap_points
    from coverage.topology import chains_of

    path = OSM / "heidelberg-roads.osm.pbf"
    net, t_build = timed(lambda: chains_of(load_network(path, cache=False)) and None)
    net = load_network(path)
    chains_of(net)
    rng = np.random.default_rng(42)
    hh = synthetic_points(net, n_households, rng)
    st = synthetic_points(net, n_stations, rng, max_offset_m=20.0)
    _, t_index = timed(lambda: segment_index(net)._tree)
    t0 = time.perf_counter()
    s_snap = snap_points(net, st[:, 0], st[:, 1])
    h_snap = snap_points(net, hh[:, 0], hh[:, 1])
    t_snap = time.perf_counter() - t0
    t0 = time.perf_counter()
    nearest = nearest_station(net, s_snap)
    pairs = same_chain_pairs(net, h_snap, s_snap)
    walk_m, _ = nearest_for_points(net, h_snap, s_snap, nearest, pairs=pairs)
    t_nearest = time.perf_counter() - t0
    t0 = time.perf_counter()
    reach = station_reach(net, s_snap, RADIUS_M)
    within = within_pairs(net, h_snap, s_snap, reach, RADIUS_M, pairs=pairs)
    t_within = time.perf_counter() - t0
    covered = walk_m <= RADIUS_M
    out = {
        "nodes": net.n_nodes,
        "stations": n_stations,
        "households": n_households,
        "build_network_s": t_build,
        "segment_index_s": t_index,
        "snap_s": t_snap,
        "nearest_pass_s": t_nearest,
        "per_station_reach_and_counts_s": t_within,
        "snap_plus_reach_s": t_snap + t_nearest + t_within,
        "snap_plus_nearest_s": t_snap + t_nearest,
        "covered_share": float(covered.mean()),
        "mean_stations_within": float(np.diff(within.indptr).mean()),
        "peak_mb_before_classic": peak_mb(),
    }
    if classic:
        cls, t_classic = classic_hulls(net, st, hh, RADIUS_M)
        tc = sum(t_classic.values())
        out.update(
            {
                "classic_s": tc,
                "classic_breakdown": t_classic,
                "classic_false_covered_share": float((cls & ~covered).mean()),
                "classic_missed_share": float((~cls & covered).mean()),
                "speedup_vs_classic": tc / out["snap_plus_reach_s"],
            }
        )
    return out


CASES = {
    "harbin": case_harbin,
    "heidelberg-100k": lambda: case_heidelberg(100_000, 100),
    "heidelberg-1m": lambda: case_heidelberg(1_000_000, 1_000),
    "heidelberg-1m-nocl": lambda: case_heidelberg(1_000_000, 1_000, classic=False),
}


def main(argv):
    if len(argv) == 2 and argv[0] == "--one":
        name = argv[1]
        res = CASES[name]()
        res["peak_mb"] = peak_mb()
        print(json.dumps(res, default=float))
        return 0
    names = argv or ["harbin", "heidelberg-100k", "heidelberg-1m"]
    results = {}
    for name in names:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", name], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(name, json.dumps(results[name], indent=1, default=float), flush=True)
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "core.json").write_text(json.dumps(results, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
