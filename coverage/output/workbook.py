"""summary.xlsx as a report a planner can hand over (openpyxl styles, no hand-written XML).

* A first sheet, 说明 / Notes: what the figures mean (covered, served, the
  bands, off the network), the parameters that produced them and the data
  sources with their dates.
* Every sheet has headers in the chosen language, a bold frozen header row,
  column widths that fit (CJK characters count double), and number formats:
  shares as percentages, counts and households with thousands separators,
  metres and minutes with sensible decimals. Numbers stay numbers.
* Text from the data stays text: a name like ``=SUM(A1)`` is shown, never run,
  and control characters are removed.
"""

from __future__ import annotations

import math
import unicodedata

import numpy as np
import pandas as pd

from .._files import strip_control

#: Column headers per language. Columns not listed keep their own name.
HEADERS = {
    "zh": {
        "id": "编号",
        "name": "名称",
        "lon": "经度（WGS-84）",
        "lat": "纬度（WGS-84）",
        "input_lon": "经度（输入，{crs}）",
        "input_lat": "纬度（输入，{crs}）",
        "on_network": "在路网上",
        "access_m": "到道路距离（米）",
        "households_within": "{m}分钟内居住点",
        "weight_within": "{m}分钟内住户",
        "catchment_households": "以本站为最近站的居住点（不限距离）",
        "catchment_weight": "以本站为最近站的住户（不限距离）",
        "status": "状态",
        "note": "说明",
        "rank": "序号（按新增贡献）",
        "households_added": "新增覆盖住户",
        "covered_share_after": "累计覆盖率",
        "source": "来源",
        "kind": "类型",
        "area_id": "区域编号",
        "area": "区域",
        "points": "居住点数",
        "households": "住户数",
        "within_5min": "5分钟内住户",
        "share_5min": "5分钟覆盖率",
        "within_10min": "10分钟内住户",
        "share_10min": "10分钟覆盖率",
        "within_15min": "15分钟内住户",
        "share_15min": "15分钟覆盖率",
        "share_threshold": "阈值内覆盖率",
        "off_network": "不在路网上的住户",
        "target_share": "目标覆盖率",
        "meets_target": "是否达标",
        "served_share_after": "累计服务率",
        "households_short_of_target": "距目标差住户",
        "threshold_min": "阈值（分钟）",
        "item": "项目",
        "value": "数值",
        "amenity": "设施类型",
        "capacity": "容量（户）",
        "assigned_weight": "实际服务住户",
        "utilisation": "负荷率",
        "spare_weight": "剩余容量（户）",
        "demand_weight": "需求住户（以本站为最近站且在{m}分钟内）",
        "capacity_short": "容量缺口（户）",
        "staff": "社工人数",
        "staff_needed": "所需社工",
        "extra_staff": "需增社工",
        "weight_served": "实际服务住户",
        "share_served": "实际服务率",
        "compound_id": "小区编号",
        "rule": "规则",
        "gates": "出入口数",
        "gates_on_network": "路网上的出入口",
        "covered_open": "直达道路时覆盖住户",
        "covered_gated": "经出入口覆盖住户",
        "points_changed": "结论改变的居住点",
        "households_changed": "结论改变的住户",
        "supply": "供给（社工人数、容量或每站计1）",
        "supply_ratio": "供需比（{m}分钟内每千户供给）",
        "catchment_demand": "服务范围内需求住户（{m}分钟内，按衰减加权）",
    },
    "en": {
        "id": "ID",
        "name": "Name",
        "lon": "Longitude (WGS-84)",
        "lat": "Latitude (WGS-84)",
        "input_lon": "Longitude (input, {crs})",
        "input_lat": "Latitude (input, {crs})",
        "on_network": "On the network",
        "access_m": "Walk to street (m)",
        "households_within": "Points within {m} min",
        "weight_within": "Households within {m} min",
        "catchment_households": "Points nearest to it (any distance)",
        "catchment_weight": "Households nearest to it (any distance)",
        "status": "Status",
        "note": "Note",
        "rank": "Order (by gain)",
        "households_added": "Households added",
        "covered_share_after": "Covered share after",
        "source": "Source",
        "kind": "Kind",
        "area_id": "Area ID",
        "area": "Area",
        "points": "Residential points",
        "households": "Households",
        "within_5min": "Households within 5 min",
        "share_5min": "Share within 5 min",
        "within_10min": "Households within 10 min",
        "share_10min": "Share within 10 min",
        "within_15min": "Households within 15 min",
        "share_15min": "Share within 15 min",
        "share_threshold": "Share within the threshold",
        "off_network": "Households off the network",
        "target_share": "Target share",
        "meets_target": "Meets the target",
        "served_share_after": "Served share after",
        "households_short_of_target": "Households short of target",
        "threshold_min": "Threshold (min)",
        "item": "Item",
        "value": "Value",
        "amenity": "Amenity",
        "capacity": "Capacity (households)",
        "assigned_weight": "Households served",
        "utilisation": "Utilisation",
        "spare_weight": "Spare capacity",
        "demand_weight": "Demand: households nearest to it within {m} min",
        "capacity_short": "Capacity short",
        "staff": "Social workers",
        "staff_needed": "Social workers needed",
        "extra_staff": "Extra social workers",
        "weight_served": "Households served",
        "share_served": "Share served",
        "compound_id": "Compound ID",
        "rule": "Rule",
        "gates": "Gates",
        "gates_on_network": "Gates on the network",
        "covered_open": "Households covered, nearest street",
        "covered_gated": "Households covered, through gates",
        "points_changed": "Points whose verdict changes",
        "households_changed": "Households whose verdict changes",
        "supply": "Supply (social workers, capacity or 1 per station)",
        "supply_ratio": "Supply per 1,000 households within {m} min",
        "catchment_demand": "Households within {m} min (decay-weighted)",
    },
}
SHEETS = {
    "en": {
        "notes": "Notes",
        "summary": "Summary",
        "stations": "By station",
        "areas": "By area",
        "sites": "Proposed sites",
        "compounds": "Gated compounds",
    },
    "zh": {
        "notes": "说明",
        "summary": "汇总",
        "stations": "各站点",
        "areas": "各街道社区",
        "sites": "建议新增站点",
        "compounds": "封闭小区",
    },
}
#: Widest a data column is made (longer text is cut at the cell's edge on screen and on paper).
DATA_WIDTH = 24
#: Headers wider than this (in Latin characters; a CJK character counts two) wrap.
HEADER_WRAP = 8
PERCENT = {"share", "utilisation", "covered_share_after", "target_share"}
DECIMAL = {
    "access_m": "#,##0.0",
    "lon": "0.0000000",
    "lat": "0.0000000",
    "threshold_min": "0.##",
    "walk_min": "0.0",
    "walk_m": "#,##0",
}

