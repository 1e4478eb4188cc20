"""Snakemake adapter: one table of every model's held-out metrics beside its baselines."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import ground  # noqa: E402

ground.metrics_table(
    snakemake.params.runs,
    list(snakemake.input.metrics),
    list(snakemake.input.summaries),
    snakemake.output.csv,
    snakemake.output.md,
    baseline_jsons=list(snakemake.input.baselines),
)
