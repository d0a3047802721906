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


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line like every other error (exit 2)."""

    def error(self, message):  # noqa: D102
        self.exit(2, f"service-coverage: error: {message} (see {self.prog} --help)\n")


def _add_common(p: argparse.ArgumentParser, *, households: bool = True) -> None:
    p.add_argument("--network", required=True, help="OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf)")
    p.add_argument(
        "--stations",
        required=True,
        help="stations: CSV or Excel (id, name, lon, lat), GeoJSON, GeoPackage or Shapefile",
    )
    if households:
        p.add_argument(
            "--households", required=True, help="residential points or compound outlines, same formats"
        )
        p.add_argument(
            "--weight", help="column with households per point, e.g. 户数 (default: each point is 1)"
        )
        p.add_argument(
            "--minutes", type=float, help=f"walking threshold (default {settings.threshold_min:g})"
        )
    else:
        p.add_argument(
            "--minutes", default="5,10,15", help="bands in minutes, comma-separated (default 5,10,15)"
        )
    speed = p.add_mutually_exclusive_group()
    speed.add_argument("--speed-kmh", type=float, help="custom walking speed in km/h")
    speed.add_argument(
        "--profile",
        choices=sorted(settings.SPEED_PROFILES_KPH),
        help=f"named walking speed (default {settings.default_profile}: "
        f"{settings.SPEED_PROFILES_KPH[settings.default_profile]} km/h)",
    )
    p.add_argument(
        "--crs",
        help="CRS of every input's coordinates: gcj02 (Amap/Tencent), bd09 (Baidu), wgs84 or "
        "EPSG:code (default WGS-84 lon/lat; for a file with its own CRS, used only when it "
        "has none; GCJ-02 read as WGS-84 is detected and refused)",
    )
    p.add_argument(
        "--id-col", default="id", help="id column of every input (default 'id', any case; also 编号)"
    )
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
        p.add_argument(
            "--default-capacity",
            type=float,
            help="capacity for stations whose value is missing or unusable (else an error)",
        )
        _add_people_options(p)
    p.add_argument(
        "--compounds",
        help="gated compounds: outlines (GeoJSON, GeoPackage, Shapefile, or CSV/Excel "
        "with WKT), or 'osm' for the extract's landuse=residential areas",
    )
    p.add_argument(
        "--gates",
        help="their gates: points (same formats as --stations, optional compound_id column), "
        "or 'osm' for gate and entrance nodes on the outlines",
    )
    p.add_argument("--compound-id-col", help="id column of --compounds (default compound_id or id)")
    p.add_argument("--compound-crs", help="CRS of --compounds (default --crs)")
    p.add_argument("--gate-crs", help="CRS of --gates (default --crs)")
    p.add_argument(
        "--max-snap-m",
        type=float,
        help=f"farthest a point may be from a walkable street (default {settings.max_snap_m:g} m)",
    )
    p.add_argument(
        "--elevated-roads",
        action="store_true",
        help="walk elevated trunk roads (viaducts) that have no sidewalk mapped (default: not walkable)",
    )
    p.add_argument(
        "--horizon-min",
        type=float,
        help="walks up to this many minutes are exact; further households are reported as beyond the "
        "horizon (default: none; with --tiles, twice the threshold)",
    )
    p.add_argument(
        "--tiles",
        help="run tile by tile: grid:METRES (squares) or a file of tile boundaries "
        "(counties, streets); needs the dask extra",
    )
    p.add_argument(
        "--scheduler",
        help="with --tiles: local:N (a Dask LocalCluster of N workers; default the "
        "core count) or a scheduler address tcp://host:8786 (default: this process)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="build everything afresh and write no cache (network, raster, facilities, street names, "
        "street basemap, isochrones, tiles)",
    )


def _add_people_options(p: argparse.ArgumentParser) -> None:
    """Population groups and accessibility (--groups, --access, --access-level)."""
    p.add_argument(
        "--groups",
        help="households' columns of people per point, each with its walking profile: "
        "COL[:PROFILE],... e.g. 老年人:elderly,残疾人:wheelchair,儿童 (adds covered_<COL>, "
        "groups.csv, groups_uncovered.csv)",
    )
    p.add_argument(
        "--access",
        help="accessibility on the walks within the threshold: 2sfca, e2sfca or gaussian; "
        "supply is --staff-col (alone is enough), else --capacity-col, else 1 per station "
        "(adds access_<method> per 1,000 households)",
    )
    p.add_argument(
        "--access-level",
        type=float,
        help="with --access: report the share of households below this level (default half the mean)",
    )


def _add_siting_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    also = "" if required else "also propose "
    goal = p.add_mutually_exclusive_group(required=required)
    goal.add_argument("--k", type=int, help=f"{also}this many new sites (maximal covering)")
    goal.add_argument(
        "--target",
        help=f"{also}the fewest sites to cover this share of all households: 0.85 or 85%% (set covering)",
    )
    p.add_argument("--candidates", help="candidate sites file (default: network locations near gaps)")
    p.add_argument(
        "--candidate-crs",
        help="CRS of --candidates (default --crs; never applied to the automatic "
        "candidates, which are WGS-84)",
    )
    p.add_argument(
        "--spacing-m", type=float, default=150.0, help="spacing of automatic candidates (default 150 m)"
    )
    p.add_argument("--min-spacing-m", type=float, help="minimum distance between new sites")
    p.add_argument(
        "--method", choices=["exact", "greedy"], default="exact", help="solver (default exact MILP)"
    )
    p.add_argument("--time-limit-s", type=float, default=60.0, help="solver time limit (default 60 s)")
    p.add_argument(
        "--new-capacity",
        type=float,
        help="with station capacities: households a new station can serve (capacitated siting, --k)",
    )
    p.add_argument("--new-staff", type=float, help="with --caseload: social workers of a new station")
    _add_objective_options(p)


# ------------------------------------------------------------- siting objectives and group weights (issue 25)
def _add_objective_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--objective",
        choices=["coverage", "median", "center"],
        default="coverage",
        help="what the --k sites optimise: coverage (most households within the threshold, default), "
        "median (shortest total, so average, walk) or center (shortest longest walk)",
    )
    p.add_argument(
        "--weight-groups",
        help="value groups more in siting: columns of --households counting each group's households, "
        "with their weight, e.g. 老年人=2,残疾人=3 (everyone else counts 1)",
    )
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
            msg = (
                f"--weight-groups {text!r}: give column=weight pairs separated by commas, "
                "like 老年人=2,残疾人=3 "
                f"(the weight a number of 0 or more; {part.strip()!r} is not)."
            )
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
    return {
        "objective": args.objective,
        "weight_groups": _weight_groups(args.weight_groups),
        "siting_weight": args.siting_weight,
    }


def _add_map_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map", help="where to write the HTML map (default OUT/map.html)")
    p.add_argument(
        "--png", nargs="?", const="", default=None, help="also write a PNG map (default OUT/map.png)"
    )
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
    _add_walls_options(a)

    i = sub.add_parser("isochrones", help="walking isochrones of stations")
    _add_common(i, households=False)
    i.add_argument("--out", required=True, help="output folder")

    s = sub.add_parser("site", help="choose new station sites for the uncovered households")
    _add_common(s)
    _add_siting_options(s, required=True)
    s.add_argument(
        "--with-gates",
        action="store_true",
        help="with --compounds/--gates: also the best gate openings, and both weighed together "
        "(gate_sites.csv, combined_sites.csv)",
    )
    s.add_argument(
        "--gate-spacing-m",
        type=float,
        default=30.0,
        help="with --with-gates: spacing of candidate openings along each outline (default 30 m)",
    )
    s.add_argument("--out", required=True, help="output folder")
    _add_map_options(s)

    pack = (
        "the meeting pack: map.html, brief.pdf (printable A4 pages), summary.xlsx, map.png, coverage.gpkg, "
        "CSVs, manifest.json"
    )
    r = sub.add_parser("report", help=pack, description=pack)
    _add_common(r)
    _add_siting_options(r, required=False)
    r.add_argument("--areas", help="street/community boundaries (any vector format) for the by-area table")
    r.add_argument("--area-name", help="name column of --areas (default: name / 名称)")
    r.add_argument("--area-id-col", help="id column of --areas (areas with the same name stay apart)")
    r.add_argument(
        "--area-crs",
        help="CRS of --areas: when the file has none, or gcj02/bd09 for outlines drawn on "
        "a web map (default: the file's own; --crs never applies to the areas)",
    )
    r.add_argument(
        "--area-target", default="0.85", help="share each area should reach: 0.85 or 85%% (default 0.85)"
    )
    r.add_argument("--lang", choices=["en", "zh"], default="en", help="labels: en or zh")
    r.add_argument("--no-brief", action="store_true", help="skip brief.pdf, the printable A4 pages")
    r.add_argument("--out", required=True, help="output folder")

    _add_demand_parser(sub)
    _add_geocode_parser(sub)
    g = sub.add_parser(
        "site-gates", help="where to cut new gates in gated compounds (with --compounds, --gates)"
    )
    _add_common(g)
    _add_gate_siting_options(g)
    g.add_argument("--out", required=True, help="output folder")
    _add_map_options(g)

    d = sub.add_parser("demo", help="run the analysis on the embedded data (Harbin 红旗街道, 15 minutes)")
    d.add_argument(
        "--city",
        choices=["hongqi", "helsinki"],
        default="hongqi",
        help="hongqi: Harbin 红旗街道 at 15 min (default); helsinki: central Helsinki at 5 min",
    )
    d.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    d.add_argument("--map", help="map file (default OUT/map.html)")
    d.add_argument("--lang", choices=["en", "zh"], default="en", help="map labels")
    d.add_argument(
        "--from-totals",
        action="store_true",
        help="start as a department does (hongqi only): a 社区 spreadsheet of households and elderly "
        "residents and a station list by name and address; runs demand, geocode and analyze",
    )
    return parser


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("coverage")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    root.propagate = False


# ---------------------------------------------------------------- parsing helpers (no work done here)
def _rules(args, bands: list[float] | None = None):
    """The run's walking rules (coverage.options.WalkRules), validated once; ``bands`` for isochrones."""
    from .options import WalkRules

    if bands is not None:
        return WalkRules.for_bands(
            bands, profile=args.profile, speed_kph=args.speed_kmh, max_snap_m=args.max_snap_m
        )
    return WalkRules.of(
        minutes=args.minutes,
        profile=args.profile,
        speed_kph=args.speed_kmh,
        max_snap_m=args.max_snap_m,
        horizon_min=args.horizon_min,
    )


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
        "rules": args.rules,
        "weight": args.weight,
        "crs": args.crs,
        "id_col": args.id_col,
        "station_id_col": args.station_id_col,
        "household_id_col": args.household_id_col,
        "station_options": _options(args, "station"),
        "household_options": _options(args, "household"),
        "progress": progress,
        "capacity": args.capacity_col,
        "staff": args.staff_col,
        "caseload": args.caseload,
        "default_capacity": args.default_capacity,
        **_gate_kwargs(args),
        **_people_kwargs(args),
    }


