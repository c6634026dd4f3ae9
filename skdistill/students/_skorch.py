"""skorch nets as distillation students (and teachers).

A skorch ``NeuralNetClassifier`` or plain ``NeuralNet`` (or a subclass) is fitted on
soft targets with a soft cross-entropy (:mod:`skdistill.losses`). skorch assumes
hard labels in several places; the adapter handles each of them while the net is
fitted, and restores the user's parameters afterwards:

- ``classes_``: skorch infers it as ``np.unique(y)``, which for a probability
  matrix is the set of probability *values*; the fitted net's ``classes_`` is set
  to the real classes.
- criterion: ``CrossEntropyLoss`` (module outputs logits) becomes
  :class:`~skdistill.losses.SoftTargetCrossEntropy` with the same ``weight`` and
  ``label_smoothing``; ``NLLLoss`` (``NeuralNetClassifier``'s default, module
  outputs probabilities) becomes :class:`~skdistill.losses.SoftTargetNLLLoss`.
  Any other criterion cannot take soft targets and is refused with an error.
- validation split: the default ``ValidSplit(5, stratified=True)`` cannot stratify
  on a 2-D float ``y``; it stratifies on each row's most probable class instead
  (and falls back to an unstratified split of the same size when a class is too
  rare to stratify).
- validation scoring: ``valid_acc`` would compare predictions with probability
  vectors; it becomes the accuracy against each row's most probable target class
  (agreement with the soft targets, weighted by ``sample_weight``).
- dtypes: ``X`` and the targets are cast to float32, also at prediction time (the
  fitted net keeps a float32-casting ``dataset`` when it used skorch's default one).
- ``predict_proba`` returns probabilities: the soft criteria subclass
  ``CrossEntropyLoss`` so skorch's ``predict_nonlinearity="auto"`` applies softmax.
- a module whose output width is not the number of classes is refused before
  training; ``module__n_classes`` is filled in when the module takes ``n_classes``
  and it was not given (as for :mod:`skdistill.nets`).

Sample weights travel as an extra last column of the targets, normalised to mean
one. skorch's own features keep working: ``verbose`` prints the epoch table,
callbacks (e.g. ``EarlyStopping`` on ``valid_loss``), ``device``, ``warm_start``.

Note that skorch's ``NeuralNetClassifier.predict`` returns class *indices*
(``argmax`` of ``predict_proba``) and a plain ``NeuralNet.predict`` returns the
probabilities; :class:`~skdistill.DistilledClassifier` maps them to labels.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing

from ._registry import fit_soft_targets, register_student_adapter

_MISSING = object()


def _mro_names(est):
    return {(cls.__module__.split(".")[0], cls.__name__) for cls in type(est).__mro__}


def is_skorch_net(est):
    """True for a skorch ``NeuralNet`` or subclass, without importing skorch."""
    return ("skorch", "NeuralNet") in _mro_names(est)


def _is_classifier_net(net):
    return ("skorch", "NeuralNetClassifier") in _mro_names(net)


def ends_in_skorch_net(estimator):
    """True for a skorch net or a ``Pipeline`` ending in one.

    Such an estimator's ``predict`` does not return class labels
    (``NeuralNetClassifier.predict`` returns indices into ``classes_``,
    ``NeuralNet.predict`` returns probabilities): predict with
    ``classes_[argmax(predict_proba(X))]`` instead. As a teacher it should be
    fitted with :func:`fit_net_teacher`.
    """
    steps = getattr(estimator, "steps", None)
    if steps:
        return ends_in_skorch_net(steps[-1][1])
    return is_skorch_net(estimator)


# -- data ---------------------------------------------------------------------------


def _as_float32(X):
    """Cast numeric arrays (and floating tensors) to float32; leave anything else alone.

    Integer tensors stay integer (e.g. token ids for an embedding); integer numpy
    arrays are features in scikit-learn and become float32.
    """
    import torch

    if isinstance(X, torch.Tensor):
        return X.float() if torch.is_floating_point(X) else X
    if sparse.issparse(X):
        return X.astype(np.float32).tocsr()
    if hasattr(X, "iloc") or isinstance(X, (np.ndarray, list, tuple)):
        arr = np.asarray(X)
        if arr.dtype.kind in "fiubO":  # object arrays of numbers too, as check_array does
            return arr.astype(np.float32, copy=False)
    return X


def float32_dataset(X, y=None, length=None):
    """skorch ``dataset`` factory that casts numeric ``X`` and ``y`` to float32.

    Used by skdistill as the fitted net's ``dataset`` (when it had skorch's default)
    so that float64 arrays from scikit-learn code reach a float32 module, at fit
    and at prediction time.
    """
    from skorch.dataset import Dataset

    return Dataset(_as_float32(X), None if y is None else _as_float32(y), length=length)


def _row_weights(sample_weight, n):
    """Row weights normalised to mean one (ones when ``sample_weight`` is None)."""
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    total = w.sum()
    if not total > 0:
        raise ValueError("sample_weight must have a positive sum.")
    return w * (n / total)


def _targets(P, sample_weight):
    """float32 target matrix: ``P`` and a last column of row weights (mean one)."""
    w = _row_weights(sample_weight, P.shape[0])
    return np.column_stack([np.asarray(P, dtype=np.float64), w]).astype(np.float32)


# -- skorch parts used while fitting --------------------------------------------------


def _soft_accuracy(net, X, y):
    """Accuracy against each row's most probable target class, weighted by row weight."""
    proba = net.predict_proba(X)
    y = np.asarray(y)
    n_classes = proba.shape[1]
    correct = proba.argmax(axis=1) == y[:, :n_classes].argmax(axis=1)
    # the adapter's targets always end with the row weights
    weights = y[:, -1] if y.shape[1] > n_classes else None
    return float(np.average(correct, weights=weights))


