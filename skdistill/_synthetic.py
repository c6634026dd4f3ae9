"""Synthetic rows in a fit: made from the labelled rows, labelled by the teacher, appended.

Both estimators call :func:`append_synthetic_rows` after their teacher step when
``augment`` is set; the rows come from :mod:`skdistill.augment` and take the teacher's
outputs (probabilities, or predictions), never labels, as unlabelled rows do.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from .augment import make_augmented_rows


def concatenate_rows(X, X_new):
    """The rows of ``X`` followed by those of ``X_new``, of the type of ``X``.

    Examples
    --------
    >>> concatenate_rows([[1, 2]], [[3, 4]])
    [[1, 2], [3, 4]]
    """
    if hasattr(X, "iloc"):
        import pandas as pd

        return pd.concat([X, X_new], ignore_index=True)
    if isinstance(X, list):
        return X + list(X_new)
    return np.concatenate([np.asarray(X), np.asarray(X_new)], axis=0)


def append_synthetic_rows(X, labelled, sample_weight, *, method, size, random_state,
                          teacher_outputs=None):
    """``X`` with synthetic rows appended, the teacher's outputs on them, the weights extended.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_samples, n_features)
    labelled : ndarray of bool of shape (n_samples,)
        The rows the synthetic ones are made from.
    sample_weight : ndarray of shape (n_samples,) or None
        Extended with the mean weight of the labelled rows for each synthetic row, so that
        the synthetic rows weigh, together, ``size`` times the labelled rows.
    method, size, random_state
        As for :func:`skdistill.augment.make_augmented_rows`.
    teacher_outputs : callable or None
        ``teacher_outputs(X_new) -> outputs``; None when the teacher labels the rows
        later, batch by batch.

    Returns
    -------
    X_all, outputs, sample_weight, n_new
    """
    X_new = make_augmented_rows(_safe_indexing(X, np.flatnonzero(labelled)), method, size,
                                random_state=random_state)
    n_new = _num_samples(X_new)
    outputs = None if teacher_outputs is None else teacher_outputs(X_new)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        fill = sample_weight[labelled].mean()
        sample_weight = np.concatenate([sample_weight, np.full(n_new, fill)])
    return concatenate_rows(X, X_new), outputs, sample_weight, n_new
