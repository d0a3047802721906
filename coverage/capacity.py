"""Capacity and staffing: reachable is not served.

A station staffed by a few social workers cannot serve every household within
15 minutes of it. Given each station's capacity in households (or its staff
times a caseload per worker), the households served are found exactly:

* **The assignment** is a transportation problem on the within-threshold
  (household, station) pairs the reach table already has: flows
  ``x[h, s] >= 0`` with ``sum_s x[h, s] <= weight[h]`` and
  ``sum_h x[h, s] <= capacity[s]``. First the most households served
  (maximum ``sum x``), then, among the assignments that serve that many, the
  least total walk (minimum ``sum walk[h, s] x[h, s]``). Both are linear
  programs solved exactly with HiGHS (``scipy.optimize.linprog``, dual
  simplex); a household's weight may be split between stations.
* **Nearest-then-cap** (each household to its nearest station while it has
  room) is kept only as the baseline the optimum is compared with.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ._errors import CoverageInputError

log = logging.getLogger(__name__)


def read_capacity(
    points,
    *,
    capacity: str | None = None,
    staff: str | None = None,
    caseload: float | None = None,
    default_capacity: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each station's capacity in households, and its staff when given.

    ``capacity`` names a column of households; or ``staff`` names a column
    of social workers and ``caseload`` the households each can carry.
    Missing, negative or non-numeric values are an error naming the rows,
    unless ``default_capacity`` is given (then they get it).
    """
    if (capacity is None) == (staff is None):
        msg = (
            "Give exactly one of a capacity column (--capacity-col) or a staff column with --caseload "
            "(--staff-col)."
        )
        raise CoverageInputError(msg)
    if staff is not None and (caseload is None or not np.isfinite(caseload) or caseload <= 0):
        msg = f"--staff-col {staff!r} needs --caseload: the households one social worker can carry, e.g. 250."
        raise CoverageInputError(msg)
    if default_capacity is not None and (not np.isfinite(default_capacity) or default_capacity < 0):
        msg = f"--default-capacity {default_capacity} must be a number of households, 0 or more."
        raise CoverageInputError(msg)
    col = capacity if capacity is not None else staff
    frame = points.frame
    found = col if col in frame.columns else {str(c).lower(): c for c in frame.columns}.get(str(col).lower())
    if found is None:
        msg = (
            f"{points.label} has no column {col!r}; columns are "
            f"{[c for c in frame.columns if c != 'geometry']}."
        )
        raise CoverageInputError(msg)
    raw = frame[found]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any() and default_capacity is None:
        i = np.flatnonzero(bad)
        msg = (
            f"{points.label} column {found!r} is missing, negative or not a number in {points.rows(i)} "
            f"(e.g. {raw.iloc[i[0]]!r}); fix them or give --default-capacity."
        )
        raise CoverageInputError(msg)
    staff_values = None
    if staff is not None:
        staff_values = np.where(bad, np.nan, values)
        values = values * float(caseload)
    if bad.any():
        log.warning(
            "%s: %d stations have no usable %r; they get the default capacity %g",
            points.label,
            int(bad.sum()),
            found,
            default_capacity,
        )
        values = np.where(bad, float(default_capacity), values)
    return values, staff_values


@dataclass(frozen=True)
class Assignment:
    """Households served, who serves them, and how it was solved.

    ``flow`` is a households x stations sparse matrix of weight served.
    """

    flow: sparse.csr_matrix
    served: np.ndarray  # weight served per household
    assigned: np.ndarray  # weight served per station
    served_weight: float
    walk_total_m: float  # sum of walk x flow
    solver: str
    seconds: float

    @property
    def main_station(self) -> np.ndarray:
        """The station serving the largest part of each household (-1 when none)."""
        f = self.flow.tocsr()
        out = np.full(f.shape[0], -1, dtype=np.int64)
        has = np.diff(f.indptr) > 0
        if has.any():
            out[has] = np.asarray(f.argmax(axis=1)).ravel()[has]
        return out


