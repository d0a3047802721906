"""People, not points: the groups a service exists for, each walked with its own rules.

A households file may carry, per residential point, how many people of a
group live there: 老年人 (older adults), 残疾人 (people with disabilities),
儿童 (children), or any other count. ``assess(..., groups=...)`` names them
and the walking profile each one walks with::

    groups={"elderly": ("老年人", "elderly"), "disabled": ("残疾人", "wheelchair"), "children": "儿童"}

A group without a profile walks at the run's own. Each distinct profile is
one assessment sharing the network and the snapping
(:meth:`~coverage.assessment.CoverageResult.what_if` with ``profile=``);
the wheelchair profile walks the step-free view of the same network. Per
group this module counts the people covered, uncovered and off the network,
the share covered, the 5/10/15-minute bands, the areas and the uncovered
points with their counts (the list a street office acts on), and the
fairness of the walks (the Gini of walking time over the group's people,
and the gap between the group's covered share and everyone's).

Counts are read as numbers: an empty cell is 0 (nobody of that group
lives there); text, negative or infinite values are an error naming the
rows. Invalid points (no usable coordinates) are counted apart, as for
households.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import CoverageInputError
from .equity import gini, lorenz

#: Shares are given with this many decimals in the summary (full precision stays in the arrays).
_DIGITS = 6


@dataclass(frozen=True)
class GroupSpec:
    """One population group: its name, the households file's column with its counts, and its walking profile.

    ``profile`` None walks at the run's own profile or speed.
    """

    name: str
    column: str
    profile: str | None = None


def parse_groups(groups) -> list[GroupSpec]:
    """Group specifications from ``{name: column | (column, profile)}`` or ``["COL[:PROFILE]", ...]``.

    The command line's ``--groups 老年人:elderly,残疾人:wheelchair,儿童`` gives
    the list form: each group is named after its column.
    """
    from .settings import SPEED_PROFILES_KPH

    if groups is None:
        return []
    items = []
    if isinstance(groups, str):
        groups = [g for g in groups.split(",") if g.strip()]
    if isinstance(groups, dict):
        for name, value in groups.items():
            if isinstance(value, str):
                items.append((name, value, None))
            elif isinstance(value, (tuple, list)) and len(value) in (1, 2):
                items.append((name, value[0], value[1] if len(value) == 2 else None))
            else:
                msg = (
                    f"groups[{name!r}] = {value!r}: give the households column, or (column, profile), e.g. "
                    "groups={'elderly': ('老年人', 'elderly')}."
                )
                raise CoverageInputError(msg)
    else:
        for text in groups:
            col, _, prof = str(text).strip().partition(":")
            items.append((col.strip(), col.strip(), prof.strip() or None))
    specs, seen = [], set()
    for name, col, prof in items:
        name, col = str(name).strip(), str(col).strip()
        if not name or not col:
            msg = (
                f"--groups {groups!r}: a group has no name or column; give COL[:PROFILE],... like "
                "老年人:elderly."
            )
            raise CoverageInputError(msg)
        if name.lower() in seen:
            msg = f"--groups: the group {name!r} is given twice; give each group once."
            raise CoverageInputError(msg)
        seen.add(name.lower())
        if prof is not None and prof not in SPEED_PROFILES_KPH:
            msg = (
                f"--groups {name}:{prof}: unknown walking profile {prof!r}; use one of "
                f"{', '.join(sorted(SPEED_PROFILES_KPH))}."
            )
            raise CoverageInputError(msg)
        specs.append(GroupSpec(name, col, prof))
    return specs


def group_counts(points, specs: list[GroupSpec]) -> dict[str, np.ndarray]:
    """Each group's count per residential point (0 where the cell is empty), checked.

    ``points`` is the households' :class:`~coverage.io.Points`; rows without
    usable coordinates keep their counts (they are reported apart).
    """
    frame = points.frame
    lower = {str(c).lower(): c for c in frame.columns}
    out = {}
    for g in specs:
        col = g.column if g.column in frame.columns else lower.get(g.column.lower())
        if col is None:
            msg = (
                f"{points.label} has no column {g.column!r} for the group {g.name!r} (--groups); columns are "
                f"{[c for c in frame.columns if c != 'geometry']}."
            )
            raise CoverageInputError(msg)
        raw = frame[col]
        if pd.api.types.is_numeric_dtype(raw.dtype):
            blank = raw.isna()
        else:  # text cells: an empty one is 0
            blank = raw.isna() | (raw.astype(object).map(lambda v: str(v).strip()) == "")
        values = pd.to_numeric(raw.where(~blank), errors="coerce").to_numpy(dtype=float)
        bad = (~blank.to_numpy() & ~np.isfinite(values)) | (np.nan_to_num(values) < 0)
        if bad.any():
            i = np.flatnonzero(bad)
            msg = (
                f"{points.label} column {col!r} (group {g.name!r}) is not a count of people in "
                f"{points.rows(i)} "
                f"(e.g. {raw.iloc[i[0]]!r}); give numbers of 0 or more (an empty cell counts as 0)."
            )
            raise CoverageInputError(msg)
        out[g.name] = np.where(blank.to_numpy(), 0.0, values)
    return out


def lorenz_points(values, weights, n: int = 101) -> dict:
    """The Lorenz curve resampled at ``n`` population shares (for pages and charts)."""
    p, v = lorenz(values, weights)
    grid = np.linspace(0, 1, n)
    return {
        "population_share": grid.round(4).tolist(),
        "value_share": np.interp(grid, p, v).round(6).tolist(),
    }


def _share(a: float, b: float) -> float | None:
    return round(a / b, _DIGITS) if b else None


def tally(
    counts: np.ndarray,
    households: pd.DataFrame,
    *,
    bands_min,
    threshold_min: float,
    speed_kph: float,
    profile: str | None,
    share_all: float,
    access: np.ndarray | None = None,
) -> dict:
    """The figures of one group: totals by status, the share covered, the bands and the fairness of the walks.

    ``households`` is the households table of the group's profile (its
    ``walk_min`` and ``status``); ``share_all`` is everyone's covered share
    (by household weight) in the run, for the gap. ``access`` (per point,
    from the run's access measure) adds the group's mean and Gini of access
    (weighted by its people).
    """
    status = households["status"].astype(object).to_numpy()
    walk = households["walk_min"].to_numpy(dtype=float)
    valid = status != "invalid"
    g = np.where(valid, counts, 0.0)
    total = float(g.sum())
    covered = float(g[status == "covered"].sum())
    bands = []
    for b in bands_min:
        within = float(g[np.nan_to_num(walk, nan=np.inf) <= b + 1e-9].sum())
        bands.append({"minutes": float(b), "within": within, "share": _share(within, total)})
    reached = valid & np.isfinite(walk) & (g > 0)
    share = covered / total if total else float("nan")
    return {
        "profile": profile,
        "speed_kph": round(float(speed_kph), 4),
        "threshold_min": float(threshold_min),
        "total": total,
        "covered": covered,
        "uncovered": float(g[status == "uncovered"].sum()),
        "off_network": float(g[status == "off_network"].sum()),
        "invalid": float(counts[~valid].sum()),
        "share_covered": _share(covered, total),
        "n_points": int((g > 0).sum()),
        "n_points_uncovered": int(((g > 0) & (status != "covered") & valid).sum()),
        "bands": bands,
        # fairness: how unequal the walks are among the group's people, and how far it is behind everyone
        "gini_walk_min": round(gini(walk[reached], g[reached]), _DIGITS)
        if reached.any() and np.nansum(walk[reached]) > 0
        else None,
        "mean_walk_min": round(float(np.average(walk[reached], weights=g[reached])), 3)
        if reached.any()
        else None,
        "share_covered_all": round(float(share_all), _DIGITS) if np.isfinite(share_all) else None,
        "gap_to_all": round(share - share_all, _DIGITS) if total and np.isfinite(share_all) else None,
        "lorenz_walk_min": lorenz_points(walk[reached], g[reached])
        if reached.any() and np.nansum(walk[reached]) > 0
        else None,
        **({} if access is None else _access_of(access, g, valid)),
    }


def _access_of(access: np.ndarray, g: np.ndarray, valid: np.ndarray) -> dict:
    ok = valid & np.isfinite(access) & (g > 0)
    if not ok.any():
        return {"access_mean": None, "gini_access": None}
    a, w = access[ok], g[ok]
    return {
        "access_mean": round(float(np.average(a, weights=w)), _DIGITS),
        "gini_access": round(gini(a, w), _DIGITS) if a.sum() > 0 else None,
    }


@dataclass(frozen=True, eq=False)
class Groups:
    """The groups of a run: their specifications, counts per point and per-point results.

    Attributes
    ----------
    specs
        The :class:`GroupSpec` of each group, in the order given.
    counts
        Group name -> count per household row.
    covered, walk_min, status
        Group name -> per household row, under the group's own profile.
    summary
        Group name -> the figures of :func:`tally` (also in ``summary.json``
        under ``groups``).
    """

    specs: list[GroupSpec]
    counts: dict[str, np.ndarray]
    covered: dict[str, np.ndarray]
    walk_min: dict[str, np.ndarray]
    status: dict[str, np.ndarray]
    summary: dict[str, dict]

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.specs]

    def uncovered(self, households: pd.DataFrame, name: str | None = None) -> pd.DataFrame:
        """The residential points where people of a group (or of any group) are not covered, most people
        first.

        One row per point: the households table's id and geometry columns,
        each group's count and whether that group is covered there, its walk
        under the group's profile and the status.
        """
        names = self.names if name is None else [name]
        if name is not None and name not in self.counts:
            msg = f"no group {name!r}; the groups are {self.names}."
            raise CoverageInputError(msg)
        need = np.zeros(len(households), dtype=bool)
        for n in names:
            need |= (self.counts[n] > 0) & ~self.covered[n] & (self.status[n] != "invalid")
        keep = [
            c
            for c in households.columns
            if c in ("id", "name", "station_id", households.geometry.name)
            or str(c).lower() in ("名称", "编号")
        ]
        out = households.loc[need, keep].copy()
        for n in names:
            out[f"{n}"] = self.counts[n][need]
            out[f"covered_{n}"] = self.covered[n][need]
            out[f"walk_min_{n}"] = self.walk_min[n][need]
            out[f"status_{n}"] = self.status[n][need]
        unc = sum(np.where(out[f"covered_{n}"], 0.0, out[n]) for n in names)
        out["people_uncovered"] = unc
        return out.sort_values("people_uncovered", ascending=False, kind="stable")

    def by_area(
        self, result, areas, *, name_col: str | None = None, id_col: str | None = None
    ) -> pd.DataFrame:
        """One row per (area, group): people, covered, uncovered, share covered and the gap to the area's all.

        ``areas`` as :func:`~coverage.areas.summarize_by_area` takes them;
        points outside every area are reported on their own row.
        """
        from .areas import OUTSIDE

        area_of, table = area_index(result, areas, name_col=name_col, id_col=id_col)
        hh = result.household_points
        status = result.households["status"].astype(object).to_numpy()
        valid = status != "invalid"
        w_cov = np.where(status == "covered", hh.weight, 0.0)
        rows = []
        keys = [(i, table.loc[i, "area_id"], table.loc[i, "area"]) for i in table.index] + [
            (-1, None, OUTSIDE)
        ]
        for key, area_id, label in keys:
            inside = (area_of == key) & valid
            if key == -1 and not inside.any():
                continue
            w_all = float(hh.weight[inside].sum())
            all_share = float(w_cov[inside].sum()) / w_all if w_all else np.nan
            for n in self.names:
                g = np.where(inside, self.counts[n], 0.0)
                tot = float(g.sum())
                cov = float(g[self.covered[n]].sum())
                reached = inside & (g > 0) & np.isfinite(self.walk_min[n])
                rows.append(
                    {
                        "area_id": area_id,
                        "area": label,
                        "group": n,
                        "people": tot,
                        "covered": cov,
                        "uncovered": float(g[self.status[n] == "uncovered"].sum()),
                        "off_network": float(g[self.status[n] == "off_network"].sum()),
                        "share_covered": cov / tot if tot else np.nan,
                        "share_covered_all": all_share,
                        "gap_to_all": cov / tot - all_share if tot and w_all else np.nan,
                        "gini_walk_min": gini(self.walk_min[n][reached], g[reached])
                        if reached.any() and np.nansum(self.walk_min[n][reached]) > 0
                        else np.nan,
                    }
                )
        return pd.DataFrame(rows)


def area_index(result, areas, *, name_col: str | None = None, id_col: str | None = None):
    """(area row of each household point, -1 outside every area; the areas table of
    :func:`~coverage.areas.read_areas`), the first containing area where they overlap."""
    import geopandas as gpd

    from .areas import read_areas

    table, _ = read_areas(areas, name_col, id_col)
    hp = result.household_points
    pts = gpd.GeoDataFrame({"row": np.arange(len(hp))}, geometry=gpd.points_from_xy(hp.lon, hp.lat), crs=4326)
    pts = pts[np.isfinite(hp.lon)].to_crs(table.crs)
    joined = gpd.sjoin(pts, table[["geometry"]], predicate="within", how="inner")
    joined = joined.sort_values(["row", "index_right"]).drop_duplicates("row")
    area_of = np.full(len(hp), -1, dtype=np.int64)
    area_of[joined["row"].to_numpy()] = joined["index_right"].to_numpy()
    return area_of, table
