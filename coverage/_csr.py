"""Small helpers for CSR-style (pointer + values) arrays."""

from __future__ import annotations

import numpy as np
from scipy import sparse


def gather(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) of every entry of ``rows`` in a CSR layout, owners ascending.

    ``owner[i]`` is the index into ``rows`` and ``position[i]`` the index into
    the CSR value arrays; fully vectorised.
    """
    start = ptr[rows]
    cnt = ptr[rows + 1] - start
    owner = np.repeat(np.arange(rows.size), cnt)
    pos = np.repeat(start - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))
    return owner, pos


def symmetric_csr(u, v, w, n) -> sparse.csr_matrix:
    """CSR matrix with both directions of every edge, min over duplicates."""
    rows = np.concatenate([u, v])
    cols = np.concatenate([v, u])
    data = np.concatenate([w, w]).astype(float)
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    keep = np.ones(rows.size, dtype=bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, data = rows[keep], cols[keep], data[keep]
    # scipy's csgraph would read an explicit 0 as "no edge" in some paths:
    # coincident nodes get a length of one micrometre instead.
    data = np.maximum(data, 1e-6)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    indptr = np.cumsum(indptr)
    return sparse.csr_matrix((data, cols.astype(np.int32), indptr), shape=(n, n))
