"""Demand as planners have it: buildings, community totals, population grids.

Oracles: hand-computed largest-remainder splits; tobler's area_interpolate (where the weights are
footprint areas, the dasymetric split before rounding is exactly areal interpolation onto the footprints);
rasterio's own ``rowcol`` for which cell holds each building; pyrosm's reading of the same extract
(osm); and the totals themselves, kept exactly in every column.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage import CoverageInputError
from coverage import demand as dm
from coverage.demo import HONGQI_PBF

UTM = "EPSG:32652"  # Harbin's UTM zone; x0 = 500 km is its central meridian (129°E)
X0, Y0 = 500_000.0, 5_000_000.0


def _box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture(scope="module")
def hongqi():
    return dm.from_buildings(HONGQI_PBF)


# ---------------------------------------------------------------- rounding
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_largest_remainder_keeps_every_total(data):
    n_groups = data.draw(st.integers(1, 6))
    n = data.draw(st.integers(n_groups, 40))
    group = np.sort(
        np.concatenate(
            [
                np.arange(n_groups),
                data.draw(
                    st.lists(st.integers(0, n_groups - 1), min_size=n - n_groups, max_size=n - n_groups)
                ),
            ]
        )
    ).astype(np.int64)
    w = np.array(data.draw(st.lists(st.floats(0, 1e4), min_size=n, max_size=n)))
    targets = np.array(data.draw(st.lists(st.integers(0, 10**7), min_size=n_groups, max_size=n_groups)))
    out = dm._apportion(group, w, targets)
    assert out.dtype == np.int64 and (out >= 0).all()
    assert (np.bincount(group, weights=out, minlength=n_groups) == targets).all()
    q = dm._quotas(group, w, targets)
    assert (np.abs(out - q) < 1 + 1e-6).all()  # each piece gets the floor or the ceiling of its share


def test_largest_remainder_by_hand_and_ties():
    # 10 over weights 600, 600, 400: quotas 3.75, 3.75, 2.5 -> 3, 3, 2 and the 2 left go to the .75s
    assert dm._apportion(np.zeros(3, int), np.array([600.0, 600, 400]), np.array([10])).tolist() == [4, 4, 2]
    # ties go to the piece listed first
    assert dm._apportion(np.zeros(4, int), np.ones(4), np.array([2])).tolist() == [1, 1, 0, 0]
    assert dm._apportion(np.zeros(2, int), np.array([1.0, 3.0]), np.array([10])).tolist() == [3, 7]
    # a group that weighs nothing is split equally
    assert dm._apportion(np.zeros(3, int), np.zeros(3), np.array([7])).tolist() == [3, 2, 2]
    # rounding cells keeps the rounded total; each cell gets its floor or ceiling
    r = dm._round_keeping_total(np.array([0.4, 0.4, 0.4, 2.9]))
    assert r.sum() == 4 and r.tolist() == [0, 0, 1, 3] or r.tolist() == [1, 0, 0, 3]


# ---------------------------------------------------------------- buildings
def test_from_buildings_matches_pyrosm_reading(hongqi):
    """pyosmium's areas give the same residential buildings and points as osm (pyrosm)."""
    from coverage.osm import residential_buildings

    ref = residential_buildings(HONGQI_PBF)
    p = hongqi.points
    assert sorted(p["id"]) == sorted(ref["id"]) and len(p) == 955
    m = ref[["id", "area_m2", "geometry"]].merge(p[["id", "lon", "lat", "floor_area_m2", "levels"]], on="id")
    assert np.allclose(m.geometry.x, m["lon"], atol=1e-9) and np.allclose(m.geometry.y, m["lat"], atol=1e-9)
    # footprint x floors; pyrosm's area_m2 is rounded to 0.1 m²
    assert np.allclose(m["floor_area_m2"], m["area_m2"] * m["levels"], atol=0.05 * m["levels"].max())
    assert p.crs.to_epsg() == 4326 and hongqi.outlines.crs.to_epsg() == 4326
    assert (hongqi.outlines["id"].to_numpy() == p["id"].to_numpy()).all()
    assert set(hongqi.outlines.geom_type) <= {"Polygon", "MultiPolygon"}
    # households: floor area / 92.17 m², nearest whole number, at least 1
    exp = np.maximum(1, np.floor(p["floor_area_m2"] / dm.M2_PER_HOUSEHOLD + 0.5))
    assert (p["households"] == exp).all() and p["households"].dtype.kind == "i"
    assert (p["source"] == "buildings").all()
    assert p.loc[p["levels"] == 6, "source_note"].str.startswith("floors assumed").any()
    s = hongqi.summary
    assert (
        s.buildings_read == 955 and s.totals_out["households"] == p["households"].sum() == hongqi.households
    )
    assert sum(s.levels_from.values()) == 955 and s.levels_from["default"] > 800


