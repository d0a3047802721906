"""Tiles for runs too large for one process: which tile each household is in, and each tile's halo.

A 15-minute walk is local, so a province splits into tiles. Each household
belongs to exactly one tile (a square of a grid, ``grid:METRES``, or a
boundary polygon such as a county or street, ``FILE``). Each tile gets the
network and the stations within a halo wide enough for its answers to be
exact:

* **The horizon.** Walks up to the horizon (default twice the threshold) are
  exact; a household whose nearest station is further is reported as beyond
  the horizon. A walk of length L from a household never leaves the disc of
  radius L around it, and the household's street is within ``max_snap_m`` of
  it, so the tile's network holds every segment within ``horizon +
  2 x max_snap_m`` of the tile (the second ``max_snap_m`` lets every station
  that matters snap to the same street as in a single run), and its stations
  are those within ``horizon + max_snap_m``.
* **The cut.** The network is read once (pyosmium, through the network
  cache) and cut into per-tile networks with their halos, kept in the cache
  (:func:`cut_network`): a tile's task reads only its own.
* **The households** are read and checked once, ordered by tile and then by
  Hilbert distance (so each tile's rows are contiguous and compact), and
  written as GeoParquet with row groups a task can skip
  (:func:`partition_households`).

Segments keep their order inside a tile, so ties in snapping are broken as in
a single run, and the tile keeps the full network's work CRS.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import settings
from .._errors import CoverageInputError, rows_text
from .._files import write_cache
from ..io import Points, read_polygons
from ..network import WalkNetwork

#: Merged households.csv / households.gpkg are written up to this many rows
#: (:data:`coverage.settings.merge_max_rows`).
MERGE_MAX_ROWS = settings.merge_max_rows

log = logging.getLogger(__name__)

#: Coarse cells (m) used to find the segments near a tile.
_CELL_M = 500.0
_TILES_VERSION = 2


@dataclass(frozen=True)
class Tiling:
    """Tile regions in a network's work CRS.

    ``kind`` is ``"grid"`` (squares of ``size_m`` from ``origin``) or
    ``"polygons"`` (``regions``, with ``ids``).
    """

    kind: str
    key: str  # names the tiling in caches
    regions: np.ndarray  # shapely polygons, work CRS
    ids: np.ndarray
    size_m: float | None = None
    origin: tuple[float, float] | None = None
    grid_shape: tuple[int, int] | None = None

    def __len__(self) -> int:
        return int(self.ids.size)

    def tile_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The tile of each point (work CRS); -1 for missing coordinates.

        Grid: the square holding it. Polygons: the first (in file order)
        containing it, else the nearest.
        """
        import shapely

        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        out = np.full(x.size, -1, dtype=np.int64)
        ok = np.isfinite(x) & np.isfinite(y)
        if self.kind == "grid":
            ny, nx = self.grid_shape
            col = np.clip(np.floor((x[ok] - self.origin[0]) / self.size_m), 0, nx - 1).astype(np.int64)
            row = np.clip(np.floor((y[ok] - self.origin[1]) / self.size_m), 0, ny - 1).astype(np.int64)
            out[ok] = row * nx + col
            return out
        idx = np.flatnonzero(ok)
        pts = shapely.points(x[idx], y[idx])
        tree = shapely.STRtree(self.regions)
        pi, ti = tree.query(pts, predicate="intersects")
        order = np.lexsort((ti, pi))
        pi, ti = pi[order], ti[order]
        first = np.r_[True, pi[1:] != pi[:-1]][: pi.size]
        out[idx[pi[first]]] = ti[first]
        lost = idx[out[idx] < 0]
        if lost.size:
            near = tree.query_nearest(shapely.points(x[lost], y[lost]), all_matches=False)
            out[lost[near[0]]] = near[1]
            log.warning("%d points lie outside every tile polygon; each goes to the nearest tile", lost.size)
        return out

    def grown(self, extents: np.ndarray) -> Tiling:
        """The tiles grown to hold the points placed in them.

        ``extents``: per tile min x, min y, max x, max y.

        A point outside every tile polygon goes to the nearest tile; its tile then reaches out to it, so the
        tile's network and stations (its halo) are the point's own, as in one run.
        """
        import shapely

        regions = self.regions.copy()
        grew = []
        for t in np.flatnonzero(np.isfinite(extents[:, 0])):
            box = shapely.box(*extents[t])
            if not shapely.covers(regions[t], box):
                regions[t] = shapely.union(regions[t], shapely.envelope(shapely.union(box, regions[t])))
                grew.append(t)
        if not grew:
            return self
        h = hashlib.sha256(self.key.encode() + b"".join(shapely.to_wkb(regions[np.asarray(grew)])))
        log.info("%d tiles grow to hold the points that lie outside every tile", len(grew))
        return Tiling(
            self.kind,
            f"{self.key}-g{h.hexdigest()[:12]}",
            regions,
            self.ids,
            self.size_m,
            self.origin,
            self.grid_shape,
        )


