"""brief.pdf: one or two A4 pages a planner can print for the meeting.

Page 1: the title, the static map, and the key figures (by residential point
and by household, the 5/10/15-minute bands, and what the proposed sites add).
Page 2, when there is anything for it: the areas below target and the
proposed sites with their gains. Chinese or English; made with matplotlib's
PDF backend, with the fonts embedded (the CJK font is found even when
matplotlib's font cache predates its installation).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .._files import atomic_path
from .mapdata import LABELS
from .static_map import cjk_font, draw_map, font_rc, plain_text, shown_text

log = logging.getLogger(__name__)

A4_IN = (8.27, 11.69)

TEXT = {
    "en": {
        "title": "{m:g}-minute walking coverage of community service stations",
        "made": (
            "Made {date} with service-coverage {v}; "
            "walking at {kph:g} km/h over the OpenStreetMap street network"
        ),
        "key": "Key figures",
        "item": "",
        "points": "Residential points",
        "households": "Households",
        "covered": "Within {m:g} min",
        "uncovered": "Outside {m:g} min",
        "off": "Off the network",
        "band": "Within {m:g} min",
        "sites_gain": "With the {n} proposed stations",
        "areas": "Areas below the target of {t:.0%}",
        "area": "Area",
        "share": "Share",
        "short": "Households short",
        "sites": "Proposed new stations (numbered as on the map)",
        "rank": "No.",
        "id": "Site",
        "added": "Households added",
        "after": "Covered share after",
        "served_after": "Served share after",
        "more": "... and {n} more (see summary.xlsx)",
        "gates": "Through compound gates, not the nearest street: verdict changes",
        "gates_lost": "... of which lose coverage",
        "gates_open": "Covered by the nearest-street rule",
        "source": (
            "Data © OpenStreetMap contributors, ODbL. "
            "Stations and households as given; see summary.xlsx (Notes)."
        ),
    },
    "zh": {
        "title": "社工站{m:g}分钟步行覆盖情况",
        "made": "{date} 由 service-coverage {v} 生成；按步行速度 {kph:g} km/h、沿 OpenStreetMap 路网计算",
        "key": "主要指标",
        "item": "",
        "points": "居住点",
        "households": "住户",
        "covered": "{m:g}分钟内",
        "uncovered": "{m:g}分钟外",
        "off": "不在路网上",
        "band": "{m:g}分钟内",
        "sites_gain": "新增{n}个建议站点后",
        "areas": "未达到目标（{t:.0%}）的街道/社区",
        "area": "区域",
        "share": "覆盖率",
        "short": "距目标差住户",
        "sites": "建议新增站点（编号同地图）",
        "rank": "序号",
        "id": "站址",
        "added": "新增覆盖住户",
        "after": "累计覆盖率",
        "served_after": "累计服务率",
        "more": "……另有 {n} 项（见 summary.xlsx）",
        "gates": "经小区出入口（而非最近道路）：结论改变",
        "gates_lost": "……其中失去覆盖",
        "gates_open": "按最近道路计算的覆盖",
        "source": "数据 © OpenStreetMap 贡献者，ODbL。站点与住户按输入数据；详见 summary.xlsx（说明）。",
    },
}


def _fmt_share(x) -> str:
    return "-" if x is None or x != x else f"{x:.1%}"


def key_figures(result, lang: str, sites=None) -> list[list[str]]:
    """Rows (label, residential points, households) of the key-figure table."""
    X = TEXT[lang]
    s = result.summary
    m = s.threshold_min
    rows = [
        [
            X["covered"].format(m=m),
            f"{s.n_covered:,} ({_fmt_share(s.share_covered)})",
            f"{s.weight_covered:,.0f} ({_fmt_share(s.share_covered_weight)})",
        ],
        [X["uncovered"].format(m=m), f"{s.n_uncovered:,}", f"{s.weight_uncovered:,.0f}"],
        [X["off"], f"{s.n_off_network:,}", f"{s.weight_off_network:,.0f}"],
    ]
    for b in s.bands:
        if abs(b["minutes"] - m) < 1e-9:  # the threshold's band is the first row already
            continue
        rows.append(
            [
                X["band"].format(m=b["minutes"]),
                f"{b['n_within']:,} ({_fmt_share(b['share'])})",
                f"{b['weight_within']:,.0f} ({_fmt_share(b['share_weight'])})",
            ]
        )
    g = s.gates
    if g:
        rows.append([X["gates"], f"{g['n_points_changed']:,}", f"{g['weight_changed']:,.0f}"])
        rows.append([X["gates_lost"], f"{g['n_points_lost']:,}", f"{g['weight_lost']:,.0f}"])
        rows.append([X["gates_open"], "", f"{g['covered_weight_open']:,.0f}"])
    if sites is not None and sites.summary.get("n_sites"):
        ss = sites.summary
        rows.append(
            [
                X["sites_gain"].format(n=ss["n_sites"]),
                "",
                f"+{ss['households_added']:,.0f} → {_fmt_share(ss['covered_share_after'])}",
            ]
        )
        rows.extend(_objective_rows(ss, lang))
    return rows


#: The line a p-median or p-center siting adds to the key figures (its objective, before and after).
OBJECTIVE_TEXT = {
    "en": {
        "median": "Mean walk (p-median sites)",
        "center": "Longest walk (p-center sites)",
        "groups": "Siting weights",
    },
    "zh": {"median": "平均步行（p-中位选址）", "center": "最长步行（p-中心选址）", "groups": "选址权重"},
}


def _objective_rows(ss: dict, lang: str) -> list[list[str]]:
    kind = ss.get("objective")
    rows = []
    if kind in ("median", "center"):
        before, after = (
            (ss.get("mean_cost_before"), ss.get("mean_cost_after"))
            if kind == "median"
            else (ss.get("max_cost_before"), ss.get("max_cost_after"))
        )
        unit = " 米" if lang == "zh" else " m"
        text = f"{after:,.0f}{unit}" if before is None else f"{before:,.0f}{unit} → {after:,.0f}{unit}"
        rows.append([OBJECTIVE_TEXT[lang][kind], "", text])
    if ss.get("group_weights"):
        rows.append(
            [
                OBJECTIVE_TEXT[lang]["groups"],
                "",
                ", ".join(f"{g}={v:g}" for g, v in ss["group_weights"].items()),
            ]
        )
    return rows


#: Height of one table row (font 9, scaled 1.35) as a share of the A4 page's height
#: (measured: 21 px of 1,052).
ROW_H = 0.02
#: The map keeps at least this share of page 1's height when tables join it there.
MIN_MAP_H = 0.47


def _table(ax, rows, header, widths, *, font_size=9):
    ax.set_axis_off()
    rows = [[shown_text(c, "?") for c in row] for row in rows]  # text from the data is shown as written
    t = ax.table(
        cellText=rows,
        colLabels=[plain_text(h) for h in header],
        colWidths=widths,
        loc="upper left",
        cellLoc="left",
    )
    t.auto_set_font_size(False)
    t.set_fontsize(font_size)
    t.scale(1, 1.35)
    for (r, _c), cell in t.get_celld().items():
        cell.set_edgecolor("#bbbbbb")
        if r == 0:
            cell.set_facecolor("#dde7f0")
            cell.set_text_props(weight="bold")
    return t


def write_brief(
    path,
    result,
    *,
    isochrones=None,
    sites=None,
    by_area=None,
    lang: str = "en",
    title: str | None = None,
    max_rows: int = 18,
) -> Path:
    """Write brief.pdf (one or two A4 pages) from finished products:
    ``isochrones`` is ``(per_station, union)``
    (:func:`coverage.products.analyse` computes them; the renderer never does)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    from .._version import __version__

    if lang == "zh" and cjk_font() is None:
        log.warning(
            "No Chinese font found for brief.pdf (install e.g. fonts-noto-cjk); it is written in English"
        )
        lang = "en"
    X, T = TEXT[lang], LABELS[lang]
    s = result.summary
    rc = {**font_rc(lang), "pdf.fonttype": 42}
    path = Path(path)
    site_gdf = sites.sites if sites is not None and len(sites.sites) else None  # named in the analyse step
    blocks = _blocks(X, by_area, site_gdf, max_rows)
    key_rows = key_figures(result, lang, sites)
    with (
        plt.rc_context(rc),
        atomic_path(path) as tmp,
        PdfPages(
            tmp,
            metadata={
                "Title": title or X["title"].format(m=s.threshold_min),
                "Creator": f"service-coverage {__version__}",
            },
        ) as pdf,
    ):
        fig = plt.figure(figsize=A4_IN)
        fig.text(
            0.06,
            0.965,
            shown_text(title or X["title"].format(m=s.threshold_min), X["title"].format(m=s.threshold_min)),
            fontsize=15,
            weight="bold",
            va="top",
        )
        fig.text(
            0.06,
            0.94,
            X["made"].format(date=time.strftime("%Y-%m-%d"), v=__version__, kph=s.speed_kph),
            fontsize=8,
            color="#444",
            va="top",
        )
        # the areas below target and the proposed sites go under the key figures when the map, a little
        # shorter, leaves room for them; else on page 2
        key_h = ROW_H * 1.02 * (len(key_rows) + 1)
        need = 0.035 + _height(blocks) + 0.02 + key_h + 0.045 if blocks else 0.36
        bottom = max(0.36, need)
        one_page = bool(blocks) and 0.92 - bottom >= MIN_MAP_H
        if not one_page:
            bottom = 0.36
        ax = fig.add_axes((0.04, bottom, 0.92, 0.92 - bottom))
        draw_map(
            ax, result, isochrones, site_gdf, T, work=result.network.crs, legend_size=7, attribution=False
        )
        fig.text(0.06, bottom - 0.015, X["key"], fontsize=12, weight="bold", va="top")
        _table(
            fig.add_axes((0.06, 0.04, 0.88, bottom - 0.07)),
            key_rows,
            [X["item"], X["points"], X["households"]],
            [0.34, 0.33, 0.33],
        )
        fig.text(0.06, 0.015, X["source"], fontsize=7, color="#444")
        if one_page:
            _draw_blocks(fig, blocks, bottom - 0.03 - key_h - 0.02)
            blocks = []
        pdf.savefig(fig)
        plt.close(fig)
        if blocks:
            fig = plt.figure(figsize=A4_IN)
            _draw_blocks(fig, blocks, 0.95)
            pdf.savefig(fig)
            plt.close(fig)
        if result.groups is not None or result.access_measure is not None:
            from .people import brief_page  # population groups, accessibility and the Lorenz curves

            brief_page(pdf, result, lang=lang, table=_table)
    return path