def test_clipped_extract_keeps_the_part_inside(tmp_path):
    """Ways cut by the extract's edge (nodes missing) stay as the polygon of the nodes present (as pyrosm)."""
    from helpers import write_osm

    from coverage.osm import residential_buildings

    s = 0.0005
    nodes = {
        i + 1: (9.0 + s * x, 50.0 + s * y)
        for i, (x, y) in enumerate(
            [(0, 0), (4, 0), (4, 4), (0, 4), (1, 1), (2, 1), (2, 2), (1, 2), (3, 3), (3.5, 3), (3.5, 3.5)]
        )
    }
    ways = [
        (100, [1, 2, 3, 4, 999, 1], {"landuse": "residential"}),  # node 999 is not in the file
        (101, [5, 6, 7, 8, 5], {"building": "yes"}),  # untyped, inside the cut compound
        (102, [9, 10, 11, 998, 9], {"building": "apartments"}),
    ]  # cut itself
    import osmium

    xml = write_osm(tmp_path / "cut.osm", nodes, ways)
    osm = tmp_path / "cut.osm.pbf"
    with osmium.SimpleWriter(str(osm)) as w:
        for o in osmium.FileProcessor(str(xml)):
            w.add(o)
    d = dm.from_buildings(osm)
    assert list(d.points["id"]) == ["w101", "w102"]
    assert sorted(residential_buildings(osm)["id"]) == ["w101", "w102"]
    assert d.outlines.geometry.iloc[1].is_valid and d.points["floor_area_m2"].iloc[1] > 0


def test_from_buildings_options(hongqi):
    half = dm.from_buildings(HONGQI_PBF, m2_per_household=2 * dm.M2_PER_HOUSEHOLD, default_levels=3)
    assert half.households < hongqi.households
    flat = half.points.set_index("id")
    untagged = hongqi.outlines.set_index("id")["levels_from"] == "default"
    assert (flat.loc[untagged[untagged].index, "levels"] == 3).all()
    only_typed = dm.from_buildings(HONGQI_PBF, include_untyped_in_landuse=False)
    assert len(only_typed) == 163 and (only_typed.points["building"] != "yes").all()


def test_buildings_file_with_chinese_columns(tmp_path):
    g = gpd.GeoDataFrame(
        {
            "编号": ["L1", "L2", "L3", "L4", "L5"],
            "层数": ["6层", None, "", "18", "0"],
            "建筑类型": ["住宅", "别墅", "平房", "住宅", "商业"],
            "高度": [None, None, None, None, 30.0],
        },
        geometry=[
            _box(0, 0, 10, 10),
            _box(20, 0, 30, 10),
            _box(40, 0, 50, 10),
            _box(60, 0, 80, 10),
            _box(90, 0, 100, 10),
        ],
        crs=UTM,
    )
    path = tmp_path / "楼栋.gpkg"
    g.to_file(path)
    d = dm.from_buildings(path, m2_per_household=50)
    p = d.points.set_index("id")
    assert p["levels"].to_dict() == {"L1": 6, "L2": 2, "L3": 1, "L4": 18, "L5": 10}  # 30 m / 3 m per floor
    assert d.outlines.set_index("id")["levels_from"].to_dict() == {
        "L1": "tag",
        "L2": "default",
        "L3": "default",
        "L4": "tag",
        "L5": "height",
    }
    assert np.allclose(p["floor_area_m2"], [600, 200, 100, 3600, 1000], rtol=1e-6)
    assert p["households"].tolist() == [12, 4, 2, 72, 20]
    # only some types; a floor-area column wins over footprint x floors; CSV with WKT and no id column
    assert list(dm.from_buildings(path, types=["住宅"]).points["id"]) == ["L1", "L4"]
    t = pd.DataFrame({"wkt": g.to_crs(4326).geometry.to_wkt(), "建筑面积": [1000, None, 500, None, None]})
    t.to_csv(tmp_path / "b.csv", index=False)
    c = dm.from_buildings(tmp_path / "b.csv", m2_per_household=100)
    assert list(c.points["id"]) == ["b1", "b2", "b3", "b4", "b5"]
    assert c.points["households"].tolist()[:3] == [10, 6, 5]  # b2: 100 m² x 6 floors (untyped) / 100


