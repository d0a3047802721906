"""Read stations and residential points; write results.

Accepted inputs, as planners have them:

* CSV or text in any common encoding (UTF-8 with or without BOM, UTF-16 as
  Excel's "Unicode text", GBK/GB18030) and separator (comma, semicolon, tab,
  vertical bar; sniffed, and named in every message);
* Excel workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``; the first sheet, or
  ``sheet=``), read with python-calamine;
* GeoJSON, GeoPackage (``layer=`` when it has several), Shapefile (``crs=`` when
  it has no ``.prj``), FlatGeobuf, or a GeoDataFrame in any CRS; polygon and
  multi-point households (compound outlines) walk from a point inside and keep
  their geometry.

Coordinates are ``lon``/``lat`` in WGS-84 by default (also 经度/纬度, x/y,
decimal commas, ``126.66°`` and degrees-minutes-seconds), or x/y in a stated
CRS, or GCJ-02/BD-09 lon/lat. Headers are matched without regard to case, and
the usual Chinese names count (编号, 名称, 经度, 纬度, 户数, 人口). Every input
row is kept: rows with unusable coordinates are marked invalid with a reason,
never dropped; an input where no row is usable is an error. Problems raise
:class:`CoverageInputError` with the file, column, rows (as the spreadsheet
numbers them: header = row 1) and the fix.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ._errors import CoverageInputError, rows_text
from .crs import is_china_offset, parse_crs, suggest_projected_crs, to_wgs84

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ._types import CRSLike, PointsTable

log = logging.getLogger(__name__)

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
PARQUET_SUFFIXES = (".parquet", ".geoparquet")
LON_ALIASES = ("lon", "lng", "long", "longitude", "经度", "x")
LAT_ALIASES = ("lat", "latitude", "纬度", "y")
ID_ALIASES = ("id", "编号", "编码")
NAME_ALIASES = ("name", "名称", "名字", "站点名称", "小区名称")
#: A weight asked for by one of these names also finds the others.
WEIGHT_ALIASES = (
    ("households", "户数", "住户数", "户数（户）"),
    ("population", "人口", "人口数", "常住人口"),
)
SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
#: The command-line prefix of each input's own options (--station-sheet, --household-crs, ...).
_ROLE_OPTION = {
    "stations": "station",
    "households": "household",
    "compounds": "compound",
    "gates": "gate",
    "candidates": "candidate",
    "added stations": "station",
    "tiles": "tile",
    "totals": "totals",
    "buildings": "building",
}


def _one_line(exc) -> str:
    """An exception's message on one line (library messages sometimes span several)."""
    return " ".join(str(exc).split())


#: The inputs with command-line options of their own, by option; the other inputs take the option for every
#: input (``--sheet``), and candidates take no sheet, layer or column options at all.
_OWN_OPTIONS = {
    "crs": ("station", "household", "compound", "gate", "candidate", "totals", "building"),
    "sheet": ("station", "household", "totals", "building"),
    "layer": ("station", "household", "totals", "building"),
    "lon-col": ("station", "household"),
    "lat-col": ("station", "household"),
}


def file_option(role: str, what: str) -> str:
    """The command-line option that sets ``what`` (crs, sheet, layer, lon-col, lat-col) for one input: its own
    (``--station-sheet``), the one for every input (``--sheet``), or "" where the command line has none."""
    key = _ROLE_OPTION.get(str(role).split(" (")[0])
    if key in _OWN_OPTIONS[what]:
        return f"--{key}-{what}"
    return "" if key == "candidate" else f"--{what}"


def crs_option(role: str) -> str:
    """The command-line option that sets one input's CRS (``--station-crs``), or ``--crs``."""
    return file_option(role, "crs")


@dataclass(frozen=True)
class Points:
    """Validated points, one per input row, in input order.

    Attributes
    ----------
    frame
        The input rows (index reset) as a GeoDataFrame in :attr:`crs`.
    ids
        The id column as given.
    lon, lat
        WGS-84 coordinates (NaN where the row is invalid).
    weight
        Households per point (1 when no weight column was given).
    reason
        Why a row is invalid ("" for valid rows).
    label
        How the input is named in messages (file name or argument name).
    input_crs
        The CRS the coordinates were given in ("gcj02"/"bd09" or a pyproj CRS).
    """

    frame: gpd.GeoDataFrame
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray
    reason: np.ndarray
    label: str
    input_crs: object
    weight_col: str | None = None
    name_col: str | None = None
    source: str | None = None  # the file read, when it was a file
    row_base: int = 0  # added to a 0-based row index to give the number the user sees
    row_word: str = "rows"
    numbers: np.ndarray | None = None  # the row numbers the user sees, when they are not row_base + index

    @property
    def row_numbers(self) -> np.ndarray:
        """Each row's number as the user sees it (spreadsheet rows: header = row 1)."""
        if self.numbers is not None:
            return self.numbers
        return np.arange(len(self), dtype=np.int64) + self.row_base

    def rows(self, idx: ArrayLike) -> str:
        """Rows for a message, numbered as the user sees them (spreadsheet rows: header = row 1)."""
        return f"{self.row_word} {rows_text(self.row_numbers[np.asarray(idx, dtype=np.int64)])}"

    def __len__(self) -> int:
        return int(self.ids.size)

    @property
    def valid(self) -> np.ndarray:
        return self.reason == ""

    @property
    def crs(self) -> pyproj.CRS | None:
        return self.frame.crs

    @property
    def valid_weight(self) -> float:
        """Households of the rows with usable coordinates."""
        return float(self.weight[self.valid].sum())

    def subset(self, keep: np.ndarray) -> Points:
        """The rows where ``keep`` is true, in order."""
        return replace(
            self,
            frame=self.frame[keep].reset_index(drop=True),
            ids=self.ids[keep],
            lon=self.lon[keep],
            lat=self.lat[keep],
            weight=self.weight[keep],
            reason=self.reason[keep],
            numbers=self.row_numbers[keep],
        )

    def concat(self, other: Points) -> Points:
        """These rows followed by ``other``'s (its frame in this CRS)."""
        a, b = self.frame, other.frame
        fb = b.to_crs(a.crs) if (a.crs is not None and b.crs is not None) else b
        frame = gpd.GeoDataFrame(pd.concat([a, fb], ignore_index=True), geometry=a.geometry.name, crs=a.crs)
        return replace(
            self,
            frame=frame,
            ids=np.concatenate([self.ids.astype(object), other.ids.astype(object)]),
            lon=np.concatenate([self.lon, other.lon]),
            lat=np.concatenate([self.lat, other.lat]),
            weight=np.concatenate([self.weight, other.weight]),
            reason=np.concatenate([self.reason, other.reason]),
            numbers=np.concatenate([self.row_numbers, other.row_numbers]),
        )


