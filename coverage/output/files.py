"""The writer: one entry (:func:`write_run`) writes a run's files, and every file name lives here.

A run goes one way: read, locate, analyse (:func:`coverage.products.analyse`
computes everything the files draw), then :func:`write_run` writes what the
command asks for into one :class:`~coverage._files.OutputFolder` and, last,
its ``manifest.json``. The command line, :func:`coverage.export_report` and
the convenience methods (``CoverageResult.to_files``, ``TiledResult.to_files``,
``SitingResult.to_files``) all come here; :data:`OUTPUTS` lists what each
command may write, so the folder is checked against the inputs before any
work.

The formats (CSV, GeoPackage, JSON; safe cells, unique GeoPackage columns)
are :mod:`coverage.output.formats`; the renderers (:mod:`.html_map`,
:mod:`.static_map`, :mod:`.workbook`, :mod:`.brief`) are handed finished
products and write one file each.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import OutputFolder, safe_cell
from .formats import (  # noqa: F401  (the formats, importable from here as before)
    gpkg_columns,
    json_default,
    plain_columns,
    to_csv,
    to_gpkg,
    whole_numbers,
    write_gpkg,
    write_json,
    write_table,
)

if TYPE_CHECKING:
    from ..products import RunProducts, RunResult

log = logging.getLogger(__name__)

#: Files written with gated compounds (--compounds/--gates).
GATE_OUTPUTS = ("compounds.csv", "gates.csv", "compounds.gpkg")
#: Files written with population groups or an access measure (--groups, --access).
PEOPLE_OUTPUTS = ("groups.csv", "groups_uncovered.csv", "groups_by_area.csv", "fairness_by_area.csv")
#: The tables of a result, the summary and the isochrones (``to_files``).
RESULT_OUTPUTS = (
    "households.csv",
    "households.gpkg",
    "stations.csv",
    "stations.gpkg",
    "summary.json",
    "isochrones.gpkg",
    "tiles.csv",
    *GATE_OUTPUTS,
    *PEOPLE_OUTPUTS,
)
#: The map and its picture.
MAP_OUTPUTS = ("map.html", "map.png")
#: Proposed sites.
SITING_OUTPUTS = ("sites.csv", "sites.gpkg", "siting.json")
#: Proposed gate openings (``site-gates``, ``site --with-gates``).
GATE_SITING_OUTPUTS = ("gate_sites.csv", "gate_sites.gpkg", "gate_sites.json")
#: The commands whose folder gets the interactive map (and, when asked, the PNG) beside their own files.
_MAP_COMMANDS = ("analyze", "demo", "site", "site-gates")
#: Files each command may write into its folder (checked against the inputs before any work).
OUTPUTS = {
    "files": RESULT_OUTPUTS,
    "analyze": (*RESULT_OUTPUTS, *MAP_OUTPUTS, "manifest.json"),
    "demo": (
        "households.csv",
        "households.gpkg",
        "stations.csv",
        "stations.gpkg",
        "summary.json",
        "isochrones.gpkg",
        "map.html",
        "manifest.json",
        "groups.csv",
        "groups_uncovered.csv",
    ),
    "isochrones": ("isochrones.gpkg", "isochrones.geojson", "manifest.json"),
    "site": (
        *SITING_OUTPUTS,
        *MAP_OUTPUTS,
        "manifest.json",
        "tiles.csv",
        *GATE_SITING_OUTPUTS,
        "combined_sites.csv",
    ),
    "site-gates": (*GATE_SITING_OUTPUTS, *MAP_OUTPUTS, "manifest.json"),
    "report": (
        "map.html",
        "map.png",
        "coverage.gpkg",
        "households.csv",
        "stations.csv",
        "sites.csv",
        "areas.csv",
        "summary.xlsx",
        "brief.pdf",
        "manifest.json",
        *GATE_OUTPUTS,
        *PEOPLE_OUTPUTS,
    ),
    # prepared inputs (coverage.output.prepared names them; tests check the two agree)
    "demand": (
        "households.csv",
        "households.gpkg",
        "zones.csv",
        "zones.gpkg",
        "demand.json",
        "manifest.json",
    ),
    "geocode": ("geocoded.csv", "geocoded.gpkg", "geocode.json", "manifest.json"),
}


def folder(out: str | Path | OutputFolder, result: RunResult | None = None) -> OutputFolder:
    """``out`` as an :class:`OutputFolder` (a path gets one guarding ``result``'s input files)."""
    if isinstance(out, OutputFolder):
        return out
    return OutputFolder(out, inputs=input_files(result) if result is not None else ())


def input_files(result: RunResult) -> list[str]:
    """The files a result was computed from (network, stations, households, compounds and gates)."""
    hp = result.household_points
    files = [
        result.station_points.source,
        hp.source if hp is not None else result.params.get("households_file"),
        result.network.meta.get("source"),
    ]
    if result.gate_rule is not None:
        files += [result.gate_rule.compounds.source, result.gate_rule.gates.source]
    return [f for f in files if f]


# ---------------------------------------------------------------- the one entry
def write_run(
    products: RunProducts,
    out_dir: Any,
    *,
    command: str = "files",
    lang: str = "en",
    map_path: str | Path | None = None,
    png: bool = False,
    png_path: str | Path | None = None,
    brief: bool = True,
    geojson: bool = False,
    map_options: dict | None = None,
    manifest: dict | None = None,
    cleanup: bool = True,
) -> dict[str, str]:
    """Write a run's files for ``command`` (a key of :data:`OUTPUTS`); returns {what: path}.

    Parameters
    ----------
    products
        What the files draw (:func:`coverage.products.analyse`).
    out_dir
        A folder, or the run's :class:`~coverage._files.OutputFolder`.
    command
        ``"files"`` (tables, summary, isochrones), ``"analyze"`` and ``"demo"`` (those and the map),
        ``"site"`` (sites and the map), ``"site-gates"`` (the map with the proposed openings),
        ``"isochrones"`` (isochrones only) or ``"report"`` (the meeting pack).
    lang, map_path, png, png_path, map_options
        The map: labels, where it goes (default ``OUT/map.html``), the PNG (default ``OUT/map.png``) and
        the HTML map's drawing options (:func:`coverage.output.html_map.render_map`).
    brief, geojson
        The meeting pack's ``brief.pdf``; ``isochrones.geojson`` beside ``isochrones.gpkg``.
    manifest
        When given, ``manifest.json`` is written last with these entries (``cleanup``: remove what a
        previous run listed and this one did not write).
    """
    if command not in OUTPUTS:
        msg = f"command must be one of {sorted(OUTPUTS)}, not {command!r}"
        raise ValueError(msg)
    out = folder(out_dir, products.result)
    files: dict[str, str] = {}
    if command == "isochrones":
        files.update(_isochrones(out, products, geojson=True))
    elif command in ("files", "analyze", "demo"):
        files.update(_result_files(out, products))
        files.update(_people(out, products))
        if products.isochrones is not None:
            files.update(_isochrones(out, products, geojson=geojson))
    elif command == "site":
        files.update(write_siting(products.siting, out))
    # site-gates: the gate openings' own files come from GateSitingResult.to_files; here only its map
    if command in _MAP_COMMANDS and _result_of(products).drawable:
        files.update(
            _maps(
                out,
                products,
                lang=lang,
                map_path=map_path,
                png=png,
                png_path=png_path,
                map_options=map_options,
            )
        )
    if command == "report":
        files.update(_pack(out, products, lang=lang, png=png, brief=brief, map_options=map_options))
    if manifest is not None:
        out.finish(cleanup=cleanup, extra=manifest, default=json_default)
        files.setdefault("manifest", str(out.path("manifest.json")))
    return files


def write_gate_siting(gate_siting: Any, out_dir: Any) -> dict[str, str]:
    """A GateSitingResult (:func:`coverage.gate_siting.suggest_gates`): ``gate_sites.csv``,
    ``gate_sites.gpkg`` (layers gate_sites, compounds, households_added, candidates) and
    ``gate_sites.json`` (the summary)."""
    import pandas as pd

    out = folder(out_dir)
    files = {}
    share = (
        "served_share_after" if "served_share_after" in gate_siting.sites.columns else "covered_share_after"
    )
    cols = [
        "rank",
        "compound_id",
        "lon",
        "lat",
        "households_added",
        share,
        "gate_id",
        "compound_name",
        "source",
    ]
    sites = gate_siting.sites
    table = pd.DataFrame(sites[cols]).assign(lon=sites["lon"].round(8), lat=sites["lat"].round(8))
    for c in ("compound_id", "gate_id", "compound_name", "source"):
        table[c] = table[c].map(lambda v: safe_cell(v, csv=True))
    with out.write("gate_sites.csv") as tmp:
        write_table(table, tmp)
    files["gate_sites_csv"] = str(out.path("gate_sites.csv"))
    layers = {
        "gate_sites": sites,
        "households_added": gate_siting.households,
        "candidates": gate_siting.candidates,
    }
    comp = gate_siting.summary.get("_compounds")
    if comp is not None and len(comp):
        layers["compounds"] = comp
    layers = {k: v for k, v in layers.items() if len(v)}
    if layers:
        with out.write("gate_sites.gpkg") as tmp:
            write_gpkg(layers, tmp)
        files["gate_sites_gpkg"] = str(out.path("gate_sites.gpkg"))
    with out.write("gate_sites.json") as tmp:
        write_json({k: v for k, v in gate_siting.summary.items() if not k.startswith("_")}, tmp)
    files["gate_sites_json"] = str(out.path("gate_sites.json"))
    return files


# ---------------------------------------------------------------- the parts
def _result_of(products: RunProducts) -> RunResult:
    if products.result is None:
        msg = "these products have no result (an isochrones-only run writes isochrones only)"
        raise ValueError(msg)
    return products.result


def _isochrones_of(products: RunProducts) -> tuple:
    if products.isochrones is None:
        msg = "these products have no isochrones; compute them with coverage.products.analyse"
        raise ValueError(msg)
    return products.isochrones


def write_frames(out: OutputFolder, frames: Iterable[tuple[str, Any]]) -> dict[str, str]:
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


def _result_files(out: OutputFolder, products: RunProducts) -> dict[str, str]:
    """households and stations (CSV and GeoPackage), gated compounds, tiles.csv and summary.json."""
    result = _result_of(products)
    if not result.merged:
        from .. import settings

        log.warning(
            "%s households: more than %s rows, so no merged households.csv; read out/tiles/*.parquet",
            f"{result.summary.n_households:,}",
            f"{settings.merge_max_rows:,}",
        )
    files = write_frames(out, (("households", result.households), ("stations", result.stations)))
    if products.compounds is not None:
        files.update(_compounds(out, products.compounds))
    if result.tile_table is not None:
        with out.write("tiles.csv") as tmp:
            write_table(result.tile_table, tmp)
        files["tiles_csv"] = str(out.path("tiles.csv"))
    with out.write("summary.json") as tmp:
        write_json(result.summary_document(), tmp)
    files["summary"] = str(out.path("summary.json"))
    log.info("Wrote results to %s", out.dir)
    return files


def _compounds(out: OutputFolder, compounds: tuple) -> dict[str, str]:
    """``compounds.csv`` (one row per compound, open rule against gated rule), ``gates.csv`` (one row per
    input gate, with its status) and ``compounds.gpkg`` (both as layers)."""
    comp, gates = compounds
    with out.write("compounds.csv") as tmp:
        to_csv(comp, tmp)
    with out.write("gates.csv") as tmp:
        to_csv(gates, tmp)
    with out.write("compounds.gpkg") as tmp:
        write_gpkg({"compounds": comp, "gates": gates}, tmp)
    return {name.replace(".", "_"): str(out.path(name)) for name in GATE_OUTPUTS}


def _isochrones(out: OutputFolder, products: RunProducts, *, geojson: bool) -> dict[str, str]:
    """Per-station isochrones, their union per band and the gap areas in ``isochrones.gpkg``."""
    per, uni = _isochrones_of(products)
    with out.write("isochrones.gpkg") as tmp:
        write_gpkg({"isochrones": per, "isochrone_union": uni, "gaps": products.gaps}, tmp)
    files = {"isochrones_gpkg": str(out.path("isochrones.gpkg"))}
    if geojson:
        with out.write("isochrones.geojson") as tmp:
            plain_columns(per).to_crs("EPSG:4326").to_file(tmp, driver="GeoJSON")
        files["isochrones_geojson"] = str(out.path("isochrones.geojson"))
    return files


def write_siting(siting: Any, out_dir: Any) -> dict[str, str]:
    """A SitingResult: ``sites.csv``, ``sites.gpkg`` (when the sites are places) and ``siting.json``.

    siting.json holds the summary, the k-curve and, when the siting came from
    an assessment, that assessment's summary (``analysis``).
    """
    import geopandas as gpd
    import pandas as pd

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


def _maps(
    out: OutputFolder,
    products: RunProducts,
    *,
    lang: str,
    map_path=None,
    png: bool = False,
    png_path=None,
    map_options: dict | None = None,
) -> dict[str, str]:
    """The HTML map (default ``OUT/map.html``) and, with ``png``, the PNG (default ``OUT/map.png``)."""
    from .html_map import render_map, save_map

    target = out.path(map_path or "map.html")
    with out.write(target) as tmp:
        save_map(render_map(products, lang=lang, **(map_options or {})), tmp)
    files = {"map": str(target)}
    if png or png_path:
        from .static_map import write_png

        target = out.path(png_path or "map.png")
        with out.write(target) as tmp:
            write_png(products, tmp, lang=lang)
        files["png"] = str(target)
    return files


def _pack(
    out: OutputFolder,
    products: RunProducts,
    *,
    lang: str,
    png: bool,
    brief: bool,
    map_options: dict | None = None,
) -> dict[str, str]:
    """The meeting pack (see :mod:`coverage.output.report`)."""
    from .brief import write_brief
    from .manifest import manifest
    from .workbook import write_workbook

    t0 = time.perf_counter()
    result = _result_of(products)
    if products.areas_source is not None and not _is_frame(products.areas_source):
        out.add_input(products.areas_source)
    files: dict[str, str] = {}
    iso = _isochrones_of(products)
    site_gdf = products.sites
    if result.drawable:
        files.update(_maps(out, products, lang=lang, png=png, map_options=map_options))
    layers = {
        "stations": result.stations,
        "households": result.households,
        "isochrones": iso[0],
        "isochrone_union": iso[1],
        "gaps": products.gaps,
        "sites": site_gdf,
        "areas": products.area_layer,
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
            to_csv(whole_numbers(site_gdf.drop(columns=["lon", "lat"], errors="ignore")), tmp)
        files["sites_csv"] = str(out.path("sites.csv"))
    if products.compounds is not None:
        files.update(_compounds(out, products.compounds))
    by_area = products.by_area
    if by_area is not None:
        with out.write("areas.csv") as tmp:
            write_table(by_area.map(lambda v: safe_cell(v, csv=True)), tmp)
        files["areas_csv"] = str(out.path("areas.csv"))
    # the workbook and the printable brief
    man = manifest(result, sites=products.siting, areas_file=products.areas_source)
    people = _has_people(result)
    with out.write("summary.xlsx") as tmp:
        write_workbook(tmp, result, lang=lang, sites=products.siting, by_area=by_area, manifest=man)
        if people:  # population groups and accessibility: a sheet each
            from .people import add_people_sheets

            add_people_sheets(tmp, result, by_area=products.people_by_area, lang=lang)
    files["xlsx"] = str(out.path("summary.xlsx"))
    files.update(_people(out, products))
    if brief and result.merged:
        with out.write("brief.pdf") as tmp:
            write_brief(tmp, result, isochrones=iso, sites=products.siting, by_area=by_area, lang=lang)
        files["brief"] = str(out.path("brief.pdf"))
    out.extra.update(man)
    files["manifest"] = str(out.path("manifest.json"))
    log.info("Meeting pack written to %s in %.1f s", out.dir, time.perf_counter() - t0)
    return files


def _has_people(result: RunResult) -> bool:
    """Whether the run counted population groups or measured accessibility (single runs only)."""
    return result.groups is not None or result.access_measure is not None


def _people(out: OutputFolder, products: RunProducts) -> dict[str, str]:
    """groups.csv, groups_uncovered.csv and, with areas, groups_by_area.csv and fairness_by_area.csv."""
    result = _result_of(products)
    if not _has_people(result):
        return {}
    from .people import write_people

    return write_people(result, out, by_area=products.people_by_area)


def _is_frame(value) -> bool:
    import geopandas as gpd

    return isinstance(value, gpd.GeoDataFrame)
