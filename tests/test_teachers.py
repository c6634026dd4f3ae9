import pickle

import numpy as np
import pytest
from scipy.special import expit, logit
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdistill import BayesTeacher, CalibrationDistortedTeacher, NoisyTeacher, fit_soft_targets
from skdistill.datasets import (
    gaussian_class_probability,
    make_gaussian_classification,
    make_retrieval_classification,
)
from skdistill.metrics import expected_calibration_error, probability_mse
from skdistill.teachers import distort_calibration


def _not_probabilities(X):
    return np.column_stack([X[:, 0], X[:, 0]])


def _three_columns(X):
    return np.full((X.shape[0], 3), 1 / 3)


@pytest.fixture
def gaussian():
    X, y, proba = make_gaussian_classification(400, separation=0.25, random_state=0)
    teacher = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25})
    return X, y, proba, teacher


# -- BayesTeacher ---------------------------------------------------------------------------


def test_bayes_teacher_returns_the_known_probabilities(gaussian):
    X, y, proba, teacher = gaussian
    teacher.fit(X, y)
    np.testing.assert_array_equal(teacher.classes_, [0, 1])
    assert teacher.n_features_in_ == 10
    np.testing.assert_allclose(teacher.predict_proba(X), proba)
    np.testing.assert_array_equal(teacher.predict(X), proba.argmax(axis=1))
    # The Bayes classifier beats chance clearly at this separation (Bayes accuracy ~0.79).
    assert teacher.score(X, y) > 0.7


def test_bayes_teacher_clone_and_pickle(gaussian):
    X, y, proba, teacher = gaussian
    cloned = clone(teacher)
    assert cloned.get_params()["kw_args"] == {"separation": 0.25}
    fitted = pickle.loads(pickle.dumps(cloned.fit(X, y)))
    np.testing.assert_allclose(fitted.predict_proba(X), proba)


def test_bayes_teacher_classes_parameter(gaussian):
    X, y, proba, _ = gaussian
    # A sample holding only one class still gives both columns when classes is set.
    teacher = BayesTeacher(gaussian_class_probability, classes=["neg", "pos"])
    teacher.fit(X[:5], np.array(["pos"] * 5))
    np.testing.assert_array_equal(teacher.classes_, ["neg", "pos"])
    # labels come from classes, by column: "neg" is predicted although y never held it
    expected = np.array(["neg", "pos"])[gaussian_class_probability(X).argmax(axis=1)]
    np.testing.assert_array_equal(teacher.predict(X), expected)
    assert "neg" in expected
    # Without labels at all.
    teacher = BayesTeacher(gaussian_class_probability, classes=[0, 1]).fit(X)
    np.testing.assert_allclose(teacher.predict_proba(X), gaussian_class_probability(X))
    with pytest.raises(ValueError, match="classes"):
        BayesTeacher(gaussian_class_probability).fit(X)
    with pytest.raises(ValueError, match="not in classes"):
        BayesTeacher(gaussian_class_probability, classes=[0, 1]).fit(X, y + 1)


def test_bayes_teacher_rejects_bad_probability_functions(gaussian):
    X, y, _, _ = gaussian
    with pytest.raises(ValueError, match="sum to 1"):
        BayesTeacher(_not_probabilities).fit(X, y).predict_proba(X)
    with pytest.raises(ValueError, match="shape"):
        BayesTeacher(_three_columns).fit(X, y).predict_proba(X)
    with pytest.raises(TypeError, match="proba_func"):
        BayesTeacher("gaussian").fit(X, y)
    with pytest.raises(ValueError, match="features"):
        BayesTeacher(gaussian_class_probability).fit(X, y).predict_proba(X[:, :3])


def test_bayes_teacher_without_function_passes_probabilities_through():
    P = np.array([[0.2, 0.8], [0.6, 0.4]])
    teacher = BayesTeacher().fit(P, [1, 0])
    np.testing.assert_array_equal(teacher.predict_proba(P), P)


