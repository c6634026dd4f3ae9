"""Synthetic problems with known Bayes class-probabilities, and offline loaders.

The synthetic generators return ``(X, y, proba)`` where ``proba`` is the true
class-probability matrix ``p*(X)`` (columns in the order of ``np.unique(y)``'s
possible values ``0, 1, ..., n_classes - 1``), so that a teacher's quality can be
measured against the Bayes teacher of Menon et al., "Why distillation helps: a
statistical perspective" (sections 5.1 and 5.2).

:func:`make_planted_retrieval` is the exception: a sparse multi-label retrieval problem
of any shape (the paper's AmazonCat-13K and Amazon-670K among them) whose known
structure gives the best achievable ranking instead of ``p*``.

The loaders read local copies of real data sets and never download anything. Each
data set is a folder (``fashion_mnist/``, ``enron/``, ...) inside one *data home*,
found by :func:`get_data_home`: the ``data_home`` argument if given, else the
``SKDISTILL_DATA`` environment variable, else ``~/skdistill_data``. The real tabular
sets of :func:`load_tabular` (``TABULAR_DATASETS``) are CSV files in its ``tabular/``
folder.
"""

import gzip
import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.preprocessing import normalize
from sklearn.utils import Bunch, check_random_state, check_scalar

__all__ = [
    "TABULAR_DATASETS",
    "SoftmaxClassProbability",
    "gaussian_class_probability",
    "get_data_home",
    "load_fashion_mnist",
    "load_multilabel",
    "load_tabular",
    "PLANTED_RETRIEVAL_SHAPES",
    "make_gaussian_classification",
    "make_planted_retrieval",
    "make_retrieval_classification",
    "make_slab_classification",
    "multilabel_to_multiclass",
    "slab_class_probability",
]

#: The shapes of the paper's retrieval sets (section 5.3) for :func:`make_planted_retrieval`:
#: rows, features, labels and mean labels per row of AmazonCat-13K and Amazon-670K.
PLANTED_RETRIEVAL_SHAPES = {
    "amazoncat13k": {"n_samples": 1_186_239, "n_features": 203_882, "n_labels": 13_330,
                     "labels_per_row": 5.04},
    "amazon670k": {"n_samples": 490_449, "n_features": 135_909, "n_labels": 670_091,
                   "labels_per_row": 5.45},
}

MULTILABEL_DATASETS = ("bibtex", "corel5k", "delicious", "enron", "rcv1subset1")

#: The real tabular data sets of :func:`load_tabular`: name -> task.
TABULAR_DATASETS = {
    "letter": "classification",
    "satellite": "classification",
    "vehicle": "classification",
    "spam": "classification",
    "credit": "classification",
    "churn": "classification",
    "ames": "regression",
    "concrete": "regression",
}

# name -> (CSV file in <data home>/tabular/, target column), as in that folder's SOURCE.md.
_TABULAR_FILES = {
    "letter": ("mlbench_LetterRecognition.csv", "lettr"),
    "satellite": ("mlbench_Satellite.csv", "classes"),
    "vehicle": ("mlbench_Vehicle.csv", "Class"),
    "spam": ("kernlab_spam.csv", "type"),
    "credit": ("modeldata_credit_data.csv", "Status"),
    "churn": ("modeldata_wa_churn.csv", "churn"),
    "ames": ("modeldata_ames.csv", "Sale_Price"),
    "concrete": ("modeldata_concrete.csv", "compressive_strength"),
}

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


# --------------------------------------------------------------------------- #
# Synthetic problems with known p*
# --------------------------------------------------------------------------- #


def _binary_proba(logit):
    """Stack ``[P(y=0|x), P(y=1|x)]`` from the log-odds, each column computed directly.

    Computing ``1 - expit(z)`` would lose all precision where ``expit(z)`` is close to 1.
    """
    return np.column_stack([expit(-logit), expit(logit)])


def _check_features(X, n_features=None, *, name="X"):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n_samples, n_features); got shape "
                         f"{X.shape}. Reshape a single sample with X.reshape(1, -1).")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features but the model expects {n_features}.")
    return X


