"""Capacitated covering: each open column serves at most its capacity; rows may be split between columns.

Maximal capacitated covering (``k`` columns serving the most weight) and
capacitated set covering (the fewest columns serving a target weight), exact
as HiGHS MILPs over the rows merged by identical column sets, with a lazy
greedy (served weight is submodular in the open set) as incumbent and the LP
relaxation as bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from .._errors import CoverageInputError
from .reduction import build_problem, merge_rows
from .result import SitingResult


@dataclass(frozen=True)
class _CapacitatedModel:
    """The merged capacitated instance: flow variables (one per row-column pair), then one y per free column.

    ``served_with(open_mask)`` is the most weight served with those columns
    open (max flow); ``lazy_greedy(open_mask, budget, goal)`` adds columns by
    the served weight they add.
    """

    w: np.ndarray  # weight per merged row
    fixed: np.ndarray  # columns already open
    free: np.ndarray  # the columns that may be opened
    n_g: int  # merged rows
    m: int  # row-column pairs (flow variables)
    rows_h: sparse.csr_matrix  # sum_j x[h, j] <= w[h]
    link: sparse.csr_matrix  # sum_h x[h, j] - cap[j] * y[j] <= ub_link[j]
    ub_link: np.ndarray
    served_with: Callable[[np.ndarray], float]
    lazy_greedy: Callable[..., list]


def solve_capacitated(
    cover,
    weight,
    capacity,
    *,
    fixed,
    k: int | None = None,
    time_limit_s: float = 60.0,
    method: str = "exact",
    target_weight: float | None = None,
) -> dict:
    """Maximal capacitated covering: open ``k`` columns so that the most weight is served within capacity.

    ``cover`` is a boolean rows x columns matrix (who may be served by whom);
    ``fixed`` marks the columns already open (they serve, and do not count in
    ``k``). Flows may split a row between columns. Exact as a HiGHS MILP over
    the rows merged by identical column sets; ``method="greedy"`` (or a MILP
    stopped at its time limit) adds one column at a time by the served weight
    it adds, with the LP relaxation as the bound. Returns the chosen columns,
    the weight served before and after, the solver, status and proven gap.

    With ``target_weight`` instead of ``k`` it is capacitated *set* covering:
    the fewest columns so that at least that weight is served (all of it is
    spopt's "system-optimal" capacitated LSCP). When no choice of columns can
    serve that much, the fewest that serve the most possible are returned
    with status ``"target unreachable"``.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    from ..capacity import assign

    t0 = time.perf_counter()
    cover, w = merge_rows(cover, weight)
    cap = np.asarray(capacity, dtype=float)
    fixed = np.asarray(fixed, dtype=bool)
    n_g, n_c = cover.shape
    coo = cover.tocoo()
    m = coo.nnz
    free = np.flatnonzero(~fixed)
    ypos = np.full(n_c, -1, dtype=np.int64)
    ypos[free] = np.arange(free.size)

    integral = np.allclose(w, np.round(w)) and np.allclose(cap, np.round(cap)) and w.sum() < 2**30

    def served_with(open_mask):
        """Maximum weight served with these columns open (max flow; the same value the assignment reaches)."""
        sel = open_mask[coo.col]
        if integral:
            from scipy.sparse.csgraph import maximum_flow

            src, sink = n_g + n_c, n_g + n_c + 1
            big = int(w.sum()) + 1
            u = np.concatenate([np.full(n_g, src), coo.row[sel], n_g + np.flatnonzero(open_mask)])
            v = np.concatenate([np.arange(n_g), n_g + coo.col[sel], np.full(int(open_mask.sum()), sink)])
            c = np.concatenate([np.round(w), np.full(int(sel.sum()), big), np.round(cap[open_mask])]).astype(
                np.int32
            )
            graph = sparse.csr_matrix((c, (u, v)), shape=(n_g + n_c + 2, n_g + n_c + 2))
            return float(maximum_flow(graph, src, sink).flow_value)
        walk = sparse.csr_matrix((np.ones(int(sel.sum())), (coo.row[sel], coo.col[sel])), shape=(n_g, n_c))
        return assign(walk, w, cap).served_weight

    def lazy_greedy(open_mask, budget, goal=None):
        """Lazy greedy: served weight is submodular in the set of open columns,
        so stale gains are upper bounds."""
        import heapq

        open_mask = open_mask.copy()
        now = served_with(open_mask)
        reach_w = np.asarray(
            sparse.csr_matrix((w[coo.row], (coo.row, coo.col)), shape=(n_g, n_c)).sum(axis=0)
        ).ravel()
        heap = [(-min(cap[j], reach_w[j]), int(j)) for j in free if min(cap[j], reach_w[j]) > 0]
        heapq.heapify(heap)
        picked = []
        while heap and len(picked) < budget:
            if goal is not None and now >= goal - 1e-9:
                break
            neg, j = heapq.heappop(heap)
            trial = open_mask.copy()
            trial[j] = True
            gain = served_with(trial) - now
            if heap and gain < -heap[0][0] - 1e-9:
                heapq.heappush(heap, (-gain, j))
                continue
            if gain <= 1e-9:
                break
            open_mask[j] = True
            now += gain
            picked.append(j)
        return picked

    before = served_with(fixed.copy())
    # variables: flows x (m), then y for the free columns
    n = m + free.size
    var = np.arange(m)
    rows_h = sparse.csr_matrix((np.ones(m), (coo.row, var)), shape=(n_g, n))
    link = sparse.csr_matrix((np.ones(m), (coo.col, var)), shape=(n_c, n)).tolil()
    for j in free:  # sum_h x[h, j] - cap[j] * y[j] <= 0
        link[j, m + ypos[j]] = -cap[j]
    link = link.tocsr()
    ub_link = np.where(fixed, cap, 0.0)
    card = sparse.csr_matrix(
        (np.ones(free.size), (np.zeros(free.size, dtype=np.int64), m + np.arange(free.size))), shape=(1, n)
    )
    obj = np.concatenate([-np.ones(m), np.zeros(free.size)])
    cons = [
        LinearConstraint(rows_h, -np.inf, w),
        LinearConstraint(link, -np.inf, ub_link),
        LinearConstraint(card, -np.inf, float(k) if k is not None else np.inf),
    ]
    integrality = np.concatenate([np.zeros(m), np.ones(free.size)])
    bounds = Bounds(np.zeros(n), np.concatenate([np.full(m, np.inf), np.ones(free.size)]))
    lp = milp(
        obj, constraints=cons, integrality=np.zeros(n), bounds=bounds, options={"time_limit": time_limit_s}
    )
    bound = -float(lp.fun) if lp.status == 0 else None
    if target_weight is not None:
        model = _CapacitatedModel(
            w=w,
            fixed=fixed,
            free=free,
            n_g=n_g,
            m=m,
            rows_h=rows_h,
            link=link,
            ub_link=ub_link,
            served_with=served_with,
            lazy_greedy=lazy_greedy,
        )
        return _capacitated_cover(model, target_weight, time_limit_s, t0)
    greedy_cols = lazy_greedy(fixed, int(k))
    g_mask = fixed.copy()
    g_mask[greedy_cols] = True
    g_val = served_with(g_mask)
    chosen, solver, status = greedy_cols, "greedy (capacitated, lazy)", "heuristic"
    if bound is not None and g_val >= bound - 1e-6 * max(1.0, bound):
        solver, status = "greedy, proven optimal by the LP bound", "optimal"
    elif method == "exact":  # the MILP gets what is left of the time limit
        left = max(1.0, float(time_limit_s) - (time.perf_counter() - t0))
        res = milp(
            obj,
            constraints=cons,
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": left, "mip_rel_gap": 1e-9, "disp": False},
        )
        if res.x is not None:
            cols = [int(j) for j in free[np.flatnonzero(res.x[m:] > 0.5)]]
            mask = fixed.copy()
            mask[cols] = True
            val = served_with(mask)
            dual = getattr(res, "mip_dual_bound", None)
            if dual is not None and np.isfinite(dual):
                bound = min(bound, -float(dual)) if bound is not None else -float(dual)
            if val >= g_val - 1e-9:  # the MILP's answer, unless greedy found better before the time limit
                chosen = cols
                solver, status = "highs-milp", "optimal" if res.status == 0 else "time limit"
            else:
                solver, status = "greedy (capacitated; better than the MILP incumbent)", "time limit"
    open_mask = fixed.copy()
    open_mask[chosen] = True
    after = served_with(open_mask)
    gap = max(0.0, (bound - after) / bound) if bound else (0.0 if status == "optimal" else None)
    # rank the chosen columns by what each adds, in turn (best first)
    ranked, gains, open_now, now = [], [], fixed.copy(), before
    rest = list(chosen)
    while rest:
        trials = []
        for j in rest:
            trial = open_now.copy()
            trial[j] = True
            trials.append((served_with(trial), -j))
        val, neg = max(trials)
        ranked.append(-neg)
        gains.append(val - now)
        open_now[-neg] = True
        now = val
        rest.remove(-neg)
    return {
        "columns": ranked,
        "gains": gains,
        "weight_served_before": before,
        "weight_served_after": after,
        "solver": solver,
        "status": status,
        "gap": gap,
        "bound": bound,
        "demand_groups": n_g,
        "pairs": m,
        "seconds": time.perf_counter() - t0,
    }


def capacitated_from_matrix(
    cover, w, capacity, fixed_pos, labels, k, target_share, method, time_limit_s, max_cost, t0
) -> SitingResult:
    """from_cost_matrix with capacities: maximal capacitated covering (k)
    or capacitated set covering (target)."""
    cap = np.asarray(capacity, dtype=float).ravel()
    if cap.size != cover.shape[1] or not np.isfinite(cap).all() or (cap < 0).any():
        msg = f"capacity must give one non-negative number per column ({cover.shape[1]}), not {cap.size}."
        raise CoverageInputError(msg)
    fixed = np.zeros(cover.shape[1], dtype=bool)
    fixed[fixed_pos] = True
    r = solve_capacitated(
        cover,
        w,
        cap,
        fixed=fixed,
        k=None if k is None else int(k),
        time_limit_s=time_limit_s,
        method=method,
        target_weight=None if k is not None else target_share * float(w.sum()),
    )
    return capacitated_result(
        r, labels, total_weight=float(w.sum()), extra={"max_cost": max_cost}, seconds=time.perf_counter() - t0
    )


def capacitated_result(
    r: dict,
    labels,
    *,
    total_weight: float,
    extra: dict | None = None,
    sites_extra=None,
    seconds: float = 0.0,
    frame=None,
) -> SitingResult:
    """A SitingResult from :func:`solve_capacitated`'s answer."""
    cum = r["weight_served_before"] + np.cumsum(r["gains"]) if r["gains"] else np.zeros(0)
    sites = pd.DataFrame(
        {
            "rank": np.arange(1, len(r["columns"]) + 1),
            "id": [labels[c] for c in r["columns"]],
            "households_added": np.round(r["gains"], 6),
            "served_share_after": cum / total_weight if total_weight else cum,
        }
    )
    for name, values in (sites_extra or {}).items():
        sites[name] = values
    t = total_weight or None
    summary = {
        "problem": "maximal capacitated covering" if "target_weight" not in r else "capacitated set covering",
        "k": len(r["columns"]) if r["columns"] else 0,
        "solver": r["solver"],
        "status": r["status"],
        "solver_status": r["status"],
        "gap": r["gap"],
        "bound": r["bound"],
        "n_sites": len(r["columns"]),
        "households_added": float(sum(r["gains"])),
        "weight_served_before": r["weight_served_before"],
        "weight_served_after": r["weight_served_after"],
        "covered_share_before": r["weight_served_before"] / t if t else None,
        "covered_share_after": r["weight_served_after"] / t if t else None,
        "served_share_before": r["weight_served_before"] / t if t else None,
        "served_share_after": r["weight_served_after"] / t if t else None,
        "demand_groups": r["demand_groups"],
        "pairs": r["pairs"],
        "seconds": {"total": seconds},
        **{k: r[k] for k in ("target_weight", "target_reachable", "max_weight_servable") if k in r},
        **(extra or {}),
    }
    empty = build_problem(
        sparse.csr_matrix((0, 0), dtype=bool),
        np.zeros(0),
        total_weight=total_weight,
        covered_weight=r["weight_served_before"],
    )
    return SitingResult(
        sites=sites if frame is None else frame(sites),
        summary=summary,
        problem=empty,
        candidates=list(labels),
    )


def _capacitated_cover(v: _CapacitatedModel, target_weight, time_limit_s, t0) -> dict:
    """Fewest columns serving at least ``target_weight`` (see :func:`solve_capacitated`)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, free, fixed, rows_h, link, ub_link, w = v.m, v.free, v.fixed, v.rows_h, v.link, v.ub_link, v.w
    served_with, lazy_greedy = v.served_with, v.lazy_greedy
    n = m + free.size
    everything = fixed.copy()
    everything[free] = True
    most = served_with(everything)
    reachable = target_weight <= most + 1e-9
    goal = min(float(target_weight), most)
    before = served_with(fixed.copy())
    total_row = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(free.size)])[None, :])
    cons = [
        LinearConstraint(rows_h, -np.inf, w),
        LinearConstraint(link, -np.inf, ub_link),
        LinearConstraint(total_row, goal - 1e-7, np.inf),
    ]
    obj = np.concatenate([np.zeros(m), np.ones(free.size)])
    bounds = Bounds(np.zeros(n), np.concatenate([np.full(m, np.inf), np.ones(free.size)]))
    # greedy first (lazy, until the goal is served), and the LP relaxation's bound on the fewest columns
    chosen = lazy_greedy(fixed, free.size, goal=goal)
    solver, status, gap = "greedy (capacitated, lazy)", "heuristic", None
    lp = milp(
        obj, constraints=cons, integrality=np.zeros(n), bounds=bounds, options={"time_limit": time_limit_s}
    )
    lower = int(np.ceil(lp.fun - 1e-6)) if lp.status == 0 else None
    if lower is not None and len(chosen) <= lower:
        solver, status, gap = "greedy, proven optimal by the LP bound", "optimal", 0.0
    else:
        left = max(1.0, float(time_limit_s) - (time.perf_counter() - t0))
        res = milp(
            obj,
            constraints=cons,
            integrality=np.concatenate([np.zeros(m), np.ones(free.size)]),
            bounds=bounds,
            options={"time_limit": left, "mip_rel_gap": 1e-9, "disp": False},
        )
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            lower = max(lower or 0, int(np.ceil(dual - 1e-6)))
        if res.x is not None:
            cols = [int(j) for j in free[np.flatnonzero(res.x[m:] > 0.5)]]
            if len(cols) <= len(chosen):
                chosen, solver = cols, "highs-milp"
                status = "optimal" if res.status == 0 else "time limit"
            else:
                status = "time limit"
        if lower is not None and chosen:
            gap = max(0.0, (len(chosen) - lower) / len(chosen))
    mask = fixed.copy()
    mask[chosen] = True
    after = served_with(mask)
    if not reachable:
        status = "target unreachable"
    ranked, gains, open_now, now, rest = [], [], fixed.copy(), before, list(chosen)
    while rest:
        trials = {j: served_with(np.where(np.arange(open_now.size) == j, True, open_now)) for j in rest}
        best = max(rest, key=lambda j: (trials[j], -j))
        val = trials[best]
        ranked.append(best)
        gains.append(val - now)
        open_now[best] = True
        now = val
        rest.remove(best)
    return {
        "columns": ranked,
        "gains": gains,
        "weight_served_before": before,
        "weight_served_after": after,
        "solver": solver,
        "status": status,
        "gap": gap,
        "bound": None,
        "demand_groups": int(v.n_g),
        "pairs": int(m),
        "seconds": time.perf_counter() - t0,
        "target_weight": float(target_weight),
        "target_reachable": bool(reachable),
        "max_weight_servable": most,
    }
