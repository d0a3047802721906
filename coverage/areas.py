"""Coverage per street (街道) or community (社区): the unit work is assigned by.

Each household point is placed in the area polygon that contains it (the
first one, in file order, where areas overlap); points outside every area are
reported on their own row. Shares are by household weight, for the 5-, 10-
and 15-minute tiers of the community life circle (社区生活圈), set against a
target share (default 85%; Shanghai's 2035 plan uses 99%). Areas below target
come first.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import CoverageInputError

OUTSIDE = "(outside all areas)"


def read_areas(areas, name_col: str | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """Read area polygons (any vector format) and pick the name column."""
    if not isinstance(areas, gpd.GeoDataFrame):
        try:
            areas = gpd.read_file(areas)
        except Exception as exc:
            msg = f"areas file '{areas}' could not be read as a vector file ({exc})."
            raise CoverageInputError(msg) from None
    if areas.crs is None:
        msg = "areas have no CRS; set it (gdf.set_crs(...)) or save the file with one."
        raise CoverageInputError(msg)
    if len(areas) == 0:
        msg = "areas are empty."
        raise CoverageInputError(msg)
    if name_col is None:
        for c in ("name", "名称", "NAME", "Name", "id"):
            if c in areas.columns:
                name_col = c
                break
    if name_col is None or name_col not in areas.columns:
        msg = f"areas have no name column {name_col!r}; columns are {[c for c in areas.columns if c != 'geometry']}."
        raise CoverageInputError(msg)
    areas = areas.reset_index(drop=True)
    areas = areas[areas.geometry.notna()].copy()
    areas["geometry"] = areas.geometry.make_valid()
    return areas, name_col


def summarize_by_area(result, areas, *, name_col: str | None = None, target_share: float = 0.85,
                      tiers_min=(5, 10, 15)) -> pd.DataFrame:
    """One row per area: households, shares within each tier, and whether the target is met."""
    areas, name_col = read_areas(areas, name_col)
    hp = result.household_points
    pts = gpd.GeoDataFrame({"row": np.arange(len(hp))}, geometry=gpd.points_from_xy(hp.lon, hp.lat), crs=4326)
    pts = pts[np.isfinite(hp.lon)].to_crs(areas.crs)
    joined = gpd.sjoin(pts, areas[[name_col, "geometry"]], predicate="within", how="left")
    joined = joined.sort_values(["row", "index_right"]).drop_duplicates("row")
    area_of = np.full(len(hp), OUTSIDE, dtype=object)
    names = joined[name_col].astype(object).where(joined[name_col].notna(), OUTSIDE)
    area_of[joined["row"].to_numpy()] = names.to_numpy()
    h = result.households
    walk_min = h["walk_min"].to_numpy()
    status = h["status"].astype(str).to_numpy()
    w = hp.weight
    df = pd.DataFrame({"area": area_of, "w": w, "walk_min": walk_min, "status": status})
    df = df[df["status"] != "invalid"]
    rows = []
    order = list(dict.fromkeys(areas[name_col].astype(object))) + [OUTSIDE]
    for name in order:
        d = df[df["area"] == name]
        if name == OUTSIDE and d.empty:
            continue
        tot = float(d["w"].sum())
        row = {"area": name, "points": int(len(d)), "households": tot}
        for t in tiers_min:
            cov = float(d["w"][d["walk_min"] <= t + 1e-9].sum())
            row[f"within_{t:g}min"] = cov
            row[f"share_{t:g}min"] = cov / tot if tot else np.nan
        thr = result.summary.threshold_min
        cov_thr = float(d["w"][d["status"] == "covered"].sum())
        row["share_threshold"] = cov_thr / tot if tot else np.nan
        row["off_network"] = float(d["w"][d["status"] == "off_network"].sum())
        row["target_share"] = target_share
        row["meets_target"] = bool(tot and cov_thr / tot >= target_share - 1e-12)
        row["households_short_of_target"] = max(0.0, np.ceil(target_share * tot - cov_thr)) if tot else 0.0
        row["threshold_min"] = thr
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["_below"] = ~out["meets_target"]
    out = out.sort_values(["_below", "share_threshold"], ascending=[False, True], kind="stable").drop(columns="_below")
    return out.reset_index(drop=True)
