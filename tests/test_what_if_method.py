"""What-if: the same answers as a fresh analysis, without rebuilding anything."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from coverage import CoverageInputError, assess


@pytest.fixture(scope="module")
def base(helsinki, demo_data):
    _, st, hh = demo_data
    return assess(helsinki, st.iloc[:4], hh, minutes=5, weight="households")


def _same(a, b):
    np.testing.assert_allclose(a.households["walk_m"], b.households["walk_m"], equal_nan=True)
    np.testing.assert_array_equal(a.households["n_stations_within"], b.households["n_stations_within"])
    assert list(a.households["status"].astype(str)) == list(b.households["status"].astype(str))
    assert a.summary.weight_covered == pytest.approx(b.summary.weight_covered)


def test_add_station_equals_fresh(base, helsinki, demo_data):
    _, st, hh = demo_data
    added = st.iloc[4:]
    w = base.what_if(add_stations=added)
    _same(w, assess(helsinki, st, hh, minutes=5, weight="households"))
    assert w.summary.weight_covered >= base.summary.weight_covered


def test_remove_station_equals_fresh(base, helsinki, demo_data):
    _, st, hh = demo_data
    gone = str(st["id"].iloc[1])
    w = base.what_if(remove_stations=[gone])
    _same(w, assess(helsinki, st.iloc[[0, 2, 3]], hh, minutes=5, weight="households"))


@pytest.mark.parametrize(
    ("kw", "fresh"),
    [({"minutes": 10}, {"minutes": 10}), ({"profile": "elderly"}, {"minutes": 5, "profile": "elderly"})],
)
def test_minutes_and_speed(base, helsinki, demo_data, kw, fresh):
    _, st, hh = demo_data
    _same(base.what_if(**kw), assess(helsinki, st.iloc[:4], hh, weight="households", **fresh))


def test_new_point_as_station(base):
    pt = gpd.GeoDataFrame({"id": ["new"]}, geometry=gpd.points_from_xy([24.945], [60.170]), crs=4326)
    w = base.what_if(add_stations=pt)
    assert "new" in set(w.stations["id"].astype(str))
    with pytest.raises(CoverageInputError, match="reuse existing ids"):
        w.what_if(add_stations=pt)
    with pytest.raises(CoverageInputError, match="no station with id"):
        base.what_if(remove_stations=["nope"])
