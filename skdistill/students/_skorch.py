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
  returns class *indices*, a plain ``NeuralNet.predict`` the probabilities);
- seeding: a seed drives the torch RNG (initialisation, dropout, shuffling).

Targets follow :class:`~skdistill.losses.TargetLayout`; row weights are normalised to
mean one over the training rows.
"""

from __future__ import annotations

import numpy as np

from .._net_fitting import (
    fit_net,
    fit_net_on_batch_targets,
    module_outputs_logits,
    row_weights,
    soft_criterion,
    without_criterion_params,
)
from .._nets import check_net_kind, is_skorch_net, predict_net_proba, torch_seeded
from .._target_layout import TargetLayout
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
    >>> net.predict_proba(X[:4].astype("float32")).argmax(axis=1).tolist()
    [0, 0, 1, 1]
    """
    check_net_kind(net)
    criterion, kind = soft_criterion(net)
    layout = TargetLayout(len(classes), weights=True)
    Y = layout.pack(P, sample_weight=row_weights(sample_weight, len(P)))
    return fit_net(net, X, Y, classes=classes, layout=layout, criterion=criterion, kind=kind)


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
    check_net_kind(student)
    settings = _hinton_criterion_settings(student)
    settings.update(criterion__temperature=float(temperature), criterion__alpha=float(alpha))
    layout = TargetLayout(len(classes), labels=True, weights=True)
    Y = layout.pack(P, y_index=y_index, sample_weight=row_weights(sample_weight, len(P)))
    return fit_net(student, X, Y, classes=classes, layout=layout,
                   criterion=HintonDistillationLoss, kind="logits", settings=settings)


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
    return fit_net_on_batch_targets(
        student, X, y_index, classes=classes, sample_weight=sample_weight, criterion=criterion,
        kind=kind, valid_acc=False,
        batch_targets=partial(_teacher_targets, teacher_proba, make_targets, len(classes)),
    )


def _predict_labels(net, X, classes):
    return np.asarray(classes).take(predict_net_proba(net, X).argmax(axis=1))


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
    seeded=lambda net, seed: torch_seeded(seed),
    accepts_sparse=lambda net: True,  # rows are densified a batch at a time
))
