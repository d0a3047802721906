"""Names a planner can find on the ground, for proposed sites that are network places.

A site keeps its own name (a candidate file's, a facility's). A network
place (``node2469951310``) is named after the nearest named community
facility within :data:`SITE_FACILITY_M` ("near 红旗小学"), else the nearest
named street within :data:`SITE_STREET_M` ("on 红旗大街"), from the
extract's facilities and street names (read once with the network, or from
their cache). Part of the analyse step (:func:`coverage.products.analyse`):
the renderers draw the names, they never look them up.
"""

from __future__ import annotations

import numpy as np

#: A proposed site is named after a named facility this close, else after the nearest named street this close.
SITE_FACILITY_M = 150.0
SITE_STREET_M = 200.0

#: How a name is written, by language.
NAME_FORMATS = {
    "en": {"near_facility": "near {name}", "near_street": "on {name}"},
    "zh": {"near_facility": "{name}附近", "near_street": "{name}旁"},
}


def segment_distances(px, py, ax, ay, bx, by) -> np.ndarray:
    """Distances from one point to many segments."""
    dx, dy = bx - ax, by - ay
    L2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / L2, 0.0, 1.0)
    return np.hypot(ax + t * dx - px, ay + t * dy - py)


def named_sites(result, sites, lang: str = "en"):
    """The proposed sites with a ``name`` a planner can find on the ground.

    A site keeps its own name (a candidate file's, a facility's); a network
    place (``node2469951310``) is named after the nearest named community
    facility within 150 m ("near 红旗小学"), else the nearest named street
    within 200 m ("on 红旗大街"), from the OpenStreetMap extract; otherwise
    it stays unnamed (its id is shown). Returns a copy; ``sites`` is unchanged.
    """
    if sites is None or not len(sites):
        return sites
    out = sites.copy()
    names = out["name"].tolist() if "name" in out else [None] * len(out)
    missing = [i for i, n in enumerate(names) if not (isinstance(n, str) and n.strip())]
    if not missing:
        return out
    T = NAME_FORMATS.get(lang, NAME_FORMATS["en"])
    try:
        from .osm import products_of

        prod = products_of(result.network)
    except (OSError, ValueError, KeyError):  # naming is a convenience, never a reason to fail
        prod = None
    if prod is None:
        return out
    net = result.network
    pts = out.to_crs(net.crs)
    px, py = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    fac = None
    try:
        from .osm import FACILITY_AMENITIES  # the co-location places of the what-if map

        fac = prod.facility_points(FACILITY_AMENITIES)
        fac = fac[fac["name"].fillna("").astype(str).str.strip() != ""].to_crs(net.crs)
    except (OSError, ValueError, KeyError):
        fac = None
    street = prod.street_names or {}
    way = np.asarray(net.edge_way)
    named = np.array([int(w) in street for w in way.tolist()], dtype=bool) if len(way) else np.zeros(0, bool)
    xy = net.xy
    eu, ev = np.asarray(net.edge_u)[named], np.asarray(net.edge_v)[named]
    ew = way[named]
    for i in missing:
        if not (np.isfinite(px[i]) and np.isfinite(py[i])):
            continue
        if fac is not None and len(fac):
            d = np.hypot(fac.geometry.x.to_numpy() - px[i], fac.geometry.y.to_numpy() - py[i])
            j = int(np.argmin(d))
            if d[j] <= SITE_FACILITY_M:
                names[i] = T["near_facility"].format(name=str(fac["name"].iloc[j]))
                continue
        if eu.size:
            d = segment_distances(px[i], py[i], xy[eu, 0], xy[eu, 1], xy[ev, 0], xy[ev, 1])
            j = int(np.argmin(d))
            if d[j] <= SITE_STREET_M:
                names[i] = T["near_street"].format(name=street[int(ew[j])])
    out["name"] = names
    return out