def tile_extents(tile: np.ndarray, x: np.ndarray, y: np.ndarray, n_tiles: int) -> np.ndarray:
    """Per tile, the (min x, min y, max x, max y) of its points (NaN for a tile without any)."""
    ext = np.full((n_tiles, 4), np.nan)
    ok = tile >= 0
    if ok.any():
        t = tile[ok]
        lo = np.full((n_tiles, 2), np.inf)
        hi = np.full((n_tiles, 2), -np.inf)
        np.minimum.at(lo, t, np.column_stack([x[ok], y[ok]]))
        np.maximum.at(hi, t, np.column_stack([x[ok], y[ok]]))
        has = np.isfinite(lo[:, 0])
        ext[has] = np.column_stack([lo[has], hi[has]])
    return ext


def merge_extents(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The union of two per-tile extents (NaN where neither has points)."""
    with np.errstate(invalid="ignore"):
        return np.column_stack(
            [
                np.fmin(a[:, 0], b[:, 0]),
                np.fmin(a[:, 1], b[:, 1]),
                np.fmax(a[:, 2], b[:, 2]),
                np.fmax(a[:, 3], b[:, 3]),
            ]
        )


def parse_tiles(spec, network: WalkNetwork) -> Tiling:
    """``grid:METRES`` (squares over the network's extent) or a polygon file / GeoDataFrame of tiles."""
    import geopandas as gpd
    import shapely

    if isinstance(spec, str) and spec.lower().startswith("grid:"):
        try:
            size = float(spec.split(":", 1)[1])
        except ValueError:
            size = float("nan")
        if not (200 <= size <= 1_000_000):
            msg = f"--tiles {spec!r}: give the tile size in metres, like grid:5000 (200 m to 1,000 km)."
            raise CoverageInputError(msg)
        xy = network.xy
        x0, y0 = np.floor(xy.min(axis=0) / size) * size
        nx = int(np.ceil((xy[:, 0].max() - x0) / size)) or 1
        ny = int(np.ceil((xy[:, 1].max() - y0) / size)) or 1
        rr, cc = np.divmod(np.arange(nx * ny), nx)
        boxes = shapely.box(x0 + cc * size, y0 + rr * size, x0 + (cc + 1) * size, y0 + (rr + 1) * size)
        return Tiling(
            "grid", f"grid{size:g}", boxes, np.arange(nx * ny), size, (float(x0), float(y0)), (ny, nx)
        )
    polys = read_polygons(spec, role="tiles", id_aliases=("tile_id", "id", "name", "编号", "名称"))
    work = np.asarray(
        gpd.GeoSeries(polys.frame.geometry.values, crs="EPSG:4326").to_crs(network.crs).values, dtype=object
    )
    h = hashlib.sha256(b"".join(shapely.to_wkb(work)))
    return Tiling("polygons", f"poly{h.hexdigest()[:16]}", work, polys.ids.astype(str))


def halo_m(horizon_m: float, max_snap_m: float) -> tuple[float, float]:
    """(network halo, station halo) in metres for exact walks up to ``horizon_m``."""
    return horizon_m + 2 * max_snap_m, horizon_m + max_snap_m


def _edge_cells(network: WalkNetwork, origin) -> tuple[np.ndarray, np.ndarray, int]:
    """(cell id, edge) pairs:
    every coarse cell each segment's bounding box touches; and the cell grid width."""
    xy = network.xy
    a, b = xy[network.edge_u], xy[network.edge_v]
    lo = np.floor((np.minimum(a, b) - origin) / _CELL_M).astype(np.int64)
    hi = np.floor((np.maximum(a, b) - origin) / _CELL_M).astype(np.int64)
    width = int(hi[:, 0].max()) + 1
    nx_e = hi[:, 0] - lo[:, 0] + 1
    ny_e = hi[:, 1] - lo[:, 1] + 1
    n = nx_e * ny_e
    edge = np.repeat(np.arange(network.n_edges), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    dy, dx = np.divmod(k, np.repeat(nx_e, n))
    cell = (lo[edge, 1] + dy) * width + (lo[edge, 0] + dx)
    return cell, edge, width


def cut_network(network: WalkNetwork, tiling: Tiling, halo: float, *, progress: bool = False) -> list[str]:
    """Cut ``network`` into one network per tile with its halo, saved in the cache; returns the files.

    A tile's network holds every segment whose bounding box comes within
    ``halo`` of the tile (a superset of the segments within ``halo``), in the
    network's order, with the network's work CRS. Cached by the network's
    fingerprint, the tiling and the halo.
    """
    import shapely

    name = f"tiles-v{_TILES_VERSION}-{network.fingerprint[:16]}-{tiling.key}-halo{halo:.0f}"
    if settings.use_cache:
        folder = Path(settings.cache_folder) / name
    else:  # no cache: the cut lives only for this run, in a folder of its own
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix=f"service-coverage-{name}-"))
    done = folder / "tiles.json"
    if settings.use_cache and done.exists():
        try:
            files = json.loads(done.read_text(encoding="utf-8"))["files"]
            if len(files) == len(tiling) and all(Path(f).exists() for f in files):
                return files
        except (OSError, ValueError, KeyError):
            pass
    folder.mkdir(parents=True, exist_ok=True)
    origin = network.xy.min(axis=0) - halo - _CELL_M
    cell, edge, width = _edge_cells(network, origin)
    order = np.argsort(cell, kind="stable")
    cell, edge = cell[order], edge[order]
    ucell, start = np.unique(cell, return_index=True)
    end = np.r_[start[1:], cell.size]
    crs = network.crs.to_string()
    files = []
    it = range(len(tiling))
    if progress:
        from .._progress import progress_bar

        it = progress_bar(it, desc="cutting tiles")
    for t in it:
        reg = shapely.buffer(tiling.regions[t], halo, quad_segs=2) if tiling.kind == "polygons" else None
        x0, y0, x1, y1 = tiling.regions[t].bounds
        c0, r0 = np.floor((np.array([x0, y0]) - halo - origin) / _CELL_M).astype(np.int64)
        c1, r1 = np.floor((np.array([x1, y1]) + halo - origin) / _CELL_M).astype(np.int64)
        rr, cc = np.mgrid[r0 : r1 + 1, c0 : c1 + 1]
        cells = (rr * width + cc).ravel()
        if reg is not None:  # keep the coarse cells that touch the buffered polygon
            boxes = shapely.box(
                origin[0] + cc.ravel() * _CELL_M,
                origin[1] + rr.ravel() * _CELL_M,
                origin[0] + (cc.ravel() + 1) * _CELL_M,
                origin[1] + (rr.ravel() + 1) * _CELL_M,
            )
            cells = cells[shapely.intersects(reg, boxes)]
        k = np.searchsorted(ucell, cells)
        k = k[(k < ucell.size) & (ucell[np.minimum(k, ucell.size - 1)] == cells)]
        sel = (
            np.unique(np.concatenate([edge[start[i] : end[i]] for i in k]))
            if k.size
            else np.zeros(0, np.int64)
        )
        nodes, inv = np.unique(
            np.concatenate([network.edge_u[sel], network.edge_v[sel]]), return_inverse=True
        )
        arrays = {
            "node_id": network.node_id[nodes],
            "lon": network.lon[nodes],
            "lat": network.lat[nodes],
            "edge_u": inv[: sel.size].astype(network.edge_u.dtype),
            "edge_v": inv[sel.size :].astype(network.edge_v.dtype),
            "edge_length_m": network.edge_length_m[sel],
            "edge_way": network.edge_way[sel],
            "edge_flags": network.edge_flags[sel],
        }
        meta = {
            **network.meta,
            "work_crs": crs,
            "tile": str(tiling.ids[t]),
            "tile_halo_m": halo,
            "n_nodes_tile": int(nodes.size),
        }
        path = folder / f"tile-{t:05d}.npz"
        write_cache(
            path, lambda tmp, a=arrays, m=meta: np.savez(tmp, **a, meta=np.array(json.dumps(m))), "tile"
        )
        files.append(str(path))
    write_cache(done, lambda tmp: tmp.write_text(json.dumps({"files": files}), encoding="utf-8"), "tiles")
    return files


def stations_near(tiling: Tiling, sx: np.ndarray, sy: np.ndarray, halo: float) -> list[np.ndarray]:
    """Per tile, the station rows within ``halo`` of it."""
    import shapely

    ok = np.flatnonzero(np.isfinite(sx) & np.isfinite(sy))
    tree = shapely.STRtree(shapely.points(sx[ok], sy[ok]))
    ti, si = tree.query(tiling.regions, predicate="dwithin", distance=halo)
    order = np.lexsort((si, ti))
    ti, si = ti[order], si[order]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(ti, minlength=len(tiling)))])
    return [ok[si[ptr[t] : ptr[t + 1]]] for t in range(len(tiling))]


