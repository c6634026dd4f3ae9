"""Table 1: double distillation for retrieval, on real multi-label data (section 5.3).

Setup (section 5.3 of the paper, with every choice it leaves open stated):

- Data: the paper's AmazonCat-13K and Amazon-670K are not available here; the
  reproduction runs on the local multi-label sets of
  :func:`skdistill.datasets.load_multilabel` with their official train/test split:
  Bibtex (4880 / 2515 rows, 1836 binary features, 159 labels) and Delicious
  (12920 / 3185 rows, 500 features, 983 labels) by default; corel5k, enron and
  rcv1subset1 by ``datasets=``. As in the paper a row with ``m`` labels is ``m``
  examples ``(x, y)`` (:class:`~skdistill.DoubleDistilledRanker` makes them). Training
  rows without any label (10 in Delicious) are left out; test rows without a label
  (4 in Delicious) stay and count as precision 0. ``synthetic`` adds planted sets of
  the paper's shapes (:func:`skdistill.datasets.make_planted_retrieval`: AmazonCat-13K's
  or Amazon-670K's features, labels and labels per row, at ``synthetic_rows`` rows split
  80/20), whose nets read the sparse rows through an embedding bag (``LazyAdam``), and
  which the rankers fit at scale (more than 4096 labels).
- Features: on Delicious each row is scaled to unit L2 norm (``normalize``, the usual
  preprocessing of bag-of-words rows in extreme classification; it acts on each row
  alone, so nothing passes between rows or from the test split); Bibtex keeps its binary
  features. The validation scores behind these choices and the student widths below
  are on the results page (:ref:`how the setup was chosen <table1_choices>`).
- Models: :class:`skdistill.nets.BottleneckModule` nets (one linear hidden layer),
  Adam, mini-batches of ``batch_size=1024`` examples, no weight decay, fitted through
  ``DoubleDistilledRanker`` with its three objectives:

  - teacher: width ``512`` (the paper's), ordinary softmax cross-entropy
    (``positives="onehot", negatives="uniform"``);
  - student: the same objective at a narrow width;
  - student + distillation: teacher probabilities after ``temperature`` as positives,
    uniform negatives (``positives="teacher", negatives="uniform"``);
  - student + double distillation: the same positives, negatives weighted by
    ``1 - sigmoid(a s)`` from the teacher's logits ``s`` (``negatives="sigmoid"``).

  The teacher is fitted once per seed and passed to the three students as a
  ``FrozenEstimator`` around its net, so all three distil the same teacher. The three
  students of a seed also share their seed (initialisation and batch order), so the
  differences between them are paired.
- Student width, per data set: the paper's students (width 8 on AmazonCat-13K, 64 on
  Amazon-670K) lose 7% and 17% of the teacher's P@1 when trained on one-hot labels.
  The widths here are the powers of two at which the ordinary student is clearly weaker
  than the teacher in that sense on the validation split (below): Bibtex ``16``,
  Delicious ``4``, other data sets ``16``.
- Hyper-parameters, chosen on a validation split, never on the test split: the
  training rows are split 80/20 (``validation_size``); every candidate is fitted on
  the 80% and scored by P@1 on the 20% after every epoch, its number of epochs is the
  best epoch (up to ``max_epochs``; a fit stops ``patience`` epochs after its best),
  and, in order:

  1. teacher and ordinary student: the learning rate from ``learning_rates``;
  2. distilled student (with the ordinary student's learning rate and the teacher
     selected in 1, at its best epoch): the temperature from ``temperatures``;
  3. double-distilled student (the same, with the temperature chosen in 2):
     ``a`` from ``a_values``.

  Ties go to the earlier candidate and the earlier epoch. The final models are then
  fitted on all the training rows with the chosen values and epochs and scored on the
  test split. The grid, every validation curve and the choices are in
  ``results["tuning"]`` and in the table's notes; ``choices`` gives them instead, per
  data set (the validation search is then skipped). ``max_epochs``/``patience``:
  Bibtex 40/5, Delicious 20/3, others 30/4. Of the teacher only the learning rate and
  the epochs are tuned: no weight decay, and ``BottleneckModule`` has no dropout.
- Reported: P@1, P@3, P@5 (:func:`skdistill.metrics.precision_at_k`) on the test
  split; the table shows mean ± standard error over seeds, the notes the paper's
  layout with mean ± standard deviation and the paired differences between the
  students. Quick: Bibtex only, 2 seeds, learning rate ``3e-3`` only; full: Bibtex and
  Delicious, 3 seeds, learning rates ``{1e-3, 3e-3}``. Both use temperatures ``{1, 2}``
  and ``a ∈ {0.5, 1, 2}``.
"""

