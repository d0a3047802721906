"""The meeting pack: one folder with everything a planning meeting needs.

``export_report(result, out_dir)`` writes:

* ``map.html``: the interactive map (offline apart from basemap tiles);
* ``map.png``: the same as a static picture for slides;
* ``coverage.gpkg``: every layer, ready for QGIS: stations, households (with
  status), isochrones, isochrone_union, gaps (hexagonal cells of uncovered
  households), sites (proposed) and areas (with their shares), when given;
* CSVs of the same tables;
* ``summary.xlsx``: notes (definitions, parameters, sources), summary, by
  station, by area and proposed sites, formatted as a report;
* ``brief.pdf``: one or two printable A4 pages (map, key figures, areas below
  target, proposed sites);
* ``manifest.json``: input file hashes, the OSM data timestamp, every
  parameter, and library and dependency versions, so the numbers can be
  reproduced later.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import geopandas as gpd

from .._files import OutputFolder, safe_cell
from .._version import __version__
from .brief import write_brief
from .files import json_default, folder, to_csv, whole_numbers, write_gpkg, write_table
from .mapdata import named_sites
from .workbook import write_workbook

log = logging.getLogger(__name__)

VERSIONED = ("numpy", "scipy", "pandas", "shapely", "pyproj", "geopandas", "pyogrio", "networkx", "osmnx",
             "osmium", "pyrosm", "folium", "matplotlib", "contourpy", "openpyxl", "xstatic-leaflet")


def _sha256(path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def _versions() -> dict:
    out = {"service-coverage": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        import pyogrio

        out["GDAL"] = pyogrio.__gdal_version_string__
    except Exception:  # pragma: no cover
        pass
    return out


def manifest(result, *, sites=None, areas_file=None, extra: dict | None = None) -> dict:
    """Inputs (with hashes), the OSM data timestamp, parameters and versions."""
    meta = result.network.meta
    hp = result.household_points
    inputs = {
        "network": {"file": meta.get("source"), "sha256": meta.get("sha256") or (
            _sha256(meta["source"]) if meta.get("source") and Path(str(meta["source"])).exists() else None)},
        "stations": {"file": result.station_points.source,
                     "sha256": _sha256(result.station_points.source) if result.station_points.source else None,
                     "rows": len(result.station_points)},
        "households": {"file": hp.source if hp is not None else result.params.get("households_file"),
                       "sha256": _sha256(hp.source) if hp is not None and hp.source else None,
                       "rows": len(hp) if hp is not None else result.summary.n_households},
    }
    if areas_file is not None and not isinstance(areas_file, gpd.GeoDataFrame):
        inputs["areas"] = {"file": str(areas_file), "sha256": _sha256(areas_file)}
    return {
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "inputs": inputs,
        "osm_data_timestamp": meta.get("osm_timestamp"),
        "network": {k: v for k, v in meta.items() if k not in ("sha256",)},
        "parameters": {k: v for k, v in result.params.items() if k != "network"},
        "summary": result.summary.to_dict(),
        "siting": sites.summary if sites is not None else None,
        "versions": _versions(),
        "licence": "OpenStreetMap data © OpenStreetMap contributors, ODbL 1.0",
        **(extra or {}),
    }


def export_report(result, out_dir, *, sites=None, areas=None, area_name_col: str | None = None,
                  area_id_col: str | None = None, target_share: float = 0.85, lang: str = "en",
                  png: bool = True, brief: bool = True, isochrones=None, area_crs=None) -> dict[str, str]:
    """Write the meeting pack for ``result`` to ``out_dir``; returns the files written.

    Parameters
    ----------
    sites
        A :class:`~coverage.siting.SitingResult` (proposed new stations).
    areas
        Street or community boundaries (file or GeoDataFrame) for the
        by-area table; see :func:`coverage.areas.summarize_by_area`.
    target_share
        The share each area is checked against (default 0.85).
    brief
        Also write ``brief.pdf``, one or two printable A4 pages.
    isochrones
        ``(per_station, union)`` when already drawn (a tiled run passes its own).
    area_crs
        The areas' CRS when their file has none, or ``"gcj02"``/``"bd09"``
        (see :func:`coverage.areas.read_areas`).

    ``result`` may be a :class:`~coverage.tiled.TiledResult`: the pack is the
    same but for the interactive map and the PNG, which are drawn per city or
    district; with more households than a merged table holds, the by-area
    table and the brief are left out too.
    """
    from ..areas import read_areas, summarize_by_area
    from ..isochrones import gap_areas
    from .html_map import coverage_map, save_map, static_map

    t0 = time.perf_counter()
    own = not isinstance(out_dir, OutputFolder)
    out = folder(out_dir, result)
    if areas is not None and not isinstance(areas, gpd.GeoDataFrame):
        out.add_input(areas)
    files: dict[str, str] = {}
    tiled = hasattr(result, "tile_files")
    merged = not tiled or result.households is not None
    iso = isochrones if isochrones is not None else result.isochrones()
    site_gdf = sites.sites if sites is not None else None
    if not tiled:
        with out.write("map.html") as tmp:
            save_map(coverage_map(result, isochrones=iso, sites=site_gdf, lang=lang), tmp)
        files["map"] = str(out.path("map.html"))
    if png and not tiled:
        with out.write("map.png") as tmp:
            static_map(result, tmp, isochrones=iso, sites=site_gdf, lang=lang)
        files["png"] = str(out.path("map.png"))

    by_area = None
    area_gdf = None
    if areas is not None and not merged:
        from ..tiles.run import MERGE_MAX_ROWS

        log.warning("The by-area table needs the merged households (at most %s rows); it is left out",
                    f"{MERGE_MAX_ROWS:,}")
        areas = None
    if areas is not None:
        by_area = summarize_by_area(result, areas, name_col=area_name_col, id_col=area_id_col,
                                    target_share=target_share, crs=area_crs)
        area_polys, _ = read_areas(areas, area_name_col, area_id_col, crs=area_crs)
        area_gdf = area_polys.merge(by_area.drop(columns="area"), on="area_id", how="left")

    layers = {
        "stations": result.stations,
        "households": result.households,
        "isochrones": iso[0],
        "isochrone_union": iso[1],
        "gaps": result.gap_areas(iso) if tiled else gap_areas(result, iso),
        "sites": site_gdf,
        "areas": area_gdf,
    }
    with out.write("coverage.gpkg") as tmp:
        write_gpkg(layers, tmp)
    files["gpkg"] = str(out.path("coverage.gpkg"))
    for name, frame in (("households", result.households), ("stations", result.stations)):
        if frame is None:
            continue
        with out.write(f"{name}.csv") as tmp:
            to_csv(frame, tmp)
        files[f"{name}_csv"] = str(out.path(f"{name}.csv"))
    if site_gdf is not None:
        with out.write("sites.csv") as tmp:
            to_csv(whole_numbers(named_sites(result, site_gdf, lang).drop(columns=["lon", "lat"], errors="ignore")),
                   tmp)
        files["sites_csv"] = str(out.path("sites.csv"))
    if result.gate_rule is not None and merged:
        from .files import write_compounds

        files.update(write_compounds(result, out))
    if by_area is not None:
        with out.write("areas.csv") as tmp:
            write_table(by_area.map(lambda v: safe_cell(v, csv=True)), tmp)
        files["areas_csv"] = str(out.path("areas.csv"))

    # the workbook and the printable brief
    man = manifest(result, sites=sites, areas_file=areas)
    with out.write("summary.xlsx") as tmp:
        write_workbook(tmp, result, lang=lang, sites=sites, by_area=by_area, manifest=man)
        if getattr(result, "groups", None) is not None or getattr(result, "access_measure", None) is not None:
            from .people import add_people_sheets, write_people  # population groups and accessibility

            add_people_sheets(tmp, result, areas=areas, area_name_col=area_name_col, area_id_col=area_id_col,
                              lang=lang)
            files.update(write_people(result, out, areas=areas, area_name_col=area_name_col,
                                      area_id_col=area_id_col))
    files["xlsx"] = str(out.path("summary.xlsx"))
    if brief and merged:
        with out.write("brief.pdf") as tmp:
            write_brief(tmp, result, isochrones=iso, sites=sites, by_area=by_area, lang=lang)
        files["brief"] = str(out.path("brief.pdf"))
    out.extra.update(man)
    if own:
        out.finish(cleanup=False, default=json_default)
    files["manifest"] = str(out.path("manifest.json"))
    log.info("Meeting pack written to %s in %.1f s", out.dir, time.perf_counter() - t0)
    return files
