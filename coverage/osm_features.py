"""Residential points and facilities from an OSM extract (for demos, benchmarks, candidates).

Chinese OSM data rarely tags homes as such: most are ``building=yes`` inside a
``landuse=residential`` compound (小区). :func:`residential_buildings` takes
both: buildings with a residential ``building`` value, and untyped buildings
(``building=yes``) whose representative point lies in a residential landuse
polygon. Reads ``.osm.pbf`` through pyrosm.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import CoverageInputError
from ._files import write_cache

log = logging.getLogger(__name__)

RESIDENTIAL_BUILDINGS = (
    "residential", "apartments", "house", "detached", "semidetached_house", "terrace", "dormitory", "bungalow",
)
FACILITY_AMENITIES = ("social_facility", "community_centre", "townhall")


def file_digest(path) -> str:
    """sha256 of a file's content, computed once per process for a given path, size and modification time."""
    st = Path(path).stat()
    return _digest(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=32)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _osm(path):
    import pyrosm

    path = Path(path)
    if not path.name.lower().endswith(".pbf"):
        msg = f"'{path}': reading buildings and facilities needs an .osm.pbf extract (pyrosm)."
        raise CoverageInputError(msg)
    return pyrosm.OSM(str(path))


def _ids(frame) -> list[str]:
    return [f"{t[0]}{i}" for t, i in zip(frame["osm_type"].astype(str), frame["id"])]


def residential_buildings(path, *, include_untyped_in_landuse: bool = True) -> gpd.GeoDataFrame:
    """Residential buildings as points (``id``, ``name``, ``building``, ``levels``, footprint ``area_m2``), WGS-84.

    ``id`` is ``w<way id>`` or ``r<relation id>``. Sorted by id (deterministic).
    """
    osm = _osm(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = osm.get_buildings()
        lu = osm.get_landuse() if include_untyped_in_landuse else None
    if b is None or len(b) == 0:
        return gpd.GeoDataFrame({"id": [], "name": [], "building": []}, geometry=[], crs="EPSG:4326")
    b = b[b.geometry.notna()].copy()
    b["id"] = _ids(b)
    b = b.drop_duplicates("id")
    utm = b.estimate_utm_crs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pts = b.to_crs(utm).geometry.representative_point()
    typed = b["building"].isin(RESIDENTIAL_BUILDINGS).to_numpy()
    keep = typed.copy()
    if lu is not None and len(lu):
        res = lu[lu["landuse"] == "residential"].to_crs(utm)
        res = res[res.geometry.notna() & res.geometry.is_valid]
        untyped = (b["building"] == "yes").to_numpy()
        cand = gpd.GeoDataFrame(geometry=pts[untyped].values, crs=utm)
        hit = gpd.sjoin(cand, res[["geometry"]], predicate="within", how="inner").index.unique()
        idx = np.flatnonzero(untyped)[np.asarray(hit, dtype=int)]
        keep[idx] = True
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
    log.info("%s: %d residential buildings (%d typed)", Path(path).name, len(out), int(typed.sum()))
    return out.sort_values("id").reset_index(drop=True)


def place_nodes(path, *, name_suffix: str = "街道") -> gpd.GeoDataFrame:
    """Place nodes whose name ends with ``name_suffix`` (default 街道, subdistrict offices)."""
    import osmium

    rows = []
    for o in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.KeyFilter("place")):
        name = o.tags.get("name", "")
        if name.endswith(name_suffix):
            rows.append((f"n{o.id}", name, o.tags["place"], o.location.lon, o.location.lat))
    df = pd.DataFrame(rows, columns=["id", "name", "place", "lon", "lat"]).sort_values("id")
    return gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
    ).reset_index(drop=True)


def facilities(path, amenities=FACILITY_AMENITIES) -> gpd.GeoDataFrame:
    """Community facilities (``amenity`` in ``amenities``) as points, WGS-84.

    Cached on disk (beside the network cache) by the file's content and the
    amenities, since reading them means parsing the whole extract.
    """
    import hashlib

    from . import settings

    cached = None
    if settings.use_cache:
        h = hashlib.sha256(file_digest(path).encode())
        h.update(repr(sorted(amenities)).encode() + b"|v2 offices")
        cached = Path(settings.cache_folder) / f"facilities-{h.hexdigest()[:32]}.csv"
        if cached.exists():
            try:
                df = pd.read_csv(cached, dtype={"id": str, "name": str, "amenity": str}, keep_default_na=False)
                return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]),
                                        geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
            except Exception:  # a broken cache is rebuilt
                log.warning("Rebuilding the unreadable facilities cache %s", cached)
    out = _read_facilities(path, amenities)
    if cached is not None:
        table = pd.DataFrame({"id": out["id"], "name": out["name"], "amenity": out["amenity"],
                              "lon": out.geometry.x, "lat": out.geometry.y})
        write_cache(cached, lambda tmp: table.to_csv(tmp, index=False), "facilities")
    return out


#: Names of the party-service and community-service centres (党群服务中心, 社区服务中心, 居委会) that are
#: often mapped as offices rather than community centres.
SERVICE_CENTRE_NAMES = r"党群|党建|社区服务|便民服务|居委会|居民委员会|村委会|新时代文明实践"


