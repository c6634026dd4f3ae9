"""Diagnostics of a teacher's class-probabilities, and retrieval metrics.

Menon et al. ("Why distillation helps: a statistical perspective", Proposition 3)
bound the gap between the distilled and the population risk by the teacher's mean
squared error to the Bayes class-probabilities, ``E ||p_t(x) - p*(x)||^2``, which
splits into a squared bias and a variance over fresh draws of the teacher. This module
measures these quantities (:func:`probability_mse`, :func:`teacher_bias_variance`),
the usual proper scores and calibration of a teacher (:func:`teacher_report`), and the
precision@k of retrieval models.

Probability arguments are ``(n_samples, n_classes)`` matrices; a 1-D array is read as
the probability of the second (positive) class of a binary problem and expanded to
``[1 - p, p]``.
"""

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss
from sklearn.utils import Bunch, check_random_state, check_scalar, resample
from sklearn.utils.validation import column_or_1d

from ._selection import compare_teachers
from ._teacher import teacher_proba

__all__ = [
    "compare_teachers",
    "expected_calibration_error",
    "make_precision_at_k_scorer",
    "multiclass_brier_score",
    "precision_at_k",
    "probability_mse",
    "teacher_bias_variance",
    "teacher_report",
    "top_label_calibration_curve",
]


# --------------------------------------------------------------------------- #
# Validation helpers
# --------------------------------------------------------------------------- #


