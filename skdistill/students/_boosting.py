r"""What the LightGBM and XGBoost adapters share: the soft cross-entropy as an objective.

Both libraries grow each tree from a gradient and a hessian per row and raw score, and
both take them from a callable (a "custom objective"). For raw scores ``F_n`` of row
``n`` with weight ``w_n`` and soft target ``P_n``, the soft cross-entropy
``w_n (log sum_k exp F_nk - sum_k P_nk F_nk)`` has, with ``p_n = softmax(F_n)``,

.. math::

    g_{nk} = w_n (p_{nk} - P_{nk}), \qquad h_{nk} = c \, w_n \, p_{nk} (1 - p_{nk}),

the diagonal of the hessian as the libraries' own softmax objectives use it, scaled by
their factor ``c`` (LightGBM: ``K / (K - 1)``; XGBoost: 2). With two classes both grow
one score per row, ``p = sigmoid(s F)`` (``s = 1`` but for LightGBM's ``sigmoid``):
``g = s w (p - P_1)``, ``h = s^2 w p (1 - p)``. Each is linear in the target, so a
one-hot ``P`` gives the libraries' own label gradients: with the same start (each
adapter computes it as its library does for labels, from the soft class masses) the
trees are those of the label fit.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax


class SoftCrossEntropy:
    """Gradients and hessians of the soft cross-entropy for the raw scores of a booster.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Soft targets.
    sample_weight : ndarray of shape (n_samples,)
        Row weights.
    binary : bool
        One raw score per row with a sigmoid link (``P[:, 1]`` its target) rather than
        one per class with a softmax.
    hessian_factor : float, default=1.0
        The factor of the library's own softmax hessian.
    sigmoid : float, default=1.0
        Slope of the sigmoid link.
    min_hessian : float, default=0.0
        Floor of ``p (1 - p)``, as the library's own objective clips it.
    """

    def __init__(self, P, sample_weight, *, binary, hessian_factor=1.0, sigmoid=1.0,
                 min_hessian=0.0):
        self.binary = binary
        self.target = P[:, 1] if binary else P
        self.weight = sample_weight if binary else sample_weight[:, None]
        self.hessian_factor = hessian_factor
        self.sigmoid = sigmoid
        self.min_hessian = min_hessian

    def probabilities(self, F):
        """The link's probabilities of raw scores ``F`` (of the positive class if binary)."""
        return expit(self.sigmoid * F) if self.binary else softmax(F, axis=1)

    def gradients(self, F):
        """``(grad, hess)`` at raw scores ``F``, shaped as ``F``."""
        F = np.asarray(F, dtype=np.float64).reshape(self.target.shape)
        p = self.probabilities(F)
        curvature = np.maximum(p * (1.0 - p), self.min_hessian)
        s = self.sigmoid
        grad = s * self.weight * (p - self.target)
        hess = self.hessian_factor * s * s * self.weight * curvature
        return grad, hess


def soft_class_mass(P, sample_weight):
    """Each class's share of the weighted soft targets: ``sum_n w_n P_n / sum_n w_n``."""
    return sample_weight @ P / sample_weight.sum()


def declared_labels(P):
    """A label index per row that names every class, for a library's label encoder.

    The libraries' scikit-learn wrappers learn the classes (and so the number of trees
    per iteration) from the labels they are given; the soft-target objective never reads
    these labels. Each row's is its most probable class, except that a class no row's
    argmax names takes the row that gives it the most probability among the rows whose
    class has others.
    """
    n, n_classes = P.shape
    if n < n_classes:
        raise ValueError(
            f"fitting a gradient-boosting library's classifier on soft targets needs at "
            f"least as many rows as classes ({n_classes}), since its fit learns the classes "
            f"from one label per row; got {n} rows."
        )
    labels = P.argmax(axis=1)
    counts = np.bincount(labels, minlength=n_classes)
    for k in np.flatnonzero(counts == 0):
        for row in np.argsort(-P[:, k], kind="stable"):
            if counts[labels[row]] > 1:
                counts[labels[row]] -= 1
                labels[row], counts[k] = k, 1
                break
    return labels


def float32_weights(sample_weight, n_samples):
    """Row weights as the libraries hold them (float32), back in float64.

    The objective then weighs each row by the very number the library's own objective
    would, so that a one-hot fit matches the label fit to the last bit.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    return np.asarray(sample_weight, dtype=np.float32).astype(np.float64)


def num_rows(X):
    """The number of rows of an array, a sparse matrix or a DataFrame."""
    return X.shape[0] if hasattr(X, "shape") else len(X)


def eval_sets(fit_params):
    """The ``(X, y)`` evaluation sets among a fit's parameters, as a list."""
    sets = fit_params.get("eval_set")
    if sets is None:
        return []
    return [sets] if isinstance(sets, tuple) else list(sets)
