"""Peak memory and time of one epoch of DoubleDistilledRanker at retrieval scale.

A synthetic sparse problem of the size the paper's retrieval experiments call for:
100,000 rows, 100,000 labels and 10,000 features, ``X`` a CSR bag of words with 20-50
non-zeros per row and ``Y`` a CSR label indicator with 1-3 labels per row. The teacher
is the paper's wide network (``BottleneckModule`` of width 512, 56 million weights),
"fitted" cheaply: one epoch of plain skorch on the first 2,000 rows (dense), with
``classes`` set to all labels so that it scores every label; it is wrapped in a
``FrozenEstimator``, so ``DoubleDistilledRanker`` uses it as is. The student (width 32)
is trained for one epoch (``max_epochs=1``) on every ``(x, label)`` example, its
targets computed from the teacher one batch at a time.

Memory is the resident set size of the process (``/proc/self/status``): the script
prints it after the imports, after building the data (and what the arrays themselves
take), after fitting the teacher, and just before the student's fit (the baseline);
then the peak during the fit, read from the kernel's high-water mark ``VmHWM`` (reset
before the fit through ``/proc/self/clear_refs``) and from a thread sampling ``VmRSS``
every 5 ms; and ``ru_maxrss`` read before the fit (the peak of the imports, the data
and the teacher's fit; after the reset of ``VmHWM`` the kernel no longer reports the
peak over the whole run). The verdict compares the peak resident set during the fit,
the whole process, with the budget (4 GiB). ``main`` returns that ratio as a row of
``run_all.py`` (``--ranker-memory`` there; it takes tens of minutes on two cores).

The student's fit is the exact one (the teacher on every batch, the loss over every
label); ``--fit auto`` measures the ranker's defaults instead, which above 4,096 labels
compute the teacher's targets once and sample the negatives (``bench_ranker_scale.py``
times that fit stage by stage).

Run: python benchmarks/bench_ranker_memory.py [--n-samples 100000] [--n-labels 100000]
     [--n-features 10000] [--student-width 32] [--budget-gib 4] [--fit exact|auto]
"""

import argparse
import gc
import resource
import threading
import time

import numpy as np
import torch
from scipy import sparse
from sklearn.frozen import FrozenEstimator
from skorch import NeuralNetClassifier

from skdistill import DoubleDistilledRanker
from skdistill.nets import BottleneckModule

MiB = 2**20


def _status(field):
    """A ``/proc/self/status`` field in bytes (``VmRSS``, ``VmHWM``)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak():
    """Reset ``VmHWM`` to the current resident set; False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return _status("VmHWM") <= _status("VmRSS") + 4 * MiB


class _PeakSampler(threading.Thread):
    """Largest ``VmRSS`` seen, sampled every ``interval`` seconds (a lower bound)."""

    def __init__(self, interval=0.005):
        super().__init__(daemon=True)
        self.interval, self.peak, self._done = interval, _status("VmRSS"), threading.Event()

    def run(self):
        while not self._done.wait(self.interval):
            self.peak = max(self.peak, _status("VmRSS"))

    def stop(self):
        self._done.set()
        self.join()
        return max(self.peak, _status("VmRSS"))


class _StageProfiler:
    """Time and transient memory of the stages of each batch, by wrapping functions.

    A stage's transient memory is its peak resident set (``VmHWM``, reset as the stage
    starts) above the resident set at its start. Stages may nest: a stage that starts
    inside another first hands the peak so far to the enclosing ones. ``VmHWM`` is read
    before every reset, so ``peak`` is still the exact peak of the whole run.
    """

    def __init__(self):
        self.stats, self._stack, self.peak = {}, [], 0

    def wrap(self, name, function):
        def wrapped(*args, **kwargs):
            self._enter()
            try:
                return function(*args, **kwargs)
            finally:
                self._exit(name)

        return wrapped

    def _enter(self):
        hwm = _status("VmHWM")
        self.peak = max(self.peak, hwm)
        for frame in self._stack:
            frame["peak"] = max(frame["peak"], hwm)
        _reset_peak()
        self._stack.append({"start": _status("VmRSS"), "peak": 0,
                            "time": time.perf_counter()})

    def _exit(self, name):
        frame, hwm = self._stack.pop(), _status("VmHWM")
        for outer in self._stack:
            outer["peak"] = max(outer["peak"], hwm)
        stats = self.stats.setdefault(name, {"calls": 0, "time": 0.0, "transient": 0})
        stats["calls"] += 1
        stats["time"] += time.perf_counter() - frame["time"]
        stats["transient"] = max(stats["transient"], max(frame["peak"], hwm) - frame["start"])

    def report(self, elapsed, unit):
        print(f"\n{'stage (per batch)':44s} {'calls':>6s} {'total [s]':>10s} {'share':>6s} "
              f"{'ms/call':>8s} {'transient peak [MiB]':>21s} {'in (batch x labels) f32':>24s}")
        for name, stats in self.stats.items():
            print(f"{name:44s} {stats['calls']:6d} {stats['time']:10.1f} "
                  f"{stats['time'] / elapsed:6.0%} {1e3 * stats['time'] / stats['calls']:8.0f} "
                  f"{stats['transient'] / MiB:21.0f} {stats['transient'] / unit:24.1f}")


