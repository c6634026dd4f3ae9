import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, top_k_accuracy_score
from sklearn.model_selection import cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.tree import DecisionTreeClassifier

from skdistill import BayesTeacher, NoisyTeacher
from skdistill.datasets import (
    gaussian_class_probability,
    make_gaussian_classification,
    make_slab_classification,
    slab_class_probability,
)
from skdistill.metrics import (
    expected_calibration_error,
    make_precision_at_k_scorer,
    multiclass_brier_score,
    precision_at_k,
    probability_mse,
    teacher_bias_variance,
    teacher_report,
    top_label_calibration_curve,
)


def _slab_sampler(seed):
    return make_slab_classification(300, random_state=seed)[:2]


def _gaussian_sampler(seed):
    return make_gaussian_classification(50, separation=0.25, random_state=seed)[:2]


# -- calibration and proper scores ----------------------------------------------------------


def test_ece_by_hand():
    y = np.array([0, 1, 1, 0])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]])
    # Bins of width 0.25: {0.6, 0.7} -> acc 1/2, conf 0.65; {0.8, 0.9} -> acc 1, conf 0.85.
    prob_true, prob_pred, counts = top_label_calibration_curve(y, proba, n_bins=4)
    np.testing.assert_allclose(prob_true, [0.5, 1.0])
    np.testing.assert_allclose(prob_pred, [0.65, 0.85])
    np.testing.assert_array_equal(counts, [2, 2])
    assert expected_calibration_error(y, proba, n_bins=4) == pytest.approx(0.15)
    # A 1-D positive-class probability is the same binary problem.
    assert expected_calibration_error(y, proba[:, 1], n_bins=4) == pytest.approx(0.15)
    # One bin: |mean accuracy - mean confidence|.
    assert expected_calibration_error(y, proba, n_bins=1) == pytest.approx(abs(0.75 - 0.75))


def test_ece_small_for_calibrated_large_for_overconfident():
    rng = np.random.RandomState(0)
    P = rng.dirichlet(np.ones(4), size=20_000)
    y = (rng.uniform(size=(len(P), 1)) > np.cumsum(P, axis=1)).sum(axis=1)  # y ~ P
    for strategy in ["uniform", "quantile"]:
        assert expected_calibration_error(y, P, strategy=strategy) < 0.02
    sharp = P**4 / np.sum(P**4, axis=1, keepdims=True)
    assert expected_calibration_error(y, sharp) > 0.1


def test_calibration_curve_labels_and_errors():
    y = np.array(["b", "c", "c"])
    proba = np.array([[0.1, 0.8, 0.1], [0.0, 0.3, 0.7], [0.2, 0.2, 0.6]])
    # The problem has three classes but y_true shows only two: labels are needed.
    with pytest.raises(ValueError, match="labels"):
        expected_calibration_error(y, proba)
    assert expected_calibration_error(y, proba, labels=["a", "b", "c"]) >= 0
    # Column order follows labels, not sorted order.
    reordered = proba[:, [2, 0, 1]]
    assert expected_calibration_error(y, reordered, labels=["c", "a", "b"]) == pytest.approx(
        expected_calibration_error(y, proba, labels=["a", "b", "c"]))
    with pytest.raises(ValueError, match="not in labels"):
        expected_calibration_error(["z", "c", "c"], proba, labels=["a", "b", "c"])
    with pytest.raises(ValueError, match="strategy"):
        expected_calibration_error(y, proba, labels=["a", "b", "c"], strategy="kmeans")


def test_brier_matches_scikit_learn():
    rng = np.random.RandomState(1)
    P = rng.dirichlet(np.ones(3), size=50)
    y = rng.randint(3, size=50)
    # Summed over classes: the sum of the one-vs-rest binary Brier scores.
    expected = sum(brier_score_loss(y == k, P[:, k]) for k in range(3))
    assert multiclass_brier_score(y, P) == pytest.approx(expected)
    # Binary: twice the usual positive-class Brier score.
    yb, p = rng.randint(2, size=50), rng.uniform(size=50)
    assert multiclass_brier_score(yb, p) == pytest.approx(2 * brier_score_loss(yb, p))


def test_probability_mse():
    P = np.array([[0.2, 0.8], [0.5, 0.5]])
    Q = np.array([[0.4, 0.6], [0.5, 0.5]])
    assert probability_mse(P, Q) == pytest.approx((0.04 + 0.04) / 2)
    assert probability_mse(P[:, 1], Q[:, 1]) == pytest.approx(probability_mse(P, Q))
    with pytest.raises(ValueError, match="same shape"):
        probability_mse(P, np.ones((3, 2)) / 2)


