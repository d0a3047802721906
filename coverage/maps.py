"""Meeting-ready interactive maps (folium) that work without internet.

Leaflet, jQuery and the heat-map plugin are inlined into the HTML as data
URIs from installed packages (XStatic-Leaflet, XStatic-jQuery, folium's own
``leaflet_heat.min.js``), so a saved map, and the map shown inline in a
notebook, draws every layer on a meeting-room laptop with no network. Only the
basemap tiles need internet; without them the map says so and shows the
layers on a plain background.

Every text that comes from data (station names, ids, OSM tags, CSV columns)
is HTML-escaped before it reaches a popup, tooltip or title.
"""

from __future__ import annotations

import base64
import json
import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._files import atomic_path
from ._hex import hex_cells
from .mapdata import (
    BAND_OPACITY,
    COMPOUND_CHANGED_COLOUR,
    COMPOUND_COLOUR,
    GATE_COLOUR,
    COVERED_COLOUR,
    LABEL_MIN_ZOOM,
    LABELS,
    NOT_SERVED_COLOUR,
    OFF_NETWORK_COLOUR,
    OSM_ATTRIBUTION,
    SITE_COLOUR,
    STATION_COLOUR,
    UNCOVERED_COLOUR,
    MapData,
    band_colour,
    band_label,
    esc,
    rgba,
)
from .static_map import static_map  # noqa: F401  (kept importable from here)
from .whatif_map import CANDIDATE_COLOUR

# --------------------------------------------------------------- offline assets
def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@lru_cache(maxsize=1)
def offline_assets() -> dict[str, tuple[tuple[str, str], ...]]:
    """Leaflet, jQuery and leaflet-heat as data URIs, from installed packages."""
    import folium
    import xstatic.pkg.jquery as xjq
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
            ("jquery", _data_uri((Path(xjq.BASE_DIR) / "jquery.min.js").read_bytes(), "text/javascript")),
        ),
        "css": (("leaflet_css", _data_uri(css.encode(), "text/css")),),
        "heat": (("leaflet-heat.js", _data_uri(heat.read_bytes(), "text/javascript")),),
    }


def _offline_map(location, zoom_start, tiles=True):
    import folium

    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, control_scale=True,
                   prefer_canvas=True, max_zoom=19)
    assets = offline_assets()
    # instance attributes: never mutate folium's class-level lists
    m.default_js = list(assets["js"])
    m.default_css = list(assets["css"])
    m._sc_tiles = None
    if tiles:
        m._sc_tiles = folium.TileLayer("OpenStreetMap", attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19)
        m._sc_tiles.add_to(m)
    return m


# --------------------------------------------------------------- helpers
def _round6(geoms):
    """Round coordinates to 1e-6 degrees (about 0.1 m): a much smaller page."""
    return shapely.transform(geoms, lambda c: np.round(c, 6))


def _geojson(gdf: gpd.GeoDataFrame, props: list[str]) -> dict:
    """GeoJSON FeatureCollection with escaped string properties (WGS-84)."""
    g = gdf.to_crs("EPSG:4326")
    out = {"type": "FeatureCollection", "features": []}
    geoms = shapely.to_geojson(_round6(np.asarray(g.geometry.values, dtype=object)))
    cols = {c: g[c].tolist() for c in props}  # plain Python values: no per-cell pandas lookups
    for i, gj in enumerate(geoms):
        if gj is None:
            continue
        p = {}
        for c in props:
            v = cols[c][i]
            if isinstance(v, (float, np.floating)):
                p[c] = None if np.isnan(v) else round(float(v), 2)
            elif isinstance(v, (np.integer, int, bool, np.bool_)):
                p[c] = v.item() if hasattr(v, "item") else v
            else:
                p[c] = esc(v)
        out["features"].append({"type": "Feature", "geometry": json.loads(gj), "properties": p})
    return out


def _map_var(m) -> str:
    return m.get_name()


