"""Benchmark accessibility and equity: 1M households x 1,000 stations, ~50 stations within reach of each.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_access.py
    .venv/bin/python benchmarks/bench_access.py --walks   # the added time of --groups/--access on the walks

A synthetic sparse cost matrix (walking minutes, uniform on 0-20) of
1,000,000 demand rows x 1,000 supply columns with 50 distinct columns per row
(50M stored pairs) as a canonical CSR matrix (sorted indices, no duplicates:
what scipy builds), catchment ``max_cost=15`` (about 37.5M pairs kept).
Times (median of 3 runs): reading the pairs, the 2SFCA with no decay, an
E2SFCA step dict and a Gaussian, the 3SFCA, BFCA and gravity; reading the
pairs and the 2SFCA when every stored pair is within ``max_cost`` (what the
walking analysis hands over: ``max_cost=20``, all 50M pairs); the same 2SFCA
from an unsorted COO matrix (scipy sorts it into CSR first); and the equity
measures on the 1M access values with household weights. The machine is
shared: the load average is recorded with the figures. Writes
benchmarks/results/access.json.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy import sparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

N_ROWS, N_COLS, PER_ROW, MAX_COST = 1_000_000, 1_000, 50, 15.0


def _matrix(seed: int = 0) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, N_COLS, N_ROWS)
    cols = np.sort((base[:, None] + np.arange(PER_ROW) * 19) % N_COLS, axis=1).astype(np.int32).ravel()
    indptr = np.arange(0, N_ROWS * PER_ROW + 1, PER_ROW, dtype=np.int64)
    minutes = rng.uniform(0, 20, N_ROWS * PER_ROW).round(2)
    return sparse.csr_matrix((minutes, cols, indptr), shape=(N_ROWS, N_COLS))


def _median_s(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def _unsorted(cost, households, workers, two_step_fca) -> float:
    """The same 2SFCA from the pairs as a COO matrix in random order (scipy sorts them into CSR first)."""
    coo = cost.tocoo()
    perm = np.random.default_rng(2).permutation(coo.nnz)
    shuffled = sparse.coo_matrix((coo.data[perm], (coo.row[perm], coo.col[perm])), shape=coo.shape)
    del coo, perm
    seconds, _ = _median_s(lambda: two_step_fca(shuffled, households, workers, max_cost=MAX_COST), repeat=1)
    return seconds


def main() -> int:
    from coverage._costs import cost_pairs
    from coverage.accessibility import (
        balanced_fca,
        gaussian,
        gravity_access,
        three_step_fca,
        two_step_fca,
    )
    from coverage.equity import concentration_index, gini, lorenz, palma, theil

    load_start = os.getloadavg()[0]  # other work on the machine slows every figure below
    t = time.perf_counter()
    cost = _matrix()
    build_s = time.perf_counter() - t
    rng = np.random.default_rng(1)
    households = rng.integers(1, 4, N_ROWS).astype(float)
    workers = rng.integers(1, 6, N_COLS).astype(float)
    steps = {5: 1.0, 10: 0.68, 15: 0.22}
    g = gaussian(7.5)

    res: dict[str, object] = {}
    s, pairs = _median_s(lambda: cost_pairs(cost, max_cost=MAX_COST))
    res["cost_pairs_s"] = s
    for name, fn, kw in (
        ("two_step_fca_none_s", two_step_fca, {}),
        ("two_step_fca_step_s", two_step_fca, {"decay": steps}),
        ("two_step_fca_gaussian_s", two_step_fca, {"decay": g}),
        ("three_step_fca_gaussian_s", three_step_fca, {"decay": g}),
        ("balanced_fca_none_s", balanced_fca, {}),
    ):
        res[name], _ = _median_s(lambda fn=fn, kw=kw: fn(cost, households, workers, max_cost=MAX_COST, **kw))
    # the walking analysis hands over pairs already within the threshold: nothing to cut
    res["cost_pairs_all_within_s"], _ = _median_s(lambda: cost_pairs(cost, max_cost=20.0))
    res["two_step_fca_none_all_within_s"], _ = _median_s(
        lambda: two_step_fca(cost, households, workers, max_cost=20.0)
    )
    res["gravity_access_gaussian_s"], _ = _median_s(
        lambda: gravity_access(cost, workers, max_cost=MAX_COST, decay=g)
    )
    res["two_step_fca_none_unsorted_coo_s"] = _unsorted(cost, households, workers, two_step_fca)

    access = two_step_fca(cost, households, workers, max_cost=MAX_COST, decay=steps).access
    walk_min = rng.uniform(0, 30, N_ROWS).round(1)  # a ranking variable with ties
    eq = {}
    eq["gini_s"], _ = _median_s(lambda: gini(access, households))
    eq["theil_s"], _ = _median_s(lambda: theil(access, households))
    eq["palma_s"], _ = _median_s(lambda: palma(access, households))
    eq["lorenz_s"], _ = _median_s(lambda: lorenz(access, households))
    eq["concentration_index_s"], _ = _median_s(lambda: concentration_index(access, walk_min, households))

    out = {
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "cpus": os.cpu_count(),
            "load_average_1min_at_start": load_start,
            "load_average_1min_at_end": os.getloadavg()[0],
        },
        "matrix": {
            "rows": N_ROWS,
            "cols": N_COLS,
            "stored_pairs": int(cost.nnz),
            "max_cost": MAX_COST,
            "pairs_within_max_cost": pairs.n_pairs,
            "format": "canonical CSR",
            "build_s": build_s,
        },
        "accessibility_median_s": res,
        "equity_on_1M_values_median_s": eq,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "checks": {
            "access_mean": float(np.average(access, weights=households)),
            "gini": gini(access, households),
            "palma": palma(access, households),
        },
    }
    dest = REPO / "benchmarks" / "results" / "access.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


# ------------------------------------------------------- on the walks: the added time of groups and access
OSM = REPO.parent / "shared" / "data" / "osm"


def _harbin_walks() -> dict:
    """Harbin centre (88 stations, 8,935 buildings):
    the added time of --groups and --access on one analysis."""
    from coverage import assess, load_network
    from coverage.osm import place_nodes, residential_buildings

    p = OSM / "harbin-central.osm.pbf"
    net = load_network(p)
    st = place_nodes(p)
    st["social_workers"] = 1 + np.arange(len(st)) % 5
    hh = residential_buildings(p)
    hh["households"] = np.maximum(1, np.round(hh["area_m2"].to_numpy() * 6 / 80))
    hh["elderly"] = np.round(hh["households"] * 2.62 * 0.232)
    hh["disabled"] = np.round(hh["households"] * 2.62 * 0.0634)
    groups = {"elderly": ("elderly", "elderly"), "disabled": ("disabled", "wheelchair"), "all": "households"}
    t = time.perf_counter()
    w = net.for_profile("wheelchair")
    profile_build_s = time.perf_counter() - t
    kw = {"weight": "households", "id_col": None}
    res = {}
    res["assess_s"], base = _median_s(lambda: assess(net, st, hh, **kw))
    res["assess_groups_s"], rg = _median_s(lambda: assess(net, st, hh, groups=groups, **kw))
    res["assess_access_2sfca_s"], ra = _median_s(
        lambda: assess(net, st, hh, access="2sfca", staff="social_workers", **kw)
    )
    res["assess_groups_and_access_s"], _ = _median_s(
        lambda: assess(net, st, hh, groups=groups, access="2sfca", staff="social_workers", **kw)
    )
    res["added_groups_s"] = res["assess_groups_s"] - res["assess_s"]
    res["added_access_s"] = res["assess_access_2sfca_s"] - res["assess_s"]
    res["added_both_s"] = res["assess_groups_and_access_s"] - res["assess_s"]
    return {
        "case": "harbin-central, 88 stations, 8,935 buildings",
        "nodes": net.n_nodes,
        "edges": net.n_edges,
        "wheelchair_segments_left_out": w.meta["n_segments_avoided"],
        "wheelchair_segments_cut_off": w.meta["n_segments_cut_off_for_profile"],
        "wheelchair_view_build_s": profile_build_s,
        "median_s": res,
        "covered_share_weight": base.summary.share_covered_weight,
        "groups": {
            k: {"share_covered": v["share_covered"], "gap_to_all": v["gap_to_all"]}
            for k, v in rg.summary.groups.items()
        },
        "access": {k: v for k, v in ra.summary.access.items() if k != "lorenz"},
    }


def _million_walks() -> dict:
    """Heidelberg, 1M households x 1,000 stations along its streets:
    the added time on an existing analysis."""
    import geopandas as gpd

    from coverage import assess, load_network
    from coverage.assessment import with_access, with_groups
    from coverage.groups import parse_groups
    from coverage.walk_access import AccessSpec, station_supply

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_core import synthetic_points

    net = load_network(OSM / "heidelberg-roads.osm.pbf")
    rng = np.random.default_rng(42)
    hh_xy = synthetic_points(net, 1_000_000, rng)
    st_xy = synthetic_points(net, 1_000, rng, max_offset_m=20.0)
    hh = gpd.GeoDataFrame(
        {"households": rng.integers(1, 60, hh_xy.shape[0]).astype(float)},
        geometry=gpd.points_from_xy(hh_xy[:, 0], hh_xy[:, 1]),
        crs=net.crs,
    )
    hh["elderly"] = np.round(hh["households"] * 2.62 * 0.232)
    hh["disabled"] = np.round(hh["households"] * 2.62 * 0.0634)
    st = gpd.GeoDataFrame(
        {"social_workers": rng.integers(1, 6, st_xy.shape[0])},
        geometry=gpd.points_from_xy(st_xy[:, 0], st_xy[:, 1]),
        crs=net.crs,
    )
    t = time.perf_counter()
    r = assess(net, st, hh, weight="households", id_col=None)
    assess_s = time.perf_counter() - t
    spec = AccessSpec.of("2sfca", staff_col="social_workers")
    supply = station_supply(r.station_points, spec)
    res = {"assess_s": assess_s}
    res["added_access_2sfca_s"], ra = _median_s(lambda: with_access(r, spec, supply=supply), repeat=2)
    for name, groups in (
        ("added_group_own_profile_s", ["households"]),
        ("added_group_elderly_s", ["elderly:elderly"]),
        ("added_groups_elderly_wheelchair_own_s", ["elderly:elderly", "disabled:wheelchair", "households"]),
    ):
        res[name], _ = _median_s(lambda g=groups: with_groups(r, parse_groups(g)), repeat=2)
    return {
        "case": "heidelberg-roads, 1M households x 1,000 stations",
        "nodes": net.n_nodes,
        "wheelchair_segments_left_out": net.for_profile("wheelchair").meta["n_segments_avoided"],
        "median_s": res,
        "n_pairs_within_threshold": ra.summary.access["n_pairs"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def walks() -> int:
    """The added time of --groups and --access on the walking analysis; writes results/access_walks.json."""
    load_start = os.getloadavg()[0]
    out = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1min_at_start": load_start,
        }
    }
    out["harbin"] = _harbin_walks()
    out["million"] = _million_walks()
    out["machine"]["load_average_1min_at_end"] = os.getloadavg()[0]
    dest = REPO / "benchmarks" / "results" / "access_walks.json"
    dest.write_text(json.dumps(out, indent=2, default=float) + "\n")
    print(json.dumps(out, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(walks() if "--walks" in sys.argv[1:] else main())
