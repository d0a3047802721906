"""Open the walls: gates, opened compounds, new paths and closed ways as what-ifs,
each equal to a fresh analysis."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import LAT0, LON0, shared_osm, write_osm

from coverage import CoverageInputError, assess, load_network

D = 0.001  # degrees


def _osm(path, *, extra_nodes=None, extra_ways=(), insert=None, drop_ways=()):
    """Two east-west streets (south at LAT0, north at LAT0 + 2D) joined by footways at both ends.

    ``insert`` puts extra nodes into the streets' node lists: {way: [(after_node, node), ...]}.
    """
    nodes, ways = {}, []
    for i in range(7):
        nodes[10 + i] = (LON0 + i * D, LAT0)
        nodes[20 + i] = (LON0 + i * D, LAT0 + 2 * D)
    nodes.update(extra_nodes or {})
    south, north = [10 + i for i in range(7)], [20 + i for i in range(7)]
    for way, refs in ((1, south), (2, north)):
        for after, node in (insert or {}).get(way, []):
            refs.insert(refs.index(after) + 1, node)
    ways += [
        (1, south, {"highway": "residential"}),
        (2, north, {"highway": "residential"}),
        (3, [10, 20], {"highway": "footway"}),
        (4, [16, 26], {"highway": "footway"}),
    ]
    ways += list(extra_ways)
    return write_osm(path, nodes, [w for w in ways if w[0] not in drop_ways])


def _box(x0, y0, x1, y1):
    return shapely.box(LON0 + x0 * D, LAT0 + y0 * D, LON0 + x1 * D, LAT0 + y1 * D)


def _pts(rows, **cols):
    ids, xy = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {"id": list(ids), **cols}, geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs="EPSG:4326"
    )


def _p(x, y):
    return (LON0 + x * D, LAT0 + y * D)


COMPOUNDS = gpd.GeoDataFrame(
    {"compound_id": ["C1", "C2"], "name": ["幸福小区", '和平{小区}"']},
    geometry=[_box(2, 0.3, 4, 1.7), _box(4.5, 0.3, 5.5, 1.7)],
    crs="EPSG:4326",
)
GATES = gpd.GeoDataFrame(
    {"gate_id": ["G1", "G2"], "compound_id": ["C1", "C2"]},
    geometry=gpd.points_from_xy(*zip(_p(3, 0.3), _p(5, 0.3), strict=True)),
    crs="EPSG:4326",
)
HOUSEHOLDS = _pts(
    [("h1", _p(3, 1.5)), ("h2", _p(2.5, 1.6)), ("h3", _p(5, 1.6)), ("h4", _p(1, 1.0)), ("h5", _p(6.2, 1.0))],
    households=[3, 1, 2, 5, 4],
)
STATIONS = _pts([("N", _p(3, 2))])
KW = {"minutes": 4, "speed_kph": 3.6, "weight": "households"}


def assert_same(a, b, *, atol=0.02):
    """Two results give the same households, stations and summary."""
    ha, hb = a.households, b.households
    assert list(ha.columns) == list(hb.columns)
    for c in ha.columns:
        if c == "geometry":
            continue
        x, y = ha[c], hb[c]
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            np.testing.assert_allclose(
                x.to_numpy(float), y.to_numpy(float), atol=atol, equal_nan=True, err_msg=c
            )
        else:
            xs, ys = x.astype(object).where(x.notna(), ""), y.astype(object).where(y.notna(), "")
            assert (xs.astype(str).to_numpy() == ys.astype(str).to_numpy()).all(), c
    for c in ("households_within", "weight_within", "catchment_households", "catchment_weight", "on_network"):
        np.testing.assert_allclose(a.stations[c].to_numpy(float), b.stations[c].to_numpy(float), err_msg=c)
    da, db = a.summary.to_dict(), b.summary.to_dict()
    for k in da:
        if k in ("bands", "gates"):
            continue
        assert da[k] == pytest.approx(db[k], nan_ok=True), k
    for x, y in zip(da["bands"], db["bands"], strict=True):
        assert x == pytest.approx(y, nan_ok=True)
    if da["gates"] is not None:
        for k in da["gates"]:
            assert da["gates"][k] == pytest.approx(db["gates"][k], nan_ok=True, abs=1e-9), k


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    path = _osm(tmp_path_factory.mktemp("walls") / "toy.osm")
    net = load_network(path, cache=False)
    return path, net, assess(net, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=GATES, **KW)


def test_add_gates_equals_fresh_assess(toy):
    """A gate cut in C1's north wall brings its households within reach; only C1's households are searched."""
    _, net, r = toy
    new = gpd.GeoDataFrame(
        {"gate_id": ["新门"], "compound_id": ["C1"]},
        geometry=gpd.points_from_xy(*zip(_p(3, 1.7))),
        crs="EPSG:4326",
    )
    w = r.what_if(add_gates=new)
    fresh = assess(
        net, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=pd.concat([GATES, new], ignore_index=True), **KW
    )
    assert_same(w, fresh)
    h = w.households.set_index("id")
    assert h.loc["h1", "gate_id"] == "新门" and h.loc["h1", "covered"]
    assert not r.households.set_index("id").loc["h1", "covered"]
    # the same with the gate placed by position (no compound column) and the full what-if path (minutes given)
    w2 = r.what_if(add_gates=new.drop(columns="compound_id"), minutes=4)
    assert_same(w2, fresh)
    with pytest.raises(CoverageInputError, match=r"reuse the gate ids \[G1\]"):
        r.what_if(add_gates=new.assign(gate_id="G1"))
    with pytest.raises(CoverageInputError, match="need an analysis with gated compounds"):
        assess(net, STATIONS, HOUSEHOLDS, **KW).what_if(add_gates=new)


def test_open_compounds_equals_fresh_assess(toy):
    _, net, r = toy
    w = r.what_if(open_compounds=["C1"])
    fresh = assess(net, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=GATES.iloc[1:], **KW)
    assert_same(w, fresh)
    h = w.households.set_index("id")
    assert h.loc["h1", "covered"] and pd.isna(h.loc["h1", "gate_id"]) and h.loc["h3", "gate_id"] == "G2"
    t = w.compounds_table().set_index("compound_id")
    assert t.loc["C1", "rule"] == "opened (what-if)" and t.loc["C2", "rule"] == "gated"
    # both at once, and again on top of a what-if
    both = r.what_if(
        open_compounds=["C1"],
        add_gates=gpd.GeoDataFrame(
            {"gate_id": ["g3"], "compound_id": ["C2"]},
            geometry=gpd.points_from_xy(*zip(_p(5, 1.7))),
            crs=4326,
        ),
    )
    fresh2 = assess(
        net,
        STATIONS,
        HOUSEHOLDS,
        compounds=COMPOUNDS,
        gates=pd.concat(
            [
                GATES.iloc[1:],
                gpd.GeoDataFrame(
                    {"gate_id": ["g3"], "compound_id": ["C2"]},
                    geometry=gpd.points_from_xy(*zip(_p(5, 1.7))),
                    crs=4326,
                ),
            ]
        ),
        **KW,
    )
    assert_same(both, fresh2)
    with pytest.raises(CoverageInputError, match=r"open_compounds: no compound with id \[C9\]"):
        r.what_if(open_compounds=["C9"])


def test_add_paths_equals_a_network_with_the_paths_mapped(toy, tmp_path):
    """Oracle: the extract with the paths drawn in as OSM ways (crossings as shared nodes), loaded afresh."""
    _, net, r = toy
    paths = gpd.GeoDataFrame(
        {"name": ["穿过", "短路", "接近"]},
        geometry=[
            shapely.LineString([_p(5.75, 0), _p(5.75, 2)]),  # ends on both streets
            shapely.LineString([_p(1.5, -0.5), _p(1.5, 0.5)]),  # crosses the south street, both ends loose
            shapely.LineString([_p(4.25, 1.0), _p(4.25, 1.97)]),  # ends 3.3 m short of the north street
        ],
        crs="EPSG:4326",
    )
    w = r.what_if(add_paths=paths)
    oracle = _osm(
        tmp_path / "paths.osm",
        extra_nodes={
            30: _p(5.75, 0),
            31: _p(5.75, 2),
            32: _p(1.5, -0.5),
            33: _p(1.5, 0),
            34: _p(1.5, 0.5),
            35: _p(4.25, 1.0),
            36: _p(4.25, 1.97),
            37: _p(4.25, 2),
        },
        insert={1: [(15, 30), (11, 33)], 2: [(25, 31), (24, 37)]},
        extra_ways=[
            (5, [30, 31], {"highway": "footway"}),
            (6, [32, 33, 34], {"highway": "footway"}),
            (7, [35, 36, 37], {"highway": "footway"}),
        ],
    )
    net2 = load_network(oracle, cache=False)
    assert w.network.n_edges == net2.n_edges and w.network.n_nodes == net2.n_nodes
    assert w.network.edge_length_m.sum() == pytest.approx(net2.edge_length_m.sum(), abs=0.01)
    fresh = assess(net2, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=GATES, **KW)
    assert_same(w, fresh)
    assert (
        w.households.set_index("id").loc["h4", "access_m"]
        < r.households.set_index("id").loc["h4", "access_m"] - 5
    )
    # a path that reaches nothing is left out, with a warning
    lonely = shapely.LineString([_p(3, 3), _p(4, 3)])
    assert r.what_if(add_paths=[lonely], path_crs="EPSG:4326").network.n_edges == net.n_edges
    with pytest.raises(CoverageInputError, match="has no CRS"):
        r.what_if(add_paths=[lonely])
    with pytest.raises(CoverageInputError, match="not lines"):
        r.what_if(add_paths=gpd.GeoDataFrame(geometry=[shapely.Point(_p(1, 1))], crs=4326))


def test_close_ways_equals_the_extract_without_them(toy, tmp_path):
    _, _net, r = toy
    w = r.what_if(close_ways=[3])
    net2 = load_network(_osm(tmp_path / "closed.osm", drop_ways=(3,)), cache=False)
    assert_same(w, assess(net2, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=GATES, **KW))
    # a line drawn along the east footway closes it
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([_p(6, -0.01), _p(6, 2.01)])], crs=4326)
    w2 = r.what_if(close_ways=line)
    net3 = load_network(_osm(tmp_path / "closed4.osm", drop_ways=(4,)), cache=False)
    assert_same(w2, assess(net3, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=GATES, **KW))
    with pytest.raises(CoverageInputError, match=r"no walkable way with OSM id \[999\]"):
        r.what_if(close_ways=[999])


def test_suggest_gates_exact_on_the_toy(toy):
    """Each candidate's set is what a what-if with that one gate covers; the chosen pair is the best pair."""
    from itertools import combinations

    from coverage.gate_siting import suggest_gates

    _, net, r = toy
    sg = suggest_gates(r, k=2, max_street_m=40)
    cand = sg.candidates
    assert len(cand) > 10 and set(cand["compound_id"]) <= {"C1", "C2"}
    base = set(r.households.loc[r.households["covered"], "id"])
    w = dict(zip(HOUSEHOLDS["id"], HOUSEHOLDS["households"], strict=True))
    sets = []
    for i in range(len(cand)):
        one = r.what_if(add_gates=cand.iloc[[i]][["gate_id", "compound_id", "geometry"]])
        got = set(one.households.loc[one.households["covered"], "id"]) - base
        sets.append(got)
        assert len(got) == cand["households_reached"].iloc[i]
    best = max(sum(w[h] for h in a | b) for a, b in combinations(sets, 2))
    assert sg.summary["households_added"] == pytest.approx(best)
    # done when: the analysis rerun with the proposed gates covers exactly the households claimed
    after = assess(net, STATIONS, HOUSEHOLDS, compounds=COMPOUNDS, gates=pd.concat([GATES, sg.gates()]), **KW)
    assert after.summary.weight_covered == pytest.approx(
        r.summary.weight_covered + sg.summary["households_added"]
    )
    assert set(sg.households["id"]) == set(after.households.loc[after.households["covered"], "id"]) - base


