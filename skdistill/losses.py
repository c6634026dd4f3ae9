r"""Distillation losses for torch networks.

This module imports torch; ``import skdistill`` does not import it. Every loss
takes the network's raw outputs (logits ``z``, or log-probabilities for
:class:`SoftTargetNLLLoss`) and a 2-D float ``target`` whose layout is described
below. The optional last column of a target carries per-row weights ``w_n``;
weighted losses are averaged as :math:`\frac1N\sum_n w_n \ell_n` (the weights
are not renormalised per batch, so all-one weights give the unweighted loss).

Soft-target cross-entropy (``loss="soft_targets"``, equation 5 of Menon et al.)
    With teacher targets :math:`P \in \Delta^L` (already temperature-scaled,
    smoothed and mixed with labels, exactly as for scikit-learn students)

    .. math:: \ell_n = -\sum_k P_{nk}\,\log\operatorname{softmax}(z_n)_k .

    Target: ``(N, L)`` probabilities, or ``(N, L + 1)`` with row weights last.

Hinton et al. knowledge distillation (``loss="hinton"``)
    With raw teacher probabilities :math:`p_n` (temperature 1), temperature
    :math:`T`, mixing weight :math:`\alpha` and hard label :math:`y_n`:

    .. math::

        q_n = \operatorname{softmax}(\log p_n / T), \qquad
        s_n = \operatorname{softmax}(z_n / T),

        \ell_n = a_n\, T^2\, \mathrm{KL}(q_n \,\|\, s_n)
                 + (1 - a_n)\,\mathrm{CE}(z_n, y_n),
        \qquad a_n = \alpha \text{ if } y_n \text{ is known, else } 1 .

    The KL term is summed over classes and averaged over the batch (PyTorch's
    ``reduction="batchmean"``); the :math:`T^2` factor keeps its gradient on the
    scale of the hard-label term. Unlabelled rows (:math:`y_n = -1`) take the
    pure teacher term. Target: ``(N, L + 1)`` laid out as
    ``[p_n (L columns), y_n]`` with ``y_n`` the class *index* stored as a float
    (``-1`` for unlabelled), or ``(N, L + 2)`` with row weights last. Use
    :func:`hinton_target` to build it.

Double distillation (section 4, equation 13)
    With teacher probabilities :math:`p` (positives), teacher logits :math:`s`
    and negative weights :math:`w_{y'} = 1 - \sigma(a\, s_{y'})`,

    .. math::

        \ell = \sum_y p_y \log \sum_{y'} w_{y'} e^{f_{y'} - f_y}
             = \operatorname{logsumexp}(f + \log w) - p^\top f ,

    because :math:`\sum_y p_y = 1` and :math:`w` does not depend on :math:`y`:
    :math:`O(L)` per example instead of the literal :math:`O(L^2)` double sum.
    (Normalising :math:`w` to sum to one only adds the constant
    :math:`-\log\sum w`.) See :func:`double_distillation_loss`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = [
    "DoubleDistillationLoss",
    "HintonDistillationLoss",
    "SoftTargetCrossEntropy",
    "SoftTargetNLLLoss",
    "double_distillation_loss",
    "hinton_target",
]


def _check_reduction(reduction):
    if reduction not in ("mean", "sum"):
        raise ValueError(
            f"reduction must be 'mean' or 'sum' for a soft-target loss; got {reduction!r}."
        )


def _split_target(input, target, n_extra, name):
    """Split ``target`` into its ``L + n_extra`` leading columns and optional weights."""
    if input.ndim != 2:
        raise ValueError(
            f"{name} expects network outputs of shape (batch, n_classes); got {tuple(input.shape)}."
        )
    n_classes = input.shape[1]
    width = target.shape[1] if target.ndim == 2 else None
    if width not in (n_classes + n_extra, n_classes + n_extra + 1):
        raise ValueError(
            f"{name}: the network outputs {n_classes} columns but the target has shape "
            f"{tuple(target.shape)}; expected {n_classes + n_extra} columns (or one more for "
            "row weights). If the target is right, the module's output width does not match "
            "the number of classes."
        )
    target = target.to(dtype=input.dtype)
    main = target[:, : n_classes + n_extra]
    weights = target[:, -1] if width == n_classes + n_extra + 1 else None
    return main, weights


def _reduce(per_row, weights, reduction):
    if weights is not None:
        per_row = per_row * weights
    return per_row.sum() if reduction == "sum" else per_row.mean()


def _hard_labels(target):
    return target.ndim == 1 and not torch.is_floating_point(target)


class SoftTargetCrossEntropy(torch.nn.CrossEntropyLoss):
    r"""Cross-entropy of logits against probability rows, with optional row weights.

    :math:`\ell_n = -\sum_k c_k P_{nk} \log\operatorname{softmax}(z_n)_k`
    with class weights :math:`c_k` (``weight``, default 1); ``label_smoothing``
    replaces :math:`P` by :math:`(1-\varepsilon)P + \varepsilon/L`. A target of
    width ``L + 1`` carries row weights in its last column. A 1-D integer target
    is treated as hard labels (plain :class:`torch.nn.CrossEntropyLoss`), so the
    same net can also be trained on labels.

    It subclasses :class:`torch.nn.CrossEntropyLoss` so that skorch's
    ``predict_nonlinearity="auto"`` applies softmax in ``predict_proba``.

    Parameters
    ----------
    weight, size_average, ignore_index, reduce, reduction, label_smoothing
        As for :class:`torch.nn.CrossEntropyLoss`; ``reduction`` must be
        ``"mean"`` or ``"sum"`` and ``ignore_index`` only applies to hard labels.

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import SoftTargetCrossEntropy
    >>> z = torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    >>> P = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    >>> round(SoftTargetCrossEntropy()(z, P).item(), 4)   # (log(1 + e^-2) + log 2) / 2
    0.41
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index=-100,
        reduce=None,
        reduction="mean",
        label_smoothing=0.0,
    ):
        _check_reduction(reduction)
        super().__init__(
            weight=weight,
            size_average=size_average,
            ignore_index=ignore_index,
            reduce=reduce,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    def forward(self, input, target):
        if _hard_labels(target):
            return super().forward(input, target)
        P, weights = _split_target(input, target, 0, type(self).__name__)
        per_row = F.cross_entropy(
            input, P, weight=self.weight, reduction="none", label_smoothing=self.label_smoothing
        )
        return _reduce(per_row, weights, self.reduction)


class SoftTargetNLLLoss(torch.nn.NLLLoss):
    r"""Negative log-likelihood of log-probabilities against probability rows.

    :math:`\ell_n = -\sum_k c_k P_{nk}\, \log p_{nk}` where the network output is
    :math:`\log p` (as for :class:`torch.nn.NLLLoss`). Used for skorch's
    ``NeuralNetClassifier`` with its default ``criterion=NLLLoss``, whose module
    outputs probabilities and whose ``get_loss`` takes their log. A target of
    width ``L + 1`` carries row weights in its last column; a 1-D integer target
    is treated as hard labels.

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import SoftTargetNLLLoss
    >>> logp = torch.log(torch.tensor([[0.5, 0.5]]))
    >>> round(SoftTargetNLLLoss()(logp, torch.tensor([[0.9, 0.1]])).item(), 4)
    0.6931
    """

    def __init__(
        self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"
    ):
        _check_reduction(reduction)
        super().__init__(
            weight=weight,
            size_average=size_average,
            ignore_index=ignore_index,
            reduce=reduce,
            reduction=reduction,
        )

    def forward(self, input, target):
        if _hard_labels(target):
            return super().forward(input, target)
        P, weights = _split_target(input, target, 0, type(self).__name__)
        if self.weight is not None:
            P = P * self.weight
        # P log p with P = 0 contributes 0 even where log p = -inf
        terms = torch.where(P > 0, P * input, torch.zeros_like(input))
        return _reduce(-terms.sum(dim=1), weights, self.reduction)


def hinton_target(teacher_proba, y_index, sample_weight=None):
    """Build the target array of :class:`HintonDistillationLoss`.

    Parameters
    ----------
    teacher_proba : array-like of shape (n_samples, n_classes)
        Raw teacher probabilities (temperature 1).
    y_index : array-like of shape (n_samples,)
        Class index of each row's label, ``-1`` for unlabelled rows.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights, stored as an extra last column.

    Returns
    -------
    target : torch.Tensor of shape (n_samples, n_classes + 1 or + 2), float32

    Examples
    --------
    >>> from skdistill.losses import hinton_target
    >>> t = hinton_target([[0.75, 0.25], [0.5, 0.5]], [0, -1])
    >>> t.tolist()
    [[0.75, 0.25, 0.0], [0.5, 0.5, -1.0]]
    """
    P = torch.as_tensor(teacher_proba, dtype=torch.float32)
    y = torch.as_tensor(y_index, dtype=torch.float32).reshape(-1, 1)
    columns = [P, y]
    if sample_weight is not None:
        columns.append(torch.as_tensor(sample_weight, dtype=torch.float32).reshape(-1, 1))
    return torch.cat(columns, dim=1)


class HintonDistillationLoss(torch.nn.CrossEntropyLoss):
    r"""Hinton et al. (2015) distillation loss: tempered KL plus hard-label CE.

    Per row, :math:`\ell_n = a_n T^2\,\mathrm{KL}(q_n\|s_n) + (1-a_n)\,\mathrm{CE}(z_n,y_n)`
    with :math:`q_n = \operatorname{softmax}(\log p_n/T)` (teacher),
    :math:`s_n = \operatorname{softmax}(z_n/T)` (student) and :math:`a_n=\alpha`
    for labelled rows, 1 for unlabelled rows (``y_n = -1``); the batch loss is
    the mean over rows (the KL term is PyTorch's ``batchmean``). See the module
    docstring for the target layout, built by :func:`hinton_target`.

    It subclasses :class:`torch.nn.CrossEntropyLoss` so that skorch's
    ``predict_nonlinearity="auto"`` applies softmax (at temperature 1) in
    ``predict_proba``.

    Parameters
    ----------
    temperature : float, default=1.0
        :math:`T > 0`, applied to both teacher and student.
    alpha : float, default=1.0
        Weight of the distillation term on labelled rows, in [0, 1].
    weight : tensor of shape (n_classes,), default=None
        Class weights of the hard-label cross-entropy.
    reduction : {"mean", "sum"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import HintonDistillationLoss, hinton_target
    >>> z = torch.tensor([[1.0, -1.0]])
    >>> target = hinton_target([[0.5, 0.5]], [-1])   # unlabelled row: pure KL
    >>> loss = HintonDistillationLoss(temperature=2.0, alpha=0.5)(z, target)
    >>> round(loss.item(), 4)   # 4 * KL((.5, .5) || softmax((.5, -.5)))
    0.4805
    """

    def __init__(self, temperature=1.0, alpha=1.0, weight=None, reduction="mean"):
        _check_reduction(reduction)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; got {temperature!r}.")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1]; got {alpha!r}.")
        super().__init__(weight=weight, reduction=reduction)
        self.temperature = float(temperature)
        self.alpha = float(alpha)

    def forward(self, input, target):
        main, weights = _split_target(input, target, 1, type(self).__name__)
        n_classes = input.shape[1]
        p, y = main[:, :n_classes], main[:, n_classes].round().long()
        if torch.any(y >= n_classes) or torch.any(y < -1):
            raise ValueError(
                f"hard labels must be class indices in [0, {n_classes}) or -1 (unlabelled)."
            )
        T = self.temperature
        q = torch.softmax(torch.log(p.clamp_min(0)) / T, dim=1)
        log_s = torch.log_softmax(input / T, dim=1)
        kl = (torch.xlogy(q, q) - q * log_s).sum(dim=1)
        labelled = y >= 0
        hard = F.cross_entropy(input, y.clamp_min(0), weight=self.weight, reduction="none")
        a = torch.where(labelled, torch.full_like(kl, self.alpha), torch.ones_like(kl))
        per_row = a * T**2 * kl + (1 - a) * torch.where(labelled, hard, torch.zeros_like(hard))
        return _reduce(per_row, weights, self.reduction)


