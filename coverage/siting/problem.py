"""The siting core: maximal covering and set covering on any coverage matrix.

Nothing here knows about networks. :func:`from_cost_matrix` takes a demand x
candidate cost matrix (from a web-map routing service, a survey, another
model) and :func:`coverage.siting.suggest_sites` builds the same matrix from
walking distances; both end in :func:`solve_covering`.

* **Fixed columns.** Already open sites (existing stations) cover their rows;
  only the rows they leave uncovered count as gains.
* **Reduction.** Households with identical candidate sets are merged into one
  weighted demand row; candidates with identical sets are merged (the lowest
  index is kept); candidates whose set is contained in another's are dropped
  (for maximal and set covering with equal site costs this never changes the
  optimum). Candidates that reach nobody are dropped early.
* **Exact solve.** A MILP through HiGHS (``scipy.optimize.milp``) with a time
  limit. The status and the proven gap are reported; the objective is always
  recomputed from the returned sites. Greedy is used only as an incumbent to
  compare against, never passed to HiGHS as a start (HiGHS 1.16 can report a
  wrong "optimal" when given a start with presolve on).
* **Greedy + swap** (deterministic, ties to the lowest index) is the fallback
  for huge instances and gives the nested build-out order. Its bound for
  maximal covering is the LP relaxation.

Per-station capacity is the next step: it enters as assignment variables
``z[g, c] <= x[c]`` with ``sum_g w[g] z[g, c] <= capacity[c]`` replacing the
``y[g] <= sum x`` rows in :func:`_mclp_milp`; :class:`SitingProblem` already
carries the demand weights and the sparse coverage matrix it would need.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from .._errors import CoverageInputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SitingProblem:
    """A reduced covering instance.

    ``cover`` is a boolean (demand groups x candidates) CSC matrix;
    ``weight`` the households per demand group; ``candidates`` the original
    candidate row of each column.
    """

    cover: sparse.csc_matrix
    weight: np.ndarray
    candidates: np.ndarray
    total_weight: float  # households of all valid rows (for shares)
    covered_weight: float  # households already covered by existing stations
    coverable_weight: float  # uncovered households some candidate can reach
    n_candidates_in: int
    n_candidates_unreaching: int
    n_candidates_merged: int
    n_candidates_dominated: int
    n_households_uncovered: int
    groups: np.ndarray = field(repr=False)  # demand group of each uncovered household (-1: no candidate)

    @property
    def n_groups(self) -> int:
        return int(self.cover.shape[0])


def build_problem(cover_hc: sparse.csr_matrix, weight_h: np.ndarray, *, total_weight: float,
                  covered_weight: float, dominance: bool = True) -> SitingProblem:
    """Reduce a households x candidates coverage matrix (uncovered households only)."""
    cover_hc = sparse.csr_matrix(cover_hc, dtype=bool)
    n_h, n_c = cover_hc.shape
    # candidates that reach nobody
    reach_any = np.asarray(cover_hc.sum(axis=0)).ravel() > 0
    n_unreach = int((~reach_any).sum())
    # merge identical candidate columns (lowest index kept)
    csc = cover_hc.tocsc()
    csc.sort_indices()
    keys = [csc.indices[csc.indptr[c] : csc.indptr[c + 1]].tobytes() for c in range(n_c)]
    seen: dict[bytes, int] = {}
    keep = []
    for c in range(n_c):
        if not reach_any[c]:
            continue
        if keys[c] in seen:
            continue
        seen[keys[c]] = c
        keep.append(c)
    keep = np.asarray(keep, dtype=np.int64)
    n_merged = int(reach_any.sum()) - keep.size
    a = csc[:, keep]
    n_dominated = 0
    if dominance and keep.size > 1 and keep.size <= 20_000:
        ai = a.astype(np.int32)
        overlap = (ai.T @ ai).tocsr()
        size = np.asarray(ai.sum(axis=0)).ravel()
        ov = overlap.tocoo()
        # i dominated by j: every household of i is also j's, and j has more
        dom = (ov.row != ov.col) & (ov.data == size[ov.row]) & (size[ov.col] > size[ov.row])
        dominated = np.zeros(keep.size, dtype=bool)
        dominated[np.unique(ov.row[dom])] = True
        n_dominated = int(dominated.sum())
        keep = keep[~dominated]
        a = a[:, ~dominated]
    # merge households with identical candidate sets into weighted groups
    rows = a.tocsr()
    rows.sort_indices()
    has = np.diff(rows.indptr) > 0
    rkeys = [rows.indices[rows.indptr[h] : rows.indptr[h + 1]].tobytes() for h in range(n_h)]
    gid: dict[bytes, int] = {}
    groups = np.full(n_h, -1, dtype=np.int64)
    first = []
    for h in np.flatnonzero(has):
        g = gid.get(rkeys[h])
        if g is None:
            g = len(first)
            gid[rkeys[h]] = g
            first.append(h)
        groups[h] = g
    first = np.asarray(first, dtype=np.int64)
    w = np.bincount(groups[has], weights=weight_h[has], minlength=first.size)
    cover = rows[first].tocsc() if first.size else sparse.csc_matrix((0, keep.size), dtype=bool)
    return SitingProblem(
        cover=cover.astype(bool),
        weight=w,
        candidates=keep,
        total_weight=float(total_weight),
        covered_weight=float(covered_weight),
        coverable_weight=float(w.sum()),
        n_candidates_in=n_c,
        n_candidates_unreaching=n_unreach,
        n_candidates_merged=n_merged,
        n_candidates_dominated=n_dominated,
        n_households_uncovered=n_h,
        groups=groups,
    )


# ------------------------------------------------------------------ solvers
def _conflicts(xy: np.ndarray | None, min_spacing_m: float | None) -> list[tuple[int, int]]:
    if xy is None or not min_spacing_m:
        return []
    from scipy.spatial import cKDTree

    pairs = cKDTree(xy).query_pairs(r=float(min_spacing_m), output_type="ndarray")
    return [tuple(p) for p in np.sort(pairs, axis=1).tolist()]


def covered_weight_of(problem: SitingProblem, chosen) -> float:
    """Household weight the chosen columns cover (recomputed from scratch)."""
    chosen = np.asarray(chosen, dtype=np.int64)
    if chosen.size == 0 or problem.n_groups == 0:
        return 0.0
    hit = np.asarray(problem.cover[:, chosen].sum(axis=1)).ravel() > 0
    return float(problem.weight[hit].sum())


def greedy(problem: SitingProblem, k: int | None = None, *, target_weight: float | None = None,
           xy=None, min_spacing_m=None, swap: bool = True) -> list[int]:
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
    solver: str
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
        constraints=[LinearConstraint(a, lo, hi) for a, lo, hi in zip(rows, lbs, ubs)],
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
    log.info("Solving maximal covering with HiGHS: %d candidates x %d demand groups, k=%d, limit %g s",
             C, G, k, time_limit_s)
    obj = np.concatenate([np.zeros(C), -problem.weight])
    card = np.concatenate([np.ones(C), np.zeros(G)])
    res, secs, cols, status = _solve_milp(problem, obj, card, -np.inf, float(k), conf=conf,
                                          time_limit_s=time_limit_s)
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
    log.info("Solving set covering with HiGHS: %d candidates x %d demand groups, limit %g s", C, G, time_limit_s)
    obj = np.concatenate([np.ones(C), np.zeros(G)])
    tgt = np.concatenate([np.zeros(C), problem.weight])
    res, secs, cols, status = _solve_milp(problem, obj, tgt, target_weight - 1e-9, np.inf, conf=conf,
                                          time_limit_s=time_limit_s)
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
        bounds=(0, 1), method="highs", options={"time_limit": float(time_limit_s)},
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
        try:
            child.send(fn(*args, **kwargs))
        except BaseException as exc:  # pragma: no cover - reported to the parent
            child.send(exc)

    proc = ctx.Process(target=target, daemon=True)
    proc.start()
    # a progress bar over the time budget while HiGHS works (it reports nothing itself)
    from .._progress import tqdm_class

    tqdm = tqdm_class()
    deadline = time.perf_counter() + guard_s + _GUARD_GRACE_S
    with tqdm(total=round(guard_s), desc="solving (HiGHS), s of time limit", disable=None, leave=False) as bar:
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


def solve_mclp(problem: SitingProblem, k: int, *, method: str = "exact", xy=None, min_spacing_m=None,
               time_limit_s: float = 60.0) -> Solution:
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
        bound = mclp_lp_bound(problem, k, time_limit_s=time_limit_s) if problem.n_groups and not conf else None
        gap = max(0.0, (bound - g_obj) / bound) if bound else (0.0 if problem.n_groups == 0 else None)
        return Solution(g, g_obj, "greedy+swap", "heuristic", gap, time.perf_counter() - t0, bound)
    sol = _guarded(_mclp_milp, time_limit_s, problem, k, conf=conf, time_limit_s=time_limit_s)
    if sol is None:
        bound = mclp_lp_bound(problem, k, time_limit_s=min(30.0, time_limit_s)) if not conf else None
        gap = max(0.0, (bound - g_obj) / bound) if bound else None
        return Solution(g, g_obj, "greedy+swap (MILP stopped)", "time limit", gap, time.perf_counter() - t0, bound)
    if sol.objective + 1e-9 < g_obj:  # a timed-out MILP worse than greedy: keep greedy, with the MILP bound
        gap = (sol.bound - g_obj) / sol.bound if sol.bound else None
        return Solution(g, g_obj, "greedy+swap (MILP incumbent worse)", sol.status, gap, sol.seconds, sol.bound)
    return sol


def solve_lscp(problem: SitingProblem, target_weight: float, *, method: str = "exact", xy=None,
               min_spacing_m=None, time_limit_s: float = 60.0) -> Solution:
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
        return Solution(g, g_sol.objective, "greedy (MILP found nothing better)", status, None,
                        time.perf_counter() - t0)
    if len(g) < len(sol.columns):
        return Solution(g, g_sol.objective, "greedy (better than the MILP incumbent)", sol.status, None, sol.seconds)
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


# ------------------------------------------------------------------ the shared core
PROBLEM_NAMES = {"mclp": "maximal covering (MCLP)", "lscp": "set covering (LSCP)"}


def check_goal(k, target_share) -> None:
    if (k is None) == (target_share is None):
        msg = "Give exactly one of k (number of new sites) or target_share (e.g. 0.85)."
        raise CoverageInputError(msg)
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        msg = f"k={k} must be a whole number of sites, at least 1."
        raise CoverageInputError(msg)
    if target_share is not None and not (0 < target_share <= 1):
        msg = f"target_share={target_share} must be a share between 0 and 1, like 0.85."
        raise CoverageInputError(msg)


@dataclass(frozen=True)
class Siting:
    """What :func:`solve_covering` found, in reduced-column terms.

    ``columns`` are input columns (candidate rows) in rank order with their
    marginal ``gains``; ``curve`` is the greedy build-out for k = 1..K.
    """

    problem: SitingProblem
    solution: Solution
    columns: np.ndarray
    gains: list[float]
    curve_columns: np.ndarray
    curve_weight: list[float]
    summary: dict


def solve_covering(
    cover_hc,
    weight_h,
    *,
    total_weight: float,
    covered_weight: float,
    k: int | None = None,
    target_share: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    xy=None,
    min_spacing_m: float | None = None,
    curve_max_k: int | None = None,
) -> Siting:
    """Reduce and solve one covering instance; the core of every siting call.

    Parameters
    ----------
    cover_hc
        Boolean (still uncovered demand rows x candidate columns) matrix.
    weight_h
        Weight (households) of each of those rows.
    total_weight
        Weight of all demand, covered or not: shares are of this.
    covered_weight
        Weight already covered by the fixed (existing) sites.
    k, target_share
        Maximal covering with ``k`` new sites, or set covering: the fewest
        sites so that ``target_share`` of ``total_weight`` is covered. When
        the target cannot be reached (some demand is beyond every
        candidate), the fewest sites that cover everything coverable are
        returned and the summary's ``status`` is ``"target unreachable"``.
    xy, min_spacing_m
        Candidate positions (metres, one row per column) and an optional
        minimum distance between new sites.
    curve_max_k
        Also the greedy (nested) build-out for k = 1..curve_max_k.
    """
    check_goal(k, target_share)
    if method not in ("exact", "greedy"):
        msg = f"method={method!r}: use 'exact' (HiGHS MILP) or 'greedy'."
        raise CoverageInputError(msg)
    problem = build_problem(cover_hc, np.asarray(weight_h, dtype=float), total_weight=total_weight,
                            covered_weight=covered_weight)
    # the reduction, logged before the solve it feeds
    log.info("Siting: %d candidates (%d reach nobody, %d duplicates, %d dominated) -> %d; "
             "%d uncovered households -> %d groups", problem.n_candidates_in, problem.n_candidates_unreaching,
             problem.n_candidates_merged, problem.n_candidates_dominated, problem.candidates.size,
             cover_hc.shape[0], problem.n_groups)
    xy_red = np.asarray(xy, dtype=float)[problem.candidates] if (xy is not None and min_spacing_m) else None
    base = problem.covered_weight
    total = problem.total_weight
    reachable_share = (base + problem.coverable_weight) / total if total else None
    extra: dict = {}
    if problem.n_groups == 0:
        sol = Solution([], 0.0, None, "nothing to cover", 0.0, 0.0, None)
    elif k is not None:
        sol = solve_mclp(problem, int(k), method=method, xy=xy_red, min_spacing_m=min_spacing_m,
                         time_limit_s=time_limit_s)
    else:
        needed = target_share * total - base
        reachable = needed <= problem.coverable_weight + 1e-9
        extra = {"target_reachable": bool(reachable)}
        target_w = max(0.0, min(needed, problem.coverable_weight))
        sol = solve_lscp(problem, target_w, method=method, xy=xy_red, min_spacing_m=min_spacing_m,
                         time_limit_s=time_limit_s)
        if needed <= 1e-9:
            sol = Solution([], 0.0, sol.solver, "target already met", 0.0, sol.seconds, None)
    order, gains = rank_sites(problem, sol.columns)
    columns = problem.candidates[order] if order else np.zeros(0, dtype=np.int64)
    curve_cols, curve_w = np.zeros(0, dtype=np.int64), []
    if curve_max_k and problem.n_groups:
        c_order, c_gains = rank_sites(problem, greedy(problem, int(curve_max_k), xy=xy_red,
                                                      min_spacing_m=min_spacing_m, swap=False))
        curve_cols = problem.candidates[c_order] if c_order else curve_cols
        curve_w = list(base + np.cumsum(c_gains))
    after = base + float(sum(gains))
    status = sol.status
    if extra.get("target_reachable") is False:
        status = "target unreachable"
    summary = {
        "problem": PROBLEM_NAMES["mclp" if k is not None else "lscp"],
        "k": k,
        "target_share": target_share,
        "target_of": "all households" if target_share is not None else None,
        **extra,
        "max_share_reachable": reachable_share,
        "solver": sol.solver,
        "status": status,
        "solver_status": sol.status,
        "gap": sol.gap,
        "bound": sol.bound,
        "n_sites": int(columns.size),
        "households_added": float(sum(gains)),
        "covered_share_before": base / total if total else None,
        "covered_share_after": after / total if total else None,
        "coverable_weight": problem.coverable_weight,
        "coverable_share_of_uncovered": problem.coverable_weight / max(1e-12, total - base),
        "candidates_in": problem.n_candidates_in,
        "candidates_unreaching": problem.n_candidates_unreaching,
        "candidates_merged": problem.n_candidates_merged,
        "candidates_dominated": problem.n_candidates_dominated,
        "candidates_used": int(problem.candidates.size),
        "uncovered_households": problem.n_households_uncovered,
        "demand_groups": problem.n_groups,
        "min_spacing_m": min_spacing_m,
    }
    if target_share is not None and not extra.get("target_reachable", True):
        log.warning(
            "Siting: a target of %.1f%% of all households is not reachable; the candidates reach at most "
            "%.1f%%, which takes %d sites", 100 * target_share, 100 * (reachable_share or 0), columns.size,
        )
    return Siting(problem, sol, columns, gains, curve_cols, curve_w, summary)


# ------------------------------------------------------------------ the result
@dataclass(frozen=True, eq=False)
class SitingResult:
    """New sites and how they were found.

    Attributes
    ----------
    sites
        One row per chosen site in rank order (best marginal gain first):
        ``rank``, ``id``, ``households_added``, ``covered_share_after``, plus
        ``lon``/``lat`` and geometry when the sites are places.
    summary
        Problem, solver, status, proven gap, shares before and after, and
        the reduction counts.
    problem
        The reduced :class:`SitingProblem`.
    candidates
        The candidates considered (a GeoDataFrame, or the column labels).
    curve
        The greedy build-out for k = 1..K: ``k``, ``id``, ``covered_weight``,
        ``covered_share``.
    analysis
        The assessment summary the siting started from, when there is one.
    """

    sites: pd.DataFrame
    summary: dict
    problem: SitingProblem = field(repr=False)
    candidates: object = field(repr=False)
    curve: list[dict] = field(default_factory=list)
    analysis: dict | None = field(default=None, repr=False)

    @property
    def chosen(self) -> list:
        """The chosen columns' labels (positions for an ndarray) in rank order."""
        return self.sites["id"].tolist()

    @property
    def covered_weight(self) -> float:
        """Weight covered after the new sites (fixed sites included)."""
        return self.problem.covered_weight + float(self.summary["households_added"])

    @property
    def covered_share(self) -> float | None:
        return self.summary["covered_share_after"]

    @property
    def status(self) -> str:
        return self.summary["status"]

    @property
    def gap(self) -> float | None:
        """Proven relative gap to the optimum (0 = optimal; None when unknown)."""
        return self.summary["gap"]

    def __repr__(self) -> str:
        return f"SitingResult({self.text()})"

    def text(self, lang: str = "en") -> str:
        """One line a planner can read: sites, gain, shares, solver and gap (or why there is nothing to site)."""
        s = self.summary
        if not s["n_sites"] and s.get("uncovered_households") is not None and not s.get("coverable_weight"):
            n_unc, n_cand = s["uncovered_households"], s.get("candidates_in", 0)
            if lang == "zh":
                return ("无需新增站点：所有可达住户都已在阈值内。" if not n_unc else
                        f"没有可建议的站点：{n_cand:,} 个候选站址都不能让 {n_unc:,} 个未覆盖居住点中的任何一个进入阈值。")
            return ("Nothing to site: every household the network reaches is already within the threshold." if not n_unc
                    else f"Nothing to site: none of the {n_cand:,} candidate sites brings any of the {n_unc:,} "
                         "uncovered residential points within the threshold.")
        gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
        before, after = s["covered_share_before"] or 0.0, s["covered_share_after"] or 0.0
        if lang == "zh":
            what = "服务率" if "weight_served_after" in s else "覆盖率"
            line = (f"{'最大覆盖' if s['k'] is not None else '集合覆盖'}：新增 {s['n_sites']} 个站点，"
                    f"增加覆盖 {s['households_added']:,.0f} 户；{what} {before:.1%} → {after:.1%}"
                    f"（{s['solver']}，{s['solver_status']}，间隙 {gap}）")
            if s.get("target_reachable") is False:
                line += (f"。目标 {s['target_share']:.0%} 无法达到：候选点最多覆盖 {s['max_share_reachable']:.1%}，"
                         f"需 {s['n_sites']} 个站点")
            return line
        what = "served share" if "weight_served_after" in s else "covered share"
        line = (f"{s['problem']}: {s['n_sites']} new sites add {s['households_added']:,.0f} households; "
                f"{what} {before:.1%} -> {after:.1%} ({s['solver']}, {s['solver_status']}, gap {gap})")
        if s.get("target_reachable") is False:
            line += (f". The target of {s['target_share']:.0%} of all households is not reachable: the candidates "
                     f"reach at most {s['max_share_reachable']:.1%}, which takes {s['n_sites']} sites")
        return line

    def to_files(self, out_dir) -> dict[str, str]:
        """Write ``sites.csv``, ``sites.gpkg`` (when the sites are places) and ``siting.json``."""
        from ..output.files import write_siting

        return write_siting(self, out_dir)