# --------------------------------------------------------------- the map
def coverage_map(
    result,
    *,
    isochrones=None,
    sites=None,
    lang: str = "en",
    network: bool = False,
    max_points: int = 5000,
    hex_size_m: float = 150.0,
    title: str | None = None,
    highlight=None,
    highlight_label: str = "Highlighted households",
    what_if: bool = True,
    candidates=None,
    streets: bool = True,
    new_capacity: float | None = None,
):
    """The coverage map a planner shows: bands, households, stations, sites, and what-if.

    Parameters
    ----------
    result
        A :class:`~coverage.assess.CoverageResult`.
    isochrones
        ``(per_station, union)`` from :func:`coverage.isochrones.isochrones`;
        computed when omitted (bands from the result's cutoffs).
    sites
        Proposed new stations (a GeoDataFrame with ``rank``, ``id``,
        ``households_added``, ``covered_share_after``) for a candidate layer.
    lang
        ``"en"`` or ``"zh"`` labels.
    network
        Draw the walking network as a light context layer (hidden at start).
    max_points
        Up to this many households are drawn one by one; beyond it the
        uncovered ones are aggregated into hexagonal cells and a heat map.
    highlight, highlight_label
        Extra points to draw on top in orange (e.g. the households that lose
        coverage at the older-adult walking speed), as a named layer.
    what_if
        Carry the what-if data (:mod:`coverage.whatif_map`): close stations,
        open candidates and see coverage change, offline. ``False`` draws a
        static map.
    streets
        Draw the walking network as a light street basemap, with street
        names from neighbourhood zoom on (:mod:`coverage.basemap`), so the
        map is readable offline; it steps aside when map tiles load.
    new_capacity
        With station capacities: what a station opened at a candidate can
        serve in the what-if (default: the median station's capacity).
    candidates
        Candidate places for the what-if (default: the proposed sites,
        network places near the gaps, and co-location places from a ``.pbf``
        extract; see :func:`coverage.scenario.scenario`).
    """
    import folium

    if lang not in LABELS:
        msg = f"lang must be one of {sorted(LABELS)}, not {lang!r}"
        raise ValueError(msg)
    T = LABELS[lang]
    md = MapData.of(result)
    per, uni = result.isochrones() if isochrones is None else isochrones
    lon0, lat0 = md.centre_lonlat(result)
    m = _offline_map([lat0, lon0], 14)
    snap_m = result.params["max_snap_m"]
    legend, band_layers = _add_bands(m, uni, T)
    band_layers += _add_station_areas(m, per, result.summary.threshold_min, T)
    if network:
        _add_network(m, result, T)
    points = md.valid.sum() <= max_points
    heat = None
    if what_if:
        from .scenario import scenario
        from .whatif_map import add_what_if, payload

        legend += _what_if_legend(md, T, snap_m, points, result)
        if not points and md.uncovered.any():
            heat = _add_heat(m, md, T)
    elif points:
        legend += _add_household_points(m, result, md, T, snap_m)
    else:
        legend += _add_household_cells(m, result, md, T, hex_size_m, snap_m)
    if not what_if:
        legend += _add_stations(m, result, T)
    if result.gate_rule is not None:
        legend += _add_compounds(m, result, T)
    if sites is not None and len(sites):
        legend += _add_sites(m, sites, T)
    if highlight is not None and len(highlight):
        _add_highlight(m, highlight, highlight_label)
    if streets:
        from .basemap import add_street_basemap

        add_street_basemap(m, result.network, m._sc_tiles)
    control = folium.LayerControl(collapsed=False)
    control.add_to(m)
    _decorate(m, result, T, title, legend, sites=sites if sites is not None and len(sites) else None)
    if what_if:
        sc = scenario(result, sites=sites, candidates=candidates, new_capacity=new_capacity)
        labels = {k: T[k] for k in ("whatif_title", "stale", "reset", "download", "new_station", "drag_hint", "zoom_hint", "served",
                                    "click_open", "station", "within_n", "within_w", "min", "candidates", "stations",
                                    "points_layer", "uncovered_hex")}
        labels["summary"] = T["panel_summary"]
        labels["title_summary"] = _template(T["summary"], s_min=result.summary.threshold_min)
        add_what_if(m, payload(result, sc, md, points=bool(points), hex_size_m=hex_size_m, labels=labels,
                               band_layers=band_layers, heat_layer=heat), layer_control=control)
    _fit(m, result, md)
    return m


