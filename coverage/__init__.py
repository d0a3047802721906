"""service-coverage: who can walk to a community service station within 15 minutes.

The package is imported as ``coverage`` (the same import name as coverage.py;
do not install both in one environment).

The public names below are loaded on first use (PEP 562), so that
``import coverage`` and the command line start in a fraction of a second;
``from coverage import assess`` works as usual.
"""

from __future__ import annotations

import importlib

from ._version import __version__

#: public name -> module that defines it
_EXPORTS = {
    "CoverageInputError": "._errors",
    "settings": ".settings",
    "WalkNetwork": ".network",
    "load_network": ".network",
    "Chains": ".topology",
    "Points": ".io",
    "read_points": ".io",
    "geocode": ".geocoding",
    "Snapped": ".snapping",
    "snap_points": ".snapping",
    "Located": ".locate",
    "locate": ".locate",
    "project": ".locate",
    "Nearest": ".reach",
    "ReachTable": ".reach",
    "nearest_station": ".reach",
    "station_reach": ".reach",
    "CoverageResult": ".assessment",
    "Summary": ".assessment",
    "assess": ".assessment",
    "WalkRules": ".options",
    "isochrones": ".isochrones",  # the module: isochrones.isochrones(result), or result.isochrones()
    "isochrones_for_stations": ".isochrones",
    "gap_areas": ".isochrones",
    "summarize_by_area": ".areas",
    "Scenario": ".scenario",
    "SitingProblem": ".siting",
    "SitingResult": ".siting",
    "Solution": ".siting",
    "from_cost_matrix": ".siting",
    "suggest_sites": ".siting",
    "suggest_gates": ".gate_siting",
    "GateSitingResult": ".gate_siting",
    "export_report": ".output.report",
    "coverage_map": ".output.explore",
    "save_map": ".output.html_map",
    "static_map": ".output.explore",
    "RunProducts": ".products",
    "RunResult": ".products",
    "analyse": ".products",
    "write_run": ".output.files",
    "FCAResult": ".accessibility",
    "two_step_fca": ".accessibility",
    "three_step_fca": ".accessibility",
    "balanced_fca": ".accessibility",
    "gravity_access": ".accessibility",
    "gini": ".equity",
    "lorenz": ".equity",
    "theil": ".equity",
    "palma": ".equity",
    "concentration_index": ".equity",
    "demand": ".demand",  # the module: demand.from_buildings, from_totals, from_grid
    "Demand": ".demand",
    "DemandSummary": ".demand",
}

#: public names that are modules (a module and a function of one name would shadow each other once imported)
_MODULES = {"settings", "isochrones", "demand"}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(_EXPORTS[name], __name__)
        value = module if name in _MODULES else getattr(module, name)
        globals()[name] = value
        return value
    msg = f"module 'coverage' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
