"""Snakemake adapter: label one observatory's windows."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.ground import labels as labelling  # noqa: E402

labelling.make_dataset(
    snakemake.input.nc,
    snakemake.input.catalog,
    snakemake.input.kp,
    snakemake.params.out_dir,
    window=snakemake.params.window,
    filter=snakemake.params.filter,
    **snakemake.params.labelling,
)
