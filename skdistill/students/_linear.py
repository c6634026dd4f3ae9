"""LogisticRegression on soft targets: scikit-learn's own objective, minimised directly.

**The objective.** With ``solver="lbfgs"`` and an L2 penalty (or none), scikit-learn's
``LogisticRegression.fit`` minimises over the coefficients ``W`` and intercepts ``b``

.. code-block:: text

    f(W, b) = 1/S sum_i s_i loss(y_i, z_i) + 1/(2 C S) ||W||^2,   z_i = W x_i + b,
    S = sum_i s_i,   s_i = sample weight times class weight of row i,

by ``scipy.optimize.minimize(method="L-BFGS-B")`` from zero (or, with ``warm_start``,
from the fitted ``coef_`` and ``intercept_``) with ``maxiter=max_iter``,
``gtol=tol``, ``ftol=64 * eps`` and ``maxls=50``. For more than two classes ``loss``
is the multinomial cross-entropy in the symmetric parametrisation, one coefficient
row and one intercept per class: ``loss(k, z) = logsumexp(z) - z_k``. For two classes
it is the binomial cross-entropy on one column, ``loss(y, z) = log(1 + exp(z)) - y z``
with ``y = 1`` for ``classes_[1]`` (``coef_`` of shape ``(1, n_features)``). The
intercepts are not penalised; no penalty is ``C = inf``.

**Why the fit here is exact.** The row expansion (:mod:`._expand`), exact by
construction, turns row ``n`` with soft target ``P[n]`` into pieces ``(x_n, k)`` of
weight ``A[n, k] = w_n P[n, k]``. The pieces of a row share ``x_n``, hence ``z_n``, so
with ``r_n = sum_k A[n, k]`` their terms of ``f`` add up to

.. code-block:: text

    r_n logsumexp(z_n) - sum_k A[n, k] z_nk        (multinomial)
    r_n log(1 + exp(z_n)) - A[n, 1] z_n            (binomial)

and the total weight is ``S = sum_n r_n``. ``_SoftCrossEntropy`` evaluates ``f`` in
exactly this form, with the same ``S`` (so the same effective penalty ``1/(C S)``),
the same parameters and the same L-BFGS options: it is the expanded problem, not an
approximation of it, and with one-hot targets it is the ordinary fit's problem. The
parameter vector is laid out in another order than scikit-learn's, which does not
change the iterates: L-BFGS without bounds, its line search and its stopping rules
only use inner products, sums and maximum norms, all invariant under a permutation
of the coordinates. (One-hot targets reproduce the ordinary fit's ``n_iter_`` and
coefficients to rounding; tests/students/test_linear.py checks it.) A dict or
``"balanced"`` ``class_weight`` is folded into the row weights and targets first
(:func:`._expand.fold_class_weight`), which keeps each piece's weight
``w_n P[n, k] cw_k``; ``"balanced"`` counts the teacher's probability mass per class,
weighted by ``sample_weight`` (as scikit-learn >= 1.7 weights its class counts).

**Cost.** The gradient is ``X.T @ G`` with ``G = (r * softmax(z) - A) / S`` (``r *
sigmoid(z) - A[:, 1]`` for two classes), so one evaluation is one ``X @ W`` and one
``X.T @ G`` over ``n`` rows, as in a hard-label fit, instead of over up to ``n L``
expanded rows. ``X.T @ A`` does not depend on ``W``: it is computed once, and the
linear part of the loss, ``sum A * z``, is ``<X.T @ A, W> + <sum_n A[n], b>``, so
``A`` is not read during the iterations. Computations are in float64; ``coef_`` gets
the dtype scikit-learn gives it (float32 for float32 ``X`` from scikit-learn 1.9,
float64 before).

**Left to the row expansion** (exact too, and it lets scikit-learn's own solver,
checks and warnings act):

- ``solver`` other than ``"lbfgs"``: ``newton-cg``, ``newton-cholesky`` and ``sag``
  reach the same minimiser by another algorithm, with another meaning of ``tol``
  and ``n_iter_``; ``liblinear`` penalises the intercept; ``saga`` is the L1 and
  elastic-net solver;
- L1 and elastic-net penalties (``l1_ratio > 0`` from scikit-learn 1.8,
  ``penalty="l1"`` or ``"elasticnet"`` before): not smooth, outside L-BFGS;
- spellings scikit-learn warns about: from 1.8 an explicit ``penalty`` (deprecated
  for ``l1_ratio`` and ``C=np.inf``) or ``l1_ratio=None``; before 1.8 an ``l1_ratio``
  next to ``penalty="l2"``, ``penalty=None`` with ``C != 1``, or an explicit
  ``multi_class``;
- subclasses that override ``fit``, ``LogisticRegressionCV`` among them.

Of the other parameters, ``n_jobs`` has no effect, as on scikit-learn's own lbfgs
fit of a binary or multinomial model (it only ever parallelised one-vs-rest
problems; deprecated since 1.8); ``verbose`` prints nothing; ``random_state`` and
``intercept_scaling`` are not used by lbfgs.
"""

