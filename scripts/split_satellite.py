"""Snakemake adapter: chronological train/test split of one satellite dataset."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.satellite.split import make_split  # noqa: E402

make_split(
    snakemake.input[0],
    snakemake.output.split,
    snakemake.output.report,
    **snakemake.params.options,
)
