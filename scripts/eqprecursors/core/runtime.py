"""Process set-up for Snakemake jobs: logs and the TensorFlow thread pools.

TensorFlow's C++ runtime writes to file descriptor 2 and Keras prints progress to stdout;
both belong in the job's log, not on the user's terminal.
"""

from __future__ import annotations

import os
import sys
import warnings


def log_to(path, *, stdout: bool = False) -> None:
    """Send Python's stderr, file descriptor 2 and (optionally) stdout to ``path``."""
    sys.stderr = open(path, "w")
    os.dup2(sys.stderr.fileno(), 2)
    if stdout:
        sys.stdout = sys.stderr


def configure_threads(threads: int) -> None:
    """Pin TF intra-/inter-op pools to ``threads`` (must precede TF runtime start-up).

    If the runtime is already initialised (e.g. a second training in one process), TF
    refuses the change; we warn instead of failing, as the earlier setting still applies.
    """
    import tensorflow as tf

    threads = int(threads)
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    cur = (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )
    if cur == (threads, threads):
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        warnings.warn(
            f"TF runtime already initialised with threads={cur}; cannot change to {threads}",
            RuntimeWarning,
            stacklevel=2,
        )
