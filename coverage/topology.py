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
    """Split the network into chains between junctions (degree != 2)."""
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

    junction_mask = np.asarray(is_junction)
    junction_node = np.flatnonzero(junction_mask)
    core_of = np.full(n, -1, dtype=np.int64)
    core_of[junction_node] = np.arange(junction_node.size)
    ec = np.asarray(edge_chain, dtype=np.int64)
    ep = np.asarray(edge_pos0)
    ed = np.asarray(edge_dir, dtype=np.int8)
    ca = core_of[np.asarray(chain_a, dtype=np.int64)]
    cb = core_of[np.asarray(chain_b, dtype=np.int64)]
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
        chain_len=np.asarray(chain_len),
        junction_node=junction_node,
        node_chain=node_chain,
        node_pos=node_pos,
    )


def chains_of(network: WalkNetwork) -> Chains:
    """The (cached) chain decomposition of ``network``."""
    return network.derived("_chains", build_chains)
