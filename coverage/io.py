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
    if isinstance(source, gpd.GeoDataFrame):
        label = f"{role} GeoDataFrame"
        gdf = source.reset_index(drop=True).copy()
        x = y = bad_text = None
    elif isinstance(source, pd.DataFrame):
        msg = f"{role} is a plain DataFrame; make it a GeoDataFrame with a CRS (geopandas.points_from_xy)."
        raise TypeError(msg)
    elif isinstance(source, (str, Path)):
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
            gdf = None
        elif suffix in VECTOR_SUFFIXES:
            try:
                gdf = gpd.read_file(path)
            except Exception as exc:
                msg = f"{label} could not be read as a vector file ({exc})."
                raise CoverageInputError(msg) from None
            x = y = bad_text = None
        else:
            msg = (
                f"{label} has an unknown format {suffix!r}; "
                "give .csv, .geojson, .gpkg or .shp (or a GeoDataFrame)."
            )
            raise CoverageInputError(msg)
    else:
        msg = f"{role} must be a file path or a GeoDataFrame, not {type(source).__name__}."
        raise TypeError(msg)

    offset = is_china_offset(crs)
    if gdf is not None:
        if len(gdf) == 0:
            msg = f"{label} has no rows."
            raise CoverageInputError(msg)
        if gdf.crs is None and not offset:
            msg = f"{label} has no CRS; set it (gdf.set_crs('EPSG:4326')) or pass crs=."
            raise CoverageInputError(msg)
        geom = gdf.geometry.array
        missing = shapely.is_missing(np.asarray(geom)) | np.asarray(gdf.geometry.is_empty)
        kinds = gdf.geometry.geom_type.fillna("")
        nonpoint = (~missing) & (kinds != "Point").to_numpy()
        pts = np.asarray(gdf.geometry.values, dtype=object).copy()
        if nonpoint.any():
            warnings.warn(
                f"{label}: {int(nonpoint.sum())} geometries are not points "
                f"({', '.join(sorted(set(kinds[nonpoint])))}); using a point inside each.",
                UserWarning,
                stacklevel=3,
            )
            pts[nonpoint] = shapely.point_on_surface(pts[nonpoint])
        xy = np.full((len(gdf), 2), np.nan)
        if (~missing).any():
            xy[~missing] = shapely.get_coordinates(pts[~missing])[:, :2]
        src_crs = "EPSG:4326" if (offset or gdf.crs is None) else gdf.crs
        frame = gdf
        x, y = xy[:, 0], xy[:, 1]
        bad_text = np.zeros(len(gdf), dtype=bool)
        if offset:
            lon, lat = x.copy(), y.copy()
        else:
            t = pyproj.Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True)
            lon, lat = t.transform(x, y)
    else:
        src_crs = "EPSG:4326" if (offset or crs is None) else pyproj.CRS.from_user_input(crs)
        if offset:
            lon, lat = x.copy(), y.copy()
        else:
            t = pyproj.Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True)
            lon, lat = t.transform(x, y)
        frame = None

    n = len(x)
    reason = np.full(n, "", dtype=object)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    reason[bad_text] = "non-numeric coordinate"
    reason[missing & ~bad_text] = "missing coordinate"
    geographic_input = offset or pyproj.CRS.from_user_input(src_crs).is_geographic
    if geographic_input:
        out = ~missing & ((np.abs(x) > 180) | (np.abs(y) > 90))
        if out.any():
            swapped = out & (np.abs(y) <= 180) & (np.abs(x) <= 90)
            if swapped.sum() > 0.5 * out.sum() and swapped.sum() >= max(1, 0.5 * (~missing).sum()):
                rows = np.flatnonzero(swapped)
                msg = (
                    f"{label}: longitude and latitude look swapped (latitude > 90 in rows "
                    f"{rows_text(rows)}); swap the two columns."
                )
                raise CoverageInputError(msg)
            reason[out] = "coordinate out of range"
    if offset:
        ok = reason == ""
        lon = lon.astype(float).copy()
        lat = lat.astype(float).copy()
        lon[ok], lat[ok] = to_wgs84(lon[ok], lat[ok], crs)
    lon = np.where(reason == "", lon, np.nan)
    lat = np.where(reason == "", lat, np.nan)

    if frame is None or offset:
        # CSV rows, or GCJ-02/BD-09 input: the geometry is the WGS-84 position
        base = df if frame is None else pd.DataFrame(frame.drop(columns=frame.geometry.name))
        if offset:
            geometry, gcrs = gpd.points_from_xy(lon, lat), "EPSG:4326"
        else:
            geometry, gcrs = gpd.points_from_xy(x, y), src_crs
        geometry[reason != ""] = None
        frame = gpd.GeoDataFrame(base, geometry=geometry, crs=gcrs)

    # ids
    if id_col is None:
        ids = np.arange(n)
    else:
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
        ids = idser.to_numpy()

    # weights
    if weight is None:
        w = np.ones(n)
    else:
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
    ncol = name_col if (name_col and name_col in frame.columns) else None
    n_bad = int((reason != "").sum())
    if n_bad:
        log.warning("%s: %d of %d rows have unusable coordinates; they are kept as 'invalid'", label, n_bad, n)
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
        source=str(source) if isinstance(source, (str, Path)) else None,
    )
