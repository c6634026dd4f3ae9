"""HistGradientBoostingClassifier on soft targets."""

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from skdistill import fit_soft_targets
from tests._utils import one_hot


def test_one_hot_targets_give_the_ordinary_fit(soft_problem):
    X, P = soft_problem
    y = P.argmax(axis=1)
    params = dict(max_iter=20, random_state=0)
    soft = fit_soft_targets(HistGradientBoostingClassifier(**params), X, one_hot(y, 3))
    hard = HistGradientBoostingClassifier(**params).fit(X, y)
    assert isinstance(soft, HistGradientBoostingClassifier)
    np.testing.assert_allclose(soft.predict_proba(X), hard.predict_proba(X), atol=1e-10)
    assert soft.min_samples_leaf == 20  # the user's parameter is restored after the fit


def test_first_round_is_a_newton_step_on_the_soft_cross_entropy(soft_problem):
    """One round of stumps from the prior: within a leaf the raw score moves by
    -lr * G / H with the soft cross-entropy's g = p0 - P and h = p0 (1 - p0) per row,
    so between two leaves it differs by -lr * (G1/H1 - G2/H2)."""
    X, P = soft_problem
    lr = 0.5
    clf = fit_soft_targets(
        HistGradientBoostingClassifier(max_iter=1, max_depth=1, learning_rate=lr,
                                       l2_regularization=0.0, min_samples_leaf=5,
                                       random_state=0), X, P)
    p0 = P.mean(axis=0)  # the prior the boosting starts from
    raw = clf.decision_function(X)
    for k in range(3):
        groups = np.unique(raw[:, k])
        assert len(groups) == 2  # a stump: two leaves
        steps = []
        for value in groups:
            rows = raw[:, k] == value
            G = np.sum(p0[k] - P[rows, k])
            H = np.sum(np.full(rows.sum(), p0[k] * (1 - p0[k])))
            steps.append(-lr * G / H)
        np.testing.assert_allclose(groups[1] - groups[0], steps[1] - steps[0], rtol=1e-6)


def test_min_samples_leaf_counts_original_rows(soft_problem):
    X, P = soft_problem
    clf = fit_soft_targets(HistGradientBoostingClassifier(max_iter=3, min_samples_leaf=30,
                                                          random_state=0), X, P)
    for predictors in clf._predictors:
        for predictor in predictors:
            leaves = predictor.nodes[predictor.nodes["is_leaf"] == 1]
            # counts are of expanded pieces: n_classes per original row
            assert np.all(leaves["count"] >= 30 * 3)


def test_early_stopping_auto_decided_on_original_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(4000, 3))
    P = np.column_stack([1 / (1 + np.exp(X[:, 0])), 1 / (1 + np.exp(-X[:, 0]))])
    P3 = np.column_stack([P * 0.9, np.full(len(X), 0.1)])
    clf = fit_soft_targets(HistGradientBoostingClassifier(max_iter=5), X, P3)
    assert clf.do_early_stopping_ is False  # 4000 rows, 12000 expanded pieces
    clf = fit_soft_targets(HistGradientBoostingClassifier(max_iter=5, early_stopping=True,
                                                          random_state=0), X, P3)
    assert clf.do_early_stopping_ is True
    assert clf.early_stopping is True and clf.validation_fraction == 0.1
