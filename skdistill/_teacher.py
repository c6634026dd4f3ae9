"""The teacher step: from any teacher to an (n_samples, n_classes) probability matrix.

A teacher is a classifier (fitted here, or prefit inside a ``FrozenEstimator``), a
skorch net (or a pipeline ending in one), or a callable ``X -> probabilities``. It is
fitted on the labelled rows, and its probabilities are computed on every row (out of
fold for the labelled rows with ``teacher_cv``) with columns aligned to the problem's
classes by class label, so a teacher that never saw a class gives it probability zero.
A classifier teacher is queried in row chunks and a net teacher in row batches, so that
inference over a large pool has bounded memory; a net teacher can also label a
student's batches one at a time (:func:`streams`). Net support comes from the module
shared with the student adapters (``_nets.py``); the teacher step imports no adapter.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn import get_config
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import check_cv
from sklearn.utils import _safe_indexing, check_random_state, gen_batches, get_tags
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_method_params,
    _num_samples,
    check_memory,
    has_fit_parameter,
)

from ._nets import (
    ends_in_skorch_net,
    fit_net_on_labels,
    is_skorch_net,
    log_odds,
    net_proba,
    net_scores,
)
from ._validation import align_columns, check_probabilities

_UNKNOWN_CLASSES_HINT = (
    "A prefit teacher must have been trained on a subset of the classes of y; if y's "
    "sample merely misses some classes, list every class with "
    "DistilledClassifier(classes=[...])."
)


def is_callable_teacher(teacher):
    """A plain function (or callable object) that is not an estimator."""
    return callable(teacher) and not hasattr(teacher, "fit")


def is_frozen(teacher):
    return isinstance(teacher, FrozenEstimator)


def is_prefit(teacher):
    """A teacher that is never fitted here: a ``FrozenEstimator`` or a callable."""
    return is_frozen(teacher) or is_callable_teacher(teacher)


def unfrozen(teacher):
    return teacher.estimator if is_frozen(teacher) else teacher


def streams(teacher):
    """Whether the teacher is best queried batch by batch while the student trains.

    A net teacher costs about what the student's own forward pass costs, and its whole
    probability matrix over a large pool is what should not be held in memory.
    """
    return ends_in_skorch_net(unfrozen(teacher))


def check_teacher(teacher):
    """Reject, before any fitting, a teacher that cannot give class-probabilities."""
    if is_callable_teacher(teacher):
        return
    if not hasattr(teacher, "fit"):
        raise TypeError(
            f"teacher must be a classifier, a FrozenEstimator around a fitted one, or a "
            f"callable X -> (n_samples, n_classes) probabilities; got {type(teacher).__name__}."
        )
    if not (hasattr(teacher, "predict_proba") or hasattr(teacher, "decision_function")):
        raise TypeError(
            f"teacher {type(teacher).__name__} has neither predict_proba nor "
            "decision_function, so it gives no class-probabilities to distil. Use a "
            "probabilistic classifier (e.g. SVC(probability=True)) or wrap it in "
            "sklearn.calibration.CalibratedClassifierCV."
        )


def accepts_sparse(teacher):
    """Whether the teacher step can take sparse ``X`` for this teacher (a net reads sparse
    rows a batch at a time; a callable is the user's own and is trusted to)."""
    if is_callable_teacher(teacher) or is_skorch_net(unfrozen(teacher)):
        return True
    return get_tags(teacher).input_tags.sparse


def accepts_sample_weight(teacher):
    """Whether the teacher's fit takes ``sample_weight`` (skorch nets do, through skdistill)."""
    return ends_in_skorch_net(teacher) or has_fit_parameter(teacher, "sample_weight")


def fit_teacher(teacher, X, y, **fit_params):
    """Fit a teacher on labels; a net goes through the shared net support, which handles
    skorch's traps (real classes, float32, logits under NLLLoss)."""
    if ends_in_skorch_net(teacher):
        return fit_net_on_labels(teacher, X, y, **fit_params)
    return teacher.fit(X, y, **fit_params)


def _raw_probabilities(teacher, X):
    """Class-probabilities over the teacher's own ``classes_``, and what produced them."""
    if ends_in_skorch_net(unfrozen(teacher)):
        # float32 input, batches, and a net-specific error for logits
        return net_proba(unfrozen(teacher), X), "teacher net predict_proba"
    if hasattr(teacher, "predict_proba"):
        return teacher.predict_proba(X), "teacher.predict_proba"
    # Scores are not calibrated probabilities; a softmax is the conventional reading.
    scores = np.asarray(teacher.decision_function(X), dtype=np.float64)
    if scores.ndim == 1:
        p = expit(scores)
        return np.column_stack([1.0 - p, p]), "softmax of teacher.decision_function"
    return softmax(scores, axis=1), "softmax of teacher.decision_function"


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
    """
    n_samples = _num_samples(X)
    if sparse.issparse(X):
        stored = -(-X.nnz // max(n_samples, 1))
    else:
        shape = getattr(X, "shape", ())
        stored = shape[1] if len(shape) == 2 else 1
    row_bytes = 8 * (stored + n_classes + INTERMEDIATE_VALUES_PER_ROW)
    return max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))


def teacher_proba(teacher, X, classes):
    """Probabilities of a fitted teacher on ``X``, columns aligned to ``classes``.

    A classifier teacher predicts in row chunks of :func:`chunk_rows` rows, so what it
    computes on the way (e.g. an MLP's hidden activations) is bounded however many
    rows ``X`` has; only the result, ``(n_samples, n_classes)``, grows with them. A
    net teacher predicts in its own row batches. A callable teacher is called once on
    all of ``X``: it is the user's function, which can bound its memory, or spread
    the work over a cluster, itself.

    Parameters
    ----------
    teacher : fitted classifier or callable
    X : array-like of shape (n_samples, n_features)
    classes : ndarray of shape (n_classes,)
        Class labels of the student.

    Returns
    -------
    P : ndarray of shape (n_samples, n_classes)
    """
    n_samples = _num_samples(X)
    if is_callable_teacher(teacher):
        return check_probabilities(teacher(X), n_samples=n_samples, n_classes=len(classes),
                                   name="the teacher callable's output")
    # a net batches its own rows (and wants them whole, to cast them to float32 once)
    step = n_samples if ends_in_skorch_net(unfrozen(teacher)) else chunk_rows(X, len(classes))
    if step >= n_samples:
        return _aligned_proba(teacher, X, classes)
    P = np.empty((n_samples, len(classes)))
    for rows in gen_batches(n_samples, step):
        P[rows] = _aligned_proba(teacher, _safe_indexing(X, rows), classes)
    return P


def _aligned_proba(teacher, X, classes):
    raw, what = _raw_probabilities(teacher, X)
    teacher_classes = np.asarray(teacher.classes_)
    raw = check_probabilities(raw, n_samples=_num_samples(X), n_classes=len(teacher_classes),
                              name=what)
    return align_columns(raw, teacher_classes, classes, where="y", hint=_UNKNOWN_CLASSES_HINT)


def teacher_scores(teacher, X, classes):
    """Scores ``s`` and probabilities ``p`` of a fitted teacher, columns aligned to ``classes``.

    The scores are what a teacher ranks labels by, read as logits:

    - a skorch net: its module's logits (``p = softmax(s)``); a module that outputs
      probabilities gives ``s = log(p / (1 - p))``;
    - a classifier with ``decision_function``: its scores (for two classes ``[-d, d]``);
      ``p`` is its ``predict_proba``, else the softmax of the scores;
    - a classifier with only ``predict_proba``: the log-odds ``s = log(p / (1 - p))``, so
      that ``sigmoid(s) = p``: the one-vs-rest reading of the probabilities (the softmax
      leaves the per-row offset of logits undefined; the log-odds fix it so that a
      label the teacher believes in with probability ``p`` gets the sigmoid weight
      ``1 - p``).

    A class the teacher never saw has ``p = 0`` and ``s = -inf``.

    Returns
    -------
    scores, proba : ndarray of shape (n_samples, n_classes), float32
    """
    if ends_in_skorch_net(unfrozen(teacher)):
        S, P = net_scores(unfrozen(teacher), X)
    else:
        P, what = _raw_probabilities(teacher, X)
        P = check_probabilities(P, n_samples=X.shape[0], name=what)
        if hasattr(teacher, "decision_function"):
            S = np.asarray(teacher.decision_function(X), dtype=np.float64)
            S = np.column_stack([-S, S]) if S.ndim == 1 else S
        else:
            S = log_odds(P)
    teacher_classes = np.asarray(teacher.classes_)
    P = align_columns(np.asarray(P, dtype=np.float32), teacher_classes, classes,
                      where="the labels", hint=_UNKNOWN_CLASSES_HINT)
    S = align_columns(np.asarray(S, dtype=np.float32), teacher_classes, classes, fill=-np.inf)
    return S, P


def _labelled_part(X, labelled, fit_params):
    """The labelled rows of ``X`` and of the row-aligned fit parameters."""
    if labelled.all():
        return X, fit_params
    rows = np.flatnonzero(labelled)
    return _safe_indexing(X, rows), {
        k: (np.asarray(v)[labelled] if hasattr(v, "__len__") else v)
        for k, v in fit_params.items()
    }


def fitted_teacher(teacher, X, y, labelled, fit_params):
    """The teacher of the student: a clone fitted on the labelled rows, a
    ``FrozenEstimator`` as is, a callable as is."""
    if is_callable_teacher(teacher):
        return teacher
    X_lab, fit_params = _labelled_part(X, labelled, fit_params)
    return fit_teacher(clone(teacher), X_lab, y[labelled], **fit_params)


def _fit_predict(teacher, X, y, train, test, classes, fit_params):
    fit_params = _check_method_params(X, fit_params, train)
    fit_teacher(teacher, _safe_indexing(X, train), _safe_indexing(y, train), **fit_params)
    return test, teacher_proba(teacher, _safe_indexing(X, test), classes)


def seeded_splitter(splitter, random_state):
    """The splitter, with a seed from ``random_state`` if it shuffles without one."""
    if random_state is None or not getattr(splitter, "shuffle", False):
        return splitter
    if getattr(splitter, "random_state", 0) is not None:
        return splitter
    seeded = copy.copy(splitter)  # the user's splitter keeps its random_state=None
    seeded.random_state = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return seeded


def out_of_fold_proba(teacher, X, y, classes, cv, *, n_jobs=None, fit_params=None,
                      random_state=None):
    """Teacher probabilities for each row from a teacher that did not see it.

    Like ``cross_val_predict(method="predict_proba")``: the folds of ``cv`` must
    partition the rows; clones of ``teacher`` are fitted in parallel through joblib.
    A splitter that shuffles with ``random_state=None`` is seeded from
    ``random_state`` (when given).
    """
    n_samples = X.shape[0]
    if isinstance(cv, numbers.Integral) and n_samples < cv:
        raise ValueError(
            f"teacher_cv={cv} needs at least {cv} labelled rows; got {n_samples}. "
            "Lower teacher_cv or set teacher_cv=None."
        )
    splitter = seeded_splitter(check_cv(cv, y, classifier=True), random_state)
    try:
        splits = list(splitter.split(X, y))
    except ValueError as exc:
        raise ValueError(f"teacher_cv={cv!r} cannot split the labelled rows: {exc}") from exc
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(clone(teacher), X, y, train, test, classes, fit_params or {})
        for train, test in splits
    )
    P = np.full((n_samples, len(classes)), np.nan)
    seen = np.zeros(n_samples, dtype=int)
    for test, proba in results:
        P[test] = proba
        seen[test] += 1
    if np.any(seen != 1):
        raise ValueError(
            "teacher_cv must partition the labelled rows (every row in exactly one test "
            "fold), as cross_val_predict requires; use KFold/StratifiedKFold-like splitters."
        )
    return P


def teacher_probabilities(teacher, teacher_, X, y, labelled, classes, *, cv=None, n_jobs=None,
                          fit_params=None, random_state=None):
    """Aligned teacher probabilities for every row of ``X``.

    Without ``cv``, the fitted ``teacher_`` predicts every row. With ``cv``, the
    labelled rows get out-of-fold probabilities from clones of ``teacher`` and the
    unlabelled rows those of ``teacher_`` (fitted on all labelled rows).
    """
    if cv is None:
        return teacher_proba(teacher_, X, classes)
    X_lab, fit_params = _labelled_part(X, labelled, fit_params or {})
    P = np.empty((X.shape[0], len(classes)))
    P[labelled] = out_of_fold_proba(teacher, X_lab, y[labelled], classes, cv, n_jobs=n_jobs,
                                    fit_params=fit_params, random_state=random_state)
    if not labelled.all():
        P[~labelled] = teacher_proba(teacher_, _safe_indexing(X, np.flatnonzero(~labelled)),
                                     classes)
    return P


def teacher_step(teacher, X, y, labelled, classes, *, cv=None, n_jobs=None, fit_params=None,
                 random_state=None, probabilities=True):
    """The whole teacher step: the fitted teacher and, if asked, its probabilities.

    Returns
    -------
    teacher_ : the fitted teacher (``teacher`` itself when prefit or callable)
    P : ndarray of shape (n_samples, n_classes), or None when ``probabilities=False``
    """
    fit_params = fit_params or {}
    teacher_ = fitted_teacher(teacher, X, y, labelled, fit_params)
    if not probabilities:
        return teacher_, None
    return teacher_, teacher_probabilities(
        teacher, teacher_, X, y, labelled, classes, cv=cv, n_jobs=n_jobs,
        fit_params=fit_params, random_state=random_state,
    )


def cached_teacher_step(memory, teacher):
    """:func:`teacher_step`, cached in ``memory`` (a path or ``joblib.Memory``) when the
    teacher is fitted here; ``n_jobs`` does not change the result and is not a key."""
    if memory is None or is_prefit(teacher):
        return teacher_step
    return check_memory(memory).cache(teacher_step, ignore=["n_jobs"])
