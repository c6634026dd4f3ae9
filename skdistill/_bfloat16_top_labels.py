r"""A net teacher's top labels over many labels: found in bfloat16, rescored in float32.

The teacher's targets at scale (:mod:`skdistill._teacher_targets`) need, of every
training row, the teacher's ``m`` best labels out of all ``L``: a pass of its output
layer over every label of every row, ``n L h`` multiply-adds for a hidden layer of width
``h``, the costliest part of the fit at 10^5-10^6 labels. On a CPU with bfloat16 dot
products that pass runs about three times faster in bfloat16, and only the order of
the scores is needed from it: this module takes each row's ``c = m + slack`` best labels
by the bfloat16 scores (the *candidates*), rescores them in float32, and keeps the
``m`` best by the float32 scores. So the kept labels' scores are float32 (the output
layer's rows of those labels times the float32 hidden layer).

Whether the kept labels are the float32 top ``m`` is checked, row by row, with a bound on
the bfloat16 score's error. For label ``j`` with output row ``w_j``, bias ``b_j`` and the
row's hidden layer ``x``, the score ``x . w_j + b_j`` is computed from ``x`` and ``w_j``
rounded to bfloat16 (unit roundoff ``u = 2^-8``), the products accumulated in float32,
the sum rounded to bfloat16 and the float32 bias added. Its error is at most

.. math::  |\tilde s_j - s_j| \le C \, \lVert x \rVert \, \lVert w_j \rVert,
   \qquad C = (2u + u^2 + \gamma)(1 + u) + u / (1 - u) \le 0.0122,

(the products: ``2u + u^2`` of ``sum |x_i w_ji|``; the float32 accumulation ``gamma = h
2^-24``, at most ``4 \cdot 10^{-4}`` up to ``h = 6,000``; the rounding of the sum, ``u``
of its magnitude; Cauchy-Schwarz bounds ``sum |x_i w_ji|`` by the norms). A label outside
the candidates has a bfloat16 score at most the candidates' smallest, so a true score at
most that plus :math:`C \lVert x \rVert \max_j \lVert w_j \rVert` (the row's *upper
score*, found without another pass over the labels); when the ``m``-th kept float32
score is above it, the kept labels are the top ``m`` of every label. A row where it is
not is scored again over every label in float32 (its targets then are the float32
path's); ``TeacherTargets.full_pass_rows`` counts them.

What the rest of the row weighs is computed with the bfloat16 scores of the labels
outside the candidates:

- the largest dropped score is the largest float32 score of a dropped candidate or the
  row's upper score: an upper bound, so the bound on the weights of the labels not kept
  stays a true bound;
- the log-probabilities of the kept labels ``s_j - lse`` take the log-sum-exp ``lse`` of
  the float32 scores of the candidates and the bfloat16 scores of the others, so they
  are off by at most ``log(1 + r (e^{\epsilon} - 1))`` for ``r`` the share of the
  others in the sum and ``\epsilon`` their largest error;
- the dropped mass is computed from the same scores (an estimate, off by as much; the
  kept labels' shares of the kept mass do not depend on ``lse`` at all, so the
  positives, those shares times the kept mass, are off by at most as much); the
  largest dropped log-probability is the largest dropped score less the log-sum-exp of
  the candidates alone, an upper bound.
"""

from __future__ import annotations

import numpy as np

from ._nets import dense_rows, is_skorch_net, outputs_logits, reads_sparse, sparse_rows

# the bound's constant C for hidden layers up to _MAX_WIDTH units (see above)
_U = 2.0**-8
_MAX_WIDTH = 6000
_ERROR_CONSTANT = (2 * _U + _U**2 + _MAX_WIDTH * 2.0**-24) * (1 + _U) + _U / (1 - _U)
#: candidates per row beyond the ``m`` kept: the room the bfloat16 order has to be off
SLACK = 48


