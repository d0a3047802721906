// Population groups and accessibility on the meeting map (coverage/output/people_map.py): a layer of access by
// residential point with its legend, and each group's people within the threshold in a panel that follows the
// what-if scenario for the groups walking at the run's own profile (the others stay the starting scenario's).
// Every text from the data reaches the page as DOM text, never as markup.
(function () {
  'use strict';
  var SC = window.SCMap;
  if (!SC || !SC.data.people) return;
  var P = SC.data.people, map = SC.map, el = SC.el, HH = SC.households, N = HH.n;
  function pct(x) { return x === null || x === undefined || !isFinite(x) ? '-' : (100 * x).toFixed(1) + '%'; }
  function fmt(x) { return SC.fmt(x); }

  // ------------------------------------------------------------------ access by residential point
  if (P.access) {
    var A = SCDecode.typed(P.access.values, Float32Array), B = P.access.breaks, layer = L.layerGroup();
    var colourOf = function (v) {
      if (!(v > 0)) return P.access.none;
      var k = 0;
      while (k < B.length && v > B[k]) k++;
      return P.access.colours[k];
    };
    for (var h = 0; h < N; h++) {
      if (!isFinite(A[h]) || HH.cls[h] === 3) continue;
      var mk = L.circleMarker([HH.lat[h] / 1e6, HH.lon[h] / 1e6], {renderer: SC.renderer, radius: 3.5, weight: 0.5,
        color: '#555555', fillColor: colourOf(A[h]), fillOpacity: 0.9});
      mk._h = h;
      mk.bindTooltip(function (l) { return SC.tip([P.access.label, A[l._h].toFixed(3)]); });
      mk.addTo(layer);
    }
    SC.control.addOverlay(layer, SC.html(P.access.label));
    var AccessLegend = L.Control.extend({options: {position: 'bottomright'}, onAdd: function () {
      var box = el('div', null, {id: 'sc-access-legend', 'class': 'sc-box'});
      box.appendChild(el('div', P.access.label, {style: 'font-weight:bold'}));
      P.access.legend.forEach(function (entry) {
        var row = el('div', null, {'class': 'sc-legend-row'}), sw = el('span', null, {'class': 'sc-sw'});
        sw.style.display = 'inline-block'; sw.style.width = '10px'; sw.style.height = '10px';
        sw.style.borderRadius = '50%'; sw.style.background = entry[0]; sw.style.border = '1px solid #555';
        row.appendChild(sw); row.appendChild(document.createTextNode(entry[1]));
        box.appendChild(row);
      });
      return box;
    }});
    var accessLegend = new AccessLegend();
    map.on('overlayadd', function (e) { if (e.layer === layer) accessLegend.addTo(map); });
    map.on('overlayremove', function (e) { if (e.layer === layer) accessLegend.remove(); });
  }

  // ------------------------------------------------------------------ groups: people within the threshold
  if (P.groups) {
    var G = P.groups.map(function (g) {
      return {name: g.name, follows: g.follows, counts: SCDecode.typed(g.counts, Float64Array), covered: g.covered0,
              total: g.total, note: g.note};
    });
    var cells = [];
    var GroupBox = L.Control.extend({options: {position: 'bottomleft'}, onAdd: function () {
      var box = el('div', null, {id: 'sc-groups', 'class': 'sc-box sc-panel'});
      box.appendChild(el('div', P.labels.groups, {style: 'font-weight:bold'}));
      var t = el('table');
      G.forEach(function (g) {
        var tr = el('tr'), v = el('td', '');
        tr.appendChild(el('td', g.name, {title: g.note}));
        tr.appendChild(v);
        tr.appendChild(el('td', g.note, {style: 'color:#777;text-align:left'}));
        t.appendChild(tr); cells.push(v);
      });
      box.appendChild(t);
      L.DomEvent.disableClickPropagation(box);
      return box;
    }});
    new GroupBox().addTo(map);
    var show = function () {
      G.forEach(function (g, i) {
        cells[i].textContent = fmt(g.covered) + ' / ' + fmt(g.total) + ' (' + pct(g.total ? g.covered / g.total : NaN) + ')';
      });
    };
    show();
    var W = SC.data.whatif;
    // the what-if tool calls this after every change (coverage/output/js/whatif.js)
    SC.onScenario = function (r) {
      G.forEach(function (g) {
        if (!g.follows) return;
        var c = 0;
        for (var h = 0; h < N; h++) {
          var cls = HH.cls[h];
          if (cls !== 2 && cls !== 3 && r.best[h] <= W.thr) c += g.counts[h];
        }
        g.covered = c;
      });
      show();
    };
    window.SCPeople = {groups: function () {
      var out = {};
      G.forEach(function (g) { out[g.name] = {covered: g.covered, total: g.total, follows: g.follows}; });
      return out;
    }};
  }
})();
