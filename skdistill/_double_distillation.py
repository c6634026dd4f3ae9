r"""The double-distillation loss per row, forward and backward computed by hand.

Per row, with student scores :math:`f`, teacher probabilities :math:`p` and log
negative weights :math:`\log w` (``log sigmoid(-a s)`` for teacher logits :math:`s`),

.. math::

    \ell = \operatorname{logsumexp}(f + \log w) - p^\top f, \qquad
    \frac{\partial \ell}{\partial f} = q - p, \qquad
    q = \operatorname{softmax}(f + \log w) .

The weights are an input, not computed here: a teacher's targets are fixed, so
``log w`` is computed once per batch with its probabilities (``log sigmoid`` costs
more than the rest of the loss on CPU), and in log space it is exact however
confident the teacher (``s`` in the hundreds underflows ``w`` but not ``log w``).

Autograd of the formula builds several ``(batch, L)`` intermediates in the forward
pass and again in the backward pass. Here the rows go through in blocks small enough
to stay in the CPU cache, each block read once from memory:

- ``z = f + log w`` goes to a scratch block; ``softmax(z)`` is ``q`` (the one fused
  kernel that does the exponentials) and ``logsumexp(z) = max z - log max q``, since
  the largest entry of ``q`` is ``1 / sum_j exp(z_j - max z)``;
- ``p . f`` reuses the scratch block;
- when the logits require a gradient, ``q - p`` is written to the one ``(batch, L)``
  tensor of the call, already times each row's factor when the loss is a mean or a
  sum; it becomes the logits' gradient, so no further ``(batch, L)`` tensor is
  allocated (at large ``L`` the page faults of a fresh tensor cost as much as the
  arithmetic on it), and the backward pass of a loss that ends the graph (incoming
  gradient 1) hands it over without touching it; any other incoming gradient scales
  it in place. A second backward through the same graph (``retain_graph=True``)
  recomputes it.

Under ``torch.compile`` (skorch's ``compile=True`` compiles the criterion) the blocks
would only get in the compiler's way: there the same forward pass is written on whole
tensors, which the compiler fuses into one loop per row that reads each input once
and writes ``q - p``; the backward pass scales it.
"""

from __future__ import annotations

import math
from numbers import Real

import torch
from torch.autograd.function import once_differentiable

# entries of a block of rows: 1 MB in float32, so that a block's few scratch tensors
# stay in the CPU's cache between the passes over them, in few enough blocks that the
# per-operation overhead stays small against the arithmetic
_BLOCK_ELEMENTS = 1 << 18