def _template(text: str, *, s_min: float) -> str:
    """A label with its number formats replaced by plain placeholders the page fills in."""
    return (text.replace("{cov:,.0f}", "{cov}").replace("{tot:,.0f}", "{tot}").replace("{share:.1%}", "{share}")
            .replace("{m:g}", f"{s_min:g}"))


def _what_if_legend(md: MapData, T, snap_m, points: bool, result) -> list[tuple[str, str]]:
    """Legend entries for what the what-if layer draws (households, stations, candidates)."""
    legend = []
    if points:
        if "served_weight" in result.households:
            legend.append((_swatch_dot(NOT_SERVED_COLOUR), T["not_served"]))
        for sel, fill, stroke, label in ((md.covered, COVERED_COLOUR, None, T["covered"]),
                                         (md.uncovered, UNCOVERED_COLOUR, None, T["uncovered"]),
                                         (md.off_network, "#ffffff", OFF_NETWORK_COLOUR,
                                          T["off_network"].format(snap=snap_m))):
            if sel.any() or label != T["off_network"].format(snap=snap_m):
                legend.append((_swatch_dot(fill, stroke), label))
    else:
        legend.append((_swatch_hex(UNCOVERED_COLOUR), T["uncovered_hex"]))
    legend.append((_swatch_dot(STATION_COLOUR, "#ffffff", 14), T["stations"]))
    legend.append((_swatch_dot("#ffffff", STATION_COLOUR, 14), T["closed_legend"]))
    if (~result.station_snap.on_network & np.isfinite(result.station_points.lon)).any():
        legend.append((_swatch_dot("#ffffff", OFF_NETWORK_COLOUR, 14), T["station_off"]))
    legend.append((_swatch_dot(CANDIDATE_COLOUR, "#8c510a", 9), T["candidate_legend"]))
    legend.append((_swatch_dot(STATION_COLOUR, SITE_COLOUR, 14), T["opened_legend"]))
    return legend


def _add_heat(m, md: MapData, T) -> str:
    """A heat map of the uncovered households (hidden at start); returns its JS name."""
    from folium import plugins

    unc = md.uncovered
    heat = plugins.HeatMap(np.column_stack([md.lat[unc], md.lon[unc], md.weight[unc]]).tolist(),
                           name=esc(T["heat"]), show=False, radius=12, min_opacity=0.3)
    heat.default_js = list(offline_assets()["heat"])
    heat.add_to(m)
    return heat.get_name()


#: Legend symbols (HTML), drawn like the layers they stand for.
def _swatch_fill(colour: str, alpha: float) -> str:
    return (f'<span class="sc-sw" style="display:inline-block;width:14px;height:14px;background:{rgba(colour, alpha)};'
            f'border:1px solid {colour};margin-right:6px;vertical-align:middle"></span>')


def _swatch_dot(fill: str, stroke: str | None = None, size: int = 10) -> str:
    border = f"border:2px solid {stroke};" if stroke else ""
    return (f'<span class="sc-sw" style="display:inline-block;width:{size}px;height:{size}px;border-radius:50%;'
            f'background:{fill};{border}margin:0 8px 0 2px;vertical-align:middle;box-sizing:border-box"></span>')


def _swatch_hex(colour: str) -> str:
    return (f'<svg class="sc-sw" width="14" height="14" viewBox="0 0 14 14" style="margin-right:6px;vertical-align:middle">'
            f'<polygon points="7,0 13,3.5 13,10.5 7,14 1,10.5 1,3.5" fill="{rgba(colour, 0.65)}" stroke="{colour}"/></svg>')