def _as_proba(proba, name="proba"):
    P = np.asarray(proba, dtype=np.float64)
    if P.ndim == 1:
        P = np.column_stack([1.0 - P, P])
    if P.ndim != 2:
        raise ValueError(f"{name} must be of shape (n_samples, n_classes) or (n_samples,) for "
                         f"the positive-class probability of a binary problem; got {P.shape}.")
    if not np.all(np.isfinite(P)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return P


def _label_indices(y_true, P, labels):
    """Column of ``P`` of every label in ``y_true``."""
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


def _prepare(y_true, proba, labels):
    P = _as_proba(proba)
    return _label_indices(y_true, P, labels), P


# --------------------------------------------------------------------------- #
# Calibration and proper scores
# --------------------------------------------------------------------------- #


def _bin_edges(confidence, n_bins, strategy):
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    if strategy == "quantile":
        edges = np.quantile(confidence, np.linspace(0.0, 1.0, n_bins + 1))
        edges[0], edges[-1] = 0.0, 1.0
        return np.unique(edges)
    raise ValueError(f"strategy must be 'uniform' or 'quantile'; got {strategy!r}.")


def top_label_calibration_curve(y_true, proba, *, n_bins=15, strategy="uniform", labels=None):
    """Top-label reliability curve: accuracy against confidence, per confidence bin.

    The confidence of a row is its largest probability and its prediction the
    corresponding class. Rows are grouped by confidence into bins ``(e_b, e_{b+1}]``
    (the first bin also holds confidence 0); for every non-empty bin the curve gives the
    fraction of correct predictions and the mean confidence. For binary problems this is
    the reliability of the predicted class, which differs from
    :func:`sklearn.calibration.calibration_curve` (reliability of the positive class).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Class-probabilities (1-D: positive-class probability of a binary problem).
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        ``"uniform"``: equal-width bins on ``[0, 1]``; ``"quantile"``: bins holding about
        the same number of rows (edges at confidence quantiles, duplicates merged).
    labels : array-like of shape (n_classes,), default=None
        Class of every column of ``proba``; default the sorted unique labels of ``y_true``.

    Returns
    -------
    prob_true : ndarray of shape (n_nonempty_bins,)
        Accuracy in each non-empty bin.
    prob_pred : ndarray of shape (n_nonempty_bins,)
        Mean confidence in each non-empty bin.
    bin_counts : ndarray of shape (n_nonempty_bins,)
        Number of rows in each non-empty bin.

    Examples
    --------
    >>> from skdistill.metrics import top_label_calibration_curve
    >>> y = [0, 1, 1, 0]
    >>> proba = [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]]
    >>> top_label_calibration_curve(y, proba, n_bins=4)
    (array([0.5, 1. ]), array([0.65, 0.85]), array([2, 2]))
    """
    check_scalar(n_bins, "n_bins", Integral, min_val=1)
    y_idx, P = _prepare(y_true, proba, labels)
    confidence = P.max(axis=1)
    correct = (P.argmax(axis=1) == y_idx).astype(np.float64)
    edges = _bin_edges(confidence, n_bins, strategy)
    bins = np.clip(np.searchsorted(edges[1:-1], confidence, side="left"), 0, len(edges) - 2)
    counts = np.bincount(bins, minlength=len(edges) - 1)
    nonempty = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        prob_true = np.bincount(bins, correct, minlength=len(counts)) / counts
        prob_pred = np.bincount(bins, confidence, minlength=len(counts)) / counts
    return prob_true[nonempty], prob_pred[nonempty], counts[nonempty]


def expected_calibration_error(y_true, proba, *, n_bins=15, strategy="uniform", labels=None):
    """Expected calibration error of the top-label confidence.

    ``ECE = sum_b (n_b / n) * |acc_b - conf_b|`` over the bins of
    :func:`top_label_calibration_curve`: ``acc_b`` is the accuracy of the predicted
    (argmax) class and ``conf_b`` the mean top-label confidence of the rows in bin ``b``
    (Guo et al., 2017). Bins are equal-width on ``[0, 1]`` (``strategy="uniform"``) or
    hold about equally many rows (``"quantile"``). ECE is a binned estimate: it depends
    on ``n_bins`` and is biased upwards on small samples.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Class-probabilities (1-D: positive-class probability of a binary problem).
    n_bins : int, default=15
        Number of bins.
    strategy : {"uniform", "quantile"}, default="uniform"
        Binning strategy.
    labels : array-like of shape (n_classes,), default=None
        Class of every column of ``proba``; default the sorted unique labels of ``y_true``.

    Returns
    -------
    ece : float
        In ``[0, 1]``; 0 for a perfectly calibrated top label.

    Examples
    --------
    >>> from skdistill.metrics import expected_calibration_error
    >>> y = [0, 1, 1, 0]
    >>> proba = [[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]]
    >>> round(expected_calibration_error(y, proba, n_bins=4), 4)
    0.15
    """
    prob_true, prob_pred, counts = top_label_calibration_curve(
        y_true, proba, n_bins=n_bins, strategy=strategy, labels=labels)
    return float(np.sum(counts * np.abs(prob_true - prob_pred)) / np.sum(counts))


def multiclass_brier_score(y_true, proba, *, labels=None):
    """Brier score: mean over rows of ``||p(x) - e_y||_2^2`` (lower is better).

    The original (Brier, 1950) multiclass score, summed over classes, in ``[0, 2]``; it
    is the teacher's squared error to the one-hot labels. For binary problems it is
    twice the usual binary Brier score :func:`sklearn.metrics.brier_score_loss`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Class-probabilities (1-D: positive-class probability of a binary problem).
    labels : array-like of shape (n_classes,), default=None
        Class of every column of ``proba``; default the sorted unique labels of ``y_true``.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from skdistill.metrics import multiclass_brier_score
    >>> float(multiclass_brier_score([0, 2], [[1.0, 0.0, 0.0], [0.5, 0.0, 0.5]],
    ...                              labels=[0, 1, 2]))
    0.25
    """
    y_idx, P = _prepare(y_true, proba, labels)
    onehot = np.zeros_like(P)
    onehot[np.arange(len(y_idx)), y_idx] = 1.0
    return float(np.mean(np.sum((P - onehot) ** 2, axis=1)))


def probability_mse(proba, reference):
    """Mean squared distance between two probability matrices: ``mean_x ||p(x) - q(x)||_2^2``.

    With ``reference = p*`` this is the teacher MSE ``E ||p_t(x) - p*(x)||^2`` of
    Proposition 3 of the paper, which bounds how far the distilled risk can be from the
    population risk. 1-D inputs are binary positive-class probabilities and are expanded
    to two columns, so the result is ``2 * mean((p - q)^2)``, the paper's squared norm on
    probability vectors.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes) or (n_samples,)
        Probabilities to assess (e.g. a teacher's).
    reference : array-like of the same shape
        Reference probabilities (e.g. the Bayes ``p*``).

    Returns
    -------
    mse : float

    Examples
    --------
    >>> from skdistill.metrics import probability_mse
    >>> float(probability_mse([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]]))
    0.25
    """
    P, Q = _as_proba(proba), _as_proba(reference, "reference")
    if P.shape != Q.shape:
        raise ValueError(f"proba and reference must have the same shape; got {P.shape} and "
                         f"{Q.shape}.")
    return float(np.mean(np.sum((P - Q) ** 2, axis=1)))


def _evaluate_p_star(p_star, X, n_samples, name="p_star"):
    if callable(p_star) and not hasattr(p_star, "fit"):
        p_star = p_star(X)
    elif hasattr(p_star, "predict_proba"):
        p_star = p_star.predict_proba(X)
    P = _as_proba(p_star, name)
    if P.shape[0] != n_samples:
        raise ValueError(f"{name} has {P.shape[0]} rows but X has {n_samples}.")
    return P


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
    y_idx = _label_indices(y, P, classes)
    report = {
        "log_loss": float(log_loss(y, P, labels=classes)),
        "brier": multiclass_brier_score(y, P, labels=classes),
        "ece": expected_calibration_error(y, P, n_bins=n_bins, labels=classes),
        "accuracy": float(accuracy_score(y_idx, P.argmax(axis=1))),
    }
    if p_star is not None:
        report["mse_to_p_star"] = probability_mse(P, _evaluate_p_star(p_star, X, P.shape[0]))
    return report


# --------------------------------------------------------------------------- #
# Bias-variance decomposition of a teacher (Proposition 3)
# --------------------------------------------------------------------------- #


def _reseed(estimator, seed):
    """Give every ``random_state`` parameter, at any depth, a fresh integer seed."""
    keys = [k for k in estimator.get_params(deep=True)
            if k == "random_state" or k.endswith("__random_state")]
    # Distinct seeds per parameter: two nested estimators should not share their draws.
    seeds = np.random.RandomState(seed).randint(np.iinfo(np.int32).max, size=len(keys))
    estimator.set_params(**{k: int(s) for k, s in zip(keys, seeds)})
    return estimator


def _fit_predict_round(teacher, X_eval, sampler, X, y, data_seed, teacher_seed, reseed):
    if sampler is not None:
        X_r, y_r = sampler(data_seed)
    else:
        X_r, y_r = resample(X, y, random_state=data_seed)
    estimator = clone(teacher)
    if reseed:
        _reseed(estimator, teacher_seed)
    estimator.fit(X_r, y_r)
    return estimator.classes_, estimator.predict_proba(X_eval)


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
    check_scalar(n_rounds, "n_rounds", Integral, min_val=1)
    if (p_star is None) == (reference is None):
        raise ValueError("Give exactly one of p_star (the Bayes class-probabilities) and "
                         "reference (a stand-in teacher or its probabilities on X_eval).")
    if (sampler is None) == (X is None or y is None):
        raise ValueError("Give either sampler (a callable seed -> (X, y) drawing a fresh "
                         "training sample) or X and y (bootstrapped), not both or neither.")
    if sampler is not None and not callable(sampler):
        raise TypeError(f"sampler must be callable seed -> (X, y); got {type(sampler).__name__}.")

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
    target = _evaluate_p_star(p_star if p_star is not None else reference, X_eval, n_eval,
                              "p_star" if p_star is not None else "reference")
    if target.shape[1] != len(classes):
        raise ValueError(f"The target probabilities have {target.shape[1]} columns but there are "
                         f"{len(classes)} classes ({classes.tolist()}); pass classes=[...].")

    probas = np.stack([_align_columns(P, c, classes) for c, P in rounds])
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


def _align_columns(P, own_classes, classes):
    P = _as_proba(P)
    own_classes = np.asarray(own_classes)
    if np.array_equal(own_classes, classes):
        return P
    missing = np.setdiff1d(own_classes, classes)
    if missing.size:
        raise ValueError(f"A refit teacher predicts classes {missing.tolist()} that are not in "
                         f"classes={classes.tolist()}.")
    out = np.zeros((P.shape[0], len(classes)))
    out[:, np.searchsorted(classes, own_classes)] = P
    return out


# --------------------------------------------------------------------------- #
# Retrieval
# --------------------------------------------------------------------------- #


def precision_at_k(y_true, scores, k=1, *, sample_weight=None):
    """Precision@k: fraction of the ``k`` highest-scored labels that are relevant.

    ``P@k = mean_i |top_k(scores_i) ∩ relevant_i| / k``, the usual extreme-classification
    definition. ``y_true`` can be

    - a 1-D vector of column indices (multiclass: one relevant label per row, so
      ``P@k`` is the top-k accuracy divided by ``k``; use
      :func:`sklearn.metrics.top_k_accuracy_score` for the top-k accuracy itself), or
    - an ``(n_samples, n_labels)`` binary indicator matrix, dense or sparse
      (multilabel). Rows without any relevant label count as 0.

    Ties between scores are broken in favour of the lower column index.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels.
    scores : array-like of shape (n_samples, n_labels)
        Label scores (logits, probabilities...), higher is better.
    k : int, default=1
        Number of top labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    precision : float

    Examples
    --------
    >>> from skdistill.metrics import precision_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> precision_at_k([1, 2], scores, k=1)
    0.5
    >>> precision_at_k([[0, 1, 1], [1, 0, 0]], scores, k=2)
    0.75
    """
    S = np.asarray(scores, dtype=np.float64)
    if S.ndim != 2:
        raise ValueError(f"scores must be of shape (n_samples, n_labels); got {S.shape}.")
    n_samples, n_labels = S.shape
    check_scalar(k, "k", Integral, min_val=1, max_val=n_labels)
    # Stable sort of -S: among equal scores the lower column index comes first.
    top = np.argsort(-S, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n_samples), k)
    if sp.issparse(y_true) or np.ndim(y_true) == 2:
        Y = sp.csr_matrix(y_true)
        if Y.shape != S.shape:
            raise ValueError(f"y_true has shape {Y.shape} but scores has {S.shape}.")
        hits = (np.asarray(Y[rows, top.ravel()]).reshape(n_samples, k) != 0).sum(axis=1)
    else:
        y = column_or_1d(y_true)
        if y.shape[0] != n_samples:
            raise ValueError(f"y_true has {y.shape[0]} samples but scores has {n_samples}.")
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_labels:
            raise ValueError("A 1-D y_true must hold column indices of scores (integers in "
                             f"[0, {n_labels})); map class labels to columns first, e.g. "
                             "np.searchsorted(estimator.classes_, y).")
        hits = (top == y[:, np.newaxis]).sum(axis=1)
    return float(np.average(hits / k, weights=sample_weight))