# ---------------------------------------------------------------- tables
def _decode(path: Path, label: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding that read it."""
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" is UTF-16 with a BOM
        return raw.decode("utf-16"), "UTF-16"
    for enc, name in (("utf-8-sig", "UTF-8"), ("gb18030", "GBK")):  # Excel in China often saves GBK
        try:
            return raw.decode(enc), name
        except UnicodeDecodeError:
            continue
    msg = f"{label} is neither UTF-8, UTF-16 nor GBK text; save it as 'CSV UTF-8' from Excel."
    raise CoverageInputError(msg)


def _sniff_separator(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        # one column, or a file the sniffer cannot settle: count the header's candidates
        counts = {s: lines[0].count(s) for s in SEPARATORS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path, label: str) -> tuple[pd.DataFrame, str]:
    """(table of text, label naming the separator and encoding)."""
    text, enc = _decode(path, label)
    sep = _sniff_separator(text)
    label = f"{label} ({SEPARATORS[sep]}-separated, {enc})"
    if not text.strip():
        msg = f"{label} is empty; it needs a header row (id,lon,lat) and one row per point."
        raise CoverageInputError(msg)
    try:
        df = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skipinitialspace=True,
            skip_blank_lines=False,
        )
    except pd.errors.ParserError as exc:
        msg = (
            f"{label} is not a readable table ({_one_line(exc)}); check that every row has the "
            "header's columns."
        )
        raise CoverageInputError(msg) from None
    df.columns = [str(c).strip() for c in df.columns]
    return _numbered(df, np.arange(len(df), dtype=np.int64) + 2, label), label


def _numbered(df: pd.DataFrame, numbers: np.ndarray, label: str) -> pd.DataFrame:
    """The rows with their spreadsheet numbers (``df.attrs["rows"]``); wholly blank rows dropped."""
    blank = df.isna().all(axis=1).to_numpy() if len(df.columns) else np.ones(len(df), dtype=bool)
    if blank.any():
        inner = np.flatnonzero(blank)
        inner = inner[inner < np.flatnonzero(~blank).max(initial=-1)]
        if inner.size:
            log.info("%s: %d blank rows skipped (%s)", label, inner.size, rows_text(numbers[inner]))
        df = df[~blank].reset_index(drop=True)
    df.attrs["rows"] = numbers[~blank]
    return df


def _cell_text(v):
    """An Excel cell as the text it shows: 12 not 12.0, 2024-01-05 not 2024-01-05 00:00:00."""
    import datetime as dt

    if v is None or (isinstance(v, float) and np.isnan(v)):
        return np.nan
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, dt.datetime):
        if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.strftime("%Y-%m-%d %H:%M" if v.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M" if v.second == 0 else "%H:%M:%S")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))
    text = str(v)
    return text if text != "" else np.nan


def _sheet_rows(book, name) -> list[list]:
    """A sheet's cells from A1 (row i of the list is spreadsheet row i + 1), as the text each shows."""
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return [[_cell_text(None if v == "" else v) for v in r] for r in rows]


def _read_excel(path: Path, label: str, sheet, *, role: str = "points") -> tuple[pd.DataFrame, str]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
    except Exception as exc:  # noqa: BLE001  (not a workbook, or a damaged one: one line, no traceback)
        msg = (
            f"{label} could not be read as an Excel workbook ({_one_line(exc)[:120]}); "
            "save it again from Excel."
        )
        raise CoverageInputError(msg) from None
    option = file_option(role, "sheet")
    given = sheet is not None
    if sheet is None:
        sheet = names[0]
        if len(names) > 1:
            log.info(
                "%s: reading its first sheet %r (of %s); choose another with %s", label, sheet, names, option
            )
    elif sheet not in names:
        msg = (
            f"{label} has no sheet {sheet!r}; its sheets are {names}. Pass one of them with "
            f"{option or 'sheet='}."
        )
        raise CoverageInputError(msg)

    def filled(rows):
        return [i for i, r in enumerate(rows) if any(isinstance(v, str) for v in r)]

    rows = _sheet_rows(book, sheet)
    used = filled(rows)
    if len(used) < 2:  # nothing under a header: name the sheets that have rows
        full = [n for n in names if n != sheet and len(filled(_sheet_rows(book, n))) >= 2]
        what = "is empty" if not used else "has a header but no rows"
        how = (
            f"pass one with {option} {full[0]}"
            + (" (--sheet for every input)" if option != "--sheet" else "")
            if option
            else "move it to the front of the workbook, or save it as CSV"
        )
        hint = f"; the sheets with data are {full}: {how}" if full and not given else ""
        msg = f"{label} sheet {sheet!r} {what}{hint}."
        raise CoverageInputError(msg)
    width = max(len(r) for r in rows)
    head = used[0]
    header = [rows[head][j] if j < len(rows[head]) else None for j in range(width)]
    columns = [str(c).strip() if isinstance(c, str) else f"Unnamed: {j}" for j, c in enumerate(header)]
    body = [r + [np.nan] * (width - len(r)) for r in rows[head + 1 :]]
    df = pd.DataFrame(body, columns=columns, dtype=object)
    return _numbered(
        df, np.arange(head + 2, head + 2 + len(df), dtype=np.int64), label
    ), f"{label} sheet {sheet!r}"


def _read_vector(path: Path, label: str, layer, crs, *, role: str = "points") -> tuple[gpd.GeoDataFrame, str]:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # noqa: BLE001  (any reader failure is the user's file)
        msg = f"{label} could not be read as a vector file ({_one_line(exc)[:160]})."
        raise CoverageInputError(msg) from None
    names = [str(x) for x in layers[:, 0]]
    option = file_option(role, "layer")
    if layer is None and len(names) > 1 and role in names:
        layer = role  # a layer named for what is read: households.gpkg from demand, coverage.gpkg from report
        log.info("%s has layers %s; reading layer %r (another with %s)", label, names, role, option)
    if layer is None and len(names) > 1:
        how = f"choose one with {option} (layer= in Python)" if option else "keep only the candidates' layer"
        msg = f"{label} has {len(names)} layers {names}; {how}."
        raise CoverageInputError(msg)
    if layer is not None and layer not in names:
        msg = f"{label} has no layer {layer!r}; its layers are {names}."
        raise CoverageInputError(msg)
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # noqa: BLE001  (any reader failure is the user's file)
        msg = f"{label} could not be read as a vector file ({_one_line(exc)[:160]})."
        raise CoverageInputError(msg) from None
    if layer is not None:
        label = f"{label} layer {layer!r}"
    if gdf.crs is None and crs is not None and not is_china_offset(crs):
        gdf = gdf.set_crs(parse_crs(crs))  # a shapefile without its .prj
    return gdf, label


def _find_col(
    df: pd.DataFrame, wanted: str | None, aliases, label: str, what: str, *, hint: str | None = None
) -> str:
    """A column by name (any case) or, when none is asked for, by its usual names."""
    found = (
        _resolve(df, wanted)
        if wanted is not None
        else next((c for c in (_resolve(df, a) for a in aliases) if c is not None), None)
    )
    if found is not None:
        return found
    if wanted is not None:
        msg = f"{label} has no {what} column {wanted!r}; columns are {list(map(str, df.columns))}."
        raise CoverageInputError(msg)
    how = "pass it explicitly" if hint is None else f"pass it with {hint}" if hint else ""
    msg = (
        f"{label} has no {what} column (looked for {', '.join(aliases)}); "
        f"columns are {list(map(str, df.columns))}. Rename the column{' or ' + how if how else ''}."
    )
    raise CoverageInputError(msg)


_DMS = re.compile(
    r"^\s*([NSEW东西南北])?\s*([+-]?\d+(?:\.\d+)?)\s*(?:[°º度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分]\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:[\"″”]|''|秒)\s*)?)?([NSEW东西南北])?\s*$"
)


def _parse_coordinates(text: pd.Series) -> np.ndarray:
    """Numbers from coordinate text: decimals (also with a decimal comma), ``126.66°`` and
    degrees-minutes-seconds."""
    values = np.array(pd.to_numeric(text, errors="coerce"), dtype=float)  # a writable copy
    todo = np.flatnonzero(np.isnan(values) & text.notna().to_numpy())
    for i in todo:
        raw = str(text.iloc[i]).strip()
        if re.fullmatch(r"[+-]?\d+,\d+", raw):
            values[i] = float(raw.replace(",", "."))
            continue
        m = _DMS.match(raw)
        if not m or (m.group(1) and m.group(5)):
            continue
        deg = float(m.group(2))
        v = abs(deg) + float(m.group(3) or 0) / 60 + float(m.group(4) or 0) / 3600
        hemi = m.group(1) or m.group(5)
        values[i] = -v if (deg < 0 or hemi in ("S", "W", "南", "西")) else v
    return values


@dataclass(frozen=True)
class _Source:
    """What the source-dispatch stage read: a table of rows and their raw coordinates."""

    label: str
    table: pd.DataFrame  # a GeoDataFrame for vector input, else the file's columns (text)
    x: np.ndarray | None  # raw table coordinates (None for vector input)
    y: np.ndarray | None
    bad_text: np.ndarray | None  # table cells that are not coordinates
    path: str | None
    row_base: int = 0
    row_word: str = "rows"
    xy_cols: tuple | None = None
    numbers: np.ndarray | None = None  # the row numbers the user sees (tables), else row_base + index
    role: str = "points"

    @property
    def row_numbers(self) -> np.ndarray:
        return (
            self.numbers
            if self.numbers is not None
            else np.arange(len(self.table), dtype=np.int64) + self.row_base
        )

    def rows(self, idx: ArrayLike) -> str:
        return f"{self.row_word} {rows_text(self.row_numbers[np.asarray(idx, dtype=np.int64)])}"


#: A title row (a merged cell above the header) is looked for in this many first rows.
_HEADER_SEARCH_ROWS = 10


def _find_header(df: pd.DataFrame, xa, ya, lon_col, lat_col) -> int | None:
    """The first row (within the first few) that holds the coordinate headers,
    when the header row does not."""
    want_x = {str(a).lower() for a in ((lon_col,) if lon_col else xa)}
    want_y = {str(a).lower() for a in ((lat_col,) if lat_col else ya)}
    for k in range(min(_HEADER_SEARCH_ROWS, len(df))):
        cells = {str(v).strip().lower() for v in df.iloc[k].tolist() if isinstance(v, str)}
        if cells & want_x and cells & want_y:
            return k
    return None


def _title_above(df: pd.DataFrame, numbers) -> tuple[int, list[str]] | None:
    """``(row, cells)`` of the likely header when the columns read are a title row (one named cell, the rest
    unnamed, as a merged title cell reads), else None."""
    names = [str(c) for c in df.columns]
    if len(names) < 2 or sum(n.startswith("Unnamed: ") for n in names) < len(names) - 1:
        return None
    for k in range(min(_HEADER_SEARCH_ROWS, len(df))):
        cells = [str(v).strip() for v in df.iloc[k].tolist() if isinstance(v, str) and str(v).strip()]
        if len(cells) >= 2:
            return int(numbers[k]), cells[:12]
    return None


def _table_source(
    df: pd.DataFrame,
    label: str,
    path,
    crs,
    lon_col,
    lat_col,
    *,
    role: str = "points",
    numbers=None,
    row_word: str = "rows",
) -> _Source:
    """Coordinates from a table's lon/lat (or x/y) columns (a title row above the header is skipped)."""
    rows = df.attrs.pop("rows", None)  # numbers kept by the reader (never written on with the frame)
    numbers = np.asarray(
        (np.arange(len(df)) + 2 if rows is None else rows) if numbers is None else numbers, dtype=np.int64
    )
    if df.empty:
        msg = f"{label} has a header but no rows."
        raise CoverageInputError(msg)
    projected = crs is not None and not is_china_offset(crs) and parse_crs(crs).is_projected
    xa = ("x", "easting", "lon", "lng", "经度") if projected else LON_ALIASES
    ya = ("y", "northing", "lat", "纬度") if projected else LAT_ALIASES
    have = _resolve(df, lon_col) if lon_col else next((c for c in (_resolve(df, a) for a in xa) if c), None)
    title = None  # (row, cells) of the header below a title row, when no coordinate header was found
    if have is None:
        k = _find_header(df, xa, ya, lon_col, lat_col)
        if k is not None:
            header_row = int(numbers[k])
            log.info("%s: the header is on row %d (the rows above it are a title)", label, header_row)
            cols = [
                str(v).strip() if isinstance(v, str) else f"Unnamed: {j}" for j, v in enumerate(df.iloc[k])
            ]
            df = df.iloc[k + 1 :].set_axis(cols, axis=1).reset_index(drop=True)
            numbers = numbers[k + 1 :]
            if df.empty:
                msg = f"{label} has a header (row {header_row}) but no rows."
                raise CoverageInputError(msg)
        else:
            title = _title_above(df, numbers)
    what_x, what_y = ("x", "y") if projected else ("longitude", "latitude")
    opt_x, opt_y = file_option(role, "lon-col"), file_option(role, "lat-col")
    try:
        cx = _find_col(df, lon_col, xa, label, what_x, hint=opt_x)
        cy = _find_col(df, lat_col, ya, label, what_y, hint=opt_y)
    except CoverageInputError as e:
        if title is None:
            raise
        how = (
            f"name that row's coordinate columns with {opt_x} and {opt_y} and the title is skipped"
            if opt_x
            else "delete the title row"
        )
        msg = (
            f"{e} The first row looks like a title above the header; row {title[0]} holds {title[1]}: {how}."
        )
        raise CoverageInputError(msg) from None
    x, y = _parse_coordinates(df[cx]), _parse_coordinates(df[cy])
    bad_text = ((df[cx].notna() & np.isnan(x)) | (df[cy].notna() & np.isnan(y))).to_numpy()
    return _Source(
        label,
        df,
        x,
        y,
        bad_text,
        None if path is None else str(path),
        xy_cols=(cx, cy),
        numbers=numbers,
        role=role,
        row_word=row_word,
    )


def _source(source, role: str, crs, lon_col, lat_col, *, sheet=None, layer=None) -> _Source:
    """Stage 1, source dispatch: a (Geo)DataFrame, or a CSV, Excel, vector or Parquet file by its suffix."""
    offset = is_china_offset(crs)
    if isinstance(source, gpd.GeoDataFrame):
        gdf = source.reset_index(drop=True).copy()
        if gdf.crs is None and crs is not None and not offset:
            gdf = gdf.set_crs(crs)
        return _Source(
            f"{role} GeoDataFrame", gdf, None, None, None, None, row_base=0, row_word="index", role=role
        )
    if isinstance(source, pd.DataFrame):  # a plain table with lon/lat (or x/y) columns, as a CSV would have
        df = source.reset_index(drop=True).copy()
        df.columns = [str(c).strip() for c in df.columns]
        return _table_source(
            df,
            f"{role} DataFrame",
            None,
            crs,
            lon_col,
            lat_col,
            role=role,
            numbers=np.arange(len(df), dtype=np.int64),
            row_word="index",
        )
    if not isinstance(source, (str, Path)):
        msg = f"{role} must be a file path, a DataFrame or a GeoDataFrame, not {type(source).__name__}."
        raise TypeError(msg)
    path = Path(source)
    label = f"{role} file '{path}'"
    if not path.exists():
        msg = f"{label} does not exist."
        raise CoverageInputError(msg)
    if path.is_dir():
        msg = f"{label} is a folder; give a CSV, Excel, GeoJSON, GeoPackage or Shapefile."
        raise CoverageInputError(msg)
    if path.stat().st_size == 0:
        msg = f"{label} is empty."
        raise CoverageInputError(msg)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        df, label = _read_csv(path, label)
        return _table_source(df, label, path, crs, lon_col, lat_col, role=role)
    if suffix in EXCEL_SUFFIXES:
        df, label = _read_excel(path, label, sheet, role=role)
        return _table_source(df, label, path, crs, lon_col, lat_col, role=role)
    if suffix in VECTOR_SUFFIXES:
        gdf, label = _read_vector(path, label, layer, crs, role=role)
        return _Source(label, gdf, None, None, None, str(source), row_base=1, row_word="features", role=role)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, label, crs, lon_col, lat_col, role=role)
    msg = (
        f"{label} has an unknown format {suffix!r}; give .csv, .xlsx/.xls, .geojson, .gpkg, .shp or "
        ".parquet (GeoParquet), or a GeoDataFrame."
    )
    raise CoverageInputError(msg)


