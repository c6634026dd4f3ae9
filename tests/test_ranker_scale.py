"""DoubleDistilledRanker at scale: teacher targets computed once, sampled negatives, sparse nets."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from scipy import sparse  # noqa: E402
from scipy.special import log_softmax, softmax  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from skdistill import DoubleDistilledRanker, _ranker  # noqa: E402
from skdistill._nets import sparse_rows  # noqa: E402
from skdistill._ranker import _ranking_targets  # noqa: E402
from skdistill._ranking_batches import LabelSampler, RankingBatches, RowLabels  # noqa: E402
from skdistill._teacher import as_teacher  # noqa: E402
from skdistill._teacher_targets import compute_teacher_targets  # noqa: E402
from skdistill.losses import DoubleDistillationLoss, SampledDoubleDistillationLoss  # noqa: E402
from skdistill.metrics import precision_at_k  # noqa: E402
from skdistill.nets import BottleneckModule, LazyAdam, MLPModule  # noqa: E402


def _net(width=8, sparse_input=None, **kwargs):
    params = dict(module__width=width, criterion=torch.nn.CrossEntropyLoss,
                  optimizer=torch.optim.Adam, lr=0.01, max_epochs=5, batch_size=32,
                  train_split=None, verbose=0)
    if sparse_input is not None:
        params.update(module__sparse=True, module__n_features=sparse_input, optimizer=LazyAdam)
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


@pytest.fixture
def teacher(multilabel):
    X, Y = multilabel
    rows, labels = Y.nonzero()
    return LogisticRegression(max_iter=500).fit(X[rows], labels)


def _first_examples(multilabel, teacher, n, m, temperature):
    """``X``, the first ``n`` examples ``(rows, labels)`` of the label matrix, the
    examples grouped by row, and the teacher's top ``m`` labels of their rows."""
    X, Y = multilabel
    rows, labels = Y.nonzero()
    rows, labels = rows[:n], labels[:n]
    targets = compute_teacher_targets(as_teacher(teacher), X, rows, np.arange(12), m,
                                      temperature)
    return X, rows, labels, RowLabels.from_examples(rows, labels), targets


# -- the teacher's targets, computed once ----------------------------------------------


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_teacher_targets_keep_each_rows_top_labels_and_what_they_drop(multilabel, teacher,
                                                                      temperature):
    X, _ = multilabel
    rows = np.array([5, 3, 3, 100, 7])
    m, a = 4, 1.5
    targets = compute_teacher_targets(as_teacher(teacher), X, rows, np.arange(12), m,
                                      temperature)
    np.testing.assert_array_equal(targets.rows, [3, 5, 7, 100])
    p = teacher.predict_proba(X[targets.rows])
    s = teacher.decision_function(X[targets.rows])
    top = np.argsort(-p, axis=1, kind="stable")[:, :m]
    np.testing.assert_array_equal(np.sort(targets.labels, axis=1), np.sort(top, axis=1))
    np.testing.assert_allclose(targets.scores, np.take_along_axis(s, targets.labels, 1),
                               rtol=1e-5)
    # positives: the tempered probabilities of the kept labels, the rest spread evenly
    tempered = softmax(np.log(p) / temperature, axis=1)
    kept = np.take_along_axis(tempered, targets.labels, 1)
    np.testing.assert_allclose(targets.positives(np.arange(4)), kept, rtol=1e-4)
    np.testing.assert_allclose(targets.dropped_mass, 1 - kept.sum(axis=1), atol=1e-5)
    np.testing.assert_allclose(targets.tail_positives(np.arange(4), 12),
                               (1 - kept.sum(axis=1)) / (12 - m), atol=1e-6)
    # the bound: the largest |log w| = softplus(a s) of a dropped label, over the rows
    dropped = np.ones_like(s, dtype=bool)
    np.put_along_axis(dropped, targets.labels, False, axis=1)
    exact = np.logaddexp(0, a * s[dropped]).max()
    assert targets.log_weight_bound("sigmoid", a) == pytest.approx(exact, rel=1e-5)
    assert targets.log_weight_bound("one_minus", a) == pytest.approx(
        (-np.log1p(-p[dropped])).max(), rel=1e-4)
    assert targets.log_weight_bound("uniform", a) == 0.0


