"""Diagnostics of a teacher's class-probabilities, and retrieval metrics.

Menon et al. ("Why distillation helps: a statistical perspective", Proposition 3)
bound the gap between the distilled and the population risk by the teacher's mean
squared error to the Bayes class-probabilities, ``E ||p_t(x) - p*(x)||^2``, which
splits into a squared bias and a variance over fresh draws of the teacher. This module
measures these quantities (:func:`probability_mse`, :func:`teacher_bias_variance`),
the usual proper scores and calibration of a teacher (:func:`teacher_report`), and the
ranking quality of retrieval models at a cut-off ``k`` (:func:`precision_at_k`,
:func:`recall_at_k`, :func:`ndcg_at_k`, the propensity-scored :func:`psp_at_k`, and a
scorer for each).

Probability arguments are ``(n_samples, n_classes)`` matrices; a 1-D array is read as
the probability of the second (positive) class of a binary problem and expanded to
``[1 - p, p]``.

Ranking metrics take an ``(n_samples, n_labels)`` score matrix (higher is better; NaN
is refused, infinite scores are allowed) and the relevant labels either as a 1-D
vector of column indices (multiclass) or as a binary indicator matrix, dense or sparse
(multi-label). All of them rank a row's labels by decreasing score and break ties in
favour of the lower column index, as a stable sort of ``-scores`` would; the top ``k``
are found in ``O(n_labels)`` per row, without sorting the whole row.
"""

# This module is the public home of the names below; each is defined with its concern:
# calibration and proper scores, and ranking metrics with their scorers, in two modules
# that fit nothing; the diagnostics that fit or query teachers in _diagnostics.
from ._calibration_metrics import (
    expected_calibration_error,
    multiclass_brier_score,
    probability_mse,
    top_label_calibration_curve,
)
from ._diagnostics import compare_teachers, teacher_bias_variance, teacher_report
from ._ranking_metrics import (
    label_propensities,
    make_ndcg_at_k_scorer,
    make_precision_at_k_scorer,
    make_psp_at_k_scorer,
    make_recall_at_k_scorer,
    ndcg_at_k,
    precision_at_k,
    psp_at_k,
    recall_at_k,
)

__all__ = [
    "compare_teachers",
    "expected_calibration_error",
    "label_propensities",
    "make_ndcg_at_k_scorer",
    "make_precision_at_k_scorer",
    "make_psp_at_k_scorer",
    "make_recall_at_k_scorer",
    "multiclass_brier_score",
    "ndcg_at_k",
    "precision_at_k",
    "probability_mse",
    "psp_at_k",
    "recall_at_k",
    "teacher_bias_variance",
    "teacher_report",
    "top_label_calibration_curve",
]