# ---------------------------------------------------------------- Harbin 红旗街道: real compounds
@pytest.fixture(scope="module")
def hongqi():
    """红旗街道 with its OSM compounds and stand-in gates where each outline comes closest to a street
    (as tests/test_gates.py builds them), assessed at 10 minutes so that many compounds sit at the edge."""
    from coverage.demo import demo_inputs
    from coverage.gates import outline_gates
    from coverage.osm import residential_areas

    path, stations, households = demo_inputs("hongqi")
    net = load_network(path)
    compounds = residential_areas(path).rename(columns={"id": "compound_id"})
    gates = outline_gates(net, compounds, per_compound=1)
    kw = {"weight": "households", "minutes": 10}
    r = assess(net, stations, households, compounds=compounds, gates=gates, **kw)
    return net, stations, households, compounds, gates, kw, r


def test_hongqi_gates_and_opened_compounds_equal_fresh_assess(hongqi):
    from coverage.gates import outline_gates

    net, stations, households, compounds, gates, kw, r = hongqi
    t = r.compounds_table()
    worst = t[t["points_changed"] > 0]["compound_id"].astype(str).head(8).tolist()
    assert len(worst) >= 3
    # a second gate where each of these outlines comes closest to a street, 100 m from the first
    more = outline_gates(net, compounds[compounds["compound_id"].astype(str).isin(worst)], per_compound=2)
    first = set(map(tuple, np.round(np.column_stack([gates.geometry.x, gates.geometry.y]), 9)))
    new = more[
        [tuple(p) not in first for p in np.round(np.column_stack([more.geometry.x, more.geometry.y]), 9)]
    ]
    new = new.assign(gate_id=[f"新{i}" for i in range(len(new))])
    assert len(new) >= 3
    w = r.what_if(add_gates=new)
    fresh = assess(
        net, stations, households, compounds=compounds, gates=pd.concat([gates, new], ignore_index=True), **kw
    )
    assert_same(w, fresh)
    assert w.summary.weight_covered != r.summary.weight_covered
    opened = worst[:5]
    w2 = r.what_if(open_compounds=opened)
    keep = ~gates["compound_id"].astype(str).isin(opened)
    assert_same(w2, assess(net, stations, households, compounds=compounds, gates=gates[keep], **kw))
    changed = (w2.households["walk_m"].fillna(-1) != r.households["walk_m"].fillna(-1)).to_numpy()
    assert changed.any() and set(w2.households.loc[changed, "compound_id"].astype(str)) <= set(opened)