def sites_frame(siting: Siting, labels, extra: dict | None = None) -> pd.DataFrame:
    """rank, id, households_added, covered_share_after (+ extra columns) in rank order."""
    p = siting.problem
    cum = p.covered_weight + np.cumsum(siting.gains) if siting.gains else np.zeros(0)
    frame = pd.DataFrame({
        "rank": np.arange(1, siting.columns.size + 1),
        "id": [labels[int(c)] for c in siting.columns],
        "households_added": np.round(siting.gains, 3),
        "covered_share_after": cum / p.total_weight if p.total_weight else cum,
    })
    for name, values in (extra or {}).items():
        frame[name] = values
    return frame


def curve_rows(siting: Siting, labels) -> list[dict]:
    t = siting.problem.total_weight
    return [{"k": i, "id": str(labels[int(c)]), "covered_weight": float(w), "covered_share": w / t if t else None}
            for i, (c, w) in enumerate(zip(siting.curve_columns, siting.curve_weight), start=1)]


def _cover_from_cost(cost, max_cost: float):
    """(boolean sparse demand x candidate matrix, column labels) from a cost matrix."""
    labels = None
    if isinstance(cost, pd.DataFrame):
        labels = list(cost.columns)
        cost = cost.to_numpy(dtype=float, na_value=np.nan)
    if sparse.issparse(cost):
        coo = sparse.coo_matrix(cost)
        ok = np.isfinite(coo.data) & (coo.data <= max_cost)
        cover = sparse.csr_matrix((np.ones(int(ok.sum()), dtype=bool), (coo.row[ok], coo.col[ok])), shape=coo.shape)
    else:
        arr = np.asarray(cost, dtype=float)
        if arr.ndim != 2:
            msg = f"cost must be a 2-D matrix (demand rows x candidate columns), not {arr.ndim}-D."
            raise CoverageInputError(msg)
        with np.errstate(invalid="ignore"):
            cover = sparse.csr_matrix(np.isfinite(arr) & (arr <= max_cost))
    if labels is None:
        labels = list(range(cover.shape[1]))
    return cover, labels


