"""The street basemap as data: the lines and labels the HTML map draws when the tiles cannot load.

The walking network itself is drawn as thin grey street lines under every
other layer, with street names (from OpenStreetMap) from neighbourhood zoom
on, so a map opened in a meeting room without internet is still readable.
The lines are merged per way, simplified within 1.5 m and sent as
delta-encoded varints (a few hundred kB for a city centre); the page draws
them with ``coverage/output/js/streets.js``. As soon as map tiles load, the street
layer steps aside; it comes back if they fail.

This is computed before any renderer starts (:mod:`coverage.products`) and
kept on disk by the network's fingerprint and the street names, so a warm run
does not rebuild it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import settings
from ._encode import encode_lines
from ._files import write_cache

if TYPE_CHECKING:
    from .network import WalkNetwork

log = logging.getLogger(__name__)

#: Street names show from this zoom on.
STREET_LABEL_ZOOM = 16
#: Simplification of the street lines, metres.
SIMPLIFY_M = 1.5
#: Bump when the payload changes meaning.
_CACHE_VERSION = 1


def street_lines(network: WalkNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's segments merged per way and simplified:
    (lines in lon/lat, their way ids, lengths in m)."""
    import geopandas as gpd
    import shapely

    xy = network.xy
    coords = np.empty((2 * network.n_edges, 2))
    coords[0::2], coords[1::2] = xy[network.edge_u], xy[network.edge_v]
    segs = shapely.linestrings(coords, indices=np.repeat(np.arange(network.n_edges), 2))
    way = network.edge_way
    order = np.argsort(way, kind="stable")
    uw, start = np.unique(way[order], return_index=True)
    bounds = np.r_[start, order.size]
    lines, line_way = [], []
    for k, w in enumerate(uw):
        merged = shapely.line_merge(shapely.multilinestrings(segs[order[bounds[k] : bounds[k + 1]]]))
        parts = list(merged.geoms) if merged.geom_type == "MultiLineString" else [merged]
        lines += parts
        line_way += [int(w)] * len(parts)
    lines = shapely.simplify(np.array(lines, dtype=object), SIMPLIFY_M)
    lonlat = np.asarray(gpd.GeoSeries(lines, crs=network.crs).to_crs(4326).values)
    return lonlat, np.asarray(line_way, dtype=np.int64), shapely.length(lines)


def network_lines(network: WalkNetwork) -> dict:
    """The walking network's lines (as :func:`street_lines`), encoded for the page's network layer."""
    return encode_lines(street_lines(network)[0])


def _cache_file(network: WalkNetwork, names: dict) -> Path:
    h = hashlib.sha256(network.fingerprint.encode())
    h.update(json.dumps(sorted(names.items()), ensure_ascii=False).encode())
    h.update(f"{SIMPLIFY_M}|{STREET_LABEL_ZOOM}".encode())
    return Path(settings.cache_folder) / f"streets-v{_CACHE_VERSION}-{h.hexdigest()[:32]}.json"


def street_payload(network: WalkNetwork, names: dict | None = None) -> dict:
    """:func:`build_street_payload`, from the cache when this network and these names were drawn before."""
    names = names or {}
    if not settings.use_cache:
        return build_street_payload(network, names)
    path = _cache_file(network, names)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and {"n", "cnt", "xy", "labels", "labelZoom"} <= set(doc):
            return doc
    except (OSError, ValueError):
        pass
    payload = build_street_payload(network, names)
    write_cache(
        path,
        lambda tmp: tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8"),
        "street basemap",
    )
    return payload


def build_street_payload(network: WalkNetwork, names: dict | None = None) -> dict:
    """Street lines and labels (one per named way, at the middle of its longest line), WGS-84, compactly
    encoded.

    ``names`` maps OSM way ids to street names (:func:`coverage.osm.way_names`); without it the
    lines have no labels.
    """
    import shapely

    names = names or {}
    ll, line_way, lengths = street_lines(network)
    best: dict[int, int] = {}
    for i, w in enumerate(line_way.tolist()):
        if w in names and (w not in best or lengths[i] > lengths[best[w]]):
            best[w] = i
    labels, seen = [], set()
    for w, i in sorted(best.items(), key=lambda kv: -lengths[kv[1]]):
        if lengths[i] < 60:
            continue
        mid = shapely.line_interpolate_point(ll[i], 0.5, normalized=True)
        cell = (names[w], int(mid.x * 250), int(mid.y * 350))  # names deduplicated in cells of about 400 m
        if cell in seen:
            continue
        seen.add(cell)
        labels.append([round(mid.x, 5), round(mid.y, 5), names[w]])
    return {**encode_lines(ll), "labels": labels, "labelZoom": STREET_LABEL_ZOOM}
