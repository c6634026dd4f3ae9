"""DistilledClassifier: teachers, soft-target parameters, unlabelled rows, composition, errors."""

import pickle

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier, fit_soft_targets, make_soft_targets


@pytest.fixture
def data():
    return make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)


def _lr():
    return LogisticRegression(tol=1e-10, max_iter=1000)


def test_defaults_fit_and_are_documented(data):
    X, y = data
    clf = DistilledClassifier().fit(X, y)
    assert type(clf.student_).__name__ == "LogisticRegression"
    assert type(clf.teacher_).__name__ == "HistGradientBoostingClassifier"
    assert clf.classes_.tolist() == [0, 1, 2]
    assert clf.n_features_in_ == 6
    assert clf.predict_proba(X).shape == (200, 3)


def test_student_is_fitted_on_the_teachers_probabilities(data):
    X, y = data
    teacher = RandomForestClassifier(n_estimators=20, random_state=0)
    clf = DistilledClassifier(_lr(), teacher, temperature=2.0, alpha=1.0).fit(X, y)
    P = clone(teacher).fit(X, y).predict_proba(X)
    ref = fit_soft_targets(_lr(), X, make_soft_targets(P, temperature=2.0))
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


def test_alpha_zero_is_ordinary_training(data):
    X, y = data
    clf = DistilledClassifier(_lr(), RandomForestClassifier(n_estimators=5), alpha=0.0).fit(X, y)
    np.testing.assert_allclose(clf.student_.coef_, _lr().fit(X, y).coef_, atol=1e-6)


def test_frozen_teacher_is_not_refitted(data):
    X, y = data
    prefit = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[:100], y[:100])
    before = pickle.dumps(prefit)
    clf = DistilledClassifier(_lr(), FrozenEstimator(prefit), alpha=1.0).fit(X, y)
    assert pickle.dumps(prefit) == before
    ref = fit_soft_targets(_lr(), X, prefit.predict_proba(X))
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


def test_teacher_with_fewer_classes_is_aligned_by_label(data):
    X, y = data
    y = np.array(["a", "b", "c"])[y]
    keep = y != "b"
    prefit = LogisticRegression().fit(X[keep], y[keep])
    clf = DistilledClassifier(_lr(), FrozenEstimator(prefit)).fit(X, y)
    assert clf.classes_.tolist() == ["a", "b", "c"]
    assert clf.student_.classes_.tolist() == ["a", "b", "c"]
    assert clf.predict_proba(X).shape == (200, 3)


def test_prefit_teacher_with_unknown_class_is_refused(data):
    X, y = data
    prefit = LogisticRegression().fit(X, y + 10)
    with pytest.raises(ValueError, match=r"classes \[10, 11, 12\] that are not in y"):
        DistilledClassifier(teacher=FrozenEstimator(prefit)).fit(X, y)


def test_classes_lets_a_prefit_teacher_teach_classes_missing_from_y(data):
    X, y = data
    prefit = LogisticRegression().fit(X, y)
    keep = y != 2  # the student's sample has no row of class 2
    with pytest.raises(ValueError, match=r"classes=\[\.\.\.\]"):
        DistilledClassifier(teacher=FrozenEstimator(prefit), alpha=1.0).fit(X[keep], y[keep])
    clf = DistilledClassifier(_lr(), FrozenEstimator(prefit), classes=[0, 1, 2], alpha=1.0)
    clf.fit(X[keep], y[keep])
    assert clf.classes_.tolist() == [0, 1, 2]
    ref = fit_soft_targets(_lr(), X[keep], prefit.predict_proba(X[keep]))
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


def test_pure_distillation_on_an_unlabelled_pool(data):
    X, y = data
    prefit = LogisticRegression().fit(X, y)
    pool = np.full(len(X), -1)
    with pytest.raises(ValueError, match="also pass classes"):
        DistilledClassifier(teacher=FrozenEstimator(prefit), unlabeled_label=-1).fit(X, pool)
    clf = DistilledClassifier(_lr(), FrozenEstimator(prefit), unlabeled_label=-1,
                              classes=[0, 1, 2]).fit(X, pool)
    ref = fit_soft_targets(_lr(), X, prefit.predict_proba(X))
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


def test_labels_outside_classes_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match=r"labels \[2\] that are not in classes"):
        DistilledClassifier(classes=[0, 1]).fit(X, y)


