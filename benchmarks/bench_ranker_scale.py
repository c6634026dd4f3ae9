"""DoubleDistilledRanker at the paper's scale: time, memory and precision per stage.

Two parts.

``fit`` (the default): a synthetic problem of the shape of AmazonCat-13K (1,186,239 rows,
203,882 features, 13,330 labels, 5.04 labels per row) or Amazon-670K (490,449 rows,
135,909 features, 670,091 labels, 5.45 labels per row), or any shape, with a planted
structure: label ``j`` has a signature of 8 words; a row's labels are drawn from a
power law over the labels (head and tail labels, as in retrieval), and its words are
each of its labels' signature words, kept with probability 0.6, plus 40 noise words,
the row scaled to unit norm. The *oracle* scores a label by how many of its signature
words the row has (ties to the more frequent label): its precision on the held-out rows
is the known precision of the structure, printed next to the label-frequency ranking
(the floor) and to the models'. The ranker is fitted with its defaults at that many
labels (above 4,096: the width-512 teacher trained with sampled negatives, its targets
computed once, the width-32 student on sampled negatives; ``--student-width``,
``--epochs`` change the two nets' width and epochs), and each stage is timed with its
peak resident memory (``VmHWM``, reset as the stage starts): the teacher's fit (and its
time per epoch), the teacher's targets, the student's fit (and its time per epoch),
then prediction and P@1/3/5 on the held-out rows. ``--rows`` fits on a subset of the
rows (at the shape's features and labels).

``--step-costs L1 L2 ...``: where one training step goes at ``L`` labels (batch 256,
student width 64, 75 non-zeros per row over 135,909 features): the batch's targets
(the sampled path: kept labels, sample, packing; the exact path: the width-512 teacher
on the batch, its softmax and weights), the student's step (forward on the subset or on
every label, loss, backward, optimizer), and the loss alone, as fractions of the step.

Memory is the process's resident set (``/proc/self/status``); the load average of the
machine is printed with every stage, since on a shared machine it is what the seconds
depend on.

Run: python benchmarks/bench_ranker_scale.py --shape amazoncat|amazon670k
         [--rows N] [--test-rows 2000] [--epochs E] [--teacher-epochs E]
         [--student-width W] [--threads T]
     python benchmarks/bench_ranker_scale.py --step-costs 10000 100000 670091 [--no-exact]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ranker_memory import MiB, _reset_peak, _status  # noqa: E402

from skdistill import DoubleDistilledRanker  # noqa: E402
from skdistill import _ranker as ranker_module  # noqa: E402
from skdistill._nets import net_logits, sparse_rows  # noqa: E402
from skdistill.datasets import make_planted_retrieval  # noqa: E402
from skdistill.metrics import precision_at_k  # noqa: E402

SHAPES = {
    "amazoncat": {"n_rows": 1_186_239, "n_features": 203_882, "n_labels": 13_330,
                  "labels_per_row": 5.04},
    "amazon670k": {"n_rows": 490_449, "n_features": 135_909, "n_labels": 670_091,
                   "labels_per_row": 5.45},
}
KS = (1, 3, 5)


def _load():
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


# -- the planted problem ---------------------------------------------------------------


def _blockwise_precision(Y, score_block, n_labels, width=1 << 24):
    """P@1/3/5 of the scores that ``score_block(rows)`` gives, in blocks of rows."""
    step = max(1, width // n_labels)
    totals = dict.fromkeys(KS, 0.0)
    for start in range(0, Y.shape[0], step):
        rows = np.arange(start, min(start + step, Y.shape[0]))
        scores = score_block(rows)
        for k in KS:
            totals[k] += precision_at_k(Y[rows], scores, k) * len(rows)
    return {k: totals[k] / Y.shape[0] for k in KS}


def oracle_precision(X, Y, signatures, prior):
    """Precision of the planted structure: signature words present, ties to the prior."""
    n_labels, n_words = signatures.shape
    membership = sparse.csr_matrix(
        (np.ones(signatures.size, dtype=np.float32),
         (np.repeat(np.arange(n_labels), n_words), signatures.ravel())),
        shape=(n_labels, X.shape[1]))
    # one sparse product for all rows: (rows, labels) counts of signature words present
    counts = ((X > 0).astype(np.float32) @ membership.T.tocsc()).tocsr()
    return _blockwise_precision(Y, lambda rows: counts[rows].toarray() + _tie_break(prior),
                                n_labels)


def _tie_break(values):
    """Below 0.5, in the order of ``values`` and then of the columns, all distinct: ties
    broken before the metric (whose partition slows down on many equal scores)."""
    order = np.lexsort((np.arange(len(values)), -values))
    rank = np.empty(len(values))
    rank[order] = np.arange(len(values))
    return 0.5 - rank / (2 * len(values))


def frequency_precision(Y_train, Y_test):
    counts = np.asarray(Y_train.sum(axis=0), dtype=np.float64).ravel()
    scores = counts + _tie_break(counts)
    return _blockwise_precision(Y_test, lambda rows: np.tile(scores, (len(rows), 1)),
                                Y_train.shape[1])


# -- the fit, stage by stage -------------------------------------------------------------


class _Stages:
    """Time and peak resident memory of the ranker's stages, by wrapping its functions."""

    def __init__(self):
        self.rows, self._inside_teacher = [], False

    def wrap(self, name, function, *, teacher=False):
        def wrapped(*args, **kwargs):
            if not teacher and self._inside_teacher and name == "student's fit":
                return function(*args, **kwargs)  # the teacher's own batches
            self._inside_teacher |= teacher
            start_rss, load, start = _status("VmRSS"), _load(), time.perf_counter()
            exact = _reset_peak()
            try:
                return function(*args, **kwargs)
            finally:
                self._inside_teacher &= not teacher
                peak = _status("VmHWM") if exact else _status("VmRSS")
                self.rows.append({"stage": name, "seconds": time.perf_counter() - start,
                                  "start MiB": start_rss / MiB, "peak MiB": peak / MiB,
                                  "load before": load, "load after": _load()})
                print(f"  {name}: {self.rows[-1]['seconds']:.1f} s, peak "
                      f"{peak / MiB:.0f} MiB (load {load} -> {_load()})", flush=True)

        return wrapped


