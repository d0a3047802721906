"""How evenly access is shared: Gini, Lorenz curve, Theil T, Palma ratio, concentration index.

Each measure takes one value per unit (a household's accessibility, a
neighbourhood's walk time) and an optional population weight per unit (the
households a building or grid cell stands for). A weight acts as that many
identical units: with integer weights every measure equals the unweighted
measure of the values repeated ``weight`` times.

**Input rule.** Values (and ``rank_by``) must be finite: NaN, missing and
``inf`` are refused with the positions named, never dropped silently (drop
or fill them first, e.g. access 0 for a household that reaches no station).
Values must be ``>= 0`` (accessibility, times, distances). Weights must be
finite and ``>= 0`` with a positive total; units of weight 0 are left out.
Empty input is refused. When the weighted mean of the values is 0 (all
values 0) the relative measures are undefined and return NaN.

**Ties.** Units with the same ranking value (the value itself, or
``rank_by``) are pooled into one group before ranking, so results never
depend on the order of the input; pooled units share their group's mid-point
fractional rank (O'Donnell et al. 2008, ch. 8).

Pure numpy: sorting once, then cumulative sums, so 1M units take a fraction
of a second.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ._errors import CoverageInputError

#: one number per unit: a list, a numpy array or a pandas Series (Series are aligned by label)
Values: TypeAlias = ArrayLike | pd.Series

__all__ = ["concentration_index", "gini", "lorenz", "palma", "theil"]


def _where(bad: np.ndarray, labels) -> str:
    i = np.flatnonzero(bad)
    shown = labels[i[:5]].tolist() if labels is not None else i[:5].tolist()
    more = f" and {i.size - 5} more" if i.size > 5 else ""
    return f"{'labels' if labels is not None else 'positions'} {shown}{more}"


def _array(v, what: str, n: int | None, index: pd.Index | None) -> tuple[np.ndarray, pd.Index | None]:
    """A float vector from a list, array or Series (aligned to ``index`` when both are labelled)."""
    labels = None
    if isinstance(v, pd.Series):
        if index is not None:
            missing = index[~index.isin(v.index)]
            if len(missing):
                msg = f"{what} has no value for the values' labels {missing[:5].tolist()}; give one per unit."
                raise CoverageInputError(msg)
            if v.index.has_duplicates:
                msg = f"{what} has repeated labels; give one value per unit."
                raise CoverageInputError(msg)
            v = v.reindex(index)
        labels = v.index
        v = v.to_numpy(dtype=float, na_value=np.nan)
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        msg = f"{what} must be numbers, one per unit."
        raise CoverageInputError(msg) from None
    if arr.ndim != 1:
        arr = arr.ravel() if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        msg = f"{what} must be one number per unit (1-D), not an array of shape {arr.shape}."
        raise CoverageInputError(msg)
    if n is not None and arr.size != n:
        msg = f"{what} has {arr.size} values but values has {n}; give one per unit."
        raise CoverageInputError(msg)
    return arr, labels


def _prepare(values, weights=None, rank_by=None, *, need_rank: bool = False):
    """(values, population shares, ranking key) of the units with a positive weight."""
    x, labels = _array(values, "values", None, None)
    if x.size == 0:
        msg = "values is empty; give at least one value."
        raise CoverageInputError(msg)
    nan = np.isnan(x)
    if nan.any():
        msg = (
            f"values has NaN/missing entries at {_where(nan, labels)}; drop those units or fill them "
            f"(e.g. access 0 for households that reach no station)."
        )
        raise CoverageInputError(msg)
    if np.isinf(x).any():
        msg = f"values must be finite; it is infinite at {_where(np.isinf(x), labels)}."
        raise CoverageInputError(msg)
    if (x < 0).any():
        msg = (
            f"values must be >= 0 (access, walk times); it is negative at {_where(x < 0, labels)} "
            f"(e.g. {x[x < 0][0]:g})."
        )
        raise CoverageInputError(msg)
    index = labels if labels is not None else None
    if weights is None:
        w = np.ones(x.size)
    else:
        w, wl = _array(weights, "weights", x.size, index)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            msg = (
                f"weights must be finite and >= 0 (the population each unit stands for); bad at "
                f"{_where(bad, wl if wl is not None else labels)}."
            )
            raise CoverageInputError(msg)
        if not w.sum() > 0:
            msg = "weights are all 0; give each unit the population it stands for (a positive total)."
            raise CoverageInputError(msg)
    key = None
    if need_rank and rank_by is None:
        msg = "rank_by is needed: the variable to rank the units by (e.g. income, walk time)."
        raise CoverageInputError(msg)
    if rank_by is not None:
        key, kl = _array(rank_by, "rank_by", x.size, index)
        bad = ~np.isfinite(key)
        if bad.any():
            msg = (
                f"rank_by must be finite; it is NaN/missing or infinite at "
                f"{_where(bad, kl if kl is not None else labels)}; drop or fill those units."
            )
            raise CoverageInputError(msg)
    keep = w > 0
    if not keep.all():
        x, w = x[keep], w[keep]
        key = None if key is None else key[keep]
    return x, w / w.sum(), (x if key is None else key)


def _grouped(x: np.ndarray, p: np.ndarray, key: np.ndarray):
    """Units ordered by ``key``, tied keys pooled: (population share, value share) per group.

    The value shares are None when the weighted mean of the values is 0.
    """
    order = np.argsort(key, kind="stable")
    k = key[order]
    new = np.empty(k.size, dtype=bool)
    new[0] = True
    np.not_equal(k[1:], k[:-1], out=new[1:])
    gid = np.cumsum(new) - 1
    n_g = int(gid[-1]) + 1
    p_g = np.bincount(gid, weights=p[order], minlength=n_g)
    v_g = np.bincount(gid, weights=p[order] * x[order], minlength=n_g)
    total = float(v_g.sum())
    return p_g, (v_g / total if total > 0 else None)


def _cumulative(share: np.ndarray) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(share)])
    c /= c[-1]
    return c


def gini(values: Values, weights: Values | None = None) -> float:
    """The (population-weighted) Gini coefficient.

    Gini (1912): the mean absolute difference between two units drawn at
    random from the population, over twice the mean,

    .. math::

        G = \\frac{\\sum_i \\sum_j w_i w_j |x_i - x_j|}{2 W^2 \\mu}, \\qquad
        W = \\sum_i w_i, \\quad \\mu = \\frac{1}{W} \\sum_i w_i x_i

    computed exactly as ``G = 2 cov_w(x, F) / mu`` with ``F`` the weighted
    mid-point fractional rank (Lerman & Yitzhaki 1989). 0 when everyone has
    the same value; ``1 - 1/N`` when one of ``N`` equal-weight units has
    everything. This is the population form (no ``N/(N-1)`` correction),
    as ``inequality.gini.Gini`` of PySAL; with integer weights it equals the
    plain Gini of the values each repeated ``weight`` times. NaN when all
    values are 0.

    Parameters
    ----------
    values
        One value per unit, finite and ``>= 0`` (see the module notes).
    weights
        Population per unit (default 1 each), finite and ``>= 0``.

    Returns
    -------
    float

    References
    ----------
    Gini, C. (1912). *Variabilità e mutabilità*. Bologna: C. Cuppini.
    Lerman, R. I. & Yitzhaki, S. (1989). Improving the accuracy of estimates
    of Gini coefficients. *Journal of Econometrics* 42(1), 43-47.

    Examples
    --------
    >>> gini([1, 2, 3, 4])
    0.25
    >>> gini([1, 2], weights=[3, 1]) == gini([1, 1, 1, 2])
    True
    """
    x, p, key = _prepare(values, weights)
    return _concentration(x, p, key)


def _concentration(x, p, key) -> float:
    p_g, s_g = _grouped(x, p, key)
    if s_g is None:
        return float("nan")
    rank = np.cumsum(p_g) - p_g / 2  # mid-point fractional rank of each group
    return float(2.0 * np.dot(s_g, rank) - 1.0)


def lorenz(
    values: Values, weights: Values | None = None, *, rank_by: Values | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The Lorenz curve: cumulative population share against cumulative value share.

    Lorenz (1905): units ordered from the smallest value up; the curve
    joins ``(0, 0)``, ``(P_k, L_k)`` after each unit ``k``, and ``(1, 1)``,
    where ``P_k`` is the population share of the first ``k`` units and
    ``L_k`` their share of the total value. It lies on or under the diagonal
    and is convex; the Gini is one minus twice the area under it.

    With ``rank_by`` the units are ordered by that variable instead (e.g.
    income): the concentration curve of :func:`concentration_index`, which
    may cross the diagonal.

    Parameters
    ----------
    values
        One value per unit, finite and ``>= 0``.
    weights
        Population per unit (default 1 each).
    rank_by
        Order the units by this instead of by ``values``.

    Returns
    -------
    population_share, value_share : numpy.ndarray
        Both start at 0 and end at exactly 1; one point per group of units
        with the same ranking value (ties pooled). ``value_share`` is all
        NaN after the first point when all values are 0.

    References
    ----------
    Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
    *Publications of the American Statistical Association* 9(70), 209-219.

    Examples
    --------
    >>> p, v = lorenz([1, 1, 2])
    >>> p.tolist(), v.tolist()
    ([0.0, 0.6666666666666666, 1.0], [0.0, 0.5, 1.0])
    """
    x, p, key = _prepare(values, weights, rank_by)
    p_g, s_g = _grouped(x, p, key)
    pop = _cumulative(p_g)
    if s_g is None:
        val = np.full(pop.size, np.nan)
        val[0] = 0.0
        return pop, val
    return pop, _cumulative(s_g)


