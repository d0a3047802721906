"""Benchmark gated compounds on Harbin centre: the time the gate rule adds, and what it changes.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_gates.py
    .venv/bin/python benchmarks/bench_gates.py --walls-only   # rerun only "open_the_walls"

Harbin centre: 88 subdistrict points as stations, 8,935 residential buildings
(one household each), the extract's 1,611 landuse=residential areas as
compounds, and stand-in gates where each outline comes closest to a street
(:func:`coverage.gates.outline_gates`: up to two per compound, at least 100 m
apart, within 30 m of a street; OSM maps only 129 gate nodes here, 6 of them
on a compound outline). Reports the analysis time with and without the gate
rule (median of 7, network cached, inputs in memory), the isochrone time with
and without it, and the open-against-gated comparison.

Opening the walls (issue 24): the what-ifs against a fresh analysis with the
same changed inputs (medians; inputs in memory, so the fresh run's reading is
not counted against it): a gate added to one compound, gates added to 50
compounds, 50 compounds opened, one new 1 km path, three closed ways; and
``suggest_gates`` (k = 10, openings every 30 m within 10 m of a street) with
its solver status, plus the worked example of the README (the opening ranked
first, its compound and the households it brings in).
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
    res = REPO / "benchmarks" / "results" / "gates.json"
    if "--walls-only" in sys.argv:  # the what-if timings only, the other numbers kept
        r = assess(net, st, hh, compounds=compounds, gates=gates)
        out = json.loads(res.read_text(encoding="utf-8"))
        out["open_the_walls"] = _walls(net, st, hh, compounds, gates, r)
        print(json.dumps(out["open_the_walls"], indent=2, ensure_ascii=False))
        res.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return 0
    t_open, r_open = _median_s(lambda: assess(net, st, hh))
    t_gated, r = _median_s(lambda: assess(net, st, hh, compounds=compounds, gates=gates))
    t_iso_open, _ = _median_s(lambda: r_open.isochrones(), n=3)
    t_iso_gated, iso = _median_s(lambda: r.isochrones(), n=3)
    hon = honesty(r, iso)
    osm = assess(net, st, hh, compounds="osm", gates="osm").summary.gates
    out = {
        "stations": len(st),
        "households": len(hh),
        "compounds": len(compounds),
        "gates": len(gates),
        "osm_gate_nodes": len(gate_nodes(p)),
        "osm_gates_on_outlines": osm["n_gates_used"],
        "read_compounds_from_osm_s": round(t_read, 3),
        "outline_gates_s": round(t_gates, 3),
        "assess_open_s_median": round(t_open, 3),
        "assess_gated_s_median": round(t_gated, 3),
        "gate_rule_adds_s": round(t_gated - t_open, 3),
        "isochrones_open_s_median": round(t_iso_open, 3),
        "isochrones_gated_s_median": round(t_iso_gated, 3),
        "comparison": r.summary.gates,
        "honesty_15min_share_inside_own": float(hon["share_inside_own"].iloc[-1]),
        "honesty_15min_share_union_outside_band": float(hon["share_union_outside_band"].iloc[-1]),
    }
    out["open_the_walls"] = _walls(net, st, hh, compounds, gates, r)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    res.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def _walls(net, st, hh, compounds, gates, r) -> dict:
    """What-if timings against fresh runs, and suggest_gates (issue 24)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from coverage import assess
    from coverage.gate_siting import suggest_gates
    from coverage.gates import outline_gates

    if "compound_id" not in compounds.columns:
        compounds = compounds.rename(columns={"id": "compound_id"})
    t = r.compounds_table()
    changed = t[t["points_changed"] > 0]["compound_id"].astype(str).tolist()
    more = outline_gates(
        net, compounds[compounds["compound_id"].astype(str).isin(changed[:50])], per_compound=3
    )
    have = set(zip(np.round(gates.geometry.x, 9), np.round(gates.geometry.y, 9), strict=True))
    more = more[
        [p not in have for p in zip(np.round(more.geometry.x, 9), np.round(more.geometry.y, 9), strict=True)]
    ]
    more = more.drop_duplicates("compound_id").assign(gate_id=lambda d: [f"new{i}" for i in range(len(d))])
    one = more.iloc[:1]
    out = {"compounds_with_changed_verdicts": len(changed), "load_average_1min": os.getloadavg()[0]}

    def pair(name, what_if, fresh, n=5):
        t_w, w = _median_s(what_if, n)
        t_f, f = _median_s(fresh, n)
        same = bool(
            np.allclose(
                w.households["walk_m"].to_numpy(float),
                f.households["walk_m"].to_numpy(float),
                atol=0.02,
                equal_nan=True,
            )
            and w.summary.weight_covered == f.summary.weight_covered
        )
        out[name] = {
            "what_if_s_median": round(t_w, 3),
            "fresh_assess_s_median": round(t_f, 3),
            "speedup": round(t_f / t_w, 2),
            "equal": same,
            "covered_before": r.summary.weight_covered,
            "covered_after": w.summary.weight_covered,
        }

    pair(
        "add_gate_1_compound",
        lambda: r.what_if(add_gates=one),
        lambda: assess(net, st, hh, compounds=compounds, gates=pd.concat([gates, one])),
    )
    pair(
        "add_gates_50_compounds",
        lambda: r.what_if(add_gates=more),
        lambda: assess(net, st, hh, compounds=compounds, gates=pd.concat([gates, more])),
    )
    opened = changed[:50]
    pair(
        "open_50_compounds",
        lambda: r.what_if(open_compounds=opened),
        lambda: assess(
            net, st, hh, compounds=compounds, gates=gates[~gates["compound_id"].astype(str).isin(opened)]
        ),
    )
    lon0, lat0 = float(np.median(net.lon)), float(np.median(net.lat))
    path = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(lon0 - 0.005, lat0 - 0.003), (lon0 + 0.005, lat0 + 0.003)])], crs=4326
    )
    w = r.what_if(add_paths=path)

    def cold(n):  # the edited network as a new object: its search graph and snapping index built afresh
        from coverage.network import WalkNetwork

        return WalkNetwork(**n._arrays(), meta=dict(n.meta))

    pair(
        "add_path_1km",
        lambda: r.what_if(add_paths=path),
        lambda: assess(cold(w.network), st, hh, compounds=compounds, gates=gates),
        n=3,
    )
    out["add_path_1km"]["fresh_is"] = (
        "assess on the edited network given as arrays (not read from an extract)"
    )
    snapped = r.household_snap.edge[r.household_snap.on_network]
    ways = [int(x) for x in pd.Series(net.edge_way[snapped]).value_counts().index[:3] if x > 0]
    w = r.what_if(close_ways=ways)
    pair(
        "close_3_ways",
        lambda: r.what_if(close_ways=ways),
        lambda: assess(cold(w.network), st, hh, compounds=compounds, gates=gates),
        n=3,
    )
    out["close_3_ways"]["fresh_is"] = out["add_path_1km"]["fresh_is"]
    from coverage.edits import edit_network

    out["edit_network_1km_path_s_median"] = round(
        _median_s(lambda: edit_network(net, add_paths=path), n=3)[0], 3
    )
    t_s, sg = _median_s(lambda: suggest_gates(r, k=10), n=3)
    s = sg.summary
    after = r.what_if(add_gates=sg.gates())
    out["suggest_gates_k10"] = {
        "seconds_median": round(t_s, 3),
        "seconds_parts": {k: round(v, 3) for k, v in s["seconds"].items()},
        "candidates": s["candidates_in"],
        "compounds_considered": s["compounds_considered"],
        "households_considered": s["households_considered"],
        "solver": s["solver"],
        "solver_status": s["solver_status"],
        "gap": s["gap"],
        "households_added": s["households_added"],
        "covered_share_before": s["covered_share_before"],
        "covered_share_after": s["covered_share_after"],
        "what_if_with_them_adds": after.summary.weight_covered - r.summary.weight_covered,
        "sites": sg.sites.drop(columns="geometry").to_dict(orient="records"),
    }
    top = sg.sites.iloc[0]
    h = r.households
    inside = h[h["compound_id"].astype(str) == str(top["compound_id"])]
    brought = sg.households[sg.households["rank"] == 1]["id"].astype(str)
    ex = inside[inside["id"].astype(str).isin(brought)]
    ha = after.households.set_index(h.index)
    out["worked_example"] = {
        "compound_id": str(top["compound_id"]),
        "compound_name": str(top["compound_name"]),
        "opening_lon": float(top["lon"]),
        "opening_lat": float(top["lat"]),
        "points_in_compound": len(inside),
        "points_brought_in": len(ex),
        "median_walk_m_now": float(ex["walk_m"].median()),
        "median_walk_m_open_rule": float(ex["walk_m_open"].median()),
        "median_walk_m_with_opening": float(ha.loc[ex.index, "walk_m"].median()),
        "threshold_m": r.params["threshold_m"],
    }
    return out


if __name__ == "__main__":
    sys.exit(main())
