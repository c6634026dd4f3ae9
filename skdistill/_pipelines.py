"""A ``Pipeline`` seen as transformers followed by a final estimator.

A soft-target fit changes how the final estimator is fitted, never how the
transformers are: they are fitted as a ``Pipeline`` would fit them, on ``X`` and
(for supervised transformers) hard labels, with the row weights for every step whose
``fit`` accepts ``sample_weight``. Used by the student adapters and by the teacher
step alike.
"""

from __future__ import annotations

from sklearn.utils.validation import has_fit_parameter


def final_estimator(estimator):
    """The last step of a ``Pipeline``-like estimator (one with ``steps``), else itself."""
    steps = getattr(estimator, "steps", None)
    return final_estimator(steps[-1][1]) if steps else estimator


def _transformers(pipeline):
    return [t for _, t in pipeline.steps[:-1] if t is not None and t != "passthrough"]


def fit_transformers(pipeline, X, y, sample_weight=None):
    """Fit and apply all steps but the last; return the transformed ``X``.

    ``sample_weight`` goes to every transformer whose ``fit`` accepts it (e.g.
    ``StandardScaler``: the weighted mean and variance), so that a weighted fit equals
    the fit on repeated rows; transformers whose ``fit`` has no ``sample_weight``
    (e.g. ``PolynomialFeatures``, which learns nothing from the rows' frequencies, or
    ``PCA``) are fitted without it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skdistill._pipelines import fit_transformers
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression())
    >>> Xt = fit_transformers(pipe, np.array([[0.0], [2.0]]), [0, 1], sample_weight=[3, 1])
    >>> float(pipe[0].mean_[0])
    0.5
    """
    Xt = X
    for transformer in _transformers(pipeline):
        if sample_weight is not None and has_fit_parameter(transformer, "sample_weight"):
            Xt = transformer.fit_transform(Xt, y, sample_weight=sample_weight)
        else:
            Xt = transformer.fit_transform(Xt, y)
    return Xt


def fit_to_final_estimator(estimator, X, y, sample_weight=None):
    """Fit the transformers of (possibly nested) pipelines; return the final estimator
    (unfitted) and ``X`` transformed for it."""
    while getattr(estimator, "steps", None):
        X = fit_transformers(estimator, X, y, sample_weight)
        estimator = estimator.steps[-1][1]
    return estimator, X


def transform(pipeline, X):
    """Apply the fitted steps before the pipeline's last step."""
    Xt = X
    for transformer in _transformers(pipeline):
        Xt = transformer.transform(Xt)
    return Xt


def to_final_estimator(estimator, X):
    """The final estimator of (possibly nested) pipelines, and ``X`` transformed for it."""
    while getattr(estimator, "steps", None):
        X = transform(estimator, X)
        estimator = estimator.steps[-1][1]
    return estimator, X
