"""Hostile inputs, as a red team (or an ordinary spreadsheet) would give them: nothing runs, nothing crashes.

Every text field of every input carries payloads that are code somewhere (Jinja2 ``{{ }}``/``{% %}``, a
``</script>``, a JavaScript template literal ``${}``, HTML, a spreadsheet formula, matplotlib mathtext), in
the planners' own formats (GCJ-02 coordinates, Excel with Chinese headers, ``--lang zh``), through
``analyze``, ``site``, ``report`` and ``demo``; the OSM extract's street and facility names carry them too.
The files say the text as written; the pages show it as written and run none of it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from coverage.cli import main
from coverage.crs import wgs84_to_gcj02
from coverage.demo import HONGQI_PBF, demo_inputs

PAYLOADS = [
    "{{7*7}}社工站",
    "社工站 {% 二楼",
    "{{ lipsum.__globals__.__builtins__.open('PWNED','w').write('x') }}",
    "</script><script>window.__pwned=1</script>",
    "${window.__pwned=2}`反引号`",
    "<img src=x onerror=window.__pwned=3>",
    '=HYPERLINK("http://x","点我")',
    r"$\frac{1}{2}$站",
    '\'"引号"\\ {# 注释 #}',
]


#: File names are text from the data too: each input's name is a payload (those without a "/").
FILES = {
    "network": PAYLOADS[2] + ".osm.pbf",
    "stations": PAYLOADS[0] + ".xlsx",
    "households": PAYLOADS[1] + ".csv",
    "areas": PAYLOADS[8] + ".gpkg",
    "compounds": PAYLOADS[4] + ".geojson",
    "gates": PAYLOADS[7] + ".csv",
    "candidates": PAYLOADS[5] + ".csv",
}
#: ... and so is the output folder's name.
OUT_TAIL = " {{7*7}} {% 二楼 '\"$"


def _gcj(lon, lat):
    return wgs84_to_gcj02(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo's inputs with payloads everywhere, in GCJ-02, as Excel and CSV with Chinese headers."""
    import osmium
    from openpyxl import Workbook

    from coverage.gates import outline_gates
    from coverage.network import load_network
    from coverage.osm import residential_areas

    d = tmp_path_factory.mktemp("hostile")
    _, st, hh = demo_inputs()
    # an extract whose street and facility names are payloads, with one more facility for the candidates
    pbf = d / FILES["network"]
    with osmium.SimpleWriter(str(pbf)) as w:
        for k, o in enumerate(osmium.FileProcessor(str(HONGQI_PBF))):
            if "name" in o.tags:
                tags = {t.k: t.v for t in o.tags if t.k != "name:zh"}
                tags["name"] = PAYLOADS[k % len(PAYLOADS)] + tags["name"]
                o = o.replace(tags=tags)
            w.add(o)
    # stations: Excel, Chinese headers, GCJ-02, every name and id a payload
    wb = Workbook()
    ws = wb.active
    ws.title = "社工站"
    ws.append(["编号", "名称", "经度", "纬度", "社工人数"])
    lon, lat = _gcj(st.geometry.x, st.geometry.y)
    for i in range(len(st)):
        ws.append(
            [f"{PAYLOADS[i % len(PAYLOADS)]}#{i}", PAYLOADS[(i + 3) % len(PAYLOADS)], lon[i], lat[i], 2]
        )
        for c in ws[ws.max_row][:2]:
            c.data_type = "s"  # the payload is text, not a formula, in the planner's file
    wb.save(d / FILES["stations"])
    # households: CSV, GBK, Chinese headers, GCJ-02; the first rows' ids are payloads, and every name and
    # remark
    pt = hh.geometry.representative_point()
    lon, lat = _gcj(pt.x, pt.y)
    ids = [f"{PAYLOADS[i]}@{i}" if i < len(PAYLOADS) else str(v) for i, v in enumerate(hh["id"])]
    pd.DataFrame(
        {
            "编号": ids,
            "名称": [PAYLOADS[i % len(PAYLOADS)] for i in range(len(hh))],
            "户数": hh["households"],
            "经度": lon,
            "纬度": lat,
            "备注 {{7*7}} {%": [PAYLOADS[-i % len(PAYLOADS)] for i in range(len(hh))],
        },
    ).to_csv(d / FILES["households"], index=False, encoding="gb18030")
    # candidate sites (for site): payload ids and names, GCJ-02
    pick = np.arange(0, len(hh), 25)
    pd.DataFrame(
        {
            "编号": [f"{PAYLOADS[i % len(PAYLOADS)]}%{i}" for i in range(pick.size)],
            "名称": [PAYLOADS[(i + 2) % len(PAYLOADS)] for i in range(pick.size)],
            "经度": lon[pick],
            "纬度": lat[pick],
        }
    ).to_csv(d / FILES["candidates"], index=False)
    # areas and compounds with payload names, gates with payload ids (the compounds in WGS-84, the gates
    # GCJ-02)
    areas = residential_areas(HONGQI_PBF).iloc[:40].copy()
    areas["名称"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(areas))]
    areas[["名称", "geometry"]].dissolve(by="名称", as_index=False).to_file(d / FILES["areas"], layer="街道")
    comp = residential_areas(HONGQI_PBF).iloc[:60].reset_index(drop=True)
    comp = comp.assign(
        compound_id=[f"{PAYLOADS[i % len(PAYLOADS)]}·{i}" for i in range(len(comp))],
        name=[PAYLOADS[(i + 1) % len(PAYLOADS)] for i in range(len(comp))],
    )
    comp[["compound_id", "name", "geometry"]].to_file(d / FILES["compounds"])
    gates = outline_gates(load_network(HONGQI_PBF), comp[["compound_id", "geometry"]])
    glon, glat = _gcj(gates.geometry.x, gates.geometry.y)
    pd.DataFrame(
        {
            "出入口编号": [f"{PAYLOADS[i % len(PAYLOADS)]}!{i}" for i in range(len(gates))],
            "compound_id": gates["compound_id"],
            "经度": glon,
            "纬度": glat,
        }
    ).to_csv(d / FILES["gates"], index=False)
    return d, pbf


