"""How much service each household can expect: floating catchment on the exact walks.

"Covered" says a household can reach a station within the threshold; it
does not say how many social workers are left for it once everyone else
within reach of the same stations is counted. ``assess(..., access="2sfca")``
(``analyze --access 2sfca``) answers that with the two-step floating
catchment (:func:`coverage.accessibility.two_step_fca`, Luo & Wang 2003) on
the run's own household x station walks within the threshold (access walks
at both ends and gated compounds included), in walking minutes:

* ``2sfca``: every pair within the threshold weighs 1;
* ``e2sfca``: the enhanced 2SFCA's steps (Luo & Qi 2009) on thirds of the
  threshold: weight 1 up to a third, 0.68 up to two thirds, 0.22 up to the
  threshold (5/10/15 minutes at 15);
* ``gaussian``: the Gaussian decay ``exp(-t^2 / 2 b^2)`` with ``b`` half the
  threshold (weight 0.61 at half the threshold, 0.14 at the threshold).

Supply per station is its staff (``staff=`` / ``--staff-col``, social
workers; no caseload needed), else its capacity (``capacity=`` /
``--capacity-col``, households), else 1 per station. Demand is the household
weight. Values are reported per 1,000 households: ``access_2sfca = 2.5``
means 2.5 social workers for every 1,000 households, counting the
competition of everyone else within reach of the same stations; the weighted
mean over all households equals the supply of the stations that have anyone
within reach, per 1,000 households. A household with no station within the
threshold has 0; an invalid row has no value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import CoverageInputError
from .accessibility import gaussian, step, two_step_fca
from .equity import gini
from .groups import lorenz_points

#: The methods of ``access=`` / ``--access``.
METHODS = ("2sfca", "e2sfca", "gaussian")
#: Results are per this many households.
PER_HOUSEHOLDS = 1000.0
#: Luo & Qi (2009)'s E2SFCA weights for the three travel-time zones.
E2SFCA_WEIGHTS = (1.0, 0.68, 0.22)


#: The supply and decay in words per language; ``summary["supply"]``, ``["unit"]`` and ``["decay"]`` keep
#: the English text (summary.json), the readers' texts go through :func:`supply_label`,
#: :func:`unit_label` and :func:`decay_label`.
ACCESS_WORDS = {
    "zh": {
        "staff": "社工人数（{col}列）",
        "capacity": "容量（{col}列，户）",
        "one": "每站计1",
        "unit_staff": "每千户社工人数",
        "unit_capacity": "每千户容量（户）",
        "unit_one": "每千户站点数",
        "none": "无（阈值内每对权重均为1）",
        "step": "分段衰减（分钟: 权重）{arg}",
        "gaussian": "高斯衰减（带宽 {arg} 分钟）",
        "power": "幂函数衰减 {arg}",
    }
}


def _supply_kind(text: str) -> tuple[str, str | None]:
    """("staff" | "capacity" | "one" | "", column) of an :attr:`AccessSpec.supply_text`."""
    if text == "1 per station":
        return "one", None
    for kind in ("staff", "capacity"):
        if text.startswith(f"{kind} (") and text.endswith(")"):
            return kind, text[len(kind) + 2 : -1]
    return "", None


def supply_label(text, lang: str = "en") -> str:
    """The supply (``summary["supply"]``, e.g. ``staff (社工)``) in the chosen language."""
    words = ACCESS_WORDS.get(lang)
    kind, col = _supply_kind(str(text))
    if not words or not kind:
        return str(text)
    return words[kind].format(col=col)


def unit_label(summary: dict, lang: str = "en") -> str:
    """The unit of the access values (``summary["unit"]``) in the chosen language."""
    words = ACCESS_WORDS.get(lang)
    kind, _ = _supply_kind(str(summary.get("supply", "")))
    if not words or not kind:
        return str(summary.get("unit", ""))
    return words[f"unit_{kind}"]


def decay_label(text, lang: str = "en") -> str:
    """The decay (``summary["decay"]``: ``none``, ``step({...})``, ``gaussian(bandwidth=7.5)``) in words."""
    words = ACCESS_WORDS.get(lang)
    text = str(text)
    if not words:
        return text
    if text == "none":
        return words["none"]
    for kind in ("step", "gaussian", "power"):
        if text.startswith(f"{kind}(") and text.endswith(")"):
            arg = text[len(kind) + 1 : -1]
            if kind == "gaussian":
                arg = arg.removeprefix("bandwidth=")
            return words[kind].format(arg=arg)
    return text


def parse_access(method, level=None) -> tuple[str, float | None]:
    """The method name (lower case) and level, checked."""
    m = str(method).strip().lower()
    if m not in METHODS:
        msg = f"--access {method!r} is not a measure; use one of {', '.join(METHODS)}."
        raise CoverageInputError(msg)
    if level is not None:
        try:
            level = float(level)
        except (TypeError, ValueError):
            level = float("nan")
        if not (np.isfinite(level) and level >= 0):
            msg = (
                f"--access-level {level!r} must be a number of supply units per 1,000 households, 0 or more."
            )
            raise CoverageInputError(msg)
    return m, level


@dataclass(frozen=True)
class AccessSpec:
    """Which measure, which supply column, and the level whose share below is reported."""

    method: str
    level: float | None = None
    staff_col: str | None = None
    capacity_col: str | None = None

    @classmethod
    def of(cls, method, level=None, *, staff_col=None, capacity_col=None) -> AccessSpec:
        m, lv = parse_access(method, level)
        return cls(m, lv, staff_col, capacity_col)

    @property
    def supply_text(self) -> str:
        if self.staff_col is not None:
            return f"staff ({self.staff_col})"
        if self.capacity_col is not None:
            return f"capacity ({self.capacity_col})"
        return "1 per station"

    def decay(self, threshold_min: float):
        if self.method == "e2sfca":
            t = threshold_min
            return step({t / 3: E2SFCA_WEIGHTS[0], 2 * t / 3: E2SFCA_WEIGHTS[1], t: E2SFCA_WEIGHTS[2]})
        if self.method == "gaussian":
            return gaussian(threshold_min / 2)
        return None


def station_supply(stations, spec: AccessSpec, *, capacity=None) -> np.ndarray:
    """Supply per station: its staff column, else its capacity, else 1 (checked: numbers, 0 or more).

    ``capacity`` (households per station, already read for the capacity
    analysis) is used as it is when the supply is the capacity.
    """
    from .capacity import read_capacity

    if spec.staff_col is not None:
        values, _ = read_capacity(stations, capacity=spec.staff_col)
        return values
    if spec.capacity_col is not None:
        if capacity is not None:
            return np.asarray(capacity, dtype=float)
        values, _ = read_capacity(stations, capacity=spec.capacity_col)
        return values
    return np.ones(len(stations))


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value at which half the weight lies at or below (the lower weighted median)."""
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(values[ok], kind="stable")
    v, w = values[ok][order], weights[ok][order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, 0.5 * cum[-1] - 1e-12 * cum[-1])])


