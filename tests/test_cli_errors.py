"""Every error path of the command line: one line, exit code 2, never a traceback.

Each case is a command a planner could type; the expected fragment is the
part of the one-line message that names the problem or the fix.
"""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pytest

from coverage.cli import main
from coverage.demo import HONGQI_PBF

NET = str(HONGQI_PBF)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    (d / "stations.csv").write_text(
        "id,name,lon,lat,cap,workers\ns1,红旗社工站,126.6855,45.73202,x,2\n", encoding="utf-8"
    )
    (d / "households.csv").write_text(
        "id,lon,lat,hh\nh1,126.6845,45.7330,10\nh2,126.7000,45.7200,5\n", encoding="utf-8"
    )
    (d / "degrees.csv").write_text(
        "id,lon,lat\nh1,126.66 deg,45.7 deg\nh2,126.67 deg,45.71 deg\n", encoding="utf-8"
    )
    (d / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    (d / "junk.osm").write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    (d / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (d / "afile").write_text("x", encoding="utf-8")
    pts = gpd.GeoDataFrame({"id": ["a"]}, geometry=gpd.points_from_xy([126.6855], [45.732]), crs=4326)
    pts.to_file(d / "two.gpkg", layer="one")
    pts.to_file(d / "two.gpkg", layer="two")
    areas = gpd.GeoDataFrame({"name": ["x"]}, geometry=[pts.geometry.iloc[0].buffer(0.01)], crs=4326)
    areas.to_file(d / "areas.gpkg")
    pts.to_file(d / "points.geojson")
    areas.assign(compound_id=["c1"]).to_file(d / "compounds.geojson")
    (d / "gates.csv").write_text("id,compound_id,lon,lat\ng1,c9,126.6855,45.7320\n", encoding="utf-8")
    (d / "wkt.csv").write_text("id,wkt\nc1,POLYGON((126.68 45.73, 126.69 45.73\n", encoding="utf-8")
    _prepared_files(d)
    return d


def _prepared_files(d) -> None:
    """Inputs of demand and geocode: 社区 totals (one with a bad cell), buildings,
    a population grid, stations."""
    import numpy as np
    import pandas as pd
    import rasterio
    from rasterio.transform import Affine

    ring = "POLYGON((126.68 45.73, 126.69 45.73, 126.69 45.74, 126.68 45.74, 126.68 45.73))"
    (d / "totals.csv").write_text(
        f'编号,社区名称,户数,老年人,边界\nSQ1,红旗社区,120,30,"{ring}"\n', encoding="utf-8"
    )
    (d / "bad_totals.csv").write_text(
        f'编号,户数,边界\nSQ1,120,"{ring}"\nSQ2,一百,"{ring}"\n', encoding="utf-8"
    )
    pd.DataFrame({"编号": ["SQ1"], "户数": [120], "边界": [ring]}).to_excel(d / "totals.xlsx", index=False)
    b = gpd.GeoDataFrame(
        {"编号": ["b1"], "层数": [6]},
        geometry=[gpd.GeoSeries.from_wkt([ring]).iloc[0].buffer(-0.004)],
        crs=4326,
    )
    b.to_file(d / "buildings.geojson")
    with rasterio.open(
        d / "pop.tif",
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=Affine(0.005, 0, 126.68, 0, -0.005, 45.74),
    ) as ds:
        ds.write(np.full((1, 2, 2), 10, dtype="float32"))
    (d / "stations_addr.csv").write_text("名称,地址\n红旗社工站,红旗大街148号\n", encoding="utf-8")
    (d / "geocoded.csv").write_text("名称,地址\n红旗社工站,红旗大街148号\n", encoding="utf-8")


def _prepared_cases():
    """demand and geocode (prepared inputs), and demo --from-totals."""
    t = ["demand", "--network", NET, "--totals", "{d}/totals.csv", "--out", "{d}/dout"]
    p = ["demand", "--network", NET, "--population", "{d}/pop.tif", "--out", "{d}/pout"]
    b = ["demand", "--buildings", "{d}/buildings.geojson", "--out", "{d}/bout"]
    g = ["geocode", "{d}/stations_addr.csv", "--network", NET, "--out", "{d}/gout"]
    return [
        (t + ["--total-col", "人口"], "has no households column '人口'"),
        (t + ["--group-cols", "老年人,独居老人"], "has no group column '独居老人'"),
        (
            [
                "demand",
                "--network",
                NET,
                "--totals",
                "{d}/bad_totals.csv",
                "--total-col",
                "户数",
                "--out",
                "{d}/o",
            ],
            "column '户数' is not a number in rows [3] (e.g. '一百')",
        ),
        (t + ["--totals-id-col", "code"], "has no id column 'code'"),
        (t + ["--totals-name-col", "名字"], "has no name column '名字'"),
        (
            [
                "demand",
                "--network",
                NET,
                "--totals",
                "{d}/totals.xlsx",
                "--totals-sheet",
                "x",
                "--out",
                "{d}/o",
            ],
            "'x'",
        ),
        (
            ["demand", "--network", NET, "--totals", "{d}/two.gpkg", "--totals-layer", "x", "--out", "{d}/o"],
            "has no layer 'x'",
        ),
        (t + ["--totals-crs", "gcj"], "--totals-crs 'gcj' is not a CRS name; did you mean gcj02"),
        (t + ["--crs", "baidu"], "did you mean bd09"),
        (t + ["--band", "2"], "--band belongs with --population, which is not given"),
        (p + ["--band", "3"], "band=3 does not exist"),
        (p + ["--people-per-household", "0"], "must be a positive number"),
        (p + ["--group-grid", "65岁以上"], "must be NAME=FILE"),
        (p + ["--area", "{d}/missing.gpkg"], "does not exist"),
        (["demand", "--network", NET, "--population", "{d}/missing.tif", "--out", "{d}/o"], "does not exist"),
        (t + ["--m2-per-household", "80"], "--m2-per-household sets households from floor area alone"),
        (
            ["demand", "--network", NET, "--m2-per-household", "-1", "--out", "{d}/o"],
            "m2_per_household -1.0 must be a positive number",
        ),
        (
            ["demand", "--network", NET, "--default-levels", "0", "--out", "{d}/o"],
            "is not a number of floors",
        ),
        (["demand", "--totals", "{d}/totals.csv", "--out", "{d}/o"], "--buildings osm reads the residential"),
        (
            ["demand", "--network", NET, "--buildings", "none", "--out", "{d}/o"],
            "--buildings none leaves nothing",
        ),
        (["demand", "--network", "{d}/junk.osm", "--out", "{d}/o"], "could not be read"),
        (b + ["--building-id-col", "code"], "has no id column 'code'"),
        (b + ["--levels-col", "楼高"], "has no levels column '楼高'"),
        (b + ["--building-type-col", "用途x"], "has no type column '用途x'"),
        (b + ["--floor-area-col", "面积x"], "has no floor area column '面积x'"),
        (
            t + ["--building-sheet", "x"],
            "--building-sheet describes a buildings file, but --buildings is osm",
        ),
        (
            ["demand", "--buildings", "{d}/two.gpkg", "--building-layer", "x", "--out", "{d}/o"],
            "has no layer 'x'",
        ),
        (b + ["--building-crs", "amap"], "--building-crs 'amap' is not a CRS name"),
        (g + ["--address-col", "门牌"], "has no address column '门牌'"),
        (g + ["--name-col", "站名x"], "has no name column '站名x'"),
        (["geocode", "{d}/stations_addr.csv", "--out", "{d}/gout"], "geocode needs --network"),
        (["geocode", "{d}/missing.csv", "--network", NET, "--out", "{d}/gout"], "does not exist"),
        (g + ["--provider", "baidu"], "invalid choice"),
        (g + ["--key", "abc"], "--key is for an online provider"),
        (g + ["--city", "哈尔滨"], "--city applies to an online provider"),
        (g + ["--online-for", "all"], "--online-for applies to an online provider"),
        (g + ["--online-for", "some"], "invalid choice"),
        (g + ["--min-score", "2"], "min_score=2.0 must be a score above 0"),
        (["geocode", "{d}/geocoded.csv", "--network", NET, "--out", "{d}"], "would overwrite the input file"),
        (["demo", "--from-totals", "--city", "helsinki"], "--from-totals runs on the 红旗街道 demo only"),
    ]


def _cases():
    a = [
        "analyze",
        "--network",
        NET,
        "--stations",
        "{d}/stations.csv",
        "--households",
        "{d}/households.csv",
        "--out",
        "{d}/out",
    ]
    s = ["site", *a[1:]]
    r = ["report", *a[1:]]
    i = ["isochrones", "--network", NET, "--stations", "{d}/stations.csv", "--out", "{d}/iso"]
    return [
        # CRS strings
        (a + ["--crs", "EPSG:999999"], "is not a CRS pyproj knows"),
        (a + ["--crs", "gcj"], "did you mean gcj02"),
        (a + ["--crs", "baidu"], "did you mean bd09"),
        (a + ["--station-crs", "gcj"], "--station-crs 'gcj' is not a CRS name; did you mean gcj02"),
        (a + ["--household-crs", "EPSG:999999"], "--household-crs 'EPSG:999999' is not a CRS pyproj knows"),
        (
            a + ["--compounds", "{d}/compounds.geojson", "--gates", "{d}/gates.csv", "--compound-crs", "bd"],
            "--compound-crs 'bd' is not a CRS name",
        ),
        (
            a + ["--compounds", "{d}/compounds.geojson", "--gates", "{d}/gates.csv", "--gate-crs", "amap"],
            "--gate-crs 'amap' is not a CRS name",
        ),
        (
            s + ["--k", "1", "--candidates", "{d}/stations.csv", "--candidate-crs", "tencent"],
            "--candidate-crs 'tencent' is not a CRS name",
        ),
        (a + ["--lon-col", "x9"], "has no longitude column 'x9'"),
        (a + ["--lat-col", "y9"], "has no latitude column 'y9'"),
        (a + ["--station-lon-col", "x9"], "stations file"),
        (a + ["--station-lat-col", "y9"], "has no latitude column 'y9'"),
        (a + ["--household-lon-col", "x9"], "households file"),
        (a + ["--household-lat-col", "y9"], "has no latitude column 'y9'"),
        # minutes, speeds, distances
        (i + ["--minutes", "-5"], "must be minutes between 0 and 240"),
        (i + ["--minutes", ","], "must be minutes between 0 and 240"),
        (i + ["--minutes", "5,ten"], "must be minutes between 0 and 240"),
        (i + ["--max-snap-m", "-5"], "max_snap_m=-5 is out of range"),
        (a + ["--minutes", "0"], "out of range"),
        (a + ["--minutes", "500"], "out of range"),
        (a + ["--speed-kmh", "50"], "is not a walking speed"),
        (a + ["--max-snap-m", "0"], "max_snap_m=0 is out of range"),
        # network files
        (
            ["analyze", "--network", "{d}/junk.npz", *a[3:]],
            "is not a walking network saved by service-coverage",
        ),
        (["analyze", "--network", "{d}/junk.osm", *a[3:]], "could not be read as OpenStreetMap"),
        (["analyze", "--network", "{d}/table.csv", *a[3:]], "has an unknown format"),
        (["analyze", "--network", "{d}/missing.osm.pbf", *a[3:]], "does not exist"),
        # output paths
        (a + ["--png", "{d}/x.jpgx"], "the picture must be a .png file"),
        (a + ["--map", "{d}/x.txt"], "give a file ending in .html"),
        (a[:-1] + ["{d}/afile"], "is a file, not a folder"),
        (a[:-1] + ["{d}"], "would overwrite the input file"),
        # inputs
        (["analyze", *a[1:5], "--households", "{d}/missing.csv", *a[7:]], "does not exist"),
        (
            ["analyze", *a[1:5], "--households", "{d}/degrees.csv", *a[7:]],
            "none of the 2 rows has usable coordinates",
        ),
        (a + ["--weight", "households"], "has no weight column 'households'"),
        (["analyze", *a[1:5], "--households", "{d}/two.gpkg", *a[7:]], "choose one with --household-layer"),
        (
            ["analyze", *a[1:5], "--households", "{d}/two.gpkg", "--household-layer", "x", *a[7:]],
            "has no layer 'x'",
        ),
        (a + ["--household-id-col", "code"], "has no id column 'code'"),
        # capacity
        (a + ["--capacity-col", "cap"], "is missing, negative or not a number in rows [2]"),
        (a + ["--capacity-col", "nope"], "has no column 'nope'"),
        (a + ["--staff-col", "workers"], "needs --caseload"),
        (a + ["--staff-col", "workers", "--caseload", "-3"], "needs --caseload"),
        (
            a + ["--capacity-col", "cap", "--default-capacity", "-1"],
            "--default-capacity -1.0 must be a number",
        ),
        (a + ["--capacity-col", "cap", "--staff-col", "workers"], "Give exactly one of a capacity column"),
        (s + ["--k", "1", "--new-capacity", "100"], "needs the stations' capacities: give --capacity-col"),
        (
            s + ["--k", "1", "--new-staff", "2", "--caseload", "250"],
            "--new-staff asks for capacitated siting",
        ),
        (
            s + ["--k", "1", "--capacity-col", "workers", "--new-staff", "-2", "--caseload", "250"],
            "--new-staff -2 must be a positive number of social workers",
        ),
        (s + ["--k", "1", "--capacity-col", "workers", "--new-capacity", "0"], "must be a positive number"),
        # siting objectives and group weights (issue 25)
        (s + ["--k", "1", "--objective", "mean"], "invalid choice: 'mean'"),
        (s + ["--target", "0.8", "--objective", "median"], "--objective median takes --k"),
        (s + ["--k", "1", "--weight-groups", "老年人=two"], "give column=weight pairs"),
        (s + ["--k", "1", "--weight-groups", "老年人=2"], "has no column '老年人' for --weight-groups"),
        (s + ["--k", "1", "--siting-weight", "权重"], "has no column '权重' for --siting-weight"),
        (s + ["--k", "1", "--new-staff", "2"], "--new-staff needs --caseload"),
        # siting options
        (s + ["--k", "0"], "k=0 must be a whole number of sites, at least 1"),
        (r + ["--k", "0"], "k=0 must be a whole number of sites, at least 1"),
        (s + ["--target", "150"], "is not a share"),
        (s + ["--target", "abc"], "is not a share"),
        (s + ["--k", "2", "--spacing-m", "0"], "spacing_m=0.0 must be a positive number"),
        (s + ["--k", "2", "--min-spacing-m", "-5"], "min_spacing_m=-5.0 must be a positive number"),
        (s + ["--k", "2", "--time-limit-s", "0"], "time_limit_s=0.0 must be a positive number"),
        (s + ["--k", "2", "--candidates", "{d}/missing.csv"], "does not exist"),
        # areas
        (r + ["--areas", "{d}/missing.gpkg"], "could not be read as a vector file"),
        (r + ["--areas", "{d}/areas.gpkg", "--area-target", "150"], "--area-target '150' is not a share"),
        (r + ["--areas", "{d}/areas.gpkg", "--area-name", "nope"], "has no name column"),
        (r + ["--areas", "{d}/areas.gpkg", "--area-crs", "amap"], "--area-crs 'amap' is not a CRS name"),
        (r + ["--areas", "{d}/table.csv"], "has no geometry (a table?); give street or community outlines"),
        (r + ["--areas", "{d}/points.geojson"], "holds Point features, not polygons (features [1])"),
        # gated compounds
        (a + ["--compounds", "{d}/points.geojson", "--gates", "{d}/gates.csv"], "are Point, not polygons"),
        (
            a + ["--compounds", "{d}/compounds.geojson", "--gates", "{d}/gates.csv"],
            "names compounds that are not in compounds file",
        ),
        (a + ["--compounds", "{d}/compounds.geojson"], "need both compounds and gates"),
        (
            a
            + [
                "--compounds",
                "{d}/compounds.geojson",
                "--gates",
                "{d}/gates.csv",
                "--compound-id-col",
                "code",
            ],
            "has no id column 'code'",
        ),
        (a + ["--compounds", "{d}/wkt.csv", "--gates", "{d}/gates.csv"], "are not WKT outlines"),
        (i + ["--compounds", "{d}/missing.geojson", "--gates", "osm"], "does not exist"),
        # tiled runs
        (a + ["--tiles", "grid:abc"], "give the tile size in metres"),
        (a + ["--tiles", "grid:2000", "--scheduler", "yarn"], "give local:N or a scheduler address"),
        (a + ["--scheduler", "local:2"], "--scheduler local:2 runs tiles on Dask: it needs --tiles"),
        (a + ["--tiles", "{d}/missing.geojson"], "does not exist"),
        (a + ["--horizon-min", "5"], "must be at least the threshold"),
        (
            s + ["--k", "1", "--tiles", "grid:2000", "--capacity-col", "workers", "--new-capacity", "100"],
            "--tiles does not yet combine with --new-capacity",
        ),
        # population groups and accessibility (coverage.groups, coverage.walk_access)
        (a + ["--groups", "老年人:elderly"], "has no column '老年人' for the group '老年人'"),
        (a + ["--groups", "hh:fast"], "unknown walking profile 'fast'"),
        (a + ["--access", "3sfca"], "--access '3sfca' is not a measure; use one of 2sfca, e2sfca, gaussian"),
        (a + ["--access-level", "1"], "--access-level needs --access"),
        (
            a + ["--access", "2sfca", "--staff-col", "cap"],
            "column 'cap' is missing, negative or not a number",
        ),
        (a + ["--groups", "hh", "--tiles", "grid:2000"], "--groups and --access do not run with --tiles yet"),
        # open the walls: gate, path and closure what-ifs, and site-gates (issue 24)
        (a + ["--add-gates", "{d}/missing.csv"], "need an analysis with gated compounds"),
        (
            a + ["--add-gates", "{d}/points.geojson", "--add-gates-crs", "gcj"],
            "--add-gates-crs 'gcj' is not a CRS name",
        ),
        (a + ["--open-compounds", "c1"], "need an analysis with gated compounds"),
        (a + ["--add-paths", "{d}/missing.geojson"], "does not exist"),
        (a + ["--add-paths", "{d}/points.geojson"], "not lines"),
        (
            a + ["--add-paths", "{d}/points.geojson", "--path-crs", "baidu"],
            "--path-crs 'baidu' is not a CRS name",
        ),
        (a + ["--close-ways", "999999999999"], "no walkable way with OSM id"),
        (
            s + ["--k", "1", "--with-gates", "--gate-spacing-m", "30"],
            "--with-gates needs --compounds and --gates",
        ),
        (
            s + ["--k", "1", "--with-gates", "--compounds", "osm", "--gates", "osm", "--gate-spacing-m", "0"],
            "spacing_m=0.0 must be a positive number of metres (--gate-spacing-m)",
        ),
        (["site-gates", *a[1:], "--k", "1"], "site-gates needs --compounds and --gates"),
        (
            [
                "site-gates",
                *a[1:],
                "--k",
                "1",
                "--compounds",
                "{d}/compounds.geojson",
                "--gates",
                "osm",
                "--max-street-m",
                "0",
            ],
            "max_street_m=0.0 must be a positive number",
        ),
        (
            ["site-gates", *a[1:], "--k", "0", "--compounds", "{d}/compounds.geojson", "--gates", "osm"],
            "k=0 must be a whole number of gate openings",
        ),
        (
            [
                "site-gates",
                *a[1:],
                "--k",
                "2",
                "--compounds",
                "{d}/compounds.geojson",
                "--gates",
                "osm",
                "--spacing-m",
                "-1",
            ],
            "spacing_m=-1.0 must be a positive number",
        ),
        # argparse's own checks are one line too
        (s + ["--k", "two"], "invalid int value"),
        (a + ["--lang", "fr"], "invalid choice"),
        (a + ["--bogus"], "unrecognized arguments"),
        (["analyze", "--network", NET], "the following arguments are required"),
        (["demo", "--city", "paris"], "invalid choice"),
    ]


CASES = _cases() + _prepared_cases()


@pytest.mark.parametrize(("argv", "fragment"), CASES, ids=[f"{c[0][0]}:{c[1][:30]}" for c in CASES])
def test_error_is_one_line_with_exit_2(files, capsys, argv, fragment):
    argv = [a.format(d=files) for a in argv]
    with pytest.raises(SystemExit) as e:
        raise SystemExit(main(["-q", *argv]))
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("service-coverage: error: ") and fragment in err[0], err[0]


def test_no_traceback_in_a_real_process(files):
    """The same, in a real process: exit 2, one line, no traceback."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "-q",
            "analyze",
            "--network",
            NET,
            "--stations",
            f"{files}/stations.csv",
            "--households",
            f"{files}/households.csv",
            "--crs",
            "gcj",
            "--out",
            f"{files}/o",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_every_option_is_walked():
    """Every option of every command that takes a value appears in at least one error case or is free-form."""
    from coverage.cli import build_parser

    free = {
        "--out",
        "--network",
        "--stations",
        "--households",
        "--id-col",
        "--station-id-col",
        "--sheet",
        "--station-sheet",
        "--layer",
        "--station-layer",
        "--household-sheet",
        "--profile",
        "--method",
        "--png",
        "--help",
        "--version",
        "--city",
        "--area-id-col",
    }
    used = {a for argv, _ in CASES for a in argv if a.startswith("--")}
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = set()
    for cmd in sub.choices.values():
        for act in cmd._actions:
            for opt in act.option_strings:
                if opt.startswith("--") and act.nargs != 0 and opt not in used | free:
                    missing.add(opt)
    assert not missing, f"add an error case for {sorted(missing)}"