def _run(argv, cwd):
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return main(["-q", *argv])
    finally:
        os.chdir(old)


def _inputs(d, pbf):
    return [
        "--network",
        str(pbf),
        "--stations",
        str(d / FILES["stations"]),
        "--households",
        str(d / FILES["households"]),
        "--weight",
        "户数",
        "--crs",
        "gcj02",
    ]


@pytest.fixture(scope="module")
def outputs(hostile, tmp_path_factory):
    """analyze, site, report (en and zh) and demo on the hostile inputs; each must exit 0."""
    d, pbf = hostile
    work = tmp_path_factory.mktemp("runs")
    gated = [
        "--compounds",
        str(d / FILES["compounds"]),
        "--compound-crs",
        "EPSG:4326",
        "--gates",
        str(d / FILES["gates"]),
    ]
    runs = {
        "analyze-zh": [
            "analyze",
            *_inputs(d, pbf),
            *gated,
            "--staff-col",
            "社工人数",
            "--caseload",
            "300",
            "--png",
            "--lang",
            "zh",
        ],
        "analyze-en": ["analyze", *_inputs(d, pbf), "--lang", "en"],
        "site-zh": ["site", *_inputs(d, pbf), "--k", "2", "--lang", "zh"],
        "site-en": ["site", *_inputs(d, pbf), "--k", "2", "--candidates", str(d / FILES["candidates"])],
        "report-zh": [
            "report",
            *_inputs(d, pbf),
            *gated,
            "--k",
            "2",
            "--areas",
            str(d / FILES["areas"]),
            "--lang",
            "zh",
        ],
        "report-en": ["report", *_inputs(d, pbf), "--target", "0.7", "--areas", str(d / FILES["areas"])],
        "demo-zh": ["demo", "--lang", "zh"],
        "demo-en": ["demo"],
    }
    out = {}
    for name, argv in runs.items():
        o = work / (name + OUT_TAIL)
        code = _run([*argv, "--out", str(o)], work)
        assert code == 0, name
        out[name] = o
    return work, out


def test_nothing_runs_while_writing(outputs):
    work, out = outputs
    assert not list(work.rglob("PWNED")) and not Path("PWNED").exists()
    for name, o in out.items():
        html = (o / "map.html").read_text(encoding="utf-8")
        assert "49社工站" not in html, name
        assert name.startswith("demo") or "{{7*7}}" in html, name
        assert "</script><script>window.__pwned" not in html, name