def test_hongqi_paths_and_closures(hongqi, tmp_path):
    """A new path equals a fresh analysis on the edited network; closed ways equal the extract without them
    (written by pyosmium, an independent route)."""
    import osmium

    net, stations, households, compounds, gates, kw, r = hongqi
    lon0, lat0 = np.median(net.lon), np.median(net.lat)
    path = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(lon0 - 0.004, lat0 - 0.003), (lon0 + 0.004, lat0 + 0.003)])], crs=4326
    )
    w = r.what_if(add_paths=path)
    assert w.network.n_edges > net.n_edges + 3  # crossings split streets
    assert_same(w, assess(w.network, stations, households, compounds=compounds, gates=gates, **kw), atol=1e-6)
    # the edited network's distances against networkx with the path's segments added by hand
    import networkx as nx

    g = w.network.to_networkx()
    src = int(np.flatnonzero(w.network.node_id == net.node_id[0])[0])
    d_nx = nx.single_source_dijkstra_path_length(g, src, weight="length")
    from scipy.sparse import csgraph

    d_sp = csgraph.dijkstra(w.network.csr, indices=src)
    assert all(abs(d_sp[k] - v) < 1e-6 for k, v in d_nx.items())
    # close the three ways most households snap to
    ways = (
        pd.Series(net.edge_way[r.household_snap.edge[r.household_snap.on_network]]).value_counts().index[:3]
    )
    ways = [int(x) for x in ways if x > 0]
    w3 = r.what_if(close_ways=ways)
    src_file = net.meta["source"]
    out = tmp_path / "closed.osm.pbf"

    class Drop(osmium.SimpleHandler):
        def __init__(self, writer):
            super().__init__()
            self.writer = writer

        def node(self, n):
            self.writer.add_node(n)

        def way(self, way):
            if way.id not in ways:
                self.writer.add_way(way)

        def relation(self, rel):
            self.writer.add_relation(rel)

    writer = osmium.SimpleWriter(str(out))
    Drop(writer).apply_file(src_file)
    writer.close()
    net_closed = load_network(out, cache=False)
    assert net_closed.n_edges == w3.network.n_edges
    assert_same(w3, assess(net_closed, stations, households, compounds=compounds, gates=gates, **kw))


