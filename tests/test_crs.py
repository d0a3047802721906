"""GCJ-02 / BD-09 conversions."""

import numpy as np
import pytest

from coverage.crs import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02

# (wgs lat, wgs lon, gcj lat, gcj lon): published reference pairs (eviltransform's tests)
PAIRS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PAIRS)
def test_gcj02_reference_pairs(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert (lon, lat) == pytest.approx((glon, glat), abs=1e-9)
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert (lon, lat) == pytest.approx((wlon, wlat), abs=1e-9)


def test_roundtrip_and_size_of_offset():
    rng = np.random.default_rng(0)
    lon = rng.uniform(75, 134, 1000)
    lat = rng.uniform(18, 53, 1000)
    for fwd, back in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        olon, olat = fwd(lon, lat)
        blon, blat = back(olon, olat)
        np.testing.assert_allclose(blon, lon, rtol=0, atol=1e-9)
        np.testing.assert_allclose(blat, lat, rtol=0, atol=1e-9)
    # GCJ-02 moves points by hundreds of metres inside China
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift_m = np.hypot((glon - lon) * 111_000 * np.cos(np.radians(lat)), (glat - lat) * 111_000)
    assert 50 < np.median(shift_m) < 1000


def test_outside_china_unchanged():
    lon, lat = wgs84_to_gcj02(24.94, 60.17)
    assert (lon, lat) == (24.94, 60.17)
