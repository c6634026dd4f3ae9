"""Dispatch from a student estimator to the adapter that fits it on soft targets.

An adapter says how one family of students is fitted on soft targets —
``fit(student, X, P, *, classes, sample_weight)`` fits ``student`` **in place** so that
its objective is the soft-target risk ``sum_n w_n * P[n] . loss(f(x_n))`` and returns
it — and, optionally, what else the family can do, so that
:class:`~skdistill.DistilledClassifier` never tests for a family itself:

- ``losses``: further ways to fit it from the raw teacher probabilities and the labels,
  by loss name (skorch nets: ``{"hinton": ...}``);
- ``fit_teacher_batches``: fit it on targets computed from the teacher batch by batch,
  without the ``(n_samples, n_classes)`` matrix;
- ``predict`` / ``predict_proba`` / ``predict_log_proba`` / ``decision_function``: how
  the fitted student gives labels, probabilities, log-probabilities and scores (skorch
  nets: float32 input, labels from ``classes_``, scores from the logits);
- ``seeded``: a context in which its fit draws its randomness from a seed (skorch
  nets: the torch RNG);
- ``fit_params``: the names of further parameters of the student's own ``fit`` that the
  family takes besides ``sample_weight`` (LightGBM: ``eval_set``, ``callbacks``, ...),
  handed to its ``fit`` as the dict ``fit_params``. A family that declares none is
  given none: any further fit parameter is refused before fitting, by name.

Adding a student family means adding one adapter module that ends with one
:func:`register_student_adapter` call, and its import in ``students/__init__.py``.

Whatever is registered, a class (rather than an instance) and an estimator of another
kind than a classifier (a regressor, a clusterer) are refused before any adapter is
asked: soft targets are class-probabilities, which only a classifier can fit.
"""

from __future__ import annotations

import contextlib
import weakref

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils.validation import _num_samples

from .._validation import (
    check_classes,
    check_probabilities,
    check_sample_weight,
    estimator_type,
)

#: The four ways a fitted student answers, each of which an adapter may provide.
PREDICTIONS = ("predict", "predict_proba", "predict_log_proba", "decision_function")


class StudentAdapter:
    """How one family of students is fitted on soft targets, and what more it can do.

    Built by :func:`register_student_adapter`; a family whose answers depend on the
    student (a ``Pipeline`` answers as its final step) subclasses it.
    """

    def __init__(self, name, accepts, fit, *, losses=None, fit_teacher_batches=None,
                 predict=None, predict_proba=None, predict_log_proba=None,
                 decision_function=None, seeded=None, accepts_sparse=None, fit_params=()):
        self.name = name
        self.accepts = accepts
        self.fit = fit
        self.fit_params = tuple(fit_params)
        self._losses = dict(losses or {})
        self._fit_teacher_batches = fit_teacher_batches
        self._predict = predict
        self._predict_proba = predict_proba
        self._predict_log_proba = predict_log_proba
        self._decision_function = decision_function
        self._seeded = seeded
        self._accepts_sparse = accepts_sparse

    def __repr__(self):
        return f"<student adapter {self.name!r}>"

    def check_fit_params(self, student, fit_params):
        """Refuse, by name, any fit parameter the family does not take."""
        unknown = sorted(set(fit_params) - set(self.fit_params))
        if not unknown:
            return
        if self.fit_params:
            takes = f"takes sample_weight and {list(self.fit_params)}"
        else:
            takes = "takes only sample_weight"
        raise ValueError(
            f"{type(student).__name__} is fitted on soft targets by the {self.name!r} "
            f"adapter, whose fit {takes}; got {unknown}. Leave them out, or register an "
            "adapter that takes them (skdistill.register_student_adapter(fit_params=...))."
        )

    def fit_soft(self, student, X, P, *, classes, sample_weight, fit_params=None):
        """Fit ``student`` on soft targets, with the further fit parameters it takes.

        ``fit_params`` are checked first (:meth:`check_fit_params`); a family that
        declares fit parameters gets them as the dict ``fit_params`` (possibly empty),
        any other family is called as ``fit(student, X, P, *, classes, sample_weight)``.
        """
        fit_params = dict(fit_params or {})
        self.check_fit_params(student, fit_params)
        extra = {"fit_params": fit_params} if self.fit_params else {}
        return self.fit(student, X, P, classes=classes, sample_weight=sample_weight, **extra)

    def loss_fit(self, student, loss):
        """The function fitting ``student`` with ``loss`` from the raw teacher probabilities.

        ``fit(student, X, P_teacher, y_index, *, classes, temperature, alpha,
        sample_weight)``, or None when the family has no such loss.
        """
        return self._losses.get(loss)

    def teacher_batches_fit(self, student):
        """The function fitting ``student`` on teacher targets computed batch by batch.

        ``fit(student, X, teacher_proba, y_index, *, classes, make_targets,
        sample_weight)``, or None when ``student`` needs the whole target matrix.
        """
        return self._fit_teacher_batches

    def predict(self, student, X, classes):
        """Class labels of the fitted ``student``."""
        if self._predict is None:
            return student.predict(X)
        return self._predict(student, X, classes)

    def predict_proba(self, student, X):
        """Class-probabilities of the fitted ``student``, columns in ``classes`` order."""
        if self._predict_proba is None:
            return student.predict_proba(X)
        return self._predict_proba(student, X)

    def predict_log_proba(self, student, X):
        """Log class-probabilities of the fitted ``student``, columns in ``classes`` order.

        The family's own, else the student's ``predict_log_proba`` when its
        ``predict_proba`` is the student's too (so that the two agree), else the log of
        :meth:`predict_proba` (``-inf`` where a probability is zero).
        """
        if self._predict_log_proba is not None:
            return self._predict_log_proba(student, X)
        if self._predict_proba is None and hasattr(student, "predict_log_proba"):
            return student.predict_log_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(student, X))

    def decision_function(self, student, X):
        """Decision scores of the fitted ``student`` (the family's, else its own)."""
        if self._decision_function is None:
            return student.decision_function(X)
        return self._decision_function(student, X)

    def provides(self, student, method):
        """Whether ``student`` gives ``method`` (one of ``PREDICTIONS``) through here.

        A method the family provides, or the student's own; ``predict_log_proba`` also
        whenever probabilities are provided.
        """
        if method not in PREDICTIONS:
            raise ValueError(f"method must be one of {PREDICTIONS}; got {method!r}.")
        if getattr(self, f"_{method}") is not None or hasattr(student, method):
            return True
        return method == "predict_log_proba" and self.provides(student, "predict_proba")

    def accepts_sparse(self, student):
        """Whether the family fits ``student`` on sparse ``X`` (its own tag, by default)."""
        if self._accepts_sparse is None:
            return get_tags(student).input_tags.sparse
        return self._accepts_sparse(student)

    def seeded(self, student, seed):
        """A context in which fitting ``student`` draws its randomness from ``seed``.

        Seeds of ``random_state`` parameters are set by the caller; this is for the
        randomness a family draws elsewhere (a global RNG).
        """
        if self._seeded is None or seed is None:
            return contextlib.nullcontext()
        return self._seeded(student, seed)


