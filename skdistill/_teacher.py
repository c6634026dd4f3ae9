"""The teacher step: from any teacher to class-probabilities aligned to the student's classes,
or, for a regression teacher, to its predictions.

What the user passes as a teacher is resolved once per fit, by :func:`as_teacher`, into a
:class:`TeacherAdapter`: the one object the estimators ask for what they need of a
teacher — fit it with routed parameters, its outputs (probabilities checked and aligned
to ``classes_`` by label, so that a class the teacher never saw gets probability zero;
a regressor's predictions), its scores, and what it can take (sparse input, NaN,
``sample_weight``, multi-output targets, whether it is queried batch by batch while a
student trains). No code outside this module asks what kind of teacher it holds.

The kinds, each an adapter class; a ``FrozenEstimator`` around any of them is the same
kind, prefit:

- a scikit-learn classifier (:class:`TeacherAdapter`): queried in row chunks sized by
  scikit-learn's ``working_memory``;
- a skorch net, or a ``Pipeline`` ending in one (:class:`_NetTeacher`): fitted through
  the net support shared with the student adapters (real classes, float32, logits),
  predicted in its own row batches, and seeded through the torch RNG;
- a scikit-learn regressor (:class:`_RegressorTeacher`), and a skorch
  ``NeuralNetRegressor`` or a ``Pipeline`` ending in one (:class:`_NetRegressorTeacher`):
  their predictions are the outputs, for :class:`~skdistill.DistilledRegressor`;
- a callable ``X -> probabilities`` or ``X -> predictions`` (:class:`_CallableTeacher`):
  never fitted, called once on all its rows.

Each kind serves one task (``TeacherAdapter.task``), and ``check(task)`` refuses a
teacher of the other one, naming the estimator that distils it. The task is also the one
seam of the shared steps: ``outputs(X, classes)`` is the probabilities aligned to
``classes``, or, with ``classes=None``, the predictions of a regression teacher, whose
folds are then plain ``KFold`` (as ``cross_val_predict`` makes for a regressor).

Adding a teacher kind means subclassing :class:`TeacherAdapter` and one
:func:`register_teacher_adapter` call. The out-of-fold loop (:func:`check_splits`,
:func:`cross_fit_outputs`) and the cached teacher step (:func:`teacher_step`) serve every
kind and every estimator.
"""

from __future__ import annotations

import contextlib
import numbers
import time
from functools import partial

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

