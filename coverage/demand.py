"""Households as planners have them: buildings, community totals, a population grid.

A social-work department rarely has household points. It has each
community's (社区) households and elderly residents from its registers, the
buildings on the map, and perhaps a 100 m population grid (WorldPop, GHS-POP,
or census-based grids by age band). This module turns each of these into one
household point per residential building, ready for
:func:`coverage.assess` (``households=demand.points, weight="households"``):

* :func:`from_buildings` estimates each building's households from its
  size: footprint (m², in a UTM zone) x floors / floor area per household.
* :func:`from_totals` spreads each polygon's totals (households, and any
  group column such as 老年人) onto the buildings inside it, in proportion to
  their floor area (dasymetric mapping). Every total is kept exactly.
* :func:`from_grid` does the same with the cells of one or several GeoTIFF
  population grids (people, then households with ``people_per_household``).

For example (the buildings are read once and reused)::

    from coverage import assess, demand

    homes = demand.from_buildings("data/harbin-xiangfang-hongqi.osm.pbf")
    registers = demand.from_totals("社区.gpkg", homes, total_col="户数", group_cols=["老年人"])
    print("\\n".join(registers.summary.lines()))
    result = assess("data/harbin-xiangfang-hongqi.osm.pbf", "stations.csv", registers.points,
                    weight="households")

What comes back
---------------
A :class:`Demand` with three parts:

``points``
    The household points, a GeoDataFrame in WGS-84 (EPSG:4326), one row per
    residential building (a point inside it, ``point_on_surface`` in the UTM
    zone), plus one row per polygon or grid cell that has people but no
    building. Columns: ``id``, ``name``, ``building_id``, ``zone_id``
    (polygon or grid cell; "" for :func:`from_buildings`), ``lon``, ``lat``,
    ``households`` (whole numbers), ``population`` (grids only), the group
    columns, ``floor_area_m2`` (the weight used), ``levels``, ``building``
    (the OSM or file type), ``source`` (``buildings``, ``totals`` or
    ``grid``) and ``source_note`` (why a point is where it is, "" when it is a
    building with tagged levels; not ``note``, which :func:`coverage.assess`
    writes). ``read_points(points, id_col="id", weight="households")`` and
    ``assess`` read it as it is, and keep every column.
``outlines``
    The building outlines (polygons, WGS-84) of the points that are buildings,
    in the same order, joined to ``points`` by ``id`` (also
    ``building_id``, ``building``, ``levels``, ``levels_from``,
    ``footprint_m2``, ``floor_area_m2``). Write it as a second GeoPackage
    layer (``buildings`` beside ``households``). It is also a valid
    ``buildings`` input for :func:`from_totals` and :func:`from_grid`, so the
    buildings are read once.
``summary``
    A :class:`DemandSummary`: points by where they came from, polygons or
    cells without buildings, buildings left out, totals in and out.

Whole numbers
-------------
``households`` is always a whole number. :func:`from_buildings` rounds each
building's estimate to the nearest whole number (halves up), with at least 1
per residential building. :func:`from_totals` and :func:`from_grid` keep the
totals exactly with the largest-remainder method (Hamilton's method): each
building first gets the whole part of its share, then the units left over
in its polygon go, one each, to the buildings with the largest fractional
parts; equal fractions go to the building listed first (OSM buildings are
ordered by id, ways then relations, by number; a file's in its order). So every polygon's
total, in every column, is exactly the sum of its points. Grid cells hold
fractional people: their values are first rounded the same way to whole
numbers per cell whose sum is the study area's total rounded to the nearest
whole number, then spread onto the buildings in each cell. ``population``,
``households`` (people / ``people_per_household``) and each group are rounded
separately, each keeping its own total, so a point in a cell of 0.4 people may
show 0 people and 1 household.

Defaults and their sources
--------------------------
* :data:`M2_PER_HOUSEHOLD` = 92.17 m² of floor area per household: the
  average housing floor area (住房建筑面积) of urban family households in
  China's 2020 census (《中国人口普查年鉴-2020》, National Bureau of Statistics,
  2022; urban per-capita 36.52 m², per household 92.17 m², as reported by
  People's Daily, 27 June 2022). Footprint x floors approximates the gross
  floor area (建筑面积, walls and shared stairs included) that figure
  measures; ground-floor shops, empty homes and towers without tagged floors
  make any one building's estimate rough, so prefer the registers
  (:func:`from_totals`) where you have them. Only :func:`from_buildings` uses
  it: the dasymetric functions need relative weights only.
* :data:`PEOPLE_PER_HOUSEHOLD` = 2.62 people per household: the average size
  of a family household in the 2020 census (第七次全国人口普查公报（第二号）,
  National Bureau of Statistics, 11 May 2021: 129,281 万 people in 49,416 万
  family households). Urban households are smaller (92.17 / 36.52 = 2.52);
  pass the local figure when you have it.
* :data:`DEFAULT_LEVELS`, floors when a building has no ``building:levels``
  (nor ``height``): 6 for flats (``apartments``, ``residential``,
  ``dormitory`` and untyped ``yes`` inside a compound). China's residential
  code requires a lift from the 7th floor (GB 50096-2011 住宅设计规范, 6.4.1),
  so most pre-2000 compounds are 5-6 storey walk-ups, "multi-storey" (多层,
  4-6 floors) in GB 50096-1999's classification; 2 for houses (低层, 1-3
  floors: ``house``, ``detached``, ``semidetached_house``, ``terrace``); 1 for
  ``bungalow`` (OSM: a single-storey house). In harbin-central.osm.pbf only
  103 of the 8,933 residential buildings carry ``building:levels`` (and 3 a
  ``height``), so the default decides most estimates, and untagged towers
  are under-counted. A ``height`` tag gives floors at :data:`M_PER_LEVEL`
  (3 m) each; a floors value below 1 or above :data:`MAX_LEVELS` is ignored.

Which buildings
---------------
From an OSM extract (read with pyosmium's area assembler, so closed ways and
multipolygon relations; a closed way cut by a clipped extract's edge keeps
the polygon of its nodes that are present, as pyrosm does): ``building`` in
:data:`coverage.osm.RESIDENTIAL_BUILDINGS`, and untyped
``building=yes`` whose point lies inside a ``landuse=residential`` area (in
Chinese OSM most homes are untyped buildings in compounds). From a buildings
file or GeoDataFrame: every polygon (optionally only the ``types`` given),
with optional columns for floors (``levels``, ``building:levels``, 层数,
楼层, ...), height, type (``building``, 类型, ...) and floor area
(``floor_area_m2``, 建筑面积), matched without regard to case.

Rules of :func:`from_totals`
----------------------------
A building belongs to the polygon that holds its point (a building on a
border goes where its point is). A point inside several polygons (overlapping
outlines) goes to the smallest of them, the first in input order when they
are equally large; this is logged as a warning and counted. Buildings in no
polygon are left out (counted). A polygon without a residential building
gets one point inside it (``point_on_surface``) carrying its totals, with a
note (``buildings=None`` gives every polygon such a point). Ids are
``<polygon id>-<n>``, n = 1, 2, ... in building order.

Rules of :func:`from_grid`
--------------------------
Points are reprojected into each raster's CRS (the raster is never
resampled), so any CRS and rotated grids work. Each cell's people go to the
buildings whose point lies in the cell, in proportion to floor area; a cell
with people but no building becomes one point at its centre (id
``cell-<k>-<row>-<col>``, k the raster's position in the list, row and column
in the full raster, from 0), flagged in ``source_note``. The study area is
``area`` (cells whose centre lies inside it), else the window of cells
spanned by the buildings' points, else the whole raster. Nodata cells (the
raster's nodata value, NaN, or its mask) count as empty. Several rasters in
``rasters`` are tiles of one grid (they must not overlap); each raster in
``group_rasters`` (e.g. people aged 65+) gives one group column, spread the
same way onto the same buildings (a group cell without a building goes to
the main grid's cell point there, else gets its own point).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import CoverageInputError, rows_text

log = logging.getLogger(__name__)

#: m² of floor area per household: urban family households' average housing floor area, 2020 census.
M2_PER_HOUSEHOLD = 92.17
#: People per household: the average family household in China's 2020 census.
PEOPLE_PER_HOUSEHOLD = 2.62
#: Floors by building type when a building has none tagged (see the module docstring for the reasons).
DEFAULT_LEVELS = {
    "yes": 6,
    "apartments": 6,
    "residential": 6,
    "dormitory": 6,
    "house": 2,
    "detached": 2,
    "semidetached_house": 2,
    "terrace": 2,
    "bungalow": 1,
    "住宅": 6,
    "宿舍": 6,
    "别墅": 2,
    "平房": 1,
}
#: Floors for a type not in :data:`DEFAULT_LEVELS` (a buildings file's own types).
OTHER_LEVELS = 6
#: Metres per floor, to turn a ``height`` into floors.
M_PER_LEVEL = 3.0
#: More floors than this is taken as a typing error (the default is used instead).
MAX_LEVELS = 120

OSM_SUFFIXES = (".pbf", ".osm", ".osm.bz2", ".osm.gz", ".o5m", ".opl")
LEVEL_ALIASES = (
    "building:levels",
    "levels",
    "building_levels",
    "floors",
    "storeys",
    "stories",
    "层数",
    "楼层",
    "楼层数",
    "地上层数",
    "建筑层数",
)
HEIGHT_ALIASES = ("height", "building:height", "height_m", "高度", "建筑高度")
TYPE_ALIASES = ("building", "building_type", "type", "建筑类型", "类型", "用途")
FLOOR_AREA_ALIASES = ("floor_area_m2", "floor_area", "gfa", "建筑面积", "总建筑面积")
NAME_ALIASES = ("name", "名称", "楼栋名称", "小区名称", "社区名称", "社区")
BUILDING_ID_ALIASES = ("id", "building_id", "osm_id", "编号", "编码")
HOUSEHOLD_ALIASES = ("households", "户数", "住户数", "总户数", "户数（户）")
#: Output columns a group column may not be called.
RESERVED = (
    "id",
    "name",
    "building_id",
    "zone_id",
    "lon",
    "lat",
    "households",
    "population",
    "floor_area_m2",
    "levels",
    "building",
    "source",
    "source_note",
    "geometry",
)


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class DemandSummary:
    """What came from where.

    Attributes
    ----------
    source
        ``"buildings"``, ``"totals"`` or ``"grid"``.
    points
        Number of points by origin: ``on a building``, and ``inside a polygon
        without buildings`` or ``at a cell centre`` (the fallback points).
    totals_in, totals_out
        Per output column, the input total (a polygon column's sum; a grid's
        sum within the study area, people, and people / people per household
        for ``households``) and the output sum. For totals they are equal;
        for grids the output is the input rounded to a whole number.
    zones
        Polygons read, or study-area cells with people (over all rasters).
    zones_without_buildings
        Ids of the polygons (or cells) that got a fallback point.
    buildings_read
        Residential buildings read.
    buildings_left_out
        Buildings in no polygon, or outside every grid's study area (or on
        nodata cells only); they are not in ``points``.
    buildings_in_several
        Buildings whose point lies in more than one polygon (counted once, in
        the smallest).
    levels_from
        Buildings by where their floors came from: ``tag`` (or a levels
        column), ``height``, ``floor area`` (a floor-area column), ``default``.
    settings
        The parameters used (``m2_per_household``, ``people_per_household``, ...).
    """

    source: str
    points: dict
    totals_in: dict
    totals_out: dict
    zones: int = 0
    zones_without_buildings: tuple = ()
    buildings_read: int = 0
    buildings_left_out: int = 0
    buildings_in_several: int = 0
    levels_from: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The summary as short English lines (for a command's output or a log)."""
        pts = ", ".join(f"{v:,} {k}" for k, v in self.points.items())
        out = [f"{sum(self.points.values()):,} household points from {self.source}: {pts}"]
        for col, v in self.totals_out.items():
            vin = self.totals_in.get(col)
            kept = (
                "estimated"
                if vin is None
                else "kept exactly"
                if float(vin) == float(v)
                else f"from {vin:,.2f}, rounded"
            )
            out.append(f"{col}: {v:,} ({kept})")
        if self.zones:
            what = "polygons" if self.source == "totals" else "cells with people"
            no_b = len(self.zones_without_buildings)
            shown = rows_text(self.zones_without_buildings) if no_b else ""
            out.append(f"{self.zones:,} {what}; {no_b:,} without a residential building {shown}".rstrip())
        out.append(
            f"{self.buildings_read:,} residential buildings read; {self.buildings_left_out:,} left out"
            + (
                f"; {self.buildings_in_several:,} inside several polygons (counted in the smallest)"
                if self.buildings_in_several
                else ""
            )
        )
        if self.levels_from:
            out.append("floors from " + ", ".join(f"{k} {v:,}" for k, v in self.levels_from.items()))
        return out

    def as_dict(self) -> dict:
        """Plain types, for JSON."""
        return {
            "source": self.source,
            "points": dict(self.points),
            "totals_in": dict(self.totals_in),
            "totals_out": dict(self.totals_out),
            "zones": self.zones,
            "zones_without_buildings": [str(z) for z in self.zones_without_buildings],
            "buildings_read": self.buildings_read,
            "buildings_left_out": self.buildings_left_out,
            "buildings_in_several": self.buildings_in_several,
            "levels_from": dict(self.levels_from),
            "settings": dict(self.settings),
        }


