"""The meeting pack and the by-area table."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from coverage import assess, export_report, suggest_sites, summarize_by_area


@pytest.fixture(scope="module")
def result(helsinki, demo_data):
    _, st, hh = demo_data
    return assess(helsinki, st, hh, minutes=5, weight="households")


@pytest.fixture(scope="module")
def areas(helsinki):
    lon0, lat0, lon1, lat1 = helsinki.bounds_lonlat
    mid = (lat0 + lat1) / 2
    return gpd.GeoDataFrame(
        {"name": ["北区 <north>", "南区"]},
        geometry=[shapely.box(lon0, mid, lon1, lat1), shapely.box(lon0, lat0, lon1, mid)],
        crs=4326,
    )


def test_by_area(result, areas):
    t = summarize_by_area(result, areas, target_share=0.85)
    assert set(t["area"]) <= {"北区 <north>", "南区", "(outside all areas)"}
    assert t["households"].sum() == pytest.approx(result.summary.weight_total)
    # below-target areas first, worst first
    below = t[~t["meets_target"]]
    assert list(t.index[: len(below)]) == list(below.index)
    assert below["share_threshold"].is_monotonic_increasing
    for _, row in t.iterrows():
        assert row["share_5min"] <= row["share_10min"] <= row["share_15min"]
    hi = summarize_by_area(result, areas, target_share=0.0)
    assert hi["meets_target"].all()


def test_report_files(result, areas, tmp_path):
    sites = suggest_sites(result, k=2)
    files = export_report(result, tmp_path / "pack", sites=sites, areas=areas, lang="zh")
    names = {p.split("/")[-1] for p in files.values()}
    assert {
        "map.html",
        "map.png",
        "coverage.gpkg",
        "households.csv",
        "stations.csv",
        "sites.csv",
        "areas.csv",
        "summary.xlsx",
        "manifest.json",
    } <= names
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "pack" / "coverage.gpkg")}
    assert {"stations", "households", "isochrones", "isochrone_union", "gaps", "sites", "areas"} <= layers
    hh = gpd.read_file(tmp_path / "pack" / "coverage.gpkg", layer="households")
    assert len(hh) == len(result.households)
    xl = pd.ExcelFile(tmp_path / "pack" / "summary.xlsx", engine="openpyxl")
    assert xl.sheet_names == ["说明", "汇总", "各站点", "各街道社区", "建议新增站点"]
    man = json.loads((tmp_path / "pack" / "manifest.json").read_text(encoding="utf-8"))
    assert man["osm_data_timestamp"] == "2019-04-17T18:21:00Z"
    assert man["parameters"]["minutes"] == 5
    assert man["versions"]["numpy"] == np.__version__
    assert man["siting"]["n_sites"] == 2
    assert "<north>" not in (tmp_path / "pack" / "map.html").read_text(encoding="utf-8")


def test_report_cli(tmp_path, helsinki_path):
    from coverage.cli import main
    from coverage.demo import write_demo_inputs

    st, hh = write_demo_inputs(tmp_path / "in", "helsinki")
    rc = main(
        [
            "-q",
            "report",
            "--network",
            helsinki_path,
            "--stations",
            str(st),
            "--households",
            str(hh),
            "--weight",
            "households",
            "--minutes",
            "5",
            "--k",
            "1",
            "--out",
            str(tmp_path / "pack"),
        ]
    )
    assert rc == 0
    man = json.loads((tmp_path / "pack" / "manifest.json").read_text(encoding="utf-8"))
    assert man["inputs"]["stations"]["sha256"] and man["inputs"]["households"]["rows"] == 390


def test_pack_and_site_when_there_is_nothing_to_site(tmp_path):
    """Everything covered (or candidates that add nobody): the pack and site still write every file."""
    from coverage.cli import main
    from coverage.demo import HONGQI_PBF, write_demo_inputs

    st, hh = write_demo_inputs(tmp_path / "in")
    base = ["--network", str(HONGQI_PBF), "--stations", str(st), "--households", str(hh), "--weight", "户数"]
    assert main(["-q", "report", *base, "--minutes", "120", "--k", "2", "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "brief.pdf").exists() and (tmp_path / "r" / "sites.csv").exists()
    assert main(["-q", "site", *base, "--k", "1", "--candidates", str(st), "--out", str(tmp_path / "s")]) == 0
    assert (tmp_path / "s" / "siting.json").exists() and not (tmp_path / "s" / "sites.gpkg").exists()
