"""Teachers with known or deliberately corrupted class-probabilities.

- :class:`BayesTeacher` turns a known class-probability function ``p*`` into a
  scikit-learn classifier (the "Bayes teacher" of section 3.1 of Menon et al.).
- :class:`NoisyTeacher` and :class:`CalibrationDistortedTeacher` wrap any teacher and
  corrupt its probabilities as in appendix B of the paper: the first adds bias and
  variance, the second keeps every decision (hence the accuracy) but ruins the
  calibration. Together they show that a teacher helps through the quality of its
  probabilities, not through its accuracy.
"""

from numbers import Real

import numpy as np
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils import check_random_state, check_scalar, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._validation import check_probabilities

__all__ = ["BayesTeacher", "CalibrationDistortedTeacher", "NoisyTeacher"]


class BayesTeacher(ClassifierMixin, BaseEstimator):
    """A classifier whose class-probabilities are a known function of ``X``.

    The scikit-learn counterpart of a "Bayes teacher": like
    :class:`~sklearn.preprocessing.FunctionTransformer`, it wraps a function instead
    of learning one. ``fit`` only validates the data and records ``classes_`` and
    ``n_features_in_``; ``predict_proba(X)`` returns ``proba_func(X, **kw_args)``.

    Parameters
    ----------
    proba_func : callable, default=None
        ``proba_func(X, **kw_args) -> (n_samples, n_classes)`` class-probabilities, one
        column per class of ``classes_`` (in sorted order). If None, ``X`` itself is
        taken as the probability matrix (useful when the features *are* precomputed
        probabilities). Use a module-level function (or a picklable callable object
        such as :class:`~skdistill.datasets.SoftmaxClassProbability`) so that the
        teacher can be pickled and sent to joblib workers.
    kw_args : dict, default=None
        Keyword arguments passed to ``proba_func``.
    classes : array-like of shape (n_classes,), default=None
        The labels that the columns of ``proba_func`` stand for. If None they are the
        sorted unique labels of ``y`` seen in ``fit``; give them when a small sample
        may miss a class, or to fit without labels (``fit(X)``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string column names.

    See Also
    --------
    skdistill.datasets.gaussian_class_probability : ``p*`` of the paper's Gaussian problem.
    skdistill.datasets.slab_class_probability : ``p*`` of the paper's slab problem.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill import BayesTeacher
    >>> from skdistill.datasets import (gaussian_class_probability,
    ...                                 make_gaussian_classification)
    >>> X, y, proba = make_gaussian_classification(200, separation=0.5, random_state=0)
    >>> teacher = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.5})
    >>> teacher.fit(X, y).classes_
    array([0, 1])
    >>> bool(np.allclose(teacher.predict_proba(X), proba))
    True
    """

    def __init__(self, proba_func=None, *, kw_args=None, classes=None):
        self.proba_func = proba_func
        self.kw_args = kw_args
        self.classes = classes

    def fit(self, X, y=None):
        """Validate ``X`` (and ``y``) and record ``classes_``; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, only validated.
        y : array-like of shape (n_samples,), default=None
            Labels; may be None only if ``classes`` is given.

        Returns
        -------
        self : BayesTeacher
            The fitted teacher.
        """
        if self.proba_func is not None and not callable(self.proba_func):
            raise TypeError("proba_func must be a callable X -> (n_samples, n_classes) "
                            f"probabilities or None; got {type(self.proba_func).__name__}.")
        if self.kw_args is not None and not isinstance(self.kw_args, dict):
            raise TypeError(f"kw_args must be a dict or None; got {type(self.kw_args).__name__}.")
        if y is None:
            if self.classes is None:
                raise ValueError("BayesTeacher needs the class labels: pass y to fit or set "
                                 "classes=[...] in the constructor.")
            validate_data(self, X, accept_sparse=True)
            self.classes_ = np.asarray(self.classes)
            return self
        X, y = validate_data(self, X, y, accept_sparse=True)
        check_classification_targets(y)
        observed = np.unique(y)
        if self.classes is None:
            self.classes_ = observed
        else:
            self.classes_ = np.asarray(self.classes)
            unknown = np.setdiff1d(observed, self.classes_)
            if unknown.size:
                raise ValueError(f"y has labels {unknown.tolist()} that are not in classes="
                                 f"{self.classes_.tolist()}.")
        return self

    def predict_proba(self, X):
        """Class-probabilities ``proba_func(X, **kw_args)``, validated.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=True, reset=False)
        if self.proba_func is None:
            P = X.toarray() if hasattr(X, "toarray") else X
        else:
            P = self.proba_func(X, **(self.kw_args or {}))
        return check_probabilities(P, n_samples=X.shape[0], n_classes=len(self.classes_),
                                   name="proba_func's output")

    def predict(self, X):
        """The most probable class of each row (the Bayes classifier if ``proba_func = p*``)."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_ is used
        return self.classes_[np.argmax(proba, axis=1)]


