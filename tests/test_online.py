"""Online network download through osmnx, tested offline with a recorded Overpass response."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from coverage import load_network

RECORDED = Path(__file__).parent / "data" / "overpass_helsinki_walk.json"
NOMINATIM = Path(__file__).parent / "data" / "nominatim_test_block.json"
BBOX = (24.9440, 60.1680, 24.9500, 60.1710)  # left, bottom, right, top


@pytest.fixture
def recorded_overpass(monkeypatch):
    """Answer osmnx's Overpass POSTs and Nominatim GETs with recorded responses; any other request fails."""
    import osmnx as ox
    from osmnx import _http, _overpass

    calls = []

    def replay(url, recorded: Path):
        r = requests.Response()
        r.status_code = 200
        r._content = recorded.read_bytes()
        r.headers["content-type"] = "application/json"
        r.url = url
        r.reason = "OK"
        return r

    def fake_post(url, data=None, **kw):
        calls.append((url, dict(data or {})))
        return replay(url, RECORDED)

    def no_network(*a, **k):
        msg = "a test tried to use the network"
        raise AssertionError(msg)

    def fake_get(url, params=None, **kw):
        if "nominatim" not in url:
            no_network()
        calls.append((url, dict(params or {})))
        return replay(url, NOMINATIM)

    from osmnx import _nominatim

    monkeypatch.setattr(_overpass.requests, "post", fake_post)
    monkeypatch.setattr(_overpass.requests, "get", no_network)
    monkeypatch.setattr(_nominatim.requests, "get", fake_get)
    monkeypatch.setattr(_http, "_config_dns", lambda url: None)  # noqa: ARG005  (the signature of the function it replaces)
    monkeypatch.setattr(ox.settings, "use_cache", False)
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    return calls


def test_bbox_download_with_recorded_response(recorded_overpass):
    net = load_network(bbox=BBOX)
    assert recorded_overpass, "osmnx did not ask Overpass"
    query = recorded_overpass[0][1]["data"]
    assert '"highway"' in query and "motor" in query  # osmnx's walk filter went out
    assert net.n_nodes > 100
    assert net.meta["source"].startswith("osmnx bbox")
    # the same ways as read from the file directly
    ways = {e["id"] for e in json.loads(RECORDED.read_text())["elements"] if e["type"] == "way"}
    assert set(net.edge_way.tolist()) <= ways


def test_place_and_polygon_with_recorded_responses(recorded_overpass):
    import shapely

    by_place = load_network(place="Test block, Helsinki")
    assert any("nominatim" in url for url, _ in recorded_overpass)
    by_polygon = load_network(polygon=shapely.box(*BBOX))
    assert by_place.n_nodes > 50 and by_polygon.n_nodes > 50
    assert by_place.meta["source"] == "osmnx place 'Test block, Helsinki'"


def test_osmnx_graph_is_accepted(recorded_overpass):
    import osmnx as ox

    G = ox.graph_from_bbox(BBOX, network_type="walk", simplify=True)
    net = load_network(G)
    # edge geometries become segments: the same walkable length as osmnx's undirected graph
    total = sum(d["length"] for _, _, d in ox.convert.to_undirected(G).edges(data=True))
    assert net.edge_length_m.sum() == pytest.approx(total, rel=1e-3)
    assert (net.node_id < 0).any()  # interior vertices of edge geometries


@pytest.mark.network
def test_live_place_download():  # pragma: no cover - needs internet
    net = load_network(place="Kamppi, Helsinki, Finland")
    assert net.n_nodes > 500
