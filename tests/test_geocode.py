"""Geocoding: addresses and names to coordinates (coverage.geocoding, coverage.address, coverage.geocoders).

Offline tests run on the demo extract (data/harbin-xiangfang-hongqi.osm.pbf)
and on small OSM files written here; the oracles are the extract's own tags
read independently with pyosmium, distances measured with pyproj's geodesic,
and hand-computed positions. Online providers replay the recorded responses
in tests/data/geocode (see its README for the documented formats); the live
tests are marked ``network`` and skip without a key in the environment.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pytest

from coverage import CoverageInputError, settings
from coverage.address import (
    HouseNumber,
    cjk_part,
    looks_like_address,
    name_core,
    name_score,
    normalize_address,
    normalize_text,
    parse_address,
    parse_housenumber,
    strip_admin,
)
from coverage.geocoders import (
    AmapGeocoder,
    GeocoderError,
    NominatimGeocoder,
    TiandituGeocoder,
    make_geocoder,
)
from coverage.geocoding import geocode, load_index

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEMO = REPO / "data" / "harbin-xiangfang-hongqi.osm.pbf"
DATA = HERE / "data" / "geocode"
SHARED = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))
COLUMNS = ["lon", "lat", "status", "quality", "matched", "osm_id", "match_source", "score", "note"]


def _geod_m(lon1, lat1, lon2, lat2) -> float:
    import pyproj

    return float(pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


@pytest.fixture(scope="module")
def demo_index():
    return load_index(DEMO)


@pytest.fixture(scope="module")
def demo_tags():
    """The demo extract's tags, read independently:
    {osm id: (tags, lon, lat or None)} for tagged nodes and the tags of ways."""
    import osmium

    out = {}
    for o in osmium.FileProcessor(str(DEMO)).with_filter(osmium.filter.KeyFilter("name", "addr:housenumber")):
        tags = {t.k: t.v for t in o.tags}
        if o.is_node():
            out[f"n{o.id}"] = (tags, o.location.lon, o.location.lat)
        elif o.is_way():
            out[f"w{o.id}"] = (tags, None, None)
    return out


# ---------------------------------------------------------------- normalisation
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红旗大街１４８号", "红旗大街148号"),
        ("紅旗大街148號", "红旗大街148号"),
        (" 红旗 大街，148 号。", "红旗大街148号"),
        ("🏡 龙跃金水湾", "龙跃金水湾"),
        ("ＡＢＣ小区", "abc小区"),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


def test_normalize_address_keeps_number_dashes_and_reads_chinese_numbers():
    assert normalize_address("红旗大街１４８－２号") == "红旗大街148-2号"
    assert normalize_address("红旗大街148—2号") == "红旗大街148-2号"
    assert normalize_address("红旗大街一百四十八号") == "红旗大街148号"
    assert normalize_address("红旗大街二〇八号") == "红旗大街208号"
    assert normalize_address("红旗大街十五号") == "红旗大街15号"
    assert normalize_address("3#楼") == "3号楼"
    assert normalize_address("三辅二道街") == "三辅二道街"  # numerals inside a street name stay


@pytest.mark.parametrize(
    ("text", "rest", "prefixes"),
    [
        ("黑龙江省哈尔滨市香坊区红旗大街148号", "红旗大街148号", ["黑龙江省", "哈尔滨市", "香坊区"]),
        ("哈尔滨市香坊区红旗街道红旗大街148号", "红旗大街148号", ["哈尔滨市", "香坊区", "红旗街道"]),
        ("红旗街道办事处", "红旗街道办事处", []),  # 街道 stays when no address follows
        ("哈尔滨市香坊区红旗街道", "红旗街道", ["哈尔滨市", "香坊区"]),
        ("红旗大街148号", "红旗大街148号", []),  # 旗 is not a banner here
        ("哈尔滨市红旗小区", "红旗小区", ["哈尔滨市"]),  # 小区 is not a district
        ("中国北京市海淀区学院路18号", "学院路18号", ["中国", "北京市", "海淀区"]),
        ("广西壮族自治区南宁市青秀区民族大道1号", "民族大道1号", ["广西壮族自治区", "南宁市", "青秀区"]),
    ],
)
def test_strip_admin(text, rest, prefixes):
    assert strip_admin(text) == (rest, prefixes)


@pytest.mark.parametrize(
    ("text", "before", "number", "detail"),
    [
        ("红旗大街148号", "红旗大街", HouseNumber(148), ""),
        ("红旗大街148-2号3栋2单元", "红旗大街", HouseNumber(148, 2), "3栋2单元"),
        ("红旗大街148之2号", "红旗大街", HouseNumber(148, 2), ""),
        ("红旗大街148號201室", "红旗大街", HouseNumber(148), "201室"),
        ("红旗大街148", "红旗大街", HouseNumber(148), ""),
        ("学院路甲2号", "学院路", HouseNumber(2, None, "甲"), ""),
        ("1912街1号", "1912街", HouseNumber(1), ""),  # digits inside the street name
        ("哈尔滨市第122中学", "哈尔滨市第122中学", None, ""),  # an ordinal, not a house number
        ("红旗小区3号楼", "红旗小区3号楼", None, ""),  # a building number
        ("红旗大街148号(红旗小区内)", "红旗大街", HouseNumber(148), "(红旗小区内)"),
        ("红旗大街 148 号", "红旗大街", HouseNumber(148), ""),
    ],
)
def test_parse_address(text, before, number, detail):
    p = parse_address(text)
    assert (p.before, p.number, p.detail) == (before, number, detail)


def test_parse_address_lanes_intersections_and_prefixes():
    p = parse_address("上海市黄浦区南京东路100弄5号")
    assert (p.number, p.lane, p.detail, p.street_guess) == (HouseNumber(100), True, "5号", "南京东路")
    assert parse_address("红旗大街与长江路交叉口").intersection == ("红旗大街", "长江路")
    assert parse_address("红旗大街和长江路路口").intersection == ("红旗大街", "长江路")
    assert parse_address("哈尔滨市香坊区红旗街道红旗大街148号").admin == ("哈尔滨市", "香坊区", "红旗街道")
    assert parse_address("哈尔滨市香坊区长青路12号").street_guess == "长青路"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("258号", HouseNumber(258)),
        ("38-8", HouseNumber(38, 8)),
        ("3号-1层", HouseNumber(3)),
        ("8号附1号", HouseNumber(8)),
        ("甲2号", HouseNumber(2, None, "甲")),
        ("16号院", HouseNumber(16)),
        ("１４８", HouseNumber(148)),
        ("1层", None),
        ("B6-6", None),
        ("", None),
    ],
)
def test_parse_housenumber(text, expected):
    assert parse_housenumber(text) == expected


def test_looks_like_address_and_cjk_part():
    assert looks_like_address("红旗大街148号") and looks_like_address("红旗大街")
    assert not looks_like_address("红旗街道办事处") and not looks_like_address("红旗小区3号楼")
    assert cjk_part("宣和街 - Xuanhe Street") == "宣和街"
    assert cjk_part("红旗大街") == ""


def test_name_cores_drop_service_suffixes():
    assert name_core("红旗街道社工站") == "红旗街道"
    assert name_core("红旗街道社会工作服务站") == "红旗街道"
    assert name_core("红旗街道办事处") == "红旗街道"
    assert name_core("红旗街道办") == "红旗街道"
    assert name_core("新春社区党群服务中心") == "新春社区"
    assert name_core("社工站") == "社工站"  # nothing but a suffix: kept


def test_name_score_rule():
    assert name_score("红旗街道", "紅旗街道") == 1.0
    assert name_score("红旗街道社工站", "红旗街道") == 0.95
    assert name_score("红旗街道办事处", "红旗街道社工站") == 0.95
    # bigrams {红旗, 旗街, 街到} and {红旗, 旗街, 街道}: 2 * 2 / 6
    assert name_score("红旗街到", "红旗街道") == pytest.approx(2 * 2 / 6, abs=1e-3)
    # containment: 0.5 + 0.4 * 2 / 4
    assert name_score("红旗", "红旗街道") == pytest.approx(0.7)
    assert name_score("新成街到", "新春街道") == 0.0
    assert name_score("红旗街道", "") == 0.0
    pairs = [("红旗街到", "红旗街道"), ("香坊区人民政府", "哈尔滨市香坊区人民政府"), ("红旗", "红旗小区")]
    for a, b in pairs:
        assert name_score(a, b) == name_score(b, a) <= 0.9


# ---------------------------------------------------------------- the demo
def test_demo_stations(demo_tags):
    """The demo's 8 subdistrict place nodes by name, and 红旗社工站 at 红旗大街148号 (not in OSM)."""
    from coverage.demo import HONGQI_STATION
    from coverage.osm import place_nodes

    places = place_nodes(DEMO)
    assert len(places) == 8
    table = pd.DataFrame({"站点名称": [*places["name"], "红旗社工站"], "地址": [""] * 8 + ["红旗大街148号"]})
    out = geocode(table, extract=DEMO)
    assert list(out.columns) == ["站点名称", "地址", *COLUMNS, "geometry"]
    assert out.crs.to_epsg() == 4326
    assert (out["status"] == "found").all()
    head = out.iloc[:8]
    assert (head["quality"] == "exact").all() and (head["score"] == 1.0).all()
    assert list(head["osm_id"]) == list(places["id"])
    np.testing.assert_allclose(head["lon"], places.geometry.x, atol=1e-7)
    np.testing.assert_allclose(head["lat"], places.geometry.y, atol=1e-7)
    hq = out.iloc[8]
    assert (hq["quality"], hq["matched"], hq["match_source"]) == ("street", "红旗大街", "osm")
    assert "no number 148 on 红旗大街" in hq["note"]
    assert demo_tags[hq["osm_id"]][0]["name"] == "红旗大街"  # a way of 红旗大街
    assert "highway" in demo_tags[hq["osm_id"]][0]
    # no house numbers are mapped on 红旗大街 in this extract, so nothing can be interpolated
    assert not any(t.get("addr:street") == "红旗大街" for t, _, _ in demo_tags.values())
    # the point of 红旗大街 nearest to the 红旗 subdistrict: within 300 m of the demo's station
    assert _geod_m(hq["lon"], hq["lat"], HONGQI_STATION["lon"], HONGQI_STATION["lat"]) < 300