def _people_kwargs(args) -> dict:
    """--groups and --access (checked by the library); empty when neither is given
    (tiled runs take neither)."""
    if getattr(args, "access_level", None) is not None and getattr(args, "access", None) is None:
        msg = "--access-level needs --access (2sfca, e2sfca or gaussian)."
        raise CoverageInputError(msg)
    out = {}
    if getattr(args, "groups", None):
        out["groups"] = [g for g in args.groups.split(",") if g.strip()]
    if getattr(args, "access", None):
        out.update(access=args.access, access_level=args.access_level)
    if out and getattr(args, "tiles", None):
        msg = "--groups and --access do not run with --tiles yet; run them per city or district."
        raise CoverageInputError(msg)
    return out


def _gate_kwargs(args) -> dict:
    return {
        "compounds": args.compounds,
        "gates": args.gates,
        "compound_id_col": args.compound_id_col,
        "compound_options": _options(args, "compound"),
        "gate_options": _options(args, "gate"),
    }


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
        msg = (
            f"{what} asks for capacitated siting, which needs the stations' capacities: give --capacity-col "
            "(households per station) or --staff-col with --caseload."
        )
        raise CoverageInputError(msg)
    return {
        "new_capacity": new_capacity,
        "k": args.k,
        "target_share": target,
        "candidates": args.candidates,
        "spacing_m": args.spacing_m,
        "min_spacing_m": args.min_spacing_m,
        "method": args.method,
        "time_limit_s": args.time_limit_s,
        "curve_max_k": max(10, args.k or 0),
        "id_col": args.id_col,
        "crs": args.candidate_crs or args.crs,
        **_objective_kwargs(args),
    }


