"""Files for population groups, accessibility and fairness (a run with ``groups=`` or ``access=``).

* ``groups.csv``: one row per group: its column and walking profile, people
  covered, uncovered and off the network, the share covered and its gap to
  everyone's, the bands and the Gini of walking time;
* ``groups_uncovered.csv``: the residential points where people of a group
  are not covered, most people first, with every group's count (the list a
  street office acts on);
* with areas: ``groups_by_area.csv`` (one row per area and group) and
  ``fairness_by_area.csv`` (per area: the Gini of walking time and, with an
  access measure, the weighted mean, median, share below the level and Gini
  of access);
* in ``summary.xlsx``: a sheet per group (by area when areas are given, else
  the group's figures) and an accessibility sheet (the figures, then each
  station's supply and supply-to-demand ratio).

Kept apart from the writers of the other outputs, which they only call.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .._files import OutputFolder, safe_cell
from ..settings import PROFILE_NAMES
from .formats import to_csv, write_table

#: Files this module may write.
FILES = ("groups.csv", "groups_uncovered.csv", "groups_by_area.csv", "fairness_by_area.csv")

LABELS = {
    "en": {
        "group": "Group",
        "column": "Column (households file)",
        "profile": "Walking profile",
        "speed_kph": "Speed (km/h)",
        "threshold_min": "Threshold (min)",
        "invalid": "Invalid rows",
        "n_points": "Residential points with the group",
        "n_points_uncovered": "Of them not covered",
        "within": "Within {b:g} min",
        "share_within": "Share within {b:g} min",
        "area_id": "Area ID",
        "area": "Area",
        "supply_sheet": "Supply",
        "people": "People",
        "total": "People",
        "covered": "Covered",
        "uncovered": "Uncovered",
        "share_covered": "Share covered",
        "share_covered_all": "Share covered, all households",
        "gap_to_all": "Gap to all households",
        "gini_walk_min": "Gini of walking time",
        "mean_walk_min": "Mean walk (min)",
        "access": "Accessibility",
        "supply": "Supply (social workers, capacity or 1 per station)",
        "supply_ratio": "Supply per 1,000 households within {m} min",
        "catchment_demand": "Households within {m} min (decay-weighted)",
        "item": "Item",
        "value": "Value",
        "fairness": "Fairness by area",
        "off_network": "Off the network",
        "households": "Households",
        "access_mean": "Access, mean",
        "access_median": "Access, median",
        "access_share_below": "Share of households below the level",
        "gini_access": "Gini of access",
    },
    "zh": {
        "group": "人群",
        "column": "人数列（住户文件）",
        "profile": "步行方式",
        "speed_kph": "步行速度（km/h）",
        "threshold_min": "步行时间阈值（分钟）",
        "invalid": "输入无效",
        "n_points": "有该人群的居住点",
        "n_points_uncovered": "其中未覆盖的居住点",
        "within": "{b:g}分钟内人数",
        "share_within": "{b:g}分钟覆盖率",
        "area_id": "区域编号",
        "area": "区域",
        "supply_sheet": "供给",
        "people": "人数",
        "total": "人数",
        "covered": "已覆盖",
        "uncovered": "未覆盖",
        "share_covered": "覆盖率",
        "share_covered_all": "全体住户覆盖率",
        "gap_to_all": "与全体住户差距",
        "gini_walk_min": "步行时间基尼系数",
        "mean_walk_min": "平均步行（分钟）",
        "access": "可达性",
        "supply": "供给（社工人数、容量或每站计1）",
        "supply_ratio": "供需比（{m}分钟内每千户供给）",
        "catchment_demand": "服务范围内需求住户（{m}分钟内，按衰减加权）",
        "item": "项目",
        "value": "数值",
        "fairness": "各区域公平性",
        "off_network": "不在路网上",
        "households": "住户数",
        "access_mean": "可达性均值",
        "access_median": "可达性中位数",
        "access_share_below": "低于水平的住户比例",
        "gini_access": "可达性基尼系数",
    },
}

#: The accessibility sheet's items (``summary["access"]``'s keys) per language.
ACCESS_ITEMS = {
    "en": {
        "method": "Method",
        "measure": "--access",
        "column": "Column (households file)",
        "decay": "Distance decay",
        "catchment_min": "Catchment (walking min)",
        "supply": "Supply",
        "supply_total": "Supply, all stations",
        "unit": "Unit",
        "level": "Level",
        "level_default": "Level is the default (half the mean)",
        "n_pairs": "Household-station pairs within the catchment",
        "mean": "Mean (households weighted)",
        "median": "Median",
        "share_below_level": "Share of households below the level",
        "gini": "Gini",
        "weight_without_access": "Households with no station within the catchment",
    },
    "zh": {
        "method": "方法",
        "measure": "--access 参数",
        "column": "结果列（住户文件）",
        "decay": "距离衰减",
        "catchment_min": "服务范围（步行分钟）",
        "supply": "供给",
        "supply_total": "供给合计",
        "unit": "单位",
        "level": "参考水平",
        "level_default": "参考水平为默认值（全体均值的一半）",
        "n_pairs": "服务范围内的住户-站点对数",
        "mean": "均值（按住户加权）",
        "median": "中位数",
        "share_below_level": "低于参考水平的住户比例",
        "gini": "基尼系数",
        "weight_without_access": "服务范围内没有站点的住户",
    },
}
#: Yes / no in the chosen language (the item / value sheets' flags).
YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}


def _item_label(key, L) -> str:
    """A group's or the access's item in words; bands (``within_5min``, ``share_5min``) by their minutes."""
    k = str(key)
    m = re.fullmatch(r"(within|share)_(\d+(?:\.\d+)?)min", k)
    if m:
        return L["within" if m.group(1) == "within" else "share_within"].format(b=float(m.group(2)))
    return L.get(k, k)


def _item_value(key, value, lang: str, access: dict | None = None):
    """A value of an item / value sheet in the chosen language (codes from the run, never input data)."""
    from ..walk_access import decay_label, supply_label, unit_label

    if isinstance(value, (bool, np.bool_)):
        return YES_NO.get(lang, YES_NO["en"])[0 if value else 1]
    if key == "profile" and isinstance(value, str):
        return PROFILE_NAMES.get(lang, {}).get(value, value)
    if access is not None:
        if key == "supply":
            return supply_label(value, lang)
        if key == "unit":
            return unit_label(access, lang)
        if key == "decay":
            return decay_label(value, lang)
    return value


def group_table(result) -> pd.DataFrame:
    """One row per group with its figures (bands as ``within_<m>min`` / ``share_<m>min`` columns)."""
    rows = []
    for name, g in (result.summary.groups or {}).items():
        row = {"group": name, **{k: v for k, v in g.items() if k != "bands" and not isinstance(v, dict)}}
        for b in g["bands"]:
            row[f"within_{b['minutes']:g}min"] = b["within"]
            row[f"share_{b['minutes']:g}min"] = b["share"]
        rows.append(row)
    return pd.DataFrame(rows)


def access_rows(result) -> pd.DataFrame:
    """The accessibility figures as item / value rows (the Lorenz curve left out)."""
    a = result.summary.access or {}
    return pd.DataFrame([{"item": k, "value": v} for k, v in a.items() if k != "lorenz"])


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    return df.map(lambda v: safe_cell(v, csv=True))


def write_people(result, out_dir, *, by_area=None) -> dict[str, str]:
    """Write the groups', accessibility's and fairness's files (see the module notes); returns them.

    ``by_area`` is ``(groups by area or None, fairness by area)`` from the analyse step
    (:func:`coverage.products.people_by_area`), or None without areas.
    """
    out = out_dir if isinstance(out_dir, OutputFolder) else OutputFolder(out_dir)
    files = {}
    if result.groups is not None:
        with out.write("groups.csv") as tmp:
            write_table(_safe(group_table(result)), tmp)
        files["groups_csv"] = str(out.path("groups.csv"))
        with out.write("groups_uncovered.csv") as tmp:
            to_csv(result.groups.uncovered(result.households), tmp)
        files["groups_uncovered_csv"] = str(out.path("groups_uncovered.csv"))
    if by_area is not None:
        g_area, fair = by_area
        if g_area is not None:
            with out.write("groups_by_area.csv") as tmp:
                write_table(_safe(g_area), tmp)
            files["groups_by_area_csv"] = str(out.path("groups_by_area.csv"))
        with out.write("fairness_by_area.csv") as tmp:
            write_table(_safe(fair), tmp)
        files["fairness_by_area_csv"] = str(out.path("fairness_by_area.csv"))
    return files


def _formats(cols, L) -> dict:
    """Number formats by column (before the headers are translated), keyed by the translated header."""
    out = {}
    for c in cols:
        if c.startswith(("share", "gap")) or c == "access_share_below":
            out[L.get(c, c)] = "0.0%"
        elif c in (
            "people",
            "covered",
            "uncovered",
            "off_network",
            "households",
            "total",
            "catchment_demand",
        ):
            out[L.get(c, c)] = "#,##0"
        elif c.startswith(("gini", "mean", "access", "supply")):
            out[L.get(c, c)] = "0.000"
    return out


def _translated(frame: pd.DataFrame, L) -> tuple[pd.DataFrame, dict]:
    cols = [str(c) for c in frame.columns]
    names = {c: _item_label(c, L) for c in cols}
    return frame.rename(columns=names), {names[c]: f for c, f in _formats(cols, {}).items()}


def _items(frame: pd.DataFrame, L, lang: str, *, items=None, access: dict | None = None) -> pd.DataFrame:
    """An item / value frame with its items, its values and its header in the chosen language."""
    keys = list(frame["item"])
    labels = items or L
    return pd.DataFrame(
        {
            L["item"]: [_item_label(k, labels) for k in keys],
            L["value"]: [_item_value(k, v, lang, access) for k, v in zip(keys, frame["value"], strict=True)],
        }
    )


def _sheet_name(text: str, taken: set) -> str:
    bad = "[]:*?/\\"
    name = "".join("_" if c in bad else c for c in str(text))[:31] or "group"
    base, k = name, 2
    while name.lower() in taken:
        name = f"{base[:28]}_{k}"
        k += 1
    taken.add(name.lower())
    return name


def add_people_sheets(path, result, *, by_area=None, lang: str = "en") -> None:
    """Add a sheet per group and an accessibility sheet to the workbook at ``path``
    (when the run has them); ``by_area`` as for :func:`write_people`."""
    if result.groups is None and result.access_measure is None:
        return
    from openpyxl import load_workbook

    from .workbook import station_table, write_sheet

    L = LABELS.get(lang, LABELS["en"])
    m = result.summary.threshold_min
    wb = load_workbook(path)
    taken = {s.lower() for s in wb.sheetnames}
    g_area, fair = by_area if by_area is not None else (None, None)
    if result.groups is not None:
        table = group_table(result)
        for name in result.groups.names:
            if g_area is not None:
                frame = g_area[g_area["group"] == name].drop(columns="group")
                frame, fmt = _translated(frame, L)
            else:
                frame = table[table["group"] == name].drop(columns="group").T.reset_index()
                frame.columns = ["item", "value"]
                frame, fmt = _items(frame, L, lang), {}
            write_sheet(
                wb.create_sheet(_sheet_name(f"{L['group']} {name}", taken)),
                frame,
                lang=lang,
                minutes=m,
                formats=fmt,
            )
    if result.access_measure is not None:
        ws = wb.create_sheet(_sheet_name(L["access"], taken))
        access = result.summary.access or {}
        items = ACCESS_ITEMS.get(lang, ACCESS_ITEMS["en"])
        rows = _items(access_rows(result), L, lang, items=items, access=access)
        write_sheet(ws, rows, lang=lang, minutes=m)
        st = station_table(result)  # the stations' id and name as the By station sheet shows them
        cols = [c for c in ("id", "name", "supply", "supply_ratio", "catchment_demand") if c in st.columns]
        frame, fmt = _translated(pd.DataFrame(st[cols]), L)
        write_sheet(
            wb.create_sheet(_sheet_name(f"{L['access']} {L['supply_sheet']}", taken)),
            frame,
            lang=lang,
            minutes=m,
            formats=fmt,
        )
    if fair is not None:  # fairness per area: walking time, and access when measured
        frame, fmt = _translated(fair, L)
        write_sheet(
            wb.create_sheet(_sheet_name(L["fairness"], taken)), frame, lang=lang, minutes=m, formats=fmt
        )
    wb.save(path)


BRIEF = {
    "en": {
        "title": "Groups and fairness",
        "group": "Group",
        "profile": "Walks at",
        "people": "People",
        "covered": "Within {m:g} min",
        "share": "Share",
        "gap": "Gap to all households",
        "lorenz": "Lorenz curves: who walks how far",
        "lorenz_access": "Lorenz curve of access ({method})",
        "pop": "Cumulative share of people (shortest walks first)",
        "val": "Cumulative share of walking time",
        "pop_a": "Cumulative share of households (least access first)",
        "val_a": "Cumulative share of access",
        "equal": "Equality",
        "all": "All households",
        "gini": "Gini {g}",
        "access_line": (
            "Access ({method}, supply: {supply}): mean {mean} per 1,000 households, median {median}; "
            "{below} of households below {level}"
        ),
        "note": (
            "Groups walking at another profile are assessed on their own walks; counts are as given in the "
            "households file."
        ),
    },
    "zh": {
        "title": "重点人群与公平性",
        "group": "人群",
        "profile": "步行方式",
        "people": "人数",
        "covered": "{m:g}分钟内",
        "share": "覆盖率",
        "gap": "与全体住户差距",
        "lorenz": "洛伦兹曲线：步行距离的分布",
        "lorenz_access": "可达性洛伦兹曲线（{method}）",
        "pop": "人口累计比例（步行时间由短到长）",
        "val": "步行时间累计比例",
        "pop_a": "住户累计比例（可达性由低到高）",
        "val_a": "可达性累计比例",
        "equal": "完全均等",
        "all": "全体住户",
        "gini": "基尼系数 {g}",
        "access_line": "可达性（{method}，供给：{supply}）：平均每千户 {mean}，中位数 {median}；"
        "{below} 的住户低于 {level}",
        "note": "按其他步行方式的人群按各自的步行路线计算；人数取自住户文件。",
    },
}


def _g(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def brief_page(pdf, result, *, lang: str = "en", table=None) -> None:
    """One more A4 page for brief.pdf: the groups' shares and the Lorenz curves (walking time, and access).

    ``table`` draws a table as the brief does (:func:`coverage.output.brief._table`'s signature).
    """
    import matplotlib.pyplot as plt

    from .static_map import cjk_font, font_rc

    rc = (
        font_rc("zh") if cjk_font() is not None else {}
    )  # group names are often Chinese, whatever the language
    with plt.rc_context(rc):
        _brief_page(pdf, result, lang=lang, table=table)


def _brief_page(pdf, result, *, lang, table) -> None:
    import matplotlib.pyplot as plt

    from ..equity import gini, lorenz
    from ..walk_access import supply_label
    from .static_map import plain_text

    X = BRIEF.get(lang, BRIEF["en"])
    s = result.summary
    m = s.threshold_min
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.96, X["title"], fontsize=14, weight="bold", va="top")
    top = 0.92
    if s.groups:
        names = PROFILE_NAMES.get(lang, {})
        rows = [
            [
                str(name),
                names.get(g["profile"], str(g["profile"] or "-")),
                f"{g['total']:,.0f}",
                f"{g['covered']:,.0f}",
                "-" if g["share_covered"] is None else f"{g['share_covered']:.1%}",
                "-" if g["gap_to_all"] is None else f"{100 * g['gap_to_all']:+.1f} pt",
            ]
            for name, g in s.groups.items()
        ]
        h = 0.03 * (len(rows) + 1)
        table(
            fig.add_axes((0.06, top - h, 0.88, h)),
            rows,
            [X["group"], X["profile"], X["people"], X["covered"].format(m=m), X["share"], X["gap"]],
            [0.22, 0.16, 0.15, 0.17, 0.12, 0.18],
        )
        top -= h + 0.03
        fig.text(0.06, top, plain_text(X["note"]), fontsize=7, color="#444", va="top")
        top -= 0.03
    a = s.access
    if a:
        line = X["access_line"].format(
            method=a["method"],
            supply=supply_label(a["supply"], lang),
            mean=_g(a["mean"]),
            median=_g(a["median"]),
            below="-" if a["share_below_level"] is None else f"{a['share_below_level']:.1%}",
            level=_g(a["level"]),
        )
        fig.text(0.06, top, plain_text(line), fontsize=8, va="top", wrap=True)
        top -= 0.04
    n_plots = 1 + (1 if a and a.get("lorenz") else 0)
    height = min(0.36, (top - 0.06) / n_plots - 0.05)
    ax = fig.add_axes((0.12, top - height - 0.02, 0.76, height))
    ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls="--", label=X["equal"])
    h = result.households
    walk = h["walk_min"].to_numpy(dtype=float)
    w = result.household_points.weight
    ok = np.isfinite(walk) & result.household_points.valid & (w > 0)
    curves = [(X["all"], walk[ok], w[ok])]
    if result.groups is not None:
        for name in result.groups.names:
            wk, c = result.groups.walk_min[name], result.groups.counts[name]
            okg = np.isfinite(wk) & (c > 0) & result.household_points.valid
            curves.append((str(name), wk[okg], c[okg]))
    for label, v, wt in curves:
        if v.size == 0 or v.sum() <= 0:
            continue
        p, q = lorenz(v, wt)
        ax.plot(p, q, lw=1.6, label=plain_text(f"{label} ({X['gini'].format(g=_g(gini(v, wt)))})"))
    ax.set_xlim(0, 1), ax.set_ylim(0, 1)
    ax.set_xlabel(X["pop"], fontsize=8), ax.set_ylabel(X["val"], fontsize=8)
    ax.set_title(X["lorenz"], fontsize=10, loc="left")
    ax.legend(fontsize=7, loc="upper left")
    ax.tick_params(labelsize=7)
    if n_plots == 2:
        top2 = top - height - 0.12
        ax2 = fig.add_axes((0.12, top2 - height, 0.76, height))
        ax2.plot([0, 1], [0, 1], color="#999999", lw=1, ls="--", label=X["equal"])
        lz = a["lorenz"]
        ax2.plot(
            lz["population_share"],
            lz["value_share"],
            lw=1.6,
            color="#006d2c",
            label=plain_text(f"{X['all']} ({X['gini'].format(g=_g(a['gini']))})"),
        )
        ax2.set_xlim(0, 1), ax2.set_ylim(0, 1)
        ax2.set_xlabel(X["pop_a"], fontsize=8), ax2.set_ylabel(X["val_a"], fontsize=8)
        ax2.set_title(X["lorenz_access"].format(method=a["method"]), fontsize=10, loc="left")
        ax2.legend(fontsize=7, loc="upper left")
        ax2.tick_params(labelsize=7)
    pdf.savefig(fig)
    plt.close(fig)