def theil(values: Values, weights: Values | None = None) -> float:
    """Theil's T index (the Theil entropy index, GE(1)).

    Theil (1967):

    .. math::

        T = \\frac{1}{W} \\sum_i w_i \\frac{x_i}{\\mu} \\ln \\frac{x_i}{\\mu}

    with ``0 ln 0 = 0``. 0 when everyone has the same value, ``ln N`` when
    one of ``N`` equal-weight units has everything. Equals
    ``inequality.theil.Theil`` of PySAL (which adds a tiny number to zeros
    instead). NaN when all values are 0.

    Parameters
    ----------
    values
        One value per unit, finite and ``>= 0``.
    weights
        Population per unit (default 1 each).

    Returns
    -------
    float

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. Amsterdam:
    North-Holland.

    Examples
    --------
    >>> round(theil([0, 0, 0, 4]), 12) == round(float(np.log(4)), 12)
    True
    """
    x, p, _ = _prepare(values, weights)
    mu = float(np.dot(p, x))
    if not mu > 0:
        return float("nan")
    s = x / mu
    pos = s > 0
    return float(np.dot(p[pos], s[pos] * np.log(s[pos])))


def palma(values: Values, weights: Values | None = None, *, rank_by: Values | None = None) -> float:
    """The Palma ratio: the top 10%'s share of the total over the bottom 40%'s share.

    Palma (2011), Cobham & Sumner (2013): with the units ordered by value
    (or by ``rank_by``, e.g. income), the share of the total value held by
    the top 10% of the population divided by the share held by the bottom
    40%:

    .. math::

        \\text{Palma} = \\frac{1 - L(0.9)}{L(0.4)}

    where ``L`` is the Lorenz curve (:func:`lorenz`) read at a population
    share by linear interpolation. A unit (or a group of tied units) that
    straddles a cut is split: the part of its population below the cut
    counts below, with its value in proportion -- as if the unit's weight
    were that many identical people. 0.25 when everyone has the same value
    (10% of the total over 40%).

    Transport-equity studies often report the ratio of the two groups'
    *mean* access instead (ipea's ``accessibility::palma_ratio``, ranking by
    income); that is 4 times this ratio (the groups hold 10% and 40% of the
    population), and ipea assigns whole units to a group by weighted income
    quantiles rather than splitting them.

    Parameters
    ----------
    values
        One value per unit, finite and ``>= 0``.
    weights
        Population per unit (default 1 each).
    rank_by
        Rank the population by this instead of by ``values``.

    Returns
    -------
    float
        ``inf`` when the bottom 40% hold nothing and the top 10% something;
        NaN when all values are 0.

    References
    ----------
    Palma, J. G. (2011). Homogeneous middles vs. heterogeneous tails, and
    the end of the 'Inverted-U'. *Development and Change* 42(1), 87-153.
    Cobham, A. & Sumner, A. (2013). Is it all about the tails? The Palma
    measure of income inequality. CGD Working Paper 343.

    Examples
    --------
    >>> round(palma([1] * 10), 12)
    0.25
    >>> palma([0, 0, 0, 0, 1, 1, 1, 1, 1, 11])  # the top 10% hold 11/16, the bottom 40% nothing
    inf
    """
    pop, val = lorenz(values, weights, rank_by=rank_by)
    if np.isnan(val[-1]):
        return float("nan")
    low, high = np.interp([0.4, 0.9], pop, val)
    top = 1.0 - float(high)
    if low <= 0:
        return float("inf") if top > 0 else float("nan")
    return top / float(low)