class _ProbabilityDistortion(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Meta-estimator that fits a clone of ``teacher`` and transforms its probabilities.

    Subclasses implement ``_prepare_fit()`` (validate the parameters, set up per-fit
    state) and ``_distort(P)``: everything else (fitting, delegation, predict) is shared.
    """

    def _prepare_fit(self):
        pass

    def _distort(self, P):
        raise NotImplementedError

    def fit(self, X, y, **fit_params):
        """Fit a clone of ``teacher`` on ``(X, y)``.

        Wrap a teacher that is already fitted in :class:`sklearn.frozen.FrozenEstimator`
        to keep it as it is (its ``fit`` then does nothing).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs of the teacher.
        y : array-like of shape (n_samples,)
            Training labels of the teacher.
        **fit_params : dict
            Passed to ``teacher.fit``.

        Returns
        -------
        self : object
            The fitted wrapper.
        """
        if not hasattr(self.teacher, "fit") or not hasattr(self.teacher, "predict_proba"):
            raise TypeError(
                f"teacher must be a classifier with predict_proba (or a FrozenEstimator "
                f"around a fitted one); got {type(self.teacher).__name__}. Wrap a known "
                "probability function in skdistill.BayesTeacher."
            )
        self._prepare_fit()
        # One probability matrix per row: multi-output targets are not supported.
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self.teacher_ = clone(self.teacher).fit(X, y, **fit_params)
        self.classes_ = self.teacher_.classes_
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.teacher_, attr):
                setattr(self, attr, getattr(self.teacher_, attr))
            elif hasattr(self, attr):  # left over from an earlier fit
                delattr(self, attr)
        return self

    def predict_proba(self, X):
        """The teacher's class-probabilities, distorted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self)
        P = np.asarray(self.teacher_.predict_proba(X), dtype=np.float64)
        return self._distort(P)

    def predict(self, X):
        """Most probable class under the distorted probabilities."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError before classes_ is used
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The wrapped teacher decides what input it accepts.
        teacher_tags = get_tags(self.teacher)
        tags.input_tags.sparse = teacher_tags.input_tags.sparse
        tags.input_tags.allow_nan = teacher_tags.input_tags.allow_nan
        return tags


class NoisyTeacher(_ProbabilityDistortion):
    r"""A teacher with injected bias and noise (appendix B.1 of the paper, generalised).

    For each row the wrapped teacher's probabilities ``p(x)`` become

    .. math::

        p_t(x) = (1 - \text{bias}) \cdot \operatorname{softmax}\bigl(\log p(x)
                 + \text{noise} \cdot \varepsilon\bigr) + \text{bias} / L,
        \qquad \varepsilon \sim N(0, \tfrac{1}{2} I_L),

    with ``L`` classes. The ``1/2`` makes every pairwise log-odds
    ``log(p_i / p_j)`` receive Gaussian noise of standard deviation exactly ``noise``.
    In the binary case this is the paper's equation (16),

    .. math::

        p_t(x) = (1 - \alpha)\, \sigma(\theta^{*\top} x + \sigma^2 \epsilon) + \alpha / 2,
        \qquad \epsilon \sim N(0, 1),

    in distribution, with ``bias = α``, ``noise = σ²`` and the wrapped teacher giving
    ``σ(θ*ᵀx)`` (e.g. a :class:`BayesTeacher`). ``bias`` pulls the teacher towards the
    uniform distribution (a bias that keeps the decisions); ``noise`` adds variance.

    **How the noise is drawn.** ``fit`` creates a generator from ``random_state``;
    every call to ``predict_proba`` draws fresh, independent noise for every row from it.
    So two calls give different probabilities (each call is one draw of a random
    teacher), refitting with the same integer ``random_state`` reproduces the same
    sequence of draws, and refits with different ``random_state`` (as done by
    :func:`skdistill.metrics.teacher_bias_variance`) give the variance over fresh draws
    that the paper's Proposition 3 charges to the teacher. ``predict`` is the argmax of
    such a draw.

    Parameters
    ----------
    teacher : classifier with predict_proba
        The teacher to corrupt; cloned and fitted in ``fit`` (wrap a fitted one in
        :class:`sklearn.frozen.FrozenEstimator`).
    bias : float in [0, 1], default=0.0
        Weight of the uniform distribution mixed in.
    noise : float >= 0, default=0.0
        Standard deviation of the noise added to each pairwise log-odds.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise generator created at ``fit``.

    Attributes
    ----------
    teacher_ : classifier
        The fitted clone of ``teacher``.
    classes_ : ndarray of shape (n_classes,)
        Class labels, from ``teacher_``.
    n_features_in_ : int
        From ``teacher_``, when it has it.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill import BayesTeacher, NoisyTeacher
    >>> from skdistill.datasets import (gaussian_class_probability,
    ...                                 make_gaussian_classification)
    >>> X, y, proba = make_gaussian_classification(100, separation=0.5, random_state=0)
    >>> teacher = NoisyTeacher(BayesTeacher(gaussian_class_probability,
    ...                                     kw_args={"separation": 0.5}), bias=0.2)
    >>> P = teacher.fit(X, y).predict_proba(X)
    >>> bool(np.allclose(P, 0.8 * proba + 0.1))
    True
    """

    def __init__(self, teacher, *, bias=0.0, noise=0.0, random_state=None):
        self.teacher = teacher
        self.bias = bias
        self.noise = noise
        self.random_state = random_state

    def _prepare_fit(self):
        check_scalar(self.bias, "bias", Real, min_val=0.0, max_val=1.0)
        check_scalar(self.noise, "noise", Real, min_val=0.0)
        self._rng = check_random_state(self.random_state)

    def _distort(self, P):
        n_samples, n_classes = P.shape
        if self.noise > 0:
            # log(0) = -inf stays -inf: a class the teacher rules out stays ruled out.
            with np.errstate(divide="ignore"):
                logits = np.log(P)
            eps = self._rng.standard_normal((n_samples, n_classes)) * np.sqrt(0.5)
            P = softmax(logits + self.noise * eps, axis=1)
        return (1.0 - self.bias) * P + self.bias / n_classes


def distort_calibration(proba, power):
    r"""Apply the calibration distortion :math:`\Psi_\alpha` row by row.

    .. math::

        \Psi_\alpha(u) = \begin{cases} \tfrac12 (2u)^\alpha & u \le \tfrac12 \\
                         1 - \tfrac12 \bigl(2(1 - u)\bigr)^\alpha & u \ge \tfrac12
                         \end{cases}

    is applied to every entry, then each row is renormalised to sum to 1. ``Ψ_α`` is
    strictly increasing, so it keeps the order of the entries of each row (hence the
    argmax and the accuracy). It is symmetric, ``Ψ(1 - u) = 1 - Ψ(u)``, so for two
    classes the rows already sum to 1 and the result is exactly ``Ψ_α`` applied to
    ``P(y=1|x)``, the map of appendix B.2 of the paper (whose printed upper branch,
    ``1/2 + (2u - 1)^{1/α}``, maps 1 to 1.5 and is corrected here). When all entries
    of a row are below 1/2 (typical with many classes) the map is
    ``p_k^α / Σ_j p_j^α``, i.e. a temperature scaling with temperature ``1/α``.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Class-probabilities.
    power : float > 0
        ``α``: ``1`` is the identity, ``> 1`` pushes the probabilities to 0 and 1
        (over-confidence), ``< 1`` pulls them to 1/2 (under-confidence).

    Returns
    -------
    distorted : ndarray of shape (n_samples, n_classes)
        Rows sum to 1, same argmax as ``proba``.

    Examples
    --------
    >>> from skdistill.teachers import distort_calibration
    >>> distort_calibration([[0.25, 0.75], [0.5, 0.5]], power=2.0)
    array([[0.125, 0.875],
           [0.5  , 0.5  ]])
    """
    check_scalar(power, "power", Real, min_val=0.0, include_boundaries="neither")
    P = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    if P.ndim != 2:
        raise ValueError(f"proba must be 2-D (n_samples, n_classes); got shape {P.shape}.")
    # Log space: with many classes and a large power, (2u)^power underflows to 0 for
    # every entry of a row; the softmax of log Psi renormalises without underflow.
    with np.errstate(divide="ignore"):
        log_low = np.log(0.5) + power * np.log(2.0 * np.minimum(P, 0.5))
        log_high = np.log1p(-0.5 * (2.0 * (1.0 - np.maximum(P, 0.5))) ** power)
    return softmax(np.where(P <= 0.5, log_low, log_high), axis=1)


class CalibrationDistortedTeacher(_ProbabilityDistortion):
    r"""A teacher with the same decisions but distorted calibration (appendix B.2).

    The wrapped teacher's probabilities go through :func:`~skdistill.teachers.distort_calibration`:
    ``Ψ_α(u) = ½(2u)^α`` for ``u ≤ ½`` and ``1 − ½(2(1 − u))^α`` for ``u ≥ ½``,
    applied to every class-probability, followed by a renormalisation of each row.
    ``Ψ_α`` is strictly increasing, so the ranking of the classes in every row, hence
    every prediction and the accuracy, is unchanged, while the calibration (ECE, MSE
    to ``p*``) degrades as ``power`` moves away from 1. For two classes this is
    exactly the paper's ``p̄(x) = Ψ_α(p*(x))`` (with the printed upper branch
    corrected, see :func:`~skdistill.teachers.distort_calibration`).

    Parameters
    ----------
    teacher : classifier with predict_proba
        The teacher to distort; cloned and fitted in ``fit`` (wrap a fitted one in
        :class:`sklearn.frozen.FrozenEstimator`).
    power : float > 0, default=1.0
        ``α``. ``1`` leaves the teacher unchanged; the paper uses ``α ≥ 1``.

    Attributes
    ----------
    teacher_ : classifier
        The fitted clone of ``teacher``.
    classes_ : ndarray of shape (n_classes,)
        Class labels, from ``teacher_``.
    n_features_in_ : int
        From ``teacher_``, when it has it.

    Examples
    --------
    >>> from skdistill import BayesTeacher, CalibrationDistortedTeacher
    >>> from skdistill.datasets import (gaussian_class_probability,
    ...                                 make_gaussian_classification)
    >>> X, y, _ = make_gaussian_classification(100, separation=0.25, random_state=0)
    >>> bayes = BayesTeacher(gaussian_class_probability, kw_args={"separation": 0.25})
    >>> distorted = CalibrationDistortedTeacher(bayes, power=4.0).fit(X, y)
    >>> bool((distorted.predict(X) == bayes.fit(X, y).predict(X)).all())
    True
    """

    def __init__(self, teacher, *, power=1.0):
        self.teacher = teacher
        self.power = power

    def _prepare_fit(self):
        check_scalar(self.power, "power", Real, min_val=0.0, include_boundaries="neither")

    def _distort(self, P):
        return distort_calibration(P, self.power)

