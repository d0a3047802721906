"""read_points stage by stage: source dispatch, geometry/CRS, coordinate checks, ids, weights."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage import CoverageInputError
from coverage import io as cio


def test_source_dispatch(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("id,lon,lat\na,126.6,45.7\nb,x,45.8\n", encoding="utf-8")
    s = cio._source(csv, "households", None, None, None)
    assert s.label == f"households file '{csv}' (comma-separated, UTF-8)" and s.path == str(csv)
    assert s.x[0] == pytest.approx(126.6) and s.bad_text.tolist() == [False, True]
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(1, 2)], crs=4326, index=[7])
    s = cio._source(gdf, "stations", None, None, None)
    assert s.x is None and s.table.index.tolist() == [0] and s.path is None
    with pytest.raises(CoverageInputError, match="unknown format '.xyz'"):
        (tmp_path / "p.xyz").write_text("x")
        cio._source(tmp_path / "p.xyz", "households", None, None, None)
    with pytest.raises(CoverageInputError, match="does not exist"):
        cio._source(tmp_path / "missing.csv", "households", None, None, None)
    # a plain DataFrame is read like a CSV (lon/lat columns), numbered by its index
    s = cio._source(
        pd.DataFrame({"id": ["a"], "经度": [126.6], "纬度": [45.7]}), "households", None, None, None
    )
    assert s.x[0] == pytest.approx(126.6) and s.rows([0]) == "index [0]"
    with pytest.raises(CoverageInputError, match="households DataFrame has no longitude column"):
        cio._source(pd.DataFrame({"a": [1]}), "households", None, None, None)
    with pytest.raises(TypeError, match="a file path, a DataFrame or a GeoDataFrame"):
        cio._source(42, "households", None, None, None)


def test_geometry_and_crs():
    poly = shapely.box(0, 0, 2, 2)
    gdf = gpd.GeoDataFrame(geometry=[shapely.Point(1, 1), poly, None], crs=3857)
    with pytest.warns(UserWarning, match="1 geometries are not points"):
        x, y = cio._xy_from_geometry(gdf, "households")
    assert shapely.contains(poly, shapely.Point(x[1], y[1]))
    assert np.isnan(x[2]) and np.isnan(y[2])
    lon, lat = cio._to_lonlat(np.array([0.0]), np.array([0.0]), "EPSG:3857", offset=False)
    assert lon[0] == pytest.approx(0) and lat[0] == pytest.approx(0)
    lon, lat = cio._to_lonlat(np.array([126.6]), np.array([45.7]), "EPSG:4326", offset=True)
    assert lon[0] == 126.6  # GCJ-02/BD-09 are converted after the checks


def test_coordinate_checks():
    x = np.array([126.6, np.nan, 200.0, np.nan])
    y = np.array([45.7, 45.7, 45.7, np.nan])
    bad = np.array([False, True, False, False])
    r = cio._coordinate_reasons(x, y, bad, True, "households")
    assert r.tolist() == ["", "non-numeric coordinate", "coordinate out of range", "missing coordinate"]
    # projected input is never range-checked as degrees
    assert cio._coordinate_reasons(
        np.array([500000.0]), np.array([5e6]), np.array([False]), False, "h"
    ).tolist() == [""]
    with pytest.raises(CoverageInputError, match="look swapped"):
        cio._coordinate_reasons(
            np.array([45.7, 45.8]), np.array([126.6, 126.7]), np.zeros(2, bool), True, "h"
        )


def test_ids():
    f = pd.DataFrame({"id": ["a", "b"], "ID2": [1, 1]})
    assert cio._ids(f, "id", "h").tolist() == ["a", "b"]
    assert cio._ids(f, None, "h").tolist() == [0, 1]
    with pytest.raises(CoverageInputError, match="duplicate ids"):
        cio._ids(f, "ID2", "h")
    with pytest.raises(CoverageInputError, match="no id column 'code'"):
        cio._ids(f, "code", "h")
    with pytest.raises(CoverageInputError, match="is empty in rows"):
        cio._ids(pd.DataFrame({"id": ["a", None]}), "id", "h")


def test_weights():
    f = pd.DataFrame({"w": ["3", "0"], "bad": ["x", "1"], "neg": ["-1", "2"], "gap": ["1", None]})
    assert cio._weights(f, None, "h").tolist() == [1.0, 1.0]
    assert cio._weights(f, "w", "h").tolist() == [3.0, 0.0]
    with pytest.raises(CoverageInputError, match="not a number in rows"):
        cio._weights(f, "bad", "h")
    with pytest.raises(CoverageInputError, match="negative"):
        cio._weights(f, "neg", "h")
    with pytest.raises(CoverageInputError, match="empty in rows"):
        cio._weights(f, "gap", "h")
    with pytest.raises(CoverageInputError, match="no weight column"):
        cio._weights(f, "households", "h")