class _ArgmaxStratifiedSplit:
    """Wrap a stratified ``ValidSplit`` so it stratifies on a class per row of ``y``:
    the targets' argmax by default (``labels_of`` gives another reading of ``y``)."""

    def __init__(self, split, n_classes, labels_of=None):
        self.split = split
        self.n_classes = n_classes
        self.labels_of = labels_of

    def _labels(self, y):
        if self.labels_of is not None:
            return self.labels_of(np.asarray(y))
        return np.asarray(y)[:, : self.n_classes].argmax(axis=1)

    def __call__(self, dataset, y=None, groups=None):
        from skorch.dataset import ValidSplit

        labels = None if y is None else self._labels(y)
        if labels is not None:
            try:
                return self.split(dataset, labels, groups=groups)
            except ValueError:
                pass  # a class too rare to stratify (tiny data sets)
        # same split size, unstratified
        fallback = ValidSplit(self.split.cv, stratified=False, random_state=self.split.random_state)
        return fallback(dataset, labels, groups=groups)

    def __repr__(self):
        return f"{type(self).__name__}({self.split!r})"


def _train_split(net, n_classes, labels_of=None):
    from skorch.dataset import ValidSplit

    split = net.train_split
    if isinstance(split, ValidSplit) and split.stratified:
        return _ArgmaxStratifiedSplit(split, n_classes, labels_of)
    return split


def _valid_acc_callback(net):
    """Replacement for the default ``valid_acc`` scoring, or ``_MISSING`` if none."""
    from skorch.callbacks import EpochScoring

    default_names = {name for name, _ in net.get_default_callbacks()}
    if "valid_acc" not in default_names or "callbacks__valid_acc" in vars(net):
        return _MISSING
    return EpochScoring(_soft_accuracy, name="valid_acc", lower_is_better=False)


_CRITERION_ERROR = (
    "{net}'s criterion {crit} cannot be trained on soft targets (class-probability "
    "vectors). Use criterion=torch.nn.CrossEntropyLoss with a module that outputs "
    "logits (as the modules in skdistill.nets do), or, for NeuralNetClassifier, "
    "torch.nn.NLLLoss with a module that outputs probabilities. A custom loss can "
    "subclass skdistill.losses.SoftTargetCrossEntropy."
)


