"""What a siting returns: :class:`SitingResult` (sites, summary, curve) and the frames built from a solve."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .reduction import SitingProblem
from .solvers import Solution


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
        """Weight covered after the new sites (fixed sites included)."""
        return self.problem.covered_weight + float(self.summary["households_added"])

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
        """One line a planner can read: sites, gain, shares, solver and gap (or why there is nothing to site)."""
        s = self.summary
        if not s["n_sites"] and s.get("uncovered_households") is not None and not s.get("coverable_weight"):
            n_unc, n_cand = s["uncovered_households"], s.get("candidates_in", 0)
            if lang == "zh":
                return ("无需新增站点：所有可达住户都已在阈值内。" if not n_unc else
                        f"没有可建议的站点：{n_cand:,} 个候选站址都不能让 {n_unc:,} 个未覆盖居住点中的任何一个进入阈值。")
            return ("Nothing to site: every household the network reaches is already within the threshold." if not n_unc
                    else f"Nothing to site: none of the {n_cand:,} candidate sites brings any of the {n_unc:,} "
                         "uncovered residential points within the threshold.")
        gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
        before, after = s["covered_share_before"] or 0.0, s["covered_share_after"] or 0.0
        if lang == "zh":
            what = "服务率" if "weight_served_after" in s else "覆盖率"
            line = (f"{'最大覆盖' if s['k'] is not None else '集合覆盖'}：新增 {s['n_sites']} 个站点，"
                    f"增加覆盖 {s['households_added']:,.0f} 户；{what} {before:.1%} → {after:.1%}"
                    f"（{s['solver']}，{s['solver_status']}，间隙 {gap}）")
            if s.get("target_reachable") is False:
                line += (f"。目标 {s['target_share']:.0%} 无法达到：候选点最多覆盖 {s['max_share_reachable']:.1%}，"
                         f"需 {s['n_sites']} 个站点")
            return line
        what = "served share" if "weight_served_after" in s else "covered share"
        line = (f"{s['problem']}: {s['n_sites']} new sites add {s['households_added']:,.0f} households; "
                f"{what} {before:.1%} -> {after:.1%} ({s['solver']}, {s['solver_status']}, gap {gap})")
        if s.get("target_reachable") is False:
            line += (f". The target of {s['target_share']:.0%} of all households is not reachable: the candidates "
                     f"reach at most {s['max_share_reachable']:.1%}, which takes {s['n_sites']} sites")
        return line

    def to_files(self, out_dir) -> dict[str, str]:
        """Write ``sites.csv``, ``sites.gpkg`` (when the sites are places) and ``siting.json``."""
        from ..output.files import write_siting

        return write_siting(self, out_dir)


def sites_frame(siting: Siting, labels, extra: dict | None = None) -> pd.DataFrame:
    """rank, id, households_added, covered_share_after (+ extra columns) in rank order."""
    p = siting.problem
    cum = p.covered_weight + np.cumsum(siting.gains) if siting.gains else np.zeros(0)
    frame = pd.DataFrame({
        "rank": np.arange(1, siting.columns.size + 1),
        "id": [labels[int(c)] for c in siting.columns],
        "households_added": np.round(siting.gains, 3),
        "covered_share_after": cum / p.total_weight if p.total_weight else cum,
    })
    for name, values in (extra or {}).items():
        frame[name] = values
    return frame


def curve_rows(siting: Siting, labels) -> list[dict]:
    t = siting.problem.total_weight
    return [{"k": i, "id": str(labels[int(c)]), "covered_weight": float(w), "covered_share": w / t if t else None}
            for i, (c, w) in enumerate(zip(siting.curve_columns, siting.curve_weight), start=1)]

