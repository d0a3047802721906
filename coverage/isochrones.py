"""Walking isochrones: the area within 5/10/15 minutes of each station.

Polygons are built from the parts of the network a station actually reaches,
never from convex hulls or crow-fly circles:

1. For each band, every segment's reached part is found from the exact
   distances at its two ends (including the partial piece up to where time
   runs out, and the station's own segment).
2. The reached pieces are sampled densely and widened by the walk from the
   street that the remaining time allows, in steps, up to ``access_m``
   (default 60 m). A point whose street point is reached with ``r`` metres to
   spare is inside if it lies within ``r`` of it (capped at ``access_m``).
3. Households the walking result counts as covered but which sit deeper than
   ``access_m`` from their street get the straight corridor of their access
   walk added, so the polygon contains every household that is within the
   band of that station (the honesty rule), and little else.
4. This is done on a fine grid (``cell_m``, default 10 m) and traced into
   polygons with contourpy (matplotlib's contouring library). Holes (rail
   yards, walled compounds, water not reached) are kept. The grid is dilated
   by one cell so the traced outline never cuts a marked cell.

Coverage itself is always decided from distances, never from these polygons;
the polygons are for maps.
"""

from __future__ import annotations

import logging
import time

import geopandas as gpd
import numpy as np
import shapely
from scipy import ndimage

from .reach import node_distances, station_reach, within_pairs

log = logging.getLogger(__name__)

#: Walk from the street allowed in the polygons, metres.
ACCESS_M = 60.0
#: Grid cell size for tracing polygons, metres.
CELL_M = 10.0
#: Number of steps in which the access widening grows with the time left.
ACCESS_STEPS = 3


def _pieces(network, dist, limit_m, station_edge=None, station_along=None, station_budget=None):
    """Reached pieces of segments: arrays (a_xy, b_xy, d_a, d_b) with distances at both ends."""
    xy = network.xy
    L = network.edge_length_m
    du = dist[network.edge_u]
    dv = dist[network.edge_v]
    ru = limit_m - du
    rv = limit_m - dv
    e = np.flatnonzero((ru >= 0) | (rv >= 0))
    ru_e, rv_e, Le = np.maximum(ru[e], -1), np.maximum(rv[e], -1), L[e]
    A, B = xy[network.edge_u[e]], xy[network.edge_v[e]]
    full = (ru_e + rv_e) >= Le
    out_a, out_b, out_da, out_db = [A[full]], [B[full]], [du[e][full]], [dv[e][full]]
    part = ~full
    fu = np.clip(ru_e[part] / np.maximum(Le[part], 1e-9), 0, 1)[:, None]
    fv = np.clip(rv_e[part] / np.maximum(Le[part], 1e-9), 0, 1)[:, None]
    Ap, Bp = A[part], B[part]
    m1 = ru_e[part] >= 0
    out_a.append(Ap[m1])
    out_b.append((Ap + fu * (Bp - Ap))[m1])
    out_da.append(du[e][part][m1])
    out_db.append(np.full(int(m1.sum()), limit_m))
    m2 = rv_e[part] >= 0
    out_a.append(Bp[m2])
    out_b.append((Bp + fv * (Ap - Bp))[m2])
    out_da.append(dv[e][part][m2])
    out_db.append(np.full(int(m2.sum()), limit_m))
    if station_edge is not None and station_budget > 0:
        # the station's own segment, both ways from the station
        es = int(station_edge)
        a0, b0 = xy[network.edge_u[es]], xy[network.edge_v[es]]
        t = station_along / max(L[es], 1e-9)
        p = a0 + t * (b0 - a0)
        for end, along_to_end in ((a0, station_along), (b0, L[es] - station_along)):
            f = min(1.0, station_budget / max(along_to_end, 1e-9))
            out_a.append(p[None, :])
            out_b.append((p + f * (end - p))[None, :])
            out_da.append(np.array([limit_m - station_budget]))
            out_db.append(np.array([limit_m - station_budget + f * along_to_end]))
    return (np.concatenate(out_a), np.concatenate(out_b), np.concatenate(out_da), np.concatenate(out_db))


def _samples(a, b, da, db, step):
    """Points every <= step metres along pieces, with their network distance."""
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    n = np.maximum(1, np.ceil(length / step).astype(np.int64)) + 1
    owner = np.repeat(np.arange(len(a)), n)
    j = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    t = j / np.repeat(n - 1, n)
    pts = a[owner] + t[:, None] * d[owner]
    dist = da[owner] + t * (db[owner] - da[owner])
    return pts, dist


def _trace(mask, x0, y0, cell):
    """Polygons (with holes) of a boolean grid, in work-CRS coordinates."""
    import contourpy

    if not mask.any():
        return shapely.Polygon()
    z = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2))
    z[1:-1, 1:-1] = mask
    gen = contourpy.contour_generator(z=z, fill_type=contourpy.FillType.OuterOffset)
    polys = []
    for pts, offs in zip(*gen.filled(0.5, 2.0)):
        rings = [pts[offs[i] : offs[i + 1]] for i in range(len(offs) - 1)]
        rings = [np.column_stack([x0 + (r[:, 0] - 1) * cell, y0 + (r[:, 1] - 1) * cell]) for r in rings]
        polys.append(shapely.Polygon(rings[0], rings[1:]))
    poly = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    # Remove the grid staircase. The outline is at least half a cell from any
    # marked cell (one-cell dilation), so a 0.4-cell tolerance keeps every
    # marked cell, and so every covered household, inside.
    return shapely.simplify(poly, 0.4 * cell, preserve_topology=True)


