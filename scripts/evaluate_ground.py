"""Snakemake adapter: evaluate a trained CNN on its held-out part."""

import os
import sys

sys.stderr = open(snakemake.log[0], "w")
os.dup2(sys.stderr.fileno(), 2)  # TensorFlow's C++ runtime logs to file descriptor 2
sys.stdout = sys.stderr  # Keras progress lines belong in the log too

from eqprecursors.evaluation import metrics as evaluation  # noqa: E402

evaluation.evaluate_model(
    snakemake.input.model,
    snakemake.input.windows,
    snakemake.input.labels,
    snakemake.input.split,
    snakemake.output.metrics,
    predictions_csv=snakemake.output.predictions,
    threads=snakemake.threads,
    **snakemake.params.evaluation,
)
