r"""HistGradientBoostingClassifier grown on soft targets, without expanding rows.

Why the fit is exact
--------------------
Write ``f_n`` for the raw scores of row ``n`` (one per tree of an iteration),
``p_n = softmax(f_n)`` and ``w_n`` for its weight. The soft-target objective is

.. math::

    R(f) = \sum_n w_n \, \ell(P_n, f_n), \qquad
    \ell(P_n, f_n) = \log \sum_k e^{f_{nk}} - \sum_k P_{nk} f_{nk},

the soft cross-entropy (``sum_k P_nk = 1``). scikit-learn's multinomial loss is
this with a one-hot ``P_n``. Its derivatives with respect to ``f_nk`` are

.. math::

    g_{nk} = w_n (p_{nk} - P_{nk}), \qquad h_{nk} = w_n \, p_{nk} (1 - p_{nk})

(the diagonal hessian, as scikit-learn uses for the hard label). Histogram gradient
boosting reads the targets only through these two numbers: a histogram sums ``g``
and ``h`` of the rows in a bin; a split's gain is a function of the sums
``G, H`` on each side (and ``min_hessian_to_split`` of ``H``); a leaf's value is
``-learning_rate * G / (H + l2_regularization)``, clipped to its bounds under
monotonic constraints; a categorical split orders the categories by
``G / (H + 10)``; ``min_samples_leaf``, ``max_leaf_nodes``, ``max_depth``, the
interaction constraints and the binning (of the training rows, with their
weights where scikit-learn bins with weights) do not look at the targets at all.
So giving the grower ``g_nk, h_nk`` above grows every tree of Newton boosting on
``R``, the soft-target objective itself. The starting point (the baseline) is
the constant minimising ``R``: setting the gradient of ``sum_n w_n l(P_n, f)`` to
zero gives ``softmax(f) = sum_n w_n P_n / sum_n w_n``, the weighted mean of the
targets, which is what ``fit_intercept_only`` computes from a mean (clipped and
mapped through the link, exactly as for hard labels). With two classes scikit-learn
grows one tree per iteration with the logistic loss
``log(1 + e^f) - y f``; it is linear in ``y``, and its loss object accepts a
soft ``y = P[:, 1]`` in ``[0, 1]`` (gradient ``w (sigmoid(f) - y)``, hessian
``w p (1 - p)``), so the binary case is the same argument with ``y = P_n1``.

Counts are of rows, as for hard labels: ``min_samples_leaf`` and the support a
category needs to take part in a categorical split (10 rows, scaled by its share
of the node's hessian). With a one-hot ``P`` every quantity above is the hard-label
one, so the fit is the ordinary fit.

The same identity makes the row expansion exact (each row into ``L`` pieces
``(x_n, k)`` of weight ``w_n P_nk``, whose gradients add up to
``sum_k w_n P_nk (p_n - e_k) = w_n (p_n - P_n)``), and it stays available as the
fallback, with ``min_samples_leaf`` scaled by ``L``; but it costs about ``L`` times
the hard-label fit, and its categorical support counts pieces. The native fit sees
the ``n`` rows and costs about what a hard-label fit costs. The two agree to the
float32 rounding of the per-piece gradients, given the same bin thresholds (always
the case when a feature has at most ``max_bins`` distinct values).

How it is grown
---------------
The user's estimator runs its own ``fit``: binning, tree growing, constraints,
``warm_start`` and early stopping stay scikit-learn's. For the duration of the
fit the adapter sets a few methods on the *instance* (never on the class) and
removes them afterwards:

- ``_encode_y`` sets what the class's own encoder sets (its label encoder,
  ``classes_`` and ``n_trees_per_iteration_``) from the given classes, and keeps ``y``
  as it is passed: each row's index into ``P``;
- ``_get_loss`` wraps scikit-learn's own loss object so that gradients, hessians,
  the baseline and the loss value read the soft target of each row index;
- the early-stopping checks score a validation split the adapter draws over whole
  rows (stratified on the targets' argmax when possible; the estimator only ever
  sees the training rows), and the training-score subsample is one of whole rows.

The result is an ordinary fitted ``HistGradientBoostingClassifier`` (its loss
object is scikit-learn's own again), which pickles, clones and predicts as usual.

Early stopping
--------------
``early_stopping="auto"`` is decided on the number of rows, as for hard labels.
``scoring="loss"`` monitors the soft cross-entropy (weighted mean over rows).
Another scorer (``"accuracy"``, ``"neg_log_loss"``, a callable) is evaluated on
the rows expanded into pieces ``(x_n, k)`` weighted by ``w_n P_nk``: the expected
score when each row's label is drawn from its soft target, for instance the
teacher's mean probability of the predicted class for ``"accuracy"``, and minus
the soft cross-entropy for ``"neg_log_loss"``. The scorer must therefore accept
``sample_weight``. The training score uses at most 10 000 rows, as for hard
labels.

Fallback
--------
Where this scikit-learn's internals differ from what the adapter expects (a
missing or re-shaped method, a loss object of another kind, a fit that did not
call the hooks) or the student uses its own ``loss`` object, the fit falls back to
the exact row expansion and warns why.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import NotFittedError, check_is_fitted

try:  # the loss objects the native fit wraps; checked before use
    from sklearn._loss.loss import HalfBinomialLoss, HalfMultinomialLoss
except ImportError:  # pragma: no cover - a scikit-learn without them takes the fallback
    HalfBinomialLoss = HalfMultinomialLoss = None
try:
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
except ImportError:  # pragma: no cover
    _openmp_effective_n_threads = None

from ._expand import class_weight_vector, expand_rows, fold_class_weight, temporary_params
from ._registry import register_student_adapter

# The methods the adapter replaces on the instance during the fit, with the
# parameters (after ``self``) they have in scikit-learn 1.6 to 1.9.
_HOOKS = {
    "_encode_y": ("y",),
    "_get_loss": ("sample_weight",),
    "_get_small_trainset": ("X_binned_train", "y_train", "sample_weight_train", "seed"),
    "_check_early_stopping_loss": (
        "raw_predictions", "y_train", "sample_weight_train",
        "raw_predictions_val", "y_val", "sample_weight_val", "n_threads",
    ),
    "_check_early_stopping_scorer": (
        "X_binned_small_train", "y_small_train", "sample_weight_small_train",
        "X_binned_val", "y_val", "sample_weight_val",
        "raw_predictions_small_train", "raw_predictions_val",
    ),
}
# Methods the hooks call.
_CALLED = {"_preprocess_X": ("X", "reset")}


class _Unsupported(Exception):
    """The internals differ from what the native fit expects; the message says how."""


def _signature_problem(cls, name, expected):
    method = getattr(cls, name, None)
    if method is None:
        return f"it has no method {name}"
    try:
        params = tuple(inspect.signature(method).parameters)[1:]
    except (TypeError, ValueError):
        return f"the signature of {name} cannot be read"
    if params != expected:
        return f"{name} takes {params}, not {expected}"
    return None


def _native_unsupported_reason(student):
    """Why the native fit cannot be used for ``student``, or None if it can."""
    if HalfMultinomialLoss is None or _openmp_effective_n_threads is None:
        return f"scikit-learn {sklearn.__version__} lacks the internals it builds on"
    if not (isinstance(student.loss, str) and student.loss == "log_loss"):
        return f"the student's loss is {student.loss!r}, not 'log_loss'"
    cls = type(student)
    where = f"{cls.__name__} in scikit-learn {sklearn.__version__}"
    for name, expected in {**_HOOKS, **_CALLED}.items():
        problem = _signature_problem(cls, name, expected)
        if problem:
            return f"{where}: {problem}"
    for name in _HOOKS:
        if getattr(cls, name) is not getattr(HistGradientBoostingClassifier, name):
            return f"{where} overrides {name}"
        if name in vars(student):
            return f"the student has its own attribute {name}"
    if "sample_weight" not in inspect.signature(student.fit).parameters:
        return f"{where}: fit takes no sample_weight"
    return None


class _SoftTargetLoss:
    """scikit-learn's loss object, reading the soft target of each row index it is given.

    ``y_true`` arrays passed by the boosting loop hold row indices into ``P``;
    ``labels`` are the rows' most probable classes (for stratified subsamples).
    """

    # What the boosting loop reads from its loss besides the methods below.
    _DELEGATED = frozenset({
        "differentiable", "constant_hessian", "approx_hessian", "is_multiclass",
        "n_classes", "link", "interval_y_pred", "interval_y_true",
        "init_gradient_and_hessian", "predict_proba",
    })

    def __init__(self, loss, P, labels):
        self.loss = loss
        self.binary = P.shape[1] == 2
        # The binomial loss takes y in [0, 1]: the probability of the second class.
        self.P = np.ascontiguousarray(P[:, 1]) if self.binary else P
        self.labels = labels.astype(np.float64)
        self.used = set()
        self.unknown = set()
        self._gathered = []

    def __getattr__(self, name):
        if name.startswith("__") or name not in self._DELEGATED:
            if not name.startswith("__"):
                self.unknown.add(name)
            raise AttributeError(name)
        return getattr(self.loss, name)

    def targets(self, codes):
        # The loop passes the same training (and validation) arrays every iteration:
        # gather each once. Holding the arrays keeps their identity meaningful.
        for known, T in self._gathered:
            if known is codes:
                return T
        T = self.P[codes.astype(np.intp)]
        self._gathered = [*self._gathered[-2:], (codes, T)]
        return T

    def fit_intercept_only(self, y_true, sample_weight=None):
        self.used.add("fit_intercept_only")
        T = self.targets(y_true)
        if self.binary:
            return self.loss.fit_intercept_only(T, sample_weight=sample_weight)
        mean = np.average(T, weights=sample_weight, axis=0)
        eps = np.finfo(mean.dtype).eps
        return self.loss.link.link(np.clip(mean, eps, 1 - eps)[None, :]).reshape(-1)

    def __call__(self, y_true, raw_prediction, sample_weight=None, n_threads=1):
        self.used.add("loss")
        T = self.targets(y_true)
        if self.binary:
            return self.loss(T, raw_prediction, sample_weight=sample_weight,
                             n_threads=n_threads)
        top = raw_prediction.max(axis=1)
        lse = top + np.log(np.exp(raw_prediction - top[:, None]).sum(axis=1))
        return np.average(lse - (T * raw_prediction).sum(axis=1), weights=sample_weight)

    def gradient_hessian(self, y_true, raw_prediction, sample_weight=None,
                         gradient_out=None, hessian_out=None, n_threads=1):
        self.used.add("gradient_hessian")
        T = self.targets(y_true)
        if self.binary:
            return self.loss.gradient_hessian(
                y_true=T, raw_prediction=raw_prediction, sample_weight=sample_weight,
                gradient_out=gradient_out, hessian_out=hessian_out, n_threads=n_threads)
        p = raw_prediction - raw_prediction.max(axis=1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(axis=1, keepdims=True)
        gradient = p - T
        hessian = p * (1 - p)
        if sample_weight is not None:
            gradient *= sample_weight[:, None]
            hessian *= sample_weight[:, None]
        if gradient_out is None:
            return gradient, hessian
        gradient_out[...] = gradient
        hessian_out[...] = hessian
        return gradient_out, hessian_out

    def pieces(self, X_binned, codes, sample_weight, raw_predictions):
        """Rows as weighted hard-label pieces ``(x_n, k, w_n P_nk)`` for a scorer."""
        T = self.targets(codes)
        if self.binary:
            T = np.column_stack([1 - T, T])
        W = T if sample_weight is None else T * sample_weight[:, None]
        rows, cols = np.nonzero(W > 0)
        raw = None if raw_predictions is None else raw_predictions[rows]
        return X_binned[rows], cols.astype(np.float64), W[rows, cols], raw


class _ValidationRows:
    """The validation rows, binned and predicted as the boosting proceeds."""

    def __init__(self, X, codes, sample_weight):
        self.X, self.codes, self.sample_weight = X, codes, sample_weight
        self.binned = self.raw = None
        self.n_iter = 0

    def raw_predictions(self, est, n_threads):
        if self.binned is None:
            X = est._preprocess_X(self.X, reset=False)
            self.binned = np.ascontiguousarray(est._bin_mapper.transform(X))
            baseline = est._baseline_prediction
            self.raw = np.zeros((self.binned.shape[0], baseline.shape[1]),
                                dtype=baseline.dtype, order="F")
            self.raw += baseline
        missing_bin = est._bin_mapper.missing_values_bin_idx_
        for predictors in est._predictors[self.n_iter:]:
            for k, predictor in enumerate(predictors):
                self.raw[:, k] += predictor.predict_binned(self.binned, missing_bin, n_threads)
        self.n_iter = len(est._predictors)
        return self.raw


def _install_hooks(student, P, labels, classes, validation):
    """Set the hooks on the instance; return them and the record of what the fit used."""
    cls = type(student)
    record = {"used": set(), "loss": None}

    def encode_y(y):
        record["used"].add("labels")
        # The state the class's own encoder keeps, made from the classes: that encoder
        # takes the rows' labels, and would check the class list as if it were labels
        # (and warn that most of them are unique). y stays row indices.
        student._label_encoder = LabelEncoder().fit(classes)
        student.classes_ = student._label_encoder.classes_
        student.n_trees_per_iteration_ = 1 if len(classes) <= 2 else len(classes)
        return np.asarray(y, dtype=np.float64)

    def get_loss(sample_weight):
        loss = cls._get_loss(student, sample_weight=sample_weight)
        expected = HalfBinomialLoss if len(classes) == 2 else HalfMultinomialLoss
        if type(loss) is not expected:
            raise _Unsupported(f"its loss object is a {type(loss).__name__}, "
                               f"not a {expected.__name__}")
        record["loss"] = _SoftTargetLoss(loss, P, labels)
        return record["loss"]

    def get_small_trainset(X_binned_train, y_train, sample_weight_train, seed):
        # Subsample whole rows, stratified on their most probable class.
        X_small, _, w_small, indices = cls._get_small_trainset(
            student, X_binned_train, record["loss"].labels[y_train.astype(np.intp)],
            sample_weight_train, seed)
        return X_small, y_train[indices], w_small, indices

    def check_loss(raw_predictions, y_train, sample_weight_train, raw_predictions_val,
                   y_val, sample_weight_val, n_threads=1):
        record["used"].add("early stopping")
        if validation is not None:
            student._use_validation_data = True
            raw_predictions_val = validation.raw_predictions(student, n_threads)
            y_val, sample_weight_val = validation.codes, validation.sample_weight
        return cls._check_early_stopping_loss(
            student, raw_predictions=raw_predictions, y_train=y_train,
            sample_weight_train=sample_weight_train, raw_predictions_val=raw_predictions_val,
            y_val=y_val, sample_weight_val=sample_weight_val, n_threads=n_threads)

    def check_scorer(X_binned_small_train, y_small_train, sample_weight_small_train,
                     X_binned_val, y_val, sample_weight_val,
                     raw_predictions_small_train=None, raw_predictions_val=None):
        record["used"].add("early stopping")
        loss = record["loss"]
        # scikit-learn hands over raw predictions only for its predefined scorers.
        precomputed = raw_predictions_small_train is not None
        train = loss.pieces(X_binned_small_train, y_small_train, sample_weight_small_train,
                            raw_predictions_small_train)
        val = (X_binned_val, y_val, sample_weight_val, raw_predictions_val)
        if validation is not None:
            student._use_validation_data = True
            raw = validation.raw_predictions(student, _openmp_effective_n_threads())
            val = loss.pieces(validation.binned, validation.codes, validation.sample_weight,
                              raw if precomputed else None)
        return cls._check_early_stopping_scorer(
            student, *train[:3], *val[:3],
            raw_predictions_small_train=train[3], raw_predictions_val=val[3])

    hooks = {
        "_encode_y": encode_y,
        "_get_loss": get_loss,
        "_get_small_trainset": get_small_trainset,
        "_check_early_stopping_loss": check_loss,
        "_check_early_stopping_scorer": check_scorer,
    }
    for name, hook in hooks.items():
        setattr(student, name, hook)
    return hooks, record


def _remove_hooks(student, hooks):
    for name, hook in hooks.items():
        if vars(student).get(name) is hook:
            delattr(student, name)


def _check_record(student, record, cold, n_iter_before, validation):
    """Raise _Unsupported unless the fit went through every hook it should have."""
    loss = record["loss"]
    missing = []
    if "labels" not in record["used"]:
        missing.append("the label encoding")
    if loss is None or student._loss is not loss:
        missing.append("the soft-target loss")
    else:
        if loss.unknown:
            missing.append(f"loss attributes it does not provide ({sorted(loss.unknown)})")
        if cold and "fit_intercept_only" not in loss.used:
            missing.append("the baseline")
        if student.n_iter_ > n_iter_before and "gradient_hessian" not in loss.used:
            missing.append("the gradients")
    if student.do_early_stopping_:
        if "early stopping" not in record["used"]:
            missing.append("the early-stopping checks")
        elif validation is not None and len(student.validation_score_) != len(
                student.train_score_):
            missing.append("the validation scores")
    if missing:
        raise _Unsupported("the fit did not go through " + ", ".join(missing))


def _prepare(student, P, classes, sample_weight):
    """Resolve class weights, early stopping and the validation split (whole rows).

    Returns ``P, sample_weight, labels, params, split``: the targets and row weights
    with the class weights folded in, each row's most probable class, the temporary
    parameters the fit runs with, and None or ``((train_rows, val_rows), seed)``.
    """
    user = student.get_params(deep=False)
    labels = P.argmax(axis=1)
    cw = class_weight_vector(user["class_weight"], P, classes, sample_weight)
    P, sample_weight = fold_class_weight(P, sample_weight, cw)
    early_stopping = user["early_stopping"]
    if early_stopping == "auto":
        early_stopping = P.shape[0] > 10_000
    params = {"class_weight": None, "early_stopping": bool(early_stopping)}
    split = None
    if early_stopping and user["validation_fraction"] is not None:
        seed = getattr(student, "_random_seed", None) if _warm_starting(student) else None
        if seed is None:
            random_state = user["random_state"]
            if not isinstance(random_state, numbers.Integral):
                # An int seed for this fit, so that the seed the estimator stores (and
                # a warm start reuses) is the one the split was drawn with.
                random_state = check_random_state(random_state).randint(np.iinfo(np.int32).max)
                params["random_state"] = random_state
            # What HistGradientBoosting*.fit draws as its split seed.
            seed = np.random.RandomState(random_state).randint(
                np.iinfo(np.uint32).max, dtype="u8")
        split = _split_rows(labels, user["validation_fraction"], seed), seed
    return P, sample_weight, labels, params, split


def _warm_starting(student):
    if not student.warm_start:
        return False
    try:
        check_is_fitted(student)
    except NotFittedError:
        return False
    return True


def _split_rows(labels, validation_fraction, seed):
    """Train and validation rows, stratified on ``labels`` when every class allows it."""
    n = labels.shape[0]
    counts = np.unique(labels, return_counts=True)[1]
    n_val = math.ceil(validation_fraction * n)
    stratify = None
    if counts.min() >= 2 and min(n_val, n - n_val) >= counts.size:
        stratify = labels
    return train_test_split(np.arange(n), test_size=validation_fraction,
                            stratify=stratify, random_state=seed)


def _fit_native(student, X, P, labels, classes, sample_weight, params, split):
    cold = not _warm_starting(student)
    n_iter_before = 0 if cold else student.n_iter_
    rows = np.arange(P.shape[0])
    validation = None
    X_train = X
    if split is not None:
        (rows, val), seed = split
        w_val = None if sample_weight is None else sample_weight[val]
        validation = _ValidationRows(_safe_indexing(X, val), val, w_val)
        X_train = _safe_indexing(X, rows)
        # The estimator sees the training rows only; the hooks score the validation rows.
        params = {**params, "validation_fraction": None}
    w_train = None if sample_weight is None else sample_weight[rows]
    hooks, record = _install_hooks(student, P, labels, classes, validation)
    try:
        with temporary_params(student, **params):
            student.fit(X_train, rows, sample_weight=w_train)
        _check_record(student, record, cold, n_iter_before, validation)
        if split is not None and cold and student._random_seed != seed:
            raise _Unsupported("it draws its split seed differently")
    finally:
        _remove_hooks(student, hooks)
        if record["loss"] is not None and getattr(student, "_loss", None) is record["loss"]:
            student._loss = record["loss"].loss
    return student


def _fit_expanded(student, X, P, classes, sample_weight, params, split):
    L = len(classes)
    fit_params = {}
    train = np.arange(P.shape[0])
    if split is not None:
        (train, val), _ = split
        if "X_val" not in inspect.signature(student.fit).parameters:
            raise ValueError(
                "early stopping on a validation split of whole rows needs "
                "HistGradientBoostingClassifier.fit(X_val=...) (scikit-learn >= 1.7) when "
                "the student is fitted by row expansion; set validation_fraction=None "
                "(early stopping on the training loss) or early_stopping=False."
            )
        w_val = None if sample_weight is None else sample_weight[val]
        X_val, y_val, sw_val, _ = expand_rows(_safe_indexing(X, val), P[val], classes, w_val)
        fit_params = {"X_val": X_val, "y_val": y_val, "sample_weight_val": sw_val}
    w_train = None if sample_weight is None else sample_weight[train]
    # Exactly L pieces per row, so min_samples_leaf * L pieces are min_samples_leaf rows.
    X_rep, y_rep, w_rep, _ = expand_rows(
        _safe_indexing(X, train), P[train], classes, w_train, keep_zeros=True)
    params = {**params, "min_samples_leaf": student.min_samples_leaf * L}
    with temporary_params(student, **params):
        student.fit(X_rep, y_rep, sample_weight=w_rep, **fit_params)
    return student


def fit_hist_gradient_boosting(student, X, P, *, classes, sample_weight):
    """Fit a ``HistGradientBoostingClassifier`` on soft targets (see module docstring).

    Grown natively on the soft targets; by row expansion, with a warning saying why,
    where this scikit-learn's internals are not the ones the native fit expects.
    """
    P, sample_weight, labels, params, split = _prepare(student, P, classes, sample_weight)
    reason = _native_unsupported_reason(student)
    if reason is None:
        try:
            return _fit_native(student, X, P, labels, classes, sample_weight, params, split)
        except _Unsupported as exc:
            reason = str(exc)
            if student.warm_start:
                # The failed attempt may have added trees: start afresh.
                params = {**params, "warm_start": False}
                reason += " (so it is refitted from scratch, not warm-started)"
    warnings.warn(
        f"HistGradientBoostingClassifier is fitted on soft targets by row expansion "
        f"({len(classes)} rows per row, slower) instead of natively, because {reason}.",
        UserWarning, stacklevel=3)
    return _fit_expanded(student, X, P, classes, sample_weight, params, split)


def fit_hist_gradient_boosting_by_expansion(student, X, P, *, classes, sample_weight):
    """Fit a ``HistGradientBoostingClassifier`` on soft targets by exact row expansion.

    The fallback of :func:`fit_hist_gradient_boosting`, with the same class weights,
    early-stopping decision and validation split; it uses no scikit-learn internals.
    """
    P, sample_weight, _, params, split = _prepare(student, P, classes, sample_weight)
    return _fit_expanded(student, X, P, classes, sample_weight, params, split)


register_student_adapter(
    "HistGradientBoostingClassifier",
    lambda est: isinstance(est, HistGradientBoostingClassifier),
    fit_hist_gradient_boosting,
)
