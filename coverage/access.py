"""How each household reaches the network: its access points.

Under the open rule a household has one access point, its own snap to the
nearest walkable street. Under the gated rule (:mod:`coverage.gates`) a
household inside a walled compound reaches the network only through the
compound's gates: one access point per gate, whose access walk is the
straight walk from the household to the gate plus the gate's own walk to its
street. A household's walk to a station is the best over its access points.

Every analysis asks its distance questions through :class:`Access`
(:meth:`Access.nearest`, :meth:`Access.within`), so assessment, what-if,
siting, capacity and the what-if map all follow the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from ._csr import gather
from .reach import nearest_for_points, same_chain_pairs, within_pairs
from .snapping import Snapped


@dataclass(frozen=True, eq=False)
class Access:
    """Access points of ``n`` households.

    Attributes
    ----------
    snap
        One row per access point (:class:`~coverage.snapping.Snapped`); its
        ``access_m`` is the whole walk from the household to the street and
        ``px``/``py`` the household itself.
    owner
        Household row of each access point, non-decreasing. A household may
        have none (a gated compound whose gates are all off the network).
    n
        Number of households.
    gate
        Gate row of each access point, or -1 for the household's own street.
    """

    snap: Snapped
    owner: np.ndarray
    n: int
    gate: np.ndarray

    @classmethod
    def open(cls, snap: Snapped) -> Access:
        """The open rule: every household walks straight to its nearest street."""
        n = len(snap)
        return cls(snap, np.arange(n, dtype=np.int64), n, np.full(n, -1, dtype=np.int64))

    @cached_property
    def is_open(self) -> bool:
        return (
            self.owner.size == self.n
            and bool((self.gate < 0).all())
            and bool((self.owner == np.arange(self.n)).all())
        )

    @cached_property
    def ptr(self) -> np.ndarray:
        """CSR over households: access points of household h are ``ptr[h]:ptr[h + 1]``."""
        return np.searchsorted(self.owner, np.arange(self.n + 1), side="left").astype(np.int64)

    @cached_property
    def on_network(self) -> np.ndarray:
        """Households with at least one access point on the network."""
        on = np.zeros(self.n, dtype=bool)
        on[self.owner[self.snap.on_network]] = True
        return on

    def pairs(self, network, stations: Snapped):
        """Same-chain direct walks of the access points (see :func:`~coverage.reach.same_chain_pairs`)."""
        return same_chain_pairs(network, self.snap, stations)

    def nearest(self, network, stations: Snapped, nearest, *, pairs=None):
        """Per household: (walk in metres, nearest station row, access point used).

        Unreached households get ``inf``, -1 and their shortest access point
        (-1 when they have none).
        """
        d, st = nearest_for_points(network, self.snap, stations, nearest, pairs=pairs)
        if self.is_open:
            return d, st, np.arange(self.n)
        walk = np.full(self.n, np.inf)
        row = np.full(self.n, -1, dtype=np.int64)
        via = np.full(self.n, -1, dtype=np.int64)
        if self.owner.size:
            st_key = np.where(st >= 0, st, np.iinfo(np.int64).max)
            acc = np.nan_to_num(self.snap.access_m, nan=np.inf)
            order = np.lexsort((acc, st_key, d, self.owner))
            first = order[np.r_[True, self.owner[order][1:] != self.owner[order][:-1]]]
            h = self.owner[first]
            walk[h], row[h], via[h] = d[first], st[first], first
        return walk, row, via

    def shortest(self) -> np.ndarray:
        """Per household, the access point with the shortest walk to its street (-1 when it has none)."""
        out = np.full(self.n, -1, dtype=np.int64)
        if self.owner.size:
            order = np.lexsort((np.nan_to_num(self.snap.access_m, nan=np.inf), self.owner))
            first = order[np.r_[True, self.owner[order][1:] != self.owner[order][:-1]]]
            out[self.owner[first]] = first
        return out

    def within(
        self, network, stations: Snapped, reach, limit_m: float, *, pairs=None, walk: bool = False
    ) -> sparse.csr_matrix:
        """Households x stations within ``limit_m`` (see :func:`~coverage.reach.within_pairs`).

        With ``walk=True`` the entries are the walks, the best over each
        household's access points.
        """
        if self.is_open:
            return within_pairs(network, self.snap, stations, reach, limit_m, pairs=pairs, walk=walk)
        m = within_pairs(network, self.snap, stations, reach, limit_m, pairs=pairs, walk=True).tocoo()
        rows, cols, dist = self.owner[m.row], m.col.astype(np.int64), m.data
        order = np.lexsort((dist, cols, rows))
        rows, cols, dist = rows[order], cols[order], dist[order]
        first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])][: rows.size]
        rows, cols, dist = rows[first], cols[first], dist[first]
        rptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.n))])
        data = dist if walk else np.ones(rows.size, dtype=np.int8)
        return sparse.csr_matrix((data, cols.astype(np.int32), rptr), shape=(self.n, m.shape[1]))

    def subset(self, rows) -> Access:
        """The households ``rows`` (a boolean mask or indices), in that order."""
        idx = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows, dtype=np.int64)
        owner, pos = gather(self.ptr, idx)
        return Access(self.snap.subset(pos), owner.astype(np.int64), int(idx.size), self.gate[pos])