def test_bayes_teacher_in_distilled_classifier():
    DistilledClassifier = pytest.importorskip("skdistill").DistilledClassifier
    X, y, _ = make_gaussian_classification(60, separation=0.25, random_state=1)
    X_test, _, p_test = make_gaussian_classification(2000, separation=0.25, random_state=2)
    teacher = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25})
    model = DistilledClassifier(student=LogisticRegression(C=1e4), teacher=teacher,
                                alpha=1.0).fit(X, y)
    np.testing.assert_allclose(model.teacher_.predict_proba(X), gaussian_class_probability(X,
                               separation=0.25))
    plain = LogisticRegression(C=1e4).fit(X, y)
    # Fitting the Bayes probabilities instead of 60 noisy labels lands much closer to p*
    # (the paper's section 5.1 point), on test points the student never saw. The student is
    # well specified (p* is a logistic model), so soft targets recover theta* almost exactly.
    distilled_mse = probability_mse(model.predict_proba(X_test), p_test)
    plain_mse = probability_mse(plain.predict_proba(X_test), p_test)
    assert distilled_mse < 1e-3 < 0.01 < plain_mse
    # The wrappers are teachers too: the student is fitted on (1 - bias) p* + bias / 2.
    noisy = DistilledClassifier(teacher=NoisyTeacher(teacher, bias=0.5), alpha=1.0).fit(X, y)
    P_noisy = 0.5 * gaussian_class_probability(X, separation=0.25) + 0.25
    np.testing.assert_allclose(noisy.student_.coef_,
                               fit_soft_targets(LogisticRegression(), X, P_noisy).coef_)


# -- NoisyTeacher ---------------------------------------------------------------------------


def test_noisy_teacher_bias_mixes_uniform(gaussian):
    X, y, proba, teacher = gaussian
    noisy = NoisyTeacher(teacher, bias=0.3).fit(X, y)
    np.testing.assert_allclose(noisy.predict_proba(X), 0.7 * proba + 0.15)
    np.testing.assert_allclose(NoisyTeacher(teacher).fit(X, y).predict_proba(X), proba)
    # Mixing in the uniform keeps every decision.
    np.testing.assert_array_equal(noisy.predict(X), teacher.fit(X, y).predict(X))


def test_noisy_teacher_binary_case_is_equation_16():
    # (1 - a) sigmoid(theta^T x + s2 * eps) + a / 2 with eps ~ N(0, 1): the log-odds of the
    # un-mixed part move by noise * N(0, 1).
    X, y, proba = make_gaussian_classification(20_000, separation=0.1, random_state=3)
    teacher = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.1})
    bias, noise = 0.2, 0.8
    P = NoisyTeacher(teacher, bias=bias, noise=noise, random_state=0).fit(X, y).predict_proba(X)
    inner = (P[:, 1] - bias / 2) / (1 - bias)
    eps = (logit(inner) - logit(proba[:, 1])) / noise
    assert abs(eps.mean()) < 0.03 and abs(eps.std() - 1.0) < 0.03
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # Same construction by hand with one N(0, 1) per row: same distribution of p_t.
    manual = (1 - bias) * expit(logit(proba[:, 1]) + noise * np.random.RandomState(1).normal(
        size=len(X))) + bias / 2
    assert abs(np.mean(manual) - np.mean(P[:, 1])) < 0.01
    assert abs(np.std(manual) - np.std(P[:, 1])) < 0.01


def test_noisy_teacher_multiclass_pairwise_log_odds_noise():
    X, y, proba, model = make_retrieval_classification(
        5000, n_classes=5, n_features=3, temperature=1.0, return_model=True, random_state=4)
    teacher = NoisyTeacher(BayesTeacher(model, classes=np.arange(5)), noise=0.5, random_state=0)
    P = teacher.fit(X, y).predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    delta = np.log(P[:, 0] / P[:, 3]) - np.log(proba[:, 0] / proba[:, 3])
    assert abs(delta.std() - 0.5) < 0.03


def test_noisy_teacher_draws(gaussian):
    X, y, _, teacher = gaussian
    noisy = NoisyTeacher(teacher, noise=1.0, random_state=0).fit(X, y)
    first, second = noisy.predict_proba(X), noisy.predict_proba(X)
    assert not np.allclose(first, second)  # fresh noise per call
    np.testing.assert_array_equal(clone(noisy).fit(X, y).predict_proba(X), first)  # refit
    other = NoisyTeacher(teacher, noise=1.0, random_state=1).fit(X, y).predict_proba(X)
    assert not np.allclose(other, first)
    # the generator's state is pickled: the copy continues the same sequence of draws
    restored = pickle.loads(pickle.dumps(noisy))
    np.testing.assert_array_equal(restored.predict_proba(X), noisy.predict_proba(X))


def test_noisy_teacher_around_fitted_and_unfitted_estimators(gaussian):
    X, y, _, _ = gaussian
    forest = RandomForestClassifier(n_estimators=5, random_state=0)
    wrapped = NoisyTeacher(forest, bias=0.1).fit(X, y)
    assert not hasattr(forest, "estimators_")  # the template is cloned, never fitted
    np.testing.assert_allclose(wrapped.predict_proba(X),
                               0.9 * wrapped.teacher_.predict_proba(X) + 0.05)
    prefit = LogisticRegression().fit(X[:50], y[:50])
    frozen = NoisyTeacher(FrozenEstimator(prefit), bias=0.1).fit(X, y)
    np.testing.assert_allclose(frozen.predict_proba(X), 0.9 * prefit.predict_proba(X) + 0.05)