from __future__ import annotations

import math
import time
import zlib
from numbers import Integral, Real

import numpy as np
from sklearn import preprocessing
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils.parallel import delayed
from threadpoolctl import threadpool_limits

from .. import DoubleDistilledRanker
from ..datasets import (
    MULTILABEL_DATASETS,
    PLANTED_RETRIEVAL_SHAPES,
    load_multilabel,
    make_planted_retrieval,
)
from ..metrics import precision_at_k
from . import _runner
from ._experiment import Experiment, public_run
from ._progress import TrialProgress

NAME = "table1"
TEACHER = "teacher"
ONE_HOT = "student"
DISTILLED = "student + distillation"
DOUBLE = "student + double distillation"
METHODS = (TEACHER, ONE_HOT, DISTILLED, DOUBLE)
#: The (positives, negatives) of DoubleDistilledRanker that train each row's model.
OBJECTIVES = {
    TEACHER: ("onehot", "uniform"),
    ONE_HOT: ("onehot", "uniform"),
    DISTILLED: ("teacher", "uniform"),
    DOUBLE: ("teacher", "sigmoid"),
}
KS = (1, 3, 5)
METRICS = [f"p_at_{k}" for k in KS] + ["fit_seconds"]
LABELS = {"dataset": "data set", "method": "method", "p_at_1": "P@1", "p_at_3": "P@3",
          "p_at_5": "P@5", "fit_seconds": "fit s"}
#: Per data set: student width, the epoch budget of the validation fits, and whether
#: the feature rows are scaled to unit L2 norm.
PRESETS = {
    "bibtex": {"student_width": 16, "max_epochs": 40, "patience": 5, "normalize": False},
    "delicious": {"student_width": 4, "max_epochs": 20, "patience": 3, "normalize": True},
    # the paper's student widths on the two sets whose shapes the planted sets take
    "amazoncat13k": {"student_width": 8, "max_epochs": 10, "patience": 2, "normalize": False},
    "amazon670k": {"student_width": 64, "max_epochs": 10, "patience": 2, "normalize": False},
}
OTHER_PRESET = {"student_width": 16, "max_epochs": 30, "patience": 4, "normalize": False}
QUICK = {"datasets": ("bibtex",), "trials": 2, "learning_rates": (3e-3,)}
FULL = {"datasets": ("bibtex", "delicious"), "trials": 3, "learning_rates": (1e-3, 3e-3)}
#: The paper's Table 1 (AmazonCat-13K, left), for the notes.
PAPER_AMAZONCAT = {TEACHER: (0.8495, 0.7412, 0.6109), ONE_HOT: (0.7913, 0.6156, 0.4774),
                   DISTILLED: (0.8131, 0.6363, 0.4918), DOUBLE: (0.8560, 0.7148, 0.5715)}


# -- models ----------------------------------------------------------------------------


def _net(width, lr, max_epochs, batch_size, callbacks=None, n_features=None):
    """The net of a row; with ``n_features`` (the planted sets' many sparse features) its
    sparse twin: rows through an embedding bag, sparse gradients, ``LazyAdam``."""
    import torch
    from skorch import NeuralNetClassifier

    from ..nets import BottleneckModule, LazyAdam

    sparse = {} if n_features is None else {"module__n_features": n_features,
                                            "module__sparse": True}
    return NeuralNetClassifier(
        BottleneckModule, module__width=width, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam if n_features is None else LazyAdam, lr=lr,
        batch_size=batch_size, max_epochs=max_epochs, train_split=None,
        callbacks=callbacks, verbose=0, **sparse,
    )


def _ranker(method, net, teacher=None, *, temperature=1.0, a=1.0, seed=None, scale=None):
    positives, negatives = OBJECTIVES[method]
    return DoubleDistilledRanker(net, teacher, positives=positives, negatives=negatives,
                                 a=a, temperature=temperature, random_state=seed,
                                 **(scale or {}))


