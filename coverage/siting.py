"""Where new stations should go: maximal covering and set covering over walking distance.

The question is asked of the households the existing stations leave uncovered
(existing stations stay fixed, so only still-uncovered households count as
gains), with the same network, speed and snapping as the analysis.

* **Coverage sets.** Each candidate site is snapped like a station and one
  bounded search per candidate (on the junction graph, chunked, never a dense
  candidates x nodes matrix kept) gives the uncovered households it would
  bring within the threshold: a sparse households x candidates matrix.
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

import geopandas as gpd
import numpy as np
from scipy import sparse

from ._errors import CoverageInputError
from .reach import station_reach, within_pairs

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
    from tqdm.auto import tqdm

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


# ------------------------------------------------------------------ candidates and the full pipeline
def auto_candidates(result, *, spacing_m: float = 150.0) -> gpd.GeoDataFrame:
    """Network locations near uncovered households, thinned to one per ``spacing_m`` grid cell.

    Takes the network nodes within the threshold walk of some uncovered
    household (crow-fly pre-filter, then exact coverage sets drop the rest)
    and keeps, per square cell of ``spacing_m``, the node nearest the cell
    centre. Deterministic.
    """
    from scipy.spatial import cKDTree

    net = result.network
    hs = result.household_snap
    unc = (result.households["status"].astype(str) == "uncovered").to_numpy()
    if not unc.any():
        return gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    xy = net.xy
    tree = cKDTree(np.column_stack([hs.px[unc], hs.py[unc]]))
    d, _ = tree.query(xy, distance_upper_bound=result.params["threshold_m"])
    near = np.flatnonzero(np.isfinite(d))
    cell = np.floor(xy[near] / spacing_m).astype(np.int64)
    centre = (cell + 0.5) * spacing_m
    dist_c = np.hypot(*(xy[near] - centre).T)
    order = np.lexsort((near, dist_c, cell[:, 1], cell[:, 0]))
    cs = cell[order]
    first = np.r_[True, (cs[1:] != cs[:-1]).any(axis=1)]
    pick = np.sort(near[order][first])
    return gpd.GeoDataFrame(
        {"id": [f"node{int(net.node_id[i])}" for i in pick], "source": "network"},
        geometry=gpd.points_from_xy(net.lon[pick], net.lat[pick]), crs="EPSG:4326",
    )


def _with_osm_facilities(cand: gpd.GeoDataFrame, pbf_path) -> gpd.GeoDataFrame:
    """Add community facilities and public buildings from the OSM extract to the candidates."""
    import pandas as pd

    from .osm_features import facilities

    try:
        fac = facilities(pbf_path, amenities=("community_centre", "social_facility", "townhall", "library",
                                               "social_centre"))
    except Exception as exc:  # a candidate source, not a requirement
        log.warning("Could not read facilities from %s: %s", pbf_path, exc)
        return cand
    if len(fac) == 0:
        return cand
    fac = fac.assign(id=["osm_" + str(i) for i in fac["id"]], source="osm " + fac["amenity"].astype(str))
    log.info("Siting: %d community facilities from the OSM extract added as candidates", len(fac))
    return gpd.GeoDataFrame(pd.concat([cand, fac[["id", "name", "source", "geometry"]]], ignore_index=True),
                            geometry="geometry", crs="EPSG:4326")


def _nothing_to_site(result, k, target_share) -> SitingResult:
    empty = gpd.GeoDataFrame(
        {"rank": [], "id": [], "lon": [], "lat": [], "households_added": [], "covered_share_after": []},
        geometry=[], crs=result.households.crs,
    )
    share = result.summary.share_covered_weight
    summary = {
        "problem": "maximal covering (MCLP)" if k is not None else "set covering (LSCP)",
        "k": k, "target_share": target_share, "solver": None, "status": "nothing to cover", "gap": 0.0,
        "bound": None, "n_sites": 0, "households_added": 0.0, "covered_share_before": share,
        "covered_share_after": share, "uncovered_households": 0,
    }
    problem = build_problem(sparse.csr_matrix((0, 0), dtype=bool), np.zeros(0),
                            total_weight=result.summary.weight_total, covered_weight=result.summary.weight_covered)
    return SitingResult(sites=empty, summary=summary, problem=problem, candidates=empty)


@dataclass(frozen=True, eq=False)
class SitingResult:
    """New sites and how they were found."""

    sites: gpd.GeoDataFrame
    summary: dict
    problem: SitingProblem = field(repr=False)
    candidates: gpd.GeoDataFrame = field(repr=False)
    curve: list[dict] = field(default_factory=list)


def suggest_sites(
    result,
    *,
    k: int | None = None,
    target_share: float | None = None,
    candidates=None,
    spacing_m: float = 150.0,
    min_spacing_m: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    curve_max_k: int | None = None,
    id_col: str = "id",
    crs=None,
) -> SitingResult:
    """Choose new station sites for the households ``result`` leaves uncovered.

    Give ``k`` (maximal covering: k sites that bring the most households
    within the threshold) or ``target_share`` (set covering: the fewest sites
    so that this share of the households that can be covered at all, by the
    existing stations or by some candidate, is covered; so a target is never
    infeasible). Existing stations stay.

    Parameters
    ----------
    candidates
        Candidate sites (file or GeoDataFrame with ``id``); default: network
        locations around uncovered households, one per ``spacing_m`` cell
        (the node nearest each cell's centre), plus community facilities
        (community centres, social facilities, town halls, libraries) from
        the OSM extract when the network came from a ``.pbf`` file.
    min_spacing_m
        Optional minimum straight-line distance between new sites.
    method
        ``"exact"`` (HiGHS MILP, default) or ``"greedy"``.
    curve_max_k
        Also compute the greedy coverage curve for k = 1..curve_max_k.
    """
    from .assess import _project
    from .io import read_points
    from .snapping import snap_points

    if (k is None) == (target_share is None):
        msg = "Give exactly one of k (number of new sites) or target_share (e.g. 0.85)."
        raise CoverageInputError(msg)
    if k is not None and (int(k) != k or k < 1):
        msg = f"k={k} must be a whole number of sites, at least 1."
        raise CoverageInputError(msg)
    if target_share is not None and not (0 < target_share <= 1):
        msg = f"target_share={target_share} must be a share between 0 and 1, like 0.85."
        raise CoverageInputError(msg)
    t0 = time.perf_counter()
    net = result.network
    if not (result.households["status"].astype(str) == "uncovered").any():
        log.info("Siting: every household that can be reached is already covered; nothing to site")
        return _nothing_to_site(result, k, target_share)
    if candidates is None:
        cand_gdf = auto_candidates(result, spacing_m=spacing_m)
        src = result.params["network"].get("source", "")
        if str(src).lower().endswith(".pbf"):
            cand_gdf = _with_osm_facilities(cand_gdf, src)
    else:
        cand_gdf = candidates
    cand_pts = read_points(cand_gdf, role="candidates", id_col=id_col, crs=crs)
    cx, cy = _project(net, cand_pts)
    c_snap = snap_points(net, cx, cy, max_snap_m=result.params["max_snap_m"])
    threshold_m = result.params["threshold_m"]
    status = result.households["status"].astype(str).to_numpy()
    unc = np.flatnonzero(status == "uncovered")
    hs = result.household_snap
    w_all = result.household_points.weight
    valid = result.household_points.valid
    t_cand = time.perf_counter()
    from .snapping import Snapped

    sub = Snapped(*(getattr(hs, f)[unc] for f in ("edge", "along_m", "access_m", "x", "y", "px", "py")))
    reach = station_reach(net, c_snap, threshold_m, progress=True)
    cover = within_pairs(net, sub, c_snap, reach, threshold_m)
    t_sets = time.perf_counter()
    problem = build_problem(
        cover, w_all[unc], total_weight=float(w_all[valid].sum()),
        covered_weight=float(w_all[status == "covered"].sum()),
    )
    log.info(
        "Siting: %d candidates (%d reach nobody, %d duplicates, %d dominated) -> %d; %d uncovered households -> %d groups",
        problem.n_candidates_in, problem.n_candidates_unreaching, problem.n_candidates_merged,
        problem.n_candidates_dominated, problem.candidates.size, unc.size, problem.n_groups,
    )
    xy = np.column_stack([cx, cy])[problem.candidates] if min_spacing_m else None
    if k is not None:
        sol = solve_mclp(problem, int(k), method=method, xy=xy, min_spacing_m=min_spacing_m, time_limit_s=time_limit_s)
    else:
        # the share is of everything coverable at all: already covered + what candidates can reach
        reachable = problem.covered_weight + problem.coverable_weight
        target_w = max(0.0, target_share * reachable - problem.covered_weight)
        sol = solve_lscp(problem, target_w, method=method, xy=xy, min_spacing_m=min_spacing_m, time_limit_s=time_limit_s)
    order, gains = rank_sites(problem, sol.columns)
    rows = problem.candidates[order] if order else np.zeros(0, dtype=np.int64)
    base = problem.covered_weight
    cum = base + np.cumsum(gains) if gains else np.zeros(0)
    frame = cand_pts.frame
    sites = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(rows) + 1),
            "id": cand_pts.ids[rows],
            "lon": np.round(cand_pts.lon[rows], 7),
            "lat": np.round(cand_pts.lat[rows], 7),
            "households_added": np.round(gains, 3),
            "covered_share_after": cum / problem.total_weight if problem.total_weight else cum,
        },
        geometry=frame.geometry.values[rows] if len(rows) else [],
        crs=frame.crs,
    )
    for extra in ("name", "source"):
        if extra in frame.columns:
            sites[extra] = frame[extra].to_numpy()[rows]
    curve = []
    if curve_max_k:
        g = greedy(problem, int(curve_max_k), xy=xy, min_spacing_m=min_spacing_m, swap=False)
        A = problem.cover.tocsc()
        covered = np.zeros(problem.n_groups, dtype=bool)
        tot = base
        for i, c in enumerate(g, start=1):
            r = A.indices[A.indptr[c] : A.indptr[c + 1]]
            tot += float(problem.weight[r[~covered[r]]].sum())
            covered[r] = True
            curve.append({"k": i, "id": str(cand_pts.ids[problem.candidates[c]]), "covered_weight": tot,
                          "covered_share": tot / problem.total_weight})
    summary = {
        "problem": "maximal covering (MCLP)" if k is not None else "set covering (LSCP)",
        "k": k,
        "target_share": target_share,
        "target_of": (
            "households covered now or reachable by some candidate" if target_share is not None else None
        ),
        "solver": sol.solver,
        "status": sol.status,
        "gap": sol.gap,
        "bound": sol.bound,
        "n_sites": len(rows),
        "households_added": float(sum(gains)),
        "covered_share_before": base / problem.total_weight if problem.total_weight else None,
        "covered_share_after": float(cum[-1] / problem.total_weight) if len(cum) else base / problem.total_weight,
        "coverable_weight": problem.coverable_weight,
        "coverable_share_of_uncovered": problem.coverable_weight / max(1e-12, problem.total_weight - base),
        "candidates_in": problem.n_candidates_in,
        "candidates_unreaching": problem.n_candidates_unreaching,
        "candidates_merged": problem.n_candidates_merged,
        "candidates_dominated": problem.n_candidates_dominated,
        "candidates_used": int(problem.candidates.size),
        "uncovered_households": int(unc.size),
        "demand_groups": problem.n_groups,
        "min_spacing_m": min_spacing_m,
        "threshold_min": result.summary.threshold_min,
        "speed_kph": result.summary.speed_kph,
        "seconds": {"candidates": t_cand - t0, "coverage_sets": t_sets - t_cand, "solve": sol.seconds,
                    "total": time.perf_counter() - t0},
    }
    return SitingResult(sites=sites, summary=summary, problem=problem, candidates=cand_gdf, curve=curve)