def test_teacher_report():
    X, y, proba = make_gaussian_classification(2000, separation=0.25, random_state=2)
    forest = RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0).fit(X, y)
    report = teacher_report(forest, X, y, p_star=proba)
    P = forest.predict_proba(X)
    assert report["log_loss"] == pytest.approx(log_loss(y, P))
    assert report["accuracy"] == pytest.approx(forest.score(X, y))
    assert report["brier"] == pytest.approx(multiclass_brier_score(y, P))
    assert report["ece"] == pytest.approx(expected_calibration_error(y, P))
    assert report["mse_to_p_star"] == pytest.approx(probability_mse(P, proba))
    # p* as a function, and a callable teacher.
    same = teacher_report(forest, X, y, p_star=lambda Z: gaussian_class_probability(
        Z, separation=0.25))
    assert same["mse_to_p_star"] == pytest.approx(report["mse_to_p_star"])
    bayes = teacher_report(lambda Z: gaussian_class_probability(Z, separation=0.25), X, y,
                           p_star=proba)
    assert bayes["mse_to_p_star"] == 0.0 and "mse_to_p_star" in bayes
    assert bayes["log_loss"] < report["log_loss"]  # the Bayes teacher has the best log-loss


# -- bias / variance ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sampler", "bootstrap"])
def test_bias_variance_identity(mode):
    X_eval, _, p_eval = make_slab_classification(300, random_state=0)
    data = ({"sampler": _slab_sampler} if mode == "sampler"
            else dict(zip("Xy", make_slab_classification(300, random_state=1)[:2])))
    result = teacher_bias_variance(
        RandomForestClassifier(n_estimators=3, max_depth=4), X_eval, p_star=p_eval,
        n_rounds=8, random_state=0, **data)
    assert result.mse == pytest.approx(result.bias2 + result.variance, rel=1e-12)
    assert result.bias2 > 0 and result.variance > 0
    assert result.mean_proba.shape == (300, 2)
    np.testing.assert_allclose(result.mse_per_round.mean(), result.mse)
    np.testing.assert_array_equal(result.classes, [0, 1])


def test_deeper_forest_has_lower_bias_and_higher_variance():
    # Section 5.2: depth trades teacher bias for teacher variance on the slab problem.
    X_eval, _, _ = make_slab_classification(500, random_state=123)
    for seed in range(3):
        shallow, deep = (
            teacher_bias_variance(
                RandomForestClassifier(n_estimators=3, max_depth=depth), X_eval,
                p_star=slab_class_probability, sampler=_slab_sampler, n_rounds=20,
                random_state=seed)
            for depth in (2, 8)
        )
        # Measured ratios (seeds 0-5): bias2 4.1-5.7x lower, variance 4.5-6.2x higher.
        assert deep.bias2 < 0.5 * shallow.bias2
        assert deep.variance > 2 * shallow.variance


def test_noisy_teacher_bias_and_variance_are_the_knobs():
    X_eval, _, p_eval = make_gaussian_classification(400, separation=0.25, random_state=3)
    bayes = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25})

    def decompose(teacher, **kwargs):
        return teacher_bias_variance(teacher, X_eval, p_star=p_eval, sampler=_gaussian_sampler,
                                     n_rounds=30, random_state=0, **kwargs)

    biased = decompose(NoisyTeacher(bayes, bias=0.4))
    # A deterministic teacher has no variance; its bias is exactly bias^2 * ||p* - u||^2.
    assert biased.variance == pytest.approx(0.0, abs=1e-20)
    assert biased.bias2 == pytest.approx(
        0.16 * np.mean(np.sum((p_eval - 0.5) ** 2, axis=1)), rel=1e-10)
    low, high = decompose(NoisyTeacher(bayes, noise=0.5)), decompose(NoisyTeacher(bayes, noise=2))
    assert 0 < low.variance < high.variance
    assert low.bias2 < low.variance  # noise mostly adds variance
    # Without reseeding, every clone replays the same noise: the variance disappears.
    frozen_noise = decompose(NoisyTeacher(bayes, noise=2, random_state=0), reseed=False)
    assert frozen_noise.variance == pytest.approx(0.0, abs=1e-20)


