"""Shared fixtures, and where the tests find the real data sets.

The package looks for data only where it is told (:func:`skdistill.datasets.get_data_home`).
The tests tell it: unless ``SKDISTILL_DATA`` is already set, it points to the folder
``shared/data`` beside the repository when that folder exists. A test that needs a data
set says so with ``@pytest.mark.needs_data("fashion_mnist")`` and is skipped, with the
folder searched as the reason, only when that data set's files are absent; any other
error, a ``FileNotFoundError`` included, fails the test.

The tests' problems are tiny: one thread per process (OpenMP, BLAS, torch) is faster for
them than two, and on a loaded machine two spinning threads per fit are many times slower.
Set before numpy or torch is imported; an explicit setting in the environment wins.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import gzip  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skdistill.datasets import get_data_home  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Set at import, before collection, so that doctests, subprocesses and joblib workers
# see it too (they inherit the environment).
if not os.environ.get("SKDISTILL_DATA") and SHARED_DATA.is_dir():
    os.environ["SKDISTILL_DATA"] = str(SHARED_DATA)

_MULTILABEL_FILES = ("X_train.npz", "Y_train.npz", "X_test.npz", "Y_test.npz")

#: The files each data set's loader reads, relative to ``<data home>/<name>/``.
DATASET_FILES = {
    "fashion_mnist": (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ),
    "bibtex": _MULTILABEL_FILES,
    "corel5k": _MULTILABEL_FILES,
    "delicious": _MULTILABEL_FILES,
    "enron": _MULTILABEL_FILES,
    "rcv1subset1": ("X.npz", "Y.npz"),
    "tabular": (
        "mlbench_LetterRecognition.csv", "mlbench_Satellite.csv", "mlbench_Vehicle.csv",
        "kernlab_spam.csv", "modeldata_credit_data.csv", "modeldata_wa_churn.csv",
        "modeldata_ames.csv", "modeldata_concrete.csv",
    ),
}


def missing_dataset_reason(name):
    """Why data set ``name`` is unavailable in the data home, or None if it is there."""
    if name not in DATASET_FILES:
        raise ValueError(f"needs_data: unknown data set {name!r}; known: {sorted(DATASET_FILES)}")
    folder = Path(get_data_home()) / name
    missing = [f for f in DATASET_FILES[name] if not (folder / f).is_file()]
    if not missing:
        return None
    return (f"data set {name!r} not found in {folder} (missing {', '.join(missing)}); set "
            f"SKDISTILL_DATA to the folder that holds '{name}/'")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "needs_data(*names): skip unless these data sets are in the data home "
        "(skdistill.datasets.get_data_home)",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in item.iter_markers("needs_data"):
            reasons = [r for r in map(missing_dataset_reason, marker.args) if r is not None]
            if reasons:
                item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))


def _write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_data_home(tmp_path):
    """A data home holding a tiny made-up Fashion-MNIST in the real IDX format.

    300 training and 100 test images of random pixels; label ``i % 10`` for image ``i``
    (every class present in both subsets).
    """
    rng = np.random.RandomState(0)
    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    for prefix, n in (("train", 300), ("t10k", 100)):
        _write_idx(folder / f"{prefix}-images-idx3-ubyte.gz",
                   rng.randint(0, 256, size=(n, 28, 28)), magic=2051)
        _write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10, magic=2049)
    return tmp_path


@pytest.fixture
def soft_problem():
    """A 3-class problem with genuinely soft targets (a softmax of a linear model)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    logits = X @ rng.normal(size=(4, 3))
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, P
