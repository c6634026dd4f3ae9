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
