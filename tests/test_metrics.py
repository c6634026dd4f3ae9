import ast
import inspect
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn import config_context
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.metrics import brier_score_loss, log_loss, ndcg_score, top_k_accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.multiclass import OneVsRestClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

import skdistill.metrics
from skdistill import BayesTeacher, NoisyTeacher, _top_k
from skdistill._top_k import top_k_indices
from skdistill.datasets import (
    gaussian_class_probability,
    make_gaussian_classification,
    make_slab_classification,
    slab_class_probability,
)
from skdistill.metrics import (
    expected_calibration_error,
    label_propensities,
    make_ndcg_at_k_scorer,
    make_precision_at_k_scorer,
    make_psp_at_k_scorer,
    make_recall_at_k_scorer,
    multiclass_brier_score,
    ndcg_at_k,
    precision_at_k,
    probability_mse,
    psp_at_k,
    recall_at_k,
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
    # Every top-label prediction is right (b, c, c), so the ECE is the mean under-confidence
    # 1 - mean(0.8, 0.7, 0.6), whatever the binning.
    assert expected_calibration_error(y, proba, labels=["a", "b", "c"]) == pytest.approx(0.3)
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
    assert bayes["mse_to_p_star"] == 0.0
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


# -- ranking metrics ----------------------------------------------------------------------


def _reference_top(row, k):
    """The documented order, literally: decreasing score, then increasing column."""
    return sorted(range(len(row)), key=lambda j: (-row[j], j))[:k]


def _reference_metrics(Y, S, k, inv_propensity, weights):
    """Slow, obviously-correct P@k, R@k, nDCG@k, PSP@k (raw and normalised)."""
    per_row = {name: [] for name in ["precision", "recall", "ndcg", "psp", "best_psp"]}
    for y, s in zip(Y, S):
        top = _reference_top(s, k)
        relevant = [j for j in range(len(y)) if y[j]]
        hits = [j in relevant for j in top]
        per_row["precision"].append(sum(hits) / k)
        per_row["recall"].append(sum(hits) / len(relevant) if relevant else 0.0)
        dcg = sum(1 / math.log2(r + 2) for r, hit in enumerate(hits) if hit)
        ideal = sum(1 / math.log2(r + 2) for r in range(min(k, len(relevant))))
        per_row["ndcg"].append(dcg / ideal if relevant else 0.0)
        per_row["psp"].append(sum(inv_propensity[j] for j in top if j in relevant) / k)
        # Best achievable: the best set of k labels, by exhaustive search.
        per_row["best_psp"].append(max(
            sum(inv_propensity[j] for j in subset if j in relevant) / k
            for subset in itertools.combinations(range(len(y)), k)))
    mean = {name: sum(w * v for w, v in zip(weights, values)) / sum(weights)
            for name, values in per_row.items()}
    total_best = sum(w * v for w, v in zip(weights, per_row["best_psp"]))
    mean["psp_normalized"] = (sum(w * v for w, v in zip(weights, per_row["psp"])) / total_best
                              if total_best > 0 else 0.0)
    return mean


def _ranking_metrics(y_true, S, k, propensities, sample_weight):
    return {
        "precision": precision_at_k(y_true, S, k, sample_weight=sample_weight),
        "recall": recall_at_k(y_true, S, k, sample_weight=sample_weight),
        "ndcg": ndcg_at_k(y_true, S, k, sample_weight=sample_weight),
        "psp": psp_at_k(y_true, S, k, propensities=propensities, sample_weight=sample_weight,
                        normalize=False),
        "psp_normalized": psp_at_k(y_true, S, k, propensities=propensities,
                                   sample_weight=sample_weight),
    }


@pytest.mark.parametrize("seed", range(5))
def test_ranking_metrics_match_direct_computation(seed):
    rng = np.random.RandomState(seed)
    n_samples, n_labels = 25, 6
    # Few distinct score values: many ties, also at the k-th place.
    S = rng.randint(0, 4, size=(n_samples, n_labels)).astype(float)
    S[0] = 1.0  # a row of equal scores
    Y = (rng.uniform(size=S.shape) < 0.3).astype(int)
    Y[1] = 0  # a row without relevant labels
    y = rng.randint(n_labels, size=n_samples)
    propensities = rng.uniform(0.1, 1.0, size=n_labels)
    weights = rng.uniform(0.0, 3.0, size=n_samples)
    for k in (1, 3, n_labels):
        for sample_weight in (None, weights):
            w = np.ones(n_samples) if sample_weight is None else sample_weight
            # Multi-label truth: dense, sparse (CSR and COO) and nested lists.
            expected = _reference_metrics(Y, S, k, 1 / propensities, w)
            for Y_given in (Y, sp.csr_matrix(Y), sp.coo_matrix(Y), Y.astype(bool).tolist()):
                got = _ranking_metrics(Y_given, S, k, propensities, sample_weight)
                for name, value in got.items():
                    assert value == pytest.approx(expected[name], rel=1e-12), (name, k)
            # Multiclass truth: column indices, the same as its one-hot matrix.
            onehot = np.eye(n_labels, dtype=int)[y]
            expected = _reference_metrics(onehot, S, k, 1 / propensities, w)
            got = _ranking_metrics(y, S, k, propensities, sample_weight)
            for name, value in got.items():
                assert value == pytest.approx(expected[name], rel=1e-12), (name, k)


def test_top_k_indices_is_a_stable_sort_of_minus_scores(monkeypatch):
    rng = np.random.RandomState(0)
    matrices = [
        rng.randint(0, 3, size=(40, 50)).astype(float),   # ties everywhere
        np.zeros((7, 30)),                                 # all tied
        rng.normal(size=(30, 200)).astype(np.float32),     # no ties
        np.where(rng.uniform(size=(20, 15)) < 0.3, np.inf, rng.randint(0, 2, (20, 15))),
        np.where(rng.uniform(size=(20, 15)) < 0.3, -np.inf, rng.randint(0, 2, (20, 15))),
    ]
    for block_elements in (1 << 22, 37):  # one block, and many blocks of one or few rows
        monkeypatch.setattr(_top_k, "_BLOCK_ELEMENTS", block_elements)
        for S in matrices:
            for k in {1, 2, 5, S.shape[1] - 1, S.shape[1]}:
                np.testing.assert_array_equal(
                    top_k_indices(S, k), np.argsort(-S, axis=1, kind="stable")[:, :k])


def test_tie_rule_is_lower_column_first_in_every_metric():
    # Three columns tie for the best score; k=2 keeps columns 1 and 2, never 3.
    S = np.array([[1.0, 3.0, 3.0, 3.0, 0.0]])
    np.testing.assert_array_equal(top_k_indices(S, 2), [[1, 2]])
    # Ties at the k-th value: column 3 first, then the lowest-index columns scoring 2.
    np.testing.assert_array_equal(top_k_indices(np.array([[5.0, 2, 2, 9, 2]]), 3), [[3, 0, 1]])
    ones = np.ones(5)
    for y_true, expected in ((np.array([2]), 1.0), (np.array([3]), 0.0)):
        assert precision_at_k(y_true, S, 2) == expected * 0.5
        assert recall_at_k(y_true, S, 2) == expected
        # Column 2 is ranked second: its gain is discounted by log2(3).
        assert ndcg_at_k(y_true, S, 2) == pytest.approx(expected / np.log2(3))
        assert psp_at_k(y_true, S, 2, propensities=ones, normalize=False) == expected * 0.5


def test_rows_without_relevant_labels():
    S = np.array([[0.9, 0.1, 0.0], [0.3, 0.2, 0.1]])
    Y = np.array([[1, 0, 0], [0, 0, 0]])
    # They count as 0 in precision, recall and nDCG ...
    for metric in (precision_at_k, recall_at_k, ndcg_at_k):
        assert metric(Y, S, 1) == 0.5
        # ... and a zero weight leaves them out.
        assert metric(Y, S, 1, sample_weight=Y.sum(axis=1) > 0) == 1.0
    # The normalised PSP is a ratio of sums to which they add nothing; the raw one
    # averages them as 0.
    propensities = np.array([0.5, 0.5, 0.5])
    assert psp_at_k(Y, S, 1, propensities=propensities) == 1.0
    assert psp_at_k(Y, S, 1, propensities=propensities, normalize=False) == 1.0
    # No relevant label at all: every metric is 0.
    Y0 = np.zeros((2, 3), dtype=int)
    for metric in (precision_at_k, recall_at_k, ndcg_at_k):
        assert metric(Y0, S, 2) == 0.0
    assert psp_at_k(Y0, S, 2, propensities=propensities) == 0.0


def test_ndcg_matches_scikit_learn_without_ties():
    rng = np.random.RandomState(3)
    S = rng.normal(size=(300, 12))
    Y = (rng.uniform(size=S.shape) < 0.2).astype(int)
    w = rng.uniform(size=300)
    for k in (1, 4, 12):
        assert ndcg_at_k(Y, S, k) == pytest.approx(ndcg_score(Y, S, k=k))
        assert ndcg_at_k(Y, S, k, sample_weight=w) == pytest.approx(
            ndcg_score(Y, S, k=k, sample_weight=w))


def test_recall_is_top_k_accuracy_for_multiclass():
    rng = np.random.RandomState(4)
    S = rng.normal(size=(200, 8))
    y = rng.randint(8, size=200)
    for k in (1, 3, 7):
        assert recall_at_k(y, S, k) == pytest.approx(
            top_k_accuracy_score(y, S, k=k, labels=np.arange(8)))


def test_psp_with_unit_propensities_is_precision():
    rng = np.random.RandomState(5)
    S = rng.normal(size=(100, 10))
    Y = sp.random(100, 10, density=0.25, random_state=5, format="csr")
    Y.data[:] = 1
    ones = np.ones(10)
    for k in (1, 5):
        assert psp_at_k(Y, S, k, propensities=ones, normalize=False) == pytest.approx(
            precision_at_k(Y, S, k))
        # The best achievable P@k of a row is min(k, |relevant|) / k.
        best = np.minimum(np.asarray(Y.sum(axis=1)).ravel(), k).mean() / k
        assert psp_at_k(Y, S, k, propensities=ones) == pytest.approx(
            precision_at_k(Y, S, k) / best)
    # The perfect ranking (scores = truth) reaches 1 whatever the propensities.
    propensities = rng.uniform(0.05, 1.0, size=10)
    assert psp_at_k(Y, Y.toarray(), 1, propensities=propensities) < 1.0  # ties: rare label lost
    scores = Y.toarray() / propensities  # rarer relevant labels first
    for k in (1, 3, 10):
        assert psp_at_k(Y, scores, k, propensities=propensities) == pytest.approx(1.0)


def test_label_propensities_formula():
    Y = np.zeros((100, 4), dtype=int)
    Y[:60, 0] = 1
    Y[:6, 1] = 1
    Y[::2, 2] = 1
    N, A, B = 100, 0.55, 1.5
    C = (math.log(N) - 1) * (B + 1) ** A
    counts = np.array([60, 6, 50, 0])
    expected = 1 / (1 + C * (counts + B) ** -A)
    np.testing.assert_allclose(label_propensities(Y), expected, rtol=1e-12)
    np.testing.assert_allclose(label_propensities(sp.csr_matrix(Y)), expected, rtol=1e-12)
    C2 = (math.log(N) - 1) * (2.6 + 1) ** 0.6
    np.testing.assert_allclose(label_propensities(Y, A=0.6, B=2.6),
                               1 / (1 + C2 * (counts + 2.6) ** -0.6), rtol=1e-12)
    p = label_propensities(Y)
    assert np.all((p > 0) & (p < 1))
    assert p[0] > p[2] > p[1] > p[3]  # more frequent, more likely annotated
    # They are valid propensities for psp_at_k.
    assert 0 <= psp_at_k(Y, np.eye(100, 4), 1, propensities=p) <= 1


def test_label_propensities_errors():
    Y = np.eye(5, dtype=int)
    with pytest.raises(ValueError, match="A"):
        label_propensities(Y, A=0)
    with pytest.raises(ValueError, match="B"):
        label_propensities(Y, B=-1)
    with pytest.raises(ValueError, match="at least 3"):
        label_propensities(Y[:2])
    with pytest.raises(ValueError, match="label_binarize"):
        label_propensities([0, 1, 2, 1])
    with pytest.raises(ValueError, match="binary indicator"):
        label_propensities(2 * Y)


def test_ranking_metric_errors():
    S = np.array([[0.9, 0.1, 0.0, 0.2], [0.3, 0.2, 0.1, 0.0], [0.0, 0.5, 0.5, 0.5]])
    Y = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 1]])
    p = np.full(4, 0.5)
    metrics = [precision_at_k, recall_at_k, ndcg_at_k,
               lambda *a, **kw: psp_at_k(*a, propensities=p, **kw)]
    for metric in metrics:
        with pytest.raises(ValueError, match="k=5 is larger than the number of labels"):
            metric(Y, S, 5)
        with pytest.raises(ValueError, match="k == 0"):
            metric(Y, S, 0)
        with pytest.raises(TypeError, match="k"):
            metric(Y, S, 1.5)
        with pytest.raises(ValueError, match="y_true has shape"):
            metric(Y[:, :3], S, 1)
        with pytest.raises(ValueError, match="y_true has shape"):
            metric(sp.csr_matrix(Y[:2]), S, 1)
        with pytest.raises(ValueError, match="y_true has 2 samples"):
            metric([0, 1], S, 1)
        for bad_y in (["a", "b", "c"], [0.0, 1.0, 2.0], [0, 1, 4], [-1, 0, 1]):
            with pytest.raises(ValueError, match="column indices"):
                metric(bad_y, S, 1)
        with pytest.raises(ValueError, match="binary indicator"):
            metric(2 * Y, S, 1)
        with pytest.raises(ValueError, match="binary indicator"):
            metric(sp.csr_matrix(Y * 0.5), S, 1)
        with pytest.raises(ValueError, match="scores must be of shape"):
            metric([0], [0.1, 0.9], 1)
        with pytest.raises(ValueError, match="scores contains NaN"):
            metric(Y, np.where(S == 0.0, np.nan, S), 1)
        with pytest.raises(TypeError, match="sparse"):
            metric(Y, sp.csr_matrix(S), 1)
        with pytest.raises(ValueError, match="numeric"):
            metric([0], [["a", "b"]], 1)
        with pytest.raises(ValueError, match="sample_weight"):
            metric(Y, S, 1, sample_weight=[1, 1])
        with pytest.raises(ValueError, match="sample_weight"):
            metric(Y, S, 1, sample_weight=[1, -1, 1])
        with pytest.raises(ValueError, match="(?i)sample.weight"):
            metric(Y, S, 1, sample_weight=[0, 0, 0])
    for bad_p, message in (([0.5] * 3, "propensities has 3 entries but scores has 4"),
                           ([0.5, 0.5, 0.0, 0.5], r"propensities must be in \(0, 1\]"),
                           ([0.5, -0.5, 0.5, 0.5], r"propensities must be in \(0, 1\]"),
                           ([2.0, 2.0, 2.0, 2.0], "not their inverses"),
                           ([[0.5] * 4], "1-D"),
                           ([0.5, np.nan, 0.5, 0.5], "propensities")):
        with pytest.raises(ValueError, match=message):
            psp_at_k(Y, S, 1, propensities=bad_p)
    with pytest.raises(TypeError, match="normalize"):
        psp_at_k(Y, S, 1, propensities=p, normalize="yes")
    # Infinite scores are valid: -inf for labels that must never be retrieved.
    inf = np.inf
    assert precision_at_k([2, 0], [[-inf, 0.2, 0.5], [0.1, -inf, -inf]], 1) == 1.0
    assert precision_at_k([0], [[-inf, -inf, -inf]], 1) == 1.0  # all tied: column 0