NOTES = {
    "en": [
        ("What the figures mean", None),
        (
            "Covered",
            "A residential point (building or compound) whose walk to the nearest station, over the street "
            "network, is within the threshold. The walk includes the straight walk from the point to its "
            "nearest street and from the station to its street.",
        ),
        (
            "Households",
            "The household count of each point (the weight column); without one, each point counts once.",
        ),
        (
            "Served",
            "Where stations have a capacity: the households a station can take within its capacity, assigned "
            "so that the most households are served, then the shortest total walk.",
        ),
        (
            "Bands",
            "5, 10 and 15 minutes of walking at the stated speed; shares are of all households with usable "
            "coordinates.",
        ),
        (
            "Off the network",
            "A point farther than the snap distance from every walkable street; counted, never covered.",
        ),
        (
            "Gated compounds",
            "When compounds and their gates are given: a point inside a compound with gates walks "
            "straight to one of its gates, then over the street network (the best gate counts); it "
            "never crosses the wall to the nearest street. Compounds without a gate keep the "
            "nearest-street rule. The Gated compounds sheet sets the two rules side by side.",
        ),
        ("Parameters", None),
    ],
    "zh": [
        ("指标说明", None),
        (
            "已覆盖",
            "居住点（楼栋或小区）沿步行路网到最近社工站的步行距离在阈值之内；步行距离包括居住点到最近道路、"
            "站点到其道路的直线步行。",
        ),
        ("住户", "每个居住点的户数（权重列）；没有户数时每个居住点计为1。"),
        (
            "实际服务",
            "站点有容量时：在容量之内能够服务的住户，按服务住户最多、其次总步行距离最短的方式分配。",
        ),
        ("时间圈", "按所列步行速度计算的5、10、15分钟步行范围；覆盖率以坐标有效的全部住户为分母。"),
        ("不在路网上", "距任何可步行道路都超过吸附距离的居住点；计入总数，但不算覆盖。"),
        (
            "封闭小区",
            "提供小区边界和出入口时：有出入口的小区内的居住点先直线走到某个出入口，再沿路网步行（取最优出入口），"
            "不会穿墙走到最近道路。没有出入口的小区仍按最近道路计算。“封闭小区”工作表并列两种规则的结果。",
        ),
        ("参数", None),
    ],
}


