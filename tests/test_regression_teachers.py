"""Choosing regression teachers: compare_teachers(scoring="mse") and TeacherSearchRegressorCV."""

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

from skdistill import TeacherSearchCV, TeacherSearchRegressorCV
from skdistill.metrics import compare_teachers


def _friedman(n, noise, seed):
    """Friedman's first problem with its regression function ``f*`` returned too."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, 5))
    f_star = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
              + 10 * X[:, 3] + 5 * X[:, 4])
    return X, f_star + noise * rng.normal(size=n), f_star


@pytest.fixture
def friedman():
    return _friedman(400, noise=2.0, seed=0)


def _tree(depth):
    return DecisionTreeRegressor(max_depth=depth, random_state=0)


def test_mse_is_the_out_of_fold_squared_error(friedman):
    X, y, _ = friedman
    candidates = {"ridge": Ridge(), "tree": _tree(4)}
    result = compare_teachers(candidates, X, y, scoring="mse", cv=5, return_per_row=True,
                              return_proba=True)
    for i, model in enumerate(candidates.values()):
        # plain folds, as cross_val_predict makes them for a regressor
        oof = cross_val_predict(model, X, y, cv=KFold(5))
        np.testing.assert_array_equal(result.proba[i], oof)
        np.testing.assert_allclose(result.per_row_scores[i], (oof - y) ** 2, rtol=1e-12)
        assert result.scores[i] == pytest.approx(np.mean((oof - y) ** 2), rel=1e-12)
    assert result.classes is None and result.n_fits == 10
    d = result.per_row_scores[0] - result.per_row_scores[1]
    assert result.difference_standard_errors[0, 1] == pytest.approx(
        d.std(ddof=1) / np.sqrt(len(d)), rel=1e-12)


def test_mse_differences_estimate_differences_of_mse_to_the_regression_function():
    # E (f - y)^2 = (f - f*)^2 + noise variance: on the same rows, the difference of two
    # teachers' held-out MSEs and the difference of their MSEs to f* differ only by
    # 2 mean((f_j - f_i) * noise), a zero-mean term
    X, y, f_star = _friedman(2000, noise=3.0, seed=1)
    result = compare_teachers([Ridge(), _tree(3), _tree(8)], X, y, scoring="mse",
                              return_proba=True)
    to_f_star = np.array([np.mean((P - f_star) ** 2) for P in result.proba])
    noise = y - f_star
    for i in range(3):
        for j in range(3):
            gap = result.differences[i, j] - (to_f_star[i] - to_f_star[j])
            term = 2 * (result.proba[j] - result.proba[i]) * noise
            assert abs(gap) <= 3 * term.std(ddof=1) / np.sqrt(len(y)) + 1e-9
    # the constant each score carries is the noise variance
    assert np.allclose(result.scores - to_f_star, np.mean(noise ** 2), atol=0.5)


def test_mse_candidates_of_every_kind(friedman):
    X, y, f_star = friedman
    prefit = FrozenEstimator(Ridge().fit(X[:200], y[:200]))
    result = compare_teachers(
        {"frozen": prefit, "truth": lambda X: f_star, "array": f_star + 1.0,
         "knn": KNeighborsRegressor()}, X, y, scoring="mse", return_per_row=True)
    np.testing.assert_allclose(result.per_row_scores[0], (prefit.predict(X) - y) ** 2)
    np.testing.assert_allclose(result.per_row_scores[1], (f_star - y) ** 2)
    np.testing.assert_allclose(result.per_row_scores[2], (f_star + 1.0 - y) ** 2)
    assert result.best_name == "truth"
    # arrays alone need no X
    alone = compare_teachers([f_star, f_star + 1.0], None, y, scoring="mse")
    assert alone.names == ["predictions-1", "predictions-2"]


def test_mse_of_several_outputs_sums_them(friedman):
    X, y, _ = friedman
    Y = np.column_stack([y, -2 * y])
    result = compare_teachers([_tree(4)], X, Y, scoring="mse", return_per_row=True,
                              return_proba=True)
    oof = cross_val_predict(_tree(4), X, Y, cv=KFold(5))
    np.testing.assert_allclose(result.per_row_scores[0], ((oof - Y) ** 2).sum(axis=1))
    with pytest.raises(ValueError, match=r"must have shape \(n_samples, n_outputs\)"):
        compare_teachers([y], None, Y, scoring="mse")


def test_each_scoring_refuses_the_other_tasks_teachers(friedman):
    X, y, _ = friedman
    with pytest.raises(TypeError, match="candidate 'logisticregression'.*is a classifier.*"
                                        "compare classifiers with scoring='brier'"):
        compare_teachers([Ridge(), LogisticRegression()], X, y, scoring="mse")
    labels = (y > np.median(y)).astype(int)
    with pytest.raises(TypeError, match="candidate 'ridge'.*regressor.*pass scoring='mse'"):
        compare_teachers([LogisticRegression(), Ridge()], X, labels)
    with pytest.raises(ValueError, match="classes has no meaning with scoring='mse'"):
        compare_teachers([Ridge()], X, y, scoring="mse", classes=[0, 1])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        compare_teachers([Ridge()], X, np.full(len(y), np.nan), scoring="mse")


# -- TeacherSearchRegressorCV ------------------------------------------------------------


def test_the_search_chooses_the_lowest_held_out_mse_and_refits_it(friedman):
    X, y, _ = friedman
    candidates = [("ridge", Ridge()), ("deep", _tree(8)), ("shallow", _tree(3))]
    search = TeacherSearchRegressorCV(candidates, cv=4).fit(X, y)
    reference = compare_teachers(dict(candidates), X, y, scoring="mse", cv=4)
    np.testing.assert_array_equal(search.comparison_.scores, reference.scores)
    assert search.best_name_ == reference.best_name
    assert search.best_score_ == reference.scores[reference.best_index]
    assert search.n_fits_ == 3 * 4 + 1
    best = dict(candidates)[search.best_name_]
    np.testing.assert_array_equal(search.predict(X), best.fit(X, y).predict(X))
    assert search.score(X, y) == pytest.approx(best.score(X, y))
    assert search.get_params()["deep__max_depth"] == 8


def test_the_search_weights_rows_and_seeds_candidates(friedman):
    X, y, _ = friedman
    w = np.random.RandomState(0).uniform(0.1, 2.0, size=len(y))
    search = TeacherSearchRegressorCV([Ridge(), _tree(4)], cv=3).fit(X, y, sample_weight=w)
    reference = compare_teachers([Ridge(), _tree(4)], X, y, scoring="mse", cv=3,
                                 sample_weight=w)
    np.testing.assert_array_equal(search.comparison_.scores, reference.scores)

    def forest(seed):
        return TeacherSearchRegressorCV([RandomForestRegressor(n_estimators=5)], cv=2,
                                        random_state=seed).fit(X, y).predict(X)

    np.testing.assert_array_equal(forest(0), forest(0))
    assert not np.array_equal(forest(0), forest(1))


@pytest.mark.parametrize("candidates, error, match", [
    ([], ValueError, "give at least one regressor"),
    ([("a", Ridge(), 1)], ValueError, r"\(str, regressor\) pair"),
    ([("cv", Ridge())], ValueError, "clash with parameters of TeacherSearchRegressorCV"),
    ([LogisticRegression()], TypeError, "is a classifier.*with TeacherSearchCV"),
    ([np.zeros(3)], TypeError, "not a regressor.*scoring='mse'"),
])
def test_bad_candidates_are_refused(friedman, candidates, error, match):
    X, y, _ = friedman
    with pytest.raises(error, match=match):
        TeacherSearchRegressorCV(candidates).fit(X, y)


def test_the_classification_search_points_regressors_to_its_twin():
    X, y, _ = _friedman(60, noise=1.0, seed=0)
    with pytest.raises(TypeError, match="neither predict_proba nor decision_function.*"
                                        "TeacherSearchRegressorCV"):
        TeacherSearchCV([LinearRegression()]).fit(X, y > np.median(y))


def test_the_search_is_a_regressor_and_a_regression_teacher(friedman):
    from sklearn.base import is_regressor

    from skdistill._teacher import as_teacher

    search = TeacherSearchRegressorCV([Ridge(), HistGradientBoostingRegressor(max_iter=5)])
    assert is_regressor(search)
    assert as_teacher(search).task == "regression"
    assert not search.__sklearn_tags__().target_tags.multi_output  # the boosting has one
    assert TeacherSearchRegressorCV([Ridge(), _tree(2)]).__sklearn_tags__(
    ).target_tags.multi_output
