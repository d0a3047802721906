"""coverage.accessibility and coverage._costs against PySAL access, published cases and hand-computed toys.

Oracles:
* PySAL access 1.1.10 (``access.fca.two_stage_fca``, ``three_stage_fca``, ``weighted_catchment``) run
  live on random matrices (dense with infs, sparse with stored zeros, labelled DataFrames), to 1e-9;
* PySAL access's own published cases (tests/data/pysal_access_*.csv);
* ipea's ``accessibility`` published 2SFCA / BFCA values (tests/data/ipea_accessibility_*.csv);
* loop-by-loop implementations of the published formulas, written here from the papers;
* hand-computed toys with exact fractions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from coverage import CoverageInputError
from coverage._costs import cost_pairs
from coverage.accessibility import (
    FCAResult,
    Step,
    balanced_fca,
    gaussian,
    gravity_access,
    power,
    step,
    three_step_fca,
    two_step_fca,
)

# PySAL access 1.1.10 under pandas 3 warns about its own ``inplace=True``
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")

DATA = Path(__file__).resolve().parent / "data"
RTOL = 1e-9


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, comment="#")


def _close(a, b, rtol=RTOL):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=1e-15)


# ------------------------------------------------------------------ random instances
def _dense(seed, n=25, m=7, p_inf=0.3):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 40, (n, m)).round(1)
    cost[rng.random((n, m)) < p_inf] = np.inf
    cost[rng.random((n, m)) < 0.05] = np.nan
    demand = rng.integers(1, 200, n).astype(float)
    supply = rng.integers(1, 6, m).astype(float)
    return cost, demand, supply


def _long(cost):
    """Every finite pair as PySAL's long cost table (origin = demand row, dest = supply column)."""
    p = cost_pairs(cost)
    rows = p.rows if p.row_labels is None else p.row_labels[p.rows]
    cols = p.cols if p.col_labels is None else p.col_labels[p.cols]
    return pd.DataFrame({"origin": np.asarray(rows), "dest": np.asarray(cols), "cost": p.cost})


def _pysal_frames(cost, demand, supply):
    n, m = cost.shape
    rows = cost.index if isinstance(cost, pd.DataFrame) else np.arange(n)
    cols = cost.columns if isinstance(cost, pd.DataFrame) else np.arange(m)
    demand_df = pd.DataFrame({"geoid": np.asarray(rows), "demand": np.asarray(demand, dtype=float)})
    supply_df = pd.DataFrame(
        {"supply": np.asarray(supply, dtype=float)}, index=pd.Index(np.asarray(cols), name="geoid")
    )
    return demand_df, supply_df, _long(cost), rows


DECAYS = {
    "none": (None, None),
    "step": ({10: 1.0, 20: 0.68, 30: 0.22}, "step"),
    "gaussian": (gaussian(12.0), "gaussian"),
}


def _pysal_weight(kind):
    from access import weights

    if kind == "step":
        return weights.step_fn({10: 1.0, 20: 0.68, 30: 0.22})
    if kind == "gaussian":
        return weights.gaussian(12.0)
    return None


def _as_input(form, cost):
    if form == "dense":
        return cost
    if form == "sparse":
        # missing = unreachable; store the zero costs explicitly (they are real costs)
        finite = np.isfinite(cost)
        r, c = np.nonzero(finite)
        return sparse.csr_matrix((cost[r, c], (r, c)), shape=cost.shape)
    n, m = cost.shape
    return pd.DataFrame(cost, index=[f"h{i}" for i in range(n)], columns=[f"s{j}" for j in range(m)])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("form", ["dense", "sparse", "frame"])
@pytest.mark.parametrize("kind", list(DECAYS))
def test_two_step_fca_equals_pysal(seed, form, kind):
    fca = pytest.importorskip("access.fca")
    cost, demand, supply = _dense(seed)
    cost[0, 0] = 0.0  # a zero cost is a real pair
    given = _as_input(form, cost)
    decay, _ = DECAYS[kind]
    demand_df, supply_df, cost_df, rows = _pysal_frames(given, demand, supply)
    ref = fca.two_stage_fca(demand_df, supply_df, cost_df, max_cost=25, weight_fn=_pysal_weight(kind))
    ours = two_step_fca(given, demand, supply, max_cost=25, decay=decay)
    expected = ref.reindex(rows).to_numpy(dtype=float)
    reach_nothing = np.isnan(expected)  # PySAL leaves rows without any pair NaN; they get 0 here
    got = np.asarray(ours.access, dtype=float)
    _close(got[~reach_nothing], expected[~reach_nothing])
    assert (got[reach_nothing] == 0).all()
    assert ours.method == ("E2SFCA" if kind == "step" else "2SFCA")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("form", ["dense", "sparse", "frame"])
