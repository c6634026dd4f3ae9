"""``alpha="auto"``: how much of the teacher the student's targets take, by held-out log-loss.

A teacher helps a student only when its probabilities are closer to ``p*`` than the
student's own fit on the labels gets; a teacher that is not (an untuned model, a
teacher trained on little data) makes the distilled student worse. The mixing weight
``alpha`` of the targets ``alpha * q + (1 - alpha) * e_y`` spans both ends — 0 is the
student on its labels, 1 pure distillation — so choosing it by the student's held-out
log-loss, over a grid that contains 0, keeps a poor teacher from dragging the student
below its own fit on the labels (up to the noise of the held-out estimate).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.parallel import Parallel, delayed

from .students import fit_soft_targets
from .students._registry import find_adapter

#: The values of ``alpha`` searched by ``alpha="auto"``.
ALPHA_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def _held_out_log_loss(student, seed, X, targets, y_index, classes, weights, train, test):
    adapter = find_adapter(student)
    student = clone(student)
    with adapter.seeded(student, seed):
        fit_soft_targets(student, _safe_indexing(X, train), targets, classes=classes,
                         sample_weight=None if weights is None else weights[train])
    P = adapter.predict_proba(student, _safe_indexing(X, test))
    eps = np.finfo(np.float64).eps
    losses = -np.log(np.clip(P[np.arange(len(test)), y_index[test]], eps, 1.0))
    return float(np.average(losses, weights=None if weights is None else weights[test]))


def search_alpha(student, X, y_index, make_targets, splits, *, classes, sample_weight=None,
                 seed=None, n_jobs=None, grid=ALPHA_GRID):
    """The ``alpha`` of ``grid`` whose student has the lowest held-out log-loss.

    For every ``alpha`` and fold, a copy of ``student`` is fitted on the soft targets
    ``make_targets(alpha, train)`` of the fold's training rows and scored on its test
    rows by the log-loss of its probabilities at their labels (weighted by
    ``sample_weight``); the scores are averaged over the folds, and ties go to the
    largest ``alpha``. All fits run in one joblib pool over ``n_jobs``.

    Parameters
    ----------
    student : classifier
        Unfitted; copies are fitted (and seeded by ``seed``, as the estimator seeds its
        student).
    X : array-like of shape (n_samples, n_features)
        The labelled rows.
    y_index : ndarray of int of shape (n_samples,)
        Column of each row's label.
    make_targets : callable
        ``make_targets(alpha, rows) -> (len(rows), n_classes)`` soft targets.
    splits : list of (train, test)
    classes : ndarray of shape (n_classes,)

    Returns
    -------
    alpha : float
    scores : ndarray of shape (len(grid),)
        The mean held-out log-loss of each ``alpha``.
    """
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    tasks = [(a, train, test) for a in grid for train, test in splits]
    losses = Parallel(n_jobs=n_jobs)(
        delayed(_held_out_log_loss)(student, seed, X, make_targets(a, train), y_index, classes,
                                    weights, train, test)
        for a, train, test in tasks
    )
    scores = np.asarray(losses).reshape(len(grid), len(splits)).mean(axis=1)
    best = max(range(len(grid)), key=lambda i: (-scores[i], grid[i]))
    return float(grid[best]), scores
