"""Snakemake adapter: one table of every model's held-out metrics."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.evaluation import metrics as evaluation  # noqa: E402

evaluation.metrics_table(
    snakemake.params.runs,
    list(snakemake.input.metrics),
    list(snakemake.input.summaries),
    snakemake.output.csv,
    snakemake.output.md,
)
