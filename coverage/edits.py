"""Network edits for a what-if: new footpaths joined to the streets, and closed ways.

**Added paths.** Each added line is a walkable path (straight segments
between its vertices). It is joined to every ground-level street segment it
crosses (the street and the path are both split at the crossing, which
becomes a junction), and each of its two ends that is not already on a
street is joined to the nearest ground-level street within :data:`JOIN_M`
(the street is split at the nearest point and a short connector added).
Added paths that cross each other are joined too. A path never joins a
bridge deck, a tunnel or another layer it passes over or under, as points on
the ground never snap to one (:mod:`coverage.snapping`). A path that joins
no street is left out with a warning.

**Closed ways.** An OSM way id closes every segment of that way; a line
closes every segment lying within :data:`CLOSE_M` of it (draw it along the
street to close). Pieces of the network that a closure cuts off from the
rest are dropped, as :func:`~coverage.network.from_arrays` keeps only the
largest connected piece when a network is loaded.

The edited network is built from the original's arrays through
:func:`~coverage.network.from_arrays` (segment lengths are the same
great-circle metres) and keeps the original's work CRS, so it is the network
:func:`~coverage.network.load_network` builds from an extract with the same
paths drawn in (their crossings mapped as shared nodes) and the same ways
deleted. Segments of added paths carry the way id ``-(k + 1)`` for the
k-th path.
"""

from __future__ import annotations

import logging
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np

from ._errors import CoverageInputError, rows_text
from .network import WalkNetwork, from_arrays

log = logging.getLogger(__name__)

#: A path's end within this distance (m) of a ground-level street is joined to it.
JOIN_M = 5.0
#: A closing line closes the segments lying within this distance (m) of it.
CLOSE_M = 2.0
#: Crossings closer than this (m) to a segment's end are taken at that end.
_TOL_M = 0.01


def read_lines(source, *, role: str = "added paths", crs=None) -> gpd.GeoDataFrame:
    """Lines as a WGS-84 GeoDataFrame: a GeoDataFrame/GeoSeries, shapely lines (with ``crs``) or a vector
    file.

    ``crs`` is the coordinates' CRS when the source has none, or
    ``"gcj02"``/``"bd09"`` (always applied to longitude/latitude). Every row
    must be a LineString or MultiLineString.
    """
    import shapely

    from .crs import is_china_offset, parse_crs, to_wgs84

    crs = parse_crs(crs, "crs") if crs is not None else None
    offset = is_china_offset(crs)
    if isinstance(source, gpd.GeoSeries):
        source = gpd.GeoDataFrame(geometry=source.reset_index(drop=True))
    if isinstance(source, gpd.GeoDataFrame):
        gdf, label = source.reset_index(drop=True).copy(), f"{role} GeoDataFrame"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label = f"{role} file '{path}'"
        if not path.exists() or path.is_dir():
            msg = (
                f"{label} {'does not exist' if not path.exists() else 'is a folder'}; give a GeoJSON "
                "or GeoPackage."
            )
            raise CoverageInputError(msg)
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # noqa: BLE001  (any reader failure is the user's file)
            msg = f"{label} could not be read as a vector file ({str(exc).splitlines()[0][:160]})."
            raise CoverageInputError(msg) from None
    else:
        geoms = [source] if isinstance(source, shapely.Geometry) else list(source)
        if not all(isinstance(g, shapely.Geometry) for g in geoms):
            msg = (
                f"{role} must be lines: a GeoDataFrame, a GeoJSON/GeoPackage file, or shapely lines "
                "with crs=."
            )
            raise CoverageInputError(msg)
        gdf, label = gpd.GeoDataFrame(geometry=geoms), f"{role} (shapely lines)"
    if len(gdf) == 0:
        msg = f"{label} has no rows."
        raise CoverageInputError(msg)
    if gdf.crs is None:
        if crs is None:
            msg = f"{label} has no CRS; pass its CRS, e.g. crs='EPSG:4326' (or gcj02)."
            raise CoverageInputError(msg)
        gdf = gdf.set_crs("EPSG:4326" if offset else crs)
    kinds = gdf.geometry.geom_type.fillna("missing").to_numpy()
    bad = np.flatnonzero(~np.isin(kinds, ["LineString", "MultiLineString"]))
    if bad.size:
        msg = (
            f"{label}: rows {rows_text(bad + (1 if label.endswith(chr(39)) else 0))} are "
            f"{', '.join(sorted(set(kinds[bad])))}, not lines; draw each path as a line."
        )
        raise CoverageInputError(msg)
    gdf = gdf.to_crs("EPSG:4326")
    if offset:

        def fix(xy):
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([lon, lat])

        gdf = gdf.set_geometry(shapely.transform(np.asarray(gdf.geometry.values, dtype=object), fix))
    return gdf


