"""p-median, p-center and capacitated p-median (coverage.siting.median)
against brute force, networkx and spopt.

The San Francisco case is spopt's own (tests/data/spopt_SF_SOURCE.md): 205 census tracts, 16 candidate stores,
network distances in metres, tract population as the weight.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coverage import CoverageInputError
from coverage.siting import from_cost_matrix

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def san_francisco():
    dist = pd.read_csv(DATA / "spopt_SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    cost = dist.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(DATA / "spopt_SF_demand_205_centroid_uniform_weight.csv").sort_values("NAME")
    return cost, demand["POP2000"].to_numpy(dtype=float)


def brute(cost, w, k, fixed, objective, cap=None):
    """The optimum over every choice of k free columns
    (unserved rows at the cap; unreachable rows left out)."""
    cost = np.asarray(cost, dtype=float)
    finite = cost[np.isfinite(cost)]
    cap = (finite.max() if finite.size else 0.0) if cap is None else cap
    c = np.where(np.isfinite(cost) & (cost <= cap), cost, np.inf)
    valid = np.isfinite(c).any(axis=1)
    free = [j for j in range(cost.shape[1]) if j not in fixed]
    combos = np.array(list(itertools.combinations(free, min(k, len(free)))), dtype=np.int64)
    cols = np.hstack([np.tile(np.asarray(fixed, dtype=np.int64), (len(combos), 1)), combos])
    d = c[:, cols].min(axis=2)  # rows x combos
    d = np.where(np.isfinite(d), d, cap)
    if objective == "median":
        vals = (w[valid, None] * d[valid]).sum(axis=0)
    else:
        heavy = valid & (w > 0)
        vals = d[heavy].max(axis=0) if heavy.any() else np.zeros(len(combos))
    return float(vals.min())


def test_san_francisco_p_median_is_spopts_published_mean(san_francisco):
    cost, pop = san_francisco
    r = from_cost_matrix(cost, pop, k=4, objective="median")
    assert r.status == "optimal" and r.gap == pytest.approx(0, abs=1e-9)
    assert r.objective / pop.sum() == pytest.approx(2982.1268579890657)  # spopt test_mixin_mean_distance
    assert r.summary["mean_cost_after"] == pytest.approx(2982.1268579890657)
    assert r.summary["rows_unreachable"] == 0 and r.summary["rows_unserved"] == 0
    assert len(r.chosen) == 4 and r.sites["objective_after"].iloc[-1] == pytest.approx(r.objective)


@pytest.mark.parametrize("objective", ["median", "center"])
@pytest.mark.parametrize("fixed", [[], ["Store_1"], ["Store_6", "Store_19"]])
def test_san_francisco_k_1_to_5_reach_the_brute_force_optimum(san_francisco, objective, fixed):
    cost, pop = san_francisco
    arr = cost.to_numpy()
    fixed_pos = [list(cost.columns).index(f) for f in fixed]
    for k in range(1, 6):
        best = brute(arr, pop, k, fixed_pos, objective)
        r = from_cost_matrix(cost, pop, k=k, objective=objective, fixed=fixed)
        assert r.objective == pytest.approx(best, rel=1e-9), (k, r.text())
        # it states the optimum: proven, gap 0
        assert r.status == "optimal" and r.gap == pytest.approx(0, abs=1e-7), (k, r.text())
        assert not set(r.chosen) & set(fixed) and len(r.chosen) <= k
        # the objective is what the chosen columns really give
        d = arr[:, [list(cost.columns).index(c) for c in [*fixed, *r.chosen]]].min(axis=1)
        assert r.objective == pytest.approx((pop * d).sum() if objective == "median" else d.max())


@pytest.mark.parametrize("objective", ["median", "center"])
def test_san_francisco_matches_spopt_cbc(san_francisco, objective):
    """spopt's PMedian / PCenter (CBC) reach the same objective; spopt's p counts the fixed stores too."""
    pulp = pytest.importorskip("pulp")
    spopt_locate = pytest.importorskip("spopt.locate")
    cost, pop = san_francisco
    fixed = [] if objective == "median" else ["Store_1"]  # one of each, to keep the CBC runs few
    pre = np.array([list(cost.columns).index(f) for f in fixed], dtype=int)
    kw = {"predefined_facilities_arr": pre} if fixed else {}
    if objective == "median":
        ref = spopt_locate.PMedian.from_cost_matrix(cost.to_numpy(), pop, 3 + len(fixed), **kw)
    else:
        ref = spopt_locate.PCenter.from_cost_matrix(cost.to_numpy(), 3 + len(fixed), **kw)
    ref = ref.solve(pulp.PULP_CBC_CMD(msg=False))
    r = from_cost_matrix(cost, pop, k=3, objective=objective, fixed=fixed)
    assert r.objective == pytest.approx(ref.problem.objective.value(), rel=1e-7)


def _instance(seed, n_rows, n_cols, p_inf):
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 40, (n_rows, n_cols)).astype(float)
    cost[rng.random((n_rows, n_cols)) < p_inf] = np.inf
    return cost, rng.integers(0, 6, n_rows).astype(float)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_rows=st.integers(1, 14),
    n_cols=st.integers(2, 7),
    p_inf=st.sampled_from([0.0, 0.3, 0.6]),
    k=st.integers(1, 4),
    n_fixed=st.integers(0, 2),
    objective=st.sampled_from(["median", "center"]),
    cap=st.sampled_from([None, 25.0]),
)
def test_small_instances_equal_brute_force(seed, n_rows, n_cols, p_inf, k, n_fixed, objective, cap):
    cost, w = _instance(seed, n_rows, n_cols, p_inf)
    n_fixed = min(n_fixed, n_cols - 1)
    fixed = list(range(n_fixed))
    k = min(k, n_cols - n_fixed)
    finite = cost[np.isfinite(cost)]
    cap_used = cap if cap is not None else (finite.max() if finite.size else 0.0)
    r = from_cost_matrix(cost, w, k=k, objective=objective, fixed=fixed, max_cost=cap)
    assert r.objective == pytest.approx(brute(cost, w, k, fixed, objective, cap_used), abs=1e-9)
    assert r.status == "optimal"
    unreachable = ~(np.isfinite(cost) & (cost <= cap_used)).any(axis=1)
    assert r.summary["rows_unreachable"] == int(unreachable.sum())
    assert r.summary["weight_unreachable"] == pytest.approx(w[unreachable].sum())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3), radius=st.sampled_from([8.0, 15.0, 25.0]))
def test_p_center_longest_walk_never_exceeds_coverings(seed, k, radius):
    """At the same k, the p-center's longest walk is at most
    the longest walk of the maximal-covering sites."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 40, (15, 7))
    w = rng.integers(1, 9, 15).astype(float)
    cover = from_cost_matrix(cost, w, max_cost=radius, k=k)
    cols = [int(c) for c in cover.chosen] or [0]
    longest_cover = cost[:, cols].min(axis=1).max()
    center = from_cost_matrix(cost, w, k=k, objective="center")
    assert center.objective <= longest_cover + 1e-9
    median = from_cost_matrix(cost, w, k=k, objective="median")
    assert median.objective <= (w * cost[:, cols].min(axis=1)).sum() + 1e-9


