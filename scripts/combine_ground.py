"""Snakemake adapter: combine the observatories' datasets into ALL."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.ground import labels as labelling  # noqa: E402

labelling.combine_datasets(snakemake.params.dirs, snakemake.params.out_dir)
