"""The walking network: load it from OpenStreetMap, keep it as arrays.

A :class:`WalkNetwork` is an undirected graph of straight street segments,
kept as numpy arrays rather than a networkx graph so that shortest paths run
in scipy's compiled kernels and snapping is vectorised. Node coordinates are
held both in WGS-84 and in a projected work CRS (the local UTM zone). Edge
lengths are great-circle metres, as osmnx computes its ``length`` attribute.

Which ways are walkable is decided by osmnx's own ``walk`` filter, read from
the installed osmnx so the two never drift apart: footways, paths, pedestrian
streets, steps, residential, service and trunk roads are walkable; motorways,
cycleways, ``foot=no``, ``access=private`` and ``area=yes`` are not. One-way
tags are ignored, because people walk both ways.

Where Chinese streets prove that filter wrong, two rules are added:
``motorroad=yes`` (closed to pedestrians by law) is not walkable, and,
unless asked for (``elevated_roads=True``), neither is an elevated trunk
road (a viaduct, 高架: ``highway=trunk|trunk_link`` with ``bridge``) that
has no ``foot`` permission or ``sidewalk`` tag. Every segment also keeps
flags (:data:`EDGE_FLAGS`: bridge, tunnel, covered, layer, steps,
wheelchair, incline, kerb) so that points on the ground are never snapped
onto a deck or into a tunnel (:mod:`coverage.snapping`) and walking
profiles can leave segments out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pyproj
from scipy import sparse
from scipy.sparse import csgraph

from . import settings
from ._csr import symmetric_csr
from ._errors import CoverageInputError
from ._files import file_digest, write_cache
from .crs import utm_crs_for
from .osm import (  # noqa: F401  (the tag rules, importable from here too)
    EDGE_FLAGS,
    FLAG_BRIDGE,
    FLAG_COVERED,
    FLAG_KERB,
    FLAG_LAYER,
    FLAG_NO_WHEELCHAIR,
    FLAG_STEEP,
    FLAG_STEPS,
    FLAG_TUNNEL,
    OFF_GROUND,
    OSM_SUFFIXES,
    WALK_FILTER,
    WalkFilter,
    parse_overpass_filter,
    read_extract,
    remember,
    walk_filter_text,
    way_flags,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd
    import networkx as nx
    import shapely

    from ._types import NetworkSource

log = logging.getLogger(__name__)

_T = TypeVar("_T")

#: Bump when the cached arrays change meaning.
_CACHE_VERSION = 3

#: The earth radius osmnx uses for great-circle lengths, metres.
EARTH_RADIUS_M = 6_371_009.0


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network of straight segments.

    Attributes
    ----------
    node_id
        OSM node id per node (negative for vertices interpolated from an osmnx
        edge geometry).
    lon, lat
        WGS-84 coordinates per node.
    edge_u, edge_v
        Node indices of each segment's ends.
    edge_length_m
        Great-circle length of each segment in metres.
    edge_way
        OSM way id of each segment (0 when unknown).
    edge_flags
        :data:`EDGE_FLAGS` bits of each segment (bridge, tunnel, steps, ...);
        zeros when unknown.
    meta
        Where the network came from and what was dropped while building it.
    """

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length_m: np.ndarray
    edge_way: np.ndarray
    edge_flags: np.ndarray = None  # type: ignore[assignment]  (filled in __post_init__)
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.edge_flags is None:
            object.__setattr__(self, "edge_flags", np.zeros(self.edge_u.size, dtype=np.uint8))

    @property
    def ground(self) -> np.ndarray:
        """Segments at ground level: the only ones a point on the ground is snapped to."""
        return (self.edge_flags & OFF_GROUND) == 0

    @cached_property
    def ground_node(self) -> np.ndarray:
        """Nodes of ground-level segments (automatic candidate sites stand on them, never on a deck)."""
        out = np.zeros(self.n_nodes, dtype=bool)
        g = self.ground
        out[self.edge_u[g]] = True
        out[self.edge_v[g]] = True
        return out

    # ------------------------------------------------------------------ basics
    @property
    def n_nodes(self) -> int:
        return int(self.node_id.size)

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.size)

    def __repr__(self) -> str:
        src = self.meta.get("source", "arrays")
        return f"WalkNetwork({self.n_nodes:,} nodes, {self.n_edges:,} edges, from {src})"

    @cached_property
    def crs(self) -> pyproj.CRS:
        """Projected work CRS (the UTM zone at the network's centre, or ``meta["work_crs"]`` when set:
        a tile cut from a larger network keeps the larger network's CRS)."""
        if self.meta.get("work_crs"):
            return pyproj.CRS.from_user_input(self.meta["work_crs"])
        return utm_crs_for(float(np.median(self.lon)), float(np.median(self.lat)))

    @cached_property
    def xy(self) -> np.ndarray:
        """Node coordinates in :attr:`crs`, shape (n_nodes, 2), metres."""
        t = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = t.transform(self.lon, self.lat)
        return np.column_stack([x, y])

    @property
    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the nodes."""
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def derived(self, name: str, build: Callable[[WalkNetwork], _T]) -> _T:
        """A structure derived from the network (search graph, snapping index), built once and kept."""
        value = self.__dict__.get(name)
        if value is None:
            value = build(self)
            self.__dict__[name] = value
        return value

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the node positions and segments: names this network in derived caches."""
        h = hashlib.sha256()
        for a in (self.lon, self.lat, self.edge_u, self.edge_v, self.edge_length_m):
            h.update(np.ascontiguousarray(a).tobytes())
        if (self.edge_flags & OFF_GROUND).any():  # snapping depends on them (networks without any: as before)
            h.update(np.ascontiguousarray(self.edge_flags & OFF_GROUND).tobytes())
        return h.hexdigest()

    @cached_property
    def csr(self) -> sparse.csr_matrix:
        """Symmetric adjacency matrix with the shortest parallel edge's length."""
        return symmetric_csr(self.edge_u, self.edge_v, self.edge_length_m, self.n_nodes)

    def to_networkx(self) -> nx.Graph:
        """The network as an undirected ``networkx.Graph`` (lengths as ``length``).

        Parallel segments keep the shorter length. Meant for checks and for
        users who want networkx algorithms; the library itself never uses it.
        """
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n_nodes))
        order = np.argsort(-self.edge_length_m, kind="stable")  # shortest written last
        g.add_weighted_edges_from(
            zip(
                self.edge_u[order].tolist(),
                self.edge_v[order].tolist(),
                self.edge_length_m[order].tolist(),
                strict=True,
            ),
            weight="length",
        )
        return g

    def walk_s(self, speed_kph: float | None = None, profile: str | None = None) -> np.ndarray:
        """Walking time of every segment in seconds at a speed or profile (default: adult)."""
        return self.edge_length_m / settings.speed_m_s(profile, speed_kph)

    def edges_gdf(
        self,
        crs: str | int | pyproj.CRS = "EPSG:4326",
        *,
        speed_kph: float | None = None,
        profile: str | None = None,
    ) -> gpd.GeoDataFrame:
        """The segments as a GeoDataFrame: ``u``, ``v``, ``length_m``, ``walk_s`` (at the given
        speed or profile, default adult 4.8 km/h) and ``way_id``."""
        import geopandas as gpd
        import shapely

        coords = np.empty((2 * self.n_edges, 2))
        coords[0::2, 0], coords[0::2, 1] = self.lon[self.edge_u], self.lat[self.edge_u]
        coords[1::2, 0], coords[1::2, 1] = self.lon[self.edge_v], self.lat[self.edge_v]
        lines = shapely.linestrings(coords, indices=np.repeat(np.arange(self.n_edges), 2))
        gdf = gpd.GeoDataFrame(
            {
                "u": self.edge_u,
                "v": self.edge_v,
                "length_m": self.edge_length_m,
                "walk_s": self.walk_s(speed_kph, profile),
                "way_id": self.edge_way,
            },
            geometry=lines,
            crs="EPSG:4326",
        )
        return gdf if crs in (None, "EPSG:4326") else gdf.to_crs(crs)

    # ------------------------------------------------------------------ walking profiles
    @property
    def base(self) -> WalkNetwork:
        """The whole walking network this one was restricted from (itself when it is the whole)."""
        return self.__dict__.get("_parent", self)

    @property
    def parent_edge(self) -> np.ndarray:
        """Per segment, its index in :attr:`base` (the identity for the whole network)."""
        pe = self.__dict__.get("_parent_edge")
        return np.arange(self.n_edges) if pe is None else pe

    def for_profile(self, profile: str | None) -> WalkNetwork:
        """The network a walking profile may use (built once per profile and kept).

        Profiles in :data:`coverage.settings.PROFILE_AVOID` (``wheelchair``)
        leave out the segments with those flags (steps, ``wheelchair=no``,
        steep inclines, raised kerbs) and keep the largest connected piece
        of the rest, as the whole network keeps its largest piece; other
        profiles (speeds only) use the whole network. Node coordinates,
        segment lengths and the work CRS are the whole network's, so
        snapping and walks agree with it wherever the same segments are used.
        """
        base = self.base
        avoid = settings.PROFILE_AVOID.get(profile or "", ())
        if not avoid:
            return base
        return base.derived(f"_profile_{profile}", lambda n: _restricted(n, profile, avoid))

    # ------------------------------------------------------------------ caching
    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "node_id": self.node_id,
            "lon": self.lon,
            "lat": self.lat,
            "edge_u": self.edge_u,
            "edge_v": self.edge_v,
            "edge_length_m": self.edge_length_m,
            "edge_way": self.edge_way,
            "edge_flags": self.edge_flags,
        }

    def save(self, path: str | Path) -> None:
        """Save the network (and its junction graph) to ``.npz`` (reload with :meth:`load`)."""
        from dataclasses import asdict

        from .topology import chains_of

        arrays = self._arrays()
        arrays.update({f"chains__{k}": v for k, v in asdict(chains_of(self)).items()})
        arrays["meta"] = np.array(json.dumps(self.meta))
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> WalkNetwork:
        """Load a network saved with :meth:`save`."""
        from .topology import Chains

        with np.load(path, allow_pickle=False) as z:
            kw = {k: z[k] for k in z.files if k != "meta" and not k.startswith("chains__")}
            chains = {k[len("chains__") :]: z[k] for k in z.files if k.startswith("chains__")}
            meta = json.loads(str(z["meta"]))
        net = cls(**kw, meta=meta)
        if chains:
            net.__dict__["_chains"] = Chains(**chains)
        return net