def _bayes_like(X):
    z = np.column_stack([X[:, 0], X[:, 1], -X[:, 0] - X[:, 1]])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_callable_teacher(data):
    X, y = data
    clf = DistilledClassifier(_lr(), _bayes_like, alpha=1.0).fit(X, y)
    assert clf.teacher_ is _bayes_like
    ref = fit_soft_targets(_lr(), X, _bayes_like(X))
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


@pytest.mark.parametrize(
    "teacher, match",
    [
        (lambda X: np.ones((len(X), 2)) / 2, r"shape \(n_samples, n_classes\)"),
        (lambda X: np.ones((len(X), 3)), "not probabilities"),
        (lambda X: np.random.RandomState(0).normal(size=(len(X), 3)), "logits"),
    ],
)
def test_callable_teacher_returning_non_probabilities(data, teacher, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        DistilledClassifier(teacher=teacher).fit(X, y)


class _RecordingStudent(ClassifierMixin, BaseEstimator):
    """Fitted by row expansion; reassembles the soft targets it was given from it."""

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.X_, self.y_, self.sample_weight_ = X, y, sample_weight
        return self

    def soft_targets(self, X):
        """Each row's total weight per class, normalised: the soft targets it received."""
        index = {row.tobytes(): n for n, row in enumerate(np.asarray(X, dtype=np.float64))}
        targets = np.zeros((len(X), len(self.classes_)))
        for x, label, weight in zip(self.X_, self.y_, self.sample_weight_):
            targets[index[np.asarray(x, dtype=np.float64).tobytes()],
                    np.searchsorted(self.classes_, label)] += weight
        return targets / targets.sum(axis=1, keepdims=True)

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_decision_function_teacher_goes_through_softmax(n_classes):
    """A teacher with scores only: the student's targets are softmax(scores) (expit of the
    single score for two classes), computed here from the fitted teacher's scores."""
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4,
                               n_classes=n_classes, random_state=0)
    teacher = LinearSVC(C=10.0, random_state=0)
    assert not hasattr(teacher, "predict_proba")
    clf = DistilledClassifier(_RecordingStudent(), teacher, alpha=1.0).fit(X, y)
    scores = clf.teacher_.decision_function(X)
    if n_classes == 2:
        expected = np.column_stack([expit(-scores), expit(scores)])
    else:
        expected = softmax(scores, axis=1)
    # scores spread over more than one unit: any other scale gives different targets
    assert np.ptp(scores) > 2
    np.testing.assert_allclose(clf.student_.soft_targets(X), expected, rtol=1e-10)


def test_teacher_cv_gives_out_of_fold_targets(data):
    X, y = data
    cv = KFold(4, shuffle=True, random_state=0)
    teacher = LogisticRegression()
    clf = DistilledClassifier(_lr(), teacher, teacher_cv=cv, n_jobs=2).fit(X, y)
    P = cross_val_predict(teacher, X, y, cv=cv, method="predict_proba")
    np.testing.assert_allclose(clf.student_.coef_, fit_soft_targets(_lr(), X, P).coef_,
                               atol=1e-8)
    # teacher_ is refitted on all labelled rows
    np.testing.assert_allclose(clf.teacher_.coef_, clone(teacher).fit(X, y).coef_)


def test_unlabelled_pool(data):
    X, y = data
    y_semi = y.copy()
    y_semi[100:] = -1
    teacher = LogisticRegression()
    clf = DistilledClassifier(_lr(), teacher, unlabeled_label=-1, alpha=0.5).fit(X, y_semi)
    assert clf.classes_.tolist() == [0, 1, 2]
    fitted_teacher = clone(teacher).fit(X[:100], y[:100])
    np.testing.assert_allclose(clf.teacher_.coef_, fitted_teacher.coef_)
    P = fitted_teacher.predict_proba(X)
    y_index = np.r_[y[:100], np.full(100, -1)]
    targets = make_soft_targets(P, y_index, alpha=0.5)
    np.testing.assert_allclose(targets[100:], P[100:])  # unlabelled rows: pure teacher
    ref = fit_soft_targets(_lr(), X, targets)
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


def test_minus_one_is_a_class_by_default(data):
    X, y = data
    y_pm = np.where(y == 0, -1, 1)
    clf = DistilledClassifier(_lr(), LogisticRegression()).fit(X, y_pm)
    assert clf.classes_.tolist() == [-1, 1]


