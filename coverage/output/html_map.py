"""Meeting-ready interactive maps that work without internet.

The page is a folium map shell (Leaflet and leaflet-heat inlined as data URIs
from installed packages: XStatic-Leaflet and folium's own
``leaflet_heat.min.js``) holding two things only:

* the data, as one JSON document in ``<script type="application/json">``
  (:func:`page_data`): bands, residential points or hex cells, stations,
  proposed sites, gated compounds, the street basemap, the what-if table,
  labels and the legend;
* the page code, from the package's ``js/`` folder (``decode.js``,
  ``lines.js``, ``scenario.js``, ``map.js``, ``streets.js``, ``whatif.js``),
  which draws every layer from that data.

No text from the data is ever template source or markup: it reaches the page
as JSON and the DOM as text (:mod:`coverage.output._html`). So a saved map, and the
map shown inline in a notebook, draws every layer on a meeting-room laptop
with no network; only the basemap tiles need internet, and without them the
map says so and draws the walking network as a light street basemap.
"""

from __future__ import annotations

import base64
import json
import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from .._encode import b64_array, varint
from .._files import atomic_path
from .._hex import hex_cells
from ._html import add_data, add_html, add_script, esc
from .mapdata import (
    BAND_OPACITY,
    COMPOUND_CHANGED_COLOUR,
    COMPOUND_COLOUR,
    COVERED_COLOUR,
    GATE_COLOUR,
    LABEL_MIN_ZOOM,
    LABELS,
    NOT_SERVED_COLOUR,
    OFF_NETWORK_COLOUR,
    OSM_ATTRIBUTION,
    OSM_ATTRIBUTIONS,
    SITE_COLOUR,
    STATION_COLOUR,
    UNCOVERED_COLOUR,
    UTILISATION_COLOURS,
    MapData,
    band_colour,
    band_label,
    rgba,
)

if TYPE_CHECKING:
    import folium

    from .._types import PathLike

CANDIDATE_COLOUR = "#f4a582"
#: The page code, in the order it runs.
PAGE_SCRIPTS = ("decode.js", "lines.js", "scenario.js", "map.js", "streets.js", "people.js", "whatif.js")


# --------------------------------------------------------------- offline assets and page code
def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@lru_cache(maxsize=1)
def offline_assets() -> dict[str, tuple[tuple[str, str], ...]]:
    """Leaflet (script and stylesheet, its images inlined) and leaflet-heat as data URIs,
    from installed packages."""
    import folium
    import xstatic.pkg.leaflet as xl

    base = Path(xl.BASE_DIR)
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def img(m):
        p = base / m.group(1)
        return f"url({_data_uri(p.read_bytes(), 'image/png')})" if p.exists() else m.group(0)

    css = re.sub(r"url\((images/[^)]+\.png)\)", img, css)
    heat = Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js"
    return {
        "js": (
            ("leaflet", _data_uri((base / "leaflet.js").read_bytes(), "text/javascript")),
            ("leaflet-heat.js", _data_uri(heat.read_bytes(), "text/javascript")),
        ),
        "css": (("leaflet_css", _data_uri(css.encode(), "text/css")),),
    }


@cache
def page_script(name: str) -> str:
    """One of the page's scripts (package data in ``coverage/output/js``)."""
    return resources.files("coverage.output").joinpath("js").joinpath(name).read_text(encoding="utf-8")


