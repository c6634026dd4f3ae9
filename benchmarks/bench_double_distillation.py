"""Double distillation: the O(L) form against the literal O(L^2) double sum.

Section 4's objective per example is
``sum_y p_t(y|x) log sum_y' w(y'|x) exp(f_y' - f_y)``. Because ``sum_y p_t(y|x) = 1``
and ``w`` does not depend on ``y``, it equals ``logsumexp(f + log w) - p_t . f``,
which :func:`skdistill.losses.double_distillation_loss` computes. The natural baseline
is the literal double sum, vectorised in torch (an (n, L, L) tensor), measured in the
same run: this script prints the time and peak tensor size of both, their ratio, and
checks that the two values agree.

Run: python benchmarks/bench_double_distillation.py [--n-samples 32] [--labels 100 1000 4000]
"""

import argparse
import time
from functools import partial

import torch

from skdistill.losses import double_distillation_loss


def literal_double_sum(f, p, s, a):
    """Equation (13) as written: O(L^2) per example."""
    log_w = torch.nn.functional.logsigmoid(-a * s)
    # inner[n, y] = log sum_y' w_y' exp(f_y' - f_y)
    inner = torch.logsumexp(log_w[:, None, :] + f[:, None, :] - f[:, :, None], dim=2)
    return (p * inner).sum(dim=1).mean()


def _time(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=32)
    parser.add_argument("--labels", type=int, nargs="+", default=[100, 1000, 4000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--a", type=float, default=1.0)
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    n = args.n_samples
    print(f"n_samples={n}, a={args.a}, best of {args.repeats} (float64, CPU)")
    print(f"{'L':>6s} {'O(L) [s]':>10s} {'O(L^2) [s]':>11s} {'ratio':>8s} "
          f"{'O(L^2) tensor [MB]':>19s} {'|difference|':>13s}")
    for L in args.labels:
        f = torch.randn(n, L, dtype=torch.float64)
        s = torch.randn(n, L, dtype=torch.float64) * 3
        p = torch.softmax(torch.randn(n, L, dtype=torch.float64), dim=1)
        fast_t, fast = _time(partial(double_distillation_loss, f, p, s, args.a), args.repeats)
        slow_t, slow = _time(partial(literal_double_sum, f, p, s, args.a), args.repeats)
        mb = n * L * L * 8 / 2**20
        print(f"{L:6d} {fast_t:10.5f} {slow_t:11.4f} {slow_t / fast_t:8.0f} {mb:19.1f} "
              f"{abs(fast.item() - slow.item()):13.2e}")


if __name__ == "__main__":
    main()
