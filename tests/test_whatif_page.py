"""The meeting map as an offline what-if tool: the page's numbers are Python's numbers."""

from __future__ import annotations

import csv
import io
import re

import geopandas as gpd
import numpy as np
import pytest

from coverage import assess, save_map
from coverage.demo import demo_inputs
from coverage.scenario import scenario

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def hongqi():
    path, st, hh = demo_inputs()
    st = st.copy()
    st.loc[0, "name"] = XSS
    return assess(path, st, hh, weight="households")


@pytest.fixture(scope="module")
def sc(hongqi):
    return scenario(hongqi)


def _what_if(result, sc, remove, add):
    new = None
    if add:
        k = sc.sites_of(add)
        new = gpd.GeoDataFrame(
            {"id": [sc.site_id[i] for i in k]},
            geometry=gpd.points_from_xy(sc.site_lon[k], sc.site_lat[k]),
            crs=4326,
        )
    return result.what_if(remove_stations=remove, add_stations=new)


def _same(page: dict, py) -> None:
    s = py.summary
    assert page["households_covered"] == s.n_covered
    assert page["weight_covered"] == pytest.approx(s.weight_covered, abs=1e-9)
    assert page["share_weight"] == pytest.approx(s.share_covered_weight, abs=1e-12)
    for a, b in zip(page["bands"], s.bands, strict=True):
        assert a["minutes"] == b["minutes"] and a["n_within"] == b["n_within"]
        assert a["weight_within"] == pytest.approx(b["weight_within"], abs=1e-9)
    loads = {x["id"]: x for x in page["stations"]} if "stations" in page else None
    if loads is not None:
        st = py.stations.set_index(py.stations["id"].astype(str))
        for sid, row in st.iterrows():
            if sid in loads:
                assert loads[sid]["households_within"] == row["households_within"], sid
                assert loads[sid]["weight_within"] == pytest.approx(row["weight_within"]), sid


def test_scenario_equals_what_if(hongqi, sc):
    assert sc.n_sites > sc.n_stations + 100
    kinds = set(sc.site_kind[sc.n_stations :])
    assert "network" in kinds and kinds & {"school", "library", "community_centre", "kindergarten"}
    rng = np.random.default_rng(0)
    start = sc.evaluate(sc.start_open)
    _same(
        {
            **start,
            "stations": [
                {"id": k, "households_within": v, "weight_within": start["load_weight"][k]}
                for k, v in start["load_households"].items()
            ],
        },
        hongqi,
    )
    for _ in range(6):
        remove = list(rng.choice(sc.site_id[: sc.n_stations], size=2, replace=False))
        add = list(rng.choice(sc.site_id[sc.n_stations :], size=3, replace=False))
        page = sc.evaluate(sc.open_mask(remove=remove, add=add))
        page["stations"] = [
            {"id": k, "households_within": v, "weight_within": page["load_weight"][k]}
            for k, v in page["load_households"].items()
        ]
        _same(page, _what_if(hongqi, sc, remove, add))


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def map_path(hongqi, tmp_path_factory):
    path = tmp_path_factory.mktemp("wi") / "map.html"
    save_map(hongqi.explore(lang="zh"), path)
    return path


def _page(browser, url, *, downloads=False):
    ctx = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=downloads)
    requests = []
    ctx.route(re.compile(r"^https?://"), lambda r: (requests.append(r.request.url), r.abort()))
    pg = ctx.new_page()
    pg.errors, pg.dialogs, pg.requests = [], [], requests
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(url)
    pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=10_000)
    return ctx, pg


def _click_site(pg, site_id):
    """A real mouse click on a station or candidate drawn on the canvas."""
    xy = pg.evaluate(
        """(id) => { const m = Object.values(window).find(v => v instanceof L.Map);
                     const s = [...serviceCoverage.stations(), ...serviceCoverage.candidates()]
                       .find(x => x.id === id);
                     m.setView([s.lat, s.lon], 17, {animate: false});
                     const p = m.latLngToContainerPoint([s.lat, s.lon]);
                     const r = m.getContainer().getBoundingClientRect();
                     return [p.x + r.left, p.y + r.top]; }""",
        site_id,
    )
    pg.wait_for_timeout(150)
    pg.mouse.click(*xy)
    pg.wait_for_timeout(100)


