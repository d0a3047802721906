"""Gated compounds (封闭小区): households leave through their compound's gates.

**The rule.** A household inside a compound that has at least one gate walks
in a straight line to a gate, and from there over the network; the gate is
snapped to its nearest walkable street like any other point. Its walk to a
station is the best over its compound's gates; it never snaps straight to a
street across the wall. A compound with no gate keeps the open rule (the
nearest street), and a warning counts such compounds. Where compounds
overlap, the smallest one that contains the household applies. A household
on a compound's outline (within :data:`ON_OUTLINE_M`) counts as inside it.

**Gates.** A gate belongs to the compound named in its ``compound_id``
column; without one, to the compound whose outline is nearest, within
:data:`GATE_RADIUS_M` (a gate further from every outline is left out, with a
warning). From OpenStreetMap (``gates="osm"``), gates are nodes tagged
``barrier`` = gate, lift_gate, entrance or turnstile, or ``entrance=*``, on a
compound's outline, without ``access=no`` or ``locked=yes``.

**Limits.** The straight walk inside the compound stands for its internal
paths (they are rarely mapped); a gate locked at night or open to residents
only is still a gate; gates are not checked against one-way turnstiles.

The rule is carried by an :class:`~coverage.access.Access` (the households'
access points), which every analysis uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ._csr import gather
from ._errors import CoverageInputError, rows_text
from .access import Access
from .io import Points, Polygons, read_points, read_polygons
from .locate import locate
from .network import WalkNetwork
from .snapping import Snapped

log = logging.getLogger(__name__)

#: A gate without a compound id belongs to the compound whose outline is within this distance (m).
GATE_RADIUS_M = 20.0
#: OpenStreetMap gates are nodes of the outline way: they must lie on it (m, for rounding).
OSM_GATE_RADIUS_M = 1.0
#: A gate that names its compound but lies farther than this from its outline (m) is left out, with a warning
#: (status ``too_far``); one between :data:`GATE_RADIUS_M` and this is used, with a warning.
NAMED_GATE_MAX_M = 50.0
#: A household this close to a compound's outline (m) counts as inside it, with a warning.
ON_OUTLINE_M = 0.5
#: Columns that name a gate's compound (any case); ``compound_id_col`` is tried first.
GATE_COMPOUND_ALIASES = ("compound_id", "compound", "小区编号", "小区id", "小区")
#: Columns that hold a compound's id (any case), when ``compound_id_col`` is not given.
COMPOUND_ID_ALIASES = ("compound_id", "id", "编号", "小区编号")
#: Columns that hold a gate's id (any case); else gates are numbered by row.
GATE_ID_ALIASES = ("gate_id", "id", "编号", "出入口编号")

GATE_STATUSES = ("used", "off_network", "no_compound", "too_far", "invalid")


@dataclass(frozen=True, eq=False)
class GateRule:
    """Compounds, their gates, and the households' access points under the gated rule.

    Attributes
    ----------
    compounds
        The outlines as read (:class:`~coverage.io.Polygons`, WGS-84).
    compound_xy
        The outlines in the network's work CRS (shapely array).
    area_m2
        Each compound's area.
    gates
        The gates as read (:class:`~coverage.io.Points`).
    gate_snap
        Where each gate meets the network.
    gate_compound
        The compound row of each gate, or -1.
    gate_status
        ``used``, ``off_network`` (its street is too far), ``no_compound``,
        ``too_far`` (it names a compound whose outline is more than
        :data:`NAMED_GATE_MAX_M` away) or ``invalid`` (unusable coordinates),
        per gate.
    household_compound
        The compound row of each household, or -1 (None without households).
    access
        The households' access points (None without households).
    """

    compounds: Polygons
    compound_xy: np.ndarray
    area_m2: np.ndarray
    gates: Points
    gate_snap: Snapped
    gate_compound: np.ndarray
    gate_status: np.ndarray
    household_compound: np.ndarray | None = None
    access: Access | None = None
    opened: np.ndarray | None = None  # compounds opened in a what-if (their households keep the open rule)

    @property
    def n_compounds(self) -> int:
        return len(self.compounds)

    @cached_property
    def gates_per_compound(self) -> np.ndarray:
        """Gates of each compound (any status but ``no_compound``, ``too_far`` and ``invalid``)."""
        g = self.gate_compound[(self.gate_compound >= 0) & (self.gate_status != "too_far") & self.gates.valid]
        return np.bincount(g, minlength=self.n_compounds)

    @cached_property
    def compound_tree(self):
        """A shapely STRtree of the outlines (work CRS), built once for all the tiles that ask."""
        import shapely

        return shapely.STRtree(self.compound_xy)

    @property
    def gated(self) -> np.ndarray:
        """Compounds with at least one gate: their households follow the gated rule."""
        return self.gates_per_compound > 0

    @cached_property
    def usable_gates(self) -> tuple[np.ndarray, np.ndarray]:
        """(CSR pointer over compounds, gate rows): each compound's gates on the network."""
        use = np.flatnonzero(self.gate_status == "used")
        use = use[np.argsort(self.gate_compound[use], kind="stable")]
        ptr = np.concatenate(
            [[0], np.cumsum(np.bincount(self.gate_compound[use], minlength=self.n_compounds))]
        )
        return ptr, use

    def gate_frame(self):
        """One row per input gate: its id, compound, status and position (WGS-84)."""
        import geopandas as gpd

        c = self.gate_compound
        return gpd.GeoDataFrame(
            {
                "gate_id": self.gates.ids.astype(str),
                "compound_id": np.where(c >= 0, self.compounds.ids.astype(str)[np.maximum(c, 0)], None),
                "status": self.gate_status,
                "access_m": np.round(np.where(self.gate_snap.on_network, self.gate_snap.access_m, np.nan), 2),
            },
            geometry=gpd.points_from_xy(self.gates.lon, self.gates.lat),
            crs="EPSG:4326",
        )


