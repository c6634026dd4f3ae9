"""DoubleDistilledRanker: the objective, the multi-label reduction, scale, composition, errors."""

import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from scipy import sparse  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from skdistill import DoubleDistilledRanker, fit_soft_targets, temperature_scale  # noqa: E402
from skdistill._ranker import _ranking_targets  # noqa: E402
from skdistill._teacher import as_teacher  # noqa: E402
from skdistill.losses import DoubleDistillationLoss  # noqa: E402
from skdistill.metrics import make_precision_at_k_scorer, precision_at_k  # noqa: E402
from skdistill.nets import BottleneckModule  # noqa: E402


def _net(width=8, **kwargs):
    params = dict(module__width=width, criterion=torch.nn.CrossEntropyLoss,
                  optimizer=torch.optim.Adam, lr=0.01, max_epochs=5, batch_size=32,
                  train_split=None, verbose=0)
    params.update(kwargs)
    return NeuralNetClassifier(BottleneckModule, **params)


@pytest.fixture
def multilabel():
    """Sparse binary features; each of 12 labels is relevant when its feature fires."""
    rng = np.random.RandomState(0)
    X = rng.binomial(1, 0.15, size=(240, 30)).astype(np.float64)
    Y = (X[:, :12] + rng.binomial(1, 0.03, size=(240, 12))) > 0
    Y[np.arange(240), rng.randint(12, size=240)] = True  # every row has a label
    return sparse.csr_matrix(X), sparse.csr_matrix(Y.astype(np.uint8))


def _literal_double_sum(f, pi, w):
    """sum_y pi_y log sum_y' w_y' exp(f_y' - f_y), term by term (O(L^2))."""
    total = np.zeros(len(f))
    for n in range(len(f)):
        for y in range(f.shape[1]):
            if pi[n, y] > 0:
                total[n] += pi[n, y] * np.log(np.sum(w[n] * np.exp(f[n] - f[n, y])))
    return total


@pytest.mark.parametrize("positives", ["teacher", "onehot"])
@pytest.mark.parametrize("negatives", ["sigmoid", "one_minus", "uniform"])
def test_batch_targets_give_the_double_sum_of_each_method(positives, negatives):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(60, 5))
    y = rng.randint(4, size=60)
    teacher = LogisticRegression().fit(X, y)
    classes, labels = np.arange(4), y[:8]
    a, T = 1.7, 2.0
    target = _ranking_targets(teacher, classes, positives, negatives, a, T,
                              X[:8].astype(np.float32), labels, np.ones(8))
    f = rng.normal(size=(8, 4))
    loss = DoubleDistillationLoss(reduction="sum")
    got = loss(torch.tensor(f), torch.tensor(target, dtype=torch.float64)).item()

    p = teacher.predict_proba(X[:8])
    s = teacher.decision_function(X[:8])
    pi = temperature_scale(p, T) if positives == "teacher" else np.eye(4)[labels]
    w = {"sigmoid": 1 - 1 / (1 + np.exp(-a * s)), "one_minus": 1 - p,
         "uniform": np.ones_like(p)}[negatives]
    assert got == pytest.approx(_literal_double_sum(f, pi, w).sum(), rel=1e-5)


def test_scores_of_a_probability_only_teacher_are_log_odds():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 3))
    y = rng.randint(3, size=50)
    nb = GaussianNB().fit(X, y)
    S, P = as_teacher(nb).scores(X, np.arange(4))  # a class the teacher never saw
    p = nb.predict_proba(X)
    np.testing.assert_allclose(P[:, :3], p, rtol=1e-5)
    np.testing.assert_allclose(1 / (1 + np.exp(-S[:, :3])), p, rtol=1e-4, atol=1e-6)
    assert np.all(P[:, 3] == 0) and np.all(S[:, 3] == -np.inf)


def test_the_ordinary_student_is_softmax_cross_entropy_on_the_examples(multilabel):
    """one-hot + uniform: the same fit as a soft-target fit of the one-hot examples."""
    X, Y = multilabel
    rows, labels = Y.nonzero()
    torch.manual_seed(0)
    ranker = DoubleDistilledRanker(_net(), positives="onehot", negatives="uniform").fit(X, Y)
    assert ranker.teacher_ is None and ranker.n_examples_ == Y.nnz
    torch.manual_seed(0)
    reference = fit_soft_targets(_net(), X[rows], np.eye(12)[labels], classes=np.arange(12))
    with torch.no_grad():
        ref_scores = reference.forward(X.toarray().astype(np.float32)).numpy()
    np.testing.assert_allclose(ranker.decision_function(X), ref_scores, atol=1e-5)


