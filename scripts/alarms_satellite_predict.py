"""Snakemake adapter: one trained satellite model over a dataset's continuous test period."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)  # TensorFlow logs to descriptor 2, Keras to stdout

from eqprecursors.satellite import continuous  # noqa: E402

continuous.predict_continuous(
    snakemake.input.model,
    snakemake.input.nc,
    snakemake.input.split,
    snakemake.output.csv,
    snakemake.output.json,
    model_name=snakemake.wildcards.model,
    threads=snakemake.threads,
    **snakemake.params.options,
)