def _station_mask(pts, dist, limit_m, corridors, access_m, cell, x0, y0, shape):
    """Grid cells within the band: reached samples widened by the time left."""
    mask = np.zeros(shape, dtype=bool)
    step = access_m / ACCESS_STEPS
    ij_all = np.floor((pts - [x0, y0]) / cell).astype(np.int64)
    for k in range(ACCESS_STEPS + 1):
        sel = dist <= limit_m - k * step
        if not sel.any():
            continue
        seed = np.zeros(shape, dtype=bool)
        ij = ij_all[sel]
        seed[ij[:, 1], ij[:, 0]] = True
        # radius: (k+1) steps of access, plus sample spacing and cell diagonal
        radius = min(access_m, (k + 1) * step) + cell * 1.5
        edt = ndimage.distance_transform_edt(~seed, sampling=cell)
        mask |= edt <= radius
    if corridors is not None and len(corridors[0]):
        cp, _ = _samples(corridors[0], corridors[1], np.zeros(len(corridors[0])), np.zeros(len(corridors[0])), cell / 2)
        ij = np.floor((cp - [x0, y0]) / cell).astype(np.int64)
        ok = (ij[:, 0] >= 0) & (ij[:, 1] >= 0) & (ij[:, 0] < shape[1]) & (ij[:, 1] < shape[0])
        mask[ij[ok, 1], ij[ok, 0]] = True
    # one cell of safety so the traced outline never cuts a marked cell
    return ndimage.binary_dilation(mask, structure=np.ones((3, 3), dtype=bool))


def station_isochrones(
    network,
    station_snap,
    bands_m,
    *,
    reach=None,
    household_snap=None,
    station_rows=None,
    access_m: float = ACCESS_M,
    cell_m: float = CELL_M,
):
    """Isochrone polygons (work CRS) per station and band.

    Returns a list of (station row, band index, polygon) and the union per band.
    """
    from .topology import chains_of

    ch = chains_of(network)
    bands_m = sorted(float(b) for b in bands_m)
    limit = max(bands_m)
    if reach is None or reach.limit_m < limit - 1e-9:
        reach = station_reach(network, station_snap, limit)
    rows = np.flatnonzero(station_snap.on_network) if station_rows is None else np.asarray(station_rows)
    within = {}
    if household_snap is not None:
        for b in bands_m:
            within[b] = within_pairs(network, household_snap, station_snap, reach, b).tocsc()
    pad = access_m + 3 * cell_m
    out = []
    union_masks = {b: [] for b in bands_m}
    from ._progress import progress_bar

    for s in progress_bar(rows, desc="isochrones"):
        nodes, d = reach.rows(s)
        jd = np.full(ch.n_junctions, np.inf)
        jd[nodes] = d
        dist = node_distances(network, station_snap, jd, which=[s])
        e_s = station_snap.edge[s]
        band_data = []
        for b in bands_m:
            a, bb, da, db = _pieces(
                network, dist, b, station_edge=e_s, station_along=station_snap.along_m[s],
                station_budget=b - station_snap.access_m[s],
            )
            pts, pd_ = _samples(a, bb, da, db, cell_m / 2)
            corridors = None
            if household_snap is not None:
                col = within[b]
                hs = col.indices[col.indptr[s] : col.indptr[s + 1]]
                deep = hs[household_snap.access_m[hs] > access_m]
                if deep.size:
                    corridors = (
                        np.column_stack([household_snap.x[deep], household_snap.y[deep]]),
                        np.column_stack([household_snap.px[deep], household_snap.py[deep]]),
                    )
            band_data.append((b, pts, pd_, corridors))
        # one grid per station, spanning its largest band
        spots = [band_data[-1][1], [[station_snap.x[s], station_snap.y[s]]]]
        if band_data[-1][3] is not None:
            spots.append(band_data[-1][3][1])
        allp = np.concatenate(spots)
        x0, y0 = allp.min(axis=0) - pad
        hi = allp.max(axis=0) + pad
        shape = (int(np.ceil((hi[1] - y0) / cell_m)) + 1, int(np.ceil((hi[0] - x0) / cell_m)) + 1)
        for bi, (b, pts, pd_, corridors) in enumerate(band_data):
            mask = _station_mask(pts, pd_, b, corridors, access_m, cell_m, x0, y0, shape)
            out.append((int(s), bi, _trace(mask, x0, y0, cell_m)))
            union_masks[b].append((x0, y0, mask))
    unions = {b: _union_of_masks(union_masks[b], cell_m) for b in bands_m}
    return out, unions, reach


