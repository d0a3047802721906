"""Tiled runs: Harbin cut into 3 km tiles on a LocalCluster of 2 workers gives the single-machine answer."""

from __future__ import annotations

import json
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from helpers import shared_osm

from coverage import CoverageInputError, assess
from coverage.cli import main

pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def harbin(tmp_path_factory):
    from coverage.osm import place_nodes, residential_buildings

    p = shared_osm("harbin-central.osm.pbf")
    d = tmp_path_factory.mktemp("harbin")
    st = place_nodes(p)
    hh = residential_buildings(p)
    pd.DataFrame({"id": st["id"], "name": st["name"], "lon": st.geometry.x, "lat": st.geometry.y}).to_csv(
        d / "stations.csv", index=False
    )
    # one row without coordinates: every input row comes out with a status, tiled or not
    rows = pd.DataFrame(
        {"id": hh["id"], "lon": hh.geometry.x, "lat": hh.geometry.y, "户数": 1 + np.arange(len(hh)) % 7}
    )
    rows.loc[5, ["lon", "lat"]] = np.nan
    rows.to_csv(d / "households.csv", index=False)
    return p, d


def _run(argv):
    assert main(["-q", *argv]) == 0


def test_harbin_3km_tiles_on_a_local_cluster_equal_the_single_run(harbin):
    p, d = harbin
    common = [
        "analyze",
        "--network",
        str(p),
        "--stations",
        str(d / "stations.csv"),
        "--households",
        str(d / "households.csv"),
        "--weight",
        "户数",
        "--horizon-min",
        "30",
    ]
    _run([*common, "--out", str(d / "single")])
    _run([*common, "--tiles", "grid:3000", "--scheduler", "local:2", "--out", str(d / "tiled")])
    for name in ("households.csv", "stations.csv"):
        a = (d / "single" / name).read_bytes()
        b = (d / "tiled" / name).read_bytes()
        assert a == b, name
    s1 = json.loads((d / "single" / "summary.json").read_text(encoding="utf-8"))
    s2 = json.loads((d / "tiled" / "summary.json").read_text(encoding="utf-8"))
    for k in (
        "n_households",
        "n_covered",
        "n_uncovered",
        "n_off_network",
        "n_invalid",
        "weight_covered",
        "bands",
        "n_beyond_horizon",
    ):
        assert s1[k] == s2[k], k
    # isochrones: every station's polygons are the single run's (the same 10 m lattice), the union up to
    # drawing
    import shapely as sh

    per_a = gpd.read_file(d / "single" / "isochrones.gpkg", layer="isochrones").to_crs(32652)
    per_b = gpd.read_file(d / "tiled" / "isochrones.gpkg", layer="isochrones").to_crs(32652)
    assert list(per_a["station_id"]) == list(per_b["station_id"])
    assert sh.area(sh.symmetric_difference(per_a.geometry.values, per_b.geometry.values)).max() < 1.0
    uni_a = gpd.read_file(d / "single" / "isochrones.gpkg", layer="isochrone_union").to_crs(32652)
    uni_b = gpd.read_file(d / "tiled" / "isochrones.gpkg", layer="isochrone_union").to_crs(32652)
    diff = sh.area(sh.symmetric_difference(uni_a.geometry.values, uni_b.geometry.values))
    assert (diff < 1e-3 * uni_a.area.to_numpy()).all()
    gaps = gpd.read_file(d / "tiled" / "isochrones.gpkg", layer="gaps")
    assert gaps["households"].sum() > 0
    tiles = pd.read_csv(d / "tiled" / "tiles.csv")
    assert tiles["rows"].sum() == s1["n_households"] - s1["n_invalid"] and len(tiles) > 20
    parts = list((d / "tiled" / "tiles").glob("tile-*.parquet"))
    assert len(parts) == len(tiles)
    rows = np.concatenate([gpd.read_parquet(f)["_row"].to_numpy() for f in parts])
    assert np.array_equal(
        np.sort(rows), np.setdiff1d(np.arange(s1["n_households"]), [5])
    )  # none lost or twice


def test_polygon_tiles_in_process_and_the_horizon(tmp_path):
    """Boundary polygons as tiles (two halves of 红旗街道, run in this process) give the single answer, and a
    household past the horizon is reported as beyond it, in both."""
    from coverage.demo import demo_inputs
    from coverage.tiles.run import assess_tiled

    path, st, hh = demo_inputs()
    x0, y0, x1, y1 = hh.total_bounds
    xm = (x0 + x1) / 2
    halves = gpd.GeoDataFrame(
        {"name": ["west", "east"]},
        geometry=[shapely.box(x0 - 1, y0 - 1, xm, y1 + 1), shapely.box(xm, y0 - 1, x1 + 1, y1 + 1)],
        crs=4326,
    )
    single = assess(path, st, hh, weight="households", minutes=5, horizon_min=8)
    tiled = assess_tiled(
        path, st, hh, tiles=halves, weight="households", minutes=5, horizon_min=8, out_dir=tmp_path / "t"
    )
    a, b = single.households, tiled.households
    assert (a["status"].astype(str).to_numpy() == b["status"].astype(str).to_numpy()).all()
    assert (a["note"].to_numpy() == b["note"].to_numpy()).all()
    np.testing.assert_array_equal(a["walk_m"].to_numpy(), b["walk_m"].to_numpy())
    assert single.summary.n_beyond_horizon == tiled.summary.n_beyond_horizon > 0
    assert a["note"].str.startswith("beyond the horizon").sum() == single.summary.n_beyond_horizon
    pd.testing.assert_frame_equal(
        pd.DataFrame(single.stations.drop(columns="geometry")),
        pd.DataFrame(tiled.stations.drop(columns="geometry")),
    )


