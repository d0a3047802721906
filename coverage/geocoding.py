"""Addresses and names to coordinates: offline from the OSM extract first, online providers when asked.

Social-work departments list stations as addresses (红旗大街148号) or names
(红旗街道办事处, 某某社区党群服务中心). :func:`geocode` places every row of such a
table, keeps every row in order, and says for each how it was placed.

The offline index (:func:`load_index`)
    One pass over the extract with pyosmium (any format: ``.osm``,
    ``.osm.pbf``, ``.osm.bz2``) collects

    * named objects (``name``, ``name:zh``, ``alt_name``, ``official_name``,
      ``short_name``; the Chinese part of bilingual names): nodes, ways (a
      point inside closed ways, the middle of open ones) and multipolygon
      relations (a point inside) — amenities, offices, shops, place nodes such
      as the 街道 subdistricts, buildings, and ``landuse=residential``
      compounds (小区);
    * addresses: ``addr:street`` + ``addr:housenumber``, and ``addr:full``;
    * streets: named ``highway=*`` ways, and ``addr:interpolation`` ways.

    It is cached on disk (``settings.cache_folder``) by the extract's content
    (sha256) and honours ``settings.use_cache``.

Placing an address (see :mod:`coverage.address` for the parsing)
    The street is the longest street the extract knows (a named highway or an
    ``addr:street`` value) that the text before the house number ends with
    (a two-character street only after a clean boundary such as 市/区/街道);
    failing that, the longest known street of 3+ characters inside the text.
    Then, in order:

    ``exact``
        an ``addr:full`` equal to the address (without province/city/district
        prefixes), or an address on that street with that number: the same
        number (``148-2`` = ``148-2``), else the same main number (``148`` for
        ``148-2``, noted). Buildings and areas carrying the address come
        before nodes, then the smallest OSM id.
    ``interpolated``
        along an ``addr:interpolation`` way whose numbered ends bracket the
        number (odd/even/all as tagged); else between the two nearest mapped
        numbers on the street that bracket it, **same parity first** (odd and
        even numbers are on opposite sides of a Chinese street), then any
        parity: both known numbers are projected onto the street (ignored when
        more than 150 m from it), and the position is linear in the number
        between them, on the street's centreline. No extrapolation beyond the
        lowest or highest mapped number.
    ``street``
        the street was found but not the number (or no number was given): the
        point of the street nearest to what else the row says, when that is
        within 1 km of the street: the OSM object its name resembles, or a
        subdistrict named in the address (``红旗街道`` in
        ``香坊区红旗街道红旗大街148号``); otherwise the midpoint of the street's
        longest continuous stretch in the extract (the note gives its length,
        so the uncertainty is visible). For a street known only from
        ``addr:street``, the centre of its addresses; for ``A与B交叉口``, the
        point where the two streets meet (within 50 m).

Placing a name
    Against every named object: the normalised name equal (``exact``, score
    1), else the best :func:`coverage.address.name_score` at or above
    ``min_score`` (``name``, with its score; 0.95 when only generic suffixes
    such as 社工站/办事处/服务中心 differ). Ties go to places, offices and
    amenities before compounds and buildings, then the smallest OSM id; the
    note lists the other equally good candidates.

One row
    With both an address and a name, the better of the two results in this
    order: exact (the address, or a name equal to an OSM name), interpolated,
    street, a name matched by similarity (so the address, which says where the
    station is, wins over a name that only resembles an OSM object: a station
    named 红旗社工站 at 红旗大街148号 is placed on 红旗大街, not at the
    label point of the 红旗 subdistrict). Text in the name column that looks
    like an address (and vice versa) is tried both ways. When the two results
    are more than 500 m apart, the note says so.

Online (``provider=``: ``amap``, ``tianditu``, ``nominatim``; :mod:`coverage.geocoders`)
    Used only when asked, with the user's key, for the rows the extract
    could not place exactly (``online_for="not_exact"``; or ``"not_found"``,
    or ``"all"``). The online answer replaces the offline one when it ranks
    higher in the order above, where a provider's point of interest (Amap
    兴趣点, a Nominatim POI) comes between interpolated and street. An
    online answer more than 5 km outside the extract's area is refused (give
    ``city=``). Amap's GCJ-02 is converted to WGS-84; Tianditu's CGCS2000 is
    taken as WGS-84; each row's note says which.

Every text from the input stays data: it is matched and echoed, never run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import CoverageInputError
from ._files import write_cache
from .address import (
    HouseNumber,
    ParsedAddress,
    bigrams,
    cjk_part,
    looks_like_address,
    name_core,
    normalize_text,
    parse_address,
    parse_housenumber,
    score_normalised,
    strip_admin,
)
from .geocoders import Geocoder, Hit, make_geocoder

if TYPE_CHECKING:
    from ._types import FilePath

log = logging.getLogger(__name__)

INDEX_VERSION = 1
#: Output columns added to the table (input columns with these names are kept as ``<name>_input``).
OUTPUT_COLUMNS = ("lon", "lat", "status", "quality", "matched", "osm_id", "match_source", "score", "note")
QUALITIES = ("exact", "interpolated", "street", "name", "none")
ONLINE_FOR = ("not_exact", "not_found", "all")
ADDRESS_ALIASES = (
    "address",
    "addr",
    "地址",
    "详细地址",
    "站点地址",
    "地点",
    "位置",
    "所在地址",
    "门牌地址",
    "办公地址",
    "服务地址",
    "站址",
)
NAME_ALIASES = (
    "name",
    "名称",
    "站点名称",
    "站名",
    "站点",
    "名字",
    "机构名称",
    "单位名称",
    "社工站名称",
    "服务站名称",
    "小区名称",
)
NAME_KEYS = ("name", "name:zh", "name:zh-Hans", "alt_name", "official_name", "short_name")
#: Tags whose value describes what a named object is, in the order they are looked at.
KIND_KEYS = (
    "amenity",
    "office",
    "social_facility",
    "healthcare",
    "government",
    "place",
    "landuse",
    "building",
    "shop",
    "leisure",
    "tourism",
    "public_transport",
    "highway",
    "railway",
    "man_made",
    "historic",
    "natural",
    "waterway",
    "boundary",
)
_KIND_RANK = {
    "amenity": 0,
    "office": 0,
    "social_facility": 0,
    "healthcare": 0,
    "government": 0,
    "place": 0,
    "landuse": 1,
    "building": 1,
}
#: A mapped house number farther than this from its street is not used to interpolate.
MAX_KNOWN_NUMBER_M = 150.0
MAX_INTERSECTION_M = 50.0
#: A hint (the row's name match, or its 街道 prefix) farther than this from the street is not used.
MAX_HINT_M = 1000.0
FAR_APART_M = 500.0
OUTSIDE_AREA_M = 5000.0
#: Bounds on the OSM side: a 2-character street must follow one of these (or nothing) to count.
_BOUNDARY_ENDS = ("省", "市", "区", "县", "旗", "道", "镇", "乡", "村", "号")


# ---------------------------------------------------------------- reading the extract
def _names(tags: dict) -> list[str]:
    out: list[str] = []
    for k in NAME_KEYS:
        for part in str(tags.get(k, "")).split(";"):
            part = part.strip()
            for v in (part, cjk_part(part)):
                if v and v not in out:
                    out.append(v)
    return out


def _kind(tags: dict) -> str:
    k = next((k for k in KIND_KEYS if k in tags), "")
    return f"{k}={tags[k]}" if k else ""


def _read_extract(path: Path) -> dict:
    """One pass over the extract: the raw, JSON-able index."""
    import osmium
    import shapely

    keys = (*NAME_KEYS, "addr:housenumber", "addr:full", "addr:interpolation")
    fab = osmium.geom.WKBFactory()
    names, addresses, full, interpolation = [], [], [], []
    streets: dict[str, list] = defaultdict(list)
    node_numbers: dict[int, tuple[str, str]] = {}
    xs, ys = [], []

    def record(oid: str, tags: dict, lon: float, lat: float, rank: int) -> None:
        xs.append(lon)
        ys.append(lat)
        nm = _names(tags)
        if nm:
            names.append([oid, nm, _kind(tags), round(lon, 7), round(lat, 7)])
        street = tags.get("addr:street") or tags.get("addr:place")
        if tags.get("addr:housenumber") and street:
            addresses.append([oid, street, tags["addr:housenumber"], round(lon, 7), round(lat, 7), rank])
        if tags.get("addr:full"):
            full.append([oid, tags["addr:full"], round(lon, 7), round(lat, 7)])

    try:
        proc = osmium.FileProcessor(str(path)).with_locations().with_areas(osmium.filter.KeyFilter(*keys))
        proc = proc.with_filter(osmium.filter.KeyFilter(*keys))
        for o in proc:
            if o.is_node():
                tags = {t.k: t.v for t in o.tags}
                if not o.location.valid():
                    continue
                record(f"n{o.id}", tags, o.location.lon, o.location.lat, 1)
                if "addr:housenumber" in tags:
                    node_numbers[o.id] = (tags.get("addr:street", ""), tags["addr:housenumber"])
            elif o.is_way():
                tags = {t.k: t.v for t in o.tags}
                pts = [(n.lon, n.lat, n.ref) for n in o.nodes if n.location.valid()]
                if len(pts) < 2:
                    continue
                coords = [(round(x, 7), round(y, 7)) for x, y, _ in pts]
                if "addr:interpolation" in tags:
                    interpolation.append(
                        [
                            o.id,
                            tags["addr:interpolation"],
                            tags.get("addr:street", ""),
                            [[x, y, int(r)] for x, y, r in pts],
                        ]
                    )
                    continue
                if "highway" in tags and tags.get("area") != "yes":
                    for nm in _names(tags):
                        streets[nm].append([o.id, coords])
                    xs.extend(c[0] for c in coords)
                    ys.extend(c[1] for c in coords)
                    continue
                if o.is_closed() and len(coords) >= 4:
                    try:
                        pt = shapely.Polygon(coords).point_on_surface()
                    except shapely.errors.GEOSException:
                        pt = shapely.MultiPoint(coords).centroid
                else:
                    pt = shapely.LineString(coords).interpolate(0.5, normalized=True)
                record(f"w{o.id}", tags, pt.x, pt.y, 0)
            elif o.is_area() and not o.from_way():
                tags = {t.k: t.v for t in o.tags}
                try:
                    pt = shapely.from_wkb(fab.create_multipolygon(o)).point_on_surface()
                except (RuntimeError, shapely.errors.GEOSException):  # a broken ring at the extract's edge
                    continue
                record(f"r{o.orig_id()}", tags, pt.x, pt.y, 0)
    except RuntimeError as exc:
        msg = f"extract '{path}' could not be read as OpenStreetMap data ({str(exc).strip()[:160]})."
        raise CoverageInputError(msg) from None
    for item in interpolation:  # the numbered ends of each interpolation line
        for p in item[3]:
            street, number = node_numbers.get(p[2], ("", ""))
            p[2] = number
            if street and not item[2]:
                item[2] = street
    bounds = [min(xs), min(ys), max(xs), max(ys)] if xs else None
    return {
        "version": INDEX_VERSION,
        "names": names,
        "addresses": addresses,
        "full": full,
        "streets": dict(streets),
        "interpolation": interpolation,
        "bounds": bounds,
    }


# ---------------------------------------------------------------- the index
@dataclass(frozen=True)
class Match:
    """How one row was placed (WGS-84)."""

    lon: float
    lat: float
    quality: str
    matched: str
    osm_id: str
    score: float
    note: str
    source: str = "osm"

    @property
    def rank(self) -> int:
        """Exact 5 (an address, or a name equal to the OSM name), interpolated 4, a provider's point of
        interest 3, street 2, a name matched by similarity 1, nothing 0."""
        if self.quality == "name":
            return 3 if math.isnan(self.score) else 1
        return {"exact": 5, "interpolated": 4, "street": 2}.get(self.quality, 0)


@dataclass
class _Address:
    number: HouseNumber
    raw: str
    street: str
    osm_id: str
    lon: float
    lat: float
    rank: int


def _id_key(oid: str) -> tuple:
    return (oid[:1], int(oid[1:]) if oid[1:].isdigit() else 0)


def _street_key(name) -> str:
    return normalize_text(name)


class GeocodeIndex:
    """The named objects, addresses and streets of one extract, ready to match (see the module docstring).

    Build it with :func:`load_index`. ``bounds`` is ``(min_lon, min_lat,
    max_lon, max_lat)`` of what was indexed.
    """

    def __init__(self, raw: dict, *, source: str = ""):
        self.source = source
        self.bounds = tuple(raw["bounds"]) if raw.get("bounds") else None
        lon0, lat0 = (
            ((self.bounds[0] + self.bounds[2]) / 2, (self.bounds[1] + self.bounds[3]) / 2)
            if self.bounds
            else (0.0, 0.0)
        )
        self._lon0, self._lat0 = lon0, lat0
        self._kx = 111_320.0 * math.cos(math.radians(lat0))
        self._ky = 110_574.0
        # names
        # (normalised name, core, name, OSM id, kind, lon, lat)
        self.names: list[tuple[str, str, str, str, str, float, float]] = []
        self._primary: dict[str, str] = {}
        for oid, nms, kind, lon, lat in raw["names"]:
            self._primary.setdefault(oid, nms[0])
            for nm in nms:
                n = normalize_text(nm)
                if n:
                    self.names.append((n, name_core(n), nm, oid, kind, float(lon), float(lat)))
        self._by_norm: dict[str, list[int]] = defaultdict(list)
        self._by_core: dict[str, list[int]] = defaultdict(list)
        self._postings: dict[str, set[int]] = defaultdict(set)
        for i, (n, c, *_rest) in enumerate(self.names):
            self._by_norm[n].append(i)
            self._by_core[c].append(i)
            for g in set(bigrams(c)) | set(bigrams(n)):
                self._postings[g].add(i)
        # streets and addresses
        self._ways: dict[str, list] = defaultdict(list)
        self._street_names: dict[str, str] = {}
        for nm, ways in raw["streets"].items():
            k = _street_key(nm)
            if k:
                self._ways[k].extend(ways)
                self._street_names.setdefault(k, nm)
        self._addresses: dict[str, list[_Address]] = defaultdict(list)
        for oid, street, number, lon, lat, rank in raw["addresses"]:
            hn = parse_housenumber(number)
            if hn is None:
                continue
            for s in {street, cjk_part(street)} - {""}:
                k = _street_key(s)
                if k:
                    rec = _Address(hn, str(number), s, oid, float(lon), float(lat), int(rank))
                    self._addresses[k].append(rec)
                    self._street_names.setdefault(k, s)
        self._full: dict[str, tuple] = {}
        for oid, text, lon, lat in raw["full"]:
            self._full.setdefault(normalize_text(strip_admin(text)[0]), (oid, text, float(lon), float(lat)))
        self._interp: dict[str, list] = defaultdict(list)
        for wid, scheme, street, pts in raw["interpolation"]:
            k = _street_key(cjk_part(street) or street)
            if k:
                self._interp[k].append((wid, scheme, pts))
        self.street_keys = set(self._ways) | set(self._addresses)
        self._geoms: dict[str, list] = {}
        self._known: dict[str, list] = {}

    def __repr__(self) -> str:
        return (
            f"GeocodeIndex({self.source!r}: {len(self.names)} names, {len(self._ways)} streets, "
            f"{sum(map(len, self._addresses.values()))} addresses)"
        )

    # -- geometry in a local metric frame (equirectangular about the extract's centre; metres)
    def _xy(self, lon, lat):
        x = (np.asarray(lon, dtype=float) - self._lon0) * self._kx
        return x, (np.asarray(lat, dtype=float) - self._lat0) * self._ky

    def _lonlat(self, x: float, y: float) -> tuple[float, float]:
        return float(x / self._kx + self._lon0), float(y / self._ky + self._lat0)

    def _parts(self, key: str) -> list:
        """The street's continuous stretches (shapely lines in metres), longest first."""
        if key not in self._geoms:
            import shapely

            lines = []
            for _wid, coords in self._ways.get(key, []):
                c = np.asarray(coords, dtype=float)
                x, y = self._xy(c[:, 0], c[:, 1])
                lines.append(shapely.LineString(np.column_stack([x, y])))
            parts = []
            if lines:
                merged = shapely.line_merge(shapely.MultiLineString(lines))
                parts = list(getattr(merged, "geoms", [merged]))
                parts.sort(key=lambda g: (-round(g.length, 3), tuple(np.round(g.coords[0], 3))))
            self._geoms[key] = parts
        return self._geoms[key]

    def bounds_distance_m(self, lon: float, lat: float) -> float:
        """Metres from (lon, lat) to the indexed area's bounding box (0 inside)."""
        if not self.bounds:
            return 0.0
        x0, y0, x1, y1 = self.bounds
        dx = max(x0 - lon, 0.0, lon - x1) * self._kx
        dy = max(y0 - lat, 0.0, lat - y1) * self._ky
        return float(math.hypot(dx, dy))

    # -- names
    def match_name(self, text, *, min_score: float = 0.6) -> tuple[Match | None, str]:
        """The best named object for ``text``, or ``(None, why)``."""
        qn = normalize_text(text)
        if not qn:
            return None, "no name given"
        qc = name_core(qn)
        stripped = normalize_text(strip_admin(qn)[0])
        # equal names or cores score 0.95 or more, above any similarity: look no further when there are any
        cand: set[int] = set(self._by_norm.get(qn, [])) | set(self._by_core.get(qc, []))
        if stripped != qn:
            cand |= set(self._by_norm.get(stripped, [])) | set(self._by_core.get(name_core(stripped), []))
        if not cand:
            for g in set(bigrams(qc)) | set(bigrams(qn)):
                cand |= self._postings.get(g, set())
        scored = []
        for i in cand:
            n, c, *_ = self.names[i]
            s = score_normalised(qn, qc, n, c)
            if stripped != qn and s < 0.95 and (stripped == n or name_core(stripped) == c):
                s = 0.95  # the same name once the province/city/district is taken off
            scored.append((s, i))
        if not scored:
            return None, f"no OSM name resembles {str(text).strip()!r}"

        def order(item):
            s, i = item
            _n, _c, _name, oid, kind, _lon, _lat = self.names[i]
            return (-s, _KIND_RANK.get(kind.split("=")[0], 2), _id_key(oid))

        scored.sort(key=order)
        best_s, best = scored[0]
        _n, _c, name, oid, kind, lon, lat = self.names[best]
        if best_s < min_score:
            return None, (
                f"no OSM name close enough to {str(text).strip()!r} (best {name!r}, score {best_s:.2f})"
            )
        ties = []
        for s, i in scored[1:]:
            if s < best_s or len(ties) >= 3:
                break
            if self.names[i][3] != oid and f"{self.names[i][2]} ({self.names[i][3]})" not in ties:
                ties.append(f"{self.names[i][2]} ({self.names[i][3]})")
        quality = "exact" if best_s >= 1.0 else "name"
        primary = self._primary.get(oid, name)
        note = f"name matched OSM {kind or 'object'} {primary!r}"
        if primary != name:
            note += f" by its other name {name!r}"
        if best_s < 0.9:
            note += f" (fuzzy, score {best_s:.2f}: check it)"
        if ties:
            note += f"; equally good: {', '.join(ties)}"
        return Match(lon, lat, quality, primary, oid, float(best_s), note), ""

    # -- streets
    def find_street(self, text: str) -> tuple[str | None, str]:
        """``(street key, how)`` for the street in ``text`` (``"end"`` or ``"inside"``), or ``(None, "")``."""
        t = normalize_text(text)
        for i in range(len(t) - 1):
            k = t[i:]
            if k in self.street_keys and (len(k) >= 3 or i == 0 or t[:i].endswith(_BOUNDARY_ENDS)):
                return k, "end"
        best = None
        for i in range(len(t)):
            for j in range(len(t), i + 2, -1):
                k = t[i:j]
                if k in self.street_keys and (best is None or len(k) > len(best)):
                    best = k
                    break
        return (best, "inside") if best else (None, "")

    def _nearest_way(self, key: str, x: float, y: float) -> str:
        import shapely

        best, best_d = "", math.inf
        for wid, coords in self._ways.get(key, []):
            c = np.asarray(coords, dtype=float)
            cx, cy = self._xy(c[:, 0], c[:, 1])
            d = shapely.LineString(np.column_stack([cx, cy])).distance(shapely.Point(x, y))
            if d < best_d - 1e-9:
                best, best_d = f"w{wid}", d
        return best

    def street_point(
        self, key: str, near: tuple[float, float, str] | None = None
    ) -> tuple[float, float, str, str] | None:
        """``(lon, lat, note, way id)``: the street's point nearest to ``near`` (``(lon, lat, what)``, when
        within :data:`MAX_HINT_M`), else the midpoint of its longest stretch; None without geometry."""
        import shapely

        parts = self._parts(key)
        if parts:
            if near is not None:
                x, y = self._xy(near[0], near[1])
                pt = shapely.Point(float(x), float(y))
                d = [g.distance(pt) for g in parts]
                j = int(np.argmin(d))
                if d[j] <= MAX_HINT_M:
                    p = parts[j].interpolate(parts[j].project(pt))
                    lon, lat = self._lonlat(p.x, p.y)
                    return (
                        lon,
                        lat,
                        (f"its point nearest to {near[2]} ({d[j]:.0f} m away)"),
                        self._nearest_way(key, p.x, p.y),
                    )
            p = parts[0].interpolate(parts[0].length / 2)
            lon, lat = self._lonlat(p.x, p.y)
            more = f", one of {len(parts)} separate stretches" if len(parts) > 1 else ""
            km = parts[0].length / 1000
            return (
                lon,
                lat,
                (f"the midpoint of its longest stretch in the extract ({km:.1f} km{more})"),
                self._nearest_way(key, p.x, p.y),
            )
        recs = self._addresses.get(key)
        if recs:
            lon = float(np.mean([r.lon for r in recs]))
            lat = float(np.mean([r.lat for r in recs]))
            return lon, lat, f"the centre of its {len(recs)} mapped addresses (the street is not mapped)", ""
        return None

    def _known_numbers(self, key: str) -> list[tuple[int, int, float, str, str]]:
        """Mapped numbers on the street: (main number, stretch, position along it in m, number text, id)."""
        if key not in self._known:
            import shapely

            parts = self._parts(key)
            out = []
            for r in self._addresses.get(key, []):
                if r.number.prefix or not parts:
                    continue
                x, y = self._xy(r.lon, r.lat)
                pt = shapely.Point(float(x), float(y))
                d = [p.distance(pt) for p in parts]
                j = int(np.argmin(d))
                if d[j] <= MAX_KNOWN_NUMBER_M:
                    out.append((r.number.main, j, float(parts[j].project(pt)), r.raw, r.osm_id))
            out.sort(key=lambda t: (t[0], _id_key(t[4])))
            self._known[key] = out
        return self._known[key]

    def _interpolate_way(self, key: str, n: int) -> tuple[float, float, str, str] | None:
        import shapely

        for wid, scheme, pts in sorted(self._interp.get(key, []), key=lambda t: t[0]):
            if scheme == "odd" and n % 2 == 0 or scheme == "even" and n % 2 == 1:
                continue
            c = np.asarray([[p[0], p[1]] for p in pts], dtype=float)
            x, y = self._xy(c[:, 0], c[:, 1])
            line = shapely.LineString(np.column_stack([x, y]))
            s_at = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
            numbered = [(parse_housenumber(p[2]), s) for p, s in zip(pts, s_at, strict=True) if p[2]]
            numbered = [(h.main, s) for h, s in numbered if h is not None and not h.prefix]
            for (a, sa), (b, sb) in zip(numbered[:-1], numbered[1:], strict=True):
                lo, hi = min(a, b), max(a, b)
                if lo < n < hi:
                    p = line.interpolate(sa + (n - a) / (b - a) * (sb - sa))
                    lon, lat = self._lonlat(p.x, p.y)
                    return lon, lat, f"w{wid}", f"along the addr:interpolation way w{wid} between {a} and {b}"
        return None

    def _interpolate(self, key: str, n: int) -> tuple[float, float, str, str] | None:
        known = self._known_numbers(key)
        parts = self._parts(key)
        for same_side in (True, False):
            ks = [k for k in known if not same_side or k[0] % 2 == n % 2]
            lo = [k for k in ks if k[0] < n]
            hi = [k for k in ks if k[0] > n]
            if not lo or not hi:
                continue
            a, b = lo[-1], hi[0]
            if a[1] != b[1]:
                continue  # on different stretches of the street
            s = a[2] + (n - a[0]) / (b[0] - a[0]) * (b[2] - a[2])
            p = parts[a[1]].interpolate(s)
            lon, lat = self._lonlat(p.x, p.y)
            side = "same side: " + ("odd" if n % 2 else "even") + " numbers" if same_side else "either side"
            return (
                lon,
                lat,
                f"{a[4]},{b[4]}",
                (
                    f"interpolated between {a[3]} ({a[4]}) and {b[3]} ({b[4]}) "
                    f"({side}), on the street's centreline"
                ),
            )
        return None

    def _intersection(self, a: str, b: str) -> tuple[float, float, float] | None:
        import shapely

        pa, pb = self._parts(a), self._parts(b)
        if not pa or not pb:
            return None
        ga, gb = shapely.MultiLineString(pa), shapely.MultiLineString(pb)
        d = ga.distance(gb)
        if d > MAX_INTERSECTION_M:
            return None
        p, q = shapely.ops.nearest_points(ga, gb)
        lon, lat = self._lonlat((p.x + q.x) / 2, (p.y + q.y) / 2)
        return lon, lat, d

    def match_address(
        self, parsed: ParsedAddress, near: tuple[float, float, str] | None = None
    ) -> tuple[Match | None, str]:
        """Place a parsed address, or ``(None, why)`` (see the module docstring for the order); ``near``
        (``(lon, lat, what)``) picks the point of a street when only the street is found."""
        if not parsed.text:
            return None, "no address given"
        stripped = normalize_text(strip_admin(parsed.text)[0])
        if stripped in self._full:
            oid, text, lon, lat = self._full[stripped]
            return Match(lon, lat, "exact", text, oid, math.nan, f"addr:full of {oid}"), ""
        if parsed.intersection:
            ka, kb = (self.find_street(s)[0] for s in parsed.intersection)
            if ka and kb and ka != kb:
                hit = self._intersection(ka, kb)
                if hit:
                    lon, lat, d = hit
                    na, nb = self._street_names[ka], self._street_names[kb]
                    return Match(
                        lon,
                        lat,
                        "street",
                        f"{na} × {nb}",
                        "",
                        math.nan,
                        f"where {na} meets {nb} ({d:.0f} m apart in the extract)",
                    ), ""
        key, how = self.find_street(parsed.before if parsed.number else parsed.text)
        if key is None:
            guess = parsed.street_guess if parsed.number else strip_admin(parsed.text)[0]
            return None, f"street {guess!r} is not in the extract"
        street = self._street_names[key]
        inside = f" (found {street!r} inside the address)" if how == "inside" else ""
        n = parsed.number
        detail = f"; {parsed.detail!r} ignored for placement" if parsed.detail else ""
        lane = "lane (弄) " if parsed.lane else ""
        if n is not None:
            recs = self._addresses.get(key, [])
            same = [r for r in recs if r.number == n] or [r for r in recs if r.number.main == n.main]
            if same:
                same.sort(key=lambda r: (r.rank, _id_key(r.osm_id)))
                r = same[0]
                note = f"{street} {r.raw} of {r.osm_id}"
                if r.number != n:
                    note += f" (OSM has {r.raw}, the address says {n.text})"
                if len(same) > 1:
                    note += f"; {len(same)} OSM objects have this address"
                return Match(
                    r.lon, r.lat, "exact", f"{street}{r.raw}", r.osm_id, math.nan, note + inside + detail
                ), ""
            if not n.prefix:
                hit = self._interpolate_way(key, n.main) or self._interpolate(key, n.main)
                if hit:
                    lon, lat, ids, how_ = hit
                    return Match(
                        lon,
                        lat,
                        "interpolated",
                        f"{street}{n.text}号",
                        ids.split(",")[0],
                        math.nan,
                        f"{lane}number {n.text} {how_}{inside}{detail}",
                    ), ""
        sp = self.street_point(key, near)
        if sp is None:
            return None, f"street {street!r} has no geometry in the extract"
        lon, lat, where, way = sp
        why = (
            f"the extract has no {lane}number {n.text} on {street}"
            if n is not None
            else f"no house number given for {street}"
        )
        note = f"{why}: placed at {where}{inside}{detail}"
        return Match(lon, lat, "street", street, way, math.nan, note), ""


