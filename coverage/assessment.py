"""Who is within a 15-minute walk of a station: the analysis and its result."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ._errors import CoverageInputError
from .access import Access
from .capacity import assign, read_capacity, staffing
from .io import Points
from .locate import locate
from .network import WalkNetwork, load_network
from .options import WalkRules
from .reach import ReachTable, nearest_for_points, nearest_station, station_reach
from .snapping import Snapped

if TYPE_CHECKING:
    from collections.abc import Iterable

    import folium

    from ._types import (
        CRSLike,
        GroupsSpec,
        Ids,
        LinesSource,
        NetworkSource,
        Numbers,
        PathLike,
        PointsSource,
        PolygonsSource,
        WaysSource,
    )
    from .gates import GateRule
    from .groups import Groups
    from .walk_access import WalkAccess

log = logging.getLogger(__name__)

#: Result columns added to the households table.
HOUSEHOLD_COLUMNS = (
    "station_id",
    "walk_m",
    "walk_min",
    "covered",
    "n_stations_within",
    "status",
    "access_m",
    "note",
)
STATUSES = ("covered", "uncovered", "off_network", "invalid")


def _pct(x) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _num(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _profile_zh(profile) -> str:
    """A walking profile's Chinese name (a group at a custom speed has none)."""
    from .settings import PROFILE_NAMES

    return PROFILE_NAMES["zh"].get(profile, str(profile)) if profile else "自定义速度"