def _swatch_diamond(colour: str) -> str:
    return (f'<span class="sc-sw" style="display:inline-block;width:10px;height:10px;background:{colour};'
            f'transform:rotate(45deg);margin:0 8px 0 2px;vertical-align:middle"></span>')


def _ring_geojson(outer, inner) -> dict:
    """A band ring for Leaflet: the band's polygons and, inside them, the narrower band's.

    The bands nest by construction, so drawn with Leaflet's even-odd fill the
    narrower band's area is left out: the ring, without a costly overlay.
    """
    parts = []
    for g in (outer, inner):
        if g is None or g.is_empty:
            continue
        gj = json.loads(shapely.to_geojson(_round6(g)))
        parts += [gj["coordinates"]] if gj["type"] == "Polygon" else gj["coordinates"]
    return {"type": "MultiPolygon", "coordinates": parts}


def _add_bands(m, uni, T) -> tuple[list[tuple[str, str]], list[str]]:
    """Isochrone bands as non-overlapping rings, so each place shows exactly its band's colour.

    Returns the legend entries and the layers' JS names.
    """
    import folium

    legend, names = [], []
    rows = uni.sort_values("minutes")
    geoms = list(gpd.GeoSeries(rows.geometry.values, crs=uni.crs).to_crs(4326))
    lower = None
    for i, upper in enumerate(rows["minutes"].astype(float)):
        colour = band_colour(upper)
        label = band_label(T, lower, upper)
        fg = folium.FeatureGroup(name=esc(label), show=True)
        ring = _ring_geojson(geoms[i], geoms[i - 1] if i else None)
        folium.GeoJson(
            {"type": "Feature", "geometry": ring, "properties": {}},
            style_function=lambda _f, col=colour: {"fillColor": col, "color": col, "weight": 1,
                                                    "fillOpacity": BAND_OPACITY, "fillRule": "evenodd"},
        ).add_to(fg)
        fg.add_to(m)
        names.append(fg.get_name())
        legend.append((_swatch_fill(colour, BAND_OPACITY), label))
        lower = upper
    return legend, names


def _add_station_areas(m, per, m_thr, T) -> list[str]:
    """Per-station outlines of the threshold band (hidden at start); returns the layer's JS name."""
    import folium

    p15 = per[np.isclose(per["minutes"], m_thr)]
    if not len(p15):
        return []
    fg = folium.FeatureGroup(name=esc(T["station_areas"].format(m=m_thr)), show=False)
    data = _geojson(gpd.GeoDataFrame({"station_id": p15["station_id"].astype(str)}, geometry=p15.geometry,
                                     crs=per.crs), ["station_id"])
    folium.GeoJson(
        data, style_function=lambda _f: {"color": STATION_COLOUR, "weight": 1.5, "fill": False},
        tooltip=folium.GeoJsonTooltip(fields=["station_id"], aliases=[T["stations"]]),
    ).add_to(fg)
    fg.add_to(m)
    return [fg.get_name()]


def _add_network(m, result, T) -> None:
    """The walking network as a light context layer (hidden at start)."""
    import folium

    edges = result.network.edges_gdf()
    fg = folium.FeatureGroup(name=esc(T["network"]), show=False)
    merged = shapely.line_merge(shapely.multilinestrings(np.asarray(edges.geometry.values)))
    folium.GeoJson(json.loads(shapely.to_geojson(_round6(merged))),
                   style_function=lambda _f: {"color": "#777777", "weight": 1, "opacity": 0.6}).add_to(fg)
    fg.add_to(m)


def _point_layer(m, hpts, sel, fields, aliases, label, *, fill, stroke=None) -> None:
    import folium

    fg = folium.FeatureGroup(name=esc(label), show=True)
    folium.GeoJson(
        _geojson(hpts[sel], fields),
        marker=folium.CircleMarker(radius=3 if stroke is None else 3.5, weight=0 if stroke is None else 1.5,
                                   fill=True, fill_opacity=0.85),
        style_function=lambda _f: {"fillColor": fill, "color": stroke or fill},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
    ).add_to(fg)
    fg.add_to(m)