_ADAPTERS: list[StudentAdapter] = []
# The adapter of each fitted student an estimator predicts with, found once: looking it up
# costs about as much as a small student's prediction of one row. Weak keys, so that a
# student leaves the cache with its estimator; emptied when the registry changes.
_FITTED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register_student_adapter(name, predicate=None, fit=None, *, first=True, losses=None,
                             fit_teacher_batches=None, predict=None, predict_proba=None,
                             predict_log_proba=None, decision_function=None, seeded=None,
                             accepts_sparse=None, fit_params=()):
    """Register how to fit a family of students on soft targets.

    Parameters
    ----------
    name : str or StudentAdapter
        Short name of the family, shown in error messages (or an adapter object,
        then ``predicate`` and ``fit`` must be None).
    predicate : callable
        ``predicate(student) -> bool``; True when ``fit`` handles this student.
    fit : callable
        ``fit(student, X, P, *, classes, sample_weight) -> student``. Must fit
        ``student`` in place on the soft-target matrix ``P`` (columns in the order
        of ``classes``) and leave ``student.classes_`` equal to ``classes``.
    first : bool, default=True
        Try this adapter before the ones already registered, so a user's adapter
        can override a built-in one.
    losses : dict, default=None
        Further losses, by name (as ``DistilledClassifier(loss=name)``):
        ``fit(student, X, P_teacher, y_index, *, classes, temperature, alpha,
        sample_weight)`` with the raw teacher probabilities and each row's label index
        (``-1`` for unlabelled rows).
    fit_teacher_batches : callable, default=None
        ``fit(student, X, teacher_proba, y_index, *, classes, make_targets,
        sample_weight)`` fitting on targets computed batch by batch
        (``make_targets(teacher_proba(X_batch), y_index_batch)``).
    predict, predict_proba : callable, default=None
        ``predict(student, X, classes) -> labels`` and ``predict_proba(student, X)``
        when the family's own methods do not give labels and probabilities.
    predict_log_proba, decision_function : callable, default=None
        ``predict_log_proba(student, X)`` and ``decision_function(student, X)`` when
        the family's own methods do not give them (by default the log of the
        probabilities where ``predict_proba`` is given, and the student's own scores).
    seeded : callable, default=None
        ``seeded(student, seed)``: a context manager in which fitting draws its
        randomness from ``seed``.
    accepts_sparse : callable, default=None
        ``accepts_sparse(student) -> bool`` when the family fits sparse ``X`` although
        the student's own tags say otherwise.
    fit_params : tuple of str, default=()
        Names of further parameters of the student's ``fit`` the family takes (for
        instance ``("eval_set", "callbacks")``). When given, ``fit`` is called with a
        keyword ``fit_params``: a dict holding those of them the caller passed. Without
        it, ``fit`` is called as above and any further fit parameter is refused.

    Examples
    --------
    >>> from skdistill import register_student_adapter
    >>> def fit_my_model(student, X, P, *, classes, sample_weight):
    ...     ...  # fit student on soft targets
    ...     return student
    >>> register_student_adapter(
    ...     "my-model", lambda est: type(est).__name__ == "MyModel", fit_my_model)
    """
    if isinstance(name, StudentAdapter):
        adapter = name
    elif not (callable(predicate) and callable(fit)):
        raise TypeError(
            "register_student_adapter needs a callable predicate(student) -> bool and a "
            "callable fit(student, X, P, *, classes, sample_weight)."
        )
    else:
        adapter = StudentAdapter(
            name, predicate, fit, losses=losses, fit_teacher_batches=fit_teacher_batches,
            predict=predict, predict_proba=predict_proba,
            predict_log_proba=predict_log_proba, decision_function=decision_function,
            seeded=seeded, accepts_sparse=accepts_sparse, fit_params=fit_params,
        )
    if first:
        _ADAPTERS.insert(0, adapter)
        _FITTED.clear()
    else:
        _ADAPTERS.append(adapter)
        _FITTED.clear()


