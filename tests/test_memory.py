"""DistilledClassifier(memory=...): a grid search fits each teacher once per training fold."""

import numpy as np
import pytest
from joblib import Memory
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skdistill import DistilledClassifier

from ._utils import CountingTreeClassifier, count_fits

GRID = {"teacher__max_depth": [1, 2, 3, 4, 5], "temperature": [0.5, 1.0, 2.0, 4.0]}


@pytest.fixture
def data():
    return make_classification(n_samples=150, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)


def _search(log, memory, n_jobs=None, teacher_cv=None):
    clf = DistilledClassifier(LogisticRegression(), CountingTreeClassifier(log=str(log)),
                              teacher_cv=teacher_cv, memory=memory, random_state=0, alpha=1.0)
    return GridSearchCV(clf, GRID, cv=3, refit=False, n_jobs=n_jobs)


def test_a_search_fits_each_teacher_once_per_fold(data, tmp_path):
    X, y = data
    cached = _search(tmp_path / "cached.log", str(tmp_path / "cache")).fit(X, y)
    plain = _search(tmp_path / "plain.log", None).fit(X, y)
    # 5 depths x 3 folds, not 5 depths x 4 temperatures x 3 folds
    assert count_fits(tmp_path / "cached.log") == 15
    assert count_fits(tmp_path / "plain.log") == 60
    np.testing.assert_array_equal(cached.cv_results_["mean_test_score"],
                                  plain.cv_results_["mean_test_score"])
    # a second search over the same data reuses the cache entirely
    _search(tmp_path / "cached.log", str(tmp_path / "cache")).fit(X, y)
    assert count_fits(tmp_path / "cached.log") == 15


def test_out_of_fold_teachers_are_cached_with_their_refit(data, tmp_path):
    X, y = data
    memory = Memory(tmp_path / "cache", verbose=0)
    _search(tmp_path / "fits.log", memory, teacher_cv=2).fit(X, y)
    assert count_fits(tmp_path / "fits.log") == 15 * (2 + 1)  # two folds and the refit


def test_the_cache_works_across_processes(data, tmp_path):
    X, y = data
    log, cache = tmp_path / "fits.log", str(tmp_path / "cache")
    search = _search(log, cache, n_jobs=2).fit(X, y)
    # two workers may fit the same (depth, fold) teacher at the same moment, before either
    # has stored it, so only the lower bound is exact in a parallel run
    first = count_fits(log)
    assert 15 <= first < 60, first
    # what the workers stored is read by this process ...
    _search(log, cache).fit(X, y)
    assert count_fits(log) == first
    # ... and by fresh workers
    again = _search(log, cache, n_jobs=2).fit(X, y)
    assert count_fits(log) == first
    reference = _search(tmp_path / "ref.log", None).fit(X, y)
    for result in (search, again):
        np.testing.assert_array_equal(result.cv_results_["mean_test_score"],
                                      reference.cv_results_["mean_test_score"])


def test_keys_include_the_data_and_the_seed(data, tmp_path):
    X, y = data
    log, cache = tmp_path / "fits.log", str(tmp_path / "cache")
    make = lambda seed: DistilledClassifier(  # noqa: E731
        LogisticRegression(), CountingTreeClassifier(max_depth=3, log=str(log)),
        memory=cache, random_state=seed, alpha=1.0)
    make(0).fit(X, y)
    make(0).fit(X, y)
    assert count_fits(log) == 1
    make(1).fit(X, y)  # another seed is another teacher
    make(0).fit(X[:-1], y[:-1])  # other data too
    assert count_fits(log) == 3
    clf = make(0).fit(X, y)
    assert clf.teacher_.get_depth() <= 3 and count_fits(log) == 3


def test_the_ranker_caches_its_teacher(tmp_path):
    pytest.importorskip("skorch")
    import torch
    from skorch import NeuralNetClassifier

    from skdistill import DoubleDistilledRanker
    from skdistill.nets import BottleneckModule

    X, y = make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=4,
                               random_state=0)
    student = NeuralNetClassifier(BottleneckModule, module__width=4, max_epochs=2,
                                  criterion=torch.nn.CrossEntropyLoss, train_split=None,
                                  verbose=0)
    log = tmp_path / "fits.log"
    ranker = DoubleDistilledRanker(student, CountingTreeClassifier(max_depth=3, log=str(log)),
                                   memory=str(tmp_path / "cache"), random_state=0)
    search = GridSearchCV(ranker, {"a": [0.5, 1.0, 2.0], "temperature": [1.0, 2.0]}, cv=2,
                          refit=False).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    assert count_fits(log) == 2  # one teacher per training fold


def test_keys_include_the_routed_fit_parameters(data, tmp_path):
    # the same rows with another sample_weight are another teacher
    X, y = data
    cache = str(tmp_path / "cache")
    weights = np.random.RandomState(0).uniform(0.01, 1.0, size=len(y)) ** 4

    def teacher_probabilities(memory, sample_weight):
        clf = DistilledClassifier(LogisticRegression(), RandomForestClassifier(n_estimators=10),
                                  memory=memory, random_state=0)
        clf.fit(X, y, sample_weight=sample_weight)
        return clf.teacher_.predict_proba(X)

    teacher_probabilities(cache, None)
    cached = teacher_probabilities(cache, weights)
    fresh = teacher_probabilities(None, weights)
    np.testing.assert_array_equal(cached, fresh)
    assert np.abs(fresh - teacher_probabilities(None, None)).max() > 0.1


def test_keys_include_the_columns_a_pipeline_hands_on(data, tmp_path):
    # candidates of a search that select other columns must not share a teacher
    X, y = data

    def search(memory):
        pipe = make_pipeline(
            FunctionTransformer(_columns, kw_args={"columns": [0, 1]}),
            DistilledClassifier(LogisticRegression(), RandomForestClassifier(n_estimators=10),
                                memory=memory, random_state=0),
        )
        grid = {"functiontransformer__kw_args": [{"columns": c}
                                                 for c in ([0, 1], [2, 3], [4, 5], [1, 4])]}
        return GridSearchCV(pipe, grid, cv=3, refit=False).fit(X, y).cv_results_

    cached, plain = search(str(tmp_path / "cache")), search(None)
    np.testing.assert_array_equal(cached["mean_test_score"], plain["mean_test_score"])
    assert np.ptp(plain["mean_test_score"]) > 0.05  # the columns matter


def _columns(X, columns):
    return X[:, columns]