def concentration_index(values: Values, rank_by: Values, weights: Values | None = None) -> float:
    """The concentration index of ``values`` across the population ranked by ``rank_by``.

    Wagstaff, Paci & van Doorslaer (1991); Kakwani, Wagstaff & van
    Doorslaer (1997): twice the (weighted) covariance of the values with
    the fractional rank in ``rank_by``, over the mean,

    .. math::

        C = \\frac{2}{\\mu} \\operatorname{cov}_w(x_i, R_i), \\qquad
        R_i = \\sum_{k \\prec i} \\frac{w_k}{W} + \\frac{w_i}{2W}

    equivalently one minus twice the area under the concentration curve
    (:func:`lorenz` with ``rank_by``). It lies in ``(-1, 1)``: negative when
    the values are concentrated among the units ranked low (e.g. access
    concentrated among the poorest when ranking by income), positive when
    among those ranked high, 0 when unrelated to the rank. Ranking by the
    values themselves gives the Gini. Units tied in ``rank_by`` share their
    group's mid-point rank (O'Donnell et al. 2008), so the order of the
    input never matters. This is the standard ("CI") index of ipea's
    ``accessibility::concentration_index``, with ties ranked as one group.
    NaN when all values are 0.

    Parameters
    ----------
    values
        One value per unit, finite and ``>= 0`` (e.g. accessibility).
    rank_by
        The ranking variable, one finite number per unit (income, walk time;
        higher ranks higher).
    weights
        Population per unit (default 1 each).

    Returns
    -------
    float

    References
    ----------
    Wagstaff, A., Paci, P. & van Doorslaer, E. (1991). On the measurement of
    inequalities in health. *Social Science & Medicine* 33(5), 545-557.
    Kakwani, N., Wagstaff, A. & van Doorslaer, E. (1997). Socioeconomic
    inequalities in health: measurement, computation, and statistical
    inference. *Journal of Econometrics* 77(1), 87-103.
    O'Donnell, O., van Doorslaer, E., Wagstaff, A. & Lindelow, M. (2008).
    *Analyzing Health Equity Using Household Survey Data*, ch. 8. World Bank.

    Examples
    --------
    >>> round(concentration_index([4, 3, 2, 1], rank_by=[1, 2, 3, 4]), 12)  # pro-poor
    -0.25
    """
    x, p, key = _prepare(values, weights, rank_by, need_rank=True)
    return _concentration(x, p, key)
