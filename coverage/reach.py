"""Exact walking distances from stations over the network.

Two compiled passes, both with ``scipy.sparse.csgraph.dijkstra``:

* :func:`nearest_station` - one multi-source pass: for every node, the
  distance to the nearest station and which station that is.
* :func:`station_reach` - one bounded search per station (in chunks, never a
  dense stations x nodes matrix kept in memory): every node within
  ``limit_m`` of each station, as a sparse table. It answers "how many
  stations are within 15 minutes", per-station loads, isochrones and what-if
  questions without searching again.

Stations sit *on* segments, not on nodes. Each station becomes an extra node
joined to both ends of its segment by the along-segment distances plus its own
access walk, so leaving the station in either direction costs exactly what it
should. A point on the same segment as a station can also walk straight to
it along the segment; :func:`point_distances` adds that case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from .network import WalkNetwork, _symmetric_csr
from .snapping import Snapped

log = logging.getLogger(__name__)

#: Upper bound on the dense scratch rows one bounded-search chunk may use.
_CHUNK_BYTES = 256 * 2**20


def _station_graph(network: WalkNetwork, stations: Snapped) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Network plus one node per snapped station. Returns (csr, station node index)."""
    on = np.flatnonzero(stations.on_network)
    n = network.n_nodes
    s_nodes = n + np.arange(on.size)
    e = stations.edge[on]
    a = stations.along_m[on]
    acc = stations.access_m[on]
    length = network.edge_length_m[e]
    u = np.concatenate([network.edge_u, s_nodes, s_nodes])
    v = np.concatenate([network.edge_v, network.edge_u[e], network.edge_v[e]])
    w = np.concatenate([network.edge_length_m, acc + a, acc + (length - a)])
    csr = _symmetric_csr(u, v, w, n + on.size)
    node_of = np.full(len(stations), -1, dtype=np.int64)
    node_of[on] = s_nodes
    return csr, node_of


@dataclass(frozen=True)
class Nearest:
    """Result of the multi-source pass over nodes."""

    dist_m: np.ndarray  # per network node, inf where unreachable
    station: np.ndarray  # per network node, station row index or -1


