"""Validation shared by every step: probability matrices, and columns aligned to classes.

Every place that receives class-probabilities (a teacher's output, the user's soft
targets, a network's ``predict_proba``, a metric's input) checks them with
:func:`check_probabilities`, and every place that receives a model's columns in the
order of the model's own ``classes_`` puts them in the order of the problem's classes
with :func:`align_columns`. One wording of each error, one tolerance rule.
"""

from __future__ import annotations

import numpy as np

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
