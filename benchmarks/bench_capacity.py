"""Benchmark capacity: the exact assignment, capacitated siting, and the nearest-then-cap baseline.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_capacity.py

Harbin centre: 88 subdistrict points as stations with uneven capacities (one to
three social workers at 25 households each: the capacities are small next to
the 8,935 buildings, as at a real township station), 8,935 residential
buildings (one household each). Reports the time of the exact assignment
(HiGHS LP, max served then least walk), the households it serves against
nearest-then-cap, and k = 5 capacitated sites (new stations of 2 workers).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def main() -> int:
    from coverage import assess, load_network, settings
    from coverage.capacity import assign, nearest_then_cap
    from coverage.osm import place_nodes, residential_buildings
    from coverage.reach import within_pairs
    from coverage.siting import suggest_sites

    settings.cache_folder = Path(tempfile.mkdtemp())
    p = OSM / "harbin-central.osm.pbf"
    rng = np.random.default_rng(0)
    st = place_nodes(p)
    st = st.assign(staff=rng.integers(1, 4, len(st)))
    hh = residential_buildings(p)
    net = load_network(p)
    r = assess(net, st, hh, staff="staff", caseload=25)
    walks = within_pairs(
        r.network, r.household_snap, r.station_snap, r.reach, r.params["threshold_m"], walk=True
    )
    times = []
    for _ in range(5):
        t = time.perf_counter()
        a = assign(walks, r.household_points.weight, r.capacity)
        times.append(time.perf_counter() - t)
    base = float(nearest_then_cap(walks, r.household_points.weight, r.capacity).sum())
    out = {
        "stations": len(st),
        "households": len(hh),
        "pairs_within_15min": int(walks.nnz),
        "capacity_total": float(r.capacity.sum()),
        "weight_within_reach": r.summary.weight_covered,
        "assignment_s_median": float(np.median(times)),
        "served_optimal": a.served_weight,
        "served_nearest_then_cap": base,
        "served_gain_over_nearest_then_cap": a.served_weight - base,
        "served_gain_share": (a.served_weight - base) / base if base else None,
        "extra_staff_total": r.summary.extra_staff_total,
    }
    for spacing in (250.0, 150.0):
        t = time.perf_counter()
        s = suggest_sites(r, k=5, new_capacity=50, spacing_m=spacing, time_limit_s=60)
        out[f"site_k5_spacing{spacing:g}"] = {
            "seconds": time.perf_counter() - t,
            "solver": s.summary["solver"],
            "status": s.summary["status"],
            "gap": s.summary["gap"],
            "served_before": s.summary["weight_served_before"],
            "served_after": s.summary["weight_served_after"],
            "candidates": s.summary["candidates_used"],
            "pairs": s.summary["pairs"],
            "demand_groups": s.summary["demand_groups"],
        }
    print(json.dumps(out, indent=1))
    (REPO / "benchmarks" / "results" / "capacity.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