def _reporting(compute):
    def computed(*args, **kwargs):
        targets = compute(*args, **kwargs)
        print(f"  teacher's targets: {len(targets.rows)} rows, {targets.full_pass_rows} of them "
              "scored again over every label in float32", flush=True)
        return targets

    return computed


def compare_targets(teacher, X, classes, n_rows, m=16):
    """Time the teacher's targets of ``n_rows`` rows scored in float32 and in bfloat16, and
    how far apart they are."""
    from skdistill._teacher import as_teacher
    from skdistill._teacher_targets import compute_teacher_targets

    teacher, rows, found, seconds = as_teacher(teacher), np.arange(n_rows), {}, {}
    for precision in ("float32", "bfloat16"):
        start, load = time.perf_counter(), _load()
        found[precision] = compute_teacher_targets(teacher, X, rows, classes, m, 1.0,
                                                   precision=precision)
        seconds[precision] = time.perf_counter() - start
        print(f"  targets of {n_rows} rows in {precision}: {seconds[precision]:.1f} s "
              f"(load {load} -> {_load()})", flush=True)
    exact, low = found["float32"], found["bfloat16"]
    same_sets = np.mean([set(a) == set(b) for a, b in zip(exact.labels, low.labels)])
    print(f"  speed-up {seconds['float32'] / seconds['bfloat16']:.2f}; rows scored again in "
          f"float32 {low.full_pass_rows}; same top-{m} set on {same_sets:.4f} of the rows, same "
          f"order on {np.mean(np.all(exact.labels == low.labels, axis=1)):.4f}; largest "
          f"|score diff| {np.abs(exact.scores - low.scores).max():.2e}, |log-proba diff| "
          f"{np.abs(exact.log_proba - low.log_proba).max():.2e}, |dropped mass diff| "
          f"{np.abs(exact.dropped_mass - low.dropped_mass).max():.2e}; sigmoid log-weight "
          f"bound {exact.log_weight_bound('sigmoid', 1.0):.3f} (float32) <= "
          f"{low.log_weight_bound('sigmoid', 1.0):.3f} (bfloat16)", flush=True)
    return seconds


