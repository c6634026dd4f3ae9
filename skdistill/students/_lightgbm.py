r"""LightGBM's ``LGBMClassifier`` grown on soft targets by its own boosting loop.

Why the fit is exact
--------------------
LightGBM grows every tree from one gradient and one hessian per row and raw score, and
takes them from a callable objective. The adapter gives it those of the soft
cross-entropy (:mod:`skdistill.students._boosting`) with LightGBM's own conventions:

- more than two classes (``objective="multiclass"``, its alias ``"softmax"``, or the
  default): one tree per class and iteration, ``g = w (p - P)``,
  ``h = K / (K - 1) w p (1 - p)`` (the factor of LightGBM's multiclass objective);
  the start is ``log max(m_k, 1e-15)`` for the weighted soft class masses ``m``, what
  LightGBM's objective starts from with one-hot targets;
- two classes (``objective="binary"`` or the default): one tree per iteration on
  ``p = sigmoid(s F)`` with LightGBM's ``sigmoid`` parameter ``s``,
  ``g = s w (p - P_1)``, ``h = s^2 w p (1 - p)``, starting from the log-odds of
  ``m_1`` (clipped to ``[1e-15, 1 - 1e-15]``). ``scale_pos_weight`` and
  ``is_unbalance`` weigh the two classes' gradients as LightGBM's binary objective
  does, its start excepted (``is_unbalance`` from the soft class counts);
- ``boost_from_average=False`` starts from zero, as LightGBM does;
- ``class_weight`` weighs the soft targets as it weighs labels (``"balanced"`` by
  the soft class masses; see :func:`~skdistill.students._expand.fold_class_weight`).

With one-hot targets every number above is the label fit's, and LightGBM holds row
weights as float32, which the objective uses too: the trees are the label fit's to the
last bit (the tests compare the predictions).

How it is fitted
----------------
The user's estimator runs its own ``fit``, on ``X`` as given (a DataFrame keeps its
categorical columns, ``categorical_feature="auto"``), with for that fit only the soft
cross-entropy as its ``objective``, ``class_weight=None`` (folded into the targets),
the start as ``init_score``, and one label per row that only declares the classes
(:func:`~skdistill.students._boosting.declared_labels`). LightGBM then leaves the start
outside the model and a booster without an objective, which predicts raw scores. So
the adapter makes the model what a label fit gives: the start is added to the leaves
of the first iteration's trees (where LightGBM's own objectives put it), and the
booster is rebuilt from its model text with the built-in objective's line, so that it
predicts probabilities; the estimator's ``objective_`` is that objective's name and its
parameters are the user's. The result is an ordinary fitted ``LGBMClassifier``,
``classes_`` the real classes, which pickles, clones and predicts as usual.

Fit parameters
--------------
``eval_set`` (or ``eval_X`` / ``eval_y``), ``eval_names``, ``eval_sample_weight``,
``categorical_feature``, ``feature_name`` and ``callbacks`` go to LightGBM's ``fit``.
The evaluation sets keep their hard labels, read as one-hot targets: they are scored
by ``multi_logloss`` (``binary_logloss``), computed by the adapter from the
probabilities (the soft cross-entropy of one-hot targets is the log-loss), and their
scores start from the same ``init_score``. LightGBM's built-in metrics are off for
the fit (``metric="None"``, then the user's setting again): with a callable objective
LightGBM computes them on raw scores. Early-stopping callbacks read the adapter's
metric, and the booster keeps its best iteration.

Fallback
--------
An objective other than the two above (or set through an alias such as ``loss``),
``boosting_type="rf"`` (LightGBM refuses a callable objective there), or a LightGBM
whose estimator lacks the attributes the adapter sets (``_Booster``, ``_objective``,
``_other_params``): the exact row expansion, with a warning saying why.
"""

from __future__ import annotations

import contextlib
import sys
import warnings

import numpy as np

from ._boosting import (
    SoftCrossEntropy,
    declared_labels,
    eval_sets,
    float32_weights,
    num_rows,
    soft_class_mass,
)
from ._expand import class_weight_vector, fit_expanded, fold_class_weight
from ._registry import register_student_adapter

FIT_PARAMS = ("eval_set", "eval_X", "eval_y", "eval_names", "eval_sample_weight",
              "categorical_feature", "feature_name", "callbacks")