def test_standard_distillation_is_a_soft_target_fit_on_the_teacher(multilabel):
    """teacher + uniform: the same fit as a soft-target fit of the tempered teacher."""
    X, Y = multilabel
    rows, _ = Y.nonzero()
    teacher = FrozenEstimator(LogisticRegression().fit(X[rows], Y.nonzero()[1]))
    torch.manual_seed(0)
    ranker = DoubleDistilledRanker(_net(), teacher, negatives="uniform", temperature=2.0)
    ranker.fit(X, Y)
    targets = temperature_scale(teacher.predict_proba(X[rows]), 2.0)
    torch.manual_seed(0)
    reference = fit_soft_targets(_net(), X[rows], targets, classes=np.arange(12))
    with torch.no_grad():
        ref_scores = reference.forward(X.toarray().astype(np.float32)).numpy()
    np.testing.assert_allclose(ranker.decision_function(X), ref_scores, atol=1e-4)


def test_double_distillation_learns_the_labels(multilabel):
    X, Y = multilabel
    ranker = DoubleDistilledRanker(_net(max_epochs=30), _net(width=32, max_epochs=30), k=1,
                                   a=2.0, random_state=0).fit(X, Y)
    chance = Y.sum() / Y.shape[0] / Y.shape[1]
    assert ranker.score(X, Y) > 0.8 > 3 * chance
    np.testing.assert_array_equal(ranker.classes_, np.arange(12))
    assert ranker.decision_function(X).shape == (240, 12)
    proba = ranker.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    top = ranker.predict_top_k(X, k=3)
    assert top.shape == (240, 3)
    np.testing.assert_array_equal(top[:, 0], ranker.predict(X))
    assert ranker.score(X, Y) == precision_at_k(Y, ranker.decision_function(X), 1)


def test_a_compiled_student_learns_as_the_eager_one(multilabel, monkeypatch):
    """skorch's compile=True compiles the criterion: the loss's whole-tensor forward
    pass (the aot_eager backend traces as inductor does, without compiling C++)."""
    import skdistill._double_distillation as fused

    traced = []
    whole = fused._WholeTensorFunction.forward
    monkeypatch.setattr(fused._WholeTensorFunction, "forward",
                        staticmethod(lambda *args: traced.append(1) or whole(*args)))
    X, Y = multilabel
    torch._dynamo.reset()
    scores = [
        DoubleDistilledRanker(_net(compile=compiled, compile__backend="aot_eager"),
                              _net(width=32), a=2.0, random_state=0)
        .fit(X, Y).decision_function(X[:20])
        for compiled in (False, True)
    ]
    assert traced
    np.testing.assert_allclose(scores[1], scores[0], rtol=1e-4, atol=1e-5)


def test_rows_without_labels_are_dropped_with_a_warning(multilabel):
    X, Y = multilabel
    Y = Y.tolil()
    Y[:5] = 0
    with pytest.warns(UserWarning, match="5 of the 240 rows of y have no positive label"):
        ranker = DoubleDistilledRanker(_net(max_epochs=1), positives="onehot",
                                       negatives="uniform").fit(X, Y.tocsr())
    assert ranker.n_examples_ == Y.tocsr().nnz


def test_a_label_without_positives_keeps_its_column_and_ranks_low(multilabel):
    X, Y = multilabel
    Y = Y.tolil()
    Y[:, 5] = 0  # label 5 is never relevant in training
    Y = Y.tocsr()
    empty = np.diff(Y.indptr) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ranker = DoubleDistilledRanker(_net(max_epochs=20), _net(width=32, max_epochs=20),
                                       random_state=0).fit(X, Y)
    np.testing.assert_array_equal(ranker.classes_, np.arange(12))
    scores = ranker.decision_function(X)[~empty]
    # below every label that is relevant somewhere, in every row
    assert np.all(scores[:, 5] < np.delete(scores, 5, axis=1).max(axis=1))
    rank = (scores > scores[:, [5]]).sum(axis=1)
    assert np.median(rank) >= 8
    assert not np.any(ranker.predict_top_k(X, k=2) == 5)


class _SpyTeacher(LogisticRegression):
    """A teacher that records the shape and type of what it is asked to score."""

    def predict_proba(self, X):
        vars(self).setdefault("seen_", []).append((X.shape[0], sparse.issparse(X)))
        return super().predict_proba(X)


