"""Siting benchmark: Harbin k = 1..10 and target 0.85; synthetic instances against spopt.

    .venv/bin/python benchmarks/bench_siting.py            # all
    .venv/bin/python benchmarks/bench_siting.py harbin

spopt is optional (``pip install -e ".[dev]"``); without it only our solver runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def harbin():
    from coverage import assess, load_network
    from coverage.osm import place_nodes, residential_buildings
    from coverage.siting import suggest_sites

    path = OSM / "harbin-central.osm.pbf"
    net = load_network(path)
    r = assess(net, place_nodes(path), residential_buildings(path))
    out = {"covered_share_now": r.summary.share_covered}
    t = time.perf_counter()
    s5 = suggest_sites(r, k=5)
    out["k5"] = {
        "seconds": time.perf_counter() - t,
        **{
            k: s5.summary[k]
            for k in (
                "solver",
                "status",
                "gap",
                "covered_share_after",
                "candidates_in",
                "candidates_used",
                "demand_groups",
            )
        },
        "steps": s5.summary["seconds"],
    }
    curve = []
    for k in range(1, 11):
        t = time.perf_counter()
        ex = suggest_sites(r, k=k)
        te = time.perf_counter() - t
        gr = suggest_sites(r, k=k, method="greedy")
        curve.append(
            {
                "k": k,
                "exact_share": ex.summary["covered_share_after"],
                "exact_s": te,
                "greedy_share": gr.summary["covered_share_after"],
                "status": ex.summary["status"],
            }
        )
    out["curve"] = curve
    for tgt in (0.85, 0.99):
        t = time.perf_counter()
        ex = suggest_sites(r, target_share=tgt)
        te = time.perf_counter() - t
        gr = suggest_sites(r, target_share=tgt, method="greedy")
        out[f"target_{tgt}"] = {
            "exact_sites": ex.summary["n_sites"],
            "greedy_sites": gr.summary["n_sites"],
            "exact_s": te,
            "status": ex.summary["status"],
        }
    return out


def synthetic(n_c, n_h, k=10, radius=0.02, seed=0, time_limit_s=60.0):
    """Random points in the unit square; candidate covers households within `radius`."""
    from scipy.spatial import cKDTree

    from coverage.siting import build_problem, solve_mclp

    rng = np.random.default_rng(seed)
    hx = rng.random((n_h, 2))
    cx = rng.random((n_c, 2))
    w = rng.integers(1, 50, n_h).astype(float)
    pairs = cKDTree(cx).query_ball_point(hx, r=radius)
    rows = np.repeat(np.arange(n_h), [len(p) for p in pairs])
    cols = np.concatenate([np.asarray(p, dtype=np.int64) for p in pairs])
    a = sparse.csr_matrix((np.ones(rows.size, dtype=bool), (rows, cols)), shape=(n_h, n_c))
    t = time.perf_counter()
    prob = build_problem(a, w, total_weight=w.sum(), covered_weight=0.0)
    t_red = time.perf_counter() - t
    t = time.perf_counter()
    sol = solve_mclp(prob, k, time_limit_s=time_limit_s)
    t_solve = time.perf_counter() - t
    out = {
        "candidates": n_c,
        "households": n_h,
        "k": k,
        "reduce_s": t_red,
        "solve_s": t_solve,
        "total_s": t_red + t_solve,
        "objective": sol.objective,
        "status": sol.status,
        "gap": sol.gap,
        "solver": sol.solver,
        "groups": prob.n_groups,
        "candidates_used": int(prob.candidates.size),
    }
    try:
        import pulp
        from spopt.locate import MCLP
    except ImportError:
        out["spopt"] = "not installed"
        return out
    # spopt needs a dense cost matrix: households x candidates
    if n_c * n_h <= 2_000 * 20_000:
        cost = np.where(a.toarray(), 1.0, 10.0)
        t = time.perf_counter()
        m = MCLP.from_cost_matrix(cost, w, service_radius=5.0, p_facilities=k)
        m = m.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=int(time_limit_s)))
        ts = time.perf_counter() - t
        chosen = [j for j in range(n_c) if m.fac2cli[j]]
        ref = float(w[a[:, chosen].toarray().any(axis=1)].sum())
        out.update({"spopt_s": ts, "spopt_objective": ref, "speedup_vs_spopt": ts / out["total_s"]})
    else:
        out["spopt"] = "skipped: dense cost matrix too large"
    return out


def main(argv):
    which = argv or ["harbin", "2k", "10k"]
    res = {}
    if "harbin" in which:
        res["harbin"] = harbin()
        print(json.dumps(res["harbin"], indent=1), flush=True)
    if "2k" in which:
        res["2k_x_20k"] = synthetic(2_000, 20_000, radius=0.02)
        print(json.dumps(res["2k_x_20k"], indent=1), flush=True)
    if "10k" in which:
        res["10k_x_100k"] = synthetic(10_000, 100_000, radius=0.01)
        print(json.dumps(res["10k_x_100k"], indent=1), flush=True)
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "siting.json").write_text(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main(sys.argv[1:])
