"""Gated compounds: households leave through their gates
(hand-checked toys, oracles, real extracts, bad inputs)."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import LAT0, LON0, write_osm

from coverage import CoverageInputError, assess, load_network
from coverage.locate import project
from coverage.network import great_circle_m

D = 0.001  # degrees


def _grid_osm(path):
    """Two east-west streets (south at LAT0, north at LAT0 + 2D) joined only at the west end."""
    nodes, ways = {}, []
    for i in range(7):
        nodes[10 + i] = (LON0 + i * D, LAT0)
        nodes[20 + i] = (LON0 + i * D, LAT0 + 2 * D)
    ways.append((1, [10 + i for i in range(7)], {"highway": "residential"}))
    ways.append((2, [20 + i for i in range(7)], {"highway": "residential"}))
    ways.append((3, [10, 20], {"highway": "footway"}))
    return write_osm(path, nodes, ways)


def _box(x0, y0, x1, y1):
    return shapely.box(LON0 + x0 * D, LAT0 + y0 * D, LON0 + x1 * D, LAT0 + y1 * D)


def _pts(rows, **cols):
    ids, xy = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {"id": list(ids), **cols}, geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs="EPSG:4326"
    )


@pytest.fixture
def grid(tmp_path):
    return load_network(_grid_osm(tmp_path / "grid.osm"), cache=False)


def _xy(net, lon, lat):
    x, y = project(net, np.atleast_1d(lon), np.atleast_1d(lat))
    return np.array([x[0], y[0]])


def test_toy_nearest_street_behind_the_wall(grid):
    """A household whose nearest street is behind the wall walks round through the gate (checked by hand)."""
    compounds = gpd.GeoDataFrame(
        {"compound_id": ["C1"], "name": ["幸福小区"]}, geometry=[_box(2, 0.3, 4, 1.7)], crs="EPSG:4326"
    )
    home = (LON0 + 3 * D, LAT0 + 1.5 * D)  # nearest street: the north one, 55.6 m across the wall
    gate = (LON0 + 3 * D, LAT0 + 0.3 * D)  # on the south wall
    station = (LON0 + 3 * D, LAT0 + 2 * D)  # on the north street, right across the wall
    gates = _pts([("G1", gate)], compound_id=["C1"])
    households = _pts([("h", home), ("outside", (LON0 + 5 * D, LAT0 + 1.9 * D))])
    stations = _pts([("S", station)])
    open_r = assess(grid, stations, households, minutes=5, speed_kph=3.6)
    r = assess(grid, stations, households, minutes=5, speed_kph=3.6, compounds=compounds, gates=gates)
    # by hand: household -> gate (straight, work CRS), gate -> south street, then the streets' great-circle
    # lengths (as osmnx): 3 segments west, the footway north, 3 segments east to the station
    h, g = _xy(grid, *home), _xy(grid, *gate)
    g_street = _xy(grid, gate[0], LAT0)
    seg = great_circle_m(LAT0, LON0, LAT0, LON0 + D)
    seg_n = great_circle_m(LAT0 + 2 * D, LON0, LAT0 + 2 * D, LON0 + D)
    by_hand = (
        np.linalg.norm(h - g)
        + np.linalg.norm(g - g_street)
        + 3 * seg
        + great_circle_m(LAT0, LON0, LAT0 + 2 * D, LON0)
        + 3 * seg_n
    )
    row = r.households.set_index("id").loc["h"]
    assert row["walk_m"] == pytest.approx(by_hand, abs=0.05)
    assert row["compound_id"] == "C1" and row["gate_id"] == "G1"
    assert row["access_m"] == pytest.approx(np.linalg.norm(h - g) + np.linalg.norm(g - g_street), abs=0.05)
    assert row["walk_m_open"] == pytest.approx(open_r.households.loc[0, "walk_m"], abs=0.01)
    assert row["walk_m_open"] < 60 and not row["covered"] and open_r.households.loc[0, "covered"]
    # the household outside the compound keeps the open rule
    out = r.households.set_index("id").loc["outside"]
    assert out["walk_m"] == pytest.approx(open_r.households.loc[1, "walk_m"], abs=1e-6)
    assert pd.isna(out["compound_id"]) and pd.isna(out["gate_id"])
    g_sum = r.summary.gates
    assert g_sum["n_points_changed"] == 1 and g_sum["n_points_lost"] == 1 and g_sum["n_gated_compounds"] == 1
    t = r.compounds_table()
    assert (
        t.loc[0, "compound_id"] == "C1" and t.loc[0, "points_changed"] == 1 and t.loc[0, "covered_open"] == 1
    )
    # a second gate on the north wall: the best gate wins
    gates2 = _pts([("G1", gate), ("G2", (LON0 + 3.5 * D, LAT0 + 1.7 * D))], compound_id=["C1", "C1"])
    r2 = assess(grid, stations, households, minutes=5, speed_kph=3.6, compounds=compounds, gates=gates2)
    row2 = r2.households.set_index("id").loc["h"]
    g2 = _xy(grid, LON0 + 3.5 * D, LAT0 + 1.7 * D)
    g2_street = _xy(grid, LON0 + 3.5 * D, LAT0 + 2 * D)
    by_hand2 = np.linalg.norm(h - g2) + np.linalg.norm(g2 - g2_street) + seg_n / 2
    assert row2["gate_id"] == "G2" and row2["walk_m"] == pytest.approx(by_hand2, abs=0.05) and row2["covered"]


def test_rule_details(grid, caplog):
    """No gate keeps the open rule; overlaps take the smallest compound; the outline counts as inside."""
    big = _box(1, 0.3, 5, 1.7)
    small = _box(2.5, 0.5, 3.5, 1.5)
    bare = _box(5.2, 0.3, 5.8, 1.7)
    compounds = gpd.GeoDataFrame(
        {"compound_id": ["big", "small", "bare"]}, geometry=[big, small, bare], crs="EPSG:4326"
    )
    gates = _pts(
        [("gb", (LON0 + 1.5 * D, LAT0 + 0.3 * D)), ("gs", (LON0 + 3 * D, LAT0 + 0.5 * D))],
        compound_id=["big", "small"],
    )
    households = _pts(
        [
            ("in_small", (LON0 + 3 * D, LAT0 + 1.0 * D)),
            ("in_big", (LON0 + 4.5 * D, LAT0 + 1 * D)),
            ("in_bare", (LON0 + 5.5 * D, LAT0 + 1.6 * D)),
            ("on_edge", (LON0 + 4 * D, LAT0 + 1.7 * D)),
        ]
    )
    stations = _pts([("S", (LON0 + 3 * D, LAT0))])
    with caplog.at_level(logging.WARNING, logger="coverage"):
        r = assess(grid, stations, households, minutes=15, compounds=compounds, gates=gates)
    h = r.households.set_index("id")
    assert h.loc["in_small", "compound_id"] == "small" and h.loc["in_small", "gate_id"] == "gs"
    assert h.loc["in_big", "compound_id"] == "big" and h.loc["in_big", "gate_id"] == "gb"
    assert h.loc["in_bare", "compound_id"] == "bare" and pd.isna(h.loc["in_bare", "gate_id"])
    assert h.loc["in_bare", "walk_m"] == pytest.approx(h.loc["in_bare", "walk_m_open"])
    assert h.loc["on_edge", "compound_id"] == "big"
    text = caplog.text
    assert "1 of 3 compounds have no gate" in text and "on a compound's outline" in text and "index" in text


def test_gates_placed_by_position_and_bad_gates(grid, caplog):
    compounds = gpd.GeoDataFrame({"id": [7]}, geometry=[_box(2, 0.3, 4, 1.7)], crs="EPSG:4326")
    gates = _pts(
        [
            ("near", (LON0 + 3 * D, LAT0 + 0.25 * D)),  # 5.6 m outside the wall: placed by position
            ("far", (LON0 + 6 * D, LAT0 + 1 * D)),
        ]
    )  # no compound within 20 m
    households = _pts([("h", (LON0 + 3 * D, LAT0 + 1.5 * D))])
    stations = _pts([("S", (LON0 + 3 * D, LAT0 + 2 * D))])
    with caplog.at_level(logging.WARNING, logger="coverage"):
        r = assess(grid, stations, households, minutes=15, compounds=compounds, gates=gates)
    gf = r.gate_rule.gate_frame().set_index("gate_id")
    assert gf.loc["near", "compound_id"] == "7" and gf.loc["near", "status"] == "used"
    assert gf.loc["far", "status"] == "no_compound"
    assert "more than 20 m from every compound" in caplog.text and "far" not in set(r.households["gate_id"])
    # a compound id that does not exist
    bad = _pts([("g", (LON0 + 3 * D, LAT0 + 0.3 * D))], compound_id=["C404"])
    with pytest.raises(CoverageInputError, match=r"names compounds that are not in .*C404"):
        assess(grid, stations, households, compounds=compounds, gates=bad)
    # compounds that are not polygons
    lines = gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[_box(2, 0.3, 4, 1.7), _box(2, 0.3, 4, 1.7).exterior], crs="EPSG:4326"
    )
    with pytest.raises(CoverageInputError, match=r"index \[1\] are LinearRing, not polygons"):
        assess(grid, stations, households, compounds=lines, gates=gates)
    with pytest.raises(CoverageInputError, match="need both compounds and gates"):
        assess(grid, stations, households, compounds=compounds)


def test_gates_all_off_the_network(grid):
    compounds = gpd.GeoDataFrame({"id": ["C"]}, geometry=[_box(2, 0.3, 4, 1.7)], crs="EPSG:4326")
    gates = _pts(
        [("g", (LON0 + 3 * D, LAT0 + 0.3 * D))], compound_id=["C"]
    )  # on the outline, 33 m from a street
    households = _pts([("h", (LON0 + 3 * D, LAT0 + 1.5 * D))])
    stations = _pts([("S", (LON0 + 3 * D, LAT0 + 2 * D))])
    r = assess(grid, stations, households, compounds=compounds, gates=gates, max_snap_m=20)
    row = r.households.iloc[0]
    assert row["status"] == "off_network" and "gates are all more than 20 m" in row["note"]
    assert r.gate_rule.gate_frame().loc[0, "status"] == "off_network"


def test_isochrones_and_what_if_follow_the_gates(grid):
    """The drawn areas say what the verdicts say:
    the compound is reached through its gate, not over the wall."""
    from coverage.isochrones import honesty

    compounds = gpd.GeoDataFrame({"compound_id": ["C1"]}, geometry=[_box(2, 0.3, 4, 1.7)], crs="EPSG:4326")
    home = shapely.Point(LON0 + 3 * D, LAT0 + 1.5 * D)
    gates = _pts([("G1", (LON0 + 3 * D, LAT0 + 0.3 * D))], compound_id=["C1"])
    households = _pts([("h", (home.x, home.y)), ("h2", (LON0 + 2.5 * D, LAT0 + 0.6 * D))])
    stations = _pts([("N", (LON0 + 3 * D, LAT0 + 2 * D)), ("S", (LON0 + 3 * D, LAT0))])
    kw = {"minutes": 5, "speed_kph": 3.6}
    open_r = assess(grid, stations.iloc[:1], households, **kw)
    r = assess(grid, stations.iloc[:1], households, **kw, compounds=compounds, gates=gates)
    per_open, _ = open_r.isochrones(minutes=[5])
    per, uni = r.isochrones(minutes=[5])
    assert per_open.geometry.iloc[0].contains(home)  # over the wall
    assert not per.geometry.iloc[0].contains(home) and not uni.geometry.iloc[0].contains(home)
    assert not r.households["covered"].any()
    # a station on the south street reaches the whole compound through the gate
    r2 = r.what_if(add_stations=stations.iloc[1:])
    assert r2.households["covered"].all() and (r2.households["gate_id"] == "G1").all()
    per2, uni2 = r2.isochrones(minutes=[5])
    s_poly = per2.set_index("station_id").geometry.loc["S"]
    assert s_poly.contains(home) and uni2.geometry.iloc[0].contains(home)
    h = honesty(r2, (per2, uni2))
    assert h["share_inside_own"].iloc[0] == 1.0 and h["share_union_outside_band"].iloc[0] == 0.0
    # the what-if table (the meeting map's data) gives the same verdicts as the analysis
    from coverage.scenario import scenario

    sc = scenario(r, candidates=_pts([("S", (LON0 + 3 * D, LAT0))]).assign(kind="candidate", name=""))
    assert sc.evaluate(sc.open_mask())["households_covered"] == 0
    assert sc.evaluate(sc.open_mask(add=["S"]))["households_covered"] == 2


@pytest.fixture(scope="module")
def hongqi_gated():
    """红旗街道 with its OSM compounds and stand-in gates where each outline comes closest to a street."""
    from coverage.demo import demo_inputs
    from coverage.gates import outline_gates
    from coverage.osm import residential_areas

    path, stations, households = demo_inputs("hongqi")
    net = load_network(path)
    compounds = residential_areas(path).rename(columns={"id": "compound_id"})
    gates = outline_gates(net, compounds)
    return net, stations, households, compounds, gates


def test_gated_walk_is_the_best_gate_walk(hongqi_gated):
    """Oracle: each gated household's walk = min over its compound's gates of (straight walk + the gate's own
    walk, the gate assessed as a household under the open rule)."""
    net, stations, households, compounds, gates = hongqi_gated
    r = assess(net, stations, households, weight="households", compounds=compounds, gates=gates)
    as_points = assess(net, stations, gates.rename(columns={"gate_id": "id"}))
    gate_walk = as_points.households.set_index("id")["walk_m"]
    h = r.households
    gated = h[h["gate_id"].notna() & h["walk_m"].notna()]
    assert len(gated) > 100
    rule = r.gate_rule
    gx = pd.Series(rule.gate_snap.px, index=rule.gates.ids.astype(str))
    gy = pd.Series(rule.gate_snap.py, index=rule.gates.ids.astype(str))
    by_comp = gates.groupby("compound_id")["gate_id"].apply(list)
    hx = r.household_snap.px[gated.index]
    hy = r.household_snap.py[gated.index]
    for k, (i, row) in enumerate(gated.iterrows()):
        best = min(np.hypot(hx[k] - gx[g], hy[k] - gy[g]) + gate_walk[g] for g in by_comp[row["compound_id"]])
        assert row["walk_m"] == pytest.approx(best, abs=0.02), i
    g = r.summary.gates
    assert g["n_points_changed"] == int((h["covered"] != (h["walk_m_open"] <= r.params["threshold_m"])).sum())
    # every input row keeps a status, and the open walk is the plain analysis's
    plain = assess(net, stations, households, weight="households")
    assert len(h) == len(households) and h["status"].notna().all()
    np.testing.assert_allclose(h["walk_m_open"], plain.households["walk_m"], equal_nan=True)


def test_osm_compounds_and_gates(hongqi_gated):
    """compounds=osm, gates=osm: landuse=residential outlines and the gate nodes on them."""
    net, stations, households, *_ = hongqi_gated
    r = assess(net, stations, households, weight="households", compounds="osm", gates="osm")
    gf = r.gate_rule.gate_frame()
    assert len(gf) == 6 and set(gf["status"]) <= {"used", "no_compound", "off_network"}
    used = gf[gf["status"] == "used"]
    assert len(used) >= 1 and used["gate_id"].str.startswith("n").all()
    # a gate belongs to a compound only when it sits on the outline
    outline = r.gate_rule.compounds.frame.set_index("compound_id").geometry.boundary.to_crs(net.crs)
    pos = gpd.GeoSeries(used.geometry.values, crs=4326).to_crs(net.crs)
    assert all(outline.loc[c].distance(p) <= 1.0 for c, p in zip(used["compound_id"], pos, strict=True))
    assert (r.households.loc[r.households["gate_id"].notna(), "compound_id"].isin(used["compound_id"])).all()


def test_cli_gcj02_gates_csv_and_outputs(hongqi_gated, tmp_path):
    """A planner's files in GCJ-02 (stations, households, compounds and a gates CSV)
    give the WGS-84 answer."""
    import json

    from coverage.cli import main
    from coverage.crs import wgs84_to_gcj02

    net, stations, households, compounds, gates = hongqi_gated

    def gcj_csv(gdf, path, cols):
        lon, lat = wgs84_to_gcj02(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
        pd.DataFrame({**{c: gdf[c].to_numpy() for c in cols}, "经度": lon, "纬度": lat}).to_csv(
            path, index=False
        )

    gcj_csv(stations, tmp_path / "s.csv", ["id", "name"])
    gcj_csv(households, tmp_path / "h.csv", ["id", "households"])
    gates = gates.rename(columns={"gate_id": "出入口编号"})
    gcj_csv(gates, tmp_path / "g.csv", ["出入口编号", "compound_id"])
    comp_gcj = compounds.set_geometry(
        shapely.transform(
            np.asarray(compounds.geometry.values, dtype=object),
            lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
        )
    )
    comp_gcj.to_file(tmp_path / "c.geojson")
    out = tmp_path / "out"
    code = main(
        [
            "-q",
            "analyze",
            "--network",
            str(net.meta["source"]),
            "--stations",
            str(tmp_path / "s.csv"),
            "--households",
            str(tmp_path / "h.csv"),
            "--weight",
            "households",
            "--crs",
            "gcj02",
            "--compounds",
            str(tmp_path / "c.geojson"),
            "--gates",
            str(tmp_path / "g.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    got = pd.read_csv(out / "households.csv", dtype={"id": str, "compound_id": str, "gate_id": str})
    ref = assess(
        net,
        stations,
        households,
        weight="households",
        compounds=compounds,
        gates=gates.rename(columns={"出入口编号": "gate_id"}),
    ).households
    assert (got["status"].to_numpy() == ref["status"].astype(str).to_numpy()).all()
    assert (got["gate_id"].fillna("").to_numpy() == ref["gate_id"].fillna("").to_numpy()).all()
    np.testing.assert_allclose(got["walk_m"], ref["walk_m"], atol=0.05, equal_nan=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["gates"]["n_gates_used"] == len(gates)
    comp = pd.read_csv(out / "compounds.csv")
    assert (
        len(comp) == len(compounds) and comp["points_changed"].sum() == summary["gates"]["n_points_changed"]
    )
    assert len(pd.read_csv(out / "gates.csv")) == len(gates)
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "Compound gates" in html and "Gated compounds" in html
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"compounds.csv", "gates.csv", "compounds.gpkg"} <= set(manifest["files"])


def test_meeting_pack_and_siting_with_gates(hongqi_gated, tmp_path):
    from openpyxl import load_workbook

    from coverage import suggest_sites
    from coverage.output.report import export_report

    net, stations, households, compounds, gates = hongqi_gated
    r = assess(net, stations, households, weight="households", compounds=compounds, gates=gates, minutes=5)
    sites = suggest_sites(r, k=2)
    files = export_report(r, tmp_path / "pack", sites=sites, lang="zh", brief=False)
    assert "compounds_csv" in files
    wb = load_workbook(files["xlsx"])
    assert "封闭小区" in wb.sheetnames
    # siting counted households through their gates: opening the chosen sites gives what it promised
    after = r.what_if(add_stations=sites.sites[["id", "geometry"]])
    assert after.summary.weight_covered == pytest.approx(
        r.summary.weight_covered + sites.summary["households_added"], abs=1e-6
    )