def _edge_lines(net: WalkNetwork, rows: np.ndarray):
    import shapely

    xy = net.xy
    coords = np.empty((2 * rows.size, 2))
    coords[0::2], coords[1::2] = xy[net.edge_u[rows]], xy[net.edge_v[rows]]
    return shapely.linestrings(coords, indices=np.repeat(np.arange(rows.size), 2))


def _to_work(net: WalkNetwork, gdf: gpd.GeoDataFrame) -> np.ndarray:
    return np.asarray(gdf.to_crs(net.crs).geometry.values, dtype=object)


def closed_edges(net: WalkNetwork, close_ways, *, crs=None) -> np.ndarray:
    """Boolean mask of the segments ``close_ways`` closes (OSM way ids and/or lines)."""
    import shapely

    items = (
        [close_ways]
        if isinstance(close_ways, (str, Path, gpd.GeoDataFrame, gpd.GeoSeries, shapely.Geometry))
        else list(close_ways)
    )
    ids, lines = [], []
    for it in items:
        if isinstance(it, (gpd.GeoDataFrame, gpd.GeoSeries, shapely.Geometry, Path)) or (
            isinstance(it, str) and not it.strip().lstrip("-").isdigit()
        ):
            lines.append(it)
        else:
            try:
                ids.append(int(str(it).strip()))
            except ValueError:
                msg = f"close_ways: {it!r} is neither an OSM way id nor a line."
                raise CoverageInputError(msg) from None
    closed = np.zeros(net.n_edges, dtype=bool)
    if ids:
        ids_a = np.asarray(ids, dtype=np.int64)
        unknown = ids_a[~np.isin(ids_a, net.edge_way)]
        if unknown.size:
            msg = (
                f"close_ways: no walkable way with OSM id {rows_text(unknown.tolist())} in the network; "
                "check the ids (the edges' way_id in network.edges_gdf())."
            )
            raise CoverageInputError(msg)
        closed |= np.isin(net.edge_way, ids_a)
    if lines:
        geoms = [g for g in lines if isinstance(g, shapely.Geometry)]
        frames = [
            read_lines(g, role="close_ways", crs=crs) for g in lines if not isinstance(g, shapely.Geometry)
        ]
        if geoms:
            frames.append(read_lines(geoms, role="close_ways", crs=crs))
        work = np.concatenate([_to_work(net, f) for f in frames])
        all_rows = np.arange(net.n_edges)
        tree = shapely.STRtree(_edge_lines(net, all_rows))
        li, ei = tree.query(shapely.buffer(work, CLOSE_M), predicate="contains")
        none = np.setdiff1d(np.arange(work.size), li)
        if none.size:
            msg = (
                f"close_ways: lines {rows_text(none.tolist())} (0-based) lie along no walkable segment "
                f"(within {CLOSE_M:g} m of the whole segment); draw them along the street to close."
            )
            raise CoverageInputError(msg)
        closed[ei] = True
    return closed


