"""Diagnostics that fit or query teachers: refits, scores of a fitted teacher, comparison.

:func:`teacher_bias_variance` splits a teacher's mean squared error to ``p*``
(Proposition 3 of Menon et al.) into a squared bias and a variance by refitting clones
of it; :func:`teacher_report` scores a fitted teacher with the calibration metrics and
proper scores; :func:`compare_teachers`, defined in ``_selection.py`` with the teacher
selection it serves, compares candidates on held-out folds. Public through
:mod:`skdistill.metrics`.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss
from sklearn.utils import Bunch, check_random_state, resample
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import column_or_1d

from ._calibration_metrics import (
    expected_calibration_error,
    multiclass_brier_score,
    probability_mse,
)
from ._metric_inputs import as_proba, label_indices
from ._seeding import seed_random_states
from ._selection import compare_teachers
from ._teacher import teacher_proba
from ._validation import align_columns

__all__ = ["compare_teachers", "teacher_bias_variance", "teacher_report"]

# The Bayes class-probabilities, or a stand-in for them: given on the evaluation rows, a
# function of them, or a fitted model predicting them.
_P_STAR = ["array-like", callable, HasMethods(["predict_proba"]), None]


def evaluate_p_star(p_star, X, n_samples, name="p_star"):
    """``p_star`` on ``X`` as a checked probability matrix of ``n_samples`` rows.

    ``p_star`` is the matrix itself, a function of ``X`` or a fitted model with
    ``predict_proba`` (a callable estimator counts as a model).
    """
    if callable(p_star) and not hasattr(p_star, "fit"):
        p_star = p_star(X)
    elif hasattr(p_star, "predict_proba"):
        p_star = p_star.predict_proba(X)
    P = as_proba(p_star, name)
    if P.shape[0] != n_samples:
        raise ValueError(f"{name} has {P.shape[0]} rows but X has {n_samples}.")
    return P


@validate_params(
    {
        "teacher": "no_validation",
        "X": "no_validation",
        "y": ["array-like"],
        "p_star": _P_STAR,
        "n_bins": [Interval(Integral, 1, None, closed="left")],
    },
    # It calls the user's teacher and p_star, whose own parameter checks must still run.
    prefer_skip_nested_validation=False,
)
def teacher_report(teacher, X, y, *, p_star=None, n_bins=15):
    """Proper scores, calibration and accuracy of a fitted teacher on ``(X, y)``.

    Parameters
    ----------
    teacher : fitted classifier with predict_proba, or callable
        The teacher; a callable ``X -> (n_samples, n_classes)`` gives probabilities for
        the sorted unique labels of ``y``.
    X : array-like of shape (n_samples, n_features)
        Evaluation inputs.
    y : array-like of shape (n_samples,)
        Evaluation labels.
    p_star : array-like of shape (n_samples, n_classes), callable or fitted estimator, \
