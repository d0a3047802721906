"""The meeting map as an offline what-if tool.

The map carries a :class:`~coverage.scenario.Scenario` in a compact binary
form (base64 of little-endian typed arrays and LEB128 varints): for every
existing station and candidate site, the households within the largest band
and the band each falls in. The page recomputes, for any choice of open
stations, the summary (households within the threshold, by count and by
weight, and the 5/10/15-minute counts), the uncovered households (points or
hex cells) and a per-station load table, in milliseconds and with no server.

* Click a station to close or reopen it; click a candidate to open a station
  there; drag the "new station" marker onto the map and it snaps to the
  nearest candidate.
* "Download stations" writes the scenario's stations as CSV (id, name, lon,
  lat at full precision) that ``service-coverage analyze --stations`` reads.
* The scenario lives in the URL hash (``#remove=..&add=..``), so a link
  reopens it; "Reset" returns to the starting stations.
* ``window.serviceCoverage`` exposes ``stations()``, ``candidates()``,
  ``apply({remove, add})`` and ``summary()`` for scripts and tests.

The band polygons show the starting stations; while the scenario differs
they are hidden (they cannot be recomputed in the page), so the picture never
contradicts the numbers. Every name from the data reaches the page as JSON
and the DOM as text (never as HTML).
"""

from __future__ import annotations

import base64

import numpy as np

from ._encode import b64_array, json_for_html, varint
from ._hex import hex_cells
from .mapdata import (
    COVERED_COLOUR,
    NOT_SERVED_COLOUR,
    OFF_NETWORK_COLOUR,
    SITE_COLOUR,
    STATION_COLOUR,
    UNCOVERED_COLOUR,
    UTILISATION_COLOURS,
)

CANDIDATE_COLOUR = "#f4a582"
#: Candidate sites show from this zoom on (neighbourhood scale).
CANDIDATE_ZOOM = 15


def _b64_flags(mask) -> str:
    return base64.b64encode(np.packbits(np.asarray(mask, dtype=np.uint8))).decode()


def _morton_order(x, y, ok) -> np.ndarray:
    """Households in a Z-order over their position: each site's list of neighbours has small gaps."""
    key = np.full(x.size, np.iinfo(np.int64).max, dtype=np.int64)
    if ok.any():
        xs, ys = x[ok], y[ok]
        qx = ((xs - xs.min()) / max(1e-9, np.ptp(xs)) * 65535).astype(np.int64)
        qy = ((ys - ys.min()) / max(1e-9, np.ptp(ys)) * 65535).astype(np.int64)
        k = np.zeros(qx.size, dtype=np.int64)
        for b in range(16):
            k |= ((qx >> b) & 1) << (2 * b) | ((qy >> b) & 1) << (2 * b + 1)
        key[ok] = k
    return np.lexsort((np.arange(x.size), key))