def test_hongqi_edited_network_keeps_only_snaps_that_hold(hongqi):
    """What-ifs on an edited network snap again only the points whose nearest segment can change
    (snapping.snap_edited): bit for bit the full snap, for stations, households and gates, with paths
    drawn a metre from households (many snaps move), closures and both, and cut-off pieces dropped."""
    import pyproj

    from coverage.edits import edit_network
    from coverage.snapping import snap_again, snap_points

    net, _, _, _, _, _, r = hongqi
    hs = r.household_snap
    to_ll = pyproj.Transformer.from_crs(net.crs, 4326, always_xy=True)
    lon, lat = to_ll.transform(hs.px[::25] + 1.0, hs.py[::25] + 1.0)
    zigzag = shapely.LineString(list(zip(lon, lat, strict=True)))
    lon0, lat0 = np.median(net.lon), np.median(net.lat)
    cross = shapely.LineString([(lon0 - 0.004, lat0 - 0.003), (lon0 + 0.004, lat0 + 0.003)])
    ways = pd.Series(net.edge_way[hs.edge[hs.on_network]]).value_counts().index
    ways = [int(x) for x in ways[:12] if x > 0]
    cases = [
        {"add_paths": gpd.GeoDataFrame(geometry=[zigzag, cross], crs=4326)},
        {"close_ways": ways},
        {"add_paths": gpd.GeoDataFrame(geometry=[cross], crs=4326), "close_ways": ways[:3]},
    ]
    for case in cases:
        edited = edit_network(net, **case)
        kept = edited.__dict__["_edited_from"][1] >= 0
        assert 0.9 * net.n_edges < kept.sum() < net.n_edges
        for snap in (r.station_snap, hs, r.gate_rule.gate_snap):
            again = snap_again(edited, snap, max_snap_m=r.params["max_snap_m"])
            full = snap_points(edited, snap.px, snap.py, max_snap_m=r.params["max_snap_m"])
            for f in ("edge", "along_m", "access_m", "x", "y"):
                assert np.array_equal(getattr(again, f), getattr(full, f), equal_nan=True), (case, f)
        again = snap_again(edited, hs, max_snap_m=r.params["max_snap_m"])
        moved = edited.__dict__["_edited_from"][1][np.maximum(hs.edge, 0)] != again.edge
        assert moved.any()  # households moved to a new segment or off a closed one


