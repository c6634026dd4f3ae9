"""MLflow's scikit-learn autologging around a DistilledClassifier.

``mlflow.sklearn.autolog()`` patches the ``fit`` of scikit-learn's own estimators only and
logs the outermost patched fit. These tests pin what the user guide says follows
(docs/user_guide/distilled_classifier.rst, "Tracking with MLflow"): a bare fit shows
autolog the teacher's and the student's fits, each as a run of its own; the same
classifier as the one step of a pipeline is logged as one run, with its own parameters
and metrics. Skipped without mlflow; the tracking store is a SQLite file in the test's
temporary folder, never a server.
"""

import pytest

mlflow = pytest.importorskip("mlflow")
pytest.importorskip("mlflow.sklearn")
pytest.importorskip("sqlalchemy")  # the SQLite tracking store

from sklearn.datasets import make_classification  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

from skdistill import DistilledClassifier  # noqa: E402


def _path(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.fixture
def runs(tmp_path):
    """Autolog into a store under tmp_path; returns a function listing the runs."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = mlflow.create_experiment(
        "skdistill", artifact_location=(tmp_path / "artifacts").as_uri()
    )
    mlflow.set_experiment(experiment_id=experiment)
    mlflow.sklearn.autolog(log_models=False, log_datasets=False, silent=True)
    try:
        yield lambda: mlflow.search_runs([experiment], output_format="list")
    finally:
        mlflow.sklearn.autolog(disable=True)
        mlflow.end_run()
        mlflow.set_tracking_uri(previous)


def _distilled():
    return DistilledClassifier(
        student=DecisionTreeClassifier(max_depth=2),
        teacher=HistGradientBoostingClassifier(max_iter=20),
        random_state=0,
    )


@pytest.fixture
def data():
    return make_classification(n_samples=200, n_features=8, flip_y=0.2, random_state=0)


def test_bare_fit_is_logged_as_the_teacher_and_the_student(runs, data):
    X, y = data
    model = _distilled().fit(X, y)
    logged = {run.data.tags["estimator_class"]: run for run in runs()}
    # The distilled classifier's fit is not patched: each fit inside it is a run.
    assert set(logged) == {
        _path(HistGradientBoostingClassifier),
        _path(DecisionTreeRegressor),  # the tree student's regression twin
    }
    teacher_run = logged[_path(HistGradientBoostingClassifier)]
    assert teacher_run.data.params["max_iter"] == "20"
    assert teacher_run.data.metrics["training_accuracy_score"] == pytest.approx(
        model.teacher_.score(X, y)
    )
    assert model.teacher_.score(X, y) != model.score(X, y)


def test_one_step_pipeline_is_logged_as_the_distilled_model(runs, data):
    X, y = data
    model = make_pipeline(_distilled()).fit(X, y)
    (run,) = runs()
    assert run.data.tags["estimator_class"] == _path(Pipeline)
    params = run.data.params
    assert params["distilledclassifier__temperature"] == "1.0"
    assert params["distilledclassifier__teacher__max_iter"] == "20"
    assert params["distilledclassifier__student__max_depth"] == "2"
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(model.score(X, y))
