"""The meeting pack: one folder with everything a planning meeting needs.

``export_report(result, out_dir)`` writes:

* ``map.html``: the interactive map (offline apart from basemap tiles);
* ``map.png``: the same as a static picture for slides;
* ``coverage.gpkg``: every layer, ready for QGIS: stations, households (with
  status), isochrones, isochrone_union, gaps (hexagonal cells of uncovered
  households), sites (proposed) and areas (with their shares), when given;
* CSVs of the same tables;
* ``summary.xlsx``: notes (definitions, parameters, sources), summary, by
  station, by area and proposed sites, formatted as a report;
* ``brief.pdf``: one or two printable A4 pages (map, key figures, areas below
  target, proposed sites);
* ``manifest.json``: input file hashes, the OSM data timestamp, every
  parameter, and library and dependency versions, so the numbers can be
  reproduced later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .files import write_run
from .manifest import VERSIONED, manifest, versions  # noqa: F401  (importable from here as before)

if TYPE_CHECKING:
    from ..products import RunResult
    from ..siting import SitingResult


def export_report(
    result: RunResult,
    out_dir: Any,
    *,
    sites: SitingResult | None = None,
    areas: Any = None,
    area_name_col: str | None = None,
    area_id_col: str | None = None,
    target_share: float = 0.85,
    lang: str = "en",
    png: bool = True,
    brief: bool = True,
    isochrones: tuple | None = None,
    area_crs: Any = None,
) -> dict[str, str]:
    """Write the meeting pack for ``result`` to ``out_dir``; returns the files written.

    Parameters
    ----------
    sites
        A :class:`~coverage.siting.SitingResult` (proposed new stations).
    areas
        Street or community boundaries (file or GeoDataFrame) for the
        by-area table; see :func:`coverage.areas.summarize_by_area`.
    target_share
        The share each area is checked against (default 0.85).
    brief
        Also write ``brief.pdf``, one or two printable A4 pages.
    isochrones
        ``(per_station, union)`` when already drawn (a tiled run passes its own).
    area_crs
        The areas' CRS when their file has none, or ``"gcj02"``/``"bd09"``
        (see :func:`coverage.areas.read_areas`).

    ``result`` may be a :class:`~coverage.tiles.run.TiledResult`: the pack is the
    same but for the interactive map and the PNG, which are drawn per city or
    district; with more households than a merged table holds, the by-area
    table and the brief are left out too.
    """
    from .._files import OutputFolder
    from ..products import analyse

    own = not isinstance(out_dir, OutputFolder)
    products = analyse(
        result,
        isochrones=isochrones,
        sites=sites,
        what_if=True,
        streets=True,
        areas=areas,
        area_name_col=area_name_col,
        area_id_col=area_id_col,
        area_crs=area_crs,
        target_share=target_share,
        lang=lang,
    )
    return write_run(
        products,
        out_dir,
        command="report",
        lang=lang,
        png=png,
        brief=brief,
        manifest={} if own else None,
        cleanup=False,
    )
