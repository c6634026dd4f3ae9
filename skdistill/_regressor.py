"""DistilledRegressor: teacher -> predictions, mixed with y -> student fitted on them."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import UNUSED, _raise_for_params
from sklearn.utils.validation import (
    _num_samples,
    check_array,
    check_consistent_length,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)

from ._alpha_search import (
    alpha_folds,
    enough_for_alpha_search,
    held_out_squared_error,
    rows_of,
    search_alpha,
)
from ._net_fitting import fit_net_on_values
from ._nets import ends_in_skorch_net, predict_net_values, torch_seeded
from ._pipelines import final_estimator, fit_to_final_estimator
from ._routing import route_fit, teacher_student_router
from ._seeding import draw_seeds, seed_random_states
from ._synthetic import append_synthetic_rows
from ._teacher import as_teacher, cached, labelled_part, teacher_step
from ._validation import (
    as_given,
    check_predict_input,
    check_predictions,
    check_sample_weight,
    estimator_type,
)
from ._verbose import phase, say


def _marks_nan(label):
    return isinstance(label, Real) and np.isnan(label)


def mix_targets(predictions, y, labelled, alpha):
    """The student's targets: ``t = alpha * f_teacher(x) + (1 - alpha) * y`` on the labelled
    rows, ``t = f_teacher(x)`` on the others.

    Examples
    --------
    >>> import numpy as np
    >>> mix_targets(np.array([1.0, 2.0]), np.array([3.0, np.nan]),
    ...             np.array([True, False]), alpha=0.5).tolist()
    [2.0, 2.0]
    """
    targets = np.array(predictions, dtype=np.float64)
    targets[labelled] = alpha * targets[labelled] + (1.0 - alpha) * y[labelled]
    return targets


def _check_student(student):
    """Refuse, before any fitting, a student that is not a regressor."""
    if isinstance(student, type):
        raise TypeError(
            f"the student must be an estimator instance, not the class {student.__name__}: "
            f"pass {student.__name__}() (with its parameters) instead."
        )
    kind = estimator_type(student)
    if kind == "classifier":
        raise TypeError(
            f"the student {type(student).__name__} is a classifier: DistilledRegressor fits a "
            "regressor on the teacher's predictions. To distil class-probabilities into a "
            "classifier, use skdistill.DistilledClassifier."
        )
    if kind != "regressor":
        raise TypeError(
            f"the student {type(student).__name__} is not a regressor (scikit-learn's "
            "is_regressor is False for it): give a regressor, a Pipeline ending in one, or a "
            "skorch NeuralNetRegressor."
        )


def _check_student_weights(student, sample_weight):
    """Refuse row weights that the student's fit cannot take, before the teacher is fitted."""
    if sample_weight is None:
        return
    final = final_estimator(student)
    if ends_in_skorch_net(student) or not has_fit_parameter(final, "sample_weight"):
        raise ValueError(
            f"sample_weight was given but the student {type(final).__name__} does not accept "
            "sample_weight in fit. Leave sample_weight out, use a student whose fit takes it, "
            "or enable metadata routing (sklearn.set_config(enable_metadata_routing=True)) "
            "and request it for the teacher only."
        )


def _fit_student(student, X, targets, sample_weight, seed):
    """Fit ``student`` in place on ``(X, targets)``.

    Row weights reach every step of a pipeline whose ``fit`` takes them (so that a
    weighted fit equals the fit on repeated rows), as for the classifier's students; a
    skorch net gets float32 input and targets, its torch RNG seeded by ``seed``.
    """
    if ends_in_skorch_net(student):
        with torch_seeded(seed):
            fit_net_on_values(student, X, targets)
    elif sample_weight is None:
        student.fit(X, targets)
    else:
        final, Xt = fit_to_final_estimator(student, X, targets, sample_weight)
        final.fit(Xt, targets, sample_weight=sample_weight)


