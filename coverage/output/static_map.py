"""The static coverage map (PNG) for slides: matplotlib, no basemap, works offline."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np

from .._errors import CoverageInputError
from .._files import atomic_path, strip_control
from .mapdata import (
    COVERED_COLOUR,
    LABELS,
    NOT_SERVED_COLOUR,
    OFF_NETWORK_COLOUR,
    SITE_COLOUR,
    STATION_COLOUR,
    UNCOVERED_COLOUR,
    UTILISATION_COLOURS,
    MapData,
    band_colour,
    band_label,
    band_rings,
    has_cjk,
    major_streets,
)

#: Opacity of the band rings in the PNG (legend patches use the same).
PNG_BAND_ALPHA = 0.45

log = logging.getLogger(__name__)


def write_png(products, path, *, lang: str = "en", dpi: int = 150, title: str | None = None) -> Path:
    """A PNG of the coverage map for slides (matplotlib; no basemap, works offline), from finished products
    (:class:`~coverage.products.RunProducts`: the result, its isochrones and the sites).

    ``path`` ends in ``.png`` (``.pdf`` and ``.svg`` work too).
    """
    result, isochrones, sites = products.result, products.isochrones, products.sites
    if Path(path).suffix.lower() not in (".png", ".pdf", ".svg"):
        msg = f"--png '{path}': the picture must be a .png file (or .pdf/.svg)."
        raise CoverageInputError(msg)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if lang == "zh":
        font = cjk_font()
        if font is None:
            log.warning(
                "No Chinese font found for the PNG (install e.g. fonts-noto-cjk); its labels are in English"
            )
            lang = "en"
    T = LABELS[lang]
    with plt.rc_context(font_rc(lang)):
        return _static_map(result, path, isochrones, sites, T, dpi, title, work=result.network.crs)


#: Fonts with Chinese glyphs, best first, and the file names they come in.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
)
_CJK_FILES = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "msyh",
    "simhei",
    "wqy",
    "pingfang",
    "notosanssc",
)


def plain_text(value) -> str:
    """Text from the data as matplotlib shows it literally: ``$`` would start mathtext (and can crash it)."""
    return (
        "" if value is None else strip_control(str(value)).replace("$", r"\$")
    )  # no control characters either


def font_rc(lang: str) -> dict:
    """matplotlib fonts for a language, with a CJK font as fallback either way (names from the data are often
    Chinese in an English picture too), so no glyph is drawn as a box where a CJK font is installed."""
    cjk = cjk_font()
    fonts = (
        ["DejaVu Sans"] if cjk is None else ([cjk, "DejaVu Sans"] if lang == "zh" else ["DejaVu Sans", cjk])
    )
    # the list itself as the family: matplotlib falls back along it glyph by glyph (with the generic
    # "sans-serif" family it falls back to its last-resort boxes instead)
    return {"font.family": fonts, "font.sans-serif": fonts, "axes.unicode_minus": False}


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, if any.

    matplotlib keeps a font list cached from its first run; a font installed
    after that (``apt install fonts-noto-cjk``) is not in it. When no known
    CJK font is listed, the system font folders are searched and such files
    added by path, so the font is found without clearing any cache by hand.
    """
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((w for w in CJK_FONTS if w in names), None)
    if found is None:
        for f in font_manager.findSystemFonts():
            if any(k in Path(f).name.lower().replace("-", "").replace("_", "") for k in _CJK_FILES):
                try:
                    font_manager.fontManager.addfont(f)
                except Exception:  # noqa: BLE001  (an unreadable font file is skipped)
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((w for w in CJK_FONTS if w in names), None)
    return found


def _static_map(result, path, isochrones, sites, T, dpi, title, *, work):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 10))
    draw_map(ax, result, isochrones, sites, T, work=work)
    s = result.summary
    ax.set_title(
        plain_text(title or T["title"].format(m=s.threshold_min))
        + "\n"
        + T["summary"].format(
            cov=s.weight_covered, tot=s.weight_total, m=s.threshold_min, share=s.share_covered_weight
        ),
        fontsize=12,
    )
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


#: Station names are written beside the stations up to this many stations (more would hide the map).
MAX_STATION_LABELS = 40


def _halo(width: float = 2.5):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def shown_text(text, fallback=None, *, escape: bool = True):
    """Text as drawn: without a CJK font, Chinese text would be boxes, so the fallback (or nothing) is drawn.

    ``escape=False`` leaves ``$`` as it is, for text that is escaped later (a table's cells).
    """
    text = plain_text(text) if escape else strip_control("" if text is None else str(text))
    if has_cjk(text) and cjk_font() is None:
        return None if fallback is None else (plain_text(fallback) if escape else str(fallback))
    return text


def _draw_streets(ax, result, work, *, label_size: float):
    """The walking network as light grey streets, and the names of the major streets along them."""
    from matplotlib.collections import LineCollection

    net = result.network
    xy = net.xy
    segs = np.stack([xy[net.edge_u], xy[net.edge_v]], axis=1)
    ax.add_collection(LineCollection(segs, colors="#b0b0b0", linewidths=0.35, zorder=0.5), autolim=False)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for x, y, ang, name in major_streets(net, work):
        text = shown_text(name)
        if text is None or not (x0 < x < x1 and y0 < y < y1):
            continue
        ax.text(
            x,
            y,
            text,
            rotation=ang,
            rotation_mode="anchor",
            ha="center",
            va="center",
            fontsize=label_size,
            color="#555555",
            zorder=4,
            path_effects=_halo(2.0),
        )