def test_teacher_and_features_are_read_a_batch_at_a_time(multilabel):
    X, Y = multilabel
    rows, labels = Y.nonzero()
    teacher = _SpyTeacher().fit(X[rows], labels)
    student = _net(batch_size=16, max_epochs=2)
    DoubleDistilledRanker(student, FrozenEstimator(teacher)).fit(X, Y)
    seen = vars(teacher)["seen_"]
    assert max(n for n, _ in seen) <= 16 and not any(is_sparse for _, is_sparse in seen)
    assert sum(n for n, _ in seen) == 2 * Y.nnz  # every example, every epoch


def test_prediction_is_blockwise(multilabel, monkeypatch):
    from skdistill import _ranker

    X, Y = multilabel
    ranker = DoubleDistilledRanker(_net(max_epochs=2), positives="onehot",
                                   negatives="uniform").fit(X, Y)
    full = ranker.decision_function(X)
    monkeypatch.setattr(_ranker, "_BLOCK_ELEMENTS", 12 * 30 * 7)  # blocks of 7 rows
    np.testing.assert_array_equal(ranker.decision_function(X), full)
    np.testing.assert_array_equal(ranker.predict_top_k(X, 4)[:, 0], full.argmax(axis=1))


def test_multiclass_labels(multilabel):
    X, Y = multilabel
    y = np.array(list("abcdefghijkl"))[np.asarray(Y.argmax(axis=1)).ravel()]
    ranker = DoubleDistilledRanker(_net(max_epochs=10), LogisticRegression(), k=2,
                                   random_state=0).fit(X, y)
    np.testing.assert_array_equal(ranker.classes_, np.unique(y))
    assert set(ranker.predict(X)) <= set(y)
    assert 0 < ranker.score(X, y) <= 0.5  # at most one relevant label in the top 2
    with pytest.raises(ValueError, match="not in classes_"):
        ranker.score(X, np.where(y == "a", "z", y))


def test_pipeline_grid_search_clone_and_pickle(multilabel):
    X, Y = multilabel
    pipe = make_pipeline(TfidfTransformer(), DoubleDistilledRanker(
        _net(max_epochs=3), LogisticRegression(max_iter=200), random_state=0))
    search = GridSearchCV(
        pipe, {"doubledistilledranker__a": [0.5, 2.0],
               "doubledistilledranker__student__module__width": [4, 8]},
        scoring=make_precision_at_k_scorer(1), cv=2,
    ).fit(X, Y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    restored = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(restored.decision_function(X), best.decision_function(X))
    np.testing.assert_array_equal(restored.predict(X), best.predict(X))
    refit = clone(best).fit(X, Y)
    np.testing.assert_allclose(refit.decision_function(X), best.decision_function(X),
                               atol=1e-6)


def test_an_int_random_state_makes_fits_identical(multilabel):
    X, Y = multilabel
    ranker = DoubleDistilledRanker(_net(max_epochs=2), _net(width=16, max_epochs=2),
                                   random_state=3)
    first = ranker.fit(X, Y).decision_function(X)
    np.testing.assert_array_equal(clone(ranker).fit(X, Y).decision_function(X), first)
    assert not np.array_equal(
        clone(ranker).set_params(random_state=4).fit(X, Y).decision_function(X), first)


def test_bad_input(multilabel):
    X, Y = multilabel
    rows, labels = Y.nonzero()
    make = lambda **kw: DoubleDistilledRanker(_net(max_epochs=1), **kw)  # noqa: E731
    partial_teacher = LogisticRegression().fit(X[rows][labels < 10], labels[labels < 10])
    with pytest.raises(ValueError, match=r"labels \[10, 11\] that the prefit teacher"):
        make(teacher=FrozenEstimator(partial_teacher)).fit(X, Y)

    class Scoreless:
        def fit(self, X, y):
            return self

    with pytest.raises(TypeError, match="neither predict_proba nor decision_function"):
        make(teacher=Scoreless()).fit(X, Y)
    for a in (0, -1.0):
        with pytest.raises(ValueError, match="'a' parameter"):
            make(a=a).fit(X, Y)
    with pytest.raises(ValueError, match="k=13 is larger than the number of labels"):
        make(k=13).fit(X, Y)
    ranker = make(positives="onehot", negatives="uniform").fit(X, Y)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 12\]"):
        ranker.predict_top_k(X, k=13)
    with pytest.raises(ValueError, match="without any positive entry"):
        make().fit(X, sparse.csr_matrix(Y.shape))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make().fit(X[:-1], Y)
    with pytest.raises(ValueError, match="values other than 0 and 1"):
        make().fit(X, Y * 2)
    with pytest.raises(TypeError, match="student must be a skorch NeuralNetClassifier"):
        DoubleDistilledRanker(LogisticRegression()).fit(X, Y)
    with pytest.raises(ValueError, match="positives"):
        make(positives="labels").fit(X, Y)