def test_without_dask_the_error_names_the_extra(monkeypatch):
    from coverage.tiles.run import need_dask

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(CoverageInputError, match=r'pip install "service-coverage\[dask\]"'):
        need_dask()


def test_site_and_report_tile_by_tile(harbin):
    """site --tiles: one global problem from the tiles' coverage sets, the same sites as one run; report
    --tiles:
    the meeting pack (but for the interactive map) from the tiles."""
    from openpyxl import load_workbook

    p, d = harbin
    common = [
        "--network",
        str(p),
        "--stations",
        str(d / "stations.csv"),
        "--households",
        str(d / "households.csv"),
        "--weight",
        "户数",
        "--k",
        "3",
    ]
    _run(["site", *common, "--out", str(d / "site1")])
    _run(["site", *common, "--tiles", "grid:4000", "--out", str(d / "site2")])
    a = pd.read_csv(d / "site1" / "sites.csv")
    b = pd.read_csv(d / "site2" / "sites.csv")
    pd.testing.assert_frame_equal(
        a[["rank", "id", "households_added"]], b[["rank", "id", "households_added"]]
    )
    _run(["report", *common, "--tiles", "grid:4000", "--lang", "zh", "--out", str(d / "pack")])
    names = {f.name for f in (d / "pack").iterdir()}
    assert {
        "summary.xlsx",
        "brief.pdf",
        "coverage.gpkg",
        "households.csv",
        "stations.csv",
        "sites.csv",
    } <= names
    assert "map.html" not in names
    wb = load_workbook(d / "pack" / "summary.xlsx")
    assert "建议新增站点" in wb.sheetnames
    single = json.loads((d / "site1" / "siting.json").read_text(encoding="utf-8"))
    man = json.loads((d / "pack" / "manifest.json").read_text(encoding="utf-8"))
    assert man["summary"]["n_covered"] == single["analysis"]["n_covered"]


