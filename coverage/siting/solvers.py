"""Solvers for maximal and set covering on a reduced :class:`~coverage.siting.reduction.SitingProblem`.

* **Exact solve.** A MILP through HiGHS (``scipy.optimize.milp``) with a time
  limit and a wall-clock guard (:func:`_guarded`). The status and the proven
  gap are reported; the objective is always recomputed from the returned
  sites. Greedy is used only as an incumbent to compare against, never passed
  to HiGHS as a start (HiGHS 1.16 can report a wrong "optimal" when given a
  start with presolve on).
* **Greedy + swap** (deterministic, ties to the lowest index) is the fallback
  for huge instances and gives the nested build-out order. Its bound for
  maximal covering is the LP relaxation.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .reduction import SitingProblem, covered_weight_of

log = logging.getLogger(__name__)


def _conflicts(xy: np.ndarray | None, min_spacing_m: float | None) -> list[tuple[int, int]]:
    if xy is None or not min_spacing_m:
        return []
    from scipy.spatial import cKDTree

    pairs = cKDTree(xy).query_pairs(r=float(min_spacing_m), output_type="ndarray")
    return [tuple(p) for p in np.sort(pairs, axis=1).tolist()]


def greedy(
    problem: SitingProblem,
    k: int | None = None,
    *,
    target_weight: float | None = None,
    xy=None,
    min_spacing_m=None,
    swap: bool = True,
) -> list[int]:
    """Lazy greedy (ties to the lowest column), then 1-swap improvement for fixed k.

    Stops at ``k`` sites or once ``target_weight`` is covered.
    """
    A = problem.cover.tocsc()
    w = problem.weight
    n_c = A.shape[1]
    gain = np.asarray(A.T @ w).ravel() if n_c else np.zeros(0)
    covered = np.zeros(A.shape[0], dtype=bool)
    blocked = np.zeros(n_c, dtype=bool)
    conf = _conflicts(xy, min_spacing_m)
    nbr: dict[int, list[int]] = {}
    for i, j in conf:
        nbr.setdefault(i, []).append(j)
        nbr.setdefault(j, []).append(i)
    chosen: list[int] = []
    total = 0.0
    import heapq

    heap = [(-g, c) for c, g in enumerate(gain) if g > 0]
    heapq.heapify(heap)
    while heap and (k is None or len(chosen) < k):
        if target_weight is not None and total >= target_weight - 1e-9:
            break
        neg, c = heapq.heappop(heap)
        if blocked[c]:
            continue
        rows = A.indices[A.indptr[c] : A.indptr[c + 1]]
        g = float(w[rows[~covered[rows]]].sum())
        if g <= 0:
            continue
        if heap and g < -heap[0][0] - 1e-12 or (heap and abs(g + heap[0][0]) <= 1e-12 and heap[0][1] < c):
            heapq.heappush(heap, (-g, c))
            continue
        chosen.append(c)
        total += g
        covered[rows] = True
        blocked[c] = True
        for j in nbr.get(c, []):
            blocked[j] = True
    if swap and k is not None and chosen and target_weight is None:
        chosen = _swap(problem, chosen, nbr)
    return chosen


def _swap(problem: SitingProblem, chosen: list[int], nbr) -> list[int]:
    """First-improvement 1-swaps until none helps (deterministic order)."""
    A = problem.cover.tocsc()
    w = problem.weight
    n_c = A.shape[1]
    cnt = np.asarray(A[:, chosen].sum(axis=1)).ravel()
    best = float(w[cnt > 0].sum())
    improved = True
    rounds = 0
    while improved and rounds < 50:
        improved = False
        rounds += 1
        for pos in range(len(chosen)):
            out = chosen[pos]
            rows_out = A.indices[A.indptr[out] : A.indptr[out + 1]]
            cnt_wo = cnt.copy()
            cnt_wo[rows_out] -= 1
            base = float(w[cnt_wo > 0].sum())
            free = w * (cnt_wo == 0)
            gains = np.asarray(A.T @ free).ravel()
            gains[chosen] = -1
            others = [c for c in chosen if c != out]
            for c in others:
                for j in nbr.get(c, []):
                    gains[j] = -1
            c_in = int(np.argmax(gains))
            if n_c and base + gains[c_in] > best + 1e-9:
                rows_in = A.indices[A.indptr[c_in] : A.indptr[c_in + 1]]
                cnt = cnt_wo
                cnt[rows_in] += 1
                chosen[pos] = c_in
                best = float(w[cnt > 0].sum())
                improved = True
    return chosen


@dataclass(frozen=True)
class Solution:
    columns: list[int]
    objective: float  # covered weight (recomputed)
    solver: str | None  # None when nothing was solved (nothing to cover)
    status: str
    gap: float | None  # proven relative gap (0 = optimal), None when unknown
    seconds: float
    bound: float | None = None


def _conflict_rows(conf, n_var):
    if not conf:
        return []
    r = np.repeat(np.arange(len(conf)), 2)
    cidx = np.asarray(conf, dtype=np.int64).ravel()
    return [sparse.csr_matrix((np.ones(r.size), (r, cidx)), shape=(len(conf), n_var))]


def _link_rows(problem: SitingProblem) -> tuple[int, int, sparse.csr_matrix]:
    """(G, C, rows y_g - sum_{c in N(g)} x_c <= 0) over variables [x_1..x_C, y_1..y_G]."""
    A = problem.cover.tocsr().astype(float)
    G, C = A.shape
    return G, C, sparse.hstack([-A, sparse.identity(G, format="csr")], format="csr")


def _solve_milp(problem, obj, row, row_lb, row_ub, *, conf, time_limit_s):
    """HiGHS MILP over [x (binary), y (0..1)] with the link rows, one extra row and spacing rows.

    Returns (result, seconds, chosen columns, status text).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    t0 = time.perf_counter()
    G, C, link = _link_rows(problem)
    n = C + G
    rows = [link, sparse.csr_matrix(row[None, :])] + _conflict_rows(conf, n)
    lbs = [np.full(G, -np.inf), np.array([row_lb])] + [np.full(len(conf), -np.inf)] * bool(conf)
    ubs = [np.zeros(G), np.array([row_ub])] + [np.ones(len(conf))] * bool(conf)
    res = milp(
        c=obj,
        constraints=[LinearConstraint(a, lo, hi) for a, lo, hi in zip(rows, lbs, ubs, strict=True)],
        integrality=np.concatenate([np.ones(C), np.zeros(G)]),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        options={"time_limit": float(time_limit_s), "disp": False, "mip_rel_gap": 1e-9},
    )
    secs = time.perf_counter() - t0
    if res.x is None:
        return res, secs, None, f"no solution ({res.message})"
    status = "optimal" if res.status == 0 else ("time limit" if res.status == 1 else str(res.message))
    return res, secs, [int(c) for c in np.flatnonzero(res.x[:C] > 0.5)], status


