"""Ready-made torch modules for distillation students and teachers.

All modules output **logits** and say so with the class attribute
``outputs_logits = True``: skdistill then trains them with a softmax
cross-entropy even under skorch's default ``criterion=NLLLoss`` (with plain
skorch, pass ``criterion=torch.nn.CrossEntropyLoss``). They cast their
input to the dtype of their weights, so float64 arrays from scikit-learn work.
``n_features=None`` infers the input width on the first forward pass
(:class:`torch.nn.LazyLinear`); ``n_classes=None`` is filled in by skdistill
with the number of classes when it fits the net, and must be given otherwise.

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
from torch import nn

from ._nets import torch_seeded

__all__ = ["BottleneckModule", "LinearModule", "MLPModule"]

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

    Examples
    --------
    >>> import torch
    >>> from skdistill.nets import MLPModule
    >>> net = MLPModule(4, 3, hidden_units=(16, 8))
    >>> net(torch.zeros(5, 4, dtype=torch.float64)).shape
    torch.Size([5, 3])
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
        self.random_state = random_state
        self._lazy = n_features is None
        with torch_seeded(self.random_state):
            self.layers = self._build(n_features, n_classes, hidden_units, activation, dropout)

    @staticmethod
    def _build(n_features, n_classes, hidden_units, activation, dropout):
        layers = []
        n_in = n_features
        for h in hidden_units:
            layers.append(_linear(n_in, h))
            act = _make_activation(activation)
            if act is not None:
                layers.append(act)
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            n_in = h
        layers.append(_linear(n_in, n_classes))
        return nn.Sequential(*layers)

    def forward(self, X):
        # float64 input from scikit-learn code would clash with float32 weights
        dtype = self.layers[-1].weight.dtype
        X = torch.as_tensor(X).to(dtype).reshape(len(X), -1)
        if self._lazy:
            # the first pass sizes (and initialises) the lazy layers: seed it too
            with torch_seeded(self.random_state):
                out = self.layers(X)
            self._lazy = False
            return out
        return self.layers(X)


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

    Examples
    --------
    >>> import torch
    >>> from skdistill.nets import BottleneckModule
    >>> BottleneckModule(20, 100, width=8)(torch.zeros(2, 20)).shape
    torch.Size([2, 100])
    """

    def __init__(self, n_features=None, n_classes=None, width=8, random_state=None):
        super().__init__(
            n_features, n_classes, hidden_units=(width,), activation=None,
            random_state=random_state,
        )
