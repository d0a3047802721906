"""The locate step: read points, check them against the network's extent,
project them into the network's work CRS and snap them to the nearest
walkable segment.

Every analysis that places points on the network (stations and households in
:func:`~coverage.assess.assess`, stations added in a what-if, candidate sites,
stations alone for isochrones) goes through :func:`locate`, so they all follow
the same rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ._errors import CoverageInputError
from .io import Points, read_points
from .network import WalkNetwork
from .options import snap_limit_m
from .snapping import Snapped, snap_points

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

log = logging.getLogger(__name__)

#: Points this far (degrees) outside the network's bounding box are "outside its extent".
EXTENT_MARGIN_DEG = 0.005


def project(network: WalkNetwork, lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 longitude/latitude to the network's work CRS (metres).

    ``network.crs`` is the projected CRS every distance is computed in; this
    is the one projection :func:`~coverage.snapping.snap_points` expects.
    """
    import pyproj

    t = pyproj.Transformer.from_crs("EPSG:4326", network.crs, always_xy=True)
    x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def outside_extent(network: WalkNetwork, lon, lat, margin_deg: float = EXTENT_MARGIN_DEG) -> np.ndarray:
    """Rows with usable coordinates that lie outside the network's bounding box."""
    minx, miny, maxx, maxy = network.bounds_lonlat
    ok = np.isfinite(lon) & np.isfinite(lat)
    inside = (
        (lon >= minx - margin_deg)
        & (lon <= maxx + margin_deg)
        & (lat >= miny - margin_deg)
        & (lat <= maxy + margin_deg)
    )
    return ok & ~inside


def check_extent(network: WalkNetwork, pts: Points) -> np.ndarray:
    """Rows outside the network's extent; raise when the input is clearly misplaced.

    Raises :class:`~coverage.CoverageInputError` when most points would fall
    inside with longitude and latitude exchanged, or when none lies inside.
    """
    out = outside_extent(network, pts.lon, pts.lat)
    valid = np.isfinite(pts.lon)
    n_valid = int(valid.sum())
    if n_valid and out.sum() > 0.5 * n_valid:
        swapped_in = ~outside_extent(network, pts.lat, pts.lon) & valid
        if swapped_in.sum() > 0.5 * n_valid:
            msg = (
                f"{pts.label}: longitude and latitude look swapped ({pts.rows(np.flatnonzero(out))} "
                "fall outside the network, and would fall inside with the columns exchanged); swap them."
            )
            raise CoverageInputError(msg)
        if out.sum() == n_valid:
            minx, miny, maxx, maxy = network.bounds_lonlat
            msg = (
                f"{pts.label}: none of the {n_valid} points lies inside the network's extent "
                f"(lon {minx:.4f}..{maxx:.4f}, lat {miny:.4f}..{maxy:.4f}); check the coordinates' CRS "
                "(--crs gcj02/bd09/EPSG:...) or use an extract that covers them."
            )
            raise CoverageInputError(msg)
    if out.any():
        log.warning(
            "%s: %d points lie outside the network's extent; they are marked off_network",
            pts.label,
            int(out.sum()),
        )
    return out


#: The offset check reads at most this many points of an input.
OFFSET_SAMPLE = 2000
#: A shifted reading must put at least this share more of the points in residential areas...
OFFSET_MIN_GAIN = 0.25
#: ... and at least this many times the share of the reading as given.
OFFSET_MIN_RATIO = 2.0


def _residential_tree(network: WalkNetwork):
    """An STRtree of the extract's landuse=residential areas
    (None without a local extract, or without areas)."""

    def build(net):
        import shapely

        from .osm import products_of

        prod = products_of(net)
        areas = None if prod is None else prod.residential_areas
        return None if areas is None or not len(areas) else shapely.STRtree(np.asarray(areas.geometry.values))

    return network.derived("_residential_tree", build)


