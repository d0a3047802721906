"""The convenience entries that draw a result in one call: :func:`coverage_map` (``CoverageResult.explore``)
and :func:`static_map`.

Each runs the analyse step first (:func:`coverage.products.analyse`: the
isochrones, the what-if table, the street basemap) and hands the finished
products to a renderer (:func:`coverage.output.html_map.render_map`,
:func:`coverage.output.static_map.write_png`), as geopandas' ``explore``
hands folium finished frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .html_map import render_map
from .mapdata import LABELS
from .static_map import write_png

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from ..assessment import CoverageResult
    from ..scenario import Scenario


def coverage_map(
    result: CoverageResult,
    *,
    isochrones: tuple | None = None,
    sites: gpd.GeoDataFrame | None = None,
    lang: str = "en",
    network: bool = False,
    max_points: int = 5000,
    hex_size_m: float = 150.0,
    title: str | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    highlight_label: str | None = None,
    what_if: bool = True,
    candidates: gpd.GeoDataFrame | None = None,
    streets: bool = True,
    new_capacity: float | None = None,
    scenario: Scenario | None = None,
    street_data: dict | None = None,
) -> folium.Map:
    """The coverage map a planner shows: bands, households, stations, sites, and what-if (a folium map).

    Parameters
    ----------
    result
        A :class:`~coverage.assessment.CoverageResult`.
    isochrones
        ``(per_station, union)`` from :func:`coverage.isochrones.isochrones`;
        computed when omitted (bands from the result's cutoffs).
    sites
        Proposed new stations (a GeoDataFrame with ``rank``, ``id``,
        ``households_added``, ``covered_share_after``) for a candidate layer.
    lang
        ``"en"`` or ``"zh"`` labels.
    network
        Draw the walking network as a light context layer (hidden at start).
    max_points
        Up to this many households are drawn one by one; beyond it the
        uncovered ones are aggregated into hexagonal cells and a heat map.
    highlight, highlight_label
        Extra points to draw on top in orange (e.g. the households that lose
        coverage at the older-adult walking speed), as a named layer.
    what_if
        Carry the what-if data (:mod:`coverage.output.whatif_page`): close stations,
        open candidates and see coverage change, offline. ``False`` draws a
        static map.
    streets
        Draw the walking network as a light street basemap, with street
        names from neighbourhood zoom on (:mod:`coverage.streets`), so the
        map is readable offline; it steps aside when map tiles load.
    new_capacity
        With station capacities: what a station opened at a candidate can
        serve in the what-if (default: the median station's capacity).
    candidates
        Candidate places for the what-if (default: the proposed sites,
        network places near the gaps, and co-location places from a ``.pbf``
        extract; see :func:`coverage.scenario.scenario`).
    scenario, street_data
        The what-if table and the street basemap when already computed
        (otherwise computed here).
    """
    from ..products import analyse

    if lang not in LABELS:
        msg = f"lang must be one of {sorted(LABELS)}, not {lang!r}"
        raise ValueError(msg)
    products = analyse(
        result,
        isochrones=isochrones,
        sites=sites,
        gaps=False,
        what_if=what_if,
        streets=streets,
        network_layer=network,
        candidates=candidates,
        new_capacity=new_capacity,
        scenario=scenario if what_if else None,
        street_data=street_data if streets else None,
        lang=lang,
    )
    return render_map(
        products,
        lang=lang,
        max_points=max_points,
        hex_size_m=hex_size_m,
        title=title,
        highlight=highlight,
        highlight_label=highlight_label,
    )


def static_map(
    result: CoverageResult,
    path: str | Path,
    *,
    isochrones: tuple | None = None,
    sites: gpd.GeoDataFrame | None = None,
    lang: str = "en",
    dpi: int = 150,
    title: str | None = None,
) -> Path:
    """A PNG of the coverage map for slides (matplotlib; no basemap, works offline).

    ``path`` ends in ``.png`` (``.pdf`` and ``.svg`` work too); the isochrones are computed when omitted.
    """
    from .._errors import CoverageInputError
    from ..products import analyse

    if Path(path).suffix.lower() not in (".png", ".pdf", ".svg"):
        msg = f"--png '{path}': the picture must be a .png file (or .pdf/.svg)."
        raise CoverageInputError(msg)
    products = analyse(result, isochrones=isochrones, sites=sites, gaps=False, lang=lang)
    return write_png(products, path, lang=lang, dpi=dpi, title=title)


__all__ = ["coverage_map", "static_map"]
