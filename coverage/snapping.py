"""Snap points to the nearest walkable segment (exactly, and fast).

A point is projected onto the nearest street *segment*, not the nearest node:
snapping to nodes mislabels about one Harbin building in seven. The search is
exact and vectorised: every segment is sampled at most ``step_m`` apart and
the samples go into a ``scipy.spatial.cKDTree``. The ``k`` nearest samples give
candidate segments; the exact point-to-segment distance picks the best one. If
the k-th sample is not at least half a step farther than the best segment, a
segment outside the candidates could still be nearer, so that point is
re-searched with a radius query: the answer is always the true nearest segment.

Points are on the ground: they snap only to segments at ground level
(:attr:`~coverage.network.WalkNetwork.ground`), never onto a bridge deck, into
a tunnel, under a cover or onto another layer (as Valhalla's ``exclude_bridge``
and ``exclude_tunnel`` search filters do). A home beside a viaduct reaches the
street under it; the viaduct itself is still walked over where it is walkable.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from ._csr import gather
from ._progress import n_threads
from .network import WalkNetwork
from .options import snap_limit_m

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Snapped:
    """Where each point meets the network.

    Attributes
    ----------
    edge
        Segment index, or -1 for a point off the network.
    along_m
        Distance in metres along the segment from its ``u`` end.
    access_m
        Straight walk from the point to the street, in metres (NaN if off).
    x, y
        The snapped position in the network's work CRS (NaN if off).
    px, py
        The point itself in the work CRS.
    """

    edge: np.ndarray
    along_m: np.ndarray
    access_m: np.ndarray
    x: np.ndarray
    y: np.ndarray
    px: np.ndarray
    py: np.ndarray

    @property
    def on_network(self) -> np.ndarray:
        return self.edge >= 0

    def __len__(self) -> int:
        return int(self.edge.size)

    def subset(self, rows: ArrayLike) -> Snapped:
        """The rows ``rows`` (a boolean mask or indices), in that order."""
        return Snapped(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))

    def concat(self, other: Snapped) -> Snapped:
        """These rows followed by ``other``'s."""
        return Snapped(
            *(np.concatenate([getattr(self, f), getattr(other, f)]) for f in self.__dataclass_fields__)
        )