def test_files_hold_the_text_as_written(outputs):
    from openpyxl import load_workbook

    _, out = outputs
    st = pd.read_csv(out["analyze-zh"] / "stations.csv", dtype=str)
    names = set(st["名称"])
    assert {p for p in PAYLOADS if not p.startswith("=")} <= names
    assert "'" + PAYLOADS[6] in names  # a formula in a CSV is shown as text by Excel
    hh = pd.read_csv(out["analyze-zh"] / "households.csv", dtype=str)
    assert hh["编号"].iloc[0] == f"{PAYLOADS[0]}@0" and len(hh) == 955
    wb = load_workbook(out["report-zh"] / "summary.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)  # never a formula
    assert {p for p in PAYLOADS} <= {c.value for c in cells}
    comp = pd.read_csv(out["report-zh"] / "compounds.csv", dtype=str)
    assert comp["compound_id"].str.contains("{{7*7}}", regex=False).any()
    summary = json.loads((out["analyze-zh"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["gates"]["n_gates"] > 0
    # the households' names and remarks, under a payload header, as written
    assert (
        set(hh["名称"]) >= {p for p in PAYLOADS if not p.startswith("=")} and "备注 {{7*7}} {%" in hh.columns
    )
    assert set(hh["备注 {{7*7}} {%"]) >= {p for p in PAYLOADS if not p.startswith("=")}
    # the file names, as written, where a run names its inputs
    notes = {c.value for c in cells if c.parent.title == "说明"}
    for key in ("stations", "households"):
        assert any(FILES[key] in v for v in notes), key
    assert any(FILES["network"] in v for v in notes)
    for name in ("report-zh", "report-en"):
        manifest = json.loads((out[name] / "manifest.json").read_text(encoding="utf-8"))
        assert {k: Path(v["file"]).name for k, v in manifest["inputs"].items()} == {
            k: FILES[k] for k in ("network", "stations", "households", "areas")
        }, name
    assert summary["params"]["network"]["source_name"] == FILES["network"]
    # candidates given in a file: ids and names as written
    sites = pd.read_csv(out["site-en"] / "sites.csv", dtype=str)
    assert len(sites) == 2 and sites["id"].str.contains("%", regex=False).all()
    assert all(i.rsplit("%", 1)[0] in PAYLOADS or i.startswith("'=") for i in sites["id"]), list(sites["id"])


def test_the_brief_and_png_show_the_text(outputs):
    from pypdf import PdfReader

    _, out = outputs
    text = "".join(p.extract_text() for p in PdfReader(out["report-zh"] / "brief.pdf").pages)
    assert (
        r"$\frac{1}{2}$站" in text and "${window.__pwned=2}`反引号`" in text
    )  # areas below target, as written
    assert (out["analyze-zh"] / "map.png").stat().st_size > 10_000
    # an English brief draws the Chinese names from the data with the CJK font, never as boxes
    from coverage.output.static_map import cjk_font

    if cjk_font() is not None:
        fonts = set()
        for page in PdfReader(out["report-en"] / "brief.pdf").pages:
            fonts |= {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
        assert any("CJK" in f for f in fonts) and not any("LastResort" in f for f in fonts), fonts


def test_english_pictures_draw_chinese_names():
    """matplotlib falls back along font.family only:
    the CJK font must be there, not in font.sans-serif alone."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coverage.output.static_map import cjk_font, font_rc

    if cjk_font() is None:
        pytest.skip("no CJK font installed")
    for lang in ("en", "zh"):
        with plt.rc_context(font_rc(lang)), warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)"
            fig = plt.figure()
            fig.text(0.1, 0.5, "Area 红旗社工站 {{7*7}}", weight="bold")
            fig.canvas.draw()
            plt.close(fig)


@pytest.mark.parametrize("run", ["report-zh", "analyze-en", "site-en"])
def test_the_page_shows_the_text_and_runs_none_of_it(browser, outputs, run):
    _, out = outputs
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
    pg = ctx.new_page()
    errors, dialogs = [], []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda dlg: (dialogs.append(dlg.message), dlg.dismiss()))
    pg.goto((out[run] / "map.html").as_uri())
    pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=15_000)
    pg.evaluate(
        "() => { Object.values(window).find(v => v instanceof L.Map).setZoom(16, {animate: false}); }"
    )
    pg.wait_for_timeout(500)
    try:
        assert errors == [] and dialogs == []
        assert pg.evaluate("window.__pwned") is None
        assert pg.locator("img[src=x]").count() == 0
        labels = set(
            pg.evaluate("() => [...document.querySelectorAll('.sc-station-label')].map(e => e.textContent)")
        )
        expected = {PAYLOADS[(i + 3) % len(PAYLOADS)] for i in range(9)}
        assert expected <= labels, expected - labels
        ids = {s["id"] for s in pg.evaluate("serviceCoverage.stations()")}
        assert f"{PAYLOADS[0]}#0" in ids and f"{PAYLOADS[3]}#3" in ids
        table = pg.locator("#sc-loads").inner_text()
        assert any(p in table for p in PAYLOADS[3:])
        streets = pg.evaluate(
            "() => [...document.querySelectorAll('.sc-street-label')].map(e => e.textContent)"
        )
        assert any(s.startswith(tuple(PAYLOADS)) for s in streets), streets[:5]
        cands = {c["name"] for c in pg.evaluate("serviceCoverage.candidates()")}
        assert any(
            c.startswith(tuple(PAYLOADS)) for c in cands
        )  # OSM facilities as candidates, names as data
    finally:
        ctx.close()


# ---------------------------------------------------------------- the what-if page survives any link
@pytest.mark.parametrize(
    "tail",
    [
        "#remove=%%%",
        "#add=%E4%",
        "#remove=nope,nope&add=nope",
        "#garbage&&=&",
        "#remove=" + ",".join(["x" * 50] * 4000),
        "#remove=hq-sgz,hq-sgz",
    ],
)
def test_any_link_is_read_or_ignored_with_a_note(browser, outputs, tail):
    _, out = outputs
    ctx = browser.new_context()
    ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto((out["demo-en"] / "map.html").as_uri() + tail)
    pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=15_000)
    try:
        assert errors == []
        s = pg.evaluate("serviceCoverage.summary()")
        assert s["households_covered"] > 0
        assert pg.is_visible("#sc-whatif-notes")
        assert "ignored" in pg.locator("#sc-whatif-notes").inner_text()
        if tail == "#remove=hq-sgz,hq-sgz":  # removed once, the repeat noted
            assert "hq-sgz" not in s["open"] and "listed twice" in pg.locator("#sc-whatif-notes").inner_text()
        # the tool still works
        pg.click("#sc-reset")
        assert not pg.is_visible("#sc-whatif-notes")
    finally:
        ctx.close()


def test_a_link_to_a_scenario_of_hostile_ids_reopens_it(browser, outputs):
    """Ids with '#', '%', '&', quotes and braces go into the link and come back as the same scenario."""
    _, out = outputs
    ctx = browser.new_context()
    ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
    errors = []
    try:
        pg = ctx.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto((out["site-en"] / "map.html").as_uri())
        pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=15_000)
        remove = [s["id"] for s in pg.evaluate("serviceCoverage.stations()")][:4]
        add = [c["id"] for c in pg.evaluate("serviceCoverage.candidates()") if "%" in c["id"]][
            :3
        ]  # the sites
        assert len(remove) == 4 and len(add) >= 2 and any("{{" in i for i in remove + add)
        page = pg.evaluate("(s) => serviceCoverage.apply(s)", {"remove": remove, "add": add})
        url = pg.url
        assert "#" in url and not pg.is_visible("#sc-whatif-notes")
        pg2 = ctx.new_page()
        pg2.on("pageerror", lambda e: errors.append(str(e)))
        pg2.goto(url)
        pg2.wait_for_function("() => window.serviceCoverage !== undefined", timeout=15_000)
        again = pg2.evaluate("serviceCoverage.summary()")
        assert (
            sorted(again["open"]) == sorted(page["open"])
            and again["weight_covered"] == page["weight_covered"]
        )
        assert not set(remove) & set(again["open"]) and set(add) <= set(again["open"])
        assert not pg2.is_visible("#sc-whatif-notes") and errors == []
    finally:
        ctx.close()


def test_the_demos_rerun_command_runs_as_printed(tmp_path, capsys):
    """The demo prints the analyze command for its inputs; an output folder named like a payload is quoted."""
    import shlex

    out = tmp_path / ("demo" + OUT_TAIL + " $(touch PWNED) `touch PWNED`")
    assert main(["-q", "demo", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    line = next(li for li in text.splitlines() if li.strip().startswith("service-coverage analyze"))
    argv = shlex.split(line)[1:]
    assert argv[argv.index("--stations") + 1] == str(out / "inputs" / "stations.csv")
    argv[argv.index("--out") + 1] = str(tmp_path / "again")
    assert main(["-q", *argv]) == 0
    assert (tmp_path / "again" / "summary.json").exists() and not list(tmp_path.rglob("PWNED"))


# ---------------------------------------------------------------- GCJ-02 end to end
@pytest.fixture(scope="module")
def gcj_demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("gcj")
    _, st, hh = demo_inputs()
    pt = hh.geometry.representative_point()
    for name, frame, pts, extra in (
        ("stations", st, st.geometry, {"名称": st["name"]}),
        ("households", hh, pt, {"户数": hh["households"]}),
    ):
        lon, lat = _gcj(pts.x, pts.y)
        pd.DataFrame({"编号": frame["id"], **extra, "经度": lon, "纬度": lat}).to_csv(
            d / f"{name}.csv", index=False
        )
        pd.DataFrame({"编号": frame["id"], **extra, "经度": pts.x, "纬度": pts.y}).to_csv(
            d / f"{name}-wgs.csv", index=False
        )
    return d


def test_site_with_gcj02_chooses_the_wgs84_sites(gcj_demo, tmp_path):
    d = gcj_demo
    base = ["site", "--network", str(HONGQI_PBF), "--weight", "户数", "--k", "3"]
    assert (
        main(
            [
                "-q",
                *base,
                "--stations",
                str(d / "stations-wgs.csv"),
                "--households",
                str(d / "households-wgs.csv"),
                "--out",
                str(tmp_path / "wgs"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "-q",
                *base,
                "--stations",
                str(d / "stations.csv"),
                "--households",
                str(d / "households.csv"),
                "--crs",
                "gcj02",
                "--out",
                str(tmp_path / "gcj"),
            ]
        )
        == 0
    )
    a = pd.read_csv(tmp_path / "wgs" / "sites.csv")
    b = pd.read_csv(tmp_path / "gcj" / "sites.csv")
    assert list(a["id"]) == list(b["id"])  # the same sites
    np.testing.assert_allclose(a[["lon", "lat"]], b[["lon", "lat"]], atol=1e-7)  # at the same WGS-84 places
    np.testing.assert_allclose(a["households_added"], b["households_added"])  # with the same gains
    # the meeting pack too: report --crs gcj02 --k 5 proposes the WGS-84 run's five sites, places and gains
    five = [*base[:-1], "5"]
    assert (
        main(
            [
                "-q",
                *five,
                "--stations",
                str(d / "stations-wgs.csv"),
                "--households",
                str(d / "households-wgs.csv"),
                "--out",
                str(tmp_path / "wgs5"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "-q",
                "report",
                *five[1:],
                "--stations",
                str(d / "stations.csv"),
                "--households",
                str(d / "households.csv"),
                "--crs",
                "gcj02",
                "--out",
                str(tmp_path / "pack"),
                "--no-brief",
            ]
        )
        == 0
    )
    a5 = pd.read_csv(tmp_path / "wgs5" / "sites.csv")
    c = pd.read_csv(tmp_path / "pack" / "sites.csv")
    assert len(c) == 5 and list(c["id"]) == list(a5["id"])
    np.testing.assert_allclose(a5[["lon", "lat"]], c[["lon", "lat"]], atol=1e-7)
    np.testing.assert_allclose(a5["households_added"], c["households_added"])


def test_what_if_keeps_a_frames_own_crs(gcj_demo):
    from coverage.assessment import assess
    from coverage.siting import suggest_sites

    d = gcj_demo
    r = assess(HONGQI_PBF, d / "stations.csv", d / "households.csv", weight="户数", crs="gcj02")
    sites = suggest_sites(r, k=3)
    after = r.what_if(add_stations=sites.sites)  # WGS-84 already: never converted again
    assert after.summary.weight_covered == pytest.approx(sites.covered_weight)
    assert after.summary.share_covered_weight == pytest.approx(sites.covered_share)
    # a file of added stations is read in the run's CRS (GCJ-02 here), or in its own with crs=
    cand = d / "added.csv"
    lon, lat = _gcj(sites.sites["lon"], sites.sites["lat"])
    pd.DataFrame({"编号": sites.sites["id"], "经度": lon, "纬度": lat}).to_csv(cand, index=False)
    assert r.what_if(add_stations=cand).summary.weight_covered == pytest.approx(sites.covered_weight)
    wgs = d / "added-wgs.csv"
    sites.sites[["id", "lon", "lat"]].to_csv(wgs, index=False)
    assert r.what_if(add_stations=wgs, crs="EPSG:4326").summary.weight_covered == pytest.approx(
        sites.covered_weight
    )


@pytest.mark.parametrize("offset", ["gcj02", "bd09"])
def test_web_map_coordinates_given_as_wgs84_are_refused(tmp_path, capsys, offset):
    from coverage.crs import wgs84_to_bd09

    _, st, hh = demo_inputs()
    conv = _gcj if offset == "gcj02" else wgs84_to_bd09
    pt = hh.geometry.representative_point()
    lon, lat = conv(pt.x.to_numpy(), pt.y.to_numpy())
    pd.DataFrame({"id": hh["id"], "lon": lon, "lat": lat}).to_csv(tmp_path / "h.csv", index=False)
    st[["id", "name", "geometry"]].assign(lon=st.geometry.x, lat=st.geometry.y).drop(
        columns="geometry"
    ).to_csv(tmp_path / "s.csv", index=False)
    argv = [
        "-q",
        "analyze",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(tmp_path / "s.csv"),
        "--households",
        str(tmp_path / "h.csv"),
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"look like {'GCJ-02' if offset == 'gcj02' else 'BD-09'}" in err[0]
    assert f"--household-crs {offset}" in err[0] and f"--crs {offset} for every input" in err[0]
    assert main([*argv, "--household-crs", offset]) == 0


def test_a_shapefile_without_prj_beside_a_lonlat_csv(tmp_path, capsys):
    _, st, hh = demo_inputs()
    hh3 = hh.to_crs("EPSG:32652")[["id", "households", "geometry"]]
    hh3.to_file(tmp_path / "h.shp")
    (tmp_path / "h.prj").unlink()
    st.assign(lon=st.geometry.x, lat=st.geometry.y)[["id", "name", "lon", "lat"]].to_csv(
        tmp_path / "s.csv", index=False
    )
    argv = [
        "-q",
        "analyze",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(tmp_path / "s.csv"),
        "--households",
        str(tmp_path / "h.shp"),
        "--weight",
        "households",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    assert "--household-crs EPSG:4326" in capsys.readouterr().err
    assert main([*argv, "--household-crs", "EPSG:32652"]) == 0
    got = pd.read_csv(tmp_path / "o" / "households.csv")
    assert (got["status"] != "invalid").all()


def test_geoparquet_without_crs_takes_the_advised_option(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    _, st, hh = demo_inputs()
    gpd.GeoDataFrame(hh.drop(columns="geometry"), geometry=gpd.GeoSeries(list(hh.geometry))).to_parquet(
        tmp_path / "h.parquet"
    )
    st.to_file(tmp_path / "s.geojson")
    argv = [
        "-q",
        "analyze",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(tmp_path / "s.geojson"),
        "--households",
        str(tmp_path / "h.parquet"),
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 2
    assert "pass its CRS, e.g. --household-crs EPSG:4326" in capsys.readouterr().err
    assert main([*argv, "--household-crs", "EPSG:4326"]) == 0
    assert (
        main([*argv[:-1], str(tmp_path / "o-all"), "--crs", "EPSG:4326"]) == 0
    )  # --crs for every input works too
    # a Parquet table with no geometry, but lon/lat columns, is read like a CSV
    pt = hh.geometry.representative_point()
    pd.DataFrame({"id": hh["id"], "lon": pt.x, "lat": pt.y}).to_parquet(tmp_path / "t.parquet")
    assert main([*argv[:-4], "--households", str(tmp_path / "t.parquet"), "--out", str(tmp_path / "o2")]) == 0
    pd.DataFrame({"id": hh["id"]}).to_parquet(tmp_path / "none.parquet")
    assert (
        main([*argv[:-4], "--households", str(tmp_path / "none.parquet"), "--out", str(tmp_path / "o3")]) == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no longitude column" in err[0]


# ------------------------------------------------------------ every hostile case: one line, or every row kept
def test_nothing_to_site_is_said_not_crashed(tmp_path, capsys):
    """Homes 30 m beside the middle of long streets, a 1-minute walk:
    no network place is near enough to site."""
    from scipy.spatial import cKDTree

    from coverage.network import load_network

    net = load_network(HONGQI_PBF)
    long = np.flatnonzero(net.ground & (net.edge_length_m > 250))
    a, b = net.xy[net.edge_u[long]], net.xy[net.edge_v[long]]
    normal = np.column_stack([-(b - a)[:, 1], (b - a)[:, 0]]) / np.hypot(*(b - a).T)[:, None]
    xy = (a + b) / 2 + 30 * normal
    xy = xy[cKDTree(net.xy).query(xy)[0] > 100][:3]
    assert len(xy) == 3
    ll = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=net.crs).to_crs(4326)
    pd.DataFrame({"id": ["a", "b", "c"], "lon": ll.x, "lat": ll.y}).to_csv(tmp_path / "h.csv", index=False)
    argv = [
        "-q",
        "site",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(_demo_csv(tmp_path, "s")),
        "--households",
        str(tmp_path / "h.csv"),
        "--minutes",
        "1",
        "--k",
        "2",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(argv) == 0
    assert "Nothing to site" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "o" / "sites.csv")) == 0


def test_no_cache_writes_no_cache(tmp_path):
    from coverage import settings

    before = {p.name for p in Path(settings.cache_folder).iterdir()}
    assert (
        main(
            [
                "-q",
                "report",
                "--network",
                str(HONGQI_PBF),
                "--stations",
                str(_demo_csv(tmp_path, "s")),
                "--households",
                str(_demo_csv(tmp_path, "h")),
                "--no-cache",
                "--no-brief",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    assert {p.name for p in Path(settings.cache_folder).iterdir()} == before
    assert settings.use_cache  # the setting is the process's again after the command


def _demo_csv(d, which):
    _, st, hh = demo_inputs()
    frame = st if which == "s" else hh
    pt = frame.geometry.representative_point()
    path = d / f"{which}.csv"
    pd.DataFrame(
        {
            "id": frame["id"],
            "lon": pt.x,
            "lat": pt.y,
            **({"households": frame["households"]} if which == "h" else {}),
        }
    ).to_csv(path, index=False)
    return path


def test_tiles_that_miss_households_give_the_one_run_answer(tmp_path):
    pytest.importorskip("dask")
    import shapely

    from coverage.assessment import assess
    from coverage.tiles.run import assess_tiled

    _, st, hh = demo_inputs()
    r = assess(HONGQI_PBF, st, hh, weight="households", horizon_min=30)
    xs, ys = hh.geometry.representative_point().x, hh.geometry.representative_point().y
    # two tiles that leave out a strip of households in the middle and the east
    mid = float(np.median(xs))
    tiles = gpd.GeoDataFrame(
        {"name": ["w", "e"]},
        geometry=[
            shapely.box(xs.min() - 0.01, ys.min() - 0.01, mid - 0.004, ys.max() + 0.01),
            shapely.box(mid + 0.002, ys.min() - 0.01, xs.max() - 0.006, ys.max() + 0.01),
        ],
        crs=4326,
    )
    inside = tiles.union_all().contains(shapely.points(xs, ys))
    assert (~inside).sum() > 50
    t = assess_tiled(
        HONGQI_PBF, st, hh, tiles=tiles, out_dir=tmp_path / "t", weight="households", horizon_min=30
    )
    a = r.households["status"].astype(str).to_numpy()
    b = t.households["status"].astype(str).to_numpy()
    assert (a == b).all(), pd.Series(b[a != b]).value_counts()
    np.testing.assert_allclose(t.households["walk_m"], r.households["walk_m"], atol=0.01)


def test_polygon_households_from_geoparquet_tile_by_tile(tmp_path):
    pytest.importorskip("dask")
    from coverage.assessment import assess
    from coverage.tiles.run import assess_tiled

    _, st, hh = demo_inputs()
    polys = hh.to_crs("EPSG:32652").assign(geometry=lambda g: g.geometry.buffer(8)).to_crs(4326)
    polys.to_parquet(tmp_path / "h.parquet")
    t = assess_tiled(
        HONGQI_PBF,
        st,
        tmp_path / "h.parquet",
        tiles="grid:2000",
        out_dir=tmp_path / "t",
        weight="households",
        horizon_min=30,
    )
    one = assess(HONGQI_PBF, st, polys, weight="households", horizon_min=30)
    assert (t.households["status"].astype(str) != "invalid").all()
    assert (
        t.households["status"].astype(str).to_numpy() == one.households["status"].astype(str).to_numpy()
    ).all()


def test_tile_table_never_overwrites_a_tiles_file(tmp_path, capsys):
    pytest.importorskip("dask")
    import shapely

    out = tmp_path / "o"
    out.mkdir()
    tiles = out / "tiles.csv"
    tiles.write_text(f"tile_id,wkt\n1,{shapely.box(126.6, 45.7, 126.8, 45.8).wkt}\n", encoding="utf-8")
    argv = [
        "-q",
        "analyze",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(_demo_csv(tmp_path, "s")),
        "--households",
        str(_demo_csv(tmp_path, "h")),
        "--tiles",
        str(tiles),
        "--out",
        str(out),
    ]
    assert main(argv) == 2
    assert "would overwrite the input file" in capsys.readouterr().err
    assert tiles.read_text(encoding="utf-8").startswith("tile_id,wkt")


def test_bow_tie_compounds_keep_both_lobes_and_far_gates_are_left_out(tmp_path, caplog):
    import shapely
    from helpers import LAT0, LON0, toy_nodes, toy_ways, write_osm

    from coverage.assessment import assess

    path = write_osm(tmp_path / "toy.osm", toy_nodes(), toy_ways())
    d = 0.001
    bowtie = shapely.Polygon(
        [(LON0 + d, LAT0), (LON0 + 3 * d, LAT0 + 2 * d), (LON0 + 3 * d, LAT0), (LON0 + d, LAT0 + 2 * d)]
    )
    assert not bowtie.is_valid
    compounds = gpd.GeoDataFrame({"compound_id": ["C"]}, geometry=[bowtie], crs=4326)
    gates = gpd.GeoDataFrame(
        {"gate_id": ["near", "far"], "compound_id": ["C", "C"]},
        geometry=gpd.points_from_xy([LON0 + d, LON0 + 9 * d], [LAT0 + d / 2, LAT0]),
        crs=4326,
    )
    hh = gpd.GeoDataFrame(
        {"id": ["west", "east"]},
        geometry=gpd.points_from_xy([LON0 + 1.5 * d, LON0 + 2.6 * d], [LAT0 + d, LAT0 + d]),
        crs=4326,
    )
    st = gpd.GeoDataFrame({"id": ["S"]}, geometry=gpd.points_from_xy([LON0], [LAT0 + 0.0005]), crs=4326)
    with caplog.at_level("WARNING", logger="coverage"):
        r = assess(path, st, hh, compounds=compounds, gates=gates, max_snap_m=500)
    assert "repaired keeping every part" in caplog.text and "more than 50 m from the outline" in caplog.text
    outline = r.gate_rule.compounds.frame.geometry.iloc[0]
    assert outline.area == pytest.approx(2 * 0.5 * (2 * d) * d, rel=1e-6)  # both triangles
    assert set(r.households["compound_id"]) == {"C"}  # both lobes hold their household
    status = dict(zip(r.gate_rule.gates.ids, r.gate_rule.gate_status, strict=True))
    assert status == {"near": "used", "far": "too_far"}


def test_excel_as_planners_save_it(tmp_path, capsys):
    import datetime as dt

    from openpyxl import Workbook

    from coverage.io import read_points

    wb = Workbook()
    wb.active.title = "说明"  # an empty first sheet
    ws = wb.create_sheet("站点")
    ws.append(["2024年社工站名单"])
    ws.merge_cells("A1:D1")
    ws.append(["编号", "名称", "经度", "纬度"])
    ws.append([dt.datetime(2024, 1, 5), "站A", 126.68, 45.73])
    ws.append([12, "站B", 126.681, 45.731])
    ws.append([None, None, None, None])  # a blank row: skipped, the numbering kept
    ws.append(["X-3", "站C", "abc", 45.732])
    wb.save(tmp_path / "s.xlsx")
    with pytest.raises(
        Exception,
        match=r"sheet '说明' is empty; the sheets with data are \['站点'\]: pass one with "
        r"--station-sheet 站点",
    ):
        read_points(tmp_path / "s.xlsx", role="stations")
    pts = read_points(tmp_path / "s.xlsx", role="stations", sheet="站点")
    assert list(pts.ids) == ["2024-01-05", "12", "X-3"]  # as the cells show them
    assert pts.rows([2]) == "rows [6]" and pts.reason[2] == "non-numeric coordinate"


def test_capacity_and_staff_messages_name_the_options(tmp_path, capsys):
    s, h = _demo_csv(tmp_path, "s"), _demo_csv(tmp_path, "h")
    base = [
        "-q",
        "site",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(s),
        "--households",
        str(h),
        "--k",
        "1",
        "--out",
        str(tmp_path / "o"),
    ]
    assert main([*base, "--new-capacity", "100"]) == 2
    assert "give --capacity-col" in capsys.readouterr().err
    assert (
        main(
            [
                *base,
                "--new-staff",
                "-2",
                "--caseload",
                "250",
                "--default-capacity",
                "10",
                "--capacity-col",
                "id",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "--new-staff -2" in err and "--new-capacity" not in err


def test_library_calls_check_the_walking_rules_once():
    """The library refuses what the command line refuses, in the same words, wherever the value comes in."""
    from coverage import CoverageInputError
    from coverage.assessment import assess
    from coverage.isochrones import isochrones_for_stations

    _, st, hh = demo_inputs()
    r = assess(HONGQI_PBF, st, hh.iloc[:50], weight="households")
    for bands in ([-5], [], [float("nan")], [1000], ["ten"]):
        with pytest.raises(CoverageInputError, match=r"bands|minutes"):
            r.isochrones(minutes=bands)
    with pytest.raises(CoverageInputError, match="max_snap_m=-5 is out of range"):
        assess(HONGQI_PBF, st, hh.iloc[:5], max_snap_m=-5)
    with pytest.raises(CoverageInputError, match="max_snap_m=-5 is out of range"):
        isochrones_for_stations(HONGQI_PBF, st, max_snap_m=-5)
    with pytest.raises(CoverageInputError, match="minutes=0 is out of range"):
        r.what_if(minutes=0)
    with pytest.raises(CoverageInputError, match="is not a walking speed"):
        r.what_if(speed_kph=0)
    _, union = r.isochrones(minutes=[10, 5, 5])  # repeats are one band
    assert list(union["minutes"]) == [5.0, 10.0]


def test_a_title_row_above_unusual_headers_names_the_header_row(tmp_path):
    """Merged title, headers the reader cannot guess: the message names the row holding the header and the
    options; with them, the title is skipped and the cells are read as shown."""
    import datetime as dt

    from openpyxl import Workbook

    from coverage.io import read_points

    wb = Workbook()
    ws = wb.active
    ws.title = "站点"
    ws.append(["2024年红旗街道社工站名单"])
    ws.merge_cells("A1:D1")
    ws.append(["站点编号", "站名", "X坐标", "Y坐标"])
    ws.append([dt.datetime(2024, 1, 5), "站A", 126.68, 45.73])
    ws.append(["S-2", "站B", 126.681, 45.731])
    wb.save(tmp_path / "s.xlsx")
    with pytest.raises(
        Exception,
        match=r"The first row looks like a title above the header; row 2 holds "
        r"\['站点编号', '站名', 'X坐标', 'Y坐标'\]: name that row's coordinate columns "
        r"with --station-lon-col and --station-lat-col",
    ):
        read_points(tmp_path / "s.xlsx", role="stations")
    pts = read_points(
        tmp_path / "s.xlsx", role="stations", id_col="站点编号", lon_col="X坐标", lat_col="Y坐标"
    )
    assert list(pts.ids) == ["2024-01-05", "S-2"] and pts.lon.tolist() == [126.68, 126.681]
    # gates take the options for every input; candidates have none, so the column is renamed
    with pytest.raises(Exception, match=r"pass it with --lon-col"):
        read_points(tmp_path / "s.xlsx", role="gates", id_col=None)
    pd.DataFrame({"id": ["c"], "东经": [126.68], "北纬": [45.73]}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(Exception, match=r"Rename the column\.$"):
        read_points(tmp_path / "c.csv", role="candidates")


def test_the_elevated_roads_switch_on_the_command_line(tmp_path):
    """--elevated-roads reaches the network: its decks are walkable and the run records it."""
    s, h = _demo_csv(tmp_path, "s"), _demo_csv(tmp_path, "h")
    base = ["-q", "analyze", "--network", str(HONGQI_PBF), "--stations", str(s), "--households", str(h)]
    runs = {}
    for name, extra in (("default", []), ("decks", ["--elevated-roads"])):
        assert main([*base, *extra, "--out", str(tmp_path / name)]) == 0
        runs[name] = json.loads((tmp_path / name / "summary.json").read_text(encoding="utf-8"))["params"][
            "network"
        ]
    assert (
        runs["default"]["elevated_roads"] is False
        and runs["default"]["n_ways_elevated_without_sidewalk"] == 32
    )
    assert runs["decks"]["elevated_roads"] is True and runs["decks"]["n_ways_elevated_without_sidewalk"] == 0
    assert runs["decks"]["n_ways_walkable"] == runs["default"]["n_ways_walkable"] + 32


@pytest.mark.parametrize(
    "role", ["stations", "households", "gates", "compounds", "candidates", "tiles", "points"]
)
def test_messages_name_options_the_command_line_has(tmp_path, role):
    """Each input's sheet, layer, coordinate-column and CRS hints name an option its command takes (gates and
    compounds take the options for every input; candidates take no sheet, layer or column option)."""
    from openpyxl import Workbook

    from coverage.cli import build_parser
    from coverage.io import file_option, read_points

    parser = build_parser()
    options = {
        o
        for sub in parser._subparsers._group_actions[0].choices.values()
        for a in sub._actions
        for o in a.option_strings
    }
    for what in ("crs", "sheet", "layer", "lon-col", "lat-col"):
        opt = file_option(role, what)
        assert opt == "" or opt in options, (role, what, opt)
        assert (opt == "") == (role == "candidates" and what != "crs"), (role, what, opt)
    # an empty first sheet, two layers, unusual headers: the messages carry these options (or no option at
    # all)
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("站点")
    ws.append(["id", "东经", "北纬"])
    ws.append(["a", 126.68, 45.73])
    wb.save(tmp_path / "s.xlsx")
    pts = gpd.GeoDataFrame({"id": ["a"]}, geometry=gpd.points_from_xy([126.68], [45.73]), crs=4326)
    for layer in ("one", "two"):
        pts.to_file(tmp_path / "two.gpkg", layer=layer)
    for path, sheet in (
        (tmp_path / "s.xlsx", None),
        (tmp_path / "two.gpkg", None),
        (tmp_path / "s.xlsx", "站点"),
    ):
        with pytest.raises(Exception) as e:
            read_points(path, role=role, id_col=None, sheet=sheet)
        named = set(re.findall(r"--[a-z][a-z-]+", str(e.value)))
        assert named <= options, (role, named - options)
        assert ("\n" not in str(e.value)) and (named or role == "candidates"), str(e.value)


def test_areas_drawn_on_a_web_map(tmp_path):
    """--area-crs gcj02 reads street outlines drawn on Amap: the table equals the WGS-84 outlines' table; the
    other inputs' --crs never applies to the areas, and an area file without a CRS names --area-crs."""
    import shapely

    from coverage.areas import summarize_by_area
    from coverage.assessment import assess

    _, st, hh = demo_inputs()
    r = assess(HONGQI_PBF, st, hh, weight="households")
    x0, y0, x1, y1 = hh.total_bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    boxes = [
        shapely.box(x0 - 0.01, y0 - 0.01, xm, ym),
        shapely.box(xm, y0 - 0.01, x1 + 0.01, ym),
        shapely.box(x0 - 0.01, ym, xm, y1 + 0.01),
        shapely.box(xm, ym, x1 + 0.01, y1 + 0.01),
    ]
    wgs = gpd.GeoDataFrame({"名称": ["西南", "东南", "西北", "东北"]}, geometry=boxes, crs=4326)
    gcj = wgs.set_geometry(
        shapely.transform(
            np.asarray(wgs.geometry.values, dtype=object),
            lambda xy: np.column_stack(_gcj(xy[:, 0], xy[:, 1])),
        )
    )
    gcj.to_file(tmp_path / "街道.geojson")
    want = summarize_by_area(r, wgs)
    got = summarize_by_area(r, tmp_path / "街道.geojson", crs="gcj02")
    pd.testing.assert_frame_equal(got, want)
    assert not summarize_by_area(r, tmp_path / "街道.geojson").equals(want)  # read as WGS-84: half a km off
    # on the command line: --area-crs; --crs gcj02 for the points leaves the areas in their own CRS
    s, h = _demo_csv(tmp_path, "s"), _demo_csv(tmp_path, "h")
    base = [
        "-q",
        "report",
        "--network",
        str(HONGQI_PBF),
        "--stations",
        str(s),
        "--households",
        str(h),
        "--weight",
        "households",
        "--no-brief",
    ]
    wgs.to_file(tmp_path / "wgs.gpkg")
    assert (
        main(
            [
                *base,
                "--areas",
                str(tmp_path / "街道.geojson"),
                "--area-crs",
                "gcj02",
                "--out",
                str(tmp_path / "a"),
            ]
        )
        == 0
    )
    assert main([*base, "--areas", str(tmp_path / "wgs.gpkg"), "--out", str(tmp_path / "b")]) == 0
    a, b = (pd.read_csv(tmp_path / x / "areas.csv") for x in "ab")
    pd.testing.assert_frame_equal(a, b)
    # a shapefile without its .prj
    from coverage import CoverageInputError
    from coverage.areas import read_areas

    wgs.to_file(tmp_path / "noprj.shp", encoding="utf-8")
    (tmp_path / "noprj.prj").unlink()
    with pytest.raises(CoverageInputError, match="has no CRS; give it with --area-crs"):
        read_areas(tmp_path / "noprj.shp")
    assert read_areas(tmp_path / "noprj.shp", crs="EPSG:4326")[0].crs.equals("EPSG:4326")
