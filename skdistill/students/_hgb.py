"""HistGradientBoostingClassifier on soft targets.

Row expansion makes the gradient boosting objective exact: for row ``n`` the expanded
pieces' multinomial gradients and hessians add up to ``w_n (p_n - P[n])`` and
``w_n p_n (1 - p_n)``, the soft cross-entropy's, so every histogram, split and leaf
value is the soft-target one, and so is the baseline prediction. What would still
see the expanded rows is handled here:

- every row is expanded into exactly ``L`` pieces (zero-weight ones included), so
  ``min_samples_leaf`` is multiplied by ``L`` and counts original rows;
- bin thresholds use the weights (scikit-learn >= 1.7 bins with ``sample_weight``, and
  zero-weight pieces are ignored), so they are those of the original rows;
- ``early_stopping="auto"`` is decided on the number of original rows, and the
  validation split is drawn over original rows, then expanded.

Exact up to these limits: the binning subsample (rows beyond 200 000 expanded pieces
are subsampled for binning) and the 10 000-piece subsample used to score training
data when ``validation_fraction=None``.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.utils import _safe_indexing, check_random_state

from ._expand import class_weight_vector, expand_rows, fold_class_weight, temporary_params
from ._registry import register_student_adapter


def fit_hist_gradient_boosting(student, X, P, *, classes, sample_weight):
    """Fit a ``HistGradientBoostingClassifier`` on soft targets (see module docstring)."""
    params = student.get_params(deep=False)
    L = len(classes)
    cw = class_weight_vector(params["class_weight"], P, classes, sample_weight)
    P, sample_weight = fold_class_weight(P, sample_weight, cw)

    n = P.shape[0]
    early_stopping = params["early_stopping"]
    if early_stopping == "auto":
        early_stopping = n > 10_000
    fit_params = {}
    train = np.arange(n)
    if early_stopping and params["validation_fraction"] is not None:
        rng = check_random_state(params["random_state"])
        stratify = P.argmax(axis=1)
        if np.bincount(stratify).min(initial=n) < 2:
            stratify = None
        train, val = train_test_split(
            train, test_size=params["validation_fraction"], stratify=stratify,
            random_state=rng.randint(np.iinfo(np.int32).max),
        )
        w_val = None if sample_weight is None else sample_weight[val]
        X_val, y_val, sw_val, _ = expand_rows(_safe_indexing(X, val), P[val], classes, w_val)
        fit_params = {"X_val": X_val, "y_val": y_val, "sample_weight_val": sw_val}

    w_train = None if sample_weight is None else sample_weight[train]
    X_rep, y_rep, w_rep, _ = expand_rows(
        _safe_indexing(X, train), P[train], classes, w_train, keep_zeros=True
    )
    with temporary_params(
        student,
        class_weight=None,
        early_stopping=bool(early_stopping),
        min_samples_leaf=params["min_samples_leaf"] * L,
    ):
        student.fit(X_rep, y_rep, sample_weight=w_rep, **fit_params)
    return student


register_student_adapter(
    "HistGradientBoostingClassifier",
    lambda est: isinstance(est, HistGradientBoostingClassifier),
    fit_hist_gradient_boosting,
)
