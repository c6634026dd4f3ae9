"""LogisticRegression on soft targets equals a direct minimisation of soft cross-entropy.

The native solver (students/_linear.py) is checked against three references: the
row expansion (scikit-learn's own solver on the expanded rows), an independent scipy
minimisation of the written-out objective, and, for one-hot targets, the ordinary fit.
"""

import copy
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import log_softmax, logsumexp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

from skdistill import fit_soft_targets
from skdistill.students import _linear
from skdistill.students._expand import fit_expanded
from tests._utils import one_hot


def _direct_multinomial(X, P, C, w, fit_intercept=True):
    """Minimise ``C * sum_n w_n (logsumexp(z_n) - P[n] . z_n) + ||W||^2 / 2`` with scipy."""
    n, d = X.shape
    L = P.shape[1]
    n_b = L if fit_intercept else 0

    def objective(theta):
        W = theta[: L * d].reshape(L, d)
        b = theta[L * d :] if fit_intercept else np.zeros(L)
        Z = X @ W.T + b
        loss = np.sum(w * (logsumexp(Z, axis=1) - np.sum(P * Z, axis=1)))
        G = (np.exp(log_softmax(Z, axis=1)) - P) * w[:, None]
        grad_W = C * np.asarray(X.T @ G).T + W
        grad_b = C * G.sum(axis=0)[:n_b]
        return C * loss + 0.5 * np.sum(W**2), np.concatenate([grad_W.ravel(), grad_b])

    res = minimize(objective, np.zeros(L * d + n_b), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000})
    b = res.x[L * d :] if fit_intercept else np.zeros(L)
    return res.x[: L * d].reshape(L, d), b


def _direct_binary(X, P, C, w, fit_intercept=True):
    """The binomial form: one column, ``classes_[1]`` the positive class."""
    n, d = X.shape

    def objective(theta):
        b = theta[d] if fit_intercept else 0.0
        z = X @ theta[:d] + b
        # soft binary cross-entropy: -P1 log s(z) - P0 log(1 - s(z))
        loss = np.sum(w * (np.logaddexp(0, z) - P[:, 1] * z))
        g = (1 / (1 + np.exp(-z)) - P[:, 1]) * w
        grad_b = [C * g.sum()] if fit_intercept else []
        return C * loss + 0.5 * theta[:d] @ theta[:d], np.concatenate(
            [C * (X.T @ g) + theta[:d], grad_b])

    res = minimize(objective, np.zeros(d + int(fit_intercept)), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10000})
    return res.x[:d], (res.x[d] if fit_intercept else 0.0)


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
    student = LogisticRegression(C=0.05, tol=1e-8, max_iter=5000, **_l1())
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