def gaussian_class_probability(X, *, separation=1.0):
    """Bayes class-probabilities of :func:`make_gaussian_classification`.

    With equal priors and class-conditionals ``N(+separation * 1, I)`` for ``y = 1``
    and ``N(-separation * 1, I)`` for ``y = 0``, the log-odds are
    ``log N(x; mu, I) - log N(x; -mu, I) = (||x + mu||^2 - ||x - mu||^2) / 2 = 2 mu^T x``,
    so ``P(y=1 | x) = sigmoid(2 * separation * sum_j x_j)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points at which to evaluate ``p*``.
    separation : float, default=1.0
        Scale of the class means ``±separation * (1, ..., 1)``.

    Returns
    -------
    proba : ndarray of shape (n_samples, 2)
        Columns ``[P(y=0 | x), P(y=1 | x)]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.datasets import gaussian_class_probability
    >>> gaussian_class_probability(np.zeros((1, 10)))
    array([[0.5, 0.5]])
    >>> gaussian_class_probability([[0.25, 0.0]], separation=1.0).round(4)
    array([[0.3775, 0.6225]])
    """
    X = _check_features(X)
    check_scalar(separation, "separation", Real, min_val=0)
    return _binary_proba(2.0 * separation * X.sum(axis=1))


def make_gaussian_classification(n_samples=100, *, n_features=10, separation=1.0,
                                 random_state=None):
    """Two Gaussian classes with a known Bayes posterior (section 5.1 of the paper).

    Labels are drawn i.i.d. with equal priors ``P(y=1) = P(y=0) = 1/2`` (so class counts
    vary from sample to sample, as in fresh draws of a training set), then
    ``x | y=1 ~ N(+separation * (1, ..., 1), I)`` and ``x | y=0 ~ N(-separation * (1, ..., 1), I)``.
    The Bayes class-probability is ``P(y=1 | x) = sigmoid(theta*^T x)`` with
    ``theta* = 2 * separation * (1, ..., 1)``; at the paper's setting ``separation=1``
    this is the printed ``theta* = (2, ..., 2)``.

    ``separation`` **scales the means**: the means are ``±separation * (1, ..., 1)``, so
    their Euclidean distance is ``2 * separation * sqrt(n_features)``. The paper's
    Figure 2(b) varies "the distance r between the means" without saying which reading
    it uses; with this generator, ``separation=r`` is the "means ``±r * (1, ..., 1)``"
    reading. For the other reading (Euclidean distance ``r``) pass
    ``separation=r / (2 * sqrt(n_features))``. The Bayes AUC is
    ``Phi(separation * sqrt(2 * n_features))``: 0.99999 at the paper's
    ``separation=1, n_features=10``, 0.868 at ``separation=0.25``.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples.
    n_features : int, default=10
        Dimension of ``x``.
    separation : float, default=1.0
        Scale of the class means (see above). ``0`` gives indistinguishable classes.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the draws.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Integer labels in ``{0, 1}``.
    proba : ndarray of shape (n_samples, 2)
        The Bayes class-probabilities ``p*(X)``, columns ``[P(y=0|x), P(y=1|x)]``;
        equal to ``gaussian_class_probability(X, separation=separation)``.

    See Also
    --------
    gaussian_class_probability : ``p*`` at new points.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.datasets import make_gaussian_classification
    >>> X, y, proba = make_gaussian_classification(5, separation=0.5, random_state=0)
    >>> X.shape, y.shape, proba.shape
    ((5, 10), (5,), (5, 2))
    >>> bool(np.allclose(proba.sum(axis=1), 1.0))
    True
    """
    check_scalar(n_samples, "n_samples", Integral, min_val=1)
    check_scalar(n_features, "n_features", Integral, min_val=1)
    check_scalar(separation, "separation", Real, min_val=0)
    rng = check_random_state(random_state)
    y = rng.randint(2, size=n_samples)
    sign = 2.0 * y - 1.0
    X = rng.standard_normal((n_samples, n_features)) + separation * sign[:, np.newaxis]
    return X, y, gaussian_class_probability(X, separation=separation)


def slab_class_probability(X):
    """Bayes class-probabilities of :func:`make_slab_classification`.

    ``eta(x) = P(y=1 | x) = sigmoid(2 * (||x||_inf - 0.5))``: negatives concentrate in the
    box ``||x||_inf < 0.5``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points at which to evaluate ``p*``.

    Returns
    -------
    proba : ndarray of shape (n_samples, 2)
        Columns ``[P(y=0 | x), P(y=1 | x)]``.

    Examples
    --------
    >>> from skdistill.datasets import slab_class_probability
    >>> slab_class_probability([[0.5, -0.2], [0.0, 0.0]]).round(4)
    array([[0.5   , 0.5   ],
           [0.7311, 0.2689]])
    """
    X = _check_features(X)
    return _binary_proba(2.0 * (np.abs(X).max(axis=1) - 0.5))


