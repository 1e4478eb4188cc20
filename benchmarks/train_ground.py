"""Benchmark: CPU training throughput of the week CNN vs the machine's float32 GEMM peak.

Run from the repository root:  .venv/bin/python benchmarks/train_ground.py [--threads 1]

Trains the Table 2 week model (N = 10080, 31 M parameters) on synthetic normalised
windows written to a temporary memory-mapped .npy and streamed through the same tf.data
pipeline as ``training.train``.  After ``--warmup-steps`` untimed steps, a hand-written
loop (``next(iterator)`` then ``train_on_batch``) is timed; it is used instead of
``model.fit`` because inside ``fit`` the iterator is consumed within the compiled step, so
input waiting could not be separated from compute.
In the same process (same thread settings) it times large float32 ``tf.linalg.matmul``
to get the achievable GEMM FLOP/s.  Model FLOPs = 2 x MACs (Conv2D, Dense) x 3 passes (2 for the
first layer, which has no input gradient).

The last line is exactly:
``train_ground: <samples/s>, <achieved GFLOP/s> = <ratio> of GEMM peak, input stall <pct>%``
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from eqprecursors.core.runtime import configure_threads
from eqprecursors.ground import store, training


def gemm_peak_gflops(size: int, repeats: int) -> float:
    """Best-of-``repeats`` float32 matmul rate in GFLOP/s (after one warm-up)."""
    import tensorflow as tf

    a = tf.random.stateless_normal((size, size), seed=(1, 2), dtype=tf.float32)
    b = tf.random.stateless_normal((size, size), seed=(3, 4), dtype=tf.float32)
    float(tf.linalg.matmul(a, b)[0, 0])
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        float(tf.linalg.matmul(a, b)[0, 0])  # eager CPU op: returns when done
        best = min(best, time.perf_counter() - t0)
    return 2.0 * size**3 / best / 1e9


def synthetic_windows(path: Path, n: int, n_samples: int, seed: int = 0):
    """Random windows normalised like the dataset (divided by max|Bz|), balanced labels."""
    import numpy as np

    rng = np.random.default_rng(seed)
    w = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, 3, n_samples))
    for i in range(n):
        x = rng.normal(0, 0.01, (3, n_samples)).astype(np.float32)
        x[2] += 1.0
        w[i] = x / np.abs(x[2]).max()
    w.flush()
    del w
    return np.arange(n) % 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--window-samples", type=int, default=10080, help="10080 = week")
    ap.add_argument("--gemm-size", type=int, default=2048)
    ap.add_argument("--gemm-repeats", type=int, default=8)
    ap.add_argument("--jit", action="store_true", help="compile the train step with XLA")
    ap.add_argument(
        "--warmup-steps",
        type=int,
        default=2,
        help="untimed steps first: the first traces the step, and the first two carry "
        "oneDNN's kernel generation and the first touch of new buffers (week model, batch "
        "64: 6.4 s and 2.1 s against 0.75 s a step after them)",
    )
    args = ap.parse_args(argv)

    configure_threads(args.threads)  # before the TF runtime starts
    import keras
    import numpy as np

    from eqprecursors.ground import model as models

    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        npy = Path(tmp) / "windows.npy"
        labels = synthetic_windows(npy, args.samples, args.window_samples)
        reader = store.WindowReader(npy)
        ds = training.make_pipeline(
            reader, np.arange(args.samples), labels, args.batch_size, shuffle=True, seed=0
        )
        model = models.build_cnn(args.window_samples)
        model.compile(
            optimizer=models.make_optimizer("adam"),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=bool(args.jit),
        )
        flops = models.training_flops_per_sample(model)
        it = iter(ds.repeat())
        for _ in range(args.warmup_steps):  # one-time costs, not throughput (see --warmup-steps)
            x, y = next(it)
            model.train_on_batch(x, y)

        steps = args.epochs * int(np.ceil(args.samples / args.batch_size))
        wait = compute = 0.0
        n_done = 0
        t_start = time.perf_counter()
        for _ in range(steps):
            t0 = time.perf_counter()
            x, y = next(it)
            t1 = time.perf_counter()
            model.train_on_batch(x, y)  # returns host values: the step has finished
            t2 = time.perf_counter()
            wait += t1 - t0
            compute += t2 - t1
            n_done += int(x.shape[0])
        total = time.perf_counter() - t_start

    peak = gemm_peak_gflops(args.gemm_size, args.gemm_repeats)
    sps = n_done / total
    achieved = sps * flops / 1e9
    stall = 100.0 * wait / total
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
    print(
        f"config: N={args.window_samples} samples={args.samples} batch={args.batch_size} "
        f"epochs={args.epochs} steps={steps} (after {args.warmup_steps} untimed) "
        f"threads={args.threads} jit={args.jit}"
    )
    print(
        f"model: {model.count_params():,} params, {flops / 1e9:.3f} GFLOP/sample (train); "
        f"{1000 * total / n_done:.2f} ms/sample; GEMM {args.gemm_size}^3 peak {peak:.1f} GFLOP/s"
    )
    print(f"peak RSS: {rss_gb:.2f} GiB; input wait {wait:.3f} s of {total:.3f} s")
    print(
        f"train_ground: {sps:.2f}, {achieved:.1f} = {achieved / peak:.2f} of GEMM peak, "
        f"input stall {stall:.2f}%"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
