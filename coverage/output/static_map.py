"""The static coverage map (PNG) for slides: matplotlib, no basemap, works offline."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np

from .._errors import CoverageInputError
from .._files import atomic_path
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
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
             "SimHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Serif CJK SC")
_CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "msyh", "simhei", "wqy", "pingfang", "notosanssc")


def plain_text(value) -> str:
    """Text from the data as matplotlib shows it literally: ``$`` would start mathtext (and can crash it)."""
    return "" if value is None else str(value).replace("$", r"\$")


def font_rc(lang: str) -> dict:
    """matplotlib fonts for a language, with a CJK font as fallback either way (names from the data are often
    Chinese in an English picture too), so no glyph is drawn as a box where a CJK font is installed."""
    cjk = cjk_font()
    fonts = ["DejaVu Sans"] if cjk is None else ([cjk, "DejaVu Sans"] if lang == "zh" else ["DejaVu Sans", cjk])
    return {"font.family": "sans-serif", "font.sans-serif": fonts, "axes.unicode_minus": False}


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
                except Exception:  # an unreadable font file is skipped
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((w for w in CJK_FONTS if w in names), None)
    return found



def _static_map(result, path, isochrones, sites, T, dpi, title, *, work):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 10))
    draw_map(ax, result, isochrones, sites, T, work=work)
    s = result.summary
    ax.set_title(plain_text(title or T["title"].format(m=s.threshold_min)) + "\n" + T["summary"].format(
        cov=s.weight_covered, tot=s.weight_total, m=s.threshold_min, share=s.share_covered_weight), fontsize=12)
    fig.text(0.99, 0.01, "Data \u00a9 OpenStreetMap contributors, ODbL", ha="right", fontsize=8, color="#444")
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path


def draw_map(ax, result, isochrones, sites, T, *, work, legend_size: int = 9):
    """The coverage map on a matplotlib axes: bands, points, stations, sites, scale bar and legend."""
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
    for sel, col, label in ((md.covered & ~not_served, COVERED_COLOUR, T["covered"]),
                            (not_served, NOT_SERVED_COLOUR, T["not_served"]),
                            (md.uncovered, UNCOVERED_COLOUR, T["uncovered"])):
        if sel.any():
            ax.scatter(md.px[sel], md.py[sel], s=3, c=col, linewidths=0)
            handles.append(Line2D([], [], marker="o", linestyle="", color=col, label=label))
    if md.off_network.any():
        ax.scatter(md.px[md.off_network], md.py[md.off_network], s=6, facecolors="white", edgecolors=OFF_NETWORK_COLOUR,
                   linewidths=0.8)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", color=OFF_NETWORK_COLOUR,
                              label=T["off_network"].format(snap=result.params["max_snap_m"])))
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
                handles.append(Line2D([], [], marker="o", linestyle="", color=col, markersize=9,
                                      label=T["utilisation"].format(band=T[key])))
    else:
        ax.scatter(ss.px[on], ss.py[on], s=60, c=STATION_COLOUR, edgecolors="white", linewidths=1.2, zorder=5)
        handles.append(Line2D([], [], marker="o", linestyle="", color=STATION_COLOUR, markersize=9, label=T["stations"]))
    if (~on & np.isfinite(ss.px)).any():
        ax.scatter(ss.px[~on], ss.py[~on], s=60, c=OFF_NETWORK_COLOUR, edgecolors=STATION_COLOUR, linewidths=1.2,
                   zorder=5)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=OFF_NETWORK_COLOUR,
                              color=STATION_COLOUR, markersize=9, label=T["station_off"]))
    if sites is not None and len(sites):
        sw = sites.to_crs(work)
        ax.scatter(sw.geometry.x, sw.geometry.y, s=90, marker="D", c=SITE_COLOUR, edgecolors="white", zorder=6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    # scale bar
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = x1 - x0
    bar = 10 ** np.floor(np.log10(span / 4))
    bar = bar * (2 if span / 4 / bar >= 2 else 1)
    bx, by = x0 + 0.04 * span, y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + bar], [by, by], color="black", linewidth=3)
    ax.text(bx + bar / 2, by + 0.012 * (y1 - y0), f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m", ha="center")
    if sites is not None and len(sites):
        handles.append(Line2D([], [], marker="D", linestyle="", color=SITE_COLOUR, label=T["sites"]))
    ax.legend(handles=handles, loc="upper right", fontsize=legend_size, framealpha=0.9)
