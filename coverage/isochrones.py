"""Walking isochrones that are the verdicts drawn.

**The rule.** A location belongs to station s's t-minute area if, and only if,
a household placed there would be within t minutes of s under the analysis's
own rules: it snaps to its nearest walkable segment within ``max_snap_m``, and
its access walk plus its network walk to s is at most t x speed. There are no
hulls, no widening caps and no per-household corridors: the polygons and the
household verdicts cannot contradict each other, up to the drawing
resolution (``cell_m``, 10 m by default).

**How.** The nearest-segment raster (:mod:`coverage.raster`) holds, for every
10 m cell within ``max_snap_m`` of a street, the chain its centre snaps to,
the position on that chain and the access walk; it is built once per network
and cached. For each station, the cells on the chains it reaches get their
walk in one vectorised step: ``min(d[a] + p, d[b] + L - p) + access``, with
``d`` the station's distances at the chain's end junctions (and the direct
walk along the station's own chain). The bands are then thresholds of that
walk, traced with contourpy (matplotlib's contouring library) midway between
cells in and out; holes (rail yards, water, unreached blocks) are kept. The
union per band uses the same formula with the distance to the nearest
station, so it is exactly the union of the station areas, and the gap areas
are cut from it.

Coverage itself is always decided from distances, never from these polygons;
the polygons show it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from . import settings
from ._csr import gather
from ._files import write_cache
from .options import snap_limit_m
from .reach import nearest_for_points, nearest_station, point_distances, same_chain_pairs, station_reach
from .topology import chains_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._types import CRSLike, NetworkSource, PointsSource, PolygonsSource
    from .assessment import CoverageResult
    from .options import WalkRules

log = logging.getLogger(__name__)

#: Grid cell size for the isochrones, metres.
CELL_M = 10.0


def _trace_bands(walk: np.ndarray, bands_m, r0: int, c0: int, raster) -> list:
    """Polygons (holes kept) per band from a window of cell walks (metres; inf where not reached).

    A band's area is where ``walk <= band``. The outline is the zero line of
    the slack ``band - walk``, interpolated between cell centres (marching
    squares, contourpy) with the slack clipped to one cell either way, so it
    follows the true boundary within the cell rather than a staircase. Every
    cell centre with slack >= 0 is inside. Vertices closer than a tenth of a
    cell to a straight line are dropped.
    """
    import contourpy

    cell = raster.cell_m
    ox = raster.x0 + (c0 - 0.5) * cell  # z column j is window column j - 1
    oy = raster.y0 + (r0 - 0.5) * cell
    z = np.full((walk.shape[0] + 2, walk.shape[1] + 2), -cell, dtype=np.float64)
    out = []
    for band in bands_m:
        with np.errstate(invalid="ignore"):
            z[1:-1, 1:-1] = np.clip(band - walk, -cell, cell)
        z[1:-1, 1:-1][~np.isfinite(walk)] = -cell
        polys = []
        if (z >= 0).any():
            gen = contourpy.contour_generator(z=z, fill_type=contourpy.FillType.OuterOffset)
            for pts, offs in zip(*gen.filled(0.0, 2 * cell), strict=True):
                xy = np.column_stack([ox + pts[:, 0] * cell, oy + pts[:, 1] * cell])
                polys.append(
                    shapely.Polygon(
                        xy[offs[0] : offs[1]], [xy[offs[j] : offs[j + 1]] for j in range(1, len(offs) - 1)]
                    )
                )
        out.append(
            shapely.Polygon() if not polys else polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
        )
    geoms = np.array(out, dtype=object)
    fast = shapely.simplify(geoms, 0.1 * cell, preserve_topology=False)
    bad = ~shapely.is_valid(fast)  # rare: a simplified ring crossed another; redo those carefully
    if bad.any():
        fast[bad] = shapely.simplify(geoms[bad], 0.1 * cell, preserve_topology=True)
    return list(fast)


def _window(raster, cells: np.ndarray, walk: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A dense window of the grid around ``cells`` holding their ``walk`` (inf elsewhere)."""
    row, col = np.divmod(cells, raster.nx)
    r0, c0 = int(row.min()), int(col.min())
    win = np.full((int(row.max()) - r0 + 1, int(col.max()) - c0 + 1), np.inf, dtype=np.float32)
    win[row - r0, col - c0] = walk
    return win, r0, c0