def _width(value) -> int:
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _header(col: str, lang: str, minutes: float, crs: str = "") -> str:
    label = HEADERS.get(lang, HEADERS["en"]).get(col, col)
    return label.replace("{m}", f"{minutes:g}").replace("{crs}", crs)


#: Values of the status columns in the chosen language (en keeps the codes the CSVs use).
STATUS = {
    "zh": {
        "on_network": "在路网上",
        "off_network": "不在路网上",
        "covered": "已覆盖",
        "uncovered": "未覆盖",
        "invalid": "输入无效",
        "network": "路网位置",
        "proposed": "建议站点",
        "gated": "经出入口",
        "nearest_street": "最近道路",
        "used": "使用",
        "unused": "未使用",
    }
}
#: Parameters on the notes sheet: (label, unit/meaning) per language; values of profile translated too.
PARAMS = {
    "en": {
        "minutes": "Walking threshold (min)",
        "speed_kph": "Walking speed (km/h)",
        "profile": "Walking profile",
        "max_snap_m": "Farthest a point may be from a street (m)",
        "cutoffs_min": "Bands (min)",
        "weight": "Household column (weight)",
        "crs": "Coordinate system of the inputs",
        "threshold_m": "Threshold walking distance (m)",
    },
    "zh": {
        "minutes": "步行时间阈值（分钟）",
        "speed_kph": "步行速度（km/h）",
        "profile": "步行速度档",
        "max_snap_m": "居住点距道路的最大距离（米）",
        "cutoffs_min": "时间圈（分钟）",
        "weight": "户数列（权重）",
        "crs": "输入坐标系",
        "threshold_m": "阈值步行距离（米）",
    },
}
SOURCE_NAMES = {
    "en": {"stations": "Stations file", "households": "Households file", "areas": "Areas file"},
    "zh": {"stations": "站点文件", "households": "住户文件", "areas": "街道社区边界文件"},
}
PROFILE_ZH = {"adult": "成人（4.8 km/h）", "elderly": "老年人（0.8 m/s）", "planning": "规划口径（4.0 km/h）"}
#: Columns whose meaning is easy to mistake, explained on the notes sheet.
COLUMN_NOTES = {
    "en": [
        (
            "Households nearest to it (any distance)",
            (
                "catchment_weight: the households for which this station is the nearest by walking, "
                "however far (what the station would be asked to serve if everyone went to their nearest "
                "station)."
            ),
        ),
        (
            "Demand: households nearest to it within {m} min",
            (
                "demand_weight (with capacities): the part of the above that is within the threshold, "
                "i.e. the households the station would serve with no capacity limit; compared with the "
                "capacity to give the capacity short and the staff needed."
            ),
        ),
        (
            "Order (by gain)",
            (
                "Proposed sites: the sites are chosen together as the best set for this number of sites; "
                "the order only lists them by what each adds, best first, given those before it. It is "
                "not a build order: the best 3 sites and the best 5 need not share their first site "
                "(siting.json holds the greedy build-out curve for phasing)."
            ),
        ),
    ],
    "zh": [
        (
            "以本站为最近站的住户（不限距离）",
            (
                "catchment_weight：步行最近的社工站是本站的住户，不论距离远近（如果每户都去最近的站点，"
                "本站要面对的住户）。"
            ),
        ),
        (
            "需求住户（以本站为最近站且在{m}分钟内）",
            (
                "demand_weight（有容量时）：上一项中在阈值之内的部分，即不考虑容量时本站会服务的住户；"
                "与容量比较得出容量缺口和所需社工。"
            ),
        ),
        (
            "序号（按新增贡献）",
            (
                "建议新增站点：这些站点是按该站点数整体选出的最优组合；序号只表示按各站新增覆盖住户从多到少排列"
                "（在前面站点的基础上），不是建设顺序：最优的3个站点与最优的5个站点的第1个可以不同"
                "（分期建设请看 siting.json 中的逐个增加曲线）。"
            ),
        ),
    ],
}

