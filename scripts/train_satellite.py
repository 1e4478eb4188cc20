"""Snakemake adapter: the final model on the whole training part, test part predicted once."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.satellite import training  # noqa: E402

training.train_and_predict(
    snakemake.params.dataset_dir,
    snakemake.input.best,
    snakemake.wildcards.model,
    snakemake.output.model,
    snakemake.output.predictions,
    seed=snakemake.params.seed,
    threads=snakemake.threads,
    summary_json=snakemake.output.summary,
)
