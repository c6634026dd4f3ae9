"""The batches of a ranker's fit on targets computed once: rows, label subset, targets.

When the teacher's targets are computed once (:mod:`skdistill._teacher_targets`), or
no teacher is needed, a batch gets its targets from its rows' kept labels, not from the
teacher. Its items are *rows*, each with all its labels: the ``m`` examples ``(x, y)``
of a row with ``m`` labels share the teacher's targets, and with one-hot positives
their losses add up to ``m`` times the loss of ``x`` with positives uniform over its
labels (the log-sum-exp does not depend on ``y``), so a row weighted by ``m`` is the
same objective as its examples, at one pass through the network instead of ``m``. (The
ranker sizes the batches of rows so that each holds about ``batch_size`` labels: as many
optimizer steps per epoch as over the examples.)
:class:`RankingBatches` is the ``collate_fn`` of such a fit. It reads the batch's rows
of ``X`` (a sparse batch stays sparse for a module that reads sparse rows) and makes
the loss's targets over

- every label (``sampler=None``): the positives and log negative weights of the kept
  labels in ``(batch, L)`` arrays, every other label with ``w = 1``, for
  :class:`~skdistill.losses.DoubleDistillationLoss`;
- or a label subset: the labels the batch always scores (its rows' kept labels, and
  with one-hot positives their labels) and a sample of the others from a
  :class:`LabelSampler`, each sampled label's log weight corrected by its expected
  count, for :class:`~skdistill.losses.SampledDoubleDistillationLoss`. The batch's
  input is then ``{"X": rows, "label_subset": subset}`` so that the module scores the
  subset only; the subset is one row of labels expanded (not copied) over the batch.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import sparse

from ._net_fitting import _LABELS_AND_WEIGHTS
from ._nets import dense_rows, reads_sparse, sparse_rows
from ._target_layout import TargetLayout


class RowLabels(NamedTuple):
    """The labels of each training row: ``labels[indptr[i]:indptr[i + 1]]`` are those of
    row ``rows[i]`` of ``X`` (``rows`` sorted, unique)."""

    rows: np.ndarray
    indptr: np.ndarray
    labels: np.ndarray

    @classmethod
    def from_examples(cls, rows, labels):
        """Group examples ``(rows[i], labels[i])`` (rows in any order) by row."""
        order = np.argsort(rows, kind="stable")
        rows, labels = np.asarray(rows)[order], np.asarray(labels)[order]
        unique, starts = np.unique(rows, return_index=True)
        return cls(unique, np.append(starts, len(rows)), labels)

    @property
    def counts(self):
        """Labels per row."""
        return np.diff(self.indptr)

    def of(self, rows):
        """``(position in the batch, label)`` of every label of ``rows``."""
        index = np.searchsorted(self.rows, rows)
        starts, counts = self.indptr[index], self.counts[index]
        batch = np.repeat(np.arange(len(rows)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return batch, self.labels[np.repeat(starts, counts) + offsets]


class LabelSampler:
    """Draws a batch's sampled labels and the log of each one's count over its expected
    count (the "logQ" correction).

    Parameters
    ----------
    n_labels : int
    size : int
        Draws per batch, ``1 <= size <= n_labels``.
    kind : {"uniform", "frequency"}
        ``"uniform"``: ``size`` distinct labels, every label with inclusion probability
        ``size / n_labels``. ``"frequency"``: ``size`` draws with replacement, label
        ``j`` with probability proportional to ``counts[j] + 1`` (its frequency among
        the examples, smoothed so that every label can be drawn); a label drawn ``c``
        times counts ``c`` times.
    counts : ndarray of shape (n_labels,), default=None
        Examples per label (``"frequency"`` only).
    seed : int, Generator or None, default=None
    """

    def __init__(self, n_labels, size, kind, counts=None, seed=None):
        self.n_labels, self.size, self.kind = int(n_labels), int(size), kind
        self.rng = np.random.default_rng(seed)
        if kind == "frequency":
            q = np.asarray(counts, dtype=np.float64) + 1.0
            q /= q.sum()
            self.cdf = np.cumsum(q)
            self.log_expected = np.log(self.size * q)
        else:
            self.log_expected = np.log(self.size / self.n_labels)

    def draw(self, certain):
        """Sampled labels not in ``certain`` (sorted, unique) and their corrections
        ``log(count) - log(expected count)``, float32."""
        if self.kind == "frequency":
            u = self.rng.random(self.size) * self.cdf[-1]
            draws = np.minimum(np.searchsorted(self.cdf, u, side="right"), self.n_labels - 1)
            labels, counts = np.unique(draws, return_counts=True)
            correction = np.log(counts) - self.log_expected[labels]
        else:
            labels = np.sort(self.rng.choice(self.n_labels, self.size, replace=False))
            correction = np.full(len(labels), -self.log_expected)
        keep = ~np.isin(labels, certain, assume_unique=True)
        return labels[keep], correction[keep].astype(np.float32)


class RankingBatches:
    """``collate_fn`` of a ranker's fit whose targets need no teacher call per batch.

    The dataset's items are ``(row of X, [a label index, row weight])``: one per
    training row, weighted by its number of labels (the label index only stratifies a
    validation split).

    Parameters
    ----------
    net : skorch net
        The net being fitted (read for whether its module takes sparse rows).
    X : {array-like, sparse matrix}
    n_labels : int
    row_labels : RowLabels
        Each row's labels (the one-hot positives).
    targets : TeacherTargets or None
        The teacher's kept labels; None when the teacher is not used (one-hot
        positives, uniform negatives).
    positives, negatives, a
        As for :class:`~skdistill.DoubleDistilledRanker` (the positives' temperature is
        that of ``targets``).
    sampler : LabelSampler or None
        None: targets over every label; else over the batch's label subset.
    """

    def __init__(self, net, X, n_labels, *, row_labels, targets, positives, negatives, a,
                 sampler=None):
        self.net, self.X, self.n_labels = net, X, int(n_labels)
        self.row_labels = row_labels
        self.targets, self.sampler = targets, sampler
        self.positives, self.negatives = positives, negatives
        self.a = float(a)

    def __call__(self, items):
        import torch
        from torch.utils.data import default_collate

        rows, meta = default_collate(items)
        rows = rows.numpy()
        target, subset = self.targets_of(rows, _LABELS_AND_WEIGHTS.unpack(meta.numpy()).weights)
        if sparse.issparse(self.X) and reads_sparse(self.net):
            Xb = sparse_rows(self.X, rows)
        else:
            Xb = torch.from_numpy(dense_rows(self.X, rows))
        target = torch.from_numpy(target)
        if subset is None:
            return Xb, target
        label_subset = torch.from_numpy(subset).expand(len(rows), len(subset))
        return {"X": Xb, "label_subset": label_subset}, target

    def targets_of(self, rows, weights):
        """The targets and label subset (None: every label, in column order) of a batch of
        rows with these weights.

        Returns
        -------
        target : ndarray of shape (batch, 2 * width + 1), float32
            ``[positives | log weights (- log q) | row weight]`` over the ``width``
            columns: every label, or the subset.
        subset : ndarray of int64 or None
        """
        n = len(rows)
        if self.targets is None:
            kept = np.empty((n, 0), dtype=np.int64)
            pi_kept = log_w_kept = np.empty((n, 0), dtype=np.float32)
        else:
            index = self.targets.positions(rows)
            kept = self.targets.labels[index].astype(np.int64)
            pi_kept = self.targets.positives(index) if self.positives == "teacher" else None
            log_w_kept = self.targets.log_weights(index, self.negatives, self.a)
        onehot = self.positives == "onehot"
        if onehot:
            in_batch, labels = self.row_labels.of(rows)
        if self.sampler is None:
            subset, width = None, self.n_labels
            kept_columns = kept
            label_columns = labels if onehot else None
            correction = None
        else:
            certain = np.unique(np.concatenate([kept.ravel(), labels]) if onehot else kept)
            sampled, correction = self.sampler.draw(certain)
            subset = np.concatenate([certain, sampled])
            width = len(subset)
            kept_columns = np.searchsorted(certain, kept)
            label_columns = np.searchsorted(certain, labels) if onehot else None
        pi = np.zeros((n, width), dtype=np.float32)
        log_w = np.zeros((n, width), dtype=np.float32)
        batch = np.arange(n)
        if onehot:
            # the row's examples: positives uniform over its labels
            pi[in_batch, label_columns] = 1.0 / np.bincount(in_batch, minlength=n)[in_batch]
        else:
            # the row's dropped mass spread over the labels it does not keep; on a sampled
            # label, times its count over its expected count: then the positives' part of
            # the loss, -pi.f, is an unbiased estimate of the one over every label
            tail = self.targets.tail_positives(index, self.n_labels)[:, None]
            if correction is None:
                pi[:] = tail
            else:
                pi[:, :width - len(correction)] = tail
                pi[:, width - len(correction):] = tail * np.exp(correction)
            pi[batch[:, None], kept_columns] = pi_kept
        log_w[batch[:, None], kept_columns] = log_w_kept
        if correction is not None and len(correction):
            log_w[:, width - len(correction):] = correction
        layout = TargetLayout(width, log_weights=True, weights=True)
        return layout.pack(pi, log_weights=log_w, sample_weight=weights), subset
