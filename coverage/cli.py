"""Command-line interface: ``service-coverage``.

A thin layer over the Python API: it parses arguments, calls the library and
prints. On bad input it prints one line naming the problem and exits 2, for
argparse's own checks too.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import settings
from ._errors import CoverageInputError, check_share
from ._version import __version__

log = logging.getLogger("coverage")

#: Files written with gated compounds (--compounds/--gates).
GATE_OUTPUTS = ("compounds.csv", "gates.csv", "compounds.gpkg")
#: Files each command may write into --out (checked against the inputs before any work).
OUTPUTS = {
    "analyze": ("households.csv", "households.gpkg", "stations.csv", "stations.gpkg", "summary.json",
                "isochrones.gpkg", "map.html", "map.png", "manifest.json", "tiles.csv", *GATE_OUTPUTS),
    "isochrones": ("isochrones.gpkg", "isochrones.geojson", "manifest.json"),
    "site": ("sites.csv", "sites.gpkg", "siting.json", "map.html", "map.png", "manifest.json", "tiles.csv"),
    "report": ("map.html", "map.png", "coverage.gpkg", "households.csv", "stations.csv", "sites.csv", "areas.csv",
               "summary.xlsx", "brief.pdf", "manifest.json", *GATE_OUTPUTS),
    "demo": ("households.csv", "households.gpkg", "stations.csv", "stations.gpkg", "summary.json",
             "isochrones.gpkg", "map.html", "manifest.json"),
}


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line like every other error (exit 2)."""

    def error(self, message):  # noqa: D102
        self.exit(2, f"service-coverage: error: {message} (see {self.prog} --help)\n")


def _add_common(p: argparse.ArgumentParser, *, households: bool = True) -> None:
    p.add_argument("--network", required=True, help="OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf)")
    p.add_argument("--stations", required=True,
                   help="stations: CSV or Excel (id, name, lon, lat), GeoJSON, GeoPackage or Shapefile")
    if households:
        p.add_argument("--households", required=True, help="residential points or compound outlines, same formats")
        p.add_argument("--weight", help="column with households per point, e.g. 户数 (default: each point is 1)")
        p.add_argument("--minutes", type=float, default=settings.threshold_min, help="walking threshold (default 15)")
    else:
        p.add_argument("--minutes", default="5,10,15", help="bands in minutes, comma-separated (default 5,10,15)")
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--speed-kmh", type=float, help="custom walking speed in km/h")
    speed.add_argument(
        "--profile",
        choices=sorted(settings.SPEED_PROFILES_KPH),
        help=f"named walking speed (default {settings.default_profile}: "
        f"{settings.SPEED_PROFILES_KPH[settings.default_profile]} km/h)",
    )
    p.add_argument("--crs", help="CRS of every input's coordinates: gcj02 (Amap/Tencent), bd09 (Baidu), wgs84 or "
                                 "EPSG:code (default WGS-84 lon/lat; for a file with its own CRS, used only when it "
                                 "has none; GCJ-02 read as WGS-84 is detected and refused)")
    p.add_argument("--id-col", default="id", help="id column of every input (default 'id', any case; also 编号)")
    p.add_argument("--lon-col", help="longitude (or x) column of every table (default lon/经度/x ...)")
    p.add_argument("--lat-col", help="latitude (or y) column of every table (default lat/纬度/y ...)")
    p.add_argument("--sheet", help="Excel sheet of every input (default the first)")
    p.add_argument("--layer", help="GeoPackage layer of every input (needed when a file has several)")
    roles = ("station", "household") if households else ("station",)
    for role in roles:
        flag = f"--{role}s" if role == "station" else "--households"
        p.add_argument(f"--{role}-id-col", help=f"id column of {flag} (default --id-col)")
        p.add_argument(f"--{role}-crs", help=f"CRS of {flag} (default --crs)")
        p.add_argument(f"--{role}-sheet", help=f"Excel sheet of {flag}")
        p.add_argument(f"--{role}-layer", help=f"GeoPackage layer of {flag}")
        p.add_argument(f"--{role}-lon-col", help=f"longitude (or x) column of {flag}")
        p.add_argument(f"--{role}-lat-col", help=f"latitude (or y) column of {flag}")
    if households:
        p.add_argument("--capacity-col", help="stations' column of households each can serve (capacity)")
        p.add_argument("--staff-col", help="stations' column of social workers (with --caseload)")
        p.add_argument("--caseload", type=float, help="households one social worker can carry, e.g. 250")
        p.add_argument("--default-capacity", type=float,
                       help="capacity for stations whose value is missing or unusable (else an error)")
    p.add_argument("--compounds", help="gated compounds: outlines (GeoJSON, GeoPackage, Shapefile, or CSV/Excel "
                                       "with WKT), or 'osm' for the extract's landuse=residential areas")
    p.add_argument("--gates", help="their gates: points (same formats as --stations, optional compound_id column), "
                                   "or 'osm' for gate and entrance nodes on the outlines")
    p.add_argument("--compound-id-col", help="id column of --compounds (default compound_id or id)")
    p.add_argument("--compound-crs", help="CRS of --compounds (default --crs)")
    p.add_argument("--gate-crs", help="CRS of --gates (default --crs)")
    p.add_argument("--max-snap-m", type=float, default=settings.max_snap_m,
                   help=f"farthest a point may be from a walkable street (default {settings.max_snap_m:g} m)")
    p.add_argument("--elevated-roads", action="store_true",
                   help="walk elevated trunk roads (viaducts) that have no sidewalk mapped (default: not walkable)")
    p.add_argument("--horizon-min", type=float,
                   help="walks up to this many minutes are exact; further households are reported as beyond the "
                        "horizon (default: none; with --tiles, twice the threshold)")
    p.add_argument("--tiles", help="run tile by tile: grid:METRES (squares) or a file of tile boundaries "
                                   "(counties, streets); needs the dask extra")
    p.add_argument("--scheduler", help="with --tiles: local:N (a Dask LocalCluster of N workers; default the "
                                       "core count) or a scheduler address tcp://host:8786 (default: this process)")
    p.add_argument("--no-cache", action="store_true",
                   help="build everything afresh and write no cache (network, raster, facilities, street names, tiles)")