def _household_points_frame(result, md: MapData) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": result.household_points.ids.astype(str), "walk_min": result.households["walk_min"].to_numpy(),
         "status": md.status},
        geometry=gpd.points_from_xy(md.lon, md.lat), crs="EPSG:4326",
    )


def _add_household_points(m, result, md: MapData, T, snap_m: float) -> list[tuple[str, str]]:
    """Covered, uncovered and off-network residential points, one dot each, each class its own symbol."""
    fields = ["id", "walk_min", "status"]
    aliases = [T["id"], T["walk"] + " (" + T["min"] + ")", T["status"]]
    hpts = _household_points_frame(result, md)
    legend = []
    for sel, fill, stroke, label in (
        (md.covered, COVERED_COLOUR, None, T["covered"]),
        (md.uncovered, UNCOVERED_COLOUR, None, T["uncovered"]),
        (md.off_network, "#ffffff", OFF_NETWORK_COLOUR, T["off_network"].format(snap=snap_m)),
    ):
        if not sel.any():  # folium cannot put a tooltip on an empty layer
            continue
        _point_layer(m, hpts, sel, fields, aliases, label, fill=fill, stroke=stroke)
        legend.append((_swatch_dot(fill, stroke), label))
    return legend


def _add_household_cells(m, result, md: MapData, T, hex_size_m: float, snap_m: float) -> list[tuple[str, str]]:
    """Uncovered households aggregated into hexagonal cells, plus a heat map (hidden)."""
    import folium
    from folium import plugins

    legend = []
    unc = md.uncovered
    if unc.any():
        w = md.weight[unc]
        _, _, cnt, wsum, polys = hex_cells(md.px[unc], md.py[unc], w, hex_size_m)
        cells = gpd.GeoDataFrame({"households": np.round(wsum, 1), "points": cnt}, geometry=polys,
                                 crs=result.network.crs)
        q = np.quantile(wsum, [0.5, 0.8, 0.95]) if len(wsum) > 3 else [1, 2, 3]
        fg = folium.FeatureGroup(name=esc(T["uncovered_hex"]), show=True)
        for lo, hi, alpha in ((-1, q[0], 0.25), (q[0], q[1], 0.45), (q[1], q[2], 0.65), (q[2], np.inf, 0.85)):
            sel = (wsum > lo) & (wsum <= hi)
            if not sel.any():
                continue
            folium.GeoJson(
                _geojson(cells[sel], ["households", "points"]),
                style_function=lambda _f, a=alpha: {"fillColor": UNCOVERED_COLOUR, "color": UNCOVERED_COLOUR,
                                                     "weight": 0.5, "fillOpacity": a},
                tooltip=folium.GeoJsonTooltip(fields=["households", "points"],
                                              aliases=[T["uncovered_hex"], T["n_points"]]),
            ).add_to(fg)
        fg.add_to(m)
        legend.append((_swatch_hex(UNCOVERED_COLOUR), T["uncovered_hex"]))
        heat = plugins.HeatMap(np.column_stack([md.lat[unc], md.lon[unc], w]).tolist(),
                               name=esc(T["heat"]), show=False, radius=12, min_opacity=0.3)
        heat.default_js = list(offline_assets()["heat"])
        heat.add_to(m)
    if md.off_network.any():  # usually few: drawn one by one, in their own symbol
        label = T["off_network"].format(snap=snap_m)
        _point_layer(m, _household_points_frame(result, md), md.off_network, ["id", "status"],
                     [T["id"], T["status"]], label, fill="#ffffff", stroke=OFF_NETWORK_COLOUR)
        legend.append((_swatch_dot("#ffffff", OFF_NETWORK_COLOUR), label))
    return legend


