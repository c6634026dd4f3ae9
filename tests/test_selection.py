import numpy as np
import pytest
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold, cross_val_predict
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from skdistill import BayesTeacher
from skdistill.datasets import (
    gaussian_class_probability,
    make_gaussian_classification,
    make_retrieval_classification,
    make_slab_classification,
    slab_class_probability,
)
from skdistill.metrics import compare_teachers, multiclass_brier_score


def _tree(depth):
    return DecisionTreeClassifier(max_depth=depth, random_state=0)


def _random_proba(rng, n, k):
    return rng.dirichlet(np.ones(k), size=n)


# -- correctness against direct computation -------------------------------------------------


def test_brier_scores_and_standard_errors_match_direct_computation():
    rng = np.random.RandomState(0)
    y = rng.randint(3, size=50)
    probas = {"a": _random_proba(rng, 50, 3), "b": _random_proba(rng, 50, 3),
              "c": np.full((50, 3), 1 / 3)}
    result = compare_teachers(probas, None, y, return_per_row=True)

    assert result.names == ["a", "b", "c"] and result.scoring == "brier"
    assert result.n_samples == 50 and result.n_fits == 0 and result.n_splits is None
    onehot = np.eye(3)[y]
    for i, P in enumerate(probas.values()):
        per_row = np.array([sum((P[r, k] - onehot[r, k]) ** 2 for k in range(3))
                            for r in range(50)])
        np.testing.assert_allclose(result.per_row_scores[i], per_row)
        assert result.scores[i] == pytest.approx(multiclass_brier_score(y, P))
        mean = per_row.sum() / 50
        variance = ((per_row - mean) ** 2).sum() / 49
        assert result.standard_errors[i] == pytest.approx(np.sqrt(variance / 50))
    for i in range(3):
        for j in range(3):
            d = result.per_row_scores[i] - result.per_row_scores[j]
            assert result.differences[i, j] == pytest.approx(result.scores[i] - result.scores[j])
            assert result.difference_standard_errors[i, j] == pytest.approx(
                np.sqrt(np.var(d, ddof=1) / 50))
    # Paired SEs are not the SEs of independent scores: the shared row-to-row variation
    # cancels, so they are smaller here than sqrt(se_a^2 + se_b^2).
    assert result.difference_standard_errors[0, 1] != pytest.approx(
        np.hypot(result.standard_errors[0], result.standard_errors[1]))
    np.testing.assert_allclose(np.diag(result.differences), 0.0)
    assert result.best_index == int(np.argmin(result.scores))
    assert result.best_name == result.names[result.best_index]


def test_log_loss_matches_sklearn_including_zero_probabilities():
    y = np.array([0, 1, 2, 1, 0])
    P = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0],  # p_y = 0: clipped
                  [0.1, 0.6, 0.3], [0.4, 0.4, 0.2]])
    result = compare_teachers([P], None, y, scoring="log_loss", return_per_row=True)
    assert result.names == ["proba"]
    assert result.scores[0] == pytest.approx(log_loss(y, P))
    assert np.isfinite(result.per_row_scores).all()


def test_binary_positive_class_probabilities_are_expanded():
    y = np.array([0, 1, 1, 0])
    p = np.array([0.2, 0.9, 0.6, 0.5])
    result = compare_teachers({"one": p, "two": np.column_stack([1 - p, p])}, None, y)
    assert result.scores[0] == pytest.approx(result.scores[1])
    assert result.scores[0] == pytest.approx(multiclass_brier_score(y, p))


