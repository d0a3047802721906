"""Write prepared inputs: household points from :mod:`coverage.demand`, stations from
:mod:`coverage.geocoding`.

Both are written so that ``service-coverage analyze`` reads them as they are
(``--households OUT/households.csv --weight households``, or
``OUT/households.gpkg``, whose ``households`` layer is read without naming it;
``--stations OUT/geocoded.csv``). Columns keep their order and names; text
cells are made safe for Excel like every other CSV the package writes.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .._files import OutputFolder, safe_cell
from .files import write_gpkg, write_json, write_table

#: Files :func:`write_demand` and :func:`write_geocoded` may write.
DEMAND_FILES = ("households.csv", "households.gpkg", "zones.csv", "zones.gpkg", "demand.json")
GEOCODE_FILES = ("geocoded.csv", "geocoded.gpkg", "geocode.json")


def _plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without its geometry, text cells safe to open in Excel, columns in order."""
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    df = pd.DataFrame(frame.drop(columns=[geom]) if geom else frame).reset_index(drop=True)
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype):
            df[c] = df[c].map(lambda v: safe_cell(v, csv=True))
    return df


def write_demand(demand, out: OutputFolder, *, extra: dict | None = None) -> dict[str, str]:
    """``households.csv`` and ``.gpkg`` (layers ``households``, ``buildings``), ``zones.csv|.gpkg``,
    ``demand.json``.

    Parameters
    ----------
    demand
        A :class:`coverage.demand.Demand`.
    out
        The output folder.
    extra
        More for ``demand.json`` (the inputs and options of the run).
    """
    files = {}
    with out.write("households.csv") as tmp:
        write_table(_plain_table(demand.points), tmp)
    files["households_csv"] = str(out.path("households.csv"))
    with out.write("households.gpkg") as tmp:
        write_gpkg({"households": demand.points, "buildings": demand.outlines}, tmp)
    files["households_gpkg"] = str(out.path("households.gpkg"))
    if demand.zones is not None:  # the input polygons with their status; zones.gpkg serves as report --areas
        with out.write("zones.csv") as tmp:
            write_table(_plain_table(demand.zones), tmp)
        files["zones"] = str(out.path("zones.csv"))
        with out.write("zones.gpkg") as tmp:
            write_gpkg({"zones": demand.zones}, tmp)
        files["zones_gpkg"] = str(out.path("zones.gpkg"))
    doc = {**demand.summary.as_dict(), "lines": demand.summary.lines(), **(extra or {})}
    if demand.zones is not None:
        doc["zones_by_status"] = {str(k): int(v) for k, v in demand.zones["status"].value_counts().items()}
    with out.write("demand.json") as tmp:
        write_json(doc, tmp)
    files["summary"] = str(out.path("demand.json"))
    return files


def write_geocoded(
    table: gpd.GeoDataFrame, out: OutputFolder, *, extra: dict | None = None
) -> dict[str, str]:
    """``geocoded.csv`` (every row, in order, with ``lon``/``lat`` where found), ``geocoded.gpkg``,
    ``geocode.json``.

    Rows that were not found keep empty coordinates (and no geometry in the
    GeoPackage) with ``status`` ``not_found`` and the reason in ``note``;
    ``analyze`` reports them as ``invalid`` with that note.
    """
    files = {}
    with out.write("geocoded.csv") as tmp:
        write_table(_plain_table(table), tmp)
    files["geocoded_csv"] = str(out.path("geocoded.csv"))
    with out.write("geocoded.gpkg") as tmp:
        write_gpkg({"geocoded": table}, tmp)
    files["geocoded_gpkg"] = str(out.path("geocoded.gpkg"))
    doc = {
        "rows": len(table),
        "by_status": _counts(table["status"]),
        "by_quality": _counts(table["quality"]),
        "by_source": _counts(table["match_source"].replace("", "none")),
        **(extra or {}),
    }
    with out.write("geocode.json") as tmp:
        write_json(doc, tmp)
    files["summary"] = str(out.path("geocode.json"))
    return files


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts(sort=False).items()}