def _student_takes(student, what):
    """Whether the student takes sparse ``X`` (``"sparse"``), NaN (``"allow_nan"``) or a
    2-D target (``"multi_output"``); a skorch net densifies rows and is as wide as its
    module."""
    if ends_in_skorch_net(student) and what in ("sparse", "multi_output"):
        return True
    tags = get_tags(student)
    if what == "multi_output":
        return tags.target_tags.multi_output
    return getattr(tags.input_tags, what)


class DistilledRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Fit a student regressor on a teacher's predictions.

    The regression counterpart of :class:`~skdistill.DistilledClassifier`: the student
    is fitted on ``t_n = alpha * f_teacher(x_n) + (1 - alpha) * y_n`` for the labelled
    rows and ``t_n = f_teacher(x_n)`` for the unlabelled ones. With squared error, the
    argument of Menon et al. carries over exactly: a student fitted on targets ``f(x)``
    estimates ``f`` in place of the regression function ``f*(x) = E[y | x]``, and the
    teacher helps to the extent that ``E_x ||f(x) - f*(x)||^2`` (its bias and variance)
    is small, trading the label noise ``y - f*(x)`` for the teacher's error. For any
    prediction ``f(x)``::

        E_y ||f(x) - y||^2 = ||f(x) - f*(x)||^2 + E_y ||f*(x) - y||^2

    so the held-out MSE of a teacher measures its MSE to ``f*`` up to the noise
    variance, the same for every teacher: choose teachers by it with
    :class:`~skdistill.TeacherSearchRegressorCV` or
    ``compare_teachers(..., scoring="mse")``.

    Flow of :meth:`fit`:

    1. the teacher is fitted on the labelled rows (or reused, or called);
    2. its predictions on every row (out of fold on the labelled rows with
       ``teacher_cv``) are mixed with ``y`` on the labelled rows (``alpha``);
    3. a clone of the student is fitted on these targets.

    ``X`` is handed to the teacher and the student as it was given: a DataFrame with
    categorical, string or missing values reaches a ``Pipeline`` (e.g. a
    ``ColumnTransformer``) or a ``HistGradientBoostingRegressor(
    categorical_features="from_dtype")`` untouched; only its feature names and number
    of features are checked here.

    Parameters
    ----------
    student : regressor, default=None
        The model to train: a scikit-learn regressor, a ``Pipeline`` ending in one, or
        a skorch ``NeuralNetRegressor`` (fitted on float32 input and targets). None
        means ``Ridge()``: the regression twin of the classifier's default
        ``LogisticRegression()`` (a linear model with an L2 penalty), small and
        deterministic, and it takes row weights, sparse input and several outputs.
    teacher : regressor or callable, default=None
        - an unfitted regressor (or a ``Pipeline`` ending in one, or a skorch
          ``NeuralNetRegressor``): cloned and fitted on the labelled rows;
        - a :class:`~sklearn.frozen.FrozenEstimator` around a fitted regressor: used
          as is, never refitted;
        - a callable ``X -> predictions`` of shape ``(n_samples,)`` (or
          ``(n_samples, n_outputs)``), e.g. a known regression function.

        A classifier is refused: distil it with
        :class:`~skdistill.DistilledClassifier`. None means
        ``HistGradientBoostingRegressor()``, fitted with the squared error and so an
        estimate of ``f*``.
    alpha : float in [0, 1] or "auto", default="auto"
        On labelled rows ``t = alpha * f_teacher(x) + (1 - alpha) * y``: 1 is pure
        distillation, 0 is ordinary training on ``y``. Unlabelled rows always take
        ``t = f_teacher(x)``.

        ``"auto"`` (the default): the ``alpha`` in ``(0, 0.5, 1)`` whose student has the
        lowest held-out squared error, by cross-validation over the labelled rows, so
        that a teacher which would make the student worse than its own fit on ``y``
        gets ``alpha = 0``. The folds mirror the final fit, as for
        :class:`~skdistill.DistilledClassifier`'s ``alpha="auto"``: without
        ``teacher_cv``, a copy of the teacher fitted on each of 3 folds' training rows
        (cached with ``memory``); with it, its folds and out-of-fold predictions; a
        prefit teacher's predictions as they are. With fewer than 6 labelled rows,
        ``alpha = 1`` with a warning. The choice is ``alpha_``, the mean held-out
        squared error of each value ``alpha_scores_``.
    teacher_cv : int, cross-validation generator, iterable or None, default=None
        None: the teacher predicts on the rows it was fitted on. Otherwise the targets
        of the labelled rows come out of fold (as ``cross_val_predict`` for a
        regressor: an int gives :class:`~sklearn.model_selection.KFold`, not
        stratified), in parallel over ``n_jobs``, and ``teacher_`` is then refitted on
        all labelled rows to predict the unlabelled ones. The paper's analysis assumes
        the teacher's and the student's samples are disjoint; out-of-fold targets, or
        an unlabelled pool, honour that. Not allowed with a ``FrozenEstimator`` or
        callable teacher, which are never fitted here.
    unlabeled_label : float or None, default=None
        The value of ``y`` that marks an unlabelled row. ``np.nan`` means that NaN
        marks them (the natural marker of a missing real target). The teacher is
        fitted on the labelled rows only; the student trains on all rows, the
        unlabelled ones taking the teacher's predictions. For a 2-D ``y``, a row is
        unlabelled when every output is marked; a row marked in some outputs only is
        an error. None (default) means every row is labelled. With a prefit or
        callable teacher every row may be unlabelled (distillation on a pool).
    n_jobs : int, default=None
        Parallel fold fits of ``teacher_cv`` (joblib); None means 1 unless in a
        ``joblib.parallel_config`` context.
    random_state : int, RandomState instance or None, default=None
        Seeds the ``random_state`` parameters of the teacher and the student left at
        None (nested ones too; each its own draw, the out-of-fold copies sharing the
        teacher's), a ``teacher_cv`` splitter that shuffles without a seed, and the
        torch RNG of a net's fit. None leaves the randomness as the models have it.
    memory : str, object with the joblib.Memory interface or None, default=None
        Caches the teacher step (its fit and its predictions) as
        ``Pipeline(memory=...)`` caches transformers, keyed by the teacher with its
        parameters and seed, the data, the labels, the routed fit parameters and the
        folds' settings: a grid search over the student's or ``alpha``'s parameters
        fits each teacher once per training fold.
    augment : {"munge", "perturb"} or None, default=None
        Synthetic rows for the student, made from the labelled rows after the teacher is
        fitted and labelled by the teacher's predictions (never by ``y``), as in
        :class:`~skdistill.DistilledClassifier`; see :ref:`augmentation`.
    augment_size : float > 0, default=1.0
        The number of synthetic rows as a multiple of the number of labelled rows.
    keep_teacher : bool, default=True
        Keep the fitted teacher as ``teacher_``. False sets ``teacher_`` to None after
        fit, so that a saved model carries only the student.
        A prefit teacher (a ``FrozenEstimator``, a callable) is the ``teacher``
        parameter itself, which ``get_params`` keeps: call
        ``set_params(teacher=None)`` on the fitted estimator before saving it (its
        predictions use only ``student_``).
    verbose : int, default=0
        Print one line per phase of the fit: the teacher's fit (or its cache hit), its
        out-of-fold fits and predictions, the student's fit.

    Attributes
    ----------
    student_ : regressor
        The fitted student; prediction is its.
    teacher_ : regressor, callable or None
        The fitted teacher (the ``FrozenEstimator`` or callable as given); None with
        ``keep_teacher=False``.
    alpha_ : float
        The ``alpha`` applied: ``alpha`` itself, or the one chosen with ``alpha="auto"``.
    alpha_scores_ : ndarray of shape (3,) or None
        With ``alpha="auto"``: the mean held-out squared error of the student at each
        ``alpha`` of ``(0, 0.5, 1)``; None when no search ran.
    n_synthetic_ : int
        The number of synthetic rows the student was trained on (0 without ``augment``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    skdistill.DistilledClassifier : Distillation of class-probabilities.
    skdistill.TeacherSearchRegressorCV : Choose the teacher by its held-out MSE.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from skdistill import DistilledRegressor
    >>> X, y = make_friedman1(n_samples=300, random_state=0)
    >>> reg = DistilledRegressor(
    ...     student=DecisionTreeRegressor(max_depth=4),
    ...     teacher=RandomForestRegressor(n_estimators=50),
    ...     teacher_cv=3, random_state=0,
    ... ).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> bool(reg.score(X, y) > 0.6)
    True
    """

    # fit's sample_weight goes where the teacher and the student request it; the
    # estimator itself consumes sample_weight only in score (set_score_request).
    __metadata_request__fit = {"sample_weight": UNUSED}

    _parameter_constraints: dict = {
        "student": [HasMethods(["fit", "predict"]), None],
        "teacher": [HasMethods(["fit"]), callable, None],
        "alpha": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "teacher_cv": ["cv_object"],
        "unlabeled_label": [Real, None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "memory": [None, str, HasMethods(["cache"])],
        "augment": [StrOptions({"munge", "perturb"}), None],
        "augment_size": [Interval(Real, 0, None, closed="neither")],
        "keep_teacher": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        student=None,
        teacher=None,
        *,
        alpha="auto",
        teacher_cv=None,
        unlabeled_label=None,
        n_jobs=None,
        random_state=None,
        memory=None,
        augment=None,
        augment_size=1.0,
        keep_teacher=True,
        verbose=0,
    ):
        self.student = student
        self.teacher = teacher
        self.alpha = alpha
        self.teacher_cv = teacher_cv
        self.unlabeled_label = unlabeled_label
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.memory = memory
        self.augment = augment
        self.augment_size = augment_size
        self.keep_teacher = keep_teacher
        self.verbose = verbose

    def _get_student(self):
        return Ridge() if self.student is None else self.student

    def _get_teacher(self):
        return HistGradientBoostingRegressor() if self.teacher is None else self.teacher

    # -- fit --------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the teacher (unless prefit), mix its predictions with ``y``, fit the student.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training inputs, labelled and (with ``unlabeled_label``) unlabelled rows,
            handed to the teacher and the student as given.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Real-valued targets; ``unlabeled_label`` marks rows without one.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the teacher's fit (if it accepts them) and by the
            student's. With metadata routing enabled, they go where the
            sub-estimators request them.
        **fit_params : dict
            Only with metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``): further
            metadata for the teacher's ``fit``.

        Returns
        -------
        self : DistilledRegressor
        """
        _raise_for_params(fit_params, self, "fit")
        student = self._get_student()
        _check_student(student)
        teacher = as_teacher(self._get_teacher()).check("regression")
        if self.teacher_cv is not None and teacher.prefit:
            raise ValueError(
                "teacher_cv has no effect with a prefit (FrozenEstimator) or callable teacher, "
                "which is never refitted; set teacher_cv=None."
            )
        X, y = validate_data(self, as_given(X), y, skip_check_array=True)
        y = self._check_y(y)
        check_consistent_length(X, y)
        n_samples = _num_samples(X)
        if n_samples < 2:
            raise ValueError(f"DistilledRegressor needs at least 2 rows to fit; got "
                             f"{n_samples} sample(s).")
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n_samples)
        labelled = self._labelled_mask(y, allow_none=teacher.prefit)
        self._training_dim = y.ndim

        routed = route_fit(self, teacher, sample_weight, fit_params)
        _check_student_weights(student, routed["student"])
        parts = ("teacher", "teacher_cv", "student", "augment")
        seeds = dict(zip(parts, draw_seeds(self.random_state, len(parts))))
        self.student_ = seed_random_states(clone(student), seeds["student"])
        teacher = teacher.seeded(seeds["teacher"])
        fitted, predictions = self._teacher_step(teacher, X, y, labelled, routed["teacher"],
                                                 seeds["teacher_cv"])
        self.alpha_scores_ = None
        if isinstance(self.alpha, str):
            with phase(self.verbose, type(self).__name__,
                       "alpha search (held-out squared error of the student)"):
                self.alpha_, self.alpha_scores_ = self._auto_alpha(
                    teacher, fitted, X, y, predictions, labelled, routed, seeds)
        else:
            self.alpha_ = float(self.alpha)
        targets = mix_targets(predictions, y, labelled, self.alpha_)
        weights = routed["student"]
        n_samples = _num_samples(X)
        if self.augment is not None:
            with phase(self.verbose, type(self).__name__,
                       f"augment={self.augment!r}: synthetic rows labelled by the teacher"):
                X, new_targets, weights, _ = append_synthetic_rows(
                    X, labelled, weights, method=self.augment, size=self.augment_size,
                    random_state=seeds["augment"],
                    teacher_outputs=lambda X_new: self._predictions(fitted, X_new, y))
                targets = np.concatenate([targets, new_targets], axis=0)
        self.n_synthetic_ = _num_samples(X) - n_samples
        with phase(self.verbose, type(self).__name__,
                   f"student fit ({type(final_estimator(student)).__name__})"):
            _fit_student(self.student_, X, targets, weights, seeds["student"])
        self.teacher_ = fitted.teacher if self.keep_teacher else None
        return self

    def _check_y(self, y):
        """``y`` as float64, 1-D or 2-D; NaN only where ``unlabeled_label=np.nan`` allows it."""
        marks_nan = _marks_nan(self.unlabeled_label)
        try:
            y = check_array(y, input_name="y", ensure_2d=False, dtype="numeric",
                            ensure_all_finite="allow-nan" if marks_nan else True,
                            ensure_min_samples=0)
        except ValueError as exc:
            if "NaN" in str(exc):
                raise ValueError(f"{exc} If NaN marks the unlabelled rows, set "
                                 "unlabeled_label=np.nan.") from exc
            raise
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D (one column per output); got shape "
                             f"{y.shape}.")
        multi_output = get_tags(self).target_tags.multi_output
        if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
            y = column_or_1d(y, warn=True)
        if y.ndim == 2 and not multi_output:
            student = self._get_student()
            who = (f"the student {type(student).__name__}"
                   if not _student_takes(student, "multi_output")
                   else f"the teacher {type(as_teacher(self._get_teacher()).estimator).__name__}")
            raise ValueError(
                f"y has {y.shape[1]} columns (outputs) but {who} predicts a single output; "
                "wrap it in sklearn.multioutput.MultiOutputRegressor, or fit one "
                "DistilledRegressor per column of y."
            )
        return y.astype(np.float64, copy=False)

    def _labelled_mask(self, y, allow_none):
        if self.unlabeled_label is None:
            return np.ones(y.shape[0], dtype=bool)
        marked = np.isnan(y) if _marks_nan(self.unlabeled_label) else y == self.unlabeled_label
        if marked.ndim == 2:
            partly = np.flatnonzero(marked.any(axis=1) & ~marked.all(axis=1))
            if partly.size:
                raise ValueError(
                    f"row {partly[0]} of y (and {partly.size - 1} more) is unlabelled in some "
                    f"outputs only (equal to unlabeled_label={self.unlabeled_label!r}); a row is "
                    "unlabelled when every output is. Fit one DistilledRegressor per column "
                    "of y, or drop these rows."
                )
            marked = marked.all(axis=1)
        labelled = ~marked
        if not labelled.any() and not allow_none:
            raise ValueError(
                f"every row of y is unlabelled (equal to unlabeled_label="
                f"{self.unlabeled_label!r}); the teacher needs labelled rows to fit on. To "
                "distil a prefit (FrozenEstimator) or callable teacher on a pool without "
                "labels, pass it as the teacher."
            )
        return labelled

    def _teacher_step(self, teacher, X, y, labelled, fit_params, cv_seed):
        """The fitted teacher and its predictions on every row (cached in ``memory``), as
        ``y``'s shape."""
        source = type(self).__name__
        step = cached(self.memory, teacher_step, teacher)
        args = (teacher, X, y, labelled, None)
        kwargs = dict(cv=self.teacher_cv, n_jobs=self.n_jobs, fit_params=fit_params,
                      random_state=cv_seed, verbose=self.verbose, source=source)
        if self.verbose and hasattr(step, "check_call_in_cache") and step.check_call_in_cache(
                *args, **kwargs):
            say(self.verbose, source,
                f"teacher step read from the cache ({type(teacher.estimator).__name__})")
        fitted, predictions = step(*args, **kwargs)
        return fitted, self._checked_predictions(predictions, y)

    def _auto_alpha(self, teacher, fitted, X, y, predictions, labelled, routed, seeds):
        """``alpha="auto"``: the student's held-out squared error over the labelled rows
        (see :mod:`skdistill._alpha_search` for the folds)."""
        rows = np.flatnonzero(labelled)
        y_lab = y[rows]
        if not enough_for_alpha_search(np.zeros(len(rows))):
            return 1.0, None
        X_lab, lab_params = labelled_part(X, labelled, routed["teacher"])
        in_sample = not teacher.prefit and self.teacher_cv is None
        splits, fold_predictions = alpha_folds(
            teacher, X_lab, y_lab, None if in_sample else predictions[rows],
            cv=self.teacher_cv, classes=None, memory=self.memory, n_jobs=self.n_jobs,
            fit_params=lab_params, random_state=seeds["teacher_cv"])
        weights = rows_of(None if routed["student"] is None
                          else np.asarray(routed["student"]), rows)

        def fit_and_score(alpha, outputs, train, test):
            student = clone(self.student_)
            outputs = self._checked_predictions(outputs, y)
            targets = mix_targets(outputs, y_lab[train], np.ones(len(train), dtype=bool), alpha)
            _fit_student(student, _safe_indexing(X_lab, train), targets,
                         rows_of(weights, train), seeds["student"])
            return held_out_squared_error(self._student_predict(student, _safe_indexing(
                X_lab, test)), y_lab[test], rows_of(weights, test))

        return search_alpha(fit_and_score, splits, fold_predictions, n_jobs=self.n_jobs)

    def _predictions(self, teacher, X, y):
        return self._checked_predictions(teacher.outputs(X, None), y)

    @staticmethod
    def _checked_predictions(predictions, y):
        return check_predictions(predictions, n_samples=_num_samples(predictions),
                                 n_outputs=None if y.ndim == 1 else y.shape[1],
                                 name="the teacher's predictions")

    # -- delegation to the student ---------------------------------------------------

    def predict(self, X):
        """Predict with the fitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Handed to the student as given (its feature names and number of features
            are checked).

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        X = check_predict_input(self, X)
        predictions = self._student_predict(self.student_, X)
        # a net predicts one column for a 1-D y, as TransformedTargetRegressor squeezes
        if self._training_dim == 1 and predictions.ndim == 2 and predictions.shape[1] == 1:
            predictions = predictions[:, 0]
        return predictions

    @staticmethod
    def _student_predict(student, X):
        if ends_in_skorch_net(student):
            return predict_net_values(student, X)
        return student.predict(X)

    # -- scikit-learn protocol ------------------------------------------------------

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes to the teacher's and the student's ``fit`` (the student takes
        only ``sample_weight``).

        Returns
        -------
        routing : MetadataRouter
        """
        return teacher_student_router(self, as_teacher(self._get_teacher()), self._get_student())

    def _allow_nan(self):
        # Both models see X: NaN passes only if both accept it.
        return (_student_takes(self._get_student(), "allow_nan")
                and as_teacher(self._get_teacher()).allow_nan())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        student = self._get_student()
        try:
            teacher = as_teacher(self._get_teacher())
        except TypeError:
            return tags  # fit says why
        tags.input_tags.sparse = _student_takes(student, "sparse") and teacher.accepts_sparse()
        tags.input_tags.allow_nan = self._allow_nan()
        tags.target_tags.multi_output = (_student_takes(student, "multi_output")
                                         and teacher.multi_output())
        return tags