def make_slab_classification(n_samples=100, *, n_features=2, random_state=None):
    """The "slab" problem of section 5.2 of the paper.

    ``x ~ N(0, I)`` and ``y | x ~ Bernoulli(eta(x))`` with
    ``eta(x) = sigmoid(2 * (||x||_inf - 0.5))``. Axis-aligned trees can represent the
    box-shaped level sets of ``eta`` only with enough depth, which makes the problem a
    clean illustration of the teacher's bias-variance trade-off.

    Parameters
    ----------
    n_samples : int, default=100
        Number of samples.
    n_features : int, default=2
        Dimension of ``x`` (the paper uses 2).
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the draws.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Integer labels in ``{0, 1}``.
    proba : ndarray of shape (n_samples, 2)
        The Bayes class-probabilities ``p*(X)``, columns ``[1 - eta(x), eta(x)]``.

    See Also
    --------
    slab_class_probability : ``p*`` at new points.

    Examples
    --------
    >>> from skdistill.datasets import make_slab_classification
    >>> X, y, proba = make_slab_classification(4, random_state=0)
    >>> X.shape, proba.shape
    ((4, 2), (4, 2))
    """
    check_scalar(n_samples, "n_samples", Integral, min_val=1)
    check_scalar(n_features, "n_features", Integral, min_val=1)
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    proba = slab_class_probability(X)
    y = (rng.uniform(size=n_samples) < proba[:, 1]).astype(np.int64)
    return X, y, proba


class SoftmaxClassProbability:
    """A known multinomial-logistic class-probability function.

    ``p*(x) = softmax((x @ coef + intercept) / temperature)``. Instances are plain,
    picklable callables, so they can be given to
    :class:`~skdistill.BayesTeacher` or used as a callable teacher.

    Parameters
    ----------
    coef : array-like of shape (n_features, n_classes)
        Weights.
    intercept : array-like of shape (n_classes,)
        Biases (they set the label frequencies).
    temperature : float, default=1.0
        Label noise: ``p*`` approaches one-hot as ``temperature -> 0`` and uniform as it grows.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.datasets import SoftmaxClassProbability
    >>> f = SoftmaxClassProbability(np.eye(2), np.zeros(2))
    >>> f([[0.0, 0.0]])
    array([[0.5, 0.5]])
    """

    def __init__(self, coef, intercept, temperature=1.0):
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.temperature = temperature
        if self.coef.ndim != 2 or self.intercept.shape != (self.coef.shape[1],):
            raise ValueError("coef must have shape (n_features, n_classes) and intercept shape "
                             f"(n_classes,); got {self.coef.shape} and {self.intercept.shape}.")
        check_scalar(temperature, "temperature", Real, min_val=0,
                     include_boundaries="neither")

    @property
    def n_classes(self):
        return self.coef.shape[1]

    def decision_function(self, X):
        """Logits ``(X @ coef + intercept) / temperature``, shape (n_samples, n_classes)."""
        X = _check_features(X, self.coef.shape[0])
        return (X @ self.coef + self.intercept) / self.temperature

    def __call__(self, X):
        """Class-probabilities ``p*(X)``, shape (n_samples, n_classes)."""
        return softmax(self.decision_function(X), axis=1)

    def sample(self, X, random_state=None):
        """Draw one label per row of ``X`` from ``p*(X)``."""
        rng = check_random_state(random_state)
        proba = self(X)
        # Inverse-CDF sampling, vectorised over rows.
        u = rng.uniform(size=(proba.shape[0], 1))
        y = (np.cumsum(proba, axis=1) < u).sum(axis=1)
        return np.minimum(y, self.n_classes - 1)

    def __repr__(self):
        n_features, n_classes = self.coef.shape
        return (f"SoftmaxClassProbability(n_features={n_features}, n_classes={n_classes}, "
                f"temperature={self.temperature})")


