"""Tiled runs on Dask: a province or a nation, tile by tile, with exact halos (the tiled assessment).

The cluster is :mod:`.cluster`, the tiled isochrones :mod:`.isochrones` and
the tiled siting :mod:`.siting`; their entries are importable from here too.

:func:`assess_tiled` splits the households into tiles (:mod:`coverage.tiles.partition`),
cuts the network once into per-tile networks with their halos, and runs one
task per tile on a Dask cluster: each task reads only its own network and
households, runs the ordinary :func:`~coverage.assessment.assess` with the
stations within its halo, writes its households as GeoParquet and returns its
counts and station loads. The merge sums them: every household is in exactly
one tile, so nothing is lost or counted twice, and station loads are summed
across tiles.

The answers are the single-machine answers with the same horizon
(``assess(..., horizon_min=...)``): walks up to the horizon are exact, and a
household whose nearest station is further is reported as beyond it.

The scheduler is ``"local:N"`` (a ``dask.distributed.LocalCluster`` of N
single-threaded workers), a scheduler address (``"tcp://host:8786"``), a
``dask.distributed.Client``, or ``None`` (tiles one after another in this
process). Needs the ``dask`` extra: ``pip install "service-coverage[dask]"``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import CoverageInputError
from ..assessment import STATUSES, Summary, assess, station_frame
from ..io import read_points
from ..locate import check_extent, check_offset, locate
from ..network import WalkNetwork, load_network
from ..options import WalkRules
from .cluster import (  # noqa: F401  (importable from here as before)
    as_client,
    dask_client,
    executor,
    need_dask,
    one_thread_on_a_worker,
    peak_rss_mb,
    progress_tasks,
)
from .isochrones import isochrones_tiled, run_tile_isochrones  # noqa: F401  (importable from here as before)
from .partition import (
    MERGE_MAX_ROWS,
    cut_network,
    halo_m,
    parse_tiles,
    partition_households,
    partition_parquet_dask,
    stations_near,
    stream_csv_households,
    stream_parquet_households,
    tile_gates,
    untiled_profile,
)
from .siting import run_tile_cover, suggest_sites_tiled  # noqa: F401  (importable from here as before)

log = logging.getLogger(__name__)

#: CSV households above this size are read in chunks rather than whole.
STREAM_CSV_BYTES = 100 * 2**20
_LOAD_COLUMNS = ("households_within", "weight_within", "catchment_households", "catchment_weight")


def run_tile(task: dict) -> dict:
    """One tile's work (runs on a Dask worker): assess its households against the stations in its halo.

    Writes the tile's households (input columns, results and ``_row``) to
    ``task["out"]`` as GeoParquet and returns its counts and station loads.
    """
    import geopandas as gpd

    one_thread_on_a_worker()
    t0 = time.perf_counter()
    net = WalkNetwork.load(task["network"])
    hh = gpd.read_parquet(task["households"], filters=[("_tile", "==", task["tile"])])
    rows = hh["_row"].to_numpy()
    hh = hh.drop(columns=["_row", "_tile", "_weight", "_reason"], errors="ignore").reset_index(drop=True)
    p = task["params"]
    # crs: both frames are WGS-84 by construction (checked once, by the coordinator)
    r = assess(
        net,
        task["stations"],
        hh,
        crs="EPSG:4326",
        minutes=p["minutes"],
        speed_kph=p["speed_kph"],
        weight=p["weight"],
        id_col=p["id_col"],
        household_id_col=p["household_id_col"],
        max_snap_m=p["max_snap_m"],
        cutoffs_min=tuple(p["cutoffs_min"]),
        horizon_min=p["horizon_min"],
        require_stations=False,
        compounds=task.get("compounds"),
        gates=task.get("gates"),
        compound_id_col="compound_id" if task.get("compounds") is not None else None,
    )
    out = r.households.copy()
    if p.get("gated") and "compound_id" not in out:  # a tile outside every compound: the open rule throughout
        out["compound_id"] = pd.array([None] * len(out), dtype=object)
        out["gate_id"] = pd.array([None] * len(out), dtype=object)
        out["walk_m_open"] = out["walk_m"]
    out["_row"] = rows
    out["_weight"] = r.household_points.weight
    out.to_parquet(task["out"], index=False)
    s = r.summary
    loads = pd.DataFrame(
        {"id": r.station_points.ids.astype(str), **{c: r.stations[c].to_numpy() for c in _LOAD_COLUMNS}}
    )
    pairs = None
    if p.get("pairs"):  # station capacities: the walks within the threshold go back for one global assignment
        w = r.access.within(net, r.station_snap, r.reach, r.params["threshold_m"], walk=True).tocoo()
        pairs = (rows[w.row], r.station_points.ids.astype(str)[w.col], w.data)
    changed = []
    if s.gates:
        h = r.households
        ch = h["covered"].to_numpy() != (
            np.nan_to_num(h["walk_m_open"].to_numpy(dtype=float), nan=np.inf)
            <= r.params["threshold_m"] + 1e-9
        )
        ch &= h["compound_id"].notna().to_numpy() & (h["status"].astype(str) != "invalid").to_numpy()
        changed = sorted(set(h["compound_id"][ch].astype(str)))
    return {
        "tile": task["tile"],
        "rows": int(rows.size),
        "summary": s.to_dict(),
        "loads": loads,
        "compounds_changed": changed,
        "pairs": pairs,
        "n_nodes": net.n_nodes,
        "n_stations": len(task["stations"]),
        "seconds": time.perf_counter() - t0,
        "peak_rss_mb": peak_rss_mb(),
    }


@dataclass
class TiledResult:
    """What :func:`assess_tiled` found: the same tables and summary as a single run, built from tiles.

    ``households`` is ``None`` when there are more than
    :data:`MERGE_MAX_ROWS` rows (read the per-tile GeoParquet files instead).
    """

    households: object
    stations: object
    summary: Summary
    params: dict
    tile_files: list = field(default_factory=list)
    tiles: pd.DataFrame | None = None  # per tile: rows, network nodes, stations, seconds, peak memory
    timings: dict = field(default_factory=dict)
    weights: np.ndarray | None = None  # households per merged row (input order)
    network: WalkNetwork | None = field(
        default=None, repr=False
    )  # the whole network (its work CRS, its source)
    station_points: object = field(default=None, repr=False)  # the stations as read (coverage.io.Points)
    station_snap: object = field(default=None, repr=False)  # where they meet the whole network
    gate_rule: object = None  # coverage.gates.GateRule, with gated compounds (placed for the whole run)
    capacity: np.ndarray | None = None  # households per station, with capacities
    tiling: object = field(default=None, repr=False)  # the tiles as run (grown to hold every household)
    groups: object = None  # population groups are counted per city (not with --tiles yet): always None
    access_measure: object = None  # accessibility is measured per city (not with --tiles yet): always None

    def compounds_table(self):
        """One row per compound, open rule against gated rule (see :func:`coverage.gates.compound_table`)."""
        from ..gates import compound_table

        return None if self.gate_rule is None or self.households is None else compound_table(self)

    @property
    def household_points(self):
        """The merged households as :class:`~coverage.io.Points` (for the by-area table and the brief)."""
        from ..io import Points

        h = self.households
        if h is None:
            return None
        if "_points" not in self.__dict__:
            ok = ~(h.geometry.isna() | h.geometry.is_empty).to_numpy()
            lon = np.where(ok, h.geometry.x.where(ok), np.nan).astype(float)
            lat = np.where(ok, h.geometry.y.where(ok), np.nan).astype(float)
            reason = np.where(ok, "", h["note"].astype(str)).astype(object)
            id_col = self.params.get("household_id_col") or "id"
            ids = h[id_col].to_numpy() if id_col in h else np.arange(len(h))
            self.__dict__["_points"] = Points(
                frame=h,
                ids=ids,
                lon=lon,
                lat=lat,
                weight=np.nan_to_num(self.weights, nan=0.0),
                reason=reason,
                label="households",
                input_crs=h.crs,
                source=self.params.get("households_file"),
            )
        return self.__dict__["_points"]

    @property
    def household_snap(self):
        """Positions of the merged households in the work CRS (for drawing; the walks are in the tiles)."""
        from ..locate import project
        from ..snapping import Snapped

        hp = self.household_points
        if hp is None:
            return None
        px, py = project(self.network, hp.lon, hp.lat)
        nan = np.full(px.size, np.nan)
        return Snapped(np.full(px.size, -1), nan, nan, nan, nan, px, py)

    def __repr__(self) -> str:
        return f"TiledResult({self.summary.text()}; {len(self.tile_files)} tiles)"

    @property
    def rules(self) -> WalkRules:
        """The walking rules of this run (with its horizon)."""
        return WalkRules.from_params(self.params)

    @property
    def bands_min(self) -> list[float]:
        return sorted(set(self.params["cutoffs_min"]) | {self.summary.threshold_min})

    def gap_areas(self, isochrones, *, cell_m: float = 150.0):
        """Uncovered residential area (hex cells less the threshold's union), as for a single run; None when
        the households were not merged."""
        import geopandas as gpd
        import shapely

        from .._hex import hex_cells

        h = self.households
        if h is None:
            return None
        unc = (h["status"].astype(str) == "uncovered").to_numpy()
        if not unc.any():
            return gpd.GeoDataFrame({"households": [], "points": []}, geometry=[], crs="EPSG:4326")
        work = self.params["work_crs"]
        pts = h.geometry[unc].to_crs(work)
        w = self.weights[unc]
        _, _, cnt, wsum, polys = hex_cells(pts.x.to_numpy(), pts.y.to_numpy(), w, cell_m)
        _, uni = isochrones
        thr = uni[np.isclose(uni["minutes"], self.summary.threshold_min)]
        if len(thr):
            polys = shapely.difference(polys, thr.to_crs(work).geometry.iloc[0])
        out = gpd.GeoDataFrame({"households": wsum, "points": cnt}, geometry=polys, crs=work)
        return out[~out.geometry.is_empty].to_crs("EPSG:4326").reset_index(drop=True)

    # the RunResult interface (coverage.products), shared with single runs
    @property
    def merged(self) -> bool:
        """Whether the households were merged into one table (at most :data:`MERGE_MAX_ROWS` rows)."""
        return self.households is not None

    @property
    def drawable(self) -> bool:
        """False: the interactive map and the PNG are drawn per city or district, without tiles."""
        return False

    @property
    def tile_table(self) -> pd.DataFrame | None:
        """Per tile: rows, network nodes, stations, seconds, peak memory."""
        return self.tiles

    def summary_document(self) -> dict:
        """``summary.json``: the summary, every parameter, the timings and the tiles' files."""
        return {
            **self.summary.to_dict(),
            "params": self.params,
            "timings_s": self.timings,
            "tile_files": [Path(f).name for f in self.tile_files],
        }

    def to_files(self, out_dir) -> dict[str, str]:
        """households.csv/.gpkg (when they fit), stations.csv/.gpkg, summary.json and tiles.csv (and the gated
        compounds' files, with gates).

        The per-tile households are already in ``out_dir/tiles/`` as GeoParquet.
        """
        from ..output.files import write_run
        from ..products import analyse

        return write_run(analyse(self, compute_isochrones=False), out_dir, command="files")


def assess_tiled(
    network,
    stations,
    households,
    *,
    tiles,
    scheduler=None,
    out_dir,
    minutes=None,
    profile=None,
    speed_kph=None,
    weight=None,
    crs=None,
    id_col="id",
    station_id_col=None,
    household_id_col=None,
    max_snap_m=None,
    cutoffs_min=None,
    horizon_min=None,
    station_options=None,
    household_options=None,
    stream_rows: int | None = None,
    compounds=None,
    gates=None,
    compound_id_col: str | None = None,
    compound_options: dict | None = None,
    gate_options: dict | None = None,
    capacity=None,
    staff=None,
    caseload=None,
    default_capacity=None,
    rules: WalkRules | None = None,
) -> TiledResult:
    """Walking coverage, tile by tile (see the module's description).

    ``tiles`` is ``"grid:METRES"`` or a polygon file / GeoDataFrame of tile
    boundaries. ``horizon_min`` defaults to twice the threshold. The tiles'
    households go to ``out_dir/tiles/`` as GeoParquet; the other arguments
    are :func:`~coverage.assessment.assess`'s. GeoParquet households are read in
    batches of ``stream_rows`` rows (default a million; on a cluster, by the
    workers), and a CSV larger than :data:`STREAM_CSV_BYTES` (or any CSV, with
    ``stream_rows``) in chunks of ``stream_rows`` rows, so the coordinator
    never holds them all. With ``compounds`` and ``gates`` the gates are
    placed in their compounds once, for the whole run, and each tile gets the
    compounds that meet it with their gates. With station capacities
    (``capacity`` or ``staff`` and ``caseload``), each tile sends back its
    household-station walks within the threshold and the assignment is solved
    once, for the whole run (up to :data:`MERGE_MAX_ROWS` households).
    """
    if isinstance(scheduler, str):  # one cluster for the reading, the tiles and the merge
        with dask_client(scheduler) as client:
            return assess_tiled(
                network,
                stations,
                households,
                tiles=tiles,
                scheduler=client,
                out_dir=out_dir,
                minutes=minutes,
                profile=profile,
                speed_kph=speed_kph,
                weight=weight,
                crs=crs,
                id_col=id_col,
                station_id_col=station_id_col,
                household_id_col=household_id_col,
                max_snap_m=max_snap_m,
                cutoffs_min=cutoffs_min,
                horizon_min=horizon_min,
                station_options=station_options,
                household_options=household_options,
                stream_rows=stream_rows,
                compounds=compounds,
                gates=gates,
                compound_id_col=compound_id_col,
                compound_options=compound_options,
                gate_options=gate_options,
                capacity=capacity,
                staff=staff,
                caseload=caseload,
                default_capacity=default_capacity,
                rules=rules,
            )
    from .._files import OutputFolder

    t0 = time.perf_counter()
    values = {
        "minutes": minutes,
        "cutoffs_min": cutoffs_min,
        "profile": profile,
        "speed_kph": speed_kph,
        "max_snap_m": max_snap_m,
        "horizon_min": horizon_min,
    }
    rules = WalkRules.resolve(rules, lambda: WalkRules.of(**values), **values)
    if rules.horizon_min is None:  # a tiled run needs a horizon: twice the threshold
        rules = rules.but(horizon_min=2 * rules.minutes)
    untiled_profile(rules.profile)
    net = load_network(network)
    minutes, horizon_min, max_snap_m = rules.minutes, rules.horizon_min, rules.max_snap_m
    kph, prof = rules.speed_kph, rules.profile
    tiling = parse_tiles(tiles, net)
    s_id = id_col if station_id_col is None else station_id_col
    h_id = id_col if household_id_col is None else household_id_col
    sl = locate(
        net,
        stations,
        role="stations",
        id_col=s_id,
        crs=crs,
        max_snap_m=max_snap_m,
        read_options=station_options,
    )
    h_opts = dict(household_options or {})
    h_crs = h_opts.pop("crs", None) or crs  # the households file's own CRS, else the run's
    suffix = Path(str(households)).suffix.lower() if isinstance(households, (str, Path)) else ""
    big_csv = suffix in (".csv", ".txt", ".tsv") and (
        stream_rows is not None or Path(households).stat().st_size > STREAM_CSV_BYTES
    )
    rule = None
    if compounds is not None or gates is not None:
        from ..gates import gate_rule

        rule = gate_rule(
            net,
            compounds,
            gates,
            crs=crs,
            compound_id_col=compound_id_col,
            compound_options=compound_options,
            gate_options=gate_options,
            max_snap_m=max_snap_m,
        )
    out = out_dir if isinstance(out_dir, OutputFolder) else OutputFolder(out_dir)
    tile_dir = Path(out.dir) / "tiles"
    tile_dir.mkdir(parents=True, exist_ok=True)
    client = as_client(scheduler)
    parquet = (
        suffix in (".parquet", ".geoparquet")
        or (suffix == "" and isinstance(households, (str, Path)) and Path(households).is_dir())
    ) and h_crs is None
    if parquet and client is not None:  # GeoParquet on a cluster: its partitions placed in parallel
        part = partition_parquet_dask(households, net, tiling, tile_dir / "input", client, weight=weight)
    elif parquet:  # GeoParquet in this process: read in batches, never whole
        part = stream_parquet_households(
            households, net, tiling, tile_dir / "input", weight=weight, batch_rows=stream_rows or 1_000_000
        )
    elif big_csv:  # a large CSV: read and checked in chunks
        part = stream_csv_households(
            households,
            net,
            tiling,
            tile_dir / "input",
            chunk_rows=stream_rows or 1_000_000,
            id_col=h_id,
            weight=weight,
            crs=h_crs,
            **{k: v for k, v in h_opts.items() if k in ("lon_col", "lat_col")},
        )
    else:
        lon_hint = float(np.mean(net.bounds_lonlat[::2]))
        hh_points = read_points(
            households, role="households", id_col=h_id, weight=weight, crs=h_crs, lon_hint=lon_hint, **h_opts
        )
        check_extent(net, hh_points)  # the misplaced-input errors, once for the whole run
        if h_crs is None and hh_points.crs is not None and hh_points.crs.equals("EPSG:4326"):
            check_offset(net, hh_points, "households")
        part = partition_households(hh_points, net, tiling, tile_dir / "input")
    hh_path, counts = part.path, part.counts
    if part.extents is not None:  # households outside every tile went to the nearest: it reaches out to them
        tiling = tiling.grown(part.extents)
    t_read = time.perf_counter()
    v = kph / 3.6
    horizon_m = horizon_min * 60 * v
    net_halo, st_halo = halo_m(horizon_m, max_snap_m)
    files = cut_network(net, tiling, net_halo, progress=log.isEnabledFor(logging.INFO))
    t_cut = time.perf_counter()
    st = sl.points
    near = stations_near(tiling, sl.snap.px, sl.snap.py, st_halo)
    st_frame = st.frame.to_crs("EPSG:4326") if st.frame.crs is not None else st.frame
    cutoffs = list(rules.cutoffs_min)
    params = {
        "minutes": minutes,
        "speed_kph": kph,
        "profile": prof,
        "weight": weight,
        "id_col": s_id,
        "household_id_col": h_id,
        "max_snap_m": max_snap_m,
        "cutoffs_min": cutoffs,
        "horizon_min": horizon_min,
        "network_halo_m": net_halo,
        "crs": None if crs is None else str(crs),
        "gated": rule is not None,
    }
    cap = staff_n = None
    if capacity is not None or staff is not None:
        from ..capacity import read_capacity

        if part.n_rows > MERGE_MAX_ROWS:
            msg = (
                "station capacities with --tiles need the households merged (at most "
                f"{MERGE_MAX_ROWS:,} rows, "
                f"here {part.n_rows:,}): the assignment is one problem over the whole run; run it per city."
            )
            raise CoverageInputError(msg)
        cap, staff_n = read_capacity(
            st, capacity=capacity, staff=staff, caseload=caseload, default_capacity=default_capacity
        )
        params.update(
            {
                "capacity_col": capacity,
                "staff_col": staff,
                "caseload": caseload,
                "default_capacity": default_capacity,
                "pairs": True,
            }
        )
    tasks = []
    for t in np.flatnonzero(counts):
        rows = near[t]
        if rows.size == 0:  # no station within the halo: every household here is beyond the horizon
            rows = np.array(
                [
                    int(
                        np.argmin(
                            np.hypot(
                                sl.snap.px - tiling.regions[t].centroid.x,
                                sl.snap.py - tiling.regions[t].centroid.y,
                            )
                        )
                    )
                ]
            )
        tasks.append(
            {
                "tile": int(t),
                "network": files[t],
                "households": hh_path,
                "stations": st_frame.iloc[rows].reset_index(drop=True),
                "params": params,
                "out": str(tile_dir / f"tile-{t:05d}.parquet"),
                **tile_gates(rule, tiling.regions[t]),
            }
        )
    log.info(
        "%d tiles with households (of %d), horizon %g min (halo %.0f m); network cut in %.1f s",
        len(tasks),
        len(tiling),
        horizon_min,
        net_halo,
        t_cut - t_read,
    )
    run, close = executor(scheduler)
    try:
        results = run(run_tile, tasks)
    finally:
        close()
    t_run = time.perf_counter()
    results.sort(key=lambda d: d["tile"])
    result = _merge(results, sl, part, params, net, tiles, tasks, rule)
    result.tiling = tiling
    if cap is not None:
        _assign(result, results, cap, staff_n, caseload)
    result.timings = {
        "read_s": t_read - t0,
        "cut_s": t_cut - t_read,
        "tiles_s": t_run - t_cut,
        "merge_s": time.perf_counter() - t_run,
        "total_s": time.perf_counter() - t0,
    }
    log.info(
        "Tiled run: %d tiles in %.1f s (read %.1f s, cut %.1f s, tiles %.1f s)",
        len(tasks),
        result.timings["total_s"],
        result.timings["read_s"],
        result.timings["cut_s"],
        result.timings["tiles_s"],
    )
    return result


def _gate_summary(results, rule) -> dict | None:
    """The open-against-gated comparison for the whole run: point counts summed, compound counts whole."""
    parts = [r["summary"]["gates"] for r in results if r["summary"].get("gates")]
    if rule is None:
        return None
    add = (
        "n_points_in_gated_compounds",
        "weight_in_gated_compounds",
        "n_points_changed",
        "weight_changed",
        "n_points_lost",
        "weight_lost",
        "n_points_gained",
        "weight_gained",
        "covered_weight_open",
        "covered_weight_gated",
        "n_walk_compared",
        "n_walk_50m_longer",
    )
    out = {k: sum(p[k] for p in parts) for k in add}
    st = rule.gate_status
    out.update(
        {
            "n_compounds": rule.n_compounds,
            "n_gated_compounds": int(rule.gated.sum()),
            "n_compounds_without_gates": int((~rule.gated).sum()),
            "n_gates": int(st.size),
            "n_gates_used": int((st == "used").sum()),
            "n_gates_off_network": int((st == "off_network").sum()),
            "n_gates_without_compound": int((st == "no_compound").sum()),
            "n_gates_invalid": int((st == "invalid").sum()),
            "n_compounds_changed": len(set().union(*[r["compounds_changed"] for r in results])),
            "share_walk_50m_longer": out["n_walk_50m_longer"] / out["n_walk_compared"]
            if out["n_walk_compared"]
            else None,
        }
    )
    return out


def _merge(results, sl, part, params, net, tiles, tasks, rule=None) -> TiledResult:
    """Sum the tiles' counts and loads; stitch the households back into input order."""
    import geopandas as gpd

    st = sl.points
    # station loads, summed across tiles
    loads = (
        pd.concat([r["loads"] for r in results], ignore_index=True)
        if results
        else pd.DataFrame(columns=["id", *_LOAD_COLUMNS])
    )
    summed = loads.groupby("id", sort=False)[list(_LOAD_COLUMNS)].sum()
    ids = pd.Index(st.ids.astype(str))
    arr = {c: summed[c].reindex(ids).fillna(0).to_numpy() for c in _LOAD_COLUMNS}
    stations = station_frame(
        st,
        sl.snap,
        households_within=arr["households_within"].astype(np.int64),
        weight_within=arr["weight_within"],
        catchment_households=arr["catchment_households"].astype(np.int64),
        catchment_weight=arr["catchment_weight"],
    )
    # the summary: every valid household is in exactly one tile; invalid rows stay with the coordinator
    keys = (
        "n_covered",
        "n_uncovered",
        "n_off_network",
        "weight_covered",
        "weight_uncovered",
        "weight_off_network",
    )
    tot = {k: sum(r["summary"][k] for r in results) for k in keys}
    n_valid = part.n_rows - part.n_invalid
    w_total = part.weight_valid
    bands = []
    for i, b in enumerate(results[0]["summary"]["bands"] if results else []):
        n_in = sum(r["summary"]["bands"][i]["n_within"] for r in results)
        w_in = sum(r["summary"]["bands"][i]["weight_within"] for r in results)
        bands.append(
            {
                "minutes": b["minutes"],
                "distance_m": b["distance_m"],
                "n_within": n_in,
                "weight_within": w_in,
                "share": n_in / n_valid if n_valid else float("nan"),
                "share_weight": w_in / w_total if w_total else float("nan"),
            }
        )
    summary = Summary(
        threshold_min=params["minutes"],
        speed_kph=round(params["speed_kph"], 4),
        profile=params["profile"],
        max_snap_m=params["max_snap_m"],
        n_households=part.n_rows,
        n_invalid=part.n_invalid,
        weight_total=w_total,
        weight_invalid=part.weight_invalid,
        n_stations=len(st),
        n_stations_on_network=int(sl.snap.on_network.sum()),
        bands=bands,
        n_beyond_horizon=sum(r["summary"]["n_beyond_horizon"] or 0 for r in results),
        **tot,
        gates=_gate_summary(results, rule),
    )
    tile_table = pd.DataFrame(
        [
            {k: r[k] for k in ("tile", "rows", "n_nodes", "n_stations", "seconds", "peak_rss_mb")}
            for r in results
        ]
    )
    files = [t["out"] for t in tasks]
    households = weights = None
    if part.n_rows <= MERGE_MAX_ROWS:
        parts = [gpd.read_parquet(f) for f in files]
        if part.n_invalid and part.points is not None:
            parts.append(_invalid_rows(part.points))
        elif part.n_invalid:  # streamed: the rows without usable coordinates, as the tiles' frames have them
            bad = gpd.read_parquet(part.path, filters=[("_tile", "==", -1)])
            note = (
                bad["_reason"].astype(str).to_numpy()
                if "_reason" in bad
                else "missing or unusable coordinate"
            )
            bad = bad.drop(columns=["_tile", "_reason"], errors="ignore").assign(
                station_id=None,
                walk_m=np.nan,
                walk_min=np.nan,
                covered=False,
                n_stations_within=0,
                status="invalid",
                access_m=np.nan,
                note=note,
            )
            parts.append(bad)
        merged = pd.concat(parts, ignore_index=True).sort_values("_row", kind="stable")
        weights = merged["_weight"].to_numpy()
        households = gpd.GeoDataFrame(
            merged.drop(columns=["_row", "_weight"], errors="ignore").reset_index(drop=True),
            geometry=parts[0].geometry.name if parts else "geometry",
            crs="EPSG:4326",
        )
        households["status"] = pd.Categorical(households["status"].astype(str), categories=STATUSES)
    p = {
        **params,
        "tiles": tiles if isinstance(tiles, str) else "GeoDataFrame",
        "n_tiles": len(tasks),
        "work_crs": net.crs.to_string(),
        "households_file": part.source,
        "threshold_m": params["minutes"] * 60 * params["speed_kph"] / 3.6,
        "network": dict(net.meta),
    }
    out = TiledResult(
        households,
        stations,
        summary,
        p,
        files,
        tile_table,
        weights=weights,
        network=net,
        station_points=st,
        station_snap=sl.snap,
    )
    if rule is not None:
        from dataclasses import replace

        comp = np.full(len(households) if households is not None else 0, -1, dtype=np.int64)
        if households is not None and "compound_id" in households:
            index = pd.Series(np.arange(rule.n_compounds), index=rule.compounds.ids.astype(str))
            cid = households["compound_id"]
            ok = cid.notna().to_numpy()
            comp[ok] = index.loc[cid[ok].astype(str)].to_numpy()
        out.gate_rule = replace(rule, household_compound=comp)
    return out


def _invalid_rows(hh):
    """The input rows without usable coordinates, with the result columns a single run gives them."""
    import geopandas as gpd

    bad = np.flatnonzero(~hh.valid)
    frame = hh.frame.iloc[bad].reset_index(drop=True)
    frame = gpd.GeoDataFrame(
        frame.drop(columns=frame.geometry.name), geometry=[None] * bad.size, crs="EPSG:4326"
    )
    frame["station_id"] = pd.array([None] * bad.size, dtype=object)
    frame["walk_m"] = np.nan
    frame["walk_min"] = np.nan
    frame["covered"] = False
    frame["n_stations_within"] = np.zeros(bad.size, dtype=np.int64)
    frame["status"] = "invalid"
    frame["access_m"] = np.nan
    frame["note"] = hh.reason[bad]
    frame["_row"] = bad
    return frame


def _assign(result: TiledResult, results, capacity, staff, caseload) -> None:
    """The capacitated assignment over the whole run, from the tiles' walks within the threshold."""
    from dataclasses import replace

    from scipy import sparse

    from ..assessment import served_columns

    ids = pd.Index(result.station_points.ids.astype(str))
    r = np.concatenate([x["pairs"][0] for x in results]) if results else np.zeros(0, dtype=np.int64)
    c = (
        ids.get_indexer(np.concatenate([x["pairs"][1] for x in results]))
        if results
        else np.zeros(0, dtype=np.int64)
    )
    d = np.concatenate([x["pairs"][2] for x in results]) if results else np.zeros(0)
    order = np.lexsort((c, r))
    n = result.summary.n_households
    walks = sparse.csr_matrix((d[order], (r[order], c[order])), shape=(n, len(ids)))
    hp = result.household_points
    served = served_columns(
        result.households, result.stations, walks, hp, result.station_points, capacity, staff, caseload
    )
    extra = float(result.stations["extra_staff"].sum()) if "extra_staff" in result.stations else None
    result.summary = replace(result.summary, weight_served=served, extra_staff_total=extra)
    result.capacity = capacity
