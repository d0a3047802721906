"""The meeting pack as a planner reads it (issue 21): the zh pack of the 红旗 demo from GCJ-02 input with
staff.

Cell types are checked with openpyxl (pd.read_excel would turn text back into numbers), the page setup
through openpyxl's print settings and LibreOffice's own PDF, the brief and the PNG through what they draw.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from coverage.cli import main
from coverage.demo import HONGQI_PBF

STAFF = [3, 2, 4, 3, 2, 5, 3, 2, 4]


@pytest.fixture(scope="module")
def gcj_pack(tmp_path_factory):
    """The zh pack of the 红旗 demo from GCJ-02 files with Chinese headers and a 社工人数 column."""
    from coverage.crs import wgs84_to_gcj02
    from coverage.demo import write_demo_inputs

    d = tmp_path_factory.mktemp("gcjpack")
    st, hh = write_demo_inputs(d / "in")
    for f in (st, hh):
        t = pd.read_csv(f, encoding="utf-8-sig")
        lon_col = "经度" if "经度" in t else "lon"
        lat_col = "纬度" if "纬度" in t else "lat"
        lon, lat = wgs84_to_gcj02(t[lon_col].to_numpy(), t[lat_col].to_numpy())
        t[lon_col], t[lat_col] = np.round(lon, 7), np.round(lat, 7)
        if f == st:
            t["社工人数"] = STAFF[: len(t)]
        t.to_csv(f, index=False, encoding="utf-8-sig")
    assert (
        main(
            [
                "-q",
                "report",
                "--network",
                str(HONGQI_PBF),
                "--stations",
                str(st),
                "--households",
                str(hh),
                "--weight",
                "户数",
                "--crs",
                "gcj02",
                "--staff-col",
                "社工人数",
                "--caseload",
                "250",
                "--k",
                "3",
                "--lang",
                "zh",
                "--out",
                str(d / "zh"),
            ]
        )
        == 0
    )
    return d / "zh"


@pytest.fixture(scope="module")
def book(gcj_pack):
    import openpyxl

    return openpyxl.load_workbook(gcj_pack / "summary.xlsx")


def _column(ws, header):
    heads = [c.value for c in ws[1]]
    j = heads.index(header)
    return [r[j] for r in ws.iter_rows(min_row=2)]


NUMBER_TEXT = re.compile(r"^-?\d+(\.\d+)?$")


def test_numbers_are_stored_as_numbers(book):
    for title, header in (
        ("各站点", "15分钟内居住点"),
        ("各站点", "以本站为最近站的居住点（不限距离）"),
        ("各站点", "社工人数"),
        ("建议新增站点", "序号（按新增贡献）"),
        ("建议新增站点", "新增覆盖住户"),
    ):
        cells = _column(book[title], header)
        assert cells and all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in cells), (
            title,
            header,
        )
    # no cell anywhere holds a number as text, but the ids
    for ws in book.worksheets[1:]:
        heads = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for h, c in zip(heads, row, strict=False):
                if h not in ("编号", "名称") and isinstance(c.value, str):
                    assert not NUMBER_TEXT.match(c.value), (ws.title, h, c.value)


def test_cell_value_handles_every_integer_kind():
    from coverage.output.workbook import _cell_value

    for v in (3, np.int64(3), np.int32(3), np.uint8(3)):
        assert _cell_value(v) == 3 and type(_cell_value(v)) is int
    assert _cell_value(True) is True and _cell_value(np.bool_(False)) is False
    assert _cell_value(2.5) == 2.5 and _cell_value(float("nan")) is None and _cell_value(pd.NA) is None
    assert _cell_value("=1+1") == "=1+1"


def test_headers_and_values_in_chinese(book):
    notes = [c.value for c in book["说明"]["A"] if c.value]
    assert not [v for v in notes if re.fullmatch(r"[a-z_]+", v)], notes  # no snake_case parameter names
    assert {"步行时间阈值（分钟）", "步行速度（km/h）", "输入坐标系", "列说明"} <= set(notes)
    st = book["各站点"]
    heads = [c.value for c in st[1]]
    assert len(heads) == len(set(heads)), heads  # one 社工人数 column
    assert heads.count("社工人数") == 1
    assert {c.value for c in _column(st, "状态")} == {"在路网上"}
    assert not any("on_network" == c.value for ws in book.worksheets for r in ws.iter_rows() for c in r)


def test_coordinates_say_their_crs_and_keep_the_input(book, gcj_pack):
    st = book["各站点"]
    heads = [c.value for c in st[1]]
    assert heads[:6] == [
        "编号",
        "名称",
        "经度（WGS-84）",
        "纬度（WGS-84）",
        "经度（输入，GCJ-02）",
        "纬度（输入，GCJ-02）",
    ]
    given = pd.read_csv(gcj_pack.parent / "in" / "stations.csv", encoding="utf-8-sig")
    lon_col = "经度" if "经度" in given else "lon"
    assert [c.value for c in _column(st, "经度（输入，GCJ-02）")] == pytest.approx(given[lon_col].tolist())
    wgs = np.array([c.value for c in _column(st, "经度（WGS-84）")])
    assert 0.003 < np.abs(wgs - given[lon_col].to_numpy()).max() < 0.01  # GCJ-02 is some 500 m off


def test_demand_and_catchment_told_apart(book):
    st = book["各站点"]
    heads = [c.value for c in st[1]]
    assert "以本站为最近站的住户（不限距离）" in heads and "需求住户（以本站为最近站且在15分钟内）" in heads
    notes = {r[0].value: r[1].value for r in book["说明"].iter_rows() if r[0].value}
    assert "不论距离" in notes["以本站为最近站的住户（不限距离）"]
    assert "阈值之内" in notes["需求住户（以本站为最近站且在15分钟内）"]
    assert "不是建设顺序" in notes["序号（按新增贡献）"]


def test_page_setup(book):
    for ws in book.worksheets:
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.paperSize) == 9  # A4
    for ws in book.worksheets[1:]:
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == "$1:$1" or ws.print_title_rows == "1:1"


@pytest.mark.skipif(not shutil.which("libreoffice"), reason="LibreOffice is not installed")
def test_workbook_prints_on_a_page_per_sheet(gcj_pack, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    subprocess.run(
        [
            "libreoffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(gcj_pack / "summary.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    reader = pypdf.PdfReader(str(tmp_path / "summary.pdf"))
    assert len(reader.pages) == 4  # notes, summary, stations, proposed sites: each on one page
    text = reader.pages[0].extract_text()
    assert "不是建设顺序" in text.replace("\n", "")  # the notes' long texts are on the page


# ---------------------------------------------------------------- brief.pdf and map.png
@pytest.fixture(scope="module")
def hongqi_sites():
    """The 红旗 demo with capacities (all stations but one full) and 3 proposed sites."""
    from coverage import assess, suggest_sites
    from coverage.demo import demo_inputs

    path, st, hh = demo_inputs()
    r = assess(path, st.assign(staff=STAFF[: len(st)]), hh, weight="households", staff="staff", caseload=250)
    return r, suggest_sites(r, k=3)


def test_key_figures_list_the_threshold_once(hongqi_sites):
    from coverage.output.brief import key_figures

    r, sites = hongqi_sites
    for lang in ("en", "zh"):
        labels = [row[0] for row in key_figures(r, lang, sites)]
        assert len(labels) == len(set(labels)), labels
        assert labels.count("15分钟内" if lang == "zh" else "Within 15 min") == 1


def test_sites_are_named_after_a_facility_or_street(hongqi_sites):
    from coverage.output.mapdata import named_sites

    r, sites = hongqi_sites
    assert sites.sites["name"].fillna("").eq("").any()  # network places come without a name
    for lang, words in (("zh", ("旁", "附近")), ("en", ("on ", "near "))):
        named = named_sites(r, sites.sites, lang)
        assert (
            named["name"].map(lambda n, words=words: isinstance(n, str) and any(w in n for w in words)).all()
        ), named["name"]
        assert not named["name"].str.contains("node").any()
    assert sites.sites["name"].fillna("").eq("").any()  # the input is not changed


def _drawn_texts(r, sites, lang):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coverage.output.mapdata import LABELS
    from coverage.output.static_map import draw_map, font_rc
    from coverage.site_names import named_sites

    with plt.rc_context(font_rc(lang)):
        fig, ax = plt.subplots(figsize=(8, 8))
        draw_map(ax, r, r.isochrones(), named_sites(r, sites.sites, lang), LABELS[lang], work=r.network.crs)
        texts = [(t.get_text(), t.get_position()) for t in ax.texts]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        handles = {
            h.get_label(): h.get_color() for h in ax.get_legend().legend_handles if hasattr(h, "get_color")
        }
        plt.close(fig)
    return texts, legend, handles


def test_map_numbers_sites_and_names_streets_and_stations(hongqi_sites):
    from coverage.output.mapdata import UNCOVERED_COLOUR

    r, sites = hongqi_sites
    texts, legend, handles = _drawn_texts(r, sites, "zh")
    shown = {t for t, _ in texts}
    sw = sites.sites.to_crs(r.network.crs)
    for rank, p in zip(sites.sites["rank"], sw.geometry, strict=True):  # each site's number sits on it
        at = [xy for t, xy in texts if t == str(rank)]
        assert at and np.hypot(at[0][0] - p.x, at[0][1] - p.y) < 1, rank
    assert "红旗社工站（示意位置：红旗大街148号）" in shown and "奋斗路街道" in shown  # station names
    streets = {t for t in shown if t.endswith(("路", "街", "大街", "道街"))} - {"奋斗路街道"}
    assert len(streets) >= 5, shown  # the major streets
    assert any("OpenStreetMap 贡献者" in t for t in shown)  # attribution in the chosen language
    # the capacity legend in one language, full stations not in the uncovered points' red
    load = [t for t in legend if t.startswith("站点负荷")]
    assert load and not [t for t in load if re.search(r"[A-Za-z]", t)], load
    full = [c for label, c in handles.items() if label.endswith("已满") and "站点负荷" in label]
    assert full and full[0] != UNCOVERED_COLOUR
    texts_en, legend_en, _ = _drawn_texts(r, sites, "en")
    assert any("OpenStreetMap contributors" in t for t, _ in texts_en)
    assert not [t for t in legend_en if re.search(r"[\u4e00-\u9fff]", t)]


def test_png_has_no_blank_band(hongqi_sites, tmp_path):
    from PIL import Image

    from coverage.output.explore import static_map

    r, sites = hongqi_sites
    png = static_map(r, tmp_path / "m.png", sites=sites.sites, lang="zh")
    im = np.asarray(Image.open(png).convert("L"))
    blank = (im > 250).all(axis=1)
    bottom = np.argmax(~blank[::-1])  # white rows at the bottom
    assert bottom < 0.03 * im.shape[0], (bottom, im.shape)


def test_brief_short_tables_on_page_one(gcj_pack):
    pypdf = pytest.importorskip("pypdf")
    from coverage.output.static_map import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed")
    reader = pypdf.PdfReader(str(gcj_pack / "brief.pdf"))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "建议新增站点" in text and "node" not in text
    assert text.count("15分钟内") == 1
    assert "OpenStreetMap 贡献者" in text


def test_without_a_cjk_font_the_brief_and_png_fall_back_to_english(
    hongqi_sites, tmp_path, monkeypatch, caplog
):
    """Never boxes: with the font lookup failing, labels are English and Chinese names give way to ids."""
    import warnings

    from coverage.output import brief, explore
    from coverage.output import static_map as sm

    monkeypatch.setattr(sm, "cjk_font", lambda: None)
    monkeypatch.setattr(brief, "cjk_font", lambda: None)
    r, sites = hongqi_sites
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("WARNING"):
        warnings.simplefilter("always")
        brief.write_brief(tmp_path / "b.pdf", r, isochrones=r.isochrones(), sites=sites, lang="zh")
        explore.static_map(r, tmp_path / "m.png", sites=sites.sites, lang="zh")
    missing = [
        str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)
    ]
    assert missing == []
    assert (
        "No Chinese font found for brief.pdf" in caplog.text
        and "No Chinese font found for the PNG" in caplog.text
    )
    pypdf = pytest.importorskip("pypdf")
    text = pypdf.PdfReader(str(tmp_path / "b.pdf")).pages[0].extract_text()
    assert "Key figures" in text and not re.search(r"[\u4e00-\u9fff]", text)


def test_english_brief_draws_chinese_names_without_boxes(hongqi_sites, tmp_path):
    """Station and street names are Chinese in an English brief too: drawn with the CJK font, never boxes."""
    import warnings

    from coverage.output.brief import write_brief
    from coverage.output.static_map import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed")
    r, sites = hongqi_sites
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_brief(tmp_path / "en.pdf", r, isochrones=r.isochrones(), sites=sites, lang="en")
    assert not [str(w.message) for w in caught if "Glyph" in str(w.message)]


# ---------------------------------------------------------------- the what-if page
@pytest.fixture(scope="module")
def zh_map(hongqi_sites, tmp_path_factory):
    from coverage import save_map

    r, sites = hongqi_sites
    return save_map(r.explore(lang="zh", sites=sites.sites), tmp_path_factory.mktemp("map") / "map.html")


def _open(browser, url, size=(1300, 900)):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_function("() => window.serviceCoverage !== undefined", timeout=10_000)
    pg.wait_for_function(
        "() => getComputedStyle(document.getElementById('sc-offline')).display !== 'none'", timeout=10_000
    )
    return ctx, pg


def test_every_number_follows_the_scenario(browser, zh_map):
    ctx, pg = _open(browser, zh_map.as_uri())
    try:
        start = pg.locator("#sc-title").inner_text()
        assert "586 / 955" in start
        page = pg.evaluate("serviceCoverage.apply({remove: ['hq-sgz'], add: []})")
        n = page["households_covered"]
        assert n == 585
        title = pg.locator("#sc-title").inner_text()
        assert f"居住点 {n} / 955" in title and "586" not in title
        assert f"{page['weight_covered']:,.0f}" in title
        assert f"居住点 {n}" in pg.locator("#sc-whatif-summary").inner_text()
        assert pg.errors == []
    finally:
        ctx.close()


_OPENED = """(id) => { const m = Object.values(window).find(v => v instanceof L.Map); const out = [];
    const i = [...serviceCoverage.stations(), ...serviceCoverage.candidates()].findIndex(s => s.id === id);
    for (const z of [12, 13, 14, 15, 16, 17]) { m.setZoom(z, {animate: false});
      let drawn = false;
      m.eachLayer(l => {
        if (l instanceof L.CircleMarker && l._site === i && l.options.radius >= 7) drawn = true; });
      out.push(drawn); }
    return out; }"""


def test_an_opened_station_is_drawn_at_every_zoom(browser, zh_map, hongqi_sites):
    from coverage.scenario import scenario

    r, sites = hongqi_sites
    sc = scenario(r, sites=sites.sites)
    cand = next(sc.site_id[i] for i in range(sc.n_stations, sc.n_sites) if sc.site_kind[i] == "network")
    # from a shared link, at the start zoom
    ctx, pg = _open(browser, zh_map.as_uri() + "#add=" + cand)
    try:
        assert cand in pg.evaluate("serviceCoverage.summary().open")
        assert pg.evaluate(_OPENED, cand) == [True] * 6
        # from a click on a candidate (at neighbourhood zoom), then back at city zoom
        other = next(
            sc.site_id[i]
            for i in range(sc.n_stations, sc.n_sites)
            if sc.site_kind[i] == "network" and sc.site_id[i] != cand
        )
        xy = pg.evaluate(
            """(id) => { const m = Object.values(window).find(v => v instanceof L.Map);
            const s = serviceCoverage.candidates().find(x => x.id === id);
            m.setView([s.lat, s.lon], 16, {animate: false});
            const p = m.latLngToContainerPoint([s.lat, s.lon]);
            const r = m.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top]; }""",
            other,
        )
        pg.wait_for_timeout(150)
        pg.mouse.click(*xy)
        pg.wait_for_timeout(100)
        assert other in pg.evaluate("serviceCoverage.summary().open")
        assert pg.evaluate(_OPENED, other) == [True] * 6
        # a dragged "+ New station" dropped at the start zoom
        pg.click("#sc-reset")
        pg.evaluate(
            "() => { Object.values(window).find(v => v instanceof L.Map).setZoom(14, {animate: false}); }"
        )
        pg.click("#sc-new")
        box = pg.locator(".sc-newstation").bounding_box()
        x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        pg.mouse.move(x0, y0)
        pg.mouse.down()
        pg.mouse.move(x0 + 60, y0 + 20, steps=8)
        pg.mouse.up()
        pg.wait_for_timeout(200)
        opened = [
            x for x in pg.evaluate("serviceCoverage.summary().open") if x not in sc.site_id[: sc.n_stations]
        ]
        assert len(opened) == 1 and pg.evaluate(_OPENED, opened[0]) == [True] * 6
        assert pg.errors == []
    finally:
        ctx.close()


def _overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("size", [(1300, 900), (1024, 700), (820, 640)])
def test_notices_and_controls_leave_the_numbers_readable(browser, zh_map, size):
    ctx, pg = _open(browser, zh_map.as_uri(), size)
    try:
        note = pg.locator("#sc-offline").bounding_box()
        for sel in ("#sc-title-summary", "#sc-title-after", "#sc-title-points"):
            assert not _overlap(note, pg.locator(sel).bounding_box()), sel
        scale = pg.locator(".leaflet-control-scale").bounding_box()
        for sel in ("#sc-whatif", "#sc-legend"):
            assert not _overlap(scale, pg.locator(sel).bounding_box()), sel
        assert "OpenStreetMap 贡献者" in pg.locator(".leaflet-control-attribution").inner_text()
        rows, box = pg.evaluate("""() => [
                [...document.querySelectorAll('#sc-loads tr')].map(r => r.getBoundingClientRect().height),
                document.querySelector('.sc-loads').getBoundingClientRect().height]""")
        assert len(set(rows)) == 1 and box % rows[0] == 0  # the station table shows whole rows, none cut
        popup = pg.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
            let t = [];
            m.eachLayer(l => { if (l instanceof L.Marker && l.getTooltip())
              t.push(l.getTooltip().getContent().textContent); });
            return t; }""")
        assert any("旁" in t or "附近" in t for t in popup), popup  # proposed sites named, not node ids
    finally:
        ctx.close()