@dataclass(frozen=True)
class Demand:
    """Household points, the building outlines behind them, and a summary (see the module docstring).

    Attributes
    ----------
    points
        One household point per building (or fallback point), WGS-84; pass it to
        :func:`coverage.assess` as ``households`` with ``weight="households"``.
    outlines
        The outlines of the points that are buildings (same order, same ``id``), WGS-84.
    summary
        A :class:`DemandSummary`.
    zones
        :func:`from_totals` only (else None): one row per input polygon, in input order, with its status:
        ``zone_id``, ``name``, ``input_row`` (the spreadsheet row, header = row 1, for CSV/Excel; the
        feature number from 1 for vector files; the index for a GeoDataFrame), ``status`` (``spread``: onto
        the residential buildings inside it; ``no_building``: one point inside it carries its totals),
        ``n_buildings``, ``n_points``, ``note``, then for each column (``households`` and the groups) the
        input total and ``<column>_placed``, the sum of its points (always equal: the check is there to see);
        the polygon (WGS-84) as geometry, so that it serves as the areas of a by-community table.
    """

    points: gpd.GeoDataFrame
    outlines: gpd.GeoDataFrame
    summary: DemandSummary
    zones: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.points)

    @property
    def households(self) -> int:
        """Total households."""
        return int(self.points["households"].sum())


# ---------------------------------------------------------------- buildings
@dataclass(frozen=True)
class _Buildings:
    """Residential buildings, ordered; points and areas in a UTM zone, outlines in WGS-84."""

    ids: np.ndarray
    names: np.ndarray
    kinds: np.ndarray
    levels: np.ndarray
    levels_from: np.ndarray
    footprint_m2: np.ndarray
    floor_area_m2: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    outlines: np.ndarray
    work_crs: object
    label: str

    def __len__(self) -> int:
        return int(self.ids.size)

    def take(self, idx) -> _Buildings:
        idx = np.asarray(idx, dtype=np.int64)
        return _Buildings(
            self.ids[idx],
            self.names[idx],
            self.kinds[idx],
            self.levels[idx],
            self.levels_from[idx],
            self.footprint_m2[idx],
            self.floor_area_m2[idx],
            self.lon[idx],
            self.lat[idx],
            self.outlines[idx],
            self.work_crs,
            self.label,
        )

    def xy(self, crs) -> tuple[np.ndarray, np.ndarray]:
        return _transform(self.lon, self.lat, "EPSG:4326", crs)


def _transform(x, y, src, dst) -> tuple[np.ndarray, np.ndarray]:
    import pyproj

    src, dst = pyproj.CRS.from_user_input(src), pyproj.CRS.from_user_input(dst)
    t = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    xx, yy = t.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(xx, dtype=float), np.asarray(yy, dtype=float)


