"""Nothing of the planner's lost or mangled: atomic files, a guarded output folder, safe cells, the cache."""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from coverage import CoverageInputError, assess, load_network
from coverage._files import OutputFolder, atomic_path
from coverage.cli import main
from coverage.demo import HONGQI_PBF, demo_inputs

NET = str(HONGQI_PBF)
EVIL = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "bell\x07name", "ok"]


@pytest.fixture(scope="module")
def hongqi():
    return demo_inputs()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, hongqi):
    d = tmp_path_factory.mktemp("in")
    _, st, hh = hongqi
    st = st.copy()
    st.loc[: len(EVIL) - 1, "name"] = EVIL[: len(st)]
    st["ID"] = [f"x{i}" for i in range(len(st))]  # differs from id only by case
    st["FID"] = range(len(st))  # ArcGIS's column
    pd.DataFrame(
        {
            "id": st["id"],
            "ID": st["ID"],
            "FID": st["FID"],
            "name": st["name"],
            "lon": st.geometry.x,
            "lat": st.geometry.y,
        }
    ).to_csv(d / "stations.csv", index=False)
    hh.to_file(d / "households.gpkg")
    return d


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


def test_out_never_overwrites_an_input(tmp_path):
    (tmp_path / "stations.csv").write_text("id,lon,lat\n", encoding="utf-8")
    with pytest.raises(CoverageInputError, match="would overwrite the input file"):
        OutputFolder(tmp_path, inputs=[tmp_path / "stations.csv"], planned=["stations.csv"])


def test_report_cells_are_safe_and_names_unique(inputs, tmp_path):
    assert (
        main(
            [
                "-q",
                "report",
                "--network",
                NET,
                "--stations",
                str(inputs / "stations.csv"),
                "--households",
                str(inputs / "households.gpkg"),
                "--weight",
                "households",
                "--k",
                "1",
                "--method",
                "greedy",
                "--out",
                str(tmp_path / "pack"),
            ]
        )
        == 0
    )
    pack = tmp_path / "pack"
    # CSV: formula starts are quoted, control characters gone
    st = pd.read_csv(pack / "stations.csv", dtype=str, keep_default_na=False)
    names = st["name"].tolist()
    assert '\'=HYPERLINK("http://x","click")' in names and "'+1+1" in names and "'@SUM(A1)" in names
    assert "bellname" in names and not any("\x07" in n for n in names)
    # Excel: the text stays text, never a formula
    import openpyxl

    wb = openpyxl.load_workbook(pack / "summary.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == EVIL[0] for c in cells)
    # GeoPackage: id and ID and FID all written
    back = gpd.read_file(pack / "coverage.gpkg", layer="stations")
    assert {"id", "ID_2", "FID_input"} <= set(back.columns)
    # JSON: strict (no NaN anywhere)
    for name in ("manifest.json",):
        json.loads(
            (pack / name).read_text(encoding="utf-8"),
            parse_constant=lambda c: pytest.fail(f"{name}: {c}"),  # noqa: B023  (called within this iteration)
        )
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["files"]) >= {"map.html", "coverage.gpkg", "summary.xlsx", "stations.csv"}


def test_rerun_removes_what_it_does_not_write_again(inputs, tmp_path):
    out = tmp_path / "o"
    base = [
        "--network",
        NET,
        "--stations",
        str(inputs / "stations.csv"),
        "--households",
        str(inputs / "households.gpkg"),
        "--out",
        str(out),
    ]
    assert main(["-q", "site", *base, "--k", "1", "--method", "greedy"]) == 0
    assert (out / "sites.csv").exists()
    (out / "notes-of-mine.txt").write_text("keep me", encoding="utf-8")
    assert main(["-q", "analyze", *base]) == 0
    assert not (out / "sites.csv").exists() and not (out / "siting.json").exists()
    assert (out / "notes-of-mine.txt").exists()  # never listed by us, never removed
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert "households.csv" in files and "sites.csv" not in files
    assert sorted(files) == sorted(
        p.name for p in out.iterdir() if p.name not in ("manifest.json", "notes-of-mine.txt")
    )


def test_summary_json_is_strict(hongqi, tmp_path):
    path, st, hh = hongqi
    r = assess(path, st, hh.iloc[:0].pipe(lambda f: pd.concat([f, hh.iloc[:2]])), minutes=15)
    r.to_files(tmp_path)
    json.loads(
        (tmp_path / "summary.json").read_text(encoding="utf-8"),
        parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"),
    )


def test_cache_provenance_checksum_and_broken_files(tmp_path, caplog):
    from coverage import settings

    a = tmp_path / "a" / "x.osm.pbf"
    b = tmp_path / "b" / "y.osm.pbf"
    for p in (a, b):
        p.parent.mkdir()
        shutil.copy(HONGQI_PBF, p)
    n1 = load_network(a)
    n2 = load_network(b)  # same content: a cache hit, but the provenance is this call's
    assert n2.meta["cache"] == "hit" and n2.meta["source"] == str(b) and n2.meta["source_name"] == "y.osm.pbf"

    def meta_of(path):
        with np.load(path, allow_pickle=False) as z:
            return json.loads(str(z["meta"]))

    digest = n1.meta["sha256"]  # the cache of this content, with the default walking rules
    cache = next(
        c
        for c in settings.cache_folder.glob("network-*.npz")
        if meta_of(c).get("sha256") == digest and not meta_of(c).get("elevated_roads")
    )
    # a cache file whose recorded checksum is not this content's: rebuilt, with a warning
    with np.load(cache, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    meta["sha256"] = "0" * 64
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(cache, **arrays)
    with caplog.at_level("WARNING", logger="coverage"):
        n3 = load_network(a)
    assert n3.meta["cache"] == "miss" and "not made from this file's content" in caplog.text
    # a broken cache file: rebuilt, with a warning
    cache.write_bytes(b"garbage")
    caplog.clear()
    with caplog.at_level("WARNING", logger="coverage"):
        n4 = load_network(a)
    assert n4.meta["cache"] == "miss" and "unreadable" in caplog.text
    assert n4.n_edges == n1.n_edges
    assert not list(settings.cache_folder.glob(".*"))  # no temporary files left behind


def test_areas_keep_their_own_rows(hongqi):
    from coverage import summarize_by_area

    path, st, hh = hongqi
    r = assess(path, st, hh, weight="households")
    box = gpd.GeoSeries(gpd.points_from_xy(hh.geometry.x, hh.geometry.y), crs=4326).total_bounds
    mid = (box[0] + box[2]) / 2
    import shapely

    west = shapely.box(box[0] - 0.01, box[1] - 0.01, mid, box[3] + 0.01)
    east = shapely.box(mid, box[1] - 0.01, box[2] + 0.01, box[3] + 0.01)
    areas = gpd.GeoDataFrame(
        {"name": ["新村社区", "新村社区"], "code": ["A", "B"]}, geometry=[west, east], crs=4326
    )
    t = summarize_by_area(r, areas, id_col="code", target_share="85%")
    assert sorted(t["area_id"]) == ["A", "B"] and list(t["area"]) == ["新村社区", "新村社区"]
    assert t["households"].sum() == pytest.approx(r.household_points.valid_weight)
    assert (t["target_share"] == 0.85).all()
    unnamed = areas.assign(name=[None, "东区"])
    t2 = summarize_by_area(r, unnamed, target_share=85)
    assert "unnamed area 1" in set(t2["area"]) and "(outside all areas)" not in set(t2["area"])
