"""``alpha="auto"``: how much of the teacher the student's targets take, by held-out loss.

A teacher helps a student only when its outputs are closer to the target function
(``p*``, or the regression function) than the student's own fit on the labels gets; a
teacher that is not (an untuned model, a teacher trained on little data, a student
already as good as its teacher) makes the distilled student worse. The mixing weight
``alpha`` of the targets ``alpha * teacher + (1 - alpha) * label`` spans both ends — 0
is the student on its labels, 1 pure distillation — so choosing it by the student's
held-out loss (log-loss, squared error), over a grid that contains 0, keeps a poor
teacher from dragging the student below its own fit on the labels, up to the noise of
the held-out estimate.

The folds mirror the final fit. A teacher fitted here without ``teacher_cv`` gives its
student in-sample outputs, so each fold's student gets the in-sample outputs of a teacher
fitted on that fold's training rows (:func:`~skdistill._teacher.in_fold_outputs`): the
fold's test rows are unseen by teacher and student, as in ``GridSearchCV`` around the
estimator. Out-of-fold outputs (``teacher_cv``, ``teacher_proba=``) and a prefit
teacher's are fixed per row, and each fold's student takes those of its training rows.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.parallel import Parallel, delayed

from ._teacher import cached, check_splits, in_fold_outputs

#: The values of ``alpha`` searched by ``alpha="auto"``: both ends and their middle.
ALPHA_GRID = (0.0, 0.5, 1.0)
#: The folds of the search when ``teacher_cv`` gives none.
ALPHA_FOLDS = 3


def enough_for_alpha_search(y):
    """Whether the labelled targets ``y`` (class indices, or None for regression rows
    counted by ``len``) can be split into :data:`ALPHA_FOLDS` folds; warns when not.

    A search needs at least two rows per fold and, for classes, one class with a row
    in every fold (``StratifiedKFold``'s condition). No labelled row: nothing to mix.
    """
    y = np.asarray(y)
    if y.size == 0:
        return False
    enough = len(y) >= 2 * ALPHA_FOLDS and (
        y.dtype.kind == "f" or np.bincount(y).max() >= ALPHA_FOLDS)
    if not enough:
        warnings.warn(
            f"alpha='auto' chooses alpha on {ALPHA_FOLDS} held-out folds of the labelled "
            f"rows, but the {len(y)} labelled rows are too few (at least "
            f"{2 * ALPHA_FOLDS}, and {ALPHA_FOLDS} of one class); alpha=1 is used. Give a "
            "numeric alpha to silence this.", UserWarning, stacklevel=4)
    return enough


def alpha_folds(teacher, X, y, outputs, *, cv, classes, memory=None, n_jobs=None,
                fit_params=None, random_state=None, name="teacher_cv"):
    """The folds of the ``alpha`` search over the labelled rows ``(X, y)``, and each
    fold's teacher outputs on its training rows.

    ``outputs`` are the teacher's outputs on these rows when they do not depend on the
    fold (out of fold, given, or a prefit teacher's); None fits a copy of ``teacher`` on
    each fold's training rows (cached in ``memory``). ``cv`` is ``teacher_cv``, or None
    for :data:`ALPHA_FOLDS` folds (stratified for a classifier's labels).

    Returns
    -------
    splits : list of (train, test)
    fold_outputs : list of ndarray
        Per fold, the teacher's outputs on ``X[train]``.
    """
    splits = check_splits(ALPHA_FOLDS if cv is None else cv, X, y, random_state=random_state,
                          name=name, noun="labelled rows", classifier=classes is not None,
                          hint=" alpha='auto' needs such folds; or give a numeric alpha.")
    if outputs is not None:
        return splits, [outputs[train] for train, _ in splits]
    step = cached(memory, in_fold_outputs, teacher)
    return splits, step(teacher, X, y, classes, splits, n_jobs=n_jobs, fit_params=fit_params)


def search_alpha(fit_and_score, splits, fold_outputs, *, n_jobs=None, grid=ALPHA_GRID):
    """The ``alpha`` of ``grid`` whose student has the lowest mean held-out loss.

    ``fit_and_score(alpha, outputs, train, test)`` fits a copy of the student on the
    targets of the fold's training rows at ``alpha`` (``outputs`` are the teacher's on
    them) and returns its loss on the test rows. The losses are averaged over the folds;
    ties go to the largest ``alpha``. All fits run in one joblib pool over ``n_jobs``.

    Returns
    -------
    alpha : float
    scores : ndarray of shape (len(grid),)
        The mean held-out loss of each ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> splits = [(np.array([0, 1]), np.array([2])), (np.array([1, 2]), np.array([0]))]
    >>> search_alpha(lambda alpha, outputs, train, test: (alpha - 0.4) ** 2, splits,
    ...              [None, None])
    (0.5, array([0.16, 0.01, 0.36]))
    """
    tasks = [(a, outputs, train, test) for a in grid
             for (train, test), outputs in zip(splits, fold_outputs)]
    losses = Parallel(n_jobs=n_jobs)(delayed(fit_and_score)(*task) for task in tasks)
    scores = np.asarray(losses, dtype=np.float64).reshape(len(grid), len(splits)).mean(axis=1)
    best = max(range(len(grid)), key=lambda i: (-scores[i], grid[i]))
    return float(grid[best]), scores


def held_out_log_loss(P, y_index, sample_weight=None):
    """The mean (weighted) log-loss of probabilities ``P`` at the columns ``y_index``.

    >>> round(held_out_log_loss(np.array([[0.5, 0.5], [0.0, 1.0]]), np.array([0, 1])), 4)
    0.3466
    """
    eps = np.finfo(np.float64).eps
    losses = -np.log(np.clip(P[np.arange(len(y_index)), y_index], eps, 1.0))
    return float(np.average(losses, weights=sample_weight))


def held_out_squared_error(predictions, y, sample_weight=None):
    """The mean (weighted) squared error, averaged over the outputs of a 2-D ``y``.

    >>> held_out_squared_error(np.array([1.0, 3.0]), np.array([0.0, 3.0]))
    0.5
    """
    errors = (np.asarray(predictions, dtype=np.float64).reshape(np.shape(y)) - y) ** 2
    if errors.ndim == 2:
        errors = errors.mean(axis=1)
    return float(np.average(errors, weights=sample_weight))


def rows_of(values, rows):
    """``values[rows]``, or None for None (an optional row-aligned array)."""
    return None if values is None else _safe_indexing(values, rows)
