r"""XGBoost's ``XGBClassifier`` grown on soft targets by its own boosting loop.

Why the fit is exact
--------------------
XGBoost grows every tree from one gradient and one hessian per row and raw score, and
takes them from a callable objective. The adapter gives it those of the soft
cross-entropy (:mod:`skdistill.students._boosting`) with XGBoost's own conventions:

- more than two classes (``multi:softprob``, ``multi:softmax``, or the default, which
  XGBoost turns into ``multi:softprob``): one tree per class and iteration,
  ``g = w (p - P)``, ``h = 2 w max(p (1 - p), 1e-16)`` (the factor 2 and the floor of
  XGBoost's softmax objective); the intercept (``base_score``) is what XGBoost
  estimates from labels, ``log(m_k + 1e-6)`` centred to sum to zero, for the weighted
  soft class masses ``m``;
- two classes (``binary:logistic``): one tree per iteration, ``g = w (p - P_1)``,
  ``h = w max(p (1 - p), 1e-16)``, the intercept the weighted mean of ``P_1`` (as a
  probability, which XGBoost maps to its log-odds); ``scale_pos_weight`` weighs the
  positive class's share of each row, for which XGBoost's own objective weighs the
  label, and the intercept is then, as in XGBoost, one Newton step from the margin 0.

A ``base_score`` the user set is kept, as XGBoost keeps it. With one-hot targets every
number above is the label fit's, so the trees are the label fit's up to the float32
rounding of the gradients (XGBoost computes its own in float32).

How it is fitted
----------------
The user's estimator runs its own ``fit``, on ``X`` as given (a DataFrame's categorical
columns with ``enable_categorical=True``, as for labels), with for that fit only the soft
cross-entropy as its ``objective`` and the intercept as its ``base_score``, the row
weights as ``sample_weight``, and one label index per row that only declares the
classes (:func:`~skdistill.students._boosting.declared_labels`). XGBoost keeps its
built-in objective (``binary:logistic`` or ``multi:softprob``) in the booster when the
objective is a callable, and the intercept in the model: the fitted estimator, its
parameters the user's again (but for ``objective``, which is, as after XGBoost's own
fit, the multiclass objective it switched to), predicts probabilities as after a label
fit, pickles and clones as usual.

XGBoost's classifier takes only the labels ``0 .. K-1``, and its ``classes_`` are
those: the fitted student's ``predict`` gives the position of the class in ``classes``
(sorted), which :class:`~skdistill.DistilledClassifier` turns into the label (through
this adapter's ``predict``), as a user of XGBoost encodes and decodes labels.

Fit parameters
--------------
``eval_set``, ``sample_weight_eval_set``, ``verbose`` and ``feature_weights`` go to
XGBoost's ``fit``. The evaluation sets keep their hard labels (labels of ``classes``,
encoded here), read as one-hot targets: XGBoost scores them with its own metrics
(``eval_metric``, by default the log-loss), from the probabilities of its built-in
objective, and its early stopping (``early_stopping_rounds``) reads them.

Fallback
--------
Another objective (``binary:logitraw``, ``binary:hinge``, a callable, ...): the exact
row expansion, with a warning saying why.
"""

from __future__ import annotations

import contextlib
import sys
import warnings

import numpy as np
from scipy.special import expit

from ._boosting import (
    SoftCrossEntropy,
    declared_labels,
    eval_sets,
    float32_weights,
    soft_class_mass,
)
from ._expand import fit_expanded, fold_class_weight
from ._registry import register_student_adapter

FIT_PARAMS = ("eval_set", "sample_weight_eval_set", "verbose", "feature_weights")
_MULTICLASS = ("multi:softprob", "multi:softmax")
# XGBoost's floor of p (1 - p) in its hessians, and of the class masses in its intercept.
_MIN_HESSIAN = 1e-16
_RT_EPS = 1e-6
_EXCLUDED_MODULES = ("xgboost.dask", "xgboost.spark")


def is_xgboost_classifier(student):
    """Whether ``student`` is an ``XGBClassifier`` (without importing XGBoost).

    An instance exists only once ``xgboost`` is imported; its Dask and Spark
    estimators, which fit on a cluster, are not ones here.
    """
    xgboost = sys.modules.get("xgboost")
    return (xgboost is not None and isinstance(student, xgboost.XGBClassifier)
            and not type(student).__module__.startswith(_EXCLUDED_MODULES))


