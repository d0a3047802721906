"""The network's junction graph: chains of segments between junctions.

An OSM walking network has many nodes of degree two (vertices that only shape
a street). Shortest paths only branch at junctions, so searches run on the
graph of junctions joined by *chains* (maximal runs of segments through
degree-two nodes), as osmnx's simplification does. On Heidelberg this is
about 7x fewer nodes, and every bounded search gets that much cheaper.

Every segment knows its chain and where it starts along it, so any point on
any segment has a chain position, and its walking distance follows exactly
from the distances of the chain's two end junctions (plus, for a station on
the same chain, the direct walk along it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from ._csr import symmetric_csr

if TYPE_CHECKING:  # annotations only: the network module builds on this one
    from .network import WalkNetwork


@dataclass(frozen=True, eq=False)
class Chains:
    """Chain decomposition of a :class:`WalkNetwork`.

    Attributes
    ----------
    edge_chain, edge_pos0, edge_dir
        Per segment: its chain, the chain position of its ``u`` end, and +1
        if ``u -> v`` runs along the chain (else -1). A point ``a`` metres from
        ``u`` lies at chain position ``edge_pos0 + edge_dir * a``.
    chain_a, chain_b, chain_len
        Per chain: start and end junction (core index) and length in metres.
    junction_node
        Network node index of each junction (core node).
    node_chain, node_pos
        Per network node: a chain through it and its position on it (for a
        junction, any chain that starts or ends there).
    """

    edge_chain: np.ndarray
    edge_pos0: np.ndarray
    edge_dir: np.ndarray
    chain_a: np.ndarray
    chain_b: np.ndarray
    chain_len: np.ndarray
    junction_node: np.ndarray
    node_chain: np.ndarray
    node_pos: np.ndarray

    @property
    def n_junctions(self) -> int:
        return int(self.junction_node.size)

    @property
    def n_chains(self) -> int:
        return int(self.chain_len.size)

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        """Junction graph with the shortest chain between each pair."""
        return symmetric_csr(self.chain_a, self.chain_b, self.chain_len, self.n_junctions)

    def position(self, edge: np.ndarray, along_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(chain, chain position) of points on segments."""
        return self.edge_chain[edge], self.edge_pos0[edge] + self.edge_dir[edge] * along_m


def build_chains(network: WalkNetwork) -> Chains:
    """Split the network into chains between junctions (degree != 2).

    Vectorised: the same chains, numbering, directions and (bit for bit) positions as the walk of
    :func:`_build_chains_walk`, which it falls back to when a chain is a pure cycle (no junction).
    """
    from scipy.sparse import csgraph

    n, m = network.n_nodes, network.n_edges
    u = network.edge_u.astype(np.int64)
    v = network.edge_v.astype(np.int64)
    length = network.edge_length_m
    deg = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    ends = np.concatenate([u, v])
    eid = np.concatenate([np.arange(m), np.arange(m)])
    order = np.argsort(ends, kind="stable")
    inc_ptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n))])
    inc = eid[order]
    inc_node = ends[order]
    junction = deg != 2
    # segments joined through each degree-two node (a line graph of paths)
    mid = np.flatnonzero(~junction & (deg > 0))
    e_a, e_b = inc[inc_ptr[mid]], inc[inc_ptr[mid] + 1]
    # the walk starts each chain at its first junction incidence in (junction, incidence) order
    jk = np.flatnonzero(junction[inc_node])
    g = sparse.coo_matrix((np.ones(e_a.size), (e_a, e_b)), shape=(m, m))
    n_comp, comp = csgraph.connected_components(g, directed=False)
    start_k = np.full(n_comp, np.iinfo(np.int64).max)
    np.minimum.at(start_k, comp[inc[jk]], jk)
    if (start_k == np.iinfo(np.int64).max).any():  # a pure cycle: the walk handles it
        return _build_chains_walk(network)
    chain_rank = np.empty(n_comp, dtype=np.int64)
    chain_rank[np.argsort(start_k, kind="stable")] = np.arange(n_comp)
    first_edge = inc[start_k]
    # hops from the chain's first segment (a root joined to every first segment)
    root = m
    rows = np.concatenate([e_a, np.full(n_comp, root)])
    cols = np.concatenate([e_b, first_edge])
    lg = sparse.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(m + 1, m + 1)).tocsr()
    hop = csgraph.shortest_path(lg, directed=False, unweighted=True, indices=root)[:m].astype(np.int64)
    # each segment's entry node: the chain's start junction, or the degree-two node before it
    cur = np.empty(m, dtype=np.int64)
    cur[first_edge] = inc_node[start_k]
    prev = np.full(m, -1, dtype=np.int64)
    later_b = hop[e_b] > hop[e_a]
    nxt_e = np.where(later_b, e_b, e_a)
    cur[nxt_e] = mid
    prev[nxt_e] = np.where(later_b, e_a, e_b)
    fwd = u == cur
    # positions: the walk's running sum, one hop at a time (the same float additions)
    by_hop = np.argsort(hop, kind="stable")
    bounds = np.searchsorted(hop[by_hop], np.arange(1, int(hop.max()) + 2))
    before = np.zeros(m)
    after = np.zeros(m)
    for h in range(bounds.size - 1):
        e = by_hop[bounds[h] : bounds[h + 1]]
        if h:
            before[e] = after[prev[e]]
        after[e] = before[e] + length[e]
    ec = chain_rank[comp]
    ep = np.where(fwd, before, after)
    ed = np.where(fwd, 1, -1).astype(np.int8)
    # each chain's last segment (most hops) and where the walk leaves it
    last = np.full(n_comp, -1, dtype=np.int64)
    order_last = np.lexsort((hop, comp))
    last[comp[order_last]] = order_last  # the last write per chain is its most hops
    far = np.where(fwd, v, u)
    ca_node = np.empty(n_comp, dtype=np.int64)
    cb_node = np.empty(n_comp, dtype=np.int64)
    cl = np.empty(n_comp)
    ca_node[chain_rank] = inc_node[start_k]
    cb_node[chain_rank] = far[last]
    cl[chain_rank] = after[last]
    return _chains_from(network, junction, ec, ep, ed, ca_node, cb_node, cl)