def make_retrieval_classification(n_samples=1000, *, n_classes=100, n_features=20,
                                  temperature=0.5, tail_exponent=1.0, return_model=False,
                                  random_state=None):
    """A many-label multiclass problem with known class-probabilities.

    A stand-in for the paper's retrieval benchmarks (section 5.3) at any scale:

    - ``x ~ N(0, I_d)``;
    - ``coef ~ N(0, 1/d)`` of shape ``(d, L)``, so each class score ``x^T w_k`` has unit variance;
    - ``intercept_k = -tail_exponent * log(k + 1)``: class frequencies decay like a
      power law in the class index, giving head and tail labels as in retrieval;
    - ``p*(x) = softmax((x^T W + b) / temperature)`` and ``y | x ~ Categorical(p*(x))``.

    ``temperature`` controls the label noise: small values make ``p*`` nearly one-hot
    (the Bayes top-1 accuracy approaches 1), large values make it nearly uniform.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    n_classes : int, default=100
        Number of labels ``L``.
    n_features : int, default=20
        Dimension ``d`` of ``x``.
    temperature : float, default=0.5
        Softmax temperature of ``p*`` (label noise), must be > 0.
    tail_exponent : float, default=1.0
        Power-law decay of the class priors (``0`` for no built-in imbalance).
    return_model : bool, default=False
        If True, also return the :class:`SoftmaxClassProbability` that computes ``p*``
        for new points (and can :meth:`~SoftmaxClassProbability.sample` labels).
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the model and the draws. The model is drawn first, so
        two calls with the same integer seed share the model.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Integer labels in ``0, ..., n_classes - 1``.
    proba : ndarray of shape (n_samples, n_classes)
        The Bayes class-probabilities ``p*(X)``.
    model : SoftmaxClassProbability
        Only if ``return_model=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.datasets import make_retrieval_classification
    >>> X, y, proba, model = make_retrieval_classification(
    ...     50, n_classes=30, n_features=5, return_model=True, random_state=0)
    >>> X.shape, proba.shape
    ((50, 5), (50, 30))
    >>> bool(np.allclose(model(X), proba))
    True
    """
    check_scalar(n_samples, "n_samples", Integral, min_val=1)
    check_scalar(n_classes, "n_classes", Integral, min_val=2)
    check_scalar(n_features, "n_features", Integral, min_val=1)
    check_scalar(tail_exponent, "tail_exponent", Real, min_val=0)
    rng = check_random_state(random_state)
    coef = rng.standard_normal((n_features, n_classes)) / np.sqrt(n_features)
    intercept = -tail_exponent * np.log1p(np.arange(n_classes))
    model = SoftmaxClassProbability(coef, intercept, temperature)
    X = rng.standard_normal((n_samples, n_features))
    proba = model(X)
    y = model.sample(X, random_state=rng)
    return (X, y, proba, model) if return_model else (X, y, proba)


