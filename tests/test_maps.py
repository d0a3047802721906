"""The HTML map: offline, escaped, every layer drawn; checked in headless Chromium."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from coverage import assess
from coverage.output.explore import coverage_map, static_map
from coverage.output.html_map import save_map

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def result(helsinki, demo_data):
    _, st, hh = demo_data
    st = st.copy()
    st.loc[0, "name"] = XSS
    hh = hh.copy()
    hh.loc[0, "id"] = "<b>bold</b>"
    return assess(helsinki, st, hh, minutes=5, weight="households")


@pytest.fixture(scope="module")
def map_html(result, tmp_path_factory):
    from coverage import suggest_sites

    sites = suggest_sites(result, k=2).sites
    path = tmp_path_factory.mktemp("map") / "map.html"
    save_map(coverage_map(result, lang="en", network=True, sites=sites), path)
    return path


def test_no_external_assets(map_html):
    text = map_html.read_text(encoding="utf-8")
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text)
    assert srcs and all(s.startswith("data:") for s in srcs), [
        s[:60] for s in srcs if not s.startswith("data:")
    ]
    urls = set(re.findall(r"https?://[^\"'\s)\\]+", text))
    assert urls <= {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
        "http://www.w3.org/2000/svg",
    }, urls  # the last is the SVG namespace, never fetched
    assert "openstreetmap.org/copyright" in text and "contributors (ODbL)" in text


def test_data_text_is_escaped(map_html):
    text = map_html.read_text(encoding="utf-8")
    assert XSS not in text
    # names reach the page as JSON with <, > and & escaped, and the DOM as text (see the browser test)
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in text
    assert "<b>bold</b>" not in text


def test_chinese_labels(result, tmp_path):
    path = save_map(coverage_map(result, lang="zh"), tmp_path / "zh.html")
    assert "5分钟步行覆盖" in path.read_text(encoding="utf-8")


def test_many_households_are_aggregated(result, tmp_path):
    path = save_map(coverage_map(result, max_points=10), tmp_path / "agg.html")
    text = path.read_text(encoding="utf-8")
    assert "(hex cells)" in text and "heatLayer" in text
    assert "cdn.jsdelivr" not in text


def test_static_png(result, tmp_path):
    p = static_map(result, tmp_path / "m.png")
    assert p.stat().st_size > 10_000
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_notebook_repr_is_offline(result):
    html = coverage_map(result)._repr_html_()
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html


# ---------------------------------------------------------------- in a browser


@pytest.fixture
def page(browser, map_html):
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    requests = []

    def block(route):
        requests.append(route.request.url)
        route.abort()

    ctx.route(re.compile(r"^https?://"), block)
    pg = ctx.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(map_html.as_uri())
    pg.wait_for_timeout(800)
    pg.requests = requests
    yield pg
    ctx.close()


def test_loads_offline_without_errors(page):
    assert page.errors == []
    assert page.evaluate("typeof L") == "object"
    # only basemap tiles were attempted
    assert page.requests, "expected tile requests"
    assert all(u.startswith("https://tile.openstreetmap.org/") for u in page.requests), page.requests
    assert page.is_visible("#sc-offline")  # says the basemap is unavailable


def test_every_layer_is_drawn(page, result):
    n_layers = page.evaluate(
        """() => { let n = 0; const m = Object.values(window).find(v => v instanceof L.Map);
                   m.eachLayer(() => n++); return n; }"""
    )
    assert n_layers > 10
    # bands and outlines are SVG paths; points are on the canvas renderer
    counts = page.evaluate(
        """() => { const m = Object.values(window).find(v => v instanceof L.Map);
                   let circles = 0, polys = 0;
                   m.eachLayer(l => { if (l instanceof L.CircleMarker) circles++;
                                      else if (l instanceof L.Polygon) polys++; });
                   return {circles, polys}; }"""
    )
    n_points = int(result.households["geometry"].notna().sum())
    n_candidates = len(page.evaluate("serviceCoverage.candidates()"))
    assert counts["circles"] == n_points + len(result.stations) + n_candidates
    assert counts["polys"] >= 3
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Within 5 min walk" in t for t in labels)
    assert any("Stations" in t for t in labels)
    assert any("Proposed new stations" in t for t in labels)
    assert page.locator(".sc-site").count() == 2
    assert "With 2 proposed stations" in page.locator("#sc-title").inner_text()


def test_layer_control_toggles(page):
    def n_circles():
        return page.evaluate(
            """() => { const m = Object.values(window).find(v => v instanceof L.Map); let c = 0;
                       m.eachLayer(l => { if (l instanceof L.CircleMarker) c++; }); return c; }"""
        )

    before = n_circles()
    box = page.get_by_role("checkbox", name="Residential points", exact=True)
    box.uncheck()
    assert n_circles() < before
    box.check()
    assert n_circles() == before


def test_names_show_as_text_and_run_nothing(page):
    page.evaluate(
        "() => { Object.values(window).find(v => v instanceof L.Map).setZoom(16, {animate: false}); }"
    )
    page.wait_for_timeout(200)
    labels = page.evaluate("() => [...document.querySelectorAll('.sc-station-label')].map(e => e.innerText)")
    assert XSS in labels, labels
    table = page.locator("#sc-loads").inner_text()
    assert XSS in table
    texts = page.evaluate(
        """() => { const m = Object.values(window).find(v => v instanceof L.Map); const out = [];
                   m.eachLayer(l => { if (l.getPopup && l.getPopup() && !l.feature) {
                       l.openPopup(); const c = document.querySelector('.leaflet-popup-content');
                       if (c) out.push(c.innerText); } });
                   return out; }"""
    )
    page.wait_for_timeout(200)
    assert texts  # the proposed sites' popups
    assert page.locator(".leaflet-popup-content img, .sc-station-label img, #sc-loads img").count() == 0
    assert page.dialogs == []


def test_fullscreen_and_scale_controls(page):
    assert page.locator(".sc-fullscreen").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator("#sc-legend").is_visible()


def _drawn(pg) -> dict:
    """Circle markers drawn on the page, counted by fill colour."""
    return pg.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
        const out = {};
        m.eachLayer(l => { if (l instanceof L.CircleMarker)
          out[l.options.fillColor] = (out[l.options.fillColor] || 0) + 1; });
        return out; }""")


