"""Soft targets: from teacher class-probabilities to the student's targets.

Pure functions on arrays. :class:`~skdistill.DistilledClassifier` applies them in this
order, on teacher probabilities ``p`` (rows of ``P``) with ``L`` classes:

1. temperature ``T``: ``q = softmax(log p / T)``;
2. label mixing ``alpha`` (labelled rows only): ``r = alpha * q + (1 - alpha) * e_y``;
   unlabelled rows keep ``r = q``;
3. label smoothing ``eps``: ``target = (1 - eps) * r + eps / L``.

With ``T = 1``, ``alpha = 1`` and ``eps = 0`` the targets are the teacher's
probabilities, the distilled risk of equation (5) in Menon et al.; with ``alpha = 0``
and ``eps = 0`` they are one-hot labels (ordinary training); with ``alpha = 0`` and
``eps > 0`` they are classical label smoothing. Smoothing comes last so that it means
the same thing whatever ``alpha`` is.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.special import log_softmax

from ._validation import check_probabilities

__all__ = ["make_soft_targets", "mix_with_labels", "smooth_labels", "temperature_scale"]


def _check_fraction(value, name):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}.")
    return float(value)


def _check_y_index(y_index, n_samples, n_classes):
    y_index = np.asarray(y_index)
    if y_index.shape != (n_samples,) or not (
            y_index.size == 0 or np.issubdtype(y_index.dtype, np.integer)):
        raise ValueError(
            f"y_index must be integers of shape ({n_samples},), one label column per row "
            f"of the teacher's probabilities; got {y_index.dtype} of shape {y_index.shape}."
        )
    if y_index.size and not (-1 <= y_index.min() and y_index.max() < n_classes):
        raise ValueError(
            f"y_index must hold column indices in [0, {n_classes}) or -1 (unlabelled); "
            f"got values in [{y_index.min()}, {y_index.max()}]."
        )
    return y_index


def _check_temperature(temperature):
    if (
        not isinstance(temperature, numbers.Real)
        or isinstance(temperature, bool)
        or not np.isfinite(temperature)
        or temperature <= 0
    ):
        raise ValueError(
            f"temperature must be a positive finite number (1 leaves the teacher's "
            f"probabilities unchanged); got {temperature!r}."
        )
    return float(temperature)


def _scaled(P, T):
    """``softmax(log P / T)`` of checked probabilities, exact down to any ``T > 0``.

    The row maximum of ``log P`` is subtracted *before* dividing by ``T``: the most
    probable classes then get exactly 0 and every other class a negative number,
    ``-inf`` when the division overflows (a tiny ``T``), whose exponential is the exact
    0 of the limit. Dividing first would overflow every entry to ``-inf`` and make
    the row NaN.
    """
    if T == 1.0:
        return P
    with np.errstate(divide="ignore", over="ignore"):
        logs = np.log(P)
        logs -= logs.max(axis=1, keepdims=True)
        logs /= T
    # Every row has a positive entry, so its maximum is 0 and -inf maps to 0.
    return np.exp(log_softmax(logs, axis=1))


def temperature_scale(P, temperature=1.0):
    """Rescale class-probabilities by a temperature.

    ``q = softmax(log p / T)``, i.e. ``q_k = p_k^(1/T) / sum_j p_j^(1/T)``. ``T = 1``
    leaves ``p`` unchanged, ``T -> inf`` tends to the uniform distribution over the
    classes with ``p_k > 0``, ``T -> 0`` tends to one-hot on the argmax (ties share the
    mass), which is what a temperature so small that ``log p / T`` overflows gives
    exactly. Zero probabilities stay zero and nothing is ever NaN: the computation is
    done in log space with the row maximum subtracted.

    For a teacher whose scores are logits ``z`` (``p = softmax(z)``) this is the
    familiar ``softmax(z / T)`` of Hinton et al.

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
        Class-probabilities: finite, non-negative, rows summing to one.
    temperature : float, default=1.0
        Positive finite temperature ``T`` (any, down to the smallest subnormal).

    Returns
    -------
    Q : ndarray of shape (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill import temperature_scale
    >>> P = np.array([[0.7, 0.2, 0.1, 0.0]])
    >>> temperature_scale(P, 1.0).round(3).tolist()
    [[0.7, 0.2, 0.1, 0.0]]
    >>> temperature_scale(P, 1e-3).round(3).tolist()
    [[1.0, 0.0, 0.0, 0.0]]
    >>> temperature_scale(P, 1e6).round(3).tolist()
    [[0.333, 0.333, 0.333, 0.0]]
    """
    T = _check_temperature(temperature)
    return _scaled(check_probabilities(P, name="the probability matrix P"), T)


def smooth_labels(P, label_smoothing=0.0):
    """Mix targets with the uniform distribution: ``(1 - eps) * P + eps / L``.

    From the paper's point of view (section 3.3) smoothing trades a bias towards
    uniform for lower variance of the targets.

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
    label_smoothing : float in [0, 1], default=0.0
        The weight ``eps`` of the uniform distribution.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)

    Examples
    --------
    >>> from skdistill import smooth_labels
    >>> smooth_labels([[1.0, 0.0]], 0.2).tolist()
    [[0.9, 0.1]]
    """
    eps = _check_fraction(label_smoothing, "label_smoothing")
    P = np.asarray(P, dtype=np.float64)
    return (1.0 - eps) * P + eps / P.shape[1]


def mix_with_labels(P, Y, alpha=1.0):
    """Mix teacher targets with one-hot labels: ``alpha * P + (1 - alpha) * Y``.

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
        Teacher targets.
    Y : array-like of shape (n_samples, n_classes)
        One-hot labels.
    alpha : float in [0, 1], default=1.0
        Weight of the teacher: 1 is pure distillation, 0 is ordinary training.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)

    Examples
    --------
    >>> from skdistill import mix_with_labels
    >>> mix_with_labels([[0.6, 0.4]], [[0.0, 1.0]], alpha=0.5).tolist()
    [[0.3, 0.7]]
    """
    alpha = _check_fraction(alpha, "alpha")
    P = np.asarray(P, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if P.shape != Y.shape:
        raise ValueError(f"P and Y must have the same shape; got {P.shape} and {Y.shape}.")
    return alpha * P + (1.0 - alpha) * Y


def make_soft_targets(
    P, y_index=None, *, temperature=1.0, alpha=1.0, label_smoothing=0.0
):
    """Turn teacher probabilities into student targets (temperature, mixing, smoothing).

    Applies, in order, :func:`temperature_scale`, :func:`mix_with_labels` on the
    labelled rows and :func:`smooth_labels` (see the module docstring for the
    formulas and why this order).

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
        Teacher class-probabilities: finite, non-negative, rows summing to one.
    y_index : array-like of int of shape (n_samples,), default=None
        Column index of each row's label, ``-1`` for an unlabelled row. None means
        no labels: every row takes pure teacher targets.
    temperature : float, default=1.0
    alpha : float in [0, 1], default=1.0
    label_smoothing : float in [0, 1], default=0.0

    Returns
    -------
    targets : ndarray of shape (n_samples, n_classes)
        Rows sum to one.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill import make_soft_targets
    >>> P = np.array([[0.8, 0.2], [0.4, 0.6]])
    >>> make_soft_targets(P, [1, -1], alpha=0.5).tolist()
    [[0.4, 0.6], [0.4, 0.6]]
    """
    alpha = _check_fraction(alpha, "alpha")
    _check_fraction(label_smoothing, "label_smoothing")
    T = _check_temperature(temperature)
    Q = _scaled(check_probabilities(P, name="the teacher's probability matrix"), T)
    if y_index is not None:
        y_index = _check_y_index(y_index, *Q.shape)
    if y_index is not None and alpha < 1.0:
        labelled = y_index >= 0
        Y = np.zeros_like(Q[labelled])
        Y[np.arange(Y.shape[0]), y_index[labelled]] = 1.0
        Q[labelled] = mix_with_labels(Q[labelled], Y, alpha)
    return smooth_labels(Q, label_smoothing)