class _Spy(LogisticRegression):
    """A teacher that records how many rows it is asked to score."""

    seen: list = []

    def predict_proba(self, X):
        self.seen.append(X.shape[0])
        return super().predict_proba(X)


class _FewerColumns(LogisticRegression):
    """A teacher whose classes_ name every label but whose scores miss the last one."""

    def predict_proba(self, X):
        P = super().predict_proba(X)[:, :-1]
        return P / P.sum(axis=1, keepdims=True)

    def decision_function(self, X):
        return super().decision_function(X)[:, :-1]


def test_teacher_targets_are_computed_once_and_cached_without_a(multilabel, tmp_path):
    X, Y = multilabel
    seen = _Spy.seen
    seen.clear()
    spy = _Spy(max_iter=500).fit(X[Y.nonzero()[0]], Y.nonzero()[1])
    seen.clear()
    make = lambda a: DoubleDistilledRanker(  # noqa: E731
        _net(max_epochs=3), FrozenEstimator(spy), a=a, teacher_top_m=4, random_state=0,
        memory=str(tmp_path))
    ranker = make(1.0).fit(X, Y)
    assert sum(seen) == X.shape[0]  # every row once, not every example of every epoch
    assert ranker.teacher_top_m_ == 4 and ranker.negatives_sample_ is None
    assert 0 < ranker.teacher_dropped_mass_["mean"] <= ranker.teacher_dropped_mass_["max"] < 1
    assert ranker.teacher_log_weight_bound_ > 0
    seen.clear()
    other = make(3.0).fit(X, Y)  # another a: the cached targets, no teacher call
    assert seen == []
    assert other.teacher_log_weight_bound_ > ranker.teacher_log_weight_bound_


def test_keeping_every_label_is_the_exact_objective(multilabel, teacher):
    """teacher_top_m = n_labels: the rows, weighted by their labels, have the objective of
    the per-batch fit on the examples; full-batch gradient descent takes the same steps."""
    X, Y = multilabel
    scores = [
        DoubleDistilledRanker(_net(optimizer=torch.optim.SGD, lr=0.5, batch_size=10_000),
                              FrozenEstimator(teacher), a=2.0, temperature=2.0,
                              teacher_top_m=top_m, negatives_sample=None, random_state=0)
        .fit(X, Y).decision_function(X)
        for top_m in (None, 12)
    ]
    assert np.abs(scores[0]).max() > 0.5  # the steps moved the net
    np.testing.assert_allclose(scores[1], scores[0], atol=1e-4)


@pytest.mark.parametrize("positives", ["teacher", "onehot"])
@pytest.mark.parametrize("negatives", ["sigmoid", "one_minus", "uniform"])
def test_batch_targets_of_all_kept_labels_are_the_per_batch_targets(multilabel, teacher,
                                                                    positives, negatives):
    X, rows, labels, row_labels, targets = _first_examples(multilabel, teacher, 20, 12, 1.5)
    batches = RankingBatches(None, X, 12, row_labels=row_labels, targets=targets,
                             positives=positives, negatives=negatives, a=0.7)
    once, subset = batches.targets_of(row_labels.rows, row_labels.counts)
    assert subset is None
    # the examples of a row: the row's targets, positives averaged over its labels
    per_batch = _ranking_targets(teacher, np.arange(12), positives, negatives, 0.7, 1.5,
                                 X[rows].toarray().astype(np.float32), labels, np.ones(20))
    position = np.searchsorted(row_labels.rows, rows)
    grouped = np.zeros_like(once)
    np.add.at(grouped, position, per_batch / row_labels.counts[position, None])
    grouped[:, -1] = row_labels.counts
    np.testing.assert_allclose(once, grouped, rtol=1e-4, atol=1e-6)


