"""What the benchmarks share: timing by repeats, and a teacher far from one-hot."""

import time

import numpy as np
from scipy.special import softmax


def timed(fn, repeats=1, reduce=np.median):
    """``(seconds, value)``: ``fn()`` run ``repeats`` times, its wall times reduced by
    ``reduce`` (the median by default; ``min`` for the best of a few), and its last value."""
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return float(reduce(times)), value


def soft_problem(n_samples, n_features, n_classes, scale=1.0, seed=0):
    """Gaussian inputs ``X`` and teacher probabilities ``P``, a softmax of a random linear
    model scaled by ``scale``: far from one-hot at moderate scales, so the soft targets
    cannot be mistaken for labels."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    coef = rng.normal(scale=scale / np.sqrt(n_features), size=(n_features, n_classes))
    return X, softmax(X @ coef, axis=1)