def test_cross_validated_candidates_are_scored_out_of_fold():
    X, y, _ = make_gaussian_classification(120, separation=0.5, random_state=0)
    splits = list(KFold(4, shuffle=True, random_state=1).split(X))
    result = compare_teachers([LogisticRegression(), _tree(3)], X, y, cv=splits,
                              return_proba=True, return_estimators=True, return_per_row=True)

    assert result.names == ["logisticregression", "decisiontreeclassifier"]
    assert result.n_splits == 4 and result.n_fits == 8 and result.fit_time > 0
    assert result.total_time >= result.fit_time  # sequential fits: wall clock covers them
    for i, estimator in enumerate([LogisticRegression(), _tree(3)]):
        expected = cross_val_predict(estimator, X, y, cv=splits, method="predict_proba")
        np.testing.assert_allclose(result.proba[i], expected)
        assert result.scores[i] == pytest.approx(multiclass_brier_score(y, expected))
        # The fold clones, in the order of the folds, each predicts its own test fold.
        assert len(result.estimators[i]) == 4
        for fitted, (_, test) in zip(result.estimators[i], splits):
            np.testing.assert_allclose(fitted.predict_proba(X[test]), result.proba[i][test])


def test_int_cv_is_stratified_and_random_state_seeds_shuffling_splitters():
    X, y, _ = make_gaussian_classification(90, separation=0.5, random_state=2)
    tree = _tree(2)
    by_int = compare_teachers(tree, X, y, cv=3, return_proba=True)
    expected = cross_val_predict(tree, X, y, cv=StratifiedKFold(3), method="predict_proba")
    np.testing.assert_allclose(by_int.proba[0], expected)
    assert by_int.n_splits == 3
    assert compare_teachers(tree, X, y, cv=None).n_splits == 5

    shuffling = KFold(3, shuffle=True)
    first = compare_teachers(tree, X, y, cv=shuffling, random_state=0, return_per_row=True)
    again = compare_teachers(tree, X, y, cv=shuffling, random_state=0, return_per_row=True)
    other = compare_teachers(tree, X, y, cv=shuffling, random_state=1, return_per_row=True)
    np.testing.assert_array_equal(first.per_row_scores, again.per_row_scores)
    assert not np.array_equal(first.per_row_scores, other.per_row_scores)
    assert shuffling.random_state is None  # the caller's splitter is left alone


def test_parallel_fits_equal_sequential_fits():
    X, y, _ = make_slab_classification(200, random_state=0)
    candidates = {"shallow": _tree(2), "deep": _tree(6), "logistic": LogisticRegression()}
    one = compare_teachers(candidates, X, y, cv=4, n_jobs=1, return_per_row=True)
    two = compare_teachers(candidates, X, y, cv=4, n_jobs=2, return_per_row=True)
    np.testing.assert_array_equal(one.per_row_scores, two.per_row_scores)
    np.testing.assert_array_equal(one.differences, two.differences)
    np.testing.assert_array_equal(one.difference_standard_errors,
                                  two.difference_standard_errors)
    assert one.best_name == two.best_name and one.n_fits == two.n_fits == 12


def test_prefit_callable_and_array_candidates_share_the_scored_rows():
    X_fit, y_fit, _ = make_gaussian_classification(200, separation=0.25, random_state=0)
    X, y, p_star = make_gaussian_classification(150, separation=0.25, random_state=1)
    logistic = LogisticRegression().fit(X_fit, y_fit)
    bayes = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25}).fit(X, y)
    result = compare_teachers(
        [FrozenEstimator(logistic), FrozenEstimator(bayes), slab_class_probability, p_star,
         _tree(3)],
        X, y, cv=3, return_proba=True)

    assert result.names == ["logisticregression", "bayesteacher", "slab_class_probability",
                            "proba", "decisiontreeclassifier"]
    np.testing.assert_allclose(result.proba[0], logistic.predict_proba(X))
    np.testing.assert_allclose(result.proba[1], p_star)
    np.testing.assert_allclose(result.proba[2], slab_class_probability(X))
    np.testing.assert_allclose(result.proba[3], p_star)
    assert result.n_fits == 3  # only the unfitted tree is cross-validated
    # The Bayes teacher and its probability matrix are the same candidate, twice.
    assert result.differences[1, 3] == 0.0 and result.difference_standard_errors[1, 3] == 0.0


