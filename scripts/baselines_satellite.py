"""Snakemake adapter: the confound and chance baselines of one satellite dataset."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import baselines  # noqa: E402

baselines.satellite_baselines(
    snakemake.input.sequences,
    snakemake.input.split,
    snakemake.input.kp,
    snakemake.output[0],
    dataset=snakemake.wildcards.dataset,
    **snakemake.params.options,
)