_STYLE = (
    "<style>.leaflet-container{background:#f2efe9}"
    ".sc-box{background:rgba(255,255,255,0.93);padding:8px 10px;border-radius:6px;"
    "box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px sans-serif}"
    "#sc-title{position:absolute;top:10px;left:50px;z-index:1000;font-size:14px;max-width:430px}"
    ".sc-title-text{font-weight:bold;font-size:16px}"
    "#sc-offline{display:none;margin-top:4px;background:#fff3cd;padding:3px 6px;border-radius:4px;"
    "font-size:12px}"
    ".sc-legend-row{margin:1px 0}.sc-sw{margin:0 8px 0 2px;vertical-align:middle}"
    ".sc-station-label{background:rgba(255,255,255,0.85);border:none;box-shadow:none;padding:0 4px;"
    "font:12px sans-serif;color:#3f2a66}"
    ".sc-station-label:before{display:none}.sc-labels-off .sc-station-label{display:none}"
    ".sc-site-icon{position:relative;width:18px;height:18px}"
    f".sc-site-diamond{{position:absolute;inset:0;background:{SITE_COLOUR};border:2px solid #fff;"
    "transform:rotate(45deg);box-shadow:0 0 3px rgba(0,0,0,0.5);box-sizing:border-box}"
    ".sc-site-rank{position:absolute;inset:0;text-align:center;line-height:18px;color:#fff;"
    "font:bold 11px sans-serif}"
    ".sc-street-label{color:#555;font:11px sans-serif;white-space:nowrap;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff;pointer-events:none;transform:translate(-50%,-50%)}"
    ".sc-panel{max-width:340px}.sc-panel button{margin:2px 4px 2px 0;font:12px sans-serif;cursor:pointer}"
    ".sc-panel table{border-collapse:collapse;width:100%}"
    ".sc-panel td,.sc-panel th{padding:1px 4px;text-align:right;height:17px;line-height:17px;"
    "box-sizing:content-box}"
    ".sc-panel td:first-child,.sc-panel th:first-child{text-align:left;max-width:170px;overflow:hidden;"
    "text-overflow:ellipsis;white-space:nowrap}.sc-loads{max-height:171px;overflow:auto;margin-top:4px}"
    ".sc-stale{color:#8a6d3b;display:none}.sc-newstation{font-size:20px;line-height:20px;text-align:center;"
    f"color:#fff;background:{STATION_COLOUR};border:2px solid {SITE_COLOUR};border-radius:50%}}</style>"
)


# --------------------------------------------------------------- helpers
def _round6(geoms):
    """Round coordinates to 1e-6 degrees (about 0.1 m): a much smaller page."""
    return shapely.transform(geoms, lambda c: np.round(c, 6))


def _geometry(g) -> dict | None:
    if g is None or shapely.is_empty(g):
        return None
    g = _round6(g)
    if g.geom_type == "Polygon":  # from the coordinate arrays: much faster than a GeoJSON text parsed back
        return {"type": "Polygon", "coordinates": _polygon_coordinates(g)[0]}
    if g.geom_type == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": _polygon_coordinates(g)}
    return json.loads(shapely.to_geojson(g))


def _ring_geojson(outer, inner) -> dict:
    """A band ring: the band's polygons and, inside them, the narrower band's.

    The bands nest by construction, so drawn with Leaflet's even-odd fill the
    narrower band's area is left out: the ring, without a costly overlay.
    """
    parts = []
    for g in (outer, inner):
        if g is None or g.is_empty:
            continue
        parts += _polygon_coordinates(_round6(g))
    return {"type": "MultiPolygon", "coordinates": parts}


def _polygon_coordinates(g) -> list:
    """A polygon's or multipolygon's GeoJSON coordinates (one list of rings per polygon), from its arrays."""
    polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
    out = []
    for poly in polys:
        rings = [poly.exterior, *poly.interiors]
        out.append([shapely.get_coordinates(r).tolist() for r in rings])
    return out


def _morton_order(x, y, ok) -> np.ndarray:
    """Households in a Z-order over their position: each site's list of neighbours has small gaps."""
    key = np.full(x.size, np.iinfo(np.int64).max, dtype=np.int64)
    if ok.any():
        xs, ys = x[ok], y[ok]
        qx = ((xs - xs.min()) / max(1e-9, np.ptp(xs)) * 65535).astype(np.int64)
        qy = ((ys - ys.min()) / max(1e-9, np.ptp(ys)) * 65535).astype(np.int64)
        k = np.zeros(qx.size, dtype=np.int64)
        for b in range(16):
            k |= ((qx >> b) & 1) << (2 * b) | ((qy >> b) & 1) << (2 * b + 1)
        key[ok] = k
    return np.lexsort((np.arange(x.size), key))


def _sym(kind: str, fill: str, stroke: str | None = None, size: int | None = None) -> dict:
    return {"kind": kind, "fill": fill, "stroke": stroke, "size": size}


def _not_served(result, md: MapData) -> np.ndarray:
    h = result.households
    if "served_weight" not in h:
        return np.zeros(md.covered.size, dtype=bool)
    return md.covered & (h["served_weight"].to_numpy() < md.weight - 1e-6)