# ---------------------------------------------------------------- totals, synthetic
def _synthetic():
    zones = gpd.GeoDataFrame(
        {
            "id": ["A", "B", "C", "D", "E"],
            "name": ["甲社区", "乙社区", "丙社区", "丁小区", "戊社区"],
            "户数": [10, 7, 5, 4, 0],
            "老年人": [3, 0, 2, 1, 0],
        },
        geometry=[
            _box(0, 0, 100, 100),
            _box(100, 0, 200, 100),
            _box(200, 0, 300, 100),
            _box(10, 10, 40, 40),
            _box(0, 100, 100, 200),
        ],
        crs=UTM,
    )
    buildings = gpd.GeoDataFrame(
        {"id": ["a1", "a2", "a3", "d1", "x1", "b2", "e1", "out"], "levels": [6, 3, 1, 1, 1, 1, 1, 1]},
        geometry=[
            _box(50, 50, 60, 60),
            _box(70, 20, 90, 30),
            _box(60, 70, 80, 90),
            _box(20, 20, 30, 30),
            _box(95, 40, 125, 60),  # across the A/B border; its point lies in B
            _box(150, 50, 160, 60),
            _box(20, 120, 30, 130),
            _box(400, 400, 410, 410),
        ],
        crs=UTM,
    )
    return zones, buildings


def test_totals_by_hand(caplog):
    zones, buildings = _synthetic()
    with caplog.at_level(logging.WARNING, logger="coverage.demand"):
        d = dm.from_totals(zones, buildings, total_col="户数", group_cols=["老年人"])
    assert "inside several polygons" in caplog.text
    p = d.points.set_index("id")
    assert list(p.index) == ["A-1", "A-2", "A-3", "B-1", "B-2", "C-1", "D-1", "E-1"]
    assert p["building_id"].to_dict() == {
        "A-1": "a1",
        "A-2": "a2",
        "A-3": "a3",
        "B-1": "x1",
        "B-2": "b2",
        "C-1": "",
        "D-1": "d1",
        "E-1": "e1",
    }
    # A: 10 over 600, 600, 400 m² -> 3.75, 3.75, 2.5 -> 4, 4, 2; elderly 3 -> 1.125, 1.125, .75 -> 1, 1, 1
    assert p.loc[["A-1", "A-2", "A-3"], "households"].tolist() == [4, 4, 2]
    assert p.loc[["A-1", "A-2", "A-3"], "老年人"].tolist() == [1, 1, 1]
    # B: the border building (600 m²) and b2 (100 m²): 7 -> 6, 1
    assert p.loc[["B-1", "B-2"], "households"].tolist() == [6, 1]
    # C has no building: one point inside it, with a note
    assert p.loc["C-1", "households"] == 5 and p.loc["C-1", "老年人"] == 2
    assert "no residential building" in p.loc["C-1", "source_note"] and np.isnan(
        p.loc["C-1", "floor_area_m2"]
    )
    assert shapely.contains_xy(zones.to_crs(4326).geometry[2], p.loc["C-1", "lon"], p.loc["C-1", "lat"])
    # d1 is inside A and D: it goes to the smaller D
    assert (
        p.loc["D-1", "households"] == 4 and "counted only in D, the smallest" in p.loc["D-1", "source_note"]
    )
    assert p.loc["E-1", "households"] == 0  # zero totals stay zero
    assert p.loc["C-1", "name"] == "丙社区" and p.loc["A-1", "zone_id"] == "A"
    # every total in every column, exactly
    for col, src in (("households", "户数"), ("老年人", "老年人")):
        got = d.points.groupby("zone_id")[col].sum()
        assert (got.loc[zones["id"]].to_numpy() == zones[src].to_numpy()).all()
        assert d.summary.totals_in[col] == d.summary.totals_out[col] == zones[src].sum()
    s = d.summary
    assert s.points == {"on a building": 7, "inside a polygon without buildings": 1}
    assert s.zones_without_buildings == ("C",) and s.buildings_left_out == 1 and s.buildings_in_several == 1
    assert len(d.outlines) == 7 and set(d.outlines["id"]) == set(p.index) - {"C-1"}
    assert (d.points["source"] == "totals").all() and d.points.crs.to_epsg() == 4326
    text = "\n".join(s.lines())
    assert "kept exactly" in text and "1 without a residential building [C]" in text