def partition_households(points: Points, network: WalkNetwork, tiling: Tiling, folder) -> Partition:
    """Write the households (read and checked in memory) as GeoParquet ordered by tile, then Hilbert distance.

    Columns: the input's, plus ``_row`` (input order) and ``_tile`` (-1 for
    rows without usable coordinates). Row groups are small, so a tile's task
    reads its own rows (``filters=[("_tile", "==", t)]``) and skips the rest.
    """
    import geopandas as gpd

    from ..locate import project

    x, y = project(network, points.lon, points.lat)
    tile = tiling.tile_of(x, y)
    tile[~points.valid] = -1
    frame = points.frame.copy()
    geo = gpd.GeoSeries(gpd.points_from_xy(points.lon, points.lat), crs="EPSG:4326")
    geo[~points.valid] = None
    frame = gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=geo.values, crs="EPSG:4326")
    frame["_row"] = np.arange(len(frame), dtype=np.int64)
    frame["_tile"] = tile
    frame["_weight"] = points.weight
    hil = np.zeros(len(frame), dtype=np.int64)
    ok = points.valid
    if ok.any():
        hil[ok] = frame.geometry[ok].hilbert_distance().to_numpy()
    order = np.lexsort((hil, tile))
    frame = frame.iloc[order].reset_index(drop=True)
    for c in frame.columns:  # mixed-type object columns (text read from CSV) as text
        if frame[c].dtype == object and c != frame.geometry.name:
            frame[c] = frame[c].astype("string")
    path = Path(folder) / "households.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_cache(
        path,
        lambda tmp: frame.to_parquet(tmp, index=False, row_group_size=50_000, write_covering_bbox=True),
        "households",
    )
    counts = np.bincount(tile[tile >= 0], minlength=len(tiling))
    bad = np.flatnonzero(~points.valid)
    if bad.size:
        log.info(
            "%s: %d rows without usable coordinates stay out of the tiles (%s)",
            points.label,
            bad.size,
            rows_text(points.row_numbers[bad]),
        )
    w = points.weight
    return Partition(
        str(path),
        counts,
        len(points),
        int(bad.size),
        points.valid_weight,
        float(w[bad].sum()),
        points=points,
        source=points.source,
        extents=tile_extents(tile, x, y, len(tiling)),
    )


