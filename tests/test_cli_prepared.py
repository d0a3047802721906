"""The prepared-input commands as a planner runs them: demand, geocode, and analyze reading their files.

Oracles: the input files read back independently (pandas, geopandas, rasterio), which polygon holds each point
(shapely, here), the extract's tags read with pyosmium in tests/test_geocode.py; no number is taken from the
code under test. Inputs have Chinese headers, Excel sheets, GCJ-02 outlines and names with braces and quotes.
"""

from __future__ import annotations

import json
import re
import shlex

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from coverage.cli import main
from coverage.demo import HONGQI_PBF, HONGQI_STATION

NET = str(HONGQI_PBF)
ODD = '幸福"{{7*7}}"社区{%raw%}'  # a name with braces and quotes: data, never template source


@pytest.fixture(scope="module")
def totals(tmp_path_factory):
    """The demo's 社区 totals as a GeoPackage (WGS-84) and as an Excel sheet with GCJ-02 WKT outlines."""
    from coverage.crs import wgs84_to_gcj02
    from coverage.demo import demo_totals

    d = tmp_path_factory.mktemp("totals")
    t = demo_totals()
    t.loc[3, "社区名称"] = ODD
    t.to_file(d / "社区.gpkg", layer="社区")

    def to_gcj(xy):
        return np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))

    sheet = pd.DataFrame(t.drop(columns="geometry"))
    sheet["边界"] = shapely.to_wkt(
        shapely.transform(np.asarray(t.geometry.values, dtype=object), to_gcj), rounding_precision=8
    )
    with pd.ExcelWriter(d / "社区.xlsx") as xl:
        pd.DataFrame({"说明": ["示意数据"]}).to_excel(xl, sheet_name="说明", index=False)
        sheet.to_excel(xl, sheet_name="社区统计", index=False)
    return d, t


