"""Soft-target transforms: temperature, label mixing, label smoothing."""

import numpy as np
import pytest

from skdistill import make_soft_targets, mix_with_labels, smooth_labels, temperature_scale

P = np.array([[0.7, 0.2, 0.1, 0.0], [0.25, 0.25, 0.5, 0.0], [0.0, 0.0, 1.0, 0.0]])


def test_temperature_one_is_identity():
    np.testing.assert_array_equal(temperature_scale(P, 1.0), P)


@pytest.mark.parametrize("T", [0.01, 0.5, 2.0, 100.0, 1e8])
def test_temperature_matches_power_formula_and_has_no_nan(T):
    Q = temperature_scale(P, T)
    assert np.all(np.isfinite(Q))
    np.testing.assert_allclose(Q.sum(axis=1), 1.0)
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        logs = np.log(P) / T
    expected = np.exp(logs - logs.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(Q, expected, atol=1e-12)
    assert np.all(Q[P == 0] == 0)  # zero probabilities stay zero


def test_temperature_limits():
    np.testing.assert_allclose(temperature_scale(P, 1e-6)[0], [1, 0, 0, 0])
    np.testing.assert_allclose(temperature_scale(P, 1e-6)[1], [0, 0, 1, 0])
    hot = temperature_scale(P, 1e9)
    np.testing.assert_allclose(hot[0], [1 / 3, 1 / 3, 1 / 3, 0], atol=1e-8)
    # ties at T -> 0 share the mass
    np.testing.assert_allclose(temperature_scale([[0.4, 0.4, 0.2]], 1e-6), [[0.5, 0.5, 0]])


def test_temperature_on_softmax_is_softmax_of_scaled_logits():
    z = np.array([[2.0, -1.0, 0.5]])
    p = np.exp(z) / np.exp(z).sum()
    q = np.exp(z / 3) / np.exp(z / 3).sum()
    np.testing.assert_allclose(temperature_scale(p, 3.0), q)


@pytest.mark.parametrize("T", [0, -1, np.inf, np.nan, "2"])
def test_bad_temperature(T):
    with pytest.raises(ValueError, match="temperature"):
        temperature_scale(P, T)


def test_smoothing_and_mixing_formulas():
    np.testing.assert_allclose(smooth_labels(P, 0.2), 0.8 * P + 0.05)
    Y = np.eye(4)[[0, 1, 2]]
    np.testing.assert_allclose(mix_with_labels(P, Y, 0.3), 0.3 * P + 0.7 * Y)
    for fn, name in [(smooth_labels, "label_smoothing")]:
        with pytest.raises(ValueError, match=name):
            fn(P, 1.5)
    with pytest.raises(ValueError, match="alpha"):
        mix_with_labels(P, Y, -0.1)


def test_make_soft_targets_order_and_unlabelled_rows():
    y_index = np.array([1, -1, 2])
    T, a, eps = 2.0, 0.25, 0.1
    out = make_soft_targets(P, y_index, temperature=T, alpha=a, label_smoothing=eps)
    Q = temperature_scale(P, T)
    expected = Q.copy()
    for i in (0, 2):
        expected[i] = a * Q[i] + (1 - a) * np.eye(4)[y_index[i]]
    expected = (1 - eps) * expected + eps / 4
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_alpha_zero_with_smoothing_is_classical_label_smoothing():
    out = make_soft_targets(P, np.array([0, 1, 3]), alpha=0.0, label_smoothing=0.2)
    np.testing.assert_allclose(out, 0.8 * np.eye(4)[[0, 1, 3]] + 0.05)


@pytest.mark.parametrize("T", [1e-300, 1e-310, 5e-324])
def test_tiny_temperatures_give_the_exact_limit(T):
    # log p / T overflows: the limit, one-hot on the argmax with ties sharing the mass
    Q = temperature_scale(P, T)
    np.testing.assert_array_equal(Q, np.eye(4)[[0, 2, 2]])
    np.testing.assert_array_equal(temperature_scale([[0.4, 0.4, 0.2]], T), [[0.5, 0.5, 0.0]])
    ties = np.array([[0.25, 0.25, 0.25, 0.25], [0.0, 0.5, 0.0, 0.5]])
    np.testing.assert_array_equal(temperature_scale(ties, T), ties)


def test_no_nan_from_probabilities_and_a_positive_temperature():
    rng = np.random.RandomState(0)
    raw = rng.exponential(size=(200, 5)) * (rng.uniform(size=(200, 5)) > 0.3)
    raw[:, 0] += 1e-300  # every row has mass; some entries are zero, some subnormal-small
    raw[:20, 1] = 5e-324
    Prob = raw / raw.sum(axis=1, keepdims=True)
    for T in [5e-324, 1e-310, 1e-200, 1e-3, 0.7, 1.0, 3.0, 1e200, 1e308]:
        Q = make_soft_targets(Prob, rng.randint(-1, 5, size=200), temperature=T, alpha=0.5,
                              label_smoothing=0.1)
        assert np.all(np.isfinite(Q)), T
        np.testing.assert_allclose(Q.sum(axis=1), 1.0)
    # huge T tends to uniform over the classes with positive probability
    hot = temperature_scale(Prob, 1e308)
    np.testing.assert_allclose(hot, (Prob > 0) / (Prob > 0).sum(axis=1, keepdims=True))


def test_tiny_temperature_targets_fit_a_student():
    from sklearn.linear_model import LogisticRegression

    from skdistill import fit_soft_targets

    X = np.arange(12.0).reshape(-1, 1)
    Prob = np.column_stack([np.linspace(0.9, 0.1, 12), np.linspace(0.1, 0.9, 12)])
    targets = make_soft_targets(Prob, temperature=1e-310)
    np.testing.assert_array_equal(targets, np.eye(2)[(Prob[:, 1] > 0.5).astype(int)])
    fitted = fit_soft_targets(LogisticRegression(), X, targets)
    assert fitted.classes_.tolist() == [0, 1]


@pytest.mark.parametrize("bad, match", [
    ([[0.5, 0.6]], "sum to 1"),
    ([[np.nan, 1.0]], "NaN"),
    ([[1.5, -0.5]], "negative"),
    ([0.5, 0.5], "2-D"),
])
def test_bad_probabilities_are_named_as_what_was_passed(bad, match):
    with pytest.raises(ValueError, match=f"^the teacher's probability matrix .*{match}"):
        make_soft_targets(bad, temperature=2.0)
    with pytest.raises(ValueError, match=f"^the probability matrix P .*{match}"):
        temperature_scale(bad, 2.0)


@pytest.mark.parametrize("y_index, match", [
    (np.array([0, 1]), r"y_index must be integers of shape \(3,\)"),
    (np.array([0.0, 1.0, 2.0]), "y_index must be integers"),
    (np.array([0, 4, -1]), r"y_index must hold column indices in \[0, 4\) or -1"),
    (np.array([0, -2, 1]), r"y_index must hold column indices"),
])
def test_bad_y_index(y_index, match):
    with pytest.raises(ValueError, match=match):
        make_soft_targets(P, y_index, alpha=0.5)