def _instrument(profiler):
    """Wrap the stages of the ranker's fit; returns a function that undoes it."""
    import skdistill._nets as nets
    import skdistill._ranker as ranker
    from skdistill._teacher import TeacherAdapter

    patched = [(nets, "dense_rows", "densify the batch's rows of X"),
               (TeacherAdapter, "scores", "teacher scores (forward, softmax)"),
               (ranker, "_ranking_targets", "targets (teacher scores included)"),
               (NeuralNetClassifier, "train_step", "student step (fwd, loss, bwd, Adam)")]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patched]
    for owner, name, label in patched:
        setattr(owner, name, profiler.wrap(label, getattr(owner, name)))

    def undo():
        for owner, name, original in saved:
            setattr(owner, name, original)

    return undo


def make_problem(n_samples, n_labels, n_features, nnz_range, labels_range, seed):
    """A sparse bag-of-words ``X`` (float32 CSR) and a label indicator ``Y`` (CSR).

    Each row has a main label; its first ten words come from that label's "topic" and
    the others are random, so the labels are learnable from the words.
    """
    rng = np.random.default_rng(seed)
    main = rng.integers(0, n_labels, n_samples)
    nnz = rng.integers(nnz_range[0], nnz_range[1] + 1, n_samples)
    indptr = np.concatenate([[0], np.cumsum(nnz)])
    row = np.repeat(np.arange(n_samples), nnz)
    position = np.arange(indptr[-1]) - indptr[row]
    topic = (main[row] * 13 + position * 1009) % n_features
    words = np.where(position < 10, topic, rng.integers(0, n_features, indptr[-1]))
    X = sparse.csr_matrix((np.ones(indptr[-1], dtype=np.float32), words, indptr),
                          shape=(n_samples, n_features))
    X.sum_duplicates()

    n_pos = rng.integers(labels_range[0], labels_range[1] + 1, n_samples)
    y_indptr = np.concatenate([[0], np.cumsum(n_pos)])
    y_row = np.repeat(np.arange(n_samples), n_pos)
    first = np.arange(y_indptr[-1]) == y_indptr[y_row]
    labels = np.where(first, main[y_row], rng.integers(0, n_labels, y_indptr[-1]))
    Y = sparse.csr_matrix((np.ones(y_indptr[-1], dtype=np.int8), labels, y_indptr),
                          shape=(n_samples, n_labels))
    Y.sum_duplicates()
    Y.data[:] = 1  # a label drawn twice for one row is still one positive
    return X, Y, main


