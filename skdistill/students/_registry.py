"""Dispatch from a student estimator to the adapter that fits it on soft targets.

An adapter is a function ``fit(student, X, P, *, classes, sample_weight)`` that fits
``student`` **in place** so that its objective is the soft-target risk
``sum_n w_n * P[n] . loss(f(x_n))`` and returns it. Adding a student family means
adding one adapter module and one :func:`register_student_adapter` call.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_consistent_length
from sklearn.utils.validation import _check_sample_weight

_ADAPTERS: list[tuple[str, object, object]] = []


def register_student_adapter(name, predicate, fit, *, first=True):
    """Register how to fit a family of students on soft targets.

    Parameters
    ----------
    name : str
        Short name of the family, shown in error messages.
    predicate : callable
        ``predicate(student) -> bool``; True when ``fit`` handles this student.
    fit : callable
        ``fit(student, X, P, *, classes, sample_weight) -> student``. Must fit
        ``student`` in place on the soft-target matrix ``P`` (columns in the order
        of ``classes``) and leave ``student.classes_`` equal to ``classes``.
    first : bool, default=True
        Try this adapter before the ones already registered, so a user's adapter
        can override a built-in one.

    Examples
    --------
    >>> from skdistill import register_student_adapter
    >>> def fit_my_model(student, X, P, *, classes, sample_weight):
    ...     ...  # fit student on soft targets
    ...     return student
    >>> register_student_adapter(
    ...     "my-model", lambda est: type(est).__name__ == "MyModel", fit_my_model)
    """
    entry = (name, predicate, fit)
    if first:
        _ADAPTERS.insert(0, entry)
    else:
        _ADAPTERS.append(entry)


def _find_adapter(student):
    for name, predicate, fit in _ADAPTERS:
        if predicate(student):
            return name, fit
    supported = ", ".join(dict.fromkeys(name for name, _, _ in _ADAPTERS))
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
    return any(predicate(student) for _, predicate, _ in _ADAPTERS)


def check_soft_targets(P, n_samples=None, *, name="P", atol=1e-6):
    """Validate a soft-target matrix: finite, non-negative, rows summing to one.

    Returns ``P`` as a float64 array of shape (n_samples, n_classes).
    """
    try:
        P = np.asarray(P, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array of class-probabilities: {exc}") from exc
    if P.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_classes); got shape {P.shape}."
        )
    if n_samples is not None and P.shape[0] != n_samples:
        raise ValueError(f"{name} has {P.shape[0]} rows but X has {n_samples}.")
    if P.shape[1] < 2:
        raise ValueError(f"{name} needs at least 2 columns (classes); got {P.shape[1]}.")
    if not np.all(np.isfinite(P)):
        raise ValueError(f"{name} contains NaN or infinity; soft targets must be probabilities.")
    if np.any(P < -atol):
        raise ValueError(f"{name} has negative entries; soft targets must be probabilities.")
    sums = P.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > atol * max(1, P.shape[1]))
    if bad.size:
        raise ValueError(
            f"rows of {name} must sum to 1 (they are class-probability vectors); row {bad[0]} "
            f"sums to {sums[bad[0]]:.6g}. Normalise them, e.g. P / P.sum(axis=1, keepdims=True)."
        )
    return np.clip(P, 0.0, None)


def fit_soft_targets(student, X, P, *, classes=None, sample_weight=None):
    """Fit a classifier on soft targets (class-probability vectors) exactly.

    The student minimises the soft-target risk ``sum_n w_n * P[n] . loss(f(x_n))``
    (equation 5 of Menon et al.), not a rounded or resampled approximation of it.
    How depends on the family:

    - ``LogisticRegression`` and any classifier whose ``fit`` takes
      ``sample_weight`` and whose loss is a sum over rows: each row ``n`` is
      expanded into one row per class ``k`` with weight ``w_n * P[n, k]``; the
      weighted objective is then term for term the soft cross-entropy.
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
      teacher's argmax class for supervised transformers), its last step on the
      soft targets.

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
    _, fit = _find_adapter(student)
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
    return fit(student, X, P, classes=classes, sample_weight=sample_weight)
