"""DistilledClassifier: teacher -> probabilities -> soft targets -> student."""

from __future__ import annotations

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.utils import _safe_indexing, gen_batches, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import UNUSED, _raise_for_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _num_samples,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._alpha_search import (
    alpha_folds,
    enough_for_alpha_search,
    held_out_log_loss,
    rows_of,
    search_alpha,
)
from ._routing import route_fit, teacher_student_router
from ._seeding import draw_seeds, seed_random_states
from ._selection import search_temperature
from ._synthetic import append_synthetic_rows
from ._target_layout import UNLABELLED
from ._teacher import as_teacher, cached, labelled_part, teacher_proba, teacher_step
from ._validation import (
    align_columns,
    as_given,
    check_predict_input,
    check_probabilities,
    check_sample_weight,
    resolve_classes,
)
from ._verbose import phase
from .students import fit_soft_targets
from .students._registry import find_adapter, fitted_adapter
from .targets import make_soft_targets

#: Rows per teacher query when ``temperature="auto"`` needs a net teacher's probabilities
#: on the labelled rows of the batch join.
_AUTO_TEMPERATURE_CHUNK = 4096


def _student_has(attr):
    """Delegate ``attr`` to the fitted student, else to the (default) unfitted one."""

    def check(self):
        if hasattr(self, "student_"):
            student, adapter = self.student_, fitted_adapter(self.student_)
        else:
            student = self._get_student()
            adapter = find_adapter(student)
        if not adapter.provides(student, attr):
            raise AttributeError(f"{type(student).__name__} has no {attr}")
        return True

    return check


class DistilledClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit a student classifier on a teacher's class-probabilities.

    The student minimises the distilled risk ``mean_n w_n * p_t(x_n) . loss(f(x_n))``
    of Menon et al. (equation 5): the one-hot label ``e_y`` is replaced by the
    teacher's class-probability vector, transformed as set by ``temperature``,
    ``alpha`` and ``label_smoothing``. The teacher helps to the extent that its
    probabilities approximate the Bayes class-probabilities ``p*(x)`` in squared
    error (bias and variance), not to the extent that it is accurate: see
    :mod:`skdistill.metrics` to measure that.

    Flow of :meth:`fit`:

    1. the teacher is fitted on the labelled rows (or reused, or called);
    2. its probabilities on every row are aligned to ``classes_`` by label;
    3. they are turned into soft targets: temperature, then mixing with the one-hot
       label on labelled rows (``alpha``), then label smoothing
       (see :mod:`skdistill.targets`);
    4. a clone of the student is fitted on the soft targets exactly
       (:func:`~skdistill.fit_soft_targets`).

    Parameters
    ----------
    student : classifier, default=None
        The model to train. Supported: ``LogisticRegression``, decision trees,
        random forests and extra trees (``criterion="gini"``),
        ``HistGradientBoostingClassifier``, LightGBM's ``LGBMClassifier`` and
        XGBoost's ``XGBClassifier`` (grown natively on the soft targets; with the
        ``lightgbm`` / ``xgboost`` extras), a ``Pipeline`` ending in one of these,
        skorch nets (with ``skdistill[torch]``), and any classifier whose ``fit``
        takes ``sample_weight``. None means ``LogisticRegression()``.
    teacher : classifier or callable, default=None
        - an unfitted classifier: cloned and fitted on the labelled rows;
        - a :class:`~sklearn.frozen.FrozenEstimator` around a fitted classifier:
          used as is, never refitted;
        - a callable ``X -> ndarray (n_samples, n_classes)`` of class-probabilities
          with columns in the order of ``classes_`` (e.g. a known ``p*``; see also
          :class:`~skdistill.BayesTeacher`).

        The teacher must have ``predict_proba`` or ``decision_function`` (scores are
        turned into probabilities by a softmax). None means
        ``HistGradientBoostingClassifier()``, which is fitted with the log-loss, a
        proper scoring rule, and so estimates ``p*``.
    temperature : float > 0 or "auto", default=1.0
        ``q = softmax(log p_t / T)``. 1 leaves the teacher's probabilities
        unchanged; larger values flatten them (towards uniform), smaller sharpen them
        (towards one-hot on the argmax). Zero probabilities stay zero.

        ``"auto"``: the ``T`` in ``[0.01, 100]`` that minimises the Brier score
        ``mean ||softmax(log p_t / T) - e_y||^2`` of the tempered teacher
        probabilities against the labels, over the labelled rows (weighted by the
        student's ``sample_weight``), found by a log-spaced grid refined by a bounded
        search. The Brier score of probabilities on rows the teacher did not see is
        their mean squared error to the Bayes class-probabilities up to a constant
        (the quantity the paper's bound charges to the student), so this is the
        temperature that brings the targets closest to ``p*``. It needs such rows:
        the out-of-fold probabilities of ``teacher_cv``, or, for a prefit
        (``FrozenEstimator``) or callable teacher, its probabilities on the
        labelled training rows, **which are assumed unseen by that teacher**. A
        teacher fitted here without ``teacher_cv`` is refused: on its own training
        rows it is over-confident and the score is biased. With ``loss="hinton"``
        the chosen ``T`` is the teacher side's temperature in the KL term, chosen by
        the Brier score as above; the student's logits are divided by the same ``T``
        as that loss prescribes. The choice is ``temperature_``.
    label_smoothing : float in [0, 1], default=0.0
        ``target = (1 - eps) * r + eps / n_classes``, applied last.
    alpha : float in [0, 1] or "auto", default="auto"
        On labelled rows ``r = alpha * q + (1 - alpha) * e_y``: 1 is pure
        distillation, 0 is ordinary training on the labels. Unlabelled rows always
        take ``r = q``.

        ``"auto"`` (the default): the ``alpha`` in ``(0, 0.5, 1)`` whose student has the
        lowest held-out log-loss, by cross-validation over the labelled rows, so that a
        teacher which would make the student worse than its own fit on the labels gets
        ``alpha = 0`` (the teacher still labels the unlabelled and synthetic rows). The
        folds mirror the final fit: without ``teacher_cv``, a copy of the teacher is
        fitted on each of 3 stratified folds' training rows and its student on its
        in-sample probabilities there, as ``GridSearchCV`` around this estimator would
        do (the fold teachers are cached with ``memory``); with ``teacher_cv`` (or
        ``teacher_proba=``) its folds and out-of-fold probabilities; a prefit teacher's
        probabilities as they are. It costs 3 student fits per fold (and, without
        ``teacher_cv``, one teacher fit per fold); give a number to skip it. With fewer
        than 6 labelled rows, or fewer than 3 in every class, ``alpha = 1`` with a
        warning. The choice is ``alpha_``, the mean held-out log-loss of each value
        ``alpha_scores_``. On the tables of the ``tabular`` experiment this default
        beat the student on the labels more often than ``alpha=1`` (see the user
        guide's page on real tables).
    teacher_cv : int, cross-validation generator, iterable or None, default=None
        None: the teacher predicts on the rows it was fitted on. Otherwise the soft
        targets of the labelled rows come out-of-fold (as ``cross_val_predict``), in
        parallel over ``n_jobs``, and ``teacher_`` is then refitted on all labelled
        rows to label the unlabelled ones (as ``StackingClassifier`` does). The
        paper's analysis assumes the teacher's and the student's samples are
        disjoint (section 3.3); out-of-fold targets, or an unlabelled pool, are
        the way to honour that. Not allowed with a ``FrozenEstimator`` or callable
        teacher, which are never fitted here.
    unlabeled_label : scalar or None, default=None
        The value of ``y`` that marks an unlabelled row, as ``-1`` does for
        scikit-learn's semi-supervised estimators. The teacher is fitted on the
        labelled rows only; the student trains on all rows, the unlabelled ones
        taking pure teacher targets. None (default) means every row is labelled:
        ``-1`` is a real class in many binary problems.
    classes : array-like of shape (n_classes,), default=None
        Every class label of the problem. None means the labels found in the
        labelled rows of ``y``. Give them when the student's sample may miss classes
        that the teacher knows (a prefit teacher on a small or unlabelled pool):
        the student then learns every class from the teacher's probabilities. With
        ``classes`` and a prefit or callable teacher, ``y`` may be entirely
        unlabelled (pure distillation on a pool).
    loss : {"soft_targets", "hinton"}, default="soft_targets"
        ``"soft_targets"``: the student minimises the soft cross-entropy
        ``-sum_k target_k log softmax(z)_k`` against the targets above (the
        paper's objective, the same for every student family). ``"hinton"``
        (Hinton et al., 2015) is for students whose adapter supports it —
        skorch nets whose module outputs logits (also at the end of a
        ``Pipeline``): per row
        ``a T**2 KL(softmax(log p_t / T) || softmax(z / T)) + (1 - a) CE(z, y)``
        with ``a = alpha`` on labelled rows and 1 on unlabelled ones; the KL term
        is averaged over rows (``batchmean``). The student's logits are divided
        by ``T`` too, and ``label_smoothing`` must be 0. See
        :mod:`skdistill.losses`.
    n_jobs : int, default=None
        Jobs for the out-of-fold teacher fits (joblib; ``None`` is 1 unless in a
        ``joblib.parallel_config`` context, e.g. with the dask backend).
    random_state : int, RandomState instance or None, default=None
        Makes a fit reproducible with one seed. For each fit it seeds every
        ``random_state`` parameter of the teacher and of the student — nested ones
        too, as scikit-learn's ensembles seed their sub-estimators — that was left
        at None, each with its own draw; the shuffling of a ``teacher_cv`` splitter
        that shuffles without a seed; and the randomness a student family draws
        elsewhere (a skorch net's torch RNG: initialisation, dropout, batch order).
        Parameters the user set stay as set, and ``get_params`` shows what was
        asked for: the seeds go to the fitted clones only. None leaves all
        randomness as the sub-estimators have it. An int gives the same fit every
        time; a ``RandomState`` gives a different one on each call of ``fit``.
    memory : str, joblib.Memory or None, default=None
        Caches the teacher step, as ``Pipeline(memory=...)`` caches transformers: the
        fitted teacher and its (out-of-fold) probabilities, keyed by the teacher's
        parameters (its seed included), the data, the labelled rows, ``teacher_cv`` and
        the routed fit parameters. A grid search over the student's or the targets'
        parameters (``temperature``, ``alpha``, ...) then fits each teacher once per
        training fold instead of once per candidate. A str is the cache directory.
        A prefit or callable teacher is never fitted and is not cached.
    augment : {"munge", "perturb"} or None, default=None
        Synthetic rows for the student, labelled by the teacher (model compression,
        Bucilă et al. 2006): ``"munge"`` (:func:`skdistill.augment.munge`, each row
        mixed with its nearest neighbour) or ``"perturb"``
        (:func:`skdistill.augment.perturb`, noise on numbers, resampled categories),
        made from the labelled rows after the teacher is fitted. They get the
        teacher's probabilities, never labels, and join the student's training set as
        unlabelled rows do (a DataFrame's columns keep their dtypes and values). They
        help when the student is much smaller than the teacher and the labelled rows
        are few; see :ref:`augmentation`.
    augment_size : float > 0, default=1.0
        The number of synthetic rows as a multiple of the number of labelled rows.
    keep_teacher : bool, default=True
        False sets ``teacher_`` to None after the fit, so that the fitted estimator
        (pickled, or saved with joblib) carries only its student.
        A prefit teacher (a ``FrozenEstimator``, a callable) is the ``teacher``
        parameter itself, which ``get_params`` keeps: call
        ``set_params(teacher=None)`` on the fitted estimator before saving it (its
        predictions use only ``student_``).
    verbose : int, default=0
        Above 0, one line per phase of :meth:`fit` (the teacher's fit or its cache hit,
        the temperature search, augmentation, the student's fit) with its time, as
        ``Pipeline(verbose=True)`` prints its steps. A skorch student or teacher prints
        its own epoch table as its ``verbose`` says.

    Attributes
    ----------
    teacher_ : estimator, callable or None
        The fitted teacher (the callable itself for a callable teacher); None with
        ``keep_teacher=False``.
    student_ : classifier
        The fitted student, an instance of the student's class.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled rows of ``y``.
    temperature_ : float
        The temperature applied: ``temperature`` itself, or the one chosen with
        ``temperature="auto"``.
    alpha_ : float
        The ``alpha`` applied: ``alpha`` itself, or the one chosen with ``alpha="auto"``.
    alpha_scores_ : ndarray of shape (3,) or None
        With ``alpha="auto"``: the mean held-out log-loss of the student at each
        ``alpha`` of ``(0, 0.5, 1)``; None when no search ran.
    n_synthetic_ : int
        The number of synthetic rows the student was trained on (0 without ``augment``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    skdistill.fit_soft_targets : Fit a student on soft targets you already have.
    sklearn.semi_supervised.SelfTrainingClassifier : Hard pseudo-labels instead.

    References
    ----------
    A. K. Menon, A. S. Rawat, S. J. Reddi, S. Kim, S. Kumar. "Why distillation
    helps: a statistical perspective." arXiv:2005.10419.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skdistill import DistilledClassifier
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> clf = DistilledClassifier(
    ...     student=DecisionTreeClassifier(max_depth=3, random_state=0),
    ...     teacher=RandomForestClassifier(random_state=0),
    ...     temperature=2.0,
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> round(clf.score(X, y), 2) > 0.8
    True
    """

    # fit's sample_weight goes where the teacher and the student request it; the
    # estimator itself consumes sample_weight only in score (set_score_request).
    __metadata_request__fit = {"sample_weight": UNUSED}

    _parameter_constraints: dict = {
        "student": [HasMethods(["fit"]), None],
        "teacher": [HasMethods(["fit"]), callable, None],
        "temperature": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "teacher_cv": ["cv_object"],
        "unlabeled_label": "no_validation",
        "classes": ["array-like", None],
        "loss": [StrOptions({"soft_targets", "hinton"})],
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
        temperature=1.0,
        label_smoothing=0.0,
        alpha="auto",
        teacher_cv=None,
        unlabeled_label=None,
        classes=None,
        loss="soft_targets",
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
        self.temperature = temperature
        self.label_smoothing = label_smoothing
        self.alpha = alpha
        self.teacher_cv = teacher_cv
        self.unlabeled_label = unlabeled_label
        self.classes = classes
        self.loss = loss
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.memory = memory
        self.augment = augment
        self.augment_size = augment_size
        self.keep_teacher = keep_teacher
        self.verbose = verbose

    def _get_student(self):
        return LogisticRegression() if self.student is None else self.student

    def _get_teacher(self):
        return HistGradientBoostingClassifier() if self.teacher is None else self.teacher

    def _allow_nan(self):
        # Both models see X: NaN passes only if both accept it.
        return (get_tags(self._get_student()).input_tags.allow_nan
                and as_teacher(self._get_teacher()).allow_nan())

    # -- fit --------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, *, teacher_proba=None, **fit_params):
        """Fit the teacher (unless prefit), build soft targets, fit the student.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Training inputs, labelled and (with ``unlabeled_label``) unlabelled rows.
            Handed to the teacher and the student as given: a DataFrame keeps its
            columns, dtypes (categorical, string) and NaN for a ``Pipeline`` or a model
            that takes them; only the number of rows and the feature names are checked
            here.
        y : array-like of shape (n_samples,)
            Labels; ``unlabeled_label`` marks rows without one.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the teacher's fit (if it accepts them) and by the
            student's soft-target objective. With metadata routing enabled, they go
            where the sub-estimators request them. Synthetic rows (``augment``) weigh
            the mean weight of the labelled rows.
        teacher_proba : array-like or DataFrame of shape (n_labelled, n_classes), default=None
            Held-out probabilities of the teacher on the labelled rows (in their order):
            e.g. out-of-fold predictions of an external teacher that ``teacher_cv``
            cannot refit. They replace the teacher's own predictions on those rows, and
            ``temperature="auto"`` scores them; the teacher still labels the unlabelled
            and synthetic rows. Columns in the order of ``classes_``, or a DataFrame
            whose column labels are the classes. Not with ``teacher_cv``.
        **fit_params : dict
            Only with metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``): further metadata
            for the teacher's ``fit``, and for the student's the fit parameters its
            adapter takes (e.g. LightGBM's ``eval_set`` and ``callbacks``, requested with
            ``set_fit_request``).

        Returns
        -------
        self : DistilledClassifier
        """
        _raise_for_params(fit_params, self, "fit")
        student = self._get_student()
        adapter = find_adapter(student)  # unsupported student: TypeError before any fitting
        teacher = as_teacher(self._get_teacher()).check()
        prefit = teacher.prefit
        if self.loss != "soft_targets" and adapter.loss_fit(student, self.loss) is None:
            raise ValueError(
                f"loss={self.loss!r} needs a network student (a skorch net, whose adapter "
                f"supports it); {type(student).__name__} is fitted by the "
                f"{adapter.name!r} adapter, which supports only loss='soft_targets'."
            )
        if self.loss == "hinton" and self.label_smoothing:
            raise ValueError(
                "loss='hinton' does not smooth labels; set label_smoothing=0 or use "
                "loss='soft_targets'."
            )
        if self.teacher_cv is not None and prefit:
            raise ValueError(
                "teacher_cv has no effect with a prefit (FrozenEstimator) or callable teacher, "
                "which is never refitted; set teacher_cv=None."
            )
        auto = isinstance(self.temperature, str)
        if auto and not prefit and self.teacher_cv is None:
            raise ValueError(
                "temperature='auto' chooses T by the Brier score of the teacher's "
                "probabilities on rows it did not see, but a teacher fitted here with "
                "teacher_cv=None only predicts its own training rows, where it is "
                "over-confident and its Brier score is biased. Set teacher_cv (e.g. "
                "teacher_cv=5, out-of-fold probabilities), pass a prefit teacher in a "
                "sklearn.frozen.FrozenEstimator (scored on these rows, which it must not "
                "have seen), or give a numeric temperature."
            )

        auto_alpha = isinstance(self.alpha, str)
        if teacher_proba is not None and self.teacher_cv is not None:
            raise ValueError(
                "teacher_proba gives held-out probabilities for the labelled rows, which "
                "teacher_cv would compute again; pass one of them."
            )
        if auto and prefit and teacher_proba is None:
            warnings.warn(
                f"temperature='auto' scores the prefit teacher "
                f"{type(teacher.estimator).__name__} on the labelled "
                "rows, and assumes it never saw them: a teacher that was trained on them is "
                "over-confident there, and the chosen temperature too low. Pass its held-out "
                "probabilities with fit(..., teacher_proba=...), or give a numeric "
                "temperature.", UserWarning, stacklevel=3,
            )

        X, y = self._check_fit_input(X, y)
        n_samples = _num_samples(X)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n_samples)
        labelled = self._labelled_mask(y, allow_none=prefit and self.classes is not None)
        if auto and not labelled.any():
            raise ValueError(
                "temperature='auto' scores the teacher against labels, but every row of y is "
                "unlabelled; give labelled rows or a numeric temperature."
            )
        y_labelled = y[labelled]
        if y_labelled.size:
            check_classification_targets(y_labelled)
        self.classes_ = resolve_classes(y_labelled, self.classes)
        y_index = np.full(n_samples, UNLABELLED)
        y_index[labelled] = np.searchsorted(self.classes_, y_labelled)
        if teacher_proba is not None:
            teacher_proba = self._check_teacher_proba(teacher_proba, int(labelled.sum()))

        name = type(self).__name__
        routed = route_fit(self, teacher, sample_weight, fit_params)
        parts = ("teacher", "teacher_cv", "student", "augment")
        seeds = dict(zip(parts, draw_seeds(self.random_state, len(parts))))
        self.student_ = seed_random_states(clone(student), seeds["student"])
        join = self._join(adapter, teacher, teacher_proba)
        adapter.check_fit_params(student, routed["student_fit"])  # before any fitting
        if routed["student_fit"] and join != "targets":
            raise ValueError(
                f"the student's fit parameters {sorted(routed['student_fit'])} are passed only "
                "to a fit on the soft-target matrix; this fit joins teacher and student by "
                f"{join!r} (see DistilledClassifier's loss and its net teacher)."
            )
        teacher = teacher.seeded(seeds["teacher"])
        step = cached(self.memory, teacher_step, teacher)
        args = (teacher, X, y, labelled, self.classes_)
        kwargs = dict(cv=self.teacher_cv, n_jobs=self.n_jobs, fit_params=routed["teacher"],
                      random_state=seeds["teacher_cv"], probabilities=join != "batches")
        with phase(self.verbose, name, self._teacher_phase(step, args, kwargs)):
            fitted, P_teacher = step(*args, **kwargs)
        if teacher_proba is not None:
            P_teacher[labelled] = teacher_proba
        if auto:
            with phase(self.verbose, name, "temperature search (Brier score)"):
                self.temperature_ = self._auto_temperature(
                    fitted, X, P_teacher, labelled, y_index, routed["student"])
        else:
            self.temperature_ = float(self.temperature)
        weights = routed["student"]
        self.alpha_scores_ = None
        if auto_alpha:
            with phase(self.verbose, name, "alpha search (held-out log-loss of the student)"):
                self.alpha_, self.alpha_scores_ = self._auto_alpha(
                    adapter, teacher, fitted, X, y, P_teacher, labelled, y_index,
                    routed, seeds, in_sample=not prefit and self.teacher_cv is None
                    and teacher_proba is None, join=join)
        else:
            self.alpha_ = float(self.alpha)
        if self.augment is not None:
            with phase(self.verbose, name, f"augment={self.augment!r}: synthetic rows labelled "
                                           "by the teacher"):
                X, P_new, weights, n_new = append_synthetic_rows(
                    X, labelled, weights, method=self.augment, size=self.augment_size,
                    random_state=seeds["augment"],
                    teacher_outputs=None if P_teacher is None else partial(
                        fitted.proba, classes=self.classes_))
                if P_teacher is not None:
                    P_teacher = np.vstack([P_teacher, P_new])
                y_index = np.concatenate([y_index, np.full(n_new, UNLABELLED)])
        self.n_synthetic_ = _num_samples(X) - n_samples
        with phase(self.verbose, name, f"student fit ({type(student).__name__}, {join} join)"):
            with adapter.seeded(self.student_, seeds["student"]):
                self._fit_student(self.student_, join, adapter, fitted, X, P_teacher, y_index,
                                  weights, routed["student_fit"], alpha=self.alpha_)
        self.teacher_ = fitted.teacher if self.keep_teacher else None
        return self

    def _check_fit_input(self, X, y):
        """``X`` as given (a sparse matrix in CSR or CSC form), ``y`` as a 1-D array.

        Only what this estimator needs is checked: the feature names and their number, the
        rows of ``y``; the values of ``X`` are for the teacher and the student to check.
        """
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target "
                             "y is None.")
        X = as_given(X)
        X, y = validate_data(self, X, y, skip_check_array=True)
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        n_samples = _num_samples(X)
        if n_samples < 2:
            raise ValueError(f"n_samples={n_samples}: {type(self).__name__} needs at least 2 "
                             "rows to fit a teacher and a student.")
        return X, y

    def _check_teacher_proba(self, teacher_proba, n_labelled):
        what = "teacher_proba"
        shape = np.shape(teacher_proba)
        if len(shape) != 2 or shape[0] != n_labelled:
            raise ValueError(
                f"teacher_proba must have one row per labelled row of X and one column per "
                f"class, shape ({n_labelled}, {len(self.classes_)}); got shape {shape}."
            )
        if hasattr(teacher_proba, "columns") and hasattr(teacher_proba, "to_numpy"):
            P = teacher_proba.to_numpy(dtype=np.float64)
            P = check_probabilities(P, n_samples=n_labelled, name=what)
            return align_columns(P, np.asarray(list(teacher_proba.columns)), self.classes_,
                                 name=what, where="y")
        return check_probabilities(teacher_proba, n_samples=n_labelled,
                                   n_classes=len(self.classes_), name=what)

    def _teacher_phase(self, step, args, kwargs):
        """What the teacher step will do, for ``verbose`` (a cache hit is checked only then)."""
        if not self.verbose:
            return ""
        teacher, labelled = args[0], args[3]
        kind = type(teacher.estimator).__name__
        if teacher.prefit:
            return f"teacher {kind} (prefit) predicts"
        if step is not teacher_step and step.check_call_in_cache(*args, **kwargs):
            return f"teacher {kind}: read from the cache"
        folds = "" if self.teacher_cv is None else f", out of fold (teacher_cv={self.teacher_cv!r})"
        return f"teacher fit ({kind}) on {int(labelled.sum())} labelled rows{folds}"

    def _labelled_mask(self, y, allow_none):
        if self.unlabeled_label is None:
            return np.ones(y.shape[0], dtype=bool)
        if _is_nan(self.unlabeled_label):  # NaN != NaN: the marker is found by its NaN-ness
            labelled = ~np.array([_is_nan(value) for value in y], dtype=bool)
        else:
            labelled = np.asarray(y != self.unlabeled_label, dtype=bool)
        if not labelled.any() and not allow_none:
            raise ValueError(
                f"every row of y is unlabelled (equal to unlabeled_label="
                f"{self.unlabeled_label!r}); the teacher needs labelled rows to fit on. "
                "To distil a prefit (FrozenEstimator) or callable teacher on a pool without "
                "labels, also pass classes=[...]."
            )
        return labelled

    def _labelled_proba(self, teacher, X, P_teacher, rows):
        """The teacher's probabilities on the labelled ``rows``."""
        if P_teacher is not None:
            return P_teacher[rows]
        # The batch join builds no probability matrix: query the teacher on the labelled
        # rows chunk by chunk, so a sparse or large X is densified a chunk at a time.
        return np.vstack([
            teacher_proba(teacher, _safe_indexing(X, rows[chunk]), self.classes_)
            for chunk in gen_batches(rows.size, _AUTO_TEMPERATURE_CHUNK)
        ])

    def _auto_temperature(self, teacher, X, P_teacher, labelled, y_index, sample_weight):
        """``temperature="auto"``: the Brier-optimal temperature on the labelled rows."""
        rows = np.flatnonzero(labelled)
        P = self._labelled_proba(teacher, X, P_teacher, rows)
        weights = None if sample_weight is None else np.asarray(sample_weight)[rows]
        return search_temperature(P, y_index[rows], sample_weight=weights)

    def _auto_alpha(self, adapter, teacher, fitted, X, y, P_teacher, labelled, y_index,
                    routed, seeds, *, in_sample, join):
        """``alpha="auto"``: the student's held-out log-loss over the labelled rows (see
        :mod:`skdistill._alpha_search` for the folds)."""
        rows = np.flatnonzero(labelled)
        y_lab = y_index[rows]
        if not enough_for_alpha_search(y_lab):
            return 1.0, None
        X_lab, lab_params = labelled_part(X, labelled, routed["teacher"])
        splits, fold_proba = alpha_folds(
            teacher, X_lab, y[rows], None if in_sample else self._labelled_proba(
                fitted, X, P_teacher, rows),
            cv=self.teacher_cv, classes=self.classes_, memory=self.memory, n_jobs=self.n_jobs,
            fit_params=lab_params, random_state=seeds["teacher_cv"])
        weights = rows_of(None if routed["student"] is None
                          else np.asarray(routed["student"]), rows)
        join = "loss" if join == "loss" else "targets"  # a fold's probabilities are at hand

        def fit_and_score(alpha, P_train, train, test):
            student = clone(self.student_)
            with adapter.seeded(student, seeds["student"]):
                self._fit_student(student, join, adapter, None, _safe_indexing(X_lab, train),
                                  P_train, y_lab[train], rows_of(weights, train),
                                  routed["student_fit"], alpha=alpha)
            P = adapter.predict_proba(student, _safe_indexing(X_lab, test))
            return held_out_log_loss(P, y_lab[test], rows_of(weights, test))

        return search_alpha(fit_and_score, splits, fold_proba, n_jobs=self.n_jobs)

    def _make_targets(self, P_teacher, y_index, alpha=None):
        return make_soft_targets(
            P_teacher, y_index, temperature=self.temperature_,
            alpha=self.alpha_ if alpha is None else alpha,
            label_smoothing=self.label_smoothing,
        )
    def _join(self, adapter, teacher, teacher_proba=None):
        """How the teacher and the student are joined: the one place that chooses.

        - ``"batches"``: ``loss="soft_targets"`` with a teacher that streams (a net), no
          ``teacher_cv``, and a student whose adapter takes teacher batches: the
          student's batches get their targets from the teacher one at a time; no
          probability matrix is built.
        - ``"targets"``: ``loss="soft_targets"`` otherwise: the teacher's probabilities
          on every row become soft targets, on which the student is fitted exactly.
        - ``"loss"``: any other loss: the student's adapter fits it from the raw teacher
          probabilities and the labels (the loss applies temperature and ``alpha``).
        """
        if self.loss != "soft_targets":
            return "loss"
        if (self.teacher_cv is None and teacher_proba is None and teacher.streams
                and adapter.teacher_batches_fit(self.student_) is not None):
            return "batches"
        return "targets"

    def _fit_student(self, student, join, adapter, teacher, X, P_teacher, y_index,
                     sample_weight, fit_params=None, *, alpha):
        """Fit ``student`` at ``alpha`` as ``join`` says (see :meth:`_join`)."""
        if join == "batches":
            adapter.teacher_batches_fit(student)(
                student, X, partial(teacher.proba, classes=self.classes_),
                y_index, classes=self.classes_,
                make_targets=partial(self._make_targets, alpha=alpha),
                sample_weight=sample_weight,
            )
        elif join == "targets":
            fit_soft_targets(student, X, self._make_targets(P_teacher, y_index, alpha),
                             classes=self.classes_, sample_weight=sample_weight,
                             **(fit_params or {}))
        else:
            adapter.loss_fit(student, self.loss)(
                student, X, P_teacher, y_index, classes=self.classes_,
                temperature=self.temperature_, alpha=alpha, sample_weight=sample_weight,
            )

    # -- delegation to the student ---------------------------------------------------

    @available_if(_student_has("predict"))
    def predict(self, X):
        """Predict class labels with the fitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        X = check_predict_input(self, X)
        return fitted_adapter(self.student_).predict(self.student_, X, self.classes_)

    @available_if(_student_has("predict_proba"))
    def predict_proba(self, X):
        """Class-probabilities of the fitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = check_predict_input(self, X)
        return fitted_adapter(self.student_).predict_proba(self.student_, X)

    @available_if(_student_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class-probabilities of the fitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        X = check_predict_input(self, X)
        return fitted_adapter(self.student_).predict_log_proba(self.student_, X)

    @available_if(_student_has("decision_function"))
    def decision_function(self, X):
        """Decision scores of the fitted student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = check_predict_input(self, X)
        return fitted_adapter(self.student_).decision_function(self.student_, X)

    @available_if(_student_has("predict"))
    def score(self, X, y, sample_weight=None):
        """Accuracy of the fitted student's predictions.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    # -- scikit-learn protocol ------------------------------------------------------

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes to the teacher's and the student's ``fit`` (the student takes
        only ``sample_weight``, folded into its soft-target objective).

        Returns
        -------
        routing : MetadataRouter
        """
        return teacher_student_router(self, as_teacher(self._get_teacher()), self._get_student())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        student = self._get_student()
        tags.input_tags.sparse = (find_adapter(student).accepts_sparse(student)
                                  and as_teacher(self._get_teacher()).accepts_sparse())
        tags.input_tags.allow_nan = self._allow_nan()
        return tags


def _is_nan(value):
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False