def _template(text: str, *, s_min: float) -> str:
    """A label with its number formats replaced by plain placeholders the page fills in."""
    return (
        text.replace("{cov:,.0f}", "{cov}")
        .replace("{tot:,.0f}", "{tot}")
        .replace("{share:.1%}", "{share}")
        .replace("{cov:,}", "{cov}")
        .replace("{n:,}", "{n}")
        .replace("{m:g}", f"{s_min:g}")
    )


# --------------------------------------------------------------- the data of one page
def _households(result, md: MapData, perm: np.ndarray, *, points: bool, hex_size_m: float, T, snap_m) -> dict:
    """Every household in the page's order:
    position, weight, class (covered, uncovered, off, invalid, not served)."""
    cls = np.full(md.valid.size, 3, dtype=np.uint8)
    cls[md.covered] = 0
    cls[md.uncovered] = 1
    cls[md.off_network] = 2
    cls[_not_served(result, md)] = 4
    lon = np.where(np.isfinite(md.lon), np.round(md.lon * 1e6), 0).astype(np.int32)
    lat = np.where(np.isfinite(md.lat), np.round(md.lat * 1e6), 0).astype(np.int32)
    walk = result.households["walk_min"].to_numpy(dtype=float).astype(np.float32)
    out = {
        "mode": "points" if points else "hex",
        "n": int(perm.size),
        "lon": b64_array(lon[perm]),
        "lat": b64_array(lat[perm]),
        "w": b64_array(md.weight[perm].astype(np.float64)),
        "cls": b64_array(cls[perm]),
        "walk": b64_array(walk[perm]),
        "offLabel": T["off_network"].format(snap=snap_m),
    }
    if points:
        out["ids"] = [str(i) for i in np.asarray(result.household_points.ids, dtype=object)[perm]]
        return out
    ok = md.covered | md.uncovered
    hid = np.zeros(perm.size, dtype=np.int64)  # 0 = no cell
    out["hex"] = {"of": "", "verts": "", "n": 0, "q": [1, 2, 3]}
    if ok.any():
        import geopandas as gpd

        _, _, _, _, polys, inv = hex_cells(md.px[ok], md.py[ok], md.weight[ok], hex_size_m, return_index=True)
        hid[ok] = inv + 1
        ring = gpd.GeoSeries(polys, crs=result.network.crs).to_crs(4326)
        xy = shapely.get_coordinates(shapely.get_exterior_ring(np.asarray(ring.values)))
        verts = np.round(xy.reshape(len(ring), -1, 2)[:, :6, :] * 1e6).astype(np.int32)
        unc0 = md.uncovered[ok]
        wsum = np.bincount(inv[unc0], weights=md.weight[ok][unc0], minlength=len(ring))
        wpos = wsum[wsum > 0]
        out["hex"] = {
            "of": base64.b64encode(varint(hid[perm])).decode(),
            "verts": b64_array(verts.ravel()),
            "n": int(len(ring)),
            "q": [float(q) for q in (np.quantile(wpos, [0.5, 0.8, 0.95]) if wpos.size > 3 else [1, 2, 3])],
        }
    return out


def _stations(result) -> dict:
    st, sp = result.stations, result.station_points
    on = result.station_snap.on_network
    names = st[sp.name_col].fillna("").astype(str).tolist() if sp.name_col else [""] * len(st)
    util = st["utilisation"].to_numpy(dtype=float) if "utilisation" in st else None
    fill = []
    for i in range(len(st)):
        colour = STATION_COLOUR if on[i] else OFF_NETWORK_COLOUR
        if util is not None and on[i] and np.isfinite(util[i]):
            colour = next(col for hi, col, _ in UTILISATION_COLOURS if util[i] <= hi)
        fill.append(colour)
    finite = np.isfinite(sp.lon) & np.isfinite(sp.lat)
    return {
        "id": [str(i) for i in sp.ids],
        "name": names,
        "lon": [float(v) if ok else None for v, ok in zip(sp.lon, finite, strict=True)],
        "lat": [float(v) if ok else None for v, ok in zip(sp.lat, finite, strict=True)],
        "on": [bool(v) for v in on],
        "fill": fill,
        "withinW": [float(v) for v in st["weight_within"]],
        "withinN": [int(v) for v in st["households_within"]],
        "catchW": [float(v) for v in st["catchment_weight"]],
        "util": None if util is None else [None if not np.isfinite(u) else round(float(u), 4) for u in util],
    }


