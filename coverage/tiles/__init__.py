"""Province and nation runs, tile by tile on Dask: partitioning (:mod:`.partition`), the tiled assessment
(:mod:`.run`), the tiled isochrones (:mod:`.isochrones`) and siting (:mod:`.siting`), and the cluster
(:mod:`.cluster`).

The answers are the one-process answers with the same horizon; see :func:`assess_tiled`.
"""

from .run import MERGE_MAX_ROWS, TiledResult, assess_tiled, isochrones_tiled, suggest_sites_tiled

__all__ = ["MERGE_MAX_ROWS", "TiledResult", "assess_tiled", "isochrones_tiled", "suggest_sites_tiled"]
