"""skorch nets as students: soft targets, Hinton's loss, and teacher targets per batch.

A skorch ``NeuralNetClassifier`` or plain ``NeuralNet`` (or a subclass) is fitted on
soft targets with a soft cross-entropy (:mod:`skdistill.losses`); what skorch needs
for that (the soft criterion, real ``classes_``, the validation split and score,
float32, the module's width) is handled by the net support shared with the teacher
step (``skdistill/_nets.py`` and ``skdistill/_net_fitting.py``), which also gives the
user's parameters back after the fit. This adapter adds what only a student does:

- ``fit_soft_targets``: the soft-target fit;
- ``loss="hinton"``: Hinton et al.'s loss on the raw teacher probabilities and the
  labels (:class:`~skdistill.losses.HintonDistillationLoss`);
- teacher targets batch by batch: the net's dataset holds each row's label index and
  weight, and its ``collate_fn`` runs the teacher and the target transforms on every
  batch, so the pool's ``(n_samples, n_classes)`` matrix never exists;
- prediction: float32 input, and labels (skorch's ``NeuralNetClassifier.predict``
  returns class *indices*, a plain ``NeuralNet.predict`` the probabilities); the
  fitted net's own ``predict`` is made to return labels too, so that a net fitted here
  answers as any scikit-learn classifier with these ``classes_`` does; its
  ``decision_function`` is the module's logits (their difference for two classes);
- seeding: a seed drives the torch RNG (initialisation, dropout, shuffling).

Targets follow :class:`~skdistill.losses.TargetLayout`; row weights are normalised to
mean one over the training rows.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax

from .._net_fitting import (
    fit_net,
    fit_net_on_batch_targets,
    module_outputs_logits,
    row_weights,
    soft_criterion,
    without_criterion_params,
)
from .._nets import (
    as_float32,
    check_net_kind,
    is_skorch_net,
    net_logits,
    outputs_logits,
    predict_net_proba,
    torch_seeded,
)
from .._target_layout import TargetLayout
from .._validation import check_sample_weight
from ._registry import StudentAdapter, register_student_adapter


def fit_skorch_net(net, X, P, *, classes, sample_weight):
    """Fit a skorch net in place on soft targets ``P`` with a soft cross-entropy.

    This is the adapter behind :func:`skdistill.fit_soft_targets` for skorch nets;
    see the module docstring for what is handled while fitting.

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
    >>> net.predict(X[:4]).tolist()
    ['a', 'a', 'b', 'b']
    """
    check_net_kind(net)
    criterion, kind = soft_criterion(net)
    layout = TargetLayout(len(classes), weights=True)
    Y = layout.pack(P, sample_weight=row_weights(sample_weight, len(P)))
    fit_net(net, X, Y, classes=classes, layout=layout, criterion=criterion, kind=kind)
    return _predicting_labels(net)


def _hinton_criterion_settings(student):
    """The net settings that train ``student`` with ``HintonDistillationLoss``."""
    import torch

    from ..losses import HintonDistillationLoss

    crit = student.criterion
    cls = crit if isinstance(crit, type) else type(crit)
    logits = issubclass(cls, HintonDistillationLoss) or cls is torch.nn.CrossEntropyLoss
    if not (logits or (cls is torch.nn.NLLLoss and module_outputs_logits(student))):
        raise TypeError(
            f"loss='hinton' needs a module that outputs logits, trained with "
            f"criterion=torch.nn.CrossEntropyLoss; {type(student).__name__} has criterion "
            f"{cls.__name__}. Use loss='soft_targets', or switch the criterion."
        )
    user_params = student.get_params_for("criterion")
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
    settings = without_criterion_params(student)
    settings.update({f"criterion__{k}": v for k, v in user_params.items()
                     if k in kept and v is not None})
    return settings


def fit_hinton(student, X, teacher_proba, y_index, *, classes, temperature, alpha, sample_weight):
    """Fit a skorch net in place with the Hinton et al. distillation loss.

    Loss: :class:`skdistill.losses.HintonDistillationLoss` (student logits divided by
    ``temperature``, KL to the tempered teacher with ``batchmean`` reduction scaled
    by ``temperature**2``, mixed with hard-label cross-entropy by ``alpha``;
    unlabelled rows take the pure teacher term). ``DistilledClassifier(loss="hinton")``
    calls it.

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
    """
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
    sample_weight = check_sample_weight(sample_weight, P.shape[0])
    check_net_kind(student)
    settings = _hinton_criterion_settings(student)
    settings.update(criterion__temperature=float(temperature), criterion__alpha=float(alpha))
    layout = TargetLayout(len(classes), labels=True, weights=True)
    Y = layout.pack(P, y_index=y_index, sample_weight=row_weights(sample_weight, len(P)))
    fit_net(student, X, Y, classes=classes, layout=layout,
            criterion=HintonDistillationLoss, kind="logits", settings=settings)
    return _predicting_labels(student)


def _teacher_targets(teacher_proba, make_targets, n_classes, Xb, labels, weights):
    """A batch's soft targets: the teacher on its rows, then the target transforms."""
    targets = make_targets(teacher_proba(Xb), labels)
    return TargetLayout(n_classes, weights=True).pack(targets, sample_weight=weights)


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
    from functools import partial

    check_net_kind(student)
    criterion, kind = soft_criterion(student)
    sample_weight = check_sample_weight(sample_weight, len(np.asarray(y_index)))
    fit_net_on_batch_targets(
        student, X, y_index, classes=classes, sample_weight=sample_weight, criterion=criterion,
        kind=kind, valid_acc=False,
        batch_targets=partial(_teacher_targets, teacher_proba, make_targets, len(classes)),
    )
    return _predicting_labels(student)