def test_unlabelled_with_teacher_cv(data):
    X, y = data
    y_semi = y.copy()
    y_semi[150:] = -1
    teacher = LogisticRegression()
    clf = DistilledClassifier(_lr(), teacher, unlabeled_label=-1, teacher_cv=3).fit(X, y_semi)
    # labelled rows: out-of-fold targets; unlabelled rows: the teacher refitted on all
    # labelled rows
    P = np.empty((200, 3))
    P[:150] = cross_val_predict(teacher, X[:150], y[:150], cv=3, method="predict_proba")
    P[150:] = clone(teacher).fit(X[:150], y[:150]).predict_proba(X[150:])
    np.testing.assert_allclose(clf.student_.coef_, fit_soft_targets(_lr(), X, P).coef_,
                               atol=1e-8)


def test_grid_search_over_teacher_and_targets(data):
    X, y = data
    search = GridSearchCV(
        DistilledClassifier(LogisticRegression(max_iter=500),
                            DecisionTreeClassifier(random_state=0)),
        {"teacher__max_depth": [1, 4], "temperature": [1.0, 3.0], "alpha": [0.5, 1.0],
         "student__C": [0.1, 1.0]},
        cv=3,
    ).fit(X, y)
    best, params = search.best_estimator_, search.best_params_
    # the nested parameters reach the fitted teacher and student
    assert best.teacher_.max_depth == params["teacher__max_depth"]
    assert best.teacher_.get_depth() <= params["teacher__max_depth"]
    assert best.student_.C == params["student__C"]
    assert (best.temperature, best.alpha) == (params["temperature"], params["alpha"])
    # The search ranks by the student's own score.
    assert search.score(X, y) == pytest.approx(best.student_.score(X, y))


def test_in_pipeline_clone_and_pickle(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), DistilledClassifier(
        DecisionTreeClassifier(max_depth=3, random_state=0),
        RandomForestClassifier(n_estimators=10, random_state=0)))
    pipe.fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))
    cloned = clone(pipe)
    assert not hasattr(cloned[-1], "student_")
    np.testing.assert_array_equal(cloned.fit(X, y).predict(X), pipe.predict(X))


def test_pandas_feature_names(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    clf = DistilledClassifier(_lr(), LogisticRegression()).fit(df, pd.Series(y))
    assert clf.feature_names_in_.tolist() == list(df.columns)
    np.testing.assert_allclose(clf.predict_proba(df), clf.student_.predict_proba(X))
    with pytest.raises(ValueError, match="feature names should match"):
        clf.predict(df.set_axis([f"g{i}" for i in range(6)], axis=1))


def test_sample_weight_reaches_teacher_and_student(data):
    X, y = data
    w = np.random.RandomState(0).uniform(0.1, 3, len(y))
    clf = DistilledClassifier(_lr(), LogisticRegression()).fit(X, y, sample_weight=w)
    teacher = LogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.teacher_.coef_, teacher.coef_)
    ref = fit_soft_targets(_lr(), X, teacher.predict_proba(X), sample_weight=w)
    np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)


def test_sample_weight_through_metadata_routing(data):
    X, y = data
    w = np.random.RandomState(0).uniform(0.1, 3, len(y))
    with config_context(enable_metadata_routing=True):
        student = _lr().set_fit_request(sample_weight=True)
        teacher = LogisticRegression().set_fit_request(sample_weight=False)
        clf = DistilledClassifier(student, teacher).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(clf.teacher_.coef_, LogisticRegression().fit(X, y).coef_)
        ref = fit_soft_targets(_lr(), X, clf.teacher_.predict_proba(X), sample_weight=w)
        np.testing.assert_allclose(clf.student_.coef_, ref.coef_, atol=1e-8)
        # and through a grid search, which routes sample_weight to fit; like any consumer of
        # sample_weight in score, the estimator says whether its score wants them.
        search = GridSearchCV(clone(clf).set_score_request(sample_weight=False),
                              {"temperature": [1.0, 2.0]}, cv=2).fit(X, y, sample_weight=w)
        targets = make_soft_targets(clf.teacher_.predict_proba(X),
                                    temperature=search.best_params_["temperature"])
        ref = fit_soft_targets(_lr(), X, targets, sample_weight=w)
        np.testing.assert_allclose(search.best_estimator_.student_.coef_, ref.coef_, atol=1e-8)