def test_unreachable_and_unserved_rows_are_reported():
    inf = np.inf
    cost = np.array([[1.0, inf, inf], [inf, 2.0, inf], [inf, inf, 50.0], [inf, inf, inf]])
    w = np.array([3.0, 4.0, 5.0, 7.0])
    r = from_cost_matrix(cost, w, k=1, objective="median", max_cost=10)
    # row 3 reaches nothing at all, row 2 nothing within the cap: both unreachable, left out
    assert r.summary["rows_unreachable"] == 2 and r.summary["weight_unreachable"] == 12
    # k=1 serves row 1 (weight 4); row 0 is beyond the chosen site and counts at the cap
    assert r.chosen == [1]
    assert r.summary["rows_unserved"] == 1 and r.summary["weight_unserved"] == 3
    assert r.objective == pytest.approx(4 * 2 + 3 * 10)
    assert r.summary["objective_served"] == pytest.approx(8)
    assert "beyond every site" in r.text() and "beyond the chosen sites" in r.text()


def test_dominated_and_duplicate_columns_are_dropped():
    cost = np.array([[1.0, 1.0, 2.0, 9.0], [3.0, 3.0, 3.0, 9.0], [5.0, 5.0, 7.0, 1.0]])
    r = from_cost_matrix(cost, [1, 1, 1], k=2, objective="median")
    s = r.summary
    assert s["candidates_merged"] == 1 and s["candidates_dominated"] == 1 and s["candidates_used"] == 2
    assert r.objective == pytest.approx(1 + 3 + 1) and sorted(r.chosen) == [0, 3]


