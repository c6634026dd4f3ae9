"""The k highest-scored columns of every row, with one deterministic tie rule.

Every ranking metric of the package selects labels through :func:`top_k_indices`, so
that they all break ties the same way: among equal scores the lower column index ranks
first, exactly as a stable sort of ``-scores`` would order them.

A full sort costs ``O(L log L)`` per row; here ``np.argpartition`` finds the k-th
largest score in ``O(L)`` and only the ``k`` selected columns are sorted. Partitioning
picks arbitrarily among columns tied with the k-th largest score, so rows where more
columns reach that score than fit are repaired by taking the lowest-index tied columns.
Rows are processed in blocks so that the temporary index arrays stay small for wide
score matrices.
"""

import numpy as np

# Elements (rows x columns) per block: the partition's index array of a block is
# 8 bytes per element, so about 32 MB.
_BLOCK_ELEMENTS = 1 << 22


def top_k_indices(scores, k):
    """Columns of the ``k`` highest scores of every row, highest first.

    Among equal scores the lower column index comes first.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_labels)
        Real scores without NaN (infinite values are allowed).
    k : int
        Number of columns to keep, ``1 <= k <= n_labels``.

    Returns
    -------
    top : ndarray of shape (n_samples, k), dtype intp
        ``top[i, 0]`` is the best column of row ``i``.
    """
    n_samples, n_labels = scores.shape
    top = np.empty((n_samples, k), dtype=np.intp)
    rows_per_block = max(1, _BLOCK_ELEMENTS // max(n_labels, 1))
    for start in range(0, n_samples, rows_per_block):
        stop = min(start + rows_per_block, n_samples)
        top[start:stop] = _top_k_block(scores[start:stop], k)
    return top


def _top_k_block(S, k):
    n_labels = S.shape[1]
    selected = np.argpartition(S, n_labels - k, axis=1)[:, n_labels - k:]
    kth = np.take_along_axis(S, selected, axis=1).min(axis=1)
    # The selection holds k columns scoring >= kth; it is the right set unless more
    # than k columns reach kth, and then only the choice among the tied ones can differ.
    n_reaching = np.count_nonzero(S >= kth[:, np.newaxis], axis=1)
    crowded = np.flatnonzero(n_reaching > k)
    if crowded.size:
        selected[crowded] = _lowest_index_ties(S[crowded], kth[crowded], k)
    # Sort the k selected columns: by column first, then stably by decreasing score.
    selected.sort(axis=1)
    order = np.argsort(-np.take_along_axis(S, selected, axis=1), axis=1, kind="stable")
    return np.take_along_axis(selected, order, axis=1)


def _lowest_index_ties(S, kth, k):
    """All columns above ``kth`` and the lowest-index columns equal to it, k per row."""
    rows, cols = np.nonzero(S >= kth[:, np.newaxis])  # row-major: columns ascend per row
    tied = S[rows, cols] == kth[rows]
    n_above = np.bincount(rows[~tied], minlength=S.shape[0])
    # Rank of every tied entry among its row's tied entries (0, 1, ...).
    tie_count = np.cumsum(tied)
    first_tie_of_row = np.concatenate([[0], np.cumsum(np.bincount(rows[tied],
                                                                  minlength=S.shape[0]))])
    tie_rank = tie_count - 1 - first_tie_of_row[rows]
    keep = ~tied | (tie_rank < (k - n_above)[rows])
    return cols[keep].reshape(S.shape[0], k)
