"""Snakemake adapter: one trained CNN's alarm series over one observatory's held-out period."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)  # TensorFlow logs to descriptor 2, Keras to stdout

from eqprecursors.evaluation import alarms  # noqa: E402

alarms.predict_ground_alarms(
    snakemake.input.model,
    snakemake.input.nc,
    snakemake.input.split,
    snakemake.input.kp,
    snakemake.output.csv,
    snakemake.output.json,
    observatory=snakemake.wildcards.obs,
    window=snakemake.wildcards.window,
    filter=snakemake.params.filter,
    threads=snakemake.threads,
    **snakemake.params.options,
)
