"""TeacherSearchCV and TeacherSearchRegressorCV: choose a teacher among candidates by its
held-out proper score (of class-probabilities, or the squared error of predictions)."""

from __future__ import annotations

import time
from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_y,
    _num_samples,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._seeding import draw_seeds
from ._selection import (
    CLASSIFICATION_SCORINGS,
    REGRESSION_SCORINGS,
    auto_names,
    check_candidate,
    score_candidates,
)
from ._teacher import as_teacher
from ._validation import as_given, check_sample_weight


def _search_has(attr=None):
    """Whether the refitted best candidate (else, before fit, every candidate) has
    ``attr``; None asks only for the refit."""

    def check(self):
        if not self.refit:
            raise AttributeError(
                "This TeacherSearchCV was initialised with refit=False: it keeps the "
                "comparison only and cannot predict. Use refit=True."
            )
        if attr is None:
            return True
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
            return True
        for _, candidate in self._named_candidates():
            getattr(candidate, attr)
        return True

    return check


class _TeacherSearch(MetaEstimatorMixin, BaseEstimator):
    """What :class:`TeacherSearchCV` and :class:`TeacherSearchRegressorCV` share: the named
    candidates and their parameters, the out-of-fold comparison, the refit and the
    routing. A subclass sets the task of its candidates and checks its targets."""

    _parameter_constraints: dict = {
        "candidates": [list],
        "cv": ["cv_object"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "refit": ["boolean"],
    }

    #: The task of the candidates ("classification" or "regression"), and what one is.
    _task = "classification"
    _noun = "classifier"
    #: What to do with a candidate that is not an estimator, or is one of the other task.
    _not_an_estimator_hint = ""
    _other_task_hint = ""

    # -- candidates and their names ------------------------------------------------

    def _named_candidates(self):
        """``[(name, candidate), ...]``; unnamed candidates get automatic names."""
        items = list(self.candidates)
        for item in items:
            if isinstance(item, tuple) and not (len(item) == 2 and isinstance(item[0], str)):
                raise ValueError(f"a named candidate is a (str, {self._noun}) pair; got "
                                 f"{item!r}.")
        unnamed = [i for i, item in enumerate(items) if not isinstance(item, tuple)]
        auto = dict(zip(unnamed, auto_names(type(items[i]).__name__.lower() for i in unnamed)))
        return [item if isinstance(item, tuple) else (auto[i], item)
                for i, item in enumerate(items)]

    def _checked_candidates(self):
        """Named candidates, validated: names unique and usable, every one a teacher."""
        if not self.candidates:
            raise ValueError(f"candidates is empty; give at least one {self._noun}.")
        named = self._named_candidates()
        names = [name for name, _ in named]
        if len(set(names)) != len(names):
            raise ValueError(f"candidate names must be unique; got {names}.")
        clash = sorted(set(names) & set(self._get_param_names()))
        if clash:
            raise ValueError(f"candidate names {clash} clash with parameters of "
                             f"{type(self).__name__}; rename them.")
        if any("__" in name for name in names):
            raise ValueError(f"candidate names must not contain '__'; got {names}.")
        for name, candidate in named:
            if isinstance(candidate, type):
                raise TypeError(f"candidate {name!r} is the class {candidate.__name__}; give an "
                                f"instance, {candidate.__name__}().")
            if not hasattr(candidate, "fit"):
                raise TypeError(f"candidate {name!r} is a {type(candidate).__name__}, not a "
                                f"{self._noun}. {self._not_an_estimator_hint}")
            check_candidate(name, as_teacher(candidate), self._task, self._other_task_hint)
        return named

    def get_params(self, deep=True):
        """Parameters of this estimator; with ``deep``, also every candidate by name and
        its parameters as ``name__param``.

        Parameters
        ----------
        deep : bool, default=True

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        if not deep:
            return params
        try:
            named = self._named_candidates()
        except (TypeError, ValueError):
            return params  # invalid candidates: fit says why
        for name, candidate in named:
            params[name] = candidate
            if hasattr(candidate, "get_params"):
                for key, value in candidate.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        """Set parameters; a candidate's name replaces that candidate.

        Replacing a candidate turns ``candidates`` into ``(name, estimator)`` pairs with
        the current names, so that no other candidate's name changes.

        Parameters
        ----------
        **params : dict

        Returns
        -------
        self : object
        """
        if "candidates" in params:
            self.candidates = params.pop("candidates")
        try:
            names = [name for name, _ in self._named_candidates()]
        except (TypeError, ValueError):
            names = []  # invalid candidates: fit says why
        replaced = {key: params.pop(key) for key in list(params) if key in names}
        if replaced:
            self.candidates = [(name, replaced.get(name, candidate))
                               for name, candidate in self._named_candidates()]
        return super().set_params(**params)

    # -- fit ------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Score every candidate out of fold, pick the best, refit it on all rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (:class:`TeacherSearchCV`), or real-valued targets
            (:class:`TeacherSearchRegressorCV`, 2-D for several outputs).
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights: every held-out score becomes a weighted mean, and the
            candidates are fitted with the weights (a candidate whose ``fit`` does not
            take them is an error). With metadata routing enabled they reach the
            candidates that request them, and the scores in any case; inside another
            meta-estimator (e.g. as the teacher of a ``DistilledClassifier``), request
            them on the search too: ``search.set_fit_request(sample_weight=True)``.
        **fit_params : dict
            Only with metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``): further metadata,
            routed to the candidates' ``fit`` and the splitter's ``split`` (e.g.
            ``groups``) as they request it.

        Returns
        -------
        self : object
            The fitted search.
        """
        _raise_for_params(fit_params, self, "fit")
        named = self._checked_candidates()
        names = [name for name, _ in named]
        # X reaches the candidates as given (a DataFrame keeps its columns and dtypes);
        # each candidate checks its values as it would on its own
        X, y = validate_data(self, as_given(X), y, skip_check_array=True)
        y = _check_y(y, **self._target_checks())
        check_consistent_length(X, y)
        n_samples = _num_samples(X)
        if n_samples < 2:
            raise ValueError(f"n_samples={n_samples}: {type(self).__name__} needs at least 2 "
                             "rows to score candidates out of fold.")
        classes = self._classes(y)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n_samples)
        candidate_params, split_params = self._route(named, sample_weight, fit_params)

        seeds = draw_seeds(self.random_state, len(named) + 1)
        candidates = [as_teacher(c).seeded(seed) for (_, c), seed in zip(named, seeds)]
        comparison = score_candidates(
            names, candidates, X, y, scoring=self.scoring, cv=self.cv,
            classes=classes, n_jobs=self.n_jobs, random_state=seeds[-1],
            fit_params=candidate_params, split_params=split_params, sample_weight=sample_weight,
        )
        for key in ("per_row_scores", "proba", "estimators"):
            del comparison[key]
        self.comparison_ = comparison
        self.best_index_ = comparison.best_index
        self.best_name_ = comparison.best_name
        self.best_score_ = float(comparison.scores[self.best_index_])
        self.n_fits_ = comparison.n_fits
        self.refit_time_ = 0.0
        if self.refit:
            best = candidates[self.best_index_]
            start = time.perf_counter()
            self.best_estimator_ = best.seeded(best.seed).fit(
                X, y, **candidate_params[self.best_index_]).teacher
            self.n_fits_ += not best.prefit
            self.refit_time_ = time.perf_counter() - start
        return self

    def _target_checks(self):
        """Parameters of ``validate_data``'s check of ``y``."""
        return {}

    def _classes(self, y):
        """The classes of the checked ``y`` (set as ``classes_``), or None for regression."""
        raise NotImplementedError

    def _route(self, named, sample_weight, fit_params):
        """Fit parameters of every candidate and the splitter's split parameters."""
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **fit_params)
            return ([dict(routed[name].fit) for name, _ in named],
                    dict(routed.splitter.split) if "splitter" in routed else {})
        if sample_weight is None:
            return [{} for _ in named], {}
        params = []
        for name, candidate in named:
            teacher = as_teacher(candidate)
            teacher.check_sample_weight(f"candidate {name!r} ({type(candidate).__name__})")
            params.append({} if teacher.prefit else {"sample_weight": sample_weight})
        return params, {}

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, as_given(X), skip_check_array=True, reset=False)

    # -- scikit-learn protocol ------------------------------------------------------

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes to every candidate's ``fit`` (by its name) and to the ``cv``
        splitter's ``split``; ``sample_weight`` also weights the held-out scores.

        Returns
        -------
        routing : MetadataRouter
        """
        router = MetadataRouter(owner=self).add_self_request(self)
        for name, candidate in self._named_candidates():
            router.add(**{name: candidate},
                       method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        router.add(splitter=self.cv, method_mapping=MethodMapping().add(caller="fit",
                                                                         callee="split"))
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            named = self._named_candidates()
        except (TypeError, ValueError):
            return tags
        tags.input_tags.sparse = all(get_tags(c).input_tags.sparse for _, c in named)
        tags.input_tags.allow_nan = all(get_tags(c).input_tags.allow_nan for _, c in named)
        return tags


class TeacherSearchCV(ClassifierMixin, _TeacherSearch):
    """Choose a teacher among candidates by its held-out Brier score, then be that teacher.

    For any probability vector ``q(x)``, ``E_y ||q(x) - e_y||^2 = ||q(x) - p*(x)||^2 +
    E_y ||p*(x) - e_y||^2`` and the last term is the same for every teacher, so on rows
    a candidate was not fitted on, its Brier score is its mean squared error to the Bayes
    class-probabilities ``p*`` up to a constant shared by all candidates — the quantity
    that Proposition 3 of Menon et al. charges to a distilled student. ``fit`` scores
    every candidate out of fold with :func:`~skdistill.metrics.compare_teachers` (all
    candidates on the same folds, all fits in one parallel pool), picks the lowest
    held-out score, refits that candidate on all rows and then predicts as it does.

    Use it as the ``teacher`` of :class:`~skdistill.DistilledClassifier` (with or
    without ``teacher_cv``), in a :class:`~sklearn.pipeline.Pipeline`, or alone to pick
    a well-calibrated classifier. Choosing by a score of the probabilities costs
    ``cv`` fits per candidate; choosing by the score of the student each candidate
    distils costs a whole (cross-validated) distillation per candidate.

    Parameters
    ----------
    candidates : list of classifiers or of (str, classifier) tuples
        The teachers to choose from. A classifier is an unfitted estimator with
        ``predict_proba`` or ``decision_function`` (read through a softmax, as
        :class:`~skdistill.DistilledClassifier` reads a teacher), or a
        :class:`~sklearn.frozen.FrozenEstimator` around a fitted one, which is scored
        on ``X`` as it is and must not have been fitted on it. Unnamed candidates are
        named by their lower-case class name, numbered when repeated (as
        :func:`~sklearn.pipeline.make_pipeline` does); the names address nested
        parameters (``set_params(randomforestclassifier__max_depth=4)``). Wrap a known
        probability function in :class:`~skdistill.BayesTeacher`; precomputed
        probability matrices are compared with
        :func:`~skdistill.metrics.compare_teachers`.
    scoring : {"brier", "log_loss"}, default="brier"
        The held-out proper score to minimise. Only Brier differences estimate
        differences of the MSE to ``p*`` (the quantity in the paper's bound); log-loss
        differences estimate differences of the KL divergence from ``p*``.
    cv : int, cross-validation generator or iterable, default=5
        Folds of the out-of-fold scoring, as in
        :func:`~sklearn.model_selection.cross_val_predict` (an int gives
        :class:`~sklearn.model_selection.StratifiedKFold`, not shuffled); they must
        partition the rows.
    n_jobs : int, default=None
        Parallel candidate-fold fits (joblib); None means 1 unless in a
        ``joblib.parallel_config`` context.
    random_state : int, RandomState instance or None, default=None
        Seeds every ``random_state`` parameter of the candidates left at None (nested
        ones too; each candidate its own draw, shared by its fold fits and its refit)
        and a ``cv`` splitter that shuffles without a seed. None leaves the randomness
        as the candidates have it.
    refit : bool, default=True
        Refit the best candidate on all rows as ``best_estimator_``. With False only
        the comparison is kept, and the estimator cannot predict.

    Attributes
    ----------
    best_estimator_ : classifier
        The best candidate refitted on all rows (the candidate itself for a
        ``FrozenEstimator``). Only with ``refit=True``.
    best_index_ : int
        Position of the best candidate in ``candidates``.
    best_name_ : str
        Its name.
    best_score_ : float
        Its held-out score (optimistic: the lowest of several noisy scores).
    comparison_ : :class:`~sklearn.utils.Bunch`
        The result of :func:`~skdistill.metrics.compare_teachers`: every candidate's
        ``scores``, ``standard_errors``, the pairwise ``differences`` and their paired
        ``difference_standard_errors``, ``names``, ``n_fits``, ``fit_time``.
    n_fits_ : int
        Model fits performed: ``cv`` per fitted candidate, plus the refit.
    refit_time_ : float
        Seconds spent refitting the best candidate.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    skdistill.metrics.compare_teachers : The comparison alone, for any candidates.
    skdistill.DistilledClassifier : Distil the chosen teacher into a student.
    sklearn.model_selection.GridSearchCV : Search by the score of a whole pipeline.

    Notes
    -----
    The scores estimate the quality of a candidate fitted on ``(cv - 1) / cv`` of the
    rows; the refitted teacher is usually somewhat better, most for high-variance
    candidates. When the best candidate is not clearly better than the runner-up
    (``comparison_.differences`` within a few ``difference_standard_errors``), the
    choice between them matters little to the bound. With ``sample_weight``, every
    score is a weighted mean over rows.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skdistill import DistilledClassifier, TeacherSearchCV
    >>> from skdistill.datasets import make_gaussian_classification
    >>> X, y, _ = make_gaussian_classification(600, separation=0.25, random_state=0)
    >>> search = TeacherSearchCV([
    ...     ("logistic", LogisticRegression()),
    ...     ("tree", DecisionTreeClassifier(max_depth=8, random_state=0)),
    ... ]).fit(X, y)
    >>> search.best_name_, search.n_fits_
    ('logistic', 11)
    >>> search.predict_proba(X[:2]).shape
    (2, 2)
    >>> student = DistilledClassifier(teacher=search, teacher_cv=3).fit(X, y)
    >>> student.teacher_.best_name_
    'logistic'
    """

    _parameter_constraints: dict = {
        **_TeacherSearch._parameter_constraints,
        "scoring": [StrOptions(set(CLASSIFICATION_SCORINGS))],
    }
    _not_an_estimator_hint = (
        "Wrap a probability function in skdistill.BayesTeacher; compare precomputed "
        "probabilities with skdistill.metrics.compare_teachers."
    )
    _other_task_hint = " Choose among regression teachers with TeacherSearchRegressorCV."

    def __init__(self, candidates, *, scoring="brier", cv=5, n_jobs=None, random_state=None,
                 refit=True):
        self.candidates = candidates
        self.scoring = scoring
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.refit = refit

    def _classes(self, y):
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y must contain at least 2 classes; got {self.classes_.tolist()}.")
        return self.classes_

    # -- the chosen teacher ------------------------------------------------------------

    @available_if(_search_has())
    def predict_proba(self, X):
        """Class-probabilities of the best candidate, as they were scored.

        ``predict_proba`` of ``best_estimator_`` or, for a candidate with only
        ``decision_function``, the softmax of its scores; columns in the order of
        ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X(X)
        return as_teacher(self.best_estimator_).proba(X, self.classes_)

    @available_if(_search_has("predict"))
    def predict(self, X):
        """Class labels predicted by the best candidate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        return self.best_estimator_.predict(X)

    @available_if(_search_has("decision_function"))
    def decision_function(self, X):
        """Decision scores of the best candidate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._check_X(X)
        return self.best_estimator_.decision_function(X)


class TeacherSearchRegressorCV(RegressorMixin, _TeacherSearch):
    """Choose a regression teacher among candidates by its held-out squared error, then be
    that teacher.

    The regression twin of :class:`TeacherSearchCV`, for
    :class:`~skdistill.DistilledRegressor`. A student distilled from a teacher's
    predictions ``f(x)`` learns ``f`` in place of the regression function
    ``f*(x) = E[y | x]``, and for any prediction::

        E_y ||f(x) - y||^2 = ||f(x) - f*(x)||^2 + E_y ||f*(x) - y||^2

    where the last term, the noise variance at ``x``, is the same for every teacher. So
    on rows a candidate was not fitted on, its mean squared error is its MSE to ``f*``
    up to a constant shared by all candidates, and differences of held-out MSEs are
    unbiased estimates of differences of MSE to ``f*``, the squared-error counterpart of
    the quantity Proposition 3 of Menon et al. charges to a student. ``fit`` scores
    every candidate out of fold with :func:`~skdistill.metrics.compare_teachers`
    (``scoring="mse"``; all candidates on the same folds, all fits in one parallel
    pool), picks the lowest held-out score, refits that candidate on all rows and then
    predicts as it does.

    A separate class rather than a ``scoring`` of :class:`TeacherSearchCV`, as
    scikit-learn pairs ``StackingClassifier`` with ``StackingRegressor``: whether an
    estimator is a classifier or a regressor is what ``is_regressor``, the default
    folds of ``cross_val_score``, its ``score`` (R² here) and
    :class:`~skdistill.DistilledRegressor`'s choice of teacher kind read, and it should
    not change with a parameter.

    Parameters
    ----------
    candidates : list of regressors or of (str, regressor) tuples
        The teachers to choose from: unfitted regressors (a ``Pipeline`` ending in one,
        a skorch ``NeuralNetRegressor``), or a :class:`~sklearn.frozen.FrozenEstimator`
        around a fitted one, which is scored on ``X`` as it is and must not have been
        fitted on it. Unnamed candidates are named by their lower-case class name,
        numbered when repeated; the names address nested parameters
        (``set_params(ridge__alpha=10)``). Prediction functions and precomputed
        predictions are compared with :func:`~skdistill.metrics.compare_teachers`.
    scoring : {"mse"}, default="mse"
        The held-out score to minimise: the squared error ``||f(x) - y||^2`` of a row
        (summed over the outputs of a 2-D ``y``), averaged over rows.
    cv : int, cross-validation generator or iterable, default=5
        Folds of the out-of-fold scoring, as in
        :func:`~sklearn.model_selection.cross_val_predict` (an int gives
        :class:`~sklearn.model_selection.KFold`, not shuffled); they must partition
        the rows.
    n_jobs : int, default=None
        Parallel candidate-fold fits (joblib); None means 1 unless in a
        ``joblib.parallel_config`` context.
    random_state : int, RandomState instance or None, default=None
        Seeds every ``random_state`` parameter of the candidates left at None (nested
        ones too; each candidate its own draw, shared by its fold fits and its refit)
        and a ``cv`` splitter that shuffles without a seed.
    refit : bool, default=True
        Refit the best candidate on all rows as ``best_estimator_``. With False only
        the comparison is kept, and the estimator cannot predict.

    Attributes
    ----------
    best_estimator_ : regressor
        The best candidate refitted on all rows (the candidate itself for a
        ``FrozenEstimator``). Only with ``refit=True``.
    best_index_ : int
        Position of the best candidate in ``candidates``.
    best_name_ : str
        Its name.
    best_score_ : float
        Its held-out mean squared error (optimistic: the lowest of several noisy ones).
    comparison_ : :class:`~sklearn.utils.Bunch`
        The result of :func:`~skdistill.metrics.compare_teachers`, as for
        :class:`TeacherSearchCV`.
    n_fits_ : int
        Model fits performed: ``cv`` per fitted candidate, plus the refit.
    refit_time_ : float
        Seconds spent refitting the best candidate.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    TeacherSearchCV : The same choice among classification teachers (Brier score).
    skdistill.metrics.compare_teachers : The comparison alone, for any candidates.
    skdistill.DistilledRegressor : Distil the chosen teacher into a student.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from sklearn.linear_model import Ridge
    >>> from skdistill import DistilledRegressor, TeacherSearchRegressorCV
    >>> X, y = make_friedman1(400, noise=1.0, random_state=0)
    >>> search = TeacherSearchRegressorCV([
    ...     ("ridge", Ridge()),
    ...     ("boosting", HistGradientBoostingRegressor(max_iter=50, random_state=0)),
    ... ]).fit(X, y)
    >>> search.best_name_, search.n_fits_
    ('boosting', 11)
    >>> student = DistilledRegressor(teacher=search).fit(X, y)
    >>> student.teacher_.best_name_
    'boosting'
    """

    _parameter_constraints: dict = {
        **_TeacherSearch._parameter_constraints,
        "scoring": [StrOptions(set(REGRESSION_SCORINGS))],
    }
    _task = "regression"
    _noun = "regressor"
    _not_an_estimator_hint = (
        "Compare a prediction function or precomputed predictions with "
        "skdistill.metrics.compare_teachers(..., scoring='mse')."
    )
    _other_task_hint = " Choose among classification teachers with TeacherSearchCV."

    def __init__(self, candidates, *, scoring="mse", cv=5, n_jobs=None, random_state=None,
                 refit=True):
        self.candidates = candidates
        self.scoring = scoring
        self.cv = cv
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.refit = refit

    def _target_checks(self):
        return {"y_numeric": True, "multi_output": get_tags(self).target_tags.multi_output}

    def _classes(self, y):
        return None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            named = self._named_candidates()
        except (TypeError, ValueError):
            return tags
        tags.target_tags.multi_output = all(as_teacher(c).multi_output() for _, c in named)
        return tags

    @available_if(_search_has("predict"))
    def predict(self, X):
        """Predictions of the best candidate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        X = self._check_X(X)
        return as_teacher(self.best_estimator_).predict(X)
