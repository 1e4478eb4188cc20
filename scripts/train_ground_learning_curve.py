"""Snakemake adapter: one learning-curve seed, every fraction trained and evaluated (TF log)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.evaluation.learning_curve import train_learning_curve  # noqa: E402

train_learning_curve(
    snakemake.input.windows,
    snakemake.input.labels,
    snakemake.input.split,
    fractions=snakemake.params.fractions,
    history_csvs=snakemake.output.histories,
    summary_jsons=snakemake.output.summaries,
    metrics_jsons=snakemake.output.metrics,
    seed=int(snakemake.wildcards.seed),
    training=snakemake.params.training,
    evaluation=snakemake.params.evaluation,
    threads=snakemake.threads,
)