def _work_crs(lon, lat):
    """The WGS-84 UTM zone at the points' median (coverage.crs.utm_crs_for), looked up once per zone."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return _utm(0.0, 0.0)
    return _utm(float(np.median(lon[ok])), float(np.median(lat[ok])))


@lru_cache(maxsize=64)
def _utm_zone(zone: int, north: bool):
    from .crs import utm_crs_for

    return utm_crs_for(-183.0 + 6.0 * zone, 1.0 if north else -1.0)  # the zone's central meridian


def _utm(lon: float, lat: float):
    """The standard UTM zone of a point (the pyproj lookup is slow, so once per zone)."""
    return _utm_zone(int(np.clip((lon + 180.0) // 6.0, 0, 59)) + 1, lat >= 0)


def _outline_geometry(outlines_4326: np.ndarray):
    """(work CRS, point inside each outline in lon/lat, footprint m²) for WGS-84 polygons."""
    geom = np.asarray(outlines_4326, dtype=object)
    if geom.size == 0:
        return _utm(0.0, 0.0), np.zeros(0), np.zeros(0), np.zeros(0)
    bb = shapely.bounds(geom)
    crs = _work_crs((bb[:, 0] + bb[:, 2]) / 2, (bb[:, 1] + bb[:, 3]) / 2)
    proj = gpd.GeoSeries(geom, crs="EPSG:4326").to_crs(crs).values
    proj = np.asarray(proj, dtype=object)
    pts = shapely.point_on_surface(proj)
    xy = shapely.get_coordinates(pts)
    lon, lat = _transform(xy[:, 0], xy[:, 1], crs, "EPSG:4326")
    return crs, lon, lat, shapely.area(proj)


def _parse_levels(values) -> np.ndarray:
    """Floors from a tag or cell: its first number ("6", "6层", "5-6" -> 5); NaN if none or implausible."""
    s = pd.Series(values, dtype="object")
    num = np.array(pd.to_numeric(s, errors="coerce"), dtype=float)  # a writable copy
    text = s.where(np.isnan(num)).dropna().astype(str)
    if len(text):
        found = text.str.extract(r"(\d+(?:\.\d+)?)", expand=False)
        num[text.index.to_numpy()] = pd.to_numeric(found, errors="coerce").to_numpy(dtype=float)
    num[(num < 1) | (num > MAX_LEVELS)] = np.nan
    return num


def _levels_table(default_levels) -> tuple[dict, float]:
    if default_levels is None:
        return dict(DEFAULT_LEVELS), float(OTHER_LEVELS)
    if isinstance(default_levels, Mapping):
        table = {**DEFAULT_LEVELS, **{str(k): v for k, v in default_levels.items()}}
        other = float(table.pop("*", OTHER_LEVELS))
    else:
        table, other = {}, default_levels
    for k, v in [*table.items(), ("*", other)]:
        try:
            ok = np.isfinite(float(v)) and 1 <= float(v) <= MAX_LEVELS
        except (TypeError, ValueError):
            ok = False
        if not ok:
            msg = (
                f"default_levels {k!r}: {v!r} is not a number of floors between 1 and {MAX_LEVELS}; "
                "give e.g. default_levels=6 or default_levels={'yes': 6, 'house': 2}."
            )
            raise CoverageInputError(msg)
    return {k: float(v) for k, v in table.items()}, float(other)


def _make_buildings(
    ids, names, kinds, tag_levels, heights, floor_area, outlines, label, default_levels
) -> _Buildings:
    table, other = _levels_table(default_levels)
    crs, lon, lat, footprint = _outline_geometry(outlines)
    n = len(ids)
    levels = np.asarray(tag_levels, dtype=float).copy() if n else np.zeros(0)
    source = np.where(np.isfinite(levels), "tag", "default").astype(object)
    from_h = ~np.isfinite(levels) & np.isfinite(heights) & (np.asarray(heights, dtype=float) > 0)
    if from_h.any():
        h = np.asarray(heights, dtype=float)[from_h]
        levels[from_h] = np.clip(np.floor(h / M_PER_LEVEL + 0.5), 1, MAX_LEVELS)
        source[from_h] = "height"
    dflt = ~np.isfinite(levels)
    if dflt.any():
        levels[dflt] = [table.get(str(k), other) for k in np.asarray(kinds, dtype=object)[dflt]]
    fa = np.asarray(floor_area, dtype=float) if floor_area is not None else np.full(n, np.nan)
    has_fa = np.isfinite(fa) & (fa > 0)
    floor = np.where(has_fa, fa, footprint * levels)
    source[has_fa] = "floor area"
    return _Buildings(
        np.asarray(ids, dtype=object),
        np.asarray(names, dtype=object),
        np.asarray(kinds, dtype=object),
        levels,
        source,
        footprint,
        floor,
        lon,
        lat,
        np.asarray(outlines, dtype=object),
        crs,
        label,
    )


def _read_osm(path: Path, include_untyped_in_landuse: bool):
    """Residential building outlines of an OSM extract (pyosmium areas), ordered by way then relation id.

    Closed ways cut by a clipped extract's edge (some nodes missing) get no area from the assembler; like
    pyrosm, they are kept as the polygon of the nodes that are present (buildings and compounds alike).
    """
    import osmium

    from .osm import RESIDENTIAL_BUILDINGS

    fab = osmium.geom.WKBFactory()
    tags = [
        ("landuse", "residential"),
        ("building", "yes"),
        *(("building", b) for b in RESIDENTIAL_BUILDINGS),
    ]
    proc = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.TagFilter(*tags))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA | osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(*tags))
    )
    rel, num, names, kinds, levels, heights, wkbs, landuse = [], [], [], [], [], [], [], []
    from_ways: set[int] = set()
    cut: dict[int, tuple] = {}  # way id -> (tags, coordinates of the nodes present)
    homes = frozenset(RESIDENTIAL_BUILDINGS) | {"yes"}
    take_landuse = include_untyped_in_landuse

    def add(is_rel, oid, t, b, lu, wkb):
        if lu and take_landuse:
            landuse.append(wkb)
        if b in homes:
            rel.append(is_rel)
            num.append(oid)
            names.append(t.get("name:zh") or t.get("name") or "")
            kinds.append(b)
            levels.append(t.get("building:levels"))
            heights.append(t.get("height") or t.get("building:height"))
            wkbs.append(wkb)

    broken = 0
    geometry_errors = (RuntimeError, osmium.InvalidLocationError)
    try:
        for o in proc:
            if o.is_area():
                t = o.tags
                b = t.get("building")
                lu = t.get("landuse") == "residential"
                if not lu and b not in homes:
                    continue
                try:
                    wkb = fab.create_multipolygon(o)
                except geometry_errors:  # a broken ring
                    broken += 1
                    continue
                way = o.from_way()
                oid = int(o.orig_id())
                if way:
                    from_ways.add(oid)
                add(0 if way else 1, oid, t, b, lu, wkb)
                continue
            # a way: complete ones became areas; look for those cut by the extract's edge
            try:
                fab.create_linestring(o)  # fast in C++; fails only when nodes are missing (or too few)
            except geometry_errors:
                t, nodes = o.tags, o.nodes
                if (
                    len(nodes) >= 4
                    and nodes[0].ref == nodes[-1].ref
                    and (t.get("landuse") == "residential" or t.get("building") in homes)
                ):
                    cut[int(o.id)] = (dict(t), [(n.lon, n.lat) for n in nodes if n.location.valid()])
    except RuntimeError as exc:
        msg = f"OSM extract '{path}' could not be read ({str(exc).strip()[:160]}); give an .osm.pbf or .osm."
        raise CoverageInputError(msg) from None
    n_cut = 0
    for wid, (t, xy) in cut.items():
        if wid in from_ways or len(set(xy)) < 3:
            continue
        poly = shapely.make_valid(shapely.Polygon(xy))
        poly = shapely.union_all(
            shapely.get_parts(poly)[np.isin(shapely.get_type_id(shapely.get_parts(poly)), [3, 6])]
        )
        if poly.is_empty or poly.area == 0:
            continue
        add(0, wid, t, t.get("building"), t.get("landuse") == "residential", shapely.to_wkb(poly, hex=True))
        n_cut += 1
    if broken or n_cut:
        log.info(
            "%s: %d outlines could not be assembled (broken rings) and are left out; %d cut by the "
            "extract's edge are kept as the part inside it",
            path.name,
            broken,
            n_cut,
        )
    geom = _from_hex_wkb(wkbs)
    single = shapely.get_num_geometries(geom) == 1  # the assembler makes multipolygons; most have one part
    geom[single] = shapely.get_geometry(geom[single], 0)
    kinds_a = np.asarray(kinds, dtype=object)
    order = np.lexsort((np.asarray(num, dtype=np.int64), np.asarray(rel, dtype=np.int64)))
    ids = np.array([("r" if r else "w") + str(i) for r, i in zip(rel, num, strict=True)], dtype=object)
    return (
        ids[order],
        np.asarray(names, dtype=object)[order],
        kinds_a[order],
        _parse_levels(np.asarray(levels, dtype=object)[order]),
        _parse_levels_height(np.asarray(heights, dtype=object)[order]),
        np.asarray(geom, dtype=object)[order],
        _from_hex_wkb(landuse),
    )


def _from_hex_wkb(hexes: list) -> np.ndarray:
    """Geometries from pyosmium's hex WKB (decoding the hex first is five times faster than shapely's)."""
    if not hexes:
        return np.array([], dtype=object)
    return shapely.from_wkb(np.array([bytes.fromhex(h) for h in hexes], dtype=object))


def _parse_levels_height(values) -> np.ndarray:
    """Heights in metres from text ("18", "18 m"); NaN when none."""
    s = pd.Series(values, dtype="object")
    found = s.astype(str).str.extract(r"(\d+(?:\.\d+)?)", expand=False)
    h = np.array(pd.to_numeric(found.where(s.notna()), errors="coerce"), dtype=float)
    h[(h <= 0) | (h > MAX_LEVELS * 6)] = np.nan
    return h


def _osm_buildings(path: Path, *, default_levels, include_untyped_in_landuse: bool) -> _Buildings:
    if not path.exists():
        msg = f"OSM extract '{path}' does not exist."
        raise CoverageInputError(msg)
    ids, names, kinds, levels, heights, outlines, landuse = _read_osm(path, include_untyped_in_landuse)
    b = _make_buildings(
        ids, names, kinds, levels, heights, None, outlines, f"OSM extract '{path}'", default_levels
    )
    untyped = np.flatnonzero(b.kinds == "yes")
    keep = b.kinds != "yes"
    if untyped.size and len(landuse):
        proj = np.asarray(gpd.GeoSeries(landuse, crs="EPSG:4326").to_crs(b.work_crs).values, dtype=object)
        proj = proj[shapely.is_valid(proj) & ~shapely.is_empty(proj)]
        x, y = b.xy(b.work_crs)
        pts = shapely.points(x[untyped], y[untyped])
        hit = shapely.STRtree(proj).query(pts, predicate="within")[0]
        keep[untyped[np.unique(hit)]] = True
    out = b.take(np.flatnonzero(keep))
    log.info(
        "%s: %d residential buildings (%d typed, %d untyped inside landuse=residential)",
        path.name,
        len(out),
        int((out.kinds != "yes").sum()),
        int((out.kinds == "yes").sum()),
    )
    return out


def _find(frame: pd.DataFrame, wanted, aliases, label: str, what: str) -> str | None:
    """A column by its given name (any case; an error when absent), or else by its usual names."""
    cols = {str(c).strip().lower(): c for c in frame.columns if c != frame.geometry.name}
    if wanted is not None:
        found = cols.get(str(wanted).strip().lower())
        if found is None:
            msg = f"{label} has no {what} column {wanted!r}; columns are {[str(c) for c in cols.values()]}."
            raise CoverageInputError(msg)
        return found
    return next((cols[a.lower()] for a in aliases if a.lower() in cols), None)


def _file_buildings(
    source, *, id_col, levels_col, type_col, floor_area_col, crs, layer, sheet, default_levels
) -> _Buildings:
    from .io import read_polygons

    if isinstance(source, gpd.GeoDataFrame) and len(source):
        kinds = source.geometry.geom_type.fillna("missing")
        pts = np.flatnonzero(kinds.isin(["Point", "MultiPoint"]).to_numpy())
        if pts.size:
            msg = (
                f"buildings GeoDataFrame: index {rows_text(pts)} are points, not outlines; give building "
                "polygons (footprints), or points with households straight to assess()."
            )
            raise CoverageInputError(msg)
    polys = read_polygons(
        source,
        role="buildings",
        id_col=id_col,
        id_aliases=BUILDING_ID_ALIASES,
        crs=crs,
        sheet=sheet,
        layer=layer,
    )
    f, label = polys.frame, polys.label
    if id_col is None and _find(f, None, BUILDING_ID_ALIASES, label, "id") is None:
        ids = np.array([f"b{i}" for i in np.asarray(polys.ids)], dtype=object)
    else:
        ids = np.asarray(polys.ids).astype(str).astype(object)
    lc = _find(f, levels_col, LEVEL_ALIASES, label, "levels")
    hc = _find(f, None, HEIGHT_ALIASES, label, "height")
    tc = _find(f, type_col, TYPE_ALIASES, label, "type")
    fc = _find(f, floor_area_col, FLOOR_AREA_ALIASES, label, "floor area")
    nc = _find(f, None, NAME_ALIASES, label, "name")
    n = len(f)
    levels = _parse_levels(f[lc].to_numpy()) if lc is not None else np.full(n, np.nan)
    if lc is not None:
        given = f[lc].notna().to_numpy() & (f[lc].astype(str).str.strip() != "").to_numpy()
        bad = np.flatnonzero(np.isnan(levels) & given)
        if bad.size:
            log.warning(
                "%s column %r: %d values are not floors between 1 and %d (%s); the type's default is used",
                label,
                lc,
                bad.size,
                MAX_LEVELS,
                polys.rows(bad),
            )
    heights = _parse_levels_height(f[hc].to_numpy()) if hc is not None else np.full(n, np.nan)
    kinds = (
        f[tc].fillna("").astype(str).str.strip().to_numpy(dtype=object)
        if tc is not None
        else np.full(n, "yes", dtype=object)
    )
    floor = pd.to_numeric(f[fc], errors="coerce").to_numpy(dtype=float) if fc is not None else None
    names = _text(f, nc)
    outlines = np.asarray(f.geometry.values, dtype=object)
    return _make_buildings(ids, names, kinds, levels, heights, floor, outlines, label, default_levels)


def _text(frame: pd.DataFrame, col: str | None) -> np.ndarray:
    """A column as text ("" where empty), or "" everywhere without one."""
    if col is None:
        return np.full(len(frame), "", dtype=object)
    return frame[col].fillna("").astype(str).to_numpy(dtype=object)


def _no_buildings() -> _Buildings:
    return _make_buildings([], [], [], [], [], None, np.array([], dtype=object), "no buildings", None)


#: The columns of a :class:`Demand`'s ``outlines``, which make it a buildings input as it is.
OUTLINE_COLUMNS = (
    "id",
    "building_id",
    "name",
    "building",
    "levels",
    "levels_from",
    "footprint_m2",
    "floor_area_m2",
)


def _from_outlines(o: gpd.GeoDataFrame) -> _Buildings:
    """A :class:`Demand`'s outlines back as buildings, with their ids, types, floors and floor areas."""
    if len(o) == 0:
        return _no_buildings()
    geom = np.asarray(o.to_crs("EPSG:4326").geometry.values, dtype=object)
    crs, lon, lat, footprint = _outline_geometry(geom)
    return _Buildings(
        _text(o, "building_id"),
        _text(o, "name"),
        _text(o, "building"),
        o["levels"].to_numpy(dtype=float),
        _text(o, "levels_from"),
        footprint,
        o["floor_area_m2"].to_numpy(dtype=float),
        lon,
        lat,
        geom,
        crs,
        "buildings (a Demand's outlines)",
    )