def _instrument(stages):
    saved = {name: getattr(ranker_module, name) for name in
             ("fit_sampled_teacher", "fit_on_examples", "cached_teacher_targets",
              "_fit_in_batches")}
    ranker_module.fit_sampled_teacher = stages.wrap(
        "teacher's fit", saved["fit_sampled_teacher"], teacher=True)
    ranker_module.fit_on_examples = stages.wrap("teacher's fit", saved["fit_on_examples"],
                                                teacher=True)
    ranker_module.cached_teacher_targets = lambda memory: stages.wrap(
        "teacher's targets", _reporting(saved["cached_teacher_targets"](memory)))
    ranker_module._fit_in_batches = stages.wrap("student's fit", saved["_fit_in_batches"])

    def undo():
        for name, function in saved.items():
            setattr(ranker_module, name, function)

    return undo


def _net_precision(net, X, Y, n_labels):
    return _blockwise_precision(Y, lambda rows: net_logits(net, X[rows]), n_labels)


def run_fit(args):
    shape = dict(SHAPES[args.shape]) if args.shape else {}
    for key in ("n_rows", "n_features", "n_labels", "labels_per_row"):
        if getattr(args, key) is not None:
            shape[key] = getattr(args, key)
    n_train = args.rows or shape["n_rows"]
    print(f"shape {args.shape or 'custom'}: {shape}; training rows {n_train}, held-out rows "
          f"{args.test_rows}; torch threads {torch.get_num_threads()}; load {_load()}")
    start = time.perf_counter()
    X, Y, signatures, prior = make_planted_retrieval(
        n_train + args.test_rows, n_features=shape["n_features"], n_labels=shape["n_labels"],
        labels_per_row=shape["labels_per_row"], return_structure=True, random_state=args.seed)
    X_train, Y_train, X_test, Y_test = X[:n_train], Y[:n_train], X[n_train:], Y[n_train:]
    print(f"data: {time.perf_counter() - start:.1f} s; X {X.nnz / X.shape[0]:.1f} non-zeros "
          f"per row, Y {Y.nnz / Y.shape[0]:.2f} labels per row, "
          f"{int((np.diff(Y_train.tocsc().indptr) > 0).sum())} labels occur in training; "
          f"resident {_status('VmRSS') / MiB:.0f} MiB", flush=True)
    reference = {"oracle (planted)": oracle_precision(X_test, Y_test, signatures, prior),
                 "label frequency": frequency_precision(Y_train, Y_test)}
    nets = {}
    if args.epochs is not None or args.student_width is not None or args.teacher_epochs:
        epochs = 20 if args.epochs is None else args.epochs
        nets["teacher"] = ranker_module._default_net(512, args.teacher_epochs or epochs,
                                                     X.shape[1])
        nets["student"] = ranker_module._default_net(args.student_width or 32, epochs,
                                                     X.shape[1])
    ranker = DoubleDistilledRanker(**nets, random_state=args.seed)
    stages = _Stages()
    undo = _instrument(stages)
    _reset_peak()
    start = time.perf_counter()
    try:
        ranker.fit(X_train, Y_train)
    finally:
        undo()
    total = time.perf_counter() - start
    print(f"fit: {total:.1f} s in all ({total / 60:.1f} min), teacher_top_m_="
          f"{ranker.teacher_top_m_}, negatives_sample_={ranker.negatives_sample_}, "
          f"dropped mass {ranker.teacher_dropped_mass_}, log-weight bound "
          f"{ranker.teacher_log_weight_bound_}", flush=True)
    for name, net in (("teacher", ranker.teacher_), ("student", ranker.student_)):
        if net is not None:
            epochs = [round(d, 1) for d in net.history[:, "dur"]]
            print(f"  {name} epochs [s]: {epochs}")
    start = time.perf_counter()
    models = {"teacher (width 512)": _net_precision(ranker.teacher_, X_test, Y_test,
                                                    shape["n_labels"])}
    models["student (double distillation)"] = _blockwise_precision(
        Y_test, lambda rows: ranker.decision_function(X_test[rows]), shape["n_labels"])
    print(f"prediction of {args.test_rows} held-out rows by both nets: "
          f"{time.perf_counter() - start:.1f} s")
    print(f"\n{'model':32s} {'P@1':>6s} {'P@3':>6s} {'P@5':>6s}")
    for name, p in {**reference, **models}.items():
        print(f"{name:32s} {p[1]:6.3f} {p[3]:6.3f} {p[5]:6.3f}")
    if args.compare_targets:
        compare_targets(ranker.teacher_, X_train, ranker.classes_, args.compare_targets)
    print(f"\npeak resident memory of the whole run: {_status('VmHWM') / MiB:.0f} MiB "
          f"(since the last reset); load {_load()}")
    return stages.rows