@pytest.mark.parametrize("kind", ["step", "gaussian"])
def test_three_step_fca_equals_pysal(seed, form, kind):
    fca = pytest.importorskip("access.fca")
    cost, demand, supply = _dense(seed)
    given = _as_input(form, cost)
    decay, _ = DECAYS[kind]
    demand_df, supply_df, cost_df, rows = _pysal_frames(given, demand, supply)
    ref = fca.three_stage_fca(demand_df, supply_df, cost_df, max_cost=25, weight_fn=_pysal_weight(kind))
    ours = three_step_fca(given, demand, supply, max_cost=25, decay=decay)
    expected = ref.reindex(rows).to_numpy(dtype=float)
    nan = np.isnan(expected)
    got = np.asarray(ours.access, dtype=float)
    _close(got[~nan], expected[~nan])
    assert (got[nan] == 0).all()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("form", ["dense", "sparse", "frame"])
@pytest.mark.parametrize("kind", list(DECAYS))
def test_gravity_equals_pysal_weighted_catchment(seed, form, kind):
    fca = pytest.importorskip("access.fca")
    cost, demand, supply = _dense(seed)
    given = _as_input(form, cost)
    decay, _ = DECAYS[kind]
    _, supply_df, cost_df, rows = _pysal_frames(given, demand, supply)
    ref = fca.weighted_catchment(
        supply_df,
        cost_df,
        25,
        cost_source="dest",
        cost_dest="origin",
        loc_index=True,
        loc_value="supply",
        weight_fn=_pysal_weight(kind),
    )
    ours = gravity_access(given, supply, max_cost=25, decay=decay)
    expected = ref.reindex(rows).to_numpy(dtype=float)
    nan = np.isnan(expected)
    got = np.asarray(ours.access, dtype=float)
    _close(got[~nan], expected[~nan])
    assert (got[nan] == 0).all() and ours.ratio is None


def test_gravity_power_decay_equals_pysal_gravity_weights():
    fca = pytest.importorskip("access.fca")
    from access import weights

    cost, demand, supply = _dense(3)
    cost = cost + 1.0  # costs >= 1: the inverse power stays finite
    _, supply_df, cost_df, rows = _pysal_frames(cost, demand, supply)
    ref = fca.weighted_catchment(
        supply_df,
        cost_df,
        None,
        cost_source="dest",
        cost_dest="origin",
        loc_index=True,
        loc_value="supply",
        weight_fn=weights.gravity(scale=10, alpha=-1.5, min_dist=2),
    )
    ours = gravity_access(cost, supply, max_cost=None, decay=power(10, -1.5, min_cost=2))
    expected = ref.reindex(rows).to_numpy(dtype=float)
    ok = ~np.isnan(expected)
    _close(ours.access[ok], expected[ok])


# ------------------------------------------------------------------ PySAL access's own published cases
def test_pysal_hospital_example():
    """access/tests/test_hospital_example.py: four traffic scenarios, 2SFCA and 3SFCA with 1/cost weights."""
    tracts = _read("pysal_access_hospital_tracts.csv").set_index("geoid")
    costs = _read("pysal_access_hospital_costs.csv")
    expected = _read("pysal_access_hospital_expected.csv")
    for s, part in costs.groupby("scenario"):
        cost = part.pivot(index="origin", columns="dest", values="cost")
        r2 = two_step_fca(cost, tracts["pop"], tracts["doc"], max_cost=61, decay=power(1, -1))
        r3 = three_step_fca(cost, tracts["pop"], tracts["doc"], max_cost=61, decay=power(1, -1))
        exp = expected[expected.scenario == s].set_index("geoid")
        _close(r2.access.reindex(exp.index), exp["access_2sfca"])
        _close(r3.access.reindex(exp.index), exp["access_3sfca"])
        # and the reference formula of that test, written out: w = 1/c, 3SFCA weight G w with G = w / sum_k w
        inverse = lambda c: 1 / c  # noqa: E731
        loop2 = _loop_fca(cost, tracts["pop"], tracts["doc"], 61, inverse)
        loop3 = _loop_fca(cost, tracts["pop"], tracts["doc"], 61, inverse, three=True)
        _close(r2.access.reindex(exp.index), loop2.reindex(exp.index))
        _close(r3.access.reindex(exp.index), loop3.reindex(exp.index))
    # the test's qualitative checks: faster travel into the city raises the suburbs' access
    acc = expected.pivot(index="scenario", columns="geoid", values="access_2sfca")
    assert acc.loc[1, 1] > acc.loc[0, 1] and acc.loc[1, 3] < acc.loc[0, 3]
    assert acc.loc[2, 1] < acc.loc[0, 1] and acc.loc[2, 3] > acc.loc[0, 3]