@dataclass(frozen=True)
class Partition:
    """Households written for the tiles: where, and the totals the merge needs."""

    path: str
    counts: np.ndarray  # rows per tile
    n_rows: int
    n_invalid: int
    weight_valid: float
    weight_invalid: float
    points: Points | None = None  # the rows as read, when read in memory
    source: str | None = None  # the households file
    extents: np.ndarray | None = None  # per tile, the bounds of its households (work CRS; NaN: none)


def _inner_xy(geom: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y of each geometry:
    the point itself, or a point inside a polygon (compound outlines), as read_points."""
    import shapely

    geom = np.asarray(geom, dtype=object)
    pts = geom.copy()
    other = ~shapely.is_missing(geom) & (shapely.get_type_id(geom) != 0)
    if other.any():
        pts[other] = shapely.point_on_surface(geom[other])
    return np.asarray(shapely.get_x(pts), dtype=float), np.asarray(shapely.get_y(pts), dtype=float)


def _weight_column(names, weight, path) -> str | None:
    """The households column named by ``weight`` (any case, or its 户数/人口 aliases), or None without one."""
    from ..io import WEIGHT_ALIASES

    if weight is None:
        return None
    lower = {str(n).lower(): n for n in names}
    group = next((g for g in WEIGHT_ALIASES if str(weight).lower() in g), (weight,))
    wcol = next((lower[g.lower()] for g in (weight, *group) if g.lower() in lower), None)
    if wcol is None:
        msg = f"households file '{path}' has no weight column {weight!r}; columns are {list(names)}."
        raise CoverageInputError(msg)
    return wcol


def _partition_from(stats, out: Path, path) -> Partition:
    """The totals of placed partitions (raising the first partition's error)."""
    err = next((s["error"] for s in stats if "error" in s), None)
    if err:
        raise CoverageInputError(f"households file '{path}' {err}")
    counts = np.sum([s["counts"] for s in stats], axis=0)
    ext = stats[0]["extents"]
    for st in stats[1:]:
        ext = merge_extents(ext, st["extents"])
    return Partition(
        str(out),
        counts,
        int(sum(s["n"] for s in stats)),
        int(sum(s["n_bad"] for s in stats)),
        float(sum(s["w_ok"] for s in stats)),
        float(sum(s["w_bad"] for s in stats)),
        source=str(path),
        extents=ext,
    )


def _fresh(folder) -> Path:
    import shutil

    out = Path(folder) / "households"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return out


def stream_parquet_households(
    path,
    network: WalkNetwork,
    tiling: Tiling,
    folder,
    *,
    weight: str | None = None,
    batch_rows: int = 1_000_000,
) -> Partition:
    """GeoParquet households, read in batches and written for the tiles without holding them all in memory
    (in this process; on a cluster, :func:`partition_parquet_dask` places them in parallel).

    Each batch is placed in its tiles, sorted by tile and Hilbert distance and
    appended in small row groups, so a tile's task reads few of them. Rows
    without usable coordinates get tile -1 and are counted as invalid;
    weights must be non-negative numbers. Ids and the other checks are done
    by each tile's own read.
    """
    import geopandas as gpd
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    from ..locate import project

    pf = pq.ParquetFile(path)
    meta = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}") or b"{}")
    gcol = meta.get("primary_column", "geometry")
    crs = (meta.get("columns", {}).get(gcol, {}) or {}).get("crs")
    wcol = _weight_column(pf.schema_arrow.names, weight, path)
    out = Path(folder) / "households.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    counts = np.zeros(len(tiling), dtype=np.int64)
    extents = np.full((len(tiling), 4), np.nan)
    n_rows = n_bad = 0
    w_ok = w_bad = 0.0
    writer = None
    tmp = out.with_suffix(".parquet.tmp")
    try:
        for batch in pf.iter_batches(batch_size=batch_rows):
            geom = shapely.from_wkb(batch.column(gcol).to_numpy(zero_copy_only=False))
            x, y = _inner_xy(geom)
            if crs is not None:
                import pyproj

                src = pyproj.CRS.from_user_input(crs)
                if not src.equals(pyproj.CRS.from_epsg(4326)):
                    x, y = pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True).transform(x, y)
            lon, lat = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
            ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
            w = (
                np.ones(lon.size)
                if wcol is None
                else np.asarray(
                    pa.compute.cast(batch.column(wcol), pa.float64()).to_numpy(zero_copy_only=False),
                    dtype=float,
                )
            )
            if ((w < 0) | ~np.isfinite(w)).any():
                bad = n_rows + np.flatnonzero((w < 0) | ~np.isfinite(w))
                msg = (
                    f"households file '{path}' column {wcol!r} is negative or empty in rows (from 0) "
                    f"{rows_text(bad)}; households cannot be negative."
                )
                raise CoverageInputError(msg)
            px, py = project(network, lon, lat)
            tile = tiling.tile_of(np.where(ok, px, np.nan), np.where(ok, py, np.nan))
            hil = np.zeros(lon.size, dtype=np.int64)
            if ok.any():
                hil[ok] = (
                    gpd.GeoSeries(shapely.points(lon[ok], lat[ok]))
                    .hilbert_distance(total_bounds=network.bounds_lonlat)
                    .to_numpy()
                )
            order = np.lexsort((hil, tile))
            table = batch.append_column("_row", pa.array(n_rows + np.arange(lon.size, dtype=np.int64)))
            table = table.append_column("_tile", pa.array(tile)).append_column("_weight", pa.array(w))
            table = pa.Table.from_batches([table]).take(pa.array(order))
            if writer is None:
                geo = (
                    dict(meta)
                    if meta
                    else {"version": "1.0.0", "primary_column": gcol, "columns": {gcol: {"encoding": "WKB"}}}
                )
                schema = table.schema.with_metadata(
                    {**(table.schema.metadata or {}), b"geo": json.dumps(geo).encode()}
                )
                writer = pq.ParquetWriter(tmp, schema)
            writer.write_table(table.replace_schema_metadata(writer.schema.metadata), row_group_size=50_000)
            counts += np.bincount(tile[tile >= 0], minlength=len(tiling))
            extents = merge_extents(extents, tile_extents(tile, px, py, len(tiling)))
            n_bad += int((~ok).sum())
            w_ok += float(w[ok].sum())
            w_bad += float(w[~ok].sum())
            n_rows += lon.size
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(out)
    return Partition(str(out), counts, n_rows, n_bad, w_ok, w_bad, source=str(path), extents=extents)