from ._net_fitting import fit_net_on_labels, fit_net_on_values
from ._nets import (
    ends_in_skorch_net,
    is_regressor_net,
    log_odds,
    net_proba,
    net_scores,
    predict_net_values,
    torch_seeded,
)
from ._pipelines import final_estimator
from ._seeding import seed_random_states, seeded_splitter
from ._validation import align_columns, check_probabilities, estimator_type
from ._verbose import phase

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
    #: What the teacher's outputs serve: "classification" (class-probabilities),
    #: "regression" (predictions), or None for either (a callable).
    task = "classification"

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

    def check(self, task="classification"):
        """Refuse, before any fitting, a teacher that cannot serve ``task``.

        ``task`` is what the caller distils: "classification" needs class-probabilities,
        "regression" predictions. A teacher of the other task is refused with a
        ``TypeError`` naming the estimator that distils it.
        """
        self._check_task(task)
        if not (hasattr(self.teacher, "predict_proba")
                or hasattr(self.teacher, "decision_function")):
            raise TypeError(
                f"teacher {type(self.teacher).__name__} has neither predict_proba nor "
                "decision_function, so it gives no class-probabilities to distil. Use a "
                "probabilistic classifier (e.g. SVC(probability=True)) or wrap it in "
                "sklearn.calibration.CalibratedClassifierCV."
            )
        return self

    def _check_task(self, task):
        if self.task is not None and task != self.task:
            raise TypeError(_wrong_task(self.estimator, task))

    def accepts_sparse(self):
        """Whether the teacher takes sparse ``X`` (no, for a model without scikit-learn tags)."""
        tags = _tags(self.teacher)
        return False if tags is None else tags.input_tags.sparse

    def multi_output(self):
        """Whether the teacher fits a 2-D target ``y`` (several outputs)."""
        return get_tags(self.estimator).target_tags.multi_output

    def allow_nan(self):
        """Whether the teacher takes ``X`` with NaN (a model without scikit-learn tags is
        trusted to say so itself, by its own error)."""
        tags = _tags(self.teacher)
        return True if tags is None else tags.input_tags.allow_nan

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
        return self._by_chunks(partial(self._aligned_proba, classes=classes), X, len(classes))

    def outputs(self, X, classes):
        """What the teacher step hands on: :meth:`proba` aligned to ``classes``.

        A regression teacher's outputs are its predictions (``classes`` is then None).
        """
        return self.proba(X, classes)

    def _by_chunks(self, predict, X, width):
        """``predict(X)``, called on row chunks of ``X`` (:meth:`_chunk`) when it is large;
        ``width`` is the number of values per row of the result."""
        n_samples = _num_samples(X)
        step = self._chunk(X, width)
        if step >= n_samples:
            return predict(X)
        out = None
        for rows in gen_batches(n_samples, step):
            part = predict(_safe_indexing(X, rows))
            if out is None:
                out = np.empty((n_samples,) + part.shape[1:])
            out[rows] = part
        return out

    def _aligned_proba(self, X, classes):
        raw, what = self.raw_proba(X)
        raw, own = _labelled_columns(raw, self)
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

    def check(self, task="classification"):
        self._check_task(task)
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


class _RegressorTeacher(TeacherAdapter):
    """A scikit-learn regressor, or a ``Pipeline`` ending in one: its outputs are its
    predictions, queried in row chunks as a classifier's probabilities are."""

    name = "regressor"
    task = "regression"

    def check(self, task="classification"):
        self._check_task(task)
        return self

    def predict(self, X):
        """Predictions of the fitted teacher on ``X``, float64, in the teacher's shape:
        ``(n_samples,)`` or ``(n_samples, n_outputs)``."""
        return self._by_chunks(self.raw_predict, X, 1)

    def raw_predict(self, X):
        """The fitted teacher's ``predict`` on ``X``, as float64."""
        return np.asarray(self.teacher.predict(X), dtype=np.float64)

    def outputs(self, X, classes=None):
        return self.predict(X)

    @property
    def classes_(self):
        raise AttributeError("a regression teacher has no classes_.")


class _NetRegressorTeacher(_RegressorTeacher):
    """A skorch ``NeuralNetRegressor``, or a ``Pipeline`` ending in one: float32 input and
    targets, seeded through the torch RNG, predicted in its own row batches."""

    name = "regression net"

    def accepts_sparse(self):
        return True  # densified for the fit, a batch at a time for predictions

    def multi_output(self):
        return True  # one output per column of y, as wide as the module makes it

    def _fitting(self):
        return torch_seeded(self.seed)

    def _fit(self, X, y, rows, fit_params):
        if fit_params:
            raise ValueError(
                f"the teacher {type(self.teacher).__name__} is a skorch net, whose fit takes "
                f"no fit parameters here; got {sorted(fit_params)}."
            )
        Xr = X if rows is None else _safe_indexing(X, rows)
        fit_net_on_values(self.teacher, Xr, y)

    def raw_predict(self, X):
        return predict_net_values(self.estimator, X)

    def _chunk(self, X, n_classes):
        return _num_samples(X)  # a net batches its own rows


