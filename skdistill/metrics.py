"""Diagnostics of a teacher's class-probabilities, and retrieval metrics.

Menon et al. ("Why distillation helps: a statistical perspective", Proposition 3)
bound the gap between the distilled and the population risk by the teacher's mean
squared error to the Bayes class-probabilities, ``E ||p_t(x) - p*(x)||^2``, which
splits into a squared bias and a variance over fresh draws of the teacher. This module
measures these quantities (:func:`probability_mse`, :func:`teacher_bias_variance`),
the usual proper scores and calibration of a teacher (:func:`teacher_report`), and the
ranking quality of retrieval models at a cut-off ``k`` (:func:`precision_at_k`,
:func:`recall_at_k`, :func:`ndcg_at_k`, the propensity-scored :func:`psp_at_k`, and a
scorer for each).

Probability arguments are ``(n_samples, n_classes)`` matrices; a 1-D array is read as
the probability of the second (positive) class of a binary problem and expanded to
``[1 - p, p]``.

Ranking metrics take an ``(n_samples, n_labels)`` score matrix (higher is better; NaN
is refused, infinite scores are allowed) and the relevant labels either as a 1-D
vector of column indices (multiclass) or as a binary indicator matrix, dense or sparse
(multi-label). All of them rank a row's labels by decreasing score and break ties in
favour of the lower column index, as a stable sort of ``-scores`` would; the top ``k``
are found in ``O(n_labels)`` per row, without sorting the whole row.
"""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss
from sklearn.utils import Bunch, check_array, check_random_state, check_scalar, resample
from sklearn.utils.metadata_routing import MetadataRequest
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _check_sample_weight, column_or_1d

from ._selection import compare_teachers
from ._teacher import teacher_proba
from ._top_k import top_k_indices
from ._validation import align_columns, check_probabilities

__all__ = [
    "compare_teachers",
    "expected_calibration_error",
    "label_propensities",
    "make_ndcg_at_k_scorer",
    "make_precision_at_k_scorer",
    "make_psp_at_k_scorer",
    "make_recall_at_k_scorer",
    "multiclass_brier_score",
    "ndcg_at_k",
    "precision_at_k",
    "probability_mse",
    "psp_at_k",
    "recall_at_k",
    "teacher_bias_variance",
    "teacher_report",
    "top_label_calibration_curve",
]


# --------------------------------------------------------------------------- #
# Validation helpers
# --------------------------------------------------------------------------- #


