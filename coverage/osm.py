"""OpenStreetMap extracts, read once: the walking network's ways and every other product a run uses.

One pyosmium pass over the file (:func:`read_extract`) gathers

* the walkable ways, split at nodes missing from a clipped extract, with the
  flags of their tags (:data:`EDGE_FLAGS`) and the raised kerb nodes (for the
  network, :mod:`coverage.network`);
* their street names (for the map's labels);
* the place nodes (subdistrict offices, 街道), the gate and entrance nodes, the
  community facilities where stations are co-located (nodes and areas), and
  the ``landuse=residential`` areas (compounds, and the GCJ-02 check).

Which ways are walkable is osmnx's own ``walk`` filter (a frozen copy,
:data:`WALK_FILTER`, checked against the installed osmnx by the tests), plus
this project's two Chinese-street rules: ``motorroad=yes`` is never walkable,
and an elevated trunk road (a viaduct, 高架) without a sidewalk or foot
permission is walkable only with ``elevated_roads``.

The products are cached on disk by the file's content (:func:`products`),
so a run whose network is cached opens the extract once, to hash it.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from . import settings
from ._errors import CoverageInputError
from ._files import file_digest, write_cache

log = logging.getLogger(__name__)

#: Per-segment flags (bits of ``WalkNetwork.edge_flags``), from the way's tags (and kerb nodes).
FLAG_BRIDGE = 1  # bridge=* (not no): a deck, above the ground
FLAG_TUNNEL = 2  # tunnel=* (not no, not building_passage): below the ground
FLAG_COVERED = 4  # covered=yes
FLAG_LAYER = 8  # layer=* other than 0: not at ground level
FLAG_STEPS = 16  # highway=steps
FLAG_NO_WHEELCHAIR = 32  # wheelchair=no
FLAG_STEEP = 64  # incline steeper than STEEP_INCLINE_PCT, where tagged in percent or degrees
FLAG_KERB = 128  # ends at a raised kerb node (barrier=kerb with kerb=raised/yes, or kerb=raised)
EDGE_FLAGS = {
    "bridge": FLAG_BRIDGE,
    "tunnel": FLAG_TUNNEL,
    "covered": FLAG_COVERED,
    "layer": FLAG_LAYER,
    "steps": FLAG_STEPS,
    "no_wheelchair": FLAG_NO_WHEELCHAIR,
    "steep": FLAG_STEEP,
    "kerb": FLAG_KERB,
}
#: Segments a point on the ground never snaps to: above or below the ground.
OFF_GROUND = FLAG_BRIDGE | FLAG_TUNNEL | FLAG_COVERED | FLAG_LAYER
#: The steepest incline a wheelchair user is taken to manage, percent (see coverage.settings).
STEEP_INCLINE_PCT = settings.wheelchair_max_incline_pct
#: Elevated roads: trunk roads on bridges carry no pedestrians unless tagged so (see load_network).
ELEVATED_HIGHWAYS = ("trunk", "trunk_link")
_FOOT_ALLOWED = ("yes", "designated", "permissive")
_SIDEWALK = ("both", "left", "right", "yes")

#: OSM file endings that pyosmium reads.
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".osm.xml")

#: osmnx's ``walk`` network filter (osmnx 2.1.1, ``_overpass._get_network_filter("walk")``).
#: Frozen here so that start-up never imports osmnx (about 2 s); tests/test_network.py
#: keeps it in step with the installed osmnx.
WALK_FILTER = (
    '["highway"]["area"!~"yes"]["access"!~"private"]'
    '["highway"!~"abandoned|bus_guideway|construction|cycleway|motor|no|planned|'
    'platform|proposed|raceway|razed|rest_area|services"]'
    '["foot"!~"no"]["service"!~"private"]'
    '["sidewalk"!~"separate"]["sidewalk:both"!~"separate"]'
    '["sidewalk:left"!~"separate"]["sidewalk:right"!~"separate"]'
)


def walk_filter_text() -> str:
    """The Overpass filter of osmnx's ``network_type="walk"`` (frozen copy: :data:`WALK_FILTER`)."""
    return WALK_FILTER