def _precisions(ranker, X, Y, block=1 << 24):
    # blocks of rows of about ``block`` scores: the planted sets have up to 670,091 labels
    step = max(1, block // Y.shape[1])
    totals = dict.fromkeys(KS, 0.0)
    for start in range(0, X.shape[0], step):
        rows = slice(start, min(start + step, X.shape[0]))
        scores = ranker.decision_function(X[rows])
        for k in KS:
            totals[k] += precision_at_k(Y[rows], scores, k) * scores.shape[0]
    return {f"p_at_{k}": totals[k] / X.shape[0] for k in KS}


# -- hyper-parameters on the validation split -------------------------------------------


def _validation_fit(method, X_fit, Y_fit, X_val, Y_val, *, width, lr, max_epochs, patience,
                    batch_size, seed, teacher=None, temperature=1.0, a=1.0, keep=False,
                    scale=None, n_features=None):
    """Fit one candidate on the training part, scoring the validation rows every epoch.

    Returns the candidate's record (its validation curve, best epoch and best P@1) and,
    with ``keep``, the fitted ranker restored to its best epoch.
    """
    from skorch.callbacks import EarlyStopping

    from ._epoch_precision import EpochPrecision

    callbacks = [
        ("valid_precision", EpochPrecision(X_val, Y_val, KS)),
        # threshold 0: only a strictly better P@1 moves the best epoch (ties stay early)
        ("early_stopping", EarlyStopping(monitor="valid_p1", lower_is_better=False,
                                         patience=patience, threshold=0.0,
                                         threshold_mode="abs", load_best=True)),
    ]
    net = _net(width, lr, max_epochs, batch_size, callbacks, n_features)
    start = time.perf_counter()
    ranker = _ranker(method, net, None if teacher is None else FrozenEstimator(teacher),
                     temperature=temperature, a=a, seed=seed, scale=scale).fit(X_fit, Y_fit)
    history = ranker.student_.history
    curves = {f"valid_p{k}": [float(v) for v in history[:, f"valid_p{k}"]] for k in KS}
    best = int(np.argmax(curves["valid_p1"]))  # the first of equal maxima
    record = {
        "method": method, "width": width, "lr": lr, "temperature": temperature, "a": a,
        **curves, "epochs": best + 1, "valid_p1_best": curves["valid_p1"][best],
        "valid_p3_at_best": curves["valid_p3"][best],
        "valid_p5_at_best": curves["valid_p5"][best],
        "fit_seconds": round(time.perf_counter() - start, 2),
    }
    return record, (ranker if keep else None)


def _one_thread(index, func, kwargs):
    # one thread per fit: the fits themselves run in parallel (as the runner's trials do)
    with threadpool_limits(limits=1):
        return index, func(**kwargs)


def _run_parallel(calls, *, n_jobs, label, verbose):
    """``[func(**kwargs) for func, kwargs in calls]``, in parallel, counted on stderr."""
    out = [None] * len(calls)
    tasks = (delayed(_one_thread)(i, func, kwargs) for i, (func, kwargs) in enumerate(calls))
    with TrialProgress(label, len(calls), verbose=verbose) as progress:
        for index, result in _runner.parallel(n_jobs)(tasks):
            out[index] = result
            progress.update()
    return out


def _best(records):
    return max(records, key=lambda record: record["valid_p1_best"])  # first of equal maxima


def _tune(name, X, Y, *, settings, options, seed, n_jobs, verbose, n_features=None):
    """Choose learning rates, temperature, ``a`` and epochs on a validation split."""
    split_seed, fit_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    X_fit, X_val, Y_fit, Y_val = train_test_split(
        X, Y, test_size=settings["validation_size"], random_state=split_seed)
    data = {"X_fit": X_fit, "Y_fit": Y_fit, "X_val": X_val, "Y_val": Y_val}
    common = {**data, "max_epochs": options["max_epochs"], "patience": options["patience"],
              "batch_size": settings["batch_size"], "seed": fit_seed,
              "scale": _scale(settings), "n_features": n_features}
    label = f"{NAME}:{name} validation"
    # 1. the teacher's and the ordinary student's learning rates (and epochs)
    calls = [(_validation_fit, {**common, "method": method, "width": width, "lr": lr,
                                "keep": method == TEACHER})
             for method, width in ((TEACHER, settings["teacher_width"]),
                                   (ONE_HOT, options["student_width"]))
             for lr in settings["learning_rates"]]
    first = _run_parallel(calls, n_jobs=n_jobs, label=label + " 1/3", verbose=verbose)
    teacher_records = [record for record, _ in first if record["method"] == TEACHER]
    teacher_record = _best(teacher_records)
    teacher = next(r for record, r in first if record is teacher_record).student_
    student_record = _best([record for record, _ in first if record["method"] == ONE_HOT])
    students = {**common, "width": options["student_width"], "lr": student_record["lr"],
                "teacher": teacher}
    # 2. the distilled student's temperature, 3. the double-distilled student's a
    distilled = [record for record, _ in _run_parallel(
        [(_validation_fit, {**students, "method": DISTILLED, "temperature": t})
         for t in settings["temperatures"]],
        n_jobs=n_jobs, label=label + " 2/3", verbose=verbose)]
    distilled_record = _best(distilled)
    temperature = distilled_record["temperature"]
    double = [record for record, _ in _run_parallel(
        [(_validation_fit, {**students, "method": DOUBLE, "temperature": temperature, "a": a})
         for a in settings["a_values"]],
        n_jobs=n_jobs, label=label + " 3/3", verbose=verbose)]
    double_record = _best(double)
    choice = {
        TEACHER: {"lr": teacher_record["lr"], "epochs": teacher_record["epochs"]},
        ONE_HOT: {"lr": student_record["lr"], "epochs": student_record["epochs"]},
        DISTILLED: {"lr": student_record["lr"], "epochs": distilled_record["epochs"],
                    "temperature": temperature},
        DOUBLE: {"lr": student_record["lr"], "epochs": double_record["epochs"],
                 "temperature": temperature, "a": double_record["a"]},
    }
    chosen = {TEACHER: teacher_record, ONE_HOT: student_record,
              DISTILLED: distilled_record, DOUBLE: double_record}
    return {
        "n_fit_rows": X_fit.shape[0], "n_validation_rows": X_val.shape[0],
        "split_seed": split_seed, "fit_seed": fit_seed,
        "grid": {"learning_rates": list(settings["learning_rates"]),
                 "temperatures": list(settings["temperatures"]),
                 "a_values": list(settings["a_values"]),
                 "max_epochs": options["max_epochs"], "patience": options["patience"]},
        "fits": [record for record, _ in first] + distilled + double,
        "choice": choice,
        "validation_p1": {method: record["valid_p1_best"] for method, record in chosen.items()},
    }


# -- the seeds on the test split ---------------------------------------------------------


def _trial(seed, *, dataset, teacher_width, student_width, batch_size, choice, X_train,
           Y_train, X_test, Y_test, scale=None, n_features=None):
    # dataset names the records; the data arrive through the shared arguments
    teacher_seed, student_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    rows = []
    start = time.perf_counter()
    spec = choice[TEACHER]
    teacher = _ranker(TEACHER, _net(teacher_width, spec["lr"], spec["epochs"], batch_size,
                                    n_features=n_features),
                      seed=teacher_seed, scale=scale).fit(X_train, Y_train)
    rows.append({"dataset": dataset, "method": TEACHER, **_precisions(teacher, X_test, Y_test),
                 "fit_seconds": round(time.perf_counter() - start, 2)})
    for method in (ONE_HOT, DISTILLED, DOUBLE):
        spec = choice[method]
        start = time.perf_counter()
        student = _ranker(
            method, _net(student_width, spec["lr"], spec["epochs"], batch_size,
                         n_features=n_features),
            FrozenEstimator(teacher.student_), temperature=spec.get("temperature", 1.0),
            a=spec.get("a", 1.0), seed=student_seed, scale=scale,
        ).fit(X_train, Y_train)
        rows.append({"dataset": dataset, "method": method,
                     **_precisions(student, X_test, Y_test),
                     "fit_seconds": round(time.perf_counter() - start, 2)})
    return rows


# -- run ---------------------------------------------------------------------------------


def _load(name, subset, data_home):
    try:
        return load_multilabel(name, data_home, subset=subset)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"table1 needs the {name!r} data set ({name}/ in the data home); pass "
            f"data_home=... (command line: --data-home PATH) or set SKDISTILL_DATA. {exc}"
        ) from exc


