"""service-coverage: who can walk to a community service station within 15 minutes.

The package is imported as ``coverage`` (the same import name as coverage.py;
do not install both in one environment).
"""

from ._errors import CoverageInputError
from .assess import CoverageResult, Summary, assess
from .areas import summarize_by_area
from .io import Points, read_points
from .network import WalkNetwork, load_network
from .reach import nearest_station, station_reach
from .report import export_report
from .isochrones import gap_areas, isochrones, isochrones_for_stations
from .maps import coverage_map, save_map, static_map
from .siting import SitingResult, suggest_sites
from .snapping import snap_points

__version__ = "0.1.0"

__all__ = [
    "CoverageInputError",
    "CoverageResult",
    "Points",
    "Summary",
    "WalkNetwork",
    "__version__",
    "SitingResult",
    "assess",
    "coverage_map",
    "export_report",
    "gap_areas",
    "summarize_by_area",
    "isochrones",
    "isochrones_for_stations",
    "save_map",
    "static_map",
    "suggest_sites",
    "load_network",
    "nearest_station",
    "read_points",
    "snap_points",
    "station_reach",
]
