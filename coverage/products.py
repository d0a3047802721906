"""Everything one run's files draw, computed before any renderer starts: the analyse step of a run.

A run goes one way::

    read -> locate -> analyse -> one writer -> manifest
    (io)    (locate)  (assess, then :func:`analyse`)  (coverage.output.files.write_run)

:func:`analyse` takes a finished result (a single run's
:class:`~coverage.assessment.CoverageResult` or a tiled run's
:class:`~coverage.tiles.run.TiledResult`, both :class:`RunResult`) and
computes what the map, the PNG, the workbook and the brief show: the
isochrones, the gap areas, the what-if table, the street basemap (from the
extract's street names, read once with the network or from their cache),
the gated compounds, the by-area table and the proposed sites. The
renderers in :mod:`coverage.output` are handed a :class:`RunProducts` and
never snap, route or read OpenStreetMap.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .assessment import Summary
    from .io import Points
    from .network import WalkNetwork
    from .options import WalkRules
    from .scenario import Scenario
    from .siting import SitingResult

log = logging.getLogger(__name__)


class RunResult(Protocol):
    """What the writer and the renderers use of a result, single or tiled (no ``hasattr`` anywhere).

    :class:`~coverage.assessment.CoverageResult` and
    :class:`~coverage.tiles.run.TiledResult` both satisfy it.
    """

    @property
    def households(self) -> gpd.GeoDataFrame | None:
        """One row per input household with its verdict (None: not merged)."""

    @property
    def stations(self) -> gpd.GeoDataFrame:
        """One row per input station with its loads."""

    @property
    def summary(self) -> Summary:
        """Totals and shares."""

    @property
    def params(self) -> dict:
        """Every parameter of the run."""

    @property
    def network(self) -> WalkNetwork:
        """The walking network (its work CRS, its source)."""

    @property
    def station_points(self) -> Points:
        """The stations as read."""

    @property
    def household_points(self) -> Points | None:
        """The households as read (None: not merged)."""

    @property
    def gate_rule(self) -> Any:
        """The gated compounds' rule (:class:`coverage.gates.GateRule`), or None."""

    @property
    def groups(self) -> Any:
        """The population groups counted (:class:`coverage.groups.Groups`), or None."""

    @property
    def access_measure(self) -> Any:
        """The accessibility measured on the walks (:class:`coverage.walk_access.WalkAccess`), or None."""

    @property
    def rules(self) -> WalkRules:
        """The run's walking rules."""

    @property
    def bands_min(self) -> list[float]:
        """The bands and the threshold, in minutes, ascending."""

    @property
    def merged(self) -> bool:
        """Whether the households table is in memory (a tiled run past its merge limit has none)."""

    @property
    def drawable(self) -> bool:
        """Whether the interactive map and the PNG can be drawn (a single run; tiled runs draw per city)."""

    @property
    def tile_table(self) -> pd.DataFrame | None:
        """Per tile: rows, nodes, stations, seconds, memory (tiled runs; None for a single run)."""

    def summary_document(self) -> dict:
        """``summary.json``: the totals, the shares and every parameter."""

    def gap_areas(self, isochrones: tuple) -> gpd.GeoDataFrame | None:
        """The uncovered residential area (hex cells less the threshold's union)."""


@dataclass
class RunProducts:
    """What one run's outputs draw, all computed (see the module's description).

    Attributes
    ----------
    result
        The run's result (None for an isochrones-only run).
    isochrones
        ``(per_station, union)`` GeoDataFrames, or None.
    gaps
        The gap areas (:func:`coverage.isochrones.gap_areas`), or None.
    siting
        A :class:`~coverage.siting.SitingResult`, or None.
    sites
        The proposed sites as a GeoDataFrame (``siting.sites``, or sites given as a frame), or None.
    scenario
        The what-if table (:class:`~coverage.scenario.Scenario`), or None for a static map.
    streets
        The street basemap (:func:`coverage.streets.street_payload`), or None.
    network_lines
        The walking network's lines for the map's network layer, or None.
    compounds
        ``(compounds, gates)`` frames with gated compounds (:func:`coverage.gates.compound_frames`), or None.
    by_area, area_layer
        The by-area table and the areas with their shares (a GeoDataFrame), or None.
    areas_source
        The areas file (for the manifest), or None.
    area_options
        How the areas were read (``name_col``, ``id_col``, ``crs``).
    people_by_area
        With areas and population groups or an access measure: ``(groups by area or None, fairness by
        area)`` (:func:`people_by_area`), else None.
    timings
        Seconds spent on each product.
    """

    result: RunResult | None
    isochrones: tuple | None = None
    gaps: gpd.GeoDataFrame | None = None
    siting: SitingResult | None = None
    sites: gpd.GeoDataFrame | None = None
    scenario: Scenario | None = None
    streets: dict | None = None
    network_lines: dict | None = None
    compounds: tuple | None = None
    by_area: pd.DataFrame | None = None
    area_layer: gpd.GeoDataFrame | None = None
    areas_source: Any = None
    area_options: dict = field(default_factory=dict)
    people_by_area: tuple | None = None
    timings: dict = field(default_factory=dict)


