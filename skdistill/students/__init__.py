"""Fitting students on soft targets: one adapter per student family.

See :func:`~skdistill.fit_soft_targets` for what "exactly" means for each family.
"""

from . import _expand, _hgb, _linear, _pipeline, _skorch, _trees  # noqa: F401  (each registers its adapter)
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