def _cell_walk(raster, ch, chains: np.ndarray, junction_dist_m: np.ndarray):
    """Every raster cell on ``chains``: (raster positions, walk in metres, start of each chain's run).

    The walk is ``min(d[a] + p, d[b] + L - p) + access`` from per-junction distances.
    """
    if chains.size == raster.chain_ptr.size - 1:  # every chain (the union): the raster's own order
        pos = np.arange(raster.cell.size)
        c = np.repeat(chains, np.diff(raster.chain_ptr))
    else:
        owner, pos = gather(raster.chain_ptr, chains)
        c = chains[owner]
    p = raster.pos_m[pos]
    walk = np.minimum(
        junction_dist_m[ch.chain_a[c]] + p, junction_dist_m[ch.chain_b[c]] + (ch.chain_len[c] - p)
    )
    counts = raster.chain_ptr[chains + 1] - raster.chain_ptr[chains]
    return pos, walk + raster.access_m[pos], np.cumsum(counts) - counts


def _direct(raster, ch, station_snap, rows, chains, starts, walk: np.ndarray) -> None:
    """Lower ``walk`` by the direct walk along each station's own chain (for the stations ``rows``)."""
    on = rows[station_snap.on_network[rows]]
    if on.size == 0:
        return
    s_chain, s_pos = ch.position(station_snap.edge[on], station_snap.along_m[on])
    k = np.searchsorted(chains, s_chain)
    for c, ki, sp, sa in zip(s_chain, k, s_pos, station_snap.access_m[on], strict=True):
        if ki >= chains.size or chains[ki] != c:
            continue
        lo, hi = raster.chain_ptr[c], raster.chain_ptr[c + 1]
        w0 = starts[ki]
        d = np.abs(raster.pos_m[lo:hi] - sp) + sa + raster.access_m[lo:hi]
        np.minimum(walk[w0 : w0 + hi - lo], d, out=walk[w0 : w0 + hi - lo])


