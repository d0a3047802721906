"""The siting core's public front: maximal covering and set covering on any coverage matrix.

Nothing here knows about networks. :func:`from_cost_matrix` takes a demand x
candidate cost matrix (from a web-map routing service, a survey, another
model) and :func:`coverage.siting.suggest_sites` builds the same matrix from
walking distances; both end in :func:`solve_covering`.

* **Fixed columns.** Already open sites (existing stations) cover their rows;
  only the rows they leave uncovered count as gains.
* **Reduction** (:mod:`~coverage.siting.reduction`): identical rows and
  columns merged, dominated and unreaching columns dropped.
* **Solvers** (:mod:`~coverage.siting.solvers`): HiGHS MILP with a time limit
  and a wall-clock guard, greedy + swap, the LP bound.
* **Capacities** (:mod:`~coverage.siting.capacitated`): maximal capacitated
  covering and capacitated set covering.
* **The result** (:mod:`~coverage.siting.result`): :class:`SitingResult`.

Every name that lived here before the split is still importable from here.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from .._errors import CoverageInputError
from .capacitated import capacitated_from_matrix, capacitated_result, solve_capacitated
from .median import Pairs, solve_capacitated_median, solve_median
from .reduction import SitingProblem, build_problem, covered_weight_of, merge_rows
from .result import Siting, SitingResult, curve_rows, median_sites, median_summary, sites_frame
from .solvers import Solution, greedy, mclp_lp_bound, rank_sites, solve_lscp, solve_mclp

if TYPE_CHECKING:
    from .._types import CostMatrix, Ids, Numbers

log = logging.getLogger(__name__)

__all__ = [
    "PROBLEM_NAMES",
    "Siting",
    "SitingProblem",
    "SitingResult",
    "Solution",
    "build_problem",
    "capacitated_result",
    "check_goal",
    "covered_weight_of",
    "curve_rows",
    "from_cost_matrix",
    "greedy",
    "mclp_lp_bound",
    "merge_rows",
    "rank_sites",
    "sites_frame",
    "solve_capacitated",
    "solve_covering",
    "solve_lscp",
    "solve_mclp",
]


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
    problem = build_problem(
        cover_hc, np.asarray(weight_h, dtype=float), total_weight=total_weight, covered_weight=covered_weight
    )
    # the reduction, logged before the solve it feeds
    log.info(
        "Siting: %d candidates (%d reach nobody, %d duplicates, %d dominated) -> %d; "
        "%d uncovered households -> %d groups",
        problem.n_candidates_in,
        problem.n_candidates_unreaching,
        problem.n_candidates_merged,
        problem.n_candidates_dominated,
        problem.candidates.size,
        cover_hc.shape[0],
        problem.n_groups,
    )
    xy_red = np.asarray(xy, dtype=float)[problem.candidates] if (xy is not None and min_spacing_m) else None
    base = problem.covered_weight
    total = problem.total_weight
    reachable_share = (base + problem.coverable_weight) / total if total else None
    extra: dict = {}
    if problem.n_groups == 0:
        sol = Solution([], 0.0, None, "nothing to cover", 0.0, 0.0, None)
    elif k is not None:
        sol = solve_mclp(
            problem, int(k), method=method, xy=xy_red, min_spacing_m=min_spacing_m, time_limit_s=time_limit_s
        )
    else:
        assert target_share is not None  # exactly one of k and target_share (checked on entry)
        needed = target_share * total - base
        reachable = needed <= problem.coverable_weight + 1e-9
        extra = {"target_reachable": bool(reachable)}
        target_w = max(0.0, min(needed, problem.coverable_weight))
        sol = solve_lscp(
            problem,
            target_w,
            method=method,
            xy=xy_red,
            min_spacing_m=min_spacing_m,
            time_limit_s=time_limit_s,
        )
        if needed <= 1e-9:
            sol = Solution([], 0.0, sol.solver, "target already met", 0.0, sol.seconds, None)
    order, gains = rank_sites(problem, sol.columns)
    columns = problem.candidates[order] if order else np.zeros(0, dtype=np.int64)
    curve_cols, curve_w = np.zeros(0, dtype=np.int64), []
    if curve_max_k and problem.n_groups:
        c_order, c_gains = rank_sites(
            problem, greedy(problem, int(curve_max_k), xy=xy_red, min_spacing_m=min_spacing_m, swap=False)
        )
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
            "%.1f%%, which takes %d sites",
            100 * target_share,
            100 * (reachable_share or 0),
            columns.size,
        )
    return Siting(problem, sol, columns, gains, curve_cols, curve_w, summary)


def _cover_from_cost(cost, max_cost: float):
    """(boolean sparse demand x candidate matrix, column labels) from a cost matrix."""
    labels = None
    if isinstance(cost, pd.DataFrame):
        labels = list(cost.columns)
        cost = cost.to_numpy(dtype=float, na_value=np.nan)
    if sparse.issparse(cost):
        coo = sparse.coo_matrix(cost)
        ok = np.isfinite(coo.data) & (coo.data <= max_cost)
        cover = sparse.csr_matrix(
            (np.ones(int(ok.sum()), dtype=bool), (coo.row[ok], coo.col[ok])), shape=coo.shape
        )
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
    cost: CostMatrix,
    weights: Numbers | None = None,
    *,
    max_cost: float | None = None,
    k: int | None = None,
    target_share: float | None = None,
    fixed: Ids = (),
    method: str = "exact",
    time_limit_s: float = 60.0,
    curve_max_k: int | None = None,
    capacity: Numbers | None = None,
    objective: str = "coverage",
) -> SitingResult:
    """Covering, p-median or p-center on your own cost matrix
    (spopt's ``from_cost_matrix``, exact with HiGHS).

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
        Covering: a row is covered by a column when its cost is at most
        this (same unit as ``cost``); required. p-median and p-center: the
        cap (optional; default the largest cost given): costs above it are
        unreachable, and a row no open column reaches within it counts as
        ``max_cost`` in the objective and is reported as unserved.
    objective
        ``"coverage"`` (default: maximal covering with ``k``, set covering
        with ``target_share``), ``"median"`` (the ``k`` new columns that make
        the total weighted cost of every row to its nearest open column
        least: the average walk) or ``"center"`` (the ``k`` new columns that
        make the largest such cost least: the longest walk, every row with
        weight counting once). Both are exact (see
        :mod:`coverage.siting.median`); ``.objective`` is the value reached,
        recomputed from the chosen columns, and ``summary`` reports rows
        beyond every column (``rows_unreachable``) and beyond the chosen
        ones (``rows_unserved``). With ``capacity``, ``"median"`` is the
        capacitated p-median (each column serves at most its capacity; a
        row's weight may be split between columns).
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
    if objective not in ("coverage", "median", "center"):
        msg = f"objective={objective!r}: use 'coverage' (maximal or set covering), 'median' or 'center'."
        raise CoverageInputError(msg)
    if objective != "coverage":
        return _median_from_matrix(
            cost,
            weights,
            max_cost=max_cost,
            k=k,
            target_share=target_share,
            fixed=fixed,
            method=method,
            time_limit_s=time_limit_s,
            capacity=capacity,
            objective=objective,
            t0=t0,
        )
    check_goal(k, target_share)
    if max_cost is None:
        msg = (
            "max_cost is needed for covering: "
            "the cost within which a row counts as covered (e.g. max_cost=15)."
        )
        raise CoverageInputError(msg)
    if not np.isfinite(max_cost):
        msg = f"max_cost={max_cost} must be a finite number (the covering distance or time)."
        raise CoverageInputError(msg)
    cover, labels = _cover_from_cost(cost, float(max_cost))
    n_rows, n_cols = cover.shape
    w = _weights(cost, weights, n_rows)
    fixed_pos = _fixed_positions(fixed, labels)
    if capacity is not None:
        return capacitated_from_matrix(
            cover, w, capacity, fixed_pos, labels, k, target_share, method, time_limit_s, float(max_cost), t0
        )
    covered = (
        (np.asarray(cover[:, fixed_pos].sum(axis=1)).ravel() > 0)
        if fixed_pos.size
        else np.zeros(n_rows, bool)
    )
    open_cols = np.setdiff1d(np.arange(n_cols), fixed_pos)
    siting = solve_covering(
        cover[~covered][:, open_cols],
        w[~covered],
        total_weight=float(w.sum()),
        covered_weight=float(w[covered].sum()),
        k=k,
        target_share=target_share,
        method=method,
        time_limit_s=time_limit_s,
        curve_max_k=curve_max_k,
    )
    col_labels = [labels[int(c)] for c in open_cols]
    summary = {
        **siting.summary,
        "max_cost": float(max_cost),
        "n_fixed": int(fixed_pos.size),
        "seconds": {"total": time.perf_counter() - t0, "solve": siting.solution.seconds},
    }
    return SitingResult(
        sites=sites_frame(siting, col_labels),
        summary=summary,
        problem=siting.problem,
        candidates=col_labels,
        curve=curve_rows(siting, col_labels),
    )


def _weights(cost, weights, n_rows: int) -> np.ndarray:
    """One finite non-negative weight per row (a Series is aligned to a DataFrame's index)."""
    w = (
        np.ones(n_rows)
        if weights is None
        else np.asarray(
            weights.reindex(cost.index)
            if isinstance(weights, pd.Series) and isinstance(cost, pd.DataFrame)
            else weights,
            dtype=float,
        ).ravel()
    )
    if w.size != n_rows:
        msg = f"weights has {w.size} values but cost has {n_rows} rows; give one weight per row."
        raise CoverageInputError(msg)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = (
            "weights must be finite and non-negative "
            f"(rows {np.flatnonzero(~np.isfinite(w) | (w < 0))[:5].tolist()})."
        )
        raise CoverageInputError(msg)
    return w


def _fixed_positions(fixed, labels) -> np.ndarray:
    pos = {lab: i for i, lab in enumerate(labels)}
    missing = [f for f in fixed if f not in pos]
    if missing:
        msg = f"fixed: no column labelled {missing[:5]}; columns are like {labels[:3]}."
        raise CoverageInputError(msg)
    return np.array([pos[f] for f in fixed], dtype=np.int64)


def _median_from_matrix(
    cost, weights, *, max_cost, k, target_share, fixed, method, time_limit_s, capacity, objective, t0
) -> SitingResult:
    """from_cost_matrix with objective="median" or "center" (see :mod:`coverage.siting.median`)."""
    if target_share is not None or k is None:
        msg = f"objective={objective!r} takes k (the number of new sites), not target_share."
        raise CoverageInputError(msg)
    check_goal(k, None)
    if method not in ("exact", "greedy"):
        msg = f"method={method!r}: use 'exact' (HiGHS MILP) or 'greedy'."
        raise CoverageInputError(msg)
    if max_cost is not None and not (np.isfinite(max_cost) and max_cost >= 0):
        msg = f"max_cost={max_cost} must be a finite non-negative number (the cap), or left out."
        raise CoverageInputError(msg)
    if capacity is not None and objective != "median":
        msg = "capacity goes with objective='median' (capacitated p-median) or covering, not with 'center'."
        raise CoverageInputError(msg)
    labels = list(cost.columns) if isinstance(cost, pd.DataFrame) else None
    mat = cost.to_numpy(dtype=float, na_value=np.nan) if isinstance(cost, pd.DataFrame) else cost
    if not sparse.issparse(mat) and np.asarray(mat).ndim != 2:
        msg = f"cost must be a 2-D matrix (demand rows x candidate columns), not {np.asarray(mat).ndim}-D."
        raise CoverageInputError(msg)
    pairs = Pairs.from_matrix(mat)
    if (pairs.cost < 0).any():
        msg = "cost has negative entries; give costs of 0 or more (walks, minutes, metres)."
        raise CoverageInputError(msg)
    labels = labels if labels is not None else list(range(pairs.n_cols))
    w = _weights(cost, weights, pairs.n_rows)
    fixed_pos = _fixed_positions(fixed, labels)
    cap = max_cost if max_cost is not None else (float(pairs.cost.max()) if pairs.cost.size else 0.0)
    extra = {"n_fixed": int(fixed_pos.size), "max_cost": max_cost, "cost_unit": ""}
    if capacity is not None:
        capc = np.asarray(capacity, dtype=float).ravel()
        if capc.size != pairs.n_cols or not np.isfinite(capc).all() or (capc < 0).any():
            msg = f"capacity must give one non-negative number per column ({pairs.n_cols}), not {capc.size}."
            raise CoverageInputError(msg)
        is_fixed = np.zeros(pairs.n_cols, dtype=bool)
        is_fixed[fixed_pos] = True
        csol = solve_capacitated_median(
            pairs, w, capc, fixed=is_fixed, k=int(k), cap=cap, time_limit_s=time_limit_s
        )
        summary = median_summary(
            csol,
            w,
            k=int(k),
            extra={**extra, "splitting": "allowed", "seconds": {"total": time.perf_counter() - t0}},
        )
        sites = median_sites(csol, labels, float(w[~csol.unreachable].sum()))
        return SitingResult(sites=sites, summary=summary, problem=_empty_problem(w), candidates=labels)
    open_cols = np.setdiff1d(np.arange(pairs.n_cols), fixed_pos)
    base = pairs.base_of(fixed_pos) if fixed_pos.size else None
    sol = solve_median(
        pairs.columns(open_cols),
        w,
        base,
        k=int(k),
        objective=objective,
        cap=cap,
        method=method,
        time_limit_s=time_limit_s,
    )
    col_labels = [labels[int(c)] for c in open_cols]
    summary = median_summary(
        sol,
        w,
        k=int(k),
        extra={**extra, "seconds": {"total": time.perf_counter() - t0, "solve": sol.seconds}},
    )
    sites = median_sites(sol, col_labels, float(w[~sol.unreachable].sum()))
    return SitingResult(sites=sites, summary=summary, problem=_empty_problem(w), candidates=col_labels)


def _empty_problem(w) -> SitingProblem:
    return empty_problem(float(np.sum(w)))


def empty_problem(total_weight: float) -> SitingProblem:
    """The problem a result carries when it was not a covering (p-median, p-center):
    no rows, the total weight."""
    return build_problem(
        sparse.csr_matrix((0, 0), dtype=bool),
        np.zeros(0),
        total_weight=float(total_weight),
        covered_weight=0.0,
    )
