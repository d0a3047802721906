"""Bad input: a clear error naming file, column, rows and fix, or a status."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from coverage import CoverageInputError, assess, read_points
from coverage.crs import wgs84_to_bd09, wgs84_to_gcj02


@pytest.fixture
def stations_csv(tmp_path, demo_data):
    _, st, _ = demo_data
    p = tmp_path / "stations.csv"
    lines = ["id,name,lon,lat"] + [f"{r.id},{r.name},{r.geometry.x},{r.geometry.y}" for r in st.itertuples()]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


HH_OK = "id,lon,lat,households\na,24.945,60.170,10\nb,24.948,60.172,5\n"


def test_missing_file(tmp_path):
    with pytest.raises(CoverageInputError, match=r"households file '.*nope.csv' does not exist"):
        read_points(tmp_path / "nope.csv", role="households")


def test_empty_file(tmp_path):
    with pytest.raises(CoverageInputError, match="is empty"):
        read_points(write(tmp_path, "e.csv", ""), role="households")


def test_header_only(tmp_path):
    with pytest.raises(CoverageInputError, match="has a header but no rows"):
        read_points(write(tmp_path, "h.csv", "id,lon,lat\n"), role="households")


def test_unknown_format(tmp_path):
    with pytest.raises(CoverageInputError, match=r"unknown format '.docx'"):
        read_points(write(tmp_path, "h.docx", "x"), role="households")
    with pytest.raises(CoverageInputError, match=r"could not be read as an Excel workbook"):
        read_points(write(tmp_path, "h.xlsx", "x"), role="households")


def test_missing_id_column(tmp_path):
    with pytest.raises(CoverageInputError, match=r"no id column 'id'; columns are \['lon', 'lat'\]"):
        read_points(write(tmp_path, "h.csv", "lon,lat\n24.9,60.1\n"), role="households")


@pytest.mark.parametrize("col", ["lon", "lat"])
def test_missing_coordinate_column(tmp_path, col):
    text = "id,lon,lat\n1,24.9,60.1\n".replace(col, "zzz")
    with pytest.raises(CoverageInputError, match="has no (longitude|latitude) column"):
        read_points(write(tmp_path, "h.csv", text), role="households")


def test_nan_and_out_of_range_rows_are_kept_invalid(tmp_path, helsinki, stations_csv):
    text = "id,lon,lat\na,24.945,60.170\nb,,60.17\nc,abc,60.17\nd,24.94,95.0\ne,24.948,60.172\n"
    r = assess(helsinki, stations_csv, write(tmp_path, "h.csv", text))
    h = r.households.set_index("id")
    assert list(h.index) == ["a", "b", "c", "d", "e"]
    assert list(h["status"].astype(str)) == ["covered", "invalid", "invalid", "invalid", "covered"]
    assert h.loc["b", "note"] == "missing coordinate"
    assert h.loc["c", "note"] == "non-numeric coordinate"
    assert h.loc["d", "note"] == "coordinate out of range"
    assert r.summary.n_invalid == 3


def test_swapped_lat_lon_out_of_range(tmp_path):
    text = "id,lon,lat\na,45.7,126.6\nb,45.8,126.7\n"
    with pytest.raises(CoverageInputError, match="longitude and latitude look swapped"):
        read_points(write(tmp_path, "h.csv", text), role="households")


def test_swapped_lat_lon_in_range(tmp_path, helsinki, stations_csv):
    text = "id,lon,lat\na,60.170,24.945\nb,60.172,24.948\n"
    with pytest.raises(CoverageInputError, match="look swapped.*swap them"):
        assess(helsinki, stations_csv, write(tmp_path, "h.csv", text))


def test_duplicate_ids(tmp_path):
    text = "id,lon,lat\na,24.9,60.1\nb,24.9,60.1\na,24.9,60.1\n"
    with pytest.raises(CoverageInputError, match=r"duplicate ids \[a\] \(rows \[2, 4\]\)"):
        read_points(write(tmp_path, "h.csv", text), role="households")


def test_empty_id(tmp_path):
    with pytest.raises(CoverageInputError, match=r"column 'id' is empty in rows \[3\]"):
        read_points(write(tmp_path, "h.csv", "id,lon,lat\na,24.9,60.1\n,24.9,60.1\n"), role="households")


def test_non_numeric_weight(tmp_path):
    text = "id,lon,lat,hh\na,24.9,60.1,10\nb,24.9,60.1,many\n"
    with pytest.raises(CoverageInputError, match=r"column 'hh' is not a number in rows \[3\]"):
        read_points(write(tmp_path, "h.csv", text), role="households", weight="hh")


def test_negative_weight(tmp_path):
    text = "id,lon,lat,hh\na,24.9,60.1,-3\nb,24.9,60.1,1\n"
    with pytest.raises(CoverageInputError, match=r"column 'hh' is negative or infinite in rows \[2\]"):
        read_points(write(tmp_path, "h.csv", text), role="households", weight="hh")


def test_missing_weight_column(tmp_path):
    with pytest.raises(CoverageInputError, match="no weight column 'hh'"):
        read_points(write(tmp_path, "h.csv", HH_OK), role="households", weight="hh")


def test_points_outside_network_are_off_network(tmp_path, helsinki, stations_csv):
    text = HH_OK + "far,24.80,60.25,3\n"
    r = assess(helsinki, stations_csv, write(tmp_path, "h.csv", text), weight="households")
    far = r.households.set_index("id").loc["far"]
    assert far["status"] == "off_network"
    assert far["note"] == "outside the network's extent"
    assert r.summary.weight_off_network == 3


def test_all_points_outside_network(tmp_path, helsinki, stations_csv):
    text = "id,lon,lat\na,116.39,39.9\nb,116.40,39.91\n"
    with pytest.raises(CoverageInputError, match="none of the 2 points lies inside the network's extent"):
        assess(helsinki, stations_csv, write(tmp_path, "h.csv", text))


def test_no_station_on_network(tmp_path, helsinki):
    # inside the extent, but in the harbour, far from any street
    st = write(tmp_path, "s.csv", "id,lon,lat\ns1,24.9352,60.1642\n")
    with pytest.raises(
        CoverageInputError, match="none of the 1 stations lies within 5 m of a walkable street"
    ):
        assess(helsinki, st, write(tmp_path, "h.csv", HH_OK), max_snap_m=5)


def test_geodataframe_without_crs(helsinki):
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=gpd.points_from_xy([24.9], [60.1]))
    with pytest.raises(CoverageInputError, match="has no CRS"):
        read_points(gdf, role="stations")


def test_projected_geodataframe_returns_in_input_crs(helsinki, demo_data):
    _, st, hh = demo_data
    hh3067 = hh.to_crs("EPSG:3067")
    r = assess(helsinki, st, hh3067)
    assert r.households.crs == hh3067.crs
    r0 = assess(helsinki, st, hh)
    np.testing.assert_allclose(r.households["walk_m"], r0.households["walk_m"], atol=0.01)
    assert hh3067.crs.to_epsg() == 3067  # input untouched


def test_projected_csv(tmp_path, helsinki, demo_data):
    import pyproj

    _, stations, _ = demo_data  # a GeoDataFrame keeps its own CRS; crs= applies to CSV

    t = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    x, y = t.transform([24.945, 24.948], [60.170, 60.172])
    text = f"id,x,y\na,{x[0]},{y[0]}\nb,{x[1]},{y[1]}\n"
    r = assess(helsinki, stations, write(tmp_path, "h.csv", text), crs="EPSG:3067")
    assert r.households.crs.to_epsg() == 3067
    ref = assess(helsinki, stations, write(tmp_path, "g.csv", HH_OK))
    np.testing.assert_allclose(r.households["walk_m"], ref.households["walk_m"], atol=0.01)


def test_gbk_encoded_csv(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("id,name,lon,lat\n1,红旗街道社工站,126.68,45.73\n".encode("gb18030"))
    pts = read_points(p, role="stations")
    assert pts.frame.loc[0, "name"] == "红旗街道社工站"


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_chinese_offset_coordinates(tmp_path, helsinki, stations_csv, crs):
    # Helsinki is outside China, where GCJ-02 is the identity; test the
    # conversion path on Harbin coordinates instead.
    lon, lat = np.array([126.6835167]), np.array([45.7323636])
    conv = wgs84_to_gcj02 if crs == "gcj02" else wgs84_to_bd09
    olon, olat = conv(lon, lat)
    p = write(tmp_path, "s.csv", f"id,lon,lat\nx,{olon[0]:.9f},{olat[0]:.9f}\n")
    pts = read_points(p, role="stations", crs=crs)
    assert pts.lon[0] == pytest.approx(lon[0], abs=1e-8)
    assert pts.lat[0] == pytest.approx(lat[0], abs=1e-8)
    assert pts.frame.crs.to_epsg() == 4326


def test_polygons_are_used_with_a_warning(helsinki, demo_data):
    _, st, _ = demo_data
    poly = gpd.GeoDataFrame({"id": ["p"]}, geometry=[st.geometry.iloc[0].buffer(0.0002)], crs="EPSG:4326")
    with pytest.warns(UserWarning, match="not points"):
        r = assess(helsinki, st, poly)
    assert r.households.loc[0, "status"] in ("covered", "uncovered")
    assert r.households.geometry.iloc[0].geom_type == "Polygon"  # input geometry kept