def _refusal(student):
    """Why no adapter may fit ``student``, as a TypeError, or None."""
    if isinstance(student, type):
        return TypeError(
            f"the student must be an estimator instance, not the class {student.__name__}: "
            f"pass {student.__name__}() (with its parameters) instead of {student.__name__}."
        )
    kind = estimator_type(student)
    if kind == "regressor":
        return TypeError(
            f"{type(student).__name__} is a regressor: a regressor cannot fit "
            "class-probabilities (soft targets). To distil a regression teacher into a "
            "regression student, use skdistill.DistilledRegressor; to fit soft targets, "
            "give a classifier."
        )
    if kind not in (None, "classifier"):
        return TypeError(
            f"{type(student).__name__} is a {kind}, not a classifier: only a classifier can "
            "fit class-probabilities (soft targets)."
        )
    return None


def find_adapter(student):
    """The first registered adapter that accepts ``student``; a TypeError if none does."""
    refusal = _refusal(student)
    if refusal is not None:
        raise refusal
    for adapter in _ADAPTERS:
        if adapter.accepts(student):
            return adapter
    supported = ", ".join(dict.fromkeys(adapter.name for adapter in _ADAPTERS))
    raise TypeError(
        f"student {type(student).__name__!r} cannot be fitted on soft targets. Supported: "
        f"{supported}; in general any classifier whose fit accepts sample_weight. "
        "Wrap your model in one of these, or register an adapter with "
        "skdistill.register_student_adapter."
    )


def fitted_adapter(student):
    """:func:`find_adapter` of a fitted student, remembered while the student lives."""
    try:
        return _FITTED[student]
    except (KeyError, TypeError):  # TypeError: an object without weak references
        adapter = find_adapter(student)
    with contextlib.suppress(TypeError):
        _FITTED[student] = adapter
    return adapter


def supports_soft_targets(student):
    """Return True when :func:`fit_soft_targets` can fit ``student``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skdistill import supports_soft_targets
    >>> supports_soft_targets(LogisticRegression()), supports_soft_targets(KNeighborsClassifier())
    (True, False)
    """
    return _refusal(student) is None and any(adapter.accepts(student) for adapter in _ADAPTERS)


def check_soft_targets(P, n_samples=None, *, name="the soft-target matrix P", atol=1e-6):
    """Validate a soft-target matrix: finite, non-negative, rows summing to one.

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
    n_samples : int, default=None
        The number of rows of ``X``, if the rows must match.
    name : str, default="the soft-target matrix P"
        How error messages name the matrix.
    atol : float, default=1e-6
        Tolerance of the row sums (scaled by the number of classes).

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes), float64

    Examples
    --------
    >>> from skdistill import check_soft_targets
    >>> check_soft_targets([[0.2, 0.8], [1.0, 0.0]]).shape
    (2, 2)
    """
    return check_probabilities(P, n_samples=n_samples, name=name, atol=atol, min_classes=2)