def test_demo_address_numbers_exact(demo_index, demo_tags):
    oracle = {
        t["addr:street"]: (oid, t["addr:housenumber"])
        for oid, (t, _, _) in demo_tags.items()
        if "addr:street" in t
    }
    assert oracle["珠江路"] == ("w473726209", "258号")
    addresses = ["哈尔滨市香坊区珠江路２５８号", "公滨路467号3栋2单元", "珠江路258-3号"]
    out = geocode(pd.DataFrame({"address": addresses}), extract=demo_index)
    assert list(out["quality"]) == ["exact"] * 3
    assert list(out["osm_id"]) == ["w473726209", "w300589227", "w473726209"]
    assert "'3栋2单元' ignored for placement" in out["note"][1]
    assert "OSM has 258号, the address says 258-3" in out["note"][2]


def test_demo_intersection(demo_index):
    import osmium

    streets = {"红旗大街": set(), "长江路": set()}
    for w in osmium.FileProcessor(str(DEMO), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway")):
        if w.tags.get("name") in streets:
            streets[w.tags["name"]] |= {n.ref for n in w.nodes}
    shared = streets["红旗大街"] & streets["长江路"]
    assert shared
    nodes = {
        n.id: (n.location.lon, n.location.lat)
        for n in osmium.FileProcessor(str(DEMO), osmium.osm.NODE)
        if n.id in shared
    }
    out = geocode(pd.DataFrame({"地址": ["红旗大街与长江路交叉口"]}), extract=demo_index)
    r = out.iloc[0]
    assert (r["quality"], r["matched"]) == ("street", "红旗大街 × 长江路")
    assert min(_geod_m(r["lon"], r["lat"], *p) for p in nodes.values()) < 50


def test_mixed_table_good_and_bad_rows(demo_index):
    table = pd.DataFrame(
        {
            "名称": [
                "红旗街到",
                "新城街到",
                "",
                "",
                "红旗街道社工站",
                "香坊区人民医院",
                "某某社区党群服务中心",
            ],
            "详细地址": ["", "", "长青路12号", None, "", "", "哈尔滨市香坊区长青路１２号"],
            "户数": [1, 2, 3, 4, 5, 6, 7],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )
    out = geocode(table, extract=demo_index)
    assert list(out.index) == [10, 11, 12, 13, 14, 15, 16]
    assert list(out["户数"]) == [1, 2, 3, 4, 5, 6, 7]
    found, missing = "found", "not_found"
    assert list(out["status"]) == [found, missing, missing, missing, found, found, missing]
    assert list(out["quality"]) == ["name", "none", "none", "none", "name", "exact", "none"]
    misspelt = out.loc[10]
    assert misspelt["osm_id"] == "n6359677591" and misspelt["matched"] == "红旗街道"
    assert 0.6 <= misspelt["score"] < 0.9 and "fuzzy" in misspelt["note"]
    assert "no OSM name close enough to '新城街到'" in out.loc[11, "note"]
    assert out.loc[12, "note"] == "address: street '长青路' is not in the extract"
    assert out.loc[13, "note"] == "no address or name given"
    assert out.loc[14, "score"] == 0.95 and out.loc[14, "matched"] == "红旗街道"
    assert out.loc[15, "osm_id"] == "w705311751"
    assert "street '长青路' is not in the extract" in out.loc[16, "note"]
    assert out.loc[11:13, ["lon", "lat"]].isna().all().all()
    assert out.geometry[out["status"] == "not_found"].isna().all()
    assert out["match_source"].tolist() == ["osm", "", "", "", "osm", "osm", ""]


def test_gbk_csv_and_excel_with_chinese_headers(tmp_path, demo_index):
    df = pd.DataFrame(
        {
            "站点名称": ["红旗社工站", "新春街道社工站", "无名站"],
            "站点地址": ["红旗大街148号", "", "长青路１２号"],
        }
    )
    csv = tmp_path / "stations-gbk.csv"
    df.to_csv(csv, index=False, encoding="gbk")
    xlsx = tmp_path / "stations.xlsx"
    df.to_excel(xlsx, index=False)
    for path in (csv, xlsx):
        out = geocode(path, extract=demo_index)
        assert list(out["站点名称"]) == list(df["站点名称"])
        assert list(out["quality"]) == ["street", "name", "none"], path
        assert out["matched"][1] == "新春街道"
    with pytest.raises(CoverageInputError, match=r"has no address column '门牌'; columns are \['站点名称', "):
        geocode(xlsx, extract=demo_index, address_col="门牌")


def test_address_in_the_name_column_and_name_in_the_address_column(demo_index):
    out = geocode(pd.DataFrame({"name": ["珠江路258号"], "address": [""]}), extract=demo_index)
    assert (out["quality"][0], out["osm_id"][0]) == ("exact", "w473726209")
    out = geocode(pd.DataFrame({"address": ["香坊区人民医院"]}), extract=demo_index)
    assert (out["quality"][0], out["osm_id"][0]) == ("exact", "w705311751")


def test_output_columns_do_not_overwrite_input(demo_index):
    out = geocode(pd.DataFrame({"name": ["红旗街道"], "lon": [1.0], "note": ["x"]}), extract=demo_index)
    assert out["lon_input"][0] == 1.0 and out["note_input"][0] == "x"
    assert out["lon"][0] == pytest.approx(126.683517, abs=1e-6)


def test_index_cache(tmp_path, monkeypatch):
    from coverage import geocoding as gc

    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    first = load_index(DEMO)
    files = list(tmp_path.glob("geocode-index-*.json"))
    assert len(files) == 1

    def no_read(_path):
        raise AssertionError("the extract was read again")

    monkeypatch.setattr(gc, "_read_extract", no_read)
    again = load_index(DEMO)
    assert repr(again) == repr(first)
    monkeypatch.setattr(settings, "use_cache", False)
    with pytest.raises(AssertionError, match="read again"):
        load_index(DEMO)


def test_osm_xml_bz2_gives_the_same_index(demo_index):
    bz2 = SHARED / "harbin-xiangfang-hongqi.osm.bz2"
    if not bz2.exists():
        pytest.skip(f"{bz2} not present")
    other = load_index(bz2, cache=False)
    assert sorted(n[:4] for n in other.names) == sorted(n[:4] for n in demo_index.names)
    assert other.street_keys == demo_index.street_keys


def test_harbin_centre_addresses_find_themselves():
    """Every address mapped in the Harbin centre extract, written as a planner would (city prefix, 号), is
    found exactly, on an object carrying that address (oracle: the extract's own addr:* tags)."""
    import osmium

    path = SHARED / "harbin-central.osm.pbf"
    if not path.exists():
        pytest.skip(f"{path} not present")
    tags = {}
    for o in osmium.FileProcessor(str(path)).with_filter(osmium.filter.KeyFilter("addr:housenumber")):
        t = {x.k: x.v for x in o.tags}
        if "addr:street" in t and re.search(r"[\u4e00-\u9fff]", t["addr:street"]):
            street = cjk_part(t["addr:street"]) or t["addr:street"]
            tags[f"{o.type_str()}{o.id}"] = (street, t["addr:housenumber"])
    addresses = [f"哈尔滨市{s}{n}{'' if n.endswith('号') else '号'}" for s, n in tags.values()]
    out = geocode(pd.DataFrame({"地址": addresses}), extract=path)
    assert len(out) >= 40
    bad = [(a, q) for a, q in zip(addresses, out["quality"], strict=True) if q != "exact"]
    assert bad == [("哈尔滨市Nantong (一曼街)145号", "none")]  # its addr:street is "Nantong (一曼街)"
    for (street, number), oid, q in zip(tags.values(), out["osm_id"], out["quality"], strict=True):
        if q == "exact":
            assert parse_housenumber(tags[oid][1]).main == parse_housenumber(number).main
            assert tags[oid][0] == street


# ---------------------------------------------------------------- interpolation on a toy street
LON0, LAT0 = 126.60, 45.70
M_LON = 1 / (111_320.0 * math.cos(math.radians(LAT0)))  # degrees of longitude per metre (approximately)


def _write_osm(path: Path, nodes, ways) -> Path:
    """nodes: id -> (lon, lat, tags); ways: (id, refs, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat, tags) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">')
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </node>")
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """测试路: 1 km east-west. Even numbers on the north side (2 at 0 m, 10 at 400 m, 40 at 900 m), odd on the
    south (1 at 100 m, 9 at 500 m); 插值街 with an even addr:interpolation line from 20 (0 m) to 40 (1 km)."""
    d = 15 / 110_574.0  # 15 m of latitude: the houses beside the street

    def x(m):
        return LON0 + m * M_LON

    nodes = {
        1: (x(0), LAT0, {}),
        2: (x(1000), LAT0, {}),
        10: (x(0), LAT0 + d, {"addr:street": "测试路", "addr:housenumber": "2号"}),
        11: (x(400), LAT0 + d, {"addr:street": "测试路", "addr:housenumber": "10"}),
        12: (x(900), LAT0 + d, {"addr:street": "测试路", "addr:housenumber": "40号"}),
        13: (x(100), LAT0 - d, {"addr:street": "测试路", "addr:housenumber": "1"}),
        14: (x(500), LAT0 - d, {"addr:street": "测试路", "addr:housenumber": "9号"}),
        20: (x(0), LAT0 + 0.01, {}),
        21: (x(1000), LAT0 + 0.01, {}),
        22: (x(0), LAT0 + 0.01 + d, {"addr:street": "插值街", "addr:housenumber": "20"}),
        23: (x(1000), LAT0 + 0.01 + d, {"addr:street": "插值街", "addr:housenumber": "40"}),
    }
    ways = [
        (100, [1, 2], {"highway": "residential", "name": "测试路"}),
        (101, [20, 21], {"highway": "residential", "name": "插值街"}),
        (102, [22, 23], {"addr:interpolation": "even"}),
    ]
    return load_index(_write_osm(tmp_path_factory.mktemp("toy") / "toy.osm", nodes, ways), cache=False)


def _along_m(lon, lat0=LAT0):
    """Geodesic metres from the street's west end along it (the street is a parallel of latitude)."""
    return _geod_m(LON0, lat0, lon, lat0)


def test_interpolation_same_side_first(toy):
    out = geocode(
        pd.DataFrame(
            {"地址": ["测试路6号", "测试路5号", "测试路7号", "测试路10号", "测试路50号", "测试路10-2号"]}
        ),
        extract=toy,
    )
    assert list(out["quality"]) == ["interpolated"] * 3 + ["exact", "street", "exact"]
    # 6 between 2 (0 m) and 10 (400 m), even side: 200 m; 5 between 1 (100 m) and 9 (500 m), odd side: 300 m
    assert _along_m(out["lon"][0]) == pytest.approx(200, abs=1.0)
    assert _along_m(out["lon"][1]) == pytest.approx(300, abs=1.0)
    # 7: odd numbers bracket it (1 at 100 m, 9 at 500 m): 400 m, not the 300 m of the even numbers 2..10
    assert _along_m(out["lon"][2]) == pytest.approx(400, abs=1.0)
    assert "same side: odd numbers" in out["note"][2]
    for i in range(3):  # on the street's centreline
        assert out["lat"][i] == pytest.approx(LAT0, abs=1e-7)
    assert "no number 50 on 测试路" in out["note"][4]  # beyond the highest number: no extrapolation
    assert out["osm_id"][3] == "n11"


def test_interpolation_either_side_when_one_side_has_no_bracket(toy):
    # 13 (odd): odd numbers are 1 and 9, so no odd bracket; any parity: 10 (400 m) and 40 (900 m)
    out = geocode(pd.DataFrame({"地址": ["测试路13号"]}), extract=toy)
    assert out["quality"][0] == "interpolated" and "either side" in out["note"][0]
    assert _along_m(out["lon"][0]) == pytest.approx(400 + 3 / 30 * 500, abs=1.0)


def test_addr_interpolation_way(toy):
    out = geocode(pd.DataFrame({"地址": ["插值街30号", "插值街31号"]}), extract=toy)
    assert list(out["quality"]) == ["interpolated", "interpolated"]
    assert "addr:interpolation way w102" in out["note"][0]
    # 31 is odd: not on the even interpolation line, but between the mapped 20 and 40 on either side
    assert "addr:interpolation" not in out["note"][1] and "either side" in out["note"][1]
    lat_line = out["lat"][0]
    assert _along_m(out["lon"][0], lat0=lat_line) == pytest.approx(500, abs=1.0)


# ---------------------------------------------------------------- errors
def test_errors(tmp_path, demo_index):
    table = pd.DataFrame({"名称": ["红旗街道"]})
    with pytest.raises(CoverageInputError, match=r"needs extract= \(an OSM file, offline\) or provider="):
        geocode(table)
    with pytest.raises(CoverageInputError, match=r"has no address or name column .*columns are \['x'\]"):
        geocode(pd.DataFrame({"x": [1]}), extract=demo_index)
    with pytest.raises(CoverageInputError, match=r"table has no name column '站名x'"):
        geocode(table, extract=demo_index, name_col="站名x")
    with pytest.raises(CoverageInputError, match=r"stations file '.*nope.csv' does not exist"):
        geocode(tmp_path / "nope.csv", extract=demo_index)
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(CoverageInputError, match=r"unknown format '.json'"):
        geocode(tmp_path / "a.json", extract=demo_index)
    (tmp_path / "bad.xlsx").write_text("not a workbook")
    with pytest.raises(CoverageInputError, match=r"could not be read as an Excel workbook"):
        geocode(tmp_path / "bad.xlsx", extract=demo_index)
    with pytest.raises(CoverageInputError, match=r"provider='baidu' is not known; use one of amap, tianditu"):
        geocode(table, extract=demo_index, provider="baidu")
    with pytest.raises(CoverageInputError, match=r"provider='amap' needs your Amap \(高德\) key"):
        geocode(table, extract=demo_index, provider="amap", key="")
    with pytest.raises(CoverageInputError, match=r"online_for='some' is not one of not_exact, not_found"):
        geocode(table, extract=demo_index, online_for="some")
    with pytest.raises(CoverageInputError, match=r"min_score=1.5 must be a score above 0 and at most 1"):
        geocode(table, extract=demo_index, min_score=1.5)
    with pytest.raises(CoverageInputError, match=r"extract '.*missing.osm.pbf' does not exist"):
        geocode(table, extract=tmp_path / "missing.osm.pbf")
    (tmp_path / "junk.osm.pbf").write_bytes(b"this is not osm data")
    with pytest.raises(CoverageInputError, match=r"could not be read as OpenStreetMap data"):
        load_index(tmp_path / "junk.osm.pbf", cache=False)


def test_provider_key_from_environment(monkeypatch):
    monkeypatch.setenv("SERVICE_COVERAGE_AMAP_KEY", "env-key")
    assert AmapGeocoder().key == "env-key"
    monkeypatch.delenv("SERVICE_COVERAGE_AMAP_KEY")
    with pytest.raises(CoverageInputError, match="set SERVICE_COVERAGE_AMAP_KEY"):
        AmapGeocoder()


# ---------------------------------------------------------------- online providers, recorded
class Replay:
    """A transport that answers from tests/data/geocode; each item is (status, file) or an exception."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, url, headers, timeout_s):  # noqa: ARG002
        self.calls.append((url, dict(headers)))
        a = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(a, BaseException):
            raise a
        status, name = a
        return status, (DATA / name).read_bytes() if name.endswith(".json") else name.encode()


class Clock:
    def __init__(self):
        self.t = 1000.0
        self.sleeps: list[float] = []

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.sleeps.append(s)
        self.t += s


def _provider(cls, tmp_path, *answers, **kw):
    clock = Clock()
    transport = Replay(*answers)
    key = None if cls is NominatimGeocoder else "test-key-123"
    p = cls(
        key,
        transport=transport,
        cache=True,
        cache_folder=tmp_path / cls.name,
        clock=clock,
        sleep=clock.sleep,
        **kw,
    )
    return p, transport, clock


def test_amap_gcj02_converted_to_wgs84(tmp_path):
    from coverage.crs import wgs84_to_gcj02

    amap, transport, _ = _provider(AmapGeocoder, tmp_path, (200, "amap_geo_ok.json"))
    hit = amap.lookup("哈尔滨市香坊区长青路12号", city="哈尔滨")
    assert (hit.quality, hit.level, hit.source) == ("exact", "门牌号", "amap")
    assert hit.matched == "黑龙江省哈尔滨市香坊区长青路12号"
    # the recorded GCJ-02 location is wgs84_to_gcj02(126.7, 45.74) rounded to 6 decimals
    assert hit.lon == pytest.approx(126.7, abs=1e-6) and hit.lat == pytest.approx(45.74, abs=1e-6)
    glon, glat = wgs84_to_gcj02(hit.lon, hit.lat)
    assert (round(float(glon), 6), round(float(glat), 6)) == (126.706125, 45.74206)
    assert _geod_m(126.706125, 45.742060, hit.lon, hit.lat) > 400  # the offset removed is hundreds of metres
    assert "GCJ-02 converted to WGS-84" in hit.note
    url, headers = transport.calls[0]
    assert url.startswith("https://restapi.amap.com/v3/geocode/geo?")
    assert "key=test-key-123" in url and "city=%E5%93%88%E5%B0%94%E6%BB%A8" in url
    assert headers["User-Agent"].startswith("service-coverage/")


def test_amap_coarse_and_empty_are_not_found(tmp_path):
    amap, _, _ = _provider(
        AmapGeocoder, tmp_path, (200, "amap_geo_coarse.json"), (200, "amap_geo_empty.json")
    )
    hit = amap.lookup("某某社工站")
    assert hit.quality == "none" and "only at the 区县 level" in hit.note and math.isnan(hit.lon)
    assert amap.lookup("另一个站").note == "Amap found nothing"


def test_amap_errors(tmp_path):
    amap, _, _ = _provider(AmapGeocoder, tmp_path, (200, "amap_invalid_key.json"))
    with pytest.raises(GeocoderError, match=r"Amap \(高德\) refused the key \(infocode 10001 INVALID_USER"):
        amap.lookup("红旗大街148号")
    amap, _, _ = _provider(AmapGeocoder, tmp_path, (200, "amap_daily_limit.json"))
    with pytest.raises(GeocoderError, match=r"quota exceeded \(infocode 10003 DAILY_QUERY_OVER_LIMIT\); it"):
        amap.lookup("红旗大街148号")
    assert not list((tmp_path / "amap").glob("*.json"))  # errors are never cached


def test_retry_after_503_and_too_frequent(tmp_path):
    amap, transport, clock = _provider(
        AmapGeocoder,
        tmp_path,
        (503, "Service Unavailable"),
        (200, "amap_too_frequent.json"),
        (200, "amap_geo_ok.json"),
        backoff_s=2.0,
    )
    hit = amap.lookup("长青路12号")
    assert hit.quality == "exact" and len(transport.calls) == 3 and amap.requests == 3
    assert [s for s in clock.sleeps if s >= 2.0] == [2.0, 4.0]  # exponential backoff


def test_retries_run_out(tmp_path):
    nom, transport, _ = _provider(NominatimGeocoder, tmp_path, TimeoutError("timed out"), retries=2)
    with pytest.raises(GeocoderError, match=r"Nominatim did not answer after 3 tries \(timed out \(timed"):
        nom.lookup("香坊区人民医院")
    assert len(transport.calls) == 3


def test_cache_hit_makes_no_request_and_never_keys_on_the_key(tmp_path):
    amap, transport, _ = _provider(AmapGeocoder, tmp_path, (200, "amap_geo_ok.json"))
    first = amap.lookup("长青路12号")
    second = amap.lookup("长青路12号")
    assert first == second and len(transport.calls) == 1 and amap.cache_hits == 1
    files = list((tmp_path / "amap").glob("*.json"))
    assert len(files) == 1 and "test-key-123" not in files[0].read_text(encoding="utf-8")
    other = AmapGeocoder(
        "another-key",
        transport=Replay((500, "x")),
        cache_folder=tmp_path / "amap",
        clock=Clock(),
        sleep=lambda _s: None,
    )
    assert other.lookup("长青路12号") == first  # the same cache entry whatever the key
    assert json.loads(files[0].read_text(encoding="utf-8"))["geocodes"][0]["level"] == "门牌号"


def test_rate_limit_with_an_injected_clock(tmp_path):
    nom, transport, clock = _provider(NominatimGeocoder, tmp_path, (200, "nominatim_search_ok.json"))
    for q in ("a", "b", "c"):
        nom.lookup(q)
    assert len(transport.calls) == 3 and clock.sleeps == [1.0, 1.0]
    clock.t += 5  # a request long after the last one does not wait
    nom.lookup("d")
    assert clock.sleeps == [1.0, 1.0]
    amap, _, aclock = _provider(AmapGeocoder, tmp_path, (200, "amap_geo_empty.json"), min_interval_s=0.25)
    amap.lookup("x")
    amap.lookup("y")
    assert aclock.sleeps == [0.25]
    with pytest.raises(CoverageInputError, match=r"min_interval_s=0.5 breaks the public server's usage"):
        NominatimGeocoder(min_interval_s=0.5)
    local = NominatimGeocoder(min_interval_s=0.1, endpoint="http://localhost:8080/search")
    assert local.limit.interval_s == 0.1


def test_tianditu(tmp_path):
    tdt, transport, _ = _provider(
        TiandituGeocoder, tmp_path, (200, "tianditu_geocoder_ok.json"), (200, "tianditu_geocoder_empty.json")
    )
    hit = tdt.lookup("长青路12号", city="哈尔滨市香坊区")
    assert (hit.lon, hit.lat, hit.quality, hit.level) == (126.7, 45.74, "name", "地名地址")
    assert "CGCS2000 taken as WGS-84" in hit.note
    url = transport.calls[0][0]
    assert url.startswith("https://api.tianditu.gov.cn/geocoder?ds=") and "tk=test-key-123" in url
    from urllib.parse import parse_qs, urlsplit

    ds = json.loads(parse_qs(urlsplit(url).query)["ds"][0])
    assert ds == {"keyWord": "哈尔滨市香坊区长青路12号"}
    assert tdt.lookup("无此地").note == "Tianditu found nothing"
    tdt, _, _ = _provider(TiandituGeocoder, tmp_path, (403, "tianditu_invalid_key.json"))
    with pytest.raises(GeocoderError, match=r"Tianditu \(天地图\) refused the key \(非法Key"):
        tdt.lookup("x")
    tdt, _, _ = _provider(TiandituGeocoder, tmp_path, (403, "tianditu_over_limit.json"))
    with pytest.raises(GeocoderError, match=r"Tianditu \(天地图\) quota exceeded \(访问次数超限"):
        tdt.lookup("y")


def test_nominatim(tmp_path):
    nom, transport, _ = _provider(NominatimGeocoder, tmp_path, (200, "nominatim_search_ok.json"))
    hit = nom.lookup("香坊区人民医院", bounds=(126.6, 45.7, 126.8, 45.8))
    assert (hit.quality, hit.ref, hit.lon, hit.lat) == ("name", "w705311751", 126.6941587, 45.723599)
    url, headers = transport.calls[0]
    assert "format=jsonv2" in url and "viewbox=126.60000%2C45.80000%2C126.80000%2C45.70000" in url
    assert "bounded=1" in url and "python-urllib" not in headers["User-Agent"].lower()
    nom, _, _ = _provider(NominatimGeocoder, tmp_path, (403, "<html>Access blocked</html>"))
    with pytest.raises(GeocoderError, match=r"Nominatim refused the request \(HTTP 403\): the public server"):
        nom.lookup("z")
    nom, _, _ = _provider(NominatimGeocoder, tmp_path, (400, "nominatim_search_error.json"))
    with pytest.raises(GeocoderError, match=r"Nominatim answered HTTP 400: Parameter 'format' must be"):
        nom.lookup("w")
    nom, _, _ = _provider(
        NominatimGeocoder, tmp_path, (429, "Too Many Requests"), (200, "nominatim_search_empty.json")
    )
    assert nom.lookup("v").note == "Nominatim found nothing"


def test_make_geocoder():
    assert isinstance(make_geocoder("高德", "k"), AmapGeocoder)
    assert isinstance(make_geocoder("TDT", "k"), TiandituGeocoder)
    g = NominatimGeocoder()
    assert make_geocoder(g) is g


def test_geocode_online_only_for_rows_not_placed_exactly(tmp_path, demo_index):
    amap, transport, _ = _provider(AmapGeocoder, tmp_path, (200, "amap_geo_ok.json"))
    table = pd.DataFrame(
        {
            "名称": ["红旗街道", "长青站", "红旗社工站"],
            "地址": ["", "哈尔滨市香坊区长青路12号", "红旗大街148号"],
        }
    )
    out = geocode(table, extract=demo_index, provider=amap)
    assert len(transport.calls) == 2  # not the exact 红旗街道
    assert list(out["match_source"]) == ["osm", "amap", "amap"]
    assert list(out["quality"]) == ["exact", "exact", "exact"]  # the recorded answer is 门牌号 for both
    r = out.iloc[1]
    assert r["lon"] == pytest.approx(126.7, abs=1e-6) and "GCJ-02 converted to WGS-84" in r["note"]
    assert "offline: address: street '长青路' is not in the extract" in r["note"]
    assert "offline: the extract has no number 148" in out["note"][2]

    amap, transport, _ = _provider(AmapGeocoder, tmp_path / "b", (200, "amap_geo_ok.json"))
    out = geocode(table, extract=demo_index, provider=amap, online_for="not_found")
    assert len(transport.calls) == 1 and list(out["match_source"]) == ["osm", "amap", "osm"]
    amap, transport, _ = _provider(AmapGeocoder, tmp_path / "c", (200, "amap_geo_coarse.json"))
    out = geocode(table, extract=demo_index, provider=amap, online_for="all")
    assert len(transport.calls) == 3 and list(out["match_source"]) == ["osm", "", "osm"]
    assert "amap: Amap placed it only at the 区县 level" in out["note"][1]


def test_geocode_online_refuses_answers_outside_the_area(tmp_path, demo_index):
    nom, _, _ = _provider(NominatimGeocoder, tmp_path, (200, "nominatim_search_far.json"))
    out = geocode(pd.DataFrame({"地址": ["长青路"]}), extract=demo_index, provider=nom)
    assert out["status"][0] == "not_found"
    assert "nominatim placed it 1" in out["note"][0] and "km outside the extract's area" in out["note"][0]


def test_geocode_online_without_extract(tmp_path):
    tdt, transport, _ = _provider(TiandituGeocoder, tmp_path, (200, "tianditu_geocoder_ok.json"))
    table = pd.DataFrame({"地址": ["长青路12号", "长青路12号", ""]})
    out = geocode(table, provider=tdt, city="哈尔滨市香坊区")
    assert len(transport.calls) == 1  # the same query once
    assert list(out["status"]) == ["found", "found", "not_found"]
    assert list(out["match_source"]) == ["tianditu", "tianditu", ""]


# ---------------------------------------------------------------- live (deselected by default)
@pytest.mark.network
def test_live_amap():
    if not os.environ.get("SERVICE_COVERAGE_AMAP_KEY"):
        pytest.skip("set SERVICE_COVERAGE_AMAP_KEY to run the live Amap test")
    hit = AmapGeocoder(cache=False).lookup("黑龙江省哈尔滨市香坊区红旗大街", city="哈尔滨")
    assert hit.quality in ("exact", "street", "name")
    assert 126.5 < hit.lon < 126.9 and 45.6 < hit.lat < 45.9


@pytest.mark.network
def test_live_tianditu():
    if not os.environ.get("SERVICE_COVERAGE_TIANDITU_KEY"):
        pytest.skip("set SERVICE_COVERAGE_TIANDITU_KEY to run the live Tianditu test")
    hit = TiandituGeocoder(cache=False).lookup("黑龙江省哈尔滨市香坊区红旗大街")
    assert 126.5 < hit.lon < 126.9 and 45.6 < hit.lat < 45.9


@pytest.mark.network
def test_live_nominatim():
    ua = os.environ.get("SERVICE_COVERAGE_NOMINATIM_USER_AGENT")
    if not ua:
        pytest.skip("set SERVICE_COVERAGE_NOMINATIM_USER_AGENT (application and contact) for the live test")
    hit = NominatimGeocoder(cache=False, user_agent=ua).lookup("红旗大街, 哈尔滨")
    assert 126.5 < hit.lon < 126.9 and 45.6 < hit.lat < 45.9


def test_public_name():
    """``coverage.geocode`` is the function even after ``coverage.geocoding`` was imported (the module has
    another name, so it cannot shadow the function)."""
    import coverage
    import coverage.geocoding

    assert coverage.geocode is coverage.geocoding.geocode