def _planted(name, shape, n_rows, seed):
    """A planted set's ``((X_train, Y_train), (X_test, Y_test))``, 80/20 of ``n_rows``."""
    X, Y = make_planted_retrieval(n_rows, **shape,
                                  random_state=[seed, zlib.crc32(name.encode())])
    n_train = n_rows - n_rows // 5
    return (X[:n_train], Y[:n_train]), (X[n_train:], Y[n_train:])


def _check_datasets(datasets, allow_none=False):
    datasets = [datasets] if isinstance(datasets, str) else list(datasets)
    unknown = [d for d in datasets if d not in MULTILABEL_DATASETS]
    if (not datasets and not allow_none) or unknown or len(set(datasets)) != len(datasets):
        raise ValueError(
            f"datasets must be distinct names among {', '.join(MULTILABEL_DATASETS)}; got "
            f"{datasets!r}."
        )
    return datasets


def _check_synthetic(synthetic, datasets):
    """``synthetic`` as ``{name: shape}``: the paper's shapes by name, or shapes given."""
    if synthetic is None:
        return {}
    if isinstance(synthetic, str):
        synthetic = [synthetic]
    if not isinstance(synthetic, dict):
        unknown = [name for name in synthetic if name not in PLANTED_RETRIEVAL_SHAPES]
        if unknown:
            raise ValueError(
                f"synthetic must name shapes among {', '.join(PLANTED_RETRIEVAL_SHAPES)} (or "
                "be a dict {name: {'n_features': ..., 'n_labels': ..., 'labels_per_row': "
                f"...}}); got {synthetic!r}."
            )
        synthetic = {name: PLANTED_RETRIEVAL_SHAPES[name] for name in synthetic}
    shapes = {}
    for name, shape in synthetic.items():
        keys = ("n_features", "n_labels", "labels_per_row")
        if (name in datasets or not isinstance(shape, dict)
                or not set(keys) <= set(shape)):
            raise ValueError(
                f"synthetic[{name!r}] must be a shape {{'n_features': ..., 'n_labels': ..., "
                f"'labels_per_row': ...}} under a name not among datasets; got {shape!r}."
            )
        shapes[name] = {key: shape[key] for key in keys}
    return shapes