def _restricted(net: WalkNetwork, profile: str, avoid: tuple[str, ...]) -> WalkNetwork:
    """``net`` without the segments flagged ``avoid``, largest connected piece (see
    :meth:`WalkNetwork.for_profile`)."""
    mask = 0
    for name in avoid:
        mask |= EDGE_FLAGS[name]
    keep = (net.edge_flags & mask) == 0
    u, v = net.edge_u[keep].astype(np.int64), net.edge_v[keep].astype(np.int64)
    n = net.n_nodes
    n_comp, labels = csgraph.connected_components(
        sparse.coo_matrix((np.ones(u.size), (u, v)), shape=(n, n)), directed=False
    )
    used = np.zeros(n, dtype=bool)
    used[u] = used[v] = True
    if not used.any():
        msg = f"No segment of the network is usable with the {profile!r} profile."
        raise CoverageInputError(msg)
    main = int(np.argmax(np.bincount(labels[used], minlength=n_comp)))
    edges = np.flatnonzero(keep)
    edges = edges[labels[net.edge_u[edges]] == main]
    nodes = np.flatnonzero(used & (labels == main))
    if edges.size == net.n_edges and nodes.size == net.n_nodes:  # nothing to leave out: the whole network
        log.info(
            "Walking profile %s: no segment is %s; the whole network is used", profile, " or ".join(avoid)
        )
        return net
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[nodes] = np.arange(nodes.size)
    meta = {
        **net.meta,
        "profile": profile,
        "profile_avoids": list(avoid),
        "work_crs": net.crs.to_string(),
        "n_segments_avoided": int((~keep).sum()),
        "n_segments_cut_off_for_profile": int(keep.sum() - edges.size),
    }
    sub = WalkNetwork(
        node_id=net.node_id[nodes],
        lon=net.lon[nodes],
        lat=net.lat[nodes],
        edge_u=new_index[net.edge_u[edges]].astype(np.int32),
        edge_v=new_index[net.edge_v[edges]].astype(np.int32),
        edge_length_m=net.edge_length_m[edges],
        edge_way=net.edge_way[edges],
        edge_flags=net.edge_flags[edges],
        meta=meta,
    )
    sub.__dict__["_parent"] = net
    sub.__dict__["_parent_edge"] = edges
    sub.__dict__["xy"] = net.xy[nodes]
    log.info(
        "Walking profile %s: left out %d segments (%s) and %d cut off from the rest; %d of %d segments kept",
        profile,
        meta["n_segments_avoided"],
        ", ".join(avoid),
        meta["n_segments_cut_off_for_profile"],
        edges.size,
        net.n_edges,
    )
    return sub


