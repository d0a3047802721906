"""Coordinate reference systems: Chinese web-map offsets and the work CRS.

Coordinates copied from Amap (高德), Tencent or most Chinese web maps are in
GCJ-02; Baidu's are in BD-09. Both are deliberately offset from WGS-84 by
300-700 m, so they must be converted before they meet OpenStreetMap data.

The GCJ-02 forward formula is the widely published one; there is no EPSG code
for it, and PROJ does not implement it. The inverse has no closed form, so
:func:`gcj02_to_wgs84` solves it by fixed-point iteration to below 1e-9 degrees
(about 0.1 mm), instead of the one-step approximation most snippets use, which
is off by up to a few metres. Everything is vectorised over numpy arrays.
"""

from __future__ import annotations

import numpy as np
import pyproj

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

#: Names accepted as ``crs=`` for the Chinese offset systems.
CHINA_OFFSET_CRS = ("gcj02", "bd09")


def in_china(lon, lat):
    """Where the Chinese web-map offsets apply
    (a rough box around China; outside it they are the identity)."""
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _delta(lon, lat):
    x = lon - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon, lat):
    """Convert WGS-84 lon/lat (degrees) to GCJ-02. Points outside China are unchanged."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, *, tol_deg: float = 1e-10, max_iter: int = 30):
    """Convert GCJ-02 lon/lat to WGS-84 by fixed-point iteration (sub-millimetre)."""
    g_lon = np.asarray(lon, dtype=float)
    g_lat = np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = f_lon - g_lon, f_lat - g_lat
        w_lon = w_lon - e_lon
        w_lat = w_lat - e_lat
        err = np.nanmax(np.abs(np.concatenate([e_lon.ravel(), e_lat.ravel()])), initial=0.0)
        if err < tol_deg:
            break
    return w_lon, w_lat


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 lon/lat to Baidu BD-09."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon, lat):
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon, lat, *, tol_deg: float = 1e-11, max_iter: int = 10):
    """Convert Baidu BD-09 lon/lat to GCJ-02.

    Starts from the usual closed-form inverse (about 1 cm off) and refines it
    by fixed-point iteration on :func:`gcj02_to_bd09`.
    """
    b_lon = np.asarray(lon, dtype=float)
    b_lat = np.asarray(lat, dtype=float)
    g_lon, g_lat = _bd09_to_gcj02_approx(b_lon, b_lat)
    for _ in range(max_iter):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        e_lon, e_lat = f_lon - b_lon, f_lat - b_lat
        g_lon, g_lat = g_lon - e_lon, g_lat - e_lat
        if np.nanmax(np.abs(np.concatenate([np.ravel(e_lon), np.ravel(e_lat)])), initial=0.0) < tol_deg:
            break
    return g_lon, g_lat


def bd09_to_wgs84(lon, lat):
    """Convert Baidu BD-09 lon/lat to WGS-84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon, lat):
    """Convert WGS-84 lon/lat to Baidu BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def to_wgs84(lon, lat, crs: str):
    """Convert lon/lat in ``crs`` ("gcj02" or "bd09") to WGS-84."""
    key = crs.lower().replace("-", "").replace("_", "")
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    msg = f"Unknown offset CRS {crs!r}; use 'gcj02' or 'bd09'."
    raise ValueError(msg)


def parse_crs(crs, what: str = "--crs"):
    """Check a CRS given by a user: ``"gcj02"``/``"bd09"`` (any case, with or without a dash) or anything
    pyproj reads. Returns ``"gcj02"``, ``"bd09"`` or a :class:`pyproj.CRS`; ``None`` stays ``None``.

    Raises :class:`~coverage.CoverageInputError` naming the value and the fix.
    """
    from ._errors import CoverageInputError

    if crs is None or isinstance(crs, pyproj.CRS):
        return crs
    if isinstance(crs, str):
        key = crs.strip().lower().replace("-", "").replace("_", "")
        if key in CHINA_OFFSET_CRS:
            return key
        hint = {
            "gcj": "gcj02",
            "gcj2": "gcj02",
            "amap": "gcj02",
            "gaode": "gcj02",
            "tencent": "gcj02",
            "bd": "bd09",
            "bd9": "bd09",
            "baidu": "bd09",
            "wgs84": "EPSG:4326",
        }.get(key)
        if hint:
            msg = f"{what} {crs!r} is not a CRS name; did you mean {hint}?"
            raise CoverageInputError(msg)
    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:  # what from_user_input raises for any input it cannot take
        msg = (
            f"{what} {crs!r} is not a CRS pyproj knows; use gcj02 (Amap, Tencent), bd09 (Baidu) or "
            "an EPSG code "
            "such as EPSG:4326 (WGS-84 lon/lat) or EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E)."
        )
        raise CoverageInputError(msg) from None


def suggest_projected_crs(x, y, lon_hint: float | None = None) -> str:  # noqa: ARG001  (y: the pair is the interface; only eastings tell the zone)
    """Likely EPSG codes for projected x/y in metres (for a message), from their size and a rough longitude.

    Eight-digit eastings carry the Gauss-Kruger zone number in front
    (CGCS2000 3-degree zones: EPSG:4513-4533); six-digit ones are UTM or
    Gauss-Kruger without the zone number, told apart only by the longitude.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return "EPSG:4547 or the UTM zone of the area"
    mx = float(np.median(x))
    if 1e7 <= mx < 1e8:  # zone number in front of a 3-degree Gauss-Kruger easting
        zone = int(mx // 1e6)
        if 25 <= zone <= 45:
            return f"EPSG:{4513 + zone - 25} (CGCS2000 / 3-degree Gauss-Kruger zone {zone})"
        if 13 <= zone <= 23:
            return f"EPSG:{4491 + zone - 13} (CGCS2000 / 6-degree Gauss-Kruger zone {zone})"
    if lon_hint is not None and np.isfinite(lon_hint):
        cm = int(round(lon_hint / 3) * 3)
        utm = int((lon_hint + 180) // 6) + 1
        gk = (
            f"EPSG:{4534 + (cm - 75) // 3} (CGCS2000 / 3-degree Gauss-Kruger CM {cm}E)"
            if 75 <= cm <= 135
            else None
        )
        return " or ".join(c for c in (gk, f"EPSG:{32600 + utm} (WGS 84 / UTM zone {utm}N)") if c)
    return (
        "EPSG:4534-4554 (CGCS2000 / 3-degree Gauss-Kruger, by central meridian) or the UTM zone (EPSG:326xx)"
    )


def is_china_offset(crs) -> bool:
    """True when ``crs`` names GCJ-02 or BD-09."""
    return isinstance(crs, str) and crs.lower().replace("-", "").replace("_", "") in CHINA_OFFSET_CRS


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The WGS-84 UTM zone CRS containing ``lon``/``lat``; used as the work CRS."""
    infos = pyproj.database.query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=pyproj.aoi.AreaOfInterest(lon, lat, lon, lat),
    )
    return pyproj.CRS.from_epsg(infos[0].code)
