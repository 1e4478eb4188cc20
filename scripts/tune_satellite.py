"""Snakemake adapter: one worker of a (dataset, model) Optuna study (training part only)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.satellite import tuning  # noqa: E402

tuning.run_worker(
    snakemake.params.dataset_dir,
    snakemake.wildcards.model,
    snakemake.params.journal,
    snakemake.output[0],
    worker=int(snakemake.wildcards.worker),
    threads=snakemake.threads,
    **snakemake.params.tuning,
)