# -- ranking scorers ----------------------------------------------------------------------


def _string_label_problem(seed=7):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(150, 4))
    y = np.array(["ant", "bee", "cat"])[np.argmax(X[:, :3] + rng.normal(size=(150, 3)), axis=1)]
    return X, y


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
    X, y = _string_label_problem()
    scorer = make_precision_at_k_scorer(2)
    clf = LogisticRegression().fit(X, y)
    # Labels are strings: the scorer maps them to columns through classes_.
    expected = precision_at_k(np.searchsorted(clf.classes_, y), clf.decision_function(X), 2)
    assert scorer(clf, X, y) == pytest.approx(expected)
    scores = cross_val_score(LogisticRegression(), X, y, cv=3, scoring=scorer)
    assert np.all(scores > 0.35)  # P@2 of a good 3-class model (0.5 is the ceiling)
    # Multilabel indicator targets with a one-vs-rest model.
    Xm, Ym = make_multilabel_classification(200, n_features=8, n_classes=6, random_state=0)
    Xm = (Xm - Xm.mean(axis=0)) / Xm.std(axis=0)
    ovr = OneVsRestClassifier(LogisticRegression()).fit(Xm, Ym)
    assert make_precision_at_k_scorer(1)(ovr, Xm, Ym) == pytest.approx(
        precision_at_k(Ym, ovr.decision_function(Xm), 1))
    assert "k=2" in repr(scorer)