#: With an access measure (--access), the By station sheet's supply columns explained (coverage.walk_access).
ACCESS_COLUMN_NOTES = {
    "en": [
        (
            "Supply per 1,000 households within {m} min",
            (
                "supply_ratio: the station's supply (its social workers, else its capacity, else 1) per "
                "1,000 households within {m} min of it (decay-weighted), the first step of the floating "
                "catchment; a household's access adds up these ratios over the stations within its reach."
            ),
        ),
        (
            "Households within {m} min (decay-weighted)",
            (
                "catchment_demand: the households within {m} min of the station, each counted for every "
                "station it reaches (unlike the nearest-station columns), weighted by the distance decay."
            ),
        ),
    ],
    "zh": [
        (
            "供需比（{m}分钟内每千户供给）",
            (
                "supply_ratio：本站的供给（社工人数；没有时用容量；再没有时每站计1）除以本站{m}分钟内"
                "（按衰减加权）的住户，按每千户计；这是两步移动搜索法的第一步，每户的可达性是其{m}分钟内"
                "各站供需比之和。"
            ),
        ),
        (
            "服务范围内需求住户（{m}分钟内，按衰减加权）",
            (
                "catchment_demand：本站{m}分钟步行范围内的住户（按距离衰减加权）；一户能走到几个站，"
                "就在几个站各计一次，与“以本站为最近站”的各列不同。"
            ),
        ),
    ],
}


def _crs_label(crs) -> str:
    """'GCJ-02', 'BD-09', 'EPSG:4547' ... for a header."""
    if isinstance(crs, str):
        key = crs.lower().replace("-", "").replace("_", "")
        return {"gcj02": "GCJ-02", "bd09": "BD-09", "wgs84": "WGS-84"}.get(key, crs)
    try:
        auth = crs.to_authority()
        return f"{auth[0]}:{auth[1]}" if auth else str(crs)
    except AttributeError:
        return str(crs)


def _number_format(col: str) -> str | None:
    if col in PERCENT or col.startswith("share"):
        return "0.0%"
    if col in DECIMAL:
        return DECIMAL[col]
    if col.startswith(
        (
            "households",
            "weight",
            "within",
            "catchment",
            "points",
            "assigned",
            "spare",
            "capacity",
            "off_network",
            "demand",
            "staff",
            "extra_staff",
        )
    ):
        return "#,##0"
    return None


