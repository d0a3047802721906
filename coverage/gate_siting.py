"""Where to cut the next gates: the openings that bring the most households within the threshold.

**Candidates.** Along the outline of every gated compound that has
households not yet within the threshold, a point every ``spacing_m``,
kept where it lies within :data:`CANDIDATE_STREET_M` of a walkable street
(a gate there opens onto that street); plus the candidates of a file, each
placed on its compound as a gate is (:mod:`coverage.gates`).

**Coverage sets, exactly.** A candidate opening of compound ``c`` changes
only the walks of ``c``'s households: by the gate rule, household ``h``'s
walk through it is the straight walk to the opening plus the opening's walk
to its street plus the network walk to the nearest station (the same
searches as the analysis: :func:`~coverage.reach.nearest_for_points`). The
opening covers ``h`` when that walk is within the threshold; since ``h``'s
walk is the best over its gates, adding openings covers exactly the union
of their sets. Existing stations and gates stay, so only households not
yet covered count.

**Choice.** The k openings of largest union are a maximal covering problem,
solved by the siting core (:func:`coverage.siting.solve_covering`: reduction,
greedy with the LP bound, HiGHS MILP with a proven gap); the openings are
ranked by marginal gain.

**Capacities.** When the stations have capacities, the gain is in
households *served* (:func:`_capacitated`: one exact MILP over the openings
and the capacitated assignment), since an opening can also relieve a full
station by letting covered households reach one with room.

Compounds without any gate keep the open rule (their households already walk
to the nearest street) and get no candidates.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from ._csr import gather
from ._errors import CoverageInputError

if TYPE_CHECKING:
    from ._types import CRSLike, PathLike, PointsSource
    from .assessment import CoverageResult

log = logging.getLogger(__name__)

#: A candidate opening lies within this distance (m) of a walkable street.
CANDIDATE_STREET_M = 10.0
#: Default spacing (m) of the candidate openings along each outline.
SPACING_M = 30.0


@dataclass(frozen=True, eq=False)
class GateSitingResult:
    """The proposed openings and how they were found.

    Attributes
    ----------
    sites
        One row per opening in rank order (a WGS-84 GeoDataFrame): ``rank``,
        ``gate_id``, ``compound_id``, ``compound_name``, ``lon``, ``lat``,
        ``households_added`` (its gain after those ranked above it),
        ``covered_share_after``, ``source`` (outline / file).
    summary
        Problem, solver, status, gap, shares before and after, counts.
    households
        The households each opening brings in (``id``, ``rank``,
        ``gate_id``, ``compound_id``, ``weight``), WGS-84.
    candidates
        Every candidate considered (``gate_id``, ``compound_id``,
        ``source``, ``households_reached``), WGS-84.
    """

    sites: gpd.GeoDataFrame
    summary: dict
    households: gpd.GeoDataFrame = field(repr=False)
    candidates: gpd.GeoDataFrame = field(repr=False)

    def gates(self) -> gpd.GeoDataFrame:
        """The openings as gates (``gate_id``, ``compound_id``):
        ``what_if(add_gates=...)`` or a gates file."""
        return self.sites[["gate_id", "compound_id", "geometry"]].copy()

    def text(self, lang: str = "en") -> str:
        s = self.summary
        gap = "n/a" if s.get("gap") is None else f"{s['gap']:.2%}"
        what = "served" if s.get("capacity_aware") else "covered"
        before, after = s[f"{what}_share_before"] or 0.0, s[f"{what}_share_after"] or 0.0
        if lang == "zh":
            word = "服务" if what == "served" else "覆盖"
            return (
                f"新开 {s['n_sites']} 个小区出入口，增加{word} {s['households_added']:,.0f} 户；{word}率 "
                f"{before:.1%} → {after:.1%}（候选出入口 {s['candidates_in']:,} 个，{s['solver']}，"
                f"{s['solver_status']}，间隙 {gap}）"
            )
        gain = "let" if what == "served" else "bring"
        tail = "be served within the stations' capacities" if what == "served" else "within the threshold"
        return (
            f"{s['n_sites']} new gate openings {gain} {s['households_added']:,.0f} more households {tail}; "
            f"{what} share {before:.1%} -> {after:.1%} ({s['candidates_in']:,} candidate openings, "
            f"{s['solver']}, {s['solver_status']}, gap {gap})"
        )

    def __repr__(self) -> str:
        return f"GateSitingResult({self.text()})"

    def to_files(self, out_dir: PathLike) -> dict[str, str]:
        """``gate_sites.csv``, ``gate_sites.gpkg`` (layers gate_sites, compounds, households_added,
        candidates)
        and ``gate_sites.json`` (the summary), through the writer
        (:func:`coverage.output.files.write_gate_siting`)."""
        from .output.files import write_gate_siting

        return write_gate_siting(self, out_dir)


def _outline_candidates(result, comps: np.ndarray, spacing_m: float):
    """(compound row, x, y) of points every ``spacing_m`` along the outlines of ``comps`` (work CRS)."""
    import shapely

    rule = result.gate_rule
    rings = shapely.boundary(rule.compound_xy[comps])
    parts, owner = shapely.get_parts(rings, return_index=True)
    length = shapely.length(parts)
    n = np.maximum(1, np.ceil(length / spacing_m).astype(np.int64))
    p_of = np.repeat(np.arange(parts.size), n)
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    dist = k * np.repeat(length / n, n)
    pts = shapely.line_interpolate_point(parts[p_of], dist)
    return comps[owner[p_of]], shapely.get_x(pts), shapely.get_y(pts)


def check_options(k, spacing_m: float, max_street_m: float, *, spacing_flag: str = "--spacing-m") -> None:
    """Refuse a ``k`` that is not a whole number of openings, and spacings that are not positive metres."""
    if isinstance(k, bool) or k is None or int(k) != k or k < 1:
        msg = f"k={k} must be a whole number of gate openings, at least 1 (--k)."
        raise CoverageInputError(msg)
    for name, value, flag in (
        ("spacing_m", spacing_m, spacing_flag),
        ("max_street_m", max_street_m, "--max-street-m"),
    ):
        if value is None or not np.isfinite(value) or value <= 0:
            msg = f"{name}={value} must be a positive number of metres ({flag})."
            raise CoverageInputError(msg)


def suggest_gates(
    result: CoverageResult,
    *,
    k: int = 5,
    spacing_m: float = SPACING_M,
    candidates: PointsSource | None = None,
    crs: CRSLike = None,
    max_street_m: float = CANDIDATE_STREET_M,
    method: str = "exact",
    time_limit_s: float = 60.0,
    capacity: bool | None = None,
) -> GateSitingResult:
    """The ``k`` gate openings that bring the most households within the threshold (see the module text).

    Parameters
    ----------
    result
        A :class:`~coverage.assessment.CoverageResult` with gated compounds.
    k
        Openings to propose.
    spacing_m
        Spacing of the candidate openings along each outline (default 30 m).
    candidates
        More candidate openings (points, as a gates file: optional
        ``compound_id`` and ``gate_id`` columns); ``crs`` is their CRS.
    max_street_m
        A candidate must lie within this distance of a walkable street.
    method, time_limit_s
        As :func:`~coverage.siting.suggest_sites`: ``"exact"`` (HiGHS MILP)
        or ``"greedy"``.
    capacity
        Weigh the stations' capacities (default: when the analysis has
        them): the openings that let the most households be *served*, see
        :func:`_capacitated` (``households_added`` is then served households,
        ``served_share_after`` replaces ``covered_share_after``).
    """
    from .siting import solve_covering

    t0 = time.perf_counter()
    rule = result.gate_rule
    if rule is None:
        msg = (
            "suggest_gates needs an analysis with gated compounds: assess(..., compounds=..., gates=...) "
            "(--compounds and --gates)."
        )
        raise CoverageInputError(msg)
    check_options(k, spacing_m, max_street_m)
    if capacity is None:
        capacity = result.capacity is not None
    if capacity and result.capacity is None:
        msg = (
            "capacity=True needs station capacities: assess(..., capacity=... or staff=... with "
            "caseload=...)."
        )
        raise CoverageInputError(msg)
    c = gate_cover(
        result,
        spacing_m=spacing_m,
        candidates=candidates,
        crs=crs,
        max_street_m=max_street_m,
        everyone=bool(capacity),
    )
    if capacity:
        return _capacitated(
            result,
            c,
            k=int(k),
            spacing_m=spacing_m,
            max_street_m=max_street_m,
            time_limit_s=time_limit_s,
            t0=t0,
        )
    hp, status, t_idx, cover, t_cand = (
        result.household_points,
        c["status"],
        c["rows"],
        c["cover"],
        c["t_cand"],
    )
    t_sets = time.perf_counter()
    w = hp.weight
    siting = solve_covering(
        cover,
        w[t_idx],
        total_weight=hp.valid_weight,
        covered_weight=float(w[status == "covered"].sum()),
        k=int(k),
        method=method,
        time_limit_s=time_limit_s,
    )
    cols = np.asarray(siting.columns, dtype=np.int64)
    gains = np.asarray(siting.gains, dtype=float)
    sm = siting.summary
    return _result(
        result,
        c,
        cols,
        gains,
        float(w[status == "covered"].sum()),
        {
            "problem": "maximal covering of gate openings (MCLP)",
            "k": int(k),
            "spacing_m": float(spacing_m),
            "max_street_m": float(max_street_m),
            "solver": sm["solver"],
            "status": sm["status"],
            "solver_status": sm["solver_status"],
            "gap": sm["gap"],
            "bound": sm["bound"],
            "coverable_weight": sm["coverable_weight"],
            "capacity_aware": False,
            "seconds": {
                "candidates": t_cand - t0,
                "coverage_sets": t_sets - t_cand,
                "solve": time.perf_counter() - t_sets,
                "total": time.perf_counter() - t0,
            },
        },
    )


def _result(
    result, c: dict, cols: np.ndarray, gains: np.ndarray, base: float, extra: dict, *, new_pairs=None
) -> GateSitingResult:
    """The :class:`GateSitingResult` of ranked openings ``cols`` (candidate rows) with their gains."""
    import pyproj

    rule, net, hp = result.gate_rule, result.network, result.household_points
    comp_h, w = rule.household_compound, hp.weight
    t_idx, cover, c_comp, c_snap, labels, source = (
        c[x] for x in ("rows", "cover", "compound", "snap", "labels", "source")
    )
    cid, n_c = rule.compounds.ids.astype(str), c_comp.size
    served = bool(extra.get("capacity_aware"))
    # the households each opening brings in (after those ranked above it): within the threshold through it,
    # or, weighing capacities, within reach of a station they could not reach before
    if new_pairs is None:
        csc = cover.tocsc()
        sets = [t_idx[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] for j in cols]
    else:
        vh, vj = new_pairs
        sets = [np.unique(vh[vj == j]) for j in cols]
    taken: set[int] = set()
    b_rows, b_rank = [], []
    for r, hs_ in enumerate(sets):
        new = [int(h) for h in hs_ if int(h) not in taken]
        taken.update(new)
        b_rows += new
        b_rank += [r + 1] * len(new)
    hh_rows = np.asarray(b_rows, dtype=np.int64)
    to_ll = pyproj.Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    lon, lat = (np.asarray(a, dtype=float) for a in to_ll.transform(c_snap.px, c_snap.py))
    names = _compound_names(rule)
    total = hp.valid_weight
    share_col = "served_share_after" if served else "covered_share_after"
    sites = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, cols.size + 1),
            "gate_id": [labels[j] for j in cols],
            "compound_id": cid[c_comp[cols]] if cols.size else np.zeros(0, dtype=object),
            "compound_name": names[c_comp[cols]] if cols.size else np.zeros(0, dtype=object),
            "lon": lon[cols],
            "lat": lat[cols],
            "households_added": np.round(gains, 6),
            share_col: (base + np.cumsum(gains)) / total if total else np.full(cols.size, np.nan),
            "source": [source[j] for j in cols],
        },
        geometry=gpd.points_from_xy(lon[cols], lat[cols]),
        crs="EPSG:4326",
    )
    households = gpd.GeoDataFrame(
        {
            "id": hp.ids[hh_rows].astype(str),
            "rank": np.asarray(b_rank, dtype=np.int64),
            "gate_id": [sites["gate_id"].iloc[r - 1] for r in b_rank],
            "compound_id": cid[comp_h[hh_rows]] if hh_rows.size else np.zeros(0, dtype=object),
            "weight": w[hh_rows],
        },
        geometry=gpd.points_from_xy(hp.lon[hh_rows], hp.lat[hh_rows]),
        crs="EPSG:4326",
    )
    reached = np.asarray(cover.sum(axis=0)).ravel()
    cand = gpd.GeoDataFrame(
        {
            "gate_id": labels,
            "compound_id": cid[c_comp] if n_c else np.zeros(0, dtype=object),
            "source": source,
            "households_reached": reached.astype(np.int64),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    chosen_c = np.unique(c_comp[cols]) if cols.size else np.zeros(0, dtype=np.int64)
    comp_frame = gpd.GeoDataFrame(
        {"compound_id": cid[chosen_c], "name": names[chosen_c]},
        geometry=rule.compounds.frame.geometry.values[chosen_c],
        crs="EPSG:4326",
    )
    what = "served" if served else "covered"
    summary = {
        **{k_: v for k_, v in extra.items() if k_ != "seconds"},
        "n_sites": int(cols.size),
        "households_added": float(gains.sum()),
        f"{what}_share_before": base / total if total else None,
        f"{what}_share_after": (base + float(gains.sum())) / total if total else None,
        "candidates_in": int(n_c),
        "candidates_from_file": int(sum(x == "file" for x in source)),
        "compounds_considered": int(c["compounds"].size),
        "households_considered": int(t_idx.size),
        "threshold_min": result.summary.threshold_min,
        "speed_kph": result.summary.speed_kph,
        "seconds": extra.get("seconds"),
        "_compounds": comp_frame,
    }
    if served:
        summary["weight_served_before"], summary["weight_served_after"] = base, base + float(gains.sum())
    log.info(
        "Gate siting: %d candidate openings on %d compounds, %d households considered -> %d openings add %s "
        "households %s (%s)",
        n_c,
        c["compounds"].size,
        t_idx.size,
        cols.size,
        f"{gains.sum():,.0f}",
        what,
        extra.get("solver"),
    )
    return GateSitingResult(sites=sites, summary=summary, households=households, candidates=cand)


def _compound_names(rule) -> np.ndarray:
    cols = {str(c).lower(): c for c in rule.compounds.frame.columns}
    col = next((cols[k] for k in ("name", "名称", "小区名称", "小区") if k in cols), None)
    if col is None:
        return np.full(rule.n_compounds, "", dtype=object)
    return pd.Series(rule.compounds.frame[col]).fillna("").astype(str).to_numpy(dtype=object)


def gate_cover(
    result,
    *,
    spacing_m: float = SPACING_M,
    candidates=None,
    crs=None,
    max_street_m: float = CANDIDATE_STREET_M,
    everyone: bool = False,
) -> dict:
    """The candidate openings and the households each brings within the threshold (see the module text).

    Returns a dict: ``rows`` (the households considered: valid, not covered,
    in a gated compound), ``cover`` (boolean CSR, rows x candidates),
    ``compound`` (compound row per candidate), ``snap`` (where each meets
    its street), ``labels`` (gate ids), ``source`` (outline / file),
    ``compounds`` (compound rows considered) and ``status`` (households'
    statuses).
    """
    from scipy import sparse

    from .gates import place_gates
    from .reach import nearest_for_points, nearest_station
    from .snapping import Snapped, snap_points

    rule = result.gate_rule
    net = result.network
    hp, hs = result.household_points, result.household_snap
    comp_h = rule.household_compound
    status = result.households["status"].astype(str).to_numpy()
    gated_c = rule.gated
    # households a new opening can help: valid, not covered, inside a gated compound
    target = hp.valid & (everyone | (status != "covered")) & (comp_h >= 0) & gated_c[np.maximum(comp_h, 0)]
    t_idx = np.flatnonzero(target)
    comps = np.unique(comp_h[t_idx])
    c_comp, cx, cy = _outline_candidates(result, comps, spacing_m)
    c_snap = snap_points(net, cx, cy, max_snap_m=max_street_m)
    on = c_snap.on_network
    c_comp, c_snap = c_comp[on], c_snap.subset(on)
    cid = rule.compounds.ids.astype(str)
    # numbered along each outline, as a planner reads them
    seq = np.arange(c_comp.size) - np.searchsorted(c_comp, c_comp, side="left") + 1
    labels = [f"{cid[c]}-门{s}" for c, s in zip(c_comp, seq, strict=True)]
    source = ["outline"] * c_comp.size
    if candidates is not None:
        pts, snap, fc, _ = place_gates(
            rule,
            net,
            candidates,
            crs=crs or result.params.get("gate_crs") or result.params.get("crs"),
            max_snap_m=result.params["max_snap_m"],
            compound_id_col=result.params.get("compound_id_col"),
            role="candidate openings",
        )
        use = (fc >= 0) & snap.on_network & pts.valid & gated_c[np.maximum(fc, 0)]
        if not use.all():
            log.warning(
                "%s: %d candidates lie on no gated compound's outline or off the network (%s); left out",
                pts.label,
                int((~use).sum()),
                pts.rows(np.flatnonzero(~use)),
            )
        clash = set(map(str, pts.ids[use])) & (set(labels) | set(map(str, rule.gates.ids)))
        if clash:
            msg = f"{pts.label}: gate ids {sorted(clash)[:5]} are taken; give the candidates their own ids."
            raise CoverageInputError(msg)
        c_comp = np.concatenate([c_comp, fc[use]])
        c_snap = c_snap.concat(snap.subset(use))
        labels += [str(i) for i in pts.ids[use]]
        source += ["file"] * int(use.sum())
    n_c = c_comp.size
    t_cand = time.perf_counter()
    # (household, candidate) pairs within the same compound: the walk through that opening
    order = np.argsort(comp_h[t_idx], kind="stable")
    t_sorted = t_idx[order]
    hptr = np.searchsorted(comp_h[t_sorted], np.arange(rule.n_compounds + 1), side="left")
    cand_of, pos = gather(hptr, c_comp)
    hh = t_sorted[pos]
    straight = np.hypot(hs.px[hh] - c_snap.px[cand_of], hs.py[hh] - c_snap.py[cand_of])
    pair = Snapped(
        c_snap.edge[cand_of],
        c_snap.along_m[cand_of],
        straight + c_snap.access_m[cand_of],
        c_snap.x[cand_of],
        c_snap.y[cand_of],
        hs.px[hh],
        hs.py[hh],
    )
    raw = result._raw or {}
    nearest = raw.get("nearest") or nearest_station(net, result.station_snap)
    walk, _ = nearest_for_points(net, pair, result.station_snap, nearest)
    if result.params.get("horizon_min") is not None:
        walk = np.where(walk > result.params["horizon_min"] * 60 * result.speed_m_s + 1e-9, np.inf, walk)
    ok = walk <= result.params["threshold_m"] + 1e-9
    row_of = np.full(hp.weight.size, -1, dtype=np.int64)
    row_of[t_idx] = np.arange(t_idx.size)
    cover = sparse.csr_matrix(
        (np.ones(int(ok.sum()), dtype=bool), (row_of[hh[ok]], cand_of[ok])), shape=(t_idx.size, n_c)
    )
    return {
        "rows": t_idx,
        "cover": cover,
        "compound": c_comp,
        "snap": c_snap,
        "labels": labels,
        "source": source,
        "compounds": comps,
        "status": status,
        "t_cand": t_cand,
        "pair_household": hh,
        "pair_candidate": cand_of,
        "pair_snap": pair,
    }


def weigh_gates_and_stations(
    result,
    station_sites,
    *,
    k: int,
    user_candidates: bool = False,
    crs=None,
    id_col: str = "id",
    spacing_m: float = SPACING_M,
    max_street_m: float = CANDIDATE_STREET_M,
    method: str = "exact",
    time_limit_s: float = 60.0,
) -> gpd.GeoDataFrame:
    """The ``k`` best interventions of either kind, new stations and gate openings together (a GeoDataFrame).

    ``station_sites`` is the :class:`~coverage.siting.SitingResult` of
    :func:`~coverage.siting.suggest_sites` on ``result`` (its candidates are
    used again, read as it read them: ``user_candidates``, ``crs``,
    ``id_col``); the gate candidates are :func:`gate_cover`'s. One maximal
    covering problem over both (each intervention counts as one), solved by
    the siting core. Columns: ``rank``, ``kind`` (station / gate), ``id``,
    ``compound_id``, ``lon``, ``lat``, ``households_added``,
    ``covered_share_after``.

    Each intervention's set is exact alone. Together the gains are a lower
    bound: a household reached only through a new gate *and* a new station
    is not counted, so a rerun with the chosen interventions covers at least
    what the list claims.
    """
    from scipy import sparse

    from .locate import locate
    from .reach import station_reach
    from .siting import solve_covering

    rule = result.gate_rule
    if rule is None:
        msg = "--with-gates needs gated compounds: give --compounds and --gates."
        raise CoverageInputError(msg)
    net, hp = result.network, result.household_points
    status = result.households["status"].astype(str).to_numpy()
    rows = np.flatnonzero(hp.valid & (status != "covered"))
    threshold_m = result.params["threshold_m"]
    cand = station_sites.candidates
    n_s = 0
    s_cover = sparse.csr_matrix((rows.size, 0), dtype=bool)
    s_ids, s_lon, s_lat = [], np.zeros(0), np.zeros(0)
    if cand is not None and (not hasattr(cand, "__len__") or len(cand)):
        cl = locate(
            net,
            cand,
            role="candidates",
            id_col=id_col,
            crs=crs if user_candidates else None,
            max_snap_m=result.params["max_snap_m"],
            check_crs=user_candidates,
        )
        reach = station_reach(net, cl.snap, threshold_m)
        s_cover = sparse.csr_matrix(
            result.access.subset(rows).within(net, cl.snap, reach, threshold_m), dtype=bool
        )
        n_s = s_cover.shape[1]
        s_ids, s_lon, s_lat = [str(i) for i in cl.points.ids], cl.points.lon, cl.points.lat
    g = gate_cover(result, spacing_m=spacing_m, max_street_m=max_street_m)
    pos = np.searchsorted(rows, g["rows"])
    gc = g["cover"].tocoo()
    g_cover = sparse.csr_matrix((gc.data, (pos[gc.row], gc.col)), shape=(rows.size, gc.shape[1]), dtype=bool)
    cover = sparse.hstack([s_cover, g_cover], format="csr")
    w = hp.weight
    base = float(w[status == "covered"].sum())
    siting = solve_covering(
        cover,
        w[rows],
        total_weight=hp.valid_weight,
        covered_weight=base,
        k=int(k),
        method=method,
        time_limit_s=time_limit_s,
    )
    import pyproj

    to_ll = pyproj.Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    g_lon, g_lat = (np.asarray(a, dtype=float) for a in to_ll.transform(g["snap"].px, g["snap"].py))
    cid = rule.compounds.ids.astype(str)
    recs = []
    for c in np.asarray(siting.columns, dtype=np.int64):
        if c < n_s:
            recs.append(("station", s_ids[c], None, float(s_lon[c]), float(s_lat[c])))
        else:
            j = c - n_s
            recs.append(("gate", g["labels"][j], cid[g["compound"][j]], float(g_lon[j]), float(g_lat[j])))
    gains = np.asarray(siting.gains, dtype=float)
    total = hp.valid_weight
    frame = pd.DataFrame(recs, columns=["kind", "id", "compound_id", "lon", "lat"])
    frame.insert(0, "rank", np.arange(1, len(recs) + 1))
    frame["households_added"] = np.round(gains, 6)
    frame["covered_share_after"] = (base + np.cumsum(gains)) / total if total else np.nan
    log.info(
        "Stations and gates weighed together: %d stations and %d openings as candidates -> %s",
        n_s,
        g_cover.shape[1],
        ", ".join(f"{k_}: {v}" for k_, v in frame["kind"].value_counts().items()),
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")


def _capacitated(
    result, c: dict, *, k: int, spacing_m: float, max_street_m: float, time_limit_s: float, t0: float
) -> GateSitingResult:
    """The ``k`` openings that let the most households be served within the stations' capacities.

    Exact, as one MILP (HiGHS): binary ``x[j]`` per candidate opening, flows
    ``z[h, s] >= 0`` over the (household, station) pairs within the
    threshold now or through some opening (``z[h, s] <= sum x[j]`` over the
    openings that give a new pair), ``sum_s z[h, s] <= weight[h]``,
    ``sum_h z[h, s] <= capacity[s]``, ``sum x <= k``; maximise ``sum z``.
    An opening also serves households already covered, by letting them reach
    a station with room and so freeing a full one. The openings are ranked
    by marginal gain, each evaluated with the analysis's own assignment
    (:func:`coverage.capacity.assign`), so the gains add up to what
    ``what_if(add_gates=...)`` reports as ``weight_served``.
    """
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, milp

    from .capacity import assign
    from .reach import within_pairs

    net, hp = result.network, result.household_points
    thr = result.params["threshold_m"]
    w = np.where(hp.valid, hp.weight, 0.0)
    cap = np.asarray(result.capacity, dtype=float)
    n_h, n_s = w.size, cap.size
    now = sparse.csr_matrix(result.access.within(net, result.station_snap, result.reach, thr), dtype=bool)
    pair_v = within_pairs(net, c["pair_snap"], result.station_snap, result.reach, thr).tocoo()
    vh = c["pair_household"][pair_v.row]
    vj = c["pair_candidate"][pair_v.row]
    vs = pair_v.col.astype(np.int64)
    fresh = ~np.asarray(now[vh, vs]).ravel().astype(bool) if vh.size else np.zeros(0, dtype=bool)
    vh, vj, vs = vh[fresh], vj[fresh], vs[fresh]
    useful = np.unique(vj)
    n_c = c["compound"].size
    t_sets = time.perf_counter()
    # pairs: the existing ones, then the new ones (each (h, s) once)
    e = now.tocoo()
    new_key, new_inv = np.unique(vh * n_s + vs, return_inverse=True)
    ph = np.concatenate([e.row.astype(np.int64), new_key // n_s])
    ps = np.concatenate([e.col.astype(np.int64), new_key % n_s])
    n_e, n_p = e.row.size, ph.size
    x_of = np.full(n_c, -1, dtype=np.int64)
    x_of[useful] = np.arange(useful.size)
    n_x = useful.size
    n_var = n_x + n_p
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[np.ndarray | list[float]] = []
    hi: list[np.ndarray | list[float]] = []
    r = 0
    # z[new pair] - sum x[j] <= 0
    n_new = new_key.size
    rows += [r + np.arange(n_new), r + new_inv]
    cols += [n_x + n_e + np.arange(n_new), x_of[vj]]
    vals += [np.ones(n_new), -np.ones(new_inv.size)]
    lo.append(np.full(n_new, -np.inf))
    hi.append(np.zeros(n_new))
    r += n_new
    rows += [r + ph, r + n_h + ps]  # households' weight, then stations' capacity
    cols += [n_x + np.arange(n_p), n_x + np.arange(n_p)]
    vals += [np.ones(n_p), np.ones(n_p)]
    lo.append(np.full(n_h + n_s, -np.inf))
    hi.append(np.concatenate([w, cap]))
    r += n_h + n_s
    rows.append(np.full(n_x, r))
    cols.append(np.arange(n_x))
    vals.append(np.ones(n_x))
    lo.append([-np.inf])
    hi.append([float(k)])
    r += 1
    a = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_var)
    )
    obj = np.concatenate([np.zeros(n_x), -np.ones(n_p)])
    integ = np.concatenate([np.ones(n_x), np.zeros(n_p)])
    ub = np.concatenate([np.ones(n_x), np.full(n_p, np.inf)])
    t_solve = time.perf_counter()
    res = milp(
        obj,
        constraints=LinearConstraint(a, np.concatenate(lo), np.concatenate(hi)),
        integrality=integ,
        bounds=Bounds(np.zeros(n_var), ub),
        options={"time_limit": float(time_limit_s)},
    )
    chosen = [] if res.x is None else [int(useful[i]) for i in np.flatnonzero(res.x[:n_x] > 0.5)]
    status = {0: "optimal", 1: "time limit"}.get(res.status, str(res.message))
    gap = getattr(res, "mip_gap", None)

    def served(js) -> float:
        m = np.isin(vj, js)
        rr = np.concatenate([e.row, vh[m]])
        cc = np.concatenate([e.col, vs[m]])
        walks = sparse.csr_matrix((np.ones(rr.size), (rr, cc)), shape=(n_h, n_s))
        walks.data[:] = 1.0
        return assign(walks, w, cap).served_weight

    base = float(result.summary.weight_served if result.summary.weight_served is not None else served([]))
    order: list[int] = []
    gains: list[float] = []
    have, left = base, list(chosen)
    while left:  # rank by marginal gain, ties to the lower candidate
        vals_ = [(served([*order, j]), -j) for j in sorted(left)]
        best, neg = max(vals_)
        order.append(-neg)
        left.remove(-neg)
        gains.append(best - have)
        have = best
    seconds = {
        "candidates": c["t_cand"] - t0,
        "coverage_sets": t_sets - c["t_cand"],
        "solve": time.perf_counter() - t_solve,
        "total": time.perf_counter() - t0,
    }
    return _result(
        result,
        c,
        np.asarray(order, dtype=np.int64),
        np.asarray(gains, dtype=float),
        base,
        {
            "problem": "maximal capacitated covering of gate openings (MILP)",
            "k": int(k),
            "spacing_m": float(spacing_m),
            "max_street_m": float(max_street_m),
            "solver": "highs-milp",
            "status": status,
            "solver_status": status,
            "gap": None if gap is None else float(gap),
            "bound": None,
            "capacity_aware": True,
            "candidates_useful": int(n_x),
            "pairs_existing": int(n_e),
            "pairs_through_openings": int(n_new),
            "seconds": seconds,
        },
        new_pairs=(vh, vj),
    )
