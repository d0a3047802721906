"""Capacity: the exact assignment against an independent max-flow and brute force,
and the baseline it beats."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from coverage.capacity import assign, nearest_then_cap, staffing


def _instance(seed, n_h=12, n_s=4):
    rng = np.random.default_rng(seed)
    reach = rng.random((n_h, n_s)) < 0.45
    walk = np.where(reach, rng.uniform(50, 1200, (n_h, n_s)).round(), 0)
    w = rng.integers(1, 30, n_h).astype(float)
    cap = rng.integers(0, 60, n_s).astype(float)
    return sparse.csr_matrix(walk), w, cap, reach


def _max_flow_min_cost(walk, w, cap, reach):
    """Independent oracle: networkx min-cost max-flow on the same bipartite network (integers)."""
    g = nx.DiGraph()
    n_h, n_s = reach.shape
    for h in range(n_h):
        g.add_edge("src", ("h", h), capacity=int(w[h]), weight=0)
        for s in range(n_s):
            if reach[h, s]:
                g.add_edge(("h", h), ("s", s), capacity=int(w[h]), weight=int(walk[h, s]))
    for s in range(n_s):
        g.add_edge(("s", s), "sink", capacity=int(cap[s]), weight=0)
    flow = nx.max_flow_min_cost(g, "src", "sink")
    value = sum(flow["src"].values())
    cost = nx.cost_of_flow(g, flow)
    return value, cost


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_assignment_is_max_flow_then_min_walk(seed):
    walk, w, cap, reach = _instance(seed)
    a = assign(walk, w, cap)
    value, cost = _max_flow_min_cost(walk.toarray(), w, cap, reach)
    assert a.served_weight == pytest.approx(value, abs=1e-6)
    assert a.walk_total_m == pytest.approx(cost, rel=1e-9, abs=1e-3)
    assert (a.served <= w + 1e-9).all() and (a.assigned <= cap + 1e-9).all()
    assert nearest_then_cap(walk, w, cap).sum() <= a.served_weight + 1e-9


def test_brute_force_on_unit_households():
    """With one household per point and no splitting needed, brute force over every assignment agrees."""
    rng = np.random.default_rng(4)
    for _ in range(20):
        n_h, n_s = 6, 3
        reach = rng.random((n_h, n_s)) < 0.5
        walk = sparse.csr_matrix(np.where(reach, rng.integers(1, 100, (n_h, n_s)), 0).astype(float))
        w, cap = np.ones(n_h), rng.integers(0, 4, n_s).astype(float)
        best = 0
        for choice in itertools.product(*[[-1] + list(np.flatnonzero(reach[h])) for h in range(n_h)]):
            load = np.bincount([c for c in choice if c >= 0], minlength=n_s)
            if (load <= cap).all():
                best = max(best, sum(c >= 0 for c in choice))
        assert assign(walk, w, cap).served_weight == pytest.approx(best)


def test_nearest_then_cap_leaves_households_the_optimum_serves():
    # two stations; the nearest rule fills station 0 with a household that could only... go to 0 or 1
    walk = sparse.csr_matrix(np.array([[100.0, 200.0], [150.0, 0.0]]))  # h1 reaches only station 0
    w, cap = np.array([10.0, 10.0]), np.array([10.0, 10.0])
    assert nearest_then_cap(walk, w, cap).sum() == 10.0  # h0 takes station 0; h1 is left out
    a = assign(walk, w, cap)
    assert a.served_weight == 20.0 and list(a.main_station) == [1, 0]


def test_staffing():
    t = staffing([500.0, 120.0, 0.0], capacity=[250.0, 500.0, 250.0], staff=[1, 2, 1], caseload=250)
    assert list(t["staff_needed"]) == [2, 1, 0] and list(t["extra_staff"]) == [1, 0, 0]
    assert list(t["capacity_short"]) == [250, 0, 0]


# ---------------------------------------------------------------- in the analysis
def test_assess_with_capacity(tmp_path):
    import json

    from coverage import assess
    from coverage.capacity import nearest_then_cap
    from coverage.demo import demo_inputs
    from coverage.reach import within_pairs

    path, st, hh = demo_inputs()
    st = st.assign(staff=[2, 1, 1, 2, 1, 1, 2, 1, 3])
    r = assess(path, st, hh, weight="households", staff="staff", caseload=2500)
    s, stations = r.summary, r.stations
    assert s.weight_served <= s.weight_covered and s.share_served_weight == pytest.approx(
        s.weight_served / s.weight_total
    )
    assert (stations["assigned_weight"] <= stations["capacity"] + 1e-9).all()
    assert (stations["assigned_weight"] <= stations["weight_within"] + 1e-9).all()
    assert stations["assigned_weight"].sum() == pytest.approx(s.weight_served)
    h = r.households
    assert h["served_weight"].sum() == pytest.approx(s.weight_served)
    assert (h.loc[~h["covered"], "served_weight"] == 0).all()
    assert set(h["assigned_station_id"].dropna()) <= set(stations["id"])
    # the optimum serves at least what nearest-then-cap serves
    walks = within_pairs(
        r.network, r.household_snap, r.station_snap, r.reach, r.params["threshold_m"], walk=True
    )
    assert nearest_then_cap(walks, r.household_points.weight, r.capacity).sum() <= s.weight_served + 1e-6
    # what-if honours capacity and equals a fresh run
    w = r.what_if(remove_stations=["hq-sgz"])
    fresh = assess(path, st[st["id"] != "hq-sgz"], hh, weight="households", staff="staff", caseload=2500)
    assert w.summary.weight_served == pytest.approx(fresh.summary.weight_served)
    # files
    files = r.to_files(tmp_path)
    summary = json.loads(open(files["summary"], encoding="utf-8").read())
    assert summary["weight_served"] == pytest.approx(s.weight_served) and "share_served_weight" in summary
    import pandas as pd

    cols = set(pd.read_csv(files["stations_csv"]).columns)
    assert {
        "capacity",
        "assigned_weight",
        "utilisation",
        "spare_weight",
        "weight_within",
        "staff_needed",
        "extra_staff",
    } <= cols
    assert {"served_weight", "assigned_station_id"} <= set(pd.read_csv(files["households_csv"]).columns)


def test_capacity_in_the_pack(tmp_path):
    """Areas, the workbook and the maps carry the served figures."""
    import openpyxl

    from coverage import assess, export_report
    from coverage.demo import demo_inputs

    path, st, hh = demo_inputs()
    r = assess(path, st.assign(cap=[3000] * len(st)), hh, weight="households", capacity="cap")
    import geopandas as gpd
    import shapely

    area = gpd.GeoDataFrame({"name": ["all"]}, geometry=[shapely.box(126.5, 45.6, 126.9, 45.9)], crs=4326)
    files = export_report(r, tmp_path / "pack", areas=area, lang="zh", brief=False)
    wb = openpyxl.load_workbook(files["xlsx"])
    st_head = [c.value for c in wb["各站点"][1]]
    assert {"容量（户）", "实际服务住户", "负荷率", "剩余容量（户）"} <= set(st_head)
    items = [c.value for c in wb["汇总"]["A"]]
    assert "按容量实际服务住户" in items and "实际服务率" in items
    area_head = [c.value for c in wb["各街道社区"][1]]
    assert "实际服务住户" in area_head and "实际服务率" in area_head
    html = open(files["map"], encoding="utf-8").read()
    assert '"capacity": [3000.0' in html and '"util": [' in html and "按站点容量实际服务住户" in html


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 2))
def test_capacitated_siting_equals_brute_force(seed, k):
    from coverage.siting.problem import solve_capacitated

    rng = np.random.default_rng(seed)
    n_h, n_c = 10, 5
    cover = rng.random((n_h, n_c)) < 0.4
    w = rng.integers(1, 20, n_h).astype(float)
    cap = rng.integers(5, 40, n_c).astype(float)
    fixed = np.zeros(n_c, dtype=bool)
    fixed[0] = True

    def served(cols):
        mask = np.zeros(n_c, bool)
        mask[list(cols)] = True
        walk = sparse.csr_matrix(np.where(cover & mask, 1.0, 0.0))
        return assign(walk, w, cap).served_weight

    best = max(served([0, *c]) for c in itertools.combinations(range(1, n_c), k))
    r = solve_capacitated(sparse.csr_matrix(cover), w, cap, fixed=fixed, k=k)
    assert r["status"] == "optimal"
    assert r["weight_served_after"] == pytest.approx(best, abs=1e-6)
    assert r["weight_served_before"] == pytest.approx(served([0]), abs=1e-6)
    assert len(r["columns"]) <= k and 0 not in r["columns"]
    g = solve_capacitated(sparse.csr_matrix(cover), w, cap, fixed=fixed, k=k, method="greedy")
    assert g["weight_served_after"] <= best + 1e-6 and g["bound"] >= best - 1e-6


def test_capacitated_siting_on_the_demo(tmp_path):
    """The chosen sites, added as stations with that capacity, serve exactly what siting reported."""
    import json

    import geopandas as gpd
    import pandas as pd

    from coverage import assess
    from coverage.cli import main
    from coverage.demo import demo_inputs, write_demo_inputs
    from coverage.siting import suggest_sites

    path, st, hh = demo_inputs()
    st = st.assign(staff=[2, 1, 1, 2, 1, 1, 2, 1, 3])
    r = assess(path, st, hh, weight="households", staff="staff", caseload=2500)
    x = suggest_sites(r, k=2, new_capacity=5000)
    assert x.summary["status"] == "optimal" and x.summary["weight_served_before"] == pytest.approx(
        r.summary.weight_served
    )
    new = x.sites.assign(staff=2)[["id", "staff", "geometry"]].to_crs(st.crs)
    both = gpd.GeoDataFrame(pd.concat([st[["id", "staff", "geometry"]], new], ignore_index=True), crs=st.crs)
    again = assess(path, both, hh, weight="households", staff="staff", caseload=2500)
    assert again.summary.weight_served == pytest.approx(x.summary["weight_served_after"])
    # and from the command line, with siting.json carrying the served weights
    s_csv, h_csv = write_demo_inputs(tmp_path / "in")
    stations = pd.read_csv(s_csv)
    stations["社工"] = [2, 1, 1, 2, 1, 1, 2, 1, 3]
    stations.to_csv(s_csv, index=False)
    assert (
        main(
            [
                "-q",
                "site",
                "--network",
                path,
                "--stations",
                str(s_csv),
                "--households",
                str(h_csv),
                "--weight",
                "户数",
                "--staff-col",
                "社工",
                "--caseload",
                "2500",
                "--k",
                "2",
                "--new-staff",
                "2",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    doc = json.loads((tmp_path / "o" / "siting.json").read_text(encoding="utf-8"))
    assert doc["weight_served_after"] == pytest.approx(x.summary["weight_served_after"])
    assert doc["weight_served_before"] == pytest.approx(r.summary.weight_served)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), share=st.sampled_from([0.5, 0.8, 1.0]))
def test_capacitated_set_covering_equals_brute_force(seed, share):
    from coverage.siting import from_cost_matrix

    rng = np.random.default_rng(seed)
    n_h, n_c = 8, 5
    cost = np.where(rng.random((n_h, n_c)) < 0.45, rng.uniform(0, 10, (n_h, n_c)), np.inf)
    w = rng.integers(1, 10, n_h).astype(float)
    cap = rng.integers(5, 25, n_c).astype(float)

    def served(cols):
        mask = np.zeros(n_c, bool)
        mask[list(cols)] = True
        return assign(sparse.csr_matrix(np.where(np.isfinite(cost) & mask, 1.0, 0.0)), w, cap).served_weight

    most = served(range(n_c))
    goal = min(share * w.sum(), most)
    fewest = next(
        n for n in range(n_c + 1) for c in itertools.combinations(range(n_c), n) if served(c) >= goal - 1e-9
    )
    r = from_cost_matrix(cost, w, max_cost=100, target_share=share, capacity=cap)
    assert len(r.chosen) == fewest
    assert r.summary["weight_served_after"] >= goal - 1e-6
    assert (r.status == "target unreachable") == bool(share * w.sum() > most + 1e-9)


def test_capacitated_set_covering_matches_spopt():
    """spopt's capacitated LSCP (system optimal: all demand served within capacity)
    uses as many facilities."""
    spopt = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    from coverage.siting import from_cost_matrix

    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(30):
        n_h, n_c = 12, 6
        cost = rng.uniform(0, 10, (n_h, n_c))
        demand = rng.integers(1, 6, n_h).astype(float)
        cap = rng.integers(5, 20, n_c).astype(float)
        ours = from_cost_matrix(
            np.where(cost <= 6, cost, np.inf), demand, max_cost=6, target_share=1.0, capacity=cap
        )
        if ours.status == "target unreachable":
            continue
        try:
            ref = spopt.LSCP.from_cost_matrix(cost, 6, facility_capacity_arr=cap, demand_quantity_arr=demand)
            ref = ref.solve(pulp.PULP_CBC_CMD(msg=False))
        except ValueError:  # spopt refuses when total demand exceeds total capacity
            continue
        if ref.problem.status != pulp.LpStatusOptimal:
            continue
        n_ref = sum(1 for v in ref.fac_vars if v.value() and v.value() > 0.5)
        assert len(ours.chosen) == n_ref
        checked += 1
    assert checked >= 10


def test_meeting_pack_with_capacitated_sites(tmp_path):
    """report with staff, a caseload and capacitated sites: every file, the brief included."""
    import pandas as pd

    from coverage.cli import main
    from coverage.demo import HONGQI_PBF, write_demo_inputs

    s_csv, h_csv = write_demo_inputs(tmp_path / "in")
    d = pd.read_csv(s_csv)
    d["社工"] = [2, 1, 1, 2, 1, 1, 2, 1, 3]
    d.to_csv(s_csv, index=False)
    base = [
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(s_csv),
        "--households",
        str(h_csv),
        "--weight",
        "户数",
        "--staff-col",
        "社工",
        "--caseload",
        "2500",
        "--new-staff",
        "2",
    ]
    assert main(["-q", "report", *base, "--k", "2", "--lang", "zh", "--out", str(tmp_path / "pack")]) == 0
    assert {"brief.pdf", "summary.xlsx", "map.html", "sites.csv"} <= {
        p.name for p in (tmp_path / "pack").iterdir()
    }
    assert main(["-q", "site", *base, "--target", "60%", "--out", str(tmp_path / "site")]) == 0
    sites = pd.read_csv(tmp_path / "site" / "sites.csv")
    assert sites["served_share_after"].iloc[-1] >= 0.6