class _CallableTeacher(TeacherAdapter):
    """A callable ``X -> (n_samples, n_classes)`` probabilities in the student's class order,
    or, for a regression student, ``X -> predictions``.

    It is the user's own function, trusted to take any input and to bound its memory
    (or spread the work over a cluster) itself; it is called once on all its rows.
    """

    name = "callable"
    task = None

    @property
    def estimator(self):
        return self.teacher

    @property
    def prefit(self):
        return True

    @property
    def routes_fit(self):
        return False

    def check(self, task="classification"):
        return self

    def accepts_sparse(self):
        return True

    def allow_nan(self):
        return True

    def multi_output(self):
        return True

    def accepts_sample_weight(self):
        return False

    def predict(self, X):
        """The callable's predictions on ``X``, as float64."""
        try:
            return np.asarray(self.teacher(X), dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the teacher callable's output must be numeric predictions "
                             f"({exc}).") from exc

    def outputs(self, X, classes):
        return self.predict(X) if classes is None else self.proba(X, classes)

    def proba(self, X, classes):
        out = self.teacher(X)
        what = "the teacher callable's output"
        if hasattr(out, "columns"):  # labelled columns: aligned by label, not by position
            out, own = _labelled_columns(out, self)
            out = check_probabilities(out, n_samples=_num_samples(X), n_classes=len(own),
                                      name=what)
            return align_columns(out, own, classes, where="y", hint=_UNKNOWN_CLASSES_HINT)
        return check_probabilities(out, n_samples=_num_samples(X), n_classes=len(classes),
                                   name=what)

    @property
    def classes_(self):
        raise AttributeError("a callable teacher does not name its classes; its columns are "
                             "the student's classes_.")

    def scores(self, X, classes):
        P = self.proba(X, classes).astype(np.float32)
        return log_odds(P), P


def _tags(estimator):
    """The scikit-learn tags of ``estimator``, or None for a model without them (a fitted
    model of another library inside a ``FrozenEstimator``)."""
    try:
        return get_tags(estimator)
    except AttributeError:
        return None


def _labelled_columns(proba, teacher):
    """Probabilities as an array and the class label of each column.

    A DataFrame's columns name its classes (AutoGluon's ``TabularPredictor.predict_proba``,
    a callable returning a frame), so its columns are aligned by label; an array's columns
    are the fitted teacher's ``classes_``.
    """
    if hasattr(proba, "columns") and hasattr(proba, "to_numpy"):
        return proba.to_numpy(dtype=np.float64), np.asarray(list(proba.columns))
    return proba, teacher.classes_


def _wrong_task(model, task):
    """Why ``model`` cannot be the teacher of ``task``, naming the estimator for its own."""
    name = type(model).__name__
    if task == "classification":
        lacks = ("" if hasattr(model, "predict_proba") or hasattr(model, "decision_function")
                 else ", with neither predict_proba nor decision_function")
        return (f"teacher {name} is a regressor{lacks}: it gives no class-probabilities to "
                "distil. To distil a regression teacher into a regression student, use "
                "skdistill.DistilledRegressor.")
    kind = ("a classifier" if estimator_type(model) == "classifier" else
            "not a regressor (scikit-learn's is_regressor is False for it; a regressor "
            "inherits RegressorMixin)")
    return (f"teacher {name} is {kind}. A regression teacher is a regressor, a "
            "FrozenEstimator around a fitted one, or a callable X -> predictions. To distil "
            "a classifier's class-probabilities, use skdistill.DistilledClassifier.")


def _is_regressor(model):
    return estimator_type(model) == "regressor"