def parse_overpass_filter(text: str) -> list[tuple[str, str | None, bool]]:
    """Parse ``["k"]``, ``["k"~"re"]`` and ``["k"!~"re"]`` clauses.

    Returns ``(key, regex or None, negated)`` triples. Overpass semantics:
    ``["k"]`` needs the key; ``["k"!~"re"]`` passes when the key is absent or
    its value does not match; ``["k"~"re"]`` needs a matching value.
    """
    clauses = []
    for key, op, value in re.findall(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]', text):
        clauses.append((key, value if op else None, op == "!~"))
    return clauses


def elevated_without_sidewalk(tags) -> bool:
    """An elevated trunk road (a viaduct) with no foot permission and no sidewalk mapped."""
    if tags.get("highway") not in ELEVATED_HIGHWAYS or tags.get("bridge") in (None, "no"):
        return False
    if tags.get("foot") in _FOOT_ALLOWED:
        return False
    return not any(
        tags.get(k) in _SIDEWALK or (k != "sidewalk" and tags.get(k) == "yes")
        for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right")
    )


def _incline_pct(text) -> float | None:
    """A tagged incline in percent (``8%``, ``-10 %``, ``5°``), or None (``up``, ``down``, untagged)."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*([+-]?\d+(?:[.,]\d+)?)\s*(%|°|deg)?\s*", str(text))
    if not m:
        return None
    v = float(m.group(1).replace(",", "."))
    if m.group(2) in ("°", "deg"):
        return float(np.tan(np.deg2rad(abs(v))) * 100)
    return abs(v)


def way_flags(tags) -> int:
    """The :data:`EDGE_FLAGS` bits of a way's tags."""
    f = 0
    if tags.get("bridge") not in (None, "no"):
        f |= FLAG_BRIDGE
    if tags.get("tunnel") not in (None, "no", "building_passage"):
        f |= FLAG_TUNNEL
    if tags.get("covered") == "yes":
        f |= FLAG_COVERED
    layer = tags.get("layer")
    if layer is not None:
        try:
            if float(str(layer).replace(",", ".").split(";")[0]) != 0:
                f |= FLAG_LAYER
        except ValueError:
            pass
    if tags.get("highway") == "steps":
        f |= FLAG_STEPS
    if tags.get("wheelchair") == "no":
        f |= FLAG_NO_WHEELCHAIR
    inc = _incline_pct(tags.get("incline"))
    if inc is not None and inc > STEEP_INCLINE_PCT:
        f |= FLAG_STEEP
    return f


class WalkFilter:
    """Decide from a way's tags whether the walking network keeps it.

    osmnx's ``walk`` filter, then this project's two Chinese-street rules:
    ``motorroad=yes`` is never walkable, and elevated trunk roads without a
    sidewalk or foot permission are walkable only with ``elevated_roads``.
    """

    def __init__(self, text: str | None = None, *, elevated_roads: bool = False):
        self.text = text or walk_filter_text()
        self.elevated_roads = elevated_roads
        self.clauses = [
            (k, re.compile(v) if v is not None else None, neg)
            for k, v, neg in parse_overpass_filter(self.text)
        ]

    def __call__(self, tags) -> bool:
        return self.reason(tags) is None

    def reason(self, tags) -> str | None:
        """Why a way is not walkable (``"osmnx"``, ``"motorroad"``, ``"elevated"``), or None when it is."""
        if not self.osmnx(tags):
            return "osmnx"
        if tags.get("motorroad") == "yes":
            return "motorroad"
        if not self.elevated_roads and elevated_without_sidewalk(tags):
            return "elevated"
        return None

    def osmnx(self, tags) -> bool:
        """osmnx's own ``walk`` filter."""
        for key, rx, neg in self.clauses:
            value = tags.get(key)
            if rx is None:
                if value is None:
                    return False
            elif neg:
                if value is not None and rx.search(value):
                    return False
            elif value is None or not rx.search(value):
                return False
        return True