def _sites(sites, T) -> list[dict]:
    out = []
    share_col = "served_share_after" if "served_share_after" in sites else "covered_share_after"
    ll = sites.to_crs(4326)
    for i, (_, r) in enumerate(ll.iterrows()):
        name = r.get("name")
        out.append(
            {
                "rank": int(r.get("rank", i + 1)),
                "id": str(r.get("id")),
                "name": name if isinstance(name, str) else "",
                "lon": float(r.geometry.x),
                "lat": float(r.geometry.y),
                "added": float(r.get("households_added", 0.0)),
                "after": None if not np.isfinite(float(r.get(share_col, np.nan))) else float(r[share_col]),
                "after_label": T["cum_served"] if share_col.startswith("served") else T["cum"],
            }
        )
    return out


def _compounds(frames) -> tuple[dict | None, list[dict]]:
    comp, gates = frames
    gated = comp[comp["rule"] == "gated"]
    features = [
        {
            "geometry": _geometry(g),
            "id": str(cid),
            "name": str(name),
            "gates": int(ng),
            "points": int(npts),
            "points_changed": int(pc),
            "households_changed": float(hc),
            "changed": bool(pc > 0),
        }
        for g, cid, name, ng, npts, pc, hc in zip(
            gated.geometry,
            gated["compound_id"],
            gated["name"],
            gated["gates"],
            gated["points"],
            gated["points_changed"],
            gated["households_changed"],
            strict=True,
        )
    ]
    g = gates[gates.geometry.notna() & gates["compound_id"].notna()]
    out_gates = [
        {
            "id": str(gid),
            "compound": str(cid),
            "status": str(s),
            "used": s == "used",
            "lon": float(p.x),
            "lat": float(p.y),
        }
        for gid, cid, s, p in zip(g["gate_id"], g["compound_id"], g["status"], g.geometry, strict=True)
    ]
    return ({"features": features} if features else None), out_gates


def _legend(
    result, md, T, snap_m, *, points, what_if, bands, stations, sites, compounds, gates, highlight_label
):
    legend = [(_sym("fill", rgba(b["colour"], b["opacity"]), b["colour"]), b["label"]) for b in bands]
    not_served = _not_served(result, md)
    off = T["off_network"].format(snap=snap_m)
    if points:
        if not_served.any() or (what_if and "served_weight" in result.households):
            legend.append((_sym("dot", NOT_SERVED_COLOUR), T["not_served"]))
        legend.append((_sym("dot", COVERED_COLOUR), T["covered"]))
        if what_if or md.uncovered.any():
            legend.append((_sym("dot", UNCOVERED_COLOUR), T["uncovered"]))
    elif md.uncovered.any() or what_if:
        legend.append((_sym("hex", UNCOVERED_COLOUR), T["uncovered_hex"]))
    if md.off_network.any():
        legend.append((_sym("dot", "#ffffff", OFF_NETWORK_COLOUR), off))
    util = stations["util"]
    if util is not None and any(u is not None for u in util):
        legend += [
            (_sym("dot", col, "#ffffff", 14), T["utilisation"].format(band=T[key]))
            for _, col, key in UTILISATION_COLOURS
        ]
    else:
        legend.append((_sym("dot", STATION_COLOUR, "#ffffff", 14), T["stations"]))
    if not all(stations["on"][i] for i, lat in enumerate(stations["lat"]) if lat is not None):
        legend.append((_sym("dot", OFF_NETWORK_COLOUR, STATION_COLOUR, 14), T["station_off"]))
    if what_if:
        legend.append((_sym("dot", "#ffffff", STATION_COLOUR, 14), T["closed_legend"]))
        legend.append((_sym("dot", CANDIDATE_COLOUR, "#8c510a", 9), T["candidate_legend"]))
        legend.append((_sym("dot", STATION_COLOUR, SITE_COLOUR, 14), T["opened_legend"]))
    if compounds:
        legend.append((_sym("fill", rgba(COMPOUND_COLOUR, 0.0), COMPOUND_COLOUR), T["compounds_gated"]))
        if any(f["changed"] for f in compounds["features"]):
            legend.append(
                (
                    _sym("fill", rgba(COMPOUND_CHANGED_COLOUR, 0.12), COMPOUND_CHANGED_COLOUR),
                    T["compounds_changed"],
                )
            )
    if gates:
        legend.append((_sym("dot", GATE_COLOUR, "#ffffff"), T["gates"]))
    if sites:
        legend.append((_sym("diamond", SITE_COLOUR), T["sites"]))
    if highlight_label:
        legend.append((_sym("dot", SITE_COLOUR, "#ffffff"), highlight_label))
    return [[sym, label] for sym, label in legend]


