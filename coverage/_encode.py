"""Compact encodings for data carried inside HTML pages: typed arrays, varints, safe JSON."""

from __future__ import annotations

import base64
import json

import numpy as np


def b64_array(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).decode()


def varint(values) -> bytes:
    """LEB128 encoding of non-negative integers (vectorised)."""
    v = np.asarray(values, dtype=np.uint64)
    if v.size == 0:
        return b""
    nbytes = np.ones(v.size, dtype=np.int64)
    for k in range(1, 10):
        nbytes += v >= np.uint64(1) << np.uint64(7 * k)
    starts = np.cumsum(nbytes) - nbytes
    out = np.zeros(int(nbytes.sum()), dtype=np.uint8)
    for k in range(int(nbytes.max())):
        sel = nbytes > k
        byte = (v[sel] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (nbytes[sel] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[sel] + k] = (byte | more).astype(np.uint8)
    return out.tobytes()


def json_for_html(obj) -> str:
    """JSON safe inside a <script> element (no '</script>', no HTML)."""
    return (json.dumps(obj, ensure_ascii=False, allow_nan=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def zigzag(a: np.ndarray) -> np.ndarray:
    """Signed integers as unsigned ones, small magnitudes staying small (for varints)."""
    a = np.asarray(a).astype(np.int64)
    return ((a << 1) ^ (a >> 63)).astype(np.uint64)
