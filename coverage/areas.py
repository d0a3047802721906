"""Coverage per street (街道) or community (社区): the unit work is assigned by.

Each household point is placed in the area polygon that contains it (the
first one, in file order, where areas overlap); points outside every area are
reported on their own row. Shares are by household weight, for the 5-, 10-
and 15-minute tiers of the community life circle (社区生活圈), set against a
target share (default 85%; Shanghai's 2035 plan uses 99%). Areas below target
come first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import CoverageInputError, check_share

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._types import CRSLike, PolygonsSource
    from .products import RunResult

OUTSIDE = "(outside all areas)"


def read_areas(
    areas, name_col: str | None = None, id_col: str | None = None, *, crs=None
) -> tuple[gpd.GeoDataFrame, str]:
    """Read area polygons (any vector format); returns them with ``area_id`` and ``area`` columns.

    ``area`` is the name (the ``name_col`` column, default name / 名称 / NAME);
    an area without a name gets a generated label ("unnamed area 3"). Areas
    that share a name (common for 社区 names across streets) stay apart:
    ``area_id`` is the ``id_col`` column, or the feature number from 1.
    Areas keep their own CRS; ``crs`` is the CRS of a file that has none, or
    ``"gcj02"``/``"bd09"`` for outlines drawn on a Chinese web map (their
    longitude/latitude are converted to WGS-84, whatever the file says).
    """
    label = "areas" if isinstance(areas, gpd.GeoDataFrame) else f"areas file '{areas}'"
    if not isinstance(areas, gpd.GeoDataFrame):
        try:
            areas = gpd.read_file(areas)
        except Exception as exc:  # noqa: BLE001  (any reader failure is the user's file: one line, no traceback)
            msg = f"{label} could not be read as a vector file ({str(exc).strip()[:160]})."
            raise CoverageInputError(msg) from None
    geometry = areas._geometry_column_name if isinstance(areas, gpd.GeoDataFrame) else None
    if geometry is None or geometry not in areas.columns:
        msg = (
            f"{label} has no geometry (a table?); give street or community outlines as polygons: GeoJSON, "
            "GeoPackage or Shapefile."
        )
        raise CoverageInputError(msg)
    if crs is not None:
        areas = _with_crs(areas, crs, label)
    if areas.crs is None:
        msg = f"{label} has no CRS; give it with --area-crs (area_crs= in Python), or save the file with one."
        raise CoverageInputError(msg)
    if len(areas) == 0:
        msg = f"{label} is empty."
        raise CoverageInputError(msg)
    cols = {str(c).lower(): c for c in areas.columns}
    if name_col is None:
        name_col = next((cols[c] for c in ("name", "名称", "area", "街道", "社区") if c in cols), None)
    elif name_col not in areas.columns:
        name_col = cols.get(str(name_col).lower())
        if name_col is None:
            msg = f"{label} has no name column; columns are {[c for c in areas.columns if c != 'geometry']}."
            raise CoverageInputError(msg)
    if id_col is not None and id_col not in areas.columns:
        id_col = cols.get(str(id_col).lower())
        if id_col is None:
            msg = f"{label} has no id column; columns are {[c for c in areas.columns if c != 'geometry']}."
            raise CoverageInputError(msg)
    areas = areas.reset_index(drop=True)
    ids = areas[id_col] if id_col is not None else pd.Series(np.arange(1, len(areas) + 1))
    if ids.duplicated().any():
        msg = f"{label} column {id_col!r} has duplicate ids {list(ids[ids.duplicated()].astype(str))[:5]}."
        raise CoverageInputError(msg)
    names = areas[name_col] if name_col is not None else pd.Series([None] * len(areas))
    blank = names.isna() | (names.astype(str).str.strip() == "")
    labels = names.astype(object).where(~blank, [f"unnamed area {i}" for i in ids.astype(str)])
    out = gpd.GeoDataFrame(
        {"area_id": ids.to_numpy(), "area": labels.to_numpy()}, geometry=areas.geometry.values, crs=areas.crs
    )
    out = out[out.geometry.notna()].copy()
    kinds = out.geom_type.astype(str)
    bad = np.flatnonzero(~kinds.isin(["Polygon", "MultiPolygon", "GeometryCollection"]).to_numpy())
    if bad.size:
        msg = (
            f"{label} holds {kinds.iloc[bad[0]]} features, not polygons (features "
            f"{[int(i) + 1 for i in out.index[bad][:5]]}); give street or community outlines."
        )
        raise CoverageInputError(msg)
    out["geometry"] = out.geometry.make_valid()
    return out, name_col


def _with_crs(areas: gpd.GeoDataFrame, crs, label: str) -> gpd.GeoDataFrame:
    """Areas read in ``crs``: set where the file has none; GCJ-02/BD-09 longitude/latitude made WGS-84."""
    import shapely

    from .crs import is_china_offset, parse_crs, to_wgs84

    crs = parse_crs(crs, "--area-crs")
    if not is_china_offset(crs):
        return areas if areas.crs is not None else areas.set_crs(crs)
    if areas.crs is not None and not areas.crs.is_geographic:
        msg = (
            f"{label} is in {areas.crs.name} (projected metres), but {crs} was given for it: GCJ-02 and "
            "BD-09 are longitude/latitude. Give the file's own CRS, or none."
        )
        raise CoverageInputError(msg)
    ll = areas.set_crs("EPSG:4326") if areas.crs is None else areas.to_crs("EPSG:4326")

    def fix(xy):
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    return ll.set_geometry(
        shapely.transform(np.asarray(ll.geometry.values, dtype=object), fix), crs="EPSG:4326"
    )


def summarize_by_area(
    result: RunResult,
    areas: PolygonsSource,
    *,
    name_col: str | None = None,
    id_col: str | None = None,
    target_share: float = 0.85,
    tiers_min: Iterable[float] = (5, 10, 15),
    crs: CRSLike = None,
) -> pd.DataFrame:
    """One row per area: households, shares within each tier, and whether the target is met.

    Each area keeps its own row, even when names repeat; ``area_id`` tells
    them apart. ``target_share`` may be given as 0.85, 85 or "85%". ``crs``:
    see :func:`read_areas` (the CRS options of the other inputs never apply
    to the areas).
    """
    target_share = check_share(target_share, "target_share", allow_zero=True)
    areas, _ = read_areas(areas, name_col, id_col, crs=crs)
    hp = result.household_points
    pts = gpd.GeoDataFrame({"row": np.arange(len(hp))}, geometry=gpd.points_from_xy(hp.lon, hp.lat), crs=4326)
    pts = pts[np.isfinite(hp.lon)].to_crs(areas.crs)
    joined = gpd.sjoin(pts, areas[["geometry"]], predicate="within", how="inner")
    joined = joined.sort_values(["row", "index_right"]).drop_duplicates("row")
    area_of = np.full(len(hp), -1, dtype=np.int64)
    area_of[joined["row"].to_numpy()] = joined["index_right"].to_numpy()
    h = result.households
    df = pd.DataFrame(
        {
            "area": area_of,
            "w": hp.weight,
            "walk_min": h["walk_min"].to_numpy(),
            "status": h["status"].astype(str).to_numpy(),
            "served": h["served_weight"].to_numpy() if "served_weight" in h else np.nan,
        }
    )
    df = df[df["status"] != "invalid"]
    thr = result.summary.threshold_min
    rows = []
    keys = [(i, areas.loc[i, "area_id"], areas.loc[i, "area"]) for i in areas.index] + [(-1, None, OUTSIDE)]
    for key, area_id, name in keys:
        d = df[df["area"] == key]
        if key == -1 and d.empty:
            continue
        tot = float(d["w"].sum())
        row = {"area_id": area_id, "area": name, "points": int(len(d)), "households": tot}
        for t in tiers_min:
            cov = float(d["w"][d["walk_min"] <= t + 1e-9].sum())
            row[f"within_{t:g}min"] = cov
            row[f"share_{t:g}min"] = cov / tot if tot else np.nan
        cov_thr = float(d["w"][d["status"] == "covered"].sum())
        row["share_threshold"] = cov_thr / tot if tot else np.nan
        row["off_network"] = float(d["w"][d["status"] == "off_network"].sum())
        if "served_weight" in h:  # with station capacities
            row["weight_served"] = float(d["served"].sum())
            row["share_served"] = row["weight_served"] / tot if tot else np.nan
        row["target_share"] = target_share
        row["meets_target"] = bool(tot and cov_thr / tot >= target_share - 1e-12)
        row["households_short_of_target"] = max(0.0, np.ceil(target_share * tot - cov_thr)) if tot else 0.0
        row["threshold_min"] = thr
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["_below"] = ~out["meets_target"]
    out = out.sort_values(["_below", "share_threshold"], ascending=[False, True], kind="stable").drop(
        columns="_below"
    )
    return out.reset_index(drop=True)
