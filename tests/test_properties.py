"""Monotonicity: more stations or more minutes never lower coverage."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coverage import assess

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(
    subset=st.lists(st.integers(0, 5), min_size=1, max_size=6, unique=True),
    extra=st.integers(0, 5),
    minutes=st.floats(1.0, 12.0),
)
def test_adding_a_station_never_lowers_coverage(helsinki, demo_data, subset, extra, minutes):
    _, stations, households = demo_data
    base = stations.iloc[sorted(subset)]
    more = stations.iloc[sorted(set(subset) | {extra})]
    a = assess(helsinki, base, households, minutes=minutes)
    b = assess(helsinki, more, households, minutes=minutes)
    assert b.summary.n_covered >= a.summary.n_covered
    assert (b.households["walk_m"].to_numpy() <= a.households["walk_m"].to_numpy() + 1e-9).all()
    assert (
        b.households["n_stations_within"].to_numpy() >= a.households["n_stations_within"].to_numpy()
    ).all()


@SETTINGS
@given(m1=st.floats(0.5, 20.0), dm=st.floats(0.0, 10.0), speed=st.floats(2.0, 6.0))
def test_more_minutes_never_lowers_coverage(helsinki, demo_data, m1, dm, speed):
    _, stations, households = demo_data
    a = assess(helsinki, stations, households, minutes=m1, speed_kph=speed)
    b = assess(helsinki, stations, households, minutes=m1 + dm, speed_kph=speed)
    assert b.summary.n_covered >= a.summary.n_covered
    assert np.all(b.households["covered"].to_numpy() >= a.households["covered"].to_numpy())


def test_results_are_deterministic(helsinki, demo_data):
    from coverage import suggest_sites

    _, stations, households = demo_data
    a = assess(helsinki, stations, households, minutes=5)
    b = assess(helsinki, stations, households, minutes=5)
    assert a.households.drop(columns="geometry").equals(b.households.drop(columns="geometry"))
    sa, sb = suggest_sites(a, k=3), suggest_sites(b, k=3)
    assert list(sa.sites["id"]) == list(sb.sites["id"])