def make_planted_retrieval(n_samples=1000, *, n_features=10_000, n_labels=1000,
                           labels_per_row=5.0, words_per_label=8, keep=0.6, noise_words=40,
                           zipf=1.0, return_structure=False, random_state=None):
    """A sparse multi-label retrieval problem with a planted structure, of any shape.

    A bag-of-words stand-in for extreme-classification sets such as the paper's
    AmazonCat-13K and Amazon-670K (their shapes are in ``PLANTED_RETRIEVAL_SHAPES``):

    - label ``j`` has a signature of ``words_per_label`` words drawn uniformly among the
      features;
    - a row has ``1 + Poisson(labels_per_row - 1)`` label draws from a power law
      ``prior_j ∝ 1 / (j + 1) ** zipf`` (head and tail labels; repeats merge);
    - its words are each of its labels' signature words, kept with probability
      ``keep``, plus ``Poisson(noise_words)`` words drawn uniformly; the row is 0/1 and
      then scaled to unit L2 norm.

    Ranking the labels by how many of their signature words a row has (ties to the
    more frequent label) is the planted structure's ranking, whose precision bounds
    what a model can reach; the label frequencies are the floor.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_features : int, default=10_000
        Number of words (columns of ``X``).
    n_labels : int, default=1000
        Number of labels (columns of ``Y``).
    labels_per_row : float, default=5.0
        Mean number of label draws per row, at least 1.
    words_per_label : int, default=8
        Signature words per label.
    keep : float, default=0.6
        Probability that a row keeps each signature word of its labels.
    noise_words : float, default=40
        Mean number of uniformly drawn words added to a row.
    zipf : float, default=1.0
        Exponent of the labels' power-law prior (``0``: uniform).
    return_structure : bool, default=False
        If True, also return the signatures and the prior.
    random_state : int, numpy Generator or None, default=None
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features), float32
        Rows of unit L2 norm.
    Y : scipy.sparse.csr_matrix of shape (n_samples, n_labels), int8
        0/1 label indicators; every row has at least one label.
    signatures : ndarray of shape (n_labels, words_per_label)
        Only if ``return_structure``: each label's signature words.
    prior : ndarray of shape (n_labels,)
        Only if ``return_structure``: the labels' prior.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.datasets import make_planted_retrieval
    >>> X, Y = make_planted_retrieval(200, n_features=500, n_labels=50, random_state=0)
    >>> X.shape, Y.shape
    ((200, 500), (200, 50))
    >>> bool(np.allclose(np.sqrt(X.multiply(X).sum(axis=1)), 1.0))
    True
    >>> bool((np.diff(Y.indptr) >= 1).all())
    True
    """
    check_scalar(n_samples, "n_samples", Integral, min_val=1)
    check_scalar(n_features, "n_features", Integral, min_val=1)
    check_scalar(n_labels, "n_labels", Integral, min_val=1)
    check_scalar(labels_per_row, "labels_per_row", Real, min_val=1)
    check_scalar(words_per_label, "words_per_label", Integral, min_val=1)
    check_scalar(keep, "keep", Real, min_val=0, max_val=1)
    check_scalar(noise_words, "noise_words", Real, min_val=0)
    check_scalar(zipf, "zipf", Real, min_val=0)
    rng = np.random.default_rng(random_state)
    prior = 1.0 / np.arange(1, n_labels + 1) ** zipf
    prior /= prior.sum()
    signatures = rng.integers(0, n_features, size=(n_labels, words_per_label))
    n_draws = 1 + rng.poisson(labels_per_row - 1, size=n_samples)
    draw_rows = np.repeat(np.arange(n_samples), n_draws)
    # the cumulative sum may end just below 1: a draw past it is the last label
    labels = np.minimum(np.searchsorted(np.cumsum(prior), rng.random(len(draw_rows))),
                        n_labels - 1)
    Y = sp.csr_matrix((np.ones(len(draw_rows), dtype=np.int8), (draw_rows, labels)),
                      shape=(n_samples, n_labels))
    Y.sum_duplicates()
    Y.data[:] = 1
    pair_rows = np.repeat(np.arange(n_samples), np.diff(Y.indptr))
    words = signatures[Y.indices].ravel()
    word_rows = np.repeat(pair_rows, words_per_label)
    kept = rng.random(len(words)) < keep
    noise_rows = np.repeat(np.arange(n_samples), rng.poisson(noise_words, size=n_samples))
    noise = rng.integers(0, n_features, size=len(noise_rows))
    rows = np.concatenate([word_rows[kept], noise_rows])
    cols = np.concatenate([words[kept], noise])
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                      shape=(n_samples, n_features))
    X.sum_duplicates()
    X.data[:] = 1.0
    X = normalize(X).astype(np.float32)  # an empty row (no word kept, no noise) stays 0
    return (X, Y, signatures, prior) if return_structure else (X, Y)


# --------------------------------------------------------------------------- #
# Local data sets (never downloaded)
# --------------------------------------------------------------------------- #

_DATA_HOME_ENV = "SKDISTILL_DATA"
_DEFAULT_DATA_HOME = os.path.join("~", "skdistill_data")


def _data_home_and_origin(data_home):
    """The data home and the words that say where it came from (for error messages)."""
    if data_home is not None:
        if not isinstance(data_home, str | os.PathLike):
            raise TypeError("data_home must be a str or path-like folder (or None for the "
                            f"default); got {type(data_home).__name__}: {data_home!r}.")
        return os.path.expanduser(os.fspath(data_home)), "the data_home argument"
    # An empty variable counts as unset, as an unset one would in a shell script.
    env = os.environ.get(_DATA_HOME_ENV, "")
    if env:
        return os.path.expanduser(env), f"the {_DATA_HOME_ENV} environment variable"
    return os.path.expanduser(_DEFAULT_DATA_HOME), "the default data home"


def get_data_home(data_home=None):
    """Return the path of skdistill's data folder, the one that holds the data sets.

    The loaders of this module never download anything: they read folders such as
    ``fashion_mnist/`` or ``enron/`` inside this *data home*. Following
    :func:`sklearn.datasets.get_data_home`, it is, in this order:

    1. the ``data_home`` argument, if given;
    2. else the ``SKDISTILL_DATA`` environment variable, if set and not empty;
    3. else the folder ``skdistill_data`` in the user's home directory.

    A leading ``~`` is expanded. Unlike scikit-learn's, the folder is not created,
    since nothing is ever written to it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder to use. ``None`` uses ``SKDISTILL_DATA`` or ``~/skdistill_data``.

    Returns
    -------
    data_home : str
        The path of the data folder (it may not exist).

    See Also
    --------
    load_fashion_mnist, load_multilabel, load_tabular : loaders that read from this folder.

    Examples
    --------
    >>> import os
    >>> from skdistill.datasets import get_data_home
    >>> get_data_home("/srv/data")
    '/srv/data'
    >>> get_data_home("~/data") == os.path.join(os.path.expanduser("~"), "data")
    True
    """
    return _data_home_and_origin(data_home)[0]


