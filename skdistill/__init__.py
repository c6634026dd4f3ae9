"""skdistill: knowledge distillation for scikit-learn, skorch and PyTorch.

Built on the statistical view of distillation of Menon et al., "Why distillation
helps: a statistical perspective": a teacher helps a student in proportion to how
well its class-probabilities approximate the Bayes class-probabilities.
"""

from ._classifier import DistilledClassifier
from ._onnx import register_onnx_converters
from ._ranker import DoubleDistilledRanker
from ._regressor import DistilledRegressor
from ._teacher_search import TeacherSearchCV, TeacherSearchRegressorCV
from .students import (
    check_soft_targets,
    fit_soft_targets,
    register_student_adapter,
    supports_soft_targets,
)
from .targets import make_soft_targets, mix_with_labels, smooth_labels, temperature_scale

# teachers.py imports only numpy/scipy/scikit-learn; datasets, metrics and plotting stay
# submodules (import skdistill.metrics) and plotting imports matplotlib lazily.
from .teachers import BayesTeacher, CalibrationDistortedTeacher, NoisyTeacher

# skdistill.nets and skdistill.losses import torch: import them from there (skorch
# students register through skdistill.students without importing torch).

__version__ = "0.1.0"

__all__ = [
    "BayesTeacher",
    "CalibrationDistortedTeacher",
    "NoisyTeacher",
    "DistilledClassifier",
    "DistilledRegressor",
    "DoubleDistilledRanker",
    "TeacherSearchCV",
    "TeacherSearchRegressorCV",
    "check_soft_targets",
    "fit_soft_targets",
    "make_soft_targets",
    "mix_with_labels",
    "register_onnx_converters",
    "register_student_adapter",
    "smooth_labels",
    "supports_soft_targets",
    "temperature_scale",
]