def _scorers_and_metrics(propensities):
    return [
        (make_precision_at_k_scorer, precision_at_k, {}),
        (make_recall_at_k_scorer, recall_at_k, {}),
        (make_ndcg_at_k_scorer, ndcg_at_k, {}),
        (make_psp_at_k_scorer, psp_at_k, {"propensities": propensities}),
        (make_psp_at_k_scorer, psp_at_k, {"propensities": propensities, "normalize": False}),
    ]


def test_every_scorer_is_its_metric_on_the_estimator_scores():
    X, y = _string_label_problem()
    Xm, Ym = make_multilabel_classification(200, n_features=8, n_classes=6, random_state=0)
    w = np.random.RandomState(0).uniform(size=len(y))
    clf = LogisticRegression().fit(X, y)
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    ridge = RidgeClassifier().fit(Xm, Ym)
    p3 = np.array([0.9, 0.5, 0.2])
    p6 = label_propensities(Ym)
    for k in (1, 2):
        for (make, metric, kwargs), (_, _, kwargs6) in zip(_scorers_and_metrics(p3),
                                                           _scorers_and_metrics(p6)):
            # decision_function, with string labels mapped through classes_.
            y_idx = np.searchsorted(clf.classes_, y)
            assert make(k, **kwargs)(clf, X, y) == pytest.approx(
                metric(y_idx, clf.decision_function(X), k, **kwargs))
            assert make(k, **kwargs)(clf, X, y, sample_weight=w) == pytest.approx(
                metric(y_idx, clf.decision_function(X), k, sample_weight=w, **kwargs))
            # predict_proba for a model without decision_function.
            assert make(k, **kwargs)(forest, X, y) == pytest.approx(
                metric(y_idx, forest.predict_proba(X), k, **kwargs))
            # A multi-label indicator is passed through, dense or sparse.
            for Y_given in (Ym, sp.csr_matrix(Ym)):
                assert make(k, **kwargs6)(ridge, Xm, Y_given) == pytest.approx(
                    metric(Ym, ridge.decision_function(Xm), k, **kwargs6))


