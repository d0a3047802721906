// The walking network drawn as a light street basemap, with street names from neighbourhood zoom on,
// for a map opened with no internet; it steps aside when map tiles load and comes back if they fail.
(function () {
  'use strict';
  var SC = window.SCMap, map = SC.map, D = SC.data.streets;
  if (!D) return;
  map.createPane('scStreets');
  map.getPane('scStreets').style.zIndex = 250;
  map.getPane('scStreets').style.pointerEvents = 'none';
  var streets = SCLines.layer(D, {color: '#9a9a9a', weight: 1.2, opacity: 0.8},
                              L.canvas({pane: 'scStreets', padding: 0.3}));
  var labels = L.layerGroup(), shown = true;
  function drawLabels() {
    labels.clearLayers();
    if (!shown || map.getZoom() < D.labelZoom) return;
    var b = map.getBounds().pad(0.1), n = 0;
    for (var i = 0; i < D.labels.length && n < 400; i++) {
      var l = D.labels[i];
      if (!b.contains([l[1], l[0]])) continue;
      var icon = L.divIcon({className: 'sc-street-label', html: SC.el('span', l[2]), iconSize: null});
      L.marker([l[1], l[0]], {icon: icon, interactive: false, keyboard: false, pane: 'scStreets'}).addTo(labels);
      n++;
    }
  }
  function show(on) {
    shown = on;
    if (on) { streets.addTo(map); labels.addTo(map); } else { map.removeLayer(streets); map.removeLayer(labels); }
    drawLabels();
  }
  show(true);
  map.on('moveend zoomend', drawLabels);
  SC.tiles.on('tileload', function () { if (shown) show(false); });
  SC.tiles.on('tileerror', function () { if (!shown) show(true); });
  window.serviceCoverageStreets = {lines: D.n, labels: D.labels.length, shown: function () { return shown && map.hasLayer(streets); }};
})();
