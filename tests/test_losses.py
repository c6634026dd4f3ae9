"""The torch distillation losses against hand computations on tiny batches."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skdistill.losses import (  # noqa: E402
    DoubleDistillationLoss,
    HintonDistillationLoss,
    SoftTargetCrossEntropy,
    SoftTargetNLLLoss,
    double_distillation_loss,
    hinton_target,
)

Z = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 0.0], [-0.5, 1.5, 0.3]])
P = np.array([[0.7, 0.2, 0.1], [0.0, 1.0, 0.0], [0.25, 0.25, 0.5]])
W = np.array([0.5, 2.0, 1.0])


def _log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _t(a):
    return torch.tensor(a, dtype=torch.float64)


def test_soft_cross_entropy_matches_hand_computation():
    per_row = -(P * _log_softmax(Z)).sum(axis=1)
    loss = SoftTargetCrossEntropy()(_t(Z), _t(P))
    assert loss.item() == pytest.approx(per_row.mean(), rel=1e-12)
    # row weights in a last column: mean of w_n * l_n (not renormalised)
    weighted = SoftTargetCrossEntropy()(_t(Z), _t(np.column_stack([P, W])))
    assert weighted.item() == pytest.approx((W * per_row).mean(), rel=1e-12)
    summed = SoftTargetCrossEntropy(reduction="sum")(_t(Z), _t(P))
    assert summed.item() == pytest.approx(per_row.sum(), rel=1e-12)


def test_soft_cross_entropy_class_weight_and_label_smoothing():
    c = np.array([1.0, 2.0, 0.5])
    eps = 0.1
    P_smooth = (1 - eps) * P + eps / 3
    expected = -(c * P_smooth * _log_softmax(Z)).sum(axis=1).mean()
    loss = SoftTargetCrossEntropy(weight=_t(c), label_smoothing=eps)(_t(Z), _t(P))
    assert loss.item() == pytest.approx(expected, rel=1e-12)


def test_soft_cross_entropy_one_hot_equals_hard_labels():
    y = np.array([0, 1, 2])
    hard = torch.nn.CrossEntropyLoss()(_t(Z), torch.tensor(y))
    soft = SoftTargetCrossEntropy()(_t(Z), _t(np.eye(3)[y]))
    assert soft.item() == pytest.approx(hard.item(), rel=1e-12)
    # a 1-D integer target is accepted as hard labels
    assert SoftTargetCrossEntropy()(_t(Z), torch.tensor(y)).item() == pytest.approx(hard.item())


def test_soft_nll_on_log_probabilities():
    logp = _log_softmax(Z)
    expected = -(P * logp).sum(axis=1).mean()
    assert SoftTargetNLLLoss()(_t(logp), _t(P)).item() == pytest.approx(expected, rel=1e-12)
    # a zero target times log(0) = -inf contributes 0, not NaN
    logp_inf = logp.copy()
    logp_inf[1, 0] = -np.inf
    loss = SoftTargetNLLLoss()(_t(logp_inf), _t(P))
    assert loss.item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss", [SoftTargetCrossEntropy(), SoftTargetNLLLoss()])
def test_target_width_mismatch_is_a_clear_error(loss):
    with pytest.raises(ValueError, match="network outputs 3 columns.*output width"):
        loss(_t(Z), _t(np.ones((3, 5)) / 5))


def test_bad_reduction():
    with pytest.raises(ValueError, match="reduction must be"):
        SoftTargetCrossEntropy(reduction="none")


def _hinton_by_hand(z, p, y, T, alpha, w):
    q = np.exp(np.log(p) / T)
    q /= q.sum(axis=1, keepdims=True)
    log_s = _log_softmax(z / T)
    kl = np.array(
        [sum(qk * (np.log(qk) - lk) for qk, lk in zip(qr, lr) if qk > 0)
         for qr, lr in zip(q, log_s)]
    )
    ce = np.array([-_log_softmax(z)[n, y[n]] if y[n] >= 0 else 0.0 for n in range(len(y))])
    a = np.where(y >= 0, alpha, 1.0)
    return np.mean(w * (a * T**2 * kl + (1 - a) * ce))


def test_hinton_matches_hand_computation():
    y = np.array([2, -1, 1])  # the middle row is unlabelled: pure teacher term
    teacher = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    T, alpha = 2.5, 0.3
    loss = HintonDistillationLoss(temperature=T, alpha=alpha)
    got = loss(_t(Z), hinton_target(teacher, y).double())
    assert got.item() == pytest.approx(_hinton_by_hand(Z, teacher, y, T, alpha, 1.0), rel=1e-6)
    got_w = loss(_t(Z), hinton_target(teacher, y, W).double())
    assert got_w.item() == pytest.approx(_hinton_by_hand(Z, teacher, y, T, alpha, W), rel=1e-6)


def test_hinton_pure_distillation_is_scaled_batchmean_kl():
    teacher = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    T = 3.0
    q = torch.softmax(torch.log(_t(teacher)) / T, dim=1)
    reference = torch.nn.functional.kl_div(
        torch.log_softmax(_t(Z) / T, dim=1), q, reduction="batchmean"
    ) * T**2
    target = hinton_target(teacher, [0, 1, 2]).double()
    got = HintonDistillationLoss(temperature=T, alpha=1.0)(_t(Z), target)
    # the target stores the teacher probabilities in float32
    assert got.item() == pytest.approx(reference.item(), rel=1e-6)
    # alpha = 0 on labelled rows is the ordinary cross-entropy
    hard = HintonDistillationLoss(temperature=T, alpha=0.0)(_t(Z), target)
    ce = torch.nn.functional.cross_entropy(_t(Z), torch.tensor([0, 1, 2]))
    assert hard.item() == pytest.approx(ce.item(), rel=1e-6)


def test_hinton_rejects_bad_labels_and_params():
    with pytest.raises(ValueError, match="class indices"):
        HintonDistillationLoss()(_t(Z), hinton_target(P, [0, 3, 1]).double())
    with pytest.raises(ValueError, match="temperature"):
        HintonDistillationLoss(temperature=0)
    with pytest.raises(ValueError, match="alpha"):
        HintonDistillationLoss(alpha=1.5)


def _double_distillation_literal(f, p, s, a):
    """Equation 13 unrolled: sum_y p_y log sum_y' w_y' exp(f_y' - f_y), O(L^2)."""
    w = 1.0 - 1.0 / (1.0 + np.exp(-a * s))
    n, L = f.shape
    out = np.zeros(n)
    for i in range(n):
        for y in range(L):
            inner = sum(w[i, yp] * np.exp(f[i, yp] - f[i, y]) for yp in range(L))
            out[i] += p[i, y] * np.log(inner)
    return out


def test_double_distillation_equals_literal_double_sum():
    rng = np.random.RandomState(0)
    f = rng.normal(size=(4, 6))
    s = 2 * rng.normal(size=(4, 6))
    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    a = 0.7
    literal = _double_distillation_literal(f, p, s, a)
    per_row = double_distillation_loss(_t(f), _t(p), _t(s), a, reduction="none")
    np.testing.assert_allclose(per_row.numpy(), literal, rtol=1e-10)
    mean = double_distillation_loss(_t(f), _t(p), _t(s), a)
    assert mean.item() == pytest.approx(literal.mean(), rel=1e-10)
    module = DoubleDistillationLoss(a=a)(_t(f), torch.cat([_t(p), _t(s)], dim=1))
    assert module.item() == pytest.approx(literal.mean(), rel=1e-10)
    weighted = DoubleDistillationLoss(a=a)(_t(f), torch.cat([_t(p), _t(s), _t(W[[0, 1, 2, 0]])
                                                              .reshape(-1, 1)], dim=1))
    assert weighted.item() == pytest.approx((W[[0, 1, 2, 0]] * literal).mean(), rel=1e-10)


def test_double_distillation_is_stable_for_confident_teachers():
    # 1 - sigmoid(a s) rounds to 0 for s >= 40 even in float64, so a naive log w is
    # -inf for every label here; log w = log sigmoid(-a s) stays finite
    f = _t([[1.0, 0.0, -1.0]])
    s = _t([[60.0, 70.0, 80.0]])
    assert torch.all(1 - torch.sigmoid(s) == 0)
    p = _t([[1.0, 0.0, 0.0]])
    loss = double_distillation_loss(f, p, s, 1.0)
    assert torch.isfinite(loss)
    f.requires_grad_(True)
    double_distillation_loss(f, p, s, 1.0).backward()
    assert torch.all(torch.isfinite(f.grad))
