"""Walking distances: hand-checked toy graphs and a networkx oracle on real data."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import LAT0, LON0, M_PER_STEP, STEP, toy_nodes, toy_ways, write_osm

from coverage import assess, load_network
from coverage.snapping import snap_points


def east_m(dlon_deg, lat=LAT0):
    """East-west distance on the WGS-84 ellipsoid (access walks are measured in UTM)."""
    import pyproj

    return pyproj.Geod(ellps="WGS84").inv(LON0, lat, LON0 + dlon_deg, lat)[2]


def pts(rows, crs="EPSG:4326"):
    ids, xy = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"id": list(ids)}, geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs=crs)


@pytest.fixture
def toy(tmp_path):
    return load_network(write_osm(tmp_path / "toy.osm", toy_nodes(), toy_ways()), cache=False)


def test_hand_computed_distances(toy):
    stations = pts([("S", (LON0, LAT0))])
    dl = 0.0003
    households = pts(
        [
            ("at_n3", (LON0 + dl, LAT0 + 2 * STEP)),  # two segments + access
            ("mid_n2n3", (LON0 + dl, LAT0 + 1.5 * STEP)),  # one and a half + access
            ("far", (LON0, LAT0 + 3 * STEP)),  # three segments, no access
        ]
    )
    r = assess(toy, stations, households, minutes=15)
    h = r.households.set_index("id")
    access = east_m(dl)
    assert h.loc["at_n3", "walk_m"] == pytest.approx(2 * M_PER_STEP + access, abs=0.05)
    assert h.loc["mid_n2n3", "walk_m"] == pytest.approx(1.5 * M_PER_STEP + access, abs=0.05)
    assert h.loc["far", "walk_m"] == pytest.approx(3 * M_PER_STEP, abs=0.01)
    assert h.loc["far", "walk_min"] == pytest.approx(3 * M_PER_STEP / (4.8 / 3.6) / 60, abs=1e-3)
    # the motorway shortcut would be ~2x shorter for "far"; it must not be used
    assert (h["station_id"] == "S").all()


def test_threshold_is_inclusive_and_counts(toy):
    stations = pts([("S1", (LON0, LAT0)), ("S2", (LON0, LAT0 + 3 * STEP))])
    households = pts([("h", (LON0, LAT0 + 1.5 * STEP))])  # 166.8 m from both
    minutes = 1.5 * M_PER_STEP / (4.8 / 3.6) / 60
    r = assess(toy, stations, households, minutes=minutes + 1e-6)
    assert r.households.loc[0, "n_stations_within"] == 2
    assert bool(r.households.loc[0, "covered"])
    r = assess(toy, stations, households, minutes=minutes - 0.01)
    assert r.households.loc[0, "status"] == "uncovered"
    assert r.households.loc[0, "n_stations_within"] == 0


def test_station_and_household_on_same_segment(toy):
    # both on segment n2-n3; the direct walk along it is the shortest
    dl = 0.0001
    stations = pts([("S", (LON0 - dl, LAT0 + 1.25 * STEP))])
    households = pts([("h", (LON0 + dl, LAT0 + 1.75 * STEP))])
    r = assess(toy, stations, households)
    expected = 0.5 * M_PER_STEP + 2 * east_m(dl)
    assert r.households.loc[0, "walk_m"] == pytest.approx(expected, abs=0.05)
    assert r.stations.loc[0, "households_within"] == 1
    assert r.stations.loc[0, "catchment_households"] == 1


def test_snapping_matches_shapely(helsinki):
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = (
        helsinki.xy[:, 0].min(),
        helsinki.xy[:, 1].min(),
        helsinki.xy[:, 0].max(),
        helsinki.xy[:, 1].max(),
    )
    x = rng.uniform(minx, maxx, 3000)
    y = rng.uniform(miny, maxy, 3000)
    s = snap_points(helsinki, x, y, max_snap_m=1e9)
    xy = helsinki.xy
    segs = shapely.linestrings(np.stack([xy[helsinki.edge_u], xy[helsinki.edge_v]], axis=1))
    ground = helsinki.ground  # points on the ground never snap onto a bridge, into a tunnel or another layer
    assert (~ground).any() and ground[s.edge].all()
    _, d = shapely.STRtree(segs[ground]).query_nearest(
        shapely.points(x, y), return_distance=True, all_matches=False
    )
    np.testing.assert_allclose(s.access_m, d, atol=1e-6)
    # the chosen segment is at exactly that distance
    d_chosen = shapely.distance(shapely.points(x, y), segs[s.edge])
    np.testing.assert_allclose(d_chosen, d, atol=1e-6)


def _oracle(net, st_snap, hh_snap):
    """Independent distances: split segments at every point with networkx."""
    g = nx.Graph()
    L = net.edge_length_m
    for e in range(net.n_edges):
        g.add_edge(("n", int(net.edge_u[e])), ("n", int(net.edge_v[e])), w=float(L[e]))  # parallel: keep one
    for e in range(net.n_edges):  # parallel segments: keep the shorter
        a, b = ("n", int(net.edge_u[e])), ("n", int(net.edge_v[e]))
        g[a][b]["w"] = min(g[a][b]["w"], float(L[e]))
    on_edge: dict[int, list] = {}
    for kind, snap in (("s", st_snap), ("h", hh_snap)):
        for i in np.flatnonzero(snap.on_network):
            on_edge.setdefault(int(snap.edge[i]), []).append(
                (float(snap.along_m[i]), kind, int(i), float(snap.access_m[i]))
            )
    for e, items in on_edge.items():
        items.sort()
        chain = [("n", int(net.edge_u[e]), 0.0)]
        for along, kind, i, acc in items:
            g.add_edge((kind, i), (f"{kind}pt", i), w=acc)
            chain.append(((kind, i), None, along))
        chain.append((("n", int(net.edge_v[e])), None, float(L[e])))
        nodes = [chain[0][:2]] + [c[0] for c in chain[1:]]
        nodes[0] = ("n", int(net.edge_u[e]))
        pos = [c[2] for c in chain]
        for k in range(len(nodes) - 1):
            w = pos[k + 1] - pos[k]
            if g.has_edge(nodes[k], nodes[k + 1]):
                w = min(w, g[nodes[k]][nodes[k + 1]]["w"])
            g.add_edge(nodes[k], nodes[k + 1], w=max(w, 0.0))
    return g


@pytest.mark.parametrize("seed", [0, 1])
def test_networkx_oracle_on_helsinki(helsinki, seed):
    rng = np.random.default_rng(seed)
    lon0, lat0, lon1, lat1 = helsinki.bounds_lonlat
    st = pts([(f"s{i}", (rng.uniform(lon0, lon1), rng.uniform(lat0, lat1))) for i in range(8)])
    hh = pts([(f"h{i}", (rng.uniform(lon0, lon1), rng.uniform(lat0, lat1))) for i in range(400)])
    r = assess(helsinki, st, hh, minutes=6)
    g = _oracle(helsinki, r.station_snap, r.household_snap)
    sources = [("spt", i) for i in np.flatnonzero(r.station_snap.on_network)]
    dist = nx.multi_source_dijkstra_path_length(g, sources, weight="w")
    got = r.households["walk_m"].to_numpy()
    on = r.household_snap.on_network
    for i in range(len(hh)):
        if on[i]:
            assert got[i] == pytest.approx(dist[("hpt", i)], abs=0.011), i
        else:
            assert np.isnan(got[i])
    # how many stations within the threshold, per household and per station
    limit = r.params["threshold_m"]
    per_station = {
        s: nx.single_source_dijkstra_path_length(g, s, cutoff=limit + 1e-7, weight="w") for s in sources
    }
    n_within = np.zeros(len(hh), dtype=int)
    for s, d in per_station.items():
        hs = [k[1] for k in d if k[0] == "hpt"]
        n_within[hs] += 1
        assert r.stations.loc[s[1], "households_within"] == len(hs)
    np.testing.assert_array_equal(r.households["n_stations_within"].to_numpy(), n_within)


def test_nearest_station_is_nearest(helsinki):
    rng = np.random.default_rng(3)
    lon0, lat0, lon1, lat1 = helsinki.bounds_lonlat
    st = pts([(f"s{i}", (rng.uniform(lon0, lon1), rng.uniform(lat0, lat1))) for i in range(5)])
    hh = pts([(f"h{i}", (rng.uniform(lon0, lon1), rng.uniform(lat0, lat1))) for i in range(200)])
    r = assess(helsinki, st, hh)
    g = _oracle(helsinki, r.station_snap, r.household_snap)
    for i in range(0, 200, 17):
        if not r.household_snap.on_network[i]:
            continue
        d = nx.single_source_dijkstra_path_length(g, ("hpt", i), weight="w")
        best = min((d.get(("spt", s), np.inf), s) for s in range(5))
        assert r.households.loc[i, "walk_m"] == pytest.approx(best[0], abs=0.011)
        assert r.households.loc[i, "station_id"] == f"s{best[1]}"


@pytest.mark.parametrize("shape", ["ring", "lollipop", "parallel"])
def test_oracle_on_awkward_topologies(shape):
    """Pure cycles, loop chains and parallel segments against the oracle."""
    from coverage.network import from_arrays

    k = 12
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    lon = list(LON0 + 0.003 * np.cos(ang))
    lat = list(LAT0 + 0.002 * np.sin(ang))
    u = list(range(k))
    v = [(i + 1) % k for i in range(k)]
    if shape == "lollipop":  # a stick from node 0 out to a chain of 3 nodes
        lon += [LON0 + 0.004, LON0 + 0.005, LON0 + 0.006]
        lat += [LAT0, LAT0, LAT0]
        u += [0, k, k + 1]
        v += [k, k + 1, k + 2]
    if shape == "parallel":  # a second segment between nodes 2 and 3
        u += [2]
        v += [3]
    net = from_arrays(np.arange(len(lon)), lon, lat, u, v)
    rng = np.random.default_rng(5)
    st = pts(
        [(f"s{i}", (LON0 + rng.uniform(-0.004, 0.006), LAT0 + rng.uniform(-0.003, 0.003))) for i in range(3)]
    )
    hh = pts(
        [(f"h{i}", (LON0 + rng.uniform(-0.004, 0.006), LAT0 + rng.uniform(-0.003, 0.003))) for i in range(80)]
    )
    r = assess(net, st, hh, minutes=3)
    g = _oracle(net, r.station_snap, r.household_snap)
    sources = [("spt", i) for i in np.flatnonzero(r.station_snap.on_network)]
    dist = nx.multi_source_dijkstra_path_length(g, sources, weight="w")
    for i in np.flatnonzero(r.household_snap.on_network):
        assert r.households.loc[i, "walk_m"] == pytest.approx(dist[("hpt", i)], abs=0.011)
    limit = r.params["threshold_m"]
    n_within = np.zeros(len(hh), dtype=int)
    for s in sources:
        d = nx.single_source_dijkstra_path_length(g, s, cutoff=limit + 1e-7, weight="w")
        n_within[[key[1] for key in d if key[0] == "hpt"]] += 1
    np.testing.assert_array_equal(r.households["n_stations_within"].to_numpy(), n_within)