class SegmentIndex:
    """Exact nearest-segment search over a network's ground-level segments."""

    def __init__(self, network: WalkNetwork, step_m: float = 10.0, k: int = 8, *, segments=None):
        self.network = network
        self.step_m = float(step_m)
        self.k = int(k)
        #: the segments points may snap to (ascending, so ties still go to the lowest segment index);
        #: ``segments`` restricts them to some ground segments (ascending), for :func:`snap_edited`
        self.segments = np.flatnonzero(network.ground) if segments is None else np.asarray(segments)
        xy = network.xy
        self.a = xy[network.edge_u[self.segments]]
        self.b = xy[network.edge_v[self.segments]]
        d = self.b - self.a
        dd = (d * d).sum(axis=1)
        # contiguous per-segment arrays make the candidate gathers cheap
        self._ax, self._ay = np.ascontiguousarray(self.a[:, 0]), np.ascontiguousarray(self.a[:, 1])
        self._dx, self._dy = np.ascontiguousarray(d[:, 0]), np.ascontiguousarray(d[:, 1])
        with np.errstate(divide="ignore"):
            self._inv = np.where(dd > 0, 1.0 / np.where(dd > 0, dd, 1.0), 0.0)

    @cached_property
    def _tree(self):
        """KD-tree of samples: one per network node (shared by its segments) and
        interior points every <= step_m along each segment.

        Returns the tree and a CSR map from sample to segments (``ptr``, ``seg``),
        in positions of :attr:`segments`.
        """
        net = self.network
        d = self.b - self.a
        seg_len = np.hypot(d[:, 0], d[:, 1])
        n_pieces = np.maximum(1, np.ceil(seg_len / self.step_m).astype(np.int64))
        n_inner = n_pieces - 1
        inner_seg = np.repeat(np.arange(seg_len.size), n_inner)
        starts = np.cumsum(n_inner) - n_inner
        j = np.arange(inner_seg.size) - np.repeat(starts, n_inner) + 1
        t = j / np.repeat(n_pieces, n_inner)
        inner_pts = self.a[inner_seg] + t[:, None] * d[inner_seg]
        # node samples (the nodes of ground segments only) map to every incident ground segment
        m = self.segments.size
        ends = np.concatenate([net.edge_u[self.segments], net.edge_v[self.segments]]).astype(np.int64)
        nodes, ends = np.unique(ends, return_inverse=True)
        eid = np.concatenate([np.arange(m), np.arange(m)])
        order = np.argsort(ends, kind="stable")
        node_ptr = np.concatenate([[0], np.cumsum(np.bincount(ends, minlength=nodes.size))])
        node_seg = eid[order]
        pts = np.concatenate([net.xy[nodes], inner_pts])
        ptr = np.concatenate([node_ptr, node_ptr[-1] + 1 + np.arange(inner_seg.size)])
        seg = np.concatenate([node_seg, inner_seg])
        return cKDTree(pts), (ptr, seg)

    def _exact(self, px, py, seg):
        """Distance, parameter t and foot point of points on segments (broadcasting)."""
        ax, ay, dx, dy = self._ax[seg], self._ay[seg], self._dx[seg], self._dy[seg]
        rx, ry = px - ax, py - ay
        t = np.clip((rx * dx + ry * dy) * self._inv[seg], 0.0, 1.0)
        ex, ey = rx - t * dx, ry - t * dy
        return np.sqrt(ex * ex + ey * ey), t, ax + t * dx, ay + t * dy

    def _dist2(self, px, py, seg):
        """Squared point-to-segment distance only (the hot path)."""
        ax, ay, dx, dy = self._ax[seg], self._ay[seg], self._dx[seg], self._dy[seg]
        rx, ry = px - ax, py - ay
        t = np.clip((rx * dx + ry * dy) * self._inv[seg], 0.0, 1.0)
        ex, ey = rx - t * dx, ry - t * dy
        return ex * ex + ey * ey

    def snap(self, x, y, max_snap_m: float | None = None, *, chunk: int = 65_536) -> Snapped:
        """Snap points given in the network's work CRS (in chunks, to keep temporaries small)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.size <= chunk:
            return self._snap(x, y, max_snap_m)
        _ = self._tree  # build once, before the threads start
        starts = range(0, x.size, chunk)
        # numpy and cKDTree release the GIL: chunks run in parallel threads
        with ThreadPoolExecutor(max_workers=n_threads()) as pool:
            parts = list(
                pool.map(
                    lambda i: self._snap(x[i : i + chunk], y[i : i + chunk], max_snap_m, workers=1), starts
                )
            )
        return Snapped(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Snapped.__dataclass_fields__)
        )

    def _snap(self, x, y, max_snap_m: float | None = None, workers: int = -1) -> Snapped:
        max_snap_m = snap_limit_m(max_snap_m)
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        n = x.size
        edge = np.full(n, -1, dtype=np.int64)
        tpar = np.full(n, np.nan)
        dist = np.full(n, np.nan)
        qx = np.full(n, np.nan)
        qy = np.full(n, np.nan)
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any() or self.segments.size == 0:
            return Snapped(edge, tpar, dist, qx, qy, x, y)
        tree, (sptr, sseg) = self._tree
        idx = np.flatnonzero(ok)
        px, py = x[idx], y[idx]
        best_d = np.full(idx.size, np.inf)
        best_seg = np.zeros(idx.size, dtype=np.int64)
        best_t = np.zeros(idx.size)
        best_x = np.full(idx.size, np.nan)
        best_y = np.full(idx.size, np.nan)
        bound = max_snap_m + self.step_m
        todo = np.arange(idx.size)
        # Rounds of k-nearest samples; a point is settled once its k-th sample
        # is farther than (best segment distance + step/2), or nothing is near.
        for k in (self.k, 4 * self.k, 16 * self.k):
            if todo.size == 0:
                break
            k = min(k, tree.n)
            dk, ik = tree.query(
                np.column_stack([px[todo], py[todo]]), k=k, distance_upper_bound=bound, workers=workers
            )
            dk = dk.reshape(todo.size, k)
            ik = ik.reshape(todo.size, k)
            # The nearest sample lies on some segment, so the best segment is at
            # most dk[:, 0] away, and only samples within best + step/2 can
            # belong to a nearer segment: evaluate just those.
            limit = np.minimum(best_d[todo], dk[:, 0]) + self.step_m / 2
            rr, cc = np.nonzero(dk < limit[:, None])
            if rr.size:
                # samples -> their segments (a node sample stands for all its segments)
                owner, pos = gather(sptr, ik[rr, cc])
                seg = sseg[pos]
                rr = rr[owner]
                d2 = self._dist2(px[todo[rr]], py[todo[rr]], seg)
                starts = np.flatnonzero(np.r_[True, rr[1:] != rr[:-1]])
                rows = rr[starts]
                m2 = np.minimum.reduceat(d2, starts)
                # ties go to the lowest segment index, so results are deterministic
                tie = np.where(
                    d2 == np.repeat(m2, np.diff(np.r_[starts, rr.size])), seg, np.iinfo(np.int64).max
                )
                bseg = np.minimum.reduceat(tie, starts)
                m = np.sqrt(m2)
                better = (m < best_d[todo[rows]]) | (
                    (m == best_d[todo[rows]]) & (bseg < best_seg[todo[rows]])
                )
                upd = todo[rows[better]]
                bd, t, sx, sy = self._exact(px[upd], py[upd], bseg[better])
                best_d[upd], best_seg[upd] = bd, bseg[better]
                best_t[upd], best_x[upd], best_y[upd] = t, sx, sy
            bd = best_d[todo]
            sure = ~np.isfinite(dk[:, 0]) | (dk[:, -1] >= bd + self.step_m / 2) | (k == tree.n)
            todo = todo[~sure]
        for r in todo:  # rare: very dense spots
            near = np.asarray(
                tree.query_ball_point([px[r], py[r]], best_d[r] + self.step_m / 2), dtype=np.int64
            )
            segs = np.unique(sseg[gather(sptr, near)[1]])
            dd, tt, xx, yy = self._exact(px[r], py[r], segs)
            j = np.flatnonzero(dd == dd.min())[0]
            best_d[r], best_seg[r], best_t[r], best_x[r], best_y[r] = dd[j], segs[j], tt[j], xx[j], yy[j]
        hit = np.isfinite(best_d) & (best_d <= max_snap_m)
        sel = idx[hit]
        edge[sel] = self.segments[best_seg[hit]]
        tpar[sel] = best_t[hit]
        dist[sel] = best_d[hit]
        qx[sel] = best_x[hit]
        qy[sel] = best_y[hit]
        along = np.full(n, np.nan)
        along[sel] = tpar[sel] * self.network.edge_length_m[edge[sel]]
        return Snapped(edge, along, dist, qx, qy, x, y)

    def snap_grid(
        self, x0: float, y0: float, cell_m: float, nx: int, ny: int, max_snap_m: float, *, block: int = 4
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Snap every cell centre of a grid, exactly as :meth:`snap` would, much faster.

        Cell ``i`` has its centre at ``(x0 + (col + 0.5) * cell_m, y0 + (row + 0.5) * cell_m)``
        with ``row, col = divmod(i, nx)``. Returns ``(cell, edge, along_m, access_m)`` of the
        cells within ``max_snap_m`` of a segment, cells ascending: the same segment (ties to the
        lowest index), and the same floating-point values, as :meth:`snap` of the centres.

        The grid is cut into blocks of ``block`` x ``block`` cells. A block's centre ``c`` is
        snapped; every cell of the block is within ``h`` (half the block's diagonal) of ``c``, so
        its nearest segment is within ``d(c) + h`` of the cell and within ``d(c) + 2h`` of ``c``:
        only the segments that near ``c`` are evaluated for the block's cells (one vectorised
        distance per cell and candidate), instead of a k-nearest search per cell.
        """
        empty = np.zeros(0, dtype=np.int64)
        if self.segments.size == 0 or nx * ny == 0:
            return empty, empty, np.zeros(0), np.zeros(0)
        b_ = int(block)
        bnx, bny = -(-nx // b_), -(-ny // b_)
        bs = b_ * cell_m
        h = (b_ - 1) * cell_m / np.sqrt(2.0)  # from a block's centre to its farthest cell centre
        brow, bcol = np.divmod(np.arange(bnx * bny, dtype=np.int64), bnx)
        cx = x0 + (bcol + 0.5) * bs
        cy = y0 + (brow + 0.5) * bs
        # blocks whose centre is farther than max_snap + h from every segment hold no cell on the network
        dc = self.snap(cx, cy, max_snap_m=max_snap_m + h + 1.0).access_m
        live = np.isfinite(dc)
        thr = np.where(live, dc + 2 * h + 1.0, -1.0)  # 1 m of slack against rounding
        thr2 = np.where(live, thr * thr, -1.0)
        # Candidate (block, segment) pairs, found in two steps: tiles of tb x tb blocks first (a tile
        # keeps a segment if its centre is within the tile's largest `thr` plus the reach from it to
        # its farthest block centre), then the blocks of each tile kept.
        tb = 4
        tnx, tny = -(-bnx // tb), -(-bny // tb)
        grid = np.full((tny * tb, tnx * tb), -1.0)
        grid[:bny, :bnx] = thr.reshape(bny, bnx)
        tthr = grid.reshape(tny, tb, tnx, tb).max(axis=(1, 3)).ravel()
        trad = np.where(tthr > 0, tthr + (tb - 1) * bs / np.sqrt(2.0) + 1.0, -1.0)
        tside = tb * bs
        trow, tcol = np.divmod(np.arange(tnx * tny, dtype=np.int64), tnx)
        tx = x0 + (tcol + 0.5) * tside
        ty = y0 + (trow + 0.5) * tside
        reach = float(trad.max())
        ax, ay, dx, dy = self._ax, self._ay, self._dx, self._dy
        bx, by = ax + dx, ay + dy
        # tiles whose centre may be within `reach` of each segment (its bounding box, dilated)
        c0 = np.maximum(0, np.floor((np.minimum(ax, bx) - reach - x0) / tside - 0.5).astype(np.int64))
        c1 = np.minimum(tnx - 1, np.ceil((np.maximum(ax, bx) + reach - x0) / tside - 0.5).astype(np.int64))
        r0 = np.maximum(0, np.floor((np.minimum(ay, by) - reach - y0) / tside - 0.5).astype(np.int64))
        r1 = np.minimum(tny - 1, np.ceil((np.maximum(ay, by) + reach - y0) / tside - 0.5).astype(np.int64))
        w = np.maximum(0, c1 - c0 + 1)
        cnt = w * np.maximum(0, r1 - r0 + 1)
        trad2 = np.where(trad > 0, trad * trad, -1.0)
        m = cnt.size
        csum = np.cumsum(cnt)
        cuts = np.unique(np.r_[0, np.searchsorted(csum, np.arange(1 << 19, int(csum[-1]), 1 << 19)), m])

        def tiles(i: int) -> tuple[np.ndarray, np.ndarray]:
            s, e = int(cuts[i]), int(cuts[i + 1])
            seg = np.repeat(np.arange(s, e), cnt[s:e])
            first = csum[s:e] - cnt[s:e] - (int(csum[s - 1]) if s else 0)
            off = np.arange(seg.size) - np.repeat(first, cnt[s:e])
            rr, cc = np.divmod(off, w[seg])
            t = (r0[seg] + rr) * tnx + (c0[seg] + cc)
            keep = self._dist2(tx[t], ty[t], seg) <= trad2[t]
            return t[keep], seg[keep]

        with ThreadPoolExecutor(max_workers=n_threads()) as pool:
            parts = list(pool.map(tiles, range(cuts.size - 1)))
        tpair = np.concatenate([empty, *(p[0] for p in parts)])
        tseg = np.concatenate([empty, *(p[1] for p in parts)])
        step = max(1, (1 << 20) // (tb * tb))
        tdr, tdc = np.divmod(np.arange(tb * tb), tb)

        def pairs(i: int) -> tuple[np.ndarray, np.ndarray]:
            t, sg = tpair[i : i + step], tseg[i : i + step]
            row = (trow[t] * tb)[:, None] + tdr
            col = (tcol[t] * tb)[:, None] + tdc
            sg = np.broadcast_to(sg[:, None], row.shape)
            ok = (row < bny) & (col < bnx)
            b, sg = (row * bnx + col)[ok], sg[ok]
            keep = self._dist2(cx[b], cy[b], sg) <= thr2[b]
            return b[keep], sg[keep]

        with ThreadPoolExecutor(max_workers=n_threads()) as pool:
            parts = list(pool.map(pairs, range(0, tpair.size, step)))
        pb = np.concatenate([empty, *(p[0] for p in parts)])
        ps = np.concatenate([empty, *(p[1] for p in parts)])
        order = np.argsort(pb * m + ps)  # by block, then segment (ties go to the lowest segment)
        pb, ps = pb[order], ps[order]
        dr, dcol = np.divmod(np.arange(b_ * b_), b_)
        bcut = np.unique(np.r_[np.searchsorted(pb, np.arange(0, bnx * bny, 1 << 14)), pb.size])
        big = np.iinfo(np.int64).max

        def cells(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            a, z = int(bcut[i]), int(bcut[i + 1])
            b, sg = pb[a:z], ps[a:z]
            # the cell centres computed exactly as a caller of snap() computes them
            px = x0 + ((bcol[b][:, None] * b_ + dcol) + 0.5) * cell_m
            py = y0 + ((brow[b][:, None] * b_ + dr) + 0.5) * cell_m
            d2 = self._dist2(px, py, sg[:, None])
            starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
            m2 = np.minimum.reduceat(d2, starts, axis=0)
            tie = np.where(d2 == np.repeat(m2, np.diff(np.r_[starts, b.size]), axis=0), sg[:, None], big)
            best = np.minimum.reduceat(tie, starts, axis=0)
            ub = b[starts]
            row = brow[ub][:, None] * b_ + dr
            col = bcol[ub][:, None] * b_ + dcol
            inside = (row < ny) & (col < nx)
            row, col, best = row[inside], col[inside], best[inside]
            dist, t, _, _ = self._exact(x0 + (col + 0.5) * cell_m, y0 + (row + 0.5) * cell_m, best)
            hit = dist <= max_snap_m
            return (row * nx + col)[hit], best[hit], t[hit], dist[hit]

        with ThreadPoolExecutor(max_workers=n_threads()) as pool:
            found = list(pool.map(cells, range(bcut.size - 1)))
        # back to cell order (each cell is in exactly one block)
        seg = np.full(nx * ny, -1, dtype=np.int64)
        t = np.zeros(nx * ny)
        dist = np.zeros(nx * ny)
        for c, sg, tt, dd in found:
            seg[c], t[c], dist[c] = sg, tt, dd
        cell = np.flatnonzero(seg >= 0)
        edge = self.segments[seg[cell]]
        return cell, edge, t[cell] * self.network.edge_length_m[edge], dist[cell]


def segment_index(network: WalkNetwork) -> SegmentIndex:
    """The (cached) :class:`SegmentIndex` of a network."""
    return network.derived("_segment_index", SegmentIndex)


def snap_points(
    network: WalkNetwork, x: ArrayLike, y: ArrayLike, *, max_snap_m: float | None = None
) -> Snapped:
    """Snap points (work-CRS metres) to the nearest walkable segment.

    Points farther than ``max_snap_m`` from every segment (default
    :data:`coverage.settings.max_snap_m`) get ``edge == -1``.
    """
    return segment_index(network).snap(x, y, max_snap_m=max_snap_m)


def snap_edited(
    snap: Snapped,
    source: WalkNetwork,
    target: WalkNetwork,
    old_to_new: np.ndarray,
    *,
    max_snap_m: float | None = None,
    _prepared: tuple[np.ndarray, np.ndarray] | None = None,
) -> Snapped:
    """Points snapped on ``source``, snapped on ``target``: ``source`` with paths added or ways closed.

    ``old_to_new`` gives, for each segment of ``source``, its index in
    ``target`` where it is there whole (same end nodes at the same place),
    else -1; these kept segments come first in ``target``, in their order,
    before every new one (added paths, connectors, the pieces of split
    segments). Equals :func:`snap_points` on ``target``, but snaps again only
    the points whose answer can change: those whose segment is gone or was
    split, and those as near to a new segment as to theirs (or, off the
    network, within ``max_snap_m`` of one). Every other point keeps its
    segment: none of ``target``'s other segments is nearer, and ties go to
    the lowest index, which its segment keeps among them.
    """
    from scipy.spatial import cKDTree

    max_snap_m = snap_limit_m(max_snap_m)
    o2n, fresh = _prepared if _prepared is not None else _edit_map(source, target, old_to_new)
    tx = target.xy
    ok = np.isfinite(snap.px) & np.isfinite(snap.py)
    edge = np.where(snap.edge >= 0, o2n[np.maximum(snap.edge, 0)], -1)
    was_on = snap.edge >= 0
    redo = ok & was_on & (edge < 0)  # its segment closed, split or cut off
    if fresh.size:
        near = SegmentIndex(target, segments=fresh).snap(snap.px, snap.py, max_snap_m)
        d_new = np.where(near.edge >= 0, near.access_m, np.inf)
        # as near to a new segment as to its own (a margin for rounding), or newly within reach
        redo |= ok & (edge >= 0) & (d_new <= snap.access_m * (1 + 1e-9) + 1e-6)
        redo |= ok & ~was_on & (near.edge >= 0)
    edge = np.where(ok & ~redo, edge, -1)
    out = Snapped(
        edge,
        np.where(edge >= 0, snap.along_m, np.nan),
        np.where(edge >= 0, snap.access_m, np.nan),
        np.where(edge >= 0, snap.x, np.nan),
        np.where(edge >= 0, snap.y, np.nan),
        snap.px.copy(),
        snap.py.copy(),
    )
    idx = np.flatnonzero(redo)
    if idx.size:
        # every segment within max_snap_m of a point to snap again (its midpoint lies within
        # max_snap_m + half its length): the nearest such is the answer on the whole network
        g = np.flatnonzero(target.ground)
        a, b = tx[target.edge_u[g]], tx[target.edge_v[g]]
        mid, half = (a + b) / 2, np.hypot(*(b - a).T) / 2
        reach = max_snap_m + half + 1e-6
        d_mid, _ = cKDTree(np.column_stack([snap.px[idx], snap.py[idx]])).query(
            mid, distance_upper_bound=float(reach.max()) if reach.size else 0.0
        )
        sub = g[d_mid <= reach]
        if sub.size:
            r = SegmentIndex(target, segments=sub).snap(snap.px[idx], snap.py[idx], max_snap_m)
            for f in ("edge", "along_m", "access_m", "x", "y"):
                getattr(out, f)[idx] = getattr(r, f)
    return out


def _edit_map(source: WalkNetwork, target: WalkNetwork, old_to_new) -> tuple[np.ndarray, np.ndarray]:
    """The segment map checked (a kept segment lies exactly where it lay, else it counts as new) and
    ``target``'s new ground segments."""
    o2n = np.asarray(old_to_new, dtype=np.int64).copy()
    has = np.flatnonzero(o2n >= 0)
    sx, tx = source.xy, target.xy
    moved = ~(
        (sx[source.edge_u[has]] == tx[target.edge_u[o2n[has]]]).all(axis=1)
        & (sx[source.edge_v[has]] == tx[target.edge_v[o2n[has]]]).all(axis=1)
    )
    o2n[has[moved]] = -1
    from_old = np.zeros(target.n_edges, dtype=bool)
    from_old[o2n[o2n >= 0]] = True
    return o2n, np.flatnonzero(target.ground & ~from_old)


def snap_again(network: WalkNetwork, snap: Snapped, *, max_snap_m: float | None = None) -> Snapped:
    """Points snapped on the network ``network`` was edited from, snapped on ``network``.

    Uses :func:`snap_edited` when ``network`` came from
    :func:`coverage.edits.edit_network` (which records where), else snaps
    every point again.
    """
    origin = network.__dict__.get("_edited_from")
    if origin is None:
        return snap_points(network, snap.px, snap.py, max_snap_m=max_snap_m)
    prepared = network.derived("_edit_map", lambda t: _edit_map(origin[0], t, origin[1]))
    return snap_edited(snap, origin[0], network, origin[1], max_snap_m=max_snap_m, _prepared=prepared)


def translate(
    snap: Snapped, source: WalkNetwork, target: WalkNetwork, *, max_snap_m: float | None = None
) -> Snapped:
    """Points snapped on ``source``, snapped on ``target`` (another profile of the same whole network).

    Both networks are :meth:`~coverage.network.WalkNetwork.for_profile`
    views of one whole network, so a segment both have keeps its position,
    length and direction: a point whose segment ``target`` has keeps its snap
    (the nearest segment of a superset that is in the subset is the subset's
    nearest too); only the others are snapped again, on ``target``'s
    segments. Points off ``source`` stay off.
    """
    if source is target:
        return snap
    if source.base is not target.base:
        msg = "translate: the two networks are not views of the same whole network"
        raise ValueError(msg)
    in_base = np.full(len(snap), -1, dtype=np.int64)
    on = snap.edge >= 0
    in_base[on] = source.parent_edge[snap.edge[on]]
    of_base = np.full(target.base.n_edges, -1, dtype=np.int64)
    of_base[target.parent_edge] = np.arange(target.n_edges)
    edge = np.where(on, of_base[np.maximum(in_base, 0)], -1)
    lost = on & (edge < 0)
    out = Snapped(
        edge, snap.along_m.copy(), snap.access_m.copy(), snap.x.copy(), snap.y.copy(), snap.px, snap.py
    )
    if lost.any():
        again = segment_index(target).snap(snap.px[lost], snap.py[lost], max_snap_m=max_snap_m)
        for f in ("edge", "along_m", "access_m", "x", "y"):
            getattr(out, f)[lost] = getattr(again, f)
    return out
