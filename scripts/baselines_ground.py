"""Snakemake adapter: the confound and chance baselines of one ground split."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import baselines  # noqa: E402

baselines.ground_baselines(
    snakemake.input.labels,
    snakemake.input.split,
    snakemake.input.kp,
    snakemake.output[0],
    dataset=snakemake.wildcards.dataset,
    window=snakemake.wildcards.window,
    filter=snakemake.wildcards.filter,
    **snakemake.params.options,
)