def _buildings_of(
    buildings, *, default_levels=None, include_untyped_in_landuse: bool = True, types=None, **file_options
) -> _Buildings:
    """Buildings from an OSM path, a buildings file or GeoDataFrame of outlines, or a :class:`Demand`."""
    if isinstance(buildings, Demand):
        buildings = buildings.outlines
    if (
        isinstance(buildings, gpd.GeoDataFrame)
        and all(c in buildings.columns for c in OUTLINE_COLUMNS)
        and buildings.crs is not None
    ):
        b = _from_outlines(buildings)
    elif isinstance(buildings, gpd.GeoDataFrame):
        b = _file_buildings(buildings, default_levels=default_levels, **_file_keys(file_options))
    else:
        b = _path_buildings(
            buildings,
            default_levels=default_levels,
            include_untyped_in_landuse=include_untyped_in_landuse,
            file_options=file_options,
        )
    if types is not None:
        b = b.take(np.flatnonzero(np.isin(b.kinds.astype(str), [str(t) for t in types])))
    return b


def _path_buildings(buildings, *, default_levels, include_untyped_in_landuse, file_options) -> _Buildings:
    if isinstance(buildings, pd.DataFrame):
        msg = "buildings is a plain DataFrame; make it a GeoDataFrame of outlines with a CRS."
        raise TypeError(msg)
    if not isinstance(buildings, (str, Path)):
        msg = (
            "buildings must be an OSM extract, a buildings file, a GeoDataFrame or a Demand, "
            f"not {type(buildings).__name__}."
        )
        raise TypeError(msg)
    path = Path(buildings)
    if path.name.lower().endswith(OSM_SUFFIXES):
        return _osm_buildings(
            path, default_levels=default_levels, include_untyped_in_landuse=include_untyped_in_landuse
        )
    return _file_buildings(path, default_levels=default_levels, **_file_keys(file_options))


def _file_keys(options: dict) -> dict:
    keys = ("id_col", "levels_col", "type_col", "floor_area_col", "crs", "layer", "sheet")
    return {k: options.get(k) for k in keys}


# ---------------------------------------------------------------- apportioning
def _round_half_up(x) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) + 0.5)