def test_bias_variance_parallel_is_deterministic_and_reference_mode():
    X_eval, _, _ = make_slab_classification(100, random_state=4)
    X, y, _ = make_slab_classification(200, random_state=5)
    reference = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    kwargs = dict(reference=reference, X=X, y=y, n_rounds=4, random_state=0)
    serial = teacher_bias_variance(DecisionTreeClassifier(max_depth=3), X_eval, **kwargs)
    # Threads keep the test fast; the seeds are drawn before dispatch, so any backend
    # (loky, dask) gives the same result.
    with parallel_config(backend="threading"):
        parallel = teacher_bias_variance(DecisionTreeClassifier(max_depth=3), X_eval,
                                         n_jobs=2, **kwargs)
    assert serial.mse == parallel.mse and serial.bias2 == parallel.bias2
    assert serial.mse == pytest.approx(serial.bias2 + serial.variance, rel=1e-12)


def test_bias_variance_aligns_missing_classes():
    X_eval = np.random.RandomState(0).normal(size=(20, 2))
    p_star = np.full((20, 3), 1 / 3)

    def sampler(seed):  # some rounds never see class 2
        rng = np.random.RandomState(seed)
        X = rng.normal(size=(30, 2))
        return X, rng.randint(2 if seed % 2 else 3, size=30)

    result = teacher_bias_variance(DecisionTreeClassifier(max_depth=2), X_eval, p_star=p_star,
                                   sampler=sampler, n_rounds=6, random_state=1,
                                   classes=[0, 1, 2])
    assert result.mean_proba.shape == (20, 3)
    assert result.mse == pytest.approx(result.bias2 + result.variance, rel=1e-12)


def test_bias_variance_validates_arguments():
    X_eval = np.zeros((3, 2))
    tree = DecisionTreeClassifier()
    with pytest.raises(ValueError, match="exactly one of p_star"):
        teacher_bias_variance(tree, X_eval, sampler=_slab_sampler)
    with pytest.raises(ValueError, match="sampler"):
        teacher_bias_variance(tree, X_eval, p_star=np.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="columns"):
        teacher_bias_variance(tree, X_eval, p_star=np.ones((3, 3)) / 3, sampler=_slab_sampler,
                              n_rounds=2)


# -- precision@k ----------------------------------------------------------------------------


def test_precision_at_k_multiclass_and_multilabel_agree():
    rng = np.random.RandomState(6)
    scores = rng.normal(size=(200, 10))
    y = rng.randint(10, size=200)
    Y = np.eye(10, dtype=int)[y]
    for k in (1, 3, 5):
        by_label = precision_at_k(y, scores, k)
        assert by_label == pytest.approx(precision_at_k(Y, scores, k))
        assert by_label == pytest.approx(precision_at_k(sp.csr_matrix(Y), scores, k))
        assert by_label == pytest.approx(
            top_k_accuracy_score(y, scores, k=k, labels=np.arange(10)) / k)


def test_precision_at_k_by_hand_and_ties():
    Y = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 1]])
    scores = np.array([[0.9, 0.8, 0.1, 0.0], [0.5, 0.4, 0.3, 0.2], [0.0, 0.5, 0.5, 0.5]])
    # Row 0: top-2 = {0, 1}, 1 hit. Row 1: no relevant label. Row 2: ties -> {1, 2}, 2 hits.
    assert precision_at_k(Y, scores, 2) == pytest.approx((1 / 2 + 0 + 2 / 2) / 3)
    assert precision_at_k(Y, scores, 2, sample_weight=[1, 0, 1]) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="k"):
        precision_at_k(Y, scores, 5)
    with pytest.raises(ValueError, match="column indices"):
        precision_at_k(["a", "b", "c"], scores, 1)


def test_precision_at_k_scorer():
    rng = np.random.RandomState(7)
    X = rng.normal(size=(150, 4))
    y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] + rng.normal(size=(150, 3)), axis=1)]
    scorer = make_precision_at_k_scorer(2)
    clf = LogisticRegression().fit(X, y)
    # Labels are strings: the scorer maps them to columns through classes_.
    expected = precision_at_k(np.searchsorted(clf.classes_, y), clf.decision_function(X), 2)
    assert scorer(clf, X, y) == pytest.approx(expected)
    scores = cross_val_score(LogisticRegression(), X, y, cv=3, scoring=scorer)
    assert np.all((scores > 0.35) & (scores <= 0.5))  # P@2 of a good 3-class model
    # Multilabel indicator targets with a one-vs-rest model.
    Xm, Ym = make_multilabel_classification(200, n_features=8, n_classes=6, random_state=0)
    Xm = (Xm - Xm.mean(axis=0)) / Xm.std(axis=0)
    ovr = OneVsRestClassifier(LogisticRegression()).fit(Xm, Ym)
    assert make_precision_at_k_scorer(1)(ovr, Xm, Ym) == pytest.approx(
        precision_at_k(Ym, ovr.decision_function(Xm), 1))
    assert "k=2" in repr(scorer)
