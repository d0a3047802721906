// The coverage map, drawn from the data the Python side wrote into the page (coverage/maps.py):
// the walking bands, residential points (or hexagonal cells and a heat map), stations, proposed sites,
// gated compounds, the legend, the title box, the scale, the layer control, full screen and the offline note.
// Every text from the data reaches the page as DOM text (textContent), never as markup.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('sc-map-data').textContent);
  var map = window[D.map], T = D.labels, C = D.colours;

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    for (var a in (attrs || {})) e.setAttribute(a, attrs[a]);
    return e;
  }
  // Leaflet's layer control writes overlay names as HTML: escape them first
  function html(text) {
    return String(text).replace(/[&<>"'`$\\{}]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }
  function tip(lines) {  // a tooltip or popup body built from text lines
    var d = el('div');
    lines.forEach(function (line, i) {
      if (i) d.appendChild(el('br'));
      if (typeof line === 'string') d.appendChild(document.createTextNode(line));
      else { d.appendChild(el('b', line.bold)); }
    });
    return d;
  }
  function fmt(x) { return x === null || x === undefined || isNaN(x) ? '-' : Math.round(x).toLocaleString('en-US'); }
  function pct(x) { return x === null || x === undefined ? '-' : (100 * x).toFixed(1) + '%'; }

  // ------------------------------------------------------------------ basemap tiles (online only)
  var tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png',
                          {maxZoom: 19, attribution: D.attribution});
  tiles.addTo(map);
  var overlays = [];  // [layer, name] for the layer control, in drawing order
  function overlay(layer, name, show) { overlays.push([layer, name]); if (show) layer.addTo(map); return layer; }

  // ------------------------------------------------------------------ bands: non-overlapping rings
  var bandLayers = D.bands.map(function (b) {
    var layer = L.geoJSON({type: 'Feature', geometry: b.geometry, properties: {}}, {
      style: function () { return {fillColor: b.colour, color: b.colour, weight: 1, fillOpacity: b.opacity, fillRule: 'evenodd'}; },
      interactive: false
    });
    return overlay(layer, b.label, true);
  });
  if (D.stationAreas) {
    var areas = L.layerGroup();
    D.stationAreas.features.forEach(function (f) {
      var g = L.geoJSON({type: 'Feature', geometry: f.geometry, properties: {}},
                        {style: function () { return {color: C.station, weight: 1.5, fill: false}; }});
      g.bindTooltip(tip([T.station + ': ' + f.id]), {sticky: true});
      g.addTo(areas);
    });
    overlay(areas, D.stationAreas.label, false);
  }
  if (D.network) overlay(SCLines.layer(D.network, {color: '#777777', weight: 1, opacity: 0.6}), D.network.label, false);

  // ------------------------------------------------------------------ residential points or hexagonal cells
  var renderer = L.canvas({padding: 0.3});
  var H = D.households, N = H.n;
  var LON = SCDecode.typed(H.lon, Int32Array), LAT = SCDecode.typed(H.lat, Int32Array);
  var W = SCDecode.typed(H.w, Float64Array), CLS = SCDecode.typed(H.cls, Uint8Array);
  var WALK = SCDecode.typed(H.walk, Float32Array);
  var CLASS_COLOUR = [C.covered, C.uncovered, '#ffffff', null, C.notServed];
  var CLASS_LABEL = [T.covered_short, T.uncovered_short, T.off_short, '', T.not_served_short];
  var dots = null, hexes = null, HEX = null, hhLayers = [];
  function dot(h, cls) {
    var off = cls === 2;
    var mk = L.circleMarker([LAT[h] / 1e6, LON[h] / 1e6], {renderer: renderer, radius: off ? 3.5 : 3,
      weight: off ? 1.5 : 0, color: C.off, fillColor: CLASS_COLOUR[cls], fillOpacity: 0.85});
    mk._h = h; mk._cls = cls;
    mk.bindTooltip(function (layer) {
      var i = layer._h, lines = [T.id + ': ' + (H.ids ? H.ids[i] : i)];
      if (isFinite(WALK[i])) lines.push(T.walk + ': ' + WALK[i].toFixed(1) + ' ' + T.min + (SC.changed() ? ' (' + T.start + ')' : ''));
      lines.push(T.status + ': ' + CLASS_LABEL[layer._cls]);
      return tip(lines);
    });
    return mk;
  }
  if (H.mode === 'points') {
    dots = new Array(N);
    if (D.whatif) {  // one layer: the classes change with the scenario
      var all = L.layerGroup();
      for (var h = 0; h < N; h++) if (CLS[h] !== 3) { dots[h] = dot(h, CLS[h]); dots[h].addTo(all); }
      overlay(all, T.points_layer, true);
      hhLayers.push(all);
    } else {  // one layer per class, each in its own symbol
      [[0, T.covered], [4, T.not_served], [1, T.uncovered], [2, H.offLabel]].forEach(function (c) {
        var g = L.layerGroup(), any = false;
        for (var h = 0; h < N; h++) if (CLS[h] === c[0]) { dots[h] = dot(h, c[0]); dots[h].addTo(g); any = true; }
        if (any) { overlay(g, c[1], true); hhLayers.push(g); }
      });
    }
  } else {
    HEX = {of: SCDecode.varints(H.hex.of, N), verts: SCDecode.typed(H.hex.verts, Int32Array), n: H.hex.n, q: H.hex.q};
    hexes = new Array(HEX.n);
    var cells = L.layerGroup();
    for (var j = 0; j < HEX.n; j++) {
      var ll = [];
      for (var v = 0; v < 6; v++) ll.push([HEX.verts[12 * j + 2 * v + 1] / 1e6, HEX.verts[12 * j + 2 * v] / 1e6]);
      var poly = L.polygon(ll, {renderer: renderer, weight: 0.5, color: C.uncovered, fillColor: C.uncovered, fillOpacity: 0, opacity: 0});
      poly._j = j; poly._w = 0; poly._n = 0;
      poly.bindTooltip(function (layer) { return tip([T.uncovered_hex + ': ' + fmt(layer._w), T.n_points + ': ' + fmt(layer._n)]); },
                       {sticky: true});
      hexes[j] = poly; poly.addTo(cells);
    }
    overlay(cells, T.uncovered_hex, true);
    hhLayers.push(cells);
    var offs = L.layerGroup(), anyOff = false;  // few: drawn one by one, in their own symbol
    dots = new Array(N);
    for (var h2 = 0; h2 < N; h2++) if (CLS[h2] === 2) { dots[h2] = dot(h2, 2); dots[h2].addTo(offs); anyOff = true; }
    if (anyOff) { overlay(offs, H.offLabel, true); hhLayers.push(offs); }
  }
  // uncovered households (weight) per cell for a covered-or-not test of each household
  function drawCells(uncovered) {
    if (!hexes) return;
    var sum = new Float64Array(HEX.n), cnt = new Float64Array(HEX.n);
    for (var h = 0; h < N; h++) { var j = HEX.of[h]; if (j > 0 && uncovered(h)) { sum[j - 1] += W[h]; cnt[j - 1]++; } }
    var q = HEX.q;
    for (var k = 0; k < HEX.n; k++) {
      var x = sum[k], a = x <= 0 ? 0 : x <= q[0] ? 0.25 : x <= q[1] ? 0.45 : x <= q[2] ? 0.65 : 0.85;
      if (hexes[k]._a !== a) { hexes[k]._a = a; hexes[k].setStyle({fillOpacity: a, opacity: a ? 1 : 0}); }
      hexes[k]._w = x; hexes[k]._n = cnt[k];
    }
  }
  drawCells(function (h) { return CLS[h] === 1; });
  var heat = null;
  if (D.heat) {
    var pts = [];
    for (var h3 = 0; h3 < N; h3++) if (CLS[h3] === 1) pts.push([LAT[h3] / 1e6, LON[h3] / 1e6, W[h3]]);
    heat = overlay(L.heatLayer(pts, {radius: 12, minOpacity: 0.3}), D.heat.label, false);
  }

  // ------------------------------------------------------------------ stations
  var S = D.stations, stationLayer = L.layerGroup(), stationMarks = new Array(S.id.length);
  for (var s = 0; s < S.id.length; s++) {
    if (S.lat[s] === null) continue;
    var label = S.name[s] || S.id[s];
    var mk = L.circleMarker([S.lat[s], S.lon[s]], {renderer: renderer, radius: 7, bubblingMouseEvents: false,
      color: S.on[s] ? '#ffffff' : C.station, weight: 2, fillColor: S.fill[s], fillOpacity: 1});
    mk.bindTooltip(document.createTextNode(label), {permanent: true, direction: 'right', offset: [8, 0], className: 'sc-station-label'});
    if (!D.whatif) {
      var lines = [{bold: label}, T.id + ': ' + S.id[s]];
      if (S.on[s]) {
        lines.push(T.within_m + ': ' + fmt(S.withinW[s]) + ' (' + fmt(S.withinN[s]) + ' ' + T.point_word + ')');
        lines.push(T.catchment + ': ' + fmt(S.catchW[s]));
        if (S.util && S.util[s] !== null) lines.push(T.utilisation_short + ': ' + pct(S.util[s]));
      } else lines.push(T.station_off);
      mk.bindPopup(tip(lines), {maxWidth: 320});
    }
    mk._site = s; stationMarks[s] = mk; mk.addTo(stationLayer);
  }
  overlay(stationLayer, T.stations, true);

  // ------------------------------------------------------------------ proposed sites
  var siteMarks = [];
  if (D.sites && D.sites.length) {
    var siteLayer = L.layerGroup();
    D.sites.forEach(function (r) {
      var box = el('div', null, {'class': 'sc-site-icon'});
      box.appendChild(el('div', null, {'class': 'sc-site-diamond'}));
      box.appendChild(el('div', String(r.rank), {'class': 'sc-site-rank'}));
      var icon = L.divIcon({html: box, className: 'sc-site', iconSize: [18, 18], iconAnchor: [9, 9]});
      var m2 = L.marker([r.lat, r.lon], {icon: icon});
      var head = T.rank + ' ' + r.rank + (r.name ? ': ' + r.name : '');
      m2.bindPopup(tip([{bold: head}, T.id + ': ' + r.id, T.added + ': ' + fmt(r.added), r.after_label + ': ' + pct(r.after)]),
                   {maxWidth: 300});
      m2.bindTooltip(document.createTextNode(head));
      m2.addTo(siteLayer); siteMarks.push(m2);
    });
    overlay(siteLayer, T.sites, true);
  }

  // ------------------------------------------------------------------ gated compounds and their gates
  if (D.compounds) {
    var cg = L.layerGroup();
    D.compounds.features.forEach(function (f) {
      var ch = f.changed;
      var g2 = L.geoJSON({type: 'Feature', geometry: f.geometry, properties: {}}, {style: function () {
        return {color: ch ? C.compoundChanged : C.compound, weight: ch ? 3 : 1, dashArray: ch ? null : '4 3',
                fillColor: C.compoundChanged, fillOpacity: ch ? 0.12 : 0};
      }});
      var lines = [{bold: T.compound + ' ' + f.id + (f.name ? ' ' + f.name : '')}, T.gates + ': ' + f.gates,
                   T.points_layer + ': ' + f.points];
      if (f.changed) lines.push(T.changed + ': ' + f.points_changed + ' (' + fmt(f.households_changed) + ' ' + T.households + ')');
      g2.bindTooltip(tip(lines), {sticky: true});
      g2.addTo(cg);
    });
    overlay(cg, T.compounds_gated, true);
  }
  if (D.gates && D.gates.length) {
    var gl = L.layerGroup();
    D.gates.forEach(function (g) {
      var m3 = L.circleMarker([g.lat, g.lon], {renderer: renderer, radius: 4, weight: 2, color: '#ffffff',
        fillColor: g.used ? C.gate : C.off, fillOpacity: 1});
      m3.bindTooltip(tip([T.gate + ': ' + g.id, T.compound + ': ' + g.compound, T.status + ': ' + g.status]));
      m3.addTo(gl);
    });
    overlay(gl, T.gates, true);
  }
  if (D.highlight) {
    var hl = L.layerGroup();
    D.highlight.points.forEach(function (p) {
      var m4 = L.circleMarker([p[0], p[1]], {renderer: renderer, radius: 5, weight: 1, color: '#ffffff', fillColor: C.site, fillOpacity: 0.95});
      m4.bindTooltip(tip([p[2]]));
      m4.addTo(hl);
    });
    overlay(hl, D.highlight.label, true);
  }

  // ------------------------------------------------------------------ title box, legend, controls
  var titleBox = el('div', null, {id: 'sc-title', 'class': 'sc-box'});
  titleBox.appendChild(el('div', D.title.text, {'class': 'sc-title-text'}));
  var titleSummary = el('div', D.title.summary, {id: 'sc-title-summary'});
  titleBox.appendChild(titleSummary);
  if (D.title.after) titleBox.appendChild(el('div', D.title.after, {id: 'sc-title-after', style: 'color:' + C.site}));
  var titlePoints = el('div', D.title.points, {id: 'sc-title-points', style: 'color:#555'});
  titleBox.appendChild(titlePoints);
  var offline = el('div', T.no_basemap, {id: 'sc-offline'});
  titleBox.appendChild(offline);
  map.getContainer().appendChild(titleBox);
  L.DomEvent.disableClickPropagation(titleBox);

  function swatch(sym) {
    var e;
    if (sym.kind === 'hex') {
      e = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      e.setAttribute('width', '14'); e.setAttribute('height', '14'); e.setAttribute('viewBox', '0 0 14 14');
      var p = document.createElementNS('http://www.w3.org/2000/svg', 'polygon');
      p.setAttribute('points', '7,0 13,3.5 13,10.5 7,14 1,10.5 1,3.5');
      p.setAttribute('fill', sym.fill); p.setAttribute('fill-opacity', '0.65'); p.setAttribute('stroke', sym.fill);
      e.appendChild(p);
    } else {
      e = el('span');
      var st = e.style, size = (sym.size || (sym.kind === 'fill' ? 14 : 10)) + 'px';
      st.display = 'inline-block'; st.width = size; st.height = size; st.boxSizing = 'border-box';
      if (sym.kind === 'fill') { st.background = sym.fill; st.border = '1px solid ' + sym.stroke; }
      else if (sym.kind === 'diamond') { st.background = sym.fill; st.transform = 'rotate(45deg)'; }
      else { st.background = sym.fill; st.borderRadius = '50%'; if (sym.stroke) st.border = '2px solid ' + sym.stroke; }
    }
    e.setAttribute('class', 'sc-sw');
    return e;
  }
  var Legend = L.Control.extend({options: {position: 'bottomright'}, onAdd: function () {
    var box = el('div', null, {id: 'sc-legend', 'class': 'sc-box'});
    box.appendChild(el('div', T.legend, {style: 'font-weight:bold'}));
    D.legend.forEach(function (entry) {
      var row = el('div', null, {'class': 'sc-legend-row'});
      row.appendChild(swatch(entry[0]));
      row.appendChild(document.createTextNode(entry[1]));
      box.appendChild(row);
    });
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    return box;
  }});
  // bottom left, under the what-if panel (added later, so stacked above it): never over the legend or the table
  L.control.scale({position: 'bottomleft', imperial: false}).addTo(map);
  new Legend().addTo(map);
  var control = L.control.layers(null, null, {collapsed: false}).addTo(map);
  overlays.forEach(function (o) { control.addOverlay(o[0], html(o[1])); });

  var FS = L.Control.extend({options: {position: 'topleft'}, onAdd: function () {
    var b = L.DomUtil.create('a', 'leaflet-bar leaflet-control sc-fullscreen');
    b.href = '#'; b.title = T.fullscreen; b.setAttribute('role', 'button');
    b.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="vertical-align:middle"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
    L.DomEvent.on(b, 'click', function (e) {
      L.DomEvent.stop(e);
      var c = map.getContainer();
      if (document.fullscreenElement) document.exitFullscreen(); else if (c.requestFullscreen) c.requestFullscreen();
    });
    return b;
  }});
  new FS().addTo(map);
  // station names as labels from neighbourhood zoom on
  function labels() { map.getContainer().classList.toggle('sc-labels-off', map.getZoom() < D.labelZoom); }
  map.on('zoomend', labels);
  if (D.fit) map.fitBounds(D.fit);
  labels();
  var shown = false;
  tiles.on('tileerror', function () { if (!shown) { shown = true; offline.style.display = 'block'; } });

  // what the street basemap and the what-if tool build on
  var SC = window.SCMap = {
    map: map, data: D, tiles: tiles, control: control, renderer: renderer, bandLayers: bandLayers, heat: heat,
    households: {n: N, lon: LON, lat: LAT, w: W, cls: CLS, dots: dots, hexes: hexes, drawCells: drawCells, layers: hhLayers},
    stations: stationMarks, stationLayer: stationLayer, sites: siteMarks, el: el, tip: tip, fmt: fmt, pct: pct, html: html,
    title: {summary: titleSummary, points: titlePoints},
    changed: function () { return false; }
  };
})();
