"""The torch distillation losses against hand computations on tiny batches."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skdistill.losses import (  # noqa: E402
    DoubleDistillationLoss,
    HintonDistillationLoss,
    SoftTargetCrossEntropy,
    SoftTargetNLLLoss,
    TargetLayout,
    double_distillation_loss,
    double_distillation_target,
    hinton_target,
)


@pytest.fixture(autouse=True)
def _seeded_torch():
    """Every test draws its random tensors from the same seed, whatever ran before."""
    torch.manual_seed(0)


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
    # the module reads log w from its target (float64 here, to compare at 1e-10)
    log_w = torch.nn.functional.logsigmoid(-a * _t(s))
    module = DoubleDistillationLoss()(_t(f), torch.cat([_t(p), log_w], dim=1))
    assert module.item() == pytest.approx(literal.mean(), rel=1e-10)
    weighted = DoubleDistillationLoss()(_t(f), torch.cat([_t(p), log_w, _t(W[[0, 1, 2, 0]])
                                                          .reshape(-1, 1)], dim=1))
    assert weighted.item() == pytest.approx((W[[0, 1, 2, 0]] * literal).mean(), rel=1e-10)
    # the float32 target the package builds gives the same loss to float32 precision
    target = double_distillation_target(p, s, a, sample_weight=W[[0, 1, 2, 0]])
    assert target.dtype == torch.float32 and target.shape == (4, 13)
    built = DoubleDistillationLoss()(_t(f).float(), target)
    assert built.item() == pytest.approx((W[[0, 1, 2, 0]] * literal).mean(), rel=1e-6)


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


def _formula(f, p, s, a):
    """The O(L) form through autograd, per row."""
    return torch.logsumexp(f + torch.nn.functional.logsigmoid(-a * s), dim=1) - (p * f).sum(1)


def _problem(n, L, seed, dtype=torch.float64, scale=3.0):
    generator = torch.Generator().manual_seed(seed)
    f = torch.randn(n, L, generator=generator, dtype=dtype)
    s = scale * torch.randn(n, L, generator=generator, dtype=dtype)
    p = torch.softmax(torch.randn(n, L, generator=generator, dtype=dtype), dim=1)
    return f, p, s


def _grads(loss_fn, *tensors):
    leaves = [t.detach().clone().requires_grad_(True) for t in tensors]
    loss = loss_fn(*leaves)
    return loss.detach(), torch.autograd.grad(loss, leaves)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_double_distillation_gradients_equal_autograd_of_the_formula(reduction, weighted):
    f, p, s = _problem(7, 9, seed=1)
    a = 1.3
    weight = torch.rand(7, dtype=torch.float64) * 2 if weighted else None
    # a random projection of the per-row losses, so that every row's gradient is tested
    project = torch.randn(7, dtype=torch.float64) if reduction == "none" else None

    def reduce(per_row):
        if weight is not None:
            per_row = per_row * weight
        if reduction == "none":
            return per_row @ project
        return per_row.sum() if reduction == "sum" else per_row.mean()

    def ours(f, p, s):
        loss = double_distillation_loss(f, p, s, a, sample_weight=weight, reduction=reduction)
        return loss @ project if reduction == "none" else loss

    got, got_grads = _grads(ours, f, p, s)
    want, want_grads = _grads(lambda f, p, s: reduce(_formula(f, p, s, a)), f, p, s)
    assert got.item() == pytest.approx(want.item(), rel=1e-12)
    for name, g, w in zip(("logits", "teacher_probs", "teacher_logits"), got_grads, want_grads):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12, msg=f"gradient of {name}")


def test_double_distillation_passes_gradcheck():
    f, p, s = _problem(4, 6, seed=2)
    weight = torch.rand(4, dtype=torch.float64) + 0.5
    inputs = [t.clone().requires_grad_(True) for t in (f, p, s, weight)]
    assert torch.autograd.gradcheck(
        lambda f, p, s, w: double_distillation_loss(f, p, s, 0.8, sample_weight=w,
                                                    reduction="none"),
        inputs,
    )


def test_double_distillation_gradients_equal_those_of_the_literal_double_sum():
    f, p, s = _problem(5, 8, seed=3)
    a = 0.7

    def literal(f, s):
        log_w = torch.nn.functional.logsigmoid(-a * s)
        inner = torch.logsumexp(log_w[:, None, :] + f[:, None, :] - f[:, :, None], dim=2)
        return (p * inner).sum()

    want, (want_f, want_s) = _grads(literal, f, s)
    got, (got_f, got_s) = _grads(
        lambda f, s: double_distillation_loss(f, p, s, a, reduction="sum"), f, s)
    assert got.item() == pytest.approx(want.item(), rel=1e-12)
    torch.testing.assert_close(got_f, want_f, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got_s, want_s, rtol=1e-10, atol=1e-12)


def test_double_distillation_is_the_same_in_blocks_of_rows(monkeypatch):
    import skdistill._double_distillation as fused

    f, p, s = _problem(11, 5, seed=4)
    whole, whole_grads = _grads(
        lambda f, p, s: double_distillation_loss(f, p, s, reduction="none").sum(), f, p, s)
    for rows_per_block in (1, 3):  # the last block of 3 is short
        monkeypatch.setattr(fused, "_BLOCK_ELEMENTS", 5 * rows_per_block)
        blocked, blocked_grads = _grads(
            lambda f, p, s: double_distillation_loss(f, p, s, reduction="none").sum(), f, p, s)
        assert blocked.item() == pytest.approx(whole.item(), rel=1e-14)
        for g, w in zip(blocked_grads, whole_grads):
            torch.testing.assert_close(g, w, rtol=1e-14, atol=0)


def test_double_distillation_float32_agrees_with_float64_at_many_labels():
    f, p, s = _problem(16, 5000, seed=5)
    want, (want_f,) = _grads(lambda f: _formula(f, p, s, 1.0).mean(), f)
    got, (got_f,) = _grads(lambda f: double_distillation_loss(f, p.float(), s.float()),
                           f.float())
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    torch.testing.assert_close(got_f.double(), want_f, rtol=1e-4, atol=1e-9)


def test_double_distillation_is_exact_when_every_weight_underflows():
    # In float32, sigmoid(-s) underflows to 0 for s > 88 (and is subnormal from about
    # 87); log w stays exact in log space
    f, p, s = _problem(4, 6, seed=6)
    s[0] = 100.0 + 50 * torch.rand(6, dtype=torch.float64,
                                    generator=torch.Generator().manual_seed(0))
    s[2] = 300.0
    s[2, 3] = 95.0
    assert torch.all(torch.sigmoid(-s[[0, 2]].float()) < torch.finfo(torch.float32).tiny)
    per_row_64 = _formula(f, p, s, 1.0)
    _, grads_64 = _grads(lambda f, s: _formula(f, p, s, 1.0).sum(), f, s)
    per_row = double_distillation_loss(f.float(), p.float(), s.float(), reduction="none")
    _, (grad_f, grad_s) = _grads(
        lambda f, s: double_distillation_loss(f, p.float(), s, reduction="sum"),
        f.float(), s.float())
    assert torch.all(torch.isfinite(per_row)) and torch.all(torch.isfinite(grad_f))
    torch.testing.assert_close(per_row.double(), per_row_64, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(grad_f.double(), grads_64[0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grad_s.double(), grads_64[1], rtol=1e-5, atol=1e-6)


def test_double_distillation_with_unit_weights_is_soft_target_cross_entropy():
    # s = -inf gives w = 1 (the "uniform" negatives): plain softmax cross-entropy on p
    f, p, _ = _problem(6, 7, seed=7)
    s = torch.full_like(f, -torch.inf)
    got, (got_f,) = _grads(lambda f: double_distillation_loss(f, p, s), f)
    want, (want_f,) = _grads(lambda f: torch.nn.functional.cross_entropy(f, p), f)
    assert got.item() == pytest.approx(want.item(), rel=1e-12)
    torch.testing.assert_close(got_f, want_f, rtol=1e-10, atol=1e-12)


def test_double_distillation_backward_twice_through_one_graph():
    f, p, s = _problem(3, 4, seed=8)
    f.requires_grad_(True)
    loss = double_distillation_loss(f, p, s)
    first = torch.autograd.grad(loss, f, retain_graph=True)[0]
    second = torch.autograd.grad(loss, f)[0]
    torch.testing.assert_close(first, second, rtol=1e-14, atol=0)
    want = torch.autograd.grad(_formula(f, p, s, 1.0).mean(), f)[0]
    torch.testing.assert_close(first, want, rtol=1e-10, atol=1e-12)


def test_double_distillation_rejects_bad_input():
    f, p, s = _problem(3, 4, seed=9)
    with pytest.raises(ValueError, match="teacher_probs must be a tensor of the shape"):
        double_distillation_loss(f, p[:, :3], s)
    with pytest.raises(ValueError, match="teacher_logits must be a tensor of the shape"):
        double_distillation_loss(f, p, s.numpy())
    with pytest.raises(ValueError, match="logits must be a 2-D floating-point tensor"):
        double_distillation_loss(f[0], p[0], s[0])
    with pytest.raises(ValueError, match="logits must be a 2-D floating-point tensor"):
        double_distillation_loss(f.long(), p, s)
    with pytest.raises(ValueError, match="logits must have at least one column"):
        double_distillation_loss(f[:, :0], p[:, :0], s[:, :0])
    with pytest.raises(ValueError, match=r"sample_weight must be a tensor of shape \(3,\)"):
        double_distillation_loss(f, p, s, sample_weight=torch.ones(4))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        double_distillation_loss(f, p, s, reduction="batchmean")
    for a in (0, -1.0, float("nan"), float("inf"), "1"):
        with pytest.raises(ValueError, match="a must be a finite number > 0"):
            double_distillation_loss(f, p, s, a)
    with pytest.raises(TypeError, match="passes no gradient to a"):
        double_distillation_loss(f, p, s, torch.tensor(1.0, requires_grad=True))
    with pytest.raises(ValueError, match="a must be a finite number > 0"):
        double_distillation_target(p, s, a=0.0)
    with pytest.raises(ValueError, match="must be 2-D arrays of one shape"):
        double_distillation_target(p, s[:, :3])
    with pytest.raises(ValueError, match="teacher_probs"):
        double_distillation_target(2 * p, s)
    with pytest.raises(ValueError, match="teacher_logits contains NaN"):
        double_distillation_target(p, torch.where(s > 0, torch.nan, s))
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\)"):
        double_distillation_target(p, s, sample_weight=[1.0, 2.0])
    # teacher logits where the module wants log weights: caught, not a wrong loss
    with pytest.raises(ValueError, match="must hold log negative weights log w <= 0"):
        DoubleDistillationLoss()(f, torch.cat([p, s], dim=1))
    with pytest.raises(ValueError, match="must hold log negative weights"):
        DoubleDistillationLoss()(f, torch.cat([p, torch.full_like(s, torch.nan)], dim=1))
    # a 0-d tensor without gradient is read as its value
    assert double_distillation_loss(f, p, s, torch.tensor(2.0)).item() == pytest.approx(
        double_distillation_loss(f, p, s, 2.0).item(), rel=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_double_distillation_reduced_inside_the_function_passes_gradcheck(reduction):
    # a mean or sum is taken inside the autograd function, whose logits' gradient is
    # complete after the forward pass; the incoming gradient is not 1 here
    f, p, s = _problem(5, 7, seed=10)
    weight = torch.rand(5, dtype=torch.float64) + 0.5
    inputs = [t.clone().requires_grad_(True) for t in (f, p, s)]
    assert torch.autograd.gradcheck(
        lambda f, p, s: 3.0 * double_distillation_loss(f, p, s, 0.8, sample_weight=weight,
                                                       reduction=reduction),
        inputs,
    )


def test_double_distillation_criterion_gradients_reach_its_target():
    f, p, s = _problem(6, 5, seed=11)
    log_w = torch.nn.functional.logsigmoid(-1.5 * s)
    weight = torch.rand(6, 1, dtype=torch.float64) + 0.5
    target = torch.cat([p, log_w, weight], dim=1)
    got, got_grads = _grads(lambda f, t: DoubleDistillationLoss()(f, t), f, target)
    want, want_grads = _grads(
        lambda f, t: (t[:, 10] * (torch.logsumexp(f + t[:, 5:10], dim=1)
                                  - (t[:, :5] * f).sum(1))).mean(), f, target)
    assert got.item() == pytest.approx(want.item(), rel=1e-12)
    # every column: probabilities, log weights and the row weights
    for g, w in zip(got_grads, want_grads):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


def test_double_distillation_reduced_backward_twice_and_without_gradient():
    f, p, s = _problem(4, 6, seed=12)
    f.requires_grad_(True)
    loss = double_distillation_loss(f, p, s, reduction="sum")
    first = torch.autograd.grad(loss, f, retain_graph=True)[0]
    second = torch.autograd.grad(2 * loss, f)[0]
    torch.testing.assert_close(second, 2 * first, rtol=1e-14, atol=0)
    with torch.no_grad():
        assert double_distillation_loss(f, p, s, reduction="sum").item() == pytest.approx(
            loss.item(), rel=1e-15)


def test_double_distillation_target_is_exact_for_confident_teachers():
    # log sigmoid(-a s) in log space: about -a s where w itself underflows in float32
    p = np.full((1, 4), 0.25)
    s = np.array([[-np.inf, 0.0, 200.0, np.inf]])
    target = double_distillation_target(p, s, a=0.5, sample_weight=[2.0]).numpy()
    np.testing.assert_allclose(target[0, :4], 0.25)
    assert target[0, 4] == 0.0 and target[0, 7] == -np.inf and target[0, 8] == 2.0
    assert target[0, 5] == pytest.approx(np.log(0.5), rel=1e-6)
    assert target[0, 6] == pytest.approx(-100.0, rel=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_double_distillation_under_torch_compile_equals_eager(reduction):
    # traced by torch.compile, the loss runs its whole-tensor forward pass; the
    # aot_eager backend traces as inductor does, without compiling C++
    torch._dynamo.reset()
    f, p, s = _problem(6, 9, seed=13)
    weight = torch.rand(6, dtype=torch.float64) + 0.5

    def function(f, p, s):
        out = double_distillation_loss(f, p, s, 1.4, sample_weight=weight, reduction=reduction)
        return out.sum() if reduction == "none" else out

    want, want_grads = _grads(function, f, p, s)
    got, got_grads = _grads(torch.compile(function, backend="aot_eager", fullgraph=False),
                            f, p, s)
    assert got.item() == pytest.approx(want.item(), rel=1e-12)
    for g, w in zip(got_grads, want_grads):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-12)


def test_double_distillation_criterion_under_torch_compile(monkeypatch):
    import skdistill._double_distillation as fused

    torch._dynamo.reset()
    traced = []
    whole = fused._WholeTensorFunction.forward
    monkeypatch.setattr(fused._WholeTensorFunction, "forward",
                        staticmethod(lambda *args: traced.append(1) or whole(*args)))
    f, p, s = _problem(5, 7, seed=14)
    target = torch.cat([p, torch.nn.functional.logsigmoid(-s)], dim=1)
    criterion = DoubleDistillationLoss()
    compiled = torch.compile(criterion, backend="aot_eager")
    want, (want_f,) = _grads(lambda f: criterion(f, target), f)
    got, (got_f,) = _grads(lambda f: compiled(f, target), f)
    assert got.item() == pytest.approx(want.item(), rel=1e-12)
    torch.testing.assert_close(got_f, want_f, rtol=1e-10, atol=1e-12)
    assert traced, "the compiled criterion did not take the whole-tensor forward pass"
    # compiled, the check is an assertion in the graph: torch raises its RuntimeError
    with pytest.raises(RuntimeError, match="must hold log negative weights"):
        compiled(f, torch.cat([p, s.abs()], dim=1))


def test_target_layout_pack_checks_the_shape_of_every_part():
    layout = TargetLayout(3, labels=True, weights=True)
    proba = np.full((2, 3), 1 / 3)
    packed = layout.pack(proba, y_index=[0, -1], sample_weight=[[1.0], [2.0]])
    assert packed.shape == (2, 5) and packed[1, 3] == -1 and packed[1, 4] == 2
    # a (2, 6) block is not silently read as four rows of three
    with pytest.raises(ValueError, match=r"proba must have shape \(n_samples, 3\)"):
        layout.pack(np.full((2, 6), 1 / 6), y_index=[0, 1, 2, 0], sample_weight=np.ones(4))
    with pytest.raises(ValueError, match=r"y_index must have shape \(2,\)"):
        layout.pack(proba, y_index=[0, 1, 2], sample_weight=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(2,\)"):
        layout.pack(proba, y_index=[0, 1], sample_weight=np.ones((2, 2)))
