"""The meeting pack as a planner hands it over: formatted Excel, a printable brief, a map readable offline."""

from __future__ import annotations

import re

import pytest

from coverage import assess, save_map
from coverage.cli import main
from coverage.demo import HONGQI_PBF, demo_inputs


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    d = tmp_path_factory.mktemp("pack")
    from coverage.demo import write_demo_inputs

    st, hh = write_demo_inputs(d / "in")
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
                "--lang",
                "en",
                "--no-brief",
                "--out",
                str(d / "en"),
            ]
        )
        == 0
    )
    return d


def test_workbook_is_a_report(pack):
    import openpyxl

    wb = openpyxl.load_workbook(pack / "zh" / "summary.xlsx")
    assert wb.sheetnames == ["说明", "汇总", "各站点", "建议新增站点"]
    notes = [c.value for c in wb["说明"]["A"]]
    assert "已覆盖" in notes and "不在路网上" in notes and "数据来源" in notes and "OpenStreetMap" in notes
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes == "A2"
        header = [c.value for c in ws[1]]
        assert all(c.font.bold for c in ws[1])
        for j, h in enumerate(header, start=1):
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
            lines = (
                ws.row_dimensions[1].height / 15 if ws.row_dimensions[1].height else 1
            )  # long headers wrap
            assert width * lines >= sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(h)), (ws.title, h, width)
    st = wb["各站点"]
    header = [c.value for c in st[1]]
    assert header[:4] == ["编号", "名称", "经度（WGS-84）", "纬度（WGS-84）"]
    assert {"在路网上", "15分钟内住户", "15分钟内居住点"} <= set(header)
    col = header.index("15分钟内住户") + 1
    cell = st.cell(row=2, column=col)
    assert isinstance(cell.value, (int, float)) and cell.number_format == "#,##0"
    summ = wb["汇总"]
    shares = [r for r in summ.iter_rows(min_row=2) if r[0].value == "住户覆盖率"]
    assert shares and shares[0][1].number_format == "0.0%" and 0 < shares[0][1].value < 1
    sites = wb["建议新增站点"]
    sh = [c.value for c in sites[1]]
    assert "累计覆盖率" in sh and sites.cell(row=2, column=sh.index("累计覆盖率") + 1).number_format == "0.0%"
    en = openpyxl.load_workbook(pack / "en" / "summary.xlsx")
    assert en.sheetnames[0] == "Notes" and [c.value for c in en["By station"][1]][:2] == ["ID", "Name"]


def test_brief_pdf(pack):
    pypdf = pytest.importorskip("pypdf")
    from coverage.output.static_map import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk): the Chinese brief falls back to English")
    reader = pypdf.PdfReader(str(pack / "zh" / "brief.pdf"))
    assert 1 <= len(reader.pages) <= 2
    text = "".join(p.extract_text() for p in reader.pages)
    r_text = (pack / "zh" / "manifest.json").read_text(encoding="utf-8")
    import json

    s = json.loads(r_text)["summary"]
    assert f"{s['n_covered']:,}" in text and f"{s['weight_covered']:,.0f}" in text
    assert f"{s['share_covered_weight']:.1%}" in text
    assert "主要指标" in text and "建议新增站点" in text and "15分钟内" in text
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            f = f.get_object()
            desc = f.get("/FontDescriptor") or f["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            fonts.add(any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")))
    assert fonts == {True}  # every font embedded
    assert not (pack / "en" / "brief.pdf").exists()  # --no-brief


def test_cjk_font_found_after_a_stale_cache(monkeypatch):
    """A font installed after matplotlib built its cache is still found (added by path)."""
    from matplotlib import font_manager

    from coverage.output.static_map import cjk_font

    if not any("cjk" in f.lower() for f in font_manager.findSystemFonts()):
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")
    stale = [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    assert cjk_font() is not None


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cf"
    "c0000003010100c9fe92ef0000000049454e44ae426082"
)


@pytest.mark.parametrize("tiles_load", [False, True])
def test_streets_drawn_offline_and_step_aside_for_tiles(browser, tmp_path, tiles_load):
    path, st, hh = demo_inputs()
    r = assess(path, st, hh, weight="households")
    html = save_map(r.explore(), tmp_path / "m.html")
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    if tiles_load:
        ctx.route(
            re.compile(r"^https://tile\.openstreetmap\.org/"),
            lambda rt: rt.fulfill(body=PNG, content_type="image/png"),
        )
    ctx.route(re.compile(r"^https?://(?!tile\.openstreetmap\.org/)"), lambda rt: rt.abort())
    if not tiles_load:
        ctx.route(re.compile(r"^https?://"), lambda rt: rt.abort())
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(html.as_uri())
    pg.wait_for_function("() => window.serviceCoverageStreets !== undefined")
    pg.wait_for_timeout(500)
    info = pg.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map); let n = 0;
        m.eachLayer(l => { if (l instanceof L.Polyline && !(l instanceof L.Polygon)
                               && l.options.renderer
                               && l.options.renderer.options.pane === 'scStreets') n++; });
        return {n, lines: serviceCoverageStreets.lines, shown: serviceCoverageStreets.shown()}; }""")
    if tiles_load:
        assert not info["shown"] and info["n"] == 0  # the tiles loaded: the streets stepped aside
    else:
        assert info["shown"] and info["n"] == info["lines"] > 100
        pg.evaluate(
            "() => { Object.values(window).find(v => v instanceof L.Map).setView([45.7320, "
            "126.6850], 17, {animate: false}); }"
        )
        pg.wait_for_timeout(300)
        names = pg.evaluate(
            "() => [...document.querySelectorAll('.sc-street-label')].map(e => e.textContent)"
        )
        assert "红旗大街" in names
    assert errors == []
    ctx.close()


def test_harbin_map_within_budget(tmp_path):
    from helpers import shared_osm

    from coverage.osm import place_nodes, residential_buildings

    p = shared_osm("harbin-central.osm.pbf")
    r = assess(str(p), place_nodes(p), residential_buildings(p))
    m = save_map(r.explore(), tmp_path / "harbin.html")
    assert m.stat().st_size <= 5 * 2**20, m.stat().st_size
