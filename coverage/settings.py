"""Documented defaults.

Every value here can be overridden per call; these are only the defaults.

Walking-speed profiles
----------------------
``adult`` (4.8 km/h, 1.33 m/s)
    Comfortable walking speed of healthy adults, 1.3-1.4 m/s in the gait
    literature (e.g. Bohannon & Andrews 2011, *Physiotherapy* 97(3):182-189).
    15 minutes is 1,200 m. Routing engines use similar values (Valhalla's
    pedestrian costing 5.1 km/h, osmnx examples 4.5 km/h).
``elderly`` (2.88 km/h, 0.8 m/s)
    Conservative speed for older residents. Bohannon & Andrews report mean
    comfortable speeds of about 0.94-0.97 m/s for people aged 80-99; 0.8 m/s is
    below that mean so that slower residents are represented. 15 minutes is
    720 m.
``planning`` (4.0 km/h, 1.11 m/s)
    Chinese community life-circle practice (GB 50180-2018 as used in city
    guidelines) takes the 15-minute circle as roughly 800-1,000 m of walking;
    4.0 km/h makes 15 minutes exactly 1,000 m.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Speed profiles in km/h. See the module docstring for sources.
SPEED_PROFILES_KPH: dict[str, float] = {
    "adult": 4.8,
    "elderly": 2.88,
    "planning": 4.0,
}

#: Default walking speed profile.
default_profile: str = "adult"

#: Default coverage threshold in minutes (the 15-minute circle).
threshold_min: float = 15.0

#: Bands reported in the summary and drawn as isochrones, in minutes.
cutoffs_min: tuple[float, ...] = (5.0, 10.0, 15.0)

#: A point farther than this from every walkable edge is ``off_network``.
#: 300 m: Chinese residential compounds (小区) are often 200-400 m across with
#: unmapped internal paths, so a building can sit well inside a compound; much
#: beyond 300 m the point is usually outside the extract or mis-geocoded.
max_snap_m: float = 300.0

#: Walk elevated trunk roads (viaducts, 高架: ``highway=trunk|trunk_link`` with ``bridge``) that have no
#: sidewalk or foot permission mapped. False: on the five Chinese extracts measured (see the README),
#: such decks are urban expressways with no pavement; walks over them are walks nobody takes.
walk_elevated_roads: bool = False

#: Folder for the built-network cache. ``SERVICE_COVERAGE_CACHE`` overrides it.
cache_folder: Path = Path(
    os.environ.get("SERVICE_COVERAGE_CACHE", Path.home() / ".cache" / "service-coverage")
)

#: Use the on-disk network cache.
use_cache: bool = True

#: A tiled run merges its households into one households.csv / .gpkg up to this many rows (Excel opens
#: about a million); beyond it they stay in the tiles' GeoParquet files.
merge_max_rows: int = 2_000_000


def speed_m_s(profile: str | None = None, speed_kph: float | None = None) -> float:
    """Return the walking speed in m/s for a profile name or a custom km/h.

    Parameters
    ----------
    profile
        One of :data:`SPEED_PROFILES_KPH` (``"adult"``, ``"elderly"``,
        ``"planning"``). Ignored when ``speed_kph`` is given.
    speed_kph
        Custom walking speed in km/h.
    """
    from ._errors import CoverageInputError

    if speed_kph is not None:
        speed_kph = float(speed_kph)
        if not (0.5 <= speed_kph <= 10):
            msg = f"speed_kph={speed_kph} is not a walking speed; give a value between 0.5 and 10 km/h."
            raise CoverageInputError(msg)
        return speed_kph / 3.6
    name = profile or default_profile
    if name not in SPEED_PROFILES_KPH:
        known = ", ".join(sorted(SPEED_PROFILES_KPH))
        msg = f"Unknown speed profile {name!r}; use one of: {known}, or give speed_kph."
        raise CoverageInputError(msg)
    return SPEED_PROFILES_KPH[name] / 3.6