def test_labels_weights_and_text_in_chinese():
    cost = pd.DataFrame([[100.0, 900.0], [800.0, 200.0]], columns=["站点{甲}", '站点"乙"'], index=["a", "b"])
    r = from_cost_matrix(cost, pd.Series([2.0, 1.0], index=["b", "a"]), k=1, objective="median")
    assert r.chosen == ['站点"乙"']  # weights aligned by index: b (2) is nearer 乙
    assert "p-中位" in r.text("zh") and "间隙" in r.text("zh")
    c = from_cost_matrix(cost, None, k=1, objective="center")
    assert c.objective == pytest.approx(800.0) and "p-中心" in c.text("zh")


def test_bad_arguments():
    cost = np.ones((3, 2))
    with pytest.raises(CoverageInputError, match="objective='mean'"):
        from_cost_matrix(cost, k=1, objective="mean")
    with pytest.raises(CoverageInputError, match="takes k"):
        from_cost_matrix(cost, target_share=0.5, objective="median")
    with pytest.raises(CoverageInputError, match="whole number"):
        from_cost_matrix(cost, k=0, objective="center")
    with pytest.raises(CoverageInputError, match="not with 'center'"):
        from_cost_matrix(cost, k=1, objective="center", capacity=[1, 1])
    with pytest.raises(CoverageInputError, match="negative"):
        from_cost_matrix(-cost, k=1, objective="median")
    with pytest.raises(CoverageInputError, match="max_cost is needed"):
        from_cost_matrix(cost, k=1)
    with pytest.raises(CoverageInputError, match="no column labelled"):
        from_cost_matrix(cost, k=1, objective="median", fixed=["x"])


# ------------------------------------------------------------------ capacitated p-median
def _min_cost_flow(cost, w, capacity, open_cols, cap):
    """networkx oracle: least cost of serving every reachable row within capacity,
    unserved weight at the cap."""
    nx = pytest.importorskip("networkx")
    g = nx.DiGraph()
    c = np.where(np.isfinite(cost) & (cost <= cap), cost, np.inf)
    valid = np.isfinite(c).any(axis=1) & (w > 0)
    total = int(w[valid].sum())
    g.add_node("s", demand=-total)
    g.add_node("t", demand=total)
    for i in np.flatnonzero(valid):
        g.add_edge("s", ("r", i), capacity=int(w[i]), weight=0)
        g.add_edge(("r", i), "t", capacity=int(w[i]), weight=int(cap))
        for j in open_cols:
            if np.isfinite(c[i, j]):
                g.add_edge(("r", i), ("c", j), capacity=int(w[i]), weight=int(c[i, j]))
    for j in open_cols:
        g.add_edge(("c", j), "t", capacity=int(capacity[j]), weight=0)
    return nx.cost_of_flow(g, nx.min_cost_flow(g))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_rows=st.integers(2, 9),
    n_cols=st.integers(2, 6),
    k=st.integers(1, 3),
    n_fixed=st.integers(0, 1),
)
def test_capacitated_p_median_equals_brute_force_min_cost_flow(seed, n_rows, n_cols, k, n_fixed):
    cost, w = _instance(seed, n_rows, n_cols, 0.3)
    capacity = np.random.default_rng(seed + 1).integers(0, 12, n_cols).astype(float)
    k = min(k, n_cols - n_fixed)
    fixed = list(range(n_fixed))
    finite = cost[np.isfinite(cost)]
    cap = float(finite.max()) if finite.size else 0.0
    free = [j for j in range(n_cols) if j not in fixed]
    best = min(
        _min_cost_flow(cost, w, capacity, fixed + list(s), cap) for s in itertools.combinations(free, k)
    )
    r = from_cost_matrix(cost, w, k=k, objective="median", fixed=fixed, capacity=capacity)
    assert r.objective == pytest.approx(best, rel=1e-8, abs=1e-6)  # an LP recomputes it: HiGHS tolerances
    assert r.status == "optimal" and r.summary["splitting"] == "allowed"
    # each new site serves no more than its capacity
    assert all(a <= capacity[c] + 1e-6 for a, c in zip(r.sites["households_assigned"], r.chosen, strict=True))


