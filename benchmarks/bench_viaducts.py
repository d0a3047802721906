"""Elevated roads (高架) on the Chinese extracts: how much snapping onto decks and walking on them change.

For each extract in ../shared/data/osm, with its residential buildings as households and stations either
its subdistrict offices (place nodes named ...街道, when it has at least five) or one per 800 m cell of the
ground street network (the node nearest each cell centre), 15 minutes at 4.8 km/h:

* **decks snapped** (the old rule): points snap to the nearest segment, bridges and tunnels included,
  and elevated trunk roads without a sidewalk are walkable;
* **ground snap, decks walked**: points snap to ground-level segments only (the new rule); the decks
  stay walkable (``--elevated-roads``);
* **ground snap, no decks** (the new default): elevated trunk roads without a sidewalk or foot
  permission are not walkable.

It reports the elevated trunk ways without a sidewalk, and the households whose verdict or walk changes
between the rules: the walks that matter. Writes benchmarks/results/viaducts.json.

    python benchmarks/bench_viaducts.py
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "data" / "osm"
EXTRACTS = (
    "harbin-central",
    "harbin-xiangfang-hongqi",
    "nanjing-xuanwu",
    "chengdu-central",
    "beijing-haidian-cau",
    "shenzhen-longgang",
)


def stations_for(path, net):
    import geopandas as gpd

    from coverage.osm import place_nodes
    from coverage.siting import candidates_near

    offices = place_nodes(path)
    if len(offices) >= 5:
        return offices[["id", "name", "geometry"]], "subdistrict offices (OSM place nodes)"
    ground = np.unique(np.concatenate([net.edge_u[net.ground], net.edge_v[net.ground]]))
    xy = net.xy[ground]
    cells = candidates_near(net, xy[:, 0], xy[:, 1], 1.0, spacing_m=800.0)
    return gpd.GeoDataFrame(
        {"id": cells["id"], "name": ""}, geometry=cells.geometry, crs=4326
    ), "one per 800 m cell of the ground streets"


def run(name: str) -> dict:
    from coverage import assess, load_network
    from coverage.osm import residential_buildings

    path = SHARED / f"{name}.osm.pbf"
    t0 = time.perf_counter()
    decks = load_network(path, elevated_roads=True)
    plain = load_network(path)
    old = dataclasses.replace(
        decks, edge_flags=np.zeros(decks.n_edges, dtype=np.uint8), meta=dict(decks.meta)
    )
    hh = residential_buildings(path)
    st, st_kind = stations_for(path, plain)
    runs = {}
    for key, net in (
        ("decks_snapped", old),
        ("ground_snap_decks_walked", decks),
        ("ground_snap_no_decks", plain),
    ):
        r = assess(net, st, hh, crs="EPSG:4326")
        runs[key] = r.households
    elevated = (
        decks.meta.get("n_ways_elevated_without_sidewalk", 0)
        or plain.meta["n_ways_elevated_without_sidewalk"]
    )
    deck_edges = ~np.isin(decks.edge_way, plain.edge_way)
    out = {
        "extract": name,
        "households": len(hh),
        "stations": len(st),
        "stations_are": st_kind,
        "elevated_trunk_ways_without_sidewalk": int(plain.meta["n_ways_elevated_without_sidewalk"]),
        "elevated_trunk_km": round(float(decks.edge_length_m[deck_edges].sum()) / 1000, 2),
        "motorroad_ways": int(plain.meta["n_ways_motorroad"]),
        "bridge_segments": int(((decks.edge_flags & 1) > 0).sum()),
        "n_ways_checked": int(elevated),
    }
    for a, b in (
        ("decks_snapped", "ground_snap_decks_walked"),
        ("ground_snap_decks_walked", "ground_snap_no_decks"),
    ):
        ha, hb = runs[a], runs[b]
        ca, cb = ha["covered"].to_numpy(), hb["covered"].to_numpy()
        wa, wb = ha["walk_m"].to_numpy(dtype=float), hb["walk_m"].to_numpy(dtype=float)
        both = np.isfinite(wa) & np.isfinite(wb)
        w = hh.assign(_w=1)["_w"].to_numpy()
        out[f"{a}__vs__{b}"] = {
            "verdict_changes": int((ca != cb).sum()),
            "gain": int((~ca & cb).sum()),
            "loss": int((ca & ~cb).sum()),
            "share_changed": float((ca != cb).mean()) if ca.size else 0.0,
            "walk_50m_shorter": int((both & (wb < wa - 50)).sum()),
            "walk_50m_longer": int((both & (wb > wa + 50)).sum()),
            "covered_share": [float(ca.mean()) if ca.size else None, float(cb.mean()) if cb.size else None],
            "n": int(w.size),
        }
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    rows = [run(n) for n in EXTRACTS if (SHARED / f"{n}.osm.pbf").exists()]
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "viaducts.json").write_text(
        json.dumps({"runs": rows}, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
