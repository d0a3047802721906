"""Type aliases of the public API's parameters (what the functions accept), for annotations only.

The aliases are strings naming types that are imported only while type checking, so importing this
module costs nothing at run time (no geopandas, pandas, pyproj or shapely); modules import it under
``if TYPE_CHECKING:``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import os  # noqa: F401
    from collections.abc import Collection, Iterable, Mapping, Sequence  # noqa: F401
    from pathlib import Path  # noqa: F401

    import geopandas as gpd  # noqa: F401
    import networkx as nx  # noqa: F401
    import numpy as np  # noqa: F401
    import pandas as pd  # noqa: F401
    import pyproj  # noqa: F401
    import shapely  # noqa: F401
    from scipy import sparse  # noqa: F401

    from .io import Points  # noqa: F401
    from .network import WalkNetwork  # noqa: F401

#: A path to write to (anything ``pathlib.Path()`` takes).
PathLike: TypeAlias = "str | os.PathLike[str]"
#: An input file: the readers take a ``str`` or a :class:`pathlib.Path`.
FilePath: TypeAlias = "str | Path"
#: Points to read (:func:`~coverage.io.read_points`): a file, a table with lon/lat (or x/y) columns,
#: or a GeoDataFrame.
PointsTable: TypeAlias = "str | Path | pd.DataFrame | gpd.GeoDataFrame"
#: Stations, households, gates or candidate sites: a :data:`PointsTable`, or :class:`~coverage.io.Points`
#: already read.
PointsSource: TypeAlias = "str | Path | pd.DataFrame | gpd.GeoDataFrame | Points"
#: Outlines (compounds, areas): a vector file or a GeoDataFrame; ``"osm"`` where the extract's own are meant.
PolygonsSource: TypeAlias = "str | Path | gpd.GeoDataFrame"
#: Lines (new footpaths): a GeoDataFrame or GeoSeries, a vector file, or shapely lines.
LinesSource: TypeAlias = (
    "str | Path | gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry | Iterable[shapely.Geometry]"
)
#: Ways to close: OSM way ids and/or lines (as :data:`LinesSource`), one or many.
WaysSource: TypeAlias = (
    "int | str | Path | gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry"
    " | Iterable[int | str | Path | gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry]"
)
#: A CRS as a user gives it: anything pyproj reads (``"EPSG:4547"``, 4547, a CRS), ``"gcj02"``/``"bd09"``.
CRSLike: TypeAlias = "str | int | pyproj.CRS | None"
#: A walking network: built, an OSM extract or saved ``.npz`` path, or an osmnx/networkx graph.
NetworkSource: TypeAlias = "WalkNetwork | str | Path | nx.Graph"
#: Ids of stations, compounds or candidates (compared as text), a list or another collection.
Ids: TypeAlias = "Collection[object]"
#: Numbers, one per row or column (an array, a Series, a list).
Numbers: TypeAlias = "np.ndarray | pd.Series | Sequence[float]"
#: A demand x candidate cost matrix.
CostMatrix: TypeAlias = "np.ndarray | sparse.spmatrix | sparse.sparray | pd.DataFrame"
#: Household groups: ``{"elderly": ("老年人", "elderly")}``, ``{name: column}``, a list of columns or
#: ``"col:profile,col"`` as on the command line.
GroupsSpec: TypeAlias = "str | Mapping[str, str | Sequence[str | None]] | Sequence[str]"
