"""Read stations and residential points; write results.

Accepted inputs: CSV (``lon``/``lat`` in WGS-84 by default, or x/y in a stated
CRS, or GCJ-02/BD-09 lon/lat), GeoJSON, GeoPackage, Shapefile, or a
GeoDataFrame in any CRS. Every input row is kept: rows with unusable
coordinates are marked invalid with a reason, never dropped. Problems that make
the whole input unusable raise :class:`CoverageInputError` with the file,
column, rows and fix.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._errors import CoverageInputError, rows_text
from .crs import is_china_offset, to_wgs84

log = logging.getLogger(__name__)

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
LON_ALIASES = ("lon", "lng", "long", "longitude", "经度", "x")
LAT_ALIASES = ("lat", "latitude", "纬度", "y")


@dataclass(frozen=True)
class Points:
    """Validated points, one per input row, in input order.

    Attributes
    ----------
    frame
        The input rows (index reset) as a GeoDataFrame in :attr:`crs`.
    ids
        The id column as given.
    lon, lat
        WGS-84 coordinates (NaN where the row is invalid).
    weight
        Households per point (1 when no weight column was given).
    reason
        Why a row is invalid ("" for valid rows).
    label
        How the input is named in messages (file name or argument name).
    input_crs
        The CRS the coordinates were given in ("gcj02"/"bd09" or a pyproj CRS).
    """

    frame: gpd.GeoDataFrame
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray
    reason: np.ndarray
    label: str
    input_crs: object
    weight_col: str | None = None
    name_col: str | None = None
    source: str | None = None  # the file read, when it was a file

    def __len__(self) -> int:
        return int(self.ids.size)

    @property
    def valid(self) -> np.ndarray:
        return self.reason == ""

    @property
    def crs(self):
        return self.frame.crs

    @property
    def valid_weight(self) -> float:
        """Households of the rows with usable coordinates."""
        return float(self.weight[self.valid].sum())

    def subset(self, keep: np.ndarray) -> Points:
        """The rows where ``keep`` is true, in order."""
        return replace(
            self, frame=self.frame[keep].reset_index(drop=True), ids=self.ids[keep], lon=self.lon[keep],
            lat=self.lat[keep], weight=self.weight[keep], reason=self.reason[keep],
        )

    def concat(self, other: Points) -> Points:
        """These rows followed by ``other``'s (its frame in this CRS)."""
        a, b = self.frame, other.frame
        fb = b.to_crs(a.crs) if (a.crs is not None and b.crs is not None) else b
        frame = gpd.GeoDataFrame(pd.concat([a, fb], ignore_index=True), geometry=a.geometry.name, crs=a.crs)
        return replace(
            self, frame=frame, ids=np.concatenate([self.ids.astype(object), other.ids.astype(object)]),
            lon=np.concatenate([self.lon, other.lon]), lat=np.concatenate([self.lat, other.lat]),
            weight=np.concatenate([self.weight, other.weight]), reason=np.concatenate([self.reason, other.reason]),
        )


def _read_csv(path: Path) -> pd.DataFrame:
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    last = None
    for enc in ("utf-8-sig", "gb18030"):  # Excel in China often saves GBK
        try:
            return pd.read_csv(path, sep=sep, encoding=enc, dtype=str, keep_default_na=False, na_values=[""])
        except UnicodeDecodeError as exc:
            last = exc
        except pd.errors.EmptyDataError:
            msg = f"'{path}' is empty; it needs a header row (id,lon,lat) and one row per point."
            raise CoverageInputError(msg) from None
        except pd.errors.ParserError as exc:
            msg = f"'{path}' is not a readable CSV file ({exc})."
            raise CoverageInputError(msg) from None
    msg = f"'{path}' is neither UTF-8 nor GBK text ({last}); save it as UTF-8 CSV."
    raise CoverageInputError(msg)


