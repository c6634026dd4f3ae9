"""The teacher step: from any teacher to class-probabilities aligned to the student's classes.

What the user passes as a teacher is resolved once per fit, by :func:`as_teacher`, into a
:class:`TeacherAdapter`: the one object the estimators ask for what they need of a
teacher — fit it with routed parameters, its probabilities (checked, and aligned to
``classes_`` by label, so that a class the teacher never saw gets probability zero), its
scores, and what it can take (sparse input, NaN, ``sample_weight``, whether it is
queried batch by batch while a student trains). No code outside this module asks what
kind of teacher it holds.

The kinds, each an adapter class; a ``FrozenEstimator`` around any of them is the same
kind, prefit:

- a scikit-learn classifier (:class:`TeacherAdapter`): queried in row chunks sized by
  scikit-learn's ``working_memory``;
- a skorch net, or a ``Pipeline`` ending in one (:class:`_NetTeacher`): fitted through
  the net support shared with the student adapters (real classes, float32, logits),
  predicted in its own row batches, and seeded through the torch RNG;
- a callable ``X -> probabilities`` (:class:`_CallableTeacher`): never fitted, called
  once on all its rows.

Adding a teacher kind means subclassing :class:`TeacherAdapter` and one
:func:`register_teacher_adapter` call. The out-of-fold loop (:func:`check_splits`,
:func:`cross_fit_proba`) and the cached teacher step (:func:`teacher_step`) serve every
kind and every estimator.
"""

from __future__ import annotations

import contextlib
import numbers
import time

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn import get_config
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import check_cv
from sklearn.utils import Bunch, _safe_indexing, gen_batches, get_tags
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_method_params,
    _num_samples,
    check_memory,
    has_fit_parameter,
)

from ._net_fitting import fit_net_on_labels
from ._nets import ends_in_skorch_net, log_odds, net_proba, net_scores, torch_seeded
from ._seeding import seed_random_states, seeded_splitter
from ._validation import align_columns, check_probabilities

_UNKNOWN_CLASSES_HINT = (
    "A prefit teacher must have been trained on a subset of the classes of y; if y's "
    "sample merely misses some classes, list every class with "
    "DistilledClassifier(classes=[...])."
)

# Room per row, in float64 values, for what a teacher computes on the way to its
# probabilities: an MLP's hidden units, the per-tree outputs of an ensemble, kernel values.
# The teacher's own needs are unknown; this is what a chunk of rows is budgeted for.
INTERMEDIATE_VALUES_PER_ROW = 1024


def chunk_rows(X, n_classes):
    """Rows per ``predict_proba`` call of a teacher, so that its memory stays bounded.

    The rule: scikit-learn's ``working_memory`` (in MiB; 1024 unless changed with
    ``sklearn.set_config`` or ``sklearn.config_context``) divided by the bytes budgeted
    per row, ``8 * (v + n_classes + INTERMEDIATE_VALUES_PER_ROW)``, where ``v`` is the
    number of values a row of ``X`` stores (its features; its non-zeros if sparse), and
    at least one row. With the default working memory and a few hundred features that
    is about 10**5 rows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn import config_context
    >>> with config_context(working_memory=1):
    ...     chunk_rows(np.zeros((10, 24)), n_classes=0)
    125
    """
    n_samples = _num_samples(X)
    if sparse.issparse(X):
        stored = -(-X.nnz // max(n_samples, 1))
    else:
        shape = getattr(X, "shape", ())
        stored = shape[1] if len(shape) == 2 else 1
    row_bytes = 8 * (stored + n_classes + INTERMEDIATE_VALUES_PER_ROW)
    return max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))


