"""p-median and p-center: our exact HiGHS solver against spopt (PuLP/CBC), run once.

    .venv/bin/python benchmarks/bench_median.py          # SF k = 1..5, then 2k candidates x 20k demand rows
    .venv/bin/python benchmarks/bench_median.py sf
    .venv/bin/python benchmarks/bench_median.py ours     # only our solver at 2k x 20k (spopt's runs kept)
    .venv/bin/python benchmarks/bench_median.py harbin   # walking p-median / p-center on Harbin centre, k = 5

* San Francisco: spopt's own test case (205 tracts x 16 stores, network metres), k = 1..5, with no fixed store
  and with Store_1 fixed (spopt's p counts it). Objectives must agree; times are wall-clock per solve.
* 2k x 20k: 20,000 demand points and 2,000 candidates uniform in a 20 km square, walking cost 1.25 x
  the straight line, capped at 1,000 m (beyond it a pair is unreachable; an unserved row counts at the cap,
  so spopt's dense matrix is min(cost, 1000)), k = 100. spopt runs in a child process with a memory cap
  and a time limit.

Writes benchmarks/results/median.json.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
OUT = REPO / "benchmarks" / "results" / "median.json"


def sf():
    from coverage.siting import from_cost_matrix

    dist = pd.read_csv(DATA / "spopt_SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    cost = dist.pivot_table(values="distance", index="DestinationName", columns="name")
    pop = pd.read_csv(DATA / "spopt_SF_demand_205_centroid_uniform_weight.csv").sort_values("NAME")["POP2000"]
    pop = pop.to_numpy(dtype=float)
    rows = []
    try:
        import pulp
        from spopt.locate import PCenter, PMedian
    except ImportError:
        pulp = None
    for objective in ("median", "center"):
        for fixed in ([], ["Store_1"]):
            for k in range(1, 6):
                t = time.perf_counter()
                r = from_cost_matrix(cost, pop, k=k, objective=objective, fixed=fixed)
                ours = time.perf_counter() - t
                row = {
                    "objective": objective,
                    "k": k,
                    "fixed": fixed,
                    "ours_s": round(ours, 4),
                    "ours_objective": r.objective,
                    "status": r.status,
                    "gap": r.gap,
                }
                if pulp is not None:
                    pre = (
                        {"predefined_facilities_arr": np.array([list(cost.columns).index(f) for f in fixed])}
                        if fixed
                        else {}
                    )
                    t = time.perf_counter()
                    m = (
                        PMedian.from_cost_matrix(cost.to_numpy(), pop, k + len(fixed), **pre)
                        if objective == "median"
                        else PCenter.from_cost_matrix(cost.to_numpy(), k + len(fixed), **pre)
                    )
                    m = m.solve(pulp.PULP_CBC_CMD(msg=False))
                    row["spopt_cbc_s"] = round(time.perf_counter() - t, 4)
                    row["spopt_objective"] = m.problem.objective.value()
                    row["agree"] = bool(
                        abs(row["spopt_objective"] - r.objective) <= 1e-6 * max(1, r.objective)
                    )
                rows.append(row)
                print(row, flush=True)
    return rows


def _instance(n_rows=20_000, n_cols=2_000, side_m=20_000.0, cap_m=1_000.0, seed=7):
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, side_m, (n_rows, 2))
    cand = rng.uniform(0, side_m, (n_cols, 2))
    w = rng.integers(1, 40, n_rows).astype(float)
    pairs = cKDTree(dem).sparse_distance_matrix(cKDTree(cand), cap_m / 1.25, output_type="coo_matrix")
    pairs.data = pairs.data * 1.25
    return dem, cand, w, pairs.tocsr()


def _spopt_child(objective, k, cap_m, queue):
    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))
    try:
        import pulp
        from scipy.spatial.distance import cdist
        from spopt.locate import PCenter, PMedian

        dem, cand, w, _ = _instance()
        t = time.perf_counter()
        cost = np.minimum(cdist(dem, cand) * 1.25, cap_m)
        m = (
            PMedian.from_cost_matrix(cost, w, k)
            if objective == "median"
            else PCenter.from_cost_matrix(cost, k)
        )
        built = time.perf_counter() - t
        m = m.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=300))
        queue.put(
            {
                "built_s": built,
                "seconds": time.perf_counter() - t,
                "objective": m.problem.objective.value(),
                "status": pulp.LpStatus[m.problem.status],
            }
        )
    except BaseException as exc:  # noqa: BLE001 - reported in the results
        queue.put({"error": f"{type(exc).__name__}: {exc}"[:300]})


def large(k=100, cap_m=1_000.0, spopt=True, previous=None):
    from coverage.siting import from_cost_matrix

    _, _, w, pairs = _instance(cap_m=cap_m)
    out = {"rows": pairs.shape[0], "columns": pairs.shape[1], "pairs": int(pairs.nnz), "k": k, "cap_m": cap_m}
    for objective in ("median", "center"):
        t = time.perf_counter()
        r = from_cost_matrix(pairs, w, k=k, objective=objective, max_cost=cap_m, time_limit_s=300)
        out[f"ours_{objective}"] = {
            "seconds": round(time.perf_counter() - t, 2),
            "objective": r.objective,
            "status": r.status,
            "gap": r.gap,
            "solver": r.summary["solver"],
            "rows_unserved": r.summary["rows_unserved"],
            "rows_unreachable": r.summary["rows_unreachable"],
            "candidates_used": r.summary.get("candidates_used"),
            "demand_groups": r.summary.get("demand_groups"),
        }
        print(objective, out[f"ours_{objective}"], flush=True)
        if not spopt:  # keep the spopt run recorded before (it takes up to 10 minutes each)
            if previous and f"spopt_{objective}" in previous:
                out[f"spopt_{objective}"] = previous[f"spopt_{objective}"]
            continue
        ctx = mp.get_context("fork")
        q = ctx.Queue()
        p = ctx.Process(target=_spopt_child, args=(objective, k, cap_m, q))
        t = time.perf_counter()
        p.start()
        p.join(600)
        if p.is_alive():
            p.kill()
            p.join()
            res = {"error": "not finished in 600 s (killed)"}
        else:
            res = (
                q.get() if not q.empty() else {"error": f"child exited with {p.exitcode} (memory cap 6 GB?)"}
            )
        res["wall_s"] = round(time.perf_counter() - t, 1)
        out[f"spopt_{objective}"] = res
        print("spopt", objective, res, flush=True)
    return out


def harbin(k=5):
    """Walking p-median and p-center on Harbin centre (88 stations, 8,955 residential points), 60 s limit."""
    import os

    from coverage import assess, load_network
    from coverage.osm import place_nodes, residential_buildings
    from coverage.siting import suggest_sites

    osm = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))
    path = osm / "harbin-central.osm.pbf"
    r = assess(load_network(path), place_nodes(path), residential_buildings(path))
    out = {"covered_share_now": r.summary.share_covered, "k": k}
    for objective in ("coverage", "median", "center"):
        t = time.perf_counter()
        s = suggest_sites(r, k=k, objective=objective, time_limit_s=60)
        sm = s.summary
        out[objective] = {
            "seconds": round(time.perf_counter() - t, 2),
            "solver": sm["solver"],
            "status": sm["status"],
            "gap": sm["gap"],
            "covered_share_after": sm["covered_share_after"],
            **{
                key: sm[key]
                for key in (
                    "mean_cost_before",
                    "mean_cost_after",
                    "max_cost_before",
                    "max_cost_after",
                    "rows_unserved",
                    "rows_unreachable",
                    "candidates_in",
                    "candidates_used",
                    "demand_groups",
                    "pairs",
                    "cap_m",
                )
                if key in sm
            },
        }
        print(objective, out[objective], flush=True)
    return out


if __name__ == "__main__":
    which = sys.argv[1:] or ["sf", "large"]
    res = json.loads(OUT.read_text()) if OUT.exists() else {}
    res["machine"] = "2 cores shared with other jobs; one run each"
    if "sf" in which:
        res["san_francisco"] = sf()
    if "large" in which:
        res["2k_x_20k"] = large()
    if "harbin" in which:
        res["harbin_walking"] = harbin()
    if "ours" in which:  # rerun our solver at 2k x 20k, keeping spopt's recorded runs
        res["2k_x_20k"] = large(spopt=False, previous=res.get("2k_x_20k"))
    OUT.write_text(json.dumps(res, indent=1, ensure_ascii=False, default=float))
    print("wrote", OUT)