def fit_soft_targets(student, X, P, *, classes=None, sample_weight=None, **fit_params):
    """Fit a classifier on soft targets (class-probability vectors) exactly.

    The student minimises the soft-target risk ``sum_n w_n * P[n] . loss(f(x_n))``
    (equation 5 of Menon et al.), not a rounded or resampled approximation of it.
    How depends on the family:

    - ``LogisticRegression`` with ``solver="lbfgs"`` and an L2 penalty (or none):
      scikit-learn's own objective with the soft cross-entropy in place of the
      log-loss, minimised directly with the same L-BFGS settings, at about the cost
      of a hard-label fit whatever the number of classes. Other solvers and
      penalties use the row expansion below.
    - any classifier whose ``fit`` takes ``sample_weight`` and whose loss is a sum
      over rows: each row ``n`` is expanded into one row per class ``k`` with weight
      ``w_n * P[n, k]``; the weighted objective is then term for term the soft
      cross-entropy.
    - ``DecisionTreeClassifier``, ``RandomForestClassifier``, ``ExtraTreesClassifier``
      (``criterion="gini"``): a tree growing by Gini impurity on soft targets is
      a multi-output squared-error regression tree on the probability vectors, so
      the trees are grown as such (rows stay whole, also in bootstrap samples)
      and stored in the user's classifier.
    - ``HistGradientBoostingClassifier``: grown natively on the soft targets, its
      boosting loop fed the soft cross-entropy's gradients and hessians row by row
      (rows stay whole, also in the validation split); where the scikit-learn
      internals differ from the expected ones, by row expansion with a warning.
    - LightGBM's ``LGBMClassifier`` and XGBoost's ``XGBClassifier``: grown natively
      by the library's own boosting loop, the soft cross-entropy's gradients and the
      library's hessians given as a custom objective, starting where the library
      starts from labels; with one-hot targets, the label fit's trees. XGBoost's
      classifier knows only the labels ``0 .. n_classes - 1``: its ``classes_`` are
      the positions in the sorted ``classes``.
    - a ``Pipeline``: its transformers are fitted on ``X`` (with ``y`` the
      teacher's argmax class for supervised transformers, and ``sample_weight``
      for every step whose ``fit`` takes it), its last step on the soft targets.
    - skorch nets: a soft cross-entropy (see :mod:`skdistill.nets`).

    Parameters
    ----------
    student : classifier
        Unfitted (or to be refitted) scikit-learn classifier; fitted in place.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training inputs.
    P : array-like of shape (n_samples, n_classes)
        Soft targets: non-negative rows that sum to one.
    classes : array-like of shape (n_classes,), default=None
        Class labels of the columns of ``P``; ``np.arange(n_classes)`` if None.
        The fitted ``student.classes_`` holds every one of them, sorted as
        scikit-learn sorts labels, even a class that has no probability mass. They
        must be distinct and all of one type (strings or numbers), as scikit-learn
        requires of labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights ``w_n``: finite, non-negative, with a positive sum that float64
        can hold.
    **fit_params : dict
        Further parameters of the student's own ``fit``, for the families that take
        them (LightGBM: ``eval_set``, ``eval_X``, ``eval_y``, ``eval_names``,
        ``eval_sample_weight``, ``categorical_feature``, ``feature_name``,
        ``callbacks``; XGBoost: ``eval_set``, ``sample_weight_eval_set``, ``verbose``,
        ``feature_weights``). Any other is refused with a ValueError naming it.

    Returns
    -------
    student : classifier
        The fitted student, an instance of its own class.

    Raises
    ------
    TypeError
        If no adapter handles this kind of student, if ``student`` is a class rather
        than an instance, or if it is a regressor (see
        ``skdistill.DistilledRegressor``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill import fit_soft_targets
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> P = np.array([[0.9, 0.1], [0.7, 0.3], [0.3, 0.7], [0.1, 0.9]])
    >>> clf = fit_soft_targets(LogisticRegression(), X, P, classes=["a", "b"])
    >>> clf.classes_.tolist()
    ['a', 'b']
    >>> clf.predict([[0.0], [3.0]]).tolist()
    ['a', 'b']
    """
    adapter = find_adapter(student)
    n_samples = _num_samples(X)
    P = check_soft_targets(P, n_samples)
    classes = check_classes(np.arange(P.shape[1]) if classes is None else classes)
    if classes.shape[0] != P.shape[1]:
        raise ValueError(
            f"classes must have one label per column of the soft-target matrix P "
            f"({P.shape[1]}); got {classes.shape[0]} labels."
        )
    # scikit-learn classifiers keep classes_ sorted; reorder the columns to match.
    order = np.argsort(classes, kind="stable")
    classes, P = classes[order], P[:, order]
    sample_weight = check_sample_weight(sample_weight, n_samples)
    return adapter.fit_soft(student, X, P, classes=classes, sample_weight=sample_weight,
                            fit_params=fit_params)