def test_equal_overlapping_polygons_go_to_the_first():
    zones = gpd.GeoDataFrame({"id": ["P", "Q"], "hh": [3, 5]}, geometry=[_box(0, 0, 50, 50)] * 2, crs=UTM)
    b = gpd.GeoDataFrame({"id": ["x"]}, geometry=[_box(10, 10, 20, 20)], crs=UTM)
    d = dm.from_totals(zones, b, total_col="hh", id_col="id")
    p = d.points.set_index("id")
    assert p.loc["P-1", "building_id"] == "x" and p.loc["P-1", "households"] == 3
    assert p.loc["Q-1", "building_id"] == "" and p.loc["Q-1", "households"] == 5  # Q keeps its total
    assert d.summary.buildings_in_several == 1
    alone = dm.from_totals(zones, None, total_col="hh")  # no buildings: one point inside each polygon
    assert alone.points["id"].tolist() == ["P-1", "Q-1"] and alone.points["households"].tolist() == [3, 5]


def test_totals_from_a_table_with_wkt_and_a_demand(tmp_path):
    zones, buildings = _synthetic()
    t = pd.DataFrame(
        {
            "编号": zones["id"],
            "户数": zones["户数"].astype(str),
            "老年人": zones["老年人"],
            "wkt": zones.to_crs(4326).geometry.to_wkt(),
        }
    )
    t.to_csv(tmp_path / "社区.csv", index=False, encoding="utf-8-sig")
    a = dm.from_totals(tmp_path / "社区.csv", buildings, total_col="户数", group_cols="老年人")
    b = dm.from_totals(zones, dm.from_buildings(buildings), total_col="户数", group_cols=["老年人"])
    cols = ["id", "building_id", "households", "老年人"]
    assert a.points[cols].equals(b.points[cols])
    assert b.outlines["levels_from"].tolist() == ["tag"] * 7  # a Demand's outlines keep their own record
    assert np.allclose(a.points["lon"], b.points["lon"], atol=1e-7)


def test_totals_on_hongqi_grid_and_compounds(hongqi):
    """Real buildings, synthetic communities: an 8 x 8 grid of squares, and the extract's own compounds."""
    from coverage.osm import residential_areas

    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = hongqi.points.total_bounds
    xs, ys = np.linspace(x0 - 1e-3, x1 + 1e-3, 9), np.linspace(y0 - 1e-3, y1 + 1e-3, 9)
    squares = gpd.GeoDataFrame(
        {
            "社区": [f"S{i}{j}" for i in range(8) for j in range(8)],
            "户数": rng.integers(0, 4000, 64),
            "老年人": rng.integers(0, 1200, 64),
            "独居老人": rng.integers(0, 50, 64),
        },
        geometry=[shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for i in range(8) for j in range(8)],
        crs=4326,
    )
    compounds = residential_areas(HONGQI_PBF)
    compounds["households"] = rng.integers(0, 900, len(compounds))
    compounds["老年人"] = rng.integers(0, 300, len(compounds))
    for zones, idc, groups, bsrc in (
        (squares, "社区", ["老年人", "独居老人"], hongqi),
        (compounds, "id", ["老年人"], HONGQI_PBF),
    ):
        d = dm.from_totals(
            zones, bsrc, total_col="households" if idc == "id" else "户数", group_cols=groups, id_col=idc
        )
        for col, src in [("households", "households" if idc == "id" else "户数")] + [(g, g) for g in groups]:
            got = d.points.groupby("zone_id")[col].sum().reindex(zones[idc].astype(str), fill_value=0)
            assert (got.to_numpy() == zones[src].to_numpy()).all(), col
            assert d.points[col].sum() == zones[src].sum()
        assert d.points["id"].is_unique and d.points["building_id"].replace("", np.nan).dropna().is_unique
        on = d.points[d.points["building_id"] != ""]
        assert len(on) + d.summary.buildings_left_out == 955
    assert d.summary.buildings_in_several > 0  # OSM compounds overlap here and there


