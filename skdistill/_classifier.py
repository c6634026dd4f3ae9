"""DistilledClassifier: teacher -> probabilities -> soft targets -> student."""

from __future__ import annotations

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
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
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._teacher import (
    accepts_sample_weight,
    check_teacher,
    fit_teacher,
    is_callable_teacher,
    is_frozen,
    out_of_fold_proba,
    teacher_proba,
    unfrozen,
)
from .students import fit_soft_targets
from .students._pipeline import fit_transformers
from .students._registry import _find_adapter
from .students._skorch import (
    ends_in_skorch_net,
    fit_hinton,
    fit_with_batch_teacher,
    is_skorch_net,
)
from .targets import make_soft_targets


def _student_has(attr):
    """Delegate ``attr`` to the fitted student, else to the (default) unfitted one."""

    def check(self):
        student = self.student_ if hasattr(self, "student_") else self._get_student()
        getattr(student, attr)  # raises AttributeError, which available_if turns into absence
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
    temperature : float > 0, default=1.0
        ``q = softmax(log p_t / T)``. 1 leaves the teacher's probabilities
        unchanged; larger values flatten them (towards uniform), smaller sharpen them
        (towards one-hot on the argmax). Zero probabilities stay zero.
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
        (Hinton et al., 2015) is only for network students (skorch nets whose
        module outputs logits): per row
        ``a T**2 KL(softmax(log p_t / T) || softmax(z / T)) + (1 - a) CE(z, y)``
        with ``a = alpha`` on labelled rows and 1 on unlabelled ones; the KL term
        is averaged over rows (``batchmean``). The student's logits are divided
        by ``T`` too, and ``label_smoothing`` must be 0. See
        :mod:`skdistill.losses`.
    n_jobs : int, default=None
        Jobs for the out-of-fold teacher fits (joblib; ``None`` is 1 unless in a
        ``joblib.parallel_config`` context, e.g. with the dask backend).

    Attributes
    ----------
    teacher_ : estimator or callable
        The fitted teacher (the callable itself for a callable teacher).
    student_ : classifier
        The fitted student, an instance of the student's class.
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled rows of ``y``.
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

    _parameter_constraints: dict = {
        "student": [HasMethods(["fit"]), None],
        "teacher": [HasMethods(["fit"]), callable, None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "teacher_cv": ["cv_object"],
        "unlabeled_label": "no_validation",
        "classes": ["array-like", None],
        "loss": [StrOptions({"soft_targets", "hinton"})],
        "n_jobs": [Integral, None],
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

    def _get_student(self):
        return LogisticRegression() if self.student is None else self.student

    def _get_teacher(self):
        return HistGradientBoostingClassifier() if self.teacher is None else self.teacher

    def _allow_nan(self):
        # Both models see X: NaN passes only if both accept it (a callable teacher is
        # the user's own function and is trusted to).
        teacher = self._get_teacher()
        return get_tags(self._get_student()).input_tags.allow_nan and (
            is_callable_teacher(teacher) or get_tags(teacher).input_tags.allow_nan
        )

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
        teacher = self._get_teacher()
        _find_adapter(student)  # unsupported student: TypeError before any fitting
        check_teacher(teacher)
        prefit = is_frozen(teacher) or is_callable_teacher(teacher)
        if self.loss == "hinton" and not ends_in_skorch_net(student):
            raise ValueError(
                "loss='hinton' needs a network student (a skorch net); for scikit-learn "
                "students use loss='soft_targets'."
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
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        labelled = self._labelled_mask(y, allow_none=prefit and self.classes is not None)
        y_labelled = y[labelled]
        if y_labelled.size:
            check_classification_targets(y_labelled)
        self.classes_ = self._resolve_classes(y_labelled)
        y_index = np.full(y.shape[0], -1)
        y_index[labelled] = np.searchsorted(self.classes_, y_labelled)

        routed = self._route(sample_weight, fit_params, teacher)
        self.student_ = clone(student)
        if self._teacher_runs_per_batch(student, teacher):
            # The pool's probability matrix is never built: the teacher labels each batch.
            self._fit_teacher(X, y, labelled, teacher, routed["teacher"])
            fit_with_batch_teacher(
                self.student_, X, partial(teacher_proba, self.teacher_, classes=self.classes_),
                y_index, classes=self.classes_, make_targets=self._make_targets,
                sample_weight=routed["student"],
            )
            return self
        P_teacher = self._teacher_probabilities(X, y, labelled, teacher, routed["teacher"])
        self._fit_student(X, P_teacher, y_index, routed["student"])
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

    def _resolve_classes(self, y_labelled):
        if self.classes is None:
            classes = np.unique(y_labelled)
        else:
            classes = np.unique(np.asarray(self.classes))
            if len(classes) != len(self.classes):
                raise ValueError("classes must not contain duplicate labels.")
            unknown = np.setdiff1d(y_labelled, classes)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} that are not in classes="
                    f"{classes.tolist()}; add them to classes."
                )
        if len(classes) < 2:
            raise ValueError(
                f"y must contain at least 2 classes among its labelled rows; got "
                f"{classes.tolist()}. Distillation needs a classification problem."
            )
        return classes

    def _route(self, sample_weight, fit_params, teacher):
        """Metadata for the teacher's and the student's fit."""
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **fit_params)
            teacher_params = dict(routed.teacher.fit) if "teacher" in routed else {}
            student_params = dict(routed.student.fit)
            extra = set(student_params) - {"sample_weight"}
            if extra:
                raise ValueError(
                    f"the student's fit on soft targets takes only sample_weight; got "
                    f"metadata {sorted(extra)} routed to it."
                )
            return {"teacher": teacher_params, "student": student_params.get("sample_weight")}
        teacher_params = {}
        if sample_weight is not None and not (is_frozen(teacher) or is_callable_teacher(teacher)):
            if not accepts_sample_weight(teacher):
                raise ValueError(
                    f"sample_weight was given but the teacher {type(teacher).__name__} does not "
                    "accept sample_weight in fit. Enable metadata routing to send it only to "
                    "the student, or use a teacher that supports it."
                )
            teacher_params["sample_weight"] = sample_weight
        return {"teacher": teacher_params, "student": sample_weight}

    def _fit_teacher(self, X, y, labelled, teacher, fit_params):
        """Fit a clone of the teacher on the labelled rows (a callable is used as is).

        Returns the labelled rows, their labels and fit parameters (None for a callable).
        """
        if is_callable_teacher(teacher):
            self.teacher_ = teacher
            return None
        all_labelled = labelled.all()
        X_lab = X if all_labelled else _safe_indexing(X, np.flatnonzero(labelled))
        y_lab = y[labelled]
        fit_params = {
            k: (v if all_labelled or not hasattr(v, "__len__") else np.asarray(v)[labelled])
            for k, v in fit_params.items()
        }
        self.teacher_ = fit_teacher(clone(teacher), X_lab, y_lab, **fit_params)
        return X_lab, y_lab, fit_params

    def _teacher_probabilities(self, X, y, labelled, teacher, fit_params):
        """Aligned teacher probabilities for every row of ``X``."""
        fitted_on = self._fit_teacher(X, y, labelled, teacher, fit_params)
        if self.teacher_cv is None:
            return teacher_proba(self.teacher_, X, self.classes_)
        X_lab, y_lab, fit_params = fitted_on
        P = np.empty((X.shape[0], len(self.classes_)))
        P[labelled] = out_of_fold_proba(
            teacher, X_lab, y_lab, self.classes_, self.teacher_cv,
            n_jobs=self.n_jobs, fit_params=fit_params,
        )
        if not labelled.all():
            P[~labelled] = teacher_proba(
                self.teacher_, _safe_indexing(X, np.flatnonzero(~labelled)), self.classes_
            )
        return P

    def _teacher_runs_per_batch(self, student, teacher):
        """A net student distilled from a net teacher gets its targets batch by batch."""
        return (
            self.loss == "soft_targets"
            and self.teacher_cv is None
            and is_skorch_net(student)
            and ends_in_skorch_net(unfrozen(teacher))
        )

    def _make_targets(self, P_teacher, y_index):
        return make_soft_targets(
            P_teacher, y_index, temperature=self.temperature, alpha=self.alpha,
            label_smoothing=self.label_smoothing,
        )

    def _fit_student(self, X, P_teacher, y_index, sample_weight):
        """Fit ``student_`` on the teacher's probabilities: the seam for each loss."""
        if self.loss == "hinton":
            net = self.student_
            if isinstance(net, Pipeline):
                X = fit_transformers(net, X, self.classes_[P_teacher.argmax(axis=1)])
                net = net.steps[-1][1]
            fit_hinton(
                net, X, P_teacher, y_index, classes=self.classes_,
                temperature=self.temperature, alpha=self.alpha,
                sample_weight=sample_weight,
            )
            return
        targets = self._make_targets(P_teacher, y_index)
        fit_soft_targets(self.student_, X, targets, classes=self.classes_,
                         sample_weight=sample_weight)

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
        if ends_in_skorch_net(self.student_):
            # skorch's predict gives class indices (or probabilities), not labels.
            return self.classes_.take(self.student_.predict_proba(X).argmax(axis=1))
        return self.student_.predict(X)

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
        return self.student_.predict_proba(X)

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
        return self.student_.predict_log_proba(X)

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
        return self.student_.decision_function(X)

    @available_if(_student_has("score"))
    def score(self, X, y, sample_weight=None):
        """The fitted student's score (accuracy for scikit-learn classifiers).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        X = self._check_X(X)
        if ends_in_skorch_net(self.student_):
            return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
        return self.student_.score(X, y, sample_weight=sample_weight)

    # -- scikit-learn protocol ------------------------------------------------------

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``fit`` routes to the teacher's and the student's ``fit`` (the student takes
        only ``sample_weight``, folded into its soft-target objective).

        Returns
        -------
        routing : MetadataRouter
        """
        router = MetadataRouter(owner=self)
        teacher = self._get_teacher()
        if not is_callable_teacher(teacher):
            router.add(teacher=teacher,
                       method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        router.add(student=self._get_student(),
                   method_mapping=MethodMapping().add(caller="fit", callee="fit"))
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        student_tags = get_tags(self._get_student())
        tags.input_tags.sparse = student_tags.input_tags.sparse
        tags.input_tags.allow_nan = self._allow_nan()
        teacher = self._get_teacher()
        if not is_callable_teacher(teacher):
            teacher_tags = get_tags(teacher)
            tags.input_tags.sparse &= teacher_tags.input_tags.sparse
        return tags


# CORE-READY