def _unsupported(objective, n_classes):
    if objective == "binary:logistic" or (objective in _MULTICLASS and n_classes > 2):
        return None
    return (f"its objective is {objective!r}, not the cross-entropy of {n_classes} classes "
            f"({'binary:logistic' if n_classes == 2 else 'multi:softprob'})")


def _intercept(P, weight, binary, scale_pos_weight):
    """XGBoost's ``base_score`` estimated from labels, computed on soft targets."""
    mass = soft_class_mass(P, weight)
    if binary and abs(scale_pos_weight - 1.0) > _RT_EPS:
        # XGBoost then takes one Newton step from the margin 0 (p = 1/2, p (1 - p) = 1/4).
        return float(expit((mass[1] - 0.5) / 0.25))
    if binary:
        return float(mass[1])
    log_mass = np.log(mass + _RT_EPS)
    return (log_mass - log_mass.mean()).tolist()


def _encode_labels(y, classes, where):
    """Labels of ``classes`` as their positions, the labels XGBoost's classifier takes."""
    y = np.asarray(y)
    index = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    unknown = y[classes[index] != y]
    if unknown.size:
        raise ValueError(
            f"the labels of {where} must be among the classes {classes.tolist()}; got "
            f"{sorted(set(unknown.tolist()))[:5]}."
        )
    return index


@contextlib.contextmanager
def _fit_attributes(student, **params):
    """Set parameters for one fit, then the user's again, as plain attributes.

    Not through ``set_params``, which on a fitted XGBoost estimator also sets them in
    its booster: the fitted booster keeps its own objective and intercept.
    """
    before = {name: getattr(student, name) for name in params}
    for name, value in params.items():
        setattr(student, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(student, name, value)


def _predict_labels(student, X, classes):
    return classes[np.asarray(student.predict(X), dtype=np.intp)]


def fit_xgboost(student, X, P, *, classes, sample_weight, fit_params=None):
    """Fit an ``XGBClassifier`` on soft targets (see the module docstring).

    Grown natively by XGBoost with the soft cross-entropy's gradients; by row
    expansion, with a warning saying why, for another objective.
    """
    fit_params = dict(fit_params or {})
    sets = eval_sets(fit_params)
    if sets:
        fit_params["eval_set"] = [
            (X_eval, _encode_labels(y_eval, classes, f"eval_set[{i}]"))
            for i, (X_eval, y_eval) in enumerate(sets)
        ]
    n, n_classes = P.shape
    params = student.get_params(deep=False)
    reason = _unsupported(params["objective"], n_classes)
    if reason is not None:
        warnings.warn(
            f"XGBClassifier is fitted on soft targets by row expansion ({n_classes} rows per "
            f"row, slower) instead of natively, because {reason}.", UserWarning, stacklevel=3)
        return fit_expanded(student, X, P, classes=np.arange(n_classes),
                            sample_weight=sample_weight, fit_params=fit_params)

    binary = n_classes == 2
    weight = np.ones(n) if sample_weight is None else sample_weight
    scale_pos_weight = float(params.get("scale_pos_weight") or 1.0)
    if binary:
        P, weight = fold_class_weight(P, weight, np.array([1.0, scale_pos_weight]))
    weight32 = float32_weights(weight, n)
    loss = SoftCrossEntropy(P, weight32, binary=binary, min_hessian=_MIN_HESSIAN,
                            hessian_factor=1.0 if binary else 2.0)

    def objective(y_true, y_pred, sample_weight=None):
        return loss.gradients(y_pred)

    temporary = {"objective": objective}
    if params.get("base_score") is None:
        temporary["base_score"] = _intercept(P, weight32, binary, scale_pos_weight)
    with _fit_attributes(student, **temporary):
        student.fit(X, declared_labels(P), sample_weight=weight, **fit_params)
    if not binary and params["objective"] not in _MULTICLASS:
        # What XGBoost's own fit leaves: the multiclass objective it switched to.
        student.objective = "multi:softprob"
    return student


register_student_adapter(
    "XGBClassifier (xgboost)", is_xgboost_classifier, fit_xgboost,
    predict=_predict_labels, fit_params=FIT_PARAMS)
