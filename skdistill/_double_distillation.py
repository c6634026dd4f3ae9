r"""The double-distillation loss per row, forward and backward computed by hand.

Per row, with student scores :math:`f`, teacher probabilities :math:`p`, teacher
logits :math:`s` and negative weights :math:`w = \sigma(-a s)`,

.. math::

    \ell = \operatorname{logsumexp}(f + \log w) - p^\top f, \qquad
    \frac{\partial \ell}{\partial f} = q - p, \qquad
    q = \operatorname{softmax}(f + \log w) .

Autograd of that formula builds several ``(batch, L)`` intermediates in the forward
pass and again in the backward pass, and ``logsigmoid`` and ``logsumexp`` are slow
kernels on CPU. Here the forward pass keeps one ``(batch, L)`` tensor, ``q``, which
is the whole of what the backward pass needs:

- ``softmax(f)`` (one fused kernel) times ``w`` is ``q`` up to a per-row factor
  ``t = sum_j w_j softmax(f)_j``, and ``logsumexp(f + log w) = logsumexp(f) + log t``;
  ``logsumexp(f)`` is ``max f - log max softmax(f)``, since the largest softmax entry
  is ``1 / sum_j exp(f_j - max f)``;
- ``w`` and ``p . f`` go through one scratch block of rows, so no further
  ``(batch, L)`` tensor is allocated (at large ``L`` the page faults of a fresh tensor
  cost as much as the arithmetic on it);
- ``w = sigmoid(-a s)`` underflows only where ``log w`` is very negative; a row whose
  ``t`` is so small that such underflows could matter (``t < L * tiny / eps``) is
  recomputed exactly in log space, so confident teachers (``s`` in the hundreds) give
  the exact loss, not ``-inf``.

The backward pass writes ``g * (q / t - p)`` over ``q`` (no new ``(batch, L)``
tensor); a second backward through the same graph (``retain_graph=True``) recomputes
``q`` first.
"""

from __future__ import annotations

import math
from numbers import Real

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

# rows of w (and of p * f) computed at once: a scratch block of 4 MB in float32, which
# the allocator reuses from call to call (a fresh (batch, L) tensor at large L costs
# page faults on every call), in few enough blocks that the per-operation overhead
# stays small against the arithmetic
_BLOCK_ELEMENTS = 1 << 20


def _underflow_threshold(dtype, n_labels):
    """Below this ``t``, the terms that underflowed (each off by less than ``3 tiny``:
    ``softmax(f)``, ``w`` and their product can each underflow) could change ``log t``
    by more than a rounding error."""
    info = torch.finfo(dtype)
    return 4 * max(n_labels, 1) * info.tiny / info.eps