@dataclass(frozen=True)
class Summary:
    """Totals and shares, by count and by household weight.

    Shares are of all households with usable coordinates (covered +
    uncovered + off_network); invalid rows are counted apart.
    """

    threshold_min: float
    speed_kph: float
    profile: str | None
    max_snap_m: float
    n_households: int
    n_covered: int
    n_uncovered: int
    n_off_network: int
    n_invalid: int
    weight_total: float
    weight_covered: float
    weight_uncovered: float
    weight_off_network: float
    weight_invalid: float
    n_stations: int
    n_stations_on_network: int
    bands: list[dict] = field(default_factory=list)
    weight_served: float | None = None  # with station capacities: households served within capacity
    extra_staff_total: float | None = None  # with staff and a caseload: social workers still needed, in total
    gates: dict | None = (
        None  # with gated compounds: the open rule against the gated rule (see gate_comparison)
    )
    n_beyond_horizon: int | None = None  # with a horizon: points whose nearest station is beyond it
    groups: dict | None = None  # with population groups: each group's figures (coverage.groups.tally)
    access: dict | None = None  # with --access: the floating-catchment accessibility (coverage.walk_access)

    @property
    def share_served_weight(self) -> float | None:
        if self.weight_served is None:
            return None
        return self.weight_served / self.weight_total if self.weight_total else float("nan")

    @property
    def n_valid(self) -> int:
        return self.n_covered + self.n_uncovered + self.n_off_network

    @property
    def share_covered(self) -> float:
        return self.n_covered / self.n_valid if self.n_valid else float("nan")

    @property
    def share_covered_weight(self) -> float:
        w = self.weight_total
        return self.weight_covered / w if w else float("nan")

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["n_valid"] = self.n_valid
        d["share_covered"] = self.share_covered
        d["share_covered_weight"] = self.share_covered_weight
        d["share_served_weight"] = self.share_served_weight
        return d

    def text(self, lang: str = "en") -> str:
        """A short human summary."""
        g = self.gates
        b = ", ".join(
            f"{x['minutes']:g} min {x['share']:.1%}"
            + (f" ({x['share_weight']:.1%} of households)" if self._weighted else "")
            for x in self.bands
        )
        if lang == "zh":
            from .walk_access import supply_label, unit_label

            return (
                f"{self.threshold_min:g} 分钟步行（{self.speed_kph:g} km/h）覆盖 {self.n_covered:,} / "
                f"{self.n_valid:,} 个居住点（{self.share_covered:.1%}），住户 {self.weight_covered:,.0f} "
                f"/ {self.weight_total:,.0f}（{self.share_covered_weight:.1%}）；未覆盖 "
                f"{self.n_uncovered:,}，不在路网上 {self.n_off_network:,}，无效 {self.n_invalid:,}；社工站"
                f" {self.n_stations_on_network}/{self.n_stations} 个在路网上。"
                + (
                    f"按站点容量实际服务住户 {self.weight_served:,.0f}（{self.share_served_weight:.1%}）。"
                    if self.weight_served is not None
                    else ""
                )
                + (
                    f"按小区出入口步行，{g['n_points_changed']:,} 个居住点（{g['weight_changed']:,.0f} "
                    f"户）的结论与直接走到最近道路不同（新增未覆盖 {g['weight_lost']:,.0f} 户）。"
                    if g
                    else ""
                )
                + "".join(
                    f"{name}：{x['covered']:,.0f} / {x['total']:,.0f} 人在{x['threshold_min']:g}分钟内"
                    f"（{_profile_zh(x['profile'])}，{_pct(x['share_covered'])}）。"
                    for name, x in (self.groups or {}).items()
                )
                + (
                    f"可达性（{self.access['method']}，供给：{supply_label(self.access['supply'], 'zh')}）："
                    f"平均{unit_label(self.access, 'zh')} {self.access['mean']:.3g}，"
                    f"基尼系数 {_num(self.access['gini'])}。"
                    if self.access
                    else ""
                )
            )
        return (
            f"Within {self.threshold_min:g} min walk ({self.speed_kph:g} km/h): "
            f"{self.n_covered:,} of {self.n_valid:,} residential points ({self.share_covered:.1%}), "
            f"{self.weight_covered:,.0f} of {self.weight_total:,.0f} "
            f"households ({self.share_covered_weight:.1%}). Uncovered {self.n_uncovered:,}, "
            f"off the network {self.n_off_network:,}, invalid {self.n_invalid:,}. "
            f"Stations on the network: {self.n_stations_on_network} of {self.n_stations}. Bands: {b}."
            + (
                f" Served within the stations' capacity: {self.weight_served:,.0f} households "
                f"({self.share_served_weight:.1%})."
                if self.weight_served is not None
                else ""
            )
            + (
                f" Through compound gates, {g['n_points_changed']:,} points ({g['weight_changed']:,.0f} "
                f"households) change verdict against the nearest-street rule ({g['weight_lost']:,.0f} "
                "households lose coverage)."
                if g
                else ""
            )
            + "".join(
                f" {name}: {x['covered']:,.0f} of {x['total']:,.0f} people within {x['threshold_min']:g} min "
                f"({x['profile'] or 'custom speed'}, {_pct(x['share_covered'])})."
                for name, x in (self.groups or {}).items()
            )
            + (
                f" Access ({self.access['method']}, {self.access['supply']}): mean "
                f"{self.access['mean']:.3g} per 1,000 households, Gini {_num(self.access['gini'])}."
                if self.access
                else ""
            )
        )

    @property
    def _weighted(self) -> bool:
        return (
            self.weight_total != self.n_households - self.n_invalid or self.weight_invalid != self.n_invalid
        )

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, eq=False)
class CoverageResult:
    """Everything :func:`assess` found. Frames are in their input CRS.

    Attributes
    ----------
    households
        One row per input household row, in input order, with the input
        columns plus ``station_id``, ``walk_m``, ``walk_min``, ``covered``,
        ``n_stations_within``, ``status``, ``access_m`` and ``note``.
    stations
        One row per input station, with ``on_network``, ``access_m``,
        ``households_within``/``weight_within`` (within the threshold) and
        ``catchment_households``/``catchment_weight`` (nearest station).
    summary
        A :class:`Summary`.
    network
        The :class:`~coverage.network.WalkNetwork` used.
    params
        Every parameter of the run.
    """

    households: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    summary: Summary
    network: WalkNetwork
    params: dict
    station_points: Points = field(repr=False)
    household_points: Points = field(repr=False)
    station_snap: Snapped = field(repr=False)
    household_snap: Snapped = field(repr=False)
    reach: ReachTable = field(repr=False)
    _outside: np.ndarray | None = field(repr=False, default=None)
    capacity: np.ndarray | None = field(repr=False, default=None)  # households per station, when given
    staff: np.ndarray | None = field(repr=False, default=None)
    household_access: Access | None = field(repr=False, default=None)  # gated rule; None is the open rule
    gate_rule: GateRule | None = field(repr=False, default=None)  # with gated compounds
    groups: Groups | None = field(repr=False, default=None)  # with population groups
    access_measure: WalkAccess | None = field(repr=False, default=None)  # with access=
    _raw: dict | None = field(
        repr=False, default=None
    )  # per-household distances before rounding (what-if reuse)

    @property
    def access(self) -> Access:
        """The households' access points (:class:`~coverage.access.Access`): the rule every analysis uses."""
        return (
            self.household_access if self.household_access is not None else Access.open(self.household_snap)
        )

    def compounds_table(self) -> pd.DataFrame | None:
        """One row per compound: gates, households, and coverage by the open and the gated rule (a DataFrame).

        Compounds whose households change verdict come first. None without
        gated compounds.
        """
        from .gates import compound_table

        return None if self.gate_rule is None else compound_table(self)

    @property
    def speed_m_s(self) -> float:
        return self.params["speed_kph"] / 3.6

    @property
    def rules(self) -> WalkRules:
        """The walking rules of this run (:class:`~coverage.options.WalkRules`)."""
        return WalkRules.from_params(self.params)

    @property
    def bands_min(self) -> list[float]:
        """The reported bands and the threshold, in minutes, ascending (5, 10, 15 by default)."""
        return sorted(set(self.params["cutoffs_min"]) | {self.summary.threshold_min})

    def __repr__(self) -> str:
        return f"CoverageResult({self.summary.text()})"

    # the RunResult interface (coverage.products), shared with tiled runs
    @property
    def merged(self) -> bool:
        """Always True: a single run holds its households table."""
        return True

    @property
    def drawable(self) -> bool:
        """Always True: a single run draws the interactive map and the PNG."""
        return True

    @property
    def tile_table(self) -> None:
        """None: a single run has no tiles."""
        return None

    def summary_document(self) -> dict[str, Any]:
        """``summary.json``: the summary and every parameter."""
        return {**self.summary.to_dict(), "params": self.params}

    def gap_areas(self, isochrones: tuple | None = None, *, cell_m: float = 150.0) -> gpd.GeoDataFrame:
        """The uncovered residential area; see :func:`coverage.isochrones.gap_areas`."""
        from .isochrones import gap_areas

        return gap_areas(self, isochrones, cell_m=cell_m)

    def to_files(self, out_dir: PathLike, *, isochrones: tuple | None = None) -> dict[str, str]:
        """Write households/stations CSV + GeoPackage and summary.json to ``out_dir``.

        With ``isochrones`` (from :meth:`isochrones`), also ``isochrones.gpkg``
        (layers ``isochrones``, ``isochrone_union`` and ``gaps``).
        """
        from .output.files import write_run
        from .products import analyse

        return write_run(
            analyse(self, isochrones=isochrones, compute_isochrones=False), out_dir, command="files"
        )

    def isochrones(
        self, minutes: Iterable[float] | float | None = None, **kw: Any
    ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """``(per_station, union)`` isochrone GeoDataFrames; see :func:`coverage.isochrones.isochrones`."""
        from .isochrones import isochrones

        return isochrones(self, minutes=self.bands_min if minutes is None else minutes, **kw)

    def what_if(
        self,
        *,
        add_stations: PointsSource | None = None,
        remove_stations: Ids = (),
        minutes: float | None = None,
        profile: str | None = None,
        speed_kph: float | None = None,
        new_capacity: float | Numbers | None = None,
        crs: CRSLike = None,
        add_gates: PointsSource | None = None,
        open_compounds: Ids | None = (),
        add_paths: LinesSource | None = None,
        close_ways: WaysSource | None = None,
        gate_crs: CRSLike = None,
        path_crs: CRSLike = None,
    ) -> CoverageResult:
        """Coverage after adding or removing stations, gates or paths, or with other minutes or speed.

        **Stations.**

        With station capacities, added stations get ``new_capacity``
        (households; one number or one per station), else their own
        capacity column, else the default capacity of the analysis.

        Reuses the built network, its search graph and the households'
        snapping; only new stations are snapped and the searches rerun (well
        under a second on a city district). ``add_stations`` takes what
        :func:`assess` takes for stations (a file, a DataFrame or a
        GeoDataFrame, with the same id column); ``remove_stations`` is a list
        of station ids.

        ``crs`` is the CRS of an ``add_stations`` file or of a frame without
        one; it defaults to the CRS the run's stations file was read with. A
        GeoDataFrame that carries a CRS keeps it (the sites of
        :func:`~coverage.siting.suggest_sites` are WGS-84 already), unless
        ``crs`` is given in this call.

        **Gated compounds and the network** (each equals a fresh
        :func:`assess` with the changed inputs):

        ``add_gates``
            New gates (points, as ``assess(gates=...)`` takes them, with new
            ids): read, placed on their compound and snapped by the gate rule.
            Only the households of the compounds that get a gate are searched
            again. ``gate_crs`` is their CRS (default: the run's gates CRS).
        ``open_compounds``
            Compound ids whose walls are opened: their gates are left out and
            their households keep the open rule (their nearest street), as in
            a fresh analysis without those gates. Only their households are
            searched again.
        ``add_paths``
            New footpaths (lines: a GeoDataFrame, a GeoJSON/GeoPackage file, or
            shapely lines with ``path_crs``), joined to the ground-level
            streets they cross or end on (within
            :data:`coverage.edits.JOIN_M`); see :mod:`coverage.edits`.
        ``close_ways``
            OSM way ids, or lines drawn along the streets to close.

        A changed network is a new network: a station, household or gate
        keeps its snap unless its segment was closed or split or a new segment
        is as near (those are snapped again: :func:`coverage.snapping.snap_edited`,
        equal to a fresh snap), and every station's search reruns (the files
        are not read again). ``params["what_if"]`` records what changed.
        """
        net = self.network
        p = dict(self.params)
        st, s_snap = self.station_points, self.station_snap
        hh, h_snap, outside = self.household_points, self.household_snap, self._outside
        rule = self.gate_rule
        net_changed = add_paths is not None or (
            close_ways is not None and not (isinstance(close_ways, (list, tuple)) and len(close_ways) == 0)
        )
        gates_changed = add_gates is not None or (open_compounds is not None and len(open_compounds) > 0)
        if gates_changed and rule is None:
            msg = (
                "add_gates and open_compounds need an analysis with gated compounds: "
                "assess(..., compounds=..., gates=...) (--compounds and --gates)."
            )
            raise CoverageInputError(msg)
        if net_changed:
            from .edits import edit_network
            from .locate import outside_extent
            from .snapping import snap_again

            net = edit_network(net, add_paths=add_paths, close_ways=close_ways, crs=path_crs)
            # only the points whose nearest segment can change are snapped again (snapping.snap_edited)
            s_snap = snap_again(net, s_snap, max_snap_m=p["max_snap_m"])
            h_snap = snap_again(net, h_snap, max_snap_m=p["max_snap_m"])
            outside = outside_extent(net, hh.lon, hh.lat)
            p["network"] = dict(net.meta)
        changed = None
        if rule is not None and (gates_changed or net_changed):
            from .gates import changed_rule

            rule, changed = changed_rule(
                rule,
                self.network,
                household_snap=h_snap,
                max_snap_m=p["max_snap_m"],
                add_gates=add_gates,
                crs=gate_crs or p.get("gate_crs") or p.get("crs"),
                open_compounds=open_compounds,
                compound_id_col=p.get("compound_id_col"),
                new_network=net if net_changed else None,
            )
        if gates_changed or net_changed:
            p["what_if"] = {
                "compounds_opened": [str(c) for c in (open_compounds or ())],
                "gates": None if rule is None else len(rule.gates),
                "network_edits": net.meta.get("edits") if net_changed else None,
            }
        keep = ~np.isin(st.ids.astype(str), [str(x) for x in remove_stations])
        unknown = set(map(str, remove_stations)) - set(st.ids.astype(str))
        if unknown:
            msg = f"remove_stations: no station with id {sorted(unknown)}; ids are like {list(st.ids[:3])}."
            raise CoverageInputError(msg)
        st, s_snap = st.subset(keep), s_snap.subset(keep)
        cap = None if self.capacity is None else self.capacity[keep]
        staff = None if self.staff is None else self.staff[keep]
        if add_stations is not None:
            import geopandas as gpd

            if crs is None and not (
                isinstance(add_stations, gpd.GeoDataFrame) and add_stations.crs is not None
            ):
                crs = p.get("station_crs") or p.get("crs")  # as the run's stations file was read
            new = locate(
                net,
                add_stations,
                role="added stations",
                id_col=p["id_col"],
                crs=crs,
                max_snap_m=p["max_snap_m"],
            )
            dup = set(map(str, new.points.ids)) & set(map(str, st.ids))
            if dup:
                msg = f"added stations reuse existing ids {sorted(dup)[:5]}; give them new ids."
                raise CoverageInputError(msg)
            st, s_snap = st.concat(new.points), s_snap.concat(new.snap)
            if cap is not None:
                n_new = len(new.points)
                add_cap: np.ndarray
                add_staff: np.ndarray | None
                if new_capacity is not None:
                    add_cap = np.broadcast_to(np.asarray(new_capacity, dtype=float), (n_new,)).copy()
                    add_staff = np.full(n_new, np.nan)
                else:
                    add_cap, add_staff = read_capacity(
                        new.points,
                        capacity=p.get("capacity_col"),
                        staff=p.get("staff_col"),
                        caseload=p.get("caseload"),
                        default_capacity=p.get("default_capacity"),
                    )
                    add_staff = np.full(n_new, np.nan) if add_staff is None else add_staff
                cap = np.concatenate([cap, add_cap])
                staff = None if staff is None else np.concatenate([staff, add_staff])
        if minutes is not None or profile is not None or speed_kph is not None:
            rules = self.rules
            if minutes is not None:
                rules = rules.but(minutes=minutes)
            if profile is not None or speed_kph is not None:
                rules = rules.but(profile=profile, speed_kph=speed_kph)
            p.update({"minutes": rules.minutes, "speed_kph": rules.speed_kph, "profile": rules.profile})
        same_rules = minutes is None and profile is None and speed_kph is None
        target = net.for_profile(p["profile"])
        if target is not net:  # a profile that walks other segments (wheelchair): same snaps where they exist
            if rule is not None:
                msg = (
                    f"profile {p['profile']!r} walks other segments than "
                    f"{self.params['profile']!r}; with gated "
                    "compounds run it as its own analysis (assess(..., profile=...), --profile)."
                )
                raise CoverageInputError(msg)
            from .snapping import translate

            s_snap = translate(s_snap, net, target, max_snap_m=p["max_snap_m"])
            h_snap = translate(h_snap, net, target, max_snap_m=p["max_snap_m"])
            net = target
        same_stations = add_stations is None and keep.all() and net is self.network
        previous = None
        if changed is not None and same_stations and same_rules and self._raw is not None:
            previous = {**self._raw, "changed": changed}
        out = _compute(
            net,
            st,
            hh,
            s_snap,
            h_snap,
            outside,
            p,
            reach=self.reach if same_stations else None,
            capacity=cap,
            staff=staff,
            gate_rule=rule,
            previous=previous,
        )
        if self.access_measure is not None:  # the same measure and supply, on the new walks
            out = with_access(
                out, self.access_measure.spec, supply=_added_supply(self, st, keep, add_stations)
            )
        if self.groups is not None:
            out = with_groups(out, self.groups.specs)
        return out

    def explore(self, **kw: Any) -> folium.Map:
        """The interactive coverage map (folium); see :func:`coverage.output.explore.coverage_map`."""
        from .output.explore import coverage_map

        return coverage_map(self, **kw)


def assess(
    network: NetworkSource,
    stations: PointsSource,
    households: PointsSource,
    *,
    minutes: float | None = None,
    profile: str | None = None,
    speed_kph: float | None = None,
    weight: str | None = None,
    crs: CRSLike = None,
    id_col: str | None = "id",
    max_snap_m: float | None = None,
    cutoffs_min: tuple[float, ...] | None = None,
    progress: bool = False,
    station_id_col: str | None = None,
    household_id_col: str | None = None,
    station_options: dict | None = None,
    household_options: dict | None = None,
    capacity: str | None = None,
    staff: str | None = None,
    caseload: float | None = None,
    default_capacity: float | None = None,
    compounds: PolygonsSource | None = None,
    gates: PointsSource | None = None,
    compound_id_col: str | None = None,
    compound_options: dict | None = None,
    gate_options: dict | None = None,
    horizon_min: float | None = None,
    require_stations: bool = True,
    groups: GroupsSpec | None = None,
    access: str | None = None,
    access_level: float | None = None,
    rules: WalkRules | None = None,
) -> CoverageResult:
    """Walking coverage of households by stations.

    Parameters
    ----------
    network
        A :class:`~coverage.network.WalkNetwork`, an OSM file path or an
        osmnx graph (see :func:`~coverage.network.load_network`).
    stations, households
        Paths (CSV, GeoJSON, GeoPackage, Shapefile) or GeoDataFrames. See
        :func:`~coverage.io.read_points`.
    minutes
        Coverage threshold in minutes (default 15).
    profile, speed_kph
        Walking speed: a named profile (``"adult"``, ``"elderly"``,
        ``"planning"``) or a custom speed in km/h.
    weight
        Household-count column of ``households`` (default: each point is 1).
    crs
        CRS of CSV coordinates, or ``"gcj02"``/``"bd09"`` for Chinese web-map
        coordinates (applies to both inputs).
    id_col
        Id column of both inputs (any case; ``id`` also finds 编号).
    station_id_col, household_id_col
        Id column of one input, when the two differ (default ``id_col``).
    capacity, staff, caseload, default_capacity
        Station capacities (:mod:`coverage.capacity`): a column of
        households per station (``capacity``), or a column of social workers
        (``staff``) times the households each can carry (``caseload``).
        Missing, negative or non-numeric values are an error unless
        ``default_capacity`` is given. With capacities, the households
        served are assigned exactly (the most served, then the least walk).
    station_options, household_options
        More ways to read each input (:func:`~coverage.io.read_points`):
        ``sheet`` (Excel), ``layer`` (GeoPackage), ``lon_col``/``lat_col``,
        ``name_col``, and ``crs``: the file's own CRS, which overrides
        ``crs`` for it (a shapefile without its ``.prj`` beside a lon/lat CSV).
    compounds, gates, compound_id_col, compound_options
        Gated compounds (:mod:`coverage.gates`): outlines (a polygon file or
        GeoDataFrame, or ``"osm"`` for the extract's landuse=residential
        areas) and their gates (points, or ``"osm"``). A household inside a
        compound with gates walks to a gate, then over the network.
        ``compound_id_col`` names the compounds' id column (default
        ``compound_id`` or ``id``); ``compound_options`` (``layer``,
        ``sheet``, ``crs``) and ``gate_options`` (``sheet``, ``layer``,
        ``crs``, ``lon_col``, ``lat_col``) read each file its own way; ``crs``
        applies to both unless they give their own.
    max_snap_m
        Points farther than this from every walkable street are off the
        network (default :data:`coverage.settings.max_snap_m`).
    cutoffs_min
        Bands reported in the summary (default 5, 10 and 15 minutes).
    horizon_min
        Walks up to this many minutes are exact; a household whose nearest
        station is further is reported as beyond the horizon (``walk_m``
        empty, a note). Tiled runs (:mod:`coverage.tiled`) use the same rule,
        so the two can be compared. Default: no horizon.
    rules
        The walking rules as one :class:`~coverage.options.WalkRules` (then ``minutes``, ``cutoffs_min``,
        ``profile``, ``speed_kph``, ``max_snap_m`` and ``horizon_min`` are left out); the command line builds
        it once.
    require_stations
        ``False`` lets a run go ahead when no station reaches the network
        (a tile far from every station): every household is then unreached.
    groups
        Population groups counted per residential point, each walked with
        its own profile (:mod:`coverage.groups`):
        ``{"elderly": ("老年人", "elderly"), "disabled": ("残疾人",
        "wheelchair"), "children": "儿童"}`` (a column alone walks at the run's
        profile). Adds ``covered_<group>`` to the households, each group's
        figures to ``summary.groups`` and ``result.groups``.
    access, access_level
        ``"2sfca"``, ``"e2sfca"`` or ``"gaussian"``: floating-catchment
        accessibility on the exact walks within the threshold
        (:mod:`coverage.walk_access`); supply is ``staff``, else
        ``capacity``, else 1 per station. Adds ``access_<method>`` (supply
        per 1,000 households) to the households, ``supply_ratio`` to the
        stations and ``summary.access``; ``access_level`` is the level whose
        share below is reported (default: half the mean).
    """
    t0 = time.perf_counter()
    values: dict[str, Any] = {
        "minutes": minutes,
        "cutoffs_min": cutoffs_min,
        "profile": profile,
        "speed_kph": speed_kph,
        "max_snap_m": max_snap_m,
        "horizon_min": horizon_min,
    }
    rules = WalkRules.resolve(rules, lambda: WalkRules.of(**values), **values)
    net = load_network(network).for_profile(rules.profile)  # wheelchair: the step-free segments only
    minutes, cutoffs, max_snap_m = rules.minutes, rules.cutoffs_min, rules.max_snap_m
    kph, prof = rules.speed_kph, rules.profile

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
        check=require_stations,
    )
    hl = locate(
        net,
        households,
        role="households",
        id_col=h_id,
        weight=weight,
        crs=crs,
        max_snap_m=max_snap_m,
        read_options=household_options,
    )
    st, s_snap = sl.points, sl.snap  # stations outside the extent end up off the network
    cap = staff_n = None
    staff_supply_only = access is not None and staff is not None and caseload is None and capacity is None
    if (
        capacity is not None or staff is not None
    ) and not staff_supply_only:  # staff alone: access supply only
        cap, staff_n = read_capacity(
            st, capacity=capacity, staff=staff, caseload=caseload, default_capacity=default_capacity
        )
    hh, h_snap, hh_out = hl.points, hl.snap, hl.outside
    if require_stations and not s_snap.on_network.any():
        msg = (
            f"{st.label}: none of the {len(st)} stations lies within {max_snap_m:g} m of a walkable street "
            "in the network; check their coordinates and CRS (--crs gcj02/bd09), or raise --max-snap-m."
        )
        raise CoverageInputError(msg)
    off_st = st.valid & ~s_snap.on_network
    if off_st.any() and require_stations:
        log.warning(
            "%s: %d stations are more than %g m from any walkable street (%s); they are left out",
            st.label,
            int(off_st.sum()),
            max_snap_m,
            st.rows(np.flatnonzero(off_st)),
        )
    rule = None
    if compounds is not None or gates is not None:
        from .gates import gate_rule

        rule = gate_rule(
            net,
            compounds,
            gates,
            crs=crs,
            compound_id_col=compound_id_col,
            compound_options=compound_options,
            gate_options=gate_options,
            max_snap_m=max_snap_m,
            households=hh,
            household_snap=h_snap,
        )
    t_snap = time.perf_counter()
    if access is not None:  # checked before any work
        from .walk_access import parse_access

        parse_access(access, access_level)
    params = {
        "minutes": minutes,
        "speed_kph": kph,
        "profile": prof,
        "weight": weight,
        "crs": str(crs) if crs is not None else None,
        **{
            f"{role}_crs": str(o["crs"])
            for role, o in (
                ("station", station_options),
                ("household", household_options),
                ("compound", compound_options),
                ("gate", gate_options),
            )
            if o and o.get("crs") is not None
        },
        "id_col": s_id,
        "household_id_col": h_id,
        "max_snap_m": max_snap_m,
        "cutoffs_min": list(cutoffs),
        "network": dict(net.meta),
        "capacity_col": capacity,
        "staff_col": staff,
        "caseload": caseload,
        "default_capacity": default_capacity,
        "compounds": None
        if compounds is None
        else (compounds if isinstance(compounds, str) else "GeoDataFrame"),
        "gates": None if gates is None else (gates if isinstance(gates, str) else "GeoDataFrame"),
        "compound_id_col": compound_id_col,
        "horizon_min": rules.horizon_min,
    }
    result = _compute(
        net,
        st,
        hh,
        s_snap,
        h_snap,
        hh_out,
        params,
        progress=progress,
        capacity=cap,
        staff=staff_n,
        gate_rule=rule,
    )
    if access is not None:
        from .walk_access import AccessSpec, station_supply

        spec = AccessSpec.of(access, access_level, staff_col=staff, capacity_col=capacity)
        result = with_access(result, spec, supply=station_supply(st, spec, capacity=cap))
    if groups is not None:
        from .groups import parse_groups

        result = with_groups(result, parse_groups(groups))
    log.info(
        "Assessed %d households against %d stations: snapping %.2f s, reach %.2f s",
        len(hh),
        len(st),
        t_snap - t0,
        time.perf_counter() - t_snap,
    )
    return result


