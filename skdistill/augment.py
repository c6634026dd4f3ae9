"""Synthetic rows for a teacher to label: MUNGE and a simpler perturbation.

Model compression (Bucilă, Caruana & Niculescu-Mizil, "Model compression", KDD 2006)
trains a small student on many synthetic rows labelled by a large teacher. The rows
must lie near the data: rows drawn attribute by attribute from the marginals lose the
dependence between attributes, and the student learns little from them. MUNGE, which
mixes each example with its nearest neighbour, did best of the generators the paper
compared; with it, nets far smaller than the ensembles they mimicked usually came close
to them. The rows matter when the labelled data are too few for a much smaller student
to learn the teacher's function from them alone. When the student already matches the
teacher on the real rows, or the teacher is no better than the student, they add
fitting time and little else, and they never correct the teacher's errors. AutoGluon's
``TabularPredictor.distill`` offers the same two kinds of generator (``augment_method=
"munge"`` or ``"spunge"``). See the user guide page "Synthetic rows for the teacher to
label".

:func:`munge` and :func:`perturb` take a numpy array or a pandas DataFrame (as
:func:`pandas.read_csv` returns it: numbers, strings, ``category`` columns, NaN) and
return rows of the same type, columns and dtypes; :func:`make_augmented_rows` is the
one call the estimators make.
"""

import sys
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_augmented_rows", "munge", "perturb"]

#: Memory (MiB) of one chunk of rows of the distance matrix in the nearest-neighbour
#: search. Well below scikit-learn's default working memory (1 GiB): the search holds a
#: few arrays of that size at once, and larger chunks are no faster.
_NEIGHBOUR_WORKING_MEMORY = 64


# --------------------------------------------------------------------------- #
# The table: continuous and nominal columns of X, and back to X's type
# --------------------------------------------------------------------------- #


def _pandas():
    """pandas if the caller has imported it (a DataFrame cannot exist otherwise)."""
    return sys.modules.get("pandas")


def _is_dataframe(X):
    pd = _pandas()
    return pd is not None and isinstance(X, pd.DataFrame)


def _factorize(column):
    """Integer codes of a 1-D column's values; missing values share one code of their own."""
    pd = _pandas()
    if pd is not None and isinstance(column, pd.Series):
        codes, uniques = pd.factorize(column)
        return np.where(codes < 0, len(uniques), codes)
    if column.dtype.kind != "O":
        # numpy collapses NaNs into one unique value.
        return np.unique(column, return_inverse=True)[1].reshape(-1)
    # Object arrays may mix types that cannot be sorted; a NaN is not equal to itself.
    levels = {}
    missing = object()
    keys = [missing if v is None or (isinstance(v, float) and v != v) else v for v in column]
    return np.array([levels.setdefault(k, len(levels)) for k in keys], dtype=np.intp)