def test_a_csv_streamed_in_chunks_gives_the_same_table(harbin, tmp_path):
    """A large CSV is read in chunks (forced here at 2,500 rows): the merged households.csv is still the
    one-run
    table, the row without coordinates included."""
    from coverage.output.files import to_csv
    from coverage.tiles.run import assess_tiled

    p, d = harbin
    single = assess(p, d / "stations.csv", d / "households.csv", weight="户数", horizon_min=30)
    tiled = assess_tiled(
        p,
        d / "stations.csv",
        d / "households.csv",
        weight="户数",
        horizon_min=30,
        tiles="grid:5000",
        out_dir=tmp_path / "t",
        stream_rows=2500,
    )
    assert (tmp_path / "t" / "tiles" / "input" / "households" / "chunk-00003.parquet").exists()
    to_csv(single.households, tmp_path / "a.csv")
    to_csv(tiled.households, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert tiled.summary.n_invalid == 1 and tiled.summary.weight_total == single.summary.weight_total


def test_gated_compounds_tile_by_tile(harbin):
    """Gates are placed in their compounds once; each tile gets the compounds that meet it. households.csv and
    compounds.csv are the one run's, the sites too (households reach candidates through their gates)."""
    from coverage import load_network
    from coverage.gates import outline_gates
    from coverage.osm import residential_areas

    p, d = harbin
    comp = residential_areas(p).rename(columns={"id": "compound_id"})
    comp.to_file(d / "compounds.geojson")
    gates = outline_gates(load_network(p), comp)
    pd.DataFrame(
        {
            "gate_id": gates["gate_id"],
            "compound_id": gates["compound_id"],
            "lon": gates.geometry.x,
            "lat": gates.geometry.y,
        }
    ).to_csv(d / "gates.csv", index=False)
    common = [
        "--network",
        str(p),
        "--stations",
        str(d / "stations.csv"),
        "--households",
        str(d / "households.csv"),
        "--weight",
        "户数",
        "--horizon-min",
        "30",
        "--compounds",
        str(d / "compounds.geojson"),
        "--gates",
        str(d / "gates.csv"),
    ]
    _run(["analyze", *common, "--out", str(d / "g1")])
    _run(["analyze", *common, "--tiles", "grid:3000", "--out", str(d / "g2")])
    for name in ("households.csv", "compounds.csv", "gates.csv", "stations.csv"):
        assert (d / "g1" / name).read_bytes() == (d / "g2" / name).read_bytes(), name
    s1 = json.loads((d / "g1" / "summary.json").read_text(encoding="utf-8"))["gates"]
    s2 = json.loads((d / "g2" / "summary.json").read_text(encoding="utf-8"))["gates"]
    assert s1 == s2 and s1["n_points_changed"] > 100
    per_a = gpd.read_file(d / "g1" / "isochrones.gpkg", layer="isochrones").to_crs(32652)
    per_b = gpd.read_file(d / "g2" / "isochrones.gpkg", layer="isochrones").to_crs(32652)
    assert (
        shapely.area(shapely.symmetric_difference(per_a.geometry.values, per_b.geometry.values)).max() < 1.0
    )
    _run(["site", *common, "--k", "2", "--out", str(d / "gs1")])
    _run(["site", *common, "--k", "2", "--tiles", "grid:3000", "--out", str(d / "gs2")])
    a = pd.read_csv(d / "gs1" / "sites.csv")
    b = pd.read_csv(d / "gs2" / "sites.csv")
    pd.testing.assert_frame_equal(a[["id", "households_added"]], b[["id", "households_added"]])


def test_capacities_tile_by_tile(harbin, tmp_path):
    """With station capacities the tiles send back their walks within the threshold and the assignment is
    solved
    once: the served households and the stations' loads are the one run's."""
    p, d = harbin
    st = pd.read_csv(d / "stations.csv")
    st["staff"] = 1 + np.arange(len(st)) % 3
    st.to_csv(tmp_path / "stations.csv", index=False)
    common = [
        "analyze",
        "--network",
        str(p),
        "--stations",
        str(tmp_path / "stations.csv"),
        "--households",
        str(d / "households.csv"),
        "--weight",
        "户数",
        "--horizon-min",
        "30",
        "--staff-col",
        "staff",
        "--caseload",
        "60",
    ]
    _run([*common, "--out", str(tmp_path / "c1")])
    _run([*common, "--tiles", "grid:3000", "--out", str(tmp_path / "c2")])
    a1 = json.loads((tmp_path / "c1" / "summary.json").read_text(encoding="utf-8"))
    a2 = json.loads((tmp_path / "c2" / "summary.json").read_text(encoding="utf-8"))
    assert a1["weight_served"] == pytest.approx(a2["weight_served"]) and a1["weight_served"] > 0
    s1 = pd.read_csv(tmp_path / "c1" / "stations.csv")
    s2 = pd.read_csv(tmp_path / "c2" / "stations.csv")
    for c in ("capacity", "assigned_weight", "demand_weight", "extra_staff"):
        np.testing.assert_allclose(s1[c], s2[c], atol=1e-6)
    h1 = pd.read_csv(tmp_path / "c1" / "households.csv")
    h2 = pd.read_csv(tmp_path / "c2" / "households.csv")
    np.testing.assert_allclose(h1["served_weight"], h2["served_weight"], atol=1e-6)


def test_geoparquet_households_placed_in_parallel(tmp_path):
    """GeoParquet households on a cluster: a file's row groups (or a dataset's files, through dask-geopandas)
    are placed in their tiles by the workers, and the answer is the one run's."""
    from coverage.demo import demo_inputs
    from coverage.tiles.run import assess_tiled

    path, st, hh = demo_inputs()
    hh.to_parquet(tmp_path / "hh.parquet", row_group_size=200)
    (tmp_path / "ds").mkdir()
    hh.iloc[:500].to_parquet(tmp_path / "ds" / "a.parquet")
    hh.iloc[500:].to_parquet(tmp_path / "ds" / "b.parquet")
    single = assess(path, st, hh, weight="households", horizon_min=30)
    for src, name, sched in (
        (tmp_path / "hh.parquet", "file", "local:2"),
        (tmp_path / "ds", "dataset", "local:2"),
        (tmp_path / "hh.parquet", "batches", None),
    ):
        tiled = assess_tiled(
            path,
            st,
            src,
            weight="households",
            horizon_min=30,
            tiles="grid:1500",
            scheduler=sched,
            out_dir=tmp_path / name,
            stream_rows=None if sched else 300,
        )
        placed = tmp_path / name / "tiles" / "input"
        if sched:  # the workers wrote one file per partition
            assert len(list((placed / "households").glob("part-*.parquet"))) >= 2
        else:  # batches appended to one file, in small row groups
            import pyarrow.parquet as pq

            assert pq.ParquetFile(placed / "households.parquet").num_row_groups >= 4
        np.testing.assert_array_equal(
            single.households["walk_m"].to_numpy(), tiled.households["walk_m"].to_numpy()
        )
        assert single.summary.bands == tiled.summary.bands, name