def with_groups(result: CoverageResult, specs) -> CoverageResult:
    """``result`` with its population groups counted, each walked with its profile (:mod:`coverage.groups`).

    One assessment per distinct profile, sharing the network and the
    snapping (:meth:`CoverageResult.what_if`); ``covered_<group>`` (and
    ``walk_min_<group>`` for a group walking at another profile) are added
    to the households.
    """
    from dataclasses import replace

    from .groups import Groups, group_counts, tally

    if not specs:
        return result
    counts = group_counts(result.household_points, specs)
    own = result.params["profile"]
    runs: dict = {}
    covered, walk, status, summary = {}, {}, {}, {}
    h = result.households
    for g in specs:
        prof = g.profile if g.profile is not None else own
        if g.profile is None or g.profile == own:
            r = result
        else:
            if prof not in runs:
                t = time.perf_counter()
                runs[prof] = replace(result, groups=None, access_measure=None).what_if(profile=prof)
                log.info(
                    "Group profile %s: %.2f s (network and snapping shared)", prof, time.perf_counter() - t
                )
            r = runs[prof]
        hh_g = r.households
        covered[g.name] = hh_g["covered"].to_numpy(dtype=bool)
        walk[g.name] = hh_g["walk_min"].to_numpy(dtype=float)
        status[g.name] = hh_g["status"].astype(object).to_numpy()
        summary[g.name] = {
            "column": g.column,
            **tally(
                counts[g.name],
                hh_g,
                bands_min=r.bands_min,
                threshold_min=r.summary.threshold_min,
                speed_kph=r.summary.speed_kph,
                profile=prof,
                share_all=result.summary.share_covered_weight,
                access=None if result.access_measure is None else result.access_measure.access,
            ),
        }
        h[f"covered_{g.name}"] = covered[g.name]
        if r is not result:
            h[f"walk_min_{g.name}"] = walk[g.name]
    groups = Groups(list(specs), counts, covered, walk, status, summary)
    return replace(result, groups=groups, summary=replace(result.summary, groups=summary))


