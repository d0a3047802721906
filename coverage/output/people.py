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

import pandas as pd

from .._files import safe_cell
from .files import folder, to_csv, write_table

#: Files this module may write.
FILES = ("groups.csv", "groups_uncovered.csv", "groups_by_area.csv", "fairness_by_area.csv")

LABELS = {
    "en": {"group": "Group", "column": "Column", "profile": "Walking profile", "speed_kph": "Speed (km/h)",
           "people": "People", "total": "People", "covered": "Covered", "uncovered": "Uncovered",
           "share_covered": "Share covered", "share_covered_all": "Share covered, everyone",
           "gap_to_all": "Gap to everyone", "gini_walk_min": "Gini of walking time", "mean_walk_min":
           "Mean walk (min)", "access": "Accessibility", "supply": "Supply", "supply_ratio":
           "Supply per 1,000 households in reach", "catchment_demand": "Households in reach (weighted)",
           "item": "Item", "value": "Value"},
    "zh": {"group": "人群", "column": "列", "profile": "步行方式", "speed_kph": "速度（km/h）", "people": "人数",
           "total": "人数", "covered": "已覆盖", "uncovered": "未覆盖", "share_covered": "覆盖率",
           "share_covered_all": "全体覆盖率", "gap_to_all": "与全体差距", "gini_walk_min": "步行时间基尼系数",
           "mean_walk_min": "平均步行（分钟）", "access": "可达性", "supply": "供给", "supply_ratio":
           "可达范围内每千户供给", "catchment_demand": "可达范围内住户（加权）", "item": "项目", "value": "数值"},
}


def group_table(result) -> pd.DataFrame:
    """One row per group with its figures (bands as ``within_<m>min`` / ``share_<m>min`` columns)."""
    rows = []
    for name, g in (result.summary.groups or {}).items():
        row = {"group": name, **{k: v for k, v in g.items() if k != "bands"}}
        for b in g["bands"]:
            row[f"within_{b['minutes']:g}min"] = b["within"]
            row[f"share_{b['minutes']:g}min"] = b["share"]
        rows.append(row)
    return pd.DataFrame(rows)


def access_rows(result) -> pd.DataFrame:
    """The accessibility figures as item / value rows (the Lorenz curve left out)."""
    a = result.summary.access or {}
    return pd.DataFrame([{"item": k, "value": v} for k, v in a.items() if k != "lorenz"])


def areas_tables(result, areas, *, name_col=None, id_col=None):
    """(groups by area or None, fairness by area)."""
    from ..walk_access import by_area

    groups = result.groups.by_area(result, areas, name_col=name_col, id_col=id_col) if result.groups else None
    return groups, by_area(result, areas, name_col=name_col, id_col=id_col)


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    return df.map(lambda v: safe_cell(v, csv=True))


def write_people(result, out_dir, *, areas=None, area_name_col=None, area_id_col=None) -> dict[str, str]:
    """Write the groups', accessibility's and fairness's files (see the module notes); returns them."""
    out = folder(out_dir, result)
    files = {}
    if result.groups is not None:
        with out.write("groups.csv") as tmp:
            write_table(_safe(group_table(result)), tmp)
        files["groups_csv"] = str(out.path("groups.csv"))
        with out.write("groups_uncovered.csv") as tmp:
            to_csv(result.groups.uncovered(result.households), tmp)
        files["groups_uncovered_csv"] = str(out.path("groups_uncovered.csv"))
    if areas is not None and (result.groups is not None or result.access_measure is not None):
        g_area, fair = areas_tables(result, areas, name_col=area_name_col, id_col=area_id_col)
        if g_area is not None:
            with out.write("groups_by_area.csv") as tmp:
                write_table(_safe(g_area), tmp)
            files["groups_by_area_csv"] = str(out.path("groups_by_area.csv"))
        with out.write("fairness_by_area.csv") as tmp:
            write_table(_safe(fair), tmp)
        files["fairness_by_area_csv"] = str(out.path("fairness_by_area.csv"))
    return files


def _sheet_name(text: str, taken: set) -> str:
    bad = '[]:*?/\\'
    name = "".join("_" if c in bad else c for c in str(text))[:31] or "group"
    base, k = name, 2
    while name.lower() in taken:
        name = f"{base[:28]}_{k}"
        k += 1
    taken.add(name.lower())
    return name


def add_people_sheets(path, result, *, areas=None, area_name_col=None, area_id_col=None, lang: str = "en") -> None:
    """Add a sheet per group and an accessibility sheet to the workbook at ``path`` (when the run has them)."""
    if result.groups is None and result.access_measure is None:
        return
    from openpyxl import load_workbook

    from .workbook import write_sheet

    L = LABELS.get(lang, LABELS["en"])
    m = result.summary.threshold_min
    wb = load_workbook(path)
    taken = {s.lower() for s in wb.sheetnames}
    g_area = fair = None
    if areas is not None:
        g_area, fair = areas_tables(result, areas, name_col=area_name_col, id_col=area_id_col)
    if result.groups is not None:
        table = group_table(result)
        for name in result.groups.names:
            if g_area is not None:
                frame = g_area[g_area["group"] == name].drop(columns="group")
            else:
                frame = table[table["group"] == name].drop(columns="group").T.reset_index()
                frame.columns = ["item", "value"]
            frame = frame.rename(columns={c: L.get(c, c) for c in frame.columns})
            write_sheet(wb.create_sheet(_sheet_name(f"{L['group']} {name}", taken)), frame, lang=lang, minutes=m)
    if result.access_measure is not None:
        ws = wb.create_sheet(_sheet_name(L["access"], taken))
        rows = access_rows(result).rename(columns={c: L.get(c, c) for c in ("item", "value")})
        write_sheet(ws, rows, lang=lang, minutes=m)
        st = result.stations
        cols = [c for c in ("id", "name", "supply", "supply_ratio", "catchment_demand") if c in st.columns]
        frame = pd.DataFrame(st[cols]).rename(columns={c: L.get(c, c) for c in cols})
        write_sheet(wb.create_sheet(_sheet_name(f"{L['access']} {L['supply']}", taken)), frame, lang=lang,
                    minutes=m)
        if fair is not None:
            write_sheet(wb.create_sheet(_sheet_name(f"{L['access']} area", taken)), fair, lang=lang, minutes=m)
    wb.save(path)