def test_capacity_moves_households_to_the_second_nearest():
    cost = np.array([[1.0, 5.0], [1.0, 5.0], [1.0, 5.0]])
    r = from_cost_matrix(cost, [1, 1, 1], k=2, objective="median", capacity=[2, 5])
    assert r.objective == pytest.approx(1 + 1 + 5)
    assert dict(zip(r.chosen, r.sites["households_assigned"], strict=True)) == {0: 2.0, 1: 1.0}
    uncap = from_cost_matrix(cost, [1, 1, 1], k=1, objective="median")
    assert uncap.objective == pytest.approx(3)


# ------------------------------------------------------------------ over walking distances
@pytest.fixture(scope="module")
def helsinki_run(helsinki, demo_data):
    from coverage import assess

    _, stations, households = demo_data
    return assess(helsinki, stations, households, minutes=5, weight="households"), stations, households


@pytest.mark.parametrize("objective", ["median", "center"])
def test_walking_siting_equals_fresh_runs_with_the_sites_added(helsinki, helsinki_run, objective):
    """Brute force through the assessment itself: each pair of candidates added as stations,
    walks recomputed."""
    import geopandas as gpd

    from coverage import assess
    from coverage.siting import suggest_sites

    r, stations, households = helsinki_run
    cands = gpd.GeoDataFrame(
        {"id": [f"c{i}" for i in range(5)]},
        crs="EPSG:4326",
        geometry=gpd.points_from_xy(
            [24.9456, 24.9489, 24.9479, 24.9431, 24.9392], [60.1697, 60.1656, 60.1778, 60.1736, 60.1746]
        ),
    )
    s = suggest_sites(r, k=2, objective=objective, candidates=cands)
    cap = s.summary["cap_m"]
    w = r.household_points.weight

    def value(walk):
        walk = np.where(np.isfinite(walk) & (walk <= cap), walk, cap)
        return float((w * walk).sum()) if objective == "median" else float(walk[w > 0].max())

    best = {}
    for combo in itertools.combinations(range(5), 2):
        st = pd.concat(
            [stations[["id", "geometry"]], cands.iloc[list(combo)].to_crs(stations.crs)], ignore_index=True
        )
        fresh = assess(
            helsinki, gpd.GeoDataFrame(st, crs=stations.crs), households, minutes=5, weight="households"
        )
        best[combo] = value(fresh.households["walk_m"].to_numpy(dtype=float))
    assert s.summary["rows_unreachable"] == 0
    # the assessment's walks are rounded to the centimetre
    assert s.objective == pytest.approx(min(best.values()), rel=1e-5)
    assert s.status == "optimal" and s.summary["objective"] == objective
    chosen = tuple(sorted(int(c[1:]) for c in s.chosen))
    assert best[chosen] == pytest.approx(min(best.values()), rel=1e-5)


