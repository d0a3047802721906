"""Helpers shared by the test modules (they import this, never each other or conftest)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def shared_osm(name: str) -> Path:
    """A file from ../shared/data/osm, or skip the test when it is absent."""
    p = SHARED_OSM / name
    if not p.exists():
        pytest.skip(f"{p} not present (real extracts live in ../shared/data/osm)")
    return p


def write_osm(
    path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]]
) -> Path:
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


# A toy network on the central meridian of UTM zone 32, with distances checkable by hand.
LON0, LAT0 = 9.0, 50.0  # on the central meridian of UTM zone 32: no grid convergence
STEP = 0.001
M_PER_STEP = 6371009 * math.pi / 180 * STEP  # 111.195 m along a meridian


def toy_nodes():
    return {
        1: (LON0, LAT0),
        2: (LON0, LAT0 + STEP),
        3: (LON0, LAT0 + 2 * STEP),
        4: (LON0, LAT0 + 3 * STEP),
        5: (LON0 + 0.002, LAT0 + 0.0015),  # only on the motorway
        6: (LON0 - 0.002, LAT0 + 0.0015),  # only on a foot=no road
    }


def toy_ways():
    return [
        (100, [1, 2, 3, 4], {"highway": "footway"}),
        (101, [1, 5, 4], {"highway": "motorway"}),
        (102, [1, 6, 4], {"highway": "primary", "foot": "no"}),
        (103, [3, 2], {"highway": "residential", "oneway": "yes"}),
    ]