def _compounds(network: WalkNetwork, source, *, crs, id_col, layer, sheet=None) -> Polygons:
    if isinstance(source, str) and source.lower() == "osm":
        from .osm import residential_areas

        areas = residential_areas(_extract(network, "compounds"))
        if len(areas) == 0:
            msg = f"compounds=osm: the extract {network.meta.get('source')} has no landuse=residential areas."
            raise CoverageInputError(msg)
        return read_polygons(
            areas.rename(columns={"id": "compound_id"}),
            role="compounds (OSM landuse=residential)",
            id_col="compound_id",
        )
    return read_polygons(
        source,
        role="compounds",
        id_col=id_col,
        id_aliases=COMPOUND_ID_ALIASES,
        crs=crs,
        layer=layer,
        sheet=sheet,
    )


def _extract(network: WalkNetwork, what: str) -> str:
    from pathlib import Path

    src = network.meta.get("source")
    if not src or not Path(src).exists():
        msg = f"{what}=osm needs the network read from a local OSM extract; give a {what} file instead."
        raise CoverageInputError(msg)
    return str(src)


def _gates(network: WalkNetwork, source, *, crs, max_snap_m, options=None) -> tuple[Points, Snapped, float]:
    if isinstance(source, str) and source.lower() == "osm":
        from .osm import gate_nodes

        gdf = gate_nodes(_extract(network, "gates"))
        if len(gdf) == 0:
            msg = f"gates=osm: the extract {network.meta.get('source')} has no gate or entrance nodes."
            raise CoverageInputError(msg)
        pts = read_points(gdf.rename(columns={"id": "gate_id"}), role="gates (OSM)", id_col="gate_id")
        radius = OSM_GATE_RADIUS_M
    elif hasattr(source, "geometry") and len(source) == 0:  # a tile with compounds but none of their gates
        import geopandas as gpd

        empty = np.zeros(0)
        pts = Points(
            frame=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
            ids=np.zeros(0, dtype=object),
            lon=empty,
            lat=empty,
            weight=empty,
            reason=np.zeros(0, dtype=object),
            label="gates",
            input_crs="EPSG:4326",
        )
        snap = Snapped(np.zeros(0, dtype=np.int64), empty, empty, empty, empty, empty, empty)
        return pts, snap, GATE_RADIUS_M
    else:
        pts = read_points(source, role="gates", id_col=None, crs=crs, **(options or {}))
        idc = next((c for c in GATE_ID_ALIASES if c in {str(x).lower() for x in pts.frame.columns}), None)
        if idc is not None:
            pts = _with_ids(pts, idc)
        else:  # numbered as the user sees the rows
            from dataclasses import replace

            pts = replace(pts, ids=pts.row_numbers.astype(str))
        radius = GATE_RADIUS_M
    located = locate(network, pts, role="gates", max_snap_m=max_snap_m)
    return located.points, located.snap, radius