#: Keys of the objects the pass hands to Python (pyosmium drops the rest in C++, keeping node locations).
PASS_KEYS = ("highway", "barrier", "entrance", "place", "kerb", "amenity", "office", "landuse")
#: OSM amenities (and offices) where social-work stations are often co-located: candidate sites.
FACILITY_AMENITIES = (
    "community_centre",
    "social_facility",
    "social_centre",
    "townhall",
    "library",
    "school",
    "kindergarten",
    "clinic",
    "doctors",
)
#: Names of the party-service and community-service centres (党群服务中心, 社区服务中心, 居委会) that are
#: often mapped as offices rather than community centres.
SERVICE_CENTRE_NAMES = r"党群|党建|社区服务|便民服务|居委会|居民委员会|村委会|新时代文明实践"
#: ``barrier`` values that are a way through a compound's wall (``entrance=*`` counts too).
GATE_BARRIERS = ("gate", "lift_gate", "entrance", "turnstile")
#: Bump when a product changes meaning.
_PRODUCTS_VERSION = 1


@dataclass
class ExtractRead:
    """What one pass over an extract gathered (see the module's description)."""

    refs: np.ndarray
    lons: np.ndarray
    lats: np.ndarray
    run_ids: np.ndarray
    run_way: np.ndarray
    run_flags: np.ndarray
    kerbs: np.ndarray
    stats: dict
    products: Products


def _name(tags) -> str:
    return tags.get("name:zh") or tags.get("name") or ""


