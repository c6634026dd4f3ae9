"""Held-out proper scores of candidate teachers, with paired standard errors.

For any probability vector ``q(x)``, ``E_y ||q(x) - e_y||^2 = ||q(x) - p*(x)||^2 +
E_y ||p*(x) - e_y||^2``, and the last term is the same for every teacher. So on rows a
teacher was not fitted on, differences of Brier scores are unbiased estimates of
differences of the teachers' mean squared error to the Bayes class-probabilities, the
quantity that Proposition 3 of the paper charges to the student. The package chooses
by these scores: among candidate teachers (:func:`compare_teachers`,
:class:`~skdistill.TeacherSearchCV`) and the temperature of one teacher
(``DistilledClassifier(temperature="auto")``, :func:`search_temperature`).

Regression is the same identity in squared error: for predictions ``f(x)`` of a real
target, ``E_y ||f(x) - y||^2 = ||f(x) - f*(x)||^2 + E_y ||f*(x) - y||^2`` with
``f*(x) = E[y | x]``; the last term, the noise variance, is shared by every teacher, so
held-out MSE differences (``scoring="mse"``) estimate differences of the teachers' MSE to
the regression function (:class:`~skdistill.TeacherSearchRegressorCV`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from numbers import Integral

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_array, column_or_1d

from ._teacher import TeacherAdapter, as_teacher, check_splits, cross_fit_outputs
from ._validation import (
    check_predictions,
    check_probabilities,
    check_sample_weight,
    resolve_classes,
)

#: Scores of class-probabilities, and of a regression teacher's predictions.
CLASSIFICATION_SCORINGS = ("brier", "log_loss")
REGRESSION_SCORINGS = ("mse",)
SCORINGS = CLASSIFICATION_SCORINGS + REGRESSION_SCORINGS


def scoring_task(scoring):
    """The task a scoring compares teachers of: "classification" or "regression"."""
    return "regression" if scoring in REGRESSION_SCORINGS else "classification"


# --------------------------------------------------------------------------- #
# Per-row scores and their summary
# --------------------------------------------------------------------------- #


def per_row_scores(P, y_index, scoring):
    """Per-row proper score of the probability matrix ``P`` at the true columns ``y_index``.

    For ``scoring="mse"``, ``P`` holds predictions and ``y_index`` the true values; the
    score of a row is its squared error, summed over the outputs of a 2-D target.
    """
    if scoring == "mse":
        residual = (np.asarray(P, dtype=np.float64) - y_index).reshape(P.shape[0], -1)
        return np.einsum("ij,ij->i", residual, residual)
    rows = np.arange(P.shape[0])
    if scoring == "brier":
        residual = P.copy()
        residual[rows, y_index] -= 1.0
        return np.einsum("ij,ij->i", residual, residual)
    # Clipped as sklearn.metrics.log_loss does, so the mean equals it exactly.
    eps = np.finfo(np.float64).eps
    return -np.log(np.clip(P[rows, y_index], eps, 1.0 - eps))


def _weighted_mean_and_se(S, weights):
    """Row-wise (weighted) means of ``S`` over its columns, and their standard errors.

    Unweighted: ``sd(ddof=1) / sqrt(n)``. Weighted: the usual standard error of a ratio
    estimator, ``sqrt(n / (n - 1) * sum_i v_i**2 (s_i - mean)**2)`` with ``v = w / sum w``,
    which equals the unweighted one when all weights are equal.
    """
    n = S.shape[1]
    if weights is None:
        return S.mean(axis=1), S.std(axis=1, ddof=1) / np.sqrt(n)
    v = weights / weights.sum()
    means = S @ v
    squared = ((S - means[:, None]) ** 2) @ (v**2)
    return means, np.sqrt(squared * n / (n - 1))


def summarise_scores(names, scores_per_row, scoring, sample_weight=None):
    """Means, standard errors and paired differences of per-row scores.

    ``scores_per_row`` has one row per candidate and one column per scored row;
    ``sample_weight`` (one per scored row) makes every mean a weighted mean.
    """
    S = np.asarray(scores_per_row, dtype=np.float64)
    n = S.shape[1]
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    scores, standard_errors = _weighted_mean_and_se(S, weights)
    # Paired over rows: the SE of a difference uses the per-row differences, which
    # cancels the row-to-row variation shared by the candidates. One candidate at a time
    # keeps memory at (n_candidates, n_samples), and computing the differences directly
    # (not var_i + var_j - 2 cov_ij) keeps near-identical candidates' SEs accurate.
    k = S.shape[0]
    differences = np.empty((k, k))
    difference_standard_errors = np.empty((k, k))
    for i in range(k):
        differences[i], difference_standard_errors[i] = _weighted_mean_and_se(S[i] - S, weights)
    best = int(np.argmin(scores))
    return Bunch(
        names=list(names),
        scoring=scoring,
        scores=scores,
        standard_errors=standard_errors,
        differences=differences,
        difference_standard_errors=difference_standard_errors,
        best_index=best,
        best_name=names[best],
        n_samples=n,
    )


# --------------------------------------------------------------------------- #
# The temperature of one teacher
# --------------------------------------------------------------------------- #

#: The temperatures searched by :func:`search_temperature`: ``[1e-2, 1e2]``.
TEMPERATURE_RANGE = (1e-2, 1e2)
#: Grid points per decade of temperature (the grid contains ``T = 1``).
_GRID_PER_DECADE = 10


def _tempered_score(log_P, y_index, temperature, scoring, weights):
    """Mean per-row score of ``softmax(log P / T)``: ``temperature_scale`` on a
    precomputed ``log P`` (zero probabilities stay zero)."""
    Q = np.exp(log_softmax(log_P / temperature, axis=1))
    scores = per_row_scores(Q, y_index, scoring)
    return float(scores.mean() if weights is None else scores @ weights)


def search_temperature(P, y_index, *, scoring="brier", sample_weight=None):
    """The temperature ``T`` minimising the mean score of ``temperature_scale(P, T)``.

    A one-dimensional search over ``T`` in :data:`TEMPERATURE_RANGE`: the score is
    evaluated on a log-spaced grid (10 points per decade, ``T = 1`` included), then
    refined by a bounded Brent search (in ``log T``) between the grid neighbours of the
    best grid point. The grid makes the search robust to a score that is not convex
    (or not unimodal) in ``T``; the refinement is kept only if it improves on the grid.
    Among equally good grid points the one closest to ``T = 1`` wins, so a score that
    does not depend on ``T`` (e.g. constant or one-hot probabilities) gives ``T = 1``.
    The range is wide enough for both limits to be reached in practice: the score is
    bounded as ``T -> 0`` (one-hot on the argmax) and ``T -> inf`` (uniform).

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_classes)
        Held-out class-probabilities (rows not fitted on).
    y_index : ndarray of int of shape (n_samples,)
        Column of each row's label.
    scoring : {"brier", "log_loss"}, default="brier"
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    temperature : float
    """
    P = np.asarray(P, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_P = np.log(P)
    weights = None
    if sample_weight is not None:
        weights = np.asarray(sample_weight, dtype=np.float64)
        total = weights.sum()
        if not total > 0:
            raise ValueError("the labelled rows' sample_weight sums to zero; the temperature "
                             "cannot be chosen by a score over no weight.")
        weights = weights / total

    def score(log_t):
        return _tempered_score(log_P, y_index, np.exp(log_t), scoring, weights)

    # Integer steps in log10 put T = 1 exactly on the grid.
    low, high = (round(np.log10(t) * _GRID_PER_DECADE) for t in TEMPERATURE_RANGE)
    grid = np.arange(low, high + 1) / _GRID_PER_DECADE * np.log(10)
    n_grid = grid.size
    values = np.array([score(t) for t in grid])
    # Ties (within round-off) go to the temperature closest to 1.
    near_best = np.flatnonzero(values <= values.min() + 1e-12 * max(1.0, abs(values.min())))
    best = near_best[np.argmin(np.abs(grid[near_best]))]
    bracket = (grid[max(best - 1, 0)], grid[min(best + 1, n_grid - 1)])
    refined = minimize_scalar(score, bounds=bracket, method="bounded",
                              options={"xatol": 1e-5})
    if refined.fun < values[best] - 1e-12 * max(1.0, abs(values[best])):
        return float(np.exp(refined.x))
    return float(np.exp(grid[best]))


# --------------------------------------------------------------------------- #
# Candidates
# --------------------------------------------------------------------------- #


def _as_candidate(candidate):
    """A teacher's adapter, or the candidate itself when it is a probability (or
    prediction) matrix."""
    if isinstance(candidate, TeacherAdapter) or not (hasattr(candidate, "fit")
                                                     or callable(candidate)):
        return candidate
    return as_teacher(candidate)


_OTHER_SCORING = {
    "classification": " To compare regression teachers, pass scoring='mse'.",
    "regression": " scoring='mse' compares regression teachers; compare classifiers with "
                  "scoring='brier'.",
}


def check_candidate(name, candidate, task, other_task_hint=""):
    """Refuse a candidate that is not a teacher of ``task``, naming it; a candidate of the
    other task also gets ``other_task_hint`` (where to compare it)."""
    try:
        candidate.check(task)
    except TypeError as exc:
        hint = other_task_hint if candidate.task not in (None, task) else ""
        raise TypeError(f"candidate {name!r}: {exc}{hint}") from exc


def _checked(names, candidates, task):
    for name, candidate in zip(names, candidates):
        if isinstance(candidate, TeacherAdapter):
            check_candidate(name, candidate, task, _OTHER_SCORING[task])
    return names, candidates


def _base_name(candidate, task):
    if not isinstance(candidate, TeacherAdapter):
        return "predictions" if task == "regression" else "proba"
    model = candidate.estimator  # a function has a name, an estimator its class's
    return getattr(model, "__name__", type(model).__name__).lower()


def auto_names(names):
    """The names, numbered where repeated, as ``make_pipeline`` numbers its steps."""
    names = list(names)
    counts = defaultdict(int)
    for name in names:
        counts[name] += 1
    seen = defaultdict(int)
    for i, name in enumerate(names):
        if counts[name] > 1:
            seen[name] += 1
            names[i] = f"{name}-{seen[name]}"
    return names


def _named_candidates(candidates, task):
    if isinstance(candidates, dict):
        if not candidates:
            raise ValueError("candidates is an empty dict; give at least one teacher.")
        names = [str(name) for name in candidates]
        if len(set(names)) != len(names):
            raise ValueError(f"candidate names must be distinct as strings; got {names}.")
        return _checked(names, [_as_candidate(c) for c in candidates.values()], task)
    values = list(candidates) if isinstance(candidates, list | tuple) else [candidates]
    if not values:
        raise ValueError("candidates is empty; give at least one teacher.")
    values = [_as_candidate(c) for c in values]
    return _checked(auto_names(_base_name(c, task) for c in values), values, task)


def _check_proba_candidate(P, name, n_samples, classes):
    what = f"The probabilities of candidate {name!r}"
    try:
        P = np.asarray(P, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"candidate {name!r} is a {type(P).__name__}, which is neither a "
                        "classifier, a FrozenEstimator, a callable X -> probabilities, nor a "
                        "numeric probability matrix.") from exc
    if P.ndim == 1:
        if len(classes) != 2:
            raise ValueError(f"{what} are 1-D, which is read as the positive-class probability "
                             f"of a binary problem, but there are {len(classes)} classes; give an "
                             "(n_samples, n_classes) matrix.")
        P = np.column_stack([1.0 - P, P])
    if P.shape[0] != n_samples:
        raise ValueError(f"{what} must have shape (n_samples, n_classes) = ({n_samples}, "
                         f"{len(classes)}), one row per label in y; got shape {P.shape}.")
    return check_probabilities(P, n_classes=len(classes), name=what)


def _n_outputs(y):
    """The ``n_outputs`` of :func:`~skdistill._validation.check_predictions` for target ``y``."""
    return None if y.ndim == 1 else y.shape[1]


def _check_prediction_candidate(predictions, name, y):
    if not hasattr(predictions, "__len__"):
        raise TypeError(f"candidate {name!r} is a {type(predictions).__name__}, which is neither "
                        "a regressor, a FrozenEstimator, a callable X -> predictions, nor an "
                        "array of predictions.")
    return check_predictions(predictions, n_samples=y.shape[0], n_outputs=_n_outputs(y),
                             name=f"the predictions of candidate {name!r}")


def check_regression_target(y):
    """A regression target: numeric, finite, 1-D or 2-D (one column per output), float64."""
    y = check_array(y, input_name="y", ensure_2d=False, dtype="numeric", ensure_min_samples=0)
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D (one column per output); got shape {y.shape}.")
    return y.astype(np.float64, copy=False)


# --------------------------------------------------------------------------- #
# Public function
# --------------------------------------------------------------------------- #


@validate_params(
    {
        "candidates": "no_validation",
        "X": "no_validation",
        "y": ["array-like"],
        "scoring": [StrOptions(set(SCORINGS))],
        "cv": ["cv_object"],
        "classes": ["array-like", None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "sample_weight": ["array-like", None],
        "return_per_row": ["boolean"],
        "return_proba": ["boolean"],
        "return_estimators": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
def compare_teachers(candidates, X, y, *, scoring="brier", cv=5, classes=None, n_jobs=None,
                     random_state=None, sample_weight=None, return_per_row=False,
                     return_proba=False, return_estimators=False):
    """Held-out proper scores of candidate teachers (classifiers or, with ``scoring="mse"``,
    regressors), with paired standard errors.

    A teacher helps a student to the extent that its probabilities are close to the
    Bayes class-probabilities ``p*`` in mean squared error (Proposition 3 of Menon et
    al.). ``p*`` is unknown on real data, but for any probability vector ``q(x)``::

        E_y ||q(x) - e_y||^2 = ||q(x) - p*(x)||^2 + E_y ||p*(x) - e_y||^2

    and the last term does not depend on the teacher. So on rows a teacher was not
    fitted on, its Brier score estimates its MSE to ``p*`` up to a constant shared by
    all teachers, and the **difference of two teachers' Brier scores is an unbiased
    estimate of the difference of their MSEs to p***. This function computes, for
    every candidate, the held-out score, its standard error, and all pairwise
    differences with standard errors paired over rows.

    Regression teachers (``scoring="mse"``, for
    :class:`~skdistill.DistilledRegressor`) are chosen by the same identity in squared
    error. A student distilled from predictions ``f(x)`` of a real target learns
    ``f`` instead of the regression function ``f*(x) = E[y | x]``, and for any
    prediction::

        E_y ||f(x) - y||^2 = ||f(x) - f*(x)||^2 + E_y ||f*(x) - y||^2

    where the last term, the noise variance at ``x``, is the same for every teacher:
    the **difference of two teachers' held-out MSEs is an unbiased estimate of the
    difference of their MSEs to f***.

    Every candidate is scored on the same rows ``(X, y)``:

    - an unfitted classifier (regressor) is scored out of fold: clones are fitted on
      the training folds of ``cv`` and predict their test fold (as
      ``cross_val_predict``), all candidates' fits in one joblib pool over ``n_jobs``;
    - a :class:`~sklearn.frozen.FrozenEstimator` around a fitted classifier (regressor),
      or a callable ``X -> probabilities`` (``X -> predictions``), predicts ``X`` as
      is: ``(X, y)`` must then be held out from its training data;
    - an array of shape ``(n_samples, n_classes)`` is taken as held-out probabilities
      on the rows of ``y`` (with ``scoring="mse"``, an array of the shape of ``y`` as
      held-out predictions; ``X`` may be None if every candidate is an array).

    Probabilities come from ``predict_proba`` (or a softmax of ``decision_function``)
    and their columns are aligned to ``classes`` by label, exactly as
    :class:`~skdistill.DistilledClassifier` reads its teacher.

    Parameters
    ----------
    candidates : dict, list or single candidate
        ``{name: candidate}``, or a list of candidates named by their lower-case class
        name (numbered when repeated, as :func:`~sklearn.pipeline.make_pipeline`
        does; arrays are named ``"proba"``, or ``"predictions"`` with ``scoring="mse"``).
        A candidate is an unfitted classifier, a ``FrozenEstimator``, a callable, or a
        probability matrix (1-D: positive-class probability of a binary problem); with
        ``scoring="mse"``, an unfitted regressor, a ``FrozenEstimator``, a callable
        ``X -> predictions``, or an array of predictions.
    X : array-like of shape (n_samples, n_features) or None
        Inputs of the scored rows; None only if every candidate is an array.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Labels of the scored rows; with ``scoring="mse"``, their real-valued targets
        (2-D for several outputs).
    scoring : {"brier", "log_loss", "mse"}, default="brier"
        Per-row score: ``"brier"``, the multiclass Brier score ``||p(x) - e_y||^2``
        summed over classes (as :func:`~skdistill.metrics.multiclass_brier_score`);
        ``"log_loss"``, ``-log p_y(x)`` (clipped as in
        :func:`sklearn.metrics.log_loss`). Both are proper scores, but **only the Brier
        differences estimate differences of MSE to p***; log-loss differences
        estimate differences of the KL divergence from ``p*``. ``"mse"`` scores
        regression teachers: the squared error ``||f(x) - y||^2`` (summed over the
        outputs of a 2-D ``y``), whose differences estimate differences of MSE to the
        regression function ``f*``.
    cv : int, cross-validation generator or iterable, default=5
        Folds for the unfitted candidates, as in
        :func:`~sklearn.model_selection.cross_val_predict`: an int (None means 5) gives
        :class:`~sklearn.model_selection.StratifiedKFold` (not shuffled), or
        :class:`~sklearn.model_selection.KFold` with ``scoring="mse"``. The folds must
        partition the rows. All candidates use the same folds. If the rows are stored
        in some order (by class, by time, by target), pass a shuffling splitter.
    classes : array-like of shape (n_classes,), default=None
        Every class label, in column order; default the sorted labels of ``y``. Give
        them when a prefit candidate knows classes absent from ``y``. Must be None
        with ``scoring="mse"``.
    n_jobs : int, default=None
        Parallel fits (joblib); None means 1 unless in a ``joblib.parallel_config``
        context.
    random_state : int, RandomState instance or None, default=None
        Seeds a splitter that shuffles but has no seed of its own (e.g.
        ``cv=KFold(5, shuffle=True)``); other splitters are used as given.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights. Every score (and difference) becomes a weighted mean of the
        per-row scores, and the cross-validated candidates are fitted with the weights
        of their training folds (a candidate whose ``fit`` takes no ``sample_weight``
        is an error). None weighs every row equally.
    return_per_row : bool, default=False
        Also return the per-row scores.
    return_proba : bool, default=False
        Also return every candidate's held-out probabilities (e.g. to reuse an
        out-of-fold matrix as soft targets), or predictions with ``scoring="mse"``.
    return_estimators : bool, default=False
        Also return the fitted fold clones of the cross-validated candidates.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        - ``names`` : list of str, one per candidate.
        - ``scoring`` : str.
        - ``scores`` : ndarray of shape (n_candidates,), mean per-row score (lower is
          better).
        - ``standard_errors`` : ndarray of shape (n_candidates,).
        - ``differences`` : ndarray of shape (n_candidates, n_candidates),
          ``differences[i, j] = scores[i] - scores[j]`` (negative: ``i`` is better).
        - ``difference_standard_errors`` : ndarray of shape (n_candidates,
          n_candidates), standard errors of the paired differences.
        - ``best_index``, ``best_name`` : the candidate with the lowest score. Whether
          it is *clearly* the best is for ``differences`` and their standard errors
          to say.
        - ``classes`` : ndarray of shape (n_classes,), the column order (None with
          ``scoring="mse"``).
        - ``n_samples`` : int, scored rows; ``n_splits`` : int or None.
        - ``n_fits`` : int, model fits performed; ``fit_time`` : float, seconds spent
          fitting and predicting, summed over fits; ``total_time`` : float, wall-clock
          seconds of the call.
        - ``per_row_scores`` : ndarray of shape (n_candidates, n_samples), if
          ``return_per_row``.
        - ``proba`` : list of ndarray of shape (n_samples, n_classes), if
          ``return_proba`` (of the shape of ``y``, the predictions, with
          ``scoring="mse"``).
        - ``estimators`` : list, per candidate the fitted fold clones in the order of
          the folds (None for a candidate that is not cross-validated), if
          ``return_estimators``.

    Notes
    -----
    What the numbers estimate, and under which assumptions:

    - the rows are independent draws from the distribution of interest;
    - no candidate was fitted on the row it is scored on (out-of-fold for
      cross-validated candidates; the caller's responsibility for prefit ones);
    - with cross-validation each row is scored by a teacher fitted on the other
      folds, that is on ``(K - 1) / K`` of the rows: the scores estimate the quality
      of a teacher trained on that much data, not of one refitted on all of it;
    - the standard errors are ``sd / sqrt(n)`` of the per-row scores (of the per-row
      score differences for ``difference_standard_errors``). They treat the per-row
      terms as independent, which ignores that the fold teachers are fitted on the
      other rows; they are approximate, and they describe the uncertainty due to the
      finite set of scored rows given the fitted teachers, not the variation of the
      teachers over fresh training samples.

    With these, ``differences[i, j]`` of the Brier score is an unbiased estimate of
    ``E_x ||p_i(x) - p*(x)||^2 - E_x ||p_j(x) - p*(x)||^2``; the constant
    ``E ||p*(x) - e_y||^2`` is unknown, so single Brier scores are MSEs only up to it.
    Likewise ``differences[i, j]`` of the MSE estimates
    ``E_x ||f_i(x) - f*(x)||^2 - E_x ||f_j(x) - f*(x)||^2``, up to the unknown noise
    variance ``E ||f*(x) - y||^2`` in each single score.
    Picking the lowest of many noisy scores favours lucky candidates: its score is
    optimistic.

    See Also
    --------
    skdistill.metrics.multiclass_brier_score : The Brier score of one matrix.
    skdistill.metrics.teacher_bias_variance : MSE to ``p*`` when ``p*`` is known.
    skdistill.plotting.TeacherComparisonDisplay : Plot of the result.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skdistill.datasets import make_gaussian_classification
    >>> from skdistill.metrics import compare_teachers
    >>> X, y, _ = make_gaussian_classification(600, separation=0.25, random_state=0)
    >>> result = compare_teachers(
    ...     {"logistic": LogisticRegression(),
    ...      "tree": DecisionTreeClassifier(max_depth=8, random_state=0)},
    ...     X, y, cv=5)
    >>> result.best_name
    'logistic'
    >>> d, se = result.differences[1, 0], result.difference_standard_errors[1, 0]
    >>> bool(d / se > 3)  # the tree is clearly farther from p* than the logistic model
    True

    Regression teachers, by their held-out squared error:

    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sklearn.linear_model import Ridge
    >>> X, y = make_friedman1(400, noise=1.0, random_state=0)
    >>> boosting = HistGradientBoostingRegressor(max_iter=50, random_state=0)
    >>> result = compare_teachers([Ridge(), boosting], X, y, scoring="mse")
    >>> result.best_name
    'histgradientboostingregressor'
    >>> d, se = result.differences[0, 1], result.difference_standard_errors[0, 1]
    >>> bool(d / se > 3)  # the linear model is clearly farther from f* (the noise cancels)
    True
    """
    start = time.perf_counter()
    task = scoring_task(scoring)
    names, values = _named_candidates(candidates, task)
    if task == "regression":
        if classes is not None:
            raise ValueError("classes has no meaning with scoring='mse', which compares "
                             "regression teachers; leave classes=None.")
        y = check_regression_target(y)
    else:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        classes = resolve_classes(y, classes)
    n_samples = y.shape[0]
    if n_samples < 2:
        raise ValueError(f"y has {n_samples} row(s); standard errors need at least 2.")
    if X is None:
        needs_X = [name for name, value in zip(names, values)
                   if isinstance(value, TeacherAdapter)]
        if needs_X:
            raise ValueError(f"X is None but candidates {needs_X} must predict on X; pass X, "
                             "or give only probability (prediction) matrices.")
    elif _num_samples(X) != n_samples:
        raise ValueError(f"X has {_num_samples(X)} rows but y has {n_samples}.")
    fit_params = [{} for _ in values]
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, n_samples)
        for i, (name, value) in enumerate(zip(names, values)):
            if isinstance(value, TeacherAdapter) and not value.prefit:
                value.check_sample_weight(
                    f"candidate {name!r} ({type(value.teacher).__name__})")
                fit_params[i] = {"sample_weight": sample_weight}
    result = score_candidates(
        names, values, X, y, scoring=scoring, cv=cv, classes=classes,
        n_jobs=n_jobs, random_state=random_state, fit_params=fit_params,
        sample_weight=sample_weight,
    )
    per_row, probas, estimators = (result.pop(key) for key in
                                   ("per_row_scores", "proba", "estimators"))
    if return_per_row:
        result.per_row_scores = per_row
    if return_proba:
        result.proba = probas
    if return_estimators:
        result.estimators = estimators
    result.total_time = time.perf_counter() - start
    return result


def score_candidates(names, candidates, X, y, *, scoring, cv, classes, n_jobs=None,
                     random_state=None, fit_params=None, split_params=None,
                     sample_weight=None):
    """The work of :func:`compare_teachers` on checked inputs.

    ``candidates`` are teacher adapters (a prefit one predicts ``X``, one fitted here is
    cross-fitted) or probability matrices. ``classes=None`` means regression teachers
    (``scoring="mse"``), whose outputs are predictions of the real-valued ``y``.
    ``fit_params`` holds one dict of fit parameters per candidate (row-aligned ones are
    indexed by the training fold); ``split_params`` go to the splitter's ``split``;
    ``sample_weight`` weights the per-row scores. Returns the result ``Bunch`` with
    ``per_row_scores``, ``proba`` (the held-out outputs) and ``estimators`` always
    included.
    """
    n_samples = y.shape[0]
    regression = classes is None
    fit_params = fit_params or [{} for _ in candidates]
    probas = [None] * len(candidates)
    to_fit = []
    for i, (name, candidate) in enumerate(zip(names, candidates)):
        if not isinstance(candidate, TeacherAdapter):
            probas[i] = (_check_prediction_candidate(candidate, name, y) if regression else
                         _check_proba_candidate(candidate, name, n_samples, classes))
        elif candidate.prefit:
            try:
                probas[i] = candidate.outputs(X, classes)
            except ValueError as exc:
                raise ValueError(f"candidate {name!r}: {exc}") from exc
        else:
            to_fit.append(i)

    estimators = [None] * len(candidates)
    splits = None
    fit_time = 0.0
    if to_fit:
        splits = check_splits(
            cv, X, y, random_state=random_state, split_params=split_params,
            hint=" To score on a single held-out set, fit the candidates yourself and pass "
                 "them in sklearn.frozen.FrozenEstimator with the held-out (X, y).",
            classifier=not regression,
        )
        results = cross_fit_outputs([candidates[i] for i in to_fit], X, y, classes, splits,
                                    n_jobs=n_jobs, fit_params=[fit_params[i] for i in to_fit])
        for i, result in zip(to_fit, results):
            probas[i], estimators[i] = result.outputs, result.estimators
            fit_time += result.fit_time

    if regression:
        # a teacher's own shape (a net's one column for a 1-D y) is reconciled with y's
        probas = [P if not isinstance(c, TeacherAdapter) else
                  _check_prediction_candidate(P, name, y)
                  for name, c, P in zip(names, candidates, probas)]
        targets = y
    else:
        targets = np.searchsorted(classes, y)
    per_row = np.stack([per_row_scores(P, targets, scoring) for P in probas])
    result = summarise_scores(names, per_row, scoring, sample_weight)
    result.update(
        classes=classes,
        n_splits=None if splits is None else len(splits),
        n_fits=0 if splits is None else len(to_fit) * len(splits),
        fit_time=fit_time,
        per_row_scores=per_row,
        proba=probas,
        estimators=estimators,
    )
    return result
