"""Double distillation: the cost of the package's loss against its natural baselines.

1. The O(L) form against the literal O(L^2) double sum. Section 4's objective per
   example is ``sum_y p_t(y|x) log sum_y' w(y'|x) exp(f_y' - f_y)``. Because
   ``sum_y p_t(y|x) = 1`` and ``w`` does not depend on ``y``, it equals
   ``logsumexp(f + log w) - p_t . f``, which
   :func:`skdistill.losses.double_distillation_loss` computes. The baseline is the
   literal double sum, vectorised in torch (an (n, L, L) tensor): the script prints the
   time and peak tensor size of both, their ratio, and checks that the values agree.

2. A training step of the loss against softmax cross-entropy. For a batch of 256 rows
   and L = 10^4 and 10^5 labels (float32), the median time of forward + backward of
   ``F.cross_entropy(f, y)`` (hard labels, the ordinary student's loss) and of the
   package's criterion ``DoubleDistillationLoss()(f, target)``, as a student is
   trained: its target ``[p | log w]`` holds the teacher's probabilities and log
   negative weights ``log w = log sigmoid(-a s)``, built once per batch with the
   teacher's outputs by ``double_distillation_target`` (that time is printed too, as
   ``F.cross_entropy``'s labels are built outside the step). For reference: the
   function form ``double_distillation_loss(f, p, s, a)``, which computes ``log w``
   from the logits at every call; autograd through the plain formula
   ``logsumexp(f + logsigmoid(-a s)) - (p * f).sum(1)``; and cross-entropy against the
   probability rows ``p`` (``F.cross_entropy(f, p)``, how skdistill trains a net on
   soft targets). All ratios are to hard-label cross-entropy.
   The losses take turns, a few steps each (so a slow spell of a shared machine hits
   them alike), and each time is reported both as wall-clock time and as the CPU time
   of the process. Torch runs on one thread unless ``--threads`` says otherwise
   (``0``: torch's default): on a loaded machine, two threads made even the smallest
   steps wait about 10 ms for each other. With one thread the CPU time does not
   count the time the process waits for a CPU, which makes it the steadier measure on
   a busy machine; with several threads, CPU time also counts the threads' spinning.
   ``main`` returns the wall-clock ratio of the package's criterion to cross-entropy
   (target 1.3) as the rows of ``run_all.py``.

Run: python benchmarks/bench_double_distillation.py [--threads 1] [--repeats 15]
     [--steps 3] [--step-labels 10000 100000] [--labels 100 1000 4000]
"""

import argparse
import statistics
import time
from functools import partial

import torch
import torch.nn.functional as F
from _common import timed

from skdistill.losses import (
    DoubleDistillationLoss,
    double_distillation_loss,
    double_distillation_target,
)

# forward + backward of the package's criterion against that of F.cross_entropy
TARGET = 1.3


def literal_double_sum(f, p, s, a):
    """Equation (13) as written: O(L^2) per example."""
    log_w = F.logsigmoid(-a * s)
    # inner[n, y] = log sum_y' w_y' exp(f_y' - f_y)
    inner = torch.logsumexp(log_w[:, None, :] + f[:, None, :] - f[:, :, None], dim=2)
    return (p * inner).sum(dim=1).mean()


def plain_formula(f, p, s, a):
    """The O(L) form through autograd: what the package's loss computes by hand."""
    return (torch.logsumexp(f + F.logsigmoid(-a * s), dim=1) - (p * f).sum(dim=1)).mean()


def compare_with_double_sum(n, labels, repeats, a):
    torch.manual_seed(0)
    print(f"O(L) form against the literal O(L^2) double sum: n_samples={n}, a={a}, "
          f"best of {repeats} (float64, forward only)")
    print(f"{'L':>6s} {'O(L) [s]':>10s} {'O(L^2) [s]':>11s} {'ratio':>8s} "
          f"{'O(L^2) tensor [MB]':>19s} {'|difference|':>13s}")
    for L in labels:
        f = torch.randn(n, L, dtype=torch.float64)
        s = torch.randn(n, L, dtype=torch.float64) * 3
        p = torch.softmax(torch.randn(n, L, dtype=torch.float64), dim=1)
        fast_t, fast = timed(partial(double_distillation_loss, f, p, s, a), repeats, min)
        slow_t, slow = timed(partial(literal_double_sum, f, p, s, a), repeats, min)
        mb = n * L * L * 8 / 2**20
        print(f"{L:6d} {fast_t:10.5f} {slow_t:11.4f} {slow_t / fast_t:8.0f} {mb:19.1f} "
              f"{abs(fast.item() - slow.item()):13.2e}")


def _cross_entropy(f, y):
    return F.cross_entropy(f, y)


def _step_time(loss, f):
    """Wall and process CPU time of one forward + backward of ``loss(f)``."""
    f.grad = None
    wall, cpu = time.perf_counter(), time.process_time()
    loss(f).backward()
    return time.perf_counter() - wall, time.process_time() - cpu