def page_data(
    products,
    m_name: str,
    *,
    lang: str = "en",
    max_points: int = 5000,
    hex_size_m: float = 150.0,
    title: str | None = None,
    highlight=None,
    highlight_label: str | None = None,
) -> dict:
    """Everything the page draws, as one JSON-ready dict (no drawing, no markup, no analysis).

    ``products`` (:class:`~coverage.products.RunProducts`) holds the
    result, the isochrones, the sites, the what-if table (or None for a
    static map), the street basemap (or None), the network layer's lines (or
    None) and the gated compounds.
    """
    result = products.result
    isochrones, sites, scenario = products.isochrones, products.sites, products.scenario
    T = LABELS[lang]
    md = MapData.of(result)
    per, uni = isochrones
    s = result.summary
    snap_m = result.params["max_snap_m"]
    points = bool(md.valid.sum() <= max_points)
    perm = _morton_order(md.px, md.py, md.valid & np.isfinite(md.px))
    pos = np.empty_like(perm)
    pos[perm] = np.arange(perm.size)
    # bands as non-overlapping rings, so each place shows exactly its band's colour
    rows = uni.sort_values("minutes").to_crs(4326)
    geoms = list(rows.geometry)
    bands, lower = [], None
    for i, upper in enumerate(rows["minutes"].astype(float)):
        bands.append(
            {
                "label": band_label(T, lower, upper),
                "colour": band_colour(upper),
                "opacity": BAND_OPACITY,
                "geometry": _ring_geojson(geoms[i], geoms[i - 1] if i else None),
            }
        )
        lower = upper
    thr = per[np.isclose(per["minutes"], s.threshold_min)].to_crs(4326)
    station_areas = (
        {
            "label": T["station_areas"].format(m=s.threshold_min),
            "features": [
                {"id": str(sid), "geometry": _geometry(g)}
                for sid, g in zip(thr["station_id"], thr.geometry, strict=True)
            ],
        }
        if len(thr)
        else None
    )
    stations = _stations(result)
    site_list = _sites(sites, T) if sites is not None and len(sites) else []
    compounds, gates = _compounds(products.compounds) if products.compounds is not None else (None, [])
    hl = None
    if highlight is not None and len(highlight):
        h = highlight[highlight.geometry.notna()].to_crs(4326)
        texts = [
            " · ".join(str(v) for v in vals)
            for vals in zip(
                *[h[c].astype(str).tolist() for c in ("id", "walk_min") if c in h.columns], strict=True
            )
        ] or [""] * len(h)
        hl = {
            "label": highlight_label or T["highlight"],
            "points": [[float(p.y), float(p.x), t] for p, t in zip(h.geometry, texts, strict=True)],
        }
    summary = T["summary"].format(
        cov=s.weight_covered, tot=s.weight_total, m=s.threshold_min, share=s.share_covered_weight
    )
    after = None
    if site_list and "covered_share_after" in sites:
        after = T["after"].format(
            n=len(sites),
            share=float(sites["covered_share_after"].iloc[-1]),
            add=float(sites["households_added"].sum()),
        )
    labels = dict(T)
    labels["title_summary"] = _template(T["summary"], s_min=s.threshold_min)
    labels["title_points"] = (
        _template(T["points"], s_min=s.threshold_min) + "; " + T["speed"].format(v=round(s.speed_kph, 2))
    )
    labels["summary"] = T["panel_summary"]
    labels["within_m"] = T["within"].format(m=s.threshold_min)
    st_ll = np.column_stack([result.station_points.lat, result.station_points.lon])
    allb = np.vstack([st_ll[np.isfinite(st_ll).all(axis=1)], np.column_stack([md.lat, md.lon])[md.valid]])
    fit = (
        [
            [float(allb[:, 0].min()), float(allb[:, 1].min())],
            [float(allb[:, 0].max()), float(allb[:, 1].max())],
        ]
        if len(allb)
        else None
    )
    net = None if products.network_lines is None else {**products.network_lines, "label": T["network"]}
    data = {
        "map": m_name,
        "lang": lang,
        "labels": labels,
        "attribution": OSM_ATTRIBUTIONS.get(lang, OSM_ATTRIBUTION),
        "colours": {
            "covered": COVERED_COLOUR,
            "uncovered": UNCOVERED_COLOUR,
            "off": OFF_NETWORK_COLOUR,
            "station": STATION_COLOUR,
            "candidate": CANDIDATE_COLOUR,
            "site": SITE_COLOUR,
            "notServed": NOT_SERVED_COLOUR,
            "gate": GATE_COLOUR,
            "compound": COMPOUND_COLOUR,
            "compoundChanged": COMPOUND_CHANGED_COLOUR,
        },
        "title": {
            "text": title or T["title"].format(m=s.threshold_min),
            "summary": summary,
            "after": after,
            "points": T["points"].format(cov=s.n_covered, n=s.n_valid)
            + "; "
            + T["speed"].format(v=round(s.speed_kph, 2)),
        },
        "bands": bands,
        "stationAreas": station_areas,
        "network": net,
        "households": _households(result, md, perm, points=points, hex_size_m=hex_size_m, T=T, snap_m=snap_m),
        "heat": {"label": T["heat"]} if not points and md.uncovered.any() else None,
        "stations": stations,
        "sites": site_list,
        "compounds": compounds,
        "gates": gates,
        "highlight": hl,
        "fit": fit,
        "labelZoom": LABEL_MIN_ZOOM,
        "streets": products.streets,
        "whatif": None,
    }
    from .people_map import people_block  # population groups and accessibility (None without them)

    data["people"] = people_block(result, pos, lang)
    if scenario is not None:
        from .whatif_page import whatif_block

        data["whatif"] = whatif_block(result, scenario, pos)
    data["legend"] = _legend(
        result,
        md,
        T,
        snap_m,
        points=points,
        what_if=scenario is not None,
        bands=bands,
        stations=stations,
        sites=site_list,
        compounds=compounds,
        gates=gates,
        highlight_label=hl["label"] if hl else None,
    )
    return data