from __future__ import annotations

import numpy as np
import sklearn
from scipy import optimize, sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model._logistic import _LOGISTIC_SOLVER_CONVERGENCE_MSG
from sklearn.utils.fixes import parse_version
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import validate_data

from ._expand import class_weight_vector, fit_expanded, fold_class_weight
from ._registry import register_student_adapter

# scikit-learn 1.8 deprecated ``penalty`` (its default became "deprecated") in favour of
# ``l1_ratio`` and ``C=np.inf``.
_PENALTY_DEPRECATED = LogisticRegression().get_params()["penalty"] == "deprecated"
# From 1.9, the lbfgs fit keeps float32 inputs (and coefficients) in float32.
_KEEPS_FLOAT32 = parse_version(sklearn.__version__).release >= (1, 9)


def _native_C(student):
    """``C`` of the L2-penalised lbfgs objective ``student`` minimises, ``inf`` for no
    penalty; None when its configuration is left to the row expansion."""
    params = student.get_params(deep=False)
    if type(student).fit is not LogisticRegression.fit:
        return None
    if params["solver"] != "lbfgs" or params["dual"]:
        return None
    if params.get("multi_class", "deprecated") != "deprecated":
        return None
    penalty, l1_ratio, C = params["penalty"], params["l1_ratio"], params["C"]
    if _PENALTY_DEPRECATED:
        if penalty != "deprecated" or l1_ratio is None:
            return None
        return C if l1_ratio == 0 else None
    if l1_ratio is not None:
        return None
    if penalty == "l2":
        return C
    if penalty is None and C == 1.0:
        return np.inf
    return None


class _SoftCrossEntropy:
    """Soft cross-entropy plus L2 penalty, and its gradient, as scikit-learn scales them.

    ``theta`` holds ``W`` (``n_features`` rows, one column per class, or a single column
    in the binary case) followed by the intercepts. ``A`` holds the pieces' weights
    divided by their total ``S`` (so that no sum of them overflows), and ``l2`` is
    ``1 / (C S)``. Buffers of shape ``(n, L)`` are allocated once and reused by every
    evaluation.
    """

    def __init__(self, X, A, l2, fit_intercept, binary):
        self.X = X
        self.fit_intercept = fit_intercept
        self.binary = binary
        n, d = X.shape
        self.l2 = l2
        self.d = d
        target = A[:, 1:] if binary else A
        self.n_cols = target.shape[1]
        self.row_weight = A.sum(axis=1)
        # The loss is linear in the targets: these two are all it needs of them.
        self.Xt_target = np.asarray(X.T @ target)
        self.target_sum = target.sum(axis=0)
        self.dense = not sparse.issparse(X)
        self.Z = np.empty((n, self.n_cols))
        self.row_max = np.empty(n)
        self.row_sum = np.empty(n)

    def n_params(self):
        return (self.d + int(self.fit_intercept)) * self.n_cols

    def split(self, theta):
        """``W`` of shape (n_features, n_cols) and ``b`` of shape (n_cols,)."""
        W = theta[: self.d * self.n_cols].reshape(self.d, self.n_cols)
        b = theta[self.d * self.n_cols :] if self.fit_intercept else None
        return W, b

    def _linear(self, W, b):
        Z = self.Z
        if self.dense:
            np.matmul(self.X, W, out=Z)
        else:
            Z[...] = self.X @ W
        if b is not None:
            Z += b
        return Z

    def __call__(self, theta):
        W, b = self.split(theta)
        Z = self._linear(W, b)
        linear = np.vdot(self.Xt_target, W)
        if b is not None:
            linear += self.target_sum @ b
        grad = np.empty_like(theta)
        gW, gb = self.split(grad)
        if self.binary:
            z, tmp = Z[:, 0], self.row_sum
            # log(1 + exp(z)) = max(z, 0) - log(max(s, 1 - s)) with s = sigmoid(z), which
            # the gradient needs anyway: one transcendental pass less than log1p(exp(.)).
            loss = self.row_weight @ np.maximum(z, 0.0, out=tmp) - linear
            expit(z, out=z)
            np.subtract(1.0, z, out=tmp)
            np.maximum(tmp, z, out=tmp)
            loss -= self.row_weight @ np.log(tmp, out=tmp)
            z *= self.row_weight
        else:
            np.max(Z, axis=1, out=self.row_max)
            Z -= self.row_max[:, None]
            np.exp(Z, out=Z)
            np.sum(Z, axis=1, out=self.row_sum)
            loss = self.row_weight @ (np.log(self.row_sum) + self.row_max) - linear
            # Z becomes row_weight * softmax(z), the part of the gradient that moves.
            np.divide(self.row_weight, self.row_sum, out=self.row_sum)
            Z *= self.row_sum[:, None]
        if self.dense:
            np.matmul(self.X.T, Z, out=gW)
        else:
            gW[...] = self.X.T @ Z
        gW -= self.Xt_target
        gW += self.l2 * W
        if gb is not None:
            np.sum(Z, axis=0, out=gb)
            gb -= self.target_sum
        loss += 0.5 * self.l2 * np.vdot(W, W)
        return float(loss), grad