def _mclp_milp(problem: SitingProblem, k: int, *, conf, time_limit_s: float) -> Solution:
    """max sum w_g y_g  s.t.  y_g <= sum_{c in N(g)} x_c,  sum x_c <= k,  x binary, 0 <= y <= 1."""
    G, C = problem.cover.shape
    log.info(
        "Solving maximal covering with HiGHS: %d candidates x %d demand groups, k=%d, limit %g s",
        C,
        G,
        k,
        time_limit_s,
    )
    obj = np.concatenate([np.zeros(C), -problem.weight])
    card = np.concatenate([np.ones(C), np.zeros(G)])
    res, secs, cols, status = _solve_milp(
        problem, obj, card, -np.inf, float(k), conf=conf, time_limit_s=time_limit_s
    )
    if cols is None:
        return Solution([], 0.0, "highs-milp", status, None, secs)
    obj_val = covered_weight_of(problem, cols)
    dual = getattr(res, "mip_dual_bound", None)
    bound = -dual if dual is not None and np.isfinite(dual) else None
    gap = getattr(res, "mip_gap", None)
    if bound is not None and bound > 0:
        gap = max(0.0, (bound - obj_val) / bound)
    return Solution(cols, obj_val, "highs-milp", status, gap, secs, bound)


def _lscp_milp(problem: SitingProblem, target_weight: float, *, conf, time_limit_s: float) -> Solution:
    """min sum x_c  s.t.  sum w_g y_g >= target,  y_g <= sum_{c in N(g)} x_c."""
    G, C = problem.cover.shape
    log.info(
        "Solving set covering with HiGHS: %d candidates x %d demand groups, limit %g s", C, G, time_limit_s
    )
    obj = np.concatenate([np.ones(C), np.zeros(G)])
    tgt = np.concatenate([np.zeros(C), problem.weight])
    res, secs, cols, status = _solve_milp(
        problem, obj, tgt, target_weight - 1e-9, np.inf, conf=conf, time_limit_s=time_limit_s
    )
    if cols is None:
        return Solution([], 0.0, "highs-milp", status, None, secs)
    bound = getattr(res, "mip_dual_bound", None)
    gap = None
    if bound is not None and np.isfinite(bound) and len(cols):
        gap = max(0.0, (len(cols) - np.ceil(bound - 1e-6)) / len(cols))
    return Solution(cols, covered_weight_of(problem, cols), "highs-milp", status, gap, secs, bound)