class _Nodes:
    """New nodes (work CRS) and a union-find over all nodes (existing ones first)."""

    def __init__(self, n0: int):
        self.n0 = n0
        self.x: list[float] = []
        self.y: list[float] = []
        self.parent: dict[int, int] = {}

    def new(self, x: float, y: float) -> int:
        self.x.append(float(x))
        self.y.append(float(y))
        return self.n0 + len(self.x) - 1

    def find(self, a: int) -> int:
        while self.parent.get(a, a) != a:
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # an existing node stands for both
            lo, hi = min(ra, rb), max(ra, rb)
            self.parent[hi] = lo


def _cross(p0, p1, q0, q1):
    """Parameters (t on p, s on q) of the crossing of segments p and q, or None (parallel or apart)."""
    r = p1 - p0
    s_ = q1 - q0
    den = r[0] * s_[1] - r[1] * s_[0]
    if abs(den) < 1e-12 * max(1.0, np.dot(r, r) * np.dot(s_, s_)):
        return None
    d = q0 - p0
    t = (d[0] * s_[1] - d[1] * s_[0]) / den
    u = (d[0] * r[1] - d[1] * r[0]) / den
    eps = 1e-9
    if -eps <= t <= 1 + eps and -eps <= u <= 1 + eps:
        return min(1.0, max(0.0, t)), min(1.0, max(0.0, u))
    return None


def _near_boxes(p0: np.ndarray, p1: np.ndarray, is_path: np.ndarray, pad_m: float) -> np.ndarray:
    """Rows (ascending) of the segments whose bounding box comes within ``pad_m`` of a path segment's."""
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    rows = np.flatnonzero(is_path)
    near = is_path.copy()
    for i in range(0, rows.size, 64):  # a few path segments at a time against every segment
        r = rows[i : i + 64]
        plo, phi = lo[r] - pad_m, hi[r] + pad_m
        hit = (
            (lo[:, None, 0] <= phi[None, :, 0])
            & (hi[:, None, 0] >= plo[None, :, 0])
            & (lo[:, None, 1] <= phi[None, :, 1])
            & (hi[:, None, 1] >= plo[None, :, 1])
        )
        near |= hit.any(axis=1)
    return np.flatnonzero(near)


