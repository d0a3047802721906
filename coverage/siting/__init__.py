"""Where new stations should go: maximal covering and set covering over walking distance.

Two entry points share one core (:func:`~coverage.siting.problem.solve_covering`):

* :func:`suggest_sites` asks the question of a
  :class:`~coverage.assess.CoverageResult`: candidate sites are snapped like
  stations, one bounded search per candidate (on the junction graph, chunked)
  gives the still-uncovered households each would bring within the threshold,
  and that sparse households x candidates matrix goes to the core. Existing
  stations stay fixed, so only still-uncovered households count as gains.
* :func:`from_cost_matrix` takes any demand x candidate cost matrix.

See :mod:`coverage.siting.problem` for the reduction and the solvers.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import CoverageInputError
from ..locate import locate
from ..reach import station_reach
from .candidates import auto_candidates, candidates_near, with_osm_facilities
from .problem import (
    Siting,
    SitingProblem,
    SitingResult,
    Solution,
    build_problem,
    capacitated_result,
    check_goal,
    covered_weight_of,
    curve_rows,
    empty_problem,
    from_cost_matrix,
    greedy,
    mclp_lp_bound,
    rank_sites,
    sites_frame,
    solve_capacitated,
    solve_covering,
    solve_lscp,
    solve_mclp,
)

if TYPE_CHECKING:
    from .._types import CRSLike, PointsSource
    from ..assessment import CoverageResult

log = logging.getLogger(__name__)

__all__ = [
    "Siting",
    "SitingProblem",
    "SitingResult",
    "Solution",
    "auto_candidates",
    "candidates_near",
    "build_problem",
    "covered_weight_of",
    "from_cost_matrix",
    "greedy",
    "mclp_lp_bound",
    "rank_sites",
    "solve_capacitated",
    "solve_covering",
    "solve_lscp",
    "solve_mclp",
    "suggest_sites",
]


def suggest_sites(
    result: CoverageResult,
    *,
    k: int | None = None,
    target_share: float | None = None,
    candidates: PointsSource | None = None,
    spacing_m: float = 150.0,
    min_spacing_m: float | None = None,
    method: str = "exact",
    time_limit_s: float = 60.0,
    curve_max_k: int | None = None,
    id_col: str = "id",
    crs: CRSLike = None,
    new_capacity: float | None = None,
    objective: str = "coverage",
    weight_groups: dict | None = None,
    siting_weight: str | None = None,
) -> SitingResult:
    """Choose new station sites for the households ``result`` leaves uncovered.

    Give ``k`` (maximal covering: k sites that bring the most households
    within the threshold) or ``target_share`` (set covering: the fewest sites
    so that this share of all households is covered; when that cannot be
    reached, the fewest sites that cover everything the candidates can reach,
    with ``status`` ``"target unreachable"``). Existing stations stay.

    Parameters
    ----------
    candidates
        Candidate sites (file or GeoDataFrame with ``id``); default: network
        locations around uncovered households, one per ``spacing_m`` cell
        (the node nearest each cell's centre), plus community facilities
        (community centres, social facilities, town halls, libraries) from
        the OSM extract when the network came from a ``.pbf`` file.
    crs
        CRS of the ``candidates`` file (``"gcj02"``, ``"EPSG:4547"``, ...),
        as :func:`~coverage.io.read_points` takes it. It never applies to
        the automatic candidates, which the library makes in WGS-84.
    min_spacing_m
        Optional minimum straight-line distance between new sites.
    method
        ``"exact"`` (HiGHS MILP, default) or ``"greedy"``.
    curve_max_k
        Also compute the greedy coverage curve for k = 1..curve_max_k.
    new_capacity
        When the stations have capacities (``assess(capacity=...)``): the
        households a new station can serve. ``k`` then asks for maximal
        *capacitated* covering: the sites that let the most households be
        served, relieving full stations as well as covering gaps (exact
        HiGHS MILP with a proven gap; greedy with the LP bound past the time
        limit); ``target_share`` asks for the fewest sites so that this share
        of all households is served within capacity.
    objective
        ``"coverage"`` (default: ``k`` or ``target_share`` as above),
        ``"median"`` (the ``k`` sites that make the households' total, so
        average, walk to their nearest station shortest) or ``"center"``
        (the ``k`` sites that make the longest walk of any household
        shortest). Both are exact over walking distances with gated access,
        existing stations kept (see :func:`_median_walk`).
    weight_groups
        Value some groups more, e.g. ``{"老年人": 2, "残疾人": 3}``: each name
        is a count column of the households file (the same columns
        population groups are read from); a point's siting weight is its
        weight plus ``(factor - 1) * count`` for each group, so each counted
        person weighs ``factor`` and everyone else 1. The summary lists the
        weights used.
    siting_weight
        Or a column of the households file whose numbers replace the
        weights in the siting (not in the coverage shares of the analysis).
    """
    if objective not in ("coverage", "median", "center"):
        msg = (
            f"objective={objective!r}: use 'coverage' (maximal or set covering), "
            "'median' or 'center' (--objective)."
        )
        raise CoverageInputError(msg)
    weights, group_info = siting_weights(result, weight_groups, siting_weight)
    if group_info and new_capacity is not None:
        msg = (
            "weight_groups / siting_weight change who counts, capacities count households: "
            "use one or the other."
        )
        raise CoverageInputError(msg)
    if objective != "coverage":
        if new_capacity is not None and objective == "center":
            msg = (
                "new_capacity goes with objective 'median' (capacitated p-median) or 'coverage', "
                "not 'center'."
            )
            raise CoverageInputError(msg)
        if new_capacity is not None:
            return _capacitated_median_walk(
                result,
                k=k,
                target_share=target_share,
                candidates=candidates,
                spacing_m=spacing_m,
                time_limit_s=time_limit_s,
                id_col=id_col,
                crs=crs,
                new_capacity=new_capacity,
            )
        return _median_walk(
            result,
            k=k,
            target_share=target_share,
            objective=objective,
            candidates=candidates,
            spacing_m=spacing_m,
            method=method,
            time_limit_s=time_limit_s,
            id_col=id_col,
            crs=crs,
            weights=weights,
            group_info=group_info,
        )
    check_goal(k, target_share)
    for name, value, ok in (
        ("spacing_m", spacing_m, spacing_m is not None and spacing_m > 0),
        ("min_spacing_m", min_spacing_m, min_spacing_m is None or min_spacing_m >= 0),
        ("time_limit_s", time_limit_s, time_limit_s is not None and time_limit_s > 0),
    ):
        if not ok or (value is not None and not np.isfinite(value)):
            msg = f"{name}={value} must be a positive number (--{name.replace('_', '-')})."
            raise CoverageInputError(msg)
    if new_capacity is not None:
        return _capacitated(
            result,
            k=k,
            target_share=target_share,
            candidates=candidates,
            spacing_m=spacing_m,
            method=method,
            time_limit_s=time_limit_s,
            id_col=id_col,
            crs=crs,
            new_capacity=new_capacity,
        )
    t0 = time.perf_counter()
    net = result.network
    status = result.households["status"].astype(str).to_numpy()
    unc = np.flatnonzero(status == "uncovered")
    if unc.size == 0:
        log.info("Siting: every household that can be reached is already covered; nothing to site")
        cand_gdf = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    else:
        cand_gdf = _candidate_places(result, candidates, spacing_m)
    t_cand = time.perf_counter()
    threshold_m = result.params["threshold_m"]
    w_all = result.household_points.weight if weights is None else weights
    if len(cand_gdf):
        cl = _locate_candidates(
            net, cand_gdf, result, user_file=candidates is not None, id_col=id_col, crs=crs
        )
        cand_pts, c_snap = cl.points, cl.snap
        reach = station_reach(net, c_snap, threshold_m, progress=True)
        cover = result.access.subset(unc).within(net, c_snap, reach, threshold_m)
        xy = np.column_stack([c_snap.px, c_snap.py])
        labels = list(cand_pts.ids)
    else:
        cand_pts, cover, xy, labels = None, np.zeros((unc.size, 0), dtype=bool), None, []
    t_sets = time.perf_counter()
    valid_w = (
        result.household_points.valid_weight
        if weights is None
        else float(weights[result.household_points.valid].sum())
    )
    siting = solve_covering(
        cover,
        w_all[unc],
        total_weight=valid_w,
        covered_weight=float(w_all[status == "covered"].sum()),
        k=k,
        target_share=target_share,
        method=method,
        time_limit_s=time_limit_s,
        xy=xy,
        min_spacing_m=min_spacing_m,
        curve_max_k=curve_max_k,
    )
    out = sites_result(
        siting,
        cand_gdf,
        cand_pts,
        labels,
        result.summary,
        t0=t0,
        t_cand=t_cand,
        t_sets=t_sets,
        crs_out=cand_pts.frame.crs if cand_pts is not None else result.households.crs,
    )
    out.summary.update(group_info)
    if weights is not None:
        _plain_households(out, siting, cover, result, unc, status)
    return out


def _plain_households(out: SitingResult, siting, cover, result, unc, status) -> None:
    """With group weights the solve counts weighted households;
    the sites and shares a map shows stay households.

    The weighted gains move to ``weighted_added`` / ``weighted_share_after``;
    ``households_added`` and ``covered_share_after`` are recomputed in plain
    households for the same sites.
    """
    pts = result.household_points
    plain = pts.weight[unc].astype(float)
    total = pts.valid_weight
    before = float(pts.weight[status == "covered"].sum())
    cover = cover.tocsc() if hasattr(cover, "tocsc") else np.asarray(cover)
    hit = np.zeros(unc.size, dtype=bool)
    after = []
    for c in siting.columns:
        col = cover[:, [int(c)]]
        hit |= (col.toarray() if hasattr(col, "toarray") else np.asarray(col)).ravel().astype(bool)
        after.append(before + float(plain[hit].sum()))
    sites, s = out.sites, out.summary
    sites["weighted_added"] = sites["households_added"]
    sites["weighted_share_after"] = sites["covered_share_after"]
    sites["households_added"] = np.round(np.diff(np.r_[before, after]), 3) if after else np.zeros(0)
    sites["covered_share_after"] = np.asarray(after) / total if total else np.asarray(after)
    s["weighted_added"], s["weighted_share_before"] = s["households_added"], s["covered_share_before"]
    s["weighted_share_after"] = s["covered_share_after"]
    s["households_added"] = float(after[-1] - before) if after else 0.0
    s["covered_share_before"] = before / total if total else None
    s["covered_share_after"] = (after[-1] if after else before) / total if total else None


def siting_weights(result, weight_groups: dict | None, siting_weight: str | None):
    """(weights for the siting or None for the households as given, what the summary says about them)."""
    if not weight_groups and siting_weight is None:
        return None, {}
    if weight_groups and siting_weight is not None:
        msg = "Give weight_groups (--weight-groups) or siting_weight (--siting-weight), not both."
        raise CoverageInputError(msg)
    pts = result.household_points
    frame = pts.frame
    cols = {str(c).strip().lower(): c for c in frame.columns if c != "geometry"}

    def column(name: str, flag: str) -> np.ndarray:
        col = cols.get(str(name).strip().lower())
        if col is None:
            msg = (
                f"{pts.label} has no column {name!r} for {flag}; columns are "
                f"{[str(c) for c in frame.columns if c != 'geometry']}."
            )
            raise CoverageInputError(msg)
        raw = frame[col]
        v = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        bad = pts.valid & (~np.isfinite(v) | (v < 0))
        if bad.any():
            i = np.flatnonzero(bad)
            msg = (
                f"{pts.label} column {col!r} must be a number of 0 or more for {flag}: {pts.rows(i[:5])} "
                f"(e.g. {raw.iloc[i[0]]!r}); fill them (0 if none)."
            )
            raise CoverageInputError(msg)
        return np.where(np.isfinite(v), v, 0.0)

    base = pts.weight.astype(float)
    if siting_weight is not None:
        w = column(siting_weight, "--siting-weight")
        return w, {"siting_weight": str(siting_weight), "siting_weight_total": float(w[pts.valid].sum())}
    w = base.copy()
    used = {}
    for name, factor in (weight_groups or {}).items():  # given here (checked above)
        try:
            f = float(factor)
        except (TypeError, ValueError):
            f = float("nan")
        if not np.isfinite(f) or f < 0:
            msg = f"weight of group {name!r} is {factor!r}; give a number of 0 or more, like 老年人=2."
            raise CoverageInputError(msg)
        w += (f - 1.0) * column(name, "--weight-groups")
        used[str(name)] = f
    if (w[pts.valid] < 0).any():
        i = np.flatnonzero(pts.valid & (w < 0))
        msg = (
            f"--weight-groups makes the weight negative in {pts.label} {pts.rows(i[:5])}: a group count is "
            "larger than the households there; check the columns or use weights of 1 or more."
        )
        raise CoverageInputError(msg)
    return w, {
        "group_weights": used,
        "weight_rule": "each household of a named group counts its weight, every other household 1",
        "siting_weight_total": float(w[pts.valid].sum()),
        "households_total": float(base[pts.valid].sum()),
    }


def _median_walk(
    result,
    *,
    k,
    target_share,
    objective,
    candidates,
    spacing_m,
    method,
    time_limit_s,
    id_col,
    crs,
    weights,
    group_info,
) -> SitingResult:
    """p-median / p-center over walking distances (gated access included), the existing stations kept.

    Every valid household is a demand row; its cost to the existing stations
    is the assessment's walk. Candidate walks are exact up to the cap: the
    assessment's horizon when it has one, else twice the threshold (a
    household further than that from every station and chosen site counts
    at the cap, and is reported). Households beyond every station and every
    candidate are reported, never dropped silently.
    """
    from .median import Pairs, evaluate, solve_median
    from .result import median_sites, median_summary

    if target_share is not None or k is None:
        msg = f"objective={objective!r} takes k (the number of new sites: --k), not a target share."
        raise CoverageInputError(msg)
    check_goal(k, None)
    t0 = time.perf_counter()
    net = result.network
    pts = result.household_points
    valid = pts.valid & result.access.on_network
    w = (pts.weight if weights is None else weights).astype(float)
    threshold_m = result.params["threshold_m"]
    v = result.summary.speed_kph / 3.6
    cap_m = result.params["horizon_min"] * 60 * v if result.params.get("horizon_min") else 2 * threshold_m
    cap_m = max(cap_m, threshold_m)
    walk = result.households["walk_m"].to_numpy(dtype=float)
    base = np.where(valid & np.isfinite(walk), walk, np.inf)
    cand_gdf = _candidate_places(result, candidates, spacing_m)
    t_cand = time.perf_counter()
    if len(cand_gdf):
        cl = _locate_candidates(
            net, cand_gdf, result, user_file=candidates is not None, id_col=id_col, crs=crs
        )
        reach = station_reach(net, cl.snap, cap_m, progress=True)
        walks = result.access.within(net, cl.snap, reach, cap_m, walk=True).tocoo()
        keep = valid[walks.row]
        pairs = Pairs(
            walks.row[keep].astype(np.int64),
            walks.col[keep].astype(np.int64),
            walks.data[keep].astype(float),
            pts.weight.size,
            len(cl.points.ids),
        )
        labels = list(cl.points.ids)
    else:
        cl, labels = None, []
        pairs = Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), pts.weight.size, 0)
    t_sets = time.perf_counter()
    w_rows = np.where(valid, w, 0.0)
    sol = solve_median(
        pairs,
        w_rows,
        base,
        k=int(k),
        objective=objective,
        cap=cap_m,
        method=method,
        time_limit_s=time_limit_s,
    )
    # unreachable rows among households that are not on the network at all are reported as such too
    not_valid = ~valid
    w_valid = float(w_rows[~sol.unreachable].sum())
    # coverage at the threshold, before and after each site in rank order (for the maps and the meeting pack)
    # in plain households, whatever the siting weights (the map and the brief speak of households)
    total_w = pts.valid_weight
    h_rows = np.where(valid, pts.weight, 0.0)
    before_cost, _ = evaluate(pairs, base, cap_m, [])
    cov_before = float(h_rows[before_cost <= threshold_m + 1e-9].sum())
    cov_after = []
    for i in range(len(sol.columns)):
        c_i, _ = evaluate(pairs, base, cap_m, sol.columns[: i + 1])
        cov_after.append(float(h_rows[c_i <= threshold_m + 1e-9].sum()))
    added = np.diff(np.r_[cov_before, cov_after]) if cov_after else np.zeros(0)
    rows = np.asarray(sol.columns, dtype=np.int64)
    extra = {
        "households_added": np.round(added, 6),
        "covered_share_after": np.asarray(cov_after) / total_w if total_w else np.asarray(cov_after),
    }
    if cl is not None and rows.size:
        extra.update({"lon": np.round(cl.points.lon[rows], 7), "lat": np.round(cl.points.lat[rows], 7)})
        for col in ("name", "source"):
            if col in cl.points.frame.columns:
                extra[col] = cl.points.frame[col].to_numpy()[rows]
    frame = median_sites(sol, labels, w_valid, extra)
    if "mean_cost_after" in frame:
        frame = frame.rename(columns={"mean_cost_after": "mean_walk_m_after"})
    geometry = cl.points.frame.geometry.values[rows] if (cl is not None and rows.size) else []
    crs_out = cl.points.frame.crs if cl is not None else result.households.crs
    sites = gpd.GeoDataFrame(frame, geometry=geometry, crs=crs_out)
    order = (
        "rank",
        "id",
        "lon",
        "lat",
        "households_assigned",
        "households_added",
        "covered_share_after",
        "objective_after",
        "mean_walk_m_after",
        "name",
        "source",
        "geometry",
    )
    sites = sites[[c for c in order if c in sites.columns]]
    summary = median_summary(
        sol,
        np.where(pts.valid, w, 0.0),
        k=int(k),
        extra={
            "cost_unit": "m",
            "cap_m": cap_m,
            "n_fixed": len(result.station_points.ids),
            "threshold_min": result.summary.threshold_min,
            "speed_kph": result.summary.speed_kph,
            "households_added": float(sum(added)),
            "covered_share_before": cov_before / total_w if total_w else None,
            "covered_share_after": (cov_after[-1] if cov_after else cov_before) / total_w
            if total_w
            else None,
            "households_not_on_network": int((pts.valid & not_valid).sum()),
            **group_info,
            "seconds": {
                "candidates": t_cand - t0,
                "walks": t_sets - t_cand,
                "solve": sol.seconds,
                "total": time.perf_counter() - t0,
            },
        },
    )
    summary["problem"] = {
        "median": "p-median (least total walk)",
        "center": "p-center (shortest longest walk)",
    }[objective]
    log.info(
        "Siting (%s): %d candidates -> %d used; %d households beyond every station and candidate",
        objective,
        len(labels),
        summary.get("candidates_used", 0),
        summary["rows_unreachable"],
    )
    return SitingResult(
        sites=sites,
        summary=summary,
        problem=empty_problem(total_w),
        candidates=cand_gdf,
        analysis=result.summary.to_dict(),
    )


def sites_result(
    siting, cand_gdf, cand_pts, labels, analysis, *, t0, t_cand, t_sets, crs_out
) -> SitingResult:
    """The :class:`SitingResult` of a solved covering problem (shared by one run and tiled runs)."""
    p = siting.problem
    rows = siting.columns
    extra = {}
    if cand_pts is not None:
        extra = {"lon": np.round(cand_pts.lon[rows], 7), "lat": np.round(cand_pts.lat[rows], 7)}
        for col in ("name", "source"):
            if col in cand_pts.frame.columns:
                extra[col] = cand_pts.frame[col].to_numpy()[rows]
    frame = sites_frame(siting, labels, extra)
    geometry = cand_pts.frame.geometry.values[rows] if (cand_pts is not None and rows.size) else []
    sites = gpd.GeoDataFrame(frame, geometry=geometry, crs=crs_out)
    sites = sites[
        [
            c
            for c in (
                "rank",
                "id",
                "lon",
                "lat",
                "households_added",
                "covered_share_after",
                "name",
                "source",
                "geometry",
            )
            if c in sites.columns
        ]
    ]
    summary = {
        **siting.summary,
        "threshold_min": analysis.threshold_min,
        "speed_kph": analysis.speed_kph,
        "seconds": {
            "candidates": t_cand - t0,
            "coverage_sets": t_sets - t_cand,
            "solve": siting.solution.seconds,
            "total": time.perf_counter() - t0,
        },
    }
    return SitingResult(
        sites=sites,
        summary=summary,
        problem=p,
        candidates=cand_gdf,
        curve=curve_rows(siting, labels),
        analysis=analysis.to_dict(),
    )


def _locate_candidates(net, cand_gdf, result, *, user_file: bool, id_col: str, crs: CRSLike):
    """Candidates read, checked and snapped.

    The CRS option is for the user's candidates file, never for places the library made (network places and
    facilities are WGS-84 already).
    """
    return locate(
        net,
        cand_gdf,
        role="candidates",
        id_col=id_col,
        crs=crs if user_file else None,
        max_snap_m=result.params["max_snap_m"],
        check_crs=user_file,
    )


def _candidate_places(result, candidates, spacing_m):
    """The candidates given, or network places near the gaps plus the extract's community facilities."""
    if candidates is not None:
        return candidates
    cand = auto_candidates(result, spacing_m=spacing_m)
    src = result.params["network"].get("source", "")
    return with_osm_facilities(cand, src) if str(src).lower().endswith(".pbf") else cand


