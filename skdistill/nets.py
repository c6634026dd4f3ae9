"""Ready-made torch modules for distillation students and teachers.

All modules output **logits** and say so with the class attribute
``outputs_logits = True``: skdistill then trains them with a softmax
cross-entropy even under skorch's default ``criterion=NLLLoss`` (with plain
skorch, pass ``criterion=torch.nn.CrossEntropyLoss``). They cast their
input to the dtype of their weights, so float64 arrays from scikit-learn work.
``n_features=None`` infers the input width on the first forward pass
(:class:`torch.nn.LazyLinear`); ``n_classes=None`` is filled in by skdistill
with the number of classes when it fits the net, and must be given otherwise.

For many labels, every module scores a subset of them on request
(``forward(X, label_subset)``: the logits of those labels only, from the rows of the
output layer's weight, as a sampled softmax needs), and with ``sparse=True`` reads
sparse input rows as an embedding bag; both then give sparse gradients, which
:class:`LazyAdam` updates row by row.

This module imports torch; ``import skdistill`` does not.

Examples
--------
>>> import numpy as np
>>> import torch
>>> from skorch import NeuralNetClassifier
>>> from skdistill.nets import MLPModule
>>> net = NeuralNetClassifier(
...     MLPModule, module__n_classes=2, module__hidden_units=(8,),
...     criterion=torch.nn.CrossEntropyLoss, max_epochs=2, verbose=0,
... )
>>> X = np.random.RandomState(0).normal(size=(40, 3)).astype("float32")
>>> net.fit(X, (X[:, 0] > 0).astype("int64")).predict_proba(X[:2]).shape
(2, 2)
"""

from __future__ import annotations

from numbers import Integral

import torch
import torch.nn.functional as F
from torch import nn

from ._lazy_adam import LazyAdam
from ._nets import torch_seeded

__all__ = ["BottleneckModule", "LazyAdam", "LinearModule", "MLPModule"]

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}


def _check_positive_int(value, name, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")


def _make_activation(activation):
    if activation is None or activation == "identity":
        return None
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be None, 'identity', one of {sorted(_ACTIVATIONS)}, or a "
                f"torch.nn.Module class; got {activation!r}."
            )
        return _ACTIVATIONS[activation]()
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    raise ValueError(
        f"activation must be None, a name such as 'relu', or a torch.nn.Module class "
        f"(e.g. torch.nn.ReLU); got {activation!r}."
    )


def _linear(n_in, n_out):
    return nn.LazyLinear(n_out) if n_in is None else nn.Linear(n_in, n_out)


class _SparseInputLinear(nn.Module):
    """``x W + b`` for dense or sparse rows, its weight stored one row per feature.

    Sparse rows (a torch sparse COO tensor) go through an embedding bag, which costs the
    row's non-zeros times the width and gives the weight a sparse gradient (the rows of
    the features in the batch); dense rows are multiplied as by :class:`torch.nn.Linear`.
    Initialised as :class:`torch.nn.Linear` is.
    """

    def __init__(self, n_in, n_out):
        super().__init__()
        bound = 1 / n_in**0.5
        self.weight = nn.Parameter(torch.empty(n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_out).uniform_(-bound, bound))

    def forward(self, X):
        if not X.is_sparse:
            return torch.addmm(self.bias, X.to(self.weight.dtype), self.weight)
        X = X.coalesce()
        rows, columns = X.indices()
        offsets = torch.searchsorted(rows, torch.arange(X.shape[0], device=rows.device))
        return F.embedding_bag(columns, self.weight, offsets, mode="sum",
                               per_sample_weights=X.values().to(self.weight.dtype),
                               sparse=True) + self.bias