def _read_parquet(path: Path, label: str, crs, lon_col, lat_col, *, role: str) -> _Source:
    """GeoParquet (its geometry), or a plain Parquet table with lon/lat columns."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        msg = f'{label}: reading Parquet needs pyarrow; install it with pip install "service-coverage[dask]".'
        raise CoverageInputError(msg) from None
    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception as exc:  # noqa: BLE001  (any reader failure is the user's file)
        msg = f"{label} could not be read as Parquet ({_one_line(exc)[:160]})."
        raise CoverageInputError(msg) from None
    try:
        if b"geo" in meta:
            gdf = gpd.read_parquet(path)
        else:  # no geometry column: a table whose coordinates are columns
            df = pd.read_parquet(path)
            df.columns = [str(c).strip() for c in df.columns]
            return _table_source(
                df,
                label,
                path,
                crs,
                lon_col,
                lat_col,
                role=role,
                numbers=np.arange(len(df), dtype=np.int64),
                row_word="rows (from 0)",
            )
    except CoverageInputError:
        raise
    except Exception as exc:  # noqa: BLE001  (any reader failure is the user's file)
        msg = f"{label} could not be read as GeoParquet ({_one_line(exc)[:160]})."
        raise CoverageInputError(msg) from None
    if gdf.crs is None and crs is not None and not is_china_offset(crs):
        gdf = gdf.set_crs(parse_crs(crs))  # written without its CRS
    return _Source(label, gdf, None, None, None, str(path), row_base=0, row_word="rows (from 0)", role=role)


def _xy_from_geometry(gdf: gpd.GeoDataFrame, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2a, geometry: one position per row (a point inside non-point geometries), NaN where missing."""
    geom = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geom) | np.asarray(gdf.geometry.is_empty)
    kinds = gdf.geometry.geom_type.fillna("")
    nonpoint = (~missing) & (kinds != "Point").to_numpy()
    pts = geom.copy()
    if nonpoint.any():
        warnings.warn(
            f"{label}: {int(nonpoint.sum())} geometries are not points "
            f"({', '.join(sorted(set(kinds[nonpoint])))}); using a point inside each.",
            UserWarning,
            stacklevel=4,
        )
        pts[nonpoint] = shapely.point_on_surface(pts[nonpoint])
    xy = np.full((len(gdf), 2), np.nan)
    if (~missing).any():
        xy[~missing] = shapely.get_coordinates(pts[~missing])[:, :2]
    return xy[:, 0], xy[:, 1]


