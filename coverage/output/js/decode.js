// Decoders for the compact data the Python side writes into the page (coverage/_encode.py):
// base64 of little-endian typed arrays, LEB128 varints, zigzag-encoded deltas and bit flags.
// Shared by the map, the street basemap and the what-if tool; runs in browsers and under node.
var SCDecode = (function () {
  'use strict';
  function bytes(b64) {
    var s = atob(b64), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }
  function typed(b64, Kind) {
    var b = bytes(b64);
    return new Kind(b.buffer, 0, b.length / Kind.BYTES_PER_ELEMENT);
  }
  // n unsigned LEB128 integers (exact up to 2^53)
  function varints(b64, n) {
    var b = bytes(b64), out = new Float64Array(n), i = 0, k = 0;
    while (k < n) {
      var v = 0, mul = 1, x;
      do { x = b[i++]; v += (x & 127) * mul; mul *= 128; } while (x & 128);
      out[k++] = v;
    }
    return out;
  }
  function unzigzag(v) { return v % 2 ? -(v + 1) / 2 : v / 2; }
  // bit flags packed most significant bit first (numpy.packbits)
  function flags(b64, n) {
    var b = bytes(b64), out = new Uint8Array(n);
    for (var h = 0; h < n; h++) out[h] = (b[h >> 3] >> (7 - (h & 7))) & 1;
    return out;
  }
  return {bytes: bytes, typed: typed, varints: varints, unzigzag: unzigzag, flags: flags};
})();
if (typeof module !== 'undefined') module.exports = SCDecode;