def _with_ids(pts: Points, col_lower: str) -> Points:
    """``pts`` with its ids taken from a column (any case); they must be unique and filled."""
    from dataclasses import replace

    col = next(c for c in pts.frame.columns if str(c).lower() == col_lower)
    s = pts.frame[col]
    bad = np.flatnonzero(s.isna().to_numpy() | s.duplicated(keep=False).to_numpy())
    if bad.size:
        msg = (
            f"{pts.label} column {col!r} is empty or repeated in {pts.rows(bad)}; give every gate its own "
            "id, or drop the column to number gates by row."
        )
        raise CoverageInputError(msg)
    return replace(pts, ids=s.astype(str).to_numpy())


def _gate_compounds(
    rule_compounds: Polygons,
    cxy: np.ndarray,
    gates: Points,
    gate_snap: Snapped,
    compound_col: str | None,
    radius_m: float,
) -> np.ndarray:
    """The compound row of every gate (-1 where none), from its compound id or its position."""
    import shapely

    n = len(gates)
    comp = np.full(n, -1, dtype=np.int64)
    ids = {str(v): i for i, v in enumerate(rule_compounds.ids)}
    frame = gates.frame
    cols = {str(c).lower(): c for c in frame.columns}
    col = None
    for name in ((compound_col,) if compound_col else ()) + GATE_COMPOUND_ALIASES:
        if name and str(name).lower() in cols:
            col = cols[str(name).lower()]
            break
    named = np.zeros(n, dtype=bool)
    if col is not None:
        raw = frame[col]
        text = raw.astype("string").str.strip()
        # 12.0 from a spreadsheet means compound 12
        text = text.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)
        named = text.notna().to_numpy() & (text.fillna("") != "").to_numpy()
        found = np.array([ids.get(t, -1) for t in text.fillna("")], dtype=np.int64)
        unknown = np.flatnonzero(named & (found < 0))
        if unknown.size:
            sample = rows_text(list(dict.fromkeys(text.to_numpy()[unknown].tolist())))
            msg = (
                f"{gates.label} column {col!r} names compounds that are not in {rule_compounds.label} "
                f"({gates.rows(unknown)}: {sample}); correct the ids, or leave the cell empty to place the "
                f"gate by its position (within {GATE_RADIUS_M:g} m of an outline)."
            )
            raise CoverageInputError(msg)
        comp[named] = found[named]
    free = np.flatnonzero(~named & gates.valid)
    if free.size:
        pts = shapely.points(gate_snap.px[free], gate_snap.py[free])
        tree = shapely.STRtree(shapely.boundary(cxy))
        (pi, ci), dist = tree.query_nearest(
            pts, max_distance=radius_m, return_distance=True, all_matches=True
        )
        order = np.lexsort((ci, dist, pi))  # nearest outline, ties to the first compound
        pi, ci = pi[order], ci[order]
        first = np.r_[True, pi[1:] != pi[:-1]] if pi.size else np.zeros(0, dtype=bool)
        comp[free[pi[first]]] = ci[first]
    return comp


