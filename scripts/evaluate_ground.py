"""Snakemake adapter: evaluate a trained CNN on its held-out part (TF output to the log)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.evaluation import ground  # noqa: E402

ground.evaluate_model(
    snakemake.input.model,
    snakemake.input.windows,
    snakemake.input.labels,
    snakemake.input.split,
    snakemake.output.metrics,
    predictions_csv=snakemake.output.predictions,
    threads=snakemake.threads,
    **snakemake.params.evaluation,
)
