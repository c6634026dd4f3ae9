import numpy as np
import pytest


@pytest.fixture
def soft_problem():
    """A 3-class problem with genuinely soft targets (a softmax of a linear model)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    logits = X @ rng.normal(size=(4, 3))
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, P