class TeacherAdapter:
    """What the estimators need of one teacher; this base class is a scikit-learn classifier.

    An adapter wraps the teacher as the user gave it (an estimator, possibly inside a
    ``FrozenEstimator``). It is cheap: make one with :func:`as_teacher` wherever a
    teacher is at hand. Fitting works on a copy (:meth:`seeded`) and returns the adapter
    of the fitted teacher; a prefit teacher is its own fitted teacher.

    Parameters
    ----------
    teacher : estimator
        The teacher as given.
    seed : int or None, default=None
        The seed of the randomness a fit draws outside the teacher's parameters (a
        net's torch RNG); set by :meth:`seeded`.
    """

    #: Short name of the kind, for messages and repr.
    name = "classifier"

    def __init__(self, teacher, seed=None):
        self.teacher = teacher
        self.seed = seed

    def __repr__(self):
        return f"<{self.name} teacher {type(self.teacher).__name__}>"

    # -- what it is and what it takes ---------------------------------------------

    @property
    def estimator(self):
        """The model itself: the teacher, or the estimator inside a ``FrozenEstimator``."""
        return self.teacher.estimator if isinstance(self.teacher, FrozenEstimator) else self.teacher

    @property
    def prefit(self):
        """Whether the teacher is never fitted here (a ``FrozenEstimator``, a callable)."""
        return isinstance(self.teacher, FrozenEstimator)

    @property
    def routes_fit(self):
        """Whether the teacher's ``fit`` takes part in metadata routing."""
        return True

    @property
    def streams(self):
        """Whether the teacher is best queried batch by batch while a student trains.

        A net teacher costs about what the student's own forward pass costs, and its
        whole probability matrix over a large pool is what should not be held in memory.
        """
        return False

    def check(self):
        """Refuse, before any fitting, a teacher that cannot give class-probabilities."""
        if not (hasattr(self.teacher, "predict_proba")
                or hasattr(self.teacher, "decision_function")):
            raise TypeError(
                f"teacher {type(self.teacher).__name__} has neither predict_proba nor "
                "decision_function, so it gives no class-probabilities to distil. Use a "
                "probabilistic classifier (e.g. SVC(probability=True)) or wrap it in "
                "sklearn.calibration.CalibratedClassifierCV."
            )
        return self

    def accepts_sparse(self):
        """Whether the teacher takes sparse ``X``."""
        return get_tags(self.teacher).input_tags.sparse

    def allow_nan(self):
        """Whether the teacher takes ``X`` with NaN."""
        return get_tags(self.teacher).input_tags.allow_nan

    def accepts_sample_weight(self):
        """Whether the teacher's ``fit`` takes ``sample_weight``."""
        return has_fit_parameter(self.teacher, "sample_weight")

    def check_sample_weight(self, who=None):
        """Refuse ``sample_weight`` for a teacher fitted here whose ``fit`` cannot take it.

        One wording for every estimator: ``who`` names the teacher in the message
        (default: "the teacher <class>").
        """
        if self.prefit or self.accepts_sample_weight():
            return
        who = who or f"the teacher {type(self.teacher).__name__}"
        raise ValueError(
            f"sample_weight was given but {who} does not accept sample_weight in fit. "
            "Leave sample_weight out, use a teacher whose fit takes it, or, in an "
            "estimator, enable metadata routing (sklearn.set_config("
            "enable_metadata_routing=True)) to send it only where it is requested."
        )

    # -- fitting ---------------------------------------------------------------------

    def seeded(self, seed):
        """The adapter of an unfitted copy whose fit is seeded by ``seed``.

        Every ``random_state`` parameter of the teacher left at None (nested ones too)
        gets its own draw from ``seed``; the copy's fit also draws any other randomness
        (a net's torch RNG) from ``seed``. A prefit teacher is returned as is.
        """
        if self.prefit:
            return self
        return type(self)(seed_random_states(clone(self.teacher), seed), seed=seed)

    def _fitting(self):
        """A context for the randomness a fit draws outside the teacher's parameters."""
        return contextlib.nullcontext()

    def fit(self, X, y, *, rows=None, **fit_params):
        """Fit the wrapped teacher in place on ``(X[rows], y)`` and return this adapter.

        ``rows`` (indices into ``X``, repeats allowed) are the examples' rows; None means
        every row. Row-aligned ``fit_params`` have one entry per example. A prefit
        teacher is not fitted.
        """
        if self.prefit:
            return self
        with self._fitting():
            self._fit(X, y, rows, fit_params)
        return self

    def _fit(self, X, y, rows, fit_params):
        Xr = X if rows is None else _safe_indexing(X, rows)
        self.teacher.fit(Xr, y, **fit_params)

    # -- predicting -----------------------------------------------------------------

    @property
    def classes_(self):
        """The labels the fitted teacher knows, in its column order."""
        return np.asarray(self.estimator.classes_)

    def check_knows(self, labels):
        """Refuse labels that a prefit teacher does not know (it must score every one)."""
        unknown = np.setdiff1d(labels, self.classes_)
        if unknown.size:
            more = " ..." if unknown.size > 10 else ""
            raise ValueError(
                f"y has labels {unknown[:10].tolist()}{more} that the prefit teacher does "
                "not know (not in its classes_); a teacher must score every label it is to "
                "distil. Refit the teacher on these labels, or leave them out of y."
            )

    def raw_proba(self, X):
        """Class-probabilities over the teacher's own ``classes_``, and what produced them."""
        if hasattr(self.teacher, "predict_proba"):
            return self.teacher.predict_proba(X), "teacher.predict_proba"
        # Scores are not calibrated probabilities; a softmax is the conventional reading.
        scores = np.asarray(self.teacher.decision_function(X), dtype=np.float64)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1.0 - p, p]), "softmax of teacher.decision_function"
        return softmax(scores, axis=1), "softmax of teacher.decision_function"

    def _chunk(self, X, n_classes):
        return chunk_rows(X, n_classes)

    def proba(self, X, classes):
        """Probabilities of the fitted teacher on ``X``, columns aligned to ``classes``.

        The teacher predicts in row chunks (:meth:`_chunk`: :func:`chunk_rows` rows for
        a classifier, all rows for a net, which batches its own), so what it computes on
        the way (e.g. an MLP's hidden activations) is bounded however many rows ``X``
        has; only the result, ``(n_samples, n_classes)``, grows with them.

        Returns
        -------
        P : ndarray of shape (n_samples, n_classes)
        """
        n_samples = _num_samples(X)
        step = self._chunk(X, len(classes))
        if step >= n_samples:
            return self._aligned_proba(X, classes)
        P = np.empty((n_samples, len(classes)))
        for rows in gen_batches(n_samples, step):
            P[rows] = self._aligned_proba(_safe_indexing(X, rows), classes)
        return P

    def _aligned_proba(self, X, classes):
        raw, what = self.raw_proba(X)
        own = self.classes_
        raw = check_probabilities(raw, n_samples=_num_samples(X), n_classes=len(own), name=what)
        return align_columns(raw, own, classes, where="y", hint=_UNKNOWN_CLASSES_HINT)

    @property
    def multilabel(self):
        """Whether the fitted teacher was fitted on a label indicator matrix (a 2-D ``y``):
        one probability per label, each of a label being relevant, rows not summing to
        one (``OneVsRestClassifier``'s ``multilabel_``, or a label binarizer of type
        ``"multilabel-indicator"``, as ``MLPClassifier`` keeps)."""
        model = self.estimator
        if getattr(model, "multilabel_", False) is True:
            return True
        binarizer = getattr(model, "label_binarizer_", None) or getattr(
            model, "_label_binarizer", None)
        return str(getattr(binarizer, "y_type_", "")).startswith("multilabel")

    def _multilabel_scores(self, X):
        """Scores and positives of a multi-label teacher: its ``decision_function`` (else
        the log-odds of its per-label probabilities) and those probabilities divided by
        their row sum (uniform where every label has probability zero)."""
        what = "teacher.predict_proba of a multi-label teacher"
        P = np.asarray(self.teacher.predict_proba(X), dtype=np.float64)
        if P.ndim != 2 or P.shape[0] != _num_samples(X):
            raise ValueError(f"{what} must have shape (n_samples, n_labels); got {P.shape}.")
        if not np.all(np.isfinite(P)) or np.any(P < 0) or np.any(P > 1):
            raise ValueError(f"{what} must hold one probability in [0, 1] per label.")
        if hasattr(self.teacher, "decision_function"):
            S = np.asarray(self.teacher.decision_function(X), dtype=np.float64)
        else:
            S = log_odds(P)
        total = P.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            P = np.where(total > 0, P / total, 1.0 / P.shape[1])
        return S, P

    def raw_scores(self, X):
        """Scores and probabilities over the teacher's own ``classes_`` (see :meth:`scores`)."""
        if self.multilabel:
            return self._multilabel_scores(X)
        P, what = self.raw_proba(X)
        P = check_probabilities(P, n_samples=_num_samples(X), name=what)
        if hasattr(self.teacher, "decision_function"):
            S = np.asarray(self.teacher.decision_function(X), dtype=np.float64)
            return (np.column_stack([-S, S]) if S.ndim == 1 else S), P
        return log_odds(P), P

    def scores(self, X, classes):
        """Scores ``s`` and probabilities ``p`` of the fitted teacher, aligned to ``classes``.

        The scores are what a teacher ranks labels by, read as logits:

        - a skorch net: its module's logits (``p = softmax(s)``); a module that outputs
          probabilities gives ``s = log(p / (1 - p))``;
        - a classifier with ``decision_function``: its scores (for two classes
          ``[-d, d]``); ``p`` is its ``predict_proba``, else the softmax of the scores;
        - a classifier with only ``predict_proba``: the log-odds ``s = log(p / (1 - p))``,
          so that ``sigmoid(s) = p``: the one-vs-rest reading of the probabilities (the
          softmax leaves the per-row offset of logits undefined; the log-odds fix it so
          that a label the teacher believes in with probability ``p`` gets the sigmoid
          weight ``1 - p``);
        - a multi-label classifier (fitted on a label indicator matrix, :attr:`multilabel`,
          e.g. a ``OneVsRestClassifier``), whose per-label probabilities do not sum to
          one: its ``decision_function`` (else the log-odds of its probabilities) are the
          scores, and its probabilities divided by their row sum the ``p``.

        A class the teacher never saw has ``p = 0`` and ``s = -inf``.

        Returns
        -------
        scores, proba : ndarray of shape (n_samples, n_classes), float32
        """
        S, P = self.raw_scores(X)
        own = self.classes_
        P = align_columns(np.asarray(P, dtype=np.float32), own, classes,
                          where="the labels", hint=_UNKNOWN_CLASSES_HINT)
        S = align_columns(np.asarray(S, dtype=np.float32), own, classes, fill=-np.inf)
        return S, P


