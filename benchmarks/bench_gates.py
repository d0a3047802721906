"""Benchmark gated compounds on Harbin centre: the time the gate rule adds, and what it changes.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_gates.py

Harbin centre: 88 subdistrict points as stations, 8,935 residential buildings
(one household each), the extract's 1,611 landuse=residential areas as
compounds, and stand-in gates where each outline comes closest to a street
(:func:`coverage.gates.outline_gates`: up to two per compound, at least 100 m
apart, within 30 m of a street; OSM maps only 129 gate nodes here, 6 of them
on a compound outline). Reports the analysis time with and without the gate
rule (median of 7, network cached, inputs in memory), the isochrone time with
and without it, and the open-against-gated comparison.
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


def _median_s(fn, n=7):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def main() -> int:
    import logging

    from coverage import assess, load_network, settings
    from coverage.gates import outline_gates
    from coverage.isochrones import honesty
    from coverage.osm import gate_nodes, place_nodes, residential_areas, residential_buildings

    logging.getLogger("coverage").setLevel(logging.ERROR)
    settings.cache_folder = Path(tempfile.mkdtemp())
    p = OSM / "harbin-central.osm.pbf"
    st = place_nodes(p)
    hh = residential_buildings(p)
    net = load_network(p)
    t = time.perf_counter()
    compounds = residential_areas(p)
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    gates = outline_gates(net, compounds)
    t_gates = time.perf_counter() - t
    assess(net, st, hh)  # warm caches (segment index, chains)
    t_open, r_open = _median_s(lambda: assess(net, st, hh))
    t_gated, r = _median_s(lambda: assess(net, st, hh, compounds=compounds, gates=gates))
    t_iso_open, _ = _median_s(lambda: r_open.isochrones(), n=3)
    t_iso_gated, iso = _median_s(lambda: r.isochrones(), n=3)
    hon = honesty(r, iso)
    osm = assess(net, st, hh, compounds="osm", gates="osm").summary.gates
    out = {
        "stations": len(st), "households": len(hh), "compounds": len(compounds), "gates": len(gates),
        "osm_gate_nodes": len(gate_nodes(p)), "osm_gates_on_outlines": osm["n_gates_used"],
        "read_compounds_from_osm_s": round(t_read, 3), "outline_gates_s": round(t_gates, 3),
        "assess_open_s_median": round(t_open, 3), "assess_gated_s_median": round(t_gated, 3),
        "gate_rule_adds_s": round(t_gated - t_open, 3),
        "isochrones_open_s_median": round(t_iso_open, 3), "isochrones_gated_s_median": round(t_iso_gated, 3),
        "comparison": r.summary.gates,
        "honesty_15min_share_inside_own": float(hon["share_inside_own"].iloc[-1]),
        "honesty_15min_share_union_outside_band": float(hon["share_union_outside_band"].iloc[-1]),
    }
    print(json.dumps(out, indent=2))
    res = REPO / "benchmarks" / "results" / "gates.json"
    res.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