def _add_stations(m, result, T) -> list[tuple[str, str]]:
    """Stations with popups, and their names as labels at neighbourhood zoom; off-network ones in their own symbol."""
    import folium

    st, sp = result.stations, result.station_points
    m_thr = result.summary.threshold_min
    on = result.station_snap.on_network
    fg = folium.FeatureGroup(name=esc(T["stations"]), show=True)
    names = st[sp.name_col] if sp.name_col else pd.Series([""] * len(st))
    for i in range(len(st)):
        if not np.isfinite(sp.lon[i]):
            continue
        name = names.iloc[i]
        label = esc(name) or esc(sp.ids[i])
        popup = (
            f"<b>{label}</b><br>"
            f"{esc(T['id'])}: {esc(sp.ids[i])}<br>"
            + (f"{esc(T['within'].format(m=m_thr))}: {st['weight_within'].iloc[i]:,.0f}"
               f" ({int(st['households_within'].iloc[i]):,} {esc(T['point_word'])})<br>"
               f"{esc(T['catchment'])}: {st['catchment_weight'].iloc[i]:,.0f}" if on[i] else esc(T["station_off"]))
        )
        folium.CircleMarker(
            [float(sp.lat[i]), float(sp.lon[i])], radius=7,
            color="#ffffff" if on[i] else STATION_COLOUR, weight=2, fill=True,
            fill_color=STATION_COLOUR if on[i] else OFF_NETWORK_COLOUR, fill_opacity=1.0,
            popup=folium.Popup(popup, max_width=320),
            tooltip=folium.Tooltip(label, permanent=True, direction="right", offset=[8, 0],
                                   class_name="sc-station-label"),
        ).add_to(fg)
    fg.add_to(m)
    legend = [(_swatch_dot(STATION_COLOUR, "#ffffff", 14), T["stations"])]
    if (~on & np.isfinite(sp.lon)).any():
        legend.append((_swatch_dot(OFF_NETWORK_COLOUR, STATION_COLOUR, 14), T["station_off"]))
    return legend


def _add_sites(m, sites, T) -> list[tuple[str, str]]:
    import folium

    fg = folium.FeatureGroup(name=esc(T["sites"]), show=True)
    for _, r in sites.to_crs(4326).iterrows():
        popup = (
            f"<b>{esc(T['rank'])} {esc(r.get('rank'))}</b><br>{esc(T['id'])}: {esc(r.get('id'))}<br>"
            f"{esc(T['added'])}: {float(r.get('households_added', 0)):,.0f}<br>"
            f"{esc(T['cum'])}: {float(r.get('covered_share_after', np.nan)):.1%}"
        )
        icon = folium.DivIcon(
            html=(f'<div style="width:18px;height:18px;background:{SITE_COLOUR};border:2px solid #fff;'
                  'transform:rotate(45deg);box-shadow:0 0 3px rgba(0,0,0,0.5)"></div>'
                  f'<div style="position:relative;top:-18px;width:18px;text-align:center;color:#fff;'
                  f'font:bold 11px sans-serif">{esc(r.get("rank"))}</div>'),
            icon_size=(18, 18), icon_anchor=(9, 9), class_name="sc-site",
        )
        folium.Marker(
            [r.geometry.y, r.geometry.x], icon=icon,
            popup=folium.Popup(popup, max_width=300), tooltip=folium.Tooltip(f"{esc(T['rank'])} {esc(r.get('rank'))}"),
        ).add_to(fg)
    fg.add_to(m)
    return [(_swatch_diamond(SITE_COLOUR), T["sites"])]


