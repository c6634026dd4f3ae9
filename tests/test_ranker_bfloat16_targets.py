"""The teacher's top labels found in bfloat16 and rescored in float32, against float32."""

import numpy as np
import pytest
from scipy import sparse

torch = pytest.importorskip("torch")
skorch = pytest.importorskip("skorch")

from skdistill import DoubleDistilledRanker  # noqa: E402
from skdistill._bfloat16_top_labels import _ERROR_CONSTANT, Bfloat16TopLabels  # noqa: E402
from skdistill._ranker import _ranking_targets  # noqa: E402
from skdistill._teacher import as_teacher  # noqa: E402
from skdistill._teacher_targets import compute_teacher_targets  # noqa: E402
from skdistill.nets import BottleneckModule, LazyAdam  # noqa: E402

N_LABELS, N_FEATURES, WIDTH = 3000, 60, 48


@pytest.fixture(scope="module")
def problem():
    """A sparse-input width-48 teacher over 3,000 labels, its output rows spread so that
    the scores have a long tail, and 150 sparse rows."""
    rng = np.random.RandomState(0)
    X = sparse.csr_matrix(rng.binomial(1, 0.2, size=(150, N_FEATURES)).astype(np.float32))
    y = rng.randint(N_LABELS, size=150)
    net = skorch.NeuralNetClassifier(
        BottleneckModule, module__width=WIDTH, module__n_features=N_FEATURES,
        module__n_classes=N_LABELS,
        module__sparse=True, classes=np.arange(N_LABELS), criterion=torch.nn.CrossEntropyLoss,
        optimizer=LazyAdam, max_epochs=1, batch_size=64, train_split=None, verbose=0)
    torch.manual_seed(0)
    net.fit(X, y)
    with torch.no_grad():
        net.module_.output_layer.weight.normal_(0.0, 1.0)
        net.module_.output_layer.bias.normal_(0.0, 1.0)
    return as_teacher(net), X


def _both(teacher, X, m, temperature):
    rows = np.arange(X.shape[0])
    exact = compute_teacher_targets(teacher, X, rows, np.arange(N_LABELS), m, temperature,
                                    precision="float32")
    found = compute_teacher_targets(teacher, X, rows, np.arange(N_LABELS), m, temperature,
                                    precision="bfloat16")
    return exact, found


@pytest.mark.parametrize("temperature", [1.0, 2.5, 1e-310])
def test_bfloat16_keeps_the_float32_top_labels_and_values(problem, temperature):
    teacher, X = problem
    m = 16
    exact, found = _both(teacher, X, m, temperature)
    assert exact.full_pass_rows == 0
    # the same top-m set on every row, in the same order (the scores have no ties)
    np.testing.assert_array_equal(found.labels, exact.labels)
    # the kept labels' scores are float32 products (another summation order)
    np.testing.assert_allclose(found.scores, exact.scores, rtol=1e-5, atol=1e-5)
    # log-probabilities: the others' share of the log-sum-exp comes from bfloat16, each
    # of their scores off by at most the row's error bound eps
    eps = _error_bounds(teacher, X).numpy()
    assert np.all(np.abs(found.log_proba - exact.log_proba) <= eps[:, None] + 1e-5)
    with np.errstate(over="ignore", divide="ignore"):
        mass_bound = np.minimum(1.0, np.expm1(2 * eps.astype(np.float64) / temperature))
    assert np.all(np.abs(found.dropped_mass - exact.dropped_mass) <= mass_bound + 1e-6)
    # the positives: the kept labels' shares (no log-sum-exp in them) times the kept
    # mass, so off by at most as much as the dropped mass
    error = np.abs(found.positives(np.arange(len(found.rows)))
                   - exact.positives(np.arange(len(exact.rows))))
    assert np.all(error <= mass_bound[:, None] + 1e-5)
    assert np.all(np.isfinite(found.dropped_mass))
    # the dropped labels' largest score and log-probability: upper bounds (up to the
    # float32 rounding of another summation order)
    assert np.all(found.dropped_score >= exact.dropped_score * (1 - 1e-5 * np.sign(
        exact.dropped_score)))
    assert np.all(found.dropped_log_proba >= exact.dropped_log_proba - 1e-5)
    for negatives in ("sigmoid", "one_minus"):
        assert (found.log_weight_bound(negatives, 1.3)
                >= exact.log_weight_bound(negatives, 1.3) - 1e-5)