_MULTICLASS = ("multiclass", "softmax")
_OBJECTIVE_ALIASES = ("objective_type", "app", "application", "loss")
_IS_UNBALANCE = ("is_unbalance", "unbalance", "unbalanced_sets")
_INTERNALS = ("_Booster", "_objective", "_other_params")
# LightGBM clips probabilities to [1e-15, 1 - 1e-15] where it takes their log.
_EPS = 1e-15


def is_lightgbm_classifier(student):
    """Whether ``student`` is an ``LGBMClassifier`` (without importing LightGBM).

    An instance exists only once ``lightgbm`` is imported; its Dask estimator, which
    fits on a cluster, is not one here.
    """
    lightgbm = sys.modules.get("lightgbm")
    return (lightgbm is not None and isinstance(student, lightgbm.LGBMClassifier)
            and not type(student).__module__.startswith("lightgbm.dask"))


def _objective(params, n_classes):
    """``(objective name, None)`` for a native fit, or ``(None, why not)``."""
    aliases = [alias for alias in _OBJECTIVE_ALIASES if alias in params]
    if aliases:
        return None, f"its objective is set through {aliases[0]!r}"
    objective = params["objective"]
    if objective is None:
        return ("multiclass" if n_classes > 2 else "binary"), None
    if (objective in _MULTICLASS and n_classes > 2) or (objective == "binary"
                                                        and n_classes == 2):
        return objective, None
    return None, (f"its objective is {objective!r}, not the cross-entropy of "
                  f"{n_classes} classes ('binary' or 'multiclass')")


def _unsupported(student, params):
    if params.get("boosting_type") == "rf" or params.get("boosting") in ("rf", "random_forest"):
        return "boosting_type='rf' takes no custom objective in LightGBM"
    missing = [name for name in _INTERNALS if name not in vars(student)]
    if missing:
        return f"this LightGBM's estimator has no attribute {missing[0]}"
    return None


def _binary_label_weights(params, P):
    """The weights of the negative and positive class in LightGBM's binary gradients."""
    if any(params.get(name) for name in _IS_UNBALANCE):
        negative, positive = P.sum(axis=0)  # LightGBM counts rows, unweighted
        if positive > negative:
            return np.array([positive / negative, 1.0])
        return np.array([1.0, negative / positive])
    return np.array([1.0, float(params.get("scale_pos_weight", 1.0))])


def _start(P, weight, binary, sigmoid, boost_from_average):
    """The raw score LightGBM's own objective starts from, computed on soft targets."""
    mass = soft_class_mass(P, weight)
    if not boost_from_average:
        return np.zeros(1 if binary else P.shape[1])
    if binary:
        positive = np.clip(mass[1], _EPS, 1 - _EPS)
        return np.array([np.log(positive / (1 - positive)) / sigmoid])
    return np.log(np.maximum(mass, _EPS))


def _log_loss_metric(loss):
    """LightGBM's log-loss of the evaluation sets' labels, from their raw scores."""
    name = "binary_logloss" if loss.binary else "multi_logloss"

    def metric(y_true, raw_score, weight):
        labels = np.asarray(y_true).astype(np.intp)
        p = loss.probabilities(np.asarray(raw_score, dtype=np.float64))
        if loss.binary:
            p_label = np.where(labels == 1, p, 1 - p)
        else:
            p_label = p[np.arange(labels.size), labels]
        losses = -np.log(np.clip(p_label, _EPS, 1 - _EPS))
        weight = None if weight is None or len(weight) == 0 else weight
        return name, float(np.average(losses, weights=weight)), False

    return metric


def _eval_inputs(fit_params):
    """The inputs of the evaluation sets (``eval_set`` or ``eval_X``), as a list."""
    X_eval = fit_params.get("eval_X")
    if X_eval is not None:
        return list(X_eval) if isinstance(X_eval, tuple) else [X_eval]
    return [X_eval for X_eval, _ in eval_sets(fit_params)]


@contextlib.contextmanager
def _temporary_params(student, **params):
    """Set LightGBM parameters for one fit; then the user's again, or none if unset.

    LightGBM keeps a parameter outside its constructor's signature (``metric``) in
    ``_other_params``, which ``get_params`` reads: one that was unset is removed again.
    """
    before = student.get_params(deep=False)
    student.set_params(**params)
    try:
        yield
    finally:
        student.set_params(**{k: before[k] for k in params if k in before})
        for name in params.keys() - before.keys():
            student._other_params.pop(name, None)
            vars(student).pop(name, None)


