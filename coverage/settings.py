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
``wheelchair`` (3.24 km/h, 0.9 m/s), step-free
    The speed traffic engineering plans crossings for when wheelchair users
    and slower pedestrians use them: 3.0 ft/s (0.91 m/s), in the US Manual on
    Uniform Traffic Control Devices (MUTCD 2009, section 4E.06) and the
    proposed Public Rights-of-Way Accessibility Guidelines (PROWAG, R306.2);
    0.9 m/s makes 15 minutes 810 m. The profile also leaves out every segment
    a wheelchair cannot use (:data:`PROFILE_AVOID`): ``highway=steps``,
    ``wheelchair=no``, an ``incline`` steeper than
    :data:`wheelchair_max_incline_pct` where one is tagged, and segments that
    end at a raised kerb where kerbs are mapped. Untagged ways count as usable
    (OSM in China tags few of them): the profile is an upper bound on the
    step-free reach.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Speed profiles in km/h. See the module docstring for sources.
SPEED_PROFILES_KPH: dict[str, float] = {
    "adult": 4.8,
    "elderly": 2.88,
    "planning": 4.0,
    "wheelchair": 3.24,
}

#: The profiles' names as a reader sees them, per language. Group tables, the zh summary line, the brief
#: and the map use them; the data (summary.json, CSVs) keep the codes.
PROFILE_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "adult": "adult pace",
        "elderly": "older adults' pace",
        "planning": "planning pace",
        "wheelchair": "wheelchair pace, step-free routes",
    },
    "zh": {
        "adult": "成人步速",
        "elderly": "老年人步速",
        "planning": "规划步速",
        "wheelchair": "无障碍（轮椅）",
    },
}

#: Segments each profile leaves out, by :data:`coverage.osm.EDGE_FLAGS` name (profiles not listed use every
#: walkable segment). ``steps``: highway=steps; ``no_wheelchair``: wheelchair=no; ``steep``: an incline tagged
#: steeper than :data:`wheelchair_max_incline_pct`; ``kerb``: a segment ending at a raised kerb node.
PROFILE_AVOID: dict[str, tuple[str, ...]] = {
    "wheelchair": ("steps", "no_wheelchair", "steep", "kerb"),
}

#: Steepest tagged incline of the wheelchair profile, percent: between the 1:20 (5%) above which a walkway
#: counts as a ramp and the 1:12 (8.3%) steepest ramp of GB 50763-2012 (无障碍设计规范) and the ADA standards;
#: ``coverage.osm.STEEP_INCLINE_PCT`` (the flag set when the network is built) holds the same value.
wheelchair_max_incline_pct: float = 6.0

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
