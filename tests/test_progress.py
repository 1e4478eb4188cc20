"""core.progress: step lines with the time left, ~10 % thinning, timed stages.

Every test injects its clock (elapsed) and wall (time stamp): no sleeps, no real time.
"""

from __future__ import annotations

import io
import sys
import time

import pytest

from eqprecursors.core.progress import Progress, format_seconds, metrics_detail, timed

WALL = 1_700_000_000.0


def stamp(t: float = WALL) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 100.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_format_seconds():
    assert format_seconds(12.44) == "12.4 s"
    assert format_seconds(-3) == "0.0 s"
    assert format_seconds(185) == "3 min 05 s"
    assert format_seconds(2 * 3600 + 7 * 60 + 20) == "2 h 07 min"


def test_step_line_has_elapsed_and_mean_based_eta():
    clock, out = Clock(), io.StringIO()
    p = Progress(8, "epoch", stream=out, clock=clock, wall=lambda: WALL)
    clock.t += 2.0
    p.step()
    clock.t += 4.0  # 3 epochs in 6 s (2 s, then 4 s for two): 2 s each, 5 left -> 10 s
    p.step(2, detail="loss 0.5")
    assert lines(out) == [
        f"[{stamp()}] epoch 1/8 done, 2.0 s elapsed, about 14.0 s left",
        f"[{stamp()}] epoch 3/8 done (loss 0.5), 6.0 s elapsed, about 10.0 s left",
    ]
    assert p.remaining_seconds() == pytest.approx(10.0)


def test_last_step_says_no_time_left():
    clock, out = Clock(), io.StringIO()
    p = Progress(2, "trial", stream=out, clock=clock, wall=lambda: WALL)
    clock.t += 1.5
    p.step()
    clock.t += 1.5
    line = p.step()
    assert line == f"[{stamp()}] trial 2/2 done, 3.0 s elapsed"
    assert lines(out)[-1] == line


def test_every_tenth_logs_about_ten_lines_and_always_the_last():
    clock, out = Clock(), io.StringIO()
    p = Progress(365, "day", every=0.1, stream=out, clock=clock, wall=lambda: WALL)
    written = []
    for _ in range(365):
        clock.t += 1.0
        if p.step() is not None:
            written.append(p.done)
    assert written == [37, 73, 110, 146, 183, 219, 256, 292, 329, 365]
    assert len(lines(out)) == 10
    assert lines(out)[0].endswith("day 37/365 done, 37.0 s elapsed, about 5 min 28 s left")


def test_every_with_few_steps_logs_each_and_no_float_drift():
    out = io.StringIO()
    p = Progress(10, "file", every=0.1, stream=out, clock=Clock(), wall=lambda: WALL)
    logged = [p.step() is not None for _ in range(10)]
    assert logged == [True] * 10  # 0.1 * 3 * 10 is 3.0000000000000004, still step 3


def test_big_step_skips_passed_thresholds():
    out = io.StringIO()
    p = Progress(100, "day", every=0.1, stream=out, clock=Clock(), wall=lambda: WALL)
    assert p.step(35) is not None
    assert p.step(4) is None  # 39 < 40
    assert p.step(1) is not None


def test_invalid_arguments_name_the_progress():
    with pytest.raises(ValueError, match="'epoch'.*total"):
        Progress(-1, "epoch")
    with pytest.raises(ValueError, match="'day'.*every"):
        Progress(10, "day", every=1.5)


def test_default_stream_is_stderr_at_write_time(monkeypatch):
    p = Progress(1, "epoch", clock=Clock(), wall=lambda: WALL)  # created before the swap
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    p.step()
    assert lines(log) == [f"[{stamp()}] epoch 1/1 done, 0.0 s elapsed"]


def test_epoch_end_hook_reports_keras_logs():
    clock, out = Clock(), io.StringIO()
    p = Progress(4, "epoch", stream=out, clock=clock, wall=lambda: WALL)
    clock.t += 3.0
    p.epoch_end(0, {"val_loss": 0.70123, "loss": 0.69312})
    assert lines(out) == [
        f"[{stamp()}] epoch 1/4 done (loss 0.6931, val_loss 0.7012), 3.0 s elapsed, "
        "about 9.0 s left"
    ]


def test_metrics_detail_keeps_the_asked_order():
    logs = {"loss": 1.0, "accuracy": 0.5, "val_loss": 2.0}
    assert metrics_detail(logs, ("val_loss", "missing", "loss")) == "val_loss 2, loss 1"
    assert metrics_detail(None) == ""


def test_timed_writes_stage_duration():
    clock, out = Clock(), io.StringIO()
    with timed("decode", stream=out, clock=clock, wall=lambda: WALL):
        clock.t += 3.14
    assert lines(out) == [f"[{stamp()}] decode: 3.1 s"]


def test_timed_reports_a_failed_stage_and_reraises():
    clock, out = Clock(), io.StringIO()
    with pytest.raises(RuntimeError, match="boom"):
        with timed("train", stream=out, clock=clock, wall=lambda: WALL):
            clock.t += 75.0
            raise RuntimeError("boom")
    assert lines(out) == [f"[{stamp()}] train: failed after 1 min 15 s"]