def mclp_lp_bound(problem: SitingProblem, k: int, *, time_limit_s: float = 30.0) -> float | None:
    """Upper bound on maximal covering from its LP relaxation (HiGHS), or None."""
    from scipy.optimize import linprog

    G, C, link = _link_rows(problem)
    if G == 0:
        return 0.0
    card = sparse.csr_matrix(np.concatenate([np.ones(C), np.zeros(G)])[None, :])
    res = linprog(
        np.concatenate([np.zeros(C), -problem.weight]),
        A_ub=sparse.vstack([link, card], format="csr"),
        b_ub=np.concatenate([np.zeros(G), [float(k)]]),
        bounds=(0, 1),
        method="highs",
        options={"time_limit": float(time_limit_s)},
    )
    return float(-res.fun) if res.status == 0 else None


#: Seconds a solver may run past its own time limit before the guard stops it.
_GUARD_GRACE_S = 15.0
#: Instances with fewer coverage entries than this are solved in-process.
_GUARD_MIN_NNZ = 200_000


def _guarded(fn, guard_s: float, *args, **kwargs):
    """Run a solver with a wall-clock guard: a forked process killed past the limit (+15 s grace).

    scipy's MILP can run well past its own time limit on large instances.
    Returns None when the guard fired. Where fork is unavailable, runs inline.
    """
    import multiprocessing as mp

    problem = args[0] if args else None
    if isinstance(problem, SitingProblem) and problem.cover.nnz < _GUARD_MIN_NNZ:
        return fn(*args, **kwargs)  # small instances finish long before any limit
    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - not on Linux
        return fn(*args, **kwargs)
    parent, child = ctx.Pipe(duplex=False)

    def target():
        # BaseException: the child reports every failure (KeyboardInterrupt, SystemExit too);
        # one it did not send would leave the parent waiting out the guard and calling it a timeout
        try:
            child.send(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001  # pragma: no cover - reported to the parent
            child.send(exc)

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    # a progress bar over the time budget while HiGHS works (it reports nothing itself)
    from .._progress import tqdm_class

    tqdm = tqdm_class()
    deadline = time.perf_counter() + guard_s + _GUARD_GRACE_S
    with tqdm(
        total=round(guard_s), desc="solving (HiGHS), s of time limit", disable=None, leave=False
    ) as bar:
        while True:
            if parent.poll(min(1.0, max(0.0, deadline - time.perf_counter()))):
                out = parent.recv()
                proc.join()
                if isinstance(out, BaseException):
                    raise out
                return out
            bar.update(min(1, bar.total - bar.n))
            if time.perf_counter() >= deadline:
                break
    proc.kill()
    proc.join()
    log.warning("The solver ran past its time limit of %g s and was stopped", guard_s)
    return None


def solve_mclp(
    problem: SitingProblem,
    k: int,
    *,
    method: str = "exact",
    xy=None,
    min_spacing_m=None,
    time_limit_s: float = 60.0,
) -> Solution:
    """Choose ``k`` columns maximising covered weight.

    The greedy + swap answer is always computed: it is returned for
    ``method="greedy"`` (with the LP-relaxation bound and gap) and whenever
    the MILP does not beat it within the time limit.
    """
    conf = _conflicts(xy, min_spacing_m)
    t0 = time.perf_counter()
    g = greedy(problem, k, xy=xy, min_spacing_m=min_spacing_m)
    g_obj = covered_weight_of(problem, g)
    if method == "greedy" or problem.n_groups == 0:
        bound = (
            mclp_lp_bound(problem, k, time_limit_s=time_limit_s) if problem.n_groups and not conf else None
        )
        gap = max(0.0, (bound - g_obj) / bound) if bound else (0.0 if problem.n_groups == 0 else None)
        return Solution(g, g_obj, "greedy+swap", "heuristic", gap, time.perf_counter() - t0, bound)
    sol = _guarded(_mclp_milp, time_limit_s, problem, k, conf=conf, time_limit_s=time_limit_s)
    if sol is None:
        bound = mclp_lp_bound(problem, k, time_limit_s=min(30.0, time_limit_s)) if not conf else None
        gap = max(0.0, (bound - g_obj) / bound) if bound else None
        return Solution(
            g, g_obj, "greedy+swap (MILP stopped)", "time limit", gap, time.perf_counter() - t0, bound
        )
    if sol.objective + 1e-9 < g_obj:  # a timed-out MILP worse than greedy: keep greedy, with the MILP bound
        gap = (sol.bound - g_obj) / sol.bound if sol.bound else None
        return Solution(
            g, g_obj, "greedy+swap (MILP incumbent worse)", sol.status, gap, sol.seconds, sol.bound
        )
    return sol


def solve_lscp(
    problem: SitingProblem,
    target_weight: float,
    *,
    method: str = "exact",
    xy=None,
    min_spacing_m=None,
    time_limit_s: float = 60.0,
) -> Solution:
    """Fewest columns covering at least ``target_weight``."""
    conf = _conflicts(xy, min_spacing_m)
    t0 = time.perf_counter()
    g = greedy(problem, None, target_weight=target_weight, xy=xy, min_spacing_m=min_spacing_m, swap=False)
    g_sol = Solution(g, covered_weight_of(problem, g), "greedy", "heuristic", None, time.perf_counter() - t0)
    if method == "greedy" or target_weight <= 0:
        return g_sol
    sol = _guarded(_lscp_milp, time_limit_s, problem, target_weight, conf=conf, time_limit_s=time_limit_s)
    if sol is None or not sol.columns or sol.objective + 1e-6 < target_weight:
        status = "time limit" if sol is None else sol.status
        return Solution(
            g, g_sol.objective, "greedy (MILP found nothing better)", status, None, time.perf_counter() - t0
        )
    if len(g) < len(sol.columns):
        return Solution(
            g, g_sol.objective, "greedy (better than the MILP incumbent)", sol.status, None, sol.seconds
        )
    return sol


def rank_sites(problem: SitingProblem, columns) -> tuple[list[int], list[float]]:
    """Order chosen columns by marginal gain (greedy within the set), with the gains."""
    A = problem.cover.tocsc()
    w = problem.weight
    remaining = list(columns)
    covered = np.zeros(A.shape[0], dtype=bool)
    order, gains = [], []
    while remaining:
        best, best_g = None, -1.0
        for c in sorted(remaining):
            rows = A.indices[A.indptr[c] : A.indptr[c + 1]]
            g = float(w[rows[~covered[rows]]].sum())
            if g > best_g + 1e-12:
                best, best_g = c, g
        order.append(best)
        gains.append(best_g)
        rows = A.indices[A.indptr[best] : A.indptr[best + 1]]
        covered[rows] = True
        remaining.remove(best)
    return order, gains


def guarded(fn, guard_s: float, *args, size: int, **kwargs):
    """:func:`_guarded` for any solver: in-process below ``_GUARD_MIN_NNZ`` entries (``size``),
    else forked."""
    if size < _GUARD_MIN_NNZ:
        return fn(*args, **kwargs)
    return _guarded(fn, guard_s, *args, **kwargs)
