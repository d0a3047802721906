"""What a siting returns: :class:`SitingResult` (sites, summary, curve) and the frames built from a solve."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .reduction import SitingProblem
from .solvers import Solution

if TYPE_CHECKING:
    from .._types import PathLike


@dataclass(frozen=True)
class Siting:
    """What :func:`solve_covering` found, in reduced-column terms.

    ``columns`` are input columns (candidate rows) in rank order with their
    marginal ``gains``; ``curve`` is the greedy build-out for k = 1..K.
    """

    problem: SitingProblem
    solution: Solution
    columns: np.ndarray
    gains: list[float]
    curve_columns: np.ndarray
    curve_weight: list[float]
    summary: dict


@dataclass(frozen=True, eq=False)
class SitingResult:
    """New sites and how they were found.

    Attributes
    ----------
    sites
        One row per chosen site in rank order (best marginal gain first):
        ``rank``, ``id``, ``households_added``, ``covered_share_after``, plus
        ``lon``/``lat`` and geometry when the sites are places.
    summary
        Problem, solver, status, proven gap, shares before and after, and
        the reduction counts.
    problem
        The reduced :class:`SitingProblem`.
    candidates
        The candidates considered (a GeoDataFrame, or the column labels).
    curve
        The greedy build-out for k = 1..K: ``k``, ``id``, ``covered_weight``,
        ``covered_share``.
    analysis
        The assessment summary the siting started from, when there is one.
    """

    sites: pd.DataFrame
    summary: dict
    problem: SitingProblem = field(repr=False)
    candidates: object = field(repr=False)
    curve: list[dict] = field(default_factory=list)
    analysis: dict | None = field(default=None, repr=False)

    @property
    def chosen(self) -> list:
        """The chosen columns' labels (positions for an ndarray) in rank order."""
        return self.sites["id"].tolist()

    @property
    def covered_weight(self) -> float:
        """Weight covered after the new sites (fixed sites included);
        NaN for a p-median or p-center on a matrix."""
        s = self.summary
        if s.get("objective") in ("median", "center"):
            share, total = s.get("covered_share_after"), self.problem.total_weight
            return float(share * total) if share is not None else float("nan")
        return self.problem.covered_weight + float(s["households_added"])

    @property
    def objective(self) -> float:
        """The value the siting optimised, recomputed from the chosen sites.

        p-median: the total weighted cost of every row to its nearest chosen
        or fixed column; p-center: the largest such cost (rows no open column
        reaches within the cap count at the cap; see ``summary`` for the
        unserved and unreachable rows); covering: the weight covered (served,
        with capacities).
        """
        s = self.summary
        if "objective_value" in s:
            return float(s["objective_value"])
        if "weight_served_after" in s:
            return float(s["weight_served_after"])
        return self.covered_weight

    @property
    def covered_share(self) -> float | None:
        return self.summary["covered_share_after"]

    @property
    def status(self) -> str:
        return self.summary["status"]

    @property
    def gap(self) -> float | None:
        """Proven relative gap to the optimum (0 = optimal; None when unknown)."""
        return self.summary["gap"]

    def __repr__(self) -> str:
        return f"SitingResult({self.text()})"

    def text(self, lang: str = "en") -> str:
        """One line a planner can read: sites, gain, shares, solver and gap
        (or why there is nothing to site)."""
        s = self.summary
        if s.get("objective") in ("median", "center"):
            return median_text(s, lang)
        if not s["n_sites"] and s.get("uncovered_households") is not None and not s.get("coverable_weight"):
            n_unc, n_cand = s["uncovered_households"], s.get("candidates_in", 0)
            if lang == "zh":
                return (
                    "无需新增站点：所有可达住户都已在阈值内。"
                    if not n_unc
                    else f"没有可建议的站点：{n_cand:,} 个候选站址都不能让 "
                    f"{n_unc:,} 个未覆盖居住点中的任何一个进入阈值。"
                )
            return (
                "Nothing to site: every household the network reaches is already within the threshold."
                if not n_unc
                else f"Nothing to site: none of the {n_cand:,} candidate sites brings any of the {n_unc:,} "
                "uncovered residential points within the threshold."
            )
        gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
        before, after = s["covered_share_before"] or 0.0, s["covered_share_after"] or 0.0
        if lang == "zh":
            what = "服务率" if "weight_served_after" in s else "覆盖率"
            line = (
                f"{'最大覆盖' if s['k'] is not None else '集合覆盖'}：新增 {s['n_sites']} 个站点，"
                f"增加覆盖 {s['households_added']:,.0f} 户；{what} {before:.1%} → {after:.1%}"
                f"（{s['solver']}，{s['solver_status']}，间隙 {gap}）"
            )
            if s.get("target_reachable") is False:
                line += (
                    f"。目标 {s['target_share']:.0%} 无法达到："
                    f"候选点最多覆盖 {s['max_share_reachable']:.1%}，"
                    f"需 {s['n_sites']} 个站点"
                )
            return line
        what = "served share" if "weight_served_after" in s else "covered share"
        line = (
            f"{s['problem']}: {s['n_sites']} new sites add {s['households_added']:,.0f} households; "
            f"{what} {before:.1%} -> {after:.1%} ({s['solver']}, {s['solver_status']}, gap {gap})"
        )
        if s.get("target_reachable") is False:
            line += (
                f". The target of {s['target_share']:.0%} of all households is not reachable: the candidates "
                f"reach at most {s['max_share_reachable']:.1%}, which takes {s['n_sites']} sites"
            )
        return line

    def to_files(self, out_dir: PathLike) -> dict[str, str]:
        """Write ``sites.csv``, ``sites.gpkg`` (when the sites are places) and ``siting.json``."""
        from ..output.files import write_siting

        return write_siting(self, out_dir)


