"""Fitting a skorch net on a target matrix, on labels, or on targets made batch by batch.

Fitting builds on the prediction support of ``_nets.py``; targets follow
:class:`~skdistill._target_layout.TargetLayout`.

A skorch ``NeuralNetClassifier`` or plain ``NeuralNet`` (or a subclass, or a
``Pipeline`` ending in one) is recognised without importing skorch; its input is cast
to float32; its probabilities are computed in row batches and checked; and it is
fitted on a target matrix (in the layout of :class:`skdistill.losses.TargetLayout`)
or on hard labels. Neither the teacher step nor any adapter is imported here: both
build on this module.

skorch assumes hard labels in several places; :func:`fit_net` handles each of them for
the duration of the fit and then gives the user's parameters back (the net's
``criterion``, ``train_split``, ``classes``, callbacks and module parameters are as the
user set them; the fitted ``criterion_``, ``callbacks_`` and ``module_`` are the ones
trained):

- ``classes_``: skorch infers it as ``np.unique(y)``, which for a probability matrix
  is the set of probability *values*; the fitted net's ``classes_`` is the real classes.
- criterion: ``CrossEntropyLoss`` (module outputs logits) is trained as
  :class:`~skdistill.losses.SoftTargetCrossEntropy` with the same ``weight`` and
  ``label_smoothing``; ``NLLLoss`` (``NeuralNetClassifier``'s default, module outputs
  probabilities) as :class:`~skdistill.losses.SoftTargetNLLLoss`. Any other criterion
  cannot take soft targets and is refused with an error. Both soft criteria subclass
  ``CrossEntropyLoss``/``NLLLoss``, so skorch's ``predict_nonlinearity="auto"`` reads
  the trained ``criterion_`` and ``predict_proba`` returns probabilities.
- validation split: the default ``ValidSplit(5, stratified=True)`` cannot stratify on a
  2-D float ``y``; it stratifies on each row's most probable class instead (and falls
  back to an unstratified split of the same size when a class is too rare).
- validation scoring: ``valid_acc`` would compare predictions with probability
  vectors; it becomes the accuracy against each row's most probable target class
  (agreement with the soft targets, weighted by the row weights).
- dtypes: ``X`` and the targets are cast to float32. The net's ``dataset`` is left as
  the user set it, so a fitted net given float64 arrays directly behaves as skorch
  does; skdistill's own calls (:func:`predict_net_proba`, :func:`iter_net_proba`)
  cast to float32, and the modules of :mod:`skdistill.nets` cast their input.
- a module whose output width is not the number of classes is refused before
  training; ``module__n_classes`` is filled in for the fit when the module takes
  ``n_classes`` and it was not given (as for :mod:`skdistill.nets`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing

from ._nets import (
    as_float32,
    check_net_kind,
    criterion_class,
    dense_rows,
    is_classifier_net,
)
from ._pipelines import final_estimator, fit_to_final_estimator
from ._target_layout import UNLABELLED, TargetLayout

_MISSING = object()


def row_weights(sample_weight, n):
    """Row weights normalised to mean one (ones when ``sample_weight`` is None).

    The losses average ``w_n * loss_n`` over a batch, so weights of mean one keep the
    loss on the scale of the unweighted one (and the learning rate meaningful).
    """
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=np.float64)
    total = w.sum()
    if not total > 0:
        raise ValueError("sample_weight must have a positive sum.")
    return w * (n / total)


# -- fitting ------------------------------------------------------------------------


def module_outputs_logits(net):
    """True when the module declares logit outputs (``outputs_logits = True``)."""
    module = net.module if isinstance(net.module, type) else type(net.module)
    return bool(getattr(module, "outputs_logits", False))


_CRITERION_ERROR = (
    "{net}'s criterion {crit} cannot be trained on soft targets (class-probability "
    "vectors). Use criterion=torch.nn.CrossEntropyLoss with a module that outputs "
    "logits (as the modules in skdistill.nets do), or, for NeuralNetClassifier, "
    "torch.nn.NLLLoss with a module that outputs probabilities. A custom loss can "
    "subclass skdistill.losses.SoftTargetCrossEntropy."
)


def soft_criterion(net):
    """The soft-target version of the net's criterion, and the module's output kind.

    Returns ``(criterion, kind)`` with ``kind`` "logits" or "probabilities".
    """
    import torch

    from .losses import HintonDistillationLoss, SoftTargetCrossEntropy, SoftTargetNLLLoss

    crit, cls = net.criterion, criterion_class(net)
    if issubclass(cls, SoftTargetCrossEntropy):
        return crit, "logits"
    if issubclass(cls, SoftTargetNLLLoss):
        return crit, "probabilities"
    if cls is torch.nn.NLLLoss and module_outputs_logits(net):
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
        if not is_classifier_net(net):
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


def _accuracy(net, X, y, layout, labels_of):
    """Accuracy against each row's class (``labels_of``: by default the most probable
    target class), weighted by the row weights."""
    y = np.asarray(y)
    correct = net.predict_proba(X).argmax(axis=1) == labels_of(y)
    return float(np.average(correct, weights=layout.unpack(y).weights))


class _StratifiedOnClass:
    """A stratified ``ValidSplit`` that stratifies on one class per row of ``y``.

    ``labels_of(y)`` gives the classes (None: split unstratified). A class too rare to
    stratify (tiny data sets) falls back to an unstratified split of the same size.
    """

    def __init__(self, split, labels_of):
        self.split = split
        self.labels_of = labels_of

    def __call__(self, dataset, y=None, groups=None):
        from skorch.dataset import ValidSplit

        labels = None if y is None else self.labels_of(np.asarray(y))
        if labels is not None:
            try:
                return self.split(dataset, labels, groups=groups)
            except ValueError:
                pass
        fallback = ValidSplit(self.split.cv, stratified=False, random_state=self.split.random_state)
        return fallback(dataset, labels, groups=groups)

    def __repr__(self):
        return f"{type(self).__name__}({self.split!r})"


def _argmax_of_proba(layout, y):
    return layout.unpack(y).proba.argmax(axis=1)


def _module_n_classes(net, n_classes):
    """``n_classes`` to give the module, or ``_MISSING`` when it does not take it or has it."""
    module = net.module
    if not isinstance(module, type) or "module__n_classes" in net.get_params():
        return _MISSING
    try:
        params = inspect.signature(module).parameters
    except (TypeError, ValueError):
        return _MISSING
    if "n_classes" in params and params["n_classes"].default in (None, inspect.Parameter.empty):
        return n_classes
    return _MISSING


def _assign(net, values):
    for key, value in values.items():
        if value is _MISSING:
            if hasattr(net, key):
                delattr(net, key)
        else:
            setattr(net, key, value)


@contextlib.contextmanager
def _fit_settings(net, settings):
    """Give the net these parameters for one fit, then the user's back.

    Parameters are set and restored as attributes (``setattr``/``delattr``), as skorch
    stores them; ``set_params`` would re-initialise the trained components on restore.
    ``_MISSING`` removes a parameter for the fit.
    """
    import torch

    saved = {key: getattr(net, key, _MISSING) for key in settings}
    criterion = {k: v for k, v in settings.items() if k.split("__")[0] == "criterion"}
    try:
        _assign(net, {k: v for k, v in settings.items() if k not in criterion})
        modules = [saved.get("criterion"), criterion.get("criterion")]
        if any(isinstance(m, torch.nn.Module) for m in modules) and not net.initialized_:
            # skorch lets a torch module be assigned to (or back to) ``criterion`` only
            # once the net is initialised: initialise it, as its own fit would first
            net.initialize()
        _assign(net, criterion)
        yield
    finally:
        _assign(net, saved)


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


class _BatchCollate:
    """``collate_fn`` that reads a batch's rows from ``X`` and, if asked, makes its targets.

    With ``X`` given, the dataset holds row indices into ``X`` (a sparse matrix, or rows
    repeated without copying them), and only a batch of rows is densified at a time.
    ``batch_targets(X_batch, Y_batch) -> targets`` computes the targets from the
    batch's rows (e.g. by running a teacher), so no target matrix over all rows exists.
    """

    def __init__(self, X=None, batch_targets=None):
        self.X = X
        self.batch_targets = batch_targets

    def __call__(self, items):
        import torch
        from torch.utils.data import default_collate

        Xb, Yb = default_collate(items)
        if self.X is not None:
            Xb = torch.from_numpy(dense_rows(self.X, Xb.numpy()))
        if self.batch_targets is not None:
            Yb = torch.as_tensor(self.batch_targets(Xb.numpy(), Yb.numpy()))
        return Xb, Yb


def _user_collate(net):
    params = net.get_params()
    return [key for key in ("iterator_train__collate_fn", "iterator_valid__collate_fn")
            if params.get(key) is not None]


def fit_net(net, X, Y, *, classes, layout, criterion, kind, settings=None, labels_of=None,
            rows=None, batch_targets=None, valid_acc=True):
    """Fit ``net`` in place on the float32 target matrix ``Y`` with skorch's traps handled.

    Parameters
    ----------
    net : skorch net
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Y : ndarray of shape (n_examples, layout.width), float32
        Targets in ``layout`` (see :class:`skdistill.losses.TargetLayout`), one row per
        training example: per row of ``X``, or per entry of ``rows``. With
        ``batch_targets``, what that function needs of each row (e.g. its label and
        weight).
    classes : array-like of shape (n_classes,)
        The real classes; the fitted net's ``classes_``.
    layout : TargetLayout
        The layout of ``Y``.
    criterion : torch loss class or instance
        Trained as the net's criterion for this fit.
    kind : {"logits", "probabilities"}
        What the module outputs (checked on two rows before training).
    settings : dict, default=None
        Further net parameters for this fit only (applied last, so they win).
    labels_of : callable, default=None
        ``labels_of(Y) -> class index per row`` (or None) to stratify the validation
        split and to score ``valid_acc``; default the argmax of the target probabilities.
    rows : array-like of int, default=None
        Train on these rows of ``X`` (repeats allowed) rather than on ``X`` row by row.
        Sparse ``X`` is always read through row indices, densified batch by batch.
    batch_targets : callable, default=None
        ``batch_targets(X_batch, Y_batch) -> targets``: the loss's targets of each
        training and validation batch, made from its rows and its rows of ``Y``.
    valid_acc : bool, default=True
        Score skorch's default ``valid_acc`` as the weighted accuracy against
        ``labels_of``; False switches it off (``valid_loss`` remains).

    Returns
    -------
    net : the fitted net, its parameters as the user set them.
    """
    from skorch.callbacks import EpochScoring
    from skorch.dataset import ValidSplit

    classes = np.asarray(classes)
    n_classes = len(classes)
    _check_classes_param(net, classes)
    fit_settings = {"criterion": criterion}
    labels_of = labels_of or functools.partial(_argmax_of_proba, layout)
    if isinstance(net.train_split, ValidSplit) and net.train_split.stratified:
        fit_settings["train_split"] = _StratifiedOnClass(net.train_split, labels_of)
    if is_classifier_net(net):
        fit_settings["classes"] = list(classes)
    default_callbacks = {name for name, _ in net.get_default_callbacks()}
    # (vars: get_params also lists the default callbacks the user did not set)
    if "valid_acc" in default_callbacks and "callbacks__valid_acc" not in vars(net):
        fit_settings["callbacks__valid_acc"] = (
            EpochScoring(functools.partial(_accuracy, layout=layout, labels_of=labels_of),
                         name="valid_acc", lower_is_better=False)
            if valid_acc else None
        )
    n_classes_param = _module_n_classes(net, n_classes)
    if n_classes_param is not _MISSING and not (net.warm_start and net.initialized_):
        fit_settings["module__n_classes"] = n_classes_param
    by_index = rows is not None or sparse.issparse(X)
    if by_index or batch_targets is not None:
        if _user_collate(net):
            raise TypeError(
                f"{type(net).__name__} has its own {_user_collate(net)[0]}, but skdistill "
                "batches this fit itself (it reads sparse rows, or repeated rows, or makes "
                "each batch's targets from the teacher). Remove the collate_fn, or give "
                "dense X."
            )
        collate = _BatchCollate(X if by_index else None, batch_targets)
        fit_settings["iterator_train__collate_fn"] = collate
        fit_settings["iterator_valid__collate_fn"] = collate
    fit_settings.update(settings or {})
    if by_index:
        rows = np.arange(X.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
        data, probe = rows, dense_rows(X, rows[:2])
    else:
        data = probe = as_float32(X)
    with _fit_settings(net, fit_settings):
        _check_outputs(net, probe, n_classes, kind)
        net.fit(data, Y)
    # skorch's classes_ would be the unique values of Y; the fitted net has the real ones
    if is_classifier_net(net):
        net.classes_inferred_ = classes
    else:
        net.classes_ = classes
    return net


def fit_net_on_labels(estimator, X, y, *, sample_weight=None, rows=None):
    """Fit a net (or a pipeline ending in one) on labels ``y`` of any type.

    The labels become one-hot targets, whose soft cross-entropy is the ordinary
    cross-entropy, so the same traps are handled as for soft targets (real
    ``classes_``, float32, the stratified split on the labels, ``n_classes`` of
    skdistill's modules, skorch's default ``NLLLoss`` with a logit module), and
    ``sample_weight`` is supported. A pipeline's transformers are fitted first.
    ``rows`` (indices into ``X``, repeats allowed; ``y`` and ``sample_weight`` have one
    entry per row index) trains on those rows without copying them.

    Returns
    -------
    estimator : the fitted estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch import NeuralNetClassifier
    >>> from skdistill._net_fitting import fit_net_on_labels
    >>> from skdistill.nets import MLPModule
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 2))
    >>> y = np.where(X[:, 0] > 0, "pos", "neg")
    >>> net = NeuralNetClassifier(MLPModule, module__hidden_units=(8,), max_epochs=5,
    ...                           verbose=0)
    >>> fit_net_on_labels(net, X, y).classes_.tolist()
    ['neg', 'pos']
    """
    classes, y_index = np.unique(np.asarray(y), return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"a net needs at least 2 classes in y to learn; got {classes.tolist()}.")
    net = final_estimator(estimator)
    check_net_kind(net)
    criterion, kind = soft_criterion(net)  # an unsupported criterion fails before any fitting
    if rows is not None and net is not estimator:  # transformers see the rows themselves
        X, rows = _safe_indexing(X, rows), None
    net, Xt = fit_to_final_estimator(estimator, X, y, sample_weight)
    # the one-hot rows are made a batch at a time, so that many classes never make an
    # (n_samples, n_classes) matrix
    fit_net_on_batch_targets(net, Xt, y_index, classes=classes, sample_weight=sample_weight,
                             batch_targets=functools.partial(_one_hot_targets, len(classes)),
                             criterion=criterion, kind=kind, rows=rows)
    return estimator


def _one_hot_targets(n_classes, Xb, labels, weights):
    one_hot = np.zeros((len(labels), n_classes), dtype=np.float32)
    one_hot[np.arange(len(labels)), labels] = 1.0
    return TargetLayout(n_classes, weights=True).pack(one_hot, sample_weight=weights)


_LABELS_AND_WEIGHTS = TargetLayout(0, labels=True, weights=True)


def _labels(Y):
    return _LABELS_AND_WEIGHTS.unpack(Y).labels.astype(np.int64)


def _labels_if_all_known(Y):
    """The rows' labels, or None (an unstratified split) when some rows are unlabelled."""
    labels = _labels(Y)
    return None if np.any(labels == UNLABELLED) else labels