def _find_dataset_dir(name, required_files, data_home=None):
    """Return the folder ``<data home>/<name>``, checking that it holds ``required_files``.

    The error for a missing data set names the folder searched, where the data home came
    from, the files expected and the ways to point skdistill at the data.
    """
    home, origin = _data_home_and_origin(data_home)
    directory = Path(home) / name
    missing = [f for f in required_files if not (directory / f).is_file()]
    if not missing:
        return directory
    if not Path(home).is_dir():
        problem = f"the data home {Path(home).absolute()} (from {origin}) does not exist"
    elif not directory.is_dir():
        problem = f"there is no folder {directory.absolute()} (data home from {origin})"
    else:
        problem = (f"{directory.absolute()} (data home from {origin}) lacks "
                   f"{', '.join(missing)}")
    raise FileNotFoundError(
        f"Could not find the {name!r} data set: {problem}. It is read from the folder "
        f"'{name}/' holding {', '.join(required_files)}. Put that folder in the data home, "
        f"or point skdistill to the folder that contains '{name}/' with the data_home "
        f"argument or the {_DATA_HOME_ENV} environment variable. skdistill never downloads "
        "data."
    )


def _read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load_fashion_mnist(data_home=None, *, subset="train", n_samples=None, random_state=None,
                       return_X_y=True, dtype=np.float64):
    """Load Fashion-MNIST from the local IDX files (no download).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder holding ``fashion_mnist/``; ``None`` resolves it with
        :func:`get_data_home` (``$SKDISTILL_DATA``, else ``~/skdistill_data``).
    subset : {"train", "test"}, default="train"
        The official 60000 / 10000 split.
    n_samples : int, default=None
        If given, a uniformly random subset of this many images (without replacement,
        kept in file order) drawn with ``random_state``.
    random_state : int, RandomState instance or None, default=None
        Seed for the ``n_samples`` subset.
    return_X_y : bool, default=True
        If False, return a :class:`~sklearn.utils.Bunch` with ``data``, ``target``,
        ``target_names`` and ``DESCR``.
    dtype : numpy dtype, default=np.float64
        Dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        Pixels scaled to ``[0, 1]``.
    y : ndarray of shape (n_samples,)
        Integer labels 0..9 (see ``FASHION_MNIST_CLASSES``).

    Raises
    ------
    FileNotFoundError
        If the IDX files are not in ``<data home>/fashion_mnist/``; the message names
        the folder searched, the files expected and how to point to the data.

    See Also
    --------
    get_data_home : where the data sets are looked for.

    Examples
    --------
    >>> from skdistill.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist(subset="test", n_samples=100, random_state=0)  # doctest: +SKIP
    >>> X.shape, float(X.max()) <= 1.0  # doctest: +SKIP
    ((100, 784), True)
    """
    prefixes = {"train": "train", "test": "t10k"}
    if subset not in prefixes:
        raise ValueError(f"subset must be 'train' or 'test'; got {subset!r}.")
    images = f"{prefixes[subset]}-images-idx3-ubyte.gz"
    labels = f"{prefixes[subset]}-labels-idx1-ubyte.gz"
    directory = _find_dataset_dir("fashion_mnist", [images, labels], data_home)
    pixels = _read_idx(directory / images, offset=16).reshape(-1, 28 * 28)
    y = _read_idx(directory / labels, offset=8).astype(np.int64)
    if n_samples is not None:
        check_scalar(n_samples, "n_samples", Integral, min_val=1, max_val=len(y))
        rng = check_random_state(random_state)
        keep = np.sort(rng.choice(len(y), size=n_samples, replace=False))
        pixels, y = pixels[keep], y[keep]
    X = pixels.astype(dtype) / 255.0
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, target_names=np.array(FASHION_MNIST_CLASSES),
                 DESCR=(directory / "SOURCE.md").read_text() if (directory / "SOURCE.md").is_file()
                 else "Fashion-MNIST")