# -- where a step goes -------------------------------------------------------------------


def _timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def step_costs(n_labels, args):
    """Median times of the parts of one training step at ``n_labels`` labels."""
    from skdistill._ranker import _ranking_targets
    from skdistill._ranking_batches import LabelSampler, RankingBatches, RowLabels
    from skdistill._teacher_targets import TeacherTargets
    from skdistill.losses import DoubleDistillationLoss, SampledDoubleDistillationLoss
    from skdistill.nets import BottleneckModule, LazyAdam

    rng = np.random.default_rng(0)
    n_features, batch, m = args.step_features, 256, 16
    X = sparse.random(batch, n_features, density=75 / n_features, format="csr",
                      dtype=np.float32, random_state=0)
    labels = rng.integers(0, n_labels, batch)
    rows = np.arange(batch)
    kept = np.stack([rng.choice(n_labels, m, replace=False) for _ in rows]).astype(np.int32)
    log_p = np.log(rng.dirichlet(np.ones(m), size=batch)).astype(np.float32)
    targets = TeacherTargets(rows, kept, log_p, rng.normal(size=(batch, m)).astype(np.float32),
                             np.zeros(batch, np.float32), np.zeros(batch, np.float32),
                             np.zeros(batch, np.float32), 1.0)
    out = {"L": n_labels}
    # the sampled path: targets over the batch's subset, the student on the subset
    student = BottleneckModule(n_features, n_labels, width=64, random_state=0, sparse=True)
    optimizer = LazyAdam(student.parameters(), lr=1e-3)
    sampler = LabelSampler(n_labels, args.sample, "uniform", seed=0)
    batches = RankingBatches(None, X, n_labels, row_labels=RowLabels.from_examples(rows, labels),
                             targets=targets, positives="teacher", negatives="sigmoid", a=1.0,
                             sampler=sampler)
    made = {}

    def make_targets():
        made["target"], made["subset"] = batches.targets_of(rows, np.ones(batch))
        made["X"] = sparse_rows(X, rows)

    out["sampled: targets"] = _timed(make_targets, args.repeats)
    target = torch.from_numpy(made["target"])
    subset = torch.from_numpy(made["subset"]).expand(batch, -1)
    out["subset size"] = subset.shape[1]
    loss_fn = SampledDoubleDistillationLoss()

    def step():
        optimizer.zero_grad()
        loss_fn(student(made["X"], label_subset=subset), target).backward()
        optimizer.step()

    step()
    out["sampled: step"] = _timed(step, args.repeats)
    logits = student(made["X"], label_subset=subset).detach().requires_grad_()
    out["sampled: loss"] = _timed(lambda: loss_fn(logits, target).backward(), args.repeats)
    del student, optimizer
    if args.no_exact:
        return out
    # the exact path: the teacher on every batch, the loss over every label
    class _Teacher:
        """The width-512 teacher's scores and probabilities of a batch (sparse input)."""

        module = BottleneckModule(n_features, n_labels, width=512, random_state=0,
                                  sparse=True).eval()

        def scores(self, Xb, classes):
            with torch.no_grad():
                S = self.module(sparse_rows(sparse.csr_matrix(Xb), np.arange(len(Xb)))).numpy()
            return S, torch.softmax(torch.from_numpy(S), dim=1).numpy()

    Xd = X.toarray()
    exact_teacher = _Teacher()
    import skdistill._ranker as ranker

    saved = ranker.as_teacher
    ranker.as_teacher = lambda t: t
    try:
        out["exact: teacher + targets"] = _timed(
            lambda: made.update(dense=_ranking_targets(
                exact_teacher, np.arange(n_labels), "teacher", "sigmoid", 1.0, 1.0, Xd, labels,
                np.ones(batch))), max(1, args.repeats // 3))
    finally:
        ranker.as_teacher = saved
    _Teacher.module = None  # its output layer: 1.4 GB at 670,091 labels
    student = BottleneckModule(n_features, n_labels, width=64, random_state=0, sparse=True)
    optimizer = torch.optim.Adam([p for p in student.parameters()], lr=1e-3)
    # the exact path's student reads dense rows: no sparse gradient for Adam
    dense_target = torch.from_numpy(made["dense"])
    Xdense = torch.from_numpy(Xd)
    loss_fn = DoubleDistillationLoss()

    def exact_step():
        optimizer.zero_grad()
        loss_fn(student(Xdense), dense_target).backward()
        optimizer.step()

    exact_step()
    out["exact: step"] = _timed(exact_step, max(1, args.repeats // 3))
    logits = student(Xdense).detach().requires_grad_()
    out["exact: loss"] = _timed(lambda: loss_fn(logits, dense_target).backward(),
                                max(1, args.repeats // 3))
    return out


def run_step_costs(args):
    print(f"one step: batch 256, student width 64, {args.step_features} features (75 "
          f"non-zeros per row), teacher_top_m 16, negatives_sample {args.sample}; torch "
          f"threads {torch.get_num_threads()}; load {_load()}")
    results = []
    for n_labels in args.step_costs:
        result = step_costs(n_labels, args)
        results.append(result)
        parts = ", ".join(f"{k} {1e3 * v:.1f} ms" if isinstance(v, float) else f"{k} {v}"
                          for k, v in result.items() if k != "L")
        print(f"L = {n_labels}: {parts} (load {_load()})", flush=True)
    print(f"\n{'L':>8s} {'subset':>7s} | {'targets/step':>12s} {'loss/step':>10s} "
          f"{'step ms':>8s} | {'exact: targets/step':>19s} {'loss/step':>10s} {'step ms':>8s}")
    for r in results:
        sampled_total = r["sampled: targets"] + r["sampled: step"]
        line = (f"{r['L']:8d} {r['subset size']:7d} | "
                f"{r['sampled: targets'] / sampled_total:12.2f} "
                f"{r['sampled: loss'] / sampled_total:10.2f} {1e3 * sampled_total:8.1f} |")
        if "exact: step" in r:
            exact_total = r["exact: teacher + targets"] + r["exact: step"]
            line += (f" {r['exact: teacher + targets'] / exact_total:19.2f} "
                     f"{r['exact: loss'] / exact_total:10.2f} {1e3 * exact_total:8.1f}")
        print(line)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default=None)
    parser.add_argument("--n-rows", type=int, default=None)
    parser.add_argument("--n-features", type=int, default=None)
    parser.add_argument("--n-labels", type=int, default=None)
    parser.add_argument("--labels-per-row", type=float, default=None)
    parser.add_argument("--rows", type=int, default=None,
                        help="training rows (default: the shape's)")
    parser.add_argument("--test-rows", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of teacher and student (default: the ranker's, 20)")
    parser.add_argument("--student-width", type=int, default=None)
    parser.add_argument("--teacher-epochs", type=int, default=None,
                        help="the teacher's epochs (default: --epochs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare-targets", type=int, default=0, metavar="N",
                        help="after the fit, time the teacher's targets of N training rows "
                             "scored in float32 and in bfloat16 and compare them")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--step-costs", type=int, nargs="+", default=None,
                        help="numbers of labels at which to time one step instead")
    parser.add_argument("--step-features", type=int, default=135_909)
    parser.add_argument("--sample", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-exact", action="store_true",
                        help="time the sampled step only (the exact one needs the width-512 "
                             "teacher's output layer: 2.7 GB at 670,091 labels)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.step_costs:
        return run_step_costs(args)
    if args.shape is None and args.n_labels is None:
        parser.error("give --shape, or --n-rows, --n-features, --n-labels, --labels-per-row")
    return run_fit(args)


if __name__ == "__main__":
    main()
