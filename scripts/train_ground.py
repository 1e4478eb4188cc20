"""Snakemake adapter: train the Table 2 CNN, predict its validation part (TF output to the log)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.ground import training  # noqa: E402

training.train(
    snakemake.input.windows,
    snakemake.input.labels,
    snakemake.input.split,
    snakemake.output.model,
    snakemake.output.history,
    summary_json=snakemake.output.summary,
    predictions_csv=snakemake.output.predictions,
    subset_fraction=snakemake.params.subset_fraction,
    threads=snakemake.threads,
    **snakemake.params.training,
)
