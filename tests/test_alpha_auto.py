"""alpha="auto": the mixing weight chosen by the student's held-out log-loss."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import RandomForestClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier, DistilledRegressor
from skdistill._alpha_search import ALPHA_FOLDS, ALPHA_GRID


def test_a_useless_teacher_gets_alpha_zero_and_the_student_of_the_labels():
    X, y = make_classification(400, n_features=8, n_informative=5, random_state=0)
    clf = DistilledClassifier(LogisticRegression(), DummyClassifier(strategy="prior"),
                              alpha="auto", teacher_cv=5, random_state=0).fit(X, y)
    assert clf.alpha_ == 0.0
    assert clf.alpha_scores_.shape == (len(ALPHA_GRID),)
    assert clf.alpha_scores_[0] == clf.alpha_scores_.min() < clf.alpha_scores_[-1]
    on_labels = LogisticRegression().fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), on_labels.predict_proba(X), atol=1e-4)


def test_a_good_teacher_is_followed_by_a_small_student():
    X, y = make_classification(2000, n_features=10, n_informative=6, flip_y=0.2,
                               random_state=1)
    X_test, y_test = X[1000:], y[1000:]
    X, y = X[:1000], y[:1000]
    student = DecisionTreeClassifier(max_depth=6, random_state=0)
    teacher = RandomForestClassifier(n_estimators=200, min_samples_leaf=5, random_state=0)
    clf = DistilledClassifier(student, teacher, alpha="auto", teacher_cv=5,
                              random_state=0).fit(X, y)
    assert clf.alpha_ > 0.0
    alone = student.fit(X, y)
    assert (log_loss(y_test, clf.predict_proba(X_test))
            < log_loss(y_test, alone.predict_proba(X_test)))


def test_the_scores_are_the_students_held_out_log_loss(monkeypatch):
    X, y = make_classification(200, n_features=6, random_state=0)
    clf = DistilledClassifier(LogisticRegression(), LogisticRegression(), alpha="auto",
                              teacher_cv=4, random_state=0).fit(X, y)
    fixed = [DistilledClassifier(LogisticRegression(), LogisticRegression(), alpha=a,
                                 teacher_cv=4, random_state=0).fit(X, y) for a in ALPHA_GRID]
    assert clf.alpha_ in ALPHA_GRID
    best = fixed[ALPHA_GRID.index(clf.alpha_)]
    np.testing.assert_allclose(clf.predict_proba(X), best.predict_proba(X))


def test_alpha_auto_is_the_default_and_refuses_unknown_strings():
    assert DistilledClassifier().alpha == "auto"
    assert DistilledRegressor().alpha == "auto"
    X, y = make_classification(100, random_state=0)
    with pytest.raises(ValueError, match="alpha"):
        DistilledClassifier(alpha="best").fit(X, y)


def test_without_teacher_cv_it_is_the_grid_search_over_alpha():
    """Without teacher_cv the fold teachers are fitted on the folds' training rows, as in
    GridSearchCV around the estimator: the same folds, targets and students, so the same
    held-out log-loss per alpha and the same choice."""
    X, y = make_classification(240, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    teacher = RandomForestClassifier(n_estimators=20, min_samples_leaf=3, random_state=0)
    clf = DistilledClassifier(LogisticRegression(), teacher, random_state=0).fit(X, y)
    search = GridSearchCV(DistilledClassifier(LogisticRegression(), teacher, random_state=0),
                          {"alpha": list(ALPHA_GRID)}, cv=ALPHA_FOLDS,
                          scoring="neg_log_loss").fit(X, y)
    np.testing.assert_allclose(clf.alpha_scores_, -search.cv_results_["mean_test_score"],
                               rtol=1e-6)
    assert clf.alpha_ == search.best_params_["alpha"]
    np.testing.assert_allclose(clf.predict_proba(X), search.predict_proba(X))


_FITS = []


class _CountingForest(RandomForestClassifier):
    def fit(self, X, y, sample_weight=None):
        _FITS.append(len(y))
        return super().fit(X, y, sample_weight)


def test_the_fold_teachers_are_cached_with_memory(tmp_path):
    X, y = make_classification(150, n_features=6, random_state=0)
    fits = _FITS
    fits.clear()
    teacher = _CountingForest(n_estimators=5, random_state=0)
    for C in (1.0, 0.1):
        DistilledClassifier(LogisticRegression(C=C), teacher, memory=str(tmp_path),
                            random_state=0).fit(X, y)
    assert len(fits) == 1 + ALPHA_FOLDS  # the full teacher and one per fold, once


def test_a_prefit_teacher_and_a_loss_are_searched_as_they_are_fitted():
    X, y = make_classification(200, n_features=6, random_state=0)
    prefit = FrozenEstimator(DummyClassifier(strategy="prior").fit(X, y))
    clf = DistilledClassifier(LogisticRegression(), prefit, random_state=0).fit(X, y)
    assert clf.alpha_ == 0.0  # the prior teaches nothing
    np.testing.assert_allclose(clf.predict_proba(X),
                               LogisticRegression().fit(X, y).predict_proba(X), atol=1e-4)


def test_too_few_labelled_rows_fall_back_to_pure_distillation_with_a_warning():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(UserWarning, match="alpha='auto'.*too few.*alpha=1"):
        clf = DistilledClassifier(LogisticRegression(), LogisticRegression()).fit(X, y)
    assert clf.alpha_ == 1.0 and clf.alpha_scores_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DistilledClassifier(LogisticRegression(), LogisticRegression(), alpha=1.0).fit(X, y)


def test_the_regressor_chooses_alpha_by_held_out_squared_error():
    X, y = make_regression(300, n_features=5, noise=20.0, random_state=0)
    # a teacher that predicts the mean: the student is better on y alone
    reg = DistilledRegressor(LinearRegression(), DummyRegressor(), random_state=0).fit(X, y)
    assert reg.alpha_ == 0.0
    np.testing.assert_allclose(reg.predict(X), LinearRegression().fit(X, y).predict(X))
    search = GridSearchCV(DistilledRegressor(LinearRegression(), DummyRegressor()),
                          {"alpha": list(ALPHA_GRID)}, cv=ALPHA_FOLDS,
                          scoring="neg_mean_squared_error").fit(X, y)
    np.testing.assert_allclose(reg.alpha_scores_, -search.cv_results_["mean_test_score"],
                               rtol=1e-6)