def test_dasymetric_equals_tobler_areal_interpolation(hongqi):
    """With one floor everywhere, the split before rounding is tobler's area_interpolate onto footprints."""
    area_interpolate = pytest.importorskip("tobler.area_weighted").area_interpolate

    o = hongqi.outlines.to_crs(UTM)
    x0, y0, x1, y1 = o.total_bounds
    xs, ys = np.arange(x0 - 1, x1 + 500, 500.0), np.arange(y0 - 1, y1 + 500, 500.0)
    squares = gpd.GeoDataFrame(
        geometry=[shapely.box(a, b, a + 500, b + 500) for a in xs for b in ys], crs=UTM
    )
    rng = np.random.default_rng(3)
    squares["id"] = [f"Q{i}" for i in range(len(squares))]
    squares["hh"] = rng.integers(0, 3000, len(squares)).astype(float)
    inside = gpd.sjoin(o[["building_id", "geometry"]], squares[["geometry"]], predicate="within").index
    fp = gpd.GeoDataFrame(
        {"id": o.loc[inside, "building_id"].to_numpy(), "levels": 1},
        geometry=o.loc[inside].geometry.to_numpy(),
        crs=UTM,
    ).reset_index(drop=True)
    assert len(fp) > 700
    d = dm.from_totals(squares, fp, total_col="hh", id_col="id")
    on = d.points[d.points["building_id"] != ""].set_index("building_id").loc[fp["id"]]
    ref = area_interpolate(squares, fp, extensive_variables=["hh"], allocate_total=True)["hh"].to_numpy()
    zone_fa = on.groupby("zone_id")["floor_area_m2"].transform("sum")
    zone_total = squares.set_index("id").loc[on["zone_id"], "hh"].to_numpy()
    share = zone_total * on["floor_area_m2"].to_numpy() / zone_fa.to_numpy()
    # the split before rounding (the outlines make a round trip through WGS-84: 1e-7 of an area)
    assert np.allclose(share, ref, rtol=1e-6, atol=1e-6)
    assert np.allclose(on["floor_area_m2"], fp.area, rtol=1e-6)  # footprint area in the same UTM zone
    assert (np.abs(on["households"].to_numpy() - ref) < 1 + 1e-9).all()  # after rounding, within one
    assert d.points["households"].sum() == squares["hh"].sum()


# ---------------------------------------------------------------- grids
def _write_tif(path, values, transform, crs, nodata=None, dtype="float32"):
    import rasterio

    values = np.asarray(values, dtype=dtype)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype=dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as ds:
        ds.write(values, 1)
    return path


def _cell_buildings(transform, crs, cells, size_frac=0.2, levels=1):
    """Square buildings around points in the given (row, col, offset) cells, raster CRS -> WGS-84."""
    rows = []
    for i, (r, c, dx, dy, s) in enumerate(cells):
        x, y = (
            transform.a * (c + 0.5 + dx) + transform.b * (r + 0.5 + dy) + transform.c,
            transform.d * (c + 0.5 + dx) + transform.e * (r + 0.5 + dy) + transform.f,
        )
        cx, cy = transform.a * size_frac * s / 2, transform.e * size_frac * s / 2
        rows.append((f"b{i}", shapely.box(x - abs(cx), y - abs(cy), x + abs(cx), y + abs(cy))))
    g = gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "levels": levels}, geometry=[r[1] for r in rows], crs=crs
    )
    return g.to_crs(4326)


POP = np.array([[10, 0, 5, -1], [3, 7, 0, 2], [1, 0, 4, 6]], dtype=float)
# (row, col, offset x, offset y, size): two buildings in (0, 0), 1:4 in floor area; one on the nodata cell;
# one in (1, 1); one in the empty cell (0, 1); one in (2, 2)
CELLS = [
    (0, 0, -0.2, 0, 1),
    (0, 0, 0.2, 0, 2),
    (0, 3, 0, 0, 1),
    (1, 1, 0, 0, 1),
    (0, 1, 0, 0, 1),
    (2, 2, 0, 0, 1),
]


def _oracle_cells(tif, demand_points):
    """rasterio's own index of each point (independent of the module's inverse transform)."""
    import rasterio
    from pyproj import Transformer

    with rasterio.open(tif) as ds:
        t = Transformer.from_crs(4326, ds.crs, always_xy=True)
        x, y = t.transform(demand_points["lon"].to_numpy(), demand_points["lat"].to_numpy())
        r, c = rasterio.transform.rowcol(ds.transform, x, y)
    return np.asarray(r), np.asarray(c)