def payload(result, sc, md, *, points: bool, hex_size_m: float, labels: dict, band_layers: list,
            heat_layer: str | None) -> dict:
    """Everything the page needs, compactly encoded."""
    hp = result.household_points
    status = np.where(md.status == "invalid", 2, np.where(md.status == "off_network", 1, 0)).astype(np.uint8)
    perm = _morton_order(md.px, md.py, md.valid & np.isfinite(md.px))
    pos = np.empty_like(perm)
    pos[perm] = np.arange(perm.size)
    lon = np.where(np.isfinite(md.lon), np.round(md.lon * 1e6), 0).astype(np.int32)
    lat = np.where(np.isfinite(md.lat), np.round(md.lat * 1e6), 0).astype(np.int32)
    n_codes = len(sc.bands_m)
    counts, pairs = [], []
    for s in range(sc.n_sites):
        sl = slice(sc.ptr[s], sc.ptr[s + 1])
        p = pos[sc.household[sl]]
        order = np.argsort(p, kind="stable")
        p, c = p[order], sc.code[sl][order].astype(np.int64)
        d = np.diff(p, prepend=0)
        pairs.append(d * n_codes + c)
        counts.append(p.size)
    data = {
        "bandsMin": sc.bands_min, "thr": sc.threshold_index, "nCodes": n_codes, "n": int(perm.size),
        "lon": b64_array(lon[perm]), "lat": b64_array(lat[perm]), "w": b64_array(hp.weight[perm].astype(np.float64)),
        "st": b64_array(status[perm]),
        "cnt": base64.b64encode(varint(counts)).decode(),
        "pairs": base64.b64encode(varint(np.concatenate(pairs) if pairs else np.zeros(0))).decode(),
        "sites": {
            "id": sc.site_id, "name": sc.site_name, "kind": sc.site_kind,
            "lon": [None if not np.isfinite(v) else float(v) for v in sc.site_lon],
            "lat": [None if not np.isfinite(v) else float(v) for v in sc.site_lat],
            "nStations": sc.n_stations, "open0": [int(b) for b in sc.start_open],
            "util": ([None if not np.isfinite(u) else round(float(u), 4)
                      for u in result.stations["utilisation"].to_numpy(dtype=float)]
                     if "utilisation" in result.stations else None),
        },
        "utilColours": [[hi if np.isfinite(hi) else 1e9, col] for hi, col, _ in UTILISATION_COLOURS],
        "notServedColour": NOT_SERVED_COLOUR,
        "mode": "points" if points else "hex", "candidateZoom": CANDIDATE_ZOOM,
        "capacity": None if sc.capacity is None else [float(c) for c in sc.capacity],
        "labels": labels, "bandLayers": band_layers, "heat": heat_layer,
        "colours": {"covered": COVERED_COLOUR, "uncovered": UNCOVERED_COLOUR, "off": OFF_NETWORK_COLOUR,
                    "station": STATION_COLOUR, "candidate": CANDIDATE_COLOUR, "site": SITE_COLOUR},
    }
    if points:
        data["ids"] = [str(i) for i in np.asarray(hp.ids, dtype=object)[perm]]
        h = result.households
        if "served_weight" in h:  # the starting stations: within reach but not (wholly) served
            ns = md.covered & (h["served_weight"].to_numpy() < md.weight - 1e-6)
            data["notServed"] = _b64_flags(ns[perm])
    else:
        ok = md.valid & (status == 0)
        hid = np.full(perm.size, 0, dtype=np.int64)  # 0 = no cell
        if ok.any():
            _, _, _, _, polys, inv = hex_cells(md.px[ok], md.py[ok], md.weight[ok], hex_size_m, return_index=True)
            hid[ok] = inv + 1
            import geopandas as gpd
            import shapely

            ring = gpd.GeoSeries(polys, crs=result.network.crs).to_crs(4326)
            xy = shapely.get_coordinates(shapely.get_exterior_ring(np.asarray(ring.values)))
            verts = np.round(xy.reshape(len(ring), -1, 2)[:, :6, :] * 1e6).astype(np.int32)
            data["hex"] = {"of": base64.b64encode(varint(hid[perm])).decode(), "verts": b64_array(verts.ravel()),
                           "n": int(len(ring))}
            unc0 = md.uncovered[ok]
            wsum = np.bincount(inv[unc0], weights=md.weight[ok][unc0], minlength=len(ring))
            wpos = wsum[wsum > 0]
            data["hexQ"] = [float(q) for q in (np.quantile(wpos, [0.5, 0.8, 0.95]) if wpos.size > 3 else [1, 2, 3])]
    return data


def add_what_if(m, data: dict, *, layer_control=None) -> None:
    """Put the payload and the page code into a folium map (after its layers and layer control)."""
    from branca.element import Element, MacroElement, Template

    m.get_root().html.add_child(Element(
        f'<script type="application/json" id="sc-whatif-data">{json_for_html(data)}</script>'
        '<div id="sc-whatif" class="sc-panel"></div>'
        "<style>.sc-panel{position:absolute;bottom:30px;left:10px;z-index:1000;background:rgba(255,255,255,0.95);"
        "padding:8px 10px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px sans-serif;max-width:340px}"
        ".sc-panel button{margin:2px 4px 2px 0;font:12px sans-serif;cursor:pointer}"
        ".sc-panel table{border-collapse:collapse;width:100%}.sc-panel td,.sc-panel th{padding:1px 4px;text-align:right}"
        ".sc-panel td:first-child,.sc-panel th:first-child{text-align:left;max-width:170px;overflow:hidden;"
        "text-overflow:ellipsis;white-space:nowrap}.sc-loads{max-height:160px;overflow:auto;margin-top:4px}"
        ".sc-stale{color:#8a6d3b;display:none}.sc-newstation{font-size:20px;line-height:20px;text-align:center;"
        f"color:#fff;background:{STATION_COLOUR};border:2px solid {SITE_COLOUR};border-radius:50%}}</style>"
    ))
    el = MacroElement()
    refs = ("{bands: [" + ", ".join(data["bandLayers"]) + "], heat: " + (data["heat"] or "null")
            + ", control: " + (layer_control.get_name() if layer_control is not None else "null") + "}")
    # {% raw %}: the page code is not a template (and jinja need not tokenise it)
    el._template = Template("{% macro script(this, kwargs) %}{% raw %}" + _JS.replace("__MAP__", m.get_name())
                            .replace("__LAYERS__", refs) + "{% endraw %}{% endmacro %}")
    m.add_child(el)


