"""The fast nearest-segment raster (block-wise candidates) against the plain one (every cell snapped).

Oracle: ``raster._build_reference``, which snaps every cell centre with :func:`coverage.snapping.snap_points`
exactly as a household is snapped (itself checked against shapely in test_reach.py). The two must agree
bit for bit: the same cells, chains, positions and access walks.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import REPO

from coverage import raster
from coverage.network import FLAG_BRIDGE, from_arrays, load_network
from coverage.snapping import segment_index, snap_points

FIELDS = ("x0", "y0", "cell_m", "nx", "ny", "max_snap_m", "cell", "pos_m", "access_m", "chain_ptr")


def assert_same(a: raster.SnapRaster, b: raster.SnapRaster) -> None:
    for f in FIELDS:
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        assert x.dtype == y.dtype, f
        assert np.array_equal(x, y), f


@pytest.fixture(scope="module")
def hongqi():
    return load_network(REPO / "data" / "harbin-xiangfang-hongqi.osm.pbf", cache=False)


@pytest.mark.parametrize(("cell_m", "max_snap_m"), [(10.0, 300.0), (7.0, 45.0)])
def test_fast_raster_is_the_reference_on_harbin(hongqi, cell_m, max_snap_m):
    ref = raster._build_reference(hongqi, cell_m, max_snap_m)
    assert ref.cell.size > 200_000  # a real test: most of the grid is on the network
    assert_same(raster._build(hongqi, cell_m, max_snap_m), ref)


def _toy(seed: int, n: int = 12):
    """A jittered lattice with diagonals, a few bridges (not snapped to) and a zero-length segment."""
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(n * n), n)
    lon = 9.0 + 0.0009 * j + rng.normal(0, 0.0002, n * n)
    lat = 50.0 + 0.0006 * i + rng.normal(0, 0.0002, n * n)
    lon[5], lat[5] = lon[6], lat[6]  # nodes 5 and 6 coincide: segment 5-6 has length 0
    right = np.flatnonzero(j < n - 1)
    up = np.flatnonzero(i < n - 1)
    diag = np.flatnonzero((i < n - 1) & (j < n - 1) & (rng.random(n * n) < 0.3))
    u = np.concatenate([right, up, diag])
    v = np.concatenate([right + 1, up + n, diag + n + 1])
    flags = np.where(rng.random(u.size) < 0.1, FLAG_BRIDGE, 0)
    return from_arrays(np.arange(n * n), lon, lat, u, v, edge_flags=flags)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("cell_m", "max_snap_m"), [(10.0, 300.0), (13.0, 25.0), (4.0, 60.0)])
def test_fast_raster_is_the_reference_on_toys(seed, cell_m, max_snap_m):
    net = _toy(seed)
    assert (~net.ground).any()
    assert_same(raster._build(net, cell_m, max_snap_m), raster._build_reference(net, cell_m, max_snap_m))


@pytest.mark.parametrize("block", [1, 2, 3, 4, 5, 8])
def test_snap_grid_is_snap_points(block):
    """Any block size, a grid whose sides are not multiples of it, and a limit most cells miss."""
    net = _toy(2, n=6)
    x0, y0 = net.xy.min(axis=0) - 37.3
    nx, ny, cell_m, max_snap_m = 61, 47, 9.5, 35.0
    cell, edge, along, access = segment_index(net).snap_grid(x0, y0, cell_m, nx, ny, max_snap_m, block=block)
    row, col = np.divmod(np.arange(nx * ny), nx)
    s = snap_points(net, x0 + (col + 0.5) * cell_m, y0 + (row + 0.5) * cell_m, max_snap_m=max_snap_m)
    on = np.flatnonzero(s.on_network)
    assert 0 < on.size < nx * ny
    assert np.array_equal(cell, on)
    assert np.array_equal(edge, s.edge[on])
    assert np.array_equal(along, s.along_m[on])
    assert np.array_equal(access, s.access_m[on])


def test_snap_grid_smaller_than_a_block():
    net = from_arrays([1, 2], [9.0, 9.0001], [50.0, 50.0], [0], [1])
    lo, nx, ny = raster._grid(net, 10.0, 12.0)
    assert nx < 8 and ny < 8
    assert_same(raster._build(net, 10.0, 12.0), raster._build_reference(net, 10.0, 12.0))
