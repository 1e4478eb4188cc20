"""Snakemake adapter: every finished trial refitted on the training part, scored on test."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.satellite import optimism  # noqa: E402

optimism.measure(
    snakemake.params.dataset_dir,
    snakemake.input.best,
    snakemake.input.trials,
    snakemake.input.predictions,
    snakemake.wildcards.model,
    snakemake.output[0],
    seed=snakemake.params.seed,
    threads=snakemake.threads,
    context={"dataset": snakemake.wildcards.dataset},
)