def _names(settings):
    """The data sets of a run: the real ones, then the planted ones."""
    return [*settings["datasets"], *settings["synthetic"]]


def _check_grid(values, name):
    values = [values] if isinstance(values, Real) else list(values)
    if not values or not all(isinstance(v, Real) and not isinstance(v, bool)
                             and math.isfinite(v) and v > 0 for v in values):
        raise ValueError(
            f"{name} must be a non-empty list of positive numbers (e.g. [1.0, 2.0]); got "
            f"{values!r}."
        )
    return [float(v) for v in values]


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


def _check_scale_option(value, name):
    if value is None or value == "auto" or (
            isinstance(value, Integral) and not isinstance(value, bool) and value >= 1):
        return value if value is None or value == "auto" else int(value)
    raise ValueError(f"{name} must be a positive integer, 'auto' or None; got {value!r}.")


def _scale(settings):
    """The DoubleDistilledRanker parameters of every ranker of the run."""
    return {key: settings[key] for key in ("teacher_top_m", "negatives_sample", "sampling")}


def _check_choices(choices, datasets):
    """``choices`` as ``{name: {method: spec}}`` with the data sets' names checked."""
    if choices is None:
        return {}
    example = ('e.g. {"bibtex": {"teacher": {"lr": 1e-3, "epochs": 17}, "student": {...}, '
               '"student + distillation": {..., "temperature": 1.0}, '
               '"student + double distillation": {..., "temperature": 1.0, "a": 1.0}}}')
    if not isinstance(choices, dict) or sorted(set(choices) - set(datasets)):
        raise ValueError(f"choices must be a dict with an entry per data set among "
                         f"datasets {datasets}, {example}; got {choices!r}.")
    checked = {}
    for name, choice in choices.items():
        if not isinstance(choice, dict) or sorted(choice) != sorted(METHODS):
            raise ValueError(f"choices[{name!r}] must have one entry per method "
                             f"{list(METHODS)}, {example}; got {choice!r}.")
        checked[name] = {}
        for method in METHODS:
            spec = choice[method]
            needed = {"lr", "epochs", *(("temperature",) if method in (DISTILLED, DOUBLE)
                                       else ()), *(("a",) if method == DOUBLE else ())}
            if not isinstance(spec, dict) or set(spec) != needed:
                raise ValueError(f"choices[{name!r}][{method!r}] must have exactly the keys "
                                 f"{sorted(needed)}; got {spec!r}.")
            where = f"choices[{name!r}][{method!r}]"
            checked[name][method] = {
                key: (_check_positive_int(value, f"{where}[{key!r}]") if key == "epochs"
                      else _check_grid([value], f"{where}[{key!r}]")[0])
                for key, value in spec.items()}
    return checked


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def _per_dataset(value, datasets, key, param, check):
    """A per-data-set setting: the presets, overridden by one value for all data sets or
    a ``{name: value}`` dict, each value passed through ``check``."""
    presets = {name: PRESETS.get(name, OTHER_PRESET)[key] for name in datasets}
    if value is None:
        return presets
    if isinstance(value, dict):
        extra = sorted(set(value) - set(datasets))
        if extra:
            raise ValueError(
                f"{param} has entries for {extra}, which are not among datasets "
                f"{datasets}; give one entry per data set run."
            )
        presets.update(value)
    else:
        presets = dict.fromkeys(datasets, value)
    return {name: check(v, f"{param}[{name!r}]") for name, v in presets.items()}


def _root_seed(random_state):
    if random_state is None:
        # Record fresh entropy so that an unseeded run can still be repeated.
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31))
    if isinstance(random_state, bool) or not isinstance(random_state, Integral) or random_state < 0:
        raise ValueError(
            f"random_state must be a non-negative integer, a RandomState, a Generator or None; "
            f"got {random_state!r}."
        )
    return int(random_state)


