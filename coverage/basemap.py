"""A light street basemap for the HTML map when the tiles cannot load.

The walking network itself is drawn as thin grey street lines under every
other layer, with street names (from OpenStreetMap) from neighbourhood zoom
on, so a map opened in a meeting room without internet is still readable.
The lines are merged per way, simplified within 1.5 m and sent as
delta-encoded varints (a few hundred kB for a city centre). As soon as map
tiles load, the street layer steps aside; it comes back if they fail.
"""

from __future__ import annotations

import base64
import logging

import numpy as np

from ._encode import json_for_html, varint, zigzag

log = logging.getLogger(__name__)

#: Street names show from this zoom on.
STREET_LABEL_ZOOM = 16
#: Simplification of the street lines, metres.
SIMPLIFY_M = 1.5


def street_payload(network) -> dict:
    """Street lines (and names where the extract has them), compactly encoded, WGS-84."""
    import geopandas as gpd
    import shapely

    names = {}
    src = str(network.meta.get("source", ""))
    if src.lower().endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz")):
        try:
            from .osm_features import way_names

            names = way_names(src)
        except Exception as exc:  # names are a nicety, never a requirement
            log.warning("Could not read street names from %s: %s", src, exc)
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
    ll = gpd.GeoSeries(lines, crs=network.crs).to_crs(4326).values
    pts = shapely.get_coordinates(ll)
    counts = shapely.get_num_coordinates(ll)
    q = np.round(pts * 1e5).astype(np.int64)  # 1e-5 degrees: about a metre
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))  # one running delta over all lines
    # labels: one per named way, at the middle of its longest line, names deduplicated nearby
    labels, seen = [], {}
    lengths = shapely.length(lines)
    best = {}
    for i, w in enumerate(line_way):
        if w in names and (w not in best or lengths[i] > lengths[best[w]]):
            best[w] = i
    for w, i in sorted(best.items(), key=lambda kv: -lengths[kv[1]]):
        if lengths[i] < 60:
            continue
        mid = shapely.line_interpolate_point(ll[i], 0.5, normalized=True)
        cell = (names[w], int(mid.x * 250), int(mid.y * 350))  # about 400 m cells
        if cell in seen:
            continue
        seen[cell] = True
        labels.append([round(mid.x, 5), round(mid.y, 5), names[w]])
    return {"n": int(len(counts)), "cnt": base64.b64encode(varint(counts)).decode(),
            "xy": base64.b64encode(varint(zigzag(d.ravel()))).decode(), "labels": labels,
            "labelZoom": STREET_LABEL_ZOOM}


def add_street_basemap(m, network, tile_layer=None) -> None:
    """Draw the walking network as the offline basemap of a folium map."""
    from branca.element import Element, MacroElement, Template

    data = street_payload(network)
    m.get_root().html.add_child(Element(
        f'<script type="application/json" id="sc-streets-data">{json_for_html(data)}</script>'
        "<style>.sc-street-label{color:#555;font:11px sans-serif;white-space:nowrap;text-shadow:0 0 2px #fff,"
        "0 0 2px #fff;pointer-events:none;transform:translate(-50%,-50%)}</style>"))
    el = MacroElement()
    el._template = Template("{% macro script(this, kwargs) %}{% raw %}" + _JS.replace("__MAP__", m.get_name())
                            .replace("__TILES__", tile_layer.get_name() if tile_layer is not None else "null")
                            + "{% endraw %}{% endmacro %}")
    m.add_child(el)


_JS = r"""
(function () {
  var map = __MAP__, tiles = __TILES__;
  var D = JSON.parse(document.getElementById('sc-streets-data').textContent);
  function bytes(b64) { var s = atob(b64), a = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }
  function varints(b64, n) { var b = bytes(b64), out = new Float64Array(n), i = 0, k = 0;
    while (k < n) { var v = 0, mul = 1, x; do { x = b[i++]; v += (x & 127) * mul; mul *= 128; } while (x & 128); out[k++] = v; } return out; }
  var cnt = varints(D.cnt, D.n), total = 0; for (var i = 0; i < D.n; i++) total += cnt[i];
  var raw = varints(D.xy, 2 * total);
  map.createPane('scStreets'); map.getPane('scStreets').style.zIndex = 250; map.getPane('scStreets').style.pointerEvents = 'none';
  var renderer = L.canvas({pane: 'scStreets', padding: 0.3});
  var streets = L.layerGroup(), x = 0, y = 0, k = 0;
  for (var i = 0; i < D.n; i++) {
    var ll = [];
    for (var j = 0; j < cnt[i]; j++, k++) {
      var dx = raw[2 * k], dy = raw[2 * k + 1];
      x += (dx % 2 ? -(dx + 1) / 2 : dx / 2); y += (dy % 2 ? -(dy + 1) / 2 : dy / 2);
      ll.push([y / 1e5, x / 1e5]);
    }
    L.polyline(ll, {renderer: renderer, color: '#9a9a9a', weight: 1.2, opacity: 0.8, interactive: false}).addTo(streets);
  }
  var labels = L.layerGroup(), shown = true;
  function drawLabels() {
    labels.clearLayers();
    if (!shown || map.getZoom() < D.labelZoom) return;
    var b = map.getBounds().pad(0.1), n = 0;
    for (var i = 0; i < D.labels.length && n < 400; i++) {
      var l = D.labels[i];
      if (!b.contains([l[1], l[0]])) continue;
      var icon = L.divIcon({className: 'sc-street-label', html: '', iconSize: null});
      var mk = L.marker([l[1], l[0]], {icon: icon, interactive: false, keyboard: false, pane: 'scStreets'});
      mk.addTo(labels); mk.getElement().textContent = l[2]; n++;
    }
  }
  function show(on) {
    shown = on;
    if (on) { streets.addTo(map); labels.addTo(map); } else { map.removeLayer(streets); map.removeLayer(labels); }
    drawLabels();
  }
  show(true);
  map.on('moveend zoomend', drawLabels);
  window.serviceCoverageStreets = {lines: D.n, labels: D.labels.length, shown: function () { return shown && map.hasLayer(streets); }};
  if (tiles) {
    tiles.on('tileload', function () { if (shown) show(false); });
    tiles.on('tileerror', function () { if (!shown) show(true); });
  }
})();
"""
