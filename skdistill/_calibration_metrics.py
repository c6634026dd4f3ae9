"""Calibration and proper scores of class-probabilities.

The top-label reliability curve and its expected calibration error, the multiclass
Brier score, and the mean squared distance between two probability matrices (the
teacher MSE of Proposition 3 of Menon et al. when the reference is ``p*``). Nothing
here fits a model. Public through :mod:`skdistill.metrics`, whose docstring states how
probability arguments are read.
"""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._metric_inputs import as_proba, label_indices

__all__ = [
    "expected_calibration_error",
    "multiclass_brier_score",
    "probability_mse",
    "top_label_calibration_curve",
]

_LABELLED_PROBA = {
    "y_true": ["array-like"],
    "proba": ["array-like"],
    "labels": ["array-like", None],
}
_BINNED = {
    **_LABELLED_PROBA,
    "n_bins": [Interval(Integral, 1, None, closed="left")],
    "strategy": [StrOptions({"uniform", "quantile"})],
}


def _prepare(y_true, proba, labels):
    P = as_proba(proba)
    return label_indices(y_true, P, labels), P


def _bin_edges(confidence, n_bins, strategy):
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    # "quantile": the public functions' validation refuses any other strategy.
    edges = np.quantile(confidence, np.linspace(0.0, 1.0, n_bins + 1))
    edges[0], edges[-1] = 0.0, 1.0
    return np.unique(edges)


@validate_params(_BINNED, prefer_skip_nested_validation=True)
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


@validate_params(_BINNED, prefer_skip_nested_validation=True)
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


@validate_params(_LABELLED_PROBA, prefer_skip_nested_validation=True)
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


@validate_params(
    {"proba": ["array-like"], "reference": ["array-like"]},
    prefer_skip_nested_validation=True,
)
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
    P, Q = as_proba(proba), as_proba(reference, "reference")
    if P.shape != Q.shape:
        raise ValueError(f"proba and reference must have the same shape; got {P.shape} and "
                         f"{Q.shape}.")
    return float(np.mean(np.sum((P - Q) ** 2, axis=1)))
