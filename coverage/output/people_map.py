"""What the meeting map shows of population groups and accessibility (the page code is ``js/people.js``).

* **Access by residential point**: with an access measure, a layer of the
  points coloured by their access (supply per 1,000 households) in five
  classes (the quintiles of the positive values) plus "no station within
  the threshold", with its own legend, shown while the layer is on.
* **Groups in the what-if panel**: each group's people covered and its
  share. Groups that walk at the run's own profile follow the scenario
  (the same arithmetic as the households); groups at another profile
  (older adults, step-free) and the access values stay the starting
  scenario's, and the panel says so.

Every value reaches the page as data (JSON, base64 typed arrays in the
page's household order), never as markup.
"""

from __future__ import annotations

import logging

import numpy as np

from .. import settings
from .._encode import b64_array
from ..walk_access import unit_label

log = logging.getLogger(__name__)

#: The access layer draws every residential point; above this many it is left out (the files carry the
#: values).
MAX_ACCESS_POINTS = 50_000
#: Access classes: no station within the threshold, then five quintile classes (light to dark).
ACCESS_NONE_COLOUR = "#bdbdbd"
ACCESS_COLOURS = ("#edf8fb", "#b2e2e2", "#66c2a4", "#2ca25f", "#006d2c")

LABELS = {
    "en": {
        "access": "Access ({method}): {unit}",
        "none": "No station within {m:g} min",
        "groups": "Groups: people within {m:g} min",
        "starting": "starting scenario; walks at {profile}",
        "follows": "follows the scenario",
        "unit": "social workers per 1,000 households",
    },
    "zh": {
        "access": "可达性（{method}）：{unit}",
        "none": "{m:g}分钟内无站点",
        "groups": "各人群：{m:g}分钟内人数",
        "starting": "初始方案；按{profile}步行",
        "follows": "随方案变化",
        "unit": "每千户社工数",
    },
}
#: The walking profiles' names per language (one table, kept in :mod:`coverage.settings`).
PROFILE_NAMES = settings.PROFILE_NAMES


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def people_block(result, pos: np.ndarray, lang: str = "en") -> dict | None:
    """The page's groups and access data; ``pos[h]`` is household ``h``'s place in the page's order."""
    groups = result.groups
    wa = result.access_measure
    if groups is None and wa is None:
        return None
    L = LABELS.get(lang, LABELS["en"])
    m = result.summary.threshold_min
    n = pos.size
    out: dict = {
        "labels": {"groups": L["groups"].format(m=m), "follows": L["follows"]},
        "access": None,
        "groups": None,
    }
    if wa is not None and n > MAX_ACCESS_POINTS:
        log.info(
            "The map's access layer is left out above %s residential points (households.csv has the values)",
            f"{MAX_ACCESS_POINTS:,}",
        )
    elif wa is not None:
        values = np.full(n, np.nan, dtype=np.float32)
        values[pos] = wa.access.astype(np.float32)
        positive = wa.access[np.isfinite(wa.access) & (wa.access > 0)]
        breaks = np.unique(np.quantile(positive, [0.2, 0.4, 0.6, 0.8])).tolist() if positive.size else []
        edges = [0.0, *breaks, float(positive.max()) if positive.size else 0.0]
        legend = [[ACCESS_NONE_COLOUR, L["none"].format(m=m)]]
        legend += [
            [ACCESS_COLOURS[k], f"{_fmt(edges[k])} - {_fmt(edges[k + 1])}"] for k in range(len(edges) - 1)
        ]
        unit = L["unit"] if wa.spec.staff_col is not None else unit_label(wa.summary, lang)
        out["access"] = {
            "label": L["access"].format(method=wa.summary["method"], unit=unit),
            "values": b64_array(values),
            "breaks": breaks,
            "colours": list(ACCESS_COLOURS),
            "none": ACCESS_NONE_COLOUR,
            "legend": legend,
        }
    if groups is not None:
        own = result.params["profile"]
        rows = []
        for spec in groups.specs:
            prof = spec.profile or own
            counts = np.zeros(n)
            counts[pos] = np.where(result.household_points.valid, groups.counts[spec.name], 0.0)
            s = result.summary.groups[spec.name]
            follows = spec.profile is None or spec.profile == own
            name = PROFILE_NAMES.get(lang, {}).get(prof, prof) if prof else "-"
            rows.append(
                {
                    "name": spec.name,
                    "follows": follows,
                    "counts": b64_array(counts.astype(np.float64)),
                    "covered0": s["covered"],
                    "total": s["total"],
                    "note": L["follows"] if follows else L["starting"].format(profile=name),
                }
            )
        out["groups"] = rows
    return out
