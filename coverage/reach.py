"""Exact walking distances from stations over the network.

Two compiled passes, both with ``scipy.sparse.csgraph.dijkstra``:

* :func:`nearest_station` - one multi-source pass: for every node, the
  distance to the nearest station and which station that is.
* :func:`station_reach` - one bounded search per station (in chunks, never a
  dense stations x nodes matrix kept in memory): every node within
  ``limit_m`` of each station, as a sparse table. It answers "how many
  stations are within 15 minutes", per-station loads, isochrones and what-if
  questions without searching again.

Searches run on the junction graph (:mod:`coverage.topology`): chains of
segments between junctions. Stations sit *on* chains, not on nodes. Each
station becomes an extra node joined to both ends of its chain by the
along-chain distances plus its own access walk, so leaving the station in
either direction costs exactly what it should. A point on the same chain as a
station can also walk straight to it along the chain; :func:`same_chain_pairs`
adds that case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ._csr import gather, symmetric_csr
from ._progress import n_threads
from .network import WalkNetwork
from .snapping import Snapped
from .topology import Chains, chains_of

log = logging.getLogger(__name__)

#: Upper bound on the dense scratch rows one bounded-search chunk may use.
_CHUNK_BYTES = 256 * 2**20
#: Points handled at once when expanding point x station pairs.
_POINT_CHUNK = 65_536


def _on_chain(chains: Chains, snap: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows on the network, their chain, their chain position)."""
    on = np.flatnonzero(snap.on_network)
    c, p = chains.position(snap.edge[on], snap.along_m[on])
    return on, c, p


def _station_graph(network: WalkNetwork, stations: Snapped) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Junction graph plus one node per snapped station. Returns (csr, station node index)."""
    ch = chains_of(network)
    on, c, p = _on_chain(ch, stations)
    n = ch.n_junctions
    s_nodes = n + np.arange(on.size)
    acc = stations.access_m[on]
    u = np.concatenate([ch.chain_a, s_nodes, s_nodes])
    v = np.concatenate([ch.chain_b, ch.chain_a[c], ch.chain_b[c]])
    w = np.concatenate([ch.chain_len, acc + p, acc + (ch.chain_len[c] - p)])
    csr = symmetric_csr(u, v, w, n + on.size)
    node_of = np.full(len(stations), -1, dtype=np.int64)
    node_of[on] = s_nodes
    return csr, node_of


@dataclass(frozen=True)
class Nearest:
    """Result of the multi-source pass over nodes."""

    dist_m: np.ndarray  # per junction, inf where unreachable
    station: np.ndarray  # per junction, station row index or -1


def nearest_station(network: WalkNetwork, stations: Snapped) -> Nearest:
    """Distance from every junction to its nearest station, in one compiled pass."""
    csr, node_of = _station_graph(network, stations)
    src = node_of[node_of >= 0]
    n = chains_of(network).n_junctions
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
    """Sparse table of (station, junction, distance) for distances <= ``limit_m``.

    Station-major CSR: the junctions reached by station ``s`` are
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

    @cached_property
    def by_node(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Node-major view: (indptr over nodes, station, dist_m), built once."""
        station = np.repeat(np.arange(self.n_stations), np.diff(self.indptr))
        order = np.argsort(self.node, kind="stable")
        indptr = np.zeros(self.n_nodes + 1, dtype=np.int64)
        np.add.at(indptr, self.node + 1, 1)
        return np.cumsum(indptr), station[order], self.dist_m[order]


def station_reach(
    network: WalkNetwork, stations: Snapped, limit_m: float, *, progress: bool = False
) -> ReachTable:
    """Bounded search from each station: all junctions within ``limit_m`` metres.

    Searches run in chunks of stations so the dense scratch rows scipy returns
    stay under about 256 MB; only the reached entries are kept.
    """
    csr, node_of = _station_graph(network, stations)
    n = chains_of(network).n_junctions
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
    network: WalkNetwork, points: Snapped, junction_dist_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance from each snapped point given per-junction distances.

    Returns (distance in metres including the point's access walk, and the
    junction used). Off-network points get inf. Same-chain walks are not
    included: see :func:`same_chain_pairs`.
    """
    ch = chains_of(network)
    n = len(points)
    on, c, p = _on_chain(ch, points)
    a, b = ch.chain_a[c], ch.chain_b[c]
    da = junction_dist_m[a] + p
    db = junction_dist_m[b] + (ch.chain_len[c] - p)
    d = np.full(n, np.inf)
    via = np.full(n, -1, dtype=np.int64)
    d[on] = np.minimum(da, db) + points.access_m[on]
    via[on] = np.where(db < da, b, a)
    return d, via


def _stations_on_chains(ch: Chains, stations: Snapped, chains: np.ndarray, which=None):
    """Match positions on ``chains`` with the stations on the same chain.

    Returns (index into ``chains``, station row, station chain position) per match.
    """
    s_on, s_c, s_p = _on_chain(ch, stations)
    if which is not None:
        keep = np.isin(s_on, np.atleast_1d(which))
        s_on, s_c, s_p = s_on[keep], s_c[keep], s_p[keep]
    order = np.argsort(s_c, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(s_c, minlength=ch.n_chains))])
    k, pos = gather(ptr, chains)
    return k, s_on[order][pos], s_p[order][pos]