def load_multilabel(name, data_home=None, *, subset="train"):
    """Load one of the local multi-label data sets (no download).

    Parameters
    ----------
    name : {"bibtex", "corel5k", "delicious", "enron", "rcv1subset1"}
        Data set (see its ``SOURCE.md`` for origin and shapes).
    data_home : str or path-like, default=None
        Data folder holding ``<name>/``; ``None`` resolves it with
        :func:`get_data_home` (``$SKDISTILL_DATA``, else ``~/skdistill_data``).
    subset : {"train", "test", "all"}, default="train"
        The Mulan train/test split. ``rcv1subset1`` ships without a split; this loader
        uses the split suggested in its ``SOURCE.md``: the first 3000 of
        ``np.random.default_rng(0).permutation(6000)`` for train, the rest for test.
        ``"all"`` stacks train then test.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Binary features, float32.
    Y : scipy.sparse.csr_matrix of shape (n_samples, n_labels)
        Label indicator matrix, uint8 0/1.

    Raises
    ------
    FileNotFoundError
        If the files are not in ``<data home>/<name>/``; the message names the folder
        searched, the files expected and how to point to the data.

    See Also
    --------
    multilabel_to_multiclass : the paper's multiclass reduction.
    get_data_home : where the data sets are looked for.

    Examples
    --------
    >>> from skdistill.datasets import load_multilabel
    >>> X, Y = load_multilabel("enron", subset="test")  # doctest: +SKIP
    >>> X.shape, Y.shape  # doctest: +SKIP
    ((579, 1001), (579, 53))
    """
    if name not in MULTILABEL_DATASETS:
        raise ValueError(f"name must be one of {MULTILABEL_DATASETS}; got {name!r}.")
    if subset not in ("train", "test", "all"):
        raise ValueError(f"subset must be 'train', 'test' or 'all'; got {subset!r}.")

    if name == "rcv1subset1":
        directory = _find_dataset_dir(name, ["X.npz", "Y.npz"], data_home)
        X, Y = sp.load_npz(directory / "X.npz"), sp.load_npz(directory / "Y.npz")
        perm = np.random.default_rng(0).permutation(X.shape[0])
        half = X.shape[0] // 2
        rows = {"train": perm[:half], "test": perm[half:], "all": perm}[subset]
        X, Y = X[rows], Y[rows]
    else:
        parts = ["train", "test"] if subset == "all" else [subset]
        files = [f"{m}_{p}.npz" for p in parts for m in ("X", "Y")]
        directory = _find_dataset_dir(name, files, data_home)
        X = sp.vstack([sp.load_npz(directory / f"X_{p}.npz") for p in parts])
        Y = sp.vstack([sp.load_npz(directory / f"Y_{p}.npz") for p in parts])
    return sp.csr_matrix(X, dtype=np.float32), sp.csr_matrix(Y, dtype=np.uint8)