# ---------------------------------------------------------------- docs and small things
def test_demo_inputs_have_the_readme_headers_and_read_the_extract_once(tmp_path, caplog):
    from coverage.demo import demo_inputs, write_demo_inputs

    with caplog.at_level("INFO", logger="coverage"):
        inputs = demo_inputs()
        st, hh = write_demo_inputs(tmp_path, inputs=inputs)
    assert caplog.text.count("955 residential buildings") == 1
    for f, head in (
        (st, ["编号", "名称", "类型", "社工", "经度", "纬度"]),
        (hh, ["编号", "名称", "建筑类型", "层数", "户数", "老年人", "残疾人", "儿童", "经度", "纬度"]),
    ):
        assert pd.read_csv(f, encoding="utf-8-sig", nrows=1).columns.tolist() == head


def test_siting_logs_the_reduction_before_the_solve(hongqi_sites, caplog):
    from coverage import suggest_sites

    r, _ = hongqi_sites
    with caplog.at_level("INFO", logger="coverage"):
        suggest_sites(r, k=2)
    text = caplog.text
    assert "Siting: " in text and "Solving maximal covering" in text
    assert text.index("Siting: ") < text.index("Solving maximal covering")


def test_every_problem_of_a_file_in_one_message(tmp_path, capsys):
    from coverage import CoverageInputError
    from coverage.io import read_points

    f = tmp_path / "h.csv"
    f.write_text(
        "编号,户数,经度,纬度\na,3,126.68,45.73\na,abc,126.68,45.73\n,-2,126.68,45.73\nb,,126.68,45.73\n",
        encoding="utf-8",
    )
    with pytest.raises(CoverageInputError) as e:
        read_points(f, role="households", weight="户数")
    msg = str(e.value)
    for part in (
        "'编号' is empty in rows [4]",
        "duplicate ids [a] (rows [2, 3])",
        "'户数' is not a number in rows [3]",
        "'户数' is empty in rows [5]",
        "negative or infinite in rows [4]",
    ):
        assert part in msg, (part, msg)
    assert msg.count("h.csv") == 1 and "\n" not in msg
    # the command line: one line, exit code 2
    st = tmp_path / "s.csv"
    st.write_text("编号,经度,纬度\ns1,126.68,45.73\n", encoding="utf-8")
    assert (
        main(
            [
                "-q",
                "analyze",
                "--network",
                str(HONGQI_PBF),
                "--stations",
                str(st),
                "--households",
                str(f),
                "--weight",
                "户数",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "duplicate ids" in err and "not a number" in err


def test_assess_takes_a_plain_dataframe(hongqi_sites):
    from coverage import assess
    from coverage.demo import demo_inputs

    path, st, hh = demo_inputs()
    pts = hh.geometry.representative_point()
    plain = pd.DataFrame({"id": hh["id"], "households": hh["households"], "lon": pts.x, "lat": pts.y})
    r = assess(path, st, plain, weight="households")
    assert r.summary.n_valid == len(hh) and r.summary.n_covered == hongqi_sites[0].summary.n_covered


def test_sites_csv_and_help(gcj_pack, capsys):
    text = (gcj_pack / "sites.csv").read_text(encoding="utf-8-sig")
    rows = pd.read_csv(gcj_pack / "sites.csv", encoding="utf-8-sig", dtype=str)
    assert not rows["households_added"].str.contains(".", regex=False).any(), text
    assert not rows["name"].str.startswith("node").any()
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "brief.pdf" in capsys.readouterr().out


def test_install_everything_installs_the_cross_checks():
    from pathlib import Path

    import tomllib

    py = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    test = {re.split(r"[<>=]", r)[0] for r in py["project"]["optional-dependencies"]["test"]}
    assert {"spopt", "pulp", "tobler"} <= test
