"""Inputs shared by the metrics: probability matrices, and the column of every label.

The calibration metrics, the teacher diagnostics and the ranking scorers all read
labels against the columns of a matrix (class-probabilities or label scores); this
module is the one place that maps them, and the one place that reads a 1-D probability
vector as a binary problem.
"""

import numpy as np
from sklearn.utils.validation import column_or_1d

from ._validation import check_probabilities


def as_proba(proba, name="proba"):
    """Probabilities as a checked (n_samples, n_classes) matrix (1-D: binary positive class)."""
    P = np.asarray(proba)
    if P.ndim == 1:
        P = np.asarray(P, dtype=np.float64)
        P = np.column_stack([1.0 - P, P])
    return check_probabilities(P, name=name)


def label_indices(y_true, P, labels):
    """Column of ``P`` of every label in ``y_true``; ``labels`` gives every column's label."""
    y_true = column_or_1d(y_true)
    if y_true.shape[0] != P.shape[0]:
        raise ValueError(f"y_true has {y_true.shape[0]} samples but proba has {P.shape[0]}.")
    source = "in y_true" if labels is None else "in labels"
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    if len(labels) != P.shape[1]:
        raise ValueError(
            f"proba has {P.shape[1]} columns but there are {len(labels)} labels "
            f"{source}; pass labels=[...] giving the "
            "class of every column, e.g. labels=estimator.classes_."
        )
    order = np.argsort(labels, kind="stable")
    pos = np.searchsorted(labels, y_true, sorter=order)
    pos = np.minimum(pos, len(labels) - 1)
    idx = order[pos]
    unknown = labels[idx] != y_true
    if np.any(unknown):
        raise ValueError(f"y_true has labels {np.unique(y_true[unknown]).tolist()} that are not "
                         f"in labels={labels.tolist()}.")
    return idx