def _forward(f, p, s, a):
    """``q``, ``t``, ``lse`` and ``p . f`` of each row (``lse`` and ``p . f`` as columns).

    ``q / t`` is ``softmax(f + log w)`` and ``lse = logsumexp(f + log w)``.
    """
    n_rows, n_labels = f.shape
    q = torch.softmax(f, dim=1)
    # logsumexp(f) = max f - log max softmax(f): the largest softmax entry is
    # 1 / sum_j exp(f_j - max f)
    lse = f.amax(dim=1, keepdim=True).sub_(q.amax(dim=1, keepdim=True).log_())
    pf, t = f.new_empty((n_rows, 1)), f.new_empty((n_rows, 1))
    step = max(1, min(n_rows, _BLOCK_ELEMENTS // max(n_labels, 1)))
    scratch = f.new_empty((step, n_labels))
    for start in range(0, n_rows, step):
        rows = slice(start, min(start + step, n_rows))
        block, q_rows = scratch[:rows.stop - rows.start], q[rows]
        q_rows.mul_(torch.mul(s[rows], -a, out=block).sigmoid_())
        torch.sum(q_rows, dim=1, keepdim=True, out=t[rows])
        torch.sum(torch.mul(p[rows], f[rows], out=block), dim=1, keepdim=True, out=pf[rows])
    lse.add_(t.log())
    low = (t < _underflow_threshold(f.dtype, n_labels)).view(-1).nonzero().view(-1)
    if low.numel():
        z = F.logsigmoid(s[low] * -a).add_(f[low])
        lse[low] = torch.logsumexp(z, dim=1, keepdim=True)
        q[low] = torch.softmax(z, dim=1)
        t[low] = 1.0
    return q, t, lse, pf


class DoubleDistillationFunction(torch.autograd.Function):
    """Per-row double-distillation loss ``logsumexp(f + log sigmoid(-a s)) - p . f``.

    ``apply(logits, teacher_probs, teacher_logits, a)`` with three ``(n, L)`` tensors
    of one dtype and a float ``a > 0``; returns the ``(n,)`` losses. Gradients flow to
    all three tensors (the ones that require them).
    """

    @staticmethod
    def forward(ctx, f, p, s, a):
        q, t, lse, pf = _forward(f, p, s, a)
        ctx.a, ctx.q, ctx.t = a, q, t
        ctx.save_for_backward(f, p, s)
        return lse.sub_(pf).view(-1)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        f, p, s = ctx.saved_tensors
        a, q, t = ctx.a, ctx.q, ctx.t
        # the gradient is written over q, which nothing else needs; a second backward
        # (retain_graph=True) recomputes it
        ctx.q = ctx.t = None
        if q is None:
            q, t, _, _ = _forward(f, p, s, a)
        g = grad.view(-1, 1)
        scale = g / t
        grad_f = grad_p = grad_s = None
        if ctx.needs_input_grad[1]:
            grad_p = torch.mul(f, -g)
        if ctx.needs_input_grad[2]:
            # d log sigmoid(-a s) / ds = -a sigmoid(a s)
            grad_s = torch.mul(s, a).sigmoid_().mul_(q).mul_(scale * -a)
        if ctx.needs_input_grad[0]:
            grad_f = q.mul_(scale).addcmul_(p, g, value=-1)
        return grad_f, grad_p, grad_s, None


def check_scale(a):
    """The scale ``a`` of the teacher logits as a float: a finite number > 0.

    A tensor is read as its value; one that requires grad is refused, since no gradient
    reaches ``a``.
    """
    if isinstance(a, torch.Tensor):
        if a.requires_grad:
            raise TypeError(
                "a must be a number: the double-distillation loss passes no gradient to a. "
                "Pass a.item() to use its current value."
            )
        if a.numel() != 1:
            raise ValueError(f"a must be a single number; got a tensor of shape {tuple(a.shape)}.")
        a = a.item()
    if isinstance(a, bool) or not isinstance(a, Real) or not 0 < a < math.inf:
        raise ValueError(f"a must be a finite number > 0; got {a!r}.")
    return float(a)


def _describe(value):
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return type(value).__name__


def per_row_loss(logits, teacher_probs, teacher_logits, a, sample_weight=None):
    """Check the tensors of :func:`skdistill.losses.double_distillation_loss` and return
    its ``(n,)`` per-row losses (``a`` already checked, ``sample_weight`` only checked)."""
    if not (isinstance(logits, torch.Tensor) and logits.ndim == 2
            and torch.is_floating_point(logits)):
        raise ValueError(
            "logits must be a 2-D floating-point tensor of shape (n_samples, n_classes); "
            f"got {_describe(logits)}."
        )
    if logits.shape[1] == 0:
        raise ValueError(
            "logits must have at least one column (class); got shape "
            f"{tuple(logits.shape)}."
        )
    for name, value in (("teacher_probs", teacher_probs), ("teacher_logits", teacher_logits)):
        if not (isinstance(value, torch.Tensor) and value.shape == logits.shape):
            raise ValueError(
                f"{name} must be a tensor of the shape of logits, {tuple(logits.shape)}; "
                f"got {_describe(value)}."
            )
    if sample_weight is not None and not (
        isinstance(sample_weight, torch.Tensor) and sample_weight.shape == logits.shape[:1]
    ):
        raise ValueError(
            f"sample_weight must be a tensor of shape ({logits.shape[0]},), one weight per "
            f"row of logits; got {_describe(sample_weight)}."
        )
    return DoubleDistillationFunction.apply(
        logits, teacher_probs.to(logits.dtype), teacher_logits.to(logits.dtype), a
    )
