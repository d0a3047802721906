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

import numpy as np

from . import settings
from ._errors import CoverageInputError
from .io import Points, read_points
from .network import WalkNetwork
from .snapping import Snapped, snap_points

log = logging.getLogger(__name__)

#: Points this far (degrees) outside the network's bounding box are "outside its extent".
EXTENT_MARGIN_DEG = 0.005


def project(network: WalkNetwork, lon, lat) -> tuple[np.ndarray, np.ndarray]:
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
    inside = (lon >= minx - margin_deg) & (lon <= maxx + margin_deg) & (lat >= miny - margin_deg) & (lat <= maxy + margin_deg)
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
) -> Located:
    """Read ``source`` (file or GeoDataFrame), check its extent, project and snap it.

    ``source`` may also be :class:`~coverage.io.Points` already read. See
    :func:`~coverage.io.read_points` for ``id_col``, ``weight``, ``crs`` and
    the ``read_options`` (``sheet``, ``layer``, ``lon_col``, ``lat_col``,
    ``name_col``). ``check=False`` skips the misplaced-input errors (a
    tile's stations may all lie outside the tile's own network).
    """
    if isinstance(source, Points):
        pts = source
    else:
        lon_hint = float(np.mean(network.bounds_lonlat[::2]))
        pts = read_points(source, role=role, id_col=id_col, weight=weight, crs=crs, lon_hint=lon_hint,
                          **(read_options or {}))
    out = check_extent(network, pts) if check else outside_extent(network, pts.lon, pts.lat)
    x, y = project(network, pts.lon, pts.lat)
    snap = snap_points(network, x, y, max_snap_m=settings.max_snap_m if max_snap_m is None else max_snap_m)
    return Located(pts, snap, out)
