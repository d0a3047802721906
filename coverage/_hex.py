"""Hexagonal cells: aggregate projected points into pointy-top hexagons."""

from __future__ import annotations

import numpy as np
import shapely


def hex_cells(x, y, weight, size_m: float, *, return_index: bool = False):
    """Aggregate points (projected metres) into pointy-top hexagons of ``size_m`` radius.

    Returns (centres x, centres y, count, weight sum, polygons), and with
    ``return_index`` also the cell of each point.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    q = (np.sqrt(3) / 3 * x - y / 3) / size_m
    r = (2 / 3 * y) / size_m
    # cube rounding
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fx = (dx > dy) & (dx > dz)
    fz = ~fx & (dz >= dy)
    rx = np.where(fx, -ry - rz, rx)
    rz = np.where(fz, -rx - ry, rz)
    keys = np.column_stack([rx, rz]).astype(np.int64)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.ravel()
    count = np.bincount(inv)
    wsum = np.bincount(inv, weights=weight)
    hx = size_m * np.sqrt(3) * (uniq[:, 0] + uniq[:, 1] / 2)
    hy = size_m * 1.5 * uniq[:, 1]
    ang = np.deg2rad(60 * np.arange(6) + 30)
    ring = np.stack([hx[:, None] + size_m * np.cos(ang), hy[:, None] + size_m * np.sin(ang)], axis=-1)
    polys = shapely.polygons(ring)
    if return_index:
        return hx, hy, count, wsum, polys, inv
    return hx, hy, count, wsum, polys