def _index_cache_path(path: Path) -> Path:
    from . import settings
    from ._files import file_digest

    h = hashlib.sha256(f"{file_digest(path)}|geocode-index-v{INDEX_VERSION}".encode()).hexdigest()[:32]
    return Path(settings.cache_folder) / f"geocode-index-{h}.json"


def load_index(extract, *, cache: bool | None = None) -> GeocodeIndex:
    """The offline index of an OSM extract (any format pyosmium reads), cached on disk by its content.

    Parameters
    ----------
    extract
        Path of the ``.osm``, ``.osm.pbf`` or ``.osm.bz2`` file (or an index, returned as is).
    cache
        Read and write the on-disk cache (default :data:`coverage.settings.use_cache`).
    """
    from . import settings

    if isinstance(extract, GeocodeIndex):
        return extract
    if not isinstance(extract, (str, Path)):
        msg = f"extract must be the path of an OSM file, not {type(extract).__name__}."
        raise CoverageInputError(msg)
    path = Path(extract)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        msg = f"extract '{path}' {what}; give an .osm.pbf (or .osm, .osm.bz2) file."
        raise CoverageInputError(msg)
    use = settings.use_cache if cache is None else bool(cache)
    cached = _index_cache_path(path) if use else None
    if cached is not None and cached.exists():
        try:
            raw = json.loads(cached.read_text(encoding="utf-8"))
            if raw.get("version") == INDEX_VERSION:
                return GeocodeIndex(raw, source=str(path))
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("Rebuilding the unreadable geocoding index cache %s", cached)
    raw = _read_extract(path)
    if cached is not None:
        text = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
        write_cache(cached, lambda tmp: tmp.write_text(text, encoding="utf-8"), "geocoding index")
    index = GeocodeIndex(raw, source=str(path))
    log.info("%s", index)
    return index