def test_cli_site_gates_then_analyze_covers_what_it_claims(hongqi, tmp_path):
    """A planner's files (GCJ-02 CSVs with Chinese headers, compound names with braces and quotes, --lang zh):
    site-gates proposes openings; analyze rerun with them added covers exactly the households it claimed."""
    import json

    from coverage.cli import main
    from coverage.crs import wgs84_to_gcj02

    net, stations, households, compounds, gates, _kw, r = hongqi

    def gcj_csv(gdf, path, cols):
        lon, lat = wgs84_to_gcj02(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
        pd.DataFrame({**cols, "经度": lon, "纬度": lat}).to_csv(path, index=False)

    gcj_csv(stations, tmp_path / "站点.csv", {"编号": stations["id"], "名称": stations["name"]})
    gcj_csv(households, tmp_path / "住户.csv", {"编号": households["id"], "户数": households["households"]})
    gcj_csv(
        gates, tmp_path / "出入口.csv", {"出入口编号": gates["gate_id"], "compound_id": gates["compound_id"]}
    )
    comp = compounds.assign(name=[f'小区{{{i}}}"甲"' for i in range(len(compounds))])
    comp.set_geometry(
        shapely.transform(
            np.asarray(comp.geometry.values, dtype=object),
            lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
        )
    ).to_file(tmp_path / "小区.geojson")
    common = [
        "--network",
        str(net.meta["source"]),
        "--stations",
        str(tmp_path / "站点.csv"),
        "--households",
        str(tmp_path / "住户.csv"),
        "--weight",
        "户数",
        "--crs",
        "gcj02",
        "--minutes",
        "10",
        "--compounds",
        str(tmp_path / "小区.geojson"),
        "--gates",
        str(tmp_path / "出入口.csv"),
    ]
    out = tmp_path / "门"
    assert main(["-q", "site-gates", *common, "--k", "4", "--lang", "zh", "--out", str(out)]) == 0
    sites = pd.read_csv(out / "gate_sites.csv", dtype={"compound_id": str})
    assert list(sites.columns[:6]) == [
        "rank",
        "compound_id",
        "lon",
        "lat",
        "households_added",
        "covered_share_after",
    ]
    assert len(sites) == 4 and (sites["households_added"] > 0).all()
    assert sites["households_added"].is_monotonic_decreasing
    doc = json.loads((out / "gate_sites.json").read_text(encoding="utf-8"))
    assert doc["households_added"] == pytest.approx(sites["households_added"].sum())
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "小区{" in html or "\\u5c0f\\u533a{" in html
    # the rerun: the original gates and the proposed openings, in one WGS-84 gates file
    g0 = pd.DataFrame(
        {
            "出入口编号": gates["gate_id"],
            "compound_id": gates["compound_id"],
            "lon": gates.geometry.x,
            "lat": gates.geometry.y,
        }
    )
    g1 = pd.DataFrame(
        {
            "出入口编号": sites["gate_id"],
            "compound_id": sites["compound_id"],
            "lon": sites["lon"],
            "lat": sites["lat"],
        }
    )
    pd.concat([g0, g1]).to_csv(tmp_path / "gates_after.csv", index=False)
    before, after = tmp_path / "before", tmp_path / "after"
    assert main(["-q", "analyze", *common, "--out", str(before)]) == 0
    common_after = [
        x if x != str(tmp_path / "出入口.csv") else str(tmp_path / "gates_after.csv") for x in common
    ]
    assert main(["-q", "analyze", *common_after, "--gate-crs", "EPSG:4326", "--out", str(after)]) == 0
    s0 = json.loads((before / "summary.json").read_text(encoding="utf-8"))
    s1 = json.loads((after / "summary.json").read_text(encoding="utf-8"))
    assert s1["weight_covered"] - s0["weight_covered"] == pytest.approx(doc["households_added"], abs=1e-6)
    h0 = pd.read_csv(before / "households.csv", dtype={"编号": str})
    h1 = pd.read_csv(after / "households.csv", dtype={"编号": str})
    gained = set(h1.loc[h1["covered"] & ~h0["covered"], "编号"])
    got = gpd.read_file(out / "gate_sites.gpkg", layer="households_added")
    assert gained == set(got["id"].astype(str)) and not (h0["covered"] & ~h1["covered"]).any()
    # the same in one analyze run, as a what-if (--add-gates), and the other what-if options parse
    other = next(
        str(c) for c in r.compounds_table()["compound_id"] if str(c) not in set(sites["compound_id"])
    )
    what = tmp_path / "what"
    assert (
        main(
            [
                "-q",
                "analyze",
                *common,
                "--add-gates",
                str(out / "gate_sites.csv"),
                "--add-gates-crs",
                "wgs84",
                "--out",
                str(what),
            ]
        )
        == 2
    )  # wgs84 is not a CRS name: the fix is named
    assert (
        main(
            [
                "-q",
                "analyze",
                *common,
                "--add-gates",
                str(out / "gate_sites.csv"),
                "--add-gates-crs",
                "EPSG:4326",
                "--open-compounds",
                other,
                "--close-ways",
                str(int(net.edge_way[0])),
                "--out",
                str(what),
            ]
        )
        == 0
    )
    assert json.loads((what / "summary.json").read_text(encoding="utf-8"))["n_households"] == len(households)


def test_hongqi_stations_and_gates_weighed_together(hongqi, tmp_path):
    """The combined list is at least as good as either list alone,
    and a rerun covers at least what it claims."""
    import json

    from coverage import suggest_sites
    from coverage.cli import main
    from coverage.gate_siting import suggest_gates, weigh_gates_and_stations

    net, stations, households, compounds, gates, _kw, r = hongqi
    sr = suggest_sites(r, k=3)
    sg = suggest_gates(r, k=3)
    both = weigh_gates_and_stations(r, sr, k=3)
    claimed = both["households_added"].sum()
    assert claimed >= max(sr.summary["households_added"], sg.summary["households_added"]) - 1e-6
    st = both[both["kind"] == "station"][["id", "geometry"]]
    gt = both[both["kind"] == "gate"][["id", "compound_id", "geometry"]].rename(columns={"id": "gate_id"})
    after = r.what_if(add_stations=st if len(st) else None, add_gates=gt if len(gt) else None)
    assert after.summary.weight_covered >= r.summary.weight_covered + claimed - 1e-6
    # the command line: site --with-gates writes the three lists
    hh = tmp_path / "住户.csv"
    pd.DataFrame(
        {
            "编号": households["id"],
            "户数": households["households"],
            "经度": households.geometry.x,
            "纬度": households.geometry.y,
        }
    ).to_csv(hh, index=False)
    stations.to_file(tmp_path / "站点.geojson")
    compounds.to_file(tmp_path / "小区.gpkg")
    gates.to_file(tmp_path / "出入口.geojson")
    out = tmp_path / "out"
    assert (
        main(
            [
                "-q",
                "site",
                "--network",
                str(net.meta["source"]),
                "--stations",
                str(tmp_path / "站点.geojson"),
                "--households",
                str(hh),
                "--weight",
                "户数",
                "--minutes",
                "10",
                "--compounds",
                str(tmp_path / "小区.gpkg"),
                "--gates",
                str(tmp_path / "出入口.geojson"),
                "--k",
                "3",
                "--with-gates",
                "--lang",
                "zh",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    comb = pd.read_csv(out / "combined_sites.csv")
    assert len(comb) == 3 and set(comb["kind"]) <= {"station", "gate"}
    assert comb["households_added"].sum() == pytest.approx(claimed)
    assert len(pd.read_csv(out / "gate_sites.csv")) == 3 and len(pd.read_csv(out / "sites.csv")) == 3
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_readme_worked_example_harbin_centre():
    """The README's example: in 家属区 the first opening suggest_gates ranks brings all 24 buildings within
    reach,
    and the what-if with the ten openings adds what they claim."""
    from coverage import suggest_gates
    from coverage.gates import outline_gates
    from coverage.osm import place_nodes, residential_areas, residential_buildings

    pbf = shared_osm("harbin-central.osm.pbf")
    net, compounds = load_network(pbf), residential_areas(pbf)
    r = assess(
        net,
        place_nodes(pbf),
        residential_buildings(pbf),
        compounds=compounds,
        gates=outline_gates(net, compounds),
    )
    sg = suggest_gates(r, k=10)
    top = sg.sites.iloc[0]
    assert (
        top["compound_id"] == "w962918326"
        and top["compound_name"] == "家属区"
        and top["households_added"] == 24
    )
    assert sg.summary["candidates_in"] == 3192 and sg.summary["solver_status"] == "optimal"
    after = r.what_if(add_gates=sg.gates())
    assert after.summary.weight_covered - r.summary.weight_covered == sg.summary["households_added"] == 148
    inside = r.households["compound_id"].astype(str) == "w962918326"
    assert r.households.loc[inside, "walk_m"].median() == pytest.approx(1414.6, abs=0.1)
    assert after.households.loc[inside, "walk_m"].median() == pytest.approx(1036.8, abs=0.1)
    assert after.households.loc[inside, "covered"].all()


def test_suggest_gates_with_capacities_on_the_toy(toy):
    """Weighing capacities: the chosen pair of openings serves the most households (brute force over pairs,
    each
    opening's reach taken from its own what-if), and the what-if with them serves what the list claims."""
    from itertools import combinations

    from scipy import sparse

    from coverage import suggest_gates
    from coverage.capacity import assign

    _, net, _r = toy
    stations = _pts([("N", _p(3, 2)), ("S", _p(5.5, 0))], 容量=[2, 4])
    r = assess(net, stations, HOUSEHOLDS, compounds=COMPOUNDS, gates=GATES, capacity="容量", **KW)
    sg = suggest_gates(r, k=2, max_street_m=40)
    assert sg.summary["capacity_aware"] and "served_share_after" in sg.sites
    thr = r.params["threshold_m"]
    w = np.where(r.household_points.valid, r.household_points.weight, 0.0)
    reach = []
    for i in range(len(sg.candidates)):
        one = r.what_if(add_gates=sg.candidates.iloc[[i]][["gate_id", "compound_id", "geometry"]])
        reach.append(
            sparse.csr_matrix(one.access.within(one.network, one.station_snap, one.reach, thr), dtype=float)
        )
    best = max(assign(a + b, w, np.array([2.0, 4.0])).served_weight for a, b in combinations(reach, 2))
    assert sg.summary["weight_served_after"] == pytest.approx(best)
    after = r.what_if(add_gates=sg.gates())
    assert after.summary.weight_served == pytest.approx(
        r.summary.weight_served + sg.summary["households_added"]
    )
    assert after.summary.weight_served > r.summary.weight_served


def test_hongqi_gates_with_capacities(hongqi):
    net, stations, households, compounds, gates, kw, _r = hongqi
    from coverage import suggest_gates

    rc = assess(
        net,
        stations.assign(capacity=4000),
        households,
        compounds=compounds,
        gates=gates,
        capacity="capacity",
        **kw,
    )
    sg = suggest_gates(rc, k=3)
    assert sg.summary["capacity_aware"] and sg.summary["solver_status"] == "optimal"
    assert (np.diff(sg.sites["households_added"]) <= 1e-9).all() and sg.summary["households_added"] > 0
    after = rc.what_if(add_gates=sg.gates())
    assert after.summary.weight_served == pytest.approx(
        rc.summary.weight_served + sg.summary["households_added"]
    )
    plain = suggest_gates(rc, k=3, capacity=False)
    assert not plain.summary["capacity_aware"] and "covered_share_after" in plain.sites


def test_paths_from_files_and_chinese_coordinates(toy, tmp_path):
    """A paths file in GCJ-02 (a web map's drawing) gives the WGS-84 answer;
    a closing-lines file works too."""
    from coverage.crs import wgs84_to_gcj02

    _, _net, r = toy
    line = shapely.LineString([_p(5.75, 0), _p(5.75, 2)])
    ref = r.what_if(add_paths=gpd.GeoDataFrame({"名称": ["新路"]}, geometry=[line], crs=4326))
    gcj = shapely.transform(line, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    with pytest.warns(UserWarning, match="crs"):  # a web map's drawing: no CRS in the file
        gpd.GeoDataFrame({"名称": ['新路{甲}"']}, geometry=[gcj]).to_file(tmp_path / "路.geojson")
    got = r.what_if(add_paths=str(tmp_path / "路.geojson"), path_crs="gcj02")
    assert_same(got, ref, atol=0.05)
    gpd.GeoDataFrame(geometry=[shapely.LineString([_p(6, -0.01), _p(6, 2.01)])], crs=4326).to_file(
        tmp_path / "封.gpkg"
    )
    closed = r.what_if(close_ways=str(tmp_path / "封.gpkg"))
    assert closed.network.n_edges == r.network.n_edges - 1
    with pytest.raises(CoverageInputError, match="lie along no walkable segment"):
        r.what_if(close_ways=gpd.GeoDataFrame(geometry=[shapely.LineString([_p(2, 1), _p(3, 1)])], crs=4326))


def test_what_if_table_with_gate_openings_equals_what_if(hongqi):
    """The meeting map's table with candidate openings: any stations, candidates and openings open give the
    numbers of what_if(remove_stations, add_stations, add_gates)."""
    from coverage import suggest_gates
    from coverage.scenario import scenario

    *_, r = hongqi
    sg = suggest_gates(r, k=6)
    sc = scenario(r, openings=sg.gates(), facilities=False)
    assert sc.n_gates == 6 and sc.g_household.size > 0
    rng = np.random.default_rng(3)
    cases = [([], [], list(sg.sites["gate_id"][:2]))]
    for _ in range(3):
        cases.append(
            (
                [str(x) for x in rng.choice(sc.site_id[: sc.n_stations], size=1, replace=False)],
                [str(x) for x in rng.choice(sc.site_id[sc.n_stations :], size=2, replace=False)],
                [str(x) for x in rng.choice(sc.gate_id, size=3, replace=False)],
            )
        )
    for remove, add, opened in cases:
        page = sc.evaluate(sc.open_mask(remove=remove, add=add), sc.gates_of(opened))
        k = sc.sites_of(add)
        new = (
            gpd.GeoDataFrame(
                {"id": [sc.site_id[i] for i in k]},
                geometry=gpd.points_from_xy(sc.site_lon[k], sc.site_lat[k]),
                crs=4326,
            )
            if add
            else None
        )
        g = sg.gates()
        py = r.what_if(remove_stations=remove, add_stations=new, add_gates=g[g["gate_id"].isin(opened)])
        assert page["households_covered"] == py.summary.n_covered
        assert page["weight_covered"] == pytest.approx(py.summary.weight_covered)
        for a, b in zip(page["bands"], py.summary.bands, strict=True):
            assert a["n_within"] == b["n_within"]
        st = py.stations.set_index(py.stations["id"].astype(str))
        for sid, n in page["load_households"].items():
            if sid in st.index:
                assert n == st.loc[sid, "households_within"], sid


def test_page_gate_openings_click_equal_python(hongqi, browser, tmp_path):
    """site-gates' map: the proposed openings are clickable in the what-if panel, with Python's numbers."""
    import re

    from coverage import save_map, suggest_gates
    from coverage.scenario import scenario

    *_, r = hongqi
    sg = suggest_gates(r, k=4)
    sc = scenario(r, openings=sg.gates(), facilities=False)
    path = tmp_path / "门.html"
    save_map(r.explore(scenario=sc, lang="zh"), path)
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    ctx.route(re.compile(r"^https?://"), lambda rt: rt.abort())
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        pg.goto(path.as_uri())
        pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=10_000)
        assert [o["id"] for o in pg.evaluate("serviceCoverage.openings()")] == list(sg.sites["gate_id"])
        for opened, add in (
            (list(sg.sites["gate_id"][:1]), []),
            (list(sg.sites["gate_id"]), [sc.site_id[-1]]),
        ):
            page = pg.evaluate("(s) => serviceCoverage.apply(s)", {"remove": [], "add": add, "gates": opened})
            py = sc.evaluate(sc.open_mask(add=add), sc.gates_of(opened))
            assert page["households_covered"] == py["households_covered"]
            assert page["weight_covered"] == pytest.approx(py["weight_covered"])
            assert [b["n_within"] for b in page["bands"]] == [b["n_within"] for b in py["bands"]]
            loads = {x["id"]: x["households_within"] for x in page["stations"]}
            assert loads == {k: v for k, v in py["load_households"].items()}
            assert page["gates"] == opened and "gates=" in pg.evaluate("location.hash")
        # the first opening alone adds what site-gates claims for it
        page = pg.evaluate("(s) => serviceCoverage.apply(s)", {"gates": list(sg.sites["gate_id"][:1])})
        assert page["weight_covered"] == pytest.approx(
            r.summary.weight_covered + sg.sites["households_added"].iloc[0]
        )
        # a real click on the first opening cuts it; the link reopens the scenario
        pg.evaluate("serviceCoverage.apply({})")
        o = pg.evaluate("serviceCoverage.openings()")[0]
        xy = pg.evaluate(
            """(o) => { const m = Object.values(window).find(v => v instanceof L.Map);
                     m.setView([o.lat, o.lon], 18, {animate: false});
                     const p = m.latLngToContainerPoint([o.lat, o.lon]);
                     const b = m.getContainer().getBoundingClientRect();
                     return [p.x + b.left, p.y + b.top]; }""",
            o,
        )
        pg.wait_for_timeout(200)
        pg.mouse.click(*xy)
        pg.wait_for_timeout(200)
        assert pg.evaluate("serviceCoverage.summary()")["gates"] == [o["id"]]
        h = pg.evaluate("location.hash")
        pg.goto(path.as_uri() + "#gates=nope," + h.split("gates=")[1])
        pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=10_000)
        assert pg.evaluate("serviceCoverage.summary()")["gates"] == [o["id"]]
        assert "不是候选出入口" in pg.locator("#sc-whatif-notes").inner_text()
        assert errors == []
    finally:
        ctx.close()