class _NetTeacher(TeacherAdapter):
    """A skorch net, or a ``Pipeline`` ending in one."""

    name = "net"

    @property
    def streams(self):
        return True

    def check(self):
        return self  # a skorch classifier net always has predict_proba

    def accepts_sparse(self):
        return True  # the net support densifies sparse rows a batch at a time

    def accepts_sample_weight(self):
        return True  # skdistill fits nets with row weights in the loss

    def _fitting(self):
        return torch_seeded(self.seed)

    def _fit(self, X, y, rows, fit_params):
        fit_net_on_labels(self.teacher, X, y, rows=rows, **fit_params)

    def raw_proba(self, X):
        # float32 input, batches, and a net-specific error for logits
        return net_proba(self.estimator, X), "teacher net predict_proba"

    def raw_scores(self, X):
        return net_scores(self.estimator, X)

    def _chunk(self, X, n_classes):
        return _num_samples(X)  # a net batches its own rows and casts them to float32 once


class _CallableTeacher(TeacherAdapter):
    """A callable ``X -> (n_samples, n_classes)`` probabilities in the student's class order.

    It is the user's own function, trusted to take any input and to bound its memory
    (or spread the work over a cluster) itself; it is called once on all its rows.
    """

    name = "callable"

    @property
    def estimator(self):
        return self.teacher

    @property
    def prefit(self):
        return True

    @property
    def routes_fit(self):
        return False

    def check(self):
        return self

    def accepts_sparse(self):
        return True

    def allow_nan(self):
        return True

    def accepts_sample_weight(self):
        return False

    def proba(self, X, classes):
        return check_probabilities(self.teacher(X), n_samples=_num_samples(X),
                                   n_classes=len(classes), name="the teacher callable's output")

    @property
    def classes_(self):
        raise AttributeError("a callable teacher does not name its classes; its columns are "
                             "the student's classes_.")

    def scores(self, X, classes):
        P = self.proba(X, classes).astype(np.float32)
        return log_odds(P), P


