"""Seeds: the ``random_state`` parameters of an estimator and its nested estimators, the
parts of a fit, and a splitter that shuffles without one."""

from __future__ import annotations

import copy

import numpy as np
from sklearn.utils import check_random_state


def random_state_params(estimator):
    """Names of every ``random_state`` parameter of ``estimator``, at any depth, sorted."""
    return sorted(
        key for key in estimator.get_params(deep=True)
        if key == "random_state" or key.endswith("__random_state")
    )


def seed_random_states(estimator, random_state, *, only_unset=True):
    """Give ``random_state`` parameters of ``estimator`` (nested ones too) integer seeds.

    Like the way scikit-learn's ensembles seed their sub-estimators, each parameter gets
    its own draw from ``random_state``, so two nested estimators do not share their
    random streams. The estimator is changed in place: pass a clone.

    Parameters
    ----------
    estimator : estimator
    random_state : int, RandomState instance or None
        None leaves the estimator as it is.
    only_unset : bool, default=True
        Seed only the parameters left at None (what the user set stays as set); False
        reseeds them all.

    Returns
    -------
    estimator

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdistill._seeding import seed_random_states
    >>> pipe = make_pipeline(RandomForestClassifier(random_state=3))
    >>> seed_random_states(pipe, 0).get_params()["randomforestclassifier__random_state"]
    3
    """
    if random_state is None:
        return estimator
    rng = check_random_state(random_state)
    keys = random_state_params(estimator)
    seeds = rng.randint(np.iinfo(np.int32).max, size=len(keys))
    params = estimator.get_params(deep=True)
    estimator.set_params(**{
        key: int(seed) for key, seed in zip(keys, seeds)
        if not only_unset or params[key] is None
    })
    return estimator


def draw_seeds(random_state, n):
    """``n`` integer seeds drawn from ``random_state``; ``n`` Nones when it is None.

    One seed per part of a fit (teacher, student, ...), so each part gets its own draw
    and a None ``random_state`` leaves every part unseeded.
    """
    if random_state is None:
        return [None] * n
    rng = check_random_state(random_state)
    return [int(seed) for seed in rng.randint(np.iinfo(np.int32).max, size=n)]


def seeded_splitter(splitter, random_state):
    """The splitter, with a seed from ``random_state`` if it shuffles without one.

    The user's splitter keeps its ``random_state=None``: a copy is seeded.

    Examples
    --------
    >>> from sklearn.model_selection import KFold
    >>> seeded_splitter(KFold(3, shuffle=True), 0).random_state is not None
    True
    >>> seeded_splitter(KFold(3), 0).random_state is None
    True
    """
    if random_state is None or not getattr(splitter, "shuffle", False):
        return splitter
    if getattr(splitter, "random_state", 0) is not None:
        return splitter
    seeded = copy.copy(splitter)
    seeded.random_state = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return seeded