def _to_lonlat(x, y, src_crs, offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2b, CRS: raw coordinates to lon/lat (GCJ-02/BD-09 stay as given until checked)."""
    if offset:
        return np.array(x, dtype=float), np.array(y, dtype=float)
    t = pyproj.Transformer.from_crs(src_crs, "EPSG:4326", always_xy=True)
    lon, lat = t.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _coordinate_reasons(x, y, bad_text, geographic: bool, label: str, rows=None) -> np.ndarray:
    """Stage 3, coordinate checks: why each row is unusable ("" when it is fine).

    Raises when longitude and latitude are clearly swapped for the whole input.
    """
    rows = rows or (lambda idx: f"rows {rows_text(idx)}")
    reason = np.full(len(x), "", dtype=object)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    reason[bad_text] = "non-numeric coordinate"
    reason[missing & ~bad_text] = "missing coordinate"
    if geographic:
        out = ~missing & ((np.abs(x) > 180) | (np.abs(y) > 90))
        if out.any():
            swapped = out & (np.abs(y) <= 180) & (np.abs(x) <= 90)
            if swapped.sum() > 0.5 * out.sum() and swapped.sum() >= max(1, 0.5 * (~missing).sum()):
                msg = (
                    f"{label}: longitude and latitude look swapped (latitude > 90 in "
                    f"{rows(np.flatnonzero(swapped))}); swap the two columns."
                )
                raise CoverageInputError(msg)
            reason[out] = "coordinate out of range"
    return reason


def _geocode_reasons(table: pd.DataFrame, reason: np.ndarray) -> np.ndarray:
    """Rows a geocoding pass could not place (``status`` ``not_found``, no coordinates): its ``note`` as the
    reason.

    A row whose coordinates were filled in by hand afterwards is used as it is.
    """
    st = _resolve(table, "status")
    if st is None:
        return reason
    nf = (table[st].astype("string").str.strip() == "not_found").fillna(False).to_numpy(dtype=bool)
    nf &= reason == "missing coordinate"
    if nf.any():
        nt = _resolve(table, "note")
        notes = (
            table[nt].astype("string").fillna("").str.strip().to_numpy() if nt else np.full(len(table), "")
        )
        reason = reason.copy()
        reason[nf] = [f"not found by geocoding: {n}" if n else "not found by geocoding" for n in notes[nf]]
    return reason


def _no_usable_rows(src: _Source, x, y, reason, lon_hint) -> CoverageInputError:
    """The one-line error for an input where no row has usable coordinates: a sample and the fix."""
    n = len(reason)
    first = 0
    if src.xy_cols is not None:
        cx, cy = src.xy_cols
        filled = np.flatnonzero(src.table[cx].notna().to_numpy() | src.table[cy].notna().to_numpy())
        first = int(filled[0]) if filled.size else 0

        def cell(c):
            v = src.table[c].iloc[first]
            return "''" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(v)

        sample = f"row {src.row_numbers[first]}: {cx}={cell(cx)}, {cy}={cell(cy)}"
        cols = f"columns {cx!r}/{cy!r}"
    else:
        geom = src.table.geometry.iloc[first]
        sample = f"first geometry {'empty' if geom is None or geom.is_empty else geom.wkt[:60]}"
        cols = "geometries"
    big = np.isfinite(x) & np.isfinite(y) & ((np.abs(x) > 1000) | (np.abs(y) > 1000))
    if big.sum() > 0.5 * n:
        fix = (
            f"they look like projected metres, not degrees: pass their CRS, e.g. --crs "
            f"{suggest_projected_crs(x[big], y[big], lon_hint)}"
        )
    elif (reason == "non-numeric coordinate").any():
        fix = "give decimal degrees like 126.6612 (degrees-minutes-seconds like 126°39'40\"E are read too)"
    elif (reason == "coordinate out of range").any():
        fix = "give longitude/latitude in degrees, or pass the coordinates' CRS with --crs"
    else:
        fix = "fill in the coordinates"
    msg = f"{src.label}: none of the {n} rows has usable coordinates in its {cols} ({sample}); {fix}."
    return CoverageInputError(msg)


def _resolve(frame: pd.DataFrame, wanted: str, aliases=()) -> str | None:
    """A column named ``wanted`` (any case), or one of its aliases."""
    if wanted in frame.columns:
        return wanted
    cols = {str(c).strip().lower(): c for c in frame.columns}
    for name in (wanted, *aliases):
        if str(name).lower() in cols:
            return cols[str(name).lower()]
    return None


def _ids(
    frame: pd.DataFrame, id_col: str | None, label: str, rows=None, problems: list | None = None
) -> np.ndarray:
    """Stage 4, ids: the id column as given (unique, never empty), or row numbers.

    With ``problems`` (a list), every problem found is added to it instead of
    raised, so a file's problems can be reported together.
    """
    rows = rows or (lambda idx: f"rows {rows_text(idx)}")
    found: list[str] = []
    if id_col is None:
        return np.arange(len(frame))
    col = _resolve(frame, id_col, ID_ALIASES if str(id_col).lower() in ID_ALIASES else ())
    if col is None:
        msg = (
            f"{label} has no id column {id_col!r}; columns are "
            f"{[c for c in map(str, frame.columns) if c != 'geometry']}. "
            "Add an id column, or name it with --station-id-col / --household-id-col (id_col=... in Python)."
        )
        return _problem(msg, problems, np.arange(len(frame)))
    idser = frame[col]
    null = idser.isna().to_numpy()
    if null.any():
        found.append(
            f"{label} column {col!r} is empty in {rows(np.flatnonzero(null))}; give every row an id."
        )
    dup = idser.duplicated(keep=False).to_numpy() & ~null
    if dup.any():
        vals = list(dict.fromkeys(idser[dup].astype(str)))
        found.append(
            f"{label} column {col!r} has duplicate ids {rows_text(vals)} "
            f"({rows(np.flatnonzero(dup))}); make the ids unique."
        )
    for msg in found:
        _problem(msg, problems, None)
    return idser.to_numpy()


def _problem(msg: str, problems: list | None, value):
    """Raise ``msg``, or add it to ``problems`` (when collecting) and return ``value``."""
    if problems is None:
        raise CoverageInputError(msg)
    problems.append(msg)
    return value


def _raise_problems(problems: list, label: str) -> None:
    """Every problem of one file in one message:
    the first in full, the others after it without the file's name."""
    if not problems:
        return
    rest = [m[len(label) :].lstrip() if m.startswith(label) else m for m in problems[1:]]
    raise CoverageInputError(" ".join([problems[0], *(f"Also: {m}" for m in rest)]))


def _weight_column(frame: pd.DataFrame, weight: str) -> str | None:
    for group in WEIGHT_ALIASES:
        if str(weight).lower() in group:
            return _resolve(frame, weight, group)
    return _resolve(frame, weight)


def _weights(
    frame: pd.DataFrame, weight: str | None, label: str, rows=None, problems: list | None = None
) -> np.ndarray:
    """Stage 5, weights: households per row (non-negative numbers), 1 when no column is given.

    With ``problems`` (a list), every problem found is added to it instead of raised.
    """
    rows = rows or (lambda idx: f"rows {rows_text(idx)}")
    if weight is None:
        return np.ones(len(frame))
    col = _weight_column(frame, weight)
    if col is None:
        msg = (
            f"{label} has no weight column {weight!r}; columns are "
            f"{[c for c in map(str, frame.columns) if c != 'geometry']}."
        )
        return _problem(msg, problems, np.ones(len(frame)))
    raw = frame[col]
    w = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    found: list[str] = []
    nonnum = np.isnan(w) & raw.notna().to_numpy()
    if nonnum.any():
        i = np.flatnonzero(nonnum)
        found.append(
            f"{label} column {col!r} is not a number in {rows(i)} (e.g. {raw.iloc[i[0]]!r}); "
            "give households as numbers."
        )
    empty = np.isnan(w) & ~nonnum
    if empty.any():
        found.append(
            f"{label} column {col!r} is empty in {rows(np.flatnonzero(empty))}; "
            "fill them (0 if nobody lives there)."
        )
    neg = ~np.isnan(w) & ((w < 0) | ~np.isfinite(w))
    if neg.any():
        found.append(
            f"{label} column {col!r} is negative or infinite in "
            f"{rows(np.flatnonzero(neg))}; households cannot be negative."
        )
    for msg in found:
        _problem(msg, problems, None)
    return w


def read_points(
    source: PointsTable,
    *,
    role: str = "points",
    id_col: str | None = "id",
    name_col: str | None = "name",
    weight: str | None = None,
    crs: CRSLike = None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    sheet: str | None = None,
    layer: str | None = None,
    lon_hint: float | None = None,
) -> Points:
    """Read and validate stations or residential points.

    Five stages, each its own function: source dispatch, geometry and CRS,
    coordinate checks, ids, weights.

    Parameters
    ----------
    source
        A CSV/Excel/GeoJSON/GeoPackage/Shapefile path or a GeoDataFrame.
    role
        "stations" or "households"; used in messages.
    id_col
        Column with the point ids (any case; ``id`` also finds 编号), kept as
        given. ``None`` numbers the rows from 0.
    name_col
        Optional column with display names (``name`` also finds 名称).
    weight
        Column with households per point (non-negative numbers; any case;
        ``households`` also finds 户数, ``population`` 人口). ``None`` counts
        every point as one.
    crs
        CRS of the coordinates: ``"gcj02"`` or ``"bd09"`` for Chinese web-map
        coordinates, or anything pyproj accepts (``"EPSG:4547"``). For tables
        it defaults to WGS-84 lon/lat; for a vector file it is used when the
        file has no CRS (a shapefile without ``.prj``); GCJ-02/BD-09 always
        override.
    lon_col, lat_col
        Table coordinate columns, when they are not called lon/lat (or x/y, 经度/纬度).
    sheet, layer
        The Excel sheet (default the first) or the GeoPackage layer (needed
        when there are several).
    lon_hint
        A rough longitude of the area, only to suggest a CRS in messages.
    """
    crs = parse_crs(crs, "crs") if crs is not None else None
    src = _source(source, role, crs, lon_col, lat_col, sheet=sheet, layer=layer)
    return _points(src, crs=crs, id_col=id_col, name_col=name_col, weight=weight, lon_hint=lon_hint)


def iter_csv_points(
    path,
    *,
    role: str = "households",
    chunk_rows: int = 1_000_000,
    id_col: str | None = "id",
    name_col: str | None = "name",
    weight: str | None = None,
    crs=None,
    lon_col: str | None = None,
    lat_col: str | None = None,
    lon_hint: float | None = None,
):
    """A large CSV file as :class:`Points`, ``chunk_rows`` rows at a time (for tiled runs).

    Each chunk gets :func:`read_points`'s checks, with rows numbered as in
    the spreadsheet; ids are checked within each chunk only. The encoding and
    the separator are read from the file's first megabyte.
    """
    crs = parse_crs(crs, "crs") if crs is not None else None
    path = Path(path)
    label = f"{role} file '{path}'"
    head = path.open("rb").read(1 << 20)
    head = head[: head.rfind(b"\n") + 1] or head
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc, name = "utf-16", "UTF-16"
    else:
        enc = name = None
        for e, n in (("utf-8-sig", "UTF-8"), ("gb18030", "GBK")):
            try:
                head.decode(e)
                enc, name = e, n
                break
            except UnicodeDecodeError:
                continue
        if enc is None:
            msg = f"{label} is neither UTF-8, UTF-16 nor GBK text; save it as 'CSV UTF-8' from Excel."
            raise CoverageInputError(msg)
    sep = _sniff_separator(head.decode(enc, errors="replace"))
    label = f"{label} ({SEPARATORS[sep]}-separated, {name})"
    reader = pd.read_csv(
        path,
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skipinitialspace=True,
        encoding=enc,
        chunksize=chunk_rows,
        skip_blank_lines=False,
    )
    offset = raw = 0  # rows kept so far (the output order), and rows read (the spreadsheet's numbering)
    for df in reader:
        df.columns = [str(c).strip() for c in df.columns]
        n_raw = len(df)
        df = _numbered(df.reset_index(drop=True), np.arange(n_raw, dtype=np.int64) + 2 + raw, label)
        raw += n_raw
        if df.empty:
            continue
        src = _table_source(df, label, path, crs, lon_col, lat_col, role=role)
        yield (
            offset,
            _points(src, crs=crs, id_col=id_col, name_col=name_col, weight=weight, lon_hint=lon_hint),
        )
        offset += len(df)


def _points(src: _Source, *, crs, id_col, name_col, weight, lon_hint) -> Points:
    """Stages 2-5 of :func:`read_points` on what stage 1 read."""
    label = src.label
    offset = is_china_offset(crs)
    vector = src.x is None
    if vector:
        gdf = src.table
        if len(gdf) == 0:
            msg = f"{label} has no rows."
            raise CoverageInputError(msg)
        if gdf.crs is None and not offset:
            msg = (
                f"{label} has no CRS (a shapefile without its .prj?); pass its CRS, e.g. "
                f"{crs_option(src.role)} EPSG:4326 (crs= in Python)."
            )
            raise CoverageInputError(msg)
        if offset and gdf.crs is not None and not gdf.crs.is_geographic:
            msg = (
                f"{label} is in {gdf.crs.name} (projected metres), but {crs} was given for it: "
                "GCJ-02 and BD-09 are "
                f"longitude/latitude. Give this file no CRS option, or its own with {crs_option(src.role)}."
            )
            raise CoverageInputError(msg)
        x, y = _xy_from_geometry(gdf, label)
        bad_text = np.zeros(len(gdf), dtype=bool)
        src_crs = "EPSG:4326" if (offset or gdf.crs is None) else gdf.crs
    else:
        x, y, bad_text = src.x, src.y, src.bad_text
        src_crs = "EPSG:4326" if (offset or crs is None) else crs
    lon, lat = _to_lonlat(x, y, src_crs, offset)
    geographic = offset or pyproj.CRS.from_user_input(src_crs).is_geographic
    reason = _geocode_reasons(src.table, _coordinate_reasons(x, y, bad_text, geographic, label, src.rows))
    if not (reason == "").any():
        raise _no_usable_rows(src, x, y, reason, lon_hint)
    if offset:
        ok = reason == ""
        lon[ok], lat[ok] = to_wgs84(lon[ok], lat[ok], crs)
    lon = np.where(reason == "", lon, np.nan)
    lat = np.where(reason == "", lat, np.nan)

    if vector and not offset:
        frame = src.table
    elif vector:  # GCJ-02/BD-09 geometries (outlines too) converted to WGS-84

        def fix(xy):
            return np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], crs)) if len(xy) else xy

        geom = np.asarray(src.table.geometry.values, dtype=object).copy()
        ok = reason == ""
        geom[ok] = shapely.transform(geom[ok], fix)
        geom[~ok] = None
        frame = gpd.GeoDataFrame(
            pd.DataFrame(src.table.drop(columns=src.table.geometry.name)), geometry=geom, crs="EPSG:4326"
        )
    else:  # table rows: the geometry is the position as given (WGS-84 for GCJ-02/BD-09 input)
        geometry, gcrs = (
            (gpd.points_from_xy(lon, lat), "EPSG:4326") if offset else (gpd.points_from_xy(x, y), src_crs)
        )
        geometry[reason != ""] = None
        frame = gpd.GeoDataFrame(src.table, geometry=geometry, crs=gcrs)
    problems: list[str] = []  # every problem of the file, reported in one message
    ids = _ids(frame, id_col, label, src.rows, problems)
    w = _weights(frame, weight, label, src.rows, problems)
    _raise_problems(problems, label)
    ncol = (
        _resolve(frame, name_col, NAME_ALIASES if str(name_col).lower() in NAME_ALIASES else ())
        if name_col
        else None
    )
    n_bad = int((reason != "").sum())
    if n_bad:
        log.warning(
            "%s: %d of %d rows have unusable coordinates (%s); they are kept as 'invalid'",
            label,
            n_bad,
            len(x),
            src.rows(np.flatnonzero(reason != "")),
        )
    return Points(
        frame=frame,
        ids=np.asarray(ids),
        lon=np.asarray(lon, dtype=float),
        lat=np.asarray(lat, dtype=float),
        weight=w,
        reason=reason,
        label=label,
        input_crs=crs if offset else frame.crs,
        weight_col=_weight_column(frame, weight) if weight else None,
        name_col=ncol,
        source=src.path,
        row_base=src.row_base,
        row_word=src.row_word,
        numbers=src.numbers,
    )