def great_circle_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in metres:
    the haversine on a sphere of :data:`EARTH_RADIUS_M`, as osmnx's ``length``."""
    y1, y2 = np.deg2rad(lat1), np.deg2rad(lat2)
    dx = np.deg2rad(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin((y2 - y1) / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.minimum(1.0, h))) * EARTH_RADIUS_M


def from_arrays(
    node_id,
    lon,
    lat,
    edge_u,
    edge_v,
    edge_way=None,
    edge_flags=None,
    *,
    retain_all: bool = False,
    meta: dict | None = None,
) -> WalkNetwork:
    """Build a :class:`WalkNetwork` from node and segment arrays.

    Segment lengths are computed as great-circle metres. ``edge_flags`` are
    the segments' :data:`EDGE_FLAGS` bits (default none). Self-loops are
    dropped. Unless ``retain_all``, only the largest connected component is
    kept (as osmnx does by default); the number of nodes dropped is logged and
    stored in ``meta``.
    """
    meta = dict(meta or {})
    node_id = np.asarray(node_id, dtype=np.int64)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    u = np.asarray(edge_u, dtype=np.int64)
    v = np.asarray(edge_v, dtype=np.int64)
    way = np.zeros(u.size, dtype=np.int64) if edge_way is None else np.asarray(edge_way, dtype=np.int64)
    flags = np.zeros(u.size, dtype=np.uint8) if edge_flags is None else np.asarray(edge_flags, dtype=np.uint8)
    keep = u != v
    u, v, way, flags = u[keep], v[keep], way[keep], flags[keep]
    if u.size == 0:
        msg = "The network has no walkable ways."
        raise CoverageInputError(msg)
    n = node_id.size
    # Only nodes used by some segment.
    used = np.zeros(n, dtype=bool)
    used[u] = True
    used[v] = True
    if not retain_all:
        g = sparse.coo_matrix((np.ones(u.size), (u, v)), shape=(n, n))
        n_comp, labels = csgraph.connected_components(g, directed=False)
        sizes = np.bincount(labels[used], minlength=n_comp)
        main = int(np.argmax(sizes))
        in_main = labels == main
        meta["n_nodes_outside_largest_component"] = int((used & ~in_main).sum())
        meta["n_components"] = int((sizes > 0).sum())
        if meta["n_nodes_outside_largest_component"]:
            log.info(
                "Kept the largest connected component; dropped %d nodes in %d smaller pieces",
                meta["n_nodes_outside_largest_component"],
                meta["n_components"] - 1,
            )
        used &= in_main
        ek = in_main[u] & in_main[v]
        u, v, way, flags = u[ek], v[ek], way[ek], flags[ek]
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[used] = np.arange(int(used.sum()))
    node_id, lon, lat = node_id[used], lon[used], lat[used]
    u, v = new_index[u], new_index[v]
    length = great_circle_m(lat[u], lon[u], lat[v], lon[v])
    return WalkNetwork(
        node_id=node_id,
        lon=lon,
        lat=lat,
        edge_u=u.astype(np.int32),
        edge_v=v.astype(np.int32),
        edge_length_m=length,
        edge_way=way,
        edge_flags=flags,
        meta=meta,
    )