def _initial_theta(student, loss, n_classes):
    """Zeros, or with ``warm_start`` the fitted ``coef_`` and ``intercept_``."""
    theta = np.zeros(loss.n_params())
    coef = getattr(student, "coef_", None) if student.warm_start else None
    if coef is None:
        return theta
    coef = np.asarray(coef, dtype=np.float64)
    expected = (loss.n_cols, loss.d)
    if coef.shape != expected:
        raise ValueError(
            f"warm_start=True, but the fitted coef_ has shape {coef.shape} while this fit "
            f"needs {expected} ({n_classes} classes, {loss.d} features). Set "
            "warm_start=False, or refit on data with the same classes and features."
        )
    W, b = loss.split(theta)
    W[...] = coef.T
    if b is not None:
        b[...] = np.asarray(student.intercept_, dtype=np.float64)
    return theta


def _normalised_weights(P, sample_weight, C):
    """The pieces' weights ``A = w P / S`` (total one) and the penalty ``1 / (C S)``.

    The fit depends on the weights only through ``A`` and the product ``C S``: scaling
    every weight by a constant is scaling ``C`` by it. So a total that float64 cannot
    hold is refused (by :func:`~skdistill._validation.check_sample_weight`), and so is a
    product ``C S`` whose inverse overflows: no rescaling of the weights that keeps the
    fit would help, and the penalty is then so strong that the fit would be the
    intercepts alone.
    """
    w = np.ones(P.shape[0]) if sample_weight is None else sample_weight
    with np.errstate(over="ignore"):
        mass = w * P.sum(axis=1)
        S = mass.sum()
    if not np.isfinite(S):
        raise ValueError(
            "the soft targets' total weight (sample_weight times class weights, summed) is "
            "more than float64 can hold. Divide sample_weight or class_weight by a "
            "constant and multiply C by the same constant: the fit is then unchanged."
        )
    if not S > 0:
        raise ValueError(
            "the soft targets carry no weight: every row has sample_weight (times its "
            "class weights) equal to zero. Give some rows a positive weight."
        )
    with np.errstate(over="ignore", divide="ignore"):
        l2 = 1.0 / (C * S)
    if not np.isfinite(l2):
        raise ValueError(
            f"LogisticRegression's L2 penalty 1 / (C * total weight) = 1 / ({C:.4g} * "
            f"{S:.4g}) is more than float64 can hold: next to it the data would weigh "
            "nothing. The fit depends on C and sample_weight through their product only: "
            "raise C, or scale sample_weight up."
        )
    return P * (w / S)[:, None], l2


def fit_logistic_regression(student, X, P, *, classes, sample_weight):
    """Fit a ``LogisticRegression`` on soft targets by its own objective (module docstring)."""
    student._validate_params()
    C = _native_C(student)
    if C is None:
        return fit_expanded(student, X, P, classes=classes, sample_weight=sample_weight)

    X = validate_data(student, X, accept_sparse=["csr", "csc"],
                      dtype=[np.float64, np.float32], reset=True)
    out_dtype = X.dtype if _KEEPS_FLOAT32 else np.float64
    X = X.astype(np.float64, copy=False)
    cw = class_weight_vector(student.class_weight, P, classes, sample_weight)
    P, sample_weight = fold_class_weight(P, sample_weight, cw)
    A, l2 = _normalised_weights(P, sample_weight, C)

    n_classes = len(classes)
    binary = n_classes == 2
    loss = _SoftCrossEntropy(X, A, l2, student.fit_intercept, binary)
    theta0 = _initial_theta(student, loss, n_classes)
    result = optimize.minimize(
        loss, theta0, method="L-BFGS-B", jac=True,
        options={"maxiter": student.max_iter, "maxls": 50, "gtol": student.tol,
                 "ftol": 64 * np.finfo(float).eps},
    )
    n_iter = _check_optimize_result(
        "lbfgs", result, student.max_iter, extra_warning_msg=_LOGISTIC_SOLVER_CONVERGENCE_MSG
    )

    W, b = loss.split(result.x)
    student.classes_ = classes
    student.coef_ = np.ascontiguousarray(W.T, dtype=out_dtype)
    n_intercepts = 1 if binary else n_classes
    student.intercept_ = (np.zeros(n_intercepts, dtype=out_dtype) if b is None
                          else b.astype(out_dtype))
    student.n_iter_ = np.asarray([n_iter], dtype=np.int32)
    return student


def _is_logistic_regression(student):
    return isinstance(student, LogisticRegression)


register_student_adapter("LogisticRegression", _is_logistic_regression, fit_logistic_regression)
