"""Write analysis results to files (CSV, GeoPackage, JSON), safely.

Every file is written to a temporary name and renamed into place
(:func:`~coverage._files.atomic_path`), so an interrupted run leaves no
half-written file. Writers take an output folder as a path or as an
:class:`~coverage._files.OutputFolder`, which also refuses to overwrite the
run's inputs and lists what it wrote in ``manifest.json``. Text from the data
is made safe for the programs planners open it with: no live formulas in CSV
or Excel, no control characters, GeoPackage column names unique regardless of
case and never the reserved ``fid``, and strictly valid JSON.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._files import OutputFolder, atomic_path, safe_cell, strict_json

log = logging.getLogger(__name__)


def folder(out, result=None) -> OutputFolder:
    """``out`` as an :class:`OutputFolder` (a path gets one guarding ``result``'s input files)."""
    if isinstance(out, OutputFolder):
        return out
    return OutputFolder(out, inputs=input_files(result) if result is not None else ())


def input_files(result) -> list[str]:
    """The files a result was computed from (network, stations, households)."""
    files = [result.station_points.source, result.household_points.source, result.network.meta.get("source")]
    if result.gate_rule is not None:
        files += [result.gate_rule.compounds.source, result.gate_rule.gates.source]
    return [f for f in files if f]


def plain_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GDAL can write: categoricals and objects as text (control characters removed)."""
    out = frame.copy()
    for c in out.columns:
        if c == out.geometry.name:
            continue
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
        elif out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                else safe_cell(str(v)))
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
        log.info("GeoPackage columns renamed (names must differ regardless of case, fid is reserved): %s", rename)
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
    """CSV with WGS-84 ``lon``/``lat`` columns instead of geometry (UTF-8 with BOM for Excel), written atomically.

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


def write_frames(out: OutputFolder, frames) -> dict[str, str]:
    """Each (name, frame) as ``name.csv`` and ``name.gpkg`` (skipping frames that are None)."""
    files = {}
    for name, frame in frames:
        if frame is None:
            continue
        with out.write(f"{name}.csv") as tmp:
            to_csv(frame, tmp)
        with out.write(f"{name}.gpkg") as tmp:
            to_gpkg(frame, tmp, layer=name)
        files[f"{name}_csv"] = str(out.path(f"{name}.csv"))
        files[f"{name}_gpkg"] = str(out.path(f"{name}.gpkg"))
    return files


def write_result(result, out_dir) -> dict[str, str]:
    """Write households, stations and the summary of a CoverageResult."""
    out = folder(out_dir, result)
    files = write_frames(out, (("households", result.households), ("stations", result.stations)))
    if result.gate_rule is not None:
        files.update(write_compounds(result, out))
    summary = result.summary.to_dict()
    summary["params"] = result.params
    with out.write("summary.json") as tmp:
        write_json(summary, tmp)
    files["summary"] = str(out.path("summary.json"))
    log.info("Wrote results to %s", out.dir)
    return files


def write_compounds(result, out_dir) -> dict[str, str]:
    """Gated-compound outputs: ``compounds.csv`` (one row per compound, open rule against gated rule),
    ``gates.csv`` (one row per input gate, with its status) and ``compounds.gpkg`` (both as layers)."""
    from ..gates import compound_frames

    out = folder(out_dir, result)
    comp, gates = compound_frames(result)
    with out.write("compounds.csv") as tmp:
        to_csv(comp, tmp)
    with out.write("gates.csv") as tmp:
        to_csv(gates, tmp)
    with out.write("compounds.gpkg") as tmp:
        write_gpkg({"compounds": comp, "gates": gates}, tmp)
    return {name.replace(".", "_"): str(out.path(name)) for name in ("compounds.csv", "gates.csv", "compounds.gpkg")}


def write_isochrones(isochrones, out_dir, *, geojson: bool = False, gaps=None) -> dict[str, str]:
    """Write per-station isochrones, their union per band (and gap areas) to ``isochrones.gpkg``."""
    per, uni = isochrones
    out = folder(out_dir)
    with out.write("isochrones.gpkg") as tmp:
        write_gpkg({"isochrones": per, "isochrone_union": uni, "gaps": gaps}, tmp)
    files = {"isochrones_gpkg": str(out.path("isochrones.gpkg"))}
    if geojson:
        with out.write("isochrones.geojson") as tmp:
            plain_columns(per).to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
        files["isochrones_geojson"] = str(out.path("isochrones.geojson"))
    return files


def write_siting(siting, out_dir) -> dict[str, str]:
    """Write a SitingResult: ``sites.csv``, ``sites.gpkg`` (when the sites are places) and ``siting.json``.

    siting.json holds the summary, the k-curve and, when the siting came from
    an assessment, that assessment's summary (``analysis``).
    """
    out = folder(out_dir)
    files = {}
    sites = siting.sites
    with out.write("sites.csv") as tmp:
        if isinstance(sites, gpd.GeoDataFrame):
            to_csv(whole_numbers(sites.drop(columns=[c for c in ("lon", "lat") if c in sites.columns])), tmp)
        else:
            write_table(whole_numbers(pd.DataFrame(sites)).map(lambda v: safe_cell(v, csv=True)), tmp)
    files["sites_csv"] = str(out.path("sites.csv"))
    if isinstance(sites, gpd.GeoDataFrame) and len(sites):  # a GeoPackage needs at least one feature here
        with out.write("sites.gpkg") as tmp:
            to_gpkg(sites, tmp, layer="sites")
        files["sites_gpkg"] = str(out.path("sites.gpkg"))
    doc = {**siting.summary, "curve": siting.curve}
    if siting.analysis is not None:
        doc["analysis"] = siting.analysis
    with out.write("siting.json") as tmp:
        write_json(doc, tmp)
    files["siting_json"] = str(out.path("siting.json"))
    return files


def write_maps(result, out_dir, *, isochrones=None, sites=None, map_path=None, png_path=None, png: bool = False,
               lang: str = "en", network_layer: bool = False, scenario=None) -> dict[str, str]:
    """Write the HTML map (default ``OUT/map.html``) and, with ``png``, the PNG (default ``OUT/map.png``).

    ``scenario`` is the what-if table when already built (with candidate gate openings, for ``site-gates``).
    """
    from .html_map import coverage_map, save_map
    from .static_map import static_map

    out = folder(out_dir, result)
    iso = result.isochrones() if isochrones is None else isochrones
    m = coverage_map(result, isochrones=iso, sites=sites, lang=lang, network=network_layer, scenario=scenario)
    target = out.path(map_path or "map.html")
    with out.write(target) as tmp:
        save_map(m, tmp)
    files = {"map": str(target)}
    if png or png_path:
        target = out.path(png_path or "map.png")
        with out.write(target) as tmp:
            static_map(result, tmp, isochrones=iso, sites=sites, lang=lang)
        files["png"] = str(target)
    return files