def sites_frame(siting: Siting, labels, extra: dict | None = None) -> pd.DataFrame:
    """rank, id, households_added, covered_share_after (+ extra columns) in rank order."""
    p = siting.problem
    cum = p.covered_weight + np.cumsum(siting.gains) if siting.gains else np.zeros(0)
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, siting.columns.size + 1),
            "id": [labels[int(c)] for c in siting.columns],
            "households_added": np.round(siting.gains, 3),
            "covered_share_after": cum / p.total_weight if p.total_weight else cum,
        }
    )
    for name, values in (extra or {}).items():
        frame[name] = values
    return frame


def curve_rows(siting: Siting, labels) -> list[dict]:
    t = siting.problem.total_weight
    return [
        {"k": i, "id": str(labels[int(c)]), "covered_weight": float(w), "covered_share": w / t if t else None}
        for i, (c, w) in enumerate(zip(siting.curve_columns, siting.curve_weight, strict=True), start=1)
    ]


def _num(x: float, unit: str) -> str:
    return f"{x:,.0f}{unit}" if abs(x) >= 100 else f"{x:,.2f}{unit}"


def _arrow(before: float | None, after: float, unit: str, arrow: str) -> str:
    return _num(after, unit) if before is None else f"{_num(before, unit)} {arrow} {_num(after, unit)}"


def median_text(s: dict, lang: str = "en") -> str:
    """The one line of a p-median or p-center siting."""
    unit = {"m": " m", "": ""}.get(s.get("cost_unit", ""), " " + s.get("cost_unit", ""))
    gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
    if lang == "zh":
        unit_zh = {" m": " 米"}.get(unit, unit)
        what = "平均步行" if s["objective"] == "median" else "最长步行"
        name = "p-中位（总步行最短）" if s["objective"] == "median" else "p-中心（最长步行最短）"
        before, after = (
            (s["mean_cost_before"], s["mean_cost_after"])
            if s["objective"] == "median"
            else (s["max_cost_before"], s["max_cost_after"])
        )
        line = (
            f"{name}：新增 {s['n_sites']} 个站点；{what} {_arrow(before, after, unit_zh, '→')}"
            f"（{s['solver']}，{s['solver_status']}，间隙 {gap}）"
        )
        if s.get("rows_unserved"):
            line += f"；{s['rows_unserved']:,} 个需求点（{s['weight_unserved']:,.0f} 户）在所选站点上限之外"
        if s.get("rows_unserved") is None and s.get("weight_unserved"):
            line += f"；{s['weight_unserved']:,.0f} 户在容量与 {_num(s['cap'], unit_zh)} 之内无站可服务"
        if s.get("rows_unreachable"):
            line += (
                f"；{s['rows_unreachable']:,} 个需求点（{s['weight_unreachable']:,.0f} 户）任何站点都到达不了"
            )
        if s.get("group_weights"):
            line += "；群体权重 " + "，".join(f"{g}={v:g}" for g, v in s["group_weights"].items())
        return line
    what = "mean cost" if s["objective"] == "median" else "longest cost"
    if unit == " m":
        what = "mean walk" if s["objective"] == "median" else "longest walk"
    before, after = (
        (s["mean_cost_before"], s["mean_cost_after"])
        if s["objective"] == "median"
        else (s["max_cost_before"], s["max_cost_after"])
    )
    line = (
        f"{s['problem']}: {s['n_sites']} new sites; {what} {_arrow(before, after, unit, '->')} "
        f"(objective {s['objective_value']:,.6g}; {s['solver']}, {s['solver_status']}, gap {gap})"
    )
    rows, weight = ("residential points", "households") if unit == " m" else ("rows", "weight")
    if s.get("rows_unserved"):
        line += (
            f"; {s['rows_unserved']:,} {rows} ({s['weight_unserved']:,.0f} {weight}) "
            f"beyond the chosen sites' reach of {_num(s['cap'], unit)} (counted at it)"
        )
    if s.get("rows_unserved") is None and s.get("weight_unserved"):
        line += (
            f"; {s['weight_unserved']:,.0f} {weight} not served within the capacities "
            f"and {_num(s['cap'], unit)}"
        )
    if s.get("rows_unreachable"):
        line += (
            f"; {s['rows_unreachable']:,} {rows} ({s['weight_unreachable']:,.0f} {weight}) beyond every "
            "site (left out)"
        )
    if s.get("group_weights"):
        line += "; group weights " + ", ".join(f"{g}={v:g}" for g, v in s["group_weights"].items())
    return line