def stream_csv_households(
    path, network: WalkNetwork, tiling: Tiling, folder, *, chunk_rows: int = 1_000_000, **read
) -> Partition:
    """A large households CSV, read and checked in chunks and written for the tiles chunk by chunk.

    Each chunk (:func:`~coverage.io.iter_csv_points`) is placed in its tiles,
    ordered by tile and Hilbert distance and written as one GeoParquet file of
    the folder ``households/``; a tile's task reads its rows from all of them
    (``filters=[("_tile", "==", t)]``). Rows without usable coordinates keep
    their reason in ``_reason``.
    """
    from ..io import iter_csv_points
    from ..locate import check_extent, check_offset, project

    out = _fresh(folder)
    counts = np.zeros(len(tiling), dtype=np.int64)
    extents = np.full((len(tiling), 4), np.nan)
    n_rows = n_bad = 0
    w_ok = w_bad = 0.0
    lon_hint = float(np.mean(network.bounds_lonlat[::2]))
    for k, (offset, pts) in enumerate(
        iter_csv_points(path, chunk_rows=chunk_rows, lon_hint=lon_hint, **read)
    ):
        if k == 0:  # the misplaced-input errors, from the first chunk
            check_extent(network, pts)
            if read.get("crs") is None:
                check_offset(network, pts, "households")
        x, y = project(network, pts.lon, pts.lat)
        tile = tiling.tile_of(x, y)
        tile[~pts.valid] = -1
        extents = merge_extents(extents, tile_extents(tile, x, y, len(tiling)))
        frame = pts.frame.copy()
        frame["_row"] = offset + np.arange(len(frame), dtype=np.int64)
        frame["_tile"] = tile
        frame["_weight"] = pts.weight
        frame["_reason"] = pts.reason.astype(str)
        hil = np.zeros(len(frame), dtype=np.int64)
        if pts.valid.any():
            hil[pts.valid] = (
                frame.geometry[pts.valid].hilbert_distance(total_bounds=network.bounds_lonlat).to_numpy()
            )
        frame = frame.iloc[np.lexsort((hil, tile))].reset_index(drop=True)
        for c in frame.columns:
            if frame[c].dtype == object and c != frame.geometry.name:
                frame[c] = frame[c].astype("string")
        part = out / f"chunk-{k:05d}.parquet"
        write_cache(
            part, lambda tmp, f=frame: f.to_parquet(tmp, index=False, row_group_size=50_000), "households"
        )
        counts += np.bincount(tile[tile >= 0], minlength=len(tiling))
        n_rows += len(frame)
        n_bad += int((~pts.valid).sum())
        w_ok += pts.valid_weight
        w_bad += float(pts.weight[~pts.valid].sum())
    return Partition(str(out), counts, n_rows, n_bad, w_ok, w_bad, source=str(path), extents=extents)