def test_noisy_teacher_validates(gaussian):
    X, y, _, teacher = gaussian
    with pytest.raises(ValueError, match="bias"):
        NoisyTeacher(teacher, bias=1.5).fit(X, y)
    with pytest.raises(ValueError, match="noise"):
        NoisyTeacher(teacher, noise=-1.0).fit(X, y)
    with pytest.raises(TypeError, match="predict_proba"):
        NoisyTeacher(LinearSVC()).fit(X, y)


# -- CalibrationDistortedTeacher ------------------------------------------------------------


def _psi(u, alpha):
    return np.where(u <= 0.5, 0.5 * (2 * u) ** alpha, 1 - 0.5 * (2 * (1 - u)) ** alpha)


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0, 7.0])
def test_psi_binary_is_the_corrected_appendix_map(power):
    u = np.linspace(0, 1, 101)
    out = distort_calibration(np.column_stack([1 - u, u]), power)
    np.testing.assert_allclose(out[:, 1], _psi(u, power), atol=1e-12)
    assert out[0, 1] == 0 and out[-1, 1] == 1 and out[50, 1] == pytest.approx(0.5)
    assert np.all(np.diff(out[:, 1]) >= 0)  # monotone
    np.testing.assert_allclose(out[::-1, 1], 1 - out[:, 1], atol=1e-12)  # symmetric
    if power == 1.0:
        np.testing.assert_allclose(out[:, 1], u)


def test_psi_multiclass_keeps_every_argmax_and_is_stable():
    rng = np.random.RandomState(0)
    P = rng.dirichlet(np.full(20, 0.3), size=2000)
    for power in [0.3, 2.0, 50.0, 500.0]:
        Q = distort_calibration(P, power)
        assert np.all(np.isfinite(Q))
        np.testing.assert_allclose(Q.sum(axis=1), 1.0)
        np.testing.assert_array_equal(Q.argmax(axis=1), P.argmax(axis=1))
    # All entries below 1/2: the map is a temperature scaling with temperature 1/power.
    small = np.array([[0.1, 0.3, 0.35, 0.25]])
    np.testing.assert_allclose(distort_calibration(small, 3.0), small**3 / np.sum(small**3))


def test_calibration_distortion_keeps_accuracy_and_degrades_calibration():
    X, y, proba = make_gaussian_classification(20_000, separation=0.25, random_state=5)
    bayes = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25}).fit(X, y)
    accuracies, eces, mses = [], [], []
    for power in [1.0, 2.0, 4.0, 8.0]:
        teacher = CalibrationDistortedTeacher(bayes, power=power).fit(X, y)
        P = teacher.predict_proba(X)
        accuracies.append(teacher.score(X, y))
        eces.append(expected_calibration_error(y, P))
        mses.append(probability_mse(P, proba))
    assert len(set(accuracies)) == 1  # identical decisions, hence identical accuracy
    assert eces[0] < 0.02  # the Bayes teacher is calibrated
    assert np.all(np.diff(eces) > 0.02) and np.all(np.diff(mses) > 0)
    assert mses[0] == pytest.approx(0.0, abs=1e-20)


def test_calibration_distortion_multiclass_accuracy_unchanged():
    X, y, _, model = make_retrieval_classification(
        3000, n_classes=30, n_features=5, temperature=0.5, return_model=True, random_state=6)
    bayes = BayesTeacher(model, classes=np.arange(30)).fit(X, y)
    base_ece = expected_calibration_error(y, bayes.predict_proba(X), labels=np.arange(30))
    for power in [0.5, 3.0]:
        distorted = CalibrationDistortedTeacher(bayes, power=power).fit(X, y)
        np.testing.assert_array_equal(distorted.predict(X), bayes.predict(X))
        ece = expected_calibration_error(y, distorted.predict_proba(X), labels=np.arange(30))
        assert ece > base_ece + 0.05
    with pytest.raises(ValueError, match="power"):
        CalibrationDistortedTeacher(bayes, power=0.0).fit(X, y)


@parametrize_with_checks([NoisyTeacher(DecisionTreeClassifier(random_state=0), bias=0.1),
                          CalibrationDistortedTeacher(DecisionTreeClassifier(random_state=0),
                                                      power=2.0)])
def test_wrappers_pass_scikit_learn_checks(estimator, check):
    # With noise=0 the noisy teacher is deterministic, as the invariance checks require.
    check(estimator)