def _cell_value(v):
    """A value as openpyxl stores it:
    numbers as numbers (Python and numpy ints, floats, bools), text as text."""
    if v is None:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    if isinstance(v, str):
        return strip_control(v)
    if pd.isna(v) if not isinstance(v, (list, dict)) else False:
        return None
    return strip_control(str(v))


def write_sheet(
    ws, frame: pd.DataFrame, *, lang: str, minutes: float, formats: dict | None = None, crs: str = ""
) -> None:
    """One table: translated bold frozen headers, fitted widths, number formats, text never a formula."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols = list(frame.columns)
    status = STATUS.get(lang, {})
    if status:
        frame = frame.copy()
        for c in cols:
            if c in ("status", "source", "rule") and _is_text(frame[c]):
                frame[c] = frame[c].map(lambda v: status.get(v, v) if isinstance(v, str) else v)
    ws.append([_header(c, lang, minutes, crs) for c in cols])
    for row in frame.itertuples(index=False):
        ws.append([_cell_value(v) for v in row])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    lines_of: dict[int, int] = {}  # rows holding wrapped text: their lines
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    if any(
        _width(v) > DATA_WIDTH for v in frame.select_dtypes(exclude="number").astype(str).to_numpy().ravel()
    ):
        lines_of[0] = 1  # some text wraps: every cell aligned to the top of its row
    for j, c in enumerate(cols, start=1):
        h = ws.cell(row=1, column=j)
        h.font, h.fill = bold, fill
        h.alignment = Alignment(wrap_text=True, vertical="center")
        fmt = (formats or {}).get(c) or _number_format(str(c))
        width = min(_width(h.value), HEADER_WRAP)  # long headers wrap onto a second or third line
        for i in range(2, ws.max_row + 1):
            cell = ws.cell(row=i, column=j)
            if cell.data_type == "f":  # text from the data that looks like a formula stays text
                cell.data_type = "s"
            if fmt and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = fmt
            shown = _width(_shown(cell.value, fmt))
            if lines_of or shown > DATA_WIDTH:
                cell.alignment = top
            if shown > DATA_WIDTH and isinstance(cell.value, str):  # long text wraps in its cell
                cell.alignment = wrap
                lines_of[i] = max(lines_of.get(i, 1), min(4, -(-shown // (DATA_WIDTH - 1))))
            width = max(width, min(DATA_WIDTH, shown))
        ws.column_dimensions[get_column_letter(j)].width = min(62, width + 2)
    lines = max(
        (
            -(
                -_width(ws.cell(row=1, column=j).value)
                // max(1, int(ws.column_dimensions[get_column_letter(j)].width) - 1)
            )
            for j in range(1, len(cols) + 1)
        ),
        default=1,
    )
    ws.row_dimensions[1].height = 15 * max(1, min(5, lines))
    lines_of.pop(0, None)
    for i, n in lines_of.items():  # set, since neither Excel nor LibreOffice grows them on opening
        ws.row_dimensions[i].height = 15 * n
    ws.freeze_panes = "A2"
    page_setup(ws)


def page_setup(ws, *, repeat_header: bool = True) -> None:
    """Print as a planner expects:
    A4 landscape, every column on the page width, the header row on each page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if repeat_header:
        ws.print_title_rows = "1:1"


def _shown(v, fmt) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and fmt == "0.0%":
        return f"{v:.1%}"
    if isinstance(v, (int, float)) and fmt == "#,##0":
        return f"{v:,.0f}"
    return str(v)