def read_extract(path: Path, walk_filter: WalkFilter) -> ExtractRead:
    """One pyosmium pass: the walkable ways (split at missing nodes, flagged), kerbs, names, places, gates,
    facilities and residential areas."""
    import osmium
    import shapely

    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    run_ids: list[int] = []
    run_way: list[int] = []
    run_flags: list[int] = []
    kerbs: list[int] = []
    names: dict[int, str] = {}
    places: list[tuple] = []
    gates: list[tuple] = []
    facilities: list[tuple] = []
    residential: list[tuple] = []
    stats = {
        "n_ways_walkable": 0,
        "n_ways_clipped": 0,
        "n_node_refs_missing": 0,
        "osm_timestamp": None,
        "n_ways_motorroad": 0,
        "n_ways_elevated_without_sidewalk": 0,
    }
    newest = [0.0]
    fab = osmium.geom.WKBFactory()
    service = re.compile(SERVICE_CENTRE_NAMES)
    from ._progress import counter

    bar = counter(f"reading {path.name}", unit=" objects")

    def facility_kind(tags) -> str | None:
        amenity = tags.get("amenity")
        if amenity in FACILITY_AMENITIES:
            return amenity
        if (
            amenity is not None or tags.get("office") in ("government", "association", "ngo")
        ) and service.search(tags.get("name", "")):
            return "community_service_centre"
        return None

    class Pass(osmium.SimpleHandler):
        def node(self, n):
            t = n.tags
            loc = n.location
            if not loc.valid():
                return
            kerb = t.get("kerb")
            if (
                kerb == "raised" or (t.get("barrier") == "kerb" and kerb in ("raised", "yes", None))
            ) and t.get("wheelchair") != "yes":
                kerbs.append(int(n.id))
            barrier, entrance = t.get("barrier"), t.get("entrance")
            if (
                (barrier in GATE_BARRIERS or entrance is not None)
                and t.get("access") != "no"
                and t.get("locked") != "yes"
            ):
                kind = barrier if barrier in GATE_BARRIERS else f"entrance={entrance}"
                gates.append((int(n.id), t.get("name", ""), kind, loc.lon, loc.lat))
            if "place" in t and t.get("name"):
                places.append((int(n.id), t["name"], t["place"], loc.lon, loc.lat))
            kind = facility_kind(t)
            if kind is not None:
                facilities.append((f"n{n.id}", _name(t), kind, loc.lon, loc.lat))

        def way(self, w):
            bar.tick()
            tags = w.tags
            if "highway" not in tags:
                return
            why = walk_filter.reason(tags)
            if why is not None:
                if why == "motorroad":
                    stats["n_ways_motorroad"] += 1
                elif why == "elevated":
                    stats["n_ways_elevated_without_sidewalk"] += 1
                return
            stats["n_ways_walkable"] += 1
            try:
                newest[0] = max(newest[0], w.timestamp.timestamp())
            except Exception:  # noqa: BLE001  (files without metadata)
                pass
            if tags.get("name"):
                names[int(w.id)] = _name(tags)
            flags = way_flags(tags)
            run: list[tuple[int, float, float]] = []
            missing = 0
            runs = []
            for nd in w.nodes:
                loc = nd.location
                if loc.valid():
                    run.append((nd.ref, loc.lon, loc.lat))
                else:
                    missing += 1
                    if len(run) >= 2:
                        runs.append(run)
                    run = []
            if len(run) >= 2:
                runs.append(run)
            if missing:
                stats["n_ways_clipped"] += 1
                stats["n_node_refs_missing"] += missing
            for r in runs:
                rid = len(run_way)
                run_way.append(w.id)
                run_flags.append(flags)
                for ref, lo, la in r:
                    refs.append(ref)
                    lons.append(lo)
                    lats.append(la)
                    run_ids.append(rid)

        def area(self, a):
            t = a.tags
            is_res = t.get("landuse") == "residential"
            kind = facility_kind(t)
            if not is_res and kind is None:
                return
            try:
                wkb = fab.create_multipolygon(a)
            except RuntimeError:  # a broken ring at the extract's edge
                return
            oid = ("w" if a.from_way() else "r") + str(a.orig_id())
            if is_res:
                residential.append((oid, _name(t), wkb))
            if kind is not None:
                p = shapely.point_on_surface(shapely.from_wkb(wkb))
                facilities.append((oid, _name(t), kind, p.x, p.y))

    try:
        Pass().apply_file(
            str(path), locations=True, idx="flex_mem", filters=[osmium.filter.KeyFilter(*PASS_KEYS)]
        )
        bar.close()
    except RuntimeError as exc:
        bar.close()
        msg = (
            f"Network file '{path}' could not be read as OpenStreetMap data ({' '.join(str(exc).split())}). "
            "Give an .osm, .osm.bz2, .osm.gz or .osm.pbf extract."
        )
        raise CoverageInputError(msg) from None
    if newest[0]:
        stats["osm_timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest[0]))
    kerb_ids = np.unique(np.asarray(kerbs, dtype=np.int64))
    stats["n_kerb_nodes"] = int(kerb_ids.size)
    prod = Products(
        path=str(path),
        street_names=names,
        places=sorted(places),
        gates=sorted(gates),
        facilities=sorted(set(facilities)),
        residential=[(i, n, w if isinstance(w, str) else w.hex()) for i, n, w in sorted(residential)],
    )
    return ExtractRead(
        np.asarray(refs, dtype=np.int64),
        np.asarray(lons),
        np.asarray(lats),
        np.asarray(run_ids, dtype=np.int64),
        np.asarray(run_way, dtype=np.int64),
        np.asarray(run_flags, dtype=np.uint8),
        kerb_ids,
        stats,
        prod,
    )


# ---------------------------------------------------------------- the products, cached by content
@dataclass
class Products:
    """The non-network products of one extract (plain rows; frames on demand)."""

    path: str
    street_names: dict[int, str] = field(default_factory=dict)
    places: list = field(default_factory=list)  # (node id, name, place, lon, lat)
    gates: list = field(default_factory=list)  # (node id, name, kind, lon, lat)
    facilities: list = field(default_factory=list)  # (id, name, amenity, lon, lat)
    residential: list = field(default_factory=list)  # (id, name, WKB hex)

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": _PRODUCTS_VERSION,
                "street_names": {str(k): v for k, v in self.street_names.items()},
                "places": self.places,
                "gates": self.gates,
                "facilities": self.facilities,
                "residential": self.residential,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, path: str, text: str) -> Products:
        d = json.loads(text)
        if d.get("v") != _PRODUCTS_VERSION:
            raise ValueError("another version")
        return cls(
            path,
            {int(k): v for k, v in d["street_names"].items()},
            [tuple(r) for r in d["places"]],
            [tuple(r) for r in d["gates"]],
            [tuple(r) for r in d["facilities"]],
            [tuple(r) for r in d["residential"]],
        )

    # frames
    def place_nodes(self, name_suffix: str = "街道"):
        """Place nodes whose name ends with ``name_suffix``
        (default 街道, subdistrict offices), sorted by id."""
        import geopandas as gpd

        rows = [r for r in self.places if str(r[1]).endswith(name_suffix)]
        return gpd.GeoDataFrame(
            {"id": [f"n{r[0]}" for r in rows], "name": [r[1] for r in rows], "place": [r[2] for r in rows]},
            geometry=gpd.points_from_xy([r[3] for r in rows], [r[4] for r in rows]),
            crs=4326,
        )

    def gate_nodes(self):
        """Nodes that are ways through a wall (``barrier`` in :data:`GATE_BARRIERS` or any ``entrance=*``)."""
        import geopandas as gpd

        g = self.gates
        return gpd.GeoDataFrame(
            {"id": [f"n{r[0]}" for r in g], "name": [r[1] for r in g], "kind": [r[2] for r in g]},
            geometry=gpd.points_from_xy([r[3] for r in g], [r[4] for r in g]),
            crs=4326,
        )

    def facility_points(self, amenities=FACILITY_AMENITIES):
        """Community facilities (nodes, and a point inside areas) of the given amenities, and the
        community-service centres found by name; sorted by id."""
        import geopandas as gpd

        keep = set(amenities) | {"community_service_centre"}
        f = [r for r in self.facilities if r[2] in keep]
        return gpd.GeoDataFrame(
            {"id": [r[0] for r in f], "name": [r[1] for r in f], "amenity": [r[2] for r in f]},
            geometry=gpd.points_from_xy([r[3] for r in f], [r[4] for r in f]),
            crs=4326,
        )

    @cached_property
    def residential_areas(self):
        """``landuse=residential`` areas (closed ways and multipolygons) as polygons: ``id``, ``name``."""
        import geopandas as gpd
        import shapely

        r = self.residential
        geom = shapely.from_wkb(np.array([bytes.fromhex(x[2]) for x in r], dtype=object)) if r else []
        return gpd.GeoDataFrame({"id": [x[0] for x in r], "name": [x[1] for x in r]}, geometry=geom, crs=4326)


