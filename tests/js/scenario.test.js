// node --test: the what-if arithmetic of the page (coverage/output/js/scenario.js) on fixtures checked by hand.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const SCScenario = require(path.join(__dirname, '..', '..', 'coverage', 'output', 'js', 'scenario.js'));
const SCDecode = require(path.join(__dirname, '..', '..', 'coverage', 'output', 'js', 'decode.js'));

// three households (weights 10, 20, 30; the third invalid), two sites; bands 5 and 15 minutes (threshold: 15)
function table(capacity) {
  return {
    n: 3, nCodes: 2, thr: 1, bandsMin: [5, 15],
    w: new Float64Array([10, 20, 30]), st: new Uint8Array([0, 0, 2]),
    // site 0 reaches households 0 (band 0) and 1 (band 1); site 1 reaches household 1 (band 0)
    ptr: new Int32Array([0, 2, 3]), h: new Int32Array([0, 1, 1]), code: new Uint8Array([0, 1, 0]),
    capacity: capacity ? new Float64Array(capacity) : null,
  };
}

test('coverage, bands and loads for a choice of open sites', () => {
  const r = SCScenario.compute(table(), new Uint8Array([1, 0]));
  assert.equal(r.n_valid, 2);
  assert.equal(r.weight_total, 30);
  assert.equal(r.households_covered, 2);
  assert.equal(r.weight_covered, 30);
  assert.deepEqual(r.bands.map((b) => b.n_within), [1, 2]);
  assert.deepEqual(Array.from(r.loadN), [2, 0]);
  const closed = SCScenario.compute(table(), new Uint8Array([0, 0]));
  assert.equal(closed.households_covered, 0);
  assert.equal(closed.share_weight, 0);
  const other = SCScenario.compute(table(), new Uint8Array([0, 1]));
  assert.deepEqual(other.bands.map((b) => b.weight_within), [20, 20]);
});

test('households served within capacity: an exact maximum flow', () => {
  // site 0 can serve 15, site 1 can serve 12: household 0 (10) only by site 0, household 1 (20) by both
  const r = SCScenario.compute(table([15, 12]), new Uint8Array([1, 1]));
  assert.equal(r.weight_served, 10 + 5 + 12);  // 10 + 5 at site 0, 12 at site 1
  assert.equal(SCScenario.maxServed(table([15, 12]), new Uint8Array([1, 0])), 15);
  assert.equal(SCScenario.maxServed(table([0, 12]), new Uint8Array([1, 1])), 12);
  assert.equal(SCScenario.maxServed(table([100, 100]), new Uint8Array([1, 1])), 30);
});

test('links are read, and nonsense is ignored with a note', () => {
  const ids = ['a', 'b', 'c{}'], canOpen = new Uint8Array([1, 0, 1]);
  let p = SCScenario.parseHash('#remove=a&add=c%7B%7D', ids, 2, canOpen);
  assert.deepEqual([p.remove, p.add, p.notes], [['a'], ['c{}'], []]);
  p = SCScenario.parseHash('#remove=%%%', ids, 2, canOpen);
  assert.deepEqual(p.notes.map((n) => n.kind), ['malformed']);
  p = SCScenario.parseHash('#remove=a,a,zz,c%7B%7D&add=b&foo=1&&', ids, 2, canOpen);
  assert.deepEqual(p.remove, ['a']);
  assert.deepEqual(p.notes.map((n) => n.kind), ['duplicate', 'unknown_id', 'not_a_station', 'cannot_open', 'unknown_part']);
  p = SCScenario.parseHash('#remove=' + 'x'.repeat(SCScenario.MAX_HASH + 10), ids, 2, canOpen);
  assert.equal(p.notes[0].kind, 'too_long');
  assert.equal(SCScenario.hashOf(new Uint8Array([0, 1, 1]), new Uint8Array([1, 1, 0]), ids), 'remove=a&add=c%7B%7D');
});

