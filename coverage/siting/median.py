"""p-median and p-center: where ``k`` new sites make the total (or the longest) walk shortest,
exact with HiGHS.

Nothing here knows about networks. An instance is a sparse demand x candidate
cost matrix given as pairs ``(row, column, cost)`` (a missing pair is
unreachable), the demand weight of each row and, per row, ``base``: its cost
to the nearest fixed (already open) column, ``inf`` when none reaches it.
Fixed columns enter only through ``base``, which is exact: a row's cost is
``min(base, cost to the nearest chosen column)``.

**The cap.** Costs are capped at ``cap`` (``from_cost_matrix``'s
``max_cost``, the walking horizon in :func:`~coverage.siting.suggest_sites`;
default the largest cost given). A row that no open column reaches within the
cap counts as ``cap`` in the objective the solver minimises (a lower bound of
its real cost) and is reported as *unserved*; a row that no column at all
reaches (fixed or candidate) is reported as *unreachable* and left out of both
objectives. Nothing is dropped silently: the summary carries both counts and
weights, and :attr:`MedianSolution.row_cost` has every row's cost.

* **p-median** minimises ``sum_i w_i min(u_i, min_{j in S} c_ij)`` with
  ``u_i = min(base_i, cap)`` over at most ``k`` new columns ``S``. It is the
  standard assignment MILP written in savings form: only the pairs cheaper
  than ``u_i`` become variables, ``z_ij <= x_j`` (the strong linking rows),
  ``sum_j z_ij <= 1``, ``sum_j x_j <= k``.
* **p-center** minimises the largest such cost over rows with positive weight
  (unweighted, as in spopt and the textbooks; weights only say which rows
  count). The optimum is one of the distinct costs, so it is found by
  bisection over them; each step asks "can ``k`` columns bring every row to
  at most ``r``?", a set covering solved exactly (greedy first, then the LP
  bound, then the HiGHS MILP). The answer is proven optimal when the value
  just below it is proven infeasible.
* **Reduction.** Pairs no cheaper than ``u_i`` are dropped; columns with no
  such pair are dropped (unreaching); identical columns are merged (the lowest
  index kept); a column is dropped when another column reaches every row it
  does at no higher cost (dominated: swapping it for the other never makes any
  row worse, for both objectives); rows with identical pairs and ``u`` are
  merged into one weighted row.
* **Traps** (FIELD-NOTES): greedy is an incumbent to compare against, never a
  HiGHS start; every objective is recomputed from the returned columns on the
  unreduced pairs; the time limit is shared by all steps and large MILPs run
  under the wall-clock guard.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .reduction import build_problem
from .solvers import greedy as cover_greedy
from .solvers import guarded

log = logging.getLogger(__name__)

OBJECTIVES = {"median": "p-median (least total walk)", "center": "p-center (shortest longest walk)"}


@dataclass(frozen=True)
class Pairs:
    """A sparse cost matrix as pairs: ``row[p]`` may use column ``col[p]`` at ``cost[p]``."""

    row: np.ndarray
    col: np.ndarray
    cost: np.ndarray
    n_rows: int
    n_cols: int

    @classmethod
    def from_matrix(cls, cost) -> Pairs:
        """Pairs from a dense array (inf/NaN = unreachable) or a sparse matrix (missing = unreachable)."""
        if sparse.issparse(cost):
            coo = sparse.coo_matrix(cost)
            ok = np.isfinite(coo.data)
            return cls(
                coo.row[ok].astype(np.int64),
                coo.col[ok].astype(np.int64),
                coo.data[ok].astype(float),
                *coo.shape,
            )
        arr = np.asarray(cost, dtype=float)
        with np.errstate(invalid="ignore"):
            r, c = np.nonzero(np.isfinite(arr))
        return cls(r.astype(np.int64), c.astype(np.int64), arr[r, c], *arr.shape)

    def columns(self, keep) -> Pairs:
        """Only the pairs of the columns ``keep`` (renumbered 0..len(keep)-1)."""
        keep = np.asarray(keep, dtype=np.int64)
        pos = np.full(self.n_cols, -1, dtype=np.int64)
        pos[keep] = np.arange(keep.size)
        sel = pos[self.col] >= 0
        return Pairs(self.row[sel], pos[self.col[sel]], self.cost[sel], self.n_rows, int(keep.size))

    def base_of(self, cols) -> np.ndarray:
        """Per row, the cost to the nearest of ``cols`` (inf when none reaches it)."""
        out = np.full(self.n_rows, np.inf)
        sel = np.isin(self.col, np.asarray(cols, dtype=np.int64))
        np.minimum.at(out, self.row[sel], self.cost[sel])
        return out


@dataclass(frozen=True)
class MedianSolution:
    """A p-median or p-center answer, in original column numbers, its objective recomputed from the columns.

    ``objective`` is the value minimised (unserved rows at ``cap``);
    ``objective_served`` the same over the served rows only (the total, or
    the longest, walk of the rows some open column reaches within the cap).
    ``row_cost`` is every row's cost (``inf`` when unserved, ``nan`` when
    unreachable); ``row_column`` the chosen column serving it, -1 for a fixed
    column, -2 when unserved or unreachable. ``columns`` are in rank order
    (largest saving in total weighted cost first) with ``objective_after``
    each.
    """

    objective_kind: str
    columns: list[int]
    objective: float
    objective_served: float
    objective_before: float
    objective_after: list[float]
    assigned_weight: list[float]
    solver: str
    status: str
    gap: float | None
    bound: float | None
    seconds: float
    cap: float
    row_cost: np.ndarray = field(repr=False)
    row_column: np.ndarray = field(repr=False)
    unreachable: np.ndarray = field(repr=False)
    counts: dict = field(default_factory=dict)

    @property
    def unserved(self) -> np.ndarray:
        """Rows that some column could reach but no open one does within the cap."""
        return ~self.unreachable & ~np.isfinite(self.row_cost)


# ---------------------------------------------------------- evaluation (the oracle every answer goes through)
def evaluate(pairs: Pairs, base: np.ndarray, cap: float, chosen) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (cost to the nearest open column within ``cap`` or inf,
    serving column or -1 fixed / -2 none)."""
    chosen = np.asarray(chosen, dtype=np.int64)
    best = np.where(base <= cap, base, np.inf)
    who = np.where(np.isfinite(best), -1, -2).astype(np.int64)
    sel = np.isin(pairs.col, chosen) & (pairs.cost <= cap)
    if sel.any():
        r, c, v = pairs.row[sel], pairs.col[sel], pairs.cost[sel]
        order = np.lexsort((c, v, r))
        r, c, v = r[order], c[order], v[order]
        first = np.r_[True, r[1:] != r[:-1]]
        r, c, v = r[first], c[first], v[first]
        better = v < best[r]
        best[r[better]] = v[better]
        who[r[better]] = c[better]
    return best, who


