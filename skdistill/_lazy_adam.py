"""Adam that updates only the rows a sparse gradient touches.

A net over hundreds of thousands of labels or features, trained on a sample of its
output rows and on sparse input rows, touches a few thousand rows of its largest weight
matrices per step. ``torch.optim.Adam`` refuses sparse gradients, and with dense ones
it updates every row at every step; ``torch.optim.SparseAdam`` takes only sparse ones.
:class:`LazyAdam` takes both: a dense gradient gets Adam's update, a sparse one the
same update on its rows only ("lazy" Adam, as ``SparseAdam`` and TensorFlow's
``LazyAdam`` do: the moments of a row not in the gradient are left as they are, not
decayed).
"""

from __future__ import annotations

import math

import torch


class LazyAdam(torch.optim.Optimizer):
    r"""Adam for dense gradients, row-wise (lazy) Adam for sparse ones.

    For a dense gradient :math:`g` the update is Adam's (Kingma and Ba, 2015, without
    weight decay or AMSGrad): :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
    :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`,
    :math:`\theta \leftarrow \theta - \frac{\eta}{1 - \beta_1^t}\,
    m / (\sqrt{v / (1 - \beta_2^t)} + \epsilon)`. For a sparse gradient (an
    embedding's or a gathered output row's, ``sparse=True``) the same three lines run on
    the rows the gradient holds; :math:`t` counts the parameter's steps.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups, as for :class:`torch.optim.Adam`.
    lr : float, default=1e-3
    betas : (float, float), default=(0.9, 0.999)
    eps : float, default=1e-8

    Examples
    --------
    >>> import torch
    >>> from skdistill.nets import LazyAdam
    >>> table = torch.nn.Embedding(5, 2, sparse=True)
    >>> before = table.weight.detach().clone()
    >>> optimizer = LazyAdam(table.parameters(), lr=0.1)
    >>> table(torch.tensor([1, 3])).sum().backward()
    >>> optimizer.step()
    >>> torch.equal(table.weight[[0, 2, 4]], before[[0, 2, 4]])   # untouched rows
    True
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        if not 0.0 <= lr:
            raise ValueError(f"lr must be >= 0; got {lr!r}.")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"betas must be in [0, 1); got {betas!r}.")
        if not 0.0 < eps:
            raise ValueError(f"eps must be > 0; got {eps!r}.")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient.

        Parameters
        ----------
        closure : callable, default=None
            Re-evaluates the model and returns the loss.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(param,
                                                           memory_format=torch.preserve_format)
                state["step"] += 1
                t = state["step"]
                step_size = group["lr"] / (1 - beta1**t)
                root_correction = math.sqrt(1 - beta2**t)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                if grad.is_sparse:
                    _sparse_update(param, grad, m, v, beta1, beta2, step_size,
                                   root_correction, group["eps"])
                    continue
                m.mul_(beta1).add_(grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = v.sqrt().div_(root_correction).add_(group["eps"])
                param.addcdiv_(m, denom, value=-step_size)
        return loss


def _sparse_update(param, grad, m, v, beta1, beta2, step_size, root_correction, eps):
    """Adam's update on the rows of a sparse (COO) gradient only."""
    grad = grad.coalesce()  # one entry per row: repeated rows are summed
    rows, values = grad.indices()[0], grad.values()
    m_rows = m.index_select(0, rows).mul_(beta1).add_(values, alpha=1 - beta1)
    v_rows = v.index_select(0, rows).mul_(beta2).addcmul_(values, values, value=1 - beta2)
    m.index_copy_(0, rows, m_rows)
    v.index_copy_(0, rows, v_rows)
    update = m_rows.div_(v_rows.sqrt_().div_(root_correction).add_(eps)).mul_(-step_size)
    param.index_add_(0, rows, update)
