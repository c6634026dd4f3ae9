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
- ``predict`` / ``predict_proba``: how the fitted student gives labels and
  probabilities (skorch nets: float32 input, labels from ``classes_``);
- ``seeded``: a context in which its fit draws its randomness from a seed (skorch
  nets: the torch RNG).

Adding a student family means adding one adapter module that ends with one
:func:`register_student_adapter` call, and its import in ``students/__init__.py``.
"""

from __future__ import annotations

import contextlib

import numpy as np
from sklearn.utils import check_consistent_length, get_tags
from sklearn.utils.validation import _check_sample_weight

from .._validation import check_probabilities


class StudentAdapter:
    """How one family of students is fitted on soft targets, and what more it can do.

    Built by :func:`register_student_adapter`; a family whose answers depend on the
    student (a ``Pipeline`` answers as its final step) subclasses it.
    """

    def __init__(self, name, accepts, fit, *, losses=None, fit_teacher_batches=None,
                 predict=None, predict_proba=None, seeded=None, accepts_sparse=None):
        self.name = name
        self.accepts = accepts
        self.fit = fit
        self._losses = dict(losses or {})
        self._fit_teacher_batches = fit_teacher_batches
        self._predict = predict
        self._predict_proba = predict_proba
        self._seeded = seeded
        self._accepts_sparse = accepts_sparse

    def __repr__(self):
        return f"<student adapter {self.name!r}>"

    def loss_fit(self, student, loss):
        """The function fitting ``student`` with ``loss`` from the raw teacher probabilities.

        ``fit(student, X, P_teacher, y_index, *, classes, temperature, alpha,
        sample_weight)``, or None when the family has no such loss.
        """
        return self._losses.get(loss)

    def losses(self, student):
        """Names of the losses other than the soft-target one that ``student`` supports."""
        return sorted(name for name in self._losses if self.loss_fit(student, name))

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


def register_student_adapter(name, predicate=None, fit=None, *, first=True, losses=None,
                             fit_teacher_batches=None, predict=None, predict_proba=None,
                             seeded=None, accepts_sparse=None):
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
    seeded : callable, default=None
        ``seeded(student, seed)``: a context manager in which fitting draws its
        randomness from ``seed``.
    accepts_sparse : callable, default=None
        ``accepts_sparse(student) -> bool`` when the family fits sparse ``X`` although
        the student's own tags say otherwise.

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
            predict=predict, predict_proba=predict_proba, seeded=seeded,
            accepts_sparse=accepts_sparse,
        )
    if first:
        _ADAPTERS.insert(0, adapter)
    else:
        _ADAPTERS.append(adapter)


def find_adapter(student):
    """The first registered adapter that accepts ``student``; a TypeError if none does."""
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
    return any(adapter.accepts(student) for adapter in _ADAPTERS)


def check_soft_targets(P, n_samples=None, *, name="P", atol=1e-6):
    """Validate a soft-target matrix: finite, non-negative, rows summing to one.

    Parameters
    ----------
    P : array-like of shape (n_samples, n_classes)
    n_samples : int, default=None
        The number of rows of ``X``, if the rows must match.
    name : str, default="P"
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


def fit_soft_targets(student, X, P, *, classes=None, sample_weight=None):
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
        scikit-learn sorts labels, even a class that has no probability mass.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights ``w_n``.

    Returns
    -------
    student : classifier
        The fitted student, an instance of its own class.

    Raises
    ------
    TypeError
        If no adapter handles this kind of student.

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
    n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
    P = check_soft_targets(P, n_samples)
    if classes is None:
        classes = np.arange(P.shape[1])
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.shape[0] != P.shape[1]:
        raise ValueError(
            f"classes must have one label per column of P ({P.shape[1]}); "
            f"got shape {classes.shape}."
        )
    if len(np.unique(classes)) != len(classes):
        raise ValueError("classes must not contain duplicate labels.")
    # scikit-learn classifiers keep classes_ sorted; reorder the columns to match.
    order = np.argsort(classes, kind="stable")
    classes, P = classes[order], P[:, order]
    if sample_weight is not None:
        check_consistent_length(P, sample_weight)
        sample_weight = _check_sample_weight(
            sample_weight, np.empty((n_samples, 0)), ensure_non_negative=True
        )
    return adapter.fit(student, X, P, classes=classes, sample_weight=sample_weight)
