"""Viaducts, tunnels and motorroads:
nobody on the ground is snapped onto a deck, and nobody walks an expressway."""

from __future__ import annotations

import dataclasses
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import LAT0, LON0, shared_osm, write_osm

from coverage import assess, load_network
from coverage.network import FLAG_BRIDGE, FLAG_TUNNEL

M_LAT = 6371009 * math.pi / 180  # metres per degree of latitude
M_LON = M_LAT * math.cos(math.radians(LAT0))


def _ll(x_m, y_m):
    return (LON0 + x_m / M_LON, LAT0 + y_m / M_LAT)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A ground street along x = 0 with a viaduct 5 m east of it, reached by ramps at its ends, and more."""
    nodes = {
        1: _ll(0, 0),
        2: _ll(0, 1000),
        3: _ll(5, -200),
        4: _ll(5, 1200),
        5: _ll(-300, 0),
        6: _ll(-300, 1000),  # a street with a tunnel and a building passage on it
        7: _ll(-300, 400),
        8: _ll(-300, 600),
        9: _ll(600, 0),
        10: _ll(600, 1000),
        11: _ll(900, 0),
        12: _ll(900, 1000),
    }
    ways = [
        (1, [1, 2], {"highway": "residential"}),
        (2, [3, 4], {"highway": "trunk", "bridge": "yes", "layer": "1"}),  # a viaduct: no sidewalk
        (3, [1, 3], {"highway": "trunk_link"}),
        (4, [2, 4], {"highway": "trunk_link"}),
        (5, [5, 7], {"highway": "residential"}),
        (6, [7, 8], {"highway": "footway", "tunnel": "building_passage"}),  # at ground level
        (7, [8, 6], {"highway": "residential", "tunnel": "yes", "layer": "-1"}),
        (8, [1, 5], {"highway": "residential"}),
        (9, [2, 6], {"highway": "residential"}),
        (10, [1, 9], {"highway": "residential"}),
        (11, [9, 10], {"highway": "trunk", "motorroad": "yes"}),  # closed to pedestrians by law
        (12, [2, 10], {"highway": "residential"}),
        (13, [9, 11], {"highway": "residential"}),
        (14, [11, 12], {"highway": "trunk", "bridge": "yes", "sidewalk": "both"}),  # a bridge with a pavement
        (15, [10, 12], {"highway": "residential"}),
    ]
    return write_osm(tmp_path_factory.mktemp("viaduct") / "toy.osm", nodes, ways)


def _points(rows):
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows]}, geometry=[shapely.Point(_ll(x, y)) for _, (x, y) in rows], crs=4326
    )


def test_a_home_beside_a_viaduct_walks_from_the_street_under_it(toy):
    net = load_network(toy, cache=False)
    st = _points([("S", (-5, 0))])  # 5 m west of node 1
    hh = _points([("beside", (7, 500)), ("far", (-8, 500))])
    r = assess(net, st, hh, minutes=60, crs="EPSG:4326")
    h = r.households.set_index("id")
    # 2 m from the deck, 7 m from the street under it: the street, walked by hand: 7 + 500 + 5
    assert h.loc["beside", "access_m"] == pytest.approx(7.0, abs=0.05)
    assert h.loc["beside", "walk_m"] == pytest.approx(512.0, abs=0.2)
    assert h.loc["far", "walk_m"] == pytest.approx(8 + 500 + 5, abs=0.2)
    # the viaduct has no sidewalk: not walkable by default; motorroad=yes never
    assert 2 not in set(net.edge_way) and 11 not in set(net.edge_way) and 14 in set(net.edge_way)
    assert net.meta["n_ways_elevated_without_sidewalk"] == 1 and net.meta["n_ways_motorroad"] == 1


def test_decks_walked_on_request_are_never_snapped_to(toy):
    net = load_network(toy, cache=False, elevated_roads=True)
    assert 2 in set(net.edge_way) and net.meta["elevated_roads"]
    st = _points([("S", (-5, 0))])
    r = assess(net, st, _points([("beside", (7, 500))]), minutes=60, crs="EPSG:4326")
    assert r.households.loc[0, "access_m"] == pytest.approx(7.0, abs=0.05)
    assert r.households.loc[0, "walk_m"] == pytest.approx(512.0, abs=0.2)
    # the old rule (every segment snappable) put the home on the deck: 2 + 700 along it + the ramp + 5
    old = dataclasses.replace(net, edge_flags=np.zeros(net.n_edges, dtype=np.uint8), meta=dict(net.meta))
    r_old = assess(old, st, _points([("beside", (7, 500))]), minutes=60, crs="EPSG:4326")
    assert r_old.households.loc[0, "access_m"] == pytest.approx(2.0, abs=0.05)
    assert r_old.households.loc[0, "walk_m"] == pytest.approx(2 + 700 + math.hypot(5, 200) + 5, abs=0.5)


def test_stations_and_gates_beside_a_deck_stand_on_the_street_under_it(toy):
    """Stations and gates follow the households' rule:
    2 m from the deck, they reach the ground street 7 m away."""
    net = load_network(toy, cache=False, elevated_roads=True)  # the deck walkable, and still never snapped to
    st = _points([("S", (7, 500))])
    r = assess(net, st, _points([("h", (-8, 520))]), minutes=60, crs="EPSG:4326")
    assert r.stations.loc[0, "access_m"] == pytest.approx(7.0, abs=0.05)
    assert r.households.loc[0, "walk_m"] == pytest.approx(8 + 20 + 7, abs=0.2)
    # a compound east of the deck whose gate is 2 m from it: the gate reaches the street under the deck
    box = shapely.Polygon([_ll(7, 450), _ll(60, 450), _ll(60, 550), _ll(7, 550)])
    compounds = gpd.GeoDataFrame({"compound_id": ["C"]}, geometry=[box], crs=4326)
    gates = gpd.GeoDataFrame(
        {"gate_id": ["g"], "compound_id": ["C"]}, geometry=[shapely.Point(_ll(7, 500))], crs=4326
    )
    r = assess(
        net,
        _points([("S", (-5, 0))]),
        _points([("in", (30, 500))]),
        minutes=60,
        crs="EPSG:4326",
        compounds=compounds,
        gates=gates,
    )
    h = r.households.iloc[0]
    assert h["gate_id"] == "g"
    assert h["walk_m"] == pytest.approx(23 + 7 + 500 + 5, abs=0.3)


def test_automatic_candidates_stand_on_the_ground():
    """Siting's network places are nodes of ground-level segments,
    never a node on a deck (红旗, decks walked)."""
    from coverage.demo import HONGQI_PBF
    from coverage.siting.candidates import candidates_near

    net = load_network(HONGQI_PBF, elevated_roads=True)
    deck_only = ~net.ground_node
    assert deck_only.sum() > 20
    cand = candidates_near(net, net.xy[:, 0], net.xy[:, 1], 10.0, spacing_m=1.0)  # every node near a point
    ground_ids = {f"node{int(i)}" for i in net.node_id[net.ground_node]}
    assert len(cand) > 1000 and set(cand["id"]) <= ground_ids
    assert not set(cand["id"]) & {f"node{int(i)}" for i in net.node_id[deck_only]}


def test_tunnels_layers_and_building_passages(toy):
    net = load_network(toy, cache=False)
    way_flags = dict(zip(net.edge_way.tolist(), net.edge_flags.tolist(), strict=True))
    assert (
        way_flags[7] & FLAG_TUNNEL and not way_flags[6] & FLAG_TUNNEL
    )  # a building passage is on the ground
    assert way_flags[14] & FLAG_BRIDGE and not net.ground[net.edge_way == 14].any()
    st = _points([("S", (-5, 0))])
    hh = _points([("passage", (-302, 500)), ("over-tunnel", (-302, 800)), ("bridge", (903, 150))])
    r = assess(net, st, hh, minutes=60, crs="EPSG:4326").households.set_index("id")
    assert r.loc["passage", "access_m"] == pytest.approx(2.0, abs=0.05)
    # above the tunnel (layer -1): the nearest ground street is the passage's end or the cross street
    assert r.loc["over-tunnel", "access_m"] > 150
    # beside the bridge: the street at its end, 150 m away, never its deck 3 m away
    assert r.loc["bridge", "access_m"] == pytest.approx(math.hypot(3, 150), abs=0.05)


def test_isochrones_have_no_strips_along_the_viaduct(toy):
    """A place beside the deck belongs to the band its street under it reaches (the old white strips)."""
    net = load_network(toy, cache=False, elevated_roads=True)
    r = assess(net, _points([("S", (-5, 0))]), _points([("h", (7, 500))]), minutes=10, crs="EPSG:4326")
    per, _ = r.isochrones(minutes=[10])
    poly = per.geometry.iloc[0]
    for y in (200, 400, 600):
        assert poly.contains(shapely.Point(_ll(7, y))), y


def _oracle_walks(net, st_snap, pts_snap):
    """Walks from the nearest station with networkx on the segments (stations inserted on theirs)."""
    g = nx.Graph()
    L = net.edge_length_m
    for e in np.argsort(-L):  # parallel segments: the shorter written last wins
        g.add_edge(int(net.edge_u[e]), int(net.edge_v[e]), w=float(L[e]))
    sources = []
    for i in range(len(st_snap)):
        e = int(st_snap.edge[i])
        u, v, a = int(net.edge_u[e]), int(net.edge_v[e]), float(st_snap.along_m[i])
        node = ("s", i)
        g.add_edge(node, u, w=a + float(st_snap.access_m[i]))
        g.add_edge(node, v, w=float(L[e]) - a + float(st_snap.access_m[i]))
        sources.append(node)
    d = nx.multi_source_dijkstra_path_length(g, sources, weight="w")
    out = []
    for i in range(len(pts_snap)):
        e = int(pts_snap.edge[i])
        u, v, a = int(net.edge_u[e]), int(net.edge_v[e]), float(pts_snap.along_m[i])
        w = min(d.get(u, np.inf) + a, d.get(v, np.inf) + float(L[e]) - a)
        for j in np.flatnonzero(st_snap.edge == e):  # a station on the same segment: straight along it
            w = min(w, abs(a - float(st_snap.along_m[j])) + float(st_snap.access_m[j]))
        out.append(float(pts_snap.access_m[i]) + w)
    return np.array(out)


def test_harbin_homes_beside_viaducts_walk_from_the_ground_street():
    """On Harbin centre: points 2 m beside bridge decks reach the nearest ground street point, and walk what
    it
    walks plus the step to it (an independent networkx router on the same segments)."""
    from coverage.locate import project
    from coverage.snapping import snap_points

    net = load_network(shared_osm("harbin-central.osm.pbf"), elevated_roads=True)
    deck = np.flatnonzero((net.edge_flags & FLAG_BRIDGE > 0) & (net.edge_length_m > 60))
    rng = np.random.default_rng(3)
    pick = rng.choice(deck, size=30, replace=False)
    a, b = net.xy[net.edge_u[pick]], net.xy[net.edge_v[pick]]
    mid, d = (a + b) / 2, b - a
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
    px, py = (mid + 2.0 * normal).T
    snap = snap_points(net, px, py)
    assert net.ground[snap.edge[snap.on_network]].all()
    # the nearest ground segment, by brute force with shapely
    xy = net.xy
    segs = shapely.linestrings(np.stack([xy[net.edge_u], xy[net.edge_v]], axis=1))
    _, dist = shapely.STRtree(segs[net.ground]).query_nearest(
        shapely.points(px, py), return_distance=True, all_matches=False
    )
    on = snap.on_network
    np.testing.assert_allclose(snap.access_m[on], dist[on], atol=1e-6)
    # the old rule snapped them onto the deck itself
    old = dataclasses.replace(net, edge_flags=np.zeros(net.n_edges, dtype=np.uint8), meta=dict(net.meta))
    old_snap = snap_points(old, px, py)
    assert (old_snap.access_m < 2.01).all() and (~net.ground[old_snap.edge]).mean() > 0.9
    # walks: assess equals the independent router from the ground snap point
    lon, lat = gpd.GeoSeries(gpd.points_from_xy(px, py), crs=net.crs).to_crs(4326).pipe(lambda g: (g.x, g.y))
    from coverage.osm import place_nodes

    st = place_nodes(net.meta["source"])
    r = assess(
        net,
        st,
        gpd.GeoDataFrame({"id": np.arange(lon.size)}, geometry=gpd.points_from_xy(lon, lat), crs=4326),
        minutes=60,
        crs="EPSG:4326",
    )
    ok = r.households["walk_m"].notna().to_numpy()
    assert ok.sum() >= 25
    sx, sy = project(net, st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    ref = _oracle_walks(net, snap_points(net, sx, sy), r.household_snap)
    np.testing.assert_allclose(r.households["walk_m"].to_numpy(dtype=float)[ok], ref[ok], atol=0.02)
