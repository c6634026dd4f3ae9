"""fit_soft_targets dispatch, validation, pipelines and the generic sample_weight expansion."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skdistill import fit_soft_targets, register_student_adapter, supports_soft_targets
from skdistill.students import _registry


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
