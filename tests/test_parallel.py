"""Parallel work runs on joblib, so any joblib backend (here Dask) can carry it."""

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from skdistill import DistilledClassifier


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=None) as client:
        yield client


def test_teacher_cv_and_grid_search_on_the_dask_backend(dask_client):
    X, y = make_classification(n_samples=150, random_state=0)
    make = lambda: DistilledClassifier(  # noqa: E731
        LogisticRegression(), DecisionTreeClassifier(max_depth=3, random_state=0),
        teacher_cv=3, n_jobs=-1)
    from distributed import get_task_stream

    local = make().fit(X, y)
    with parallel_config(backend="dask"), get_task_stream(dask_client) as stream:
        remote = make().fit(X, y)
    np.testing.assert_allclose(remote.student_.coef_, local.student_.coef_)
    assert len(stream.data) > 0  # the out-of-fold teacher fits ran as Dask tasks

    grid = {"temperature": [1.0, 2.0]}
    local_search = GridSearchCV(make(), grid, cv=2).fit(X, y)
    with parallel_config(backend="dask"), get_task_stream(dask_client) as stream:
        search = GridSearchCV(make(), grid, cv=2, n_jobs=-1).fit(X, y)
    assert len(stream.data) > 0
    # the same fits as in this process: every fold's score, hence the same choice
    np.testing.assert_allclose(search.cv_results_["mean_test_score"],
                               local_search.cv_results_["mean_test_score"])
    assert search.best_params_ == local_search.best_params_


def test_the_callers_config_reaches_the_workers():
    # Metadata routing is a scikit-learn setting of the calling thread: the out-of-fold
    # teachers, fitted in worker processes, must see it, or a Pipeline teacher refuses
    # the routed sample_weight.
    X, y = make_classification(n_samples=150, random_state=0)
    w = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        teacher = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            DecisionTreeClassifier(max_depth=3, random_state=0).set_fit_request(sample_weight=True))
        student = LogisticRegression().set_fit_request(sample_weight=True)
        fits = [DistilledClassifier(student, teacher, teacher_cv=3, n_jobs=n_jobs)
                .fit(X, y, sample_weight=w) for n_jobs in (None, 2)]
    np.testing.assert_array_equal(fits[1].student_.coef_, fits[0].student_.coef_)