def _place_partition(
    gdf, offset: int, work_crs: str, tiling: Tiling, bounds, weight_col, out_path: str, geo=None
) -> dict:
    """One partition of GeoParquet households placed in its tiles and written (runs on a Dask worker).

    ``geo`` is (geometry column, CRS) when the partition comes as a plain table with WKB geometries.
    """
    import geopandas as gpd
    import pyproj
    import shapely

    if geo is not None:
        gcol, crs = geo
        gdf = gpd.GeoDataFrame(
            gdf.drop(columns=[gcol]), geometry=shapely.from_wkb(gdf[gcol].to_numpy()), crs=crs or "EPSG:4326"
        )

    geom = np.asarray(gdf.geometry.values, dtype=object)
    g84 = (
        gdf.geometry.to_crs("EPSG:4326")
        if gdf.crs is not None and not gdf.crs.equals(pyproj.CRS.from_epsg(4326))
        else gdf.geometry
    )
    lon, lat = _inner_xy(np.asarray(g84.values, dtype=object))
    ok = (
        np.isfinite(lon)
        & np.isfinite(lat)
        & (np.abs(lon) <= 180)
        & (np.abs(lat) <= 90)
        & ~shapely.is_missing(geom)
    )
    w = (
        np.ones(len(gdf))
        if weight_col is None
        else pd.to_numeric(gdf[weight_col], errors="coerce").to_numpy(float)
    )
    bad_w = np.flatnonzero((w < 0) | ~np.isfinite(w))
    if bad_w.size:
        return {
            "error": f"column {weight_col!r} is negative, empty or not a number in rows (from 0) "
            f"{rows_text(offset + bad_w)}; households cannot be negative."
        }
    x, y = pyproj.Transformer.from_crs("EPSG:4326", work_crs, always_xy=True).transform(lon, lat)
    tile = tiling.tile_of(np.where(ok, x, np.nan), np.where(ok, y, np.nan))
    hil = np.zeros(len(gdf), dtype=np.int64)
    if ok.any():
        hil[ok] = (
            gpd.GeoSeries(shapely.points(lon[ok], lat[ok])).hilbert_distance(total_bounds=bounds).to_numpy()
        )
    out = gdf.set_geometry(g84.values).assign(
        _row=offset + np.arange(len(gdf), dtype=np.int64), _tile=tile, _weight=w
    )
    out = out.iloc[np.lexsort((hil, tile))].reset_index(drop=True)
    out.to_parquet(out_path, index=False, row_group_size=50_000)
    return {
        "counts": np.bincount(tile[tile >= 0], minlength=len(tiling)),
        "n": len(gdf),
        "n_bad": int((~ok).sum()),
        "w_ok": float(w[ok].sum()),
        "w_bad": float(w[~ok].sum()),
        "extents": tile_extents(tile, x, y, len(tiling)),
    }