def analyse(
    result: RunResult,
    *,
    isochrones: tuple | None = None,
    sites: Any = None,
    compute_isochrones: bool = True,
    gaps: bool = True,
    what_if: bool = False,
    streets: bool = False,
    network_layer: bool = False,
    candidates: gpd.GeoDataFrame | None = None,
    new_capacity: float | None = None,
    scenario: Scenario | None = None,
    street_data: dict | None = None,
    areas: Any = None,
    area_name_col: str | None = None,
    area_id_col: str | None = None,
    area_crs: Any = None,
    target_share: float = 0.85,
    lang: str = "en",
) -> RunProducts:
    """Compute what a run's outputs draw.

    Parameters
    ----------
    result
        A :class:`RunResult`.
    isochrones
        ``(per_station, union)`` when already computed (a tiled run passes its own); otherwise computed
        for a result that can draw them (a single run), over its bands, unless ``compute_isochrones`` is
        False.
    sites
        Proposed sites: a :class:`~coverage.siting.SitingResult` or a GeoDataFrame of sites.
    gaps
        Compute the gap areas (with isochrones).
    what_if, candidates, new_capacity, scenario
        Compute the what-if table (:func:`coverage.scenario.scenario`) with these candidates (default: the
        sites, network places near the gaps and the extract's co-location places), unless ``scenario`` is
        given.
    streets, street_data
        Compute the street basemap (from the extract's street names), unless ``street_data`` is given.
    network_layer
        Compute the walking network's lines for the map's network layer.
    areas, area_name_col, area_id_col, area_crs, target_share
        Street or community boundaries for the by-area table (:func:`coverage.areas.summarize_by_area`).
    lang
        The language of the proposed sites' names (:func:`coverage.site_names.named_sites`: "near 红旗小学",
        "红旗小学附近").
    """
    import geopandas as gpd

    t: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(sites, gpd.GeoDataFrame) or sites is None:
        siting, site_frame = None, sites
    else:
        siting, site_frame = sites, sites.sites
    if isinstance(site_frame, gpd.GeoDataFrame) and len(site_frame):
        from dataclasses import replace

        from .site_names import named_sites

        # named once, here: the map, the what-if candidates, sites.csv, the workbook and the brief show the
        # names
        site_frame = named_sites(result, site_frame, lang)
        if siting is not None:
            siting = replace(siting, sites=site_frame)
    out = RunProducts(
        result,
        siting=siting,
        sites=site_frame,
        areas_source=areas,
        area_options={"name_col": area_name_col, "id_col": area_id_col, "crs": area_crs},
    )
    drawable = result.drawable
    if isochrones is None and drawable and compute_isochrones:
        from .isochrones import isochrones as make_isochrones

        isochrones = make_isochrones(result, minutes=result.bands_min)
        t["isochrones_s"] = time.perf_counter() - t0
    out.isochrones = isochrones
    if gaps and isochrones is not None and result.merged:
        t1 = time.perf_counter()
        out.gaps = result.gap_areas(isochrones)
        t["gaps_s"] = time.perf_counter() - t1
    if result.gate_rule is not None and result.merged:
        from .gates import compound_frames

        out.compounds = compound_frames(result)
    if drawable and what_if:
        t1 = time.perf_counter()
        if scenario is None:
            from .scenario import scenario as make_scenario

            scenario = make_scenario(
                result, sites=site_frame, candidates=candidates, new_capacity=new_capacity
            )
        out.scenario = scenario
        t["what_if_s"] = time.perf_counter() - t1
    if drawable and streets:
        t1 = time.perf_counter()
        if street_data is None:
            from .osm import products_of
            from .streets import street_payload

            prod = products_of(result.network)
            street_data = street_payload(result.network, prod.street_names if prod is not None else {})
        out.streets = street_data
        t["streets_s"] = time.perf_counter() - t1
    if drawable and network_layer:
        from .streets import network_lines

        out.network_lines = network_lines(result.network)
    if areas is not None:
        if result.merged:
            from .areas import read_areas, summarize_by_area

            out.by_area = summarize_by_area(
                result,
                areas,
                name_col=area_name_col,
                id_col=area_id_col,
                target_share=target_share,
                crs=area_crs,
            )
            area_polys, _ = read_areas(areas, area_name_col, area_id_col, crs=area_crs)
            out.area_layer = area_polys.merge(out.by_area.drop(columns="area"), on="area_id", how="left")
            if result.groups is not None or result.access_measure is not None:
                out.people_by_area = people_by_area(result, areas, name_col=area_name_col, id_col=area_id_col)
        else:
            from . import settings

            log.warning(
                "The by-area table needs the merged households (at most %s rows); it is left out",
                f"{settings.merge_max_rows:,}",
            )
            out.areas_source = None
    t["total_s"] = time.perf_counter() - t0
    out.timings = t
    return out


def isochrone_products(isochrones: tuple) -> RunProducts:
    """The products of an isochrones-only run (no households, no result)."""
    return RunProducts(None, isochrones=isochrones)


def people_by_area(
    result: RunResult, areas: Any, *, name_col: str | None = None, id_col: str | None = None
) -> tuple:
    """(each population group by area, or None without groups; fairness of walking and access by area)."""
    from .walk_access import by_area

    groups = result.groups.by_area(result, areas, name_col=name_col, id_col=id_col) if result.groups else None
    return groups, by_area(result, areas, name_col=name_col, id_col=id_col)