# Tried last to first, so that a registered kind can claim what a built-in one would.
_KINDS: list[tuple[object, type]] = [
    (lambda teacher: True, TeacherAdapter),
    (_is_regressor, _RegressorTeacher),
    (lambda teacher: ends_in_skorch_net(teacher), _NetTeacher),
    (lambda teacher: ends_in_skorch_net(teacher) and is_regressor_net(final_estimator(teacher)),
     _NetRegressorTeacher),
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
    >>> from sklearn.linear_model import Ridge
    >>> as_teacher(Ridge()).task
    'regression'
    """
    if isinstance(teacher, TeacherAdapter):
        return teacher
    if isinstance(teacher, type):
        raise TypeError(f"teacher is the class {teacher.__name__}; give an instance, "
                        f"{teacher.__name__}().")
    if not (hasattr(teacher, "fit") or callable(teacher)):
        raise TypeError(
            f"teacher must be a classifier or a regressor, a FrozenEstimator around a fitted "
            f"one, or a callable X -> (n_samples, n_classes) probabilities (or X -> "
            f"predictions); got {type(teacher).__name__}."
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
                 hint="", classifier=True):
    """The folds of ``cv`` on ``(X, y)``, checked to partition the rows.

    As ``cross_val_predict`` requires, every row must be in exactly one test fold. A
    splitter that shuffles without a seed gets one from ``random_state``. ``name`` is the
    parameter named in errors, ``noun`` what the rows are, ``hint`` the way out of a
    splitter that does not partition them. An int ``cv`` gives ``StratifiedKFold`` for a
    classifier's labels and ``KFold`` with ``classifier=False`` (a regression target,
    even one of integers), as ``check_cv`` does.
    """
    n_samples = _num_samples(X)
    cannot = f"{name}={cv!r} cannot split the {n_samples} {noun}"
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool) and n_samples < cv:
        raise ValueError(f"{cannot}: {name}={cv} needs at least {cv} {noun}; got {n_samples}. "
                         f"Lower {name}.")
    splitter = seeded_splitter(check_cv(cv, y, classifier=classifier), random_state)
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
    P = teacher.outputs(_safe_indexing(X, test), classes)
    return P, time.perf_counter() - start, teacher.teacher


def cross_fit_outputs(teachers, X, y, classes, splits, *, n_jobs=None, fit_params=None):
    """Out-of-fold outputs of each teacher: fitted on the training folds of ``splits``,
    predicting their test fold, all fits in one joblib pool.

    Parameters
    ----------
    teachers : list of TeacherAdapter
        Unfitted teachers; each fold fits a copy.
    classes : ndarray of shape (n_classes,) or None
        The columns of the probabilities; None for regression teachers, whose outputs
        are their predictions.
    splits : list of (train, test)
        Folds that partition the rows (:func:`check_splits`).
    fit_params : list of dict, default=None
        One dict of fit parameters per teacher; row-aligned ones are indexed by fold.

    Returns
    -------
    results : list of Bunch
        Per teacher: ``outputs`` (probabilities (n_samples, n_classes), or predictions
        (n_samples,) or (n_samples, n_outputs)), ``estimators`` (the fitted fold copies,
        in fold order) and ``fit_time`` (seconds, summed over folds).
    """
    fit_params = fit_params or [{} for _ in teachers]
    tasks = [(i, train, test) for i in range(len(teachers)) for train, test in splits]
    fitted = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict_fold)(teachers[i].seeded(teachers[i].seed), X, y, train, test,
                                   classes, fit_params[i])
        for i, train, test in tasks
    )
    n_samples = _num_samples(X)
    results = [Bunch(outputs=None, estimators=[], fit_time=0.0) for _ in teachers]
    for (i, _, test), (P, seconds, estimator) in zip(tasks, fitted):
        if results[i].outputs is None:
            results[i].outputs = np.empty((n_samples,) + P.shape[1:])
        results[i].outputs[test] = P
        results[i].estimators.append(estimator)
        results[i].fit_time += seconds
    return results


def _fit_on_fold(teacher, X, y, train, classes, fit_params):
    fit_params = _check_method_params(X, fit_params, train)
    X_train = _safe_indexing(X, train)
    teacher.fit(X_train, _safe_indexing(y, train), **fit_params)
    return teacher.outputs(X_train, classes)


def in_fold_outputs(teacher, X, y, classes, splits, *, n_jobs=None, fit_params=None):
    """Each fold's teacher outputs on its own training rows: a copy of ``teacher`` fitted
    on the training rows of a fold predicts them.

    These are the targets a student of that fold gets when the teacher is fitted where
    the student is (``teacher_cv=None``), the fold's test rows unseen by both: what
    ``GridSearchCV`` around the estimator would fit, and what ``alpha="auto"`` scores
    without ``teacher_cv``. Cache it with :func:`cached`.

    Returns
    -------
    outputs : list of ndarray
        Per fold, the outputs (probabilities aligned to ``classes``, or predictions when
        ``classes`` is None) on ``X[train]``, in fold order.
    """
    fit_params = fit_params or {}
    return Parallel(n_jobs=n_jobs)(
        delayed(_fit_on_fold)(teacher.seeded(teacher.seed), X, y, train, classes, fit_params)
        for train, _ in splits
    )


# -- the teacher step of an estimator --------------------------------------------------


def labelled_part(X, labelled, fit_params):
    """The labelled rows of ``X`` and of the row-aligned fit parameters."""
    if labelled.all():
        return X, fit_params
    rows = np.flatnonzero(labelled)
    return _safe_indexing(X, rows), {
        k: (np.asarray(v)[labelled] if hasattr(v, "__len__") else v)
        for k, v in fit_params.items()
    }


def teacher_step(teacher, X, y, labelled, classes, *, cv=None, n_jobs=None, fit_params=None,
                 random_state=None, probabilities=True, verbose=0, source="teacher"):
    """The whole teacher step of :class:`~skdistill.DistilledClassifier` and
    :class:`~skdistill.DistilledRegressor`.

    The teacher (an adapter, seeded by the caller) is fitted on the labelled rows (a
    prefit one is used as is). Without ``cv``, the fitted teacher predicts every row;
    with ``cv``, the labelled rows get out-of-fold outputs from copies fitted on the
    other folds (a shuffling splitter seeded from ``random_state``) and the unlabelled
    rows those of the teacher fitted on all labelled rows, as ``StackingClassifier``
    does. ``classes=None`` is a regression teacher: its outputs are its predictions and
    the folds of an int ``cv`` are not stratified. With ``verbose``, each phase (the
    fit, the out-of-fold fits, the predictions) prints one line headed ``[source]``.

    Returns
    -------
    teacher_ : TeacherAdapter
        The adapter of the fitted teacher.
    P : ndarray of shape (n_samples, n_classes) (probabilities), or (n_samples,) or
        (n_samples, n_outputs) (predictions); None when ``probabilities=False``
    """
    fit_params = fit_params or {}
    model = type(teacher.estimator).__name__
    X_lab, lab_params = labelled_part(X, labelled, fit_params)
    with phase(verbose and not teacher.prefit, source, f"teacher fit ({model})"):
        fitted = teacher.seeded(teacher.seed).fit(X_lab, y[labelled], **lab_params)
    if not probabilities:
        return fitted, None
    if cv is None:
        with phase(verbose, source, f"teacher outputs on {_num_samples(X)} rows ({model})"):
            return fitted, fitted.outputs(X, classes)
    splits = check_splits(cv, X_lab, y[labelled], random_state=random_state, name="teacher_cv",
                          noun="labelled rows", classifier=classes is not None)
    with phase(verbose, source, f"out-of-fold teacher outputs ({len(splits)} folds)"):
        (oof,) = cross_fit_outputs([teacher], X_lab, y[labelled], classes, splits,
                                   n_jobs=n_jobs, fit_params=[lab_params])
    P = np.empty((_num_samples(X),) + oof.outputs.shape[1:])
    P[labelled] = oof.outputs
    if not labelled.all():
        unlabelled = np.flatnonzero(~labelled)
        with phase(verbose, source, f"teacher outputs on {unlabelled.size} unlabelled rows"):
            P[~labelled] = fitted.outputs(_safe_indexing(X, unlabelled), classes)
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
    ``n_jobs``, ``verbose`` and ``source``, which do not change the result.
    """
    if memory is None or teacher.prefit:
        return step
    ignore = [name for name in ("n_jobs", "verbose", "source")
              if name in step.__code__.co_varnames]
    return check_memory(memory).cache(step, ignore=ignore)

