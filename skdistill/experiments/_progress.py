"""Progress of a reproduction's trials on stderr, as one line that updates in place."""

from __future__ import annotations

import sys
import time


def _isatty(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _tqdm_class():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class TrialProgress:
    """Count finished trials on ``stream`` (default: ``sys.stderr``).

    On a terminal the count is one line that updates in place: a tqdm bar when tqdm is
    installed (``pip install "skdistill[progress]"``), else a plain line rewritten with a
    carriage return. Off a terminal (a log file, CI, captured output) nothing is written
    per trial, only one summary line at the end, so logs do not fill with progress.
    ``verbose=False`` writes nothing at all.

    Use it as a context manager and call :meth:`update` once per finished trial.
    """

    def __init__(self, name, total, *, verbose=True, stream=None):
        self.name, self.total, self.verbose = name, total, verbose
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self._start = time.perf_counter()
        self._width = 0
        self._bar = None
        self._interactive = verbose and _isatty(self.stream)
        if self._interactive:
            tqdm = _tqdm_class()
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=name, unit="trial", file=self.stream)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close(summary=exc_type is None)
        return False

    def update(self):
        """Record one finished trial."""
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self._interactive:
            elapsed = time.perf_counter() - self._start
            remaining = elapsed / self.done * (self.total - self.done)
            line = (f"[{self.name}] {self.done}/{self.total} trials, {elapsed:.1f} s elapsed, "
                    f"~{remaining:.0f} s left")
            # Pad to the previous length: a shorter line must hide all of the longer one.
            self._width = max(self._width, len(line))
            self.stream.write("\r" + line.ljust(self._width))
            self.stream.flush()

    def close(self, summary=True):
        """End the line (terminal) or write the summary line (elsewhere)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._interactive:
            if self._width:
                self.stream.write("\n")
                self.stream.flush()
        elif self.verbose and summary:
            elapsed = time.perf_counter() - self._start
            self.stream.write(f"[{self.name}] {self.done}/{self.total} trials done in "
                              f"{elapsed:.1f} s\n")
            self.stream.flush()
        self._interactive = False
        self.verbose = False
