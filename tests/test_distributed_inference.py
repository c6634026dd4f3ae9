"""Teacher inference over a large pool: row chunks of bounded memory, and the Dask recipe
of the scaling guide (``map_blocks`` over a frozen teacher, then the student on the
resulting probabilities)."""

import math

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.utils.validation import _num_samples

from skdistill import DistilledClassifier, fit_soft_targets
from skdistill._teacher import INTERMEDIATE_VALUES_PER_ROW, chunk_rows, teacher_proba


class RowCountingTeacher(ClassifierMixin, BaseEstimator):
    """A logistic regression that records how many rows each ``predict_proba`` sees."""

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        self.calls_ = []
        return self

    def predict_proba(self, X):
        self.calls_.append(_num_samples(X))
        return self.model_.predict_proba(X)


@pytest.fixture(scope="module")
def pool():
    X, y = make_classification(n_samples=3000, n_features=10, n_informative=6, n_classes=3,
                               random_state=0)
    return X, y


def test_the_chunk_rule():
    X = np.zeros((10, 30))
    with sklearn.config_context(working_memory=64):
        expected = 64 * 2**20 // (8 * (30 + 4 + INTERMEDIATE_VALUES_PER_ROW))
        assert chunk_rows(X, 4) == expected
    # the default working memory (1 GiB) and a few hundred features: about 10**5 rows
    assert 90_000 < chunk_rows(np.zeros((1, 300)), 10) < 110_000
    # a sparse row costs its non-zeros, not its width
    S = sparse.random(100, 20_000, density=1e-3, format="csr", random_state=0)
    assert chunk_rows(S, 2) == chunk_rows(np.zeros((1, math.ceil(S.nnz / 100))), 2)
    with sklearn.config_context(working_memory=1e-6):  # not even one row fits: one row
        assert chunk_rows(X, 4) == 1


def test_a_teacher_never_sees_more_rows_than_a_chunk(pool):
    X, y = pool
    spy = RowCountingTeacher().fit(X[:500], y[:500])
    with sklearn.config_context(working_memory=1):
        chunk = chunk_rows(X, 3)
        P = teacher_proba(spy, X, spy.classes_)
    assert chunk == 2**20 // (8 * (10 + 3 + INTERMEDIATE_VALUES_PER_ROW)) == 126
    assert max(spy.calls_) <= chunk
    assert len(spy.calls_) == math.ceil(len(X) / chunk) and sum(spy.calls_) == len(X)
    np.testing.assert_allclose(P, spy.model_.predict_proba(X), rtol=1e-12, atol=1e-15)
    spy.calls_.clear()
    teacher_proba(spy, X, spy.classes_)  # the default working memory holds the whole pool
    assert spy.calls_ == [len(X)]


def test_a_frozen_teacher_labels_a_pool_in_chunks(pool):
    X, y = pool
    spy = RowCountingTeacher().fit(X[:500], y[:500])
    unlabelled = np.full(len(y), -1)
    with sklearn.config_context(working_memory=1):
        clf = DistilledClassifier(LogisticRegression(), FrozenEstimator(spy), unlabeled_label=-1,
                                  classes=[0, 1, 2]).fit(X, unlabelled)
        assert max(spy.calls_) <= chunk_rows(X, 3) < len(X)
    whole = fit_soft_targets(LogisticRegression(), X, spy.model_.predict_proba(X),
                             classes=[0, 1, 2])
    np.testing.assert_allclose(clf.student_.coef_, whole.coef_, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["dense", "sparse", "dataframe"])
def test_chunks_give_the_probabilities_of_the_whole(pool, kind):
    # an MLP's hidden activations are the intermediate memory that chunks bound
    X, y = pool
    mlp = MLPClassifier(hidden_layer_sizes=(64,), max_iter=50, random_state=0)
    if kind == "sparse":
        X = sparse.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    elif kind == "dataframe":
        pd = pytest.importorskip("pandas")
        X = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    mlp.fit(X[:600] if kind != "dataframe" else X.iloc[:600], y[:600])
    with sklearn.config_context(working_memory=0.5):
        assert chunk_rows(X, 3) < 100
        P = teacher_proba(mlp, X, mlp.classes_)
    np.testing.assert_allclose(P, mlp.predict_proba(X), rtol=1e-10, atol=1e-14)


def test_columns_are_aligned_in_every_chunk(pool):
    X, y = pool
    two = RowCountingTeacher().fit(X[y > 0], y[y > 0])  # never saw class 0
    with sklearn.config_context(working_memory=1):
        P = teacher_proba(two, X, np.array([0, 1, 2]))
    assert len(two.calls_) > 1
    np.testing.assert_array_equal(P[:, 0], 0.0)
    np.testing.assert_allclose(P[:, 1:], two.model_.predict_proba(X), rtol=1e-12)


def test_a_bad_chunk_is_reported(pool):
    X, y = pool

    class Broken(RowCountingTeacher):
        def predict_proba(self, X):
            P = super().predict_proba(X)
            return P[:-1] if len(self.calls_) == 2 else P  # the second chunk is short

    teacher = Broken().fit(X[:500], y[:500])
    with sklearn.config_context(working_memory=1), pytest.raises(ValueError, match="rows but X"):
        teacher_proba(teacher, X, teacher.classes_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_dask_map_blocks_recipe(pool):
    """The recipe of docs/user_guide/scaling.rst, on a small dask array."""
    da = pytest.importorskip("dask.array")
    X, y = pool
    X_train, y_train, X_pool = X[:600], y[:600], X[600:]
    teacher = FrozenEstimator(MLPClassifier(hidden_layer_sizes=(32,), max_iter=50,
                                            random_state=0).fit(X_train, y_train))
    n_classes = len(teacher.classes_)

    pool_blocks = da.from_array(X_pool, chunks=(500, -1))
    P = pool_blocks.map_blocks(teacher.predict_proba, dtype=np.float64,
                               chunks=(pool_blocks.chunks[0], (n_classes,))).compute()
    student = fit_soft_targets(LogisticRegression(), X_pool, P, classes=teacher.classes_)

    assert pool_blocks.numblocks == (5, 1)
    np.testing.assert_allclose(P, teacher.predict_proba(X_pool), rtol=1e-10, atol=1e-14)
    # the same student as the teacher step's own inference gives
    direct = DistilledClassifier(LogisticRegression(), teacher, unlabeled_label=-1,
                                 classes=teacher.classes_).fit(X_pool, np.full(len(X_pool), -1))
    np.testing.assert_allclose(student.coef_, direct.student_.coef_, rtol=1e-8)

    # or as a callable teacher, which DistilledClassifier calls once on all rows
    def teacher_on_dask(X):
        blocks = da.from_array(X, chunks=(500, -1))
        return blocks.map_blocks(teacher.predict_proba, dtype=np.float64,
                                 chunks=(blocks.chunks[0], (n_classes,))).compute()

    via_callable = DistilledClassifier(LogisticRegression(), teacher_on_dask, unlabeled_label=-1,
                                       classes=teacher.classes_).fit(X_pool,
                                                                     np.full(len(X_pool), -1))
    np.testing.assert_allclose(via_callable.student_.coef_, student.coef_, rtol=1e-8)