class _Table:
    """The columns of ``X`` split into continuous and nominal ones.

    Continuous columns are held as a float array with NaN for missing values; a
    nominal column is never converted: synthetic cells are copies of its cells, taken
    by row index, so its dtype, categories and values are those of ``X``.
    """

    def __init__(self, X, categorical):
        self.X = X
        self.is_frame = _is_dataframe(X)
        self.n_samples, self.n_features = X.shape
        if self.n_samples == 0 or self.n_features == 0:
            raise ValueError(f"X must have at least one row and one column; got shape {X.shape}.")
        if self.is_frame:
            from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

            dtypes = list(X.dtypes)
            numeric = np.array([is_numeric_dtype(d) and not is_bool_dtype(d) for d in dtypes],
                               dtype=bool)
            integer = np.array([is_integer_dtype(d) for d in dtypes], dtype=bool)
            names = [str(c) for c in X.columns]
            default = ~numeric
        else:
            kind = X.dtype.kind
            # An object column is numeric if its values convert to float (checked below).
            numeric = np.full(self.n_features, kind in "biufO")
            integer = np.full(self.n_features, kind in "biu")
            names = [str(j) for j in range(self.n_features)]
            default = np.zeros(self.n_features, dtype=bool)
        self.names = names
        self.nominal = default if categorical is None else self._mask(categorical, names)
        self._check_continuous(np.flatnonzero(~self.nominal & ~numeric))
        self.continuous_idx = np.flatnonzero(~self.nominal)
        self.nominal_idx = np.flatnonzero(self.nominal)
        self.integer = integer[self.continuous_idx]
        self.values = np.empty((self.n_samples, self.continuous_idx.size))
        for k, j in enumerate(self.continuous_idx):
            try:
                self.values[:, k] = (X.iloc[:, j].to_numpy(dtype=np.float64, na_value=np.nan)
                                     if self.is_frame else X[:, j].astype(np.float64))
            except (TypeError, ValueError):
                self._check_continuous([j])
        observed = ~np.isnan(self.values)
        # The observed range of each column (NaN for a column without observed values).
        self.low = np.where(observed.any(axis=0),
                            np.where(observed, self.values, np.inf).min(axis=0, initial=np.inf),
                            np.nan)
        self.high = np.where(observed.any(axis=0),
                             np.where(observed, self.values, -np.inf).max(axis=0, initial=-np.inf),
                             np.nan)

    def moments(self):
        """Mean and standard deviation of each continuous column, over its observed values."""
        seen = ~np.isnan(self.values)
        count = np.maximum(seen.sum(axis=0), 1)
        mean = np.where(seen, self.values, 0.0).sum(axis=0) / count
        std = np.sqrt((np.where(seen, self.values - mean, 0.0) ** 2).sum(axis=0) / count)
        return mean, std

    def _check_continuous(self, columns):
        """Refuse the columns meant to be continuous that are not numeric."""
        if len(columns):
            dtypes = [self.X.dtypes.iloc[j] if self.is_frame else self.X.dtype for j in columns]
            listed = ", ".join(f"{self.names[j]!r} ({d})" for j, d in zip(columns, dtypes))
            raise ValueError(
                f"Column(s) {listed} are not numeric, so they cannot be continuous, and "
                "categorical does not list them. Mark them categorical, or convert or drop "
                "them.")

    def _mask(self, categorical, names):
        n = self.n_features
        selection = np.asarray(categorical)
        if selection.ndim != 1:
            raise ValueError("categorical must be a 1-D boolean mask, or a list of column "
                             f"indices or names; got an array of shape {selection.shape}.")
        mask = np.zeros(n, dtype=bool)
        if selection.size == 0:
            return mask
        if selection.dtype.kind == "b":
            if selection.size != n:
                raise ValueError(f"categorical is a boolean mask of length {selection.size}, "
                                 f"but X has {n} columns; give one entry per column.")
            return selection.copy()
        if selection.dtype.kind in "iu":
            bad = selection[(selection < 0) | (selection >= n)]
            if bad.size:
                raise ValueError(f"categorical holds column indices {bad.tolist()} outside "
                                 f"0..{n - 1} (X has {n} columns).")
            mask[selection] = True
            return mask
        if selection.dtype.kind in "UO":
            if not self.is_frame:
                raise ValueError("categorical names columns, which only a DataFrame has; for "
                                 "an array give a boolean mask or column indices.")
            labels = [str(c) for c in selection]
            unknown = sorted(set(labels) - set(names))
            if unknown:
                raise ValueError(f"categorical names columns {unknown} that X does not have.")
            mask[[j for j, name in enumerate(names) if name in set(labels)]] = True
            return mask
        raise ValueError("categorical must be a boolean mask, or a list of column indices or "
                         f"names; got values of dtype {selection.dtype}.")

    def column(self, j):
        return self.X.iloc[:, j] if self.is_frame else self.X[:, j]

    def codes(self):
        """Integer codes of the nominal columns, shape (n_samples, n_nominal)."""
        codes = np.empty((self.n_samples, self.nominal_idx.size), dtype=np.intp)
        for k, j in enumerate(self.nominal_idx):
            codes[:, k] = _factorize(self.column(j))
        return codes

    def build(self, values, sources):
        """New rows of X's type from continuous ``values`` and the source rows of nominal cells.

        Continuous values are clipped to the column's observed range and rounded in
        integer columns.
        """
        values = np.minimum(np.maximum(values, self.low), self.high)
        values[:, self.integer] = np.rint(values[:, self.integer])
        n_rows = len(values)
        if not self.is_frame:
            out = np.empty((n_rows, self.n_features), dtype=self.X.dtype)
            out[:, self.continuous_idx] = values
            for k, j in enumerate(self.nominal_idx):
                out[:, j] = self.X[sources[:, k], j]
            return out
        pd = _pandas()
        columns = {}
        for k, j in enumerate(self.continuous_idx):
            columns[j] = pd.Series(values[:, k]).astype(self.X.dtypes.iloc[j])
        for k, j in enumerate(self.nominal_idx):
            columns[j] = self.column(j).iloc[sources[:, k]].reset_index(drop=True)
        out = pd.DataFrame({j: columns[j] for j in range(self.n_features)})
        out.columns = self.X.columns
        return out