def _add_siting_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    also = "" if required else "also propose "
    goal = p.add_mutually_exclusive_group(required=required)
    goal.add_argument("--k", type=int, help=f"{also}this many new sites (maximal covering)")
    goal.add_argument("--target",
                      help=f"{also}the fewest sites to cover this share of all households: 0.85 or 85%% (set covering)")
    p.add_argument("--candidates", help="candidate sites file (default: network locations near gaps)")
    p.add_argument("--candidate-crs", help="CRS of --candidates (default --crs; never applied to the automatic "
                                           "candidates, which are WGS-84)")
    p.add_argument("--spacing-m", type=float, default=150.0, help="spacing of automatic candidates (default 150 m)")
    p.add_argument("--min-spacing-m", type=float, help="minimum distance between new sites")
    p.add_argument("--method", choices=["exact", "greedy"], default="exact", help="solver (default exact MILP)")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="solver time limit (default 60 s)")
    p.add_argument("--new-capacity", type=float,
                   help="with station capacities: households a new station can serve (capacitated siting, --k)")
    p.add_argument("--new-staff", type=float, help="with --caseload: social workers of a new station")
    _add_objective_options(p)


# ---------------------------------------------------------------- siting objectives and group weights (issue 25)
def _add_objective_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--objective", choices=["coverage", "median", "center"], default="coverage",
                   help="what the --k sites optimise: coverage (most households within the threshold, default), "
                        "median (shortest total, so average, walk) or center (shortest longest walk)")
    p.add_argument("--weight-groups",
                   help="value groups more in siting: columns of --households counting each group's households, "
                        "with their weight, e.g. 老年人=2,残疾人=3 (everyone else counts 1)")
    p.add_argument("--siting-weight", help="or a column of --households whose numbers are the siting weights")


def _weight_groups(text: str | None) -> dict | None:
    """'老年人=2,残疾人=3' (also ：, ，, ；) -> {"老年人": 2.0, "残疾人": 3.0}."""
    if text is None:
        return None
    out = {}
    for part in text.replace("，", ",").replace("；", ",").replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.replace("＝", "=").replace("：", "=").replace(":", "=").partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = float("nan")
        if not sep or not name.strip() or not (weight >= 0) or weight == float("inf"):
            msg = (f"--weight-groups {text!r}: give column=weight pairs separated by commas, like 老年人=2,残疾人=3 "
                   f"(the weight a number of 0 or more; {part.strip()!r} is not).")
            raise CoverageInputError(msg)
        out[name.strip()] = weight
    if not out:
        msg = f"--weight-groups {text!r}: give column=weight pairs, like 老年人=2,残疾人=3."
        raise CoverageInputError(msg)
    return out