def _forward(f, p, log_w, gradient, scale=None, check=False):
    """Per-row losses, and ``scale * (q - p)`` when ``gradient`` (else None).

    ``scale``: None (read as 1) or each row's factor in the reduced loss, shape
    ``(n, 1)``. ``check``: raise :class:`LogWeightError` at a log weight that is not
    ``<= 0`` (checked a block at a time, while the block is in the cache).
    """
    n_rows, n_labels = f.shape
    loss = f.new_empty(n_rows)
    residual = torch.empty_like(f, memory_format=torch.contiguous_format) if gradient else None
    step = max(1, min(n_rows, _BLOCK_ELEMENTS // max(n_labels, 1)))
    scratch = f.new_empty((step, n_labels))
    for start in range(0, n_rows, step):
        rows = slice(start, min(start + step, n_rows))
        z, f_rows, p_rows = scratch[:rows.stop - rows.start], f[rows], p[rows]
        torch.add(f_rows, log_w[rows], out=z)
        if check and not log_w[rows].amax() <= 0:
            raise LogWeightError(log_w.amax().item())
        q = torch.softmax(z, dim=1)
        lse = z.amax(dim=1).sub_(q.amax(dim=1).log_())
        torch.sub(lse, torch.mul(p_rows, f_rows, out=z).sum(dim=1), out=loss[rows])
        if not gradient:
            continue
        if scale is None:
            torch.sub(q, p_rows, out=residual[rows])
        else:
            c = scale[rows]
            torch.addcmul(q.mul_(c), p_rows, c, value=-1, out=residual[rows])
    return loss, residual


LOG_WEIGHT_MESSAGE = (
    "the target's second block of L columns must hold log negative weights log w <= 0 "
    "(w = 1 - sigmoid(a s) is at most 1). Build the target with "
    "skdistill.losses.double_distillation_target(teacher_probs, teacher_logits, a)."
)


class LogWeightError(ValueError):
    """A log negative weight above 0 (``w > 1``) or NaN; ``args[0]`` is the largest."""


class DoubleDistillationFunction(torch.autograd.Function):
    """Double-distillation loss ``logsumexp(f + log w) - p . f`` of each row, or their
    sum with given factors.

    ``apply(logits, teacher_probs, log_weights, scale, check)`` with three ``(n, L)``
    tensors of one dtype. ``scale`` None: returns the ``(n,)`` losses; else an
    ``(n, 1)`` tensor of factors ``c`` (no gradient reaches it): returns
    ``sum_n c_n loss_n``, and the logits' gradient, ``c (q - p)``, is complete after
    the forward pass, so that the backward pass of a loss that ends the graph
    (incoming gradient 1) hands it over without a pass over it. Gradients flow to the
    three tensors (the ones that require them). ``check``: see :func:`_forward`.
    """

    @staticmethod
    def forward(ctx, f, p, log_w, scale, check):
        loss, residual = _forward(f, p, log_w, gradient=any(ctx.needs_input_grad[:3]),
                                  scale=scale, check=check)
        ctx.residual, ctx.scale = residual, scale
        ctx.save_for_backward(f, p, log_w)
        return loss if scale is None else torch.mm(loss.view(1, -1), scale).view(())

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        f, p, log_w = ctx.saved_tensors
        scale = ctx.scale
        # the residual is scaled in place into the logits' gradient, which nothing else
        # needs; a second backward (retain_graph=True) recomputes it
        residual, ctx.residual = ctx.residual, None
        if residual is None:
            _, residual = _forward(f, p, log_w, gradient=True, scale=scale)
        # the residual holds scale * (q - p); what is left is the incoming gradient
        g = grad.view(-1, 1)
        factor = g if scale is None else scale * g
        grad_p = grad_log_w = None
        if ctx.needs_input_grad[1]:
            grad_p = torch.mul(f, factor).neg_()
        if ctx.needs_input_grad[2]:
            # d logsumexp(f + log w) / d log w = q
            grad_log_w = torch.mul(residual, g).addcmul_(p, factor)
        grad_f = None
        if ctx.needs_input_grad[0]:
            grad_f = residual if scale is not None and torch.all(g == 1) else residual.mul_(g)
        return grad_f, grad_p, grad_log_w, None, None


class _WholeTensorFunction(torch.autograd.Function):
    """:class:`DoubleDistillationFunction` for ``torch.compile`` to trace: the same
    ``apply(logits, teacher_probs, log_weights, scale)`` on whole tensors, without
    blocks or in-place updates, also returning the largest log weight (for the check,
    fused into the same loop)."""

    @staticmethod
    def forward(ctx, f, p, log_w, scale):
        z = f + log_w
        top = z.amax(dim=1, keepdim=True)
        e = torch.exp(z - top)
        total = e.sum(dim=1, keepdim=True)
        per_row = top + total.log() - (p * f).sum(dim=1, keepdim=True)
        factor = torch.ones_like(per_row) if scale is None else scale
        ctx.reduced = scale is not None
        ctx.save_for_backward((e / total - p) * factor, f, p, factor)
        value = per_row.view(-1) if scale is None else (per_row * scale).sum()
        # row maxima first: a reduction along rows joins the loop over each row, a
        # reduction over the whole tensor would be a pass of its own
        largest = log_w.amax(dim=1).amax()
        ctx.mark_non_differentiable(largest)
        return value, largest

    @staticmethod
    def backward(ctx, grad, _):
        residual, f, p, factor = ctx.saved_tensors
        g = grad if ctx.reduced else grad.view(-1, 1)
        grad_p = -f * (factor * g) if ctx.needs_input_grad[1] else None
        grad_log_w = (residual + p * factor) * g if ctx.needs_input_grad[2] else None
        return residual * g, grad_p, grad_log_w, None


def _compiling():
    """Whether ``torch.compile`` is tracing this call (False on a torch without
    ``torch.compiler.is_compiling``)."""
    is_compiling = getattr(torch.compiler, "is_compiling", None)
    return bool(is_compiling is not None and is_compiling())


def _apply(f, p, log_w, scale, check):
    if not _compiling():
        return DoubleDistillationFunction.apply(f, p, log_w, scale, check)
    value, largest = _WholeTensorFunction.apply(f, p, log_w, scale)
    if check:
        # an assertion inside the compiled graph: a Python test of the value would
        # break the graph in two, which costs a quarter of the loss
        torch._assert_async(largest <= 0, LOG_WEIGHT_MESSAGE)
    return value


def loss(logits, teacher_probs, log_weights, sample_weight=None, reduction="mean",
         check=False):
    """The reduced (or per-row, ``reduction="none"``) loss of checked tensors, in the
    logits' dtype; ``check``: raise :class:`LogWeightError` at a log weight that is
    not ``<= 0``.

    A mean or sum is taken inside the autograd function (each row's factor known
    before the pass), unless the row weights require a gradient.
    """
    p, log_w = teacher_probs.to(logits.dtype), log_weights.to(logits.dtype)
    n = logits.shape[0]
    weights_grad = sample_weight is not None and sample_weight.requires_grad
    if reduction == "none" or weights_grad or n == 0:
        per_row = _apply(logits, p, log_w, None, check)
        if sample_weight is not None:
            per_row = per_row * sample_weight
        if reduction == "none":
            return per_row
        return per_row.sum() if reduction == "sum" else per_row.mean()
    if sample_weight is None:
        scale = logits.new_full((n, 1), 1.0 if reduction == "sum" else 1.0 / n)
    else:
        scale = sample_weight.to(logits.dtype).reshape(n, 1)
        if reduction == "mean":
            scale = scale / n
    return _apply(logits, p, log_w, scale, check)


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


def check_tensors(logits, sample_weight=None, **others):
    """Check the tensors of a double-distillation loss: ``logits`` 2-D floating point
    with at least one column, each of ``others`` (by name) a tensor of its shape and
    ``sample_weight`` None or one weight per row."""
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
    for name, value in others.items():
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