def _most_probable(proba, classes):
    return np.asarray(classes).take(proba.argmax(axis=1))


def _predict_labels(net, X, classes):
    return _most_probable(predict_net_proba(net, X), classes)


class _PredictsLabels:
    """Mixed into a fitted net's class so that its ``predict`` gives labels.

    skorch's ``NeuralNetClassifier.predict`` returns the argmax *index* (the label only
    when the labels are ``0 .. n_classes - 1``, as skorch's own fit needs), a plain
    ``NeuralNet.predict`` the probabilities. A net fitted on soft targets has the real
    labels as ``classes_``, so its ``predict`` must return them, as any scikit-learn
    classifier's does. skorch has no hook for that, and an instance attribute would
    become one of the net's parameters (skorch counts every public attribute), so the
    fitted net's class becomes a subclass of its own with this ``predict`` (same name,
    still an instance of the user's class); it pickles as the user's class plus this
    mixin. Where ``classes_`` does not have one label per output (refitted by skorch's
    own ``fit`` on labels missing some class), it answers as skorch does.
    """

    def predict(self, X):
        """Class labels: the most probable of ``classes_`` for each row of ``X``."""
        proba = predict_net_proba(self, X)
        classes = getattr(self, "classes_", None)
        if classes is None or len(classes) != proba.shape[1]:
            return super().predict(as_float32(X))
        return _most_probable(proba, classes)

    def __reduce_ex__(self, protocol):
        return _labelled_instance, (type(self)._net_class,), self.__getstate__()


_LABELLED_CLASSES = {}


def _labelled_class(cls):
    """``cls`` with :class:`_PredictsLabels` mixed in (made once per class)."""
    if issubclass(cls, _PredictsLabels):
        return cls
    if cls not in _LABELLED_CLASSES:
        _LABELLED_CLASSES[cls] = type(cls.__name__, (_PredictsLabels, cls), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__,
            "__doc__": cls.__doc__, "_net_class": cls,
        })
    return _LABELLED_CLASSES[cls]


def _labelled_instance(cls):
    """An empty instance of ``cls`` predicting labels, for unpickling (the state follows)."""
    return object.__new__(_labelled_class(cls))


def _predicting_labels(net):
    """``net``, whose ``predict`` now gives labels of its ``classes_``.

    Only where the net predicts as skorch does: a user's subclass with its own
    ``predict`` keeps it.
    """
    owner = next(k for k in type(net).__mro__ if "predict" in vars(k))
    if owner.__module__.split(".")[0] == "skorch":
        net.__class__ = _labelled_class(type(net))
    return net


def _net_scores(net, X):
    """The module's logits, or the log-probabilities of a module that outputs those."""
    if outputs_logits(net):
        return net_logits(net, X)
    with np.errstate(divide="ignore"):
        return np.log(predict_net_proba(net, X))


def _net_log_proba(net, X):
    return log_softmax(_net_scores(net, X), axis=1)


def _net_decision_function(net, X):
    """Scores whose softmax is ``predict_proba``; for two classes, as scikit-learn's
    binary classifiers give them, one column: the log-odds of ``classes_[1]``."""
    scores = _net_scores(net, X)
    return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores


class _NetAdapter(StudentAdapter):
    """skorch nets take teacher batches unless the user collates batches themselves."""

    def teacher_batches_fit(self, net):
        params = net.get_params()
        if any(params.get(f"iterator_{part}__collate_fn") for part in ("train", "valid")):
            return None
        return super().teacher_batches_fit(net)


register_student_adapter(_NetAdapter(
    "skorch net",
    is_skorch_net,
    fit_skorch_net,
    losses={"hinton": fit_hinton},
    fit_teacher_batches=fit_with_batch_teacher,
    predict=_predict_labels,
    predict_proba=predict_net_proba,
    predict_log_proba=_net_log_proba,
    decision_function=_net_decision_function,
    seeded=lambda net, seed: torch_seeded(seed),
    accepts_sparse=lambda net: True,  # rows are densified a batch at a time
))