# Tried last to first, so that a registered kind can claim what a built-in one would.
_KINDS: list[tuple[object, type]] = [
    (lambda teacher: True, TeacherAdapter),
    (lambda teacher: ends_in_skorch_net(teacher), _NetTeacher),
    (lambda teacher: callable(teacher) and not hasattr(teacher, "fit"), _CallableTeacher),
]


def register_teacher_adapter(predicate, adapter):
    """Register a kind of teacher: ``adapter`` (a :class:`TeacherAdapter` subclass) serves
    every teacher for which ``predicate(model)`` is true, where ``model`` is the teacher or
    the estimator inside its ``FrozenEstimator``. Later registrations take precedence."""
    _KINDS.append((predicate, adapter))
    return adapter


def as_teacher(teacher):
    """The adapter of ``teacher`` (an estimator, a ``FrozenEstimator``, a callable).

    Raises a ``TypeError`` naming the fix for what cannot be a teacher: a class instead
    of an instance, an object without ``fit`` that is not callable, a classifier without
    ``predict_proba`` or ``decision_function``.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> as_teacher(LogisticRegression()).prefit
    False
    >>> as_teacher(FrozenEstimator(LogisticRegression())).prefit
    True
    >>> as_teacher(lambda X: X).name
    'callable'
    """
    if isinstance(teacher, TeacherAdapter):
        return teacher
    if isinstance(teacher, type):
        raise TypeError(f"teacher is the class {teacher.__name__}; give an instance, "
                        f"{teacher.__name__}().")
    if not (hasattr(teacher, "fit") or callable(teacher)):
        raise TypeError(
            f"teacher must be a classifier, a FrozenEstimator around a fitted one, or a "
            f"callable X -> (n_samples, n_classes) probabilities; got {type(teacher).__name__}."
        )
    model = teacher.estimator if isinstance(teacher, FrozenEstimator) else teacher
    for predicate, adapter in reversed(_KINDS):
        if predicate(model):
            return adapter(teacher)
    raise AssertionError("the classifier kind accepts every teacher")  # pragma: no cover