# ---------------------------------------------------------------- OSM files
def _is_osm_path(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in OSM_SUFFIXES)


def network_from_osm_file(
    path: str | Path, *, retain_all: bool = False, elevated_roads: bool = False
) -> WalkNetwork:
    """Build the walking network from a local OSM extract (no cache).

    Ways that reference nodes missing from the file (clipped extracts) are cut
    into their runs of present nodes; runs shorter than two nodes are dropped.
    Both counts are logged and kept in ``meta``, as are the ways left out as
    ``motorroad=yes`` or as elevated trunk roads without a sidewalk
    (walkable with ``elevated_roads``).
    """
    path = Path(path)
    t0 = time.perf_counter()
    read = read_extract(path, WalkFilter(elevated_roads=elevated_roads))
    remember(read, path)  # the pass's other products (names, places, gates, facilities, compounds)
    refs, lons, lats, run_ids, run_way, run_flags, kerbs, stats = (
        read.refs,
        read.lons,
        read.lats,
        read.run_ids,
        read.run_way,
        read.run_flags,
        read.kerbs,
        read.stats,
    )
    if refs.size == 0:
        msg = (
            f"Network file '{path}' has no walkable ways (osmnx 'walk' filter). "
            "Check that it is an OpenStreetMap extract with highway=* ways for your area."
        )
        raise CoverageInputError(msg)
    if stats["n_ways_clipped"]:
        log.warning(
            "%s: %d walkable ways reference %d nodes missing from the file (a clipped extract); "
            "kept their runs of present nodes",
            path.name,
            stats["n_ways_clipped"],
            stats["n_node_refs_missing"],
        )
    if stats["n_ways_motorroad"] or stats["n_ways_elevated_without_sidewalk"]:
        log.info(
            "%s: left out %d motorroad=yes ways and %d elevated trunk ways without a sidewalk%s",
            path.name,
            stats["n_ways_motorroad"],
            stats["n_ways_elevated_without_sidewalk"],
            "" if elevated_roads else " (walk them with --elevated-roads)",
        )
    uniq, first, inverse = np.unique(refs, return_index=True, return_inverse=True)
    same_run = run_ids[1:] == run_ids[:-1]
    u = inverse[:-1][same_run]
    v = inverse[1:][same_run]
    run = run_ids[:-1][same_run]
    way = run_way[run]
    flags = run_flags[run].copy()
    if kerbs.size:  # a segment that ends at a raised kerb
        at_kerb = np.isin(uniq[u], kerbs) | np.isin(uniq[v], kerbs)
        flags[at_kerb] |= FLAG_KERB
    meta = {
        "source": str(path),
        "source_name": path.name,
        **stats,
        "walk_filter": "osmnx walk",
        "elevated_roads": bool(elevated_roads),
    }
    net = from_arrays(uniq, lons[first], lats[first], u, v, way, flags, retain_all=retain_all, meta=meta)
    log.info(
        "Built walking network from %s: %d nodes, %d segments in %.1f s",
        path.name,
        net.n_nodes,
        net.n_edges,
        time.perf_counter() - t0,
    )
    return net