#: Column names that hold a WKT outline in a CSV or Excel table of polygons.
WKT_ALIASES = ("wkt", "geometry", "geom", "the_geom", "几何", "边界")


@dataclass(frozen=True)
class Polygons:
    """Validated outlines (compounds), one per input row, in input order, WGS-84.

    ``frame`` holds the input columns with the outline as geometry; ``ids``
    the id column (or row numbers); ``rows()`` numbers rows as the user sees them.
    """

    frame: gpd.GeoDataFrame
    ids: np.ndarray
    label: str
    source: str | None = None
    row_base: int = 0
    row_word: str = "rows"
    numbers: np.ndarray | None = None

    @property
    def row_numbers(self) -> np.ndarray:
        return (
            self.numbers if self.numbers is not None else np.arange(len(self), dtype=np.int64) + self.row_base
        )

    def rows(self, idx: ArrayLike) -> str:
        return f"{self.row_word} {rows_text(self.row_numbers[np.asarray(idx, dtype=np.int64)])}"

    def __len__(self) -> int:
        return int(self.ids.size)


def polygonal(geom: np.ndarray) -> np.ndarray:
    """Valid outlines keeping every polygonal part: a bow-tie ring stays both of its lobes.

    ``make_valid`` can return lines or points beside the polygons (a spike, a
    collapsed ring); only the polygonal parts are kept.
    """
    fixed = shapely.make_valid(geom)
    out = fixed.copy()
    for i in np.flatnonzero(~np.isin(shapely.get_type_id(fixed), [3, 6])):  # not Polygon / MultiPolygon
        parts = [p for p in shapely.get_parts(fixed[i]) if p.geom_type in ("Polygon", "MultiPolygon")]
        out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def read_polygons(
    source,
    *,
    role: str = "compounds",
    id_col: str | None = None,
    id_aliases=ID_ALIASES,
    crs=None,
    sheet: str | None = None,
    layer: str | None = None,
) -> Polygons:
    """Read outlines: a GeoDataFrame, a vector file, or a CSV/Excel table with a WKT column.

    Every row must be a polygon or multipolygon (one clear error names the
    rows that are not). ``crs`` is the coordinates' CRS when the file has
    none, or ``"gcj02"``/``"bd09"`` (always applied to longitude/latitude).
    ``id_col`` (any case) defaults to the first of ``id_aliases`` present,
    else row numbers. Returns the outlines in WGS-84, made valid (every
    polygonal part kept, with a warning naming the rows repaired).
    """
    crs = parse_crs(crs, "crs") if crs is not None else None
    offset = is_china_offset(crs)
    option = crs_option(role)
    path = None
    if isinstance(source, gpd.GeoDataFrame):
        gdf, label, numbers, word = (
            source.reset_index(drop=True).copy(),
            f"{role} GeoDataFrame",
            None,
            "index",
        )
        if gdf.crs is None and crs is not None and not offset:
            gdf = gdf.set_crs(crs)
        base = 0
    else:
        if not isinstance(source, (str, Path)):
            msg = f"{role} must be a file path or a GeoDataFrame, not {type(source).__name__}."
            raise TypeError(msg)
        path = Path(source)
        label = f"{role} file '{path}'"
        if not path.exists() or path.is_dir() or path.stat().st_size == 0:
            what = "does not exist" if not path.exists() else "is a folder" if path.is_dir() else "is empty"
            msg = f"{label} {what}."
            raise CoverageInputError(msg)
        suffix = path.suffix.lower()
        if suffix in CSV_SUFFIXES + EXCEL_SUFFIXES:
            df, label = (
                _read_csv(path, label)
                if suffix in CSV_SUFFIXES
                else _read_excel(path, label, sheet, role=role)
            )
            numbers = np.asarray(df.attrs.pop("rows"), dtype=np.int64)
            col = next((c for c in (_resolve(df, a) for a in WKT_ALIASES) if c is not None), None)
            if col is None:
                msg = (
                    f"{label} has no outline column (looked for {', '.join(WKT_ALIASES)}); give each "
                    "compound's outline as WKT, like POLYGON((126.65 45.75, ...)), or use a "
                    "GeoJSON/GeoPackage."
                )
                raise CoverageInputError(msg)
            text = df[col].astype("string")
            geom = shapely.from_wkt(np.asarray(text.fillna("").to_numpy(), dtype=object), on_invalid="ignore")
            bad = np.flatnonzero(shapely.is_missing(geom) & text.fillna("").str.strip().ne("").to_numpy())
            if bad.size:
                msg = (
                    f"{label} column {col!r}: rows {rows_text(numbers[bad])} are not WKT outlines; write "
                    "them like POLYGON((lon lat, lon lat, ...))."
                )
                raise CoverageInputError(msg)
            src_crs = "EPSG:4326" if (offset or crs is None) else crs
            gdf = gpd.GeoDataFrame(df.drop(columns=[col]), geometry=geom, crs=src_crs)
            base, word = 0, "rows"
        elif suffix in VECTOR_SUFFIXES:
            gdf, label = _read_vector(path, label, layer, crs, role=role)
            numbers, base, word = None, 1, "features"
        else:
            msg = (
                f"{label} has an unknown format {suffix!r}; give .geojson, .gpkg, .shp, or .csv/.xlsx "
                "with WKT."
            )
            raise CoverageInputError(msg)
    if len(gdf) == 0:
        msg = f"{label} has no rows."
        raise CoverageInputError(msg)
    if gdf.crs is None:
        if not offset:
            msg = f"{label} has no CRS; pass its CRS, e.g. {option} EPSG:4326 (or gcj02)."
            raise CoverageInputError(msg)
        gdf = gdf.set_crs("EPSG:4326")
    elif offset and not gdf.crs.is_geographic:
        msg = (
            f"{label} is in {gdf.crs.name} (projected metres), but {crs} was given for it: GCJ-02 and "
            f"BD-09 are longitude/latitude. Give this file no CRS option, or its own with {option}."
        )
        raise CoverageInputError(msg)
    polys = Polygons(gdf, np.zeros(len(gdf)), label, None, base, word, numbers)
    rows = polys.rows

    kinds = gdf.geometry.geom_type.fillna("missing").to_numpy()
    not_poly = np.flatnonzero(~np.isin(kinds, ["Polygon", "MultiPolygon"]))
    if not_poly.size:
        found = ", ".join(sorted(set(kinds[not_poly])))
        msg = (
            f"{label}: {rows(not_poly)} are {found}, not polygons; give each compound's outline as a "
            "polygon (closed lines can be turned into polygons in QGIS with Lines to Polygons)."
        )
        raise CoverageInputError(msg)
    gdf = gdf.to_crs("EPSG:4326")
    if offset:

        def fix(xy):
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([lon, lat])

        gdf = gdf.set_geometry(
            shapely.transform(np.asarray(gdf.geometry.values, dtype=object), fix), crs="EPSG:4326"
        )
    geom = np.asarray(gdf.geometry.values, dtype=object)
    broken = ~shapely.is_valid(geom)
    if broken.any():  # self-crossing (bow-tie) or self-touching rings: repaired, every polygonal part kept
        area_before = shapely.area(geom[broken])
        geom[broken] = polygonal(geom[broken])
        gdf = gdf.set_geometry(geom, crs="EPSG:4326")
        changed = np.flatnonzero(broken)[np.abs(shapely.area(geom[broken]) - area_before) > 1e-12]
        log.warning(
            "%s: %d outlines cross or touch themselves (%s); they were repaired keeping every part%s",
            label,
            int(broken.sum()),
            rows(np.flatnonzero(broken)),
            f" (the area of {rows(changed)} changed; check them)" if changed.size else "",
        )
    if id_col is None:
        found_id = next((c for c in (_resolve(gdf, a) for a in id_aliases) if c is not None), None)
        ids = _ids(gdf, found_id, label, rows) if found_id is not None else np.arange(1, len(gdf) + 1)
    else:
        if _resolve(gdf, id_col) is None:
            msg = (
                f"{label} has no id column {id_col!r}; columns are "
                f"{[c for c in map(str, gdf.columns) if c != 'geometry']}."
            )
            raise CoverageInputError(msg)
        ids = _ids(gdf, _resolve(gdf, id_col), label, rows)
    return Polygons(gdf, np.asarray(ids), label, None if path is None else str(path), base, word, numbers)