def fit_teacher(X, main, n_labels, width, n_rows, seed):
    """The wide net, trained for one epoch on the first ``n_rows`` rows' main labels."""
    teacher = NeuralNetClassifier(
        BottleneckModule, module__n_features=X.shape[1], module__n_classes=n_labels,
        module__width=width, module__random_state=seed, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=2e-3, batch_size=256, max_epochs=1, train_split=None,
        classes=np.arange(n_labels), verbose=0,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        teacher.fit(X[:n_rows].toarray(), main[:n_rows].astype(np.int64))
    return teacher


def _nbytes(*arrays):
    return sum(a.nbytes for a in arrays)


def _tensor_bytes(tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=100_000)
    parser.add_argument("--n-labels", type=int, default=100_000)
    parser.add_argument("--n-features", type=int, default=10_000)
    parser.add_argument("--nnz", type=int, nargs=2, default=[20, 50],
                        help="range of non-zeros per row of X")
    parser.add_argument("--labels-per-row", type=int, nargs=2, default=[1, 3])
    parser.add_argument("--teacher-width", type=int, default=512)
    parser.add_argument("--teacher-rows", type=int, default=2000,
                        help="rows the teacher is trained on (one epoch)")
    parser.add_argument("--student-width", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--budget-gib", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fit", choices=["exact", "auto"], default="exact",
                        help="exact: the teacher on every batch, the loss over every label "
                             "(teacher_top_m=None, negatives_sample=None); auto: the "
                             "ranker's defaults (above 4096 labels the teacher's targets "
                             "computed once and sampled negatives, bench_ranker_scale.py)")
    parser.add_argument("--profile", action="store_true",
                        help="also time each stage of a batch and measure its transient "
                             "memory (reading /proc twice per stage costs some time)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    def rss(label, extra=""):
        print(f"{label:44s} {_status('VmRSS') / MiB:9.0f} MiB{extra}", flush=True)

    print(f"n_samples={args.n_samples} n_labels={args.n_labels} n_features={args.n_features} "
          f"batch_size={args.batch_size} student width={args.student_width} teacher "
          f"width={args.teacher_width} torch threads={torch.get_num_threads()}")
    rss("resident set after imports")
    start = time.perf_counter()
    X, Y, main_label = make_problem(args.n_samples, args.n_labels, args.n_features, args.nnz,
                                    args.labels_per_row, args.seed)
    rss("after building the data", f"   (X {_nbytes(X.data, X.indices, X.indptr) / MiB:.0f} "
        f"MiB with {X.nnz} non-zeros, Y {_nbytes(Y.data, Y.indices, Y.indptr) / MiB:.0f} MiB "
        f"with {Y.nnz} labels; {time.perf_counter() - start:.1f} s)")

    start = time.perf_counter()
    teacher = fit_teacher(X, main_label, args.n_labels, args.teacher_width, args.teacher_rows,
                          args.seed)
    weights = _tensor_bytes(teacher.module_.parameters())
    state = _tensor_bytes(t for s in teacher.optimizer_.state.values() for t in s.values()
                          if torch.is_tensor(t))
    gc.collect()
    rss("after fitting the teacher", f"   (weights {weights / MiB:.0f} MiB, Adam state "
        f"{state / MiB:.0f} MiB; {time.perf_counter() - start:.1f} s for one epoch on "
        f"{args.teacher_rows} rows)")

    student = NeuralNetClassifier(
        BottleneckModule, module__width=args.student_width, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=2e-3, batch_size=args.batch_size, max_epochs=1,
        train_split=None, verbose=0,
    )
    scale = {} if args.fit == "auto" else {"teacher_top_m": None, "negatives_sample": None}
    ranker = DoubleDistilledRanker(student, FrozenEstimator(teacher), random_state=args.seed,
                                   **scale)
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    exact = _reset_peak()
    baseline = _status("VmRSS")
    rss("baseline, before the student's fit")
    profiler = _StageProfiler() if args.profile and exact else None
    undo = _instrument(profiler) if profiler else (lambda: None)
    sampler = _PeakSampler()
    sampler.start()
    start = time.perf_counter()
    try:
        ranker.fit(X, Y)
    finally:
        elapsed = time.perf_counter() - start
        sampled = sampler.stop()
        undo()
    peak = max(_status("VmHWM"), sampled, profiler.peak if profiler else 0) if exact else sampled
    batches = -(-ranker.n_examples_ // args.batch_size)
    print(f"student's fit: one epoch, {ranker.n_examples_} examples in {batches} batches, "
          f"{elapsed:.1f} s ({1e3 * elapsed / batches:.0f} ms per batch)")
    print(f"{'peak resident set during the fit':44s} {peak / MiB:9.0f} MiB   "
          f"({'VmHWM' if exact else 'sampled VmRSS only: VmHWM could not be reset'}; "
          f"sampled {sampled / MiB:.0f} MiB)")
    print(f"{'  of which the fit itself (peak - baseline)':44s} "
          f"{(peak - baseline) / MiB:9.0f} MiB")
    print(f"{'peak before the fit (ru_maxrss)':44s} {before / MiB:9.0f} MiB   (imports, "
          "data, the teacher's fit)")
    budget = args.budget_gib * 2**30
    verdict = "PASS" if peak <= budget else "FAIL"
    print(f"{verdict}: peak during the fit {peak / 2**30:.2f} GiB = {peak / budget:.2f} x the "
          f"{args.budget_gib:g} GiB budget")
    if profiler:
        profiler.report(elapsed, args.batch_size * args.n_labels * 4)
    return [{"benchmark": "DoubleDistilledRanker, peak RSS / budget",
             "size": f"n={args.n_samples}, L={args.n_labels}, d={args.n_features}",
             "ratio": peak / budget, "target": 1.0}]


if __name__ == "__main__":
    main()