def test_scorers_in_grid_search_and_their_errors():
    Xm, Ym = make_multilabel_classification(200, n_features=8, n_classes=6, random_state=0)
    propensities = label_propensities(Ym)
    scoring = {
        "p@3": make_precision_at_k_scorer(3),
        "r@3": make_recall_at_k_scorer(3),
        "ndcg@3": make_ndcg_at_k_scorer(3),
        "psp@3": make_psp_at_k_scorer(3, propensities=propensities),
    }
    search = GridSearchCV(RidgeClassifier(), {"alpha": [0.1, 100.0]}, scoring=scoring,
                          refit="ndcg@3", cv=3).fit(Xm, Ym)
    for name in scoring:
        assert np.all((search.cv_results_[f"mean_test_{name}"] > 0.2)
                      & (search.cv_results_[f"mean_test_{name}"] <= 1))
    assert repr(scoring["r@3"]) == "make_recall_at_k_scorer(k=3)"
    assert repr(scoring["psp@3"]) == ("make_psp_at_k_scorer(k=3, propensities=<array of shape "
                                      "(6,)>, normalize=True)")
    # Errors at creation, and at scoring time for a wrong number of columns.
    for make in (make_precision_at_k_scorer, make_recall_at_k_scorer, make_ndcg_at_k_scorer):
        with pytest.raises(ValueError, match="k == 0"):
            make(0)
    with pytest.raises(ValueError, match="propensities"):
        make_psp_at_k_scorer(1, propensities=[0.5, 0.0])
    with pytest.raises(TypeError, match="normalize"):
        make_psp_at_k_scorer(1, propensities=[0.5, 0.5], normalize=None)
    ridge = search.best_estimator_
    with pytest.raises(ValueError, match="propensities has 5 entries"):
        make_psp_at_k_scorer(1, propensities=propensities[:5])(ridge, Xm, Ym)
    with pytest.raises(ValueError, match="k=7 is larger"):
        make_ndcg_at_k_scorer(7)(ridge, Xm, Ym)
    # Multi-output classifiers give one probability array per label: refused clearly.
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(Xm, Ym)
    with pytest.raises(ValueError, match="list of arrays"):
        make_recall_at_k_scorer(1)(forest, Xm, Ym)