# ---------------------------------------------------------------- the table
def _read_table(table, sheet) -> tuple[pd.DataFrame, str]:
    """(frame, label naming it in messages)."""
    if isinstance(table, pd.DataFrame):
        return pd.DataFrame(table).copy(), "table"
    if not isinstance(table, (str, Path)):
        msg = f"table must be a DataFrame or a CSV/Excel path, not {type(table).__name__}."
        raise CoverageInputError(msg)
    from . import io as readers  # its CSV/Excel readers (encoding, separator, sheets); see the report

    path = Path(table)
    label = f"stations file '{path}'"
    if not path.is_file():
        msg = f"{label} {'is a folder' if path.is_dir() else 'does not exist'}; give a CSV or Excel file."
        raise CoverageInputError(msg)
    suffix = path.suffix.lower()
    if suffix in readers.CSV_SUFFIXES:
        frame, label = readers._read_csv(path, label)
    elif suffix in readers.EXCEL_SUFFIXES:
        frame, label = readers._read_excel(path, label, sheet)
    else:
        msg = f"{label} has an unknown format {suffix!r}; give .csv, .txt, .xlsx, .xls or a DataFrame."
        raise CoverageInputError(msg)
    return frame, label


def _column(frame: pd.DataFrame, wanted: str | None, aliases, label: str, what: str) -> str | None:
    cols = {normalize_text(c): c for c in map(str, frame.columns)}
    if wanted is not None:
        found = cols.get(normalize_text(wanted))
        if found is None:
            msg = (
                f"{label} has no {what} column {wanted!r}; columns are "
                f"{[c for c in map(str, frame.columns) if c != 'geometry']}."
            )
            raise CoverageInputError(msg)
        return found
    return next((cols[normalize_text(a)] for a in aliases if normalize_text(a) in cols), None)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _from_hit(hit: Hit) -> Match:
    return Match(hit.lon, hit.lat, hit.quality, hit.matched, hit.ref, math.nan, hit.note, hit.source)


