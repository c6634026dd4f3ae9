"""What the teacher step and the student adapters both need of a skorch net, to predict.

A skorch ``NeuralNetClassifier`` or plain ``NeuralNet`` (or a subclass, or a
``Pipeline`` ending in one) is recognised without importing skorch; its input is cast
to float32 (sparse rows densified a batch at a time); its probabilities, logits and
scores are computed in row batches and checked; and a fit can draw its randomness from
a seed (:func:`torch_seeded`). Fitting a net lives in ``_net_fitting.py``. Neither the
teacher step nor any adapter is imported here: both build on this module.
"""

from __future__ import annotations

import contextlib

import numpy as np
from scipy import sparse
from sklearn.utils import _safe_indexing, assert_all_finite

from ._pipelines import final_estimator, to_final_estimator
from ._validation import check_probabilities

# -- recognising a net --------------------------------------------------------------


def _mro_names(est):
    return {(cls.__module__.split(".")[0], cls.__name__) for cls in type(est).__mro__}


def is_skorch_net(est):
    """True for a skorch ``NeuralNet`` or subclass, without importing skorch."""
    return ("skorch", "NeuralNet") in _mro_names(est)


def is_classifier_net(net):
    """True for a skorch ``NeuralNetClassifier`` or subclass."""
    return ("skorch", "NeuralNetClassifier") in _mro_names(net)


def is_regressor_net(net):
    """True for a skorch ``NeuralNetRegressor`` or subclass."""
    return ("skorch", "NeuralNetRegressor") in _mro_names(net)


def ends_in_skorch_net(estimator):
    """True for a skorch net or a ``Pipeline`` ending in one.

    Such an estimator's ``predict`` does not return class labels
    (``NeuralNetClassifier.predict`` returns indices into ``classes_``,
    ``NeuralNet.predict`` returns probabilities), and it wants float32 input.
    """
    return is_skorch_net(final_estimator(estimator))


def check_net_kind(net):
    """Refuse net classes that cannot give one probability per class."""
    if ("skorch", "NeuralNetBinaryClassifier") in _mro_names(net):
        raise TypeError(
            "NeuralNetBinaryClassifier has a single output and fixed classes_ [0, 1]; use "
            "NeuralNetClassifier with a module that outputs 2 logits instead."
        )


# -- data ---------------------------------------------------------------------------


def as_float32(X):
    """Cast numeric arrays (and floating tensors) to float32; leave anything else alone.

    Integer tensors stay integer (e.g. token ids for an embedding); integer numpy
    arrays are features in scikit-learn and become float32. NaN or infinity in numeric
    input is refused with scikit-learn's error, which a net would not raise: it would
    predict NaN.
    """
    import torch

    if isinstance(X, torch.Tensor):
        return X.float() if torch.is_floating_point(X) else X
    if sparse.issparse(X):
        X = X.astype(np.float32).tocsr()
        assert_all_finite(X.data, input_name="X")
        return X
    if hasattr(X, "iloc") or isinstance(X, (np.ndarray, list, tuple)):
        arr = np.asarray(X)
        if arr.dtype.kind in "fiubO":  # object arrays of numbers too, as check_array does
            arr = arr.astype(np.float32, copy=False)
            assert_all_finite(arr, input_name="X")
            return arr
    return X


# -- probabilities --------------------------------------------------------------------


def predict_net_proba(estimator, X):
    """``predict_proba`` of a fitted net (or a pipeline ending in one) on float32 input.

    Sparse input is densified a batch of rows at a time.
    """
    return _call_net(estimator, X, "predict_proba")


def predict_net_values(estimator, X):
    """``predict`` of a fitted regression net (or a pipeline ending in one), float64.

    As :func:`predict_net_proba`: float32 input, sparse rows densified a batch at a
    time. A net predicts ``(n_samples, n_outputs)``, one column for a single target.
    """
    return np.asarray(_call_net(estimator, X, "predict"), dtype=np.float64)


def _call_net(estimator, X, method):
    net, Xt = to_final_estimator(estimator, X)
    predict = getattr(net, method)
    if not sparse.issparse(Xt):
        return predict(as_float32(Xt))
    step = _prediction_rows(net)
    return np.concatenate([
        predict(dense_rows(Xt, np.arange(start, min(start + step, Xt.shape[0]))))
        for start in range(0, Xt.shape[0], step)
    ], axis=0)


def _prediction_rows(net):
    """Rows handed to a net per prediction call: many of its batches, to bound memory."""
    return max(int(getattr(net, "batch_size", 128) or 128), 1) * 64


def criterion_class(net):
    """The class of the net's criterion (given as a class or an instance)."""
    crit = net.criterion
    return crit if isinstance(crit, type) else type(crit)


def _probability_hint(net):
    return (
        f"Its module probably outputs logits while the criterion "
        f"({criterion_class(net).__name__}) makes skorch treat the outputs as probabilities. "
        "Train the net with criterion=torch.nn.CrossEntropyLoss (skorch then applies a "
        "softmax in predict_proba), or end the module with a softmax."
    )