def network_from_graph(G, *, retain_all: bool = False) -> WalkNetwork:
    """Convert an osmnx/networkx graph (nodes with ``x``/``y``) to a network.

    Edge geometries, when present, are kept: their inner vertices become nodes
    of their own (with negative ids), so every segment stays straight. The
    graph's CRS is read from ``G.graph["crs"]`` (WGS-84 if absent). Directions
    are ignored; reversed copies of an edge are merged.
    """
    import shapely

    crs = pyproj.CRS.from_user_input(G.graph.get("crs", "EPSG:4326"))
    node_keys = list(G.nodes)
    if not node_keys:
        msg = "The graph has no nodes."
        raise CoverageInputError(msg)
    missing_xy = [n for n in node_keys if "x" not in G.nodes[n] or "y" not in G.nodes[n]]
    if missing_xy:
        msg = f"Graph nodes {missing_xy[:5]} have no 'x'/'y' attributes; give an osmnx graph."
        raise CoverageInputError(msg)
    index = {n: i for i, n in enumerate(node_keys)}
    xs = [float(G.nodes[n]["x"]) for n in node_keys]
    ys = [float(G.nodes[n]["y"]) for n in node_keys]
    ids = []
    for n in node_keys:
        try:
            ids.append(int(n))
        except (TypeError, ValueError):
            ids.append(-1 - index[n])
    extra_x: list[float] = []
    extra_y: list[float] = []
    us: list[int] = []
    vs: list[int] = []
    ways: list[int] = []
    flags: list[int] = []
    seen = set()
    for a, b, data in G.edges(data=True):
        geom = data.get("geometry")
        key = (min(index[a], index[b]), max(index[a], index[b]), round(float(data.get("length", 0.0)), 2))
        if key in seen:
            continue
        seen.add(key)
        osmid = data.get("osmid", 0)
        if isinstance(osmid, list):
            osmid = osmid[0]
        try:
            osmid = int(osmid)
        except (TypeError, ValueError):
            osmid = 0
        chain = [index[a]]
        if geom is not None:
            coords = shapely.get_coordinates(geom)
            # orient the geometry from a to b
            ax, ay = xs[index[a]], ys[index[a]]
            if (coords[0][0] - ax) ** 2 + (coords[0][1] - ay) ** 2 > (coords[-1][0] - ax) ** 2 + (
                coords[-1][1] - ay
            ) ** 2:
                coords = coords[::-1]
            for cx, cy in coords[1:-1]:
                chain.append(len(node_keys) + len(extra_x))
                extra_x.append(float(cx))
                extra_y.append(float(cy))
        chain.append(index[b])
        us.extend(chain[:-1])
        vs.extend(chain[1:])
        ways.extend([osmid] * (len(chain) - 1))
        # osmnx keeps some tags on edges (lists where edges were merged): the first value stands
        tags = {
            k: (v[0] if isinstance(v, list) and v else v)
            for k, v in data.items()
            if k in ("bridge", "tunnel", "covered", "layer", "highway", "wheelchair", "incline")
        }
        flags.extend([way_flags({k: str(v) for k, v in tags.items() if v is not None})] * (len(chain) - 1))
    x = np.asarray(xs + extra_x)
    y = np.asarray(ys + extra_y)
    if not crs.is_geographic:
        t = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        x, y = t.transform(x, y)
    n_extra = len(extra_x)
    node_id = np.concatenate(
        [np.asarray(ids, dtype=np.int64), -(np.arange(n_extra, dtype=np.int64) + 1) - len(node_keys)]
    )
    meta = {"source": "networkx graph", "source_name": G.graph.get("name", "graph")}
    return from_arrays(node_id, x, y, us, vs, ways, flags, retain_all=retain_all, meta=meta)


