"""Snakemake adapter: combine the observatories' datasets into ALL."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.ground import labels  # noqa: E402

labels.combine_datasets(snakemake.params.dirs, snakemake.params.out_dir)
