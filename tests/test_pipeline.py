"""A run goes one way: read -> locate -> analyse -> one writer -> manifest.

* A warm ``analyze`` opens the OpenStreetMap extract at most once (to hash
  it): the network, the street names and the co-location facilities come
  from their caches, not from another pass over the file.
* The writer and the renderers never snap, route or read OpenStreetMap: with
  those steps made to fail, a run's products are still written in full.
* Single and tiled results share one interface (:class:`coverage.products.RunResult`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coverage import settings

#: The extract whose opens are being counted (None: not counting).
_WATCHED: dict = {"path": None, "opens": []}


def _audit(event, args):
    path = _WATCHED["path"]
    if path is not None and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
        if Path(name).name == path.name:
            _WATCHED["opens"].append(name)


sys.addaudithook(_audit)  # audit hooks stay for the process; this one only counts while a path is watched


@pytest.fixture(scope="module")
def hongqi_inputs(tmp_path_factory):
    from coverage.demo import demo_network_path, write_demo_inputs

    folder = tmp_path_factory.mktemp("hongqi-inputs")
    stations, households = write_demo_inputs(folder, "hongqi")
    return Path(demo_network_path("hongqi")), stations, households


def _forget_this_process():
    """What a new process would not have: the in-memory products and the file hashes."""
    from coverage import osm
    from coverage._files import _digest

    osm._MEMORY.clear()
    _digest.cache_clear()


def test_a_warm_analyze_opens_the_extract_once(hongqi_inputs, tmp_path, monkeypatch):
    from coverage import cli, osm

    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    network, stations, households = hongqi_inputs
    argv = [
        "-q",
        "analyze",
        "--network",
        str(network),
        "--stations",
        str(stations),
        "--households",
        str(households),
        "--weight",
        "户数",
        "--out",
        str(tmp_path / "out"),
    ]
    assert cli.main(argv) == 0  # cold: builds every cache
    passes = []
    real_read = osm.read_extract

    def counting_read(*a, **k):
        passes.append(a[0])
        return real_read(*a, **k)

    monkeypatch.setattr(osm, "read_extract", counting_read)
    monkeypatch.setattr("coverage.network.read_extract", counting_read)
    _forget_this_process()
    _WATCHED.update(path=network, opens=[])
    try:
        assert cli.main(argv) == 0  # warm
    finally:
        opens = list(_WATCHED["opens"])
        _WATCHED.update(path=None, opens=[])
    assert not passes, f"a warm run read the extract again: {passes}"
    assert len(opens) <= 1, f"the extract was opened {len(opens)} times: {opens}"
    assert (tmp_path / "out" / "map.html").exists()


@pytest.fixture(scope="module")
def hongqi_result(hongqi_inputs):
    from coverage import assess, load_network

    network, stations, households = hongqi_inputs
    return assess(load_network(network), stations, households, weight="户数")


def _forbid(monkeypatch, *targets):
    import importlib

    def refuse(*_a, **_k):
        raise AssertionError("an output step did analysis")

    for t in targets:  # import every module first, so none binds a refusing function for good
        importlib.import_module(t.rsplit(".", 1)[0])
    for t in targets:
        monkeypatch.setattr(t, refuse)


def test_the_writer_only_writes(hongqi_result, tmp_path, monkeypatch):
    """With snapping, routing, isochrones, the what-if table and the OSM readers made to fail, the writer
    still
    writes the whole meeting pack from the products: everything was computed before it started."""
    from coverage.output.files import write_run
    from coverage.products import analyse
    from coverage.siting import suggest_sites

    sites = suggest_sites(hongqi_result, k=2)
    products = analyse(hongqi_result, sites=sites, what_if=True, streets=True, network_layer=True)
    assert products.scenario is not None and products.streets is not None and products.gaps is not None
    _forbid(
        monkeypatch,
        "coverage.osm.products",
        "coverage.osm.read_extract",
        "coverage.snapping.snap_points",
        "coverage.reach.station_reach",
        "coverage.reach.nearest_station",
        "coverage.isochrones.isochrones",
        "coverage.isochrones.station_isochrones",
        "coverage.scenario.scenario",
        "coverage.locate.locate",
        "coverage.streets.street_payload",
        "coverage.streets.street_lines",
        "coverage.isochrones.gap_areas",
        "coverage.gates.compound_frames",
    )
    files = write_run(
        products,
        tmp_path / "pack",
        command="report",
        lang="zh",
        brief=False,
        png=False,
        manifest={"command": "test"},
    )
    names = {Path(f).name for f in files.values()}
    assert {
        "map.html",
        "coverage.gpkg",
        "households.csv",
        "stations.csv",
        "sites.csv",
        "summary.xlsx",
        "manifest.json",
    } <= names
    files = write_run(products, tmp_path / "run", command="analyze", manifest={})
    assert {"households.csv", "isochrones.gpkg", "summary.json", "map.html", "manifest.json"} <= {
        Path(f).name for f in files.values()
    }


def test_single_and_tiled_results_share_one_interface(hongqi_result):
    import inspect

    from coverage.products import RunResult
    from coverage.tiles.run import TiledResult

    members = [n for n, _ in inspect.getmembers(RunResult) if not n.startswith("_")]
    members += list(RunResult.__annotations__)
    for cls in (type(hongqi_result), TiledResult):
        fields = set(getattr(cls, "__dataclass_fields__", {})) | set(dir(cls))
        missing = [m for m in members if m not in fields]
        assert not missing, f"{cls.__name__} lacks {missing}"
    assert hongqi_result.drawable and hongqi_result.merged and hongqi_result.tile_table is None
    assert set(hongqi_result.summary_document()) >= {"params", "share_covered"}


def test_no_hasattr_dispatch():
    """Single and tiled results are told apart by the interface, never by probing attributes."""
    pkg = Path(__file__).resolve().parents[1] / "coverage"
    hits = [
        f"{p.relative_to(pkg)}:{i}"
        for p in pkg.rglob("*.py")
        if p.name != "problem.py"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "hasattr(result" in line or "hasattr(self" in line
    ]
    assert not hits, hits


def test_one_options_object(hongqi_inputs, hongqi_result):
    """The walking rules travel as one WalkRules (the command line builds it once); giving it and a separate
    value is refused in one line."""
    from coverage import CoverageInputError, WalkRules, assess, load_network
    from coverage.isochrones import isochrones_for_stations

    network, stations, households = hongqi_inputs
    net = load_network(network)
    rules = WalkRules.of(minutes=10, profile="elderly")
    a = assess(net, stations, households, weight="户数", rules=rules)
    b = assess(net, stations, households, weight="户数", minutes=10, profile="elderly")
    assert a.summary == b.summary and a.rules == rules
    with pytest.raises(CoverageInputError, match="either as rules= or as minutes="):
        assess(net, stations, households, rules=rules, minutes=15)
    per, _ = isochrones_for_stations(net, stations, rules=WalkRules.for_bands([5, 10]))
    assert sorted(per["minutes"].unique()) == [5.0, 10.0]
