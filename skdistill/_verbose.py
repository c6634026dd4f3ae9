"""One line per phase of a fit, as scikit-learn's ``Pipeline(verbose=True)`` prints its steps."""

from __future__ import annotations

import contextlib
import time


@contextlib.contextmanager
def phase(verbose, source, message):
    """Print ``[source] message ... total=<seconds>s`` when the block ends, if ``verbose``.

    The line goes to standard output, as scikit-learn's estimators print theirs; what the
    block prints itself (a skorch net's epoch table) comes before it.

    Examples
    --------
    >>> with phase(True, "DistilledClassifier", "student fit (LogisticRegression)"):
    ...     pass  # doctest: +ELLIPSIS
    [DistilledClassifier] ... student fit (LogisticRegression), total=0.0s
    """
    if not verbose:
        yield
        return
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    head = f"[{source}] "
    tail = f" {message}, total={elapsed:.1f}s"
    print(head + "." * max(3, 70 - len(head) - len(tail)) + tail, flush=True)


def say(verbose, source, message):
    """Print ``[source] message`` at once, if ``verbose`` (a phase with nothing to time)."""
    if verbose:
        print(f"[{source}] {message}", flush=True)
