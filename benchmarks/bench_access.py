"""Benchmark accessibility and equity: 1M households x 1,000 stations, ~50 stations within reach of each.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_access.py

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
        lambda: two_step_fca(cost, households, workers, max_cost=20.0))
    res["gravity_access_gaussian_s"], _ = _median_s(
        lambda: gravity_access(cost, workers, max_cost=MAX_COST, decay=g))
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
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                    "cpus": os.cpu_count(), "load_average_1min_at_start": load_start,
                    "load_average_1min_at_end": os.getloadavg()[0]},
        "matrix": {"rows": N_ROWS, "cols": N_COLS, "stored_pairs": int(cost.nnz), "max_cost": MAX_COST,
                   "pairs_within_max_cost": pairs.n_pairs, "format": "canonical CSR", "build_s": build_s},
        "accessibility_median_s": res,
        "equity_on_1M_values_median_s": eq,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "checks": {"access_mean": float(np.average(access, weights=households)),
                   "gini": gini(access, households), "palma": palma(access, households)},
    }
    dest = REPO / "benchmarks" / "results" / "access.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