def same_chain_pairs(
    network: WalkNetwork, points: Snapped, stations: Snapped
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(point, station, direct distance) for points on the same chain as a station.

    The direct distance is the walk along the shared chain plus both access
    walks.
    """
    ch = chains_of(network)
    p_on, p_c, p_p = _on_chain(ch, points)
    k, si, s_p = _stations_on_chains(ch, stations, p_c)
    pi = p_on[k]
    d = np.abs(p_p[k] - s_p) + points.access_m[pi] + stations.access_m[si]
    return pi, si, d


def nearest_for_points(
    network: WalkNetwork, points: Snapped, stations: Snapped, nearest: Nearest, *, pairs=None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact distance (m) and station row of the nearest station for each point.

    ``pairs`` may pass in :func:`same_chain_pairs` already computed.
    """
    d, via = point_distances(network, points, nearest.dist_m)
    st = np.where((via >= 0) & np.isfinite(d), nearest.station[np.maximum(via, 0)], -1)
    pi, si, dd = same_chain_pairs(network, points, stations) if pairs is None else pairs
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
    network: WalkNetwork,
    points: Snapped,
    stations: Snapped,
    reach: ReachTable,
    limit_m: float,
    *,
    pairs=None,
    walk: bool = False,
) -> sparse.csr_matrix:
    """Boolean points x stations matrix: station within ``limit_m`` of point.

    With ``walk=True`` the entries are the walks themselves (metres, the
    same exact distances as the analysis: access walks at both ends and the
    direct walk along a shared chain included).

    Works chain by chain: the stations that reach either end of a chain are
    listed once per chain (with their distance to both ends), then every point
    on the chain checks that short list; same-chain direct walks are added.
    ``limit_m`` must not exceed ``reach.limit_m``.
    """
    if limit_m > reach.limit_m + 1e-9:
        msg = f"limit_m={limit_m} exceeds the reach table's limit {reach.limit_m}"
        raise ValueError(msg)
    ch = chains_of(network)
    n_pts = len(points)
    n_st = reach.n_stations
    on, c, p = _on_chain(ch, points)
    acc = points.access_m[on]
    indptr, st, dist = reach.by_node
    uc, inv = np.unique(c, return_inverse=True)
    # stations reaching each used chain's ends: one row per (chain, station)
    oa, pa = gather(indptr, ch.chain_a[uc])
    ob, pb = gather(indptr, ch.chain_b[uc])
    key = np.concatenate([oa * n_st + st[pa], ob * n_st + st[pb]])
    ukey, kinv = np.unique(key, return_inverse=True)
    da = np.full(ukey.size, np.inf)
    db = np.full(ukey.size, np.inf)
    np.minimum.at(da, kinv[: oa.size], dist[pa])
    np.minimum.at(db, kinv[oa.size :], dist[pb])
    pair_chain = ukey // n_st
    pair_station = ukey % n_st
    cptr = np.concatenate([[0], np.cumsum(np.bincount(pair_chain, minlength=uc.size))])
    # every point checks its chain's list (rows come out sorted by point);
    # in chunks, so the temporaries stay small enough to be reused
    to_a = p + acc  # from the point to end a, and to end b
    to_b = ch.chain_len[uc][inv] - p + acc

    def chunk(i):
        sl = slice(i, i + _POINT_CHUNK)
        owner, pos = gather(cptr, inv[sl])
        d = np.minimum(da[pos] + to_a[sl][owner], db[pos] + to_b[sl][owner])
        ok = d <= limit_m
        return on[sl][owner[ok]], pair_station[pos[ok]], d[ok]

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n_threads()) as pool:  # numpy releases the GIL
        parts = list(pool.map(chunk, range(0, on.size, _POINT_CHUNK)))
    rows = np.concatenate([r for r, _, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
    cols = np.concatenate([c for _, c, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
    dist = np.concatenate([d for _, _, d in parts]) if parts else np.zeros(0)
    pi, si, dd = same_chain_pairs(network, points, stations) if pairs is None else pairs
    okd = dd <= limit_m
    if not walk:
        rptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_pts))])
        m = sparse.csr_matrix(
            (np.ones(rows.size, dtype=np.int8), cols.astype(np.int32), rptr), shape=(n_pts, n_st)
        )
        if okd.any():
            extra = sparse.csr_matrix(
                (np.ones(int(okd.sum()), dtype=np.int8), (pi[okd], si[okd])), shape=(n_pts, n_st)
            )
            m = m + extra
            m.data[:] = 1
        return m
    # the walks: the shorter of the two ways round where a direct same-chain walk exists too
    rows = np.concatenate([rows, pi[okd]])
    cols = np.concatenate([cols, si[okd]])
    dist = np.concatenate([dist, dd[okd]])
    # the shortest walk per (point, station): one integer sort key, then the minimum of each run
    # (a three-key lexsort took 10x longer at a million households)
    key = rows.astype(np.int64) * max(n_st, 1) + cols.astype(np.int64)
    order = np.argsort(key, kind="stable")
    key, dist = key[order], dist[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, dtype=np.int64)
    dist = np.minimum.reduceat(dist, starts) if key.size else dist
    key = key[starts]
    rows, cols = key // max(n_st, 1), key % max(n_st, 1)
    rptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_pts))])
    return sparse.csr_matrix((dist, cols.astype(np.int32), rptr), shape=(n_pts, n_st))


def node_distances(
    network: WalkNetwork, stations: Snapped, junction_dist_m: np.ndarray, which=None
) -> np.ndarray:
    """Walking distance at every network node from per-junction distances.

    ``which`` restricts the same-chain direct walks to those station rows (for
    one station's own distances); by default all stations count.
    """
    ch = chains_of(network)
    c, p = ch.node_chain, ch.node_pos
    d = np.minimum(junction_dist_m[ch.chain_a[c]] + p, junction_dist_m[ch.chain_b[c]] + (ch.chain_len[c] - p))
    k, si, s_p = _stations_on_chains(ch, stations, c, which)
    np.minimum.at(d, k, np.abs(p[k] - s_p) + stations.access_m[si])
    return d