def test_score_request_decides_the_weights_of_a_search_score(data):
    X, y = data
    w = np.random.RandomState(0).uniform(0.1, 3, len(y))
    cv = KFold(2)
    train, test = next(cv.split(X))

    def clf():
        return DistilledClassifier(_lr().set_fit_request(sample_weight=True),
                                   LogisticRegression().set_fit_request(sample_weight=False))

    with config_context(enable_metadata_routing=True):
        with pytest.raises(UnsetMetadataPassedError, match="set_score_request"):
            GridSearchCV(clf(), {"temperature": [1.0]}, cv=cv).fit(X, y, sample_weight=w)
        fold = clf().fit(X[train], y[train], sample_weight=w[train])
        scores = {}
        for requested in (True, False):
            search = GridSearchCV(clf().set_score_request(sample_weight=requested),
                                  {"temperature": [1.0]}, cv=cv).fit(X, y, sample_weight=w)
            scores[requested] = search.cv_results_["split0_test_score"][0]
        assert scores[True] == pytest.approx(fold.score(X[test], y[test], sample_weight=w[test]))
        assert scores[False] == pytest.approx(fold.score(X[test], y[test]))
        assert scores[True] != pytest.approx(scores[False])


def test_fit_params_without_routing_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="enable_metadata_routing"):
        DistilledClassifier().fit(X, y, groups=np.zeros(len(y)))


def test_delegation_follows_the_student(data):
    X, y = data
    tree = DistilledClassifier(DecisionTreeClassifier(), LogisticRegression())
    assert not hasattr(tree, "decision_function")
    assert hasattr(DistilledClassifier(), "decision_function")
    tree.fit(X, y)
    np.testing.assert_array_equal(tree.predict_log_proba(X), tree.student_.predict_log_proba(X))


# -- bad input: a clear, early error naming the parameter ---------------------------

@pytest.mark.parametrize(
    "params, match",
    [
        ({"temperature": 0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"label_smoothing": 2}, "label_smoothing"),
        ({"loss": "kl"}, "loss"),
        ({"teacher_cv": "five"}, "teacher_cv"),
    ],
)
def test_bad_parameters(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        DistilledClassifier(**params).fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_X(data, bad):
    X, y = data
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        DistilledClassifier().fit(X, y)


def test_nan_allowed_when_student_and_teacher_accept_it(data):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = data
    X = X.copy()
    X[::7, 1] = np.nan
    clf = DistilledClassifier(HistGradientBoostingClassifier(max_iter=5),
                              HistGradientBoostingClassifier(max_iter=5)).fit(X, y)
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_mismatched_lengths(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DistilledClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        DistilledClassifier().fit(X, y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="Negative values.*sample_weight"):
        DistilledClassifier().fit(X, y, sample_weight=-np.ones(len(y)))


def test_single_class(data):
    X, _ = data
    with pytest.raises(ValueError, match="at least 2 classes"):
        DistilledClassifier().fit(X, np.zeros(len(X)))


def test_teacher_without_probabilities():
    X, y = make_classification(random_state=0)
    with pytest.raises(TypeError, match="neither predict_proba nor decision_function"):
        DistilledClassifier(teacher=_NoProba()).fit(X, y)


class _NoProba(DecisionTreeClassifier):
    def __getattribute__(self, name):
        if name in ("predict_proba", "decision_function"):
            raise AttributeError(name)
        return super().__getattribute__(name)


def test_unsupported_student_before_teacher_is_fitted(data):
    X, y = data
    teacher = RandomForestClassifier()
    with pytest.raises(TypeError, match="KNeighborsClassifier cannot be fitted on soft|"
                       "'KNeighborsClassifier' cannot"):
        DistilledClassifier(KNeighborsClassifier(), teacher).fit(X, y)


def test_teacher_cv_with_too_few_rows():
    X = np.arange(8.0).reshape(4, 2)
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="teacher_cv=5 needs at least 5 labelled rows"):
        DistilledClassifier(teacher=LogisticRegression(), teacher_cv=5).fit(X, y)


def test_teacher_cv_with_prefit_teacher(data):
    X, y = data
    prefit = FrozenEstimator(LogisticRegression().fit(X, y))
    with pytest.raises(ValueError, match="teacher_cv has no effect"):
        DistilledClassifier(teacher=prefit, teacher_cv=3).fit(X, y)


def test_all_rows_unlabelled(data):
    X, _ = data
    with pytest.raises(ValueError, match="every row of y is unlabelled"):
        DistilledClassifier(unlabeled_label=-1).fit(X, np.full(len(X), -1))


def test_hinton_loss_needs_a_network_student(data):
    X, y = data
    with pytest.raises(ValueError, match="loss='hinton' needs a network student"):
        DistilledClassifier(loss="hinton").fit(X, y)


def test_sample_weight_with_teacher_that_cannot_take_it(data):
    X, y = data
    teacher = make_pipeline(StandardScaler(), LogisticRegression())
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        DistilledClassifier(teacher=teacher).fit(X, y, sample_weight=np.ones(len(y)))