def test_page_api_equals_python(browser, map_path, hongqi, sc):
    ctx, pg = _page(browser, map_path.as_uri())
    try:
        assert pg.errors == [] and pg.dialogs == []
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in pg.requests), pg.requests
        assert len(pg.evaluate("serviceCoverage.stations()")) == sc.n_stations
        cands = pg.evaluate("serviceCoverage.candidates()")
        assert len(cands) == sc.n_sites - sc.n_stations
        assert set(cands[0]) == {"id", "lon", "lat", "name", "kind"}
        _same(pg.evaluate("serviceCoverage.summary()"), hongqi)
        rng = np.random.default_rng(1)
        for _ in range(3):
            remove = [str(x) for x in rng.choice(sc.site_id[: sc.n_stations], size=2, replace=False)]
            add = [str(x) for x in rng.choice(sc.site_id[sc.n_stations :], size=2, replace=False)]
            page = pg.evaluate("(s) => serviceCoverage.apply(s)", {"remove": remove, "add": add})
            _same(page, _what_if(hongqi, sc, remove, add))
            assert "remove=" in pg.evaluate("location.hash") and pg.is_visible("#sc-whatif-stale")
        ms = pg.evaluate("serviceCoverage.time({remove: [], add: []})")
        assert ms < 100
        # the names from the data are text, never markup
        assert XSS in pg.locator("#sc-loads").inner_text() or XSS in str(
            pg.evaluate("serviceCoverage.stations()")
        )
        assert pg.locator("img[src=x]").count() == 0 and pg.dialogs == []
    finally:
        ctx.close()


def test_clicks_hash_reset_download_and_drag(browser, map_path, hongqi, sc, tmp_path):
    ctx, pg = _page(browser, map_path.as_uri(), downloads=True)
    try:
        _click_site(pg, "hq-sgz")  # close the social-work station
        assert pg.evaluate("serviceCoverage.summary().open").count("hq-sgz") == 0
        cand = sc.site_id[sc.n_stations + 5]
        _click_site(pg, cand)  # open a candidate
        page = pg.evaluate("serviceCoverage.summary()")
        assert cand in page["open"]
        _same(page, _what_if(hongqi, sc, ["hq-sgz"], [cand]))
        url = pg.url
        with pg.expect_download() as dl:
            pg.click("#sc-download")
        text = dl.value.path().read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["id"] for r in rows} == set(page["open"])
        # the link reopens the scenario
        ctx2, pg2 = _page(browser, url)
        _same(pg2.evaluate("serviceCoverage.summary()"), _what_if(hongqi, sc, ["hq-sgz"], [cand]))
        ctx2.close()
        # reset returns to the start, and the bands come back
        pg.click("#sc-reset")
        _same(pg.evaluate("serviceCoverage.summary()"), hongqi)
        assert not pg.is_visible("#sc-whatif-stale")
        # drag a new station 80 px to the right: it snaps to the nearest candidate there
        pg.click("#sc-new")
        box = pg.locator(".sc-newstation").bounding_box()
        x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        expected = pg.evaluate(
            """([x, y]) => { const m = Object.values(window).find(v => v instanceof L.Map);
                             const r = m.getContainer().getBoundingClientRect();
                             const ll = m.containerPointToLatLng([x - r.left, y - r.top]);
                             const c = Math.cos(ll.lat * Math.PI / 180);
                             let best = null, bd = Infinity;
                             for (const s of serviceCoverage.candidates()) {
                               const dx = (s.lon - ll.lng) * c, dy = s.lat - ll.lat;
                               if (dx * dx + dy * dy < bd) { bd = dx * dx + dy * dy; best = s.id; } }
                             return best; }""",
            [x0 + 80, y0],
        )
        pg.mouse.move(x0, y0)
        pg.mouse.down()
        pg.mouse.move(x0 + 80, y0, steps=10)
        pg.mouse.up()
        pg.wait_for_timeout(200)
        assert expected in pg.evaluate("serviceCoverage.summary().open")
        assert pg.errors == []
    finally:
        ctx.close()
    # the downloaded stations read back with analyze give the same numbers
    st_csv = tmp_path / "scenario.csv"
    st_csv.write_text(text, encoding="utf-8")
    path, _, hh = demo_inputs()
    again = assess(path, str(st_csv), hh, weight="households")
    assert again.summary.n_covered == page["households_covered"]
    assert again.summary.weight_covered == pytest.approx(page["weight_covered"])