def partition_parquet_dask(
    path, network: WalkNetwork, tiling: Tiling, folder, client, *, weight: str | None = None
) -> Partition:
    """GeoParquet households placed in their tiles in parallel on a Dask cluster (dask-geopandas partitions).

    Each partition (a file of a dataset, or row groups of one file) is read,
    placed, ordered by tile and Hilbert distance and written by a worker; the
    coordinator only adds up the counts. Rows keep their input order number
    in ``_row``.
    """
    import dask_geopandas

    geo = None
    if Path(path).is_dir():  # a dataset: one partition per file (dask-geopandas)
        ddf = dask_geopandas.read_parquet(path)
    else:  # one file: one partition per row group, geometries decoded on the workers
        import dask.dataframe as dd
        import pyarrow.parquet as pq

        meta = json.loads((pq.ParquetFile(path).schema_arrow.metadata or {}).get(b"geo", b"{}") or b"{}")
        gcol = meta.get("primary_column", "geometry")
        geo = (gcol, (meta.get("columns", {}).get(gcol, {}) or {}).get("crs"))
        ddf = dd.read_parquet(path, split_row_groups=True)
    wcol = _weight_column(list(ddf.columns), weight, path)
    lengths = ddf.map_partitions(len).compute()
    offsets = np.concatenate([[0], np.cumsum(np.asarray(lengths))])
    out = _fresh(folder)
    parts = ddf.to_delayed()
    from dask import delayed

    jobs = [
        delayed(_place_partition)(
            p,
            int(offsets[k]),
            network.crs.to_string(),
            tiling,
            network.bounds_lonlat,
            wcol,
            str(out / f"part-{k:05d}.parquet"),
            geo,
        )
        for k, p in enumerate(parts)
    ]
    return _partition_from(client.compute(jobs, sync=True), out, path)