def _as_proba(proba, name="proba"):
    """Probabilities as a checked (n_samples, n_classes) matrix (1-D: binary positive class)."""
    P = np.asarray(proba)
    if P.ndim == 1:
        P = np.asarray(P, dtype=np.float64)
        P = np.column_stack([1.0 - P, P])
    return check_probabilities(P, name=name)


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

    probas = np.stack([
        align_columns(_as_proba(P), c, classes, name="a refit teacher",
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


# --------------------------------------------------------------------------- #
# Retrieval
# --------------------------------------------------------------------------- #
#
# Every ranking metric goes through _rank: the top k columns from top_k_indices (one
# tie rule for all), and the relevant labels as the row-sorted (indptr, indices) of a
# CSR matrix, whether y_true is a vector of column indices or an indicator matrix.


def _check_scores(scores):
    if sp.issparse(scores):
        raise TypeError("scores must be a dense (n_samples, n_labels) array; got a sparse "
                        "matrix. Convert it with scores.toarray().")
    S = np.asarray(scores)
    if S.dtype.kind not in "biuf":
        raise ValueError(f"scores must be a numeric array; got dtype {S.dtype}.")
    S = check_array(S, input_name="scores", dtype=(np.float64, np.float32),
                    ensure_2d=False, allow_nd=True, ensure_all_finite=False)
    if S.ndim != 2:
        raise ValueError("scores must be of shape (n_samples, n_labels), one score per label "
                         f"and row; got shape {S.shape}.")
    # min propagates NaN, without allocating a mask as large as the scores.
    if np.isnan(S.min()):
        raise ValueError("scores contains NaN; rank-based metrics need every score to be "
                         "comparable (infinite scores are allowed).")
    return S


def _check_k(k, n_labels):
    check_scalar(k, "k", Integral, min_val=1)
    if k > n_labels:
        raise ValueError(f"k={k} is larger than the number of labels: scores has {n_labels} "
                         f"columns. Use k <= {n_labels}.")


def _check_row_weights(sample_weight, S):
    w = _check_sample_weight(sample_weight, S, dtype=np.float64, ensure_non_negative=True)
    if not w.sum() > 0:
        raise ValueError("sample_weight sums to zero; give at least one row a positive weight.")
    return w


def _check_propensities(propensities, n_labels=None):
    p = check_array(propensities, input_name="propensities", dtype=np.float64, ensure_2d=False)
    if p.ndim != 1:
        raise ValueError("propensities must be a 1-D array with one propensity per label "
                         f"(column of scores); got shape {p.shape}.")
    if n_labels is not None and p.shape[0] != n_labels:
        raise ValueError(f"propensities has {p.shape[0]} entries but scores has {n_labels} "
                         "columns; give one propensity per column of scores, in column order "
                         "(for an estimator, the order of its classes_).")
    if np.any(p <= 0) or np.any(p > 1):
        raise ValueError("propensities must be in (0, 1]: the probability that a relevant "
                         f"label is observed; got values in [{p.min():g}, {p.max():g}]. "
                         "label_propensities computes them from training labels; pass the "
                         "propensities, not their inverses.")
    return p


def _check_normalize(normalize):
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False; got {normalize!r}.")


def _indicator_rows(Y, name):
    """Row-sorted ``(indptr, indices)`` of the nonzero entries of a 0/1 indicator matrix."""
    if not sp.issparse(Y):
        Y = np.asarray(Y)
    if Y.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a binary indicator matrix (0/1 entries); got dtype "
                         f"{Y.dtype}.")
    Y = sp.csr_matrix(Y, copy=True)  # our own copy: canonicalised in place below
    Y.sum_duplicates()
    bad = (Y.data != 0) & (Y.data != 1)
    if np.any(bad):
        raise ValueError(f"{name} must be a binary indicator matrix (0/1 entries); it holds "
                         f"{Y.data[bad][0].item()!r}. Graded relevance is not supported: "
                         "binarise it (e.g. Y > 0) if that is what you mean.")
    Y.eliminate_zeros()
    return Y.indptr.astype(np.intp), Y.indices.astype(np.intp)


def _relevant_labels(y_true, n_samples, n_labels):
    """Relevant columns of every row as ``(indptr, indices)``, columns ascending per row."""
    if sp.issparse(y_true) or np.ndim(y_true) == 2:
        shape = y_true.shape if sp.issparse(y_true) else np.shape(y_true)
        if tuple(shape) != (n_samples, n_labels):
            raise ValueError(f"y_true has shape {tuple(shape)} but scores has shape "
                             f"{(n_samples, n_labels)}; an indicator y_true needs one column "
                             "per column of scores.")
        return _indicator_rows(y_true, "y_true")
    y = column_or_1d(y_true)
    if y.shape[0] != n_samples:
        raise ValueError(f"y_true has {y.shape[0]} samples but scores has {n_samples}.")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_labels:
        raise ValueError("A 1-D y_true must hold column indices of scores (integers in "
                         f"[0, {n_labels})); map class labels to columns first, e.g. "
                         "np.searchsorted(estimator.classes_, y), or pass an indicator matrix.")
    return np.arange(n_samples + 1), y.astype(np.intp)


def _rank(y_true, scores, k, sample_weight, propensities=None):
    """Top-k columns, which of them are relevant, and the relevant labels of every row."""
    S = _check_scores(scores)
    n_samples, n_labels = S.shape
    _check_k(k, n_labels)
    weights = _check_row_weights(sample_weight, S)
    inverse_propensity = (None if propensities is None
                          else 1.0 / _check_propensities(propensities, n_labels))
    indptr, indices = _relevant_labels(y_true, n_samples, n_labels)
    top = top_k_indices(S, k)
    # Membership of (row, column) pairs by binary search on row * n_labels + column: the
    # keys of the relevant labels are sorted because rows and, within rows, columns ascend.
    n_relevant = np.diff(indptr)
    keys = np.repeat(np.arange(n_samples), n_relevant) * n_labels + indices
    queries = (np.arange(n_samples)[:, np.newaxis] * n_labels + top).ravel()
    pos = np.minimum(np.searchsorted(keys, queries), max(keys.size - 1, 0))
    hits = keys[pos] == queries if keys.size else np.zeros(queries.shape, dtype=bool)
    return Bunch(top=top, hits=hits.reshape(n_samples, k), n_relevant=n_relevant,
                 indptr=indptr, indices=indices, weights=weights,
                 inverse_propensity=inverse_propensity)


def _weighted_mean(per_row, weights):
    return float(np.dot(weights, per_row) / weights.sum())


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

    See Also
    --------
    recall_at_k, ndcg_at_k, psp_at_k, make_precision_at_k_scorer

    Examples
    --------
    >>> from skdistill.metrics import precision_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> precision_at_k([1, 2], scores, k=1)
    0.5
    >>> precision_at_k([[0, 1, 1], [1, 0, 0]], scores, k=2)
    0.75
    """
    r = _rank(y_true, scores, k, sample_weight)
    return _weighted_mean(r.hits.sum(axis=1) / k, r.weights)


def recall_at_k(y_true, scores, k=1, *, sample_weight=None):
    """Recall@k: fraction of a row's relevant labels found among its ``k`` best-scored.

    ``R@k = mean_i |top_k(scores_i) ∩ relevant_i| / |relevant_i|``. With one relevant
    label per row (multiclass) it is the top-k accuracy. Rows without any relevant label
    count as 0 (as in :func:`precision_at_k`); to leave them out, pass
    ``sample_weight=(Y.sum(axis=1) > 0)``. ``y_true`` and the tie rule are as in
    :func:`precision_at_k`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels: column indices, or a binary indicator matrix.
    scores : array-like of shape (n_samples, n_labels)
        Label scores, higher is better.
    k : int, default=1
        Number of top labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    recall : float
        In ``[0, 1]``.

    See Also
    --------
    precision_at_k, ndcg_at_k, make_recall_at_k_scorer

    Examples
    --------
    >>> from skdistill.metrics import recall_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> recall_at_k([[0, 1, 1], [1, 0, 0]], scores, k=1)  # row 0: 1 of 2, row 1: 1 of 1
    0.75
    """
    r = _rank(y_true, scores, k, sample_weight)
    return _weighted_mean(r.hits.sum(axis=1) / np.maximum(r.n_relevant, 1), r.weights)


def ndcg_at_k(y_true, scores, k=1, *, sample_weight=None):
    """Normalised discounted cumulative gain at ``k``, with binary relevance.

    For row ``i`` with relevant labels ``R_i`` and ranked labels ``l_1, l_2, ...``
    (decreasing score),

    ``DCG@k = sum_{r=1}^{k} [l_r in R_i] / log2(r + 1)`` and
    ``nDCG@k = DCG@k / sum_{r=1}^{min(k, |R_i|)} 1 / log2(r + 1)``,

    the DCG of the best ranking of the row (Järvelin & Kekäläinen, 2002; the
    extreme-classification definition). The result is the (weighted) mean over rows.
    Rows without any relevant label count as 0 (as in
    :func:`sklearn.metrics.ndcg_score`); to leave them out, pass
    ``sample_weight=(Y.sum(axis=1) > 0)``. With one relevant label per row, ``nDCG@k``
    is ``1 / log2(1 + rank)`` if the label is ranked within the top ``k``, else 0.
    ``y_true`` and the tie rule are as in :func:`precision_at_k`; unlike
    :func:`sklearn.metrics.ndcg_score`, tied scores are not averaged but ordered by
    column.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels: column indices, or a binary indicator matrix.
    scores : array-like of shape (n_samples, n_labels)
        Label scores, higher is better.
    k : int, default=1
        Number of top labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    ndcg : float
        In ``[0, 1]``.

    See Also
    --------
    precision_at_k, recall_at_k, make_ndcg_at_k_scorer

    Examples
    --------
    >>> from skdistill.metrics import ndcg_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> # Row 0 ranks its relevant label first: 1. Row 1 ranks it third: 1 / log2(4).
    >>> ndcg_at_k([1, 2], scores, k=3)
    0.75
    """
    r = _rank(y_true, scores, k, sample_weight)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = r.hits @ discounts
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])[np.minimum(r.n_relevant, k)]
    per_row = np.divide(dcg, ideal, out=np.zeros_like(dcg), where=ideal > 0)
    return _weighted_mean(per_row, r.weights)


def _best_propensity_gain(indptr, indices, inverse_propensity, k):
    """Per row, the sum of the ``k`` largest inverse propensities of its relevant labels."""
    n_samples = len(indptr) - 1
    row = np.repeat(np.arange(n_samples), np.diff(indptr))
    gain = inverse_propensity[indices]
    order = np.lexsort((-gain, row))  # by row, then by decreasing gain
    # Entries of row i fill positions indptr[i]:indptr[i + 1] after sorting by row.
    rank = np.arange(order.size) - indptr[row[order]]
    keep = order[rank < k]
    return np.bincount(row[keep], weights=gain[keep], minlength=n_samples)


def psp_at_k(y_true, scores, k=1, *, propensities, sample_weight=None, normalize=True):
    """Propensity-scored precision@k (Jain, Prabhu & Varma, 2016).

    In extreme multi-label data most relevant labels are missing from the annotations,
    and rare ("tail") labels more often than frequent ones. Weighting every hit by the
    inverse of its label's propensity ``p_l`` (the probability that a relevant label is
    annotated) makes the unnormalised mean below an unbiased estimate of the precision
    that the complete labels would give, and rewards models that retrieve tail labels.
    For row ``i``,

    ``PSP@k_i = (1 / k) sum_{l in top_k(scores_i)} [l in relevant_i] / p_l``.

    With ``normalize=False`` the result is the (weighted) mean of ``PSP@k_i``, the
    paper's definition, which can exceed 1. With ``normalize=True`` (the default) it is
    divided by the same mean for the best achievable ranking (each row's relevant labels
    ordered by decreasing ``1 / p_l``):

    ``sum_i w_i PSP@k_i / sum_i w_i max PSP@k_i``,

    a number in ``[0, 1]``; this normalised value is what the Extreme Classification
    Repository's tables and the pyxclib evaluation tools report as PSP@k. Rows without
    any relevant label add 0 to both sums there, so they do not change the normalised
    value, while they count as 0 in the unnormalised mean. If no row has a relevant
    label, the normalised value is 0.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Relevant labels: column indices, or a binary indicator matrix.
    scores : array-like of shape (n_samples, n_labels)
        Label scores, higher is better. Ties are broken as in :func:`precision_at_k`.
    k : int, default=1
        Number of top labels.
    propensities : array-like of shape (n_labels,)
        Propensity of every label (column of ``scores``), in ``(0, 1]``, e.g. from
        :func:`label_propensities` on the training labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.
    normalize : bool, default=True
        Divide by the best achievable value (see above).

    Returns
    -------
    psp : float

    See Also
    --------
    label_propensities, precision_at_k, make_psp_at_k_scorer

    References
    ----------
    H. Jain, Y. Prabhu and M. Varma, "Extreme multi-label loss functions for
    recommendation, tagging, ranking and other missing label applications", KDD 2016.

    Examples
    --------
    >>> from skdistill.metrics import psp_at_k
    >>> scores = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]]
    >>> Y = [[0, 1, 1], [1, 0, 1]]
    >>> propensities = [0.8, 0.5, 0.25]  # label 2 is rarely annotated
    >>> # Row 0 finds label 1 (gain 2) but could have found label 2 (gain 4);
    >>> # row 1 finds label 0 (gain 1.25) instead of label 2.
    >>> psp_at_k(Y, scores, k=1, propensities=propensities, normalize=False)
    1.625
    >>> psp_at_k(Y, scores, k=1, propensities=propensities)  # (2 + 1.25) / (4 + 4)
    0.40625
    """
    _check_normalize(normalize)
    r = _rank(y_true, scores, k, sample_weight, propensities)
    inverse = r.inverse_propensity
    psp = (r.hits * inverse[r.top]).sum(axis=1) / k
    if not normalize:
        return _weighted_mean(psp, r.weights)
    best = _best_propensity_gain(r.indptr, r.indices, inverse, k) / k
    total_best = np.dot(r.weights, best)
    return float(np.dot(r.weights, psp) / total_best) if total_best > 0 else 0.0


def label_propensities(Y_train, A=0.55, B=1.5):
    """Propensities of labels from their frequencies in training data (Jain et al., 2016).

    The propensity ``p_l`` of label ``l`` is the probability that it is annotated when
    it is relevant. Jain, Prabhu & Varma model it as a sigmoid of the log frequency,

    ``p_l = 1 / (1 + C (N_l + B)^(-A))`` with ``C = (log N - 1) (B + 1)^A``,

    where ``N`` is the number of training rows, ``N_l`` the number of them in which
    ``l`` is relevant and ``log`` the natural logarithm. Frequent labels get
    propensities close to 1, rare ones smaller values. The paper fitted ``A = 0.55``,
    ``B = 1.5`` on most data sets (the defaults), ``A = 0.5, B = 0.4`` for Wikipedia
    and ``A = 0.6, B = 2.6`` for Amazon. Use the result as ``propensities`` in
    :func:`psp_at_k`.

    Parameters
    ----------
    Y_train : {array-like, sparse matrix} of shape (N, n_labels)
        Binary indicator matrix of the training labels. For multiclass labels, pass
        ``sklearn.preprocessing.label_binarize(y, classes=estimator.classes_)``.
    A : float, default=0.55
        Exponent, > 0.
    B : float, default=1.5
        Offset of the counts, > 0.

    Returns
    -------
    propensities : ndarray of shape (n_labels,)
        In ``(0, 1)``.

    See Also
    --------
    psp_at_k

    References
    ----------
    H. Jain, Y. Prabhu and M. Varma, "Extreme multi-label loss functions for
    recommendation, tagging, ranking and other missing label applications", KDD 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.metrics import label_propensities
    >>> Y_train = np.zeros((1000, 3), dtype=int)
    >>> Y_train[:500, 0] = 1  # frequent
    >>> Y_train[:5, 1] = 1    # rare
    >>> label_propensities(Y_train).round(3)  # label 2 is never seen
    array([0.758, 0.223, 0.113])
    """
    check_scalar(A, "A", Real, min_val=0, include_boundaries="neither")
    check_scalar(B, "B", Real, min_val=0, include_boundaries="neither")
    if not (sp.issparse(Y_train) or np.ndim(Y_train) == 2):
        raise ValueError("Y_train must be an (N, n_labels) binary indicator matrix of the "
                         f"training labels; got shape {np.shape(Y_train)}. For multiclass "
                         "labels pass sklearn.preprocessing.label_binarize(y, "
                         "classes=estimator.classes_).")
    n_rows, n_labels = Y_train.shape if sp.issparse(Y_train) else np.shape(Y_train)
    if n_rows < 3:
        raise ValueError(f"Y_train has {n_rows} rows; label_propensities needs at least 3 "
                         "(C = (log N - 1)(B + 1)^A must be positive).")
    _, indices = _indicator_rows(Y_train, "Y_train")
    counts = np.bincount(indices, minlength=n_labels)
    C = (np.log(n_rows) - 1.0) * (B + 1.0) ** A
    return 1.0 / (1.0 + C * (counts + B) ** -A)


def _estimator_scores(estimator, X):
    """Label scores of a fitted estimator: decision_function, else predict_proba."""
    if hasattr(estimator, "decision_function"):
        scores = estimator.decision_function(X)
    else:
        scores = estimator.predict_proba(X)
    if isinstance(scores, list):
        raise ValueError(
            f"{type(estimator).__name__}.predict_proba returned a list of arrays (one per "
            "output, as multi-output classifiers do); ranking scorers need an (n_samples, "
            "n_labels) score matrix, e.g. from OneVsRestClassifier(...).")
    if not sp.issparse(scores):
        scores = np.asarray(scores)
        if scores.ndim == 1:  # binary decision_function: score of the second class
            scores = np.column_stack([-scores, scores])
    return scores


class _RankingScorer:
    """Scorer ``(estimator, X, y) -> metric(y, scores, k, **kwargs)`` of a ranking metric.

    Multiclass labels are mapped to score columns through the estimator's ``classes_``;
    indicator matrices are passed through. Under metadata routing the scorer consumes
    ``sample_weight`` once requested with :meth:`set_score_request`.
    """

    def __init__(self, metric, k, **kwargs):
        self._metric = metric
        self._k = k
        self._kwargs = kwargs
        self._sample_weight_request = None

    def __call__(self, estimator, X, y_true, sample_weight=None):
        scores = _estimator_scores(estimator, X)
        if not (sp.issparse(y_true) or np.ndim(y_true) == 2):
            scores = _check_scores(scores)
            y_true = _label_indices(y_true, scores, getattr(estimator, "classes_", None))
        return self._metric(y_true, scores, self._k, sample_weight=sample_weight,
                            **self._kwargs)

    def set_score_request(self, *, sample_weight=None):
        """Request ``sample_weight`` when the scorer is used with metadata routing.

        Parameters
        ----------
        sample_weight : bool, str or None, default=None
            ``True``: pass the routed ``sample_weight`` to the metric; ``False``: do
            not; ``None``: raise if one is routed; a string: an alias.

        Returns
        -------
        self
        """
        if not get_config()["enable_metadata_routing"]:
            raise RuntimeError("set_score_request is only available when metadata routing is "
                               "enabled: sklearn.set_config(enable_metadata_routing=True).")
        self._sample_weight_request = sample_weight
        return self

    def get_metadata_routing(self):
        """The metadata this scorer consumes: ``sample_weight`` once requested."""
        request = MetadataRequest(owner=self)
        request.score.add_request(param="sample_weight", alias=self._sample_weight_request)
        return request

    def __repr__(self):
        args = [f"k={self._k}"]
        for name, value in self._kwargs.items():
            shown = f"<array of shape {value.shape}>" if isinstance(value, np.ndarray) else value
            args.append(f"{name}={shown}")
        return f"make_{self._metric.__name__}_scorer({', '.join(args)})"


def make_precision_at_k_scorer(k=1):
    """A scorer computing :func:`precision_at_k` of a fitted estimator.

    The scores are the estimator's ``decision_function`` if it has one, else its
    ``predict_proba``; multiclass labels are mapped to score columns through the
    estimator's ``classes_`` and a multi-label indicator ``y`` is passed through.
    Usable as ``scoring=`` in :func:`~sklearn.model_selection.cross_val_score` or
    :class:`~sklearn.model_selection.GridSearchCV`. With metadata routing enabled,
    ``scorer.set_score_request(sample_weight=True)`` routes row weights to it.

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
    return _RankingScorer(precision_at_k, k)