def _distance_m(a: Match, b: Match) -> float:
    kx = 111_320.0 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot((a.lon - b.lon) * kx, (a.lat - b.lat) * 110_574.0)


def _place_offline(
    index: GeocodeIndex, address: str, name: str, min_score: float
) -> tuple[Match | None, str]:
    """The best offline match of one row, or ``(None, why)``."""
    found: list[tuple[str, Match]] = []
    why: list[str] = []
    address_texts = [address] if address else []
    name_texts = [name] if name else []
    if address and not looks_like_address(address):
        name_texts.append(address)  # a name in the address column
    if name and not address and looks_like_address(name):
        address_texts.append(name)  # an address in the name column
    named: list[Match] = []
    for text in name_texts:
        m, w = index.match_name(text, min_score=min_score)
        if m:
            named.append(m)
        else:
            why.append(f"name: {w}")
    for text in address_texts:
        parsed = parse_address(text)
        near = None
        if named:
            near = (
                named[0].lon,
                named[0].lat,
                f"{named[0].matched} ({named[0].osm_id}), which the name resembles",
            )
        else:
            for prefix in reversed(parsed.admin):  # 红旗街道 in 香坊区红旗街道红旗大街148号
                m, _ = index.match_name(prefix, min_score=1.0)
                if m:
                    near = (m.lon, m.lat, f"{m.matched} ({m.osm_id}) named in the address")
                    break
        m, w = index.match_address(parsed, near)
        if m:
            found.append(("address", m))
        else:
            why.insert(0, f"address: {w}")
    found += [("name", m) for m in named]
    if not found:
        return None, "; ".join(why) or "no address or name given"
    order = sorted(range(len(found)), key=lambda i: (-found[i][1].rank, i))
    best = found[order[0]][1]
    others = [found[i] for i in order[1:] if found[i][1].osm_id != best.osm_id]
    if others:
        what, other = others[0]
        d = _distance_m(best, other)
        if d > FAR_APART_M:
            best = Match(
                best.lon,
                best.lat,
                best.quality,
                best.matched,
                best.osm_id,
                best.score,
                f"{best.note}; the {what} points {d / 1000:.1f} km away ({other.matched}): check it",
                best.source,
            )
    return best, ""