def offset_reading(network: WalkNetwork, lon: np.ndarray, lat: np.ndarray) -> tuple[str, float, float] | None:
    """Whether longitude/latitude given as WGS-84 read markedly better as GCJ-02 or BD-09.

    Chinese web maps (Amap, Tencent: GCJ-02; Baidu: BD-09) shift positions by
    300-700 m. Measured on the five Chinese extracts in this project, the
    distance to the nearest street does not tell the readings apart in dense
    cities (random points are as close to a street as real ones), but the
    share of points inside OpenStreetMap's residential areas does (Harbin:
    90% of residential buildings read right against 35% shifted). So: the
    share inside residential areas under each reading, on a sample; returns
    ``(reading, share as given, share as read)`` when another reading puts
    markedly more of the points inside them, else None (also when the
    extract has no residential areas or the points are outside China).
    """
    import shapely

    from .crs import bd09_to_wgs84, gcj02_to_wgs84, in_china

    ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if ok.size < 10 or not in_china(lon[ok], lat[ok]).mean() > 0.5:
        return None
    tree = _residential_tree(network)
    if tree is None:
        return None
    pick = ok[np.linspace(0, ok.size - 1, min(OFFSET_SAMPLE, ok.size)).astype(np.int64)]
    x, y = lon[pick], lat[pick]

    def share(px, py):
        hit = np.zeros(px.size, dtype=bool)
        pi, _ = tree.query(shapely.points(px, py), predicate="within")
        hit[pi] = True
        return float(hit.mean())

    given = share(x, y)
    best = None
    for name, conv in (("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)):
        alt = share(*conv(x, y))
        if (
            alt - given >= OFFSET_MIN_GAIN
            and alt >= OFFSET_MIN_RATIO * given
            and (best is None or alt > best[2])
        ):
            best = (name, given, alt)
    return best


def check_offset(network: WalkNetwork, pts: Points, role: str) -> None:
    """Refuse WGS-84 input that is clearly GCJ-02 or BD-09 (see :func:`offset_reading`), naming the fix."""
    found = offset_reading(network, pts.lon, pts.lat)
    if found is None:
        return
    from .io import crs_option

    name, given, alt = found
    what = {"gcj02": "GCJ-02 (Amap, Tencent)", "bd09": "BD-09 (Baidu)"}[name]
    option = crs_option(role)
    msg = (
        f"{pts.label}: these coordinates look like {what}, not WGS-84: read as {name}, {alt:.0%} of them "
        f"fall in OpenStreetMap's residential areas, read as WGS-84 only {given:.0%}. Pass {option} "
        f"{name} (or --crs {name} for every input; crs= in Python); if they really are WGS-84, say so "
        f"with {option} EPSG:4326."
    )
    raise CoverageInputError(msg)


@dataclass(frozen=True)
class Located:
    """Points read, checked and snapped.

    Attributes
    ----------
    points
        The validated input rows (:class:`~coverage.io.Points`).
    snap
        Where each row meets the network (:class:`~coverage.snapping.Snapped`).
    outside
        Rows outside the network's extent (they are off the network).
    """

    points: Points
    snap: Snapped
    outside: np.ndarray


def locate(
    network: WalkNetwork,
    source,
    *,
    role: str,
    id_col: str | None = "id",
    weight: str | None = None,
    crs=None,
    max_snap_m: float | None = None,
    read_options: dict | None = None,
    check: bool = True,
    check_crs: bool = True,
) -> Located:
    """Read ``source`` (file or GeoDataFrame), check its extent, project and snap it.

    ``source`` may also be :class:`~coverage.io.Points` already read. See
    :func:`~coverage.io.read_points` for ``id_col``, ``weight``, ``crs`` and
    the ``read_options`` (``sheet``, ``layer``, ``lon_col``, ``lat_col``,
    ``name_col``, and ``crs``: this file's own CRS, before the ``crs`` of the run).
    ``check=False`` skips the misplaced-input errors (a tile's stations may
    all lie outside the tile's own network).
    With ``check_crs`` (the default), input read as WGS-84 without a stated
    CRS is checked for the Chinese web-map offsets (:func:`check_offset`);
    places the library made itself skip it.
    """
    if isinstance(source, Points):
        pts = source
    else:
        opts = dict(read_options or {})
        crs = opts.pop("crs", None) or crs  # the file's own CRS option, else the run's
        lon_hint = float(np.mean(network.bounds_lonlat[::2]))
        pts = read_points(source, role=role, id_col=id_col, weight=weight, crs=crs, lon_hint=lon_hint, **opts)
        if check_crs and crs is None and pts.crs is not None and pts.crs.equals("EPSG:4326"):
            check_offset(network, pts, role)
    out = check_extent(network, pts) if check else outside_extent(network, pts.lon, pts.lat)
    x, y = project(network, pts.lon, pts.lat)
    snap = snap_points(network, x, y, max_snap_m=snap_limit_m(max_snap_m))
    return Located(pts, snap, out)
