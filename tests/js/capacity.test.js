// node --test: the page's capacity max-flow (SCScenario.maxServed) against the min-cut bound, on tiny fixtures.
// Households served within the open sites' capacities is a transportation problem; by max-flow min-cut its
// optimum is min over household subsets A of weight(outside A) + capacity(sites reaching A), enumerated here.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const SCScenario = require(path.join(__dirname, '..', '..', 'coverage', 'output', 'js', 'scenario.js'));

function rng(seed) {  // a small deterministic generator (mulberry32)
  return function () {
    seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function instance(r, nH, nS) {
  const w = Float64Array.from({length: nH}, () => 1 + Math.floor(r() * 20));
  const st = Uint8Array.from({length: nH}, () => (r() < 0.15 ? 2 : 0));  // some households invalid
  const ptr = [0], h = [], code = [];
  for (let s = 0; s < nS; s++) {
    for (let i = 0; i < nH; i++) {
      if (r() < 0.45) { h.push(i); code.push(r() < 0.8 ? 0 : 1); }  // band 1 is beyond the threshold
    }
    ptr.push(h.length);
  }
  const capacity = Float64Array.from({length: nS}, () => Math.floor(r() * 30));
  return {n: nH, nCodes: 2, thr: 0, bandsMin: [15, 30], w, st, ptr: Int32Array.from(ptr), h: Int32Array.from(h),
          code: Uint8Array.from(code), capacity};
}

function minCut(t, open) {
  const nS = t.ptr.length - 1;
  const reach = Array.from({length: t.n}, () => []);
  for (let s = 0; s < nS; s++) {
    if (!open[s]) continue;
    for (let k = t.ptr[s]; k < t.ptr[s + 1]; k++) if (t.code[k] <= t.thr) reach[t.h[k]].push(s);
  }
  let best = Infinity;
  for (let mask = 0; mask < (1 << t.n); mask++) {
    let cut = 0;
    const sites = new Set();
    for (let i = 0; i < t.n; i++) {
      const w = t.st[i] === 2 ? 0 : t.w[i];
      if (mask & (1 << i)) reach[i].forEach((s) => sites.add(s)); else cut += w;
    }
    sites.forEach((s) => { cut += t.capacity[s]; });
    best = Math.min(best, cut);
  }
  return best;
}

test('households served equal the min-cut bound on 300 random instances', () => {
  const r = rng(20);
  for (let k = 0; k < 300; k++) {
    const t = instance(r, 1 + Math.floor(r() * 7), 1 + Math.floor(r() * 4));
    const open = Uint8Array.from({length: t.ptr.length - 1}, () => (r() < 0.8 ? 1 : 0));
    assert.ok(Math.abs(SCScenario.maxServed(t, open) - minCut(t, open)) < 1e-6, `instance ${k}`);
  }
});

test('a hand-checked chain: capacity flows around a full station', () => {
  // households a (10) and b (10); station 0 (capacity 10) reaches both, station 1 (capacity 10) reaches b only:
  // the exact answer serves a at 0 and b at 1 (20); nearest-then-cap could give b to 0 and strand a (10)
  const t = {n: 2, nCodes: 1, thr: 0, bandsMin: [15], w: new Float64Array([10, 10]), st: new Uint8Array([0, 0]),
             ptr: new Int32Array([0, 2, 3]), h: new Int32Array([1, 0, 1]), code: new Uint8Array([0, 0, 0]),
             capacity: new Float64Array([10, 10])};
  assert.equal(SCScenario.maxServed(t, new Uint8Array([1, 1])), 20);
  assert.equal(SCScenario.maxServed(t, new Uint8Array([0, 1])), 10);
});