def test_scorers_consume_sample_weight_under_metadata_routing():
    X, y = _string_label_problem()
    w = np.random.RandomState(1).uniform(0.1, 2.0, size=len(y))
    scorer = make_recall_at_k_scorer(2)
    with pytest.raises(RuntimeError, match="metadata routing"):
        scorer.set_score_request(sample_weight=True)
    cv = KFold(3)
    with config_context(enable_metadata_routing=True):
        model = LogisticRegression().set_fit_request(sample_weight=False)
        # Unrequested weights are an error, as for scikit-learn's scorers.
        with pytest.raises(UnsetMetadataPassedError):
            cross_validate(model, X, y, cv=cv, scoring=scorer, params={"sample_weight": w})
        scorer.set_score_request(sample_weight=True)
        result = cross_validate(model, X, y, cv=cv, scoring=scorer, params={"sample_weight": w},
                                return_estimator=True)
    for (_, test), fitted, score in zip(cv.split(X), result["estimator"],
                                        result["test_score"]):
        expected = recall_at_k(np.searchsorted(fitted.classes_, y[test]),
                               fitted.decision_function(X[test]), 2, sample_weight=w[test])
        assert score == pytest.approx(expected)
    unweighted = cross_val_score(LogisticRegression(), X, y, cv=cv, scoring=scorer)
    assert not np.allclose(unweighted, result["test_score"])


