"""LogisticRegression on soft targets equals a direct minimisation of soft cross-entropy."""

import numpy as np
import pytest
import sklearn
from packaging.version import Version
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp
from sklearn.linear_model import LogisticRegression

from skdistill import fit_soft_targets
from tests._utils import one_hot


def _direct_multinomial(X, P, C, w):
    n, d = X.shape
    L = P.shape[1]

    def objective(theta):
        W = theta[: L * d].reshape(L, d)
        b = theta[L * d :]
        Z = X @ W.T + b
        loss = np.sum(w * (logsumexp(Z, axis=1) - np.sum(P * Z, axis=1)))
        G = (np.exp(log_softmax(Z, axis=1)) - P) * w[:, None]
        grad_W = C * G.T @ X + W
        grad_b = C * G.sum(axis=0)
        return C * loss + 0.5 * np.sum(W**2), np.concatenate([grad_W.ravel(), grad_b])

    res = minimize(objective, np.zeros(L * d + L), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000})
    return res.x[: L * d].reshape(L, d), res.x[L * d :]


def _direct_binary(X, P, C, w):
    n, d = X.shape

    def objective(theta):
        z = X @ theta[:d] + theta[d]
        # soft binary cross-entropy: -P1 log s(z) - P0 log(1 - s(z))
        loss = np.sum(w * (np.logaddexp(0, z) - P[:, 1] * z))
        g = (1 / (1 + np.exp(-z)) - P[:, 1]) * w
        return C * loss + 0.5 * theta[:d] @ theta[:d], np.concatenate(
            [C * X.T @ g + theta[:d], [C * g.sum()]])

    res = minimize(objective, np.zeros(d + 1), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000})
    return res.x[:d], res.x[d]


@pytest.mark.parametrize("C", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_multinomial_coefficients_equal_direct_minimiser(soft_problem, C, weighted):
    X, P = soft_problem
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=len(X)) if weighted else np.ones(len(X))
    clf = fit_soft_targets(LogisticRegression(C=C, tol=1e-12, max_iter=10000), X, P,
                           sample_weight=w if weighted else None)
    W, b = _direct_multinomial(X, P, C, w)
    np.testing.assert_allclose(clf.coef_, W, atol=1e-5)
    # The intercepts are identified only up to a common shift (they are not penalised).
    np.testing.assert_allclose(clf.intercept_ - clf.intercept_.mean(), b - b.mean(), atol=1e-5)
    proba = np.exp(log_softmax(X @ W.T + b, axis=1))
    np.testing.assert_allclose(clf.predict_proba(X), proba, atol=1e-6)


def test_binary_coefficients_equal_direct_minimiser(soft_problem):
    X, P3 = soft_problem
    P = np.column_stack([P3[:, 0], P3[:, 1] + P3[:, 2]])
    clf = fit_soft_targets(LogisticRegression(C=0.5, tol=1e-12, max_iter=10000), X, P)
    w, b = _direct_binary(X, P, 0.5, np.ones(len(X)))
    np.testing.assert_allclose(clf.coef_.ravel(), w, atol=1e-5)
    np.testing.assert_allclose(clf.intercept_[0], b, atol=1e-5)


def test_one_hot_targets_give_the_ordinary_fit(soft_problem):
    X, P = soft_problem
    y = P.argmax(axis=1)
    soft = fit_soft_targets(LogisticRegression(tol=1e-10), X, one_hot(y, 3))
    hard = LogisticRegression(tol=1e-10).fit(X, y)
    np.testing.assert_allclose(soft.coef_, hard.coef_, atol=1e-6)
    np.testing.assert_allclose(soft.predict_proba(X), hard.predict_proba(X), atol=1e-6)


def test_l1_penalty_is_the_students_own(soft_problem):
    X, P = soft_problem
    # scikit-learn 1.8 deprecated `penalty` (l1_ratio=1 alone is L1); before 1.8 l1_ratio is
    # read only with penalty="elasticnet", so L1 is asked for by name.
    if Version(sklearn.__version__) >= Version("1.8"):
        l1 = {"l1_ratio": 1.0}
    else:
        l1 = {"penalty": "l1"}
    student = LogisticRegression(**l1, C=0.05, solver="saga", tol=1e-8, max_iter=5000)
    clf = fit_soft_targets(student, X, P)
    assert isinstance(clf, LogisticRegression)
    assert np.sum(clf.coef_ == 0) > 0  # the L1 penalty still sparsifies


def test_class_weight_dict_weights_soft_mass(soft_problem):
    X, P = soft_problem
    cw = {0: 2.0, 1: 1.0, 2: 0.5}
    a = fit_soft_targets(LogisticRegression(class_weight=cw, tol=1e-10), X, P)
    # Equivalent: fold the class weights into row weights and renormalised targets.
    Pw = P * np.array([2.0, 1.0, 0.5])
    w = Pw.sum(axis=1)
    b = fit_soft_targets(LogisticRegression(tol=1e-10), X, Pw / w[:, None], sample_weight=w)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)
    assert a.get_params()["class_weight"] == cw


def test_balanced_class_weight_uses_soft_counts_and_param_is_kept(soft_problem):
    X, P = soft_problem
    clf = fit_soft_targets(LogisticRegression(class_weight="balanced"), X, P)
    assert clf.class_weight == "balanced"
    mass = P.sum(axis=0)
    cw = mass.sum() / (3 * mass)
    ref = fit_soft_targets(LogisticRegression(class_weight=dict(enumerate(cw))), X, P)
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-6)
