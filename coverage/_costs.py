"""Any demand x supply cost matrix as sparse (row, column, cost) pairs within a cutoff.

One reader for the three shapes a cost matrix arrives in, so that every
analysis on a cost matrix (accessibility, siting) reads it the same way:

* a **numpy array** (or anything ``np.asarray`` turns into a 2-D float
  array): ``inf`` and NaN mean unreachable;
* a **scipy sparse matrix or array**: a missing entry means unreachable; an
  explicitly stored 0 is a cost of 0 (a household in the same building as
  its station) and is kept; stored ``inf``/NaN also mean unreachable;
* a **pandas DataFrame**: as an array, with the index as row labels and the
  columns as column labels (NaN, ``None`` and ``pd.NA`` mean unreachable).

The pairs come back sorted by row, then column, with no duplicates, as a
CSR layout (``indptr``, ``cols``, ``cost``) with the COO ``rows`` at hand.
Costs are in any unit (minutes, metres); they must not be negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from ._errors import CoverageInputError


def _index_dtype(n_pairs: int, n_cols: int) -> type:
    """int32 indices (what scipy.sparse computes with fastest) unless the matrix is too large for them."""
    return np.int32 if max(n_pairs, n_cols) < 2**31 - 1 else np.int64


@dataclass(frozen=True, eq=False)
class CostPairs:
    """The reachable (row, column) pairs of a cost matrix and their costs, row by row.

    The pairs are stored as a CSR layout: row ``i``'s pairs are
    ``indptr[i]:indptr[i + 1]``; :attr:`rows` gives the COO row of every
    pair. Sorted by row then column, each pair once.

    Attributes
    ----------
    indptr
        ``n_rows + 1`` offsets into ``cols`` and ``cost``.
    cols
        Column position of each pair (``int32``; ``int64`` beyond 2**31 pairs).
    cost
        The pair's cost (``float64``), finite and ``>= 0``.
    shape
        ``(n_rows, n_cols)`` of the whole matrix, unreachable rows and
        columns included.
    row_labels, col_labels
        The DataFrame's index and columns, or None when the matrix was not a
        DataFrame.
    max_cost
        The cutoff the pairs were kept under (None: every finite pair).
    """

    indptr: np.ndarray
    cols: np.ndarray
    cost: np.ndarray
    shape: tuple[int, int]
    row_labels: pd.Index | None = None
    col_labels: pd.Index | None = None
    max_cost: float | None = None

    @property
    def n_pairs(self) -> int:
        return int(self.cost.size)

    @property
    def labelled(self) -> bool:
        return self.row_labels is not None

    @property
    def row_counts(self) -> np.ndarray:
        """Pairs per row."""
        return np.diff(self.indptr)

    @cached_property
    def rows(self) -> np.ndarray:
        """Row position of each pair (``int64``, non-decreasing)."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), self.row_counts)

    def per_row(self, values: np.ndarray) -> np.ndarray:
        """One value per row (``n_rows``) repeated for each of the row's pairs (``n_pairs``)."""
        return np.repeat(values, self.row_counts)

    def matrix(self, values: np.ndarray | None = None) -> sparse.csr_matrix:
        """A CSR matrix with one value per pair (default: the costs); explicit zeros stay stored entries."""
        data = self.cost if values is None else values
        return sparse.csr_matrix((data, self.cols, self.indptr), shape=self.shape, copy=False)

    def select(self, keep: np.ndarray) -> CostPairs:
        """The pairs where the boolean ``keep`` (one per pair) is True, still sorted."""
        if bool(keep.all()):
            return self
        return CostPairs(
            *_kept_layout(keep, self.indptr, self.cols, self.cost, self.shape),
            self.shape,
            self.row_labels,
            self.col_labels,
            self.max_cost,
        )

    def within(self, max_cost: float | None) -> CostPairs:
        """The pairs whose cost is at most ``max_cost`` (a sub-selection, still sorted)."""
        limit = check_max_cost(max_cost, "max_cost")
        if limit is None:
            return self
        sub = self.select(self.cost <= limit)
        return CostPairs(sub.indptr, sub.cols, sub.cost, self.shape, self.row_labels, self.col_labels, limit)

    def to_csr(self) -> sparse.csr_matrix:
        """The pairs as a CSR matrix of costs (explicit zeros kept as stored entries)."""
        return self.matrix()