@pytest.fixture(scope="module")
def demand_run(totals, tmp_path_factory):
    """The issue's exact command on the GeoPackage."""
    d, _ = totals
    out = tmp_path_factory.mktemp("demand")
    rc = main(
        [
            "-q",
            "demand",
            "--network",
            NET,
            "--buildings",
            "osm",
            "--totals",
            str(d / "社区.gpkg"),
            "--total-col",
            "户数",
            "--group-cols",
            "老年人",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    return out


def _sums_per_community(households_csv: pd.DataFrame) -> pd.DataFrame:
    return households_csv.groupby("zone_id")[["households", "老年人"]].sum()


def test_demand_from_totals_keeps_every_community_exactly(totals, demand_run):
    d, t = totals
    src = gpd.read_file(d / "社区.gpkg")  # read back independently
    h = pd.read_csv(demand_run / "households.csv", dtype={"zone_id": str, "id": str})
    sums = _sums_per_community(h).reindex(src["编号"]).fillna(0).astype(int)
    assert sums["households"].tolist() == src["户数"].tolist()
    assert sums["老年人"].tolist() == src["老年人"].tolist()
    assert h["households"].sum() == src["户数"].sum() == t["户数"].sum()
    assert (h["households"] >= 0).all() and h["id"].is_unique
    # each point lies in the community it counts for (shapely, not the code under test)
    polys = src.set_index("编号").geometry
    pts = shapely.points(h["lon"], h["lat"])
    inside = np.array([polys[z].covers(p) for z, p in zip(h["zone_id"], pts, strict=True)])
    assert inside.all()
    # every input row comes out with a status, numbered as the file numbers it
    z = pd.read_csv(demand_run / "zones.csv", dtype={"zone_id": str})
    assert z["zone_id"].tolist() == src["编号"].tolist() and z["input_row"].tolist() == list(
        range(1, len(src) + 1)
    )
    assert set(z["status"]) == {"spread", "no_building"}
    assert (z.loc[z["status"] == "no_building", "n_buildings"] == 0).all()
    assert (z["households"] == z["households_placed"]).all() and (z["老年人"] == z["老年人_placed"]).all()
    assert z.loc[3, "name"] == ODD  # the name with braces and quotes, as given
    assert ODD in set(h["name"])
    # the GeoPackage: points, and the outlines of the points that are buildings, joined by id
    layers = {n for n, _ in pyogrio.list_layers(demand_run / "households.gpkg")}
    assert layers == {"households", "buildings"}
    b = gpd.read_file(demand_run / "households.gpkg", layer="buildings")
    assert set(b.geom_type) <= {"Polygon", "MultiPolygon"}
    assert set(b["id"]) == set(h.loc[h["building_id"].notna(), "id"])
    doc = json.loads((demand_run / "demand.json").read_text(encoding="utf-8"))
    assert (
        doc["totals_in"]
        == doc["totals_out"]
        == {"households": int(src["户数"].sum()), "老年人": int(src["老年人"].sum())}
    )
    assert doc["zones_by_status"]["no_building"] == int((z["status"] == "no_building").sum())


def test_demand_from_an_excel_sheet_in_gcj02(totals, demand_run, tmp_path, capsys):
    d, _ = totals
    out = tmp_path / "xlsx"
    assert (
        main(
            [
                "demand",
                "--network",
                NET,
                "--totals",
                str(d / "社区.xlsx"),
                "--totals-sheet",
                "社区统计",
                "--total-col",
                "户数",
                "--group-cols",
                "老年人",
                "--crs",
                "gcj02",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "households: 75,395 (kept exactly)" in text and "老年人: 45,867 (kept exactly)" in text
    src = pd.read_excel(d / "社区.xlsx", sheet_name="社区统计", engine="openpyxl")
    h = pd.read_csv(out / "households.csv", dtype={"zone_id": str})
    sums = _sums_per_community(h).reindex(src["编号"]).fillna(0).astype(int)
    assert (
        sums["households"].tolist() == src["户数"].tolist()
        and sums["老年人"].tolist() == src["老年人"].tolist()
    )
    z = pd.read_csv(out / "zones.csv")
    assert z["input_row"].tolist() == list(range(2, len(src) + 2))  # spreadsheet rows: header = row 1
    # GCJ-02 read as such: the same buildings in the same communities as the WGS-84 GeoPackage
    g = pd.read_csv(demand_run / "households.csv", dtype={"zone_id": str})
    assert (h["zone_id"] + h["building_id"].fillna("")).tolist() == (
        g["zone_id"] + g["building_id"].fillna("")
    ).tolist()
    assert h["households"].tolist() == g["households"].tolist()


def test_analyze_reads_the_demand_output_as_it_is(demand_run, tmp_path):
    st = tmp_path / "stations.csv"
    st.write_text(
        f"编号,名称,经度,纬度\nS1,红旗社工站,{HONGQI_STATION['lon']},{HONGQI_STATION['lat']}\n",
        encoding="utf-8",
    )
    total = int(pd.read_csv(demand_run / "households.csv")["households"].sum())
    shares = []
    for name in ("households.csv", "households.gpkg"):  # the GeoPackage's households layer without --layer
        out = tmp_path / name.replace(".", "_")
        assert (
            main(
                [
                    "-q",
                    "analyze",
                    "--network",
                    NET,
                    "--stations",
                    str(st),
                    "--households",
                    str(demand_run / name),
                    "--weight",
                    "households",
                    "--lang",
                    "zh",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert s["weight_total"] + s["weight_invalid"] == total
        assert s["n_households"] == len(pd.read_csv(demand_run / "households.csv"))
        hh = pd.read_csv(out / "households.csv")
        assert {"zone_id", "老年人", "source", "source_note"} <= set(hh.columns)
        shares.append(s["weight_covered"])
    assert shares[0] == shares[1]


def test_demand_from_buildings_file_and_from_a_grid(tmp_path, capsys):
    import rasterio
    from rasterio.transform import Affine

    # buildings with Chinese columns, in GCJ-02 lon/lat; a 2 x 2 grid of people (and 65+) in UTM metres
    lon0, lat0 = 126.68, 45.73
    boxes = [shapely.box(lon0 + i * 0.001, lat0, lon0 + i * 0.001 + 0.0004, lat0 + 0.0004) for i in range(4)]
    b = gpd.GeoDataFrame(
        {"编号": ["甲", "乙", '"丙"', "{丁}"], "层数": ["6层", 3, None, 18]}, geometry=boxes, crs=4326
    )
    b.to_file(tmp_path / "楼栋.geojson")
    out = tmp_path / "b"
    assert (
        main(
            [
                "-q",
                "demand",
                "--buildings",
                str(tmp_path / "楼栋.geojson"),
                "--m2-per-household",
                "100",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    h = pd.read_csv(out / "households.csv")
    area = gpd.GeoSeries(boxes, crs=4326).to_crs(32652).area.to_numpy()
    expected = np.maximum(1, np.floor(area * np.array([6, 3, 6, 18]) / 100 + 0.5)).astype(int)
    assert h["households"].tolist() == expected.tolist()  # footprint x floors / m² per household, by hand
    assert h["id"].tolist() == ["甲", "乙", '"丙"', "{丁}"]

    utm = gpd.GeoSeries(shapely.points([lon0 - 0.001], [lat0 - 0.001]), crs=4326).to_crs(32652).iloc[0]
    t = Affine(300, 0, utm.x, 0, -300, utm.y + 600)
    people = np.array([[0, 0], [100.4, 37.3]], dtype="float32")  # the buildings are in the lower row
    old = np.array([[0, 0], [20, 9]], dtype="float32")
    for name, a in (("pop.tif", people), ("pop65.tif", old)):
        with rasterio.open(
            tmp_path / name,
            "w",
            driver="GTiff",
            width=2,
            height=2,
            count=1,
            dtype="float32",
            crs="EPSG:32652",
            transform=t,
        ) as ds:
            ds.write(a[None])
    out = tmp_path / "g"
    assert (
        main(
            [
                "demand",
                "--buildings",
                str(tmp_path / "楼栋.geojson"),
                "--population",
                str(tmp_path / "pop.tif"),
                "--group-grid",
                f"65岁以上={tmp_path / 'pop65.tif'}",
                "--people-per-household",
                "2.5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    h = pd.read_csv(out / "households.csv")
    assert h["population"].sum() == round(people.sum()) and h["65岁以上"].sum() == round(old.sum())
    assert h["households"].sum() == round(people.sum() / 2.5)
    doc = json.loads((out / "demand.json").read_text(encoding="utf-8"))
    assert doc["source"] == "grid" and doc["settings"]["people_per_household"] == 2.5
    assert "population" in capsys.readouterr().out


def test_geocode_the_demo_stations_then_analyze(tmp_path, capsys):
    """红旗大街 is found in the extract; what is not found is kept, flagged, and analyze calls it invalid."""
    from coverage.osm import place_nodes

    places = place_nodes(HONGQI_PBF)
    table = pd.DataFrame(
        {
            "编号": [*places["id"], "hq-sgz", "x1", "x2"],
            "站点名称": [*places["name"], "红旗社工站", '"{{7*7}}"服务站', "某某社区党群服务中心"],
            "详细地址": [""] * len(places) + ["哈尔滨市香坊区红旗大街148号", "长青路１２号", ""],
        }
    )
    xlsx = tmp_path / "社工站.xlsx"
    table.to_excel(xlsx, index=False, sheet_name="站点")
    out = tmp_path / "geo"
    assert (
        main(
            [
                "geocode",
                str(xlsx),
                "--address-col",
                "详细地址",
                "--name-col",
                "站点名称",
                "--network",
                NET,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    g = pd.read_csv(out / "geocoded.csv", dtype=str, keep_default_na=False)
    assert g["站点名称"].tolist() == table["站点名称"].tolist()  # every row, in order, names as given
    hq = g.loc[g["编号"] == "hq-sgz"].iloc[0]
    assert (hq["status"], hq["quality"], hq["matched"], hq["match_source"]) == (
        "found",
        "street",
        "红旗大街",
        "osm",
    )
    assert g.loc[: len(places) - 1, "quality"].eq("exact").all()
    miss = g.loc[g["status"] == "not_found"]
    assert miss["编号"].tolist() == ["x2"] and (miss[["lon", "lat"]] == "").all().all()
    assert "not found, row 12:" in printed  # x2 is spreadsheet row 12
    # the odd name has an address that is not in the extract: whatever the name gives is flagged for checking
    odd = g.loc[g["编号"] == "x1"].iloc[0]
    assert odd["status"] == "not_found" or odd["quality"] == "name"
    assert set(g["quality"]) <= {"exact", "interpolated", "street", "name", "none"}
    layer = gpd.read_file(out / "geocoded.gpkg")
    assert len(layer) == len(table) and layer.geometry.isna().sum() == (g["status"] == "not_found").sum()

    # analyze reads geocoded.csv as it is: the not_found rows are invalid, with the geocoding note
    res = tmp_path / "res"
    hh = tmp_path / "hh.csv"
    hh.write_text("编号,经度,纬度,户数\nh1,126.6845,45.7330,10\n", encoding="utf-8")
    assert (
        main(
            [
                "-q",
                "analyze",
                "--network",
                NET,
                "--stations",
                str(out / "geocoded.csv"),
                "--households",
                str(hh),
                "--weight",
                "户数",
                "--lang",
                "zh",
                "--out",
                str(res),
            ]
        )
        == 0
    )
    s = pd.read_csv(res / "stations.csv", dtype=str, keep_default_na=False)
    bad = s.loc[s["编号"] == "x2"].iloc[0]
    assert bad["status"] == "invalid" and bad["note"].startswith("not found by geocoding: ")
    assert bad["note"].endswith(miss.iloc[0]["note"])
    assert s.loc[s["编号"] == "hq-sgz", "status_input"].item() == "found"  # the geocoding columns are kept
    assert s.loc[s["编号"] == "hq-sgz", "status"].item() == "on_network"


def test_a_not_found_row_filled_in_by_hand_is_used(tmp_path):
    from coverage import read_points

    p = tmp_path / "g.csv"
    p.write_text(
        "id,lon,lat,status,note\na,126.6855,45.732,not_found,filled by hand\nb,,,not_found,no match\n"
        "c,,,found,\n",
        encoding="utf-8",
    )
    pts = read_points(p, id_col="id", role="stations")
    assert pts.reason.tolist() == ["", "not found by geocoding: no match", "missing coordinate"]


def _readme_commands() -> list[list[str]]:
    """The service-coverage commands of the README's prepared-inputs section, continuation lines joined."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- prepared-inputs:start", 1)[1].split("<!-- prepared-inputs:end -->", 1)[0]
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL):
        for cmd in block.replace("\\\n", " ").splitlines():
            if cmd.strip().startswith("service-coverage "):
                cmds.append(cmd.split()[1:])
    return cmds


def test_readme_path_from_a_spreadsheet_to_the_meeting_pack(totals, tmp_path, monkeypatch, capsys):
    """Every command of the README section, as shown, on Chinese inputs (the demo extract for the city's)."""
    import shutil

    from coverage.demo import write_demo_station_list

    d, _ = totals
    monkeypatch.chdir(tmp_path)
    shutil.copy(d / "社区.xlsx", tmp_path / "社区.xlsx")  # sheets 说明 and 社区统计, outlines in GCJ-02
    st = pd.read_csv(write_demo_station_list(tmp_path / "list"), dtype=str, keep_default_na=False)
    st = st.rename(columns={"名称": "站点名称", "地址": "详细地址"})
    st.loc[len(st)] = ["x1", ODD + "服务站", ""]
    st.to_excel(tmp_path / "社工站.xlsx", index=False)
    cmds = _readme_commands()
    assert [c[0] for c in cmds] == ["demo", "demand", "geocode", "report"]
    for argv in cmds:
        argv = [NET if a == "harbin-central.osm.pbf" else a for a in argv]
        capsys.readouterr()
        assert main(["-q", *argv]) == 0, argv
        if argv[0] == "demo":  # the commands the demo prints rerun its steps from its inputs
            out = capsys.readouterr().out
            assert "kept exactly" in out and "9 of 9 stations placed" in out and "street 1" in out
            again = re.findall(r"^  service-coverage (.+)$", out, flags=re.MULTILINE)
            assert [c.split()[0] for c in again] == ["demand", "geocode", "analyze"]
            for c in again:  # as a shell reads them (paths are quoted)
                assert main(["-q", *shlex.split(c)]) == 0
            a = json.loads((tmp_path / "demo-totals" / "summary.json").read_text(encoding="utf-8"))
            b = json.loads((tmp_path / "my-output" / "summary.json").read_text(encoding="utf-8"))
            assert (a["n_covered"], a["weight_covered"]) == (b["n_covered"], b["weight_covered"])
            src = pd.read_excel(tmp_path / "demo-totals" / "inputs" / "社区.xlsx", engine="openpyxl")
            assert a["weight_total"] == b["weight_total"] == src["户数"].sum()
    src = pd.read_excel(tmp_path / "社区.xlsx", sheet_name="社区统计", engine="openpyxl")
    zones = pd.read_csv(tmp_path / "demand" / "zones.csv", dtype={"zone_id": str})
    assert (zones["households_placed"] == src["户数"]).all() and (
        zones["老年人_placed"] == src["老年人"]
    ).all()
    g = pd.read_csv(tmp_path / "stations" / "geocoded.csv", dtype=str, keep_default_na=False)
    assert g.loc[g["编号"] == "hq-sgz", "matched"].item() == "红旗大街"
    pack = tmp_path / "meeting-pack"
    for name in ("map.html", "brief.pdf", "summary.xlsx", "areas.csv", "sites.csv", "coverage.gpkg"):
        assert (pack / name).exists(), name
    areas = pd.read_csv(pack / "areas.csv", dtype={"area_id": str})
    assert set(areas["area_id"]) == set(src["编号"]) and areas["households"].sum() == src["户数"].sum()
    assert ODD in set(areas["area"])  # the odd 社区 name reaches the pack as data
    s = pd.read_csv(pack / "stations.csv", dtype=str, keep_default_na=False)
    if (g["status"] == "not_found").any():
        assert set(s.loc[g["status"] == "not_found", "status"]) == {"invalid"}


def test_output_names_and_help_defaults_agree_with_the_library():
    from coverage import cli, demand
    from coverage.output.files import OUTPUTS
    from coverage.output.prepared import DEMAND_FILES, GEOCODE_FILES

    assert set(OUTPUTS["demand"]) == {*DEMAND_FILES, "manifest.json"}
    assert set(OUTPUTS["geocode"]) == {*GEOCODE_FILES, "manifest.json"}
    assert (cli._M2_PER_HOUSEHOLD, cli._PEOPLE_PER_HOUSEHOLD) == (
        demand.M2_PER_HOUSEHOLD,
        demand.PEOPLE_PER_HOUSEHOLD,
    )


def test_geocode_online_with_a_recorded_amap_answer(tmp_path, monkeypatch, capsys):
    """--provider/--key/--city reach the provider; its GCJ-02 answer is converted;
    the key is written nowhere."""
    from pathlib import Path

    from coverage import geocoders

    calls = []

    def replay(url, headers, timeout_s):
        calls.append(url)
        return 200, (Path(__file__).resolve().parent / "data" / "geocode" / "amap_geo_ok.json").read_bytes()

    monkeypatch.setattr(geocoders, "urllib_transport", replay)
    table = tmp_path / "站点.csv"
    table.write_text("站点名称,地址\n红旗街道,\n长青站,哈尔滨市香坊区长青路12号\n", encoding="gbk")
    out = tmp_path / "geo"
    key = "secret-key-0042"
    assert (
        main(
            [
                "-q",
                "geocode",
                str(table),
                "--network",
                NET,
                "--provider",
                "amap",
                "--key",
                key,
                "--city",
                "哈尔滨",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert len(calls) == 1 and f"key={key}" in calls[0] and "city=%E5%93%88%E5%B0%94%E6%BB%A8" in calls[0]
    g = pd.read_csv(out / "geocoded.csv", dtype={"lon": float})
    assert g["match_source"].tolist() == ["osm", "amap"]
    assert g["lon"][1] == pytest.approx(126.7, abs=1e-6) and "GCJ-02 converted to WGS-84" in g["note"][1]
    assert key not in capsys.readouterr().out
    for f in out.iterdir():
        assert key not in f.read_bytes().decode("utf-8", errors="replace"), f.name