def _check_net_kind(net):
    if ("skorch", "NeuralNetBinaryClassifier") in _mro_names(net):
        raise TypeError(
            "NeuralNetBinaryClassifier has a single output and fixed classes_ [0, 1]; use "
            "NeuralNetClassifier with a module that outputs 2 logits instead."
        )


def _criterion_class(net):
    crit = net.criterion
    return crit if isinstance(crit, type) else type(crit)


def _module_outputs_logits(net):
    """True when the module declares logit outputs (``outputs_logits = True``)."""
    module = net.module if isinstance(net.module, type) else type(net.module)
    return bool(getattr(module, "outputs_logits", False))


def _soft_criterion(net):
    """The soft-target version of the net's criterion, and the module's output kind.

    Returns ``(criterion, kind)`` with ``kind`` "logits" or "probabilities".
    """
    import torch

    from ..losses import HintonDistillationLoss, SoftTargetCrossEntropy, SoftTargetNLLLoss

    cls = _criterion_class(net)
    crit = net.criterion
    if issubclass(cls, SoftTargetCrossEntropy):
        return crit, "logits"
    if issubclass(cls, SoftTargetNLLLoss):
        return crit, "probabilities"
    if cls is torch.nn.NLLLoss and _module_outputs_logits(net):
        # skorch's default criterion, but the module says it outputs logits
        return SoftTargetCrossEntropy, "logits"
    if issubclass(cls, HintonDistillationLoss):
        raise TypeError(
            "HintonDistillationLoss is set by DistilledClassifier(loss='hinton'); give the "
            "net criterion=torch.nn.CrossEntropyLoss and choose the loss there."
        )
    if cls is torch.nn.CrossEntropyLoss:
        target, kind = SoftTargetCrossEntropy, "logits"
        copied = ("weight", "reduction", "label_smoothing")
    elif cls is torch.nn.NLLLoss:
        if not _is_classifier_net(net):
            raise ValueError(
                f"{type(net).__name__} with criterion NLLLoss: a plain NeuralNet's "
                "predict_proba would return the module's log-probabilities. Use "
                "criterion=torch.nn.CrossEntropyLoss with a module that outputs logits."
            )
        target, kind = SoftTargetNLLLoss, "probabilities"
        copied = ("weight", "reduction")
    else:
        raise TypeError(_CRITERION_ERROR.format(net=type(net).__name__, crit=cls.__name__))
    if isinstance(crit, type):
        return target, kind
    return target(**{k: getattr(crit, k) for k in copied if hasattr(crit, k)}), kind


def _module_n_classes_param(net, n_classes):
    """``module__n_classes`` to set, or ``_MISSING``, when the module takes it and lacks it."""
    module = net.module
    if not isinstance(module, type) or "module__n_classes" in vars(net):
        return _MISSING
    try:
        params = inspect.signature(module).parameters
    except (TypeError, ValueError):
        return _MISSING
    if "n_classes" in params and params["n_classes"].default in (None, inspect.Parameter.empty):
        return n_classes
    return _MISSING


@contextlib.contextmanager
def _temporary_attrs(net, attrs):
    """Set the net's parameters (``_MISSING`` deletes one) and restore them afterwards."""
    saved = {key: vars(net).get(key, _MISSING) for key in attrs}

    def assign(values):
        # through vars(): skorch's __setattr__ refuses torch components (e.g. a criterion
        # instance) set outside initialize; these are plain parameters here
        for key, value in values.items():
            if value is _MISSING:
                vars(net).pop(key, None)
            else:
                vars(net)[key] = value

    assign(attrs)
    try:
        yield
    finally:
        assign(saved)


def _check_classes_param(net, classes):
    user = getattr(net, "classes", None)
    if user is not None and len(user) and not np.array_equal(np.asarray(user), classes):
        raise ValueError(
            f"{type(net).__name__}(classes={list(user)!r}) does not match the classes of the "
            f"soft targets {classes.tolist()!r}; leave classes=None (the default)."
        )


