"""Write analysis results to files (CSV, GeoPackage, JSON)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


def plain_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
    plain_columns(frame).to_file(path, layer=layer, driver="GPKG")


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
        plain_columns(per).to_crs("EPSG:4326").to_file(out / "isochrones.geojson", driver="GeoJSON")
        files["isochrones_geojson"] = str(out / "isochrones.geojson")
    return files


def write_siting(siting, out_dir) -> dict[str, str]:
    """Write a SitingResult: ``sites.csv``, ``sites.gpkg`` (when the sites are places) and ``siting.json``.

    siting.json holds the summary, the k-curve and, when the siting came from
    an assessment, that assessment's summary (``analysis``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    sites = siting.sites
    if isinstance(sites, gpd.GeoDataFrame):
        to_csv(sites.drop(columns=[c for c in ("lon", "lat") if c in sites.columns]), out / "sites.csv")
        to_gpkg(sites, out / "sites.gpkg", layer="sites")
        files["sites_gpkg"] = str(out / "sites.gpkg")
    else:
        pd.DataFrame(sites).to_csv(out / "sites.csv", index=False, encoding="utf-8-sig")
    files["sites_csv"] = str(out / "sites.csv")
    doc = {**siting.summary, "curve": siting.curve}
    if siting.analysis is not None:
        doc["analysis"] = siting.analysis
    write_json(doc, out / "siting.json")
    files["siting_json"] = str(out / "siting.json")
    return files


def write_maps(result, out_dir, *, isochrones=None, sites=None, map_path=None, png_path=None, png: bool = False,
               lang: str = "en", network_layer: bool = False) -> dict[str, str]:
    """Write the HTML map (default ``OUT/map.html``) and, with ``png``, the PNG (default ``OUT/map.png``)."""
    from .maps import coverage_map, save_map
    from .static_map import static_map

    out = Path(out_dir)
    iso = result.isochrones() if isochrones is None else isochrones
    m = coverage_map(result, isochrones=iso, sites=sites, lang=lang, network=network_layer)
    files = {"map": str(save_map(m, Path(map_path) if map_path else out / "map.html"))}
    if png or png_path:
        files["png"] = str(static_map(result, Path(png_path) if png_path else out / "map.png", isochrones=iso,
                                      sites=sites, lang=lang))
    return files