def _capacitated(
    result, *, k, target_share, candidates, spacing_m, method, time_limit_s, id_col, crs, new_capacity
) -> SitingResult:
    """Maximal capacitated covering over walking distance (see :func:`suggest_sites`)."""
    from scipy import sparse

    t0 = time.perf_counter()
    if result.capacity is None:
        msg = (
            "new_capacity needs station capacities: assess(..., capacity=... or staff=... with caseload=...)."
        )
        raise CoverageInputError(msg)
    check_goal(k, target_share)
    if not np.isfinite(new_capacity) or new_capacity <= 0:
        msg = f"new_capacity={new_capacity} must be a positive number of households (--new-capacity)."
        raise CoverageInputError(msg)
    net = result.network
    threshold_m = result.params["threshold_m"]
    cand_gdf = _candidate_places(result, candidates, spacing_m)
    acc = result.access
    st_pairs = acc.within(net, result.station_snap, result.reach, threshold_m)
    n_st = st_pairs.shape[1]
    if len(cand_gdf):
        cl = _locate_candidates(
            net, cand_gdf, result, user_file=candidates is not None, id_col=id_col, crs=crs
        )
        c_pairs = acc.within(net, cl.snap, station_reach(net, cl.snap, threshold_m), threshold_m)
        labels = [str(i) for i in result.station_points.ids] + [str(i) for i in cl.points.ids]
    else:
        cl, c_pairs, labels = None, sparse.csr_matrix((acc.n, 0)), [str(i) for i in result.station_points.ids]
    cover = sparse.hstack([st_pairs, c_pairs], format="csr")
    cap = np.concatenate([result.capacity, np.full(c_pairs.shape[1], float(new_capacity))])
    fixed = np.r_[np.ones(n_st, dtype=bool), np.zeros(c_pairs.shape[1], dtype=bool)]
    # candidates that reach nobody cannot serve anyone: leave them out of the problem
    reach_any = np.asarray(cover.sum(axis=0)).ravel() > 0
    cols = np.flatnonzero(fixed | reach_any)
    w = np.where(result.household_points.valid, result.household_points.weight, 0.0)
    r = solve_capacitated(
        cover[:, cols],
        w,
        cap[cols],
        fixed=fixed[cols],
        k=None if k is None else int(k),
        time_limit_s=time_limit_s,
        method=method,
        target_weight=None if k is not None else target_share * result.household_points.valid_weight,
    )
    r["columns"] = [int(cols[c]) for c in r["columns"]]
    rows = np.array([c - n_st for c in r["columns"]], dtype=np.int64)
    extra = {}
    if cl is not None and rows.size:
        extra = {"lon": np.round(cl.points.lon[rows], 7), "lat": np.round(cl.points.lat[rows], 7)}
    frame = (
        (
            lambda df: gpd.GeoDataFrame(
                df,
                geometry=cl.points.frame.geometry.values[rows] if rows.size else [],
                crs=cl.points.frame.crs,
            )
        )
        if cl is not None
        else None
    )
    out = capacitated_result(
        r,
        labels,
        total_weight=result.household_points.valid_weight,
        sites_extra=extra,
        seconds=time.perf_counter() - t0,
        frame=frame,
        extra={
            "new_capacity": float(new_capacity),
            "threshold_min": result.summary.threshold_min,
            "candidates_in": int(c_pairs.shape[1]),
            "candidates_used": int(len(cols) - n_st),
        },
    )
    return SitingResult(
        sites=out.sites,
        summary=out.summary,
        problem=out.problem,
        candidates=cand_gdf,
        analysis=result.summary.to_dict(),
    )