def test_a_row_with_its_labels_is_the_sum_of_its_examples(multilabel, teacher):
    """With one-hot positives, a row weighted by its m labels and positives uniform over
    them has the loss of its m examples: the fit on rows has the objective of the paper's."""
    X, rows, labels, row_labels, targets = _first_examples(multilabel, teacher, 30, 5, 1.0)
    batches = RankingBatches(None, X, 12, row_labels=row_labels, targets=targets,
                             positives="onehot", negatives="sigmoid", a=1.0)
    grouped, _ = batches.targets_of(row_labels.rows, row_labels.counts)
    examples = _ranking_targets(teacher, np.arange(12), "onehot", "sigmoid", 1.0, 1.0,
                                X[rows].toarray().astype(np.float32), labels, np.ones(30))
    dense_targets = grouped.copy()
    kept = targets.labels[targets.positions(row_labels.rows)]
    f = torch.randn(len(row_labels.rows), 12, dtype=torch.float64)
    loss = DoubleDistillationLoss(reduction="sum")
    by_rows = loss(f, torch.from_numpy(dense_targets).double()).item()
    # the examples, with the kept labels' weights only (the others are w = 1 above)
    examples_kept = examples.copy()
    weights = examples_kept[:, 12:24]
    position = np.searchsorted(row_labels.rows, rows)
    mask = np.zeros((30, 12), dtype=bool)
    np.put_along_axis(mask, kept[position], True, axis=1)
    weights[~mask] = 0.0
    by_examples = loss(f[position], torch.from_numpy(examples_kept).double()).item()
    assert by_rows == pytest.approx(by_examples, rel=1e-5)


# -- sampled negatives -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["uniform", "frequency"])
def test_the_sampled_sum_estimates_the_sum_over_every_label(kind):
    """The logQ correction makes sum over the sample of c_j / E_j * w_j e^f_j an unbiased
    estimate of the sum over the labels outside the certain set."""
    rng = np.random.RandomState(0)
    n_labels = 200
    f = rng.normal(size=n_labels)
    log_w = -np.logaddexp(0, rng.normal(size=n_labels))
    counts = rng.poisson(3, size=n_labels)
    certain = np.array([3, 50, 51, 120])
    sampler = LabelSampler(n_labels, 20, kind, counts=counts, seed=0)
    estimates = []
    for _ in range(4000):
        labels, correction = sampler.draw(certain)
        assert not np.isin(labels, certain).any()
        estimates.append(np.exp(f[labels] + log_w[labels] + correction).sum())
    rest = np.setdiff1d(np.arange(n_labels), certain)
    truth = np.exp(f[rest] + log_w[rest]).sum()
    assert np.mean(estimates) == pytest.approx(truth, rel=0.02)
    assert np.std(estimates) > 0.05 * truth  # it is a sample, not the sum itself


def test_a_sample_of_every_label_is_the_loss_over_every_label(multilabel, teacher):
    X, rows, labels, row_labels, targets = _first_examples(multilabel, teacher, 16, 3, 1.0)
    common = dict(row_labels=row_labels, targets=targets, positives="teacher",
                  negatives="sigmoid", a=1.0)
    weights = row_labels.counts
    dense, _ = RankingBatches(None, X, 12, **common).targets_of(row_labels.rows, weights)
    sampler = LabelSampler(12, 12, "uniform", seed=0)  # every label, correction log 1
    sampled, subset = RankingBatches(None, X, 12, sampler=sampler, **common).targets_of(
        row_labels.rows, weights)
    assert sorted(subset) == list(range(12))
    f = torch.randn(len(weights), 12, dtype=torch.float64)
    full = DoubleDistillationLoss()(f, torch.from_numpy(dense).double())
    on_subset = SampledDoubleDistillationLoss()(f[:, subset], torch.from_numpy(sampled).double())
    assert on_subset.item() == pytest.approx(full.item(), rel=1e-6)


