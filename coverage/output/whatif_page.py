"""The meeting map as an offline what-if tool: the data the page's what-if code needs.

The map carries a :class:`~coverage.scenario.Scenario` in a compact binary
form (base64 of little-endian typed arrays and LEB128 varints): for every
existing station and candidate site, the households within the largest band
and the band each falls in. The page (``coverage/output/js/scenario.js`` for the
arithmetic, ``coverage/output/js/whatif.js`` for the panel) recomputes, for any
choice of open stations, the summary (households within the threshold, by
count and by weight, and the 5/10/15-minute counts), the households served
within the stations' capacities, the uncovered households (points or hex
cells) and a per-station load table, in milliseconds and with no server.

* Click a station to close or reopen it; click a candidate to open a station
  there; drag the "new station" marker onto the map and it snaps to the
  nearest candidate. An opened station is drawn as a station, at every zoom.
* "Download stations" writes the scenario's stations as CSV (id, name, lon,
  lat at full precision, and capacity and staff when the stations have them)
  that ``service-coverage analyze --stations`` reads back.
* The scenario lives in the URL hash (``#remove=..&add=..``), so a link
  reopens it; parts of a link that make no sense (garbage, unknown ids,
  duplicates, an over-long hash) are ignored with a note in the panel.
  "Reset" returns to the starting stations.
* With candidate gate openings (``scenario(result, openings=...)``, as
  ``site-gates`` draws them): click one to cut that gate; its compound's
  households get one more way out (``#gates=..`` in the link).
* ``window.serviceCoverage`` exposes ``stations()``, ``candidates()``,
  ``openings()``, ``apply({remove, add, gates})`` and ``summary()`` for
  scripts and tests.

The band polygons show the starting stations; while the scenario differs
they are hidden (they cannot be recomputed in the page), so the picture never
contradicts the numbers. Every name from the data reaches the page as JSON
and the DOM as text (never as HTML).
"""

from __future__ import annotations

import base64

import numpy as np

from .._encode import varint
from .mapdata import UTILISATION_COLOURS

#: Candidate sites show from this zoom on (neighbourhood scale).
CANDIDATE_ZOOM = 15


def whatif_block(result, sc, pos: np.ndarray) -> dict:
    """The what-if data of a scenario ``sc``; ``pos[h]`` is household ``h``'s place in the page's order."""
    n_codes = len(sc.bands_m)
    # per site, its households in the page's order as gaps from the previous one (from 0), with their band
    counts = np.diff(np.asarray(sc.ptr, dtype=np.int64))
    site = np.repeat(np.arange(sc.n_sites), counts)
    p = np.asarray(pos, dtype=np.int64)[sc.household]
    order = np.lexsort((p, site))
    p, c = p[order], np.asarray(sc.code, dtype=np.int64)[order]
    prev = np.concatenate([[0], p[:-1]]) if p.size else p
    starts = np.asarray(sc.ptr[:-1], dtype=np.int64)
    prev[starts[counts > 0]] = 0  # each site's first household counts from 0
    pairs = (p - prev) * n_codes + c
    staff = None
    if result.staff is not None:
        staff = [None if not np.isfinite(v) else float(v) for v in result.staff] + [None] * (
            sc.n_sites - sc.n_stations
        )
    return {
        "bandsMin": sc.bands_min,
        "thr": sc.threshold_index,
        "nCodes": n_codes,
        "cnt": base64.b64encode(varint(counts)).decode(),
        "pairs": base64.b64encode(varint(pairs)).decode(),
        "sites": {
            "id": sc.site_id,
            "name": sc.site_name,
            "kind": sc.site_kind,
            "lon": [None if not np.isfinite(v) else float(v) for v in sc.site_lon],
            "lat": [None if not np.isfinite(v) else float(v) for v in sc.site_lat],
            "nStations": sc.n_stations,
            "open0": [int(b) for b in sc.start_open],
            "util": (
                [
                    None if not np.isfinite(u) else round(float(u), 4)
                    for u in result.stations["utilisation"].to_numpy(dtype=float)
                ]
                if "utilisation" in result.stations
                else None
            ),
            "staff": staff,
        },
        "utilColours": [[hi if np.isfinite(hi) else 1e9, col] for hi, col, _ in UTILISATION_COLOURS],
        "capacity": None if sc.capacity is None else [float(c) for c in sc.capacity],
        "candidateZoom": CANDIDATE_ZOOM,
        "gates": _gate_block(sc, pos),
    }


def _gate_block(sc, pos: np.ndarray) -> dict | None:
    """Candidate gate openings:
    per site, (opening, household, band) triples, households in the page's order."""
    if not sc.n_gates:
        return None
    n_codes = len(sc.bands_m)
    counts, pairs, gate = [], [], []
    for s in range(sc.n_sites):
        sl = slice(sc.gptr[s], sc.gptr[s + 1])
        p = pos[sc.g_household[sl]]
        order = np.argsort(p, kind="stable")
        p, c, g = p[order], sc.g_code[sl][order].astype(np.int64), sc.g_gate[sl][order]
        pairs.append(np.diff(p, prepend=0) * n_codes + c)
        gate.append(g)
        counts.append(p.size)
    return {
        "id": list(sc.gate_id),
        "compound": list(sc.gate_compound),
        "lon": [None if not np.isfinite(v) else float(v) for v in sc.gate_lon],
        "lat": [None if not np.isfinite(v) else float(v) for v in sc.gate_lat],
        "cnt": base64.b64encode(varint(counts)).decode(),
        "pairs": base64.b64encode(varint(np.concatenate(pairs))).decode(),
        "gate": base64.b64encode(varint(np.concatenate(gate))).decode(),
    }
