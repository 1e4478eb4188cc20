"""Progress lines a person can follow in a job's log: steps done, time spent, time left.

A rule that runs for minutes (training epochs, tuning trials, generator days, a sensitivity
point's stages) writes one line per step, or per tenth of its steps, with an estimate of the
time left: the mean time of the finished steps times the steps still to come. Lines go to
``sys.stderr`` looked up when written, not when imported, because
:func:`eqprecursors.core.runtime.log_to` swaps ``sys.stderr`` for the job's log file after
the imports. Standard library only, so every room may use it.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Clock = Callable[[], float]


def format_seconds(seconds: float) -> str:
    """``12.4 s``, ``3 min 05 s`` or ``2 h 07 min``: short enough to read at a glance."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def _write(stream: TextIO | None, wall: Clock, text: str) -> str:
    line = f"[{time.strftime('%H:%M:%S', time.localtime(wall()))}] {text}"
    out = sys.stderr if stream is None else stream
    print(line, file=out, flush=True)
    return line


class Progress:
    """Count ``total`` steps of ``what`` (e.g. ``"epoch"``) and log each finished one.

    ``every`` (a fraction of ``total``, e.g. 0.1) logs only when the count crosses the next
    such share, and always at the last step, so a loop over 365 days writes about ten lines.
    ``clock`` measures the elapsed time (monotonic), ``wall`` stamps the line; both are
    injectable so that tests need no sleeps. ``stream`` None means ``sys.stderr`` at write
    time.
    """

    def __init__(
        self,
        total: int,
        what: str,
        *,
        every: float | None = None,
        stream: TextIO | None = None,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ):
        if int(total) < 0:
            raise ValueError(f"Progress of {what!r}: total must be >= 0, got {total}")
        if every is not None and not 0 < every <= 1:
            raise ValueError(f"Progress of {what!r}: every must be in (0, 1], got {every}")
        self.total, self.what, self.every = int(total), what, every
        self.stream, self.clock, self.wall = stream, clock, wall
        self.done = 0
        self.start = clock()
        self._next_log = self._threshold(1)

    def _threshold(self, k: int) -> int:
        """The step count at which the ``k``-th line of an ``every`` progress is due."""
        if self.every is None:
            return k
        return max(1, math.ceil(k * self.every * self.total - 1e-9))

    def remaining_seconds(self) -> float | None:
        """Mean time per finished step x steps left (None before the first step)."""
        if self.done == 0:
            return None
        elapsed = self.clock() - self.start
        return elapsed / self.done * max(0, self.total - self.done)

    def line(self, detail: str = "") -> str:
        """``epoch 3/8 done (detail), 12.4 s elapsed, about 20.6 s left``."""
        elapsed = self.clock() - self.start
        left = self.remaining_seconds()
        text = f"{self.what} {self.done}/{self.total} done"
        if detail:
            text += f" ({detail})"
        text += f", {format_seconds(elapsed)} elapsed"
        if left is not None and self.done < self.total:
            text += f", about {format_seconds(left)} left"
        return text

    def step(self, n: int = 1, detail: str = "") -> str | None:
        """Count ``n`` finished steps; return the line written (None when not due)."""
        self.done += int(n)
        if self.done < self._next_log and self.done < self.total:
            return None
        k = 1
        while self._threshold(k) <= self.done:
            k += 1
        self._next_log = self._threshold(k)
        return _write(self.stream, self.wall, self.line(detail))

    def epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Keras ``on_epoch_end`` hook: ``keras.callbacks.LambdaCallback(on_epoch_end=...)``."""
        self.step(detail=metrics_detail(logs))


@contextmanager
def timed(
    name: str,
    *,
    stream: TextIO | None = None,
    clock: Clock = time.monotonic,
    wall: Clock = time.time,
) -> Iterator[None]:
    """Log ``[HH:MM:SS] name: 3.1 s`` when the block ends (``failed after`` if it raised)."""
    start = clock()
    try:
        yield
    except BaseException:
        _write(stream, wall, f"{name}: failed after {format_seconds(clock() - start)}")
        raise
    _write(stream, wall, f"{name}: {format_seconds(clock() - start)}")


def metrics_detail(logs: dict | None, keys: tuple[str, ...] = ()) -> str:
    """``loss 0.693, val_loss 0.701`` from a Keras ``logs`` dict (all keys if none given)."""
    logs = logs or {}
    names = [k for k in keys if k in logs] if keys else sorted(logs)
    return ", ".join(f"{k} {float(logs[k]):.4g}" for k in names)


__all__ = ["Progress", "format_seconds", "metrics_detail", "timed"]
