"""File formats, safely: CSV, GeoPackage and JSON of one frame or document (no file names here).

Every file is written to a temporary name and renamed into place
(:func:`~coverage._files.atomic_path`), so an interrupted run leaves no
half-written file. Text from the data is made safe for the programs planners
open it with: no live formulas in CSV or Excel, no control characters,
GeoPackage column names unique regardless of case and never the reserved
``fid``, and strictly valid JSON. Which files a run writes, and their names,
is :mod:`coverage.output.files`' business.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._files import atomic_path, safe_cell, strict_json

log = logging.getLogger(__name__)


def plain_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL can write: categoricals and objects as text (control characters removed)."""
    out = frame.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
        elif out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(
                lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else safe_cell(str(v))
            )
    return out


def gpkg_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Column names a GeoPackage accepts: unique regardless of case, and none called ``fid``.

    ``FID`` (ArcGIS) becomes ``FID_input``; a second ``ID`` beside ``id``
    becomes ``ID_2``.
    """
    seen: set[str] = {"fid"}
    rename = {}
    for c in frame.columns:
        if c == frame.geometry.name:
            continue
        name = str(c)
        if name.lower() == "fid":
            name = f"{name}_input"
        base, k = name, 2
        while name.lower() in seen:
            name = f"{base}_{k}"
            k += 1
        seen.add(name.lower())
        if name != c:
            rename[c] = name
    if rename:
        log.info(
            "GeoPackage columns renamed (names must differ regardless of case, fid is reserved): %s", rename
        )
    return frame.rename(columns=rename)


#: Columns of household counts that are written as integers when every value is whole.
WHOLE_COLUMNS = ("households_added", "weight_added", "served_added")


def whole_numbers(frame, columns=WHOLE_COLUMNS):
    """A copy with ``columns`` as integers where every value is whole (``15884``, not ``15884.0``)."""
    out = frame.copy()
    for c in columns:
        if c in out.columns and pd.api.types.is_float_dtype(out[c].dtype):
            v = out[c]
            if v.notna().any() and (v.dropna() == v.dropna().round()).all():
                out[c] = v.round().astype("Int64")
    return out


def to_csv(frame: gpd.GeoDataFrame, path) -> Path:
    """CSV with WGS-84 ``lon``/``lat`` columns instead of geometry (UTF-8 with BOM for Excel), written
    atomically.

    Non-point geometries (compound outlines) give the point inside them that
    the analysis walked from. Text cells are safe to open in Excel.
    """
    geo = frame.geometry.to_crs("EPSG:4326") if frame.crs is not None else frame.geometry
    empty = (geo.isna() | geo.is_empty).to_numpy()
    pts = np.asarray(geo.values, dtype=object).copy()
    nonpoint = ~empty & (geo.geom_type != "Point").to_numpy()
    if nonpoint.any():
        pts[nonpoint] = shapely.point_on_surface(pts[nonpoint])
    xy = np.full((len(frame), 2), np.nan)
    if (~empty).any():
        xy[~empty] = shapely.get_coordinates(pts[~empty])[:, :2]
    df = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    for c in ("lon", "lat"):
        if c in df.columns:
            df = df.rename(columns={c: f"{c}_input"})
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype):
            df[c] = df[c].map(lambda v: safe_cell(v, csv=True))
    df["lon"] = np.round(xy[:, 0], 7)
    df["lat"] = np.round(xy[:, 1], 7)
    return write_table(df, path)


def write_table(df: pd.DataFrame, path) -> Path:
    """A plain table as CSV (UTF-8 with BOM), written atomically."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


def _geometry_type(frame: gpd.GeoDataFrame) -> str | None:
    kinds = set(frame.geometry.geom_type.dropna())
    if len(kinds) <= 1:
        return None
    if kinds <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon"
    if kinds <= {"Point", "MultiPoint"}:
        return "MultiPoint"
    if kinds <= {"LineString", "MultiLineString"}:
        return "MultiLineString"
    return "Unknown"  # e.g. points and compound outlines in one layer


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path) -> Path:
    """One GeoPackage with these layers (empty ones skipped), written atomically."""
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            if frame is None or not len(frame):
                continue
            out = gpkg_columns(plain_columns(frame))
            gtype = _geometry_type(out)
            kw = {"geometry_type": gtype, "promote_to_multi": gtype not in (None, "Unknown")} if gtype else {}
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", **kw)
    return Path(path)


def to_gpkg(frame: gpd.GeoDataFrame, path, layer: str) -> Path:
    return write_gpkg({layer: frame}, path)


def json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def write_json(obj, path) -> Path:
    """Strictly valid JSON (NaN becomes null), written atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(strict_json(obj, default=json_default), encoding="utf-8")
    return Path(path)
