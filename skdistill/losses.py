r"""Distillation losses for torch networks.

This module imports torch; ``import skdistill`` does not import it. Every loss
takes the network's raw outputs (logits ``z``, or log-probabilities for
:class:`SoftTargetNLLLoss`) and a 2-D float ``target`` in the one layout that
:class:`TargetLayout` defines, ``[probabilities | log weights | label index |
row weight]``, each loss reading the parts it needs; every part of skdistill that
trains a network builds its targets with :meth:`TargetLayout.pack`. The optional
last column carries per-row weights ``w_n``; weighted losses are averaged as
:math:`\frac1N\sum_n w_n \ell_n` (the weights are not renormalised per batch, so
all-one weights give the unweighted loss). An unlabelled row has label index
:data:`UNLABELLED` (``-1``).

Soft-target cross-entropy (``loss="soft_targets"``, equation 5 of Menon et al.)
    With teacher targets :math:`P \in \Delta^L` (already temperature-scaled,
    smoothed and mixed with labels, exactly as for scikit-learn students)

    .. math:: \ell_n = -\sum_k P_{nk}\,\log\operatorname{softmax}(z_n)_k .

    Target parts: probabilities (and optionally weights).

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
    pure teacher term. Target parts: the raw teacher probabilities :math:`p_n`
    and the label index :math:`y_n` (and optionally weights); :func:`hinton_target`
    builds it.

Double distillation (section 4, equation 13)
    With teacher probabilities :math:`p` (positives), teacher logits :math:`s`
    and negative weights :math:`w_{y'} = 1 - \sigma(a\, s_{y'}) = \sigma(-a\, s_{y'})`,

    .. math::

        \ell = \sum_y p_y \log \sum_{y'} w_{y'} e^{f_{y'} - f_y}
             = \operatorname{logsumexp}(f + \log w) - p^\top f ,

    because :math:`\sum_y p_y = 1` and :math:`w` does not depend on :math:`y`:
    :math:`O(L)` per example instead of the literal :math:`O(L^2)` double sum.
    (Normalising :math:`w` to sum to one only adds the constant
    :math:`-\log\sum w`.) Target parts of :class:`DoubleDistillationLoss`:
    probabilities :math:`p` and log weights :math:`\log w` (and optionally row
    weights), built once per batch by :func:`double_distillation_target`; see also
    :func:`double_distillation_loss`.

Sampled double distillation (many labels)
    The same loss over a subset :math:`C` of the labels: the labels that must be there
    (the positives, the teacher's top labels) and a sample of the others, each sampled
    label's weight divided by its expected count in the sample so that the sum in the
    logarithm estimates the sum over all labels (the "logQ correction"). Target parts
    of :class:`SampledDoubleDistillationLoss`: the positives over :math:`C` and
    :math:`\log w - \log q` (and optionally row weights).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from . import _double_distillation
from ._double_distillation import (
    LOG_WEIGHT_MESSAGE,
    LogWeightError,
    check_scale,
    check_tensors,
)
from ._target_layout import UNLABELLED, Target, TargetLayout
from ._validation import check_probabilities

__all__ = [
    "DoubleDistillationLoss",
    "HintonDistillationLoss",
    "SampledDoubleDistillationLoss",
    "SoftTargetCrossEntropy",
    "SoftTargetNLLLoss",
    "Target",
    "TargetLayout",
    "UNLABELLED",
    "double_distillation_loss",
    "double_distillation_target",
    "hinton_target",
    "sigmoid_log_weights",
    "tempered_log_softmax",
]


def _check_reduction(reduction):
    if reduction not in ("mean", "sum"):
        raise ValueError(
            f"reduction must be 'mean' or 'sum' for a soft-target loss; got {reduction!r}."
        )


def _read_target(input, target, name, *, log_weights=False, labels=False):
    """Parts of a loss's target, in the input's dtype."""
    layout = TargetLayout.of(input, target, log_weights=log_weights, labels=labels, name=name)
    return layout.unpack(target.to(dtype=input.dtype))


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
        t = _read_target(input, target, type(self).__name__)
        per_row = F.cross_entropy(
            input, t.proba, weight=self.weight, reduction="none",
            label_smoothing=self.label_smoothing,
        )
        return _reduce(per_row, t.weights, self.reduction)


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
        t = _read_target(input, target, type(self).__name__)
        P = t.proba if self.weight is None else t.proba * self.weight
        # P log p with P = 0 contributes 0 even where log p = -inf
        terms = torch.where(P > 0, P * input, torch.zeros_like(input))
        return _reduce(-terms.sum(dim=1), t.weights, self.reduction)


def hinton_target(teacher_proba, y_index, sample_weight=None):
    """Build the target of :class:`HintonDistillationLoss` (see :class:`TargetLayout`).

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
    P = np.asarray(teacher_proba, dtype=np.float64)
    layout = TargetLayout(P.shape[1], labels=True, weights=sample_weight is not None)
    return torch.from_numpy(layout.pack(P, y_index=y_index, sample_weight=sample_weight))


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
        t = _read_target(input, target, type(self).__name__, labels=True)
        n_classes = input.shape[1]
        p, y = t.proba, t.labels.round().long()
        labelled = y != UNLABELLED
        if torch.any(y >= n_classes) or torch.any(labelled & (y < 0)):
            raise ValueError(
                f"hard labels must be class indices in [0, {n_classes}) or {UNLABELLED} "
                "(unlabelled)."
            )
        T = self.temperature
        q = torch.softmax(torch.log(p.clamp_min(0)) / T, dim=1)
        log_s = torch.log_softmax(input / T, dim=1)
        kl = (torch.xlogy(q, q) - q * log_s).sum(dim=1)
        hard = F.cross_entropy(input, y.clamp_min(0), weight=self.weight, reduction="none")
        a = torch.where(labelled, torch.full_like(kl, self.alpha), torch.ones_like(kl))
        per_row = a * T**2 * kl + (1 - a) * torch.where(labelled, hard, torch.zeros_like(hard))
        return _reduce(per_row, t.weights, self.reduction)


