"""Population groups, floating-catchment access on the walks, and fairness.

Oracles: an independent router (networkx Dijkstra on the same walk graph,
stations inserted on their segments) for the walks; the library's
``two_step_fca`` and a loop-by-loop 2SFCA written here from Luo & Wang
(2003) on those walks; PySAL access when installed; hand counts on toys.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from helpers import LAT0, LON0, REPO, STEP, shared_osm

from coverage import CoverageInputError, assess, load_network
from coverage.accessibility import two_step_fca
from coverage.equity import gini
from coverage.network import from_arrays
from coverage.osm import FLAG_STEPS


def _pts(frame_cols, lonlat):
    return gpd.GeoDataFrame(
        frame_cols, geometry=gpd.points_from_xy(*np.array(lonlat, dtype=float).T), crs=4326
    )


def _line():
    """A straight footway of 10 steps (111 m each) along a meridian; step 4-5 is a flight of steps
    with a detour 4-10-11-5 of three steps around it."""
    lon = [LON0] * 10 + [LON0 + STEP, LON0 + STEP]
    lat = [LAT0 + i * STEP for i in range(10)] + [LAT0 + 4 * STEP, LAT0 + 5 * STEP]
    u = list(range(9)) + [4, 10, 11]
    v = list(range(1, 10)) + [10, 11, 5]
    flags = [0] * 9 + [0, 0, 0]
    flags[4] = FLAG_STEPS
    return from_arrays(np.arange(12), lon, lat, u, v, edge_flags=flags)


def _toy():
    net = _line()
    st = _pts({"id": ["a", "b"], "社工": [2, 4]}, [(LON0, LAT0), (LON0, LAT0 + 9 * STEP)])
    hh = _pts(
        {
            "id": [f"h{i}" for i in range(10)],
            "户数": [10] * 10,
            "老年人": [3, 0, 5, "", 2, 1, 4, 0, 6, 2],
            "残疾人": [1, 0, 0, 0, 0, 2, 0, 0, 1, 0],
        },
        [(LON0, LAT0 + i * STEP) for i in range(10)],
    )
    return net, st, hh


def test_groups_on_a_toy_by_hand():
    net, st, hh = _toy()
    # 4.8 km/h: 5 min = 400 m (3 steps); elderly 2.88 km/h: 5 min = 240 m (2 steps); wheelchair 3.24: 270 m
    r = assess(
        net,
        st,
        hh,
        minutes=5,
        weight="户数",
        groups={"elderly": ("老年人", "elderly"), "disabled": ("残疾人", "wheelchair"), "all": "户数"},
    )
    h = r.households
    assert list(h["covered"]) == [True, True, True, True, False, False, True, True, True, True]
    assert list(h["covered_elderly"]) == [True, True, True, False, False, False, False, True, True, True]
    # wheelchair: h5 (node 5) cannot take the steps down to 4: its walk to b is 4 steps (445 m) > 270 m
    assert list(h["covered_disabled"]) == [True, True, True, False, False, False, False, True, True, True]
    g = r.summary.groups
    assert g["elderly"]["total"] == 23 and g["elderly"]["covered"] == 3 + 0 + 5 + 0 + 6 + 2
    assert g["elderly"]["share_covered"] == pytest.approx(16 / 23, abs=1e-6)
    assert g["elderly"]["profile"] == "elderly" and g["disabled"]["profile"] == "wheelchair"
    assert g["disabled"]["covered"] == 1 + 1 and g["disabled"]["uncovered"] == 2
    assert g["all"]["profile"] == "adult" and g["all"]["covered"] == 80
    assert g["elderly"]["gap_to_all"] == pytest.approx(16 / 23 - 0.8, abs=1e-6)
    assert "walk_min_elderly" in h and "walk_min_all" not in h
    # the fairness of the elderly's walks: the weighted Gini over the reached points
    walk = h["walk_min_elderly"].to_numpy()
    cnt = np.array([3, 0, 5, 0, 2, 1, 4, 0, 6, 2], dtype=float)
    assert g["elderly"]["gini_walk_min"] == pytest.approx(gini(walk[cnt > 0], cnt[cnt > 0]), abs=1e-6)
    unc = r.groups.uncovered(h, "elderly")
    assert list(unc["id"]) == ["h6", "h4", "h5"]  # most people first
    # the wheelchair walk of h5 goes round the steps: 3 steps of detour + 4 steps along = (4 + 3 - 1) x 111 m
    w = r.what_if(profile="wheelchair").households
    assert w["walk_m"].iloc[5] == pytest.approx(4 * 111.195, abs=0.1)
    # what-if keeps the groups
    again = r.what_if(remove_stations=["b"])
    assert again.summary.groups["elderly"]["covered"] == 3 + 0 + 5
    assert "covered_elderly" in again.households


def test_group_errors_are_one_line():
    net, st, hh = _toy()
    with pytest.raises(CoverageInputError, match=r"has no column '老人' for the group '老人'"):
        assess(net, st, hh, groups=["老人:elderly"])
    with pytest.raises(CoverageInputError, match=r"unknown walking profile 'fast'"):
        assess(net, st, hh, groups=["老年人:fast"])
    bad = hh.assign(老年人=[1, 2, "many", 0, 0, 0, 0, 0, -1, 0])
    with pytest.raises(
        CoverageInputError,
        match=r"column '老年人' \(group '老年人'\) is not a count of people in "
        r"index \[2, 8\] \(e.g. 'many'\)",
    ):
        assess(net, st, bad, groups=["老年人"])
    with pytest.raises(CoverageInputError, match="given twice"):
        assess(net, st, hh, groups=["老年人", "老年人:elderly"])
    with pytest.raises(
        CoverageInputError, match="--access 'xfca' is not a measure; use one of 2sfca, e2sfca"
    ):
        assess(net, st, hh, access="xfca")


def _loop_2sfca(pairs, demand, supply):
    """Luo & Wang (2003), loop by loop: R_j = S_j / sum_{d_ij <= d0} D_i; A_i = sum_{d_ij <= d0} R_j."""
    catch = {}
    for i, j in pairs:
        catch[j] = catch.get(j, 0.0) + demand[i]
    ratio = {j: (supply[j] / c if c > 0 else 0.0) for j, c in catch.items()}
    acc = np.zeros(len(demand))
    for i, j in pairs:
        acc[i] += ratio[j]
    return acc


def test_access_on_a_toy_by_hand():
    net, st, hh = _toy()
    r = assess(
        net, st, hh, minutes=5, weight="户数", staff="社工", access="2sfca"
    )  # staff alone: no caseload
    # a reaches h0..h3 (0-333 m <= 400 m), b reaches h6..h9: 40 households each
    a = r.households["access_2sfca"].to_numpy()
    np.testing.assert_allclose(a, [2 / 40 * 1000] * 4 + [0, 0] + [4 / 40 * 1000] * 4)
    s = r.stations
    np.testing.assert_allclose(s["supply_ratio"], [50, 100])
    assert r.summary.access["mean"] == pytest.approx((4 * 50 + 4 * 100) / 10 * 10 / 10)
    assert r.summary.access["share_below_level"] == pytest.approx(0.2)  # the two households without access
    assert "capacity" not in s  # no capacity analysis without a caseload
    e = assess(net, st, hh, minutes=5, weight="户数", staff="社工", access="e2sfca").households[
        "access_e2sfca"
    ]
    # steps 1 up to 1/3, 0.68 up to 2/3, 0.22 up to the threshold (400 m: 133, 267, 400 m)
    wa = np.array([1, 1, 0.68, 0.22]) * 10
    np.testing.assert_allclose(e.iloc[:4], np.array([1, 1, 0.68, 0.22]) * 2 / wa.sum() * 1000)


@pytest.fixture(scope="module")
def harbin():
    from coverage.osm import place_nodes, residential_buildings

    p = shared_osm("harbin-central.osm.pbf")
    net = load_network(p)
    st = place_nodes(p)
    st["social_workers"] = 1 + np.arange(len(st)) % 5
    hh = residential_buildings(p)
    hh["households"] = np.maximum(1, np.round(hh["area_m2"].to_numpy() * 6 / 80))
    return net, st, hh


def _networkx_walks(net, st_snap, hh_snap, limit_m):
    """(household, station) -> walk in metres within limit_m,
    networkx Dijkstra per station on the segments."""
    g = nx.Graph()
    L = net.edge_length_m
    for e in np.argsort(-L):
        g.add_edge(int(net.edge_u[e]), int(net.edge_v[e]), w=float(L[e]))
    by_edge = {}
    for i in np.flatnonzero(hh_snap.on_network):
        by_edge.setdefault(int(hh_snap.edge[i]), []).append(i)
    out = {}
    for j in np.flatnonzero(st_snap.on_network):
        e = int(st_snap.edge[j])
        u, v, a, acc = (
            int(net.edge_u[e]),
            int(net.edge_v[e]),
            float(st_snap.along_m[j]),
            float(st_snap.access_m[j]),
        )
        g.add_edge(("s", j), u, w=a + acc)
        g.add_edge(("s", j), v, w=float(L[e]) - a + acc)
        d = nx.single_source_dijkstra_path_length(g, ("s", j), cutoff=limit_m + 1e-6, weight="w")
        g.remove_node(("s", j))
        near = {node for node in d if not isinstance(node, tuple)}
        edges = np.flatnonzero(np.isin(net.edge_u, list(near)) | np.isin(net.edge_v, list(near)))
        for ee in list(edges) + [e]:
            for i in by_edge.get(int(ee), ()):
                uu, vv, aa = int(net.edge_u[ee]), int(net.edge_v[ee]), float(hh_snap.along_m[i])
                w = min(d.get(uu, np.inf) + aa, d.get(vv, np.inf) + float(L[ee]) - aa)
                if ee == e:
                    w = min(w, abs(aa - a) + acc)
                w += float(hh_snap.access_m[i])
                if w <= limit_m + 1e-9:
                    out[(int(i), int(j))] = min(w, out.get((int(i), int(j)), np.inf))
    return out


def test_harbin_2sfca_with_staff_follows_an_independent_router(harbin):
    net, st, hh = harbin
    r = assess(net, st, hh, weight="households", staff="social_workers", access="2sfca", id_col=None)
    walks = _networkx_walks(r.network, r.station_snap, r.household_snap, r.params["threshold_m"])
    assert len(walks) > 8000
    demand = hh["households"].to_numpy(dtype=float)
    supply = st["social_workers"].to_numpy(dtype=float)
    rows, cols = np.array(list(walks)).T
    minutes = np.array(list(walks.values())) / (4.8 / 3.6) / 60
    cost = np.full((len(hh), len(st)), np.inf)
    cost[rows, cols] = minutes
    ref = two_step_fca(cost, demand, supply, max_cost=15 + 1e-9)
    got = r.households["access_2sfca"].to_numpy(dtype=float)
    np.testing.assert_allclose(got, np.asarray(ref.access) * 1000, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        got, _loop_2sfca(list(zip(rows, cols, strict=True)), demand, supply) * 1000, rtol=1e-9
    )
    np.testing.assert_allclose(r.stations["supply_ratio"], np.asarray(ref.ratio) * 1000, rtol=1e-9)
    # supply is conserved: the demand-weighted access is the supply of the stations with anyone in reach
    reached = np.asarray(ref.catchment_demand) > 0
    assert (got * demand).sum() / 1000 == pytest.approx(supply[reached].sum(), rel=1e-9)
    a = r.summary.access
    assert a["gini"] == pytest.approx(gini(got, demand), abs=1e-12)
    try:  # PySAL access, when installed (not in the project's environment)
        from access import fca
    except ImportError:
        return
    # PySAL's long cost table (origin = household row, dest = station row), as tests/test_accessibility.py
    # builds it
    pairs = pd.DataFrame({"origin": rows, "dest": cols, "cost": minutes})
    dem = pd.DataFrame({"geoid": np.arange(len(hh)), "demand": demand})
    sup = pd.DataFrame({"supply": supply}, index=pd.Index(np.arange(len(st)), name="geoid"))
    pys = (
        fca.two_stage_fca(dem, sup, pairs, max_cost=15 + 1e-9)
        .reindex(np.arange(len(hh)))
        .to_numpy(dtype=float)
    )
    reach = np.isfinite(pys)  # PySAL leaves households that reach no station NaN; they get 0 here
    np.testing.assert_allclose(got[reach], pys[reach] * 1000, rtol=1e-9)
    assert (got[~reach] == 0).all() and reach.sum() > 4000


def test_harbin_groups_share_the_network_and_snapping(harbin):
    net, st, hh = harbin
    hh = hh.assign(老年人=np.round(hh["households"] * 0.55), 残疾人=np.round(hh["households"] * 0.15))
    r = assess(
        net,
        st,
        hh,
        weight="households",
        id_col=None,
        groups={"elderly": ("老年人", "elderly"), "disabled": ("残疾人", "wheelchair")},
    )
    el = assess(net, st, hh, weight="households", id_col=None, profile="elderly")
    wh = assess(net, st, hh, weight="households", id_col=None, profile="wheelchair")
    np.testing.assert_array_equal(r.households["covered_elderly"], el.households["covered"])
    np.testing.assert_array_equal(r.households["covered_disabled"], wh.households["covered"])
    g = r.summary.groups
    w = hh["老年人"].to_numpy()
    assert g["elderly"]["covered"] == pytest.approx(w[el.households["covered"].to_numpy()].sum())
    assert g["disabled"]["share_covered"] < g["elderly"]["share_covered"] + 0.2


def test_cli_groups_and_access_with_chinese_inputs(tmp_path):
    """analyze and report with GCJ-02 Excel inputs, Chinese headers, --lang zh, names with braces and quotes
    (the embedded 红旗街道 extract)."""
    from coverage.crs import wgs84_to_gcj02
    from coverage.demo import HONGQI_PBF, demo_inputs

    _, st, hh = demo_inputs("hongqi")
    net = load_network(HONGQI_PBF)
    st = st.assign(social_workers=1 + np.arange(len(st)) % 3)
    sub = hh.iloc[::2].reset_index(drop=True)
    lon, lat = wgs84_to_gcj02(
        sub.geometry.representative_point().x.to_numpy(), sub.geometry.representative_point().y.to_numpy()
    )
    homes = pd.DataFrame(
        {
            "编号": sub["id"],
            "名称": [f'{{{{7*7}}}}楼"{i}"' for i in range(len(sub))],
            "经度": lon,
            "纬度": lat,
            "户数": sub["households"],
            "老年人": np.round(sub["households"] * 0.5),
            "残疾人": np.round(sub["households"] * 0.1),
        }
    )
    slon, slat = wgs84_to_gcj02(st.geometry.x.to_numpy(), st.geometry.y.to_numpy())
    stations = pd.DataFrame(
        {
            "编号": st["id"],
            "名称": st["name"].fillna("") + "{社工站}",
            "经度": slon,
            "纬度": slat,
            "社工": st["social_workers"],
        }
    )
    homes.to_excel(tmp_path / "住户.xlsx", index=False)
    stations.to_excel(tmp_path / "站点.xlsx", index=False)
    base = [sys.executable, "-m", "coverage", "-q"]
    common = [
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
        "--groups",
        "老年人:elderly,残疾人:wheelchair",
        "--access",
        "2sfca",
        "--staff-col",
        "社工",
        "--lang",
        "zh",
    ]
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    import os

    env = {**os.environ, **env}
    p = subprocess.run(
        base + ["analyze", *common, "--out", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    assert "老年人" in p.stdout and "可达性" in p.stdout
    h = pd.read_csv(tmp_path / "a" / "households.csv")
    assert {"covered_老年人", "covered_残疾人", "walk_min_老年人", "access_2sfca"} <= set(h.columns)
    assert len(h) == len(homes) and h["status"].notna().all()
    s = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert set(s["groups"]) == {"老年人", "残疾人"} and s["access"]["supply"] == "staff (社工)"
    unc = pd.read_csv(tmp_path / "a" / "groups_uncovered.csv")
    assert unc["名称"].str.startswith("{{7*7}}").all()
    assert (pd.read_csv(tmp_path / "a" / "stations.csv")["supply_ratio"] >= 0).all()
    # report: a sheet per group and the accessibility sheets in the workbook, the by-area files
    from shapely.geometry import box

    x0, y0, x1, y1 = net.bounds_lonlat
    xm = (x0 + x1) / 2
    areas = gpd.GeoDataFrame(
        {"name": ["东{区}", '西"区"']}, geometry=[box(xm, y0, x1, y1), box(x0, y0, xm, y1)], crs=4326
    )
    areas.to_file(tmp_path / "街道.gpkg")
    p = subprocess.run(
        base
        + [
            "report",
            *common,
            "--areas",
            str(tmp_path / "街道.gpkg"),
            "--no-brief",
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert p.returncode == 0, p.stderr
    from openpyxl import load_workbook

    names = load_workbook(tmp_path / "r" / "summary.xlsx").sheetnames
    assert {"人群 老年人", "人群 残疾人", "可达性", "可达性 供给"} <= set(names)
    ga = pd.read_csv(tmp_path / "r" / "groups_by_area.csv")
    assert set(ga["area"]) >= {"东{区}", '西"区"'} and set(ga["group"]) == {"老年人", "残疾人"}
    fair = pd.read_csv(tmp_path / "r" / "fairness_by_area.csv")
    assert {"gini_walk_min", "access_mean", "access_median", "access_share_below", "gini_access"} <= set(fair)
    # issue 21: under --lang zh no sheet shows a snake_case key or a bare English code; the only such cells
    # are the data (input columns, names) and the name of the access column in households.csv
    assert "elderly" not in p.stdout and "staff" not in p.stdout and "老年人步速" in p.stdout
    book = load_workbook(tmp_path / "r" / "summary.xlsx")
    data = {s["access"]["column"]} | set(homes.columns) | set(stations.columns)
    english = {
        (ws.title, c.coordinate, c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value not in data and ENGLISH_KEY.match(c.value.strip())
    }
    assert not english, sorted(english)[:20]
    assert {"区域", "全体住户覆盖率", "与全体住户差距"} <= {c.value for c in book["人群 残疾人"][1]}
    head = [c.value for c in book["可达性 供给"][1]]
    assert head[:2] == ["编号", "名称"] and head[2].startswith("供给（") and head[3].startswith("供需比")
    assert "供需比（15分钟内每千户供给）" in {c.value for c in book["各站点"][1]}


#: A snake_case identifier (``share_covered``) or a bare lower-case English word (``profile``, ``none``).
ENGLISH_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$|^[a-z]+$")


def _cells(path):
    from openpyxl import load_workbook

    book = load_workbook(path)
    return {
        (ws.title, c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }, book


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_toy_workbook_speaks_one_language(tmp_path, lang):
    """The group and access sheets of a toy (no areas: item / value sheets) in zh hold no English keys or
    codes, in en no Chinese but the data's (group columns, the staff and weight columns)."""
    from coverage.output.people import add_people_sheets
    from coverage.output.workbook import write_workbook

    net, st, hh = _toy()
    r = assess(
        net,
        st,
        hh,
        minutes=5,
        weight="户数",
        groups={"老年人": ("老年人", "elderly"), "残疾人": ("残疾人", "wheelchair")},
        staff="社工",
        access="e2sfca",
    )
    path = tmp_path / "summary.xlsx"
    write_workbook(path, r, lang=lang)
    add_people_sheets(path, r, lang=lang)
    cells, book = _cells(path)
    data = {"老年人", "残疾人", "社工", "户数", r.summary.access["column"], "a", "b"}
    if lang == "zh":
        bad = {
            (t, v) for t, v in cells if isinstance(v, str) and v not in data and ENGLISH_KEY.match(v.strip())
        }
        items = {r_[0]: r_[1] for r_ in book["人群 残疾人"].iter_rows(min_row=2, values_only=True)}
        assert items["步行方式"] == "无障碍（轮椅）" and items["步行速度（km/h）"] == pytest.approx(3.24)
        assert items["5分钟内人数"] == items["已覆盖"] and items["人数列（住户文件）"] == "残疾人"
        acc = {r_[0]: r_[1] for r_ in book["可达性"].iter_rows(min_row=2, values_only=True)}
        assert acc["供给"] == "社工人数（社工列）" and acc["单位"] == "每千户社工人数"
        assert acc["距离衰减"].startswith("分段衰减") and acc["参考水平为默认值（全体均值的一半）"] == "是"
        notes = {r_[0]: r_[1] for r_ in book["说明"].iter_rows(values_only=True)}
        assert notes["供需比（5分钟内每千户供给）"].startswith("supply_ratio：")
    else:
        cjk = re.compile("[\\u4e00-\\u9fff]")
        bad = {
            (t, v)
            for t, v in cells
            if isinstance(v, str) and cjk.search(v) and not any(d in v for d in data if cjk.search(d))
        }
        bad |= {(t, v) for t, v in cells if cjk.search(t) and not any(d in t for d in data)}
        items = {r_[0]: r_[1] for r_ in book["Group 老年人"].iter_rows(min_row=2, values_only=True)}
        assert items["Walking profile"] == "older adults' pace"
    assert not bad, sorted(bad)[:20]


