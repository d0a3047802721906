"""What ``manifest.json`` of a meeting pack records: input files with their hashes, the OSM data timestamp,
every parameter and the library versions, so the numbers can be reproduced later."""

from __future__ import annotations

import logging
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import file_digest
from .._version import __version__

if TYPE_CHECKING:
    from ..products import RunResult
    from ..siting import SitingResult

log = logging.getLogger(__name__)

VERSIONED = (
    "numpy",
    "scipy",
    "pandas",
    "shapely",
    "pyproj",
    "geopandas",
    "pyogrio",
    "networkx",
    "osmnx",
    "osmium",
    "pyrosm",
    "folium",
    "matplotlib",
    "contourpy",
    "openpyxl",
    "xstatic-leaflet",
)


def sha256(path: str | Path) -> str | None:
    """sha256 of a file (computed once per process for a file's content), or None when it cannot be read."""
    try:
        return file_digest(path)
    except OSError:
        return None


def versions() -> dict[str, str | None]:
    """This library's, Python's and the dependencies' versions (and GDAL's)."""
    out: dict[str, str | None] = {
        "service-coverage": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        import pyogrio

        out["GDAL"] = pyogrio.__gdal_version_string__
    except Exception as exc:  # noqa: BLE001  (a version string is never worth stopping a run for)
        log.debug("No GDAL version: %s", exc)
    return out


def manifest(
    result: RunResult, *, sites: SitingResult | None = None, areas_file: Any = None, extra: dict | None = None
) -> dict:
    """Inputs (with hashes), the OSM data timestamp, parameters and versions."""
    import geopandas as gpd

    meta = result.network.meta
    hp = result.household_points
    inputs = {
        "network": {
            "file": meta.get("source"),
            "sha256": meta.get("sha256")
            or (
                sha256(meta["source"]) if meta.get("source") and Path(str(meta["source"])).exists() else None
            ),
        },
        "stations": {
            "file": result.station_points.source,
            "sha256": sha256(result.station_points.source) if result.station_points.source else None,
            "rows": len(result.station_points),
        },
        "households": {
            "file": hp.source if hp is not None else result.params.get("households_file"),
            "sha256": sha256(hp.source) if hp is not None and hp.source else None,
            "rows": len(hp) if hp is not None else result.summary.n_households,
        },
    }
    if areas_file is not None and not isinstance(areas_file, gpd.GeoDataFrame):
        inputs["areas"] = {"file": str(areas_file), "sha256": sha256(areas_file)}
    return {
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "inputs": inputs,
        "osm_data_timestamp": meta.get("osm_timestamp"),
        "network": {k: v for k, v in meta.items() if k not in ("sha256",)},
        "parameters": {k: v for k, v in result.params.items() if k != "network"},
        "summary": result.summary.to_dict(),
        "siting": sites.summary if sites is not None else None,
        "versions": versions(),
        "licence": "OpenStreetMap data © OpenStreetMap contributors, ODbL 1.0",
        **(extra or {}),
    }
