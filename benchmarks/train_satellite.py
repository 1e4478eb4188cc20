"""Benchmark: SeqNetQuake training throughput at T = 20, and the time of one tuning trial.

Run from the repository root:  .venv/bin/python benchmarks/train_satellite.py [--threads 1]

1. Throughput: SeqNetQuake with a mid-sized draw of the authors' space (3 Conv1D of 3
   filters, kernel 2; 2 BiLSTM layers of 64 units; 3 FC layers of 64; batch 20) trained
   on ``--train`` synthetic T = 20 sequences; the epochs after the first (which traces the
   graph) are timed.
2. Tuning: a synthetic dataset of ``--train`` training sequences (the default-sized
   training part) and a quarter as many test sequences, in the label/split format, tuned
   with ``tuning.run_worker`` for ``--trials`` trials (TPE, seed 0) under the caps
   ``--max-epochs`` / ``--max-units`` (the offline default's); each trial's duration is read
   from the study. Then the worst case within those caps (4 Conv1D, 5 BiLSTM layers and 6
   FC layers of the largest units, batch 10, the most epochs) is timed as one trial.

The last line is exactly:
``train_satellite: <sequences/s>; tuning trial <median> s (max <max> s of <k>), worst case
<worst> s``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from eqprecursors.satellite import parts, training, tuning

T = 20
MID = {
    "num_cnn_layers": 3,
    "num_filters_cnn": 3,
    "size_kernel_cnn": 2,
    "activation_cnn": "relu",
    "num_lstm_layers": 2,
    "units_lstm_layers": 64,
    "num_fc_layers": 3,
    "units_fc_layers": 64,
    "activation_fc": "relu",
    "dropout": 0.25,
    "batch_size": 20,
    "nb_epochs": 10,
    "scale": 1,
    "normalize": 0,
}


def write_dataset(d: Path, n_train: int, seed: int = 0) -> None:
    """Planted three-class signal in physical units; chronological train / test split."""
    rng = np.random.default_rng(seed)
    n = n_train + n_train // 4
    d.mkdir(parents=True, exist_ok=True)
    y = rng.choice(3, size=n, p=[0.4, 0.35, 0.25])
    ne = 1e4 * (1 + 0.1 * rng.normal(size=(n, T)))
    te = 2000 * (1 + 0.05 * rng.normal(size=(n, T)))
    ne[y == 1] *= 1.1
    te[y == 2] *= 1.05
    np.save(d / "sequences.npy", np.stack([ne, te], axis=-1).astype(np.float32))
    start = pd.Timestamp("2019-01-01", tz="UTC") + pd.to_timedelta(10 * np.arange(n), unit="min")
    pd.DataFrame(
        {"index": np.arange(n), "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "label": y}
    ).to_csv(d / "sequences.csv", index=False)
    split = np.where(np.arange(n) < n_train, "train", "test")
    pd.DataFrame({"index": np.arange(n), "split": split}).to_csv(d / "split.csv", index=False)


def throughput(train: parts.Part, threads: int, epochs: int) -> float:
    keras = training.start_keras(threads, 0)
    from eqprecursors.satellite.model import build

    x = training.Preprocessing.from_params(MID).fit(train.x).transform(train.x)
    net = build("seqnetquake", MID, T, n_steps=2)
    onehot = np.eye(3, dtype=np.float32)[train.y]
    net.fit(x, onehot, epochs=1, batch_size=MID["batch_size"], verbose=0)  # traces
    t0 = time.perf_counter()
    net.fit(x, onehot, epochs=epochs, batch_size=MID["batch_size"], verbose=0)
    seconds = time.perf_counter() - t0
    keras.backend.clear_session()
    return epochs * len(train) / seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, default=3000, help="training sequences")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--max-epochs", type=int, default=10)
    ap.add_argument("--max-units", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs of the throughput run")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "dataset"
        write_dataset(d, args.train)
        train = parts.load_part(d, "train")
        sps = throughput(train, args.threads, args.epochs)
        caps = {"max_epochs": args.max_epochs, "max_units": args.max_units}
        report = tuning.tune(
            d,
            "seqnetquake",
            Path(tmp) / "tuning",
            trials=args.trials,
            seed=0,
            inner_validation_fraction=0.2,
            n_steps={T: 2},
            threads=args.threads,
            **caps,
        )
        trials = pd.read_csv(Path(tmp) / "tuning" / "trials.csv")
        fit, val = parts.chronological_holdout(train, 0.2)
        worst = dict(
            MID,
            num_cnn_layers=4,
            num_filters_cnn=4,
            num_lstm_layers=5,
            units_lstm_layers=args.max_units,
            num_fc_layers=6,
            units_fc_layers=args.max_units,
            batch_size=10,
            nb_epochs=args.max_epochs,
        )
        t0 = time.perf_counter()
        training.fit_predict(
            "seqnetquake", worst, fit, val.x, n_steps=2, seed=0, threads=args.threads
        )
        worst_s = time.perf_counter() - t0

    durations = trials["duration_s"].to_numpy()
    print(f"config: T={T} train={args.train} (fit {len(fit)}, inner validation {len(val)}) "
          f"threads={args.threads} caps={caps}")  # fmt: skip
    for row in trials.itertuples():
        print(
            f"trial {row.number}: {row.duration_s:.1f} s, weighted F1 {row.value:.3f}, "
            f"cnn {row.num_cnn_layers}x{row.num_filters_cnn} k{row.size_kernel_cnn}, "
            f"bilstm {row.num_lstm_layers}x{row.units_lstm_layers}, "
            f"fc {row.num_fc_layers}x{row.units_fc_layers}, batch {row.batch_size}, "
            f"epochs {row.nb_epochs}, scale {row.scale}, normalize {row.normalize}"
        )
    print(f"best trial {report['number']}: weighted F1 {report['value']:.3f}")
    print(
        f"train_satellite: {sps:.0f}; tuning trial {np.median(durations):.1f} s "
        f"(max {durations.max():.1f} s of {durations.size}), worst case {worst_s:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