def make_recall_at_k_scorer(k=1):
    """A scorer computing :func:`recall_at_k` of a fitted estimator.

    Scores and labels are taken as by :func:`make_precision_at_k_scorer`.

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
    >>> from sklearn.model_selection import cross_val_score
    >>> from skdistill.metrics import make_recall_at_k_scorer
    >>> X, y = load_iris(return_X_y=True)
    >>> scores = cross_val_score(LogisticRegression(max_iter=1000), X, y, cv=3,
    ...                          scoring=make_recall_at_k_scorer(2))
    >>> bool(scores.min() > 0.9)  # the true class is almost always among the best two
    True
    """
    check_scalar(k, "k", Integral, min_val=1)
    return _RankingScorer(recall_at_k, k)


def make_ndcg_at_k_scorer(k=1):
    """A scorer computing :func:`ndcg_at_k` of a fitted estimator.

    Scores and labels are taken as by :func:`make_precision_at_k_scorer`.

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
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skdistill.metrics import make_ndcg_at_k_scorer
    >>> X, Y = make_multilabel_classification(200, n_classes=5, random_state=0)
    >>> search = GridSearchCV(RidgeClassifier(), {"alpha": [0.1, 10.0]},
    ...                       scoring=make_ndcg_at_k_scorer(3)).fit(X, Y)
    >>> search.best_params_
    {'alpha': 10.0}
    >>> round(float(search.best_score_), 3)
    0.753
    """
    check_scalar(k, "k", Integral, min_val=1)
    return _RankingScorer(ndcg_at_k, k)


