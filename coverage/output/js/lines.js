// Polylines sent compactly (coverage/basemap.py): per line its vertex count, then one running
// zigzag delta over all vertices in 1e-5 degrees. Used by the street basemap and the network layer.
var SCLines = (function () {
  'use strict';
  function decode(d) {
    var cnt = SCDecode.varints(d.cnt, d.n), total = 0;
    for (var i = 0; i < d.n; i++) total += cnt[i];
    var raw = SCDecode.varints(d.xy, 2 * total), x = 0, y = 0, k = 0, lines = new Array(d.n);
    for (var j = 0; j < d.n; j++) {
      var ll = new Array(cnt[j]);
      for (var v = 0; v < cnt[j]; v++, k++) {
        x += SCDecode.unzigzag(raw[2 * k]); y += SCDecode.unzigzag(raw[2 * k + 1]);
        ll[v] = [y / 1e5, x / 1e5];
      }
      lines[j] = ll;
    }
    return lines;
  }
  function layer(d, style, renderer) {
    var g = L.layerGroup(), opts = {interactive: false};
    for (var key in style) opts[key] = style[key];
    if (renderer) opts.renderer = renderer;
    decode(d).forEach(function (ll) { L.polyline(ll, opts).addTo(g); });
    return g;
  }
  return {decode: decode, layer: layer};
})();
if (typeof module !== 'undefined') module.exports = SCLines;