def _union_of_masks(items, cell):
    """Union of per-station grids on one common grid, traced once."""
    if not items:
        return shapely.Polygon()
    gx0 = min(x0 for x0, _, _ in items)
    gy0 = min(y0 for _, y0, _ in items)
    # snap origins to the common grid (each station grid is offset by a fraction of a cell)
    offs = [(int(round((x0 - gx0) / cell)), int(round((y0 - gy0) / cell)), m) for x0, y0, m in items]
    w = max(ox + m.shape[1] for ox, _, m in offs) + 1
    h = max(oy + m.shape[0] for _, oy, m in offs) + 1
    grid = np.zeros((h, w), dtype=bool)
    for ox, oy, m in offs:
        grid[oy : oy + m.shape[0], ox : ox + m.shape[1]] |= m
    # a cell of slack for the sub-cell origin shifts
    grid = ndimage.binary_dilation(grid)
    return _trace(grid, gx0, gy0, cell)


def isochrones(result, minutes=(5, 10, 15), *, access_m: float = ACCESS_M, cell_m: float = CELL_M):
    """Isochrones of a :class:`~coverage.assess.CoverageResult`.

    Returns ``(per_station, union)``: GeoDataFrames in the stations' input CRS.
    ``per_station`` has ``station_id``, ``minutes``, ``geometry``; ``union``
    has ``minutes`` and ``geometry`` (the area any station covers).
    """
    t0 = time.perf_counter()
    v = result.speed_m_s
    minutes = sorted(float(m) for m in minutes)
    bands_m = [m * 60 * v for m in minutes]
    polys, unions, _ = station_isochrones(
        result.network, result.station_snap, bands_m, reach=result.reach,
        household_snap=result.household_snap, access_m=access_m, cell_m=cell_m,
    )
    crs_out = result.stations.crs or "EPSG:4326"
    work = result.network.crs
    per = gpd.GeoDataFrame(
        {
            "station_id": [result.station_points.ids[s] for s, _, _ in polys],
            "minutes": [minutes[bi] for _, bi, _ in polys],
        },
        geometry=[g for _, _, g in polys],
        crs=work,
    ).to_crs(crs_out)
    uni = gpd.GeoDataFrame(
        {"minutes": minutes}, geometry=[unions[b] for b in bands_m], crs=work
    ).to_crs(crs_out)
    log.info("Isochrones for %d stations x %d bands in %.1f s", len(set(per["station_id"])), len(minutes),
             time.perf_counter() - t0)
    return per, uni


def isochrones_for_stations(
    network, stations, minutes=(5, 10, 15), *, profile=None, speed_kph=None, crs=None, id_col="id",
    max_snap_m=None, access_m: float = ACCESS_M, cell_m: float = CELL_M,
):
    """Isochrones of stations alone (no households): ``(per_station, union)``."""
    from . import settings
    from .locate import locate
    from .network import load_network

    net = load_network(network)
    v = settings.speed_m_s(profile, speed_kph)
    located = locate(net, stations, role="stations", id_col=id_col, crs=crs, max_snap_m=max_snap_m)
    st, snap = located.points, located.snap
    minutes = sorted(float(m) for m in minutes)
    bands_m = [m * 60 * v for m in minutes]
    polys, unions, _ = station_isochrones(net, snap, bands_m, access_m=access_m, cell_m=cell_m)
    per = gpd.GeoDataFrame(
        {"station_id": [st.ids[s] for s, _, _ in polys], "minutes": [minutes[bi] for _, bi, _ in polys]},
        geometry=[g for _, _, g in polys], crs=net.crs,
    ).to_crs(st.frame.crs)
    uni = gpd.GeoDataFrame({"minutes": minutes}, geometry=[unions[b] for b in bands_m], crs=net.crs).to_crs(st.frame.crs)
    return per, uni


def gap_areas(result, isochrones=None, *, cell_m: float = 150.0) -> gpd.GeoDataFrame:
    """The residential area left uncovered, as polygons in the households' CRS.

    Residential area is approximated by hexagonal cells (``cell_m`` across the
    flats' radius) around the uncovered households; the area that some station
    covers within the threshold (the isochrone union) is cut out. Columns:
    ``households`` (uncovered weight) and ``points`` per cell.
    """
    from ._hex import hex_cells

    net = result.network
    unc = (result.households["status"].astype(str) == "uncovered").to_numpy()
    crs_out = result.households.crs or "EPSG:4326"
    if not unc.any():
        return gpd.GeoDataFrame({"households": [], "points": []}, geometry=[], crs=crs_out)
    hs = result.household_snap
    _, _, cnt, wsum, polys = hex_cells(hs.px[unc], hs.py[unc], result.household_points.weight[unc], cell_m)
    if isochrones is None:
        isochrones = result.isochrones(minutes=[result.summary.threshold_min])
    _, uni = isochrones
    thr = uni[np.isclose(uni["minutes"], result.summary.threshold_min)]
    if len(thr):
        covered = thr.to_crs(net.crs).geometry.iloc[0]
        polys = shapely.difference(polys, covered)
    out = gpd.GeoDataFrame({"households": wsum, "points": cnt}, geometry=polys, crs=net.crs)
    out = out[~out.geometry.is_empty]
    return out.to_crs(crs_out).reset_index(drop=True)
