"""Accessibility with competition: floating catchment areas and the gravity potential.

"Within 15 minutes" says who *can* reach a station; it does not say how much
service each household can expect when a station's few social workers are
shared by everyone else who reaches it. The floating catchment area (FCA)
family answers that: each station's supply is divided among the demand in its
catchment, and each household adds up its shares of the stations it reaches.

Everything here works on any demand x supply cost matrix (walking minutes or
metres from :mod:`coverage.reach`, a web-map routing service, a survey): a
numpy array, a scipy sparse matrix or a DataFrame, read by
:func:`coverage._costs.cost_pairs`. Only the reachable pairs are touched, with
sparse matrix-vector products over the (row, column) pairs, so a million households
x a thousand stations at ~50 stations each takes a second or two.

Measures (``D_i`` demand of row ``i``, ``S_j`` supply of column ``j``,
``c_ij`` the cost, ``w`` the distance decay, sums over the pairs with
``c_ij <= max_cost``):

* :func:`two_step_fca` -- 2SFCA (Luo & Wang 2003); with a step decay the
  E2SFCA (Luo & Qi 2009), with a Gaussian one the Ga2SFCA (Dai 2010):
  ``R_j = S_j / sum_i w(c_ij) D_i``, ``A_i = sum_j w(c_ij) R_j``.
* :func:`three_step_fca` -- 3SFCA (Wan, Zou & Sternberg 2012): each pair's
  weight is multiplied by the household's selection weight
  ``G_ij = w(c_ij) / sum_k w(c_ik)``.
* :func:`balanced_fca` -- BFCA (Paez, Higgins & Vivona 2019): demand is
  spread over a household's stations with the row-normalised weights and
  supply over a station's households with the column-normalised ones, so
  nobody is counted twice.
* :func:`gravity_access` -- the gravity (Hansen 1959) potential
  ``A_i = sum_j w(c_ij) S_j``, with no competition.

Decays: ``decay=None`` (every pair in the catchment weighs 1), a
``{upper_cost: weight}`` dict or :func:`step`, :func:`gaussian`, :func:`power`,
or any function that maps a numpy array of costs to one weight per cost.

**Units.** ``access`` is in supply units per unit of demand: with social
workers as supply and households as demand, social workers per household
(multiply by 1,000 for workers per 1,000 households); with places at a
station, places per household.

**Where this differs from PySAL access and ipea's accessibility.** The values
agree wherever both are defined (the tests check PySAL access 1.1.10 to
1e-9 and ipea's published cases); the edge cases are made definite:

* a supply column with no demand in its catchment (``sum_i w D_i = 0``) gets
  ``R_j = 0``: it serves nobody. PySAL divides by zero (``inf`` or NaN, and
  an ``inf`` ratio makes the access of every row that reaches it ``inf``);
  ipea does the same (its ``na.rm`` drops the NaN terms, not the ``inf``);
* a demand row that reaches no supply column gets access 0. PySAL leaves
  it NaN; ipea fills it with 0 (``fill_missing_ids``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import sparse

from ._costs import CostPairs, check_max_cost, cost_pairs
from ._errors import CoverageInputError

#: a demand x supply cost matrix: dense (inf/NaN unreachable), sparse (missing unreachable) or labelled
CostMatrix: TypeAlias = np.ndarray | sparse.spmatrix | sparse.sparray | pd.DataFrame
#: None (weight 1), {upper_cost: weight} steps, or a function of an array of costs
Decay: TypeAlias = Mapping[float, float] | Callable[[np.ndarray], np.ndarray] | None

__all__ = [
    "FCAResult",
    "Gaussian",
    "Power",
    "Step",
    "balanced_fca",
    "gaussian",
    "gravity_access",
    "power",
    "step",
    "three_step_fca",
    "two_step_fca",
]


# ------------------------------------------------------------------ decay functions
@dataclass(frozen=True)
class Step:
    """A step decay: a cost at or under ``upper_costs[k]`` (and above the previous one) weighs ``weights[k]``.

    Beyond the last upper cost the weight is 0. Build it with :func:`step`.
    """

    upper_costs: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        ups, ws = np.asarray(self.upper_costs, dtype=float), np.asarray(self.weights, dtype=float)
        if ups.size == 0 or ups.shape != ws.shape or not (np.isfinite(ups).all() and np.isfinite(ws).all()):
            msg = "Step needs as many finite upper costs as finite weights, at least one; use step({...})."
            raise CoverageInputError(msg)
        if (np.diff(ups) <= 0).any() or (ws < 0).any():
            msg = "Step upper costs must increase and its weights be >= 0; use step({upper_cost: weight})."
            raise CoverageInputError(msg)

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        cost = np.asarray(cost, dtype=float)
        table = np.append(np.asarray(self.weights, dtype=float), 0.0)
        if len(self.upper_costs) > 16:
            band = np.searchsorted(np.asarray(self.upper_costs, dtype=float), cost, side="left")
        else:  # a few comparisons beat a binary search per cost
            band = np.zeros(cost.shape, dtype=np.uint8)
            for upper in self.upper_costs:
                band += (cost > upper).view(np.uint8)  # the number of upper costs below the cost
        return table[band]

    def __str__(self) -> str:
        inner = ", ".join(f"{u:g}: {w:g}" for u, w in zip(self.upper_costs, self.weights, strict=True))
        return f"step({{{inner}}})"


@dataclass(frozen=True)
class Gaussian:
    """``exp(-cost**2 / (2 * bandwidth**2))``, 1 at cost 0 (not normalised); see :func:`gaussian`."""

    bandwidth: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.bandwidth) and self.bandwidth > 0):
            msg = f"gaussian bandwidth {self.bandwidth!r} must be > 0 (in the cost matrix's unit, e.g. 10)."
            raise CoverageInputError(msg)

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        cost = np.asarray(cost, dtype=float)
        out = cost * cost
        out *= -0.5 / self.bandwidth**2
        return np.exp(out, out=out)

    def __str__(self) -> str:
        return f"gaussian(bandwidth={self.bandwidth:g})"


@dataclass(frozen=True)
class Power:
    """``(max(cost, min_cost) / scale) ** alpha`` (alpha < 0 for a decay). Build it with :func:`power`."""

    scale: float
    alpha: float
    min_cost: float = 0.0

    def __call__(self, cost: np.ndarray) -> np.ndarray:
        cost = np.asarray(cost, dtype=float)
        with np.errstate(divide="ignore"):
            return np.power(np.maximum(cost, self.min_cost) / self.scale, self.alpha)

    def __str__(self) -> str:
        return f"power(scale={self.scale:g}, alpha={self.alpha:g}, min_cost={self.min_cost:g})"


def _number(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        msg = f"{what} {value!r} is not a number."
        raise CoverageInputError(msg) from None
    if not np.isfinite(v):
        msg = f"{what} {value!r} must be a finite number."
        raise CoverageInputError(msg)
    return v


def step(steps: Mapping[float, float]) -> Step:
    """A step distance decay from ``{upper_cost: weight}``, as in the E2SFCA (Luo & Qi 2009).

    A cost gets the weight of the smallest upper cost that is ``>=`` it;
    beyond the largest upper cost the weight is 0. This is
    ``access.weights.step_fn`` of PySAL access, vectorised.

    Parameters
    ----------
    steps
        Upper cost (same unit as the cost matrix) -> weight ``>= 0``, e.g.
        ``{5: 1.0, 10: 0.68, 15: 0.22}`` for walking minutes.

    Returns
    -------
    Step

    Examples
    --------
    >>> f = step({20: 1, 40: 0.68, 60: 0.22})
    >>> f(np.array([0, 20, 30, 40, 50, 60, 70])).tolist()
    [1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0]
    """
    if isinstance(steps, Step):
        return steps
    if not isinstance(steps, Mapping) or not steps:
        msg = (
            f"decay steps must be a non-empty {{upper_cost: weight}} dict like "
            f"{{5: 1, 10: 0.68, 15: 0.22}}, not {steps!r}."
        )
        raise CoverageInputError(msg)
    items = sorted(
        (_number(u, "decay step upper cost"), _number(w, f"decay step weight for {u!r}"))
        for u, w in steps.items()
    )
    bad = [w for _, w in items if w < 0]
    if bad:
        msg = f"decay step weights must be >= 0, not {bad[:5]}."
        raise CoverageInputError(msg)
    return Step(tuple(u for u, _ in items), tuple(w for _, w in items))


def gaussian(bandwidth: float) -> Gaussian:
    """The Gaussian distance decay ``exp(-cost**2 / (2 * bandwidth**2))`` (Dai 2010's Ga2SFCA).

    Not normalised (the weight at cost 0 is 1), as PySAL access's
    ``access.weights.gaussian(sigma)``.

    Parameters
    ----------
    bandwidth
        The Gaussian's standard deviation, in the cost matrix's unit (> 0).
    """
    return Gaussian(_number(bandwidth, "gaussian bandwidth"))


def power(scale: float, alpha: float, *, min_cost: float = 0.0) -> Power:
    """The power (gravity) decay ``(max(cost, min_cost) / scale) ** alpha``.

    PySAL access's ``access.weights.gravity(scale, alpha, min_dist)``,
    vectorised. ``alpha`` is not negated: give ``alpha=-1`` for ``1/cost``.
    With a negative ``alpha`` a cost of 0 has an infinite weight unless
    ``min_cost > 0``.

    Parameters
    ----------
    scale
        Divides the cost (> 0, the cost matrix's unit).
    alpha
        The exponent.
    min_cost
        Costs below it count as ``min_cost`` (>= 0).
    """
    s, a = _number(scale, "power scale"), _number(alpha, "power alpha")
    m = _number(min_cost, "power min_cost")
    if s <= 0 or m < 0:
        msg = f"power needs scale > 0 and min_cost >= 0, not scale={scale!r}, min_cost={min_cost!r}."
        raise CoverageInputError(msg)
    return Power(s, a, m)


def _decay_weights(decay, cost: np.ndarray) -> tuple[np.ndarray, str]:
    """(weight of each pair, a description of the decay); no decay: all ones."""
    if decay is None:
        return np.ones(cost.size), "none"
    if isinstance(decay, Mapping):
        decay = step(decay)
    if not callable(decay):
        msg = (
            f"decay must be None, a {{upper_cost: weight}} dict, or a function of an array of costs "
            f"(e.g. coverage.accessibility.gaussian(10)), not {type(decay).__name__}."
        )
        raise CoverageInputError(msg)
    try:
        w = np.asarray(decay(cost), dtype=float)
    except (TypeError, ValueError) as err:
        msg = (
            f"decay {getattr(decay, '__name__', decay)!r} failed on an array of costs ({err}); it must "
            f"take a numpy array and return one weight per cost ({{upper_cost: weight}} gives a step)."
        )
        raise CoverageInputError(msg) from err
    if w.shape != cost.shape:
        msg = (
            f"decay returned {w.shape} weights for {cost.shape} costs; it must take a numpy array and "
            f"return one weight per cost (wrap a function of one number with numpy.vectorize)."
        )
        raise CoverageInputError(msg)
    if isinstance(decay, (Step, Gaussian)):  # weights >= 0 by construction
        return w, str(decay)
    lo, hi = (float(w.min()), float(w.max())) if w.size else (0.0, 0.0)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo >= 0):  # NaN anywhere makes min and max NaN
        i = np.flatnonzero(~np.isfinite(w) | (w < 0))
        shown = sorted({float(c) for c in cost[i[:50]]})[:5]
        msg = (
            f"decay gave {w[i[0]]:g} (not a finite weight >= 0) for costs like {shown}; fix the decay "
            f"(a power decay with alpha < 0 needs min_cost > 0)."
        )
        raise CoverageInputError(msg)
    known = isinstance(decay, (Step, Gaussian, Power))
    return w, str(decay) if known else getattr(decay, "__name__", repr(decay))


# ------------------------------------------------------------------ inputs
def _vector(values, n: int, labels: pd.Index | None, what: str, axis: str) -> np.ndarray:
    """One finite value >= 0 per row (demand) or column (supply); Series are aligned by label."""
    if isinstance(values, pd.Series) and labels is not None:
        missing = labels[~labels.isin(values.index)]
        if len(missing):
            msg = (
                f"{what} has no value for the cost {axis}s labelled {missing[:5].tolist()}"
                f"{' and more' if len(missing) > 5 else ''}; give one value per {axis} of cost."
            )
            raise CoverageInputError(msg)
        if values.index.has_duplicates:
            dup = values.index[values.index.duplicated()].unique().tolist()
            msg = f"{what} has repeated labels {dup[:5]}; give one value per {axis} of cost."
            raise CoverageInputError(msg)
        values = values.reindex(labels)
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy(dtype=float, na_value=np.nan)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        msg = f"{what} must be numbers (one per {axis} of cost)."
        raise CoverageInputError(msg) from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    arr = arr.ravel()
    if arr.size != n:
        msg = f"{what} has {arr.size} values but cost has {n} {axis}s; give one value per {axis}."
        raise CoverageInputError(msg)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = np.flatnonzero(bad)
        where = (
            f"{axis}s labelled {labels[i[:5]].tolist()}"
            if labels is not None
            else f"positions {i[:5].tolist()}"
        )
        more = f" and {i.size - 5} more" if i.size > 5 else ""
        msg = f"{what} must be finite and >= 0; it is {float(arr[i[0]])!r} at {where}{more}."
        raise CoverageInputError(msg)
    return arr


# ------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class FCAResult:
    """Accessibility of every demand row, and what each supply column offers.

    Attributes
    ----------
    access
        Per demand row: supply units per unit of demand (for
        :func:`gravity_access`, decay-weighted supply). A Series on the cost
        DataFrame's index when a DataFrame was given, else a numpy array.
    ratio
        Per supply column: ``R_j``, its supply per unit of (weighted)
        catchment demand, 0 when no demand is in its catchment. None for
        :func:`gravity_access`.
    catchment_demand
        Per supply column: the weighted demand in its catchment, the
        denominator of ``ratio`` (None for :func:`gravity_access`).
    method
        ``"2SFCA"``, ``"E2SFCA"`` (2SFCA with a step decay), ``"3SFCA"``,
        ``"BFCA"`` or ``"gravity"``.
    max_cost
        The catchment cutoff (None: every finite pair).
    decay
        The decay used, as text (``"none"`` for weight 1).
    n_pairs
        Demand-supply pairs in the catchments.
    row_labels, col_labels
        The cost DataFrame's index and columns (None for arrays).
    """

    access: np.ndarray | pd.Series
    ratio: np.ndarray | pd.Series | None
    catchment_demand: np.ndarray | pd.Series | None
    method: str
    max_cost: float | None
    decay: str
    n_pairs: int
    row_labels: pd.Index | None = None
    col_labels: pd.Index | None = None


def _result(pairs: CostPairs, access, ratio, demand_j, method, max_cost, decay, n_pairs) -> FCAResult:
    if pairs.labelled:
        access = pd.Series(access, index=pairs.row_labels, name="access")
        if ratio is not None:
            ratio = pd.Series(ratio, index=pairs.col_labels, name="ratio")
            demand_j = pd.Series(demand_j, index=pairs.col_labels, name="catchment_demand")
    return FCAResult(
        access, ratio, demand_j, method, max_cost, decay, int(n_pairs), pairs.row_labels, pairs.col_labels
    )


def _ratio(supply: np.ndarray, catchment: np.ndarray) -> np.ndarray:
    """``supply / catchment``, 0 where no demand is in the catchment."""
    return np.divide(supply, catchment, out=np.zeros_like(catchment), where=catchment > 0)


def _two_steps(
    pairs: CostPairs,
    w_demand: np.ndarray | None,
    w_supply: np.ndarray | None,
    demand: np.ndarray,
    supply: np.ndarray,
):
    """Step 1: R_j = S_j / sum_i w_demand D_i; step 2: A_i = sum_j w_supply R_j (None: weight 1).

    Both sums are sparse matrix-vector products over the pairs (CSR, compiled in scipy).
    """
    ones = None
    if w_demand is None or w_supply is None:
        ones = np.ones(pairs.n_pairs)
    demand_side = pairs.matrix(ones if w_demand is None else w_demand)
    catchment = np.asarray(demand_side.T @ demand, dtype=float)
    ratio = _ratio(supply, catchment)
    if w_supply is w_demand:
        supply_side = demand_side
    else:
        supply_side = pairs.matrix(ones if w_supply is None else w_supply)
    access = np.asarray(supply_side @ ratio, dtype=float)
    return access, ratio, catchment


def _inverse(total: np.ndarray) -> np.ndarray:
    """``1 / total``, 0 where the total is 0."""
    return np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)


def _inputs(cost, demand, supply, max_cost, *, all_pairs: bool = False):
    limit = check_max_cost(max_cost, "max_cost")
    pairs = cost_pairs(cost, max_cost=None if all_pairs else limit)
    n_rows, n_cols = pairs.shape
    d = None if demand is None else _vector(demand, n_rows, pairs.row_labels, "demand", "row")
    s = _vector(supply, n_cols, pairs.col_labels, "supply", "column")
    return pairs, limit, d, s


# ------------------------------------------------------------------ measures
def two_step_fca(
    cost: CostMatrix,
    demand: ArrayLike | pd.Series,
    supply: ArrayLike | pd.Series,
    *,
    max_cost: float | None,
    decay: Decay = None,
) -> FCAResult:
    """Two-step floating catchment area (2SFCA) accessibility of every demand row.

    Luo & Wang (2003), with a distance decay inside the catchment as in the
    enhanced 2SFCA (Luo & Qi 2009) and its Gaussian form (Dai 2010). Over the
    pairs with ``c_ij <= max_cost``:

    .. math::

        R_j = \\frac{S_j}{\\sum_{i} w(c_{ij}) D_i}, \\qquad
        A_i = \\sum_{j} w(c_{ij}) R_j

    This is ``access.fca.two_stage_fca`` of PySAL access 1.1.10 (and
    ``accessibility::floating_catchment_area(fca_metric = "2sfca")`` of
    ipea, whose cutoff lives in its decay function). A supply column with
    no demand in its catchment gets ``R_j = 0`` (PySAL: ``inf``/NaN); a row
    that reaches nothing gets 0 (PySAL: NaN). Supply is conserved: the
    demand-weighted sum of access, ``sum_i D_i A_i``, equals the supply of
    the columns that have demand in their catchments.

    Parameters
    ----------
    cost
        Demand rows x supply columns (numpy array with ``inf``/NaN for
        unreachable, scipy sparse with missing entries unreachable, or a
        DataFrame); see :func:`coverage._costs.cost_pairs`.
    demand
        Demand per row (households, people), ``>= 0``; a Series is aligned
        to a cost DataFrame's index.
    supply
        Supply per column (social workers, places), ``>= 0``; a Series is
        aligned to a cost DataFrame's columns; a single number is every
        column's.
    max_cost
        The catchment: pairs with ``cost <= max_cost`` (same unit as
        ``cost``, e.g. 15 minutes); None uses every finite pair.
    decay
        None (every pair in the catchment weighs 1: the 2SFCA); a
        ``{upper_cost: weight}`` dict (the E2SFCA steps, see :func:`step`);
        or a vectorised function of the costs such as :func:`gaussian`.

    Returns
    -------
    FCAResult
        ``access`` per row (supply per unit of demand), ``ratio`` and
        ``catchment_demand`` per column.

    References
    ----------
    Luo, W. & Wang, F. (2003). Measures of spatial accessibility to health
    care in a GIS environment. *Environment and Planning B* 30(6), 865-884.
    Luo, W. & Qi, Y. (2009). An enhanced two-step floating catchment area
    (E2SFCA) method. *Health & Place* 15(4), 1100-1107.
    Dai, D. (2010). Black residential segregation, disparities in spatial
    access to health care facilities. *Health & Place* 16(5), 1038-1052.

    Examples
    --------
    >>> minutes = np.array([[5, 20], [10, np.inf], [np.inf, 8]])
    >>> r = two_step_fca(minutes, [100, 50, 80], [2, 1], max_cost=15)
    >>> r.ratio.tolist()
    [0.013333333333333334, 0.0125]
    >>> r.access.round(4).tolist()
    [0.0133, 0.0133, 0.0125]
    """
    pairs, limit, d, s = _inputs(cost, demand, supply, max_cost)
    w, text = (None, "none") if decay is None else _decay_weights(decay, pairs.cost)  # None: no products
    access, ratio, catchment = _two_steps(pairs, w, w, d, s)
    is_step = isinstance(decay, (Mapping, Step))
    method = "E2SFCA" if is_step else "2SFCA"
    return _result(pairs, access, ratio, catchment, method, limit, text, pairs.n_pairs)


def three_step_fca(
    cost: CostMatrix,
    demand: ArrayLike | pd.Series,
    supply: ArrayLike | pd.Series,
    *,
    max_cost: float | None,
    decay: Decay = None,
) -> FCAResult:
    """Three-step floating catchment area (3SFCA) accessibility, as PySAL access computes it.

    Wan, Zou & Sternberg (2012) add a first step: a household splits its
    demand over the stations it may use by the selection weight

    .. math::

        G_{ij} = \\frac{w(c_{ij})}{\\sum_{k} w(c_{ik})}

    and each pair then weighs ``G_ij w(c_ij)`` in both FCA steps (over the
    pairs with ``c_ij <= max_cost``):

    .. math::

        R_j = \\frac{S_j}{\\sum_{i} G_{ij} w(c_{ij}) D_i}, \\qquad
        A_i = \\sum_{j} G_{ij} w(c_{ij}) R_j

    As in ``access.fca.three_stage_fca`` (PySAL access 1.1.10), the sum in
    ``G_ij`` runs over **every finite pair of the row**, also those beyond
    ``max_cost``. Wan et al. sum over the catchment only; to get that, make
    the costs beyond the catchment unreachable (``inf``) or use a step decay
    that is 0 beyond it. PySAL needs a decay; here ``decay=None`` weighs
    every pair 1, so ``G_ij = 1 / (finite pairs of row i)``. A row whose
    weights are all 0 has ``G = 0``. Other edge cases as
    :func:`two_step_fca`.

    Parameters
    ----------
    cost, demand, supply, max_cost, decay
        As :func:`two_step_fca`. Wan et al. use a Gaussian decay;
        PySAL's default is ``step({10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042})``.

    Returns
    -------
    FCAResult

    References
    ----------
    Wan, N., Zou, B. & Sternberg, T. (2012). A three-step floating catchment
    area method for analyzing spatial access to health services.
    *International Journal of Geographical Information Science* 26(6),
    1073-1089.
    """
    pairs, limit, d, s = _inputs(cost, demand, supply, max_cost, all_pairs=True)
    w, text = _decay_weights(decay, pairs.cost)
    row_total = pairs.matrix(w) @ np.ones(pairs.shape[1])  # sum_k w(c_ik) over every finite pair
    wg = w * w * pairs.per_row(_inverse(row_total))  # G_ij w(c_ij)
    inside = pairs if limit is None else pairs.within(limit)
    if inside is not pairs:
        wg = wg[pairs.cost <= limit]
    access, ratio, catchment = _two_steps(inside, wg, wg, d, s)
    return _result(pairs, access, ratio, catchment, "3SFCA", limit, text, inside.n_pairs)


def balanced_fca(
    cost: CostMatrix,
    demand: ArrayLike | pd.Series,
    supply: ArrayLike | pd.Series,
    *,
    max_cost: float | None,
    decay: Decay = None,
) -> FCAResult:
    """Balanced floating catchment area (BFCA) accessibility, as ipea's ``accessibility`` R package has it.

    Paez, Higgins & Vivona (2019) show that the 2SFCA counts a household in
    every catchment it falls in (demand inflation) and a station in every
    household's sum (service inflation). The balanced measure normalises the
    decay weights, by row for the demand step and by column for the supply
    step (over the pairs with ``c_ij <= max_cost``):

    .. math::

        w^{i}_{ij} = \\frac{w(c_{ij})}{\\sum_k w(c_{ik})}, \\quad
        w^{j}_{ij} = \\frac{w(c_{ij})}{\\sum_k w(c_{kj})}, \\quad
        R_j = \\frac{S_j}{\\sum_i w^{i}_{ij} D_i}, \\quad
        A_i = \\sum_j w^{j}_{ij} R_j

    This is ``accessibility::floating_catchment_area(fca_metric = "bfca")``
    (ipea, v1.x), where the catchment is whatever the decay leaves non-zero
    (``decay_binary(cutoff = 15)`` is ``max_cost=15, decay=None`` here). Each
    household's demand is counted once: ``sum_j sum_i w^i_ij D_i`` equals the
    demand of the rows that reach a column with a positive weight. Rows
    (columns) whose weights are all 0 contribute nothing; other edge cases as
    :func:`two_step_fca` (ipea gives ``inf`` where this gives ``R_j = 0``).

    Parameters
    ----------
    cost, demand, supply, max_cost, decay
        As :func:`two_step_fca`.

    Returns
    -------
    FCAResult

    References
    ----------
    Paez, A., Higgins, C. D. & Vivona, S. F. (2019). Demand and level of
    service inflation in Floating Catchment Area (FCA) methods. *PLOS ONE*
    14(6), e0218773.
    Pereira, R. H. M. et al. (2021). Geographic access to COVID-19 healthcare
    in Brazil using a balanced float catchment area approach. *Social
    Science & Medicine* 273, 113773.
    """
    pairs, limit, d, s = _inputs(cost, demand, supply, max_cost)
    w, text = _decay_weights(decay, pairs.cost)
    weights = pairs.matrix(w)
    row_total = weights @ np.ones(pairs.shape[1])
    col_total = weights.T @ np.ones(pairs.shape[0])
    w_row = w * pairs.per_row(_inverse(row_total))  # w_ij / sum_k w_ik
    w_col = w * _inverse(col_total)[pairs.cols]  # w_ij / sum_k w_kj
    access, ratio, catchment = _two_steps(pairs, w_row, w_col, d, s)
    return _result(pairs, access, ratio, catchment, "BFCA", limit, text, pairs.n_pairs)


def gravity_access(
    cost: CostMatrix, supply: ArrayLike | pd.Series, *, max_cost: float | None, decay: Decay = None
) -> FCAResult:
    """The gravity (potential) accessibility of every demand row: decay-weighted supply in reach.

    Hansen (1959): over the pairs with ``c_ij <= max_cost``,

    .. math::

        A_i = \\sum_j w(c_{ij}) S_j

    There is no competition: a station counts fully for every household
    that reaches it. With ``decay=None`` it is the cumulative-opportunities
    count (supply within ``max_cost``). This is PySAL access's
    ``Access.weighted_catchment`` (``access.fca.weighted_catchment``), e.g.
    with ``weight_fn=access.weights.gravity(scale, alpha)`` -- here
    :func:`power`. For the competition-adjusted gravity model (Joseph &
    Bantock 1982; Shen 1998), whose ratio divides by the decay-weighted
    demand, use :func:`two_step_fca` with the same decay and
    ``max_cost=None``.

    Parameters
    ----------
    cost, supply, max_cost, decay
        As :func:`two_step_fca`.

    Returns
    -------
    FCAResult
        ``access`` per row; ``ratio`` and ``catchment_demand`` are None.

    References
    ----------
    Hansen, W. G. (1959). How accessibility shapes land use. *Journal of
    the American Institute of Planners* 25(2), 73-76.
    """
    pairs, limit, _, s = _inputs(cost, None, supply, max_cost)
    w, text = _decay_weights(decay, pairs.cost)
    access = np.asarray(pairs.matrix(w) @ s, dtype=float)
    return _result(pairs, access, None, None, "gravity", limit, text, pairs.n_pairs)
