"""The command-line tool, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from coverage.cli import main


@pytest.fixture
def inputs(tmp_path, demo_data):
    from coverage.demo import write_demo_inputs

    return write_demo_inputs(tmp_path / "in", "helsinki")


def test_analyze_writes_all_files(tmp_path, helsinki_path, inputs, capsys):
    st, hh = inputs
    out = tmp_path / "out"
    rc = main(
        [
            "-q",
            "analyze",
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
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    for name in ("households.csv", "households.gpkg", "stations.csv", "stations.gpkg", "summary.json"):
        assert (out / name).exists(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["threshold_min"] == 5
    h = pd.read_csv(out / "households.csv", dtype={"id": str})
    src = pd.read_csv(hh, dtype={"id": str})
    assert list(h["id"]) == list(src["id"])  # every row, in order
    assert set(h["status"]) <= {"covered", "uncovered", "off_network", "invalid"}
    g = gpd.read_file(out / "households.gpkg")
    assert len(g) == len(src)
    assert "Within 5 min walk" in capsys.readouterr().out


def test_analyze_profile_and_speed(tmp_path, helsinki_path, inputs):
    st, hh = inputs
    shares = {}
    for args in (["--profile", "elderly"], ["--speed-kmh", "4.8"]):
        out = tmp_path / args[1]
        assert (
            main(
                [
                    "-q",
                    "analyze",
                    "--network",
                    helsinki_path,
                    "--stations",
                    str(st),
                    "--households",
                    str(hh),
                    "--minutes",
                    "5",
                    "--out",
                    str(out),
                    *args,
                ]
            )
            == 0
        )
        shares[args[1]] = json.loads((out / "summary.json").read_text())["share_covered"]
    assert shares["elderly"] < shares["4.8"]


def test_bad_input_is_one_line_without_traceback(tmp_path, helsinki_path, inputs):
    st, _ = inputs
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon,lat\na,1,2\na,1,2\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "analyze",
            "--network",
            helsinki_path,
            "--stations",
            str(st),
            "--households",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    err = [line for line in proc.stderr.splitlines() if line.startswith("service-coverage: error")]
    assert len(err) == 1 and "duplicate ids" in err[0]
    assert "Traceback" not in proc.stderr


def test_missing_network_file(tmp_path, inputs, capsys):
    st, hh = inputs
    rc = main(
        [
            "analyze",
            "--network",
            str(tmp_path / "x.osm.pbf"),
            "--stations",
            str(st),
            "--households",
            str(hh),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert rc == 2
    assert "does not exist" in capsys.readouterr().err


def test_demo(tmp_path, capsys):
    assert main(["-q", "demo", "--out", str(tmp_path / "demo"), "--map", str(tmp_path / "demo.html")]) == 0
    assert (tmp_path / "demo.html").exists()
    assert (tmp_path / "demo" / "summary.json").exists()
    assert (tmp_path / "demo" / "inputs" / "stations.csv").exists()
    out = capsys.readouterr().out
    assert "红旗街道" in out and "15-minute walk" in out and "demonstration" in out
    # the inputs it wrote, as a planner's files look (Chinese headers), read back with the command it prints
    rerun = out.split("rerun them with\n", 1)[1].split()[1:]
    rerun[rerun.index("--out") + 1] = str(tmp_path / "again")
    assert main(["-q", *rerun]) == 0
    a = json.loads((tmp_path / "demo" / "summary.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))
    assert a["n_covered"] == b["n_covered"] and a["weight_covered"] == pytest.approx(b["weight_covered"])
    # the estimated groups and staff: the same figures from the planner's files
    assert set(a["groups"]) == {"老年人", "残疾人", "儿童"}
    for g in a["groups"]:  # the Python demo reads English columns, the rerun the CSV's Chinese headers
        lz_a, lz_b = a["groups"][g].pop("lorenz_walk_min"), b["groups"][g].pop("lorenz_walk_min")
        assert {**a["groups"][g], "column": g} == {**b["groups"][g], "column": g}
        assert lz_a["value_share"] == pytest.approx(
            lz_b["value_share"], abs=1e-4
        )  # CSV coordinates: 7 decimals
    assert a["access"]["mean"] == pytest.approx(b["access"]["mean"], rel=1e-12)
    assert (tmp_path / "demo" / "groups_uncovered.csv").exists()


def test_demo_helsinki(tmp_path, capsys):
    assert main(["-q", "demo", "--city", "helsinki", "--out", str(tmp_path / "demo")]) == 0
    assert "central Helsinki" in capsys.readouterr().out and (tmp_path / "demo" / "map.html").exists()


def test_analyze_with_png_and_chinese_map(tmp_path, helsinki_path, inputs):
    st, hh = inputs
    out = tmp_path / "out"
    rc = main(
        [
            "-q",
            "analyze",
            "--network",
            helsinki_path,
            "--stations",
            str(st),
            "--households",
            str(hh),
            "--minutes",
            "5",
            "--out",
            str(out),
            "--png",
            "--lang",
            "zh",
            "--map",
            str(tmp_path / "m.html"),
            "--network-layer",
        ]
    )
    assert rc == 0
    assert (out / "map.png").exists()
    assert "5分钟步行覆盖" in (tmp_path / "m.html").read_text(encoding="utf-8")
    import pyogrio

    assert {n for n, _ in pyogrio.list_layers(out / "isochrones.gpkg")} >= {
        "isochrones",
        "isochrone_union",
        "gaps",
    }
