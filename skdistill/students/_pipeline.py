"""A ``Pipeline`` student: transformers as usual, the final classifier on soft targets."""

from __future__ import annotations

from sklearn.pipeline import Pipeline

from ._registry import _find_adapter, register_student_adapter


def fit_pipeline(pipeline, X, P, *, classes, sample_weight):
    """Fit a pipeline's transformers on ``X``, then its final step on soft targets.

    Transformers that use ``y`` (feature selection, target encoding) receive the
    argmax class of the soft targets: they have no soft-target form.
    """
    final = pipeline.steps[-1][1]
    _, fit_final = _find_adapter(final)  # fail before fitting anything
    Xt = fit_transformers(pipeline, X, classes[P.argmax(axis=1)])
    fit_final(final, Xt, P, classes=classes, sample_weight=sample_weight)
    return pipeline


def fit_transformers(pipeline, X, y):
    """Fit and apply all steps but the last; return the transformed ``X``."""
    Xt = X
    for _, transformer in pipeline.steps[:-1]:
        if transformer is not None and transformer != "passthrough":
            Xt = transformer.fit_transform(Xt, y)
    return Xt


register_student_adapter(
    "Pipeline ending in a supported classifier",
    lambda est: isinstance(est, Pipeline),
    fit_pipeline,
)