def double_distillation_loss(
    logits, teacher_probs, teacher_logits, a=1.0, *, sample_weight=None, reduction="mean"
):
    r"""Double-distillation loss of Menon et al. (equation 13), in O(L) form.

    :math:`\ell_n = \operatorname{logsumexp}_{y'}(f_{ny'} + \log w_{ny'}) - p_n^\top f_n`
    with :math:`w = 1 - \sigma(a\, s)` computed as :math:`\log w = \log\sigma(-a\,s)`
    for stability. Equal to the literal double sum
    :math:`\sum_y p_y \log\sum_{y'} w_{y'} e^{f_{y'} - f_y}` when each row of
    ``teacher_probs`` sums to one.

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Student scores :math:`f`.
    teacher_probs : tensor of shape (n_samples, n_classes)
        Teacher probabilities :math:`p` (the "positives").
    teacher_logits : tensor of shape (n_samples, n_classes)
        Teacher logits :math:`s` defining the "negative" weights.
    a : float, default=1.0
        Scale :math:`a > 0` of the teacher logits in the weights.
    sample_weight : tensor of shape (n_samples,), default=None
        Row weights.
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    loss : tensor (scalar, or shape (n_samples,) when ``reduction="none"``)

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import double_distillation_loss
    >>> f = torch.zeros(1, 3)
    >>> s = torch.zeros(1, 3)          # w = 1/2 for every label
    >>> p = torch.full((1, 3), 1 / 3)
    >>> round(double_distillation_loss(f, p, s).item(), 4)   # log(3 / 2)
    0.4055
    """
    if not a > 0:
        raise ValueError(f"a must be > 0; got {a!r}.")
    teacher_probs = teacher_probs.to(logits.dtype)
    log_w = F.logsigmoid(-a * teacher_logits.to(logits.dtype))
    per_row = torch.logsumexp(logits + log_w, dim=1) - (teacher_probs * logits).sum(dim=1)
    if reduction == "none":
        return per_row if sample_weight is None else per_row * sample_weight
    _check_reduction(reduction)
    return _reduce(per_row, sample_weight, reduction)


class DoubleDistillationLoss(torch.nn.Module):
    r"""Module form of :func:`double_distillation_loss` for skorch criteria.

    Target layout: ``(N, 2L)`` as ``[teacher probabilities, teacher logits]``,
    or ``(N, 2L + 1)`` with row weights last.

    Parameters
    ----------
    a : float, default=1.0
        Scale of the teacher logits in the negative weights.
    reduction : {"mean", "sum"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import DoubleDistillationLoss
    >>> target = torch.cat([torch.full((1, 3), 1 / 3), torch.zeros(1, 3)], dim=1)
    >>> round(DoubleDistillationLoss()(torch.zeros(1, 3), target).item(), 4)
    0.4055
    """

    def __init__(self, a=1.0, reduction="mean"):
        super().__init__()
        _check_reduction(reduction)
        self.a = a
        self.reduction = reduction

    def forward(self, input, target):
        n_classes = input.shape[1]
        main, weights = _split_target(input, target, n_classes, type(self).__name__)
        return double_distillation_loss(
            input,
            main[:, :n_classes],
            main[:, n_classes:],
            self.a,
            sample_weight=weights,
            reduction=self.reduction,
        )