def _household_compounds(
    cxy: np.ndarray, area_m2: np.ndarray, snap: Snapped, households: Points
) -> np.ndarray:
    """The smallest compound containing each household (its outline included), or -1."""
    import shapely

    n = len(snap)
    comp = np.full(n, -1, dtype=np.int64)
    ok = np.flatnonzero(np.isfinite(snap.px) & np.isfinite(snap.py))
    if ok.size == 0:
        return comp
    pts = shapely.points(snap.px[ok], snap.py[ok])
    tree = shapely.STRtree(cxy)
    pi, ci = tree.query(pts, predicate="intersects")
    if pi.size == 0:
        return comp
    order = np.lexsort((ci, area_m2[ci], pi))
    pi, ci = pi[order], ci[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    pi, ci = pi[first], ci[first]
    comp[ok[pi]] = ci
    edge = shapely.distance(shapely.boundary(cxy[ci]), pts[pi]) <= ON_OUTLINE_M
    if edge.any():
        log.warning(
            "%s: %d points lie on a compound's outline (within %g m; %s); they count as inside it and "
            "leave through its gates",
            households.label,
            int(edge.sum()),
            ON_OUTLINE_M,
            households.rows(ok[pi[edge]]),
        )
    return comp


def _access(
    rule_ptr, rule_gates, gate_snap: Snapped, comp: np.ndarray, gated: np.ndarray, snap: Snapped
) -> Access:
    """Access points: the gates of a gated compound's households, the own street of everyone else."""
    n = len(snap)
    inside = np.flatnonzero((comp >= 0) & gated[np.maximum(comp, 0)])
    own = np.setdiff1d(np.arange(n), inside)
    owner, pos = gather(rule_ptr, comp[inside])
    h = inside[owner]
    g = rule_gates[pos]
    straight = np.hypot(snap.px[h] - gate_snap.px[g], snap.py[h] - gate_snap.py[g])
    via = Snapped(
        gate_snap.edge[g],
        gate_snap.along_m[g],
        straight + gate_snap.access_m[g],
        gate_snap.x[g],
        gate_snap.y[g],
        snap.px[h],
        snap.py[h],
    )
    rows = snap.subset(own).concat(via)
    owners = np.concatenate([own, h])
    gate = np.concatenate([np.full(own.size, -1, dtype=np.int64), g])
    order = np.argsort(owners, kind="stable")
    return Access(rows.subset(order), owners[order].astype(np.int64), n, gate[order])


def gate_rule(
    network: WalkNetwork,
    compounds,
    gates,
    *,
    crs=None,
    compound_id_col: str | None = None,
    compound_options: dict | None = None,
    gate_options: dict | None = None,
    max_snap_m: float,
    households: Points | None = None,
    household_snap: Snapped | None = None,
) -> GateRule:
    """Read compounds and gates and build the gated rule (and the households' access points).

    ``compounds`` is a polygon file or GeoDataFrame (:func:`~coverage.io.read_polygons`)
    or ``"osm"`` (the extract's ``landuse=residential`` areas); ``gates`` a
    points file or GeoDataFrame or ``"osm"``. ``crs`` applies to files
    without their own CRS, and ``"gcj02"``/``"bd09"`` always;
    ``compound_options`` (``layer``, ``sheet``, ``crs``) and ``gate_options``
    (``sheet``, ``layer``, ``crs``, ``lon_col``, ``lat_col``) read each file
    its own way.
    """
    import geopandas as gpd
    import shapely

    if compounds is None or gates is None:
        msg = (
            "gated compounds need both compounds and gates (--compounds FILE|osm --gates FILE|osm); "
            f"only {'gates' if compounds is None else 'compounds'} given."
        )
        raise CoverageInputError(msg)
    c_opts = dict(compound_options or {})
    g_opts = dict(gate_options or {})
    polys = _compounds(
        network,
        compounds,
        crs=c_opts.pop("crs", None) or crs,
        id_col=compound_id_col,
        layer=c_opts.get("layer"),
        sheet=c_opts.get("sheet"),
    )
    cxy = np.asarray(
        gpd.GeoSeries(polys.frame.geometry.values, crs="EPSG:4326").to_crs(network.crs).values, dtype=object
    )
    area = shapely.area(cxy)
    g_pts, g_snap, radius = _gates(
        network, gates, crs=g_opts.pop("crs", None) or crs, max_snap_m=max_snap_m, options=g_opts
    )
    g_comp = _gate_compounds(polys, cxy, g_pts, g_snap, compound_id_col, radius)
    status = _gate_status(cxy, g_pts, g_snap, g_comp, radius)
    rule = GateRule(polys, cxy, area, g_pts, g_snap, g_comp, status)
    n_open = int((~rule.gated).sum())
    log.info(
        "Gated compounds: %d compounds, %d with gates (%d gates used, %d off the network)",
        rule.n_compounds,
        int(rule.gated.sum()),
        int((status == "used").sum()),
        int((status == "off_network").sum()),
    )
    if households is None:
        return rule
    comp = _household_compounds(cxy, area, household_snap, households)
    open_with_homes = np.unique(comp[(comp >= 0) & ~rule.gated[np.maximum(comp, 0)]])
    if n_open:
        log.warning(
            "%d of %d compounds have no gate (%d of them with households); their households keep the "
            "open rule (nearest street)",
            n_open,
            rule.n_compounds,
            open_with_homes.size,
        )
    ptr, use = rule.usable_gates
    access = _access(ptr, use, g_snap, comp, rule.gated, household_snap)
    from dataclasses import replace

    return replace(rule, household_compound=comp, access=access)


def _gate_status(cxy, g_pts: Points, g_snap: Snapped, g_comp: np.ndarray, radius: float) -> np.ndarray:
    """Each gate's status (see :class:`GateRule`), with the warnings for gates far from their outline."""
    import shapely

    status = np.where(g_comp < 0, "no_compound", np.where(g_snap.on_network, "used", "off_network")).astype(
        object
    )
    # a gate that names its compound should stand on its outline: far from it, it is a wrong id or a wrong CRS
    named = np.flatnonzero((g_comp >= 0) & g_pts.valid)
    if named.size:
        gap = shapely.distance(
            shapely.boundary(cxy[g_comp[named]]), shapely.points(g_snap.px[named], g_snap.py[named])
        )
        far, odd = named[gap > NAMED_GATE_MAX_M], named[(gap > GATE_RADIUS_M) & (gap <= NAMED_GATE_MAX_M)]
        if far.size:
            status[far] = "too_far"
            log.warning(
                "%s: %d gates lie more than %g m from the outline of the compound they name (%s, "
                "up to %.0f m);"
                " they are left out (status too_far in gates.csv): check their compound ids and CRS",
                g_pts.label,
                far.size,
                NAMED_GATE_MAX_M,
                g_pts.rows(far),
                float(gap.max()),
            )
        if odd.size:
            log.warning(
                "%s: %d gates lie %g-%g m from the outline of the compound they name (%s); they are used",
                g_pts.label,
                odd.size,
                GATE_RADIUS_M,
                NAMED_GATE_MAX_M,
                g_pts.rows(odd),
            )
    status[~g_pts.valid] = "invalid"
    lost = np.flatnonzero((g_comp < 0) & g_pts.valid)
    if lost.size and radius == GATE_RADIUS_M:
        log.warning(
            "%s: %d gates are more than %g m from every compound's outline and have no compound id (%s); "
            "they are left out (status no_compound in gates.csv)",
            g_pts.label,
            lost.size,
            radius,
            g_pts.rows(lost),
        )
    return status


def compound_rows(rule: GateRule, ids, what: str) -> np.ndarray:
    """The compound rows of ``ids`` (compound ids as in the compounds input); unknown ids are an error."""
    index = {str(v): i for i, v in enumerate(rule.compounds.ids)}
    ids = [ids] if isinstance(ids, (str, int)) else list(ids)
    text = [str(i).strip() for i in ids]
    text = [t[:-2] if t.endswith(".0") and t[:-2].lstrip("-").isdigit() else t for t in text]
    unknown = [t for t in text if t not in index]
    if unknown:
        msg = (
            f"{what}: no compound with id {rows_text(unknown)} in {rule.compounds.label}; ids are like "
            f"{rows_text(rule.compounds.ids.astype(str)[:3].tolist())}."
        )
        raise CoverageInputError(msg)
    return np.array([index[t] for t in text], dtype=np.int64)


def place_gates(
    rule: GateRule,
    network: WalkNetwork,
    source,
    *,
    crs=None,
    max_snap_m: float,
    options: dict | None = None,
    compound_id_col: str | None = None,
    role: str = "added gates",
):
    """Read more gates for ``rule``'s compounds: (points, snap, compound row per gate or -1, status per gate).

    Read, located and placed exactly as :func:`gate_rule` places its gates
    (a ``compound_id`` column, else the nearest outline within
    :data:`GATE_RADIUS_M`), with the same statuses and warnings.
    """
    from dataclasses import replace

    opts = dict(options or {})
    pts, snap, radius = _gates(
        network, source, crs=opts.pop("crs", None) or crs, max_snap_m=max_snap_m, options=opts
    )
    pts = replace(pts, label=pts.label.replace("gates", role, 1))
    comp = _gate_compounds(rule.compounds, rule.compound_xy, pts, snap, compound_id_col, radius)
    return pts, snap, comp, _gate_status(rule.compound_xy, pts, snap, comp, radius)


def changed_rule(
    rule: GateRule,
    network: WalkNetwork,
    *,
    household_snap: Snapped,
    max_snap_m: float,
    add_gates=None,
    crs=None,
    gate_options: dict | None = None,
    open_compounds=(),
    compound_id_col: str | None = None,
    new_network: WalkNetwork | None = None,
) -> tuple[GateRule, np.ndarray]:
    """The rule with gates added and compounds opened (a what-if), and the households whose access changed.

    ``add_gates`` are read, placed and checked exactly as :func:`gate_rule`
    reads gates (their ids must be new). An opened compound loses its gates:
    its households keep the open rule, as in a fresh analysis whose gates
    input leaves those gates out. With ``new_network`` (paths added, ways
    closed) every gate is snapped again and every household counts as
    changed; ``household_snap`` must then be the households' snap on it.
    """
    from dataclasses import replace

    n_c = rule.n_compounds
    opened = np.zeros(n_c, dtype=bool) if rule.opened is None else rule.opened.copy()
    touched = np.zeros(n_c, dtype=bool)
    if open_compounds is not None and len(open_compounds):
        rows = compound_rows(rule, open_compounds, "open_compounds")
        opened[rows] = True
        touched[rows] = True
    keep = ~((rule.gate_compound >= 0) & opened[np.maximum(rule.gate_compound, 0)])
    g_pts, g_snap = rule.gates.subset(keep), rule.gate_snap.subset(keep)
    g_comp, status = rule.gate_compound[keep], rule.gate_status[keep]
    net = network if new_network is None else new_network
    if add_gates is not None:
        pts, snap, comp, st = place_gates(
            rule,
            net,
            add_gates,
            crs=crs,
            max_snap_m=max_snap_m,
            options=gate_options,
            compound_id_col=compound_id_col,
        )
        dup = sorted(set(map(str, pts.ids)) & set(map(str, rule.gates.ids)))
        if dup:
            msg = (
                f"{pts.label} reuse the gate ids {rows_text(dup)} of the analysis; give the added gates "
                "new ids (a gate_id column)."
            )
            raise CoverageInputError(msg)
        shut = np.flatnonzero((comp >= 0) & opened[np.maximum(comp, 0)])
        if shut.size:
            msg = (
                f"{pts.label}: {pts.rows(shut)} belong to compounds opened in the same what-if "
                f"({rows_text(rule.compounds.ids.astype(str)[comp[shut]].tolist())}); an opened compound "
                "has no wall to cut a gate in."
            )
            raise CoverageInputError(msg)
        g_pts, g_snap = g_pts.concat(pts), g_snap.concat(snap)
        g_comp, status = np.concatenate([g_comp, comp]), np.concatenate([status, st])
        touched[comp[comp >= 0]] = True
    if new_network is not None:
        from .snapping import snap_again, snap_points

        if add_gates is None:  # every gate snapped on the original network: keep the snaps that hold
            g_snap = snap_again(new_network, g_snap, max_snap_m=max_snap_m)
        else:
            g_snap = snap_points(new_network, g_snap.px, g_snap.py, max_snap_m=max_snap_m)
        live = (status == "used") | (status == "off_network")
        status = status.copy()
        status[live] = np.where(g_snap.on_network[live], "used", "off_network")
    new = replace(
        rule,
        gates=g_pts,
        gate_snap=g_snap,
        gate_compound=g_comp,
        gate_status=status,
        opened=opened if opened.any() else None,
        household_compound=None,
        access=None,
    )
    comp_h = rule.household_compound
    ptr, use = new.usable_gates
    access = _access(ptr, use, g_snap, comp_h, new.gated, household_snap)
    if new_network is not None:
        changed = np.ones(len(household_snap), dtype=bool)
    else:
        changed = (comp_h >= 0) & touched[np.maximum(comp_h, 0)]
    return replace(new, household_compound=comp_h, access=access), changed


def compound_table(result):
    """One row per compound of a gated analysis: gates, points, households, and coverage by both rules.

    Columns: ``compound_id``, ``name``, ``rule`` (gated / open: no gate),
    ``gates``, ``gates_on_network``, ``points``, ``households``,
    ``covered_open`` and ``covered_gated`` (households within the threshold
    by the nearest-street rule and through the gates), ``points_changed``,
    ``households_changed``. Compounds whose verdicts change come first, then
    by households lost.
    """
    import pandas as pd

    rule = result.gate_rule
    h = result.households
    hp = result.household_points
    comp = rule.household_compound
    thr = result.params["threshold_m"]
    ok = hp.valid & (comp >= 0)
    c = comp[ok]
    w = hp.weight[ok]
    cov = h["covered"].to_numpy()[ok]
    open_m = h["walk_m_open"].to_numpy(dtype=float)[ok]
    cov_open = np.nan_to_num(open_m, nan=np.inf) <= thr + 1e-9
    n = rule.n_compounds
    changed = cov != cov_open
    used = rule.gate_status == "used"
    cols = {str(c).lower(): c for c in rule.compounds.frame.columns}
    name_col = next((cols[k] for k in ("name", "名称", "小区名称", "小区") if k in cols), None)
    names = rule.compounds.frame[name_col] if name_col is not None else None
    out = pd.DataFrame(
        {
            "compound_id": rule.compounds.ids,
            "name": names.fillna("").astype(str).to_numpy() if names is not None else "",
            "rule": np.where(rule.gated, "gated", "open (no gate)")
            if rule.opened is None
            else np.where(rule.opened, "opened (what-if)", np.where(rule.gated, "gated", "open (no gate)")),
            "gates": rule.gates_per_compound,
            "gates_on_network": np.bincount(rule.gate_compound[used], minlength=n),
            "points": np.bincount(c, minlength=n),
            "households": np.bincount(c, weights=w, minlength=n),
            "covered_open": np.bincount(c, weights=w * cov_open, minlength=n),
            "covered_gated": np.bincount(c, weights=w * cov, minlength=n),
            "points_changed": np.bincount(c, weights=changed, minlength=n).astype(np.int64),
            "households_changed": np.bincount(c, weights=w * changed, minlength=n),
        }
    )
    out["_lost"] = out["covered_open"] - out["covered_gated"]
    out = out.sort_values(["points_changed", "_lost"], ascending=[False, False], kind="stable")
    return out.drop(columns="_lost").reset_index(drop=True)


def compound_frames(result):
    """(compounds: outline plus :func:`compound_table`, gates: :meth:`GateRule.gate_frame`),
    WGS-84 GeoDataFrames."""
    import geopandas as gpd
    import pandas as pd

    rule = result.gate_rule
    table = compound_table(result)
    outline = pd.Series(rule.compounds.frame.geometry.values, index=rule.compounds.ids.astype(str))
    comp = gpd.GeoDataFrame(
        table, geometry=outline.loc[table["compound_id"].astype(str)].to_numpy(), crs="EPSG:4326"
    )
    return comp, rule.gate_frame()


def outline_gates(
    network: WalkNetwork,
    compounds,
    *,
    per_compound: int = 2,
    spacing_m: float = 100.0,
    max_street_m: float = 30.0,
    step_m: float = 5.0,
):
    """Stand-in gates where each compound's outline comes closest to a walkable street (a GeoDataFrame,
    WGS-84).

    For studies and benchmarks when no gate list exists: along each outline
    (sampled every ``step_m``), the point nearest a street, then up to
    ``per_compound - 1`` more, each at least ``spacing_m`` from the others and
    within ``max_street_m`` of a street. Columns ``gate_id`` and
    ``compound_id``. Real gate lists (community workers, web-map entrances)
    should replace them.
    """
    import geopandas as gpd
    import shapely

    from .snapping import snap_points

    polys = read_polygons(compounds, role="compounds", id_aliases=COMPOUND_ID_ALIASES)
    cxy = np.asarray(
        gpd.GeoSeries(polys.frame.geometry.values, crs="EPSG:4326").to_crs(network.crs).values, dtype=object
    )
    rings = shapely.boundary(cxy)
    lengths = shapely.length(rings)
    n_s = np.maximum(4, np.ceil(lengths / step_m).astype(np.int64))
    owner = np.repeat(np.arange(len(cxy)), n_s)
    frac = (np.arange(n_s.sum()) - np.repeat(np.cumsum(n_s) - n_s, n_s)) / np.repeat(n_s, n_s)
    pts = shapely.line_interpolate_point(rings[owner], frac, normalized=True)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    acc = snap_points(network, x, y, max_snap_m=max_street_m).access_m
    rows = []
    for c in range(len(cxy)):
        sl = np.flatnonzero(owner == c)
        a = np.nan_to_num(acc[sl], nan=np.inf)
        chosen = []
        for j in sl[np.argsort(a, kind="stable")]:
            if not np.isfinite(acc[j]) or len(chosen) >= per_compound:
                break
            if all(np.hypot(x[j] - x[k], y[j] - y[k]) >= spacing_m for k in chosen):
                chosen.append(j)
        rows += [(c, j) for j in chosen]
    c_idx = np.array([r[0] for r in rows], dtype=np.int64)
    j_idx = np.array([r[1] for r in rows], dtype=np.int64)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(x[j_idx], y[j_idx]), crs=network.crs).to_crs("EPSG:4326")
    return gpd.GeoDataFrame(
        {"gate_id": [f"g{i + 1}" for i in range(len(rows))], "compound_id": polys.ids.astype(str)[c_idx]},
        geometry=lonlat.values,
        crs="EPSG:4326",
    )
