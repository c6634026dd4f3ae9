"""Figure 4(b): Fashion-MNIST, a noisy/biased MLP teacher against its logistic student.

Setup (section 5.2 of the paper, "Fashion MNIST", with every choice it leaves open stated):

- Data: ``skdistill.datasets.load_fashion_mnist`` (the local IDX files; nothing is
  downloaded), pixels scaled to ``[0, 1]``, stored as float32.
- Teacher: ``sklearn.neural_network.MLPClassifier(hidden_layer_sizes=(128, 10))``
  (adam, scikit-learn's defaults otherwise), the shape of the paper's net (the paper
  used its own implementation; this keeps the job free of torch), trained for a fixed
  number of epochs on the training images: full ``60000`` images / 50 epochs, quick a
  random ``10000`` / 30 epochs. Its probabilities are taken as the reference ``p*``.
  It is trained once per run (seeded by ``random_state``), not once per trial.
- Student pool: the ``n_student`` training images on which the teacher is most
  uncertain (highest entropy of its probabilities): full ``2500`` (the paper's), quick
  ``500``.
- Teachers distilled: ``NoisyTeacher(FrozenEstimator(mlp), bias=α, noise=s)``,
  ``p_t = (1 − α)·softmax(log p + s·ε) + α/10``, where every pairwise log-odds gets
  Gaussian noise of standard deviation ``s`` (eq. 16 generalised to 10 classes);
  full ``α ∈ {0, 0.25, 0.5}``, ``s ∈ {0, 1, 2, 4}``, quick the same without ``s = 4``.
- Student: ``LogisticRegression(C=1.0, max_iter=1000)`` on the raw pixels, fitted
  exactly on the noisy teacher's probabilities with
  ``DistilledClassifier(student, FrozenEstimator(noisy), classes=..., unlabeled_label=-1)``
  (the pool's labels are not used: the most uncertain images may miss whole classes,
  e.g. sandals, which the student still learns from the teacher); a last row is the
  same student on the pool's one-hot labels (absent classes get probability 0).
- Measured on the test images (full all ``10000``, quick a random ``2000``): teacher
  MSE to the reference (``probability_mse``; one noise draw), teacher accuracy, student
  accuracy and one-vs-rest macro AUC.
- Trials: only the noise draws vary between trials (the teacher and the pool are
  fixed), so few are needed: quick 3, full 10 (a full trial fits 13 students on
  25000 expanded rows, about 2.5 minutes on one core).
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import entr
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier

from .. import DistilledClassifier
from ..datasets import load_fashion_mnist
from ..metrics import probability_mse
from ..plotting import TeacherStudentDisplay
from ..teachers import NoisyTeacher
from . import _runner
from ._experiment import Experiment, public_run

NOISY = "noisy MLP"
ONE_HOT = "none (one-hot)"
QUICK = {"n_train": 10_000, "epochs": 30, "n_student": 500, "n_test": 2000,
         "biases": (0.0, 0.25, 0.5), "noises": (0.0, 1.0, 2.0), "trials": 3}
FULL = {"n_train": 60_000, "epochs": 50, "n_student": 2500, "n_test": 10_000,
        "biases": (0.0, 0.25, 0.5), "noises": (0.0, 1.0, 2.0, 4.0), "trials": 10}


def _load(subset, n_samples, data_home, random_state):
    total = 60_000 if subset == "train" else 10_000
    try:
        return load_fashion_mnist(
            data_home, subset=subset, n_samples=None if n_samples >= total else n_samples,
            random_state=random_state, dtype=np.float32,
        )
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"figure4b needs the Fashion-MNIST IDX files (fashion_mnist/ in the data home); "
            f"pass data_home=... (command line: --data-home PATH) or set SKDISTILL_DATA. {exc}"
        ) from exc


def _student(C, max_iter):
    return LogisticRegression(C=C, max_iter=max_iter)


def _scores(model, X_test, y_test, classes):
    # A one-hot student never sees the classes its pool lacks (the most uncertain images
    # hold few sandals, sneakers or boots): those get probability 0 (one-vs-rest AUC 0.5).
    proba = np.zeros((X_test.shape[0], len(classes)))
    proba[:, np.searchsorted(classes, model.classes_)] = model.predict_proba(X_test)
    return {
        "student_accuracy": float(model.score(X_test, y_test)),
        "student_auc": float(
            roc_auc_score(y_test, proba, labels=classes, multi_class="ovr")
        ),
    }


def _trial(seed, *, biases, noises, C, max_iter, teacher, X_pool, y_pool, X_test, y_test,
           P_test, **data_settings):
    # data_settings (n_train, epochs, ...) were used by run() to build the shared data.
    rng = np.random.RandomState(seed)
    rows = []
    for bias in biases:
        for noise in noises:
            noisy = NoisyTeacher(FrozenEstimator(teacher), bias=bias, noise=noise,
                                 random_state=rng.randint(2**31)).fit(X_pool, y_pool)
            # The pool's labels are not used (pure distillation on a pool), and classes=
            # lets the student learn all ten classes although the pool may miss some.
            student = DistilledClassifier(
                _student(C, max_iter), FrozenEstimator(noisy), classes=noisy.classes_,
                unlabeled_label=-1, alpha=1.0,
            ).fit(X_pool, np.full(len(X_pool), -1))
            P = noisy.predict_proba(X_test)  # a fresh draw of the noisy teacher
            rows.append({
                "teacher": NOISY, "bias": bias, "noise": noise,
                "teacher_mse": probability_mse(P, P_test),
                "teacher_accuracy": float(np.mean(noisy.classes_[P.argmax(1)] == y_test)),
                **_scores(student, X_test, y_test, teacher.classes_),
            })
    one_hot = _student(C, max_iter).fit(X_pool, y_pool)
    rows.append({"teacher": ONE_HOT, "bias": None, "noise": None,
                 **_scores(one_hot, X_test, y_test, teacher.classes_)})
    return rows


def _settings(*, n_train=None, epochs=None, n_student=None, n_test=None, biases=None,
              noises=None, C=1.0, max_iter=1000):
    """The settings of a run, from the reproduction's own parameters.

    Parameters
    ----------
    n_train, epochs, n_student, n_test : int, default=None
        Teacher training images and epochs, student pool size, test images.
    biases, noises : sequence of float, default=None
        The ``NoisyTeacher`` grid.
    C : float, default=1.0
        Inverse regularisation of the logistic-regression students.
    max_iter : int, default=1000
        lbfgs iterations of the students.
    """
    return {
        "n_train": int(n_train),
        "epochs": int(epochs),
        "n_student": int(n_student),
        "n_test": int(n_test),
        "biases": [float(b) for b in biases],
        "noises": [float(s) for s in noises],
        "C": float(C),
        "max_iter": int(max_iter),
    }


def _prepare(settings, *, random_state, data_home):
    """The data, the MLP teacher trained once per run and the student pool, shared by
    every trial; notes on the teacher's accuracy."""
    rng = np.random.RandomState(random_state)
    X_train, y_train = _load("train", settings["n_train"], data_home, rng)
    X_test, y_test = _load("test", settings["n_test"], data_home, rng)
    if settings["n_student"] > len(y_train):
        raise ValueError(f"n_student={settings['n_student']} exceeds the {len(y_train)} "
                         "training images the teacher sees; lower n_student or raise n_train.")
    teacher = MLPClassifier(hidden_layer_sizes=(128, 10), max_iter=settings["epochs"],
                            random_state=rng.randint(2**31))
    with warnings.catch_warnings():
        # A fixed number of epochs is the setting, not a failure to converge.
        warnings.simplefilter("ignore", ConvergenceWarning)
        teacher.fit(X_train, y_train)
    P_train = teacher.predict_proba(X_train)
    entropy = entr(P_train.astype(np.float64)).sum(axis=1)  # entr(0) = 0, no log(0)
    pool = np.sort(np.argsort(-entropy, kind="stable")[: settings["n_student"]])
    shared = {"teacher": teacher, "X_pool": X_train[pool], "y_pool": y_train[pool],
              "X_test": X_test, "y_test": y_test, "P_test": teacher.predict_proba(X_test)}
    notes = [
        f"teacher MLPClassifier(128, 10), {settings['epochs']} epochs on "
        f"{settings['n_train']} images: train accuracy {teacher.score(X_train, y_train):.4f}, "
        f"test accuracy {teacher.score(X_test, y_test):.4f}",
        f"student pool: the {settings['n_student']} most uncertain training images "
        f"(teacher accuracy on them {teacher.score(X_train[pool], y_train[pool]):.4f})",
    ]
    return shared, notes