def test_repeated_class_names_are_numbered_as_in_make_pipeline():
    X, y, _ = make_gaussian_classification(60, random_state=0)
    result = compare_teachers([_tree(1), LogisticRegression(), _tree(2), _tree(3)], X, y, cv=2)
    assert result.names == ["decisiontreeclassifier-1", "logisticregression",
                            "decisiontreeclassifier-2", "decisiontreeclassifier-3"]
    assert compare_teachers({1: _tree(1)}, X, y, cv=2).names == ["1"]


def test_columns_are_aligned_through_the_teacher_step():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    y = np.array(["cat", "dog", "emu"])[rng.randint(3, size=90)]
    # A prefit teacher that never saw "dog" gives it probability zero, in the right column.
    seen = y != "dog"
    partial = LogisticRegression().fit(X[seen], y[seen])
    result = compare_teachers({"partial": FrozenEstimator(partial)}, X, y, return_proba=True)
    np.testing.assert_array_equal(result.classes, ["cat", "dog", "emu"])
    np.testing.assert_allclose(result.proba[0][:, 1], 0.0)
    np.testing.assert_allclose(result.proba[0][:, [0, 2]], partial.predict_proba(X))
    assert result.scores[0] == pytest.approx(
        multiclass_brier_score(y, result.proba[0], labels=["cat", "dog", "emu"]))

    # A decision_function-only teacher is read through a softmax, as the distiller reads it.
    svc = compare_teachers(LinearSVC(), X, y, cv=3, return_proba=True)
    np.testing.assert_allclose(svc.proba[0].sum(axis=1), 1.0)


def test_classes_lists_labels_missing_from_y():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y = rng.randint(3, size=60)
    teacher = LogisticRegression().fit(X, y)
    y_two = np.where(y == 2, 1, y)  # scored rows without class 2
    with pytest.raises(ValueError, match="candidate 'logisticregression': .*not in y"):
        compare_teachers(FrozenEstimator(teacher), X, y_two)
    result = compare_teachers(FrozenEstimator(teacher), X, y_two, classes=[0, 1, 2])
    np.testing.assert_array_equal(result.classes, [0, 1, 2])


def test_optional_outputs_are_off_by_default():
    X, y, _ = make_gaussian_classification(40, random_state=0)
    result = compare_teachers(_tree(2), X, y, cv=2)
    assert not {"per_row_scores", "proba", "estimators"} & set(result)


# -- bad input ------------------------------------------------------------------------------


def test_bad_probability_matrices_are_refused_with_the_candidate_name():
    y = np.array([0, 1, 1, 0])
    good = np.array([[0.8, 0.2], [0.3, 0.7], [0.5, 0.5], [0.9, 0.1]])
    with pytest.raises(ValueError, match=r"candidate 'short'.*shape .*\(4, 2\).*got shape "
                                         r"\(3, 2\)"):
        compare_teachers({"short": good[:3]}, None, y)
    with pytest.raises(ValueError, match=r"'wide'.*\(4, 2\).*got shape \(4, 3\)"):
        compare_teachers({"wide": np.full((4, 3), 1 / 3)}, None, y)
    with pytest.raises(ValueError, match="'logits'.*sum to 1.*softmax"):
        compare_teachers({"logits": good * 3}, None, y)
    with pytest.raises(ValueError, match="non-negative"):
        compare_teachers({"neg": np.array([[1.2, -0.2]] * 4)}, None, y)
    with pytest.raises(ValueError, match="NaN"):
        compare_teachers({"nan": np.where(good > 0.85, np.nan, good)}, None, y)
    with pytest.raises(ValueError, match="1-D.*3 classes"):
        compare_teachers([np.full(6, 0.5)], None, [0, 1, 2, 0, 1, 2])
    with pytest.raises(TypeError, match="'word'.*neither a classifier"):
        compare_teachers({"word": "teacher"}, None, y)
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="candidate 'scores': the teacher callable.*sum to 1"):
        compare_teachers({"scores": lambda X: X}, X, y)