def with_access(result: CoverageResult, spec, *, supply) -> CoverageResult:
    """``result`` with floating-catchment accessibility on its walks (:mod:`coverage.walk_access`)."""
    from dataclasses import replace

    from .walk_access import walk_access

    wa = walk_access(result, spec, supply)
    return replace(result, access_measure=wa, summary=replace(result.summary, access=wa.summary))


def _added_supply(result: CoverageResult, st, keep, add_stations):
    """Supply per station after a what-if:
    the kept stations' own, then the added ones' (from their columns)."""
    from .walk_access import station_supply

    am = result.access_measure
    assert am is not None  # called for results with access= only
    old = am.supply[keep]
    if add_stations is None:
        return old
    new_rows = st.subset(np.arange(len(st)) >= int(keep.sum()))
    spec = am.spec
    col = spec.staff_col or spec.capacity_col
    frame = new_rows.frame
    found = {str(c).lower(): c for c in frame.columns}.get(str(col).lower()) if col is not None else None
    if col is not None and (found is None or frame[found].isna().all()):
        fill = (
            float(np.median(old)) if old.size else 1.0
        )  # added stations without the column: a median station
        log.info("Added stations have no %r column; each gets the median station's supply, %g", col, fill)
        return np.concatenate([old, np.full(len(new_rows), fill)])
    return np.concatenate([old, station_supply(new_rows, spec, capacity=None)])


