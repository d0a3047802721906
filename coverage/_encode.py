"""Compact encodings for data carried inside HTML pages: typed arrays, varints, bit flags and polylines.

The page decodes them with ``coverage/output/js/decode.js`` and ``coverage/output/js/lines.js``.
"""

from __future__ import annotations

import base64

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


def zigzag(a: np.ndarray) -> np.ndarray:
    """Signed integers as unsigned ones, small magnitudes staying small (for varints)."""
    a = np.asarray(a).astype(np.int64)
    return ((a << 1) ^ (a >> 63)).astype(np.uint64)


def b64_flags(mask) -> str:
    """Booleans packed eight to a byte, most significant bit first (``SCDecode.flags``)."""
    return base64.b64encode(np.packbits(np.asarray(mask, dtype=np.uint8))).decode()


def encode_lines(lines_lonlat) -> dict:
    """Polylines (shapely, lon/lat) as vertex counts and one running zigzag delta in 1e-5 degrees
    (``SCLines``)."""
    import shapely

    lines = np.asarray(lines_lonlat, dtype=object)
    pts = shapely.get_coordinates(lines)
    counts = shapely.get_num_coordinates(lines)
    q = np.round(pts * 1e5).astype(np.int64)  # 1e-5 degrees: about a metre
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {
        "n": int(len(counts)),
        "cnt": base64.b64encode(varint(counts)).decode(),
        "xy": base64.b64encode(varint(zigzag(d.ravel()))).decode(),
    }