def teacher_proba(teacher, X, classes):
    """Probabilities of a fitted teacher of any kind on ``X``, aligned to ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> teacher = LogisticRegression().fit(X, y)
    >>> teacher_proba(teacher, X, classes=np.array([0, 1, 2])).shape
    (4, 3)
    """
    return as_teacher(teacher).proba(X, classes)


# -- out of fold ------------------------------------------------------------------------


def check_splits(cv, X, y, *, random_state=None, split_params=None, name="cv", noun="rows",
                 hint=""):
    """The folds of ``cv`` on ``(X, y)``, checked to partition the rows.

    As ``cross_val_predict`` requires, every row must be in exactly one test fold. A
    splitter that shuffles without a seed gets one from ``random_state``. ``name`` is the
    parameter named in errors, ``noun`` what the rows are, ``hint`` the way out of a
    splitter that does not partition them.
    """
    n_samples = _num_samples(X)
    cannot = f"{name}={cv!r} cannot split the {n_samples} {noun}"
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool) and n_samples < cv:
        raise ValueError(f"{cannot}: {name}={cv} needs at least {cv} {noun}; got {n_samples}. "
                         f"Lower {name}.")
    splitter = seeded_splitter(check_cv(cv, y, classifier=True), random_state)
    try:
        splits = list(splitter.split(X, y, **(split_params or {})))
    except ValueError as exc:
        raise ValueError(f"{cannot}: {exc}") from exc
    seen = np.zeros(n_samples, dtype=int)
    for _, test in splits:
        np.add.at(seen, test, 1)
    if np.any(seen != 1):
        raise ValueError(
            f"{name} must partition the {noun} (every row in exactly one test fold), as "
            f"cross_val_predict requires; use KFold/StratifiedKFold-like splitters.{hint}"
        )
    return splits


def _fit_predict_fold(teacher, X, y, train, test, classes, fit_params):
    start = time.perf_counter()
    fit_params = _check_method_params(X, fit_params, train)
    teacher.fit(_safe_indexing(X, train), _safe_indexing(y, train), **fit_params)
    P = teacher.proba(_safe_indexing(X, test), classes)
    return P, time.perf_counter() - start, teacher.teacher