def test_map_when_every_household_is_covered(helsinki, demo_data, tmp_path, browser):
    from coverage.output.mapdata import COVERED_COLOUR, UNCOVERED_COLOUR

    _, st, hh = demo_data
    r = assess(helsinki, st, hh.iloc[:3], minutes=60)
    assert (r.households["status"] == "covered").all()
    # the static map: three covered dots, no uncovered ones, every station drawn
    path = save_map(coverage_map(r, what_if=False), tmp_path / "all.html")
    ctx, pg = _open(browser, path)
    drawn, legend = _drawn(pg), pg.locator("#sc-legend").inner_text()
    ctx.close()
    assert drawn.get(COVERED_COLOUR) == 3 and UNCOVERED_COLOUR not in drawn
    assert sum(drawn.values()) == 3 + int(np.isfinite(r.station_points.lon).sum())
    assert "Uncovered" not in legend and "Covered residential points" in legend
    # the what-if map: the page says the same, and there is nothing to cover with candidates
    path = save_map(coverage_map(r), tmp_path / "all-whatif.html")
    ctx = browser.new_context()
    ctx.route(re.compile(r"^https?://"), lambda rt: rt.abort())
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(path.as_uri())
    pg.wait_for_function("() => window.serviceCoverage !== undefined")
    s = pg.evaluate("serviceCoverage.summary()")
    ctx.close()
    assert errors == [] and s["households_covered"] == 3 and s["share"] == 1


