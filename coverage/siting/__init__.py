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

import geopandas as gpd
import numpy as np

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
    new_capacity: float | None = None,
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
    """
    check_goal(k, target_share)
    for name, value, ok in (("spacing_m", spacing_m, spacing_m is not None and spacing_m > 0),
                            ("min_spacing_m", min_spacing_m, min_spacing_m is None or min_spacing_m >= 0),
                            ("time_limit_s", time_limit_s, time_limit_s is not None and time_limit_s > 0)):
        if not ok or (value is not None and not np.isfinite(value)):
            msg = f"{name}={value} must be a positive number (--{name.replace('_', '-')})."
            raise CoverageInputError(msg)
    if new_capacity is not None:
        return _capacitated(result, k=k, target_share=target_share, candidates=candidates, spacing_m=spacing_m,
                            method=method, time_limit_s=time_limit_s, id_col=id_col, crs=crs,
                            new_capacity=new_capacity)
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
    w_all = result.household_points.weight
    if len(cand_gdf):
        # the CRS option is for the user's candidates file, never for places the library made (WGS-84 already)
        cl = locate(net, cand_gdf, role="candidates", id_col=id_col, crs=crs if candidates is not None else None,
                    max_snap_m=result.params["max_snap_m"], check_crs=candidates is not None)
        cand_pts, c_snap = cl.points, cl.snap
        reach = station_reach(net, c_snap, threshold_m, progress=True)
        cover = result.access.subset(unc).within(net, c_snap, reach, threshold_m)
        xy = np.column_stack([c_snap.px, c_snap.py])
        labels = list(cand_pts.ids)
    else:
        cand_pts, cover, xy, labels = None, np.zeros((unc.size, 0), dtype=bool), None, []
    t_sets = time.perf_counter()
    siting = solve_covering(
        cover, w_all[unc], total_weight=result.household_points.valid_weight,
        covered_weight=float(w_all[status == "covered"].sum()), k=k, target_share=target_share,
        method=method, time_limit_s=time_limit_s, xy=xy, min_spacing_m=min_spacing_m, curve_max_k=curve_max_k,
    )
    return sites_result(siting, cand_gdf, cand_pts, labels, result.summary, t0=t0, t_cand=t_cand, t_sets=t_sets,
                        crs_out=cand_pts.frame.crs if cand_pts is not None else result.households.crs)


def sites_result(siting, cand_gdf, cand_pts, labels, analysis, *, t0, t_cand, t_sets, crs_out) -> SitingResult:
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
    sites = sites[[c for c in ("rank", "id", "lon", "lat", "households_added", "covered_share_after", "name",
                               "source", "geometry") if c in sites.columns]]
    summary = {
        **siting.summary,
        "threshold_min": analysis.threshold_min,
        "speed_kph": analysis.speed_kph,
        "seconds": {"candidates": t_cand - t0, "coverage_sets": t_sets - t_cand, "solve": siting.solution.seconds,
                    "total": time.perf_counter() - t0},
    }
    return SitingResult(sites=sites, summary=summary, problem=p, candidates=cand_gdf,
                        curve=curve_rows(siting, labels), analysis=analysis.to_dict())


def _candidate_places(result, candidates, spacing_m):
    """The candidates given, or network places near the gaps plus the extract's community facilities."""
    if candidates is not None:
        return candidates
    cand = auto_candidates(result, spacing_m=spacing_m)
    src = result.params["network"].get("source", "")
    return with_osm_facilities(cand, src) if str(src).lower().endswith(".pbf") else cand


def _capacitated(result, *, k, target_share, candidates, spacing_m, method, time_limit_s, id_col, crs,
                 new_capacity) -> SitingResult:
    """Maximal capacitated covering over walking distance (see :func:`suggest_sites`)."""
    from scipy import sparse

    t0 = time.perf_counter()
    if result.capacity is None:
        msg = "new_capacity needs station capacities: assess(..., capacity=... or staff=... with caseload=...)."
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
        cl = locate(net, cand_gdf, role="candidates", id_col=id_col, crs=crs if candidates is not None else None,
                    max_snap_m=result.params["max_snap_m"], check_crs=candidates is not None)
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
    r = solve_capacitated(cover[:, cols], w, cap[cols], fixed=fixed[cols], k=None if k is None else int(k),
                          time_limit_s=time_limit_s, method=method,
                          target_weight=None if k is not None else target_share * result.household_points.valid_weight)
    r["columns"] = [int(cols[c]) for c in r["columns"]]
    rows = np.array([c - n_st for c in r["columns"]], dtype=np.int64)
    extra = {}
    if cl is not None and rows.size:
        extra = {"lon": np.round(cl.points.lon[rows], 7), "lat": np.round(cl.points.lat[rows], 7)}
    frame = (lambda df: gpd.GeoDataFrame(df, geometry=cl.points.frame.geometry.values[rows] if rows.size else [],
                                         crs=cl.points.frame.crs)) if cl is not None else None
    out = capacitated_result(r, labels, total_weight=result.household_points.valid_weight, sites_extra=extra,
                             seconds=time.perf_counter() - t0, frame=frame,
                             extra={"new_capacity": float(new_capacity), "threshold_min": result.summary.threshold_min,
                                    "candidates_in": int(c_pairs.shape[1]),
                                    "candidates_used": int(len(cols) - n_st)})
    return SitingResult(sites=out.sites, summary=out.summary, problem=out.problem, candidates=cand_gdf,
                        analysis=result.summary.to_dict())