def objective_of(
    kind: str,
    row_cost: np.ndarray,
    weight: np.ndarray,
    valid: np.ndarray,
    cap: float,
    *,
    served_only: bool = False,
) -> float:
    """Total weighted (median) or largest (center) cost over ``valid`` rows, unserved rows at ``cap``."""
    cost = np.where(np.isfinite(row_cost), row_cost, np.nan if served_only else cap)
    use = valid & np.isfinite(cost)
    if kind == "median":
        return float(np.sum(weight[use] * cost[use]))
    use &= weight > 0
    return float(cost[use].max()) if use.any() else 0.0


# ------------------------------------------------------------------ reduction
@dataclass(frozen=True)
class _Reduced:
    """The improving pairs over merged rows (groups) and kept columns."""

    g: np.ndarray  # group of each pair
    c: np.ndarray  # kept-column position of each pair
    v: np.ndarray  # cost of each pair
    w: np.ndarray  # weight per group
    u: np.ndarray  # cost of each group without new columns (base capped)
    columns: np.ndarray  # original column of each kept column
    const_median: float  # weighted cost of the valid rows no column improves
    const_center: float  # the largest cost among them (rows with weight)
    counts: dict


def _reduce(
    pairs: Pairs, weight: np.ndarray, u: np.ndarray, valid: np.ndarray, dominance: bool = True
) -> _Reduced:
    sel = valid[pairs.row] & (pairs.cost < u[pairs.row])
    r, c, v = pairs.row[sel], pairs.col[sel], pairs.cost[sel]
    n_cols = pairs.n_cols
    counts = {"candidates_in": n_cols}
    # columns that improve nobody
    used = np.zeros(n_cols, dtype=bool)
    used[c] = True
    counts["candidates_unreaching"] = int((~used).sum())
    # identical columns (same rows at the same costs): the lowest index is kept
    order = np.lexsort((r, c))
    r, c, v = r[order], c[order], v[order]
    ptr = np.searchsorted(c, np.arange(n_cols + 1))
    seen: dict[bytes, int] = {}
    keep = []
    for j in np.flatnonzero(used):
        key = r[ptr[j] : ptr[j + 1]].tobytes() + v[ptr[j] : ptr[j + 1]].tobytes()
        if key not in seen:
            seen[key] = j
            keep.append(j)
    keep = np.asarray(keep, dtype=np.int64)
    counts["candidates_merged"] = int(used.sum()) - keep.size
    # dominated columns: another reaches every row this one does, at no higher cost
    n_dom = 0
    if dominance and 1 < keep.size <= 5000:
        a = sparse.csc_matrix((v + 1.0, (r, c)), shape=(pairs.n_rows, n_cols))[
            :, keep
        ]  # +1: a cost of 0 is stored
        b = (a > 0).astype(np.int32)
        ov = (b.T @ b).tocoo()
        size = np.asarray(b.sum(axis=0)).ravel()
        cand = (ov.row != ov.col) & (ov.data == size[ov.row])
        dominated = np.zeros(keep.size, dtype=bool)
        by: dict[int, list[int]] = {}
        for i, j in zip(ov.row[cand].tolist(), ov.col[cand].tolist(), strict=True):
            by.setdefault(i, []).append(j)
        for i, others in by.items():
            rows = a.indices[a.indptr[i] : a.indptr[i + 1]]
            mine = a.data[a.indptr[i] : a.indptr[i + 1]]
            theirs = a[rows][:, others].toarray()
            ok = (theirs <= mine[:, None]).all(axis=0) & ~dominated[others]
            if ok.any():
                dominated[i] = True
        n_dom = int(dominated.sum())
        keep = keep[~dominated]
    counts["candidates_dominated"] = n_dom
    counts["candidates_used"] = int(keep.size)
    pos = np.full(n_cols, -1, dtype=np.int64)
    pos[keep] = np.arange(keep.size)
    s = pos[c] >= 0
    r, c, v = r[s], pos[c[s]], v[s]
    # rows: merged when their pairs and their u are the same
    order = np.lexsort((c, r))
    r, c, v = r[order], c[order], v[order]
    rptr = np.searchsorted(r, np.arange(pairs.n_rows + 1))
    has = np.diff(rptr) > 0
    gid: dict[bytes, int] = {}
    group = np.full(pairs.n_rows, -1, dtype=np.int64)
    first = []
    for i in np.flatnonzero(has):
        key = (
            np.float64(u[i]).tobytes()
            + c[rptr[i] : rptr[i + 1]].tobytes()
            + v[rptr[i] : rptr[i + 1]].tobytes()
        )
        g = gid.get(key)
        if g is None:
            g = gid[key] = len(first)
            first.append(i)
        group[i] = g
    first = np.asarray(first, dtype=np.int64)
    w = np.bincount(group[has], weights=weight[has], minlength=first.size)
    fsel = np.isin(r, first)
    gp, cp, vp = group[r[fsel]], c[fsel], v[fsel]
    rest = valid & ~has
    const_median = float(np.sum(weight[rest] * u[rest]))
    heavy = rest & (weight > 0)
    const_center = float(u[heavy].max()) if heavy.any() else 0.0
    counts["demand_groups"] = int(first.size)
    counts["pairs"] = int(gp.size)
    return _Reduced(gp, cp, vp, w, u[first], keep, const_median, const_center, counts)