# ---------------------------------------------------------------- the map says what the data says
@pytest.fixture(scope="module")
def tight(helsinki, demo_data):
    """A result with off-network households and an off-network station (a 25 m snap distance)."""
    import geopandas as gpd

    _, st, hh = demo_data
    first = assess(helsinki, st, hh, minutes=5, weight="households", max_snap_m=25)
    off = first.households[first.households["status"] == "off_network"].to_crs(st.crs)
    far = gpd.GeoDataFrame({"id": ["far"], "name": ["Far away"]}, geometry=[off.geometry.iloc[0]], crs=st.crs)
    st2 = gpd.GeoDataFrame(pd.concat([st, far], ignore_index=True), crs=st.crs)
    return assess(helsinki, st2, hh, minutes=5, weight="households", max_snap_m=25)


def _open(browser, path, zoom=None):
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
    pg = ctx.new_page()
    pg.goto(path.as_uri())
    pg.wait_for_timeout(500)
    if zoom is not None:
        pg.evaluate(
            f"() => {{ Object.values(window).find(v => v instanceof L.Map).setZoom({zoom}, "
            f"{{animate: false}}); }}"
        )
        pg.wait_for_timeout(300)
    return ctx, pg


def test_legend_colours_are_the_drawn_colours(browser, map_html):
    ctx, pg = _open(browser, map_html)
    drawn = pg.evaluate(
        """() => { const m = Object.values(window).find(v => v instanceof L.Map); const out = [];
                   m.eachLayer(l => { if (l instanceof L.Polygon && l.options.fillOpacity < 0.5
                                           && !l.feature?.properties?.households)
                       out.push([l.options.fillColor, l.options.fillOpacity]); });
                   return out; }"""
    )
    swatches = pg.evaluate(
        "() => [...document.querySelectorAll('#sc-legend .sc-sw')].map(e => "
        "getComputedStyle(e).backgroundColor)"
    )
    ctx.close()
    assert len(drawn) == 3  # three rings, each drawn once: no overlap that would mix colours
    for col, alpha in drawn:
        r, g, b = (int(col[i : i + 2], 16) for i in (1, 3, 5))
        assert f"rgba({r}, {g}, {b}, {alpha:g})" in swatches, (col, alpha, swatches)


def test_every_symbol_has_its_legend_entry(browser, tight, tmp_path):
    status = tight.households["status"].astype(str)
    assert (status == "off_network").any() and not tight.station_snap.on_network[-1]
    path = save_map(coverage_map(tight), tmp_path / "tight.html")
    assert "<title>5-minute walking coverage</title>" in path.read_text(encoding="utf-8")
    ctx, pg = _open(browser, path)
    legend = pg.locator("#sc-legend").inner_text()
    ctx.close()
    for label in (
        "Covered residential points",
        "Uncovered residential points",
        "Residential points off the network (> 25 m from a street)",
        "Station off the network",
    ):
        assert label in legend, label
    assert "households" not in legend.replace("Uncovered households (hex cells)", "").replace("Proposed", "")
    ctx, pg = _open(browser, save_map(coverage_map(tight, max_points=10), tmp_path / "cells.html"))
    legend = pg.locator("#sc-legend").inner_text()
    n_hex = pg.locator("#sc-legend svg polygon").count()
    ctx.close()
    assert "Uncovered households (hex cells)" in legend and n_hex == 1
    assert "Uncovered residential points" not in legend


def test_station_names_are_labels_at_neighbourhood_zoom(browser, map_html):
    ctx, pg = _open(browser, map_html, zoom=16)
    near = pg.locator(".sc-station-label").first.is_visible()
    pg.evaluate(
        "() => { Object.values(window).find(v => v instanceof L.Map).setZoom(12, {animate: false}); }"
    )
    pg.wait_for_timeout(300)
    far = pg.locator(".sc-station-label").first.is_visible()
    ctx.close()
    assert near and not far