def load_tabular(name, *, data_home=None, as_frame=True, return_X_y=False):
    """Load one of the local real tabular data sets, as :func:`pandas.read_csv` reads it.

    Eight CSV files exported from R packages (see ``tabular/SOURCE.md``): six
    classification sets and two regression sets, with numeric and string columns
    and missing values, whole and unsplit (make your own seeded splits).

    ============  ==============  =====  ========  ==================================
    name          task            rows   features  target column
    ============  ==============  =====  ========  ==================================
    letter        classification  20000  16        ``lettr`` (26 letters)
    satellite     classification  6435   36        ``classes`` (6 soil types)
    vehicle       classification  846    18        ``Class`` (4 vehicles)
    spam          classification  4601   57        ``type`` (spam / nonspam)
    credit        classification  4454   13        ``Status`` (good / bad), NaN
    churn         classification  7043   19        ``churn`` (Yes / No), NaN
    ames          regression      2930   73        ``Sale_Price`` (dollars)
    concrete      regression      1030   8         ``compressive_strength`` (MPa)
    ============  ==============  =====  ========  ==================================

    The file is read with ``pandas.read_csv`` and nothing else: string columns keep
    the dtype pandas gives them (``object``, or ``str`` from pandas 3), not
    ``category``, and missing values (``NA`` in the file) are NaN, so that a model
    meets the data as a user's ``read_csv`` gives them.

    Parameters
    ----------
    name : {"letter", "satellite", "vehicle", "spam", "credit", "churn", "ames", \
            "concrete"}
        Data set (keys of ``TABULAR_DATASETS``).
    data_home : str or path-like, default=None
        Data folder holding ``tabular/``; ``None`` resolves it with
        :func:`get_data_home` (``$SKDISTILL_DATA``, else ``~/skdistill_data``).
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame and ``target`` a Series. If False, both are
        numpy arrays (``object`` dtype where the table mixes numbers and strings) and
        ``frame`` is None.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With attributes

        data : DataFrame of shape (n_samples, n_features)
            The features: every column but the target, in file order.
        target : Series of shape (n_samples,)
            The target column: strings for classification, numbers for regression.
        frame : DataFrame of shape (n_samples, n_features + 1)
            The whole file as read (None if ``as_frame=False``).
        feature_names : list of str
            The columns of ``data``.
        target_names : list of str
            The name of the target column, in a list (as in
            :func:`sklearn.datasets.fetch_openml`).
        task : {"classification", "regression"}
            As in ``TABULAR_DATASETS``.
        DESCR : str
            The data set's file and target, then ``tabular/SOURCE.md``.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the CSV file is not in ``<data home>/tabular/``; the message names the
        folder searched, the file expected and how to point to the data.

    See Also
    --------
    get_data_home : where the data sets are looked for.
    skdistill.augment.munge : synthetic rows of such a table for a teacher to label.

    Examples
    --------
    >>> from skdistill.datasets import load_tabular
    >>> bunch = load_tabular("credit")  # doctest: +SKIP
    >>> bunch.data.shape, bunch.target_names, bunch.task  # doctest: +SKIP
    ((4454, 13), ['Status'], 'classification')
    >>> X, y = load_tabular("concrete", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, y.name  # doctest: +SKIP
    ((1030, 8), 'compressive_strength')
    """
    if name not in TABULAR_DATASETS:
        raise ValueError(f"name must be one of {sorted(TABULAR_DATASETS)}; got {name!r}.")
    try:
        import pandas as pd
    except ImportError as error:
        raise ImportError("load_tabular reads CSV files with pandas, which is not installed: "
                          "pip install pandas.") from error
    file, target_column = _TABULAR_FILES[name]
    directory = _find_dataset_dir("tabular", [file], data_home)
    frame = pd.read_csv(directory / file)
    data, target = frame.drop(columns=target_column), frame[target_column]
    feature_names = [str(c) for c in data.columns]
    if not as_frame:
        data, target, frame = data.to_numpy(), target.to_numpy(), None
    if return_X_y:
        return data, target
    source = directory / "SOURCE.md"
    descr = (f"{name}: {file}, target column {target_column!r} "
             f"({TABULAR_DATASETS[name]}).\n\n")
    descr += source.read_text() if source.is_file() else ""
    return Bunch(data=data, target=target, frame=frame, feature_names=feature_names,
                 target_names=[target_column], task=TABULAR_DATASETS[name], DESCR=descr)


def multilabel_to_multiclass(X, Y, *, return_index=False):
    """Make a multi-label set multiclass: one ``(x, y)`` example per label of ``x``.

    This is the reduction the paper uses for its retrieval experiments (following
    Reddi et al., 2019). Rows without any label produce no example.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Features.
    Y : {array-like, sparse matrix} of shape (n_samples, n_labels)
        Binary label indicator matrix.
    return_index : bool, default=False
        If True, also return, for every new example, the row of ``X`` it came from
        (to group predictions per original point, e.g. for precision@k against ``Y``).

    Returns
    -------
    X_rep : same type as X, shape (n_pairs, n_features)
        Row ``i`` of ``X`` repeated once per label, rows in the original order.
    y : ndarray of shape (n_pairs,)
        Label (column index of ``Y``), increasing within each original row.
    index : ndarray of shape (n_pairs,)
        Only if ``return_index=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.datasets import multilabel_to_multiclass
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> Y = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 0]])
    >>> X_rep, y = multilabel_to_multiclass(X, Y)
    >>> X_rep.ravel(), y
    (array([1., 1., 3.]), array([0, 2, 1]))
    """
    if not sp.issparse(X):
        X = np.asarray(X)
    # Copy: eliminate_zeros and sort_indices work in place.
    Y = sp.csr_matrix(Y, copy=True)
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must have shape (n_samples, n_labels) with n_samples={X.shape[0]}; "
                         f"got {Y.shape}.")
    Y.eliminate_zeros()
    Y.sort_indices()
    index = np.repeat(np.arange(Y.shape[0]), np.diff(Y.indptr))
    y = Y.indices.astype(np.int64)
    X_rep = X[index]
    return (X_rep, y, index) if return_index else (X_rep, y)
