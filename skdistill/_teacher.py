"""Turning any teacher into an (n_samples, n_classes) probability matrix.

A teacher is a classifier (fitted here, or prefit inside a ``FrozenEstimator``) or a
callable ``X -> probabilities``. Its columns are aligned to the student's classes by
class label, so a teacher that never saw a class gives it probability zero.
"""

from __future__ import annotations

import numbers

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params, has_fit_parameter

from .students._skorch import ends_in_skorch_net, fit_net_teacher, net_proba


def is_callable_teacher(teacher):
    """A plain function (or callable object) that is not an estimator."""
    return callable(teacher) and not hasattr(teacher, "fit")


def check_teacher(teacher):
    """Reject, before any fitting, a teacher that cannot give class-probabilities."""
    if is_callable_teacher(teacher):
        return
    if not hasattr(teacher, "fit"):
        raise TypeError(
            f"teacher must be a classifier, a FrozenEstimator around a fitted one, or a "
            f"callable X -> (n_samples, n_classes) probabilities; got {type(teacher).__name__}."
        )
    if not (hasattr(teacher, "predict_proba") or hasattr(teacher, "decision_function")):
        raise TypeError(
            f"teacher {type(teacher).__name__} has neither predict_proba nor "
            "decision_function, so it gives no class-probabilities to distil. Use a "
            "probabilistic classifier (e.g. SVC(probability=True)) or wrap it in "
            "sklearn.calibration.CalibratedClassifierCV."
        )


def _check_probabilities(P, n_samples, n_classes, what):
    P = np.asarray(P, dtype=np.float64)
    if P.ndim != 2 or P.shape != (n_samples, n_classes):
        raise ValueError(
            f"{what} must return an array of shape (n_samples, n_classes) = "
            f"({n_samples}, {n_classes}), one column per class in classes_; got shape {P.shape}."
        )
    if not np.all(np.isfinite(P)):
        raise ValueError(f"{what} returned NaN or infinite values.")
    sums = P.sum(axis=1)
    if np.any(P < -1e-8) or np.any(np.abs(sums - 1.0) > 1e-6 * max(1, n_classes)):
        raise ValueError(
            f"{what} did not return probabilities: rows must be non-negative and sum to 1 "
            f"(row sums range over [{sums.min():.4g}, {sums.max():.4g}]). If these are "
            "logits or scores, apply a softmax first."
        )
    return np.clip(P, 0.0, None)


def unfrozen(teacher):
    return teacher.estimator if isinstance(teacher, FrozenEstimator) else teacher


def fit_teacher(teacher, X, y, **fit_params):
    """Fit a teacher on labels; a skorch net goes through its soft-target adapter,
    which handles skorch's traps (real classes, float32, logits under NLLLoss)."""
    if ends_in_skorch_net(teacher):
        return fit_net_teacher(teacher, X, y, **fit_params)
    return teacher.fit(X, y, **fit_params)


def _raw_probabilities(teacher, X):
    """Class-probabilities over the teacher's own ``classes_``."""
    if ends_in_skorch_net(unfrozen(teacher)):
        # float32 input, batches, and a net-specific error for logits.
        return net_proba(unfrozen(teacher), X), "teacher net predict_proba"
    if hasattr(teacher, "predict_proba"):
        return np.asarray(teacher.predict_proba(X), dtype=np.float64), "teacher.predict_proba"
    # Scores are not calibrated probabilities; a softmax is the conventional reading.
    scores = np.asarray(teacher.decision_function(X), dtype=np.float64)
    if scores.ndim == 1:
        p = expit(scores)
        return np.column_stack([1.0 - p, p]), "softmax of teacher.decision_function"
    return softmax(scores, axis=1), "softmax of teacher.decision_function"


def teacher_proba(teacher, X, classes):
    """Probabilities of a fitted teacher on ``X``, columns aligned to ``classes``.

    Parameters
    ----------
    teacher : fitted classifier or callable
    X : array-like of shape (n_samples, n_features)
    classes : ndarray of shape (n_classes,)
        Sorted class labels of the student.

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes)
    """
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    if is_callable_teacher(teacher):
        return _check_probabilities(teacher(X), n_samples, len(classes), "the teacher callable")
    raw, what = _raw_probabilities(teacher, X)
    teacher_classes = np.asarray(teacher.classes_)
    raw = _check_probabilities(raw, n_samples, len(teacher_classes), what)
    if len(teacher_classes) == len(classes) and np.array_equal(teacher_classes, classes):
        return raw
    unknown = np.setdiff1d(teacher_classes, classes)
    if unknown.size:
        raise ValueError(
            f"the teacher predicts classes {unknown.tolist()} that are not in y (classes "
            f"{classes.tolist()}). A prefit teacher must have been trained on a subset of "
            "the classes of y; if y's sample merely misses some classes, list every class "
            "with DistilledClassifier(classes=[...])."
        )
    P = np.zeros((n_samples, len(classes)))
    P[:, np.searchsorted(classes, teacher_classes)] = raw
    return P


def _fit_predict(teacher, X, y, train, test, classes, fit_params):
    fit_params = _check_method_params(X, fit_params, train)
    fit_teacher(teacher, _safe_indexing(X, train), _safe_indexing(y, train), **fit_params)
    return test, teacher_proba(teacher, _safe_indexing(X, test), classes)


def out_of_fold_proba(teacher, X, y, classes, cv, *, n_jobs=None, fit_params=None):
    """Teacher probabilities for each row from a teacher that did not see it.

    Like ``cross_val_predict(method="predict_proba")``: the folds of ``cv`` must
    partition the rows; clones of ``teacher`` are fitted in parallel through joblib.
    """
    n_samples = X.shape[0]
    if isinstance(cv, numbers.Integral) and n_samples < cv:
        raise ValueError(
            f"teacher_cv={cv} needs at least {cv} labelled rows; got {n_samples}. "
            "Lower teacher_cv or set teacher_cv=None."
        )
    splitter = check_cv(cv, y, classifier=True)
    try:
        splits = list(splitter.split(X, y))
    except ValueError as exc:
        raise ValueError(f"teacher_cv={cv!r} cannot split the labelled rows: {exc}") from exc
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(clone(teacher), X, y, train, test, classes, fit_params or {})
        for train, test in splits
    )
    P = np.full((n_samples, len(classes)), np.nan)
    seen = np.zeros(n_samples, dtype=int)
    for test, proba in results:
        P[test] = proba
        seen[test] += 1
    if np.any(seen != 1):
        raise ValueError(
            "teacher_cv must partition the labelled rows (every row in exactly one test "
            "fold), as cross_val_predict requires; use KFold/StratifiedKFold-like splitters."
        )
    return P


def is_frozen(teacher):
    return isinstance(teacher, FrozenEstimator)


def accepts_sample_weight(teacher):
    """Whether the teacher's fit takes ``sample_weight`` (skorch nets do, through skdistill)."""
    return ends_in_skorch_net(teacher) or has_fit_parameter(teacher, "sample_weight")