EXPERIMENT = Experiment(
    name="figure4b",
    title="Figure 4(b): Fashion-MNIST, noisy/biased MLP teacher vs logistic-regression student",
    trial=_trial,
    settings=_settings,
    keys=["teacher", "bias", "noise"],
    metrics=["teacher_mse", "teacher_accuracy", "student_accuracy", "student_auc"],
    labels={"bias": "bias α", "noise": "noise s", "teacher_mse": "teacher MSE to ref.",
            "teacher_accuracy": "teacher acc.", "student_accuracy": "student acc.",
            "student_auc": "student AUC"},
    quick=QUICK,
    full=FULL,
    reads_data=True,
    prepare=_prepare,
    returns="``results[\"notes\"]`` holds the teacher's accuracy.",
)
run = public_run(EXPERIMENT)


def plot(results, path=None, *, fig=None):
    """Student AUC and accuracy against the teacher's MSE to the reference, per bias."""
    fig, axes = _runner.new_figure(2, width=5.2, height=4.2, fig=fig)
    rows = _runner.select(results, teacher=NOISY)
    biases = list(dict.fromkeys(row["bias"] for row in rows))
    for ax, metric, label in zip(axes, ("student_auc", "student_accuracy"),
                                 ("student test AUC (one-vs-rest)", "student test accuracy")):
        for i, bias in enumerate(biases):
            cell = [row for row in rows if row["bias"] == bias]
            TeacherStudentDisplay.from_results(
                _runner.column(cell, "teacher_mse"), _runner.column(cell, metric),
                labels=[f"s={row['noise']:g}" for row in cell] if i == 0 else None,
                yerr=_runner.column(cell, f"{metric}_se"), score_name=label,
                name=f"bias α = {bias:g}", ax=ax,
            )
        for row in _runner.select(results, teacher=ONE_HOT):
            ax.axhline(row[metric], color="k", ls=":", lw=1, label="one-hot labels")
        ax.set_xlabel("teacher MSE to the reference MLP")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
    s = results["settings"]
    note = (f"MLP(128, 10) teacher on {s['n_train']} images; logistic student (C = {s['C']}) "
            f"on the {s['n_student']} most uncertain")
    return _runner.finish_figure(fig, results, path, note)