def _products_file(digest: str) -> Path:
    return Path(settings.cache_folder) / f"osm-products-v{_PRODUCTS_VERSION}-{digest[:32]}.json"


_MEMORY: dict[str, Products] = {}


def remember(read: ExtractRead, path: Path) -> None:
    """Keep the products of a pass (in this process, and on disk when caching is on)."""
    digest = file_digest(path)
    _MEMORY[digest] = read.products
    if settings.use_cache:
        write_cache(
            _products_file(digest),
            lambda tmp: tmp.write_text(read.products.to_json(), encoding="utf-8"),
            "OSM products",
        )


def products(path) -> Products:
    """The products of an extract: from this process, from the cache, or from one pass over the file."""
    path = Path(path)
    digest = file_digest(path)
    if digest in _MEMORY:
        return _MEMORY[digest]
    cache = _products_file(digest)
    if settings.use_cache and cache.exists():
        try:
            prod = Products.from_json(str(path), cache.read_text(encoding="utf-8"))
            _MEMORY[digest] = prod
            return prod
        except (OSError, ValueError, KeyError):
            log.warning("Rebuilding the unreadable OSM products cache %s", cache)
    read = read_extract(path, WalkFilter(elevated_roads=settings.walk_elevated_roads))
    remember(read, path)
    return read.products


def is_extract(path) -> bool:
    """A local OpenStreetMap file (by its name)."""
    name = Path(str(path)).name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES) and Path(str(path)).exists()


def products_of(network) -> Products | None:
    """The products of the extract a network was read from (None when it was not a local OSM file)."""
    src = str(network.meta.get("source", ""))
    return products(src) if src and is_extract(src) else None


# ---------------------------------------------------------------- the products by name
def place_nodes(path, *, name_suffix: str = "街道"):
    """Place nodes whose name ends with ``name_suffix`` (default 街道, subdistrict offices)."""
    return products(path).place_nodes(name_suffix)