def test_labels_of_groups_and_access_in_both_languages():
    """Every group and access label exists in en and zh; the en ones hold no Chinese, the zh ones no keys."""
    from coverage import settings
    from coverage.output.people import ACCESS_ITEMS, LABELS
    from coverage.output.workbook import HEADERS
    from coverage.walk_access import decay_label, supply_label, unit_label

    cjk = re.compile("[\u4e00-\u9fff]")
    for table in (LABELS, ACCESS_ITEMS, settings.PROFILE_NAMES):
        assert set(table["en"]) == set(table["zh"])
        assert not [v for v in table["en"].values() if cjk.search(v)]
        assert all(cjk.search(v) for v in table["zh"].values())
    assert set(settings.PROFILE_NAMES["zh"]) == set(settings.SPEED_PROFILES_KPH)
    for key in ("supply", "supply_ratio", "catchment_demand"):
        assert cjk.search(HEADERS["zh"][key]) and not cjk.search(HEADERS["en"][key])
    assert supply_label("staff (社工)", "zh") == "社工人数（社工列）"
    assert supply_label("capacity (容量)", "zh") == "容量（容量列，户）"
    assert supply_label("1 per station", "zh") == "每站计1" and supply_label("staff (x)", "en") == "staff (x)"
    assert unit_label({"supply": "1 per station", "unit": "u"}, "zh") == "每千户站点数"
    assert unit_label({"supply": "1 per station", "unit": "u"}, "en") == "u"
    assert decay_label("gaussian(bandwidth=7.5)", "zh") == "高斯衰减（带宽 7.5 分钟）"
    assert decay_label("step({5: 1, 10: 0.68, 15: 0.22})", "zh").endswith("{5: 1, 10: 0.68, 15: 0.22}")