def _map_kwargs(args) -> dict:
    """The map options of the writer (coverage.output.files.write_run)."""
    png = getattr(args, "png", None)
    map_path = getattr(args, "map", None)
    if map_path and Path(map_path).suffix.lower() not in (".html", ".htm"):
        msg = f"--map '{map_path}': the map is a web page; give a file ending in .html."
        raise CoverageInputError(msg)
    if png and Path(png).suffix.lower() != ".png":
        msg = f"--png '{png}': the picture must be a .png file."
        raise CoverageInputError(msg)
    return {"map_path": map_path, "png": png is not None, "png_path": png or None, "lang": args.lang}


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
    from .output.files import OUTPUTS

    inputs = [
        getattr(args, k, None)
        for k in (
            "network",
            "stations",
            "households",
            "candidates",
            "areas",
            "compounds",
            "gates",
            "tiles",
            "add_gates",
            "add_paths",
        )
    ]
    inputs = [p for p in inputs if p is None or str(p).lower() != "osm"]
    planned = list(OUTPUTS[command]) + [
        p for p in (getattr(args, "map", None), getattr(args, "png", None)) if p
    ]
    return OutputFolder(args.out, inputs=inputs, planned=planned)


def _load(args):
    from .network import load_network

    return load_network(args.network, cache=not args.no_cache, elevated_roads=args.elevated_roads)


def _check_run_options(args) -> None:
    """Options that only make sense together, and --no-cache for every cache (before any work)."""
    if getattr(args, "scheduler", None) and not getattr(args, "tiles", None):
        msg = (
            f"--scheduler {args.scheduler} runs tiles on Dask: "
            "it needs --tiles (grid:METRES or a tiles file)."
        )
        raise CoverageInputError(msg)
    from .crs import parse_crs

    for key in (
        "crs",
        "station_crs",
        "household_crs",
        "compound_crs",
        "gate_crs",
        "candidate_crs",
        "add_gates_crs",
        "path_crs",
        "area_crs",
    ):
        if getattr(args, key, None) is not None:
            parse_crs(getattr(args, key), "--" + key.replace("_", "-"))
    if getattr(args, "no_cache", False):
        settings.use_cache = False
    if args.command in (
        "analyze",
        "site",
        "report",
        "site-gates",
    ):  # the walking rules, validated once, first
        args.rules = _rules(args)
    elif args.command == "isochrones":
        args.rules = _rules(args, _minutes_list(args.minutes))


# ---------------------------------------------------------------- commands
# Each command goes one way: read and locate (assess), analyse (coverage.products.analyse), then the one
# writer (coverage.output.files.write_run), which writes manifest.json last.
def _map_products(
    result, *, isochrones=None, sites=None, network_layer: bool = False, lang: str = "en", scenario=None
):
    """What the map of a command draws: isochrones and gaps, the what-if table, the street basemap."""
    from .products import analyse

    return analyse(
        result,
        isochrones=isochrones,
        sites=sites,
        what_if=True,
        streets=True,
        network_layer=network_layer,
        lang=lang,
        scenario=scenario,
    )