def _compute(
    net,
    st,
    hh,
    s_snap,
    h_snap,
    hh_out,
    params,
    *,
    reach=None,
    progress=False,
    capacity=None,
    staff=None,
    gate_rule=None,
    previous=None,
) -> CoverageResult:
    """Distances, statuses and summary from snapped inputs (shared by assess and what-if)."""
    minutes = params["minutes"]
    kph = params["speed_kph"]
    v = kph / 3.6
    cutoffs = params["cutoffs_min"]
    max_snap_m = params["max_snap_m"]
    threshold_m = minutes * 60 * v
    limit_m = max([threshold_m] + [c * 60 * v for c in cutoffs])
    access = Access.open(h_snap) if gate_rule is None else gate_rule.access
    if reach is None or reach.limit_m < limit_m - 1e-9 or reach.n_stations != len(st):
        reach = station_reach(net, s_snap, limit_m, progress=progress)
    raw = _distances(net, s_snap, access, reach, threshold_m, previous=previous)
    walk_m, st_row, via, within, nearest = (
        raw["walk_m"],
        raw["st_row"],
        raw["via"],
        raw["within"],
        raw["nearest"],
    )
    n_within = np.diff(within.indptr)
    beyond = None
    if params.get("horizon_min") is not None:  # walks past the horizon are not reported (tiled runs cannot)
        # unreached counts as beyond too: the kept network is connected, so only a tile's cut leaves a gap
        beyond = access.on_network & hh.valid & (walk_m > params["horizon_min"] * 60 * v + 1e-9)
        walk_m = np.where(beyond, np.inf, walk_m)
        st_row = np.where(beyond, -1, st_row)
        via = np.where(beyond, access.shortest(), via)  # as for any unreached household
    households_gdf, summary_parts = _household_frame(
        hh, st, access, via, walk_m, st_row, n_within, threshold_m, v, hh_out, max_snap_m
    )
    if beyond is not None:
        households_gdf.loc[beyond & hh.valid, "note"] = (
            f"beyond the horizon: no station within {params['horizon_min']:g} min"
        )
    gates_summary = None
    if gate_rule is not None:
        open_m = raw.get("open_m")
        if open_m is None:
            open_m, _ = nearest_for_points(net, h_snap, s_snap, nearest)
            raw["open_m"] = open_m
        if params.get("horizon_min") is not None:  # the open rule's walk is cut at the horizon too
            open_m = np.where(open_m > params["horizon_min"] * 60 * v + 1e-9, np.inf, open_m)
        gates_summary = _gate_columns(households_gdf, gate_rule, access, via, open_m, threshold_m, hh, h_snap)
    stations_gdf = _station_frame(st, s_snap, within, hh, st_row, households_gdf)
    served = extra_staff = None
    if capacity is not None:
        walks = access.within(net, s_snap, reach, threshold_m, walk=True)
        served = served_columns(
            households_gdf, stations_gdf, walks, hh, st, capacity, staff, params.get("caseload")
        )
        if "extra_staff" in stations_gdf:
            extra_staff = float(stations_gdf["extra_staff"].sum())
    bands = []
    valid = hh.valid
    wv = hh.weight[valid]
    w_total = hh.valid_weight
    for c in sorted(set(cutoffs) | {minutes}):  # CoverageResult.bands_min
        ok = walk_m[valid] <= c * 60 * v + 1e-9
        bands.append(
            {
                "minutes": float(c),
                "distance_m": float(c * 60 * v),
                "n_within": int(ok.sum()),
                "weight_within": float(wv[ok].sum()),
                "share": float(ok.mean()) if ok.size else float("nan"),
                "share_weight": float(wv[ok].sum() / w_total) if w_total else float("nan"),
            }
        )
    summary = Summary(
        threshold_min=minutes,
        speed_kph=round(kph, 4),
        profile=params["profile"],
        max_snap_m=max_snap_m,
        n_stations=len(st),
        n_stations_on_network=int(s_snap.on_network.sum()),
        bands=bands,
        weight_served=served,
        extra_staff_total=extra_staff,
        gates=gates_summary,
        n_beyond_horizon=None if beyond is None else int((beyond & hh.valid).sum()),
        **summary_parts,
    )
    params = {**params, "threshold_m": threshold_m, "reach_limit_m": reach.limit_m}
    return CoverageResult(
        households=households_gdf,
        stations=stations_gdf,
        summary=summary,
        network=net,
        params=params,
        station_points=st,
        household_points=hh,
        station_snap=s_snap,
        household_snap=h_snap,
        reach=reach,
        _outside=hh_out,
        capacity=capacity,
        staff=staff,
        household_access=None if gate_rule is None else access,
        gate_rule=gate_rule,
        _raw=raw,
    )