def gate_nodes(path):
    """Gate and entrance nodes (``access=no`` and ``locked=yes`` left out): ``id``, ``name``, ``kind``."""
    return products(path).gate_nodes()


def facilities(path, amenities=FACILITY_AMENITIES):
    """Community facilities as points:
    ``amenity`` in ``amenities``, and community-service centres by name."""
    return products(path).facility_points(amenities)


def residential_areas(path):
    """``landuse=residential`` areas as polygons (``id`` ``w<way>``/``r<relation>``, ``name``), WGS-84."""
    return products(path).residential_areas


def way_names(path) -> dict[int, str]:
    """Street names of the walkable ways (``name:zh``, else ``name``)."""
    return products(path).street_names


RESIDENTIAL_BUILDINGS = (
    "residential",
    "apartments",
    "house",
    "detached",
    "semidetached_house",
    "terrace",
    "dormitory",
    "bungalow",
)


def residential_buildings(path, *, include_untyped_in_landuse: bool = True):
    """Residential buildings as points (``id``, ``name``, ``building``, ``levels``, footprint ``area_m2``),
    WGS-84.

    Typed residential buildings, and ``building=yes`` whose point lies in a
    ``landuse=residential`` area (most Chinese homes; see SOURCES.md). Read
    with pyrosm (the demo and the benchmarks; :mod:`coverage.demand` has the
    planners' version). Sorted by id.
    """
    import warnings

    import geopandas as gpd
    import pandas as pd

    path = Path(path)
    if not path.name.lower().endswith(".pbf"):
        msg = f"'{path}': reading buildings needs an .osm.pbf extract (pyrosm)."
        raise CoverageInputError(msg)
    import pyrosm

    osm = pyrosm.OSM(str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = osm.get_buildings()
    if b is None or len(b) == 0:
        return gpd.GeoDataFrame({"id": [], "name": [], "building": []}, geometry=[], crs="EPSG:4326")
    b = b[b.geometry.notna()].copy()
    b["id"] = [f"{t[0]}{i}" for t, i in zip(b["osm_type"].astype(str), b["id"], strict=True)]
    b = b.drop_duplicates("id")
    utm = b.estimate_utm_crs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pts = b.to_crs(utm).geometry.representative_point()
    typed = b["building"].isin(RESIDENTIAL_BUILDINGS).to_numpy()
    keep = typed.copy()
    if include_untyped_in_landuse:
        # pyrosm's landuse, not the one-pass products: it keeps a compound cut by a clipped extract's edge
        # as the part inside (the assembler drops it), as coverage.demand does
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lu = osm.get_landuse()
        if lu is None or len(lu) == 0:
            lu = gpd.GeoDataFrame({"landuse": []}, geometry=[], crs="EPSG:4326")
        res = lu[lu["landuse"] == "residential"].to_crs(utm)
        res = res[res.geometry.notna() & res.geometry.is_valid]
        untyped = (b["building"] == "yes").to_numpy()
        cand = gpd.GeoDataFrame(geometry=pts[untyped].values, crs=utm)
        hit = gpd.sjoin(cand, res[["geometry"]], predicate="within", how="inner").index.unique()
        keep[np.flatnonzero(untyped)[np.asarray(hit, dtype=int)]] = True
    area_m2 = b.to_crs(utm).area.to_numpy()
    out = gpd.GeoDataFrame(
        {
            "id": b["id"].to_numpy()[keep],
            "name": b["name"].fillna("").to_numpy()[keep] if "name" in b else "",
            "building": b["building"].to_numpy()[keep],
            "levels": pd.to_numeric(b.get("building:levels"), errors="coerce").to_numpy()[keep]
            if "building:levels" in b
            else np.nan,
            "area_m2": np.round(area_m2[keep], 1),
        },
        geometry=pts.to_crs("EPSG:4326").values[keep],
        crs="EPSG:4326",
    )
    log.info("%s: %d residential buildings (%d typed)", path.name, len(out), int(typed.sum()))
    return out.sort_values("id").reset_index(drop=True)
