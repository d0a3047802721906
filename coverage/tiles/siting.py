"""Tiled siting: each tile sends back its candidates' coverage sets, and one covering problem is solved."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..locate import locate
from ..network import WalkNetwork, load_network
from .cluster import executor, one_thread_on_a_worker
from .partition import cut_network, parse_tiles, stations_near, tile_gates

if TYPE_CHECKING:
    from .run import TiledResult

log = logging.getLogger(__name__)


def run_tile_cover(task: dict) -> dict:
    """One tile's coverage sets (runs on a Dask worker): which candidates bring its uncovered households
    within the threshold. Returns (household input row, candidate index) pairs."""
    import geopandas as gpd

    from ..access import Access
    from ..reach import station_reach

    one_thread_on_a_worker()
    t0 = time.perf_counter()
    net = WalkNetwork.load(task["network"])
    hh = gpd.read_parquet(task["tile_out"], columns=["geometry", "_row", "status"])
    hh = hh[hh["status"].astype(str) == "uncovered"].reset_index(drop=True)
    hl = locate(
        net,
        gpd.GeoDataFrame({"_id": hh["_row"].to_numpy()}, geometry=hh.geometry.values, crs=hh.crs),
        role="households",
        id_col="_id",
        max_snap_m=task["max_snap_m"],
        check=False,
        check_crs=False,
    )
    cl = locate(
        net,
        task["candidates"],
        role="candidates",
        id_col="_cid",
        max_snap_m=task["max_snap_m"],
        check=False,
        check_crs=False,
    )
    reach = station_reach(net, cl.snap, task["threshold_m"])
    access = Access.open(hl.snap)
    if task.get("compounds") is not None:  # households in gated compounds walk through their gates
        from ..gates import gate_rule

        access = gate_rule(
            net,
            task["compounds"],
            task["gates"],
            compound_id_col="compound_id",
            max_snap_m=task["max_snap_m"],
            households=hl.points,
            household_snap=hl.snap,
        ).access
    m = access.within(net, cl.snap, reach, task["threshold_m"]).tocoo()
    return {
        "tile": task["tile"],
        "row": hh["_row"].to_numpy()[m.row],
        "candidate": task["candidates"]["_cid"].to_numpy()[m.col],
        "seconds": time.perf_counter() - t0,
    }


def suggest_sites_tiled(
    result: TiledResult,
    network,
    *,
    k=None,
    target_share=None,
    candidates=None,
    spacing_m: float = 150.0,
    min_spacing_m=None,
    method: str = "exact",
    time_limit_s=60.0,
    curve_max_k=None,
    id_col: str = "id",
    crs=None,
    scheduler=None,
):
    """New station sites for a tiled run: one global problem from the tiles' coverage sets.

    Candidates are chosen as :func:`~coverage.siting.suggest_sites` chooses
    them (network places near the uncovered households, from the whole
    network, plus the extract's community facilities), each tile computes
    which candidates within its halo bring its uncovered households within
    the threshold, and the covering problem is solved once over all of them:
    the same sites as one run.
    """
    import geopandas as gpd
    from scipy import sparse

    from ..siting import candidates_near, check_goal, sites_result, solve_covering, with_osm_facilities
    from .partition import halo_m as halo_for

    check_goal(k, target_share)
    t0 = time.perf_counter()
    net = load_network(network)
    p = result.params
    unc_parts = []
    for f in result.tile_files:
        part = gpd.read_parquet(f, columns=["geometry", "_row", "_weight", "status"])
        unc_parts.append(part[part["status"].astype(str) == "uncovered"])
    unc = pd.concat(unc_parts, ignore_index=True).sort_values("_row", kind="stable") if unc_parts else None
    rows = unc["_row"].to_numpy() if unc is not None else np.zeros(0, dtype=np.int64)
    if candidates is None:
        pts = gpd.GeoSeries(unc.geometry.values, crs="EPSG:4326").to_crs(net.crs) if rows.size else None
        cand = candidates_near(
            net,
            pts.x.to_numpy() if rows.size else [],
            pts.y.to_numpy() if rows.size else [],
            p["threshold_m"],
            spacing_m=spacing_m,
        )
        src = str(net.meta.get("source", ""))
        cand_gdf = with_osm_facilities(cand, src) if src.lower().endswith(".pbf") else cand
    else:
        cand_gdf = candidates
    t_cand = time.perf_counter()
    # the CRS option is for the user's candidates file, never for places the library made (WGS-84 already)
    cl = locate(
        net,
        cand_gdf,
        role="candidates",
        id_col=id_col,
        crs=crs if candidates is not None else None,
        max_snap_m=p["max_snap_m"],
        check_crs=candidates is not None,
    )
    tiling = result.tiling if result.tiling is not None else parse_tiles(p["tiles"], net)
    files = cut_network(net, tiling, p["network_halo_m"])
    _, cand_halo = halo_for(p["threshold_m"], p["max_snap_m"])
    near = stations_near(tiling, cl.snap.px, cl.snap.py, cand_halo)
    cframe = cl.points.frame.to_crs("EPSG:4326") if cl.points.frame.crs is not None else cl.points.frame
    cframe = gpd.GeoDataFrame(
        {"_cid": np.arange(len(cframe))}, geometry=cframe.geometry.values, crs="EPSG:4326"
    )
    tasks = []
    for f in result.tile_files:
        t = int(Path(f).stem.split("-")[1])
        if near[t].size:
            tasks.append(
                {
                    "tile": t,
                    "network": files[t],
                    "tile_out": f,
                    "max_snap_m": p["max_snap_m"],
                    "threshold_m": p["threshold_m"],
                    "candidates": cframe.iloc[near[t]].reset_index(drop=True),
                    **tile_gates(result.gate_rule, tiling.regions[t]),
                }
            )
    run, close = executor(scheduler)
    try:
        parts = run(run_tile_cover, tasks)
    finally:
        close()
    pos = pd.Series(np.arange(rows.size), index=rows)
    r = np.concatenate([x["row"] for x in parts]) if parts else np.zeros(0, dtype=np.int64)
    c = np.concatenate([x["candidate"] for x in parts]) if parts else np.zeros(0, dtype=np.int64)
    cover = sparse.csr_matrix(
        (np.ones(r.size, dtype=bool), (pos.loc[r].to_numpy(), c)), shape=(rows.size, len(cl.points))
    )
    t_sets = time.perf_counter()
    w_unc = unc["_weight"].to_numpy(dtype=float) if unc is not None else np.zeros(0)
    siting = solve_covering(
        cover,
        w_unc,
        total_weight=result.summary.weight_total,
        covered_weight=result.summary.weight_covered,
        k=k,
        target_share=target_share,
        method=method,
        time_limit_s=time_limit_s,
        xy=np.column_stack([cl.snap.px, cl.snap.py]),
        min_spacing_m=min_spacing_m,
        curve_max_k=curve_max_k,
    )
    log.info(
        "Tiled siting: %d candidates, %d uncovered households, coverage sets from %d tiles",
        len(cl.points),
        rows.size,
        len(tasks),
    )
    return sites_result(
        siting,
        cand_gdf,
        cl.points,
        list(cl.points.ids),
        result.summary,
        t0=t0,
        t_cand=t_cand,
        t_sets=t_sets,
        crs_out=cl.points.frame.crs,
    )
