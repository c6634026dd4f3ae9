"""Validation shared by every step: probabilities, predictions, row weights, classes, aligned
columns.

Every place that receives class-probabilities (a teacher's output, the user's soft
targets, a network's ``predict_proba``, a metric's input) checks them with
:func:`check_probabilities`; every place that receives a regression teacher's
predictions checks them against the targets with :func:`check_predictions`; every place
that receives row weights checks them with :func:`check_sample_weight`; every place
that learns the classes of a problem gets them from :func:`resolve_classes` (or, given
only a list of labels, :func:`check_classes`); and every place that receives a model's
columns in the order of the model's own ``classes_`` puts them in the order of the
problem's classes with :func:`align_columns`.
One wording of each error, one tolerance rule.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils import check_array, get_tags
from sklearn.utils.validation import _check_feature_names, _check_n_features, check_is_fitted

_DEFAULT_HINT = (
    "If they are logits or scores, apply a softmax first; if they are unnormalised "
    "weights, divide each row by its sum."
)


def check_probabilities(
    P, *, n_samples=None, n_classes=None, name="P", atol=1e-6, min_classes=1, hint=None,
    renormalize=False,
):
    """Validate a matrix whose rows are class-probability vectors.

    Rows must be finite, non-negative (up to ``-atol``) and sum to one within
    ``atol * max(1, n_classes)``.

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
        The matrix to check.
    n_samples : int, default=None
        Expected number of rows (the rows of ``X``), if known.
    n_classes : int, default=None
        Expected number of columns (one per class of ``classes_``), if known.
    name : str, default="P"
        How the error messages name the matrix (e.g. ``"teacher.predict_proba"``).
    atol : float, default=1e-6
        Tolerance of the row sums (scaled by the number of columns) and of negative
        entries; a float32 source wants a looser one.
    min_classes : int, default=1
        Fewest columns allowed.
    hint : str, default=None
        What to do when the rows are not probabilities; a general hint by default.
    renormalize : bool, default=False
        Divide every row by its sum after clipping (for float32 sources whose rows sum
        to one only up to round-off).

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes), float64
        Negative round-off clipped to zero.

    Examples
    --------
    >>> from skdistill._validation import check_probabilities
    >>> check_probabilities([[0.25, 0.75]]).tolist()
    [[0.25, 0.75]]
    >>> check_probabilities([[0.5, 0.6]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: P has rows that do not sum to 1 (row 0 sums to 1.1; ...
    """
    try:
        P = np.asarray(P, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array of class-probabilities ({exc}).") from exc
    if P.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_classes); got shape {P.shape}."
        )
    if n_samples is not None and P.shape[0] != n_samples:
        raise ValueError(f"{name} has {P.shape[0]} rows but X has {n_samples}.")
    if n_classes is not None and P.shape[1] != n_classes:
        raise ValueError(
            f"{name} must have shape (n_samples, n_classes) = ({P.shape[0]}, {n_classes}), "
            f"one column per class in classes_; got shape {P.shape}."
        )
    if P.shape[1] < min_classes:
        raise ValueError(
            f"{name} needs at least {min_classes} columns (classes); got {P.shape[1]}."
        )
    if not np.all(np.isfinite(P)):
        raise ValueError(f"{name} contains NaN or infinity; class-probabilities must be finite.")
    hint = _DEFAULT_HINT if hint is None else hint
    if P.size and P.min() < -atol:
        raise ValueError(
            f"{name} has negative entries (the smallest is {P.min():.4g}): these are not "
            f"probabilities, whose rows are non-negative and sum to 1. {hint}"
        )
    sums = P.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > atol * max(1, P.shape[1]))
    if bad.size:
        raise ValueError(
            f"{name} has rows that do not sum to 1 (row {bad[0]} sums to {sums[bad[0]]:.6g}; "
            f"row sums range over [{sums.min():.4g}, {sums.max():.4g}]): these are not "
            f"probabilities. {hint}"
        )
    P = np.clip(P, 0.0, None)
    if renormalize:
        P /= P.sum(axis=1, keepdims=True)
    return P


def check_predictions(predictions, *, n_samples, n_outputs=None, name="the predictions"):
    """Validate real-valued predictions of a regression target.

    They must be numeric and finite, one row per sample and one column per output. A
    model's own shape convention is reconciled with the target's: a single column
    ``(n_samples, 1)`` (a skorch net's ``predict``) predicts a 1-D target and is
    flattened, and a 1-D prediction of a one-column target becomes that column.

    Parameters
    ----------
    predictions : array-like
        The predictions to check.
    n_samples : int
        The number of rows predicted.
    n_outputs : int or None, default=None
        The target's columns: None for a 1-D target of shape ``(n_samples,)``, an int
        for a 2-D target of shape ``(n_samples, n_outputs)``.
    name : str, default="the predictions"
        How the error messages name the predictions.

    Returns
    -------
    predictions : ndarray of shape (n_samples,) or (n_samples, n_outputs), float64

    Examples
    --------
    >>> from skdistill._validation import check_predictions
    >>> check_predictions([[1.5], [2.0]], n_samples=2).tolist()
    [1.5, 2.0]
    >>> check_predictions([1.0, 2.0], n_samples=2, n_outputs=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the predictions must have shape (n_samples, n_outputs) = (2, 3), ...
    """
    try:
        predictions = np.asarray(predictions, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric predictions ({exc}).") from exc
    if n_outputs is None and predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions[:, 0]
    elif n_outputs == 1 and predictions.ndim == 1:
        predictions = predictions[:, None]
    shape = (n_samples,) if n_outputs is None else (n_samples, n_outputs)
    if predictions.shape != shape:
        what = "(n_samples,)" if n_outputs is None else "(n_samples, n_outputs)"
        raise ValueError(
            f"{name} must have shape {what} = {shape}, one row per sample and one column "
            f"per output of y; got shape {predictions.shape}."
        )
    if not np.all(np.isfinite(predictions)):
        raise ValueError(f"{name} contain NaN or infinity; predictions must be finite.")
    return predictions


def align_columns(P, own_classes, classes, *, name="the teacher", where="classes_", hint="",
                  fill=0.0):
    """Put the columns of ``P``, one per class of ``own_classes``, in the order of ``classes``.

    A class of ``classes`` that ``own_classes`` lacks gets a column of zeros (a model
    that never saw a class gives it probability zero); a class of ``own_classes`` that
    is not in ``classes`` is an error.

    Parameters
    ----------
    P : ndarray of shape (n_samples, len(own_classes))
    own_classes : array-like
        The model's ``classes_``.
    classes : array-like
        The problem's classes (the order of the result's columns).
    name : str, default="the teacher"
        Who predicts, for the error message.
    where : str, default="classes_"
        Where ``classes`` come from, for the error message (e.g. ``"y"``).
    hint : str, default=""
        What to do about unknown classes, appended to the error message.
    fill : float, default=0.0
        The value of the columns of classes ``own_classes`` lacks (0 for
        probabilities, ``-inf`` for scores).

    Returns
    -------
    ndarray of shape (n_samples, len(classes))

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._validation import align_columns
    >>> align_columns(np.array([[0.3, 0.7]]), ["b", "c"], ["a", "b", "c"]).tolist()
    [[0.0, 0.3, 0.7]]
    """
    own_classes, classes = np.asarray(own_classes), np.asarray(classes)
    if own_classes.shape == classes.shape and np.array_equal(own_classes, classes):
        return P
    unknown = np.setdiff1d(own_classes, classes)
    if unknown.size:
        raise ValueError(
            f"{name} predicts classes {unknown.tolist()} that are not in {where} (classes "
            f"{classes.tolist()}).{' ' + hint if hint else ''}"
        )
    order = np.argsort(classes, kind="stable")
    columns = order[np.searchsorted(classes, own_classes, sorter=order)]
    dtype = P.dtype if np.issubdtype(P.dtype, np.floating) else np.float64
    out = np.full((P.shape[0], len(classes)), fill, dtype=dtype)
    out[:, columns] = P
    return out


def check_sample_weight(sample_weight, n_samples, *, name="sample_weight"):
    """Validate row weights: one finite, non-negative weight per row, with a positive sum.

    The sum must be finite too: weights whose sum overflows float64 cannot be
    normalised, and rescaling them is not neutral wherever a penalty is weighed against
    the total weight (``LogisticRegression``'s objective depends on ``C`` times the
    sum of the weights), so they are refused rather than silently rescaled.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        The weights; a number gives every row that weight; None means unweighted.
    n_samples : int
        The number of rows of ``X``.
    name : str, default="sample_weight"
        How the error messages name the weights.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,), float64, or None
        None when ``sample_weight`` is None.

    Examples
    --------
    >>> from skdistill._validation import check_sample_weight
    >>> check_sample_weight([1, 2, 0], 3).tolist()
    [1.0, 2.0, 0.0]
    >>> check_sample_weight([1e308, 1e308], 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: sample_weight sums to more than float64 can hold ...
    """
    if sample_weight is None:
        return None
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric row weights ({exc}).") from exc
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one weight per row of X; got shape {w.shape}.")
    if w.shape[0] != n_samples:
        raise ValueError(f"{name} has {w.shape[0]} entries but X has {n_samples} rows.")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or infinity; row weights must be finite.")
    if w.size and w.min() < 0:
        raise ValueError(
            f"Negative values in {name} (the smallest is {w.min():.4g}): row weights must be "
            "non-negative."
        )
    with np.errstate(over="ignore"):
        total = w.sum()
    if not np.isfinite(total):
        raise ValueError(
            f"{name} sums to more than float64 can hold (its largest entry is {w.max():.4g}). "
            f"Divide {name} by a constant; where a penalty is weighed against the total "
            "weight, divide its strength by the same constant to keep the same fit (for "
            "LogisticRegression, multiply C by it)."
        )
    if not total > 0:
        raise ValueError(
            f"{name} gives every row weight zero, so the fit has no weight at all; give "
            "some rows a non-zero weight."
        )
    return w


def _label_kinds(values):
    """The kinds of label in ``values``: "string", "number" or another type's name."""
    values = np.asarray(values) if isinstance(values, np.ndarray) else np.asarray(
        values, dtype=object)
    if values.dtype != object:
        if values.dtype.kind in "US":
            return {"string"}
        return {"number"} if values.dtype.kind in "biufc" else {str(values.dtype)}
    kinds = set()
    for kind in set(map(type, values.ravel())):
        if issubclass(kind, (str, bytes)):
            kinds.add("string")
        elif issubclass(kind, numbers.Number):
            kinds.add("number")
        else:
            kinds.add(kind.__name__)
    return kinds


def _one_kind(values, name):
    """The one kind of label in ``values``; a ValueError if they mix kinds."""
    kinds = _label_kinds(values)
    if len(kinds) > 1:
        raise ValueError(
            f"{name} mixes label types ({' and '.join(sorted(kinds))}): labels must be all "
            "strings or all numbers, as scikit-learn's classifiers require (they refuse a "
            "mix of label input types). Convert them to one type."
        )
    return next(iter(kinds), None)


def _check_discrete(classes, name):
    if classes.dtype.kind == "f" and not np.all(np.isfinite(classes) & (classes % 1 == 0)):
        raise ValueError(
            f"{name} holds non-integer numbers {classes.tolist()}: class labels must be "
            "discrete (strings or integers), as for scikit-learn's classifiers, which "
            "refuse continuous labels."
        )


def check_classes(classes, *, name="classes"):
    """Validate a list of class labels: 1-D, all of one type, discrete, no duplicates.

    Parameters
    ----------
    classes : array-like of shape (n_classes,)
    name : str, default="classes"
        How the error messages name the labels.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        In the given order.

    Examples
    --------
    >>> from skdistill._validation import check_classes
    >>> check_classes(["b", "a"]).tolist()
    ['b', 'a']
    >>> check_classes(["a", 1, 2])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: classes mixes label types (number and string): ...
    """
    kind = _one_kind(classes, name)
    classes = np.asarray(classes)
    if classes.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one label per class; got shape {classes.shape}.")
    if kind == "number":
        _check_discrete(classes, name)
    if np.unique(classes).size != classes.size:
        raise ValueError(f"{name} must not contain duplicate labels.")
    return classes


def resolve_classes(y, classes=None, *, name="classes"):
    """The sorted classes of a problem: those of its labelled ``y``, or the ones given.

    Parameters
    ----------
    y : array-like of shape (n_labelled,)
        The labels of the labelled rows (possibly none when ``classes`` is given).
    classes : array-like of shape (n_classes,), default=None
        The classes, if the user gave them (checked by :func:`check_classes`); every
        label of ``y`` must be one of them. None takes the labels found in ``y``.
    name : str, default="classes"
        How the error messages name the user's classes.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted as :func:`numpy.unique` sorts, at least two of them.

    Examples
    --------
    >>> from skdistill._validation import resolve_classes
    >>> resolve_classes(["b", "a", "b"]).tolist()
    ['a', 'b']
    >>> resolve_classes([0, 1], classes=[2, 1, 0]).tolist()
    [0, 1, 2]
    """
    y_kind = _one_kind(y, "y")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, one label per row; got shape {y.shape}.")
    if classes is None:
        resolved = np.unique(y)
        if y_kind == "number":
            _check_discrete(resolved, "y")
    else:
        given = check_classes(classes, name=name)
        given_kind = _one_kind(given, name)
        if y.size and given.size and y_kind != given_kind:
            raise ValueError(
                f"y holds {y_kind} labels but {name} holds {given_kind} labels; give "
                f"{name} as labels of the same type as y."
            )
        resolved = np.unique(given)
        unknown = np.setdiff1d(y, resolved) if y.size else y
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in {name}="
                f"{resolved.tolist()}; add them to {name}."
            )
    if len(resolved) < 2:
        where = "y must contain at least 2 classes among its labelled rows" if (
            classes is None) else f"{name} must hold at least 2 classes"
        raise ValueError(
            f"{where}; got {resolved.tolist()}. A classifier needs at least two classes to "
            "tell apart."
        )
    return resolved


def estimator_type(estimator):
    """scikit-learn's kind of ``estimator`` ("classifier", "regressor", ...), or None.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> estimator_type(Ridge())
    'regressor'
    """
    try:
        return get_tags(estimator).estimator_type
    except AttributeError:  # not a scikit-learn estimator: no kind declared
        return getattr(estimator, "_estimator_type", None)


def check_predict_input(estimator, X):
    """``X`` for a fitted meta-estimator's prediction: as given (:func:`as_given`), its
    feature names and number checked against the fit; its student checks the rest.

    ``validate_data(skip_check_array=True)`` makes the same two checks, but also reads
    the estimator's tags twice, which costs more than a small student's own prediction
    of a row.
    """
    if not hasattr(estimator, "student_"):
        check_is_fitted(estimator)  # scikit-learn's NotFittedError
    X = as_given(X)
    if hasattr(estimator, "feature_names_in_") or hasattr(X, "columns"):
        _check_feature_names(estimator, X, reset=False)
    _check_n_features(estimator, X, reset=False)
    return X


def as_given(X):
    """``X`` as the user gave it, as far as the teacher and the student can take it.

    A data frame (pandas, polars: anything with ``__dataframe__``), an array or a list
    passes untouched; a sparse matrix is given CSR or CSC form; any other array-like
    (``__array__``) becomes an array; a 1-D array is refused with scikit-learn's error.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> as_given([[1, "a"], [2, "b"]])
    [[1, 'a'], [2, 'b']]
    >>> as_given(sparse.coo_matrix(np.eye(2))).format
    'csr'
    """
    if sparse.issparse(X):
        return check_array(X, accept_sparse=["csr", "csc"], dtype=None, ensure_all_finite=False)
    if hasattr(X, "__dataframe__"):
        return X
    if isinstance(X, list) or hasattr(X, "__array__"):
        if not isinstance(X, np.ndarray | list):
            X = np.asarray(X)
        if np.ndim(X) != 2:  # scikit-learn's own error: "Expected a 2D array ... Reshape"
            check_array(X, dtype=None, ensure_all_finite=False)
    return X