# -- argument validation and module layout ------------------------------------------------

_Y = np.array([[1, 0, 1], [0, 1, 0]])
_S = np.array([[0.9, 0.1, 0.5], [0.3, 0.2, 0.1]])
_P = np.array([[0.7, 0.3], [0.4, 0.6]])
_HALF = np.full(3, 0.5)

# (function, arguments, keyword arguments, the parameter given a bad value): every public
# metric of skdistill.metrics (compare_teachers is tested with _selection) refuses a bad
# value of each of its checked scalar parameters with an error naming the parameter.
_BAD_ARGUMENTS = [
    (precision_at_k, (_Y, _S), {"k": 1.5}, "k"),
    (recall_at_k, (_Y, _S), {"k": "2"}, "k"),
    (ndcg_at_k, (_Y, _S), {"k": None}, "k"),
    (psp_at_k, (_Y, _S), {"k": 2.0, "propensities": _HALF}, "k"),
    (psp_at_k, (_Y, _S, 1), {"propensities": _HALF, "normalize": 1}, "normalize"),
    (precision_at_k, (_Y, _S, 1), {"sample_weight": 2.0}, "sample_weight"),
    (make_precision_at_k_scorer, (), {"k": 1.5}, "k"),
    (make_recall_at_k_scorer, (), {"k": "2"}, "k"),
    (make_ndcg_at_k_scorer, (), {"k": None}, "k"),
    (make_psp_at_k_scorer, (), {"k": 2.0, "propensities": _HALF}, "k"),
    (make_psp_at_k_scorer, (1,), {"propensities": _HALF, "normalize": "yes"}, "normalize"),
    (label_propensities, (_Y,), {"A": -1.0}, "A"),
    (label_propensities, (_Y,), {"B": 0}, "B"),
    (top_label_calibration_curve, ([0, 1], _P), {"n_bins": 0}, "n_bins"),
    (expected_calibration_error, ([0, 1], _P), {"n_bins": 2.5}, "n_bins"),
    (expected_calibration_error, ([0, 1], _P), {"strategy": "kmeans"}, "strategy"),
    (multiclass_brier_score, ([0, 1], _P), {"labels": 3}, "labels"),
    (probability_mse, (_P,), {"reference": 0.5}, "reference"),
    (teacher_report, (DecisionTreeClassifier().fit([[0], [1]], [0, 1]), [[0], [1]], [0, 1]),
     {"n_bins": 0}, "n_bins"),
    (teacher_bias_variance, (DecisionTreeClassifier(), _S),
     {"n_rounds": 0, "p_star": _P, "sampler": _slab_sampler}, "n_rounds"),
    (teacher_bias_variance, (DecisionTreeClassifier(), _S),
     {"reseed": "yes", "p_star": _P, "sampler": _slab_sampler}, "reseed"),
    (teacher_bias_variance, (DecisionTreeClassifier(), _S), {"sampler": 3, "p_star": _P},
     "sampler"),
    (teacher_bias_variance, ("tree", _S), {"p_star": _P, "sampler": _slab_sampler}, "teacher"),
]


