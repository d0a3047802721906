"""A light street basemap for the HTML map when the tiles cannot load.

The walking network itself is drawn as thin grey street lines under every
other layer, with street names (from OpenStreetMap) from neighbourhood zoom
on, so a map opened in a meeting room without internet is still readable.
The lines are merged per way, simplified within 1.5 m and sent as
delta-encoded varints (a few hundred kB for a city centre); the page draws
them with ``coverage/output/js/streets.js``. As soon as map tiles load, the street
layer steps aside; it comes back if they fail.
"""

from __future__ import annotations

import logging

import numpy as np

from .._encode import encode_lines

log = logging.getLogger(__name__)

#: Street names show from this zoom on.
STREET_LABEL_ZOOM = 16
#: Simplification of the street lines, metres.
SIMPLIFY_M = 1.5


def street_lines(network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The network's segments merged per way and simplified: (lines in lon/lat, their way ids, lengths in m)."""
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
        merged = shapely.line_merge(shapely.multilinestrings(segs[order[bounds[k]:bounds[k + 1]]]))
        parts = list(merged.geoms) if merged.geom_type == "MultiLineString" else [merged]
        lines += parts
        line_way += [int(w)] * len(parts)
    lines = shapely.simplify(np.array(lines, dtype=object), SIMPLIFY_M)
    lonlat = np.asarray(gpd.GeoSeries(lines, crs=network.crs).to_crs(4326).values)
    return lonlat, np.asarray(line_way, dtype=np.int64), shapely.length(lines)


def street_payload(network, names: dict | None = None) -> dict:
    """Street lines and labels (one per named way, at the middle of its longest line), WGS-84, compactly encoded.

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