def _objective_line(objective, n_classes, sigmoid):
    if objective == "binary":
        return f"objective=binary sigmoid:{sigmoid:g}"
    return f"objective=multiclass num_class:{n_classes}"


def _as_label_fit(student, objective, start, n_classes, sigmoid):
    """Put the start into the model and give the booster back its objective."""
    lightgbm = sys.modules["lightgbm"]
    booster = student.booster_
    first_trees = booster.dump_model(num_iteration=1)["tree_info"]
    for tree, score in enumerate(start):
        if score != 0.0:
            for leaf in range(first_trees[tree]["num_leaves"]):
                booster.set_leaf_output(tree, leaf, booster.get_leaf_output(tree, leaf) + score)
    text = booster.model_to_string(num_iteration=-1)
    head, sep, tail = text.partition("\nfeature_names=")
    if not sep:
        raise RuntimeError(
            "the model text of this LightGBM has no 'feature_names=' line, so the adapter "
            "cannot give its booster the built-in objective back."
        )
    name = "multiclass" if objective in _MULTICLASS else "binary"
    text = (f"{head}\n{_objective_line(name, n_classes, sigmoid)}{sep}{tail}"
            .replace("[objective: custom]", f"[objective: {name}]"))
    fitted = lightgbm.Booster(model_str=text)
    fitted.best_iteration = booster.best_iteration
    fitted.best_score = booster.best_score
    student._Booster = fitted
    student._objective = objective


def fit_lightgbm(student, X, P, *, classes, sample_weight, fit_params=None):
    """Fit an ``LGBMClassifier`` on soft targets (see the module docstring).

    Grown natively by LightGBM with the soft cross-entropy's gradients; by row
    expansion, with a warning saying why, where that is not possible.
    """
    fit_params = dict(fit_params or {})
    n, n_classes = P.shape
    params = student.get_params(deep=False)
    objective, reason = _objective(params, n_classes)
    reason = reason or _unsupported(student, params)
    if reason is not None:
        warnings.warn(
            f"LGBMClassifier is fitted on soft targets by row expansion ({n_classes} rows "
            f"per row, slower, each with a small weight) instead of natively, because "
            f"{reason}.", UserWarning, stacklevel=3)
        return fit_expanded(student, X, P, classes=classes, sample_weight=sample_weight,
                            fit_params=fit_params)

    binary = objective == "binary"
    sigmoid = float(params.get("sigmoid", 1.0))
    cw = class_weight_vector(params["class_weight"], P, classes, sample_weight)
    P, weight = fold_class_weight(P, np.ones(n) if sample_weight is None else sample_weight, cw)
    weight = float32_weights(weight, n)
    start = _start(P, weight, binary, sigmoid, params.get("boost_from_average", True))
    if binary:
        # LightGBM's binary label weights scale the gradients, not the start.
        P, weight = fold_class_weight(P, weight, _binary_label_weights(params, P))
    loss = SoftCrossEntropy(P, weight, binary=binary, sigmoid=sigmoid,
                            hessian_factor=1.0 if binary else n_classes / (n_classes - 1))

    def init_score(n_rows):
        return np.full(n_rows, start[0]) if binary else np.tile(start, (n_rows, 1))

    temporary = {"objective": lambda y_true, raw_score: loss.gradients(raw_score),
                 "class_weight": None}
    extra = {"init_score": init_score(n)}
    evaluated = _eval_inputs(fit_params)
    if evaluated:
        temporary["metric"] = "None"
        extra["eval_metric"] = _log_loss_metric(loss)
        extra["eval_init_score"] = [init_score(num_rows(X_eval)) for X_eval in evaluated]
    with _temporary_params(student, **temporary):
        student.fit(X, classes[declared_labels(P)], **extra, **fit_params)
    _as_label_fit(student, objective, start, n_classes, sigmoid)
    return student


register_student_adapter(
    "LGBMClassifier (lightgbm)", is_lightgbm_classifier, fit_lightgbm, fit_params=FIT_PARAMS)