def test_map_access_layer_and_groups_follow_the_scenario(browser, tmp_path):
    """map.html: the access layer and its legend; the own-profile groups follow the what-if exactly (Python's
    what_if), the other profiles stay at the starting scenario; data from the inputs stays text."""
    import re

    from coverage import save_map
    from coverage.demo import DEMO_GROUPS, demo_inputs

    path, st, hh = demo_inputs("hongqi")
    st = st.assign(name=st["name"] + "<img src=x onerror=alert(1)>{{7*7}}")
    r = assess(
        load_network(path),
        st,
        hh,
        weight="households",
        groups=DEMO_GROUPS,
        access="2sfca",
        staff="social_workers",
    )
    page = tmp_path / "map.html"
    save_map(r.explore(lang="zh"), page)
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    ctx.route(re.compile(r"^https?://"), lambda req: req.abort())
    pg = ctx.new_page()
    errors, dialogs = [], []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        pg.goto(page.as_uri())
        pg.wait_for_function(
            "() => window.serviceCoverage !== undefined && window.SCPeople !== undefined", timeout=10_000
        )
        assert errors == [] and dialogs == []
        start = pg.evaluate("SCPeople.groups()")
        for name, g in r.summary.groups.items():
            assert (
                start[name]["covered"] == pytest.approx(g["covered"]) and start[name]["total"] == g["total"]
            )
        assert start["儿童"]["follows"] and not start["老年人"]["follows"] and not start["残疾人"]["follows"]
        assert "初始方案" in pg.locator("#sc-groups").inner_text()
        remove = [str(x) for x in st["id"].iloc[:3]]
        pg.evaluate("(s) => serviceCoverage.apply(s)", {"remove": remove, "add": []})
        after = pg.evaluate("SCPeople.groups()")
        want = r.what_if(remove_stations=remove).summary.groups
        assert after["儿童"]["covered"] == pytest.approx(want["儿童"]["covered"])
        assert after["儿童"]["covered"] < start["儿童"]["covered"]
        assert (
            after["老年人"]["covered"] == start["老年人"]["covered"]
        )  # another profile: the starting scenario
        # the access layer, from the layer control, with its own legend
        label = r.summary.access["method"]
        pg.locator(".leaflet-control-layers-overlays label", has_text=label).click()
        assert pg.is_visible("#sc-access-legend") and "无站点" in pg.locator("#sc-access-legend").inner_text()
        assert errors == [] and dialogs == [] and pg.locator("img[src=x]").count() == 0
    finally:
        ctx.close()


