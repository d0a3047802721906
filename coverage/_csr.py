"""Small helpers for CSR-style (pointer + values) arrays."""

from __future__ import annotations

import numpy as np


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