def _probe_outputs(net, X):
    """The module's output on (at most) two rows of ``X``, or None if X is not an array.

    A fresh module is built from the net's parameters (the net itself is initialised
    only once, by its own ``fit``); a warm-started net's fitted module is used as is.
    """
    if not (hasattr(X, "shape") and len(getattr(X, "shape", ())) >= 2):
        return None  # dicts / datasets: the criterion reports a width mismatch instead
    import torch

    if net.warm_start and getattr(net, "initialized_", False):
        module = net.module_
    else:
        module = net.initialized_instance(net.module, net.get_params_for("module"))
    rows = torch.as_tensor(np.asarray(_safe_indexing(X, np.arange(min(2, X.shape[0])))))
    training = module.training
    module.eval()
    try:
        device = next(module.parameters()).device
    except StopIteration:
        device = "cpu"
    try:
        with torch.no_grad():
            out = module(rows.to(device))
    finally:
        module.train(training)
    return out[0] if isinstance(out, tuple) else out


def _check_outputs(net, X, n_classes, kind):
    """Refuse, before training, a module of the wrong width (or not giving probabilities)."""
    import torch

    out = _probe_outputs(net, X)
    if out is None:
        return
    width = out.shape[1] if out.ndim == 2 else None
    if width != n_classes:
        raise ValueError(
            f"{type(net).__name__}'s module outputs shape {tuple(out.shape)} per batch, but "
            f"there are {n_classes} classes: its output must be (batch, {n_classes}). Set "
            f"the module's output width to the number of classes (e.g. module__n_classes="
            f"{n_classes})."
        )
    if kind == "probabilities":
        p = out.detach().cpu().double()
        if torch.any(p < 0) or torch.any((p.sum(dim=1) - 1).abs() > 1e-3):
            raise ValueError(
                f"{type(net).__name__} has criterion NLLLoss (skorch's default), which expects "
                "the module to output probabilities, but its outputs are not (negative "
                "entries or rows not summing to 1): it probably outputs logits. Pass "
                "criterion=torch.nn.CrossEntropyLoss, or end the module with a softmax."
            )


def _fit_net(net, X, Y, *, classes, criterion, kind, criterion_params=None, labels_of=None):
    """Fit ``net`` on the float32 target matrix ``Y`` with the skorch traps handled.

    ``criterion_params`` are further parameters set while fitting (applied last, so
    they win); ``labels_of(Y)`` gives the class per row to stratify the validation
    split on (default: the argmax of the targets).
    """
    from skorch.dataset import Dataset

    if sparse.issparse(X):
        raise TypeError(
            f"sparse input is not supported by {type(net).__name__} students (skorch's default "
            "dataset cannot batch sparse rows); pass a dense array, e.g. X.toarray()."
        )
    classes = np.asarray(classes)
    n_classes = len(classes)
    _check_classes_param(net, classes)
    attrs = {"criterion": criterion, "train_split": _train_split(net, n_classes, labels_of)}
    if _is_classifier_net(net):
        attrs["classes"] = list(classes)
    valid_acc = _valid_acc_callback(net)
    if valid_acc is not _MISSING:
        attrs["callbacks__valid_acc"] = valid_acc
    n_classes_param = _module_n_classes_param(net, n_classes)
    if n_classes_param is not _MISSING:
        attrs["module__n_classes"] = n_classes_param
    attrs.update(criterion_params or {})
    # kept after fitting: predictions also need float32 input
    if net.dataset is Dataset:
        net.dataset = float32_dataset
    X = _as_float32(X)
    with _temporary_attrs(net, attrs):
        _check_outputs(net, X, n_classes, kind)
        net.fit(X, Y)
    # the criterion_ and callbacks_ fitted above stay; classes_ must be the real classes
    if _is_classifier_net(net):
        net.classes_inferred_ = classes
    else:
        net.classes_ = classes
    return net


# -- the adapter --------------------------------------------------------------------