def _error_bounds(teacher, X):
    """Each row's largest bound on a label's bfloat16 score error."""
    scorer = Bfloat16TopLabels.of(teacher, X, np.arange(N_LABELS))
    hidden = scorer.hidden(np.arange(X.shape[0]))
    return _ERROR_CONSTANT * torch.linalg.vector_norm(hidden, dim=1) * scorer.weight_norm.max()


def test_the_bfloat16_error_bound_holds(problem):
    teacher, X = problem
    scorer = Bfloat16TopLabels.of(teacher, X, np.arange(N_LABELS))
    hidden = scorer.hidden(np.arange(X.shape[0]))
    exact = scorer.float32_scores(hidden).double()
    approx = scorer.bfloat16_scores(hidden).double()
    bound = _ERROR_CONSTANT * torch.outer(torch.linalg.vector_norm(hidden, dim=1),
                                          scorer.weight_norm).double()
    error = (approx - exact).abs()
    assert torch.all(error <= bound)
    assert error.max() > 0  # bfloat16 did round


def test_the_bfloat16_scores_are_those_of_the_mixed_type_add(problem):
    # the cast and float32 add give the values of adding the float32 bias to the
    # bfloat16 product at once, bit for bit
    teacher, X = problem
    scorer = Bfloat16TopLabels.of(teacher, X, np.arange(N_LABELS))
    hidden = scorer.hidden(np.arange(X.shape[0]))
    direct = torch.add(torch.nn.functional.linear(hidden.bfloat16(), scorer.weight_bf16),
                       scorer.bias)
    assert direct.dtype == torch.float32
    assert torch.equal(scorer.bfloat16_scores(hidden), direct)
    # the kept arrays serve a smaller block after a larger one
    assert torch.equal(scorer.bfloat16_scores(hidden[:3]), direct[:3])


def test_rows_the_bfloat16_order_does_not_settle_are_scored_in_float32(problem):
    teacher, X = problem
    net = teacher.estimator
    with torch.no_grad():
        saved = net.module_.output_layer.weight.clone()
        # 200 labels nearly tied for the top of every row: no slack of 48 settles it
        weight = net.module_.output_layer.weight
        weight[:200] = weight[0] + 1e-4 * torch.randn(200, WIDTH)
        net.module_.output_layer.bias[:200] = 50.0
    try:
        exact, found = _both(teacher, X, 8, 1.0)
    finally:
        with torch.no_grad():
            net.module_.output_layer.weight.copy_(saved)
    assert found.full_pass_rows == X.shape[0]
    np.testing.assert_array_equal(found.labels, exact.labels)
    np.testing.assert_array_equal(found.scores, exact.scores)


def test_auto_scores_few_labels_in_float32(problem):
    teacher, X = problem
    rows = np.arange(X.shape[0])
    auto = compute_teacher_targets(teacher, X, rows, np.arange(N_LABELS), 200, 1.0)
    exact = compute_teacher_targets(teacher, X, rows, np.arange(N_LABELS), 200, 1.0,
                                    precision="float32")
    # 3,000 labels are under 16 times the 248 candidates: the float32 path
    np.testing.assert_array_equal(auto.scores, exact.scores)


def test_a_subnormal_temperature_gives_one_hot_positives():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = rng.randint(4, size=60)
    teacher = LogisticRegression().fit(X, y)
    target = _ranking_targets(teacher, np.arange(4), "teacher", "sigmoid", 1.0, 1e-310, X, y,
                              np.ones(60))
    pi = target[:, :4]
    assert np.all(np.isfinite(target))
    np.testing.assert_array_equal(pi, np.eye(4)[teacher.predict_proba(X).argmax(axis=1)])
    ranker = DoubleDistilledRanker(teacher=LogisticRegression(), temperature=1e-310,
                                   random_state=0,
                                   student=skorch.NeuralNetClassifier(
                                       BottleneckModule, module__width=4, max_epochs=2,
                                       criterion=torch.nn.CrossEntropyLoss, train_split=None,
                                       verbose=0))
    for top_m, sample in ((None, None), (3, 2)):
        ranker.set_params(teacher_top_m=top_m, negatives_sample=sample).fit(X, y)
        assert np.all(np.isfinite(ranker.decision_function(X)))