def geocode(
    table: FilePath | pd.DataFrame,
    *,
    extract: FilePath | GeocodeIndex | None = None,
    address_col: str | None = None,
    name_col: str | None = None,
    provider: str | Geocoder | None = None,
    key: str | None = None,
    city: str | None = None,
    online_for: str = "not_exact",
    min_score: float = 0.6,
    sheet: str | None = None,
    cache: bool | None = None,
    provider_options: dict | None = None,
) -> gpd.GeoDataFrame:
    """Place a table of stations given by address and/or name; every row kept, in order.

    Parameters
    ----------
    table
        A DataFrame, or a CSV (any common encoding and separator, GBK
        included) or Excel path.
    extract
        The OSM extract (``.osm``/``.osm.pbf``/``.osm.bz2`` path, or a
        :class:`GeocodeIndex`) to place rows offline. Needed unless
        ``provider`` is given.
    address_col, name_col
        Columns with the address and the name (any case). By default the
        first present of ``address``/地址/详细地址/站点地址/... and of
        ``name``/名称/站点名称/站名/...; at least one must exist.
    provider
        ``"amap"``, ``"tianditu"``, ``"nominatim"`` (or a
        :class:`coverage.geocoders.Geocoder`) to ask online for the rows the
        extract could not place exactly; None (the default) stays offline.
    key
        The provider's key (Amap, Tianditu); default from
        ``SERVICE_COVERAGE_AMAP_KEY`` / ``SERVICE_COVERAGE_TIANDITU_KEY``.
    city
        City for the online provider (Amap's ``city``; prefixed to Tianditu
        and Nominatim queries), e.g. ``"哈尔滨"``.
    online_for
        Which rows go online: ``"not_exact"`` (default: all but exact
        offline matches), ``"not_found"`` (only rows the extract could not
        place) or ``"all"``.
    min_score
        Lowest name score accepted (0 to 1; see :func:`coverage.address.name_score`).
    sheet
        Excel sheet (default the first).
    cache
        Use the on-disk caches (index and provider answers); default
        :data:`coverage.settings.use_cache`.
    provider_options
        More options for the provider (``min_interval_s``, ``retries``,
        ``timeout_s``, ``transport``, ``user_agent``, ...).

    Returns
    -------
    geopandas.GeoDataFrame
        The input columns (an input column named like an output column is
        kept as ``<name>_input``), then ``lon``, ``lat`` (WGS-84; NaN when not
        found), ``status`` (``found`` / ``not_found``), ``quality`` (``exact``,
        ``interpolated``, ``street``, ``name``, ``none``), ``matched`` (the
        text of what was matched), ``osm_id`` (``n``/``w``/``r`` + id, for a
        planner to check; "" for online answers without one),
        ``match_source`` (``osm``, ``amap``, ``tianditu``, ``nominatim``; ""
        when not found), ``score`` (name matches; NaN otherwise) and ``note``
        (how, or why not); point geometry in EPSG:4326.
    """
    if extract is None and provider is None:
        msg = "geocode needs extract= (an OSM file, offline) or provider= ('amap', 'tianditu', 'nominatim')."
        raise CoverageInputError(msg)
    if online_for not in ONLINE_FOR:
        msg = f"online_for={online_for!r} is not one of {', '.join(ONLINE_FOR)}."
        raise CoverageInputError(msg)
    if not (0 < float(min_score) <= 1):
        msg = f"min_score={min_score!r} must be a score above 0 and at most 1 (e.g. 0.6)."
        raise CoverageInputError(msg)
    frame, label = _read_table(table, sheet)
    acol = _column(frame, address_col, ADDRESS_ALIASES, label, "address")
    ncol = _column(frame, name_col, NAME_ALIASES, label, "name")
    if acol is None and ncol is None:
        msg = (
            f"{label} has no address or name column (looked for {', '.join(ADDRESS_ALIASES[:5])}, ... and "
            f"{', '.join(NAME_ALIASES[:4])}, ...); columns are {list(map(str, frame.columns))}. "
            "Pass address_col= or name_col=."
        )
        raise CoverageInputError(msg)
    options = dict(provider_options or {})
    if cache is not None:
        options.setdefault("cache", cache)
    online = make_geocoder(provider, key, **options) if provider is not None else None
    index = load_index(extract, cache=cache) if extract is not None else None

    n = len(frame)
    addresses = [_cell(v) for v in (frame[acol] if acol is not None else [""] * n)]
    names = [_cell(v) for v in (frame[ncol] if ncol is not None else [""] * n)]
    results: list[Match | None] = [None] * n
    notes = [""] * n
    memo: dict[tuple[str, str], tuple[Match | None, str]] = {}
    for i, (a, nm) in enumerate(zip(addresses, names, strict=True)):
        if not a and not nm:
            notes[i] = "no address or name given"
            continue
        if index is not None:
            if (a, nm) not in memo:
                memo[(a, nm)] = _place_offline(index, a, nm, float(min_score))
            results[i], notes[i] = memo[(a, nm)]
    if online is not None:
        bounds = index.bounds if index is not None else None
        asked: dict[str, Hit] = {}

        def add_note(i: int, extra: str) -> None:
            if results[i] is not None:
                results[i] = replace(results[i], note=f"{results[i].note}; {extra}")
            else:
                notes[i] = f"{notes[i]}; {extra}" if notes[i] else extra

        for i, (a, nm) in enumerate(zip(addresses, names, strict=True)):
            off = results[i]
            skip = off is not None and (
                online_for == "not_found" or (online_for == "not_exact" and off.quality == "exact")
            )
            if not (a or nm) or skip:
                continue
            query = a or nm
            if query not in asked:
                asked[query] = online.lookup(query, city=city, bounds=bounds)
            hit = asked[query]
            if hit.quality == "none":
                add_note(i, f"{online.name}: {hit.note}")
                continue
            m = _from_hit(hit)
            d = index.bounds_distance_m(m.lon, m.lat) if index is not None else 0.0
            if d > OUTSIDE_AREA_M:
                add_note(
                    i,
                    f"{online.name} placed it {d / 1000:.0f} km outside the extract's area "
                    f"({m.matched}): not used; give city=",
                )
            elif off is None or m.rank > off.rank:
                offline = off.note if off is not None else notes[i]
                results[i] = replace(m, note=f"{m.note}; offline: {offline}" if offline else m.note)
            else:
                add_note(i, f"{online.name} was not better ({m.quality}: {m.matched})")

    out = frame.copy()
    clash = [c for c in out.columns if str(c) in OUTPUT_COLUMNS or str(c) == "geometry"]
    if clash:
        out = out.rename(columns={c: f"{c}_input" for c in clash})
    nan = math.nan
    out["lon"] = [r.lon if r else nan for r in results]
    out["lat"] = [r.lat if r else nan for r in results]
    out["status"] = ["found" if r else "not_found" for r in results]
    out["quality"] = [r.quality if r else "none" for r in results]
    out["matched"] = [r.matched if r else "" for r in results]
    out["osm_id"] = [r.osm_id if r else "" for r in results]
    out["match_source"] = [r.source if r else "" for r in results]
    out["score"] = [r.score if r else nan for r in results]
    out["note"] = [r.note if r else notes[i] for i, r in enumerate(results)]
    geometry = gpd.points_from_xy(out["lon"], out["lat"])
    geometry[~np.isfinite(out["lon"].to_numpy(dtype=float))] = None
    gdf = gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")
    found = sum(r is not None for r in results)
    counts = gdf["quality"].value_counts()
    log.info(
        "%s: placed %d of %d rows (%s)",
        label,
        found,
        n,
        ", ".join(f"{q} {int(counts[q])}" for q in QUALITIES if q in counts),
    )
    return gdf
