"""Scenarios: coverage for any choice of stations, from one table of who is within reach of whom.

For every existing station and every candidate site, the households within
the largest band (15 minutes by default) with the band each one falls in.
With that table, the coverage of any set of open sites is a minimum over a
few thousand short lists: what the what-if map recomputes in the browser in
milliseconds, and what :meth:`Scenario.evaluate` recomputes here.

The band codes come from the same exact walks as the analysis (access walks
at both ends, the direct walk along a shared chain) compared with the same
rule (``walk <= band + 1e-9``), so a scenario's numbers equal what
:meth:`~coverage.assess.CoverageResult.what_if` and
:func:`~coverage.assess.assess` give for the same stations.

Candidates are the proposed sites (when given), network places near the
gaps (one per ``spacing_m`` cell, :func:`~coverage.siting.auto_candidates`)
and, when the network came from a ``.pbf`` extract, the places stations are
co-located with: community and party-service centres, social facilities,
town halls, libraries, schools and clinics, named as in OpenStreetMap.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from .locate import locate
from .reach import station_reach

if TYPE_CHECKING:
    from ._types import Ids

log = logging.getLogger(__name__)

#: OSM amenities where social-work stations are often co-located (candidates on the what-if map).
CO_LOCATION_AMENITIES = (
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
#: Spacing of the automatic candidates on the what-if map, metres.
MAP_CANDIDATE_SPACING_M = 250.0


@dataclass(frozen=True)
class Scenario:
    """Who is within reach of which site, in bands.

    Sites ``0 .. n_stations - 1`` are the existing stations (open at the
    start), the rest candidates. ``household[ptr[s]:ptr[s + 1]]`` are the
    households within the largest band of site ``s`` and ``code`` the band
    each falls in (0 = the narrowest).
    """

    bands_min: list
    bands_m: list
    threshold_index: int
    site_id: list
    site_name: list
    site_kind: list
    site_lon: np.ndarray
    site_lat: np.ndarray
    n_stations: int
    start_open: np.ndarray
    ptr: np.ndarray
    household: np.ndarray
    code: np.ndarray
    weight: np.ndarray
    valid: np.ndarray
    capacity: np.ndarray | None = None  # households per site, when the stations have capacities
    # candidate gate openings (gated compounds): opening g gives its compound's households new walks to the
    # sites;
    # site-major, the entries of site s are gptr[s]:gptr[s + 1] as (opening, household, band code)
    gate_id: list | None = None
    gate_compound: list | None = None
    gate_lon: np.ndarray | None = None
    gate_lat: np.ndarray | None = None
    gptr: np.ndarray | None = None
    g_gate: np.ndarray | None = None
    g_household: np.ndarray | None = None
    g_code: np.ndarray | None = None

    @property
    def n_gates(self) -> int:
        return 0 if self.gate_id is None else len(self.gate_id)

    def gates_of(self, ids: Ids) -> np.ndarray:
        """A boolean mask over the candidate openings: those with these ids."""
        index = {str(i): k for k, i in enumerate(self.gate_id or [])}
        missing = [i for i in ids if str(i) not in index]
        if missing:
            msg = f"no candidate gate opening with id {missing[:5]}"
            raise KeyError(msg)
        mask = np.zeros(self.n_gates, dtype=bool)
        mask[[index[str(i)] for i in ids]] = True
        return mask

    def _pairs(self, open_mask, open_gates):
        """(site, household, code) of every reach of the open sites, directly or through an open opening."""
        for s in np.flatnonzero(open_mask):
            sl = slice(self.ptr[s], self.ptr[s + 1])
            h, c = self.household[sl], self.code[sl]
            if open_gates is not None and self.gptr is not None:
                gl = slice(self.gptr[s], self.gptr[s + 1])
                on = open_gates[self.g_gate[gl]]
                h = np.concatenate([h, self.g_household[gl][on]])
                c = np.concatenate([c, self.g_code[gl][on]])
                if h.size:  # each household once per site, at its best code
                    order = np.lexsort((c, h))
                    h, c = h[order], c[order]
                    first = np.r_[True, h[1:] != h[:-1]]
                    h, c = h[first], c[first]
            yield s, h, c

    @property
    def n_sites(self) -> int:
        return len(self.site_id)

    def sites_of(self, ids: Ids) -> np.ndarray:
        index = {str(i): k for k, i in enumerate(self.site_id)}
        missing = [i for i in ids if str(i) not in index]
        if missing:
            msg = f"no station or candidate with id {missing[:5]}"
            raise KeyError(msg)
        return np.array([index[str(i)] for i in ids], dtype=np.int64)

    def open_mask(self, *, remove: Ids = (), add: Ids = ()) -> np.ndarray:
        """The starting stations, less ``remove``, plus ``add`` (ids)."""
        mask = self.start_open.copy()
        mask[self.sites_of(remove)] = False
        mask[self.sites_of(add)] = True
        return mask

    def evaluate(self, open_mask: np.ndarray, open_gates: np.ndarray | None = None) -> dict:
        """The summary for the open sites (and open gate openings): the same numbers the what-if map shows."""
        n_codes = len(self.bands_m)
        best = np.full(self.weight.size, n_codes, dtype=np.int64)
        load_n, load_w = {}, {}
        for s, h, c in self._pairs(open_mask, open_gates):
            np.minimum.at(best, h, c)
            within = c <= self.threshold_index
            load_n[self.site_id[s]] = int(within.sum())
            load_w[self.site_id[s]] = float(self.weight[h[within]].sum())
        v = self.valid
        w_total = float(self.weight[v].sum())
        n_valid = int(v.sum())
        bands = []
        for i, m in enumerate(self.bands_min):
            ok = v & (best <= i)
            bands.append(
                {
                    "minutes": m,
                    "n_within": int(ok.sum()),
                    "weight_within": float(self.weight[ok].sum()),
                    "share": int(ok.sum()) / n_valid if n_valid else None,
                    "share_weight": float(self.weight[ok].sum()) / w_total if w_total else None,
                }
            )
        thr = bands[self.threshold_index]
        out = {
            "households_covered": thr["n_within"],
            "weight_covered": thr["weight_within"],
            "share": thr["share"],
            "share_weight": thr["share_weight"],
            "bands": bands,
            "load_households": load_n,
            "load_weight": load_w,
        }
        if self.capacity is not None:
            out["weight_served"] = self.served(open_mask, open_gates)
            out["share_served_weight"] = out["weight_served"] / w_total if w_total else None
        return out

    def served(self, open_mask: np.ndarray, open_gates: np.ndarray | None = None) -> float:
        """Households served within the open sites' capacities (the maximum; what_if's ``weight_served``)."""
        from scipy import sparse

        from .capacity import assign

        rows, cols = [], []
        for s, h, c in self._pairs(open_mask, open_gates):
            ok = c <= self.threshold_index
            rows.append(h[ok])
            cols.append(np.full(int(ok.sum()), s))
        if not rows:
            return 0.0
        r, c = np.concatenate(rows), np.concatenate(cols)
        walk = sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(self.weight.size, self.n_sites))
        return assign(walk, np.where(self.valid, self.weight, 0.0), self.capacity).served_weight


def _candidates(result, sites, spacing_m, facilities) -> gpd.GeoDataFrame:
    from .siting import auto_candidates

    parts = []
    if sites is not None and len(sites):
        s = sites.to_crs(4326)
        parts.append(
            gpd.GeoDataFrame(
                {
                    "id": s["id"].astype(str).to_numpy(),
                    "name": s["name"].fillna("").astype(str).to_numpy() if "name" in s else "",
                    "kind": "proposed",
                },
                geometry=s.geometry.values,
                crs=4326,
            )
        )
    src = str(result.params["network"].get("source", ""))
    if facilities and src.lower().endswith(".pbf"):
        from .osm import facilities as osm_facilities

        try:
            fac = osm_facilities(src, amenities=CO_LOCATION_AMENITIES)
        except Exception as exc:  # noqa: BLE001  (a candidate source, never a requirement)
            log.warning("Could not read co-location facilities from %s: %s", src, exc)
            fac = None
        if fac is not None and len(fac):
            parts.append(
                gpd.GeoDataFrame(
                    {
                        "id": fac["id"].astype(str).to_numpy(),
                        "name": fac["name"].to_numpy(),
                        "kind": fac["amenity"].to_numpy(),
                    },
                    geometry=fac.geometry.values,
                    crs=4326,
                )
            )
    auto = auto_candidates(result, spacing_m=spacing_m)
    if len(auto):
        parts.append(
            gpd.GeoDataFrame(
                {"id": auto["id"].to_numpy(), "name": "", "kind": "network"},
                geometry=auto.geometry.values,
                crs=4326,
            )
        )
    if not parts:
        return gpd.GeoDataFrame({"id": [], "name": [], "kind": []}, geometry=[], crs=4326)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=4326)
    out = out[~out["id"].duplicated()].reset_index(drop=True)
    taken = set(map(str, result.station_points.ids))
    out["id"] = [i if i not in taken else f"candidate-{i}" for i in out["id"]]
    return out


def scenario(
    result,
    *,
    sites=None,
    candidates=None,
    spacing_m: float = MAP_CANDIDATE_SPACING_M,
    facilities: bool = True,
    new_capacity: float | None = None,
    openings=None,
) -> Scenario:
    """The what-if table of a :class:`~coverage.assess.CoverageResult`.

    Parameters
    ----------
    sites
        Proposed sites (``SitingResult.sites``), added as candidates.
    candidates
        Candidate places (GeoDataFrame with ``id``, optional ``name`` and
        ``kind``); default: network places near the gaps every ``spacing_m``
        and, with ``facilities``, the co-location places of a ``.pbf`` extract.
    new_capacity
        When the stations have capacities: the households a station opened
        at a candidate can serve (default: the median station's capacity).
    openings
        Candidate gate openings (points with ``gate_id`` and ``compound_id``,
        as :meth:`coverage.gate_siting.GateSitingResult.gates` gives them),
        placed by the gate rule: opening one gives its compound's households
        one more access point, so the page's numbers with openings open equal
        ``what_if(add_gates=...)`` with any stations open.
    """
    t0 = time.perf_counter()
    net = result.network
    rules = result.rules  # the run's walking rules (coverage.options.WalkRules)
    bands_min = [float(b) for b in rules.bands_min]
    v = rules.speed_m_s
    bands_m = [b * 60 * v for b in bands_min]
    limit = max(bands_m)
    thr = bands_min.index(float(result.summary.threshold_min))
    edges = np.asarray(bands_m) + 1e-9
    acc = result.access  # the households' access points (their gates, in gated compounds)
    st_pairs = acc.within(net, result.station_snap, result.reach, limit, walk=True).tocsc()
    cand = _candidates(result, sites, spacing_m, facilities) if candidates is None else candidates
    cols = [st_pairs]
    cl = c_reach = None
    if len(cand):
        cl = locate(net, cand, role="candidates", id_col="id", max_snap_m=rules.max_snap_m, check_crs=False)
        c_reach = station_reach(net, cl.snap, limit)
        cols.append(acc.within(net, cl.snap, c_reach, limit, walk=True).tocsc())
        c_lon, c_lat = cl.points.lon, cl.points.lat
    else:
        c_lon = c_lat = np.zeros(0)
    gate_fields = (
        {}
        if openings is None
        else _openings(
            result, openings, cl, c_reach, limit, edges, n_sites=len(result.station_points) + len(cand)
        )
    )
    ptrs, hh, code = [np.zeros(1, dtype=np.int64)], [], []
    for m in cols:
        m.sort_indices()
        ptrs.append(m.indptr[1:].astype(np.int64) + ptrs[-1][-1])
        hh.append(m.indices)
        code.append(np.searchsorted(edges, m.data, side="left").astype(np.uint8))
    sp = result.station_points
    names = sp.frame[sp.name_col].fillna("").astype(str).tolist() if sp.name_col else [""] * len(sp)
    out = Scenario(
        bands_min=bands_min,
        bands_m=bands_m,
        threshold_index=thr,
        site_id=[str(i) for i in sp.ids] + [str(i) for i in cand["id"]]
        if len(cand)
        else [str(i) for i in sp.ids],
        site_name=names + (cand["name"].fillna("").astype(str).tolist() if len(cand) else []),
        site_kind=["station"] * len(sp) + (cand["kind"].astype(str).tolist() if len(cand) else []),
        site_lon=np.concatenate([sp.lon, c_lon]),
        site_lat=np.concatenate([sp.lat, c_lat]),
        n_stations=len(sp),
        start_open=np.r_[result.station_snap.on_network & sp.valid, np.zeros(len(cand), dtype=bool)],
        ptr=np.concatenate(ptrs),
        household=np.concatenate(hh).astype(np.int64),
        code=np.concatenate(code),
        weight=result.household_points.weight,
        valid=result.household_points.valid,
        capacity=None
        if result.capacity is None
        else np.concatenate(
            [
                result.capacity,
                np.full(
                    len(cand),
                    float(np.median(result.capacity)) if new_capacity is None else float(new_capacity),
                ),
            ]
        ),
        **gate_fields,
    )
    log.info(
        "What-if table: %d stations and %d candidates, %d pairs, in %.2f s",
        len(sp),
        len(cand),
        out.household.size,
        time.perf_counter() - t0,
    )
    return out


def _openings(result, openings, cl, c_reach, limit: float, edges: np.ndarray, *, n_sites: int) -> dict:
    """The Scenario fields of candidate gate openings: per site, the households each opening brings within the
    largest band of it, with their band (the walk through the opening, as the gate rule walks)."""
    from .gates import place_gates
    from .reach import within_pairs
    from .snapping import Snapped

    rule = result.gate_rule
    if rule is None:
        msg = "openings need an analysis with gated compounds (assess(..., compounds=..., gates=...))."
        raise ValueError(msg)
    net, p = result.network, result.params
    pts, snap, comp, status = place_gates(
        rule,
        net,
        openings,
        crs="EPSG:4326",
        max_snap_m=p["max_snap_m"],
        compound_id_col=p.get("compound_id_col"),
        role="candidate openings",
    )
    use = np.flatnonzero((status == "used") & (comp >= 0) & rule.gated[np.maximum(comp, 0)])
    comp_h = rule.household_compound
    hs, hp = result.household_snap, result.household_points
    members = np.flatnonzero(hp.valid & (comp_h >= 0))
    members = members[np.argsort(comp_h[members], kind="stable")]
    hptr = np.searchsorted(comp_h[members], np.arange(rule.n_compounds + 1), side="left")
    from ._csr import gather

    g_of, pos = gather(hptr, comp[use])
    hh = members[pos]
    g = use[g_of]
    pair = Snapped(
        snap.edge[g],
        snap.along_m[g],
        np.hypot(hs.px[hh] - snap.px[g], hs.py[hh] - snap.py[g]) + snap.access_m[g],
        snap.x[g],
        snap.y[g],
        hs.px[hh],
        hs.py[hh],
    )
    parts = [within_pairs(net, pair, result.station_snap, result.reach, limit, walk=True).tocoo()]
    if cl is not None:
        m = within_pairs(net, pair, cl.snap, c_reach, limit, walk=True).tocoo()
        parts.append(_shift(m, len(result.station_points)))
    row = np.concatenate([m.row for m in parts])
    site = np.concatenate([m.col for m in parts]).astype(np.int64)
    walk = np.concatenate([m.data for m in parts])
    order = np.lexsort((hh[row], site))
    row, site, walk = row[order], site[order], walk[order]
    gptr = np.searchsorted(site, np.arange(n_sites + 1), side="left").astype(np.int64)
    return {
        "gate_id": [str(i) for i in pts.ids],
        "gate_compound": [str(rule.compounds.ids[c]) if c >= 0 else "" for c in comp],
        "gate_lon": pts.lon,
        "gate_lat": pts.lat,
        "gptr": gptr,
        "g_gate": g[row].astype(np.int64),
        "g_household": hh[row].astype(np.int64),
        "g_code": np.searchsorted(edges, walk, side="left").astype(np.uint8),
    }


def _shift(m, by: int):
    """A COO matrix with its columns shifted by ``by``."""
    from scipy import sparse

    return sparse.coo_matrix((m.data, (m.row, m.col + by)), shape=(m.shape[0], m.shape[1] + by))