def draw_map(
    ax,
    result,
    isochrones,
    sites,
    T,
    *,
    work,
    legend_size: int = 9,
    attribution: bool = True,
    streets: bool = True,
):
    """The coverage map on a matplotlib axes: streets with the major names, bands, points, stations with their
    names, the proposed sites numbered as in their table, scale bar, legend and (inside the map)
    attribution."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    _, uni = isochrones
    handles = []
    for lower, upper, ring in band_rings(uni.to_crs(work)):  # non-overlapping: each place shows one colour
        col = band_colour(upper)
        gpd.GeoSeries([ring], crs=work).plot(ax=ax, color=col, alpha=PNG_BAND_ALPHA, linewidth=0)
        handles.append(Patch(color=col, alpha=PNG_BAND_ALPHA, label=band_label(T, lower, upper)))
    md = MapData.of(result)
    h = result.households
    not_served = np.zeros(md.covered.size, dtype=bool)
    if "served_weight" in h:  # with capacities: within reach but not (wholly) served
        not_served = md.covered & (h["served_weight"].to_numpy() < md.weight - 1e-6)
    for sel, col, label in (
        (md.covered & ~not_served, COVERED_COLOUR, T["covered"]),
        (not_served, NOT_SERVED_COLOUR, T["not_served"]),
        (md.uncovered, UNCOVERED_COLOUR, T["uncovered"]),
    ):
        if sel.any():
            ax.scatter(md.px[sel], md.py[sel], s=3, c=col, linewidths=0)
            handles.append(Line2D([], [], marker="o", linestyle="", color=col, label=label))
    if md.off_network.any():
        ax.scatter(
            md.px[md.off_network],
            md.py[md.off_network],
            s=6,
            facecolors="white",
            edgecolors=OFF_NETWORK_COLOUR,
            linewidths=0.8,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                color=OFF_NETWORK_COLOUR,
                label=T["off_network"].format(snap=result.params["max_snap_m"]),
            )
        )
    ss = result.station_snap
    on = ss.on_network
    if "utilisation" in result.stations:  # with capacities: stations coloured by their load
        u = np.nan_to_num(result.stations["utilisation"].to_numpy(dtype=float), nan=np.inf)
        lo = -np.inf
        for hi, col, key in UTILISATION_COLOURS:
            sel = on & (u > lo) & (u <= hi)
            lo = hi
            if sel.any():
                ax.scatter(ss.px[sel], ss.py[sel], s=60, c=col, edgecolors="white", linewidths=1.2, zorder=5)
                handles.append(
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="",
                        color=col,
                        markersize=9,
                        label=T["utilisation"].format(band=T[key]),
                    )
                )
    else:
        ax.scatter(ss.px[on], ss.py[on], s=60, c=STATION_COLOUR, edgecolors="white", linewidths=1.2, zorder=5)
        handles.append(
            Line2D([], [], marker="o", linestyle="", color=STATION_COLOUR, markersize=9, label=T["stations"])
        )
    if (~on & np.isfinite(ss.px)).any():
        ax.scatter(
            ss.px[~on],
            ss.py[~on],
            s=60,
            c=OFF_NETWORK_COLOUR,
            edgecolors=STATION_COLOUR,
            linewidths=1.2,
            zorder=5,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor=OFF_NETWORK_COLOUR,
                color=STATION_COLOUR,
                markersize=9,
                label=T["station_off"],
            )
        )
    if on.sum() <= MAX_STATION_LABELS:  # station names, so a printout can be read on the ground
        names = (
            result.stations[result.station_points.name_col].tolist() if result.station_points.name_col else []
        )
        for i in np.flatnonzero(on | np.isfinite(ss.px)):
            if not np.isfinite(ss.px[i]):
                continue
            own = names[i] if i < len(names) and isinstance(names[i], str) and names[i].strip() else None
            text = shown_text(own or result.station_points.ids[i], result.station_points.ids[i])
            if text:
                ax.annotate(
                    text,
                    (ss.px[i], ss.py[i]),
                    xytext=(6, 4),
                    textcoords="offset points",
                    fontsize=legend_size - 1,
                    color=STATION_COLOUR,
                    zorder=7,
                    path_effects=_halo(),
                )
    if sites is not None and len(sites):
        sw = sites.to_crs(work)
        ranks = sw["rank"].tolist() if "rank" in sw else list(range(1, len(sw) + 1))
        ax.scatter(
            sw.geometry.x, sw.geometry.y, s=190, marker="D", c=SITE_COLOUR, edgecolors="white", zorder=6
        )
        for x, y, r in zip(
            sw.geometry.x, sw.geometry.y, ranks, strict=True
        ):  # the same numbers as the sites' table
            ax.text(
                x,
                y,
                str(int(r)),
                ha="center",
                va="center",
                color="white",
                fontsize=legend_size - 1,
                weight="bold",
                zorder=6.5,
            )
    ax.set_aspect("equal")
    ax.set_axis_off()
    if streets:
        _draw_streets(ax, result, work, label_size=legend_size - 1.5)
    if attribution:
        ax.text(
            0.995,
            0.005,
            T["attribution"],
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=legend_size - 2,
            color="#444444",
            zorder=8,
            path_effects=_halo(),
        )
    # scale bar
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = x1 - x0
    bar = 10 ** np.floor(np.log10(span / 4))
    bar = bar * (2 if span / 4 / bar >= 2 else 1)
    bx, by = x0 + 0.04 * span, y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color="black", linewidth=3)
    ax.text(
        bx + bar / 2,
        by + 0.012 * (y1 - y0),
        f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m",
        ha="center",
    )
    if sites is not None and len(sites):
        handles.append(Line2D([], [], marker="D", linestyle="", color=SITE_COLOUR, label=T["sites"]))
    ax.legend(handles=handles, loc="upper right", fontsize=legend_size, framealpha=0.9).set_zorder(20)