test('ids that are names of JavaScript object properties are ids like any other', () => {
  const ids = ['__proto__', 'constructor', 'toString', '{{7*7}}'], canOpen = new Uint8Array([1, 1, 1, 1]);
  const p = SCScenario.parseHash('#remove=__proto__,constructor&add=toString,%7B%7B7*7%7D%7D,hasOwnProperty',
                                 ids, 2, canOpen);
  assert.deepEqual([p.remove, p.add], [['__proto__', 'constructor'], ['toString', '{{7*7}}']]);
  assert.deepEqual(p.notes.map((n) => n.kind), ['unknown_id']);
  const q = SCScenario.parseHash('#remove=valueOf,__proto__,__proto__', ['a', 'b'], 2, canOpen);
  assert.deepEqual([q.remove, q.notes.map((n) => n.kind)], [[], ['unknown_id', 'unknown_id', 'unknown_id']]);
});

test('the downloaded stations: text stays text, capacities are carried', () => {
  const sites = {id: ['=x', 'b'], name: ['a,"b"', ''], lon: [1.5, 2], lat: [3, null]};
  const csv = SCScenario.stationsCsv(sites, new Uint8Array([1, 1]), [40, 50], [2, null]);
  assert.equal(csv, '\ufeffid,name,lon,lat,capacity,staff\r\n\'=x,"a,""b""",1.5,3,40,2\r\n');
});

test('varints and flags decode what Python wrote', () => {
  // LEB128 of [1, 300, 0] and packbits of [1, 0, 1]
  const b64 = Buffer.from([1, 0xac, 0x02, 0]).toString('base64');
  assert.deepEqual(Array.from(SCDecode.varints(b64, 3)), [1, 300, 0]);
  assert.deepEqual(Array.from(SCDecode.flags(Buffer.from([0b10100000]).toString('base64'), 3)), [1, 0, 1]);
  assert.deepEqual([0, 1, 2, 3, 4].map(SCDecode.unzigzag), [0, -1, 1, -2, 2]);
});

test('gate openings: a cut opening adds its households to the open sites, once each (checked by hand)', () => {
  // opening 0 brings household 0 within band 0 of site 1; opening 1 brings household 1 to site 0 in band 0
  // (it is already there in band 1: it counts once, at its better band)
  const t = Object.assign(table([15, 12]), {
    gptr: new Int32Array([0, 1, 2]), gg: new Int32Array([1, 0]), gh: new Int32Array([1, 0]),
    gcode: new Uint8Array([0, 0]),
  });
  const none = SCScenario.compute(t, new Uint8Array([0, 1]), new Uint8Array([0, 0]));
  assert.equal(none.weight_covered, 20);
  const cut = SCScenario.compute(t, new Uint8Array([0, 1]), new Uint8Array([1, 0]));
  assert.equal(cut.weight_covered, 30);
  assert.deepEqual(Array.from(cut.loadN), [0, 2]);
  assert.equal(cut.weight_served, 12);  // site 1 can serve 12 of households 0 and 1 (30)
  const both = SCScenario.compute(t, new Uint8Array([1, 0]), new Uint8Array([1, 1]));
  assert.deepEqual(Array.from(both.loadN), [2, 0]);  // household 1 once at site 0
  assert.deepEqual(both.bands.map((b) => b.n_within), [2, 2]);  // household 1 now in band 0 through opening 1
  assert.equal(both.weight_served, 15);
  const h = SCScenario.hashOf(new Uint8Array([1, 0]), new Uint8Array([1, 0]), ['a', 'b'], new Uint8Array([0, 1]), ['g1', 'g{2}']);
  assert.equal(h, 'gates=g%7B2%7D');
  const p = SCScenario.parseHash('#' + h + '&gates=zz', ['a', 'b'], 1, new Uint8Array([1, 1]), ['g1', 'g{2}']);
  assert.deepEqual(p.gates, ['g{2}']);
  assert.deepEqual(p.notes.map((n) => n.kind), ['not_a_gate']);
  assert.deepEqual(SCScenario.parseHash('#gates=g1', ['a'], 1, new Uint8Array([1])).notes.map((n) => n.kind), ['unknown_part']);
});
