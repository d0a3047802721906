"""What the maps draw, shared by the HTML map and the static map: one data model, one classification.

Labels (en/zh), colours and the escaping rule live here too, so the two maps
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..site_names import SITE_FACILITY_M, SITE_STREET_M, named_sites  # noqa: F401  (importable from here)

OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)'
)
#: The attribution per language (HTML for the page; the PNG and the brief use LABELS' "attribution").
OSM_ATTRIBUTIONS = {
    "en": OSM_ATTRIBUTION,
    "zh": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> 贡献者（ODbL）',
}
BAND_COLOURS = {5: "#1a9641", 10: "#a6d96a", 15: "#fdae61"}
#: Fill opacity of the band rings; legend swatches use the same colour and opacity.
BAND_OPACITY = 0.35
COVERED_COLOUR = "#2b83ba"
UNCOVERED_COLOUR = "#d7191c"
OFF_NETWORK_COLOUR = "#7f7f7f"
STATION_COLOUR = "#5e3c99"
SITE_COLOUR = "#e66101"
#: Station colours by utilisation (assigned / capacity): room to spare, nearly full, full (each with its
#: label key in :data:`LABELS`). Full is near-black, never the red of the uncovered households.
UTILISATION_COLOURS = (
    (0.8, "#1b7837", "util_under"),
    (0.999, "#e08214", "util_near"),
    (np.inf, "#1a1a1a", "util_full"),
)
#: Households within reach of a station but not served (the stations in reach are full).
NOT_SERVED_COLOUR = "#b8860b"
GATE_COLOUR = "#222222"
COMPOUND_COLOUR = "#6a3d9a"
COMPOUND_CHANGED_COLOUR = "#e7298a"
#: Station names show as labels from this zoom level on (neighbourhood scale).
LABEL_MIN_ZOOM = 15


def band_colour(minutes: float) -> str:
    return BAND_COLOURS.get(int(round(minutes)), "#fee08b")


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


def band_label(T: dict, lower: float | None, upper: float) -> str:
    """'Within 5 min walk' for the first band, '5-10 min walk' for the rings after it."""
    return T["band"].format(m=upper) if lower is None else T["ring"].format(lo=lower, hi=upper)


LABELS = {
    "en": {
        "title": "{m:g}-minute walking coverage",
        "covered": "Covered residential points",
        "uncovered": "Uncovered residential points",
        "off_network": "Residential points off the network (> {snap:g} m from a street)",
        "uncovered_hex": "Uncovered households (hex cells)",
        "station_off": "Station off the network (left out)",
        "ring": "{lo:g}-{hi:g} min walk",
        "candidates": "Candidate sites (click to open a station)",
        "candidate_legend": "Candidate site",
        "opened_legend": "Station opened at a candidate",
        "closed_legend": "Station closed (click to reopen)",
        "whatif_title": "What if? Click stations to close them, candidates to open one",
        "stale": "The coloured areas show the starting stations; they are hidden while the stations differ.",
        "reset": "Reset",
        "download": "Download stations (CSV)",
        "new_station": "+ New station (drag)",
        "drag_hint": "Drag onto the map: it snaps to the nearest candidate",
        "zoom_hint": "Zoom in to see the candidate sites.",
        "not_served": "Within reach, not served (stations full)",
        "utilisation": "Station load {band}",
        "util_under": "under 80%",
        "util_near": "80-100%",
        "util_full": "full",
        "utilisation_short": "Load",
        "covered_short": "covered",
        "uncovered_short": "uncovered",
        "off_short": "off the network",
        "not_served_short": "within reach, not served",
        "start": "at the start",
        "hash_ignored": "Parts of the link were ignored:",
        "hash_malformed": "not readable",
        "hash_unknown_id": "no such station or candidate",
        "hash_duplicate": "listed twice",
        "hash_not_a_station": "not a starting station",
        "hash_cannot_open": "cannot be opened (off the network)",
        "hash_unknown_part": "not understood",
        "hash_too_long": "link too long (characters)",
        "served": "Served within the stations' capacity: {served} households ({share})",
        "click_open": "click to open a station here",
        "gate_openings": "Candidate gate openings (click to cut the gate)",
        "click_gate": "click to cut this gate in the compound's wall",
        "hash_not_a_gate": "not a candidate gate opening",
        "station": "Station",
        "within_n": "Points",
        "within_w": "Households",
        "points_layer": "Residential points",
        "panel_summary": "{cov} households within the threshold ({share}); {n} residential points ({pshare})",
        "heat": "Uncovered households (heat map)",
        "stations": "Stations",
        "gates": "Compound gates",
        "compounds_changed": "Compounds whose verdict changes through their gates",
        "compounds_gated": "Gated compounds",
        "compound": "Compound",
        "gate": "Gate",
        "changed": "Points whose verdict changes",
        "station_areas": "Station {m:g}-min areas (outline)",
        "band": "Within {m:g} min walk",
        "sites": "Proposed new stations",
        "network": "Walking network",
        "summary": "{cov:,.0f} of {tot:,.0f} households within {m:g} min walk ({share:.1%})",
        "points": "{cov:,} of {n:,} residential points",
        "name": "Name",
        "id": "ID",
        "within": "Households within {m:g} min",
        "catchment": "Catchment (nearest station for)",
        "walk": "Walk",
        "min": "min",
        "status": "Status",
        "no_basemap": "Basemap unavailable offline: the streets are drawn from the walking network.",
        "legend": "Legend",
        "rank": "Rank",
        "added": "Households added",
        "cum": "Covered share after",
        "cum_served": "Served share after",
        "highlight": "Highlighted households",
        "households": "households",
        "speed": "walking at {v:g} km/h",
        "fullscreen": "Full screen",
        "n_points": "Residential points",
        "point_word": "points",
        "after": "With {n} proposed stations: {share:.1%} (+{add:,.0f} households)",
        "attribution": "Data \u00a9 OpenStreetMap contributors, ODbL",
    },
    "zh": {
        "title": "{m:g}分钟步行覆盖",
        "covered": "已覆盖居住点",
        "uncovered": "未覆盖居住点",
        "off_network": "不在路网上的居住点（距道路 > {snap:g} 米）",
        "uncovered_hex": "未覆盖住户（六边形格网）",
        "station_off": "不在路网上的站点（未计入）",
        "ring": "步行{lo:g}-{hi:g}分钟",
        "candidates": "候选站址（点击即开设站点）",
        "candidate_legend": "候选站址",
        "opened_legend": "在候选站址开设的站点",
        "closed_legend": "已关闭的站点（点击恢复）",
        "whatif_title": "方案推演：点击站点关闭，点击候选站址开设",
        "stale": "彩色范围为初始站点的覆盖范围；站点变动时暂不显示。",
        "reset": "恢复初始",
        "download": "下载站点（CSV）",
        "new_station": "+ 新站点（拖动）",
        "drag_hint": "拖到地图上：自动吸附到最近的候选站址",
        "zoom_hint": "放大地图可见候选站址。",
        "not_served": "在范围内但未获服务（站点已满）",
        "utilisation": "站点负荷 {band}",
        "util_under": "低于80%",
        "util_near": "80%-100%",
        "util_full": "已满",
        "utilisation_short": "负荷率",
        "covered_short": "已覆盖",
        "uncovered_short": "未覆盖",
        "off_short": "不在路网上",
        "not_served_short": "在范围内但未获服务",
        "start": "初始方案",
        "hash_ignored": "链接中以下部分已忽略：",
        "hash_malformed": "无法识别",
        "hash_unknown_id": "没有该站点或候选站址",
        "hash_duplicate": "重复",
        "hash_not_a_station": "不是初始站点",
        "hash_cannot_open": "无法开设（不在路网上）",
        "hash_unknown_part": "无法理解",
        "hash_too_long": "链接过长（字符数）",
        "served": "按站点容量实际服务住户 {served}（{share}）",
        "click_open": "点击在此开设站点",
        "gate_openings": "候选小区出入口（点击即开口）",
        "click_gate": "点击在小区围墙此处开出入口",
        "hash_not_a_gate": "不是候选出入口",
        "station": "站点",
        "within_n": "居住点",
        "within_w": "住户",
        "points_layer": "居住点",
        "panel_summary": "阈值内住户 {cov}（{share}）；居住点 {n}（{pshare}）",
        "heat": "未覆盖住户（热力图）",
        "stations": "社工站",
        "gates": "小区出入口",
        "compounds_changed": "经出入口后结论改变的小区",
        "compounds_gated": "封闭小区",
        "compound": "小区",
        "gate": "出入口",
        "changed": "结论改变的居住点",
        "station_areas": "各站{m:g}分钟范围（轮廓）",
        "band": "步行{m:g}分钟内",
        "sites": "建议新增站点",
        "network": "步行路网",
        "summary": "{tot:,.0f} 户中 {cov:,.0f} 户在步行{m:g}分钟内（{share:.1%}）",
        "points": "居住点 {cov:,} / {n:,}",
        "name": "名称",
        "id": "编号",
        "within": "{m:g}分钟内住户",
        "catchment": "服务范围（最近站点）住户",
        "walk": "步行",
        "min": "分钟",
        "status": "状态",
        "no_basemap": "离线状态下底图不可用：街道按步行路网绘制。",
        "legend": "图例",
        "rank": "排序",
        "added": "新增覆盖住户",
        "cum": "累计覆盖率",
        "cum_served": "累计服务率",
        "highlight": "重点标注的居住点",
        "households": "户",
        "speed": "步行速度 {v:g} km/h",
        "fullscreen": "全屏",
        "n_points": "居住点数",
        "point_word": "个居住点",
        "after": "新增 {n} 个建议站点后：{share:.1%}（+{add:,.0f} 户）",
        "attribution": "数据 \u00a9 OpenStreetMap 贡献者，ODbL",
    },
}


@dataclass(frozen=True)
class MapData:
    """The households and stations of a result, classified once for drawing.

    ``covered``, ``uncovered`` and ``off_network`` are masks over the
    household rows with usable coordinates; each is drawn with its own symbol.
    """

    lon: np.ndarray
    lat: np.ndarray
    px: np.ndarray
    py: np.ndarray
    weight: np.ndarray
    status: np.ndarray
    valid: np.ndarray
    covered: np.ndarray
    uncovered: np.ndarray
    off_network: np.ndarray
    bands_min: list

    @classmethod
    def of(cls, result) -> MapData:
        hp, hs = result.household_points, result.household_snap
        status = result.households["status"].astype(str).to_numpy()
        valid = np.isfinite(hp.lon) & np.isfinite(hp.lat)
        return cls(
            lon=hp.lon,
            lat=hp.lat,
            px=hs.px,
            py=hs.py,
            weight=hp.weight,
            status=status,
            valid=valid,
            covered=valid & (status == "covered"),
            uncovered=valid & (status == "uncovered"),
            off_network=valid & (status == "off_network"),
            bands_min=result.bands_min,
        )

    def centre_lonlat(self, result) -> tuple[float, float]:
        if self.valid.any():
            c = np.nanmean(np.column_stack([self.lon[self.valid], self.lat[self.valid]]), axis=0)
        else:
            c = np.nanmean(np.column_stack([result.station_points.lon, result.station_points.lat]), axis=0)
        return float(c[0]), float(c[1])


def band_rings(uni) -> list[tuple[float | None, float, object]]:
    """The union per band as non-overlapping rings, narrowest first: (lower, upper minutes, geometry).

    Drawn this way every place shows exactly one band colour, so the legend's
    swatches are the colours on the map.
    """
    import shapely

    rows = uni.sort_values("minutes")
    out, inner, lower = [], None, None
    for mins, geom in zip(rows["minutes"], rows.geometry, strict=True):
        ring = geom if inner is None else shapely.difference(geom, inner)
        out.append((lower, float(mins), ring))
        inner, lower = geom, float(mins)
    return out


def has_cjk(text) -> bool:
    """True when ``text`` holds Chinese (CJK) characters."""
    return any(ord(ch) >= 0x2E80 for ch in str(text))


def major_streets(
    network, crs, *, n: int = 14, min_gap_m: float = 500.0
) -> list[tuple[float, float, float, str]]:
    """Labels for the longest named streets: (x, y in ``crs``, angle in degrees, name), at most ``n``.

    Each street is labelled once, at the middle of its longest stretch, along
    the street; labels closer than ``min_gap_m`` to one already placed are left out.
    """
    try:
        from ..osm import products_of

        prod = products_of(network)
    except (OSError, ValueError, KeyError):
        prod = None
    names = prod.street_names if prod is not None else {}
    if not names:
        return []
    import geopandas as gpd
    import shapely

    from ..streets import street_lines

    ll, line_way, _ = street_lines(network)
    keep = np.array([int(w) in names for w in line_way.tolist()], dtype=bool)
    if not keep.any():
        return []
    lines = np.asarray(gpd.GeoSeries(ll[keep], crs=4326).to_crs(crs).values)
    nm = [names[int(w)] for w in line_way[keep].tolist()]
    ln = shapely.length(lines)
    total: dict[str, float] = {}
    longest: dict[str, int] = {}
    for i, name in enumerate(nm):
        total[name] = total.get(name, 0.0) + float(ln[i])
        if name not in longest or ln[i] > ln[longest[name]]:
            longest[name] = i
    out: list[tuple[float, float, float, str]] = []
    for name in sorted(total, key=lambda k: -total[k]):
        g = lines[longest[name]]
        if ln[longest[name]] < 150:
            continue
        a, m, b = (shapely.line_interpolate_point(g, f, normalized=True) for f in (0.42, 0.5, 0.58))
        if any(np.hypot(m.x - x, m.y - y) < min_gap_m for x, y, _, _ in out):
            continue
        ang = float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x)))
        ang = ang - 180 if ang > 90 else ang + 180 if ang < -90 else ang
        out.append((float(m.x), float(m.y), ang, name))
        if len(out) >= n:
            break
    return out
