"""Every ``n_jobs`` of skdistill runs on a cluster of worker processes (Dask, Ray) through
joblib, with the same results as the default backend under the same seeds.

Each backend's cluster starts once for the module: a ``distributed.LocalCluster`` of 2
worker processes with 1 thread each, or a local Ray instance with 2 CPUs. The workers
must import the skdistill under test; the fixtures check that they do. Ray is not in the
``test`` extra (its install is large and a local instance takes seconds to start): its
tests are skipped unless it is installed (``pip install "skdistill[ray]"``).
"""

import os
from pathlib import Path

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import skdistill
from skdistill import DistilledClassifier
from skdistill.datasets import make_slab_classification, slab_class_probability
from skdistill.experiments import figure2a
from skdistill.metrics import compare_teachers, teacher_bias_variance

# The folder that holds the skdistill under test and this tests package. Dask's worker
# processes are spawned with this process's sys.path; Ray's get it as PYTHONPATH.
SOURCE_ROOT = str(Path(skdistill.__file__).resolve().parents[1])


def _package_file():
    import skdistill

    return str(Path(skdistill.__file__).resolve())


def _check_workers_import(files):
    here = _package_file()
    wrong = {worker: f for worker, f in files.items() if f != here}
    assert not wrong, (
        f"the workers import another skdistill ({wrong}) than the tests ({here}); run the "
        "tests from the repository root, or install the package under test (pip install -e .)"
    )


def _dask():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)

    def stop():
        client.close()
        cluster.close()

    try:
        _check_workers_import(client.run(_package_file))
    except BaseException:
        stop()
        raise
    return stop


def _ray():
    ray = pytest.importorskip(
        "ray", reason="Ray is not installed (pip install 'skdistill[ray]'); it is left out of "
        "the test extra because its install is large")
    from ray.util.joblib import register_ray

    path = os.pathsep.join([SOURCE_ROOT, os.environ.get("PYTHONPATH", "")])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    register_ray()
    try:
        _check_workers_import({"ray worker": ray.get(ray.remote(_package_file).remote())})
    except BaseException:
        ray.shutdown()
        raise
    return ray.shutdown


@pytest.fixture(scope="module", params=["dask", "ray"])
def backend(request):
    """The joblib backend's name, with its cluster running for the module's tests."""
    stop = {"dask": _dask, "ray": _ray}[request.param]()
    try:
        yield request.param
    finally:
        stop()


class PidLoggingTree(DecisionTreeClassifier):
    """A decision tree that appends the id of the process it is fitted in to ``log``."""

    def __init__(self, max_depth=None, log=None, random_state=None):
        super().__init__(max_depth=max_depth, random_state=random_state)
        self.log = log

    def fit(self, X, y, sample_weight=None, check_input=True):
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return super().fit(X, y, sample_weight=sample_weight, check_input=check_input)


def fits_by_place(log):
    """``(here, elsewhere)``: the fits logged in ``log`` that ran in this process, and in
    others. A cluster may run a task more than once (e.g. when a busy worker misses its
    heartbeat), so the remote count is at least, not exactly, the number of tasks."""
    with open(log) as f:
        pids = [int(line) for line in f]
    here = sum(pid == os.getpid() for pid in pids)
    return here, len(pids) - here


def _slab_sample(seed):
    X, y, _ = make_slab_classification(120, random_state=seed)
    return X, y


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)
    weights = np.random.RandomState(1).uniform(0.2, 3.0, size=len(y))
    return X, y, weights


def _routed(log):
    """A teacher pipeline and a student that both request sample_weight."""
    teacher = make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        PidLoggingTree(max_depth=4, log=str(log)).set_fit_request(sample_weight=True))
    student = LogisticRegression().set_fit_request(sample_weight=True)
    return teacher, student


def test_out_of_fold_teachers_with_routed_weights(backend, data, tmp_path):
    X, y, w = data

    def fit(log, n_jobs, **fit_params):
        teacher, student = _routed(log)
        clf = DistilledClassifier(student, teacher, teacher_cv=KFold(4, shuffle=True),
                                  n_jobs=n_jobs, random_state=0)
        return clf.fit(X, y, **fit_params)

    with sklearn.config_context(enable_metadata_routing=True):
        local = fit(tmp_path / "local.log", None, sample_weight=w)
        with parallel_config(backend=backend):
            remote = fit(tmp_path / "remote.log", 2, sample_weight=w)
        unweighted = fit(tmp_path / "unweighted.log", None)
    np.testing.assert_array_equal(remote.student_.coef_, local.student_.coef_)
    np.testing.assert_array_equal(remote.student_.intercept_, local.student_.intercept_)
    here, elsewhere = fits_by_place(tmp_path / "remote.log")
    assert here == 1 and elsewhere >= 4  # the refit here, the folds in the workers
    # the weights did reach the teacher and the student
    assert not np.allclose(unweighted.student_.coef_, local.student_.coef_)


