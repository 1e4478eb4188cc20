"""Snakemake adapter: the synthetic-data overview figure."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.plots.synthetic import plot_overview  # noqa: E402

plot_overview(
    snakemake.input.synthetic,
    snakemake.input.real,
    snakemake.input.satellite,
    snakemake.output[0],
    synthetic_start=snakemake.params.start,
)