def fit_skorch_net(net, X, P, *, classes, sample_weight):
    """Fit a skorch net in place on soft targets ``P`` with a soft cross-entropy.

    This is the adapter behind :func:`skdistill.fit_soft_targets` for skorch nets;
    see the module docstring for what it changes while fitting.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch import NeuralNetClassifier
    >>> from skdistill import fit_soft_targets
    >>> from skdistill.nets import LinearModule
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 10)
    >>> P = np.array([[0.9, 0.1], [0.7, 0.3], [0.3, 0.7], [0.1, 0.9]] * 10)
    >>> net = NeuralNetClassifier(LinearModule, max_epochs=30, lr=0.5,
    ...                           train_split=None, verbose=0)
    >>> net = fit_soft_targets(net, X, P, classes=["a", "b"])
    >>> net.classes_.tolist()
    ['a', 'b']
    >>> net.predict_proba(X[:4]).round(1).argmax(axis=1).tolist()
    [0, 0, 1, 1]
    """
    _check_net_kind(net)
    criterion, kind = _soft_criterion(net)
    return _fit_net(
        net, X, _targets(P, sample_weight), classes=classes, criterion=criterion, kind=kind
    )


def fit_hinton(student, X, teacher_proba, y_index, *, classes, temperature, alpha, sample_weight):
    """Fit a skorch net in place with the Hinton et al. distillation loss.

    Loss: :class:`skdistill.losses.HintonDistillationLoss` (student logits divided by
    ``temperature``, KL to the tempered teacher with ``batchmean`` reduction scaled
    by ``temperature**2``, mixed with hard-label cross-entropy by ``alpha``;
    unlabelled rows take the pure teacher term).

    Parameters
    ----------
    student : skorch net
        Its module must output logits (``criterion=CrossEntropyLoss``).
    X : array-like of shape (n_samples, n_features)
    teacher_proba : array-like of shape (n_samples, n_classes)
        Raw teacher probabilities (temperature 1), columns in the order of ``classes``.
    y_index : array-like of shape (n_samples,)
        Index into ``classes`` of each row's label, ``-1`` for unlabelled rows.
    classes : array-like of shape (n_classes,)
    temperature : float > 0
    alpha : float in [0, 1]
    sample_weight : array-like of shape (n_samples,) or None

    Returns
    -------
    student : skorch net
        The fitted net, ``classes_`` equal to ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch import NeuralNetClassifier
    >>> from skdistill.nets import LinearModule
    >>> from skdistill.students._skorch import fit_hinton
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]] * 10)
    >>> P = np.array([[0.9, 0.1], [0.7, 0.3], [0.3, 0.7], [0.1, 0.9]] * 10)
    >>> y_index = np.array([0, 0, 1, -1] * 10)
    >>> net = NeuralNetClassifier(LinearModule, max_epochs=30, lr=0.5,
    ...                           train_split=None, verbose=0)
    >>> net = fit_hinton(net, X, P, y_index, classes=np.array([0, 1]), temperature=2.0,
    ...                  alpha=0.5, sample_weight=None)
    >>> net.predict_proba(X[:4]).argmax(axis=1).tolist()
    [0, 0, 1, 1]
    """
    import torch

    from ..losses import HintonDistillationLoss

    classes = np.asarray(classes)
    P = np.asarray(teacher_proba, dtype=np.float64)
    y_index = np.asarray(y_index)
    if P.ndim != 2 or P.shape[1] != len(classes):
        raise ValueError(
            f"teacher_proba must have shape (n_samples, {len(classes)}); got {P.shape}."
        )
    if y_index.shape != (P.shape[0],):
        raise ValueError(f"y_index must have shape ({P.shape[0]},); got {y_index.shape}.")
    _check_net_kind(student)
    cls = _criterion_class(student)
    logits = issubclass(cls, HintonDistillationLoss) or cls is torch.nn.CrossEntropyLoss
    if not (logits or (cls is torch.nn.NLLLoss and _module_outputs_logits(student))):
        raise TypeError(
            f"loss='hinton' needs a module that outputs logits, trained with "
            f"criterion=torch.nn.CrossEntropyLoss; {type(student).__name__} has criterion "
            f"{cls.__name__}. Use loss='soft_targets', or switch the criterion."
        )
    user_params = student.get_params_for("criterion")
    crit = student.criterion
    if not isinstance(crit, type):  # an instance: its options count as parameters
        user_params = {"weight": crit.weight, "reduction": crit.reduction,
                       "label_smoothing": getattr(crit, "label_smoothing", 0.0), **user_params}
    kept = {"weight", "reduction"}
    unsupported = sorted(
        k for k, v in user_params.items()
        if k not in kept and not (k == "label_smoothing" and not v)
    )
    if unsupported:
        raise ValueError(
            f"loss='hinton' does not support the criterion parameters {unsupported}; use "
            "loss='soft_targets' (with DistilledClassifier's label_smoothing) or remove them."
        )
    # the user's criterion parameters are replaced while fitting, and restored after
    params = {f"criterion__{k}": _MISSING for k in student.get_params_for("criterion")}
    params.update({f"criterion__{k}": v for k, v in user_params.items()
                   if k in kept and v is not None})
    params.update(criterion__temperature=float(temperature), criterion__alpha=float(alpha))
    Y = np.column_stack([P, y_index.astype(np.float64), _row_weights(sample_weight, len(P))])
    return _fit_net(
        student,
        X,
        Y.astype(np.float32),
        classes=classes,
        criterion=HintonDistillationLoss,
        kind="logits",
        criterion_params=params,
    )