def _compile_criterion():
    """The criterion and cross-entropy under ``torch.compile`` (as skorch's
    ``compile=True`` compiles a net's criterion), or None if this torch cannot compile
    here (it needs a C++ compiler on CPU)."""
    try:
        criterion = torch.compile(DoubleDistillationLoss())
        cross_entropy = torch.compile(_cross_entropy)
        f = torch.zeros(2, 3, requires_grad=True)
        criterion(f, torch.zeros(2, 6)).backward()
        cross_entropy(f, torch.zeros(2, dtype=torch.long)).backward()
    except Exception as error:  # noqa: BLE001 - any failure means: no compiled rows
        print(f"torch.compile is not available here ({type(error).__name__}: {error}); "
              "the compiled rows are left out")
        return None
    return criterion, cross_entropy


def compare_with_cross_entropy(batch, labels, repeats, steps, a, compile_=True):
    """Print the table; return, per ``L``, the wall-clock medians of each loss [s]."""
    medians = {}
    print(f"\nforward + backward against F.cross_entropy: batch={batch}, a={a}, float32, "
          f"median of {repeats} x {steps} steps, torch threads={torch.get_num_threads()}")
    names = {"ce": "cross-entropy", "package": "criterion"}
    compiled = _compile_criterion() if compile_ else None
    if compiled is not None:
        names.update({"compiled": "compiled criterion", "ce_compiled": "compiled CE"})
    names.update({"function": "function form", "formula": "autograd formula",
                  "soft": "soft-target CE"})
    print(f"{'L':>7s} {'clock':>5s} " + " ".join(
        f"{title + ' [ms]':>{max(len(title) + 5, 9)}s}" + ("" if key == "ce" else " ratio")
        for key, title in names.items()))
    criterion = DoubleDistillationLoss()
    for L in labels:
        generator = torch.Generator().manual_seed(0)
        f = torch.randn(batch, L, generator=generator).requires_grad_(True)
        s = 3 * torch.randn(batch, L, generator=generator)
        p = torch.softmax(torch.randn(batch, L, generator=generator), dim=1)
        y = torch.randint(L, (batch,), generator=generator)
        build = partial(double_distillation_target, p.numpy(), s.numpy(), a)
        build_time, target = timed(build, repeats, statistics.median)
        losses = {
            "ce": partial(_cross_entropy, y=y),
            "package": partial(criterion, target=target),
            "function": partial(double_distillation_loss, teacher_probs=p, teacher_logits=s,
                                a=a),
            "formula": partial(plain_formula, p=p, s=s, a=a),
            "soft": partial(_cross_entropy, y=p),
        }
        if compiled is not None:
            criterion_c, cross_entropy_c = compiled
            losses["compiled"] = partial(criterion_c, target=target)
            losses["ce_compiled"] = partial(cross_entropy_c, y=y)
            for name in ("compiled", "ce_compiled"):  # compiled for this shape here
                start = time.perf_counter()
                _step_time(losses[name], f)
                print(f"{'':7s} {names[name]}: compiled for L={L} in "
                      f"{time.perf_counter() - start:.1f} s")
        losses = {name: losses[name] for name in names}
        with torch.no_grad():
            difference = abs(losses["package"](f).item() - losses["formula"](f).item())
        times = {name: [] for name in losses}
        for loss in losses.values():  # warm-up
            _step_time(loss, f)
        # the losses take turns, each for a few steps in a row as in training
        for _ in range(repeats):
            for name, loss in losses.items():
                times[name].extend(_step_time(loss, f) for _ in range(steps))
        for clock, index in (("wall", 0), ("cpu", 1)):
            med = {name: 1e3 * statistics.median(t[index] for t in runs)
                   for name, runs in times.items()}
            if clock == "wall":
                medians[L] = med
            print(f"{L:7d} {clock:>5s} " + " ".join(
                f"{med[key]:{max(len(title) + 5, 9)}.1f}"
                + ("" if key == "ce" else f" {med[key] / med['ce']:5.2f}")
                for key, title in names.items()))
        print(f"{'':7s} |criterion - formula| = {difference:.2e}; building the batch's "
              f"target [p | log w] (once per batch, outside the step): "
              f"{1e3 * build_time:.1f} ms")
    return medians


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=32,
                        help="rows of the O(L) vs O(L^2) comparison")
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000, 4000],
                        help="L of the O(L) vs O(L^2) comparison")
    parser.add_argument("--batch", type=int, default=256,
                        help="rows of the comparison with cross-entropy")
    parser.add_argument("--step-labels", type=int, nargs="+", default=[10_000, 100_000],
                        help="L of the comparison with cross-entropy")
    parser.add_argument("--repeats", type=int, default=15,
                        help="turns of each loss in the comparison with cross-entropy")
    parser.add_argument("--steps", type=int, default=3,
                        help="consecutive steps of a loss per turn")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (0: torch's default; on a busy machine, "
                             "several threads make short steps wait for each other)")
    parser.add_argument("--a", type=float, default=1.0)
    parser.add_argument("--no-compile", action="store_true",
                        help="leave out the rows under torch.compile")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    compare_with_double_sum(args.n_samples, args.labels, min(args.repeats, 3), args.a)
    medians = compare_with_cross_entropy(args.batch, args.step_labels, args.repeats,
                                         args.steps, args.a, not args.no_compile)
    rows = []
    for L, med in medians.items():
        for key, name in (("package", "criterion"), ("compiled", "compiled criterion")):
            if key in med:
                rows.append({"benchmark": f"DoubleDistillationLoss ({name}) / cross_entropy",
                             "size": f"batch={args.batch}, L={L}",
                             "ratio": med[key] / med["ce"], "target": TARGET})
    return rows


if __name__ == "__main__":
    main()
