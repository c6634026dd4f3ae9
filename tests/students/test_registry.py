"""fit_soft_targets dispatch, validation, pipelines and the generic sample_weight expansion."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from skdistill import fit_soft_targets, register_student_adapter, supports_soft_targets
from skdistill.students import _registry
from skdistill.students._registry import PREDICTIONS, StudentAdapter, find_adapter


def test_unsupported_student_gets_type_error_naming_what_is_supported(soft_problem):
    X, P = soft_problem
    with pytest.raises(TypeError, match="KNeighborsClassifier.*Supported:.*LogisticRegression|"
                       "KNeighborsClassifier.*Supported:.*sample_weight"):
        fit_soft_targets(KNeighborsClassifier(), X, P)
    assert not supports_soft_targets(KNeighborsClassifier())
    assert supports_soft_targets(GaussianNB())


def test_generic_sample_weight_classifier_is_fitted_on_expansion(soft_problem):
    X, P = soft_problem
    nb = fit_soft_targets(GaussianNB(), X, P)
    # GaussianNB's class priors are the weighted class frequencies: the soft class mass.
    np.testing.assert_allclose(nb.class_prior_, P.mean(axis=0))
    # ... and its class means are the soft-weighted means of X.
    np.testing.assert_allclose(nb.theta_, (P.T @ X) / P.sum(axis=0)[:, None])


@pytest.mark.parametrize(
    "P, match",
    [
        (np.array([[0.5, 0.6], [0.5, 0.5]]), "sum to 1"),
        (np.array([[1.5, -0.5], [0.5, 0.5]]), "negative"),
        (np.array([[np.nan, 1.0], [0.5, 0.5]]), "NaN"),
        (np.array([0.5, 0.5]), "2-D"),
        (np.array([[0.5, 0.5]]), "rows but X has"),
        ([["a", "b"], ["a", "b"]], "numeric"),
    ],
)
def test_bad_soft_targets(P, match):
    X = np.zeros((2, 1))
    with pytest.raises(ValueError, match=match):
        fit_soft_targets(LogisticRegression(), X, P)


def test_classes_must_match_columns(soft_problem):
    X, P = soft_problem
    with pytest.raises(ValueError, match="one label per column"):
        fit_soft_targets(LogisticRegression(), X, P, classes=[0, 1])
    with pytest.raises(ValueError, match="duplicate"):
        fit_soft_targets(LogisticRegression(), X, P, classes=[0, 1, 1])


def test_unsorted_classes_are_reordered_with_their_columns(soft_problem):
    X, P = soft_problem
    a = fit_soft_targets(LogisticRegression(), X, P, classes=["c", "a", "b"])
    b = fit_soft_targets(LogisticRegression(), X, P[:, [1, 2, 0]], classes=["a", "b", "c"])
    assert a.classes_.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))


def test_pipeline_student(soft_problem):
    X, P = soft_problem
    pipe = make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10))
    fitted = fit_soft_targets(pipe, X * 10 + 3, P)
    assert fitted is pipe
    direct = fit_soft_targets(LogisticRegression(tol=1e-10), StandardScaler().fit_transform(
        X * 10 + 3), P)
    np.testing.assert_allclose(fitted[-1].coef_, direct.coef_, atol=1e-6)
    assert pipe.predict_proba(X[:3] * 10 + 3).shape == (3, 3)


def test_pipeline_with_unsupported_final_step_fails_before_fitting(soft_problem):
    X, P = soft_problem
    scaler = StandardScaler()
    with pytest.raises(TypeError, match="KNeighborsClassifier"):
        fit_soft_targets(make_pipeline(scaler, KNeighborsClassifier()), X, P)
    assert not hasattr(scaler, "mean_")


def test_sgd_classifier_log_loss(soft_problem):
    X, P = soft_problem
    clf = fit_soft_targets(SGDClassifier(loss="log_loss", random_state=0), X, P)
    assert clf.classes_.tolist() == [0, 1, 2]
    # stochastic, so not the exact minimiser, but close to the targets (0.06-0.09 mean
    # absolute error over random_state 0-4; the uniform prediction is 0.31 away)
    assert np.abs(clf.predict_proba(X) - P).mean() < 0.15


def test_register_student_adapter_takes_precedence(soft_problem, monkeypatch):
    X, P = soft_problem
    monkeypatch.setattr(_registry, "_ADAPTERS", list(_registry._ADAPTERS))
    calls = []

    def fit_with_note(student, X, P, *, classes, sample_weight):
        calls.append(P.shape)
        return student.fit(X, classes[P.argmax(axis=1)])

    register_student_adapter("argmax trees", lambda est: isinstance(
        est, DecisionTreeClassifier), fit_with_note)
    fit_soft_targets(DecisionTreeClassifier(), X, P)
    assert calls == [P.shape]


def test_the_architecture_pages_worked_example_adapter(soft_problem):
    """docs/architecture.rst shows adding a family as one adapter module; run it."""
    from pathlib import Path

    from sklearn.naive_bayes import GaussianNB

    from skdistill.students import _registry

    page = (Path(__file__).parents[2] / "docs" / "architecture.rst").read_text()
    start = page.rindex("\n", 0, page.index("# skdistill/students/_naive_bayes.py")) + 1
    block = page[start:page.index("and in ``students/__init__.py``", start)]
    code = "\n".join(line[3:] for line in block.splitlines())
    code = code.replace("from ._registry import", "from skdistill.students._registry import")
    before = list(_registry._ADAPTERS)
    try:
        exec(compile(code, "architecture.rst", "exec"), {})
        X, P = soft_problem
        y = P.argmax(axis=1)
        soft = fit_soft_targets(GaussianNB(), X, np.eye(3)[y])
        np.testing.assert_allclose(soft.predict_proba(X), GaussianNB().fit(X, y).predict_proba(X),
                                   atol=1e-12)
        weighted = fit_soft_targets(GaussianNB(), X, P)
        np.testing.assert_allclose(weighted.theta_, (P.T @ X) / P.sum(axis=0)[:, None])
    finally:
        _registry._ADAPTERS[:] = before


# -- bad input: the classes -----------------------------------------------------------------


@pytest.mark.parametrize("classes", [["a", 1, 2], np.array(["a", 1, 2], dtype=object),
                                     [None, "a", "b"]])
def test_mixed_type_classes_are_refused_as_scikit_learn_refuses_them(soft_problem, classes):
    X, P = soft_problem
    with pytest.raises(ValueError, match="classes mixes label types.*one type"):
        fit_soft_targets(LogisticRegression(), X, P, classes=classes)


@pytest.mark.parametrize("classes", [[0.5, 1.5, 2.5], [0.0, 1.0, np.nan]])
def test_continuous_classes_are_refused(soft_problem, classes):
    X, P = soft_problem
    with pytest.raises(ValueError, match="classes holds non-integer numbers"):
        fit_soft_targets(LogisticRegression(), X, P, classes=classes)


def test_classes_of_one_type_are_kept_as_given(soft_problem):
    X, P = soft_problem
    for classes in ([1.0, 2.0, 3.0], [True, 2, 3], np.array(["a", "b", "c"], dtype=object)):
        fitted = fit_soft_targets(LogisticRegression(), X, P, classes=classes)
        np.testing.assert_array_equal(fitted.classes_, np.asarray(classes))
        assert fitted.classes_.dtype == np.asarray(classes).dtype


def test_two_dimensional_classes_are_refused(soft_problem):
    X, P = soft_problem
    with pytest.raises(ValueError, match=r"classes must be 1-D.*shape \(1, 3\)"):
        fit_soft_targets(LogisticRegression(), X, P, classes=[[0, 1, 2]])


# -- bad input: the student -----------------------------------------------------------------


@pytest.mark.parametrize("cls", [LogisticRegression, GaussianNB, DecisionTreeClassifier])
def test_a_class_instead_of_an_instance_is_refused(soft_problem, cls):
    X, P = soft_problem
    name = cls.__name__
    with pytest.raises(TypeError, match=f"not the class {name}: pass {name}\\(\\)"):
        fit_soft_targets(cls, X, P)
    assert not supports_soft_targets(cls)


@pytest.mark.parametrize("regressor", [Ridge(), LinearRegression(), DecisionTreeRegressor(),
                                       make_pipeline(StandardScaler(), Ridge())])
def test_regressors_are_refused_naming_the_regression_estimator(soft_problem, regressor):
    X, P = soft_problem
    assert not supports_soft_targets(regressor)
    with pytest.raises(TypeError, match="regressor cannot fit class-probabilities.*"
                                        "skdistill.DistilledRegressor"):
        fit_soft_targets(regressor, X, P)


def test_other_kinds_of_estimator_are_refused(soft_problem):
    X, P = soft_problem
    assert not supports_soft_targets(KMeans(n_clusters=3))
    with pytest.raises(TypeError, match="KMeans is a clusterer, not a classifier"):
        fit_soft_targets(KMeans(n_clusters=3), X, P)


def test_a_users_adapter_cannot_take_a_regressor(soft_problem, monkeypatch):
    X, P = soft_problem
    monkeypatch.setattr(_registry, "_ADAPTERS", list(_registry._ADAPTERS))
    register_student_adapter("anything", lambda est: True, lambda student, *a, **k: student)
    assert supports_soft_targets(GaussianNB())
    assert not supports_soft_targets(Ridge())


# -- bad input: the weights -----------------------------------------------------------------


@pytest.mark.parametrize("sample_weight, match", [
    (np.full(120, 1e308), "sample_weight sums to more than float64 can hold"),
    (np.r_[np.nan, np.ones(119)], "sample_weight contains NaN"),
    (np.r_[-1.0, np.ones(119)], "Negative values in sample_weight"),
    (np.ones(119), "sample_weight has 119 entries but X has 120 rows"),
    (np.ones((120, 1)), "sample_weight must be 1-D"),
    (np.zeros(120), "sample_weight gives every row weight zero"),
])
@pytest.mark.parametrize("student", [LogisticRegression(), GaussianNB(),
                                     DecisionTreeClassifier(), HistGradientBoostingClassifier()])
def test_bad_sample_weight_is_refused_early_by_every_family(soft_problem, sample_weight, match,
                                                            student):
    X, P = soft_problem
    with pytest.raises(ValueError, match=match):
        fit_soft_targets(student, X, P, sample_weight=sample_weight)
    assert not hasattr(student, "classes_")  # refused before any fitting


def test_soft_target_errors_name_the_soft_targets(soft_problem):
    X, P = soft_problem
    with pytest.raises(ValueError, match="the soft-target matrix P contains NaN"):
        fit_soft_targets(LogisticRegression(), X, np.full_like(P, np.nan))
    with pytest.raises(ValueError, match="one label per column of the soft-target matrix P"):
        fit_soft_targets(LogisticRegression(), X, P, classes=[0, 1])


# -- the adapter seam -----------------------------------------------------------------------


def test_adapters_have_no_list_of_losses():
    # what a student can be fitted with is asked with loss_fit, loss by loss
    assert not any(hasattr(adapter, "losses") for adapter in _registry._ADAPTERS)
    assert not hasattr(StudentAdapter, "losses")


def test_log_proba_and_decision_function_delegate_to_the_student(soft_problem):
    X, P = soft_problem
    lr = fit_soft_targets(LogisticRegression(), X, P)
    adapter = find_adapter(lr)
    np.testing.assert_array_equal(adapter.predict_log_proba(lr, X), lr.predict_log_proba(X))
    np.testing.assert_array_equal(adapter.decision_function(lr, X), lr.decision_function(X))
    assert all(adapter.provides(lr, method) for method in PREDICTIONS)
    # a pipeline answers as its final step, after the transformers
    pipe = fit_soft_targets(make_pipeline(StandardScaler(), LogisticRegression()), X, P)
    pipe_adapter = find_adapter(pipe)
    np.testing.assert_array_equal(pipe_adapter.predict_log_proba(pipe, X),
                                  pipe.predict_log_proba(X))
    np.testing.assert_array_equal(pipe_adapter.decision_function(pipe, X),
                                  pipe.decision_function(X))


def test_what_a_student_does_not_give_is_not_provided(soft_problem):
    X, P = soft_problem
    svc = fit_soft_targets(LinearSVC(), X, P)
    adapter = find_adapter(svc)
    assert adapter.provides(svc, "decision_function")
    assert not adapter.provides(svc, "predict_proba")
    assert not adapter.provides(svc, "predict_log_proba")
    forest = fit_soft_targets(RandomForestClassifier(n_estimators=3, random_state=0), X, P)
    assert not find_adapter(forest).provides(forest, "decision_function")
    with pytest.raises(ValueError, match="method must be one of"):
        adapter.provides(svc, "transform")


def test_a_familys_probabilities_give_its_log_probabilities(soft_problem, monkeypatch):
    X, P = soft_problem
    monkeypatch.setattr(_registry, "_ADAPTERS", list(_registry._ADAPTERS))

    def sharpened(student, X):
        proba = student.predict_proba(X) ** 2
        return proba / proba.sum(axis=1, keepdims=True)

    register_student_adapter(
        "sharpened GaussianNB", lambda est: isinstance(est, GaussianNB),
        lambda student, X, P, *, classes, sample_weight: student.fit(X, classes[P.argmax(1)]),
        predict_proba=sharpened)
    nb = fit_soft_targets(GaussianNB(), X, P)
    adapter = find_adapter(nb)
    # not the student's own predict_log_proba, which would not agree with predict_proba
    np.testing.assert_allclose(np.exp(adapter.predict_log_proba(nb, X)), sharpened(nb, X))
    assert adapter.provides(nb, "predict_log_proba")