# ------------------------------------------------------------------ p-median
def _median_greedy(red: _Reduced, k: int) -> list[int]:
    """Add the column saving the most weighted cost, k times (ties to the lowest column)."""
    cur = red.u.copy()
    chosen: list[int] = []
    n_c = red.columns.size
    for _ in range(min(k, n_c)):
        save = np.bincount(red.c, weights=red.w[red.g] * np.maximum(0.0, cur[red.g] - red.v), minlength=n_c)
        save[chosen] = -1.0
        j = int(np.argmax(save))
        if save[j] <= 0:
            break
        chosen.append(j)
        s = red.c == j
        np.minimum.at(cur, red.g[s], red.v[s])
    return chosen


def _median_swap(red: _Reduced, chosen: list[int], time_budget_s: float) -> list[int]:
    """1-swap improvement (best column in for each column out, first improvement) until none helps.

    Each round keeps every group's nearest and second-nearest chosen column, so the value of swapping one
    column out for any other in is one pass over the pairs.
    """
    t0 = time.perf_counter()
    chosen = list(chosen)
    if not chosen or red.columns.size <= len(chosen):
        return chosen
    order = np.lexsort((red.c, red.v, red.g))
    g, c, v = red.g[order], red.c[order], red.v[order]
    wg = red.w[g]
    scale = max(1.0, float(red.w @ red.u))
    improved = True
    while improved and time.perf_counter() - t0 < time_budget_s:
        improved = False
        sel = np.isin(c, chosen)
        gs, cs, vs = g[sel], c[sel], v[sel]
        first = np.r_[True, gs[1:] != gs[:-1]]
        d1, who1, d2 = red.u.copy(), np.full(red.u.size, -1, dtype=np.int64), red.u.copy()
        d1[gs[first]], who1[gs[first]] = vs[first], cs[first]
        second = np.r_[False, ~first[1:]] & np.r_[False, first[:-1]]
        d2[gs[second]] = vs[second]
        for pos, out in enumerate(chosen):
            cost_wo = np.where(who1 == out, d2, d1)
            loss = float(red.w @ (cost_wo - d1))
            gain = np.bincount(c, weights=wg * np.maximum(0.0, cost_wo[g] - v), minlength=red.columns.size)
            gain[chosen] = -np.inf
            j = int(np.argmax(gain))
            if gain[j] - loss > 1e-12 * scale:
                chosen[pos] = j
                improved = True
                break
    return chosen


def _median_lagrangian(red: _Reduced, k: int, upper: float, time_budget_s: float, iters: int = 300) -> float:
    """A lower bound on the p-median: ``sum_j z_ij <= 1`` relaxed with multipliers,
    subgradient steps (Polyak).

    For any multipliers ``lam >= 0`` the bound is ``W - sum(lam) + (the k most negative rho_j)``, with
    ``rho_j = sum_{i} min(0, w_i (c_ij - u_i) + lam_i)`` and ``W`` the cost with no new column; it starts at
    the all-columns-open bound and only goes up.
    """
    t0 = time.perf_counter()
    save = red.w[red.g] * (red.v - red.u[red.g])  # < 0
    n_c = red.columns.size
    lam = np.zeros(red.w.size)
    np.maximum.at(lam, red.g, -save)  # start: every row at its best column
    base = red.const_median + float(red.w @ red.u)
    best, theta = -np.inf, 2.0
    for _ in range(iters):
        red_cost = np.minimum(0.0, save + lam[red.g])
        rho = np.bincount(red.c, weights=red_cost, minlength=n_c)
        pick = np.argsort(rho, kind="stable")[:k]
        pick = pick[rho[pick] < 0]
        value = base - float(lam.sum()) + float(rho[pick].sum())
        if not value > best + 1e-12 * max(1.0, abs(value)):
            theta *= 0.97  # no progress: smaller steps
        best = max(best, value)
        if (
            upper - best <= 1e-9 * max(1.0, abs(upper))
            or time.perf_counter() - t0 > time_budget_s
            or theta < 1e-4
        ):
            break
        used = np.isin(red.c, pick) & (red_cost < 0)
        grad = np.bincount(red.g[used], minlength=red.w.size) - 1.0
        grad[(lam <= 0) & (grad < 0)] = 0.0
        norm = float(grad @ grad)
        if norm == 0:
            break
        lam = np.maximum(0.0, lam + theta * (upper - value) / norm * grad)
    return best