def test_the_positives_keep_the_kept_probabilities_and_spread_the_rest(multilabel, teacher):
    """Over every label the positives are a probability row: the teacher's tempered
    probabilities on the kept labels, the dropped mass evenly over the others."""
    X, rows, labels, row_labels, targets = _first_examples(multilabel, teacher, 20, 3, 1.5)
    batches = RankingBatches(None, X, 12, row_labels=row_labels, targets=targets,
                             positives="teacher", negatives="uniform", a=1.0)
    target, _ = batches.targets_of(row_labels.rows, row_labels.counts)
    pi = target[:, :12]
    np.testing.assert_allclose(pi.sum(axis=1), 1, rtol=1e-5)
    tempered = softmax(np.log(teacher.predict_proba(X[row_labels.rows])) / 1.5, axis=1)
    kept = np.zeros_like(pi, dtype=bool)
    np.put_along_axis(kept, targets.labels[targets.positions(row_labels.rows)], True, axis=1)
    np.testing.assert_allclose(pi[kept], tempered[kept], rtol=1e-4)
    dropped = 1 - np.where(kept, tempered, 0).sum(axis=1)
    assert dropped.min() > 0.05  # the test has a tail to spread
    np.testing.assert_allclose(pi[~kept].reshape(-1, 9), np.repeat(dropped[:, None] / 9, 9, 1),
                               rtol=1e-4)


@pytest.mark.parametrize("kind", ["uniform", "frequency"])
def test_the_sampled_positives_estimate_those_over_every_label(multilabel, teacher, kind):
    """On a sampled label the spread positive is scaled by count over expected count, so
    the positives' term of the loss, pi . f, is unbiased for the one over every label."""
    X, rows, labels, row_labels, targets = _first_examples(multilabel, teacher, 6, 2, 1.0)
    common = dict(row_labels=row_labels, targets=targets, positives="teacher",
                  negatives="sigmoid", a=1.0)
    f = np.random.RandomState(0).normal(size=(len(row_labels.rows), 12))
    dense, _ = RankingBatches(None, X, 12, **common).targets_of(row_labels.rows,
                                                                  row_labels.counts)
    truth = (dense[:, :12] * f).sum(axis=1)
    sampler = LabelSampler(12, 3, kind, counts=np.arange(12), seed=0)
    batches = RankingBatches(None, X, 12, sampler=sampler, **common)
    estimates = []
    for _ in range(3000):
        target, subset = batches.targets_of(row_labels.rows, row_labels.counts)
        estimates.append((target[:, :len(subset)] * f[:, subset]).sum(axis=1))
    np.testing.assert_allclose(np.mean(estimates, axis=0), truth, atol=0.02 * np.abs(f).max())
    assert np.std(estimates, axis=0).max() > 0.01  # it is a sample, not the sum itself


def test_the_subset_holds_the_kept_labels_and_the_sample(multilabel, teacher):
    X, rows, labels, row_labels, targets = _first_examples(multilabel, teacher, 8, 2, 1.0)
    sampler = LabelSampler(12, 4, "uniform", seed=1)
    batches = RankingBatches(None, X, 12, row_labels=row_labels, targets=targets,
                             positives="onehot", negatives="sigmoid", a=1.0,
                             sampler=sampler)
    target, subset = batches.targets_of(row_labels.rows, row_labels.counts)
    kept = targets.labels[targets.positions(row_labels.rows)]
    certain = np.union1d(kept.ravel(), labels)
    np.testing.assert_array_equal(subset[:len(certain)], certain)
    width = len(subset)
    pi, b = target[:, :width], target[:, width:2 * width]
    # one-hot positives: uniform over each row's labels
    for i, row in enumerate(row_labels.rows):
        np.testing.assert_allclose(pi[i, np.isin(subset, labels[rows == row])],
                                   1 / np.sum(rows == row))
    np.testing.assert_allclose(pi.sum(axis=1), 1, rtol=1e-6)
    # the sampled labels carry -log(4/12), the certain ones log w <= 0 (0 off the row's kept)
    np.testing.assert_allclose(b[:, len(certain):], np.log(3), rtol=1e-6)
    assert np.all(b[:, :len(certain)] <= 0)


