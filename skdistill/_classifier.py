"""DistilledClassifier: teacher -> probabilities -> soft targets -> student."""

from __future__ import annotations

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
    check_is_fitted,
    validate_data,
)

from ._routing import route_fit, teacher_student_router
from ._seeding import draw_seeds, seed_random_states
from ._selection import search_temperature
from ._target_layout import UNLABELLED
from ._teacher import as_teacher, cached, teacher_proba, teacher_step
from ._validation import check_sample_weight, resolve_classes
from .students import fit_soft_targets
from .students._registry import find_adapter
from .targets import make_soft_targets

#: Rows per teacher query when ``temperature="auto"`` needs a net teacher's probabilities
#: on the labelled rows of the batch join.
_AUTO_TEMPERATURE_CHUNK = 4096


def _student_has(attr):
    """Delegate ``attr`` to the fitted student, else to the (default) unfitted one."""

    def check(self):
        student = self.student_ if hasattr(self, "student_") else self._get_student()
        if not find_adapter(student).provides(student, attr):
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
        ``HistGradientBoostingClassifier``, a ``Pipeline`` ending in one of these,
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
    alpha : float in [0, 1], default=1.0
        On labelled rows ``r = alpha * q + (1 - alpha) * e_y``: 1 is pure
        distillation, 0 is ordinary training on the labels. Unlabelled rows always
        take ``r = q``.
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

    Attributes
    ----------
    teacher_ : estimator or callable
        The fitted teacher (the callable itself for a callable teacher).
    student_ : classifier
        The fitted student, an instance of the student's class.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled rows of ``y``.
    temperature_ : float
        The temperature applied: ``temperature`` itself, or the one chosen with
        ``temperature="auto"``.
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
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "teacher_cv": ["cv_object"],
        "unlabeled_label": "no_validation",
        "classes": ["array-like", None],
        "loss": [StrOptions({"soft_targets", "hinton"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "memory": [None, str, HasMethods(["cache"])],
    }

    def __init__(
        self,
        student=None,
        teacher=None,
        *,
        temperature=1.0,
        label_smoothing=0.0,
        alpha=1.0,
        teacher_cv=None,
        unlabeled_label=None,
        classes=None,
        loss="soft_targets",
        n_jobs=None,
        random_state=None,
        memory=None,
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
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the teacher (unless prefit), build soft targets, fit the student.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training inputs, labelled and (with ``unlabeled_label``) unlabelled rows.
        y : array-like of shape (n_samples,)
            Labels; ``unlabeled_label`` marks rows without one.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the teacher's fit (if it accepts them) and by the
            student's soft-target objective. With metadata routing enabled, they go
            where the sub-estimators request them.
        **fit_params : dict
            Only with metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``): further
            metadata for the teacher's ``fit``.

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

        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=None,
            ensure_all_finite="allow-nan" if self._allow_nan() else True,
            ensure_min_samples=2,
        )
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X.shape[0])
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
        y_index = np.full(y.shape[0], UNLABELLED)
        y_index[labelled] = np.searchsorted(self.classes_, y_labelled)

        routed = route_fit(self, teacher, sample_weight, fit_params)
        parts = ("teacher", "teacher_cv", "student")
        seeds = dict(zip(parts, draw_seeds(self.random_state, len(parts))))
        self.student_ = seed_random_states(clone(student), seeds["student"])
        join = self._join(adapter, teacher)
        teacher = teacher.seeded(seeds["teacher"])
        fitted, P_teacher = cached(self.memory, teacher_step, teacher)(
            teacher, X, y, labelled, self.classes_, cv=self.teacher_cv, n_jobs=self.n_jobs,
            fit_params=routed["teacher"], random_state=seeds["teacher_cv"],
            probabilities=join != "batches",
        )
        self.teacher_ = fitted.teacher
        self.temperature_ = (
            self._auto_temperature(fitted, X, P_teacher, labelled, y_index, routed["student"])
            if auto else float(self.temperature)
        )
        with adapter.seeded(self.student_, seeds["student"]):
            self._fit_student(join, adapter, fitted, X, P_teacher, y_index, routed["student"])
        return self

    def _labelled_mask(self, y, allow_none):
        if self.unlabeled_label is None:
            return np.ones(y.shape[0], dtype=bool)
        labelled = np.asarray(y != self.unlabeled_label, dtype=bool)
        if not labelled.any() and not allow_none:
            raise ValueError(
                f"every row of y is unlabelled (equal to unlabeled_label="
                f"{self.unlabeled_label!r}); the teacher needs labelled rows to fit on. "
                "To distil a prefit (FrozenEstimator) or callable teacher on a pool without "
                "labels, also pass classes=[...]."
            )
        return labelled

    def _auto_temperature(self, teacher, X, P_teacher, labelled, y_index, sample_weight):
        """``temperature="auto"``: the Brier-optimal temperature on the labelled rows."""
        rows = np.flatnonzero(labelled)
        if P_teacher is None:
            # The batch join builds no probability matrix: query the teacher on the
            # labelled rows chunk by chunk, so a sparse or large X is densified a chunk
            # at a time.
            P = np.vstack([
                teacher_proba(teacher, _safe_indexing(X, rows[chunk]), self.classes_)
                for chunk in gen_batches(rows.size, _AUTO_TEMPERATURE_CHUNK)
            ])
        else:
            P = P_teacher[rows]
        weights = None if sample_weight is None else np.asarray(sample_weight)[rows]
        return search_temperature(P, y_index[rows], sample_weight=weights)

    def _make_targets(self, P_teacher, y_index):
        return make_soft_targets(
            P_teacher, y_index, temperature=self.temperature_, alpha=self.alpha,
            label_smoothing=self.label_smoothing,
        )

    def _join(self, adapter, teacher):
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
        if (self.teacher_cv is None and teacher.streams
                and adapter.teacher_batches_fit(self.student_) is not None):
            return "batches"
        return "targets"

    def _fit_student(self, join, adapter, teacher, X, P_teacher, y_index, sample_weight):
        """Fit ``student_`` as ``join`` says (see :meth:`_join`)."""
        if join == "batches":
            adapter.teacher_batches_fit(self.student_)(
                self.student_, X, partial(teacher.proba, classes=self.classes_),
                y_index, classes=self.classes_, make_targets=self._make_targets,
                sample_weight=sample_weight,
            )
        elif join == "targets":
            fit_soft_targets(self.student_, X, self._make_targets(P_teacher, y_index),
                             classes=self.classes_, sample_weight=sample_weight)
        else:
            adapter.loss_fit(self.student_, self.loss)(
                self.student_, X, P_teacher, y_index, classes=self.classes_,
                temperature=self.temperature_, alpha=self.alpha, sample_weight=sample_weight,
            )

    # -- delegation to the student ---------------------------------------------------

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=None,
            ensure_all_finite="allow-nan" if self._allow_nan() else True,
            reset=False,
        )

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
        X = self._check_X(X)
        return find_adapter(self.student_).predict(self.student_, X, self.classes_)

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
        X = self._check_X(X)
        return find_adapter(self.student_).predict_proba(self.student_, X)

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
        X = self._check_X(X)
        return find_adapter(self.student_).predict_log_proba(self.student_, X)

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
        X = self._check_X(X)
        return find_adapter(self.student_).decision_function(self.student_, X)

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