class _TeacherTargetsCollate:
    """``collate_fn`` that turns a batch of rows into soft targets by running the teacher.

    Dataset rows are ``(x, [label index, row weight])``; the teacher's probabilities
    are computed for the batch only, so the pool's probability matrix is never built.
    """

    def __init__(self, teacher_proba, make_targets):
        self.teacher_proba = teacher_proba
        self.make_targets = make_targets

    def __call__(self, items):
        import torch
        from torch.utils.data import default_collate

        Xb, meta = default_collate(items)
        meta = meta.numpy()
        P = self.teacher_proba(Xb.numpy())
        targets = self.make_targets(P, meta[:, 0].astype(np.int64))
        Y = np.column_stack([targets, meta[:, 1]]).astype(np.float32)
        return Xb, torch.from_numpy(Y)


def fit_with_batch_teacher(student, X, teacher_proba, y_index, *, classes, make_targets,
                           sample_weight):
    """Fit a skorch net on soft targets computed from the teacher batch by batch.

    Instead of the ``(n_samples, n_classes)`` target matrix, the net's dataset holds
    each row's label index (``-1`` unlabelled) and weight; a ``collate_fn`` calls
    ``teacher_proba`` on every training and validation batch and applies
    ``make_targets(P, y_index)`` (temperature, mixing, smoothing) to it. The teacher
    runs once per batch and epoch, as in a PyTorch distillation loop, and a large
    unlabelled pool never has its whole probability matrix in memory. The default
    ``valid_acc`` score is switched off for the fit (the targets are not stored to
    score against); ``valid_loss`` is the soft cross-entropy as usual.

    Parameters
    ----------
    student : skorch net
    X : array-like of shape (n_samples, n_features)
    teacher_proba : callable
        ``teacher_proba(X_batch) -> (batch, n_classes)`` probabilities, columns in the
        order of ``classes``.
    y_index : array-like of shape (n_samples,)
        Index into ``classes`` of each row's label, ``-1`` for unlabelled rows.
    classes : array-like of shape (n_classes,)
    make_targets : callable
        ``make_targets(P, y_index) -> targets``, e.g. a partial of
        :func:`skdistill.make_soft_targets`.
    sample_weight : array-like of shape (n_samples,) or None

    Returns
    -------
    student : skorch net
    """
    _check_net_kind(student)
    criterion, kind = _soft_criterion(student)
    y_index = np.asarray(y_index)
    meta = np.column_stack([y_index, _row_weights(sample_weight, len(y_index))])
    meta = meta.astype(np.float32)
    collate = _TeacherTargetsCollate(teacher_proba, make_targets)
    params = {
        "iterator_train__collate_fn": collate,
        "iterator_valid__collate_fn": collate,
        "callbacks__valid_acc": None,
    }
    return _fit_net(student, X, meta, classes=classes, criterion=criterion, kind=kind,
                    criterion_params=params, labels_of=_stratify_on_labels)


