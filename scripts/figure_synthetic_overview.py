"""Snakemake adapter: the synthetic-data overview figure."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.plots.synthetic import plot_overview  # noqa: E402

plot_overview(
    snakemake.input.synthetic,
    snakemake.input.real,
    snakemake.input.satellite,
    snakemake.output[0],
    synthetic_start=snakemake.params.start,
)