def test_bad_arguments_are_refused_early():
    X, y, _ = make_gaussian_classification(40, random_state=0)
    with pytest.raises(ValueError, match="scoring"):
        compare_teachers(_tree(2), X, y, scoring="accuracy")
    with pytest.raises(TypeError, match="candidate 'linearregression'.*neither predict_proba "
                                        "nor decision_function"):
        compare_teachers([_tree(2), LinearRegression()], X, y)
    with pytest.raises(ValueError, match="X has 39 rows but y has 40"):
        compare_teachers(_tree(2), X[:-1], y)
    with pytest.raises(ValueError, match=r"X is None but candidates \['decisiontreeclassifier'\]"):
        compare_teachers(_tree(2), None, y)
    with pytest.raises(ValueError, match="empty"):
        compare_teachers([], X, y)
    with pytest.raises(ValueError, match="empty dict"):
        compare_teachers({}, X, y)
    with pytest.raises(ValueError, match="partition the rows.*FrozenEstimator"):
        compare_teachers(_tree(2), X, y, cv=ShuffleSplit(3, random_state=0))
    with pytest.raises(ValueError, match="cv=50 cannot split the 40 rows"):
        compare_teachers(_tree(2), X, y, cv=50)
    with pytest.raises(ValueError, match="at least 2"):
        compare_teachers([np.array([[0.5, 0.5]])], None, [0])
    with pytest.raises(ValueError, match="Unknown label type"):
        compare_teachers(_tree(2), X, np.linspace(0, 1, 40))
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        compare_teachers(_tree(2), X, np.where(y == 1, 2, y), classes=[0, 1])
    with pytest.raises(ValueError, match="distinct"):
        compare_teachers({1: _tree(1), "1": _tree(2)}, X, y)


# -- the statistical claim: Brier differences track MSE-to-p* differences --------------------

_, _, _, _RETRIEVAL = make_retrieval_classification(
    1, n_classes=5, n_features=5, temperature=1.0, return_model=True, random_state=0)


def _retrieval(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, 5))
    return X, _RETRIEVAL.sample(X, rng), _RETRIEVAL(X)


_PROBLEMS = {
    "gaussian": lambda n, seed: make_gaussian_classification(n, separation=0.25,
                                                             random_state=seed),
    "slab": lambda n, seed: make_slab_classification(n, random_state=seed),
    "retrieval": _retrieval,
}

# Clearly different teachers (the MSE gap is ~5 standard errors) and teachers of
# similar quality (a gap of ~0.5 to 2 standard errors).
_PAIRS = {
    "gaussian-clear": ("gaussian", LogisticRegression(), _tree(4)),
    "slab-clear": ("slab", _tree(2), _tree(10)),
    "slab-similar": ("slab", _tree(5), _tree(6)),
    "retrieval-clear": ("retrieval", LogisticRegression(), _tree(3)),
    "retrieval-similar": ("retrieval", LogisticRegression(), LogisticRegression(C=0.1)),
    "gaussian-near-identical": ("gaussian", LogisticRegression(), GaussianNB()),
}