def test_a_module_scores_a_label_subset_as_its_full_output(multilabel):
    X, _ = multilabel
    for sparse_input in (False, True):
        module = BottleneckModule(30, 12, width=4, random_state=0, sparse=sparse_input)
        Xt = sparse_rows(X, np.arange(9)) if sparse_input else torch.from_numpy(
            X[:9].toarray()).float()
        full = module(Xt)
        shared = torch.tensor([11, 0, 4])
        np.testing.assert_allclose(module(Xt, label_subset=shared.expand(9, 3)).detach(),
                                   full[:, shared].detach(), rtol=1e-6, atol=1e-6)
        per_row = torch.randint(12, (9, 5), generator=torch.Generator().manual_seed(0))
        np.testing.assert_allclose(module(Xt, label_subset=per_row).detach(),
                                   full.gather(1, per_row).detach(), rtol=1e-6, atol=1e-6)
    dense = BottleneckModule(30, 12, width=4, random_state=0, sparse=True)
    np.testing.assert_allclose(dense(torch.from_numpy(X[:9].toarray())).detach(),
                               module(sparse_rows(X, np.arange(9))).detach(), atol=1e-6)
    with pytest.raises(ValueError, match="needs n_features"):
        MLPModule(None, 12, sparse=True)


def test_lazy_adam_is_adam_on_dense_gradients_and_leaves_untouched_rows():
    torch.manual_seed(0)
    X = torch.randn(16, 6)
    modules = [BottleneckModule(6, 10, width=3, random_state=0) for _ in range(2)]
    optimizers = [torch.optim.Adam(modules[0].parameters(), lr=0.05),
                  LazyAdam(modules[1].parameters(), lr=0.05)]
    for _ in range(4):
        for module, optimizer in zip(modules, optimizers):
            optimizer.zero_grad()
            module(X).logsumexp(dim=1).mean().backward()
            optimizer.step()
    for p, q in zip(modules[0].parameters(), modules[1].parameters()):
        np.testing.assert_allclose(p.detach(), q.detach(), atol=1e-6)
    module = BottleneckModule(6, 10, width=3, random_state=0, sparse=True)
    before = module.layers[-1].weight.detach().clone()
    optimizer = LazyAdam(module.parameters(), lr=0.05)
    module(X, label_subset=torch.tensor([2, 7]).expand(16, 2)).sum().backward()
    assert module.layers[-1].weight.grad.is_sparse
    optimizer.step()
    changed = (module.layers[-1].weight.detach() != before).any(dim=1)
    np.testing.assert_array_equal(np.flatnonzero(changed.numpy()), [2, 7])


@pytest.mark.parametrize("sampling", ["uniform", "frequency"])
def test_a_sampled_fit_learns_and_predicts_every_label(multilabel, teacher, sampling):
    X, Y = multilabel
    ranker = DoubleDistilledRanker(
        _net(max_epochs=30, sparse_input=30), FrozenEstimator(teacher), a=2.0, k=1,
        teacher_top_m=3, negatives_sample=4, sampling=sampling, random_state=0).fit(X, Y)
    assert ranker.negatives_sample_ == 4
    assert isinstance(ranker.student_.criterion_, SampledDoubleDistillationLoss)
    scores = ranker.decision_function(X)
    assert scores.shape == (240, 12)
    with torch.no_grad():
        full = ranker.student_.module_(torch.from_numpy(X.toarray()).float()).numpy()
    np.testing.assert_allclose(scores, full, rtol=1e-5, atol=1e-5)
    chance = Y.sum() / Y.shape[0] / Y.shape[1]
    assert ranker.score(X, Y) > 0.8 > 3 * chance


def test_above_the_threshold_the_defaults_sample_and_read_sparse_rows(multilabel,
                                                                      monkeypatch):
    X, Y = multilabel
    monkeypatch.setattr(_ranker, "EXACT_MAX_LABELS", 10)
    monkeypatch.setattr(_ranker, "AUTO_NEGATIVES_SAMPLE", 4)
    monkeypatch.setattr(_ranker, "AUTO_TOP_M", 3)
    small = {"max_epochs": 2, "batch_size": 64}
    original = _ranker._default_net
    monkeypatch.setattr(_ranker, "_default_net",
                        lambda *args, **kw: original(*args, **kw).set_params(**small))
    ranker = DoubleDistilledRanker(random_state=0).fit(X, Y)
    assert (ranker.teacher_top_m_, ranker.negatives_sample_) == (3, 4)
    for net in (ranker.teacher_, ranker.student_):
        assert net.module_.sparse and isinstance(net.optimizer_, LazyAdam)
        assert isinstance(net.criterion_, SampledDoubleDistillationLoss)
    assert ranker.teacher_.module_.layers[-1].weight.shape == (12, 512)
    assert ranker.decision_function(X).shape == (240, 12)
    at_threshold = DoubleDistilledRanker(_net(max_epochs=1), LogisticRegression(max_iter=300))
    monkeypatch.setattr(_ranker, "EXACT_MAX_LABELS", 12)
    at_threshold.fit(X, Y)
    assert (at_threshold.teacher_top_m_, at_threshold.negatives_sample_) == (None, None)