@pytest.mark.parametrize(
    "crs, transform", [("EPSG:32652", "utm"), ("EPSG:4326", "lonlat"), ("EPSG:32652", "rotated")]
)
def test_grid_cells_kept_and_empty_cells_flagged(tmp_path, crs, transform):
    from affine import Affine

    t = {
        "utm": Affine(100, 0, X0, 0, -100, Y0 + 300),
        "lonlat": Affine(0.001, 0, 126.68, 0, -0.001, 45.74),
        "rotated": Affine.translation(X0, Y0 + 300) @ Affine.rotation(25) @ Affine.scale(100, -100),
    }[transform]
    tif = _write_tif(tmp_path / f"pop-{transform}.tif", POP, t, crs, nodata=-1)
    b = _cell_buildings(t, crs, CELLS)
    d = dm.from_grid(tif, b)
    p = d.points.set_index("id")
    # two buildings in (0, 0) with floor areas 1:4: 10 -> 2, 8
    assert p.loc[["b0", "b1"], "population"].tolist() == [2, 8]
    assert (
        p.loc["b3", "population"] == 7 and p.loc["b4", "population"] == 0 and p.loc["b5", "population"] == 4
    )
    assert "b2" not in p.index  # on the nodata cell
    fallback = sorted(i for i in p.index if i.startswith("cell-"))
    assert fallback == ["cell-0-0-2", "cell-0-1-0", "cell-0-1-3", "cell-0-2-0", "cell-0-2-3"]
    assert p.loc[fallback, "source_note"].str.contains("no residential building").all()
    r, c = _oracle_cells(tif, d.points)
    got = d.points.assign(r=r, c=c).groupby(["r", "c"])["population"].sum()
    for (rr, cc), v in np.ndenumerate(POP):
        if v > 0:
            assert got.loc[(rr, cc)] == v  # every cell kept exactly, where rasterio puts the points
    assert d.points["population"].sum() == 38 == d.summary.totals_out["population"]
    assert d.points["households"].sum() == round(38 / 2.62)  # 14.50 -> 15
    s = d.summary
    assert (
        s.totals_in["population"] == 38 and s.buildings_left_out == 1 and len(s.zones_without_buildings) == 5
    )
    assert s.points == {"on a building": 5, "at a cell centre": 5}


def test_grid_groups_tiles_area_and_no_buildings(tmp_path):
    from affine import Affine

    t = Affine(100, 0, X0, 0, -100, Y0 + 300)
    tif = _write_tif(tmp_path / "pop.tif", POP, t, UTM, nodata=-1)
    b = _cell_buildings(t, UTM, CELLS)
    # a group grid on another grid and CRS: 0.0005° cells over the same place, values only near buildings
    pts = dm.from_grid(tif, b).points
    lon0, lat1 = pts["lon"].min() - 0.0004, pts["lat"].max() + 0.0004
    tg = Affine(0.0005, 0, lon0, 0, -0.0005, lat1)
    g = np.zeros((int((lat1 - pts["lat"].min()) / 0.0005) + 2, int((pts["lon"].max() - lon0) / 0.0005) + 2))
    g[1:-1, 1:-1] = np.arange(g[1:-1, 1:-1].size).reshape(g[1:-1, 1:-1].shape) % 4
    gt = _write_tif(tmp_path / "age65.tif", g, tg, "EPSG:4326")
    d = dm.from_grid(tif, b, group_rasters={"age_65_plus": gt}, people_per_household=2.0)
    assert d.points["population"].sum() == 38 and d.points["households"].sum() == 19
    r, c = _oracle_cells(gt, d.points)
    got = d.points.assign(r=r, c=c).groupby(["r", "c"])["age_65_plus"].sum()
    assert d.points["age_65_plus"].sum() == g.sum() == d.summary.totals_out["age_65_plus"]
    for (rr, cc), v in np.ndenumerate(g):
        if v > 0:
            assert got.loc[(rr, cc)] == v
    # tiles: the left and right halves give what the whole grid gives
    left = _write_tif(tmp_path / "l.tif", POP[:, :2], t, UTM, nodata=-1)
    right = _write_tif(tmp_path / "r.tif", POP[:, 2:], t @ Affine.translation(2, 0), UTM, nodata=-1)
    whole = dm.from_grid(tif, b).points.set_index("building_id")["population"]
    tiled = dm.from_grid([left, right], b).points
    assert tiled.set_index("building_id")["population"].to_dict() == whole.to_dict()
    with pytest.raises(CoverageInputError, match=r"tiles .* overlap, so their people would count twice"):
        dm.from_grid([tif, right], b)
    # cells beyond the buildings' extent are left out unless an area takes them in
    big = np.pad(POP, 1, constant_values=50)
    bt = _write_tif(tmp_path / "big.tif", big, t @ Affine.translation(-1, -1), UTM, nodata=-1)
    assert dm.from_grid(bt, b).points["population"].sum() == 38
    area = gpd.GeoDataFrame(geometry=[_box(-150, -150, 450, 450)], crs=UTM)
    assert dm.from_grid(bt, b, area=area).points["population"].sum() == 38 + 50 * 18
    # no buildings: one point per cell with people
    alone = dm.from_grid(tif)
    assert len(alone) == 8 and alone.points["population"].sum() == 38 and len(alone.outlines) == 0