def edit_network(
    net: WalkNetwork, *, add_paths=None, close_ways=None, crs=None, join_m: float = JOIN_M
) -> WalkNetwork:
    """The network with ``add_paths`` drawn in and ``close_ways`` removed (see the module text)."""
    import pyproj
    import shapely

    closed = (
        np.zeros(net.n_edges, dtype=bool) if close_ways is None else closed_edges(net, close_ways, crs=crs)
    )
    xy = net.xy
    n0 = net.n_nodes
    nodes = _Nodes(n0)
    # segments: (x0, y0, x1, y1, u, v, way, flags); the kept streets first, then the paths' segments
    keep = np.flatnonzero(~closed)
    seg_u = net.edge_u[keep].astype(np.int64).tolist()
    seg_v = net.edge_v[keep].astype(np.int64).tolist()
    seg_way = net.edge_way[keep].tolist()
    seg_flags = net.edge_flags[keep].tolist()
    n_street = keep.size
    path_ends: list[tuple[int, int]] = []  # (node, path) of each path's two ends
    n_paths = 0
    if add_paths is not None:
        gdf = read_lines(add_paths, crs=crs)
        work = _to_work(net, gdf)
        for k, g in enumerate(work):
            parts = shapely.get_parts(g)
            for part in parts:
                c = shapely.get_coordinates(part)
                c = c[np.r_[True, np.hypot(*np.diff(c, axis=0).T) > _TOL_M]] if len(c) > 1 else c
                if len(c) < 2:
                    continue
                ids = [nodes.new(x, y) for x, y in c]
                seg_u += ids[:-1]
                seg_v += ids[1:]
                seg_way += [-(k + 1)] * (len(ids) - 1)
                seg_flags += [0] * (len(ids) - 1)
                path_ends += [(ids[0], k), (ids[-1], k)]
        n_paths = len(work)

    def pos(i):
        return xy[i] if i < n0 else np.array([nodes.x[i - n0], nodes.y[i - n0]])

    su, sv = np.asarray(seg_u, dtype=np.int64), np.asarray(seg_v, dtype=np.int64)
    splits: dict[int, list[tuple[float, int]]] = {}
    if n_paths:
        from .osm import OFF_GROUND

        flags_a = np.asarray(seg_flags, dtype=np.uint8)
        joinable = (flags_a & OFF_GROUND) == 0  # paths are on the ground
        all_xy = np.vstack([xy, np.column_stack([nodes.x, nodes.y])]) if nodes.x else xy
        p0, p1 = all_xy[su], all_xy[sv]
        is_path = np.arange(su.size) >= n_street
        # only segments whose box comes within join_m of a path's box can cross it or join its ends:
        # geometries and trees are built for those few (ascending, so ties still go to the lowest index)
        near_rows = _near_boxes(p0, p1, is_path, join_m + 1.0)
        lines = np.full(su.size, None, dtype=object)
        lines[near_rows] = shapely.linestrings(np.stack([p0[near_rows], p1[near_rows]], axis=1))
        tree = shapely.STRtree(lines[near_rows])
        a, b = tree.query(lines[is_path], predicate="intersects")
        a, b = np.flatnonzero(is_path)[a], near_rows[b]
        o = np.lexsort((b, a))  # crossings in a fixed order, whatever the tree's
        a, b = a[o], b[o]
        ok = (a != b) & joinable[b] & ~(is_path[b] & (b < a))  # each path-path pair once
        length = np.hypot(*(p1 - p0).T)
        at_end_node: set[int] = set()
        for i, j in zip(a[ok].tolist(), b[ok].tolist(), strict=True):
            hit = _cross(p0[i], p1[i], p0[j], p1[j])
            if hit is None:
                continue
            t, s = hit
            ends_i = su[i] if t * length[i] < _TOL_M else sv[i] if (1 - t) * length[i] < _TOL_M else None
            ends_j = su[j] if s * length[j] < _TOL_M else sv[j] if (1 - s) * length[j] < _TOL_M else None
            if ends_i is not None and ends_j is not None:
                nodes.union(int(ends_i), int(ends_j))
                at_end_node.add(int(ends_i))
                continue
            if ends_i is not None:
                node = int(ends_i)
                at_end_node.add(node)
            elif ends_j is not None:
                node = int(ends_j)
            else:
                node = nodes.new(*(p0[i] + t * (p1[i] - p0[i])))
            if ends_i is None:
                splits.setdefault(i, []).append((t, node))
            if ends_j is None:
                splits.setdefault(j, []).append((s, node))
        # path ends not yet on a street: join the nearest ground-level street within join_m
        street = near_rows[(near_rows < n_street) & joinable[near_rows]]
        s_tree = shapely.STRtree(lines[street])
        joined_paths: set[int] = set()
        for node, k in path_ends:
            if node in at_end_node:
                joined_paths.add(k)
                continue
            pt = shapely.points(*pos(node))
            near = s_tree.query_nearest(pt, max_distance=join_m, all_matches=True)
            if near.size == 0:
                continue
            j = int(street[near.min()])
            d = p1[j] - p0[j]
            t = float(np.clip(np.dot(pos(node) - p0[j], d) / max(np.dot(d, d), 1e-18), 0.0, 1.0))
            q = p0[j] + t * d
            gap = float(np.hypot(*(pos(node) - q)))
            if t * length[j] < _TOL_M:
                target = int(su[j])
            elif (1 - t) * length[j] < _TOL_M:
                target = int(sv[j])
            else:
                target = nodes.new(*q) if gap >= _TOL_M else node
                splits.setdefault(j, []).append((t, target))
            if target != node:
                if gap < _TOL_M:
                    nodes.union(target, node)
                else:
                    seg_u.append(node)
                    seg_v.append(target)
                    seg_way.append(-(k + 1))
                    seg_flags.append(0)
            joined_paths.add(k)
        # paths joined only by crossings in their middle count as joined too
        for i in splits:
            if i >= n_street:
                joined_paths.add(-int(seg_way[i]) - 1)
        lost = sorted(set(range(n_paths)) - joined_paths)
        if lost:
            log.warning(
                "added paths: %d of %d paths cross no street and end within %g m of none (rows %s); they "
                "are left out",
                len(lost),
                n_paths,
                join_m,
                rows_text(lost),
            )
    # rebuild the segments with their splits
    su, sv = np.asarray(seg_u, dtype=np.int64), np.asarray(seg_v, dtype=np.int64)
    sway, sflags = np.asarray(seg_way, dtype=np.int64), np.asarray(seg_flags, dtype=np.uint8)
    whole = np.ones(su.size, dtype=bool)
    whole[list(splits)] = False
    u_out, v_out, w_out, f_out = [su[whole]], [sv[whole]], [sway[whole]], [sflags[whole]]
    origin = np.full(su.size, -1, dtype=np.int64)  # the original segment each row is, whole
    origin[:n_street] = keep
    o_out = [origin[whole]]
    for i in sorted(splits):  # the few segments split by a path
        chain = [int(su[i])] + [n for _, n in sorted(splits[i])] + [int(sv[i])]
        pairs = np.array(list(pairwise(chain)), dtype=np.int64)
        u_out.append(pairs[:, 0])
        v_out.append(pairs[:, 1])
        w_out.append(np.full(len(pairs), sway[i], dtype=np.int64))
        f_out.append(np.full(len(pairs), sflags[i], dtype=np.uint8))
        o_out.append(np.full(len(pairs), -1, dtype=np.int64))
    n_new = len(nodes.x)
    rep = np.arange(n0 + n_new, dtype=np.int64)
    for a_ in list(nodes.parent):
        rep[a_] = nodes.find(a_)
    u_pre, v_pre = np.concatenate(u_out), np.concatenate(v_out)
    u_a, v_a = rep[u_pre], rep[v_pre]
    w_out, f_out = np.concatenate(w_out), np.concatenate(f_out)
    if n_new:
        t = pyproj.Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
        lon_new, lat_new = t.transform(np.asarray(nodes.x), np.asarray(nodes.y))
    else:
        lon_new = lat_new = np.zeros(0)
    low = int(min(0, net.node_id.min())) if net.n_nodes else 0
    node_id = np.concatenate([net.node_id, low - 1 - np.arange(n_new, dtype=np.int64)])
    meta = {k: v for k, v in net.meta.items() if k not in ("cache", "sha256")}
    meta["work_crs"] = net.crs.to_string()
    meta["edits"] = {
        "paths_added": n_paths,
        "segments_closed": int(closed.sum()),
        "ways_closed": int(np.unique(net.edge_way[closed]).size),
    }
    out = from_arrays(
        node_id,
        np.concatenate([net.lon, lon_new]),
        np.concatenate([net.lat, lat_new]),
        u_a,
        v_a,
        w_out,
        f_out,
        meta=meta,
    )
    # where each original segment is in the edited network, if there whole (for snap_edited): the
    # segments from_arrays keeps are those not collapsed to a point and on nodes it keeps, in order
    origin = np.concatenate(o_out)
    kept = (u_a != v_a) & np.isin(node_id[u_a], out.node_id)
    old_to_new = np.full(net.n_edges, -1, dtype=np.int64)
    if int(kept.sum()) == out.n_edges:
        at = np.cumsum(kept) - 1
        whole_old = kept & (origin >= 0) & (u_a == u_pre) & (v_a == v_pre)
        old_to_new[origin[whole_old]] = at[whole_old]
    out.__dict__["_edited_from"] = (net, old_to_new)
    log.info(
        "Edited network: %d paths added, %d segments closed -> %d nodes, %d segments",
        n_paths,
        int(closed.sum()),
        out.n_nodes,
        out.n_edges,
    )
    return out