#: Preset key of each per-data-set setting -> its parameter, and the check of its values.
_OPTIONS = {"student_width": ("student_widths", _check_positive_int),
            "max_epochs": ("max_epochs", _check_positive_int),
            "patience": ("patience", _check_positive_int),
            "normalize": ("normalize", _check_bool)}


def _settings(*, datasets=None, teacher_width=512, student_widths=None, learning_rates=None,
              temperatures=(1.0, 2.0), a_values=(0.5, 1.0, 2.0), max_epochs=None, patience=None,
              normalize=None, batch_size=1024, validation_size=0.2, teacher_top_m="auto",
              negatives_sample="auto", sampling="uniform", choices=None, synthetic=None,
              synthetic_rows=25_000):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    datasets : str or list of str, default=None
        Among ``bibtex``, ``corel5k``, ``delicious``, ``enron``, ``rcv1subset1``.
    teacher_width : int, default=512
        Width of the teacher's linear hidden layer.
    student_widths : int or dict, default=None
        Width of the students' hidden layer: one for all data sets, or
        ``{name: width}`` overriding the presets (Bibtex 16, Delicious 4, others 16).
    learning_rates : list of float, default=None
        Adam learning rates tried for the teacher and the ordinary student (the
        distilled students use the ordinary student's).
    temperatures : list of float, default=(1.0, 2.0)
        Temperatures tried for the distilled student's positives.
    a_values : list of float, default=(0.5, 1.0, 2.0)
        Slopes ``a`` tried for the double-distilled student's negatives.
    max_epochs, patience : int or dict, default=None
        Epoch budget of the validation fits and how many epochs without a better
        validation P@1 end one; presets Bibtex 40/5, Delicious 20/3, others 30/4.
    normalize : bool or dict, default=None
        Whether each feature row is scaled to unit L2 norm before any fit: one value for
        all data sets or ``{name: bool}`` overriding the presets (Delicious True,
        others False).
    batch_size : int, default=1024
        Examples per mini-batch.
    validation_size : float, default=0.2
        Fraction of the training rows held out to choose the hyper-parameters.
    teacher_top_m, negatives_sample : int, "auto" or None, default="auto"
        :class:`~skdistill.DoubleDistilledRanker`'s, for every ranker of the run (the
        teacher's ``negatives_sample`` too): an int trains on the teacher's top labels
        computed once and on sampled negatives; ``"auto"`` is the exact fit on these
        data sets (at most 4096 labels).
    sampling : {"uniform", "frequency"}, default="uniform"
        How the sampled negatives are drawn.
    choices : dict, default=None
        Hyper-parameters given rather than chosen on the validation split, per data set:
        ``{name: {method: {"lr": ..., "epochs": ..., "temperature": ..., "a": ...}}}``
        with the four rows of the table as methods (``temperature`` for the two
        distilled students, ``a`` for the double-distilled one), as in
        ``results["tuning"][name]["choice"]`` of an earlier run; a data set named here
        skips the validation search (to compare fits at the chosen values, say).
    synthetic : list of str or dict, default=None
        Planted retrieval sets (:func:`~skdistill.datasets.make_planted_retrieval`) run
        after ``datasets``, beside them in the table: the paper's shapes by name
        (``"amazoncat13k"``, ``"amazon670k"``: their features, labels and labels per
        row, at ``synthetic_rows`` rows; student widths 8 and 64, the paper's), or
        ``{name: {"n_features": ..., "n_labels": ..., "labels_per_row": ...}}``. With
        ``"auto"`` the rankers fit at scale on both paper shapes (more than 4096
        labels). ``datasets=[]`` runs the planted sets alone.
    synthetic_rows : int, default=25_000
        Rows drawn for each planted set, split 80/20 into training and test rows.
    """
    datasets = _check_datasets(datasets, allow_none=synthetic is not None)
    synthetic = _check_synthetic(synthetic, datasets)
    settings = {
        "datasets": datasets,
        "synthetic": synthetic,
        "synthetic_rows": _check_positive_int(synthetic_rows, "synthetic_rows"),
        "teacher_width": _check_positive_int(teacher_width, "teacher_width"),
        "learning_rates": _check_grid(learning_rates, "learning_rates"),
        "temperatures": _check_grid(temperatures, "temperatures"),
        "a_values": _check_grid(a_values, "a_values"),
        "batch_size": _check_positive_int(batch_size, "batch_size"),
        "validation_size": validation_size,
        "teacher_top_m": _check_scale_option(teacher_top_m, "teacher_top_m"),
        "negatives_sample": _check_scale_option(negatives_sample, "negatives_sample"),
        "sampling": sampling,
        "choices": _check_choices(choices, [*datasets, *synthetic]),
    }
    if sampling not in ("uniform", "frequency"):
        raise ValueError(f"sampling must be 'uniform' or 'frequency'; got {sampling!r}.")
    if settings["synthetic_rows"] < 5:
        raise ValueError(f"synthetic_rows must be at least 5 (split 80/20); got "
                         f"{synthetic_rows!r}.")
    if not (isinstance(validation_size, Real) and 0 < validation_size < 1):
        raise ValueError(
            f"validation_size must be a fraction in (0, 1) of the training rows (e.g. 0.2); "
            f"got {validation_size!r}."
        )
    values = {"student_widths": student_widths, "max_epochs": max_epochs,
              "patience": patience, "normalize": normalize}
    for key, (param, check) in _OPTIONS.items():
        settings[param] = _per_dataset(values[param], _names(settings), key, param, check)
    return settings


def _execute(experiment, settings, *, trials, n_jobs, random_state, verbose, data_home):
    """Per data set: choose the hyper-parameters on a validation split, then fit and score
    ``trials`` seeds on the test split; one results dictionary for all data sets."""
    start = time.perf_counter()
    seed = _root_seed(random_state)
    datasets = _names(settings)
    data = {name: (_load(name, "train", data_home), _load(name, "test", data_home))
            for name in settings["datasets"]}  # every file is found before any fitting
    for name, shape in settings["synthetic"].items():
        data[name] = _planted(name, shape, settings["synthetic_rows"], seed)

    parts, tuning, dropped = [], {}, {}
    for name in datasets:
        (X, Y), (X_test, Y_test) = data[name]
        labelled = np.diff(Y.indptr) > 0
        dropped[name] = int(np.sum(~labelled))
        X, Y = X[labelled], Y[labelled]
        options = {key: settings[param][name] for key, (param, _) in _OPTIONS.items()}
        n_features = X.shape[1] if name in settings["synthetic"] else None
        if options["normalize"]:
            # row by row, so nothing is learnt from other rows (the test rows included)
            X, X_test = preprocessing.normalize(X), preprocessing.normalize(X_test)
        tuning_start = time.perf_counter()
        if name in settings["choices"]:
            tuning[name] = {"choice": settings["choices"][name], "given": True}
        else:
            tuning[name] = _tune(name, X, Y, settings=settings, options=options,
                                 seed=[seed, zlib.crc32(name.encode())], n_jobs=n_jobs,
                                 verbose=verbose, n_features=n_features)
        tuning[name]["seconds"] = round(time.perf_counter() - tuning_start, 1)
        part = _runner.run_experiment(
            f"{experiment.name}:{name}", experiment.title, experiment.trial,
            {"dataset": name, "teacher_width": settings["teacher_width"],
             "student_width": options["student_width"], "batch_size": settings["batch_size"],
             "choice": tuning[name]["choice"], "scale": _scale(settings),
             "n_features": n_features},
            keys=experiment.keys, metrics=experiment.metrics, labels=experiment.labels,
            trials=trials, n_jobs=n_jobs, random_state=seed, verbose=verbose,
            shared={"X_train": X, "Y_train": Y, "X_test": X_test, "Y_test": Y_test},
        )
        tuning[name]["test_seconds"] = part["elapsed_seconds"]
        parts.append(part)

    records = [record for part in parts for record in part["records"]]
    summary = [row for part in parts for row in part["summary"]]
    _add_standard_deviations(summary, records)
    results = {
        "name": experiment.name,
        "title": experiment.title,
        "settings": {**settings, "trials": trials, "random_state": seed, "n_jobs": n_jobs},
        "keys": list(experiment.keys),
        "metrics": list(experiment.metrics),
        "labels": dict(experiment.labels),
        "records": records,
        "summary": summary,
        "tuning": tuning,
        "dropped_training_rows": dropped,
        "elapsed_seconds": round(time.perf_counter() - start, 3),
    }
    results["notes"] = _notes(results)
    return results


def _add_standard_deviations(summary, records):
    for row in summary:
        for metric in METRICS:
            values = [r[metric] for r in records
                      if r["dataset"] == row["dataset"] and r["method"] == row["method"]]
            row[f"{metric}_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else math.nan


def _paired_differences(results, dataset, first, second, metric="p_at_1"):
    """Per-seed ``metric(first) - metric(second)`` on ``dataset`` (the same seeds' fits).

    Parameters
    ----------
    results : dict
        Output of :func:`run`.
    dataset : str
    first, second : str
        Methods (rows of the table), e.g. ``DOUBLE`` and ``DISTILLED``.
    metric : str, default="p_at_1"

    Returns
    -------
    differences : ndarray of shape (n_trials,)
    """
    def by_trial(method):
        return {r["trial"]: r[metric] for r in results["records"]
                if r["dataset"] == dataset and r["method"] == method}

    a, b = by_trial(first), by_trial(second)
    return np.array([a[t] - b[t] for t in sorted(a)])


def _mean_sd(mean, sd):
    return f"{mean:.4f}" if not math.isfinite(sd) else f"{mean:.4f} ± {sd:.4f}"


def _notes(results):
    n = results["settings"]["trials"]
    lines = [f"Table 1 layout, test split, mean ± standard deviation over {n} seeds "
             "(P@1 / P@3 / P@5):"]
    for name in _names(results["settings"]):
        rows = [row for row in results["summary"] if row["dataset"] == name]
        for row in rows:
            cells = " / ".join(_mean_sd(row[f"p_at_{k}"], row[f"p_at_{k}_sd"]) for k in KS)
            lines.append(f"  {name:<10} {row['method']:<30} {cells}")
        for first, second in ((DOUBLE, DISTILLED), (DISTILLED, ONE_HOT), (DOUBLE, ONE_HOT),
                              (DOUBLE, TEACHER)):
            diff = _paired_differences(results, name, first, second)
            sd = diff.std(ddof=1) if diff.size > 1 else math.nan
            lines.append(f"  {name:<10} P@1 {first} - {second}: {diff.mean():+.4f}"
                         + (f" ± {sd:.4f} (sd)" if math.isfinite(sd) else "")
                         + f", positive in {int(np.sum(diff > 0))} of {diff.size} seeds")
    lines.append("Chosen on the validation split (P@1 there; epochs are the best epoch), "
                 "or given:")
    for name, tuned in results["tuning"].items():
        choice = tuned["choice"]
        width = results["settings"]["student_widths"][name]
        described = []
        for method in METHODS:
            spec = ", ".join(f"{key}={value:g}" for key, value in choice[method].items())
            described.append(f"{method} ({spec})" if tuned.get("given") else
                             f"{method} ({spec}): {tuned['validation_p1'][method]:.4f}")
        where = ("given, not tuned" if tuned.get("given") else
                 f"{tuned['n_validation_rows']} validation rows, {tuned['seconds']:.0f} s")
        lines.append(f"  {name} (student width {width}, {where}; test seeds "
                     f"{tuned['test_seconds']:.0f} s): " + "; ".join(described))
    paper = "; ".join(f"{method} {values[0]:.4f}" for method, values in PAPER_AMAZONCAT.items())
    lines.append(f"Paper, AmazonCat-13K P@1: {paper}.")
    dropped = {k: v for k, v in results["dropped_training_rows"].items() if v}
    if dropped:
        lines.append("Training rows without a label, left out: "
                     + ", ".join(f"{k} {v}" for k, v in dropped.items()) + ".")
    return lines


EXPERIMENT = Experiment(
    name=NAME,
    title="Table 1: one-hot, distilled and double-distilled narrow students against a wide "
          "teacher",
    trial=_trial,
    settings=_settings,
    keys=["dataset", "method"],
    metrics=METRICS,
    labels=LABELS,
    quick=QUICK,
    full=FULL,
    reads_data=True,
    execute=_execute,
    returns="``results[\"tuning\"]`` holds, per data set, the grid, every validation curve "
            "and the choices; ``results[\"notes\"]`` the paper-style table (mean ± standard "
            "deviation).",
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """P@1, P@3 and P@5 of the four rows per data set, mean ± standard deviation."""
    datasets = _names(results["settings"])
    fig, axes = _runner.new_figure(len(datasets), width=6.4, height=4.4, fig=fig)
    width = 0.8 / len(METHODS)
    for ax, name in zip(axes, datasets):
        for i, method in enumerate(METHODS):
            (row,) = _runner.select(results, dataset=name, method=method)
            means = [row[f"p_at_{k}"] for k in KS]
            sds = [row[f"p_at_{k}_sd"] for k in KS]
            ax.bar(np.arange(len(KS)) + (i - (len(METHODS) - 1) / 2) * width, means, width,
                   yerr=[0 if not math.isfinite(s) else s for s in sds], capsize=2,
                   label=method)
        ax.set_xticks(np.arange(len(KS)), [f"P@{k}" for k in KS])
        ax.set_title(f"{name} (student width {results['settings']['student_widths'][name]})",
                     fontsize="medium")
        ax.set_ylabel("test precision@k")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize="small")
    settings = results["settings"]
    fig.suptitle(f"{results['title']}\nteacher width {settings['teacher_width']}, "
                 "hyper-parameters chosen on a validation split;\ntest split, "
                 f"{settings['trials']} seeds, mean ± standard deviation", fontsize="medium")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