def _problem(n_classes, n=240, d=5, seed=0, scale=1.0):
    """Soft targets from a random softmax model, with some rows carrying weight zero."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    logits = scale * X @ rng.normal(size=(d, n_classes)) + rng.normal(size=n_classes)
    P = np.exp(log_softmax(logits, axis=1))
    w = rng.uniform(0.2, 3.0, size=n)
    w[:5] = 0.0
    return X, P, w


def _as(X, fmt):
    return X if fmt == "dense" else getattr(sp, f"{fmt}_matrix")(X)


@pytest.fixture
def no_expansion(monkeypatch):
    """Fail if the LogisticRegression adapter falls back to the row expansion."""
    def refuse(*args, **kwargs):
        raise AssertionError("the native LogisticRegression solver fell back to the expansion")
    monkeypatch.setattr(_linear, "fit_expanded", refuse)


@pytest.fixture
def expansion_calls(monkeypatch):
    """Record the students the adapter hands to the row expansion."""
    calls = []

    def spy(student, *args, **kwargs):
        calls.append(student)
        return fit_expanded(student, *args, **kwargs)
    monkeypatch.setattr(_linear, "fit_expanded", spy)
    return calls


def _direct(X, P, C, w, fit_intercept):
    if P.shape[1] == 2:
        coef, b = _direct_binary(X, P, C, w, fit_intercept)
        return coef[None, :], np.atleast_1d(b)
    return _direct_multinomial(X, P, C, w, fit_intercept)


@pytest.mark.parametrize("n_classes", [2, 3, 20])
@pytest.mark.parametrize("fmt", ["dense", "csr", "csc"])
@pytest.mark.parametrize("weighted", [False, True])
def test_native_fit_equals_expansion_and_direct_minimiser(no_expansion, n_classes, fmt,
                                                          weighted):
    X, P, w = _problem(n_classes)
    sw = w if weighted else None
    student = LogisticRegression(C=0.7, tol=1e-10, max_iter=10000)
    native = fit_soft_targets(clone(student), _as(X, fmt), P, sample_weight=sw)

    expanded = fit_expanded(clone(student), X, P, classes=np.arange(n_classes),
                            sample_weight=sw)
    assert native.coef_.shape == expanded.coef_.shape == (
        1 if n_classes == 2 else n_classes, X.shape[1])
    np.testing.assert_allclose(native.coef_, expanded.coef_, atol=1e-6)
    np.testing.assert_allclose(native.intercept_, expanded.intercept_, atol=1e-6)

    coef, b = _direct(_as(X, fmt), P, 0.7, w if weighted else np.ones(len(X)), True)
    np.testing.assert_allclose(native.coef_, coef, atol=1e-6)
    # Intercepts of the symmetric multinomial are identified up to a common shift; the
    # fit starts from zero, and the gradient keeps their sum at zero.
    np.testing.assert_allclose(native.intercept_ - native.intercept_.mean(), b - b.mean(),
                               atol=1e-6)
    assert native.n_features_in_ == X.shape[1]
    assert native.n_iter_.shape == (1,) and native.n_iter_.dtype == np.int32


@pytest.mark.parametrize("n_classes", [2, 3])
def test_without_intercept(no_expansion, n_classes):
    X, P, w = _problem(n_classes)
    clf = fit_soft_targets(LogisticRegression(fit_intercept=False, tol=1e-10), X, P,
                           sample_weight=w)
    assert np.array_equal(clf.intercept_, np.zeros(1 if n_classes == 2 else n_classes))
    coef, _ = _direct(X, P, 1.0, w, False)
    np.testing.assert_allclose(clf.coef_, coef, atol=1e-6)
    ref = fit_expanded(LogisticRegression(fit_intercept=False, tol=1e-10), X, P,
                       classes=np.arange(n_classes), sample_weight=w)
    np.testing.assert_allclose(clf.coef_, ref.coef_, atol=1e-6)


@pytest.mark.parametrize("class_weight", [{0: 3.0, 2: 0.5}, "balanced"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_weight_equals_expansion(no_expansion, class_weight, n_classes):
    X, P, w = _problem(n_classes)
    if isinstance(class_weight, dict) and n_classes == 2:
        class_weight = {0: 3.0}
    student = LogisticRegression(class_weight=class_weight, tol=1e-10)
    native = fit_soft_targets(clone(student), X, P, sample_weight=w)
    expanded = fit_expanded(clone(student), X, P, classes=np.arange(n_classes),
                            sample_weight=w)
    np.testing.assert_allclose(native.coef_, expanded.coef_, atol=1e-6)
    np.testing.assert_allclose(native.intercept_, expanded.intercept_, atol=1e-6)
    assert native.class_weight == class_weight


@pytest.mark.parametrize("n_classes", [2, 3, 20])
@pytest.mark.parametrize("params", [{}, {"fit_intercept": False}, {"C": 0.05},
                                    {"C": np.inf}])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_one_hot_targets_follow_the_ordinary_fit_iteration_for_iteration(
        no_expansion, n_classes, params, fmt):
    X, P, w = _problem(n_classes, scale=0.5)
    X = _as(X, fmt)
    y = P.argmax(axis=1)
    y[5 : 5 + n_classes] = np.arange(n_classes)  # every class in the ordinary fit too
    labels = np.array([f"c{k:02d}" for k in range(n_classes)])
    hard = LogisticRegression(**params).fit(X, labels[y], sample_weight=w)
    soft = fit_soft_targets(LogisticRegression(**params), X, one_hot(y, n_classes),
                            classes=labels, sample_weight=w)
    # Same objective, same start, same L-BFGS options: the same iterates.
    assert soft.n_iter_.tolist() == hard.n_iter_.tolist()
    np.testing.assert_allclose(soft.coef_, hard.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(soft.intercept_, hard.intercept_, rtol=1e-7, atol=1e-9)
    assert soft.classes_.tolist() == hard.classes_.tolist()
    assert soft.coef_.dtype == hard.coef_.dtype and soft.intercept_.dtype == hard.intercept_.dtype


def test_float32_input_gives_scikit_learns_dtype(no_expansion):
    X, P, _ = _problem(3)
    X32 = X.astype(np.float32)
    y = P.argmax(axis=1)
    hard = LogisticRegression().fit(X32, y)
    soft = fit_soft_targets(LogisticRegression(), X32, one_hot(y, 3))
    assert soft.coef_.dtype == hard.coef_.dtype
    assert soft.intercept_.dtype == hard.intercept_.dtype
    ref = fit_soft_targets(LogisticRegression(), X, one_hot(y, 3))
    np.testing.assert_allclose(soft.coef_, ref.coef_, rtol=1e-5)


def test_data_frame_sets_feature_names(no_expansion):
    pd = pytest.importorskip("pandas")
    X, P, _ = _problem(3)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    clf = fit_soft_targets(LogisticRegression(), df, P)
    assert clf.feature_names_in_.tolist() == list(df.columns)
    assert clf.predict_proba(df.iloc[:2]).shape == (2, 3)
    clf = fit_soft_targets(clf, X, P)  # a refit on an array forgets them, as fit does
    assert not hasattr(clf, "feature_names_in_")


@pytest.mark.parametrize("n_classes", [2, 3])
def test_warm_start_continues_from_the_fitted_coefficients_like_fit(no_expansion, n_classes):
    X, P, w = _problem(n_classes)
    y1 = np.random.RandomState(1).randint(n_classes, size=len(X))
    y2 = P.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        hard = LogisticRegression(warm_start=True, max_iter=3).fit(X, y1)
        soft = copy.deepcopy(hard)
        hard.fit(X, y2, sample_weight=w)
        fit_soft_targets(soft, X, one_hot(y2, n_classes), sample_weight=w)
    assert soft.n_iter_.tolist() == hard.n_iter_.tolist() == [3]
    np.testing.assert_allclose(soft.coef_, hard.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(soft.intercept_, hard.intercept_, rtol=1e-7, atol=1e-9)


def test_warm_start_from_the_optimum_stops_at_once(no_expansion):
    X, P, w = _problem(3)
    clf = fit_soft_targets(LogisticRegression(warm_start=True, tol=1e-6), X, P)
    cold_iter = clf.n_iter_[0]
    coef = clf.coef_.copy()
    fit_soft_targets(clf, X, P)
    assert clf.n_iter_[0] <= 1 < cold_iter
    np.testing.assert_allclose(clf.coef_, coef, atol=1e-5)
    # Without warm_start the same refit starts again from zero.
    clf.set_params(warm_start=False)
    assert fit_soft_targets(clf, X, P).n_iter_[0] == cold_iter


def test_warm_start_with_other_classes_is_refused(no_expansion):
    X, P, _ = _problem(3)
    clf = fit_soft_targets(LogisticRegression(warm_start=True), X, P)
    X4, P4, _ = _problem(4)
    with pytest.raises(ValueError, match="warm_start=True.*shape \\(3, 5\\).*\\(4, 5\\)"):
        fit_soft_targets(clf, X4, P4)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_convergence_warning_as_scikit_learn_words_it(no_expansion, n_classes):
    X, P, _ = _problem(n_classes)
    y = P.argmax(axis=1)
    with pytest.warns(ConvergenceWarning) as hard_record:
        LogisticRegression(max_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge") as soft_record:
        clf = fit_soft_targets(LogisticRegression(max_iter=2), X, one_hot(y, n_classes))
    assert clf.n_iter_.tolist() == [2]
    hard_msgs = [str(r.message) for r in hard_record if r.category is ConvergenceWarning]
    soft_msgs = [str(r.message) for r in soft_record if r.category is ConvergenceWarning]
    assert soft_msgs == hard_msgs
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fit_soft_targets(LogisticRegression(max_iter=1000), X, P)


def test_zero_total_weight_is_refused(no_expansion):
    X, P, _ = _problem(3)
    # scikit-learn >= 1.9 refuses all-zero sample weights itself.
    with pytest.raises(ValueError, match="non-zero|no weight"):
        fit_soft_targets(LogisticRegression(), X, P, sample_weight=np.zeros(len(X)))
    # Class weights can zero every row too.
    with pytest.raises(ValueError, match="no weight.*positive weight"):
        fit_soft_targets(LogisticRegression(class_weight=dict.fromkeys(range(3), 0.0)), X, P)


def test_invalid_parameters_get_scikit_learns_error(no_expansion):
    X, P, _ = _problem(3)
    with pytest.raises(ValueError, match="'C' parameter of LogisticRegression"):
        fit_soft_targets(LogisticRegression(C=-1.0), X, P)
    with pytest.raises(ValueError, match="NaN"):
        fit_soft_targets(LogisticRegression(), np.where(X > 2, np.nan, X), P)


def test_n_jobs_has_no_effect_on_the_native_fit(no_expansion):
    X, P, _ = _problem(3)
    a = fit_soft_targets(LogisticRegression(), X, P)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = fit_soft_targets(LogisticRegression(n_jobs=2), X, P)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def _l1():
    if _linear._PENALTY_DEPRECATED:
        return {"l1_ratio": 1.0, "solver": "saga"}
    return {"penalty": "l1", "solver": "saga"}


@pytest.mark.parametrize("make", [
    lambda: LogisticRegression(solver="newton-cg", tol=1e-10),
    lambda: LogisticRegression(solver="newton-cholesky", tol=1e-10),
    lambda: LogisticRegression(C=0.1, max_iter=5000, tol=1e-8, random_state=0, **_l1()),
    lambda: LogisticRegressionCV(Cs=[0.5], cv=2),
], ids=["newton-cg", "newton-cholesky", "l1-saga", "LogisticRegressionCV"])
def test_other_solvers_and_penalties_fall_back_to_the_expansion(expansion_calls, make):
    X, P, w = _problem(3)
    student = make()
    clf = fit_soft_targets(student, X, P, sample_weight=w)
    assert expansion_calls == [student] and clf is student
    ref = fit_expanded(make(), X, P, classes=np.arange(3), sample_weight=w)
    np.testing.assert_allclose(clf.coef_, ref.coef_)
    if student.get_params().get("solver") in ("newton-cg", "newton-cholesky"):
        # the same minimiser as the native lbfgs fit
        native = fit_soft_targets(LogisticRegression(tol=1e-10), X, P, sample_weight=w)
        np.testing.assert_allclose(clf.coef_, native.coef_, atol=1e-5)


def test_liblinear_binary_falls_back(expansion_calls):
    X, P, _ = _problem(2)
    clf = fit_soft_targets(LogisticRegression(solver="liblinear"), X, P)
    assert len(expansion_calls) == 1 and clf.coef_.shape == (1, X.shape[1])


def test_no_penalty_spelling_of_each_version_is_native(no_expansion):
    X, P, _ = _problem(3)
    a = fit_soft_targets(LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000), X, P)
    coef, _ = _direct_multinomial(X, P, 1e12, np.ones(len(X)))
    np.testing.assert_allclose(a.coef_, coef, rtol=1e-4)
    if not _linear._PENALTY_DEPRECATED:
        b = fit_soft_targets(LogisticRegression(penalty=None, tol=1e-10, max_iter=1000), X, P)
        np.testing.assert_allclose(a.coef_, b.coef_)


def test_settings_scikit_learn_warns_about_fall_back_so_it_still_warns(expansion_calls):
    X, P, _ = _problem(3)
    if _linear._PENALTY_DEPRECATED:
        student, warning, match = LogisticRegression(penalty="l2"), FutureWarning, "penalty"
    else:
        student, warning, match = LogisticRegression(penalty=None, C=2.0), UserWarning, "ignore"
    with pytest.warns(warning, match=match):
        fit_soft_targets(student, X, P)
    assert expansion_calls == [student]


@pytest.mark.skipif("multi_class" not in LogisticRegression().get_params(),
                    reason="multi_class was removed in scikit-learn 1.8")
def test_explicit_multi_class_falls_back(expansion_calls):
    X, P, _ = _problem(3)
    with pytest.warns(FutureWarning, match="multi_class"):
        fit_soft_targets(LogisticRegression(multi_class="ovr"), X, P)
    assert len(expansion_calls) == 1


def test_class_without_probability_mass_is_learnt_as_unlikely(no_expansion):
    X, P, _ = _problem(3)
    P = np.column_stack([P[:, 0], np.zeros(len(X)), P[:, 1] + P[:, 2]])
    clf = fit_soft_targets(LogisticRegression(max_iter=1000), X, P, classes=["a", "b", "c"])
    assert clf.classes_.tolist() == ["a", "b", "c"]
    ref = fit_expanded(LogisticRegression(max_iter=1000), X, P,
                       classes=np.array(["a", "b", "c"]), sample_weight=None)
    proba = clf.predict_proba(X)
    assert proba[:, 1].max() < 1e-3
    np.testing.assert_allclose(proba, ref.predict_proba(X), atol=1e-4)


def test_balanced_class_weight_with_integer_weights_equals_repeated_rows(soft_problem):
    """'balanced' counts the soft class mass under the sample weights: weight 3 on a row
    is that row three times, so the weighted and the repeated fits are one problem."""
    X, P = soft_problem
    # weights that shift the class mass, so ignoring them changes the class weights
    w = np.random.RandomState(3).randint(1, 3, len(X)) + 2 * (P.argmax(axis=1) == 0)
    rows = np.repeat(np.arange(len(X)), w)
    student = LogisticRegression(class_weight="balanced", tol=1e-12, max_iter=10000)
    weighted = fit_soft_targets(clone(student), X, P, sample_weight=w)
    repeated = fit_soft_targets(clone(student), X[rows], P[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-7)


@pytest.mark.parametrize("scale", [1e-150, 1e150, 1e305])
def test_the_fit_depends_on_weights_and_C_through_their_product(no_expansion, scale):
    # f = 1/S sum s_i loss_i + ||W||^2 / (2 C S): scaling every weight by a is scaling
    # C by a. Large scales must not overflow on the way (X times weights, summed).
    X, P, w = _problem(3)
    X = 10 * X
    params = dict(tol=1e-10, max_iter=10000)
    ref = fit_soft_targets(LogisticRegression(C=0.5, **params), X, P, sample_weight=w)
    scaled = fit_soft_targets(LogisticRegression(C=0.5 / scale, **params), X, P,
                              sample_weight=w * scale)
    np.testing.assert_allclose(scaled.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(scaled.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    same_C = fit_soft_targets(LogisticRegression(C=0.5, **params), X, P,
                              sample_weight=w * scale)
    as_C = fit_soft_targets(LogisticRegression(C=0.5 * scale, **params), X, P, sample_weight=w)
    np.testing.assert_allclose(same_C.coef_, as_C.coef_, rtol=1e-6, atol=1e-8)
    assert np.all(np.isfinite(same_C.coef_))


def test_a_penalty_beyond_float64_is_refused(no_expansion):
    X, P, w = _problem(3)
    # C times the total weight is about 4e-318: its inverse overflows
    with pytest.raises(ValueError, match=r"L2 penalty 1 / \(C \* total weight\).*raise C"):
        fit_soft_targets(LogisticRegression(C=1e-300), X, P, sample_weight=w * 1e-20)
    # a weight total float64 cannot hold is refused before any fitting, whatever C
    with pytest.raises(ValueError, match="sample_weight sums to more than float64"):
        fit_soft_targets(LogisticRegression(), X, P, sample_weight=np.full(len(X), 1e308))


def test_class_weights_that_overflow_the_total_are_refused(no_expansion):
    X, P, _ = _problem(3)
    with pytest.raises(ValueError, match="total weight.*more than float64 can hold"):
        fit_soft_targets(LogisticRegression(class_weight=dict.fromkeys(range(3), 1e307)), X, P)