@pytest.mark.parametrize("function, args, kwargs, name", _BAD_ARGUMENTS,
                         ids=lambda a: a if isinstance(a, str) else getattr(a, "__name__", ""))
def test_public_metrics_name_the_bad_parameter(function, args, kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of {function.__name__}"):
        function(*args, **kwargs)


def test_every_public_metric_is_validated():
    validated = {function.__name__ for function, *_ in _BAD_ARGUMENTS}
    assert validated == set(skdistill.metrics.__all__) - {"compare_teachers"}


def test_k_below_one_names_k_in_metrics_and_scorers():
    for function, args in ((precision_at_k, (_Y, _S)), (psp_at_k, (_Y, _S)),
                           (make_recall_at_k_scorer, ()), (make_psp_at_k_scorer, ())):
        with pytest.raises(ValueError, match="k == -1, must be >= 1"):
            function(*args, k=-1, **({"propensities": _HALF} if "psp" in function.__name__
                                     else {}))


def test_scorer_factories_take_k_and_the_metric_options():
    for make, metric in ((make_precision_at_k_scorer, precision_at_k),
                         (make_recall_at_k_scorer, recall_at_k),
                         (make_ndcg_at_k_scorer, ndcg_at_k),
                         (make_psp_at_k_scorer, psp_at_k)):
        assert make.__name__ == f"make_{metric.__name__}_scorer"
        options = [name for name in inspect.signature(metric).parameters
                   if name not in ("y_true", "scores", "sample_weight")]
        assert list(inspect.signature(make).parameters) == options
        assert f":func:`{metric.__name__}`" in make.__doc__
    assert str(inspect.signature(make_psp_at_k_scorer)) == "(k=1, *, propensities, normalize=True)"
    with pytest.raises(TypeError, match="propensities"):
        make_psp_at_k_scorer(2)


def _package_imports(module):
    """``{module: names}`` imported by a ``skdistill`` module from its own package."""
    path = Path(skdistill.metrics.__file__).with_name(f"{module}.py")
    imports = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            imports.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return imports


def test_metric_modules_fit_nothing_and_diagnostics_use_the_stable_teacher_api():
    # The metric leaves rest on input checks and the top-k selection only.
    for leaf in ("_calibration_metrics", "_ranking_metrics"):
        assert set(_package_imports(leaf)) <= {"_metric_inputs", "_top_k", "_validation"}, leaf
    assert _package_imports("_diagnostics")["_teacher"] == {"teacher_proba"}
    # skdistill.metrics defines nothing: it is the public home of the three modules' names.
    assert set(_package_imports("metrics")) == {"_calibration_metrics", "_diagnostics",
                                                "_ranking_metrics"}
    for name in skdistill.metrics.__all__:
        assert callable(getattr(skdistill.metrics, name)), name