def assign(walk_pairs: sparse.csr_matrix, weight, capacity) -> Assignment:
    """The exact capacitated assignment: the most households served, then the least total walk.

    ``walk_pairs`` holds the walk (metres) of every within-threshold
    (household, station) pair; ``weight`` the households per point and
    ``capacity`` the households per station.
    """
    from scipy.optimize import linprog

    t0 = time.perf_counter()
    pairs = sparse.coo_matrix(walk_pairs)
    n_h, n_s = pairs.shape
    w = np.asarray(weight, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    keep = (w[pairs.row] > 0) & (cap[pairs.col] > 0)
    row, col, d = pairs.row[keep], pairs.col[keep], pairs.data[keep]
    m = row.size
    if m == 0:
        z = sparse.csr_matrix((n_h, n_s))
        return Assignment(
            z, np.zeros(n_h), np.zeros(n_s), 0.0, 0.0, "nothing to assign", time.perf_counter() - t0
        )
    var = np.arange(m)
    a_h = sparse.csr_matrix((np.ones(m), (row, var)), shape=(n_h, m))
    a_s = sparse.csr_matrix((np.ones(m), (col, var)), shape=(n_s, m))
    a_ub = sparse.vstack([a_h, a_s], format="csr")
    b_ub = np.concatenate([w, cap])
    first = linprog(-np.ones(m), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs-ds")
    if first.status != 0:  # pragma: no cover - a bounded, feasible LP
        msg = f"the capacity assignment could not be solved ({first.message})"
        raise RuntimeError(msg)
    best = -float(first.fun)
    # among the assignments serving that many, the least total walk
    a2 = sparse.vstack([a_ub, sparse.csr_matrix(-np.ones((1, m)))], format="csr")
    b2 = np.concatenate([b_ub, [-(best - 1e-7)]])
    second = linprog(d, A_ub=a2, b_ub=b2, bounds=(0, None), method="highs-ds")
    x = second.x if second.status == 0 else first.x
    # A transportation problem with whole households and capacities has a whole optimum, and the simplex
    # returns a vertex: round away HiGHS's 1e-7 tolerance (to a millionth of a household otherwise).
    integral = np.allclose(w, np.round(w)) and np.allclose(cap, np.round(cap))
    x = np.round(np.where(x > 1e-9, x, 0.0), 0 if integral else 6)
    flow = sparse.csr_matrix((x, (row, col)), shape=(n_h, n_s))
    flow.eliminate_zeros()
    served = np.asarray(flow.sum(axis=1)).ravel()
    assigned = np.asarray(flow.sum(axis=0)).ravel()
    return Assignment(
        flow,
        served,
        assigned,
        float(x.sum()),
        float(d @ x),
        "highs (LP, max served then min walk)",
        time.perf_counter() - t0,
    )


def nearest_then_cap(walk_pairs: sparse.csr_matrix, weight, capacity) -> np.ndarray:
    """The baseline: each household (by increasing walk) to its nearest station with room; weight served per
    household.

    Households are taken in order of their walk to their nearest station;
    each takes as much of that station's remaining room as it can and goes
    no further. Not optimal: the baseline the exact assignment is compared with.
    """
    f = sparse.csr_matrix(walk_pairs)
    w = np.asarray(weight, dtype=float)
    room = np.asarray(capacity, dtype=float).copy()
    served = np.zeros(f.shape[0])
    nearest = np.full(f.shape[0], -1, dtype=np.int64)
    dist = np.full(f.shape[0], np.inf)
    for h in range(f.shape[0]):
        sl = slice(f.indptr[h], f.indptr[h + 1])
        if f.indptr[h + 1] > f.indptr[h]:
            k = int(np.argmin(f.data[sl]))
            nearest[h], dist[h] = f.indices[sl][k], f.data[sl][k]
    for h in np.argsort(dist, kind="stable"):
        s = nearest[h]
        if s < 0:
            continue
        take = min(w[h], room[s])
        served[h] = take
        room[s] -= take
    return served


def staffing(demand_weight, *, capacity, staff=None, caseload=None) -> pd.DataFrame:
    """Staff (or capacity) each station needs to serve its whole reachable demand.

    ``demand_weight`` is what each station would serve with no limit under the
    least-walk assignment: the households for which it is the nearest station
    within the threshold.
    """
    demand = np.asarray(demand_weight, dtype=float)
    out = {
        "demand_weight": demand,
        "capacity_short": np.maximum(0.0, demand - np.asarray(capacity, dtype=float)),
    }
    if caseload:
        need = np.maximum(0.0, np.ceil(demand / float(caseload) - 1e-9)) + 0.0
        out["staff_needed"] = need
        if staff is not None:
            out["extra_staff"] = np.maximum(0.0, need - np.nan_to_num(np.asarray(staff, dtype=float)))
    return pd.DataFrame(out)