class _PrecisionAtKScorer:
    """Scorer ``(estimator, X, y) -> P@k`` (see :func:`make_precision_at_k_scorer`)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, estimator, X, y_true, sample_weight=None):
        if hasattr(estimator, "decision_function"):
            scores = np.asarray(estimator.decision_function(X), dtype=np.float64)
        else:
            scores = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        if scores.ndim == 1:  # binary decision_function: score of the second class
            scores = np.column_stack([-scores, scores])
        if not (sp.issparse(y_true) or np.ndim(y_true) == 2):
            # Multiclass labels to the columns of the scores.
            y_true = _label_indices(y_true, scores, getattr(estimator, "classes_", None))
        return precision_at_k(y_true, scores, self.k, sample_weight=sample_weight)

    def __repr__(self):
        return f"make_precision_at_k_scorer(k={self.k})"


def make_precision_at_k_scorer(k=1):
    """A scorer computing :func:`precision_at_k` of a fitted estimator.

    The scores are the estimator's ``decision_function`` if it has one, else its
    ``predict_proba``; multiclass labels are mapped to score columns through the
    estimator's ``classes_``. Usable as ``scoring=`` in
    :func:`~sklearn.model_selection.cross_val_score` or
    :class:`~sklearn.model_selection.GridSearchCV`.

    Parameters
    ----------
    k : int, default=1
        Number of top labels.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float`` (greater is better).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill.metrics import make_precision_at_k_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=1000).fit(X, y)
    >>> round(make_precision_at_k_scorer(3)(clf, X, y), 4)  # the true label is always in the top 3
    0.3333
    """
    check_scalar(k, "k", Integral, min_val=1)
    return _PrecisionAtKScorer(k)