def _build_chains_walk(network: WalkNetwork) -> Chains:
    """Split the network into chains between junctions (degree != 2), walking each chain."""
    n, m = network.n_nodes, network.n_edges
    u = network.edge_u.astype(np.int64)
    v = network.edge_v.astype(np.int64)
    length = network.edge_length_m
    deg = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    # incident segments per node (CSR)
    ends = np.concatenate([u, v])
    eid = np.concatenate([np.arange(m), np.arange(m)])
    order = np.argsort(ends, kind="stable")
    inc_ptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=n))]).tolist()
    inc = eid[order].tolist()
    ul, vl, ll = u.tolist(), v.tolist(), length.tolist()
    is_junction = (deg != 2).tolist()
    edge_chain = [-1] * m
    edge_pos0 = [0.0] * m
    edge_dir = [1] * m
    chain_a: list[int] = []
    chain_b: list[int] = []
    chain_len: list[float] = []

    def walk(start: int, e: int) -> None:
        c = len(chain_len)
        cur, pos = start, 0.0
        while True:
            edge_chain[e] = c
            if ul[e] == cur:
                edge_pos0[e], edge_dir[e], nxt = pos, 1, vl[e]
            else:
                edge_pos0[e], edge_dir[e], nxt = pos + ll[e], -1, ul[e]
            pos += ll[e]
            if is_junction[nxt]:
                break
            a, b = inc[inc_ptr[nxt]], inc[inc_ptr[nxt] + 1]
            e2 = b if a == e else a
            if edge_chain[e2] != -1:  # closed a loop back onto this chain
                break
            cur, e = nxt, e2
        chain_a.append(start)
        chain_b.append(nxt)
        chain_len.append(pos)

    for node in np.flatnonzero(deg != 2).tolist():
        for k in range(inc_ptr[node], inc_ptr[node + 1]):
            if edge_chain[inc[k]] == -1:
                walk(node, inc[k])
    # pure cycles (every node of degree two): make one node a junction
    for e in range(m):
        if edge_chain[e] == -1:
            is_junction[ul[e]] = True
            walk(ul[e], e)

    return _chains_from(
        network,
        np.asarray(is_junction),
        np.asarray(edge_chain, dtype=np.int64),
        np.asarray(edge_pos0),
        np.asarray(edge_dir, dtype=np.int8),
        np.asarray(chain_a, dtype=np.int64),
        np.asarray(chain_b, dtype=np.int64),
        np.asarray(chain_len),
    )


def _chains_from(network, junction_mask, ec, ep, ed, chain_a, chain_b, chain_len) -> Chains:
    """The :class:`Chains` of per-segment chain, position and direction and per-chain end nodes."""
    n = network.n_nodes
    u = network.edge_u.astype(np.int64)
    v = network.edge_v.astype(np.int64)
    length = network.edge_length_m
    junction_node = np.flatnonzero(junction_mask)
    core_of = np.full(n, -1, dtype=np.int64)
    core_of[junction_node] = np.arange(junction_node.size)
    ca = core_of[chain_a]
    cb = core_of[chain_b]
    # node positions: the u end of each segment (and the v end for chain ends)
    node_chain = np.full(n, -1, dtype=np.int64)
    node_pos = np.zeros(n)
    node_chain[u] = ec
    node_pos[u] = ep
    vpos = ep + ed * length
    node_chain[v] = ec
    node_pos[v] = vpos
    return Chains(
        edge_chain=ec,
        edge_pos0=ep,
        edge_dir=ed,
        chain_a=ca,
        chain_b=cb,
        chain_len=np.asarray(chain_len, dtype=float),
        junction_node=junction_node,
        node_chain=node_chain,
        node_pos=node_pos,
    )


def chains_of(network: WalkNetwork) -> Chains:
    """The (cached) chain decomposition of ``network``."""
    return network.derived("_chains", build_chains)