class _FromLabelsAndWeights:
    """``batch_targets`` of :func:`fit_net`, reading each batch's labels and weights."""

    def __init__(self, batch_targets):
        self.batch_targets = batch_targets

    def __call__(self, Xb, Y):
        parts = _LABELS_AND_WEIGHTS.unpack(Y)
        return self.batch_targets(Xb, parts.labels.astype(np.int64), parts.weights)


def fit_net_on_batch_targets(net, X, y_index, *, classes, sample_weight, batch_targets, criterion,
                             kind, rows=None, settings=None, valid_acc=True):
    """Fit ``net`` in place on targets made batch by batch from its rows, labels and weights.

    The one entry for every fit whose targets are not a stored matrix: the net's dataset
    holds each example's label index (:data:`~skdistill._target_layout.UNLABELLED` for an
    unlabelled row) and row weight (normalised to mean one), and each training and
    validation batch gets its targets from ``batch_targets(X_batch, labels, weights) ->
    targets`` (one-hot rows of the labels, the teacher's soft targets, the ranker's
    positives and negative weights). The validation split stratifies on the labels when
    every row has one.

    Parameters
    ----------
    net : skorch net
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y_index : array-like of int of shape (n_examples,)
        Each example's class index.
    classes : array-like of shape (n_classes,)
    sample_weight : array-like of shape (n_examples,) or None
    batch_targets : callable
    criterion, kind, rows, settings, valid_acc
        As for :func:`fit_net`.

    Returns
    -------
    net : the fitted net.
    """
    y_index = np.asarray(y_index)
    meta = _LABELS_AND_WEIGHTS.pack(y_index=y_index,
                                    sample_weight=row_weights(sample_weight, len(y_index)))
    return fit_net(net, X, meta, classes=classes, layout=_LABELS_AND_WEIGHTS,
                   criterion=criterion, kind=kind, settings=settings, rows=rows,
                   labels_of=_labels_if_all_known,
                   batch_targets=_FromLabelsAndWeights(batch_targets),
                   valid_acc=valid_acc)


