"""How ipea_accessibility_reach45_inferred.csv was found (not a test; run by hand, ~20 s, ~1 GB).

ipea's test-floating_catchment_area.R publishes, for five hexagons, the 2SFCA and BFCA access with
decay_binary(cutoff = 45) (rounded to 4 decimals), but its travel times are only in the binary
inst/extdata/travel_matrix.rds. This tries every one of the 2^25 within-45-minutes patterns between
the five hexagons with ipea's formulas and prints the patterns that give both published vectors.
Result: two patterns, differing only in the self pair of 89a88cd909bffff (which has no jobs, so it
changes nothing).

    .venv/bin/python tests/data/ipea_reach45_search.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    land = pd.read_csv(Path(__file__).with_name("ipea_accessibility_fca.csv"), comment="#")
    pop, jobs = land["population"].to_numpy(float), land["jobs"].to_numpy(float)
    want_2sfca, want_bfca = land["access_2sfca_binary45"].to_numpy(), land["access_bfca_binary45"].to_numpy()
    chunk_bits = 20
    low = ((np.arange(1 << chunk_bits)[:, None] >> np.arange(chunk_bits)) & 1).astype(np.float64)
    found = []
    for high in range(1 << (25 - chunk_bits)):
        hb = ((high >> np.arange(25 - chunk_bits)) & 1).astype(np.float64)
        reach = np.concatenate([low, np.broadcast_to(hb, (low.shape[0], hb.size))], axis=1).reshape(-1, 5, 5)
        served = np.einsum("kij,i->kj", reach, pop)  # origin i (row) reaches destination j (column)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(served > 0, jobs / served, 0.0)
        a2 = np.einsum("kij,kj->ki", reach, ratio)
        ok = np.all(np.round(a2, 4) == want_2sfca, axis=1)
        if not ok.any():
            continue
        r = reach[ok]
        rs, cs = r.sum(axis=2, keepdims=True), r.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            w_i, w_j = np.where(rs > 0, r / rs, 0.0), np.where(cs > 0, r / cs, 0.0)
            served_b = np.einsum("kij,i->kj", w_i, pop)
            ratio_b = np.where(served_b > 0, jobs / served_b, 0.0)
        ab = np.einsum("kij,kj->ki", w_j, ratio_b)
        found.extend(r[np.all(np.round(ab, 4) == want_bfca, axis=1)].astype(int))
    print(f"{len(found)} pattern(s):")
    for pattern in found:
        print(pattern)


if __name__ == "__main__":
    main()