# ---------------------------------------------------------------- public entry
def _cache_path(key: str) -> Path:
    return Path(settings.cache_folder) / f"network-{key[:32]}.npz"


def load_network(
    source: NetworkSource | None = None,
    *,
    place: str | None = None,
    polygon: shapely.Polygon | shapely.MultiPolygon | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    retain_all: bool = False,
    cache: bool | None = None,
    elevated_roads: bool | None = None,
) -> WalkNetwork:
    """Load a walking network.

    Give exactly one of:

    ``source``
        A local OpenStreetMap extract (``.osm``, ``.osm.bz2``, ``.osm.gz``,
        ``.osm.pbf``), a network saved with :meth:`WalkNetwork.save`
        (``.npz``), an osmnx/networkx graph, or a :class:`WalkNetwork`.
    ``place``, ``polygon`` or ``bbox``
        Download the ``walk`` network through osmnx (needs internet).
        ``bbox`` is ``(left, bottom, right, top)`` in WGS-84, as in osmnx 2.

    Parameters
    ----------
    retain_all
        Keep every connected piece rather than the largest one.
    cache
        Reuse a network built earlier from the same file content and options
        (default :data:`coverage.settings.use_cache`). The cache lives in
        :data:`coverage.settings.cache_folder`.
    elevated_roads
        Walk elevated trunk roads (viaducts, 高架) that have no sidewalk or
        foot permission mapped (default
        :data:`coverage.settings.walk_elevated_roads`, False: people do not
        walk on an urban viaduct's deck; see the README's walking rules).
        For OSM files only.
    """
    given = [x is not None for x in (source, place, polygon, bbox)]
    if sum(given) != 1:
        msg = "Give exactly one of source, place, polygon or bbox to load_network()."
        raise CoverageInputError(msg)
    if isinstance(source, WalkNetwork):
        return source
    if source is not None and not isinstance(source, (str, Path)):
        if hasattr(source, "nodes") and hasattr(source, "edges"):
            return network_from_graph(source, retain_all=retain_all)
        msg = f"Cannot load a network from a {type(source).__name__}; give a file path or an osmnx graph."
        raise TypeError(msg)
    if source is None:
        return _network_online(place=place, polygon=polygon, bbox=bbox, retain_all=retain_all)

    path = Path(source)
    if not path.exists():
        msg = f"Network file '{path}' does not exist."
        raise CoverageInputError(msg)
    if path.is_dir():
        msg = f"Network file '{path}' is a folder; give an .osm, .osm.bz2, .osm.gz or .osm.pbf file."
        raise CoverageInputError(msg)
    if path.suffix.lower() == ".npz":
        try:
            return WalkNetwork.load(path)
        except Exception as exc:  # noqa: BLE001  (not a saved network, or a truncated one: one line, no traceback)
            msg = (
                f"Network file '{path}' is not a walking network saved by service-coverage "
                f"({type(exc).__name__}); give the OpenStreetMap extract (.osm.pbf) instead."
            )
            raise CoverageInputError(msg) from None
    if not _is_osm_path(path):
        msg = (
            f"Network file '{path}' has an unknown format; give an OpenStreetMap extract "
            "ending in .osm, .osm.bz2, .osm.gz or .osm.pbf."
        )
        raise CoverageInputError(msg)
    use_cache = settings.use_cache if cache is None else cache
    elevated = settings.walk_elevated_roads if elevated_roads is None else bool(elevated_roads)
    if not use_cache:
        return network_from_osm_file(path, retain_all=retain_all, elevated_roads=elevated)
    digest = file_digest(path)
    opts = json.dumps(
        {
            "v": _CACHE_VERSION,
            "retain_all": retain_all,
            "filter": walk_filter_text(),
            "elevated_roads": elevated,
        },
        sort_keys=True,
    )
    cp = _cache_path(hashlib.sha256((digest + opts).encode()).hexdigest())
    net = _from_cache(cp, digest, path)
    if net is None:
        net = network_from_osm_file(path, retain_all=retain_all, elevated_roads=elevated)
        net.meta["sha256"] = digest
        _to_cache(net, cp)
        net.meta["cache"] = "miss"
    # provenance always comes from this call, never from the run that wrote the cache
    net.meta["source"] = str(path)
    net.meta["source_name"] = path.name
    return net