def _blocks(X, by_area, site_gdf, max_rows) -> list[tuple[str, list[str], list[float], list[list[str]]]]:
    """The tables after the key figures: (heading, header, column widths, rows)."""
    out = []
    below = by_area[~by_area["meets_target"]] if by_area is not None and len(by_area) else None
    if below is not None and len(below):
        t = float(below["target_share"].iloc[0])
        rows = [
            [
                shown_text(r["area"], r.get("area_id", "?"), escape=False),
                _fmt_share(r["share_threshold"]),
                f"{r['households']:,.0f}",
                f"{r['households_short_of_target']:,.0f}",
            ]
            for _, r in below.head(max_rows).iterrows()
        ]
        if len(below) > max_rows:
            rows.append([X["more"].format(n=len(below) - max_rows), "", "", ""])
        out.append(
            (
                X["areas"].format(t=t),
                [X["area"], X["share"], X["households"], X["short"]],
                [0.46, 0.16, 0.19, 0.19],
                rows,
            )
        )
    if site_gdf is not None and len(site_gdf):
        sf = site_gdf

        def label(r):
            name = r.get("name")
            name = name if isinstance(name, str) and name.strip() else str(r["id"])
            shown = shown_text(name, str(r["id"]), escape=False)
            return f"{shown} ({r['lon']:.5f}, {r['lat']:.5f})" if "lon" in r else shown

        share_col = "served_share_after" if "served_share_after" in sf else "covered_share_after"
        rows = [
            [str(int(r["rank"])), label(r), f"{r['households_added']:,.0f}", _fmt_share(r[share_col])]
            for _, r in sf.head(max_rows).iterrows()
        ]
        if len(sf) > max_rows:
            rows.append([X["more"].format(n=len(sf) - max_rows), "", "", ""])
        out.append(
            (
                X["sites"],
                [
                    X["rank"],
                    X["id"],
                    X["added"],
                    X["served_after"] if share_col.startswith("served") else X["after"],
                ],
                [0.1, 0.5, 0.2, 0.2],
                rows,
            )
        )
    return out


def _height(blocks) -> float:
    """Height of the tables with their headings and the gaps between them, as a share of the page."""
    return sum(0.03 + ROW_H * 1.02 * (len(rows) + 1) for _, _, _, rows in blocks) + 0.03 * (len(blocks) - 1)


def _draw_blocks(fig, blocks, top: float) -> None:
    for heading, header, widths, rows in blocks:
        fig.text(0.06, top, heading, fontsize=12, weight="bold", va="top")
        h = ROW_H * 1.02 * (len(rows) + 1)
        _table(fig.add_axes((0.06, max(0.03, top - 0.03 - h), 0.88, h)), rows, header, widths)
        top = top - 0.06 - h