def _kept_layout(
    keep: np.ndarray, indptr: np.ndarray, cols: np.ndarray, cost: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(indptr, cols, cost) of the pairs where ``keep`` is True (a CSR layout in, a CSR layout out)."""
    dtype = _index_dtype(int(cost.size), shape[1])
    if bool(keep.all()):
        return indptr.astype(dtype, copy=False), cols.astype(dtype, copy=False), cost
    idx = np.flatnonzero(keep)
    counts = np.zeros(shape[0], dtype=np.int32)  # kept pairs per row (at most n_cols)
    filled = np.flatnonzero(indptr[1:] > indptr[:-1])
    if filled.size:  # reduceat sums each filled row's run of keep (empty rows would confuse it)
        counts[filled] = np.add.reduceat(keep, indptr[:-1][filled], dtype=np.int32)
    new_indptr: np.ndarray = np.zeros(shape[0] + 1, dtype=dtype)
    np.cumsum(counts, out=new_indptr[1:])
    return new_indptr, cols.take(idx).astype(dtype, copy=False), cost.take(idx)


def check_max_cost(max_cost, what: str) -> float | None:
    if max_cost is None:
        return None
    try:
        limit = float(max_cost)
    except (TypeError, ValueError):
        msg = f"{what}={max_cost!r} is not a number; give the cutoff in the cost matrix's unit (e.g. 15)."
        raise CoverageInputError(msg) from None
    if np.isnan(limit) or limit < 0:
        msg = (
            f"{what}={max_cost!r} must be a number >= 0 (the cutoff in the cost matrix's unit), "
            f"or None for no cutoff."
        )
        raise CoverageInputError(msg)
    return None if np.isinf(limit) else limit


def _shown(pairs_rc: np.ndarray, row_labels=None, col_labels=None, limit: int = 5) -> str:
    """Up to ``limit`` (row, column) pairs for a message, by label when there are labels."""
    out = []
    for r, c in pairs_rc[:limit]:
        if row_labels is not None:
            out.append(f"({row_labels[int(r)]!r}, {col_labels[int(c)]!r})")
        else:
            out.append(f"({int(r)}, {int(c)})")
    more = f" and {len(pairs_rc) - limit} more" if len(pairs_rc) > limit else ""
    return "[" + ", ".join(out) + "]" + more


def _canonical_csr(cost, name: str) -> sparse.csr_matrix:
    """The sparse matrix as CSR with sorted columns; an error when an entry is stored twice."""
    n_in = int(cost.nnz)
    csr = cost.tocsr()
    if not csr.has_canonical_format:
        if csr is cost:
            csr = csr.copy()  # never sort the caller's matrix in place
        csr.sum_duplicates()
    if cost.format in ("coo", "csr", "csc", "bsr") and csr.nnz != n_in:
        coo = cost.tocoo()
        key = coo.row.astype(np.int64) * cost.shape[1] + coo.col
        order = np.argsort(key, kind="stable")
        dup = order[1:][key[order][1:] == key[order][:-1]]
        rc = np.unique(np.column_stack([coo.row[dup], coo.col[dup]]), axis=0)
        msg = (
            f"{name} stores more than one entry for the pair(s) (row, column) {_shown(rc)}; "
            f"a cost matrix needs one cost per pair (sum_duplicates() would add them up)."
        )
        raise CoverageInputError(msg)
    return csr


def cost_pairs(
    cost: np.ndarray | sparse.spmatrix | sparse.sparray | pd.DataFrame,
    *,
    max_cost: float | None = None,
    name: str = "cost",
) -> CostPairs:
    """The pairs of a demand x supply cost matrix whose cost is at most ``max_cost``.

    Parameters
    ----------
    cost
        Demand rows x supply columns: a 2-D numpy array (``inf``/NaN =
        unreachable), a scipy sparse matrix or array (missing entries =
        unreachable, stored zeros are cost 0) or a pandas DataFrame (index =
        row labels, columns = column labels, NaN = unreachable).
    max_cost
        Keep the pairs with ``cost <= max_cost`` (same unit as ``cost``);
        None or ``inf`` keeps every finite pair.
    name
        The argument's name in error messages.

    Returns
    -------
    CostPairs
        COO arrays sorted by row then column.

    Raises
    ------
    CoverageInputError
        A matrix that is not 2-D, not numeric, has negative costs, repeats a
        (row, column) entry (sparse input), or a DataFrame with repeated
        labels; a negative or NaN ``max_cost``.

    Examples
    --------
    >>> import numpy as np
    >>> p = cost_pairs(np.array([[5.0, np.inf], [0.0, 20.0]]), max_cost=15)
    >>> p.rows.tolist(), p.cols.tolist(), p.cost.tolist()
    ([0, 1], [0, 0], [5.0, 0.0])
    """
    limit = check_max_cost(max_cost, "max_cost")
    row_labels = col_labels = None
    if isinstance(cost, pd.DataFrame):
        row_labels, col_labels = cost.index, cost.columns
        for what, labels in (("row labels (index)", row_labels), ("column labels", col_labels)):
            if labels.has_duplicates:
                dup = labels[labels.duplicated()].unique().tolist()
                msg = (
                    f"{name} has repeated {what} {dup[:5]}; give each demand row and each supply column "
                    f"one label."
                )
                raise CoverageInputError(msg)
        try:
            cost = cost.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            bad_cols = []
            for c in col_labels:
                try:
                    cost[c].to_numpy(dtype=float, na_value=np.nan)
                except (TypeError, ValueError):
                    bad_cols.append(str(c))
            msg = (
                f"{name} column(s) {bad_cols[:5]} hold text, not numbers; every cell must be a cost "
                f"(or empty for unreachable)."
            )
            raise CoverageInputError(msg) from None
    if sparse.issparse(cost):
        if len(cost.shape) != 2:
            msg = f"{name} must be a 2-D matrix (demand rows x supply columns), not {len(cost.shape)}-D."
            raise CoverageInputError(msg)
        shape = (int(cost.shape[0]), int(cost.shape[1]))
        csr = _canonical_csr(cost, name)
        try:
            data = np.asarray(csr.data, dtype=np.float64)
        except (TypeError, ValueError):
            msg = f"{name} holds {csr.data.dtype} entries, not numbers; give costs as numbers."
            raise CoverageInputError(msg) from None
        with np.errstate(invalid="ignore"):
            keep = data <= limit if limit is not None else data < np.inf  # NaN and inf are unreachable
        indptr, cols, values = _kept_layout(keep, csr.indptr, csr.indices, data, shape)
    else:
        try:
            arr = np.asarray(cost, dtype=np.float64)
        except (TypeError, ValueError):
            msg = f"{name} is not a matrix of numbers; give costs as numbers (inf or NaN for unreachable)."
            raise CoverageInputError(msg) from None
        if arr.ndim != 2:
            msg = f"{name} must be a 2-D matrix (demand rows x supply columns), not {arr.ndim}-D."
            raise CoverageInputError(msg)
        shape = (int(arr.shape[0]), int(arr.shape[1]))
        with np.errstate(invalid="ignore"):
            keep = arr <= limit if limit is not None else arr < np.inf
        dtype = _index_dtype(int(keep.sum()), shape[1])
        indptr = np.zeros(shape[0] + 1, dtype=dtype)
        np.cumsum(keep.sum(axis=1), out=indptr[1:])
        cols = np.nonzero(keep)[1].astype(dtype)  # row-major: sorted by row, then column
        values = arr[keep]
    if values.size and values.min() < 0:  # negative costs are <= any cutoff, so they are all still here
        i = np.flatnonzero(values < 0)
        rows = np.searchsorted(indptr, i, side="right") - 1
        rc = np.column_stack([rows, cols[i]])
        what = "(row label, column label)" if row_labels is not None else "(row, column)"
        msg = (
            f"{name} has negative costs at {what} {_shown(rc, row_labels, col_labels)} "
            f"(e.g. {values[i[0]]:g}); costs must be >= 0 (use inf or an empty cell for unreachable)."
        )
        raise CoverageInputError(msg)
    return CostPairs(indptr, cols, values, shape, row_labels, col_labels, limit)