def _capacitated_median_walk(
    result, *, k, target_share, candidates, spacing_m, time_limit_s, id_col, crs, new_capacity
) -> SitingResult:
    """Capacitated p-median over walks: each station serves at most its capacity, the total walk least.

    A point's households may be split between stations. Stations keep their
    capacities; a new site gets ``new_capacity``. Households no open station
    can take within the cap (as in :func:`_median_walk`) count at the cap and
    are reported; ``served_share_after`` is the share served within the
    threshold and the capacities.
    """
    from scipy import sparse

    from .median import Pairs, solve_capacitated_median, transport
    from .result import median_sites, median_summary

    if result.capacity is None:
        msg = (
            "new_capacity needs station capacities: assess(..., capacity=... or staff=... with caseload=...)."
        )
        raise CoverageInputError(msg)
    if target_share is not None or k is None:
        msg = "objective='median' takes k (the number of new sites: --k), not a target share."
        raise CoverageInputError(msg)
    check_goal(k, None)
    if not np.isfinite(new_capacity) or new_capacity <= 0:
        msg = f"new_capacity={new_capacity} must be a positive number of households (--new-capacity)."
        raise CoverageInputError(msg)
    t0 = time.perf_counter()
    net, pts, acc = result.network, result.household_points, result.access
    valid = pts.valid & acc.on_network
    threshold_m = result.params["threshold_m"]
    v = result.summary.speed_kph / 3.6
    cap_m = max(
        threshold_m,
        result.params["horizon_min"] * 60 * v if result.params.get("horizon_min") else 2 * threshold_m,
    )
    st_walk = acc.within(
        net, result.station_snap, station_reach(net, result.station_snap, cap_m), cap_m, walk=True
    )
    cand_gdf = _candidate_places(result, candidates, spacing_m)
    n_st = st_walk.shape[1]
    if len(cand_gdf):
        cl = _locate_candidates(
            net, cand_gdf, result, user_file=candidates is not None, id_col=id_col, crs=crs
        )
        c_walk = acc.within(net, cl.snap, station_reach(net, cl.snap, cap_m), cap_m, walk=True)
        labels = [str(i) for i in result.station_points.ids] + [str(i) for i in cl.points.ids]
    else:
        cl, c_walk, labels = None, sparse.csr_matrix((acc.n, 0)), [str(i) for i in result.station_points.ids]
    walks = sparse.hstack([st_walk, c_walk], format="coo")
    keep = valid[walks.row]
    pairs = Pairs(
        walks.row[keep].astype(np.int64),
        walks.col[keep].astype(np.int64),
        walks.data[keep].astype(float),
        acc.n,
        walks.shape[1],
    )
    capc = np.r_[result.capacity, np.full(c_walk.shape[1], float(new_capacity))]
    fixed = np.r_[np.ones(n_st, dtype=bool), np.zeros(c_walk.shape[1], dtype=bool)]
    w = np.where(valid, pts.weight, 0.0)
    sol = solve_capacitated_median(
        pairs, w, capc, fixed=fixed, k=int(k), cap=cap_m, time_limit_s=time_limit_s
    )
    total_w = float(pts.weight[pts.valid].sum())
    near = pairs.cost <= threshold_m + 1e-9

    def served_within(open_mask):
        return float(
            transport(pairs, np.where(sol.unreachable, 0.0, w), capc, open_mask, cap_m)[1][near].sum()
        )

    before = served_within(fixed)
    after = []
    for i in range(len(sol.columns)):
        mask = fixed.copy()
        mask[sol.columns[: i + 1]] = True
        after.append(served_within(mask))
    rows = np.asarray(sol.columns, dtype=np.int64) - n_st
    extra = {
        "households_added": np.round(np.diff(np.r_[before, after]), 6) if after else np.zeros(0),
        "served_share_after": np.asarray(after) / total_w if total_w else np.asarray(after),
    }
    if cl is not None and rows.size:
        extra.update({"lon": np.round(cl.points.lon[rows], 7), "lat": np.round(cl.points.lat[rows], 7)})
    w_valid = float(w[~sol.unreachable].sum())
    frame = median_sites(sol, labels, w_valid, extra).rename(columns={"mean_cost_after": "mean_walk_m_after"})
    geometry = cl.points.frame.geometry.values[rows] if (cl is not None and rows.size) else []
    sites = gpd.GeoDataFrame(
        frame, geometry=geometry, crs=cl.points.frame.crs if cl is not None else result.households.crs
    )
    order = (
        "rank",
        "id",
        "lon",
        "lat",
        "households_assigned",
        "households_added",
        "served_share_after",
        "objective_after",
        "mean_walk_m_after",
        "geometry",
    )
    sites = sites[[c for c in order if c in sites.columns]]
    summary = median_summary(
        sol,
        w,
        k=int(k),
        extra={
            "cost_unit": "m",
            "cap_m": cap_m,
            "n_fixed": n_st,
            "new_capacity": float(new_capacity),
            "splitting": "allowed",
            "threshold_min": result.summary.threshold_min,
            "speed_kph": result.summary.speed_kph,
            "households_added": float(sum(after[-1:]) - before) if after else 0.0,
            "covered_share_before": before / total_w if total_w else None,
            "covered_share_after": (after[-1] if after else before) / total_w if total_w else None,
            "served_share_before": before / total_w if total_w else None,
            "served_share_after": (after[-1] if after else before) / total_w if total_w else None,
            "candidates_in": int(c_walk.shape[1]),
            "seconds": {"total": time.perf_counter() - t0, "solve": sol.seconds},
        },
    )
    return SitingResult(
        sites=sites,
        summary=summary,
        problem=empty_problem(total_w),
        candidates=cand_gdf,
        analysis=result.summary.to_dict(),
    )