def test_brief_has_the_groups_and_the_lorenz_curves(tmp_path):
    import shutil

    from coverage.demo import DEMO_GROUPS, demo_inputs
    from coverage.output.brief import write_brief

    path, st, hh = demo_inputs("hongqi")
    r = assess(
        load_network(path),
        st,
        hh,
        weight="households",
        groups=DEMO_GROUPS,
        access="e2sfca",
        staff="social_workers",
    )
    from matplotlib.backends.backend_pdf import PdfPages

    from coverage.output.brief import _table
    from coverage.output.people import brief_page

    with PdfPages(
        tmp_path / "brief-en.pdf"
    ) as pdf:  # the English page alone (Chinese group names still drawn)
        brief_page(pdf, r, lang="en", table=_table)
    write_brief(tmp_path / "brief-zh.pdf", r, isochrones=r.isochrones(), lang="zh")
    for lang, words in (
        ("zh", ["重点人群与公平性", "老年人", "洛伦兹曲线", "基尼系数"]),
        ("en", ["Groups and fairness", "Lorenz curves", "Gini", "老年人"]),
    ):
        pdf = tmp_path / f"brief-{lang}.pdf"
        if shutil.which("pdftotext") is None:
            continue
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for w in words:
            assert w in text, (lang, w)
        share = f"{r.summary.groups['老年人']['share_covered']:.1%}"
        assert share in text