def test_grid_search_with_routed_weights(backend, data, tmp_path):
    X, y, w = data
    grid = {"temperature": [1.0, 3.0]}

    def search(log, n_jobs, **fit_params):
        teacher, student = _routed(log)
        # the weights reach the teacher, the student and the score of each fold
        clf = DistilledClassifier(student, teacher, teacher_cv=2, random_state=0)
        clf.set_score_request(sample_weight=True)
        return GridSearchCV(clf, grid, cv=2, n_jobs=n_jobs).fit(X, y, **fit_params)

    with sklearn.config_context(enable_metadata_routing=True):
        local = search(tmp_path / "local.log", None, sample_weight=w)
        with parallel_config(backend=backend):
            remote = search(tmp_path / "remote.log", 2, sample_weight=w)
        unweighted = search(tmp_path / "unweighted.log", None)
    # The students are fitted in the workers here and in this process there; BLAS may use
    # other thread counts in each, which can change the last bits of a solver's result.
    for key in ("mean_test_score", "std_test_score"):
        np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key], rtol=1e-12)
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.best_estimator_.student_.coef_,
                               local.best_estimator_.student_.coef_, rtol=1e-12)
    # 2 candidates x 2 folds x (2 out-of-fold teachers + their refit) in the workers; the
    # search's refit on all rows fits its teacher here, and its 2 out-of-fold teachers
    # wherever the backend sends n_jobs=None (Dask: to the cluster; Ray: here)
    here, elsewhere = fits_by_place(tmp_path / "remote.log")
    assert here in (1, 3) and elsewhere >= 12 and here + elsewhere >= 15
    assert not np.allclose(unweighted.cv_results_["mean_test_score"],
                           local.cv_results_["mean_test_score"])


def test_bias_variance_refits(backend, tmp_path):
    X_eval, _, _ = make_slab_classification(300, random_state=0)

    def decompose(log, n_jobs):
        return teacher_bias_variance(
            PidLoggingTree(max_depth=3, log=str(log)), X_eval, p_star=slab_class_probability,
            sampler=_slab_sample, n_rounds=6, n_jobs=n_jobs, random_state=0)

    local = decompose(tmp_path / "local.log", None)
    with parallel_config(backend=backend):
        remote = decompose(tmp_path / "remote.log", 2)
    np.testing.assert_array_equal(remote.mse_per_round, local.mse_per_round)
    np.testing.assert_array_equal(remote.mean_proba, local.mean_proba)
    assert (remote.bias2, remote.variance) == (local.bias2, local.variance)
    assert fits_by_place(tmp_path / "remote.log")[0] == 0


def test_compare_teachers(backend, data, tmp_path):
    X, y, _ = data

    def compare(log, n_jobs):
        candidates = {"logistic": LogisticRegression(),
                      "tree": PidLoggingTree(max_depth=4, random_state=0, log=str(log))}
        return compare_teachers(candidates, X, y, cv=4, n_jobs=n_jobs, return_proba=True)

    local = compare(tmp_path / "local.log", None)
    with parallel_config(backend=backend):
        remote = compare(tmp_path / "remote.log", 2)
    # the logistic folds are fitted in the workers (see the grid search test on BLAS)
    np.testing.assert_allclose(remote.scores, local.scores, rtol=1e-12)
    np.testing.assert_allclose(remote.differences, local.differences, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(remote.proba[1], local.proba[1])  # the trees: exactly
    assert remote.best_name == local.best_name
    assert fits_by_place(tmp_path / "remote.log")[0] == 0


def test_reproduction_trials(backend):
    def run(n_jobs):
        return figure2a.run(trials=4, sizes=[20, 50], n_test=500, n_jobs=n_jobs, verbose=False,
                            random_state=0)

    local = run(None)
    with parallel_config(backend=backend):
        remote = run(2)
    assert remote["records"] == local["records"]
    assert remote["summary"] == local["summary"]

