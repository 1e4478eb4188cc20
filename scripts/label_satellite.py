"""Snakemake adapter: cut and label the sequences of one satellite dataset."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.satellite.sequences import make_dataset  # noqa: E402

make_dataset(
    snakemake.input.nc,
    snakemake.input.events,
    snakemake.input.kp,
    snakemake.params.out_dir,
    **snakemake.params.options,
)