def nearest_station(network: WalkNetwork, stations: Snapped) -> Nearest:
    """Distance from every node to its nearest station, in one compiled pass."""
    csr, node_of = _station_graph(network, stations)
    src = node_of[node_of >= 0]
    n = network.n_nodes
    if src.size == 0:
        return Nearest(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
    dist, _pred, sources = csgraph.dijkstra(
        csr, directed=True, indices=src, min_only=True, return_predecessors=True
    )
    row_of_node = np.full(csr.shape[0], -1, dtype=np.int64)
    row_of_node[src] = np.flatnonzero(node_of >= 0)
    station = np.where(sources >= 0, row_of_node[np.maximum(sources, 0)], -1)
    return Nearest(dist[:n], station[:n])


@dataclass(frozen=True)
class ReachTable:
    """Sparse table of (station, node, distance) for distances <= ``limit_m``.

    Station-major CSR: the nodes reached by station ``s`` are
    ``node[indptr[s]:indptr[s + 1]]`` at ``dist_m[...]`` metres.
    """

    indptr: np.ndarray
    node: np.ndarray
    dist_m: np.ndarray
    limit_m: float
    n_nodes: int

    @property
    def n_stations(self) -> int:
        return int(self.indptr.size - 1)

    def rows(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        sl = slice(self.indptr[s], self.indptr[s + 1])
        return self.node[sl], self.dist_m[sl]

    def by_node(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Node-major view: (indptr over nodes, station, dist_m)."""
        station = np.repeat(np.arange(self.n_stations), np.diff(self.indptr))
        order = np.argsort(self.node, kind="stable")
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.add.at(indptr, self.node + 1, 1)
        return np.cumsum(indptr), station[order], self.dist_m[order]


def station_reach(
    network: WalkNetwork, stations: Snapped, limit_m: float, *, progress: bool = False
) -> ReachTable:
    """Bounded search from each station: all nodes within ``limit_m`` metres.

    Searches run in chunks of stations so the dense scratch rows scipy returns
    stay under about 256 MB; only the reached entries are kept.
    """
    csr, node_of = _station_graph(network, stations)
    n = network.n_nodes
    n_st = len(stations)
    chunk = max(1, min(256, _CHUNK_BYTES // (8 * csr.shape[0])))
    nodes: list[np.ndarray] = []
    dists: list[np.ndarray] = []
    counts = np.zeros(n_st, dtype=np.int64)
    on = np.flatnonzero(node_of >= 0)
    it = range(0, on.size, chunk)
    if progress:
        from ._progress import progress_bar

        it = progress_bar(it, desc="station reach", unit_scale=chunk)
    for start in it:
        rows = on[start : start + chunk]
        d = csgraph.dijkstra(csr, directed=True, indices=node_of[rows], limit=limit_m)[:, :n]
        r, c = np.nonzero(d <= limit_m)
        nodes.append(c.astype(np.int32))
        dists.append(d[r, c])
        counts[rows] = np.bincount(r, minlength=rows.size)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    node = np.concatenate(nodes) if nodes else np.zeros(0, dtype=np.int32)
    dist = np.concatenate(dists) if dists else np.zeros(0)
    return ReachTable(indptr, node, dist, float(limit_m), n)


def point_distances(
    network: WalkNetwork, points: Snapped, node_dist_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance from each snapped point given per-node distances.

    Returns (distance in metres including the point's access walk, and which
    end was used: 0 for ``u``, 1 for ``v``). Off-network points get inf.
    """
    on = points.on_network
    e = np.where(on, points.edge, 0)
    a = np.where(on, points.along_m, 0.0)
    du = node_dist_m[network.edge_u[e]] + a
    dv = node_dist_m[network.edge_v[e]] + (network.edge_length_m[e] - a)
    end = (dv < du).astype(np.int8)
    d = np.minimum(du, dv) + np.where(on, points.access_m, 0.0)
    return np.where(on, d, np.inf), end


def same_edge_pairs(points: Snapped, stations: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, station, direct distance) for points on the same segment as a station.

    Direct distance is the walk along the shared segment plus both access walks.
    """
    s_on = np.flatnonzero(stations.on_network)
    p_on = np.flatnonzero(points.on_network)
    if s_on.size == 0 or p_on.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    s_edge = stations.edge[s_on]
    order = np.argsort(s_edge, kind="stable")
    s_sorted, s_edge_sorted = s_on[order], s_edge[order]
    p_edge = points.edge[p_on]
    lo = np.searchsorted(s_edge_sorted, p_edge, side="left")
    hi = np.searchsorted(s_edge_sorted, p_edge, side="right")
    cnt = hi - lo
    if cnt.sum() == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    pi = np.repeat(p_on, cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    si = s_sorted[np.repeat(lo, cnt) + offs]
    d = np.abs(points.along_m[pi] - stations.along_m[si]) + points.access_m[pi] + stations.access_m[si]
    return pi, si, d


def nearest_for_points(
    network: WalkNetwork, points: Snapped, stations: Snapped, nearest: Nearest
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance (m) and station row of the nearest station for each point."""
    d, end = point_distances(network, points, nearest.dist_m)
    on = points.on_network
    e = np.where(on, points.edge, 0)
    node = np.where(end == 0, network.edge_u[e], network.edge_v[e])
    st = np.where(on & np.isfinite(d), nearest.station[node], -1)
    pi, si, dd = same_edge_pairs(points, stations)
    if pi.size:
        # shortest direct pair per point, ties to the lower station row
        order = np.lexsort((si, dd, pi))
        pi, si, dd = pi[order], si[order], dd[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        pi, si, dd = pi[first], si[first], dd[first]
        better = dd < d[pi]
        d[pi[better]] = dd[better]
        st[pi[better]] = si[better]
    return d, st


def within_pairs(
    network: WalkNetwork, points: Snapped, stations: Snapped, reach: ReachTable, limit_m: float
) -> sparse.csr_matrix:
    """Boolean points x stations matrix: station within ``limit_m`` of point.

    Uses the reach table from both ends of each point's segment plus the
    same-segment direct walks; ``limit_m`` must not exceed ``reach.limit_m``.
    """
    if limit_m > reach.limit_m + 1e-9:
        msg = f"limit_m={limit_m} exceeds the reach table's limit {reach.limit_m}"
        raise ValueError(msg)
    n_pts = len(points)
    n_st = reach.n_stations
    on = np.flatnonzero(points.on_network)
    indptr, st, dist = reach.by_node()
    rows_all = []
    cols_all = []
    for end_nodes, offset in (
        (network.edge_u[points.edge[on]], points.along_m[on]),
        (network.edge_v[points.edge[on]], network.edge_length_m[points.edge[on]] - points.along_m[on]),
    ):
        start = indptr[end_nodes]
        cnt = indptr[end_nodes + 1] - start
        owner = np.repeat(np.arange(on.size), cnt)
        pos = np.repeat(start - (np.cumsum(cnt) - cnt), cnt) + np.arange(cnt.sum())
        total = dist[pos] + offset[owner] + points.access_m[on][owner]
        ok = total <= limit_m
        rows_all.append(on[owner[ok]])
        cols_all.append(st[pos[ok]])
    pi, si, dd = same_edge_pairs(points, stations)
    ok = dd <= limit_m
    rows_all.append(pi[ok])
    cols_all.append(si[ok])
    rows = np.concatenate(rows_all)
    cols = np.concatenate(cols_all)
    m = sparse.coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n_pts, n_st)).tocsr()
    m.sum_duplicates()
    m.data[:] = 1
    return m
