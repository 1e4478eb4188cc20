"""Benchmark: the overhead of one Optuna tuning trial over a plain fit of the same model.

Why: satellite tuning runs hundreds of trials; whatever a trial costs beyond training the
drawn model (study creation, journal writes, TPE sampling, the export) multiplies. Runs
``satellite.tuning.tune`` for one trial (TPE, seed 0) on the synthetic T = 20 dataset of
``train_satellite.py``, then, in the same process with TensorFlow already started, fits
the very same drawn parameters with ``training.fit_predict`` on the same inner fit /
validation split and seed. The in-run baseline is that plain fit; the ratio is the trial's
wall time over it.

Last line printed: ``tuning_trial: <s> s for one trial (<ratio>x the plain fit's <s> s)``.
Run from the repository root: ``.venv/bin/python benchmarks/tuning_trial.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))
sys.path.insert(0, str(HERE))

from train_satellite import T, write_dataset  # noqa: E402

from eqprecursors.satellite import parts, training, tuning  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, default=3000, help="training sequences")
    ap.add_argument("--max-epochs", type=int, default=10)
    ap.add_argument("--max-units", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    training.start_keras(args.threads, 0)  # TF start-up is paid by neither side
    with tempfile.TemporaryDirectory(prefix="tuning_trial_") as tmp:
        d = Path(tmp) / "dataset"
        write_dataset(d, args.train)
        t0 = time.perf_counter()
        best = tuning.tune(
            d,
            "seqnetquake",
            Path(tmp) / "tuning",
            trials=1,
            seed=0,
            inner_validation_fraction=0.2,
            n_steps={T: 2},
            threads=args.threads,
            max_epochs=args.max_epochs,
            max_units=args.max_units,
        )
        trial_s = time.perf_counter() - t0
        fit, val = parts.chronological_holdout(parts.load_part(d, "train"), 0.2)
        t0 = time.perf_counter()
        training.fit_predict(
            "seqnetquake",
            best["params"],
            fit,
            val.x,
            n_steps=2,
            seed=0 + best["number"],
            threads=args.threads,
            log_epochs=False,
        )
        fit_s = time.perf_counter() - t0

    p = best["params"]
    print(
        f"config: T={T} train={args.train} (fit {len(fit)}, inner validation {len(val)}) "
        f"threads={args.threads}; drawn: cnn {p['num_cnn_layers']}x{p['num_filters_cnn']}, "
        f"bilstm {p['num_lstm_layers']}x{p['units_lstm_layers']}, "
        f"fc {p['num_fc_layers']}x{p['units_fc_layers']}, batch {p['batch_size']}, "
        f"epochs {p['nb_epochs']}"
    )
    print(
        f"tuning_trial: {trial_s:.1f} s for one trial "
        f"({trial_s / fit_s:.2f}x the plain fit's {fit_s:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
