"""Write analysis results to files (CSV, GeoPackage, JSON)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def _plain(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL can write: categoricals and objects as text."""
    out = frame.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
        elif out[c].dtype == object:
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    return out


def to_csv(frame: gpd.GeoDataFrame, path: Path) -> None:
    """CSV with WGS-84 ``lon``/``lat`` columns instead of geometry (UTF-8 with BOM for Excel)."""
    geo = frame.geometry.to_crs("EPSG:4326") if frame.crs is not None else frame.geometry
    df = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    for c in ("lon", "lat"):
        if c in df.columns:
            df = df.rename(columns={c: f"{c}_input"})
    empty = geo.isna() | geo.is_empty
    df["lon"] = np.where(empty, np.nan, geo.x.where(~empty)).round(7)
    df["lat"] = np.where(empty, np.nan, geo.y.where(~empty)).round(7)
    df.to_csv(path, index=False, encoding="utf-8-sig")


def to_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    _plain(frame).to_file(path, layer=layer, driver="GPKG")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def write_json(obj, path: Path) -> None:
    Path(path).write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=_json_default), encoding="utf-8")


def write_result(result, out_dir) -> dict[str, str]:
    """Write households, stations and the summary of a CoverageResult."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, frame in (("households", result.households), ("stations", result.stations)):
        to_csv(frame, out / f"{name}.csv")
        to_gpkg(frame, out / f"{name}.gpkg", layer=name)
        files[f"{name}_csv"] = str(out / f"{name}.csv")
        files[f"{name}_gpkg"] = str(out / f"{name}.gpkg")
    summary = result.summary.to_dict()
    summary["params"] = result.params
    write_json(summary, out / "summary.json")
    files["summary"] = str(out / "summary.json")
    log.info("Wrote results to %s", out)
    return files


def write_isochrones(isochrones, out_dir, *, geojson: bool = False, gaps=None) -> dict[str, str]:
    """Write per-station isochrones, their union per band (and gap areas) to ``isochrones.gpkg``."""
    per, uni = isochrones
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "isochrones.gpkg"
    if path.exists():
        path.unlink()
    to_gpkg(per, path, layer="isochrones")
    to_gpkg(uni, path, layer="isochrone_union")
    if gaps is not None and len(gaps):
        to_gpkg(gaps, path, layer="gaps")
    files = {"isochrones_gpkg": str(path)}
    if geojson:
        _plain(per).to_crs("EPSG:4326").to_file(out / "isochrones.geojson", driver="GeoJSON")
        files["isochrones_geojson"] = str(out / "isochrones.geojson")
    return files
