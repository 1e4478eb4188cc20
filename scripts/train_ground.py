"""Snakemake adapter: train the Table 2 CNN (TensorFlow and Keras progress go to the log)."""

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
    subset_fraction=snakemake.params.subset_fraction,
    threads=snakemake.threads,
    **snakemake.params.training,
)