def test_auto_below_the_threshold_is_the_exact_fit(multilabel, teacher):
    X, Y = multilabel
    fits = [DoubleDistilledRanker(_net(), FrozenEstimator(teacher), random_state=0, **kw)
            .fit(X, Y) for kw in ({}, {"teacher_top_m": None, "negatives_sample": None})]
    assert (fits[0].teacher_top_m_, fits[0].negatives_sample_) == (None, None)
    assert fits[0].teacher_dropped_mass_ is None and fits[0].teacher_log_weight_bound_ is None
    np.testing.assert_array_equal(fits[0].decision_function(X), fits[1].decision_function(X))


# -- other teachers, pipelines, scores ----------------------------------------------


def test_a_one_vs_rest_teacher_on_the_label_matrix(multilabel):
    X, Y = multilabel
    ovr = OneVsRestClassifier(LogisticRegression(max_iter=500)).fit(X, Y.toarray())
    adapter = as_teacher(FrozenEstimator(ovr))
    assert adapter.multilabel
    S, P = adapter.scores(X[:5], np.arange(12))
    per_label = ovr.predict_proba(X[:5])
    assert not np.allclose(per_label.sum(axis=1), 1)
    np.testing.assert_allclose(P, per_label / per_label.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(S, ovr.decision_function(X[:5]), rtol=1e-5)
    for top_m in (None, 4):
        ranker = DoubleDistilledRanker(_net(max_epochs=20), FrozenEstimator(ovr), a=1.0,
                                       teacher_top_m=top_m, random_state=0).fit(X, Y)
        assert ranker.score(X, Y) > 0.7


def test_a_teacher_scoring_fewer_labels_is_refused(multilabel):
    X, Y = multilabel
    rows, labels = Y.nonzero()
    few = FrozenEstimator(_FewerColumns(max_iter=300).fit(X[rows], labels))
    for top_m in (None, 4):
        with pytest.raises(ValueError, match=r"teacher gives scores of shape \(\d+, 11\)"):
            DoubleDistilledRanker(_net(max_epochs=1), few, teacher_top_m=top_m).fit(X, Y)
    narrow = NeuralNetClassifier(BottleneckModule, module__n_features=30,
                                 module__n_classes=11, criterion=torch.nn.CrossEntropyLoss,
                                 classes=np.arange(12), max_epochs=1, train_split=None,
                                 verbose=0).initialize()
    with pytest.raises(ValueError, match="teacher gives scores of shape .* 12 labels"):
        DoubleDistilledRanker(_net(max_epochs=1), FrozenEstimator(narrow), teacher_top_m=4
                              ).fit(X, Y)


def test_predict_top_k_through_a_pipeline(multilabel, teacher):
    X, Y = multilabel
    pipe = make_pipeline(TfidfTransformer(), DoubleDistilledRanker(
        _net(max_epochs=3), LogisticRegression(max_iter=300), random_state=0)).fit(X, Y)
    top = pipe.predict(X, k=3)
    assert top.shape == (240, 3)
    np.testing.assert_array_equal(top, pipe[-1].predict_top_k(pipe[:-1].transform(X), 3))
    np.testing.assert_array_equal(pipe.predict(X), top[:, 0])


def test_score_counts_rows_without_labels_as_zero(multilabel, teacher):
    X, Y = multilabel
    ranker = DoubleDistilledRanker(_net(max_epochs=3), FrozenEstimator(teacher),
                                   random_state=0).fit(X, Y)
    Y_empty = Y.tolil()
    Y_empty[:40] = 0
    Y_empty = Y_empty.tocsr()
    hits = precision_at_k(Y[40:], ranker.decision_function(X[40:]), 1)
    assert ranker.score(X, Y_empty) == pytest.approx(hits * 200 / 240)
    proba = ranker.predict_proba(X[:4])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.log(proba), log_softmax(ranker.decision_function(X[:4]), 1),
                               atol=1e-4)