def make_psp_at_k_scorer(k=1, *, propensities, normalize=True):
    """A scorer computing :func:`psp_at_k` of a fitted estimator.

    Scores and labels are taken as by :func:`make_precision_at_k_scorer`.

    Parameters
    ----------
    k : int, default=1
        Number of top labels.
    propensities : array-like of shape (n_labels,)
        Propensity of every score column (for an estimator with ``classes_``, in the
        order of ``classes_``), e.g. from :func:`label_propensities`.
    normalize : bool, default=True
        Divide by the best achievable value, see :func:`psp_at_k`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None) -> float`` (greater is better).

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from skdistill.metrics import label_propensities, make_psp_at_k_scorer
    >>> X, Y = make_multilabel_classification(300, n_classes=5, random_state=0)
    >>> model = RidgeClassifier().fit(X[:200], Y[:200])
    >>> scorer = make_psp_at_k_scorer(3, propensities=label_propensities(Y[:200]))
    >>> scorer
    make_psp_at_k_scorer(k=3, propensities=<array of shape (5,)>, normalize=True)
    >>> round(scorer(model, X[200:], Y[200:]), 3)
    0.891
    """
    check_scalar(k, "k", Integral, min_val=1)
    _check_normalize(normalize)
    return _RankingScorer(psp_at_k, k, propensities=_check_propensities(propensities),
                          normalize=normalize)