def stats(values: np.ndarray, weights: np.ndarray, level: float) -> dict:
    """Weighted mean, median, share below ``level``, Gini and Lorenz curve of one measure."""
    ok = np.isfinite(values) & (weights > 0)
    v, w = values[ok], weights[ok]
    if not ok.any() or w.sum() == 0:
        return {"mean": None, "median": None, "share_below_level": None, "gini": None, "lorenz": None}
    positive = v.sum() > 0
    return {
        "mean": float(np.average(v, weights=w)),
        "median": weighted_median(v, w),
        "share_below_level": float(w[v < level].sum() / w.sum()),
        "gini": gini(v, w) if positive else None,
        "lorenz": lorenz_points(v, w) if positive else None,
    }


@dataclass(frozen=True, eq=False)
class WalkAccess:
    """Accessibility of every household on the run's walks (see the module notes).

    Attributes
    ----------
    spec
        The measure and supply (:class:`AccessSpec`).
    supply
        Supply per station row.
    access
        Per household row: supply per 1,000 households (NaN for invalid rows).
    ratio
        Per station row: supply per 1,000 households of (decay-weighted)
        demand within its catchment.
    catchment_demand
        Per station row: the (decay-weighted) households within its catchment.
    summary
        Method, decay, supply, unit, the level and the weighted mean, median,
        share below the level, Gini and Lorenz curve (``summary.json``'s
        ``access``).
    """

    spec: AccessSpec
    supply: np.ndarray
    access: np.ndarray
    ratio: np.ndarray
    catchment_demand: np.ndarray
    summary: dict

    @property
    def column(self) -> str:
        return f"access_{self.spec.method}"