def test_by_area_on_the_toy_by_hand():
    from shapely.geometry import box

    net, st, hh = _toy()
    r = assess(
        net,
        st,
        hh,
        minutes=5,
        weight="户数",
        staff="社工",
        access="2sfca",
        groups={"elderly": ("老年人", "elderly")},
    )
    lo, mid, hi = LAT0 - STEP / 2, LAT0 + 4.5 * STEP, LAT0 + 9.5 * STEP
    areas = gpd.GeoDataFrame(
        {"name": ["南{区}", "北区"]},
        geometry=[box(LON0 - STEP, lo, LON0 + 2 * STEP, mid), box(LON0 - STEP, mid, LON0 + 2 * STEP, hi)],
        crs=4326,
    )
    g = r.groups.by_area(r, areas).set_index("area")
    # elderly [3, 0, 5, 0, 2 | 1, 4, 0, 6, 2], covered at 0.8 m/s [T, T, T, F, F | F, F, T, T, T]
    assert g.loc["南{区}", "people"] == 10 and g.loc["南{区}", "covered"] == 8
    assert g.loc["北区", "people"] == 13 and g.loc["北区", "covered"] == 8
    assert g.loc["南{区}", "share_covered_all"] == pytest.approx(0.8)  # households: 4 of 5 points of 10
    assert g.loc["北区", "gap_to_all"] == pytest.approx(8 / 13 - 0.8)
    from coverage.walk_access import by_area

    f = by_area(r, areas).set_index("area")
    assert f.loc["南{区}", "access_mean"] == pytest.approx((4 * 50 + 0) / 5)  # 2 workers for 40 households
    assert f.loc["北区", "access_mean"] == pytest.approx((0 + 4 * 100) / 5)
    assert f.loc["南{区}", "access_median"] == pytest.approx(50)
    assert f.loc["北区", "access_share_below"] == pytest.approx(0.2)  # level: half the mean (30)
    walk = r.households["walk_min"].to_numpy()[:5]
    assert f.loc["南{区}", "gini_walk_min"] == pytest.approx(gini(walk, np.full(5, 10.0)))