def iter_net_proba(estimator, X, *, batch_size=None):
    """Yield ``(start, stop, proba)`` for consecutive row batches of ``X``.

    ``estimator`` is a fitted net or a pipeline ending in one. Each batch is cast to
    float32 and checked to be probabilities (a module that outputs logits under
    ``NLLLoss`` is a common mistake), then renormalised against float32 round-off, so
    a pool of rows can be labelled batch by batch without holding the whole output.
    """
    net = final_estimator(estimator)
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    step = batch_size or _prediction_rows(net)
    for start in range(0, n, step):
        stop = min(start + step, n)
        proba = predict_net_proba(estimator, _safe_indexing(X, np.arange(start, stop)))
        yield start, stop, check_probabilities(
            proba, n_samples=stop - start, name=f"the teacher net {type(net).__name__}"
            ".predict_proba", atol=1e-4, hint=_probability_hint(net), renormalize=True,
        )


def net_scores(estimator, X):
    """Scores and probabilities of a fitted net (or a pipeline ending in one), float32.

    A module trained with a cross-entropy (skorch's softmax ``predict_proba``) gives its
    logits as scores and their softmax as probabilities; a module that outputs
    probabilities gives them, with their log-odds as scores.

    Returns
    -------
    scores, proba : ndarray of shape (n_samples, n_outputs) each
    """
    import torch

    net, Xt = to_final_estimator(estimator, X)
    if not outputs_logits(net):
        proba = check_probabilities(
            predict_net_proba(net, Xt), name=f"the net {type(net).__name__}.predict_proba",
            atol=1e-4, hint=_probability_hint(net), renormalize=True,
        ).astype(np.float32)
        return log_odds(proba), proba
    logits = net_logits(net, Xt)
    return logits, torch.softmax(torch.from_numpy(logits), dim=1).numpy()


def outputs_logits(net):
    """Whether a fitted net's module outputs logits (it was trained with a cross-entropy,
    so skorch's ``predict_proba`` applies a softmax)."""
    import torch

    return isinstance(getattr(net, "criterion_", None), torch.nn.CrossEntropyLoss)


def net_logits(net, X):
    """The module's outputs (logits) of a fitted net on ``X`` (dense or sparse), float32.

    A module that reads sparse rows (``reads_sparse``) gets them as they are, in the
    net's batches; any other gets them densified.
    """
    import torch

    if sparse.issparse(X) and reads_sparse(net):
        return _sparse_logits(net, X)
    X = dense_rows(X, np.arange(X.shape[0])) if sparse.issparse(X) else as_float32(X)
    with torch.no_grad():
        return net.forward(X, training=False).cpu().numpy()


def reads_sparse(net):
    """Whether a fitted net's module takes sparse rows itself (``module.sparse``, as the
    modules of :mod:`skdistill.nets` built with ``sparse=True``)."""
    return bool(getattr(getattr(net, "module_", None), "sparse", False))


def _sparse_logits(net, X):
    import torch

    module = net.module_
    training = module.training
    module.eval()
    step = max(int(getattr(net, "batch_size", 128) or 128), 1)
    try:
        with torch.no_grad():
            parts = [module(sparse_rows(X, np.arange(start, min(start + step, X.shape[0]))))
                     .cpu().numpy() for start in range(0, X.shape[0], step)]
    finally:
        module.train(training)
    return np.concatenate(parts, axis=0) if parts else np.empty((0, 0), np.float32)


def log_odds(P):
    """``log p - log(1 - p)``, the scores whose sigmoid is ``p`` (-inf at 0, inf at 1)."""
    with np.errstate(divide="ignore"):
        return np.log(P) - np.log1p(-P)


def net_proba(estimator, X, *, batch_size=None):
    """Probabilities of a fitted net (or a pipeline ending in one), in row batches.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_outputs), float64
    """
    parts = [proba for _, _, proba in iter_net_proba(estimator, X, batch_size=batch_size)]
    return np.concatenate(parts, axis=0)


def dense_rows(X, rows):
    """Rows of ``X`` (array or sparse matrix) as a dense float32 array."""
    part = _safe_indexing(X, rows)
    part = np.asarray(part.toarray() if sparse.issparse(part) else part, dtype=np.float32)
    assert_all_finite(part, input_name="X")
    return part


def sparse_rows(X, rows):
    """Rows of a sparse matrix ``X`` as a coalesced float32 torch sparse COO tensor."""
    import torch

    part = sparse.csr_matrix(X[rows], dtype=np.float32)
    part.sum_duplicates()  # canonical: sorted, unique columns per row
    row = np.repeat(np.arange(part.shape[0]), np.diff(part.indptr))
    indices = torch.from_numpy(np.stack([row, part.indices.astype(np.int64)]))
    return torch.sparse_coo_tensor(indices, torch.from_numpy(part.data), part.shape,
                                   check_invariants=False, is_coalesced=True)



@contextlib.contextmanager
def torch_seeded(seed):
    """Run the block on a forked torch CPU RNG seeded with ``seed`` (no-op for None).

    The global torch RNG is left as it was; weight initialisation, dropout and the
    data loader's shuffling inside the block draw from the seeded fork.
    """
    if seed is None:
        yield
        return
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