def from_cost_matrix(
    cost,
    weights=None,
    *,
    max_cost: float,
    k: int | None = None,
    target_share: float | None = None,
    fixed=(),
    method: str = "exact",
    time_limit_s: float = 60.0,
    curve_max_k: int | None = None,
    capacity=None,
) -> SitingResult:
    """Maximal or set covering on your own cost matrix (spopt's ``from_cost_matrix``, exact with HiGHS).

    Parameters
    ----------
    cost
        Demand rows x candidate columns: a numpy array (``inf``/NaN =
        unreachable), a scipy sparse matrix (missing entries = unreachable)
        or a DataFrame (its columns are the candidate labels). Any unit:
        minutes from a web-map routing service, metres, survey answers.
    weights
        Demand weight per row (households); default 1 per row.
    max_cost
        A row is covered by a column when its cost is at most this (same
        unit as ``cost``).
    k
        Maximal covering: the ``k`` new columns that cover the most weight.
    target_share
        Set covering: the fewest new columns so that this share of *all*
        the weight is covered. When rows beyond every column make that
        impossible, the fewest columns that cover everything coverable are
        returned and ``status`` is ``"target unreachable"``.
    fixed
        Labels (positions for an array) of columns already open, such as
        existing stations. They cover their rows but do not count in ``k``.
    capacity
        The weight each column can serve (one per column). With it, ``k``
        asks for maximal *capacitated* covering (the columns that let the
        most weight be served within capacity; rows may be split between
        columns), and ``target_share`` for capacitated set covering (the
        fewest columns serving that share); see :func:`solve_capacitated`.

    Returns
    -------
    SitingResult
        ``.chosen`` lists the chosen labels in rank order; ``.sites`` adds
        each one's marginal gain and the share after it.

    Examples
    --------
    >>> import numpy as np
    >>> from coverage.siting import from_cost_matrix
    >>> minutes = np.array([[5, 20, 30], [12, 9, 40], [30, 25, 8]])
    >>> from_cost_matrix(minutes, [10, 20, 5], max_cost=15, k=1).chosen
    [0]
    """
    t0 = time.perf_counter()
    check_goal(k, target_share)
    if not np.isfinite(max_cost):
        msg = f"max_cost={max_cost} must be a finite number (the covering distance or time)."
        raise CoverageInputError(msg)
    cover, labels = _cover_from_cost(cost, float(max_cost))
    n_rows, n_cols = cover.shape
    w = np.ones(n_rows) if weights is None else np.asarray(
        weights.reindex(cost.index) if isinstance(weights, pd.Series) and isinstance(cost, pd.DataFrame) else weights,
        dtype=float).ravel()
    if w.size != n_rows:
        msg = f"weights has {w.size} values but cost has {n_rows} rows; give one weight per row."
        raise CoverageInputError(msg)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = f"weights must be finite and non-negative (rows {np.flatnonzero(~np.isfinite(w) | (w < 0))[:5].tolist()})."
        raise CoverageInputError(msg)
    pos = {lab: i for i, lab in enumerate(labels)}
    missing = [f for f in fixed if f not in pos]
    if missing:
        msg = f"fixed: no column labelled {missing[:5]}; columns are like {labels[:3]}."
        raise CoverageInputError(msg)
    fixed_pos = np.array([pos[f] for f in fixed], dtype=np.int64)
    if capacity is not None:
        return _capacitated_from_matrix(cover, w, capacity, fixed_pos, labels, k, target_share, method,
                                        time_limit_s, float(max_cost), t0)
    covered = (np.asarray(cover[:, fixed_pos].sum(axis=1)).ravel() > 0) if fixed_pos.size else np.zeros(n_rows, bool)
    open_cols = np.setdiff1d(np.arange(n_cols), fixed_pos)
    siting = solve_covering(
        cover[~covered][:, open_cols], w[~covered], total_weight=float(w.sum()), covered_weight=float(w[covered].sum()),
        k=k, target_share=target_share, method=method, time_limit_s=time_limit_s, curve_max_k=curve_max_k,
    )
    col_labels = [labels[int(c)] for c in open_cols]
    summary = {**siting.summary, "max_cost": float(max_cost), "n_fixed": int(fixed_pos.size),
               "seconds": {"total": time.perf_counter() - t0, "solve": siting.solution.seconds}}
    return SitingResult(sites=sites_frame(siting, col_labels), summary=summary, problem=siting.problem,
                        candidates=col_labels, curve=curve_rows(siting, col_labels))