def test_page_honours_capacity(browser, tmp_path):
    """With capacities, the page's households served equal what_if's for any choice of stations."""
    path, st, hh = demo_inputs()
    r = assess(
        path,
        st.assign(staff=[2, 1, 1, 2, 1, 1, 2, 1, 3]),
        hh,
        weight="households",
        staff="staff",
        caseload=2500,
    )
    sc = scenario(r, new_capacity=4000)
    html = save_map(r.explore(new_capacity=4000), tmp_path / "cap.html")
    ctx, pg = _page(browser, html.as_uri())
    try:
        start = pg.evaluate("serviceCoverage.summary()")
        assert start["weight_served"] == pytest.approx(r.summary.weight_served)
        rng = np.random.default_rng(5)
        for _ in range(4):
            remove = [str(x) for x in rng.choice(sc.site_id[: sc.n_stations], size=2, replace=False)]
            add = [str(x) for x in rng.choice(sc.site_id[sc.n_stations :], size=2, replace=False)]
            page = pg.evaluate("(s) => serviceCoverage.apply(s)", {"remove": remove, "add": add})
            k = sc.sites_of(add)
            new = gpd.GeoDataFrame(
                {"id": add}, geometry=gpd.points_from_xy(sc.site_lon[k], sc.site_lat[k]), crs=4326
            )
            py = r.what_if(remove_stations=remove, add_stations=new, new_capacity=4000)
            assert page["weight_served"] == pytest.approx(py.summary.weight_served, abs=1e-6)
            assert page["weight_served"] == pytest.approx(
                sc.evaluate(sc.open_mask(remove=remove, add=add))["weight_served"]
            )
        assert pg.is_visible("#sc-whatif-served") and pg.errors == []
        # the scenario's download carries the capacities: analyze --capacity-col capacity reproduces the page
        text = pg.evaluate("serviceCoverage.stationsCsv()").lstrip("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {"capacity", "staff"} <= set(rows[0]) and len(rows) == len(page["open"])
        st_csv = tmp_path / "scenario.csv"
        st_csv.write_text(text, encoding="utf-8")
        again = assess(path, str(st_csv), hh, weight="households", capacity="capacity")
        assert again.summary.weight_served == pytest.approx(page["weight_served"], abs=1e-6)
        # and so does the command a planner types on the downloaded file
        import json

        from coverage.cli import main

        hh.to_file(tmp_path / "hh.gpkg")
        assert (
            main(
                [
                    "-q",
                    "analyze",
                    "--network",
                    str(path),
                    "--stations",
                    str(st_csv),
                    "--households",
                    str(tmp_path / "hh.gpkg"),
                    "--weight",
                    "households",
                    "--capacity-col",
                    "capacity",
                    "--out",
                    str(tmp_path / "again"),
                ]
            )
            == 0
        )
        summary = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))
        assert summary["weight_served"] == pytest.approx(page["weight_served"], abs=1e-6)
    finally:
        ctx.close()


def test_page_shows_households_within_reach_but_not_served(browser, tmp_path):
    path, st, hh = demo_inputs()
    r = assess(
        path,
        st.assign(staff=[2, 1, 1, 2, 1, 1, 2, 1, 3]),
        hh,
        weight="households",
        staff="staff",
        caseload=2500,
    )
    h = r.households
    n_not_served = int((h["covered"] & (h["served_weight"] < h["households"] - 1e-6)).sum())
    assert n_not_served > 0
    html = save_map(r.explore(), tmp_path / "ns.html")
    ctx, pg = _page(browser, html.as_uri())
    try:
        colour = "#b8860b"
        count = pg.evaluate(
            """(c) => { const m = Object.values(window).find(v => v instanceof L.Map); let n = 0;
                      m.eachLayer(l => {
                        if (l instanceof L.CircleMarker && l.options.fillColor === c) n++; });
                      return n; }""",
            colour,
        )
        assert count == n_not_served
        assert "Within reach, not served" in pg.locator("#sc-legend").inner_text()
    finally:
        ctx.close()


def test_page_follows_the_gates(browser, tmp_path):
    """With gated compounds, the page's numbers are the gated analysis's
    (households reach stations via gates)."""
    from coverage.gates import outline_gates
    from coverage.osm import residential_areas

    path, st, hh = demo_inputs()
    compounds = residential_areas(path).rename(columns={"id": "compound_id"})
    r0 = assess(path, st, hh, weight="households")
    gates = outline_gates(r0.network, compounds)
    r = assess(r0.network, st, hh, weight="households", compounds=compounds, gates=gates)
    assert r.summary.gates["n_points_changed"] > 0
    sc_g = scenario(r)
    m = tmp_path / "map.html"
    save_map(r.explore(), m)
    ctx, pg = _page(browser, m.as_uri())
    try:
        assert pg.errors == []
        _same(pg.evaluate("serviceCoverage.summary()"), r)
        rng = np.random.default_rng(3)
        for _ in range(2):
            remove = [str(x) for x in rng.choice(sc_g.site_id[: sc_g.n_stations], size=1, replace=False)]
            add = [str(x) for x in rng.choice(sc_g.site_id[sc_g.n_stations :], size=3, replace=False)]
            page = pg.evaluate("(s) => serviceCoverage.apply(s)", {"remove": remove, "add": add})
            _same(page, _what_if(r, sc_g, remove, add))
        layers = pg.locator(".leaflet-control-layers").inner_text()
        assert "Gated compounds" in layers and "Compound gates" in layers
    finally:
        ctx.close()
