"""Inputs as planners have them:
encodings, separators, Excel, Chinese headers, layers, outlines, bad files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage import CoverageInputError, assess, read_points
from coverage.demo import HONGQI_PBF

DATA = Path(__file__).resolve().parent / "data"
ROWS = [("a", "红旗社工站", 126.6855, 45.73202, 120), ("b", "六顺", 126.6645744, 45.7377559, 80)]


def _text(rows, sep=",", header=("id", "name", "lon", "lat", "households")) -> str:
    return "\n".join(sep.join(map(str, r)) for r in [header, *rows]) + "\n"


@pytest.mark.parametrize(
    ("encoding", "sep", "named"),
    [
        ("utf-8", ",", "comma"),
        ("utf-8-sig", ";", "semicolon"),
        ("gb18030", "\t", "tab"),
        ("utf-16", "\t", "tab"),
        ("utf-8", "|", "vertical bar"),
    ],
)
def test_csv_any_encoding_and_separator(tmp_path, encoding, sep, named):
    p = tmp_path / "h.csv"
    p.write_bytes(_text(ROWS, sep).encode(encoding))
    pts = read_points(p, role="households", weight="households")
    assert pts.lon.tolist() == [126.6855, 126.6645744] and pts.weight.tolist() == [120, 80]
    assert list(pts.frame["name"]) == ["红旗社工站", "六顺"]
    assert f"({named}-separated" in pts.label


def test_separator_is_named_in_messages(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text(_text([("a", "x", "126.68", "45.73", "many")], ";"), encoding="utf-8")
    with pytest.raises(
        CoverageInputError,
        match=r"\(semicolon-separated, UTF-8\) column 'households' is not a number in rows \[2\]",
    ):
        read_points(p, role="households", weight="households")


def test_decimal_commas_degree_signs_and_dms(tmp_path):
    p = tmp_path / "h.csv"
    rows = [
        ("a", "x", "126,6855", "45,73202"),
        ("b", "y", "126.6645744°", "45.7377559°"),
        ("c", "z", "126°41'07.8\"E", "45°43'55.3\"N"),
        ("d", "w", "东126°41′", "北45°44′"),
    ]
    p.write_text(_text(rows, ";", ("id", "name", "lon", "lat")), encoding="utf-8")
    pts = read_points(p, role="households")
    np.testing.assert_allclose(pts.lon, [126.6855, 126.6645744, 126 + 41 / 60 + 7.8 / 3600, 126 + 41 / 60])
    np.testing.assert_allclose(pts.lat, [45.73202, 45.7377559, 45 + 43 / 60 + 55.3 / 3600, 45 + 44 / 60])


def test_headers_any_case_and_chinese_names(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text(_text(ROWS, ",", ("编号", "名称", "经度", "纬度", "户数")), encoding="utf-8")
    pts = read_points(p, role="households", weight="households")  # households finds 户数
    assert list(pts.ids) == ["a", "b"] and pts.name_col == "名称" and pts.weight.tolist() == [120, 80]
    assert read_points(p, role="households", weight="户数").weight.tolist() == [120, 80]
    q = tmp_path / "upper.csv"
    q.write_text(_text(ROWS, ",", ("ID", "NAME", "LON", "LAT", "HOUSEHOLDS")), encoding="utf-8")
    pts = read_points(q, role="households", weight="households")
    assert list(pts.ids) == ["a", "b"] and pts.name_col == "NAME"


def test_excel_first_sheet_or_named_sheet(tmp_path):
    df = pd.DataFrame(ROWS, columns=["编号", "名称", "经度", "纬度", "户数"])
    p = tmp_path / "h.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="小区", index=False)
        pd.DataFrame({"x": [1]}).to_excel(xw, sheet_name="other", index=False)
    pts = read_points(p, role="households", weight="户数")
    assert list(pts.ids) == ["a", "b"] and "sheet '小区'" in pts.label
    with pytest.raises(CoverageInputError, match=r"has no sheet 'nope'; its sheets are \['小区', 'other'\]"):
        read_points(p, role="households", sheet="nope")
    # a legacy .xls, stations on its second sheet
    st = read_points(DATA / "stations.xls", role="stations", sheet="站点")
    assert list(st.ids) == ["s1", "s2"] and st.lon[0] == pytest.approx(126.6855)


def test_separate_id_columns_per_file(tmp_path):
    st = tmp_path / "s.csv"
    st.write_text(_text(ROWS[:1], ",", ("station_code", "name", "lon", "lat", "x")), encoding="utf-8")
    hh = tmp_path / "h.csv"
    hh.write_text(_text(ROWS, ",", ("楼栋编号", "name", "lon", "lat", "households")), encoding="utf-8")
    r = assess(str(HONGQI_PBF), st, hh, station_id_col="station_code", household_id_col="楼栋编号")
    assert list(r.stations["station_code"]) == ["a"] and list(r.households["楼栋编号"]) == ["a", "b"]


def test_compound_outlines_walk_from_inside_and_keep_their_shape(tmp_path):
    c = shapely.Point(126.6855, 45.7310).buffer(0.0008)
    mp = shapely.MultiPoint([(126.6700, 45.7300), (126.6702, 45.7301)])
    hh = gpd.GeoDataFrame(
        {"id": ["poly", "multi", "pt"]}, geometry=[c, mp, shapely.Point(126.69, 45.73)], crs=4326
    )
    st = gpd.GeoDataFrame({"id": ["s"]}, geometry=[shapely.Point(126.6855, 45.73202)], crs=4326)
    with pytest.warns(UserWarning, match="not points"):
        r = assess(str(HONGQI_PBF), st, hh)
    assert list(r.households.geom_type) == ["Polygon", "MultiPoint", "Point"]
    assert shapely.contains_xy(c, r.household_points.lon[0], r.household_points.lat[0])
    files = r.to_files(tmp_path / "out")
    back = gpd.read_file(files["households_gpkg"])
    assert back.geom_type.tolist()[0] in ("Polygon", "MultiPolygon") and len(back) == 3
    csv = pd.read_csv(files["households_csv"])
    assert csv["lon"].notna().all() and shapely.contains_xy(c, csv["lon"][0], csv["lat"][0])


def test_geopackage_layers(tmp_path):
    p = tmp_path / "both.gpkg"
    pts = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=gpd.points_from_xy([126.6855, 126.67], [45.732, 45.74]), crs=4326
    )
    pts.to_file(p, layer="stations")
    pts.assign(id=["h1", "h2"]).to_file(p, layer="homes")
    with pytest.raises(
        CoverageInputError, match=r"has 2 layers \['stations', 'homes'\]; choose one with --household-layer"
    ):
        read_points(p, role="households")
    assert list(read_points(p, role="households", layer="homes").ids) == ["h1", "h2"]
    with pytest.raises(CoverageInputError, match="has no layer 'x'"):
        read_points(p, role="households", layer="x")


def test_shapefile_without_prj(tmp_path):
    p = tmp_path / "h.shp"
    gpd.GeoDataFrame({"id": ["a"]}, geometry=gpd.points_from_xy([126.6855], [45.732]), crs=4326).to_file(p)
    p.with_suffix(".prj").unlink()
    with pytest.raises(
        CoverageInputError, match=r"has no CRS \(a shapefile without its .prj\?\); pass its CRS"
    ):
        read_points(p, role="households")
    assert read_points(p, role="households", crs="EPSG:4326").lon[0] == pytest.approx(126.6855)


@pytest.mark.parametrize(
    ("x", "y", "hint"),
    [
        (568_000.0, 5_066_000.0, "EPSG:4551 (CGCS2000 / 3-degree Gauss-Kruger CM 126E) or EPSG:32652"),
        (42_568_000.0, 5_066_000.0, "EPSG:4530 (CGCS2000 / 3-degree Gauss-Kruger zone 42)"),
    ],
)
def test_projected_xy_without_crs_is_named(tmp_path, x, y, hint):
    p = tmp_path / "h.csv"
    p.write_text(f"id,x,y\na,{x},{y}\nb,{x + 100},{y + 50}\n", encoding="utf-8")
    with pytest.raises(CoverageInputError, match="look like projected metres") as e:
        read_points(p, role="households", lon_hint=126.68)
    assert hint in str(e.value)


@pytest.mark.parametrize("cell", ["126.66 deg", "x", ""])
def test_a_file_with_no_usable_row_is_an_error(tmp_path, cell):
    p = tmp_path / "h.csv"
    p.write_text(f"id,lon,lat\na,{cell},\nb,{cell},\n", encoding="utf-8")
    with pytest.raises(CoverageInputError, match=r"none of the 2 rows has usable coordinates .*row 2"):
        read_points(p, role="households")


def test_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("id,lon,lat\na,126.68,45.73\na,126.69,45.74\n", encoding="utf-8")
    with pytest.raises(CoverageInputError, match=r"\(rows \[2, 3\]\)"):
        read_points(p, role="households")
