"""Candidate sites for new stations: network places near the gaps, and community facilities from OSM."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np

log = logging.getLogger(__name__)


def auto_candidates(result, *, spacing_m: float = 150.0) -> gpd.GeoDataFrame:
    """Network locations near uncovered households, thinned to one per ``spacing_m`` grid cell.

    Takes the network nodes within the threshold walk of some uncovered
    household (crow-fly pre-filter, then exact coverage sets drop the rest)
    and keeps, per square cell of ``spacing_m``, the node nearest the cell
    centre. Deterministic.
    """
    hs = result.household_snap
    unc = (result.households["status"].astype(str) == "uncovered").to_numpy()
    return candidates_near(
        result.network, hs.px[unc], hs.py[unc], result.params["threshold_m"], spacing_m=spacing_m
    )


def candidates_near(net, px, py, threshold_m: float, *, spacing_m: float = 150.0) -> gpd.GeoDataFrame:
    """Network nodes within ``threshold_m`` (crow-fly) of the points (work CRS),
    one per ``spacing_m`` cell."""
    from scipy.spatial import cKDTree

    if len(px) == 0:
        return gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    xy = net.xy
    tree = cKDTree(np.column_stack([px, py]))
    d, _ = tree.query(xy, distance_upper_bound=threshold_m)
    near = np.flatnonzero(np.isfinite(d) & net.ground_node)  # stations stand on the ground
    if near.size == 0:
        return gpd.GeoDataFrame({"id": [], "source": []}, geometry=[], crs="EPSG:4326")
    cell = np.floor(xy[near] / spacing_m).astype(np.int64)
    centre = (cell + 0.5) * spacing_m
    dist_c = np.hypot(*(xy[near] - centre).T)
    order = np.lexsort((near, dist_c, cell[:, 1], cell[:, 0]))
    cs = cell[order]
    first = np.r_[True, (cs[1:] != cs[:-1]).any(axis=1)]
    pick = np.sort(near[order][first])
    return gpd.GeoDataFrame(
        {"id": [f"node{int(net.node_id[i])}" for i in pick], "source": "network"},
        geometry=gpd.points_from_xy(net.lon[pick], net.lat[pick]),
        crs="EPSG:4326",
    )


def with_osm_facilities(cand: gpd.GeoDataFrame, pbf_path) -> gpd.GeoDataFrame:
    """Add community facilities and public buildings from the OSM extract to the candidates."""
    import pandas as pd

    from ..osm import facilities

    try:
        fac = facilities(
            pbf_path,
            amenities=("community_centre", "social_facility", "townhall", "library", "social_centre"),
        )
    except (OSError, ValueError) as exc:  # unreadable or not OSM data: a candidate source, not a requirement
        log.warning("Could not read facilities from %s: %s", pbf_path, exc)
        return cand
    if len(fac) == 0:
        return cand
    fac = fac.assign(id=["osm_" + str(i) for i in fac["id"]], source="osm " + fac["amenity"].astype(str))
    log.info("Siting: %d community facilities from the OSM extract added as candidates", len(fac))
    return gpd.GeoDataFrame(
        pd.concat([cand, fac[["id", "name", "source", "geometry"]]], ignore_index=True),
        geometry="geometry",
        crs="EPSG:4326",
    )
