// The offline what-if tool: close stations, open candidates, drag a new station, and see coverage change.
// The numbers come from SCScenario (scenario.js) over the table the Python side wrote (coverage/whatif_map.py),
// so they are exactly CoverageResult.what_if's. The scenario lives in the URL hash; a link reopens it.
(function () {
  'use strict';
  var SC = window.SCMap, map = SC.map, D = SC.data.whatif;
  if (!D) return;
  var T = SC.data.labels, C = SC.data.colours, el = SC.el, fmt = SC.fmt, pct = SC.pct;
  var HH = SC.households, N = HH.n, S = D.sites, NS = S.id.length, NST = S.nStations;
  var st = new Uint8Array(N);  // 0 on the network, 1 off it, 2 invalid (as scenario.js counts them)
  for (var h = 0; h < N; h++) st[h] = HH.cls[h] === 3 ? 2 : HH.cls[h] === 2 ? 1 : 0;
  var cnt = SCDecode.varints(D.cnt, NS), ptr = new Int32Array(NS + 1);
  for (var s = 0; s < NS; s++) ptr[s + 1] = ptr[s] + cnt[s];
  var raw = SCDecode.varints(D.pairs, ptr[NS]), H = new Int32Array(ptr[NS]), CODE = new Uint8Array(ptr[NS]);
  for (var s1 = 0; s1 < NS; s1++) {
    var hh = 0;
    for (var k = ptr[s1]; k < ptr[s1 + 1]; k++) { var v = raw[k], c = v % D.nCodes; hh += (v - c) / D.nCodes; H[k] = hh; CODE[k] = c; }
  }
  var table = {n: N, nCodes: D.nCodes, thr: D.thr, bandsMin: D.bandsMin, w: HH.w, st: st, ptr: ptr, h: H, code: CODE,
               capacity: D.capacity ? new Float64Array(D.capacity) : null};
  // candidate gate openings: per site, (opening, household, band) triples
  var G = D.gates, NG = G ? G.id.length : 0, openG = new Uint8Array(NG);
  if (G) {
    var gcnt = SCDecode.varints(G.cnt, NS), gptr = new Int32Array(NS + 1);
    for (var g0 = 0; g0 < NS; g0++) gptr[g0 + 1] = gptr[g0] + gcnt[g0];
    var graw = SCDecode.varints(G.pairs, gptr[NS]), gg = SCDecode.varints(G.gate, gptr[NS]);
    var GH = new Int32Array(gptr[NS]), GC = new Uint8Array(gptr[NS]), GG = new Int32Array(gptr[NS]);
    for (var g1 = 0; g1 < NS; g1++) {
      var gh = 0;
      for (var k1 = gptr[g1]; k1 < gptr[g1 + 1]; k1++) {
        var v1 = graw[k1], c1 = v1 % D.nCodes; gh += (v1 - c1) / D.nCodes; GH[k1] = gh; GC[k1] = c1; GG[k1] = gg[k1];
      }
    }
    table.gptr = gptr; table.gh = GH; table.gcode = GC; table.gg = GG;
  }
  var open0 = new Uint8Array(S.open0), open = new Uint8Array(S.open0), last = null;
  // a site can be opened when it reaches the network (an off-network station stays closed)
  var canOpen = new Uint8Array(NS);
  for (var s2 = 0; s2 < NS; s2++) canOpen[s2] = open0[s2] || cnt[s2] > 0 || (s2 >= NST && S.lat[s2] !== null) ? 1 : 0;

  function changed() {
    for (var i = 0; i < NS; i++) if (open[i] !== open0[i]) return true;
    for (var j = 0; j < NG; j++) if (openG[j]) return true;
    return false;
  }
  SC.changed = changed;

  function compute() {
    var r = SCScenario.compute(table, open, NG ? openG : null), loads = [];
    for (var i = 0; i < NS; i++) {
      if (open[i]) loads.push({id: S.id[i], name: S.name[i], kind: S.kind[i], households_within: r.loadN[i], weight_within: r.loadW[i]});
    }
    loads.sort(function (a, b) { return b.weight_within - a.weight_within || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); });
    r.stations = loads;
    r.open = S.id.filter(function (_, i) { return open[i]; });
    r.gates = NG ? G.id.filter(function (_, i) { return openG[i]; }) : [];
    last = r;
    return r;
  }

  // ------------------------------------------------------------------ drawing
  function drawHouseholds(r) {
    var start = !changed();
    if (HH.dots) {
      for (var i = 0; i < N; i++) {
        var mk = HH.dots[i];
        if (!mk || st[i] !== 0) continue;
        var cls = r.best[i] <= D.thr ? (start && HH.cls[i] === 4 ? 4 : 0) : 1;
        if (mk._cls !== cls) {
          mk._cls = cls;
          mk.setStyle({fillColor: cls === 1 ? C.uncovered : cls === 4 ? C.notServed : C.covered});
        }
      }
    }
    HH.drawCells(function (i) { return st[i] === 0 && r.best[i] > D.thr; });
  }
  var candLayer = L.layerGroup(), marks = SC.stations.slice();
  function styleSite(i) {
    var mk = marks[i];
    if (!mk) return;
    if (i < NST) {
      var fill = C.station;
      if (S.util && !changed() && S.util[i] !== null) {  // the starting stations' load against capacity
        for (var k2 = 0; k2 < D.utilColours.length; k2++) if (S.util[i] <= D.utilColours[k2][0]) { fill = D.utilColours[k2][1]; break; }
      }
      var never = !open0[i] && !open[i];
      mk.setStyle(open[i] ? {fillColor: fill, color: '#ffffff', fillOpacity: 1, weight: 2, dashArray: null}
                          : {fillColor: '#ffffff', color: never ? C.off : C.station, fillOpacity: 0.9, weight: 2, dashArray: '3'});
    } else if (open[i]) {  // an opened station is a station: always drawn, on the stations' layer
      mk.setStyle({radius: 7, fillColor: C.station, color: C.site, fillOpacity: 1, weight: 3});
      if (candLayer.hasLayer(mk)) { candLayer.removeLayer(mk); }
      if (!SC.stationLayer.hasLayer(mk)) mk.addTo(SC.stationLayer);
    } else {
      mk.setStyle({radius: 3.5, fillColor: C.candidate, color: '#8c510a', fillOpacity: 0.7, weight: 0.8});
      if (SC.stationLayer.hasLayer(mk)) SC.stationLayer.removeLayer(mk);
      if (!candLayer.hasLayer(mk)) mk.addTo(candLayer);
    }
  }
  SC.stations.forEach(function (mk) { if (mk) mk.on('click', function (e) { toggle(e.target._site); }); });
  for (var s3 = NST; s3 < NS; s3++) {
    if (S.lat[s3] === null) continue;
    var mk = L.circleMarker([S.lat[s3], S.lon[s3]], {renderer: SC.renderer, radius: 4, bubblingMouseEvents: false});
    var label = (S.name[s3] || S.id[s3]) + ' (' + S.kind[s3] + ') - ' + T.click_open;
    mk.bindTooltip(document.createTextNode(label));
    mk._site = s3; marks[s3] = mk;
    mk.on('click', function (e) { toggle(e.target._site); });
  }
  for (var s4 = 0; s4 < NS; s4++) styleSite(s4);
  // candidate gate openings: few (the ones proposed), always drawn; click to cut or close one
  var gateLayer = L.layerGroup(), gateMarks = [];
  function styleGate(g) {
    var mk = gateMarks[g];
    if (mk) mk.setStyle(openG[g] ? {fillColor: C.gate, color: '#ffffff', fillOpacity: 1, weight: 2, dashArray: null}
                                 : {fillColor: '#ffffff', color: C.gate, fillOpacity: 0.9, weight: 2, dashArray: '2'});
  }
  for (var g2 = 0; g2 < NG; g2++) {
    if (G.lat[g2] === null) continue;
    var gm = L.circleMarker([G.lat[g2], G.lon[g2]], {renderer: SC.renderer, radius: 6, bubblingMouseEvents: false});
    gm.bindTooltip(document.createTextNode(G.id[g2] + ' (' + G.compound[g2] + ') - ' + T.click_gate));
    gm._gate = g2; gateMarks[g2] = gm;
    gm.on('click', function (e) { openG[e.target._gate] = openG[e.target._gate] ? 0 : 1; render(); });
    gm.addTo(gateLayer);
    styleGate(g2);
  }
  if (NG) { gateLayer.addTo(map); SC.control.addOverlay(gateLayer, SC.html(T.gate_openings)); }
  // candidates show from neighbourhood zoom on (thousands of dots would hide the city view)
  var candWanted = true, selfToggle = false, hint = null;
  map.on('overlayadd', function (e) { if (e.layer === candLayer && !selfToggle) candWanted = true; });
  map.on('overlayremove', function (e) { if (e.layer === candLayer && !selfToggle) candWanted = false; });
  function candVisible() {
    var on = candWanted && map.getZoom() >= D.candidateZoom;
    selfToggle = true;
    if (on && !map.hasLayer(candLayer)) candLayer.addTo(map);
    else if (!on && map.hasLayer(candLayer)) map.removeLayer(candLayer);
    selfToggle = false;
    if (hint) hint.style.display = candWanted && !on ? 'block' : 'none';
  }
  map.on('zoomend', candVisible);
  SC.control.addOverlay(candLayer, SC.html(T.candidates));

  // ------------------------------------------------------------------ the panel
  var Panel = L.Control.extend({options: {position: 'bottomleft'}, onAdd: function () {
    var p = el('div', null, {id: 'sc-whatif', 'class': 'sc-panel sc-box'});
    L.DomEvent.disableClickPropagation(p); L.DomEvent.disableScrollPropagation(p);
    return p;
  }});
  new Panel().addTo(map);
  var panel = document.getElementById('sc-whatif');
  panel.appendChild(el('div', T.whatif_title, {style: 'font-weight:bold'}));
  var sumLine = el('div', '', {id: 'sc-whatif-summary'}), bandLine = el('div', '', {id: 'sc-whatif-bands', style: 'color:#555'});
  var stale = el('div', T.stale, {'class': 'sc-stale', id: 'sc-whatif-stale'});
  panel.appendChild(sumLine); panel.appendChild(bandLine); panel.appendChild(stale);
  var servedLine = null;
  if (D.capacity) { servedLine = el('div', '', {id: 'sc-whatif-served', style: 'color:#1b7837'}); panel.appendChild(servedLine); }
  var notes = el('div', '', {id: 'sc-whatif-notes', style: 'color:#8a6d3b;display:none'});
  panel.appendChild(notes);
  hint = el('div', T.zoom_hint, {style: 'color:#555;display:none', id: 'sc-zoom-hint'});
  panel.appendChild(hint);
  var bReset = el('button', T.reset, {id: 'sc-reset'}), bDown = el('button', T.download, {id: 'sc-download'});
  var bNew = el('button', T.new_station, {id: 'sc-new'});
  panel.appendChild(bReset); panel.appendChild(bDown); panel.appendChild(bNew);
  var box = el('div', '', {'class': 'sc-loads'}), loadsTable = el('table', '', {id: 'sc-loads'});
  box.appendChild(loadsTable); panel.appendChild(box);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : m; });
  }
  function render() {
    var r = compute();
    drawHouseholds(r);
    sumLine.textContent = fill(T.summary, {cov: fmt(r.weight_covered), share: pct(r.share_weight), n: fmt(r.households_covered),
                                           pshare: pct(r.share)});
    if (servedLine) servedLine.textContent = fill(T.served, {served: fmt(r.weight_served), share: pct(r.share_served_weight)});
    bandLine.textContent = r.bands.map(function (b) { return b.minutes + ' ' + T.min + ': ' + fmt(b.n_within) + ' / ' + fmt(b.weight_within); }).join(' · ');
    while (loadsTable.firstChild) loadsTable.removeChild(loadsTable.firstChild);
    var head = el('tr');
    [T.station, T.within_n, T.within_w].forEach(function (t) { head.appendChild(el('th', t)); });
    loadsTable.appendChild(head);
    r.stations.forEach(function (x) {
      var tr = el('tr');
      tr.appendChild(el('td', x.name || x.id, {title: x.id}));
      tr.appendChild(el('td', fmt(x.households_within)));
      tr.appendChild(el('td', fmt(x.weight_within)));
      loadsTable.appendChild(tr);
    });
    var diff = changed();
    stale.style.display = diff ? 'block' : 'none';
    SC.bandLayers.concat(SC.heat ? [SC.heat] : []).forEach(function (lyr) {
      if (diff && map.hasLayer(lyr)) { lyr._scHidden = true; map.removeLayer(lyr); }
      else if (!diff && lyr._scHidden) { lyr._scHidden = false; map.addLayer(lyr); }
    });
    // everything on the page that shows a number follows the scenario
    SC.title.summary.textContent = fill(T.title_summary, {cov: fmt(r.weight_covered), tot: fmt(r.weight_total), share: pct(r.share_weight)});
    SC.title.points.textContent = fill(T.title_points, {cov: fmt(r.households_covered), n: fmt(r.n_valid)});
    var after = document.getElementById('sc-title-after');
    if (after) after.style.display = diff ? 'none' : 'block';
    for (var i = 0; i < NS; i++) styleSite(i);
    if (SC.onScenario) SC.onScenario(r, diff);  // population groups (coverage/output/js/people.js)
    for (var g3 = 0; g3 < NG; g3++) styleGate(g3);
    var hash = SCScenario.hashOf(open, open0, S.id, openG, G ? G.id : []);
    try { history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search); } catch (e) { /* file: URLs */ }
    return r;
  }
  function toggle(i) {
    if (!canOpen[i] && !open[i]) return;  // off the network: nothing to open
    open[i] = open[i] ? 0 : 1;
    render();
  }
  function setFrom(remove, add, gates) {
    open.set(open0);
    openG.fill(0);
    var index = Object.create(null), gIndex = Object.create(null);  // no prototype: any text is an id
    S.id.forEach(function (id, i) { index[id] = i; });
    (G ? G.id : []).forEach(function (id, i) { gIndex[id] = i; });
    (remove || []).forEach(function (id) { var i = index[id]; if (i !== undefined && i < NST) open[i] = 0; });
    (add || []).forEach(function (id) { var i = index[id]; if (i !== undefined && canOpen[i]) open[i] = 1; });
    (gates || []).forEach(function (id) { var i = gIndex[id]; if (i !== undefined) openG[i] = 1; });
  }
  function showNotes(list) {
    if (!list.length) { notes.style.display = 'none'; notes.textContent = ''; return; }
    var shown = list.slice(0, 5).map(function (n) { return (T['hash_' + n.kind] || n.kind) + ': ' + n.value; });
    notes.textContent = T.hash_ignored + ' ' + shown.join('; ') + (list.length > 5 ? ' …(+' + (list.length - 5) + ')' : '');
    notes.style.display = 'block';
  }
  bReset.onclick = function () { open.set(open0); openG.fill(0); showNotes([]); render(); };
  function stationsCsv() { return SCScenario.stationsCsv(S, open, D.capacity, S.staff); }
  bDown.onclick = function () {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([stationsCsv()], {type: 'text/csv;charset=utf-8'}));
    a.download = 'stations-scenario.csv';
    document.body.appendChild(a); a.click(); a.remove();
  };
  function nearestCandidate(ll) {
    var bestS = -1, bd = Infinity, cs = Math.cos(ll.lat * Math.PI / 180);
    for (var i = NST; i < NS; i++) {
      if (S.lat[i] === null) continue;
      var dx = (S.lon[i] - ll.lng) * cs, dy = S.lat[i] - ll.lat, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; bestS = i; }
    }
    return bestS;
  }
  bNew.onclick = function () {
    var icon = L.divIcon({className: 'sc-newstation', html: '+', iconSize: [22, 22]});
    var m = L.marker(map.getCenter(), {draggable: true, icon: icon, title: T.drag_hint}).addTo(map);
    m.on('dragend', function () { var i = nearestCandidate(m.getLatLng()); map.removeLayer(m); if (i >= 0) { open[i] = 1; render(); } });
  };
  function fromHash() {
    var parsed = SCScenario.parseHash(location.hash, S.id, NST, canOpen, G ? G.id : []);
    showNotes(parsed.notes);
    setFrom(parsed.remove, parsed.add, parsed.gates);
  }
  candVisible();
  fromHash();
  render();
  window.addEventListener('hashchange', function () {
    if (location.hash.replace(/^#/, '') === SCScenario.hashOf(open, open0, S.id, openG, G ? G.id : [])) return;  // our own replaceState
    fromHash(); render();
  });

  function items(lo, hi) {
    var out = [];
    for (var i = lo; i < hi; i++) out.push({id: S.id[i], lon: S.lon[i], lat: S.lat[i], name: S.name[i], kind: S.kind[i]});
    return out;
  }
  function strip(r) {
    return {weight_served: r.weight_served, share_served_weight: r.share_served_weight, households_covered: r.households_covered,
            weight_covered: r.weight_covered, weight_total: r.weight_total, n_valid: r.n_valid, share: r.share,
            share_weight: r.share_weight, bands: r.bands, stations: r.stations, open: r.open, gates: r.gates};
  }
  window.serviceCoverage = {
    stations: function () { return items(0, NST); },
    candidates: function () { return items(NST, NS); },
    openings: function () {
      var out = [];
      for (var g = 0; g < NG; g++) out.push({id: G.id[g], compound: G.compound[g], lon: G.lon[g], lat: G.lat[g]});
      return out;
    },
    apply: function (scn) { scn = scn || {}; setFrom(scn.remove, scn.add, scn.gates); return strip(render()); },
    summary: function () { return strip(last); },
    stationsCsv: stationsCsv,
    time: function (scn) { var t = performance.now(); this.apply(scn); return performance.now() - t; }
  };
})();