# --------------------------------------------------------------- the page
def render_page(data_for, lonlat, *, title: str):
    """A folium map shell holding the data (``data_for(map_name)``) and the page code; nothing else."""
    import folium

    m = folium.Map(
        location=[lonlat[1], lonlat[0]],
        zoom_start=14,
        tiles=None,
        control_scale=False,
        prefer_canvas=True,
        max_zoom=19,
    )
    assets = offline_assets()
    # instance attributes: never mutate folium's class-level lists
    m.default_js = list(assets["js"])
    m.default_css = list(assets["css"])
    m.get_root().title = esc(title)
    add_html(m, _STYLE)
    add_data(m, "sc-map-data", data_for(m.get_name()))
    add_script(m, "\n".join(page_script(name) for name in PAGE_SCRIPTS))
    return m


def render_map(
    products,
    *,
    lang: str = "en",
    max_points: int = 5000,
    hex_size_m: float = 150.0,
    title: str | None = None,
    highlight=None,
    highlight_label: str | None = None,
):
    """The coverage map a planner shows (a folium map), drawn from finished products.

    Parameters
    ----------
    products
        A :class:`~coverage.products.RunProducts` of a single run (with its isochrones; the what-if
        table, the street basemap and the network layer are drawn when present).
    lang
        ``"en"`` or ``"zh"`` labels.
    max_points
        Up to this many households are drawn one by one; beyond it the
        uncovered ones are aggregated into hexagonal cells and a heat map.
    hex_size_m
        The cells' size, metres.
    title
        The map's title (default: the threshold's coverage).
    highlight, highlight_label
        Extra points to draw on top in orange (e.g. the households that lose
        coverage at the older-adult walking speed), as a named layer.
    """
    if lang not in LABELS:
        msg = f"lang must be one of {sorted(LABELS)}, not {lang!r}"
        raise ValueError(msg)
    result = products.result
    md = MapData.of(result)
    T = LABELS[lang]
    return render_page(
        lambda name: page_data(
            products,
            name,
            lang=lang,
            max_points=max_points,
            hex_size_m=hex_size_m,
            title=title,
            highlight=highlight,
            highlight_label=highlight_label,
        ),
        md.centre_lonlat(result),
        title=title or T["title"].format(m=result.summary.threshold_min),
    )


def save_map(m: folium.Map, path: PathLike) -> Path:
    """Save a map as a self-contained HTML file (written to a temporary name, then renamed into place)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        m.save(str(tmp))
    return path