def _median_milp(red: _Reduced, k: int, time_limit_s: float, cover: sparse.csr_matrix | None = None):
    """min sum_p w_g (v_p - u_g) z_p  s.t.  sum_{p of g} z_p <= 1,  z_p <= x_c,  sum x <= k.

    ``cover`` (rows x columns, boolean) adds ``cover @ x >= 1``: every such row must have a chosen column
    (the p-center's longest-walk constraint, when the p-median breaks its ties).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_c, n_p, n_g = red.columns.size, red.v.size, red.w.size
    n = n_c + n_p
    p = np.arange(n_p)
    one = sparse.csr_matrix((np.ones(n_p), (red.g, n_c + p)), shape=(n_g, n))
    link = sparse.csr_matrix(
        (np.r_[np.ones(n_p), -np.ones(n_p)], (np.r_[p, p], np.r_[n_c + p, red.c])), shape=(n_p, n)
    )
    card = sparse.csr_matrix((np.ones(n_c), (np.zeros(n_c, dtype=np.int64), np.arange(n_c))), shape=(1, n))
    obj = np.r_[np.zeros(n_c), red.w[red.g] * (red.v - red.u[red.g])]
    cons = [
        LinearConstraint(one, -np.inf, 1),
        LinearConstraint(link, -np.inf, 0),
        LinearConstraint(card, -np.inf, float(k)),
    ]
    if cover is not None and cover.shape[0]:
        cons.append(
            LinearConstraint(
                sparse.hstack([cover.astype(float), sparse.csr_matrix((cover.shape[0], n_p))], format="csr"),
                1,
                np.inf,
            )
        )
    res = milp(
        obj,
        integrality=np.r_[np.ones(n_c), np.zeros(n_p)],
        bounds=Bounds(0, 1),
        constraints=cons,
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-7, "disp": False},
    )
    if res.x is None:
        return None, None, f"no solution ({res.message})"
    cols = [int(j) for j in np.flatnonzero(res.x[:n_c] > 0.5)]
    dual = getattr(res, "mip_dual_bound", None)
    bound = float(dual) if dual is not None and np.isfinite(dual) else None
    return (
        cols,
        bound,
        "optimal" if res.status == 0 else ("time limit" if res.status == 1 else str(res.message)),
    )


def _solve_median(red: _Reduced, k: int, method: str, time_limit_s: float, value) -> tuple:
    """(reduced columns, solver, status, lower bound on the objective)."""
    t0 = time.perf_counter()
    if red.columns.size <= k:
        return list(range(red.columns.size)), "all useful columns", "optimal", None
    g = _median_swap(red, _median_greedy(red, k), time_budget_s=max(1.0, time_limit_s / 4))
    # a bound that always holds: every row at its nearest column of all (every column open)
    best_possible = red.u.copy()
    np.minimum.at(best_possible, red.g, red.v)
    trivial = red.const_median + float(red.w @ best_possible)
    g_val = value(g)
    trivial = max(trivial, _median_lagrangian(red, k, g_val, time_budget_s=max(1.0, time_limit_s / 4)))
    if g_val - trivial <= 1e-9 * max(1.0, abs(g_val)):
        return g, "greedy+swap, proven optimal by the Lagrangian bound", "optimal", trivial
    if method == "greedy":
        return g, "greedy+swap", "heuristic", trivial
    left = max(1.0, time_limit_s - (time.perf_counter() - t0))
    out = guarded(_median_milp, left, red, k, left, size=int(red.v.size))
    if out is None:
        return g, "greedy+swap (MILP stopped)", "time limit", trivial
    cols, dual, status = out
    if cols is None:
        return g, "greedy+swap (MILP found nothing)", status, trivial
    lower = max(trivial, red.const_median + float(red.w @ red.u) + dual) if dual is not None else trivial
    if value(cols) > value(g) + 1e-9:  # a timed-out incumbent worse than greedy
        return g, "greedy+swap (better than the MILP incumbent)", status, lower
    return cols, "highs-milp", status, lower


# ------------------------------------------------------------------ p-center
def _min_cover_at_most(cover: sparse.csr_matrix, k: int, time_limit_s: float):
    """Can ``k`` columns cover every row? (True, columns) / (False, None) / (None, None) when not proven."""
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    n_rows = cover.shape[0]
    if n_rows == 0:
        return True, []
    if (np.diff(cover.indptr) == 0).any():
        return False, None  # some row has no column within this cost
    prob = build_problem(cover, np.ones(n_rows), total_weight=n_rows, covered_weight=0)
    g = cover_greedy(prob, None, target_weight=prob.coverable_weight, swap=False)
    if len(g) <= k:
        return True, [int(prob.candidates[j]) for j in g]
    a = prob.cover.tocsr().astype(float)
    lp = linprog(
        np.ones(a.shape[1]),
        A_ub=-a,
        b_ub=-np.ones(a.shape[0]),
        bounds=(0, 1),
        method="highs",
        options={"time_limit": float(time_limit_s)},
    )
    if lp.status == 0 and np.ceil(lp.fun - 1e-6) > k:
        return False, None
    limit = float(max(1.0, time_limit_s))
    res = guarded(
        milp,
        limit,
        np.ones(a.shape[1]),
        integrality=np.ones(a.shape[1]),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(a, 1, np.inf)],
        options={"time_limit": limit, "disp": False},
        size=int(a.nnz),
    )
    if res is None:  # the wall-clock guard stopped it
        return None, None
    if res.x is not None and (res.x > 0.5).sum() <= k:
        return True, [int(prob.candidates[j]) for j in np.flatnonzero(res.x > 0.5)]
    if res.status == 0:
        return False, None
    dual = getattr(res, "mip_dual_bound", None)
    if dual is not None and np.isfinite(dual) and np.ceil(dual - 1e-6) > k:
        return False, None
    return None, None


def _solve_center(red: _Reduced, k: int, method: str, time_limit_s: float, t0: float) -> tuple:
    """Bisection over the distinct costs, each step a set covering (see the module docstring)."""
    n_g = red.w.size
    heavy = red.w > 0

    def value(cols):
        cur = red.u.copy()
        s = np.isin(red.c, cols)
        np.minimum.at(cur, red.g[s], red.v[s])
        return max(red.const_center, float(cur[heavy].max()) if heavy.any() else 0.0)

    # greedy: repeatedly open the column that best serves the row that now walks furthest
    cur = red.u.copy()
    g: list[int] = []
    while len(g) < k and heavy.any():
        worst = int(np.argmax(np.where(heavy, cur, -np.inf)))
        s = (red.g == worst) & ~np.isin(red.c, g)
        if not s.any():
            break
        j = int(red.c[s][np.argmin(red.v[s])])
        g.append(j)
        t = red.c == j
        np.minimum.at(cur, red.g[t], red.v[t])
    if red.columns.size <= k:
        return list(range(red.columns.size)), "all useful columns", "optimal", None
    if method == "greedy" or n_g == 0:
        return g, "greedy", "heuristic" if n_g else "optimal", None
    best_possible = np.full(n_g, np.inf)
    np.minimum.at(best_possible, red.g, red.v)
    lb = max(red.const_center, float(np.minimum(red.u, best_possible)[heavy].max()) if heavy.any() else 0.0)
    ub = value(g)
    values = np.unique(np.r_[red.v, red.u, lb, ub])
    values = values[(values >= lb - 1e-12) & (values <= ub + 1e-12)]
    lo, hi, best, steps = 0, values.size - 1, g, 0
    status, proven_lo = "optimal", True
    first = True
    while lo < hi:
        # the first probe is the value just below greedy's: when greedy is optimal (often: some row is out of
        # every k columns' reach and stays at the cap) one step proves it
        mid = hi - 1 if first else (lo + hi) // 2
        first = False
        r = values[mid]
        need = heavy & (red.u > r)
        s = need[red.g] & (red.v <= r)
        gi = np.cumsum(need) - 1
        cover = sparse.csr_matrix(
            (np.ones(int(s.sum()), dtype=bool), (gi[red.g[s]], red.c[s])),
            shape=(int(need.sum()), red.columns.size),
        )
        left = float(time_limit_s) - (time.perf_counter() - t0)
        if left <= 0:
            status, proven_lo = "time limit", False
            break
        ok, cols = _min_cover_at_most(cover, k, left)
        steps += 1
        if ok:
            hi, best = mid, cols
        elif ok is False:
            lo = mid + 1
        else:
            status, proven_lo = "time limit", False
            break
    # every value below values[lo] is proven infeasible; with no step left unproven, values[hi] is the optimum
    lower = float(values[hi]) if proven_lo else float(values[lo])
    log.info("p-center: %d bisection steps over %d distinct costs", steps, values.size)
    solver = "bisection + set covering (highs-milp)"
    # many column sets share the least longest walk: among them, the one with the least total walk
    r_star = float(values[hi])
    left = float(time_limit_s) - (time.perf_counter() - t0)

    def total(cols):
        cur = red.u.copy()
        t = np.isin(red.c, cols)
        np.minimum.at(cur, red.g[t], red.v[t])
        return red.const_median + float(red.w @ cur)

    if left >= 1.0:
        need = heavy & (red.u > r_star)
        found = []
        if (
            not need.any()
        ):  # every set reaches r_star (rows beyond the k columns' reach stay at the cap): p-median
            cols, how, st, _ = _solve_median(red, k, "exact", left, total)
            found.append((cols, f"{how}, {st}"))
        else:
            g2 = _median_swap(red, _median_greedy(red, k), time_budget_s=max(1.0, left / 4))
            if value(g2) <= r_star + 1e-9:
                found.append((g2, "greedy+swap"))
            left = float(time_limit_s) - (time.perf_counter() - t0)
            sel = need[red.g] & (red.v <= r_star)
            gi = np.cumsum(need) - 1
            cover = sparse.csr_matrix(
                (np.ones(int(sel.sum()), dtype=bool), (gi[red.g[sel]], red.c[sel])),
                shape=(int(need.sum()), red.columns.size),
            )
            out = guarded(_median_milp, max(1.0, left), red, k, max(1.0, left), cover, size=int(red.v.size))
            if out is not None and out[0] is not None:
                found.append((out[0], f"highs-milp, {out[2]}"))
        found = [(total(c), c, how) for c, how in found if value(c) <= r_star + 1e-9]
        if found:
            t_best, cols, how = min(found, key=lambda f: f[0])
            if t_best <= total(best) + 1e-9:
                best = cols
                solver += f"; then the least total walk among those sets ({how})"
    return best, solver, status, lower


def _rank(pairs: Pairs, w: np.ndarray, u: np.ndarray, valid: np.ndarray, chosen: list[int], objective: str):
    """Chosen columns by saving in total weighted cost, in turn (ties to the lowest),
    with the objective after each."""
    sel = np.isin(pairs.col, chosen) & valid[pairs.row] & (pairs.cost < u[pairs.row])
    r, c, v = pairs.row[sel], pairs.col[sel], pairs.cost[sel]
    cur = np.where(valid, u, 0.0)
    heavy = valid & (w > 0)
    ranked: list[int] = []
    after: list[float] = []
    rest = sorted(chosen)
    while rest:
        save = np.bincount(c, weights=w[r] * np.maximum(0.0, cur[r] - v), minlength=pairs.n_cols)
        j = max(rest, key=lambda col: (save[col], -col))
        ranked.append(j)
        rest.remove(j)
        t = c == j
        np.minimum.at(cur, r[t], v[t])
        if objective == "median":
            after.append(float(np.sum(w[valid] * cur[valid])))
        else:
            after.append(float(cur[heavy].max()) if heavy.any() else 0.0)
    return ranked, after


# ------------------------------------------------------------------ the entry point
def solve_median(
    pairs: Pairs,
    weight,
    base=None,
    *,
    k: int,
    objective: str = "median",
    cap: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
) -> MedianSolution:
    """p-median or p-center over ``pairs`` (see the module docstring); ``base`` from the fixed columns."""
    t0 = time.perf_counter()
    w = np.asarray(weight, dtype=float)
    base = np.full(pairs.n_rows, np.inf) if base is None else np.asarray(base, dtype=float)
    finite = np.r_[pairs.cost, base[np.isfinite(base)]]
    cap_eff = (
        float(cap) if cap is not None and np.isfinite(cap) else (float(finite.max()) if finite.size else 0.0)
    )
    in_cap = pairs.cost <= cap_eff
    reach = np.zeros(pairs.n_rows, dtype=bool)
    reach[pairs.row[in_cap]] = True
    valid = reach | (base <= cap_eff)
    pairs = Pairs(pairs.row[in_cap], pairs.col[in_cap], pairs.cost[in_cap], pairs.n_rows, pairs.n_cols)
    u = np.minimum(base, cap_eff)
    red = _reduce(pairs, w, u, valid)

    def value(cols_red):
        cost, _ = evaluate(pairs, base, cap_eff, red.columns[np.asarray(cols_red, dtype=np.int64)])
        return objective_of(objective, cost, w, valid, cap_eff)

    if objective == "median":
        cols, solver, status, lower = _solve_median(red, int(k), method, time_limit_s, value)
    else:
        cols, solver, status, lower = _solve_center(red, int(k), method, time_limit_s, t0)
    chosen = [int(red.columns[j]) for j in cols]
    # the answer, recomputed from the columns on the unreduced pairs
    cost, who = evaluate(pairs, base, cap_eff, chosen)
    obj = objective_of(objective, cost, w, valid, cap_eff)
    before = objective_of(objective, evaluate(pairs, base, cap_eff, [])[0], w, valid, cap_eff)
    gap = None
    if status == "optimal":
        gap = max(0.0, (obj - lower) / obj) if lower is not None and obj > 0 else 0.0
    elif lower is not None:
        gap = min(1.0, max(0.0, (obj - lower) / obj)) if obj > 0 else 0.0
    ranked, after = _rank(pairs, w, u, valid, chosen, objective)
    assigned = [float(w[(who == j) & valid].sum()) for j in ranked]
    row_cost = np.where(valid, cost, np.nan)
    counts = {
        **red.counts,
        "rows_unreachable": int((~valid).sum()),
        "weight_unreachable": float(w[~valid].sum()),
        "rows_unserved": int((valid & ~np.isfinite(cost)).sum()),
        "weight_unserved": float(w[valid & ~np.isfinite(cost)].sum()),
    }
    return MedianSolution(
        objective_kind=objective,
        columns=ranked,
        objective=obj,
        objective_served=objective_of(objective, cost, w, valid, cap_eff, served_only=True),
        objective_before=before,
        objective_after=after,
        assigned_weight=assigned,
        solver=solver,
        status=status,
        gap=gap,
        bound=lower,
        seconds=time.perf_counter() - t0,
        cap=cap_eff,
        row_cost=row_cost,
        row_column=who,
        unreachable=~valid,
        counts=counts,
    )


# ------------------------------------------------------------------ capacitated p-median
def transport(pairs: Pairs, weight: np.ndarray, capacity: np.ndarray, open_mask: np.ndarray, cap: float):
    """Least total cost of serving every row from the open columns within capacity (rows may be split).

    Weight no open column can take costs ``cap`` a unit. Returns (objective, flow per pair, unserved per row).
    """
    from scipy.optimize import linprog

    sel = open_mask[pairs.col] & (pairs.cost <= cap)
    r, c, v = pairs.row[sel], pairs.col[sel], pairs.cost[sel]
    n_p, n_r = r.size, pairs.n_rows
    p = np.arange(n_p)
    a_eq = sparse.hstack(
        [sparse.csr_matrix((np.ones(n_p), (r, p)), shape=(n_r, n_p)), sparse.identity(n_r)], format="csr"
    )
    a_ub = sparse.hstack(
        [
            sparse.csr_matrix((np.ones(n_p), (c, p)), shape=(pairs.n_cols, n_p)),
            sparse.csr_matrix((pairs.n_cols, n_r)),
        ],
        format="csr",
    )
    obj = np.r_[v, np.full(n_r, cap)]
    b_ub = np.where(open_mask, capacity, 0.0)
    res = linprog(obj, A_eq=a_eq, b_eq=weight, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover - always feasible (the slack takes any weight)
        msg = f"transportation LP failed: {res.message}"
        raise RuntimeError(msg)
    if (
        res.x[n_p:].sum() > 1e-9 and n_p
    ):  # among the least-cost flows, the one serving the most (ties at the cap)
        best = float(res.fun)
        more = linprog(
            np.r_[np.zeros(n_p), np.ones(n_r)],
            A_eq=a_eq,
            b_eq=weight,
            A_ub=sparse.vstack([a_ub, sparse.csr_matrix(obj[None, :])], format="csr"),
            b_ub=np.r_[b_ub, best + 1e-9 * max(1.0, abs(best))],
            bounds=(0, None),
            method="highs",
        )
        if more.status == 0:
            res = more
            res.fun = float(obj @ more.x)
    flow = np.zeros(pairs.row.size)
    flow[np.flatnonzero(sel)] = res.x[:n_p]
    return float(res.fun), flow, res.x[n_p:]


@dataclass(frozen=True)
class CapacitatedMedian:
    """Capacitated p-median answer: ``columns`` (new, rank order), flows, objective recomputed by the LP."""

    columns: list[int]
    objective: float  # total weighted cost, unserved weight at cap
    objective_served: float  # total weighted cost of the weight served
    objective_before: float
    objective_after: list[float]
    assigned_weight: list[float]  # weight each new column serves
    unserved_weight: float
    unreachable: np.ndarray = field(repr=False)  # rows no column (fixed or candidate) reaches within the cap
    solver: str
    status: str
    gap: float | None
    bound: float | None
    seconds: float
    cap: float
    flow: np.ndarray = field(repr=False)  # per pair (of the pairs given)


def solve_capacitated_median(
    pairs: Pairs, weight, capacity, *, fixed, k: int, cap: float | None = None, time_limit_s: float = 60.0
) -> CapacitatedMedian:
    """Capacitated p-median: open ``k`` columns (``fixed`` ones are open already) so that serving every row
    within the columns' capacities costs the least in total; a row's weight may be split between columns
    (households of one point can go to two stations); weight no open column can take costs ``cap`` a unit.

    Exact as a HiGHS MILP over the rows merged by identical pairs (exact when flows may split), with the
    strong ``f_ij <= w_i x_j`` rows; the objective is recomputed by a transportation LP over the chosen
    columns.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    t0 = time.perf_counter()
    w = np.asarray(weight, dtype=float)
    capc = np.asarray(capacity, dtype=float)
    fixed = np.asarray(fixed, dtype=bool)
    finite = pairs.cost
    cap_eff = (
        float(cap) if cap is not None and np.isfinite(cap) else (float(finite.max()) if finite.size else 0.0)
    )
    keep = pairs.cost <= cap_eff
    pairs = Pairs(pairs.row[keep], pairs.col[keep], pairs.cost[keep], pairs.n_rows, pairs.n_cols)
    # merge rows with identical pairs (exact: flows may split)
    order = np.lexsort((pairs.col, pairs.row))
    r, c, v = pairs.row[order], pairs.col[order], pairs.cost[order]
    rptr = np.searchsorted(r, np.arange(pairs.n_rows + 1))
    gid: dict[bytes, int] = {}
    group = np.full(pairs.n_rows, -1, dtype=np.int64)
    first = []
    for i in np.flatnonzero(np.diff(rptr) > 0):
        key = c[rptr[i] : rptr[i + 1]].tobytes() + v[rptr[i] : rptr[i + 1]].tobytes()
        g = gid.get(key)
        if g is None:
            g = gid[key] = len(first)
            first.append(i)
        group[i] = g
    has = group >= 0
    wg = np.bincount(group[has], weights=w[has], minlength=len(first))
    sel = np.isin(r, np.asarray(first, dtype=np.int64))
    gp, cp, vp = group[r[sel]], c[sel], v[sel]
    free = np.flatnonzero(~fixed)
    xpos = np.full(pairs.n_cols, -1, dtype=np.int64)
    xpos[free] = np.arange(free.size)
    n_p, n_g, n_x = gp.size, len(first), free.size
    # variables: flows f (n_p), unserved s (n_g), open x (n_x)
    n = n_p + n_g + n_x
    p = np.arange(n_p)
    rows_eq = sparse.csr_matrix(
        (np.ones(n_p + n_g), (np.r_[gp, np.arange(n_g)], np.r_[p, n_p + np.arange(n_g)])), shape=(n_g, n)
    )
    fr = xpos[cp] >= 0
    capr = sparse.csr_matrix(
        (np.r_[np.ones(n_p), -capc[free]], (np.r_[cp, free], np.r_[p, n_p + n_g + np.arange(n_x)])),
        shape=(pairs.n_cols, n),
    )
    ub_cap = np.where(fixed, capc, 0.0)
    pf = p[fr]
    strong = sparse.csr_matrix(
        (
            np.r_[np.ones(pf.size), -wg[gp[fr]]],
            (np.r_[np.arange(pf.size), np.arange(pf.size)], np.r_[pf, n_p + n_g + xpos[cp[fr]]]),
        ),
        shape=(pf.size, n),
    )
    card = sparse.csr_matrix(
        (np.ones(n_x), (np.zeros(n_x, dtype=np.int64), n_p + n_g + np.arange(n_x))), shape=(1, n)
    )
    obj = np.r_[vp, np.full(n_g, cap_eff), np.zeros(n_x)]
    cons = [
        LinearConstraint(rows_eq, wg, wg),
        LinearConstraint(capr, -np.inf, ub_cap),
        LinearConstraint(strong, -np.inf, 0),
        LinearConstraint(card, -np.inf, float(k)),
    ]
    ub = np.r_[np.full(n_p + n_g, np.inf), np.ones(n_x)]
    w = np.where(has, w, 0.0)  # rows no column reaches within the cap are unreachable: left out, reported
    const = 0.0
    res = guarded(
        milp,
        time_limit_s,
        obj,
        integrality=np.r_[np.zeros(n_p + n_g), np.ones(n_x)],
        bounds=Bounds(0, ub),
        constraints=cons,
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-7, "disp": False},
        size=n_p,
    )
    # an incumbent to compare against: the uncapacitated greedy from the fixed columns (never a HiGHS start)
    cur = np.full(pairs.n_rows, cap_eff)
    fx = fixed[pairs.col]
    np.minimum.at(cur, pairs.row[fx], pairs.cost[fx])
    heur: list[int] = []
    for _ in range(min(int(k), free.size)):
        save = np.bincount(
            pairs.col,
            weights=w[pairs.row] * np.maximum(0.0, cur[pairs.row] - pairs.cost),
            minlength=pairs.n_cols,
        )
        save[fixed] = -1.0
        save[heur] = -1.0
        j = int(np.argmax(save))
        if save[j] <= 0:
            break
        heur.append(j)
        t = pairs.col == j
        np.minimum.at(cur, pairs.row[t], pairs.cost[t])
    # capacities only make rows worse off: every row at its nearest column of all is a lower bound
    everyone = np.full(pairs.n_rows, cap_eff)
    np.minimum.at(everyone, pairs.row, pairs.cost)
    trivial = float(w @ everyone)
    h_mask = fixed.copy()
    h_mask[heur] = True
    h_val = transport(pairs, w, capc, h_mask, cap_eff)[0]
    if res is None or res.x is None:
        chosen, solver, status, bound = heur, "greedy (MILP found nothing in time)", "time limit", trivial
    else:
        chosen = [int(free[j]) for j in np.flatnonzero(res.x[n_p + n_g :] > 0.5)]
        solver, status = "highs-milp", ("optimal" if res.status == 0 else "time limit")
        dual = getattr(res, "mip_dual_bound", None)
        bound = max(trivial, const + float(dual)) if dual is not None and np.isfinite(dual) else trivial
        m_mask = fixed.copy()
        m_mask[chosen] = True
        if status != "optimal" and transport(pairs, w, capc, m_mask, cap_eff)[0] > h_val + 1e-9:
            chosen, solver = heur, "greedy (better than the MILP incumbent)"
    mask = fixed.copy()
    mask[chosen] = True
    obj_val, flow, unserved = transport(pairs, w, capc, mask, cap_eff)
    before = transport(pairs, w, capc, fixed, cap_eff)[0]
    gap = (
        (min(1.0, max(0.0, (obj_val - bound) / obj_val)) if obj_val > 0 else 0.0)
        if bound is not None
        else (0.0 if status == "optimal" else None)
    )
    served_by = np.bincount(pairs.col, weights=flow, minlength=pairs.n_cols)
    ranked = sorted(chosen, key=lambda j: (-served_by[j], j))
    after = []
    for i in range(len(ranked)):
        m = fixed.copy()
        m[ranked[: i + 1]] = True
        after.append(transport(pairs, w, capc, m, cap_eff)[0])
    return CapacitatedMedian(
        columns=ranked,
        objective=obj_val,
        objective_served=obj_val - cap_eff * float(unserved.sum()),
        objective_before=before,
        objective_after=after,
        assigned_weight=[float(served_by[j]) for j in ranked],
        unserved_weight=float(unserved.sum()),
        unreachable=~has,
        solver=solver,
        status=status,
        gap=gap,
        bound=bound,
        seconds=time.perf_counter() - t0,
        cap=cap_eff,
        flow=flow,
    )