def _objective_kwargs(args) -> dict:
    if args.objective != "coverage" and args.target is not None:
        msg = f"--objective {args.objective} takes --k (the number of new sites), not --target."
        raise CoverageInputError(msg)
    return {"objective": args.objective, "weight_groups": _weight_groups(args.weight_groups),
            "siting_weight": args.siting_weight}


def _add_map_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map", help="where to write the HTML map (default OUT/map.html)")
    p.add_argument("--png", nargs="?", const="", default=None, help="also write a PNG map (default OUT/map.png)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="map labels: en or zh")
    p.add_argument("--network-layer", action="store_true", help="draw the walking network on the map")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="service-coverage",
        description="Which households are outside a 15-minute walk of a community service station.",
    )
    parser.add_argument("--version", action="version", version=f"service-coverage {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    a = sub.add_parser("analyze", help="walking coverage of households by stations")
    _add_common(a)
    a.add_argument("--out", required=True, help="output folder")
    _add_map_options(a)

    i = sub.add_parser("isochrones", help="walking isochrones of stations")
    _add_common(i, households=False)
    i.add_argument("--out", required=True, help="output folder")

    s = sub.add_parser("site", help="choose new station sites for the uncovered households")
    _add_common(s)
    _add_siting_options(s, required=True)
    s.add_argument("--out", required=True, help="output folder")
    _add_map_options(s)

    r = sub.add_parser("report", help="the meeting pack: map, GeoPackage, CSVs, Excel, PNG, manifest")
    _add_common(r)
    _add_siting_options(r, required=False)
    r.add_argument("--areas", help="street/community boundaries (any vector format) for the by-area table")
    r.add_argument("--area-name", help="name column of --areas (default: name / 名称)")
    r.add_argument("--area-id-col", help="id column of --areas (areas with the same name stay apart)")
    r.add_argument("--area-target", default="0.85", help="share each area should reach: 0.85 or 85%% (default 0.85)")
    r.add_argument("--lang", choices=["en", "zh"], default="en", help="labels: en or zh")
    r.add_argument("--no-brief", action="store_true", help="skip brief.pdf, the printable A4 pages")
    r.add_argument("--out", required=True, help="output folder")

    d = sub.add_parser("demo", help="run the analysis on the embedded data (Harbin 红旗街道, 15 minutes)")
    d.add_argument("--city", choices=["hongqi", "helsinki"], default="hongqi",
                   help="hongqi: Harbin 红旗街道 at 15 min (default); helsinki: central Helsinki at 5 min")
    d.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    d.add_argument("--map", help="map file (default OUT/map.html)")
    d.add_argument("--lang", choices=["en", "zh"], default="en", help="map labels")
    return parser


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("coverage")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    root.propagate = False


# ---------------------------------------------------------------- parsing helpers (no work done here)
def _speed_kwargs(args) -> dict:
    return {"profile": args.profile, "speed_kph": args.speed_kmh}


def _options(args, role: str) -> dict:
    """How to read one input: sheet, layer, CRS and coordinate columns (its own, or the ones for all)."""
    out = {}
    for key in ("sheet", "layer", "crs", "lon_col", "lat_col"):
        value = getattr(args, f"{role}_{key}", None)
        if value is None and key != "crs":  # --crs is the run's default, applied by the library
            value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    return out


def _assess_kwargs(args, *, progress: bool = False) -> dict:
    return {
        "minutes": args.minutes, "weight": args.weight, "crs": args.crs, "id_col": args.id_col,
        "station_id_col": args.station_id_col, "household_id_col": args.household_id_col,
        "station_options": _options(args, "station"), "household_options": _options(args, "household"),
        "max_snap_m": args.max_snap_m, "progress": progress, **_speed_kwargs(args),
        "capacity": args.capacity_col, "staff": args.staff_col, "caseload": args.caseload,
        "default_capacity": args.default_capacity,
        **_gate_kwargs(args), "horizon_min": args.horizon_min,
    }


def _gate_kwargs(args) -> dict:
    return {"compounds": args.compounds, "gates": args.gates, "compound_id_col": args.compound_id_col,
            "compound_options": _options(args, "compound"), "gate_options": _options(args, "gate")}


def _siting_kwargs(args) -> dict:
    target = None if args.target is None else check_share(args.target, "--target")
    new_capacity = args.new_capacity
    if args.new_staff is not None:
        if not args.caseload:
            msg = "--new-staff needs --caseload (households one social worker can carry)."
            raise CoverageInputError(msg)
        if not (args.new_staff > 0):
            msg = f"--new-staff {args.new_staff:g} must be a positive number of social workers."
            raise CoverageInputError(msg)
        new_capacity = args.new_staff * args.caseload
    if new_capacity is not None and args.capacity_col is None and args.staff_col is None:
        what = "--new-staff" if args.new_staff is not None else "--new-capacity"
        msg = (f"{what} asks for capacitated siting, which needs the stations' capacities: give --capacity-col "
               "(households per station) or --staff-col with --caseload.")
        raise CoverageInputError(msg)
    return {"new_capacity": new_capacity, "k": args.k, "target_share": target, "candidates": args.candidates,
            "spacing_m": args.spacing_m, "min_spacing_m": args.min_spacing_m, "method": args.method,
            "time_limit_s": args.time_limit_s, "curve_max_k": max(10, args.k or 0), "id_col": args.id_col,
            "crs": args.candidate_crs or args.crs, **_objective_kwargs(args)}


def _map_kwargs(args) -> dict:
    png = getattr(args, "png", None)
    map_path = getattr(args, "map", None)
    if map_path and Path(map_path).suffix.lower() not in (".html", ".htm"):
        msg = f"--map '{map_path}': the map is a web page; give a file ending in .html."
        raise CoverageInputError(msg)
    if png and Path(png).suffix.lower() != ".png":
        msg = f"--png '{png}': the picture must be a .png file."
        raise CoverageInputError(msg)
    return {"map_path": map_path, "png": png is not None, "png_path": png or None,
            "lang": args.lang, "network_layer": getattr(args, "network_layer", False)}


def _minutes_list(text: str) -> list[float]:
    try:
        bands = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        bands = []
    if not bands or not all(0 < b <= 240 for b in bands):
        msg = f"--minutes {text!r} must be minutes between 0 and 240 separated by commas, like 5,10,15."
        raise CoverageInputError(msg)
    return bands


def _out_folder(args, command: str):
    from ._files import OutputFolder

    inputs = [getattr(args, k, None) for k in ("network", "stations", "households", "candidates", "areas",
                                               "compounds", "gates", "tiles")]
    inputs = [p for p in inputs if p is None or str(p).lower() != "osm"]
    planned = list(OUTPUTS[command]) + [p for p in (getattr(args, "map", None), getattr(args, "png", None)) if p]
    return OutputFolder(args.out, inputs=inputs, planned=planned)


def _load(args):
    from .network import load_network

    return load_network(args.network, cache=not args.no_cache, elevated_roads=args.elevated_roads)


def _check_run_options(args) -> None:
    """Options that only make sense together, and --no-cache for every cache (before any work)."""
    if getattr(args, "scheduler", None) and not getattr(args, "tiles", None):
        msg = f"--scheduler {args.scheduler} runs tiles on Dask: it needs --tiles (grid:METRES or a tiles file)."
        raise CoverageInputError(msg)
    from .crs import parse_crs

    for key in ("crs", "station_crs", "household_crs", "compound_crs", "gate_crs", "candidate_crs"):
        if getattr(args, key, None) is not None:
            parse_crs(getattr(args, key), "--" + key.replace("_", "-"))
    if getattr(args, "no_cache", False):
        settings.use_cache = False


# ---------------------------------------------------------------- commands
def cmd_analyze(args) -> int:
    from .assessment import assess
    from .output.files import write_maps

    t0 = time.perf_counter()
    maps = _map_kwargs(args)
    out = _out_folder(args, "analyze")
    if args.tiles:
        return _analyze_tiled(args, out, t0)
    result = assess(_load(args), args.stations, args.households, **_assess_kwargs(args, progress=True))
    iso = result.isochrones()
    files = result.to_files(out, isochrones=iso)
    files.update(write_maps(result, out, isochrones=iso, **maps))
    out.finish(extra={"command": "analyze", "summary": result.summary.to_dict()})
    print(result.summary.text(lang=args.lang))
    print(f"Wrote {len(files)} files to {args.out} (map: {files['map']}) in {time.perf_counter() - t0:.1f} s")
    return 0


def _tiled(args, out, *, isochrones: bool = True, siting: dict | None = None):
    """The tiled steps of a command on one Dask cluster: (result, isochrones or None, sites or None)."""
    from .tiles.run import assess_tiled, dask_client, isochrones_tiled, need_dask, suggest_sites_tiled

    need_dask()
    sk = siting or {}
    unsupported = [o for o, v in (("--new-capacity", sk.get("new_capacity")),
                                  ("--objective", sk.get("objective", "coverage") != "coverage"),
                                  ("--weight-groups", sk.get("weight_groups")),
                                  ("--siting-weight", sk.get("siting_weight"))) if v]
    if unsupported:
        msg = (f"--tiles does not yet combine with {', '.join(unsupported)}; run those per city without --tiles.")
        raise CoverageInputError(msg)
    kw = _assess_kwargs(args)
    kw.pop("progress", None)
    net = _load(args)
    iso = sites = None
    with dask_client(args.scheduler) as client:
        result = assess_tiled(net, args.stations, args.households, tiles=args.tiles, scheduler=client,
                              out_dir=out, **kw)
        if isochrones:
            iso = isochrones_tiled(net, args.stations, result.bands_min, tiles=args.tiles, scheduler=client,
                                   crs=args.crs, id_col=kw["station_id_col"] or args.id_col,
                                   max_snap_m=args.max_snap_m, read_options=_options(args, "station"),
                                   halo=result.params["network_halo_m"], gate_rule=result.gate_rule,
                                   **_speed_kwargs(args))
        if siting is not None:
            siting = {k: v for k, v in siting.items()
                      if k not in ("new_capacity", "objective", "weight_groups", "siting_weight")}
            sites = suggest_sites_tiled(result, net, scheduler=client, **siting)
    return result, iso, sites


def _analyze_tiled(args, out, t0) -> int:
    from .output.files import write_isochrones

    result, iso, _ = _tiled(args, out)
    files = result.to_files(out)
    files.update(write_isochrones(iso, out, gaps=result.gap_areas(iso)))
    if result.gate_rule is not None and result.households is not None:
        from .output.files import write_compounds

        files.update(write_compounds(result, out))
    out.finish(extra={"command": "analyze", "tiles": args.tiles, "summary": result.summary.to_dict()})
    print(result.summary.text(lang=args.lang))
    print(f"{result.params['n_tiles']} tiles; wrote {len(files)} files and the tiles' GeoParquet to {args.out} "
          f"in {time.perf_counter() - t0:.1f} s (the interactive map is drawn per city or district, without --tiles)")
    return 0


def cmd_isochrones(args) -> int:
    from .output.files import write_isochrones
    from .isochrones import isochrones_for_stations

    bands = _minutes_list(args.minutes)
    out = _out_folder(args, "isochrones")
    if args.tiles:
        from .tiles.run import isochrones_tiled

        iso = isochrones_tiled(_load(args), args.stations, bands, tiles=args.tiles, scheduler=args.scheduler,
                               crs=args.crs, id_col=args.station_id_col or args.id_col, max_snap_m=args.max_snap_m,
                               read_options=_options(args, "station"), **_speed_kwargs(args),
                               **_gate_kwargs(args))
        files = write_isochrones(iso, out, geojson=True)
        out.finish(extra={"command": "isochrones", "minutes": bands, "tiles": args.tiles})
        print(f"Isochrones for {iso[0]['station_id'].nunique()} stations x {len(bands)} bands, tile by tile: "
              f"{', '.join(files.values())}")
        return 0
    iso = isochrones_for_stations(
        _load(args), args.stations, bands, crs=args.crs, id_col=args.station_id_col or args.id_col,
        max_snap_m=args.max_snap_m, read_options=_options(args, "station"), **_speed_kwargs(args),
        **_gate_kwargs(args),
    )
    files = write_isochrones(iso, out, geojson=True)
    out.finish(extra={"command": "isochrones", "minutes": bands})
    print(f"Isochrones for {iso[0]['station_id'].nunique()} stations x {len(bands)} bands: {', '.join(files.values())}")
    return 0


def cmd_demo(args) -> int:
    from ._files import OutputFolder
    from .assessment import assess
    from .demo import DEMO_MINUTES, TITLES, demo_inputs, write_demo_inputs
    from .output.files import write_maps
    from .network import load_network

    maps = _map_kwargs(args)
    out = OutputFolder(args.out, planned=OUTPUTS["demo"])
    path, stations, households = demo_inputs(args.city)
    st_csv, hh_csv = write_demo_inputs(Path(args.out) / "inputs", args.city)
    minutes = DEMO_MINUTES[args.city]
    result = assess(load_network(path), stations, households, minutes=minutes, weight="households")
    iso = result.isochrones()
    files = result.to_files(out, isochrones=iso)
    files.update(write_maps(result, out, isochrones=iso, **maps))
    out.finish(extra={"command": "demo", "city": args.city})
    print(f"Demo: {TITLES[args.city]}, {minutes:g}-minute walk (OpenStreetMap data © OpenStreetMap contributors, ODbL)")
    print(result.summary.text(lang=args.lang))
    print(f"Wrote {len(files)} result files to {args.out}; map: {files['map']}")
    weight = "户数" if args.city == "hongqi" else "households"
    print(f"Its inputs, as a planner's files look, are in {st_csv.parent}: rerun them with\n"
          f"  service-coverage analyze --network {path} --stations {st_csv} --households {hh_csv} "
          f"--weight {weight} --minutes {minutes:g} --out my-output")
    return 0


def cmd_site(args) -> int:
    from .assessment import assess
    from .output.files import write_maps
    from .siting import suggest_sites

    maps = _map_kwargs(args)
    siting = _siting_kwargs(args)
    out = _out_folder(args, "site")
    if args.tiles:
        result, _, sr = _tiled(args, out, isochrones=False, siting=siting)
        files = sr.to_files(out)
    else:
        result = assess(_load(args), args.stations, args.households, **_assess_kwargs(args))
        sr = suggest_sites(result, **siting)
        files = sr.to_files(out)
        files.update(write_maps(result, out, sites=sr.sites, **maps))
    out.finish(extra={"command": "site", "siting": sr.summary})
    print(result.summary.text(lang=args.lang))
    print(sr.text(lang=args.lang))
    print(f"Wrote {', '.join(Path(f).name for f in files.values())} to {args.out}")
    return 0


def cmd_report(args) -> int:
    from .assessment import assess
    from .output.report import export_report
    from .siting import suggest_sites

    t0 = time.perf_counter()
    area_target = check_share(args.area_target, "--area-target")
    siting = _siting_kwargs(args)
    out = _out_folder(args, "report")
    want_sites = args.k is not None or args.target is not None
    iso = None
    if args.tiles:
        result, iso, sites = _tiled(args, out, siting=siting if want_sites else None)
    else:
        result = assess(_load(args), args.stations, args.households, **_assess_kwargs(args, progress=True))
        sites = suggest_sites(result, **siting) if want_sites else None
    files = export_report(result, out, sites=sites, areas=args.areas, area_name_col=args.area_name,
                          area_id_col=args.area_id_col, target_share=area_target, lang=args.lang,
                          brief=not args.no_brief, isochrones=iso)
    out.finish(extra={"command": "report"})
    print(result.summary.text(lang=args.lang))
    if sites is not None:
        print(sites.text(lang=args.lang))
    print(f"Meeting pack in {args.out}: {', '.join(sorted(Path(f).name for f in files.values()))} "
          f"({time.perf_counter() - t0:.1f} s)")
    return 0


COMMANDS = {"report": cmd_report, "site": cmd_site, "analyze": cmd_analyze, "isochrones": cmd_isochrones, "demo": cmd_demo}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.quiet)
    use_cache = settings.use_cache
    try:
        _check_run_options(args)
        return COMMANDS[args.command](args)
    except CoverageInputError as exc:
        print(f"service-coverage: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, unwritable output folder
        print(f"service-coverage: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    finally:
        settings.use_cache = use_cache


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