def test_bad_scale_parameters(multilabel, teacher):
    X, Y = multilabel
    make = lambda **kw: DoubleDistilledRanker(  # noqa: E731
        _net(max_epochs=1), FrozenEstimator(teacher), **kw)
    with pytest.raises(ValueError, match="teacher_top_m=2 is smaller than k=3"):
        make(teacher_top_m=2, k=3).fit(X, Y)
    with pytest.raises(ValueError, match="teacher_top_m=13 is larger than the number of labels"):
        make(teacher_top_m=13).fit(X, Y)
    with pytest.raises(ValueError, match="negatives_sample=13 is larger than the number"):
        make(negatives_sample=13).fit(X, Y)
    for bad in (0, -3, "all"):
        with pytest.raises(ValueError, match="'negatives_sample' parameter"):
            make(negatives_sample=bad).fit(X, Y)
    with pytest.raises(ValueError, match="'sampling' parameter"):
        make(sampling="zipf").fit(X, Y)
    with pytest.raises(ValueError, match="needs the teacher's targets computed once"):
        make(negatives_sample=4, teacher_top_m=None).fit(X, Y)

    class Plain(torch.nn.Module):
        def __init__(self, n_classes=12):
            super().__init__()
            self.linear = torch.nn.Linear(30, n_classes)

        def forward(self, X):
            return self.linear(X.float())

    plain = NeuralNetClassifier(Plain, criterion=torch.nn.CrossEntropyLoss, max_epochs=1,
                                train_split=None, verbose=0)
    with pytest.raises(ValueError, match="Plain.forward takes no label_subset"):
        DoubleDistilledRanker(plain, FrozenEstimator(teacher), negatives_sample=4).fit(X, Y)
    # "auto" falls back to the loss over every label for such a student
    assert DoubleDistilledRanker(plain, FrozenEstimator(teacher), teacher_top_m=4).fit(
        X, Y).negatives_sample_ is None


@pytest.mark.parametrize("params, match", [
    ({"teacher_top_m": 0}, "teacher_top_m must be a positive integer, 'auto' or None"),
    ({"negatives_sample": "some"}, "negatives_sample must be a positive integer"),
    ({"sampling": "zipf"}, "sampling must be 'uniform' or 'frequency'"),
])
def test_table1_refuses_bad_scale_options(params, match, tmp_path):
    from skdistill.experiments import table1

    with pytest.raises(ValueError, match=match):
        table1.run(data_home=tmp_path, verbose=False, **params)


def test_a_sampled_student_ranks_as_the_full_softmax_one():
    """On 400 labels with a third of them in a batch's subset, sampled negatives (fixed
    seeds) give the P@1 of the loss over every label, from the same teacher targets."""
    from skdistill.datasets import make_retrieval_classification

    X, y, _ = make_retrieval_classification(5000, n_classes=400, n_features=20,
                                            temperature=0.5, random_state=0)
    Y = sparse.csr_matrix((np.ones(len(y)), (np.arange(len(y)), y)), shape=(len(y), 400))
    X_test, Y_test, X, Y = X[4000:], Y[4000:], X[:4000], Y[:4000]
    teacher = DoubleDistilledRanker(_net(64, lr=0.01, max_epochs=10, batch_size=64),
                                    positives="onehot", negatives="uniform",
                                    random_state=0).fit(X, Y)
    scores = {sample: [
        DoubleDistilledRanker(_net(8, lr=0.01, max_epochs=8, batch_size=16),
                              FrozenEstimator(teacher.student_), teacher_top_m=8,
                              negatives_sample=sample, random_state=seed)
        .fit(X, Y).score(X_test, Y_test) for seed in (0, 1)] for sample in (None, 16)}
    best = teacher.score(X_test, Y_test)
    assert min(scores[None] + scores[16]) > 0.95 * best > 0.4  # chance is 1/400
    assert abs(np.mean(scores[16]) - np.mean(scores[None])) < 0.015