def _quotas(group: np.ndarray, weights: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each piece's exact share of its group's target, by weight (equal shares when the group weighs 0)."""
    group = np.asarray(group, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    n_groups = len(targets)
    wsum = np.bincount(group, weights=w, minlength=n_groups)
    w = np.where(wsum[group] > 0, w, 1.0)
    wsum = np.bincount(group, weights=w, minlength=n_groups)
    return np.asarray(targets, dtype=float)[group] * (w / wsum[group])


def _round_keeping_total(values: np.ndarray) -> np.ndarray:
    """Whole numbers, each its value's floor or ceiling, that sum to the values' total rounded (halves up).

    Largest remainder with the values themselves as quotas; ties go to the value that comes first.
    """
    q = np.asarray(values, dtype=float)
    if q.size == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.floor(q)
    left = int(_round_half_up(q.sum())) - int(base.sum())
    left = min(max(left, 0), q.size)  # 0 <= left <= n holds exactly; the clip only absorbs float noise
    order = np.lexsort((np.arange(q.size), -(q - base)))
    out = base.astype(np.int64)
    out[order[:left]] += 1
    return out


def _apportion(group: np.ndarray, weights: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whole numbers per piece that sum exactly to each group's whole target (largest remainder).

    ``group[i]`` is piece i's group (0..len(targets)-1); every group with a
    positive target must have a piece. Ties in the fractional parts go to the
    piece that comes first.
    """
    group = np.asarray(group, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    n = group.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    q = _quotas(group, weights, targets)
    base = np.floor(q)
    frac = q - base
    base = base.astype(np.int64)
    left = targets - np.bincount(group, weights=base, minlength=len(targets)).astype(np.int64)
    counts = np.bincount(group, minlength=len(targets))
    if (left < 0).any() or (left > counts).any():  # cannot happen with floor(); a guard against float noise
        msg = "internal error: largest-remainder rounding went out of range"
        raise AssertionError(msg)
    order = np.lexsort((np.arange(n), -frac, group))
    g_sorted = group[order]
    rank = np.arange(n) - np.searchsorted(g_sorted, g_sorted, side="left")
    base[order[rank < left[g_sorted]]] += 1
    return base


# ---------------------------------------------------------------- frames
def _frames(
    b: _Buildings, bidx, *, ids, zone_ids, names, lon, lat, columns: dict, source: str, notes
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(points, outlines) for pieces; ``bidx`` is each piece's building index (-1 for fallback points)."""
    bidx = np.asarray(bidx, dtype=np.int64)
    on = bidx >= 0
    safe = np.where(on, bidx, 0)

    def pick(arr, empty):
        if len(b) == 0:
            return np.full(bidx.size, empty, dtype=object if isinstance(empty, str) else float)
        out = arr[safe].copy() if arr.dtype != object else arr[safe].astype(object)
        out[~on] = empty
        return out

    floor = pick(b.floor_area_m2.astype(float), np.nan)
    data = {
        "id": np.asarray(ids, dtype=object),
        "name": np.asarray(names, dtype=object),
        "building_id": pick(b.ids, ""),
        "zone_id": np.asarray(zone_ids, dtype=object),
        "lon": np.asarray(lon, dtype=float),
        "lat": np.asarray(lat, dtype=float),
        **{k: np.asarray(v) for k, v in columns.items()},
        "floor_area_m2": floor,
        "levels": pick(b.levels.astype(float), np.nan),
        "building": pick(b.kinds, ""),
        "source": np.full(bidx.size, source, dtype=object),
        "source_note": np.asarray(notes, dtype=object),
    }
    points = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(data["lon"], data["lat"]), crs="EPSG:4326")
    k = np.flatnonzero(on)
    bk = bidx[k]
    outlines = gpd.GeoDataFrame(
        {
            "id": data["id"][k],
            "building_id": b.ids[bk],
            "name": b.names[bk],
            "building": b.kinds[bk],
            "levels": b.levels[bk].astype(float),
            "levels_from": b.levels_from[bk],
            "footprint_m2": b.footprint_m2[bk].astype(float),
            "floor_area_m2": b.floor_area_m2[bk].astype(float),
        },
        geometry=gpd.GeoSeries(b.outlines[bk], crs="EPSG:4326").values,
        crs="EPSG:4326",
    )
    return points, outlines


def _levels_from(b: _Buildings, bidx=None) -> dict:
    src = b.levels_from if bidx is None else b.levels_from[np.asarray(bidx, dtype=np.int64)]
    vals, counts = np.unique(src.astype(str), return_counts=True) if src.size else ([], [])
    return {str(v): int(c) for v, c in zip(vals, counts, strict=True)}


def _default_note(b: _Buildings, bidx) -> np.ndarray:
    bidx = np.asarray(bidx, dtype=np.int64)
    notes = np.full(bidx.size, "", dtype=object)
    on = np.flatnonzero(bidx >= 0)
    if on.size:
        src = b.levels_from[bidx[on]]
        lv = b.levels[bidx[on]]
        notes[on] = [f"floors assumed: {v:g}" if s == "default" else "" for s, v in zip(src, lv, strict=True)]
    return notes


# ---------------------------------------------------------------- public: buildings
def from_buildings(
    source,
    *,
    m2_per_household: float = M2_PER_HOUSEHOLD,
    default_levels: float | Mapping[str, float] | None = None,
    include_untyped_in_landuse: bool = True,
    id_col: str | None = None,
    levels_col: str | None = None,
    type_col: str | None = None,
    floor_area_col: str | None = None,
    types: Sequence[str] | None = None,
    crs=None,
    layer: str | None = None,
    sheet: str | None = None,
) -> Demand:
    """Households estimated from residential buildings: footprint x floors / floor area per household.

    Parameters
    ----------
    source
        An OSM extract (``.osm.pbf``, ``.osm``, ``.osm.bz2``) or a buildings
        file (GeoPackage, GeoJSON, Shapefile, CSV/Excel with WKT) or
        GeoDataFrame of outlines.
    m2_per_household
        Floor area per household, in m² (default :data:`M2_PER_HOUSEHOLD`,
        the 2020 census' urban average).
    default_levels
        Floors when a building has none: a number for every type, or a
        mapping from type to floors merged over :data:`DEFAULT_LEVELS` (key
        ``"*"`` for types not listed, default :data:`OTHER_LEVELS`).
    include_untyped_in_landuse
        Count untyped ``building=yes`` inside ``landuse=residential`` (OSM only).
    id_col, levels_col, type_col, floor_area_col
        Columns of a buildings file (any case); by default the usual names
        (``id``/编号, ``levels``/层数/楼层, ``building``/类型, ``floor_area_m2``/建筑面积).
        Without an id column the ids are ``b1``, ``b2``, ... in file order.
    types
        Keep only buildings of these types (a buildings file's type column).
    crs, layer, sheet
        As in :func:`coverage.io.read_polygons`.

    Returns
    -------
    Demand
        ``households`` is each building's floor area / ``m2_per_household``,
        rounded to a whole number (halves up), at least 1.
    """
    try:
        ok = np.isfinite(float(m2_per_household)) and float(m2_per_household) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        msg = (
            f"m2_per_household {m2_per_household!r} must be a positive number of m² "
            f"(default {M2_PER_HOUSEHOLD}, the 2020 census' urban average)."
        )
        raise CoverageInputError(msg)
    b = _buildings_of(
        source,
        default_levels=default_levels,
        include_untyped_in_landuse=include_untyped_in_landuse,
        id_col=id_col,
        levels_col=levels_col,
        type_col=type_col,
        floor_area_col=floor_area_col,
        types=types,
        crs=crs,
        layer=layer,
        sheet=sheet,
    )
    if len(b) == 0:
        msg = (
            f"{b.label} has no residential buildings (building=residential, apartments, house, ... or "
            "building=yes inside landuse=residential); give a buildings file, or use from_totals or "
            "from_grid."
        )
        raise CoverageInputError(msg)
    hh = np.maximum(1, _round_half_up(b.floor_area_m2 / float(m2_per_household))).astype(np.int64)
    table, other = _levels_table(default_levels)
    bidx = np.arange(len(b))
    dup = pd.Series(b.ids).duplicated(keep=False).to_numpy()
    if dup.any():
        msg = (
            f"{b.label}: building ids {rows_text(list(dict.fromkeys(b.ids[dup])))} repeat; give each "
            "building its own id (or drop the id column to number them)."
        )
        raise CoverageInputError(msg)
    points, outlines = _frames(
        b,
        bidx,
        ids=b.ids,
        zone_ids=np.full(len(b), "", dtype=object),
        names=b.names,
        lon=b.lon,
        lat=b.lat,
        columns={"households": hh},
        source="buildings",
        notes=_default_note(b, bidx),
    )
    summary = DemandSummary(
        source="buildings",
        points={"on a building": len(b)},
        totals_in={},
        totals_out={"households": int(hh.sum())},
        buildings_read=len(b),
        levels_from=_levels_from(b),
        settings={"m2_per_household": float(m2_per_household), "default_levels": {**table, "*": other}},
    )
    log.info("%s: %d households in %d residential buildings", b.label, int(hh.sum()), len(b))
    return Demand(points, outlines, summary)


# ---------------------------------------------------------------- public: totals
def _counts(frame: pd.DataFrame, col: str, label: str, rows, what: str) -> np.ndarray:
    """Whole, non-negative counts from a column, or one clear error naming the rows."""
    raw = frame[col]
    v = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    text = raw.astype("string").str.strip()
    empty = raw.isna().to_numpy() | (text.fillna("") == "").to_numpy()
    nonnum = np.isnan(v) & ~empty
    if nonnum.any():
        i = np.flatnonzero(nonnum)
        msg = (
            f"{label} column {col!r} is not a number in {rows(i)} (e.g. {raw.iloc[i[0]]!r}); "
            f"give {what} as whole numbers."
        )
        raise CoverageInputError(msg)
    if empty.any():
        msg = (
            f"{label} column {col!r} is empty in {rows(np.flatnonzero(empty))}; fill them "
            "(0 if nobody lives there)."
        )
        raise CoverageInputError(msg)
    bad = (v < 0) | ~np.isfinite(v)
    if bad.any():
        msg = (
            f"{label} column {col!r} is negative or infinite in {rows(np.flatnonzero(bad))}; "
            f"{what} cannot be negative."
        )
        raise CoverageInputError(msg)
    frac = np.abs(v - np.round(v)) > 1e-9
    if frac.any():
        i = np.flatnonzero(frac)
        msg = (
            f"{label} column {col!r} is not a whole number in {rows(i)} (e.g. {raw.iloc[i[0]]!r}); "
            f"{what} are counts: round them first."
        )
        raise CoverageInputError(msg)
    return np.round(v).astype(np.int64)


def from_totals(
    totals,
    buildings,
    *,
    total_col: str,
    group_cols: Sequence[str] = (),
    id_col: str | None = None,
    name_col: str | None = None,
    crs=None,
    layer: str | None = None,
    sheet: str | None = None,
) -> Demand:
    """Each polygon's totals spread onto the residential buildings inside it, in proportion to floor area.

    Parameters
    ----------
    totals
        Community polygons with their totals: a GeoPackage/GeoJSON/Shapefile,
        a CSV/Excel table with a WKT column, or a GeoDataFrame (see
        :func:`coverage.io.read_polygons`).
    buildings
        An OSM extract, a buildings file or GeoDataFrame of outlines, or a
        :class:`Demand` from :func:`from_buildings` (its outlines and floor
        areas are reused). ``None`` gives one point per polygon.
    total_col
        The households column (any case; ``households`` also finds 户数). It
        becomes ``households`` in the output.
    group_cols
        Further count columns (e.g. 老年人, 独居老人), each spread the same way
        and kept under its own name.
    id_col, name_col
        The polygons' id (default the first of id/编号/编码, else 1, 2, ...)
        and name columns.
    crs, layer, sheet
        As in :func:`coverage.io.read_polygons`.

    Returns
    -------
    Demand
        Every polygon's total in every column equals the sum of its points
        exactly (see the module docstring for the rules).
    """
    from .io import read_polygons

    polys = read_polygons(totals, role="totals", id_col=id_col, crs=crs, sheet=sheet, layer=layer)
    f, label = polys.frame, polys.label
    if isinstance(group_cols, str):
        group_cols = (group_cols,)
    aliases = HOUSEHOLD_ALIASES if str(total_col).lower() in HOUSEHOLD_ALIASES else ()
    tcol = _find(f, None, (str(total_col), *aliases), label, "households")
    if tcol is None:
        cols = [str(c) for c in f.columns if c != f.geometry.name]
        msg = (
            f"{label} has no households column {total_col!r} (total_col); columns are {cols}. "
            "Name it with --total-col (total_col= in Python)."
        )
        raise CoverageInputError(msg)
    gcols = [_find(f, g, (), label, "group") for g in group_cols]
    for g, found in zip(group_cols, gcols, strict=True):
        if found == tcol or str(g).lower() in RESERVED:
            msg = (
                f"{label}: group column {g!r} is the households column or a name the output uses "
                f"({', '.join(RESERVED[:8])}, ...); rename it."
            )
            raise CoverageInputError(msg)
    columns = {"households": _counts(f, tcol, label, polys.rows, "households")}
    for g in gcols:
        columns[str(g)] = _counts(f, g, label, polys.rows, "counts")
    nc = _find(f, name_col, NAME_ALIASES, label, "name")
    znames = _text(f, nc)
    zids = np.asarray(polys.ids).astype(str).astype(object)

    b = _buildings_of(buildings) if buildings is not None else _no_buildings()
    # one work CRS for polygons and buildings
    if len(b):
        work = b.work_crs
    else:
        c = shapely.get_coordinates(shapely.centroid(np.asarray(f.geometry.values, dtype=object)))
        work = _work_crs(c[:, 0], c[:, 1])
    zgeom = np.asarray(f.to_crs(work).geometry.values, dtype=object)
    zarea = shapely.area(zgeom)
    nz = len(f)
    zone = np.full(len(b), -1, dtype=np.int64)
    several = np.zeros(len(b), dtype=bool)
    if len(b):
        x, y = b.xy(work)
        bi, zi = shapely.STRtree(zgeom).query(shapely.points(x, y), predicate="intersects")
        if bi.size:
            order = np.lexsort((zi, zarea[zi], bi))  # by building, then smallest polygon, then input order
            bi, zi = bi[order], zi[order]
            first = np.r_[True, bi[1:] != bi[:-1]]
            zone[bi[first]] = zi[first]
            several[np.unique(bi[~first])] = True
    if several.any():
        ex = b.ids[several][:5]
        log.warning(
            "%s: %d buildings lie inside several polygons (overlapping outlines, e.g. %s); each is "
            "counted once, in the smallest",
            label,
            int(several.sum()),
            ", ".join(map(str, ex)),
        )
    inside = np.flatnonzero(zone >= 0)
    left_out = len(b) - inside.size
    if left_out:
        log.info("%s: %d of %d buildings lie in no polygon; they are left out", label, left_out, len(b))
    # pieces: buildings in zone order (building order within), then one point per empty polygon
    inside = inside[np.lexsort((inside, zone[inside]))]
    has = np.zeros(nz, dtype=bool)
    has[zone[inside]] = True
    empty = np.flatnonzero(~has)
    if empty.size:
        p = shapely.get_coordinates(shapely.point_on_surface(zgeom[empty]))
        elon, elat = _transform(p[:, 0], p[:, 1], work, "EPSG:4326")
    else:
        elon = elat = np.zeros(0)
    pz = np.concatenate([zone[inside], empty])
    pb = np.concatenate([inside, np.full(empty.size, -1, dtype=np.int64)])
    order = np.lexsort((np.arange(pz.size), pz))
    pz, pb = pz[order], pb[order]
    on = pb >= 0
    weights = np.where(on, b.floor_area_m2[np.where(on, pb, 0)] if len(b) else 0.0, 1.0)
    out = {k: _apportion(pz, weights, v) for k, v in columns.items()}
    n_in_zone = np.arange(pz.size) - np.searchsorted(pz, pz, side="left") + 1
    ids = np.array([f"{zids[z]}-{k}" for z, k in zip(pz, n_in_zone, strict=True)], dtype=object)
    lon = np.empty(pz.size)
    lat = np.empty(pz.size)
    if len(b):
        lon[on], lat[on] = b.lon[pb[on]], b.lat[pb[on]]
    pos_empty = np.searchsorted(empty, pz[~on])
    lon[~on], lat[~on] = elon[pos_empty], elat[pos_empty]
    notes = _default_note(b, pb)
    notes[~on] = "no residential building inside this polygon: one point inside it carries its totals"
    if several.any():
        sv = on & several[np.where(on, pb, 0)]
        notes[sv] = [f"inside several polygons; counted only in {zids[z]}, the smallest" for z in pz[sv]]
    names = np.where(on, b.names[np.where(on, pb, 0)] if len(b) else "", "")
    names = np.where(names == "", znames[pz], names).astype(object)
    points, outlines = _frames(
        b,
        pb,
        ids=ids,
        zone_ids=zids[pz],
        names=names,
        lon=lon,
        lat=lat,
        columns=out,
        source="totals",
        notes=notes,
    )
    summary = DemandSummary(
        source="totals",
        points={"on a building": int(on.sum()), "inside a polygon without buildings": int(empty.size)},
        totals_in={k: int(v.sum()) for k, v in columns.items()},
        totals_out={k: int(v.sum()) for k, v in out.items()},
        zones=nz,
        zones_without_buildings=tuple(zids[empty]),
        buildings_read=len(b),
        buildings_left_out=left_out,
        buildings_in_several=int(several.sum()),
        levels_from=_levels_from(b, pb[on]),
        settings={"total_col": str(tcol), "group_cols": [str(g) for g in gcols]},
    )
    if empty.size:
        log.info(
            "%s: %d polygons have no residential building (%s); each gets one point inside it",
            label,
            empty.size,
            rows_text(zids[empty]),
        )
    n_b = np.bincount(pz[on], minlength=nz)
    zones = gpd.GeoDataFrame(
        {
            "zone_id": zids,
            "name": znames,
            "input_row": polys.row_numbers,
            "status": np.where(has, "spread", "no_building").astype(object),
            "n_buildings": n_b,
            "n_points": np.bincount(pz, minlength=nz),
            "note": np.where(
                has,
                [f"spread onto {k} residential building{'s' if k != 1 else ''} by floor area" for k in n_b],
                "no residential building inside: one point inside the polygon carries its totals",
            ),
        },
        geometry=gpd.GeoSeries(np.asarray(f.geometry.values, dtype=object), crs=f.crs)
        .to_crs("EPSG:4326")
        .values,
        crs="EPSG:4326",
    )
    for k, v in columns.items():
        zones[k] = v
        zones[f"{k}_placed"] = np.bincount(pz, weights=out[k], minlength=nz).astype(np.int64)
    zones = zones[
        [*[c for c in zones.columns if c != zones.geometry.name], zones.geometry.name]
    ]  # geometry last
    return Demand(points, outlines, summary, zones)


# ---------------------------------------------------------------- public: grid
@dataclass
class _Cells:
    """A raster's study cells with people, and which points sit in them."""

    raster: int  # position of the raster in the list of all rasters
    path: str
    rows: np.ndarray  # full-raster row/col of each cell with a positive value
    cols: np.ndarray
    values: np.ndarray
    centre_lon: np.ndarray
    centre_lat: np.ndarray
    point_cell: np.ndarray  # per building: index into the cells above, -1 when elsewhere
    point_in_study: np.ndarray  # per building: on a valid study cell (maybe with 0 people)
    extent_text: str
    total: float


def _area_geometry(area):
    if area is None:
        return None
    if isinstance(area, shapely.Geometry):
        return shapely.make_valid(area)
    if isinstance(area, gpd.GeoSeries):
        area = gpd.GeoDataFrame(geometry=area)
    from .io import read_polygons

    p = read_polygons(area, role="area")
    return shapely.union_all(np.asarray(p.frame.geometry.values, dtype=object))


def _open_raster(path, band: int, what: str):
    import rasterio
    import rasterio.errors

    p = Path(path)
    label = f"{what} '{p}'"
    if not p.exists():
        msg = f"{label} does not exist."
        raise CoverageInputError(msg)
    try:
        ds = rasterio.open(p)
    except (rasterio.errors.RasterioError, OSError) as exc:
        msg = f"{label} could not be read as a GeoTIFF ({str(exc).strip()[:160]})."
        raise CoverageInputError(msg) from None
    if ds.crs is None:
        ds.close()
        msg = (
            f"{label} has no CRS; set it first (e.g. gdal_edit.py -a_srs EPSG:4326 '{p.name}', or "
            "rasterio's dataset.crs), since its cells cannot be placed otherwise."
        )
        raise CoverageInputError(msg)
    if not 1 <= band <= ds.count:
        n = ds.count
        ds.close()
        msg = (
            f"{label} has {n} band{'s' if n != 1 else ''}; band={band} does not exist "
            "(bands are numbered from 1)."
        )
        raise CoverageInputError(msg)
    return ds, label


def _footprint(ds):
    """The raster's outline in WGS-84 (edges densified)."""
    t = np.linspace(0, 1, 21)
    w, h = ds.width, ds.height
    c = np.concatenate([t * w, np.full(21, w), (1 - t) * w, np.zeros(21)])
    r = np.concatenate([np.zeros(21), t * h, np.full(21, h), (1 - t) * h])
    T = ds.transform
    x, y = T.a * c + T.b * r + T.c, T.d * c + T.e * r + T.f
    lon, lat = _transform(x, y, ds.crs, "EPSG:4326")
    return shapely.make_valid(shapely.Polygon(np.column_stack([lon, lat])))


def _check_tiles(paths, band: int, what: str) -> None:
    if len(paths) < 2:
        return
    shapes = []
    for p in paths:
        ds, _ = _open_raster(p, band, what)
        with ds:
            shapes.append(_footprint(ds))
    for i in range(len(shapes)):
        for j in range(i + 1, len(shapes)):
            inter = shapes[i].intersection(shapes[j]).area
            if inter > 1e-6 * min(shapes[i].area, shapes[j].area):
                msg = (
                    f"{what} tiles '{paths[i]}' and '{paths[j]}' overlap, so their people would count "
                    "twice; mosaic them into one raster first (gdal_merge.py or rasterio.merge)."
                )
                raise CoverageInputError(msg)


def _apply(t, x, y) -> tuple[np.ndarray, np.ndarray]:
    """An affine transform applied to coordinate arrays."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return t.a * x + t.b * y + t.c, t.d * x + t.e * y + t.f


def _cells(path, k: int, band: int, lon, lat, area, what: str, span=None) -> _Cells:
    """Read the study window of one raster and place the points (reprojected into its CRS) in its cells.

    The window is ``area``'s, else the cells spanned by the ``span`` points (lon, lat; the buildings), else
    the whole raster.
    """
    from rasterio.windows import Window

    ds, label = _open_raster(path, band, what)
    with ds:
        T, W, H = ds.transform, ds.width, ds.height
        inv = ~T
        px, py = _transform(lon, lat, "EPSG:4326", ds.crs)
        fc, fr = _apply(inv, px, py)
        col = np.floor(np.asarray(fc, dtype=float))
        row = np.floor(np.asarray(fr, dtype=float))
        on = np.isfinite(col) & np.isfinite(row) & (col >= 0) & (col < W) & (row >= 0) & (row < H)
        if area is not None:
            ring = (
                np.zeros((0, 2))
                if area.is_empty
                else shapely.get_coordinates(shapely.segmentize(shapely.envelope(area), 0.01))
            )
            ax, ay = _transform(ring[:, 0], ring[:, 1], "EPSG:4326", ds.crs)
            ac, ar = _apply(inv, ax, ay)
            ok = np.isfinite(ac) & np.isfinite(ar)
            ac, ar = np.asarray(ac)[ok], np.asarray(ar)[ok]
            lo_c, hi_c = (int(np.floor(ac.min())), int(np.floor(ac.max()))) if ac.size else (0, -1)
            lo_r, hi_r = (int(np.floor(ar.min())), int(np.floor(ar.max()))) if ar.size else (0, -1)
        elif span is not None and span[0].size:
            sx, sy = _transform(span[0], span[1], "EPSG:4326", ds.crs)
            sc, sr = _apply(inv, sx, sy)
            sc, sr = np.floor(np.asarray(sc, dtype=float)), np.floor(np.asarray(sr, dtype=float))
            son = np.isfinite(sc) & np.isfinite(sr) & (sc >= 0) & (sc < W) & (sr >= 0) & (sr < H)
            if son.any():
                lo_c, hi_c = int(sc[son].min()), int(sc[son].max())
                lo_r, hi_r = int(sr[son].min()), int(sr[son].max())
            else:
                lo_c, hi_c, lo_r, hi_r = 0, -1, 0, -1
        else:
            lo_c, hi_c, lo_r, hi_r = 0, W - 1, 0, H - 1
        lo_c, lo_r = max(lo_c, 0), max(lo_r, 0)
        hi_c, hi_r = min(hi_c, W - 1), min(hi_r, H - 1)
        ex, ey = _apply(T, [0, W, W, 0], [0, 0, H, H])
        bounds = (ex.min(), ey.min(), ex.max(), ey.max())
        bounds = tuple(round(float(v), 4) for v in bounds)
        extent = f"{W} x {H} cells in {ds.crs.to_string()}, bounds {bounds}"
        if hi_c < lo_c or hi_r < lo_r:
            empty = np.zeros(0)
            return _Cells(
                k,
                str(path),
                empty.astype(np.int64),
                empty.astype(np.int64),
                empty,
                empty,
                empty,
                np.full(lon.size, -1, dtype=np.int64),
                np.zeros(lon.size, dtype=bool),
                extent,
                0.0,
            )
        win = Window(lo_c, lo_r, hi_c - lo_c + 1, hi_r - lo_r + 1)
        data = ds.read(band, window=win, masked=True)
        nodata = ds.nodata
    vals = np.ma.filled(data.astype(float), np.nan)
    valid = np.isfinite(vals)
    neg = valid & (vals < 0)
    if neg.any():
        r, c = np.nonzero(neg)
        where = ", ".join(f"(row {a + lo_r}, col {b + lo_c})" for a, b in zip(r[:5], c[:5], strict=True))
        more = f" and {r.size - 5} more" if r.size > 5 else ""
        msg = (
            f"{label} band {band} has {r.size} negative cells that are not its nodata value ({nodata}): "
            f"{where}{more}; set them to the nodata value or 0."
        )
        raise CoverageInputError(msg)
    hh, ww = vals.shape
    rr, cc = np.meshgrid(np.arange(hh) + lo_r, np.arange(ww) + lo_c, indexing="ij")
    study = valid.copy()
    if area is not None:
        cx = T.a * (cc + 0.5) + T.b * (rr + 0.5) + T.c
        cy = T.d * (cc + 0.5) + T.e * (rr + 0.5) + T.f
        clon, clat = _transform(cx.ravel(), cy.ravel(), ds.crs, "EPSG:4326")
        shapely.prepare(area)
        study &= shapely.contains_xy(area, clon, clat).reshape(vals.shape)
    pos = study & (np.nan_to_num(vals) > 0)
    r_idx, c_idx = np.nonzero(pos)
    values = vals[r_idx, c_idx]
    rows_full, cols_full = r_idx + lo_r, c_idx + lo_c
    cx = T.a * (cols_full + 0.5) + T.b * (rows_full + 0.5) + T.c
    cy = T.d * (cols_full + 0.5) + T.e * (rows_full + 0.5) + T.f
    clon, clat = _transform(cx, cy, ds.crs, "EPSG:4326")
    # points: which positive cell (if any) holds each, and whether it is on a valid study cell at all
    point_cell = np.full(lon.size, -1, dtype=np.int64)
    in_study = np.zeros(lon.size, dtype=bool)
    inwin = on & (col >= lo_c) & (col <= hi_c) & (row >= lo_r) & (row <= hi_r)
    if inwin.any():
        wr = (row[inwin] - lo_r).astype(np.int64)
        wc = (col[inwin] - lo_c).astype(np.int64)
        in_study[inwin] = study[wr, wc]
        cell_of = np.full(vals.shape, -1, dtype=np.int64)
        cell_of[r_idx, c_idx] = np.arange(r_idx.size)
        point_cell[inwin] = cell_of[wr, wc]
    return _Cells(
        k,
        str(path),
        rows_full.astype(np.int64),
        cols_full.astype(np.int64),
        values,
        clon,
        clat,
        point_cell,
        in_study,
        extent,
        float(values.sum()),
    )


def _as_paths(value, what: str) -> list:
    if isinstance(value, (str, Path)):
        return [value]
    if isinstance(value, Sequence) and value and all(isinstance(v, (str, Path)) for v in value):
        return list(value)
    msg = f"{what} must be a GeoTIFF path or a list of tile paths, not {type(value).__name__}."
    raise CoverageInputError(msg)


def from_grid(
    rasters,
    buildings=None,
    *,
    band: int = 1,
    people_per_household: float = PEOPLE_PER_HOUSEHOLD,
    group_rasters: Mapping[str, object] | None = None,
    area=None,
) -> Demand:
    """A population grid's people spread onto the residential buildings in each cell, by floor area.

    Parameters
    ----------
    rasters
        A GeoTIFF of people per cell (any CRS, rotated grids too), or a list
        of non-overlapping tiles of one grid.
    buildings
        An OSM extract, a buildings file or GeoDataFrame of outlines, or a
        :class:`Demand`; ``None`` gives one point per cell with people.
    band
        The band holding the counts (from 1), in every raster.
    people_per_household
        People per household (default :data:`PEOPLE_PER_HOUSEHOLD`, the 2020
        census average) to turn people into households.
    group_rasters
        Column name -> GeoTIFF (or list of tiles) of a group's people per
        cell, e.g. ``{"age_65_plus": "chn_65plus.tif"}``.
    area
        The study area: polygons (GeoDataFrame, file, or a shapely geometry in
        WGS-84); cells whose centre lies inside count. Default: the cells
        spanned by the buildings' points, or the whole raster without buildings.

    Returns
    -------
    Demand
        ``population`` and ``households`` (and each group column) are whole
        numbers whose sums are the study area's totals (people, and people /
        ``people_per_household``) rounded to whole numbers.
    """
    try:
        pph = float(people_per_household)
        ok = np.isfinite(pph) and pph > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        msg = (
            f"people_per_household {people_per_household!r} must be a positive number "
            f"(default {PEOPLE_PER_HOUSEHOLD}, the 2020 census average)."
        )
        raise CoverageInputError(msg)
    if not isinstance(band, (int, np.integer)) or isinstance(band, bool):
        msg = f"band {band!r} must be a band number (1 for the first band)."
        raise CoverageInputError(msg)
    main = _as_paths(rasters, "rasters")
    groups = {}
    if group_rasters is not None:
        if not isinstance(group_rasters, Mapping):
            msg = "group_rasters must map a column name to a GeoTIFF, e.g. {'age_65_plus': 'pop65.tif'}."
            raise CoverageInputError(msg)
        for name, value in group_rasters.items():
            if str(name).lower() in RESERVED:
                msg = f"group_rasters name {name!r} is a column the output uses; call it e.g. 'age_65_plus'."
                raise CoverageInputError(msg)
            groups[str(name)] = _as_paths(value, f"group_rasters[{name!r}]")
    _check_tiles(main, band, "population grid")
    for name, paths in groups.items():
        _check_tiles(paths, band, f"group grid {name!r}")
    area_geom = _area_geometry(area)
    b = _buildings_of(buildings) if buildings is not None else _no_buildings()
    nb = len(b)

    # fallback points (cells without a building), appended as rasters are read
    fb_lon: list[float] = []
    fb_lat: list[float] = []
    fb_id: list[str] = []
    fb_zone: list[str] = []
    fb_note: list[str] = []
    pieces: dict[str, tuple] = {}  # column -> (point index per piece, cell per piece, weight, cell targets)
    totals_in: dict[str, float] = {}
    in_any = np.zeros(nb, dtype=bool)
    zone_of = np.full(nb, "", dtype=object)
    k = 0
    n_cells = 0
    cells_without: list[str] = []
    extents = []

    def spread(paths, column_names, factors, what):
        nonlocal k, n_cells
        all_pi, all_ci, all_w, cell_vals = [], [], [], []
        offset = 0
        total = 0.0
        for p in paths:
            fb_n = len(fb_lon)
            lon = np.concatenate([b.lon, np.asarray(fb_lon, dtype=float)])
            lat = np.concatenate([b.lat, np.asarray(fb_lat, dtype=float)])
            cells = _cells(p, k, band, lon, lat, area_geom, what, span=(b.lon, b.lat) if nb else None)
            extents.append(cells.extent_text)
            total += cells.total
            pc = cells.point_cell
            bcell = pc[:nb]
            fcell = pc[nb : nb + fb_n]
            in_any[:nb] |= cells.point_in_study[:nb]
            if what == "population grid":
                zone_of[bcell >= 0] = [f"{k}-{cells.rows[c]}-{cells.cols[c]}" for c in bcell[bcell >= 0]]
            nc = cells.values.size
            has_b = np.zeros(nc, dtype=bool)
            has_b[bcell[bcell >= 0]] = True
            has_f = np.zeros(nc, dtype=bool)
            ok_f = (fcell >= 0) & ~has_b[np.maximum(fcell, 0)]
            has_f[fcell[ok_f]] = True
            bi = np.flatnonzero(bcell >= 0)
            pi = [bi, nb + np.flatnonzero(ok_f)]
            ci = [bcell[bi], fcell[ok_f]]
            w = [b.floor_area_m2[bi], np.ones(int(ok_f.sum()))]
            new = np.flatnonzero(~has_b & ~has_f)
            for c in new:
                cid = f"cell-{k}-{cells.rows[c]}-{cells.cols[c]}"
                fb_lon.append(float(cells.centre_lon[c]))
                fb_lat.append(float(cells.centre_lat[c]))
                fb_id.append(cid)
                fb_zone.append(cid[5:])
                fb_note.append(
                    f"{what}: a cell with people but no residential building; a point at its centre"
                )
            cells_without.extend(f"{k}-{cells.rows[c]}-{cells.cols[c]}" for c in new)
            pi.append(nb + fb_n + np.arange(new.size))
            ci.append(new)
            w.append(np.ones(new.size))
            all_pi.append(np.concatenate(pi))
            all_ci.append(np.concatenate(ci) + offset)
            all_w.append(np.concatenate(w))
            cell_vals.append(cells.values)
            offset += nc
            n_cells += nc
            k += 1
        pi = np.concatenate(all_pi) if all_pi else np.zeros(0, dtype=np.int64)
        ci = np.concatenate(all_ci) if all_ci else np.zeros(0, dtype=np.int64)
        w = np.concatenate(all_w) if all_w else np.zeros(0)
        vals = np.concatenate(cell_vals) if cell_vals else np.zeros(0)
        for name, factor in zip(column_names, factors, strict=True):
            q = vals / factor
            pieces[name] = (pi, ci, w, _round_keeping_total(q))
            totals_in[name] = float(total / factor)

    spread(main, ["population", "households"], [1.0, pph], "population grid")
    for name, paths in groups.items():
        spread(paths, [name], [1.0], f"group grid {name!r}")
    if nb and not in_any.any() and not fb_lon:
        msg = (
            f"None of the {nb} buildings lies on a valid cell of population grid '{main[0]}' "
            f"({extents[0] if extents else ''}); check that the grid covers the buildings "
            "(its CRS, or the area)."
        )
        raise CoverageInputError(msg)

    n_pts = nb + len(fb_lon)
    columns = {}
    for name, (pi, ci, w, cell_int) in pieces.items():
        col = np.zeros(n_pts, dtype=np.int64)
        if pi.size:
            np.add.at(col, pi, _apportion(ci, w, cell_int))
        columns[name] = col
    keep_b = (
        np.flatnonzero(in_any | np.any([c[:nb] > 0 for c in columns.values()], axis=0))
        if nb
        else np.zeros(0, dtype=np.int64)
    )
    sel = np.concatenate([keep_b, nb + np.arange(len(fb_lon))])
    bidx = np.concatenate([keep_b, np.full(len(fb_lon), -1, dtype=np.int64)])
    ids = np.concatenate([b.ids[keep_b], np.asarray(fb_id, dtype=object)]).astype(object)
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        clash = rows_text(list(dict.fromkeys(ids[dup])))
        msg = f"building ids {clash} clash with the grid's cell ids; rename them."
        raise CoverageInputError(msg)
    notes = _default_note(b, bidx)
    notes[bidx < 0] = fb_note
    lon = np.concatenate([b.lon[keep_b], np.asarray(fb_lon, dtype=float)])
    lat = np.concatenate([b.lat[keep_b], np.asarray(fb_lat, dtype=float)])
    names = np.concatenate([b.names[keep_b], np.full(len(fb_lon), "", dtype=object)])
    zones = np.concatenate([zone_of[keep_b], np.asarray(fb_zone, dtype=object)])
    out = {name: col[sel] for name, col in columns.items()}
    out = {"households": out.pop("households"), "population": out.pop("population"), **out}
    points, outlines = _frames(
        b,
        bidx,
        ids=ids,
        zone_ids=zones,
        names=names,
        lon=lon,
        lat=lat,
        columns=out,
        source="grid",
        notes=notes,
    )
    summary = DemandSummary(
        source="grid",
        points={"on a building": int(keep_b.size), "at a cell centre": len(fb_lon)},
        totals_in=totals_in,
        totals_out={name: int(v.sum()) for name, v in out.items()},
        zones=n_cells,
        zones_without_buildings=tuple(cells_without),
        buildings_read=nb,
        buildings_left_out=nb - int(keep_b.size),
        levels_from=_levels_from(b, keep_b),
        settings={
            "people_per_household": pph,
            "band": int(band),
            "rasters": [str(p) for p in main],
            "group_rasters": {k_: [str(p) for p in v] for k_, v in groups.items()},
        },
    )
    if summary.buildings_left_out:
        log.info(
            "%d of %d buildings lie outside the grid's study area or on nodata cells; they are left out",
            summary.buildings_left_out,
            nb,
        )
    return Demand(points, outlines, summary)