def cross_fit_proba(teachers, X, y, classes, splits, *, n_jobs=None, fit_params=None):
    """Out-of-fold probabilities of each teacher: fitted on the training folds of
    ``splits``, predicting their test fold, all fits in one joblib pool.

    Parameters
    ----------
    teachers : list of TeacherAdapter
        Unfitted teachers; each fold fits a copy.
    splits : list of (train, test)
        Folds that partition the rows (:func:`check_splits`).
    fit_params : list of dict, default=None
        One dict of fit parameters per teacher; row-aligned ones are indexed by fold.

    Returns
    -------
    results : list of Bunch
        Per teacher: ``proba`` (n_samples, n_classes), ``estimators`` (the fitted fold
        copies, in fold order) and ``fit_time`` (seconds, summed over folds).
    """
    fit_params = fit_params or [{} for _ in teachers]
    tasks = [(i, train, test) for i in range(len(teachers)) for train, test in splits]
    fitted = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict_fold)(teachers[i].seeded(teachers[i].seed), X, y, train, test,
                                   classes, fit_params[i])
        for i, train, test in tasks
    )
    n_samples = _num_samples(X)
    results = [Bunch(proba=np.empty((n_samples, len(classes))), estimators=[], fit_time=0.0)
               for _ in teachers]
    for (i, _, test), (P, seconds, estimator) in zip(tasks, fitted):
        results[i].proba[test] = P
        results[i].estimators.append(estimator)
        results[i].fit_time += seconds
    return results


# -- the teacher step of an estimator --------------------------------------------------


def _labelled_part(X, labelled, fit_params):
    """The labelled rows of ``X`` and of the row-aligned fit parameters."""
    if labelled.all():
        return X, fit_params
    rows = np.flatnonzero(labelled)
    return _safe_indexing(X, rows), {
        k: (np.asarray(v)[labelled] if hasattr(v, "__len__") else v)
        for k, v in fit_params.items()
    }


def teacher_step(teacher, X, y, labelled, classes, *, cv=None, n_jobs=None, fit_params=None,
                 random_state=None, probabilities=True):
    """The whole teacher step of :class:`~skdistill.DistilledClassifier`.

    The teacher (an adapter, seeded by the caller) is fitted on the labelled rows (a
    prefit one is used as is). Without ``cv``, the fitted teacher predicts every row;
    with ``cv``, the labelled rows get out-of-fold probabilities from copies fitted on
    the other folds (a shuffling splitter seeded from ``random_state``) and the
    unlabelled rows those of the teacher fitted on all labelled rows, as
    ``StackingClassifier`` does.

    Returns
    -------
    teacher_ : TeacherAdapter
        The adapter of the fitted teacher.
    P : ndarray of shape (n_samples, n_classes), or None when ``probabilities=False``
    """
    fit_params = fit_params or {}
    X_lab, lab_params = _labelled_part(X, labelled, fit_params)
    fitted = teacher.seeded(teacher.seed).fit(X_lab, y[labelled], **lab_params)
    if not probabilities:
        return fitted, None
    if cv is None:
        return fitted, fitted.proba(X, classes)
    splits = check_splits(cv, X_lab, y[labelled], random_state=random_state, name="teacher_cv",
                          noun="labelled rows")
    P = np.empty((_num_samples(X), len(classes)))
    (oof,) = cross_fit_proba([teacher], X_lab, y[labelled], classes, splits, n_jobs=n_jobs,
                             fit_params=[lab_params])
    P[labelled] = oof.proba
    if not labelled.all():
        P[~labelled] = fitted.proba(_safe_indexing(X, np.flatnonzero(~labelled)), classes)
    return fitted, P


def fit_on_examples(teacher, X, rows, y, fit_params):
    """The teacher step of :class:`~skdistill.DoubleDistilledRanker`: the teacher fitted on
    the examples ``(X[rows], y)`` (a net reads the rows in place)."""
    params = {key: np.asarray(value)[rows] for key, value in fit_params.items()}
    return teacher.seeded(teacher.seed).fit(X, y, rows=rows, **params)


def cached(memory, step, teacher):
    """``step``, cached in ``memory`` (a path or ``joblib.Memory``) when ``teacher`` is
    fitted here, as ``Pipeline(memory=...)`` caches transformers.

    The key is every argument of the step — the teacher with its parameters and seed, the
    data, the labels and rows, the routed fit parameters, the folds' settings — but
    ``n_jobs``, which does not change the result.
    """
    if memory is None or teacher.prefit:
        return step
    ignore = ["n_jobs"] if "n_jobs" in step.__code__.co_varnames else []
    return check_memory(memory).cache(step, ignore=ignore)