def _add_compounds(m, result, T) -> list[tuple[str, str]]:
    """Gated compounds (outlines; those whose verdict changes through their gates stand out) and their gates."""
    import folium

    from .gates import compound_frames

    comp, gates = compound_frames(result)
    comp = comp.assign(compound_id=comp["compound_id"].astype(str), changed=comp["points_changed"] > 0)
    legend = []
    gated = comp[comp["rule"] == "gated"]
    if len(gated):
        fg = folium.FeatureGroup(name=esc(T["compounds_gated"]), show=True)
        props = ["compound_id", "name", "gates", "points", "points_changed", "households_changed"]
        aliases = [T["compound"], "", T["gates"], T["points_layer"], T["changed"], ""]
        folium.GeoJson(
            _geojson(gated, [*props, "changed"]),
            style_function=lambda f: {
                "color": COMPOUND_CHANGED_COLOUR if f["properties"]["changed"] else COMPOUND_COLOUR,
                "weight": 3 if f["properties"]["changed"] else 1, "dashArray": None if f["properties"]["changed"]
                else "4 3", "fillColor": COMPOUND_CHANGED_COLOUR, "fillOpacity": 0.12 if f["properties"]["changed"]
                else 0.0},
            tooltip=folium.GeoJsonTooltip(fields=props, aliases=[esc(a) for a in aliases]),
        ).add_to(fg)
        fg.add_to(m)
        legend.append((_swatch_fill(COMPOUND_COLOUR, 0.0), T["compounds_gated"]))
        if gated["changed"].any():
            legend.append((_swatch_fill(COMPOUND_CHANGED_COLOUR, 0.12), T["compounds_changed"]))
    g = gates[gates.geometry.notna() & gates["compound_id"].notna()].copy()
    if len(g):
        fg = folium.FeatureGroup(name=esc(T["gates"]), show=True)
        g["gate_id"] = g["gate_id"].astype(str)
        folium.GeoJson(
            _geojson(g, ["gate_id", "compound_id", "status"]),
            marker=folium.CircleMarker(radius=4, weight=2, fill=True, fill_opacity=1.0),
            style_function=lambda f: {"color": "#ffffff", "fillColor": GATE_COLOUR if f["properties"]["status"] == "used"
                                      else OFF_NETWORK_COLOUR},
            tooltip=folium.GeoJsonTooltip(fields=["gate_id", "compound_id", "status"],
                                          aliases=[esc(T["gate"]), esc(T["compound"]), ""]),
        ).add_to(fg)
        fg.add_to(m)
        legend.append((_swatch_dot(GATE_COLOUR, "#ffffff"), T["gates"]))
    return legend


def _add_highlight(m, highlight, label) -> None:
    import folium

    fg = folium.FeatureGroup(name=esc(label), show=True)
    hl = highlight[highlight.geometry.notna()].to_crs(4326)
    props = [c for c in ("id", "walk_min") if c in hl.columns]
    hl = hl.assign(**{c: hl[c].astype(str) for c in props if c == "id"})
    folium.GeoJson(
        _geojson(hl, props),
        marker=folium.CircleMarker(radius=5, weight=1, fill=True, fill_opacity=0.95),
        style_function=lambda _f: {"fillColor": SITE_COLOUR, "color": "#ffffff"},
        tooltip=folium.GeoJsonTooltip(fields=props) if props else None,
    ).add_to(fg)
    fg.add_to(m)


def _fit(m, result, md: MapData) -> None:
    st = np.column_stack([result.station_points.lat, result.station_points.lon])
    allb = np.vstack([st[np.isfinite(st).all(axis=1)], np.column_stack([md.lat, md.lon])[md.valid]])
    if len(allb):
        m.fit_bounds([[float(allb[:, 0].min()), float(allb[:, 1].min())],
                      [float(allb[:, 0].max()), float(allb[:, 1].max())]])


_FULLSCREEN_SVG = (
    '<svg width="16" height="16" viewBox="0 0 16 16" style="vertical-align:middle">'
    '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>'
)