def _from_cache(cp: Path, digest: str, path: Path) -> WalkNetwork | None:
    """The cached network for this file content, or None
    (a foreign or broken cache is rebuilt, with a warning)."""
    if not cp.exists():
        return None
    try:
        net = WalkNetwork.load(cp)
    except Exception as exc:  # noqa: BLE001  (a broken or foreign cache file is rebuilt)
        log.warning("Rebuilding the network: the cache %s is unreadable (%s)", cp, type(exc).__name__)
        return None
    if net.meta.get("sha256") != digest:
        log.warning("Rebuilding the network: the cache %s was not made from this file's content", cp)
        return None
    net.meta["cache"] = "hit"
    log.info("Loaded cached walking network for %s from %s", path.name, cp)
    return net


def _to_cache(net: WalkNetwork, cp: Path) -> None:
    """Write the cache atomically under a name no other writer uses."""
    write_cache(cp, net.save, "network")


def _network_online(*, place=None, polygon=None, bbox=None, retain_all=False) -> WalkNetwork:
    """Download the osmnx ``walk`` network (unsimplified) and convert it."""
    import osmnx as ox

    kw = {"network_type": "walk", "simplify": False, "retain_all": True}
    if place is not None:
        G = ox.graph_from_place(place, **kw)
        src = f"osmnx place {place!r}"
    elif polygon is not None:
        G = ox.graph_from_polygon(polygon, **kw)
        src = "osmnx polygon"
    else:
        G = ox.graph_from_bbox(tuple(bbox), **kw)
        src = f"osmnx bbox {tuple(bbox)}"
    net = network_from_graph(G, retain_all=retain_all)
    net.meta["source"] = src
    return net
