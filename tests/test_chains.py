"""The vectorised chain decomposition equals the walk it replaces, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import LAT0, LON0

from coverage.network import from_arrays
from coverage.topology import _build_chains_walk, build_chains


def _same(net):
    a, b = build_chains(net), _build_chains_walk(net)
    for f in a.__dataclass_fields__:
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype and np.array_equal(x, y), f


def _net(xy, u, v, **kw):
    xy = np.asarray(xy, dtype=float)
    return from_arrays(np.arange(len(xy)), LON0 + xy[:, 0] * 1e-3, LAT0 + xy[:, 1] * 1e-3, u, v, **kw)


@pytest.mark.parametrize(
    ("xy", "u", "v", "retain_all"),
    [
        # a ring of degree-two nodes only (the walk's fallback)
        ([(0, 0), (1, 0), (1, 1), (0, 1)], [0, 1, 2, 3], [1, 2, 3, 0], False),
        # a ring with a tail, a parallel segment and a shape node on one side
        ([(0, 0), (1, 0), (1, 1), (0, 1), (2, 0)], [0, 1, 2, 3, 1, 1], [1, 2, 3, 0, 4, 2], False),
        # a loop back to its own junction through shape nodes, and segments drawn both ways
        (
            [(0, 0), (1, 0), (1, 1), (0, 1), (-1, 0), (2, 0)],
            [0, 1, 2, 3, 4, 5],
            [1, 2, 3, 0, 0, 1],
            False,
        ),
        # two pieces kept (retain_all), one of them a pure ring
        (
            [(0, 0), (1, 0), (2, 0), (1, 1), (5, 5), (6, 5), (6, 6)],
            [0, 1, 1, 4, 5, 6],
            [1, 2, 3, 5, 6, 4],
            True,
        ),
    ],
)
def test_toys(xy, u, v, retain_all):
    _same(_net(xy, u, v, retain_all=retain_all))


def test_real_networks_and_their_edits():
    import geopandas as gpd
    import shapely

    from coverage import load_network
    from coverage.demo import demo_inputs
    from coverage.edits import edit_network

    net = load_network(demo_inputs("hongqi")[0])
    _same(net)
    lon0, lat0 = np.median(net.lon), np.median(net.lat)
    path = shapely.LineString([(lon0 - 0.004, lat0 - 0.003), (lon0 + 0.004, lat0 + 0.003)])
    _same(edit_network(net, add_paths=gpd.GeoDataFrame(geometry=[path], crs=4326)))
    _same(edit_network(net, close_ways=[int(w) for w in np.unique(net.edge_way[net.edge_way > 0])[::7]]))
    rng = np.random.default_rng(0)  # random graphs: many loops, parallels and shape nodes
    for _ in range(20):
        n = 30
        xy = rng.uniform(0, 3, (n, 2))
        u, v = rng.integers(0, n, 40), rng.integers(0, n, 40)
        _same(_net(xy, u, v, retain_all=True))