def _z_statistics(pair, seeds, n=300, n_splits=3, n_fresh=20_000):
    """Per seed: the Brier difference's errors in SEs against two truths, and the gap.

    ``rows``: truth is the MSE-to-p* difference of the same held-out probabilities on
    the same rows. ``population``: truth is the fold teachers' MSE-to-p* difference over
    fresh x (what the SE is the uncertainty of), weighted as the rows are over folds.
    """
    problem, a, b = _PAIRS[pair]
    draw = _PROBLEMS[problem]
    X_fresh, _, P_fresh = draw(n_fresh, 10**6)
    z_rows, z_population, gap = [], [], []
    with threadpool_limits(1):  # BLAS threads only slow down fits this small
        for seed in seeds:
            X, y, P = draw(n, seed)
            splits = list(KFold(n_splits, shuffle=True, random_state=seed).split(X))
            result = compare_teachers([a, b], X, y, cv=splits, return_proba=True,
                                      return_estimators=True)
            d, se = result.differences[0, 1], result.difference_standard_errors[0, 1]
            m_a, m_b = (np.sum((Q - P) ** 2, axis=1) for Q in result.proba)
            truth_rows = np.mean(m_a - m_b)
            truth_population = sum(
                len(test) / n * np.mean(np.sum((fa.predict_proba(X_fresh) - P_fresh) ** 2, 1)
                                        - np.sum((fb.predict_proba(X_fresh) - P_fresh) ** 2, 1))
                for (_, test), fa, fb in zip(splits, *result.estimators))
            z_rows.append((d - truth_rows) / se)
            z_population.append((d - truth_population) / se)
            gap.append(truth_population / se)
    return np.array(z_rows), np.array(z_population), np.array(gap)


_FAST_PAIRS = ["gaussian-clear", "slab-clear", "slab-similar", "retrieval-clear",
               "retrieval-similar"]


@pytest.fixture(scope="module")
def z_statistics():
    return {pair: _z_statistics(pair, range(50)) for pair in _FAST_PAIRS}


@pytest.mark.parametrize("pair", _FAST_PAIRS)
def test_brier_difference_tracks_the_mse_to_p_star_difference(z_statistics, pair):
    z_rows, z_population, gap = z_statistics[pair]
    # Within 3 SE of the truth on the same rows, in (nearly) every one of 50 seeds: with
    # normal errors of sd up to 1.25, at most 3 misses out of 50 has probability > 0.99.
    assert np.mean(np.abs(z_rows) < 3) >= 0.94
    # Against the population truth, 50 z's have a mean within ~4 SE of 0 and a sd near 1.
    assert abs(z_population.mean()) < 0.65
    assert 0.6 < z_population.std(ddof=1) < 1.65
    if pair.endswith("clear"):
        # The comparison sees the gap: the truly better teacher wins clearly.
        assert np.median(np.abs(gap)) > 4
        estimate = z_population + gap  # the estimated difference in SEs
        assert np.mean(np.sign(gap) * estimate > 2) >= 0.9
    else:
        assert np.median(np.abs(gap)) < 2.5


def test_z_statistics_pooled_over_problems_look_standard_normal(z_statistics):
    z_rows = np.concatenate([z_statistics[pair][0] for pair in _FAST_PAIRS])
    z_population = np.concatenate([z_statistics[pair][1] for pair in _FAST_PAIRS])
    # 250 z's: the SE of their mean is ~0.07 and of their sd ~0.05. Across blocks of
    # seeds the pooled mean stays within ±0.12 and the sd within [1.07, 1.13] (the per-row
    # SE ignores the folds' dependence, so it is ~10% small); the bounds are far outside.
    assert abs(z_population.mean()) < 0.3
    assert 0.85 < z_population.std(ddof=1) < 1.35
    # Against the same-rows truth the row-to-row variation of the MSE gap is not an
    # error, so the z's are narrower.
    assert abs(z_rows.mean()) < 0.3
    assert 0.7 < z_rows.std(ddof=1) < 1.3
    assert z_rows.std(ddof=1) < z_population.std(ddof=1)


@pytest.mark.slow
@pytest.mark.parametrize("pair", list(_PAIRS))
def test_brier_difference_z_statistics_many_seeds(pair):
    z_rows, z_population, _ = _z_statistics(pair, range(1000, 1300))
    assert np.mean(np.abs(z_rows) < 3) >= 0.97
    assert abs(z_population.mean()) < 0.3
    # Near-identical teachers close to p* show the largest excess (sd ~1.2): the fold
    # teachers' dependence matters most when the per-row differences are small.
    assert 0.8 < z_population.std(ddof=1) < 1.4