def median_summary(sol, weight: np.ndarray, *, k: int, extra: dict | None = None) -> dict:
    """The summary of a :class:`~coverage.siting.median.MedianSolution` (or its capacitated sibling)."""
    w = np.asarray(weight, dtype=float)
    unreachable = sol.unreachable
    w_valid = float(w[~unreachable].sum())
    kind = getattr(sol, "objective_kind", "median")
    s = {
        "problem": (
            "capacitated p-median (least total walk within capacity; a row may be split)"
            if not hasattr(sol, "objective_kind")
            else {"median": "p-median (least total cost)", "center": "p-center (least longest cost)"}[kind]
        ),
        "objective": kind,
        "k": k,
        "solver": sol.solver,
        "status": sol.status,
        "solver_status": sol.status,
        "gap": sol.gap,
        "bound": sol.bound,
        "n_sites": len(sol.columns),
        "objective_before": sol.objective_before,
        "objective_value": sol.objective,
        "objective_served": sol.objective_served,
        "cap": sol.cap,
        "rows_unreachable": int(unreachable.sum()),
        "weight_unreachable": float(w[unreachable].sum()),
    }
    if hasattr(sol, "row_cost"):
        cost = sol.row_cost
        served = np.isfinite(cost)
        s["rows_unserved"] = int((~unreachable & ~served).sum())
        s["weight_unserved"] = float(w[~unreachable & ~served].sum())
        s["max_cost_after"] = float(cost[served & (w > 0)].max()) if (served & (w > 0)).any() else 0.0
        s.update(
            {k2: v for k2, v in sol.counts.items() if k2.startswith(("candidates_", "demand_", "pairs"))}
        )
    else:
        s["rows_unserved"] = None
        s["weight_unserved"] = sol.unserved_weight
    none_open = (extra or {}).get("n_fixed") == 0  # before: nothing open, every row at the cap
    if kind == "median":
        s["mean_cost_before"] = None if none_open or not w_valid else sol.objective_before / w_valid
        s["mean_cost_after"] = sol.objective / w_valid if w_valid else 0.0
    else:
        s["max_cost_before"] = None if none_open else sol.objective_before
        s["max_cost_after"] = sol.objective
    if none_open:
        s["objective_before"] = None
    return {**s, **(extra or {})}


def median_sites(sol, labels, weight_total: float, extra: dict | None = None) -> pd.DataFrame:
    """rank, id, households_assigned, objective_after (+ mean_cost_after for p-median, + extra columns)."""
    frame = pd.DataFrame(
        {
            "rank": np.arange(1, len(sol.columns) + 1),
            "id": [labels[int(c)] for c in sol.columns],
            "households_assigned": np.round(sol.assigned_weight, 6),
            "objective_after": np.asarray(sol.objective_after, dtype=float),
        }
    )
    if getattr(sol, "objective_kind", "median") == "median" and weight_total:
        frame["mean_cost_after"] = frame["objective_after"] / weight_total
    for name, values in (extra or {}).items():
        frame[name] = values
    return frame
