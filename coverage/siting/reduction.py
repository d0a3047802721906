"""Reduction of a covering instance: the fewer rows and columns a solver sees, the faster it proves.

* Households with identical candidate sets are merged into one weighted
  demand row; candidates with identical sets are merged (the lowest index is
  kept); candidates whose set is contained in another's are dropped (for
  maximal and set covering with equal site costs this never changes the
  optimum). Candidates that reach nobody are dropped early.
* :func:`merge_rows` is the row merge alone, exact wherever a row's weight
  may be split between columns (capacitated covering).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class SitingProblem:
    """A reduced covering instance.

    ``cover`` is a boolean (demand groups x candidates) CSC matrix;
    ``weight`` the households per demand group; ``candidates`` the original
    candidate row of each column.
    """

    cover: sparse.csc_matrix
    weight: np.ndarray
    candidates: np.ndarray
    total_weight: float  # households of all valid rows (for shares)
    covered_weight: float  # households already covered by existing stations
    coverable_weight: float  # uncovered households some candidate can reach
    n_candidates_in: int
    n_candidates_unreaching: int
    n_candidates_merged: int
    n_candidates_dominated: int
    n_households_uncovered: int
    groups: np.ndarray = field(repr=False)  # demand group of each uncovered household (-1: no candidate)

    @property
    def n_groups(self) -> int:
        return int(self.cover.shape[0])


def build_problem(
    cover_hc: sparse.csr_matrix,
    weight_h: np.ndarray,
    *,
    total_weight: float,
    covered_weight: float,
    dominance: bool = True,
) -> SitingProblem:
    """Reduce a households x candidates coverage matrix (uncovered households only)."""
    cover_hc = sparse.csr_matrix(cover_hc, dtype=bool)
    n_h, n_c = cover_hc.shape
    # candidates that reach nobody
    reach_any = np.asarray(cover_hc.sum(axis=0)).ravel() > 0
    n_unreach = int((~reach_any).sum())
    # merge identical candidate columns (lowest index kept)
    csc = cover_hc.tocsc()
    csc.sort_indices()
    keys = [csc.indices[csc.indptr[c] : csc.indptr[c + 1]].tobytes() for c in range(n_c)]
    seen: dict[bytes, int] = {}
    keep = []
    for c in range(n_c):
        if not reach_any[c]:
            continue
        if keys[c] in seen:
            continue
        seen[keys[c]] = c
        keep.append(c)
    keep = np.asarray(keep, dtype=np.int64)
    n_merged = int(reach_any.sum()) - keep.size
    a = csc[:, keep]
    n_dominated = 0
    if dominance and keep.size > 1 and keep.size <= 20_000:
        ai = a.astype(np.int32)
        overlap = (ai.T @ ai).tocsr()
        size = np.asarray(ai.sum(axis=0)).ravel()
        ov = overlap.tocoo()
        # i dominated by j: every household of i is also j's, and j has more
        dom = (ov.row != ov.col) & (ov.data == size[ov.row]) & (size[ov.col] > size[ov.row])
        dominated = np.zeros(keep.size, dtype=bool)
        dominated[np.unique(ov.row[dom])] = True
        n_dominated = int(dominated.sum())
        keep = keep[~dominated]
        a = a[:, ~dominated]
    # merge households with identical candidate sets into weighted groups
    rows = a.tocsr()
    rows.sort_indices()
    has = np.diff(rows.indptr) > 0
    rkeys = [rows.indices[rows.indptr[h] : rows.indptr[h + 1]].tobytes() for h in range(n_h)]
    gid: dict[bytes, int] = {}
    groups = np.full(n_h, -1, dtype=np.int64)
    first = []
    for h in np.flatnonzero(has):
        g = gid.get(rkeys[h])
        if g is None:
            g = len(first)
            gid[rkeys[h]] = g
            first.append(h)
        groups[h] = g
    first = np.asarray(first, dtype=np.int64)
    w = np.bincount(groups[has], weights=weight_h[has], minlength=first.size)
    cover = rows[first].tocsc() if first.size else sparse.csc_matrix((0, keep.size), dtype=bool)
    return SitingProblem(
        cover=cover.astype(bool),
        weight=w,
        candidates=keep,
        total_weight=float(total_weight),
        covered_weight=float(covered_weight),
        coverable_weight=float(w.sum()),
        n_candidates_in=n_c,
        n_candidates_unreaching=n_unreach,
        n_candidates_merged=n_merged,
        n_candidates_dominated=n_dominated,
        n_households_uncovered=n_h,
        groups=groups,
    )


def covered_weight_of(problem: SitingProblem, chosen) -> float:
    """Household weight the chosen columns cover (recomputed from scratch)."""
    chosen = np.asarray(chosen, dtype=np.int64)
    if chosen.size == 0 or problem.n_groups == 0:
        return 0.0
    hit = np.asarray(problem.cover[:, chosen].sum(axis=1)).ravel() > 0
    return float(problem.weight[hit].sum())


def merge_rows(cover: sparse.csr_matrix, weight: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Rows with identical column sets merged (weights added): exact when flows may be split."""
    cover = sparse.csr_matrix(cover, dtype=bool)
    cover.sort_indices()
    has = np.diff(cover.indptr) > 0
    keys = {}
    group = np.full(cover.shape[0], -1, dtype=np.int64)
    first = []
    for h in np.flatnonzero(has):
        key = cover.indices[cover.indptr[h] : cover.indptr[h + 1]].tobytes()
        g = keys.get(key)
        if g is None:
            g = keys[key] = len(first)
            first.append(h)
        group[h] = g
    w = np.bincount(group[has], weights=np.asarray(weight, dtype=float)[has], minlength=len(first))
    return cover[np.asarray(first, dtype=np.int64)], w


_merge_rows = merge_rows  # the name it had in problem.py