def _grid():
    ids = np.arange(1, 26)
    xy = np.column_stack([(ids - 1) // 5, (ids - 1) % 5]).astype(float)
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return ids, cost


def _decay_from_text(text):
    if text == "none":
        return None
    kind, _, args = text.partition(":")
    if kind == "step":
        return {float(k): float(v) for k, v in (kv.split("=") for kv in args.split(";"))}
    scale, alpha = (float(a) for a in args.split(";"))
    return power(scale, alpha)


@pytest.mark.parametrize(
    "case",
    _read("pysal_access_grid_cases.csv").to_dict("records"),
    ids=lambda c: f"{c['test']}-{c['grid_id']}",
)
def test_pysal_grid_cases(case):
    """access/tests/test_floating_catchment_area.py and test_weighted_catchment.py on the 5 x 5 unit grid."""
    ids, grid = _grid()
    max_cost = None if pd.isna(case["max_cost"]) else float(case["max_cost"])
    decay = _decay_from_text(case["decay"])
    if case["measure"] == "gravity":
        r = gravity_access(grid, np.ones(25), max_cost=max_cost, decay=decay)
        row = 0 if pd.isna(case["grid_id"]) else int(case["grid_id"]) - 1
        assert r.access[row] == pytest.approx(case["expected"], rel=1e-8)
        return
    # demand 1 at five grid points (PySAL samples five at random; the expected value holds for any five)
    sample = [2, 8, 12, 19, 23]
    cost, demand = grid[sample], np.ones(5)
    fn = {"2sfca": two_step_fca, "e2sfca": two_step_fca, "3sfca": three_step_fca}[case["measure"]]
    r = fn(cost, demand, np.ones(25), max_cost=max_cost, decay=decay)
    _close(r.access, np.full(5, case["expected"]))


# ------------------------------------------------------------------ ipea accessibility
def _ipea_case():
    land = _read("ipea_accessibility_fca.csv").set_index("id")
    reach = _read("ipea_accessibility_reach45_inferred.csv")
    within = reach.pivot(index="from_id", columns="to_id", values="within_45").loc[land.index, land.index]
    cost = pd.DataFrame(np.where(within.to_numpy() == 1, 30.0, 60.0), index=land.index, columns=land.index)
    return land, cost


def test_ipea_weight_one_published():
    """ipea's test "accepts custom decay function": weight 1 on every pair gives 0.1222 everywhere."""
    land, cost = _ipea_case()
    r = two_step_fca(cost, land["population"], land["jobs"], max_cost=None)
    assert (r.access.round(4) == land["access_2sfca_weight1"]).all()
    _close(r.access, np.full(5, land["jobs"].sum() / land["population"].sum()))


def test_ipea_2sfca_and_bfca_published():
    """ipea's published decay_binary(45) 2SFCA and BFCA values, on the reach pattern inferred from them."""
    land, cost = _ipea_case()
    r2 = two_step_fca(cost, land["population"], land["jobs"], max_cost=45)
    rb = balanced_fca(cost, land["population"], land["jobs"], max_cost=45)
    assert (r2.access.round(4) == land["access_2sfca_binary45"]).all()
    assert (rb.access.round(4) == land["access_bfca_binary45"]).all()
    # ipea's binary decay weighs pairs beyond the cutoff 0 but keeps them: the same numbers
    rb2 = balanced_fca(cost, land["population"], land["jobs"], max_cost=None, decay={45: 1})
    _close(rb2.access, rb.access)


def test_bfca_hand_computed():
    """3 households x 2 stations, binary catchment of 15: every number by hand (fractions)."""
    cost = np.array([[5, 12], [8, np.inf], [np.inf, 3]])
    d, s = [100, 50, 80], [2, 1]
    r = balanced_fca(cost, d, s, max_cost=15)
    # row-normalised weights: h0 splits 1/2, 1/2; h1 and h2 give all to their only station
    # P0 = 100/2 + 50 = 100, P1 = 100/2 + 80 = 130; column-normalised weights are all 1/2
    _close(r.catchment_demand, [100, 130])
    _close(r.ratio, [2 / 100, 1 / 130])
    _close(r.access, [0.5 * 2 / 100 + 0.5 / 130, 0.5 * 2 / 100, 0.5 / 130])
    # the 2SFCA on the same data counts h0 in both catchments: P0 = 150, P1 = 180
    t = two_step_fca(cost, d, s, max_cost=15)
    _close(t.catchment_demand, [150, 180])
    _close(t.access, [2 / 150 + 1 / 180, 2 / 150, 1 / 180])
    # with a Gaussian decay (bandwidth 10), by the formula
    g = gaussian(10)
    w = {
        (0, 0): math.exp(-25 / 200),
        (0, 1): math.exp(-144 / 200),
        (1, 0): math.exp(-64 / 200),
        (2, 1): math.exp(-9 / 200),
    }
    wi = {(0, 0): w[0, 0] / (w[0, 0] + w[0, 1]), (0, 1): w[0, 1] / (w[0, 0] + w[0, 1]), (1, 0): 1, (2, 1): 1}
    wj = {
        (0, 0): w[0, 0] / (w[0, 0] + w[1, 0]),
        (1, 0): w[1, 0] / (w[0, 0] + w[1, 0]),
        (0, 1): w[0, 1] / (w[0, 1] + w[2, 1]),
        (2, 1): w[2, 1] / (w[0, 1] + w[2, 1]),
    }
    p0, p1 = 100 * wi[0, 0] + 50 * wi[1, 0], 100 * wi[0, 1] + 80 * wi[2, 1]
    r0, r1 = 2 / p0, 1 / p1
    rg = balanced_fca(cost, d, s, max_cost=15, decay=g)
    _close(rg.access, [r0 * wj[0, 0] + r1 * wj[0, 1], r0 * wj[1, 0], r1 * wj[2, 1]])


# ------------------------------------------------------------------ loop oracles of the published formulas
def _loop_fca(cost: pd.DataFrame, demand, supply, max_cost, w, *, three=False, balanced=False) -> pd.Series:
    """2SFCA / 3SFCA (PySAL's G over all finite pairs) / BFCA, pair by pair from the papers' formulas."""
    pairs = {(i, j): float(c) for i in cost.index for j in cost.columns if np.isfinite(c := cost.loc[i, j])}
    inside = {k: c for k, c in pairs.items() if max_cost is None or c <= max_cost}
    weight = {k: w(c) for k, c in pairs.items()}
    if three:
        tot = {i: sum(v for (a, _), v in weight.items() if a == i) for i in cost.index}
        weight = {k: (v / tot[k[0]] if tot[k[0]] > 0 else 0.0) * v for k, v in weight.items()}
    wd = ws = {k: weight[k] for k in inside}
    if balanced:
        rs = {i: sum(v for (a, _), v in wd.items() if a == i) for i in cost.index}
        cs = {j: sum(v for (_, b), v in wd.items() if b == j) for j in cost.columns}
        wd = {k: (weight[k] / rs[k[0]] if rs[k[0]] else 0.0) for k in inside}
        ws = {k: (weight[k] / cs[k[1]] if cs[k[1]] else 0.0) for k in inside}
    pop = {j: sum(v * demand[i] for (i, b), v in wd.items() if b == j) for j in cost.columns}
    ratio = {j: supply[j] / pop[j] if pop[j] > 0 else 0.0 for j in cost.columns}
    return pd.Series({i: sum(v * ratio[j] for (a, j), v in ws.items() if a == i) for i in cost.index})


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind", list(DECAYS))
def test_all_measures_equal_loop_oracles(seed, kind):
    cost, demand, supply = _dense(seed, n=12, m=5)
    frame = _as_input("frame", cost)
    d = pd.Series(demand, index=frame.index)
    s = pd.Series(supply, index=frame.columns)
    decay, _ = DECAYS[kind]
    vectorised = step(decay) if isinstance(decay, dict) else decay
    if decay is None:
        vectorised = np.ones_like

    def w(c):
        return float(vectorised(np.array([c]))[0])

    measures = ((two_step_fca, {}), (three_step_fca, {"three": True}), (balanced_fca, {"balanced": True}))
    for fn, opts in measures:
        got = fn(frame, d, s, max_cost=25, decay=decay).access
        _close(got, _loop_fca(frame, d, s, 25, w, **opts).reindex(frame.index))


# ------------------------------------------------------------------ properties and edge cases
@pytest.mark.parametrize("seed", range(5))
def test_conservation(seed):
    cost, demand, supply = _dense(seed, n=60, m=9)
    for decay in (None, {10: 1, 25: 0.5}, gaussian(8)):
        r = two_step_fca(cost, demand, supply, max_cost=25, decay=decay)
        # 2SFCA conserves supply: sum_i D_i A_i = supply of the stations with demand in their catchment
        assert np.dot(demand, r.access) == pytest.approx(supply[r.catchment_demand > 0].sum(), rel=1e-12)
        b = balanced_fca(cost, demand, supply, max_cost=25, decay=decay)
        # BFCA counts each household's demand once
        p = cost_pairs(cost, max_cost=25)
        fw = step(decay) if isinstance(decay, dict) else decay
        w = np.ones(p.n_pairs) if decay is None else fw(p.cost)
        reaching = np.bincount(p.rows, weights=w, minlength=cost.shape[0]) > 0
        assert b.catchment_demand.sum() == pytest.approx(demand[reaching].sum(), rel=1e-12)


def test_zero_catchment_demand_and_unreachable_rows():
    cost = np.array([[5.0, np.inf, np.inf], [np.inf, 3.0, np.inf], [np.inf, np.inf, np.inf]])
    demand, supply = [10, 0, 7], [1, 2, 3]
    for fn in (two_step_fca, three_step_fca, balanced_fca):
        r = fn(cost, demand, supply, max_cost=10)
        # station 1 is reached only by a household of demand 0: ratio 0 (PySAL: inf); station 2 by nobody
        _close(r.ratio, [0.1, 0.0, 0.0])
        _close(r.access, [0.1, 0.0, 0.0])  # household 2 reaches nothing: 0 (PySAL: NaN)
    fca = pytest.importorskip("access.fca")
    demand_df, supply_df, cost_df, _ = _pysal_frames(cost, demand, supply)
    ref = fca.two_stage_fca(demand_df, supply_df, cost_df, max_cost=10)
    assert np.isinf(ref.loc[1]) and 2 not in ref.index  # the documented difference


def test_labelled_results_and_alignment():
    cost, demand, supply = _dense(2, n=8, m=4)
    frame = _as_input("frame", cost)
    d = pd.Series(demand, index=frame.index).sample(frac=1, random_state=0)  # shuffled: aligned by label
    s = pd.Series(supply, index=frame.columns).iloc[::-1]
    r = two_step_fca(frame, d, s, max_cost=25)
    assert isinstance(r, FCAResult) and isinstance(r.access, pd.Series) and isinstance(r.ratio, pd.Series)
    assert list(r.access.index) == list(frame.index) and list(r.ratio.index) == list(frame.columns)
    assert r.access.name == "access" and r.catchment_demand.name == "catchment_demand"
    _close(r.access, two_step_fca(cost, demand, supply, max_cost=25).access)
    assert r.max_cost == 25 and r.decay == "none" and r.n_pairs == cost_pairs(cost, max_cost=25).n_pairs
    # array input gives arrays; a single supply number is every column's
    a = two_step_fca(cost, demand, 2, max_cost=25)
    assert isinstance(a.access, np.ndarray)
    _close(a.access, two_step_fca(cost, demand, np.full(4, 2.0), max_cost=25).access)
    assert str(step({5: 1, 10: 0.5})) == "step({5: 1, 10: 0.5})"
    assert two_step_fca(cost, demand, supply, max_cost=25, decay=gaussian(5)).decay == "gaussian(bandwidth=5)"


def test_pysal_scalar_decay_is_refused_clearly():
    weights = pytest.importorskip("access.weights")
    cost = np.array([[1.0, 2.0], [3.0, np.inf]])
    with pytest.raises(CoverageInputError, match="must take a numpy array and return one weight per cost"):
        two_step_fca(cost, [1, 2], [1, 1], max_cost=5, decay=weights.step_fn({5: 1}))  # takes one number


def test_decay_helpers_match_pysal_weights():
    weights = pytest.importorskip("access.weights")
    c = np.array([0, 5, 10, 10.0000001, 19.9, 20, 30, 31, 100])
    steps = {10: 1, 20: 0.68, 30: 0.22}
    _close(step(steps)(c), [weights.step_fn(steps)(x) for x in c])
    _close(gaussian(7)(c), [weights.gaussian(7)(x) for x in c])
    _close(power(60, -1, min_cost=1)(c), [weights.gravity(60, -1, min_dist=1)(x) for x in c])


def test_large_sparse_input():
    """Not a timing test (see benchmarks/bench_access.py): 20k x 200 sparse, COO and CSR give the same."""
    rng = np.random.default_rng(0)
    n, m, k = 20_000, 200, 10
    rows = np.repeat(np.arange(n), k)
    cols = ((np.arange(k) * 17)[None, :] + rng.integers(0, m, n)[:, None]).ravel() % m  # distinct per row
    order = rng.permutation(n * k)  # unsorted COO
    coo = sparse.coo_matrix((rng.uniform(0, 20, n * k)[order], (rows[order], cols[order])), shape=(n, m))
    d, s = rng.integers(1, 5, n), rng.integers(1, 4, m)
    r = two_step_fca(coo, d, s, max_cost=15, decay=gaussian(8))
    r2 = two_step_fca(coo.tocsr(), d, s, max_cost=15, decay=gaussian(8))
    assert r.access.shape == (n,) and np.isfinite(r.access).all()
    _close(r.access, r2.access, rtol=1e-12)


# ------------------------------------------------------------------ cost_pairs
def test_cost_pairs_forms():
    dense = np.array([[0.0, np.inf, 7.0], [np.nan, 3.0, 20.0]])
    p = cost_pairs(dense, max_cost=10)
    assert p.rows.tolist() == [0, 0, 1] and p.cols.tolist() == [0, 2, 1] and p.cost.tolist() == [0, 7, 3]
    assert p.shape == (2, 3) and p.row_labels is None and p.rows.dtype == np.int64
    # sparse: stored zeros are kept, missing entries are unreachable, unsorted COO is sorted
    coo = sparse.coo_matrix(([20.0, 0.0, 3.0, np.inf, 7.0], ([1, 0, 1, 0, 0], [2, 0, 1, 1, 2])), shape=(2, 3))
    q = cost_pairs(coo, max_cost=10)
    assert (q.rows.tolist(), q.cols.tolist(), q.cost.tolist()) == ([0, 0, 1], [0, 2, 1], [0.0, 7.0, 3.0])
    # from a dense array scipy drops the zeros (they become unreachable) and stores inf (dropped here)
    assert cost_pairs(sparse.csr_array(coo.toarray())).n_pairs == 3
    frame = pd.DataFrame(dense, index=["a", "b"], columns=["x", "y", "z"])
    f = cost_pairs(frame)
    assert list(f.row_labels) == ["a", "b"] and list(f.col_labels) == ["x", "y", "z"] and f.n_pairs == 4
    assert f.within(10).n_pairs == 3 and f.within(None) is f
    _close(f.to_csr().toarray(), [[0, 0, 7], [0, 3, 20]])
    assert f.to_csr().nnz == 4  # the zero cost is a stored entry
    assert cost_pairs(np.zeros((0, 3))).shape == (0, 3)
    assert cost_pairs(dense, max_cost=np.inf).max_cost is None


def test_cost_pairs_errors():
    with pytest.raises(CoverageInputError, match="2-D matrix"):
        cost_pairs(np.zeros(4))
    with pytest.raises(CoverageInputError, match=r"negative costs at \(row, column\) \[\(1, 0\)\]"):
        cost_pairs(np.array([[1.0, 2.0], [-1.0, 3.0]]))
    with pytest.raises(CoverageInputError, match=r"at \(row label, column label\) \[\('b', 'x'\)\]"):
        cost_pairs(pd.DataFrame([[1.0, 2.0], [-1.0, 3.0]], index=["a", "b"], columns=["x", "y"]))
    with pytest.raises(CoverageInputError, match=r"more than one entry for the pair\(s\) .* \[\(0, 1\)\]"):
        cost_pairs(sparse.coo_matrix(([1.0, 2.0], ([0, 0], [1, 1])), shape=(2, 2)))
    with pytest.raises(CoverageInputError, match=r"column\(s\) \['y'\] hold text"):
        cost_pairs(pd.DataFrame({"x": [1.0, 2.0], "y": ["near", 3]}))
    with pytest.raises(CoverageInputError, match=r"repeated row labels \(index\) \['a'\]"):
        cost_pairs(pd.DataFrame([[1.0], [2.0]], index=["a", "a"]))
    with pytest.raises(CoverageInputError, match=r"repeated column labels \['x'\]"):
        cost_pairs(pd.DataFrame([[1.0, 2.0]], columns=["x", "x"]))
    with pytest.raises(CoverageInputError, match="not a matrix of numbers"):
        cost_pairs([["a", "b"]])
    with pytest.raises(CoverageInputError, match="max_cost=-1 must be a number >= 0"):
        cost_pairs(np.ones((2, 2)), max_cost=-1)
    with pytest.raises(CoverageInputError, match="max_cost='15 min' is not a number"):
        cost_pairs(np.ones((2, 2)), max_cost="15 min")


def test_accessibility_errors():
    cost = np.array([[1.0, 2.0], [3.0, np.inf]])
    with pytest.raises(CoverageInputError, match="demand has 3 values but cost has 2 rows"):
        two_step_fca(cost, [1, 2, 3], [1, 1], max_cost=5)
    with pytest.raises(CoverageInputError, match=r"supply must be finite.*it is nan at positions \[1\]"):
        two_step_fca(cost, [1, 2], [1, np.nan], max_cost=5)
    with pytest.raises(CoverageInputError, match=r"demand must be .* it is -2.0 at rows labelled \['b'\]"):
        two_step_fca(pd.DataFrame(cost, index=["a", "b"]), [1, -2], [1, 1], max_cost=5)
    frame = pd.DataFrame(cost, index=["a", "b"], columns=["x", "y"])
    with pytest.raises(CoverageInputError, match=r"supply has no value for the cost columns labelled \['y'"):
        two_step_fca(frame, [1, 2], pd.Series({"x": 1.0}), max_cost=5)
    with pytest.raises(CoverageInputError, match="demand must be numbers"):
        two_step_fca(cost, ["many", "few"], [1, 1], max_cost=5)
    with pytest.raises(CoverageInputError, match="max_cost=nan must be a number >= 0"):
        balanced_fca(cost, [1, 2], [1, 1], max_cost=float("nan"))
    with pytest.raises(CoverageInputError, match=r"returned \(\) weights for \(3,\) costs"):
        two_step_fca(cost, [1, 2], [1, 1], max_cost=5, decay=lambda _: 1.0)
    with pytest.raises(CoverageInputError, match=r"decay gave inf \(not a finite weight >= 0\) .* \[0.0\]"):
        gravity_access(np.array([[0.0, 2.0]]), [1, 1], max_cost=None, decay=power(1, -1))
    with pytest.raises(CoverageInputError, match="decay gave -1"):
        three_step_fca(cost, [1, 2], [1, 1], max_cost=5, decay=lambda c: -np.ones_like(c))
    with pytest.raises(CoverageInputError, match="decay must be None, a"):
        two_step_fca(cost, [1, 2], [1, 1], max_cost=5, decay="gaussian")
    with pytest.raises(CoverageInputError, match="non-empty"):
        step({})
    with pytest.raises(CoverageInputError, match=r"weights must be >= 0, not \[-0.5\]"):
        step({5: 1, 10: -0.5})
    with pytest.raises(CoverageInputError, match=r"gaussian bandwidth 0.0 must be > 0"):
        gaussian(0)
    with pytest.raises(CoverageInputError, match="Step upper costs must increase"):
        Step((10.0, 5.0), (1.0, 0.5))
    with pytest.raises(CoverageInputError, match="power needs scale > 0"):
        power(0, -1)
    with pytest.raises(TypeError):
        two_step_fca(cost, [1, 2], [1, 1])  # max_cost is required (None for no cutoff)
