"""A ``Pipeline`` student: transformers as usual, the final step by its own adapter.

The pipeline answers every question as its final step does (which losses, how it
predicts), once its transformers have done their work: the adapter of the final step
is found when the pipeline is fitted or queried, so a pipeline ending in any supported
student (a skorch net included) is supported. Transformers are fitted on ``X``, with
the teacher's argmax class as ``y`` for the supervised ones (they have no soft-target
form) and the row weights for every step whose ``fit`` takes ``sample_weight``.
"""

from __future__ import annotations

import functools

from sklearn.pipeline import Pipeline

from .._pipelines import fit_transformers, transform
from ._registry import StudentAdapter, find_adapter, register_student_adapter


def _final(pipeline):
    final = pipeline.steps[-1][1]
    return final, find_adapter(final)


def fit_pipeline(pipeline, X, P, *, classes, sample_weight):
    """Fit a pipeline's transformers on ``X``, then its final step on soft targets."""
    final, adapter = _final(pipeline)  # an unsupported final step fails before any fitting
    Xt = fit_transformers(pipeline, X, classes[P.argmax(axis=1)], sample_weight)
    adapter.fit(final, Xt, P, classes=classes, sample_weight=sample_weight)
    return pipeline


def _fit_with_loss(fit_final, pipeline, X, P, y_index, *, classes, sample_weight, **kwargs):
    Xt = fit_transformers(pipeline, X, classes[P.argmax(axis=1)], sample_weight)
    fit_final(pipeline.steps[-1][1], Xt, P, y_index, classes=classes,
              sample_weight=sample_weight, **kwargs)
    return pipeline


class _PipelineAdapter(StudentAdapter):
    """Answers as the final step's adapter does, after the transformers."""

    def loss_fit(self, pipeline, loss):
        final, adapter = _final(pipeline)
        fit_final = adapter.loss_fit(final, loss)
        return None if fit_final is None else functools.partial(_fit_with_loss, fit_final)

    def teacher_batches_fit(self, pipeline):
        # the teacher reads raw rows and the final step transformed ones: a batch would
        # need both, so a pipeline takes its targets as a matrix
        return None

    def predict(self, pipeline, X, classes):
        final, adapter = _final(pipeline)
        return adapter.predict(final, transform(pipeline, X), classes)

    def predict_proba(self, pipeline, X):
        final, adapter = _final(pipeline)
        return adapter.predict_proba(final, transform(pipeline, X))

    def predict_log_proba(self, pipeline, X):
        final, adapter = _final(pipeline)
        return adapter.predict_log_proba(final, transform(pipeline, X))

    def decision_function(self, pipeline, X):
        final, adapter = _final(pipeline)
        return adapter.decision_function(final, transform(pipeline, X))

    def provides(self, pipeline, method):
        final, adapter = _final(pipeline)
        return adapter.provides(final, method)

    def accepts_sparse(self, pipeline):
        return pipeline.__sklearn_tags__().input_tags.sparse

    def seeded(self, pipeline, seed):
        final, adapter = _final(pipeline)
        return adapter.seeded(final, seed)


register_student_adapter(_PipelineAdapter(
    "Pipeline ending in a supported classifier",
    lambda est: isinstance(est, Pipeline),
    fit_pipeline,
))