def _decorate(m, result, T, title, legend, sites=None):
    """Title box, legend (from what was drawn), offline note, full-screen control, page title, label zoom."""
    has_sites = sites is not None
    s = result.summary
    tot = s.weight_total
    summary = T["summary"].format(cov=s.weight_covered, tot=tot, m=s.threshold_min, share=s.share_covered_weight)
    pts = T["points"].format(cov=s.n_covered, n=s.n_valid)
    speed = T["speed"].format(v=round(s.speed_kph, 2))
    title_plain = title or T["title"].format(m=s.threshold_min)
    title_text = esc(title_plain)
    after = ""
    if has_sites and "covered_share_after" in sites:
        after = "<div style='color:#b35806'>" + esc(T["after"].format(
            n=len(sites), share=float(sites["covered_share_after"].iloc[-1]),
            add=float(sites["households_added"].sum()))) + "</div>"
    legend_rows = "".join(f'<div class="sc-legend-row">{sym}{esc(label)}</div>' for sym, label in legend)
    box = (
        '<div id="sc-title" style="position:absolute;top:10px;left:50px;z-index:1000;background:rgba(255,255,255,0.92);'
        'padding:8px 12px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,0.3);font:14px sans-serif;max-width:420px">'
        f'<div style="font-weight:bold;font-size:16px">{title_text}</div>'
        f"<div id='sc-title-summary'>{esc(summary)}</div>{after}<div style='color:#555'>{esc(pts)}; {esc(speed)}</div></div>"
        '<div id="sc-legend" style="position:absolute;bottom:30px;right:10px;z-index:1000;background:rgba(255,255,255,0.92);'
        'padding:8px 10px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,0.3);font:12px sans-serif">'
        f'<div style="font-weight:bold">{esc(T["legend"])}</div>{legend_rows}</div>'
        '<div id="sc-offline" style="display:none;position:absolute;top:92px;left:50px;z-index:1000;'
        'background:#fff3cd;padding:6px 10px;border-radius:6px;font:12px sans-serif;max-width:320px">'
        f'{esc(T["no_basemap"])}</div>'
        "<style>.leaflet-container{background:#f2efe9}"
        ".sc-station-label{background:rgba(255,255,255,0.85);border:none;box-shadow:none;padding:0 4px;"
        "font:12px sans-serif;color:#3f2a66}.sc-station-label:before{display:none}"
        ".sc-labels-off .sc-station-label{display:none}</style>"
    )
    mv = _map_var(m)
    script = (
        f"(function(){{var map={mv};var shown=false;"
        "map.eachLayer(function(l){if(l instanceof L.TileLayer){l.on('tileerror',function(){if(!shown){shown=true;"
        "document.getElementById('sc-offline').style.display='block';}});}});"
        # a small full-screen control using the browser's Fullscreen API
        "var FS=L.Control.extend({options:{position:'topleft'},onAdd:function(){"
        "var b=L.DomUtil.create('a','leaflet-bar leaflet-control');b.href='#';"
        f"b.innerHTML={json.dumps(_FULLSCREEN_SVG)};"
        f"b.title={json.dumps(T['fullscreen'])};b.setAttribute('role','button');b.className+=' sc-fullscreen';"
        "b.style.cssText='width:30px;height:30px;line-height:30px;text-align:center;background:#fff;font-size:18px;display:block';"
        "L.DomEvent.on(b,'click',function(e){L.DomEvent.stop(e);var c=map.getContainer();"
        "if(document.fullscreenElement){document.exitFullscreen();}else if(c.requestFullscreen){c.requestFullscreen();}});"
        "return b;}});new FS().addTo(map);"
        # station names as labels from neighbourhood zoom on
        f"var lab=function(){{map.getContainer().classList.toggle('sc-labels-off',map.getZoom()<{LABEL_MIN_ZOOM});}};"
        "map.on('zoomend',lab);lab();})();"
    )
    from branca.element import Element, MacroElement, Template

    m.get_root().title = title_text
    m.get_root().html.add_child(Element(box))
    el = MacroElement()
    el._template = Template("{% macro script(this, kwargs) %}" + script + "{% endmacro %}")
    m.add_child(el)  # rendered after the map's own script, so the map exists


def save_map(m, path) -> Path:
    """Save a map as a self-contained HTML file (written to a temporary name, then renamed into place)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        m.save(str(tmp))
    return path
