"""The wheelchair (step-free) profile: never over steps, wheelchair=no, steep inclines or raised kerbs.

Checked on a hand-made toy graph and on Harbin centre against an independent
router: networkx Dijkstra on the segments left once the flagged ones are
dropped, with the points snapped by brute force (shapely) to the nearest
usable ground segment.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from helpers import LAT0, LON0, M_PER_STEP, STEP, shared_osm

from coverage import assess, load_network, settings
from coverage.network import from_arrays
from coverage.osm import EDGE_FLAGS, FLAG_KERB, FLAG_NO_WHEELCHAIR, FLAG_STEEP, FLAG_STEPS, way_flags

AVOID = FLAG_STEPS | FLAG_NO_WHEELCHAIR | FLAG_STEEP | FLAG_KERB


def _pts(ids, lonlat):
    return gpd.GeoDataFrame({"id": ids}, geometry=gpd.points_from_xy(*np.array(lonlat).T), crs=4326)


def _square(flag):
    """A 1 x 1 step square: station at node 0, home at node 1; the short side 0-1 carries ``flag``,
    the detour runs 0-2-3-1 (three sides)."""
    lon = [LON0, LON0, LON0 + STEP * 1.5, LON0 + STEP * 1.5]
    lat = [LAT0, LAT0 + STEP, LAT0, LAT0 + STEP]
    return from_arrays(np.arange(4), lon, lat, [0, 0, 2, 3], [1, 2, 3, 1], edge_flags=[flag, 0, 0, 0])


@pytest.mark.parametrize("flag", [FLAG_STEPS, FLAG_NO_WHEELCHAIR, FLAG_STEEP, FLAG_KERB])
def test_toy_detour_around_each_barrier(flag):
    net = _square(flag)
    st = _pts(["s"], [(LON0, LAT0)])
    hh = _pts(["h"], [(LON0, LAT0 + STEP)])
    adult = assess(net, st, hh, minutes=60)
    wheel = assess(net, st, hh, minutes=60, profile="wheelchair")
    assert adult.households["walk_m"].iloc[0] == pytest.approx(M_PER_STEP, abs=0.05)
    detour = net.edge_length_m[1:].sum()
    assert wheel.households["walk_m"].iloc[0] == pytest.approx(detour, abs=0.05)
    assert wheel.network.n_edges == 3 and not (wheel.network.edge_flags & AVOID).any()
    assert wheel.summary.speed_kph == settings.SPEED_PROFILES_KPH["wheelchair"]
    # the same answer from the adult run's what-if (sharing its snapping), and back again
    again = adult.what_if(profile="wheelchair")
    assert again.households["walk_m"].iloc[0] == wheel.households["walk_m"].iloc[0]
    assert again.what_if(profile="adult").households["walk_m"].iloc[0] == adult.households["walk_m"].iloc[0]


def test_toy_home_beside_the_steps_goes_to_a_usable_street():
    """A home whose nearest segment is the flight of steps is snapped to the nearest usable one."""
    net = _square(FLAG_STEPS)
    st = _pts(["s"], [(LON0, LAT0)])
    hh = _pts(
        ["h"], [(LON0 + STEP * 0.1, LAT0 + STEP * 0.5)]
    )  # 7 m from the steps, 56 m from the other sides
    wheel = assess(net, st, hh, minutes=60, profile="wheelchair")
    h = wheel.household_snap
    assert not (wheel.network.edge_flags[h.edge] & AVOID).any()
    assert h.access_m[0] > 7.5


def test_flags_from_tags():
    assert way_flags({"highway": "steps"}) & FLAG_STEPS
    assert way_flags({"highway": "footway", "wheelchair": "no"}) & FLAG_NO_WHEELCHAIR
    assert way_flags({"highway": "footway", "incline": "8%"}) & FLAG_STEEP
    assert way_flags({"highway": "footway", "incline": "4°"}) & FLAG_STEEP  # tan(4°) = 7.0%
    assert not way_flags({"highway": "footway", "incline": "5%"}) & FLAG_STEEP
    assert not way_flags({"highway": "footway", "incline": "up"}) & FLAG_STEEP


def test_unknown_profile_is_one_line():
    from coverage import CoverageInputError

    with pytest.raises(CoverageInputError, match="Unknown speed profile 'chair'; use one of: adult, elderly"):
        assess(_square(0), _pts(["s"], [(LON0, LAT0)]), _pts(["h"], [(LON0, LAT0)]), profile="chair")


def _oracle(net, st_lonlat, hh_lonlat, max_snap_m):
    """Walks to the nearest station over the unflagged segments (largest piece), networkx and shapely only."""
    from coverage.locate import project

    ok = (net.edge_flags & AVOID) == 0
    g = nx.Graph()
    L = net.edge_length_m
    for e in np.flatnonzero(ok)[np.argsort(-L[ok])]:  # parallel segments: the shorter written last wins
        g.add_edge(int(net.edge_u[e]), int(net.edge_v[e]), w=float(L[e]))
    main = max(nx.connected_components(g), key=len)
    usable = np.flatnonzero(ok & np.isin(net.edge_u, list(main)) & net.ground)
    xy = net.xy
    segs = shapely.linestrings(np.stack([xy[net.edge_u[usable]], xy[net.edge_v[usable]]], axis=1))
    tree = shapely.STRtree(segs)

    def snap(lonlat):
        x, y = project(net, *np.asarray(lonlat, dtype=float).T)
        p = shapely.points(x, y)
        k, dist = tree.query_nearest(p, return_distance=True, all_matches=False)
        k = k[1]
        e = usable[k]
        along = shapely.line_locate_point(segs[k], p)
        frac = along / np.maximum(shapely.length(segs[k]), 1e-12)
        return e, frac * L[e], dist

    se, sa, sd = snap(st_lonlat)
    keep = sd <= max_snap_m
    for i in np.flatnonzero(keep):
        u, v = int(net.edge_u[se[i]]), int(net.edge_v[se[i]])
        g.add_edge(("s", i), u, w=sa[i] + sd[i])
        g.add_edge(("s", i), v, w=L[se[i]] - sa[i] + sd[i])
    d = nx.multi_source_dijkstra_path_length(g, [("s", i) for i in np.flatnonzero(keep)], weight="w")
    he, ha, hd = snap(hh_lonlat)
    out = np.full(len(he), np.nan)
    for i in range(len(he)):
        if hd[i] > max_snap_m:
            continue
        e = he[i]
        u, v = int(net.edge_u[e]), int(net.edge_v[e])
        w = min(d.get(u, np.inf) + ha[i], d.get(v, np.inf) + L[e] - ha[i])
        for j in np.flatnonzero(keep & (se == e)):
            w = min(w, abs(ha[i] - sa[j]) + sd[j])
        out[i] = hd[i] + w
    return out


def test_harbin_never_uses_steps():
    from coverage.osm import place_nodes, residential_buildings

    p = shared_osm("harbin-central.osm.pbf")
    net = load_network(p)
    steps = np.flatnonzero(net.edge_flags & FLAG_STEPS)
    assert steps.size >= 30  # 36 segments of highway=steps in the extract
    st = place_nodes(p)
    hh = residential_buildings(p)
    rng = np.random.default_rng(7)
    sample = hh.iloc[rng.choice(len(hh), size=150, replace=False)]
    # and homes 3 m beside the middle of every flight of steps: their nearest segment is the steps
    a, b = net.xy[net.edge_u[steps]], net.xy[net.edge_v[steps]]
    mid, dv = (a + b) / 2, b - a
    normal = np.column_stack([-dv[:, 1], dv[:, 0]]) / np.hypot(dv[:, 0], dv[:, 1])[:, None]
    beside = gpd.GeoSeries(gpd.points_from_xy(*(mid + 3.0 * normal).T), crs=net.crs).to_crs(4326)
    pts = gpd.GeoDataFrame(
        {"id": [f"b{i}" for i in range(len(hh))][: len(sample)] + [f"s{i}" for i in range(len(beside))]},
        geometry=list(sample.geometry.representative_point()) + list(beside),
        crs=4326,
    )
    r = assess(net, st, pts, minutes=60, profile="wheelchair")
    w = r.network
    assert w.base is net and not (w.edge_flags & AVOID).any()
    used = r.household_snap.edge[r.household_snap.on_network]
    assert not (w.edge_flags[used] & AVOID).any()
    lonlat = np.column_stack([pts.geometry.x, pts.geometry.y])
    sl = np.column_stack([st.geometry.x, st.geometry.y])
    want = _oracle(net, sl, lonlat, settings.max_snap_m)
    got = r.households["walk_m"].to_numpy(dtype=float)
    assert np.isfinite(got).sum() > 150
    np.testing.assert_allclose(got, want, atol=0.02, equal_nan=True)
    # the steps matter (an adult takes them), and the adult run's what-if (sharing its snaps) gives the same
    # walks
    adult = assess(net, st, pts, minutes=60)
    assert (np.abs(adult.households["walk_m"].to_numpy() - got) > 1)[np.isfinite(got)].sum() > 10
    np.testing.assert_allclose(
        adult.what_if(profile="wheelchair").households["walk_m"].to_numpy(dtype=float),
        got,
        atol=1e-6,
        equal_nan=True,
    )
    assert {EDGE_FLAGS[k] for k in settings.PROFILE_AVOID["wheelchair"]} == {
        FLAG_STEPS,
        FLAG_NO_WHEELCHAIR,
        FLAG_STEEP,
        FLAG_KERB,
    }
