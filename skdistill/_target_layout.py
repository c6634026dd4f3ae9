"""The layout of the targets handed to a torch loss: one float32 row per example.

It imports neither torch nor skorch, so that the targets of a net can be built (and a
batch's parts read) wherever the package needs them; :mod:`skdistill.losses` re-exports
its public names.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

UNLABELLED = -1
"""The label index that marks an unlabelled row (in ``y_index`` and in the label column of
a target)."""


class TargetLayout(NamedTuple):
    r"""The columns of the 2-D float ``target`` that skdistill hands to a torch loss.

    Every target is one row per example with, in this order, the parts the loss
    needs: ::

        [ probabilities (L) | log weights (L) | label index (1) | row weight (1) ]
          always              log_weights=True  labels=True      weights=True

    - *probabilities*: the class-probability vector the loss fits (soft targets for
      :class:`SoftTargetCrossEntropy`, raw teacher probabilities for
      :class:`HintonDistillationLoss`, the "positives" for
      :class:`DoubleDistillationLoss`);
    - *log weights*: double distillation's log negative weights
      :math:`\log w = \log\sigma(-a\,s)` of the teacher's scores :math:`s`;
    - *label index*: the index of the row's class in ``classes_`` stored as a float,
      :data:`UNLABELLED` (``-1``) for an unlabelled row;
    - *row weight*: :math:`w_n`; the loss averages :math:`w_n \ell_n` over the batch
      (weights are not renormalised per batch).

    A loss knows which of the first three parts it reads; the weight column is
    optional and recognised by the width. :meth:`pack` builds targets (NumPy,
    float32, as skorch datasets hold them) and :meth:`unpack` reads them (NumPy or
    torch).

    Parameters
    ----------
    n_classes : int
        ``L``; ``0`` describes a target without class columns (label and weight only).
    log_weights : bool, default=False
    labels : bool, default=False
    weights : bool, default=False

    Examples
    --------
    >>> from skdistill.losses import TargetLayout
    >>> layout = TargetLayout(2, labels=True, weights=True)
    >>> layout.pack([[0.75, 0.25], [0.5, 0.5]], y_index=[0, -1], sample_weight=[1.0, 2.0])
    array([[ 0.75,  0.25,  0.  ,  1.  ],
           [ 0.5 ,  0.5 , -1.  ,  2.  ]], dtype=float32)
    >>> layout.unpack(layout.pack([[0.75, 0.25]], y_index=[1], sample_weight=[3.0])).labels
    array([1.], dtype=float32)
    """

    n_classes: int
    log_weights: bool = False
    labels: bool = False
    weights: bool = False

    @property
    def width(self):
        """Number of columns."""
        return (self.n_classes * (2 if self.log_weights else 1) + int(self.labels)
                + int(self.weights))

    def pack(self, proba=None, *, log_weights=None, y_index=None, sample_weight=None):
        """Build a float32 target array in this layout (NumPy).

        Parameters
        ----------
        proba : array-like of shape (n_samples, n_classes)
            Required unless ``n_classes == 0``.
        log_weights : array-like of shape (n_samples, n_classes)
            Required when ``log_weights=True``.
        y_index : array-like of shape (n_samples,)
            Required when ``labels=True``; :data:`UNLABELLED` for an unlabelled row.
        sample_weight : array-like of shape (n_samples,)
            Required when ``weights=True``.

        Returns
        -------
        target : ndarray of shape (n_samples, width), float32
        """
        parts = {"proba": proba, "log_weights": log_weights, "y_index": y_index,
                 "sample_weight": sample_weight}
        wanted = {"proba": self.n_classes > 0, "log_weights": self.log_weights,
                  "y_index": self.labels, "sample_weight": self.weights}
        for key, needed in wanted.items():
            if needed != (parts[key] is not None):
                raise ValueError(
                    f"{self!r} {'needs' if needed else 'has no column for'} {key}."
                )
        columns, n_rows = [], None
        for key in (key for key in wanted if wanted[key]):
            part = np.asarray(parts[key], dtype=np.float32)
            if key in ("proba", "log_weights"):
                shape_ok = part.ndim == 2 and part.shape[1] == self.n_classes
                width = self.n_classes
            else:
                shape_ok = part.ndim == 1 or (part.ndim == 2 and part.shape[1] == 1)
                width = 1
            if not shape_ok or (n_rows is not None and part.shape[0] != n_rows):
                rows = "n_samples" if n_rows is None else n_rows
                wanted_shape = f"({rows}, {width})" if width > 1 else f"({rows},)"
                raise ValueError(
                    f"{key} must have shape {wanted_shape} in {self!r}; got an array of "
                    f"shape {part.shape}."
                )
            n_rows = part.shape[0]
            columns.append(part.reshape(n_rows, width))
        return np.concatenate(columns, axis=1)

    def unpack(self, target):
        """Split a target (NumPy or torch) into its parts.

        Returns
        -------
        parts : Target
            ``proba``, ``log_weights``, ``labels`` and ``weights`` (None where absent).
        """
        L = self.n_classes
        start = 2 * L if self.log_weights else L
        return Target(
            proba=target[:, :L],
            log_weights=target[:, L:2 * L] if self.log_weights else None,
            labels=target[:, start] if self.labels else None,
            weights=target[:, start + int(self.labels)] if self.weights else None,
        )

    @classmethod
    def of(cls, input, target, *, log_weights=False, labels=False, name="the loss"):
        """The layout of a loss's ``target`` given the network output ``input``.

        The weight column is recognised by the width; any other width is an error
        that names both shapes.
        """
        if input.ndim != 2:
            raise ValueError(
                f"{name} expects network outputs of shape (batch, n_classes); got "
                f"{tuple(input.shape)}."
            )
        layout = cls(input.shape[1], log_weights=log_weights, labels=labels)
        width = target.shape[1] if target.ndim == 2 else None
        if width == layout.width + 1:
            return layout._replace(weights=True)
        if width != layout.width:
            raise ValueError(
                f"{name}: the network outputs {layout.n_classes} columns but the target has "
                f"shape {tuple(target.shape)}; expected {layout.width} columns (or one more "
                "for row weights). If the target is right, the module's output width does "
                "not match the number of classes."
            )
        return layout


class Target(NamedTuple):
    """The parts of a target read by :meth:`TargetLayout.unpack`."""

    proba: object
    log_weights: object
    labels: object
    weights: object