def test_grid_with_fractional_people(tmp_path):
    from affine import Affine

    rng = np.random.default_rng(0)
    vals = rng.gamma(0.8, 3.0, (20, 30))
    vals[rng.random(vals.shape) < 0.1] = np.nan  # NaN cells count as nodata
    t = Affine(100, 0, X0, 0, -100, Y0 + 2000)
    tif = _write_tif(tmp_path / "f.tif", vals, t, UTM)
    cells = [
        (int(r), int(c), float(dx), 0.0, 1.0)
        for r, c, dx in zip(
            rng.integers(0, 20, 300), rng.integers(0, 30, 300), rng.uniform(-0.3, 0.3, 300), strict=True
        )
    ]
    b = _cell_buildings(t, UTM, cells)
    d = dm.from_grid(tif, b)
    r, c = _oracle_cells(tif, d.points)
    window = vals[r.min() : r.max() + 1, c.min() : c.max() + 1]
    total = np.nansum(window)
    assert d.points["population"].sum() == np.floor(total + 0.5)
    assert d.points["households"].sum() == np.floor(total / 2.62 + 0.5)
    got = d.points.assign(r=r, c=c).groupby(["r", "c"])["population"].sum()
    exact = pd.Series({(i, j): vals[i, j] for i, j in got.index})
    assert (np.abs(got - exact) < 1).all()  # each cell within one person of its value


# ---------------------------------------------------------------- reading it back
def test_points_are_households_for_read_points_and_assess(hongqi, tmp_path, caplog):
    from coverage import assess, read_points

    pts = read_points(hongqi.points, id_col="id", weight="households")
    assert pts.valid.all() and pts.weight.sum() == hongqi.households
    stations = gpd.GeoDataFrame(
        {"id": ["s1", "s2", "s3"]},
        geometry=gpd.points_from_xy([126.6855, 126.668, 126.700], [45.732, 45.724, 45.742]),
        crs=4326,
    )
    zones = gpd.GeoDataFrame(
        {"id": ["N", "S"], "户数": [30000, 20000], "老年人": [9000, 7000]},
        geometry=[shapely.box(126.6, 45.732, 126.8, 45.8), shapely.box(126.6, 45.7, 126.8, 45.732)],
        crs=4326,
    )
    tot = dm.from_totals(zones, hongqi, total_col="户数", group_cols=["老年人"])
    with caplog.at_level(logging.WARNING):
        res = assess(HONGQI_PBF, stations, tot.points, weight="households")
    assert "replaced by result columns" not in caplog.text  # no column of ours is one of assess's
    assert {"source", "source_note", "老年人", "zone_id"} <= set(res.households.columns)
    assert res.summary.weight_total + res.summary.weight_invalid == 50000
    assert res.summary.n_households == len(tot.points)
    # two GeoPackage layers: households (points) and buildings (outlines), joined by id
    gpkg = tmp_path / "demand.gpkg"
    tot.points.to_file(gpkg, layer="households")
    tot.outlines.to_file(gpkg, layer="buildings")
    back = read_points(gpkg, layer="households", id_col="id", weight="households")
    assert back.weight.sum() == 50000 and set(gpd.read_file(gpkg, layer="buildings")["id"]) <= set(back.ids)


# ---------------------------------------------------------------- errors
def test_totals_errors(tmp_path):
    zones, buildings = _synthetic()
    with pytest.raises(CoverageInputError, match=r"has no households column '户' \(total_col\); columns are"):
        dm.from_totals(zones, buildings, total_col="户")
    with pytest.raises(CoverageInputError, match=r"has no group column '老人'"):
        dm.from_totals(zones, buildings, total_col="户数", group_cols=["老人"])
    bad = zones.assign(户数=["10", "x", "5", "4", "0"])
    with pytest.raises(
        CoverageInputError, match=r"column '户数' is not a number in index \[1\] \(e.g. 'x'\)"
    ):
        dm.from_totals(bad, buildings, total_col="户数")
    with pytest.raises(
        CoverageInputError, match=r"column '老年人' is negative or infinite in index \[0, 2\]"
    ):
        dm.from_totals(
            zones.assign(老年人=[-1, 0, -2, 1, 0]), buildings, total_col="户数", group_cols=["老年人"]
        )
    with pytest.raises(CoverageInputError, match=r"is not a whole number in index \[3\] .*round them first"):
        dm.from_totals(zones.assign(户数=[10, 7, 5, 4.5, 0]), buildings, total_col="户数")
    with pytest.raises(CoverageInputError, match=r"is empty in index \[4\]; fill them \(0 if nobody lives"):
        dm.from_totals(zones.assign(户数=[10, 7, 5, 4, None]), buildings, total_col="户数")
    with pytest.raises(CoverageInputError, match=r"group column 'households' is the households column"):
        dm.from_totals(zones.assign(households=1), buildings, total_col="户数", group_cols=["households"])
    t = pd.DataFrame({"id": ["A", "B"], "户数": [1, "两"], "wkt": ["POLYGON((0 0,1 0,1 1,0 0))"] * 2})
    t.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(CoverageInputError, match=r"t.csv.*column '户数' is not a number in rows \[3\]"):
        dm.from_totals(tmp_path / "t.csv", buildings, total_col="户数")