# ------------------------------------------------------------------ capacitated maximal covering
def _merge_rows(cover: sparse.csr_matrix, weight: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows with identical column sets merged (weights added): exact when flows may be split."""
    cover = sparse.csr_matrix(cover, dtype=bool)
    cover.sort_indices()
    has = np.diff(cover.indptr) > 0
    keys = {}
    group = np.full(cover.shape[0], -1, dtype=np.int64)
    first = []
    for h in np.flatnonzero(has):
        key = cover.indices[cover.indptr[h] : cover.indptr[h + 1]].tobytes()
        g = keys.get(key)
        if g is None:
            g = keys[key] = len(first)
            first.append(h)
        group[h] = g
    w = np.bincount(group[has], weights=np.asarray(weight, dtype=float)[has], minlength=len(first))
    return cover[np.asarray(first, dtype=np.int64)], w


def solve_capacitated(cover, weight, capacity, *, fixed, k: int | None = None, time_limit_s: float = 60.0,
                      method: str = "exact", target_weight: float | None = None) -> dict:
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
    cover, w = _merge_rows(cover, weight)
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
            c = np.concatenate([np.round(w), np.full(int(sel.sum()), big), np.round(cap[open_mask])]).astype(np.int32)
            graph = sparse.csr_matrix((c, (u, v)), shape=(n_g + n_c + 2, n_g + n_c + 2))
            return float(maximum_flow(graph, src, sink).flow_value)
        walk = sparse.csr_matrix((np.ones(int(sel.sum())), (coo.row[sel], coo.col[sel])), shape=(n_g, n_c))
        return assign(walk, w, cap).served_weight

    def lazy_greedy(open_mask, budget, goal=None):
        """Lazy greedy: served weight is submodular in the set of open columns, so stale gains are upper bounds."""
        import heapq

        open_mask = open_mask.copy()
        now = served_with(open_mask)
        reach_w = np.asarray(sparse.csr_matrix((w[coo.row], (coo.row, coo.col)), shape=(n_g, n_c)).sum(axis=0)).ravel()
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
    card = sparse.csr_matrix((np.ones(free.size), (np.zeros(free.size, dtype=np.int64), m + np.arange(free.size))),
                             shape=(1, n))
    obj = np.concatenate([-np.ones(m), np.zeros(free.size)])
    cons = [LinearConstraint(rows_h, -np.inf, w), LinearConstraint(link, -np.inf, ub_link),
            LinearConstraint(card, -np.inf, float(k) if k is not None else np.inf)]
    integrality = np.concatenate([np.zeros(m), np.ones(free.size)])
    bounds = Bounds(np.zeros(n), np.concatenate([np.full(m, np.inf), np.ones(free.size)]))
    lp = milp(obj, constraints=cons, integrality=np.zeros(n), bounds=bounds, options={"time_limit": time_limit_s})
    bound = -float(lp.fun) if lp.status == 0 else None
    if target_weight is not None:
        return _capacitated_cover(locals(), served_with, lazy_greedy, target_weight, time_limit_s, t0)
    greedy_cols = lazy_greedy(fixed, int(k))
    g_mask = fixed.copy()
    g_mask[greedy_cols] = True
    g_val = served_with(g_mask)
    chosen, solver, status = greedy_cols, "greedy (capacitated, lazy)", "heuristic"
    if bound is not None and g_val >= bound - 1e-6 * max(1.0, bound):
        solver, status = "greedy, proven optimal by the LP bound", "optimal"
    elif method == "exact":  # the MILP gets what is left of the time limit
        left = max(1.0, float(time_limit_s) - (time.perf_counter() - t0))
        res = milp(obj, constraints=cons, integrality=integrality, bounds=bounds,
                   options={"time_limit": left, "mip_rel_gap": 1e-9, "disp": False})
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
    return {"columns": ranked, "gains": gains, "weight_served_before": before, "weight_served_after": after,
            "solver": solver,
            "status": status, "gap": gap, "bound": bound, "demand_groups": n_g, "pairs": m,
            "seconds": time.perf_counter() - t0}


def _capacitated_from_matrix(cover, w, capacity, fixed_pos, labels, k, target_share, method, time_limit_s, max_cost,
                             t0) -> SitingResult:
    """from_cost_matrix with capacities: maximal capacitated covering (k) or capacitated set covering (target)."""
    cap = np.asarray(capacity, dtype=float).ravel()
    if cap.size != cover.shape[1] or not np.isfinite(cap).all() or (cap < 0).any():
        msg = f"capacity must give one non-negative number per column ({cover.shape[1]}), not {cap.size}."
        raise CoverageInputError(msg)
    fixed = np.zeros(cover.shape[1], dtype=bool)
    fixed[fixed_pos] = True
    r = solve_capacitated(cover, w, cap, fixed=fixed, k=None if k is None else int(k), time_limit_s=time_limit_s,
                          method=method, target_weight=None if k is not None else target_share * float(w.sum()))
    return capacitated_result(r, labels, total_weight=float(w.sum()), extra={"max_cost": max_cost},
                              seconds=time.perf_counter() - t0)


def capacitated_result(r: dict, labels, *, total_weight: float, extra: dict | None = None, sites_extra=None,
                       seconds: float = 0.0, frame=None) -> SitingResult:
    """A SitingResult from :func:`solve_capacitated`'s answer."""
    cum = r["weight_served_before"] + np.cumsum(r["gains"]) if r["gains"] else np.zeros(0)
    sites = pd.DataFrame({
        "rank": np.arange(1, len(r["columns"]) + 1),
        "id": [labels[c] for c in r["columns"]],
        "households_added": np.round(r["gains"], 6),
        "served_share_after": cum / total_weight if total_weight else cum,
    })
    for name, values in (sites_extra or {}).items():
        sites[name] = values
    t = total_weight or None
    summary = {
        "problem": "maximal capacitated covering" if "target_weight" not in r else "capacitated set covering",
        "k": len(r["columns"]) if r["columns"] else 0,
        "solver": r["solver"], "status": r["status"], "solver_status": r["status"], "gap": r["gap"],
        "bound": r["bound"], "n_sites": len(r["columns"]),
        "households_added": float(sum(r["gains"])),
        "weight_served_before": r["weight_served_before"], "weight_served_after": r["weight_served_after"],
        "covered_share_before": r["weight_served_before"] / t if t else None,
        "covered_share_after": r["weight_served_after"] / t if t else None,
        "served_share_before": r["weight_served_before"] / t if t else None,
        "served_share_after": r["weight_served_after"] / t if t else None,
        "demand_groups": r["demand_groups"], "pairs": r["pairs"], "seconds": {"total": seconds},
        **{k: r[k] for k in ("target_weight", "target_reachable", "max_weight_servable") if k in r},
        **(extra or {}),
    }
    empty = build_problem(sparse.csr_matrix((0, 0), dtype=bool), np.zeros(0), total_weight=total_weight,
                          covered_weight=r["weight_served_before"])
    return SitingResult(sites=sites if frame is None else frame(sites), summary=summary, problem=empty,
                        candidates=list(labels))


def _capacitated_cover(v: dict, served_with, lazy_greedy, target_weight, time_limit_s, t0) -> dict:
    """Fewest columns serving at least ``target_weight`` (see :func:`solve_capacitated`)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, free, fixed, rows_h, link, ub_link, w = (v[k] for k in ("m", "free", "fixed", "rows_h", "link", "ub_link", "w"))
    n = m + free.size
    everything = fixed.copy()
    everything[free] = True
    most = served_with(everything)
    reachable = target_weight <= most + 1e-9
    goal = min(float(target_weight), most)
    before = served_with(fixed.copy())
    total_row = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(free.size)])[None, :])
    cons = [LinearConstraint(rows_h, -np.inf, w), LinearConstraint(link, -np.inf, ub_link),
            LinearConstraint(total_row, goal - 1e-7, np.inf)]
    obj = np.concatenate([np.zeros(m), np.ones(free.size)])
    bounds = Bounds(np.zeros(n), np.concatenate([np.full(m, np.inf), np.ones(free.size)]))
    # greedy first (lazy, until the goal is served), and the LP relaxation's bound on the fewest columns
    chosen = lazy_greedy(fixed, free.size, goal=goal)
    solver, status, gap = "greedy (capacitated, lazy)", "heuristic", None
    lp = milp(obj, constraints=cons, integrality=np.zeros(n), bounds=bounds, options={"time_limit": time_limit_s})
    lower = int(np.ceil(lp.fun - 1e-6)) if lp.status == 0 else None
    if lower is not None and len(chosen) <= lower:
        solver, status, gap = "greedy, proven optimal by the LP bound", "optimal", 0.0
    else:
        left = max(1.0, float(time_limit_s) - (time.perf_counter() - t0))
        res = milp(obj, constraints=cons, integrality=np.concatenate([np.zeros(m), np.ones(free.size)]),
                   bounds=bounds, options={"time_limit": left, "mip_rel_gap": 1e-9, "disp": False})
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
    return {"columns": ranked, "gains": gains, "weight_served_before": before, "weight_served_after": after,
            "solver": solver, "status": status, "gap": gap, "bound": None, "demand_groups": int(v["n_g"]),
            "pairs": int(m), "seconds": time.perf_counter() - t0, "target_weight": float(target_weight),
            "target_reachable": bool(reachable), "max_weight_servable": most}