def summary_rows(result, lang: str, sites=None) -> pd.DataFrame:
    """The key figures as (item, value, format) rows."""
    s = result.summary
    zh = lang == "zh"
    rows = [
        ("步行时间阈值（分钟）" if zh else "Walking threshold (min)", s.threshold_min, "0.##"),
        ("步行速度（km/h）" if zh else "Walking speed (km/h)", s.speed_kph, "0.0#"),
        ("居住点数" if zh else "Residential points", s.n_valid, "#,##0"),
        ("已覆盖居住点" if zh else "Points covered", s.n_covered, "#,##0"),
        ("居住点覆盖率" if zh else "Share of points covered", s.share_covered, "0.0%"),
        ("住户数" if zh else "Households", s.weight_total, "#,##0"),
        ("已覆盖住户数" if zh else "Households covered", s.weight_covered, "#,##0"),
        ("住户覆盖率" if zh else "Share of households covered", s.share_covered_weight, "0.0%"),
        ("未覆盖居住点" if zh else "Points uncovered", s.n_uncovered, "#,##0"),
        ("不在路网上的居住点" if zh else "Points off the network", s.n_off_network, "#,##0"),
        ("输入无效的居住点" if zh else "Points with invalid input", s.n_invalid, "#,##0"),
        ("站点数" if zh else "Stations", s.n_stations, "#,##0"),
        ("在路网上的站点数" if zh else "Stations on the network", s.n_stations_on_network, "#,##0"),
    ]
    if s.weight_served is not None:
        rows += [
            ("按容量实际服务住户" if zh else "Households served within capacity", s.weight_served, "#,##0"),
            ("实际服务率" if zh else "Share of households served", s.share_served_weight, "0.0%"),
        ]
        st = result.stations
        if "extra_staff" in st:
            rows.append(
                (
                    "需增社工（合计）" if zh else "Extra social workers needed (total)",
                    float(st["extra_staff"].sum()),
                    "#,##0",
                )
            )
    g = s.gates
    if g:
        rows += [
            ("有出入口的小区" if zh else "Compounds with gates", g["n_gated_compounds"], "#,##0"),
            (
                "没有出入口的小区（按最近道路）" if zh else "Compounds without gates (nearest street)",
                g["n_compounds_without_gates"],
                "#,##0",
            ),
            (
                "结论因出入口改变的住户" if zh else "Households whose verdict changes through gates",
                g["weight_changed"],
                "#,##0",
            ),
            (
                "因出入口失去覆盖的住户" if zh else "Households that lose coverage through gates",
                g["weight_lost"],
                "#,##0",
            ),
            (
                "直达道路时的覆盖住户" if zh else "Households covered by the nearest-street rule",
                g["covered_weight_open"],
                "#,##0",
            ),
        ]
    for b in s.bands:
        m = b["minutes"]
        rows.append(
            (f"{m:g}分钟内住户覆盖率" if zh else f"Households within {m:g} min", b["share_weight"], "0.0%")
        )
    if sites is not None:
        ss = sites.summary
        rows += [
            ("建议新增站点数" if zh else "Proposed new stations", ss["n_sites"], "#,##0"),
            ("新增覆盖住户" if zh else "Households added by them", ss["households_added"], "#,##0"),
            ("新增站点后覆盖率" if zh else "Covered share after them", ss["covered_share_after"], "0.0%"),
        ]
    return pd.DataFrame(rows, columns=["item", "value", "format"])