def _read_facilities(path, amenities) -> gpd.GeoDataFrame:
    osm = _osm(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = osm.get_pois(custom_filter={"amenity": list(amenities), "office": ["government", "association", "ngo"]})
    if pois is None or len(pois) == 0:
        return gpd.GeoDataFrame({"id": [], "name": [], "amenity": []}, geometry=[], crs="EPSG:4326")
    names = pois["name"].fillna("").astype(str) if "name" in pois else pd.Series("", index=pois.index)
    amenity = pois["amenity"] if "amenity" in pois else pd.Series(None, index=pois.index)
    service = names.str.contains(SERVICE_CENTRE_NAMES, regex=True)
    keep = amenity.isin(amenities) | service
    pois = pois[keep].copy()
    pois["amenity"] = np.where(service[keep], "community_service_centre", amenity[keep].astype(str))
    pois["id"] = _ids(pois)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pts = pois.geometry.representative_point()
    return gpd.GeoDataFrame(
        {"id": pois["id"].to_numpy(), "name": pois["name"].fillna("").to_numpy(), "amenity": pois["amenity"].to_numpy()},
        geometry=pts.values,
        crs="EPSG:4326",
    ).sort_values("id").reset_index(drop=True)


def way_names(path) -> dict[int, str]:
    """``name`` of every way that has one (for street labels), cached on disk by the file's content."""
    import json

    import osmium

    from . import settings

    cached = None
    if settings.use_cache:
        digest = file_digest(path)[:32]
        cached = Path(settings.cache_folder) / f"way-names-{digest}.json"
        if cached.exists():
            try:
                return {int(k): v for k, v in json.loads(cached.read_text(encoding="utf-8")).items()}
            except (OSError, ValueError):
                log.warning("Rebuilding the unreadable street-name cache %s", cached)
    names = {}
    for w in osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("name")):
        names[int(w.id)] = w.tags.get("name:zh") or w.tags.get("name")
    if cached is not None:
        write_cache(cached, lambda tmp: tmp.write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8"),
                    "street-name")
    return names


def way_names_of(network) -> dict[int, str]:
    """Street names of a network read from a local OSM extract (empty when it was not, or on failure).

    Names are a nicety for labels, never a requirement: a failure only warns.
    """
    src = str(network.meta.get("source", ""))
    if not src.lower().endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osm.xml")) or not Path(src).exists():
        return {}
    try:
        return way_names(src)
    except Exception as exc:  # names are a nicety, never a requirement
        log.warning("Could not read street names from %s: %s", src, exc)
        return {}


#: ``barrier`` values that are a way through a compound's wall (``entrance=*`` counts too).
GATE_BARRIERS = ("gate", "lift_gate", "entrance", "turnstile")


def residential_areas(path) -> gpd.GeoDataFrame:
    """``landuse=residential`` areas (closed ways and multipolygons) as polygons, WGS-84.

    Columns ``id`` (``w<way id>`` / ``r<relation id>``) and ``name``; sorted by
    id. Read with pyosmium's area assembler (any OSM format).
    """
    import osmium
    import shapely

    fab = osmium.geom.WKBFactory()
    ids, names, wkbs = [], [], []
    tag = ("landuse", "residential")
    proc = (osmium.FileProcessor(str(path)).with_areas(osmium.filter.TagFilter(tag))
            .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA)).with_filter(osmium.filter.TagFilter(tag)))
    for a in proc:
        try:
            wkb = fab.create_multipolygon(a)
        except RuntimeError:  # a broken ring at the extract's edge
            continue
        ids.append(("w" if a.from_way() else "r") + str(a.orig_id()))
        names.append(a.tags.get("name:zh") or a.tags.get("name") or "")
        wkbs.append(wkb)
    geom = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else []
    out = gpd.GeoDataFrame({"id": ids, "name": names}, geometry=geom, crs="EPSG:4326")
    return out.sort_values("id").reset_index(drop=True)


def residential_areas_of(network) -> gpd.GeoDataFrame | None:
    """The landuse=residential areas of the extract a network was read from (None when it was not a local file).

    Read once per file content and process.
    """
    src = str(network.meta.get("source", ""))
    if not src.lower().endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osm.xml")) or not Path(src).exists():
        return None
    return _residential_areas_cached(str(Path(src).resolve()), file_digest(src))


@lru_cache(maxsize=4)
def _residential_areas_cached(path: str, digest: str) -> gpd.GeoDataFrame:  # noqa: ARG001  (digest: the key)
    return residential_areas(path)


def gate_nodes(path) -> gpd.GeoDataFrame:
    """Nodes that are ways through a wall: ``barrier`` in :data:`GATE_BARRIERS` or any ``entrance=*``.

    Gates with ``access=no`` or ``locked=yes`` are left out. Columns ``id``
    (``n<node id>``), ``name`` and ``kind`` (the barrier or entrance value);
    WGS-84, sorted by id.
    """
    import osmium

    rows = []
    for n in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.KeyFilter("barrier", "entrance")):
        t = n.tags
        barrier, entrance = t.get("barrier"), t.get("entrance")
        if barrier not in GATE_BARRIERS and entrance is None:
            continue
        if t.get("access") == "no" or t.get("locked") == "yes":
            continue
        kind = barrier if barrier in GATE_BARRIERS else f"entrance={entrance}"
        rows.append((int(n.id), t.get("name", ""), kind, n.location.lon, n.location.lat))
    df = pd.DataFrame(rows, columns=["nid", "name", "kind", "lon", "lat"]).sort_values("nid")
    return gpd.GeoDataFrame({"id": [f"n{i}" for i in df["nid"]], "name": df["name"].to_numpy(),
                             "kind": df["kind"].to_numpy()},
                            geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