default=None
        The Bayes class-probabilities on ``X`` (or a function or reference model that
        gives them), in the same column order as the teacher.
    n_bins : int, default=15
        Bins of the ECE.

    Returns
    -------
    report : dict
        ``log_loss``, ``brier`` (:func:`multiclass_brier_score`), ``ece``
        (:func:`expected_calibration_error`), ``accuracy`` and, when ``p_star`` is given,
        ``mse_to_p_star`` (:func:`probability_mse`).

    Examples
    --------
    >>> from skdistill import BayesTeacher
    >>> from skdistill.datasets import gaussian_class_probability, make_gaussian_classification
    >>> from skdistill.metrics import teacher_report
    >>> X, y, proba = make_gaussian_classification(500, separation=0.25, random_state=0)
    >>> teacher = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25})
    >>> report = teacher_report(teacher.fit(X, y), X, y, p_star=proba)
    >>> sorted(report)
    ['accuracy', 'brier', 'ece', 'log_loss', 'mse_to_p_star']
    >>> report["mse_to_p_star"]
    0.0
    """
    y = column_or_1d(y)
    classes = np.asarray(teacher.classes_) if hasattr(teacher, "classes_") else np.unique(y)
    P = teacher_proba(teacher, X, classes)
    y_idx = label_indices(y, P, classes)
    report = {
        "log_loss": float(log_loss(y, P, labels=classes)),
        "brier": multiclass_brier_score(y, P, labels=classes),
        "ece": expected_calibration_error(y, P, n_bins=n_bins, labels=classes),
        "accuracy": float(accuracy_score(y_idx, P.argmax(axis=1))),
    }
    if p_star is not None:
        report["mse_to_p_star"] = probability_mse(P, evaluate_p_star(p_star, X, P.shape[0]))
    return report


def _fit_predict_round(teacher, X_eval, sampler, X, y, data_seed, teacher_seed, reseed):
    if sampler is not None:
        X_r, y_r = sampler(data_seed)
    else:
        X_r, y_r = resample(X, y, random_state=data_seed)
    estimator = clone(teacher)
    if reseed:
        seed_random_states(estimator, teacher_seed, only_unset=False)
    estimator.fit(X_r, y_r)
    return estimator.classes_, estimator.predict_proba(X_eval)


@validate_params(
    {
        "teacher": [HasMethods(["fit", "predict_proba"])],
        "X_eval": "no_validation",
        "p_star": _P_STAR,
        "reference": _P_STAR,
        "sampler": [callable, None],
        "X": "no_validation",
        "y": ["array-like", None],
        "n_rounds": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "reseed": ["boolean"],
        "classes": ["array-like", None],
    },
    # Clones of the user's teacher are fitted here: their parameter checks must still run.
    prefer_skip_nested_validation=False,
)
def teacher_bias_variance(teacher, X_eval, *, p_star=None, reference=None, sampler=None, X=None,
                          y=None, n_rounds=20, n_jobs=None, random_state=None, reseed=True,
                          classes=None):
    """Squared bias and variance of a teacher's probabilities over fresh training samples.

    Clones of ``teacher`` are fitted on ``n_rounds`` independent training samples
    (from ``sampler`` or by bootstrapping ``(X, y)``) and predict ``p_r(x)`` on
    ``X_eval``. With ``q(x)`` the target (``p_star``, or a reference teacher's
    probabilities when ``p*`` is unknown, as the paper does on Fashion-MNIST) and
    ``p̄(x) = mean_r p_r(x)``, the terms of Proposition 3 are, averaged over ``X_eval``:

    - ``bias2 = mean_x ||p̄(x) - q(x)||^2``,
    - ``variance = mean_x mean_r ||p_r(x) - p̄(x)||^2``
      (sum of the coordinate-wise variances, normalised by ``n_rounds``),
    - ``mse = mean_x mean_r ||p_r(x) - q(x)||^2``,

    and ``mse = bias2 + variance`` holds exactly (up to rounding): ``mse`` is computed
    directly, not as the sum. High-capacity teachers typically trade lower bias for
    higher variance.

    Parameters
    ----------
    teacher : classifier with predict_proba
        Unfitted template; never fitted itself.
    X_eval : array-like of shape (n_eval, n_features)
        Points where the probabilities are compared.
    p_star : array-like of shape (n_eval, n_classes) or callable, default=None
        The Bayes class-probabilities on ``X_eval``, or a function ``X -> p*(X)``.
    reference : fitted classifier or array-like of shape (n_eval, n_classes), default=None
        Stand-in for ``p*`` when it is unknown. Give exactly one of ``p_star`` and
        ``reference``.
    sampler : callable, default=None
        ``sampler(seed) -> (X, y)`` draws a fresh training sample (``seed`` is an int).
    X, y : array-like, default=None
        Training data to bootstrap when no ``sampler`` is given (each round fits on a
        bootstrap sample of the same size). Give either ``sampler`` or ``X`` and ``y``.
    n_rounds : int, default=20
        Number of refits.
    n_jobs : int, default=None
        Refits run in parallel through :class:`joblib.Parallel`; use
        ``joblib.parallel_config(backend="dask")`` to run them on a dask cluster.
    random_state : int, RandomState instance or None, default=None
        Seeds the training samples and, with ``reseed``, the clones.
    reseed : bool, default=True
        Give every ``random_state`` parameter of each clone (at any depth, e.g. a random
        forest inside a :class:`~skdistill.NoisyTeacher`) a fresh seed, so that the
        variance covers the teacher's own randomness as well as the training sample.
        If False, the clones keep the template's ``random_state``.
    classes : array-like of shape (n_classes,), default=None
        Classes of the target's columns. Default: ``reference.classes_`` for a fitted
        reference, else the sorted unique labels of ``y``, else the union of the refit
        clones' classes. A clone that did not see a class gives it probability 0.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``bias2``, ``variance``, ``mse`` (floats), ``mean_proba`` (``p̄`` on ``X_eval``,
        shape ``(n_eval, n_classes)``), ``mse_per_round`` (shape ``(n_rounds,)``) and
        ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skdistill.datasets import make_slab_classification, slab_class_probability
    >>> from skdistill.metrics import teacher_bias_variance
    >>> X_eval, _, _ = make_slab_classification(200, random_state=0)
    >>> sampler = lambda seed: make_slab_classification(100, random_state=seed)[:2]
    >>> result = teacher_bias_variance(
    ...     DecisionTreeClassifier(max_depth=2), X_eval, p_star=slab_class_probability,
    ...     sampler=sampler, n_rounds=5, random_state=0)
    >>> bool(np.isclose(result.mse, result.bias2 + result.variance))
    True
    """
    if (p_star is None) == (reference is None):
        raise ValueError("Give exactly one of p_star (the Bayes class-probabilities) and "
                         "reference (a stand-in teacher or its probabilities on X_eval).")
    if (sampler is None) == (X is None or y is None):
        raise ValueError("Give either sampler (a callable seed -> (X, y) drawing a fresh "
                         "training sample) or X and y (bootstrapped), not both or neither.")

    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=(n_rounds, 2))
    rounds = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict_round)(teacher, X_eval, sampler, X, y, int(d), int(t), reseed)
        for d, t in seeds
    )

    if classes is None:
        if hasattr(reference, "classes_"):
            classes = reference.classes_
        elif y is not None:
            classes = np.unique(y)
        else:
            classes = np.unique(np.concatenate([c for c, _ in rounds]))
    classes = np.asarray(classes)
    n_eval = X_eval.shape[0] if hasattr(X_eval, "shape") else len(X_eval)
    target = evaluate_p_star(p_star if p_star is not None else reference, X_eval, n_eval,
                             "p_star" if p_star is not None else "reference")
    if target.shape[1] != len(classes):
        raise ValueError(f"The target probabilities have {target.shape[1]} columns but there are "
                         f"{len(classes)} classes ({classes.tolist()}); pass classes=[...].")

    probas = np.stack([
        align_columns(as_proba(P), c, classes, name="a refit teacher",
                      hint="Pass classes=[...] listing every class.")
        for c, P in rounds
    ])
    mean_proba = probas.mean(axis=0)
    sq_error = np.sum((probas - target) ** 2, axis=2)  # (n_rounds, n_eval)
    return Bunch(
        bias2=float(np.mean(np.sum((mean_proba - target) ** 2, axis=1))),
        variance=float(np.mean(np.sum((probas - mean_proba) ** 2, axis=2))),
        mse=float(np.mean(sq_error)),
        mse_per_round=sq_error.mean(axis=1),
        mean_proba=mean_proba,
        classes=classes,
    )
