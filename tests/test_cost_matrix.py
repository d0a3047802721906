"""coverage.siting.from_cost_matrix: brute force, spopt's own San Francisco case, inputs and errors."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from coverage import CoverageInputError, SitingResult
from coverage.siting import from_cost_matrix


def _instance(seed, n_rows=12, n_cols=7):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 30, (n_rows, n_cols))
    cost[rng.random((n_rows, n_cols)) < 0.3] = np.inf  # unreachable pairs
    w = rng.integers(1, 20, n_rows).astype(float)
    return cost, w


def _covered(cost, w, cols, max_cost):
    if not cols:
        return 0.0
    return float(w[(cost[:, list(cols)] <= max_cost).any(axis=1)].sum())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3), n_fixed=st.integers(0, 2))
def test_maximal_covering_equals_brute_force(seed, k, n_fixed):
    cost, w = _instance(seed)
    fixed = list(range(n_fixed))
    free = [c for c in range(cost.shape[1]) if c not in fixed]
    best = max(_covered(cost, w, fixed + list(c), 15) for c in itertools.combinations(free, k))
    r = from_cost_matrix(cost, w, max_cost=15, k=k, fixed=fixed)
    assert r.covered_weight == pytest.approx(best)
    assert r.covered_share == pytest.approx(best / w.sum())
    assert len(r.chosen) <= k and not set(r.chosen) & set(fixed)
    # the reported gain is what the chosen columns really add
    assert _covered(cost, w, fixed + r.chosen, 15) == pytest.approx(best)
    assert r.status == "optimal" or (r.status == "nothing to cover")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.3, 0.6, 0.9, 1.0]))
def test_set_covering_equals_brute_force(seed, share):
    cost, w = _instance(seed)
    coverable = _covered(cost, w, range(cost.shape[1]), 15)
    reachable = bool(share * w.sum() <= coverable + 1e-9)
    goal = share * w.sum() if reachable else coverable
    fewest = next(
        n
        for n in range(cost.shape[1] + 1)
        for c in itertools.combinations(range(cost.shape[1]), n)
        if _covered(cost, w, c, 15) >= goal - 1e-9
    )
    r = from_cost_matrix(cost, w, max_cost=15, target_share=share)
    assert len(r.chosen) == fewest
    assert r.covered_weight >= goal - 1e-6
    assert r.summary["target_reachable"] is reachable
    assert (r.status == "target unreachable") is (not reachable)


def test_unreachable_target_returns_everything_coverable():
    cost = np.array([[1.0, np.inf], [np.inf, 1.0], [np.inf, np.inf]])  # row 2 is beyond every column
    r = from_cost_matrix(cost, [1, 1, 2], max_cost=5, target_share=0.9)
    assert sorted(r.chosen) == [0, 1]
    assert r.status == "target unreachable"
    assert r.summary["max_share_reachable"] == pytest.approx(0.5)
    assert "not reachable" in r.text() and "50.0%" in r.text()


def test_input_kinds_agree():
    cost, w = _instance(11, n_rows=20, n_cols=6)
    dense = from_cost_matrix(cost, w, max_cost=12, k=2)
    sp = sparse.csr_matrix(np.where(np.isfinite(cost), cost, 0))
    sp.eliminate_zeros()
    assert from_cost_matrix(sp, w, max_cost=12, k=2).covered_weight == pytest.approx(dense.covered_weight)
    labels = [f"site{c}" for c in range(6)]
    df = pd.DataFrame(
        np.where(np.isfinite(cost), cost, np.nan), columns=labels, index=[f"row{i}" for i in range(20)]
    )
    r = from_cost_matrix(df, pd.Series(w, index=df.index)[::-1], max_cost=12, k=2)  # weights aligned by index
    assert r.covered_weight == pytest.approx(dense.covered_weight)
    assert all(isinstance(c, str) and c.startswith("site") for c in r.chosen)
    assert r.chosen == [labels[c] for c in dense.chosen]
    assert isinstance(r, SitingResult) and list(r.sites.columns[:2]) == ["rank", "id"]


def test_curve_summary_and_files(tmp_path):
    cost, w = _instance(5, n_rows=30, n_cols=8)
    r = from_cost_matrix(cost, w, max_cost=15, k=3, curve_max_k=5)
    assert [c["k"] for c in r.curve] == list(range(1, len(r.curve) + 1))
    assert np.all(np.diff([c["covered_weight"] for c in r.curve]) >= 0)
    assert r.summary["gap"] == pytest.approx(0)
    files = r.to_files(tmp_path)
    assert (tmp_path / "sites.csv").exists() and (tmp_path / "siting.json").exists()
    assert "sites_gpkg" not in files  # a matrix has no places
    assert pd.read_csv(tmp_path / "sites.csv")["id"].tolist() == r.chosen


def test_bad_arguments():
    cost = np.ones((3, 2))
    with pytest.raises(CoverageInputError, match="exactly one of k"):
        from_cost_matrix(cost, max_cost=1)
    with pytest.raises(CoverageInputError, match="one weight per row"):
        from_cost_matrix(cost, [1, 2], max_cost=1, k=1)
    with pytest.raises(CoverageInputError, match="non-negative"):
        from_cost_matrix(cost, [1, -2, 1], max_cost=1, k=1)
    with pytest.raises(CoverageInputError, match="no column labelled"):
        from_cost_matrix(cost, max_cost=1, k=1, fixed=[7])
    with pytest.raises(CoverageInputError, match="2-D"):
        from_cost_matrix(np.ones(3), max_cost=1, k=1)
    with pytest.raises(CoverageInputError, match="finite"):
        from_cost_matrix(cost, max_cost=np.inf, k=1)


@pytest.fixture(scope="module")
def san_francisco():
    """spopt's real-world test case: 205 census tracts, 16 stores, network distances in metres."""
    spopt = pytest.importorskip("spopt")
    data = Path(spopt.__file__).parent / "tests" / "test_locate" / "data"
    if not data.exists():
        pytest.skip("spopt's test data is not installed")
    dist = pd.read_csv(data / "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    cost = dist.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(data / "SF_demand_205_centroid_uniform_weight.csv").sort_values("NAME")
    return cost, demand["POP2000"].to_numpy(dtype=float)


def test_san_francisco_maximal_covering_matches_spopt(san_francisco):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import MCLP

    cost, pop = san_francisco
    ref = MCLP.from_cost_matrix(cost.to_numpy(), pop, 5000.0, 4).solve(pulp.PULP_CBC_CMD(msg=False))
    ref_sites = [i for i, c in enumerate(ref.fac2cli) if len(c)]
    ref_weight = float(pop[(cost.to_numpy()[:, ref_sites] <= 5000).any(axis=1)].sum())
    r = from_cost_matrix(cost, pop, max_cost=5000.0, k=4)
    assert r.status == "optimal"
    assert r.covered_weight == pytest.approx(ref_weight)
    # spopt's published figure: 89.76% of the tracts covered
    tracts = (cost[r.chosen].to_numpy() <= 5000).any(axis=1).mean()
    assert 100 * tracts == pytest.approx(ref.perc_cov)
    assert 100 * tracts == pytest.approx(89.76, abs=0.005)


def test_san_francisco_set_covering_matches_spopt(san_francisco):
    pulp = pytest.importorskip("pulp")
    from spopt.locate import LSCP

    cost, pop = san_francisco
    ref = LSCP.from_cost_matrix(cost.to_numpy(), 8000.0).solve(pulp.PULP_CBC_CMD(msg=False))
    n_ref = sum(1 for c in ref.fac2cli if len(c))
    r = from_cost_matrix(cost, None, max_cost=8000.0, target_share=1.0)
    assert r.status == "optimal" and r.covered_share == pytest.approx(1.0)
    assert len(r.chosen) == n_ref