class _GatedCells:
    """Grid cells inside gated compounds, which are reached only through their compound's gates.

    A cell belongs to the smallest compound containing its centre (as a
    household does); the cells of compounds with gates are taken out of the
    nearest-street raster and get, per station, the best over their
    compound's gates of (straight walk to the gate + the gate's network walk).
    """

    def __init__(self, raster, rule):
        import shapely

        cell = raster.cell_m
        cells, comps = [], []
        shapely.prepare(rule.compound_xy)
        for c, poly in enumerate(rule.compound_xy):
            minx, miny, maxx, maxy = poly.bounds
            c0, c1 = int(np.floor((minx - raster.x0) / cell)), int(np.ceil((maxx - raster.x0) / cell))
            r0, r1 = int(np.floor((miny - raster.y0) / cell)), int(np.ceil((maxy - raster.y0) / cell))
            c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, raster.nx), min(r1, raster.ny)
            if c1 <= c0 or r1 <= r0:
                continue
            rr, cc = np.mgrid[r0:r1, c0:c1]
            idx = (rr * raster.nx + cc).ravel()
            x, y = raster.centres(idx)
            inside = shapely.contains_xy(poly, x, y)
            cells.append(idx[inside])
            comps.append(np.full(int(inside.sum()), c, dtype=np.int64))
        cells = np.concatenate(cells) if cells else np.zeros(0, dtype=np.int64)
        comps = np.concatenate(comps) if comps else np.zeros(0, dtype=np.int64)
        order = np.lexsort((comps, rule.area_m2[comps], cells))  # the smallest compound per cell
        cells, comps = cells[order], comps[order]
        first = np.r_[True, cells[1:] != cells[:-1]][: cells.size]
        cells, comps = cells[first], comps[first]
        gated = rule.gated[comps]
        cells, comps = cells[gated], comps[gated]
        #: raster positions (nearest-street cells) that lie in a gated compound
        grid = np.zeros(raster.nx * raster.ny, dtype=bool)
        grid[cells] = True
        self.masked = grid[raster.cell]
        ptr, use = rule.usable_gates
        owner, pos = gather(ptr, comps)
        gate = use[pos]
        cx, cy = raster.centres(cells[owner])
        straight = np.hypot(cx - rule.gate_snap.px[gate], cy - rule.gate_snap.py[gate])
        order = np.argsort(gate, kind="stable")
        self.cell, self.gate, self.straight_m = cells[owner][order], gate[order], straight[order]
        self.gate_ptr = np.concatenate([[0], np.cumsum(np.bincount(gate, minlength=len(rule.gate_snap)))])
        self.rule = rule

    def walks(self, gate_walk_m: np.ndarray, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
        """(cells, walk in metres) for the gated cells whose best gate is within ``limit_m``."""
        reached = np.flatnonzero(gate_walk_m <= limit_m)
        _, pos = gather(self.gate_ptr, reached)
        if pos.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        walk = self.straight_m[pos] + gate_walk_m[self.gate[pos]]
        cells = self.cell[pos]
        order = np.lexsort((walk, cells))
        cells, walk = cells[order], walk[order]
        first = np.r_[True, cells[1:] != cells[:-1]]
        return cells[first], walk[first]


def _gate_walks(network, gate_snap, station_snap, junction_dist_m, station_rows) -> np.ndarray:
    """Every gate's walk (its access walk included) from per-junction distances and the given stations'
    chains."""
    d, _ = point_distances(network, gate_snap, junction_dist_m)
    pi, _, dd = same_chain_pairs(network, gate_snap, station_snap.subset(station_rows))
    np.minimum.at(d, pi, dd)
    return d


def station_isochrones(
    network,
    station_snap,
    bands_m,
    *,
    reach=None,
    station_rows=None,
    cell_m: float = CELL_M,
    max_snap_m: float | None = None,
    gates=None,
):
    """Isochrone polygons (work CRS) per station and band, and the union per band.

    With ``gates`` (a :class:`~coverage.gates.GateRule`), cells inside gated
    compounds are reached through their gates, as households there are.
    Returns ``(list of (station row, band index, polygon), {band: union polygon}, reach)``.
    """
    from ._progress import progress_bar
    from .raster import snap_raster

    raster = snap_raster(network, cell_m, max_snap_m)
    ch = chains_of(network)
    bands_m = sorted(float(b) for b in bands_m)
    limit = max(bands_m)
    eps = 1e-9
    if reach is None or reach.limit_m < limit - eps:
        reach = station_reach(network, station_snap, limit)
    rows = np.flatnonzero(station_snap.on_network) if station_rows is None else np.asarray(station_rows)
    n_b = len(bands_m)
    gated = None if gates is None or not gates.gated.any() else _GatedCells(raster, gates)
    jd = np.full(ch.n_junctions, np.inf)
    out = []
    for s in progress_bar(rows, desc="isochrones"):
        nodes, d = reach.rows(s)
        jd[nodes] = d
        reached = np.zeros(ch.n_junctions, dtype=bool)
        reached[nodes] = True
        reached_chain = reached[ch.chain_a] | reached[ch.chain_b]
        reached_chain[ch.edge_chain[station_snap.edge[s]]] = True  # the station's own chain
        chains = np.flatnonzero(reached_chain)
        pos, walk, starts = _cell_walk(raster, ch, chains, jd)
        _direct(raster, ch, station_snap, np.array([s]), chains, starts, walk)
        cells = raster.cell[pos]
        if gated is not None:
            walk[gated.masked[pos]] = np.inf
            g_cells, g_walk = gated.walks(
                _gate_walks(network, gates.gate_snap, station_snap, jd, [s]), limit + raster.cell_m
            )
            cells, walk = np.concatenate([cells, g_cells]), np.concatenate([walk, g_walk])
        jd[nodes] = np.inf
        keep = walk <= limit + raster.cell_m  # a margin of cells for the interpolation
        if not (walk <= limit + eps).any():
            out += [(int(s), bi, shapely.Polygon()) for bi in range(n_b)]
            continue
        win, r0, c0 = _window(raster, cells[keep], walk[keep])
        out += [(int(s), bi, g) for bi, g in enumerate(_trace_bands(win, bands_m, r0, c0, raster))]
    return out, _unions(network, raster, ch, station_snap, bands_m, gated), reach


#: Bump when the cached polygons change meaning.
_CACHE_VERSION = 1


def _cache_file(network, station_snap, bands_m, cell_m: float, max_snap_m: float | None) -> Path:
    """The cache of one set of isochrones: named by the network, where the stations meet it and the bands."""
    h = hashlib.sha256(network.fingerprint.encode())
    for a in (
        station_snap.edge,
        station_snap.along_m,
        station_snap.access_m,
        station_snap.x,
        station_snap.y,
        station_snap.px,
        station_snap.py,
    ):
        h.update(np.ascontiguousarray(a).tobytes())
    h.update(
        json.dumps([sorted(float(b) for b in bands_m), float(cell_m), snap_limit_m(max_snap_m)]).encode()
    )
    return Path(settings.cache_folder) / f"isochrones-v{_CACHE_VERSION}-{h.hexdigest()[:32]}.npz"


def _pack_geoms(geoms) -> tuple[np.ndarray, np.ndarray]:
    wkb = [shapely.to_wkb(g) for g in geoms]
    return np.frombuffer(b"".join(wkb), dtype=np.uint8), np.cumsum([0] + [len(w) for w in wkb]).astype(
        np.int64
    )


def _unpack_geoms(buf: np.ndarray, ptr: np.ndarray) -> list:
    raw = buf.tobytes()
    return [shapely.from_wkb(raw[ptr[i] : ptr[i + 1]]) for i in range(ptr.size - 1)]


def cached_station_isochrones(
    network,
    station_snap,
    bands_m,
    *,
    reach=None,
    cell_m: float = CELL_M,
    max_snap_m: float | None = None,
    gates=None,
):
    """:func:`station_isochrones` without its reach, kept on disk (when caching is on, without gated
    compounds):
    ``(list of (station row, band index, polygon), {band: union polygon})``.

    The polygons depend only on the network, where the stations meet it, the bands, the raster's cell and
    ``max_snap_m``, which name the cache file; a warm run reads them back instead of drawing them again.
    """
    if gates is not None or not settings.use_cache:
        polys, unions, _ = station_isochrones(
            network, station_snap, bands_m, reach=reach, cell_m=cell_m, max_snap_m=max_snap_m, gates=gates
        )
        return polys, unions
    path = _cache_file(network, station_snap, bands_m, cell_m, max_snap_m)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                geoms = _unpack_geoms(z["buf"], z["ptr"])
                rows, band, union_m = z["rows"], z["band"], z["union_m"]
            n = rows.size
            polys = [(int(r), int(b), g) for r, b, g in zip(rows, band, geoms[:n], strict=False)]
            return polys, dict(zip(union_m.tolist(), geoms[n:], strict=False))
        except Exception:  # noqa: BLE001  (a broken or foreign cache file is rebuilt)
            log.warning("Rebuilding the unreadable isochrones cache %s", path)
    polys, unions, _ = station_isochrones(
        network, station_snap, bands_m, reach=reach, cell_m=cell_m, max_snap_m=max_snap_m
    )
    union_m = sorted(unions)
    buf, ptr = _pack_geoms([g for _, _, g in polys] + [unions[b] for b in union_m])

    def write(tmp):
        with open(tmp, "wb") as f:
            np.savez(
                f,
                buf=buf,
                ptr=ptr,
                rows=np.array([r for r, _, _ in polys], dtype=np.int64),
                band=np.array([b for _, b, _ in polys], dtype=np.int64),
                union_m=np.array(union_m, dtype=float),
            )

    write_cache(path, write, "isochrones")
    return polys, unions


def _unions(network, raster, ch, station_snap, bands_m, gated=None) -> dict[float, shapely.Geometry]:
    """The area within each band of some station: the same rule with the nearest station's distances."""
    nearest = nearest_station(network, station_snap)
    chains = np.arange(ch.n_chains)
    pos, walk, starts = _cell_walk(raster, ch, chains, nearest.dist_m)
    _direct(raster, ch, station_snap, np.arange(len(station_snap)), chains, starts, walk)
    limit = max(bands_m)
    cells = raster.cell[pos]
    if gated is not None:
        walk[gated.masked[pos]] = np.inf
        g_walk, _ = nearest_for_points(network, gated.rule.gate_snap, station_snap, nearest)
        g_cells, g_cell_walk = gated.walks(g_walk, limit + raster.cell_m)
        cells, walk = np.concatenate([cells, g_cells]), np.concatenate([walk, g_cell_walk])
    keep = walk <= limit + raster.cell_m
    if not (walk <= limit + 1e-9).any():
        return {b: shapely.Polygon() for b in bands_m}
    win, r0, c0 = _window(raster, cells[keep], walk[keep])
    return dict(zip(bands_m, _trace_bands(win, bands_m, r0, c0, raster), strict=True))


def _frames(polys, unions, ids, minutes, bands_m, work_crs, crs_out):
    per = gpd.GeoDataFrame(
        {"station_id": [ids[s] for s, _, _ in polys], "minutes": [minutes[bi] for _, bi, _ in polys]},
        geometry=[g for _, _, g in polys],
        crs=work_crs,
    ).to_crs(crs_out)
    uni = gpd.GeoDataFrame({"minutes": minutes}, geometry=[unions[b] for b in bands_m], crs=work_crs).to_crs(
        crs_out
    )
    return per, uni


def isochrones(result, minutes=(5, 10, 15), *, cell_m: float = CELL_M):
    """Isochrones of a :class:`~coverage.assess.CoverageResult`.

    Returns ``(per_station, union)``: GeoDataFrames in the stations' input CRS.
    ``per_station`` has ``station_id``, ``minutes``, ``geometry``; ``union``
    has ``minutes`` and ``geometry`` (the area any station covers). The areas
    follow the result's own rules (speed, ``max_snap_m``), so a household
    inside a station's t-minute polygon is within t minutes of it.
    """
    from .options import WalkRules

    t0 = time.perf_counter()
    v = result.speed_m_s
    # the bands checked as every entry point checks them (a minus, NaN, nothing or a day are refused)
    minutes = list(
        WalkRules.of(
            minutes=result.params["minutes"],
            cutoffs_min=np.atleast_1d(minutes).tolist(),
            max_snap_m=result.params["max_snap_m"],
        ).cutoffs_min
    )
    bands_m = [m * 60 * v for m in minutes]
    polys, unions = cached_station_isochrones(
        result.network,
        result.station_snap,
        bands_m,
        reach=result.reach,
        cell_m=cell_m,
        max_snap_m=result.params["max_snap_m"],
        gates=result.gate_rule,
    )
    out = _frames(
        polys,
        unions,
        result.station_points.ids,
        minutes,
        bands_m,
        result.network.crs,
        result.stations.crs or "EPSG:4326",
    )
    log.info(
        "Isochrones for %d stations x %d bands in %.2f s",
        len(set(out[0]["station_id"])),
        len(minutes),
        time.perf_counter() - t0,
    )
    return out


def isochrones_for_stations(
    network: NetworkSource,
    stations: PointsSource,
    minutes: Iterable[float] | None = None,
    *,
    profile: str | None = None,
    speed_kph: float | None = None,
    crs: CRSLike = None,
    id_col: str | None = "id",
    max_snap_m: float | None = None,
    cell_m: float = CELL_M,
    read_options: dict | None = None,
    compounds: PolygonsSource | None = None,
    gates: PointsSource | None = None,
    compound_id_col: str | None = None,
    compound_options: dict | None = None,
    gate_options: dict | None = None,
    rules: WalkRules | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Isochrones of stations alone (no households): ``(per_station, union)``.

    The same areas as :func:`isochrones` gives after :func:`~coverage.assess.assess`
    with the same stations, speed, ``max_snap_m`` and gated compounds
    (``compounds``, ``gates``: see :func:`~coverage.gates.gate_rule`). ``minutes`` are the bands
    (default 5, 10 and 15); ``rules`` (:class:`~coverage.options.WalkRules`) gives them, the speed and
    ``max_snap_m`` as one object instead.
    """
    from .locate import locate
    from .network import load_network
    from .options import WalkRules

    rules = WalkRules.resolve(
        rules,
        lambda: WalkRules.for_bands(minutes, profile=profile, speed_kph=speed_kph, max_snap_m=max_snap_m),
        minutes=minutes,
        profile=profile,
        speed_kph=speed_kph,
        max_snap_m=max_snap_m,
    )
    net = load_network(network).for_profile(rules.profile)  # wheelchair: step-free segments only
    v, max_snap_m, minutes = rules.speed_m_s, rules.max_snap_m, list(rules.cutoffs_min)
    located = locate(
        net,
        stations,
        role="stations",
        id_col=id_col,
        crs=crs,
        max_snap_m=max_snap_m,
        read_options=read_options,
    )
    rule = None
    if compounds is not None or gates is not None:
        from .gates import gate_rule

        rule = gate_rule(
            net,
            compounds,
            gates,
            crs=crs,
            compound_id_col=compound_id_col,
            compound_options=compound_options,
            gate_options=gate_options,
            max_snap_m=max_snap_m,
        )
    bands_m = [m * 60 * v for m in minutes]
    polys, unions, _ = station_isochrones(
        net, located.snap, bands_m, cell_m=cell_m, max_snap_m=max_snap_m, gates=rule
    )
    return _frames(polys, unions, located.points.ids, minutes, bands_m, net.crs, located.points.frame.crs)


def gap_areas(
    result: CoverageResult,
    isochrones: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
    *,
    cell_m: float = 150.0,
) -> gpd.GeoDataFrame:
    """The residential area left uncovered, as polygons in the households' CRS.

    Residential area is approximated by hexagonal cells (``cell_m`` across the
    flats' radius) around the uncovered households; the area that some station
    covers within the threshold (the isochrone union, drawn by the same rule
    as the verdicts) is cut out. Columns: ``households`` (uncovered weight)
    and ``points`` per cell.
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


def honesty(result, isochrones=None):
    """How well the drawn areas agree with the household verdicts, per band (a DataFrame).

    Columns: ``minutes``; ``pairs``, the (household, station) pairs within
    the band; ``share_inside_own``, the share of them whose household lies
    inside that station's polygon; ``n_in_union``, the households inside the
    band's union; ``share_union_outside_band``, the share of those that are
    not within the band of any station. By construction the first is close to
    1 and the second close to 0; what is left is the drawing resolution.
    """
    import pandas as pd

    per, uni = result.isochrones() if isochrones is None else isochrones
    hh = result.households.to_crs(per.crs)
    ok = ~(hh.geometry.isna() | hh.geometry.is_empty).to_numpy()
    x = np.where(ok, hh.geometry.x.where(ok), np.nan)
    y = np.where(ok, hh.geometry.y.where(ok), np.nan)
    walk = np.nan_to_num(result.households["walk_m"].to_numpy(dtype=float), nan=np.inf)
    v = result.speed_m_s
    rows = []
    for m in sorted(set(per["minutes"])):
        band_m = m * 60 * v
        w = result.access.within(result.network, result.station_snap, result.reach, band_m).tocsc()
        polys = per[np.isclose(per["minutes"], m)].set_index("station_id").geometry
        n_pairs = n_in = 0
        for s in range(w.shape[1]):
            hs = w.indices[w.indptr[s] : w.indptr[s + 1]]
            if hs.size:
                n_in += int(shapely.contains_xy(polys.loc[result.station_points.ids[s]], x[hs], y[hs]).sum())
                n_pairs += hs.size
        u = uni[np.isclose(uni["minutes"], m)].geometry.iloc[0]
        in_u = ok & shapely.contains_xy(u, x, y)
        rows.append(
            {
                "minutes": m,
                "pairs": n_pairs,
                "share_inside_own": n_in / n_pairs if n_pairs else None,
                "n_in_union": int(in_u.sum()),
                "share_union_outside_band": float((in_u & (walk > band_m + 1e-9)).sum() / max(1, in_u.sum())),
            }
        )
    return pd.DataFrame(rows)