def without_criterion_params(net):
    """Settings for :func:`fit_net` that remove the user's ``criterion__*`` parameters for
    the fit (a criterion the package substitutes takes other ones)."""
    return {f"criterion__{key}": _MISSING for key in net.get_params_for("criterion")}


def fit_net_on_values(estimator, X, y):
    """Fit a skorch regression net (or a pipeline ending in one) on real-valued targets.

    ``NeuralNetRegressor`` wants float32 input and a 2-D float32 target: ``X`` is cast
    (sparse rows densified), and a 1-D ``y`` is trained as one column, since torch's
    ``MSELoss`` would broadcast ``(n, 1)`` outputs against ``(n,)`` targets into an
    ``(n, n)`` difference (with only a warning). A pipeline's transformers are fitted
    first. skorch's ``fit`` takes no row weights.

    Returns
    -------
    estimator : the fitted estimator.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from skorch import NeuralNetRegressor
    >>> from skdistill._net_fitting import fit_net_on_values
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> net = NeuralNetRegressor(torch.nn.Linear, module__in_features=3,
    ...                          module__out_features=1, max_epochs=2, verbose=0)
    >>> fit_net_on_values(net, X, X.sum(axis=1)).predict(X.astype(np.float32)).shape
    (40, 1)
    """
    net, Xt = fit_to_final_estimator(estimator, X, y)
    Xt = dense_rows(Xt, np.arange(Xt.shape[0])) if sparse.issparse(Xt) else as_float32(Xt)
    Y = np.asarray(y, dtype=np.float32)
    net.fit(Xt, Y.reshape(Y.shape[0], -1))
    return estimator