def walk_access(result, spec: AccessSpec, supply) -> WalkAccess:
    """The measure on ``result``'s walks within its threshold; adds the columns to its frames (in place).

    Households get ``access_<method>``; stations get ``supply``,
    ``supply_ratio`` (supply per 1,000 households in the catchment) and
    ``catchment_households``-like ``catchment_demand``.
    """
    supply = np.asarray(supply, dtype=float)
    hh = result.household_points
    p = result.params
    minutes_per_m = 1.0 / (p["speed_kph"] / 3.6 * 60.0)
    walks = result.access.within(
        result.network, result.station_snap, result.reach, p["threshold_m"], walk=True
    )
    cost = walks.copy()
    cost.data = cost.data * minutes_per_m
    demand = np.where(hh.valid, hh.weight, 0.0)
    threshold = float(p["minutes"])
    decay = spec.decay(threshold)
    r = two_step_fca(cost, demand, supply, max_cost=threshold + 1e-9, decay=decay)
    access = np.asarray(r.access, dtype=float) * PER_HOUSEHOLDS
    access[~hh.valid] = np.nan
    ratio = np.asarray(r.ratio, dtype=float) * PER_HOUSEHOLDS
    h, s = result.households, result.stations
    col = f"access_{spec.method}"
    h[col] = access
    s["supply"] = supply
    s["supply_ratio"] = ratio
    s["catchment_demand"] = np.asarray(r.catchment_demand, dtype=float)
    w = np.where(hh.valid, hh.weight, 0.0)
    mean_all = float(np.average(access[hh.valid], weights=w[hh.valid])) if w.sum() else float("nan")
    level = spec.level if spec.level is not None else mean_all / 2
    summary = {
        "method": r.method if spec.method != "gaussian" else "Ga2SFCA",
        "measure": spec.method,
        "column": col,
        "decay": r.decay,
        "catchment_min": threshold,
        "supply": spec.supply_text,
        "supply_total": float(supply.sum()),
        "unit": f"supply per {PER_HOUSEHOLDS:,.0f} households",
        "level": float(level),
        "level_default": spec.level is None,
        "n_pairs": int(r.n_pairs),
        **stats(access, w, level),
        "weight_without_access": float(w[hh.valid & (access == 0)].sum()),
    }
    return WalkAccess(spec, supply, access, ratio, np.asarray(r.catchment_demand, dtype=float), summary)


def by_area(result, areas, *, name_col: str | None = None, id_col: str | None = None) -> pd.DataFrame:
    """One row per area: the fairness of walking time and, with an access measure, of access.

    Columns: ``households``, ``mean_walk_min``, ``gini_walk_min`` (over the
    households that reach a station), and with ``access=``: the weighted
    ``access_mean``, ``access_median``, ``access_share_below`` (the share of
    households below the run's level) and ``gini_access``.
    """
    from .areas import OUTSIDE
    from .groups import area_index

    area_of, table = area_index(result, areas, name_col=name_col, id_col=id_col)
    hh = result.household_points
    walk = result.households["walk_min"].to_numpy(dtype=float)
    w = np.where(hh.valid, hh.weight, 0.0)
    wa = result.access_measure
    rows = []
    keys = [(i, table.loc[i, "area_id"], table.loc[i, "area"]) for i in table.index] + [(-1, None, OUTSIDE)]
    for key, area_id, label in keys:
        inside = (area_of == key) & hh.valid
        if key == -1 and not inside.any():
            continue
        reached = inside & np.isfinite(walk) & (w > 0)
        row = {
            "area_id": area_id,
            "area": label,
            "households": float(w[inside].sum()),
            "mean_walk_min": float(np.average(walk[reached], weights=w[reached]))
            if reached.any()
            else np.nan,
            "gini_walk_min": gini(walk[reached], w[reached])
            if reached.any() and walk[reached].sum() > 0
            else np.nan,
        }
        if wa is not None:
            st = stats(np.where(inside, wa.access, np.nan), w, wa.summary["level"])
            row.update(
                {
                    "access_mean": st["mean"],
                    "access_median": st["median"],
                    "access_share_below": st["share_below_level"],
                    "gini_access": st["gini"],
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)