class MLPModule(nn.Module):
    """Feed-forward network: ``Linear -> activation -> dropout`` blocks, then a linear output.

    Parameters
    ----------
    n_features : int or None, default=None
        Input width; None infers it on the first forward pass.
    n_classes : int
        Output width (number of classes). skdistill sets it when it fits the net;
        with plain skorch pass ``module__n_classes``.
    hidden_units : sequence of int, default=(128,)
        Width of each hidden layer; ``()`` is a linear model.
    activation : str, torch.nn.Module class or None, default="relu"
        Nonlinearity after each hidden layer ("relu", "tanh", "gelu", "sigmoid",
        "elu", "leaky_relu"); None or "identity" makes the hidden layers linear.
    dropout : float in [0, 1), default=0
        Dropout probability after each hidden layer.
    random_state : int or None, default=None
        Seed of the weight initialisation (also of lazily sized layers at their
        first forward pass), drawn from a forked torch RNG so the global one is
        untouched. None uses torch's global RNG. For reproducible training also
        fix the data order (``iterator_train__shuffle=False``) or seed torch.
    sparse : bool, default=False
        Read sparse input rows (a torch sparse COO tensor) through an embedding bag,
        at the cost of their non-zeros rather than of ``n_features``, and give the
        first layer's weight and the output rows gathered by ``label_subset`` sparse
        gradients (train with :class:`LazyAdam`). The first layer's weight is then
        stored one row per feature. Needs ``n_features`` and a hidden layer.

    Examples
    --------
    >>> import torch
    >>> from skdistill.nets import MLPModule
    >>> net = MLPModule(4, 3, hidden_units=(16, 8))
    >>> net(torch.zeros(5, 4, dtype=torch.float64)).shape
    torch.Size([5, 3])
    >>> net(torch.zeros(5, 4), label_subset=torch.tensor([[2, 0]]).expand(5, 2)).shape
    torch.Size([5, 2])
    """

    #: read by skdistill: the outputs are logits, whatever the net's criterion says
    outputs_logits = True

    def __init__(
        self,
        n_features=None,
        n_classes=None,
        hidden_units=(128,),
        activation="relu",
        dropout=0.0,
        random_state=None,
        sparse=False,
    ):
        super().__init__()
        _check_positive_int(n_features, "n_features", allow_none=True)
        if n_classes is None:
            raise ValueError(
                f"{type(self).__name__} needs n_classes (its output width). skdistill sets it "
                "when it fits the net as a student or teacher; with plain skorch pass "
                "module__n_classes=<number of classes>."
            )
        _check_positive_int(n_classes, "n_classes")
        hidden_units = (hidden_units,) if isinstance(hidden_units, Integral) else hidden_units
        for h in hidden_units:
            _check_positive_int(h, "each entry of hidden_units")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}.")
        if random_state is not None and (
            isinstance(random_state, bool) or not isinstance(random_state, Integral)
        ):
            raise ValueError(f"random_state must be an int or None; got {random_state!r}.")
        if sparse and (n_features is None or not hidden_units):
            raise ValueError(
                f"{type(self).__name__}(sparse=True) reads sparse rows through its first "
                "layer, so it needs n_features (the input width) and at least one hidden "
                f"layer; got n_features={n_features!r}, hidden_units={tuple(hidden_units)!r}."
            )
        self.random_state = random_state
        self.sparse = bool(sparse)
        self._lazy = n_features is None
        with torch_seeded(self.random_state):
            self.layers = self._build(n_features, n_classes, hidden_units, activation, dropout,
                                      self.sparse)

    @staticmethod
    def _build(n_features, n_classes, hidden_units, activation, dropout, sparse=False):
        layers = []
        n_in = n_features
        for i, h in enumerate(hidden_units):
            layers.append(_SparseInputLinear(n_in, h) if sparse and i == 0 else _linear(n_in, h))
            act = _make_activation(activation)
            if act is not None:
                layers.append(act)
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            n_in = h
        layers.append(_linear(n_in, n_classes))
        return nn.Sequential(*layers)

    def forward(self, X, label_subset=None):
        """Logits of every label, or of the labels in ``label_subset``.

        Parameters
        ----------
        X : tensor of shape (n_rows, n_features)
            Dense rows, or (``sparse=True``) a torch sparse COO tensor.
        label_subset : LongTensor of shape (n_rows, n_subset), default=None
            Per row, the labels to score: ``logits[i, j]`` is the logit of label
            ``label_subset[i, j]`` for row ``i``. Rows that share one subset (an
            expanded 1-D tensor, stride 0 along rows) cost one gather of the output
            layer's rows; its bias is gathered too. None: every label.

        Returns
        -------
        logits : tensor of shape (n_rows, n_classes) or (n_rows, n_subset)
        """
        # float64 input from scikit-learn code would clash with float32 weights
        dtype = self.layers[-1].weight.dtype
        if not (isinstance(X, torch.Tensor) and X.is_sparse):
            X = torch.as_tensor(X).to(dtype).reshape(len(X), -1)
        if self._lazy:
            # the first pass sizes (and initialises) the lazy layers: seed it too
            with torch_seeded(self.random_state):
                out = self.layers(X)
            self._lazy = False
            return out if label_subset is None else out.gather(1, label_subset)
        if label_subset is None:
            return self.layers(X)
        return _subset_logits(self.layers[-1], self.layers[:-1](X), label_subset, self.sparse)

    @property
    def output_layer(self):
        """The last layer: the logits are ``hidden(X) @ output_layer.weight.T + bias``."""
        return self.layers[-1]

    def hidden(self, X):
        """The output layer's input (the last hidden layer's output; ``X`` itself for a
        linear model), of a fitted module, on rows as :meth:`forward` takes them."""
        if not (isinstance(X, torch.Tensor) and X.is_sparse):
            X = torch.as_tensor(X).to(self.output_layer.weight.dtype).reshape(len(X), -1)
        return self.layers[:-1](X)