def double_distillation_loss(
    logits, teacher_probs, teacher_logits, a=1.0, *, sample_weight=None, reduction="mean"
):
    r"""Double-distillation loss of Menon et al. (equation 13), in O(L) form.

    :math:`\ell_n = \operatorname{logsumexp}_{y'}(f_{ny'} + \log w_{ny'}) - p_n^\top f_n`
    with :math:`w = 1 - \sigma(a\, s)` computed as :math:`\log w = \log\sigma(-a\,s)`
    for stability. Equal to the literal double sum
    :math:`\sum_y p_y \log\sum_{y'} w_{y'} e^{f_{y'} - f_y}` when each row of
    ``teacher_probs`` sums to one.

    The loss is computed by hand (a custom autograd function whose backward is
    :math:`\partial\ell_n/\partial f_n = q_n - p_n` with
    :math:`q_n = \operatorname{softmax}(f_n + \log w_n)`, formed in the forward pass
    in cache-sized blocks of rows). This function computes :math:`\log w` from the
    teacher logits on every call; in training, where the teacher's targets are fixed,
    compute them once with :func:`double_distillation_target` and use
    :class:`DoubleDistillationLoss`. Autograd of the formula costs several times
    more (``benchmarks/bench_double_distillation.py``); under ``torch.compile`` the
    loss is one fused loop per row. Gradients also flow to ``teacher_probs`` and
    ``teacher_logits`` when they require them; double backward is not supported.

    Parameters
    ----------
    logits : tensor of shape (n_samples, n_classes)
        Student scores :math:`f`.
    teacher_probs : tensor of shape (n_samples, n_classes)
        Teacher probabilities :math:`p` (the "positives").
    teacher_logits : tensor of shape (n_samples, n_classes)
        Teacher logits :math:`s` defining the "negative" weights; ``-inf`` gives
        :math:`w = 1`, ``+inf`` gives :math:`w = 0` (a row needs one :math:`w > 0`).
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
    a = check_scale(a)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none'; got {reduction!r}.")
    check_tensors(logits, sample_weight, teacher_probs=teacher_probs,
                  teacher_logits=teacher_logits)
    log_w = F.logsigmoid(teacher_logits.to(logits.dtype) * -a)
    return _double_distillation.loss(logits, teacher_probs, log_w, sample_weight, reduction)


def tempered_log_softmax(logits, temperature):
    """``log softmax(z / T)`` over the rows of a float tensor, exact down to any ``T > 0``.

    The torch twin of :func:`skdistill.temperature_scale` (with ``z = log p``), for the
    targets of the nets' batches. The row maximum is subtracted before dividing, so the
    most probable labels get 0 and the others ``-inf`` where the division overflows,
    which is the one-hot limit; a ``T`` below float32's smallest number rounds to 0 in a
    float32 division, and the maxima's ``0 / 0`` is set to the 0 of that limit. The
    arguments are not checked.

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import tempered_log_softmax
    >>> z = torch.log(torch.tensor([[0.5, 0.3, 0.2]]))
    >>> tempered_log_softmax(z, 1e-310).exp().tolist()
    [[1.0, 0.0, 0.0]]
    >>> torch.allclose(tempered_log_softmax(z, 1.0).exp(), torch.tensor([[0.5, 0.3, 0.2]]))
    True
    """
    shifted = logits - logits.amax(dim=1, keepdim=True)
    if temperature != 1.0:
        shifted = torch.where(shifted == 0, 0.0, shifted / temperature)
    return torch.log_softmax(shifted, dim=1)


def sigmoid_log_weights(scores, a=1.0, *, out=False):
    r"""Double distillation's log negative weights :math:`\log w = \log(1 - \sigma(a\,s))`.

    Computed as :math:`-\mathrm{softplus}(a\,s)`, which is exact in float32 (softplus of
    ``x`` is ``x`` itself above 20, where :math:`1 - \sigma` would round to zero), a block
    of rows at a time; a weight of one (``s = -inf``) gives ``+0.0``.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_labels), float32
        The teacher's scores (logits); ``-inf`` for a label it never saw.
    a : float > 0, default=1.0
        Slope of the sigmoid.
    out : bool, default=False
        Write the result over ``scores`` (which must then be a writable float32 array):
        at many labels the weights then cost no array of their own.

    Returns
    -------
    log_w : ndarray of shape (n_samples, n_labels), float32

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.losses import sigmoid_log_weights
    >>> sigmoid_log_weights(np.array([[0.0, -np.inf, 30.0]], dtype=np.float32)).tolist()
    [[-0.6931471824645996, 0.0, -30.0]]
    """
    S = np.asarray(scores, dtype=np.float32)
    log_w = torch.from_numpy(S if out else S.copy()).mul_(a)
    step = max(1, (1 << 20) // max(log_w.shape[1], 1))
    for start in range(0, log_w.shape[0], step):
        block = log_w[start:start + step]
        torch.neg(F.softplus(block), out=block).add_(0.0)  # -0.0 + 0.0 is +0.0
    return log_w.numpy()


def double_distillation_target(teacher_probs, teacher_logits, a=1.0, *, sample_weight=None):
    r"""Build the target of :class:`DoubleDistillationLoss` (see :class:`TargetLayout`).

    The teacher's probabilities :math:`p`, then the log negative weights
    :math:`\log w = \log\sigma(-a\,s) = \log(1 - \sigma(a\,s))` of its logits
    :math:`s`, in float32 (computed in log space, so finite however confident the
    teacher: :math:`\log w \approx -a s` where :math:`w` itself underflows).
    Built once per batch of fixed teacher outputs, so the loss does not recompute
    the weights at every step.

    Parameters
    ----------
    teacher_probs : array-like of shape (n_samples, n_classes)
        Teacher probabilities :math:`p` (the "positives").
    teacher_logits : array-like of shape (n_samples, n_classes)
        Teacher logits :math:`s`; ``-inf`` gives :math:`w = 1` and ``+inf``
        gives :math:`w = 0`.
    a : float, default=1.0
        Scale :math:`a > 0` of the teacher logits in the weights.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights, stored as an extra last column.

    Returns
    -------
    target : torch.Tensor of shape (n_samples, 2 * n_classes (+ 1)), float32

    Examples
    --------
    >>> from skdistill.losses import double_distillation_target
    >>> t = double_distillation_target([[0.5, 0.5]], [[0.0, float("-inf")]])
    >>> [round(v, 4) for v in t[0].tolist()]   # log w = log 1/2, log 1
    [0.5, 0.5, -0.6931, 0.0]
    """
    a = check_scale(a)
    P = np.asarray(teacher_probs, dtype=np.float32)
    S = np.asarray(teacher_logits, dtype=np.float32)
    if P.ndim != 2 or S.shape != P.shape:
        raise ValueError(
            "teacher_probs and teacher_logits must be 2-D arrays of one shape "
            f"(n_samples, n_classes); got shapes {P.shape} and {S.shape}."
        )
    # the loss equals the paper's double sum only for rows that sum to one
    check_probabilities(P, name="teacher_probs", atol=1e-5)
    if np.isnan(S).any():
        raise ValueError(
            "teacher_logits contains NaN; the negative weights need a number (or +-inf) "
            "for every label."
        )
    log_w = sigmoid_log_weights(S, a)
    layout = TargetLayout(P.shape[1], log_weights=True, weights=sample_weight is not None)
    return torch.from_numpy(layout.pack(P, log_weights=log_w, sample_weight=sample_weight))


class DoubleDistillationLoss(torch.nn.CrossEntropyLoss):
    r"""Module form of the double-distillation loss for skorch criteria.

    Target: ``TargetLayout(L, log_weights=True)`` — teacher probabilities, then the
    log negative weights :math:`\log w = \log\sigma(-a\,s)`, and optionally row
    weights last; :func:`double_distillation_target` builds it from the teacher's
    probabilities and logits. The weights are part of the target, not of the loss,
    because they are fixed with the teacher: computed once per batch, not at every
    step. Per row the loss is that of :func:`double_distillation_loss`. It subclasses
    :class:`torch.nn.CrossEntropyLoss` so that skorch's
    ``predict_nonlinearity="auto"`` applies softmax in ``predict_proba``.

    Under ``torch.compile`` (a skorch net's ``compile=True`` compiles its criterion)
    the loss runs as one fused loop per row, at about the cost of
    :func:`torch.nn.functional.cross_entropy` on the same logits; in eager mode it
    runs in cache-sized blocks of rows (``benchmarks/bench_double_distillation.py``).
    A target whose log weights are not all ``<= 0`` raises a ``ValueError`` (compiled:
    torch's ``RuntimeError``, with the same message).

    Parameters
    ----------
    reduction : {"mean", "sum"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skdistill.losses import DoubleDistillationLoss, double_distillation_target
    >>> target = double_distillation_target(torch.full((1, 3), 1 / 3), torch.zeros(1, 3))
    >>> round(DoubleDistillationLoss()(torch.zeros(1, 3), target).item(), 4)
    0.4055
    """

    def __init__(self, reduction="mean"):
        _check_reduction(reduction)
        super().__init__(reduction=reduction)

    def forward(self, input, target):
        name = type(self).__name__
        t = _read_target(input, target, name, log_weights=True)
        try:
            return _double_distillation.loss(input, t.proba, t.log_weights, t.weights,
                                             self.reduction, check=True)
        except LogWeightError as error:
            # w = sigmoid(-a s) <= 1: a positive "log weight" is a target built wrongly,
            # most likely with the teacher's logits in place of log w
            raise ValueError(
                f"{name}: {LOG_WEIGHT_MESSAGE} Its largest value is {error.args[0]!r} "
                f"(L = {input.shape[1]})."
            ) from None


class SampledDoubleDistillationLoss(DoubleDistillationLoss):
    r"""The double-distillation loss over a subset of the labels: a sampled softmax.

    With many labels the sum over every label :math:`y'` in the loss,
    :math:`Z = \sum_{y'} w_{y'} e^{f_{y'}}`, is what costs: the student's logits and the
    loss touch every label of every example. Split the labels into a set :math:`U`
    that a batch always scores (its positives, the teacher's top labels of its rows) and
    the rest, of which a sample :math:`S` is drawn, label :math:`j` with expected count
    :math:`E_j` (the sample size times its probability; for a sample without
    replacement, its inclusion probability) and drawn :math:`c_j` times. Then

    .. math::

        \hat Z = \sum_{j \in U} w_j e^{f_j}
                + \sum_{j \in S \setminus U} \frac{c_j}{E_j}\, w_j e^{f_j},
        \qquad
        \ell = \log \hat Z - \pi^\top f
              = \operatorname{logsumexp}_{j \in U \cup S}(f_j + b_j) - \pi^\top f,

    with :math:`b_j = \log w_j` on :math:`U` and :math:`b_j = \log w_j + \log c_j -
    \log E_j` on the sample: :math:`\hat Z` is an unbiased estimate of :math:`Z`
    (importance sampling, Bengio and Senécal, 2008), and the loss is the sampled softmax
    with the "logQ" correction of Jean et al. (2015), "On using very large target
    vocabulary for neural machine translation", consistent as the sample grows (the
    same correction keeps sampled losses consistent in Reddi et al., 2019,
    "Stochastic negative mining for learning with large output spaces"). With
    :math:`U` all labels and no sample it is :class:`DoubleDistillationLoss`.

    The network's output is the logits of the subset, ``(batch, |C|)``, and the target
    is in ``TargetLayout(|C|, log_weights=True)``: the positives :math:`\pi` over the
    subset, then :math:`b` (which, unlike :math:`\log w`, may be positive), and
    optionally row weights. :class:`~skdistill.DoubleDistilledRanker` builds both, batch
    by batch, with ``negatives_sample``.

    Parameters
    ----------
    reduction : {"mean", "sum"}, default="mean"

    Examples
    --------
    >>> import math
    >>> import torch
    >>> from skdistill.losses import SampledDoubleDistillationLoss, TargetLayout
    >>> # 4 labels: the positive (label 0) and one sampled label of the 3 others,
    >>> # drawn uniformly without replacement: E = 1/3
    >>> target = torch.from_numpy(TargetLayout(2, log_weights=True).pack(
    ...     [[1.0, 0.0]], log_weights=[[0.0, -math.log(1 / 3)]]))
    >>> round(SampledDoubleDistillationLoss()(torch.zeros(1, 2), target).item(), 4)
    1.3863
    >>> round(math.log(4), 4)   # at equal logits the estimate is exact
    1.3863
    """

    def forward(self, input, target):
        t = _read_target(input, target, type(self).__name__, log_weights=True)
        return _double_distillation.loss(input, t.proba, t.log_weights, t.weights,
                                         self.reduction)