def cmd_analyze(args) -> int:
    from .assessment import assess
    from .output.files import write_run

    t0 = time.perf_counter()
    maps = _map_kwargs(args)
    out = _out_folder(args, "analyze")
    if args.tiles:
        return _analyze_tiled(args, out, t0)
    result = assess(_load(args), args.stations, args.households, **_assess_kwargs(args, progress=True))
    result = _walls_what_if(args, result)
    products = _map_products(result, lang=args.lang, network_layer=args.network_layer)
    files = write_run(
        products,
        out,
        command="analyze",
        **maps,
        manifest={"command": "analyze", "summary": result.summary.to_dict()},
    )
    print(result.summary.text(lang=args.lang))
    print(
        f"Wrote {len(files) - 1} files to {args.out} (map: {files['map']}) "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    return 0


def _tiled(args, out, *, isochrones: bool = True, siting: dict | None = None):
    """The tiled steps of a command on one Dask cluster: (result, isochrones or None, sites or None)."""
    from .tiles.run import assess_tiled, dask_client, isochrones_tiled, need_dask, suggest_sites_tiled

    need_dask()
    sk = siting or {}
    unsupported = [
        o
        for o, v in (
            ("--new-capacity", sk.get("new_capacity")),
            ("--objective", sk.get("objective", "coverage") != "coverage"),
            ("--weight-groups", sk.get("weight_groups")),
            ("--siting-weight", sk.get("siting_weight")),
        )
        if v
    ]
    if unsupported:
        msg = (
            f"--tiles does not yet combine with {', '.join(unsupported)}; run those per city without --tiles."
        )
        raise CoverageInputError(msg)
    kw = _assess_kwargs(args)
    kw.pop("progress", None)
    net = _load(args)
    iso = sites = None
    with dask_client(args.scheduler) as client:
        result = assess_tiled(
            net, args.stations, args.households, tiles=args.tiles, scheduler=client, out_dir=out, **kw
        )
        if isochrones:
            iso = isochrones_tiled(
                net,
                args.stations,
                tiles=args.tiles,
                scheduler=client,
                crs=args.crs,
                id_col=kw["station_id_col"] or args.id_col,
                rules=_rules(args, result.bands_min),
                read_options=_options(args, "station"),
                halo=result.params["network_halo_m"],
                gate_rule=result.gate_rule,
            )
        if siting is not None:
            siting = {
                k: v
                for k, v in siting.items()
                if k not in ("new_capacity", "objective", "weight_groups", "siting_weight")
            }
            sites = suggest_sites_tiled(result, net, scheduler=client, **siting)
    return result, iso, sites


def _analyze_tiled(args, out, t0) -> int:
    from .output.files import write_run
    from .products import analyse

    result, iso, _ = _tiled(args, out)
    files = write_run(
        analyse(result, isochrones=iso),
        out,
        command="analyze",
        manifest={"command": "analyze", "tiles": args.tiles, "summary": result.summary.to_dict()},
    )
    print(result.summary.text(lang=args.lang))
    print(
        f"{result.params['n_tiles']} tiles; wrote {len(files) - 1} files "
        f"and the tiles' GeoParquet to {args.out} in {time.perf_counter() - t0:.1f} s "
        "(the interactive map is drawn per city or district, without --tiles)"
    )
    return 0


def cmd_isochrones(args) -> int:
    from .isochrones import isochrones_for_stations
    from .output.files import write_run
    from .products import isochrone_products

    bands = _minutes_list(args.minutes)
    out = _out_folder(args, "isochrones")
    common = {
        "crs": args.crs,
        "id_col": args.station_id_col or args.id_col,
        "rules": args.rules,
        "read_options": _options(args, "station"),
        **_gate_kwargs(args),
    }
    if args.tiles:
        from .tiles.run import isochrones_tiled

        iso = isochrones_tiled(
            _load(args), args.stations, tiles=args.tiles, scheduler=args.scheduler, **common
        )
    else:
        iso = isochrones_for_stations(_load(args), args.stations, **common)
    tiled = {"tiles": args.tiles} if args.tiles else {}
    files = write_run(
        isochrone_products(iso),
        out,
        command="isochrones",
        manifest={"command": "isochrones", "minutes": bands, **tiled},
    )
    files.pop("manifest")
    print(
        f"Isochrones for {iso[0]['station_id'].nunique()} stations x {len(bands)} bands"
        f"{', tile by tile' if args.tiles else ''}: {', '.join(files.values())}"
    )
    return 0


def cmd_demo(args) -> int:
    from ._files import OutputFolder
    from .assessment import assess
    from .demo import DEMO_GROUPS, DEMO_GROUPS_CLI, DEMO_MINUTES, TITLES, demo_inputs, write_demo_inputs
    from .network import load_network
    from .output.files import OUTPUTS, write_run

    maps = _map_kwargs(args)
    if args.from_totals:
        return _demo_from_totals(args, maps)
    out = OutputFolder(args.out, planned=OUTPUTS["demo"])
    path, stations, households = demo_inputs(args.city)
    st_csv, hh_csv = write_demo_inputs(
        Path(args.out) / "inputs", args.city, inputs=(path, stations, households)
    )
    minutes = DEMO_MINUTES[args.city]
    people = (
        {"groups": DEMO_GROUPS, "access": "2sfca", "staff": "social_workers"} if args.city == "hongqi" else {}
    )
    result = assess(load_network(path), stations, households, minutes=minutes, weight="households", **people)
    files = write_run(
        _map_products(result, lang=args.lang),
        out,
        command="demo",
        **maps,
        manifest={"command": "demo", "city": args.city},
    )
    print(
        f"Demo: {TITLES[args.city]}, {minutes:g}-minute walk "
        "(OpenStreetMap data © OpenStreetMap contributors, ODbL)"
    )
    print(result.summary.text(lang=args.lang))
    print(f"Wrote {len(files) - 1} result files to {args.out}; map: {files['map']}")
    weight = "户数" if args.city == "hongqi" else "households"
    more = f"--groups {DEMO_GROUPS_CLI} --access 2sfca --staff-col 社工 " if people else ""
    q = _shell_quote  # the folder's name is text from the user: quoted, the command runs as printed
    print(
        f"Its inputs, as a planner's files look, are in {st_csv.parent}: rerun them with\n"
        f"  service-coverage analyze --network {q(path)} --stations {q(st_csv)} --households {q(hh_csv)} "
        f"--weight {weight} --minutes {minutes:g} {more}--out my-output"
    )
    return 0


def _demo_from_totals(args, maps: dict) -> int:
    """The demo from community totals and a station list: demand, geocode and analyze,
    as the commands would."""
    from ._files import OutputFolder
    from .assessment import assess
    from .demand import from_buildings, from_totals
    from .demo import DEMO_MINUTES, HONGQI_PBF, TITLES, write_demo_station_list, write_demo_totals
    from .geocoding import geocode
    from .network import load_network
    from .output.files import OUTPUTS, write_run
    from .output.prepared import write_demand, write_geocoded

    if args.city != "hongqi":
        msg = f"--from-totals runs on the 红旗街道 demo only; drop --city {args.city} or --from-totals."
        raise CoverageInputError(msg)
    root = Path(args.out)
    out = OutputFolder(root, planned=OUTPUTS["demo"])
    net, minutes = str(HONGQI_PBF), DEMO_MINUTES["hongqi"]
    totals = write_demo_totals(root / "inputs")
    station_list = write_demo_station_list(root / "inputs")
    steps = {"demand": root / "demand", "geocode": root / "stations"}
    d_out = OutputFolder(steps["demand"], inputs=[totals, net], planned=OUTPUTS["demand"])
    demand = from_totals(totals, from_buildings(net), total_col="户数", group_cols=["老年人"], crs="gcj02")
    write_demand(demand, d_out, extra={"inputs": {"network": net, "buildings": "osm", "totals": str(totals)}})
    d_out.finish(extra={"command": "demand", "summary": demand.summary.as_dict()})
    g_out = OutputFolder(steps["geocode"], inputs=[station_list, net], planned=OUTPUTS["geocode"])
    placed = geocode(station_list, extract=net, address_col="地址", name_col="名称")
    write_geocoded(placed, g_out, extra={"table": str(station_list), "network": net, "provider": None})
    g_out.finish(extra={"command": "geocode"})
    result = assess(
        load_network(net),
        g_out.path("geocoded.csv"),
        d_out.path("households.csv"),
        minutes=minutes,
        weight="households",
    )
    files = write_run(
        _map_products(result, lang=args.lang),
        out,
        command="demo",
        **maps,
        manifest={"command": "demo", "city": "hongqi", "from_totals": True},
    )
    q = placed["quality"].value_counts()
    print(
        f"Demo from community totals: {TITLES['hongqi']}, {minutes:g}-minute walk "
        "(OpenStreetMap data © OpenStreetMap contributors, ODbL; 社区 outlines and figures are made up)"
    )
    print("1. demand: " + "; ".join(demand.summary.lines()[:3]))
    print(
        f"2. geocode: {int((placed['status'] == 'found').sum())} of {len(placed)} stations placed "
        "from the extract "
        f"({', '.join(f'{k} {int(v)}' for k, v in q.items())})"
    )
    print("3. " + result.summary.text(lang=args.lang))
    sq = _shell_quote  # folder names are text from the user: quoted, the commands run as printed
    print(
        f"Wrote {len(files)} result files to {args.out} (map: {files['map']}), the steps' files to "
        f"{steps['demand']} and {steps['geocode']}. Rerun the steps on the inputs in {totals.parent} with\n"
        f"  service-coverage demand --network {sq(net)} --buildings osm --totals {sq(totals)} "
        f"--total-col 户数 --group-cols 老年人 --crs gcj02 --out my-demand\n"
        f"  service-coverage geocode {sq(station_list)} --address-col 地址 --name-col 名称 "
        f"--network {sq(net)} --out my-stations\n"
        f"  service-coverage analyze --network {sq(net)} --stations my-stations/geocoded.csv "
        f"--households my-demand/households.csv --weight households --minutes {minutes:g} --out my-output"
    )
    return 0


def _shell_quote(path) -> str:
    """A path as one word of a command line typed into this system's shell."""
    import os
    import shlex
    import subprocess

    return subprocess.list2cmdline([str(path)]) if os.name == "nt" else shlex.quote(str(path))


def cmd_site(args) -> int:
    from .assessment import assess
    from .output.files import write_run
    from .products import analyse
    from .siting import suggest_sites

    maps = _map_kwargs(args)
    siting = _siting_kwargs(args)
    _check_with_gates(args, siting)
    out = _out_folder(args, "site")
    if args.tiles:
        result, _, sr = _tiled(args, out, isochrones=False, siting=siting)
        products = analyse(result, sites=sr, lang=args.lang)
    else:
        result = assess(_load(args), args.stations, args.households, **_assess_kwargs(args))
        sr = suggest_sites(result, **siting)
        products = analyse(
            result,
            sites=sr,
            gaps=False,
            what_if=True,
            streets=True,
            network_layer=args.network_layer,
            lang=args.lang,
        )
    with_gates = (
        _site_with_gates(args, result, sr, siting, out) if getattr(args, "with_gates", False) else None
    )
    files = write_run(
        products, out, command="site", **maps, manifest={"command": "site", "siting": sr.summary}
    )
    files.pop("manifest")
    if with_gates:
        files.update(with_gates[0])
    print(result.summary.text(lang=args.lang))
    print(sr.text(lang=args.lang))
    if with_gates:
        print(with_gates[1])
    print(f"Wrote {', '.join(Path(f).name for f in files.values())} to {args.out}")
    return 0


def cmd_report(args) -> int:
    from .assessment import assess
    from .output.files import write_run
    from .products import analyse
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
    products = analyse(
        result,
        isochrones=iso,
        sites=sites,
        what_if=True,
        streets=True,
        areas=args.areas,
        area_name_col=args.area_name,
        area_id_col=args.area_id_col,
        area_crs=args.area_crs,
        target_share=area_target,
        lang=args.lang,
    )
    files = write_run(
        products,
        out,
        command="report",
        lang=args.lang,
        png=True,
        brief=not args.no_brief,
        manifest={"command": "report"},
    )
    print(result.summary.text(lang=args.lang))
    if sites is not None:
        print(sites.text(lang=args.lang))
    print(
        f"Meeting pack in {args.out}: {', '.join(sorted(Path(f).name for f in files.values()))} "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return 0


# ---------------------------------------------------------------- prepared inputs: demand and geocode
#: Defaults of coverage.demand, for the help text (tests check they agree, so that --help needs no import).
_M2_PER_HOUSEHOLD = 92.17
_PEOPLE_PER_HOUSEHOLD = 2.62


def _add_demand_parser(sub) -> None:
    p = sub.add_parser(
        "demand",
        help="household points from buildings, community (社区) totals or a population grid",
        description="Household points that analyze --households reads as they are: "
        "one per residential building, "
        "from the buildings alone (footprint x floors), from each community's totals spread onto its "
        "buildings (kept exactly), or from a population grid.",
    )
    p.add_argument("--network", help="OSM extract (.osm.pbf, .osm, .osm.bz2); read for --buildings osm")
    p.add_argument(
        "--buildings",
        default="osm",
        help="osm (the --network extract's residential buildings, the default), a file of building "
        "outlines (GeoPackage, GeoJSON, Shapefile, CSV/Excel with WKT), or none (one point per "
        "polygon or grid cell)",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--totals",
        help="community polygons with their totals: GeoPackage, GeoJSON, Shapefile, "
        "or CSV/Excel with a WKT outline column (几何/边界/wkt)",
    )
    source.add_argument(
        "--population",
        action="append",
        help="GeoTIFF of people per cell, any CRS (repeat for tiles of one grid)",
    )
    p.add_argument(
        "--total-col",
        help="households column of --totals, e.g. 户数 (default households; also finds 户数/住户数/总户数)",
    )
    p.add_argument(
        "--group-cols", help="more count columns of --totals, comma-separated, e.g. 老年人,独居老人"
    )
    p.add_argument("--totals-id-col", help="id column of --totals (default id/编号/编码, else 1, 2, ...)")
    p.add_argument("--totals-name-col", help="name column of --totals (default name/名称/社区名称/社区)")
    p.add_argument("--totals-sheet", help="Excel sheet of --totals (default the first)")
    p.add_argument("--totals-layer", help="GeoPackage layer of --totals")
    p.add_argument("--totals-crs", help="CRS of --totals (default --crs)")
    p.add_argument("--band", type=int, help="with --population: band of the counts (default 1)")
    p.add_argument(
        "--people-per-household",
        type=float,
        help=f"with --population: people per household (default {_PEOPLE_PER_HOUSEHOLD:g}, the 2020 "
        "census average)",
    )
    p.add_argument(
        "--group-grid",
        action="append",
        metavar="NAME=FILE",
        help="with --population: a group's people per cell, e.g. 65岁以上=pop65.tif (repeat per group)",
    )
    p.add_argument(
        "--area", help="with --population: study area polygons (default the cells spanned by the buildings)"
    )
    p.add_argument(
        "--m2-per-household",
        type=float,
        help=f"from buildings alone: floor area per household in m² (default {_M2_PER_HOUSEHOLD:g}, "
        "the 2020 census' urban average)",
    )
    p.add_argument(
        "--default-levels",
        type=float,
        help="floors of buildings without building:levels or height (default by type: 6 for flats and "
        "untyped buildings, 2 for houses, 1 for bungalows)",
    )
    p.add_argument(
        "--building-id-col", help="id column of a --buildings file (default id/编号, else b1, b2, ...)"
    )
    p.add_argument("--levels-col", help="floors column of a --buildings file (default levels/层数/楼层)")
    p.add_argument("--building-type-col", help="type column of a --buildings file (default building/类型)")
    p.add_argument(
        "--floor-area-col",
        help="floor area column (m²) of a --buildings file (default floor_area_m2/建筑面积)",
    )
    p.add_argument("--building-sheet", help="Excel sheet of a --buildings file")
    p.add_argument("--building-layer", help="GeoPackage layer of a --buildings file")
    p.add_argument("--building-crs", help="CRS of a --buildings file (default --crs)")
    p.add_argument(
        "--crs",
        help="CRS of every input file that has none: gcj02 (Amap/Tencent), bd09 (Baidu), wgs84 "
        "or EPSG:code (GCJ-02/BD-09 are always applied to longitude/latitude)",
    )
    p.add_argument("--out", required=True, help="output folder")


def _add_geocode_parser(sub) -> None:
    p = sub.add_parser(
        "geocode",
        help="stations given by address or name to coordinates (offline from the extract first)",
        description="Place every row of a stations table by its address (红旗大街148号) and/or name: "
        "offline from "
        "the OSM extract, online (Amap, Tianditu, Nominatim) only when asked, with your key. Rows that "
        "cannot be placed are kept with status not_found.",
    )
    p.add_argument("table", help="CSV (any common encoding) or Excel table of stations")
    p.add_argument("--address-col", help="address column (default address/地址/详细地址/站点地址 ...)")
    p.add_argument("--name-col", help="name column (default name/名称/站点名称/站名 ...)")
    p.add_argument("--network", help="OSM extract to place rows offline (needed unless --provider)")
    p.add_argument(
        "--provider",
        choices=["amap", "tianditu", "nominatim"],
        help="ask this online service for the rows the extract could not place exactly",
    )
    p.add_argument(
        "--key",
        help="the provider's key (default from SERVICE_COVERAGE_AMAP_KEY / SERVICE_COVERAGE_TIANDITU_KEY)",
    )
    p.add_argument("--city", help="city for the online provider, e.g. 哈尔滨")
    p.add_argument(
        "--online-for",
        choices=["not_exact", "not_found", "all"],
        default="not_exact",
        help="rows sent online: not_exact (default), not_found or all",
    )
    p.add_argument(
        "--min-score", type=float, default=0.6, help="lowest name similarity accepted (default 0.6)"
    )
    p.add_argument("--sheet", help="Excel sheet (default the first)")
    p.add_argument(
        "--no-cache", action="store_true", help="rebuild the extract's index; ask the provider afresh"
    )
    p.add_argument("--out", required=True, help="output folder")


def _split_list(text: str | None) -> list[str]:
    """'老年人,独居老人' (also with ，、 or ;) as a list."""
    if text is None:
        return []
    import re

    return [t.strip() for t in re.split(r"[,，、;；]", text) if t.strip()]


def _demand_checks(args) -> None:
    """Options that belong to another source, or are missing: one line each, before any work."""
    from .crs import parse_crs

    for key in ("crs", "totals_crs", "building_crs"):
        if getattr(args, key) is not None:
            parse_crs(getattr(args, key), "--" + key.replace("_", "-"))
    misplaced = [
        (opt, need)
        for opt, value, need in (
            ("--total-col", args.total_col, "totals"),
            ("--group-cols", args.group_cols, "totals"),
            ("--totals-id-col", args.totals_id_col, "totals"),
            ("--totals-name-col", args.totals_name_col, "totals"),
            ("--totals-sheet", args.totals_sheet, "totals"),
            ("--totals-layer", args.totals_layer, "totals"),
            ("--totals-crs", args.totals_crs, "totals"),
            ("--band", args.band, "population"),
            ("--people-per-household", args.people_per_household, "population"),
            ("--group-grid", args.group_grid, "population"),
            ("--area", args.area, "population"),
        )
        if value is not None and getattr(args, need) is None
    ]
    if misplaced:
        opt, need = misplaced[0]
        msg = f"{opt} belongs with --{need}, which is not given; add --{need} FILE or drop {opt}."
        raise CoverageInputError(msg)
    if args.m2_per_household is not None and (args.totals or args.population):
        src = "--totals" if args.totals else "--population"
        msg = (
            f"--m2-per-household sets households from floor area alone; with {src} the households come from "
            "the file, so drop it (floor area only weights the buildings)."
        )
        raise CoverageInputError(msg)
    b = str(args.buildings).strip().lower()
    if b == "osm" and args.network is None:
        msg = (
            "--buildings osm reads the residential buildings of --network: give --network city.osm.pbf, or a "
            "buildings file with --buildings FILE."
        )
        raise CoverageInputError(msg)
    if b == "none" and not (args.totals or args.population):
        msg = (
            "--buildings none leaves nothing to place households on: "
            "give --totals FILE or --population F.tif."
        )
        raise CoverageInputError(msg)
    file_opts = [
        o
        for o, v in (
            ("--building-id-col", args.building_id_col),
            ("--levels-col", args.levels_col),
            ("--building-type-col", args.building_type_col),
            ("--floor-area-col", args.floor_area_col),
            ("--building-sheet", args.building_sheet),
            ("--building-layer", args.building_layer),
            ("--building-crs", args.building_crs),
        )
        if v is not None
    ]
    if file_opts and b in ("osm", "none"):
        msg = f"{file_opts[0]} describes a buildings file, but --buildings is {b}; give --buildings FILE."
        raise CoverageInputError(msg)
    for item in args.group_grid or []:
        name, sep, path = item.partition("=")
        if not (sep and name.strip() and path.strip()):
            msg = f"--group-grid {item!r} must be NAME=FILE, e.g. --group-grid 65岁以上=pop65.tif."
            raise CoverageInputError(msg)


def cmd_demand(args) -> int:
    from ._files import OutputFolder
    from .demand import from_buildings, from_grid, from_totals
    from .output.files import OUTPUTS
    from .output.prepared import write_demand

    t0 = time.perf_counter()
    _demand_checks(args)
    b = str(args.buildings).strip().lower()
    groups = dict(item.split("=", 1) for item in args.group_grid or [])
    groups = {k.strip(): v.strip() for k, v in groups.items()}
    inputs = [
        args.totals,
        args.area,
        *(args.population or []),
        *groups.values(),
        args.network if b == "osm" else None,
        None if b in ("osm", "none") else args.buildings,
    ]
    out = OutputFolder(args.out, inputs=inputs, planned=OUTPUTS["demand"])
    buildings = None
    if b != "none":
        buildings = from_buildings(
            args.network if b == "osm" else args.buildings,
            default_levels=args.default_levels,
            id_col=args.building_id_col,
            levels_col=args.levels_col,
            type_col=args.building_type_col,
            floor_area_col=args.floor_area_col,
            crs=args.building_crs or args.crs,
            layer=args.building_layer,
            sheet=args.building_sheet,
            **({} if args.m2_per_household is None else {"m2_per_household": args.m2_per_household}),
        )
    if args.totals:
        result = from_totals(
            args.totals,
            buildings,
            total_col=args.total_col or "households",
            group_cols=_split_list(args.group_cols),
            id_col=args.totals_id_col,
            name_col=args.totals_name_col,
            crs=args.totals_crs or args.crs,
            layer=args.totals_layer,
            sheet=args.totals_sheet,
        )
    elif args.population:
        area = None
        if args.area:
            from .io import read_polygons

            area = read_polygons(args.area, role="area", crs=args.crs).frame
        kw = {} if args.people_per_household is None else {"people_per_household": args.people_per_household}
        result = from_grid(
            args.population if len(args.population) > 1 else args.population[0],
            buildings,
            band=args.band or 1,
            group_rasters=groups or None,
            area=area,
            **kw,
        )
    else:  # from the buildings alone (_demand_checks refused --buildings none without --totals/--population)
        assert buildings is not None
        result = buildings
    inputs_doc = {
        "network": args.network if b == "osm" else None,
        "buildings": args.buildings,
        "totals": args.totals,
        "population": args.population,
        "group_grids": groups or None,
    }
    files = write_demand(result, out, extra={"inputs": inputs_doc})
    out.finish(extra={"command": "demand", "summary": result.summary.as_dict()})
    print("\n".join(result.summary.lines()))
    if result.zones is not None:
        nb = result.zones[result.zones["status"] == "no_building"]
        if len(nb):
            shown = ", ".join(
                f"{z} (row {r})" for z, r in zip(nb["zone_id"][:5], nb["input_row"][:5], strict=True)
            )
            more = f" and {len(nb) - 5} more" if len(nb) > 5 else ""
            print(
                f"{len(nb)} polygons have no residential building, each got one point inside it: "
                f"{shown}{more} "
                "(status no_building in zones.csv)"
            )
    print(
        f"Wrote {', '.join(Path(f).name for f in files.values())} to {args.out} "
        f"in {time.perf_counter() - t0:.1f} s. Next:\n  service-coverage analyze --network "
        f"{args.network or 'city.osm.pbf'} --stations STATIONS --households {out.path('households.csv')} "
        "--weight households --out results"
    )
    return 0


def cmd_geocode(args) -> int:
    from ._files import OutputFolder
    from .geocoding import QUALITIES, geocode
    from .output.files import OUTPUTS
    from .output.prepared import write_geocoded

    if args.network is None and args.provider is None:
        msg = (
            "geocode needs --network city.osm.pbf (offline, from the extract) or --provider "
            "amap|tianditu|nominatim (online, with --key)."
        )
        raise CoverageInputError(msg)
    if args.key is not None and args.provider is None:
        msg = "--key is for an online provider: add --provider amap|tianditu|nominatim, or drop --key."
        raise CoverageInputError(msg)
    for opt, value in (
        ("--city", args.city),
        ("--online-for", None if args.online_for == "not_exact" else args.online_for),
    ):
        if value is not None and args.provider is None:
            msg = (
                f"{opt} applies to an online provider: add --provider amap|tianditu|nominatim, or drop {opt}."
            )
            raise CoverageInputError(msg)
    if args.no_cache:
        settings.use_cache = False
    t0 = time.perf_counter()
    out = OutputFolder(args.out, inputs=[args.table, args.network], planned=OUTPUTS["geocode"])
    table = geocode(
        args.table,
        extract=args.network,
        address_col=args.address_col,
        name_col=args.name_col,
        provider=args.provider,
        key=args.key,
        city=args.city,
        online_for=args.online_for,
        min_score=args.min_score,
        sheet=args.sheet,
    )
    files = write_geocoded(
        table, out, extra={"table": args.table, "network": args.network, "provider": args.provider}
    )
    out.finish(extra={"command": "geocode"})
    n = len(table)
    q = table["quality"].value_counts()
    found = int((table["status"] == "found").sum())
    print(f"Placed {found} of {n} rows: " + ", ".join(f"{k} {int(q[k])}" for k in QUALITIES if k in q))
    rows = table.attrs.get("rows")
    numbers = list(rows) if rows is not None and len(rows) == n else [i + 2 for i in range(n)]
    missing = [i for i in range(n) if table["status"].iloc[i] == "not_found"]
    for i in missing[:10]:
        print(f"  not found, row {numbers[i]}: {table['note'].iloc[i]}")
    if len(missing) > 10:
        print(f"  ... and {len(missing) - 10} more (status not_found in geocoded.csv)")
    loose = [i for i in range(n) if table["quality"].iloc[i] in ("street", "name")]
    if loose:
        print(f"{len(loose)} rows are placed by street or by a similar name only; check them:")
        for i in loose[:10]:
            ref = table["osm_id"].iloc[i] or table["match_source"].iloc[i]
            print(
                f"  row {numbers[i]} ({table['quality'].iloc[i]}): "
                f"placed at {table['matched'].iloc[i]} ({ref})"
            )
        if len(loose) > 10:
            print(f"  ... and {len(loose) - 10} more (the quality, matched and note columns of geocoded.csv)")
    print(
        f"Wrote {', '.join(Path(f).name for f in files.values())} to {args.out} in "
        f"{time.perf_counter() - t0:.1f} s; not_found rows stay in it and analyze reports them as invalid."
    )
    return 0


# ------------------------------------------------------------ open the walls: gate, path and closure what-ifs
def _add_walls_options(p: argparse.ArgumentParser) -> None:
    w = p.add_argument_group(
        "what-if: gates, opened compounds, new paths, closed ways (with --compounds/--gates "
        "for the first two)"
    )
    w.add_argument("--add-gates", help="new gates: points file (same formats as --gates; new gate ids)")
    w.add_argument("--add-gates-crs", help="CRS of --add-gates (default --gate-crs, then --crs)")
    w.add_argument("--open-compounds", help="compound ids whose walls are opened, comma-separated")
    w.add_argument(
        "--add-paths",
        help="new footpaths: lines (GeoJSON, GeoPackage), joined to the streets they cross "
        "or end on within 5 m",
    )
    w.add_argument(
        "--path-crs", help="CRS of --add-paths when the file has none, or gcj02/bd09 (default --crs)"
    )
    w.add_argument(
        "--close-ways", help="OSM way ids to close, comma-separated, or a lines file drawn along them"
    )


def _walls_what_if(args, result):
    """The analysis with the what-if options applied (the result itself when none is given)."""
    gates, opened = getattr(args, "add_gates", None), getattr(args, "open_compounds", None)
    paths, close = getattr(args, "add_paths", None), getattr(args, "close_ways", None)
    if not any((gates, opened, paths, close)):
        return result
    if args.tiles:
        msg = "--tiles does not combine with --add-gates, --open-compounds, --add-paths or --close-ways yet."
        raise CoverageInputError(msg)
    close_ways = None
    if close:
        close_ways = close if Path(close).exists() else [x.strip() for x in close.split(",") if x.strip()]
    after = result.what_if(
        add_gates=gates,
        open_compounds=[x.strip() for x in opened.split(",") if x.strip()] if opened else (),
        add_paths=paths,
        close_ways=close_ways,
        gate_crs=args.add_gates_crs or args.gate_crs,
        path_crs=args.path_crs or args.crs,
    )
    before = result.summary
    a = after.summary
    print(
        f"What-if: covered households {before.weight_covered:,.0f} -> {a.weight_covered:,.0f} "
        f"({before.share_covered_weight:.1%} -> {a.share_covered_weight:.1%})"
    )
    return after


def _add_gate_siting_options(p: argparse.ArgumentParser) -> None:
    from .gate_siting import CANDIDATE_STREET_M, SPACING_M

    p.add_argument("--k", type=int, required=True, help="this many new gate openings (maximal covering)")
    p.add_argument(
        "--spacing-m",
        type=float,
        default=SPACING_M,
        help=f"spacing of candidate openings along each outline (default {SPACING_M:g} m)",
    )
    p.add_argument(
        "--max-street-m",
        type=float,
        default=CANDIDATE_STREET_M,
        help=f"a candidate opening lies within this distance of a street (default {CANDIDATE_STREET_M:g} m)",
    )
    p.add_argument(
        "--candidates", help="more candidate openings: points file (optional compound_id, gate_id)"
    )
    p.add_argument("--candidate-crs", help="CRS of --candidates (default --gate-crs, then --crs)")
    p.add_argument(
        "--method", choices=["exact", "greedy"], default="exact", help="solver (default exact MILP)"
    )
    p.add_argument("--time-limit-s", type=float, default=60.0, help="solver time limit (default 60 s)")


def _check_with_gates(args, siting: dict) -> None:
    """site --with-gates: its options make sense together (before any work)."""
    if not getattr(args, "with_gates", False):
        return
    from .gate_siting import CANDIDATE_STREET_M, check_options

    if args.tiles or args.k is None or siting.get("new_capacity") is not None:
        msg = (
            "--with-gates weighs gates against stations for --k, per city or district "
            "(no --tiles, no --new-capacity)."
        )
        raise CoverageInputError(msg)
    if not args.compounds or not args.gates:
        msg = "--with-gates needs --compounds and --gates (files, or osm): gates are cut in compound walls."
        raise CoverageInputError(msg)
    check_options(args.k, args.gate_spacing_m, CANDIDATE_STREET_M, spacing_flag="--gate-spacing-m")


def _site_with_gates(args, result, sr, siting: dict, out) -> tuple[dict, str]:
    """site --with-gates: the gate list and the combined list next to the stations'
    (files, lines to print)."""
    from .gate_siting import suggest_gates, weigh_gates_and_stations
    from .output.files import write_table

    sg = suggest_gates(
        result, k=args.k, spacing_m=args.gate_spacing_m, method=args.method, time_limit_s=args.time_limit_s
    )
    files = sg.to_files(out)
    both = weigh_gates_and_stations(
        result,
        sr,
        k=args.k,
        user_candidates=args.candidates is not None,
        crs=siting["crs"],
        id_col=args.id_col,
        spacing_m=args.gate_spacing_m,
        method=args.method,
        time_limit_s=args.time_limit_s,
    )
    with out.write("combined_sites.csv") as tmp:
        write_table(both.drop(columns="geometry"), tmp)
    files["combined_sites_csv"] = str(out.path("combined_sites.csv"))
    kinds = both["kind"].value_counts().to_dict()
    zh = args.lang == "zh"
    line = f"{sg.text(lang=args.lang)}\n" + (
        f"站点与出入口一起比较：前 {len(both)} 项中站点 {kinds.get('station', 0)} 个、"
        f"出入口 {kinds.get('gate', 0)} 个，"
        f"增加覆盖 {both['households_added'].sum():,.0f} 户（至少）"
        if zh
        else f"Stations and gates weighed together: of the best {len(both)}, "
        f"{kinds.get('station', 0)} stations and "
        f"{kinds.get('gate', 0)} gate openings, "
        f"adding at least {both['households_added'].sum():,.0f} households"
    )
    return files, line


def cmd_site_gates(args) -> int:
    from .assessment import assess
    from .gate_siting import check_options, suggest_gates
    from .output.files import write_run
    from .scenario import scenario

    check_options(args.k, args.spacing_m, args.max_street_m)
    maps = _map_kwargs(args)
    out = _out_folder(args, "site-gates")
    if not args.compounds or not args.gates:
        msg = "site-gates needs --compounds and --gates (files, or osm): gates are cut in compound walls."
        raise CoverageInputError(msg)
    if args.tiles:
        msg = "site-gates runs per city or district; drop --tiles."
        raise CoverageInputError(msg)
    result = assess(_load(args), args.stations, args.households, **_assess_kwargs(args))
    sg = suggest_gates(
        result,
        k=args.k,
        spacing_m=args.spacing_m,
        max_street_m=args.max_street_m,
        candidates=args.candidates,
        crs=args.candidate_crs or args.gate_crs or args.crs,
        method=args.method,
        time_limit_s=args.time_limit_s,
    )
    files = sg.to_files(out)
    # the map: the analysis as it is, with the proposed openings to click in its what-if panel
    sc = scenario(result, openings=sg.gates()) if len(sg.sites) else None
    files.update(
        write_run(
            _map_products(result, lang=args.lang, scenario=sc),
            out,
            command="site-gates",
            **maps,
            manifest={
                "command": "site-gates",
                "gate_siting": {k: v for k, v in sg.summary.items() if not k.startswith("_")},
            },
        )
    )
    print(result.summary.text(lang=args.lang))
    print(sg.text(lang=args.lang))
    print(f"Wrote {', '.join(Path(f).name for f in files.values())} to {args.out}")
    return 0


COMMANDS = {
    "report": cmd_report,
    "site": cmd_site,
    "analyze": cmd_analyze,
    "isochrones": cmd_isochrones,
    "demo": cmd_demo,
    "demand": cmd_demand,
    "geocode": cmd_geocode,
    "site-gates": cmd_site_gates,
}


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