def bfloat16_is_fast():
    """Whether this CPU has bfloat16 dot products that torch's matrix products use."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class Bfloat16TopLabels:
    """The top labels of a fitted net teacher whose module ends in a linear output layer
    (``module.hidden(X)``, ``module.output_layer``, as :mod:`skdistill.nets`' modules).

    Parameters
    ----------
    net : fitted skorch net
    X : {ndarray, sparse matrix}
        The rows, read a block at a time as the net reads them.
    """

    def __init__(self, net, X):
        import torch

        self.module, self.X = net.module_, X
        self.sparse_input = reads_sparse(net)
        layer = self.module.output_layer
        self.weight = layer.weight.detach().float()
        self.bias = (layer.bias.detach().float() if layer.bias is not None
                     else torch.zeros(len(self.weight)))
        self.weight_bf16 = self.weight.bfloat16()
        self.weight_norm = torch.linalg.vector_norm(self.weight, dim=1)

    @classmethod
    def of(cls, teacher, X, classes):
        """The scorer of a teacher adapter, or None where this one does not apply: not a
        fitted net with logits, a module without ``hidden`` and a linear
        ``output_layer``, labels in another order than ``classes``, or a wider hidden
        layer than the bound covers."""
        import torch

        net = teacher.estimator
        if not (is_skorch_net(net) and outputs_logits(net)):
            return None
        module = getattr(net, "module_", None)
        layer = getattr(module, "output_layer", None)
        if not (hasattr(module, "hidden") and isinstance(layer, torch.nn.Linear)):
            return None
        if layer.in_features > _MAX_WIDTH or not np.array_equal(
                np.asarray(getattr(net, "classes_", [])), np.asarray(classes)):
            return None
        return cls(net, X)

    def hidden(self, rows):
        import torch

        if self.sparse_input:
            Xb = sparse_rows(self.X, rows)
        else:
            Xb = torch.from_numpy(dense_rows(self.X, rows))
        training = self.module.training
        self.module.eval()
        try:
            with torch.no_grad():
                return self.module.hidden(Xb).float()
        finally:
            self.module.train(training)

    def float32_scores(self, hidden):
        """Every label's float32 score, ``(rows, L)``."""
        import torch

        return torch.nn.functional.linear(hidden, self.weight, self.bias)

    def bfloat16_scores(self, hidden):
        """Every label's score from the bfloat16 product and the float32 bias, ``(rows,
        L)`` float32, in an array kept from block to block (overwritten by the next call).

        The values of ``torch.add(product, bias)``, at half its cost: a mixed-type add
        runs on a slow path in torch, a cast (exact) then a float32 add do not.
        """
        import torch

        products = torch.mm(hidden.bfloat16(), self.weight_bf16.t(),
                            out=self._buffer("_products", len(hidden), torch.bfloat16))
        scores = self._buffer("_scores", len(hidden), torch.float32)
        return scores.copy_(products).add_(self.bias)

    def top(self, hidden, m, temperature):
        """The top ``m`` labels of each row of ``hidden`` found in bfloat16.

        Returns
        -------
        found : dict of tensors
            ``labels``, ``scores`` (float32, best first), ``log_proba``,
            ``dropped_mass``, ``dropped_score``, ``dropped_log_proba`` (see
            :class:`~skdistill._teacher_targets.TeacherTargets`) and ``certified``
            (bool per row: the kept labels are the top ``m`` of every label).
        """
        import torch

        n_labels = len(self.weight)
        c = min(m + SLACK, n_labels)
        with torch.no_grad():
            approx = self.bfloat16_scores(hidden)
            approx_candidates, candidates = approx.topk(c, dim=1, sorted=False)
            rescored = torch.bmm(self.weight[candidates], hidden.unsqueeze(2)).squeeze(2)
            rescored += self.bias[candidates]
            rescored, order = rescored.sort(dim=1, descending=True)
            candidates = candidates.gather(1, order)
            approx_candidates = approx_candidates.gather(1, order)
            kept, dropped = rescored[:, :m], rescored[:, m:]
            # every other label's bfloat16 score is at most the candidates' smallest one,
            # so its true score at most that plus the largest error bound
            upper = (approx_candidates.amin(dim=1) + _ERROR_CONSTANT
                     * torch.linalg.vector_norm(hidden, dim=1) * self.weight_norm.max())
            if c == n_labels:
                upper.fill_(-np.inf)
            dropped_score = (torch.maximum(upper, dropped.amax(dim=1)) if dropped.shape[1]
                             else upper)
            # the sums of exp over every label: the candidates' float32 scores and the
            # others' bfloat16 ones (the candidates' places emptied: c entries a row)
            approx.scatter_(1, candidates, -np.inf)
            shift = rescored[:, :1]
            others = {}
            if temperature != 1.0:
                others[temperature] = _sum_exp(approx, shift, temperature)
            others[1.0] = approx.sub_(shift).exp_().sum(dim=1)
            total = {t: _sum_exp(rescored, shift, t) + rest for t, rest in others.items()}
            lse = shift.squeeze(1) + total[1.0].log()
            return {
                "labels": candidates[:, :m],
                "scores": kept,
                "log_proba": kept - lse.unsqueeze(1),
                "dropped_mass": (1.0 - _sum_exp(kept, shift, temperature)
                                 / total[temperature]).clamp_(min=0.0),
                "dropped_score": dropped_score,
                "dropped_log_proba": dropped_score - torch.logsumexp(rescored, dim=1),
                "certified": kept[:, -1] > upper,
            }

    def _buffer(self, name, n_rows, dtype):
        """A (n_rows, n_labels) array of ``dtype`` kept as attribute ``name`` from block to
        block: a fresh one would cost its pages' first touch at every block."""
        import torch

        kept = getattr(self, name, None)
        if kept is None or kept.shape[0] < n_rows:
            kept = torch.empty(n_rows, len(self.weight), dtype=dtype)
            setattr(self, name, kept)
        return kept[:n_rows]


def _sum_exp(values, shift, temperature):
    """``sum exp((values - shift) / T)`` per row, ``shift`` the row's largest score: its
    term 1, the others exact down to any ``T > 0``."""
    import torch

    shifted = values - shift
    if temperature != 1.0:
        shifted = torch.where(shifted == 0, 0.0, shifted / temperature)
    return shifted.exp_().sum(dim=1)