def test_site_cli_median_with_group_weights_in_chinese(tmp_path):
    """GCJ-02 Excel with Chinese headers, group columns, ids with braces and quotes, --lang zh;
    report carries it."""
    import json

    from coverage.cli import main
    from coverage.crs import wgs84_to_gcj02
    from coverage.demo import HONGQI_PBF, write_demo_inputs

    s_csv, h_csv = write_demo_inputs(tmp_path / "in")
    hh = pd.read_csv(h_csv)
    lon_col = next(c for c in hh.columns if c in ("经度", "lon"))
    lat_col = next(c for c in hh.columns if c in ("纬度", "lat"))
    glon, glat = wgs84_to_gcj02(hh[lon_col].to_numpy(), hh[lat_col].to_numpy())
    hh = hh.assign(**{lon_col: glon, lat_col: glat})
    hh["老年人"] = (hh["户数"] * 0.3).round()
    hh["残疾人"] = (hh["户数"] * 0.05).round()
    hh.to_excel(tmp_path / "住户.xlsx", index=False)
    st = pd.read_csv(s_csv)
    slon, slat = wgs84_to_gcj02(st[lon_col].to_numpy(), st[lat_col].to_numpy())
    st = st.assign(**{lon_col: slon, lat_col: slat})
    st[st.columns[0]] = [f'站{{{i}}}"甲"' for i in range(len(st))]
    st.to_excel(tmp_path / "站点.xlsx", index=False)
    base = [
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(tmp_path / "站点.xlsx"),
        "--households",
        str(tmp_path / "住户.xlsx"),
        "--weight",
        "户数",
        "--crs",
        "gcj02",
        "--id-col",
        st.columns[0],
        "--household-id-col",
        hh.columns[0],
    ]
    out = tmp_path / "选址"
    assert (
        main(
            [
                "-q",
                "site",
                *base,
                "--k",
                "2",
                "--objective",
                "median",
                "--weight-groups",
                "老年人=2，残疾人=3",
                "--lang",
                "zh",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads((out / "siting.json").read_text(encoding="utf-8"))
    assert doc["objective"] == "median" and doc["group_weights"] == {"老年人": 2.0, "残疾人": 3.0}
    assert doc["status"] == "optimal" and doc["n_sites"] == 2
    assert doc["siting_weight_total"] == pytest.approx((hh["户数"] + hh["老年人"] + 2 * hh["残疾人"]).sum())
    assert {"sites.csv", "sites.gpkg", "map.html"} <= {p.name for p in out.iterdir()}
    assert "mean_walk_m_after" in pd.read_csv(out / "sites.csv").columns
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["siting"]["objective"] == "median"
    center = tmp_path / "中心"
    assert (
        main(["-q", "site", *base, "--k", "2", "--objective", "center", "--lang", "zh", "--out", str(center)])
        == 0
    )
    doc = json.loads((center / "siting.json").read_text(encoding="utf-8"))
    assert doc["objective"] == "center" and doc["status"] == "optimal"
    assert doc["max_cost_after"] <= doc["max_cost_before"]
    # a bad group spec is one line, exit 2
    assert (
        main(["-q", "site", *base, "--k", "2", "--weight-groups", "老年人=two", "--out", str(tmp_path / "x")])
        == 2
    )
    assert (
        main(["-q", "site", *base, "--k", "2", "--weight-groups", "孤老=2", "--out", str(tmp_path / "y")])
        == 2
    )


def test_group_weights_change_what_counts(helsinki, demo_data):
    """Covering with 老年人 counted twice equals covering on weights recomputed by hand;
    errors name the column."""
    from coverage import assess
    from coverage.siting import suggest_sites

    _, stations, households = demo_data
    hh = households.assign(老年人=(households["households"] * 0.5).round(), 权重=households["households"] * 3)
    r = assess(helsinki, stations, hh, minutes=5, weight="households")
    plain = suggest_sites(r, k=2)
    grouped = suggest_sites(r, k=2, weight_groups={"老年人": 2})
    w = hh["households"].to_numpy(float) + hh["老年人"].to_numpy(float)
    assert grouped.summary["group_weights"] == {"老年人": 2.0}
    assert grouped.summary["siting_weight_total"] == pytest.approx(w.sum())
    # the weighted covering's weighted share is of the weighted total; the shares a map shows stay households
    covered = (r.households["status"] == "covered").to_numpy()
    assert grouped.summary["weighted_share_before"] == pytest.approx(w[covered].sum() / w.sum())
    assert grouped.summary["covered_share_before"] == pytest.approx(plain.summary["covered_share_before"])
    chosen = r.what_if(add_stations=grouped.sites[["id", "geometry"]])
    assert grouped.summary["covered_share_after"] == pytest.approx(chosen.summary.share_covered_weight)
    assert grouped.sites["households_added"].sum() == pytest.approx(grouped.summary["households_added"])
    assert plain.summary.get("group_weights") is None
    # a weight column scales everything by 3: the same sites, the same p-median sites
    tripled = suggest_sites(r, k=2, objective="median", siting_weight="权重")
    once = suggest_sites(r, k=2, objective="median")
    assert sorted(tripled.chosen) == sorted(once.chosen)
    assert tripled.objective == pytest.approx(3 * once.objective)
    with pytest.raises(CoverageInputError, match="no column '孤老'"):
        suggest_sites(r, k=2, weight_groups={"孤老": 2})
    with pytest.raises(CoverageInputError, match="not both"):
        suggest_sites(r, k=2, weight_groups={"老年人": 2}, siting_weight="权重")
    with pytest.raises(CoverageInputError, match="takes k"):
        suggest_sites(r, target_share=0.9, objective="center")


def test_capacitated_p_median_over_walks_equals_min_cost_flow(helsinki, demo_data):
    """Walks from the library, the assignment from networkx:
    every choice of 1 of 3 candidates, the best one."""
    import geopandas as gpd
    import networkx as nx

    from coverage import assess
    from coverage.locate import locate
    from coverage.reach import station_reach
    from coverage.siting import suggest_sites

    _, stations, households = demo_data
    r = assess(
        helsinki, stations.assign(cap=2500), households, minutes=5, weight="households", capacity="cap"
    )
    cands = gpd.GeoDataFrame(
        {"id": ["c0", "c1", "c2"]},
        crs="EPSG:4326",
        geometry=gpd.points_from_xy([24.9456, 24.9489, 24.9479], [60.1697, 60.1656, 60.1778]),
    )
    s = suggest_sites(r, k=1, objective="median", new_capacity=4000, candidates=cands, time_limit_s=120)
    assert s.summary["splitting"] == "allowed" and s.status == "optimal"
    cap_m = s.summary["cap_m"]
    w = r.household_points.weight
    st_walk = r.access.within(
        helsinki, r.station_snap, station_reach(helsinki, r.station_snap, cap_m), cap_m, walk=True
    ).toarray()
    c_snap = locate(helsinki, cands, role="candidates", id_col="id", max_snap_m=r.params["max_snap_m"]).snap
    c_walk = r.access.within(
        helsinki, c_snap, station_reach(helsinki, c_snap, cap_m), cap_m, walk=True
    ).toarray()

    def flow_cost(cols):
        walk = np.hstack([st_walk, c_walk[:, cols]])
        capacity = [2500] * st_walk.shape[1] + [4000] * len(cols)
        g = nx.DiGraph()
        reach = (walk > 0).any(axis=1)
        total = int(w[reach].sum())
        g.add_node("s", demand=-total)
        g.add_node("t", demand=total)
        for i in np.flatnonzero(reach):
            g.add_edge("s", ("h", i), capacity=int(w[i]), weight=0)
            g.add_edge(("h", i), "t", capacity=int(w[i]), weight=round(cap_m * 100))
            for j in np.flatnonzero(walk[i] > 0):
                g.add_edge(("h", i), ("s", j), capacity=int(w[i]), weight=round(walk[i, j] * 100))
        for j, c in enumerate(capacity):
            g.add_edge(("s", j), "t", capacity=c, weight=0)
        return nx.cost_of_flow(g, nx.min_cost_flow(g)) / 100

    best = {j: flow_cost([j]) for j in range(3)}
    assert s.objective == pytest.approx(min(best.values()), rel=1e-5)
    assert s.chosen == [f"c{min(best, key=best.get)}"]
    assert s.sites["households_assigned"].iloc[0] <= 4000 + 1e-6


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3), n_fixed=st.integers(0, 1))
def test_p_center_breaks_ties_by_the_least_total_walk(seed, k, n_fixed):
    """Among the sets with the least longest walk, the p-center returns one with the least total walk."""
    cost, w = _instance(seed, 12, 6, 0.3)
    w = w + 1  # every row counts in the longest walk
    fixed = list(range(n_fixed))
    finite = cost[np.isfinite(cost)]
    cap = float(finite.max()) if finite.size else 0.0
    c = np.where(np.isfinite(cost), cost, np.inf)
    valid = np.isfinite(c).any(axis=1)
    free = [j for j in range(6) if j not in fixed]
    vals = []
    for combo in itertools.combinations(free, k):
        d = c[:, fixed + list(combo)].min(axis=1)
        d = np.where(np.isfinite(d), d, cap)[valid]
        vals.append((d.max(), float((w[valid] * d).sum())))
    best_max = min(v[0] for v in vals)
    best_total = min(t for m, t in vals if m == best_max)
    r = from_cost_matrix(cost, w, k=k, objective="center", fixed=fixed)
    d = c[:, fixed + list(r.chosen)].min(axis=1)
    d = np.where(np.isfinite(d), d, cap)[valid]
    assert r.objective == pytest.approx(best_max)
    assert float((w[valid] * d).sum()) == pytest.approx(best_total)
