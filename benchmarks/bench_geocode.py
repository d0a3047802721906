"""Benchmark geocoding: the offline index of an extract, and placing addresses and names with it.

Run by hand (not part of the test suite):

    .venv/bin/python benchmarks/bench_geocode.py

For the demo extract (data/) and Harbin centre (../shared/data/osm): the time
to build the index from the extract (one pyosmium pass), to load it again from
the disk cache, and to place 1,000 rows of each kind: mapped addresses written
as a planner would (城市 prefix, 号), exact names, names with a 社工站 suffix
(matched through their core), and misspelt names (the last character
replaced: the similarity search). Writes benchmarks/results/geocode.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("SERVICE_COVERAGE_SHARED_OSM", REPO.parent / "shared" / "data" / "osm"))


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t, 3)


def bench(path: Path) -> dict:
    import pandas as pd

    from coverage import settings
    from coverage.geocoding import _index_cache_path, geocode, load_index

    settings.cache_folder = Path(tempfile.mkdtemp())
    index, build_s = _timed(lambda: load_index(path))
    _, load_s = _timed(lambda: load_index(path))
    res = {
        "extract": path.name,
        "bytes": path.stat().st_size,
        "names": len(index.names),
        "streets": len(index.street_keys),
        "addresses": sum(map(len, index._addresses.values())),
        "index_build_s": build_s,
        "index_cached_load_s": load_s,
        "index_cache_bytes": _index_cache_path(path).stat().st_size,
    }
    n = 1000
    names = [index.names[i % len(index.names)][2] for i in range(n)]
    recs = [r for rs in index._addresses.values() for r in rs]
    picked = [recs[i % len(recs)] for i in range(n)] if recs else []
    addresses = [f"哈尔滨市{r.street}{r.number.main}号" for r in picked]
    streets = sorted(index._street_names.values())
    street_rows = [f"{streets[i % len(streets)]}{1000 + i}号" for i in range(n)]
    cases = {
        "addresses_mapped": addresses,
        "addresses_street_only": street_rows,
        "names_exact": names,
        "names_with_suffix": [f"{x}社工站" for x in names],
        "names_misspelt": [f"{x[:-1]}錯" if len(x) > 2 else x for x in names],
    }
    for what, rows in cases.items():
        if not rows:
            continue
        col = "地址" if what.startswith("addresses") else "名称"
        out, secs = _timed(lambda rows=rows, col=col: geocode(pd.DataFrame({col: rows}), extract=index))
        res[what] = {
            "rows": len(rows),
            "seconds": secs,
            "ms_per_row": round(1000 * secs / len(rows), 3),
            "quality": {k: int(v) for k, v in out["quality"].value_counts().items()},
        }
    return res


def main() -> int:
    results = {"machine": f"{os.cpu_count()} cores", "runs": []}
    for path in (REPO / "data" / "harbin-xiangfang-hongqi.osm.pbf", OSM / "harbin-central.osm.pbf"):
        if path.exists():
            r = bench(path)
            results["runs"].append(r)
            print(json.dumps(r, ensure_ascii=False))
    out = REPO / "benchmarks" / "results" / "geocode.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