def test_buildings_errors(tmp_path):
    with pytest.raises(CoverageInputError, match=r"m2_per_household 0 must be a positive number"):
        dm.from_buildings(HONGQI_PBF, m2_per_household=0)
    with pytest.raises(CoverageInputError, match=r"default_levels 'house': 0 is not a number of floors"):
        dm.from_buildings(HONGQI_PBF, default_levels={"house": 0})
    pts = gpd.GeoDataFrame({"id": [1]}, geometry=gpd.points_from_xy([126.6], [45.7]), crs=4326)
    with pytest.raises(CoverageInputError, match=r"index \[0\] are points, not outlines"):
        dm.from_buildings(pts)
    with pytest.raises(CoverageInputError, match=r"does not exist"):
        dm.from_buildings(tmp_path / "none.osm.pbf")
    from helpers import write_osm

    osm = write_osm(
        tmp_path / "empty.osm",
        {1: (9.0, 50.0), 2: (9.001, 50.0), 3: (9.001, 50.001)},
        [(10, [1, 2, 3, 1], {"building": "industrial"})],
    )
    with pytest.raises(CoverageInputError, match=r"has no residential buildings"):
        dm.from_buildings(osm)
    _, b = _synthetic()
    dup = b.assign(id=["a"] * len(b))
    with pytest.raises(CoverageInputError, match=r"duplicate ids"):
        dm.from_buildings(dup)
    with pytest.raises(TypeError, match=r"must be an OSM extract, a buildings file"):
        dm.from_totals(_synthetic()[0], 3, total_col="户数")


def test_grid_errors(tmp_path):
    from affine import Affine

    t = Affine(100, 0, X0, 0, -100, Y0 + 300)
    b = _cell_buildings(t, UTM, CELLS)
    with pytest.raises(CoverageInputError, match=r"population grid '.*none.tif' does not exist"):
        dm.from_grid(tmp_path / "none.tif", b)
    (tmp_path / "junk.tif").write_text("not a tiff")
    with pytest.raises(CoverageInputError, match=r"could not be read as a GeoTIFF"):
        dm.from_grid(tmp_path / "junk.tif", b)
    nocrs = _write_tif(tmp_path / "nocrs.tif", POP, t, None)
    with pytest.raises(CoverageInputError, match=r"has no CRS; set it first"):
        dm.from_grid(nocrs, b)
    tif = _write_tif(tmp_path / "p.tif", POP, t, UTM, nodata=-1)
    with pytest.raises(CoverageInputError, match=r"has 1 band; band=2 does not exist"):
        dm.from_grid(tif, b, band=2)
    neg = _write_tif(tmp_path / "neg.tif", POP, t, UTM, nodata=-9999)
    with pytest.raises(
        CoverageInputError,
        match=r"1 negative cells that are not its nodata value \(-9999.0\): "
        r"\(row 0, col 3\); set them",
    ):
        dm.from_grid(neg, b)
    with pytest.raises(CoverageInputError, match=r"people_per_household -1 must be a positive number"):
        dm.from_grid(tif, b, people_per_household=-1)
    with pytest.raises(CoverageInputError, match=r"group_rasters must map a column name"):
        dm.from_grid(tif, b, group_rasters=[tif])
    with pytest.raises(
        CoverageInputError, match=r"group_rasters name 'population' is a column the output uses"
    ):
        dm.from_grid(tif, b, group_rasters={"population": tif})
    far = _write_tif(tmp_path / "far.tif", POP, Affine(100, 0, X0 + 1e5, 0, -100, Y0), UTM, nodata=-1)
    with pytest.raises(
        CoverageInputError, match=r"None of the 6 buildings lies on a valid cell of population grid"
    ):
        dm.from_grid(far, b)