def _subset_logits(output, hidden, label_subset, sparse):
    """The output layer's logits of ``label_subset`` (per row) only: a sampled softmax's
    forward pass, at the cost of the subset rather than of every label."""
    label_subset = torch.as_tensor(label_subset, dtype=torch.long, device=hidden.device)
    if label_subset.ndim != 2 or label_subset.shape[0] != hidden.shape[0]:
        raise ValueError(
            "label_subset must have shape (n_rows, n_subset), one row of label indices per "
            f"input row ({hidden.shape[0]}); got shape {tuple(label_subset.shape)}."
        )
    if label_subset.stride(0) == 0:
        # one subset shared by every row: one gather, one matrix product
        labels = label_subset[0]
        weight = F.embedding(labels, output.weight, sparse=sparse)
        return F.linear(hidden, weight, output.bias.index_select(0, labels))
    weight = F.embedding(label_subset, output.weight, sparse=sparse)  # (rows, subset, width)
    logits = torch.bmm(weight, hidden.unsqueeze(2)).squeeze(2)
    return logits + output.bias[label_subset]


class LinearModule(MLPModule):
    """Linear model ``z = W x + b`` (multinomial logistic regression on logits).

    Parameters
    ----------
    n_features : int or None, default=None
        Input width; None infers it on the first forward pass.
    n_classes : int
        Number of classes.
    random_state : int or None, default=None
        Seed of the weight initialisation (see :class:`MLPModule`).

    Examples
    --------
    >>> import torch
    >>> from skdistill.nets import LinearModule
    >>> LinearModule(4, 3)(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_features=None, n_classes=None, random_state=None):
        super().__init__(
            n_features, n_classes, hidden_units=(), activation=None, random_state=random_state
        )


class BottleneckModule(MLPModule):
    """Linear network with a narrow linear hidden layer: ``z = W2 (W1 x + b1) + b2``.

    The paper's retrieval students (section 5.3): a single linear hidden layer
    of width ``h`` much smaller than the number of classes, i.e. a rank-``h``
    linear scorer with ``h * (n_features + n_classes)`` weights.

    Parameters
    ----------
    n_features : int or None, default=None
        Input width; None infers it on the first forward pass.
    n_classes : int
        Number of classes.
    width : int, default=8
        Width ``h`` of the linear hidden layer.
    random_state : int or None, default=None
        Seed of the weight initialisation (see :class:`MLPModule`).
    sparse : bool, default=False
        Sparse input rows through an embedding bag, and sparse gradients of the first
        layer's weight and of the gathered output rows (see :class:`MLPModule`).

    Examples
    --------
    >>> import torch
    >>> from skdistill.nets import BottleneckModule
    >>> BottleneckModule(20, 100, width=8)(torch.zeros(2, 20)).shape
    torch.Size([2, 100])
    """

    def __init__(self, n_features=None, n_classes=None, width=8, random_state=None,
                 sparse=False):
        super().__init__(
            n_features, n_classes, hidden_units=(width,), activation=None,
            random_state=random_state, sparse=sparse,
        )