def _table(X, categorical, caller):
    if sp.issparse(X):
        raise TypeError(
            f"{caller} does not accept a sparse matrix: its synthetic rows are dense (a "
            "Gaussian draw or a swap with a neighbour turns a stored zero into a non-zero), "
            "so a sparse result would take more memory than a dense one. Pass "
            "X.toarray() if it fits in memory.")
    if not _is_dataframe(X):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, of shape (n_samples, n_features); got shape "
                             f"{X.shape}. Reshape a single column with X.reshape(-1, 1).")
    return _Table(X, categorical)


def _visits(n_samples, n_visits, rng):
    """Rows of X in passes over the data, each pass in a new random order."""
    n_passes = -(-n_visits // n_samples)
    return np.concatenate([rng.permutation(n_samples) for _ in range(n_passes)])[:n_visits]


# --------------------------------------------------------------------------- #
# Nearest neighbours
# --------------------------------------------------------------------------- #


def _nearest_distinct_neighbours(table):
    """For each row, the index of its nearest row with different attribute values.

    Squared distance: the squared Euclidean distance between standardised continuous
    attributes, summed over the attributes observed in both rows and scaled up to all
    of them (as :func:`~sklearn.metrics.pairwise.nan_euclidean_distances` does), plus
    1 for every nominal attribute on which the rows differ (a missing value is a level
    of its own). A row with no other distinct row at a defined distance is its own
    neighbour. Computed in chunks of rows, never as an ``n x n`` matrix.
    """
    n = table.n_samples
    values = table.values
    seen = ~np.isnan(values)
    mean, std = table.moments()
    Z = np.where(seen, (values - mean) / np.where(std > 0, std, 1.0), 0.0)
    Z2 = Z ** 2
    weights = seen.astype(np.float64)
    any_missing = not seen.all()
    codes = table.codes()
    # Rows with equal attributes form one group; a row is never paired with its group.
    keys = np.column_stack([np.where(seen, Z, np.inf), codes.astype(np.float64)])
    groups = np.unique(keys, axis=0, return_inverse=True)[1].reshape(-1)

    neighbour = np.empty(n, dtype=np.intp)
    chunk_rows = max(1, int(_NEIGHBOUR_WORKING_MEMORY * 2 ** 20) // (8 * n))
    for rows in gen_batches(n, chunk_rows):
        # ||a - b||^2 over the attributes seen in both rows, by matrix products.
        D = Z[rows] @ (-2.0 * Z.T)
        if any_missing:
            D += Z2[rows] @ weights.T
            D += weights[rows] @ Z2.T
            present = weights[rows] @ weights.T
            with np.errstate(divide="ignore", invalid="ignore"):
                D *= Z.shape[1] / present
            D[present == 0] = np.inf  # no continuous attribute seen in both rows
        else:
            D += Z2[rows].sum(axis=1)[:, np.newaxis]
            D += Z2.sum(axis=1)[np.newaxis, :]
        np.maximum(D, 0.0, out=D)  # rounding can make a tiny distance negative
        for k in range(codes.shape[1]):
            D += codes[rows, k, np.newaxis] != codes[np.newaxis, :, k]
        D[groups[rows, np.newaxis] == groups[np.newaxis, :]] = np.inf
        best = D.argmin(axis=1)
        found = np.isfinite(D[np.arange(len(best)), best])
        neighbour[rows] = np.where(found, best, np.arange(n)[rows])
    return neighbour


# --------------------------------------------------------------------------- #
# Public generators
# --------------------------------------------------------------------------- #


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "n_rows": [Interval(Integral, 1, None, closed="left")],
        "p": [Interval(Real, 0, 1, closed="both")],
        "s": [Interval(Real, 0, None, closed="neither")],
        "categorical": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def munge(X, n_rows, *, p=0.5, s=1.0, categorical=None, random_state=None):
    """Synthetic rows made by MUNGE (Bucilă, Caruana & Niculescu-Mizil, 2006).

    Each example ``e`` of ``X`` is paired with its nearest neighbour ``e'``, and for
    every attribute, with probability ``p``, the two swap values: a nominal attribute
    takes the other's value; a continuous one with values ``a`` (in ``e``) and ``b``
    (in ``e'``) becomes a draw from ``Normal(b, |a - b| / s)`` in ``e`` and from
    ``Normal(a, |a - b| / s)`` in ``e'``. Both altered rows are kept. Passes over the
    data, each in a new random order, continue until there are ``n_rows`` rows.

    Parameters
    ----------
    X : {ndarray, DataFrame} of shape (n_samples, n_features)
        The real rows. A DataFrame may hold numbers, strings, ``category`` and boolean
        columns and NaN, as :func:`pandas.read_csv` returns them. A sparse matrix is
        refused: the synthetic rows are dense.
    n_rows : int
        Number of synthetic rows to return.
    p : float in [0, 1], default=0.5
        Probability that an attribute is swapped between an example and its neighbour.
        ``0`` returns copies of real rows.
    s : float > 0, default=1.0
        Local spread: a swapped continuous value is drawn with standard deviation
        ``|a - b| / s``; a large ``s`` makes the swap an exact exchange of values.
    categorical : array-like of bool, int or str, default=None
        Nominal columns, as a boolean mask of length ``n_features``, column indices,
        or (DataFrame only) column names, like ``categorical_features`` of
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`. ``None``: the
        object, string, ``category`` and boolean columns of a DataFrame; no column of
        an array. Columns that are not numeric must be nominal.
    random_state : int, RandomState instance or None, default=None
        Seed of the visiting order, the swaps and the draws: the same seed gives the
        same rows.

    Returns
    -------
    X_new : {ndarray, DataFrame} of shape (n_rows, n_features)
        Synthetic rows of the type of ``X``: an array of its dtype, or a DataFrame
        with its columns, column order and dtypes (and a new ``RangeIndex``). The
        rows of one pair are adjacent.

    See Also
    --------
    perturb : cheaper rows without a neighbour search.
    make_augmented_rows : the resolver the estimators call.

    Notes
    -----
    The paper leaves some details open, or states them for its own data; this
    implementation chooses:

    - **Neighbours.** Found once, on the rows of ``X``. Distance: Euclidean on
      continuous attributes standardised to zero mean and unit variance, plus 1 for
      each nominal attribute on which the rows differ (the paper's rule for nominal
      attributes). NaN attributes are ignored and the sum over the attributes seen
      in both rows is scaled up to all of them, as in
      :func:`~sklearn.metrics.pairwise.nan_euclidean_distances`; a nominal NaN is a
      level of its own. The neighbour is the nearest row whose attributes differ
      from ``e``'s: a duplicate would make the pair's rows copies. A row without
      such a neighbour is copied unchanged.
    - **One pair, two rows.** The paper updates its copy of the training set in
      place, so a row that is the neighbour of several examples is altered several
      times in a pass, by draws that depend on the visiting order. Here every pair
      yields its two rows from the original values, so every attribute of a
      synthetic row is swapped with probability exactly ``p`` and is a value of, or
      a draw around, the pair's rows. One pass over ``n_samples`` examples gives
      ``2 * n_samples`` rows.
    - **Missing values.** A continuous attribute that is NaN in either row of a pair
      is swapped like a nominal one: when swapped, each row takes the other's value
      (NaN included); otherwise it keeps its own.
    - **Types.** Continuous values are clipped to the column's observed range, and
      rounded in integer columns, which keep their dtype (an integer column with NaN
      is read by pandas as float and stays float). Nominal cells are copies of cells
      of the same column, so they hold only values seen there.

    The neighbour search compares every row with every other one, in chunks of
    rows: time grows as ``n_samples ** 2``, memory as ``n_samples``.

    References
    ----------
    C. Bucilă, R. Caruana and A. Niculescu-Mizil, "Model compression", Proceedings
    of the 12th ACM SIGKDD International Conference on Knowledge Discovery and Data
    Mining (KDD), 2006: the MUNGE algorithm.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import munge
    >>> X = np.array([[0.0, 10], [0.1, 11], [5.0, 50], [5.2, 52]])
    >>> rows = munge(X, 8, random_state=0)
    >>> rows.shape
    (8, 2)
    >>> bool(((rows >= X.min(axis=0)) & (rows <= X.max(axis=0))).all())
    True
    """
    rng = check_random_state(random_state)
    table = _table(X, categorical, "munge")
    neighbour = _nearest_distinct_neighbours(table)
    n_pairs = -(-n_rows // 2)
    base = _visits(table.n_samples, n_pairs, rng)
    partner = neighbour[base]
    swap = rng.random_sample((n_pairs, table.n_features)) < p

    swap_c = swap[:, table.continuous_idx]
    a, b = table.values[base], table.values[partner]
    # A NaN spread (an attribute missing in either row) makes the swap a plain exchange.
    spread = np.nan_to_num(np.abs(a - b) / s, nan=0.0)
    z = rng.standard_normal((2, n_pairs, table.continuous_idx.size))
    values_e = np.where(swap_c, b + spread * z[0], a)
    values_f = np.where(swap_c, a + spread * z[1], b)

    swap_n = swap[:, table.nominal_idx]
    base_, partner_ = base[:, np.newaxis], partner[:, np.newaxis]
    sources_e = np.where(swap_n, partner_, base_)
    sources_f = np.where(swap_n, base_, partner_)

    def interleave(e, f):
        return np.stack([e, f], axis=1).reshape(2 * n_pairs, e.shape[1])[:n_rows]

    return table.build(interleave(values_e, values_f), interleave(sources_e, sources_f))


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "n_rows": [Interval(Integral, 1, None, closed="left")],
        "scale": [Interval(Real, 0, None, closed="left")],
        "p": [Interval(Real, 0, 1, closed="both")],
        "categorical": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def perturb(X, n_rows, *, scale=0.1, p=0.1, categorical=None, random_state=None):
    """Synthetic rows made by perturbing real rows cell by cell.

    Each synthetic row starts as a row of ``X`` (passes over the data, each in a new
    random order, so every row is used equally often); then each cell, with
    probability ``p``, is perturbed: a continuous value gets Gaussian noise of
    standard deviation ``scale`` times its column's standard deviation, a nominal
    value is replaced by a draw from its column's empirical distribution (the value
    of a random row). No neighbour search: time and memory grow as ``n_rows``.

    This is the simpler generator of AutoGluon's distillation (``"spunge"``), whose
    defaults (``frac_perturb=0.1``, ``continuous_feature_noise=0.1``) are the ones
    here; AutoGluon also replaces some continuous values by draws from the column.

    Parameters
    ----------
    X : {ndarray, DataFrame} of shape (n_samples, n_features)
        The real rows, as for :func:`munge`. A sparse matrix is refused: the
        synthetic rows are dense.
    n_rows : int
        Number of synthetic rows to return.
    scale : float >= 0, default=0.1
        Noise of a perturbed continuous value, in units of its column's standard
        deviation (computed without the NaN cells).
    p : float in [0, 1], default=0.1
        Probability that a cell is perturbed. ``0`` returns copies of real rows.
    categorical : array-like of bool, int or str, default=None
        Nominal columns, as for :func:`munge`.
    random_state : int, RandomState instance or None, default=None
        Seed: the same seed gives the same rows.

    Returns
    -------
    X_new : {ndarray, DataFrame} of shape (n_rows, n_features)
        Synthetic rows of the type, columns and dtypes of ``X``. Continuous values are
        clipped to the column's observed range and rounded in integer columns; a NaN
        continuous cell stays NaN; nominal cells hold only values of their column
        (NaN is drawn as often as it occurs).

    See Also
    --------
    munge : rows mixed from nearest neighbours.

    Examples
    --------
    >>> import pandas as pd
    >>> from skdistill.augment import perturb
    >>> X = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "rooms": [1, 2, 2, 3],
    ...                   "town": ["a", "b", "a", "c"]})
    >>> rows = perturb(X, 6, p=0.5, random_state=0)
    >>> rows.shape, rows.dtypes.equals(X.dtypes)
    ((6, 3), True)
    >>> set(rows["town"]) <= {"a", "b", "c"}
    True
    """
    rng = check_random_state(random_state)
    table = _table(X, categorical, "perturb")
    base = _visits(table.n_samples, n_rows, rng)
    change = rng.random_sample((n_rows, table.n_features)) < p

    _, std = table.moments()
    noise = rng.standard_normal((n_rows, table.continuous_idx.size)) * (scale * std)
    new_values = table.values[base] + np.where(change[:, table.continuous_idx], noise, 0.0)

    draws = rng.randint(table.n_samples, size=(n_rows, table.nominal_idx.size))
    sources = np.where(change[:, table.nominal_idx], draws, base[:, np.newaxis])
    return table.build(new_values, sources)


_GENERATORS = {"munge": munge, "perturb": perturb}


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "method": [StrOptions(set(_GENERATORS)), None],
        "size": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_augmented_rows(X, method, size, random_state=None, **params):
    """Synthetic rows for the teacher to label, or None: the estimators' one call.

    Parameters
    ----------
    X : {ndarray, DataFrame} of shape (n_samples, n_features)
        The real rows.
    method : {"munge", "perturb"} or None
        The generator: :func:`munge` or :func:`perturb`; ``None`` makes no rows.
    size : float > 0
        Number of rows as a multiple of ``n_samples``: ``round(size * n_samples)``
        rows, at least one.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.
    **params : dict
        Further keyword arguments of the generator (``p``, ``s``, ``scale``,
        ``categorical``).

    Returns
    -------
    X_new : {ndarray, DataFrame} of shape (n_rows, n_features) or None
        The synthetic rows, of the type of ``X``; ``None`` if ``method`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import make_augmented_rows
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> make_augmented_rows(X, "munge", 2.5, random_state=0).shape
    (25, 2)
    >>> make_augmented_rows(X, None, 2.5) is None
    True
    """
    if method is None:
        return None
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    n_rows = max(1, int(round(size * n_samples)))
    return _GENERATORS[method](X, n_rows, random_state=random_state, **params)
