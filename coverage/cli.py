"""Command-line interface: ``service-coverage``.

A thin layer over the Python API: it parses arguments, calls the library and
writes files. On bad input it prints one line naming the problem and exits 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from . import settings
from ._version import __version__
from ._errors import CoverageInputError

log = logging.getLogger("coverage")


def _add_common(p: argparse.ArgumentParser, *, households: bool = True) -> None:
    p.add_argument("--network", required=True, help="OSM extract (.osm, .osm.bz2, .osm.gz, .osm.pbf)")
    p.add_argument("--stations", required=True, help="stations: CSV (id,lon,lat), GeoJSON, GeoPackage or Shapefile")
    if households:
        p.add_argument("--households", required=True, help="residential points, same formats as --stations")
        p.add_argument("--weight", help="column with households per point (default: each point is 1)")
    if households:
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
    p.add_argument(
        "--crs",
        help="CRS of CSV coordinates: gcj02 (Amap/Tencent), bd09 (Baidu) or EPSG:code (default WGS-84 lon/lat)",
    )
    p.add_argument("--id-col", default="id", help="id column (default 'id')")
    p.add_argument(
        "--max-snap-m",
        type=float,
        default=settings.max_snap_m,
        help=f"farthest a point may be from a walkable street (default {settings.max_snap_m:g} m)",
    )
    p.add_argument("--no-cache", action="store_true", help="rebuild the network instead of using the cache")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="service-coverage",
        description="Which households are outside a 15-minute walk of a community service station.",
    )
    parser.add_argument("--version", action="version", version=f"service-coverage {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True)

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
    r.add_argument("--area-name", help="name column of --areas (default: name)")
    r.add_argument("--area-target", type=float, default=0.85, help="share each area should reach (default 0.85)")
    r.add_argument("--lang", choices=["en", "zh"], default="en", help="labels: en or zh")
    r.add_argument("--out", required=True, help="output folder")

    d = sub.add_parser("demo", help="run the analysis on the embedded Helsinki extract")
    d.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    d.add_argument("--map", default=str(Path("maps") / "demo.html"), help="map file (default maps/demo.html)")
    d.add_argument("--lang", choices=["en", "zh"], default="en", help="map labels")
    return parser


def _add_siting_options(p: argparse.ArgumentParser, *, required: bool) -> None:
    also = "" if required else "also propose "
    goal = p.add_mutually_exclusive_group(required=required)
    goal.add_argument("--k", type=int, help=f"{also}this many new sites (maximal covering)")
    goal.add_argument("--target", type=float,
                      help=f"{also}the fewest sites to cover this share of all households, e.g. 0.85 (set covering)")
    p.add_argument("--candidates", help="candidate sites file (default: network locations near gaps)")
    p.add_argument("--spacing-m", type=float, default=150.0, help="spacing of automatic candidates (default 150 m)")
    p.add_argument("--min-spacing-m", type=float, help="minimum distance between new sites")
    p.add_argument("--method", choices=["exact", "greedy"], default="exact", help="solver (default exact MILP)")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="solver time limit (default 60 s)")


def _siting_kwargs(args) -> dict:
    return {"k": args.k, "target_share": args.target, "candidates": args.candidates, "spacing_m": args.spacing_m,
            "min_spacing_m": args.min_spacing_m, "method": args.method, "time_limit_s": args.time_limit_s,
            "curve_max_k": max(10, args.k or 0), "id_col": args.id_col, "crs": args.crs}


def _add_map_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--map", help="where to write the HTML map (default OUT/map.html)")
    p.add_argument("--png", nargs="?", const="", default=None, help="also write a PNG map (default OUT/map.png)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="map labels: en or zh")
    p.add_argument("--network-layer", action="store_true", help="draw the walking network on the map")


def _setup_logging(quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger("coverage")
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if quiet else logging.INFO)
    root.propagate = False


def _speed_kwargs(args) -> dict:
    return {"profile": args.profile, "speed_kph": args.speed_kmh}


def cmd_analyze(args) -> int:
    from .assess import assess
    from .export import write_maps
    from .network import load_network

    t0 = time.perf_counter()
    net = load_network(args.network, cache=not args.no_cache)
    result = assess(
        net,
        args.stations,
        args.households,
        minutes=args.minutes,
        weight=args.weight,
        crs=args.crs,
        id_col=args.id_col,
        max_snap_m=args.max_snap_m,
        progress=True,
        **_speed_kwargs(args),
    )
    iso = result.isochrones()
    files = result.to_files(args.out, isochrones=iso)
    files.update(write_maps(result, args.out, isochrones=iso, **_map_kwargs(args)))
    print(result.summary.text(lang=args.lang))
    print(f"Wrote {len(files)} files to {args.out} (map: {files['map']}) in {time.perf_counter() - t0:.1f} s")
    return 0


def _map_kwargs(args) -> dict:
    png = getattr(args, "png", None)
    return {"map_path": getattr(args, "map", None), "png": png is not None, "png_path": png or None,
            "lang": args.lang, "network_layer": getattr(args, "network_layer", False)}


def cmd_isochrones(args) -> int:
    from .export import write_isochrones
    from .isochrones import isochrones_for_stations
    from .network import load_network

    try:
        bands = [float(x) for x in args.minutes.split(",") if x.strip()]
    except ValueError:
        msg = f"--minutes {args.minutes!r} must be minutes separated by commas, like 5,10,15"
        raise CoverageInputError(msg) from None
    net = load_network(args.network, cache=not args.no_cache)
    iso = isochrones_for_stations(
        net, args.stations, bands, crs=args.crs, id_col=args.id_col, max_snap_m=args.max_snap_m,
        **_speed_kwargs(args),
    )
    files = write_isochrones(iso, args.out, geojson=True)
    print(f"Isochrones for {iso[0]['station_id'].nunique()} stations x {len(bands)} bands: {', '.join(files.values())}")
    return 0


def cmd_demo(args) -> int:
    from .assess import assess
    from .demo import DEMO_MINUTES, demo_inputs, write_demo_inputs
    from .export import write_maps
    from .network import load_network

    path, stations, households = demo_inputs()
    out = Path(args.out)
    write_demo_inputs(out / "inputs")
    net = load_network(path)
    result = assess(net, stations, households, minutes=DEMO_MINUTES, weight="households")
    iso = result.isochrones()
    files = result.to_files(out, isochrones=iso)
    files.update(write_maps(result, out, isochrones=iso, map_path=args.map, lang=args.lang))
    print(f"Demo: central Helsinki (OpenStreetMap, © OpenStreetMap contributors), {DEMO_MINUTES:g}-minute walk")
    print(result.summary.text(lang=args.lang))
    print(f"Wrote {len(files)} result files to {out} (example inputs in {out / 'inputs'}); map: {files['map']}")
    return 0


def cmd_site(args) -> int:
    from .assess import assess
    from .export import write_maps
    from .network import load_network
    from .siting import suggest_sites

    net = load_network(args.network, cache=not args.no_cache)
    result = assess(
        net, args.stations, args.households, minutes=args.minutes, weight=args.weight, crs=args.crs,
        id_col=args.id_col, max_snap_m=args.max_snap_m, **_speed_kwargs(args),
    )
    sr = suggest_sites(result, **_siting_kwargs(args))
    files = sr.to_files(args.out)
    files.update(write_maps(result, args.out, sites=sr.sites, **_map_kwargs(args)))
    print(result.summary.text(lang=args.lang))
    print(sr.text(lang=args.lang))
    print(f"Wrote {', '.join(Path(f).name for f in files.values())} to {args.out}")
    return 0


def cmd_report(args) -> int:
    from .assess import assess
    from .network import load_network
    from .report import export_report
    from .siting import suggest_sites

    t0 = time.perf_counter()
    net = load_network(args.network, cache=not args.no_cache)
    result = assess(
        net, args.stations, args.households, minutes=args.minutes, weight=args.weight, crs=args.crs,
        id_col=args.id_col, max_snap_m=args.max_snap_m, progress=True, **_speed_kwargs(args),
    )
    sites = None
    if args.k or args.target:
        sites = suggest_sites(result, **_siting_kwargs(args))
    files = export_report(result, args.out, sites=sites, areas=args.areas, area_name_col=args.area_name,
                          target_share=args.area_target, lang=args.lang)
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
    try:
        return COMMANDS[args.command](args)
    except CoverageInputError as exc:
        print(f"service-coverage: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, unwritable output folder
        print(f"service-coverage: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