def _stratify_on_labels(meta):
    """The rows' labels, or None (an unstratified split) when some rows are unlabelled."""
    labels = meta[:, 0].astype(np.int64)
    return None if np.any(labels < 0) else labels


# -- teacher side -------------------------------------------------------------------


def fit_net_teacher(net, X, y, *, sample_weight=None):
    """Fit a skorch net (or a ``Pipeline`` ending in one) as a teacher on labels ``y``.

    The labels (of any type) become one-hot targets for :func:`fit_soft_targets`,
    whose soft cross-entropy on one-hot rows is the ordinary cross-entropy: the same
    skorch traps are handled (real ``classes_``, float32 also at prediction time,
    the stratified split on the labels, ``n_classes`` of skdistill's modules,
    skorch's default ``NLLLoss`` with a logit module), and ``sample_weight`` is
    supported.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch import NeuralNetClassifier
    >>> from skdistill.nets import MLPModule
    >>> from skdistill.students._skorch import fit_net_teacher
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = np.where(X[:, 0] > 0, "pos", "neg")
    >>> net = NeuralNetClassifier(MLPModule, module__hidden_units=(8,), max_epochs=5,
    ...                           verbose=0)
    >>> fit_net_teacher(net, X, y).classes_.tolist()
    ['neg', 'pos']
    """
    classes, y_index = np.unique(np.asarray(y), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"a teacher net needs at least 2 classes in y; got {classes.tolist()}.")
    P = np.eye(len(classes))[y_index]
    return fit_soft_targets(net, X, P, classes=classes, sample_weight=sample_weight)


def iter_net_proba(net, X, *, batch_size=None):
    """Yield ``(start, stop, proba)`` for consecutive row batches of ``X``.

    Each batch is validated as probabilities (see :func:`net_proba`), so a pool of
    rows can be turned into student targets batch by batch without holding the
    teacher's whole output for it at once.
    """
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    step = batch_size or max(int(getattr(net, "batch_size", 128) or 128), 1) * 64
    for start in range(0, n, step):
        stop = min(start + step, n)
        rows = _as_float32(_safe_indexing(X, np.arange(start, stop)))
        yield start, stop, _check_net_probabilities(net, net.predict_proba(rows))


def _check_net_probabilities(net, proba):
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim != 2:
        raise ValueError(
            f"teacher net {type(net).__name__}.predict_proba returned shape {proba.shape}; "
            "expected (n_samples, n_classes)."
        )
    sums = proba.sum(axis=1)
    bad = (
        not np.all(np.isfinite(proba))
        or np.any(proba < -1e-6)
        or np.any(np.abs(sums - 1.0) > 1e-4)
    )
    if bad:
        crit = _criterion_class(net).__name__ if hasattr(net, "criterion") else "?"
        raise ValueError(
            f"the teacher net {type(net).__name__}.predict_proba does not return "
            f"probabilities (row sums in [{np.nanmin(sums):.3g}, {np.nanmax(sums):.3g}], "
            f"min entry {np.nanmin(proba):.3g}): its module probably outputs logits while "
            f"the criterion ({crit}) makes skorch treat outputs as probabilities. Train the "
            "teacher with criterion=torch.nn.CrossEntropyLoss (skorch then applies softmax "
            "in predict_proba), or end the module with a softmax."
        )
    proba = np.clip(proba, 0.0, None)
    return proba / proba.sum(axis=1, keepdims=True)


def net_proba(net, X, *, batch_size=None):
    """Probabilities of a fitted skorch teacher net, computed in row batches.

    ``X`` is cast to float32; the output is checked to be probabilities (a module
    that outputs logits under ``NLLLoss`` is a common mistake) and renormalised
    against float32 rounding.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_outputs), float64
    """
    parts = [proba for _, _, proba in iter_net_proba(net, X, batch_size=batch_size)]
    return np.concatenate(parts, axis=0)


register_student_adapter("skorch net", is_skorch_net, fit_skorch_net)