def write_workbook(
    path, result, *, lang: str = "en", sites=None, by_area=None, manifest: dict | None = None
) -> None:
    """The whole workbook: notes, summary, by station, by area and proposed sites."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    S = SHEETS.get(lang, SHEETS["en"])
    m = result.summary.threshold_min
    wb = Workbook()
    notes = wb.active
    notes.title = S["notes"]
    bold = Font(bold=True)
    for title, text in NOTES.get(lang, NOTES["en"]):
        notes.append([title, text])
        if text is None:
            notes.cell(row=notes.max_row, column=1).font = Font(bold=True, size=12)
    params = dict(result.params)
    net = params.pop("network", {}) or {}
    names = PARAMS.get(lang, PARAMS["en"])
    for k in ("minutes", "speed_kph", "profile", "max_snap_m", "cutoffs_min", "weight", "crs", "threshold_m"):
        if k in params:
            v = params[k]
            if isinstance(v, list):
                v = ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v)
            elif k == "profile" and lang == "zh":
                v = PROFILE_ZH.get(v, v)
            elif k == "crs":
                v = _crs_label(v) if v else "WGS-84"
            notes.append([names[k], _cell_value(v)])
    notes.append(["列说明" if lang == "zh" else "Columns", None])
    notes.cell(row=notes.max_row, column=1).font = Font(bold=True, size=12)
    column_notes = list(COLUMN_NOTES.get(lang, COLUMN_NOTES["en"]))
    if getattr(result, "access_measure", None) is not None:
        column_notes += ACCESS_COLUMN_NOTES.get(lang, ACCESS_COLUMN_NOTES["en"])
    for a, b in column_notes:
        notes.append([a.replace("{m}", f"{m:g}"), b.replace("{m}", f"{m:g}")])
    notes.append(
        [
            "坐标" if lang == "zh" else "Coordinates",
            (
                "经度/纬度为 WGS-84（GPS、OpenStreetMap 所用坐标系）；输入为 GCJ-02（高德、腾讯）或 "
                "BD-09（百度）时，“各站点”另列输入时的原始坐标。"
                if lang == "zh"
                else "Longitude/latitude are WGS-84 (GPS, OpenStreetMap); when the input was GCJ-02 "
                "(Amap, Tencent) or "
                "BD-09 (Baidu), the By station sheet also lists the coordinates as given."
            ),
        ]
    )
    notes.append(["数据来源" if lang == "zh" else "Data sources", None])
    notes.cell(row=notes.max_row, column=1).font = Font(bold=True, size=12)
    src = [
        (
            "OpenStreetMap",
            f"{net.get('source_name', '')}; "
            + (
                f"数据时间 {net.get('osm_timestamp')}"
                if lang == "zh"
                else f"data as of {net.get('osm_timestamp')}"
            )
            + "; © OpenStreetMap contributors, ODbL 1.0",
        )
    ]
    if manifest:
        for name, info in manifest.get("inputs", {}).items():
            if name != "network" and info.get("file"):
                src.append(
                    (
                        SOURCE_NAMES.get(lang, SOURCE_NAMES["en"]).get(name, name),
                        f"{info['file']} (sha256 {str(info.get('sha256'))[:12]}…)",
                    )
                )
        src.append(
            (
                "service-coverage",
                f"{manifest.get('versions', {}).get('service-coverage')}, {manifest.get('created_utc')}",
            )
        )
    for a, b in src:
        notes.append([a, b])
    notes.column_dimensions["A"].width = 34
    notes.column_dimensions["B"].width = 90
    page_setup(notes, repeat_header=False)
    notes.page_setup.orientation = "portrait"
    for row in notes.iter_rows(min_row=1, max_row=notes.max_row):
        if not row[0].font.bold:
            row[0].font = bold
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
        row[1].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        lines = max(-(-_width(row[0].value or "") // 32), -(-_width(row[1].value or "") // 88), 1)
        notes.row_dimensions[row[0].row].height = (
            15 * lines + 2
        )  # wrapped text shows whole, on screen and paper
        if row[1].data_type == "f":
            row[1].data_type = "s"

    summ = summary_rows(result, lang, sites)
    ws = wb.create_sheet(S["summary"])
    write_sheet(ws, summ[["item", "value"]], lang=lang, minutes=m)
    for i, fmt in enumerate(summ["format"], start=2):
        ws.cell(row=i, column=2).number_format = fmt
    ws.column_dimensions["B"].width = 16

    write_sheet(
        wb.create_sheet(S["stations"]),
        _plain(station_table(result)),
        lang=lang,
        minutes=m,
        crs=_crs_label(result.station_points.input_crs),
    )
    if by_area is not None:
        write_sheet(wb.create_sheet(S["areas"]), _plain(by_area), lang=lang, minutes=m)
    if sites is not None:
        sf = sites.sites  # named in the analyse step (coverage.products.analyse)
        write_sheet(
            wb.create_sheet(S["sites"]),
            _plain(pd.DataFrame(sf.drop(columns=sf.geometry.name))),
            lang=lang,
            minutes=m,
        )
    table = result.compounds_table() if result.gate_rule is not None else None
    if table is not None:
        write_sheet(wb.create_sheet(S["compounds"]), _plain(table), lang=lang, minutes=m)
    wb.save(path)


def station_table(result) -> pd.DataFrame:
    """The stations as a table:
    id, name, lon, lat (whatever the input called them), the results, then the rest."""
    sp = result.station_points
    frame = pd.DataFrame(result.stations.drop(columns=result.stations.geometry.name))
    used = set()
    id_col = next(
        (c for c in frame.columns if list(frame[c].astype(str)) == list(pd.Series(sp.ids).astype(str))), None
    )
    used |= {id_col, sp.name_col}
    # the input's capacity or staff column is shown once, as capacity / staff
    used |= {result.params.get(k) for k in ("capacity_col", "staff_col")} - {None}
    names = frame[sp.name_col].astype(str).tolist() if sp.name_col else None
    for c in frame.columns:  # canonical copies of the id and name columns are shown once
        if str(c) in ("id", "name") and frame[c].astype(str).tolist() in (
            list(pd.Series(sp.ids).astype(str)),
            names,
        ):
            used.add(c)
    lower = {str(c).lower(): c for c in frame.columns}
    xy = [
        lower[k]
        for k in ("lon", "lat", "lng", "longitude", "latitude", "经度", "纬度", "x", "y")
        if k in lower
    ]
    used |= set(xy)
    out = pd.DataFrame(
        {
            "id": sp.ids,
            "name": frame[sp.name_col].to_numpy() if sp.name_col else "",
            "lon": np.round(sp.lon, 7),
            "lat": np.round(sp.lat, 7),
        }
    )
    # the coordinates as given, where they differ from WGS-84 (GCJ-02, BD-09, a projected CRS)
    given = (
        [pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float) for c in xy[:2]]
        if len(xy) >= 2
        else []
    )
    if given and np.nanmax(np.abs(np.r_[given[0] - sp.lon, given[1] - sp.lat, 0.0])) > 1e-6:
        out["input_lon"], out["input_lat"] = given
    results = [
        c
        for c in (
            "on_network",
            "access_m",
            "households_within",
            "weight_within",
            "catchment_households",
            "catchment_weight",
            "capacity",
            "assigned_weight",
            "utilisation",
            "spare_weight",
            "demand_weight",
            "capacity_short",
            "staff",
            "staff_needed",
            "extra_staff",
            "status",
            "note",
        )
        if c in frame.columns
    ]
    rest = [c for c in frame.columns if c not in used and c not in results]
    extra = frame[results + rest].reset_index(drop=True)
    for c in rest:  # the input's own numbers, read as text, go back to numbers (ids like 007 stay text)
        extra[c] = _numbers_from_text(extra[c])
    return pd.concat([out, extra], axis=1)


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col.dtype)


_NUMBER = r"^-?(0|[1-9]\d*)(\.\d+)?$"


def _numbers_from_text(col: pd.Series) -> pd.Series:
    """A text column whose every value is a plain number (no leading zeros) as numbers; else unchanged."""
    if not _is_text(col):
        return col
    text = col.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty or not text.str.match(_NUMBER).all():
        return col
    num = pd.to_numeric(col.where(col.astype(str).str.strip() != ""), errors="coerce")
    whole = num.dropna()
    return (
        num.astype("Int64")
        if len(whole) and (whole == whole.round()).all() and not text.str.contains(".", regex=False).any()
        else num
    )


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
    return out
