"""Tiled isochrones: each station drawn in the tile that holds it, on that tile's network with its halo."""

from __future__ import annotations

import logging
import time

import numpy as np

from ..locate import locate
from ..network import WalkNetwork, load_network
from ..options import WalkRules
from .cluster import executor, one_thread_on_a_worker, peak_rss_mb
from .partition import cut_network, parse_tiles, tile_extents, tile_gates, untiled_profile

log = logging.getLogger(__name__)


def run_tile_isochrones(task: dict) -> dict:
    """One tile's isochrones (runs on a Dask worker): the stations whose point lies in the tile.

    Returns WKB polygons in the work CRS: per (station row, band index), and
    this tile's union per band.
    """
    import shapely

    from ..isochrones import station_isochrones

    one_thread_on_a_worker()
    t0 = time.perf_counter()
    net = WalkNetwork.load(task["network"])
    st = task["stations"]
    located = locate(
        net, st, role="stations", id_col="_sid", max_snap_m=task["max_snap_m"], check=False, check_crs=False
    )
    rule = None
    if task.get("compounds") is not None:
        from ..gates import gate_rule

        rule = gate_rule(
            net,
            task["compounds"],
            task["gates"],
            compound_id_col="compound_id",
            max_snap_m=task["max_snap_m"],
        )
    polys, unions, _ = station_isochrones(
        net, located.snap, task["bands_m"], cell_m=task["cell_m"], max_snap_m=task["max_snap_m"], gates=rule
    )
    rows = st["_row"].to_numpy()
    return {
        "tile": task["tile"],
        "station": [int(rows[s]) for s, _, _ in polys],
        "band": [b for _, b, _ in polys],
        "wkb": shapely.to_wkb(np.array([g for _, _, g in polys], dtype=object)),
        "union": {float(k): shapely.to_wkb(v) for k, v in unions.items()},
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
    }


def isochrones_tiled(
    network,
    stations,
    minutes=None,
    *,
    tiles,
    scheduler=None,
    profile=None,
    speed_kph=None,
    crs=None,
    id_col="id",
    max_snap_m=None,
    cell_m: float = 10.0,
    read_options=None,
    halo=None,
    compounds=None,
    gates=None,
    compound_id_col=None,
    compound_options=None,
    gate_options=None,
    gate_rule=None,
    rules=None,
):
    """Per-station isochrones and their union per band, tile by tile: ``(per_station, union)``.

    Each station is drawn in the tile that holds it, on that tile's network
    with a halo of the largest band plus twice ``max_snap_m``: the same
    polygons as :func:`~coverage.isochrones.isochrones_for_stations` (the
    raster cells lie on the same 10 m lattice). The union per band is the
    union of the tiles' unions. With gated compounds (``compounds`` and
    ``gates``, or a ``gate_rule`` already built), cells inside them are
    reached through their gates.
    """
    import geopandas as gpd
    import shapely

    rules = WalkRules.resolve(
        rules,
        lambda: WalkRules.for_bands(minutes, profile=profile, speed_kph=speed_kph, max_snap_m=max_snap_m),
        minutes=minutes,
        profile=profile,
        speed_kph=speed_kph,
        max_snap_m=max_snap_m,
    )
    untiled_profile(rules.profile)
    net = load_network(network)
    v, max_snap_m, minutes = rules.speed_m_s, rules.max_snap_m, list(rules.cutoffs_min)
    bands_m = [m * 60 * v for m in minutes]
    tiling = parse_tiles(tiles, net)
    sl = locate(
        net,
        stations,
        role="stations",
        id_col=id_col,
        crs=crs,
        max_snap_m=max_snap_m,
        read_options=read_options,
    )
    halo = max(max(bands_m) + 2 * max_snap_m, halo or 0.0)  # a wider cut (the analysis's) serves too
    if gate_rule is None and (compounds is not None or gates is not None):
        from ..gates import gate_rule as build_rule

        gate_rule = build_rule(
            net,
            compounds,
            gates,
            crs=crs,
            compound_id_col=compound_id_col,
            compound_options=compound_options,
            gate_options=gate_options,
            max_snap_m=max_snap_m,
        )
    on = np.flatnonzero(sl.snap.on_network)
    tile = tiling.tile_of(sl.snap.px[on], sl.snap.py[on])
    tiling = tiling.grown(tile_extents(tile, sl.snap.px[on], sl.snap.py[on], len(tiling)))
    files = cut_network(net, tiling, halo)
    frame = sl.points.frame.to_crs("EPSG:4326") if sl.points.frame.crs is not None else sl.points.frame
    frame = gpd.GeoDataFrame(
        {"_sid": np.arange(len(frame)), "_row": np.arange(len(frame))},
        geometry=frame.geometry.values,
        crs="EPSG:4326",
    )
    tasks = [
        {
            "tile": int(t),
            "network": files[t],
            "stations": frame.iloc[on[tile == t]].reset_index(drop=True),
            "bands_m": bands_m,
            "cell_m": cell_m,
            "max_snap_m": max_snap_m,
            **tile_gates(gate_rule, tiling.regions[t], max(bands_m) + max_snap_m),
        }
        for t in np.unique(tile)
    ]
    run, close = executor(scheduler)
    try:
        results = run(run_tile_isochrones, tasks)
    finally:
        close()
    station = (
        np.concatenate([np.asarray(r["station"], dtype=np.int64) for r in results])
        if results
        else np.zeros(0, int)
    )
    band = (
        np.concatenate([np.asarray(r["band"], dtype=np.int64) for r in results])
        if results
        else np.zeros(0, int)
    )
    geoms = (
        shapely.from_wkb(np.concatenate([r["wkb"] for r in results]))
        if results
        else np.zeros(0, dtype=object)
    )
    order = np.lexsort((band, station))
    ids = sl.points.ids
    per = gpd.GeoDataFrame(
        {"station_id": ids[station[order]], "minutes": np.asarray(minutes)[band[order]]},
        geometry=geoms[order],
        crs=net.crs,
    )
    unions = [
        shapely.union_all(shapely.from_wkb([r["union"][float(b)] for r in results]))
        if results
        else shapely.Polygon()
        for b in bands_m
    ]
    uni = gpd.GeoDataFrame({"minutes": minutes}, geometry=unions, crs=net.crs)
    crs_out = sl.points.frame.crs or "EPSG:4326"
    log.info("Tiled isochrones: %d stations in %d tiles", len(on), len(tasks))
    return per.to_crs(crs_out), uni.to_crs(crs_out)