def _distances(net, s_snap, access, reach, threshold_m, *, previous=None) -> dict:
    """Per household: the walk to the nearest station, that station, the access point used, and the
    households x stations matrix within the threshold.

    With ``previous`` (the ``_raw`` of a result on the same network and
    stations, plus ``changed``: the households whose access points changed
    and ``ptr``, the previous access points' CSR pointer), only the changed
    households are searched; the others keep their previous answers.
    """
    if previous is None:
        nearest = nearest_station(net, s_snap)
        pairs = access.pairs(net, s_snap)
        walk_m, st_row, via = access.nearest(net, s_snap, nearest, pairs=pairs)
        within = access.within(net, s_snap, reach, threshold_m, pairs=pairs)
        return {
            "walk_m": walk_m,
            "st_row": st_row,
            "via": via,
            "within": within,
            "nearest": nearest,
            "ptr": access.ptr,
        }
    from scipy import sparse

    nearest = previous["nearest"]
    idx = np.flatnonzero(previous["changed"])
    sub = access.subset(idx)
    w_s, r_s, v_s = sub.nearest(net, s_snap, nearest)
    within_s = sub.within(net, s_snap, reach, threshold_m)
    walk_m, st_row = previous["walk_m"].copy(), previous["st_row"].copy()
    walk_m[idx], st_row[idx] = w_s, r_s
    old_via, old_ptr, ptr = previous["via"], previous["ptr"], access.ptr
    h = np.arange(access.n)
    via = np.where(old_via >= 0, ptr[:-1] + (old_via - old_ptr[h]), -1)
    via[idx] = np.where(v_s >= 0, ptr[idx] + (v_s - sub.ptr[np.arange(idx.size)]), -1)
    keep = np.ones(access.n, dtype=bool)
    keep[idx] = False
    old = previous["within"].tocoo()
    k = keep[old.row]
    new = within_s.tocoo()
    rows = np.concatenate([old.row[k], idx[new.row]])
    cols = np.concatenate([old.col[k], new.col])
    within = sparse.csr_matrix(
        (np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=previous["within"].shape
    )
    within.sort_indices()
    out = {"walk_m": walk_m, "st_row": st_row, "via": via, "within": within, "nearest": nearest, "ptr": ptr}
    if previous.get("open_m") is not None:
        out["open_m"] = previous["open_m"]
    return out


def _gate_columns(households, rule, access, via, open_m, threshold_m, hh, h_snap) -> dict:
    """Add compound_id, gate_id and walk_m_open to the households; the open-against-gated summary."""
    comp = rule.household_compound
    cid = np.full(len(hh), None, dtype=object)
    inside = comp >= 0
    cid[inside] = rule.compounds.ids.astype(str)[comp[inside]]
    gate = np.full(len(hh), -1, dtype=np.int64)
    gate[via >= 0] = access.gate[via[via >= 0]]
    gid = np.full(len(hh), None, dtype=object)
    gid[gate >= 0] = rule.gates.ids.astype(str)[gate[gate >= 0]]
    households["compound_id"] = pd.array(cid, dtype=object)
    households["gate_id"] = pd.array(gid, dtype=object)
    open_ok = hh.valid & h_snap.on_network & np.isfinite(open_m)
    households["walk_m_open"] = np.round(np.where(open_ok, open_m, np.nan), 2)
    covered = households["covered"].to_numpy()
    covered_open = open_ok & (open_m <= threshold_m + 1e-9)
    gated = inside & rule.gated[np.maximum(comp, 0)] & hh.valid
    changed = gated & (covered != covered_open)
    lost = changed & covered_open
    w = hh.weight
    both = gated & open_ok & np.isfinite(households["walk_m"].to_numpy(dtype=float))
    longer = both & (households["walk_m"].to_numpy(dtype=float) - open_m > 50.0)
    st = rule.gate_status
    return {
        "n_compounds": rule.n_compounds,
        "n_gated_compounds": int(rule.gated.sum()),
        "n_compounds_without_gates": int((~rule.gated).sum()),
        "n_gates": int(st.size),
        "n_gates_used": int((st == "used").sum()),
        "n_gates_off_network": int((st == "off_network").sum()),
        "n_gates_without_compound": int((st == "no_compound").sum()),
        "n_gates_invalid": int((st == "invalid").sum()),
        "n_points_in_gated_compounds": int(gated.sum()),
        "weight_in_gated_compounds": float(w[gated].sum()),
        "n_points_changed": int(changed.sum()),
        "weight_changed": float(w[changed].sum()),
        "n_points_lost": int(lost.sum()),
        "weight_lost": float(w[lost].sum()),
        "n_points_gained": int((changed & ~covered_open).sum()),
        "weight_gained": float(w[changed & ~covered_open].sum()),
        "share_walk_50m_longer": float(longer.sum() / both.sum()) if both.any() else None,
        "n_walk_compared": int(both.sum()),
        "n_walk_50m_longer": int(longer.sum()),
        "n_compounds_changed": int(np.unique(comp[changed]).size),
        "covered_weight_open": float(w[covered_open & hh.valid].sum()),
        "covered_weight_gated": float(w[covered & hh.valid].sum()),
    }


def served_columns(households, stations, walks, hh, st, capacity, staff, caseload) -> float:
    """Add the capacitated assignment's columns to the frames; returns the households served.

    ``walks`` is the households x stations matrix of walks within the
    threshold; the frames are changed in place (a tiled run calls this on
    its merged tables with the pairs its tiles sent back).
    """
    a = assign(walks, np.where(hh.valid, hh.weight, 0.0), capacity)
    main = a.main_station
    households["served_weight"] = np.round(a.served, 6)
    sid = np.full(len(hh), None, dtype=object)
    sid[main >= 0] = st.ids[main[main >= 0]]
    households["assigned_station_id"] = pd.array(sid, dtype=object)
    stations["capacity"] = capacity
    stations["assigned_weight"] = np.round(a.assigned, 6)
    with np.errstate(divide="ignore", invalid="ignore"):
        stations["utilisation"] = np.where(capacity > 0, a.assigned / capacity, np.nan)
    stations["spare_weight"] = np.round(capacity - a.assigned, 6)
    covered = households["covered"].to_numpy()
    rows = pd.Series(stations.index, index=st.ids.astype(str))
    nearest = households["station_id"].astype(str).map(rows).to_numpy()
    demand = np.bincount(nearest[covered].astype(np.int64), weights=hh.weight[covered], minlength=len(st))
    for col, values in staffing(demand, capacity=capacity, staff=staff, caseload=caseload).items():
        stations[col] = values.to_numpy()
    if staff is not None:
        stations["staff"] = staff
    log.info(
        "Capacity: %s households served of %s within reach (%s, %.2f s)",
        f"{a.served_weight:,.0f}",
        f"{float(hh.weight[covered].sum()):,.0f}",
        a.solver,
        a.seconds,
    )
    return float(a.served_weight)


def _household_frame(hh, st, access, via, walk_m, st_row, n_within, threshold_m, v, hh_out, max_snap_m):
    n = len(hh)
    valid = hh.valid
    on = access.on_network & valid
    acc_m = np.full(n, np.nan)
    acc_m[via >= 0] = access.snap.access_m[via[via >= 0]]
    reach_ok = on & np.isfinite(walk_m)
    covered = reach_ok & (walk_m <= threshold_m + 1e-9)
    status = np.full(n, "uncovered", dtype=object)
    status[covered] = "covered"
    status[valid & ~on] = "off_network"
    status[~valid] = "invalid"
    note = np.full(n, "", dtype=object)
    note[~valid] = hh.reason[~valid]
    off = valid & ~on
    note[off] = f"more than {max_snap_m:g} m from a walkable street"
    if not access.is_open:
        no_gate = np.ones(n, dtype=bool)
        no_gate[access.owner] = False  # in a gated compound whose gates are all off the network
        note[off & no_gate] = (
            f"its compound's gates are all more than {max_snap_m:g} m from a walkable street"
        )
    note[off & hh_out] = "outside the network's extent"
    note[on & ~np.isfinite(walk_m)] = "no station reachable over the network"
    wm = np.where(reach_ok, walk_m, np.nan)
    sid = np.full(n, None, dtype=object)
    sid[reach_ok] = st.ids[st_row[reach_ok]]
    frame = hh.frame.copy()
    clash = [c for c in HOUSEHOLD_COLUMNS if c in frame.columns]
    if clash:
        log.warning("%s: input columns %s are replaced by result columns", hh.label, clash)
    frame["station_id"] = pd.array(sid, dtype=object)
    frame["walk_m"] = np.round(wm, 2)
    frame["walk_min"] = np.round(wm / v / 60, 3)
    frame["covered"] = covered
    frame["n_stations_within"] = np.where(on, n_within, 0).astype(np.int64)
    frame["status"] = pd.Categorical(status, categories=STATUSES)
    frame["access_m"] = np.round(np.where(on, acc_m, np.nan), 2)
    frame["note"] = note
    w = hh.weight
    parts = {
        "n_households": n,
        "n_covered": int((status == "covered").sum()),
        "n_uncovered": int((status == "uncovered").sum()),
        "n_off_network": int((status == "off_network").sum()),
        "n_invalid": int((status == "invalid").sum()),
        "weight_total": hh.valid_weight,
        "weight_covered": float(w[status == "covered"].sum()),
        "weight_uncovered": float(w[status == "uncovered"].sum()),
        "weight_off_network": float(w[status == "off_network"].sum()),
        "weight_invalid": float(w[status == "invalid"].sum()),
    }
    return frame, parts


def _station_frame(st, s_snap, within, hh, st_row, households_gdf):
    reached = households_gdf["station_id"].notna().to_numpy()
    rows = st_row[reached]
    n = len(st)
    return station_frame(
        st,
        s_snap,
        households_within=np.asarray(within.sum(axis=0)).ravel().astype(np.int64),
        weight_within=np.asarray(within.T @ hh.weight).ravel(),
        catchment_households=np.bincount(rows, minlength=n).astype(np.int64),
        catchment_weight=np.bincount(rows, weights=hh.weight[reached], minlength=n),
    )


def station_frame(st, s_snap, *, households_within, weight_within, catchment_households, catchment_weight):
    """The stations table: the input rows, where each meets the network, and its loads (the given arrays)."""
    n = len(st)
    off_st = st.valid & ~s_snap.on_network
    frame = st.frame.copy()
    kept = {c: f"{c}_input" for c in ("status", "note") if c in frame.columns}  # e.g. a geocoding pass's
    frame = frame.rename(columns=kept)
    frame["on_network"] = s_snap.on_network
    frame["access_m"] = np.round(np.where(s_snap.on_network, s_snap.access_m, np.nan), 2)
    frame["households_within"] = households_within
    frame["weight_within"] = weight_within
    frame["catchment_households"] = catchment_households
    frame["catchment_weight"] = catchment_weight
    status = np.where(s_snap.on_network, "on_network", "off_network").astype(object)
    status[~st.valid] = "invalid"
    frame["status"] = status
    note = np.full(n, "", dtype=object)
    note[~st.valid] = st.reason[~st.valid]
    note[off_st] = "too far from a walkable street; left out"
    frame["note"] = note
    return frame