def _find_col(df: pd.DataFrame, wanted: str | None, aliases, label: str, what: str) -> str:
    cols = {str(c).strip().lower(): c for c in df.columns}
    if wanted is not None:
        if wanted in df.columns:
            return wanted
        if wanted.lower() in cols:
            return cols[wanted.lower()]
        msg = f"{label} has no {what} column {wanted!r}; columns are {list(map(str, df.columns))}."
        raise CoverageInputError(msg)
    for a in aliases:
        if a in cols:
            return cols[a]
    msg = (
        f"{label} has no {what} column (looked for {', '.join(aliases)}); "
        f"columns are {list(map(str, df.columns))}. Rename the column or pass it explicitly."
    )
    raise CoverageInputError(msg)


def _frame_from_csv(path: Path, crs, lon_col, lat_col, label):
    df = _read_csv(path)
    if df.empty:
        msg = f"{label} has a header but no rows."
        raise CoverageInputError(msg)
    projected = False
    if crs is not None and not is_china_offset(crs):
        projected = pyproj.CRS.from_user_input(crs).is_projected
    xa = ("x", "easting", "lon", "lng") if projected else LON_ALIASES
    ya = ("y", "northing", "lat") if projected else LAT_ALIASES
    cx = _find_col(df, lon_col, xa, label, "x" if projected else "longitude")
    cy = _find_col(df, lat_col, ya, label, "y" if projected else "latitude")
    x = pd.to_numeric(df[cx], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(df[cy], errors="coerce").to_numpy(dtype=float)
    bad_text = (df[cx].notna() & np.isnan(x)) | (df[cy].notna() & np.isnan(y))
    return df, x, y, bad_text.to_numpy(), (cx, cy)


@dataclass(frozen=True)
class _Source:
    """What the source-dispatch stage read: a table of rows and their raw coordinates."""

    label: str
    table: pd.DataFrame  # a GeoDataFrame for vector input, else the CSV's columns (text)
    x: np.ndarray | None  # raw CSV coordinates (None for vector input)
    y: np.ndarray | None
    bad_text: np.ndarray | None  # CSV cells that are not numbers
    path: str | None


def _source(source, role: str, crs, lon_col, lat_col) -> _Source:
    """Stage 1, source dispatch: a GeoDataFrame, or a CSV / vector file by its suffix."""
    if isinstance(source, gpd.GeoDataFrame):
        return _Source(f"{role} GeoDataFrame", source.reset_index(drop=True).copy(), None, None, None, None)
    if isinstance(source, pd.DataFrame):
        msg = f"{role} is a plain DataFrame; make it a GeoDataFrame with a CRS (geopandas.points_from_xy)."
        raise TypeError(msg)
    if not isinstance(source, (str, Path)):
        msg = f"{role} must be a file path or a GeoDataFrame, not {type(source).__name__}."
        raise TypeError(msg)
    path = Path(source)
    label = f"{role} file '{path}'"
    if not path.exists():
        msg = f"{label} does not exist."
        raise CoverageInputError(msg)
    if path.is_dir():
        msg = f"{label} is a folder; give a CSV, GeoJSON, GeoPackage or Shapefile."
        raise CoverageInputError(msg)
    if path.stat().st_size == 0:
        msg = f"{label} is empty."
        raise CoverageInputError(msg)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        df, x, y, bad_text, _ = _frame_from_csv(path, crs, lon_col, lat_col, label)
        return _Source(label, df, x, y, bad_text, str(source))
    if suffix in VECTOR_SUFFIXES:
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:
            msg = f"{label} could not be read as a vector file ({exc})."
            raise CoverageInputError(msg) from None
        return _Source(label, gdf, None, None, None, str(source))
    msg = f"{label} has an unknown format {suffix!r}; give .csv, .geojson, .gpkg or .shp (or a GeoDataFrame)."
    raise CoverageInputError(msg)


def _xy_from_geometry(gdf: gpd.GeoDataFrame, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2a, geometry: one position per row (a point inside non-point geometries), NaN where missing."""
    geom = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geom) | np.asarray(gdf.geometry.is_empty)
    kinds = gdf.geometry.geom_type.fillna("")
    nonpoint = (~missing) & (kinds != "Point").to_numpy()
    pts = geom.copy()
    if nonpoint.any():
        warnings.warn(
            f"{label}: {int(nonpoint.sum())} geometries are not points "
            f"({', '.join(sorted(set(kinds[nonpoint])))}); using a point inside each.",
            UserWarning,
            stacklevel=4,
        )
        pts[nonpoint] = shapely.point_on_surface(pts[nonpoint])
    xy = np.full((len(gdf), 2), np.nan)
    if (~missing).any():
        xy[~missing] = shapely.get_coordinates(pts[~missing])[:, :2]
    return xy[:, 0], xy[:, 1]


def _to_lonlat(x, y, src_crs, offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2b, CRS: raw coordinates to lon/lat (GCJ-02/BD-09 stay as given until checked)."""
    if offset:
        return np.array(x, dtype=float), np.array(y, dtype=float)
    t = pyproj.Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _coordinate_reasons(x, y, bad_text, geographic: bool, label: str) -> np.ndarray:
    """Stage 3, coordinate checks: why each row is unusable ("" when it is fine).

    Raises when longitude and latitude are clearly swapped for the whole input.
    """
    reason = np.full(len(x), "", dtype=object)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    reason[bad_text] = "non-numeric coordinate"
    reason[missing & ~bad_text] = "missing coordinate"
    if geographic:
        out = ~missing & ((np.abs(x) > 180) | (np.abs(y) > 90))
        if out.any():
            swapped = out & (np.abs(y) <= 180) & (np.abs(x) <= 90)
            if swapped.sum() > 0.5 * out.sum() and swapped.sum() >= max(1, 0.5 * (~missing).sum()):
                msg = (
                    f"{label}: longitude and latitude look swapped (latitude > 90 in rows "
                    f"{rows_text(np.flatnonzero(swapped))}); swap the two columns."
                )
                raise CoverageInputError(msg)
            reason[out] = "coordinate out of range"
    return reason


def _ids(frame: pd.DataFrame, id_col: str | None, label: str) -> np.ndarray:
    """Stage 4, ids: the id column as given (unique, never empty), or row numbers."""
    if id_col is None:
        return np.arange(len(frame))
    if id_col not in frame.columns:
        msg = (
            f"{label} has no id column {id_col!r}; columns are "
            f"{[c for c in map(str, frame.columns) if c != 'geometry']}. "
            "Add an id column (or pass id_col=... / --id-col)."
        )
        raise CoverageInputError(msg)
    idser = frame[id_col]
    null = idser.isna().to_numpy()
    if null.any():
        msg = f"{label} column {id_col!r} is empty in rows {rows_text(np.flatnonzero(null))}; give every row an id."
        raise CoverageInputError(msg)
    dup = idser.duplicated(keep=False).to_numpy()
    if dup.any():
        vals = list(dict.fromkeys(idser[dup].astype(str)))
        msg = (
            f"{label} column {id_col!r} has duplicate ids {rows_text(vals)} "
            f"(rows {rows_text(np.flatnonzero(dup))}); make the ids unique."
        )
        raise CoverageInputError(msg)
    return idser.to_numpy()


def _weights(frame: pd.DataFrame, weight: str | None, label: str) -> np.ndarray:
    """Stage 5, weights: households per row (non-negative numbers), 1 when no column is given."""
    if weight is None:
        return np.ones(len(frame))
    if weight not in frame.columns:
        msg = (
            f"{label} has no weight column {weight!r}; columns are "
            f"{[c for c in map(str, frame.columns) if c != 'geometry']}."
        )
        raise CoverageInputError(msg)
    raw = frame[weight]
    w = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    nonnum = np.isnan(w) & raw.notna().to_numpy()
    if nonnum.any():
        msg = (
            f"{label} column {weight!r} is not a number in rows {rows_text(np.flatnonzero(nonnum))}; "
            "give households as numbers."
        )
        raise CoverageInputError(msg)
    if np.isnan(w).any():
        msg = (
            f"{label} column {weight!r} is empty in rows {rows_text(np.flatnonzero(np.isnan(w)))}; "
            "fill them (0 if nobody lives there)."
        )
        raise CoverageInputError(msg)
    if (w < 0).any() or not np.isfinite(w).all():
        msg = (
            f"{label} column {weight!r} is negative or infinite in rows "
            f"{rows_text(np.flatnonzero((w < 0) | ~np.isfinite(w)))}; households cannot be negative."
        )
        raise CoverageInputError(msg)
    return w


def read_points(
    source,
    *,
    role: str = "points",
    id_col: str | None = "id",
    name_col: str | None = "name",
    weight: str | None = None,
    crs=None,
    lon_col: str | None = None,
    lat_col: str | None = None,
) -> Points:
    """Read and validate stations or residential points.

    Five stages, each its own function: source dispatch, geometry and CRS,
    coordinate checks, ids, weights.

    Parameters
    ----------
    source
        A CSV/GeoJSON/GeoPackage/Shapefile path or a GeoDataFrame.
    role
        "stations" or "households"; used in messages.
    id_col
        Column with the point ids, kept as given. ``None`` numbers the rows
        from 0.
    name_col
        Optional column with display names.
    weight
        Column with households per point (non-negative numbers). ``None``
        counts every point as one.
    crs
        CRS of the coordinates: ``"gcj02"`` or ``"bd09"`` for Chinese web-map
        coordinates, or anything pyproj accepts (``"EPSG:4547"``). For CSV it
        defaults to WGS-84 lon/lat; for a GeoDataFrame or vector file it
        overrides the stored CRS only when it is GCJ-02/BD-09.
    lon_col, lat_col
        CSV coordinate columns, when they are not called lon/lat (or x/y).
    """
    src = _source(source, role, crs, lon_col, lat_col)
    label = src.label
    offset = is_china_offset(crs)
    vector = src.x is None
    if vector:
        gdf = src.table
        if len(gdf) == 0:
            msg = f"{label} has no rows."
            raise CoverageInputError(msg)
        if gdf.crs is None and not offset:
            msg = f"{label} has no CRS; set it (gdf.set_crs('EPSG:4326')) or pass crs=."
            raise CoverageInputError(msg)
        x, y = _xy_from_geometry(gdf, label)
        bad_text = np.zeros(len(gdf), dtype=bool)
        src_crs = "EPSG:4326" if (offset or gdf.crs is None) else gdf.crs
    else:
        x, y, bad_text = src.x, src.y, src.bad_text
        src_crs = "EPSG:4326" if (offset or crs is None) else pyproj.CRS.from_user_input(crs)
    lon, lat = _to_lonlat(x, y, src_crs, offset)
    reason = _coordinate_reasons(x, y, bad_text, offset or pyproj.CRS.from_user_input(src_crs).is_geographic, label)
    if offset:
        ok = reason == ""
        lon[ok], lat[ok] = to_wgs84(lon[ok], lat[ok], crs)
    lon = np.where(reason == "", lon, np.nan)
    lat = np.where(reason == "", lat, np.nan)

    if vector and not offset:
        frame = src.table
    else:
        # CSV rows, or GCJ-02/BD-09 input: the geometry is the WGS-84 position
        base = pd.DataFrame(src.table.drop(columns=src.table.geometry.name)) if vector else src.table
        if offset:
            geometry, gcrs = gpd.points_from_xy(lon, lat), "EPSG:4326"
        else:
            geometry, gcrs = gpd.points_from_xy(x, y), src_crs
        geometry[reason != ""] = None
        frame = gpd.GeoDataFrame(base, geometry=geometry, crs=gcrs)
    ids = _ids(frame, id_col, label)
    w = _weights(frame, weight, label)
    ncol = name_col if (name_col and name_col in frame.columns) else None
    n_bad = int((reason != "").sum())
    if n_bad:
        log.warning("%s: %d of %d rows have unusable coordinates; they are kept as 'invalid'", label, n_bad, len(x))
    return Points(
        frame=frame,
        ids=np.asarray(ids),
        lon=np.asarray(lon, dtype=float),
        lat=np.asarray(lat, dtype=float),
        weight=w,
        reason=reason,
        label=label,
        input_crs=crs if offset else frame.crs,
        weight_col=weight,
        name_col=ncol,
        source=src.path,
    )
