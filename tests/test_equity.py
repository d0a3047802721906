"""coverage.equity: PySAL inequality, brute force over pairs, repeated units, hand-computed toys, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage import CoverageInputError
from coverage.equity import concentration_index, gini, lorenz, palma, theil


def _sample(seed, n=200):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 1, n)
    x[rng.random(n) < 0.1] = 0.0  # households that reach nothing
    x[rng.random(n) < 0.1] = x[0]  # ties
    weights, ranks = rng.integers(0, 6, n).astype(float), rng.normal(size=n).round(1)  # ranks with ties
    return x, weights, ranks


def _brute_gini(x, w):
    """Mean absolute difference over all pairs of people / (2 mean), straight from the definition."""
    w = np.asarray(w, dtype=float)
    mu = np.dot(w, x) / w.sum()
    return (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * mu)


@pytest.mark.parametrize("seed", range(5))
def test_gini_theil_equal_pysal_inequality(seed):
    ineq_gini = pytest.importorskip("inequality.gini")
    ineq_theil = pytest.importorskip("inequality.theil")
    x, _, _ = _sample(seed)
    assert gini(x) == pytest.approx(ineq_gini.Gini(x).g, rel=1e-9, abs=1e-12)
    assert theil(x) == pytest.approx(float(ineq_theil.Theil(x).T), rel=1e-9, abs=1e-12)
    y = x + 1  # no zeros
    assert theil(y) == pytest.approx(float(ineq_theil.Theil(y).T), rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_gini_brute_force(seed):
    x, w, _ = _sample(seed, n=120)
    assert gini(x) == pytest.approx(_brute_gini(x, np.ones_like(x)), rel=1e-9)
    assert gini(x, w) == pytest.approx(_brute_gini(x, w), rel=1e-9)
    w_real = w + np.random.default_rng(seed).random(w.size)  # non-integer weights too
    assert gini(x, w_real) == pytest.approx(_brute_gini(x, w_real), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 4), st.integers(-3, 3)), min_size=1, max_size=30
    )
)
def test_integer_weights_equal_repeated_units(data):
    x = np.array([d[0] for d in data], dtype=float)
    w = np.array([d[1] for d in data])
    r = np.array([d[2] for d in data], dtype=float)
    if w.sum() == 0:
        return
    xr, rr = np.repeat(x, w), np.repeat(r, w)
    for f in (gini, theil, palma):
        a, b = f(x, w), f(xr)
        assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)
    a, b = concentration_index(x, r, w), concentration_index(xr, rr)
    assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)
    a, b = palma(x, w, rank_by=r), palma(xr, rank_by=rr)
    assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)
    # order of the input never matters (ties are pooled)
    perm = np.random.default_rng(len(data)).permutation(x.size)
    a, b = concentration_index(x, r, w), concentration_index(x[perm], r[perm], w[perm])
    assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)


def test_theil_brute_force_and_bounds():
    x, w, _ = _sample(3)
    keep = w > 0
    p = w[keep] / w[keep].sum()
    s = x[keep] / np.dot(p, x[keep])
    brute = sum(pi * si * np.log(si) for pi, si in zip(p, s, strict=True) if si > 0)
    assert theil(x, w) == pytest.approx(brute, rel=1e-9)
    assert theil([0, 0, 0, 5]) == pytest.approx(np.log(4), rel=1e-12)  # one has everything: ln N
    assert theil([2, 2, 2]) == 0 and gini([2, 2, 2]) == 0


def test_lorenz_curve():
    x, w, r = _sample(1)
    pop, val = lorenz(x, w)
    assert (pop[0], val[0]) == (0.0, 0.0) and (pop[-1], val[-1]) == (1.0, 1.0)
    assert (np.diff(pop) > 0).all() and (np.diff(val) >= 0).all()
    slope = np.diff(val) / np.diff(pop)
    assert (np.diff(slope) >= -1e-9).all()  # convex: sorted by value
    assert (val <= pop + 1e-12).all()
    # the Gini is one minus twice the area under the curve
    area = np.sum(np.diff(pop) * (val[1:] + val[:-1]) / 2)
    assert gini(x, w) == pytest.approx(1 - 2 * area, rel=1e-9)
    # the concentration curve (rank_by) may cross the diagonal; its area gives the concentration index
    pc, vc = lorenz(x, w, rank_by=r)
    assert pc[-1] == vc[-1] == 1.0 and (np.diff(vc) >= 0).all()
    area_c = np.sum(np.diff(pc) * (vc[1:] + vc[:-1]) / 2)
    assert concentration_index(x, r, w) == pytest.approx(1 - 2 * area_c, rel=1e-9)
    p3, v3 = lorenz([1, 1, 2])  # ties pooled: one point per distinct value
    np.testing.assert_allclose(p3, [0, 2 / 3, 1])
    np.testing.assert_allclose(v3, [0, 0.5, 1])


def test_palma_hand_computed():
    # 1..10, one person each: the top 10% hold 10/55, the bottom 40% 1+2+3+4 = 10/55
    assert palma(np.arange(1, 11)) == pytest.approx(1.0)
    # two people of 1 and 3 (mean 2): the bottom 40% is 0.4 of the first person (0.4 * 1 / 2 = 0.2 of the
    # total), the top 10% is 0.1 of the second (0.1 * 3 / 2 = 0.15): the straddling unit is split
    assert palma([1, 3]) == pytest.approx(0.15 / 0.2)
    assert palma([3, 1], weights=[1, 1]) == pytest.approx(0.75)
    assert palma([5] * 7) == pytest.approx(0.25)  # equal shares: 10% / 40%
    assert palma([0, 0, 0, 0, 1, 1, 1, 1, 1, 11]) == np.inf
    # ranked by income instead: the richest tenth has value 1, the poorest four tenths 4 + 3 + 2 + 1
    assert palma([4, 3, 2, 1, 5, 5, 5, 5, 5, 1], rank_by=np.arange(10)) == pytest.approx(1 / 10)
    # weights straddle: people 0-39% have 1 (unit A, weight 4), 40-100% have 2 (unit B, weight 6)
    assert palma([1, 2], weights=[4, 6]) == pytest.approx((0.1 * 2) / (0.4 * 1))


def test_concentration_index_hand_computed():
    assert concentration_index([4, 3, 2, 1], rank_by=[1, 2, 3, 4]) == pytest.approx(-0.25)  # pro-poor
    assert concentration_index([1, 2, 3, 4], rank_by=[1, 2, 3, 4]) == pytest.approx(gini([1, 2, 3, 4]))
    assert concentration_index([3, 3, 3], rank_by=[1, 2, 3]) == pytest.approx(0.0)
    # ties in rank_by share the mid-point rank: ranks 1/3, 1/3, 5/6, mean 2, cov 1/6 -> C = 2 (1/6) / 2
    assert concentration_index([1, 2, 3], rank_by=[1, 1, 2]) == pytest.approx(1 / 6)
    assert concentration_index([2, 1, 3], rank_by=[1, 1, 2]) == pytest.approx(1 / 6)
    x, w, r = _sample(4)
    assert concentration_index(x, x, w) == pytest.approx(gini(x, w), rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_concentration_index_equals_ipea_formula_without_ties(seed):
    """ipea accessibility::concentration_index(type = "CI"), its formula written out (distinct incomes)."""
    rng = np.random.default_rng(seed)
    n = 50
    access, pop = rng.uniform(0, 100, n), rng.integers(1, 500, n).astype(float)
    income = rng.permutation(n) * 1.0
    order = np.argsort(income)
    a, p = access[order], pop[order]
    share = p / p.sum()
    weighted_rank = np.concatenate([[0], np.cumsum(share)[:-1]]) + share / 2
    avg = np.dot(share, a)
    ci = 2 * np.sum(share * (a - avg) * (weighted_rank - weighted_rank.mean()) / avg)
    assert concentration_index(access, income, pop) == pytest.approx(ci, rel=1e-9)


def test_series_alignment_and_zero_weights():
    x = pd.Series([1.0, 5.0, 2.0], index=["a", "b", "c"])
    w = pd.Series([2.0, 0.0, 1.0], index=["c", "b", "a"])  # aligned by label; b has weight 0 and drops out
    assert gini(x, w) == pytest.approx(gini([1.0, 2.0, 2.0]))
    r = pd.Series({"c": 1.0, "a": 3.0, "b": 2.0})
    expected = concentration_index([1.0, 2.0], [3.0, 1.0], [1.0, 2.0])
    assert concentration_index(x, r, w) == pytest.approx(expected)


def test_degenerate_inputs():
    assert gini([7.0]) == 0 and theil([7.0]) == 0
    for f in (gini, theil, palma):
        assert np.isnan(f([0.0, 0.0, 0.0]))  # mean 0: undefined
    assert np.isnan(concentration_index([0, 0], [1, 2]))
    pop, val = lorenz([0, 0])
    assert pop.tolist() == [0.0, 1.0] and val[0] == 0 and np.isnan(val[-1])
    assert gini(np.column_stack([[1.0, 2.0, 3.0]])) == pytest.approx(gini([1, 2, 3]))  # a column vector


def test_equity_errors():
    with pytest.raises(CoverageInputError, match="values is empty"):
        gini([])
    with pytest.raises(CoverageInputError, match=r"NaN/missing entries at positions \[1\]; drop those units"):
        gini([1.0, np.nan, 2.0])
    with pytest.raises(CoverageInputError, match=r"NaN/missing entries at labels \['b'\]"):
        theil(pd.Series([1.0, None], index=["a", "b"]))
    with pytest.raises(CoverageInputError, match=r"negative at positions \[0\] \(e.g. -1\)"):
        palma([-1.0, 2.0])
    with pytest.raises(CoverageInputError, match="infinite at positions"):
        lorenz([1.0, np.inf])
    with pytest.raises(CoverageInputError, match="weights has 1 values but values has 2"):
        gini([1.0, 2.0], weights=[1.0])
    with pytest.raises(CoverageInputError, match=r"weights must be finite and >= 0 .* at positions \[1\]"):
        gini([1.0, 2.0], weights=[1.0, -1.0])
    with pytest.raises(CoverageInputError, match="weights are all 0"):
        theil([1.0, 2.0], weights=[0, 0])
    with pytest.raises(CoverageInputError, match=r"rank_by must be finite; .* at positions \[0\]"):
        concentration_index([1.0, 2.0], [np.nan, 1.0])
    with pytest.raises(CoverageInputError, match="1-D"):
        gini(np.ones((2, 2)))
    with pytest.raises(CoverageInputError, match="values must be numbers"):
        gini(["high", "low"])
    with pytest.raises(CoverageInputError, match=r"weights has no value for the values' labels \['b'\]"):
        gini(pd.Series([1.0, 2.0], index=["a", "b"]), pd.Series({"a": 1.0}))