def test_step_free_group_with_gated_compounds_is_one_line():
    from shapely.geometry import box

    net, st, hh = _toy()
    comp = gpd.GeoDataFrame(
        {"compound_id": ["c1"]},
        geometry=[box(LON0 - STEP / 2, LAT0 + 0.5 * STEP, LON0 + STEP / 2, LAT0 + 2.5 * STEP)],
        crs=4326,
    )
    gates = _pts({"id": ["g1"], "compound_id": ["c1"]}, [(LON0, LAT0 + 0.5 * STEP)])
    with pytest.raises(CoverageInputError, match="with gated compounds run it as its own analysis"):
        assess(net, st, hh, compounds=comp, gates=gates, groups={"d": ("残疾人", "wheelchair")})
    r = assess(
        net, st, hh, compounds=comp, gates=gates, groups={"e": ("老年人", "elderly")}
    )  # speeds only: fine
    assert "covered_e" in r.households


def test_what_if_keeps_access_and_groups_for_added_stations():
    net, st, hh = _toy()
    r = assess(net, st, hh, minutes=5, weight="户数", staff="社工", access="2sfca", groups=["老年人"])
    mid = _pts({"id": ["m"], "社工": [5]}, [(LON0, LAT0 + 4.5 * STEP)])
    x = r.what_if(add_stations=mid)
    fresh = assess(
        net,
        pd.concat([st, mid], ignore_index=True),
        hh,
        minutes=5,
        weight="户数",
        staff="社工",
        access="2sfca",
        groups=["老年人"],
    )
    np.testing.assert_allclose(x.households["access_2sfca"], fresh.households["access_2sfca"])
    assert x.summary.groups == fresh.summary.groups
    # added stations without the staff column get the median station's supply (3 of 2 and 4)
    y = r.what_if(add_stations=mid.drop(columns="社工"))
    assert list(y.stations["supply"]) == [2, 4, 3]