def tile_gates(rule, region, margin_m: float = 0.0) -> dict:
    """The compounds that come within ``margin_m`` of a tile, with their gates (placed for the whole run)."""
    if rule is None:
        return {}
    import geopandas as gpd

    tree = rule.compound_tree
    idx = np.sort(
        tree.query(region, predicate="dwithin", distance=margin_m)
        if margin_m
        else tree.query(region, predicate="intersects")
    )
    if idx.size == 0:
        return {}
    ids = rule.compounds.ids.astype(str)
    comp = gpd.GeoDataFrame(
        {"compound_id": ids[idx]}, geometry=rule.compounds.frame.geometry.values[idx], crs="EPSG:4326"
    )
    g = np.flatnonzero(np.isin(rule.gate_compound, idx) & rule.gates.valid & (rule.gate_status != "too_far"))
    gates = gpd.GeoDataFrame(
        {"gate_id": rule.gates.ids.astype(str)[g], "compound_id": ids[rule.gate_compound[g]]},
        geometry=gpd.points_from_xy(rule.gates.lon[g], rule.gates.lat[g]),
        crs="EPSG:4326",
    )
    return {"compounds": comp, "gates": gates}


def untiled_profile(profile) -> None:
    """Profiles that walk a restricted network (wheelchair) are not cut into tiles yet: a clear error."""
    if settings.PROFILE_AVOID.get(profile or ""):
        msg = (
            f"--profile {profile} (a restricted walking network) does not run with --tiles yet; run it "
            "per city."
        )
        raise CoverageInputError(msg)
