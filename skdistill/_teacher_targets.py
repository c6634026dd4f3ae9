r"""A ranker's teacher targets, computed once per fit and kept sparse: each row's top labels.

Double distillation reads two things of the teacher per example: the positives
:math:`\pi` (its probabilities after a temperature) and the negative weights
:math:`w = 1 - \sigma(a s)` of its scores :math:`s`. Over many labels both are nearly
all "nothing": :math:`\pi` is small for all but a few labels and :math:`w` is near one
for every label the teacher does not believe in. So the teacher runs once over the
training rows, in blocks of rows, and of each row keeps its ``m`` most probable labels
with their log-probabilities and scores (:class:`TeacherTargets`); the rest of the row
is summarised by what the approximation drops:

- the positives keep the teacher's probabilities of the kept labels (after the
  temperature), and the *dropped mass*, the tempered probability of the other labels,
  is spread evenly over them. Of the targets that agree with the teacher on the kept
  labels this is the one of highest entropy, and it keeps the student's target a
  probability row as the teacher's is; renormalising over the kept labels instead
  would sharpen the teacher by ``1 / (1 - dropped mass)``, which matters when rows have
  more relevant labels than are kept (on Delicious, 19 labels a row, the teacher's 16
  top labels hold a third of its mass: renormalised, distillation at scale lost 2.9
  points of precision@1 to the exact fit; spread, it is level with it);
- every other label gets the weight :math:`w = 1`. Its true weight is
  :math:`1 - \sigma(a s)` with :math:`s` at most the row's largest *dropped score*, so
  :math:`|\log w| = \operatorname{softplus}(a s) \le \operatorname{softplus}(a\,
  s_{\text{dropped}})`, for any :math:`a` (and :math:`|\log(1 - p)| \le
  -\log(1 - p_{\text{dropped}})` for the ``"one_minus"`` weights).

The scores are kept rather than the weights, so the weights of any ``a`` are recomputed
from them (:func:`~skdistill.losses.sigmoid_log_weights`) without the teacher.

Finding the top labels takes a pass of the teacher over every label of every row. For a
net teacher ending in a linear output layer that pass runs in bfloat16 on a CPU that has
it, the kept labels rescored in float32 (:mod:`skdistill._bfloat16_top_labels`): the
same labels and float32 scores, the bounds above still bounds.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_memory

# entries of a (rows, labels) block of teacher outputs computed at once
_BLOCK_ELEMENTS = 1 << 22
# fewest rows per teacher call: a net's output layer is then read once per this many
# rows, and the product stays compute-bound at any number of labels
_MIN_BLOCK_ROWS = 32
# fewest rows per bfloat16 product (110 GFLOP/s at 32 rows, 130 at 64, 155 at 128 on
# one core here; each row holds a float32 and a bfloat16 row of scores over every label:
# 128 rows at 670,091 labels are 0.51 GB, and found the top labels 14% faster than 64)
_MIN_BFLOAT16_ROWS = 128
# "auto" finds the labels in bfloat16 when they are this many times the candidates
_BFLOAT16_MIN_RATIO = 16


class TeacherTargets(NamedTuple):
    """The teacher's top ``m`` labels of each training row, and what the rest weighs.

    Attributes
    ----------
    rows : ndarray of shape (n_rows,), int64
        The rows of ``X`` (sorted, unique) that have targets.
    labels : ndarray of shape (n_rows, m), int32
        Each row's ``m`` most probable labels (column indices of ``classes_``), most
        probable first.
    log_proba : ndarray of shape (n_rows, m), float32
        The teacher's log-probabilities of the kept labels (temperature 1).
    scores : ndarray of shape (n_rows, m), float32
        The teacher's scores of the kept labels.
    dropped_mass : ndarray of shape (n_rows,), float32
        Probability, after ``temperature``, of the labels not kept (labels found in
        bfloat16: from their bfloat16 scores, an estimate).
    dropped_score : ndarray of shape (n_rows,), float32
        The largest score of a label not kept (``-inf`` when every label is kept;
        labels found in bfloat16: an upper bound of it).
    dropped_log_proba : ndarray of shape (n_rows,), float32
        The largest log-probability (temperature 1) of a label not kept (labels found
        in bfloat16: an upper bound of it).
    temperature : float
        The temperature of ``dropped_mass``.
    full_pass_rows : int
        Rows whose labels found in bfloat16 could not be shown to be the top ``m``,
        scored again over every label in float32.
    """

    rows: np.ndarray
    labels: np.ndarray
    log_proba: np.ndarray
    scores: np.ndarray
    dropped_mass: np.ndarray
    dropped_score: np.ndarray
    dropped_log_proba: np.ndarray
    temperature: float
    full_pass_rows: int = 0

    @property
    def m(self):
        """Labels kept per row."""
        return self.labels.shape[1]

    def positions(self, rows):
        """The index into these targets of each of ``rows`` (rows of ``X``)."""
        return np.searchsorted(self.rows, rows)

    def positives(self, index):
        """The teacher's probabilities after ``temperature`` of each row's kept labels,
        ``(len(index), m)``: ``softmax(log p / T)`` over the kept labels times the kept
        mass ``1 - dropped_mass``.

        Examples
        --------
        >>> import numpy as np
        >>> targets = TeacherTargets(
        ...     rows=np.array([0]), labels=np.array([[2, 0]]),
        ...     log_proba=np.log([[0.5, 0.3]]), scores=np.zeros((1, 2)),
        ...     dropped_mass=np.array([0.2]), dropped_score=np.zeros(1),
        ...     dropped_log_proba=np.log([0.2]), temperature=1.0)
        >>> print(targets.positives(np.array([0])))
        [[0.5 0.3]]
        >>> print(targets.tail_positives(np.array([0]), n_labels=4))  # 0.2 over 2 labels
        [0.1]
        """
        import torch

        from .losses import tempered_log_softmax

        log_p = torch.from_numpy(np.asarray(self.log_proba[index], dtype=np.float32))
        pi = tempered_log_softmax(log_p, self.temperature).exp_().numpy()
        return pi * (1.0 - self.dropped_mass[index, None]).astype(np.float32)

    def tail_positives(self, index, n_labels):
        """The positive of each label a row does not keep, ``(len(index),)``: its dropped
        mass spread evenly over the ``n_labels - m`` others (0 when every label is
        kept)."""
        if n_labels == self.m:
            return np.zeros(len(index), dtype=np.float32)
        return (self.dropped_mass[index] / (n_labels - self.m)).astype(np.float32)

    def log_weights(self, index, negatives, a):
        """The kept labels' log negative weights, ``(len(index), m)``: ``log(1 -
        sigmoid(a s))`` for ``"sigmoid"``, ``log(1 - p)`` for ``"one_minus"``, 0 for
        ``"uniform"``."""
        from .losses import sigmoid_log_weights

        if negatives == "sigmoid":
            return sigmoid_log_weights(self.scores[index], a)
        if negatives == "one_minus":
            with np.errstate(divide="ignore"):
                return np.log1p(-np.exp(self.log_proba[index]))
        return np.zeros((len(index), self.m), dtype=np.float32)

    def log_weight_bound(self, negatives, a):
        """The largest ``|log w|`` of a label that is not kept, over the rows: the most
        the weight ``w = 1`` given to those labels is off by, in log space."""
        if negatives == "sigmoid":
            bound = np.logaddexp(0.0, a * self.dropped_score.astype(np.float64))
        elif negatives == "one_minus":
            bound = -np.log1p(-np.exp(self.dropped_log_proba.astype(np.float64)))
        else:
            return 0.0
        return float(bound.max()) if bound.size else 0.0


def check_teacher_scores(S, P, n_rows, n_labels):
    """Refuse a teacher whose scores do not cover every label of ``classes_``."""
    for name, part in (("scores", S), ("probabilities", P)):
        if np.shape(part) != (n_rows, n_labels):
            raise ValueError(
                f"teacher gives {name} of shape {np.shape(part)} for {n_rows} rows, but "
                f"there are {n_labels} labels (classes_): a teacher must score every label. "
                "Give a teacher that knows every label of y (for a net, an output layer of "
                f"{n_labels} units)."
            )


def compute_teacher_targets(teacher, X, rows, classes, m, temperature, precision="auto"):
    """The teacher's top ``m`` labels of each of ``rows``, computed in blocks of rows.

    Parameters
    ----------
    teacher : TeacherAdapter
        A fitted teacher.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    rows : array-like of int
        The rows that need targets (repeats are computed once).
    classes : ndarray of shape (n_labels,)
    m : int
        Labels kept per row, ``1 <= m <= n_labels``.
    temperature : float
        The temperature of the dropped mass (the positives' temperature).
    precision : {"auto", "float32", "bfloat16"}, default="auto"
        How every label is scored to find the top ones. ``"float32"``: the teacher's
        scores. ``"bfloat16"``: for a net teacher ending in a linear output layer, the
        labels are found in bfloat16 and rescored in float32
        (:mod:`skdistill._bfloat16_top_labels`: the same kept labels and float32 scores,
        checked row by row); other teachers are scored in float32. ``"auto"``:
        ``"bfloat16"`` on a CPU with fast bfloat16 products when the labels outnumber
        the candidates many times over, else ``"float32"``.

    Returns
    -------
    targets : TeacherTargets
    """
    import torch

    from ._bfloat16_top_labels import SLACK, Bfloat16TopLabels, bfloat16_is_fast

    rows = np.unique(np.asarray(rows, dtype=np.int64))
    n_labels = len(classes)
    out = {
        "labels": np.empty((len(rows), m), dtype=np.int32),
        "log_proba": np.empty((len(rows), m), dtype=np.float32),
        "scores": np.empty((len(rows), m), dtype=np.float32),
        "dropped_mass": np.zeros(len(rows), dtype=np.float32),
        "dropped_score": np.full(len(rows), -np.inf, dtype=np.float32),
        "dropped_log_proba": np.full(len(rows), -np.inf, dtype=np.float32),
    }
    if precision == "auto":
        precision = ("bfloat16" if n_labels >= _BFLOAT16_MIN_RATIO * (m + SLACK)
                     and bfloat16_is_fast() else "float32")
    scorer = Bfloat16TopLabels.of(teacher, X, classes) if precision == "bfloat16" else None
    # a teacher may densify its rows: a block is bounded in features as in labels; the
    # bfloat16 products want more rows at once to reach their speed
    step = max(_MIN_BLOCK_ROWS if scorer is None else _MIN_BFLOAT16_ROWS,
               _BLOCK_ELEMENTS // max(n_labels, X.shape[1], 1))
    full_pass_rows = 0
    for start in range(0, len(rows), step):
        block = np.arange(start, min(start + step, len(rows)))
        if scorer is None:
            S, P = teacher.scores(_safe_indexing(X, rows[block]), classes)
            check_teacher_scores(S, P, len(block), n_labels)
            S = torch.from_numpy(np.require(S, dtype=np.float32, requirements="W"))
            P = torch.from_numpy(np.require(P, dtype=np.float32, requirements="W"))
            _store(out, block, _top_of_scores(S, P, m, temperature))
            continue
        hidden = scorer.hidden(rows[block])
        found = scorer.top(hidden, m, temperature)
        certified = found.pop("certified").numpy()
        _store(out, block[certified], {k: v[torch.from_numpy(certified)]
                                       for k, v in found.items()})
        if not certified.all():
            # rows whose top labels the bfloat16 order does not settle: every label in float32
            S = scorer.float32_scores(hidden[torch.from_numpy(~certified)])
            _store(out, block[~certified],
                   _top_of_scores(S, torch.softmax(S, dim=1), m, temperature))
            full_pass_rows += int((~certified).sum())
    return TeacherTargets(rows=rows, temperature=float(temperature),
                          full_pass_rows=full_pass_rows, **out)


def _top_of_scores(S, P, m, temperature):
    """The top ``m`` labels of each row of the scores ``S`` and probabilities ``P`` (float32
    tensors over every label) and what the others weigh, as the fields of
    :class:`TeacherTargets`."""
    import torch

    from .losses import tempered_log_softmax

    kept_p, top = torch.topk(P, m, dim=1)
    found = {"labels": top, "log_proba": kept_p.log(), "scores": S.gather(1, top)}
    if m == P.shape[1]:
        return found
    if temperature == 1.0:
        kept = kept_p.sum(dim=1)
    else:
        kept = tempered_log_softmax(P.log(), temperature).gather(1, top).exp_().sum(dim=1)
    found["dropped_mass"] = (1.0 - kept).clamp_(min=0.0)
    found["dropped_score"] = S.scatter(1, top, -np.inf).amax(dim=1)
    found["dropped_log_proba"] = P.scatter(1, top, 0.0).amax(dim=1).log_()
    return found


def _store(out, index, found):
    for name, values in found.items():
        out[name][index] = values.numpy()


def cached_teacher_targets(memory):
    """:func:`compute_teacher_targets`, cached in ``memory`` (a path or ``joblib.Memory``;
    None: not cached), keyed by the fitted teacher, ``X``, the rows, the classes, ``m``
    and the temperature — not by ``a`` or anything of the student."""
    if memory is None:
        return compute_teacher_targets
    return check_memory(memory).cache(compute_teacher_targets)
