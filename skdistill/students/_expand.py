"""Row expansion: the exact soft-target fit for any classifier taking ``sample_weight``.

Row ``n`` with soft target ``P[n]`` becomes one row ``(x_n, k)`` per class ``k`` with
weight ``w_n * P[n, k]``. For a loss that is a weighted sum over rows,
``sum_n sum_k w_n P[n, k] loss(k, f(x_n)) = sum_n w_n P[n] . loss(f(x_n))``: the
expanded problem *is* the soft-target problem, with the same total weight (so the
same effective regularisation), not an approximation of it.
"""

from __future__ import annotations

import contextlib

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import has_fit_parameter

from ._registry import register_student_adapter


def expand_rows(X, P, classes, sample_weight=None, *, keep_zeros=False):
    """Expand soft-target rows into weighted hard-label rows.

    Parameters
    ----------
    keep_zeros : bool
        False keeps only the pieces with positive weight (cheap with few classes
        per row), plus one zero-weight row for any class with no mass so the
        estimator still learns every class label. True keeps exactly
        ``n_classes`` pieces per row, so count-based settings (``min_samples_leaf``)
        scale by exactly ``n_classes``.

    Returns
    -------
    X_rep, y_rep, w_rep, rows : expanded inputs, labels, weights, and for each
        expanded row the index of its original row.
    """
    n, L = P.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    W = P * w[:, None]
    if keep_zeros:
        rows = np.repeat(np.arange(n), L)
        cols = np.tile(np.arange(L), n)
    else:
        rows, cols = np.nonzero(W > 0)
        absent = np.setdiff1d(np.arange(L), cols)
        rows = np.concatenate([rows, np.zeros(absent.size, dtype=rows.dtype)])
        cols = np.concatenate([cols, absent])
    return _safe_indexing(X, rows), classes[cols], W[rows, cols], rows


def soft_class_weight(class_weight, P, sample_weight=None):
    """Per-class weights for soft targets; ``"balanced"`` uses soft class counts.

    ``"balanced"`` is ``n_total / (n_classes * soft_count_k)`` with
    ``soft_count_k = sum_n w_n P[n, k]``, scikit-learn's formula with the class
    counts replaced by the teacher's probability mass.
    """
    n, L = P.shape
    if class_weight is None:
        return np.ones(L)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight={class_weight!r} is not supported with soft targets; use "
                "None, 'balanced' or a dict."
            )
        w = np.ones(n) if sample_weight is None else sample_weight
        mass = (P * w[:, None]).sum(axis=0)
        with np.errstate(divide="ignore"):
            return np.where(mass > 0, mass.sum() / (L * mass), 0.0)
    return None  # a dict: resolved by the caller against its class labels


def class_weight_vector(class_weight, P, classes, sample_weight=None):
    """Resolve ``class_weight`` (None, 'balanced' or dict) to a vector over ``classes``."""
    cw = soft_class_weight(class_weight, P, sample_weight)
    if cw is None:
        cw = np.array([class_weight.get(c, 1.0) for c in classes.tolist()], dtype=np.float64)
    return cw


def fold_class_weight(P, sample_weight, cw):
    """Fold per-class weights into row weights and targets.

    Piece ``(n, k)`` weighs ``w_n P[n, k] cw_k``; that is row weight
    ``w_n sum_k P[n, k] cw_k`` with target ``P[n, k] cw_k / sum_j P[n, j] cw_j``.
    """
    if np.all(cw == 1.0):
        return P, sample_weight
    w = np.ones(P.shape[0]) if sample_weight is None else sample_weight
    weighted = P * cw[None, :]
    mass = weighted.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P_new = np.where(mass[:, None] > 0, weighted / mass[:, None], P)
    return P_new, w * mass


@contextlib.contextmanager
def temporary_params(estimator, **params):
    """Set parameters for the duration of a fit, then restore the user's values.

    The fitted attributes do not depend on the parameters afterwards, and
    ``get_params`` keeps showing what the user asked for (a clone refits the same).
    """
    old = {k: v for k, v in estimator.get_params(deep=False).items() if k in params}
    estimator.set_params(**params)
    try:
        yield estimator
    finally:
        estimator.set_params(**old)


def _resolved_class_weight(student, P, classes, sample_weight):
    """``class_weight`` as a dict (``'balanced'`` by soft counts), or None if unset."""
    class_weight = student.get_params(deep=False).get("class_weight")
    if class_weight is None:
        return {}
    cw = class_weight_vector(class_weight, P, classes, sample_weight)
    return {"class_weight": dict(zip(classes.tolist(), cw.tolist()))}


def fit_expanded(student, X, P, *, classes, sample_weight, fit_params=None):
    """Fit ``student`` on the row expansion of the soft targets (exact for row-sum losses).

    ``fit_params`` go to the student's ``fit`` as they are (the adapters of families
    that take them fall back to this fit).
    """
    X_rep, y_rep, w_rep, _ = expand_rows(X, P, classes, sample_weight)
    # A dict class_weight already multiplies each expanded piece by cw_k, which is the
    # soft-target meaning; 'balanced' must count soft mass, not expanded pieces.
    with temporary_params(student, **_resolved_class_weight(student, P, classes, sample_weight)):
        student.fit(X_rep, y_rep, sample_weight=w_rep, **(fit_params or {}))
    return student


def _takes_sample_weight(student):
    return hasattr(student, "fit") and has_fit_parameter(student, "sample_weight")


register_student_adapter("any classifier whose fit takes sample_weight (row expansion)",
                         _takes_sample_weight, fit_expanded, first=False)