_JS = r"""
(function () {
  var map = __MAP__, REFS = __LAYERS__;
  var D = JSON.parse(document.getElementById('sc-whatif-data').textContent);
  var T = D.labels, C = D.colours;
  function bytes(b64) { var s = atob(b64), a = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }
  function typed(b64, Kind) { var b = bytes(b64); return new Kind(b.buffer, 0, b.length / Kind.BYTES_PER_ELEMENT); }
  function varints(b64, n) {
    var b = bytes(b64), out = new Float64Array(n), i = 0, k = 0;
    while (k < n) { var v = 0, mul = 1, x; do { x = b[i++]; v += (x & 127) * mul; mul *= 128; } while (x & 128); out[k++] = v; }
    return out;
  }
  var N = D.n, NC = D.nCodes, THR = D.thr, S = D.sites, NS = S.id.length;
  var LON = typed(D.lon, Int32Array), LAT = typed(D.lat, Int32Array), W = typed(D.w, Float64Array), ST = typed(D.st, Uint8Array);
  var CNT = varints(D.cnt, NS), PTR = new Int32Array(NS + 1);
  for (var s = 0; s < NS; s++) PTR[s + 1] = PTR[s] + CNT[s];
  var RAW = varints(D.pairs, PTR[NS]), H = new Int32Array(PTR[NS]), CODE = new Uint8Array(PTR[NS]);
  for (var s = 0; s < NS; s++) { var h = 0; for (var k = PTR[s]; k < PTR[s + 1]; k++) { var v = RAW[k], c = v % NC; h += (v - c) / NC; H[k] = h; CODE[k] = c; } }
  var open0 = new Uint8Array(S.open0), open = new Uint8Array(S.open0), best = new Uint8Array(N), last = null;
  var idOf = {}; for (var s = 0; s < NS; s++) idOf[S.id[s]] = s;

  function compute() {
    best.fill(NC);
    var loads = [];
    for (var s = 0; s < NS; s++) {
      if (!open[s]) continue;
      var n = 0, w = 0;
      for (var k = PTR[s]; k < PTR[s + 1]; k++) {
        var h = H[k], c = CODE[k];
        if (c < best[h]) best[h] = c;
        if (c <= THR) { n++; w += W[h]; }
      }
      loads.push({id: S.id[s], name: S.name[s], kind: S.kind[s], households_within: n, weight_within: w});
    }
    var nValid = 0, wTotal = 0, bn = new Array(NC).fill(0), bw = new Array(NC).fill(0);
    for (var h = 0; h < N; h++) {
      if (ST[h] === 2) continue;
      nValid++; wTotal += W[h];
      for (var b = best[h]; b < NC; b++) { bn[b]++; bw[b] += W[h]; }
    }
    var bands = D.bandsMin.map(function (m, i) {
      return {minutes: m, n_within: bn[i], weight_within: bw[i], share: nValid ? bn[i] / nValid : null,
              share_weight: wTotal ? bw[i] / wTotal : null};
    });
    loads.sort(function (a, b) { return b.weight_within - a.weight_within || (a.id < b.id ? -1 : 1); });
    var served = CAP ? Math.round(maxServed() * 1e6) / 1e6 : null;
    last = {weight_served: served, share_served_weight: served === null ? null : (wTotal ? served / wTotal : null),
            households_covered: bn[THR], weight_covered: bw[THR], weight_total: wTotal, share: bands[THR].share,
            share_weight: bands[THR].share_weight, bands: bands, stations: loads,
            open: S.id.filter(function (_, i) { return open[i]; })};
    return last;
  }

  // ---------------------------------------------------------------- capacity: the most households served
  // An exact maximum flow (Dinic) from households (their weight) through the open stations within the
  // threshold (their capacity). The served total is unique, so it equals Python's assignment.
  var CAP = D.capacity ? new Float64Array(D.capacity) : null;
  function maxServed() {
    var hNode = new Int32Array(N).fill(-1), sNode = new Int32Array(NS).fill(-1), n = 2;
    var to = [], cap = [], head = [-1, -1], next = [];
    function edge(u, v, c) {
      to.push(v); cap.push(c); next.push(head[u]); head[u] = to.length - 1;
      to.push(u); cap.push(0); next.push(head[v]); head[v] = to.length - 1;
    }
    function node() { head.push(-1); return n++; }
    for (var s = 0; s < NS; s++) {
      if (!open[s] || !(CAP[s] > 0)) continue;
      for (var k = PTR[s]; k < PTR[s + 1]; k++) {
        if (CODE[k] > THR) continue;
        var h = H[k]; if (ST[h] === 2 || !(W[h] > 0)) continue;
        if (hNode[h] < 0) { hNode[h] = node(); edge(0, hNode[h], W[h]); }
        if (sNode[s] < 0) { sNode[s] = node(); edge(sNode[s], 1, CAP[s]); }
        edge(hNode[h], sNode[s], Infinity);
      }
    }
    var level = new Int32Array(n), it = new Int32Array(n), queue = new Int32Array(n), total = 0, EPS = 1e-9;
    cap = Float64Array.from(cap);
    while (true) {
      level.fill(-1); level[0] = 0; var qh = 0, qt = 0; queue[qt++] = 0;
      while (qh < qt) { var u = queue[qh++]; for (var e = head[u]; e >= 0; e = next[e]) if (cap[e] > EPS && level[to[e]] < 0) { level[to[e]] = level[u] + 1; queue[qt++] = to[e]; } }
      if (level[1] < 0) break;
      for (var i = 0; i < n; i++) it[i] = head[i];
      while (true) {  // one augmenting path at a time along the level graph (iterative DFS)
        var path = [], u = 0, found = false;
        while (true) {
          if (u === 1) { found = true; break; }
          var e = it[u];
          while (e >= 0 && !(cap[e] > EPS && level[to[e]] === level[u] + 1)) e = next[e];
          it[u] = e;
          if (e < 0) { if (u === 0) break; level[u] = -1; var back = path.pop(); u = to[back ^ 1]; it[u] = next[it[u]]; continue; }
          path.push(e); u = to[e];
        }
        if (!found) break;
        var f = Infinity; for (var j = 0; j < path.length; j++) f = Math.min(f, cap[path[j]]);
        for (var j = 0; j < path.length; j++) { cap[path[j]] -= f; cap[path[j] ^ 1] += f; }
        total += f;
      }
    }
    return total;
  }

  // ---------------------------------------------------------------- drawing
  var renderer = L.canvas({padding: 0.3});
  var hhLayer = L.layerGroup(), siteLayer = L.layerGroup(), candLayer = L.layerGroup();
  var dots = null, hexes = null, HEX = null;
  function fmt(x) { return Math.round(x).toLocaleString('en-US'); }
  function pct(x) { return x === null ? '-' : (100 * x).toFixed(1) + '%'; }
  if (D.mode === 'points') {
    dots = new Array(N);
    for (var h = 0; h < N; h++) {
      if (ST[h] === 2) continue;
      var mk = L.circleMarker([LAT[h] / 1e6, LON[h] / 1e6], {renderer: renderer, radius: ST[h] === 1 ? 3.5 : 3,
        weight: ST[h] === 1 ? 1.5 : 0, color: C.off, fillColor: ST[h] === 1 ? '#ffffff' : C.covered, fillOpacity: 0.85});
      mk.bindTooltip(document.createTextNode(D.ids[h]));
      mk._cls = -1; dots[h] = mk; mk.addTo(hhLayer);
    }
  } else if (D.hex) {
    HEX = {of: varints(D.hex.of, N), verts: typed(D.hex.verts, Int32Array), n: D.hex.n};
    hexes = new Array(HEX.n);
    for (var j = 0; j < HEX.n; j++) {
      var ll = [];
      for (var v = 0; v < 6; v++) ll.push([HEX.verts[12 * j + 2 * v + 1] / 1e6, HEX.verts[12 * j + 2 * v] / 1e6]);
      hexes[j] = L.polygon(ll, {renderer: renderer, weight: 0.5, color: C.uncovered, fillColor: C.uncovered, fillOpacity: 0, opacity: 0});
      hexes[j].addTo(hhLayer);
    }
  }
  var NSV = null;  // the starting assignment's households within reach but not served (with capacities)
  if (D.notServed) { var nb = bytes(D.notServed); NSV = new Uint8Array(N); for (var h = 0; h < N; h++) NSV[h] = (nb[h >> 3] >> (7 - (h & 7))) & 1; }
  function drawHouseholds() {
    if (dots) {
      var start = NSV && !changed();
      for (var h = 0; h < N; h++) {
        var mk = dots[h]; if (!mk || ST[h] !== 0) continue;
        var cls = best[h] <= THR ? (start && NSV[h] ? 2 : 0) : 1;
        if (mk._cls !== cls) { mk._cls = cls; mk.setStyle({fillColor: cls === 1 ? C.uncovered : cls === 2 ? D.notServedColour : C.covered}); }
      }
    } else if (hexes) {
      var sum = new Float64Array(HEX.n);
      for (var h = 0; h < N; h++) { var j = HEX.of[h]; if (j > 0 && best[h] > THR) sum[j - 1] += W[h]; }
      var q = D.hexQ;
      for (var j = 0; j < HEX.n; j++) {
        var x = sum[j], a = x <= 0 ? 0 : x <= q[0] ? 0.25 : x <= q[1] ? 0.45 : x <= q[2] ? 0.65 : 0.85;
        if (hexes[j]._a !== a) { hexes[j]._a = a; hexes[j].setStyle({fillOpacity: a, opacity: a ? 1 : 0}); }
        hexes[j]._w = x;
      }
    }
  }
  var marks = new Array(NS);
  function styleSite(s) {
    var mk = marks[s]; if (!mk) return;
    if (s < S.nStations) {
      var off = !open0[s] && !open[s] && S.open0[s] === 0, fill = C.station;
      if (S.util && !changed() && S.util[s] !== null) {  // the starting stations' load against capacity
        for (var k = 0; k < D.utilColours.length; k++) if (S.util[s] <= D.utilColours[k][0]) { fill = D.utilColours[k][1]; break; }
      }
      mk.setStyle(open[s] ? {fillColor: fill, color: '#ffffff', fillOpacity: 1, weight: 2}
                          : {fillColor: '#ffffff', color: off ? C.off : C.station, fillOpacity: 0.9, weight: 2, dashArray: '3'});
    } else {
      mk.setStyle(open[s] ? {radius: 7, fillColor: C.station, color: C.site, fillOpacity: 1, weight: 3}
                          : {radius: 3.5, fillColor: C.candidate, color: '#8c510a', fillOpacity: 0.7, weight: 0.8});
    }
  }
  for (var s = 0; s < NS; s++) {
    if (S.lat[s] === null) continue;
    var isSt = s < S.nStations;
    var mk = L.circleMarker([S.lat[s], S.lon[s]], {renderer: renderer, radius: isSt ? 7 : 4, bubblingMouseEvents: false});
    var label = S.name[s] || S.id[s];
    if (isSt) mk.bindTooltip(document.createTextNode(label), {permanent: true, direction: 'right', offset: [8, 0], className: 'sc-station-label'});
    else mk.bindTooltip(document.createTextNode(label + ' (' + S.kind[s] + ') - ' + T.click_open));
    mk._site = s; marks[s] = mk;
    mk.on('click', function (e) { toggle(e.target._site); });
    mk.addTo(isSt ? siteLayer : candLayer);
    styleSite(s);
  }
  hhLayer.addTo(map); siteLayer.addTo(map);
  // candidates show from neighbourhood zoom on (thousands of dots would hide the city view)
  var CAND_ZOOM = D.candidateZoom, candWanted = true, selfToggle = false;
  map.on('overlayadd', function (e) { if (e.layer === candLayer && !selfToggle) candWanted = true; });
  map.on('overlayremove', function (e) { if (e.layer === candLayer && !selfToggle) candWanted = false; });
  function candVisible() {
    var on = candWanted && map.getZoom() >= CAND_ZOOM;
    selfToggle = true;
    if (on && !map.hasLayer(candLayer)) candLayer.addTo(map);
    else if (!on && map.hasLayer(candLayer)) map.removeLayer(candLayer);
    selfToggle = false;
    if (hint) hint.style.display = candWanted && !on ? 'block' : 'none';
  }
  var hint = null;
  map.on('zoomend', candVisible);
  var lc = REFS.control;
  if (lc) {
    lc.addOverlay(hhLayer, D.mode === 'points' ? T.points_layer : T.uncovered_hex);
    lc.addOverlay(siteLayer, T.stations);
    lc.addOverlay(candLayer, T.candidates);
  }

  // ---------------------------------------------------------------- panel
  var panel = document.getElementById('sc-whatif');
  function el(tag, text, attrs) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; for (var a in (attrs || {})) e.setAttribute(a, attrs[a]); return e; }
  panel.appendChild(el('div', T.whatif_title, {style: 'font-weight:bold'}));
  var sumLine = el('div', '', {id: 'sc-whatif-summary'}), bandLine = el('div', '', {id: 'sc-whatif-bands', style: 'color:#555'});
  var stale = el('div', T.stale, {'class': 'sc-stale', id: 'sc-whatif-stale'});
  panel.appendChild(sumLine); panel.appendChild(bandLine); panel.appendChild(stale);
  var servedLine = null;
  if (D.capacity) { servedLine = el('div', '', {id: 'sc-whatif-served', style: 'color:#1b7837'}); panel.appendChild(servedLine); }
  hint = el('div', T.zoom_hint, {style: 'color:#555;display:none', id: 'sc-zoom-hint'}); panel.appendChild(hint);
  var bReset = el('button', T.reset, {id: 'sc-reset'}), bDown = el('button', T.download, {id: 'sc-download'}), bNew = el('button', T.new_station, {id: 'sc-new'});
  panel.appendChild(bReset); panel.appendChild(bDown); panel.appendChild(bNew);
  var box = el('div', '', {'class': 'sc-loads'}), table = el('table', '', {id: 'sc-loads'});
  box.appendChild(table); panel.appendChild(box);
  L.DomEvent.disableClickPropagation(panel); L.DomEvent.disableScrollPropagation(panel);

  function changed() { for (var s = 0; s < NS; s++) if (open[s] !== open0[s]) return true; return false; }
  function render() {
    var r = compute();
    drawHouseholds();
    sumLine.textContent = T.summary.replace('{cov}', fmt(r.weight_covered)).replace('{share}', pct(r.share_weight))
      .replace('{n}', fmt(r.households_covered)).replace('{pshare}', pct(r.share));
    if (servedLine) servedLine.textContent = T.served.replace('{served}', fmt(r.weight_served)).replace('{share}', pct(r.share_served_weight));
    bandLine.textContent = r.bands.map(function (b) { return b.minutes + ' ' + T.min + ': ' + fmt(b.n_within) + ' / ' + fmt(b.weight_within); }).join(' · ');
    while (table.firstChild) table.removeChild(table.firstChild);
    var head = el('tr'); [T.station, T.within_n, T.within_w].forEach(function (t) { head.appendChild(el('th', t)); }); table.appendChild(head);
    r.stations.forEach(function (x) {
      var tr = el('tr'); tr.appendChild(el('td', x.name || x.id, {title: x.id})); tr.appendChild(el('td', fmt(x.households_within))); tr.appendChild(el('td', fmt(x.weight_within))); table.appendChild(tr);
    });
    var diff = changed();
    stale.style.display = diff ? 'block' : 'none';
    REFS.bands.concat(REFS.heat ? [REFS.heat] : []).forEach(function (lyr) {
      if (!lyr) return;
      if (diff && map.hasLayer(lyr)) { lyr._scHidden = true; map.removeLayer(lyr); }
      else if (!diff && lyr._scHidden) { lyr._scHidden = false; map.addLayer(lyr); }
    });
    var t = document.getElementById('sc-title-summary');
    if (t) t.textContent = T.title_summary.replace('{cov}', fmt(r.weight_covered)).replace('{tot}', fmt(r.weight_total)).replace('{share}', pct(r.share_weight));
    for (var s = 0; s < NS; s++) styleSite(s);
    var rem = [], add = [];
    for (var s = 0; s < NS; s++) { if (open0[s] && !open[s]) rem.push(S.id[s]); if (!open0[s] && open[s]) add.push(S.id[s]); }
    var hash = (rem.length ? 'remove=' + rem.map(encodeURIComponent).join(',') : '') + (rem.length && add.length ? '&' : '') + (add.length ? 'add=' + add.map(encodeURIComponent).join(',') : '');
    try { history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search); } catch (e) {}
    return r;
  }
  function toggle(s) {
    if (s < S.nStations && !S.open0[s] && !open[s] && CNT[s] === 0) return;  // off the network: nothing to open
    open[s] = open[s] ? 0 : 1; render();
  }
  function setFrom(remove, add) {
    open.set(open0);
    (remove || []).forEach(function (id) { if (idOf[id] !== undefined && idOf[id] < S.nStations) open[idOf[id]] = 0; });
    (add || []).forEach(function (id) { if (idOf[id] !== undefined) open[idOf[id]] = 1; });
  }
  bReset.onclick = function () { open.set(open0); render(); };
  function csvCell(x) { x = String(x === null || x === undefined ? '' : x); if (/^[=+\-@]/.test(x)) x = "'" + x; return /[",\n\r]/.test(x) ? '"' + x.replace(/"/g, '""') + '"' : x; }
  function stationsCsv() {
    var rows = ['id,name,lon,lat'];
    for (var s = 0; s < NS; s++) if (open[s] && S.lat[s] !== null) rows.push([csvCell(S.id[s]), csvCell(S.name[s]), S.lon[s], S.lat[s]].join(','));
    return '\ufeff' + rows.join('\r\n') + '\r\n';
  }
  bDown.onclick = function () {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([stationsCsv()], {type: 'text/csv;charset=utf-8'}));
    a.download = 'stations-scenario.csv'; document.body.appendChild(a); a.click(); a.remove();
  };
  function nearestCandidate(ll) {
    var best = -1, bd = Infinity, c = Math.cos(ll.lat * Math.PI / 180);
    for (var s = S.nStations; s < NS; s++) {
      if (S.lat[s] === null) continue;
      var dx = (S.lon[s] - ll.lng) * c, dy = S.lat[s] - ll.lat, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = s; }
    }
    return best;
  }
  bNew.onclick = function () {
    var icon = L.divIcon({className: 'sc-newstation', html: '+', iconSize: [22, 22]});
    var mk = L.marker(map.getCenter(), {draggable: true, icon: icon, title: T.drag_hint}).addTo(map);
    mk.on('dragend', function () { var s = nearestCandidate(mk.getLatLng()); map.removeLayer(mk); if (s >= 0) { open[s] = 1; render(); } });
  };
  function parseHash() {
    var h = location.hash.replace(/^#/, ''), out = {remove: [], add: []};
    h.split('&').forEach(function (part) { var kv = part.split('='); if (kv.length === 2 && out[kv[0]]) out[kv[0]] = kv[1].split(',').filter(Boolean).map(decodeURIComponent); });
    return out;
  }
  candVisible();
  var fromHash = parseHash();
  setFrom(fromHash.remove, fromHash.add);
  render();

  function items(lo, hi) { var out = []; for (var s = lo; s < hi; s++) out.push({id: S.id[s], lon: S.lon[s], lat: S.lat[s], name: S.name[s], kind: S.kind[s]}); return out; }
  function strip(r) { return {weight_served: r.weight_served, share_served_weight: r.share_served_weight, households_covered: r.households_covered, weight_covered: r.weight_covered, weight_total: r.weight_total, share: r.share, share_weight: r.share_weight, bands: r.bands, stations: r.stations, open: r.open}; }
  window.serviceCoverage = {
    stations: function () { return items(0, S.nStations); },
    candidates: function () { return items(S.nStations, NS); },
    apply: function (scn) { scn = scn || {}; setFrom(scn.remove, scn.add); return strip(render()); },
    summary: function () { return strip(last); },
    stationsCsv: stationsCsv,
    time: function (scn) { var t = performance.now(); this.apply(scn); return performance.now() - t; }
  };
})();
"""
