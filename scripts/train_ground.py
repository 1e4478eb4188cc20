"""Snakemake adapter: train the Table 2 CNN."""

import os
import sys

sys.stderr = open(snakemake.log[0], "w")
os.dup2(sys.stderr.fileno(), 2)  # TensorFlow's C++ runtime logs to file descriptor 2
sys.stdout = sys.stderr  # Keras progress lines belong in the log too

from eqprecursors.ground import training  # noqa: E402

training.train(
    snakemake.input.windows,
    snakemake.input.labels,
    snakemake.input.split,
    snakemake.output.model,
    snakemake.output.history,
    summary_json=snakemake.output.summary,
    subset_fraction=snakemake.params.subset_fraction,
    threads=snakemake.threads,
    **snakemake.params.training,
)
