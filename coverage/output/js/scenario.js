// The what-if arithmetic, with no drawing: coverage, bands, loads and the households served within capacity
// for any choice of open sites, from the table of who is within reach of which site (coverage/scenario.py).
// Pure functions over typed arrays, so node --test checks them on small fixtures (tests/js/).
var SCScenario = (function () {
  'use strict';

  // t: {n, nCodes, thr, bandsMin, w: Float64Array, st: Uint8Array (0 ok, 1 off the network, 2 invalid),
  //     ptr: Int32Array (nSites + 1), h: Int32Array, code: Uint8Array, capacity: Float64Array or null,
  //     and with candidate gate openings: gptr: Int32Array (nSites + 1), gg: Int32Array (opening), gh, gcode}
  // openG[g]: opening g is cut (its compound's households reach the sites through it too)
  function compute(t, open, openG) {
    var N = t.n, NC = t.nCodes, THR = t.thr, NS = t.ptr.length - 1;
    var best = new Uint8Array(N).fill(NC);
    var loadN = new Float64Array(NS), loadW = new Float64Array(NS);
    var gates = !!(t.gptr && openG), mark = gates ? new Int32Array(N) : null;
    for (var s = 0; s < NS; s++) {
      if (!open[s]) continue;
      var n = 0, w = 0;
      for (var k = t.ptr[s]; k < t.ptr[s + 1]; k++) {
        var h = t.h[k], c = t.code[k];
        if (c < best[h]) best[h] = c;
        if (c <= THR) { n++; w += t.w[h]; if (gates) mark[h] = s + 1; }
      }
      if (gates) {  // through the cut openings: each household counts once per site
        for (var k2 = t.gptr[s]; k2 < t.gptr[s + 1]; k2++) {
          if (!openG[t.gg[k2]]) continue;
          var h2 = t.gh[k2], c2 = t.gcode[k2];
          if (c2 < best[h2]) best[h2] = c2;
          if (c2 <= THR && mark[h2] !== s + 1) { mark[h2] = s + 1; n++; w += t.w[h2]; }
        }
      }
      loadN[s] = n; loadW[s] = w;
    }
    var nValid = 0, wTotal = 0, bn = new Array(NC).fill(0), bw = new Array(NC).fill(0);
    for (var i = 0; i < N; i++) {
      if (t.st[i] === 2) continue;
      nValid++; wTotal += t.w[i];
      for (var b = best[i]; b < NC; b++) { bn[b]++; bw[b] += t.w[i]; }
    }
    var bands = t.bandsMin.map(function (m, j) {
      return {minutes: m, n_within: bn[j], weight_within: bw[j], share: nValid ? bn[j] / nValid : null,
              share_weight: wTotal ? bw[j] / wTotal : null};
    });
    var served = t.capacity ? Math.round(maxServed(t, open, openG) * 1e6) / 1e6 : null;
    return {best: best, loadN: loadN, loadW: loadW, n_valid: nValid, weight_total: wTotal,
            households_covered: bn[THR], weight_covered: bw[THR], share: bands[THR].share,
            share_weight: bands[THR].share_weight, bands: bands, weight_served: served,
            share_served_weight: served === null ? null : (wTotal ? served / wTotal : null)};
  }

  // The most households served: an exact maximum flow (Dinic) from the households (their weight) through the
  // open sites within the threshold (their capacity). The served total is unique, so it equals Python's.
  function maxServed(t, open, openG) {
    var N = t.n, NS = t.ptr.length - 1, THR = t.thr, CAP = t.capacity, gates = !!(t.gptr && openG);
    var hNode = new Int32Array(N).fill(-1), sNode = new Int32Array(NS).fill(-1), n = 2;
    var to = [], cap = [], head = [-1, -1], next = [];
    function edge(u, v, c) {
      to.push(v); cap.push(c); next.push(head[u]); head[u] = to.length - 1;
      to.push(u); cap.push(0); next.push(head[v]); head[v] = to.length - 1;
    }
    function node() { head.push(-1); return n++; }
    function pair(h, s) {
      if (t.st[h] === 2 || !(t.w[h] > 0)) return;
      if (hNode[h] < 0) { hNode[h] = node(); edge(0, hNode[h], t.w[h]); }
      if (sNode[s] < 0) { sNode[s] = node(); edge(sNode[s], 1, CAP[s]); }
      edge(hNode[h], sNode[s], Infinity);
    }
    for (var s = 0; s < NS; s++) {
      if (!open[s] || !(CAP[s] > 0)) continue;
      for (var k = t.ptr[s]; k < t.ptr[s + 1]; k++) if (t.code[k] <= THR) pair(t.h[k], s);
      if (gates) {
        for (var k2 = t.gptr[s]; k2 < t.gptr[s + 1]; k2++) if (openG[t.gg[k2]] && t.gcode[k2] <= THR) pair(t.gh[k2], s);
      }
    }
    var level = new Int32Array(n), it = new Int32Array(n), queue = new Int32Array(n), total = 0, EPS = 1e-9;
    var c = Float64Array.from(cap);
    for (;;) {
      level.fill(-1); level[0] = 0;
      var qh = 0, qt = 0; queue[qt++] = 0;
      while (qh < qt) {
        var u = queue[qh++];
        for (var e = head[u]; e >= 0; e = next[e]) {
          if (c[e] > EPS && level[to[e]] < 0) { level[to[e]] = level[u] + 1; queue[qt++] = to[e]; }
        }
      }
      if (level[1] < 0) break;
      for (var i = 0; i < n; i++) it[i] = head[i];
      for (;;) {  // one augmenting path at a time along the level graph (iterative depth-first search)
        var path = [], x = 0, found = false;
        for (;;) {
          if (x === 1) { found = true; break; }
          var f = it[x];
          while (f >= 0 && !(c[f] > EPS && level[to[f]] === level[x] + 1)) f = next[f];
          it[x] = f;
          if (f < 0) {
            if (x === 0) break;
            level[x] = -1;
            var back = path.pop();
            x = to[back ^ 1];
            it[x] = next[it[x]];
            continue;
          }
          path.push(f); x = to[f];
        }
        if (!found) break;
        var flow = Infinity;
        for (var j = 0; j < path.length; j++) flow = Math.min(flow, c[path[j]]);
        for (var j2 = 0; j2 < path.length; j2++) { c[path[j2]] -= flow; c[path[j2] ^ 1] += flow; }
        total += flow;
      }
    }
    return total;
  }

  //: the longest link the page reads back (longer ones are cut, with a note)
  var MAX_HASH = 100000;

  // A scenario link: '#remove=a,b&add=c'. Anything else (garbage, unknown ids, duplicates, ids that cannot be
  // removed or added, over-long links) is ignored, each with a note. ids: every site's id; nStations: the
  // first nStations sites are the stations; canOpen[s]: the site can be opened.
  function parseHash(hash, ids, nStations, canOpen, gateIds) {
    var out = {remove: [], add: [], gates: [], notes: []};
    var gIndex = Object.create(null);  // no prototype: any text is a gate id
    (gateIds || []).forEach(function (id, g) { gIndex[id] = g; });
    var text = String(hash || '').replace(/^#/, '');
    if (!text) return out;
    if (text.length > MAX_HASH) { out.notes.push({kind: 'too_long', value: text.length}); text = text.slice(0, MAX_HASH); }
    var index = Object.create(null);  // no prototype: an id such as '__proto__' or 'constructor' is an id
    for (var s = 0; s < ids.length; s++) index[ids[s]] = s;
    var seen = Object.create(null);
    text.split('&').forEach(function (part) {
      if (!part) return;
      var eq = part.indexOf('=');
      var key = eq < 0 ? part : part.slice(0, eq);
      if (key !== 'remove' && key !== 'add' && !(key === 'gates' && gateIds && gateIds.length)) {
        out.notes.push({kind: 'unknown_part', value: part.slice(0, 60)}); return;
      }
      part.slice(eq + 1).split(',').forEach(function (raw) {
        if (!raw) return;
        var id;
        try { id = decodeURIComponent(raw); } catch (e) { out.notes.push({kind: 'malformed', value: raw.slice(0, 60)}); return; }
        if (key === 'gates') {
          if (!(id in gIndex)) { out.notes.push({kind: 'not_a_gate', value: id.slice(0, 60)}); return; }
          if (seen['gates\u0000' + id]) { out.notes.push({kind: 'duplicate', value: id.slice(0, 60)}); return; }
          seen['gates\u0000' + id] = true;
          out.gates.push(id);
          return;
        }
        if (!(id in index)) { out.notes.push({kind: 'unknown_id', value: id.slice(0, 60)}); return; }
        var s2 = index[id];
        if (seen[key + '\u0000' + id]) { out.notes.push({kind: 'duplicate', value: id.slice(0, 60)}); return; }
        seen[key + '\u0000' + id] = true;
        if (key === 'remove' && s2 >= nStations) { out.notes.push({kind: 'not_a_station', value: id.slice(0, 60)}); return; }
        if (key === 'add' && !canOpen[s2]) { out.notes.push({kind: 'cannot_open', value: id.slice(0, 60)}); return; }
        out[key].push(id);
      });
    });
    return out;
  }

  function hashOf(open, open0, ids, openG, gateIds) {
    var rem = [], add = [], cut = [];
    for (var s = 0; s < ids.length; s++) {
      if (open0[s] && !open[s]) rem.push(ids[s]);
      if (!open0[s] && open[s]) add.push(ids[s]);
    }
    for (var g = 0; openG && g < openG.length; g++) if (openG[g]) cut.push(gateIds[g]);
    var enc = function (x) { return encodeURIComponent(x); };
    var parts = [];
    if (rem.length) parts.push('remove=' + rem.map(enc).join(','));
    if (add.length) parts.push('add=' + add.map(enc).join(','));
    if (cut.length) parts.push('gates=' + cut.map(enc).join(','));
    return parts.join('&');
  }

  function csvCell(x) {
    x = String(x === null || x === undefined ? '' : x);
    if (/^[=+\-@\t\r]/.test(x)) x = "'" + x;
    return /[",\n\r]/.test(x) ? '"' + x.replace(/"/g, '""') + '"' : x;
  }

  // The open sites as a CSV that `service-coverage analyze --stations` reads back (with --capacity-col capacity
  // when the stations have capacities, so the page's served figure is reproduced).
  function stationsCsv(sites, open, capacity, staff) {
    var head = ['id', 'name', 'lon', 'lat'];
    if (capacity) head.push('capacity');
    if (staff) head.push('staff');
    var rows = [head.join(',')];
    for (var s = 0; s < sites.id.length; s++) {
      if (!open[s] || sites.lat[s] === null) continue;
      var row = [csvCell(sites.id[s]), csvCell(sites.name[s]), sites.lon[s], sites.lat[s]];
      if (capacity) row.push(capacity[s]);
      if (staff) row.push(staff[s] === null || staff[s] === undefined ? '' : staff[s]);
      rows.push(row.join(','));
    }
    return '\ufeff' + rows.join('\r\n') + '\r\n';
  }

  return {compute: compute, maxServed: maxServed, parseHash: parseHash, hashOf: hashOf, csvCell: csvCell,
          stationsCsv: stationsCsv, MAX_HASH: MAX_HASH};
})();
if (typeof module !== 'undefined') module.exports = SCScenario;
