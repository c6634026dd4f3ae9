"""Fitting students on soft targets: one adapter per student family.

See :func:`~skdistill.fit_soft_targets` for what "exactly" means for each family.
"""

from . import (  # noqa: F401  (each registers its adapter)
    _expand,
    _hgb,
    _lightgbm,
    _linear,
    _pipeline,
    _skorch,
    _trees,
    _xgboost,
)
from ._registry import (
    check_soft_targets,
    fit_soft_targets,
    register_student_adapter,
    supports_soft_targets,
)

__all__ = [
    "check_soft_targets",
    "fit_soft_targets",
    "register_student_adapter",
    "supports_soft_targets",
]
